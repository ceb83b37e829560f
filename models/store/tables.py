"""Database tables: the plan as loaded, the units, their roles, and the append-only history.

Surrogate keys are typed ``id: int`` with ``default=None``: the database assigns them on insert, and the code only
reads the id of a row it has stored (flushed), where it is always an int.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.util import PopulateDict
from sqlmodel import Column, Field, SQLModel
from sqlmodel._compat import SQLModelConfig

# Nothing here imports SQLAlchemy's PostgreSQL dialect (about 18 ms, which every process would pay, SQLite ones and
# the reading commands included): the JSON columns and the partial index name PostgreSQL's forms only when that
# dialect, loaded by then, asks for them.


class JSONType(sa.TypeDecorator):
    """A JSON document: JSONB on PostgreSQL, JSON elsewhere."""

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(sa.JSON())


class PartialUniqueIndex(sa.Index):
    """A unique index over the rows where ``where`` holds, on SQLite and PostgreSQL."""

    def __init__(self, name: str, *columns: str, where: str) -> None:
        self.where = where
        super().__init__(name, *columns, unique=True, sqlite_where=sa.text(where))

    @cached_property
    def dialect_options(self) -> PopulateDict[str, Any]:
        return PopulateDict(self._options_for)

    def _options_for(self, dialect: str) -> Any:
        """The index's options for ``dialect`` (read when a statement is compiled for it): PostgreSQL's ``where``
        set here, as ``postgresql_where`` would set it (an argument SQLAlchemy checks by importing the dialect)."""
        options = self._kw_reg_for_dialect_cls(dialect)
        if dialect == "postgresql":
            options["where"] = sa.text(self.where)
        return options


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always read back aware (SQLite would hand back naive values)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: cchc stores aware timestamps only")
        if value.__class__ is not datetime:  # pendulum's: psycopg would dump it through pendulum's slow arithmetic
            value = datetime.fromisoformat(value.isoformat())
        return value if value.tzinfo is UTC else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _json(**kw: Any) -> Any:
    return Field(default_factory=list, sa_column=Column(JSONType(), nullable=False), **kw)


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a table model, for bulk reads and writes without ORM rows."""
    table: sa.Table = model.__table__  # type: ignore[attr-defined]  # SQLModel does not declare __table__ to checkers
    return table


def utc_now() -> datetime:
    """Now, aware, in UTC: a plain datetime (hashed and stored by the thousand; pendulum's are slower to both)."""
    return datetime.now(UTC)


class _Table(SQLModel):
    """The base of every table model: Pydantic's validation schema is built on first use, not at import."""

    model_config = SQLModelConfig(defer_build=True)


MINISTRY = "BYT"  # the organisation of everything stored before organisations existed


class OrganisationRow(_Table, table=True):
    """An organisation issuing plans, with its own unit directory (Bộ Y tế, Sở Y tế Bình Định, TTYT Phù Mỹ...)."""

    __tablename__ = "organisation"

    code: str = Field(primary_key=True, max_length=32)
    name: str
    english: str | None = None
    parent: str | None = None  # the body above it, as its directory writes it
    note: str | None = None


class UnitRow(_Table, table=True):
    __tablename__ = "unit"

    code: str = Field(primary_key=True, max_length=32)  # outside the Ministry: ORG.CODE (unique within ORG)
    organisation: str = Field(default=MINISTRY, max_length=32, index=True)
    name: str | None = None
    english: str | None = None
    kind: str = Field(max_length=32)
    aliases: list[str] = _json()
    tags: list[str] = _json()
    note: str | None = None
    successor: str | None = Field(default=None, max_length=32)  # merged into / renamed to (the directory's words)
    succession: str | None = Field(default=None, max_length=16)  # merged | renamed
    since: date | None = None


class PlanRow(_Table, table=True):
    __tablename__ = "plan"

    id: int = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=100)
    organisation: str = Field(default=MINISTRY, max_length=32, index=True)
    number: str
    title: str
    issuer: str
    signed: date
    focal_unit: str = Field(foreign_key="unit.code")
    leadership: str = Field(foreign_key="unit.code")
    digest: str = Field(max_length=64)
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType(), nullable=False))
    loaded_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))


class PhaseRow(_Table, table=True):
    __tablename__ = "phase"
    __table_args__ = (sa.UniqueConstraint("plan_id", "number"),)

    id: int = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: int
    name: str
    window_start: date
    window_end: date
    window_as_written: str
    review_activity: str | None = None
    review_kind: str | None = None
    review_title: str | None = None


class ContentRow(_Table, table=True):
    __tablename__ = "content_item"
    __table_args__ = (sa.UniqueConstraint("phase_id", "number"),)

    id: int = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    number: int
    title: str
    plan_text: str | None = None


class SeriesRow(_Table, table=True):
    """A plan activity that is tracked as several items: one per period (recurring) and/or per member of a group.
    Its items are activity rows (``series_id``), created by the phase flow as their periods open."""

    __tablename__ = "activity_series"
    __table_args__ = (sa.UniqueConstraint("plan_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    content_id: int = Field(foreign_key="content_item.id")
    key: str = Field(max_length=32)
    position: int
    text: str
    window_start: date
    window_end: date
    window_as_written: str
    funding: str
    recurs: str | None = Field(default=None, max_length=16)  # as written: monthly ... continuous
    cadence: str | None = Field(default=None, max_length=16)  # the periods' length (continuous: the check-in)
    for_each: str | None = Field(default=None, foreign_key="unit.code", max_length=32)  # the group fanned out
    roles: list[dict[str, Any]] = _json()  # [{role, unit_code, as_written}], as activity_unit holds them
    in_plan: bool = True


class ActivityRow(_Table, table=True):
    __tablename__ = "activity"
    __table_args__ = (sa.UniqueConstraint("plan_id", "key"),)

    id: int = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    content_id: int = Field(foreign_key="content_item.id")
    key: str = Field(max_length=64)  # 1.2.1, or an item of a series: 1.2.1@2022-06, 1.3.1:KHOA_NOI
    series_id: int | None = Field(default=None, foreign_key="activity_series.id", index=True)
    period: str | None = Field(default=None, max_length=16)
    member: str | None = Field(default=None, foreign_key="unit.code", max_length=32)
    opened_late: bool = False  # its period had ended when the plan was loaded: opened all the same, and flagged
    position: int
    text: str
    window_start: date
    window_end: date
    window_as_written: str
    funding: str
    state: str = Field(default="planned", max_length=32, index=True)
    in_plan: bool = True
    extended_to: date | None = None  # the date the latest approved extension granted (the plan's: window_end); the
    # due date in force on a day is queries.due_on's (rules/status.py due_in_force over the approved extensions)


class ExtensionRow(_Table, table=True):
    """A lead unit's request for a later due date (gia hạn), and the coordinator's decision on it."""

    __tablename__ = "extension"

    id: int = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    unit_code: str = Field(foreign_key="unit.code", max_length=32)  # the lead unit asking
    reason: str
    due_before: date  # the due date in force when it was asked
    requested_until: date
    state: str = Field(default="open", max_length=16)  # open | approved | refused
    granted_until: date | None = None
    decision_note: str | None = None
    beyond_phase: bool = False  # the coordinator explicitly allowed a date past the phase's end
    requested_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class ReassignmentRow(_Table, table=True):
    """The coordinator's change of an activity's lead and partner units; the latest is in force, the plan's own
    assignment (activity_unit) stays as written. Append-only."""

    __tablename__ = "reassignment"

    id: int = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    leads: list[str] = _json()
    partners: list[str] = _json()
    reason: str
    at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=100)


class ExplanationRow(_Table, table=True):
    """A request for explanation (yêu cầu giải trình): the coordinator asks a lead unit to explain an overdue or
    returned activity by a date; the unit's answer is kept with it (and as evidence)."""

    __tablename__ = "explanation"

    id: int = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    unit_code: str = Field(foreign_key="unit.code", max_length=32)
    question: str
    by: date  # to be answered by
    asked_on: date
    state: str = Field(default="open", max_length=16)  # open | answered
    answer: str | None = None
    answered_on: date | None = None


class ActivityUnitRow(_Table, table=True):
    __tablename__ = "activity_unit"
    __table_args__ = (sa.CheckConstraint("role in ('lead', 'partner')", name="ck_activity_unit_role"),)

    activity_id: int = Field(foreign_key="activity.id", primary_key=True)
    role: str = Field(primary_key=True, max_length=16)
    unit_code: str = Field(foreign_key="unit.code", primary_key=True, index=True)
    position: int
    as_written: str


class GroupMemberRow(_Table, table=True):
    __tablename__ = "group_member"

    plan_id: int = Field(foreign_key="plan.id", primary_key=True)
    group_code: str = Field(foreign_key="unit.code", primary_key=True)
    unit_code: str = Field(foreign_key="unit.code", primary_key=True)


class TransitionRow(_Table, table=True):
    """One recorded step: append-only; never updated or deleted."""

    __tablename__ = "transition"
    __table_args__ = (  # chain walk and head (unique: a race can never fork a chain); history filters; audit runs
        sa.Index("ux_transition_chain", "plan_id", "seq", unique=True),
        sa.Index("ix_transition_day", "plan_id", "effective_day", "seq"),
        sa.Index("ix_transition_entity", "plan_id", "entity", "entity_key", "effective_day", "seq"),
        sa.Index("ix_transition_actor", "plan_id", "actor", "effective_day", "seq"),
        sa.Index("ix_transition_event", "plan_id", "event", "entity", "entity_key", "effective_day"),  # report days
        sa.Index("ix_transition_run", "plan_id", "flow_run_id"),
    )

    id: int = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    entity: str = Field(max_length=32)
    entity_key: str = Field(max_length=100)
    event: str = Field(max_length=32)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str | None = Field(default=None, max_length=32)
    at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
    effective_day: date | None = None  # the day the step counts for (Asia/Ho_Chi_Minh); ``at`` is when it was recorded
    actor: str = Field(max_length=100)  # who acted: the token's principal (role:UNIT #id), or what acted without one
    source: str = Field(max_length=32)
    note: str | None = None
    flow_run_id: str | None = Field(default=None, max_length=36)
    task_run_id: str | None = Field(default=None, max_length=36)
    seq: int | None = None  # place in the plan's chain (models/store/chain.py)
    prev_hash: str | None = Field(default=None, max_length=64)
    row_hash: str | None = Field(default=None, max_length=64)
    actor_label: str | None = Field(default=None, max_length=200)  # the acting token's label (its issuer's words)
    stated_name: str | None = Field(default=None, max_length=200)  # the name typed (CCHC_ACTOR): unverified, not who
    letter_ref: str | None = Field(default=None, max_length=200)  # back-dated by the coordinator: the late letter


class NotificationRow(_Table, table=True):
    """Something a unit must be told, once: the idempotency key is unique, so it is never queued twice."""

    __tablename__ = "notification"
    __table_args__ = (  # the notices part of the history, filtered like the steps (models/store/history_query.py)
        sa.Index("ix_notification_entity", "plan_id", "entity", "entity_key", "as_of"),
        sa.Index("ix_notification_recipient", "plan_id", "recipient", "as_of"),
        sa.Index("ix_notification_day", "plan_id", "as_of"),
    )

    id: int = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    key: str = Field(unique=True, max_length=250)
    entity: str = Field(max_length=32)  # activity, review, report...
    entity_key: str = Field(max_length=100)
    notice: str = Field(max_length=32)
    recipient: str = Field(foreign_key="unit.code", max_length=32)
    role: str = Field(max_length=32)
    offset: int = 0
    as_of: date
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType(), nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)  # pending | sent
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    claimed_by: str | None = Field(default=None, max_length=64)  # the sender holding it, until claimed_until
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    flow_run_id: str | None = Field(default=None, max_length=36)


class DeliveryRow(_Table, table=True):
    """One attempt to deliver a notification on one route (masked URL): append-only."""

    __tablename__ = "delivery"
    __table_args__ = (
        PartialUniqueIndex("ux_delivery_ok", "notification_id", "route", where="ok"),
        sa.Index("ux_delivery_chain", "plan_id", "seq", unique=True),
    )

    id: int = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    route: str = Field(max_length=500)
    ok: bool
    error: str | None = None
    at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
    flow_run_id: str | None = Field(default=None, max_length=36)
    plan_id: int | None = Field(default=None, foreign_key="plan.id")  # the notification's plan: its chain
    seq: int | None = None
    prev_hash: str | None = Field(default=None, max_length=64)
    row_hash: str | None = Field(default=None, max_length=64)


class EvidenceRow(_Table, table=True):
    """What a unit sent with a report or a note: text and stored attachments (name, size, sha256). Append-only."""

    __tablename__ = "evidence"

    id: int = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    unit_code: str = Field(foreign_key="unit.code", max_length=32)
    kind: str = Field(max_length=16)  # report | note | accept | return | cancel
    text: str
    attachments: list[dict[str, Any]] = _json()
    at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=100)
    transition_id: int | None = Field(default=None, foreign_key="transition.id")


class ReviewRow(_Table, table=True):
    """A phase's review (sơ kết / tổng kết): open until held, with its report files."""

    __tablename__ = "review"
    __table_args__ = (sa.UniqueConstraint("plan_id", "phase_number"),)

    id: int = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    phase_number: int
    kind: str = Field(max_length=16)  # preliminary | final
    state: str = Field(default="open", max_length=16)
    held_on: date | None = None
    report_markdown: str | None = None
    report_docx: str | None = None
    flow_run_id: str | None = Field(default=None, max_length=36)


class SubmissionRow(_Table, table=True):
    """A unit's periodic report (e.g. 2014-H1) submitted under a plan's reporting duty. Append-only."""

    __tablename__ = "submission"

    id: int = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    duty: str = Field(max_length=100)
    period: str = Field(max_length=16)
    unit_code: str = Field(foreign_key="unit.code", max_length=32)
    file_name: str
    sha256: str = Field(max_length=64)
    size: int
    stored_path: str
    at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=100)


class TokenRow(_Table, table=True):
    """An access token, stored only as its hash: a unit officer's, the coordinator's or an auditor's."""

    __tablename__ = "token"

    id: int = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=16)  # unit | coordinator | auditor
    unit_code: str | None = Field(default=None, foreign_key="unit.code", max_length=32)
    label: str | None = None
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class WebSessionRow(_Table, table=True):
    """A portal session, kept server-side so that it can be ended: its id is in the browser's signed cookie and
    only the id's hash is stored. It lasts until ``expires_at`` (fixed when it starts), logout, or being ended."""

    __tablename__ = "web_session"

    id: int = Field(default=None, primary_key=True)
    secret_hash: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=16)  # unit | coordinator | auditor
    unit_code: str | None = Field(default=None, foreign_key="unit.code", max_length=32)
    token_id: int | None = Field(default=None, foreign_key="token.id")  # None: opened with a signed link
    via: str = Field(max_length=8)  # link | token
    started_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    ended_by: str | None = None  # logout | replaced | who ended it (coordinator:VPB #3)


from cchc_flow.models.store.append_only import guard  # noqa: E402

guard(TransitionRow, DeliveryRow)


class DigestRow(_Table, table=True):
    """A unit's morning digest of one day: the unique key lets one sender only send it, however many runs race."""

    __tablename__ = "digest"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=100)  # digest|UNIT|YYYY-MM-DD
    unit: str = Field(foreign_key="unit.code", max_length=32)
    day: date
    notification_ids: list[int] = Field(default_factory=list, sa_column=Column(JSONType(), nullable=False))
    sender: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
