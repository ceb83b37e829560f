"""Word (.docx) documents: paragraphs and tables in document order, each merged cell read once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn

from cchc_flow.models.services.plan_import.source import Cell, Row, Source, Table, appendix_caption, clean

_P, _T, _TAB, _BR, _CR = qn("w:p"), qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_BREAK_TYPE = qn("w:type")


def _text(p: Any) -> str:
    """A paragraph's text as Paragraph.text gives it (tabs, line breaks), read straight from the XML: python-docx's
    xpath per run costs seconds at thousands of rows."""
    out = []
    for el in p.iter(_T, _TAB, _BR, _CR):
        if el.tag == _T:
            out.append(el.text or "")
        elif el.tag == _TAB:
            out.append("\t")
        elif el.tag == _CR or el.get(_BREAK_TYPE) in (None, "textWrapping"):
            out.append("\n")
    return "".join(out)


def _cell_text(tc: Any) -> str:
    return clean("\n".join(_text(p) for p in tc.iter(_P)))


_TC, _TR, _TCPR, _TRPR, _VAL = qn("w:tc"), qn("w:tr"), qn("w:tcPr"), qn("w:trPr"), qn("w:val")


def _prop(el: Any, props: str, name: str) -> str | None:
    """The w:val of a cell's or row's property (``""`` when present without one, None when absent)."""
    holder = el.find(props)
    found = holder.find(qn(name)) if holder is not None else None
    return None if found is None else found.get(_VAL, "")


def _table(tbl: Any, number: int) -> list[Row]:
    """Rows of one grid cell each: a cell merged across fills its first column (the others stay empty); a cell
    merged down (vMerge continue, the same cell as the one above) is marked continued and not read again.
    Read from the XML as python-docx stores it (w:gridSpan, w:vMerge), without building a cell object per
    grid position."""
    width = len(tbl.tblGrid.gridCol_lst) if tbl.tblGrid is not None else 0
    rows = []
    for index, tr in enumerate(tbl.iterchildren(_TR), 1):
        before = _prop(tr, _TRPR, "w:gridBefore")
        cells: list[Cell] = [Cell("")] * (int(before) if before and before.isdigit() else 0)
        tcs = list(tr.iterchildren(_TC))
        spans = []
        for tc in tcs:
            grid_span = _prop(tc, _TCPR, "w:gridSpan")
            span = max(int(grid_span), 1) if grid_span and grid_span.isdigit() else 1
            spans.append(span)
            merge = _prop(tc, _TCPR, "w:vMerge")
            continued = merge is not None and merge != "restart"  # <w:vMerge/> means continue
            cells.append(Cell("", continued=True) if continued else Cell(_cell_text(tc)))
            cells.extend([Cell("")] * (span - 1))
        width = max(width, len(cells))
        rows.append(Row(cells=tuple(cells), table=number, index=index, across=len(tcs) == 1 and spans[0] > 1))
    return [
        Row(cells=r.cells + (Cell(""),) * (width - len(r.cells)), table=r.table, index=r.index, across=r.across)
        for r in rows
    ]


def read_docx(path: Path, name: str, sha256: str) -> Source:
    """The document's body in order: paragraphs outside tables, and tables (nested tables are not read)."""
    document = Document(str(path))
    source = Source(name=name, sha256=sha256, kind="docx")
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = clean(_text(child))
            if text:
                source.paragraphs.append(text)
        elif child.tag == qn("w:tbl"):
            source.tables.append(
                Table(
                    rows=_table(child, len(source.tables) + 1),
                    caption=appendix_caption(source.paragraphs),
                    at=len(source.paragraphs),
                )
            )
    return source
