"""Root note of tonal one-shots (STANDARD): ``F#2``, MIDI number, cents off, confidence.

Essentia's YIN-FFT runs frame by frame over the sustained part of the sound (from just after the
attack transient, which carries no stable pitch, until the level has fallen 30 dB or 2 s have
passed). Each confident frame votes for its nearest equal-tempered note; the winner is the note,
and the frames that agree with it give the cents offset. Octave slips of single frames are common
in YIN; voting instead of averaging keeps them from dragging the estimate. Frames that are too
short for very low notes are retried with a frame twice as long.

Loops and noise return None: a loop's pitch content is the key analyzer's business.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.fft

from samplemind.analysis._essentia import es
from samplemind.analysis.base import Analyzer
from samplemind.analysis.context import AnalysisContext, frame_signal
from samplemind.domain.analysis import AnalysisLevel, LoopEstimate, PitchEstimate
from samplemind.domain.music import hz_to_midi, midi_to_note_name

__all__ = ["PitchAnalyzer", "estimate_pitch"]

_HOP = 1024
_MIN_HZ = 25.0
_MAX_HZ = 4200.0
_FRAME_CONFIDENCE = 0.6
_MIN_CONFIDENCE = 0.35
_MAX_SEGMENT_S = 1.5
_LONG_FRAME_BELOW_MIDI = 40  # E2, 82 Hz: fewer than 8 periods in a 4096-sample frame


def _segment(y: npt.NDArray[np.float32], sample_rate_hz: int) -> npt.NDArray[np.float32]:
    """The sustained part: after the attack peak (+20 ms) until -30 dB or 2 s."""
    hop = 256
    frames = frame_signal(y, 1024, hop)
    env = np.sqrt(np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / 1024)
    if env.size == 0 or env.max() <= 0:
        return y[:0]
    peak = int(np.argmax(env))
    start = peak * hop + int(0.02 * sample_rate_hz)
    quiet = np.flatnonzero(env[peak:] < env[peak] * 10 ** (-30 / 20))
    end = (peak + int(quiet[0])) * hop + 1024 if quiet.size else y.size
    end = min(end, start + int(_MAX_SEGMENT_S * sample_rate_hz), y.size)
    return y[start:end]


def _track(
    segment: npt.NDArray[np.float32], sample_rate_hz: int, frame: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    if segment.size < frame:
        segment = np.pad(segment, (0, frame - segment.size))
    yin = es.PitchYinFFT(
        frameSize=frame,
        sampleRate=float(sample_rate_hz),
        minFrequency=_MIN_HZ,
        maxFrequency=_MAX_HZ,
    )
    window = es.Windowing(type="hann", size=frame)
    spectrum = es.Spectrum(size=frame)
    pitches, confidences = [], []
    for chunk in frame_signal(segment, frame, _HOP):
        pitch, confidence = yin(spectrum(window(np.ascontiguousarray(chunk))))
        pitches.append(pitch)
        confidences.append(confidence)
    return np.asarray(pitches, dtype=np.float64), np.asarray(confidences, dtype=np.float64)


def estimate_pitch(y: npt.NDArray[np.float32], sample_rate_hz: int) -> PitchEstimate | None:
    """Root note of a mono one-shot at ``sample_rate_hz``, or None when it has no stable pitch."""
    segment = _segment(y, sample_rate_hz)
    if segment.size < int(0.03 * sample_rate_hz):
        return None
    best = _vote(*_track(segment, sample_rate_hz, 4096))
    uncertain = best is None or best.confidence < 0.6
    low = best is not None and best.midi < _LONG_FRAME_BELOW_MIDI
    if (uncertain or low) and _mostly_low(segment, sample_rate_hz):
        # A 93 ms frame holds too few periods of a sub-bass note: YIN-FFT reads it uncertain or
        # sharp (an 808 on F#1 reads +1.4 semitones). Twice the length settles both.
        retry = _vote(*_track(segment, sample_rate_hz, 8192))
        if retry is not None and (low or best is None or retry.confidence > best.confidence):
            best = retry
    if best is not None and _is_sub_octave(segment, sample_rate_hz, best.frequency_hz):
        best = _shift_octave(best)
    return None if best is None else _refine(segment, sample_rate_hz, best)


def _refine(
    segment: npt.NDArray[np.float32], sample_rate_hz: int, estimate: PitchEstimate
) -> PitchEstimate:
    """Sharpen the frequency with the segment's autocorrelation.

    YIN-FFT is right about the note but can be tens of cents off on sub-bass (an F#1 reads
    +37 cents). The autocorrelation peak near ``k`` periods (``k`` chosen so the lag is about
    1000 samples), parabolically interpolated, measures the period to a fraction of a sample.
    """
    period = sample_rate_hz / estimate.frequency_hz
    periods = max(1, round(1000 / period))
    lag = period * periods
    # The last two thirds: where a gliding pitch has settled (and still loud enough to measure).
    settled = segment[segment.size // 3 :]
    segment = settled if settled.size >= 4 * lag else segment
    if segment.size < 2 * lag + 2:
        return estimate
    n = 1 << int(np.ceil(np.log2(2 * segment.size)))
    spectrum = scipy.fft.rfft(segment.astype(np.float64), n)
    acf = scipy.fft.irfft(spectrum.real**2 + spectrum.imag**2, n)[: int(lag * 1.05) + 2]
    acf /= np.arange(segment.size, segment.size - acf.size, -1)  # unbiased: fewer overlaps
    lo, hi = int(lag * 0.97), min(int(lag * 1.03) + 1, acf.size - 2)
    if hi <= lo:
        return estimate
    peak = lo + int(np.argmax(acf[lo : hi + 1]))
    a, b, c = acf[peak - 1], acf[peak], acf[peak + 1]
    denominator = a - 2 * b + c
    offset = 0.5 * (a - c) / denominator if denominator < 0 else 0.0
    frequency = float(sample_rate_hz * periods / (peak + offset))
    exact = hz_to_midi(frequency)
    if round(exact) != estimate.midi:
        return estimate  # the refinement may sharpen the note, never change it
    return estimate.model_copy(
        update={
            "cents": round((exact - estimate.midi) * 100.0, 1),
            "frequency_hz": round(frequency, 2),
        }
    )


def _mostly_low(segment: npt.NDArray[np.float32], sample_rate_hz: int) -> bool:
    """True when most of the energy lies below 120 Hz (sub bass, 808s, low kicks)."""
    chunk = segment[:16384]
    power = np.abs(scipy.fft.rfft(chunk)) ** 2
    cutoff = int(120.0 * chunk.size / sample_rate_hz)
    total = float(power.sum())
    return total > 0 and float(power[: cutoff + 1].sum()) > 0.5 * total


def _is_sub_octave(segment: npt.NDArray[np.float32], sample_rate_hz: int, f0_hz: float) -> bool:
    """True when ``f0_hz`` has (almost) no energy at its odd partials: YIN chose a sub-octave.

    A real fundamental has energy at f0 or 3 f0; a period-doubling error leaves only the even
    partials (which are the true note's harmonics) with energy.
    """
    n = 8192
    chunk = segment[: n * 4]
    if chunk.size < n:
        chunk = np.pad(chunk, (0, n - chunk.size))
    frames = frame_signal(chunk, n, n // 2)
    power = (np.abs(scipy.fft.rfft(frames * np.hanning(n), axis=1)) ** 2).mean(axis=0)
    bin_hz = sample_rate_hz / n

    def energy(multiple: int) -> float:
        centre = f0_hz * multiple / bin_hz
        if centre + 3 >= power.size:
            return 0.0
        lo, hi = int(centre) - 2, int(centre) + 3
        return float(power[max(lo, 0) : hi].max())

    odd = energy(1) + energy(3)
    even = energy(2) + energy(4)
    return even > 0 and odd < 0.01 * even


def _shift_octave(estimate: PitchEstimate) -> PitchEstimate:
    midi = estimate.midi + 12
    return estimate.model_copy(
        update={
            "midi": midi,
            "note": midi_to_note_name(midi),
            "frequency_hz": round(estimate.frequency_hz * 2, 2),
        }
    )


def _vote(
    pitches: npt.NDArray[np.float64], confidences: npt.NDArray[np.float64]
) -> PitchEstimate | None:
    voiced = (confidences >= _FRAME_CONFIDENCE) & (pitches >= _MIN_HZ)
    if pitches.size == 0 or voiced.sum() < max(2, 0.2 * pitches.size):
        return None
    midi = 69.0 + 12.0 * np.log2(pitches[voiced] / 440.0)
    weights = confidences[voiced]
    notes = np.rint(midi).astype(int)
    votes = np.bincount(notes - notes.min(), weights=weights)
    winner = int(np.argmax(votes)) + int(notes.min())
    agree = np.abs(midi - winner) <= 0.5
    agreement = float(weights[agree].sum() / weights.sum())
    coverage = float(voiced.mean())
    confidence = float(np.clip(coverage**0.5 * agreement * weights[agree].mean(), 0.0, 1.0))
    if confidence < _MIN_CONFIDENCE:
        return None
    # The median, not the mean: a pitch that glides into place (808s, plucked strings going
    # flat-to-true) should read where it settles, not where it started.
    frequency = float(np.median(pitches[voiced][agree]))
    exact = hz_to_midi(frequency)
    nearest = round(exact)
    return PitchEstimate(
        note=midi_to_note_name(nearest),
        midi=nearest,
        cents=round((exact - nearest) * 100.0, 1),
        frequency_hz=round(frequency, 2),
        confidence=round(confidence, 3),
    )


class PitchAnalyzer(Analyzer):
    name = "pitch"
    version = 1
    level = AnalysisLevel.STANDARD
    after = ("loop",)

    def analyze(self, ctx: AnalysisContext) -> PitchEstimate | None:
        loop = ctx.outputs.get("loop")
        if isinstance(loop, LoopEstimate) and loop.is_loop:
            return None
        return estimate_pitch(ctx.y, ctx.sample_rate_hz)
