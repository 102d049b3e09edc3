"""SampleMind AI: the AI brain of a producer's sample library.

Example:
    >>> import samplemind
    >>> samplemind.AnalysisLevel.parse("standard").name
    'STANDARD'
"""

from __future__ import annotations

from pathlib import Path

from samplemind.audio.signal import AudioSignal
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, AnalysisResult
from samplemind.domain.music import Mode, MusicalKey
from samplemind.errors import SampleMindError

__all__ = [
    "AnalysisLevel",
    "AnalysisResult",
    "AudioSignal",
    "Mode",
    "MusicalKey",
    "SampleMindError",
    "Settings",
    "__version__",
    "analyze",
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
