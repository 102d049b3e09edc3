"""API keys and per-client rate limits.

On loopback with no keys configured the API is open (a producer's own machine). Bound anywhere
else it refuses to start without keys (:func:`check_exposure`). Keys are compared in constant
time, against every configured key, so timing says nothing about which part matched.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import SecretStr

from samplemind.errors import AuthenticationError, ConfigError, RateLimitError

__all__ = ["KeyChecker", "RateLimiter", "check_exposure", "is_loopback"]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``).

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
        (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def check_exposure(host: str, keys: list[SecretStr]) -> None:
    """Refuse to serve beyond loopback without an API key.

    Raises:
        ConfigError: ``host`` is not loopback and no key is configured.
    """
    if not is_loopback(host) and not [k for k in keys if k.get_secret_value().strip()]:
        raise ConfigError(
            f"refusing to listen on {host} without an API key: set SAMPLEMIND_API_KEYS "
            "(a JSON list, e.g. '[\"a-long-random-key\"]') or bind to 127.0.0.1"
        )


class KeyChecker:
    """Checks ``Authorization: Bearer <key>``; ``enabled`` when any key is configured."""

    def __init__(self, keys: list[SecretStr]) -> None:
        self._keys = [k.get_secret_value().encode() for k in keys if k.get_secret_value().strip()]

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def client_id(self, authorization: str | None) -> str | None:
        """Who is calling: a digest of the key (never the key), or None when checks are off.

        Raises:
            AuthenticationError: checks are on and the header is missing or wrong.
        """
        if not self._keys:
            return None
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("this API needs `Authorization: Bearer <api key>`")
        given = token.strip().encode()
        matched = False
        for key in self._keys:  # every key, always: no early exit to time
            matched |= hmac.compare_digest(given, key)
        if not matched:
            raise AuthenticationError("the API key is not valid")
        return "key:" + hashlib.sha256(given).hexdigest()[:16]


class RateLimiter:
    """Moving-window limits per client on the expensive routes (the ``limits`` package)."""

    def __init__(self, spec: str) -> None:
        try:
            self._items: list[RateLimitItem] = parse_many(spec)
        except ValueError as exc:
            raise ConfigError(
                f"rate_limit {spec!r} is not valid: use e.g. '60/minute' or '10/second;300/hour'"
            ) from exc
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, client: str, *, bucket: str = "expensive") -> None:
        """Count one request by ``client``.

        Raises:
            RateLimitError: over a limit, with how long to wait.
        """
        for item in self._items:
            if not self._limiter.hit(item, bucket, client):
                stats = self._limiter.get_window_stats(item, bucket, client)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                raise RateLimitError(
                    f"too many requests: the limit is {item}; retry in {wait} s",
                    retry_after_s=wait,
                )
