"""The other plans replayed: Kon Tum 2021 walked to the end of the year with its per-unit and recurring activities;
the summary agrees with the database and nothing was sent twice."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa


@pytest.mark.usefixtures("prefect_api")
def test_the_kon_tum_replay_runs_to_the_end_and_its_summary_agrees_with_the_database(  # type: ignore[no-untyped-def]
    cli, tmp_path, monkeypatch, db_url
) -> None:
    home = tmp_path / "demo"
    for var in ("CCHC_HOME", "CCHC_DATABASE_URL", "CCHC_NOTIFY_CONFIG"):  # the replay points these at its own home
        monkeypatch.setenv(var, "unset")
    into = [] if db_url.startswith("sqlite") else ["--database-url", db_url]
    data = json.loads(cli("demo", "--plan", "kon-tum-2021", "--home", home, "--format", "json", *into).stdout)
    engine = sa.create_engine(db_url if into else f"sqlite:///{home / 'cchc.db'}")
    with engine.connect() as conn:

        def q(sql: str) -> list[tuple]:
            return [tuple(r) for r in conn.execute(sa.text(sql))]

        states = Counter(dict(q("select state, count(*) from activity group by state")))
        keys = {k for (k,) in q("select key from activity")}
        notices = dict(q("select status, count(*) from notification group by status"))
        duplicates = q("select key, count(*) from notification group by key having count(*) > 1")
        late = q("select count(*) from activity where opened_late")[0][0]
    assert data["plan"] == "2105/KH-SYT" and data["phases"]["1"]["states"] == dict(sorted(states.items()))
    assert data["notifications"] == notices and notices.get("pending", 0) == 0 and not duplicates
    assert data["illustrative_members"] == {
        "PNV": "Phòng Nghiệp vụ (minh họa)",
        "BVDK": "Bệnh viện Đa khoa tỉnh (minh họa)",
        "TTYT_A": "Trung tâm Y tế huyện A (minh họa)",
    }
    # every quarter from the signature (19/05/2021) to the end of 2021, for each member; the CDC's column monthly
    assert {f"1.1.1@2021-{q}:{m}" for q in ("Q2", "Q3", "Q4") for m in ("PNV", "BVDK", "TTYT_A")} <= keys
    assert {f"1.1.4@2021-{m:02d}" for m in range(5, 13)} <= keys and "1.1.2:TTYT_A" in keys
    assert late == 0  # loaded on its first day: no period had passed
    series = {s["activity"]: s for s in data["series"]}
    assert series["1.1.4"]["missed"] == ["1.1.4@2021-09"]  # the CDC's September
    assert "1.1.1@2021-Q3:TTYT_A" in series["1.1.1"]["missed"]  # the member that never reports
    assert data["portal"]["coordinator"] == "SYTKT.LD" and data["portal"]["unit"] == "SYTKT.PNV"
    assert notices["sent"] > 0 and list((home / "outbox").glob("*.json"))


def test_an_unknown_replay_is_refused(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("demo", "--plan", "khong-co", expect=2)
    assert "không có bản chạy thử cho kế hoạch 'khong-co'" in result.stderr


def test_the_phu_my_script_covers_every_year_of_its_calendar(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The scripted actions over 2022-2025, without running them: each year has its late shares, its missed month,
    the Sở's two inspections and the two reports to the Sở; one member never reports."""
    from cchc_flow.cli.replays import REPLAYS, prepared_files, script
    from cchc_flow.models.rules.plan import read_directory, read_plan
    from cchc_flow.models.rules.recurrence import items

    replay = REPLAYS["phu-my-2022-2025"]
    plan_file, units_file = prepared_files(replay, tmp_path)
    directory = read_directory(units_file)
    plan, _ = read_plan(plan_file, directory)
    steps = script(replay, plan, "TTYTPM", "TTYTPM.TCHC")
    done = [s for s in steps if s.kind == "done"]
    members = tuple(f"TTYTPM.{m}" for m in replay.members)
    ends = {
        i.key: i.end
        for a in plan.activities
        for i in items(a.key, a.window.start, a.window.end, a.cadence, members if a.for_each else None)
    }
    late = {s.target for s in done if s.day > ends[s.target]}
    assert {s.day.year for s in done} == {2022, 2023, 2024, 2025} and max(s.day for s in steps) <= replay.end
    assert not [s for s in steps if s.unit == "TTYTPM.TYT_B"]  # the member that never reports
    for year in range(2022, 2026):
        reported = {s.target for s in done if s.day.year == year or s.target.endswith(f"@{year}-12")}
        assert f"1.2.1@{year}-10" in reported and f"1.2.1@{year}-11" not in reported  # November missed each year
        assert {f"1.2.2@{year}-H1", f"1.2.2@{year}-H2"} <= reported  # the Sở's inspections
        assert {f"1.2.1@{year}-08", f"1.1.1@{year}-Q3:KHOA_YTCC"} <= late  # the late ones, every year
    assert [s.unit for s in done if s.target.startswith("1.2.2@")] == ["TTYTPM.SYT"] * 8
    reports = dict(replay.reports)
    assert len(reports) == 8 and all(day.day < 5 for p, day in reports.items() if p not in ("2022", "2024-H1"))
    assert reports["2022"] == date(2022, 12, 8) and reports["2024-H1"] == date(2024, 6, 10)  # the late ones


@pytest.mark.sqlite_only  # the whole 2022-2025 calendar, once; the script's years are checked above without flows
@pytest.mark.usefixtures("prefect_api")
def test_the_phu_my_replay_walks_2022_to_2025_and_its_summary_agrees_with_the_database(  # type: ignore[no-untyped-def]
    cli, tmp_path, monkeypatch
) -> None:
    home = tmp_path / "demo"
    for var in ("CCHC_HOME", "CCHC_DATABASE_URL", "CCHC_NOTIFY_CONFIG"):
        monkeypatch.setenv(var, "unset")
    data = json.loads(cli("demo", "--plan", "phu-my-2022-2025", "--home", home, "--format", "json").stdout)
    with sa.create_engine(f"sqlite:///{home / 'cchc.db'}").connect() as conn:

        def q(sql: str) -> list[tuple]:
            return [tuple(r) for r in conn.execute(sa.text(sql))]

        states = Counter(dict(q("select state, count(*) from activity group by state")))
        duplicates = q("select key, count(*) from notification group by key having count(*) > 1")
        inspections = q("select key, state from activity where key like '1.2.2@%' order by key")
        submitted = q("select count(*) from submission")[0][0]
    assert data["phases"]["1"]["states"] == dict(sorted(states.items())) and not duplicates
    assert data["notifications"].get("pending", 0) == 0
    years = data["years"]
    assert list(years) == ["2022", "2023", "2024", "2025"]
    for year in years.values():  # every year: shares on time, late ones, and the member that never reports
        assert year["on_time"] > year["late"] >= 2 and year["missed"] >= 1 and "TYT_B" in year["missed_by"]
    series = {s["activity"]: s for s in data["series"]}
    assert series["1.2.1"]["items"] == 47  # monthly from February 2022 to December 2025
    assert series["1.2.1"]["missed"] == [f"1.2.1@{y}-11" for y in range(2022, 2026)]
    assert inspections == [(f"1.2.2@{y}-{h}", "accepted") for y in range(2022, 2026) for h in ("H1", "H2")]
    periodic = {r["period"]: r for r in data["periodic"]}
    assert len(periodic) == 8 == submitted == data["periodic_reports"]
    assert periodic["2022"]["due"] == "2022-12-05" and periodic["2024-H1"]["due"] == "2024-06-05"
    assert [p for p, r in periodic.items() if not r["on_time"]] == ["2022", "2024-H1"]
    assert periodic["2025"]["submitted"] == "2025-12-01"
