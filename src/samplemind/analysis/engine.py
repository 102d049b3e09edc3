"""Run a level's analyzers over one file and assemble the :class:`AnalysisResult`."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from samplemind.analysis.base import AnalyzerRegistry
from samplemind.analysis.context import AnalysisContext
from samplemind.analysis.registry import default_registry
from samplemind.audio.decode import decode
from samplemind.audio.signal import AudioSignal
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, AnalysisResult
from samplemind.errors import AnalysisError, SampleMindError

__all__ = ["analyze_file", "analyze_signal"]

log = logging.getLogger(__name__)


def analyze_signal(
    signal: AudioSignal,
    *,
    level: AnalysisLevel = AnalysisLevel.STANDARD,
    settings: Settings | None = None,
    registry: AnalyzerRegistry | None = None,
    only: Collection[str] | None = None,
) -> AnalysisResult:
    """Analyze a decoded signal.

    ``only`` runs just those analyzers (and their dependencies) of ``level``: how a library
    re-runs what is missing or outdated after an analyzer upgrade.

    Raises:
        AnalysisError: an analyzer failed; the message names it.
    """
    settings = settings or Settings.current()
    registry = registry or default_registry()
    started = time.perf_counter()
    ctx = AnalysisContext(signal, level=level, settings=settings)
    fields: dict[str, Any] = {}
    versions: dict[str, int] = {}
    for analyzer in registry.for_level(level, only=only):
        try:
            output = analyzer.analyze(ctx)
        except SampleMindError:
            raise
        except Exception as exc:
            log.exception("%s failed on %s", analyzer.ident, signal.path)
            raise AnalysisError(
                f"{Path(signal.path).name}: analyzer {analyzer.ident} failed ({exc})"
            ) from exc
        ctx.outputs[analyzer.name] = output
        versions[analyzer.name] = analyzer.version
        if output is not None and analyzer.name in AnalysisResult.model_fields:
            fields[analyzer.name] = output
    return AnalysisResult(
        path=signal.path,
        level=level,
        audio=signal.info,
        analyzers=versions,
        elapsed_s=round(time.perf_counter() - started, 4),
        **fields,
    )


def analyze_file(
    path: str | Path,
    *,
    level: AnalysisLevel = AnalysisLevel.STANDARD,
    settings: Settings | None = None,
    registry: AnalyzerRegistry | None = None,
    only: Collection[str] | None = None,
) -> AnalysisResult:
    """Decode ``path`` once and analyze it (in this process).

    Raises:
        AudioError: the file could not be decoded (see :mod:`samplemind.errors`).
        AnalysisError: an analyzer failed.
    """
    settings = settings or Settings.current()
    started = time.perf_counter()
    signal = decode(path, settings)
    result = analyze_signal(signal, level=level, settings=settings, registry=registry, only=only)
    return result.model_copy(update={"elapsed_s": round(time.perf_counter() - started, 4)})
