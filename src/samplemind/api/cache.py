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
from collections.abc import Hashable
from dataclasses import dataclass

from starlette.responses import Response

__all__ = ["GZIP_LEVEL", "GZIP_MIN_BYTES", "CacheEntry", "ResponseCache"]

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

    @property
    def size_bytes(self) -> int:
        return len(self.body) + len(self.gzipped or b"") + _ENTRY_OVERHEAD_BYTES

    def response(self, *, accept_gzip: bool, hit: bool) -> Response:
        """The HTTP answer (``X-Cache: hit|miss`` says whether it was kept from before)."""
        headers = {"x-cache": "hit" if hit else "miss"}
        if self.gzipped is None:
            return Response(self.body, media_type="application/json", headers=headers)
        headers["vary"] = "Accept-Encoding"
        if not accept_gzip:
            return Response(self.body, media_type="application/json", headers=headers)
        headers["content-encoding"] = "gzip"
        return Response(self.gzipped, media_type="application/json", headers=headers)


class ResponseCache:
    """Answers by ``(version, key)``, at most ``max_bytes`` of them (0: keep none)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._entries: OrderedDict[Hashable, CacheEntry] = OrderedDict()
        self._version: Hashable | None = None
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def entry(body: bytes) -> CacheEntry:
        """An entry for ``body`` (compressed here: call it off the event loop, zlib lets go of
        the GIL)."""
        gzipped = gzip.compress(body, GZIP_LEVEL, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        return CacheEntry(body, gzipped)

    def lookup(self, version: Hashable | None, key: Hashable) -> CacheEntry | None:
        """The entry filed under ``key`` at ``version``; a version other than the cache's
        empties it first (the data changed)."""
        if version is None or not self.max_bytes:
            return None
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._bytes = 0
                self._version = version
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def store(self, version: Hashable | None, key: Hashable, entry: CacheEntry) -> None:
        """Keep ``entry`` if ``version`` is still the cache's (else the data has changed
        since it was read, and the entry is dropped)."""
        size = entry.size_bytes
        if version is None or size > self.max_bytes // _MAX_ENTRY_SHARE:
            return
        with self._lock:
            if version != self._version:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size_bytes
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size_bytes
