"""Cross-checking the history with Prefect: the plan's flow runs beside what each recorded.

Flow runs are tagged with the plan code (flows/phase.py run_phase, flows/review.py run_review,
flows/reporting.py run_reporting). Every flow-run id the history names must be a run Prefect knows; a run that
recorded nothing (a re-run with nothing due) is normal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cchc_flow.models.store.queries import get_plan
from cchc_flow.models.store.tables import DeliveryRow, TransitionRow

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

PAGE = 200  # the Prefect API's largest page


@dataclass
class RunLine:
    id: str
    name: str
    flow: str
    state: str | None
    start: datetime | None
    tags: list[str]
    steps: int = 0
    deliveries: int = 0
    tagged: bool = True


@dataclass(frozen=True)
class UnknownRun:
    """A flow-run id the history names that Prefect does not know."""

    id: str
    steps: int
    first_row: int


@dataclass
class RunsReport:
    plan: str
    runs: list[RunLine] = field(default_factory=list)
    unknown: list[UnknownRun] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.unknown


def recorded_runs(session: Session, plan_id: int) -> dict[str, tuple[int, int, int]]:
    """flow-run id -> (steps recorded, deliveries recorded, first step or delivery row id) for the plan."""
    T, D = TransitionRow, DeliveryRow
    out: dict[str, tuple[int, int, int]] = {}
    steps = (
        select(T.flow_run_id, sa.func.count(), sa.func.min(T.id))
        .where(T.plan_id == plan_id, col(T.flow_run_id).is_not(None))
        .group_by(T.flow_run_id)
    )
    for run_id, n, first in session.execute(steps):
        out[run_id] = (n, 0, first)
    sent = (
        select(D.flow_run_id, sa.func.count(), sa.func.min(D.id))
        .where(D.plan_id == plan_id, col(D.flow_run_id).is_not(None))
        .group_by(D.flow_run_id)
    )
    for run_id, n, first in session.execute(sent):
        steps_n, _, first_step = out.get(run_id, (0, 0, first))
        out[run_id] = (steps_n, n, first_step)
    return out


def cross_check(session: Session, plan_code: str) -> RunsReport:
    """The plan's flow runs in Prefect (by tag) with the steps and deliveries each recorded, and unknown ids."""
    plan = get_plan(session, plan_code)
    assert plan.id is not None
    recorded = recorded_runs(session, plan.id)
    tagged = _read_runs(tags=[plan_code])
    known = {r.id: r for r in tagged}
    untagged = [i for i in recorded if i not in known]
    for r in _read_runs(ids=[i for i in untagged if _is_uuid(i)]):
        r.tagged = False
        known[r.id] = r
    report = RunsReport(plan_code, runs=sorted(known.values(), key=lambda r: (r.start is None, r.start, r.name)))
    for run_id, (steps, deliveries, first) in sorted(recorded.items(), key=lambda kv: kv[1][2]):
        if run_id in known:
            known[run_id].steps, known[run_id].deliveries = steps, deliveries
        else:
            report.unknown.append(UnknownRun(run_id, steps + deliveries, first))
    return report


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _read_runs(*, tags: list[str] | None = None, ids: Iterable[str] = ()) -> list[RunLine]:
    """Flow runs from the Prefect API: all those carrying every tag in ``tags``, or those with these ``ids``."""
    # Prefect (about 1 s to import) loads only when runs are read: `cchc` commands that need none start without it
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterId,
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterTags,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    ids = list(ids)
    if tags is None and not ids:
        return []
    runs: list[FlowRun] = []
    with get_client(sync_client=True) as client:
        if tags is not None:
            flt = FlowRunFilter(tags=FlowRunFilterTags(all_=tags))
            while True:
                page = client.read_flow_runs(
                    flow_run_filter=flt, sort=FlowRunSort.START_TIME_ASC, limit=PAGE, offset=len(runs)
                )
                runs += page
                if len(page) < PAGE:
                    break
        for i in range(0, len(ids), PAGE):
            runs += client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[uuid.UUID(x) for x in ids[i : i + PAGE]])),
                limit=PAGE,
            )
        flow_ids = list({r.flow_id for r in runs})
        names = {}
        for i in range(0, len(flow_ids), PAGE):
            names.update(
                {
                    f.id: f.name
                    for f in client.read_flows(
                        flow_filter=FlowFilter(id=FlowFilterId(any_=flow_ids[i : i + PAGE])), limit=PAGE
                    )
                }
            )
    return [
        RunLine(
            str(r.id),
            r.name,
            names.get(r.flow_id, "?"),
            r.state.name if r.state else None,
            r.start_time or r.expected_start_time,
            list(r.tags),
        )
        for r in runs
    ]
