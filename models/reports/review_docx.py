"""The review report as a Word document in the State's administrative format (Nghị định 30/2020/NĐ-CP, Phụ lục I).

A4 portrait, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 13 pt; the header block (issuing
body beside the national name and motto), number and symbol, place and date, type and summary, body, signer and
"Nơi nhận"; page numbers from page 2, centred in the top margin. The activity tables, too wide for a portrait page,
sit in a landscape section of their own. Tables have widths by content, a header row repeated on every page, rows
that do not split, and their heading kept with them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from cchc_flow.models.reports.review_render import (
    SERIES_COLUMNS,
    _lang,
    activity_cells,
    evidence_lines,
    explanation_lines,
    grand_total,
    header,
    led_by,
    outcome,
    phase_line,
    series_rows,
    summary,
    unit_row,
    unit_title,
)
from cchc_flow.models.rules.messages import t as _t
from cchc_flow.models.rules.review_report import Office, ReviewReport
from cchc_flow.models.rules.scores import formula, score_rows

if TYPE_CHECKING:
    from docx.section import Section
    from docx.table import _Cell, _Row

FONT = "Times New Roman"
LANGUAGE = {"vi": "vi-VN", "en": "en-GB"}
A4 = (Mm(210), Mm(297))
MARGINS = {"top": Mm(20), "bottom": Mm(20), "left": Mm(30), "right": Mm(15)}
# The activity table (landscape: 297 - 30 - 15 = 252 mm of text width): text columns wide, codes and dates narrow.
ACTIVITY_TABLE = (
    ("col.id", 13),
    ("col.activity", 70),
    ("col.lead", 26),
    ("col.partners", 26),
    ("col.due", 19),
    ("col.state", 20),
    ("col.assigned", 19),
    ("col.reported", 19),
    ("col.accepted", 19),
    ("col.timeliness", 18),
)
UNIT_TABLE = (
    ("col.unit", 50),
    ("col.led", 15),
    ("col.n_accepted", 15),
    ("col.n_on_time", 15),
    ("col.n_late", 14),
    ("col.n_not_reported", 15),
    ("col.n_cancelled", 13),
    ("col.on_time_rate", 28),
)  # 165 mm: portrait
SCORE_TABLE = (
    ("score.rank", 11),
    ("col.unit", 33),
    ("score.counted", 13),
    ("score.on_time", 12),
    ("score.late", 12),
    ("score.overdue", 12),
    ("score.extended", 12),
    ("score.explanations", 14),
    ("score.completion", 15),
    ("score.punctuality", 15),
    ("score.score", 12),
)  # 161 mm: portrait
SERIES_TABLE = tuple(zip(SERIES_COLUMNS, (20, 22, 20, 22, 16, 65), strict=True))  # 165 mm: portrait
LATER_PARTS = ("III", "IV", "V")  # the body's parts after I (overall) and II (by lead unit), numbered as they appear
TABLE_PT = 10.5
TEXT_COLUMNS = {
    "col.activity",
    "col.unit",
    "review.series_missed",
}  # left-aligned; codes, dates and figures are centred


def text_columns(columns: Sequence[tuple[str, float]]) -> set[int]:
    """The positions of the columns that hold running text."""
    return {i for i, (key, _) in enumerate(columns) if key in TEXT_COLUMNS}


def vn_date(place: str, day: date, lang: str) -> str:
    """'Hà Nội, ngày 26 tháng 01 năm 2015': a day under 10 and the months 1 and 2 take a leading zero."""
    if lang == "en":
        return f"{place}, {day.day} {day.strftime('%B')} {day.year}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _fonts(rpr: Any, lang: str) -> None:
    """Times New Roman for every script and the text's language, on a style's or the defaults' run properties."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    tag = OxmlElement("w:lang")
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        tag.set(qn(attr), lang)
    rpr.append(tag)


def _styles(doc: Document, lang: str) -> None:
    """Normal: Times New Roman 13 pt, justified, 6 pt after; Heading 1-2 the same font, bold, black."""
    code = LANGUAGE[lang]
    _fonts(doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")), code)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    _fonts(normal.element.get_or_add_rPr(), code)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    for level, size in ((1, 13), (2, 13)):
        style = doc.styles[f"Heading {level}"]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(size), True
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(style.element.get_or_add_rPr(), code)
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(6), Pt(6)
        style.paragraph_format.keep_with_next = True


def _page(section: Section, landscape: bool = False) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    width, height = A4
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    for side, value in MARGINS.items():
        setattr(section, f"{side}_margin", value)
    section.header_distance = Mm(10)


def _page_numbers(section: Section) -> None:
    """The page number centred in the top margin, from page 2 (the first page has an empty header)."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _para(
    container: Any,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    align: Any = None,
    indent: bool = False,
    after: float | None = None,
    keep: bool = False,
) -> Paragraph:
    paragraph = container.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        if size:
            run.font.size = Pt(size)
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    if indent:
        fmt.first_line_indent = Mm(10)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if after is not None:
        fmt.space_after = Pt(after)
    if keep:
        fmt.keep_with_next = True
    return paragraph


def _cell_paragraph(
    cell: _Cell, text: str, *, bold: bool = False, size: float = TABLE_PT, align: Any = None, italic: bool = False
) -> Paragraph:
    paragraph = (
        cell.paragraphs[0]
        if not cell.paragraphs[0].text and len(cell.paragraphs[0].runs) == 0
        else cell.add_paragraph()
    )
    run = paragraph.add_run(text)
    run.bold, run.italic = bold or None, italic or None
    run.font.size = Pt(size)
    fmt = paragraph.paragraph_format
    fmt.space_after, fmt.space_before, fmt.line_spacing = Pt(0), Pt(0), 1.0
    fmt.first_line_indent = None
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    table._tbl.tblPr.append(borders)


def _fixed(table: Table, widths_mm: Sequence[float]) -> None:
    """Fixed layout with the given column widths (on the grid and on every cell, as Word and LibreOffice read)."""
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(int(Mm(1).twips)))  # 1 mm each side: "31/12/2014" fits 19 mm unbroken
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    table._tbl.tblPr.append(margins)
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)


def _row_properties(row: _Row, *, header: bool = False) -> None:
    """Rows never split across pages; the header row is repeated on every page."""
    props = row._tr.get_or_add_trPr()
    props.append(OxmlElement("w:cantSplit"))
    if header:
        props.append(OxmlElement("w:tblHeader"))


def _data_table(
    doc: Document,
    columns: Sequence[tuple[str, float]],
    rows: Sequence[Sequence[str]],
    lang: str,
    bold_last: bool = False,
) -> Table:
    """A grid table: bold centred header repeated on every page, rows kept whole, widths by content."""
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header(lang, [key for key, _ in columns])):
        _cell_paragraph(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _row_properties(table.rows[0], header=True)
    for i, values in enumerate(rows):
        row = table.add_row()
        _row_properties(row)
        last = bold_last and i == len(rows) - 1
        for j, (cell, text) in enumerate(zip(row.cells, values)):
            _cell_paragraph(
                cell, text, bold=last, align=None if j in text_columns(columns) else WD_ALIGN_PARAGRAPH.CENTER
            )
    _fixed(table, [w for _, w in columns])
    return table


def _header_block(doc: Document, office: Office, report: ReviewReport, lang: str) -> None:
    """Issuing body and number (left) beside the national name, motto, place and date (right)."""
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    _cell_paragraph(left, office.ministry.upper(), size=12, align=center)
    _cell_paragraph(left, office.unit.upper(), bold=True, size=12, align=center)
    _cell_paragraph(left, "———", size=8, align=center)
    _cell_paragraph(left, _t("doc.number", lang, symbol=office.symbol), size=13, align=center)
    _cell_paragraph(right, _t("doc.nation", lang), bold=True, size=12, align=center)
    _cell_paragraph(right, _t("doc.motto", lang), bold=True, size=13, align=center)
    _cell_paragraph(right, "—————————", size=8, align=center)
    _cell_paragraph(right, vn_date(office.place, report.held_on, lang), italic=True, size=13, align=center)
    _fixed(table, (62, 103))


def _signature_block(doc: Document, office: Office, lang: str) -> None:
    """'Nơi nhận:' and its list (left), the signer's title, room to sign and name (right)."""
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    _cell_paragraph(left, _t("doc.recipients", lang), bold=True, italic=True, size=12)
    for i, name in enumerate(office.recipients):
        end = "." if i == len(office.recipients) - 1 else ";"
        _cell_paragraph(left, f"- {name.rstrip(';.')}{end}", size=11)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _cell_paragraph(right, office.signer_title.upper(), bold=True, size=13, align=center)
    for _ in range(4):
        _cell_paragraph(right, "", size=13)
    _cell_paragraph(right, office.signer_name, bold=True, size=13, align=center)
    _fixed(table, (80, 85))
    for row in table.rows:
        _row_properties(row)


def _properties(doc: Document, report: ReviewReport, office: Office, lang: str) -> None:
    props = doc.core_properties
    props.author = props.last_modified_by = office.author
    props.title = f"{_t(f'review.kind.{report.kind}', lang)}: {report.title}"
    props.subject = _t("review.plan", lang, number=report.plan_number, title=report.plan_title)
    props.language = LANGUAGE[lang]
    props.created = props.modified = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    props.revision = 1
    props.comments = ""
    props.keywords = report.plan_number


def default_office(report: ReviewReport) -> Office:
    return report.office or Office(
        ministry=report.issuer,
        unit=report.issuer,
        symbol=report.coordinator,
        place="Hà Nội",
        signer_title=_t("office.signer_default"),
    )


def build_docx(report: ReviewReport, lang: str | None = None) -> Document:
    """The review report as a python-docx Document in the administrative format."""
    lang = _lang(lang)
    office = default_office(report)
    doc = docx.Document()
    _styles(doc, lang)
    first = doc.sections[0]
    _page(first)
    _page_numbers(first)
    _properties(doc, report, office, lang)

    _header_block(doc, office, report, lang)
    _para(doc, after=6)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, _t("doc.type", lang), bold=True, size=14, align=center, after=0, keep=True)
    _para(doc, report.title, bold=True, size=14, align=center, after=12)
    _para(
        doc,
        _t(
            "doc.intro",
            lang,
            plan=report.plan_title,
            number=report.plan_number,
            unit=office.unit,
            phase=phase_line(report, lang),
        ),
        indent=True,
    )

    doc.add_heading(_t("doc.part.summary", lang), level=1)
    _para(doc, summary(report, lang), indent=True)
    _para(
        doc,
        _t(f"review.held.{report.kind}", lang, date=report.held_on.strftime("%d/%m/%Y"))
        + "; "
        + _t("review.coordinator", lang, unit=report.coordinator_name or report.coordinator)
        + ".",
        indent=True,
    )

    doc.add_heading(_t("doc.part.units", lang), level=1)
    rows = [unit_row(u, lang) for u in (*report.units, grand_total(report))]
    _data_table(doc, UNIT_TABLE, rows, lang, bold_last=True)
    _para(doc, _t("review.rate_note", lang), italic=True, size=11, indent=True)
    for unit in report.units:
        doc.add_heading(unit_title(unit), level=2)
        lines = led_by(report, unit.unit)
        for line in lines:
            _para(doc, f"- {outcome(line, lang)}", indent=True)
        if not lines:
            _para(doc, _t("review.unit_none", lang), indent=True)
    numbers = iter(LATER_PARTS)
    if report.series:  # recurring and per-unit activities counted over their items, the missed ones listed
        doc.add_heading(_t("doc.part.series", lang, n=next(numbers)), level=1)
        _data_table(doc, SERIES_TABLE, series_rows(report, lang)[1], lang)
    if report.scores:  # the units' ranking, with the formula and the weights it was computed with
        doc.add_heading(_t("doc.part.scores", lang, n=next(numbers)), level=1)
        _data_table(doc, SCORE_TABLE, score_rows(list(report.scores), lang)[1], lang)
        _para(doc, formula(report.score_weights, lang), italic=True, size=11, indent=True)
    if report.explanations:
        doc.add_heading(_t("doc.part.explanations", lang, n=next(numbers)), level=1)
        for explained in explanation_lines(report, lang):
            _para(doc, f"- {explained}", indent=True)

    _para(doc, after=6)
    _signature_block(doc, office, lang)

    wide = doc.add_section(WD_SECTION.NEW_PAGE)  # the appendix: activity by activity, on landscape pages
    _page(wide, landscape=True)
    wide.different_first_page_header_footer = False
    _para(doc, _t("doc.appendix", lang), bold=True, size=14, align=center, after=0, keep=True)
    _para(
        doc,
        _t("doc.appendix_of", lang, symbol=office.symbol, date=report.held_on.strftime("%d/%m/%Y"), unit=office.unit),
        italic=True,
        align=center,
        after=6,
        keep=True,
    )
    for section in report.contents:
        doc.add_heading(_t("review.content", lang, number=section.number, title=section.title), level=2)
        _data_table(doc, ACTIVITY_TABLE, [activity_cells(a, lang) for a in section.activities], lang)
        evidence = [(a.key, e) for a in section.activities for e in evidence_lines(a, lang)]
        if evidence:
            _para(doc, _t("doc.evidence", lang), italic=True, size=11, keep=True, after=0)
            for key, text in evidence:
                _para(doc, f"{key}: {text}", size=11, after=0)
        _para(doc, after=6)
    if report.anchors:  # the history's chain heads when filed: an auditor checks them later (models/store/anchors.py)
        _para(doc, _t("anchor.heading", lang), italic=True, size=10, keep=True, after=0)
        for anchor in report.anchors:
            _para(doc, anchor, size=9, after=0)
    return doc


def write_docx(report: ReviewReport, path: Path, lang: str | None = None) -> Path:
    """The review report as a Word document at ``path`` (mode 0o600); returns ``path``."""
    path = Path(path)
    doc = build_docx(report, lang)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        doc.save(out)
    os.chmod(path, 0o600)
    return path
