"""Sending one message to the routes of a tag: concurrently, each bounded in time, each outcome reported apart.

Never raises for a delivery failure; errors are scrubbed of the route's secrets.
"""

from __future__ import annotations

import copy
import queue
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterator
from concurrent.futures import Future, wait
from contextlib import contextmanager
from dataclasses import dataclass
from email.header import Header
from pathlib import Path
from typing import Any

import apprise
from apprise.attachment.file import AttachFile
from apprise.plugins.custom_form import NotifyForm
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.custom_xml import NotifyXML
from apprise.plugins.email import NotifyEmail

from cchc_flow.models.notify.capture import captured
from cchc_flow.models.notify.masking import plugin_secrets, route_name, scrub
from cchc_flow.models.notify.plugins.outbox import NotifyOutbox
from cchc_flow.models.notify.routes import check_routes, load_routes, routes_with
from cchc_flow.models.notify.threads import run_in_thread
from cchc_flow.settings import get_settings

# Upper bound on routes delivered at the same time by one deliver() call (the others wait for one of them).
MAX_WORKERS = 16


@dataclass(frozen=True)
class RouteResult:
    """Outcome of delivering one message to one route (URL and error masked)."""

    route: str
    ok: bool
    error: str | None = None


def _tune(plugin: apprise.NotifyBase, timeout: float) -> None:
    """Disable the per-plugin throttle and apply our network timeout."""
    route_name(plugin)  # fix the route's name before its timeouts change its URL
    plugin.request_rate_per_sec = 0
    plugin.socket_connect_timeout = timeout
    plugin.socket_read_timeout = timeout


def _keyed(plugin: apprise.NotifyBase, key: str | None) -> apprise.NotifyBase:
    """The route as it sends a message with ``key`` (same notifications, same key): the outbox writes the key
    once, webhooks get it as an Idempotency-Key header. A copy: the route's plugin is shared by concurrent sends."""
    if key and isinstance(plugin, NotifyOutbox):
        outbox = copy.copy(plugin)
        outbox.key = key
        return outbox
    if key and isinstance(plugin, (NotifyJSON, NotifyXML, NotifyForm)):
        hook = copy.copy(plugin)
        hook.headers = {**plugin.headers, "Idempotency-Key": key}
        return hook
    return plugin


def _result_messages(result: Any) -> list[str]:
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


# Idle Apprise objects by asset (the assets of the last few route files read): an Apprise object reads the locale's
# files when it is built (about 8 file-system calls), so each is built once and then reused, one send at a time.
_IDLE: OrderedDict[int, tuple[apprise.AppriseAsset, list[apprise.Apprise]]] = OrderedDict()
_IDLE_LOCK = threading.Lock()
_IDLE_ASSETS = 4


@contextmanager
def _sender(plugin: apprise.NotifyBase) -> Iterator[apprise.Apprise]:
    """An Apprise object with ``plugin`` as its only route, for one send in this thread."""
    asset = plugin.asset
    with _IDLE_LOCK:
        entry = _IDLE.get(id(asset))
        sender = entry[1].pop() if entry is not None and entry[0] is asset and entry[1] else None
    if sender is None:
        sender = apprise.Apprise(asset=asset)
    sender.add(plugin)
    try:
        yield sender
    finally:
        sender.clear()
        with _IDLE_LOCK:
            entry = _IDLE.get(id(asset))
            if entry is None or entry[0] is not asset:
                entry = _IDLE[id(asset)] = (asset, [])
                while len(_IDLE) > _IDLE_ASSETS:
                    _IDLE.popitem(last=False)
            _IDLE.move_to_end(id(asset))
            entry[1].append(sender)


def _deliver_one(
    plugin: apprise.NotifyBase,
    title: str,
    body: str,
    attach: list[tuple[str, str]],
    key: str | None = None,
    html: str | None = None,
) -> RouteResult:
    route = route_name(plugin)
    plugin = _keyed(plugin, key)
    result = None
    with captured() as messages:
        try:
            attachments = _attachments(attach)
            # Sent in this thread, bounded by the plugin's socket timeouts (set by _tune). Not with notify(timeout=):
            # Apprise then queues the send in its shared pool of min(32, cores + 4) threads, so a route could wait
            # there unsent, after its claim was committed -- and a crash would leave it "in doubt" without reason.
            # The format is always said: email gets the HTML (Apprise derives its text part from it, line by line);
            # the other routes get the plain text, which Apprise escapes for those that speak HTML (Telegram).
            with _sender(plugin) as sender:
                if isinstance(plugin, NotifyEmail):
                    result = sender.notify(
                        body=html or body,
                        title=_encoded_subject(title),
                        attach=attachments,
                        body_format=apprise.NotifyFormat.HTML if html else apprise.NotifyFormat.TEXT,
                    )
                else:
                    result = sender.notify(
                        body=body, title=title, attach=attachments, body_format=apprise.NotifyFormat.TEXT
                    )
            ok = bool(result)
        except Exception as exc:  # never raise for a delivery failure
            ok = False
            messages.append(f"{type(exc).__name__}: {exc}")
    if ok:
        return RouteResult(route=route, ok=True, error=None)
    found = list(messages) or _result_messages(result)
    error = "; ".join(dict.fromkeys(m.strip() for m in found if m and m.strip())) or "delivery failed"
    return RouteResult(route=route, ok=False, error=scrub(error, plugin_secrets(plugin)))


def _files(attach: list[Path | tuple[Path, str]] | None) -> list[tuple[str, str]]:
    """(path, name) of each attachment; FileNotFoundError for a missing one."""
    files = []
    for item in attach or []:
        file, name = (Path(item[0]), item[1]) if isinstance(item, tuple) else (Path(item), Path(item).name)
        if not file.is_file():
            raise FileNotFoundError(f"attachment not found: {file}")
        files.append((str(file), name))
    return files


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
        check_routes(config)
    else:
        config = load_routes(routes)

    plugins = routes_with(config, tag)
    if only is not None:
        plugins = [p for p in plugins if route_name(p) in only]
    if not plugins:
        return []
    files = _files(attach)

    timeout = get_settings().notify_timeout
    for plugin in plugins:
        _tune(plugin, timeout)

    deadline = 2 * timeout + 1  # the sockets time out after `timeout`; this bounds a plugin that ignores them
    futures: list[Future[RouteResult]] = [Future() for _ in plugins]
    todo: queue.SimpleQueue[tuple[apprise.NotifyBase, Future[RouteResult]]] = queue.SimpleQueue()
    for item in zip(plugins, futures, strict=True):
        todo.put(item)

    def send_next() -> None:  # in a route thread: the routes not yet taken, one after the other
        while True:
            try:
                plugin, future = todo.get_nowait()
            except queue.Empty:
                return
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(_deliver_one(plugin, title, body, files, key, html))
                except BaseException as exc:  # given to the caller, as a thread pool would
                    future.set_exception(exc)

    workers = min(len(plugins), MAX_WORKERS)
    for _ in range(workers):
        run_in_thread(send_next, "cchc-route")
    finished, _ = wait(futures, timeout=deadline)
    return [
        f.result()
        if f in finished
        else RouteResult(route=route_name(p), ok=False, error=f"no answer within {deadline:g} s")
        for p, f in zip(plugins, futures, strict=True)
    ]
