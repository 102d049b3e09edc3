"""Find audio files under folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path

import xxhash

from samplemind.audio.formats import is_supported

__all__ = ["DEFAULT_IGNORE", "content_hash", "discover"]

_HASH_BLOCK_BYTES = 1 << 20

#: Folder names never descended into (besides hidden ones).
DEFAULT_IGNORE: frozenset[str] = frozenset(
    {"__MACOSX", "$RECYCLE.BIN", "System Volume Information"}
)


def discover(
    paths: Iterable[str | Path], *, ignore: Iterable[str] = DEFAULT_IGNORE
) -> Iterator[Path]:
    """Yield audio files: each file argument as given, folders walked recursively in name order.

    Files named explicitly are yielded whatever their extension (so the caller reports an
    unsupported one); inside folders only supported audio is picked, hidden files and folders
    skipped, and so are folders and files whose name matches an ``ignore`` pattern (fnmatch
    globs such as ``__MACOSX`` or ``*_bounce*``, case-sensitive). A path that does not exist is
    yielded too, for the caller to report.
    """
    patterns = tuple(ignore)

    def ignored(name: str) -> bool:
        return name.startswith(".") or any(fnmatchcase(name, p) for p in patterns)

    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            if path not in seen:
                seen.add(path)
                yield path
            continue
        for root, dirs, files in os.walk(path, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not ignored(d))
            for name in sorted(files):
                candidate = Path(root) / name
                if ignored(name) or not is_supported(candidate) or candidate in seen:
                    continue
                seen.add(candidate)
                yield candidate


def content_hash(path: str | Path) -> str:
    """xxh3-128 of the file's bytes as 32 hex digits, read in 1 MiB blocks (GB/s, any size).

    Raises:
        OSError: the file cannot be read.

    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile() as f:
        ...     _ = f.write(b"kick"); f.flush()
        ...     content_hash(f.name) == xxhash.xxh3_128_hexdigest(b"kick")
        True
    """
    digest = xxhash.xxh3_128()
    with open(path, "rb") as handle:
        while block := handle.read(_HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()
