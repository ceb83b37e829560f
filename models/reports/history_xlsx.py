"""The history as a workbook people print: their language, real dates, widths, wrapped notes, A4 landscape.

XlsxWriter in constant-memory mode (each row goes to disk as it is written, a new sheet every 1,048,575 rows), the
data rows' XML written in one pass by xlsx_rows (the bytes XlsxWriter writes cell by cell, 4x faster);
text is always written as text, never as a formula or a link. Steps, states, kinds, results and sources are written
in the reader's language ("giao nhiệm vụ", "đã giao → quá hạn"); the codes stay in the JSON export. A time is
written to the second, as the table shows it (the CSV and JSON hold it whole). An empty value
(None or "") writes no cell: its column's format (alignment, date format) shows instead. The name of the file says
its filters (export_name).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from xlsxwriter import Workbook

from cchc_flow.models.reports.xlsx_rows import Cells, RowsSheet
from cchc_flow.models.rules.messages import MESSAGES, current_lang, t
from cchc_flow.models.store.history_query import COLUMNS, DAYS, VN, HistoryFilter, headers, marked_letter

CELL_MAX = 32_767  # the characters an Excel cell holds
DAY_FORMAT = "dd/mm/yyyy"
TIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
# Column widths in characters: text columns wide, codes and dates narrow; anything else 14.
WIDTHS = {
    "kind": 10,
    "id": 8,
    "seq": 8,
    "at": 20,
    "day": 12,
    "entity": 14,
    "key": 12,
    "event": 24,
    "from_state": 16,
    "to_state": 16,
    "actor": 18,
    "source": 12,
    "unit": 10,
    "route": 30,
    "result": 10,
    "attempts": 8,
    "note": 60,
    "flow_run_id": 38,
    "flow_run_url": 40,
    "task_run_id": 38,
    "row_hash": 30,
    "actor_label": 18,
    "stated_name": 18,
    "letter_ref": 40,
    "status": 24,
    "days_late": 8,
    "due": 12,
    "planned_due": 12,
    "unit_now": 10,
}
XLSX_MAX_ROWS = 1_048_576 - 1  # one sheet's rows, less the header
BATCH = 500  # rows formatted before they are written
WRAPPED = {"note", "event", "route", "flow_run_url", "row_hash", "actor", "actor_label", "stated_name", "letter_ref"}


def _label(prefix: str, code: str | None, lang: str) -> str | None:
    """The code's words in ``lang`` (``prefix.code`` in the messages), else the code itself."""
    if not code:
        return code
    key = f"{prefix}.{code}"
    return t(key, lang) if key in MESSAGES else code


def _notice(code: str, lang: str) -> str:
    """A notice's headline without its placeholders: "NHẮC HẠN", "QUÁ HẠN"."""
    key = f"headline.{code}"
    return t(key, lang, offset="", title="").split(":")[0].strip() if key in MESSAGES else code


_KIND, _ENTITY, _EVENT, _FROM, _TO, _SOURCE, _UNIT, _RESULT, _AT, _LETTER, _STATUS, _NOW = (
    COLUMNS.index(c)
    for c in ("kind", "entity", "event", "from_state", "to_state", "source", "unit", "result", "at", "letter_ref")
    + ("status", "unit_now")
)


def reader(lang: str | None = None) -> Callable[[Sequence[Any]], list[Any]]:
    """A row (an Entry or a history_rows() tuple) -> its values as its reader reads them, in COLUMNS order: words
    instead of codes, dates as dates (Vietnam time, no zone). The words of each code are looked up once."""
    lang = lang or current_lang()

    def label(prefix: str) -> _Words:
        return _Words(lambda code: _label(prefix, code, lang))

    kinds, headlines = _Words(lambda code: t(f"kind.{code}", lang)), _Words(lambda code: _notice(code, lang))
    entities, events, states, sources, results, statuses = (
        label(p) for p in ("entity", "event", "state", "source", "result", "status")
    )

    def values(r: Sequence[Any]) -> list[Any]:
        v = list(r)
        v[_KIND] = kinds[r[_KIND]]
        v[_ENTITY] = entities[r[_ENTITY]]
        v[_EVENT] = (events if r[_KIND] == "step" else headlines)[r[_EVENT]]
        v[_FROM] = states[r[_FROM]]
        v[_TO] = states[r[_TO]]
        v[_SOURCE] = sources[r[_SOURCE]]
        v[_RESULT] = results[r[_RESULT]]
        v[_STATUS] = statuses[r[_STATUS]]
        # to the second, as the table shows it: a spreadsheet that rounds a shown time would show some a second later
        v[_AT] = r[_AT].astimezone(VN).replace(tzinfo=None, microsecond=0)
        if r[_NOW]:  # a merged or renamed recipient shows the unit it is today
            v[_UNIT] = t("succession.now", old=r[_UNIT], now=r[_NOW])
        if r[_LETTER] is not None:  # a back-dated step says so in its letter column, as in the CSV
            v[_LETTER] = marked_letter(r)
        return v

    return values


class _Words(dict[Any, Any]):
    """A code's words, looked up the first time the code is met."""

    def __init__(self, look: Callable[[Any], Any]) -> None:
        super().__init__()
        self.look = look

    def __missing__(self, code: Any) -> Any:
        words = self[code] = self.look(code)
        return words


def reader_values(e: Sequence[Any], lang: str | None = None) -> dict[str, Any]:
    """A history row as its reader reads it (reader()), by column name."""
    return dict(zip(COLUMNS, reader(lang)(e)))


def write_xlsx(rows: Iterable[Sequence[Any]], path: Path, lang: str | None = None) -> int:
    """The workbook at ``path`` from Entries or history_rows() tuples; returns how many rows were written."""
    lang = lang or current_lang()
    wb = Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    title = t("history.sheet", lang)
    heading = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    formats = []
    for name in COLUMNS:
        spec: dict[str, Any] = {"valign": "top", "text_wrap": name in WRAPPED}
        if name in DAYS:
            spec["num_format"] = DAY_FORMAT
        elif name == "at":
            spec["num_format"] = TIME_FORMAT
        formats.append(wb.add_format(spec))
    sheets: list[RowsSheet] = []

    def new_sheet() -> RowsSheet:
        sheet = wb.add_worksheet(title if not sheets else f"{title} ({len(sheets) + 1})", RowsSheet)
        sheets.append(sheet)
        sheet.freeze_panes(1, 0)
        for i, name in enumerate(COLUMNS):
            sheet.set_column(i, i, WIDTHS.get(name, 14), formats[i])  # also the format of a column's empty cells
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        sheet.hide_gridlines(0)  # printed too
        sheet.set_margins(left=0.4, right=0.4, top=1, bottom=1)
        sheet.set_header("", {"margin": 0.5})
        sheet.set_footer("", {"margin": 0.5})
        sheet.set_row(0, heading_height(headers(lang)))
        for i, text in enumerate(headers(lang)):
            sheet.write_string(0, i, text, heading)
        sheet.flush()
        return sheet

    values = reader(lang)
    sheet, at, n, last = new_sheet(), 0, 0, 0
    cells = Cells(sheet, formats, lambda text: cut(text, lang))
    batch: list[str] = []
    for r in rows:
        if at == XLSX_MAX_ROWS:
            sheet.write_rows("".join(batch), last)
            batch.clear()
            sheet, at, last = new_sheet(), 0, 0
        at += 1
        xml = cells.row(at, values(r))
        if xml:
            batch.append(xml)
            last = at
            if len(batch) == BATCH:
                sheet.write_rows("".join(batch), last)
                batch.clear()
        n += 1
    sheet.write_rows("".join(batch), last)
    wb.close()
    return n


def heading_height(texts: Sequence[str]) -> int:
    """Points the heading row needs for its headings wrapped in their columns (15 a line of 11-point bold text, each
    line kept a tenth short of the column's width). Set on the row: an application that opens the file without
    fitting the rows' heights (LibreOffice 7.4) would otherwise print the headings over the first rows."""
    lines = (len(textwrap.wrap(text, int(WIDTHS.get(name, 14) * 0.9))) for name, text in zip(COLUMNS, texts))
    return 15 * max(1, *lines)


def cut(text: str, lang: str | None = None) -> str:
    """Text longer than a cell holds (CELL_MAX characters), cut with a mark saying so and where the whole text is."""
    mark = t("history.xlsx_cut", lang, n=len(text))
    return text[: CELL_MAX - len(mark)] + mark


def export_name(plan_number: str, f: HistoryFilter, fmt: str, lang: str | None = None) -> str:
    """A file name that says what the export holds: lich-su-3723-1.1.2-2014.xlsx (plan, filters, period)."""
    lang = lang or current_lang()
    parts = [t("history.file_stem", lang), plan_number.split("/")[0]]
    parts += [v for v in (f.activity, f.unit, f.actor, f.state) if v]
    if (
        f.since
        and f.until
        and f.since.year == f.until.year
        and (f.since.month, f.since.day) == (1, 1)
        and (f.until.month, f.until.day) == (12, 31)
    ):
        parts.append(str(f.since.year))
    elif f.since and f.until:
        parts.append(f"{f.since:%Y%m%d}-{f.until:%Y%m%d}")
    elif f.since or f.until:
        parts.append(
            t("history.file_from" if f.since else "history.file_until", lang, day=f"{(f.since or f.until):%Y%m%d}")
        )
    name = "-".join(parts)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name) + f".{fmt}"
