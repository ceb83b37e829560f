"""The history's CSV and JSON lines, written without the csv module or a dict per row, are exactly what the csv
module and json.JSONEncoder write (hostile text included), and a row's hash is the stored format of chain.py."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from cchc_flow.models.rules.calendar import TZ
from cchc_flow.models.rules.cells import csv_safe_row
from cchc_flow.models.store.chain import GENESIS, canonical_time, delivery_content, row_hash, transition_content
from cchc_flow.models.store.history_query import COLUMNS, Entry, backdated_mark, headers, write_csv, write_json

TRICKY = ["", "a", "a,b", 'say "hi"', "x\ny", "x\r\ny", "\rcr", "=1+2", "+3", "-4", "@SUM(A1)", "\ttab", " space"]
TRICKY += ["'quoted", "Đơn vị: đã gửi, kèm minh chứng", "-", ",", '"', "=cmd|' calc'!A0.pdf", "∑ x → y"]


def _text(rng: random.Random) -> str | None:
    return None if rng.random() < 0.3 else rng.choice(TRICKY) + rng.choice(["", "z", ",", "=", " ok"])


def _entries(n: int) -> list[Entry]:
    rng = random.Random(3723)
    out = []
    for i in range(n):
        step = rng.random() < 0.7
        at = datetime(2014, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**8), microseconds=rng.choice([0, 7]))
        day = rng.choice([None, at.date(), at.date() - timedelta(days=3)])
        letter = _text(rng) if step and rng.random() < 0.2 else None
        out.append(
            Entry(
                "step" if step else "notice",
                i + 1,
                rng.choice([None, i + 1]),
                at,
                day,
                *(_text(rng) for _ in range(7)),  # entity, key, event, from, to, actor, source
                None if step else _text(rng),  # unit
                None if step else _text(rng),  # route
                None if step else rng.choice(["ok", "failed"]),
                None if step else rng.choice([None, 0, 3]),
                *(_text(rng) for _ in range(5)),  # note, run, url, task, hash
                _text(rng),
                _text(rng),
                letter,
                rng.choice([None, "in_time", "done_late"]),
                rng.choice([None, 0, 12]),
                rng.choice([None, date(2015, 12, 31)]),
                rng.choice([None, date(2015, 6, 30)]),
                None if step or rng.random() < 0.7 else _text(rng),
            )
        )
    return out


def _plain(e: Entry) -> list[Any]:
    """The row as the exports hold it: Vietnam time, days as ISO."""
    row = list(e)
    row[COLUMNS.index("at")] = e.at.astimezone(ZoneInfo(TZ)).isoformat()
    for name in ("day", "due", "planned_due"):
        value = getattr(e, name)
        row[COLUMNS.index(name)] = value.isoformat() if value else None
    return row


def test_csv_lines_are_the_csv_modules() -> None:
    entries = _entries(3000)
    expected = io.StringIO()
    expected.write("\ufeff")
    writer = csv.writer(expected)
    writer.writerow(headers())
    for e in entries:
        row = _plain(e)
        if e.backdated:
            row[COLUMNS.index("letter_ref")] = backdated_mark(e)
        row[COLUMNS.index("unit")] = e.recipient
        writer.writerow(csv_safe_row(row))
    out = io.StringIO()
    assert write_csv(entries, out) == len(entries)
    assert out.getvalue() == expected.getvalue()
    assert "'=1+2" in out.getvalue() and '"a,b' in out.getvalue()  # neutralised, quoted


def test_json_lines_are_the_encoders() -> None:
    entries = _entries(3000)
    entries.append(entries[0]._replace(seq="7", attempts=True))  # a hand-edited database: the encoder decides
    encode = json.JSONEncoder(ensure_ascii=False).encode
    expected = "[" + ",".join("\n" + encode(dict(zip(COLUMNS, _plain(e)))) for e in entries) + "\n]\n"
    out = io.StringIO()
    assert write_json(entries, out) == len(entries)
    assert out.getvalue() == expected
    assert json.loads(out.getvalue())[-1]["seq"] == "7"


def _stored_hash(chain: str, plan_id: int, seq: int, prev: str, content: dict[str, Any]) -> str:
    """The stored format as first written: json.dumps per row, strftime for times."""

    def plain(v: Any) -> Any:
        if isinstance(v, datetime):
            v = v.replace(tzinfo=UTC) if v.tzinfo is None else v
            return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return v.isoformat() if isinstance(v, date) else v

    body = {
        "v": 2 if any(k in content for k in ("actor_label", "stated_name", "letter_ref")) else 1,
        "chain": chain,
        "plan_id": plan_id,
        "seq": seq,
        "prev": prev,
        "row": {k: plain(v) for k, v in content.items()},
    }
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_row_hashes_keep_the_stored_format() -> None:
    rng = random.Random(6)
    zones = [None, UTC, timezone(timedelta(hours=7)), ZoneInfo(TZ)]
    prev = GENESIS
    for seq in range(1, 400):
        at = datetime(rng.choice([999, 1975, 2014, 2031]), 5, 6, 7, 8, 9, rng.choice([0, 5]), rng.choice(zones))
        values = {k: _text(rng) for k in ("entity", "entity_key", "event", "from_state", "to_state", "actor")}
        values |= {k: _text(rng) for k in ("source", "note", "flow_run_id", "task_run_id", "actor_label")}
        values |= {"at": at, "effective_day": rng.choice([None, at.date()]), "stated_name": None, "letter_ref": "CV"}
        content = transition_content(values)
        assert row_hash("transition", 1, seq, prev, content) == _stored_hash("transition", 1, seq, prev, content)
        delivery = {"notification_id": seq, "route": _text(rng), "ok": 1, "error": None, "at": at, "flow_run_id": None}
        notice = {k: _text(rng) for k in ("key", "entity", "entity_key", "notice", "recipient", "role")}
        content = delivery_content(delivery, notice)
        expected = _stored_hash("delivery", 2, seq, prev, content)
        prev = row_hash("delivery", 2, seq, prev, content)
        assert prev == expected
    naive = datetime(2014, 1, 1, 1, 0)
    assert canonical_time(naive) == "2014-01-01T01:00:00.000000Z"
    assert canonical_time(datetime(2014, 1, 1, 8, 0, tzinfo=ZoneInfo(TZ))) == "2014-01-01T01:00:00.000000Z"
