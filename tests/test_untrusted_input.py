"""Hostile text taken safely: file names and notes that a spreadsheet would run as formulas, Markdown links in
evidence, file names too long for the file system, arguments that are not UTF-8."""

from __future__ import annotations

import csv
import re
import io
import zipfile
from datetime import date
from html import unescape

from portal import PLAN, rows
from test_web import PDF, app, client, creds, post  # noqa: F401  (fixtures)

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


HOSTILE_MARKDOWN = ("[x](javascript:alert(1))", "![i](https://evil.example/p.png)", "<javascript:alert(2)>",
                    "[y][r]\n\n[r]: javascript:alert(3)", "<script>alert(4)</script>", "`code` **b** _i_ ~~s~~",
                    "\\[z](javascript:alert(5))", "&lt;img src=x&gt;")


def test_evidence_renders_as_text_in_the_review_report() -> None:
    from dataclasses import replace

    from markdown_it import MarkdownIt

    from models.review_render import render_markdown
    from models.review_report import Attachment, Evidence
    from test_review_render import make_report

    report = make_report()
    first = report.contents[0]
    evidence = tuple(Evidence(date(2014, 6, 20), "VPB", "report", text,
                              (Attachment("[f](javascript:alert(6)).pdf", "ab" * 32, 1),))
                     for text in HOSTILE_MARKDOWN)
    line = replace(first.activities[0], title="[t](javascript:alert(7))", evidence=evidence)
    report = replace(report, contents=(replace(first, activities=(line, *first.activities[1:])),
                                       *report.contents[1:]))
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(render_markdown(report))
    html = html[html.index("<table"):]   # the report's own heading is bold; from the tables on, only data
    for tag in ("<a ", "<img", "<script", "<code", "<strong", "<em", "<s>"):
        assert tag not in html, tag
    text = unescape(re.sub(r"<[^>]+>", "", html))   # what a reader sees
    for written in HOSTILE_MARKDOWN[:3] + HOSTILE_MARKDOWN[4:] + ("[f](javascript:alert(6)).pdf",
                                                                  "[t](javascript:alert(7))"):
        assert written in text, written
