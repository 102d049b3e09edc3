"""Basic Pitch on onnxruntime: known notes come back, bends follow a glide, bad input is calm."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf
import soxr

from samplemind.errors import ModelError
from samplemind.ml import basic_pitch
from samplemind.ml.basic_pitch import SAMPLE_RATE_HZ, run_model, transcribe
from tests.signals import midi_hz

SR = SAMPLE_RATE_HZ
ARPEGGIO = (60, 64, 67, 72, 67, 64, 60)  # C major, up and down, a quarter second each


def _synth_arpeggio() -> np.ndarray:
    step = int(0.25 * SR)
    t = np.arange(step) / SR
    notes = []
    for pitch in ARPEGGIO:
        f0 = midi_hz(pitch)
        x = sum(np.sin(2 * np.pi * f0 * k * t) / k**1.5 for k in range(1, 6))
        notes.append(x * np.exp(-t * 3) * np.minimum(1, t / 0.005))
    return (0.3 * np.concatenate([*notes, np.zeros(SR // 2)])).astype(np.float32)


def _check_arpeggio(notes: list[basic_pitch.NoteEvent]) -> None:
    """Each note of the arpeggio starts within 50 ms of its time, and every clear note (over
    half the loudest) is a C, E or G: no wrong notes, whatever the instrument's overtones do."""
    for i, pitch in enumerate(ARPEGGIO):
        assert any(n.pitch == pitch and abs(n.start_s - 0.25 * i) <= 0.05 for n in notes), (
            i,
            pitch,
        )
    top = max(n.amplitude for n in notes)
    assert {n.pitch % 12 for n in notes if n.amplitude > 0.5 * top} <= {0, 4, 7}


def test_a_synthesized_c_major_arpeggio_gives_those_notes_at_those_times() -> None:
    _check_arpeggio(transcribe(_synth_arpeggio()))


@pytest.mark.skipif(shutil.which("fluidsynth") is None, reason="fluidsynth is not installed")
def test_a_rendered_c_major_arpeggio_gives_those_notes(tmp_path: Path) -> None:
    font = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
    if not font.is_file():
        pytest.skip("timgm6mb-soundfont is not installed")
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=500_000))
    for pitch in ARPEGGIO:
        track.append(mido.Message("note_on", note=pitch, velocity=100, time=0))
        track.append(mido.Message("note_off", note=pitch, velocity=0, time=240))
    mid.save(str(tmp_path / "arp.mid"))
    wav = tmp_path / "arp.wav"
    cmd = [
        "fluidsynth",
        "-ni",
        "-q",
        "-r",
        "44100",
        "-F",
        str(wav),
        str(font),
        str(tmp_path / "arp.mid"),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    audio, sr = sf.read(wav, dtype="float32", always_2d=True)
    _check_arpeggio(transcribe(soxr.resample(audio.mean(axis=1), sr, SR)))


def test_a_glide_up_bends_up() -> None:
    t = np.arange(int(0.8 * SR)) / SR
    cents = np.clip((t - 0.3) / 0.3, 0, 1) * 100  # A3, then a semitone up over 0.3 s
    phase = 2 * np.pi * np.cumsum(midi_hz(57) * 2 ** (cents / 1200)) / SR
    y = (0.4 * (np.sin(phase) + 0.3 * np.sin(2 * phase)) * np.minimum(1, t / 0.01)).astype(
        np.float32
    )
    notes = transcribe(np.concatenate([y, np.zeros(SR // 4, np.float32)]))
    main = max(notes, key=lambda n: (n.end_s - n.start_s) * n.amplitude)
    assert main.pitch in (57, 58)
    assert main.bends is not None and main.bends[-1] - main.bends[0] >= 0.6


def test_silence_short_and_hostile_input() -> None:
    assert transcribe(np.zeros(SR, np.float32)) == []
    assert transcribe(np.zeros(0, np.float32)) == []
    assert transcribe(np.ones(10, np.float32)) == []
    out = run_model(np.zeros(5 * SR, np.float32))
    assert out.note.shape == (int(5 * SR * 86 / SR), 88) and out.contour.shape[1] == 264
    loud = np.random.default_rng(0).uniform(-1, 1, SR).astype(np.float32)
    assert all(21 <= n.pitch <= 108 for n in transcribe(loud))


def test_a_missing_model_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        run_model(np.zeros(SR, np.float32), model_path=tmp_path / "nope.onnx")
