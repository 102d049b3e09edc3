"""Find audio files under folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from samplemind.audio.formats import is_supported

__all__ = ["DEFAULT_IGNORE", "discover"]

#: Folder names never descended into (besides hidden ones).
DEFAULT_IGNORE: frozenset[str] = frozenset(
    {"__MACOSX", "$RECYCLE.BIN", "System Volume Information"}
)


def discover(
    paths: Iterable[str | Path], *, ignore: frozenset[str] = DEFAULT_IGNORE
) -> Iterator[Path]:
    """Yield audio files: each file argument as given, folders walked recursively in name order.

    Files named explicitly are yielded whatever their extension (so the caller reports an
    unsupported one); inside folders only supported audio is picked, hidden files and folders and
    ``ignore`` names skipped. A path that does not exist is yielded too, for the caller to report.
    """
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            if path not in seen:
                seen.add(path)
                yield path
            continue
        for root, dirs, files in os.walk(path, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ignore)
            for name in sorted(files):
                candidate = Path(root) / name
                if name.startswith(".") or not is_supported(candidate) or candidate in seen:
                    continue
                seen.add(candidate)
                yield candidate
