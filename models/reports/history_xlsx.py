"""The history as a workbook people print: their language, real dates, widths, wrapped notes, A4 landscape.

openpyxl's write-only mode (rows go straight to disk, a new sheet every 1,048,575 rows). Steps, states, kinds,
results and sources are written in the reader's language ("giao nhiệm vụ", "đã giao → quá hạn"); the codes stay in
the JSON export. The name of the file says its filters (export_name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from cchc_flow.models.rules.cells import kept_as_text
from cchc_flow.models.rules.messages import MESSAGES, current_lang, t
from cchc_flow.models.store.history_query import COLUMNS, DAYS, VN, Entry, HistoryFilter, backdated_mark, headers

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


def reader_values(e: Entry, lang: str | None = None) -> dict[str, Any]:
    """A history row as its reader reads it: words instead of codes, dates as dates (Vietnam time, no zone)."""
    lang = lang or current_lang()
    values = dict(zip(COLUMNS, e))
    values.update(
        kind=t(f"kind.{e.kind}", lang),
        entity=_label("entity", e.entity, lang),
        event=_label("event", e.event, lang) if e.kind == "step" else _notice(e.event, lang),
        from_state=_label("state", e.from_state, lang),
        to_state=_label("state", e.to_state, lang),
        source=_label("source", e.source, lang),
        result=_label("result", e.result, lang),
        status=_label("status", e.status, lang),
        unit=e.recipient,
        at=e.at.astimezone(VN).replace(tzinfo=None),
    )
    if e.backdated:  # a back-dated step says so in its letter column, as in the CSV
        values["letter_ref"] = backdated_mark(e)
    return values


def write_xlsx(entries: Iterable[Entry], path: Path, lang: str | None = None) -> int:
    """The workbook at ``path``; returns how many rows were written."""
    lang = lang or current_lang()
    wb = Workbook(write_only=True)
    title = t("history.sheet", lang)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    bold = Font(bold=True)

    def new_sheet() -> Any:
        sheet = wb.create_sheet(title if not wb.sheetnames else f"{title} ({len(wb.sheetnames) + 1})")
        sheet.freeze_panes = "A2"
        for i, name in enumerate(COLUMNS, 1):
            sheet.column_dimensions[get_column_letter(i)].width = WIDTHS.get(name, 14)
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.print_title_rows = "1:1"
        sheet.print_options.gridLines = True
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        heading = []
        for text in headers(lang):
            cell = WriteOnlyCell(sheet, text)
            cell.font, cell.alignment = bold, wrap
            heading.append(cell)
        sheet.append(heading)
        return sheet

    def cell(sheet: Any, name: str, value: Any) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value)
        c.alignment = wrap if name in WRAPPED else top
        if name in DAYS:
            c.number_format = DAY_FORMAT
        elif name == "at":
            c.number_format = TIME_FORMAT
        return kept_as_text(c)  # a note or file name like "=1+2" stays text, never a formula

    sheet, rows_here, n = new_sheet(), 0, 0
    for e in entries:
        if rows_here == XLSX_MAX_ROWS:
            sheet, rows_here = new_sheet(), 0
        values = reader_values(e, lang)
        sheet.append([cell(sheet, name, values[name]) for name in COLUMNS])
        rows_here, n = rows_here + 1, n + 1
    wb.save(path)
    return n


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
