"""Files a unit sends as evidence: checked, stored under CCHC_HOME with their hash, owner-only."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from models.messages import t
from models.settings import get_settings

MAX_BYTES = 25 * 1024 * 1024


class AttachmentError(ValueError):
    """A file that cannot be attached; the message names it and says what to do."""


def check_files(paths: list[Path], limit: int = MAX_BYTES) -> None:
    """Refuse missing, non-regular or oversized files, and names with control characters, before anything is
    written."""
    from models.text import ControlCharacters, check_text

    for p in paths:
        try:
            check_text(p.name, "--attach")
        except ControlCharacters as exc:
            raise AttachmentError(str(exc)) from None
        if not p.exists():
            raise AttachmentError(t("attach.missing", path=p))
        if not p.is_file():
            raise AttachmentError(t("attach.not_file", path=p))
        if p.stat().st_size > limit:
            raise AttachmentError(t("attach.too_big", path=p, limit=limit // (1024 * 1024)))


def original_name(stored: str | Path) -> str:
    """The name a stored file was given by its sender: store() keeps it after the sha256 and a dash."""
    name = Path(stored).name
    head, sep, rest = name.partition("-")
    return rest if sep and len(head) == 64 and all(c in "0123456789abcdef" for c in head) and rest else name


def store(path: Path, folder: str = "attachments") -> dict[str, object]:
    """Copy ``path`` under CCHC_HOME/<folder>/<sha256[:2]>/ (0600 in 0700 dirs); returns name, sha256, size, path."""
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
    target = target_dir / f"{sha}-{path.name}"
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".tmp")
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    return {"name": path.name, "sha256": sha, "size": path.stat().st_size, "path": str(target)}
