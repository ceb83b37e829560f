"""What keeps the everyday commands quick, checked by structure (never by time): what each one leaves unimported,
the schema check that reads the migration heads without Alembic, and the command list `cchc --help` shows without
importing the commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from cchc_flow.cli.main import COMMANDS, app
from cchc_flow.models.store.db import MIGRATIONS, head_revisions

ROOT = Path(__file__).resolve().parent.parent
PLAN = "byt-3723-2013-2015"
ANY_COMMAND = ("prefect", "apprise", "alembic", "docx", "fpdf", "openpyxl", "pyhanko", "pdfplumber", "fastapi")


def _loaded(home: Path, *commands: list[str]) -> list[str]:
    """Run ``commands`` in one new process (CliRunner, each must exit 0); the modules it imported, by top name."""
    return sorted({m.split(".")[0] for m in _modules(home, *commands)})


def _modules(home: Path, *commands: list[str]) -> list[str]:
    """Run ``commands`` in one new process (CliRunner, each must exit 0); every module it imported."""
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cchc_flow.cli.main import app\n"
        f"for args in {list(commands)!r}:\n"
        "    run = CliRunner().invoke(app, args)\n"
        "    assert run.exit_code == 0, (args, run.output)\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CCHC_HOME": str(home)}
    env.pop("CCHC_DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout.split()


@pytest.mark.one_pass  # always on a SQLite file of its own (CCHC_DATABASE_URL unset)
def test_help_lists_the_commands_without_importing_them(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path, ["--help"])
    assert not [m for m in (*ANY_COMMAND, "sqlalchemy", "sqlmodel", "pendulum", "yaml", "jinja2") if m in loaded]
    assert not any(name.startswith("cchc_flow.cli.") for name in loaded)  # top names only: see the next line
    assert "cchc_flow" in loaded


@pytest.mark.one_pass  # always on a SQLite file of its own (CCHC_DATABASE_URL unset)
def test_reading_commands_check_the_schema_without_alembic(tmp_path: Path) -> None:
    assert "alembic" in _loaded(tmp_path, ["plan", "load", PLAN])  # a new database: Alembic creates the schema
    reads = [["units"], ["plan", "show", PLAN], ["activity", "list", PLAN], ["history", PLAN]]
    loaded = _loaded(tmp_path, *reads)
    assert not [m for m in (*ANY_COMMAND, "jinja2") if m in loaded]  # jinja2: the notices' templates


# loaded by other commands only: the working-day calendar, the plan reader (Pydantic specs, YAML)
RUNS_ONLY = ("holidays", "cchc_flow.models.rules.plan", "cchc_flow.models.rules.plan_spec", "yaml")


# loaded by no reading command: SQLAlchemy's PostgreSQL dialect on SQLite, Rich's emoji codes, an HTTP client
NEVER_READING = ("sqlalchemy.dialects.postgresql", "rich._emoji_codes", "urllib.request")


@pytest.mark.one_pass  # always on a SQLite file of its own (CCHC_DATABASE_URL unset)
def test_reading_commands_leave_the_slow_modules_unloaded(tmp_path: Path) -> None:
    _modules(tmp_path, ["plan", "load", PLAN])
    reads = [["plan", "show", PLAN], ["activity", "list", PLAN], ["history", PLAN]]
    assert not [m for m in (*RUNS_ONLY, *NEVER_READING) if m in _modules(tmp_path, *reads)]
    units = _modules(tmp_path, ["units"])  # it reads the unit directories (YAML), never the calendar
    assert "yaml" in units and "holidays" not in units
    assert not [m for m in NEVER_READING if m in units]


def test_the_tables_name_postgresqls_forms_without_its_dialect_loaded() -> None:
    script = (
        "import sys\n"
        "from sqlalchemy.schema import CreateIndex, CreateTable\n"
        "from cchc_flow.models.store.tables import DeliveryRow, UnitRow, table_of\n"
        "assert 'sqlalchemy.dialects.postgresql' not in sys.modules\n"
        "from sqlalchemy.dialects import postgresql, sqlite\n"
        "for d in (postgresql.dialect(), sqlite.dialect()):\n"
        "    print(CreateTable(table_of(UnitRow)).compile(dialect=d))\n"
        "    for index in table_of(DeliveryRow).indexes:\n"
        "        print(CreateIndex(index).compile(dialect=d))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        text=True,
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    pg, lite = run.stdout.split("CREATE TABLE unit")[1:]
    assert "tags JSONB NOT NULL" in pg and "tags JSON NOT NULL" in lite
    for ddl in (pg, lite):
        assert "CREATE UNIQUE INDEX ux_delivery_ok ON delivery (notification_id, route) WHERE ok" in ddl


@pytest.mark.one_pass  # always on a SQLite file of its own (CCHC_DATABASE_URL unset)
def test_the_command_pauses_the_garbage_collector_while_loading_only(tmp_path: Path) -> None:
    script = (
        "import gc, sys\n"
        "from cchc_flow.cli import main\n"
        "sys.argv = ['cchc', 'units', '--format', 'json']\n"
        "try:\n"
        "    main.main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CCHC_HOME": str(tmp_path)}
    env.pop("CCHC_DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[-2:] == ["True", "True"]  # collecting again, the modules' objects frozen


def test_the_heads_read_from_the_files_are_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert head_revisions() == set(ScriptDirectory.from_config(cfg).get_heads())
    assert len(head_revisions()) == 1


def test_the_help_listed_is_each_commands_own() -> None:
    group = typer.main.get_command(app)
    for name, entry in COMMANDS.items():
        command = group.commands[name]  # type: ignore[attr-defined]
        assert command.name == name
        assert (command.help or "").split("\n\n")[0].replace("\n", " ") == entry.help, name


def _check_then_migrate(url: str) -> None:
    from cchc_flow.models.store.db import _current_revisions, get_engine, migrate

    assert _current_revisions(get_engine(url)) is None  # a new database: no alembic_version table
    migrate(url)
    assert _current_revisions(get_engine(url)) == head_revisions()
    get_engine(url).dispose()


def test_the_schema_check_reads_the_version_row_on_sqlite(tmp_path: Path) -> None:
    _check_then_migrate(f"sqlite:///{tmp_path / 'cchc.db'}")


def test_the_schema_check_reads_the_version_row_on_postgresql(pg_server_url: str) -> None:
    from pgserver import fresh_database

    _check_then_migrate(fresh_database(pg_server_url, "cchc_schema_check"))
