"""The review report as PDF (fpdf2, no office suite), laid out as the Word rendition (models/reports/review_docx.py).

A4 portrait with the same margins, header block, body, signer and "Nơi nhận"; the appendix of activity tables on
landscape pages; page numbers from page 2, centred in the top margin; bookmarks for the headings. It needs a serif
TrueType font with the Vietnamese letters: Times New Roman where installed, else Liberation Serif (same metrics;
Debian's fonts-liberation2), else DejaVu Serif, or the four files named by CCHC_PDF_FONT_DIR; none is a clear error.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from fontTools.ttLib import TTFont
from fpdf import FPDF, FontFace

from cchc_flow.models.reports.review_docx import (
    ACTIVITY_TABLE,
    LANGUAGE,
    LATER_PARTS,
    MARGINS,
    SCORE_TABLE,
    SERIES_TABLE,
    TABLE_PT,
    UNIT_TABLE,
    default_office,
    text_columns,
    vn_date,
)
from cchc_flow.models.reports.review_render import (
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
from cchc_flow.settings import get_settings

FAMILY = "serif"
VIETNAMESE = "ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
STYLES = ("", "B", "I", "BI")
# (regular, bold, italic, bold italic), first found wins
FONT_FILES = (
    (
        "/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman.ttf",
        "/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman_Bold.ttf",
        "/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman_Italic.ttf",
        "/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman_Bold_Italic.ttf",
    ),
    *(
        (
            f"{d}/LiberationSerif-Regular.ttf",
            f"{d}/LiberationSerif-Bold.ttf",
            f"{d}/LiberationSerif-Italic.ttf",
            f"{d}/LiberationSerif-BoldItalic.ttf",
        )
        for d in ("/usr/share/fonts/truetype/liberation", "/usr/share/fonts/truetype/liberation2")
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-BoldItalic.ttf",
    ),
)
LINE = 6.0  # mm per line of 13 pt body text
TABLE_LINE = 4.6  # mm per line in tables


class FontMissing(RuntimeError):
    """No font with the Vietnamese letters was found; the message says what to install."""


def _has_vietnamese(path: str) -> bool:
    try:
        with TTFont(path, lazy=True) as font:
            cmap = font.getBestCmap() or {}
    except Exception:
        return False
    return all(ord(c) in cmap for c in VIETNAMESE)


def _family_in(folder: str) -> tuple[str, ...] | None:
    """The four files of a family in ``folder``: *Regular/*Bold/*Italic/*BoldItalic.ttf (or the family's own)."""
    files = sorted(Path(folder).glob("*.ttf"))

    def pick(*ends: str) -> str | None:
        return next((str(f) for f in files if any(f.stem.lower().endswith(e) for e in ends)), None)

    found = (
        pick("regular", "-roman"),
        pick("-bold", "_bold", "bd"),
        pick("-italic", "_italic", "i"),
        pick("bolditalic", "bold_italic", "bi"),
    )
    return found if all(found) else None  # type: ignore[return-value]


def find_font() -> tuple[str, ...]:
    """The (regular, bold, italic, bold italic) font files to write PDFs with; FontMissing when there is none."""
    candidates: list[tuple[str, ...]] = list(FONT_FILES)
    folder = get_settings().pdf_font_dir
    if folder is not None:
        family = _family_in(str(folder))
        candidates = [family] if family else []
    for files in candidates:
        if all(Path(f).is_file() for f in files) and all(_has_vietnamese(f) for f in files):
            return files
    raise FontMissing(
        _t(
            "pdf.no_font",
            where=str(folder)
            if folder is not None
            else ", ".join(sorted({str(Path(f[0]).parent) for f in FONT_FILES})),
        )
    )


class _Report(FPDF):
    """An A4 document whose pages from the second on carry their number centred in the top margin."""

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FAMILY, "", 13)
            self.set_y(10)
            self.cell(0, 6, str(self.page_no()), align="C")
            self.set_y(MARGINS["top"].mm)


def _new(report: ReviewReport, office: Office, lang: str) -> _Report:
    pdf = _Report(orientation="P", unit="mm", format="A4")
    for style, path in zip(STYLES, find_font()):
        pdf.add_font(FAMILY, style, path)
    pdf.set_margins(left=MARGINS["left"].mm, top=MARGINS["top"].mm, right=MARGINS["right"].mm)
    pdf.set_auto_page_break(True, margin=MARGINS["bottom"].mm)
    pdf.set_author(office.author)
    pdf.set_creator("cchc-flow")
    pdf.set_title(f"{_t(f'review.kind.{report.kind}', lang)}: {report.title}")
    pdf.set_subject(_t("review.plan", lang, number=report.plan_number, title=report.plan_title))
    pdf.set_lang(LANGUAGE[lang])
    pdf.set_creation_date(datetime.now(UTC))
    return pdf


def _text(
    pdf: FPDF,
    text: str,
    *,
    style: str = "",
    size: float = 13,
    align: str = "J",
    height: float = LINE,
    indent: bool = False,
) -> None:
    pdf.set_font(FAMILY, style, size)
    pdf.set_x(pdf.l_margin + (10 if indent else 0))
    pdf.multi_cell(0, height, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, text: str, level: int, room: float = 30) -> None:
    """A heading, bookmarked, never alone at the foot of a page (``room`` mm must follow it on the page)."""
    if pdf.get_y() + LINE + room > pdf.page_break_trigger:
        pdf.add_page(orientation=pdf.cur_orientation.value)
    pdf.start_section(text, level=level)
    pdf.ln(2)
    _text(pdf, text, style="B", align="L")
    pdf.ln(1)


class Line(NamedTuple):
    """One line of a column: its text, style, size and alignment; ``one_line``: never wrapped (the nation's name and
    motto), set smaller when the font in use is too wide for the column."""

    text: str
    style: str
    size: float
    align: str
    one_line: bool = False


SMALLEST = 9.0  # pt: a one-line text is never set smaller


def _column(pdf: FPDF, x: float, width: float, lines: Sequence[Line]) -> float:
    """Lines stacked in a column from the current y; returns the y below them."""
    y = pdf.get_y()
    for text, style, size, align, one_line in lines:
        pdf.set_xy(x, y)
        pdf.set_font(FAMILY, style, size)
        while one_line and size > SMALLEST and pdf.get_string_width(text) > width - 2 * pdf.c_margin:
            size -= 0.5
            pdf.set_font(FAMILY, style, size)
        pdf.multi_cell(width, size * 0.45, text, align=align, new_x="LEFT", new_y="NEXT")
        y = pdf.get_y()
    return y


def _two_columns(pdf: FPDF, left: Sequence[Line], right: Sequence[Line], widths: tuple[float, float]) -> None:
    top = pdf.get_y()
    below_left = _column(pdf, pdf.l_margin, widths[0], left)
    pdf.set_y(top)
    below_right = _column(pdf, pdf.l_margin + widths[0], widths[1], right)
    pdf.set_y(max(below_left, below_right))


def _table(
    pdf: FPDF, columns: Sequence[tuple[str, float]], rows: Sequence[Sequence[str]], lang: str, bold_last: bool = False
) -> None:
    pdf.set_font(FAMILY, "", TABLE_PT)
    left = text_columns(columns)
    with pdf.table(
        col_widths=[w for _, w in columns],
        width=sum(w for _, w in columns),
        line_height=TABLE_LINE,
        text_align="LEFT",
        repeat_headings=1,
        padding=1,
        headings_style=FontFace(emphasis="BOLD"),
    ) as table:
        heading = table.row()
        for text in header(lang, [key for key, _ in columns]):
            heading.cell(text, align="C")
        for i, values in enumerate(rows):
            style = FontFace(emphasis="BOLD") if bold_last and i == len(rows) - 1 else None
            row = table.row(style=style)
            for j, text in enumerate(values):
                row.cell(text, align="L" if j in left else "C")
    pdf.ln(2)


def build_pdf(report: ReviewReport, lang: str | None = None) -> bytes:
    """The review report as PDF bytes."""
    lang = _lang(lang)
    office = default_office(report)
    pdf = _new(report, office, lang)
    pdf.add_page()
    _two_columns(
        pdf,
        [
            Line(office.ministry.upper(), "", 12, "C"),
            Line(office.unit.upper(), "B", 12, "C"),
            Line("———", "", 8, "C"),
            Line(_t("doc.number", lang, symbol=office.symbol), "", 13, "C"),
        ],
        [
            Line(_t("doc.nation", lang), "B", 12, "C", one_line=True),
            Line(_t("doc.motto", lang), "B", 13, "C", one_line=True),
            Line("—————————", "", 8, "C"),
            Line(vn_date(office.place, report.held_on, lang), "I", 13, "C"),
        ],
        (62, 103),
    )
    pdf.ln(8)
    _text(pdf, _t("doc.type", lang), style="B", size=14, align="C")
    _text(pdf, report.title, style="B", size=14, align="C")
    pdf.ln(4)
    _text(
        pdf,
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
    _heading(pdf, _t("doc.part.summary", lang), 0)
    _text(pdf, summary(report, lang), indent=True)
    _text(
        pdf,
        _t(f"review.held.{report.kind}", lang, date=report.held_on.strftime("%d/%m/%Y"))
        + "; "
        + _t("review.coordinator", lang, unit=report.coordinator_name or report.coordinator)
        + ".",
        indent=True,
    )
    _heading(pdf, _t("doc.part.units", lang), 0, room=40)
    _table(pdf, UNIT_TABLE, [unit_row(u, lang) for u in (*report.units, grand_total(report))], lang, bold_last=True)
    _text(pdf, _t("review.rate_note", lang), style="I", size=11, indent=True, height=5)
    for unit in report.units:
        _heading(pdf, unit_title(unit), 1, room=12)
        lines = led_by(report, unit.unit)
        for line in lines:
            _text(pdf, f"- {outcome(line, lang)}", indent=True)
        if not lines:
            _text(pdf, _t("review.unit_none", lang), indent=True)
    numbers = iter(LATER_PARTS)
    if report.series:  # recurring and per-unit activities counted over their items, the missed ones listed
        _heading(pdf, _t("doc.part.series", lang, n=next(numbers)), 0, room=40)
        _table(pdf, SERIES_TABLE, series_rows(report, lang)[1], lang)
    if report.scores:  # the units' ranking, with the formula and the weights it was computed with
        _heading(pdf, _t("doc.part.scores", lang, n=next(numbers)), 0, room=40)
        _table(pdf, SCORE_TABLE, score_rows(list(report.scores), lang)[1], lang)
        _text(pdf, formula(report.score_weights, lang), style="I", size=11, indent=True, height=5)
    if report.explanations:
        _heading(pdf, _t("doc.part.explanations", lang, n=next(numbers)), 0, room=20)
        for explained in explanation_lines(report, lang):
            _text(pdf, f"- {explained}", indent=True)
    pdf.ln(4)
    if pdf.get_y() + 45 > pdf.page_break_trigger:
        pdf.add_page()
    last = len(office.recipients) - 1
    _two_columns(
        pdf,
        [
            Line(_t("doc.recipients", lang), "BI", 12, "L"),
            *(
                Line(f"- {r.rstrip(';.')}{'.' if i == last else ';'}", "", 11, "L")
                for i, r in enumerate(office.recipients)
            ),
        ],
        [
            Line(office.signer_title.upper(), "B", 13, "C"),
            Line("\n\n\n\n", "", 13, "C"),
            Line(office.signer_name, "B", 13, "C"),
        ],
        (80, 85),
    )

    pdf.add_page(orientation="L")
    _text(pdf, _t("doc.appendix", lang), style="B", size=14, align="C")
    _text(
        pdf,
        _t("doc.appendix_of", lang, symbol=office.symbol, date=report.held_on.strftime("%d/%m/%Y"), unit=office.unit),
        style="I",
        align="C",
    )
    for section in report.contents:
        _heading(pdf, _t("review.content", lang, number=section.number, title=section.title), 1, room=25)
        _table(pdf, ACTIVITY_TABLE, [activity_cells(a, lang) for a in section.activities], lang)
        evidence = [(a.key, e) for a in section.activities for e in evidence_lines(a, lang)]
        if evidence:
            _text(pdf, _t("doc.evidence", lang), style="I", size=11, height=5)
            for key, text in evidence:
                _text(pdf, f"{key}: {text}", size=11, height=5, align="L")
        pdf.ln(3)
    if report.anchors:
        _text(pdf, _t("anchor.heading", lang), style="I", size=10, height=5, align="L")
        for anchor in report.anchors:
            _text(pdf, anchor, size=9, height=4.5, align="L")
    return bytes(pdf.output())


def write_pdf(report: ReviewReport, path: Path, lang: str | None = None) -> Path:
    """The review report as PDF at ``path`` (mode 0o600); returns ``path``."""
    path = Path(path)
    data = build_pdf(report, lang)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)
    return path
