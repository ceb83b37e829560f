"""Python's cyclic garbage collector kept out of the way where its passes find nothing: while a one-shot process loads
Prefect, and while a phase run or a delivery runs (collections_deferred, below).

Importing Prefect (and, in the local API's process, Prefect's server stack) creates several hundred thousand objects
that live as long as the process. The collector scans them again and again while they are being created, and once
more when the process exits. Paused during the import and then frozen (gc.freeze: moved out of the collector's
generations), they cost neither: measured here, the command's import of the phase flow 1.8 → 1.05 s of CPU, the
local API's import and app creation 3.0 → 1.5 s (the exit included). Objects created afterwards are collected as
usual.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_one_shot = False


def one_shot_process() -> None:
    """Mark this process as one that runs one command and exits (the `cchc` entry point, the local API's server):
    only there is freezing worth it. A long-lived process (the portal, a worker, a test session running commands
    in-process) is never frozen: gc.freeze() would also keep the garbage of that moment (dropped engines with their
    open database connections among it) out of every later collection."""
    global _one_shot
    _one_shot = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """In a one-shot process, run the body (a large import) with the cyclic collector paused, then freeze what exists
    and resume it (unless it was off already); elsewhere just run the body."""
    if not _one_shot:
        yield
        return
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()


_deferring = 0  # bodies of collections_deferred() running now, in any thread
_resume = False  # whether the collector was on when the first of them started
_DEFER_LOCK = threading.Lock()


@contextmanager
def collections_deferred() -> Iterator[None]:
    """Run the body (a burst of work whose objects live until it ends: a phase run, a delivery in many threads)
    without the collector's automatic passes, then resume them (unless the collector was off already). Nothing is
    frozen: what the body leaves unreachable is collected by the next pass after it.

    A phase run over 1,000 activities holds its view, decisions and rows to the end: the 1-3 passes over every object
    of the process it set off (0.2-0.3 s each in a process that imported Prefect) found them alive. (A bare flow of
    1,000 Prefect tasks run with the collector off left 160-1,500 objects of cyclic garbage and under 5 MiB.)

    While hundreds of messages are in flight, each pass finds their objects alive and moves them to the oldest
    generation, whose growth then sets off passes over every object of the process: 2-4 of them per 1,000 messages,
    a quarter of a delivery's CPU, for a few hundred objects of garbage."""
    global _deferring, _resume
    with _DEFER_LOCK:
        if not _deferring:
            _resume = gc.isenabled()
            gc.disable()
        _deferring += 1
    try:
        yield
    finally:
        with _DEFER_LOCK:
            _deferring -= 1
            if not _deferring and _resume:
                gc.enable()
