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

Beside the vector, a model's convolutional member reads the sound's **log-mel patch**
(:func:`sound_inputs`): 32 bands (the spectrogram's 64 mel bands in pairs) by 64 frames (0.74 s)
from the same start, in dB re its loudest cell, scaled so -100..0 dB is -3..2.

Leading silence is skipped and the peak normalised first, so a late start or a quiet file looks
the same as a tight, loud one. The training recipe (soundfonts rendered note by note, hard
augmentation, cross-soundfont evaluation) and the measured accuracy are in docs/ml.md.

**Loops** are not one sound: a loop is cut at its onsets and each piece is classified. When most
of its energy is in drum hits, the loop is ``drums``; otherwise it takes the tonal class with the
highest energy-weighted mean probability (a bass loop is ``bass``, a chord loop ``keys``, …).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import scipy.fft

from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import (
    FRAME,
    HOP,
    AnalysisContext,
    frame_signal,
    mel_filterbank,
)
from samplemind.analysis.rhythm import onset_times
from samplemind.domain.analysis import AnalysisLevel, LoopEstimate, SampleTypeEstimate, Silence
from samplemind.errors import ModelError
from samplemind.ml.sample_type import (
    DRUM_TYPES,
    LOOP_DRUMS,
    SampleTypeModel,
    load_sample_type_model,
)

__all__ = [
    "FEATURES_VERSION",
    "FEATURE_NAMES",
    "PATCH_BANDS",
    "PATCH_FRAMES",
    "SAMPLE_RATE_HZ",
    "SampleTypeAnalyzer",
    "Spectrogram",
    "classify_loop",
    "classify_sound",
    "features_at",
    "inputs_at",
    "sound_features",
    "sound_inputs",
]

#: The features are defined at this rate; other rates are resampled by the caller.
SAMPLE_RATE_HZ = 44100
#: The analysis context's spectrogram (2048-point Hann frames, 512-sample hop: 11.6 ms) and its
#: 64 mel bands, pooled in pairs into the model's 32.
_HOP = HOP
_N_BANDS = 32
_MAX_S = 3.0
_MAX_FRAMES = math.ceil(_MAX_S * SAMPLE_RATE_HZ / HOP)
_START_DB = -50.0
#: How far into a file its sound's start is looked for.
_SEARCH_S = 10.0
_PRE_ROLL_S = 0.005
_WINDOWS_S = ((0.0, 0.05), (0.05, 0.4), (0.4, _MAX_S))
_LEVEL_TIMES_S = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
_FLOOR_DB = -100.0
_F0_MIN_HZ, _F0_MAX_HZ = 40.0, 2000.0
_VOICED = 0.6
_N_MFCC = 13
#: A loop is cut into at most this many pieces, each at most this long.
_MAX_PIECES = 8
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
#: Bumped whenever a value's definition changes (the names may stay): models and cached training
#: features are made for one version. 2: from the analysis context's spectrogram (2048/512).
#: 3: with the log-mel patch (:data:`PATCH_BANDS` × :data:`PATCH_FRAMES`) beside the vector.
FEATURES_VERSION = 3
#: The log-mel patch: bands (the 64 mel bands in pairs) × frames (11.6 ms each) from the start.
PATCH_BANDS = 32
PATCH_FRAMES = 64
_PATCH_FLOOR_DB = -100.0

_FREQS = np.fft.rfftfreq(FRAME, 1.0 / SAMPLE_RATE_HZ).astype(np.float32)
_HANN = np.hanning(FRAME).astype(np.float32)
#: The context's own mel filters at this rate (``AnalysisContext.mel``), for sounds without one.
_MEL = mel_filterbank(SAMPLE_RATE_HZ, FRAME, n_mels=64).T.copy()
#: Each mel band's centre frequency (the roll-off is read at band resolution).
_MEL_CENTRES = (_MEL * _FREQS[:, None]).sum(axis=0) / _MEL.sum(axis=0)
_ACF_LAG0 = 2 * FRAME
_WINDOW_ACF = scipy.fft.irfft(np.abs(scipy.fft.rfft(np.hanning(FRAME), n=_ACF_LAG0)) ** 2)


@dataclass(frozen=True)
class Spectrogram:
    """What the features read: mono samples at :data:`SAMPLE_RATE_HZ`, their frames (2048, hop
    512), Hann power spectra and 64-band mel magnitudes, frame ``i`` starting at ``i * 512``.

    :meth:`of_context` takes the analysis context's own (nothing is computed again when the
    analysis runs at 44.1 kHz, the default); :meth:`of_samples` computes the same for a sound
    alone (training, audio to MIDI).
    """

    y: F32
    frames: F32
    power: F32
    mel: F32

    @classmethod
    def of_context(cls, ctx: AnalysisContext) -> Spectrogram:
        if ctx.sample_rate_hz == SAMPLE_RATE_HZ:
            return cls(ctx.y, ctx.frames, ctx.power, ctx.mel)
        return ctx.shared(
            "classify.spectrogram", lambda c: cls.of_samples(c.signal.mono_at(SAMPLE_RATE_HZ))
        )

    @classmethod
    def of_samples(cls, y: npt.ArrayLike, first: int = 0, count: int | None = None) -> Spectrogram:
        """Frames ``first .. first + count`` of ``y`` (all when ``count`` is None); frame ``0`` of
        the result is frame ``first`` of ``y``'s."""
        signal = np.ascontiguousarray(np.asarray(y, dtype=np.float32).reshape(-1))
        start = first * HOP
        stop = signal.shape[0] if count is None else start + (count - 1) * HOP + FRAME
        frames = frame_signal(signal[start:stop], FRAME, HOP)
        if count is not None:
            frames = frames[:count]
        spectrum = scipy.fft.rfft(frames * _HANN, axis=1)
        power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
        mel = (np.sqrt(power) @ _MEL).astype(np.float32)
        return cls(signal[start:], frames, power, mel)


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


def _zero_crossings(samples: F32, count: int) -> F64:
    """Zero-crossing rate of frames ``0 .. count`` of ``samples`` (frame ``i`` from ``i * HOP``),
    from one pass over the samples instead of over the overlapping frames."""
    needed = (count - 1) * HOP + FRAME
    x = samples[:needed]
    if x.shape[0] < needed:
        x = np.pad(x, (0, needed - x.shape[0]))
    signs = np.signbit(x)
    changes = np.concatenate([[0], np.cumsum(signs[1:] != signs[:-1], dtype=np.int64)])
    starts = np.arange(count) * HOP
    crossings: F64 = (changes[starts + FRAME - 1] - changes[starts]) / (FRAME - 1)
    return crossings


def _spectral_stats(power: F32, bands: F64, zcr: F64, early: npt.NDArray[np.bool_]) -> list[float]:
    """Centroid and bandwidth from the power spectra; roll-off, flatness and flux from the 64
    mel band powers (``bands``)."""
    energy = power.sum(axis=1, dtype=np.float64) + 1e-12
    weights = energy / energy.sum()
    centroid = np.einsum("ij,j->i", power, _FREQS, dtype=np.float64) / energy
    second = np.einsum("ij,j->i", power, _FREQS**2, dtype=np.float64) / energy
    spread = np.sqrt(np.maximum(second - centroid**2, 0.0))
    cumulative = np.cumsum(bands, axis=1)
    rolloff = _MEL_CENTRES[
        np.minimum((cumulative < 0.85 * cumulative[:, -1:]).sum(axis=1), _MEL_CENTRES.size - 1)
    ]
    log_bands = np.log(bands + 1e-12)
    band_energy = bands.sum(axis=1) + 1e-12
    flatness = np.exp(log_bands.mean(axis=1)) / (band_energy / bands.shape[1])
    log_centroid = np.log(np.maximum(centroid, 20.0))
    mean_log_centroid = float(weights @ log_centroid)
    spread_oct = math.sqrt(max(float(weights @ (log_centroid - mean_log_centroid) ** 2), 0.0))
    early_w = weights * early
    early_w = early_w / early_w.sum() if early_w.sum() > 0 else weights
    rising = np.maximum(np.diff(log_bands, axis=0), 0.0)
    flux = float(rising.mean()) if rising.size else 0.0
    return [
        mean_log_centroid,
        float(early_w @ log_centroid),
        spread_oct / math.log(2.0),
        math.log(max(float(weights @ spread), 1.0)),
        math.log(max(float(weights @ rolloff), 20.0)),
        float(weights @ flatness),
        float(early_w @ flatness),
        flux,
        float(weights @ zcr),
    ]


def _pitch_stats(frames: F32) -> list[float]:
    """Autocorrelation pitch evidence from 2048-sample frames (the spectrogram's every fourth:
    side by side, 46 ms apart)."""
    energy = np.einsum("ij,ij->i", frames, frames, dtype=np.float64)
    loud = energy > max(float(energy.max()) * 1e-3, 1e-10) if energy.size else energy > 0
    chosen = frames[loud] * _HANN
    if chosen.shape[0] == 0:
        return [0.0, 0.0, 0.0, math.log2(_F0_MIN_HZ), 0.0]
    spectrum = scipy.fft.rfft(chosen, n=_ACF_LAG0, axis=1)
    acf = scipy.fft.irfft(spectrum.real**2 + spectrum.imag**2, axis=1)[:, :FRAME]
    # Unbiased by the window's own autocorrelation, normalised by lag 0.
    window = _WINDOW_ACF[:FRAME]
    acf = acf / np.maximum(window, 1e-3 * window[0]) * window[0]
    acf /= np.maximum(acf[:, :1], 1e-12)
    lo = int(SAMPLE_RATE_HZ / _F0_MAX_HZ)
    hi = min(int(SAMPLE_RATE_HZ / _F0_MIN_HZ), FRAME - 1)
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


def _describe(spec: Spectrogram, first: int, count: int) -> F32:
    """The features of frames ``first .. first + count`` of ``spec`` (frame ``first`` holds the
    sound's start)."""
    frames = spec.frames[first : first + count]
    samples = spec.y[first * HOP : (first + count - 1) * HOP + FRAME]
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    if peak <= 1e-9 or not np.isfinite(peak):
        return _silent_features()
    gain = np.float32(1.0 / peak)
    power = spec.power[first : first + count] * gain**2
    magnitude = spec.mel[first : first + count] * gain
    mel_power = (magnitude * magnitude).astype(np.float64)
    bands = mel_power[:, 0::2] + mel_power[:, 1::2]
    step_s = HOP / SAMPLE_RATE_HZ
    times = np.arange(bands.shape[0]) * step_s
    attack_power = bands[times < _WINDOWS_S[0][1]].mean(axis=0).sum() + 1e-12
    windows = []
    window_levels = []
    for lo, hi in _WINDOWS_S:
        chosen = bands[(times >= lo) & (times < hi)]
        if chosen.shape[0] == 0:
            windows.append(np.full(_N_BANDS, _FLOOR_DB))
            window_levels.append(_FLOOR_DB)
            continue
        mean = chosen.mean(axis=0)
        window_levels.append(max(10.0 * math.log10(mean.sum() / attack_power + 1e-12), _FLOOR_DB))
        reference = max(float(mean.max()), 1e-12)
        windows.append(np.maximum(10.0 * np.log10(mean / reference + 1e-12), _FLOOR_DB))
    frame_energy = bands.sum(axis=1)
    level_db = 10.0 * np.log10(frame_energy / max(float(frame_energy.max()), 1e-12) + 1e-12)
    audible = level_db > -60.0
    audible = audible if audible.any() else np.ones_like(audible)
    log_mel = np.log10(mel_power[audible] + 1e-10)
    mfcc = scipy.fft.dct(log_mel, type=2, norm="ortho", axis=1)[:, 1 : _N_MFCC + 1]
    values = [
        *np.concatenate(windows),
        window_levels[1],
        window_levels[2],
        *_envelope(level_db, step_s),
        *_spectral_stats(power, mel_power, _zero_crossings(samples, count), times < 0.05),
        *_pitch_stats(frames[::4]),
        *mfcc.mean(axis=0),
        *mfcc.std(axis=0),
    ]
    out = np.asarray(values, dtype=np.float32)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=_FLOOR_DB)


@cache
def _silent_features() -> F32:
    """Silence or a few samples: one click, so every statistic is defined."""
    click = np.zeros(FRAME, dtype=np.float32)
    click[FRAME // 2] = 1.0
    return _describe(Spectrogram.of_samples(click), 0, 1)


def _patch(spec: Spectrogram, first: int, count: int) -> F32:
    """The log-mel patch of frames ``first .. first + count`` (at most :data:`PATCH_FRAMES`;
    frames after the sound's end, or after ``count``, are the floor)."""
    out = np.full((PATCH_BANDS, PATCH_FRAMES), _PATCH_FLOOR_DB / 20 + 2, dtype=np.float32)
    n = min(count, PATCH_FRAMES)
    magnitude = spec.mel[first : first + n].astype(np.float64)
    power = magnitude * magnitude
    bands = power[:, 0::2] + power[:, 1::2]
    top = float(bands.max()) if bands.size else 0.0
    if not (top > 1e-30 and math.isfinite(top)):
        return out
    db = 10.0 * np.log10(bands / top + 10 ** (_PATCH_FLOOR_DB / 10))
    out[:, : bands.shape[0]] = np.clip((db.T + 40.0) / 20.0, _PATCH_FLOOR_DB / 20 + 2, 2.0)
    return out


@cache
def _silent_inputs() -> tuple[F32, F32]:
    click = np.zeros(FRAME, dtype=np.float32)
    click[FRAME // 2] = 1.0
    return _silent_features(), _patch(Spectrogram.of_samples(click), 0, 1)


def _n_frames(n_samples: int) -> int:
    """How many frames :func:`frame_signal` makes of ``n_samples``."""
    return 1 if n_samples <= FRAME else 1 + math.ceil((n_samples - FRAME) / HOP)


def _span(y: F32, start: int, end: int | None) -> tuple[int, int] | None:
    """The first frame and the frame count of the sound in ``y[start:end]``, None when silent.

    The sound begins at its first sample within 50 dB of its peak (less 5 ms), rounded down to a
    frame; at most 3 s count and, when ``end`` is given, no frame centred past it.
    """
    stop = y.shape[0] if end is None else max(0, min(end, y.shape[0]))
    start = max(0, min(start, stop))
    head = y[start : min(stop, start + int(_SEARCH_S * SAMPLE_RATE_HZ))]
    if head.size < FRAME // 8 or not float(np.abs(head).max()) > 1e-9:
        return None
    total = _n_frames(y.shape[0])
    first = min((start + _start(head)) // HOP, total - 1)
    last = first + _MAX_FRAMES if end is None else max(first + 1, (stop - FRAME // 2) // HOP + 1)
    return first, min(last - first, _MAX_FRAMES, total - first)


def features_at(spec: Spectrogram, start: int = 0, end: int | None = None) -> F32:
    """The features of the sound in samples ``start .. end`` of ``spec`` (``end``: to the end).

    Reads ``spec``'s frames, nothing is computed again: at most 3 s of them from the sound's
    start (see :func:`_span`).
    """
    return inputs_at(spec, start, end)[0]


def inputs_at(spec: Spectrogram, start: int = 0, end: int | None = None) -> tuple[F32, F32]:
    """:func:`features_at` and the log-mel patch of the same sound (``(PATCH_BANDS,
    PATCH_FRAMES)``), both from ``spec``'s frames."""
    span = _span(spec.y, start, end)
    if span is None:
        return _silent_inputs()
    return _describe(spec, *span), _patch(spec, *span)


def sound_inputs(y: npt.ArrayLike) -> tuple[F32, F32]:
    """:func:`sound_features` and the log-mel patch of one sound (mono, :data:`SAMPLE_RATE_HZ`):
    what a model with a convolutional member reads (the same numbers as :func:`inputs_at` on a
    file holding just this sound)."""
    signal = np.asarray(y, dtype=np.float32).reshape(-1)
    signal = np.nan_to_num(signal, nan=0.0, posinf=0.0, neginf=0.0)
    span = _span(signal, 0, None)
    if span is None:
        return _silent_inputs()
    first, count = span
    spec = Spectrogram.of_samples(signal, first, count)
    return _describe(spec, 0, count), _patch(spec, 0, count)


def sound_features(y: npt.ArrayLike) -> F32:
    """The model's input for one sound: mono samples at :data:`SAMPLE_RATE_HZ`.

    Only the first 3 s after the onset count. Silence gives a finite vector (the model calls it
    unknown or whatever it likes, never NaN). The same numbers as :func:`features_at` on the
    spectrogram of a file holding just this sound, computed on those 3 s alone.

    Returns:
        ``float32`` array of ``len(FEATURE_NAMES)`` values.
    """
    return sound_inputs(y)[0]


def _model(model: SampleTypeModel | None) -> SampleTypeModel:
    """``model``, or the bundled one; either must be made for these features.

    Raises:
        ModelError: the model was trained on another definition of the features.
    """
    model = model or load_sample_type_model()
    if model.features_version != FEATURES_VERSION:
        raise ModelError(
            f"{model.path} was trained on features version {model.features_version}, this "
            f"library computes version {FEATURES_VERSION}: run make train"
        )
    return model


def classify_sound(
    y: npt.ArrayLike | Spectrogram, model: SampleTypeModel | None = None
) -> SampleTypeEstimate:
    """The sample type of one sound: mono samples at :data:`SAMPLE_RATE_HZ`, or a file's
    :class:`Spectrogram` (its first 3 s after the onset)."""
    model = _model(model)
    features, patch = inputs_at(y) if isinstance(y, Spectrogram) else sound_inputs(y)
    return model.estimate(model.probabilities(features[None, :], patch[None])[0])


def _pieces(y: F32, onsets_s: list[float]) -> list[tuple[int, int, float]]:
    """``(start, end, energy)`` of the stretches between onsets (the first from 0 s), the
    loudest :data:`_MAX_PIECES`."""
    starts = sorted({0, *(int(t * SAMPLE_RATE_HZ) for t in onsets_s)})
    pieces: list[tuple[int, int, float]] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else y.shape[0]
        end = min(end, start + int(_MAX_PIECE_S * SAMPLE_RATE_HZ), y.shape[0])
        if end - start < int(_MIN_PIECE_S * SAMPLE_RATE_HZ):
            continue
        piece = y[start:end]
        pieces.append((start, end, float(np.dot(piece, piece))))
    pieces.sort(key=lambda p: -p[2])
    return pieces[:_MAX_PIECES]


def classify_loop(
    y: F32 | Spectrogram, onsets_s: list[float], model: SampleTypeModel | None = None
) -> SampleTypeEstimate:
    """A loop's type from its pieces (see the module docstring).

    Args:
        y: Mono samples at :data:`SAMPLE_RATE_HZ`, or the file's :class:`Spectrogram` (whose
            frames the pieces then read: nothing is computed again).
        onsets_s: Onset times; pieces run from one to the next (at most 0.5 s each).
    """
    model = _model(model)
    spec = y if isinstance(y, Spectrogram) else Spectrogram.of_samples(y)
    pieces = _pieces(spec.y, onsets_s) or [(0, spec.y.shape[0], 1.0)]
    inputs = [inputs_at(spec, start, end) for start, end, _ in pieces]
    probabilities = model.probabilities(
        np.stack([f for f, _ in inputs]), np.stack([p for _, p in inputs])
    )
    energy = np.array([e for _, _, e in pieces], dtype=np.float64)
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
    version = 2
    level = AnalysisLevel.STANDARD
    after = ("loop", "silence")

    def analyze(self, ctx: AnalysisContext) -> SampleTypeEstimate | None:
        loop = ctx.outputs.get("loop")
        silence = ctx.outputs.get("silence")
        if isinstance(silence, Silence) and silence.is_silent:
            return None
        spec = Spectrogram.of_context(ctx)
        if isinstance(loop, LoopEstimate) and loop.is_loop:
            return classify_loop(spec, onset_times(ctx))
        return classify_sound(spec)
