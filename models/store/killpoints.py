"""Named moments of a phase run at which the process can be made to die (SIGKILL), to prove that a run killed at any
moment leaves a consistent record: ``CCHC_KILL_AT=<point>`` in a run's environment kills it on reaching that point.

Unset (always, outside the crash tests), each check is one look at the settings (cchc_flow/settings.py's kill_at).
"""

from __future__ import annotations

import os
import signal

from cchc_flow.settings import get_settings

POINTS = (
    "record-before-commit",  # the run's transitions and notices written, their transaction not yet committed
    "record-after-commit",  # committed; nothing claimed for sending yet
    "claimed",  # the notices claimed (committed), nothing sent
    "sent",  # one unit's message sent, its answer not yet recorded
    "answers-recorded",  # the first answers recorded (committed), the other units' not
)


def kill_point(name: str) -> None:
    """Die here, at once and without cleaning up, when CCHC_KILL_AT names this point."""
    if get_settings().kill_at == name:
        os.kill(os.getpid(), signal.SIGKILL)
