"""A plan read from its file and checked against the unit directory: what the rest of cchc-flow runs."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cchc_flow.models.rules.calendar import DateError, Window, WindowOrderError, parse_window
from cchc_flow.models.rules.findings import Finding, InputError
from cchc_flow.models.rules.labels import short_title
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.plan_spec import (
    DirectorySpec,
    PhaseSpec,
    PlanInfo,
    PlanSpec,
    Reminders,
    ReportingSpec,
    ReviewSpec,
    ScheduleSpec,
)
from cchc_flow.models.rules.recurrence import Cadence
from cchc_flow.models.rules.successions import current_code
from cchc_flow.models.rules.yamlfile import Loc, YamlDocument, read_yaml
from cchc_flow.settings import get_settings

_UNNUMBERED_DECISION = re.compile(r"(?:Quyết định|Nghị quyết|Chỉ thị)\s+số\s*/[^\s,;]+")
_LABEL_YEARS = re.compile(r"([0-9]{4})(?:\s*[-–]\s*([0-9]{4}))?")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str | None
    kind: str
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    english: str | None = None
    note: str | None = None
    successor: str | None = None  # merged into or renamed to this code (the directory's merged_into/renamed_to)
    succession: str | None = None  # merged | renamed
    since: date | None = None

    @property
    def label(self) -> str:
        return f"{self.code} ({self.name})" if self.name else self.code


MINISTRY = "BYT"  # the organisation of config/units.yaml, whose unit codes are stored as they are
MINISTRY_NAME = "Bộ Y tế"


@dataclass(frozen=True)
class Directory:
    """An organisation's unit directory: codes, and every way a plan may write a unit. Codes are unique within the
    organisation; outside the Ministry they are stored with the organisation's code in front (``TTYTPM.TCHC``)."""

    source: str
    units: dict[str, Unit]  # by stored code
    written: dict[str, tuple[str, str | None]]  # normalised spelling -> (code, slip reason or None)
    organisation: str = MINISTRY
    organisation_name: str = MINISTRY_NAME

    def resolve(self, written: str) -> tuple[str, str | None] | None:
        """(code, slip reason) for a unit as a plan writes it, or None when unknown."""
        return self.written.get(_norm(written))

    def current(self, code: str) -> str:
        """The unit that ``code`` is today: its successor's successor... (a code never merged or renamed: itself)."""
        return current_code(code, {c: u.successor for c, u in self.units.items() if u.successor})

    def code(self, written: str) -> str:
        """The code of a unit as a checked plan writes it (KeyError when the directory does not know it)."""
        return self.written[_norm(written)][0]


@dataclass(frozen=True)
class Role:
    """A unit named on an activity, with the words the plan used for it."""

    code: str
    as_written: str


@dataclass(frozen=True)
class Activity:
    key: str
    phase: int
    content: int
    text: str
    window: Window
    funding: str
    lead: tuple[Role, ...]
    partners: tuple[Role, ...]
    urgent: bool = False  # its messages go out at once, at any hour (not held for the morning digest)
    cadence: Cadence | None = None  # recurring: one occurrence per period (continuous: its check-in cadence)
    recurs: str | None = None  # as the plan file says it (monthly ... continuous)
    for_each: str | None = None  # the group each of whose members does it, each tracked on its own

    @property
    def short_title(self) -> str:
        return short_title(self.text)


@dataclass(frozen=True)
class Content:
    number: int
    title: str
    plan_text: str | None
    activities: tuple[Activity, ...]


@dataclass(frozen=True)
class Phase:
    number: int
    name: str
    also_written: tuple[str, ...]
    window: Window
    review: ReviewSpec | None
    contents: tuple[Content, ...]

    @property
    def activities(self) -> list[Activity]:
        return [a for c in self.contents for a in c.activities]


@dataclass(frozen=True)
class Plan:
    info: PlanInfo
    reminders: Reminders
    groups: dict[str, tuple[str, ...]]
    phases: tuple[Phase, ...]
    reporting: tuple[ReportingSpec, ...]
    digest: str
    max_extensions: int = 2  # deadline extensions per activity (models/services/extensions.py)
    scores: dict[str, float] = field(default_factory=dict)  # the unit scores' weights (models/rules/scores.py)
    schedule: ScheduleSpec = ScheduleSpec()  # when its scheduled runs start (flows/running/deployments.py)

    @property
    def code(self) -> str:
        return self.info.code

    @property
    def activities(self) -> list[Activity]:
        return [a for p in self.phases for a in p.activities]


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _schema_findings(doc: YamlDocument, exc: ValidationError, prefix: Loc = ()) -> list[Finding]:
    out = []
    for err in exc.errors(include_url=False):
        loc = prefix + tuple(err["loc"])
        kind = err["type"]
        if kind == "missing":
            msg = t("schema.missing")
        elif kind == "extra_forbidden":
            msg = t("schema.extra")
        elif isinstance(err.get("ctx", {}).get("error"), DateError):
            msg = t("schema.date", detail=str(err["ctx"]["error"]))
        elif kind.startswith("date"):
            msg = t("schema.date", detail=repr(err.get("input")))
        else:
            msg = t("schema.type", detail=_type_detail(kind, err.get("ctx", {}), err["msg"]))
        # union members add their type name to the location; drop it
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in {"str", "int", "date"})))
        out.append(doc.finding("error", loc, msg))
    return out


_TYPE_DETAIL_VI = {
    "int_parsing": "cần một số nguyên",
    "int_type": "cần một số nguyên",
    "int_from_float": "cần một số nguyên",
    "string_type": "cần một đoạn văn bản",
    "list_type": "cần một danh sách",
    "dict_type": "cần một bảng khóa/giá trị",
    "model_type": "cần một bảng khóa/giá trị",
    "model_attributes_type": "cần một bảng khóa/giá trị",
    "string_too_short": "không được để trống",
    "bool_parsing": "cần true hoặc false",
    "literal_error": "cần một trong: {expected}",
    "value_error": "{error}",
    "string_pattern_mismatch": "không khớp mẫu {pattern}",
    "greater_than_equal": "cần ≥ {ge}",
    "less_than_equal": "cần ≤ {le}",
}


def _type_detail(kind: str, ctx: dict[str, Any], english: str) -> str:
    if get_settings().lang == "en" or kind not in _TYPE_DETAIL_VI:
        return english
    try:
        return _TYPE_DETAIL_VI[kind].format(**ctx)
    except (KeyError, IndexError):
        return english


def read_directory(path: Path) -> Directory:
    """Read and check the unit directory, or raise InputError."""
    doc = read_yaml(path)
    try:
        spec = DirectorySpec.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(_schema_findings(doc, exc)) from None
    findings: list[Finding] = []
    units: dict[str, Unit] = {}
    written: dict[str, tuple[str, str | None]] = {}
    first_line: dict[str, int | None] = {}
    org = spec.organisation
    prefix = f"{org.code}." if org and org.code != MINISTRY else ""
    for i, u in enumerate(spec.units):
        code = prefix + u.code
        if code in units:
            findings.append(
                doc.finding("error", ("units", i, "code"), t("schema.duplicate_id", id=u.code, first=first_line[code]))
            )
            continue
        first_line[code] = doc.line_of(("units", i))
        successor, succession = (u.merged_into, "merged") if u.merged_into else (u.renamed_to, "renamed")
        if u.merged_into and u.renamed_to:
            findings.append(doc.finding("error", ("units", i, "renamed_to"), t("directory.both", code=u.code)))
        if u.since and not successor:
            findings.append(doc.finding("error", ("units", i, "since"), t("directory.since_alone", code=u.code)))
        units[code] = Unit(
            code,
            u.name,
            u.kind,
            tuple(u.aliases),
            tuple(u.tags),
            u.english,
            u.note,
            prefix + successor if successor else None,
            succession if successor else None,
            u.since,
        )
        spellings = [(u.code, None), *((a, None) for a in u.aliases), *((s.written, s.reason) for s in u.slips)]
        if prefix:
            spellings.append((code, None))
        if u.name:
            spellings.append((u.name, None))
        for spelling, reason in spellings:
            key = _norm(spelling)
            if key in written and written[key][0] != code:
                findings.append(
                    doc.finding(
                        "error", ("units", i), t("schema.duplicate_id", id=spelling, first=first_line[written[key][0]])
                    )
                )
            written[key] = (code, reason)
    findings += _succession_findings(doc, spec, units, prefix)
    if findings:
        raise InputError(findings)
    return Directory(doc.name, units, written, org.code if org else MINISTRY, org.name if org else MINISTRY_NAME)


def organisation_of(code: str) -> str:
    """The organisation of a stored unit code: the prefix before the dot (``TTYTPM.TCHC``), else the Ministry."""
    return code.split(".", 1)[0] if "." in code else MINISTRY


def directory_files(default: Path) -> list[Path]:
    """The Ministry's directory and every other organisation's beside it (``units/<code>.yaml``)."""
    return [default, *sorted((default.parent / "units").glob("*.yaml"))]


def directory_file(plan_path: Path, units: Path, default: Path) -> Path:
    """The unit directory to read a plan with: ``units`` when it is not the default; else the directory of the
    organisation the plan names (``units/<code>.yaml`` beside the default, lower case), else the default."""
    if units != default:
        return units
    try:
        org = read_yaml(plan_path).data["plan"]["organisation"]
    except (InputError, KeyError, TypeError):
        return units  # read_plan reports what is wrong with the file
    if not isinstance(org, str) or org == MINISTRY:
        return units
    return default.parent / "units" / f"{org.lower()}.yaml"


def _succession_findings(
    doc: YamlDocument, spec: DirectorySpec, units: dict[str, Unit], prefix: str = ""
) -> list[Finding]:
    """A successor must be in the directory, and following successors must never come back to a unit (``prefix``:
    the organisation's, in front of each stored code)."""
    out = []
    first = {u.code: i for i, u in reversed(list(enumerate(spec.units)))}  # a duplicate entry is reported already
    circles: set[frozenset[str]] = set()
    for i, u in enumerate(spec.units):
        unit = units[prefix + u.code]
        if not unit.successor or first[u.code] != i:
            continue
        where = ("units", i, "merged_into" if u.merged_into else "renamed_to")
        if unit.successor not in units:
            out.append(
                doc.finding("error", where, t("directory.unknown_successor", code=unit.successor, units=doc.name))
            )
            continue
        chain = [prefix + u.code]
        while (code := units[chain[-1]].successor) and code in units and code not in chain:
            chain.append(code)
        if code in chain:
            circle = frozenset(chain[chain.index(code) :])
            if circle not in circles:  # a circle is reported once, at its first entry
                circles.add(circle)
                out.append(doc.finding("error", where, t("directory.cycle", chain=" → ".join([*chain, code]))))
    return out


class _Checker:
    """Collects findings while a plan spec is resolved against the directory."""

    def __init__(self, doc: YamlDocument, directory: Directory):
        self.doc, self.directory = doc, directory
        self.findings: list[Finding] = []

    def error(self, loc: Loc, message: str) -> None:
        self.findings.append(self.doc.finding("error", loc, message))

    def warn(self, loc: Loc, message: str) -> None:
        self.findings.append(self.doc.finding("warning", loc, message))

    def unit(self, loc: Loc, written: str) -> Role | None:
        hit = self.directory.resolve(written)
        if hit is None:
            self.error(loc, t("schema.unknown_unit", name=written, units=self.directory.source))
            return None
        code, slip = hit
        if slip:
            self.warn(
                loc,
                t("warn.alias", written=written, code=code, name=self.directory.units[code].name or code, reason=slip),
            )
        unit = self.directory.units[code]
        if unit.successor:  # kept as the plan writes it; its work falls to the unit it is today
            now = self.directory.current(code)
            since = t("succession.since", day=unit.since.strftime("%d/%m/%Y")) if unit.since else ""
            how = t(f"succession.{unit.succession}")
            name = self.directory.units[now].name or now
            self.warn(
                loc, t("warn.retired_unit", written=written, code=code, how=how, successor=now, name=name, since=since)
            )
        return Role(code, written)

    def window(self, loc: Loc, value: object, signed: Any) -> Window | None:
        try:
            return parse_window(value, not_before=signed)
        except WindowOrderError as exc:
            self.error(loc, t("schema.window_order", detail=str(exc)))
        except DateError as exc:
            self.error(loc, t("schema.window", detail=str(exc)))
        return None

    def remarks(self, loc: Loc, remarks: list[str]) -> None:
        for i, text in enumerate(remarks):
            self.warn(loc + ("remarks", i), t("warn.remark", text=text))


def read_plan(path: Path, directory: Directory) -> tuple[Plan, list[Finding]]:
    """Read, check and resolve a plan file; returns the plan and its warnings, or raises InputError."""
    doc = read_yaml(path)
    try:
        spec = PlanSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(_schema_findings(doc, exc)) from None
    check = _Checker(doc, directory)
    _identity(check, spec)
    if check.findings and check.findings[0].level == "error":  # another organisation's directory: nothing resolves
        raise InputError(check.findings[:1])
    check.unit(("plan", "focal_unit"), spec.plan.focal_unit)
    check.unit(("plan", "leadership"), spec.plan.leadership)
    groups: dict[str, tuple[str, ...]] = {}
    for code, members in spec.groups.items():
        hit = directory.resolve(code)
        unit = directory.units[hit[0]] if hit else None
        if unit is None or unit.kind != "group":
            check.error(("groups", code), t("schema.unit_ref", code=code, units=directory.source))
            continue
        roles = [check.unit(("groups", code, i), m) for i, m in enumerate(members)]
        groups[unit.code] = tuple(r.code for r in roles if r)
    seen_ids: dict[str, int | None] = {}
    phases = [_phase(check, spec, i, p, seen_ids) for i, p in enumerate(spec.phases)]
    for code, unit in directory.units.items():
        if unit.kind == "group" and not groups.get(code) and _group_used(phases, code):
            check.warn(("groups",), t("warn.empty_group", code=code, name=unit.name))
    for i, duty in enumerate(spec.reporting):
        check.unit(("reporting", i, "to"), duty.to)
        if duty.reporters != "all":
            for j, r in enumerate(duty.reporters):
                check.unit(("reporting", i, "reporters", j), r)
    check.remarks((), spec.remarks)
    errors = [f for f in check.findings if f.level == "error"]
    if errors or any(p is None for p in phases):
        raise InputError(check.findings)
    digest = _digest(spec)
    plan = Plan(
        info=spec.plan,
        reminders=spec.reminders,
        groups=groups,
        phases=tuple(p for p in phases if p),
        reporting=tuple(spec.reporting),
        digest=digest,
        max_extensions=spec.max_extensions,
        scores=spec.scores.model_dump(),
        schedule=spec.schedule,
    )
    return plan, [f for f in check.findings if f.level == "warning"]


def _digest(spec: PlanSpec) -> str:
    """The plan's fingerprint; fields a plan leaves at their defaults are left out, so that a file written before
    they existed keeps the digest it had."""
    dump = spec.model_dump(mode="json")
    for name in ("max_extensions", "scores", "schedule", "remarks"):
        if name not in spec.model_fields_set:
            dump.pop(name)
    for name in ("organisation", "signed_as_written", "implements"):
        if name not in spec.plan.model_fields_set:
            dump["plan"].pop(name)
    for phase in dump["phases"]:
        for content in phase["content"]:
            for act in content["activities"]:
                for name, default in (("urgent", False), ("recurs", None), ("check_in", None), ("for_each", False)):
                    if act.get(name) == default:
                        act.pop(name)
    return hashlib.sha256(json.dumps(dump, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_BLANK_NUMBER = re.compile(r"^\s*(?:Số\s*:?)?\s*/")


def _identity(check: _Checker, spec: PlanSpec) -> None:
    """The plan's organisation is the directory's; a blank number or an incomplete date is reported."""
    info = spec.plan
    org = info.organisation or MINISTRY
    if org != check.directory.organisation:
        check.error(
            ("plan", "organisation"),
            t("schema.organisation", org=org, directory=check.directory.organisation, units=check.directory.source),
        )
    if _BLANK_NUMBER.match(info.number):
        check.warn(("plan", "number"), t("warn.blank_number", number=info.number))
    if info.signed_as_written:
        check.warn(
            ("plan", "signed_as_written"),
            t("warn.blank_date", written=info.signed_as_written, signed=info.signed.strftime("%d/%m/%Y")),
        )


def _group_used(phases: list[Phase | None], code: str) -> bool:
    return any(r.code == code for p in phases if p for a in p.activities for r in (*a.lead, *a.partners))


def _phase(check: _Checker, spec: PlanSpec, i: int, p: PhaseSpec, seen_ids: dict[str, int | None]) -> Phase | None:
    loc: Loc = ("phases", i)
    if any(q.number == p.number for q in spec.phases[:i]):
        check.error(
            loc + ("number",),
            t(
                "schema.duplicate_id",
                id=p.number,
                first=check.doc.line_of(("phases", [q.number for q in spec.phases].index(p.number))),
            ),
        )
    window = check.window(loc + ("window",), p.window, spec.plan.signed)
    if window:
        for label in (p.name, *p.also_written):
            for m in _LABEL_YEARS.finditer(label):
                first, last = int(m[1]), int(m[2] or m[1])
                if (first, last) != (window.start.year, window.end.year):
                    check.warn(
                        loc + ("name",), t("warn.phase_label", phase=p.number, label=label, window=window.as_written)
                    )
    check.remarks(loc, p.remarks)
    contents = []
    for j, c in enumerate(p.content):
        cloc = loc + ("content", j)
        if any(d.number == c.number for d in p.content[:j]):
            check.error(
                cloc + ("number",),
                t("schema.duplicate_id", id=f"{p.number}.{c.number}", first=check.doc.line_of(loc + ("content", 0))),
            )
        check.remarks(cloc, c.remarks)
        acts = []
        for k, a in enumerate(c.activities):
            act = _activity(check, spec, p.number, c.number, cloc + ("activities", k), a, window, seen_ids)
            if act:
                acts.append(act)
        contents.append(Content(c.number, c.title, c.plan_text, tuple(acts)))
    if p.review and p.review.activity not in {a.id for c in p.content for a in c.activities}:
        check.error(loc + ("review", "activity"), t("schema.review_missing", id=p.review.activity))
    if window is None:
        return None
    return Phase(p.number, p.name, tuple(p.also_written), window, p.review, tuple(contents))


def _activity(
    check: _Checker,
    spec: PlanSpec,
    phase: int,
    content: int,
    loc: Loc,
    a: Any,
    phase_window: Window | None,
    seen_ids: dict[str, int | None],
) -> Activity | None:
    ok = True
    if a.id in seen_ids:
        check.error(loc + ("id",), t("schema.duplicate_id", id=a.id, first=seen_ids[a.id]))
        ok = False
    else:
        seen_ids[a.id] = check.doc.line_of(loc)
    if not a.id.startswith(f"{phase}.{content}."):
        check.error(loc + ("id",), t("schema.bad_id", id=a.id, expected=f"{phase}.{content}.N"))
        ok = False
    window = check.window(loc + ("window",), a.window, spec.plan.signed)
    lead = [check.unit(loc + ("lead", n), w) for n, w in enumerate(a.lead)]
    partners = [check.unit(loc + ("partners", n), w) for n, w in enumerate(a.partners)]
    if not a.lead:
        check.warn(loc + ("lead",), t("warn.no_lead", id=a.id))
    if not a.partners:
        check.warn(loc + ("partners",), t("warn.no_partners", id=a.id))
    if m := _UNNUMBERED_DECISION.search(a.text):
        check.warn(loc + ("text",), t("warn.unnumbered_decision", id=a.id, excerpt=m[0]))
    if window and phase_window and not phase_window.contains(window):
        check.warn(
            loc + ("window",),
            t(
                "warn.outside_phase",
                id=a.id,
                window=window.as_written,
                phase=phase,
                phase_window=phase_window.as_written,
            ),
        )
    check.remarks(loc, a.remarks)
    cadence, for_each = _repeats(check, loc, a, lead)
    if not ok or window is None or None in lead or None in partners:
        return None
    return Activity(
        a.id,
        phase,
        content,
        a.text,
        window,
        a.funding,
        tuple(r for r in lead if r),
        tuple(r for r in partners if r),
        a.urgent,
        cadence,
        a.recurs,
        for_each,
    )


def _repeats(check: _Checker, loc: Loc, a: Any, lead: list[Role | None]) -> tuple[Cadence | None, str | None]:
    """The activity's cadence and the group it fans out to; a continuous activity needs a stated check-in
    cadence, which is a choice of the file's encoders and reported as such."""
    cadence: Cadence | None = None
    if a.recurs == "continuous":
        if a.check_in is None:
            check.error(loc + ("check_in",), t("schema.check_in", id=a.id))
        else:
            cadence = a.check_in
            check.warn(loc + ("check_in",), t("warn.chosen_cadence", id=a.id, cadence=t(f"cadence.{a.check_in}")))
    elif a.recurs is not None:
        cadence = a.recurs
        if a.check_in is not None and a.check_in != a.recurs:
            check.error(loc + ("check_in",), t("schema.check_in_clash", id=a.id, recurs=a.recurs))
    elif a.check_in is not None:
        check.error(loc + ("check_in",), t("schema.check_in_alone", id=a.id))
    if not a.for_each:
        return cadence, None
    units = check.directory.units
    if len(lead) != 1 or lead[0] is None or units[lead[0].code].kind != "group":
        check.error(loc + ("for_each",), t("schema.for_each", id=a.id))
        return cadence, None
    return cadence, lead[0].code
