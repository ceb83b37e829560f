"""`cchc plan`: check, load, import and show plans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.tree import Tree

from cchc_flow.cli.console import FormatOpt, UnitsOpt, fail, out, print_findings, stated_name
from cchc_flow.models.rules.findings import InputError
from cchc_flow.models.rules.labels import short_title
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.organisations import UnknownOrganisation, chosen_organisation
from cchc_flow.models.store.db import session
from cchc_flow.models.store.organisations import known_organisations, organisation_plans
from cchc_flow.models.store.queries import UnknownPlan, plan_as_dict
from cchc_flow.settings import CONFIG_DIR, DEFAULT_UNITS

if TYPE_CHECKING:
    from cchc_flow.models.rules.findings import Finding
    from cchc_flow.models.rules.plan import Directory, Plan

plan_app = typer.Typer(
    help="Kế hoạch: kiểm tra, nạp, liệt kê, xem / plans: check, load, list, show.", no_args_is_help=True
)


def plan_file(path: Path) -> Path:
    """The plan file a user names: a path, or the code of a plan shipped with cchc-flow (byt-3723-2013-2015)."""
    shipped = CONFIG_DIR / "plans" / f"{path.name}.yaml"
    if not path.exists() and path.parent == Path() and shipped.is_file():
        return shipped
    return path


def read_checked(path: Path, units: Path) -> tuple[Directory, Plan, list[Finding]]:
    """Directory and plan read and checked; exits 2 with every error when they are not usable."""
    # deferred here and below: the plan reader (Pydantic specs, YAML) loads only for the commands that read files
    from cchc_flow.models.rules.plan import directory_file, read_directory, read_plan

    path = plan_file(path)
    units = directory_file(path, units, DEFAULT_UNITS)
    try:
        directory = read_directory(units)
        plan, warnings = read_plan(path, directory)
    except InputError as exc:
        print_findings(exc.findings)
        fail(t("check.failed", path=path, errors=len(exc.errors)))
    return directory, plan, warnings


@plan_app.command("check")
def plan_check(path: Path, units: UnitsOpt = DEFAULT_UNITS) -> None:
    """Kiểm tra tệp kế hoạch (lỗi: mã thoát 2) / check a plan file (errors exit 2)."""
    _, plan, warnings = read_checked(path, units)
    print_findings(warnings)
    out.print(t("check.ok", path=path, activities=len(plan.activities), warnings=len(warnings)))


@plan_app.command("load")
def plan_load(path: Path, units: UnitsOpt = DEFAULT_UNITS) -> None:
    """Nạp kế hoạch vào cơ sở dữ liệu (nạp lại không đổi gì) / load a plan (idempotent)."""
    # deferred: loading (and what it brings) is not needed to check or show a plan
    from cchc_flow.models.services.loading import load_plan

    directory, plan, warnings = read_checked(path, units)
    print_findings(warnings)
    with session() as s:
        result = load_plan(s, plan, directory, stated_name=stated_name())
    if result.status == "created":
        out.print(t("load.created", code=plan.code, activities=len(plan.activities)))
    elif result.status == "unchanged":
        out.print(t("load.unchanged", code=plan.code))
    else:
        out.print(t("load.amended", code=plan.code, changes=len(result.changes)))
        for c in result.changes:
            out.print(f"  • {c}", highlight=False)


@plan_app.command("import")
def plan_import(
    path: Path,
    units: UnitsOpt = DEFAULT_UNITS,
    output: Annotated[Path | None, typer.Option("--output", help="bản nháp / the draft (DRAFT.yaml)")] = None,
    code: Annotated[str | None, typer.Option("--code", help="mã kế hoạch / plan code")] = None,
) -> None:
    """Nhập phụ lục của văn bản (.docx, .pdf, .txt/.md, .doc) thành bản nháp kế hoạch; không ghi cơ sở dữ liệu
    (0: bản nháp hợp lệ, 1: cần người sửa, 2: không đọc được tệp) / import a document's appendix into a plan draft."""
    # deferred: python-docx and pdfplumber load only to import a document
    from cchc_flow.models.rules.plan import read_directory
    from cchc_flow.models.services.plan_import import ImportRefused, import_document

    try:
        directory = read_directory(units)
    except InputError as exc:
        print_findings(exc.findings)
        fail(t("check.failed", path=units, errors=len(exc.errors)))
    target = output or Path(f"{path.stem}.draft.yaml")
    try:
        result = import_document(path, directory, target, str(units), code)
    except ImportRefused as exc:
        fail(str(exc))
    except OSError as exc:
        fail(t("imp.cannot_write", path=target, detail=exc.strerror or type(exc).__name__))
    except Exception as exc:
        fail(t("imp.failed", name=path.name, detail=type(exc).__name__))
    for line in result.report:
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(result.exit_code)


def _plan_dict(code: str) -> dict:
    with session() as s:
        try:
            return plan_as_dict(s, code)
        except UnknownPlan as exc:
            fail(str(exc))


@plan_app.command("list")
def plan_list(
    org: Annotated[str | None, typer.Option("--org", help="mã tổ chức, ví dụ TTYTPM / organisation code")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Các kế hoạch đã nạp, theo tổ chức / the loaded plans, by organisation."""
    with session() as s:
        known = known_organisations(s)
        try:
            wanted = chosen_organisation(org, known) if org is not None else None
        except UnknownOrganisation as exc:
            fail(str(exc))
        rows = [
            {
                "organisation": p.organisation,
                "code": p.code,
                "number": p.number,
                "signed": p.signed.isoformat(),
                "title": p.title,
                "focal_unit": p.focal_unit,
            }
            for p in organisation_plans(s, wanted)
        ]
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        out.print(t("plan.none_loaded"))
        return
    table = Table()
    for key in ("col.organisation", "col.plan", "col.number", "col.signed", "col.title"):
        table.add_column(t(key))
    for r in sorted(rows, key=lambda r: r["organisation"]):
        name = known.get(r["organisation"])
        org_name = f"{r['organisation']} ({name})" if name else r["organisation"]
        table.add_row(org_name, r["code"], r["number"], r["signed"], short_title(r["title"], 60))
    out.print(table)


@plan_app.command("show")
def plan_show(code: str, fmt: FormatOpt = "table") -> None:
    """Xem kế hoạch đã nạp / show a loaded plan."""
    data = _plan_dict(code)
    if fmt == "json":
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    show_plan(data)


def show_plan(data: dict) -> None:
    """Print a plan (as plan_as_dict gives it) as a Rich tree of phases with an activity table each."""
    info = data["plan"]
    tree = Tree(f"[bold]{info['number']}[/] — {info['title']} ({t('plan.signed')} {info['signed']})")
    for phase in data["phases"]:
        review = phase["review"]
        label = f"[bold]{phase['name']}[/] {phase['start']} → {phase['end']}"
        if review:
            label += f" · {t('plan.review')} {review['activity']}"
        node = tree.add(label)
        table = Table(show_lines=False)
        for col in ("col.id", "col.activity", "col.window", "col.lead", "col.partners", "col.state"):
            table.add_column(t(col), no_wrap=col in ("col.id", "col.window"))
        for a in phase["activities"]:
            table.add_row(
                a["id"],
                short_title(a["title"], 60),
                a["window"]["as_written"],
                ", ".join(a["lead"]) or "—",
                ", ".join(a["partners"]) or "—",
                a["state"],
            )
        node.add(table)
    out.print(tree)
