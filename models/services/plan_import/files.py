"""Opening a plan document: size, kind and safety checks before any reader sees it (exit 2 when refused)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from cchc_flow.models.rules.messages import t
from cchc_flow.models.services.plan_import.docx_reader import read_docx
from cchc_flow.models.services.plan_import.pdf_reader import read_pdf
from cchc_flow.models.services.plan_import.source import MAX_BYTES, ImportRefused, Source
from cchc_flow.models.services.plan_import.text_reader import read_text

MAX_UNPACKED = 100 * 1024 * 1024  # a .docx whose parts unpack to more than this is refused (zip bomb)
MAX_RATIO = 200  # nor one part that unpacks to more than this many times its packed size
TEXT_KINDS = (".txt", ".md", ".markdown")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_document(path: Path, name: str | None = None) -> Source:
    """Read ``path`` (.docx, .pdf, .txt/.md, or .doc through LibreOffice) into a Source, or raise ImportRefused."""
    name = name or path.name
    if not path.is_file():
        raise ImportRefused(t("imp.no_file", name=name))
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ImportRefused(t("imp.too_big", name=name, size=round(size / 2**20, 1), limit=MAX_BYTES // 2**20))
    data = path.read_bytes()
    digest = sha256_of(data)
    suffix = Path(name).suffix.lower()
    if suffix == ".docm":
        raise ImportRefused(t("imp.docm", name=name))
    if suffix == ".docx":
        _check_docx(path, name)
        return _docx(path, name, digest)
    if suffix == ".doc":
        return _read_doc(path, name, digest)
    if suffix == ".pdf":
        if not data.startswith(b"%PDF-"):
            raise ImportRefused(t("imp.not_pdf", name=name))
        return read_pdf(path, name, digest)
    if suffix in TEXT_KINDS:
        return _read_text(data, name, digest)
    raise ImportRefused(t("imp.kind", name=name, suffix=suffix or name))


def _read_text(data: bytes, name: str, digest: str) -> Source:
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(t("imp.binary", name=name))
    try:
        text = data.decode("utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) else data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(t("imp.not_text", name=name, pos=exc.start)) from None
    return read_text(text, name, digest)


def _check_docx(path: Path, name: str) -> None:
    """A Word package: a zip with word/document.xml, no macros, and no part that unpacks out of proportion."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            content_types = z.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportRefused(t("imp.not_docx", name=name)) from None
    if "word/document.xml" not in names:
        raise ImportRefused(t("imp.not_docx", name=name))
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise ImportRefused(t("imp.docm", name=name))
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED or any(
        i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos
    ):
        raise ImportRefused(t("imp.zip_bomb", name=name, size=round(total / 2**20), limit=MAX_UNPACKED // 2**20))


def _read_doc(path: Path, name: str, digest: str) -> Source:
    """Word 97: converted to .docx by LibreOffice headless where it is installed."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        raise ImportRefused(t("imp.doc_no_office", name=name))
    with tempfile.TemporaryDirectory(prefix="cchc-doc-") as tmp:
        src = Path(tmp) / "input.doc"
        src.write_bytes(path.read_bytes())
        try:
            subprocess.run(
                [
                    office,
                    "--headless",
                    f"-env:UserInstallation=file://{tmp}/profile",
                    "--convert-to",
                    "docx",
                    "--outdir",
                    tmp,
                    str(src),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise ImportRefused(t("imp.doc_failed", name=name, detail=type(exc).__name__)) from None
        out = Path(tmp) / "input.docx"
        if not out.is_file():
            raise ImportRefused(t("imp.doc_failed", name=name, detail="no output"))
        _check_docx(out, name)
        return _docx(out, name, digest)


def _docx(path: Path, name: str, digest: str) -> Source:
    try:
        return read_docx(path, name, digest)
    except Exception:  # a damaged package: python-docx and lxml raise many kinds
        raise ImportRefused(t("imp.not_docx", name=name)) from None
