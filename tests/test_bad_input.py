"""The bad input corpus (tests/data/bad/, with the 50 MB file made here) and bad arguments on the command line: each
gets a clear message (file and line, or the argument, and what to do), a non-zero exit, and the database is left
exactly as it was (every table dumped before and after)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DATA
from faults import PLAN, dump

BAD = DATA / "bad"

# file in tests/data/bad -> (line of the first error, words it must say)
PLAN_FILES: dict[str, tuple[int, str]] = {
    "alias_bomb.yaml": (2, "không dùng neo/bí danh YAML (&, *)"),
    "bad_date.yaml": (4, "plan.signed: ngày không đọc được: '2014-13-45': ngày không có thật"),
    "duplicate_id.yaml": (26, "mã '1.1.1' bị trùng (đã dùng ở dòng 20)"),
    "duplicate_key.yaml": (4, "mã 'number' bị trùng (đã dùng ở dòng 3)"),
    "duplicate_phase.yaml": (26, "phases[1].number: mã '1' bị trùng (đã dùng ở dòng 13)"),
    "impossible_date.yaml": (4, "'31/02/2014': ngày không có thật; hãy viết YYYY-MM-DD hoặc DD/MM/YYYY"),
    "latin1.yaml": (5, "tệp không phải UTF-8 (byte 85); hãy lưu lại tệp với mã hóa UTF-8"),
    "malformed.yaml": (16, "YAML sai cú pháp"),
    "python_tag.yaml": (6, "thẻ YAML 'tag:yaml.org,2002:python/object/apply:os.system' không được phép"),
    "short_year.yaml": (22, "'01/03/14': năm viết hai chữ số, không rõ thế kỷ"),
    "truncated.yaml": (19, "YAML sai cú pháp: while scanning a quoted scalar found unexpected end of stream"),
    "unknown_field.yaml": (24, "activities[0].budget: trường không được biết đến; hãy xóa hoặc sửa tên trường"),
    "unknown_lead.yaml": (24, "lead[0]: đơn vị 'Vụ Không Có' không có trong danh mục config/units.yaml"),
    "unknown_unit.yaml": (25, "partners[0]: đơn vị 'Vụ XYZ' không có trong danh mục config/units.yaml"),
    "us_order_date.yaml": (
        4,
        "'01/25/2014': có vẻ viết theo thứ tự tháng/ngày (kiểu Mỹ); theo thứ tự Việt Nam là 25/01/2014",
    ),
    "utf16.yaml": (1, "tệp không phải UTF-8 (byte 0)"),
    "window_order.yaml": (22, "thời gian kết thúc trước khi bắt đầu (2014-12-31 > 2014-01-01)"),
    "wrong_type.yaml": (13, "phases[0].number: giá trị sai kiểu (cần một số nguyên)"),
    "year_first_slashes.yaml": (4, "'2014/01/10': năm đứng trước nhưng không theo ISO"),
}


def test_every_file_of_the_corpus_has_its_expected_error() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(PLAN_FILES)


@pytest.mark.parametrize("name", sorted(PLAN_FILES))
def test_a_bad_plan_file_is_refused_and_nothing_changes(loaded, cli, name: str) -> None:  # type: ignore[no-untyped-def]
    line, words = PLAN_FILES[name]
    before = dump()
    for command in ("check", "load"):
        result = cli("plan", command, BAD / name, expect=2)
        first = next(x for x in result.stderr.splitlines() if x.startswith("Lỗi:"))
        assert first.startswith(f"Lỗi: tests/data/bad/{name}:{line}:") and words in first, result.stderr
        assert result.stderr.rstrip().endswith("không có gì được ghi")
    assert dump() == before


def test_a_50_mb_file_is_refused_without_being_read(loaded, cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "ke-hoach-50mb.yaml"
    with big.open("wb") as f:
        chunk = b"# " + b"x" * 1021 + b"\n"
        for _ in range(50 * 1024):
            f.write(chunk)
    before = dump()
    opened: list[str] = []  # every time the big file is opened for reading, in any way
    real_open = Path.open

    def watched_open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == big:
            opened.append(str(args or kwargs))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", watched_open)  # Path.read_bytes and read_text open through it
    for command in ("check", "load"):
        result = cli("plan", command, big, expect=2)
        assert f"{big}: tệp lớn hơn giới hạn 2000000 byte" in result.stderr
    assert opened == []
    assert dump() == before


def test_day_month_year_is_read_where_iso_is_expected(cli) -> None:  # type: ignore[no-untyped-def]
    assert "hợp lệ (1 hoạt động, 0 cảnh báo)" in cli("plan", "check", DATA / "dmy_dates.yaml").stdout
    cli("plan", "load", DATA / "dmy_dates.yaml")
    import json

    shown = json.loads(cli("plan", "show", "thu-nghiem", "--format", "json").stdout)
    assert shown["plan"]["signed"] == "2014-01-10"
    assert shown["phases"][0]["activities"][0]["window"]["start"] == "2014-03-01"


def _routes(tmp: Path) -> Path:
    path = tmp / "kenh.yaml"
    path.write_text(
        "version: 1\nurls:\n  - outbox://vpb: {tag: unit-vpb}\n"
        "  - json://cchc:Sup3r-Secret-71@127.0.0.1:notaport/hook:\n      tag: unit-tccb\n",
        "utf-8",
    )
    return path


def _sparse(tmp: Path, name: str, size: int) -> Path:
    path = tmp / name
    with path.open("wb") as f:
        f.truncate(size)
    return path


# id -> (arguments (given tmp_path), token of, environment (given tmp_path), words the message must say)
Case = tuple[Callable[[Path], list], str | None, Callable[[Path], dict], str]
NONE: Callable[[Path], dict] = lambda tmp: {}  # noqa: E731
CLI_CASES: dict[str, Case] = {
    "unknown activity": (
        lambda tmp: ["activity", "done", "9.9.9", "--unit", "VPB", "--evidence", "x"],
        "VPB",
        NONE,
        "không có hoạt động '9.9.9' trong kế hoạch byt-3723-2013-2015; hãy xem 'cchc plan show",
    ),
    "unknown unit": (
        lambda tmp: ["activity", "note", "1.1.2", "--unit", "XYZ", "--text", "x"],
        "T5G",
        NONE,
        "không có đơn vị 'XYZ' trong danh mục; hãy xem 'cchc units'",
    ),
    "unknown plan (--plan)": (
        lambda tmp: ["activity", "done", "1.1.1", "--plan", "khong-co", "--unit", "VPB", "--evidence", "x"],
        "VPB",
        NONE,
        "không có kế hoạch 'khong-co' trong cơ sở dữ liệu; hãy chạy 'cchc plan load' trước (có: byt-3723-2013-2015)",
    ),
    "unknown plan (list)": (lambda tmp: ["activity", "list", "khong-co"], None, NONE, "không có kế hoạch 'khong-co'"),
    "unknown plan (phase run)": (
        lambda tmp: ["phase", "run", "khong-co", "1"],
        None,
        NONE,
        "không có kế hoạch 'khong-co'",
    ),
    "unknown plan (show)": (lambda tmp: ["plan", "show", "khong-co"], None, NONE, "không có kế hoạch 'khong-co'"),
    "unknown plan (report status)": (
        lambda tmp: ["report", "status", "khong-co"],
        None,
        NONE,
        "không có kế hoạch 'khong-co'",
    ),
    "unknown plan (notice list)": (
        lambda tmp: ["notice", "list", "khong-co"],
        None,
        NONE,
        "không có kế hoạch 'khong-co'",
    ),
    "unknown phase": (
        lambda tmp: ["phase", "run", PLAN, "9"],
        None,
        NONE,
        "kế hoạch byt-3723-2013-2015 không có giai đoạn 9 (có: 1, 2)",
    ),
    "impossible date": (
        lambda tmp: ["phase", "run", PLAN, "1", "--as-of", "2014-02-30"],
        None,
        NONE,
        "ngày '2014-02-30' không đọc được ('2014-02-30': ngày không có thật); hãy viết YYYY-MM-DD",
    ),
    "US date": (
        lambda tmp: ["activity", "list", PLAN, "--as-of", "12/25/2014"],
        None,
        NONE,
        "theo thứ tự Việt Nam là 25/12/2014",
    ),
    "two-digit year": (
        lambda tmp: ["activity", "done", "1.1.1", "--unit", "VPB", "--evidence", "x", "--as-of", "03/04/14"],
        "VPB",
        NONE,
        "năm viết hai chữ số",
    ),
    "attachment missing": (
        lambda tmp: ["activity", "done", "1.1.1", "--unit", "VPB", "--evidence", "x", "--attach", tmp / "khong-co.pdf"],
        "VPB",
        NONE,
        "không tìm thấy tệp đính kèm",
    ),
    "attachment is a folder": (
        lambda tmp: ["activity", "note", "1.1.2", "--unit", "T5G", "--text", "x", "--attach", tmp],
        "T5G",
        NONE,
        "không phải là tệp; hãy đính kèm từng tệp",
    ),
    "attachment huge": (
        lambda tmp: [
            "activity",
            "done",
            "1.1.1",
            "--unit",
            "VPB",
            "--evidence",
            "x",
            "--attach",
            _sparse(tmp, "video.mp4", 26 * 1024 * 1024),
        ],
        "VPB",
        NONE,
        "lớn hơn 25 MB; hãy nén hoặc chia nhỏ",
    ),
    "report file missing": (
        lambda tmp: ["report", "submit", "--unit", "TCCB", "--period", "2014-H1", "--file", tmp / "bao-cao.docx"],
        "TCCB",
        NONE,
        "không tìm thấy tệp đính kèm",
    ),
    "unknown period": (
        lambda tmp: [
            "report",
            "submit",
            "--unit",
            "TCCB",
            "--period",
            "2014-Q3",
            "--file",
            _sparse(tmp, "bc.docx", 10),
        ],
        "TCCB",
        NONE,
        "không có kỳ báo cáo '2014-Q3' trong kế hoạch; các kỳ: 2013, 2014-H1",
    ),
    "unknown token id": (lambda tmp: ["token", "revoke", "999"], "VPB", NONE, "không có mã truy cập số 999"),
    "unknown notification": (lambda tmp: ["notice", "resend", "999"], "VPB", NONE, "không có thông báo số 999"),
    "routes: invalid URL (phase run)": (
        lambda tmp: ["phase", "run", PLAN, "1", "--as-of", "2013-10-01"],
        None,
        lambda tmp: {"CCHC_NOTIFY_CONFIG": str(_routes(tmp))},
        "kenh.yaml (CCHC_NOTIFY_CONFIG) có lỗi: line 4 (entry #2): invalid or "
        "unsupported URL json://****. Hãy sửa các dòng này",
    ),
    "routes: invalid URL (action)": (
        lambda tmp: ["activity", "done", "1.1.1", "--unit", "VPB", "--evidence", "x"],
        "VPB",
        lambda tmp: {"CCHC_NOTIFY_CONFIG": str(_routes(tmp))},
        "chưa có gì được ghi hay gửi",
    ),
    "routes: file missing": (
        lambda tmp: ["phase", "run", PLAN, "1", "--as-of", "2013-10-01"],
        None,
        lambda tmp: {"CCHC_NOTIFY_CONFIG": str(tmp / "khong-co.yaml")},
        "khong-co.yaml: cannot read route file (No such file or directory)",
    ),
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_a_bad_argument_is_refused_and_nothing_changes(loaded, tokens, cli, tmp_path, monkeypatch, case: str) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import get_engine

    with get_engine().begin() as conn:  # 1.1.1 open: a valid `activity done` would change it
        conn.exec_driver_sql("update activity set state = 'assigned' where key in ('1.1.1', '1.1.2')")
    args, who, env, words = CLI_CASES[case]
    for name, value in env(tmp_path).items():
        monkeypatch.setenv(name, value)
    arguments = args(tmp_path)
    before = dump()
    result = cli(*arguments, expect=None, token=tokens[who] if who else None)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    message = " ".join(result.stderr.split())  # as printed, without Rich's line breaks
    assert message.startswith("✗ ") and words in message, message
    assert "Sup3r-Secret-71" not in result.stdout + result.stderr  # the routes file's password stays masked
    assert dump() == before


def test_libyaml_reads_every_document_as_pyyamls_own_loader_does() -> None:
    """Documents are read from libyaml's events (PyYAML here has it) with the same checks, data and lines as PyYAML's
    own loader; what libyaml refuses is read again by PyYAML's, whose words the error quotes (truncated.yaml above)."""
    import yaml

    from cchc_flow.models.rules import yamlfile

    assert yamlfile._FastLoader is not None
    repo = DATA.parent.parent
    files = [*sorted((repo / "config").rglob("*.yaml")), *sorted(DATA.glob("*.yaml")), *sorted(BAD.glob("*.yaml"))]
    read = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            continue
        outcomes = []
        for loader in (yamlfile._FastLoader, yamlfile._Loader):
            try:
                _, lines, data = yamlfile._read(loader, text)
                outcomes.append((lines, data))
            except yamlfile._Refused as exc:
                outcomes.append((exc.mark.line if exc.mark else None, exc.message))
            except yaml.YAMLError:  # a syntax error (libyaml words it its own way: read_yaml quotes PyYAML's)
                outcomes.append("syntax error")
        assert outcomes[0] == outcomes[1], path
        read += 1
    assert read > 20
