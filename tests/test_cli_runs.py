"""CLI runs as a coordinator's cron job sees them: quiet on success, and one flow name per kind of run with the
human title in each run's name and tags (read back from the Prefect API)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REFERENCE_PLAN, REPO

PLAN = "byt-3723-2013-2015"


def test_a_phase_run_on_the_ephemeral_api_prints_its_summary_and_nothing_alarming(cchc_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a fresh machine: no Prefect server, no Prefect settings of the user's (cchc sets its own defaults)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    env.update(PYTHONPATH=str(REPO), COLUMNS="200", PREFECT_HOME=str(tmp_path / "prefect"))

    def cchc(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cchc_flow.cli.main", *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert cchc("plan", "load", str(REFERENCE_PLAN)).returncode == 0
    run = cchc("phase", "run", PLAN, "1", "--as-of", "2013-10-01")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Đã gửi 13 thông báo tới 7 đơn vị; còn chờ gửi: 0" in run.stdout
    for alarming in ("Traceback", "ERROR", "Error", "CancelledError", "telemetry", "WARNING", "INFO"):
        assert alarming not in output, output

    verbose = cchc("--verbose", "phase", "run", PLAN, "1", "--as-of", "2013-10-02")
    assert verbose.returncode == 0, verbose.stderr
    assert "INFO" in verbose.stderr and "Finished in state Completed()" in verbose.stderr
    assert "Traceback" not in verbose.stderr and "telemetry" not in verbose.stderr


@pytest.mark.usefixtures("prefect_api")
def test_each_kind_of_run_has_one_flow_name_and_the_title_in_its_run_name_and_tags(loaded) -> None:  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import get_client

    from cchc_flow.flows.phase import run_phase
    from cchc_flow.flows.reporting import run_reporting
    from cchc_flow.flows.review import run_review

    ids = {
        "phase-1": run_phase(PLAN, 1, "2013-10-01").flow_run_id,
        "phase-2": run_phase(PLAN, 2, "2014-06-02").flow_run_id,
        "review-1": run_review(PLAN, 1, "2015-01-26").flow_run_id,
    }
    run_reporting(PLAN, "2014-06-08")
    with get_client(sync_client=True) as client:
        runs = {key: client.read_flow_run(run_id) for key, run_id in ids.items()}
        flows = {key: client.read_flow(run.flow_id).name for key, run in runs.items()}
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

        reports = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[PLAN, "periodic-reports"]))
        )
        report_flows = {client.read_flow(r.flow_id).name for r in reports}
    assert flows == {"phase-1": "phase", "phase-2": "phase", "review-1": "review"}
    assert report_flows == {"periodic-reports"}
    assert runs["phase-1"].name == f"Giai đoạn 1 (2013-2014) · {PLAN} · 2013-10-01"
    assert set(runs["phase-1"].tags) == {PLAN, "Bộ trưởng Bộ Y tế", "phase-1", "Giai đoạn 1 (2013-2014)"}
    assert runs["phase-2"].name.startswith("Giai đoạn II (2015) · ")
    assert "Giai đoạn II (2015)" in runs["phase-2"].tags
    review_title = runs["review-1"].name.split(" · ")[0]
    assert review_title.startswith("Hội thảo sơ kết") or "sơ kết" in review_title.lower()
    assert review_title in runs["review-1"].tags and "review-1" in runs["review-1"].tags
    assert [r.name for r in reports][-1] == f"Báo cáo định kỳ của Kế hoạch 3723/QĐ-BYT · {PLAN} · 2014-06-08"


def test_commands_run_in_a_long_lived_process_freeze_nothing(cli, loaded, prefect_api) -> None:  # type: ignore[no-untyped-def]
    """In-process (the portal, a worker, this test session), a flow command's imports are not frozen out of the
    collector: freezing there would keep the garbage of that moment for good — dropped engines and their open
    database connections among it (a PostgreSQL server ran out of connections that way)."""
    import gc
    import weakref

    class Garbage:
        cycle: object

    dropped = Garbage()
    dropped.cycle = dropped  # only the cyclic collector can free it
    gone = weakref.ref(dropped)
    del dropped
    frozen = gc.get_freeze_count()
    cli("phase", "run", "byt-3723-2013-2015", "1", "--as-of", "2013-10-01")
    cli("report", "run", "byt-3723-2013-2015", "--as-of", "2014-06-10")
    assert gc.get_freeze_count() == frozen
    gc.collect()
    assert gone() is None
