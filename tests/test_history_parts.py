"""A long history exported in two parts at once (the second written by a forked child) is the one-piece export
byte for byte, whatever the day it is cut at, the format, the filter and where it is written to; the Prefect UI's
address for the run links is read without importing Prefect when the environment alone decides it, and it is the
address Prefect's own settings give."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO
from history_data import PLAN, record_steps

HOSTILE = '=SUM(A1), "trích dẫn"\nxuống dòng; Đơn vị, @x'
FILTERS = [{}, {"since": date(2013, 10, 2)}, {"unit": "TCCB"}, {"actor": "tester"}]


def test_two_parts_are_the_whole_export(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.history_parts import WHOLE, cut_day, export
    from cchc_flow.models.store.history_query import HistoryFilter, check_filter, history_rows

    record_steps(3, note=HOSTILE)
    folder = tmp_path / "out"
    folder.mkdir()
    with session() as s:
        assert cut_day(s, HistoryFilter(PLAN), 1, 0.01) != cut_day(s, HistoryFilter(PLAN), 1, 0.5) is not None
        assert cut_day(s, HistoryFilter(PLAN), 10**6) is None  # a short history is written in one piece
        for fmt in ("csv", "json"):
            for filters in FILTERS:
                f = check_filter(s, HistoryFilter(PLAN, **filters))
                whole = io.StringIO()
                rows = WHOLE[fmt](history_rows(s, f), whole)
                assert rows > 1
                for share in (0.01, 0.5, 0.99):
                    parts = io.StringIO()
                    assert export(s, f, fmt, parts, parallel=True, split_from=1, share=share) == rows
                    assert parts.getvalue() == whole.getvalue(), (fmt, filters, share, cut_day(s, f, 1, share))
                one = io.StringIO()  # too short to cut: one piece, judged by what was worked out for the parts
                assert export(s, f, fmt, one, parallel=True, split_from=10**6) == rows
                assert one.getvalue() == whole.getvalue(), (fmt, filters)
            target = folder / f"export.{fmt}"  # a file: the child's part is copied in by the kernel
            with target.open("w", encoding="utf-8", newline="") as fh:
                export(s, HistoryFilter(PLAN), fmt, fh, parallel=True, split_from=1, scratch=folder)
            whole = io.StringIO()
            WHOLE[fmt](history_rows(s, HistoryFilter(PLAN)), whole)
            assert target.read_bytes() == whole.getvalue().encode()
    assert HOSTILE in json.loads(target.read_text(encoding="utf-8"))[-1]["note"]
    assert sorted(p.name for p in folder.iterdir()) == ["export.csv", "export.json"]  # no temporary file left


def test_a_database_only_its_connection_sees_is_exported_whole(history, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """SQLite in memory: neither the cut day's own connection nor the forked child can see it; the export is the
    one-piece export all the same."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlmodel import Session

    from cchc_flow.models.store.history_parts import WHOLE, export
    from cchc_flow.models.store.history_query import HistoryFilter, history_rows

    if make_url(db_url).get_backend_name() != "sqlite":
        pytest.skip("an in-memory database is SQLite's")
    record_steps(3, note=HOSTILE)
    memory = sa.create_engine("sqlite://")
    with sa.create_engine(db_url).connect() as source, memory.connect() as target:
        source.connection.dbapi_connection.backup(target.connection.dbapi_connection)  # type: ignore[union-attr]
    with Session(memory) as s:
        for fmt in ("csv", "json"):
            whole, parts = io.StringIO(), io.StringIO()
            rows = WHOLE[fmt](history_rows(s, HistoryFilter(PLAN)), whole)
            assert export(s, HistoryFilter(PLAN), fmt, parts, parallel=True, split_from=1) == rows > 1
            assert parts.getvalue() == whole.getvalue()


UI_CASES = [
    ({"PREFECT_UI_URL": "http://ui.example:4200/"}, None, False),
    ({"PREFECT_API_URL": "http://127.0.0.1:4200/api"}, None, False),
    ({"prefect_api_url": "http://prefect.example/base/api/"}, None, False),
    ({"PREFECT_UI_URL": "http://ui.example", "PREFECT_API_URL": "http://api.example/api"}, None, False),
    ({}, None, False),
    ({"PREFECT_API_URL": "http://127.0.0.1:4200/api"}, 'PREFECT_UI_URL = "http://from-profile:8080"', True),
    ({}, 'PREFECT_API_URL = "http://from-profile:4200/api"', True),
]
UI_SCRIPT = """
import json, sys
from cchc_flow.models.store.prefect_ui import prefect_ui_url
ours = prefect_ui_url()
imported = "prefect" in sys.modules
from prefect.settings import get_current_settings
theirs = get_current_settings().ui_url
print(json.dumps([ours, imported, theirs.rstrip("/") if theirs else None]))
"""


@pytest.mark.one_pass  # Prefect's settings alone
def test_the_ui_address_is_prefects_without_importing_it(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("PREFECT_")}
    runs = []
    for i, (env, profile, needs_prefect) in enumerate(UI_CASES):
        home = tmp_path / f"home{i}"
        home.mkdir()
        if profile:
            (home / "profiles.toml").write_text(f'active = "mine"\n\n[profiles.mine]\n{profile}\n', encoding="utf-8")
        case_env = {**clean, **env, "PREFECT_HOME": str(home), "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen([sys.executable, "-c", UI_SCRIPT], cwd=home, env=case_env, stdout=subprocess.PIPE)
        runs.append((env, profile, needs_prefect, proc))
    for env, profile, needs_prefect, proc in runs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, (env, profile)
        ours, imported, theirs = json.loads(out)
        assert ours == theirs, (env, profile)
        assert imported == needs_prefect, (env, profile)
