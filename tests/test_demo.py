"""The synthetic demo library: files, formats, truth and determinism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf

from samplemind import demo
from samplemind.audio import decode
from samplemind.demo import MANIFEST_NAME, DemoSample, create_demo_library, read_manifest
from samplemind.domain.music import MusicalKey, hz_to_midi
from samplemind.errors import ConfigError

FORMATS = {".wav": "WAV", ".flac": "FLAC", ".aiff": "AIFF", ".ogg": "OGG", ".mp3": "MP3"}
LOSSLESS = {".wav", ".flac", ".aiff"}


@pytest.fixture
def few_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make only a handful of files, for tests about the directory rather than the audio."""
    monkeypatch.setattr(demo, "_LIBRARY", demo._LIBRARY[:3])


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[DemoSample]]:
    directory = tmp_path_factory.mktemp("demo") / "Demo Library"
    return directory, create_demo_library(directory)


def _read(path: Path) -> tuple[npt.NDArray[np.float64], int]:
    audio, rate = sf.read(path, always_2d=True, dtype="float64")
    return audio, int(rate)


def _lowest_strong_peak_hz(mono: npt.NDArray[np.float64], rate: int) -> float:
    """Frequency of the lowest spectral peak within 10 dB of the strongest (25 Hz .. 2.5 kHz).

    For a single note that is its fundamental; for a chord held in close voicing, its root.
    """
    body = mono[int(0.1 * rate) :]  # past the attack (an 808's sweep, a pad's swell)
    size = 1 << 19
    magnitude = np.abs(np.fft.rfft(body * np.hanning(len(body)), size))
    freqs = np.fft.rfftfreq(size, 1.0 / rate)
    magnitude[(freqs < 25.0) | (freqs > 2500.0)] = 0.0
    inner = magnitude[1:-1]
    strong = inner > 0.316 * magnitude.max()
    k = int(np.flatnonzero(strong & (inner >= magnitude[:-2]) & (inner >= magnitude[2:]))[0]) + 1
    a, b, c = np.log(magnitude[k - 1 : k + 2])
    return float((k + 0.5 * (a - c) / (a - 2 * b + c)) * rate / size)


def test_library_covers_the_kinds_a_producer_expects(
    library: tuple[Path, list[DemoSample]],
) -> None:
    _, samples = library
    assert 20 <= len(samples) <= 30
    categories = {s.category for s in samples}
    assert categories == {
        "kick", "snare", "hihat", "clap", "tom", "bass", "lead", "pad", "drum-loop", "chord-loop"
    }  # fmt: skip
    assert {s.path.suffix for s in samples} == set(FORMATS)
    loops = [s for s in samples if s.kind == "loop"]
    assert {s.bpm for s in loops if s.category == "drum-loop"} == {90.0, 128.0, 140.0, 174.0}
    assert {s.key for s in loops if s.category == "chord-loop"} == {
        "A minor", "F# minor", "C major", "D minor"
    }  # fmt: skip
    # Some loops say nothing in their names, so only the audio can tell.
    assert any(str(int(s.bpm or 0)) not in s.path.name for s in loops)
    for sample in samples:
        assert (sample.kind == "loop") == (sample.bpm is not None) == (sample.bars is not None)
        assert sample.bpm is None or isinstance(sample.bpm, float)
        if sample.key is not None:
            assert str(MusicalKey.parse(sample.key)) == sample.key


def test_manifest_lists_every_file_relative(library: tuple[Path, list[DemoSample]]) -> None:
    directory, samples = library
    entries = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert [e["path"] for e in entries] == [
        s.path.relative_to(directory).as_posix() for s in samples
    ]
    assert read_manifest(directory) == samples
    on_disk = {p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST_NAME}
    assert on_disk == {s.path for s in samples}


def test_every_file_decodes_in_its_format_at_sensible_levels(
    library: tuple[Path, list[DemoSample]],
) -> None:
    _, samples = library
    for sample in samples:
        info = sf.info(sample.path)
        assert info.format == FORMATS[sample.path.suffix], sample.path.name
        assert info.samplerate == 44_100
        if sample.path.suffix in LOSSLESS:
            assert info.subtype == "PCM_24"
        audio, _ = _read(sample.path)
        assert decode(sample.path).frames == len(audio)  # our own decoder takes every format
        peak_db = 20 * np.log10(np.max(np.abs(audio)))
        assert -7.5 < peak_db < -0.5, (sample.path.name, peak_db)
        assert abs(float(np.mean(audio))) < 0.01, sample.path.name  # no DC offset
        if sample.kind == "oneshot" and sample.path.suffix in LOSSLESS:  # faded: no clicks
            assert np.max(np.abs(audio[[0, -1]])) < 1e-3, sample.path.name


def test_loops_end_exactly_on_a_bar_line(library: tuple[Path, list[DemoSample]]) -> None:
    _, samples = library
    for sample in (s for s in samples if s.kind == "loop"):
        assert sample.bpm is not None
        assert sample.bars is not None
        assert sample.path.suffix in LOSSLESS  # lossy codecs pad the ends
        audio, rate = _read(sample.path)
        assert len(audio) == round(sample.bars * 4 * 60 / sample.bpm * rate), sample.path.name


def test_chord_loops_wrap_seamlessly(library: tuple[Path, list[DemoSample]]) -> None:
    _, samples = library
    for sample in (s for s in samples if s.category == "chord-loop"):
        audio, _ = _read(sample.path)
        seam = np.max(np.abs(audio[0] - audio[-1]))
        typical = np.percentile(np.abs(np.diff(audio, axis=0)), 99)
        assert seam < typical, sample.path.name


def test_pitched_one_shots_sound_at_their_root(library: tuple[Path, list[DemoSample]]) -> None:
    _, samples = library
    pitched = [s for s in samples if s.kind == "oneshot" and s.root_midi is not None]
    assert {s.category for s in pitched} == {"kick", "bass", "lead", "pad"}  # the 808 is pitched
    for sample in pitched:
        audio, rate = _read(sample.path)
        measured = hz_to_midi(_lowest_strong_peak_hz(audio.mean(axis=1), rate))
        assert measured == pytest.approx(sample.root_midi, abs=0.35), sample.path.name


def test_same_seed_gives_the_same_bytes(
    library: tuple[Path, list[DemoSample]], tmp_path: Path
) -> None:
    _, samples = library
    again = create_demo_library(tmp_path, seed=7)
    for first, second in zip(samples, again, strict=True):
        if first.path.suffix == ".wav":
            assert first.path.read_bytes() == second.path.read_bytes(), first.path.name


@pytest.mark.usefixtures("few_specs")
def test_another_seed_gives_other_noise_and_the_same_truth(
    library: tuple[Path, list[DemoSample]], tmp_path: Path
) -> None:
    directory, samples = library
    other = create_demo_library(tmp_path, seed=8)
    for first, second in zip(samples, other, strict=False):
        assert first.path.read_bytes() != second.path.read_bytes()
        assert first.to_json(directory) == second.to_json(tmp_path)


@pytest.mark.usefixtures("few_specs")
def test_refuses_a_foreign_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "my-track.wav").write_bytes(b"precious")
    with pytest.raises(ConfigError, match="not a demo library"):
        create_demo_library(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["my-track.wav"]


@pytest.mark.usefixtures("few_specs")
def test_overwrite_writes_into_a_foreign_directory_and_keeps_its_files(tmp_path: Path) -> None:
    (tmp_path / "my-track.wav").write_bytes(b"precious")
    samples = create_demo_library(tmp_path, overwrite=True)
    assert all(s.path.is_file() for s in samples)
    assert (tmp_path / "my-track.wav").read_bytes() == b"precious"


@pytest.mark.usefixtures("few_specs")
def test_rewrites_a_previous_demo_library_and_drops_stale_files(tmp_path: Path) -> None:
    create_demo_library(tmp_path / "demo")
    manifest = tmp_path / "demo" / MANIFEST_NAME
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    stale = tmp_path / "demo" / "Old" / "Kick_Retired.wav"
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    manifest.write_text(json.dumps([*entries, {**entries[0], "path": "Old/Kick_Retired.wav"}]))
    samples = create_demo_library(tmp_path / "demo")  # a demo library: no overwrite needed
    assert not stale.exists()
    assert read_manifest(tmp_path / "demo") == samples


def test_bad_arguments_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="seed"):
        create_demo_library(tmp_path / "x", seed=-1)
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="not a directory"):
        create_demo_library(tmp_path / "file")
    with pytest.raises(ConfigError, match="demo manifest"):
        read_manifest(tmp_path)


@pytest.mark.usefixtures("few_specs")
def test_a_demo_library_with_a_broken_manifest_is_still_rewritten(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    samples = create_demo_library(tmp_path)
    assert read_manifest(tmp_path) == samples


def test_sounds_running_past_the_loop_end_wrap_to_its_start() -> None:
    loop = np.zeros(10)
    demo._mix_in(loop, np.arange(1.0, 7.0), 7)  # frames 7, 8, 9 then 0, 1, 2
    assert loop.tolist() == [4.0, 5.0, 6.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0]
