"""Timbre vector (STANDARD): a fixed-length, L2-normalised description for similarity search.

64 dimensions: the mean (20) and standard deviation (20) of MFCC 1..20 (c0, i.e. level, dropped so
gain does not matter) and a 24-band log-mel spectral shape with its mean removed, over non-silent
frames. Each group is scaled to comparable magnitude before the final L2 normalisation, so cosine
similarity weighs spectral envelope, its movement and the coarse spectral shape alike.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.domain.analysis import AnalysisLevel

__all__ = ["TIMBRE_DIMENSIONS", "TimbreAnalyzer"]

TIMBRE_DIMENSIONS = 64
_N_MFCC = 20
_N_SHAPE = 24


class TimbreAnalyzer(Analyzer):
    name = "timbre"
    version = 1
    level = AnalysisLevel.STANDARD

    def analyze(self, ctx: AnalysisContext) -> list[float]:
        mel = ctx.mel[ctx.active].astype(np.float64)
        log_mel = np.log10(mel + 1e-6)
        mfcc = scipy.fft.dct(log_mel, type=2, norm="ortho", axis=1)[:, 1 : _N_MFCC + 1]
        mean = mfcc.mean(axis=0)
        std = mfcc.std(axis=0)
        bands = np.array_split(log_mel.mean(axis=0), _N_SHAPE)
        shape = np.array([band.mean() for band in bands])
        shape -= shape.mean()
        parts = [_unit(mean), _unit(std) * 0.5, _unit(shape)]
        vector = np.concatenate(parts)
        norm = float(np.linalg.norm(vector))
        if norm == 0:
            vector = np.full(TIMBRE_DIMENSIONS, 1 / np.sqrt(TIMBRE_DIMENSIONS))
        else:
            vector /= norm
        return [round(float(v), 6) for v in vector]


def _unit(x: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(x))
    return x / norm if norm > 0 else x
