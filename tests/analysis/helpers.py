"""Run one analyzer on a numpy signal, through the real context."""

from __future__ import annotations

from typing import Any

import numpy as np

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.audio.signal import AudioSignal
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, AudioInfo
from tests.signals import SR


def make_signal(samples: np.ndarray, *, sr: int = SR, path: str = "mem.wav") -> AudioSignal:
    data = samples.astype(np.float32)
    if data.ndim == 1:
        data = data[:, None]
    info = AudioInfo(
        format="WAV",
        subtype="FLOAT",
        bit_depth=32,
        sample_rate_hz=sr,
        channels=data.shape[1],
        frames=data.shape[0],
        duration_s=data.shape[0] / sr,
        file_size_bytes=data.nbytes,
    )
    return AudioSignal(path, data, sr, info)


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
