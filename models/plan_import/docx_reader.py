"""Word (.docx) documents: paragraphs and tables in document order, each merged cell read once."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from models.plan_import.source import Cell, Row, Source, Table, appendix_caption, clean


def _cell_text(tc) -> str:  # type: ignore[no-untyped-def]
    return clean("\n".join(Paragraph(p, None).text for p in tc.iter(qn("w:p"))))


def _table(tbl, number: int) -> list[Row]:  # type: ignore[no-untyped-def]
    """Rows of one grid cell each: a cell merged across fills its first column (the others stay empty); a cell
    merged down (vMerge continue, the same cell as the one above) is marked continued and not read again."""
    width = len(tbl.tblGrid.gridCol_lst) if tbl.tblGrid is not None else 0
    rows = []
    for index, tr in enumerate(tbl.tr_lst, 1):
        cells: list[Cell] = [Cell("")] * (tr.grid_before or 0)
        tcs = tr.tc_lst
        for tc in tcs:
            span = max(tc.grid_span, 1)
            if tc.vMerge == "continue":
                cells.append(Cell("", continued=True))
            else:
                cells.append(Cell(_cell_text(tc)))
            cells.extend([Cell("")] * (span - 1))
        width = max(width, len(cells))
        across = len(tcs) == 1 and max(tcs[0].grid_span, 1) > 1
        rows.append(Row(cells=tuple(cells), table=number, index=index, across=across))
    return [Row(cells=r.cells + (Cell(""),) * (width - len(r.cells)), table=r.table, index=r.index,
                across=r.across) for r in rows]


def read_docx(path: Path, name: str, sha256: str) -> Source:
    """The document's body in order: paragraphs outside tables, and tables (nested tables are not read)."""
    document = Document(str(path))
    source = Source(name=name, sha256=sha256, kind="docx")
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = clean(Paragraph(child, None).text)
            if text:
                source.paragraphs.append(text)
        elif child.tag == qn("w:tbl"):
            source.tables.append(Table(rows=_table(child, len(source.tables) + 1),
                                       caption=appendix_caption(source.paragraphs)))
    return source
