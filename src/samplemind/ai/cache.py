"""The response cache: the same question to the same model is answered once per TTL.

Keys are digests of (feature and its prompt version, model, prompt, output schema), so a new
prompt version or another model never reads an old answer. Two backends behind one small port:
:class:`LruCache` (in-process, the default) and :class:`RedisCache` (shared between processes
and machines; used when ``redis_url`` is set). A cache never fails a call: a Redis error is
logged and read as a miss.

Example:
    >>> import asyncio
    >>> cache = LruCache(size=2, ttl_s=60)
    >>> asyncio.run(cache.set("k", "v"))
    >>> asyncio.run(cache.get_many(["k", "other"]))
    ['v', None]
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from samplemind.config import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["LruCache", "NullCache", "RedisCache", "ResponseCache", "cache_key", "create_cache"]

log = logging.getLogger(__name__)


def cache_key(*parts: Any) -> str:
    """A stable digest of JSON-able parts."""
    return hashlib.blake2b(
        orjson.dumps(parts, option=orjson.OPT_SORT_KEYS), digest_size=20
    ).hexdigest()


class ResponseCache(ABC):
    """Answers by key, each kept ``ttl_s`` seconds."""

    ttl_s: float

    @abstractmethod
    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        """The cached value of each key, None for a miss (one round trip)."""

    @abstractmethod
    async def set(self, key: str, value: str) -> None: ...

    @abstractmethod
    async def clear(self) -> None:
        """Forget every entry this cache holds."""

    async def aclose(self) -> None:
        return None

    @property
    def name(self) -> str:
        return type(self).__name__


class NullCache(ResponseCache):
    """No caching (``ai_cache_ttl_s = 0``)."""

    ttl_s = 0.0

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        return [None] * len(keys)

    async def set(self, key: str, value: str) -> None:
        return None

    async def clear(self) -> None:
        return None


class LruCache(ResponseCache):
    """In-process, least recently used entries go first, each expires after ``ttl_s``."""

    def __init__(
        self, *, size: int, ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        now = self._clock()
        found: list[str | None] = []
        with self._lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is None or entry[0] <= now:
                    if entry is not None:
                        del self._entries[key]
                    found.append(None)
                    continue
                self._entries.move_to_end(key)
                found.append(entry[1])
        return found

    async def set(self, key: str, value: str) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + self.ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    async def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisCache(ResponseCache):
    """Redis (``redis.asyncio``): ``SET key value EX ttl`` under a prefix, ``MGET`` to read."""

    def __init__(self, url: str, *, ttl_s: float, prefix: str = "samplemind:ai:") -> None:
        from redis.asyncio import Redis

        self.ttl_s = ttl_s
        self.prefix = prefix
        self._url = url
        self._client: Redis = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    async def get_many(self, keys: Sequence[str]) -> list[str | None]:
        from redis.exceptions import RedisError

        if not keys:
            return []
        try:
            values = await self._client.mget([self.prefix + k for k in keys])
        except (RedisError, OSError) as exc:
            log.warning("AI cache: Redis read failed (%s); answering without the cache", exc)
            return [None] * len(keys)
        return [v.decode() if isinstance(v, bytes) else v for v in values]

    async def set(self, key: str, value: str) -> None:
        from redis.exceptions import RedisError

        try:
            await self._client.set(self.prefix + key, value, ex=max(1, int(self.ttl_s)))
        except (RedisError, OSError) as exc:
            log.warning("AI cache: Redis write failed (%s)", exc)

    async def clear(self) -> None:
        from redis.exceptions import RedisError

        try:
            async for key in self._client.scan_iter(match=self.prefix + "*", count=500):
                await self._client.delete(key)
        except (RedisError, OSError) as exc:
            log.warning("AI cache: Redis clear failed (%s)", exc)

    async def aclose(self) -> None:
        await self._client.aclose()


def create_cache(settings: Settings) -> ResponseCache:
    """Redis when ``redis_url`` is set, else an in-process LRU; none when the TTL is 0."""
    if settings.ai_cache_ttl_s <= 0:
        return NullCache()
    if settings.redis_url:
        return RedisCache(settings.redis_url, ttl_s=settings.ai_cache_ttl_s)
    return LruCache(size=settings.ai_cache_size, ttl_s=settings.ai_cache_ttl_s)
