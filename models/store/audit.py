"""Tamper evidence: sealing rows into their plan's hash chain at insert, and walking the chains to verify them.

Chains (format in models/store/chain.py): one per table per plan, ``transition`` and ``delivery``, each numbered
1, 2, 3... by ``seq``. Inserts into one chain are serialized inside the inserting transaction: on SQLite by the
database write lock that write_transaction() takes up front; on PostgreSQL by a transaction-level advisory lock
on (chain, plan) -- not a row lock on the plan, which would conflict with the KEY SHARE locks that every foreign
key check on plan takes. The unique index (plan_id, seq) makes any race that slips through fail loudly instead
of forking a chain.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cchc_flow.models.rules.messages import t
from cchc_flow.models.store.chain import (
    DELIVERY_FIELDS,
    GENESIS,
    NOTIFICATION_FIELDS,
    STEP_DETAILS,
    TRANSITION_FIELDS,
    delivery_content,
    delivery_hash,
    row_hash,
    transition_content,
    transition_hash,
)
from cchc_flow.models.store.driver_rows import driver_rows
from cchc_flow.models.store.queries import get_plan
from cchc_flow.models.store.tables import DeliveryRow, NotificationRow, PlanRow, TransitionRow, table_of

CHAINS = ("transition", "delivery")
_LOCK_SPACE = {"transition": 0x63630001, "delivery": 0x63630002}  # first key of pg_advisory_xact_lock(int, int)
MODELS: dict[str, type[TransitionRow] | type[DeliveryRow]] = {"transition": TransitionRow, "delivery": DeliveryRow}
TRIGGERS = {  # what migrations 0005 and 0006 create, per dialect
    "sqlite": {f"{table}_append_only_{op}" for table in CHAINS for op in ("update", "delete", "insert")},
    "postgresql": {f"{table}_{kind}" for table in CHAINS for kind in ("append_only", "no_truncate", "no_overwrite")},
}
VERIFY_BATCH = 5000
SPLIT_FROM = 100_000  # rows in a chain from which verify(parallel=True) walks it in two processes
Processor = Callable[[Any], Any]  # a column type's result processor: raw driver value -> the value the code reads


# ---------------------------------------------------------------------------------------------- sealing at insert


def chain_head(session: Session, chain: str, plan_id: int) -> tuple[int, str]:
    """Lock ``chain`` of the plan for this transaction and return its last (seq, row_hash), or (0, GENESIS)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:space, :plan)"), {"space": _LOCK_SPACE[chain], "plan": plan_id}
        )
    model = MODELS[chain]
    head = session.execute(
        select(col(model.seq), col(model.row_hash))
        .where(model.plan_id == plan_id)
        .order_by(col(model.seq).desc())
        .limit(1)
    ).first()
    return (head[0], head[1]) if head else (0, GENESIS)


def seal_transition(row: dict[str, Any], head: tuple[int, str]) -> None:
    """Give ``row`` (a transition's column values, not yet inserted) its place and hash after ``head``, its chain's
    head as chain_head() locked it."""
    seq, prev = head
    row["seq"], row["prev_hash"] = seq + 1, prev
    row["row_hash"] = row_hash("transition", row["plan_id"], seq + 1, prev, transition_content(row))


def seal_deliveries(
    session: Session, rows: Sequence[dict[str, Any]], notifications: Mapping[int, NotificationRow]
) -> None:
    """Give each delivery row (column values, not yet inserted, in order) its plan, place and hash;
    ``notifications`` by id."""
    heads: dict[int, tuple[int, str]] = {}
    delivered: dict[int, dict[str, Any]] = {}
    for row in rows:
        n = notifications[row["notification_id"]]
        if n.id not in delivered:
            delivered[n.id] = {k: getattr(n, k) for k in NOTIFICATION_FIELDS}
        row["plan_id"] = n.plan_id
        if n.plan_id not in heads:
            heads[n.plan_id] = chain_head(session, "delivery", n.plan_id)
        seq, prev = heads[n.plan_id]
        row["seq"], row["prev_hash"] = seq + 1, prev
        row["row_hash"] = row_hash("delivery", n.plan_id, seq + 1, prev, delivery_content(row, delivered[n.id]))
        heads[n.plan_id] = (seq + 1, row["row_hash"])


# ---------------------------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Break:
    """The first place where a chain is not whole: which row, and what was expected there."""

    plan: str
    chain: str
    row_id: int | None
    seq: int | None
    problem: str  # altered | removed | reordered | unsealed | foreign
    message: str


@dataclass
class ChainState:
    plan: str
    chain: str
    rows: int = 0
    head: str = GENESIS
    watch: frozenset[int] = frozenset()  # anchored seqs: their hashes are kept in ``watched``
    watched: dict[int, str] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        """How to name this chain's head to a later `cchc audit verify --anchor`."""
        return f"{self.chain}:{self.rows}:{self.head}"


@dataclass
class VerifyReport:
    chains: list[ChainState] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    missing_triggers: list[str] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return not self.breaks and not self.missing_triggers


Anchors = Mapping[tuple[str, str], Sequence[tuple[int, str]]]  # (plan code, chain) -> [(seq, hash or its prefix)]


def verify(
    session: Session,
    plan_code: str | None = None,
    anchors: Anchors | None = None,
    *,
    parallel: bool = False,
    split_from: int = SPLIT_FROM,
) -> VerifyReport:
    """Walk every chain (of one plan, or of all plans) and report the first break of each, streaming the rows.

    ``anchors`` ((plan code, chain) -> [(seq, hash or its first 12+ characters)]), noted by an earlier
    verification or read from the reports the leadership received (read_anchors), also catch rows removed from
    the end of a chain and a chain re-hashed from an altered row on, which the chain alone cannot show.

    ``parallel``: a chain of ``split_from`` rows or more is walked in two halves at once, the second in a forked
    child process (each row carries its predecessor's hash, so the halves are independent); the findings are the
    same. Only from a process without other threads (the CLI), where fork is available.
    """
    split = split_from if parallel and "fork" in multiprocessing.get_all_start_methods() else 0
    report = VerifyReport(missing_triggers=sorted(missing_triggers(session)))
    plans = select(col(PlanRow.id), col(PlanRow.code)).order_by(col(PlanRow.id))
    only: int | None = None
    if plan_code is not None:
        only = get_plan(session, plan_code).id
        plans = plans.where(PlanRow.id == only)
    for plan_id, code in session.execute(plans).all():
        for chain in CHAINS:
            noted = sorted(set((anchors or {}).get((code, chain), ())))
            state = ChainState(code, chain, watch=frozenset(seq for seq, _ in noted))
            found = _walk_chain(session, chain, code, plan_id, state, split)
            found = found or next(filter(None, (_check_anchor(chain, code, a, state) for a in noted)), None)
            report.chains.append(state)
            if found:
                report.breaks.append(found)
    report.breaks += _strays(session, only)
    return report


def _walk_chain(session: Session, chain: str, plan: str, plan_id: int, state: ChainState, split: int) -> Break | None:
    """The first break of one chain, or None (``state``: its count and head); in two halves at once when it has
    ``split`` rows or more (0: never), as one walk when the halves cannot say it alone."""
    middle = _middle(session, chain, plan_id, split) if split else None
    if middle is not None:
        found = _walk_halves(session, chain, plan, plan_id, state, middle)
        if not isinstance(found, _Again):
            return found
        state.watched.clear()
    rows, processors = _rows(session, chain, plan_id)
    return _walk(chain, plan, plan_id, rows, processors, state)


def _middle(session: Session, chain: str, plan_id: int, split: int) -> int | None:
    """Where to cut a chain of at least ``split`` rows in two (None: walk it whole; also when a row has no seq, as
    the two halves, cut by seq, would not see it)."""
    model = MODELS[chain]
    last = session.execute(sa.select(sa.func.max(col(model.seq))).where(col(model.plan_id) == plan_id)).scalar()
    if last is None or last < split:
        return None
    unsealed = sa.select(col(model.id)).where(col(model.plan_id) == plan_id, col(model.seq).is_(None)).limit(1)
    return None if session.execute(unsealed).first() else last // 2


class _Again:
    """The halves' walks do not decide: walk the chain whole."""


_AGAIN = _Again()


def _walk_halves(
    session: Session, chain: str, plan: str, plan_id: int, state: ChainState, middle: int
) -> Break | None | _Again:
    """Rows up to seq ``middle`` here, the rest in a forked child from the row before it. The first half is the
    start of the whole walk; when it is whole and ends at ``middle``, the second half's walk is the rest of it."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    args = (send, session.connection().engine.url, chain, plan, plan_id, middle, state.watch)
    child = context.Process(target=_second_half, args=args, daemon=True)
    child.start()
    send.close()
    try:
        rows, processors = _rows(session, chain, plan_id, upto=middle)
        found = _walk(chain, plan, plan_id, rows, processors, state)
        if found is not None:
            return found
        if state.rows != middle:
            return _AGAIN
        try:
            outcome = receive.recv()
        except EOFError:
            return _AGAIN
        if outcome is None:
            return _AGAIN
        found, state.rows, state.head, watched = outcome
        state.watched.update(watched)
        return found
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receive.close()


def _second_half(
    send: Connection, url: sa.URL, chain: str, plan: str, plan_id: int, middle: int, watch: frozenset[int]
) -> None:
    """In the child: walk the rows after seq ``middle`` on a connection of its own; send (break, rows, head,
    anchored hashes), or None when it could not."""
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with Session(engine) as s:
            model = MODELS[chain]
            before = s.execute(
                sa.select(col(model.id), col(model.row_hash))
                .where(col(model.plan_id) == plan_id, col(model.seq) <= middle)
                .order_by(col(model.seq).desc(), col(model.id).desc())
                .limit(1)
            ).first()
            state = ChainState(plan, chain, watch=watch)
            rows, processors = _rows(s, chain, plan_id, after=middle)
            start = (middle + 1, before[1] or GENESIS, before[0]) if before else (middle + 1, GENESIS, 0)
            found = _walk(chain, plan, plan_id, rows, processors, state, start)
        send.send((found, state.rows, state.head, state.watched))
    except Exception:
        send.send(None)  # the parent walks the chain whole, and meets the error itself if it is one
    finally:
        send.close()


def _rows(
    session: Session, chain: str, plan_id: int, after: int | None = None, upto: int | None = None
) -> tuple[Iterator[Sequence[Any]], list[Processor | None]]:
    """(id, seq, prev_hash, row_hash, *the hashed columns) in chain order (seq after ``after``, up to ``upto``): a
    transition's TRANSITION_FIELDS and STEP_DETAILS; a delivery's DELIVERY_FIELDS, then its notification's plan_id
    and NOTIFICATION_FIELDS (None when it has no notification). Verification reads every row: they come as the
    driver reads them (tuples, no per-row type processing); also returned, each column's result processor (None:
    none), which turns a raw value into what the application reads."""
    if chain == "transition":
        T = table_of(TransitionRow).c
        query = (
            sa.select(T.id, T.seq, T.prev_hash, T.row_hash, *[T[k] for k in TRANSITION_FIELDS + STEP_DETAILS])
            .where(T.plan_id == plan_id, *_seq_range(T.seq, after, upto))
            .order_by(T.seq, T.id)
        )
    else:
        delivery, notification = table_of(DeliveryRow), table_of(NotificationRow)
        D, N = delivery.c, notification.c
        query = (
            sa.select(
                D.id,
                D.seq,
                D.prev_hash,
                D.row_hash,
                *[D[k] for k in DELIVERY_FIELDS],
                N.plan_id,
                *[N[k] for k in NOTIFICATION_FIELDS],
            )
            .select_from(delivery.outerjoin(notification, N.id == D.notification_id))
            .where(D.plan_id == plan_id, *_seq_range(D.seq, after, upto))
            .order_by(D.seq, D.id)
        )
    connection = session.connection()
    dialect = connection.dialect
    processors: list[Processor | None] = [
        c.type.dialect_impl(dialect).result_processor(dialect, None) for c in query.selected_columns
    ]
    return driver_rows(connection, query, VERIFY_BATCH), processors


def _seq_range(seq: sa.Column[Any], after: int | None, upto: int | None) -> list[sa.ColumnElement[bool]]:
    return ([] if after is None else [seq > after]) + ([] if upto is None else [seq <= upto])


def _check_anchor(chain: str, plan: str, anchor: tuple[int, str], state: ChainState) -> Break | None:
    """The anchored row must still be there with its hash (the walk found no break up to the head)."""
    seq, digest = anchor
    if seq > state.rows:
        return Break(
            plan,
            chain,
            None,
            seq,
            "removed",
            t("audit.truncated", plan=plan, chain=t(f"chain.{chain}"), seq=seq, rows=state.rows),
        )
    if not state.watched.get(seq, "").startswith(digest.lower()):
        return Break(
            plan,
            chain,
            None,
            seq,
            "altered",
            t("audit.anchor", plan=plan, chain=t(f"chain.{chain}"), seq=seq, expected=digest[:16]),
        )
    return None


def _walk(
    chain: str,
    plan: str,
    plan_id: int,
    rows: Iterable[Sequence[Any]],
    processors: Sequence[Processor | None],
    state: ChainState,
    start: tuple[int, str, int] = (1, GENESIS, 0),
) -> Break | None:
    """The first break in one chain (or in its rows from ``start`` = (seq, previous hash, previous id) on), or
    None; ``state`` ends with the count and head hash."""
    expected_seq, prev, prev_id = start
    computed = _hasher(chain, plan_id, processors)
    watch, watched = state.watch, state.watched
    try:
        for r in rows:
            id_, seq, prev_hash, digest = r[0], r[1], r[2], r[3]
            if seq != expected_seq or prev_hash != prev or digest is None or id_ < prev_id:
                problem = _misplaced(r, expected_seq, prev, prev_id)
            else:
                found = computed(seq, prev, r)
                problem = None if found == digest else _mismatch(r, found)
            if problem:
                kind, key, values = problem
                return Break(
                    plan,
                    chain,
                    id_,
                    seq,
                    kind,
                    t(key, None, chain=t(f"chain.{chain}"), plan=plan, id=id_, seq=seq, **values),
                )
            expected_seq, prev, prev_id = expected_seq + 1, digest, id_
            if seq in watch:
                watched[seq] = digest
    finally:
        state.rows, state.head = expected_seq - 1, prev
    return None


Problem = tuple[str, str, dict[str, object]]  # (problem, message key, values)


def _misplaced(r: Sequence[Any], expected_seq: int, prev: str, prev_id: int) -> Problem | None:
    """Why row ``r`` does not stand where it stands (unsealed, removed before it, duplicate, link, order), if so."""
    id_, seq, prev_hash, digest = r[0], r[1], r[2], r[3]
    if seq is None or digest is None:
        return "unsealed", "audit.unsealed", {}
    if seq > expected_seq:
        return "removed", "audit.removed", {"expected": expected_seq, "n": seq - expected_seq}
    if seq < expected_seq:
        return "reordered", "audit.duplicate", {"expected": expected_seq}
    if prev_hash != prev:
        return "reordered", "audit.link", {"expected": prev[:16], "found": (prev_hash or "—")[:16]}
    if id_ < prev_id:
        return "reordered", "audit.order", {"previous": prev_id}
    return None


def _mismatch(r: Sequence[Any], found: str | None) -> Problem:
    """A row in its place whose hash is not its content's (None: the notification it delivered is not the plan's)."""
    if found is None:
        return "foreign", "audit.notification", {"notification": r[_NOTIFICATION_ID]}
    return "altered", "audit.altered", {"expected": found[:16], "found": r[3][:16]}


_FIRST = 4  # the hashed columns start after id, seq, prev_hash, row_hash
_NOTIFICATION_ID = _FIRST + DELIVERY_FIELDS.index("notification_id")
_N_PLAN = _FIRST + len(DELIVERY_FIELDS)  # the notification's plan_id, then NOTIFICATION_FIELDS
_N_KEY = _N_PLAN + 1 + NOTIFICATION_FIELDS.index("key")


def _hasher(
    chain: str, plan_id: int, processors: Sequence[Processor | None]
) -> Callable[[int, str, Sequence[Any]], str | None]:
    """(seq, previous hash, row as _rows reads it) -> the hash its content should have (chain.py), or None for a
    delivery whose notification is missing or another plan's.

    The raw values are hashed as they are, but for SQLite's timestamp text, which in its usual form
    (``YYYY-MM-DD HH:MM:SS.ffffff``) is the canonical text without its ``T`` and ``Z``. When that hash is not the
    stored one, the row is hashed again from the values the application reads (``processors``): the answer is
    always the hash of those values, as when every row was read through its column types."""
    if chain == "transition":
        a, c = _FIRST, _FIRST + len(TRANSITION_FIELDS + STEP_DETAILS)
        at = _FIRST + TRANSITION_FIELDS.index("at")
        typed = processors[a:c]

        def step(seq: int, prev: str, r: Sequence[Any]) -> str | None:
            values = list(r[a:c])
            raw = r[at]
            if raw.__class__ is str and len(raw) == 26 and raw[10] == " ":
                values[at - a] = f"{raw[:10]}T{raw[11:]}Z"
            found = transition_hash(plan_id, seq, prev, values)
            return found if found == r[3] else transition_hash(plan_id, seq, prev, _read(r[a:c], typed))

        return step

    d_at, d_ok = _FIRST + DELIVERY_FIELDS.index("at"), _FIRST + DELIVERY_FIELDS.index("ok")
    d_typed, n_typed = processors[_FIRST:_N_PLAN], processors[_N_PLAN + 1 :]

    def delivered(seq: int, prev: str, r: Sequence[Any]) -> str | None:
        if r[_N_KEY] is None or r[_N_PLAN] != plan_id:
            return None
        values = [*r[_FIRST:_N_PLAN], *r[_N_PLAN + 1 :]]
        values[d_ok - _FIRST] = bool(r[d_ok])
        raw = r[d_at]
        if raw.__class__ is str and len(raw) == 26 and raw[10] == " ":
            values[d_at - _FIRST] = f"{raw[:10]}T{raw[11:]}Z"
        found = delivery_hash(plan_id, seq, prev, values)
        if found == r[3]:
            return found
        values = [*_read(r[_FIRST:_N_PLAN], d_typed), *_read(r[_N_PLAN + 1 :], n_typed)]
        values[d_ok - _FIRST] = bool(values[d_ok - _FIRST])
        return delivery_hash(plan_id, seq, prev, values)

    return delivered


def _read(raw: Sequence[Any], processors: Sequence[Processor | None]) -> list[Any]:
    """Raw column values as the application reads them (each through its column type's result processor)."""
    return [v if p is None else p(v) for v, p in zip(raw, processors, strict=True)]


def _strays(session: Session, plan_id: int | None) -> list[Break]:
    """The first delivery in no chain (no plan_id: inserted around the code), for one plan or all."""
    query = (
        select(DeliveryRow.id, PlanRow.code)
        .outerjoin(NotificationRow, col(NotificationRow.id) == col(DeliveryRow.notification_id))
        .outerjoin(PlanRow, col(PlanRow.id) == col(NotificationRow.plan_id))
        .where(col(DeliveryRow.plan_id).is_(None))
    )
    if plan_id is not None:
        query = query.where(NotificationRow.plan_id == plan_id)
    first = session.execute(query.order_by(col(DeliveryRow.id)).limit(1)).first()
    if first is None:
        return []
    return [Break(first[1] or "—", "delivery", first[0], None, "unsealed", t("audit.stray", id=first[0]))]


def missing_triggers(session: Session) -> set[str]:
    """The append-only triggers of migrations 0005 and 0006 that the database no longer has (or has disabled)."""
    dialect = session.get_bind().dialect.name
    expected = TRIGGERS.get(dialect)
    if expected is None:
        return set()
    if dialect == "sqlite":
        present = session.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
    else:
        present = session.execute(
            sa.text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
                "AND tgrelid IN ('transition'::regclass, 'delivery'::regclass)"
            )
        ).scalars()
    return expected - set(present)
