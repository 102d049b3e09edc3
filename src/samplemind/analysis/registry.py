"""The default set of analyzers. Add an analyzer here to make it part of the pipeline."""

from __future__ import annotations

from samplemind.analysis.base import Analyzer, AnalyzerRegistry
from samplemind.analysis.classify import SampleTypeAnalyzer
from samplemind.analysis.envelope import EnvelopeAnalyzer
from samplemind.analysis.fingerprint import FingerprintAnalyzer
from samplemind.analysis.key import KeyAnalyzer
from samplemind.analysis.loop import LoopAnalyzer
from samplemind.analysis.loudness import LoudnessAnalyzer
from samplemind.analysis.pitch import PitchAnalyzer
from samplemind.analysis.rhythm import RhythmAnalyzer
from samplemind.analysis.silence import SilenceAnalyzer
from samplemind.analysis.spectral import SpectralAnalyzer
from samplemind.analysis.tempo import TempoAnalyzer
from samplemind.analysis.timbre import TimbreAnalyzer

__all__ = ["default_analyzers", "default_registry"]


def default_analyzers() -> list[Analyzer]:
    """Fresh instances of every built-in analyzer, in a sensible default order."""
    return [
        LoudnessAnalyzer(),
        SilenceAnalyzer(),
        LoopAnalyzer(),
        TempoAnalyzer(),
        KeyAnalyzer(),
        PitchAnalyzer(),
        SpectralAnalyzer(),
        EnvelopeAnalyzer(),
        TimbreAnalyzer(),
        SampleTypeAnalyzer(),
        FingerprintAnalyzer(),
        RhythmAnalyzer(),
    ]


def default_registry() -> AnalyzerRegistry:
    """A registry of :func:`default_analyzers`."""
    return AnalyzerRegistry(default_analyzers())
