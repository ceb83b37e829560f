"""The review report (sơ kết / tổng kết) as text: Markdown, and the cells and lines the Word and PDF renditions
(models/reports/review_docx.py, models/reports/review_pdf.py) share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from cchc_flow.models.rules.backdating import marked
from cchc_flow.models.rules.labels import percent, unit_label
from cchc_flow.models.rules.messages import MESSAGES
from cchc_flow.models.rules.messages import t as _t
from cchc_flow.models.rules.review_report import ActivityLine, ContentSection, Evidence, ReviewReport, UnitTotals
from cchc_flow.models.rules.scores import formula, score_rows
from cchc_flow.models.rules.status import Status, Timeliness, status_words
from cchc_flow.settings import get_settings

NONE = "—"
ACTIVITY_COLUMNS = (
    "col.id",
    "col.activity",
    "col.lead",
    "col.partners",
    "col.due",
    "col.state",
    "col.assigned",
    "col.reported",
    "col.accepted",
    "col.timeliness",
    "col.evidence",
)
UNIT_COLUMNS = (
    "col.unit",
    "col.led",
    "col.n_accepted",
    "col.n_on_time",
    "col.n_late",
    "col.n_not_reported",
    "col.n_cancelled",
    "col.on_time_rate",
)


def _lang(lang: str | None) -> str:
    """The language to speak: ``lang`` if given, else CCHC_LANG (the same rule as ``cchc_flow.models.rules.messages.t``)."""
    return "en" if (lang or get_settings().lang) == "en" else "vi"


def _day(value: date | None) -> str:
    """dd/mm/yyyy, or a dash when there is no date."""
    return value.strftime("%d/%m/%Y") if value else NONE


def _timeliness(line: ActivityLine, lang: str) -> str:
    """The four-way status with its days late or overdue (models/rules/status.py) when the report computed it, else
    on time / late / not reported (a dash for a cancelled activity that was never reported)."""
    if line.status and line.status != "cancelled":
        words = status_words(Timeliness(Status(line.status), line.days_late), lang)
        return words[:1].upper() + words[1:]
    if line.on_time is None:
        return NONE if line.state == "cancelled" else _t("review.not_reported", lang)
    return _t("review.on_time" if line.on_time else "review.late", lang)


def _evidence(item: Evidence, lang: str) -> str:
    """One piece of evidence: date, unit, kind, text and its attachments with a short sha256."""
    kind = _t(f"review.evidence.{item.kind}", lang) if f"review.evidence.{item.kind}" in MESSAGES else item.kind
    text = f"{_day(item.at)} {item.unit} ({kind})" + (f": {item.text}" if item.text.strip() else "")
    if item.attachments:
        files = ", ".join(f"{a.name} (sha256 {a.sha256[:8]})" for a in item.attachments)
        text += f" — {_t('review.files', lang)}: {files}"
    if item.recorded:
        text += f" [{marked(item.recorded, item.at, item.letter, lang)}]"
    return text


def outcome(line: ActivityLine, lang: str) -> str:
    """'1.1.2 Title — state, on time/late' for the per-unit lists."""
    timeliness = _timeliness(line, lang)
    state = _t(f"state.{line.state}", lang)
    return f"{line.key} {line.title} — {state}" + (f", {timeliness}" if timeliness != NONE else "")


def unit_title(unit: UnitTotals) -> str:
    return unit_label(unit.unit, unit.name)


def rate(unit: UnitTotals, lang: str) -> str:
    """The on-time rate with what it is counted over: '66,7 % (2/3)'."""
    if unit.on_time_rate is None:
        return NONE
    return f"{percent(unit.on_time_rate, lang)} ({unit.reported_on_time}/{unit.rate_base})"


def grand_total(report: ReviewReport) -> UnitTotals:
    """Every activity of the report counted once (an activity with two lead units is one activity)."""
    lines = report.activities
    return UnitTotals(
        unit="",
        name="",
        activities=len(lines),
        accepted=sum(a.state == "accepted" for a in lines),
        reported_on_time=sum(a.on_time is True for a in lines),
        reported_late=sum(a.on_time is False for a in lines),
        not_reported=sum(a.reported is None and a.state != "cancelled" for a in lines),
        cancelled=sum(a.state == "cancelled" for a in lines),
        due_unreported=sum(a.reported is None and a.state != "cancelled" and a.due < report.held_on for a in lines),
    )


def header(lang: str, keys: Sequence[str]) -> list[str]:
    """Column names for ``keys``."""
    return [_t(k, lang) for k in keys]


def activity_cells(line: ActivityLine, lang: str) -> list[str]:
    """One activity as table cells, without its evidence."""
    due = (
        _t("extension.due_beside", lang, due=_day(line.due), planned=_day(line.planned_due))
        if line.planned_due
        else _day(line.due)
    )
    return [
        line.key,
        line.title,
        ", ".join(line.leads) or NONE,
        ", ".join(line.partners) or NONE,
        due,
        _t(f"state.{line.state}", lang),
        _day(line.assigned),
        _day(line.reported),
        _day(line.accepted),
        _timeliness(line, lang),
    ]


def evidence_lines(line: ActivityLine, lang: str) -> list[str]:
    """An activity's evidence, one line each, in the order it was given."""
    return [_evidence(e, lang) for e in line.evidence]


def activity_row(line: ActivityLine, lang: str) -> list[str]:
    """One activity as table cells (evidence items separated by newlines)."""
    return [*activity_cells(line, lang), "\n".join(evidence_lines(line, lang)) or NONE]


def unit_row(unit: UnitTotals, lang: str) -> list[str]:
    """One unit's totals as table cells."""
    return [
        unit_title(unit) or _t("review.grand_total", lang),
        str(unit.activities),
        str(unit.accepted),
        str(unit.reported_on_time),
        str(unit.reported_late),
        str(unit.not_reported),
        str(unit.cancelled),
        rate(unit, lang),
    ]


def title_lines(report: ReviewReport, lang: str) -> list[str]:
    """Issuer, kind of report, review title, plan, phase, date held, coordinator."""
    issuer = (
        " — ".join(dict.fromkeys((report.office.ministry.upper(), report.office.unit.upper())))
        if report.office
        else report.issuer.upper()
    )
    return [
        issuer,
        _t(f"review.kind.{report.kind}", lang),
        report.title,
        _t("review.plan", lang, number=report.plan_number, title=report.plan_title),
        phase_line(report, lang),
        _t(f"review.held.{report.kind}", lang, date=_day(report.held_on)),
        _t("review.coordinator", lang, unit=report.coordinator_name or report.coordinator),
    ]


def phase_line(report: ReviewReport, lang: str) -> str:
    """'Giai đoạn 1 (2013-2014): từ 01/10/2013 đến 31/12/2014' -- the phase's own name is not said twice."""
    name = report.phase_name
    if not name.lower().startswith(_t("review.phase_word", lang).lower()):
        name = f"{_t('review.phase_word', lang)} {report.phase_number} – {name}"
    return _t("review.phase", lang, name=name, start=_day(report.phase_start), end=_day(report.phase_end))


def summary(report: ReviewReport, lang: str) -> str:
    """Counts of activities, accepted, cancelled, on time, late; the ids not completed."""
    lines = report.activities
    text = _t(
        "review.summary",
        lang,
        total=len(lines),
        accepted=sum(a.state == "accepted" for a in lines),
        cancelled=sum(a.state == "cancelled" for a in lines),
        on_time=sum(a.on_time is True for a in lines),
        late=sum(a.on_time is False for a in lines),
    )
    if extended := sum(a.extended for a in lines):  # judged against the extended date, counted apart
        text += " " + _t("review.extended", lang, n=extended)
    if report.not_completed:
        rest = _t("review.not_completed", lang, n=len(report.not_completed), ids=", ".join(report.not_completed))
    else:
        rest = _t("review.all_completed", lang)
    return f"{text} {rest}"


def explanation_lines(report: ReviewReport, lang: str) -> list[str]:
    """One line per explanation given: the activity, the unit, when and what was asked, the answer."""
    return [
        _t(
            "explain.line",
            lang,
            id=e.key,
            unit=e.unit,
            asked=_day(e.asked),
            by=_day(e.by),
            question=e.question,
            answered=_day(e.answered),
            answer=e.answer,
        )
        for e in report.explanations
    ]


def led_by(report: ReviewReport, unit: str) -> list[ActivityLine]:
    """The activities ``unit`` leads."""
    return [a for a in report.activities if unit in a.leads]


# --- Markdown -------------------------------------------------------------------------------------------------


_MARKUP = re.compile(r"([\\`*_~\[\]|])")


def _inert(text: str) -> str:
    """User text that renders as itself: no link, image, autolink, HTML, code or emphasis can start in it."""
    return _MARKUP.sub(r"\\\1", text.replace("&", "&amp;").replace("<", "&lt;"))


def _cell(text: str) -> str:
    """A Markdown table cell: inert text (pipes escaped), line breaks as <br>."""
    return _inert(text).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(_cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _md_section(section: ContentSection, lang: str) -> list[str]:
    rows = [activity_row(a, lang) for a in section.activities]
    return [
        "",
        f"## {_t('review.content', lang, number=section.number, title=section.title)}",
        "",
        *_md_table(header(lang, ACTIVITY_COLUMNS), rows),
    ]


def _md_units(report: ReviewReport, lang: str) -> list[str]:
    out = ["", f"## {_t('review.by_unit', lang)}"]
    for unit in report.units:
        out += ["", f"### {_inert(unit_title(unit))}", ""]
        lines = led_by(report, unit.unit)
        out += [f"- {_inert(outcome(a, lang))}" for a in lines]
        out += [] if lines else [f"- {_t('review.unit_none', lang)}"]
    out += ["", f"### {_t('review.totals', lang)}", ""]
    rows = [unit_row(u, lang) for u in (*report.units, grand_total(report))]
    return out + _md_table(header(lang, UNIT_COLUMNS), rows) + ["", _t("review.rate_note", lang)]


SERIES_COLUMNS = tuple(f"review.series_{c}" for c in ("activity", "items", "done", "on_time", "late", "missed"))


def series_rows(report: ReviewReport, lang: str) -> tuple[list[str], list[list[str]]]:
    """Each recurring or per-unit activity over its items (models/rules/series_tally.py, as the board counts them):
    opened, done, on time out of those due, late, and the missed ones listed; the same table in every format."""
    rows = [
        [s.parent, str(s.items), str(s.done), s.ratio, str(s.late), ", ".join(s.missed) or "—"] for s in report.series
    ]
    return header(lang, SERIES_COLUMNS), rows


def render_markdown(report: ReviewReport, lang: str | None = None) -> str:
    """The review report as Markdown, in ``lang`` (default: CCHC_LANG, Vietnamese)."""
    lang = _lang(lang)
    issuer, kind, title, *details = title_lines(report, lang)
    out = [f"**{issuer}**", "", f"# {kind}: {title}", ""]
    out += [f"{line}  " for line in details[:-1]] + [details[-1]]
    out += ["", f"## {_t('review.summary_heading', lang)}", "", summary(report, lang)]
    for section in report.contents:
        out += _md_section(section, lang)
    out += _md_units(report, lang)
    if report.scores:
        head, rows = score_rows(list(report.scores), lang)
        out += [
            "",
            f"## {_t('score.heading', lang)}",
            "",
            *_md_table(head, rows),
            "",
            formula(report.score_weights, lang),
        ]
    if report.series:
        out += ["", f"## {_t('review.series', lang)}", "", *_md_table(*series_rows(report, lang))]
    if report.explanations:
        out += [
            "",
            f"## {_t('review.explanations', lang)}",
            "",
            *(f"- {_cell(line)}" for line in explanation_lines(report, lang)),
        ]
    if report.anchors:
        out += ["", f"## {_t('anchor.heading', lang)}", "", *(f"- `{line}`" for line in report.anchors)]
    return "\n".join(out) + "\n"
