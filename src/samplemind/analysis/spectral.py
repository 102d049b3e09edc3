"""Spectral descriptors (STANDARD), all from the context's one power spectrogram.

Averages are energy-weighted over non-silent frames, so a quiet tail does not dilute a hit.
"""

from __future__ import annotations

import numpy as np

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.domain.analysis import AnalysisLevel, Spectral

__all__ = ["SpectralAnalyzer"]

_EPS = 1e-12


class SpectralAnalyzer(Analyzer):
    name = "spectral"
    version = 1
    level = AnalysisLevel.STANDARD

    def analyze(self, ctx: AnalysisContext) -> Spectral:
        power = ctx.power[ctx.active].astype(np.float64)
        freqs = ctx.freqs_hz
        total = power.sum(axis=1) + _EPS
        weights = total / total.sum()
        centroid = (power @ freqs) / total
        spread = np.sqrt(np.maximum((power @ freqs**2) / total - centroid**2, 0.0))
        cumulative = np.cumsum(power, axis=1)
        rolloff_bins = (cumulative < 0.85 * cumulative[:, -1:]).sum(axis=1)
        rolloff = freqs[np.minimum(rolloff_bins, freqs.size - 1)]
        flatness = np.exp(np.mean(np.log(power + _EPS), axis=1)) / (power.mean(axis=1) + _EPS)
        frames = ctx.frames[ctx.active]
        signs = np.signbit(frames)
        zcr = np.count_nonzero(signs[:, 1:] != signs[:, :-1], axis=1) / (frames.shape[1] - 1)
        return Spectral(
            centroid_hz=round(float(weights @ centroid), 1),
            rolloff_hz=round(float(weights @ rolloff), 1),
            flatness=round(float(np.clip(weights @ flatness, 0.0, 1.0)), 4),
            bandwidth_hz=round(float(weights @ spread), 1),
            zero_crossing_rate=round(float(weights @ zcr), 4),
        )
