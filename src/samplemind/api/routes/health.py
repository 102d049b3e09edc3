"""Probes and metrics: ``/health`` (alive), ``/ready`` (database and index reachable),
``/metrics`` (Prometheus text format)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from samplemind import __version__
from samplemind.api.deps import Client, State
from samplemind.api.schemas import Health, Readiness
from samplemind.errors import SampleMindError

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/health")
def health(state: State) -> Health:
    """The process is up (no dependency is checked); its version and optional capabilities."""
    return Health(status="ok", version=__version__, capabilities=sorted(state.capabilities))


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready."}},
)
def ready(state: State) -> Response:
    """The database and the similarity index answer; 503 (with what failed) otherwise."""
    try:
        checks = state.library.readiness()
    except SampleMindError as exc:  # the library did not even open
        checks = {"database": f"{exc.code}: {exc.message}", "index": "not checked"}
    ok = all(value == "ok" for value in checks.values())
    body = Readiness(status="ready" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/metrics", response_class=Response, include_in_schema=False)
def metrics(state: State, _client: Client) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
