"""json:// and jsons:// routes: cchc's subclass of Apprise's JSON plugin (models/notify/plugins/webhook.py) sends what
Apprise's own sends, over kept-alive connections, and still honours the proxies of the environment. Real local
endpoints, no mocks."""

from __future__ import annotations

from pathlib import Path

import apprise
import pytest
from apprise.attachment.file import AttachFile
from apprise.plugins.custom_json import NotifyJSON
from endpoints import HttpRecorder, refused_url

from cchc_flow.models.notify.plugins.webhook import NotifyWebhookJSON
from cchc_flow.models.notify.sending import deliver

TITLE = "Thông báo nhiệm vụ CCHC"
BODY = "Kế hoạch 3723/QĐ-BYT — Văn phòng Bộ: hoạt động 1.1.1"
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CCHC_NOTIFY_TIMEOUT", "5")
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def routes_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "routes.yml"
    path.write_text(f'version: 1\nurls:\n  - "{url}":\n      tag: vpb\n', encoding="utf-8")
    return path


def test_json_routes_load_as_the_cchc_plugin():
    for url in ("json://127.0.0.1:8080/hook", "jsons://hooks.example.vn/cchc"):
        plugin = apprise.Apprise.instantiate(url)
        assert isinstance(plugin, NotifyWebhookJSON)
        assert isinstance(plugin, NotifyJSON)  # what Apprise checks and masks stays Apprise's
    masked = apprise.Apprise.instantiate("json://cchc:S3cretPw@127.0.0.1:8080/hook").url(privacy=True)
    assert "S3cretPw" not in masked and masked.startswith("json://cchc:****@127.0.0.1:8080/hook")


def test_sends_what_apprises_own_json_plugin_sends(tmp_path):
    """Same method, path and query, headers and JSON document (options, payload extras, login, attachment)."""
    report = tmp_path / "bao-cao.txt"
    report.write_text("Báo cáo quý I", encoding="utf-8")
    with HttpRecorder() as endpoint:
        url = (
            f"json://cchc:S3cretPw@127.0.0.1:{endpoint.port}/hooks/cchc?+X-Unit=VPB&-ref=k1"
            "&:source=cchc&:type=kind&:version="
        )
        results = deliver(routes_file(tmp_path, url), "vpb", TITLE, BODY, attach=[(report, "Báo cáo.txt")])
        assert [r.ok for r in results] == [True]
        apprises = NotifyJSON(**NotifyJSON.parse_url(url))
        files = apprise.AppriseAttachment()
        files.add(AttachFile(str(report), name="Báo cáo.txt"))
        assert apprises.notify(body=BODY, title=TITLE, attach=files)
        ours, theirs = endpoint.wait_for(2)
    assert type(apprises).send is NotifyJSON.send  # the comparison is with Apprise's own send
    assert (ours.method, ours.path) == (theirs.method, theirs.path) == ("POST", "/hooks/cchc?ref=k1")
    assert ours.json == theirs.json
    assert ours.json["kind"] == "info" and ours.json["source"] == "cchc" and "version" not in ours.json
    assert ours.json["attachments"][0]["filename"] == "Báo cáo.txt"
    for header in ("Content-Type", "User-Agent", "Authorization", "X-Unit"):
        assert ours.headers[header] == theirs.headers[header], header


def test_messages_to_one_endpoint_share_a_connection(tmp_path):
    with HttpRecorder() as endpoint:
        routes = routes_file(tmp_path, f"json://127.0.0.1:{endpoint.port}/hook")
        for i in range(3):
            assert [r.ok for r in deliver(routes, "vpb", f"{TITLE} #{i}", BODY)] == [True]
        received = endpoint.wait_for(3)
    assert [r.json["title"] for r in received] == [f"{TITLE} #{i}" for i in range(3)]
    assert len({r.peer for r in received}) == 1  # one client port: the connection was kept and reused


def test_the_proxy_of_the_environment_is_used(tmp_path, monkeypatch):
    with HttpRecorder() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        results = deliver(routes_file(tmp_path, "json://hooks.cchc-proxied.invalid/cchc"), "vpb", TITLE, BODY)
        (request,) = proxy.wait_for(1)
    assert [r.ok for r in results] == [True]
    assert request.path == "http://hooks.cchc-proxied.invalid/cchc"  # an absolute URI: the request went to the proxy
    assert request.json["message"] == BODY


def test_no_proxy_sends_directly(tmp_path, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", refused_url())
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with HttpRecorder() as endpoint:
        results = deliver(routes_file(tmp_path, f"json://127.0.0.1:{endpoint.port}/direct"), "vpb", TITLE, BODY)
        (request,) = endpoint.wait_for(1)
    assert [r.ok for r in results] == [True]
    assert request.path == "/direct"
