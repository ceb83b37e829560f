"""Shared fixtures: every test gets its own CCHC_HOME and database (SQLite, or PostgreSQL with CCHC_TEST_POSTGRES)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgserver import fresh_database
from typer.testing import CliRunner

# Fixtures kept beside their helpers: local endpoints, the history data, PostgreSQL, the portal.
pytest_plugins = ["endpoints", "history_data", "pgserver", "portal"]


os.environ["COLUMNS"] = "200"  # wide tables: Rich output is read as a user would, without wrapping

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
REFERENCE_PLAN = REPO / "config/plans/byt-3723-2013-2015.yaml"
UNITS = REPO / "config/units.yaml"


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database for this test."""
    if os.environ.get("CCHC_TEST_POSTGRES"):
        server = request.getfixturevalue("pg_server_url")
        # unique per test (id(request) can come back, and long names cut it off: databases left over then clash)
        name = "t_" + re.sub(r"[^a-z0-9]", "_", request.node.name.lower())[:40] + f"_{uuid.uuid4().hex[:16]}"
        return fresh_database(server, name[:63])
    return f"sqlite:///{tmp_path / 'cchc.db'}"


@pytest.fixture(autouse=True)
def cchc_env(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """CCHC_HOME and CCHC_DATABASE_URL pointed at this test's own places; Vietnamese messages; no quiet hours or days
    off (tests run at any hour and day: those that check them set them)."""
    home = tmp_path / "home"
    monkeypatch.setenv("CCHC_HOME", str(home))
    monkeypatch.setenv("CCHC_DATABASE_URL", db_url)
    monkeypatch.setenv("CCHC_LANG", "vi")
    monkeypatch.setenv("CCHC_ACTOR", "tester")
    monkeypatch.setenv("CCHC_QUIET_HOURS", "off")
    monkeypatch.setenv("CCHC_DAYS_OFF", "no")
    monkeypatch.delenv("CCHC_NOTIFY_CONFIG", raising=False)
    yield home


class Cli:
    """Runs `cchc` in-process, as a user would type it."""

    def __init__(self) -> None:
        from cchc_flow.cli.main import app

        self.app, self.runner = app, CliRunner()

    def __call__(
        self,
        *args: str,
        expect: int | None = 0,
        token: str | None = None,  # type: ignore[no-untyped-def]
        input: str | None = None,
    ):
        """``token``: CCHC_TOKEN for this call only (who acts); ``input``: what is typed at prompts."""
        env = {"CCHC_TOKEN": token} if token is not None else None
        result = self.runner.invoke(self.app, [str(a) for a in args], env=env, input=input)
        if expect is not None and result.exit_code != expect:
            raise AssertionError(
                f"cchc {' '.join(map(str, args))} exited {result.exit_code}, expected {expect}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n{result.exception!r}"
            )
        return result


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One throwaway Prefect API (SQLite, child process) for the whole session; no heartbeat wait per run."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    from prefect.testing.utilities import prefect_test_harness

    from cchc_flow.flows.running.runtime import quiet_prefect

    with prefect_test_harness(server_startup_timeout=300), quiet_prefect():  # 60 s is not enough on a busy machine
        yield


@pytest.fixture
def loaded(cli) -> str:  # type: ignore[no-untyped-def]
    """The reference plan, loaded; returns its code."""
    cli("plan", "load", REFERENCE_PLAN)
    return "byt-3723-2013-2015"


@pytest.fixture
def tokens(loaded) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One unit token per unit of the directory, VPB's being the coordinator's (VPB is 3723's focal unit), and an
    auditor's under "auditor". Pass one as ``cli(..., token=tokens["T5G"])``; ``principals`` gives them resolved."""
    from sqlmodel import select

    from cchc_flow.models.services.auth import issue_token
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.tables import UnitRow

    out: dict[str, str] = {}
    with session() as s:
        codes = [u.code for u in s.exec(select(UnitRow).where(UnitRow.kind != "group"))]
        s.rollback()
        for code in sorted(codes):
            out[code] = issue_token(s, "coordinator" if code == "VPB" else "unit", code, label=f"test {code}")[1]
        out["auditor"] = issue_token(s, "auditor", None, label="test auditor")[1]
    return out


@pytest.fixture
def principals(tokens):  # type: ignore[no-untyped-def]
    """The principals of ``tokens``, for calling cchc_flow.models.services.actions / cchc_flow.models.services.periodic directly."""
    from cchc_flow.models.services.auth import authenticate
    from cchc_flow.models.store.db import session

    with session() as s:
        return {code: authenticate(s, token) for code, token in tokens.items()}


@pytest.fixture
def library_logs() -> Iterator[list[str]]:
    """Every record (DEBUG and up) of Apprise's and urllib3's loggers, as formatted lines.

    The handler sits on those loggers themselves, so it keeps receiving when a CLI call or a flow run reconfigures
    logging (Prefect replaces the root logger's handlers and sets it back to WARNING, which empties caplog).
    """
    import logging

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(f"{record.name} {record.levelname} {record.getMessage()}")

    lines: list[str] = []
    handler = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("apprise", "urllib3.connectionpool")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield lines
    for logger, level in zip(loggers, levels):
        logger.removeHandler(handler)
        logger.setLevel(level)
