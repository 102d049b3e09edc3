"""Tuning-robust pitch-class features for key and chord estimation.

The shared 2048-point spectrogram at 44.1 kHz has 21.5 Hz bins, wider than a semitone below
~370 Hz, which is exactly where bass notes and chord roots live. Key and chord estimation therefore
use their own long-window spectrum of the signal resampled to 11025 Hz (4096 points = 2.7 Hz bins,
Nyquist 5.5 kHz, ~93 ms hop); it costs less than the shared spectrogram because it has 16x fewer
samples per second to transform.

From that spectrum: spectral peaks (parabolic interpolation on log magnitude) → fractional MIDI
pitch → one global tuning offset (energy-weighted circular mean of the peaks' deviation from the
equal-tempered grid, so a loop tuned to 432 Hz or pitched by 30 cents still lands in the right
bins) → a semitone "pitchgram" (MIDI 24..107, squared-cosine weighting within half a semitone).
The chroma folds the pitchgram's octaves; the bass chroma folds only the lowest register, where
the tonic of sample-pack loops usually sits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from samplemind.audio.signal import FloatArray

__all__ = [
    "CHROMA_FRAME",
    "CHROMA_HOP",
    "CHROMA_RATE_HZ",
    "MIDI_HIGH",
    "MIDI_LOW",
    "Chromagram",
    "compute_chromagram",
]

CHROMA_RATE_HZ = 11025
CHROMA_FRAME = 4096
CHROMA_HOP = 1024
#: Pitchgram range: C1 (32.7 Hz) .. B7 (3951 Hz).
MIDI_LOW = 24
MIDI_HIGH = 107
#: Peaks weaker than this below the loudest peak of their frame are ignored.
_PEAK_FLOOR_DB = 60.0
#: Absolute floor (linear magnitude of the 4096-point Hann spectrum): about -100 dBFS.
_ABS_FLOOR = 1e-5 * CHROMA_FRAME / 4
#: Pitches below this are "bass" (up to B2, 123 Hz: bass notes and left-hand roots).
_BASS_HIGH = 48

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Chromagram:
    """Pitch features over time, one row per ~93 ms frame.

    Attributes:
        pitchgram: ``(n_frames, MIDI_HIGH - MIDI_LOW + 1)`` peak energy per semitone.
        times_s: centre time of each frame in seconds.
        tuning_cents: global deviation from A4 = 440 Hz, -50..50 cents.
        energy: ``(n_frames,)`` total spectral energy per frame (for weighting and silence).
    """

    pitchgram: F64
    times_s: F64
    tuning_cents: float
    energy: F64

    @property
    def n_frames(self) -> int:
        return int(self.pitchgram.shape[0])

    def chroma(self, *, compress: float = 0.5) -> F64:
        """``(n_frames, 12)`` pitch-class profile; ``compress`` is the exponent applied per pitch.

        Compression (energy ** 0.5 = magnitude by default) keeps one loud bass note from drowning
        the chord above it.
        """
        return fold_octaves(self.pitchgram**compress)

    def bass_chroma(self, *, compress: float = 0.5) -> F64:
        """``(n_frames, 12)`` pitch classes of the lowest register only (below C3)."""
        return fold_octaves(self.pitchgram[:, : _BASS_HIGH - MIDI_LOW] ** compress)


def fold_octaves(pitchgram: F64, *, start_midi: int = MIDI_LOW) -> F64:
    """Sum a ``(n, k)`` semitone grid whose column 0 is ``start_midi`` into ``(n, 12)`` classes."""
    n, k = pitchgram.shape
    pad = (-k) % 12
    grid = np.pad(pitchgram, ((0, 0), (0, pad))).reshape(n, -1, 12).sum(axis=1)
    # Column j of the grid is pitch class (start_midi + j) % 12; roll so column 0 is C.
    return np.roll(grid, start_midi % 12, axis=1)


def _spectrum(y: FloatArray) -> npt.NDArray[np.float32]:
    if y.shape[0] < CHROMA_FRAME:
        y = np.pad(y, (0, CHROMA_FRAME - y.shape[0]))
    n = 1 + int(np.ceil(max(y.shape[0] - CHROMA_FRAME, 0) / CHROMA_HOP))
    y = np.pad(y, (0, (n - 1) * CHROMA_HOP + CHROMA_FRAME - y.shape[0]))
    frames = np.lib.stride_tricks.sliding_window_view(y, CHROMA_FRAME)[::CHROMA_HOP][:n]
    window = np.hanning(CHROMA_FRAME).astype(np.float32)
    return np.abs(np.fft.rfft(frames * window, axis=1)).astype(np.float32)


def compute_chromagram(y: FloatArray, *, sample_rate_hz: int = CHROMA_RATE_HZ) -> Chromagram:
    """Pitchgram, tuning and frame energy of mono ``y`` sampled at ``sample_rate_hz``.

    Args:
        y: mono samples, ideally at :data:`CHROMA_RATE_HZ` (other rates work; bins scale).
        sample_rate_hz: the rate of ``y``.
    """
    mag = _spectrum(y)
    n_frames, n_bins = mag.shape
    energy = (mag.astype(np.float64) ** 2).sum(axis=1)
    times = (np.arange(n_frames) * CHROMA_HOP + CHROMA_FRAME / 2) / sample_rate_hz
    n_pitch = MIDI_HIGH - MIDI_LOW + 1
    empty = Chromagram(np.zeros((n_frames, n_pitch)), times, 0.0, energy)

    # Local maxima of the magnitude, above a per-frame relative floor and an absolute floor.
    centre = mag[:, 1:-1]
    frame_max = mag.max(axis=1, keepdims=True)
    floor = np.maximum(frame_max * 10 ** (-_PEAK_FLOOR_DB / 20), _ABS_FLOOR)
    is_peak = (centre > mag[:, :-2]) & (centre >= mag[:, 2:]) & (centre > floor)
    rows, cols = np.nonzero(is_peak)
    if rows.size == 0:
        return empty
    cols = cols + 1
    log_mag = np.log(mag[:, :].astype(np.float64) + 1e-12)
    a, b, c = log_mag[rows, cols - 1], log_mag[rows, cols], log_mag[rows, cols + 1]
    denom = a - 2 * b + c
    offset = np.where(denom < 0, 0.5 * (a - c) / np.where(denom < 0, denom, -1.0), 0.0)
    peak_log = b - 0.25 * (a - c) * offset
    freq = (cols + offset) * sample_rate_hz / CHROMA_FRAME
    amp = np.exp(peak_log)
    keep = (freq > 0) & (cols < n_bins - 1)
    rows, freq, amp = rows[keep], freq[keep], amp[keep]
    midi = 69.0 + 12.0 * np.log2(np.maximum(freq, 1e-6) / 440.0)
    in_range = (midi > MIDI_LOW - 0.5) & (midi < MIDI_HIGH + 0.5)
    rows, midi, amp = rows[in_range], midi[in_range], amp[in_range]
    if rows.size == 0:
        return empty

    power = amp**2
    # Tuning: the energy-weighted circular mean of each peak's deviation from the semitone grid.
    phase = 2 * np.pi * (midi - np.round(midi))
    tuning = float(np.angle(np.sum(power * np.exp(1j * phase))) / (2 * np.pi))
    midi = midi - tuning
    nearest = np.round(midi)
    weight = np.cos(np.pi * (midi - nearest)) ** 2
    idx = np.clip(nearest.astype(np.int64) - MIDI_LOW, 0, n_pitch - 1)
    pitchgram = np.zeros((n_frames, n_pitch))
    np.add.at(pitchgram, (rows, idx), power * weight)
    return Chromagram(pitchgram, times, round(100 * tuning, 1), energy)
