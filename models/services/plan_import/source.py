"""What a document reader hands on: the text around the tables and each table's rows, cell by grid column."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

MAX_BYTES = 20 * 1024 * 1024  # a decision with its appendices is well under this; larger files are refused


class ImportRefused(Exception):
    """A file that cannot be read as a plan document; the message (Vietnamese first) says why and what to do."""


@dataclass(frozen=True)
class Cell:
    text: str
    continued: bool = False  # the same cell as the one above (merged down): read once, not again


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]  # one per grid column
    table: int  # 1-based, in the order of the document
    index: int  # 1-based row of that table
    line: int | None = None  # the line of the text form where the row starts
    page: int | None = None  # the PDF page
    across: bool = False  # one cell merged across the whole row (a section row)

    def text(self, col: int | None) -> str:
        return self.cells[col].text if col is not None and col < len(self.cells) else ""

    def is_continued(self, col: int | None) -> bool:
        return col is not None and col < len(self.cells) and self.cells[col].continued


@dataclass
class Table:
    rows: list[Row]
    caption: str = ""  # the nearest text before the table ("PHỤ LỤC ...")
    at: int = 0  # how many paragraphs come before it


@dataclass
class Source:
    """A document read into text: ``paragraphs`` outside the tables (in order) and the tables."""

    name: str
    sha256: str
    kind: str  # docx | pdf | text
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def clean(text: str) -> str:
    """Text as read, in NFC, with non-breaking spaces as spaces, trailing spaces and outer blank lines removed."""
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ").replace("\u200b", "").replace("\r", "")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def appendix_caption(paragraphs: list[str]) -> str:
    """The caption of the appendix a table belongs to: the last "PHỤ LỤC …" paragraph so far, with the line that
    follows it when that is its title."""
    for i in range(len(paragraphs) - 1, -1, -1):
        if paragraphs[i].casefold().startswith("phụ lục"):
            nxt = paragraphs[i + 1] if i + 1 < len(paragraphs) else ""
            return f"{paragraphs[i]} {nxt}".strip() if nxt and not nxt.startswith("(") else paragraphs[i]
    return ""
