"""The HTTP session our webhook routes send through: one per process, its connections kept alive between messages.

``requests.request()`` (what Apprise's own HTTP plugins call) builds a new session for every message: it reads the
whole environment twice looking for proxies, looks for a ``.netrc`` file and opens a new connection each time. Here
the environment is read the way requests reads it (``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY``,
``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, ``.netrc``) once per target (scheme, host and port) and process: proxies a
user configured still apply, and a change to them applies from the next process on. Cookies are never kept: what one
route answers cannot change what another route's request carries.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_netrc_auth

from cchc_flow.settings import get_settings

POOL_HOSTS = 32  # hosts whose idle connections are kept


@dataclass(frozen=True)
class _Target:
    """What the environment says about one target: the proxies to use, the certificates to check, .netrc's login."""

    proxies: dict[str, str]
    verify: bool | str
    netrc: tuple[str, str] | None


_LOCK = threading.Lock()
_SESSION: requests.Session | None = None
_TARGETS: dict[tuple[str, str, bool | str], _Target] = {}


def _session() -> requests.Session:
    """The process's session (made on first use): no environment look-ups of its own, no cookies kept, as many idle
    connections per host as units are sent to at once (CCHC_NOTIFY_WORKERS)."""
    global _SESSION
    if _SESSION is None:
        with _LOCK:
            if _SESSION is None:
                session = requests.Session()
                session.trust_env = False  # the environment is read once per target instead (_target)
                session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
                adapter = HTTPAdapter(pool_connections=POOL_HOSTS, pool_maxsize=max(get_settings().notify_workers, 16))
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                _SESSION = session
    return _SESSION


def _target(url: str, verify: bool | str) -> _Target:
    """The environment's settings for the target of ``url``, read as requests reads them, once per target."""
    parts = urlsplit(url)
    key = (parts.scheme.lower(), parts.netloc.lower(), verify)
    found = _TARGETS.get(key)
    if found is None:
        base = f"{parts.scheme}://{parts.netloc}/"
        with requests.Session() as reader:  # trusts the environment, as requests.request() does
            merged = reader.merge_environment_settings(base, {}, None, verify, None)
        found = _TARGETS[key] = _Target(dict(merged["proxies"] or {}), merged["verify"], get_netrc_auth(base))
    return found


def request(method: str, url: str, *, auth: Any = None, verify: bool | str = True, **kwargs: Any) -> requests.Response:
    """``requests.request(method, url, ...)`` over the process's kept-alive connections, with the environment's
    proxies, certificate bundle and ``.netrc`` login for the target, as requests would use them."""
    target = _target(url, verify)
    return _session().request(
        method, url, auth=auth or target.netrc, verify=target.verify, proxies=target.proxies, **kwargs
    )
