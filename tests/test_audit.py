"""The history is append-only at the database, hash-chained per plan, and `cchc audit verify` names
the first row that was altered, removed or reordered. Runs on SQLite and, in the PostgreSQL pass, on PostgreSQL."""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from history_data import PLAN, record_steps


def sql(statement: str, **params) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Raw SQL on the test database, committed (what someone with database access could type)."""
    from cchc_flow.models.store.db import get_engine

    with get_engine().begin() as conn:
        result = conn.execute(sa.text(statement), params)
        return [tuple(r) for r in result] if result.returns_rows else []


def dialect() -> str:
    from cchc_flow.models.store.db import get_engine

    return get_engine().dialect.name


def drop_guards(table: str) -> None:
    """What an intruder with the database owner's rights does first."""
    if dialect() == "postgresql":
        sql(f"DROP TRIGGER {table}_append_only ON {table}")
    else:
        sql(f"DROP TRIGGER {table}_append_only_update")
        sql(f"DROP TRIGGER {table}_append_only_delete")


def chain(table: str) -> list[tuple[int, int]]:
    return sql(f"SELECT id, seq FROM {table} ORDER BY seq")


def verify():  # type: ignore[no-untyped-def]
    """The report of `cchc audit verify`, the same when every chain is walked in two halves, one in a child process."""
    from cchc_flow.models.store.audit import verify as run
    from cchc_flow.models.store.db import session

    with session() as s:
        report = run(s, PLAN)
    with session() as s:
        assert run(s, PLAN, parallel=True, split_from=2) == report
    return report


# ---------------------------------------------------------------------------------------------- append-only


def test_update_or_delete_fails_at_the_database(history) -> None:  # type: ignore[no-untyped-def]
    for table in ("transition", "delivery"):
        rows = chain(table)
        for statement in (
            "UPDATE {table} SET flow_run_id = 'x' WHERE id = :id",
            "DELETE FROM {table} WHERE id = :id",
            "UPDATE {table} SET seq = seq + 1",
            "DELETE FROM {table}",
        ):
            with pytest.raises(sa.exc.DBAPIError, match=f"{table} is append-only"):
                sql(statement.format(table=table), id=rows[-1][0])
        assert chain(table) == rows
    assert verify().whole


@pytest.mark.skipif(not os.environ.get("CCHC_TEST_POSTGRES"), reason="SQLite has no TRUNCATE")
def test_truncate_fails_on_postgresql(history) -> None:  # type: ignore[no-untyped-def]
    for table in ("transition", "delivery"):
        with pytest.raises(sa.exc.DBAPIError, match=f"{table} is append-only: TRUNCATE refused"):
            sql(f"TRUNCATE {table} CASCADE")
    with pytest.raises(sa.exc.DBAPIError, match="is append-only: TRUNCATE refused"):
        sql("TRUNCATE plan CASCADE")  # a cascade reaches the history too
    assert len(chain("transition")) == 6 and len(chain("delivery")) == 4


def test_the_orm_refuses_updates_and_deletes(history) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.append_only import AppendOnlyViolation
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.tables import DeliveryRow, TransitionRow

    with session() as s:
        row = s.get(TransitionRow, chain("transition")[-1][0])
        row.note = "đã sửa"
        with pytest.raises(AppendOnlyViolation, match="transition is append-only: UPDATE"):
            s.commit()
        s.rollback()
        with pytest.raises(AppendOnlyViolation, match="delivery is append-only: DELETE"):
            s.execute(sa.delete(DeliveryRow))
        s.rollback()
        s.delete(s.get(DeliveryRow, chain("delivery")[0][0]))
        with pytest.raises(AppendOnlyViolation, match="delivery is append-only: DELETE"):
            s.flush()


# ---------------------------------------------------------------------------------------------- the chain


def test_steps_appended_together_each_get_the_id_of_their_row(history) -> None:  # type: ignore[no-untyped-def]
    """Many steps at once are inserted without RETURNING and their ids read back by their places in the chain; one
    step alone returns its id. Each id is that of the row holding the step, in order, and the chain verifies."""
    from cchc_flow.models.store.audit import verify
    from cchc_flow.models.store.db import get_engine, session, write_transaction
    from cchc_flow.models.store.history import append, step
    from cchc_flow.models.store.queries import get_plan

    with session() as s, write_transaction(s):
        plan_id = get_plan(s, PLAN).id
        fields = {"plan_id": plan_id, "entity": "plan", "key": PLAN, "event": "amended", "actor": "t", "source": "cli"}
        together = [step(**fields, note=f"cùng lúc {i}") for i in range(7)]
        append(s, together)
        alone = [step(**fields, note="một mình")]
        append(s, alone)
    with get_engine().connect() as conn:
        stored = {r.id: r for r in conn.execute(sa.text("SELECT id, seq, note, row_hash FROM transition"))}
    for row in together + alone:
        assert (stored[row["id"]].seq, stored[row["id"]].note, stored[row["id"]].row_hash) == (
            row["seq"],
            row["note"],
            row["row_hash"],
        )
    assert [r["id"] for r in together + alone] == sorted(r["id"] for r in together + alone)
    assert [r["seq"] for r in together + alone] == list(range(together[0]["seq"], together[0]["seq"] + 8))
    with session() as s:
        assert verify(s).whole


def test_a_whole_history_verifies(cli, history) -> None:  # type: ignore[no-untyped-def]
    assert [seq for _, seq in chain("transition")] == [1, 2, 3, 4, 5, 6]
    assert [seq for _, seq in chain("delivery")] == [1, 2, 3, 4]  # 1.1.2 has two leads
    result = cli("audit", "verify", PLAN)
    assert "Lịch sử nguyên vẹn: 2 chuỗi, 10 dòng đã kiểm tra" in result.stdout
    assert "lịch sử các bước: 6 dòng" in result.stdout
    cli("audit", "verify")  # every plan


def test_a_note_edited_after_dropping_the_trigger_is_named(cli, history) -> None:  # type: ignore[no-untyped-def]
    drop_guards("transition")
    target = chain("transition")[3][0]
    sql("UPDATE transition SET note = 'Đã hoàn thành đúng hạn' WHERE id = :id", id=target)
    result = cli("audit", "verify", PLAN, expect=1)
    assert f"lịch sử các bước: dòng id {target} (số thứ tự 4) đã bị sửa sau khi ghi" in result.stderr
    assert "không còn chặn sửa/xóa lịch sử: thiếu trigger" in result.stderr
    assert "Lịch sử KHÔNG nguyên vẹn" in result.stderr
    found = verify().breaks
    assert [(b.chain, b.row_id, b.problem) for b in found] == [("transition", target, "altered")]


def test_an_edit_re_hashed_by_someone_who_knows_the_format_breaks_the_next_link(history) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.chain import STEP_DETAILS, TRANSITION_FIELDS, row_hash, transition_content

    drop_guards("transition")
    rows = sql("SELECT id FROM transition ORDER BY seq")
    target, after = rows[2][0], rows[3][0]
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.tables import TransitionRow

    with session() as s:
        row = s.get(TransitionRow, target)
        values = {**{k: getattr(row, k) for k in TRANSITION_FIELDS + STEP_DETAILS}, "note": "nội dung khác"}
        forged = row_hash("transition", row.plan_id, row.seq, row.prev_hash, transition_content(values))
    sql("UPDATE transition SET note = 'nội dung khác', row_hash = :h WHERE id = :id", h=forged, id=target)
    [b] = verify().breaks
    assert (b.row_id, b.problem) == (after, "reordered")
    assert "dòng trước đã bị sửa rồi băm lại" in b.message


@pytest.mark.parametrize("table", ["transition", "delivery"])
def test_a_deleted_row_is_caught(cli, history, table: str) -> None:  # type: ignore[no-untyped-def]
    drop_guards(table)
    rows = chain(table)
    k = 3 if table == "transition" else 1  # an amendment (no evidence refers to it) / a delivery
    (victim, victim_seq), (after, _) = rows[k], rows[k + 1]
    sql(f"DELETE FROM {table} WHERE id = :id", id=victim)
    result = cli("audit", "verify", PLAN, expect=1)
    assert f"thiếu 1 dòng (từ số thứ tự {victim_seq}) ngay trước dòng id {after}" in result.stderr
    [b] = verify().breaks
    assert (b.chain, b.row_id, b.problem) == (table, after, "removed")


def test_rows_removed_from_the_end_are_caught_by_an_anchor(cli, history) -> None:  # type: ignore[no-untyped-def]
    noted = [line.split(": ")[-1] for line in cli("audit", "verify", PLAN).stdout.splitlines() if "mốc" in line]
    assert [a.split(":")[:2] for a in noted] == [["transition", "6"], ["delivery", "4"]]
    drop_guards("transition")
    last = chain("transition")[-1][0]
    sql("DELETE FROM evidence WHERE transition_id = :id", id=last)
    sql("DELETE FROM transition WHERE id = :id", id=last)
    cli("audit", "verify", PLAN, expect=1)  # the triggers are gone; the chain alone still looks whole
    assert not verify().breaks
    result = cli("audit", "verify", PLAN, *[x for a in noted for x in ("--anchor", a)], expect=1)
    assert "mốc đã ghi ở số thứ tự 6 không còn — chuỗi chỉ còn 5 dòng" in result.stderr
    assert "không đọc được" in cli("audit", "verify", PLAN, "--anchor", "transition:x:y", expect=2).stderr


@pytest.mark.parametrize("table", ["transition", "delivery"])
def test_a_time_in_another_text_form_is_the_same_time(history, table: str) -> None:  # type: ignore[no-untyped-def]
    """Verify hashes the values as the application reads them: SQLite's text of a timestamp rewritten in another ISO
    form (``T`` for the space) reads as the same time, the chain stays whole; another time in that form is caught."""
    if dialect() == "postgresql":
        pytest.skip("PostgreSQL stores a timestamp as a value, not as text")
    drop_guards(table)
    target = chain(table)[1][0]
    sql(f"UPDATE {table} SET at = replace(at, ' ', 'T') WHERE id = :id", id=target)
    assert "T" in sql(f"SELECT at FROM {table} WHERE id = :id", id=target)[0][0]
    assert verify().breaks == []
    sql(f"UPDATE {table} SET at = '2014-02-03T04:05:06.000007' WHERE id = :id", id=target)
    assert [(b.chain, b.row_id, b.problem) for b in verify().breaks] == [(table, target, "altered")]


def test_anchors_in_either_half_of_a_split_walk_are_checked(history) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.models.store.audit import verify as run
    from cchc_flow.models.store.db import session

    hashes = dict(sql("SELECT seq, row_hash FROM transition ORDER BY seq"))
    kept = {(PLAN, "transition"): [(2, hashes[2]), (5, hashes[5][:12])]}
    forged = {(PLAN, "transition"): [(2, hashes[2]), (5, "0" * 12)]}
    with session() as s:
        whole, split = run(s, PLAN, kept), run(s, PLAN, kept, parallel=True, split_from=2)
        assert split == whole and whole.breaks == []
        whole, split = run(s, PLAN, forged), run(s, PLAN, forged, parallel=True, split_from=2)
        assert split == whole and [(b.seq, b.problem) for b in whole.breaks] == [(5, "altered")]


def test_swapped_rows_are_caught(history) -> None:  # type: ignore[no-untyped-def]
    drop_guards("transition")
    rows = chain("transition")
    (a, seq_a), (b, seq_b) = rows[2], rows[3]
    sql("UPDATE transition SET seq = -1 WHERE id = :a", a=a)
    sql("UPDATE transition SET seq = :s WHERE id = :b", s=seq_a, b=b)
    sql("UPDATE transition SET seq = :s WHERE id = :a", s=seq_b, a=a)
    [found] = verify().breaks
    assert (found.row_id, found.seq, found.problem) == (b, seq_a, "reordered")


def test_swapped_contents_are_caught(history) -> None:  # type: ignore[no-untyped-def]
    drop_guards("transition")
    rows = chain("transition")
    (a, _), (b, _) = rows[2], rows[3]
    notes = dict(sql("SELECT id, note FROM transition WHERE id IN (:a, :b)", a=a, b=b))
    sql("UPDATE transition SET note = :n WHERE id = :id", n=notes[b], id=a)
    sql("UPDATE transition SET note = :n WHERE id = :id", n=notes[a], id=b)
    [found] = verify().breaks
    assert (found.row_id, found.problem) == (a, "altered")


def test_a_delivery_moved_to_another_notification_is_caught(history) -> None:  # type: ignore[no-untyped-def]
    drop_guards("delivery")
    (first, _), *_ = chain("delivery")
    # another notification, not delivered on the first row's route (one delivery per notification and route)
    other = sql(
        "SELECT notification_id FROM delivery WHERE notification_id NOT IN (SELECT notification_id FROM "
        "delivery WHERE route = (SELECT route FROM delivery WHERE id = :id)) ORDER BY seq LIMIT 1",
        id=first,
    )[0][0]
    sql("UPDATE delivery SET notification_id = :n WHERE id = :id", n=other, id=first)
    [found] = verify().breaks
    assert (found.chain, found.row_id, found.problem) == ("delivery", first, "altered")


def test_rows_inserted_around_the_code_are_caught(history) -> None:  # type: ignore[no-untyped-def]
    plan_id = sql("SELECT id FROM plan")[0][0]
    sql(
        "INSERT INTO transition (plan_id, entity, entity_key, event, at, actor, source, note) "
        "VALUES (:p, 'activity', '1.1.1', 'accept', :at, 'intruder', 'sql', 'công nhận')",
        p=plan_id,
        at=datetime(2014, 1, 1, tzinfo=UTC),
    )
    [found] = verify().breaks
    assert (found.problem, found.chain) == ("unsealed", "transition")


def test_missing_triggers_alone_fail_verify(cli, history) -> None:  # type: ignore[no-untyped-def]
    drop_guards("delivery")
    result = cli("audit", "verify", PLAN, expect=1)
    assert "delivery_append_only" in result.stderr
    assert not verify().breaks


def test_concurrent_writers_keep_one_chain(history) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            for _ in range(5):
                record_steps(2, note=f"người ghi {i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert [seq for _, seq in chain("transition")] == list(range(1, 6 + 40 + 1))
    assert verify().whole


# ---------------------------------------------------------------------------------------------- upgrading


def test_an_upgraded_database_gets_its_stored_rows_chained(db_url: str) -> None:
    """Rows written before migration 0005 are chained by it, plan by plan, and new rows continue each chain."""
    from alembic import command

    from cchc_flow.models.store.db import _alembic_config, get_engine, migrate

    cfg = _alembic_config(db_url)
    with get_engine(db_url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    at = datetime(2013, 9, 30, 20, 0, tzinfo=UTC)  # 1 October 2013, 03:00 in Hà Nội
    utc = sa.DateTime(timezone=True)
    unit = sa.table("unit", *(sa.column(c) for c in ("code", "kind", "aliases", "tags")))
    plan = sa.table(
        "plan",
        *(
            sa.column(c)
            for c in ("id", "code", "number", "title", "issuer", "signed", "focal_unit", "leadership", "digest", "spec")
        ),
        sa.column("loaded_at", utc),
    )
    transition = sa.table(
        "transition",
        *(
            sa.column(c)
            for c in ("plan_id", "entity", "entity_key", "event", "actor", "source", "note", "effective_day")
        ),
        sa.column("at", utc),
    )
    notification = sa.table(
        "notification",
        *(
            sa.column(c)
            for c in (
                "id",
                "plan_id",
                "key",
                "entity",
                "entity_key",
                "notice",
                "recipient",
                "role",
                "offset",
                "as_of",
                "details",
                "status",
                "attempts",
            )
        ),
        sa.column("created_at", utc),
    )
    delivery = sa.table(
        "delivery", *(sa.column(c) for c in ("notification_id", "route", "ok", "flow_run_id")), sa.column("at", utc)
    )
    with get_engine(db_url).begin() as conn:
        conn.execute(unit.insert(), [{"code": "VPB", "kind": "office", "aliases": "[]", "tags": "[]"}])
        conn.execute(
            plan.insert(),
            [
                {
                    "id": i,
                    "code": f"p{i}",
                    "number": f"{i}/QĐ-BYT",
                    "title": "Kế hoạch",
                    "issuer": "Bộ Y tế",
                    "signed": date(2013, 9, 1),
                    "focal_unit": "VPB",
                    "leadership": "VPB",
                    "digest": "d",
                    "spec": "{}",
                    "loaded_at": at,
                }
                for i in (1, 2)
            ],
        )
        conn.execute(
            transition.insert(),
            [
                {
                    "plan_id": p,
                    "entity": "activity",
                    "entity_key": "1.1.1",
                    "event": "assign",
                    "actor": "cchc-flow",
                    "source": "flow",
                    "note": f"bước {n} — kế hoạch {p}",
                    "effective_day": None if n == 0 else date(2013, 10, 2),
                    "at": at,
                }
                for n in range(3)
                for p in (1, 2)
            ],
        )
        conn.execute(
            notification.insert(),
            [
                {
                    "id": p,
                    "plan_id": p,
                    "key": f"p{p}|1.1.1|assigned|VPB|0",
                    "entity": "activity",
                    "entity_key": "1.1.1",
                    "notice": "assigned",
                    "recipient": "VPB",
                    "role": "lead",
                    "offset": 0,
                    "as_of": date(2013, 10, 1),
                    "details": "{}",
                    "status": "sent",
                    "attempts": 1,
                    "created_at": at,
                }
                for p in (1, 2)
            ],
        )
        conn.execute(
            delivery.insert(),
            [
                {"notification_id": p, "route": "outbox://vpb", "ok": True, "flow_run_id": None, "at": at}
                for p in (2, 1)
            ],
        )

    migrate(db_url)

    assert sql("SELECT plan_id, seq FROM transition ORDER BY id") == [(1, 1), (2, 1), (1, 2), (2, 2), (1, 3), (2, 3)]
    assert sql("SELECT plan_id, seq FROM delivery ORDER BY id") == [(2, 1), (1, 1)]
    assert {r[0] for r in sql("SELECT effective_day FROM transition WHERE note LIKE 'bước 0%'")} in (
        {date(2013, 10, 1)},
        {"2013-10-01"},
    )
    from cchc_flow.models.store.audit import verify as run
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.history import record

    with session() as s:
        assert run(s).whole
    with session() as s, s.begin():
        record(s, plan_id=1, entity="plan", key="p1", event="amended", actor="tester", source="cli", note="tiếp")
    assert sql("SELECT seq FROM transition WHERE note = 'tiếp'") == [(4,)]
    with session() as s:
        assert run(s).whole
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        sql("DELETE FROM delivery")


# ---------------------------------------------------------------------------------------------- insert over a row


def copy_of(table: str, row_id: int, **changes: object) -> tuple[str, dict]:
    """The columns and values of a stored row, with ``changes``: what an intruder re-inserts over it."""
    values = {**dict(zip(*_row(table, row_id))), **changes}
    return ", ".join(values), values


def _row(table: str, row_id: int) -> tuple[list[str], list]:  # type: ignore[type-arg]
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        result = conn.execute(sa.text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id})
        return list(result.keys()), list(result.one())


@pytest.mark.parametrize("table", ["transition", "delivery"])
@pytest.mark.parametrize("form", ["INSERT OR REPLACE INTO", "REPLACE INTO", "upsert", "same place, new id"])
def test_an_insert_over_a_stored_row_is_refused(history, table: str, form: str) -> None:  # type: ignore[no-untyped-def]
    """SQLite's REPLACE deletes the stored row without firing its DELETE trigger; an upsert overwrites it."""
    if form.endswith("INTO") and dialect() != "sqlite":
        pytest.skip("REPLACE is SQLite's")
    rows = chain(table)
    text = "note" if table == "transition" else "error"
    victim = rows[2][0]
    columns, values = copy_of(table, victim, **{text: "đã thay"})
    if form == "same place, new id":
        values["id"] = rows[-1][0] + 100
    params = ", ".join(f":{c}" for c in values)
    statement = (
        f"INSERT INTO {table} ({columns}) VALUES ({params}) ON CONFLICT (id) DO UPDATE SET {text} = excluded.{text}"
        if form == "upsert"
        else f"{'INSERT OR REPLACE INTO' if form.startswith('same') and dialect() == 'sqlite' else form} "
        f"{table} ({columns}) VALUES ({params})"
    )
    if form.startswith("same") and dialect() != "sqlite":
        statement = f"INSERT INTO {table} ({columns}) VALUES ({params})"
    with pytest.raises(sa.exc.DBAPIError, match=f"{table} is append-only"):
        sql(statement, **values)
    assert chain(table) == rows
    assert verify().whole


def test_the_insert_guard_holds_at_each_version_of_its_migrations(history: str, db_url: str) -> None:
    """The guard's function was rewritten (on PostgreSQL: queries planned once per session instead of at every row):
    undone and done again, it refuses an insert over a stored row at each version."""
    from alembic import command

    from cchc_flow.models.store.db import _alembic_config, get_engine

    cfg = _alembic_config(db_url)
    rows = chain("delivery")
    columns, values = copy_of("delivery", rows[1][0], error="đã thay")
    values["id"] = rows[-1][0] + 100  # a new id at a stored row's place
    params = ", ".join(f":{c}" for c in values)
    for move, target in ((command.downgrade, "0013"), (command.upgrade, "head")):
        with get_engine().begin() as conn:
            cfg.attributes["connection"] = conn
            move(cfg, target)
        with pytest.raises(sa.exc.DBAPIError, match="delivery is append-only"):
            sql(f"INSERT INTO delivery ({columns}) VALUES ({params})", **values)
    assert chain("delivery") == rows
    assert verify().whole


def test_rows_written_together_meet_the_same_insert_guard(history: str) -> None:
    """Many rows written at once (models/store/bulk.py: COPY on PostgreSQL) fire the same guard as one row: one of
    them at a stored row's place, and none of them is written."""
    from cchc_flow.models.store.bulk import MIN_COPY, insert_rows
    from cchc_flow.models.store.db import get_engine
    from cchc_flow.models.store.tables import DeliveryRow, table_of

    rows = chain("delivery")
    table = table_of(DeliveryRow)
    with get_engine().connect() as conn:
        stored = [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.seq))]
    head = stored[-1]
    fresh = [
        dict(head, id=head["id"] + 1 + i, seq=head["seq"] + 1 + i, ok=False, error=f"mới {i}") for i in range(MIN_COPY)
    ]  # new places, failed attempts (one delivery per notification and route may be ok)
    over = dict(stored[1], id=head["id"] + 1000, error="đã thay")  # a new id at a stored row's place
    with pytest.raises(sa.exc.DBAPIError, match="delivery is append-only"):
        with get_engine().begin() as conn:
            insert_rows(conn, table, [*fresh, over])
    assert chain("delivery") == rows
    assert verify().whole


# ---------------------------------------------------------------------------------------------- anchors outside


def without_triggers(table: str):  # type: ignore[no-untyped-def]
    """Drop every trigger of ``table`` (what the database owner can do); returns how to put them back."""
    if dialect() == "sqlite":
        found = sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t", t=table)
        for name, _ in found:
            sql(f"DROP TRIGGER {name}")
    else:
        found = sql(
            f"SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = '{table}'::regclass "
            "AND NOT tgisinternal"
        )
        for name, _ in found:
            sql(f"DROP TRIGGER {name} ON {table}")
    return lambda: [sql(definition) for _, definition in found]


def rehash_from(seq: int) -> None:
    """Recompute seq, prev_hash and row_hash of every transition row from ``seq`` on, as verify expects them."""
    from cchc_flow.models.store.chain import STEP_DETAILS, TRANSITION_FIELDS, row_hash, transition_content
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.text("SELECT * FROM transition ORDER BY seq")).mappings()]
    prev = next(r["row_hash"] for r in rows if r["seq"] == seq - 1)
    for r in (r for r in rows if r["seq"] >= seq):
        r["at"] = r["at"] if not isinstance(r["at"], str) else datetime.fromisoformat(r["at"])
        r["effective_day"] = (
            date.fromisoformat(r["effective_day"]) if isinstance(r["effective_day"], str) else r["effective_day"]
        )
        content = transition_content({k: r[k] for k in TRANSITION_FIELDS + STEP_DETAILS})
        digest = row_hash("transition", r["plan_id"], r["seq"], prev, content)
        sql("UPDATE transition SET prev_hash = :p, row_hash = :h WHERE id = :id", p=prev, h=digest, id=r["id"])
        prev = digest


def test_a_rehashed_chain_is_caught_by_the_anchors_the_leadership_received(cli, history, cchc_env) -> None:  # type: ignore[no-untyped-def]
    """The review report (Markdown and Word) and the message the leadership received carry the chain heads; an
    intruder who rewrites a step and re-hashes the chain after it passes `verify`, not `verify --anchors-from`."""
    from cchc_flow.flows.delivery import deliver
    from cchc_flow.flows.review import hold_review
    from cchc_flow.models.store.anchors import TAG

    outcome = hold_review.fn(PLAN, 1, date(2015, 1, 26), None)
    plan_id = sql("SELECT id FROM plan")[0][0]
    deliver(plan_id, date(2015, 1, 26))
    reports, outbox = cchc_env / "reports", cchc_env / "outbox"
    markdown = open(outcome.markdown, encoding="utf-8").read()
    held = sql("SELECT max(seq) FROM transition")[0][0]  # the hold step; the report was filed just before it
    # (review opened, its own activity reported and accepted: holding the review is doing it)
    assert f"{TAG} {PLAN} transition:{held - 1}:" in markdown and f"{TAG} {PLAN} delivery:4:" in markdown
    to_leaders = [p for p in outbox.glob("*.json") if f"{TAG} {PLAN} transition:" in p.read_text("utf-8")]
    assert to_leaders and all('"ldb"' in p.read_text("utf-8") for p in to_leaders)
    honest = cli("audit", "verify", PLAN, "--anchors-from", reports, "--anchors-from", outbox)
    assert "Đã đọc 6 mốc từ 3 tệp" in honest.stdout  # the .md, the .docx and the leadership's message

    victim = sql("SELECT id FROM transition WHERE seq = 3")[0][0]
    restore = without_triggers("transition")
    sql("UPDATE transition SET note = 'Thanh tra Bộ không góp ý' WHERE id = :id", id=victim)
    rehash_from(3)
    restore()
    assert verify().whole  # the chain alone, and the triggers, show nothing
    cli("audit", "verify", PLAN)
    for source, seq in ((reports, held - 1), (outcome.docx, held - 1), (outbox, held)):  # sent after the hold step
        caught = cli("audit", "verify", PLAN, "--anchors-from", source, expect=1)
        assert f"dòng số thứ tự {seq} không còn mã băm" in caught.stderr
    nothing = cchc_env / "ghi-chu.txt"
    nothing.write_text("không có mốc nào", encoding="utf-8")
    assert "không tìm thấy mốc chuỗi băm" in cli("audit", "verify", PLAN, "--anchors-from", nothing, expect=2).stderr
