"""PDF documents with a text layer (as published in the gazette): tables found by their ruling lines, each cell's
lines joined where the text only wrapped (the next word would not have fitted) and kept where the line ended."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pdfplumber

from cchc_flow.models.rules.messages import t
from cchc_flow.models.services.plan_import.source import (
    Cell,
    ImportRefused,
    Row,
    Source,
    Table,
    appendix_caption,
    clean,
)

_BULLET = re.compile(r"^\s*[-+•*]")


def _cell_text(page: Any, bbox: tuple[float, float, float, float]) -> str:
    lines = page.crop(bbox, strict=False).extract_text_lines(strip=True, return_chars=True)
    if not lines:
        return ""
    padding = max(min(line["x0"] for line in lines) - bbox[0], 0.5)
    right = bbox[2] - padding
    out = lines[0]["text"]
    for prev, line in zip(lines, lines[1:], strict=False):
        chars = line["chars"]
        first_word = line["text"].split(" ", 1)[0]
        word_end = chars[min(len(first_word), len(chars)) - 1]["x1"] if chars else line["x0"]
        size = chars[0].get("size", 10) if chars else 10
        would_fit = prev["x1"] + 0.28 * size + (word_end - line["x0"]) <= right - 0.5
        out += "\n" if would_fit or _BULLET.match(line["text"]) else " "
        out += line["text"]
    return clean(out)


def read_pdf(path: Path, name: str, sha256: str) -> Source:
    """Paragraphs (the text outside tables) and tables, page by page; refuses encrypted and scanned PDFs."""
    source = Source(name=name, sha256=sha256, kind="pdf")
    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer raises many kinds for a broken file
        raise ImportRefused(t("imp.pdf_broken", name=name, detail=type(exc).__name__)) from None
    with pdf:
        if getattr(pdf.doc, "encryption", None):
            raise ImportRefused(t("imp.pdf_encrypted", name=name))
        try:
            if not any(page.chars for page in pdf.pages):
                raise ImportRefused(t("imp.pdf_scanned", name=name))
            for page_no, page in enumerate(pdf.pages, 1):
                _page(page, page_no, source)
                page.flush_cache()
        except ImportRefused:
            raise
        except Exception as exc:
            raise ImportRefused(t("imp.pdf_broken", name=name, detail=type(exc).__name__)) from None
    return source


def _page(page: Any, page_no: int, source: Source) -> None:
    found = page.find_tables()
    boxes = [tb.bbox for tb in found]

    def outside(obj: dict[str, Any]) -> bool:
        return not any(
            b[0] <= obj["x0"] and obj["x1"] <= b[2] and b[1] <= obj["top"] and obj["bottom"] <= b[3] for b in boxes
        )

    items: list[tuple[float, str, Any]] = []
    for line in page.filter(outside).extract_text_lines(strip=True):
        items.append((line["top"], "p", clean(line["text"])))
    for tb in found:
        items.append((tb.bbox[1], "t", tb))
    for _, kind, item in sorted(items, key=lambda x: x[0]):
        if kind == "p":
            if item:
                source.paragraphs.append(item)
            continue
        number = len(source.tables) + 1
        rows = []
        for index, row in enumerate(item.rows, 1):
            present = [c for c in row.cells if c is not None]
            cells = tuple(Cell(_cell_text(page, c)) if c is not None else Cell("", continued=True) for c in row.cells)
            rows.append(
                Row(
                    cells=cells,
                    table=number,
                    index=index,
                    page=page_no,
                    across=len(present) == 1 and len(row.cells) > 1,
                )
            )
        source.tables.append(Table(rows=rows, caption=appendix_caption(source.paragraphs), at=len(source.paragraphs)))
