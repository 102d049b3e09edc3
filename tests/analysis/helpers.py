"""Run one analyzer on a numpy signal, through the real context."""

from __future__ import annotations

from typing import Any

import numpy as np

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.audio.signal import AudioSignal
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel
from tests.signals import SR


def make_signal(samples: np.ndarray, *, sr: int = SR, path: str = "mem.wav") -> AudioSignal:
    return AudioSignal.from_array(samples, sr, path=path)


def context(
    samples: np.ndarray, *, sr: int = SR, path: str = "mem.wav", **outputs: Any
) -> AnalysisContext:
    ctx = AnalysisContext(
        make_signal(samples, sr=sr, path=path), level=AnalysisLevel.DETAILED, settings=Settings()
    )
    ctx.outputs.update(outputs)
    return ctx


def run(analyzer: Analyzer, samples: np.ndarray, **kwargs: Any) -> Any:
    return analyzer.analyze(context(samples, **kwargs))
