"""``process_file`` results checked by the project's own analysis of the output audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from samplemind.analysis.engine import analyze_signal
from samplemind.audio.decode import decode, probe
from samplemind.audio.signal import AudioSignal
from samplemind.domain.music import MusicalKey
from samplemind.errors import ConfigError, DecodeError, OutputExistsError, ProcessingError
from samplemind.processing import (
    LoudnessTarget,
    OutputFormat,
    ProcessSpec,
    SourceFacts,
    process_file,
)
from tests.processing.audio import SR, chord_loop, drum_loop, measure, write
from tests.signals import tone


@pytest.fixture(scope="module")
def drums(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("src") / "groove.wav", drum_loop(120, 4))


@pytest.fixture(scope="module")
def chords(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("src") / "keys.wav", chord_loop(120, 4))


def _grid_offsets_ms(source: Path, output: Path, speed: float, bpm: float) -> np.ndarray:
    """Per beat of ``output``, how far (ms) its hits sit from where the source's hits land
    when time runs ``speed`` times faster: the lag that best aligns the onset-strength
    envelopes (librosa) of that beat."""
    import librosa

    hop = 64
    envelopes = [
        librosa.onset.onset_strength(y=decode(p).samples.mean(axis=1), sr=SR, hop_length=hop)
        for p in (source, output)
    ]
    frames = np.arange(len(envelopes[1]))
    ideal = np.interp(frames * speed, np.arange(len(envelopes[0])), envelopes[0])
    beat = int(60 / bpm * SR / hop)
    lags = range(-40, 41)
    offsets = []
    for start in range(0, len(frames) - beat, beat):
        window, reference = envelopes[1][start : start + beat], ideal[start : start + beat]
        best = max(lags, key=lambda lag: float(np.dot(np.roll(window, -lag), reference)))
        offsets.append(best * hop / SR * 1000)
    return np.array(offsets)


def test_a_loop_stretched_to_128_measures_128_bpm_with_its_hits_on_the_new_grid(
    drums: Path, tmp_path: Path
) -> None:
    before = measure(drums)
    assert before.tempo is not None and before.tempo.bpm == pytest.approx(120, abs=0.5)
    report = process_file(drums, ProcessSpec(stretch_to_bpm=128), output=tmp_path / "fast.wav")

    out = Path(report.outputs[0].path)
    after = measure(out)
    assert after.tempo is not None and after.tempo.bpm == pytest.approx(128, abs=0.5)
    assert after.loop is not None and after.loop.is_loop and after.loop.bars == 4
    # Still exactly four bars long at the new tempo: it loops seamlessly.
    assert probe(out).frames == round(4 * 4 * 60 / 128 * SR)
    # Not only the length: every beat's hits sit where the source's land at 128 BPM (no drift
    # through the loop, so its end meets its start).
    offsets = _grid_offsets_ms(drums, out, 128 / 120, 128)
    assert len(offsets) >= 15 and np.abs(offsets).max() <= 5.0, offsets
    assert report.steps[0]["step"] == "stretch" and report.params["from_bpm"] == 120.0


def test_a_loop_shifted_to_c_minor_measures_c_minor_and_keeps_its_tempo(
    chords: Path, tmp_path: Path
) -> None:
    before = measure(chords)
    assert before.key is not None and before.key.key == MusicalKey.parse("Am")
    report = process_file(chords, ProcessSpec(shift_to="Cm"), output=tmp_path / "cm.flac")

    after = measure(report.outputs[0].path)
    assert after.key is not None and after.key.key == MusicalKey.parse("Cm")
    assert after.tempo is not None and after.tempo.bpm == pytest.approx(120, abs=0.5)
    assert report.params["semitones"] == 3 and report.params["to_key"] == "C minor"
    assert probe(report.outputs[0].path).frames == probe(chords).frames


def test_stretch_and_shift_in_one_pass_uses_the_analysis_when_no_facts_are_given(
    chords: Path, tmp_path: Path
) -> None:
    report = process_file(
        chords, ProcessSpec(stretch_to_bpm=100, shift_to="Em"), output=tmp_path / "slow.wav"
    )
    after = measure(report.outputs[0].path)
    assert after.tempo is not None and after.tempo.bpm == pytest.approx(100, abs=0.5)
    assert after.key is not None and after.key.key == MusicalKey.parse("Em")
    assert report.steps[0]["step"] == "stretch+shift"
    assert report.params["semitones"] == -5  # A to E: down a fourth


def test_a_detuned_one_shot_is_tuned_to_the_target_note(tmp_path: Path) -> None:
    source = write(tmp_path / "pluck.wav", tone(57.3, 1.5, decay=2.5))  # A3, 30 cents sharp
    before = measure(source)
    assert before.pitch is not None and (before.pitch.note, round(before.pitch.cents)) == ("A3", 30)
    report = process_file(source, ProcessSpec(shift_to="C4"), output=tmp_path / "c4.wav")
    after = measure(report.outputs[0].path)
    assert after.pitch is not None and after.pitch.note == "C4"
    assert abs(after.pitch.cents) <= 8
    assert report.params["semitones"] == pytest.approx(2.7)


def test_normalize_to_lufs_reads_that_loudness_under_the_ceiling(
    chords: Path, tmp_path: Path
) -> None:
    spec = ProcessSpec(normalize=LoudnessTarget.parse("-14LUFS"))
    report = process_file(chords, spec, output=tmp_path / "n.wav")
    after = measure(report.outputs[0].path)
    assert after.loudness is not None
    assert after.loudness.loudness_lufs == pytest.approx(-14.0, abs=0.1)
    assert after.loudness.true_peak_dbtp <= -1.0 + 0.05
    step = report.steps[-1]
    assert step["step"] == "normalize" and step["lufs"] == pytest.approx(-14.0, abs=0.05)


def test_peak_normalization_brings_the_true_peak_to_the_level(drums: Path, tmp_path: Path) -> None:
    report = process_file(
        drums, ProcessSpec(normalize=LoudnessTarget.parse("-3dBTP")), output=tmp_path / "p.wav"
    )
    after = measure(report.outputs[0].path)
    assert after.loudness is not None
    assert after.loudness.true_peak_dbtp == pytest.approx(-3.0, abs=0.1)


def test_a_loud_target_stops_at_the_ceiling_or_is_met_with_the_limiter(
    drums: Path, tmp_path: Path
) -> None:
    # The groove peaks near 0 dBTP at -14.5 LUFS: -10.5 LUFS needs 4 dB more than peaks allow.
    target = LoudnessTarget.parse("-10.5LUFS,-1dBTP")
    gentle = process_file(drums, ProcessSpec(normalize=target), output=tmp_path / "gain.wav")
    loud = measure(gentle.outputs[0].path).loudness
    assert loud is not None and loud.loudness_lufs is not None
    assert loud.true_peak_dbtp <= -1.0 + 0.05 and loud.loudness_lufs < -13.5
    assert gentle.steps[-1]["short_of_target_lu"] > 3.0

    limited_target = LoudnessTarget.parse("-10.5LUFS,-1dBTP", limiter=True)
    limited = process_file(
        drums, ProcessSpec(normalize=limited_target), output=tmp_path / "limited.wav"
    )
    level = measure(limited.outputs[0].path).loudness
    assert level is not None and level.loudness_lufs is not None
    assert level.loudness_lufs == pytest.approx(-10.5, abs=0.2)
    assert level.true_peak_dbtp <= -1.0 + 0.05
    assert limited.steps[-1]["limited"] is True


def test_trim_removes_the_silence_the_analysis_measured(tmp_path: Path) -> None:
    body = tone(60, 1.0, decay=1.0)
    padded = np.concatenate([np.zeros(int(0.5 * SR)), body, np.zeros(int(0.7 * SR))])
    source = write(tmp_path / "padded.wav", padded.astype(np.float32))
    measured = measure(source)
    before = measured.silence
    assert before is not None and before.leading_silence_s == pytest.approx(0.5, abs=0.01)
    report = process_file(source, ProcessSpec(trim_silence=True), output=tmp_path / "t.wav")
    after = measure(report.outputs[0].path)
    assert after.silence is not None
    assert after.silence.leading_silence_s < 0.001 and after.silence.trailing_silence_s < 0.001
    assert after.audio.duration_s == pytest.approx(
        measured.audio.duration_s - before.leading_silence_s - before.trailing_silence_s,
        abs=0.002,
    )
    step = report.steps[0]
    assert step["leading_s"] == pytest.approx(0.5, abs=0.01)
    assert step["trailing_s"] == pytest.approx(before.trailing_silence_s, abs=0.002)


def test_fades_start_and_end_at_silence(drums: Path, tmp_path: Path) -> None:
    spec = ProcessSpec(fade_in_ms=10, fade_out_ms=50, format=OutputFormat.parse("wav32f"))
    report = process_file(drums, spec, output=tmp_path / "f.wav")
    original, faded = decode(drums).samples, decode(report.outputs[0].path).samples
    ramp_in = int(0.010 * SR)
    ratio = np.abs(faded[:ramp_in]).sum() / np.abs(original[:ramp_in]).sum()
    assert 0.4 < ratio < 0.8  # a quarter-sine ramp keeps about 2/π of the first 10 ms
    assert np.abs(faded[:8]).max() < 0.01 * np.abs(original).max()
    assert np.abs(faded[-8:]).max() < 1e-3
    np.testing.assert_allclose(
        faded[ramp_in : -int(0.05 * SR)], original[ramp_in : -int(0.05 * SR)], atol=1e-6
    )


@pytest.mark.parametrize(
    ("fmt", "name", "subtype", "bit_depth"),
    [
        ("wav16", "o.wav", "PCM_16", 16),
        ("wav24", "o.wav", "PCM_24", 24),
        ("wav32f", "o.wav", "FLOAT", 32),
        ("flac16", "o.flac", "PCM_16", 16),
        ("aiff24", "o.aiff", "PCM_24", 24),
        ("mp3", "o.mp3", "MPEG_LAYER_III", None),
        ("ogg", "o.ogg", "VORBIS", None),
    ],
)
def test_formats_read_back_as_written(
    chords: Path, tmp_path: Path, fmt: str, name: str, subtype: str, bit_depth: int | None
) -> None:
    report = process_file(
        chords, ProcessSpec(format=OutputFormat.parse(fmt)), output=tmp_path / name
    )
    info = probe(report.outputs[0].path)
    assert (info.subtype, info.bit_depth, info.sample_rate_hz, info.channels) == (
        subtype,
        bit_depth,
        SR,
        2,
    )
    assert report.outputs[0].format == OutputFormat.parse(fmt).label


def test_mono_and_resampling(chords: Path, tmp_path: Path) -> None:
    spec = ProcessSpec(mono=True, sample_rate_hz=48_000, format=OutputFormat.parse("flac24"))
    report = process_file(chords, spec, output=tmp_path / "m.flac")
    info = probe(report.outputs[0].path)
    assert (info.channels, info.sample_rate_hz, info.bit_depth) == (1, 48_000, 24)
    assert info.duration_s == pytest.approx(probe(chords).duration_s, abs=1e-3)
    # Resampled, not re-labelled: the piano's A minor is still A minor.
    after = measure(report.outputs[0].path)
    assert after.key is not None and after.key.key == MusicalKey.parse("Am")


def test_an_mp3_at_96k_is_encoded_at_48k(tmp_path: Path) -> None:
    source = write(tmp_path / "hi.wav", tone(69, 0.5), sr=96_000)
    report = process_file(
        source, ProcessSpec(format=OutputFormat.parse("mp3")), output=tmp_path / "o.mp3"
    )
    assert probe(report.outputs[0].path).sample_rate_hz == 48_000
    assert any(step["step"] == "resample" for step in report.steps)


def test_16_bit_output_is_dithered_deterministically(tmp_path: Path) -> None:
    source = write(tmp_path / "quiet.wav", (tone(60, 0.5) * 0.001).astype(np.float32))
    spec = ProcessSpec(format=OutputFormat.parse("wav16"))
    a = process_file(source, spec, output=tmp_path / "a.wav")
    b = process_file(source, spec, output=tmp_path / "b.wav")
    assert Path(a.outputs[0].path).read_bytes() == Path(b.outputs[0].path).read_bytes()
    assert a.steps[-1] == {"step": "dither", "bits": 16, "kind": "tpdf"}
    ints, _ = sf.read(a.outputs[0].path, dtype="int16")
    assert len(np.unique(ints)) > 20  # a -60 dB tone keeps its shape, not a few steps


def test_defaults_write_beside_the_source_named_by_what_was_done(
    chords: Path, tmp_path: Path
) -> None:
    source = write(tmp_path / "Loop_120_Am.wav", decode(chords).samples, subtype="PCM_16")
    spec = ProcessSpec(stretch_to_bpm=128, shift_to="Cm", normalize=LoudnessTarget.parse("-14LUFS"))
    report = process_file(source, spec, facts=SourceFacts(bpm=120.0, key=MusicalKey.parse("Am")))
    out = Path(report.outputs[0].path)
    assert out == tmp_path / "Loop_120_Am (128 BPM, Cm, -14 LUFS).wav"
    assert probe(out).subtype == "PCM_16"  # the source's own format
    # The new tempo and key are in the file's tags, which the library reads before its name.
    from samplemind.analysis.hints import read_hints

    hints = read_hints(out)
    assert (hints.bpm, hints.key) == (128.0, MusicalKey.parse("Cm"))
    assert source.read_bytes() == Path(tmp_path / "Loop_120_Am.wav").read_bytes()
    with pytest.raises(OutputExistsError, match="--overwrite"):
        process_file(source, spec, facts=SourceFacts(bpm=120.0, key=MusicalKey.parse("Am")))
    again = process_file(
        source, spec, facts=SourceFacts(bpm=120.0, key=MusicalKey.parse("Am")), overwrite=True
    )
    assert again.outputs[0].path == str(out)


def test_bad_requests_are_typed_errors(chords: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"is a \.flac name"):
        process_file(
            chords, ProcessSpec(format=OutputFormat.parse("wav24")), output=tmp_path / "x.flac"
        )
    with pytest.raises(ConfigError, match=r"×2\.13"):
        process_file(chords, ProcessSpec(stretch_to_bpm=256), output=tmp_path / "x.wav")
    silent = write(tmp_path / "silent.wav", np.zeros(SR, dtype=np.float32))
    with pytest.raises(ProcessingError, match="silent"):
        process_file(
            silent,
            ProcessSpec(normalize=LoudnessTarget.parse("-14LUFS")),
            output=tmp_path / "s.wav",
        )
    with pytest.raises(ProcessingError, match="trimming would leave nothing"):
        process_file(silent, ProcessSpec(trim_silence=True), output=tmp_path / "s.wav")
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40)
    with pytest.raises(DecodeError):
        process_file(corrupt, ProcessSpec(trim_silence=True), output=tmp_path / "c.wav")
    assert not (tmp_path / "c.wav").exists() and not (tmp_path / "s.wav").exists()
    assert not list(tmp_path.glob(".*partial*"))  # no torn temporary files either


def test_analysis_of_stretched_audio_matches_the_in_memory_chain(drums: Path) -> None:
    """The chain is deterministic: the file holds exactly what the chain made (24-bit)."""
    from samplemind.processing.chain import run_chain
    from samplemind.processing.plan import resolve

    spec = ProcessSpec(stretch_to_bpm=126)
    plan = resolve(spec, SourceFacts(bpm=120.0))
    signal = decode(drums)
    samples, rate, _ = run_chain(signal.samples, signal.sample_rate_hz, spec, plan)
    result = analyze_signal(AudioSignal.from_array(samples, rate, path="x.wav"))
    assert result.tempo is not None and result.tempo.bpm == pytest.approx(126, abs=0.5)
