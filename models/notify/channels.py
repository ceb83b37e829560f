"""Apprise plumbing for cchc-flow: custom routes, masking and per-route delivery.

Importing this module registers two custom Apprise schemas:

* ``outbox://[unit]`` -- the default offline route. Each message becomes one
  JSON file under ``$CCHC_HOME/outbox/`` (directory 0700, files 0600).
* ``zalo://{bot_token}/{chat_id}`` -- the Zalo Bot API ``sendMessage`` call
  (``POST {base}/bot{token}/sendMessage`` with ``chat_id`` and ``text``).

Routes live in an Apprise YAML configuration file (``urls:`` entries with a
``tag:``); :func:`deliver` sends one message to every route carrying a tag and
reports the outcome of each route separately, with secrets masked.

Settings (cchc_flow/settings.py, read at send time): the home (the outbox's folder), the Zalo Bot API base URL and
the per-route network timeout.
"""

from __future__ import annotations

import contextvars
import copy
import json
import logging
import os
import re
import uuid
import weakref
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from pathlib import Path
from urllib.parse import quote, unquote

import apprise
import requests
import yaml
from apprise.attachment.file import AttachFile
from apprise.decorators import notify
from apprise.plugins.email import NotifyEmail

from cchc_flow.settings import get_settings

__all__ = [
    "RouteResult",
    "deliver",
    "load_routes",
    "mask_url",
    "route_tags",
    "validate_routes",
    "outbox_dir",
    "notify_timeout",
]

# Zalo Bot API limit for one sendMessage text.
ZALO_MAX_CHARS = 2000

# Upper bound on routes delivered at the same time by one deliver() call.
MAX_WORKERS = 16

MASK = "****"

# Schemas registered by this module.
_CUSTOM_SCHEMAS = frozenset({"outbox", "zalo"})

# Apprise's logger; messages for a failed route are captured from it.
_APPRISE_LOGGER = logging.getLogger("apprise")

_SCHEMA_RE = re.compile(r"^\s*(?P<schema>[a-z][a-z0-9+.-]*)://", re.IGNORECASE)
_USERINFO_RE = re.compile(r"^(?P<head>[a-z][a-z0-9+.-]*://[^/?#@:]*):(?P<pw>[^/?#@]*)@", re.I)
_SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_TOKEN_SPLIT_RE = re.compile(r"[/:@?&=#,;\s]+")
_SECRET_QUERY_KEYS = {"token", "password", "pass", "pwd", "secret", "key", "apikey", "api_key"}


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------


def outbox_dir() -> Path:
    """Return the folder the outbox:// route writes to."""
    return get_settings().outbox


def notify_timeout() -> float:
    """Return the per-route network timeout in seconds (CCHC_NOTIFY_TIMEOUT)."""
    return get_settings().notify_timeout


# --------------------------------------------------------------------------
# Per-route log capture
# --------------------------------------------------------------------------

# The message list of the route being delivered in the current context.
# Apprise copies the caller's context into its worker threads, so records
# logged there land in the right list even while routes run concurrently.
_CAPTURE: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("cchc_route_log_capture", default=None)


# The key of the message being delivered (same notifications, same key): the outbox writes a key once, and
# json/xml/form webhooks receive it as an Idempotency-Key header, so a repeat can be recognised at the other end.
_DELIVERY_KEY: contextvars.ContextVar[str | None] = contextvars.ContextVar("cchc_delivery_key", default=None)
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HEADER_SCHEMAS = {"json", "jsons", "xml", "xmls", "form", "forms"}


class _RouteLogHandler(logging.Handler):
    """Collect Apprise warnings/errors for the route active in this context."""

    def emit(self, record: logging.LogRecord) -> None:
        buffer = _CAPTURE.get()
        if buffer is None or not getattr(record, "apprise_capture", True):
            return
        try:
            buffer.append(record.getMessage())
        except Exception:  # pragma: no cover - malformed log call
            self.handleError(record)


def _install_capture_handler() -> None:
    """Attach the route capture handler and the secret filter to Apprise's logger once."""
    if not any(isinstance(h, _RouteLogHandler) for h in _APPRISE_LOGGER.handlers):
        _APPRISE_LOGGER.addHandler(_RouteLogHandler(level=logging.WARNING))
    # urllib3 logs request lines (with tokens in paths, e.g. /bot<token>/sendMessage) at DEBUG
    for logger in (_APPRISE_LOGGER, logging.getLogger("urllib3.connectionpool")):
        if not any(isinstance(f, _SecretFilter) for f in logger.filters):
            logger.addFilter(_SecretFilter())


# Secrets of every route file read so far: Apprise's own debug logging may print a configuration's text.
_KNOWN_SECRETS: set[str] = set()
_URL_RE = re.compile(r"([a-z][a-z0-9+.-]*)://([^\s'\"]+)", re.IGNORECASE)
_HOST_IS_PUBLIC = {"json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos", "outbox"}


class _SecretFilter(logging.Filter):
    """Mask known route secrets in every record of Apprise's logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN_SECRETS:
            message = record.getMessage()
            scrubbed = _scrub(message, _KNOWN_SECRETS)
            if scrubbed != message:
                record.msg, record.args = scrubbed, None
        return True


def _remember_secrets(text: str) -> None:
    """Learn the secrets of the URLs in ``text`` before Apprise parses (and may log) it."""
    for scheme, rest in _URL_RE.findall(text):
        userinfo, _, hostpath = rest.rpartition("@") if "@" in rest.split("/", 1)[0] else ("", "", rest)
        if ":" in userinfo:
            _KNOWN_SECRETS.add(unquote(userinfo.split(":", 1)[1]))
        if scheme.lower() not in _HOST_IS_PUBLIC:
            parts = re.split(r"[/?&=#:]", hostpath)
            _KNOWN_SECRETS.update(unquote(p) for p in parts if len(p) >= 6 and not p.replace(".", "").isdigit())


_install_capture_handler()


# --------------------------------------------------------------------------
# Masking
# --------------------------------------------------------------------------


def _schema_of(url: str) -> str | None:
    match = _SCHEMA_RE.match(url or "")
    return match.group("schema").lower() if match else None


def _mask_userinfo(url: str) -> str:
    """Replace the password in ``schema://user:password@`` with the mask."""
    return _USERINFO_RE.sub(lambda m: f"{m.group('head')}:{MASK}@", url, count=1)


def _mask_query(url: str) -> str:
    """Mask values of secret-looking query parameters."""
    if "?" not in url:
        return url
    head, _, query = url.partition("?")
    parts = []
    for item in query.split("&"):
        key, sep, value = item.partition("=")
        if sep and key.lower() in _SECRET_QUERY_KEYS and value:
            value = MASK
        parts.append(f"{key}{sep}{value}")
    return f"{head}?{'&'.join(parts)}"


def _mask_custom(url: str, schema: str) -> str:
    """Mask one of our own custom-schema URLs."""
    url = _mask_query(_mask_userinfo(url.strip()))
    if schema == "zalo":
        # zalo://{bot_token}/{chat_id}: the whole host part is the token.
        match = re.match(r"^(zalo://)([^/?#]*)(.*)$", url, re.I | re.S)
        if match and match.group(2):
            return f"{match.group(1)}{MASK}{match.group(3)}"
    return url


def mask_url(url: str) -> str:
    """Return ``url`` with passwords and tokens masked, for any route.

    Built-in Apprise plugins use their own ``url(privacy=True)``; Apprise's
    custom (decorator) plugins print only ``schema://`` there, so our own
    schemas are masked here (the zalo:// bot token is replaced by ``****``).
    Anything Apprise cannot load is reduced to ``schema://****``.
    """
    text = str(url).strip()
    schema = _schema_of(text)
    if schema is None:
        return "(not a URL)"
    if schema in _CUSTOM_SCHEMAS:
        return _mask_custom(text, schema)
    try:
        plugin = apprise.Apprise.instantiate(text, suppress_exceptions=True)
    except Exception:
        plugin = None
    if plugin is None:
        return f"{schema}://{MASK}"
    return _plugin_route(plugin)


def _custom_schema(plugin: apprise.NotifyBase) -> str | None:
    """Return our custom schema name if ``plugin`` is one of ours."""
    schema = getattr(plugin, "secure_protocol", None)
    if isinstance(schema, str) and schema.lower() in _CUSTOM_SCHEMAS and hasattr(plugin, "_default_args"):
        return schema.lower()
    return None


def _plugin_route(plugin: apprise.NotifyBase) -> str:
    """Return the masked URL that identifies a loaded plugin (fixed at first use: tuning must not change it)."""
    cached = getattr(plugin, "_cchc_route", None)
    if cached:
        return cached
    schema = _custom_schema(plugin)
    raw = plugin._default_args.get("url") if schema else None
    if schema and raw:
        label = _mask_custom(raw, schema)
    else:
        try:
            label = plugin.url(privacy=True)
        except Exception:  # pragma: no cover - defensive
            label = f"{schema or 'unknown'}://{MASK}"
    plugin._cchc_route = label
    return label


def _url_tokens(url: str) -> set[str]:
    return {t for t in _TOKEN_SPLIT_RE.split(unquote(url)) if t}


def _plugin_secrets(plugin: apprise.NotifyBase) -> set[str]:
    """Return strings of a plugin's URL that must never appear in output."""
    secrets: set[str] = set()
    password = getattr(plugin, "password", None)
    if isinstance(password, str) and password:
        secrets.add(password)
    schema = _custom_schema(plugin)
    if schema:
        meta = plugin._default_args
        raw = meta.get("url") or ""
        if schema == "zalo" and meta.get("host"):
            secrets.add(str(meta["host"]))
        masked = _mask_custom(raw, schema)
    else:
        try:
            raw = plugin.url(privacy=False)
            masked = plugin.url(privacy=True)
        except Exception:  # pragma: no cover - defensive
            return secrets
    # Whatever privacy mode removed from the URL is a secret.
    secrets |= {t for t in _url_tokens(raw) - _url_tokens(masked) if len(t) >= 4}
    return secrets


def _scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret (plain or URL-quoted) in ``text`` with the mask."""
    variants: set[str] = set()
    for secret in secrets:
        if secret:
            variants.update({secret, quote(secret, safe=""), quote(secret)})
    for secret in sorted(variants, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


# --------------------------------------------------------------------------
# Custom schema: outbox://
# --------------------------------------------------------------------------


def _attachment_names(attach) -> list[str]:
    names = []
    for item in attach or []:
        name = getattr(item, "name", None) or os.path.basename(str(getattr(item, "path", "") or ""))
        names.append(name or "attachment")
    return names


@notify(on="outbox", name="CCHC outbox")
def _send_outbox(body, title, notify_type, *args, meta=None, attach=None, **kwargs):
    """Write one message as a JSON file under $CCHC_HOME/outbox/."""
    meta = meta or {}
    unit = unquote(str(meta.get("host") or "")).strip()
    if unit and not _SAFE_NAME_RE.match(unit):
        _APPRISE_LOGGER.warning("outbox:// unit name %r is not a safe file name part.", unit)
        return False

    now = datetime.now(UTC)
    folder = outbox_dir()
    key = _DELIVERY_KEY.get()
    if key and not _KEY_RE.match(key):
        key = None
    if key and folder.is_dir() and any(folder.glob(f"*-{unit or 'all'}-{key}.json")):
        _APPRISE_LOGGER.info("Outbox message %s was written before; not written again.", key)
        return True
    stem = "-".join(
        p for p in (now.strftime("%Y%m%dT%H%M%S%fZ"), unit or ("all" if key else ""), key or uuid.uuid4().hex[:8]) if p
    )
    record = {
        "created_at": now.isoformat(),
        "unit": unit or None,
        "tags": sorted(str(t) for t in meta.get("tag") or ()),
        "notify_type": str(notify_type),
        "key": key,
        "title": title or "",
        "body": body or "",
        "attachments": _attachment_names(attach),
    }
    data = (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        final = folder / f"{stem}.json"
        temp = folder / f".{stem}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        # Readers never see a half-written message.
        os.replace(temp, final)
    except OSError as exc:
        _APPRISE_LOGGER.warning("Could not write outbox message in %s: %s", folder, exc.strerror or exc)
        return False
    _APPRISE_LOGGER.info("Wrote outbox message %s", final.name)
    return True


# --------------------------------------------------------------------------
# Custom schema: zalo://
# --------------------------------------------------------------------------


def _zalo_target(meta: dict) -> tuple[str, str]:
    """Return (bot_token, chat_id) parsed from a zalo:// URL's meta."""
    token = unquote(str(meta.get("host") or "")).strip()
    path = [p for p in str(meta.get("fullpath") or "").split("/") if p]
    chat_id = unquote(path[0]) if path else ""
    if not chat_id:
        chat_id = str((meta.get("qsd") or {}).get("to") or "")
    return token, chat_id.strip()


def _split_text(text: str, limit: int = ZALO_MAX_CHARS) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters.

    Prefers line breaks, then spaces, then a hard cut.
    """
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        chunk = rest[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        rest = rest[cut:].lstrip("\n ")
    if rest.strip() or not chunks:
        chunks.append(rest)
    return chunks


@notify(on="zalo", name="Zalo Bot")
def _send_zalo(body, title, notify_type, *args, meta=None, attach=None, **kwargs):
    """Send the message through the Zalo Bot API sendMessage method."""
    meta = meta or {}
    token, chat_id = _zalo_target(meta)
    if not token or not chat_id:
        _APPRISE_LOGGER.warning("zalo:// needs a bot token and a chat id: zalo://{bot_token}/{chat_id}")
        return False
    if attach:
        _APPRISE_LOGGER.info("zalo:// sends text only; %d attachment(s) not sent.", len(attach))

    base = get_settings().zalo_api_url
    endpoint = f"{base}/bot{token}/sendMessage"
    timeout = notify_timeout()
    text = f"{title}\n{body}" if title else (body or "")
    # Over-long text is split rather than truncated: no plan content is lost.
    chunks = _split_text(text)

    for index, chunk in enumerate(chunks, start=1):
        part = f" (part {index}/{len(chunks)})" if len(chunks) > 1 else ""
        try:
            response = requests.post(
                endpoint,
                json={"chat_id": chat_id, "text": chunk},
                headers={"User-Agent": "cchc-flow"},
                timeout=(timeout, timeout),
                verify=bool(meta.get("verify", True)),
            )
        except requests.RequestException as exc:
            detail = _scrub(f"{type(exc).__name__}: {exc}", [token])
            _APPRISE_LOGGER.warning("Zalo Bot API request failed for chat %s%s: %s", chat_id, part, detail)
            return False

        try:
            payload = response.json()
        except ValueError:
            payload = None
        ok = response.status_code == 200 and isinstance(payload, dict) and payload.get("ok") is True
        if not ok:
            description = ""
            if isinstance(payload, dict):
                description = str(payload.get("description") or payload.get("message") or "")
                code = payload.get("error_code")
                if code is not None:
                    description = f"error_code={code} {description}".strip()
            description = description or (response.reason or "")
            _APPRISE_LOGGER.warning(
                "Failed to send Zalo notification to chat %s%s: HTTP %s %s",
                chat_id,
                part,
                response.status_code,
                _scrub(description, [token]),
            )
            return False
    _APPRISE_LOGGER.info("Sent Zalo notification to chat %s (%d message(s)).", chat_id, len(chunks))
    return True


# --------------------------------------------------------------------------
# Route files
# --------------------------------------------------------------------------

# AppriseConfig objects built by load_routes(); already validated.
_VALIDATED: weakref.WeakSet = weakref.WeakSet()


def _services(config: apprise.AppriseConfig) -> list:
    """Plugins of a config (``services()`` in Apprise 2.x, ``servers()`` before)."""
    method = getattr(config, "services", None) or config.servers
    return list(method())


def _read_text(path: str | Path) -> str:
    return Path(path).expanduser().read_text(encoding="utf-8")


def _entry_url(item) -> str | None:
    """Return the URL string of one ``urls:`` entry, if any."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for key in item:
            if isinstance(key, str) and _schema_of(key):
                return key
    return None


_NOISE_PREFIXES = ("Failed to load Apprise configuration", "Could not load Apprise YAML configuration entry")


def _entry_problems(item, globals_: dict, where: str) -> list[str]:
    """Load one ``urls:`` entry through Apprise and report what is wrong."""
    url = _entry_url(item)
    if url is None:
        return [f"{where}: no URL found in this entry"]
    if _schema_of(url) is None:
        return [f"{where}: not a URL"]
    shown = mask_url(url)
    if _schema_of(url) in _CUSTOM_SCHEMAS and "?" in url:
        # Apprise 2.0.1 raises KeyError('password') while loading a YAML entry
        # of a @notify schema with a query string, failing the whole file.
        return [f"{where}: {shown}: query options are not supported on {_schema_of(url)}:// routes"]

    doc = dict(globals_)
    doc["urls"] = [item]
    messages: list[str] = []
    token = _CAPTURE.set(messages)
    try:
        config = apprise.AppriseConfig()
        config.add_config(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), format="yaml")
        plugins = _services(config)
    except Exception as exc:  # pragma: no cover - defensive
        plugins = []
        messages.append(f"{type(exc).__name__}: {exc}")
    finally:
        _CAPTURE.reset(token)

    secrets = _url_tokens(url) - _url_tokens(shown)
    if not plugins:
        # Drop summary lines that refer to the temporary one-entry document.
        # Apprise echoes the URL in some messages, eliding secrets to their first and last character: drop those
        useful = [m for m in messages if m and not m.startswith(_NOISE_PREFIXES) and "://" not in m]
        detail = "; ".join(dict.fromkeys(useful))
        detail = _scrub(detail, {s for s in secrets if len(s) >= 3})
        return [f"{where}: invalid or unsupported URL {shown}" + (f" ({detail})" if detail else "")]

    if _schema_of(url) not in _CUSTOM_SCHEMAS and apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
        # Apprise's YAML loader keeps some URLs it cannot parse (json://host:notaport/ becomes json:///)
        return [f"{where}: invalid or unsupported URL {shown}"]
    return [p for plugin in plugins for p in _plugin_problems(plugin, where, shown)]


def _plugin_problems(plugin: apprise.NotifyBase, where: str, shown: str) -> list[str]:
    """What is wrong with one loaded route: an incomplete zalo:// or outbox:// target, or no tag."""
    problems = []
    schema = _custom_schema(plugin)
    if schema == "zalo":
        bot_token, chat_id = _zalo_target(getattr(plugin, "_default_args", {}))
        if not bot_token or not chat_id:
            problems.append(f"{where}: {shown} needs zalo://{{bot_token}}/{{chat_id}}")
    elif schema == "outbox":
        unit = unquote(str(getattr(plugin, "_default_args", {}).get("host") or ""))
        if unit and not _SAFE_NAME_RE.match(unit):
            problems.append(f"{where}: {shown}: unit name may use only letters, digits, '.', '_' and '-'")
    if not plugin.tags:
        problems.append(f"{where}: {shown} has no tag, so no unit is routed to it")
    return problems


def _whole_file_problems(content: str, urls: list, wheres: list[str]) -> list[str] | None:
    """The problems of a route file found by loading it once, or None when that load cannot vouch for every
    entry (an entry Apprise dropped or complained about): then each entry is loaded alone to say which and why."""
    entries = [_entry_url(item) for item in urls]
    if any(u is None or _schema_of(u) is None or (_schema_of(u) in _CUSTOM_SCHEMAS and "?" in u) for u in entries):
        return None
    messages: list[str] = []
    token = _CAPTURE.set(messages)
    try:
        config = apprise.AppriseConfig()
        config.add_config(content, format="yaml")
        plugins = _services(config)
    except Exception:  # pragma: no cover - defensive: the entry by entry check says what it is
        return None
    finally:
        _CAPTURE.reset(token)
    if messages or len(plugins) != len(entries):
        return None
    problems = []
    for url, plugin, where in zip(entries, plugins, wheres, strict=True):
        schema = _schema_of(url)
        if schema not in _CUSTOM_SCHEMAS and apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
            return None
        if _custom_schema(plugin) != (schema if schema in _CUSTOM_SCHEMAS else None):
            return None  # not the entry's own plugin: let the entry by entry check decide
        if not plugin.tags or _custom_schema(plugin):  # the only routes with something to check (masking costs)
            problems += _plugin_problems(plugin, where, mask_url(url))
    return problems


def _content_problems(content: str) -> list[str]:
    """Return the problems of an Apprise YAML route file's content."""
    try:
        root_node = yaml.compose(content)
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        return [f"{where}: YAML syntax error ({getattr(exc, 'problem', None) or 'unreadable'})"]

    if not isinstance(data, dict) or not isinstance(root_node, yaml.MappingNode):
        return ["file: expected an Apprise YAML mapping with a 'urls:' list"]
    problems = []
    if "include" in data:
        problems.append("file: 'include:' is not supported in route files")
    urls = data.get("urls")
    if not isinstance(urls, list) or not urls:
        return problems + ["file: no routes: expected a non-empty 'urls:' list"]

    # Source line of each entry, for messages.
    lines: list[int] = []
    for key_node, value_node in root_node.value:
        if getattr(key_node, "value", None) == "urls" and isinstance(value_node, yaml.SequenceNode):
            lines = [node.start_mark.line + 1 for node in value_node.value]
    globals_ = {k: v for k, v in data.items() if k not in ("urls", "include")}
    wheres = [f"line {lines[i]} (entry #{i + 1})" if i < len(lines) else f"entry #{i + 1}" for i in range(len(urls))]
    found = _whole_file_problems(content, urls, wheres)
    if found is not None:
        return problems + found
    for item, where in zip(urls, wheres, strict=True):
        problems.extend(_entry_problems(item, globals_, where))
    return problems


def read_routes(path: str | Path) -> tuple[apprise.AppriseConfig | None, list[str]]:
    """Read and check a route file once: (its routes, or None when it has problems; the problems, URLs masked)."""
    try:
        content = _read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return None, [f"{path}: cannot read route file ({reason})"]
    _remember_secrets(content)
    # The problems are returned, worded and masked; Apprise's own lines about them stay off the console.
    propagate, _APPRISE_LOGGER.propagate = _APPRISE_LOGGER.propagate, False
    try:
        problems = _content_problems(content)
    finally:
        _APPRISE_LOGGER.propagate = propagate
    if problems:
        return None, problems
    config = apprise.AppriseConfig(asset=_asset())
    config.add_config(content, format="yaml")
    for plugin in _services(config):
        _KNOWN_SECRETS.update(_plugin_secrets(plugin))
    _VALIDATED.add(config)
    return config, []


def validate_routes(path: str | Path) -> list[str]:
    """Return human-readable problems of a route file (empty when valid).

    URLs in the messages are masked.
    """
    return read_routes(path)[1]


def load_routes(path: str | Path) -> apprise.AppriseConfig:
    """Load an Apprise YAML route file; raise ValueError if it has problems."""
    config, problems = read_routes(path)
    if config is None:
        raise ValueError(f"invalid route file {path}: " + "; ".join(problems))
    return config


def _asset() -> apprise.AppriseAsset:
    """Plugins that send in the calling thread: deliver() runs the routes concurrently and bounds them itself.

    Apprise's own deadline (service_timeout, 60 s by default) runs every send in one process-wide pool of
    min(32, cores + 4) threads: routes of other units wait there, unsent, while their claims say "sending".
    """
    try:
        return apprise.AppriseAsset(service_timeout=0)
    except TypeError:  # Apprise < 2.0: no service timeout, sends run in the calling thread anyway
        return apprise.AppriseAsset()


def route_tags(path: str | Path) -> set[str]:
    """Return every tag used in a route file (lowercase, as Apprise stores them)."""
    return {str(tag) for plugin in _services(load_routes(path)) for tag in plugin.tags}


def _check_config(config: apprise.AppriseConfig) -> None:
    """Validate an AppriseConfig not built by load_routes(); raise ValueError."""
    if config in _VALIDATED:
        return
    problems = []
    for source in getattr(config, "configs", []):
        try:
            content = source.read()
        except Exception:  # pragma: no cover - defensive
            content = None
        if isinstance(content, str):
            problems.extend(_content_problems(content))
    if problems:
        raise ValueError("invalid routes: " + "; ".join(problems))
    _VALIDATED.add(config)


# --------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteResult:
    """Outcome of delivering one message to one route (URL and error masked)."""

    route: str
    ok: bool
    error: str | None = None


def _tune(plugin: apprise.NotifyBase, timeout: float) -> None:
    """Disable the per-plugin throttle and apply our network timeout."""
    _plugin_route(plugin)  # fix the route's name before its timeouts change its URL
    plugin.request_rate_per_sec = 0
    plugin.socket_connect_timeout = timeout
    plugin.socket_read_timeout = timeout


def _result_messages(result) -> list[str]:
    """Warnings/errors recorded in an Apprise 2.x result (if available)."""
    messages = []
    logs = getattr(result, "logs", None)
    if callable(logs):
        try:
            for entry in logs():
                if getattr(entry, "level", "") in ("WARNING", "ERROR", "CRITICAL"):
                    messages.append(str(entry.message))
        except Exception:  # pragma: no cover - defensive
            pass
    return messages


def _is_email(plugin: apprise.NotifyBase) -> bool:
    """Email routes (mailto://, mailtos://) get the HTML alternative; the others get plain text."""
    return isinstance(plugin, NotifyEmail)


def _encoded_subject(title: str) -> str:
    """The subject as RFC 2047 encoded words of at most 75 characters each.

    Apprise writes the message with ``as_string()``, which never folds headers: given the plain subject, a
    Vietnamese one becomes a single encoded word of any length (RFC 2047 allows 75). Words encoded here are
    plain ASCII to Apprise, so it writes them as they are; mail readers join them back into the subject.
    """
    if title.isascii():
        return title
    return " ".join(Header(title, "utf-8").encode(maxlinelen=76).split())


def _attachments(attach: list[tuple[str, str]]) -> apprise.AppriseAttachment | None:
    """The files to send, each under the name its reader should see (not the name it is stored under)."""
    if not attach:
        return None
    files = apprise.AppriseAttachment()
    for path, name in attach:
        files.add(AttachFile(path, name=name))
    return files


def _deliver_one(
    plugin,
    title: str,
    body: str,
    attach: list[tuple[str, str]],
    timeout: float,
    key: str | None = None,
    html: str | None = None,
) -> RouteResult:
    route = _plugin_route(plugin)
    messages: list[str] = []
    token = _CAPTURE.set(messages)
    key_token = _DELIVERY_KEY.set(key)
    if key and isinstance(getattr(plugin, "headers", None), dict) and _schema_of(route) in _HEADER_SCHEMAS:
        plugin = copy.copy(plugin)  # the route's plugin is shared by concurrent sends: header on a copy
        plugin.headers = {**plugin.headers, "Idempotency-Key": key}
    result = None
    try:
        sender = apprise.Apprise(asset=plugin.asset)
        sender.add(plugin)
        attachments = _attachments(attach)
        # Sent in this thread, bounded by the plugin's socket timeouts (set by _tune). Not with notify(timeout=):
        # Apprise then queues the send in its shared pool of min(32, cores + 4) threads, so a route could wait
        # there unsent, after its claim was committed -- and a crash would leave it "in doubt" without reason.
        # The format is always said: email gets the HTML (Apprise derives its text part from it, line by line);
        # the other routes get the plain text, which Apprise escapes for those that speak HTML (Telegram).
        if _is_email(plugin):
            result = sender.notify(
                body=html or body,
                title=_encoded_subject(title),
                attach=attachments,
                body_format=apprise.NotifyFormat.HTML if html else apprise.NotifyFormat.TEXT,
            )
        else:
            result = sender.notify(body=body, title=title, attach=attachments, body_format=apprise.NotifyFormat.TEXT)
        ok = bool(result)
    except Exception as exc:  # never raise for a delivery failure
        ok = False
        messages.append(f"{type(exc).__name__}: {exc}")
    finally:
        _CAPTURE.reset(token)
        _DELIVERY_KEY.reset(key_token)
    if ok:
        return RouteResult(route=route, ok=True, error=None)
    found = list(messages) or _result_messages(result)
    error = "; ".join(dict.fromkeys(m.strip() for m in found if m and m.strip())) or "delivery failed"
    return RouteResult(route=route, ok=False, error=_scrub(error, _plugin_secrets(plugin)))


def routes_for(routes: apprise.AppriseConfig, tag: str) -> list[str]:
    """The masked URLs of the routes carrying ``tag`` (how deliveries are recorded)."""
    wanted = str(tag).strip().lower()
    return [_plugin_route(p) for p in _services(routes) if wanted and wanted in p.tags]


def deliver(
    routes: apprise.AppriseConfig | str | Path,
    tag: str,
    title: str,
    body: str,
    attach: list[Path | tuple[Path, str]] | None = None,
    only: Collection[str] | None = None,
    key: str | None = None,
    html: str | None = None,
) -> list[RouteResult]:
    """Send one message to every route carrying ``tag`` (or only those whose masked URL is in ``only``).

    Routes run concurrently with the Apprise throttle disabled and the
    $CCHC_NOTIFY_TIMEOUT timeout. Returns [] when no route carries ``tag``.
    Never raises for a delivery failure; raises ValueError for an invalid
    route file and FileNotFoundError for a missing attachment. ``key``
    names the message (same notifications, same key): the outbox writes
    it once; json/xml/form webhooks get it as an Idempotency-Key header.
    ``html`` is the message's HTML alternative, sent to email routes;
    an attachment may be ``(path, name)``: sent under ``name``.
    """
    if isinstance(routes, apprise.AppriseConfig):
        config = routes
        _check_config(config)
    else:
        config = load_routes(routes)

    wanted = str(tag).strip().lower()
    plugins = [p for p in _services(config) if wanted and wanted in p.tags]
    if only is not None:
        plugins = [p for p in plugins if _plugin_route(p) in only]
    if not plugins:
        return []

    files = []
    for item in attach or []:
        file, name = (Path(item[0]), item[1]) if isinstance(item, tuple) else (Path(item), Path(item).name)
        if not file.is_file():
            raise FileNotFoundError(f"attachment not found: {file}")
        files.append((str(file), name))

    timeout = notify_timeout()
    for plugin in plugins:
        _tune(plugin, timeout)

    workers = min(len(plugins), MAX_WORKERS)
    deadline = 2 * timeout + 1  # the sockets time out after `timeout`; this bounds a plugin that ignores them
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cchc-route")
    try:
        futures = [pool.submit(_deliver_one, p, title, body, files, timeout, key, html) for p in plugins]
        finished, _ = wait(futures, timeout=deadline)
        return [
            f.result()
            if f in finished
            else RouteResult(route=_plugin_route(p), ok=False, error=f"no answer within {deadline:g} s")
            for p, f in zip(plugins, futures)
        ]
    finally:
        pool.shutdown(wait=False)
