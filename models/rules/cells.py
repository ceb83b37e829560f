"""Spreadsheet cells that hold hostile text as text (OWASP, "CSV injection").

A cell starting with ``= + - @``, a tab or a carriage return is read as a formula by Excel and LibreOffice, even
in a CSV file. In CSV such a cell is written with a leading apostrophe; in XLSX it is stored as a string.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: Any) -> bool:
    """Whether a spreadsheet would take ``value`` for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_safe(value: Any) -> Any:
    """``value`` with an apostrophe in front when a spreadsheet would take it for a formula; other values as is."""
    return "'" + value if formula_like(value) else value


_FIRST = frozenset(FORMULA_START)  # every formula start is one character


def csv_safe_row(row: list[Any]) -> list[Any]:
    """csv_safe on every cell of ``row``: the same rule, written for exports of a million rows (no call per cell)."""
    return ["'" + v if isinstance(v, str) and v[:1] in _FIRST else v for v in row]
