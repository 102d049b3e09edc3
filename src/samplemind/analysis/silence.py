"""Silence facts (BASIC): all-silent, leading and trailing silence below -60 dBFS."""

from __future__ import annotations

import numpy as np

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import SILENCE_DBFS, AnalysisContext
from samplemind.domain.analysis import AnalysisLevel, Silence

__all__ = ["SilenceAnalyzer"]


class SilenceAnalyzer(Analyzer):
    name = "silence"
    version = 1
    level = AnalysisLevel.BASIC

    def analyze(self, ctx: AnalysisContext) -> Silence:
        signal = ctx.signal
        threshold = 10 ** (SILENCE_DBFS / 20)
        loud = np.flatnonzero(np.max(np.abs(signal.samples), axis=1) > threshold)
        rate = signal.sample_rate_hz
        if loud.size == 0:
            return Silence(
                is_silent=True,
                leading_silence_s=signal.duration_s,
                trailing_silence_s=signal.duration_s,
            )
        return Silence(
            is_silent=False,
            leading_silence_s=round(int(loud[0]) / rate, 4),
            trailing_silence_s=round((signal.frames - 1 - int(loud[-1])) / rate, 4),
        )
