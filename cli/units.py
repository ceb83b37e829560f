"""`cchc units`: the unit directories (the Ministry's and each organisation's), with the groups of the loaded plans."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlmodel import select

from cchc_flow.cli.console import FormatOpt, UnitsOpt, fail, out, print_findings
from cchc_flow.models.rules.findings import InputError
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.organisations import UnknownOrganisation, chosen_organisation
from cchc_flow.models.rules.plan import Directory, directory_files, read_directory
from cchc_flow.models.store.db import session
from cchc_flow.models.store.tables import GroupMemberRow, PlanRow
from cchc_flow.settings import DEFAULT_UNITS

OrgOpt = Annotated[str | None, typer.Option("--org", help="mã tổ chức, ví dụ TTYTPM / organisation code")]


def units_cmd(units: UnitsOpt = DEFAULT_UNITS, org: OrgOpt = None, fmt: FormatOpt = "table") -> None:
    """Danh mục đơn vị của từng tổ chức / each organisation's unit directory."""
    directories = _directories(units, org)
    members = _group_members()
    rows = [_row(d, u, members) for d in directories for u in d.units.values()]
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for d in directories:
        table = Table(show_lines=False, title=t("org.heading", code=d.organisation, name=d.organisation_name))
        for col in ("col.code", "col.name", "col.kind", "col.aliases", "col.tags"):
            table.add_column(t(col))
        for r in rows:
            if r["organisation"] == d.organisation:
                table.add_row(r["code"], _name(r), r["kind"], ", ".join(r["aliases"]), ", ".join(r["tags"]))
        out.print(table)


def _directories(units: Path, org: str | None) -> list[Directory]:
    """``--units``' directory alone; else every organisation's, or ``--org``'s only (an unknown code: refused)."""
    directories = []
    for path in [units] if units != DEFAULT_UNITS else directory_files(DEFAULT_UNITS):
        try:
            directories.append(read_directory(path))
        except InputError as exc:
            print_findings(exc.findings)
            fail(t("check.failed", path=path, errors=len(exc.errors)))
    if org is None:
        return directories
    try:
        wanted = chosen_organisation(org, {d.organisation: d.organisation_name for d in directories})
    except UnknownOrganisation as exc:
        fail(str(exc))
    return [d for d in directories if d.organisation == wanted]


def _row(d: Directory, u: Any, members: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "organisation": d.organisation,
        "code": u.code,
        "name": u.name,
        "english": u.english,
        "kind": u.kind,
        "aliases": list(u.aliases),
        "tags": list(u.tags),
        "note": u.note,
    }
    if u.successor:  # an old code, resolvable to the unit it is today
        row["merged_into" if u.succession == "merged" else "renamed_to"] = u.successor
        row["since"] = u.since.isoformat() if u.since else None
    if u.kind == "group":
        row["members"] = members.get(u.code, {})
    return row


def _name(r: dict[str, Any]) -> str:
    """The unit's name, with the unit an old code is today and a group's members by plan."""
    name = r["name"] or "—"
    if successor := r.get("merged_into") or r.get("renamed_to"):
        how = t("succession.merged" if "merged_into" in r else "succession.renamed")
        since = t("succession.since", day=f"{date.fromisoformat(r['since']):%d/%m/%Y}") if r["since"] else ""
        name += f"\n→ {how} {successor}{since}"
    if r["kind"] == "group":
        listed = "; ".join(f"{plan}: {', '.join(m) or t('group.empty')}" for plan, m in r["members"].items())
        name += f"\n{t('group.members')}: {listed or t('group.empty')}"
    return name


def _group_members() -> dict[str, dict[str, list[str]]]:
    """group code -> plan code -> member codes, for every loaded plan (empty lists say 'no members')."""
    result: dict[str, dict[str, list[str]]] = {}
    with session() as s:
        for plan in s.exec(select(PlanRow)):
            for code in plan.spec.get("groups", {}) or {}:
                result.setdefault(code, {})[plan.code] = []
        for m, plan_code in s.exec(select(GroupMemberRow, PlanRow.code).join(PlanRow)):
            result.setdefault(m.group_code, {}).setdefault(plan_code, []).append(m.unit_code)
    return result
