"""One transform and the analysis of what it wrote, as a single picklable call: what the
library runs in this process (CLI, Python) or in an isolated worker (the API's pool).

Analyzing the outputs in the same call means the files are read once more while their pages
are warm, and the worker that bore the cost of the transform's imports (pedalboard, librosa,
matchering) also bears the analysis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, AnalysisResult
from samplemind.errors import ProcessingError, SampleMindError
from samplemind.processing.render import TransformReport, master_file, process_file, separate_file

__all__ = ["JobResult", "TransformJob", "run_job"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransformJob:
    """What to run: ``kind`` picks the function of :mod:`~samplemind.processing.render`,
    ``arguments`` are its keyword arguments (picklable: paths, specs, facts)."""

    kind: Literal["process", "master", "separate"]
    arguments: dict[str, Any]
    analysis_level: AnalysisLevel | None = AnalysisLevel.STANDARD


@dataclass(frozen=True)
class JobResult:
    """The report, and per output its analysis or the error that stopped it."""

    report: TransformReport
    analyses: list[AnalysisResult | None] = field(default_factory=list)
    errors: list[tuple[str, str] | None] = field(default_factory=list)


def run_job(job: TransformJob, settings_data: dict[str, Any]) -> JobResult:
    """Run ``job`` with the settings ``settings_data`` (a ``Settings.model_dump()``).

    Raises:
        SampleMindError: the transform failed (anything unexpected becomes ProcessingError).
    """
    settings = Settings.model_validate(settings_data)
    functions: dict[str, Callable[..., TransformReport]] = {
        "process": process_file,
        "master": master_file,
        "separate": separate_file,
    }
    try:
        report: TransformReport = functions[job.kind](**job.arguments, settings=settings)
    except SampleMindError:
        raise
    except Exception as exc:  # a third-party error nobody wrapped: still one typed failure
        log.exception("%s failed", job.kind)
        raise ProcessingError(f"{job.kind} failed: {type(exc).__name__}: {exc}") from exc
    analyses: list[AnalysisResult | None] = []
    errors: list[tuple[str, str] | None] = []
    if job.analysis_level is not None:
        from samplemind.analysis.engine import analyze_file

        for output in report.outputs:
            try:
                analyses.append(
                    analyze_file(output.path, level=job.analysis_level, settings=settings)
                )
                errors.append(None)
            except SampleMindError as exc:
                analyses.append(None)
                errors.append((exc.code, exc.message))
    return JobResult(report=report, analyses=analyses, errors=errors)
