"""Phase and review runs started from the board: the same Prefect flows as `cchc phase run` / `cchc review run`.

A run goes on a thread of its own (a fresh context: the portal's language never leaks into the messages the flows
compose); the board lists the recent ones with their outcome and, when the Prefect UI is known, a link to the run.
A run through the work pool is known by its flow-run id as soon as it is started: its page (/runs/N, and
/runs/N.json) follows Prefect's state of it live (Scheduled, Pending, Running, Completed...).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pendulum

from cchc_flow.models.rules.messages import t
from cchc_flow.models.store.history_query import run_url_maker

Body = Callable[["Run"], tuple[str, dict[str, Any], str | None]]  # (message key, its values, flow-run id)


@dataclass
class Run:
    id: int
    kind: str  # phase | review
    plan: str
    phase: int
    as_of: str | None
    started: datetime
    status: str = "running"  # running | done | failed
    message: str = ""  # a failure's error
    said: tuple[str, dict[str, Any]] | None = None  # the outcome, said in each reader's language
    flow_run_id: str | None = None
    url: str | None = None
    ended: datetime | None = None
    state: str | None = None  # Prefect's state of a run through the work pool, as last read

    def seen(self, flow_run_id: str, state: str | None = None) -> None:
        """The flow run is known (its id, its page in the Prefect UI) and is in ``state``."""
        if self.flow_run_id != flow_run_id:
            self.flow_run_id, self.url = flow_run_id, run_url_maker()(flow_run_id)
        self.state = state or self.state

    def as_json(self, lang: str) -> dict[str, Any]:
        """What the run's page shows, for polling."""
        return {
            "id": self.id,
            "kind": self.kind,
            "plan": self.plan,
            "phase": self.phase,
            "status": self.status,
            "state": self.state,
            "flow_run_id": self.flow_run_id,
            "url": self.url,
            "text": self.text(lang),
            "final": self.status != "running",
        }

    def text(self, lang: str) -> str:
        """The outcome in ``lang`` (a failure's error as it was raised)."""
        return t(self.said[0], lang, **self.said[1]) if self.said else self.message


@dataclass
class Runs:
    """The runs started from this portal process (newest first); ``background=False`` waits for each (tests)."""

    background: bool = True
    keep: int = 20
    _runs: list[Run] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def get(self, run_id: int) -> Run | None:
        with self._lock:
            return next((r for r in self._runs if r.id == run_id), None)

    def recent(self, plan: str) -> list[Run]:
        with self._lock:
            return [r for r in self._runs if r.plan == plan]

    def running(self, kind: str, plan: str, phase: int) -> Run | None:
        with self._lock:
            return next(
                (r for r in self._runs if (r.kind, r.plan, r.phase) == (kind, plan, phase) and r.status == "running"),
                None,
            )

    def start(self, kind: str, plan: str, phase: int, as_of: str | None, body: Body) -> Run:
        """Run ``body`` (given the run, to say what it learns on the way; returns its outcome's message key and
        values, and the flow-run id) on its own thread."""
        with self._lock:
            run = Run(next(self._ids), kind, plan, phase, as_of, pendulum.now("UTC"))
            self._runs.insert(0, run)
            del self._runs[self.keep :]
        thread = threading.Thread(target=self._execute, args=(run, body), name=f"cchc-{kind}-{phase}", daemon=True)
        thread.start()
        if not self.background:
            thread.join()
        return run

    @staticmethod
    def _execute(run: Run, body: Body) -> None:
        try:
            key, values, flow_run_id = body(run)
            if flow_run_id:
                run.seen(flow_run_id)
            run.said, run.status = (key, values), "done"
        except Exception as exc:  # shown on the board; the flow's own record is in Prefect
            run.message, run.status = str(exc) or type(exc).__name__, "failed"
        finally:
            run.ended = pendulum.now("UTC")
