"""The first token of a database is issued once, without a token, and recorded; after that, losing every
coordinator token is mended only by the database owner's recorded recovery."""

from __future__ import annotations

import sqlalchemy as sa

PLAN = "byt-3723-2013-2015"


def rows(sql: str) -> list[tuple]:
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def issued(result) -> str:  # type: ignore[no-untyped-def]
    """The token a `cchc token issue|recover` printed (its last line)."""
    return result.stdout.strip().splitlines()[-1]


def token_steps() -> list[tuple]:
    return rows(
        "select entity, entity_key, event, actor, stated_name from transition where entity = 'token' order by seq"
    )


def database_name() -> str:
    from cchc_flow.models.services.ownership import database_name as name
    from cchc_flow.models.store.db import session

    with session() as s:
        return name(s)


def test_revoking_the_only_coordinator_token_does_not_reopen_the_bootstrap(cli, loaded) -> None:  # type: ignore[no-untyped-def]
    first = issued(
        cli("token", "issue", "--unit", "VPB", "--role", "coordinator", "--label", "Chánh Văn phòng", input="")
    )
    assert token_steps() == [("token", "1", "bootstrap", "no-token", "tester")]
    assert "Chánh Văn phòng" in rows("select note from transition where event = 'bootstrap'")[0][0]
    cli("token", "revoke", "1", token=first)
    assert "mã truy cập đã bị thu hồi" in cli("token", "revoke", "1", expect=2, token=first).stderr
    again = cli("token", "issue", "--unit", "VPB", "--role", "coordinator", expect=2, input="")
    assert "việc cấp mã đầu tiên chỉ làm một lần" in again.stderr and "cchc token recover" in again.stderr
    assert rows("select count(*) from token") == [(1,)] and len(token_steps()) == 1

    # the documented recovery: the database owner's access, confirmed by naming the database
    name = database_name()
    unconfirmed = cli("token", "recover", "--unit", "VPB", expect=2)
    assert f"--confirm-database {name}" in unconfirmed.stderr
    assert rows("select count(*) from token") == [(1,)]
    new = issued(cli("token", "recover", "--unit", "VPB", "--confirm-database", name, "--label", "Phó Chánh VP"))
    assert token_steps()[1:] == [("token", "2", "recover", "database-owner", "tester")]
    note = rows("select note from transition where event = 'recover'")[0][0]
    assert "chủ sở hữu cơ sở dữ liệu" in note and "Phó Chánh VP" in note
    # the new coordinator token works: it issues a unit token
    cli("token", "issue", "--unit", "T5G", token=new)
    from cchc_flow.models.store.audit import verify
    from cchc_flow.models.store.db import session

    with session() as s:
        assert verify(s, PLAN).whole


def test_a_database_that_had_tokens_is_not_bootstrapped_again(cli, tokens) -> None:  # type: ignore[no-untyped-def]
    """Tokens issued before bootstrap was recorded (or by the library) count: the first-token path is closed."""
    for token_id in rows("select id from token where role = 'coordinator'"):
        cli("token", "revoke", str(token_id[0]), token=tokens["VPB"])
    refused = cli("token", "issue", "--unit", "VPB", "--role", "coordinator", expect=2, input="")
    assert "cchc token recover" in refused.stderr
    assert token_steps() == []


def test_recovery_needs_the_owner_of_the_database(cli, loaded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Someone whose user does not own the database file (SQLite) or the history table (PostgreSQL) is refused."""
    import os

    from cchc_flow.models.store.db import get_engine

    name = database_name()
    if get_engine().dialect.name == "sqlite":
        monkeypatch.setattr(os, "getuid", lambda: os.stat(get_engine().url.database).st_uid + 1)
    else:  # an application role granted what the application needs, not the owner's rights
        role = f"app_{name}"
        with get_engine().begin() as conn:
            conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
            conn.execute(sa.text(f'GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO "{role}"'))
            conn.execute(sa.text(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
        monkeypatch.setenv(
            "CCHC_DATABASE_URL", get_engine().url.set(username=role).render_as_string(hide_password=False)
        )
    refused = cli("token", "recover", "--unit", "VPB", "--confirm-database", name, expect=2)
    assert "chỉ người giữ quyền chủ sở hữu cơ sở dữ liệu" in refused.stderr
    assert rows("select count(*) from token") == [(0,)]
