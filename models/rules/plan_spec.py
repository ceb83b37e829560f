"""The shape of the data files: the unit directory and a plan, as written in config/."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from cchc_flow.models.rules.calendar import TZ, parse_date
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.recurrence import Cadence, Recurs


def _as_date(value: object) -> object:
    return parse_date(value) if isinstance(value, str) else value


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_strip), Field(min_length=1)]
Day = Annotated[date, BeforeValidator(_as_date)]
WindowValue = str | int | date | dict[str, str | date]
UnitKind = Literal["unit", "newspaper", "party_office", "mass_organisation", "leadership", "group"]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # schemas built on first use


# ---- unit directory (config/units.yaml)


class SlipSpec(Spec):
    """A way the plan writes a unit that is probably a slip; using it is allowed but warned about."""

    written: Text
    reason: Text


UnitCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]


class UnitSpec(Spec):
    code: UnitCode
    name: Text | None = None
    english: Text | None = None
    kind: UnitKind
    aliases: list[Text] = []
    slips: list[SlipSpec] = []
    tags: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]] = []
    note: Text | None = None
    # a unit that no longer exists under this code keeps its entry, its code staying resolvable to its successor
    merged_into: UnitCode | None = None
    renamed_to: UnitCode | None = None
    since: Day | None = None  # the day the merger or renaming took effect


class OrganisationSpec(Spec):
    """Who the directory's units belong to; their codes are unique within it, not across organisations."""

    code: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]
    name: Text
    english: Text | None = None
    parent: Text | None = None
    note: Text | None = None


class DirectorySpec(Spec):
    organisation: OrganisationSpec | None = None  # None: the Ministry's directory (config/units.yaml)
    units: list[UnitSpec]


# ---- a plan (config/plans/*.yaml)


class Objectives(Spec):
    general: Text
    specific: list[Text]


class OfficeSpec(Spec):
    """How the coordinating unit signs its reports (Nghị định 30/2020/NĐ-CP); each part has a default."""

    ministry: Text | None = Field(None, description="the governing body, e.g. Bộ Y tế (default: from the issuer)")
    unit: Text | None = Field(None, description="the issuing unit, e.g. Văn phòng Bộ (default: the focal unit)")
    symbol: Text | None = Field(None, description="the unit's abbreviation in document numbers, e.g. VPB")
    place: Text | None = Field(None, description="where documents are dated, e.g. Hà Nội")
    signer_title: Text | None = Field(None, description="the signer's title, e.g. CHÁNH VĂN PHÒNG")
    signer_name: Text | None = None
    recipients: list[Text] = Field([], description="'Nơi nhận': who receives the reports")


class ParentPlan(Spec):
    """The plan a plan implements (thực hiện Kế hoạch số ... ngày ...)."""

    number: Text
    signed: Day
    issuer: Text


class PlanInfo(Spec):
    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    organisation: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")] | None = Field(
        None, description="the issuing organisation, whose unit directory the plan names (default: the Ministry)"
    )
    number: Text
    signed: Day
    signed_as_written: Text | None = Field(None, description="the document's date when it is incomplete")
    implements: ParentPlan | None = None
    issuer: Text
    title: Text
    focal_unit: Text = Field(description="the coordinator: the unit that follows and reports on the plan")
    leadership: Text = Field(description="who receives the second escalation and the review reports")
    office: OfficeSpec | None = None
    legal_basis: list[Text] = []
    objectives: Objectives
    target_groups: list[Text] = []
    solutions: list[Text] = []


class Reminders(Spec):
    before_due_days: list[Annotated[int, Field(ge=0, le=366)]] = [30, 7, 1]
    escalate_after_days: Annotated[int, Field(ge=1, le=366)] = 30


class ScoreWeights(Spec):
    """The weights of the unit scores (models/rules/scores.py); what is left out keeps its default."""

    lead: Annotated[float, Field(ge=0, le=10)] = 1.0
    partner: Annotated[float, Field(ge=0, le=10)] = 0.5
    on_time: Annotated[float, Field(ge=0, le=1)] = 1.0
    late: Annotated[float, Field(ge=0, le=1)] = 0.5
    overdue: Annotated[float, Field(ge=0, le=1)] = 0.0
    extension: Annotated[float, Field(ge=0, le=1)] = 0.1
    explanation: Annotated[float, Field(ge=0, le=1)] = 0.2


class ActivitySpec(Spec):
    id: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")]
    text: Text
    window: WindowValue
    funding: Text
    lead: list[Text] = []
    partners: list[Text] = []
    remarks: list[Text] = []
    urgent: bool = Field(False, description="its messages go out at once, at any hour, not in the morning digest")
    recurs: Recurs | None = Field(None, description="monthly, quarterly, half-year, yearly or continuous")
    check_in: Cadence | None = Field(None, description="how often a continuous activity is reported (a choice)")
    for_each: bool = Field(False, description="every member of the lead group does it, each tracked on its own")


class ContentSpec(Spec):
    number: Annotated[int, Field(ge=1)]
    title: Text
    plan_text: Text | None = None
    activities: list[ActivitySpec]
    remarks: list[Text] = []


class ReviewSpec(Spec):
    activity: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")]
    kind: Literal["preliminary", "final"]
    title: Text


class PhaseSpec(Spec):
    number: Annotated[int, Field(ge=1)]
    name: Text
    also_written: list[Text] = []
    window: WindowValue
    review: ReviewSpec | None = None
    content: list[ContentSpec]
    remarks: list[Text] = []


class Deadline(Spec):
    period: Literal["half-year", "year"]
    due: Annotated[str, Field(pattern=r"^[0-9]{2}-[0-9]{2}$", description="MM-DD: reports are due before this day")]


class ReportingSpec(Spec):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    text: Text
    to: Text
    reporters: Literal["all"] | list[Text] = "all"
    deadlines: list[Deadline]


_CRON_FIELDS = (  # minute, hour, day of month, month, day of week: (lowest, highest, names)
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ()),
    (1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
    (0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)
_CRON_ITEM = re.compile(r"^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/([0-9]+))?$")


def _cron_value(text: str, low: int, high: int, names: tuple[str, ...]) -> bool:
    if text in names:
        return True
    return text.isdigit() and low <= int(text) <= high


def _check_cron(value: str) -> str:
    """A standard five-field cron expression (numbers, ranges, lists, steps, month and weekday names)."""
    fields = value.lower().split()
    if len(fields) != 5:
        raise ValueError(t("schedule.cron_fields"))
    for text, (low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for item in text.split(","):
            m = _CRON_ITEM.match(item)
            ends = [] if not m or m[1] == "*" else m[1].split("-")
            if not m or not all(_cron_value(e, low, high, names) for e in ends) or m[2] == "0":
                raise ValueError(t("schedule.cron_field", field=text, low=low, high=high))
    return value


def _check_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(t("schedule.timezone", value=value)) from None
    return value


class ScheduleSpec(Spec):
    """When the plan's scheduled runs start (its phases' and periodic reports' deployments, `cchc deploy`). Every day
    at ``time`` unless ``cron`` says otherwise; a scheduled run on a weekend or a holiday ends at once."""

    time: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, 24 hours")] = "08:00"
    cron: Annotated[str, AfterValidator(_check_cron)] | None = Field(
        default=None, description="instead of time, e.g. 0 7 * * *"
    )
    timezone: Annotated[str, AfterValidator(_check_timezone)] = TZ

    @model_validator(mode="after")
    def _one_of(self) -> ScheduleSpec:
        if self.cron and "time" in self.model_fields_set:
            raise ValueError(t("schedule.both"))
        return self

    @property
    def cron_expression(self) -> str:
        if self.cron:
            return self.cron
        hour, minute = self.time.split(":")
        return f"{int(minute)} {int(hour)} * * *"


class PlanSpec(Spec):
    plan: PlanInfo
    schedule: ScheduleSpec = ScheduleSpec()
    reminders: Reminders = Reminders()
    max_extensions: Annotated[int, Field(ge=0, le=20)] = 2  # deadline extensions an activity may be granted
    scores: ScoreWeights = ScoreWeights()
    groups: dict[str, list[Text]] = {}
    phases: list[PhaseSpec]
    reporting: list[ReportingSpec] = []
    remarks: list[Text] = []
