"""Near-duplicate groups from audio fingerprints (pure numpy, no I/O).

Two samples are *near duplicates* when their durations agree within a tolerance and the cosine
similarity of their ``fingerprint@1`` vectors (:mod:`samplemind.analysis.fingerprint`) reaches a
threshold. Groups are stars, not connected components: the sample with the most near duplicates
leads a group of those of its near duplicates not yet taken, then the next best-connected sample
leads, and so on, so every member is within the threshold of its group's leader. (Connected
components chain: on a generated library of 10,000 distinct sounds, 1,948 synthetic bass and
keys notes at neighbouring settings joined one "duplicate" group, each a near twin of the next.)

Thresholds, calibrated on the synthetic sounds of ``tests/analysis/test_fingerprint.py`` and a
second set of plucks, toms, pads, sweeps and claps (each sound against its variants and against
its nearest different sound):

=============  ========  ==================  ==================================================
strictness     cosine    durations within    what it groups
=============  ========  ==================  ==================================================
exact-audio    ≥ 0.9995  max(0.2 %, 2 ms)    the same samples up to level, channel fold and
                                             sample rate (a 22.05 kHz copy of a hi-hat has lost
                                             its top octave and may fall out); high-bitrate
                                             lossy copies usually pass too: the fingerprint
                                             cannot tell them apart
strict         ≥ 0.993   max(1 %, 30 ms)     also a few ms of leading silence, 22.05 kHz copies
                                             and MP3 or Vorbis copies at 128 kbps and up
normal         ≥ 0.985   max(2 %, 30 ms)     also lower-bitrate copies (96 kbps MP3, Vorbis at
                                             libsndfile's default quality)
loose          ≥ 0.975   max(5 %, 60 ms)     also MP3s decoded without gapless information
                                             (~25 ms of encoder delay and padding)
=============  ========  ==================  ==================================================

Measured with ``fingerprint@1`` (cosine to the original, worst case over the test sounds):
48 kHz, ±12 dB and a mono fold ≥ 0.9998; 22.05 kHz ≥ 0.995; 5 or 13 ms of leading silence
≥ 0.996; MP3 128 kbps CBR ≥ 0.998; MP3 96 kbps ≥ 0.996; Vorbis at libsndfile's default quality
(VBR) ≥ 0.993; 25 ms of delay plus 23 ms of padding ≥ 0.993. Not covered: MP3 at 64 kbps stereo
or below (a 50 ms hat falls to 0.97, at 32 kbps to 0.87). Different sounds, nearest pairs: a
kick against the same kick a semitone higher 0.962 or decaying 60 % slower 0.962; a tom
decaying 40 % slower 0.961; a pluck decaying 33 % slower 0.959; a 200 → 2000 Hz sweep against
200 → 2400 Hz 0.960; the same drum loop at 120 and 122.4 BPM 0.959 (at 126 BPM 0.84); every
other pair lower (a kick with a twice slower pitch sweep 0.90). Silent files have no
fingerprint; leave them out.

Cost: items are sorted by duration and compared only within the sliding duration window, in
blocks of matrix products (float32 BLAS), so 20 000 one-shots of similar length take a couple of
seconds and a library of varied lengths much less.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.standard_normal(256), rng.standard_normal(256)
    >>> items = [(1, 0.50, a), (2, 0.501, a + 0.01 * b), (3, 0.50, b), (4, 2.0, a)]
    >>> near_duplicate_groups(items)
    [[(1, 1.0), (2, 0.99995)]]
    >>> criteria_for("sloppy")
    Traceback (most recent call last):
    ...
    samplemind.errors.ConfigError: unknown strictness 'sloppy'; valid: exact-audio, strict, ...
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from samplemind.errors import ConfigError

__all__ = [
    "STRICTNESS",
    "DuplicateCriteria",
    "Strictness",
    "criteria_for",
    "near_duplicate_groups",
]

Strictness = Literal["exact-audio", "strict", "normal", "loose"]

_ROW_BLOCK = 512
_COLUMN_BLOCK = 4096
_DIGITS = 5


@dataclass(frozen=True)
class DuplicateCriteria:
    """When two samples count as near duplicates.

    Attributes:
        min_similarity: Cosine similarity of the fingerprints, at least.
        duration_rel: Durations may differ by this fraction of the longer one...
        duration_abs_s: ...or by this many seconds, whichever is more.
    """

    min_similarity: float
    duration_rel: float
    duration_abs_s: float

    def tolerance_s(self, duration_s: float) -> float:
        """The allowed duration difference in seconds next to a sample of ``duration_s``.

        Example:
            >>> STRICTNESS["normal"].tolerance_s(10.0)
            0.2
        """
        return max(self.duration_rel * duration_s, self.duration_abs_s)


#: Calibrated criteria per strictness (see the module docstring for the measurements).
STRICTNESS: Mapping[str, DuplicateCriteria] = {
    "exact-audio": DuplicateCriteria(0.9995, 0.002, 0.002),
    "strict": DuplicateCriteria(0.993, 0.01, 0.03),
    "normal": DuplicateCriteria(0.985, 0.02, 0.03),
    "loose": DuplicateCriteria(0.975, 0.05, 0.06),
}


def criteria_for(strictness: Strictness | str) -> DuplicateCriteria:
    """The criteria called ``strictness``.

    Raises:
        ConfigError: an unknown name; the message lists the valid ones.
    """
    try:
        return STRICTNESS[strictness]
    except KeyError:
        valid = ", ".join(STRICTNESS)
        raise ConfigError(f"unknown strictness {strictness!r}; valid: {valid}") from None


def near_duplicate_groups(
    items: Sequence[tuple[int, float, npt.ArrayLike]],
    *,
    strictness: Strictness | str = "normal",
) -> list[list[tuple[int, float]]]:
    """Groups of near-duplicate samples.

    Args:
        items: ``(sample_id, duration_s, fingerprint)`` triples; fingerprints all of one length
            (they are L2-normalised here, so any scale works). An all-zero or non-finite
            fingerprint never matches anything. The file's duration works; its duration without
            leading and trailing silence works better for copies padded by a decoder.
        strictness: One of :data:`STRICTNESS`.

    Returns:
        Groups of two or more, largest first (ties: by first id). Each group is
        ``[(sample_id, similarity), ...]`` starting with its most central member (highest mean
        similarity to the rest; similarity 1.0), the others by similarity to it, descending,
        rounded to 5 digits. Every member is within the threshold of the group's leader (the
        member with the most near duplicates), which is usually the first.

    Raises:
        ConfigError: unknown ``strictness``, or fingerprints of different lengths.
    """
    criteria = criteria_for(strictness)
    n = len(items)
    if n < 2:
        return []
    ids = np.array([int(item[0]) for item in items], dtype=np.int64)
    durations = np.array([float(item[1]) for item in items], dtype=np.float64)
    vectors = _normalised([item[2] for item in items])
    order = np.argsort(durations, kind="stable")
    durations, vectors, ids = durations[order], vectors[order], ids[order]
    first, second = _matching_pairs(durations, vectors, criteria)
    labels = _stars(n, first, second)
    return _groups(labels, ids, vectors)


def _normalised(fingerprints: list[npt.ArrayLike]) -> npt.NDArray[np.float32]:
    rows = [np.asarray(f, dtype=np.float64).ravel() for f in fingerprints]
    sizes = {row.shape[0] for row in rows}
    if len(sizes) != 1:
        raise ConfigError(f"fingerprints of different lengths: {sorted(sizes)}")
    matrix = np.stack(rows)
    matrix[~np.isfinite(matrix).all(axis=1)] = 0.0
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    out: npt.NDArray[np.float32] = np.divide(
        matrix, norms, out=np.zeros_like(matrix), where=norms > 0
    ).astype(np.float32)
    return out


def _matching_pairs(
    durations: npt.NDArray[np.float64],
    vectors: npt.NDArray[np.float32],
    criteria: DuplicateCriteria,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Index pairs ``i < j`` (duration order) that pass both tests, found block by block."""
    n = durations.shape[0]
    # Float32 rounding may put an identical pair a hair under 1.0.
    threshold = np.float32(criteria.min_similarity - 1e-6)
    rel = min(max(criteria.duration_rel, 0.0), 0.999)
    firsts: list[npt.NDArray[np.int64]] = []
    seconds: list[npt.NDArray[np.int64]] = []
    for r0 in range(0, n, _ROW_BLOCK):
        r1 = min(n, r0 + _ROW_BLOCK)
        longest = durations[r1 - 1]
        # d_j - d_i <= max(rel * d_j, abs)  <=>  d_j <= max(d_i / (1 - rel), d_i + abs)
        reach = max(longest / (1.0 - rel), longest + criteria.duration_abs_s)
        end = int(np.searchsorted(durations, reach, side="right"))
        rows = vectors[r0:r1]
        for c0 in range(r0, end, _COLUMN_BLOCK):
            c1 = min(end, c0 + _COLUMN_BLOCK)
            # Similar pairs are rare: find them first, then check order and durations on few.
            i, j = np.nonzero(rows @ vectors[c0:c1].T >= threshold)
            i, j = i.astype(np.int64) + r0, j.astype(np.int64) + c0
            d_i, d_j = durations[i], durations[j]
            tolerance = np.maximum(rel * np.maximum(d_i, d_j), criteria.duration_abs_s)
            keep = (j > i) & (np.abs(d_j - d_i) <= tolerance)
            if keep.any():
                firsts.append(i[keep])
                seconds.append(j[keep])
    if not firsts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(firsts), np.concatenate(seconds)


def _stars(
    n: int, first: npt.NDArray[np.int64], second: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Star groups: ``labels[i]`` is the index of ``i``'s group leader (itself when alone).

    Leaders are taken most connected first (ties: lowest index); a leader claims its near
    duplicates that no earlier leader claimed.
    """
    labels = np.arange(n, dtype=np.int64)
    if first.size == 0:
        return labels
    ends = np.concatenate([first, second])
    others = np.concatenate([second, first])
    order = np.argsort(ends, kind="stable")
    ends, others = ends[order], others[order]
    offsets = np.searchsorted(ends, np.arange(n + 1))
    degree = np.diff(offsets)
    taken = np.zeros(n, dtype=bool)
    for node in np.lexsort((np.arange(n), -degree)):
        if degree[node] == 0:
            break
        if taken[node]:
            continue
        neighbours = others[offsets[node] : offsets[node + 1]]
        free = neighbours[~taken[neighbours]]
        if free.size == 0:
            continue
        taken[node] = True
        taken[free] = True
        labels[free] = node
    return labels


def _groups(
    labels: npt.NDArray[np.int64],
    ids: npt.NDArray[np.int64],
    vectors: npt.NDArray[np.float32],
) -> list[list[tuple[int, float]]]:
    roots, counts = np.unique(labels, return_counts=True)
    groups: list[list[tuple[int, float]]] = []
    for root in roots[counts >= 2]:
        members = np.flatnonzero(labels == root)
        block = vectors[members].astype(np.float64)
        similarity = block @ block.T
        np.fill_diagonal(similarity, 1.0)
        # Most central first; ties (a pair is always one) to the lowest id.
        centrality = np.round(similarity.sum(axis=1), 6)
        centre = int(np.lexsort((ids[members], -centrality))[0])
        to_centre = np.round(similarity[centre], _DIGITS)
        to_centre[centre] = 1.0
        rank = np.lexsort((ids[members], -to_centre))
        rank = np.concatenate([[centre], rank[rank != centre]])
        groups.append([(int(ids[members[k]]), float(min(to_centre[k], 1.0))) for k in rank])
    groups.sort(key=lambda group: (-len(group), group[0][0]))
    return groups
