"""The API's OpenAPI document, written without a server: what the web app's client is
generated from (``make client``; ``web/openapi.json`` is committed, and a test fails when it
is stale).

Usage::

    python -m samplemind.api.openapi web/openapi.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from samplemind.api.app import create_app
from samplemind.config import Settings

__all__ = ["main", "openapi_document", "openapi_text"]


def openapi_document() -> dict[str, Any]:
    """The document ``/api/openapi.json`` serves (the app is built, nothing is opened)."""
    document: dict[str, Any] = create_app(Settings(api_host="127.0.0.1", api_keys=[])).openapi()
    return document


def openapi_text() -> str:
    """:func:`openapi_document` as stable JSON text (sorted keys, two-space indent)."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the document to the path given (``-``: standard output)."""
    args = sys.argv[1:] if argv is None else argv
    target = args[0] if args else "-"
    text = openapi_text()
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
