"""Prometheus metrics: HTTP requests and latency by route template, analyses and scans.

Each app has its own registry (two apps in one process, as in tests, never collide). Routes are
labelled by their template (``/api/samples/{sample_id}``), never the raw path, so a scan of ids
cannot blow up the label set; a request no route matched is labelled ``unmatched``.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Metrics", "MetricsMiddleware"]

_LATENCY_BUCKETS_S = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_ANALYSIS_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class Metrics:
    """The app's collectors."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "samplemind_http_requests",
            "HTTP requests by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "samplemind_http_request_duration_seconds",
            "Time to the end of the response, by method and route template.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.cache = Counter(
            "samplemind_response_cache_lookups",
            "Search and sample-detail answers by whether they came from the response cache "
            "(hit) or were made (miss; also while the cache is off).",
            ["result"],
            registry=self.registry,
        )
        self.analyses = Counter(
            "samplemind_analyses",
            "Files analyzed, by where they came from (upload, similar, scan) and outcome.",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.transforms = Counter(
            "samplemind_transforms",
            "Transforms run (process, master, stems), by outcome.",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.analysis_seconds = Histogram(
            "samplemind_analysis_duration_seconds",
            "Time to analyze one uploaded file in a worker, queueing included.",
            ["source"],
            buckets=_ANALYSIS_BUCKETS_S,
            registry=self.registry,
        )


class MetricsMiddleware:
    """Pure ASGI (no buffering, so streamed audio and server-sent events pass untouched)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
