"""``samplemind serve``: the HTTP API (and, once built, the web app)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from samplemind.cli.common import err_console
from samplemind.config import Settings

__all__ = ["serve"]


def serve(
    host: Annotated[
        str | None,
        typer.Option(help="Address to bind (default 127.0.0.1; others need SAMPLEMIND_API_KEYS)."),
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).", min=0, max=65535)] = None,
    reload: Annotated[
        bool, typer.Option(help="Restart when the code changes (development).")
    ] = False,
    access_log: Annotated[
        bool | None,
        typer.Option(
            "--access-log/--no-access-log",
            help="A log line per request (default on; SAMPLEMIND_API_ACCESS_LOG).",
        ),
    ] = None,
) -> None:
    """Serve the library over HTTP: the API under /api, docs at /api/docs."""
    from samplemind.api.server import serve as run_server

    settings = Settings()
    given = (("api_host", host), ("api_port", port), ("api_access_log", access_log))
    updates = {k: v for k, v in given if v is not None}
    settings = settings.model_copy(update=updates)
    if reload:  # the reloading child reads its settings from the environment
        os.environ["SAMPLEMIND_API_HOST"] = settings.api_host
        os.environ["SAMPLEMIND_API_PORT"] = str(settings.api_port)
        os.environ["SAMPLEMIND_API_ACCESS_LOG"] = str(settings.api_access_log).lower()
    shown = f"[{settings.api_host}]" if ":" in settings.api_host else settings.api_host
    err_console().print(
        f"SampleMind API on [bold]http://{shown}:{settings.api_port}[/] "
        f"(docs: http://{shown}:{settings.api_port}/api/docs)"
    )
    run_server(settings, reload=reload)
