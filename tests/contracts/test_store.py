"""The ``SampleStore`` contract: every test runs against each backend of the ``store`` fixture
(memory, SQLite, PostgreSQL), so the reference and the SQL store cannot drift apart."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import datetime

import numpy as np
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
from samplemind.domain.library import (
    AnalysisState,
    DerivationKind,
    FileFacts,
    ScanStatus,
    ScanSummary,
    Tag,
    TagSource,
)
from samplemind.domain.music import Mode, MusicalKey
from samplemind.domain.query import OneOf, SearchQuery
from samplemind.errors import (
    CollectionNotFoundError,
    DuplicateCollectionError,
    DuplicatePathError,
    SampleNotFoundError,
    StorageError,
)
from samplemind.storage.base import FileState, SampleStore

# --- builders ------------------------------------------------------------------------------


def facts(
    path: str = "/lib/Drums/Kick.wav",
    *,
    content_hash: str | None = None,
    duration_s: float | None = 1.0,
    size_bytes: int = 1000,
) -> FileFacts:
    return FileFacts(
        path=path,
        content_hash=content_hash or hashlib.md5(path.encode()).hexdigest(),
        size_bytes=size_bytes,
        mtime_ns=1_700_000_000_000_000_000,
        format="WAV",
        subtype="PCM_16",
        bit_depth=16,
        sample_rate_hz=44100,
        channels=1,
        frames=None if duration_s is None else int(duration_s * 44100),
        duration_s=duration_s,
    )


def audio_of(f: FileFacts) -> AudioInfo:
    return AudioInfo(
        format=f.format or "WAV",
        subtype=f.subtype,
        bit_depth=f.bit_depth,
        sample_rate_hz=f.sample_rate_hz or 44100,
        channels=f.channels or 1,
        frames=f.frames or 44100,
        duration_s=f.duration_s or 1.0,
        file_size_bytes=f.size_bytes,
    )


def result_for(
    f: FileFacts,
    analyzers: dict[str, int],
    *,
    level: AnalysisLevel = AnalysisLevel.STANDARD,
    bpm: float = 120.0,
    key: MusicalKey | None = None,
    lufs: float = -14.0,
    sample_type: str | None = None,
) -> AnalysisResult:
    """A hand-built result holding the outputs of ``analyzers`` (real domain objects)."""
    outputs = {
        "loudness": Loudness(
            peak_dbfs=-1.0,
            true_peak_dbtp=-0.5,
            rms_dbfs=-18.0,
            loudness_lufs=lufs,
            crest_factor_db=17.0,
        ),
        "loop": LoopEstimate(is_loop=True, confidence=0.9, bars=2),
        "tempo": TempoEstimate(bpm=bpm, confidence=0.8, source=Source.AUDIO),
        "key": KeyEstimate(
            key=key or MusicalKey(tonic=9, mode=Mode.MINOR), confidence=0.7, source=Source.AUDIO
        ),
        "pitch": PitchEstimate(note="A2", midi=45, cents=3.0, frequency_hz=110.2, confidence=0.6),
        "timbre": [0.6, 0.8],
    }
    return AnalysisResult(
        path=f.path,
        level=level,
        audio=audio_of(f),
        analyzers=analyzers,
        sample_type=SampleTypeEstimate(label=sample_type, confidence=0.9) if sample_type else None,
        **{name: outputs[name] for name in analyzers if name in outputs},
    )


@pytest.fixture(scope="module")
def real_result() -> AnalysisResult:
    """A DETAILED analysis of a synthesized A-minor loop, through the real engine."""
    from samplemind.analysis.engine import analyze_signal
    from samplemind.audio.signal import AudioSignal
    from tests.signals import SR, chord, click_track

    y = np.concatenate([chord(c, 1.0) for c in ([57, 60, 64], [62, 65, 69], [57, 60, 64])])
    y = y + 0.5 * np.resize(click_track(120, 2), y.size)
    signal = AudioSignal.from_array(y, SR, path="/lib/Loops/Am Loop 120.wav")
    return analyze_signal(signal, level=AnalysisLevel.DETAILED)


def add(store: SampleStore, *paths: str, content_hash: str | None = None) -> list[int]:
    return store.add_samples([facts(p, content_hash=content_hash) for p in paths])


# --- adding and reading --------------------------------------------------------------------


def test_add_get_and_get_many(store: SampleStore) -> None:
    a, b = facts("/lib/Drums/Kick.wav"), facts("/lib/Bass/Sub 808.aif", duration_s=2.5)
    ids = store.add_samples([a, b])
    assert len(ids) == 2 and ids[0] < ids[1]

    kick = store.get(ids[0])
    assert (kick.id, kick.path, kick.name) == (ids[0], a.path, "Kick.wav")
    assert (kick.content_hash, kick.size_bytes, kick.mtime_ns) == (
        a.content_hash,
        a.size_bytes,
        a.mtime_ns,
    )
    assert (kick.format, kick.subtype, kick.bit_depth) == ("WAV", "PCM_16", 16)
    assert (kick.sample_rate_hz, kick.channels, kick.frames, kick.duration_s) == (
        44100,
        1,
        44100,
        1.0,
    )
    assert kick.analysis_state is AnalysisState.PENDING
    assert not kick.missing and not kick.favourite and kick.tags == ()
    assert kick.bpm is None and kick.key is None and kick.sample_type is None
    assert isinstance(kick.added_at, datetime) and kick.added_at.tzinfo is not None

    assert [s.id for s in store.get_many([ids[1], 999_999, ids[0]])] == [ids[1], ids[0]]
    assert store.get_many([]) == []
    found = store.get_by_path(b.path)
    assert found is not None and found.id == ids[1] and found.name == "Sub 808.aif"
    assert store.get_by_path("/lib/nowhere.wav") is None
    assert store.count() == 2
    assert store.add_samples([]) == []
    with pytest.raises(SampleNotFoundError):
        store.get(999_999)


def test_duplicate_path_is_refused_and_nothing_is_inserted(store: SampleStore) -> None:
    add(store, "/lib/a.wav")
    with pytest.raises(DuplicatePathError):
        add(store, "/lib/b.wav", "/lib/a.wav")
    with pytest.raises(DuplicatePathError):
        add(store, "/lib/c.wav", "/lib/c.wav")
    assert store.count() == 1
    assert store.get_by_path("/lib/b.wav") is None
    assert store.get_by_path("/lib/c.wav") is None


def test_ids_are_not_reused_after_a_delete(store: SampleStore) -> None:
    (first,) = add(store, "/lib/a.wav")
    store.delete_sample(first)
    (second,) = add(store, "/lib/a.wav")
    assert second > first


def test_find_by_hash_includes_missing_samples(store: SampleStore) -> None:
    ids = add(store, "/lib/a.wav", "/lib/b.wav", content_hash="ab" * 16)
    (other,) = add(store, "/lib/c.wav")
    store.set_missing([ids[0]])
    assert [s.id for s in store.find_by_hash("ab" * 16)] == ids
    assert [s.id for s in store.find_by_hash(store.get(other).content_hash)] == [other]
    assert store.find_by_hash("f" * 32) == []


def test_file_states_under_a_folder(store: SampleStore) -> None:
    ids = add(store, "/lib/Drums/a.wav", "/lib/Drums/Sub/b.wav", "/lib/Drums2/c.wav", "/x.wav")
    store.set_missing([ids[1]])
    states = list(store.file_states())
    assert [s.id for s in states] == ids
    b = states[1]
    assert isinstance(b, FileState)
    assert (b.path, b.size_bytes, b.missing) == ("/lib/Drums/Sub/b.wav", 1000, True)
    assert b.content_hash == store.get(ids[1]).content_hash
    assert b.mtime_ns == 1_700_000_000_000_000_000
    assert [s.id for s in store.file_states("/lib/Drums")] == ids[:2]
    assert [s.id for s in store.file_states("/lib/Drums/")] == ids[:2]
    assert [s.id for s in store.file_states("/lib")] == ids[:3]
    assert list(store.file_states("/elsewhere")) == []


def test_set_missing_counts_changes(store: SampleStore) -> None:
    ids = add(store, "/lib/a.wav", "/lib/b.wav", "/lib/c.wav")
    assert store.set_missing([ids[0], ids[1], 999_999]) == 2
    assert store.set_missing([ids[0]]) == 0
    assert store.get(ids[0]).missing
    assert store.count() == 1 and store.count(include_missing=True) == 3
    assert store.set_missing(iter([ids[0]]), missing=False) == 1
    assert not store.get(ids[0]).missing and store.count() == 2


# --- file changes --------------------------------------------------------------------------


def _decorate(store: SampleStore, sample_id: int) -> None:
    store.add_tags(
        sample_id,
        [
            Tag(name="mine", source=TagSource.USER),
            Tag(name="dark", source=TagSource.AI, confidence=0.8),
            Tag(name="kick", source=TagSource.MODEL, confidence=0.9),
            Tag(name="acoustic", source=TagSource.FILENAME),
        ],
    )
    store.set_favourite(sample_id)
    store.add_to_collection("kit", [sample_id])


def test_content_change_resets_analysis_but_keeps_user_and_ai_tags(store: SampleStore) -> None:
    f = facts("/lib/Drums/Kick.wav")
    (sid,) = store.add_samples([f])
    store.save_analysis(sid, result_for(f, {"loudness": 1, "tempo": 1, "key": 1}))
    _decorate(store, sid)
    assert store.get(sid).bpm == 120.0

    changed = facts("/lib/Drums/Kick.wav", content_hash="c" * 32, size_bytes=2222, duration_s=3.0)
    store.update_file(sid, changed, content_changed=True)

    sample = store.get(sid)
    assert sample.analysis_state is AnalysisState.PENDING
    assert (sample.content_hash, sample.size_bytes, sample.duration_s) == ("c" * 32, 2222, 3.0)
    assert sample.bpm is None and sample.key is None and sample.loudness_lufs is None
    assert store.analysis(sid) is None
    assert {(t.name, t.source) for t in sample.tags} == {
        ("mine", TagSource.USER),
        ("dark", TagSource.AI),
    }
    assert sample.favourite
    assert [s.id for s in store.collection_samples("kit")] == [sid]
    assert [p.sample_id for p in store.pending_analysis({"loudness": 1})] == [sid]


def _typed(f: FileFacts, label: str) -> AnalysisResult:
    """A result whose type came from the ``sample_type`` analyzer, as the pipeline saves it."""
    result = result_for(f, {"loudness": 1, "sample_type": 1})
    estimate = SampleTypeEstimate(label=label, confidence=0.8, top=((label, 0.8),))
    return result.model_copy(update={"sample_type": estimate})


def test_the_users_sample_type_wins_over_the_model_even_after_reanalysis(
    store: SampleStore,
) -> None:
    f = facts("/lib/Drums/Thing.wav")
    (sid,) = store.add_samples([f])
    store.save_analysis(sid, _typed(f, "tom"))
    assert store.get(sid).sample_type == "tom" and store.get(sid).user_sample_type is None

    store.set_user_sample_type(sid, "kick")
    assert (store.get(sid).sample_type, store.get(sid).user_sample_type) == ("kick", "kick")
    store.save_analysis(sid, _typed(f, "snare"))  # re-analysis: the model changed its mind
    sample = store.get(sid)
    assert (sample.sample_type, sample.user_sample_type) == ("kick", "kick")
    analysis = store.analysis(sid)
    assert analysis is not None and analysis.sample_type is not None
    assert analysis.sample_type.label == "snare"  # the analysis still says what the model said
    kicks = store.search(SearchQuery(where=OneOf("sample_type", frozenset({"kick"}))))
    assert [hit.sample.id for hit in kicks] == [sid]

    changed = facts("/lib/Drums/Thing.wav", content_hash="d" * 32)
    store.update_file(sid, changed, content_changed=True)
    assert store.get(sid).sample_type == "kick"  # a new take of the file keeps your word

    store.set_user_sample_type(sid, None)  # forgotten: the model's type again
    assert store.get(sid).sample_type is None  # (the analysis was reset by the change)
    store.save_analysis(sid, _typed(changed, "snare"))
    assert (store.get(sid).sample_type, store.get(sid).user_sample_type) == ("snare", None)
    with pytest.raises(SampleNotFoundError):
        store.set_user_sample_type(999_999, "kick")


def test_move_keeps_everything(store: SampleStore) -> None:
    f = facts("/lib/Drums/Kick.wav")
    (sid,) = store.add_samples([f])
    store.save_analysis(sid, result_for(f, {"loudness": 1, "tempo": 1}))
    _decorate(store, sid)
    before = store.get(sid)

    moved = facts("/lib/Kicks/Big Kick.wav", content_hash=f.content_hash)
    store.update_file(sid, moved, content_changed=False)

    after = store.get(sid)
    assert (after.path, after.name) == ("/lib/Kicks/Big Kick.wav", "Big Kick.wav")
    assert store.get_by_path(f.path) is None
    assert store.get_by_path(moved.path) == after
    assert after.analysis_state is AnalysisState.DONE and after.bpm == 120.0
    assert set(after.tags) == set(before.tags) and after.favourite
    analysis = store.analysis(sid)
    assert analysis is not None and analysis.path == moved.path
    assert [s.id for s in store.collection_samples("kit")] == [sid]


def test_update_file_of_a_missing_sample_marks_it_present(store: SampleStore) -> None:
    (sid,) = add(store, "/lib/a.wav")
    store.set_missing([sid])
    store.update_file(sid, facts("/lib/moved/a.wav"), content_changed=False)
    assert not store.get(sid).missing


def test_update_file_refuses_unknown_samples_and_taken_paths(store: SampleStore) -> None:
    a, b = add(store, "/lib/a.wav", "/lib/b.wav")
    with pytest.raises(SampleNotFoundError):
        store.update_file(999_999, facts("/lib/z.wav"), content_changed=True)
    with pytest.raises(DuplicatePathError):
        store.update_file(a, facts("/lib/b.wav"), content_changed=False)
    assert store.get(a).path == "/lib/a.wav" and store.get(b).path == "/lib/b.wav"
    store.update_file(a, facts("/lib/a.wav", size_bytes=5), content_changed=False)  # same path
    assert store.get(a).size_bytes == 5


# --- analysis ------------------------------------------------------------------------------


def test_pending_analysis_orders_by_duration_unknown_last(store: SampleStore) -> None:
    long_, unknown, short, mid = (
        store.add_samples([facts("/lib/long.wav", duration_s=9.0)])[0],
        store.add_samples([facts("/lib/unknown.wav", duration_s=None)])[0],
        store.add_samples([facts("/lib/short.wav", duration_s=0.2)])[0],
        store.add_samples([facts("/lib/mid.wav", duration_s=2.0)])[0],
    )
    (twin,) = store.add_samples([facts("/lib/twin.wav", duration_s=2.0)])
    pending = store.pending_analysis({"loudness": 1})
    assert [p.sample_id for p in pending] == [short, mid, twin, long_, unknown]
    assert all(p.analyzers == frozenset() for p in pending)
    assert pending[0].path == "/lib/short.wav"
    assert [p.sample_id for p in store.pending_analysis({"loudness": 1}, limit=2)] == [short, mid]
    assert [p.sample_id for p in store.pending_analysis({})] == [short, mid, twin, long_, unknown]


def test_pending_analysis_finds_missing_and_outdated_analyzers(store: SampleStore) -> None:
    fa, fb, fc = facts("/lib/a.wav"), facts("/lib/b.wav"), facts("/lib/c.wav")
    a, b, c = store.add_samples([fa, fb, fc])
    store.save_analysis(a, result_for(fa, {"loudness": 1, "tempo": 2}))
    store.save_analysis(b, result_for(fb, {"loudness": 1, "tempo": 1}))
    store.save_analysis(c, result_for(fc, {"loudness": 1, "tempo": 3, "key": 1}))

    assert store.pending_analysis({"loudness": 1, "tempo": 1}) == []
    found = {p.sample_id: p.analyzers for p in store.pending_analysis({"loudness": 1, "tempo": 2})}
    assert found == {b: frozenset({"tempo"})}
    found = {
        p.sample_id: p.analyzers
        for p in store.pending_analysis({"loudness": 2, "tempo": 2, "key": 1})
    }
    assert found == {
        a: frozenset({"loudness", "key"}),
        b: frozenset({"loudness", "tempo", "key"}),
        c: frozenset({"loudness"}),
    }


def test_pending_analysis_skips_failed_unless_retrying_and_missing_always(
    store: SampleStore,
) -> None:
    failed, gone, fresh = add(store, "/lib/failed.wav", "/lib/gone.wav", "/lib/fresh.wav")
    store.save_failure(failed, "decode_error", "truncated data")
    store.set_missing([gone])
    assert [p.sample_id for p in store.pending_analysis({"loudness": 1})] == [fresh]
    retried = store.pending_analysis({"loudness": 1}, retry_failed=True)
    assert [p.sample_id for p in retried] == [failed, fresh]
    assert retried[0].analyzers == frozenset()
    sample = store.get(failed)
    assert sample.analysis_state is AnalysisState.FAILED
    assert (sample.error_code, sample.error_message) == ("decode_error", "truncated data")


def test_save_analysis_fills_the_summary_columns(store: SampleStore) -> None:
    f = facts("/lib/Loops/Loop.wav")
    (sid,) = store.add_samples([f])
    store.save_failure(sid, "timeout", "took too long")
    analyzers = {"loudness": 1, "loop": 1, "tempo": 1, "key": 1, "pitch": 1}
    store.save_analysis(
        sid,
        result_for(
            f, analyzers, bpm=128.0, key=MusicalKey(tonic=6, mode=Mode.MINOR), sample_type="loop"
        ),
    )
    s = store.get(sid)
    assert s.analysis_state is AnalysisState.DONE
    assert s.error_code is None and s.error_message is None
    assert (s.loudness_lufs, s.peak_dbfs, s.true_peak_dbtp) == (-14.0, -1.0, -0.5)
    assert (s.is_loop, s.bars) == (True, 2)
    assert (s.bpm, s.bpm_confidence) == (128.0, 0.8)
    assert (s.key, s.camelot, s.key_confidence) == ("F# minor", "11A", 0.7)
    assert (s.root_note, s.root_midi) == ("A2", 45)
    assert s.sample_type == "loop"


def test_save_analysis_merges_versions(store: SampleStore) -> None:
    f = facts("/lib/a.wav")
    (sid,) = store.add_samples([f])
    store.save_analysis(sid, result_for(f, {"loudness": 1, "tempo": 1}, bpm=100.0, lufs=-10.0))
    store.save_analysis(
        sid,
        result_for(f, {"tempo": 2, "key": 1}, bpm=140.0, lufs=-30.0, level=AnalysisLevel.BASIC),
    )
    merged = store.analysis(sid)
    assert merged is not None
    assert merged.analyzers == {"loudness": 1, "tempo": 2, "key": 1}
    assert merged.tempo is not None and merged.tempo.bpm == 140.0
    assert merged.loudness is not None and merged.loudness.loudness_lufs == -10.0  # kept
    assert merged.key is not None and merged.key.key.name == "A minor"
    assert merged.level is AnalysisLevel.STANDARD  # the highest saved
    sample = store.get(sid)
    assert (sample.bpm, sample.loudness_lufs, sample.key) == (140.0, -10.0, "A minor")


def test_analyzer_without_output_is_stored_as_none(store: SampleStore) -> None:
    f = facts("/lib/a.wav")
    (sid,) = store.add_samples([f])
    store.save_analysis(sid, result_for(f, {"loudness": 1, "pitch": 1, "classify": 3}))
    store.save_analysis(sid, result_for(f, {"pitch": 2}).model_copy(update={"pitch": None}))
    merged = store.analysis(sid)
    assert merged is not None
    assert merged.analyzers == {"loudness": 1, "pitch": 2, "classify": 3}
    assert merged.pitch is None
    assert store.get(sid).root_note is None
    assert store.pending_analysis({"pitch": 2, "classify": 3}) == []
    assert list(store.analyzer_outputs(["pitch"])) == [(sid, {"pitch": None})]


def test_save_analysis_and_failure_ignore_deleted_samples(store: SampleStore) -> None:
    f = facts("/lib/a.wav")
    (sid,) = store.add_samples([f])
    store.delete_sample(sid)
    store.save_analysis(sid, result_for(f, {"loudness": 1}))
    store.save_failure(sid, "decode_error", "gone")
    assert store.count(include_missing=True) == 0


def test_analysis_round_trips_a_real_result(
    store: SampleStore, real_result: AnalysisResult
) -> None:
    audio = real_result.audio
    f = FileFacts(
        path=real_result.path,
        content_hash="9" * 32,
        size_bytes=audio.file_size_bytes,
        mtime_ns=1,
        format=audio.format,
        subtype=audio.subtype,
        bit_depth=audio.bit_depth,
        sample_rate_hz=audio.sample_rate_hz,
        channels=audio.channels,
        frames=audio.frames,
        duration_s=audio.duration_s,
    )
    (sid,) = store.add_samples([f])
    assert store.analysis(sid) is None
    store.save_analysis(sid, real_result)
    assert store.analysis(sid) == real_result

    record = real_result.to_record()
    sample = store.get(sid)
    for column in (
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
    ):
        assert getattr(sample, column) == record[column], column
    with pytest.raises(SampleNotFoundError):
        store.analysis(999_999)


def test_analysis_fills_audio_facts_the_index_did_not_know(store: SampleStore) -> None:
    bare = FileFacts(path="/lib/odd.wav", content_hash="1" * 32, size_bytes=77, mtime_ns=1)
    (sid,) = store.add_samples([bare])
    full = facts("/lib/odd.wav", duration_s=4.0)
    store.save_analysis(sid, result_for(full, {"loudness": 1}))
    sample = store.get(sid)
    assert (sample.format, sample.sample_rate_hz, sample.duration_s) == ("WAV", 44100, 4.0)
    analysis = store.analysis(sid)
    assert analysis is not None and analysis.audio.file_size_bytes == 77


def test_analyzer_outputs_streams_in_id_order(store: SampleStore) -> None:
    paths = [f"/lib/s{i}.wav" for i in range(5)]
    ids = add(store, *paths)
    for sid, path in zip(ids, paths, strict=True):
        if sid != ids[2]:  # one never analyzed
            store.save_analysis(sid, result_for(facts(path), {"timbre": 1, "tempo": 1}))
    store.set_missing([ids[3]])

    stream = store.analyzer_outputs(["timbre", "loudness"], batch_size=2)
    assert isinstance(stream, Iterator)
    assert next(stream) == (ids[0], {"timbre": [0.6, 0.8]})
    rest = list(stream)
    assert [sid for sid, _ in rest] == [ids[1], ids[4]]
    both = dict(store.analyzer_outputs(["timbre", "tempo"]))
    assert both[ids[0]] == {
        "timbre": [0.6, 0.8],
        "tempo": {"bpm": 120.0, "confidence": 0.8, "source": "audio"},
    }
    assert list(store.analyzer_outputs(["rhythm"])) == []
    assert list(store.analyzer_outputs([])) == []


# --- tags, favourites, collections ---------------------------------------------------------


def test_tags_are_normalised_and_kept_per_source(store: SampleStore) -> None:
    (sid,) = add(store, "/lib/a.wav")
    store.add_tags(
        sid,
        [
            Tag(name="  Dark "),
            Tag(name="dark", source=TagSource.AI, confidence=0.4),
            Tag(name="DARK", source=TagSource.AI, confidence=0.9),  # same (name, source): kept
            Tag(name="Lo-Fi", source=TagSource.MODEL, confidence=0.5),
        ],
    )
    store.add_tags(sid, [Tag(name="dark", source=TagSource.AI, confidence=0.1)])
    sample = store.get(sid)
    assert {(t.name, t.source, t.confidence) for t in sample.tags} == {
        ("dark", TagSource.USER, None),
        ("dark", TagSource.AI, 0.4),
        ("lo-fi", TagSource.MODEL, 0.5),
    }
    assert sample.tag_names == ["dark", "lo-fi"]

    assert store.remove_tags(sid, ["DARK "], source=TagSource.AI) == 1
    assert {(t.name, t.source) for t in store.get(sid).tags} == {
        ("dark", TagSource.USER),
        ("lo-fi", TagSource.MODEL),
    }
    assert store.remove_tags(sid, ["dark", "lo-fi", "never"]) == 2
    assert store.get(sid).tags == ()
    assert store.remove_tags(sid, ["dark"]) == 0
    assert store.remove_tags(999_999, ["dark"]) == 0


def test_tags_refuse_unknown_samples_and_blank_names(store: SampleStore) -> None:
    (sid,) = add(store, "/lib/a.wav")
    with pytest.raises(SampleNotFoundError):
        store.add_tags(999_999, [Tag(name="x")])
    with pytest.raises(ValueError, match="tag name"):
        store.add_tags(sid, [Tag(name="ok"), Tag(name="   ")])
    assert store.get(sid).tags == ()


def test_favourites(store: SampleStore) -> None:
    a, b = add(store, "/lib/a.wav", "/lib/b.wav")
    store.set_favourite(a)
    store.set_favourite(a)
    assert store.get(a).favourite and not store.get(b).favourite
    store.set_favourite(a, False)
    store.set_favourite(a, False)
    assert not store.get(a).favourite
    with pytest.raises(SampleNotFoundError):
        store.set_favourite(999_999)


def test_collections(store: SampleStore) -> None:
    a, b, c = add(store, "/lib/a.wav", "/lib/b.wav", "/lib/c.wav")
    kit = store.create_collection("Kit")
    assert (kit.name, kit.size) == ("Kit", 0)
    with pytest.raises(DuplicateCollectionError):
        store.create_collection("Kit")
    with pytest.raises(ValueError, match="collection name"):
        store.create_collection("  ")

    assert store.add_to_collection("Kit", [c, a, c]) == 2
    assert store.add_to_collection("Kit", [a, b]) == 1
    assert [s.id for s in store.collection_samples("Kit")] == [c, a, b]
    with pytest.raises(SampleNotFoundError):
        store.add_to_collection("Kit", [999_999, a])
    with pytest.raises(SampleNotFoundError):
        store.add_to_collection("Never", [999_999])
    assert [s.id for s in store.collection_samples("Kit")] == [c, a, b]

    assert store.add_to_collection("bass", [b]) == 1  # created on the way
    assert [(x.name, x.size) for x in store.collections()] == [("Kit", 3), ("bass", 1)]
    assert store.collections_of(b) == ["Kit", "bass"]
    assert store.collections_of(999_999) == []
    assert store.collections()[0].id == kit.id

    assert store.remove_from_collection("Kit", [a, 999_999]) == 1
    assert [s.id for s in store.collection_samples("Kit")] == [c, b]
    assert store.add_to_collection("Kit", [a]) == 1
    assert [s.id for s in store.collection_samples("Kit")] == [c, b, a]  # appended again

    store.delete_collection("Kit")
    assert [x.name for x in store.collections()] == ["bass"]
    assert store.collections_of(b) == ["bass"] and store.collections_of(c) == []
    assert store.count() == 3  # the samples stay
    for call in (
        lambda: store.delete_collection("Kit"),
        lambda: store.collection_samples("Kit"),
        lambda: store.remove_from_collection("Kit", [a]),
    ):
        with pytest.raises(CollectionNotFoundError):
            call()


def test_delete_sample_cascades(store: SampleStore) -> None:
    f = facts("/lib/a.wav")
    sid, other = store.add_samples([f, facts("/lib/b.wav")])
    store.save_analysis(sid, result_for(f, {"loudness": 1, "timbre": 1}))
    _decorate(store, sid)
    store.add_to_collection("kit", [other])

    store.delete_sample(sid)
    with pytest.raises(SampleNotFoundError):
        store.get(sid)
    with pytest.raises(SampleNotFoundError):
        store.analysis(sid)
    with pytest.raises(SampleNotFoundError):
        store.delete_sample(sid)
    assert [s.id for s in store.collection_samples("kit")] == [other]
    assert [(c.name, c.size) for c in store.collections()] == [("kit", 1)]
    assert list(store.analyzer_outputs(["timbre"])) == []
    assert store.stats()["favourites"] == 0
    assert store.get(other).path == "/lib/b.wav"
    assert store.add_samples([f])  # the path is free again


# --- overview ------------------------------------------------------------------------------


def test_duplicate_hashes(store: SampleStore) -> None:
    pair = add(store, "/lib/p1.wav", "/lib/p2.wav", content_hash="a" * 32)
    trio = add(store, "/lib/t1.wav", "/lib/t2.wav", "/lib/t3.wav", content_hash="b" * 32)
    gone = add(store, "/lib/g1.wav", "/lib/g2.wav", content_hash="c" * 32)
    add(store, "/lib/single.wav")
    store.set_missing([gone[0]])
    groups = store.duplicate_hashes()
    assert [[s.id for s in group] for group in groups] == [trio, pair]


def test_stats(store: SampleStore) -> None:
    fs = [facts(f"/lib/{i}.wav") for i in range(6)]
    ids = store.add_samples(fs)
    store.save_analysis(
        ids[0],
        result_for(
            fs[0], {"loop": 1, "key": 1, "tempo": 1, "loudness": 1}, sample_type="loop", bpm=124.9
        ),
    )
    store.save_analysis(
        ids[1], result_for(fs[1], {"key": 1, "loudness": 1}, sample_type="kick", lufs=-14.5)
    )
    loop_free = result_for(fs[2], {"loop": 1, "loudness": 1}, sample_type="kick", lufs=-0.5)
    store.save_analysis(
        ids[2],
        loop_free.model_copy(update={"loop": LoopEstimate(is_loop=False, confidence=0.9)}),
    )
    store.save_failure(ids[3], "decode_error", "bad")
    store.set_missing([ids[4]])
    store.set_favourite(ids[0])
    store.set_favourite(ids[4])  # missing: not counted
    store.create_collection("empty")
    store.add_tags(ids[0], [Tag(name="dark"), Tag(name="dark", source=TagSource.FILENAME)])
    store.add_tags(ids[1], [Tag(name="dark"), Tag(name="warm")])
    store.add_tags(ids[4], [Tag(name="gone")])  # missing: not counted
    assert store.stats() == {
        "samples": 5,
        "missing": 1,
        "analyzed": 3,
        "failed": 1,
        "pending": 1,
        "by_type": {"kick": 2, "loop": 1},
        "by_key": {"A minor": 2},
        "bpm_histogram": {120: 1},  # only loops: the one-shot's tempo is not counted
        # floor, not truncation, for negative levels: -14.5 and -14.0 are in different bins
        "loudness_histogram": {-15: 1, -14: 1, -1: 1},
        "by_tag": {"dark": 2, "warm": 1},  # samples per tag, whatever its sources
        "loops": 1,
        "oneshots": 1,
        "favourites": 1,
        "collections": 1,
    }


def test_labels_of_present_samples(store: SampleStore) -> None:
    fs = [facts(f"/lib/L{i}.wav") for i in range(3)]
    ids = store.add_samples(fs)
    store.save_analysis(ids[0], result_for(fs[0], {"loop": 1}, sample_type="kick"))
    store.set_missing([ids[2]])
    assert store.labels() == {ids[0]: ("L0.wav", "kick", True), ids[1]: ("L1.wav", None, None)}


def test_stats_of_an_empty_store(store: SampleStore) -> None:
    stats = store.stats()
    assert stats["samples"] == stats["missing"] == stats["favourites"] == 0
    assert stats["by_type"] == {} and stats["by_key"] == {} and stats["bpm_histogram"] == {}
    assert stats["loudness_histogram"] == {} and stats["by_tag"] == {}


# --- scan runs -----------------------------------------------------------------------------


def test_scan_runs(store: SampleStore) -> None:
    first = store.start_scan(["/lib", "/more"])
    assert first.status is ScanStatus.RUNNING and first.roots == ("/lib", "/more")
    assert first.finished_at is None
    second = store.start_scan(["/lib"])  # the first was left running: a crashed scan
    summary = ScanSummary(
        added=3, moved=1, failed=1, failures=(("/lib/bad.wav", "decode_error", "truncated"),)
    )
    store.finish_scan(second.id, summary)
    third = store.start_scan(["/x"])
    store.finish_scan(third.id, ScanSummary(added=1), interrupted=True)

    runs = store.scans()
    assert [r.id for r in runs] == [third.id, second.id, first.id]
    assert [r.status for r in runs] == [
        ScanStatus.INTERRUPTED,
        ScanStatus.DONE,
        ScanStatus.INTERRUPTED,
    ]
    assert runs[1].summary == summary
    assert runs[1].finished_at is not None and runs[1].finished_at >= runs[1].started_at
    assert runs[1].started_at == second.started_at
    assert [r.id for r in store.scans(limit=1)] == [third.id]
    assert store.scan_roots() == ["/lib", "/more", "/x"]


def test_scan_roots_of_a_store_never_scanned(store: SampleStore) -> None:
    assert store.scan_roots() == []


# --- hostile input -------------------------------------------------------------------------

HOSTILE = [
    '/lib/it\'s "quoted".wav',
    "/lib/new\nline.wav",
    "/lib/emoji 🥁🎹/kick 🔥.wav",
    "/lib/" + "n" * 1000 + ".wav",
    "/lib/100%_sure/a_b%.wav",
    "/lib/'; DROP TABLE samples; --.wav",
    "/lib/back\\slash.wav",
    "/lib/Ünïcödé/ß.wav",
]


def test_hostile_paths_round_trip(store: SampleStore) -> None:
    ids = store.add_samples([facts(p) for p in HOSTILE])
    for sid, path in zip(ids, HOSTILE, strict=True):
        sample = store.get(sid)
        assert sample.path == path
        assert store.get_by_path(path) == sample
    assert store.get(ids[2]).name == "kick 🔥.wav"
    assert len(store.get(ids[3]).name) == 1004
    assert store.count() == len(HOSTILE)
    # LIKE wildcards in a folder name match only themselves.
    assert [s.id for s in store.file_states("/lib/100%_sure")] == [ids[4]]
    assert list(store.file_states("/lib/100")) == []
    assert [s.id for s in store.file_states("/lib/emoji 🥁🎹")] == [ids[2]]
    store.add_tags(ids[2], [Tag(name="🔥 fire")])
    assert store.get(ids[2]).tag_names == ["🔥 fire"]
    store.create_collection("kit 'ü' 🥁")
    store.add_to_collection("kit 'ü' 🥁", ids)
    assert len(store.collection_samples("kit 'ü' 🥁")) == len(HOSTILE)


# --- search and lifecycle ------------------------------------------------------------------


def test_search_without_a_filter_lists_present_samples(store: SampleStore) -> None:
    from samplemind.storage.memory import MemoryStore

    memory = isinstance(store, MemoryStore)
    pytest.importorskip(f"samplemind.storage.{'memquery' if memory else 'sqlquery'}")
    ids = add(store, "/lib/b.wav", "/lib/a.wav", "/lib/c.wav")
    store.set_missing([ids[2]])
    hits = store.search(SearchQuery())
    assert sorted(h.sample.id for h in hits) == sorted(ids[:2])
    assert store.count_matching(SearchQuery()) == 2
    assert len(store.search(SearchQuery(), limit=1)) == 1


def test_concurrent_writers_do_not_lose_rows(store: SampleStore) -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(10):
                (sid,) = store.add_samples([facts(f"/lib/w{worker}/{i}.wav")])
                store.add_tags(sid, [Tag(name=f"w{worker}")])
        except BaseException as exc:  # collected and re-raised by the test
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.count() == 40
    assert len({s.id for s in store.file_states()}) == 40


def test_a_closed_store_refuses_work(store: SampleStore) -> None:
    store.ping()
    store.close()
    with pytest.raises(StorageError):
        store.ping()
    with pytest.raises(StorageError):
        store.count()


# --- derived samples (migration 0004) ---------------------------------------------------------


def test_derivations_link_both_ways_and_replace(store: SampleStore) -> None:
    source, stretched, stem = add(store, "/lib/Loop.wav", "/lib/Loop (128 BPM).wav", "/lib/h.wav")
    assert store.derivation(source) is None and store.derivatives(source) == []

    params = {"stretch_to_bpm": 128.0, "from_bpm": 120.0, "steps": ["stretch"], "x": None}
    link = store.record_derivation(stretched, source, DerivationKind.PROCESS, params)
    assert (link.sample_id, link.source_id, link.kind) == (
        stretched,
        source,
        DerivationKind.PROCESS,
    )
    assert link.created_at.tzinfo is not None
    store.record_derivation(stem, source, DerivationKind.STEM, {"stem": "harmonic"})

    read = store.derivation(stretched)
    assert read is not None and read.params == params and read.source_id == source
    assert [d.sample_id for d in store.derivatives(source)] == [stretched, stem]
    assert [d.kind for d in store.derivatives(source)] == [
        DerivationKind.PROCESS,
        DerivationKind.STEM,
    ]
    assert store.derivatives(stretched) == []

    # Rendering the same output again replaces its link.
    store.record_derivation(stretched, source, DerivationKind.PROCESS, {"stretch_to_bpm": 130.0})
    again = store.derivation(stretched)
    assert again is not None and again.params == {"stretch_to_bpm": 130.0}
    assert len(store.derivatives(source)) == 2

    # A file from outside the library has no source record.
    (outside,) = add(store, "/lib/from-download.wav")
    orphan = store.record_derivation(outside, None, DerivationKind.MASTER, {"source_path": "/x"})
    assert orphan.source_id is None and store.derivation(outside) == orphan


def test_derivation_refuses_unknown_samples_and_itself(store: SampleStore) -> None:
    (a,) = add(store, "/lib/a.wav")
    with pytest.raises(SampleNotFoundError):
        store.record_derivation(a, 999_999, DerivationKind.PROCESS, {})
    with pytest.raises(SampleNotFoundError):
        store.record_derivation(999_999, a, DerivationKind.PROCESS, {})
    with pytest.raises(ValueError, match="itself"):
        store.record_derivation(a, a, DerivationKind.PROCESS, {})
    assert store.derivation(a) is None and store.derivatives(a) == []


def test_forgetting_samples_keeps_or_drops_links_like_the_foreign_keys(store: SampleStore) -> None:
    source, derived, grandchild = add(store, "/lib/s.wav", "/lib/d.wav", "/lib/g.wav")
    store.record_derivation(derived, source, DerivationKind.PROCESS, {"source_path": "/lib/s.wav"})
    store.record_derivation(grandchild, derived, DerivationKind.STEM, {"stem": "percussive"})

    store.delete_sample(source)  # the derived sample stays, its link loses the source id
    link = store.derivation(derived)
    assert link is not None and link.source_id is None
    assert link.params == {"source_path": "/lib/s.wav"}

    store.delete_sample(grandchild)  # a derived sample's own row goes with it
    assert store.derivation(grandchild) is None and store.derivatives(derived) == []


# --- reads the API makes in one go ---------------------------------------------------------


def test_a_record_is_what_the_single_reads_say(store: SampleStore) -> None:
    source, derived, plain = add(store, "/lib/a.wav", "/lib/b.wav", "/lib/c.wav")
    store.save_analysis(source, result_for(facts("/lib/a.wav"), {"loudness": 1, "tempo": 1}))
    store.add_tags(source, [Tag(name="dark")])
    store.set_favourite(source)
    for name in ("zeta", "alpha"):
        store.create_collection(name)
        store.add_to_collection(name, [source])
    store.record_derivation(derived, source, DerivationKind.PROCESS, {"stretch_to_bpm": 128.0})

    record = store.record(source)
    assert record.sample == store.get(source) and record.sample.favourite
    assert record.analysis == store.analysis(source) and record.analysis is not None
    assert record.collections == ("alpha", "zeta") == tuple(store.collections_of(source))
    assert record.derived_from is None
    assert record.derivatives == tuple(store.derivatives(source)) and len(record.derivatives) == 1

    child = store.record(derived)
    assert child.derived_from == store.derivation(derived) and child.analysis is None
    assert child.derived_from is not None and child.derived_from.source_id == source
    assert store.record(plain).collections == ()
    with pytest.raises(SampleNotFoundError):
        store.record(999_999)


def test_a_search_page_is_the_search_and_its_count(store: SampleStore) -> None:
    ids = add(store, *(f"/lib/Drums/Kick {i}.wav" for i in range(5)), "/lib/Bass/Sub.wav")
    query = SearchQuery(where=OneOf("sample_type", frozenset({"nothing"})))
    assert store.search_page(query, limit=10) == ([], 0)
    everything = SearchQuery()
    for limit, offset in ((10, 0), (2, 0), (2, 3), (3, 5), (3, 6), (3, 50)):
        hits, total = store.search_page(everything, limit=limit, offset=offset)
        assert hits == store.search(everything, limit=limit, offset=offset)
        assert total == store.count_matching(everything) == len(ids)
