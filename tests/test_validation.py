"""`cchc plan check` / `plan load`: each kind of bad file gets a clear error (file, line, field, fix), exit 2, nothing written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import DATA

# file -> (line, field, words the message must contain)
BAD = {
    "malformed.yaml": (
        16,
        "",
        "YAML sai cú pháp: while parsing a flow sequence expected ',' or ']', but got ':'; hãy sửa cú pháp ở dòng này",
    ),
    "wrong_type.yaml": (13, "phases[0].number", "cần một số nguyên"),
    "unknown_unit.yaml": (25, "phases[0].content[0].activities[0].partners[0]", "'Vụ XYZ' không có trong danh mục"),
    "duplicate_id.yaml": (26, "phases[0].content[0].activities[1].id", "'1.1.1' bị trùng (đã dùng ở dòng 20)"),
    "window_order.yaml": (22, "phases[0].content[0].activities[0].window", "kết thúc trước khi bắt đầu"),
    "bad_date.yaml": (4, "plan.signed", "ngày không đọc được: '2014-13-45'"),
    "unknown_field.yaml": (24, "phases[0].content[0].activities[0].budget", "trường không được biết đến"),
}


def _plans(db_url: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("plan"):
                return 0
            return conn.execute(sa.text("select count(*) from plan")).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_plan_is_refused_with_file_line_field_and_fix(cli, db_url: str, name: str) -> None:  # type: ignore[no-untyped-def]
    line, field, words = BAD[name]
    for command in ("check", "load"):
        result = cli("plan", command, DATA / "bad" / name, expect=2)
        errors = [x for x in result.stderr.splitlines() if x.startswith("Lỗi:")]
        assert len(errors) == 1, result.stderr
        where = f"tests/data/bad/{name}:{line}: "
        assert where in errors[0]
        said = errors[0].split(where, 1)[1]
        assert said.startswith(f"{field}: " if field else words), said  # the field, or straight to the problem
        assert words in said
        assert "không có gì được ghi" in result.stderr
    assert _plans(db_url) == 0


def test_minimal_plan_is_valid_and_english_is_available(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert "hợp lệ (1 hoạt động, 0 cảnh báo)" in cli("plan", "check", DATA / "minimal.yaml").stdout
    monkeypatch.setenv("CCHC_LANG", "en")
    result = cli("plan", "check", DATA / "bad" / "unknown_unit.yaml", expect=2)
    assert "unit 'Vụ XYZ' is not in the directory" in result.stderr


@pytest.mark.parametrize(
    "text, words",
    [
        ("a: &x [1]\nb: *x\n", "neo/bí danh"),
        ("plan: !!python/object/apply:os.system ['true']\n", "thẻ YAML"),
        ("a: 1\na: 2\n", "bị trùng"),
        ("", "tệp rỗng"),
        ("- 1\n- 2\n", "bảng khóa/giá trị"),
    ],
)
def test_unsafe_or_unusable_yaml_is_refused(cli, tmp_path, text: str, words: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    assert words in cli("plan", "check", path, expect=2).stderr


def test_non_utf8_and_oversized_files_are_refused(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("plan:\n  title: Kế hoạch\n".encode("utf-16"))
    assert "không phải UTF-8" in cli("plan", "check", latin, expect=2).stderr
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * 3_000_000 + b"\n")
    assert "giới hạn" in cli("plan", "check", big, expect=2).stderr
    assert "không tìm thấy tệp" in cli("plan", "check", tmp_path / "none.yaml", expect=2).stderr


@pytest.mark.parametrize(
    "value, start, end",
    [
        ("2014", "2014-01-01", "2014-12-31"),
        ("2013-2014", "2013-09-25", "2014-12-31"),
        ("2014-03-01..2014-06-30", "2014-03-01", "2014-06-30"),
        ("01/03/2014 - 30/06/2014", "2014-03-01", "2014-06-30"),
        ({"start": "2014-03-01", "end": "15/04/2014"}, "2014-03-01", "2014-04-15"),
        ("2012", "2012-12-31", "2012-12-31"),  # ends before the signature: a one-day window at its end
    ],
)
def test_time_windows_as_plans_write_them(value, start: str, end: str) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from cchc_flow.models.rules.calendar import parse_window

    w = parse_window(value, not_before=date(2013, 9, 25))
    assert (w.start.isoformat(), w.end.isoformat()) == (start, end)
