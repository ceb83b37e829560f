"""Files sent through the portal: limited in size and type before anything is stored.

The size limit is cchc_flow.models.store.attachments.MAX_BYTES (the CLI's) unless the portal is given a smaller one; the type is
judged by the extension and the file's first bytes (a ".pdf" must start like a PDF). Accepted files are written
to a private temporary folder under CCHC_HOME under their (cleaned) name, cut short when the file system would not
take it, and handed with their whole name to the same functions as the CLI (which store them with their hash);
the folder is then removed.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from cchc_flow.models.rules.messages import t
from cchc_flow.models.store.attachments import File, short_name
from cchc_flow.settings import get_settings
from cchc_flow.web.security import PortalError

OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # .doc, .xls, .ppt
ZIP = (b"PK\x03\x04",)  # .docx, .xlsx, .pptx, .odt, .ods, .odp, .zip
TEXT = ()  # no signature: text, without a NUL byte anywhere
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".doc": OLE,
    ".xls": OLE,
    ".ppt": OLE,
    ".docx": ZIP,
    ".xlsx": ZIP,
    ".pptx": ZIP,
    ".odt": ZIP,
    ".ods": ZIP,
    ".odp": ZIP,
    ".zip": ZIP,
    ".rtf": (b"{\\rtf",),
    ".txt": TEXT,
    ".csv": TEXT,
}
ALLOWED = tuple(SIGNATURES)
MAX_FILES = 10


def clean_name(name: str | None) -> str:
    """The file's own name without any folder, control characters or leading dots (Vietnamese letters kept)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C").strip()
    base = base.lstrip(".").strip()
    return base[:150] or "tep"


def check_upload(upload: UploadFile, limit: int) -> str:
    """The cleaned name of an acceptable upload; PortalError 413 (too big) or 415 (type) otherwise."""
    name = clean_name(upload.filename)
    size = upload.size if upload.size is not None else _size(upload)
    if size > limit:
        raise PortalError(413, t("web.upload_too_big", name=name, limit=limit_text(limit)))
    suffix = Path(name).suffix.lower()
    if suffix not in SIGNATURES:
        raise PortalError(415, t("web.upload_type", name=name, allowed=", ".join(ALLOWED)))
    upload.file.seek(0)
    head = upload.file.read(4096)
    upload.file.seek(0)
    signatures = SIGNATURES[suffix]
    if signatures and not any(head.startswith(sig) for sig in signatures):
        raise PortalError(415, t("web.upload_content", name=name, kind=suffix))
    if not signatures and _has_nul(upload):
        raise PortalError(415, t("web.upload_content", name=name, kind=suffix))
    return name


def _has_nul(upload: UploadFile) -> bool:
    """Whether a text upload has a NUL byte anywhere (read whole, 1 MiB at a time): then it is not text."""
    upload.file.seek(0)
    try:
        return any(b"\x00" in chunk for chunk in iter(lambda: upload.file.read(1 << 20), b""))
    finally:
        upload.file.seek(0)


def _size(upload: UploadFile) -> int:
    upload.file.seek(0, 2)
    size = upload.file.tell()
    upload.file.seek(0)
    return size


def limit_text(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit} B"


def given(uploads: list[UploadFile] | None) -> list[UploadFile]:
    """The uploads a form really carried (browsers send one empty part when no file is chosen)."""
    return [u for u in uploads or [] if u.filename]


@contextmanager
def saved(uploads: list[UploadFile], limit: int) -> Iterator[list[File]]:
    """Check every upload, then write them to a private temporary folder; yields (path, name) of each, removes the
    folder."""
    if len(uploads) > MAX_FILES:
        raise PortalError(413, t("web.upload_count", n=MAX_FILES))
    names = [check_upload(u, limit) for u in uploads]
    root = get_settings().home / "tmp"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=root))
    try:
        paths: list[File] = []
        for i, (u, name) in enumerate(zip(uploads, names)):
            target = folder / str(i)
            target.mkdir(mode=0o700)
            path = target / short_name(name, 200)
            with path.open("wb") as out:
                u.file.seek(0)
                shutil.copyfileobj(u.file, out, 1 << 20)
            paths.append((path, name))
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)
