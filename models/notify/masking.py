"""Routes shown without their secrets, and the log scrubber for what Apprise's own masking does not reach.

A route is named by its plugin's ``url(privacy=True)`` -- Apprise's masking, ours included (the plugins declare
their bot token ``private``). Apprise does not mask, and the scrubber here does:

* the text of a route file, which Apprise logs at DEBUG while loading it ("Loading raw configuration");
* request lines urllib3 logs at DEBUG, with a token in the path (``POST /bot<token>/sendMessage``);
* exceptions and server answers quoted in a failed route's error (a URL with its password or token).
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Iterable
from urllib.parse import quote, unquote

import apprise

from cchc_flow.models.notify import plugins  # noqa: F401 - our schemas, registered before any URL is read
from cchc_flow.models.notify.capture import APPRISE_LOGGER

MASK = "****"

_SCHEMA_RE = re.compile(r"^\s*(?P<schema>[a-z][a-z0-9+.-]*)://", re.IGNORECASE)
_TOKEN_SPLIT_RE = re.compile(r"[/:@?&=#,;\s]+")
_URL_RE = re.compile(r"([a-z][a-z0-9+.-]*)://([^\s'\"]+)", re.IGNORECASE)
_HOST_IS_PUBLIC = {"json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos", "outbox"}

# The name of each loaded route, fixed at first use.
_ROUTE_NAMES: weakref.WeakKeyDictionary[apprise.NotifyBase, str] = weakref.WeakKeyDictionary()

# Secrets of every route file read so far: Apprise's own debug logging may print a configuration's text.
_KNOWN_SECRETS: set[str] = set()


def schema_of(url: str) -> str | None:
    """The schema of a URL (lowercase), or None when it is not one."""
    match = _SCHEMA_RE.match(url or "")
    return match.group("schema").lower() if match else None


def mask_url(url: str) -> str:
    """Return ``url`` with passwords and tokens masked, for any route; ``schema://****`` if Apprise cannot load it."""
    text = str(url).strip()
    schema = schema_of(text)
    if schema is None:
        return "(not a URL)"
    try:
        plugin = apprise.Apprise.instantiate(text, suppress_exceptions=True)
    except Exception:
        plugin = None
    if plugin is None:
        return f"{schema}://{MASK}"
    return route_name(plugin)


def route_name(plugin: apprise.NotifyBase) -> str:
    """The masked URL that names a loaded route (fixed at first use: tuning its timeouts must not change it)."""
    name = _ROUTE_NAMES.get(plugin)
    if name is None:
        try:
            name = plugin.url(privacy=True)
        except Exception:  # pragma: no cover - defensive
            name = f"unknown://{MASK}"
        _ROUTE_NAMES[plugin] = name
    return name


def url_tokens(url: str) -> set[str]:
    """The parts of a URL between its separators."""
    return {t for t in _TOKEN_SPLIT_RE.split(unquote(url)) if t}


def plugin_secrets(plugin: apprise.NotifyBase) -> set[str]:
    """The strings of a route's URL that must never appear in output: what Apprise's privacy mode hides."""
    secrets: set[str] = set()
    password = getattr(plugin, "password", None)
    if isinstance(password, str) and password:
        secrets.add(password)
    try:
        raw, masked = plugin.url(privacy=False), plugin.url(privacy=True)
    except Exception:  # pragma: no cover - defensive
        return secrets
    return secrets | {t for t in url_tokens(raw) - url_tokens(masked) if len(t) >= 4}


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret (plain or URL-quoted) in ``text`` with the mask."""
    variants: set[str] = set()
    for secret in secrets:
        if secret:
            variants.update({secret, quote(secret, safe=""), quote(secret)})
    for secret in sorted(variants, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def remember_secrets(text: str) -> None:
    """Learn the secrets of the URLs in ``text`` before Apprise parses (and may log) it."""
    for scheme, rest in _URL_RE.findall(text):
        userinfo, _, hostpath = rest.rpartition("@") if "@" in rest.split("/", 1)[0] else ("", "", rest)
        if ":" in userinfo:
            _KNOWN_SECRETS.add(unquote(userinfo.split(":", 1)[1]))
        if scheme.lower() not in _HOST_IS_PUBLIC:
            parts = re.split(r"[/?&=#:]", hostpath)
            _KNOWN_SECRETS.update(unquote(p) for p in parts if len(p) >= 6 and not p.replace(".", "").isdigit())


def remember_routes(routes: Iterable[apprise.NotifyBase]) -> None:
    """Learn the secrets of loaded routes, for the log scrubber, and fix their names (route_name) while loading."""
    for plugin in routes:
        route_name(plugin)
        _KNOWN_SECRETS.update(plugin_secrets(plugin))


class _SecretFilter(logging.Filter):
    """Mask known route secrets in every record of the logger it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN_SECRETS:
            message = record.getMessage()
            scrubbed = scrub(message, _KNOWN_SECRETS)
            if scrubbed != message:
                record.msg, record.args = scrubbed, None
        return True


# urllib3 logs request lines (with tokens in paths, e.g. /bot<token>/sendMessage) at DEBUG
for _logger in (APPRISE_LOGGER, logging.getLogger("urllib3.connectionpool")):
    if not any(isinstance(f, _SecretFilter) for f in _logger.filters):
        _logger.addFilter(_SecretFilter())
