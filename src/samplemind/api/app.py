"""``create_app(settings)``: the FastAPI application.

Middleware, outermost first: metrics (every request, by route template), CORS (origins from
settings; credentials never with ``*``), the response cache (search pages and sample details
answered before routing, see :mod:`samplemind.api.cache`), GZip (JSON over 1 KiB, level 5;
never audio, ranges or events; cached answers come gzipped already), and the request-body
limit (uploads cut off at ``upload_max_mb`` while they stream). Errors are translated once, in
:mod:`samplemind.api.errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from samplemind import __version__
from samplemind.api.cache import GZIP_LEVEL, GZIP_MIN_BYTES, CacheMiddleware, ResponseCache
from samplemind.api.deps import ApiState
from samplemind.api.errors import install_error_handlers
from samplemind.api.limits import BodyLimitMiddleware
from samplemind.api.metrics import Metrics, MetricsMiddleware
from samplemind.api.routes import ai as ai_routes
from samplemind.api.routes import audio, collections, health, samples, sound_map, transform
from samplemind.api.routes import library as library_routes
from samplemind.api.routes.samples import AUDIO_TYPES
from samplemind.api.schemas import ErrorBody
from samplemind.api.security import KeyChecker, RateLimiter, check_exposure
from samplemind.api.web import web_router
from samplemind.config import Settings
from samplemind.library import Library

__all__ = ["create_app"]

#: Room for the multipart envelope around an upload of exactly the size limit.
_MULTIPART_SLACK_BYTES = 1 << 20

_NEVER_GZIP = ("text/event-stream", *sorted(set(AUDIO_TYPES.values())))

_DESCRIPTION = """\
The SampleMind library over HTTP: search with the query language, similar sounds, audio with
byte ranges, waveforms, uploads analyzed in isolated workers, scans with live progress.

Errors are always `{"error": {"code": "...", "message": "..."}}`.
"""


def create_app(settings: Settings | None = None, *, library: Library | None = None) -> FastAPI:
    """The API for the library ``settings`` describe (or ``library``, which stays the caller's
    to close).

    Raises:
        ConfigError: listening beyond loopback (``settings.api_host``) without an API key, or
            an invalid ``rate_limit``.
    """
    settings = settings or Settings()
    check_exposure(settings.api_host, settings.api_keys)
    state = ApiState(
        settings=settings,
        metrics=Metrics(),
        limiter=RateLimiter(settings.rate_limit),
        keys=KeyChecker(settings.api_keys),
        responses=ResponseCache(int(settings.api_cache_mb * 2**20)),
        given_library=library,
    )
    # The AI panel is always offered: natural-language search works without a model (the
    # rules) and the cost ledger needs none; GET /api/ai/status says what each feature can
    # do now (a provider reachable, the budget), which is too slow for /health.
    state.capabilities.add("ai")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await state.aclose_ai()
            await anyio.to_thread.run_sync(state.close)

    app = FastAPI(
        title="SampleMind AI",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url="/api/redoc",
        lifespan=lifespan,
        responses={
            400: {"model": ErrorBody, "description": "Bad parameters or query."},
            401: {"model": ErrorBody, "description": "API key missing or wrong."},
            422: {"model": ErrorBody, "description": "Invalid request."},
            500: {"model": ErrorBody, "description": "Internal error."},
        },
    )
    app.state.samplemind = state
    install_error_handlers(app)
    for module in (
        health,
        samples,
        transform,
        audio,
        library_routes,
        collections,
        sound_map,
        ai_routes,
    ):
        app.include_router(module.router)
    app.include_router(web_router(settings))  # last: its catch-all must not shadow a route

    # add_middleware wraps what is there: the last added is the outermost.
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=int(settings.upload_max_mb * 2**20) + _MULTIPART_SLACK_BYTES,
    )
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_MIN_BYTES,
        compresslevel=GZIP_LEVEL,
        exclude_content_types=_NEVER_GZIP,
    )
    hits = state.metrics.cache.labels("hit")
    app.add_middleware(
        CacheMiddleware,
        cache=state.responses,
        version=state.data_version,
        authorized=state.authorized,
        on_hit=hits.inc,
    )
    if settings.cors_origins:
        wildcard = "*" in settings.cors_origins
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=not wildcard,  # the spec forbids credentials with `*`
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Range", "If-None-Match"],
            expose_headers=["Content-Range", "Accept-Ranges", "ETag", "Retry-After", "Location"],
        )
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    return app
