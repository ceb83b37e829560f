"""The review report (sơ kết) rendered as Markdown and as a Word document."""

from __future__ import annotations

import re
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import docx
import pytest

from cchc_flow.models.reports.review_docx import write_docx
from cchc_flow.models.reports.review_render import render_markdown
from cchc_flow.models.rules.review_report import (
    ActivityLine,
    Attachment,
    ContentSection,
    Evidence,
    ReviewReport,
    UnitTotals,
)

SHA = "1a2b3c4d" + "e" * 56
FILE = "biên-bản-hội-thảo.pdf"


def make_report() -> ReviewReport:
    """Phase 1 of 3723/QĐ-BYT reviewed on 15/01/2015: one activity of each kind of outcome."""
    on_time = ActivityLine(
        key="1.1.1",
        title="Tổ chức hội thảo phổ biến Kế hoạch CCHC năm 2014",
        content=1,
        leads=("VPB",),
        partners=("TTKT",),
        window_start=date(2014, 1, 1),
        due=date(2014, 6, 30),
        state="accepted",
        assigned=date(2014, 1, 2),
        reported=date(2014, 6, 20),
        accepted=date(2014, 6, 25),
        on_time=True,
        completed=True,
        evidence=(
            Evidence(
                date(2014, 6, 20),
                "VPB",
                "report",
                "Đã tổ chức hội thảo ngày 18/6/2014",
                (Attachment(FILE, SHA, 120_000),),
            ),
            Evidence(date(2014, 6, 25), "VPB", "accept", "Công nhận hoàn thành"),
        ),
    )
    late = ActivityLine(
        key="1.1.2",
        title="Biên soạn tài liệu tuyên truyền về CCHC",
        content=1,
        leads=("VPB", "TCCB"),
        partners=(),
        window_start=date(2014, 1, 1),
        due=date(2014, 9, 30),
        state="accepted",
        assigned=date(2014, 1, 2),
        reported=date(2014, 11, 5),
        accepted=date(2014, 11, 10),
        on_time=False,
        completed=True,
        evidence=(
            Evidence(date(2014, 9, 25), "TCCB", "report", "Nộp bản thảo | lần 1\nchờ góp ý <Vụ PC>"),
            Evidence(date(2014, 10, 1), "VPB", "return", "Thiếu phần thủ tục hành chính"),
            Evidence(date(2014, 11, 5), "TCCB", "report", "Nộp bản hoàn chỉnh"),
            Evidence(date(2014, 11, 10), "VPB", "accept", "Đạt yêu cầu"),
        ),
    )
    overdue = ActivityLine(
        key="1.2.1",
        title="Viết bài, phát sóng về CCHC trên báo, đài",
        content=2,
        leads=("TTKT",),
        partners=("SKDS", "GDXH"),
        window_start=date(2014, 1, 1),
        due=date(2014, 12, 31),
        state="overdue",
        assigned=date(2014, 1, 2),
        reported=None,
        accepted=None,
        on_time=None,
        completed=False,
    )
    cancelled = ActivityLine(
        key="1.2.2",
        title="Xây dựng chuyên mục CCHC trên cổng thông tin",
        content=2,
        leads=("VPB",),
        partners=(),
        window_start=date(2014, 3, 1),
        due=date(2014, 12, 31),
        state="cancelled",
        assigned=date(2014, 3, 1),
        reported=None,
        accepted=None,
        on_time=None,
        completed=True,
        evidence=(Evidence(date(2014, 8, 1), "VPB", "cancel", "Gộp vào hoạt động 1.1.2"),),
    )
    return ReviewReport(
        plan_code="byt-3723-2013-2015",
        plan_number="3723/QĐ-BYT",
        plan_title="Tăng cường công tác thông tin, truyền thông cải cách hành chính của Bộ Y tế giai đoạn 2013 - 2015",
        issuer="Bộ Y tế",
        kind="preliminary",
        title="Hội thảo sơ kết thực hiện công tác thông tin, tuyên truyền về CCHC của Bộ Y tế giai đoạn 2013-2014",
        phase_number=1,
        phase_name="Giai đoạn 2013 - 2014",
        phase_start=date(2013, 10, 1),
        phase_end=date(2014, 12, 31),
        held_on=date(2015, 1, 15),
        coordinator="VPB",
        contents=(
            ContentSection(1, "Xây dựng nội dung thông tin, tuyên truyền", (on_time, late)),
            ContentSection(2, "Đa dạng hóa hình thức tuyên truyền", (overdue, cancelled)),
        ),
        units=(
            UnitTotals(
                "VPB",
                "Văn phòng Bộ",
                activities=3,
                accepted=2,
                reported_on_time=1,
                reported_late=1,
                not_reported=0,
                cancelled=1,
            ),
            UnitTotals(
                "TCCB",
                "Vụ Tổ chức cán bộ",
                activities=1,
                accepted=1,
                reported_on_time=0,
                reported_late=1,
                not_reported=0,
                cancelled=0,
            ),
            UnitTotals(
                "TTKT",
                "Vụ Truyền thông và Thi đua, khen thưởng",
                activities=1,
                accepted=0,
                reported_on_time=0,
                reported_late=0,
                not_reported=1,
                cancelled=0,
            ),
        ),
        not_completed=("1.2.1",),
    )


def table_row(markdown: str, first_cell: str) -> list[str]:
    """The cells of the Markdown table row starting with ``first_cell`` (escaped pipes kept inside cells)."""
    for line in markdown.splitlines():
        if line.startswith(f"| {first_cell} |"):
            cells = line.replace("\\|", "\x00").strip().strip("|").split("|")
            return [c.strip().replace("\x00", "|") for c in cells]
    raise AssertionError(f"no table row for {first_cell!r} in:\n{markdown}")


VI_HEADER = [
    "Mã",
    "Hoạt động",
    "Chủ trì",
    "Phối hợp",
    "Hạn",
    "Trạng thái",
    "Giao ngày",
    "Báo cáo ngày",
    "Công nhận ngày",
    "Đúng/trễ hạn",
    "Minh chứng",
]


def test_markdown_heading_and_summary() -> None:
    md = render_markdown(make_report())
    head = md.split("## ")[0]
    assert "BỘ Y TẾ" in head and "BÁO CÁO SƠ KẾT" in head
    assert "Kế hoạch số 3723/QĐ-BYT" in head
    assert "Hội thảo sơ kết thực hiện công tác thông tin, tuyên truyền về CCHC" in head
    assert "Giai đoạn 2013 - 2014: từ 01/10/2013 đến 31/12/2014" in head  # the phase's name, said once
    assert "Ngày sơ kết: 15/01/2015" in head
    assert (
        "Có 4 hoạt động trong phạm vi đánh giá: 2 đã công nhận, 1 đã hủy; "
        "1 báo cáo đúng hạn, 1 báo cáo trễ hạn. Chưa hoàn thành (1): 1.2.1."
    ) in md


def test_markdown_activity_tables() -> None:
    md = render_markdown(make_report())
    assert "## Nội dung 1. Xây dựng nội dung thông tin, tuyên truyền" in md
    assert "## Nội dung 2. Đa dạng hóa hình thức tuyên truyền" in md
    assert md.count("| " + " | ".join(VI_HEADER) + " |") == 2
    expected = {  # id: (state, assigned, reported, accepted, on time / late)
        "1.1.1": ("đã công nhận", "02/01/2014", "20/06/2014", "25/06/2014", "Đúng hạn"),
        "1.1.2": ("đã công nhận", "02/01/2014", "05/11/2014", "10/11/2014", "Trễ hạn"),
        "1.2.1": ("quá hạn", "02/01/2014", "—", "—", "Chưa báo cáo"),
        "1.2.2": ("đã hủy", "01/03/2014", "—", "—", "—"),
    }
    for key, (state, assigned, reported, accepted, timeliness) in expected.items():
        row = table_row(md, key)
        assert len(row) == len(VI_HEADER), row
        assert row[5:10] == [state, assigned, reported, accepted, timeliness], row
    row = table_row(md, "1.1.1")
    assert row[1:5] == ["Tổ chức hội thảo phổ biến Kế hoạch CCHC năm 2014", "VPB", "TTKT", "30/06/2014"]
    assert f"{FILE} (sha256 1a2b3c4d)" in row[10]
    assert "Đã tổ chức hội thảo ngày 18/6/2014" in row[10]
    assert table_row(md, "1.2.1")[3] == "SKDS, GDXH"


def test_markdown_evidence_escaped_and_in_order() -> None:
    evidence = table_row(render_markdown(make_report()), "1.1.2")[10]
    assert "Nộp bản thảo | lần 1<br>chờ góp ý &lt;Vụ PC>" in evidence
    kinds = re.findall(r"\d{2}/\d{2}/\d{4} [A-Z]+ \(([^)]+)\):", evidence)
    assert kinds == ["báo cáo", "trả lại", "báo cáo", "công nhận"]
    assert "01/10/2014 VPB (trả lại): Thiếu phần thủ tục hành chính" in evidence


def test_markdown_units() -> None:
    md = render_markdown(make_report())
    units = md.split("## Theo đơn vị")[1]
    vpb = units.split("### Văn phòng Bộ (VPB)")[1].split("###")[0]
    assert "1.1.1 " in vpb and "1.1.2 " in vpb and "1.2.2 " in vpb and "1.2.1" not in vpb
    tccb = units.split("### Vụ Tổ chức cán bộ (TCCB)")[1].split("###")[0]
    assert "1.1.2 Biên soạn tài liệu tuyên truyền về CCHC — đã công nhận, Trễ hạn" in tccb
    assert "1.1.1" not in tccb
    assert "1.2.2 Xây dựng chuyên mục CCHC trên cổng thông tin — đã hủy\n" in vpb
    assert (
        "| Đơn vị | Số hoạt động chủ trì | Đã công nhận | Đúng hạn | Trễ hạn | Chưa báo cáo | Đã hủy | Tỷ lệ đúng hạn |"
    ) in units
    assert table_row(units, "Văn phòng Bộ (VPB)")[1:] == ["3", "2", "1", "1", "0", "1", "50,0 % (1/2)"]
    assert table_row(units, "Vụ Tổ chức cán bộ (TCCB)")[1:] == ["1", "1", "0", "1", "0", "0", "0,0 % (0/1)"]
    # not reported and not yet past due (as the test's report counts it): not in the rate's base
    assert table_row(units, "Vụ Truyền thông và Thi đua, khen thưởng (TTKT)")[1:] == ["1", "0", "0", "0", "1", "0", "—"]
    # every activity once; 1.2.1, past its due date and never reported, counts against the rate
    assert table_row(units, "Tổng cộng")[1:] == ["4", "2", "1", "1", "1", "1", "33,3 % (1/3)"]
    assert "Tỷ lệ đúng hạn = số hoạt động báo cáo đúng hạn / số hoạt động đã báo cáo hoặc đã quá hạn" in units


def test_markdown_english() -> None:
    md = render_markdown(make_report(), lang="en")
    assert "PRELIMINARY REVIEW REPORT" in md and "Plan No. 3723/QĐ-BYT" in md
    assert "## Content 1. Xây dựng nội dung thông tin, tuyên truyền" in md
    assert "## By unit" in md and "Theo đơn vị" not in md and "Nội dung 1." not in md
    assert "| Id | Activity | Lead | Partners | Due | State |" in md
    assert table_row(md, "1.1.2")[5:10] == ["accepted", "02/01/2014", "05/11/2014", "10/11/2014", "Late"]
    assert table_row(md, "1.1.1")[9] == "On time"
    assert table_row(md, "1.2.1")[5:10] == ["overdue", "02/01/2014", "—", "—", "Not reported"]
    assert table_row(md, "Văn phòng Bộ (VPB)")[-1] == "50.0% (1/2)"
    assert "Not completed (1): 1.2.1." in md


def test_markdown_language_follows_cchc_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_LANG", "en")
    assert "## By unit" in render_markdown(make_report())
    assert "## Theo đơn vị" in render_markdown(make_report(), lang="vi")


def test_markdown_all_completed() -> None:
    report = make_report()
    done = replace(report, kind="final", not_completed=())
    md = render_markdown(done)
    assert "BÁO CÁO TỔNG KẾT" in md and "Ngày tổng kết: 15/01/2015" in md
    assert "Tất cả hoạt động đã hoàn thành" in md and "Chưa hoàn thành" not in md.split("## Nội dung")[0]


def cell_texts(table: docx.table.Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_docx(tmp_path: Path) -> None:
    path = write_docx(make_report(), tmp_path / "reports" / "so-ket" / "giai-doan-1.docx")
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = docx.Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "(Quyết định số 3723/QĐ-BYT)" in text
    assert "Hội thảo sơ kết thực hiện công tác thông tin, tuyên truyền về CCHC của Bộ Y tế giai đoạn 2013-2014" in text
    assert "Ngày sơ kết: 15/01/2015" in text and "Chưa hoàn thành (1): 1.2.1." in text
    assert "Nội dung 2. Đa dạng hóa hình thức tuyên truyền" in text
    assert doc.styles["Normal"].font.name == "Times New Roman"

    activity_tables = [t for t in doc.tables if t.rows[0].cells[0].text == "Mã"]
    assert len(activity_tables) == 2
    for table in activity_tables:
        assert [c.text for c in table.rows[0].cells] == VI_HEADER[:-1]  # the evidence follows the table
        assert all(run.bold for c in table.rows[0].cells for run in c.paragraphs[0].runs)
        assert table.style.name == "Table Grid"
    rows = {r[0]: r for t in activity_tables for r in cell_texts(t)[1:]}
    assert sorted(rows) == ["1.1.1", "1.1.2", "1.2.1", "1.2.2"]
    assert [len(t.rows) for t in activity_tables] == [3, 3]
    assert rows["1.1.1"][5:10] == ["đã công nhận", "02/01/2014", "20/06/2014", "25/06/2014", "Đúng hạn"]
    assert rows["1.1.2"][5:10] == ["đã công nhận", "02/01/2014", "05/11/2014", "10/11/2014", "Trễ hạn"]
    assert rows["1.2.1"][5:10] == ["quá hạn", "02/01/2014", "—", "—", "Chưa báo cáo"]
    assert rows["1.2.2"][5] == "đã hủy"
    assert (
        f"1.1.1: 20/06/2014 VPB (báo cáo): Đã tổ chức hội thảo ngày 18/6/2014 — tệp: {FILE} (sha256 1a2b3c4d)" in text
    )
    assert "1.1.2: 25/09/2014 TCCB (báo cáo): Nộp bản thảo | lần 1\nchờ góp ý <Vụ PC>" in text

    totals = next(t for t in doc.tables if t.rows[0].cells[0].text == "Đơn vị")
    assert totals.rows[0].cells[-1].text == "Tỷ lệ đúng hạn"
    assert cell_texts(totals)[1] == ["Văn phòng Bộ (VPB)", "3", "2", "1", "1", "0", "1", "50,0 % (1/2)"]
    assert cell_texts(totals)[3][-1] == "—"


def test_docx_english_and_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "r.docx"
    path.write_bytes(b"old")
    path.chmod(0o644)
    write_docx(make_report(), path, lang="en")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = docx.Document(str(path))
    assert "(Decision No. 3723/QĐ-BYT)" in "\n".join(p.text for p in doc.paragraphs)
    assert "SOCIALIST REPUBLIC OF VIETNAM" in doc.tables[0].cell(0, 1).text
    activity = next(t for t in doc.tables if t.rows[0].cells[0].text == "Id")
    assert [c.text for c in activity.rows[0].cells][:3] == ["Id", "Activity", "Lead"]
    totals = next(t for t in doc.tables if t.rows[0].cells[0].text == "Unit")
    assert totals.rows[1].cells[-1].text == "50.0% (1/2)"
    assert doc.core_properties.language == "en-GB"
