"""Helpers for the fault tests: phase runs in other processes, database dumps, route files.

Import what you need: ``from faults import dump, start_phase, ...``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from conftest import REPO

PLAN = "byt-3723-2013-2015"
WORKER = Path(__file__).parent / "phase_worker.py"
# who is told what when phase 1 opens on 2013-10-01 (see test_phase_flow.py)
OPENING_UNITS = ("GDXH", "SKDS", "T5G", "TCCB", "TTKT", "VPB", "VPDU")
UNIT_TAGS = {
    "VPB": "unit-vpb",
    "TCCB": "unit-tccb",
    "TTKT": "unit-ttkt",
    "T5G": "unit-t5g",
    "VPDU": "unit-vpdu",
    "SKDS": "unit-skds",
    "GDXH": "unit-gdxh",
    "VCL": "unit-vcl",
    "LDB": "leadership-byt",
}


def dump(url: str | None = None) -> dict[str, list[str]]:
    """Every row of every table (sorted text), to compare a database before and after."""
    from cchc_flow.models.store.db import get_engine

    engine = get_engine(url)
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table in sorted(sa.inspect(conn).get_table_names()):
            out[table] = sorted(repr(tuple(r)) for r in conn.execute(sa.text(f'select * from "{table}"')))
    return out


def rows(sql: str, **params) -> list[tuple]:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def decided_as_of(day: date, phase: int = 1):  # type: ignore[no-untyped-def]
    """Phase ``phase``'s view and what each of its activities' tasks would decide as of ``day`` (without Prefect),
    as record_decisions() takes them."""
    from cchc_flow.models.rules.due import decide
    from cchc_flow.models.services.activities import phase_view
    from cchc_flow.models.services.reconcile import Decided
    from cchc_flow.models.store.db import session

    with session() as s:
        view = phase_view(s, PLAN, phase)
    return view, [
        Decided(a.facts, decide(a.facts, day, view.parties), task_run_id=f"task-{a.facts.key}") for a in view.activities
    ]


def write_json_routes(
    path: Path,
    port: int,
    password: str = "pw",
    extra: list[str] = (),  # type: ignore[assignment]
    units: dict[str, str] | None = None,
) -> Path:
    """Each unit on its own json:// path of the endpoint at ``port`` (``units``: code -> base URL to override)."""
    lines = ["version: 1", "urls:"]
    for code, tag in UNIT_TAGS.items():
        base = (units or {}).get(code, f"json://cchc:{password}@127.0.0.1:{port}")
        lines += [f"  - {base}/{code.lower()}:", f"      tag: {tag}"]
    lines += list(extra)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def subprocess_env(**extra: str) -> dict[str, str]:
    """This test's environment for a child process, on the same Prefect API as the test session."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ)
    api = PREFECT_API_URL.value()
    if api:
        env["PREFECT_API_URL"] = api
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(Path(__file__).parent), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def start_phase(as_of: str, phase: int = 1, barrier: Path | None = None, **env: str) -> subprocess.Popen:
    """`run_phase(PLAN, phase, as_of)` in a new Python process; with ``barrier``, it waits for barrier/go first."""
    args = [sys.executable, str(WORKER), PLAN, str(phase), as_of]
    if barrier is not None:
        args.append(str(barrier))
    return subprocess.Popen(
        args, env=subprocess_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO
    )


def release(barrier: Path, processes: int, timeout: float = 60.0) -> None:
    """Wait until ``processes`` workers are ready at ``barrier``, then let them all go at once."""
    deadline = time.monotonic() + timeout
    while len(list(barrier.glob("ready-*"))) < processes:
        if time.monotonic() > deadline:
            raise AssertionError(f"workers not ready after {timeout} s")
        time.sleep(0.02)
    (barrier / "go").touch()


def finish(proc: subprocess.Popen, timeout: float = 120.0) -> dict:
    """The worker's summary (it must exit 0)."""
    stdout, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"worker exited {proc.returncode}\n{stdout}\n{stderr}"
    return json.loads(stdout.strip().splitlines()[-1])
