"""Silence facts (BASIC): all-silent, leading and trailing silence below -60 dBFS."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import SILENCE_DBFS, AnalysisContext
from samplemind.domain.analysis import AnalysisLevel, Silence

__all__ = ["SilenceAnalyzer"]

_BLOCK = 1 << 15


def _loud(chunk: npt.NDArray[np.float32], threshold: float) -> npt.NDArray[np.bool_]:
    return np.asarray((np.abs(chunk) > threshold).any(axis=1), dtype=np.bool_)


def _first_loud(samples: npt.NDArray[np.float32], threshold: float) -> int | None:
    # Block by block from the start: most files are loud within milliseconds.
    for start in range(0, samples.shape[0], _BLOCK):
        mask = _loud(samples[start : start + _BLOCK], threshold)
        if mask.any():
            return start + int(np.argmax(mask))
    return None


def _last_loud(samples: npt.NDArray[np.float32], threshold: float) -> int:
    for end in range(samples.shape[0], 0, -_BLOCK):
        start = max(0, end - _BLOCK)
        mask = _loud(samples[start:end], threshold)
        if mask.any():
            return end - 1 - int(np.argmax(mask[::-1]))
    return 0


class SilenceAnalyzer(Analyzer):
    name = "silence"
    version = 1
    level = AnalysisLevel.BASIC

    def analyze(self, ctx: AnalysisContext) -> Silence:
        signal = ctx.signal
        threshold = 10 ** (SILENCE_DBFS / 20)
        rate = signal.sample_rate_hz
        first = _first_loud(signal.samples, threshold)
        if first is None:
            return Silence(
                is_silent=True,
                leading_silence_s=signal.duration_s,
                trailing_silence_s=signal.duration_s,
            )
        last = _last_loud(signal.samples, threshold)
        return Silence(
            is_silent=False,
            leading_silence_s=round(first / rate, 4),
            trailing_silence_s=round((signal.frames - 1 - last) / rate, 4),
        )
