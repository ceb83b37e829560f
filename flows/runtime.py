"""Running flows from the CLI: the local ephemeral Prefect API by default, without the heartbeat wait."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_prefect() -> Iterator[None]:
    """Turn off the flow heartbeat (a 1 s floor per run, see FACTS.md) for flows run in this process."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() is None:  # already off: rebuilding settings costs ~0.3 s
        yield
        return
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
