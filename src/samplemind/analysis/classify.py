"""Sample type (STANDARD): what a sound *is* — kick, snare, … pad, vocal, fx — by a trained model.

The model (:mod:`samplemind.ml.sample_type`, an ONNX file) reads a fixed vector of descriptors
that :func:`sound_features` computes from the first seconds of a mono signal:

* **spectral shape** over three windows after the onset — the attack (0–50 ms), the body
  (50–400 ms) and the tail (0.4–3 s) — as 32 log-mel band levels each, in dB re the loudest band
  (so gain does not matter), plus the levels of each window re the attack;
* **envelope**: time to peak, decay times to -10/-20/-40 dB, levels at fixed times after the peak,
  temporal centroid and audible length (log seconds);
* **spectral statistics**: centroid, bandwidth, roll-off, flatness and flux, early and overall;
  zero-crossing rate;
* **pitch evidence**: harmonicity (peak of the normalised autocorrelation between 40 Hz and
  2 kHz), the fraction of voiced frames, the median fundamental (log2 Hz) and its spread in
  semitones (pitch stability: a pad holds, a tom falls, a vocal wanders);
* **timbre**: mean and spread of MFCC 1–13 over audible frames.

Leading silence is skipped and the peak normalised first, so a late start or a quiet file looks
the same as a tight, loud one. The training recipe (soundfonts rendered note by note, hard
augmentation, cross-soundfont evaluation) and the measured accuracy are in docs/ml.md.

**Loops** are not one sound: a loop is cut at its onsets and each piece is classified. When most
of its energy is in drum hits, the loop is ``drums``; otherwise it takes the tonal class with the
highest energy-weighted mean probability (a bass loop is ``bass``, a chord loop ``keys``, …).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import scipy.fft

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext, frame_signal, mel_filterbank
from samplemind.analysis.rhythm import onset_times
from samplemind.domain.analysis import AnalysisLevel, LoopEstimate, SampleTypeEstimate, Silence
from samplemind.ml.sample_type import (
    DRUM_TYPES,
    LOOP_DRUMS,
    SampleTypeModel,
    load_sample_type_model,
)

__all__ = [
    "FEATURE_NAMES",
    "SAMPLE_RATE_HZ",
    "SampleTypeAnalyzer",
    "classify_loop",
    "classify_sound",
    "sound_features",
]

#: The features are defined at this rate; other rates are resampled by the caller.
SAMPLE_RATE_HZ = 44100
_N_FFT = 1024
_HOP = 256  # 5.8 ms: a closed hat lasts a few frames
_N_BANDS = 32
_MAX_S = 3.0
_START_DB = -50.0
_PRE_ROLL_S = 0.005
_WINDOWS_S = ((0.0, 0.05), (0.05, 0.4), (0.4, _MAX_S))
_LEVEL_TIMES_S = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
_FLOOR_DB = -100.0
_ACF_FRAME = 2048
_ACF_HOP = 1024
_F0_MIN_HZ, _F0_MAX_HZ = 40.0, 2000.0
_VOICED = 0.6
_N_MFCC = 13
#: A loop is cut into at most this many pieces, each at most this long.
_MAX_PIECES = 16
_MAX_PIECE_S = 0.5
_MIN_PIECE_S = 0.03

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]


def _names() -> tuple[str, ...]:
    names: list[str] = []
    for window in ("attack", "body", "tail"):
        names += [f"{window}_band{i:02d}_db" for i in range(_N_BANDS)]
    names += ["body_re_attack_db", "tail_re_attack_db"]
    names += [
        "log_time_to_peak_s",
        "log_decay10_s",
        "log_decay20_s",
        "log_decay40_s",
        *(f"level_at_{t:g}s_db" for t in _LEVEL_TIMES_S),
        "log_temporal_centroid_s",
        "log_audible_s",
    ]
    names += [
        "log_centroid_hz",
        "log_centroid_early_hz",
        "centroid_spread_oct",
        "log_bandwidth_hz",
        "log_rolloff_hz",
        "flatness",
        "flatness_early",
        "flux",
        "zero_crossing_rate",
    ]
    names += ["harmonicity", "harmonicity_max", "voiced_fraction", "log2_f0_hz", "f0_spread_st"]
    names += [f"mfcc{i}_mean" for i in range(1, _N_MFCC + 1)]
    names += [f"mfcc{i}_std" for i in range(1, _N_MFCC + 1)]
    return tuple(names)


#: Names of the values :func:`sound_features` returns, in order (the model's input).
FEATURE_NAMES = _names()


_MEL = mel_filterbank(
    SAMPLE_RATE_HZ, _N_FFT, n_mels=_N_BANDS, fmin_hz=30.0, fmax_hz=16000.0
).T.astype(np.float64)


def _start(y: F32) -> int:
    """First sample within 50 dB of the peak, less a 5 ms pre-roll."""
    magnitude = np.abs(y)
    peak = float(magnitude.max()) if magnitude.size else 0.0
    if peak <= 0.0:
        return 0
    loud = int(np.argmax(magnitude >= peak * 10 ** (_START_DB / 20)))
    return max(0, loud - int(_PRE_ROLL_S * SAMPLE_RATE_HZ))


def _log_s(seconds: float) -> float:
    return math.log(max(seconds, 1e-3))


def _window_db(power: F64, times: F64, lo: float, hi: float, reference: float) -> F64:
    chosen = power[(times >= lo) & (times < hi)]
    if chosen.shape[0] == 0:
        return np.full(_N_BANDS, _FLOOR_DB)
    mean = chosen.mean(axis=0)
    db: F64 = np.maximum(10.0 * np.log10(mean / reference + 1e-12), _FLOOR_DB)
    return db


def _envelope(level_db: F64, step_s: float) -> list[float]:
    peak = int(np.argmax(level_db))
    after = level_db[peak:]

    def decay(drop_db: float) -> float:
        below = np.flatnonzero(after < -drop_db)
        return (int(below[0]) if below.size else after.size) * step_s

    levels = []
    for t in _LEVEL_TIMES_S:
        index = peak + int(t / step_s)
        levels.append(float(level_db[index]) if index < level_db.size else _FLOOR_DB)
    weights = 10 ** (level_db / 10)
    times = np.arange(level_db.size) * step_s
    centroid = float(weights @ times / max(float(weights.sum()), 1e-12))
    audible = np.flatnonzero(level_db > -60.0)
    audible_s = (int(audible[-1]) + 1) * step_s if audible.size else step_s
    return [
        _log_s(peak * step_s),
        _log_s(decay(10.0)),
        _log_s(decay(20.0)),
        _log_s(decay(40.0)),
        *levels,
        _log_s(centroid),
        _log_s(audible_s),
    ]


def _spectral_stats(
    power: F64, freqs: F64, frames: F32, early: npt.NDArray[np.bool_]
) -> list[float]:
    energy = power.sum(axis=1) + 1e-12
    weights = energy / energy.sum()
    centroid = (power @ freqs) / energy
    spread = np.sqrt(np.maximum((power @ freqs**2) / energy - centroid**2, 0.0))
    cumulative = np.cumsum(power, axis=1)
    rolloff = freqs[
        np.minimum((cumulative < 0.85 * cumulative[:, -1:]).sum(axis=1), freqs.size - 1)
    ]
    flatness = np.exp(np.log(power + 1e-12).mean(axis=1)) / (energy / power.shape[1])
    log_centroid = np.log(np.maximum(centroid, 20.0))
    mean_log_centroid = float(weights @ log_centroid)
    spread_oct = math.sqrt(max(float(weights @ (log_centroid - mean_log_centroid) ** 2), 0.0))
    early_w = weights * early
    early_w = early_w / early_w.sum() if early_w.sum() > 0 else weights
    log_power = np.log(power + 1e-10)
    flux = np.maximum(np.diff(log_power, axis=0), 0.0).mean(axis=1) if power.shape[0] > 1 else [0.0]
    signs = np.signbit(frames)
    zcr = np.count_nonzero(signs[:, 1:] != signs[:, :-1], axis=1) / (frames.shape[1] - 1)
    return [
        mean_log_centroid,
        float(early_w @ log_centroid),
        spread_oct / math.log(2.0),
        math.log(max(float(weights @ spread), 1.0)),
        math.log(max(float(weights @ rolloff), 20.0)),
        float(weights @ flatness),
        float(early_w @ flatness),
        float(np.mean(flux)),
        float(weights @ zcr),
    ]


def _pitch_stats(y: F64) -> list[float]:
    frames = frame_signal(y.astype(np.float32), _ACF_FRAME, _ACF_HOP).astype(np.float64)
    energy = np.einsum("ij,ij->i", frames, frames)
    loud = energy > max(float(energy.max()) * 1e-3, 1e-10)
    frames = frames[loud] * np.hanning(_ACF_FRAME)
    if frames.shape[0] == 0:
        return [0.0, 0.0, 0.0, math.log2(_F0_MIN_HZ), 0.0]
    spectrum = scipy.fft.rfft(frames, n=2 * _ACF_FRAME, axis=1)
    acf = scipy.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :_ACF_FRAME]
    # Unbiased by the window's own autocorrelation, normalised by lag 0.
    window_acf = scipy.fft.irfft(
        np.abs(scipy.fft.rfft(np.hanning(_ACF_FRAME), n=2 * _ACF_FRAME)) ** 2
    )
    acf = acf / np.maximum(window_acf[:_ACF_FRAME], 1e-3 * window_acf[0]) * window_acf[0]
    acf /= np.maximum(acf[:, :1], 1e-12)
    lo = int(SAMPLE_RATE_HZ / _F0_MAX_HZ)
    hi = min(int(SAMPLE_RATE_HZ / _F0_MIN_HZ), _ACF_FRAME - 1)
    band = acf[:, lo:hi]
    best = np.argmax(band, axis=1)
    strength = np.clip(band[np.arange(band.shape[0]), best], 0.0, 1.0)
    f0 = SAMPLE_RATE_HZ / (best + lo)
    voiced = strength >= _VOICED
    if voiced.any():
        semitones = 12 * np.log2(f0[voiced])
        median = float(np.median(semitones))
        log2_f0 = median / 12
        spread = float(np.median(np.abs(semitones - median)))
    else:
        log2_f0, spread = math.log2(_F0_MIN_HZ), 0.0
    return [float(strength.mean()), float(strength.max()), float(voiced.mean()), log2_f0, spread]


def sound_features(y: npt.ArrayLike) -> F32:
    """The model's input for one sound: mono samples at :data:`SAMPLE_RATE_HZ`.

    Only the first 3 s after the onset count. Silence gives a finite vector (the model calls it
    unknown or whatever it likes, never NaN).

    Returns:
        ``float32`` array of ``len(FEATURE_NAMES)`` values.
    """
    signal = np.asarray(y, dtype=np.float64).reshape(-1)
    signal = np.nan_to_num(signal, nan=0.0, posinf=0.0, neginf=0.0)
    signal = signal[_start(signal.astype(np.float32)) :][: int(_MAX_S * SAMPLE_RATE_HZ)]
    peak = float(np.max(np.abs(signal))) if signal.size else 0.0
    if peak <= 1e-9 or signal.size < _N_FFT // 4:
        # Silence or a few samples: one click, so every statistic is defined.
        signal = np.zeros(_N_FFT, dtype=np.float64)
        signal[_N_FFT // 2] = 1e-6
        peak = 1e-6
    signal = signal / peak
    frames = frame_signal(signal.astype(np.float32), _N_FFT, _HOP)
    spectrum = scipy.fft.rfft(frames * np.hanning(_N_FFT).astype(np.float32), axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float64)
    freqs = np.fft.rfftfreq(_N_FFT, 1.0 / SAMPLE_RATE_HZ).astype(np.float64)
    mel = power @ _MEL
    step_s = _HOP / SAMPLE_RATE_HZ
    times = np.arange(mel.shape[0]) * step_s
    attack_power = mel[times < _WINDOWS_S[0][1]].mean(axis=0).sum() + 1e-12
    windows = []
    window_levels = []
    for lo, hi in _WINDOWS_S:
        chosen = mel[(times >= lo) & (times < hi)]
        level = chosen.mean(axis=0).sum() if chosen.shape[0] else 0.0
        window_levels.append(max(10.0 * math.log10(level / attack_power + 1e-12), _FLOOR_DB))
        reference = float(chosen.mean(axis=0).max()) if chosen.shape[0] else 1.0
        windows.append(_window_db(mel, times, lo, hi, max(reference, 1e-12)))
    frame_energy = mel.sum(axis=1)
    level_db = 10.0 * np.log10(frame_energy / max(float(frame_energy.max()), 1e-12) + 1e-12)
    audible = level_db > -60.0
    audible = audible if audible.any() else np.ones_like(audible)
    log_mel = np.log10(mel[audible] + 1e-8)
    mfcc = scipy.fft.dct(log_mel, type=2, norm="ortho", axis=1)[:, 1 : _N_MFCC + 1]
    values = [
        *np.concatenate(windows),
        window_levels[1],
        window_levels[2],
        *_envelope(level_db, step_s),
        *_spectral_stats(power, freqs, frames, times < 0.05),
        *_pitch_stats(signal),
        *mfcc.mean(axis=0),
        *mfcc.std(axis=0),
    ]
    out = np.asarray(values, dtype=np.float32)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=_FLOOR_DB)


def classify_sound(y: npt.ArrayLike, model: SampleTypeModel | None = None) -> SampleTypeEstimate:
    """The sample type of one sound (mono, :data:`SAMPLE_RATE_HZ`)."""
    model = model or load_sample_type_model()
    return model.estimate(model.probabilities(sound_features(y)[None, :])[0])


def _pieces(y: F32, onsets_s: list[float]) -> list[tuple[F32, float]]:
    """``(samples, energy)`` of the stretches between onsets (the first from 0 s)."""
    starts = sorted({0, *(int(t * SAMPLE_RATE_HZ) for t in onsets_s)})
    pieces: list[tuple[F32, float]] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else y.shape[0]
        end = min(end, start + int(_MAX_PIECE_S * SAMPLE_RATE_HZ))
        if end - start < int(_MIN_PIECE_S * SAMPLE_RATE_HZ):
            continue
        piece = y[start:end]
        pieces.append((piece, float(np.dot(piece, piece))))
    pieces.sort(key=lambda p: -p[1])
    return pieces[:_MAX_PIECES]


def classify_loop(
    y: F32, onsets_s: list[float], model: SampleTypeModel | None = None
) -> SampleTypeEstimate:
    """A loop's type from its pieces (see the module docstring).

    Args:
        y: Mono samples at :data:`SAMPLE_RATE_HZ`.
        onsets_s: Onset times; pieces run from one to the next (at most 1 s each).
    """
    model = model or load_sample_type_model()
    pieces = _pieces(y, onsets_s) or [(y, 1.0)]
    features = np.stack([sound_features(piece) for piece, _ in pieces])
    probabilities = model.probabilities(features)
    energy = np.array([e for _, e in pieces], dtype=np.float64)
    weights = energy / energy.sum() if energy.sum() > 0 else np.full(len(pieces), 1 / len(pieces))
    drum_columns = [model.classes.index(c) for c in DRUM_TYPES]
    drum_share = float(weights @ probabilities[:, drum_columns].sum(axis=1))
    mean = weights @ probabilities
    if drum_share >= 0.5:
        return SampleTypeEstimate(
            label=LOOP_DRUMS,
            confidence=round(drum_share, 3),
            top=((LOOP_DRUMS, round(drum_share, 3)),),
        )
    tonal = mean.copy()
    tonal[drum_columns] = 0.0
    tonal /= max(float(tonal.sum()), 1e-12)
    return model.estimate(tonal)


class SampleTypeAnalyzer(Analyzer):
    """Fills ``sample_type`` (see the module docstring); loops need ``loop`` to know they are."""

    name = "sample_type"
    version = 1
    level = AnalysisLevel.STANDARD
    after = ("loop", "silence")

    def analyze(self, ctx: AnalysisContext) -> SampleTypeEstimate | None:
        loop = ctx.outputs.get("loop")
        silence = ctx.outputs.get("silence")
        if isinstance(silence, Silence) and silence.is_silent:
            return None
        y = ctx.signal.mono_at(SAMPLE_RATE_HZ)
        if isinstance(loop, LoopEstimate) and loop.is_loop:
            return classify_loop(y, onset_times(ctx))
        return classify_sound(y)
