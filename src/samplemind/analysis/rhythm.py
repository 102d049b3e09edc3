"""Placeholder: being written."""

from __future__ import annotations

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.domain.analysis import AnalysisLevel, Rhythm

__all__ = ["RhythmAnalyzer"]


class RhythmAnalyzer(Analyzer):
    name = "rhythm"
    version = 1
    level = AnalysisLevel.DETAILED

    def analyze(self, ctx: AnalysisContext) -> Rhythm | None:
        return None
