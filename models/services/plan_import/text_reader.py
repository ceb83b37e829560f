"""The text form of a decision: tables written one cell per line starting with a tab (a cell continues on the
lines without one; a row ends with an empty line before the next tab), or Markdown tables (``| a | b |``)."""

from __future__ import annotations

import re

from cchc_flow.models.services.plan_import.headings import header_width
from cchc_flow.models.services.plan_import.source import Cell, Row, Source, Table, appendix_caption, clean

_MD_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def read_text(text: str, name: str, sha256: str) -> Source:
    """Split the text into paragraphs and tables (tab cells or Markdown pipes)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    source = Source(name=name, sha256=sha256, kind="text")
    i = 0
    while i < len(lines):
        if lines[i].startswith("\t"):
            i = _tab_table(lines, i, source)
        elif lines[i].lstrip().startswith("|") and i + 1 < len(lines) and _MD_RULE.match(lines[i + 1].strip()):
            i = _markdown_table(lines, i, source)
        else:
            if lines[i].strip():
                source.paragraphs.append(clean(lines[i]))
            i += 1
    return source


def _tab_table(lines: list[str], start: int, source: Source) -> int:
    """Read tab cells from ``start`` to the next line that neither starts a cell nor continues one."""
    cells: list[tuple[int, list[str], bool]] = []  # (line, cell lines, a row ends after it)
    i = start
    while i < len(lines):
        line = lines[i]
        if line.startswith("\t"):
            cells.append((i + 1, [line[1:]], False))
        elif line == "":
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if nxt is not None and nxt.startswith("\t"):
                cells[-1] = (cells[-1][0], cells[-1][1], True)
            elif nxt is not None and _continues(lines, i):
                cells[-1][1].append(line)
            else:
                break
        else:  # a line without a tab (or only spaces) goes on with the cell before it
            cells[-1][1].append(line)
        i += 1
    caption = appendix_caption(source.paragraphs)
    table_no = len(source.tables) + 1
    texts = [(line, clean("\n".join(body)), ends) for line, body, ends in cells]
    source.tables.append(Table(rows=_rows(texts, table_no), caption=caption, at=len(source.paragraphs)))
    return i


def _continues(lines: list[str], i: int) -> bool:
    """After an empty line inside a cell, does the table go on: a tab cell comes next, or an empty line that
    ends the row just before one?"""
    for j in range(i + 1, len(lines)):
        if lines[j].startswith("\t"):
            return True
        if lines[j] == "":
            return j + 1 < len(lines) and lines[j + 1].startswith("\t")
    return False


def _rows(cells: list[tuple[int, str, bool]], table_no: int) -> list[Row]:
    """Rows as the empty lines end them; where they do not (no empty line between rows), rows of the header's
    width. A row of one cell is a section row across the table."""
    blocks: list[list[tuple[int, str, bool]]] = [[]]
    for cell in cells:
        blocks[-1].append(cell)
        if cell[2]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    width = header_width([[text for _, text, _ in b] for b in blocks])
    if width and any(len(b) not in (1, width) for b in blocks):
        flat = [c for b in blocks for c in b]
        blocks = [flat[k : k + width] for k in range(0, len(flat), width)]
    out = []
    for index, block in enumerate(blocks, 1):
        across = len(block) == 1 and (width or 0) > 1
        texts = [text for _, text, _ in block]
        out.append(
            Row(cells=tuple(Cell(t) for t in texts), table=table_no, index=index, line=block[0][0], across=across)
        )
    return out


def _markdown_table(lines: list[str], start: int, source: Source) -> int:
    rows: list[Row] = []
    table_no = len(source.tables) + 1
    i = start
    while i < len(lines) and lines[i].lstrip().startswith("|"):
        if not _MD_RULE.match(lines[i].strip()):
            parts = lines[i].strip().strip("|").split("|")
            cells = tuple(Cell(clean(p.replace("<br>", "\n").replace("<br/>", "\n"))) for p in parts)
            rows.append(Row(cells=cells, table=table_no, index=len(rows) + 1, line=i + 1))
        i += 1
    source.tables.append(Table(rows=rows, caption=appendix_caption(source.paragraphs), at=len(source.paragraphs)))
    return i
