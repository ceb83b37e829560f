"""A run started from the board has a page of its own that follows it live (it reloads itself while the run is
going, no script: the strict CSP stays), a small JSON answer for polling, and a link to the run in the Prefect UI.
Through the work pool, the state is Prefect's (tests/test_server.py, marked server); here in-process runs."""

from __future__ import annotations

import threading

from portal import PLAN, post, set_states, text_of

REFRESH = '<meta http-equiv="refresh"'


def test_a_run_in_this_process_has_its_page_and_json(app, client, creds, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCHC_NOTIFY_RETRY_DELAYS", "")
    set_states(PLAN, "planned", ["1.1.1", "1.1.2", "1.4.1"])
    c = client("coordinator", creds)
    r = post(c, "/runs/phase", {"phase": "1"}, page="/board")
    assert r.status_code == 303 and r.headers["location"] == "/board"  # it ended before the answer (tests wait)
    assert 'href="/runs/1"' in c.get("/board").text
    page = c.get("/runs/1")
    assert page.status_code == 200 and REFRESH not in page.text and "<script" not in page.text
    assert "script-src 'none'" in page.headers["content-security-policy"]
    state = c.get("/runs/1.json").json()
    assert state["status"] == "done" and state["final"] and state["flow_run_id"] in page.text
    assert state["kind"] == "phase" and state["phase"] == 1 and state["plan"] == PLAN
    assert c.get("/runs/7.json").status_code == 404
    assert client("T5G", creds).get("/runs/1.json").status_code == 403
    assert client("auditor", creds).get("/runs/1").status_code == 200


def test_the_runs_page_follows_it_live_and_links_to_prefect(app, client, creds) -> None:  # type: ignore[no-untyped-def]
    from prefect.settings import PREFECT_UI_URL, temporary_settings

    from cchc_flow.web.runs import Runs

    app.state.runs = Runs()  # runs in the background, as in production
    going, release = threading.Event(), threading.Event()

    def body(run):  # type: ignore[no-untyped-def]
        with temporary_settings(updates={PREFECT_UI_URL: "http://127.0.0.1:4200"}):  # a Prefect UI configured
            run.seen("5f0c1a2e-0000-4000-8000-000000000001", "Pending")
        run.seen("5f0c1a2e-0000-4000-8000-000000000001", "Running")
        going.set()
        release.wait(30)
        return "web.run.said", {"text": "xong qua work pool"}, "5f0c1a2e-0000-4000-8000-000000000001"

    c = client("coordinator", creds)
    run = app.state.runs.start("phase", PLAN, 1, None, body)
    assert going.wait(30)
    page = c.get(f"/runs/{run.id}")
    assert REFRESH in page.text and "Running" in text_of(page.text) and "đang chạy" in text_of(page.text)
    link = "http://127.0.0.1:4200/runs/flow-run/5f0c1a2e-0000-4000-8000-000000000001"
    assert f'href="{link}"' in page.text
    assert c.get(f"/runs/{run.id}.json").json() == {
        "id": run.id,
        "kind": "phase",
        "plan": PLAN,
        "phase": 1,
        "status": "running",
        "state": "Running",
        "flow_run_id": "5f0c1a2e-0000-4000-8000-000000000001",
        "url": link,
        "text": "",
        "final": False,
    }
    release.set()
    for _ in range(300):
        if run.status != "running":
            break
        threading.Event().wait(0.1)
    page = c.get(f"/runs/{run.id}")
    assert REFRESH not in page.text and "xong qua work pool" in text_of(page.text)
    assert c.get(f"/runs/{run.id}.json").json()["final"] is True
