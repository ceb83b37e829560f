"""Tests for the Apprise layer (cchc_flow.models.notify: routes, masking, plugins, sending) against real local
endpoints (no mocks)."""

from __future__ import annotations

import json
import re
import stat
import threading
import time
from pathlib import Path

import apprise
import pytest
from apprise.decorators import notify as apprise_notify
from endpoints import HttpRecorder, SmtpRecorder, refused_url

from cchc_flow.models.notify.masking import mask_url
from cchc_flow.models.notify.plugins.zalo import ZALO_MAX_CHARS
from cchc_flow.models.notify.routes import load_routes, route_tags, validate_routes
from cchc_flow.models.notify.sending import RouteResult, deliver

VI_TITLE = "Thông báo nhiệm vụ CCHC"
VI_BODY = "Kế hoạch 3723/QĐ-BYT — Văn phòng Bộ: hoạt động 1.1.1"
PASSWORD = "S3cretPw"
ZALO_TOKEN = "1234567:TOKEN123secret"
SECRETS = (PASSWORD, "TOKEN123secret")


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    """Isolate CCHC_HOME and use a short network timeout."""
    monkeypatch.setenv("CCHC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", "2")
    monkeypatch.delenv("CCHC_ZALO_API_URL", raising=False)


def write_routes(tmp_path: Path, *entries: tuple[str, str | None], name: str = "routes.yml") -> Path:
    """Write an Apprise YAML route file from (url, tag) pairs."""
    lines = ["version: 1", "urls:"]
    for url, tag in entries:
        if tag is None:
            lines.append(f'  - "{url}"')
        else:
            lines += [f'  - "{url}":', f"      tag: {tag}"]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_no_secret(results: list[RouteResult]) -> None:
    for result in results:
        for secret in SECRETS:
            assert secret not in result.route
            assert secret not in (result.error or "")
            assert secret not in repr(result)


def mailto(smtp: SmtpRecorder, user: str = "cchc", password: str | None = None, to: str = "vpb@byt.gov.vn") -> str:
    auth = f"{user}:{password}@" if password else ""
    return f"mailto://{auth}127.0.0.1:{smtp.port}?from=cchc@byt.gov.vn&to={to}"


# --------------------------------------------------------------------------
# Delivery per channel
# --------------------------------------------------------------------------


def test_json_route_carries_vietnamese(tmp_path, http_endpoint):
    routes = write_routes(tmp_path, (f"json://127.0.0.1:{http_endpoint.port}/hook", "vpb"))

    results = deliver(routes, "vpb", VI_TITLE, VI_BODY)

    assert [r.ok for r in results] == [True]
    assert results[0].error is None
    assert results[0].route.startswith(f"json://127.0.0.1:{http_endpoint.port}/hook")
    (request,) = http_endpoint.requests
    assert request.path == "/hook"
    assert request.json["title"] == VI_TITLE
    assert request.json["message"] == VI_BODY


def test_mailto_route_three_messages_without_throttle(tmp_path, smtp_endpoint):
    routes = load_routes(write_routes(tmp_path, (mailto(smtp_endpoint, password=PASSWORD), "vpb")))

    started = time.monotonic()
    results = [deliver(routes, "vpb", f"{VI_TITLE} #{i}", VI_BODY) for i in range(3)]
    elapsed = time.monotonic() - started

    # Apprise waits ~5.5 s between sends of one mailto instance by default: 11 s for three (a loose bound: a loaded
    # machine is slow, but not that slow)
    assert elapsed < 10.0, f"3 mails took {elapsed:.1f}s: throttle still on?"
    assert all(r.ok for batch in results for r in batch)
    mails = smtp_endpoint.wait_for(3)
    assert [m.subject for m in mails] == [f"{VI_TITLE} #{i}" for i in range(3)]
    assert all(m.body.strip() == VI_BODY for m in mails)
    assert all(m.rcpt_tos == ["vpb@byt.gov.vn"] and m.login == "cchc" for m in mails)
    assert "****" in results[0][0].route
    assert_no_secret([r for batch in results for r in batch])


def test_zalo_route_posts_send_message(tmp_path, http_endpoint, monkeypatch):
    monkeypatch.setenv("CCHC_ZALO_API_URL", http_endpoint.url)
    routes = write_routes(tmp_path, (f"zalo://{ZALO_TOKEN}/chat-vpb-01", "vpb"))

    results = deliver(routes, "vpb", VI_TITLE, VI_BODY)

    assert results == [RouteResult(route="zalo://****/chat-vpb-01", ok=True, error=None)]
    (request,) = http_endpoint.requests
    assert request.path == f"/bot{ZALO_TOKEN}/sendMessage"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json == {"chat_id": "chat-vpb-01", "text": f"{VI_TITLE}\n{VI_BODY}"}


def test_zalo_long_text_is_split_at_2000_characters(tmp_path, http_endpoint, monkeypatch):
    monkeypatch.setenv("CCHC_ZALO_API_URL", http_endpoint.url)
    routes = write_routes(tmp_path, (f"zalo://{ZALO_TOKEN}/chat1", "vpb"))
    lines = [f"Dòng {i:03d}: {VI_BODY}" for i in range(80)]  # ~5,000 characters

    (result,) = deliver(routes, "vpb", VI_TITLE, "\n".join(lines))

    assert result.ok
    texts = [r.json["text"] for r in http_endpoint.requests]
    assert len(texts) >= 3
    assert all(len(t) <= ZALO_MAX_CHARS for t in texts)
    joined = "\n".join(texts)
    assert joined.startswith(VI_TITLE)
    assert all(line in joined for line in lines)


def test_zalo_ok_false_in_json_is_a_failure(tmp_path, http_endpoint, monkeypatch):
    monkeypatch.setenv("CCHC_ZALO_API_URL", http_endpoint.url)
    http_endpoint.behaviour = "not_ok"
    routes = write_routes(tmp_path, (f"zalo://{ZALO_TOKEN}/chat1", "vpb"))

    (result,) = deliver(routes, "vpb", VI_TITLE, VI_BODY)

    assert not result.ok
    assert "401" in result.error
    assert_no_secret([result])


def test_outbox_writes_one_private_file_per_message(tmp_path):
    attachment = tmp_path / "Báo cáo quý 3.docx"
    attachment.write_bytes(b"PK\x03\x04 fake docx")
    routes = write_routes(tmp_path, ("outbox://vpb", "vpb"))

    first = deliver(routes, "vpb", VI_TITLE, VI_BODY, attach=[attachment])
    second = deliver(routes, "vpb", "Lần 2", VI_BODY)

    assert first == [RouteResult(route="outbox://vpb", ok=True, error=None)]
    assert second[0].ok
    outbox = tmp_path / "home" / "outbox"
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700
    files = sorted(outbox.iterdir())
    assert len(files) == 2
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert re.fullmatch(r"\d{8}T\d{12}Z-vpb-[0-9a-f]{8}\.json", file.name)
    record = json.loads(files[0].read_text(encoding="utf-8"))
    assert record["title"] == VI_TITLE
    assert record["body"] == VI_BODY
    assert record["unit"] == "vpb"
    assert record["tags"] == ["vpb"]
    assert record["attachments"] == ["Báo cáo quý 3.docx"]
    assert record["created_at"]
    # Sorted by name is sorted by time.
    assert json.loads(files[1].read_text(encoding="utf-8"))["title"] == "Lần 2"


def test_outbox_reads_cchc_home_at_send_time(tmp_path, monkeypatch):
    routes = load_routes(write_routes(tmp_path, ("outbox://", "vpb")))
    monkeypatch.setenv("CCHC_HOME", str(tmp_path / "later"))

    (result,) = deliver(routes, "vpb", VI_TITLE, VI_BODY)

    assert result.ok
    (file,) = (tmp_path / "later" / "outbox").iterdir()
    assert json.loads(file.read_text(encoding="utf-8"))["unit"] is None


# --------------------------------------------------------------------------
# Routing by tag
# --------------------------------------------------------------------------


def test_only_routes_with_the_tag_are_used(tmp_path, http_endpoint):
    base = f"json://127.0.0.1:{http_endpoint.port}"
    routes = write_routes(
        tmp_path,
        (f"{base}/vpb", "vpb"),
        (f"{base}/both", "vpb, vp"),
        (f"{base}/vp", "vp"),
        ("outbox://vpb", "vpb"),
    )

    results = deliver(routes, "vpb", VI_TITLE, VI_BODY)

    assert len(results) == 3 and all(r.ok for r in results)
    assert sorted(r.path for r in http_endpoint.requests) == ["/both", "/vpb"]
    assert route_tags(routes) == {"vpb", "vp"}


def test_unknown_tag_returns_empty_list(tmp_path, http_endpoint):
    routes = write_routes(tmp_path, (f"json://127.0.0.1:{http_endpoint.port}/vpb", "vpb"))

    assert deliver(routes, "vụ-pháp-chế", VI_TITLE, VI_BODY) == []
    assert http_endpoint.requests == []


# --------------------------------------------------------------------------
# Failures
# --------------------------------------------------------------------------


def test_http_500_is_reported_per_route(tmp_path, http_endpoint):
    http_endpoint.behaviour = "fail500"
    routes = write_routes(
        tmp_path,
        (f"json://cchc:{PASSWORD}@127.0.0.1:{http_endpoint.port}/hook", "vpb"),
        ("outbox://vpb", "vpb"),
    )

    results = deliver(routes, "vpb", VI_TITLE, VI_BODY)

    by_schema = {r.route.split(":", 1)[0]: r for r in results}
    assert by_schema["outbox"].ok
    failed = by_schema["json"]
    assert not failed.ok and "500" in failed.error
    assert_no_secret(results)


def test_refused_port_is_a_failure(tmp_path, monkeypatch):
    dead = refused_url()
    monkeypatch.setenv("CCHC_ZALO_API_URL", dead)
    port = dead.rsplit(":", 1)[1]
    routes = write_routes(
        tmp_path,
        (f"json://cchc:{PASSWORD}@127.0.0.1:{port}/hook", "vpb"),
        (f"zalo://{ZALO_TOKEN}/chat1", "vpb"),
    )

    results = deliver(routes, "vpb", VI_TITLE, VI_BODY)

    assert [r.ok for r in results] == [False, False]
    assert all(r.error for r in results)
    assert "Connection" in results[1].error  # the requests error, token masked
    assert_no_secret(results)


def test_hanging_endpoint_returns_within_the_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", "1")
    with HttpRecorder(behaviour="hang", hang_seconds=120) as hang, HttpRecorder() as fine:
        monkeypatch.setenv("CCHC_ZALO_API_URL", hang.url)
        routes = write_routes(
            tmp_path,
            (f"json://cchc:{PASSWORD}@127.0.0.1:{hang.port}/hook", "vpb"),
            (f"zalo://{ZALO_TOKEN}/chat1", "vpb"),
            (f"json://127.0.0.1:{fine.port}/hook", "vpb"),
        )

        started = time.monotonic()
        results = deliver(routes, "vpb", VI_TITLE, VI_BODY)
        elapsed = time.monotonic() - started

    # bounded by the timeout, far below the endpoint's 120 s (the bound is loose: a loaded machine is slow)
    assert elapsed < 60, elapsed
    assert [r.ok for r in results] == [False, False, True]
    # the sockets' own timeouts ended them: Apprise's json plugin logs the cause ("Read timed out") at DEBUG only
    assert "Connection error" in results[0].error
    assert "timed out" in results[1].error
    assert_no_secret(results)


def test_the_routes_of_a_tag_are_sent_at_the_same_time(tmp_path, monkeypatch):
    """Both endpoints hold their request unanswered: the second request arrives while the first still waits."""
    import threading

    monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", "120")
    with HttpRecorder().hold() as first, HttpRecorder().hold() as second:
        routes = write_routes(
            tmp_path, (f"json://127.0.0.1:{first.port}/a", "vpb"), (f"json://127.0.0.1:{second.port}/b", "vpb")
        )
        results: list[RouteResult] = []
        sending = threading.Thread(target=lambda: results.extend(deliver(routes, "vpb", VI_TITLE, VI_BODY)))
        sending.start()
        deadline = time.monotonic() + 60  # well inside the 120 s timeout: one after the other never gets there
        try:
            while not (first.requests and second.requests):
                assert time.monotonic() < deadline, "the routes were not sent at the same time"
                time.sleep(0.01)
        finally:
            first.release()
            second.release()
            sending.join(timeout=60)
    assert [r.ok for r in results] == [True, True]


_STUCK = threading.Event()


@apprise_notify(on="stuck", name="A plugin that ignores the socket timeouts")
def _stuck(body, title, notify_type, *args, **kwargs):  # type: ignore[no-untyped-def]
    return _STUCK.wait(60)


def test_a_route_that_ignores_the_timeouts_is_cut_at_the_deadline(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", "1")
    _STUCK.clear()
    routes = write_routes(tmp_path, ("stuck://nowhere", "vpb"), ("outbox://vpb", "vpb"))
    try:
        results = deliver(routes, "vpb", VI_TITLE, VI_BODY)
    finally:
        _STUCK.set()  # the stuck send ends (without the deadline, deliver() returned only now, after 60 s, "ok")
    assert [(r.route.split(":")[0], r.ok) for r in results] == [("stuck", False), ("outbox", True)]
    assert results[0].error == "no answer within 3 s"


def _route_threads() -> set[int | None]:
    return {t.ident for t in threading.enumerate() if t.name == "cchc-route"}


def test_the_route_threads_are_kept_for_the_next_message(tmp_path):
    """One message after the other: the second is sent by the thread that sent the first, kept idle meanwhile."""
    routes = write_routes(tmp_path, ("outbox://vpb", "vpb"))
    assert [r.ok for r in deliver(routes, "vpb", VI_TITLE, VI_BODY)] == [True]
    kept = _route_threads()
    assert kept
    assert [r.ok for r in deliver(routes, "vpb", VI_TITLE, VI_BODY + " (2)")] == [True]
    assert _route_threads() == kept


def test_a_forked_child_sends_with_threads_of_its_own(tmp_path):
    """The parent's idle route threads do not exist in a forked child: its messages go out all the same."""
    import os

    routes = write_routes(tmp_path, ("outbox://vpb", "vpb"))
    assert [r.ok for r in deliver(routes, "vpb", VI_TITLE, VI_BODY)] == [True]
    assert _route_threads()
    pid = os.fork()
    if pid == 0:  # the child: exit status 0 only if its message went out, well before the 5 s deadline
        try:
            started = time.monotonic()
            ok = [r.ok for r in deliver(routes, "vpb", VI_TITLE, VI_BODY + " (child)")] == [True]
            os._exit(0 if ok and time.monotonic() - started < 4 else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_wrong_smtp_password_fails_without_leaking_it(tmp_path):
    with SmtpRecorder(credentials=("cchc", "another-password")) as smtp:
        routes = write_routes(tmp_path, (mailto(smtp, password=PASSWORD), "vpb"))
        (result,) = deliver(routes, "vpb", VI_TITLE, VI_BODY)
        assert smtp.messages == []

    assert not result.ok and result.error
    assert "****" in result.route
    assert_no_secret([result])


def test_missing_attachment_raises(tmp_path):
    routes = write_routes(tmp_path, ("outbox://vpb", "vpb"))
    with pytest.raises(FileNotFoundError):
        deliver(routes, "vpb", VI_TITLE, VI_BODY, attach=[tmp_path / "missing.pdf"])


# --------------------------------------------------------------------------
# Masking and validation
# --------------------------------------------------------------------------


def test_mask_url_hides_passwords_and_tokens():
    assert mask_url(f"zalo://{ZALO_TOKEN}/chat1") == "zalo://****/chat1"
    assert mask_url("outbox://vpb") == "outbox://vpb"
    masked_mail = mask_url(f"mailto://cchc:{PASSWORD}@smtp.byt.gov.vn?to=vpb@byt.gov.vn")
    assert masked_mail.startswith("mailto://cchc:****@smtp.byt.gov.vn")
    assert PASSWORD not in mask_url(f"json://cchc:{PASSWORD}@127.0.0.1/hook")
    assert mask_url(f"nosuchschema://cchc:{PASSWORD}@host/TOKEN123secret") == "nosuchschema://****"
    assert mask_url("not a url") == "(not a URL)"


def test_validate_routes_reports_problems_masked(tmp_path, http_endpoint):
    good = write_routes(tmp_path, (f"json://127.0.0.1:{http_endpoint.port}/hook", "vpb"), ("outbox://vpb", "vpb"))
    assert validate_routes(good) == []

    bad = write_routes(
        tmp_path,
        ("outbox://vpb", "vpb"),
        (f"nosuchschema://cchc:{PASSWORD}@host/TOKEN123secret", "vpb"),
        ("zalo://TOKEN123secret", "vpb"),
        ("json://127.0.0.1/untagged", None),
        (f"zalo://{ZALO_TOKEN}/chat1?overflow=truncate", "vpb"),
        name="bad.yml",
    )
    problems = validate_routes(bad)

    assert len(problems) == 4, problems
    assert problems[0].startswith("line 5 (entry #2): invalid or unsupported URL nosuchschema://****")
    assert "zalo://****" in problems[1] and "chat_id" in problems[1]
    assert "no tag" in problems[2]
    # Apprise 2.0.1 would crash loading the whole file on this entry.
    assert problems[3].startswith("line 10 (entry #5): zalo://****/chat1?overflow=truncate: query options")
    assert not any(secret in p for p in problems for secret in SECRETS)
    assert validate_routes(tmp_path / "absent.yml")[0].endswith("cannot read route file (No such file or directory)")
    (tmp_path / "broken.yml").write_text("urls: [\n", encoding="utf-8")
    assert "YAML syntax error" in validate_routes(tmp_path / "broken.yml")[0]


def test_deliver_refuses_invalid_route_file(tmp_path):
    bad = write_routes(tmp_path, ("outbox://vpb", "vpb"), (f"nosuchschema://cchc:{PASSWORD}@host", "vpb"))

    with pytest.raises(ValueError) as info:
        deliver(bad, "vpb", VI_TITLE, VI_BODY)

    assert "line 5" in str(info.value) and "nosuchschema://****" in str(info.value)
    assert PASSWORD not in str(info.value)
    assert not (tmp_path / "home" / "outbox").exists()

    # An AppriseConfig not built by load_routes() is checked too.
    config = apprise.AppriseConfig()
    config.add_config(bad.read_text(encoding="utf-8"), format="yaml")
    with pytest.raises(ValueError, match=r"nosuchschema://\*\*\*\*"):
        deliver(config, "vpb", VI_TITLE, VI_BODY)
    with pytest.raises(ValueError):
        load_routes(bad)


def test_our_schemas_are_apprise_plugins_that_apprise_masks_and_checks():
    """outbox:// and zalo:// load through Apprise itself: their URLs are parsed, checked and masked by Apprise."""
    zalo = apprise.Apprise.instantiate(f"zalo://{ZALO_TOKEN}/chat1")
    assert zalo is not None and zalo.url(privacy=True) == "zalo://****/chat1"
    assert apprise.Apprise.instantiate(zalo.url(privacy=False)).url(privacy=True) == "zalo://****/chat1"  # round trip
    assert apprise.Apprise.instantiate("zalo://TOKEN123secret") is None  # no chat id: refused by the plugin
    assert apprise.Apprise.instantiate("outbox://vpb").url(privacy=True) == "outbox://vpb"
    assert apprise.Apprise.instantiate("outbox://v%20b") is None  # not a safe file name part
    listed = {
        p: s
        for s in apprise.Apprise().details()["schemas"]
        for p in (s["protocols"] or ()) + (s["secure_protocols"] or ())
    }
    assert listed["zalo"]["details"]["tokens"]["bot_token"]["private"] is True
    assert listed["outbox"]["service_name"] == "CCHC outbox"
