"""A database that cannot be used is said in one clear line naming it (password hidden) and what to do, never as a
traceback, and a failed upgrade leaves the database as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa


def told(result) -> str:  # type: ignore[no-untyped-def]
    text = result.stdout + result.stderr
    assert "Traceback" not in text and "╭" not in text, text  # no (Rich) traceback
    return " ".join(text.split())


def test_an_unreadable_url_is_named_with_the_expected_form(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCHC_DATABASE_URL", "not a url at all")
    text = told(cli("units", expect=2))
    assert "CCHC_DATABASE_URL không đọc được" in text and "sqlite:///" in text and "postgresql+psycopg://" in text


def test_a_missing_driver_is_named(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCHC_DATABASE_URL", "mysql://someone:pw@127.0.0.1/cchc")
    text = told(cli("plan", "list", expect=2))
    assert "CCHC_DATABASE_URL không đọc được" in text and "MySQLdb" in text


def test_an_unreachable_server_is_named_without_its_password(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCHC_DATABASE_URL", "postgresql+psycopg://cchc:s3cr3t-pw@127.0.0.1:1/cchc")
    monkeypatch.setenv("CCHC_LANG", "en")
    text = told(cli("units", expect=2))
    assert "cannot use the database postgresql+psycopg://cchc:***@127.0.0.1:1/cchc" in text
    assert "Connection refused" in text and "s3cr3t-pw" not in text


def test_a_file_that_is_not_a_database_is_named_and_left_alone(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 100, encoding="utf-8")
    monkeypatch.setenv("CCHC_DATABASE_URL", f"sqlite:///{notes}")
    text = told(cli("activity", "list", "byt-3723-2013-2015", expect=2))
    assert f"không dùng được cơ sở dữ liệu sqlite:///{notes}: file is not a database" in text
    assert notes.read_text(encoding="utf-8") == "not a database\n" * 100


def test_a_failed_upgrade_says_so_and_changes_nothing(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A database whose tables are ahead of the version it records (an upgrade interrupted by hand, a copy mixed
    up): the upgrade fails, the message names both versions, and the database is exactly as before."""
    from alembic.script import ScriptDirectory

    from cchc_flow.models.store import db

    url = f"sqlite:///{tmp_path / 'mixed.db'}"
    monkeypatch.setenv("CCHC_DATABASE_URL", url)
    cli("plan", "load", "config/plans/byt-3723-2013-2015.yaml")
    (head,) = db.head_revisions()
    before = "0012"  # migration 0013 creates an index, which is there already: its upgrade fails
    assert ScriptDirectory.from_config(db._alembic_config(url)).get_revision("0013").down_revision == before
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": before})
    dump = "\n".join(sqlite_dump(engine))
    db._MIGRATED.clear()  # a new process: the schema is checked again

    text = told(cli("plan", "list", expect=2))
    assert f"không nâng cấp được cơ sở dữ liệu {url} từ phiên bản {before} lên {head}" in text
    assert "already exists" in text
    assert "\n".join(sqlite_dump(engine)) == dump
    engine.dispose()


def sqlite_dump(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.connection.driver_connection.iterdump())  # type: ignore[union-attr]
