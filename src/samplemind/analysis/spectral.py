"""Spectral descriptors (STANDARD), all from the context's one power spectrogram.

Averages are energy-weighted over non-silent frames, so a quiet tail does not dilute a hit.
Frames are processed in blocks so a 15-minute file never needs a float64 copy of its spectrogram.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.domain.analysis import AnalysisLevel, Spectral

__all__ = ["SpectralAnalyzer"]

_EPS = 1e-12
_BLOCK = 2048


def _per_frame(
    power: npt.NDArray[np.float32], frames: npt.NDArray[np.float32], freqs: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Rows: total energy, centroid, spread, roll-off, flatness, zero-crossing rate."""
    total = power.sum(axis=1, dtype=np.float64) + _EPS
    centroid = (power @ freqs) / total
    spread = np.sqrt(np.maximum((power @ freqs**2) / total - centroid**2, 0.0))
    cumulative = np.cumsum(power, axis=1, dtype=np.float32)
    rolloff_bins = (cumulative < 0.85 * cumulative[:, -1:]).sum(axis=1)
    rolloff = freqs[np.minimum(rolloff_bins, freqs.size - 1)]
    log_mean = np.log(power + np.float32(_EPS)).mean(axis=1, dtype=np.float64)
    flatness = np.exp(log_mean) / (total / power.shape[1])
    signs = np.signbit(frames)
    zcr = np.count_nonzero(signs[:, 1:] != signs[:, :-1], axis=1) / (frames.shape[1] - 1)
    return np.vstack([total, centroid, spread, rolloff, flatness, zcr])


class SpectralAnalyzer(Analyzer):
    name = "spectral"
    version = 1
    level = AnalysisLevel.STANDARD

    def analyze(self, ctx: AnalysisContext) -> Spectral:
        active = np.flatnonzero(ctx.active)
        rows = [
            _per_frame(ctx.power[idx], ctx.frames[idx], ctx.freqs_hz)
            for idx in np.array_split(active, max(1, active.size // _BLOCK))
        ]
        total, centroid, spread, rolloff, flatness, zcr = np.hstack(rows)
        weights = total / total.sum()
        return Spectral(
            centroid_hz=round(float(weights @ centroid), 1),
            rolloff_hz=round(float(weights @ rolloff), 1),
            flatness=round(float(np.clip(weights @ flatness, 0.0, 1.0)), 4),
            bandwidth_hz=round(float(weights @ spread), 1),
            zero_crossing_rate=round(float(weights @ zcr), 4),
        )
