"""The Prefect deployments of every active plan, read from the database: one per phase and one for the plan's
periodic reports, on the plan's schedule (default daily at 08:00 Asia/Ho_Chi_Minh), and one per review (no schedule:
run on demand). `cchc deploy` writes them through Prefect's Python API (or as prefect.yaml) and removes the
deployments it wrote for plans no longer active.

Working days: the schedule fires every day its cron says, and each scheduled run carries the parameter
``skip_days_off`` (a schedule's own parameters: runs started by hand, `run_deployment` or the portal do not get it),
with which the flow ends at once, recording nothing, on a weekend or a Vietnamese public holiday
(models/rules/calendar.py). A cron expression or an RRule cannot say when Tết or a swapped day off falls (lunar, decided
year by year) nor which Saturdays are make-up working days; the calendar in the flow can, and a deployment written
once stays right every year."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from cchc_flow.flows.running.naming import PHASE, REPORTS, REVIEW, TAG, phase_label, reports_label, review_label
from cchc_flow.models.rules.lifecycle import ReviewState
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.plan_spec import ScheduleSpec
from cchc_flow.models.store.db import session
from cchc_flow.models.store.queries import get_plan
from cchc_flow.models.store.tables import PhaseRow, PlanRow, ReviewRow
from cchc_flow.settings import get_settings

DEFAULT_POOL = "cchc"
DAILY_CRON = "0 8 * * *"
TIMEZONE = "Asia/Ho_Chi_Minh"
MORNING_CRON = "30 7 * * *"  # the morning digests, before the working day (CCHC_NOTIFY_DIGESTS=morning)
DIGEST = "morning-digest"
SCHEDULED = {"skip_days_off": True}  # what a scheduled phase or reports run gets on top of the deployment's parameters
ENTRYPOINTS = {
    PHASE: "cchc_flow.flows.phase.phase_flow",
    REVIEW: "cchc_flow.flows.review.review_flow",
    REPORTS: "cchc_flow.flows.reporting.reporting_flow",
    DIGEST: "cchc_flow.flows.digest.morning_digest_flow",
}


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment as cchc wants it on the server."""

    flow: str  # PHASE | REVIEW | REPORTS: the flow's (stable) name
    name: str  # the deployment's name, unique per flow: "<plan>-phase-1", …
    parameters: dict
    tags: tuple[str, ...]
    description: str
    cron: str | None = DAILY_CRON  # None: no schedule (run on demand)
    timezone: str = TIMEZONE
    scheduled: dict = field(default_factory=dict)  # parameters the schedule adds to the runs it starts

    @property
    def full_name(self) -> str:
        return f"{self.flow}/{self.name}"


@dataclass
class DeployResult:
    written: list[str] = field(default_factory=list)  # full names created or updated
    removed: list[str] = field(default_factory=list)  # full names of cchc deployments of plans no longer active


def active_plans(session: Session) -> list[str]:
    """Codes of the loaded plans still running: those whose final review has not been held."""
    closed = set(
        session.exec(select(ReviewRow.plan_id).where(ReviewRow.kind == "final", ReviewRow.state == ReviewState.HELD))
    )
    return [p.code for p in session.exec(select(PlanRow).order_by(PlanRow.code)) if p.id not in closed]


def plan_schedule(spec: dict, cron: str | None = None, timezone: str | None = None) -> tuple[str, str]:
    """(cron, time zone) of a plan's scheduled runs: its file's ``schedule`` (a plan loaded without one: daily at
    08:00 Asia/Ho_Chi_Minh), ``cron`` and ``timezone`` given instead when set (`cchc deploy --cron/--timezone`)."""
    schedule = ScheduleSpec.model_validate(spec.get("schedule") or {})
    return cron or schedule.cron_expression, timezone or schedule.timezone


def planned_deployments(cron: str | None = None, timezone: str | None = None) -> list[DeploymentSpec]:
    """Every deployment the active plans of the database call for (pure reading; nothing is written); ``cron`` and
    ``timezone`` override every plan's own schedule."""
    specs: list[DeploymentSpec] = []
    with session() as s:
        for code in active_plans(s):
            plan = get_plan(s, code)
            plan_cron, plan_tz = plan_schedule(plan.spec, cron, timezone)
            phases = s.exec(
                select(PhaseRow).where(col(PhaseRow.plan_id) == plan.id).order_by(col(PhaseRow.number))
            ).all()
            for p in phases:
                label = phase_label(code, p.number)
                specs.append(
                    DeploymentSpec(
                        PHASE,
                        f"{code}-phase-{p.number}",
                        {"plan": code, "phase": p.number},
                        (TAG, *label.tags),
                        t("deploy.phase", "vi", phase=p.name, plan=plan.number),
                        plan_cron,
                        plan_tz,
                        SCHEDULED,
                    )
                )
                if p.review_kind:
                    label = review_label(code, p.number)
                    specs.append(
                        DeploymentSpec(
                            REVIEW,
                            f"{code}-review-{p.number}",
                            {"plan": code, "phase": p.number},
                            (TAG, *label.tags),
                            t("deploy.review", "vi", title=label.title, plan=plan.number),
                            None,
                            plan_tz,
                        )
                    )
            label = reports_label(code)
            specs.append(
                DeploymentSpec(
                    REPORTS,
                    f"{code}-periodic-reports",
                    {"plan": code},
                    (TAG, *label.tags),
                    t("deploy.reports", "vi", plan=plan.number),
                    plan_cron,
                    plan_tz,
                    SCHEDULED,
                )
            )
    if get_settings().notify_digests == "morning":  # one for all plans: each unit's digest spans them
        specs.append(
            DeploymentSpec(DIGEST, DIGEST, {}, (TAG,), t("deploy.digest", "vi"), MORNING_CRON, timezone or TIMEZONE)
        )
    return specs


def deploy(specs: list[DeploymentSpec], pool: str = DEFAULT_POOL) -> DeployResult:
    """Create or update ``specs`` on the Prefect server (the process work pool ``pool`` created when missing) and
    delete the deployments tagged "cchc" that are not among them. Re-running it with the same specs changes nothing."""
    # deferred: Prefect loads only when it is called; every `cchc` command imports this module
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags
    from prefect.exceptions import ObjectNotFound
    from prefect.flows import EntrypointType
    from prefect.schedules import Cron
    from prefect.utilities.importtools import import_object

    result = DeployResult()
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        wanted = {s.full_name for s in specs}
        for spec in specs:
            flow = import_object(ENTRYPOINTS[spec.flow])
            deployment = flow.to_deployment(
                name=spec.name,
                parameters=spec.parameters,
                tags=list(spec.tags),
                description=spec.description,
                schedules=[Cron(spec.cron, timezone=spec.timezone, parameters=spec.scheduled)] if spec.cron else [],
                entrypoint_type=EntrypointType.MODULE_PATH,
                work_pool_name=pool,
            )
            deployment.apply(work_pool_name=pool)
            result.written.append(spec.full_name)
        ours = client.read_deployments(deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=[TAG])))
        flow_names = {f.id: f.name for f in client.read_flows()}
        for d in ours:
            full_name = f"{flow_names.get(d.flow_id, '?')}/{d.name}"
            if full_name not in wanted:
                client.delete_deployment(d.id)
                result.removed.append(full_name)
    return result


def prefect_yaml(specs: list[DeploymentSpec], pool: str = DEFAULT_POOL) -> dict:
    """The same deployments as prefect.yaml (for `prefect deploy --all`)."""
    return {
        "name": "cchc-flow",
        "pull": [],  # the workers have cchc-flow installed: the entrypoints are module paths, found from anywhere
        "deployments": [
            {
                "name": s.name,
                "description": s.description,
                "entrypoint": ":".join(ENTRYPOINTS[s.flow].rsplit(".", 1)),
                "parameters": s.parameters,
                "tags": list(s.tags),
                "schedules": [
                    {
                        "cron": s.cron,
                        "timezone": s.timezone,
                        **({"parameters": dict(s.scheduled)} if s.scheduled else {}),
                    }
                ]
                if s.cron
                else [],
                "work_pool": {"name": pool},
            }
            for s in specs
        ],
    }
