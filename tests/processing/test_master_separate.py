"""Reference mastering (matchering) and stem separation (HPSS, demucs), checked by measurement."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samplemind.audio.decode import decode, probe
from samplemind.errors import (
    MissingDependencyError,
    OutputExistsError,
    ProcessingError,
    TooShortError,
)
from samplemind.processing import master_file, separate_file
from samplemind.processing.separate import demucs_available
from tests.processing.audio import SR, chord_loop, drum_loop, measure, mixed_loop, write
from tests.signals import click_track, sine


def test_a_quiet_track_mastered_after_a_loud_reference_comes_out_near_its_loudness(
    tmp_path: Path,
) -> None:
    track = write(tmp_path / "demo mix.wav", (0.12 * mixed_loop(120, 4)).astype(np.float32))
    loud = mixed_loop(126, 4) * np.float32(2.5)
    reference = write(tmp_path / "reference.wav", np.tanh(loud).astype(np.float32))
    track_lufs = measure(track).loudness
    reference_lufs = measure(reference).loudness
    assert track_lufs is not None and reference_lufs is not None
    assert track_lufs.loudness_lufs is not None and reference_lufs.loudness_lufs is not None
    assert reference_lufs.loudness_lufs - track_lufs.loudness_lufs > 12

    report = master_file(track, reference)
    out = Path(report.outputs[0].path)
    assert out.name == "demo mix (mastered).wav"
    mastered = measure(out).loudness
    assert mastered is not None and mastered.loudness_lufs is not None
    assert mastered.loudness_lufs == pytest.approx(reference_lufs.loudness_lufs, abs=1.5)
    assert mastered.true_peak_dbtp <= 0.5
    # The track's own timing and length survive (44.1 kHz in, 44.1 kHz out).
    assert probe(out).frames == probe(track).frames
    assert report.steps[0]["step"] == "master" and report.params["reference_path"] == str(reference)


def test_a_mono_track_stays_mono_at_its_own_rate(tmp_path: Path) -> None:
    track = write(tmp_path / "t.wav", 0.1 * drum_loop(120, 2).mean(axis=1), sr=SR)
    reference = write(tmp_path / "r.wav", np.tanh(2 * mixed_loop(120, 2)).astype(np.float32))
    report = master_file(track, reference, output=tmp_path / "m.flac")
    info = probe(report.outputs[0].path)
    assert (info.channels, info.sample_rate_hz, info.format) == (1, SR, "FLAC")


def test_mastering_refuses_a_reference_too_short_and_the_same_audio(tmp_path: Path) -> None:
    track = write(tmp_path / "t.wav", 0.2 * chord_loop(120, 2))
    blip = write(tmp_path / "blip.wav", sine(440, 0.05))
    with pytest.raises(TooShortError, match=r"0\.050 s long; matchering needs at least 0\.093 s"):
        master_file(track, blip, output=tmp_path / "o.wav")
    with pytest.raises(ProcessingError, match="same audio"):
        master_file(track, track, output=tmp_path / "o.wav")
    assert not (tmp_path / "o.wav").exists()


def test_hpss_keeps_clicks_in_the_percussive_stem_and_the_tone_in_the_harmonic(
    tmp_path: Path,
) -> None:
    clicks = click_track(120, 2, accent=False)
    tone = sine(220, clicks.size / SR, dbfs=-12)
    source = write(tmp_path / "mix.wav", np.stack([clicks + tone] * 2, axis=1), subtype="FLOAT")
    report = separate_file(source)
    stems = {out.stem: Path(out.path) for out in report.outputs}
    assert set(stems) == {"harmonic", "percussive"}
    assert stems["percussive"].name == "mix (percussive).wav"
    harmonic = decode(stems["harmonic"]).samples[:, 0]
    percussive = decode(stems["percussive"]).samples[:, 0]

    # The sum is the original (soft masks that add to one; written as 32-bit float).
    np.testing.assert_allclose(harmonic + percussive, clicks + tone, atol=2e-3)
    # Around each click the percussive stem holds most of the energy ...
    beat = int(60 / 120 * SR)
    window = int(0.01 * SR)
    at_clicks = np.concatenate([np.arange(b, b + window) for b in range(0, clicks.size, beat)])
    p_energy = float(np.sum(percussive[at_clicks] ** 2))
    h_energy_at_clicks = float(np.sum((harmonic[at_clicks] - tone[at_clicks]) ** 2))
    assert p_energy > 5 * h_energy_at_clicks
    # ... and between clicks the harmonic stem is the tone, the percussive one nearly silent.
    between = np.concatenate(
        [
            np.arange(b + int(0.1 * SR), b + int(0.4 * SR))
            for b in range(0, clicks.size - beat, beat)
        ]
    )
    tone_energy = float(np.sum(tone[between] ** 2))
    assert float(np.sum((harmonic[between] - tone[between]) ** 2)) < 0.01 * tone_energy
    assert float(np.sum(percussive[between] ** 2)) < 0.01 * tone_energy


def test_stems_go_to_a_folder_and_are_never_replaced_unasked(tmp_path: Path) -> None:
    source = write(tmp_path / "loop.wav", 0.5 * mixed_loop(120, 1), subtype="PCM_16")
    report = separate_file(source, output_dir=tmp_path / "stems")
    assert sorted(Path(o.path).name for o in report.outputs) == [
        "loop (harmonic).wav",
        "loop (percussive).wav",
    ]
    assert all(o.format == "wav16" for o in report.outputs)  # the source's format
    with pytest.raises(OutputExistsError):
        separate_file(source, output_dir=tmp_path / "stems")
    assert separate_file(source, output_dir=tmp_path / "stems", overwrite=True).outputs


@pytest.mark.skipif(demucs_available(), reason="demucs is installed here")
def test_demucs_without_its_install_says_how_to_get_it(tmp_path: Path) -> None:
    source = write(tmp_path / "song.wav", 0.5 * mixed_loop(120, 1))
    with pytest.raises(MissingDependencyError, match=r"pip install torch.*pip install demucs"):
        separate_file(source, method="demucs")
    assert not list(tmp_path.glob("song (*"))
    from samplemind.errors import ConfigError

    with pytest.raises(ConfigError, match="valid: demucs, hpss"):
        separate_file(source, method="spleeter")


def test_long_files_separate_in_blocks_that_still_add_up() -> None:
    from samplemind.audio.signal import AudioSignal
    from samplemind.processing.separate import hpss_stems

    x = np.concatenate([mixed_loop(120, 2)] * 2)  # 8 s
    signal = AudioSignal.from_array(x, SR)
    whole = hpss_stems(signal, block_s=60)
    blocks = hpss_stems(signal, block_s=2.5)  # four blocks, three seams
    np.testing.assert_allclose(blocks["harmonic"] + blocks["percussive"], x, atol=1e-5)
    for stem in ("harmonic", "percussive"):
        difference = np.sqrt(np.mean((whole[stem] - blocks[stem]) ** 2))
        assert difference < 0.1 * np.sqrt(np.mean(whole[stem] ** 2))
