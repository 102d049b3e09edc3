"""SampleMind AI: the AI brain of a producer's sample library.

Example:
    >>> import samplemind
    >>> samplemind.AnalysisLevel.parse("standard").name
    'STANDARD'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from samplemind.audio.signal import AudioSignal
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, AnalysisResult
from samplemind.domain.library import Sample, SearchHit, Tag, TagSource
from samplemind.domain.music import Mode, MusicalKey
from samplemind.errors import SampleMindError

if TYPE_CHECKING:
    from samplemind.library import Library

__all__ = [
    "AnalysisLevel",
    "AnalysisResult",
    "AudioSignal",
    "Library",
    "Mode",
    "MusicalKey",
    "Sample",
    "SampleMindError",
    "SearchHit",
    "Settings",
    "Tag",
    "TagSource",
    "__version__",
    "analyze",
    "open_library",
]

__version__ = "0.1.0"


def analyze(
    path: str | Path,
    *,
    level: str | AnalysisLevel = AnalysisLevel.STANDARD,
    settings: Settings | None = None,
) -> AnalysisResult:
    """Decode and analyze one audio file in this process.

    Args:
        path: A WAV, AIFF, FLAC, OGG or MP3 file.
        level: ``"basic"``, ``"standard"`` (default), ``"detailed"`` or ``"professional"``.
        settings: Limits and options; ``Settings()`` (environment, samplemind.toml) when None.

    Raises:
        AudioError: the file cannot be decoded (a subclass says why).
        AnalysisError: an analyzer failed.
        ValueError: ``level`` is not a level.
    """
    from samplemind.analysis.engine import analyze_file

    return analyze_file(path, level=AnalysisLevel.parse(level), settings=settings)


def open_library(settings: Settings | None = None) -> Library:
    """Open the sample library the settings describe (SQLite + embedded ChromaDB by default).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with open_library(Settings(data_dir=tmp)) as library:
        ...         library.count("is:loop")
        0

    Raises:
        StorageUnavailableError: the database cannot be reached.
        ConfigError: an unknown backend in the settings.
    """
    from samplemind.library import open_library as _open

    return _open(settings)


def __getattr__(name: str) -> object:
    # The library stack (SQLAlchemy, ChromaDB) loads on first use, not with ``import samplemind``.
    if name == "Library":
        from samplemind.library import Library

        return Library
    raise AttributeError(f"module 'samplemind' has no attribute {name!r}")
