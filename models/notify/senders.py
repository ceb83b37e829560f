"""Who holds a claim on a notification, and whether that holder can still be sending it.

A sender claims a unit's pending notifications (committed) before it sends anything: the claim is the record of
a sending attempt. When the sender records the outcome, the claim is released. A claim that is still there when
someone else looks means the holder either is still sending, or stopped (crashed, was killed) between taking the
claim and recording the answer -- the messages are *in doubt*: they may or may not have reached the unit.

The holder's name says where it runs: ``<host>:<pid>:<run>``, where ``host`` is a short hash of the machine's name
and its process namespace (two containers never share one). On the same host a claim whose process is gone is
stale at once; elsewhere it becomes stale when its lease ends.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from functools import lru_cache


@lru_cache(maxsize=1)
def host_tag() -> str:
    """8 hex digits naming this machine and process namespace."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return hashlib.sha256(f"{socket.gethostname()}|{namespace}".encode()).hexdigest()[:8]


def sender_name(run: str | None = None) -> str:
    """The claim name of this process for ``run`` (a flow-run id, or a fresh id): at most 64 characters."""
    return f"{host_tag()}:{os.getpid()}:{run or uuid.uuid4().hex}"[:64]


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet is a zombie: it sends nothing any more
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def known_dead(claimed_by: str | None) -> bool:
    """True only when ``claimed_by`` names a process of this host that no longer runs (never a guess)."""
    if not claimed_by:
        return False
    parts = claimed_by.split(":", 2)
    if len(parts) != 3 or parts[0] != host_tag() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    return pid != os.getpid() and not _process_alive(pid)
