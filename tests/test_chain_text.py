"""The canonical text of a chained row, written key by key (chain.py's transition_text and delivery_text, what both
the writer and `cchc audit verify` hash), is byte for byte json.dumps of the row's body as the format defines it."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from cchc_flow.models.store.chain import (
    DELIVERY_FIELDS,
    GENESIS,
    NOTIFICATION_FIELDS,
    STEP_DETAILS,
    TRANSITION_FIELDS,
    canonical_time,
    delivery_content,
    delivery_text,
    json_value,
    row_hash,
    transition_content,
    transition_text,
)

WORDS = [
    "",
    "Đơn vị: đã gửi công văn",
    "Sở Y tế Hà Nội",
    'say "hi"',
    "back\\slash",
    "x\ny\r\n",
    "tab\t",
    "\x00\x1f\x7f",
]
WORDS += ["\u2028\u2029", "∑ → ✓ 😀", "'", ",", ":", "{}[]", "null", "true", "1.1.222", " ", "ứ̛ (NFD)", "\ufeffBOM"]
ZONES = [None, UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-3, minutes=-30)), ZoneInfo("Asia/Tokyo")]


def _value(rng: random.Random) -> Any:
    """Any value a column could hand over: text (Vietnamese, quotes, control characters), None, numbers, times."""
    kind = rng.randrange(10)
    if kind < 4:
        return "".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 4))) + chr(rng.randrange(0, 0x2FF))
    if kind < 6:
        return None
    if kind == 6:
        return rng.choice([0, -1, 7, 2**63, -(2**70), True, False, 1.5, -0.0, 1e300])
    at = datetime(rng.choice([1, 999, 1000, 2014, 9999]), 12, 31, 23, 59, 59, rng.choice([0, 1, 999999]))
    at = at.replace(tzinfo=rng.choice(ZONES)) if at.year not in (1, 9999) else at  # no zone shift out of range
    return at if kind < 9 else at.date()


def _reference(chain: str, plan_id: int, seq: int, prev: str, content: dict[str, Any]) -> str:
    """The format's definition: json.dumps of the body with sorted keys (times as UTC text, days as ISO)."""

    def plain(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, datetime):
            return canonical_time(v)
        return v.isoformat() if isinstance(v, date) else v

    body = {
        "v": 2 if any(k in content for k in STEP_DETAILS) else 1,
        "chain": chain,
        "plan_id": plan_id,
        "seq": seq,
        "prev": prev,
        "row": plain(content),
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def test_the_text_written_key_by_key_is_json_dumps_of_the_body() -> None:
    rng = random.Random(19)
    prev = GENESIS
    for seq in range(1, 5001):
        step = {k: _value(rng) for k in TRANSITION_FIELDS + STEP_DETAILS}
        if rng.random() < 0.6:  # most rows have no step details (version 1)
            step.update(dict.fromkeys(STEP_DETAILS))
        content = transition_content(step)
        text = transition_text(3, seq, prev, [step[k] for k in TRANSITION_FIELDS + STEP_DETAILS])
        assert text == _reference("transition", 3, seq, prev, content)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert row_hash("transition", 3, seq, prev, content) == digest

        sent = {k: _value(rng) for k in DELIVERY_FIELDS}
        notice = {k: _value(rng) for k in NOTIFICATION_FIELDS}
        content = delivery_content(sent, notice)
        values = [content[k] for k in DELIVERY_FIELDS] + [notice[k] for k in NOTIFICATION_FIELDS]
        text = delivery_text(4, seq, digest, values)
        assert text == _reference("delivery", 4, seq, digest, content)
        assert row_hash("delivery", 4, seq, digest, content) == hashlib.sha256(text.encode("utf-8")).hexdigest()
        prev = digest


def test_each_value_is_rendered_as_the_json_encoder_renders_it() -> None:
    rng = random.Random(7)
    for _ in range(20000):
        v = _value(rng)
        expected = canonical_time(v) if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v
        assert json_value(v) == json.dumps(expected, ensure_ascii=False)
