"""The routes file in force (CCHC_NOTIFY_CONFIG): read and checked once per version of the file, refused as a
whole when it cannot be used."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import apprise

from cchc_flow.models.notify.routes import read_routes, validate_routes
from cchc_flow.models.rules.messages import t
from cchc_flow.settings import get_settings


class RoutesInvalid(ValueError):
    """The routes file cannot be used; the message names the file and each bad line, URLs masked."""


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> tuple[apprise.AppriseConfig | None, tuple[str, ...]]:
    config, problems = read_routes(path)
    return config, tuple(problems)


def _current() -> tuple[apprise.AppriseConfig | None, tuple[str, ...]]:
    """The routes file named by the settings, read and checked once per version of the file."""
    path = get_settings().notify_config
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        return None, tuple(validate_routes(path))
    return _read(str(path), mtime)


def check_routes() -> None:
    """Refuse (RoutesInvalid) a routes file that is missing or has an invalid Apprise URL, before anything runs."""
    routes()


def routes() -> apprise.AppriseConfig:
    """The Apprise routes from CCHC_NOTIFY_CONFIG (default: config/notify.example.yaml, the local outbox); raises
    RoutesInvalid when the file is missing or has a problem."""
    config, problems = _current()
    if config is None:
        raise RoutesInvalid(t("routes.invalid", path=get_settings().notify_config, problems="; ".join(problems)))
    return config
