"""ORM guards for append-only tables: the session refuses to update or delete their rows.

The database refuses too (triggers of migration 0005); these guards fail earlier, with a clearer message,
for code that goes through the ORM. Raw SQL only meets the triggers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, object_session

_GUARDED: set[type] = set()


class AppendOnlyViolation(RuntimeError):
    """Code tried to change or remove a row of an append-only table."""


def _refuse(what: str, target: Any) -> None:
    raise AppendOnlyViolation(f"{type(target).__tablename__} is append-only: {what} refused")


def _before_update(_mapper: Mapper, _conn: Any, target: Any) -> None:
    s = object_session(target)
    if s is None or s.is_modified(target, include_collections=False):
        _refuse("UPDATE", target)


def _before_delete(_mapper: Mapper, _conn: Any, target: Any) -> None:
    _refuse("DELETE", target)


def _bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in _GUARDED:
        raise AppendOnlyViolation(
            f"{mapper.class_.__tablename__} is append-only: {'UPDATE' if state.is_update else 'DELETE'} refused"
        )


def guard(*models: type) -> None:
    """Make the ORM refuse updates and deletes (unit of work and bulk statements) of ``models``."""
    for model in models:
        if model in _GUARDED:
            continue
        event.listen(model, "before_update", _before_update)
        event.listen(model, "before_delete", _before_delete)
        _GUARDED.add(model)
    if not event.contains(Session, "do_orm_execute", _bulk):
        event.listen(Session, "do_orm_execute", _bulk)
