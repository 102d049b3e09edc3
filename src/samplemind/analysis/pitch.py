"""Placeholder: being written."""

from __future__ import annotations

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.domain.analysis import AnalysisLevel, PitchEstimate

__all__ = ["PitchAnalyzer"]


class PitchAnalyzer(Analyzer):
    name = "pitch"
    version = 1
    level = AnalysisLevel.STANDARD

    def analyze(self, ctx: AnalysisContext) -> PitchEstimate | None:
        return None
