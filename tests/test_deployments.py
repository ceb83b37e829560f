"""prefect.yaml: every deployment points at a real flow with plain-JSON parameters; phases and periodic reports daily
at 08:00 in Hanoi time, reviews on demand."""

from __future__ import annotations

import importlib
import json

import yaml
from conftest import REPO


def test_each_deployment_runs_a_flow_of_ours_daily_at_eight_in_asia_ho_chi_minh() -> None:
    config = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    deployments = config["deployments"]
    assert {(d["entrypoint"], d["parameters"].get("phase")) for d in deployments} == {
        ("cchc_flow.flows.phase:phase_flow", 1),
        ("cchc_flow.flows.phase:phase_flow", 2),
        ("cchc_flow.flows.review:review_flow", 1),
        ("cchc_flow.flows.review:review_flow", 2),
        ("cchc_flow.flows.reporting:reporting_flow", None),
    }
    for d in deployments:
        module, name = d["entrypoint"].split(":")
        flow = getattr(importlib.import_module(module), name)
        assert json.loads(json.dumps(d["parameters"])) == d["parameters"]
        flow.validate_parameters(d["parameters"])  # raises if a parameter does not fit the flow
        daily = [{"cron": "0 8 * * *", "timezone": "Asia/Ho_Chi_Minh", "parameters": {"skip_days_off": True}}]
        assert d["schedules"] == ([] if name == "review_flow" else daily)
        assert d["work_pool"]["name"] == "cchc"
