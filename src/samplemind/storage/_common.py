"""What both stores compute the same way: search words, names, and the analysis round trip.

Analyses are kept as one JSON value per analyzer (the result field of that name), plus one
reserved row, :data:`META`, holding what belongs to the whole result rather than to an analyzer:
the highest level analyzed so far, the last run's ``elapsed_s``, the decoded audio facts and a
``sample_type`` that no analyzer of that name produced. The summary columns of ``samples`` are
always derived from the merged rows (:func:`summary_columns`), so both stores agree by
construction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from samplemind.domain.analysis import (
    AnalysisLevel,
    AnalysisResult,
    AudioInfo,
    KeyEstimate,
    LoopEstimate,
    Loudness,
    PitchEstimate,
    SampleTypeEstimate,
    TempoEstimate,
)
from samplemind.domain.text import search_words

__all__ = [
    "AUDIO_FACTS",
    "BPM_BIN",
    "LUFS_BIN",
    "LUFS_FLOOR",
    "MAX_ERROR_CODE",
    "META",
    "SUMMARY_COLUMNS",
    "TOP_TAGS",
    "analysis_rows",
    "bpm_histogram",
    "collection_name",
    "file_name",
    "folder",
    "fts_tags",
    "loudness_histogram",
    "missing_facts",
    "model_sample_type",
    "normalise_tag_name",
    "path_under",
    "rebuild_analysis",
    "summary_columns",
    "top_tags",
]

log = logging.getLogger(__name__)

#: Reserved ``analyses.analyzer`` name for the result-wide record (never an analyzer's name:
#: result fields cannot start with an underscore).
META = "_result"
_META_VERSION = 1

#: Columns of ``samples`` derived from the stored analysis.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "loudness_lufs",
    "peak_dbfs",
    "true_peak_dbtp",
    "is_loop",
    "bars",
    "bpm",
    "bpm_confidence",
    "key",
    "camelot",
    "key_confidence",
    "root_note",
    "root_midi",
    "sample_type",
)

#: Columns of ``samples`` that mirror :class:`AudioInfo` (``file_size_bytes`` is ``size_bytes``).
AUDIO_FACTS: tuple[str, ...] = (
    "format",
    "subtype",
    "bit_depth",
    "sample_rate_hz",
    "channels",
    "frames",
    "duration_s",
)

#: ``samples.error_code`` is String(32): longer codes are cut, by every store alike.
MAX_ERROR_CODE = 32

_NOT_OUTPUTS = frozenset({"path", "level", "audio", "analyzers", "elapsed_s"})
_MAX_ANALYZER_NAME = 32
_MAX_COLLECTION_NAME = 128
_SEPARATORS = ("/", "\\")


# --- names and words ------------------------------------------------------------------------
def _split(path: str) -> tuple[str, str]:
    cut = max(path.rfind(sep) for sep in _SEPARATORS)
    return (path[:cut], path[cut + 1 :]) if cut >= 0 else ("", path)


def file_name(path: str) -> str:
    """``"/a/b/Kick.wav" -> "Kick.wav"`` (either separator)."""
    return _split(path)[1]


def folder(path: str) -> str:
    """``"/a/b/Kick.wav" -> "/a/b"``."""
    return _split(path)[0]


def fts_tags(names: Iterable[str]) -> str:
    """Search words of a sample's tags (distinct names, sorted, so every store agrees)."""
    return search_words(" ".join(sorted(set(names))))


def normalise_tag_name(name: str) -> str:
    """Trimmed and lower-case.

    Raises:
        ValueError: the name is empty once trimmed, or longer than 64 characters.
    """
    normalised = name.strip().lower()
    if not normalised or len(normalised) > 64:
        raise ValueError(f"a tag name is 1..64 characters once trimmed, not {name!r}")
    return normalised


def collection_name(name: str) -> str:
    """Trimmed.

    Raises:
        ValueError: the name is empty once trimmed, or longer than 128 characters.
    """
    trimmed = name.strip()
    if not trimmed or len(trimmed) > _MAX_COLLECTION_NAME:
        raise ValueError(f"a collection name is 1..128 characters once trimmed, not {name!r}")
    return trimmed


def path_under(under: str) -> str:
    """The prefix a path has when it lies in the folder ``under`` (a separator appended)."""
    return under if under.endswith(_SEPARATORS) else under + ("\\" if "\\" in under else "/")


# --- analysis ------------------------------------------------------------------------------
@cache
def _adapter(name: str) -> TypeAdapter[Any]:
    annotation = AnalysisResult.model_fields[name].annotation
    return TypeAdapter(Any if annotation is None else annotation)


def _is_output(name: str) -> bool:
    return name in AnalysisResult.model_fields and name not in _NOT_OUTPUTS


def analysis_rows(
    result: AnalysisResult, old_meta: Mapping[str, Any] | None
) -> dict[str, tuple[int, Any]]:
    """``{analyzer: (version, json)}`` to upsert for ``result``, the merged :data:`META` row
    included (``old_meta``: the stored one, if any).

    Raises:
        ValueError: an analyzer name that cannot be stored (empty, reserved, too long).
    """
    dumped = result.model_dump(mode="json")
    rows: dict[str, tuple[int, Any]] = {}
    for name, version in result.analyzers.items():
        if not name or name.startswith("_") or len(name) > _MAX_ANALYZER_NAME:
            raise ValueError(f"cannot store analyzer name {name!r}")
        rows[name] = (version, dumped[name] if _is_output(name) else None)
    old_level = int(old_meta.get("level", 0)) if old_meta else 0
    sample_type = None if "sample_type" in result.analyzers else dumped["sample_type"]
    if sample_type is None and old_meta:
        sample_type = old_meta.get("sample_type")
    rows[META] = (
        _META_VERSION,
        {
            "level": max(old_level, int(result.level)),
            "elapsed_s": result.elapsed_s,
            "audio": dumped["audio"],
            "sample_type": sample_type,
        },
    )
    return rows


def _field(name: str, data: Any) -> Any:
    """A stored analyzer output as its domain value; None when it no longer validates (an old
    version's shape: :meth:`pending_analysis` re-runs it anyway)."""
    if data is None or not _is_output(name):
        return None
    try:
        return _adapter(name).validate_python(data)
    except ValidationError:
        log.warning("stored %s output does not validate; ignoring it", name)
        return None


def summary_columns(
    merged: Mapping[str, Any], *, user_sample_type: str | None = None
) -> dict[str, Any]:
    """The ``samples`` summary columns from ``{analyzer: json}`` of every stored row; a user's
    sample type, when given, is the ``sample_type`` (it wins over the model's)."""
    columns: dict[str, Any] = dict.fromkeys(SUMMARY_COLUMNS)
    loudness = _field("loudness", merged.get("loudness"))
    if isinstance(loudness, Loudness):
        columns["loudness_lufs"] = loudness.loudness_lufs
        columns["peak_dbfs"] = loudness.peak_dbfs
        columns["true_peak_dbtp"] = loudness.true_peak_dbtp
    loop = _field("loop", merged.get("loop"))
    if isinstance(loop, LoopEstimate):
        columns["is_loop"] = loop.is_loop
        columns["bars"] = loop.bars
    tempo = _field("tempo", merged.get("tempo"))
    if isinstance(tempo, TempoEstimate):
        columns["bpm"] = tempo.bpm
        columns["bpm_confidence"] = tempo.confidence
    key = _field("key", merged.get("key"))
    if isinstance(key, KeyEstimate):
        columns["key"] = key.key.name
        columns["camelot"] = key.key.camelot
        columns["key_confidence"] = key.confidence
    pitch = _field("pitch", merged.get("pitch"))
    if isinstance(pitch, PitchEstimate):
        columns["root_note"] = pitch.note
        columns["root_midi"] = pitch.midi
    columns["sample_type"] = user_sample_type or model_sample_type(merged)
    return columns


def _type_estimate(merged: Mapping[str, Any]) -> SampleTypeEstimate | None:
    """The ``sample_type`` analyzer's estimate, else one saved in :data:`META` (a result whose
    type did not come from that analyzer)."""
    if "sample_type" in merged:
        value = _field("sample_type", merged["sample_type"])
    else:
        meta = merged.get(META)
        value = (
            _field("sample_type", meta.get("sample_type")) if isinstance(meta, Mapping) else None
        )
    return value if isinstance(value, SampleTypeEstimate) else None


def model_sample_type(merged: Mapping[str, Any]) -> str | None:
    """The model's label from stored rows (``sample_type`` and/or :data:`META`), if any."""
    estimate = _type_estimate(merged)
    return estimate.label if estimate is not None else None


def missing_facts(facts: Mapping[Any, Any], audio: AudioInfo) -> dict[str, Any]:
    """Audio fact columns that are NULL in ``facts``, filled from a decoded signal's info."""
    known = audio.model_dump()
    return {column: known[column] for column in AUDIO_FACTS if facts.get(column) is None}


def rebuild_analysis(
    facts: Mapping[Any, Any], rows: Mapping[str, tuple[int, Any]]
) -> AnalysisResult | None:
    """The merged :class:`AnalysisResult` from a sample's columns (``path``, ``size_bytes`` and
    :data:`AUDIO_FACTS`) and its stored rows; None when there are none.

    The audio facts are the sample's (they follow moves and re-scans), falling back to those
    saved with the analysis; ``level`` is the highest level saved since the last reset.
    """
    if not rows:
        return None
    _, meta = rows.get(META, (0, None))
    meta = meta if isinstance(meta, Mapping) else {}
    audio = dict(meta.get("audio") or {})
    audio.update({column: facts[column] for column in AUDIO_FACTS if facts.get(column) is not None})
    audio["file_size_bytes"] = facts["size_bytes"]
    fields = {
        name: _field(name, data)
        for name, (_, data) in rows.items()
        if name not in (META, "sample_type")
    }
    return AnalysisResult(
        path=facts["path"],
        level=AnalysisLevel(max(int(meta.get("level", 0)), int(AnalysisLevel.BASIC))),
        audio=AudioInfo.model_validate(audio),
        analyzers={name: version for name, (version, _) in sorted(rows.items()) if name != META},
        elapsed_s=float(meta.get("elapsed_s", 0.0)),
        **{name: value for name, value in fields.items() if value is not None},
        sample_type=_type_estimate({name: data for name, (_, data) in rows.items()}),
    )


#: Width of the stats' BPM histogram bins.
BPM_BIN = 5


def bpm_histogram(bpms: Iterable[float]) -> dict[int, int]:
    """Counts per :data:`BPM_BIN`-wide bin, keyed by the bin's lower edge, ascending.

    Example:
        >>> bpm_histogram([120.0, 124.9, 125.0, 87.5])
        {85: 1, 120: 2, 125: 1}
    """
    bins: dict[int, int] = {}
    for bpm in bpms:
        start = int(bpm // BPM_BIN) * BPM_BIN
        bins[start] = bins.get(start, 0) + 1
    return dict(sorted(bins.items()))


def top_tags(tag_sets: Iterable[Iterable[str]]) -> dict[str, int]:
    """Samples per tag name, the :data:`TOP_TAGS` most used first (ties by name).

    Example:
        >>> top_tags([["dark", "warm"], ["dark"], ["dark", "dark"]])
        {'dark': 3, 'warm': 1}
    """
    counts: dict[str, int] = {}
    for names in tag_sets:
        for name in set(names):
            counts[name] = counts.get(name, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return dict(ranked[:TOP_TAGS])


#: How many tags ``stats()["by_tag"]`` lists (the most used first).
TOP_TAGS = 200

#: Width (LU) of the loudness histogram's bins, and the level below which a sample is left
#: out of it (digital silence measures -inf, or a gated floor around -70).
LUFS_BIN = 1
LUFS_FLOOR = -70.0


def loudness_histogram(values: Iterable[float]) -> dict[int, int]:
    """Counts per :data:`LUFS_BIN`-wide bin of integrated loudness, keyed by the bin's lower
    edge (floor, so -14.2 LUFS counts in -15), ascending; values under :data:`LUFS_FLOOR`
    are left out.

    Example:
        >>> loudness_histogram([-14.2, -14.9, -14.0, -80.0])
        {-15: 2, -14: 1}
    """
    bins: dict[int, int] = {}
    for value in values:
        if value >= LUFS_FLOOR:
            start = int(value // LUFS_BIN) * LUFS_BIN
            bins[start] = bins.get(start, 0) + 1
    return dict(sorted(bins.items()))
