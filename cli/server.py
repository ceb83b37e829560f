"""`cchc serve` (the portal) and `cchc deploy` (the Prefect deployments)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from pydantic import ValidationError

from cchc_flow.cli.console import as_of_value, call_server, fail, out
from cchc_flow.flows.running.deployments import deploy, planned_deployments, prefect_yaml
from cchc_flow.flows.running.runtime import on_ephemeral_api
from cchc_flow.models.rules.messages import t
from cchc_flow.models.rules.plan_spec import ScheduleSpec


def deploy_cmd(
    pool: Annotated[str, typer.Option("--pool", help="work pool (kiểu process) / work pool")] = "cchc",
    cron: Annotated[
        str | None,
        typer.Option("--cron", help="lịch chạy thay cho lịch của kế hoạch / instead of the plans' schedules"),
    ] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="múi giờ / time zone")] = None,
    yaml_path: Annotated[
        Path | None, typer.Option("--yaml", help="ghi prefect.yaml thay vì gửi lên máy chủ / write prefect.yaml")
    ] = None,
) -> None:
    """Tạo/cập nhật deployment Prefect cho mọi kế hoạch đang chạy / create or update the Prefect deployments."""
    if cron or timezone:
        try:
            ScheduleSpec.model_validate({"cron": cron, **({"timezone": timezone} if timezone else {})})
        except ValidationError as exc:
            fail("; ".join(str(e["ctx"]["error"]) if "ctx" in e else e["msg"] for e in exc.errors()))
    specs = planned_deployments(cron, timezone)
    if yaml_path is not None:
        text = (
            "# Written by `cchc deploy --yaml` from the plans loaded (the same deployments `cchc deploy` writes).\n"
            "# On the workers: pip install cchc-flow; `prefect deploy --all`; `prefect worker start --pool "
            f"{pool}`\n" + yaml.safe_dump(prefect_yaml(specs, pool), allow_unicode=True, sort_keys=False, width=120)
        )
        yaml_path.write_text(text, encoding="utf-8")
        out.print(t("deploy.yaml", n=len(specs), path=yaml_path), highlight=False)
        return
    if on_ephemeral_api():
        fail(t("deploy.no_server"))
    result = call_server(lambda: deploy(specs, pool))
    out.print(t("deploy.written", n=len(result.written), pool=pool))
    for name in result.written:
        out.print(f"  • {name}", highlight=False)
    if result.removed:
        out.print(t("deploy.removed", n=len(result.removed), names=", ".join(result.removed)), highlight=False)


def serve(
    host: Annotated[str, typer.Option("--host", help="địa chỉ lắng nghe")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="cổng (1-65535)")] = 8080,
    workers: Annotated[
        int | None, typer.Option("--workers", help="số tiến trình phục vụ; mặc định: số lõi CPU")
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="chạy thử: ngày cổng coi là hôm nay")] = None,
) -> None:
    """Cổng thông tin web cho đơn vị, đầu mối và kiểm toán / start the web portal."""
    # deferred: the portal (FastAPI, the flows) loads only for `cchc serve`
    from cchc_flow.web.app import serve as run_portal

    if not 1 <= port <= 65535:
        fail(t("cli.bad_port", port=port))
    if workers is not None and not 1 <= workers <= 64:
        fail(t("cli.bad_workers", workers=workers))
    run_portal(host, port, as_of_value(as_of), workers)
