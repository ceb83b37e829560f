"""`cchc plan import`: a decision's appendix read from Word, PDF or text into a plan draft that `plan check`
reads, with the reference plan as the round trip, documents of other layouts made here, and bad input refused."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
import yaml
from faults import dump
from plan_docs import FONT, SEED, docx_of, pdf_of, seed_docx, seed_parts

from cchc_flow.models.rules.calendar import parse_window
from cchc_flow.models.rules.plan import read_directory, read_plan
from cchc_flow.models.services.plan_import import ImportRefused, import_document
from cchc_flow.models.services.plan_import.identity import plan_code, read_identity
from cchc_flow.models.services.plan_import.times import read_time
from cchc_flow.models.services.plan_import.units import resolve_cell, split_names

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "config" / "units.yaml"
REFERENCE = ROOT / "config" / "plans" / "byt-3723-2013-2015.yaml"
HEAD = ["TT", "Nội dung công việc", "Thời gian hoàn thành", "Đơn vị chủ trì", "Đơn vị phối hợp", "Kinh phí"]
PLAIN = [
    "BỘ Y TẾ",
    "Số: 8/KH-BYT",
    "ngày 05 tháng 01 năm 2022",
    "KẾ HOẠCH",
    "Truyền thông năm 2022",
    "Mục tiêu chung: nâng cao nhận thức.",
]


@pytest.fixture(scope="module")
def directory():  # type: ignore[no-untyped-def]
    return read_directory(UNITS)


def run(path: Path, directory, tmp_path: Path, **kw):  # type: ignore[no-untyped-def]
    return import_document(path, directory, tmp_path / "draft.yaml", "config/units.yaml", **kw)


def activities_of(draft_path: Path, signed: date) -> list[tuple]:
    spec = yaml.safe_load(draft_path.read_text(encoding="utf-8"))
    out = []
    for p in spec["phases"]:
        for c in p["content"]:
            for a in c["activities"]:
                w = parse_window(a["window"], not_before=signed)
                out.append((a["id"], a["text"], w.start, w.end, a["funding"], a["lead"], a["partners"]))
    return out


def reference_activities(directory) -> tuple[list[tuple], list]:  # type: ignore[no-untyped-def]
    plan, _ = read_plan(REFERENCE, directory)
    acts = [
        (
            a.key,
            a.text,
            a.window.start,
            a.window.end,
            a.funding,
            [r.as_written for r in a.lead],
            [r.as_written for r in a.partners],
        )
        for a in plan.activities
    ]
    return acts, [p.review.model_dump() if p.review else None for p in plan.phases]


def reviews_of(draft_path: Path) -> list:
    return [p.get("review") for p in yaml.safe_load(draft_path.read_text(encoding="utf-8"))["phases"]]


# ---- the reference plan, three ways


def test_the_text_form_of_3723_imports_to_the_reference_plan(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run(SEED, directory, tmp_path)
    acts, reviews = reference_activities(directory)
    assert len(acts) == 17
    assert activities_of(tmp_path / "draft.yaml", date(2013, 9, 25)) == acts
    assert reviews_of(tmp_path / "draft.yaml") == reviews
    assert result.exit_code == 0, result.report
    info = yaml.safe_load((tmp_path / "draft.yaml").read_text(encoding="utf-8"))["plan"]
    assert (info["code"], info["number"], info["signed"], info["issuer"], info["focal_unit"]) == (
        "byt-3723-2013-2015",
        "3723/QĐ-BYT",
        "2013-09-25",
        "Bộ trưởng Bộ Y tế",
        "Văn phòng Bộ",
    )
    assert not (tmp_path / "draft.units.yaml").exists()
    plan, _ = read_plan(tmp_path / "draft.yaml", directory)
    reference, _ = read_plan(REFERENCE, directory)
    assert [(p.name, p.window.start, p.window.end) for p in plan.phases] == [
        (p.name, p.window.start, p.window.end) for p in reference.phases
    ]
    assert [d.model_dump(exclude={"id"}) for d in plan.reporting] == [
        d.model_dump(exclude={"id"}) for d in reference.reporting
    ]  # "Định kỳ 6 tháng … trước ngày 15 tháng 6 …"


def test_a_word_file_of_3723_with_merged_cells_imports_to_the_reference_plan(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = seed_docx(tmp_path / "3723.docx")
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode()
    assert 'w:vMerge w:val="restart"' in xml and "<w:vMerge/>" in xml  # the phase and content cells are merged
    result = run(path, directory, tmp_path)
    acts, reviews = reference_activities(directory)
    assert activities_of(tmp_path / "draft.yaml", date(2013, 9, 25)) == acts
    assert reviews_of(tmp_path / "draft.yaml") == reviews
    assert result.exit_code == 0, result.report


@pytest.mark.skipif(not FONT.is_file(), reason="no DejaVu Sans font to draw a Vietnamese PDF with")
@pytest.mark.parametrize(
    ("merge_cols", "repeat"),
    [((), 1), ((0, 1), 1), ((), 0)],
    ids=["cells-left-empty", "phase-and-content-spanning-rows", "headings-on-first-page-only"],
)
def test_a_pdf_of_the_3723_appendix_imports_to_the_same_activities(directory, tmp_path, merge_cols, repeat) -> None:  # type: ignore[no-untyped-def]
    paragraphs, rows = seed_parts()
    caption = [p for p in paragraphs if "Phụ lục kèm theo" in p]
    path = pdf_of(
        tmp_path / "3723.pdf",
        rows,
        caption,
        widths=(14, 40, 70, 16, 24, 24, 30),
        merge_cols=merge_cols,
        repeat_headings=repeat,
    )
    result = run(path, directory, tmp_path)
    acts, reviews = reference_activities(directory)
    assert activities_of(tmp_path / "draft.yaml", date(2013, 9, 25)) == acts
    assert reviews_of(tmp_path / "draft.yaml") == reviews
    assert result.draft.tables >= 2  # the table runs over pages, headings repeated
    assert result.exit_code == 1  # the appendix alone has no title or objectives
    assert any("plan.title" in line for line in result.report)


# ---- other layouts


def test_other_headings_section_rows_and_quarters(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        HEAD,
        ["I", "TUYÊN TRUYỀN TRỰC TIẾP", "", "", "", ""],
        ["1", "Hội nghị quán triệt kế hoạch", "Quý I/2022", "Văn phòng Bộ", "Vụ TCCB", "Ngân sách nhà nước"],
        ["2", "Tập huấn công chức", "Tháng 6/2022", "Vụ TCCB, TTKT", "", "Kinh phí thường xuyên"],
        ["II", "TUYÊN TRUYỀN TRÊN BÁO CHÍ", "", "", "", ""],
        ["1", "Viết bài trên báo", "6 tháng cuối năm 2022", "Báo SKĐS", "VPB", "Kinh phí thường xuyên"],
        HEAD,  # the header again, as a converted table has it
        ["2", "Sơ kết 6 tháng", "01/07/2022 - 15/07/2022", "VPB", "Các đơn vị có liên quan", "Không"],
        ["", "Tổng cộng", "", "", "", "120.000.000"],
    ]
    paragraphs = [
        "BỘ Y TẾ",
        "Số: 99/KH-BYT",
        "Hà Nội, ngày 10 tháng 02 năm 2022",
        "KẾ HOẠCH",
        "Truyền thông cải cách hành chính năm 2022",
        "Thực hiện Kế hoạch số 13/KH-SYT ngày 26/01/2022 của Sở Y tế về cải cách hành chính năm 2022",
        "1. Mục tiêu chung: nâng cao nhận thức về cải cách hành chính.",
    ]
    result = run(docx_of(tmp_path / "kh.docx", rows, paragraphs), directory, tmp_path)
    spec = yaml.safe_load((tmp_path / "draft.yaml").read_text(encoding="utf-8"))
    phase = spec["phases"][0]
    assert [c["title"] for c in phase["content"]] == ["TUYÊN TRUYỀN TRỰC TIẾP", "TUYÊN TRUYỀN TRÊN BÁO CHÍ"]
    windows = [a["window"] for c in phase["content"] for a in c["activities"]]
    assert windows == [
        "2022-01-01..2022-03-31",
        "2022-06-01..2022-06-30",
        "2022-07-01..2022-12-31",
        "2022-07-01..2022-07-15",
    ]
    assert phase["review"] == {"activity": "1.2.2", "kind": "preliminary", "title": "Sơ kết 6 tháng"}
    assert spec["plan"]["number"] == "99/KH-BYT" and spec["plan"]["signed"] == "2022-02-10"
    assert spec["plan"]["legal_basis"][0].startswith("Thực hiện Kế hoạch số 13/KH-SYT ngày 26/01/2022")
    assert phase["content"][0]["activities"][1]["lead"] == ["Vụ TCCB", "TTKT"]
    assert result.exit_code == 0, result.report


def test_numbered_rows_without_time_or_units_head_the_activities_below(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        HEAD,
        ["1", "Tuyên truyền trên báo chí", "", "", "", ""],
        ["1.1", "Viết bài về cải cách hành chính", "Quý I/2022", "Báo SKĐS", "VPB", "Kinh phí thường xuyên"],
        ["1.2", "Đưa tin hội nghị", "Quý II/2022", "Báo SKĐS", "VPB", "Kinh phí thường xuyên"],
        ["2", "Tập huấn", "", "", "", ""],
        ["2.1", "Tập huấn kỹ năng", "Năm 2022", "VPB", "TTKT", "Ngân sách"],
        ["2.2", "Hội thảo chưa rõ thời gian", "", "", "", ""],
    ]
    result = run(docx_of(tmp_path / "n.docx", rows, PLAIN), directory, tmp_path)
    contents = result.draft.spec["phases"][0]["content"]
    assert [(c["title"], [a["text"] for a in c["activities"]]) for c in contents] == [
        ("Tuyên truyền trên báo chí", ["Viết bài về cải cách hành chính", "Đưa tin hội nghị"]),
        ("Tập huấn", ["Tập huấn kỹ năng", "Hội thảo chưa rõ thời gian"]),
    ]  # the last row is an activity to fix
    assert result.exit_code == 1


def test_section_rows_naming_a_phase_or_a_year_start_phases(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        HEAD,
        ["I", "NĂM 2022", "", "", "", ""],
        ["1", "Hội nghị", "Quý I/2022", "VPB", "TTKT", "Ngân sách"],
        ["II", "GIAI ĐOẠN 2023 - 2024", "", "", "", ""],
        ["1", "Tổng kết", "Quý IV/2024", "VPB", "TTKT", "Ngân sách"],
    ]
    result = run(docx_of(tmp_path / "y.docx", rows, PLAIN), directory, tmp_path)
    phases = result.draft.spec["phases"]
    assert [(p["name"], p["window"]) for p in phases] == [("NĂM 2022", "2022"), ("GIAI ĐOẠN 2023 - 2024", "2023-2024")]
    assert phases[1]["review"]["kind"] == "final"


def test_recurring_and_unreadable_times_are_flagged_per_row(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        ["STT", "Hoạt động", "Đơn vị chủ trì", "Thời gian thực hiện", "Nguồn kinh phí", "Đơn vị phối hợp"],
        ["1", "Cập nhật chuyên mục CCHC", "VPB", "Hằng tháng", "Kinh phí thường xuyên", "TTKT"],
        ["2", "Báo cáo kết quả", "VPB", "Trước ngày 05/6 và 05/12", "Kinh phí thường xuyên", "TTKT"],
        ["3", "Tọa đàm", "VPB", "khi có yêu cầu", "Kinh phí thường xuyên", "TTKT"],
    ]
    paragraphs = [
        "SỞ Y TẾ",
        "Số: 7/KH-SYT",
        "ngày 03 tháng 01 năm 2022",
        "KẾ HOẠCH",
        "Truyền thông cải cách hành chính giai đoạn 2022 - 2023",
        "Mục tiêu chung: nâng cao nhận thức.",
    ]
    result = run(docx_of(tmp_path / "t.docx", rows, paragraphs), directory, tmp_path)
    acts = result.draft.activities
    assert acts[0]["window"] == "2022-2023" and acts[0]["recurs"] == "monthly" and "remarks" not in acts[0]
    assert acts[1]["window"] == "2022-2023" and acts[1]["recurs"] == "half-year"  # two due days a year
    assert "Trước ngày 05/6 và 05/12" in acts[1]["remarks"][0]
    assert acts[2]["window"] == "khi có yêu cầu"  # kept as written, and the check fails on it
    assert result.draft.spec["reporting"] == [
        {
            "id": "bao-cao-1-1-2",
            "text": "Báo cáo kết quả",
            "to": "Văn phòng Bộ",
            "reporters": ["VPB"],
            "deadlines": [{"period": "half-year", "due": "06-05"}, {"period": "year", "due": "12-05"}],
        }
    ]
    assert any("khi có yêu cầu" in str(f) for f in result.checked.errors)
    assert result.exit_code == 1


def test_unknown_units_are_listed_with_suggested_entries_and_pass_once_added(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        HEAD,
        [
            "1",
            "Phát tờ rơi",
            "2022",
            "Trung tâm Kiểm soát bệnh tật",
            "- VPB\n- Phòng Quản lý hành nghề",
            "Kinh phí thường xuyên",
        ],
    ]
    path = docx_of(
        tmp_path / "u.docx",
        rows,
        [
            "TRUNG TÂM Y TẾ",
            "KẾ HOẠCH",
            "Truyền thông năm 2022",
            "Số: 5/KH-TTYT",
            "ngày 03 tháng 3 năm 2022",
            "Mục tiêu chung: nâng cao nhận thức.",
        ],
    )
    result = run(path, directory, tmp_path)
    assert result.exit_code == 1
    assert set(result.draft.unresolved) == {"Trung tâm Kiểm soát bệnh tật", "Phòng Quản lý hành nghề"}
    suggested = yaml.safe_load((tmp_path / "draft.units.yaml").read_text(encoding="utf-8"))["units"]
    assert {(u["code"], u["name"]) for u in suggested} == {
        ("TTKSBT", "Trung tâm Kiểm soát bệnh tật"),
        ("PQLHN", "Phòng Quản lý hành nghề"),
    }
    assert any("1.1.1" in line and "Trung tâm Kiểm soát bệnh tật" in line for line in result.report)
    units = yaml.safe_load(UNITS.read_text(encoding="utf-8"))
    assert all(u["tags"] == [f"unit-{u['code'].lower()}"] and u["aliases"] == [] for u in suggested)
    units["units"] += suggested
    (tmp_path / "units.yaml").write_text(yaml.safe_dump(units, allow_unicode=True), encoding="utf-8")
    again = import_document(path, read_directory(tmp_path / "units.yaml"), tmp_path / "again.yaml", "units.yaml")
    assert again.exit_code == 0, again.report


def test_cells_merged_down_carry_their_time_funding_and_units(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        ["STT", "Nội dung", "Hoạt động", "Thời gian", "Kinh phí", "Đơn vị thực hiện", ""],
        ["", "", "", "", "", "Chủ trì", "Phối hợp"],
        ["1", "1. Hội nghị", "Hội nghị quán triệt", "Quý I/2022", "Ngân sách nhà nước", "- VPB\n- T5G", "TTKT"],
        ["2", "", "Hội nghị sơ kết", "", "", "", "Vụ TCCB"],
        ["3", "", "Hội nghị tổng kết", "", "", "", "Các đơn vị có liên quan"],
    ]
    paragraphs = [
        "BỘ Y TẾ",
        "Số: 3/KH-BYT",
        "ngày 05 tháng 01 năm 2022",
        "KẾ HOẠCH",
        "Truyền thông năm 2022",
        "Mục tiêu chung: nâng cao nhận thức.",
    ]
    result = run(docx_of(tmp_path / "m.docx", rows, paragraphs, merge_cols=(1, 3, 4, 5)), directory, tmp_path)
    first, second, third = result.draft.activities
    assert (second["window"], second["funding"], second["lead"], second["partners"]) == (
        "2022-01-01..2022-03-31",
        "Ngân sách nhà nước",
        ["VPB", "T5G"],
        ["Vụ TCCB"],
    )
    assert (third["window"], third["funding"], third["lead"]) == (
        "2022-01-01..2022-03-31",
        "Ngân sách nhà nước",
        ["VPB", "T5G"],
    )  # merged over three rows
    assert first["partners"] == ["TTKT"] and len(result.draft.spec["phases"][0]["content"]) == 1
    assert result.exit_code == 0, result.report


def test_a_table_split_over_pages_and_two_appendices(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from docx import Document

    doc = Document()
    for p in ("KẾ HOẠCH", "Truyền thông năm 2022", "PHỤ LỤC I", "HOẠT ĐỘNG TRUYỀN THÔNG TRỰC TIẾP"):
        doc.add_paragraph(p)
    for rows in (
        [HEAD, ["1", "Hội nghị", "2022", "VPB", "TTKT", "Ngân sách"]],
        [HEAD, ["2", "Tập huấn", "2022", "VPB", "TTKT", "Ngân sách"]],  # the same table, next page
        None,
        [HEAD, ["1", "Viết bài", "Quý II/2022", "Báo SKĐS", "VPB", "Ngân sách"]],
    ):
        if rows is None:
            doc.add_paragraph("PHỤ LỤC II")
            doc.add_paragraph("HOẠT ĐỘNG TRÊN BÁO CHÍ")
            continue
        table = doc.add_table(rows=len(rows), cols=len(rows[0]))
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                table.cell(i, j).text = text
    doc.save(str(tmp_path / "two.docx"))
    result = run(tmp_path / "two.docx", directory, tmp_path)
    phases = result.draft.spec["phases"]
    assert [p["name"] for p in phases] == [
        "PHỤ LỤC I HOẠT ĐỘNG TRUYỀN THÔNG TRỰC TIẾP",
        "PHỤ LỤC II HOẠT ĐỘNG TRÊN BÁO CHÍ",
    ]
    assert [[a["text"] for c in p["content"] for a in c["activities"]] for p in phases] == [
        ["Hội nghị", "Tập huấn"],
        ["Viết bài"],
    ]


def test_number_and_date_in_the_letterhead_table(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from docx import Document

    doc = Document()
    head = doc.add_table(rows=2, cols=2)
    for (i, j), text in {
        (0, 0): "BỘ Y TẾ",
        (0, 1): "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
        (1, 0): "Số: 21/KH-BYT",
        (1, 1): "Hà Nội, ngày 15 tháng 3 năm 2023",
    }.items():
        head.cell(i, j).text = text
    for p in ("KẾ HOẠCH", "Truyền thông cải cách hành chính năm 2023", "Mục tiêu chung: nâng cao nhận thức."):
        doc.add_paragraph(p)
    table = doc.add_table(rows=2, cols=len(HEAD))
    for i, row in enumerate([HEAD, ["1", "Hội nghị", "Quý II", "VPB", "TTKT", "Ngân sách"]]):
        for j, text in enumerate(row):
            table.cell(i, j).text = text
    doc.save(str(tmp_path / "lh.docx"))
    result = run(tmp_path / "lh.docx", directory, tmp_path)
    info = result.draft.spec["plan"]
    assert (info["number"], info["signed"], info["issuer"], info["code"]) == (
        "21/KH-BYT",
        "2023-03-15",
        "BỘ Y TẾ",
        "byt-21-2023",
    )
    assert result.draft.activities[0]["window"] == "2023-04-01..2023-06-30"  # "Quý II" in the plan's year
    assert result.exit_code == 0, result.report


def test_a_markdown_table_with_a_phase_column(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "KẾ HOẠCH\nTruyền thông giai đoạn 2022-2023\n\n"
        "| Giai đoạn | Nội dung | Hoạt động | Thời gian | Kinh phí | Chủ trì | Phối hợp |\n"
        "|---|---|---|---|---|---|---|\n"
        "| Giai đoạn 1 (2022) | 1. Phổ biến | Hội nghị | Quý I/2022 | Ngân sách | VPB | TTKT |\n"
        "| | | Tập huấn | Quý 2 năm 2022 | Ngân sách | VPB | TTKT |\n"
        "| Giai đoạn 2 (2023) | 1. Tổng kết | Hội nghị tổng kết | Năm 2023 | Ngân sách | VPB | TTKT |\n"
    )
    (tmp_path / "k.md").write_text(text, encoding="utf-8")
    result = run(tmp_path / "k.md", directory, tmp_path)
    phases = result.draft.spec["phases"]
    assert [(p["name"], p["window"]) for p in phases] == [
        ("Giai đoạn 1 (2022)", "2022"),
        ("Giai đoạn 2 (2023)", "2023"),
    ]
    assert phases[1]["review"]["kind"] == "final"


# ---- the pieces


@pytest.mark.parametrize(
    ("written", "window", "recurring"),
    [
        ("2014", "2014", None),
        ("2013-2014", "2013-2014", None),
        ("2013 - 2015", "2013-2015", None),
        ("Quý I/2022", "2022-01-01..2022-03-31", None),
        ("Quý IV/2022", "2022-10-01..2022-12-31", None),
        ("Quý 1 năm 2022", "2022-01-01..2022-03-31", None),
        ("Tháng 6/2022", "2022-06-01..2022-06-30", None),
        ("6 tháng đầu năm 2022", "2022-01-01..2022-06-30", None),
        ("6 tháng cuối năm", "2022-07-01..2022-12-31", None),
        ("Năm 2023", "2023", None),
        ("01/12/2022 - 20/12/2022", "2022-12-01..2022-12-20", None),
        ("Trước ngày 05/6 và 05/12", "2022", "dates"),
        ("Hằng tháng", "2022", "monthly"),
        ("Hàng quý", "2022", "quarterly"),
        ("Hằng năm", "2022", "yearly"),
        ("Thường xuyên", "2022", "ongoing"),
        ("Định kỳ 6 tháng", "2022", "half-yearly"),
        ("khi cần", None, None),
        ("31/02/2022", None, None),
        ("Quý II", "2022-04-01..2022-06-30", None),
        ("Tháng 12/2022 - Tháng 3/2023", "2022-12-01..2023-03-31", None),
        ("Từ tháng 3/2022 đến tháng 5/2022", "2022-03-01..2022-05-31", None),
        ("Cả năm", "2022", None),
    ],
)
def test_time_expressions(written: str, window: str | None, recurring: str | None) -> None:
    reading = read_time(written, (2022, 2022))
    assert (reading.window, reading.recurring) == (window, recurring)


def test_unit_cells_as_written(directory) -> None:  # type: ignore[no-untyped-def]
    assert split_names("- VPB,\n\n- T5G") == ["VPB", "T5G"]
    assert split_names("Báo SKĐS, Báo Gia đình - Xã hội") == ["Báo SKĐS", "Báo Gia đình - Xã hội"]
    assert split_names("\xa0") == [] and split_names("") == []
    assert split_names("Các phòng, ban chức năng; Trung tâm Y tế") == ["Các phòng, ban chức năng", "Trung tâm Y tế"]
    names = resolve_cell("-Vụ TCCB, Truyền thông và Thi đua khen thưởng", directory)
    assert [(n.written, n.code) for n in names] == [
        ("Vụ TCCB", "TCCB"),
        ("Vụ Truyền thông và Thi đua khen thưởng", "TTKT"),
    ]


def test_identity_from_the_text_around() -> None:
    ident = read_identity(
        [
            "UBND TỈNH X",
            "SỞ Y TẾ",
            "Số: 99/KH-SYT",
            "X, ngày 10 tháng 02 năm 2022",
            "Căn cứ Quyết định số 1/QĐ-UBND ngày 02/01/2022 của UBND tỉnh",
            "Thực hiện Kế hoạch số 13/KH-SYT ngày 26/01/2022 của Sở Y tế",
        ]
    )
    assert (ident.number, ident.signed) == ("99/KH-SYT", date(2022, 2, 10))
    assert ident.parent.startswith("Thực hiện Kế hoạch số 13/KH-SYT")
    assert plan_code(ident) == "syt-99-2022"
    decision = read_identity(
        [
            "BỘ Y TẾ",
            "Số: 12/QĐ-BYT",
            "Hà Nội, ngày 3 tháng 4 năm 2023",
            "QUYẾT ĐỊNH",
            "Về việc ban hành Kế hoạch truyền thông cải cách hành chính năm 2023",
        ]
    )
    assert (decision.title, decision.signed, decision.issuer) == (
        "Kế hoạch truyền thông cải cách hành chính năm 2023",
        date(2023, 4, 3),
        "BỘ Y TẾ",
    )


# ---- bad input: a clear message, exit 2, nothing written anywhere


def _zip_bomb(path: Path) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (200 * 2**20))
    path.write_bytes(buf.getvalue())
    return path


def _encrypted_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="o", user_password="")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="KE HOACH")
    pdf.output(str(path))
    return path


def _scanned_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 100, 50, style="F")  # a picture of a page: no text at all
    pdf.output(str(path))
    return path


def _bytes(data: bytes):  # type: ignore[no-untyped-def]
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return make


BAD: dict[str, tuple] = {
    "random.docx": (_bytes(bytes(range(256)) * 40), "không phải tệp Word .docx"),
    "program.pdf": (_bytes(b"MZ\x90\x00" + b"\0" * 500), "không phải tệp PDF"),
    "program.txt": (_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\0" * 500), "dữ liệu nhị phân"),
    "plan.doc": (_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500), "lưu thành .docx"),
    "plan.docm": (_bytes(b"PK\x03\x04"), "macro (.docm) bị từ chối"),
    "bomb.docx": (_zip_bomb, "có thể là tệp độc hại"),
    "no_table.docx": (lambda p: _bytes(_no_table_docx())(p), "không có bảng nào"),
    "empty.docx": (lambda p: docx_of(p, [["", ""], ["", ""]]), "bảng trống"),
    "headings_only.docx": (lambda p: docx_of(p, [HEAD]), "không có hàng hoạt động nào"),
    "headings.docx": (
        lambda p: docx_of(p, [["Họ tên", "Ngày sinh", "Quê quán"], ["A", "1990", "Huế"]]),
        "Tiêu đề tìm thấy: Họ tên | Ngày sinh | Quê quán",
    ),
    "encrypted.pdf": (_encrypted_pdf, "được mã hóa"),
    "scanned.pdf": (_scanned_pdf, "không có lớp chữ"),
    "big.txt": (_bytes(b"a" * (20 * 2**20 + 1)), "quá giới hạn 20 MB"),
    "latin1.txt": (_bytes(b"K\xe9 ho\xe1ch\tTT"), "không phải văn bản UTF-8 (byte 1)"),
    "truncated.pdf": (_bytes(b"%PDF-1.4\n1 0 obj <<"), "không đọc được tệp PDF"),
    "plan.xlsx": (_bytes(b"PK\x03\x04"), "không đọc được loại tệp '.xlsx'"),
}


def _no_table_docx() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("KẾ HOẠCH không có phụ lục")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_refused_clearly_and_nothing_is_written(loaded, cli, tmp_path, monkeypatch, name) -> None:  # type: ignore[no-untyped-def]
    make, words = BAD[name]
    if name == "plan.doc":
        monkeypatch.setattr("shutil.which", lambda _: None)  # this machine may have LibreOffice; say it has not
    path = make(tmp_path / name)
    before = dump()
    result = cli("plan", "import", path, "--units", UNITS, "--output", tmp_path / "out.yaml", expect=2)
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "out.yaml").exists() and dump() == before


def test_a_doc_goes_through_libreoffice_when_it_is_installed(directory, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """LibreOffice is not on this machine: a stand-in `soffice` on the PATH does what `soffice --headless
    --convert-to docx --outdir DIR FILE` does (writes DIR/FILE-stem.docx), so the conversion path is exercised."""
    converted = seed_docx(tmp_path / "converted.docx")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "soffice"
    script.write_text(f"""#!/bin/sh
while [ "$1" != "--outdir" ]; do shift; done
cp {converted} "$2/$(basename "$3" .doc).docx"
""")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    doc = tmp_path / "QD 3723.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    result = run(doc, directory, tmp_path)
    assert len(result.draft.activities) == 17 and result.name == "QD 3723.doc"
    assert result.sha256 == __import__("hashlib").sha256(doc.read_bytes()).hexdigest()  # the .doc's own hash


def test_a_docm_renamed_docx_is_still_refused(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = seed_docx(tmp_path / "m.docx")
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("word/vbaProject.bin", b"macro")
    with pytest.raises(ImportRefused, match="macro"):
        run(path, directory, tmp_path)


def test_import_exit_codes_and_no_database_write(loaded, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = dump()
    ok = cli("plan", "import", SEED, "--units", UNITS, "--output", tmp_path / "d.yaml", expect=0)
    assert "cchc plan load" in ok.stdout
    cli("plan", "check", tmp_path / "d.yaml", "--units", UNITS, expect=0)
    rows = [HEAD, ["1", "Hội nghị", "khi cần", "Vụ Không Có", "VPB", "Ngân sách"]]
    cli(
        "plan",
        "import",
        docx_of(tmp_path / "x.docx", rows),
        "--units",
        UNITS,
        "--output",
        tmp_path / "x.yaml",
        expect=1,
    )
    assert (tmp_path / "x.units.yaml").is_file()
    assert dump() == before


def test_a_draft_that_cannot_be_written_is_said_plainly(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    result = cli("plan", "import", SEED, "--units", UNITS, "--output", blocked / "d.yaml", expect=2)
    assert "không ghi được bản nháp" in result.stderr and "Traceback" not in result.stderr


def test_ten_thousand_rows_are_read(directory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines = [
        "KẾ HOẠCH",
        "Truyền thông năm 2022",
        "\tTT",
        "\tHoạt động",
        "\tThời gian",
        "\tĐơn vị chủ trì",
        "\tĐơn vị phối hợp",
        "\tKinh phí",
        "",
    ]
    for i in range(1, 10_001):
        lines += [f"\t{i}", f"\tHoạt động số {i}", "\tQuý I/2022", "\tVPB", "\tTTKT", "\tNgân sách", ""]
    (tmp_path / "big.txt").write_text("\n".join(lines), encoding="utf-8")
    result = run(tmp_path / "big.txt", directory, tmp_path)
    assert len(result.draft.activities) == 10_000
