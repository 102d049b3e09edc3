"""Placeholder: being written."""

from __future__ import annotations

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.domain.analysis import AnalysisLevel, KeyEstimate

__all__ = ["KeyAnalyzer"]


class KeyAnalyzer(Analyzer):
    name = "key"
    version = 1
    level = AnalysisLevel.STANDARD

    def analyze(self, ctx: AnalysisContext) -> KeyEstimate | None:
        return None
