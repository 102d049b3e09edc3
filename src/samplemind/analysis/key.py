"""Musical key (STANDARD), key changes and chord sequences (DETAILED).

Plain key-profile matching (Krumhansl, Temperley, Essentia's ``edma``) sees which seven notes a
loop uses but not which of them is home, so it confuses relative keys (C major vs A minor) and
fifths. Sample-pack loops answer that question with their chords: the progression starts on the
tonic, dwells on it, and a dominant seventh resolves to it. The model here scores the 24 keys with

* ``profile``: Temperley's profile against the loop's mean chroma (which seven notes);
* ``chords``: the mean log-probability of the decoded chord of every frame under the key's chord
  vocabulary (I, IV, V, vi are common in major; i, iv, VI, VII, III in minor; the rest is rare);
* ``first``: the log-probability of the opening chord being that chord of the key (the opening
  chord is the tonic far more often than anything else);
* ``cadence``: the share of frames on the key's dominant seventh chord.

The four are combined linearly and turned into probabilities with a softmax; the weights were fit
by maximum likelihood on synthetic loops rendered with the FluidR3 soundfont (seeds disjoint from
the benchmark corpus) and checked on loops rendered with other soundfonts. The softmax
probability of the chosen key is the reported confidence.

Not every file has a key. A file gets ``None`` when its frames do not look like chords or notes
on a tuned semitone grid (drums, noise; :func:`tonality`), or when all of its pitched energy is
one harmonic series (a single-note one-shot: the pitch analyzer reports its root).

Priors written by people (``ctx.hints``: file name, ID3/Vorbis tags) win unless the audio
contradicts them. **Policy**: the hinted key is returned (source ``filename``/``metadata``) when
the audio has no key of its own, agrees with it, names a neighbour on the Camelot wheel (same
key, relative, ±1 fifth), is unsure (best key below 0.6), or still gives the hint at least 10%.
Otherwise a confident audio key wins with source ``audio``: a "Loop_F#min.wav" that is plainly a
C major progression is mislabelled (or was pitched after naming), and the audio is what plays.

Example:
    >>> import numpy as np
    >>> from samplemind.analysis.chroma import CHROMA_RATE_HZ, compute_chromagram, decode_chords
    >>> def chord(*midi: int) -> np.ndarray:
    ...     t = np.arange(CHROMA_RATE_HZ) / CHROMA_RATE_HZ
    ...     return sum(np.sin(2 * np.pi * 440 * 2 ** ((m - 69) / 12) * t) for m in midi)
    >>> y = np.concatenate([chord(45, 57, 60, 64), chord(41, 57, 60, 65), chord(40, 56, 59, 64)])
    >>> chromagram = compute_chromagram(y.astype(np.float32))  # Am F E
    >>> probs = key_probabilities(chromagram, decode_chords(chromagram))
    >>> _KEYS[int(probs.argmax())].name, _KEYS[int(probs.argmax())].camelot
    ('A minor', '8A')
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

from samplemind.analysis.base import Analyzer
from samplemind.analysis.chroma import (
    CHORD_CLASSES,
    CHORD_ROOTS,
    CHROMA_FRAME,
    CHROMA_HOP,
    CHROMA_RATE_HZ,
    MIDI_HIGH,
    MIDI_LOW,
    ChordTrack,
    Chromagram,
    chord_fit,
    chord_label,
    decode_chords,
    normalize_rows,
    viterbi,
)
from samplemind.analysis.context import AnalysisContext
from samplemind.domain.analysis import AnalysisLevel, KeyEstimate, Source, TimedKey
from samplemind.domain.music import Mode, MusicalKey

__all__ = [
    "KeyAnalyzer",
    "chord_sequence",
    "chord_track",
    "estimate_key",
    "key_changes",
    "key_probabilities",
    "tonality",
]

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]

#: Key index ``k``: tonic ``k % 12``; major for ``k < 12``, minor otherwise.
_KEYS: tuple[MusicalKey, ...] = tuple(
    MusicalKey(tonic=t, mode=m) for m in (Mode.MAJOR, Mode.MINOR) for t in range(12)
)

# Temperley (1999) key profiles, C major and C minor.
_TEMPERLEY_MAJOR = (5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0)
_TEMPERLEY_MINOR = (5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0)


def _profile_matrix() -> F64:
    rows = [np.roll(_TEMPERLEY_MAJOR, t) for t in range(12)]
    rows += [np.roll(_TEMPERLEY_MINOR, t) for t in range(12)]
    return normalize_rows(np.array(rows, dtype=np.float64))


_PROFILES = _profile_matrix()


def _chord_table(common: dict[tuple[int, int], float], rare: float) -> F64:
    """Log-probabilities of a chord given the key, indexed ``interval + 12 * class``.

    ``interval`` is the chord root above the tonic; ``class`` is 0 major, 1 minor, 2 dominant 7th.
    """
    table = np.full(36, rare)
    for (interval, cls), p in common.items():
        table[interval + 12 * cls] = p
    return np.asarray(np.log(table / table.sum()), dtype=np.float64)


# Diatonic harmony of pop, dance and film loops: roughly how often each chord is heard in a key.
# Dominant sevenths: V7 in major; V7 (harmonic minor) and the subtonic VII7 in minor.
_ANY_MAJOR = _chord_table(
    {(0, 0): 0.28, (5, 0): 0.17, (7, 0): 0.12, (7, 2): 0.08, (9, 1): 0.15, (2, 1): 0.10,
     (4, 1): 0.06},
    rare=0.002,
)  # fmt: skip
_ANY_MINOR = _chord_table(
    {(0, 1): 0.28, (5, 1): 0.10, (7, 1): 0.06, (7, 0): 0.05, (7, 2): 0.04, (8, 0): 0.14,
     (10, 0): 0.12, (10, 2): 0.03, (3, 0): 0.10},
    rare=0.002,
)  # fmt: skip
# Which chord a loop opens on: mostly the tonic; major loops also open on vi, IV or ii.
_FIRST_MAJOR = _chord_table(
    {(0, 0): 0.55, (9, 1): 0.14, (5, 0): 0.12, (2, 1): 0.12, (7, 0): 0.03, (4, 1): 0.02},
    rare=0.001,
)
_FIRST_MINOR = _chord_table(
    {(0, 1): 0.75, (8, 0): 0.08, (5, 1): 0.06, (10, 0): 0.04, (3, 0): 0.03},
    rare=0.001,
)

# Weights of (profile, chords, first, cadence): maximum likelihood (softmax over the 24 keys) on
# 360 FluidR3 loops from benchmarks/corpus.py seeds 101-103, leaving out the two progressions
# whose audio is identical (vi-IV-I-V in major, i-VI-III-VII in its relative minor).
_WEIGHTS = np.array([1.48, 2.84, 1.08, 1.01])

# Tonality: logistic regression on (treble chord fit, chord fit, chroma stability, grid alignment),
# fit on the same seeds' loops against their drum loops and drum hits.
_TONAL_WEIGHTS = np.array([12.5, 6.64, 4.11, 9.29])
_TONAL_BIAS = -23.76
#: Decision thresholds on the tonality logit: loops; one-shots must look far more like chords.
_TONAL_LOGIT_LOOP = -1.5
_TONAL_LOGIT_ONE_SHOT = 1.5
#: Share of pitched energy one harmonic series may explain before the file is "one note".
_SINGLE_NOTE_SHARE = 0.75

#: Hint policy thresholds (see the module docstring).
_AUDIO_SURE = 0.6
_HINT_PLAUSIBLE = 0.1


def chord_track(ctx: AnalysisContext) -> ChordTrack:
    """The file's decoded chords, computed once per file and shared (key, key changes, chords)."""
    return ctx.shared("key.chords", lambda c: decode_chords(c.chromagram))


def _relative_index(
    roots: npt.NDArray[np.int64], classes: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``(24, n)`` chord index relative to every key: ``(root - tonic) % 12 + 12 * class``."""
    tonics = np.arange(24)[:, None] % 12
    return np.asarray((roots[None, :] - tonics) % 12 + 12 * classes[None, :], dtype=np.int64)


def _chord_log_probs(rel: npt.NDArray[np.int64], table_major: F64, table_minor: F64) -> F64:
    """Look ``rel`` ``(24, n)`` up in the major table for keys 0..11, the minor one for 12..23."""
    return np.concatenate([table_major[rel[:12]], table_minor[rel[12:]]])


def _opening_chord(track: ChordTrack) -> int | None:
    """Vocabulary index of the loop's first real chord.

    Runs shorter than two frames are noise; a first run shorter than half the median is the
    release of the loop's last chord wrapping around (or a slow attack blending two chords).
    """
    runs = track.segments(min_frames=2) or track.segments()
    if not runs:
        return None
    median = float(np.median([length for _, _, length in runs]))
    if len(runs) > 1 and runs[0][2] < 0.5 * median:
        runs = runs[1:]
    return runs[0][0]


def _features(mean_chroma: F64, track: ChordTrack, positions: slice | None = None) -> F64:
    """``(24, 4)`` features: profile, chords, first, cadence (see the module docstring).

    ``positions`` restricts the chord terms to a stretch of the decoded frames; the opening-chord
    term is then left at zero (a window's first chord is not the piece's first chord).
    """
    features = np.zeros((24, 4))
    features[:, 0] = _PROFILES @ normalize_rows(mean_chroma[None, :])[0]
    roots, classes = track.roots, track.classes
    if positions is not None:
        roots, classes = roots[positions], classes[positions]
    if roots.size == 0:
        return features
    rel = _relative_index(roots, classes)
    features[:, 1] = _chord_log_probs(rel, _ANY_MAJOR, _ANY_MINOR).mean(axis=1)
    dominant = (np.arange(24) + 7) % 12
    features[:, 3] = ((roots[None, :] == dominant[:, None]) & (classes[None, :] == 2)).mean(axis=1)
    first = _opening_chord(track) if positions is None else None
    if first is not None:
        rel = _relative_index(CHORD_ROOTS[[first]], CHORD_CLASSES[[first]])
        features[:, 2] = _chord_log_probs(rel, _FIRST_MAJOR, _FIRST_MINOR)[:, 0]
    return features


def _softmax(scores: F64) -> F64:
    shifted = np.exp(scores - scores.max())
    return np.asarray(shifted / shifted.sum(), dtype=np.float64)


def key_probabilities(chromagram: Chromagram, track: ChordTrack) -> F64:
    """Probability of each of the 24 keys (index: tonic, +12 for minor) given the audio."""
    mean_chroma = chromagram.chroma[chromagram.active].mean(axis=0)
    return _softmax(_features(mean_chroma, track) @ _WEIGHTS)


# --------------------------------------------------------------------------- is there a key?


def _tonality_logit(chromagram: Chromagram) -> float:
    active = chromagram.active
    chroma = chromagram.chroma[active]
    level = chroma.sum(axis=1)
    if level.sum() <= 0:
        return -np.inf
    weight = level / level.sum()
    fit_treble = float(chord_fit(chromagram.treble[active]) @ weight)
    fit_all = float(chord_fit(chroma) @ weight)
    rows = normalize_rows(chroma)
    # Chords and notes hold their pitch classes from frame to frame; drum hits do not.
    if rows.shape[0] > 1:
        stability = float((rows[1:] * rows[:-1]).sum(axis=1) @ (weight[1:] / weight[1:].sum()))
    else:
        stability = 0.0
    peak = chromagram.peak_energy[active].sum()
    alignment = float(chromagram.pitchgram[active].sum() / peak) if peak > 0 else 0.0
    features = np.array([fit_treble, fit_all, stability, alignment])
    return float(features @ _TONAL_WEIGHTS + _TONAL_BIAS)


def tonality(chromagram: Chromagram) -> float:
    """Probability (0..1) that the audio is tonal material (chords, melody, bass) at all.

    A logistic model of four cues: how well frames match chord templates (treble and whole
    range), how stable the chroma is from frame to frame, and how well spectral peaks sit on the
    tuned semitone grid (noise and drum partials fall anywhere).
    """
    logit = _tonality_logit(chromagram)
    return float(1.0 / (1.0 + np.exp(-logit))) if np.isfinite(logit) else 0.0


_HARMONIC_OFFSETS = sorted({round(12 * np.log2(h)) for h in range(1, 17)})


def _single_series_share(chromagram: Chromagram) -> float:
    """Share of the pitched energy explained by the best single harmonic series (0..1)."""
    mean = np.sqrt(chromagram.pitchgram[chromagram.active]).mean(axis=0)
    total = mean.sum()
    if total <= 0:
        return 0.0
    n_pitch = MIDI_HIGH - MIDI_LOW + 1
    series = np.zeros(n_pitch)
    for offset in _HARMONIC_OFFSETS:
        series[: n_pitch - offset] += mean[offset:]
    return float(series.max() / total)


def _is_one_shot(ctx: AnalysisContext) -> bool:
    loop = ctx.outputs.get("loop")
    if loop is not None:
        return not bool(loop.is_loop)
    # Without the loop analyzer, short files are treated as one-shots (the stricter rule).
    return ctx.duration_s < 2.0


def _audio_key(ctx: AnalysisContext) -> tuple[F64, float] | None:
    """``(key probabilities, tonality)`` or None when the audio has no key."""
    chromagram, track = ctx.chromagram, chord_track(ctx)
    logit = _tonality_logit(chromagram)
    threshold = _TONAL_LOGIT_ONE_SHOT if _is_one_shot(ctx) else _TONAL_LOGIT_LOOP
    if not logit > threshold:
        log.debug("%s: not tonal (logit %.2f)", ctx.path, logit)
        return None
    if _single_series_share(chromagram) > _SINGLE_NOTE_SHARE:
        log.debug("%s: a single note; no key", ctx.path)
        return None
    return key_probabilities(chromagram, track), float(1.0 / (1.0 + np.exp(-logit)))


def _key_index(key: MusicalKey) -> int:
    return key.tonic + (12 if key.mode is Mode.MINOR else 0)


def _with_hint(
    audio: tuple[F64, float] | None, hint: MusicalKey | None, hint_source: Source | None
) -> KeyEstimate | None:
    """Apply the hint policy of the module docstring."""
    best: KeyEstimate | None = None
    probs: F64 | None = None
    if audio is not None:
        probs, tonal = audio
        index = int(np.argmax(probs))
        confidence = float(probs[index]) * tonal
        best = KeyEstimate(key=_KEYS[index], confidence=round(confidence, 3), source=Source.AUDIO)
    if hint is None:
        return best
    source = hint_source or Source.FILENAME
    prior = 0.85 if source is Source.METADATA else 0.8
    if best is None or probs is None:
        # No key of its own (a labelled 808 or drum loop): the label is all there is.
        return KeyEstimate(key=hint, confidence=round(prior * 0.75, 3), source=source)
    p_hint = float(probs[_key_index(hint)])
    p_best = float(probs.max())
    agrees = hint in best.key.compatible()
    if agrees or p_best < _AUDIO_SURE or p_hint >= _HINT_PLAUSIBLE:
        confidence = 1.0 - (1.0 - prior) * (1.0 - p_hint)
        return KeyEstimate(key=hint, confidence=round(confidence, 3), source=source)
    log.debug("hinted key %s contradicted by the audio (%s, p=%.2f)", hint, best.key, p_best)
    return best


def estimate_key(ctx: AnalysisContext) -> KeyEstimate | None:
    """The key of ``ctx``'s audio, reconciled with the file's name and tags (module docstring)."""
    if not ctx.chromagram.peak_energy.any():
        return None  # silence: no pitched content, and a label cannot be checked
    return _with_hint(_audio_key(ctx), ctx.hints.key, ctx.hints.key_source)


# --------------------------------------------------------------------------- over time

#: Key changes are judged on windows spanning several chords (a chord held for a few seconds is
#: not a modulation), stepped every 2 s; a change costs about as much as two confident windows.
_CHANGE_WINDOW_S = 10.0
_CHANGE_HOP_S = 2.0
_CHANGE_STAY = 0.95
#: A change point is moved to the nearest chord change within this distance.
_CHANGE_SNAP_S = 2.0


def _boundary_s(track: ChordTrack, position: int) -> float:
    """Time of a change that takes effect at decoded frame ``position`` (between frame centres)."""
    if position <= 0:
        # The first chord starts where its first frame's window starts.
        return round(max(0.0, float(track.times_s[0]) - CHROMA_FRAME / 2 / CHROMA_RATE_HZ), 3)
    return round(float(track.times_s[position - 1] + track.times_s[position]) / 2, 3)


def _window_log_probs(ctx: AnalysisContext, starts: F64) -> F64:
    chromagram, track = ctx.chromagram, chord_track(ctx)
    chroma = chromagram.chroma[track.frames]
    rows = []
    for start in starts:
        lo, hi = np.searchsorted(track.times_s, [start, start + _CHANGE_WINDOW_S])
        if hi <= lo:
            rows.append(np.zeros(24))
            continue
        scores = _features(chroma[lo:hi].mean(axis=0), track, slice(lo, hi)) @ _WEIGHTS
        rows.append(scores - np.logaddexp.reduce(scores))
    return np.array(rows)


def key_changes(ctx: AnalysisContext) -> list[TimedKey]:
    """The key over time: one entry at the start, then one per change (empty when no key).

    Windows of 10 s every 2 s are scored with the key model (without the opening-chord term) and
    smoothed by a 24-state HMM with a sticky transition. Material too short for two windows, or
    without a change, gets the single file-level key.
    """
    audio = _audio_key(ctx)
    track = chord_track(ctx)
    if audio is None or track.chords.size == 0:
        return []
    overall = [TimedKey(start_s=0.0, label=_KEYS[int(np.argmax(audio[0]))].name)]
    span = float(track.times_s[-1])
    if span < _CHANGE_WINDOW_S + _CHANGE_HOP_S:
        return overall
    starts = np.arange(0.0, span - _CHANGE_WINDOW_S + _CHANGE_HOP_S / 2, _CHANGE_HOP_S)
    path = viterbi(_window_log_probs(ctx, starts), _CHANGE_STAY)
    if np.all(path == path[0]):
        return overall
    centres = starts + _CHANGE_WINDOW_S / 2
    chord_changes = np.array(
        [_boundary_s(track, first) for _, first, _ in track.segments(min_frames=2)]
    )
    changes = [TimedKey(start_s=0.0, label=_KEYS[int(path[0])].name)]
    for i in np.flatnonzero(np.diff(path)) + 1:
        at = float(centres[i - 1] + centres[i]) / 2
        near = chord_changes[np.abs(chord_changes - at) <= _CHANGE_SNAP_S]
        if near.size:
            at = float(near[np.argmin(np.abs(near - at))])
        changes.append(TimedKey(start_s=round(at, 3), label=_KEYS[int(path[i])].name))
    return changes


def chord_sequence(ctx: AnalysisContext, *, min_duration_s: float = 0.2) -> list[TimedKey]:
    """Chord labels over time (``"Am"``, ``"F"``, ``"G7"``, ``"Cmaj7"``), merged when unchanged.

    Args:
        ctx: the file's analysis context.
        min_duration_s: chords held for less than this are passing noise and dropped.

    Returns an empty list when the file has no tonal content.
    """
    track = chord_track(ctx)
    if track.chords.size == 0 or _tonality_logit(ctx.chromagram) <= _TONAL_LOGIT_LOOP:
        return []
    hop_s = CHROMA_HOP / CHROMA_RATE_HZ
    min_frames = max(1, round(min_duration_s / hop_s))
    return [
        TimedKey(start_s=_boundary_s(track, first), label=chord_label(chord))
        for chord, first, _ in track.segments(min_frames=min_frames)
    ]


class KeyAnalyzer(Analyzer):
    """Musical key of tonal material; None for drums, noise and single notes."""

    name = "key"
    version = 2
    level = AnalysisLevel.STANDARD
    after = ("loop",)

    def analyze(self, ctx: AnalysisContext) -> KeyEstimate | None:
        return estimate_key(ctx)
