"""Rows formatted as XML (models/reports/xlsx_rows.py) make the same workbook, byte for byte, as XlsxWriter writing
each cell: hostile text (control characters, XlsxWriter's own _xHHHH_ escapes, & < >, whitespace at either end,
non-characters, texts over a cell's 32,767 UTF-16 units), every number, boolean, day and time, several sheets."""

from __future__ import annotations

import random
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from openpyxl import load_workbook
from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from cchc_flow.models.reports.xlsx_rows import Cells, RowsSheet

TEXTS = [
    "giao nhiệm vụ",
    "Đơn vị T5G: đã gửi công văn số 12/CV",
    "=1+2",
    "@SUM(A1)",
    "a & b < c > d \"quoted\" 'single'",
    "line\nbreak",
    "tab\tinside",
    "\x00\x01\x07\x08\x0b\x0c\x0e\x1f controls",
    "carriage\rreturn",
    "_x0041_ looks escaped",
    "_X00aF_ and _x12_ and _xZZZZ_",
    " leading space",
    "trailing space ",
    "\ttab first",
    "last newline\n",
    "\u00a0no-break space\u00a0",
    "\u3000ideographic space",
    "\ufffe and \uffff",
    "emoji 😀 outside the BMP",
    "x" * 40_000,
    "😀" * 20_000,
    "ngắn " * 4_000 + "😀" * 16_000,
    "http://example.org/a?b=1&c=2",
]
VALUES: list[Any] = [
    *TEXTS,
    None,
    "",
    0,
    -5,
    2**60,
    10**20,
    1.5,
    1e-7,
    123456789.123,
    True,
    False,
    date(2014, 1, 1),
    date(1900, 1, 1),
    date(1900, 2, 28),
    date(1900, 3, 1),
    datetime(2014, 3, 14, 8, 30, 15, 123456),
    datetime(1900, 1, 1, 12),
    datetime(1900, 2, 28, 23, 59, 59),
    Decimal("1.10"),
    UUID(int=12345),
]
SPECS: list[dict[str, Any]] = [
    {"valign": "top"},
    {"valign": "top", "text_wrap": True},
    {"valign": "top", "num_format": "dd/mm/yyyy"},
    {"valign": "top", "num_format": "dd/mm/yyyy hh:mm:ss"},
    {"valign": "top"},
    {"bold": True},
]
ROWS = 3  # rows per sheet


def cut(text: str) -> str:
    return text[:30_000] + " [cut]"


def book(path: Path, sheet_class: type[Worksheet]) -> tuple[Workbook, list[Format], Callable[[], Worksheet]]:
    wb = Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    heading = wb.add_format({"bold": True, "text_wrap": True})
    formats = [wb.add_format(spec) for spec in SPECS]

    def sheet() -> Worksheet:
        ws = wb.add_worksheet(None, sheet_class)
        for i, f in enumerate(formats):
            ws.set_column(i, i, 12 + i, f)
        for i in range(len(formats)):
            ws.write_string(0, i, f"Cột {i}", heading)
        return ws

    return wb, formats, sheet


def by_cells(path: Path, rows: Sequence[Sequence[Any]]) -> None:
    """What history_xlsx wrote before: XlsxWriter cell by cell, a text it cut written again cut with a mark."""
    wb, formats, new_sheet = book(path, Worksheet)
    ws = new_sheet()
    for n, values in enumerate(rows):
        at = n % ROWS + 1
        if n and at == 1:
            ws = new_sheet()
        for i, v in enumerate(values):
            if v is None or v == "":
                continue
            kind = type(v)
            if kind in (int, float):
                ws.write_number(at, i, v, formats[i])
            elif kind is bool:
                ws.write_boolean(at, i, v, formats[i])
            elif kind in (date, datetime):
                ws.write_datetime(at, i, v, formats[i])
            elif ws.write_string(at, i, str(v), formats[i]) == -2:
                ws.write_string(at, i, cut(str(v)), formats[i])
    wb.close()


def by_rows(path: Path, rows: Sequence[Sequence[Any]]) -> None:
    wb, formats, new_sheet = book(path, RowsSheet)
    ws = new_sheet()
    assert isinstance(ws, RowsSheet)
    ws.flush()
    cells = Cells(ws, formats, cut)
    xml, last = [], 0
    for n, values in enumerate(rows):
        at = n % ROWS + 1
        if n and at == 1:
            ws.write_rows("".join(xml), last)
            xml, last = [], 0
            ws = new_sheet()
            assert isinstance(ws, RowsSheet)
            ws.flush()
        if row := cells.row(at, values):
            xml.append(row)
            last = at
    ws.write_rows("".join(xml), last)
    wb.close()


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}  # its time of creation


@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date")  # numbers in a day's format, read back
def test_rows_of_xml_make_the_workbook_xlsxwriter_makes_cell_by_cell(tmp_path: Path) -> None:
    rng = random.Random(7)
    # A first row with a value in every column: XlsxWriter numbers the formats as it writes their first cells, and
    # it writes a sheet's last row when the workbook closes, after the next sheets' rows (the numbers differ then,
    # the formats do not).
    rows: list[list[Any]] = [["a"] * len(SPECS), [None] * len(SPECS), ["", None, "", None, "", ""]]  # no cell
    rows += [[rng.choice(VALUES) for _ in SPECS] for _ in range(300)]
    rows += [[v, v, v, v, v, v] for v in VALUES]  # every value in every format
    rows.append([None, None, None, None, None, None])  # a sheet ending on an empty row
    for name, write in (("cells", by_cells), ("rows", by_rows)):
        write(tmp_path / f"{name}.xlsx", rows)
    cells, xml = members(tmp_path / "cells.xlsx"), members(tmp_path / "rows.xlsx")
    assert len([n for n in cells if n.startswith("xl/worksheets/sheet")]) == -(-len(rows) // ROWS)
    assert cells.keys() == xml.keys()
    for name in cells:
        assert xml[name] == cells[name], name
    values = [c for ws in load_workbook(tmp_path / "rows.xlsx").worksheets for r in ws.iter_rows() for c in r]
    assert "x" * 30_000 + " [cut]" in [c.value for c in values]  # read back as written


def test_a_text_shaped_like_rich_string_xml_stays_text(tmp_path: Path) -> None:
    """XlsxWriter would copy "<r>…</r>" into the sheet unescaped; the rows of XML write it as the text it is."""
    rows = [["<r><t>x</t></r>", "<r>", "</r>", None, None, None]]
    by_rows(tmp_path / "r.xlsx", rows)
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        assert b"&lt;r&gt;&lt;t&gt;x&lt;/t&gt;&lt;/r&gt;" in z.read("xl/worksheets/sheet1.xml")
    ws = load_workbook(tmp_path / "r.xlsx").worksheets[0]
    assert [c.value for c in ws[2][:3]] == ["<r><t>x</t></r>", "<r>", "</r>"]


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_a_number_excel_cannot_hold_stops_the_export_as_xlsxwriter_does(tmp_path: Path, number: float) -> None:
    with pytest.raises(TypeError, match="NAN/INF"):
        by_cells(tmp_path / "a.xlsx", [[number, None, None, None, None, None]])
    with pytest.raises(TypeError, match="NAN/INF"):
        by_rows(tmp_path / "b.xlsx", [[number, None, None, None, None, None]])


def test_a_history_longer_than_a_sheet_goes_on_in_the_next_sheets(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each sheet has the headings and the next rows, in order; every row is counted."""
    from cchc_flow.models.reports import history_xlsx
    from cchc_flow.models.store.history_query import COLUMNS, Entry, headers

    monkeypatch.setattr(history_xlsx, "XLSX_MAX_ROWS", 2)  # a sheet's rows (1,048,575 in Excel)
    at = datetime(2014, 3, 14, 1, 30, tzinfo=UTC)
    step = ("step", 1, 1, at, date(2014, 3, 14), "activity", "", "note", "assigned", "assigned", "T5G", "cli")
    rows = [
        Entry._make(step + (None,) * 17)._replace(id=i, seq=i, key=f"1.1.{i}", note=f"ghi chú {i}") for i in range(1, 6)
    ]
    assert history_xlsx.write_xlsx(rows, tmp_path / "h.xlsx", "vi") == 5
    sheets = load_workbook(tmp_path / "h.xlsx").worksheets
    assert [ws.title for ws in sheets] == ["Lịch sử", "Lịch sử (2)", "Lịch sử (3)"]
    read = [list(r) for ws in sheets for r in ws.iter_rows(values_only=True)]
    assert read[0] == read[3] == read[6] == headers("vi")
    keys = [dict(zip(COLUMNS, r)) for r in read if r != headers("vi")]
    assert [(r["key"], r["note"], r["event"], r["at"]) for r in keys] == [
        (f"1.1.{i}", f"ghi chú {i}", "ghi chú", datetime(2014, 3, 14, 8, 30)) for i in range(1, 6)
    ]
