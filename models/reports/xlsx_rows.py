"""Rows of a constant-memory XlsxWriter sheet formatted as XML directly, the same bytes as cell by cell.

XlsxWriter spends about 6 µs on each cell (a cell object, the row table, attributes escaped one by one); a history
export writes 17 cells a row for a million rows. ``Cells.row`` writes a row's ``<row>`` element in one pass,
character for character what XlsxWriter's ``write_string``/``write_number``/``write_datetime``/``write_boolean``
write in constant-memory mode (inline strings; ``tests/test_xlsx_rows.py`` compares the two on hostile values), and
``RowsSheet.write_rows`` puts it where XlsxWriter keeps its rows; XlsxWriter writes everything else (styles, widths,
print set-up, the zip). One difference on purpose: a text shaped like XlsxWriter's rich-string XML (``<r>…</r>``) is
written as text, where XlsxWriter would copy it into the file unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

STRING_MAX = 32_767  # UTF-16 units an Excel cell holds
# What XlsxWriter changes in a text: control characters and its own _xHHHH_ escapes, XML's & < >, non-characters.
_SPECIAL = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_ESCAPED = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("([\x00-\x08\x0b-\x1f])")
_MEMO_TEXT = 100  # texts up to this length have their XML kept (the words of codes repeat on every row)
_MEMO_SIZE = 4096  # at most this many: memory stays bounded


class RowsSheet(Worksheet):
    """XlsxWriter's worksheet that also takes rows already formatted as XML (constant-memory mode only)."""

    def flush(self) -> None:
        """Writes out the row written cell by cell (the headings) before any row of XML is formatted: XlsxWriter
        numbers a format when its first cell is written, and the rows of XML must find the same numbers."""
        self._write_single_row(self.previous_row + 1)

    def write_rows(self, xml: str, last: int) -> None:
        """``xml``: whole ``<row>`` elements after every row written so far, ``last`` the index of the last."""
        if not xml:
            return
        self._write_single_row(last)  # a row written cell by cell since goes first
        self.fh.write(xml)
        self._check_dimensions(last, 0)


class Cells:
    """The XML of a sheet's rows: a value per column in the column's format, as XlsxWriter writes it. An empty value
    (None or "") writes no cell; a text longer than a cell holds is replaced by ``cut(text)``."""

    def __init__(self, sheet: Worksheet, formats: Sequence[Format], cut: Callable[[str], str]) -> None:
        self.formats = formats
        self.cut = cut
        self.names = [xl_col_to_name(i) for i in range(len(formats))]
        self.styles: list[str | None] = [None] * len(formats)  # a format's index is given at its first cell
        self.number = sheet._convert_date_time  # the workbook's date system
        self.texts: dict[str, str] = {}
        self.days: dict[date, str] = {}

    def row(self, at: int, values: Sequence[Any]) -> str:
        """Row ``at`` (0-based) as a ``<row>`` element; "" when no value is written."""
        n = str(at + 1)
        out = [f'<row r="{n}">']
        styles, texts, names = self.styles, self.texts, self.names
        for i, v in enumerate(values):
            if v is None or v == "":
                continue
            kind = type(v)
            if kind is str:
                body = texts.get(v) or self._text(v)
            elif kind is int:
                body = f"><v>{v:.16G}</v></c>"
            elif kind is float:
                body = self._number(v)
            elif kind is datetime:
                body = f"><v>{self.number(v):.16G}</v></c>"
            elif kind is date:
                body = self.days.get(v) or self._day(v)
            elif kind is bool:
                body = f' t="b"><v>{int(v)}</v></c>'
            else:
                body = self._text(str(v))
            out.append(f'<c r="{names[i]}{n}"{styles[i] or self._style(i)}{body}')
        if len(out) == 1:
            return ""
        out.append("</row>")
        return "".join(out)

    def _style(self, i: int) -> str:
        style = self.styles[i] = f' s="{self.formats[i]._get_xf_index()}"'
        return style

    def _number(self, v: float) -> str:
        if v != v or v in (float("inf"), float("-inf")):
            raise TypeError("NAN/INF not supported in write_number() without 'nan_inf_to_errors' Workbook() option")
        return f"><v>{v:.16G}</v></c>"

    def _day(self, v: date) -> str:
        body = f"><v>{self.number(v):.16G}</v></c>"
        if len(self.days) < _MEMO_SIZE:
            self.days[v] = body
        return body

    def _text(self, v: str) -> str:
        text = v
        if len(text) > STRING_MAX // 2 and _utf16_len(text) > STRING_MAX:
            text = self.cut(text)
            if _utf16_len(text) > STRING_MAX:
                text = _utf16_cut(text)
        space = ""
        if _SPECIAL.search(text):
            text = _ESCAPED.sub(r"_x005F\1", text)
            text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
            text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if text[:1].isspace() or text[-1:].isspace():
            space = ' xml:space="preserve"'
        body = f' t="inlineStr"><is><t{space}>{text}</t></is></c>'
        if len(v) <= _MEMO_TEXT and len(self.texts) < _MEMO_SIZE:
            self.texts[v] = body
        return body


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _utf16_cut(text: str) -> str:
    """``text`` cut to STRING_MAX UTF-16 units, never inside a character above U+FFFF."""
    length = 0
    for i, ch in enumerate(text):
        length += 2 if ord(ch) > 0xFFFF else 1
        if length > STRING_MAX:
            return text[:i]
    return text
