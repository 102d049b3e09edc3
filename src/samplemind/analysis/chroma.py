"""Tuning-robust pitch features and chord decoding, shared by key, key-change and chord analysis.

Why a second spectrum: the shared 2048-point spectrogram at 44.1 kHz has 21.5 Hz bins, wider than
a semitone below ~370 Hz, which is exactly where bass notes and chord roots live. Harmony therefore
uses its own long-window spectrum of the signal resampled to 11025 Hz (4096 points = 2.7 Hz bins,
Nyquist 5.5 kHz, 93 ms hop). It costs less than the shared spectrogram: 16x fewer frames.

Pipeline (all vectorised numpy, a few milliseconds per loop):

1. spectral peaks per frame, parabolic interpolation on the log magnitude;
2. peak frequency → fractional MIDI pitch; one global tuning offset, the energy-weighted circular
   mean of every peak's deviation from the semitone grid (a loop tuned to 432 Hz or pitched by
   30 cents still lands in the right bins);
3. a semitone **pitchgram** (MIDI 24..107) with squared-cosine weighting within half a semitone;
4. chroma folds its octaves: all of them, the *treble* (C3 and up: the chord) or the *bass* (below
   C3: the bass line and left-hand roots, which name the chord root and usually the tonic);
5. :func:`decode_chords`: treble chroma against harmonic-aware chord templates (maj, min, 7,
   maj7, m7; each chord tone carries six decaying partials, so the fifth harmonic of a root does
   not read as a major third), plus a bass-root bonus, smoothed by a Viterbi pass with a sticky
   self-transition.

Example:
    >>> import numpy as np
    >>> t = np.arange(int(CHROMA_RATE_HZ * 2.0)) / CHROMA_RATE_HZ
    >>> freqs = [261.63, 329.63, 392.0]  # C4 E4 G4
    >>> y = sum(np.sin(2 * np.pi * f * t) for f in freqs).astype(np.float32)
    >>> track = decode_chords(compute_chromagram(y))
    >>> track.labels()
    ['C']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.fft

from samplemind.audio.signal import FloatArray
from samplemind.domain.music import PITCH_CLASSES

__all__ = [
    "CHORD_CLASSES",
    "CHORD_QUALITIES",
    "CHORD_ROOTS",
    "CHROMA_FRAME",
    "CHROMA_HOP",
    "CHROMA_RATE_HZ",
    "MIDI_HIGH",
    "MIDI_LOW",
    "ChordTrack",
    "Chromagram",
    "chord_fit",
    "chord_label",
    "compute_chromagram",
    "decode_chords",
    "fold_octaves",
    "harmonic_chroma",
    "normalize_rows",
    "viterbi",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

CHROMA_RATE_HZ = 11025
CHROMA_FRAME = 4096
CHROMA_HOP = 1024
#: Pitchgram range: C1 (32.7 Hz) .. B7 (3951 Hz).
MIDI_LOW = 24
MIDI_HIGH = 107
#: Treble/bass split: C3 (130.8 Hz). Bass lines sit below; chord voicings above.
TREBLE_LOW = 48
#: Peaks weaker than this below the loudest peak of their frame are ignored.
_PEAK_FLOOR_DB = 60.0
#: Absolute peak floor: about -100 dBFS for the 4096-point Hann spectrum of a full-scale sine.
_ABS_FLOOR = 1e-5 * CHROMA_FRAME / 4
#: Frames more than this below the loudest frame are "inactive" (tails, gaps between stabs).
_ACTIVE_DB = 20.0
#: Magnitude compression applied per semitone before folding: one loud bass note must not drown
#: the chord above it.
_COMPRESS = 0.5

#: Chord qualities: interval set and the functional class a key model reads
#: (0 = major triad, 1 = minor triad, 2 = dominant seventh). Sevenths other than the dominant
#: behave like their triads in every key model, so they share its class.
CHORD_QUALITIES: dict[str, tuple[tuple[int, ...], int]] = {
    "": ((0, 4, 7), 0),
    "m": ((0, 3, 7), 1),
    "7": ((0, 4, 7, 10), 2),
    "maj7": ((0, 4, 7, 11), 0),
    "m7": ((0, 3, 7, 10), 1),
}
#: Template partials: six per chord tone, amplitude 0.6 ** (h - 1) (a typical synth/keys decay).
_HARMONIC_DECAY = 0.6
_N_HARMONICS = 6
#: Bonus for a chord whose root carries the bass register's energy (share 0..1 times this).
_BASS_WEIGHT = 0.3
#: Template correlation → log-likelihood scale, and the Viterbi self-transition (93 ms frames).
_SHARPNESS = 10.0
_STAY = 0.95
#: Frames per FFT call.
_FFT_BLOCK = 1024


def normalize_rows(x: F64) -> F64:
    """Rows with their mean removed and scaled to unit length (zero rows stay zero)."""
    centred = x - x.mean(axis=-1, keepdims=True)
    norm = np.linalg.norm(centred, axis=-1, keepdims=True)
    return np.asarray(centred / np.maximum(norm, 1e-12), dtype=np.float64)


def fold_octaves(pitchgram: F64, *, start_midi: int = MIDI_LOW) -> F64:
    """Sum a ``(n, k)`` semitone grid whose column 0 is ``start_midi`` into ``(n, 12)`` classes."""
    n, k = pitchgram.shape
    pad = (-k) % 12
    grid = np.pad(pitchgram, ((0, 0), (0, pad))).reshape(n, -1, 12).sum(axis=1)
    # Column j of the grid is pitch class (start_midi + j) % 12; roll so that column 0 is C.
    return np.roll(grid, start_midi % 12, axis=1)


def harmonic_chroma(pitch_classes: tuple[int, ...], *, decay: float = _HARMONIC_DECAY) -> F64:
    """Expected chroma of notes with ``_N_HARMONICS`` partials of amplitude ``decay ** (h - 1)``."""
    chroma = np.zeros(12)
    for pc in pitch_classes:
        for h in range(1, _N_HARMONICS + 1):
            chroma[(pc + round(12 * np.log2(h))) % 12] += decay ** (h - 1)
    return chroma


@dataclass(frozen=True)
class Chromagram:
    """Pitch features over time, one row per 93 ms frame.

    Attributes:
        pitchgram: ``(n_frames, MIDI_HIGH - MIDI_LOW + 1)`` peak energy per semitone.
        times_s: centre time of each frame in seconds.
        tuning_cents: global deviation from A4 = 440 Hz, -50..50 cents.
        peak_energy: ``(n_frames,)`` energy of the in-range peaks before semitone weighting:
            ``pitchgram.sum(1) / peak_energy`` near 1 means the peaks sit on the tuned semitone
            grid (tonal), near 0.5 that they fall anywhere (noise, drums).
    """

    pitchgram: F64
    times_s: F64
    tuning_cents: float
    peak_energy: F64

    @property
    def n_frames(self) -> int:
        return int(self.pitchgram.shape[0])

    @cached_property
    def _compressed(self) -> F64:
        return np.asarray(self.pitchgram**_COMPRESS, dtype=np.float64)

    @cached_property
    def chroma(self) -> F64:
        """``(n_frames, 12)`` pitch-class magnitude over the whole range."""
        return fold_octaves(self._compressed)

    @cached_property
    def treble(self) -> F64:
        """``(n_frames, 12)`` pitch classes from C3 up (chord voicings, melodies)."""
        return fold_octaves(self._compressed[:, TREBLE_LOW - MIDI_LOW :], start_midi=TREBLE_LOW)

    @cached_property
    def bass(self) -> F64:
        """``(n_frames, 12)`` pitch classes below C3 (bass line, chord roots)."""
        return fold_octaves(self._compressed[:, : TREBLE_LOW - MIDI_LOW])

    @cached_property
    def active(self) -> npt.NDArray[np.bool_]:
        """Frames within 20 dB of the loudest (never empty)."""
        level = self.chroma.sum(axis=1)
        active = level > level.max() * 10 ** (-_ACTIVE_DB / 10)
        return active if active.any() else np.ones_like(active)


def _magnitude_frames(y: FloatArray) -> npt.NDArray[np.float32]:
    if y.shape[0] < CHROMA_FRAME:
        y = np.pad(y, (0, CHROMA_FRAME - y.shape[0]))
    n = 1 + -(-(y.shape[0] - CHROMA_FRAME) // CHROMA_HOP)
    y = np.pad(y, (0, (n - 1) * CHROMA_HOP + CHROMA_FRAME - y.shape[0]))
    frames = np.lib.stride_tricks.sliding_window_view(y, CHROMA_FRAME)[::CHROMA_HOP][:n]
    window = np.hanning(CHROMA_FRAME).astype(np.float32)
    mag = np.empty((n, CHROMA_FRAME // 2 + 1), dtype=np.float32)
    # scipy's FFT keeps float32 (numpy's upcasts, several times slower); blocks bound the memory
    # a long file needs.
    for start in range(0, n, _FFT_BLOCK):
        spectrum = scipy.fft.rfft(frames[start : start + _FFT_BLOCK] * window, axis=1)
        mag[start : start + _FFT_BLOCK] = np.abs(spectrum)
    return mag


def compute_chromagram(y: FloatArray, *, sample_rate_hz: int = CHROMA_RATE_HZ) -> Chromagram:
    """Pitchgram, tuning and peak energies of mono ``y``.

    Args:
        y: mono samples, ideally at :data:`CHROMA_RATE_HZ` (other rates work; the 4096-point
            frame then spans a different duration).
        sample_rate_hz: the rate of ``y``.
    """
    mag = _magnitude_frames(np.asarray(y, dtype=np.float32))
    n_frames = mag.shape[0]
    times = (np.arange(n_frames) * CHROMA_HOP + CHROMA_FRAME / 2) / sample_rate_hz
    n_pitch = MIDI_HIGH - MIDI_LOW + 1
    empty = Chromagram(np.zeros((n_frames, n_pitch)), times, 0.0, np.zeros(n_frames))
    # Only bins up to a semitone above the pitchgram's top are searched for peaks.
    top_hz = 440.0 * 2 ** ((MIDI_HIGH + 1 - 69) / 12)
    mag = mag[:, : min(mag.shape[1], int(top_hz * CHROMA_FRAME / sample_rate_hz) + 2)]

    # Local maxima above a per-frame relative floor and an absolute floor.
    centre = mag[:, 1:-1]
    floor = np.maximum(mag.max(axis=1, keepdims=True) * 10 ** (-_PEAK_FLOOR_DB / 20), _ABS_FLOOR)
    rows, cols = np.nonzero((centre > mag[:, :-2]) & (centre >= mag[:, 2:]) & (centre > floor))
    if rows.size == 0:
        return empty
    cols = cols + 1
    a, b, c = (np.log(mag[rows, cols + d].astype(np.float64) + 1e-12) for d in (-1, 0, 1))
    curvature = a - 2 * b + c
    offset = np.where(curvature < 0, 0.5 * (a - c) / np.minimum(curvature, -1e-12), 0.0)
    power = np.exp(2 * (b - 0.25 * (a - c) * offset))
    freq = (cols + offset) * sample_rate_hz / CHROMA_FRAME
    midi = 69.0 + 12.0 * np.log2(np.maximum(freq, 1e-6) / 440.0)
    keep = (midi > MIDI_LOW - 0.5) & (midi < MIDI_HIGH + 0.5)
    rows, midi, power = rows[keep], midi[keep], power[keep]
    if rows.size == 0:
        return empty

    # Tuning: the energy-weighted circular mean of each peak's deviation from the semitone grid.
    phase = np.exp(2j * np.pi * (midi - np.round(midi)))
    tuning = float(np.angle(np.sum(power * phase)) / (2 * np.pi))
    midi = midi - tuning
    nearest = np.round(midi)
    weight = np.cos(np.pi * (midi - nearest)) ** 2
    idx = np.clip(nearest.astype(np.int64) - MIDI_LOW, 0, n_pitch - 1)
    cells = rows * n_pitch + idx
    flat = np.bincount(cells, weights=power * weight, minlength=n_frames * n_pitch).astype(
        np.float64
    )
    peak_energy = np.bincount(rows, weights=power, minlength=n_frames).astype(np.float64)
    return Chromagram(flat.reshape(n_frames, n_pitch), times, round(100 * tuning, 1), peak_energy)


# --------------------------------------------------------------------------- chords


def _chord_vocabulary() -> tuple[F64, I64, I64, tuple[str, ...]]:
    templates, roots, classes, suffixes = [], [], [], []
    for suffix, (intervals, cls) in CHORD_QUALITIES.items():
        for root in range(12):
            templates.append(harmonic_chroma(tuple(root + i for i in intervals)))
            roots.append(root)
            classes.append(cls)
            suffixes.append(suffix)
    return (
        normalize_rows(np.array(templates)),
        np.array(roots, dtype=np.int64),
        np.array(classes, dtype=np.int64),
        tuple(suffixes),
    )


_TEMPLATES, _ROOTS, _CLASSES, _SUFFIXES = _chord_vocabulary()
_ROOTS.flags.writeable = False
_CLASSES.flags.writeable = False
#: Root pitch class of each vocabulary entry (read-only).
CHORD_ROOTS: I64 = _ROOTS
#: Functional class of each vocabulary entry: 0 major, 1 minor, 2 dominant seventh (read-only).
CHORD_CLASSES: I64 = _CLASSES


def chord_label(index: int) -> str:
    """Label of vocabulary entry ``index``: ``"C"``, ``"Am"``, ``"G7"``, ``"Fmaj7"``, ``"Dm7"``."""
    return PITCH_CLASSES[int(_ROOTS[index])] + _SUFFIXES[index]


def chord_fit(chroma: F64) -> F64:
    """Per row of ``chroma`` ``(n, 12)``: correlation with the best-matching chord template."""
    return np.asarray((normalize_rows(chroma) @ _TEMPLATES.T).max(axis=1), dtype=np.float64)


def viterbi(log_obs: F64, stay: float) -> I64:
    """Most likely state path under a uniform "stay, or jump to any other state" model.

    Args:
        log_obs: ``(n, states)`` log-likelihood of each observation under each state.
        stay: probability of keeping the state from one observation to the next.
    """
    n, states = log_obs.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    log_stay, log_move = np.log(stay), np.log((1 - stay) / (states - 1))
    back = np.zeros((n, states), dtype=np.int64)
    score = log_obs[0].copy()
    for i in range(1, n):
        # With uniform jumps the best predecessor is either the state itself or the global best.
        best = int(np.argmax(score))
        jump = score[best] + log_move
        stay_score = score + log_stay
        moved = jump > stay_score
        back[i] = np.where(moved, best, np.arange(states))
        score = np.where(moved, jump, stay_score) + log_obs[i]
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(np.argmax(score))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


@dataclass(frozen=True)
class ChordTrack:
    """Decoded chords of the active frames.

    Attributes:
        frames: indices (into the chromagram) of the active frames that were decoded.
        chords: ``(len(frames),)`` vocabulary index per decoded frame.
        times_s: centre time of each decoded frame.
        fit: ``(len(frames),)`` correlation of each frame's treble chroma with its best
            template (how chord-like the frame is, -1..1).
    """

    frames: I64
    chords: I64
    times_s: F64
    fit: F64

    @property
    def roots(self) -> I64:
        return _ROOTS[self.chords]

    @property
    def classes(self) -> I64:
        """Functional class per frame: 0 major, 1 minor, 2 dominant seventh."""
        return _CLASSES[self.chords]

    def segments(self, *, min_frames: int = 1) -> list[tuple[int, int, int]]:
        """``(chord, first, length)`` runs, as positions in :attr:`chords`.

        Runs shorter than ``min_frames`` are dropped (passing notes, crossfades); equal chords on
        either side of a dropped run merge into one run spanning it.
        """
        runs: list[tuple[int, int, int]] = []
        if self.chords.size == 0:
            return runs
        change = np.flatnonzero(np.diff(self.chords)) + 1
        starts = np.concatenate([[0], change]).tolist()
        ends = np.concatenate([change, [self.chords.size]]).tolist()
        for start, end in zip(starts, ends, strict=True):
            chord = int(self.chords[start])
            if end - start < min_frames:
                continue
            if runs and runs[-1][0] == chord:
                runs[-1] = (chord, runs[-1][1], end - runs[-1][1])
            else:
                runs.append((chord, start, end - start))
        return runs

    def labels(self, *, min_frames: int = 2) -> list[str]:
        """Chord labels in order, one per run of at least ``min_frames`` frames."""
        return [chord_label(c) for c, _, _ in self.segments(min_frames=min_frames)]


def decode_chords(chromagram: Chromagram) -> ChordTrack:
    """Chord per active frame: template fit on the treble, bass-root bonus, Viterbi smoothing."""
    frames = np.flatnonzero(chromagram.active).astype(np.int64)
    treble = chromagram.treble[frames]
    bass = chromagram.bass[frames]
    fit_all = normalize_rows(treble) @ _TEMPLATES.T
    bass_share = bass / np.maximum(bass.sum(axis=1, keepdims=True), 1e-12)
    # The lowest note is usually the root: a bonus, not a rule, so inversions still decode.
    score = _SHARPNESS * (fit_all + _BASS_WEIGHT * bass_share[:, _ROOTS])
    log_obs = score - np.logaddexp.reduce(score, axis=1, keepdims=True)
    chords = viterbi(log_obs, _STAY)
    return ChordTrack(
        frames=frames,
        chords=chords,
        times_s=chromagram.times_s[frames],
        fit=fit_all.max(axis=1),
    )
