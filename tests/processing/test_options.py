"""Parsing what users type: formats, loudness targets, durations, keys and notes."""

from __future__ import annotations

import pytest

from samplemind.domain.music import MusicalKey
from samplemind.errors import ConfigError
from samplemind.processing.options import (
    LoudnessTarget,
    OutputFormat,
    ProcessSpec,
    parse_duration_ms,
    parse_pitch_target,
)


@pytest.mark.parametrize(
    ("text", "container", "subtype", "label"),
    [
        ("wav24", "wav", "PCM_24", "wav24"),
        ("WAV 16", "wav", "PCM_16", "wav16"),
        ("wav32f", "wav", "FLOAT", "wav32f"),
        ("wav32", "wav", "PCM_32", "wav32"),
        ("wav8", "wav", "PCM_U8", "wav8"),
        ("aiff", "aiff", "PCM_24", "aiff24"),
        ("aif16", "aiff", "PCM_16", "aiff16"),
        ("flac16", "flac", "PCM_16", "flac16"),
        ("flac", "flac", "PCM_24", "flac24"),
        ("mp3", "mp3", "MPEG_LAYER_III", "mp3"),
        ("ogg", "ogg", "VORBIS", "ogg"),
    ],
)
def test_output_formats(text: str, container: str, subtype: str, label: str) -> None:
    fmt = OutputFormat.parse(text)
    assert (fmt.container, fmt.subtype, fmt.label) == (container, subtype, label)
    assert OutputFormat.parse(fmt.label) == fmt or fmt.bit_depth is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("wav12", "unknown output format"),
        ("m4a", "unknown output format"),
        ("flac32", "flac takes 8, 16, 24-bit"),
        ("flac32f", "FLAC has no float"),
        ("mp316", "compressed"),
        ("wav16f", "float samples are 32-bit"),
    ],
)
def test_bad_output_formats(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        OutputFormat.parse(text)


def test_format_from_a_path_and_like_the_source() -> None:
    assert OutputFormat.from_path("out/Loop.FLAC").container == "flac"
    with pytest.raises(ConfigError, match=r"cannot write \.m4a"):
        OutputFormat.from_path("x.m4a")
    assert OutputFormat.like_source("WAV", 16, floating=False).label == "wav16"
    assert OutputFormat.like_source("AIFF", 24, floating=False).label == "aiff24"
    assert OutputFormat.like_source("WAV", 32, floating=True).label == "wav32f"
    assert OutputFormat.like_source("FLAC", 24, floating=False).label == "flac24"
    # Lossy or unknown sources become 24-bit WAV (no second generation of loss).
    assert OutputFormat.like_source("MP3", None, floating=False).label == "wav24"
    assert OutputFormat.like_source("OGG", None, floating=False).label == "wav24"


@pytest.mark.parametrize(
    ("text", "lufs", "ceiling"),
    [
        ("-14LUFS", -14.0, -1.0),
        ("-14 lufs", -14.0, -1.0),
        ("-1dBTP", None, -1.0),
        ("-14LUFS,-2dBTP", -14.0, -2.0),
        ("-9.5LUFS/-0.3dBTP", -9.5, -0.3),
        ("-23 LKFS -1 dBTP", -23.0, -1.0),
    ],
)
def test_loudness_targets(text: str, lufs: float | None, ceiling: float) -> None:
    target = LoudnessTarget.parse(text)
    assert (target.lufs, target.true_peak_dbtp, target.limiter) == (lufs, ceiling, False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("loud", "not one of"),
        ("-14", "not one of"),
        ("-14LUFS,-12LUFS", "two loudness targets"),
        ("-1dBTP,-2dBTP", "two peak levels"),
        ("-90LUFS", "out of range"),
        ("+3dBTP", "out of range"),
        ("", "empty"),
    ],
)
def test_bad_loudness_targets(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        LoudnessTarget.parse(text)


def test_durations() -> None:
    assert parse_duration_ms("10ms") == 10.0
    assert parse_duration_ms("0.25s") == 250.0
    assert parse_duration_ms("7") == 7.0
    assert parse_duration_ms(3.5) == 3.5
    for bad in ("soon", "-3ms", "2 min", "100s"):
        with pytest.raises(ConfigError):
            parse_duration_ms(bad)


def test_pitch_targets_are_keys_or_notes() -> None:
    assert parse_pitch_target("Am") == MusicalKey.parse("A minor")
    assert parse_pitch_target("8A") == MusicalKey.parse("Am")
    assert parse_pitch_target("F# minor") == MusicalKey.parse("F#m")
    assert parse_pitch_target("C") == MusicalKey.parse("C major")
    assert parse_pitch_target("C3") == 48
    assert parse_pitch_target("F#2") == 42
    with pytest.raises(ConfigError, match="neither a key"):
        parse_pitch_target("H#m")
    with pytest.raises(ConfigError, match="outside MIDI"):
        parse_pitch_target("C10")


def test_spec_rules() -> None:
    with pytest.raises(ConfigError, match="nothing to do"):
        ProcessSpec().check()
    with pytest.raises(ConfigError, match="either a target"):
        ProcessSpec(shift_to="Am", semitones=2).check()
    with pytest.raises(ConfigError, match="neither a key"):
        ProcessSpec(shift_to="Xq")  # refused as the spec is made, not at render time
    with pytest.raises(ConfigError, match="is a note"):
        ProcessSpec(source_key="C3", shift_to="Am").check()
    with pytest.raises(ConfigError, match="needs an octave"):
        ProcessSpec(source_note="C", shift_to="D3").check()
    spec = ProcessSpec(stretch_to_bpm=128).check()
    assert spec.needs_tempo and not spec.needs_pitch
    assert ProcessSpec(stretch_to_bpm=128, source_bpm=120).needs_tempo is False
