"""Request bodies judged by their headers, against a real uvicorn on 127.0.0.1: an anonymous large body is refused
before it is read; chunked bodies are counted and cut."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from endpoints import free_port
from portal import AS_OF, csrf_of, rows

HUGE = 240 * 1024 * 1024


@pytest.fixture
def full_app(app):  # type: ignore[no-untyped-def]
    """The portal with the real upload limit (25 MB a file, ten files: a 240 MB body is under the overall limit)."""
    from cchc_flow.web.app import create_app

    return create_app(as_of=AS_OF, background_runs=False)


@contextmanager
def serving(app) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """The portal under uvicorn on 127.0.0.1 in a thread; yields its port."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


def send_until_answered(port: int, head: str, chunks: Iterator[bytes]) -> tuple[bytes, int]:
    """Send the request head, then body chunks until the server answers (or the chunks run out); returns the first
    line of the answer and how many body bytes were sent."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head.encode())
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    return answer.split(b"\r\n")[0], sent


def multipart_head(path: str, length: int | None, cookie: str = "") -> str:
    size = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"{size}\r\n{cookie}\r\n"
    )


PART = b'--b\r\nContent-Disposition: form-data; name="files"; filename="x.pdf"\r\nContent-Type: application/pdf\r\n\r\n'


def body(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A well-formed multipart body's first ``total`` bytes: one file part, then its content."""
    yield PART
    for _ in range((total - len(PART)) // size):
        yield b"0" * size


def chunked(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    """The same, in the chunked transfer coding."""
    for data in body(total, size):
        yield f"{len(data):x}\r\n".encode() + data + b"\r\n"
    yield b"0\r\n\r\n"


def test_an_anonymous_huge_post_is_refused_from_its_headers(full_app) -> None:  # type: ignore[no-untyped-def]
    with serving(full_app) as port:
        status, sent = send_until_answered(port, multipart_head("/activities/1.1.2/done", HUGE), body(HUGE))
        assert status == b"HTTP/1.1 401 Unauthorized"
        assert sent < 16 * 1024 * 1024  # answered long before the 240 MB were sent (none of it was needed)
        status, sent = send_until_answered(port, multipart_head("/reports/2014-H1", None), chunked(HUGE))
        assert status == b"HTTP/1.1 413 Request Entity Too Large" and sent < 16 * 1024 * 1024  # cut at 64 KiB
        small = httpx.get(f"http://127.0.0.1:{port}/login")  # the sign-in form still works
        assert small.status_code == 200
    assert rows("select count(*) from transition where source = 'web'") == [(0,)]


def test_a_signed_in_chunked_body_is_counted_and_cut_at_the_limit(app, creds) -> None:  # type: ignore[no-untyped-def]
    with serving(app) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as browser:
        page = browser.get("/login")
        assert browser.post("/login", data={"csrf": csrf_of(page.text), "token": creds["T5G"][1]}).status_code == 303
        cookie = f"Cookie: cchc_session={browser.cookies['cchc_session']}\r\n"
        assert browser.get("/inbox").status_code == 200
        status, sent = send_until_answered(port, multipart_head("/activities/1.1.2/done", None, cookie), chunked(HUGE))
        assert status == b"HTTP/1.1 413 Request Entity Too Large" and sent < 16 * 1024 * 1024
    assert rows("select count(*) from evidence") == [(0,)]


@pytest.mark.parametrize("length", [64 * 1024 + 1, 1024 * 1024])
def test_a_forged_cookie_does_not_open_the_door_to_a_large_body(full_app, length) -> None:  # type: ignore[no-untyped-def]
    with serving(full_app) as port:
        head = multipart_head("/activities/1.1.2/done", length, "Cookie: cchc_session=eyJzaWQiOiAieCJ9.forged\r\n")
        status, _ = send_until_answered(port, head, body(length))
        assert status == b"HTTP/1.1 401 Unauthorized"
