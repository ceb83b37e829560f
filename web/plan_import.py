"""The portal's plan import: the coordinator uploads a decision, sees the draft beside the document's rows and the
unknown units with suggested entries, edits the draft if needed, and loads it (models/services/plan_import/workspace.py;
the same importer and loader as `cchc plan import` and `cchc plan load`).

| route                                 | who                                              |
|---------------------------------------|--------------------------------------------------|
| GET  /plans/import                    | coordinators                                     |
| POST /plans/import                    | coordinators (CSRF): read the upload into a draft |
| GET  /plans/import/{sha256}           | coordinators: the draft beside the document      |
| POST /plans/import/{sha256}/load      | the plan's focal unit's coordinator (CSRF)       |
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import select

from cchc_flow.models.rules.findings import InputError
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.plan import read_directory
from cchc_flow.models.services.auth import Principal
from cchc_flow.models.services.plan_import.source import MAX_BYTES, ImportRefused
from cchc_flow.models.services.plan_import.workspace import check_edited, import_upload, load_checked, stored
from cchc_flow.models.store.db import session
from cchc_flow.models.store.tables import PlanRow
from cchc_flow.settings import DEFAULT_UNITS, get_settings
from cchc_flow.web.deps import Csrf, ReadSession, Who
from cchc_flow.web.pages import back, flash, render
from cchc_flow.web.security import PortalError, require
from cchc_flow.web.uploads import clean_name, limit_text

if TYPE_CHECKING:
    from cchc_flow.models.rules.findings import Finding
    from cchc_flow.models.rules.plan import Directory

router = APIRouter()


def coordinator_anywhere(who: Who) -> Principal:
    """A coordinator (loading a plan: whose plan it is is judged from the file)."""
    return require(who, "coordinator")


AnyCoordinator = Annotated[Principal, Depends(coordinator_anywhere)]


def _directory() -> Directory:
    try:
        return read_directory(DEFAULT_UNITS)
    except InputError as exc:
        raise PortalError(500, str(exc)) from None


def _page(
    request: Request, sha: str, status: int = 200, findings: list[Finding] | None = None, draft: str | None = None
) -> Response:
    try:
        item = stored(sha)
    except ImportRefused as exc:
        raise PortalError(404, str(exc)) from None
    return render(
        request,
        "plan_import.html",
        status=status,
        item=item,
        findings=findings or [],
        draft=item.draft if draft is None else draft,
        units_file="config/units.yaml",
    )


@router.get("/plans/import")
def import_form(request: Request, who: AnyCoordinator) -> Response:
    return render(
        request, "plan_import.html", item=None, limit=limit_text(min(MAX_BYTES, request.app.state.max_upload))
    )


@router.post("/plans/import")
def import_post(
    request: Request, who: AnyCoordinator, _: Csrf, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    if file is None or not file.filename:
        raise PortalError(400, t("web.file_needed"))
    name = clean_name(file.filename)
    limit = min(MAX_BYTES, request.app.state.max_upload)
    root = get_settings().home / "tmp"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="import-", dir=root))
    try:
        path = folder / name
        with path.open("wb") as out:
            file.file.seek(0)
            shutil.copyfileobj(file.file, out, 1 << 20)
        if path.stat().st_size > limit:
            raise PortalError(413, t("imp.web.too_big", limit=limit_text(limit)))
        try:
            item = import_upload(path, name, _directory(), "config/units.yaml")
        except ImportRefused as exc:
            raise PortalError(400, str(exc)) from None
        except Exception as exc:
            raise PortalError(400, t("imp.failed", name=name, detail=type(exc).__name__)) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return back(f"/plans/import/{item.sha256}")


@router.get("/plans/import/{sha}")
def import_page(request: Request, sha: str, who: AnyCoordinator) -> Response:
    return _page(request, sha)


@router.post("/plans/import/{sha}/load")
def import_load(
    request: Request, sha: str, who: AnyCoordinator, s: ReadSession, _: Csrf, draft: Annotated[str, Form()] = ""
) -> Response:
    directory = _directory()
    try:
        plan, findings = check_edited(sha, draft, directory)
    except ImportRefused as exc:
        raise PortalError(400, str(exc)) from None
    if plan is None:
        errors = [f for f in findings if f.level == "error"]
        flash(request, t("imp.web.check_failed", errors=len(errors)), "error")
        return _page(request, sha, status=400, findings=findings, draft=draft)
    focal = directory.resolve(plan.info.focal_unit)
    existing = s.exec(select(PlanRow).where(PlanRow.code == plan.code)).first()
    owner = existing.focal_unit if existing else (focal[0] if focal else None)
    if who.unit != owner:
        raise PortalError(403, t("imp.web.not_focal", unit=owner))
    with session() as s:
        result = load_checked(s, sha, plan, directory, by=who)
    key = {"created": "load.created", "unchanged": "load.unchanged", "amended": "load.amended"}[result.status]
    flash(request, t(key, code=plan.code, activities=len(plan.activities), changes=len(result.changes)))
    return back(f"/board?plan={plan.code}")
