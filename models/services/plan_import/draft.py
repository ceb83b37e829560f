"""The plan draft built from a document's tables: phases, content items and activities in the document's words,
with every assumption, warning and open question tied to the row and cell it comes from."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from cchc_flow.models.rules.calendar import DateError, parse_window
from cchc_flow.models.rules.labels import short_title
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.plan import MINISTRY, Directory
from cchc_flow.models.services.plan_import.duties import deadlines, duties_from_text
from cchc_flow.models.services.plan_import.headings import (
    EXPECTED,
    NUMBERING,
    Header,
    find_header,
    same_headings,
    words,
)
from cchc_flow.models.services.plan_import.identity import Identity, plan_code, read_identity
from cchc_flow.models.services.plan_import.repeats import fans_out, recurrence
from cchc_flow.models.services.plan_import.source import ImportRefused, Row, Source, Table
from cchc_flow.models.services.plan_import.times import read_time, years_in
from cchc_flow.models.services.plan_import.units import resolve_cell, suggest_entry

_NUMBERED = re.compile(r"^\s*(\d{1,3})\s*[.)]\s*(?=\S)")
_ROMAN = re.compile(r"^\s*([IVXLC]{1,6})\s*[.)/]\s*(?=\S)")
_BULLET = re.compile(r"^\s*[-+•*]\s*")
_TOTAL = re.compile(r"^\s*(?:tổng cộng|tổng số|cộng)\b", re.IGNORECASE)
_YEAR_ROW = re.compile(r"^\s*(?:năm\s+)?\d{4}(?:\s*[-–]\s*\d{4})?\s*:?\s*$", re.IGNORECASE)
_DETAILS = ("time", "funding", "lead", "partners")
_REVIEW = (("sơ kết", "preliminary"), ("tổng kết", "final"))


@dataclass(frozen=True)
class Note:
    kind: Literal["assumption", "warning", "person"]
    where: str
    text: str


@dataclass
class Draft:
    """A plan draft (``spec``: the YAML data), what was read and what a person must look at."""

    spec: dict[str, Any]
    identity: Identity
    notes: list[Note] = field(default_factory=list)
    unresolved: dict[str, list[str]] = field(default_factory=dict)  # name as written -> where it is used
    suggestions: list[dict[str, Any]] = field(default_factory=list)  # directory entries for those names
    rows: list[dict[str, Any]] = field(default_factory=list)  # the document's rows, each with its activity
    tables: int = 0

    @property
    def activities(self) -> list[dict[str, Any]]:
        return [a for p in self.spec["phases"] for c in p["content"] for a in c["activities"]]


def where(row: Row, heading: str | None = None) -> str:
    """Where a row (and cell) is in the document, as the report names it."""
    place = t("imp.where_line", line=row.line) if row.line else t("imp.where_row", table=row.table, row=row.index)
    if row.page:
        place = t("imp.where_page", page=row.page) + ", " + place
    return f"{place}, {t('imp.where_col', heading=heading)}" if heading else place


def _one_line(text: str) -> str:
    return " ".join(_BULLET.sub("", line).strip() for line in text.split("\n") if line.strip())


def _lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _numbered(text: str) -> tuple[int | None, str]:
    """("3.Thiết lập…") → (3, "Thiết lập…"); a Roman numeral counts too; the text without its number."""
    if m := _NUMBERED.match(text):
        return int(m[1]), text[m.end() :].strip()
    if m := _ROMAN.match(text):
        return None, text[m.end() :].strip()
    return None, text.strip()


class _Builder:
    def __init__(self, source: Source, directory: Directory):
        self.source, self.directory = source, directory
        self.identity = Identity()
        self.skipped: list[Table] = []  # tables that are not the appendix (the letterhead, the signatures...)
        self.notes: list[Note] = []
        self.unresolved: dict[str, list[str]] = {}
        self.phases: list[dict[str, Any]] = []
        self.numbers: dict[int, set[int]] = {}  # content numbers used, per phase
        self.rows: list[dict[str, Any]] = []
        self.plan_years: tuple[int, int] | None = None
        self.reports: list[tuple[dict[str, Any], str]] = []  # (activity, time as written) that report on fixed days

    def note(self, kind: str, place: str, text: str) -> None:
        self.notes.append(Note(kind, place, text))  # type: ignore[arg-type]

    # ---- tables

    def appendices(self) -> list[tuple[Header, list[Row], str]]:
        """The tables with appendix headings, a table split across pages joined again (same headings, or a
        table without headings right after one with as many columns)."""
        out: list[tuple[Header, list[Row], str]] = []
        unknown: list[tuple[Table, list[str]]] = []
        for table in self.source.tables:
            rows = [r for r in table.rows if any(c.text for c in r.cells)]
            if not rows:
                self.note("warning", t("imp.where_table", table=len(out) + len(unknown) + 1), t("imp.table_empty"))
                unknown.append((table, []))
                continue
            header = find_header(rows)
            if header is None:
                prev = out[-1] if out else None
                if prev and len(rows[0].cells) == len(prev[1][0].cells) and table.caption == prev[2]:
                    prev[1].extend(rows)
                    continue
                unknown.append((table, [c.text for c in rows[0].cells]))
                continue
            prev = out[-1] if out else None
            if prev and same_headings(prev[0], header) and table.caption == prev[2]:
                prev[1].extend(rows[header.end :])
                continue
            out.append((header, rows[header.end :], table.caption))
        if not out:
            if not self.source.tables:
                raise ImportRefused(t("imp.no_table", name=self.source.name))
            found = next((h for _, h in unknown if any(h)), [])
            if not found:
                raise ImportRefused(t("imp.empty_table", name=self.source.name))
            raise ImportRefused(
                t(
                    "imp.unknown_headings",
                    name=self.source.name,
                    found=" | ".join(h.replace("\n", " ") for h in found if h) or "—",
                    expected=", ".join(EXPECTED),
                )
            )
        self.skipped = [table for table, _ in unknown]
        for table, headings in unknown:
            if any(headings):
                self.note(
                    "warning",
                    t("imp.where_table", table=table.rows[0].table),
                    t("imp.table_skipped", found=" | ".join(h.replace("\n", " ") for h in headings if h)),
                )
        return out

    # ---- rows

    def build(self) -> None:
        appendices = self.appendices()
        self.identity = read_identity(self._text_around())
        self.plan_years = self.identity.years()
        for header, rows, caption in appendices:
            self.appendix(header, rows, caption if len(appendices) > 1 else "")

    def _text_around(self) -> list[str]:
        """The paragraphs with the text of the other tables where they stand: a decision's number and date often
        sit in its letterhead table."""
        out = list(self.source.paragraphs)
        for table in sorted(self.skipped, key=lambda tb: tb.at, reverse=True):
            lines = [line for row in table.rows for c in row.cells if not c.continued for line in c.text.split("\n")]
            out[table.at : table.at] = [line.strip() for line in lines if line.strip()]
        return out

    def _new_phase(self, name: str, place: str) -> dict[str, Any]:
        phase = {"number": len(self.phases) + 1, "name": name, "window": None, "content": [], "_where": place}
        self.phases.append(phase)
        return phase

    def _new_content(self, phase: dict[str, Any], text: str) -> dict[str, Any]:
        number, title = _numbered(_lines(text).replace("\n", " "))
        used = self.numbers.setdefault(phase["number"], set())
        if number is None or number in used:
            number = max(used, default=0) + 1
        used.add(number)
        content = {"number": number, "title": title, "activities": []}
        phase["content"].append(content)
        return content

    def appendix(self, header: Header, rows: list[Row], caption: str) -> None:
        cols = header.columns
        heading: dict[int | None, str] = dict(zip(range(len(header.headings)), header.headings, strict=False))
        act_col = cols.get("activity", cols.get("content"))
        content_col = cols.get("content") if "activity" in cols else None
        phase_col = cols.get("phase")
        phase: dict[str, Any] | None = None
        content: dict[str, Any] | None = None
        merged: dict[int, str] = {}  # per column, the text of the last cell that started there (merged down)
        repeated = [words(h) for h in header.headings]
        for n, row in enumerate(rows):
            for i, c in enumerate(row.cells):
                if not c.continued:
                    merged[i] = c.text
            filled = [i for i, c in enumerate(row.cells) if c.text and not c.continued]
            if [words(c.text) for c in row.cells] == repeated or all(
                NUMBERING.match(c.text) or not c.text for c in row.cells
            ):
                continue  # the header again (a table converted from pages), or its numbering row
            if _TOTAL.match(row.text(act_col)) and not any(row.text(cols[k]) for k in ("time", "lead") if k in cols):
                self.note("warning", where(row), t("imp.total_row", text=_one_line(row.text(act_col))))
                continue
            if row.across or self._section(row, cols, act_col, filled, rows[n + 1 : n + 2]):
                text = row.text(act_col) or (row.cells[filled[0]].text if filled else "")
                if phase_col is None and ("giai đoạn" in text.casefold() or _YEAR_ROW.match(_ROMAN.sub("", text, 1))):
                    phase, content = self._new_phase(_lines(text).replace("\n", " "), where(row)), None
                else:
                    phase = phase or self._new_phase(self._default_phase(caption), where(row))
                    content = self._new_content(phase, _ROMAN.sub("", text, count=1))
                self.rows.append({"where": where(row), "cells": [c.text for c in row.cells], "activity": None})
                continue
            if phase_col is not None and row.text(phase_col) and not row.is_continued(phase_col):
                phase, content = self._new_phase(_lines(row.text(phase_col)).replace("\n", " "), where(row)), None
            if phase is None:
                phase = self._new_phase(self._default_phase(caption), where(row))
            if content_col is not None and row.text(content_col) and not row.is_continued(content_col):
                content = self._new_content(phase, row.text(content_col))
            text = _lines(row.text(act_col)) if not row.is_continued(act_col) else ""
            record = {"where": where(row), "cells": [c.text for c in row.cells], "activity": None}
            self.rows.append(record)
            if not text:
                if any(row.text(cols[k]) for k in ("time", "lead", "partners") if k in cols):
                    self.note("warning", where(row, heading.get(act_col)), t("imp.no_activity_text"))
                continue
            if content is None:
                content = self._new_content(phase, self._default_content(caption))
                self.note("assumption", where(row), t("imp.own_content", title=content["title"]))
            activity = self.activity(row, cols, heading, phase, content, text, merged)
            record["activity"] = activity["id"]

    def _section(
        self, row: Row, cols: dict[str, int], act_col: int | None, filled: list[int], following: list[Row]
    ) -> bool:
        """A section row not merged across: one text cell (and maybe its number), nothing else, and the text a
        heading in capitals or after a Roman numeral, or any text when the next row is an activity with its time
        or units ("1 | Tuyên truyền trên báo" over "1.1 | Viết bài | Quý I | VPB")."""
        others = [i for i in filled if i != cols.get("number")]
        if len(others) != 1 or others[0] != act_col:
            return False
        if any(row.is_continued(cols[k]) for k in _DETAILS if k in cols):
            return False  # its time or units are merged from the row above: an activity
        text = row.cells[others[0]].text
        number = row.text(cols.get("number"))
        if _ROMAN.match(text) or re.fullmatch(r"[IVXLC]{1,6}", number.strip()) or (text.isupper() and len(text) < 200):
            return True
        return (
            bool(following)
            and bool(following[0].text(act_col))
            and any(following[0].text(cols[k]) or following[0].is_continued(cols[k]) for k in _DETAILS if k in cols)
        )

    def _default_phase(self, caption: str) -> str:
        name = _one_line(caption) if caption else ""
        return name or t("imp.whole_plan")

    def _default_content(self, caption: str) -> str:
        """The one content item of a table without content cells or section rows: the appendix's or plan's title."""
        return _one_line(caption) or self.identity.title or t("imp.whole_plan")

    def _context(self, phase: dict[str, Any]) -> tuple[int, int] | None:
        return years_in(phase["name"]) or self.plan_years

    def activity(
        self,
        row: Row,
        cols: dict[str, int],
        heading: dict[int | None, str],
        phase: dict[str, Any],
        content: dict[str, Any],
        text: str,
        merged: dict[int, str],
    ) -> dict[str, Any]:
        act_id = f"{phase['number']}.{content['number']}.{len(content['activities']) + 1}"
        activity: dict[str, Any] = {"id": act_id, "text": text}
        remarks: list[str] = []
        time_col = cols.get("time")
        written = _one_line(self._carried(row, time_col, merged))
        reading = read_time(written, self._context(phase))
        place = where(row, heading.get(time_col))
        if reading.window is None:
            activity["window"] = written
            if written:
                self.note("person", place, t("imp.time_unread", id=act_id, written=written))
            else:
                self.note("person", place, t("imp.time_missing", id=act_id))
        else:
            activity["window"] = reading.window
            if reading.recurring == "dates" and "báo cáo" in text.casefold():
                self.reports.append((activity, written))
            if reading.recurring:
                remarks += self._recurrence(activity, act_id, written, reading.recurring, reading.window, place)
            elif reading.year_from_context:
                self.note(
                    "assumption", place, t("imp.year_from_context", id=act_id, written=written, window=reading.window)
                )
        funding_col = cols.get("funding")
        activity["funding"] = _one_line(self._carried(row, funding_col, merged))
        if not activity["funding"]:
            self.note(
                "person",
                where(row, heading.get(funding_col)) if funding_col is not None else where(row),
                t("imp.funding_missing", id=act_id),
            )
        for role, key in (("lead", "lead"), ("partners", "partners")):
            col = cols.get(role)
            cell = self._carried(row, col, merged)
            names = resolve_cell(cell, self.directory)
            activity[key] = [n.written for n in names]
            if role == "lead" and fans_out(names, self.directory):
                activity["for_each"] = True
                self.note(
                    "assumption", where(row, heading.get(col)), t("imp.for_each", id=act_id, group=names[0].written)
                )
            for n in names:
                if n.code is None:
                    self.unresolved.setdefault(n.written, []).append(f"{act_id} ({where(row, heading.get(col))})")
                elif n.carried:
                    self.note(
                        "assumption",
                        where(row, heading.get(col)),
                        t("imp.carried", written=n.written, prefix=n.carried),
                    )
        if "remarks" in cols and row.text(cols["remarks"]):
            remarks.append(f"{heading.get(cols['remarks'])}: {_one_line(row.text(cols['remarks']))}")
        if remarks:
            activity["remarks"] = remarks
        content["activities"].append(activity)
        return activity

    def _recurrence(
        self, activity: dict[str, Any], act_id: str, written: str, kind: str, window: str, place: str
    ) -> list[str]:
        """The recurrence fields the time gives (models/services/plan_import/repeats.py); the remarks to add: the
        chosen check-in of "thường xuyên" (a warning), fixed due days, or a time whose cadence cannot be told."""
        fields = recurrence(kind, written)
        if fields is None:
            self.note("warning", place, t("imp.recurring_note", id=act_id, written=written))
            return [t("imp.recurring", written=written, kind=t(f"imp.every.{kind}"), window=window)]
        activity.update(fields)
        remarks = []
        if "check_in" in fields:
            cadence = t(f"cadence.{fields['check_in']}")
            self.note("warning", place, t("imp.check_in_chosen", id=act_id, written=written, cadence=cadence))
            remarks.append(t("imp.check_in_remark", written=written, cadence=cadence))
        else:
            self.note("assumption", place, t("imp.recurs", id=act_id, written=written, recurs=fields["recurs"]))
        if kind == "dates":
            remarks.append(t("imp.due_days", written=written))
        return remarks

    @staticmethod
    def _carried(row: Row, col: int | None, merged: dict[int, str]) -> str:
        """A cell's text; a cell merged down (Word, PDF) has the text of the cell it continues."""
        if col is None:
            return ""
        return merged.get(col, "") if row.is_continued(col) else row.text(col)

    def duties(self, focal: str) -> list[dict[str, Any]]:
        """A reporting duty for each activity that reports before fixed days of the year (to the focal unit)."""
        out = []
        for activity, written in self.reports:
            due = deadlines(written)
            if due and focal:
                out.append(
                    {
                        "id": "bao-cao-" + activity["id"].replace(".", "-"),
                        "text": activity["text"],
                        "to": focal,
                        "reporters": activity["lead"] or "all",
                        "deadlines": due,
                    }
                )
        return out

    # ---- the plan around the tables

    def finish(self) -> None:
        for phase in self.phases:
            self._phase_window(phase)
            self._review(phase)
            phase.pop("_where", None)

    def _phase_window(self, phase: dict[str, Any]) -> None:
        """The span of the years its label names ("Giai đoạn 1 (2013-2014)") and of its activities' windows."""
        starts, ends = [], []
        for c in phase["content"]:
            for a in c["activities"]:
                try:
                    w = parse_window(a["window"])
                except DateError:
                    continue
                starts.append(w.start)
                ends.append(w.end)
        label = years_in(phase["name"])
        if label:
            starts.append(date(label[0], 1, 1))
            ends.append(date(label[1], 12, 31))
        elif not starts and self.plan_years:
            starts.append(date(self.plan_years[0], 1, 1))
            ends.append(date(self.plan_years[1], 12, 31))
        if not starts:
            phase["window"] = ""
            self.note("person", phase["_where"], t("imp.phase_window", phase=phase["number"]))
            return
        first, last = min(starts), max(ends)
        if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
            phase["window"] = str(first.year) if first.year == last.year else f"{first.year}-{last.year}"
        else:
            phase["window"] = f"{first.isoformat()}..{last.isoformat()}"

    def _review(self, phase: dict[str, Any]) -> None:
        for c in phase["content"]:
            for word, kind in _REVIEW:
                in_title = word in c["title"].casefold()
                hit = next((a for a in c["activities"] if word in a["text"].casefold()), None)
                if not (in_title or hit) or not c["activities"]:
                    continue
                activity = hit or c["activities"][0]
                phase["review"] = {
                    "activity": activity["id"],
                    "kind": kind,
                    "title": c["title"] if in_title else short_title(activity["text"], 200),
                }
                return

    def plan_info(self, code: str | None) -> dict[str, Any]:
        ident = self.identity
        code = code or plan_code(ident)
        info: dict[str, Any] = {
            "code": code or "",
            **({"organisation": org} if (org := self.directory.organisation) != MINISTRY else {}),
            "number": ident.number or "",
            "signed": ident.signed.isoformat() if ident.signed else "",
            "issuer": ident.issuer or "",
            "title": ident.title or "",
            "focal_unit": self._focal(),
            "leadership": self._leadership(),
            "legal_basis": ident.legal_basis,
            "objectives": {"general": ident.general or "", "specific": ident.specific},
        }
        for key, what in (
            ("code", "imp.field.code"),
            ("number", "imp.field.number"),
            ("signed", "imp.field.signed"),
            ("issuer", "imp.field.issuer"),
            ("title", "imp.field.title"),
            ("focal_unit", "imp.field.focal_unit"),
            ("leadership", "imp.field.leadership"),
        ):
            if not info[key]:
                self.note("person", f"plan.{key}", t("imp.not_found", what=t(what)))
        if not info["objectives"]["general"]:
            self.note("person", "plan.objectives.general", t("imp.not_found", what=t("imp.field.objectives")))
        if ident.parent:
            self.note("assumption", "plan.legal_basis", t("imp.parent", parent=ident.parent))
        return info

    def _text_mentions(self, kinds: set[str] | None, near: str | None) -> str | None:
        """A directory unit (of ``kinds``) named in a paragraph (containing ``near``), as written there."""
        spellings = sorted(
            ((w, code) for w, (code, slip) in self.directory.written.items() if not slip), key=lambda x: -len(x[0])
        )
        for para in self.source.paragraphs:
            low = " ".join(para.split()).casefold()
            if near and near not in low:
                continue
            for spelling, code in spellings:
                if (kinds is None or self.directory.units[code].kind in kinds) and re.search(
                    rf"(?<!\w){re.escape(spelling)}(?!\w)", low
                ):
                    unit = self.directory.units[code]
                    return unit.name or unit.code
        return None

    def _focal(self) -> str:
        found = self._text_mentions({"unit", "party_office"}, "đầu mối")
        if found:
            return found
        leads = Counter(
            n
            for a in (a for p in self.phases for c in p["content"] for a in c["activities"])
            for n in a["lead"]
            if self.directory.resolve(n)
        )
        if not leads:
            return ""
        code = self.directory.code(leads.most_common(1)[0][0])
        unit = self.directory.units[code]
        self.note("assumption", "plan.focal_unit", t("imp.focal_assumed", unit=unit.name or code))
        return unit.name or code

    def _leadership(self) -> str:
        found = self._text_mentions({"leadership"}, None)
        if found:
            return found
        leaders = [u for u in self.directory.units.values() if u.kind == "leadership"]
        if len(leaders) == 1:
            self.note(
                "assumption", "plan.leadership", t("imp.leadership_assumed", unit=leaders[0].name or leaders[0].code)
            )
            return leaders[0].name or leaders[0].code
        return ""


def build_draft(source: Source, directory: Directory, code: str | None = None) -> Draft:
    """The plan draft of ``source`` (raises ImportRefused when it has no appendix table to read)."""
    b = _Builder(source, directory)
    b.build()
    if not any(c["activities"] for p in b.phases for c in p["content"]):
        raise ImportRefused(t("imp.no_activities", name=source.name))
    b.finish()
    info = b.plan_info(code)
    groups = sorted(
        {
            directory.code(n)
            for a in (a for p in b.phases for c in p["content"] for a in c["activities"])
            for n in (*a["lead"], *a["partners"])
            if directory.resolve(n) and directory.units[directory.code(n)].kind == "group"
        }
    )
    spec: dict[str, Any] = {"plan": info}
    if groups:
        spec["groups"] = {g: [] for g in groups}
    spec["phases"] = b.phases
    reporting = duties_from_text(source.paragraphs, directory) + b.duties(info["focal_unit"])
    if reporting:
        spec["reporting"] = reporting
    taken = set(directory.units)
    suggestions = [suggest_entry(name, taken) for name in b.unresolved]
    return Draft(
        spec=spec,
        identity=b.identity,
        notes=b.notes,
        unresolved=b.unresolved,
        suggestions=suggestions,
        rows=b.rows,
        tables=len(source.tables),
    )
