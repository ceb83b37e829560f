"""Real local endpoints for tests: an HTTP recorder and an SMTP recorder.

Both listen on 127.0.0.1 on a free port and record what they receive.
Import the fixtures in a test module with
``from endpoints import http_endpoint, smtp_endpoint``.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

__all__ = [
    "HttpRecorder",
    "RecordedRequest",
    "RecordedMail",
    "SmtpRecorder",
    "free_port",
    "refused_url",
    "http_endpoint",
    "smtp_endpoint",
]

BEHAVIOURS = ("ok", "fail500", "hang", "not_ok")
_ZALO_PATH_RE = re.compile(r"^/bot[^/]+/sendMessage$")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refused_url(scheme: str = "http") -> str:
    """Return ``scheme://127.0.0.1:PORT`` for a port with nothing listening."""
    return f"{scheme}://127.0.0.1:{free_port()}"


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One POST received by HttpRecorder."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: object | None
    received_at: float = field(default_factory=time.monotonic)
    peer: tuple[str, int] = ("", 0)  # the client's address and port: one connection, one port

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    server_version = "HttpRecorder/1.0"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # an answer on a kept-alive connection does not wait for the client's ACK

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        recorder: HttpRecorder = self.server.recorder
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            decoded = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            decoded = None
        request = RecordedRequest(
            method="POST",
            path=self.path,
            headers={k: v for k, v in self.headers.items()},
            body=body,
            json=decoded,
            peer=(self.client_address[0], self.client_address[1]),
        )
        recorder._record(request)
        recorder._wait_open()

        if recorder.delay:
            recorder._closed.wait(recorder.delay)
        behaviour = recorder.behaviour
        if behaviour == "hang":
            # Hold the connection without answering (ended early on close).
            recorder._closed.wait(recorder.hang_seconds)
            self.close_connection = True
            return
        if behaviour == "fail500":
            self._answer(500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
        elif behaviour == "not_ok":
            self._answer(200, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        elif _ZALO_PATH_RE.match(self.path.split("?", 1)[0]):
            chat = decoded.get("chat_id") if isinstance(decoded, dict) else None
            self._answer(
                200,
                {
                    "ok": True,
                    "result": {
                        "message_id": f"m{len(recorder.requests)}",
                        "date": int(time.time() * 1000),
                        "chat": {"id": chat},
                    },
                },
            )
        else:
            self._answer(200, {"ok": True})

    def _answer(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # client went away (e.g. timed out)
            self.close_connection = True


class HttpRecorder:
    """Threaded HTTP server on 127.0.0.1 that records every POST.

    ``behaviour``: ``ok`` (200; Zalo-style paths get ``{"ok": true,
    "result": {...}}``), ``fail500``, ``hang`` (no answer for
    ``hang_seconds``) or ``not_ok`` (200 with ``{"ok": false}``).
    ``delay`` adds a fixed pause (seconds) before each answer. ``hold()`` keeps every request waiting for its answer
    (recorded on arrival) until ``release()``: a test knows the request is in flight, for as long as it needs.
    """

    def __init__(self, behaviour: str = "ok", delay: float = 0.0, hang_seconds: float = 30.0):
        self.behaviour = behaviour
        self.delay = delay
        self.hang_seconds = hang_seconds
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._open = threading.Event()
        self._open.set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def behaviour(self) -> str:
        return self._behaviour

    @behaviour.setter
    def behaviour(self, value: str) -> None:
        if value not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {value!r}; use one of {BEHAVIOURS}")
        self._behaviour = value

    def start(self) -> HttpRecorder:
        self._closed.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.recorder = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="http-recorder", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closed.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> HttpRecorder:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "recorder not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[RecordedRequest]:
        """Wait until at least ``count`` requests arrived; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.requests
            if len(got) >= count:
                return got
            time.sleep(0.01)
        return self.requests

    def hold(self) -> HttpRecorder:
        """Answer nothing until ``release()`` (or the recorder stops)."""
        self._open.clear()
        return self

    def release(self) -> None:
        self._open.set()

    def _wait_open(self) -> None:
        while not self._open.wait(0.05) and not self._closed.is_set():
            pass

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)


# --------------------------------------------------------------------------
# SMTP
# --------------------------------------------------------------------------


@dataclass
class RecordedMail:
    """One message received by SmtpRecorder (headers decoded)."""

    mail_from: str
    rcpt_tos: list[str]
    subject: str
    body: str
    login: str | None
    message: email.message.EmailMessage


class _SmtpHandler:
    def __init__(self, recorder: SmtpRecorder):
        self.recorder = recorder

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        auth = getattr(session, "auth_data", None)
        login = getattr(auth, "login", None)
        if isinstance(login, bytes):
            login = login.decode("utf-8", errors="replace")
        self.recorder._record(
            RecordedMail(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                subject=str(message.get("Subject", "")),
                body=body,
                login=login,
                message=message,
            )
        )
        return "250 Message accepted for delivery"


class SmtpRecorder:
    """aiosmtpd server on 127.0.0.1 (free port) that records messages.

    AUTH PLAIN/LOGIN is offered without TLS. With ``credentials=(user,
    password)`` only those are accepted; otherwise any login is. Mail
    without AUTH is accepted too.
    """

    def __init__(self, credentials: tuple[str, str] | None = None):
        self.credentials = credentials
        self._messages: list[RecordedMail] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self._port: int | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if self.credentials is None:
            return AuthResult(success=True, auth_data=auth_data)
        user, password = self.credentials
        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
        pw = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
        return AuthResult(success=(login == user and pw == password), auth_data=auth_data)

    def start(self) -> SmtpRecorder:
        self._port = free_port()
        self._controller = Controller(
            _SmtpHandler(self),
            hostname="127.0.0.1",
            port=self._port,
            authenticator=self._authenticate,
            auth_require_tls=False,
            ready_timeout=5.0,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpRecorder:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._port is not None, "recorder not started"
        return self._port

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def messages(self) -> list[RecordedMail]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[RecordedMail]:
        """Wait until at least ``count`` messages arrived; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.messages
            if len(got) >= count:
                return got
            time.sleep(0.01)
        return self.messages

    def _record(self, mail: RecordedMail) -> None:
        with self._lock:
            self._messages.append(mail)


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture
def http_endpoint():
    """A running HttpRecorder (behaviour ``ok``)."""
    with HttpRecorder() as recorder:
        yield recorder


@pytest.fixture
def smtp_endpoint():
    """A running SmtpRecorder accepting any login."""
    with SmtpRecorder() as recorder:
        yield recorder
