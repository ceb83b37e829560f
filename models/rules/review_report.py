"""The review report (sơ kết / tổng kết) as data: built from the recorded history, rendered elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Attachment:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Evidence:
    at: date  # day it was given, Asia/Ho_Chi_Minh
    unit: str  # unit code
    kind: str  # report | note | accept | return | cancel
    text: str
    attachments: tuple[Attachment, ...] = ()
    recorded: date | None = None  # back-dated by the coordinator from a late letter: the day it was recorded
    letter: str | None = None  # ... and the letter's reference


@dataclass(frozen=True)
class ActivityLine:
    key: str  # "1.3.2"
    title: str  # the plan's text, whole
    content: int  # content item number
    leads: tuple[str, ...]  # unit codes
    partners: tuple[str, ...]
    window_start: date
    due: date
    state: str  # planned | assigned | reported | accepted | overdue | returned | cancelled
    assigned: date | None
    reported: date | None  # the last report (after a return, the re-report)
    accepted: date | None
    on_time: bool | None  # reported on or before the due date; None when never reported
    completed: bool  # accepted or cancelled
    evidence: tuple[Evidence, ...] = ()
    status: str = ""  # the four-way status as of the review (models/rules/status.py); "" when not computed
    days_late: int = 0  # days late (done) or overdue (not done)
    planned_due: date | None = None  # the plan's due date when an extension moved it (``due`` is the extended one)

    @property
    def extended(self) -> bool:
        return self.planned_due is not None


@dataclass(frozen=True)
class UnitTotals:
    unit: str
    name: str
    activities: int  # activities where the unit is a lead
    accepted: int
    reported_on_time: int
    reported_late: int
    not_reported: int
    cancelled: int
    due_unreported: int = 0  # never reported although their due date has passed (counted against the rate)

    @property
    def rate_base(self) -> int:
        """What the on-time rate is counted over: the activities reported, and those past due never reported."""
        return self.reported_on_time + self.reported_late + self.due_unreported

    @property
    def on_time_rate(self) -> float | None:
        """Share of rate_base reported by its due date (an activity never reported is not on time)."""
        return self.reported_on_time / self.rate_base if self.rate_base else None


@dataclass(frozen=True)
class ExplanationLine:
    """An explanation a unit gave when the coordinator asked for one."""

    key: str
    unit: str
    asked: date
    by: date
    question: str
    answered: date
    answer: str


@dataclass(frozen=True)
class ContentSection:
    number: int
    title: str
    activities: tuple[ActivityLine, ...]


@dataclass(frozen=True)
class Office:
    """The issuing body as its documents name it (Nghị định 30/2020/NĐ-CP)."""

    ministry: str  # "Bộ Y tế"
    unit: str  # "Văn phòng Bộ"
    symbol: str  # "VPB": "Số: …/BC-VPB"
    place: str  # "Hà Nội"
    signer_title: str  # "CHÁNH VĂN PHÒNG"
    signer_name: str = ""
    recipients: tuple[str, ...] = ()

    @property
    def author(self) -> str:
        """The organisation, as a document's author: 'Văn phòng Bộ, Bộ Y tế'."""
        return f"{self.unit}, {self.ministry}" if self.ministry and self.ministry != self.unit else self.unit


@dataclass(frozen=True)
class ReviewReport:
    plan_code: str
    plan_number: str  # "3723/QĐ-BYT"
    plan_title: str
    issuer: str
    kind: str  # preliminary | final
    title: str  # the review's title as the plan writes it
    phase_number: int
    phase_name: str
    phase_start: date
    phase_end: date
    held_on: date  # the as-of date of the review run
    coordinator: str  # unit code (VPB)
    contents: tuple[ContentSection, ...]
    units: tuple[UnitTotals, ...]
    not_completed: tuple[str, ...] = field(default=())  # activity keys neither accepted nor cancelled
    anchors: tuple[str, ...] = field(default=())  # the history's chain heads when filed (models/store/anchors.py)
    office: Office | None = None  # the issuing body; None: the plan's issuer alone
    coordinator_name: str = ""
    explanations: tuple[ExplanationLine, ...] = ()  # the units' explanations, asked for by the coordinator
    scores: tuple = ()  # the units' scores and ranking (models/rules/scores.py Score)
    score_weights: dict = field(default_factory=dict)
    series: tuple = ()  # recurring and per-unit activities counted over their items (models/rules/series_tally.py)

    @property
    def activities(self) -> list[ActivityLine]:
        return [a for c in self.contents for a in c.activities]
