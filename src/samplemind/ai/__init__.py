"""The AI layer: LLM features over the library (see docs/ai.md).

``AiService`` is the façade (describe, nl_search, advise, build_kit, costs, status); ``Task`` and
``Priority`` name routes. The package loads pydantic-ai only when one of these is first used.

Example:
    >>> from samplemind.ai import Priority
    >>> Priority("quality")
    <Priority.QUALITY: 'quality'>
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from samplemind.ai.router import Priority, Task
    from samplemind.ai.service import AiService

__all__ = ["AiService", "Priority", "Task"]


def __getattr__(name: str) -> Any:
    if name == "AiService":
        from samplemind.ai.service import AiService

        return AiService
    if name in ("Priority", "Task"):
        from samplemind.ai import router

        return getattr(router, name)
    raise AttributeError(f"module 'samplemind.ai' has no attribute {name!r}")
