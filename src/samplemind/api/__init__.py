"""The HTTP API: thin FastAPI routes over the :class:`~samplemind.library.Library` façade.

``create_app(settings)`` builds the app; ``samplemind serve`` runs it with uvicorn.
"""

from __future__ import annotations

from samplemind.api.app import create_app

__all__ = ["create_app"]
