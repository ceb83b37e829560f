"""Unit scores: the pure formula, the weights from the plan, `cchc review score` in every format, the board and
the review report's ranking table."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from cchc_flow.models.rules.scores import DEFAULT_WEIGHTS, Part, score_units, weights_of

PLAN = "byt-3723-2013-2015"


def test_the_formula_and_the_ranking() -> None:
    parts = [
        Part("A", "lead", "done_on_time"),
        Part("A", "partner", "overdue"),  # (1 + 0.5*0) / 1.5
        Part("B", "lead", "done_late"),
        Part("B", "lead", "done_on_time", extended=True),  # (0.5 + 0.9) / 2
        Part("C", "lead", "done_on_time", explained=True),  # 1 - 0.2
        Part("D", "lead", "in_time"),
        Part("D", "partner", "cancelled"),
    ]  # nothing counted
    scores = {s.unit: s for s in score_units(parts, DEFAULT_WEIGHTS, {"A": "Vụ A"})}
    assert (scores["A"].score, scores["B"].score, scores["C"].score, scores["D"].score) == (66.7, 70.0, 80.0, 0.0)
    assert [(s.unit, s.rank) for s in score_units(parts, DEFAULT_WEIGHTS, {})] == [
        ("C", 1),
        ("B", 2),
        ("A", 3),
        ("D", 0),
    ]
    assert (scores["A"].completion, scores["A"].punctuality) == (0.5, 1.0)
    assert scores["B"].extended == 1 and scores["C"].explanations == 1 and scores["A"].name == "Vụ A"
    tied = score_units([Part("X", "lead", "done_on_time"), Part("Y", "lead", "done_on_time")], DEFAULT_WEIGHTS, {})
    assert [s.rank for s in tied] == [1, 1]
    assert weights_of({"scores": {"late": 0.25}})["late"] == 0.25 and weights_of({})["lead"] == 1.0


def test_figures_as_their_readers_write_them() -> None:
    """One rule (models/rules/labels.py): a decimal comma in Vietnamese, a point in English."""
    from cchc_flow.models.rules.labels import number, percent
    from cchc_flow.models.rules.scores import formula, score_rows

    assert (number(96.66, "vi"), number(96.66, "en"), number(1234.5, "vi"), number(1234.5, "en")) == (
        "96,7",
        "96.7",
        "1.234,5",
        "1,234.5",
    )
    assert (number(0.5, "vi", None), number(1.0, "vi", None), number(0.25, "en", None)) == ("0,5", "1", "0.25")
    assert (percent(2 / 3, "vi"), percent(2 / 3, "en"), percent(None, "vi")) == ("66,7 %", "66.7%", "—")
    assert "phối hợp 0,5" in formula(DEFAULT_WEIGHTS, "vi") and "partner 0.5" in formula(DEFAULT_WEIGHTS, "en")
    scores = score_units(
        [Part("A", "lead", "done_on_time"), Part("A", "lead", "done_late"), Part("A", "lead", "overdue")],
        DEFAULT_WEIGHTS,
        {},
    )
    assert score_rows(scores, "vi")[1][0][-3:] == ["66,7 %", "50,0 %", "50,0"]
    assert score_rows(scores, "en")[1][0][-3:] == ["66.7%", "50.0%", "50.0"]


def test_review_score_command_board_and_report(loaded, cli, tokens, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from cchc_flow.flows.phase import run_phase

    run_phase(loaded, 1, "2014-01-06")
    cli(
        "activity",
        "done",
        "1.1.1",
        "--unit",
        "VPB",
        "--evidence",
        "Đã làm",
        "--as-of",
        "2014-06-02",
        "--letter",
        "Công văn 1",
        token=tokens["VPB"],
    )
    cli(
        "activity",
        "done",
        "1.1.2",
        "--unit",
        "T5G",
        "--evidence",
        "Đã làm",
        "--as-of",
        "2015-01-05",
        "--letter",
        "Công văn 2",
        token=tokens["VPB"],
    )
    data = json.loads(
        cli("review", "score", loaded, "--phase", "1", "--as-of", "2015-01-06", "--format", "json").stdout
    )
    scores = {s["unit"]: s for s in data["scores"]}
    assert data["weights"] == DEFAULT_WEIGHTS
    # VPB: 1.1.1 on time (lead), 1.1.2 late (lead), other phase-1 activities it leads overdue
    assert scores["VPB"]["on_time"] == 1 and scores["VPB"]["late"] == 1 and scores["VPB"]["rank"] >= 1
    assert scores["T5G"]["late"] == 1
    assert [s["rank"] for s in data["scores"] if s["rank"]] == sorted(s["rank"] for s in data["scores"] if s["rank"])
    table = cli("review", "score", loaded, "--phase", "1", "--as-of", "2015-01-06").stdout
    assert "Điểm của các đơn vị" in table and "Điểm = 100 ×" in table
    rows = [
        r
        for r in csv.reader(
            io.StringIO(
                cli(
                    "review", "score", loaded, "--phase", "1", "--format", "csv", "--as-of", "2015-01-06"
                ).stdout.lstrip("\ufeff")
            )
        )
        if r
    ]
    assert rows[0][:2] == ["Hạng", "Đơn vị"] and len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows)
    vpb = next(r for r in rows if r[1] == "Văn phòng Bộ (VPB)")  # machine numbers: a point, shares as fractions
    assert float(vpb[-1]) == scores["VPB"]["score"] and 0 <= float(vpb[-3]) <= 1 and "%" not in vpb[-3]
    shown = next(line for line in table.splitlines() if "Văn phòng Bộ" in line)
    assert f"{scores['VPB']['score']:.1f}".replace(".", ",") in shown  # the terminal: a decimal comma
    book = tmp_path / "diem.xlsx"
    cli("review", "score", loaded, "--format", "xlsx", "--output", book, "--as-of", "2015-01-06")
    sheet = load_workbook(book).active
    assert sheet["A2"].value == "Hạng" and sheet["K2"].value == "Điểm"
    assert isinstance(sheet["K3"].value, float) and sheet["I3"].number_format == "0.0%"  # real numbers
    assert "--output" in cli("review", "score", loaded, "--format", "xlsx", expect=2).stderr
    assert "csv" in cli("review", "score", loaded, "--format", "pdf", expect=2).stderr
    assert "không có giai đoạn 9" in cli("review", "score", loaded, "--phase", "9", expect=2).stderr

    from cchc_flow.models.reports.review_render import render_markdown
    from cchc_flow.models.services.reviews import build_report
    from cchc_flow.models.store.db import session

    with session() as s:
        md = render_markdown(build_report(s, loaded, 1, date(2015, 1, 6)))
    assert "## Xếp hạng đơn vị" in md and "| Hạng | Đơn vị |" in md and "Điểm = 100 ×" in md
