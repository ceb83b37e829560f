"""Timestamps as cchc stores them (models/store/tables.py): aware, in UTC, bound as plain datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

import pendulum
import pytest
from sqlalchemy.dialects import postgresql, sqlite

from cchc_flow.models.store.chain import canonical_time
from cchc_flow.models.store.tables import UTCDateTime, utc_now


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_a_timestamp_is_bound_as_a_plain_datetime_in_utc_whatever_it_was_given_as(dialect) -> None:  # type: ignore[no-untyped-def]
    """A pendulum time in Hanoi is bound as the same instant, a plain datetime in UTC (psycopg dumps pendulum's
    through pendulum's own arithmetic, row by row); a naive time is refused."""
    given = pendulum.datetime(2026, 12, 1, 19, 30, 15, 123456, tz="Asia/Ho_Chi_Minh")
    bound = UTCDateTime().process_bind_param(given, dialect)
    assert bound is not None
    assert bound.__class__ is datetime and bound.tzinfo is UTC
    assert bound == given and (bound.hour, bound.microsecond) == (12, 123456)
    assert canonical_time(bound) == canonical_time(given) == "2026-12-01T12:30:15.123456Z"  # the same hashed text
    plain = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    assert UTCDateTime().process_bind_param(plain, dialect) is plain
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 12, 1, 12, 30), dialect)


def test_now_is_a_plain_aware_datetime_in_utc() -> None:
    now = utc_now()
    assert now.__class__ is datetime and now.tzinfo is UTC
    assert abs((now - pendulum.now("UTC")).total_seconds()) < 5
