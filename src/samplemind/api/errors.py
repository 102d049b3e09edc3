"""The API's one error boundary: every exception becomes ``{"error": {"code", "message"}}``.

SampleMind errors map by class (the most specific entry of :data:`STATUS` wins); Starlette's
HTTP errors (404 for an unknown route, 405, 413 from the body limit) and request validation
keep their status with a problem body; anything else is a logged 500 whose body says nothing
about the code.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from samplemind.errors import (
    AccessDeniedError,
    AiBudgetError,
    AiNotConfiguredError,
    AiProviderError,
    AudioError,
    AudioNotFoundError,
    AuthenticationError,
    ConfigError,
    ConflictError,
    MissingDependencyError,
    NotAnalyzedError,
    NotFoundError,
    ProcessingError,
    QuerySyntaxError,
    RateLimitError,
    SampleMindError,
    StorageUnavailableError,
    TooLargeError,
    UnsupportedFormatError,
    VectorIndexError,
    WorkerError,
)

__all__ = ["STATUS", "install_error_handlers", "problem", "status_for"]

log = logging.getLogger(__name__)

#: Status per error class; a subclass not listed takes its nearest listed ancestor's.
STATUS: dict[type[SampleMindError], int] = {
    SampleMindError: 500,
    ConfigError: 400,
    QuerySyntaxError: 400,
    AuthenticationError: 401,
    AccessDeniedError: 403,
    NotFoundError: 404,
    AudioNotFoundError: 404,
    ConflictError: 409,
    NotAnalyzedError: 409,
    TooLargeError: 413,
    UnsupportedFormatError: 415,
    AudioError: 422,
    WorkerError: 422,  # the file made its isolated worker time out or die
    ProcessingError: 422,  # a transform cannot be done on this audio
    MissingDependencyError: 400,  # an option this server cannot offer (demucs not installed)
    RateLimitError: 429,
    StorageUnavailableError: 503,
    VectorIndexError: 503,
    AiBudgetError: 402,  # the monthly AI budget is spent and no free model is available
    AiProviderError: 502,  # every model of the route failed upstream
    AiNotConfiguredError: 503,
}

_HTTP_CODES = {
    400: "bad_request",
    402: "payment_required",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "invalid_request",
    429: "rate_limited",
}


def status_for(exc: SampleMindError) -> int:
    """The HTTP status of a SampleMind error (nearest listed class in its MRO)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def problem(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: object
) -> JSONResponse:
    """A problem response: ``{"error": {"code", "message", ...extra}}``."""
    body: dict[str, object] = {"code": code, "message": message, **extra}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def _samplemind_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SampleMindError)
    status = status_for(exc)
    headers = {}
    extra: dict[str, object] = {}
    if isinstance(exc, RateLimitError):
        headers["Retry-After"] = str(exc.retry_after_s)
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, QuerySyntaxError):
        extra["position"] = exc.position
    if status >= 500:
        log.error("%s: %s", exc.code, exc.message)
    return problem(status, exc.code, exc.message, headers=headers, **extra)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem(exc.status_code, code, detail, headers=dict(exc.headers or {}))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "request"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return problem(422, "invalid_request", "; ".join(parts) or "invalid request")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal_error", "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(SampleMindError, _samplemind_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
