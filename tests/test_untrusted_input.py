"""Hostile text taken safely: file names and notes that a spreadsheet would run as formulas, Markdown links in
evidence, file names too long for the file system, arguments that are not UTF-8."""

from __future__ import annotations

import csv
import io
import zipfile

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
