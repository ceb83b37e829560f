"""The review report (sơ kết / tổng kết) as text a coordinator files: Markdown and Word (.docx)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table

from models.backdating import marked
from models.messages import MESSAGES
from models.messages import t as _t
from models.review_report import ActivityLine, ContentSection, Evidence, ReviewReport, UnitTotals
from models.settings import get_settings

NONE = "—"
ACTIVITY_COLUMNS = ("col.id", "col.activity", "col.lead", "col.partners", "col.due", "col.state", "col.assigned",
                    "col.reported", "col.accepted", "col.timeliness", "col.evidence")
UNIT_COLUMNS = ("col.unit", "col.led", "col.n_accepted", "col.n_on_time", "col.n_late", "col.n_not_reported",
                "col.n_cancelled", "col.on_time_rate")
FONT = "Times New Roman"


def _lang(lang: str | None) -> str:
    """The language to speak: ``lang`` if given, else CCHC_LANG (the same rule as ``models.messages.t``)."""
    return "en" if (lang or get_settings().lang) == "en" else "vi"


def _day(value: date | None) -> str:
    """dd/mm/yyyy, or a dash when there is no date."""
    return value.strftime("%d/%m/%Y") if value else NONE


def _percent(rate: float | None, lang: str) -> str:
    """'50,0 %' in Vietnamese, '50.0%' in English; a dash when there is nothing to rate."""
    if rate is None:
        return NONE
    return f"{rate * 100:.1f}%" if lang == "en" else f"{rate * 100:.1f} %".replace(".", ",")


def _timeliness(line: ActivityLine, lang: str) -> str:
    """On time / late / not reported (a dash for a cancelled activity that was never reported)."""
    if line.on_time is None:
        return NONE if line.state == "cancelled" else _t("review.not_reported", lang)
    return _t("review.on_time" if line.on_time else "review.late", lang)


def _evidence(item: Evidence, lang: str) -> str:
    """One piece of evidence: date, unit, kind, text and its attachments with a short sha256."""
    kind = _t(f"review.evidence.{item.kind}", lang) if f"review.evidence.{item.kind}" in MESSAGES else item.kind
    text = f"{_day(item.at)} {item.unit} ({kind}): {item.text}"
    if item.attachments:
        files = ", ".join(f"{a.name} (sha256 {a.sha256[:8]})" for a in item.attachments)
        text += f" — {_t('review.files', lang)}: {files}"
    if item.recorded:
        text += f" [{marked(item.recorded, item.at, item.letter, lang)}]"
    return text


def _outcome(line: ActivityLine, lang: str) -> str:
    """'1.1.2 Title — state, on time/late' for the per-unit lists."""
    timeliness = _timeliness(line, lang)
    state = _t(f"state.{line.state}", lang)
    return f"{line.key} {line.title} — {state}" + (f", {timeliness}" if timeliness != NONE else "")


def _unit_label(unit: UnitTotals) -> str:
    return f"{unit.unit} — {unit.name}" if unit.name else unit.unit


def header(lang: str, keys: Sequence[str]) -> list[str]:
    """Column names for ``keys``."""
    return [_t(k, lang) for k in keys]


def activity_row(line: ActivityLine, lang: str) -> list[str]:
    """One activity as table cells (evidence items separated by newlines)."""
    return [line.key, line.title, ", ".join(line.leads) or NONE, ", ".join(line.partners) or NONE, _day(line.due),
            _t(f"state.{line.state}", lang), _day(line.assigned), _day(line.reported), _day(line.accepted),
            _timeliness(line, lang), "\n".join(_evidence(e, lang) for e in line.evidence) or NONE]


def unit_row(unit: UnitTotals, lang: str) -> list[str]:
    """One unit's totals as table cells."""
    return [_unit_label(unit), str(unit.activities), str(unit.accepted), str(unit.reported_on_time),
            str(unit.reported_late), str(unit.not_reported), str(unit.cancelled), _percent(unit.on_time_rate, lang)]


def title_lines(report: ReviewReport, lang: str) -> list[str]:
    """Issuer, kind of report, review title, plan, phase, date held, coordinator."""
    return [report.issuer.upper(), _t(f"review.kind.{report.kind}", lang), report.title,
            _t("review.plan", lang, number=report.plan_number, title=report.plan_title),
            _t("review.phase", lang, number=report.phase_number, name=report.phase_name,
               start=_day(report.phase_start), end=_day(report.phase_end)),
            _t(f"review.held.{report.kind}", lang, date=_day(report.held_on)),
            _t("review.coordinator", lang, unit=report.coordinator)]


def summary(report: ReviewReport, lang: str) -> str:
    """Counts of activities, accepted, cancelled, on time, late; the ids not completed."""
    lines = report.activities
    text = _t("review.summary", lang, total=len(lines),
              accepted=sum(a.state == "accepted" for a in lines), cancelled=sum(a.state == "cancelled" for a in lines),
              on_time=sum(a.on_time is True for a in lines), late=sum(a.on_time is False for a in lines))
    if report.not_completed:
        rest = _t("review.not_completed", lang, n=len(report.not_completed), ids=", ".join(report.not_completed))
    else:
        rest = _t("review.all_completed", lang)
    return f"{text} {rest}"


def led_by(report: ReviewReport, unit: str) -> list[ActivityLine]:
    """The activities ``unit`` leads."""
    return [a for a in report.activities if unit in a.leads]


# --- Markdown -------------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """A Markdown table cell: pipes and '<' escaped, line breaks as <br>."""
    return text.replace("<", "&lt;").replace("|", "\\|").replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(_cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _md_section(section: ContentSection, lang: str) -> list[str]:
    rows = [activity_row(a, lang) for a in section.activities]
    return ["", f"## {_t('review.content', lang, number=section.number, title=section.title)}", "",
            *_md_table(header(lang, ACTIVITY_COLUMNS), rows)]


def _md_units(report: ReviewReport, lang: str) -> list[str]:
    out = ["", f"## {_t('review.by_unit', lang)}"]
    for unit in report.units:
        out += ["", f"### {_unit_label(unit)}", ""]
        lines = led_by(report, unit.unit)
        out += [f"- {_outcome(a, lang)}" for a in lines]
        out += [] if lines else [f"- {_t('review.unit_none', lang)}"]
    out += ["", f"### {_t('review.totals', lang)}", ""]
    return out + _md_table(header(lang, UNIT_COLUMNS), [unit_row(u, lang) for u in report.units])


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
    if report.anchors:
        out += ["", f"## {_t('anchor.heading', lang)}", "", *(f"- `{line}`" for line in report.anchors)]
    return "\n".join(out) + "\n"


# --- Word -----------------------------------------------------------------------------------------------------


def _setup(doc: Document) -> None:
    """Times New Roman 13 pt (Vietnamese glyphs), landscape pages for the wide tables."""
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width


def _para(doc: Document, text: str, *, bold: bool = False, center: bool = False) -> None:
    paragraph = doc.add_paragraph()
    paragraph.add_run(text).bold = bold
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _docx_table(doc: Document, head: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A 'Table Grid' table with a bold header row; cells at 10 pt."""
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head):
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    for row in table.rows:
        for cell in row.cells:
            for run in (r for p in cell.paragraphs for r in p.runs):
                run.font.size = Pt(10)
    return table


def _save(doc: Document, path: Path) -> None:
    """Save readable by the owner only (0o600), creating parent directories."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        doc.save(out)
    os.chmod(path, 0o600)


def write_docx(report: ReviewReport, path: Path, lang: str | None = None) -> Path:
    """The review report as a Word document at ``path`` (mode 0o600); returns ``path``."""
    lang, path = _lang(lang), Path(path)
    doc = docx.Document()
    _setup(doc)
    issuer, kind, title, *details = title_lines(report, lang)
    _para(doc, issuer, bold=True)
    _para(doc, kind, bold=True, center=True)
    _para(doc, title, bold=True, center=True)
    for line in details:
        _para(doc, line)
    _para(doc, _t("review.summary_heading", lang), bold=True)
    _para(doc, summary(report, lang))
    for section in report.contents:
        _para(doc, _t("review.content", lang, number=section.number, title=section.title), bold=True)
        _docx_table(doc, header(lang, ACTIVITY_COLUMNS), [activity_row(a, lang) for a in section.activities])
    _para(doc, _t("review.by_unit", lang), bold=True)
    for unit in report.units:
        lines = led_by(report, unit.unit)
        _para(doc, _unit_label(unit), bold=True)
        for a in lines:
            _para(doc, _outcome(a, lang))
        if not lines:
            _para(doc, _t("review.unit_none", lang))
    _para(doc, _t("review.totals", lang), bold=True)
    _docx_table(doc, header(lang, UNIT_COLUMNS), [unit_row(u, lang) for u in report.units])
    if report.anchors:
        _para(doc, _t("anchor.heading", lang), bold=True)
        for line in report.anchors:
            _para(doc, line)
    _save(doc, path)
    return path
