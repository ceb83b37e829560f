"""Smoke test for the throwaway PostgreSQL helper (runs only with CCHC_TEST_POSTGRES=1)."""

from __future__ import annotations

import sqlalchemy as sa
from pgserver import fresh_database

TEXT = "Văn phòng Bộ — Sơ kết giai đoạn I"


def test_roundtrip_vietnamese_and_fresh_database(pg_server_url):
    url = sa.make_url(pg_server_url)
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "127.0.0.1" and url.port and url.database == "cchc_test"

    engine = sa.create_engine(pg_server_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("SHOW server_encoding")).scalar() == "UTF8"
            assert conn.execute(sa.text("SHOW fsync")).scalar() == "off"
            assert conn.execute(sa.text("SHOW listen_addresses")).scalar() == "127.0.0.1"
            conn.execute(sa.text("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)"))
            conn.execute(sa.text("INSERT INTO notes (body) VALUES (:b)"), {"b": TEXT})
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT body FROM notes")).scalars().all()
            assert rows == [TEXT]
            assert (
                conn.execute(sa.text("SELECT count(*) FROM notes WHERE body LIKE :p"), {"p": "%Sơ kết%"}).scalar() == 1
            )
    finally:
        engine.dispose()

    iso_url = fresh_database(pg_server_url, "cchc_isolated")
    iso = sa.make_url(iso_url)
    assert iso.database == "cchc_isolated"
    assert (iso.host, iso.port, iso.username) == (url.host, url.port, url.username)
    iso_engine = sa.create_engine(iso_url)
    try:
        assert sa.inspect(iso_engine).get_table_names() == []
        with iso_engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE notes (x int)"))
        with iso_engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM notes")).scalar() == 0
    finally:
        iso_engine.dispose()

    # The original database is untouched by what happened in the isolated one.
    engine = sa.create_engine(pg_server_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT body FROM notes")).scalars().all() == [TEXT]
    finally:
        engine.dispose()
