"""The hash chains of the append-only tables, as pure functions (stdlib only).

This is a stored format: migration 0005 and every later verification use these exact functions, so changing
a field, its order or its rendering breaks every chain already stored. Add a new chain version instead.

Each plan has two chains: its ``transition`` rows and its ``delivery`` rows, each numbered 1, 2, 3... by
``seq``. A row's ``row_hash`` is sha256 over the canonical JSON of its content, its chain, its place (plan,
seq) and the previous row's hash (``prev_hash``; the first row's is GENESIS).

Version 2 (migration 0006) adds the transition fields of STEP_DETAILS, hashed only when set: a row that has
none of them keeps its version-1 hash, and one that has any is hashed as version 2.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

GENESIS = "0" * 64

# The columns a row's hash covers, in addition to plan_id, seq and prev_hash.
TRANSITION_FIELDS = (
    "entity",
    "entity_key",
    "event",
    "from_state",
    "to_state",
    "at",
    "effective_day",
    "actor",
    "source",
    "note",
    "flow_run_id",
    "task_run_id",
)
# Version 2: the token's label, the name the person gave (unverified) and a back-dated step's letter.
STEP_DETAILS = ("actor_label", "stated_name", "letter_ref")
DELIVERY_FIELDS = ("notification_id", "route", "ok", "error", "at", "flow_run_id")
# What the delivered notification was (from the notification table, whose other columns change while it is sent).
NOTIFICATION_FIELDS = ("key", "entity", "entity_key", "notice", "recipient", "role")


def canonical_time(value: datetime) -> str:
    """A timestamp as UTC text with microseconds (a naive value is taken as UTC, as SQLite stores it)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if value.year < 1000:  # isoformat would pad the year to four digits, strftime does not
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.isoformat(timespec="microseconds") + "Z"  # = strftime("%Y-%m-%dT%H:%M:%S.%fZ"), 4x faster


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return canonical_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# The canonical JSON: keys sorted, no spaces, UTF-8 text as is. One encoder for every row: json.dumps with these
# options would build a new one per call.
_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_DETAILS = frozenset(STEP_DETAILS)


def row_hash(chain: str, plan_id: int, seq: int, prev_hash: str, content: Mapping[str, Any]) -> str:
    """sha256 (hex) of one row of ``chain`` at (plan_id, seq), linked to ``prev_hash``."""
    body = {
        "v": 1 if _DETAILS.isdisjoint(content) else 2,
        "chain": chain,
        "plan_id": int(plan_id),
        "seq": int(seq),
        "prev": prev_hash,
        "row": {k: v if v is None or v.__class__ is str else _plain(v) for k, v in content.items()},
    }
    return hashlib.sha256(_canonical(body).encode("utf-8")).hexdigest()


def transition_content(values: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed content of a transition row, from any mapping with its column names (STEP_DETAILS when set)."""
    content = {k: values[k] for k in TRANSITION_FIELDS}
    content.update((k, values[k]) for k in STEP_DETAILS if k in values and values[k] is not None)
    return content


def delivery_content(values: Mapping[str, Any], notification: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed content of a delivery row and of the notification it delivered."""
    out = {k: values[k] for k in DELIVERY_FIELDS}
    out["ok"] = bool(out["ok"])
    out["notification"] = {k: notification[k] for k in NOTIFICATION_FIELDS}
    return out
