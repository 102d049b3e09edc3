"""Audio-to-MIDI and sample-type benchmarks: accuracy on renderings with known notes, and speed.

* ``notes``: melodies and chords (random, known) rendered with FluidSynth through TimGM6mb and
  csound's sf_GMbank, transcribed by ``samplemind.analysis.midi`` (tonal mode); note F-measure
  with mir_eval (onset within ±50 ms and the same pitch, offsets ignored), with and without the
  overtone-ghost filter, and the real-time factor.
* ``drums``: GM drum grooves of ``benchmarks.music`` (house, techno, boom-bap, trap, …) rendered
  through each soundfont's drum kits; onset F-measure (±50 ms) and per-kind F-measure (a found
  onset counts for kick/snare/hi-hat only when its kind is right), and the real-time factor.
* ``classify``: sample-type inference time per sound on one core, the model alone and with the
  descriptors and patch (``sound_inputs``) it needs.

Usage::

    uv run python -m benchmarks.midi notes|drums|classify [--n N] [--seed S]

The soundfonts were used to train the sample-type classifier (every non-reserved one is: its
model card reports its accuracy on held-out soundfonts); the drum figures therefore measure
onset detection and classification inside loops, not generalisation to unseen kits.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import mido
import numpy as np

from benchmarks import music
from benchmarks.soundfonts import SAMPLE_RATE, SoundFont, discover_soundfonts, render_midi
from samplemind.analysis.midi import transcribe_signal
from samplemind.audio.signal import AudioSignal

NOTE_FONTS = ("TimGM6mb", "sf_GMbank")
DRUM_FONTS = ("TimGM6mb", "sf_GMbank", "FluidR3_GM", "freepats")
PROGRAMS = {
    "piano": 0,
    "e-piano": 4,
    "guitar": 25,
    "bass": 33,
    "strings": 48,
    "flute": 73,
    "saw lead": 81,
    "vibraphone": 11,
}
KIND_OF = {35: "kick", 36: "kick", 38: "snare", 40: "snare", 42: "hihat", 44: "hihat", 46: "hihat"}

Event = tuple[float, float, int, int]  # start_s, end_s, pitch, velocity


def _write(
    path: Path,
    events: list[tuple[float, float, int, int]],
    *,
    channel: int,
    program: int,
    bpm: float,
) -> None:
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))
    track.append(mido.Message("program_change", channel=channel, program=program))
    ticks = 480 * bpm / 60.0
    timed = []
    for start, end, pitch, velocity in events:
        timed.append(
            (
                round(start * ticks),
                1,
                mido.Message("note_on", channel=channel, note=pitch, velocity=velocity),
            )
        )
        timed.append((round(end * ticks), 0, mido.Message("note_off", channel=channel, note=pitch)))
    now = 0
    for tick, _, msg in sorted(timed, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=480))
    mid.save(str(path))


def _render(
    font: SoundFont, events: list[Event], *, channel: int, program: int, bpm: float
) -> np.ndarray:
    with tempfile.TemporaryDirectory(prefix="smmidi_") as tmp:
        _write(Path(tmp) / "x.mid", events, channel=channel, program=program, bpm=bpm)
        return render_midi(font, Path(tmp) / "x.mid", Path(tmp) / "x.wav").mean(axis=1)


def _melody(rng: random.Random, low: int, high: int) -> list[Event]:
    """Eight seconds of a melody, sometimes with two- or three-note chords, at 120 BPM."""
    events, t = [], 0.0
    while t < 7.5:
        length = rng.choice((0.25, 0.25, 0.5, 0.5, 1.0))
        root = rng.randint(low, high)
        chord = [root] if rng.random() < 0.6 else [root, root + rng.choice((3, 4)), root + 7]
        for pitch in chord:
            events.append((t, t + length * 0.9, min(pitch, 108), rng.randint(70, 120)))
        t += length
    return events


def notes(n: int, seed: int) -> None:
    import mir_eval

    fonts = discover_soundfonts()
    rng = random.Random(seed)
    rows: dict[str, list[tuple[float, float]]] = {"with ghost filter": [], "without": []}
    seconds = audio_s = 0.0
    per_program: dict[str, list[float]] = {}
    for i in range(n):
        font = fonts[NOTE_FONTS[i % len(NOTE_FONTS)]]
        name = list(PROGRAMS)[i % len(PROGRAMS)]
        low, high = (33, 52) if name == "bass" else (52, 84)
        truth = _melody(rng, low, high)
        audio = _render(font, truth, channel=0, program=PROGRAMS[name], bpm=120.0)
        signal = AudioSignal.from_array(audio.astype(np.float32), SAMPLE_RATE, path=f"{i}.wav")
        ref_iv = np.array([[s, e] for s, e, _, _ in truth])
        ref_hz = np.array([440.0 * 2 ** ((p - 69) / 12) for _, _, p, _ in truth])
        for label, ghosts in (("with ghost filter", True), ("without", False)):
            started = time.perf_counter()
            t = transcribe_signal(signal, mode="tonal", bpm=120.0, drop_ghosts=ghosts)
            if ghosts:
                seconds += time.perf_counter() - started
                audio_s += signal.duration_s
            est_iv = np.array([[x.start_s, max(x.end_s, x.start_s + 0.01)] for x in t.notes])
            est_hz = np.array([440.0 * 2 ** ((x.pitch - 69) / 12) for x in t.notes])
            if len(t.notes) == 0:
                est_iv, est_hz = np.zeros((0, 2)), np.zeros(0)
            p, r, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
                ref_iv, ref_hz, est_iv, est_hz, onset_tolerance=0.05, offset_ratio=None
            )
            rows[label].append((p, r, f))
            if ghosts:
                per_program.setdefault(name, []).append(f)
    print(f"\nnote F-measure (onset ±50 ms, pitch), {n} renderings of 8 s, {', '.join(NOTE_FONTS)}")
    print(f"{'system':<34} {'precision':>9} {'recall':>7} {'F':>6}")
    for label, values in rows.items():
        p, r, f = np.mean(values, axis=0)
        print(f"{'samplemind (Basic Pitch) ' + label:<34} {p:9.3f} {r:7.3f} {f:6.3f}")
    print(
        "\nF by instrument: " + ", ".join(f"{k} {np.mean(v):.2f}" for k, v in per_program.items())
    )
    print(f"real-time factor: {seconds / audio_s:.3f} (transcription s per audio s, one process)")


def _groove(rng: random.Random, font: SoundFont) -> tuple[list[Event], float, int]:
    groove = music.GROOVES[rng.choice(sorted(music.GROOVES))]
    bpm = float(rng.randint(*groove.bpm))
    kits = sorted(font.drum_kits & {music.DRUM_KITS[k] for k in groove.kits}) or [0]
    beat = 60.0 / bpm
    notes_ = music.drum_part(groove, 2, rng)
    if font.drum_notes is not None:
        notes_ = [x for x in notes_ if x.pitch in font.drum_notes]
    events = [(x.start * beat, x.start * beat + 0.1, x.pitch, x.velocity) for x in notes_]
    return events, bpm, rng.choice(kits)


def _f(ref: Sequence[float], est: Sequence[float]) -> tuple[float, int, int, int]:
    import mir_eval

    if not ref and not est:
        return 1.0, 0, 0, 0
    if not ref or not est:
        return 0.0, 0, len(ref), len(est)
    matching = mir_eval.util.match_events(np.array(ref), np.array(est), 0.05)
    return 0.0, len(matching), len(ref), len(est)


def drums(n: int, seed: int) -> None:
    fonts = discover_soundfonts()
    rng = random.Random(seed)
    totals: dict[str, list[int]] = {k: [0, 0, 0] for k in ("onsets", "kick", "snare", "hihat")}
    seconds = audio_s = 0.0
    for i in range(n):
        font = fonts[DRUM_FONTS[i % len(DRUM_FONTS)]]
        events, bpm, kit = _groove(rng, font)
        audio = _render(font, events, channel=9, program=kit, bpm=bpm)[
            : round(8 * 60 / bpm * SAMPLE_RATE)
        ]
        signal = AudioSignal.from_array(audio.astype(np.float32), SAMPLE_RATE, path=f"d{i}.wav")
        started = time.perf_counter()
        t = transcribe_signal(signal, mode="drums", bpm=bpm)
        seconds += time.perf_counter() - started
        audio_s += signal.duration_s
        ref_onsets = sorted({round(s, 3) for s, _, _, _ in events})
        est_onsets = sorted({h.time_s for h in t.hits})
        for key, ref, est in [("onsets", ref_onsets, est_onsets)] + [
            (
                kind,
                sorted({round(s, 3) for s, _, p, _ in events if KIND_OF.get(p) == kind}),
                sorted({h.time_s for h in t.hits if h.kind.value == kind}),
            )
            for kind in ("kick", "snare", "hihat")
        ]:
            _, matched, n_ref, n_est = _f(ref, est)
            totals[key][0] += matched
            totals[key][1] += n_ref
            totals[key][2] += n_est
    print(f"\ndrum transcription, {n} two-bar grooves, fonts {', '.join(DRUM_FONTS)} (±50 ms)")
    print(f"{'what':<10} {'precision':>9} {'recall':>7} {'F':>6} {'reference':>10}")
    for key, (matched, n_ref, n_est) in totals.items():
        p = matched / n_est if n_est else 0.0
        r = matched / n_ref if n_ref else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{key:<10} {p:9.3f} {r:7.3f} {f:6.3f} {n_ref:>10}")
    print(f"real-time factor: {seconds / audio_s:.3f}")


def classify(n: int, seed: int) -> None:
    import os

    from samplemind.analysis.classify import (
        PATCH_BANDS,
        PATCH_FRAMES,
        Spectrogram,
        inputs_at,
        sound_inputs,
    )
    from samplemind.ml.sample_type import load_sample_type_model

    rng = np.random.default_rng(seed)
    model = load_sample_type_model()
    rows = rng.normal(size=(n, len(model.feature_names))).astype(np.float32)
    patches = rng.uniform(-3, 2, size=(n, PATCH_BANDS, PATCH_FRAMES)).astype(np.float32)
    model.probabilities(rows[:1], patches[:1])  # open the sessions
    started = time.perf_counter()
    for row, patch in zip(rows, patches, strict=True):
        model.estimate(model.probabilities(row[None, :], patch[None])[0])
    model_ms = (time.perf_counter() - started) / n * 1000
    sounds = [
        rng.standard_normal(int(SAMPLE_RATE * d)).astype(np.float32)
        * np.exp(-np.linspace(0, 6, int(SAMPLE_RATE * d))).astype(np.float32)
        for d in (0.2, 1.0, 3.0)
    ]
    feature_ms, shared_ms = [], []
    for sound in sounds:
        started = time.perf_counter()
        for _ in range(20):
            sound_inputs(sound)
        feature_ms.append((time.perf_counter() - started) / 20 * 1000)
        spec = Spectrogram.of_samples(sound)  # what an analysis has already made
        started = time.perf_counter()
        for _ in range(20):
            inputs_at(spec)
        shared_ms.append((time.perf_counter() - started) / 20 * 1000)
    print(
        f"\nsample-type inference, one core (onnxruntime intra-op threads 1), {n} calls, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print(
        "  model (both ONNX members, one row and its patch, with calibration): "
        f"{model_ms:.3f} ms per sample"
    )
    print(
        "  descriptors and patch from the analysis's spectrogram (inputs_at, as in analysis) "
        "for 0.2 / 1 / 3 s sounds: " + " / ".join(f"{ms:.1f}" for ms in shared_ms) + " ms"
    )
    print(
        "  descriptors and patch of a sound alone (sound_inputs: its own spectrogram, as in "
        "training): " + " / ".join(f"{ms:.1f}" for ms in feature_ms) + " ms"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.midi", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("what", choices=("notes", "drums", "classify"))
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if args.what == "notes":
        notes(args.n or 24, args.seed)
    elif args.what == "drums":
        drums(args.n or 24, args.seed)
    else:
        classify(args.n or 2000, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
