"""Apprise's warnings about one route, collected while that route loads or sends, to say why it failed.

Apprise copies the caller's context into its worker threads, so the lines logged there land in the list of the
route being handled even while routes run concurrently.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator

APPRISE_LOGGER = logging.getLogger("apprise")

# The message list of the route handled in the current context.
_CAPTURE: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("cchc_route_log_capture", default=None)


class _RouteLogHandler(logging.Handler):
    """Collect Apprise warnings/errors for the route active in this context."""

    def emit(self, record: logging.LogRecord) -> None:
        buffer = _CAPTURE.get()
        if buffer is None:
            return
        try:
            buffer.append(record.getMessage())
        except Exception:  # pragma: no cover - malformed log call
            self.handleError(record)


@contextlib.contextmanager
def captured() -> Iterator[list[str]]:
    """The warnings Apprise logs inside the block (in this context and the threads it starts)."""
    messages: list[str] = []
    token = _CAPTURE.set(messages)
    try:
        yield messages
    finally:
        _CAPTURE.reset(token)


if not any(isinstance(h, _RouteLogHandler) for h in APPRISE_LOGGER.handlers):
    APPRISE_LOGGER.addHandler(_RouteLogHandler(level=logging.WARNING))
