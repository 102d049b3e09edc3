"""Run the API with uvicorn (uvloop and httptools)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from samplemind.api.app import create_app
from samplemind.api.security import check_exposure
from samplemind.config import Settings

__all__ = ["app_from_environment", "serve"]

log = logging.getLogger(__name__)


def app_from_environment() -> FastAPI:
    """The app for settings from the environment: uvicorn's factory when reloading (it imports
    the app by name in a fresh process)."""
    return create_app(Settings())


def serve(settings: Settings, *, reload: bool = False, log_level: str = "info") -> None:
    """Serve until interrupted, on ``settings.api_host:api_port``.

    Raises:
        ConfigError: beyond loopback without an API key (checked before anything starts).
    """
    import uvicorn

    check_exposure(settings.api_host, settings.api_keys)
    target: str | FastAPI = (
        # The reloading child imports the app by name and builds its own settings from
        # SAMPLEMIND_* (the CLI exports the host and port it was given).
        "samplemind.api.server:app_from_environment" if reload else create_app(settings)
    )
    uvicorn.run(
        target,
        host=settings.api_host,
        port=settings.api_port,
        factory=reload,
        reload=reload,
        loop="uvloop",
        http="httptools",
        log_level=log_level,
        # uvicorn's line per request is about half the CPU of a cached answer.
        access_log=settings.api_access_log,
        server_header=False,
    )
