"""`cchc token`: access tokens for unit officers, the coordinator and auditors; and who the CLI user is.

The token is read from CCHC_TOKEN, else asked for (hidden input). Only its hash is stored (models/services/auth.py).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any

import pendulum
import typer
from rich.markup import escape
from rich.table import Table
from sqlmodel import Session, col, select

from cchc_flow.cli.console import fail, out, stated_name
from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.organisations import UnknownOrganisation, chosen_organisation
from cchc_flow.models.rules.text import ControlCharacters, check_text, printable
from cchc_flow.models.services.access import bootstrap, bootstrapped, may_issue, recover
from cchc_flow.models.services.auth import AuthError, Principal, authenticate, issue_token, revoke_token
from cchc_flow.models.services.ownership import database_name, owner_problem
from cchc_flow.models.store.db import session
from cchc_flow.models.store.organisations import known_organisations, unit_organisations
from cchc_flow.models.store.queries import current_unit
from cchc_flow.models.store.tables import TokenRow
from cchc_flow.settings import get_settings

token_app = typer.Typer(
    help="Mã truy cập: cấp, liệt kê, thu hồi / access tokens: issue, list, revoke.", no_args_is_help=True
)


def read_token(required: bool = True) -> str | None:
    """CCHC_TOKEN, else the token typed at a hidden prompt (None when nothing can be read)."""
    secret = get_settings().token
    token = secret.get_secret_value() if secret is not None else ""
    if token or not required:
        return token or None
    if not sys.stdin.isatty():  # piped in (echo "$TOKEN" | cchc ...): one line, nothing to hide
        return sys.stdin.readline().strip() or None
    try:
        typed = typer.prompt(t("auth.prompt"), hide_input=True, default="", show_default=False)
    except (typer.Abort, EOFError):
        return None
    return typed.strip() or None


def principal(session: Session) -> Principal:
    """The person at the keyboard, as their token says; AuthError when it is missing, unknown or revoked.

    Ends the read transaction it opened, so that the action can start its own write transaction.
    """
    try:
        return authenticate(session, read_token())
    finally:
        if session.in_transaction():
            session.rollback()


@token_app.command("issue")
def token_issue(
    unit: Annotated[str | None, typer.Option("--unit", help="mã đơn vị / unit code")] = None,
    role: Annotated[str, typer.Option("--role", help="unit | coordinator | auditor")] = "unit",
    label: Annotated[str | None, typer.Option("--label", help="người nhận / who holds it")] = None,
) -> None:
    """Cấp mã truy cập (chỉ hiện một lần) / issue a token (printed once)."""
    label = _label(label)
    try:
        with session() as s:
            first = not bootstrapped(s)  # the very first token of a database needs none, once
            token = read_token(required=not first)
            issuer = authenticate(s, token) if token else None
            may_issue(s, issuer, role, unit)
            s.rollback()  # end the reads above: issuing writes in its own transaction
            if first and issuer is None:
                token_id, token = bootstrap(s, unit or "", label, stated_name())
            else:
                token_id, token = issue_token(s, role, unit, label)
    except AuthError as exc:
        fail(str(exc))
    out.print(t("token.issued", id=token_id, role=role, unit=(unit or "—").upper()), highlight=False)
    typer.echo(token)


def _label(label: str | None) -> str | None:
    try:
        return check_text(label, "--label")
    except ControlCharacters as exc:
        fail(str(exc))


@token_app.command("recover")
def token_recover(
    unit: Annotated[str, typer.Option("--unit", help="đơn vị đầu mối / the focal unit")],
    confirm_database: Annotated[
        str | None,
        typer.Option(
            "--confirm-database", help="tên cơ sở dữ liệu (tệp SQLite hoặc tên cơ sở PostgreSQL) / the database's name"
        ),
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="người nhận / who holds it")] = None,
) -> None:
    """Chủ sở hữu cơ sở dữ liệu cấp lại mã người điều phối khi không còn mã nào dùng được (ghi vào lịch sử) /
    the database owner issues a new coordinator token when none can be used (recorded in the history)."""
    label = _label(label)
    try:
        with session() as s:
            name = database_name(s)
            if confirm_database != name:
                fail(t("recover.confirm", name=name))
            owner, problem = owner_problem(s)
            s.rollback()
            if problem:
                fail(t("recover.not_owner", detail=problem))
            token_id, token = recover(s, unit, label, stated_name(), owner)
    except AuthError as exc:
        fail(str(exc))
    out.print(t("token.issued", id=token_id, role="coordinator", unit=unit.upper()), highlight=False)
    typer.echo(token)


@token_app.command("list")
def token_list(
    org: Annotated[str | None, typer.Option("--org", help="mã tổ chức, ví dụ TTYTPM / organisation code")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Các mã đã cấp (không hiện mã), của một tổ chức khi có --org / tokens issued (never the tokens themselves),
    one organisation's with --org (an auditor's token, which names no unit, belongs to none)."""
    with session() as s:
        wanted = _organisation(s, org)
        of_unit = unit_organisations(s)
        rows: list[dict[str, Any]] = [
            {
                "id": r.id,
                "role": r.role,
                "organisation": of_unit.get(r.unit_code) if r.unit_code else None,
                "unit": r.unit_code,
                "unit_now": current_unit(s, r.unit_code) if r.unit_code else None,  # merged or renamed since
                "label": r.label,
                "created": _local(r.created_at, TZ),
                "revoked": _local(r.revoked_at, TZ),
            }
            for r in s.exec(select(TokenRow).order_by(col(TokenRow.id)))
            if wanted is None or (r.unit_code and of_unit.get(r.unit_code) == wanted)
        ]
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table()
    for key in ("col.token", "col.role", "col.organisation", "col.unit", "col.label", "col.created", "col.revoked"):
        table.add_column(t(key))
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["role"],
            r["organisation"] or "—",
            t("succession.now", old=r["unit"], now=r["unit_now"]) if r["unit_now"] != r["unit"] else r["unit"] or "—",
            escape(printable(r["label"])),
            r["created"] or "",
            r["revoked"] or "",
        )
    out.print(table)


def _organisation(s: Session, org: str | None) -> str | None:
    """``--org`` as stored, or None for every organisation; a code naming none is refused with the known ones."""
    if org is None:
        return None
    try:
        return chosen_organisation(org, known_organisations(s))
    except UnknownOrganisation as exc:
        fail(str(exc))


def _local(value: datetime | None, tz: str) -> str | None:
    return pendulum.instance(value).in_tz(tz).to_datetime_string() if value else None


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="số mã (xem 'cchc token list') / token id")]) -> None:
    """Thu hồi mã truy cập ngay / revoke a token at once."""
    try:
        with session() as s:
            issuer = principal(s)
            if issuer.role != "coordinator":
                raise AuthError(t("auth.issuer"))
            revoke_token(s, token_id)
    except AuthError as exc:
        fail(str(exc))
    out.print(t("token.revoked", id=token_id))
