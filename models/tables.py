"""Database tables: the plan as loaded, the units, their roles, and the append-only history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Column, Field, SQLModel

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def _json(**kw: Any) -> Any:
    return Field(default_factory=list, sa_column=Column(JSONType, nullable=False), **kw)


def _utc_now() -> datetime:
    import pendulum

    return pendulum.now("UTC")


class UnitRow(SQLModel, table=True):
    __tablename__ = "unit"

    code: str = Field(primary_key=True, max_length=32)
    name: str | None = None
    english: str | None = None
    kind: str = Field(max_length=32)
    aliases: list[str] = _json()
    tags: list[str] = _json()
    note: str | None = None


class PlanRow(SQLModel, table=True):
    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=100)
    number: str
    title: str
    issuer: str
    signed: date
    focal_unit: str = Field(foreign_key="unit.code")
    leadership: str = Field(foreign_key="unit.code")
    digest: str = Field(max_length=64)
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    loaded_at: datetime = Field(default_factory=_utc_now, sa_column=Column(sa.DateTime(timezone=True), nullable=False))


class PhaseRow(SQLModel, table=True):
    __tablename__ = "phase"
    __table_args__ = (sa.UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: int
    name: str
    window_start: date
    window_end: date
    window_as_written: str
    review_activity: str | None = None
    review_kind: str | None = None
    review_title: str | None = None


class ContentRow(SQLModel, table=True):
    __tablename__ = "content_item"
    __table_args__ = (sa.UniqueConstraint("phase_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    number: int
    title: str
    plan_text: str | None = None


class ActivityRow(SQLModel, table=True):
    __tablename__ = "activity"
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
    state: str = Field(default="planned", max_length=32, index=True)
    in_plan: bool = True


class ActivityUnitRow(SQLModel, table=True):
    __tablename__ = "activity_unit"
    __table_args__ = (sa.CheckConstraint("role in ('lead', 'partner')", name="ck_activity_unit_role"),)

    activity_id: int = Field(foreign_key="activity.id", primary_key=True)
    role: str = Field(primary_key=True, max_length=16)
    unit_code: str = Field(foreign_key="unit.code", primary_key=True, index=True)
    position: int
    as_written: str


class GroupMemberRow(SQLModel, table=True):
    __tablename__ = "group_member"

    plan_id: int = Field(foreign_key="plan.id", primary_key=True)
    group_code: str = Field(foreign_key="unit.code", primary_key=True)
    unit_code: str = Field(foreign_key="unit.code", primary_key=True)


class TransitionRow(SQLModel, table=True):
    """One recorded step: append-only; never updated or deleted."""

    __tablename__ = "transition"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    entity: str = Field(max_length=32)
    entity_key: str = Field(max_length=100)
    event: str = Field(max_length=32)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str | None = Field(default=None, max_length=32)
    at: datetime = Field(default_factory=_utc_now, sa_column=Column(sa.DateTime(timezone=True), nullable=False))
    actor: str = Field(max_length=100)
    source: str = Field(max_length=32)
    note: str | None = None
    flow_run_id: str | None = Field(default=None, max_length=36)
    task_run_id: str | None = Field(default=None, max_length=36)
