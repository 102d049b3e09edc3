"""The Library façade over a scanned demo library: search, similar, organise, index rebuild."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from samplemind.config import Settings
from samplemind.demo import create_demo_library
from samplemind.domain.analysis import SAMPLE_TYPES
from samplemind.errors import (
    CollectionNotFoundError,
    ConfigError,
    QuerySyntaxError,
    SampleNotFoundError,
)
from samplemind.library import Library, ScanOptions, open_library


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A demo library scanned once into a data dir; tests copy the data dir to stay isolated."""
    root = tmp_path_factory.mktemp("lib")
    demo, data = root / "demo", root / "data"
    create_demo_library(demo)
    settings = Settings(data_dir=data, vector_backend="memory")
    with open_library(settings) as library:
        summary = library.scan([demo], options=ScanOptions(jobs=2))
    assert summary.analyzed == summary.added == 30
    return demo, data


@pytest.fixture
def library(scanned: tuple[Path, Path], tmp_path: Path) -> Iterator[Library]:
    _, data = scanned
    shutil.copytree(data, tmp_path / "data")
    # The memory index does not persist: every new session rebuilds it from the database.
    with open_library(Settings(data_dir=tmp_path / "data", vector_backend="memory")) as lib:
        yield lib


def _names(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [Path(h.sample.path).name for h in hits]


def test_search_filters_on_analysis(library: Library) -> None:
    loops = library.search("is:loop", limit=100)
    assert len(loops) == 8 and all(h.sample.is_loop for h in loops)
    a_minor_family = _names(library.search("key:~8A"))
    assert "Loop_Chords_120_Am.wav" in a_minor_family and "Pad_Warm_Am.wav" in a_minor_family
    assert "Pad_Loop_140bpm_F#min.wav" not in a_minor_family
    fast = library.search("is:loop bpm:>130 sort:-bpm")
    bpms = [h.sample.bpm for h in fast]
    assert bpms == sorted(bpms, reverse=True) and bpms and min(bpms) > 130  # type: ignore[type-var]
    assert library.count("is:loop bpm:~120") == library.count("is:loop bpm:~60")


def test_free_text_finds_names_folders_and_tags(library: Library) -> None:
    assert set(_names(library.search("kick"))) >= {"Kick_Punchy_01.wav"}
    assert all("Drums" in h.sample.path for h in library.search("drums"))
    sample = library.search("reese")[0].sample
    library.tag(sample.id, ["Gritty"])
    assert _names(library.search("tag:gritty")) == ["Bass_Reese_A1.wav"]
    assert _names(library.search("gritty")) == ["Bass_Reese_A1.wav"]
    assert "Bass_Reese_A1.wav" not in _names(library.search("bass -tag:gritty", limit=100))


def test_query_errors_point_at_the_token(library: Library) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        library.search("kick bpm:fast")
    assert (info.value.position, info.value.length) == (len("kick bpm:"), len("fast"))
    assert "bpm" in info.value.message


def test_similar_ranks_same_family_first_and_excludes_itself(library: Library) -> None:
    kick = library.get(library.search("Kick_Punchy_01")[0].sample.id)
    reference, hits = library.similar(kick.id, aspect="timbre", n=5)
    assert reference.sample_id == kick.id
    assert kick.id not in [h.sample.id for h in hits]
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores)
    # Low drums are nearer in timbre to the kick than bright material.
    ranked = _names(library.similar(kick.id, aspect="timbre", n=29)[1])
    assert ranked.index("Kick_Deep_02.wav") < ranked.index("Lead_Supersaw_C4.wav")
    assert ranked.index("Kick_Tight_03.wav") < ranked.index("Loop_Chords_120_Am.wav")


def test_similar_with_a_filter_and_by_an_outside_file(
    library: Library, scanned: tuple[Path, Path], tmp_path: Path
) -> None:
    demo, _ = scanned
    outside = tmp_path / "query.wav"
    shutil.copy(demo / "Loops" / "Drums" / "Drum_Loop_128bpm.wav", outside)
    reference, hits = library.similar(outside, aspect="rhythm", n=3, query="is:loop")
    assert reference.sample_id is None
    assert all(h.sample.is_loop for h in hits)
    # Its identical twin in the library is the best match.
    assert _names(hits)[0] == "Drum_Loop_128bpm.wav" and hits[0].score > 0.99
    like = library.search(f"like:{hits[0].sample.id} is:loop", limit=3)
    assert len(like) == 3 and all(h.sample.is_loop for h in like)


def test_similar_rejects_unknown_aspects_and_samples(library: Library) -> None:
    with pytest.raises(ConfigError):
        library.similar(1, aspect="colour")
    with pytest.raises(SampleNotFoundError):
        library.similar(99_999)


def test_lost_index_is_rebuilt_from_the_database(library: Library) -> None:
    # A fresh memory index is empty: the first similarity use rebuilds it, once.
    assert library.index_status().stale
    assert library.ensure_index() is True and library.ensure_index() is False
    assert not library.index_status().stale
    library.index.clear()
    status = library.index_status()
    assert status.stale and status.indexed == 0
    library._index_checked = False
    assert library.ensure_index() is True
    assert library.index.count("timbre") == library.stats()["analyzed"] == 30


def test_favourites_collections_and_forget(library: Library) -> None:
    pad = library.search("Pad_Warm_Am")[0].sample
    assert library.favourite(pad.id).favourite
    assert _names(library.search("fav:yes")) == ["Pad_Warm_Am.wav"]
    assert library.collection_add("Warm kit", [pad.id, pad.path]) == 1
    assert [c.name for c in library.collections()] == ["Warm kit"]
    assert _names(library.search('collection:"Warm kit"')) == ["Pad_Warm_Am.wav"]
    library.collection_remove("Warm kit", [pad.id])
    assert library.collection_samples("Warm kit") == []
    library.collection_delete("Warm kit")
    with pytest.raises(CollectionNotFoundError):
        library.collection_samples("Warm kit")
    library.forget(pad.id)
    with pytest.raises(SampleNotFoundError):
        library.get(pad.id)
    assert Path(pad.path).exists()  # forgetting never deletes the file


def test_exact_and_audio_duplicates(library: Library, scanned: tuple[Path, Path]) -> None:
    demo, _ = scanned
    kick = demo / "Drums" / "Kicks" / "Kick_Punchy_01.wav"
    extra = demo.parent / "extra"
    extra.mkdir(exist_ok=True)
    shutil.copy(kick, extra / "Kick copy.wav")
    import soundfile as sf

    audio, rate = sf.read(kick, dtype="float32")
    sf.write(extra / "Kick quieter.flac", audio * 0.5, rate)
    try:
        library.scan([extra], options=ScanOptions(jobs=1))
        groups = library.duplicates()
    finally:
        shutil.rmtree(extra)
    exact = [g for g in groups if g.kind == "exact"]
    assert [sorted(Path(s.path).name for s in g.samples) for g in exact] == [
        ["Kick copy.wav", "Kick_Punchy_01.wav"]
    ]
    audio_groups = [g for g in groups if g.kind == "audio"]
    assert any(
        {"Kick quieter.flac", "Kick_Punchy_01.wav"} <= {Path(s.path).name for s in g.samples}
        for g in audio_groups
    )
    assert all(g.kind == "exact" for g in library.duplicates(exact_only=True))


def test_export_a_kit_with_a_name_pattern(library: Library, tmp_path: Path) -> None:
    outcomes = library.export(
        "is:loop key:Am|Cmaj", tmp_path / "kit", pattern="{type}_{bpm}_{key}_{name}"
    )
    names = sorted(p.name for p in (tmp_path / "kit").iterdir())
    # {type} is each loop's sample type (a chord loop: keys, or unknown when the model hesitates).
    suffixes = ["_100_C_Piano_Loop_100_Cmaj.wav", "_120_Am_Loop_Chords_120_Am.wav"]
    assert len(names) == 2
    for name, suffix in zip(sorted(names, key=lambda n: n.split("_", 1)[1]), suffixes, strict=True):
        assert name.endswith(suffix) and name.removesuffix(suffix) in SAMPLE_TYPES, name
    assert all(o.ok for o in outcomes)
    again = library.export("is:loop key:Am|Cmaj", tmp_path / "kit", pattern="{name}")
    assert all(o.ok for o in again) and len(list((tmp_path / "kit").iterdir())) == 4
