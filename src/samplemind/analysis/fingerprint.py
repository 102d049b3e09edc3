"""Audio fingerprint (STANDARD): a compact vector that finds the same sound in another file.

Made for near-duplicate detection (:mod:`samplemind.analysis.duplicates`): the *same* audio
re-encoded (MP3/Vorbis at 128 kbps and up), resampled (22.05..48 kHz), gain-changed (±12 dB),
folded to mono, or with a few milliseconds of leading silence (or a decoder's padding) added or
removed scores a cosine similarity near 1 (≥ 0.993 measured), while a different sound, even the
same synth kick a semitone up or decaying slower, or the same drum loop 2 % faster, scores
clearly lower (≤ 0.963); the figures are in :mod:`samplemind.analysis.duplicates`.

The vector (:data:`FINGERPRINT_DIMENSIONS` floats, L2-normalised, so cosine = dot product) has
four weighted blocks, all independent of level and measured over the *sound*: from its onset (the
first sample within 30 dB of the peak) to its end (the last sample within 50 dB of it), so
leading and trailing silence do not count.

* **time-frequency shape** (:data:`SPECTRAL_DIMENSIONS`): energy in 32 bands from 30 Hz to
  10 kHz (spaced on ``log(1 + f / 200 Hz)``: finer than mel in the bass) over 5 equal time
  segments of the sound, cube-root compressed, mean removed. Relative time gives 50 ms hats and
  8 s loops the same shape of vector; the 10 kHz ceiling ignores what a 22.05 kHz resample or a
  lossy encoder removes. The first 0.3 s come from frames that start exactly at the onset.
* **pitch** (:data:`PITCH_DIMENSIONS`): the long-term power spectrum from C1 to B3 in semitone
  bands, as shares of the sound's energy, from a 4096-point spectrum at 11025 Hz (2.7 Hz bins):
  the shared 2048-point spectrum at 44.1 kHz has 21.5 Hz bins, too coarse to tell a 55 Hz bass
  note from one at 62 Hz. Near zero for sounds without bass.
* **decay** (:data:`DECAY_DIMENSIONS`): how long the sound stays within 6, 12, 20 and 40 dB of
  its loudest frame, each duration phase-encoded on a log axis. Cosine similarity barely notices
  a slower exponential decay in an energy envelope (both are smooth ramps); these codes turn
  away from each other as the durations part.
* **rhythm** (:data:`RHYTHM_DIMENSIONS`): the autocorrelation of clear onsets (rises of the
  cube-root band energies above 150 Hz) on a log-lag axis, 0.2 .. 2.4 s. One-shots and pads
  leave it at zero; a loop at another tempo moves its peaks.

Duration is deliberately *not* in the vector: compare it separately (the duplicate grouping only
compares sounds of about equal length). Fingerprints compare only when made at the same analysis
rate (``Settings.analysis_sample_rate_hz``, 44.1 kHz by default).

Cost: a matrix product on the shared power spectrogram (``ctx.power``), 52 short FFTs at the
onset and a 4096-point spectrum of the signal at 11025 Hz (the rate the chromagram resamples to):
about as much again as the shared spectrogram itself.

Example:
    >>> import numpy as np
    >>> from samplemind.analysis.context import AnalysisContext
    >>> from samplemind.audio.signal import AudioSignal
    >>> from samplemind.config import Settings
    >>> from samplemind.domain.analysis import AnalysisLevel
    >>> def fp(y, sr=44100):
    ...     signal = AudioSignal.from_array(y, sr)
    ...     ctx = AnalysisContext(signal, level=AnalysisLevel.STANDARD, settings=Settings())
    ...     return np.array(FingerprintAnalyzer().analyze(ctx))
    >>> t = np.arange(22050) / 44100
    >>> kick = np.sin(2 * np.pi * (50 * t + 2.8 * (1 - np.exp(-t / 0.04)))) * np.exp(-t / 0.2)
    >>> a = fp(kick)
    >>> (a.size, round(float(a @ a), 3))
    (256, 1.0)
    >>> quieter_later = np.concatenate([np.zeros(200), 0.25 * kick])
    >>> bool(a @ fp(quieter_later) > 0.99)
    True
    >>> bool(a @ fp(kick * np.exp(-t / 0.3)) < 0.95)  # decays faster: another sound
    True
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
import scipy.fft
import scipy.ndimage

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import FRAME, HOP, AnalysisContext
from samplemind.domain.analysis import AnalysisLevel

__all__ = [
    "DECAY_DIMENSIONS",
    "FINGERPRINT_DIMENSIONS",
    "PITCH_DIMENSIONS",
    "RHYTHM_DIMENSIONS",
    "SPECTRAL_DIMENSIONS",
    "FingerprintAnalyzer",
    "compute_fingerprint",
]

F64 = npt.NDArray[np.float64]

# --- time-frequency shape
_BANDS = 32
_SEGMENTS = 5
#: Segment boundaries at ``(i / _SEGMENTS) ** _SEGMENT_WARP`` of the sound; >1 would make early
#: segments shorter, which measured worse for sweeps and no better for attacks.
_SEGMENT_WARP = 1.0
_FMIN_HZ = 30.0
_FMAX_HZ = 10_000.0
_BREAK_HZ = 200.0  # band spacing is linear below ~this, logarithmic above
_COMPRESS = 1 / 3  # energy exponent for the pitch block and the onset novelty
_SPECTRAL_COMPRESS = 1 / 3
#: Frames computed afresh from the onset sample (hop, span): the shared spectrogram's frames start
#: wherever the file starts, and 13 ms of leading silence would otherwise move the attack.
_ONSET_HOP = 256
_ONSET_SPAN_S = 0.3
_ONSET_PREROLL = FRAME // 4
# --- pitch
_PITCH_RATE_HZ = 11025
_PITCH_FRAME = 4096
_PITCH_HOP = 1024
_MIDI_LOW = 24  # C1, 32.7 Hz
_MIDI_HIGH = 59  # B3, 247 Hz: above this the shared spectrum resolves semitones itself
_PITCH_BLOCK_FRAMES = 256
# --- decay
_DECAY_LEVELS_DB = (6.0, 12.0, 20.0, 40.0)
#: Periods of the phase encoding, in natural-log units of duration.
_DECAY_PERIODS = (1.5, 4.0, 12.0)
_DECAY_MIN_S = 0.001
_DECAY_SOFTNESS_DB = 1.0
# --- rhythm
_RHYTHM_BINS = 36
_NOVELTY_WINDOW_S = 0.2
_NOVELTY_FLOOR = 0.1
_NOVELTY_ABSOLUTE = 0.05
_NOVELTY_FIRST_BAND = 4
_NOVELTY_SMOOTH_HOPS = 1.0
_RHYTHM_MIN_LAG_S = 0.2
_RHYTHM_MAX_LAG_S = 2.4
# --- extent and block weights (weights tuned on the test set: see duplicates.py)
_ONSET_DB = -30.0
_END_DB = -50.0
_SILENT_PEAK = 1e-5  # -100 dBFS: nothing to fingerprint
_W_SPECTRAL = 1.3
_W_PITCH = 1.3
_W_DECAY = 1.0
_W_RHYTHM = 1.4

SPECTRAL_DIMENSIONS = _BANDS * _SEGMENTS
PITCH_DIMENSIONS = _MIDI_HIGH - _MIDI_LOW + 1
DECAY_DIMENSIONS = len(_DECAY_LEVELS_DB) * len(_DECAY_PERIODS) * 2
RHYTHM_DIMENSIONS = _RHYTHM_BINS
FINGERPRINT_DIMENSIONS = (
    SPECTRAL_DIMENSIONS + PITCH_DIMENSIONS + DECAY_DIMENSIONS + RHYTHM_DIMENSIONS
)


class FingerprintAnalyzer(Analyzer):
    """``fingerprint@1``: see the module docstring; None for a silent file."""

    name = "fingerprint"
    version = 1
    level = AnalysisLevel.STANDARD

    def analyze(self, ctx: AnalysisContext) -> list[float] | None:
        vector = compute_fingerprint(ctx)
        if vector is None:
            return None
        return [round(float(v), 6) for v in vector]


def compute_fingerprint(ctx: AnalysisContext) -> F64 | None:
    """The fingerprint of ``ctx``'s signal as a float64 array, or None when it is silent.

    Args:
        ctx: The file's analysis context; reads ``ctx.y``, ``ctx.power`` and the signal at
            11025 Hz.

    Returns:
        :data:`FINGERPRINT_DIMENSIONS` values with unit L2 norm, or None when the peak is below
        -100 dBFS.
    """
    y = ctx.y
    rate = ctx.sample_rate_hz
    extent = _extent(y)
    if extent is None:
        return None
    onset, end = extent
    onset_s = onset / rate
    span_s = max((end - onset) / rate, 1.0 / rate)
    bank = _filterbank(rate, FRAME)
    # A float32 product: upcasting the whole spectrogram first would copy it.
    shared_bands = (ctx.power @ bank.T).astype(np.float64)  # (frames, bands)
    times_s, bands = _band_series(y, onset, rate, bank, shared_bands)

    spectral = _spectral_block(times_s, bands, span_s)
    pitch = _pitch_block(ctx.signal.mono_at(_PITCH_RATE_HZ), onset_s, y[onset:])
    decay = _decay_block(times_s, bands.sum(axis=1), span_s)
    rhythm = _rhythm_block(shared_bands, rate, end)
    vector = np.concatenate(
        [_W_SPECTRAL * spectral, _W_PITCH * pitch, _W_DECAY * decay, _W_RHYTHM * rhythm]
    )
    norm = float(np.linalg.norm(vector))
    if not np.isfinite(norm) or norm == 0.0:
        return None
    out: F64 = vector / norm
    return out


def _extent(y: npt.NDArray[np.float32]) -> tuple[int, int] | None:
    """``(onset, end)`` samples, level-independent; None if silent.

    Onset: the first sample within ``_ONSET_DB`` of the peak. End: one past the last sample
    within ``_END_DB`` of it, so trailing silence (padding, a decoder's delay) is not part of the
    sound.
    """
    if y.shape[0] == 0:
        return None
    magnitude = np.abs(y)
    peak = float(magnitude.max())
    if not peak > _SILENT_PEAK:
        return None
    onset = int(np.argmax(magnitude >= peak * 10 ** (_ONSET_DB / 20)))
    end = y.shape[0] - int(np.argmax(magnitude[::-1] >= peak * 10 ** (_END_DB / 20)))
    return onset, max(end, onset + 1)


@lru_cache(maxsize=8)
def _filterbank(sample_rate_hz: int, n_fft: int) -> npt.NDArray[np.float32]:
    """Triangular bands on ``log(1 + f / 200 Hz)``, each at least ±1 bin wide, rows sum to 1."""

    def warp(hz: F64) -> F64:
        return np.log1p(hz / _BREAK_HZ)

    fmax = min(_FMAX_HZ, sample_rate_hz / 2)
    lo_hi = warp(np.array([_FMIN_HZ, fmax]))
    edges = _BREAK_HZ * np.expm1(np.linspace(lo_hi[0], lo_hi[1], _BANDS + 2))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate_hz)
    bin_hz = sample_rate_hz / n_fft
    centre = edges[1:-1, None]
    lower = np.minimum(edges[:-2, None], centre - bin_hz)
    upper = np.maximum(edges[2:, None], centre + bin_hz)
    rising = (freqs[None, :] - lower) / (centre - lower)
    falling = (upper - freqs[None, :]) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    bank: npt.NDArray[np.float32] = (weights / weights.sum(axis=1, keepdims=True)).astype(
        np.float32
    )
    return bank


def _band_series(
    y: npt.NDArray[np.float32],
    onset: int,
    rate: int,
    bank: npt.NDArray[np.float32],
    shared_bands: F64,
) -> tuple[F64, F64]:
    """Band energies over time, ``(times_s, (n, bands))``, times from the onset (frame centres).

    The first ``_ONSET_SPAN_S`` come from frames placed relative to the onset sample (the first
    starting ``_ONSET_PREROLL`` samples before it, so the attack meets the window's rising half,
    not its zero edge); the rest from the shared spectrogram, whose frame grid is fixed to the
    start of the file. Audio before the file's start counts as silence.
    """
    n_head = int(_ONSET_SPAN_S * rate / _ONSET_HOP) + 1
    needed = (n_head - 1) * _ONSET_HOP + FRAME
    start = onset - _ONSET_PREROLL
    head = y[max(start, 0) : start + needed]
    head = np.pad(head, (max(-start, 0), needed - head.shape[0] - max(-start, 0)))
    frames = np.lib.stride_tricks.sliding_window_view(head, FRAME)[::_ONSET_HOP][:n_head]
    spectrum = scipy.fft.rfft(frames * np.hanning(FRAME).astype(np.float32), axis=1)
    head_bands = ((spectrum.real**2 + spectrum.imag**2) @ bank.T).astype(np.float64)
    head_times = (np.arange(n_head) * _ONSET_HOP + FRAME / 2 - _ONSET_PREROLL) / rate
    shared_times = (np.arange(shared_bands.shape[0]) * HOP + FRAME / 2 - onset) / rate
    later = shared_times > head_times[-1]
    times: F64 = np.concatenate([head_times, shared_times[later]])
    bands: F64 = np.concatenate([head_bands, shared_bands[later]])
    return times, bands


def _segment_means(values: F64, times: F64, bounds: F64) -> F64:
    """Mean of the piecewise-linear ``values(times)`` (held flat outside) over each segment.

    Exact integrals, so a long segment averages every frame in it and a segment shorter than a
    hop still gets the interpolated value.
    """
    n = times.shape[0]
    if n == 1:
        return np.repeat(values, bounds.shape[0] - 1, axis=0)
    step = np.diff(times)
    cumulative = np.concatenate(
        [
            np.zeros((1, values.shape[1])),
            np.cumsum((values[1:] + values[:-1]) / 2 * step[:, None], 0),
        ]
    )
    x = np.clip(bounds, times[0], times[-1])
    k = np.clip(np.searchsorted(times, x, side="right") - 1, 0, n - 2)
    d = x - times[k]
    slope = (values[k + 1] - values[k]) / step[k, None]
    integral = cumulative[k] + d[:, None] * values[k] + slope * (d**2 / 2)[:, None]
    # Held flat before the first and after the last frame centre.
    integral += (np.minimum(bounds, times[0]) - times[0])[:, None] * values[0]
    integral += (np.maximum(bounds, times[-1]) - times[-1])[:, None] * values[-1]
    widths = np.maximum(np.diff(bounds), 1e-12)
    means: F64 = np.diff(integral, axis=0) / widths[:, None]
    return means


def _spectral_block(times: F64, bands: F64, span_s: float) -> F64:
    bounds = span_s * (np.arange(_SEGMENTS + 1) / _SEGMENTS) ** _SEGMENT_WARP
    means = np.maximum(_segment_means(bands, times, bounds), 0.0)
    peak = float(means.max())
    if peak <= 0:
        return np.zeros(SPECTRAL_DIMENSIONS)
    shape = (means / peak) ** _SPECTRAL_COMPRESS
    shape -= shape.mean()
    return _unit(shape.ravel())


def _pitch_block(
    y: npt.NDArray[np.float32], onset_s: float, full_band: npt.NDArray[np.float32]
) -> F64:
    """Semitone-band long-term spectrum C1..B3 as shares of all the sound's energy, compressed.

    ``y`` is the signal at 11025 Hz, ``full_band`` the same from the onset at the analysis rate:
    the share is of the full-band energy, so a hi-hat (nothing below 5.5 kHz) has a near-zero
    block instead of a magnified noise floor.
    """
    start = round(onset_s * _PITCH_RATE_HZ)
    y = y[start:]
    kept = _mean_square(y)
    full = _mean_square(full_band)
    if y.shape[0] < _PITCH_FRAME:
        y = np.pad(y, (0, _PITCH_FRAME - y.shape[0]))
    frames = np.lib.stride_tricks.sliding_window_view(y, _PITCH_FRAME)[::_PITCH_HOP]
    window = np.hanning(_PITCH_FRAME).astype(np.float32)
    total = np.zeros(_PITCH_FRAME // 2 + 1)
    for first in range(0, frames.shape[0], _PITCH_BLOCK_FRAMES):
        spectrum = scipy.fft.rfft(frames[first : first + _PITCH_BLOCK_FRAMES] * window, axis=1)
        total += (spectrum.real**2 + spectrum.imag**2).sum(axis=0, dtype=np.float64)
    reference = float(total.sum()) * full / kept if kept > 0 else 0.0
    if not reference > 0:
        return np.zeros(PITCH_DIMENSIONS)
    weights = _semitone_bank()
    return np.asarray((weights @ total / reference) ** _COMPRESS, dtype=np.float64)


@lru_cache(maxsize=1)
def _semitone_bank() -> F64:
    freqs = np.fft.rfftfreq(_PITCH_FRAME, 1.0 / _PITCH_RATE_HZ)
    midi = 69.0 + 12.0 * np.log2(np.maximum(freqs, 1e-3) / 440.0)
    centres = np.arange(_MIDI_LOW, _MIDI_HIGH + 1, dtype=np.float64)
    bank: F64 = np.maximum(0.0, 1.0 - np.abs(midi[None, :] - centres[:, None]))
    return bank


def _decay_block(times: F64, energy: F64, span_s: float) -> F64:
    """Time spent within each ``_DECAY_LEVELS_DB`` of the peak, phase-encoded on a log axis.

    Each duration ``d`` becomes ``cos, sin(2 pi ln(d) / P)`` for the periods ``P`` of
    ``_DECAY_PERIODS``: the dot product of two encodings is then the mean of
    ``cos(2 pi ln(d1 / d2) / P)``, near 1 for a 2 % difference, low for 50 %.
    """
    peak = float(energy.max())
    if peak <= 0:
        return np.zeros(DECAY_DIMENSIONS)
    level_db = 10.0 * np.log10(np.maximum(energy / peak, 1e-12))
    # Each frame stands for the time up to the midpoints with its neighbours, the last one up to
    # the end of the sound.
    edges = np.concatenate([[0.0], (times[1:] + times[:-1]) / 2, [max(span_s, times[-1])]])
    cell_s = np.diff(np.clip(edges, 0.0, None))
    thresholds = -np.asarray(_DECAY_LEVELS_DB)
    above = 1.0 / (1.0 + np.exp(-(level_db[None, :] - thresholds[:, None]) / _DECAY_SOFTNESS_DB))
    durations_s = np.maximum(above @ cell_s, _DECAY_MIN_S)
    angle = 2 * np.pi * np.log(durations_s)[:, None] / np.asarray(_DECAY_PERIODS)[None, :]
    return _unit(np.stack([np.cos(angle), np.sin(angle)], axis=-1).ravel())


def _rhythm_block(shared_bands: F64, rate: int, end: int) -> F64:
    """Autocorrelation of the onset novelty, max-pooled into log-spaced lag bins.

    Novelty: the rise of cube-root band energies summed over bands, minus its 0.2 s local mean,
    half-wave rectified; a one-shot's novelty is one spike, so its block stays near zero.
    """
    out = np.zeros(RHYTHM_DIMENSIONS)
    peak = float(shared_bands.max())
    if shared_bands.shape[0] < 3 or peak <= 0:
        return out
    hop_s = HOP / rate
    # Bands below ~150 Hz are left out: a bass note's energy there wobbles from frame to frame with
    # the phase of its few periods in the window, which would read as a rhythm.
    compressed = (shared_bands[:, _NOVELTY_FIRST_BAND:] / peak) ** _COMPRESS
    # Silence before the first frame, so a file that starts with its attack has that onset.
    flux = np.maximum(np.diff(compressed, axis=0, prepend=0.0), 0.0).sum(axis=1)
    width = max(1, round(_NOVELTY_WINDOW_S / hop_s))
    novelty = np.maximum(flux - scipy.ndimage.uniform_filter1d(flux, width, mode="nearest"), 0.0)
    # Frames that reach past the end of the sound: a sound cut short clicks there, and how much
    # of the click a frame catches depends on where the frame grid falls.
    novelty[np.arange(novelty.shape[0]) * HOP + FRAME > end] = 0.0
    # An attack split over two frames or caught by one should look alike.
    novelty = scipy.ndimage.gaussian_filter1d(novelty, _NOVELTY_SMOOTH_HOPS, mode="constant")
    # Only clear onsets: neither the frame-to-frame ripple of a bass note nor the beating of a pad
    # is a rhythm. An onset from silence to the loudest level in every band would rise by
    # ``full_rise``; smaller rises than a fraction of it, or of the strongest onset, are dropped.
    full_rise = float(compressed.max(axis=0).sum())
    floor = max(_NOVELTY_FLOOR * float(novelty.max()), _NOVELTY_ABSOLUTE * full_rise)
    novelty[novelty < floor] = 0.0
    size = 1 << int(np.ceil(np.log2(2 * novelty.shape[0])))
    spectrum = np.fft.rfft(novelty, size)
    acf = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, size)[: novelty.shape[0]]
    if not acf[0] > 0:
        return out
    acf /= acf[0]
    edges = np.geomspace(_RHYTHM_MIN_LAG_S, _RHYTHM_MAX_LAG_S, _RHYTHM_BINS + 1) / hop_s
    for i in range(_RHYTHM_BINS):
        lo, hi = int(np.ceil(edges[i])), int(np.floor(edges[i + 1]))
        if lo >= acf.shape[0]:
            break
        if hi >= lo:
            out[i] = float(acf[lo : min(hi, acf.shape[0] - 1) + 1].max())
        else:  # a bin narrower than a hop: interpolate at its centre
            centre = (edges[i] + edges[i + 1]) / 2
            out[i] = float(np.interp(centre, np.arange(acf.shape[0]), acf))
    return out


def _mean_square(y: npt.NDArray[np.float32]) -> float:
    if y.shape[0] == 0:
        return 0.0
    total: float = float(np.einsum("i,i->", y, y, dtype=np.float64))
    return total / len(y)


def _unit(x: F64) -> F64:
    norm = float(np.linalg.norm(x))
    out: F64 = x / norm if norm > 0 else x
    return out
