"""Placeholder: being written."""

from __future__ import annotations

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.domain.analysis import AnalysisLevel, TempoEstimate

__all__ = ["TempoAnalyzer"]


class TempoAnalyzer(Analyzer):
    name = "tempo"
    version = 1
    level = AnalysisLevel.STANDARD

    def analyze(self, ctx: AnalysisContext) -> TempoEstimate | None:
        return None
