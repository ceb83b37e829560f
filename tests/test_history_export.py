"""`cchc history` (filters, Rich table in Vietnam time) and its exports (CSV with BOM, JSON, XLSX) hold
the same rows, Vietnamese intact; flow-run ids in the history are runs the Prefect API knows."""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
from conftest import REPO
from history_data import AMENDMENT, NOTES, PLAN, record_steps

TIME = re.compile(r"^│ (\d\d/\d\d/\d{4} \d\d:\d\d:\d\d) +│ (\S+) +│ (.+?) +│")


def entries(**filters):  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.history_query import HistoryFilter
    from cchc_flow.models.store.history_query import history as read

    with session() as s:
        return list(read(s, HistoryFilter(PLAN, **filters)))


def table_rows(text: str) -> list[tuple[str, str, str]]:
    """(time, key, first line of the event) of each row of the Rich table."""
    return [m.groups() for m in map(TIME.match, text.splitlines()) if m]  # type: ignore[misc]


def table_cells(text: str) -> list[list[str]]:
    """Each row's cells with their wrapped lines joined (whitespace removed: wrapping only adds some)."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if TIME.match(line):
            rows.append(cells)
        elif rows:
            rows[-1] = [a + b for a, b in zip(rows[-1], cells)]
    return [[re.sub(r"\s+", "", c) for c in r] for r in rows]


def norm(value: object) -> str:
    return "" if value is None else str(value)


KEY = ("kind", "id", "key", "event", "note", "unit", "route", "result", "flow_run_id", "row_hash")


def test_the_table_shows_steps_and_notices_in_vietnam_time(cli, history) -> None:  # type: ignore[no-untyped-def]
    out = cli("history", PLAN).stdout
    rows = table_rows(out)
    expected = entries()
    assert len(rows) == len(expected) == 10
    assert [(r[0], r[1]) for r in rows] == [(e.local_at.format("DD/MM/YYYY HH:mm:ss"), e.key) for e in expected]
    assert all(e.local_at.utcoffset().total_seconds() == 7 * 3600 for e in expected)
    notes = [r[4] for r in table_cells(out)]
    assert notes == [re.sub(r"\s+", "", e.note or "") for e in expected]
    for _, unit, text, _ in NOTES:
        assert re.sub(r"\s+", "", f"{unit}: {text}") in notes
    assert "thông báo: GHI CHÚ CỦA ĐƠN VỊ PHỐI HỢP" in out and "→ T5G" in out and "outbox://t5g" in out
    assert "đã gửi ×1" in out and "(ngày tính 01/10/2013)" in out
    # ordered by the day each row counts for: the notes of 2013 come before today's load
    assert [e.day for e in expected] == sorted(e.day for e in expected)


def test_exports_hold_the_same_rows_as_the_table(cli, history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from cchc_flow.models.store.history_query import COLUMNS, headers

    shown = table_rows(cli("history", PLAN).stdout)
    expected = [tuple(norm(getattr(e, k)) for k in KEY) for e in entries()]

    csv_path, xlsx_path = tmp_path / "lich-su.csv", tmp_path / "lich-su.xlsx"
    cli("history", PLAN, "--format", "csv", "--output", csv_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    csv_rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert csv_rows[0] == headers() and "Thời điểm ghi (giờ Việt Nam)" in csv_rows[0]
    from_csv = [dict(zip(COLUMNS, r)) for r in csv_rows[1:]]

    from_json = json.loads(cli("history", PLAN, "--format", "json").stdout)

    result = cli("history", PLAN, "--format", "xlsx", "--output", xlsx_path)
    assert f"Đã ghi 10 dòng vào {xlsx_path}" in result.stderr.replace("\n", "")
    sheet = load_workbook(xlsx_path, read_only=True).worksheets[0]
    xlsx_rows = list(sheet.iter_rows(values_only=True))
    assert list(xlsx_rows[0]) == headers()
    from_xlsx = [dict(zip(COLUMNS, r)) for r in xlsx_rows[1:]]

    from cchc_flow.models.reports.history_xlsx import reader_values

    # the workbook says it in words (codes stay in the JSON): compare it with what the reader is meant to read
    assert [tuple(norm(r[k]) for k in KEY) for r in from_xlsx] == [
        tuple(norm(reader_values(e)[k]) for k in KEY) for e in entries()
    ]
    for rows in (from_csv, from_json, from_xlsx):
        assert rows is from_xlsx or [tuple(norm(r[k]) for k in KEY) for r in rows] == expected
        notes = [r["note"] for r in rows]
        for _, _, text, _ in NOTES:
            assert any(n and n.endswith(text) for n in notes)
        assert sum(1 for n in notes if n and n.startswith(AMENDMENT)) == 2
    # the same times as the table, in Vietnam time
    table_times = [r[0] for r in shown]
    assert [datetime.fromisoformat(r["at"]).strftime("%d/%m/%Y %H:%M:%S") for r in from_csv] == table_times
    assert all(r["at"].endswith("+07:00") for r in from_json)
    # the workbook holds each time to the second, in Vietnam time, as the table shows it: a spreadsheet application
    # that rounds a time it shows to the second would otherwise show some of them a second later
    recorded = [datetime.fromisoformat(e.local_at.isoformat()).replace(tzinfo=None) for e in entries()]
    assert any(t.microsecond for t in recorded)  # recorded to the microsecond: the workbook's are cut, not rounded
    assert [r["at"] for r in from_xlsx] == [t.replace(microsecond=0) for t in recorded]
    assert [r["at"].strftime("%d/%m/%Y %H:%M:%S") for r in from_xlsx] == table_times


@pytest.mark.parametrize(
    ("filters", "args", "expected"),
    [
        ({"activity": "1.1.2"}, ["--activity", "1.1.2"], [("step", "note"), ("notice", "note"), ("notice", "note")]),
        ({"unit": "T5G"}, ["--unit", "t5g"], [("step", "note"), ("notice", "note")]),
        ({"unit": "TCCB"}, ["--unit", "TCCB"], [("step", "note")] * 3),
        ({"actor": "no-token", "state": "loaded"}, ["--actor", "no-token", "--state", "loaded"], [("step", "loaded")]),
        (
            {"since": "2013-10-10", "until": "2013-12-31"},
            ["--since", "10/10/2013", "--until", "2013-12-31"],
            [("step", "note"), ("notice", "note"), ("notice", "note")],
        ),
    ],
)
def test_filters(cli, history, filters: dict, args: list[str], expected: list) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    typed = {k: date.fromisoformat(v) if k in ("since", "until") else v for k, v in filters.items()}
    got = entries(**typed)
    assert [(e.kind, e.event) for e in got] == expected
    from_cli = json.loads(cli("history", PLAN, *args, "--format", "json").stdout)
    assert [r["id"] for r in from_cli] == [e.id for e in got]


def test_a_units_periodic_reports_are_in_its_history(history) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.history import record
    from cchc_flow.models.store.queries import get_plan

    with session() as s, write_transaction(s):
        plan_id = get_plan(s, PLAN).id
        for unit in ("TCCB", "T5G"):
            record(
                s,
                plan_id=plan_id,
                entity="report",
                key=f"bao-cao-6-thang/2014-H1/{unit}",
                event="submit",
                actor="tester",
                source="cli",
                note=f"Báo cáo 6 tháng đầu năm 2014 của {unit}.docx",
            )
    got = [(e.entity, e.key) for e in entries(unit="TCCB") if e.entity == "report"]
    assert got == [("report", "bao-cao-6-thang/2014-H1/TCCB")]
    assert len(entries(unit="TCCB")) == 4


def test_actor_and_state_select_steps_only(history) -> None:  # type: ignore[no-untyped-def]
    assert {e.kind for e in entries(actor="unit:TCCB #1")} == {"step"}
    assert len(entries(actor="unit:TCCB #1")) == 2 and len(entries(actor="tester")) == 2
    assert len(entries(state="planned")) == 3


def test_bad_arguments_exit_2_with_a_vietnamese_message(cli, history) -> None:  # type: ignore[no-untyped-def]
    assert "--format xlsx cần --output" in cli("history", PLAN, "--format", "xlsx", expect=2).stderr
    assert "định dạng 'pdf' không có" in cli("history", PLAN, "--format", "pdf", expect=2).stderr
    assert "đơn vị 'XYZ' không có trong danh mục" in cli("history", PLAN, "--unit", "XYZ", expect=2).stderr
    assert "không có hoạt động 9.9.9" in cli("history", PLAN, "--activity", "9.9.9", expect=2).stderr
    assert "không đọc được" in cli("history", PLAN, "--since", "31/02/2014", expect=2).stderr
    assert "chỉ hiện 2 dòng đầu" in cli("history", PLAN, "--limit", "2").stderr.lower()


@pytest.mark.usefixtures("prefect_api")
def test_flow_run_ids_in_the_history_are_the_runs_prefect_returns(cli, loaded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
    from prefect.settings import get_current_settings

    from cchc_flow.flows.phase import run_phase
    from cchc_flow.models.store.audit_runs import cross_check
    from cchc_flow.models.store.db import session

    monkeypatch.setenv("CCHC_NOTIFY_CONFIG", str(REPO / "config/notify.example.yaml"))  # the local outbox
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    runs = [run_phase(PLAN, 1, "2013-10-01").flow_run_id, run_phase(PLAN, 1, "2015-01-05").flow_run_id]

    rows = json.loads(cli("history", PLAN, "--format", "json").stdout)
    in_flows = [r for r in rows if r["flow_run_id"]]
    assert {r["flow_run_id"] for r in in_flows} == set(runs)
    assert {r["kind"] for r in in_flows} == {"step", "notice"}  # steps and the notices sent in the run
    with get_client(sync_client=True) as client:
        known = {
            str(r.id): r
            for r in client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[PLAN])))
        }
    assert set(runs) <= set(known)
    assert all(known[i].state.is_completed() for i in runs)
    ui = get_current_settings().api.url.removesuffix("/api")
    assert all(r["flow_run_url"] == f"{ui}/runs/flow-run/{r['flow_run_id']}" for r in in_flows)

    with session() as s:
        report = cross_check(s, PLAN)
    counted = {r.id: r.steps for r in report.runs}
    for run_id in runs:
        assert counted[run_id] == sum(1 for r in in_flows if r["flow_run_id"] == run_id and r["kind"] == "step") > 0
    assert report.consistent
    out = cli("audit", "runs", PLAN).stdout
    assert all(run_id in out for run_id in runs) and "khớp với Prefect" in out

    ghost = "00000000-0000-4000-8000-000000000000"
    monkeypatch.setattr("cchc_flow.models.store.history.prefect_run_ids", lambda: (ghost, None))
    [ghost_row] = record_steps(1, note="bước ghi trong một lần chạy không có thật")
    result = cli("audit", "runs", PLAN, expect=1)
    assert (
        f"1 bước ghi lần chạy Prefect {ghost} mà Prefect không biết (dòng đầu: id {ghost_row})"
        in result.stderr.replace("\n", " ")
    )


def test_the_workbook_prints(cli, history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Column widths, wrapped notes, real dates shown dd/mm/yyyy, A4 landscape fitted to the width with the header
    row on every page, steps and states in Vietnamese; the portal's file name says the filters."""
    from datetime import date

    from openpyxl import load_workbook

    from cchc_flow.models.reports.history_xlsx import export_name
    from cchc_flow.models.store.history_query import COLUMNS, HistoryFilter

    path = tmp_path / "h.xlsx"
    cli("history", PLAN, "--format", "xlsx", "--output", path)
    sheet = load_workbook(path).worksheets[0]
    letter = {name: chr(ord("A") + i) for i, name in enumerate(COLUMNS) if i < 26}
    assert sheet.column_dimensions[letter["day"]].width >= 11  # no more "###" for the day
    assert sheet.column_dimensions[letter["note"]].width >= 50
    rows = list(sheet.iter_rows(min_row=2))
    day = rows[0][COLUMNS.index("day")]
    assert isinstance(day.value, datetime) and day.number_format == "dd/mm/yyyy"
    assert rows[0][COLUMNS.index("at")].number_format.startswith("dd/mm/yyyy")
    notes = [r[COLUMNS.index("note")] for r in rows if r[COLUMNS.index("note")].value]  # no cell for an empty one
    assert notes and all(c.alignment.wrap_text for c in notes)
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (1, None)  # 1: the default
    assert sheet.page_setup.fitToHeight == 0 and sheet.print_title_rows == "$1:$1"
    # the heading row's height is set, for every heading wrapped in its column: an application that does not fit the
    # rows' heights on opening (LibreOffice 7.4) would otherwise print the headings over the first rows
    lines = max(
        len(textwrap.wrap(c.value, int(sheet.column_dimensions[c.column_letter].width * 0.9))) for c in sheet[1]
    )
    assert lines >= 3 and (sheet.row_dimensions[1].height or 0) >= 15 * lines
    events = {r[COLUMNS.index("event")].value for r in rows}
    states = {r[COLUMNS.index("to_state")].value for r in rows} - {None}
    assert "ghi chú" in events and "note" not in events
    assert states and all(
        s in {"đã giao", "đã báo cáo", "đã công nhận", "quá hạn", "bị trả lại", "đã hủy", "chưa đến thời gian"}
        or not s.isascii()
        or s == "loaded"
        for s in states
    )
    assert {r[0].value for r in rows} <= {"bước", "thông báo"}
    f = HistoryFilter(PLAN, activity="1.1.2", since=date(2014, 1, 1), until=date(2014, 12, 31))
    assert export_name("3723/QĐ-BYT", f, "xlsx") == "lich-su-3723-1.1.2-2014.xlsx"
    assert (
        export_name("3723/QĐ-BYT", HistoryFilter(PLAN, unit="T5G", since=date(2014, 3, 1)), "csv")
        == "lich-su-3723-T5G-tu-20140301.csv"
    )


def test_a_text_longer_than_a_cell_is_cut_with_a_mark(cli, tokens, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An Excel cell holds 32,767 characters: a longer note is cut there with a mark saying where the whole text is,
    never silently; the CSV keeps it whole."""
    from openpyxl import load_workbook

    from cchc_flow.models.store.history_query import COLUMNS

    long_note = "Biên bản họp: " + "nội dung dài " * 4_000  # 52,014 characters
    cli("activity", "note", "1.1.2", "--unit", "T5G", "--text", long_note, token=tokens["T5G"])
    xlsx_path, csv_path = tmp_path / "h.xlsx", tmp_path / "h.csv"
    cli("history", PLAN, "--format", "xlsx", "--output", xlsx_path)
    cli("history", PLAN, "--format", "csv", "--output", csv_path)
    notes = [
        r[COLUMNS.index("note")]
        for r in load_workbook(xlsx_path, read_only=True).worksheets[0].iter_rows(min_row=2, values_only=True)
    ]
    (cut,) = [n for n in notes if n and n.startswith("T5G: Biên bản họp")]
    assert len(cut) == 32_767 and cut.endswith(
        f"toàn văn ({len('T5G: ' + long_note.strip())} ký tự) có trong bản CSV và JSON]"
    )
    assert cut.startswith(f"T5G: {long_note[:30_000]}")
    assert f"T5G: {long_note.strip()}" in csv_path.read_text(encoding="utf-8-sig")
