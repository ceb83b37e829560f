"""A small real history (reference plan loaded, units' notes with delivered notices, amendments), built once per
test module through the CLI and copied into each test's own database (a file copy on SQLite, CREATE DATABASE
... TEMPLATE on PostgreSQL): each test may tamper with its copy."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from conftest import REFERENCE_PLAN, Cli
from sqlalchemy.engine import make_url

PLAN = "byt-3723-2013-2015"
NOTES = [
    ("1.1.1", "TCCB", "Đã gửi công văn số 15/TCCB về việc cử cán bộ dự hội thảo", "01/10/2013"),
    ("1.1.2", "TTKT", "Thanh tra Bộ góp ý: bổ sung nội dung phòng, chống tham nhũng", "15/10/2013"),
    ("1.1.1", "TCCB", "Danh sách học viên gửi kèm: 42 người", "2014-01-06"),
]
AMENDMENT = "Sửa đổi kế hoạch: bổ sung đơn vị phối hợp"


def record_steps(n: int, note: str = AMENDMENT) -> list[int]:
    """n steps recorded the ordinary way (cchc_flow.models.store.history.record in a write transaction); their ids."""
    from cchc_flow.models.store.db import session, write_transaction
    from cchc_flow.models.store.history import record
    from cchc_flow.models.store.queries import get_plan

    ids = []
    with session() as s, write_transaction(s):
        plan = get_plan(s, PLAN)
        for i in range(n):
            ids.append(
                record(
                    s,
                    plan_id=plan.id,
                    entity="plan",
                    key=PLAN,
                    event="amended",
                    actor="tester",
                    source="cli",
                    note=f"{note} ({i + 1})",
                ).id
            )
    return ids


def build(cli: Cli) -> None:
    """Steps: 1 loaded, 2-3 notes, 4-5 amendments, 6 a note; deliveries: 4 (1.1.2 has two leads).

    The notes are made by the units on 01/10/2013, 15/10/2013 and 06/01/2014 (a replay: that day is their today,
    as in the demo); the load and amendments count for today.
    """
    cli("plan", "load", REFERENCE_PLAN)
    officers = unit_principals("TCCB", "TTKT")
    for note in NOTES[:2]:
        replay_note(officers, *note)
    record_steps(2)
    replay_note(officers, *NOTES[2])


def unit_principals(*units: str) -> dict:
    """A unit token for each of ``units`` (ids 1, 2, … in order), as the principals they stand for."""
    from cchc_flow.models.services.auth import authenticate, issue_token
    from cchc_flow.models.store.db import session

    with session() as s:
        tokens = {u: issue_token(s, "unit", u, label=f"test {u}")[1] for u in units}
        return {u: authenticate(s, token) for u, token in tokens.items()}


def replay_note(officers: dict, key: str, unit: str, text: str, day: str) -> None:
    """``unit`` adds a note on ``day`` (its today in a replay), and the leads are told, as the CLI does it."""
    from cchc_flow.flows.delivery import deliver_now
    from cchc_flow.models.rules.calendar import parse_date
    from cchc_flow.models.services.actions import add_note
    from cchc_flow.models.store.db import session

    on = parse_date(day)
    with session() as s:
        result = add_note(s, principal=officers[unit], plan_code=PLAN, key=key, unit=unit, text=text, today=on)
    deliver_now(result.plan_id, result.notified, on)


@pytest.fixture(scope="module")
def history_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a database holding the small history, built once for the module."""
    from cchc_flow.models.store.db import get_engine

    home = tmp_path_factory.mktemp("history-template")
    if os.environ.get("CCHC_TEST_POSTGRES"):
        from pgserver import fresh_database

        server = request.getfixturevalue("pg_server_url")
        url = fresh_database(server, f"tmpl_{re.sub(r'[^a-z0-9]', '_', request.module.__name__.lower())}_{os.getpid()}")
    else:
        url = f"sqlite:///{home / 'template.db'}"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (
            ("CCHC_HOME", str(home)),
            ("CCHC_DATABASE_URL", url),
            ("CCHC_LANG", "vi"),
            ("CCHC_ACTOR", "tester"),
        ):
            mp.setenv(name, value)
        mp.delenv("CCHC_NOTIFY_CONFIG", raising=False)
        build(Cli())
    get_engine(url).dispose()  # no connection left: the file is whole / the template may be copied
    yield url


@pytest.fixture
def history(history_template: str, db_url: str) -> str:
    """This test's own copy of the small history; returns the plan code."""
    from cchc_flow.models.store.db import get_engine

    target = make_url(db_url)
    if target.get_backend_name() == "sqlite":
        shutil.copyfile(make_url(history_template).database, target.database)  # type: ignore[arg-type]
    else:
        admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                get_engine(db_url).dispose()
                conn.exec_driver_sql(f'DROP DATABASE "{target.database}"')
                conn.exec_driver_sql(
                    f'CREATE DATABASE "{target.database}" TEMPLATE "{make_url(history_template).database}"'
                )
        finally:
            admin.dispose()
    return PLAN
