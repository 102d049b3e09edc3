"""Analyzers: one module each, registered in :mod:`samplemind.analysis.registry`."""

from samplemind.analysis.base import Analyzer, AnalyzerRegistry
from samplemind.analysis.context import AnalysisContext
from samplemind.analysis.engine import analyze_file, analyze_signal
from samplemind.analysis.registry import default_analyzers, default_registry

__all__ = [
    "AnalysisContext",
    "Analyzer",
    "AnalyzerRegistry",
    "analyze_file",
    "analyze_signal",
    "default_analyzers",
    "default_registry",
]
