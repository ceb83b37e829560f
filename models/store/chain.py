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
from collections.abc import Callable, Mapping, Sequence
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


# The canonical JSON: keys sorted, no spaces, UTF-8 text as is (json.dumps(body, ensure_ascii=False, sort_keys=True,
# separators=(",", ":")) of {"v", "chain", "plan_id", "seq", "prev", "row": content}). It is written out below key by
# key in sorted order, each value through json_value, which renders it exactly as that encoder does: the writer and
# the verifier both hash through transition_hash and delivery_hash, and tests/test_chain_text.py compares them with
# json.dumps over many rows.
_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_string: Callable[[str], str] = json.encoder.encode_basestring  # the encoder's own (C) string function
_HASHED_STEP = TRANSITION_FIELDS + STEP_DETAILS
_DETAIL_KEYS = sorted(range(len(_HASHED_STEP)), key=_HASHED_STEP.__getitem__)  # v2: present keys in sorted order


def json_value(value: Any) -> str:
    """One value as the canonical JSON has it (times and days as canonical text)."""
    if value.__class__ is str:
        return _string(value)
    if value is None:
        return "null"
    if value.__class__ is int:
        return int.__repr__(value)
    if value.__class__ is bool:
        return "true" if value else "false"
    return _canonical(_plain(value))


def transition_text(plan_id: int, seq: int, prev: str, values: Sequence[Any]) -> str:
    """The canonical JSON of a transition row: ``values`` in TRANSITION_FIELDS + STEP_DETAILS order (a STEP_DETAILS
    value of None is left out, as transition_content leaves it; none set: version 1)."""
    j = json_value
    entity, key, event, from_state, to_state, at, day, actor, source, note, flow, task, label, stated, letter = values
    if label is None and stated is None and letter is None:
        row = (
            f'"actor":{j(actor)},"at":{j(at)},"effective_day":{j(day)},"entity":{j(entity)},"entity_key":{j(key)},'
            f'"event":{j(event)},"flow_run_id":{j(flow)},"from_state":{j(from_state)},"note":{j(note)},'
            f'"source":{j(source)},"task_run_id":{j(task)},"to_state":{j(to_state)}'
        )
        version = 1
    else:
        row = ",".join(
            f'"{_HASHED_STEP[i]}":{j(values[i])}'
            for i in _DETAIL_KEYS
            if i < len(TRANSITION_FIELDS) or values[i] is not None
        )
        version = 2
    return (
        f'{{"chain":"transition","plan_id":{int(plan_id)},"prev":{j(prev)},"row":{{{row}}},"seq":{int(seq)},'
        f'"v":{version}}}'
    )


def delivery_text(plan_id: int, seq: int, prev: str, values: Sequence[Any]) -> str:
    """The canonical JSON of a delivery row: ``values`` = DELIVERY_FIELDS (``ok`` as a bool), then the delivered
    notification's NOTIFICATION_FIELDS."""
    j = json_value
    notification_id, route, ok, error, at, flow, key, entity, entity_key, notice, recipient, role = values
    return (
        f'{{"chain":"delivery","plan_id":{int(plan_id)},"prev":{j(prev)},"row":{{"at":{j(at)},"error":{j(error)},'
        f'"flow_run_id":{j(flow)},"notification":{{"entity":{j(entity)},"entity_key":{j(entity_key)},"key":{j(key)},'
        f'"notice":{j(notice)},"recipient":{j(recipient)},"role":{j(role)}}},"notification_id":{j(notification_id)},'
        f'"ok":{j(ok)},"route":{j(route)}}},"seq":{int(seq)},"v":1}}'
    )


def transition_hash(plan_id: int, seq: int, prev: str, values: Sequence[Any]) -> str:
    """sha256 (hex) of a transition row (``values`` as transition_text takes them) at (plan_id, seq) after ``prev``."""
    return hashlib.sha256(transition_text(plan_id, seq, prev, values).encode("utf-8")).hexdigest()


def delivery_hash(plan_id: int, seq: int, prev: str, values: Sequence[Any]) -> str:
    """sha256 (hex) of a delivery row (``values`` as delivery_text takes them) at (plan_id, seq) after ``prev``."""
    return hashlib.sha256(delivery_text(plan_id, seq, prev, values).encode("utf-8")).hexdigest()


def row_hash(chain: str, plan_id: int, seq: int, prev_hash: str, content: Mapping[str, Any]) -> str:
    """sha256 (hex) of one row of ``chain`` at (plan_id, seq), linked to ``prev_hash``; ``content`` as
    transition_content or delivery_content make it."""
    if chain == "transition":
        return transition_hash(plan_id, seq, prev_hash, [content.get(k) for k in _HASHED_STEP])
    notification = content["notification"]
    values = [content[k] for k in DELIVERY_FIELDS] + [notification[k] for k in NOTIFICATION_FIELDS]
    return delivery_hash(plan_id, seq, prev_hash, values)


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
