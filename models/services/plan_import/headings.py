"""Finding the appendix table by its headings, whatever their wording and order."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cchc_flow.models.services.plan_import.source import Row

# Each column role and the words that name it (all words of one set, in any order). Checked in this order:
# "Nội dung hoạt động" is the content column, "Hoạt động" alone the activity column.
ROLE_WORDS: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = tuple(
    (role, tuple(frozenset(words.split()) for words in sets))
    for role, sets in (
        ("number", ("tt", "stt", "số tt", "số thứ tự")),
        ("partners", ("phối hợp",)),
        ("lead", ("chủ trì", "đơn vị thực hiện", "cơ quan thực hiện")),
        ("phase", ("giai đoạn",)),
        ("time", ("thời gian", "thời hạn", "tiến độ", "thời điểm")),
        ("funding", ("kinh phí", "ngân sách", "nguồn vốn", "dự toán")),
        ("remarks", ("ghi chú",)),
        ("content", ("nội dung",)),
        ("activity", ("hoạt động", "công việc", "nhiệm vụ")),
    )
)
ROLES = tuple(role for role, _ in ROLE_WORDS)
EXPECTED = (
    "Giai đoạn",
    "Nội dung",
    "Hoạt động",
    "Thời gian",
    "Kinh phí",
    "Đơn vị chủ trì",
    "Đơn vị phối hợp",
    "TT/STT",
    "Ghi chú",
)
_WORD = re.compile(r"\w+")
NUMBERING = re.compile(r"^\(?\s*(\d{1,2}|[a-zđ]|[ivx]{1,4})\s*\)?$", re.IGNORECASE)


def words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(unicodedata.normalize("NFC", text).casefold()))


def role_of(heading: str) -> str | None:
    """The column role a heading names, or None."""
    found = words(heading)
    if not found or len(found) > 12:  # a heading is short; a long cell is content, not a heading
        return None
    for role, sets in ROLE_WORDS:
        if any(s <= found for s in sets):
            return role
    return None


@dataclass(frozen=True)
class Header:
    end: int  # the first row after the header (it may take two rows: "Chủ trì | Phối hợp")
    columns: dict[str, int]  # role -> column
    headings: tuple[str, ...]  # as written, one per column

    @property
    def usable(self) -> bool:
        return ("activity" in self.columns or "content" in self.columns) and len(self.columns) >= 3


def _roles(texts: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for col, text in enumerate(texts):
        role = role_of(text)
        if role and role not in out:
            out[role] = col
    return out


def find_header(rows: list[Row], search: int = 6) -> Header | None:
    """The header among the first rows: the row naming the most roles, joined with the row below it when that
    splits a heading ("Đơn vị thực hiện" over "Chủ trì | Phối hợp"); a numbering row below ("(1) (2) …") is
    taken with it."""
    best: Header | None = None
    for r, row in enumerate(rows[:search]):
        texts = [c.text for c in row.cells]
        header = Header(r + 1, _roles(texts), tuple(texts))
        if r + 1 < len(rows) and not rows[r + 1].across:
            below = [c.text for c in rows[r + 1].cells]
            if len(below) == len(texts):
                joined = [
                    a if (b == a or not b or rows[r + 1].cells[i].continued) else f"{a} {b}".strip()
                    for i, (a, b) in enumerate(zip(texts, below, strict=True))
                ]
                if all(not b or role_of(b) or b == a for b, a in zip(below, texts, strict=True)) and len(
                    _roles(joined)
                ) > len(header.columns):
                    header = Header(r + 2, _roles(joined), tuple(joined))
        if header.usable and (best is None or len(header.columns) > len(best.columns)):
            best = header
    if best is None:
        return None
    if best.end < len(rows) and all(NUMBERING.match(c.text) or not c.text for c in rows[best.end].cells):
        best = Header(best.end + 1, best.columns, best.headings)
    return best


def header_width(blocks: list[list[str]]) -> int | None:
    """How many cells the header row of a table has (for the text form, where rows are counted in cells)."""
    for block in blocks[:6]:
        if len(_roles(block)) >= 3:
            return len(block)
    return None


def same_headings(a: Header, b: Header) -> bool:
    """Two tables with the same headings are one table split across pages."""
    return [words(h) for h in a.headings] == [words(h) for h in b.headings]
