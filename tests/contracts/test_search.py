"""The query language against every store: the same query finds the same samples in the same
order in the in-memory reference, SQLite (FTS5) and PostgreSQL (tsvector).

The library is built through the port (``add_samples``, ``save_analysis`` with real domain
objects, ``add_tags``, ``set_favourite``, collections, ``set_missing``), so the SQL stores'
summary and full-text columns are exactly what a scan would leave.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from samplemind.domain.analysis import (
    AnalysisLevel,
    AnalysisResult,
    AudioInfo,
    KeyEstimate,
    LoopEstimate,
    Loudness,
    PitchEstimate,
    SampleTypeEstimate,
    Source,
    TempoEstimate,
)
from samplemind.domain.library import FileFacts, Tag, TagSource
from samplemind.domain.music import MusicalKey, note_name_to_midi
from samplemind.domain.query import SearchQuery
from samplemind.search.parse import parse_query
from samplemind.storage.base import SampleStore


@dataclass(frozen=True)
class Spec:
    """One sample of the test library; None means the analysis did not produce it."""

    path: str
    duration_s: float | None = 1.0
    sample_type: str | None = None
    bpm: float | None = None
    key: str | None = None
    is_loop: bool | None = None
    bars: int | None = None
    root: str | None = None
    lufs: float | None = None
    peak: float = -1.0
    rate: int = 44100
    bits: int | None = 24
    channels: int = 2
    fmt: str = "WAV"
    size: int = 100_000
    tags: tuple[str, ...] = ()
    ai_tags: tuple[str, ...] = ()
    fav: bool = False
    missing: bool = False

    @property
    def label(self) -> str:
        return self.path.rsplit("/", 1)[1].rsplit(".", 1)[0]


LIBRARY = (
    Spec("/lib/Drums/Kicks/Dark Kick 01.wav", 0.4, "kick", is_loop=False, root="F#1", lufs=-8.0,
         peak=-0.1, tags=("dark",), fav=True),
    Spec("/lib/Drums/Kicks/Punchy Kick.wav", 0.3, "kick", is_loop=False, root="C2", lufs=-6.0,
         tags=("punchy",), ai_tags=("dark",), bits=16),
    Spec("/lib/Drums/Snares/Snare Crack.wav", 0.5, "snare", is_loop=False, lufs=-9.0,
         tags=("bright",), fmt="FLAC", rate=48000),
    Spec("/lib/Loops/Drum Loop 125.wav", 7.74, "drum-loop", 125.0, is_loop=True, bars=4,
         lufs=-10.0, size=3_000_000),
    Spec("/lib/Loops/Half Time 64.wav", 15.0, "drum-loop", 64.0, is_loop=True, bars=4),
    Spec("/lib/Loops/Double 256.wav", 3.75, "drum-loop", 256.0, is_loop=True, bars=4),
    Spec("/lib/Loops/Fast 140.wav", 6.86, "drum-loop", 140.0, is_loop=True, bars=4),
    Spec("/lib/Keys/Am Chords 120.wav", 8.0, "chord-loop", 120.0, "A minor", is_loop=True,
         bars=4, root="A2", tags=("lo fi", "chords"), fav=True),
    Spec("/lib/Keys/Em Pad.wav", 4.0, "pad", key="E minor", root="E3", channels=1),
    Spec("/lib/Keys/C Major Stab.wav", 0.8, "stab", key="C major", is_loop=False, root="C4"),
    Spec("/lib/Keys/F# Minor Lead.wav", 2.0, "lead", key="F# minor", is_loop=False, root="F#3"),
    Spec("/lib/Vocals/Vocal Chop.wav", 1.2, "vocal", is_loop=False, tags=("vocal", "dark")),
    Spec("/lib/Gone/Kick Gone.wav", 0.4, "kick", is_loop=False, missing=True),
    Spec("/lib/Kick Folder/Bass.wav", None, bits=None),
    Spec("/lib/Hostile/'; DROP TABLE samples; --.wav", 1.0),
)  # fmt: skip

ALL = frozenset(spec.label for spec in LIBRARY if not spec.missing)


def _facts(spec: Spec) -> FileFacts:
    return FileFacts(
        path=spec.path,
        content_hash=hashlib.md5(spec.path.encode()).hexdigest(),
        size_bytes=spec.size,
        mtime_ns=1_700_000_000_000_000_000,
        format=spec.fmt,
        subtype="PCM_24",
        bit_depth=spec.bits,
        sample_rate_hz=spec.rate,
        channels=spec.channels,
        frames=None if spec.duration_s is None else int(spec.duration_s * spec.rate),
        duration_s=spec.duration_s,
    )


def _result(spec: Spec) -> AnalysisResult | None:
    outputs: dict[str, object] = {}
    if spec.lufs is not None:
        outputs["loudness"] = Loudness(
            peak_dbfs=spec.peak,
            true_peak_dbtp=spec.peak + 0.3,
            rms_dbfs=spec.lufs - 3,
            loudness_lufs=spec.lufs,
            crest_factor_db=12.0,
        )
    if spec.is_loop is not None:
        outputs["loop"] = LoopEstimate(is_loop=spec.is_loop, confidence=0.9, bars=spec.bars)
    if spec.bpm is not None:
        outputs["tempo"] = TempoEstimate(bpm=spec.bpm, confidence=0.8, source=Source.AUDIO)
    if spec.key is not None:
        key = MusicalKey.parse(spec.key)
        outputs["key"] = KeyEstimate(key=key, confidence=0.7, source=Source.AUDIO)
    if spec.root is not None:
        midi = note_name_to_midi(spec.root)
        outputs["pitch"] = PitchEstimate(
            note=spec.root, midi=midi, cents=0.0, frequency_hz=440.0, confidence=0.9
        )
    if not outputs and spec.sample_type is None:
        return None
    facts = _facts(spec)
    audio = AudioInfo(
        format=spec.fmt,
        subtype=facts.subtype,
        bit_depth=spec.bits,
        sample_rate_hz=spec.rate,
        channels=spec.channels,
        frames=facts.frames or 1,
        duration_s=spec.duration_s or 1.0,
        file_size_bytes=spec.size,
    )
    return AnalysisResult.model_validate(
        {
            "path": spec.path,
            "level": AnalysisLevel.STANDARD,
            "audio": audio,
            "analyzers": dict.fromkeys(outputs, 1),
            "sample_type": (
                SampleTypeEstimate(label=spec.sample_type, confidence=0.9)
                if spec.sample_type
                else None
            ),
            **outputs,
        }
    )


class Library:
    """The test library in one store, queried by text and answered with labels."""

    def __init__(self, store: SampleStore, specs: Sequence[Spec] = LIBRARY) -> None:
        self.store = store
        ids = store.add_samples([_facts(spec) for spec in specs])
        self.ids = {spec.label: sample_id for spec, sample_id in zip(specs, ids, strict=True)}
        self.labels = {sample_id: label for label, sample_id in self.ids.items()}
        for spec, sample_id in zip(specs, ids, strict=True):
            result = _result(spec)
            if result is not None:
                store.save_analysis(sample_id, result)
            tags = [Tag(name=name) for name in spec.tags]
            tags += [Tag(name=name, source=TagSource.AI, confidence=0.8) for name in spec.ai_tags]
            if tags:
                store.add_tags(sample_id, tags)
            if spec.fav:
                store.set_favourite(sample_id)
        store.set_missing([self.ids[spec.label] for spec in specs if spec.missing])

    def find(self, text: str, *, limit: int = 100, offset: int = 0) -> list[str]:
        """Labels of the hits in order."""
        hits = self.store.search(parse_query(text), limit=limit, offset=offset)
        return [self.labels[hit.sample.id] for hit in hits]

    def matching(self, text: str) -> set[str]:
        found = self.find(text)
        assert len(found) == len(set(found)), f"{text!r} returned a sample twice"
        assert self.store.count_matching(parse_query(text)) == len(found), text
        hits, total = self.store.search_page(parse_query(text), limit=100)
        assert [self.labels[h.sample.id] for h in hits] == found and total == len(found), text
        return set(found)


@pytest.fixture
def lib(store: SampleStore) -> Library:
    return Library(store)


def _labels(*names: str) -> set[str]:
    unknown = set(names) - {spec.label for spec in LIBRARY}
    assert not unknown, unknown
    return set(names)


# --- free text -----------------------------------------------------------------------------


def test_free_text_prefix_matches_name_tags_and_folder(lib: Library) -> None:
    # "kick": two names, the "Kicks" folder, the "Kick Folder"; never the missing sample.
    assert lib.matching("kick") == _labels("Dark Kick 01", "Punchy Kick", "Bass")
    assert lib.matching("KICK") == lib.matching("kick")
    assert lib.matching("kic") == lib.matching("kick")
    assert lib.matching("dark") == _labels("Dark Kick 01", "Punchy Kick", "Vocal Chop")
    assert lib.matching("lo fi") == _labels("Am Chords 120")
    assert lib.matching('"lo fi" chords') == _labels("Am Chords 120")
    assert lib.matching("dark kick") == _labels("Dark Kick 01", "Punchy Kick")
    assert lib.matching("DarkKick") == _labels("Dark Kick 01", "Punchy Kick")
    assert lib.matching("loops 12") == _labels("Drum Loop 125")  # folder word + name prefix
    assert lib.matching("zzz") == set()
    assert lib.matching("") == ALL


def test_text_under_not_and_or(lib: Library) -> None:
    assert lib.matching("-kick") == ALL - _labels("Dark Kick 01", "Punchy Kick", "Bass")
    assert lib.matching("kick OR snare") == _labels(
        "Dark Kick 01", "Punchy Kick", "Bass", "Snare Crack"
    )
    assert lib.matching("-(kick OR loops OR keys)") == _labels(
        "Snare Crack", "Vocal Chop", "'; DROP TABLE samples; --"
    )
    assert lib.matching("drums -kick") == _labels("Snare Crack")
    assert lib.matching("(dark OR punchy) -vocal") == _labels("Dark Kick 01", "Punchy Kick")


def test_relevance_ranks_name_over_tags_over_folder(store: SampleStore) -> None:
    specs = (
        Spec("/lib/b/Other.wav", tags=("misc",)),
        Spec("/lib/kick/Aardvark.wav"),  # folder only; first by name
        Spec("/lib/a/Thing.wav", tags=("kick",)),  # tags only
        Spec("/lib/c/Kick.wav"),  # name only; after Aardvark by name
    )
    lib = Library(store, specs)
    assert lib.find("kick") == ["Kick", "Thing", "Aardvark"]
    assert lib.find("kick sort:name") == ["Aardvark", "Kick", "Thing"]
    # Positive terms under OR are scored too (bm25 weighs rare words up, so only the set and
    # the single-word order are the same everywhere).
    assert set(lib.find("kick OR misc")) == {"Kick", "Other", "Thing", "Aardvark"}
    assert lib.find("kick OR zzz") == ["Kick", "Thing", "Aardvark"]
    hits = store.search(parse_query("kick"))
    assert hits[0].score > hits[-1].score


def test_hostile_text_is_plain_text(lib: Library) -> None:
    hostile = "'; DROP TABLE samples; --"
    assert lib.matching("'\"; DROP TABLE samples; --") == _labels(hostile)
    assert lib.matching("drop table") == _labels(hostile)
    assert lib.matching("NEAR(kick) * ^") == set()
    assert lib.matching("kick* ^punchy") == _labels("Punchy Kick")
    assert lib.matching('"kick" + "dark"') == _labels("Dark Kick 01", "Punchy Kick")
    assert lib.matching("* ^ : --") == ALL
    assert lib.matching('path:"\'; DROP"') == _labels(hostile)
    assert lib.matching('tag:"\'; drop table tags; --"') == set()
    assert lib.matching('collection:"x\' OR 1=1 --"') == set()
    assert lib.store.count() == len(ALL)


# --- numbers -------------------------------------------------------------------------------


def test_numeric_ranges(lib: Library) -> None:
    assert lib.matching("bpm:120..128") == _labels("Drum Loop 125", "Am Chords 120")
    assert lib.matching("bpm:120") == _labels("Am Chords 120")
    assert lib.matching("bpm:125.0") == _labels("Drum Loop 125")
    assert lib.matching("bpm:<100") == _labels("Half Time 64")
    assert lib.matching("bpm:<=64") == _labels("Half Time 64")
    assert lib.matching("bpm:<64") == set()
    assert lib.matching("bpm:>140") == _labels("Double 256")
    assert lib.matching("bpm:>=140") == _labels("Double 256", "Fast 140")
    assert lib.matching("bpm:130..") == _labels("Double 256", "Fast 140")
    assert lib.matching("bpm:..100") == _labels("Half Time 64")
    assert lib.matching("bpm:..") == _labels(
        "Drum Loop 125", "Half Time 64", "Double 256", "Fast 140", "Am Chords 120"
    )
    assert lib.matching("bpm:=125") == _labels("Drum Loop 125")
    assert lib.matching("dur:<0.45") == _labels("Dark Kick 01", "Punchy Kick")
    assert lib.matching("dur:500ms") == _labels("Snare Crack")
    assert lib.matching("dur:>=10s") == _labels("Half Time 64")
    assert lib.matching("dur:0.25min..") == _labels("Half Time 64")
    assert lib.matching("lufs:-10..-8") == _labels("Dark Kick 01", "Snare Crack", "Drum Loop 125")
    assert lib.matching("lufs:>-7") == _labels("Punchy Kick")
    assert lib.matching("peak:>-0.5") == _labels("Dark Kick 01")
    assert lib.matching("bars:4 bpm:>200") == _labels("Double 256")
    assert lib.matching("rate:48k") == _labels("Snare Crack")
    assert lib.matching("bits:16") == _labels("Punchy Kick")
    assert lib.matching("channels:mono") == _labels("Em Pad")
    assert lib.matching("size:>1mb") == _labels("Drum Loop 125")
    assert lib.matching(f"id:{lib.ids['Snare Crack']}") == _labels("Snare Crack")


def test_negated_comparisons_include_unknown_values(lib: Library) -> None:
    with_bpm = lib.matching("bpm:..")
    assert lib.matching("-bpm:..") == ALL - with_bpm
    assert lib.matching("-bpm:>100") == ALL - _labels(
        "Drum Loop 125", "Double 256", "Fast 140", "Am Chords 120"
    )
    assert "Bass" in lib.matching("-dur:<1")  # duration unknown
    assert "Bass" not in lib.matching("dur:..")


def test_tolerant_bpm_matches_half_and_double_time(lib: Library) -> None:
    # 125 is within 3% of 128, 64 is half of 128, 256 double; 120 and 140 are too far.
    assert lib.matching("bpm:~128") == _labels("Drum Loop 125", "Half Time 64", "Double 256")
    assert lib.matching("bpm:~70") == _labels("Fast 140")
    assert lib.matching("-bpm:~128 bpm:..") == _labels("Fast 140", "Am Chords 120")


# --- keys and notes ------------------------------------------------------------------------


def test_keys_by_name_camelot_and_compatibility(lib: Library) -> None:
    assert lib.matching("key:Am") == _labels("Am Chords 120")
    assert lib.matching('key:"A minor"') == lib.matching("key:8A") == lib.matching("key:Am")
    # Compatible with A minor: itself, D minor and E minor (±1), C major (relative).
    compatible = _labels("Am Chords 120", "Em Pad", "C Major Stab")
    assert lib.matching("key:~8A") == compatible
    assert lib.matching("key:~Am") == compatible
    assert lib.matching("key:~C") == _labels("Am Chords 120", "C Major Stab")
    assert lib.matching("key:minor") == _labels("Am Chords 120", "Em Pad", "F# Minor Lead")
    assert lib.matching("key:Gbm|C") == _labels("F# Minor Lead", "C Major Stab")
    assert lib.matching("camelot:11A") == _labels("F# Minor Lead")
    assert lib.matching("-key:~8A") == ALL - compatible


def test_root_notes(lib: Library) -> None:
    assert lib.matching("root:F#1") == _labels("Dark Kick 01")
    assert lib.matching("root:Gb1") == _labels("Dark Kick 01")
    assert lib.matching("root:F#") == _labels("Dark Kick 01", "F# Minor Lead")
    assert lib.matching("root:C") == _labels("Punchy Kick", "C Major Stab")
    assert lib.matching("root:C2..C3") == _labels("Punchy Kick", "Am Chords 120")
    assert lib.matching("root:<C2") == _labels("Dark Kick 01")
    assert lib.matching("root:45") == _labels("Am Chords 120")


# --- fields --------------------------------------------------------------------------------


def test_types_formats_and_states(lib: Library) -> None:
    kicks = _labels("Dark Kick 01", "Punchy Kick")
    assert lib.matching("type:kick") == kicks
    assert lib.matching("type:KICKS") == kicks
    assert lib.matching("type:kick|snare") == kicks | _labels("Snare Crack")
    assert lib.matching("type:kick OR type:snare") == kicks | _labels("Snare Crack")
    assert lib.matching("type:drum-loop bpm:<130") == _labels("Drum Loop 125", "Half Time 64")
    assert lib.matching("-type:drum-loop") == ALL - lib.matching("type:drum-loop")
    assert lib.matching("format:flac") == _labels("Snare Crack")
    assert lib.matching("format:.WAV") == ALL - _labels("Snare Crack")
    assert lib.matching("state:pending") == _labels("Bass", "'; DROP TABLE samples; --")
    assert lib.matching("state:done") == ALL - lib.matching("state:pending")


def test_loops_and_oneshots_exclude_unknown(lib: Library) -> None:
    loops = _labels("Drum Loop 125", "Half Time 64", "Double 256", "Fast 140", "Am Chords 120")
    oneshots = _labels(
        "Dark Kick 01",
        "Punchy Kick",
        "Snare Crack",
        "C Major Stab",
        "F# Minor Lead",
        "Vocal Chop",
    )
    assert lib.matching("is:loop") == loops
    assert lib.matching("is:oneshot") == oneshots
    unknown = ALL - loops - oneshots
    assert unknown == _labels("Em Pad", "Bass", "'; DROP TABLE samples; --")
    assert lib.matching("-is:loop") == oneshots | unknown
    assert lib.matching("is:loop OR is:oneshot") == loops | oneshots


def test_tags_by_name_and_source(lib: Library) -> None:
    assert lib.matching("tag:dark") == _labels("Dark Kick 01", "Punchy Kick", "Vocal Chop")
    assert lib.matching("tag:DARK") == lib.matching("tag:dark")
    assert lib.matching("tag.user:dark") == _labels("Dark Kick 01", "Vocal Chop")
    assert lib.matching("tag.ai:dark") == _labels("Punchy Kick")
    assert lib.matching('tag:"lo fi"') == _labels("Am Chords 120")
    assert lib.matching("tag:lo") == set()  # tags match whole, free text by word
    assert lib.matching("-tag:vocal tag:dark") == _labels("Dark Kick 01", "Punchy Kick")
    assert lib.matching("tag:punchy|bright") == _labels("Punchy Kick", "Snare Crack")


def test_favourites(lib: Library) -> None:
    favourites = _labels("Dark Kick 01", "Am Chords 120")
    assert lib.matching("fav:yes") == favourites
    assert lib.matching("is:fav") == favourites
    assert lib.matching("fav:no") == ALL - favourites
    assert lib.matching("-is:fav kick") == _labels("Punchy Kick", "Bass")


def test_path_contains_ignoring_case(lib: Library) -> None:
    drums = _labels("Dark Kick 01", "Punchy Kick", "Snare Crack")
    assert lib.matching("path:drums/") == drums
    assert lib.matching("path:/DRUMS/") == drums
    assert lib.matching('path:"Kick Folder/"') == _labels("Bass")
    assert lib.matching("path:Kick") == _labels("Dark Kick 01", "Punchy Kick", "Bass")
    assert lib.matching("path:100%") == set()  # LIKE wildcards are plain text
    assert lib.matching("path:_") == set()


def test_collections(lib: Library) -> None:
    lib.store.add_to_collection("My Kit", [lib.ids["Punchy Kick"], lib.ids["Am Chords 120"]])
    lib.store.create_collection("Empty")
    assert lib.matching('collection:"My Kit"') == _labels("Punchy Kick", "Am Chords 120")
    assert lib.matching('in:"My Kit" type:kick') == _labels("Punchy Kick")
    assert lib.matching('-collection:"My Kit"') == ALL - _labels("Punchy Kick", "Am Chords 120")
    assert lib.matching('collection:"my kit"') == set()  # names are case-sensitive
    assert lib.matching("collection:Empty") == set()
    assert lib.matching("collection:Nope") == set()


def test_missing_samples_only_when_asked(lib: Library) -> None:
    assert "Kick Gone" not in lib.matching("kick")
    assert lib.matching("is:missing") == _labels("Kick Gone")
    assert lib.matching("is:missing kick") == _labels("Kick Gone")
    assert lib.matching("missing:any type:kick") == _labels(
        "Dark Kick 01", "Punchy Kick", "Kick Gone"
    )
    assert lib.matching("missing:no type:kick") == _labels("Dark Kick 01", "Punchy Kick")
    assert lib.store.count_matching(SearchQuery(include_missing=True)) == len(ALL) + 1


def test_combinations_and_grouping(lib: Library) -> None:
    assert lib.matching("(kick OR snare) is:oneshot dur:<0.45") == _labels(
        "Dark Kick 01", "Punchy Kick"
    )
    assert lib.matching("kick OR snare dark") == _labels("Dark Kick 01", "Punchy Kick")
    assert lib.matching("is:loop (bpm:~128 OR key:~8A) -bars:2") == _labels(
        "Drum Loop 125", "Half Time 64", "Double 256", "Am Chords 120"
    )
    assert lib.matching("NOT (is:loop OR is:oneshot) AND -keys") == _labels(
        "Bass", "'; DROP TABLE samples; --"
    )
    assert lib.matching("type:kick fav:yes tag:dark dur:<2 is:oneshot kick") == _labels(
        "Dark Kick 01"
    )


# --- order and paging ----------------------------------------------------------------------


def test_default_order_is_by_name_then_id(lib: Library) -> None:
    found = lib.find("")
    assert found == sorted(found, key=lambda label: (label.lower(), label))


def test_sort_keys_put_nulls_last_both_ways(lib: Library) -> None:
    with_bpm = ["Half Time 64", "Am Chords 120", "Drum Loop 125", "Fast 140", "Double 256"]
    without = sorted(ALL - set(with_bpm), key=lambda label: (label.lower(), label))
    assert lib.find("sort:bpm") == with_bpm + without
    assert lib.find("sort:-bpm") == with_bpm[::-1] + without
    assert lib.find("is:oneshot sort:-lufs")[:3] == ["Punchy Kick", "Dark Kick 01", "Snare Crack"]
    assert lib.find("is:oneshot sort:lufs")[:3] == ["Snare Crack", "Dark Kick 01", "Punchy Kick"]
    durations = lib.find("sort:-dur")
    assert durations[:3] == ["Half Time 64", "Am Chords 120", "Drum Loop 125"]
    assert durations[-1] == "Bass"  # unknown duration, last even descending


def test_sort_by_key_type_and_several_keys(lib: Library) -> None:
    # Key order: C major, ..., E minor, F# minor, A minor; unknown keys last, by name.
    keyed = lib.find("key:major|minor sort:key")
    assert keyed == ["C Major Stab", "Em Pad", "F# Minor Lead", "Am Chords 120"]
    assert lib.find("sort:-key")[:4] == keyed[::-1]
    # Around the wheel: A minor 8A, C major 8B, E minor 9A, F# minor 11A.
    assert lib.find("key:major|minor sort:camelot") == [
        "Am Chords 120",
        "C Major Stab",
        "Em Pad",
        "F# Minor Lead",
    ]
    assert lib.find("type:drum-loop|kick sort:-type sort:-bpm") == [
        "Dark Kick 01",
        "Punchy Kick",
        "Double 256",
        "Fast 140",
        "Drum Loop 125",
        "Half Time 64",
    ]
    assert lib.find("is:loop sort:bars,-bpm")[0] == "Double 256"
    assert lib.find("kick sort:name") == ["Bass", "Dark Kick 01", "Punchy Kick"]
    assert lib.find("kick sort:path") == ["Dark Kick 01", "Punchy Kick", "Bass"]
    assert lib.find("sort:-name")[0] == "Vocal Chop"
    assert lib.find("sort:-relevance kick")[-1] != "Bass"


def test_pagination_and_restrict_to(lib: Library) -> None:
    everything = lib.find("sort:-bpm")
    pages = [lib.find("sort:-bpm", limit=4, offset=offset) for offset in range(0, 16, 4)]
    assert [label for page in pages for label in page] == everything
    assert lib.find("sort:-bpm", limit=3, offset=100) == []
    subset = [lib.ids["Fast 140"], lib.ids["Half Time 64"], lib.ids["Snare Crack"], 99999]
    hits = lib.store.search(parse_query("sort:bpm"), restrict_to=subset)
    assert [lib.labels[h.sample.id] for h in hits] == ["Half Time 64", "Fast 140", "Snare Crack"]
    hits = lib.store.search(parse_query("is:loop"), restrict_to=subset)
    assert {lib.labels[h.sample.id] for h in hits} == _labels("Half Time 64", "Fast 140")
    assert lib.store.search(parse_query(""), restrict_to=[]) == []
    many = list(range(1, 40_000))  # more ids than SQLite allows bound parameters
    assert len(lib.store.search(parse_query(""), restrict_to=many, limit=100)) == len(ALL)


def test_like_and_options_do_not_filter_in_the_store(lib: Library) -> None:
    assert lib.matching(f"like:{lib.ids['Punchy Kick']} aspect:timbre") == ALL
    assert lib.matching("sort:similarity") == ALL


# --- every store agrees with the reference -------------------------------------------------

_PIECES = (
    "kick", "dark", "loops", "lo", "keys", "drop", "zzz", "bpm:~128", "bpm:120..128", "bpm:<100",
    "bpm:..", "dur:<1", "dur:>=4s", "lufs:-10..-6", "key:~8A", "key:minor", "key:C", "root:F#",
    "root:C2..C4", "type:kick|snare", "type:drum-loop", "tag:dark", "tag.ai:dark", 'tag:"lo fi"',
    "is:loop", "is:oneshot", "is:fav", "fav:no", "path:drums/", "path:KEYS", "format:flac",
    "channels:mono", "state:pending", "bars:4", "is:missing", "camelot:11A",
)  # fmt: skip
_SORTS = ("", " sort:-bpm", " sort:key", " sort:-dur sort:name", " sort:type,-lufs", " sort:-name")


def _random_query(rng: random.Random) -> str:
    def term(depth: int) -> str:
        roll = rng.random()
        if depth < 2 and roll < 0.15:
            return "(" + " ".join(term(depth + 1) for _ in range(rng.randint(1, 3))) + ")"
        if depth < 2 and roll < 0.3:
            return " OR ".join(term(depth + 1) for _ in range(rng.randint(2, 3)))
        piece = rng.choice(_PIECES)
        return "-" + piece if rng.random() < 0.2 else piece

    return " ".join(term(0) for _ in range(rng.randint(1, 3))) + rng.choice(_SORTS)


def test_random_queries_agree_with_the_reference(lib: Library) -> None:
    from samplemind.domain.query import relevance_words
    from samplemind.storage.memory import MemoryStore

    reference = Library(MemoryStore())
    rng = random.Random(20240601)
    for _ in range(150):
        text = _random_query(rng)
        query = parse_query(text)
        expected = reference.find(text)
        found = lib.find(text)
        assert lib.store.count_matching(query) == len(expected), text
        words, _ = relevance_words(query.where)
        ranked = any(key.field == "relevance" for key in query.sort) or not query.sort
        if words and ranked:
            assert set(found) == set(expected), text
        else:
            assert found == expected, text
