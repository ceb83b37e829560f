"""Plan documents made by the tests: the 3723 appendix as .docx and .pdf from the seed text, and small tables."""

from __future__ import annotations

from pathlib import Path

from docx import Document

from cchc_flow.models.services.plan_import.text_reader import read_text

SEED = Path(__file__).resolve().parents[2] / "shared" / "plans" / "byt-3723-2013-2015.txt"
if not SEED.is_file():
    SEED = Path("/work/shared/plans/byt-3723-2013-2015.txt")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def seed_parts() -> tuple[list[str], list[list[str]]]:
    """The seed's paragraphs and the appendix table's rows (header first), as the text form gives them."""
    source = read_text(SEED.read_text(encoding="utf-8"), SEED.name, "")
    return source.paragraphs, [[c.text for c in r.cells] for r in source.tables[0].rows]


def _fill(cell, text: str) -> None:  # type: ignore[no-untyped-def]
    """The cell's text as paragraphs, one per line (blank lines kept, as the plan writes unit cells)."""
    lines = text.split("\n")
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def merge_down(table, col: int, first: int, last: int) -> None:  # type: ignore[no-untyped-def]
    if last > first:
        table.cell(first, col).merge(table.cell(last, col))


def docx_of(
    path: Path,
    rows: list[list[str]],
    paragraphs: list[str] = (),
    merge_cols: tuple[int, ...] = (),
    after: list[str] = (),
) -> Path:
    """A .docx with ``paragraphs``, one table of ``rows`` (in ``merge_cols`` an empty cell is merged into the
    cell above, as Word's vMerge does), then ``after``."""
    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    table = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            if text:
                _fill(table.cell(i, j), text)
    for col in merge_cols:
        start = 1
        for i in range(2, len(rows) + 1):
            if i == len(rows) or rows[i][col]:
                merge_down(table, col, start, i - 1)
                start = i
    for p in after:
        doc.add_paragraph(p)
    doc.save(str(path))
    return path


def seed_docx(path: Path) -> Path:
    """The 3723 decision as Word lays it out: its text, then the appendix with phase and content cells merged."""
    paragraphs, rows = seed_parts()
    return docx_of(path, rows, paragraphs, merge_cols=(0, 1))


def pdf_of(
    path: Path,
    rows: list[list[str]],
    paragraphs: list[str] = (),
    widths: tuple[int, ...] | None = None,
    size: float = 7,
    merge_cols: tuple[int, ...] = (),
    repeat_headings: int = 1,
) -> Path:
    """A PDF drawn with fpdf2 and DejaVu Sans: the paragraphs, then the table (headings repeated on each page); in
    ``merge_cols`` a cell spans the empty cells below it (rowspan)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_font("DejaVu", style="B", fname=str(FONT.with_name("DejaVuSans-Bold.ttf")))
    pdf.set_font("DejaVu", size=size)
    pdf.add_page()
    for p in paragraphs:
        pdf.multi_cell(0, 5, p, new_x="LMARGIN", new_y="NEXT")
    with pdf.table(
        col_widths=widths, text_align="LEFT", repeat_headings=repeat_headings, line_height=size * 0.5
    ) as table:
        for i, row in enumerate(rows):
            r = table.row()
            for j, text in enumerate(row):
                if i == 0 or j not in merge_cols:
                    r.cell(text)
                elif text:
                    n = 1
                    while i + n < len(rows) and not rows[i + n][j]:
                        n += 1
                    r.cell(text, rowspan=n)
    pdf.output(str(path))
    return path
