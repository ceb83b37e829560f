"""Threads that run the routes' sends, kept idle for the next send instead of one new thread per route and message.

A send never waits for a thread: when none is idle a new one starts, and one left idle for IDLE_SECONDS ends. (A
thread pool per message started a thread for every route of every message: 1,000 messages to 1,000 units started
1,000 threads, a tenth of the delivery's CPU.)
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable

IDLE_SECONDS = 10.0  # an idle thread ends after this long without work

_LOCK = threading.Lock()
_IDLE: set[_Runner] = set()


class _Runner(threading.Thread):
    """One kept thread: runs the jobs handed to it, one at a time."""

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def run(self) -> None:
        while True:
            try:
                job = self.jobs.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with _LOCK:
                    if self in _IDLE:  # else a job was handed to it just now: take it
                        _IDLE.discard(self)
                        return
                continue
            job()
            del job  # nothing of the finished job kept while idle
            with _LOCK:
                _IDLE.add(self)


def run_in_thread(job: Callable[[], None], name: str) -> None:
    """Run ``job`` in an idle kept thread, or in a new one (named ``name``) when none is idle."""
    with _LOCK:
        runner = _IDLE.pop() if _IDLE else None
    if runner is None:
        runner = _Runner(name)
        runner.start()
    runner.jobs.put(job)


def _forget_after_fork() -> None:
    """A forked child has none of the parent's threads: it starts its own."""
    global _LOCK
    _LOCK = threading.Lock()
    _IDLE.clear()


os.register_at_fork(after_in_child=_forget_after_fork)
