"""Schedules from the plan file: `cchc deploy` (and --yaml) run each plan's phases and periodic reports at the time and
in the time zone its file states (default daily 08:00 Asia/Ho_Chi_Minh); a scheduled run on a weekend or a Vietnamese
holiday ends at once and records nothing, on a make-up Saturday it works; a bad schedule names its field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import REFERENCE_PLAN
from portal import rows

pytestmark = pytest.mark.usefixtures("prefect_api")
PLAN = "byt-3723-2013-2015"


@pytest.fixture(autouse=True)
def no_deployments_left() -> Iterator[None]:
    """The session's Prefect API is shared: with a deployment left, later tests' runs would go through the pool."""
    yield
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for d in client.read_deployments():
            client.delete_deployment(d.id)


def plan_with(tmp_path: Path, schedule: object) -> Path:
    """The reference plan with a ``schedule:`` section after its ``plan:`` section."""
    head, rest = Path(REFERENCE_PLAN).read_text(encoding="utf-8").split("\nreminders:", 1)
    path = tmp_path / "plan.yaml"
    path.write_text(f"{head}\n{yaml.safe_dump({'schedule': schedule})}reminders:{rest}", encoding="utf-8")
    return path


def _deployed() -> dict[str, object]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        flows = {f.id: f.name for f in client.read_flows()}
        return {f"{flows[d.flow_id]}/{d.name}": d for d in client.read_deployments()}


def test_deploy_uses_the_schedule_the_plan_file_states_and_marks_scheduled_runs(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cli("plan", "load", plan_with(tmp_path, {"time": "07:30", "timezone": "Asia/Bangkok"}))
    cli("deploy", "--pool", "cchc-test")
    deployed = _deployed()
    for name in (f"phase/{PLAN}-phase-1", f"phase/{PLAN}-phase-2", f"periodic-reports/{PLAN}-periodic-reports"):
        d = deployed[name]
        assert [(s.schedule.cron, s.schedule.timezone, s.parameters) for s in d.schedules] == [
            ("30 7 * * *", "Asia/Bangkok", {"skip_days_off": True})
        ]
        assert "skip_days_off" not in d.parameters  # a run started by hand is not skipped on a day off
    assert deployed[f"review/{PLAN}-review-1"].schedules == []

    out = tmp_path / "prefect.yaml"
    cli("deploy", "--yaml", out, "--cron", "0 9 * * 1-5")
    written = yaml.safe_load(out.read_text(encoding="utf-8"))["deployments"]
    phase1 = next(d for d in written if d["name"] == f"{PLAN}-phase-1")
    assert phase1["schedules"] == [
        {"cron": "0 9 * * 1-5", "timezone": "Asia/Bangkok", "parameters": {"skip_days_off": True}}
    ]


def test_a_plan_without_a_schedule_runs_daily_at_eight_in_hanoi_time(cli, loaded, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "prefect.yaml"
    cli("deploy", "--yaml", out)
    for d in yaml.safe_load(out.read_text(encoding="utf-8"))["deployments"]:
        expected = [{"cron": "0 8 * * *", "timezone": "Asia/Ho_Chi_Minh", "parameters": {"skip_days_off": True}}]
        assert d["schedules"] == ([] if "-review-" in d["name"] else expected)


@pytest.mark.parametrize(
    ("schedule", "said"),
    [
        ({"cron": "0 25 * * *"}, "'25' không phải một trường cron từ 0 tới 23"),
        ({"cron": "0 8 * *"}, "cần năm trường"),
        ({"time": "8h"}, "schedule"),
        ({"timezone": "Asia/Hanoi City"}, "'Asia/Hanoi City' không phải tên múi giờ IANA"),
        ({"time": "07:00", "cron": "0 7 * * *"}, "chỉ ghi một trong hai: time hoặc cron"),
    ],
)
def test_a_bad_schedule_is_refused_naming_its_field(cli, tmp_path, schedule, said) -> None:  # type: ignore[no-untyped-def]
    checked = cli("plan", "check", plan_with(tmp_path, schedule), expect=2)
    assert "schedule" in checked.stdout + checked.stderr
    assert said in checked.stdout + checked.stderr
    assert "Traceback" not in checked.stdout + checked.stderr


def test_deploy_refuses_a_bad_cron_option(cli, loaded) -> None:  # type: ignore[no-untyped-def]
    refused = cli("deploy", "--yaml", "x.yaml", "--cron", "0 8 * *", expect=2)
    assert "cần năm trường" in refused.stderr and not Path("x.yaml").exists()


def test_a_scheduled_run_on_a_day_off_ends_at_once_and_records_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.flows.phase import phase_flow
    from cchc_flow.flows.reporting import reporting_flow

    sunday = phase_flow(PLAN, 1, as_of="2013-10-06", skip_days_off=True, return_state=True)
    assert sunday.is_completed() and "06/10/2013 là ngày nghỉ (cuối tuần)" in sunday.message
    national_day = reporting_flow(PLAN, as_of="2014-09-02", skip_days_off=True, return_state=True)
    assert national_day.is_completed() and "Quốc khánh" in national_day.message
    assert rows("select count(*) from transition where event = 'assign'") == [(0,)]
    assert rows("select count(*) from notification") == [(0,)]

    makeup_saturday = phase_flow(PLAN, 1, as_of="2014-04-26", skip_days_off=True, return_state=True)
    assert makeup_saturday.is_completed() and makeup_saturday.result().flow_run_id
    assert rows("select count(*) from transition where event = 'assign'")[0][0] > 0


def test_a_run_started_by_hand_on_a_day_off_reconciles(loaded) -> None:  # type: ignore[no-untyped-def]
    from cchc_flow.flows.phase import run_phase

    summary = run_phase(PLAN, 1, "2013-10-06")  # a Sunday: the CLI and the portal run what they are asked to
    assert summary.flow_run_id and rows("select count(*) from transition where event = 'assign'")[0][0] > 0
