"""Drafts imported through the portal, kept under CCHC_HOME/imports/<SHA-256 of the document>/ until a coordinator
loads them: the draft, the suggested units, and what the page shows beside it (the document's rows, the report).
Loading checks the (possibly edited) draft as `cchc plan check` does and records the document's name and SHA-256
in the history."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from cchc_flow.models.rules.findings import Finding, InputError
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.plan import Directory, Plan, read_plan
from cchc_flow.models.rules.yamlfile import MAX_BYTES as MAX_DRAFT_BYTES
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.services.loading import LoadResult, load_plan
from cchc_flow.models.services.plan_import import import_document
from cchc_flow.models.services.plan_import.files import sha256_of
from cchc_flow.models.services.plan_import.report import units_path_for, write_atomically
from cchc_flow.models.services.plan_import.source import ImportRefused
from cchc_flow.settings import get_settings

_SHA = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class Stored:
    sha256: str
    name: str
    report: list[str]
    rows: list[dict[str, Any]]
    draft: str
    units: str | None  # the suggested directory entries (YAML), if any
    exit_code: int


def _folder(sha: str) -> Path:
    if not _SHA.match(sha):
        raise ImportRefused(t("imp.no_draft"))
    return get_settings().home / "imports" / sha


def import_upload(path: Path, name: str, directory: Directory, units_file: str) -> Stored:
    """Import an uploaded document into its own folder (raises ImportRefused, nothing kept, when unreadable)."""
    sha = sha256_of(path.read_bytes())
    folder = _folder(sha)
    shutil.rmtree(folder, ignore_errors=True)  # the same document again: a fresh draft
    folder.mkdir(mode=0o700, parents=True)
    try:
        result = import_document(path, directory, folder / "draft.yaml", units_file, name=name)
    except BaseException:  # refused, or anything else: nothing is kept
        shutil.rmtree(folder, ignore_errors=True)
        raise
    meta = {
        "name": result.name,
        "sha256": sha,
        "report": result.report,
        "rows": result.draft.rows,
        "exit_code": result.exit_code,
    }
    write_atomically(folder / "meta.json", json.dumps(meta, ensure_ascii=False))
    return stored(sha)


def stored(sha: str) -> Stored:
    """A draft imported before, as it is now (ImportRefused when there is none)."""
    folder = _folder(sha)
    if not (folder / "meta.json").is_file():
        raise ImportRefused(t("imp.no_draft"))
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    units = units_path_for(folder / "draft.yaml")
    return Stored(
        sha,
        meta["name"],
        meta["report"],
        meta["rows"],
        (folder / "draft.yaml").read_text(encoding="utf-8"),
        units.read_text(encoding="utf-8") if units.is_file() else None,
        meta["exit_code"],
    )


def check_edited(sha: str, text: str, directory: Directory) -> tuple[Plan | None, list[Finding]]:
    """Save the coordinator's edit of the draft and check it: (plan, warnings) or (None, findings)."""
    folder = _folder(sha)
    if not (folder / "meta.json").is_file():
        raise ImportRefused(t("imp.no_draft"))
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise ImportRefused(t("yaml.too_big", limit=MAX_DRAFT_BYTES))
    write_atomically(folder / "draft.yaml", text.replace("\r\n", "\n"))
    try:
        return read_plan(folder / "draft.yaml", directory)
    except InputError as exc:
        return None, exc.findings


def load_checked(
    session: Session, sha: str, plan: Plan, directory: Directory, by: Principal, source: str = "web"
) -> LoadResult:
    """Load a checked draft as ``by``; the history notes the document it came from (name and SHA-256)."""
    meta = json.loads((_folder(sha) / "meta.json").read_text(encoding="utf-8"))
    return load_plan(
        session, plan, directory, source=source, by=by, origin=t("imp.loaded_from", name=meta["name"], sha=sha)
    )
