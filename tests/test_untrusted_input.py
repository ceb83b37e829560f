"""Hostile text taken safely: file names and notes that a spreadsheet would run as formulas, Markdown links in
evidence, file names too long for the file system, arguments that are not UTF-8."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import date
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import REPO
from portal import PDF, PLAN, post, rows

FORMULAS = ("=1+2.pdf", "=cmd|' calc'!A0.pdf")


def test_formulas_in_names_and_notes_stay_text_in_the_exports(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    t5g = client("T5G", creds)
    for period, name in zip(("2013", "2014-H1"), FORMULAS):
        r = post(t5g, f"/reports/{period}", files=[("file", (name, PDF))], page="/inbox")
        assert r.status_code == 303, r.text
    notes = [n for (n,) in rows("select note from transition where note is not null")]
    assert "=1+2.pdf sha256 f4923cc448c7" in notes and any(n.startswith("=cmd|' calc'!A0.pdf") for n in notes)
    auditor = client("auditor", creds)

    exported = auditor.get("/history/export.csv")
    cells = [c for row in csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))) for c in row]
    assert "'=1+2.pdf sha256 f4923cc448c7" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]

    xlsx = auditor.get("/history/export.xlsx").content
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not [s for s in sheets if "<f>" in s or "<f " in s]
    from openpyxl import load_workbook

    values = [c.value for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows() for c in row]
    assert "=1+2.pdf sha256 f4923cc448c7" in values
    assert any(isinstance(v, str) and v.startswith("=cmd|' calc'!A0.pdf") for v in values)


HOSTILE_MARKDOWN = (
    "[x](javascript:alert(1))",
    "![i](https://evil.example/p.png)",
    "<javascript:alert(2)>",
    "[y][r]\n\n[r]: javascript:alert(3)",
    "<script>alert(4)</script>",
    "`code` **b** _i_ ~~s~~",
    "\\[z](javascript:alert(5))",
    "&lt;img src=x&gt;",
)


def test_evidence_renders_as_text_in_the_review_report() -> None:
    from dataclasses import replace

    from markdown_it import MarkdownIt
    from test_review_render import make_report

    from cchc_flow.models.reports.review_render import render_markdown
    from cchc_flow.models.rules.review_report import Attachment, Evidence

    report = make_report()
    first = report.contents[0]
    evidence = tuple(
        Evidence(date(2014, 6, 20), "VPB", "report", text, (Attachment("[f](javascript:alert(6)).pdf", "ab" * 32, 1),))
        for text in HOSTILE_MARKDOWN
    )
    line = replace(first.activities[0], title="[t](javascript:alert(7))", evidence=evidence)
    report = replace(report, contents=(replace(first, activities=(line, *first.activities[1:])), *report.contents[1:]))
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(render_markdown(report))
    html = html[html.index("<table") :]  # the report's own heading is bold; from the tables on, only data
    for tag in ("<a ", "<img", "<script", "<code", "<strong", "<em", "<s>"):
        assert tag not in html, tag
    text = unescape(re.sub(r"<[^>]+>", "", html))  # what a reader sees
    for written in (
        HOSTILE_MARKDOWN[:3] + HOSTILE_MARKDOWN[4:] + ("[f](javascript:alert(6)).pdf", "[t](javascript:alert(7))")
    ):
        assert written in text, written


LONG_NAMES = (70 * "ệ" + ".pdf", 100 * "文" + ".pdf")  # 214 and 304 bytes in UTF-8


def attachments_stored() -> list[dict]:
    out = []
    for (value,) in rows("select attachments from evidence order by id"):
        out += json.loads(value) if isinstance(value, str) else value
    return out


def test_long_names_are_stored_short_and_kept_whole_in_the_database(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    t5g = client("T5G", creds)
    for name in LONG_NAMES:
        r = post(t5g, "/activities/1.1.2/note", {"text": "Biên bản"}, files=[("files", (name, PDF))], page="/inbox")
        assert r.status_code == 303, r.text
    r = post(t5g, "/reports/2014-H1", files=[("file", (LONG_NAMES[1], PDF))], page="/inbox")
    assert r.status_code == 303, r.text
    stored = attachments_stored()
    assert [a["name"] for a in stored] == list(LONG_NAMES)
    for a in stored:
        path = Path(a["path"])
        assert path.is_file() and path.suffix == ".pdf" and len(path.name.encode()) <= 255
    assert rows("select file_name from submission") == [(LONG_NAMES[1],)]
    download = t5g.get("/evidence/2/0")
    assert download.status_code == 200 and download.content == PDF
    assert quote(LONG_NAMES[1]) in download.headers["content-disposition"]


def test_the_cli_attaches_a_file_whose_name_fills_the_file_system(cli, tokens, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from portal import set_states

    set_states(PLAN, "assigned", ["1.1.2"])
    file = tmp_path / LONG_NAMES[0]
    file.write_bytes(PDF)
    cli("activity", "done", "1.1.2", "--unit", "T5G", "--evidence", "Biên bản", "--attach", file, token=tokens["T5G"])
    (a,) = attachments_stored()
    assert a["name"] == LONG_NAMES[0] and Path(a["path"]).read_bytes() == PDF
    cli("report", "submit", "--unit", "T5G", "--period", "2014-H1", "--file", file, token=tokens["T5G"])
    assert rows("select file_name from submission") == [(LONG_NAMES[0],)]


def run_cchc(*args: bytes, **env: bytes) -> subprocess.CompletedProcess:
    """`cchc ARGS` in a child process, with bytes as a terminal would pass them (not necessarily UTF-8)."""
    environ = {**os.environb, b"PYTHONPATH": str(REPO).encode(), **{k.encode(): v for k, v in env.items()}}
    return subprocess.run(
        [sys.executable.encode(), b"-m", b"cchc_flow.cli.main", *args], env=environ, capture_output=True, timeout=120
    )


@pytest.mark.parametrize(
    "args, env, named",
    [
        (
            (b"activity", b"note", b"1.1.2", b"--unit", b"T5G", b"--text", b"ghi ch\xfa"),
            {},
            "đối số thứ 7 (ghi ch\\xfa)",
        ),
        ((b"activity", b"note", b"1.1.\xff", b"--unit", b"T5G", b"--text", b"x"), {}, "đối số thứ 3"),
        ((b"activity", b"done", b"1.1.2", b"--unit", b"T\xc35G", b"--evidence", b"x"), {}, "đối số thứ 5"),
        ((b"history", PLAN.encode(), b"--actor", b"\xe9"), {}, "đối số thứ 4"),
        (
            (b"activity", b"note", b"1.1.2", b"--unit", b"T5G", b"--text", b"x"),
            {"CCHC_TOKEN": b"cchc_\xff\xfe"},
            "biến môi trường CCHC_TOKEN",
        ),
        ((b"history", PLAN.encode()), {"CCHC_ACTOR": b"c\xf4ng"}, "biến môi trường CCHC_ACTOR"),
    ],
)
def test_arguments_that_are_not_utf8_end_in_a_clear_error(tokens, args, env, named) -> None:  # type: ignore[no-untyped-def]
    from portal import set_states

    set_states(PLAN, "assigned", ["1.1.2"])
    before = rows("select count(*) from transition")
    r = run_cchc(*args, **{"CCHC_TOKEN": tokens["T5G"].encode(), **env})
    err = r.stderr.decode()
    assert r.returncode == 2 and "Traceback" not in err and named in err and "UTF-8" in err, err
    assert "\xff" not in err and "cchc_" not in err  # a token's bytes are never echoed
    assert rows("select count(*) from transition") == before


def test_serve_refuses_a_port_out_of_range() -> None:
    r = run_cchc(b"serve", b"--port", b"99999")
    assert r.returncode == 2 and "Traceback" not in r.stderr.decode() and "cổng 99999" in r.stderr.decode()
