"""Route files: an Apprise YAML configuration (``urls:`` entries, each with a ``tag:``), read and checked once.

Problems name the line and entry, URLs masked; a file with a problem is refused whole.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import apprise
import yaml
from apprise.utils.parse import parse_list

from cchc_flow.models.notify.capture import APPRISE_LOGGER, captured
from cchc_flow.models.notify.masking import (
    mask_url,
    remember_routes,
    remember_secrets,
    route_name,
    schema_of,
    scrub,
    url_tokens,
)
from cchc_flow.models.notify.plugins import SCHEMAS as OUR_SCHEMAS

# AppriseConfig objects built by read_routes(); already validated.
_VALIDATED: weakref.WeakSet = weakref.WeakSet()
# For the configurations read_routes() built (never changed afterwards): tag -> the routes carrying it, in order.
_BY_TAG: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

_NOISE_PREFIXES = ("Failed to load Apprise configuration", "Could not load Apprise YAML configuration entry")


def services(config: apprise.AppriseConfig) -> list[apprise.NotifyBase]:
    """The routes (plugins) of a configuration (``services()`` in Apprise 2.x, ``servers()`` before)."""
    method = getattr(config, "services", None) or getattr(config, "servers", None)
    return list(method()) if method else []


def _schemas(plugin: apprise.NotifyBase) -> set[str]:
    return {str(s).lower() for s in parse_list(plugin.secure_protocol, plugin.protocol)}


def _entry_url(item: Any) -> str | None:
    """Return the URL string of one ``urls:`` entry, if any."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for key in item:
            if isinstance(key, str) and schema_of(key):
                return key
    return None


def _options_refused(url: str) -> bool:
    """Our own routes take their whole target in the path: an option after '?' is refused, not silently kept."""
    return schema_of(url) in OUR_SCHEMAS and "?" in url


def _entry_problems(item: Any, globals_: dict, where: str) -> list[str]:
    """Load one ``urls:`` entry through Apprise and report what is wrong."""
    url = _entry_url(item)
    if url is None:
        return [f"{where}: no URL found in this entry"]
    if schema_of(url) is None:
        return [f"{where}: not a URL"]
    shown = mask_url(url)
    if _options_refused(url):
        return [f"{where}: {shown}: query options are not supported on {schema_of(url)}:// routes"]

    doc = dict(globals_)
    doc["urls"] = [item]
    with captured() as messages:
        try:
            config = apprise.AppriseConfig()
            config.add_config(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), format="yaml")
            plugins = services(config)
        except Exception as exc:  # pragma: no cover - defensive
            plugins = []
            messages.append(f"{type(exc).__name__}: {exc}")

    secrets = url_tokens(url) - url_tokens(shown)
    if not plugins:
        # Drop summary lines that refer to the temporary one-entry document.
        # Apprise echoes the URL in some messages, eliding secrets to their first and last character: drop those
        useful = [m for m in messages if m and not m.startswith(_NOISE_PREFIXES) and "://" not in m]
        detail = "; ".join(dict.fromkeys(useful))
        detail = scrub(detail, {s for s in secrets if len(s) >= 3})
        return [f"{where}: invalid or unsupported URL {shown}" + (f" ({detail})" if detail else "")]

    if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
        # Apprise's YAML loader keeps some URLs it cannot parse (json://host:notaport/ becomes json:///)
        return [f"{where}: invalid or unsupported URL {shown}"]
    return [p for plugin in plugins for p in _plugin_problems(plugin, where, shown)]


def _plugin_problems(plugin: apprise.NotifyBase, where: str, shown: str) -> list[str]:
    """What is wrong with one loaded route that Apprise accepted: no tag."""
    return [] if plugin.tags else [f"{where}: {shown} has no tag, so no unit is routed to it"]


def _whole_file_load(content: str, urls: list, wheres: list[str]) -> tuple[apprise.AppriseConfig, list[str]] | None:
    """The routes of a file loaded once and their problems, or None when that load cannot vouch for every entry (an
    entry Apprise dropped or complained about): then each entry is loaded alone to say which and why."""
    found = [_entry_url(item) for item in urls]
    entries = [u for u in found if u is not None]
    if len(entries) < len(found) or any(schema_of(u) is None or _options_refused(u) for u in entries):
        return None
    with captured() as messages:
        try:
            config = apprise.AppriseConfig(asset=_asset())
            config.add_config(content, format="yaml")
            plugins = services(config)
        except Exception:  # pragma: no cover - defensive: the entry by entry check says what it is
            return None
    if messages or len(plugins) != len(entries):
        return None
    problems = []
    for url, plugin, where in zip(entries, plugins, wheres, strict=True):
        if schema_of(url) not in _schemas(plugin):
            return None  # not the entry's own plugin: let the entry by entry check decide
        if apprise.Apprise.instantiate(str(url), suppress_exceptions=True) is None:
            return None
        if not plugin.tags:  # the only thing left to check (masking costs)
            problems += _plugin_problems(plugin, where, mask_url(url))
    return config, problems


def _parse(content: str) -> tuple[Any, Any]:
    """The YAML document's node tree and data: with libyaml when PyYAML has it; a document it refuses is parsed
    again by PyYAML's own loader, whose error the problem quotes (the same words with or without libyaml)."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(content, Loader=fast), yaml.load(content, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(content), yaml.safe_load(content)


def _content_problems(content: str) -> list[str]:
    """Return the problems of an Apprise YAML route file's content."""
    return _content_check(content)[0]


def _content_check(content: str) -> tuple[list[str], apprise.AppriseConfig | None]:
    """The problems of an Apprise YAML route file's content, and its routes when one load of the whole file vouched
    for every entry (None otherwise: the caller loads them)."""
    try:
        root_node, data = _parse(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        return [f"{where}: YAML syntax error ({getattr(exc, 'problem', None) or 'unreadable'})"], None

    if not isinstance(data, dict) or not isinstance(root_node, yaml.MappingNode):
        return ["file: expected an Apprise YAML mapping with a 'urls:' list"], None
    problems = []
    if "include" in data:
        problems.append("file: 'include:' is not supported in route files")
    urls = data.get("urls")
    if not isinstance(urls, list) or not urls:
        return problems + ["file: no routes: expected a non-empty 'urls:' list"], None

    # Source line of each entry, for messages.
    lines: list[int] = []
    for key_node, value_node in root_node.value:
        if getattr(key_node, "value", None) == "urls" and isinstance(value_node, yaml.SequenceNode):
            lines = [node.start_mark.line + 1 for node in value_node.value]
    globals_ = {k: v for k, v in data.items() if k not in ("urls", "include")}
    wheres = [f"line {lines[i]} (entry #{i + 1})" if i < len(lines) else f"entry #{i + 1}" for i in range(len(urls))]
    loaded = _whole_file_load(content, urls, wheres)
    if loaded is not None:
        return problems + loaded[1], loaded[0]
    for item, where in zip(urls, wheres, strict=True):
        problems.extend(_entry_problems(item, globals_, where))
    return problems, None


def _asset() -> apprise.AppriseAsset:
    """Plugins that send in the calling thread: deliver() runs the routes concurrently and bounds them itself.

    Apprise's own deadline (service_timeout, 60 s by default) runs every send in one process-wide pool of
    min(32, cores + 4) threads: routes of other units wait there, unsent, while their claims say "sending".
    """
    try:
        return apprise.AppriseAsset(service_timeout=0)
    except TypeError:  # Apprise < 2.0: no service timeout, sends run in the calling thread anyway
        return apprise.AppriseAsset()


def read_routes(path: str | Path) -> tuple[apprise.AppriseConfig | None, list[str]]:
    """Read and check a route file once: (its routes, or None when it has problems; the problems, URLs masked)."""
    try:
        content = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return None, [f"{path}: cannot read route file ({reason})"]
    remember_secrets(content)
    # The problems are returned, worded and masked; Apprise's own lines about them stay off the console.
    propagate, APPRISE_LOGGER.propagate = APPRISE_LOGGER.propagate, False
    try:
        problems, config = _content_check(content)
    finally:
        APPRISE_LOGGER.propagate = propagate
    if problems:
        return None, problems
    if config is None:  # checked entry by entry: loaded here as a whole
        config = apprise.AppriseConfig(asset=_asset())
        config.add_config(content, format="yaml")
    loaded = services(config)
    remember_routes(loaded)
    _VALIDATED.add(config)
    index: dict[str, list[apprise.NotifyBase]] = {}
    for plugin in loaded:
        for name in dict.fromkeys(str(t).lower() for t in plugin.tags):
            index.setdefault(name, []).append(plugin)
    _BY_TAG[config] = index
    return config, []


def validate_routes(path: str | Path) -> list[str]:
    """Return human-readable problems of a route file (empty when valid), URLs masked."""
    return read_routes(path)[1]


def load_routes(path: str | Path) -> apprise.AppriseConfig:
    """Load an Apprise YAML route file; raise ValueError if it has problems."""
    config, problems = read_routes(path)
    if config is None:
        raise ValueError(f"invalid route file {path}: " + "; ".join(problems))
    return config


def check_routes(config: apprise.AppriseConfig) -> None:
    """Validate an AppriseConfig not built by read_routes(); raise ValueError."""
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


def route_tags(path: str | Path) -> set[str]:
    """Return every tag used in a route file (lowercase, as Apprise stores them)."""
    return {str(tag) for plugin in services(load_routes(path)) for tag in plugin.tags}


def routes_with(config: apprise.AppriseConfig, tag: str) -> list[apprise.NotifyBase]:
    """The routes carrying ``tag`` (none for an empty tag)."""
    wanted = str(tag).strip().lower()
    if not wanted:
        return []
    index = _BY_TAG.get(config)  # a route file read by read_routes(): its routes by tag
    candidates = services(config) if index is None else index.get(wanted, [])
    return [p for p in candidates if wanted in p.tags]


def routes_for(routes: apprise.AppriseConfig, tag: str) -> list[str]:
    """The masked URLs of the routes carrying ``tag`` (how deliveries are recorded)."""
    return [route_name(p) for p in routes_with(routes, tag)]
