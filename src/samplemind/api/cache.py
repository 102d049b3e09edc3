"""A bounded in-memory cache of GET answers (search pages, sample details).

Answers are filed under the library's data version (:meth:`Library.data_version`: on SQLite
``PRAGMA data_version`` and a count of this process's writes), so any write (a PATCH, a DELETE,
a scan, a CLI command in another process) makes every cached answer unreachable: the first
lookup under a new version empties the cache. The version is read *before* the answer is
computed, so an answer that raced a write is filed under the version that write ended.

An entry keeps the JSON body and, from :data:`GZIP_MIN_BYTES` on, its gzip encoding (level
:data:`GZIP_LEVEL`), made once when the entry is made. Entries are dropped least recently
used first beyond ``max_bytes``. Where the store cannot tell a version (PostgreSQL) or
``max_bytes`` is 0, answers are made the same way but never kept.

The routes make and keep entries; :class:`CacheMiddleware` answers from them before routing,
so a hit costs no dependency solving or parameter validation: only a ``GET`` whose exact path
and query string a route answered with 200 at the current version is found, and only for a
caller the app would let in (with API keys on, a request without a valid key goes on to the
app, which refuses it as always).

Example:
    >>> cache, key = ResponseCache(1 << 20), ("/api/samples/1", b"")
    >>> cache.lookup(7, key) is None  # a miss, at version 7
    True
    >>> entry = cache.entry(b'{"id": 1}')
    >>> cache.store(7, key, entry)
    >>> cache.lookup(7, key) is entry, cache.lookup(8, key)  # 8: the data changed
    (True, None)
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "GZIP_LEVEL",
    "GZIP_MIN_BYTES",
    "CacheEntry",
    "CacheMiddleware",
    "ResponseCache",
    "cache_key",
]

#: Bodies from this size on are sent gzipped to clients that accept it (the app's GZip
#: middleware uses the same threshold for every other JSON answer).
GZIP_MIN_BYTES = 1024
#: zlib level: 5 makes a 44 KB search page 4 % larger than level 9 in half the time.
GZIP_LEVEL = 5
#: Bookkeeping per entry besides the bodies (key, dict slot, objects), roughly.
_ENTRY_OVERHEAD_BYTES = 256
#: No single entry may take more than this share of the budget.
_MAX_ENTRY_SHARE = 4


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One answer: its JSON and (when large enough) gzipped JSON."""

    body: bytes
    gzipped: bytes | None
    #: The route that made it (the metrics label hits with its template).
    route: Any = None

    @property
    def size_bytes(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + _ENTRY_OVERHEAD_BYTES

    def response(self, *, accept_gzip: bool) -> Response:
        """The answer as the route sends it (``X-Cache: miss``)."""
        body, headers = self.encoded(accept_gzip=accept_gzip, cache=b"miss")
        return Response(body, headers={k.decode(): v.decode() for k, v in headers})

    def encoded(
        self, *, accept_gzip: bool, cache: bytes
    ) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        """The body and ASGI headers to send (gzipped when large enough and accepted)."""
        headers = [(b"content-type", b"application/json"), (b"x-cache", cache)]
        body = self.body
        if self.gzipped is not None:
            headers.append((b"vary", b"Accept-Encoding"))
            if accept_gzip:
                body = self.gzipped
                headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(body)).encode()))
        return body, headers


class ResponseCache:
    """Answers by ``(version, key)``, at most ``max_bytes`` of them (0: keep none)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._entries: OrderedDict[Hashable, CacheEntry] = OrderedDict()
        self._version: Hashable | None = None
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def entry(body: bytes, *, route: Any = None) -> CacheEntry:
        """An entry for ``body`` (compressed here: call it off the event loop, zlib lets go of
        the GIL)."""
        gzipped = gzip.compress(body, GZIP_LEVEL, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        return CacheEntry(body, gzipped, route)

    def _adopt(self, version: Hashable) -> None:
        # Versions are compared, never ordered: any other version means other data.
        if version != self._version:
            self._entries.clear()
            self._bytes = 0
            self._version = version

    def lookup(self, version: Hashable | None, key: Hashable) -> CacheEntry | None:
        """The entry filed under ``key`` at ``version``; a version other than the cache's
        empties it first (the data changed)."""
        if version is None or not self.max_bytes:
            return None
        with self._lock:
            self._adopt(version)
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def store(self, version: Hashable | None, key: Hashable, entry: CacheEntry) -> None:
        """Keep ``entry``, made from data read at ``version`` (None: keep nothing)."""
        size = entry.size_bytes
        if version is None or size > self.max_bytes // _MAX_ENTRY_SHARE:
            return
        with self._lock:
            self._adopt(version)
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size_bytes
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size_bytes


def cache_key(scope: Scope) -> Hashable:
    """What an answer is filed under: the raw path and query string (a request spelled
    differently is only a miss, never a wrong hit)."""
    return (scope["path"], scope["query_string"])


class CacheMiddleware:
    """Answer a ``GET`` from the cache before routing (pure ASGI).

    Args:
        cache: Where the routes keep their answers.
        version: The library's data version now (None: the library is not open yet, or
            cannot tell; the request goes on to the app).
        authorized: Whether an ``Authorization`` header value (or None) would be let in.
        on_hit: Called for each answer sent from the cache (metrics).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: ResponseCache,
        version: Callable[[], Hashable | None],
        authorized: Callable[[str | None], bool],
        on_hit: Callable[[], None],
    ) -> None:
        self.app = app
        self.cache = cache
        self.version = version
        self.authorized = authorized
        self.on_hit = on_hit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not len(self.cache):
            await self.app(scope, receive, send)
            return
        entry = self.cache.lookup(self.version(), cache_key(scope))
        accept_gzip, authorization = False, None
        if entry is not None:
            for name, value in scope["headers"]:
                if name == b"accept-encoding":
                    accept_gzip = b"gzip" in value
                elif name == b"authorization":
                    authorization = value.decode("latin-1")
        if entry is None or not self.authorized(authorization):
            await self.app(scope, receive, send)
            return
        if entry.route is not None:
            scope["route"] = entry.route
        body, headers = entry.encoded(accept_gzip=accept_gzip, cache=b"hit")
        self.on_hit()
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
