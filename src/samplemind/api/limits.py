"""Cut request bodies off at a size limit while they stream.

Starlette's own body-limit middleware answers in plain text; ours answers like every other
error (``{"error": {"code": "too_large", ...}}``): at once when ``Content-Length`` already says
too much, or as soon as a streamed (chunked) body passes the limit, so a 10 GB upload never
reaches the disk.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from samplemind.api.errors import problem

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the request body is over the limit of {self.max_bytes:,} bytes"
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await problem(413, "too_large", message)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException passes through FastAPI's body parsing as it is.
                    raise HTTPException(413, message)
            return event

        await self.app(scope, limited, send)
