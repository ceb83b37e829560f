"""Unit scores: each unit's completion and punctuality turned into one figure with the plan's weights (a pure rule).

An activity counts for each of its units with the weight of the unit's role (lead, partner); it is worth
``on_time`` when done on time, ``late`` when done late, ``overdue`` when not done past its due date; an activity
not yet due, not yet open or cancelled is left out. An approved extension and a request for explanation each take
their weight off. score = 100 x sum(role x (outcome - extension - explanation)) / sum(role), between 0 and 100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cchc_flow.models.rules.labels import number, percent, unit_label
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.status import Status

DEFAULT_WEIGHTS = {
    "lead": 1.0,
    "partner": 0.5,
    "on_time": 1.0,
    "late": 0.5,
    "overdue": 0.0,
    "extension": 0.1,
    "explanation": 0.2,
}
OUTCOME = {Status.DONE_ON_TIME: "on_time", Status.DONE_LATE: "late", Status.OVERDUE: "overdue"}


@dataclass(frozen=True)
class Part:
    """One activity as it counts for one unit."""

    unit: str
    role: str  # lead | partner
    status: str  # cchc_flow.models.rules.status.Status
    extended: bool = False
    explained: bool = False  # the coordinator asked the unit for an explanation


@dataclass(frozen=True)
class Score:
    unit: str
    name: str
    counted: int  # activities counted (done, or overdue)
    done: int
    on_time: int
    late: int
    overdue: int
    extended: int
    explanations: int
    score: float  # 0..100
    rank: int = 0

    @property
    def completion(self) -> float | None:
        return self.done / self.counted if self.counted else None

    @property
    def punctuality(self) -> float | None:
        return self.on_time / self.done if self.done else None


def parts_of(lines: Iterable, asked: set[tuple[str, str]]) -> list[Part]:
    """Each review line (cchc_flow.models.rules.review_report.ActivityLine) as it counts for each of its units; ``asked``: the
    (activity, unit) pairs the coordinator asked to explain."""
    return [
        Part(unit, role, line.status, line.extended, (line.key, unit) in asked)
        for line in lines
        for role, units in (("lead", line.leads), ("partner", line.partners))
        for unit in units
    ]


def weights_of(spec: dict) -> dict[str, float]:
    """The plan's ``scores:`` weights over the defaults."""
    return {**DEFAULT_WEIGHTS, **{k: float(v) for k, v in (spec.get("scores") or {}).items() if v is not None}}


def score_units(parts: Iterable[Part], weights: dict[str, float], names: Mapping[str, str | None]) -> list[Score]:
    """Each unit's score, ranked (highest first; equal scores share a rank; units with nothing counted last)."""
    by_unit: dict[str, list[Part]] = {}
    for p in parts:
        by_unit.setdefault(p.unit, []).append(p)
    out = []
    for unit, ps in by_unit.items():
        counted = [p for p in ps if p.status in OUTCOME]
        total = sum(weights[p.role] for p in counted)
        value = sum(
            weights[p.role]
            * (
                weights[OUTCOME[Status(p.status)]]
                - weights["extension"] * p.extended
                - weights["explanation"] * p.explained
            )
            for p in counted
        )
        score = round(max(0.0, min(100.0, 100 * value / total)), 1) if total else 0.0
        out.append(
            Score(
                unit,
                names.get(unit) or unit,  # a unit the directory gives no name: its code
                len(counted),
                sum(p.status in (Status.DONE_ON_TIME, Status.DONE_LATE) for p in counted),
                sum(p.status == Status.DONE_ON_TIME for p in counted),
                sum(p.status == Status.DONE_LATE for p in counted),
                sum(p.status == Status.OVERDUE for p in counted),
                sum(p.extended for p in ps),
                sum(p.explained for p in ps),
                score,
            )
        )
    out.sort(key=lambda s: (s.counted == 0, -s.score, s.unit))
    ranked, previous, rank = [], None, 0
    for i, s in enumerate(out, 1):
        if s.score != previous:
            rank, previous = i, s.score
        ranked.append(Score(**{**s.__dict__, "rank": rank if s.counted else 0}))
    return ranked


SCORE_COLUMNS = (
    "score.rank",
    "col.unit",
    "score.counted",
    "score.on_time",
    "score.late",
    "score.overdue",
    "score.extended",
    "score.explanations",
    "score.completion",
    "score.punctuality",
    "score.score",
)


def score_values(scores: list[Score]) -> list[list[object]]:
    """The ranking as machine numbers (CSV, XLSX): shares as fractions 0..1, the score 0..100, no rank: None."""
    return [
        [
            s.rank or None,
            unit_label(s.unit, s.name),
            s.counted,
            s.on_time,
            s.late,
            s.overdue,
            s.extended,
            s.explanations,
            None if s.completion is None else round(s.completion, 4),
            None if s.punctuality is None else round(s.punctuality, 4),
            s.score,
        ]
        for s in scores
    ]


def score_rows(scores: list[Score], lang: str | None = None) -> tuple[list[str], list[list[str]]]:
    """The ranking as a header and rows of text as people read it (the reports, the board, the terminal)."""
    head = [t(c, lang) for c in SCORE_COLUMNS]
    rows = [
        [
            str(s.rank) if s.rank else "—",
            unit_label(s.unit, s.name),
            str(s.counted),
            str(s.on_time),
            str(s.late),
            str(s.overdue),
            str(s.extended),
            str(s.explanations),
            percent(s.completion, lang),
            percent(s.punctuality, lang),
            number(s.score, lang),
        ]
        for s in scores
    ]
    return head, rows


def formula(weights: dict[str, float], lang: str | None = None) -> str:
    """The formula and the weights in words, as the reports print it under the table."""
    return t("score.formula", lang, **{k: number(v, lang, None) for k, v in weights.items()})
