"""The Prefect UI's address, for the links to flow runs in the history, without importing Prefect when the
environment alone decides it (importing Prefect's settings takes 0.6-0.8 s of a history export's start).

Prefect reads its settings from the environment first, then from a ``.env`` file, a profile, ``prefect.toml`` and
``pyproject.toml`` (in that order). The answer is taken from the environment only when none of those files can
change it; in every other case (Prefect already loaded, a file naming the UI, Prefect Cloud, a profile chosen by
name) Prefect's own settings give it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_UNDECIDED = object()


def prefect_ui_url() -> str | None:
    """PREFECT_UI_URL, or the UI URL Prefect infers from PREFECT_API_URL; None when neither is set."""
    value = _from_environment()
    if value is _UNDECIDED:
        from prefect.settings import get_current_settings  # deferred: Prefect takes about 1 s to import

        value = get_current_settings().ui_url
    assert value is None or isinstance(value, str)
    return value.rstrip("/") if value else None


def _from_environment() -> object:
    """The UI URL as Prefect would set it, from the environment alone, or _UNDECIDED."""
    if "prefect.settings" in sys.modules:  # loaded: its settings (and any temporary ones) are at hand
        return _UNDECIDED
    env = {k.upper(): v for k, v in os.environ.items() if k.upper().startswith("PREFECT_")}  # case-insensitive
    if "PREFECT_UI_URL" in env:  # the environment comes before every file
        return env["PREFECT_UI_URL"]
    if any(k.startswith("PREFECT_CLOUD_") for k in env) or "PREFECT_PROFILE" in env:
        return _UNDECIDED
    api = env.get("PREFECT_API_URL")
    for path, words in _setting_files(env, api is None):
        try:
            text = path.read_text(encoding="utf-8", errors="replace").lower()
        except FileNotFoundError:
            continue
        except OSError:
            return _UNDECIDED
        if any(word in text for word in words):
            return _UNDECIDED
    if not api:
        return None
    if api.startswith("https://api.prefect.cloud"):
        return _UNDECIDED
    ui = api[:-4] if api.endswith("/api") else api  # Prefect's inference (settings/models/_defaults.py)
    return ui.replace("/api/", "/").replace("/accounts/", "/account/").replace("/workspaces/", "/workspace/")


def _setting_files(env: dict[str, str], no_api: bool) -> list[tuple[Path, tuple[str, ...]]]:
    """The files Prefect reads its settings from besides the environment, each with the words that make it count
    here (any ``.env`` naming a Prefect setting, any ``prefect.toml``, a profile naming the UI, Cloud or, when the
    environment names no API, a URL, ``pyproject.toml``'s Prefect table)."""
    home = Path(env["PREFECT_HOME"]) if env.get("PREFECT_HOME") else Path.home() / ".prefect"
    profiles = Path(env["PREFECT_PROFILES_PATH"]) if env.get("PREFECT_PROFILES_PATH") else home / "profiles.toml"
    return [
        (Path(".env"), ("prefect_",)),
        (profiles, ("ui_url", "cloud", "url") if no_api else ("ui_url", "cloud")),
        (Path("prefect.toml"), ("",)),
        (Path("pyproject.toml"), ("tool.prefect",)),
    ]
