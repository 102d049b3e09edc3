"""The built web app (``web/dist``) at ``/``, with the single-page-app fallback.

Real routes always win: this router is included last, and a path under a reserved prefix
(``/api``, ``/health``, ``/ready``, ``/metrics``, ``/docs``) never falls back to the app, so a
mistyped API path is a JSON 404, not an HTML page. A file that exists in the build is served
as it is (hashed assets under ``assets/`` as immutable for a year, everything else revalidated
every time, so a new build is picked up at once); any other GET that asks for a page gets
``index.html``, where the app's router takes over.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException

from samplemind.config import Settings

__all__ = ["RESERVED_PREFIXES", "default_web_dir", "web_router"]

#: First path segments that belong to the server, never to the web app.
RESERVED_PREFIXES = frozenset({"api", "health", "ready", "metrics", "docs", "redoc"})

_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SampleMind</title>
<style>body{font:16px system-ui;background:#111418;color:#e6e8eb;max-width:40em;margin:4em auto}
code{background:#22262c;padding:.1em .3em;border-radius:3px}</style></head>
<body><h1>SampleMind</h1><p>The web app is not built. Run <code>make run</code>, or
<code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code>, then reload.</p>
<p>The API is here: <a href="/api/docs" style="color:#7cc4ff">/api/docs</a>.</p></body></html>
"""


def default_web_dir() -> Path:
    """``web/dist`` of the source checkout this package runs from."""
    return Path(__file__).resolve().parents[3] / "web" / "dist"


def web_router(settings: Settings) -> APIRouter:
    """Routes serving the built app from ``settings.web_dir`` (or :func:`default_web_dir`)."""
    root = Path(os.path.realpath(settings.web_dir or default_web_dir()))
    router = APIRouter(include_in_schema=False)

    def page() -> Response:
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT, headers={"Cache-Control": _REVALIDATE})
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": _REVALIDATE})

    @router.get("/")
    def web_index() -> Response:
        return page()

    @router.get("/{path:path}")
    def web_file(path: str, request: Request) -> Response:
        first = path.split("/", 1)[0]
        if first in RESERVED_PREFIXES:
            raise HTTPException(404, f"no route {request.url.path}")
        candidate = Path(os.path.realpath(root / path))
        if candidate.is_relative_to(root) and candidate.is_file():
            immutable = candidate.is_relative_to(root / "assets")
            return FileResponse(
                candidate, headers={"Cache-Control": _IMMUTABLE if immutable else _REVALIDATE}
            )
        # A missing file with an extension (a stale asset, /favicon.png) is a 404; anything
        # else is a route of the app.
        if "." in path.rsplit("/", 1)[-1] or path.startswith("assets/"):
            raise HTTPException(404, f"no file {request.url.path}")
        return page()

    return router
