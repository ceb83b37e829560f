"""`cchc plan import` writes a recurring time as the plan schema's recurrence fields (recurs, check_in: what the YAML
plans use), a plural group as lead as the fan-out (for_each), and a "thường xuyên" with no stated cadence as a
chosen check-in that the report and `plan check` warn about; the documents here are written by the tests."""

from __future__ import annotations

from pathlib import Path

import yaml
from plan_docs import docx_of

from cchc_flow.models.rules.plan import read_directory
from cchc_flow.models.services.plan_import import import_document

REPO = Path(__file__).resolve().parent.parent
CENTRE = REPO / "config/units/ttytpm.yaml"
HEAD = ["STT", "Nội dung hoạt động", "Đơn vị chủ trì", "Thời gian thực hiện", "Kinh phí", "Đơn vị phối hợp"]
LETTER = [
    "TRUNG TÂM Y TẾ PHÙ MỸ",
    "Số: 15/KH-TTYT",
    "Phù Mỹ, ngày 10 tháng 3 năm 2023",
    "KẾ HOẠCH",
    "Truyền thông về cải cách hành chính giai đoạn 2023 - 2024",
    "Mục tiêu chung: mọi viên chức hiểu và thực hiện cải cách hành chính.",
]


def test_cadences_written_in_the_document_become_recurrence_fields(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    rows = [
        HEAD,
        ["1", "Cập nhật chuyên mục CCHC trên trang thông tin điện tử", "Phòng TC-HC", "Hằng tháng", "Ngân sách", ""],
        ["2", "Sinh hoạt chuyên đề CCHC", "Các khoa, phòng, trạm y tế", "Hằng quý", "Ngân sách", "Phòng TC-HC"],
        ["3", "Rà soát bảng niêm yết thủ tục", "Phòng TC-HC", "Định kỳ 6 tháng", "Ngân sách", ""],
        ["4", "Bình xét, khen thưởng tập thể tiêu biểu", "Lãnh đạo TTYT", "Hằng năm", "Ngân sách", "Phòng TC-HC"],
        ["5", "Tuyên truyền qua nhóm Zalo của đơn vị", "Các khoa, phòng, trạm y tế", "Thường xuyên", "Ngân sách", ""],
        ["6", "Hội nghị triển khai kế hoạch", "Lãnh đạo TTYT", "Quý II/2023", "Ngân sách", "Phòng TC-HC"],
    ]
    draft = tmp_path / "ke-hoach.yaml"
    result = import_document(
        docx_of(tmp_path / "ke-hoach.docx", rows, LETTER), read_directory(CENTRE), draft, str(CENTRE)
    )
    spec = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert spec["plan"]["organisation"] == "TTYTPM"  # the directory's organisation: plan check reads it with it
    acts = {a["id"]: a for p in spec["phases"] for c in p["content"] for a in c["activities"]}
    assert [(a.get("recurs"), a.get("check_in"), a.get("for_each", False)) for a in acts.values()] == [
        ("monthly", None, False),
        ("quarterly", None, True),
        ("half-year", None, False),
        ("yearly", None, False),
        ("continuous", "quarterly", True),
        (None, None, False),  # a one-off quarter
    ]
    assert all(a["window"] == "2023-2024" for a in list(acts.values())[:5])
    assert "remarks" not in acts["1.1.1"] and "remarks" not in acts["1.1.2"]  # the cadence is a field, not a remark
    chosen = acts["1.1.5"]["remarks"]
    assert chosen == [
        "văn bản ghi “Thường xuyên” không nêu kỳ báo cáo; cchc plan import chọn kỳ hằng quý (check_in), "
        "người lập kế hoạch cần xác nhận hoặc sửa"
    ]
    report = "\n".join(result.report)
    assert "1.1.5: văn bản ghi “Thường xuyên” không nêu kỳ báo cáo; bản nháp chọn hằng quý (check_in)" in report
    assert "1.1.2: “Các khoa, phòng, trạm y tế” là một nhóm; bản nháp ghi for_each" in report
    warnings = [str(w) for w in result.checked.warnings]
    assert any("hoạt động 1.1.5: văn bản ghi 'thường xuyên' không nêu kỳ báo cáo" in w for w in warnings), warnings
    assert not result.checked.errors, result.checked.errors
    # loaded as the YAML plans are: series with their cadence and the group they fan out to
    cli("plan", "load", draft, "--units", CENTRE)
    from sqlmodel import select

    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.tables import SeriesRow

    with session() as s:
        series = {r.key: (r.recurs, r.cadence, r.for_each) for r in s.exec(select(SeriesRow))}
    assert series == {
        "1.1.1": ("monthly", "monthly", None),
        "1.1.2": ("quarterly", "quarterly", "TTYTPM.KPT"),
        "1.1.3": ("half-year", "half-year", None),
        "1.1.4": ("yearly", "yearly", None),
        "1.1.5": ("continuous", "quarterly", "TTYTPM.KPT"),
    }


def test_a_stated_cadence_beside_thuong_xuyen_is_taken_and_fixed_days_give_theirs(tmp_path: Path) -> None:
    """A Markdown document for the Ministry: "Thường xuyên, báo cáo hằng tháng" states its cadence (nothing chosen);
    four due days a year are quarterly; a cadence that cannot be told stays a remark."""
    text = "\n".join(
        [
            "BỘ Y TẾ",
            "Số: 41/KH-BYT",
            "Hà Nội, ngày 02 tháng 01 năm 2024",
            "KẾ HOẠCH",
            "Thông tin, truyền thông cải cách hành chính năm 2024",
            "Mục tiêu chung: thông tin kịp thời.",
            "",
            "| STT | Hoạt động | Chủ trì | Thời gian | Kinh phí |",
            "|---|---|---|---|---|",
            "| 1 | Đưa tin trên Cổng thông tin | Vụ TTKT | Thường xuyên, báo cáo hằng tháng | Ngân sách |",
            "| 2 | Tổng hợp số liệu | Văn phòng Bộ | Trước ngày 15/3, 15/6, 15/9 và 15/12 | Ngân sách |",
            "| 3 | Khảo sát ý kiến | Văn phòng Bộ | Trước ngày 15/3, 15/6 và 15/9 | Ngân sách |",
        ]
    )
    doc = tmp_path / "ke-hoach.md"
    doc.write_text(text, encoding="utf-8")
    draft = tmp_path / "draft.yaml"
    import_document(doc, read_directory(REPO / "config/units.yaml"), draft, "config/units.yaml")
    spec = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert "organisation" not in spec["plan"]  # the Ministry's plans name none
    acts = [a for p in spec["phases"] for c in p["content"] for a in c["activities"]]
    assert (acts[0].get("recurs"), acts[0].get("check_in"), acts[0].get("remarks")) == ("monthly", None, None)
    assert acts[1]["recurs"] == "quarterly" and "15/12" in acts[1]["remarks"][0]
    assert "recurs" not in acts[2] and "không suy ra được kỳ lặp lại" in acts[2]["remarks"][0]
