"""Runtime settings, read from the environment each time they are asked for."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

CONFIG_DIR = Path(str(resources.files("cchc_flow.config")))  # config/ in a checkout, package data when installed
DEFAULT_UNITS = CONFIG_DIR / "units.yaml"
DEFAULT_NOTIFY = CONFIG_DIR / "notify.example.yaml"


@dataclass(frozen=True)
class Settings:
    """Where cchc-flow keeps its data and how it speaks."""

    home: Path
    database_url: str
    notify_config: Path
    lang: str
    retry_delays: tuple[float, ...] = (2.0, 10.0)
    portal_url: str | None = "http://127.0.0.1:8080"  # the web portal the messages link to; None: no link

    @property
    def outbox(self) -> Path:
        return self.home / "outbox"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def attachments(self) -> Path:
        return self.home / "attachments"


def configured_lang() -> str:
    """CCHC_LANG as a language code: "en" or "vi" (the default); read alone, it is cheap to ask for each message."""
    return "en" if (os.environ.get("CCHC_LANG") or "vi").lower().startswith("en") else "vi"


def get_settings() -> Settings:
    """Settings from CCHC_HOME, CCHC_DATABASE_URL, CCHC_NOTIFY_CONFIG, CCHC_LANG and CCHC_PORTAL_URL."""
    home = Path(os.environ.get("CCHC_HOME") or Path.home() / ".local/share/cchc").expanduser()
    url = os.environ.get("CCHC_DATABASE_URL") or f"sqlite:///{home / 'cchc.db'}"
    notify = Path(os.environ.get("CCHC_NOTIFY_CONFIG") or DEFAULT_NOTIFY)
    delays = tuple(float(x) for x in os.environ.get("CCHC_NOTIFY_RETRY_DELAYS", "2,10").split(",") if x.strip())
    portal = os.environ.get("CCHC_PORTAL_URL", "http://127.0.0.1:8080").strip().rstrip("/") or None
    return Settings(
        home=home,
        database_url=url,
        notify_config=notify,
        lang=configured_lang(),
        retry_delays=delays,
        portal_url=portal,
    )
