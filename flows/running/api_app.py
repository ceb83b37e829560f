"""The ASGI app of the local API's own process (local_api.py starts `uvicorn --factory` on ``create_app``): Prefect's
server app, loaded with the garbage collector paused (gc_pause.py). Imports nothing else of cchc."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cchc_flow.flows.running.gc_pause import collector_paused, one_shot_process

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app() -> FastAPI:
    """Prefect's `prefect.server.api.server:create_app`, as Prefect's own temporary server runs it."""
    one_shot_process()  # the server's own process, for one command
    with collector_paused():
        # deferred: only the server's process loads Prefect's server stack
        from prefect.server.api.server import create_app as prefect_app

        return prefect_app()
