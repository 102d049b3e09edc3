"""Placeholder: being written."""

from __future__ import annotations

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.domain.analysis import AnalysisLevel, LoopEstimate

__all__ = ["LoopAnalyzer"]


class LoopAnalyzer(Analyzer):
    name = "loop"
    version = 1
    level = AnalysisLevel.STANDARD

    def analyze(self, ctx: AnalysisContext) -> LoopEstimate | None:
        return None
