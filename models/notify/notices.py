"""Notifications as records: queued once per idempotency key, composed as one digest per unit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast
from urllib.parse import urlencode

import jinja2
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from cchc_flow.models.notify.links import sign_link
from cchc_flow.models.notify.senders import known_dead
from cchc_flow.models.rules.due import Message
from cchc_flow.models.rules.labels import day, period_label, unit_label, units_label
from cchc_flow.models.rules.messages import MESSAGES, current_lang, t
from cchc_flow.models.store.attachments import original_name
from cchc_flow.models.store.audit import seal_deliveries
from cchc_flow.models.store.bulk import insert_rows
from cchc_flow.models.store.id_lists import among, id_lists
from cchc_flow.models.store.tables import DeliveryRow, NotificationRow, table_of, utc_now
from cchc_flow.settings import get_settings

LEASE = timedelta(minutes=10)


def notification_key(plan: str, entity_key: str, notice: str, recipient: str, offset: int) -> str:
    """The idempotency key: (plan, activity, event, recipient, offset)."""
    return f"{plan}|{entity_key}|{notice}|{recipient}|{offset}"


DUE_NOTICES = ("reminder", "overdue", "escalation")  # notices counted from the due date


def message_key(plan: str, entity_key: str, message: Message, details: dict[str, Any]) -> str:
    """The idempotency key of ``message``; an extended activity's due-date notices count towards its new date."""
    m = message
    key = notification_key(plan, entity_key, m.notice, m.recipient, m.offset)
    if details.get("extended") and m.notice in DUE_NOTICES:
        key += f"|{details['end']}"
    return key


def enqueue(
    session: Session,
    *,
    plan_id: int,
    plan_code: str,
    entity: str,
    entity_key: str,
    messages: Iterable[Message],
    as_of: date,
    details: dict[str, Any],
    flow_run_id: str | None = None,
) -> int:
    """Queue each message unless its key was queued before (by anyone, ever); returns how many are new."""
    return len(
        queue(
            session,
            [
                notification(
                    plan_id=plan_id,
                    plan_code=plan_code,
                    entity=entity,
                    entity_key=entity_key,
                    message=m,
                    as_of=as_of,
                    details=details,
                    flow_run_id=flow_run_id,
                )
                for m in messages
            ],
        )
    )


def notification(
    *,
    plan_id: int,
    plan_code: str,
    entity: str,
    entity_key: str,
    message: Message,
    as_of: date,
    details: dict[str, Any],
    flow_run_id: str | None = None,
) -> dict[str, Any]:
    """The row of one new notification, as queue() takes it."""
    m = message
    return {
        "plan_id": plan_id,
        "key": message_key(plan_code, entity_key, m, details),
        "entity": entity,
        "entity_key": entity_key,
        "notice": str(m.notice),
        "recipient": m.recipient,
        "role": str(m.role),
        "offset": m.offset,
        "as_of": as_of,
        "details": details,
        "status": "pending",
        "attempts": 0,
        "created_at": utc_now(),
        "flow_run_id": flow_run_id,
    }


def queue(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert the notification ``rows`` whose key was never queued, in one statement; returns their keys.

    Runs in the caller's transaction (a write transaction: on SQLite it holds the lock, so the keys it reads as
    new are the keys it inserts).
    """
    new = unqueued(session, [r["key"] for r in rows])
    fresh = [r for r in rows if r["key"] in new]
    if fresh:
        insert = _insert_for(session)
        session.connection().execute(
            insert(table_of(NotificationRow)).on_conflict_do_nothing(index_elements=["key"]), fresh
        )
    return new


def unqueued(session: Session, keys: Iterable[str]) -> set[str]:
    """The idempotency keys among ``keys`` that were never queued."""
    wanted = set(keys)
    found: set[str] = set()
    for part in id_lists(session, sorted(wanted)):
        found.update(
            session.exec(select(col(NotificationRow.key)).where(among(session, col(NotificationRow.key), part)))
        )
    return wanted - found


def _insert_for(session: Session) -> Callable[..., Any]:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def pending(session: Session, plan_id: int, units: Collection[str] | None = None) -> dict[str, list[NotificationRow]]:
    """Pending notifications of a plan (of the recipient ``units`` if given), by recipient, oldest first."""
    query = select(NotificationRow).where(NotificationRow.plan_id == plan_id, NotificationRow.status == "pending")
    if units is not None:
        query = query.where(col(NotificationRow.recipient).in_(list(units)))
    out: dict[str, list[NotificationRow]] = {}
    for r in session.exec(query.order_by(col(NotificationRow.id))).all():
        out.setdefault(r.recipient, []).append(r)
    return out


def pending_units(session: Session, plan_id: int) -> list[str]:
    """Units with something pending for a plan."""
    return sorted(
        session.exec(
            select(NotificationRow.recipient)
            .distinct()
            .where(NotificationRow.plan_id == plan_id, NotificationRow.status == "pending")
        ).all()
    )


def claim(session: Session, ids: Sequence[int], sender: str) -> list[int]:
    """Take the notifications ``ids`` for ``sender`` unless another sender holds them; returns those taken.

    Runs in the caller's transaction: commit it before sending.
    """
    return take(session, ids, sender).taken


@dataclass
class Claim:
    """What a sender took: ``taken`` ids, and among them ``in_doubt``: id -> the earlier holder, which stopped
    (or ran past its lease) after claiming it and before recording an answer, so it may have sent it already."""

    taken: list[int] = field(default_factory=list)
    in_doubt: dict[int, str] = field(default_factory=dict)


def take(session: Session, ids: Sequence[int], sender: str) -> Claim:
    """Claim ``ids`` for ``sender`` (compare-and-set); a claim whose holder is known dead or whose lease
    ended is taken over and reported in doubt. Runs in the caller's transaction: commit it before sending."""
    now = utc_now()
    out = Claim()
    if not ids:
        return out
    for part in id_lists(session, ids):  # unclaimed (or ours already): taken together, compare-and-set
        out.taken += (
            session.execute(
                sa.update(NotificationRow)
                .where(
                    among(session, col(NotificationRow.id), part),
                    col(NotificationRow.status) == "pending",
                    sa.or_(col(NotificationRow.claimed_by).is_(None), col(NotificationRow.claimed_by) == sender),
                )
                .values(claimed_by=sender, claimed_until=now + LEASE)
                .returning(col(NotificationRow.id))
                .execution_options(synchronize_session=False)
            )
            .scalars()
            .all()
        )
    rest = sorted(set(ids) - set(out.taken))  # held by another sender (or no longer pending)
    rows = [
        r
        for part in id_lists(session, rest)
        for r in session.execute(
            sa.select(
                col(NotificationRow.id), col(NotificationRow.claimed_by), col(NotificationRow.claimed_until)
            ).where(among(session, col(NotificationRow.id), part), col(NotificationRow.status) == "pending")
        )
    ]
    for nid, holder, until in sorted(rows):
        if holder is None or holder == sender:
            continue
        if until is not None and until >= now and not known_dead(holder):
            continue  # another sender is at work on it
        result = cast(  # a stale claim: taken over, and what it may have sent is in doubt
            sa.CursorResult,
            session.execute(
                sa.update(NotificationRow)
                .where(
                    NotificationRow.id == nid,
                    col(NotificationRow.status) == "pending",
                    col(NotificationRow.claimed_by) == holder,
                )
                .values(claimed_by=sender, claimed_until=now + LEASE)
                .execution_options(synchronize_session=False)
            ),
        )
        if result.rowcount:
            out.taken.append(nid)
            out.in_doubt[nid] = holder
    out.taken.sort()
    return out


def delivered_routes(session: Session, ids: Sequence[int]) -> dict[int, set[str]]:
    """notification id -> routes it was already delivered on."""
    out: dict[int, set[str]] = {i: set() for i in ids}
    for part in id_lists(session, ids):
        for nid, route in session.execute(
            sa.select(col(DeliveryRow.notification_id), col(DeliveryRow.route)).where(
                among(session, col(DeliveryRow.notification_id), part), col(DeliveryRow.ok)
            )
        ):
            out[nid].add(route)
    return out


@dataclass(frozen=True)
class Outcome:
    route: str
    ok: bool
    error: str | None
    doubt: bool = False  # not sent again: an earlier sender may have sent it (see models/notify/senders.py)


def hold(session: Session, ids: Sequence[int], why: str) -> None:
    """Say on each pending notification ``ids`` why it was held back (quiet hours, a day off); they stay pending for
    the next run (its claim, compare-and-set, sends each once). Runs in the caller's transaction."""
    for part in id_lists(session, list(ids)):
        session.execute(
            sa.update(NotificationRow)
            .where(among(session, col(NotificationRow.id), part), col(NotificationRow.status) == "pending")
            .values(last_error=why)
            .execution_options(synchronize_session=False)
        )


def record_outcomes(
    session: Session,
    notifications: Sequence[NotificationRow],
    routes: Mapping[int, Sequence[str]],
    outcomes: Mapping[tuple[int, str], Outcome],
    flow_run_id: str | None,
    unrouted_error: str | None = None,
) -> None:
    """Append each attempt to the delivery log and settle each notification: sent once every one of its ``routes``
    (notification id -> routes) has it; the claims are given back.

    Runs in the caller's transaction.
    """
    now = utc_now()
    done = delivered_routes(session, [n.id for n in notifications])
    attempts: list[dict[str, Any]] = []
    tried: dict[int, list[Outcome]] = {}
    for (nid, route), o in outcomes.items():
        tried.setdefault(nid, []).append(o)
        if o.ok and route in done[nid]:
            continue
        attempts.append(
            {
                "notification_id": nid,
                "route": route,
                "ok": o.ok,
                "error": o.error,
                "at": now,
                "flow_run_id": flow_run_id,
            }
        )
        if o.ok:
            done[nid].add(route)
    if attempts:
        seal_deliveries(session, attempts, {n.id: n for n in notifications})  # locks the chains
        insert_rows(session.connection(), table_of(DeliveryRow), attempts)
    settled: dict[tuple[bool, tuple[tuple[str, Any], ...]], list[int]] = {}  # same new values: one UPDATE
    for n in notifications:
        mine = tried.get(n.id, [])
        errors = [f"{o.route}: {o.error}" for o in mine if not o.ok]
        values: dict[str, Any] = {"claimed_by": None, "claimed_until": None}
        wanted = routes.get(n.id, ())
        if wanted and set(wanted) <= done[n.id]:
            values.update(status="sent", sent_at=now, last_error=None)
        elif any(o.doubt and o.route not in done[n.id] for o in mine):
            values.update(status="doubt", last_error="; ".join(errors))
        elif errors or unrouted_error:
            values["last_error"] = "; ".join(errors) or unrouted_error
        settled.setdefault((bool(mine), tuple(sorted(values.items()))), []).append(n.id)
    for (bump, values_), ids in settled.items():
        extra = {"attempts": NotificationRow.attempts + 1} if bump else {}
        for part in id_lists(session, ids):
            session.execute(
                sa.update(NotificationRow)
                .where(among(session, col(NotificationRow.id), part))
                .values(**dict(values_), **extra)
                .execution_options(synchronize_session=False)
            )


UNIT_FIELDS = ("unit", "coordinator", "to")  # details that hold one unit code
UNITS_FIELDS = ("leads", "missing")  # details that hold several


@dataclass(frozen=True)
class DigestItem:
    """One thing a digest tells: its heading line and the lines under it."""

    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Digest:
    """The one message a unit receives: its subject, the plain text, and the HTML alternative for email."""

    title: str
    body: str
    html: str


def _units(value: Any, names: Mapping[str, str | None]) -> str:
    codes = value.split(", ") if isinstance(value, str) else list(value or [])
    return units_label(codes, names) or "—"


def _values(n: NotificationRow, names: Mapping[str, str | None], lang: str) -> dict[str, Any]:
    """What the message texts of one notification are filled with: units by name, dates dd/mm/yyyy."""
    d = n.details
    values = {**d, "end": day(d.get("end")), "offset": n.offset, "id": n.entity_key}
    values.update({k: unit_label(d[k], names.get(d[k])) for k in UNIT_FIELDS if isinstance(d.get(k), str)})
    values.update({k: _units(d.get(k), names) for k in UNITS_FIELDS})
    if n.entity == "report":
        values["phase"] = period_label(str(d.get("phase", "")), lang)
    if "on_time" in d:
        values["on_time"] = t("on_time" if d["on_time"] else "late", lang)
    return values


def _expected(n: NotificationRow, values: Mapping[str, Any], lang: str) -> str:
    """What the unit is expected to do about ``n`` (the text says by when)."""
    key = next(
        k for k in (f"expect.{n.notice}.{n.role}", f"expect.{n.notice}.lead", f"expect.{n.notice}") if k in MESSAGES
    )
    return t(key, lang, **values)


def _item(n: NotificationRow, names: Mapping[str, str | None], lang: str) -> DigestItem:
    d, values = n.details, _values(n, names, lang)
    heading = t(
        "digest.item" if n.entity == "activity" else "digest.item_other",
        lang,
        headline=t(f"headline.{n.notice}", lang, **values),
        id=n.entity_key,
        phase=values.get("phase", ""),
    )
    lines = [
        str(d.get("title", "")),
        t("digest.window", lang, start=day(d.get("start")), end=day(d.get("end")))
        if d.get("start")
        else t("digest.due", lang, end=day(d.get("end"))),
        t("digest.role", lang, role=t(f"role.{n.role}", lang)),
        t("digest.expected", lang, text=_expected(n, values, lang)),
    ]
    if files := [original_name(f) for f in d.get("attach") or ()]:
        lines.append(t("digest.attachments", lang, files=", ".join(files)))
    return DigestItem(heading, tuple(line for line in lines if line))


def digest_subject(label: str, items: Sequence[NotificationRow], today: date, lang: str) -> str:
    """What is in the message, counted by kind ("2 việc mới, 1 việc quá hạn"), and the nearest due date to come."""
    counts: dict[str, int] = {}
    for n in items:
        counts[n.notice] = counts.get(n.notice, 0) + 1
    what = ", ".join(t(f"digest.count.{notice}", lang, n=k) for notice, k in counts.items())
    coming = sorted(d for n in items if n.notice in OPEN_NOTICES and (d := n.details.get("end")) and d >= str(today))
    if coming:
        what += " — " + t("digest.nearest", lang, date=day(coming[0]))
    return t("digest.title", lang, number=label, what=what)


OPEN_NOTICES = ("assigned", "reminder", "returned", "report_reminder")  # notices that ask for something by a date
LATE_NOTICES = ("overdue", "escalation", "explanation_missing", "report_missing")  # asking for it now: it is late
TO_DO_NOTICES = (
    *OPEN_NOTICES,
    *LATE_NOTICES,
    "reported",
    "explanation_asked",
    "extension_requested",
    "extension_approved",
    "extension_refused",
    "reassigned",
)  # notices that ask the recipient to act; the others only tell


def _pressing(n: NotificationRow) -> tuple[int, str]:
    """Sort key: what is late first, then by its date (the explanation's or the due date)."""
    return (0 if n.notice in LATE_NOTICES else 1, str(n.details.get("by") or n.details.get("end") or "9999"))


def first_line(items: Sequence[NotificationRow], names: Mapping[str, str | None], lang: str) -> str:
    """The message's first line: what the unit must do and by when (the most pressing item, and how many more), or
    that it is for information only."""
    to_do = sorted((n for n in items if n.notice in TO_DO_NOTICES), key=_pressing)
    if not to_do:
        counts: dict[str, int] = {}
        for n in items:
            counts[n.notice] = counts.get(n.notice, 0) + 1
        what = ", ".join(t(f"digest.count.{notice}", lang, n=k) for notice, k in counts.items())
        return t("digest.first_info", lang, what=what)
    top = to_do[0]
    more = t("digest.first_more", lang, n=len(to_do) - 1) if len(to_do) > 1 else ""
    return t("digest.first", lang, id=top.entity_key, text=_expected(top, _values(top, names, lang), lang), more=more)


def compose_digest(
    *,
    plan_number: str,
    plan_title: str,
    unit_code: str,
    unit_name: str | None,
    items: Sequence[NotificationRow],
    today: date,
    lang: str | None = None,
    names: Mapping[str, str | None] | None = None,
    anchors: Sequence[str] = (),
) -> Digest:
    """The one message a unit receives for ``items`` of one plan: subject, plain text and HTML, in the configured
    language.

    ``names`` (unit code -> full name) names every unit the way people read it; no command lines: the unit's
    own portal link is its way in. ``anchors`` (the leadership's messages): the history's chain heads, as
    models/store/anchors.py writes them.
    """
    return _compose(plan_number, [(plan_number, plan_title, items)], unit_code, unit_name, today, lang, names, anchors)


def compose_morning_digest(
    *,
    unit_code: str,
    unit_name: str | None,
    plans: Sequence[tuple[str, str, Sequence[NotificationRow]]],
    today: date,
    lang: str | None = None,
    names: Mapping[str, str | None] | None = None,
    anchors: Sequence[str] = (),
) -> Digest:
    """A unit's morning digest: everything waiting for it, ``plans`` being (number, title, items) each."""
    lang = lang or current_lang()
    label = t("digest.morning", lang, date=day(today))
    return _compose(label, plans, unit_code, unit_name, today, lang, names, anchors)


def _compose(
    label: str,
    plans: Sequence[tuple[str, str, Sequence[NotificationRow]]],
    unit_code: str,
    unit_name: str | None,
    today: date,
    lang: str | None,
    names: Mapping[str, str | None] | None,
    anchors: Sequence[str],
) -> Digest:
    lang = lang or current_lang()  # asked once for the whole digest
    names = {**(names or {}), unit_code: unit_name}
    items = [n for _, _, ns in plans for n in ns]
    todo = first_line(items, names, lang)
    greeting = t("digest.greeting", lang, unit=unit_label(unit_code, unit_name))
    sections = [
        (t("digest.plan", lang, number=number, title=title), [_item(n, names, lang) for n in ns])
        for number, title, ns in plans
    ]
    link = portal_link(unit_code, items)
    lines = [todo, "", greeting]
    numbered = 0
    for plan_line, entries in sections:
        lines += [plan_line, ""]
        for e in entries:
            numbered += 1
            lines += [f"{numbered}. {e.heading}", *(f"   {line}" for line in e.lines), ""]
    if link:
        lines += [t("digest.portal", lang, url=link), ""]
    if anchors:
        lines += [t("anchor.heading", lang), *anchors, ""]
    lines.append(t("digest.footer", lang))
    html = _template("digest.html").render(
        lang=lang,
        todo=todo,
        greeting=greeting,
        title=sections[0][0] if len(sections) == 1 else label,
        sections=sections,
        link=link,
        link_note=t("digest.link_note", lang),
        link_text=t("digest.link_text", lang),
        link_copy=t("digest.link_copy", lang),
        footer=t("digest.footer", lang),
        anchors_heading=t("anchor.heading", lang) if anchors else "",
        anchors=anchors,
    )
    return Digest(digest_subject(label, items, today, lang), "\n".join(lines), html)


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("cchc_flow.models.notify", "templates"),
    auto_reload=False,  # package data: read once per process, not checked on disk for every message
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATE_LOCK = threading.Lock()


def _template(name: str) -> jinja2.Template:
    """A message template, compiled once per process: the threads of a delivery that compose at the same time wait
    for the first one's compilation instead of each compiling it again (Jinja's cache is not locked)."""
    with _TEMPLATE_LOCK:
        return _TEMPLATES.get_template(name)


def portal_link(unit_code: str, items: Sequence[NotificationRow]) -> str | None:
    """The unit's personal, signed, expiring sign-in link to the web portal (CCHC_PORTAL_URL; set empty: none), which
    opens the activity itself when the message is about one activity only."""
    base = get_settings().portal_url
    if not base:
        return None
    params = {"link": sign_link(unit_code)}
    keys = {n.entity_key for n in items if n.entity == "activity"}
    if len(keys) == 1 and all(n.entity == "activity" for n in items):
        params["next"] = f"/activities/{keys.pop()}"
    return f"{base}/login?{urlencode(params)}"
