"""Similarity spaces, declared as data: what "sounds like", "same key" and "same groove" mean.

Each :class:`Space` names one vector per sample, its length, the analysis outputs it is made from
and a version; bump the version when the recipe changes and :func:`spaces_fingerprint` changes with
it, so an index built with the old recipe is detected as stale (see
:meth:`~samplemind.index.base.VectorIndex.is_stale`) and rebuilt, never silently mixed.

Aspect vectors (``timbre``, ``pitch``, ``rhythm``, ``envelope``) are unit length and compared by
cosine. Apart from timbre, which the analysis already delivers as a 64-d L2-normalised vector, each
is built from a few *features*, and each feature is an angle on a circle scaled by the square root
of its weight, ``sqrt(w) * (cos phi, sin phi)``. Two such vectors then have the cosine
``sum_i w_i cos(dphi_i) / sum_i w_i``: a weighted mean of per-feature agreements, each falling
smoothly from 1 (same value) to -1 (opposite ends of the feature's range). Linear features
(durations, register, tempo) map their clipped, usually log-scaled range onto half a circle;
cyclic ones (pitch class on the circle of fifths, tempo phase within an octave) onto the full
circle; yes/no flags are one signed coordinate. A feature the analysis could not measure is a
block of zeros: it then counts for neither agreement nor disagreement.

``overall`` combines the aspects. Its stored vector concatenates the four unit aspect vectors,
each scaled by the square root of its default weight ``d_a`` (:data:`DEFAULT_WEIGHTS`; zeros for an
aspect the sample lacks), and the index compares it by inner product. So:

* querying with a stored ``overall`` vector as it is scores ``sum_a d_a * cos_a``: the default
  blend, in [-1, 1] (aspects either sample lacks count 0);
* :func:`weighted_query` rescales the query's blocks by ``w_a / d_a`` for any weights ``w`` chosen
  at query time, normalised to sum to 1 over the aspects the query sample has, so one
  nearest-neighbour search scores ``sum_a w_a * cos_a`` exactly, still in [-1, 1], and the query
  sample itself scores 1.

Querying each aspect and merging the lists was the alternative; it needs one search per aspect, and
a sample near the top of the combined order can be missing from every per-aspect top-n, so its
score would have to be fetched separately or lost.

Example:
    >>> vectors = vectors_from_outputs({"envelope": {"attack_s": 0.002, "decay_s": 0.3},
    ...                                 "audio": {"duration_s": 0.5}})
    >>> sorted(vectors)
    ['envelope']
    >>> round(float(np.linalg.norm(vectors["envelope"])), 6)
    1.0
    >>> aspect_weights("overall")
    {'timbre': 0.55, 'pitch': 0.1, 'rhythm': 0.15, 'envelope': 0.2}
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from samplemind.errors import ConfigError

__all__ = [
    "ASPECTS",
    "DEFAULT_WEIGHTS",
    "PARTS",
    "SPACES",
    "Metric",
    "Space",
    "aspect_weights",
    "normalize_weights",
    "similarity_query",
    "spaces_fingerprint",
    "vectors_from_outputs",
    "weighted_query",
]

log = logging.getLogger(__name__)

Vector = npt.NDArray[np.float32]
Metric = Literal["cosine", "ip"]
Builder = Callable[[Mapping[str, Any]], Vector | None]


@dataclass(frozen=True, slots=True)
class Space:
    """One named similarity space.

    Attributes:
        name: Collection-safe name: ASCII letters, digits and ``_``, starting with a letter.
        dim: Vector length.
        version: Bumped whenever the recipe changes; part of :func:`spaces_fingerprint`.
        description: What similarity in this space means, for people.
        metric: ``"cosine"`` (vectors are compared by angle) or ``"ip"`` (raw inner product; the
            caller keeps scores in [-1, 1], as :func:`weighted_query` does).
        inputs: Analysis result keys the vector is made from.
        parts: For a composite space, the spaces whose vectors it concatenates, in order.
        build: Makes the vector from an analysis result's JSON, or returns None when the inputs
            are missing; None for composite and ad-hoc spaces.
    """

    name: str
    dim: int
    version: int
    description: str
    metric: Metric = "cosine"
    inputs: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    build: Builder | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not (self.name[:1].isascii() and self.name[:1].isalpha()) or not (
            self.name.replace("_", "").isascii() and self.name.replace("_", "").isalnum()
        ):
            raise ConfigError(
                f"a space name starts with a letter and holds letters, digits and '_': "
                f"{self.name!r}"
            )
        if self.dim < 1:
            raise ConfigError(f"space {self.name!r}: dim must be positive, got {self.dim}")

    @property
    def ident(self) -> str:
        """``"timbre:cosine:64@1"``: everything that makes stored vectors comparable."""
        return f"{self.name}:{self.metric}:{self.dim}@{self.version}"


# --- feature encoders ------------------------------------------------------------------------


def _arc(value: float | None, lo: float, hi: float, weight: float) -> list[float]:
    """A linear feature on half a circle: ``lo`` at 0, ``hi`` (and beyond) at pi."""
    if value is None:
        return [0.0, 0.0]
    phi = math.pi * min(1.0, max(0.0, (value - lo) / (hi - lo)))
    r = math.sqrt(weight)
    return [r * math.cos(phi), r * math.sin(phi)]


def _turn(fraction: float | None, weight: float) -> list[float]:
    """A cyclic feature on the full circle; ``fraction`` is the position in turns."""
    if fraction is None:
        return [0.0, 0.0]
    phi = 2.0 * math.pi * fraction
    r = math.sqrt(weight)
    return [r * math.cos(phi), r * math.sin(phi)]


def _flag(value: bool | None, weight: float) -> list[float]:
    if value is None:
        return [0.0]
    return [math.sqrt(weight) if value else -math.sqrt(weight)]


def _unit(values: Iterable[float]) -> Vector | None:
    vector = np.asarray(list(values), dtype=np.float64)
    norm = float(np.linalg.norm(vector))
    if not math.isfinite(norm) or norm == 0.0:
        return None
    return (vector / norm).astype(np.float32)


def _log10(value: float | None, floor: float) -> float | None:
    return None if value is None else math.log10(max(value, floor))


def _dig(outputs: Mapping[str, Any], *path: str) -> Any:
    node: Any = outputs
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _num(outputs: Mapping[str, Any], *path: str) -> float | None:
    value = _dig(outputs, *path)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _bool(outputs: Mapping[str, Any], *path: str) -> bool | None:
    value = _dig(outputs, *path)
    return value if isinstance(value, bool) else None


# --- timbre ----------------------------------------------------------------------------------

TIMBRE_DIM = 64


def _timbre(outputs: Mapping[str, Any]) -> Vector | None:
    values = outputs.get("timbre")
    if not isinstance(values, list | tuple) or not values:
        return None
    if len(values) != TIMBRE_DIM:
        log.warning("timbre vector has %d values, expected %d; skipped", len(values), TIMBRE_DIM)
        return None
    try:
        # The stored vector is rounded to 6 decimals: re-normalise.
        return _unit(float(v) for v in values)
    except (TypeError, ValueError):
        return None


# --- pitch -----------------------------------------------------------------------------------

# Weights of the pitch features (see _pitch).
_W_TONIC, _W_CAMELOT, _W_MODE, _W_REGISTER = 1.0, 0.8, 0.3, 0.6
PITCH_DIM = 7


def _pitch(outputs: Mapping[str, Any]) -> Vector | None:
    """Tonal centre, Camelot position, mode and register.

    * tonic: the key's tonic, else the one-shot's root note, as a pitch class on the circle of
      fifths, so a fifth apart (cos 30 deg) is near and a tritone opposite;
    * Camelot position (keys only): the relative major's place on the circle of fifths, so
      relative keys (A minor, C major) agree here while their tonics differ;
    * mode (keys only): major +, minor -;
    * register (root notes only): MIDI 24 (C1) .. 96 (C7) on half a circle.

    Confidence is not used: the estimate the analysis reports is the best it has.
    """
    tonic = _num(outputs, "key", "key", "tonic")
    mode = _dig(outputs, "key", "key", "mode")
    midi = _num(outputs, "pitch", "midi")
    features: list[float] = []
    if tonic is not None and mode in ("major", "minor"):
        tonic_pc = int(tonic) % 12
        major = mode == "major"
        major_tonic = tonic_pc if major else (tonic_pc + 3) % 12
        features += _turn((7 * tonic_pc % 12) / 12, _W_TONIC)
        features += _turn((7 * major_tonic % 12) / 12, _W_CAMELOT)
        features += _flag(major, _W_MODE)
    elif midi is not None:
        features += _turn((7 * (round(midi) % 12) % 12) / 12, _W_TONIC)
        features += [0.0, 0.0, 0.0]
    else:
        return None
    if midi is not None:
        cents = _num(outputs, "pitch", "cents") or 0.0
        features += _arc(midi + cents / 100.0, 24.0, 96.0, _W_REGISTER)
    else:
        features += [0.0, 0.0]
    return _unit(features)


# --- rhythm ----------------------------------------------------------------------------------

_W_TEMPO_PHASE, _W_TEMPO, _W_LOOP, _W_BARS, _W_DENSITY = 1.0, 0.35, 0.6, 0.4, 0.4
_MIN_DENSITY_S = 1.0
RHYTHM_DIM = 9


def _rhythm(outputs: Mapping[str, Any]) -> Vector | None:
    """Tempo, loop or one-shot, length in bars and onset density.

    * tempo phase: ``log2(bpm)`` modulo one octave on the full circle, so half and double time
      coincide (60, 120 and 240 BPM) while 120 and 85 BPM (half an octave apart) are opposite;
    * tempo: ``log2(bpm)`` over 40..240 BPM on half a circle, lightly weighted, so among the
      half/double family the nearer tempo still wins;
    * loop (+) or one-shot (-);
    * bars (loops): ``log2(bars)``, 1..16 bars;
    * onset density (DETAILED analyses, clips of 1 s or more): onsets per second,
      ``log2(1 + rate)`` over 0..16/s. A shorter clip is one hit, whose "rate" would only restate
      its duration (the envelope space has that).
    """
    bpm = _num(outputs, "tempo", "bpm")
    is_loop = _bool(outputs, "loop", "is_loop")
    if (bpm is None or bpm <= 0) and is_loop is None:
        return None
    features: list[float] = []
    if bpm is not None and bpm > 0:
        features += _turn(math.log2(bpm / 60.0) % 1.0, _W_TEMPO_PHASE)
        features += _arc(math.log2(bpm), math.log2(40.0), math.log2(240.0), _W_TEMPO)
    else:
        features += [0.0] * 4
    features += _flag(is_loop, _W_LOOP)
    bars = _num(outputs, "loop", "bars")
    features += _arc(math.log2(bars) if is_loop and bars and bars >= 1 else None, 0, 4, _W_BARS)
    onsets = _dig(outputs, "rhythm", "onsets_s")
    duration = _num(outputs, "audio", "duration_s")
    rate = None
    if isinstance(onsets, list) and duration is not None and duration >= _MIN_DENSITY_S:
        rate = math.log2(1.0 + len(onsets) / duration)
    features += _arc(rate, 0.0, math.log2(17.0), _W_DENSITY)
    return _unit(features)


# --- envelope --------------------------------------------------------------------------------

_W_ATTACK, _W_DECAY, _W_DURATION, _W_CREST, _W_LEAD, _W_SILENT = 1.0, 1.0, 1.0, 0.6, 0.4, 0.3
ENVELOPE_DIM = 11


def _envelope(outputs: Mapping[str, Any]) -> Vector | None:
    """Shape in time: attack, decay, duration, crest factor, leading silence, silence.

    * attack: ``log10`` seconds, 1 ms .. 1 s;
    * decay (peak to -20 dB): ``log10`` seconds, 5 ms .. 10 s;
    * duration: ``log10`` seconds, 20 ms .. 60 s;
    * crest factor (peak to RMS): 3 .. 33 dB;
    * leading silence: ``log10(s + 0.01)``, none .. 2 s;
    * silent file: a flag.
    """
    attack = _num(outputs, "envelope", "attack_s")
    decay = _num(outputs, "envelope", "decay_s")
    if attack is None and decay is None:
        return None
    lead = _num(outputs, "silence", "leading_silence_s")
    features = [
        *_arc(_log10(attack, 1e-3), -3.0, 0.0, _W_ATTACK),
        *_arc(_log10(decay, 5e-3), math.log10(5e-3), 1.0, _W_DECAY),
        *_arc(
            _log10(_num(outputs, "audio", "duration_s"), 0.02),
            math.log10(0.02),
            math.log10(60.0),
            _W_DURATION,
        ),
        *_arc(_num(outputs, "loudness", "crest_factor_db"), 3.0, 33.0, _W_CREST),
        *_arc(None if lead is None else math.log10(lead + 0.01), -2.0, math.log10(2.01), _W_LEAD),
        *_flag(_bool(outputs, "silence", "is_silent"), _W_SILENT),
    ]
    return _unit(features)


# --- the spaces ------------------------------------------------------------------------------

#: The four aspects ``overall`` combines, in the order of its blocks.
PARTS: tuple[str, ...] = ("timbre", "pitch", "rhythm", "envelope")

#: What ``like:<id>`` may compare by; ``overall`` is the weighted combination.
ASPECTS: tuple[str, ...] = (*PARTS, "overall")

#: Default aspect weights of ``overall``. Timbre dominates because "sounds like" is mostly
#: spectral colour; envelope (a kick's punch versus a pad's swell) comes next; rhythm separates
#: loops by groove; pitch matters least for a library that is mostly drums.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "timbre": 0.55,
    "pitch": 0.1,
    "rhythm": 0.15,
    "envelope": 0.2,
}

SPACES: tuple[Space, ...] = (
    Space(
        "timbre",
        TIMBRE_DIM,
        1,
        "Spectral colour: the analysis's MFCC mean/spread and log-mel shape (timbre@1).",
        inputs=("timbre",),
        build=_timbre,
    ),
    Space(
        "pitch",
        PITCH_DIM,
        1,
        "Key or root note: tonic and Camelot position on the circle of fifths, mode, register.",
        inputs=("key", "pitch"),
        build=_pitch,
    ),
    Space(
        "rhythm",
        RHYTHM_DIM,
        1,
        "Groove: tempo (half/double time close), loop or one-shot, bars, onset density.",
        inputs=("tempo", "loop", "rhythm", "audio"),
        build=_rhythm,
    ),
    Space(
        "envelope",
        ENVELOPE_DIM,
        1,
        "Shape in time: attack, decay, duration, crest factor, leading silence.",
        inputs=("envelope", "audio", "loudness", "silence"),
        build=_envelope,
    ),
    Space(
        "overall",
        TIMBRE_DIM + PITCH_DIM + RHYTHM_DIM + ENVELOPE_DIM,
        1,
        "All aspects, weighted at query time (inner product of concatenated unit aspect vectors).",
        metric="ip",
        inputs=("timbre", "key", "pitch", "tempo", "loop", "rhythm", "audio", "envelope"),
        parts=PARTS,
    ),
)

_BY_NAME: Mapping[str, Space] = {space.name: space for space in SPACES}


def spaces_fingerprint(spaces: Iterable[Space] = SPACES) -> str:
    """Names, metrics, dimensions and versions of ``spaces``; changes whenever stored vectors would.

    Example:
        >>> spaces_fingerprint()
        'timbre:cosine:64@1,pitch:cosine:7@1,rhythm:cosine:9@1,envelope:cosine:11@1,overall:ip:91@1'
    """
    return ",".join(space.ident for space in spaces)


def vectors_from_outputs(outputs: Mapping[str, Any]) -> dict[str, Vector]:
    """One float32 vector per space the analysis result has the inputs for.

    Args:
        outputs: An analysis result as JSON (``AnalysisResult.model_dump(mode="json")``); any key
            may be missing or None.

    Returns:
        ``{space name: vector}``. Aspect vectors are unit length; ``overall`` is present only when
        ``timbre`` is, and concatenates the unit aspect vectors scaled by ``sqrt(d_a)`` (zeros for
        missing ones; see the module docstring).
    """
    vectors: dict[str, Vector] = {}
    for space in SPACES:
        if space.build is not None:
            vector = space.build(outputs)
            if vector is not None:
                vectors[space.name] = vector
    if "timbre" in vectors:
        overall = _BY_NAME["overall"]
        blocks = [
            vectors[name] * math.sqrt(DEFAULT_WEIGHTS[name])
            if name in vectors
            else np.zeros(_BY_NAME[name].dim, dtype=np.float32)
            for name in overall.parts
        ]
        vectors[overall.name] = np.concatenate(blocks).astype(np.float32)
    return vectors


def aspect_weights(aspect: str) -> dict[str, float]:
    """The weights of each part that comparing by ``aspect`` means.

    ``"overall"`` gives :data:`DEFAULT_WEIGHTS`; an aspect gives weight 1 to itself.

    Raises:
        ConfigError: ``aspect`` is unknown; the message lists the valid ones.
    """
    if aspect == "overall":
        return dict(DEFAULT_WEIGHTS)
    if aspect in PARTS:
        return {part: 1.0 if part == aspect else 0.0 for part in PARTS}
    raise ConfigError(f"unknown similarity aspect {aspect!r}; valid: {', '.join(ASPECTS)}")


def normalize_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Validate aspect weights and scale them to sum to 1 (missing parts weigh 0).

    Raises:
        ConfigError: an unknown part, a negative or non-finite weight, or all weights zero.
    """
    unknown = sorted(set(weights) - set(PARTS))
    if unknown:
        raise ConfigError(
            f"unknown aspect weight {', '.join(map(repr, unknown))}; valid: {', '.join(PARTS)}"
        )
    values = {part: float(weights.get(part, 0.0)) for part in PARTS}
    if any(not math.isfinite(w) or w < 0 for w in values.values()):
        raise ConfigError(f"aspect weights must be finite and non-negative, got {dict(weights)}")
    total = sum(values.values())
    if total <= 0:
        raise ConfigError("at least one aspect weight must be positive")
    return {part: w / total for part, w in values.items()}


def weighted_query(
    overall_vector: npt.ArrayLike, weights: Mapping[str, float] | None = None
) -> Vector:
    """The ``overall`` query vector that scores ``sum_a w_a * cos_a`` against stored vectors.

    Each aspect block of the stored vector is rescaled by ``w_a / d_a``. Weights are renormalised
    over the aspects the query sample has (its non-zero blocks), so the scores stay in [-1, 1] and
    the sample itself scores 1; a candidate lacking an aspect scores 0 for it.

    Args:
        overall_vector: The query sample's stored ``overall`` vector.
        weights: Aspect weights (see :func:`normalize_weights`); None means
            :data:`DEFAULT_WEIGHTS`.

    Raises:
        ConfigError: bad weights, a vector of the wrong length, or weight only on aspects the query
            sample lacks.
    """
    overall = _BY_NAME["overall"]
    vector = np.asarray(overall_vector, dtype=np.float32).reshape(-1)
    if vector.size != overall.dim:
        raise ConfigError(f"an overall vector has {overall.dim} values, got {vector.size}")
    chosen = normalize_weights(DEFAULT_WEIGHTS if weights is None else weights)
    blocks: list[Vector] = []
    present: dict[str, float] = {}
    start = 0
    for name in overall.parts:
        block = vector[start : start + _BY_NAME[name].dim]
        start += block.size
        blocks.append(block)
        if np.any(block):
            present[name] = chosen[name]
    total = sum(present.values())
    if total <= 0:
        raise ConfigError(
            f"the query sample has no {' or '.join(n for n in PARTS if chosen[n] > 0)} vector"
        )
    scaled = [
        block * (present.get(name, 0.0) / total / DEFAULT_WEIGHTS[name])
        for name, block in zip(overall.parts, blocks, strict=True)
    ]
    return np.concatenate(scaled).astype(np.float32)


def similarity_query(
    vectors: Mapping[str, npt.ArrayLike],
    aspect: str = "overall",
    *,
    weights: Mapping[str, float] | None = None,
) -> tuple[str, Vector]:
    """The space to search and the query vector for "samples like this one".

    Args:
        vectors: The query sample's vectors (from :func:`vectors_from_outputs` or the index).
        aspect: One of :data:`ASPECTS`.
        weights: Custom aspect weights; only with ``aspect="overall"`` (default weights otherwise).

    Returns:
        ``(space name, query vector)`` for :meth:`VectorIndex.query`.

    Raises:
        ConfigError: an unknown aspect, bad weights, or the sample lacks the vector needed.
    """
    aspect_weights(aspect)  # validates the name
    if weights is not None and aspect != "overall":
        raise ConfigError("custom aspect weights apply to aspect 'overall' only")
    if aspect not in vectors:
        raise ConfigError(f"the query sample has no {aspect} vector")
    vector = np.asarray(vectors[aspect], dtype=np.float32).reshape(-1)
    if aspect == "overall":
        return aspect, weighted_query(vector, weights)
    return aspect, vector
