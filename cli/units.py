"""`cchc units`: the unit directory, with the groups of the loaded plans."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer
from rich.table import Table
from sqlmodel import select

from cchc_flow.cli.console import FormatOpt, UnitsOpt, fail, out, print_findings
from cchc_flow.models.rules.findings import InputError
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.plan import read_directory
from cchc_flow.models.store.db import session
from cchc_flow.models.store.tables import GroupMemberRow, PlanRow
from cchc_flow.settings import DEFAULT_UNITS


def units_cmd(units: UnitsOpt = DEFAULT_UNITS, fmt: FormatOpt = "table") -> None:
    """Danh mục đơn vị / the unit directory."""
    try:
        directory = read_directory(units)
    except InputError as exc:
        print_findings(exc.findings)
        fail(t("check.failed", path=units, errors=len(exc.errors)))
    members = _group_members()
    rows = []
    for u in directory.units.values():
        row: dict[str, Any] = {
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
        rows.append(row)
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(show_lines=False)
    for col in ("col.code", "col.name", "col.kind", "col.aliases", "col.tags"):
        table.add_column(t(col))
    for r in rows:
        name = r["name"] or "—"
        if successor := r.get("merged_into") or r.get("renamed_to"):  # an old code: the unit it is today
            how = t("succession.merged" if "merged_into" in r else "succession.renamed")
            since = t("succession.since", day=f"{date.fromisoformat(r['since']):%d/%m/%Y}") if r["since"] else ""
            name += f"\n→ {how} {successor}{since}"
        if r["kind"] == "group":
            listed = "; ".join(f"{plan}: {', '.join(m) or t('group.empty')}" for plan, m in r["members"].items())
            name += f"\n{t('group.members')}: {listed or t('group.empty')}"
        table.add_row(r["code"], name, r["kind"], ", ".join(r["aliases"]), ", ".join(r["tags"]))
    out.print(table)


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
