"""Files a unit sends as evidence: checked, stored under CCHC_HOME with their hash, owner-only."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict

from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.text import ControlCharacters, check_text
from cchc_flow.settings import get_settings

MAX_BYTES = 25 * 1024 * 1024
STORED_NAME_BYTES = 180  # sha256, a dash, this and ".tmp" stay under the file systems' 255 bytes a name
File = Path | tuple[Path, str]  # a file, or (a copy of it, the name its sender gave it): the portal's uploads


class AttachmentError(ValueError):
    """A file that cannot be attached; the message names it and says what to do."""


def given(file: File) -> tuple[Path, str]:
    """(where the file is, the name its sender gave it)."""
    return (file[0], file[1]) if isinstance(file, tuple) else (Path(file), Path(file).name)


def short_name(name: str, limit: int) -> str:
    """``name`` cut to at most ``limit`` bytes of UTF-8, whole characters only, keeping its extension."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext.encode()) > 16:
        stem, ext = name, ""
    tail = f".{ext}" if ext else ""
    budget = limit - len(tail.encode())
    cut = stem.encode()[:budget].decode("utf-8", "ignore")
    return cut + tail


def check_files(files: Sequence[File], limit: int = MAX_BYTES) -> None:
    """Refuse missing, non-regular or oversized files, and names with control characters, before anything is
    written."""
    for p, name in map(given, files):
        try:
            check_text(name, "--attach")
        except ControlCharacters as exc:
            raise AttachmentError(str(exc)) from None
        if not p.exists():
            raise AttachmentError(t("attach.missing", path=p))
        if not p.is_file():
            raise AttachmentError(t("attach.not_file", path=p))
        if p.stat().st_size > limit:
            raise AttachmentError(t("attach.too_big", path=p, limit=limit // (1024 * 1024)))


def original_name(stored: str | Path) -> str:
    """The name a stored file was given by its sender: store() keeps it after the sha256 and a dash (cut short
    when it was too long for the file system; the database keeps it whole)."""
    name = Path(stored).name
    head, sep, rest = name.partition("-")
    return rest if sep and len(head) == 64 and all(c in "0123456789abcdef" for c in head) and rest else name


class Stored(TypedDict):
    """A stored file: the name its sender gave it, its SHA-256, its size and where it is kept."""

    name: str
    sha256: str
    size: int
    path: str


def store(file: File, folder: str = "attachments") -> Stored:
    """Copy the file under CCHC_HOME/<folder>/<sha256[:2]>/ (0600 in 0700 dirs), under its hash and its name cut
    short enough for any file system; returns its whole name, sha256, size and the stored path."""
    path, name = given(file)
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    sha = digest.hexdigest()
    root = get_settings().home / folder
    target_dir = root / sha[:2]
    for d in (get_settings().home, root, target_dir):
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(d, 0o700)
    target = target_dir / f"{sha}-{short_name(name, STORED_NAME_BYTES)}"
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".tmp")
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    return {"name": name, "sha256": sha, "size": path.stat().st_size, "path": str(target)}
