"""Levels and loudness (BASIC): peak, true peak, RMS, BS.1770 integrated loudness, crest.

Integrated loudness is ITU-R BS.1770-4 / EBU R128 (K-weighting, 400 ms blocks, -70 LUFS
absolute and -10 LU relative gates) from pyloudnorm; the momentary curve of the DETAILED level
comes from Essentia's ``LoudnessEBUR128``. Reference check (tests):
a 997 Hz sine at -23 dBFS on both channels of a stereo file reads -23.0 LUFS, within 0.2 LU of
pyloudnorm on shaped noise; a mono file counts as one channel.
Signals shorter than one 400 ms block are measured over their whole length.
True peak is the maximum of the signal upsampled 4x (BS.1770 Annex 2).
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache

import numpy as np
import pyloudnorm
import scipy.signal
import soxr

from samplemind.analysis._essentia import es
from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext
from samplemind.audio.signal import AudioSignal
from samplemind.domain.analysis import AnalysisLevel, Loudness

__all__ = ["LoudnessAnalyzer", "integrated_loudness", "momentary_loudness", "true_peak"]

_FLOOR_DB = -200.0


def _db(value: float) -> float:
    return 20.0 * math.log10(value) if value > 0 else _FLOOR_DB


def _stereo(signal: AudioSignal) -> np.ndarray:
    """Channels as BS.1770 sees them: mono is one channel (right silent); >2 keep front L/R."""
    samples = signal.samples
    if signal.channels == 1:
        return np.column_stack([samples[:, 0], np.zeros(signal.frames, dtype=np.float32)])
    return np.ascontiguousarray(samples[:, :2])


def _ebur128(signal: AudioSignal) -> tuple[np.ndarray, float]:
    algo = es.LoudnessEBUR128(sampleRate=float(signal.sample_rate_hz), hopSize=0.1)
    momentary, _short_term, integrated, _range = algo(_stereo(signal))
    return np.asarray(momentary, dtype=np.float64), float(integrated)


def integrated_loudness(signal: AudioSignal) -> float | None:
    """Integrated loudness in LUFS, or None when everything is gated out (silence).

    pyloudnorm's BS.1770-4 meter (twice as fast as Essentia's here, equal within 0.05 LU). A
    signal shorter than one 400 ms block is tiled to fill it: the mean square of whole
    repetitions equals the signal's own, so a 100 ms hit is measured over its whole length
    rather than diluted with padding silence.
    """
    samples = signal.samples if signal.channels <= 2 else signal.samples[:, :2]
    block = math.ceil(0.4 * signal.sample_rate_hz) + 1
    if samples.shape[0] < block:
        samples = np.tile(samples, (math.ceil(block / samples.shape[0]), 1))
    data = samples[:, 0] if samples.shape[1] == 1 else samples
    sos, meter = _k_weighting(signal.sample_rate_hz)
    # pyloudnorm's own K-weighting filters, run as one cascade of second-order sections over
    # every channel at once (its per-channel, per-stage lfilter calls were 3x slower); the
    # meter, built with no filters of its own, then does BS.1770's blocks and gates.
    weighted = scipy.signal.sosfilt(sos, data.astype(np.float64, copy=False), axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "possible clipped samples": we report peaks ourselves
        value = float(meter.integrated_loudness(weighted))
    return value if math.isfinite(value) and value > -70.0 else None


@lru_cache(maxsize=8)
def _k_weighting(sample_rate_hz: int) -> tuple[np.ndarray, pyloudnorm.Meter]:
    """pyloudnorm's BS.1770 K-weighting at this rate as second-order sections, and a meter of
    that rate that applies no filter itself (``filter_class="custom"`` with none set)."""
    standard = pyloudnorm.Meter(sample_rate_hz)
    sos = np.vstack([scipy.signal.tf2sos(f.b, f.a) for f in standard._filters.values()])
    gating = pyloudnorm.Meter(sample_rate_hz, filter_class="custom")
    gating._filters = {}
    return sos, gating


def momentary_loudness(signal: AudioSignal) -> list[float]:
    """Momentary loudness (400 ms window) every 100 ms, in LUFS (floored at -70)."""
    momentary, _ = _ebur128(signal)
    return [round(max(float(v), -70.0), 2) for v in momentary]


class LoudnessAnalyzer(Analyzer):
    name = "loudness"
    version = 1
    level = AnalysisLevel.BASIC

    def analyze(self, ctx: AnalysisContext) -> Loudness:
        signal = ctx.signal
        samples = signal.samples
        peak = float(np.max(np.abs(samples)))
        energy = float(np.einsum("ij,ij->", samples, samples, dtype=np.float64))
        rms = float(np.sqrt(energy / samples.size))
        peak_4x = max(peak, true_peak(samples, signal.sample_rate_hz))
        return Loudness(
            peak_dbfs=round(_db(peak), 2),
            true_peak_dbtp=round(_db(peak_4x), 2),
            rms_dbfs=round(_db(rms), 2),
            loudness_lufs=_round(integrated_loudness(signal)),
            crest_factor_db=round(_db(peak) - _db(rms), 2) if rms > 0 else 0.0,
        )


_TP_BLOCK = 2048
_TP_CONTEXT = 256  # samples each side: the filter needs them, and their output rings
_TP_HEADROOM_DB = 6.0


def true_peak(samples: np.ndarray, sample_rate_hz: int) -> float:
    """Peak of ``samples`` ``(frames, channels)`` oversampled 4x (BS.1770-4 Annex 2), linear.

    Only blocks whose sample peak lies within 6 dB of the file's can hold the true peak
    (inter-sample overshoot of real audio stays far below 6 dB), so only those are oversampled,
    each run of them with a little context: a drum loop oversamples a few percent of its length.
    """
    frames = samples.shape[0]
    n_blocks = -(-frames // _TP_BLOCK)
    padded = np.zeros((n_blocks * _TP_BLOCK, samples.shape[1]), dtype=np.float32)
    padded[:frames] = np.abs(samples)
    block_peaks = padded.reshape(n_blocks, _TP_BLOCK, -1).max(axis=(1, 2))
    floor = float(block_peaks.max()) * 10 ** (-_TP_HEADROOM_DB / 20)
    peak = 0.0
    for first_block, last_block in _runs(np.flatnonzero(block_peaks >= floor)):
        first, last = first_block * _TP_BLOCK, min(frames, last_block * _TP_BLOCK)
        start, stop = max(0, first - _TP_CONTEXT), min(frames, last + _TP_CONTEXT)
        chunk = np.ascontiguousarray(samples[start:stop])
        upsampled = soxr.resample(chunk, sample_rate_hz, sample_rate_hz * 4, "HQ")
        # Keep the run's own span: the context's edges ring where the chunk was cut.
        inner = upsampled[4 * (first - start) : 4 * (last - start)]
        if inner.size:
            peak = max(peak, float(np.max(np.abs(inner))))
    return peak


def _runs(blocks: np.ndarray) -> list[tuple[int, int]]:
    """Sorted block indices as ``[first, last)`` runs, bridging gaps of one block: a resampler
    call costs more than oversampling one more block (a sustained loop is one call, not 40)."""
    if blocks.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(blocks) > 2)
    firsts = np.concatenate(([blocks[0]], blocks[breaks + 1]))
    lasts = np.concatenate((blocks[breaks], [blocks[-1]])) + 1
    return [(int(a), int(b)) for a, b in zip(firsts, lasts, strict=True)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
