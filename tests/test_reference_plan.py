"""The 3723/QĐ-BYT plan as encoded: every activity of the appendix, exactly as the appendix assigns it."""

from __future__ import annotations

import json

import pytest
from conftest import REFERENCE_PLAN

# Read off the appendix of ../shared/plans/byt-3723-2013-2015.txt, row by row:
# id: (window as written, funding as written, lead codes, partner codes, first words of the activity)
APPENDIX = {
    "1.1.1": ("2013-2014", "Kinh phí truyền thông Bộ Y tế", ["VPB"], ["TCCB", "DVLQ"], "- Tổ chức hội thảo tập huấn"),
    "1.1.2": (
        "2013-2014",
        "Kinh phí truyền thông Bộ Y tế",
        ["VPB", "T5G"],
        ["TCCB", "TTKT", "DVLQ"],
        "Tổ chức viết bài tuyên truyền",
    ),
    "1.2.1": ("2013-2014", "Kinh phí truyền thông Bộ Y tế", ["VPB", "VPDU"], ["DVLQ"], "- Thành lập Ban soạn thảo"),
    "1.3.1": ("2014", "Kinh phí thường xuyên", [], ["VPB", "TCCB", "TTKT", "DVLQ"], "Xây dựng chuyên mục tiếp nhận"),
    "1.3.2": ("2014", "Kinh phí truyền thông Bộ Y tế", ["VPB", "T5G"], ["TCCB", "TTKT", "DVLQ"], "Sửa đổi quy chế"),
    "1.4.1": (
        "2013-2014",
        "Ngân sách thường xuyên",
        ["SKDS", "GDXH"],
        ["VPB", "TCCB", "TTKT", "DVLQ"],
        "Tổ chức các cuộc thi tìm hiểu",
    ),
    "1.4.2": ("2014", "Kinh phí thường xuyên", ["VPB", "T5G"], [], "Hội thảo biểu dương"),
    "1.5.1": ("2014", "Kinh phí thường xuyên", ["VPB", "T5G"], ["TCCB", "TTKT", "DVLQ"], "Viết bài về việc triển khai"),
    "1.6.1": ("2014", "Kinh phí truyền thông Bộ Y tế", ["VPB", "TCCB"], ["DVLQ"], "- Hội thảo sơ kết"),
    "2.1.1": ("2014-2015", "Kinh phí truyền thông Bộ Y tế", ["VPB"], ["TCCB", "TTKT", "DVLQ"], "Hội thảo tập huấn"),
    "2.1.2": (
        "2014-2015",
        "Kinh phí truyền thông Bộ Y tế",
        ["VPB", "T5G"],
        ["TCCB", "TTKT", "DVLQ"],
        "Tuyên truyền trên kênh VTV1",
    ),
    "2.1.3": (
        "2014-2015",
        "Kinh phí truyền thông Bộ Y tế",
        ["VPB", "SKDS", "GDXH"],
        ["TCCB", "TTKT", "DVLQ"],
        "- Viết bài về những tập thể",
    ),
    "2.2.1": ("2014", "Kinh phí truyền thông Bộ Y tế", ["VPB", "SKDS", "GDXH"], ["VCL"], "Tổ chức tọa đàm"),
    "2.3.1": ("2014", "Ngân sách thường xuyên", ["VPB", "TCCB"], ["TTKT", "DVLQ"], "Hội thảo thực thi quyền"),
    "2.4.1": ("2014-2015", "Kinh phí truyền thông Bộ Y tế", ["VPB"], ["TCCB", "TTKT", "DVLQ"], "Duy trì đều đặn"),
    "2.5.1": (
        "2014",
        "Kinh phí thường xuyên",
        ["VPB", "T5G"],
        ["TCCB", "TTKT", "DVLQ"],
        "Viết bài tuyên truyền về tiến độ",
    ),
    "2.6.1": ("2015", "Kinh phí truyền thông Bộ", ["VPB", "TCCB"], ["TTKT", "DVLQ"], "Hội thảo tổng kết"),
}


@pytest.fixture
def shown(cli) -> dict:  # type: ignore[no-untyped-def]
    cli("plan", "load", REFERENCE_PLAN)
    return json.loads(cli("plan", "show", "byt-3723-2013-2015", "--format", "json").stdout)


def test_every_appendix_activity_is_present_as_the_appendix_gives_it(shown: dict) -> None:
    activities = {a["id"]: a for p in shown["phases"] for a in p["activities"]}
    assert sorted(activities) == sorted(APPENDIX)
    for key, (window, funding, lead, partners, opening) in APPENDIX.items():
        a = activities[key]
        assert (a["window"]["as_written"], a["funding"], a["lead"], a["partners"]) == (
            window,
            funding,
            lead,
            partners,
        ), key
        assert a["title"].startswith(opening), key


def test_identity_phases_reviews_and_windows(shown: dict) -> None:
    plan = shown["plan"]
    assert (plan["number"], plan["signed"], plan["focal_unit"]) == ("3723/QĐ-BYT", "2013-09-25", "VPB")
    assert len(plan["objectives"]["specific"]) == 3
    p1, p2 = shown["phases"]
    assert (p1["name"], p1["start"], p1["end"]) == ("Giai đoạn 1 (2013-2014)", "2013-09-25", "2014-12-31")
    assert (p2["name"], p2["start"], p2["end"]) == ("Giai đoạn II (2015)", "2014-01-01", "2015-12-31")
    assert (p1["review"]["activity"], p1["review"]["kind"]) == ("1.6.1", "preliminary")
    assert (p2["review"]["activity"], p2["review"]["kind"]) == ("2.6.1", "final")
    first = p1["activities"][0]
    assert first["window"]["start"] == "2013-09-25"  # "2013-2014" never opens before the signature
    assert first["window"]["end"] == "2014-12-31"
    duty = shown["reporting"][0]
    assert [d["due"] for d in duty["deadlines"]] == ["06-15", "12-15"] and duty["to"] == "Văn phòng Bộ"


def test_check_reports_the_plans_own_gaps_as_warnings(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("plan", "check", REFERENCE_PLAN)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Cảnh báo")]
    text = "\n".join(warnings)
    assert "1.3.1 không có đơn vị chủ trì" in text
    assert "Quyết định số/QĐ-BYT" in text
    assert "'Giai đoạn II (2015)'" in text and "2014-2015" in text
    assert text.count("'Vụ TTCB' được hiểu là TCCB") == 3
    assert "DVLQ" in text  # the group has no members in this plan, and says so
    assert "hợp lệ (17 hoạt động" in result.stdout


def test_units_directory_lists_the_plans_bodies_and_the_empty_group(cli) -> None:  # type: ignore[no-untyped-def]
    cli("plan", "load", REFERENCE_PLAN)
    units = {u["code"]: u for u in json.loads(cli("units", "--format", "json").stdout)}
    assert {"VPB", "TCCB", "TTKT", "T5G", "VPDU", "SKDS", "GDXH", "VCL", "DVLQ"} <= set(units)
    assert "VP Bộ" in units["VPB"]["aliases"] and units["VPB"]["tags"] == ["unit-vpb"]
    assert units["DVLQ"]["kind"] == "group" and units["DVLQ"]["members"] == {"byt-3723-2013-2015": []}
    assert "chưa có thành viên" in cli("units").stdout
