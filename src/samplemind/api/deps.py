"""What routes depend on: the app's state, the caller's identity, the rate limit.

The dependencies are ``async``: FastAPI runs a plain ``def`` dependency in the thread pool, a
hop per dependency per request that costs more than the work itself.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from samplemind.analysis.batch import AnalysisPool
from samplemind.api.cache import ResponseCache
from samplemind.api.jobs import JobManager
from samplemind.api.metrics import Metrics
from samplemind.api.security import KeyChecker, RateLimiter
from samplemind.config import Settings
from samplemind.errors import AuthenticationError
from samplemind.library import Library, open_library

if TYPE_CHECKING:
    from samplemind.ai.service import AiService

__all__ = ["ApiState", "Client", "Expensive", "State", "authorize", "expensive", "get_state"]


@dataclass
class ApiState:
    """Everything the routes share. The library and the worker pool open on first use, so an
    app that is only built (for its OpenAPI document, say) touches no database."""

    settings: Settings
    metrics: Metrics
    limiter: RateLimiter
    keys: KeyChecker
    given_library: Library | None = None
    #: GET answers by data version (api/cache.py); none kept unless the app sizes it.
    responses: ResponseCache = field(default_factory=lambda: ResponseCache(0))
    #: Optional features configured on this server (``GET /health`` lists them; the web app
    #: shows a feature's panel only when it is listed). A layer that adds one (the AI layer:
    #: ``"ai"``) adds its name here when it is configured.
    capabilities: set[str] = field(default_factory=set)
    _library: Library | None = field(default=None, init=False)
    _pool: AnalysisPool | None = field(default=None, init=False)
    _jobs: JobManager | None = field(default=None, init=False)
    _ai: AiService | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    #: Threads making search pages and sample details at once. Python holds the GIL for
    #: most of that work, so more threads than cores only queue for it, and the event loop
    #: (answering cache hits) waits behind all of them: more threads, longer tails.
    readers: anyio.CapacityLimiter = field(
        default_factory=lambda: anyio.CapacityLimiter(2), init=False
    )

    @property
    def library(self) -> Library:
        if self._library is None:
            with self._lock:
                if self._library is None:
                    self._library = self.given_library or open_library(self.settings)
        return self._library

    async def open_library(self) -> Library:
        """:attr:`library` for a coroutine: opened in a thread the first time (a migration
        check, or a database that takes its time to answer, never stalls the event loop)."""
        if self._library is None:
            return await anyio.to_thread.run_sync(lambda: self.library)
        return self._library

    def data_version(self) -> Hashable | None:
        """The library's data version while answers are cached (api/cache.py); None while
        the cache is off or the library is not open yet."""
        library = self._library
        if library is None or not self.responses.enabled:
            return None
        return library.data_version()

    def authorized(self, authorization: str | None) -> bool:
        """Whether :func:`authorize` would let in a request with this header."""
        try:
            self.keys.client_id(authorization)
        except AuthenticationError:
            return False
        return True

    @property
    def pool(self) -> AnalysisPool:
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = AnalysisPool(self.settings, jobs=self.settings.api_workers)
        return self._pool

    @property
    def jobs(self) -> JobManager:
        library = self.library
        if self._jobs is None:
            with self._lock:
                if self._jobs is None:
                    analyses = self.metrics.analyses
                    self._jobs = JobManager(
                        library,
                        on_analyzed=lambda error: analyses.labels("scan", error or "ok").inc(),
                    )
        return self._jobs

    @property
    def ai(self) -> AiService:
        """The AI features over the library (opened on first use; the pydantic-ai stack is
        imported only then)."""
        library = self.library
        if self._ai is None:
            with self._lock:
                if self._ai is None:
                    from samplemind.ai.service import AiService

                    self._ai = AiService(library, self.settings)
        return self._ai

    async def aclose_ai(self) -> None:
        """Close the AI service's connections (the Redis cache); in the event loop."""
        ai, self._ai = self._ai, None
        if ai is not None:
            await ai.aclose()

    def close(self) -> None:
        """Stop scans and workers; close the library if this state opened it."""
        with self._lock:
            jobs, pool, library = self._jobs, self._pool, self._library
            self._jobs = self._pool = self._library = None
        if jobs is not None:
            jobs.close()
        if pool is not None:
            pool.close()
        if library is not None and self.given_library is None:
            library.close()


async def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.samplemind
    return state


State = Annotated[ApiState, Depends(get_state)]

# Declared for the OpenAPI document (the docs' "Authorize" button); checked by authorize().
_bearer = HTTPBearer(auto_error=False, description="An API key from SAMPLEMIND_API_KEYS.")


async def authorize(
    request: Request,
    state: State,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The caller's identity for rate limits: their key's digest, or their address.

    Raises:
        AuthenticationError: keys are configured and the request has none that matches.
    """
    client = state.keys.client_id(request.headers.get("authorization"))
    if client is not None:
        return client
    return "addr:" + (request.client.host if request.client else "unknown")


Client = Annotated[str, Depends(authorize)]


async def expensive(state: State, client: Client) -> None:
    """Count the request against the caller's limit on expensive routes (429 over it)."""
    state.limiter.hit(client)


Expensive = Depends(expensive)
