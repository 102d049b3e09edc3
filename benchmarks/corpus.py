"""Render a synthetic sample-pack corpus with known BPM / key / root pitch.

Usage::

    uv run python -m benchmarks.corpus OUT_DIR [--size small|full] [--split dev|val] [--seed N]

Writes ``OUT_DIR/sample_NNNN.wav`` (neutral names, shuffled kinds), ``OUT_DIR/truth.csv`` and
``OUT_DIR/corpus.json`` (generation metadata).  See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import mido
import numpy as np
import soundfile as sf
from rich.logging import RichHandler
from rich.progress import Progress

from benchmarks import music
from benchmarks.music import DRUM_CHANNEL, Note, Part
from benchmarks.soundfonts import (
    SAMPLE_RATE,
    SPLITS,
    SoundFont,
    discover_soundfonts,
    fonts_for_split,
    render_midi,
)

log = logging.getLogger("benchmarks.corpus")

Kind = Literal["loop", "drumloop", "oneshot", "drumhit"]
TRUTH_COLUMNS = (
    "file",
    "kind",
    "bpm",
    "bars",
    "key",
    "root_midi",
    "sample_type",
    "soundfont",
    "program",
    "octave_ambiguous",
    # extras (not needed by the harness, handy when inspecting mistakes)
    "detail",
    "programs",
    "duration_s",
    "n_frames",
    "channels",
    "subtype",
    "peak_dbfs",
)

# How many items of each flavour; "loop+drums" are loops (kind=loop) with a drum part.
SIZES: dict[str, dict[str, int]] = {
    "small": {"loop": 16, "loop+drums": 4, "drumloop": 12, "oneshot": 18, "drumhit": 10},
    "full": {"loop": 110, "loop+drums": 30, "drumloop": 80, "oneshot": 120, "drumhit": 60},
}
BAR_CHOICES = (1, 2, 2, 4, 4, 4, 8)
TICKS_PER_BEAT = 960
ONESHOT_BPM = 120.0  # one beat == 0.5 s

# (sample_type, programs, chord styles); "arp" means the arpeggio is the main part.
LOOP_FAMILIES: tuple[tuple[str, tuple[int, ...], tuple[str, ...]], ...] = (
    ("keys", (0, 1, 2, 4, 5), ("sustain", "pulse8", "sync", "broken")),
    ("pad", (88, 89, 90, 91, 92, 94, 95), ("sustain",)),
    ("strings", (48, 49, 50, 51), ("sustain", "pulse8")),
    ("guitar", (24, 25, 26, 27, 29), ("pulse8", "sync", "broken", "sustain")),
    ("organ", (16, 17, 18, 19), ("sustain", "sync", "stabs")),
    ("synth", (80, 81, 90, 62, 63, 84), ("stabs", "pulse8", "sync", "sustain")),
    ("brass", (61, 62), ("stabs", "sustain")),
    ("pluck", (8, 11, 12, 45, 46), ("arp",)),
)
BASS_PROGRAMS = (32, 33, 34, 35, 38, 39)
BASS_STYLES = ("sustain", "eighths", "offbeat", "octave", "syncop")
LEAD_PROGRAMS = (80, 81, 73, 56, 11, 0, 4, 82)
ARP_PROGRAMS = (81, 80, 8, 11, 46, 45, 88)

# sample_type -> (programs, MIDI note range, duration range in seconds)
ONESHOT_FAMILIES: dict[str, tuple[tuple[int, ...], tuple[int, int], tuple[float, float]]] = {
    "bass": ((32, 33, 34, 35, 38, 39), (28, 55), (0.3, 1.5)),
    "piano": ((0, 1, 2, 4, 5), (36, 96), (0.5, 3.0)),
    "pluck": ((45, 46, 105, 107, 11, 12, 8), (48, 88), (0.3, 1.5)),
    "lead": ((80, 81, 84, 82), (48, 90), (0.3, 2.0)),
    "pad": ((88, 89, 90, 91, 94, 95), (40, 84), (1.0, 3.0)),
    "strings": ((48, 49, 40, 42), (40, 88), (0.6, 3.0)),
    "brass": ((56, 57, 61, 62), (45, 82), (0.4, 2.0)),
    "organ": ((16, 17, 18, 19), (36, 90), (0.4, 2.5)),
    "guitar": ((24, 25, 26, 27), (40, 84), (0.4, 2.5)),
}
# GM organs render with sub-octave (16'/32') ranks or mixtures in these soundfonts, so their
# perceived pitch is often an octave below the key played: only the pitch class is scored.
OCTAVE_AMBIGUOUS_PROGRAMS = frozenset({16, 17, 18, 19})
DRUMHIT_TYPES: dict[str, tuple[int, ...]] = {
    "kick": (35, 36),
    "snare": (38, 40),
    "clap": (39,),
    "hihat": (42, 44, 46),
    "tom": (41, 43, 45, 47, 48, 50),
    "cymbal": (49, 51, 52, 53, 55, 57, 59),
    "percussion": (37, 54, 56, 60, 61, 62, 63, 64, 69, 70, 75, 76, 77),
}


@dataclass(frozen=True)
class ItemSpec:
    """Everything needed to render one file; generated up-front so output is deterministic."""

    index: int
    kind: Kind
    sample_type: str
    font: SoundFont
    parts: tuple[Part, ...]
    bpm: float  # MIDI tempo (ONESHOT_BPM for one-shots)
    program: str
    programs: str
    detail: str
    peak_dbfs: float
    subtype: str
    mono: bool
    bars: int | None = None
    key: str | None = None
    root_midi: int | None = None
    hold_s: float = 0.0  # one-shots: how long the note is held
    max_tail_s: float = 1.5  # one-shots: release kept after the note-off

    @property
    def file(self) -> str:
        return f"sample_{self.index:04d}.wav"


# --------------------------------------------------------------------------- spec generation


def _pick(rng: random.Random, candidates: Sequence[int], available: frozenset[int]) -> int:
    usable = [p for p in candidates if p in available]
    if not usable:
        usable = sorted(available)
    return rng.choice(usable)


def _kit(rng: random.Random, names: Sequence[str], font: SoundFont) -> int:
    return _pick(rng, [music.DRUM_KITS[n] for n in names], font.drum_kits or frozenset({0}))


def _filter_drums(notes: list[Note], font: SoundFont) -> list[Note]:
    if font.drum_notes is None:
        return notes
    return [n for n in notes if n.pitch in font.drum_notes]


def _loop_spec(
    index: int,
    rng: random.Random,
    font: SoundFont,
    tonic: int,
    mode: str,
    *,
    with_drums: bool,
) -> dict[str, Any]:
    groove = rng.choice(list(music.GROOVES.values())) if with_drums else None
    bpm = rng.randint(*groove.bpm) if groove else rng.randint(70, 180)
    bars = rng.choice(BAR_CHOICES)
    prog_name = rng.choice(music.PROGRESSIONS[mode])
    sample_type, family_programs, styles = rng.choice(LOOP_FAMILIES)
    sevenths = prog_name == "ii-V-I" or (sample_type == "keys" and rng.random() < 0.3)
    chords = music.progression(prog_name, tonic, mode, sevenths=sevenths)
    slots = music.harmonic_slots(bars, len(chords), rng)
    main_program = _pick(rng, family_programs, font.melodic_programs)
    style = rng.choice(styles)
    parts: list[Part] = []
    if style == "arp":
        parts.append(Part("arp", 0, main_program, tuple(music.arp_part(chords, slots, rng))))
    else:
        notes = music.chord_part(chords, slots, style, rng)
        parts.append(Part("chords", 0, main_program, tuple(notes)))
    if with_drums or rng.random() < 0.75:
        bass_style = rng.choice(BASS_STYLES)
        prog = _pick(rng, BASS_PROGRAMS, font.melodic_programs)
        parts.append(Part("bass", 1, prog, tuple(music.bass_part(chords, slots, bass_style, rng))))
    if rng.random() < 0.35:
        prog = _pick(rng, LEAD_PROGRAMS, font.melodic_programs)
        notes = music.melody_part(chords, slots, tonic, mode, rng)
        parts.append(Part("lead", 2, prog, tuple(notes)))
    if style != "arp" and rng.random() < 0.25:
        prog = _pick(rng, ARP_PROGRAMS, font.melodic_programs)
        parts.append(Part("arp", 3, prog, tuple(music.arp_part(chords, slots, rng))))
    detail = f"{prog_name}/{style}"
    if groove is not None:
        kit = _kit(rng, groove.kits, font)
        notes = _filter_drums(music.drum_part(groove, bars, rng), font)
        parts.append(Part("drums", DRUM_CHANNEL, kit, tuple(notes)))
        detail += f"/{groove.name}"
        sample_type = "full"
    return {
        "index": index,
        "kind": "loop",
        "sample_type": sample_type,
        "parts": tuple(parts),
        "bpm": float(bpm),
        "bars": bars,
        "key": music.key_name(tonic, mode),
        "program": str(main_program),
        "detail": detail,
    }


def _drumloop_spec(
    index: int, rng: random.Random, font: SoundFont, groove_name: str
) -> dict[str, Any]:
    groove = music.GROOVES[groove_name]
    bpm = rng.randint(*groove.bpm)
    bars = rng.choice(BAR_CHOICES)
    kit = _kit(rng, groove.kits, font)
    notes = _filter_drums(music.drum_part(groove, bars, rng), font)
    return {
        "index": index,
        "kind": "drumloop",
        "sample_type": "drums",
        "parts": (Part("drums", DRUM_CHANNEL, kit, tuple(notes)),),
        "bpm": float(bpm),
        "bars": bars,
        "program": f"kit:{kit}",
        "detail": groove.name,
    }


def _oneshot_spec(index: int, rng: random.Random, font: SoundFont, family: str) -> dict[str, Any]:
    programs, (lo, hi), (dmin, dmax) = ONESHOT_FAMILIES[family]
    program = _pick(rng, programs, font.melodic_programs)
    pitch = rng.randint(lo, hi)
    hold = round(rng.uniform(dmin, dmax), 3)
    beats = hold * ONESHOT_BPM / 60.0
    note = Note(0.0, beats, pitch, rng.randint(50, 127))
    return {
        "index": index,
        "kind": "oneshot",
        "sample_type": family,
        "parts": (Part("oneshot", 0, program, (note,)),),
        "bpm": ONESHOT_BPM,
        "root_midi": pitch,
        "program": str(program),
        "detail": f"note{pitch}/vel{note.velocity}/hold{hold}",
        "hold_s": hold,
        "max_tail_s": 1.5,
    }


def _drumhit_spec(
    index: int, rng: random.Random, font: SoundFont, drum_type: str
) -> dict[str, Any]:
    candidates = DRUMHIT_TYPES[drum_type]
    if font.drum_notes is not None:
        candidates = tuple(n for n in candidates if n in font.drum_notes) or candidates
    pitch = rng.choice(candidates)
    kit = rng.choice(sorted(font.drum_kits or {0}))
    note = Note(0.0, 0.4, pitch, rng.randint(70, 127))
    return {
        "index": index,
        "kind": "drumhit",
        "sample_type": drum_type,
        "parts": (Part("drumhit", DRUM_CHANNEL, kit, (note,)),),
        "bpm": ONESHOT_BPM,
        "program": f"kit:{kit}",
        "detail": f"note{pitch}/vel{note.velocity}",
        "hold_s": 0.2,
        "max_tail_s": 2.8,
    }


def _cycle(rng: random.Random, values: Sequence[Any], n: int) -> list[Any]:
    """``n`` values covering ``values`` as evenly as possible, in random order."""
    out: list[Any] = []
    while len(out) < n:
        block = list(values)
        rng.shuffle(block)
        out.extend(block)
    return out[:n]


def generate_specs(size: str, split: str, seed: int, fonts: list[SoundFont]) -> list[ItemSpec]:
    rng = random.Random(seed)
    counts = SIZES[size]
    jobs: list[tuple[str, Any]] = []
    keys = [(t, m) for m in music.MODES for t in range(12)]
    n_loops = counts["loop"] + counts["loop+drums"]
    loop_keys = _cycle(rng, keys, n_loops)
    jobs += [("loop", k) for k in loop_keys[: counts["loop"]]]
    jobs += [("loop+drums", k) for k in loop_keys[counts["loop"] :]]
    jobs += [("drumloop", g) for g in _cycle(rng, sorted(music.GROOVES), counts["drumloop"])]
    jobs += [("oneshot", f) for f in _cycle(rng, sorted(ONESHOT_FAMILIES), counts["oneshot"])]
    jobs += [("drumhit", d) for d in _cycle(rng, sorted(DRUMHIT_TYPES), counts["drumhit"])]
    rng.shuffle(jobs)  # neutral names: the index says nothing about the kind
    font_cycle = _cycle(rng, fonts, len(jobs))

    specs: list[ItemSpec] = []
    for i, ((flavour, arg), font) in enumerate(zip(jobs, font_cycle, strict=True), start=1):
        item_rng = random.Random(f"{seed}:{split}:{i}")
        if flavour in {"loop", "loop+drums"}:
            tonic, mode = arg
            fields = _loop_spec(i, item_rng, font, tonic, mode, with_drums=flavour == "loop+drums")
        elif flavour == "drumloop":
            fields = _drumloop_spec(i, item_rng, font, arg)
        elif flavour == "oneshot":
            fields = _oneshot_spec(i, item_rng, font, arg)
        else:
            fields = _drumhit_spec(i, item_rng, font, arg)
        parts: tuple[Part, ...] = fields["parts"]
        programs = ";".join(
            f"{p.role}={'kit:' if p.channel == DRUM_CHANNEL else ''}{p.program}" for p in parts
        )
        specs.append(
            ItemSpec(
                font=font,
                programs=programs,
                peak_dbfs=round(item_rng.uniform(-12.0, -1.0), 2),
                subtype=item_rng.choice(("PCM_16", "PCM_24")),
                mono=fields["kind"] in {"oneshot", "drumhit"} and item_rng.random() < 0.3,
                **fields,
            )
        )
    return specs


# --------------------------------------------------------------------------- rendering


def write_midi(spec: ItemSpec, path: Path) -> float:
    """Write the MIDI file for ``spec``; return the seconds at which the kept audio starts.

    Loops are written twice back to back; the second repetition is kept so that release and
    reverb tails of the first wrap into its start, like a real seamless loop.
    """
    tempo = mido.bpm2tempo(spec.bpm)
    loop_beats = spec.bars * 4.0 if spec.bars else 0.0
    reps = 2 if spec.bars else 1
    events: list[tuple[int, int, mido.Message]] = []
    for part in spec.parts:
        events.append(
            (0, 0, mido.Message("program_change", channel=part.channel, program=part.program))
        )
        for rep in range(reps):
            offset = rep * loop_beats
            for n in part.notes:
                on = round((n.start + offset) * TICKS_PER_BEAT)
                off = max(on + 1, round((n.start + offset + n.dur) * TICKS_PER_BEAT))
                events.append(
                    (
                        on,
                        2,
                        mido.Message(
                            "note_on", channel=part.channel, note=n.pitch, velocity=n.velocity
                        ),
                    )
                )
                events.append(
                    (
                        off,
                        1,
                        mido.Message("note_off", channel=part.channel, note=n.pitch, velocity=0),
                    )
                )
    events.sort(key=lambda e: (e[0], e[1]))
    mid = mido.MidiFile(ticks_per_beat=TICKS_PER_BEAT)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=tempo, time=0))
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    end = round(reps * loop_beats * TICKS_PER_BEAT) if spec.bars else now
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    mid.save(str(path))
    return loop_beats * tempo / 1e6 if spec.bars else 0.0


def loop_frames(bpm: float, bars: int, sample_rate: int = SAMPLE_RATE) -> int:
    """Exact length of a 4/4 loop in frames: ``bars * 4 * 60 / bpm`` seconds."""
    return round(bars * 240.0 * sample_rate / bpm)


def _envelope_db(audio: np.ndarray, hop: int = 256) -> np.ndarray:
    mono = np.max(np.abs(audio), axis=1)
    n = math.ceil(len(mono) / hop)
    padded = np.zeros(n * hop, dtype=np.float32)
    padded[: len(mono)] = mono
    frames = padded.reshape(n, hop).max(axis=1)
    ratio = np.maximum(frames, 1e-9) / max(float(frames.max()), 1e-9)
    return np.asarray(20.0 * np.log10(ratio), dtype=np.float64)


def _trim_oneshot(audio: np.ndarray, hold_s: float, max_tail_s: float) -> np.ndarray:
    hop = 256
    env = _envelope_db(audio, hop)
    loud = np.flatnonzero(env > -50.0)
    start = max(0, int(loud[0]) * hop - 64) if loud.size else 0
    audible = np.flatnonzero(env > -60.0)
    last = (int(audible[-1]) + 1) * hop if audible.size else len(audio)
    end = min(len(audio), last, start + round((hold_s + max_tail_s) * SAMPLE_RATE))
    out = audio[start:end].copy()
    fade = min(len(out) // 4, round(0.015 * SAMPLE_RATE))
    if fade > 0:
        out[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
    return out


def render_item(spec: ItemSpec, out_dir: Path, keep_midi: bool = False) -> dict[str, Any]:
    """Render one item to ``out_dir/spec.file`` and return its truth row."""
    with tempfile.TemporaryDirectory(prefix="smcorpus_") as tmp:
        mid_path = Path(tmp) / "item.mid"
        start_s = write_midi(spec, mid_path)
        audio = render_midi(spec.font, mid_path, Path(tmp) / "raw.wav")
        if keep_midi:
            (out_dir / "_midi").mkdir(exist_ok=True)
            (out_dir / "_midi" / spec.file.replace(".wav", ".mid")).write_bytes(
                mid_path.read_bytes()
            )
    if spec.bars:
        n = loop_frames(spec.bpm, spec.bars)
        start = round(start_s * SAMPLE_RATE)
        seg = audio[start : start + n]
        if len(seg) < n:
            seg = np.concatenate([seg, np.zeros((n - len(seg), seg.shape[1]), np.float32)])
        audio = seg
    else:
        audio = _trim_oneshot(audio, spec.hold_s, spec.max_tail_s)
    if spec.mono:
        audio = audio.mean(axis=1, keepdims=True)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < 1e-5:
        raise RuntimeError(f"{spec.file}: rendered silence ({spec.font.name}, {spec.programs})")
    audio = audio * np.float32(10.0 ** (spec.peak_dbfs / 20.0) / peak)
    sf.write(str(out_dir / spec.file), audio, SAMPLE_RATE, subtype=spec.subtype)
    bpm = spec.bpm if spec.bars else None
    return {
        "file": spec.file,
        "kind": spec.kind,
        "bpm": f"{bpm:g}" if bpm else "",
        "bars": spec.bars or "",
        "key": spec.key or "",
        "root_midi": "" if spec.root_midi is None else spec.root_midi,
        "sample_type": spec.sample_type,
        "soundfont": spec.font.name,
        "program": spec.program,
        "octave_ambiguous": (
            1 if spec.kind == "oneshot" and int(spec.program) in OCTAVE_AMBIGUOUS_PROGRAMS else ""
        ),
        "detail": spec.detail,
        "programs": spec.programs,
        "duration_s": f"{len(audio) / SAMPLE_RATE:.6f}",
        "n_frames": len(audio),
        "channels": audio.shape[1],
        "subtype": spec.subtype,
        "peak_dbfs": f"{20 * math.log10(float(np.max(np.abs(audio)))):.2f}",
    }


def build_corpus(
    out_dir: Path,
    *,
    size: str = "small",
    split: str = "dev",
    seed: int = 0,
    jobs: int = 2,
    keep_midi: bool = False,
    allow_partial: bool = False,
) -> list[dict[str, Any]]:
    t0 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("sample_*.wav"):
        stale.unlink()
    fonts = fonts_for_split(split, discover_soundfonts(), allow_partial=allow_partial)
    log.info("split %s uses: %s", split, ", ".join(f"{f.name} ({f.renderer})" for f in fonts))
    specs = generate_specs(size, split, seed, fonts)
    rows: list[dict[str, Any]] = []
    failures: list[str] = []
    with Progress(transient=True) as progress, ProcessPoolExecutor(max_workers=jobs) as pool:
        task = progress.add_task(f"rendering {len(specs)} files", total=len(specs))
        futures = {pool.submit(render_item, s, out_dir, keep_midi): s for s in specs}
        for fut in as_completed(futures):
            try:
                rows.append(fut.result())
            except (RuntimeError, OSError, ValueError) as exc:
                failures.append(f"{futures[fut].file}: {exc}")
                log.error("%s", exc)
            progress.advance(task)
    rows.sort(key=lambda r: r["file"])
    with (out_dir / "truth.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=TRUTH_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    counts = Counter(r["kind"] for r in rows)
    meta = {
        "size": size,
        "split": split,
        "seed": seed,
        "soundfonts": {f.name: str(f.path) for f in fonts},
        "counts": dict(sorted(counts.items())),
        "failures": failures,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    (out_dir / "corpus.json").write_text(json.dumps(meta, indent=2) + "\n")
    log.info(
        "wrote %d files to %s in %.1fs: %s",
        len(rows),
        out_dir,
        meta["seconds"],
        ", ".join(f"{k}={v}" for k, v in sorted(counts.items())),
    )
    if failures:
        log.warning("%d item(s) failed to render", len(failures))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.corpus", description=__doc__.split("\n")[0]
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--split", choices=sorted(SPLITS), default="dev")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--keep-midi", action="store_true", help="also save the MIDI to OUT_DIR/_midi"
    )
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="render even when some of the split's soundfonts are missing (a different corpus)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(show_path=False)],
    )
    rows = build_corpus(
        args.out_dir,
        size=args.size,
        split=args.split,
        seed=args.seed,
        jobs=args.jobs,
        keep_midi=args.keep_midi,
        allow_partial=args.allow_partial,
    )
    return 0 if rows else 1


if __name__ == "__main__":
    raise SystemExit(main())
