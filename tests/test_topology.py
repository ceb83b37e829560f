"""deploy/: the compose file and the systemd units describe the same production topology, with commands that exist."""

from __future__ import annotations

import configparser
import shlex

import yaml
from conftest import REPO

DEPLOY = REPO / "deploy"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _units() -> dict[str, configparser.ConfigParser]:
    out = {}
    for path in sorted((DEPLOY / "systemd").glob("*.service")):
        unit = configparser.ConfigParser(interpolation=None, strict=False)
        unit.optionxform = str  # type: ignore[assignment,method-assign]
        unit.read(path, encoding="utf-8")
        out[path.name] = unit
    return out


def _subcommand(command: str) -> tuple[str, ...]:
    """`prefect server start --no-services` -> ("prefect", "server", "start"): the program and its subcommands."""
    words = shlex.split(command)
    words[0] = words[0].rsplit("/", 1)[-1]
    return tuple(w for w in words if not w.startswith("-"))[: 3 if words[0] == "prefect" else 2]


def test_compose_runs_the_api_and_its_services_apart_through_redis_two_workers_the_portal_and_cchc_deploy() -> None:
    services = _compose()["services"]
    assert {
        "postgres",
        "redis",
        "migrate",
        "prefect-api",
        "prefect-services",
        "worker-1",
        "worker-2",
        "portal",
        "deploy",
    } <= set(services)
    assert services["prefect-api"]["command"] == "prefect server start --no-services"
    assert services["prefect-services"]["command"] == "prefect server services start"
    for name in ("prefect-api", "prefect-services", "migrate"):
        env = services[name]["environment"]
        assert env["PREFECT_MESSAGING_BROKER"] == "prefect_redis.messaging"
        assert env["PREFECT_SERVER_DOCKET_URL"].startswith("redis://")
        assert env["PREFECT_SERVER_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    workers = [s for s in services.values() if "worker start" in str(s.get("command"))]
    assert len(workers) == 2 and all("--pool cchc --type process" in w["command"] for w in workers)
    assert all(w["environment"]["CCHC_DATABASE_URL"].startswith("postgresql+psycopg://") for w in workers)
    assert services["deploy"]["command"] == "cchc deploy --pool cchc"


def test_the_systemd_units_run_the_same_commands_as_the_compose_services() -> None:
    from typer.main import get_command

    from cchc_flow.cli.main import app

    compose = {
        _subcommand(s["command"])
        for s in _compose()["services"].values()
        if str(s.get("command", "")).startswith(("prefect ", "cchc "))
    }
    units = _units()
    systemd = {
        _subcommand(u["Service"][key])
        for u in units.values()
        for key in ("ExecStartPre", "ExecStart")
        if key in u["Service"]
    }
    assert compose == systemd
    assert "cchc-worker@.service" in units and "%i" in units["cchc-worker@.service"]["Service"]["ExecStart"]
    cli = get_command(app)
    for _program, name, *_ in (c for c in compose if c[0] == "cchc"):
        assert name in cli.commands  # type: ignore[attr-defined]


def test_the_production_api_records_task_runs_in_batches_as_the_local_one_does() -> None:
    from cchc_flow.flows.running.local_api import SERVER_SETTINGS

    services = [s for s in _compose()["services"].values() if "PREFECT_SERVER_DOCKET_URL" in s.get("environment", {})]
    systemd = dict(
        line.split("=", 1)
        for line in (DEPLOY / "systemd" / "prefect.env.example").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert services and all(SERVER_SETTINGS.items() <= s["environment"].items() for s in services)
    assert SERVER_SETTINGS.items() <= systemd.items()
