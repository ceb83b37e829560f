"""Spreadsheet cells that hold hostile text as text (OWASP, "CSV injection").

A cell starting with ``= + - @``, a tab or a carriage return is read as a formula by Excel and LibreOffice, even
in a CSV file. In CSV such a cell is written with a leading apostrophe; in XLSX it is stored as a string.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FIRST = frozenset(FORMULA_START)  # every formula start is one character


def csv_safe_row(row: list[Any]) -> list[Any]:
    """``row`` with an apostrophe in front of every text cell a spreadsheet would take for a formula (one
    comprehension, no call per cell: exports write a million rows)."""
    return ["'" + v if isinstance(v, str) and v[:1] in _FIRST else v for v in row]
