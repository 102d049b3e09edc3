"""Library.process / master / separate: outputs join the library, analyzed, linked both ways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from samplemind.config import Settings
from samplemind.domain.library import DerivationKind
from samplemind.domain.music import MusicalKey
from samplemind.errors import ConfigError, OutputExistsError, SampleNotFoundError
from samplemind.library import Library, ScanOptions, open_library
from samplemind.processing import LoudnessTarget, OutputFormat, ProcessSpec
from tests.processing.audio import chord_loop, drum_loop, measure, mixed_loop, write


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """One scanned library for the module; each test works on its own source files."""
    root = tmp_path_factory.mktemp("transforms")
    folder = root / "Samples"
    write(folder / "Loops" / "Keys_120_Am.wav", chord_loop(120, 4), subtype="PCM_16")
    write(folder / "Loops" / "Piano_Stems.wav", chord_loop(120, 2))
    write(folder / "Drums" / "Groove.wav", drum_loop(120, 2))
    write(folder / "Drums" / "Break.wav", drum_loop(120, 1, seed=5))
    settings = Settings(data_dir=root / "data", vector_backend="memory")
    with open_library(settings) as lib:
        lib.scan([folder], options=ScanOptions(jobs=2))
        yield lib


def test_process_adds_an_analyzed_sample_linked_to_its_source(library: Library) -> None:
    source = library.search("keys")[0].sample
    assert source.bpm == pytest.approx(120) and source.key == "A minor"
    original = Path(source.path).read_bytes()

    spec = ProcessSpec(stretch_to_bpm=128, shift_to="Cm", normalize=LoudnessTarget.parse("-14LUFS"))
    done = library.process(source.id, spec)
    (out,) = done.outputs
    assert out.sample is not None and out.derivation is not None
    assert out.path.name == "Keys_120_Am (128 BPM, Cm, -14 LUFS).wav"
    assert Path(source.path).read_bytes() == original  # the original is never touched
    # Analyzed from the stored analysis's 120 BPM / A minor; the record says what it measured.
    new = out.sample
    assert new.analysis_state.value == "done"
    assert new.bpm == pytest.approx(128, abs=0.5) and new.key == "C minor"
    assert new.loudness_lufs == pytest.approx(-14.0, abs=0.1)
    assert (out.derivation.source_id, out.derivation.kind) == (source.id, DerivationKind.PROCESS)
    params = out.derivation.params
    assert (params["from_bpm"], params["to_bpm"], params["semitones"]) == (120.0, 128.0, 3.0)
    # 16-bit like its source, so the last step dithers.
    assert [step["step"] for step in params["steps"]] == ["stretch+shift", "normalize", "dither"]
    # The audio agrees with the record, whatever its name and tags say.
    audio = measure(out.path)
    assert audio.tempo is not None and audio.tempo.bpm == pytest.approx(128, abs=0.5)
    assert audio.key is not None and audio.key.key == MusicalKey.parse("Cm")

    # Both ways: the source lists what was made from it, the derived sample its source.
    down = library.lineage(source.id)
    assert down.derivation is None and [s.id for s, _ in down.derivatives] == [new.id]
    up = library.lineage(new.id)
    assert up.source is not None and up.source.id == source.id and up.derivatives == []
    # Searchable like any sample, and similar to its source in the index.
    assert new.id in [h.sample.id for h in library.search("key:Cm bpm:126..130")]
    _, hits = library.similar(new.id, n=5)
    assert source.id in [h.sample.id for h in hits]


def test_the_original_is_replaced_only_in_place(library: Library) -> None:
    source = library.search("groove")[0].sample
    with pytest.raises(ConfigError, match="--in-place"):
        library.process(source.id, ProcessSpec(fade_out_ms=20), output=source.path)
    with pytest.raises(ConfigError, match="give no output path"):
        library.process(source.id, ProcessSpec(fade_out_ms=20), output="/tmp/x.wav", in_place=True)
    with pytest.raises(ConfigError, match=r"is a \.wav name"):
        library.process(source.id, ProcessSpec(format=OutputFormat.parse("flac")), in_place=True)
    before = library.count()
    done = library.process(
        source.id, ProcessSpec(normalize=LoudnessTarget.parse("-3dBTP")), in_place=True
    )
    (out,) = done.outputs
    assert out.path == Path(source.path) and out.derivation is None
    assert library.count() == before  # the same record, re-analyzed
    again = library.get(source.id)
    assert again.content_hash != source.content_hash
    assert again.true_peak_dbtp == pytest.approx(-3.0, abs=0.1)
    assert library.lineage(source.id).derivatives == []


def test_outputs_that_exist_and_names_beside_the_source(library: Library) -> None:
    source = library.search("break")[0].sample
    spec = ProcessSpec(mono=True)
    first = library.process(source.id, spec, name="Break mono.wav")
    assert first.outputs[0].path == Path(source.path).with_name("Break mono.wav")
    with pytest.raises(OutputExistsError):
        library.process(source.id, spec, name="Break mono.wav")
    again = library.process(source.id, spec, name="../../escape/Break mono.wav", overwrite=True)
    assert again.outputs[0].path == first.outputs[0].path  # a name, never a path
    assert again.outputs[0].sample is not None
    assert again.outputs[0].sample.id == first.outputs[0].sample.id  # re-rendered, same record
    assert len(library.lineage(source.id).derivatives) == 1


def test_a_file_outside_the_library_can_be_processed_without_adding(
    library: Library, tmp_path: Path
) -> None:
    outside = write(tmp_path / "Downloads" / "loop.wav", drum_loop(120, 1))
    done = library.process(outside, ProcessSpec(fade_in_ms=5), add=False)
    (out,) = done.outputs
    assert out.path.exists() and out.sample is None and done.source is None
    added = library.process(outside, ProcessSpec(fade_in_ms=5), name="kept.wav")
    link = added.outputs[0].derivation
    assert link is not None and link.source_id is None
    assert link.params["source_path"] == str(outside)


def test_stems_and_master_are_linked_with_their_kind(library: Library, tmp_path: Path) -> None:
    source = library.search("piano stems")[0].sample
    stems = library.separate(source.id, folder=tmp_path / "stems")
    kinds = {o.stem: o.derivation for o in stems.outputs}
    assert set(kinds) == {"harmonic", "percussive"}
    assert all(d is not None and d.kind is DerivationKind.STEM for d in kinds.values())
    assert kinds["harmonic"] is not None and kinds["harmonic"].params["stem"] == "harmonic"

    reference = write(tmp_path / "ref.wav", mixed_loop(126, 4))
    mastered = library.master(source.id, reference)
    (out,) = mastered.outputs
    assert out.derivation is not None and out.derivation.kind is DerivationKind.MASTER
    assert out.derivation.params["reference_path"] == str(reference)
    assert {s.id for s, _ in library.lineage(source.id).derivatives} == {
        o.sample.id for o in [*stems.outputs, out] if o.sample is not None
    }
    # Forgetting the source keeps what was made from it, and says where it came from.
    library.forget(source.id)
    assert out.sample is not None
    link = library.lineage(out.sample.id).derivation
    assert link is not None and link.source_id is None and link.params["source_path"] == source.path
    with pytest.raises(SampleNotFoundError):
        library.lineage(source.id)
