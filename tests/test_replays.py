"""The other plans replayed: Kon Tum 2021 walked to the end of the year with its per-unit and recurring activities;
the summary agrees with the database and nothing was sent twice."""

from __future__ import annotations

import json
from collections import Counter

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
