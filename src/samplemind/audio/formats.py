"""Which files we decode."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SUPPORTED_EXTENSIONS", "is_supported"]

#: Extensions decoded through libsndfile (which includes MP3 since 1.1).
SUPPORTED_EXTENSIONS: frozenset[str] = frozenset(
    {".wav", ".wave", ".aif", ".aiff", ".aifc", ".flac", ".ogg", ".oga", ".mp3", ".w64", ".rf64"}
)


def is_supported(path: Path) -> bool:
    """True when ``path`` has an audio extension we decode (case-insensitive)."""
    return path.suffix.lower() in SUPPORTED_EXTENSIONS
