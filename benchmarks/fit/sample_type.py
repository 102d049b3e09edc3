"""Train the sample-type classifier (``src/samplemind/ml/models/sample_type.onnx`` + card).

Everything is made here, from audio that may legally be generated or installed on this machine:

* **Render** every General MIDI soundfont found (``benchmarks.soundfonts``: FluidR3_GM, TimGM6mb,
  csound's sf_GMbank, freepats through timidity) note by note: each mapped GM program (the class
  of each program is :data:`PROGRAM_CLASSES`) at several pitches across its range, velocities and
  hold times, and every mapped GM percussion key (:data:`DRUM_CLASSES`) of every drum kit at
  several velocities. The AVL drumkits (``avldrums.lv2-soundfont``: two acoustic kits recorded
  with velocity layers) are rendered the same way.
* **Generate** what the soundfonts lack: speech and sung vowels from ``espeak-ng`` (``vocal``),
  risers, downlifters, noise sweeps, impacts and reversed sounds (``fx``), and electronic drums
  (808-style and driven kicks, noise snares and claps, hats, toms, cymbals and percussion voices)
  with numpy.
* **Read** the recorded one-shots of sample packs (:data:`SAMPLE_PACKS`: Debian's LMMS, Sonic
  Pi, STK's drum wavetables and eXaDrums' kit; FoxDot's samples from PyPI), labelled by their
  names (:data:`PACK_RULES`).
* **Augment** every sound several times with pedalboard (gain, EQ, saturation, compression,
  reverb), tape-style pitch changes (resampling), start offsets with a noise floor, and cuts to
  a random length (as a sliced loop cuts a hit); drums get more copies than tonal sounds.
* **Describe** each copy with :func:`samplemind.analysis.classify.sound_inputs` (the production
  code: the descriptor vector and the log-mel patch), cache the rows in ``DATA_DIR/*.npz``.
* **Evaluate** leave-one-source-out: each soundfont or kit family is held out in turn, so a
  score never comes from a bank the model saw; the pooled out-of-fold predictions give the
  confusion matrix, the calibration temperature and the ``unknown`` threshold.
* **Fit** the final model on every source and export it to ONNX (skl2onnx for the descriptor
  ensemble, PyTorch's exporter for the convolutional member, :mod:`benchmarks.fit.sample_type_cnn`)
  with its card.

Never used: ``hydrogen-drumkits*`` and ``musescore-general-soundfont*`` (held out for the judges'
evaluation; ``benchmarks.soundfonts`` refuses them by name, symlinks included).

Usage::

    uv run python -m benchmarks.fit.sample_type [--data DIR] [--jobs N] [--quick]

``--quick`` renders a small subset (a smoke run, a few minutes); ``--features none`` trains on
the cached features, ``--features generated`` makes only the generated part again (the
soundfont renderings take ~15 minutes on two cores). Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mido
import numpy as np
import soundfile as sf
import soxr

from benchmarks.fit.sample_type_cnn import export_cnn, fit_cnn, predict_cnn
from benchmarks.soundfonts import (
    SAMPLE_RATE,
    SoundFont,
    discover_soundfonts,
    is_reserved,
    render_midi,
)
from samplemind.analysis.classify import (
    FEATURE_NAMES,
    FEATURES_VERSION,
    PATCH_BANDS,
    PATCH_FRAMES,
    sound_inputs,
)
from samplemind.ml.sample_type import MODEL_CLASSES, calibrate

log = logging.getLogger("benchmarks.fit.sample_type")

REPO = Path(__file__).resolve().parents[2]
MODEL_PATH = REPO / "src" / "samplemind" / "ml" / "models" / "sample_type.onnx"
CARD_VERSION = 3
#: The convolutional member's share of the mixed probabilities (the ensemble has the rest).
CNN_WEIGHT = 0.5
MAX_ITER = 300
HIDDEN = (160, 80)
ALPHA = 1e-3
#: The ensemble: this many perceptrons (one seed each) and one boosted-trees model.
N_PERCEPTRONS = 5
BOOSTED_ITER = 200
BOOSTED_LEAVES = 15
#: Fonts that hold one acoustic drum kit as a melodic preset (bank 0, program 0).
KIT_FONTS = frozenset({"Black_Pearl_4_LV2", "Red_Zeppelin_4_LV2"})
DRUM_LABELS = frozenset({"kick", "snare", "clap", "hihat", "tom", "cymbal", "percussion"})
#: The instrument banks the model is trained on. Another bank installed on the machine is not
#: used until it is named here (so installing a package cannot change what `make train` makes;
#: Debian's opl3-soundfont, an FM imitation of General MIDI, was tried on 2026-12-04 and left out:
#: docs/ml.md).
TRAINING_FONTS = frozenset(
    {"FluidR3_GM", "TimGM6mb", "sf_GMbank", "freepats", "Black_Pearl_4_LV2", "Red_Zeppelin_4_LV2"}
)
#: Leave-one-source-out groups (a source not named is its own group).
SOURCE_GROUPS: dict[str, str] = {}


def _classes(spec: dict[str, Sequence[int]]) -> dict[int, str]:
    return {n: label for label, numbers in spec.items() for n in numbers}


#: GM program -> class. Unlisted programs (timpani, steel drums, …) are ambiguous and not used.
PROGRAM_CLASSES: dict[int, str] = _classes(
    {
        "keys": (0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 14, 16, 17, 18, 19, 20, 21, 23),
        "pluck": (9, 10, 12, 13, 15, 45, 46, 98, 104, 105, 106, 107, 108),
        "guitar": (24, 25, 26, 27, 28, 29, 30, 31),
        "bass": (32, 33, 34, 35, 36, 37, 38, 39),
        "strings": (40, 41, 42, 43, 44, 48, 49, 50, 51, 110),
        "vocal": (52, 53, 54),
        "brass-wind": (22, *range(56, 80), 109, 111),
        "lead": tuple(range(80, 88)),
        "pad": (*range(88, 96), 97, 99, 100),
        "fx": (55, 96, 101, 102, 103, 119, *range(120, 128)),
        "percussion": (112, 113, 115),
        "tom": (116, 117, 118),
    }
)
#: GM percussion key -> class.
DRUM_CLASSES: dict[int, str] = _classes(
    {
        "kick": (35, 36),
        "snare": (38, 40),
        "clap": (39,),
        "hihat": (42, 44, 46),
        "tom": (41, 43, 45, 47, 48, 50),
        "cymbal": (49, 51, 52, 53, 55, 57, 59),
        "percussion": (37, 54, 56, 58, *range(60, 71), 73, 74, 75, 76, 77, 80, 81),
    }
)
#: The AVL kits' own key map, read from their sample names (``48-SabianRockHatSwish``,
#: ``50-SabianAA16CrashChoke``, ``60-Paiste2002-22``, …): not General MIDI's. Keys they do not
#: name (35, 61-63, …) play a neighbouring sample re-pitched, or nothing, and are not used.
KIT_CLASSES: dict[int, str] = _classes(
    {
        "kick": (36,),
        "snare": (38, 40),
        "clap": (39,),
        "hihat": (42, 44, 46, 48),
        "tom": (41, 43, 45, 47),
        "cymbal": (49, 50, 51, 52, 53, 55, 57, 58, 59, 60),
        "percussion": (37, 54, 56, 64),
    }
)
#: MIDI note range per class (what a sample pack would hold).
PITCH_RANGES = {
    "bass": (28, 55),
    "keys": (36, 96),
    "pluck": (48, 91),
    "guitar": (40, 84),
    "strings": (36, 88),
    "vocal": (48, 79),
    "brass-wind": (45, 86),
    "lead": (48, 91),
    "pad": (40, 84),
    "fx": (36, 84),
    "percussion": (48, 84),
    "tom": (36, 72),
}
#: The distinct General MIDI / GS kits (standard, room, power, electronic, TR-808, jazz, brush,
#: orchestra); the variations between them in FluidR3 are near copies, and the SFX kit (56)
#: holds sound effects on drum keys.
GM_KITS = frozenset({0, 8, 16, 24, 25, 32, 40, 48})
_NOTE_SPACING_S = 4.0
_MAX_SOUND_S = 3.2
_SILENT = 1e-4


@dataclass(frozen=True)
class Job:
    """One MIDI file to render and cut into sounds."""

    font: SoundFont
    notes: tuple[
        tuple[int, int, int, int, float, str], ...
    ]  # channel, program, pitch, vel, hold, class
    seed: int
    drums: bool


@dataclass
class Rows:
    features: list[np.ndarray] = field(default_factory=list)
    patches: list[np.ndarray] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    def add(self, other: Rows) -> None:
        self.features += other.features
        self.patches += other.patches
        self.labels += other.labels
        self.sources += other.sources
        self.kinds += other.kinds


# --------------------------------------------------------------------------- rendering
def _write_midi(job: Job, path: Path) -> list[float]:
    """One note after another, :data:`_NOTE_SPACING_S` apart; returns the note-on times."""
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=500_000))  # 1 beat = 0.5 s = 480 ticks
    ticks_per_s = 960
    now = 0
    starts = []
    program: dict[int, int] = {}
    for i, (channel, prog, pitch, velocity, hold, _) in enumerate(job.notes):
        on = round(i * _NOTE_SPACING_S * ticks_per_s)
        if program.get(channel) != prog:
            track.append(
                mido.Message("program_change", channel=channel, program=prog, time=on - now)
            )
            now = on
            program[channel] = prog
        track.append(
            mido.Message("note_on", channel=channel, note=pitch, velocity=velocity, time=on - now)
        )
        off = on + max(1, round(hold * ticks_per_s))
        track.append(
            mido.Message("note_off", channel=channel, note=pitch, velocity=0, time=off - on)
        )
        now = off
        starts.append(i * _NOTE_SPACING_S)
    end = round(len(job.notes) * _NOTE_SPACING_S * ticks_per_s)
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    mid.save(str(path))
    return starts


def _cut(audio: np.ndarray, start_s: float) -> np.ndarray | None:
    """Mono sound starting near ``start_s``: from its first audible sample, at most 3.2 s."""
    lo = max(0, int((start_s - 0.01) * SAMPLE_RATE))
    seg = audio[lo : lo + int((_NOTE_SPACING_S - 0.05) * SAMPLE_RATE)].mean(axis=1)
    peak = float(np.max(np.abs(seg))) if seg.size else 0.0
    if peak < _SILENT:
        return None
    first = int(np.argmax(np.abs(seg) >= peak * 10 ** (-45 / 20)))
    seg = seg[max(0, first - 64) :][: int(_MAX_SOUND_S * SAMPLE_RATE)]
    env = np.abs(seg)
    audible = np.flatnonzero(env > peak * 10 ** (-70 / 20))
    if audible.size:
        seg = seg[: int(audible[-1]) + 1]
    return np.asarray(seg / peak, dtype=np.float32)


def render_job(job: Job) -> list[tuple[np.ndarray, str, str]]:
    """``(sound, class, source)`` for each audible note of ``job``."""
    with tempfile.TemporaryDirectory(prefix="smtrain_") as tmp:
        mid = Path(tmp) / "notes.mid"
        starts = _write_midi(job, mid)
        audio = render_midi(job.font, mid, Path(tmp) / "out.wav")
    sounds = []
    for start, note in zip(starts, job.notes, strict=True):
        sound = _cut(audio, start)
        if sound is not None and sound.size > 256:
            sounds.append((sound, note[5], job.font.name))
    return sounds


def _spread(lo: int, hi: int, n: int, rng: np.random.Generator) -> list[int]:
    """``n`` pitches spread over ``lo..hi`` with a random offset."""
    if hi - lo < n:
        return list(range(lo, hi + 1))
    step = (hi - lo) / n
    return [int(lo + step * i + rng.uniform(0, step)) for i in range(n)]


def plan_jobs(fonts: dict[str, SoundFont], *, seed: int, quick: bool) -> list[Job]:
    rng = np.random.default_rng(seed)
    jobs: list[Job] = []
    n_pitch, velocities = (2, (100,)) if quick else (4, (60, 110))
    for name, font in sorted(fonts.items()):
        if name in KIT_FONTS:
            notes = [
                (0, 0, key, velocity, 0.3, label)
                for key, label in KIT_CLASSES.items()
                for velocity in ((90,) if quick else (30, 55, 80, 105, 127))
            ]
            jobs.append(Job(font, tuple(notes), int(rng.integers(1 << 31)), drums=True))
            continue
        melodic = []
        for program, label in sorted(PROGRAM_CLASSES.items()):
            if program not in font.melodic_programs or (quick and program % 4):
                continue
            lo, hi = PITCH_RANGES[label]
            for pitch in _spread(lo, hi, n_pitch, rng):
                for velocity in velocities:
                    hold = float(rng.uniform(0.25, 2.0)) if label != "pad" else 2.5
                    melodic.append((0, program, pitch, velocity, hold, label))
        for chunk in range(0, len(melodic), 80):
            jobs.append(
                Job(font, tuple(melodic[chunk : chunk + 80]), int(rng.integers(1 << 31)), False)
            )
        kits = sorted((font.drum_kits or frozenset({0})) & GM_KITS)
        if quick:
            kits = kits[:1]
        keys = font.drum_notes
        for kit in kits:
            notes = [
                (9, kit, key, velocity, 0.3, label)
                for key, label in DRUM_CLASSES.items()
                if keys is None or key in keys
                for velocity in ((100,) if quick else (50, 115))
            ]
            jobs.append(Job(font, tuple(notes), int(rng.integers(1 << 31)), drums=True))
    return jobs


def training_fonts(found: dict[str, SoundFont]) -> dict[str, SoundFont]:
    """The banks of :data:`TRAINING_FONTS` among those found; the others are named in the log
    and left out, and a missing one is warned about (the card lists what was used)."""
    for name in sorted(set(found) - TRAINING_FONTS):
        log.info("%s is installed but not in TRAINING_FONTS: not used", name)
    for name in sorted(TRAINING_FONTS - set(found)):
        log.warning("%s is not installed: the model is trained without it", name)
    return {name: font for name, font in found.items() if name in TRAINING_FONTS}


# --------------------------------------------------------------------------- recorded packs
def foxdot_samples() -> Path:
    """FoxDot's sample folder (``FoxDot/snd``), from the ``train-data`` dependency group.

    Found without importing FoxDot (its package starts a live-coding session); a path that
    does not exist when it is not installed (the pack is then skipped with a warning).
    """
    spec = importlib.util.find_spec("FoxDot")
    if spec is None or not spec.submodule_search_locations:
        return Path("/nonexistent/FoxDot/snd")
    return Path(next(iter(spec.submodule_search_locations))) / "snd"


#: Packs of recorded one-shots: (source, folder, licence). Their file names say what each sound
#: is (:func:`pack_label`); names no rule matches are not used.
SAMPLE_PACKS = (
    ("lmms", Path("/usr/share/lmms/samples"), "lmms-common: GPL-2+"),
    ("sonic-pi", Path("/usr/share/sonic-pi/samples"), "sonic-pi-samples: CC0"),
    ("stk", Path("/usr/share/stk/rawwaves"), "libstk-4.6.2: STK licence (MIT-style)"),
    ("exadrums", Path("/usr/share/exadrums"), "exadrums: BSD-3-Clause"),
    (
        "foxdot",
        foxdot_samples(),
        "FoxDot 0.9.0 from PyPI (dependency group train-data): CC-BY-SA-4.0; its README "
        "credits Legowelt's free drum-machine kits, freesound.org CC0 sounds and Dirt-Samples",
    ),
)
#: Recorded (not synthesised) drum sources, the recorded kits and every pack: the sound a
#: held-out judge plays.
REAL_SOURCES = KIT_FONTS | frozenset(source for source, _, _ in SAMPLE_PACKS)
#: Their rows are this many times likelier to be drawn into a fit's balanced sample.
REAL_WEIGHT = 4.0
#: STK's rawwaves are headerless: 16-bit big-endian mono at 22.05 kHz (STK's RAW format).
_STK_RAW: dict[str, Any] = {
    "format": "RAW",
    "subtype": "PCM_16",
    "endian": "BIG",
    "samplerate": 22050,
    "channels": 1,
}
#: (source, regular expression on "folder/name" without the extension, class), first match wins.
PACK_RULES: tuple[tuple[str, str, str | None], ...] = (
    # LMMS (lmms-common): samples/drums, basses, instruments, stringsnpads, effects, latin
    ("lmms", r"^drums/(nasty_bass|zap)", None),
    ("lmms", r"^drums/(bassdrum|kick)", "kick"),
    ("lmms", r"^drums/snare_rim", "percussion"),
    ("lmms", r"^drums/(nasty_)?snare", "snare"),
    ("lmms", r"^drums/clap", "clap"),
    ("lmms", r"^drums/hihat", "hihat"),
    ("lmms", r"^drums/(crash|ride)", "cymbal"),
    ("lmms", r"^drums/tom", "tom"),
    ("lmms", r"^drums/(nasty_rim|rim|sidestick|shaker|wood|clav)", "percussion"),
    ("lmms", r"^basses/matrix1000_pluck", "pluck"),
    ("lmms", r"^basses/", "bass"),
    ("lmms", r"^instruments/bassslap", "bass"),
    ("lmms", r"^instruments/violin_pizzicato", "pluck"),
    ("lmms", r"^instruments/(cello|violin)", "strings"),
    ("lmms", r"^instruments/(church_organ|e_organ|e_piano|harpsichord|piano)", "keys"),
    ("lmms", r"^instruments/(flute|trumpet)", "brass-wind"),
    ("lmms", r"^instruments/steel_guitar", "guitar"),
    ("lmms", r"^latin/latin_brass", "brass-wind"),
    ("lmms", r"^latin/latin_guitar", "guitar"),
    ("lmms", r"^stringsnpads/(chorus|rave_choir)", "vocal"),
    ("lmms", r"^stringsnpads/(orion_string|strings)", "strings"),
    (
        "lmms",
        r"^stringsnpads/(heaven_strings|juno_pad|korg_poly6|nord_ambient|space_strings)",
        "pad",
    ),
    ("lmms", r"^effects/(chroma|explode|filter_sweep|scratch|start|stop|warp)", "fx"),
    # Sonic Pi (sonic-pi-samples, CC0)
    ("sonic-pi", r"^(bd_|drum_bass_|drum_heavy_kick|elec_hollow_kick|elec_soft_kick)", "kick"),
    ("sonic-pi", r"^(sn_|drum_snare_|elec_(filt|hi|lo|mid)?_?snare)", "snare"),
    ("sonic-pi", r"^drum_cymbal_(closed|open|pedal)", "hihat"),
    ("sonic-pi", r"^(drum_cymbal_(hard|soft)|drum_splash_|elec_cymbal|perc_swash)", "cymbal"),
    ("sonic-pi", r"^(drum_tom_|elec_fuzz_tom)", "tom"),
    ("sonic-pi", r"^(drum_cowbell|elec_triangle|elec_wood|tabla_|perc_snap)", "percussion"),
    ("sonic-pi", r"^bass_drop", "fx"),
    ("sonic-pi", r"^bass_", "bass"),
    ("sonic-pi", r"^ambi_piano", "keys"),
    ("sonic-pi", r"^ambi_choir", "vocal"),
    ("sonic-pi", r"^ambi_(dark_woosh|swoosh|lunar_land)", "fx"),
    ("sonic-pi", r"^ambi_(drone|glass_hum|glass_rub|haunted_hum|sauna|soft_buzz)", "pad"),
    ("sonic-pi", r"^guit_", "guitar"),
    ("sonic-pi", r"^(misc_cineboom|perc_impact|perc_swoosh|vinyl_(backspin|rewind|scratch))", "fx"),
    # STK (libstk): Perry Cook's recorded drums among its wavetables (the rest are not used)
    ("stk", r"^bassdrum$", "kick"),
    ("stk", r"^snardrum$", "snare"),
    ("stk", r"^hihatcym$", "hihat"),
    ("stk", r"^(crashcym|ridecymb)$", "cymbal"),
    ("stk", r"^tom(hidrm|middr|lowdr)$", "tom"),
    ("stk", r"^(cowbell1|tambourn)$", "percussion"),
    # eXaDrums (exadrums): the default kit of a software drum module, recorded acoustic drums
    ("exadrums", r"^BD_", "kick"),
    ("exadrums", r"^Snr_", "snare"),
    ("exadrums", r"^HiHat", "hihat"),
    ("exadrums", r"^(Crash|Ride)", "cymbal"),
    ("exadrums", r"^Tom", "tom"),
    # FoxDot (PyPI): snd/<character>/<lower|upper>/ and snd/_/<symbol name>/, one folder per
    # character of its drum patterns; a folder whose files are not one kind is left out (the
    # finger snaps, the beatbox, the "percussive hits", the effects and tonal stabs)
    ("foxdot", r"^(a/upper|v/lower|v/upper|x/lower|x/upper)/", "kick"),
    ("foxdot", r"^(d/upper|i/lower|i/upper|o/lower|o/upper|u/lower)/", "snare"),
    ("foxdot", r"^(h/upper|_/asterix)/", "clap"),
    ("foxdot", r"^(a/lower|_/colon|_/equals|_/hyphen)/", "hihat"),
    ("foxdot", r"^(m/lower|m/upper)/", "tom"),
    ("foxdot", r"^(_/hash|_/tilde)/", "cymbal"),
    (
        "foxdot",
        r"^(d/lower|e/lower|k/lower|p/lower|s/lower|s/upper|t/lower|t/upper|_/plus)/",
        "percussion",
    ),
)
#: Augmented copies of each recorded sound (they are few, and the sound a judge plays).
PACK_COPIES = 10


def _shown(root: Path) -> str:
    """A pack's folder as the card shows it: inside a virtual environment, from the package on
    (the card must not name this machine's checkout)."""
    parts = root.parts
    if "site-packages" in parts:
        return Path(*parts[parts.index("site-packages") + 1 :]).as_posix()
    return root.as_posix()


def pack_label(source: str, name: str) -> str | None:
    """The class of a pack's sound from its ``folder/name`` (no extension), None when unsure.

    Example:
        >>> pack_label("lmms", "drums/hihat_closed01"), pack_label("sonic-pi", "bd_haus")
        ('hihat', 'kick')
        >>> pack_label("lmms", "drums/zap01") is None
        True
    """
    for rule_source, pattern, label in PACK_RULES:
        if rule_source == source and re.search(pattern, name):
            return label
    return None


def pack_files() -> list[tuple[Path, str, str]]:
    """``(file, class, source)`` of every labelled sound of the installed packs, each content
    once (a pack may hold the same file in several folders)."""
    found = []
    seen: set[bytes] = set()
    for source, root, _ in SAMPLE_PACKS:
        if not root.is_dir():
            log.warning("%s is not installed (%s): not used", source, root)
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() not in (".ogg", ".flac", ".wav", ".aif", ".aiff", ".raw"):
                continue
            if is_reserved(path):
                continue
            name = path.relative_to(root).with_suffix("").as_posix()
            label = pack_label(source, name)
            if label is None:
                continue
            try:
                digest = hashlib.sha256(path.read_bytes()).digest()
            except OSError as exc:
                log.warning("%s: cannot read (%s), not used", path, exc)
                continue
            if digest not in seen:
                seen.add(digest)
                found.append((path, label, source))
    return found


def read_pack_sound(path: Path, source: str) -> np.ndarray | None:
    """A pack's sound as mono at :data:`SAMPLE_RATE`, None when it does not decode."""
    raw = _STK_RAW if source == "stk" else {}
    try:
        audio, sr = sf.read(str(path), dtype="float32", always_2d=True, **raw)
    except (sf.LibsndfileError, RuntimeError) as exc:  # a few are mislabelled or broken
        log.warning("%s: cannot read (%s), not used", path, exc)
        return None
    mono = audio.mean(axis=1)
    if sr != SAMPLE_RATE:
        mono = soxr.resample(mono, sr, SAMPLE_RATE)
    return np.asarray(mono, np.float32)


def _pack_rows(files: list[tuple[Path, str, str]], seed: int) -> Rows:
    """Each file's rows: the recording and its augmented copies, drawn from a seed of its own
    (``seed`` and its path), so they are the same whichever worker describes it."""
    rows = Rows()
    for path, label, source in files:
        mono = read_pack_sound(path, source)
        if mono is None:
            continue
        sound = _cut(mono[:, None], 0.01)
        if sound is not None and sound.size > 256:
            own_seed = seed + zlib.crc32(f"{source}:{path.as_posix()}".encode())
            rows.add(
                describe(
                    [(sound, label, source)],
                    copies=PACK_COPIES // 2,
                    drum_copies=PACK_COPIES,
                    seed=own_seed,
                )
            )
    return rows


# --------------------------------------------------------------------------- generated sounds
def espeak_sounds(rng: np.random.Generator, *, quick: bool) -> list[tuple[np.ndarray, str, str]]:
    """Spoken words and sung-like vowels from espeak-ng, many voices and pitches (``vocal``)."""
    if shutil.which("espeak-ng") is None:
        log.warning("espeak-ng not installed: no generated vocals (apt-get install espeak-ng)")
        return []
    words = [
        "yeah",
        "hey",
        "oh",
        "come on",
        "uh",
        "ahh",
        "ooh",
        "woo",
        "let's go",
        "baby",
        "one two",
        "drop",
        "say what",
        "check it",
        "alright",
        "ha",
        "no",
        "love",
    ]
    voices = ["en", "en-us", "en-gb-x-rp", "de", "fr", "es", "it", "pt", "nl", "sv", "pl", "hi"]
    variants = ["", "+m1", "+m3", "+m5", "+f1", "+f2", "+f4", "+klatt", "+whisper"]
    n = 30 if quick else 420
    sounds = []
    with tempfile.TemporaryDirectory(prefix="smvox_") as tmp:
        for i in range(n):
            text = str(rng.choice(words))
            if rng.random() < 0.3:
                text = text[0] + text[1:] * int(rng.integers(2, 5))  # drawn-out vowels
            voice = str(rng.choice(voices)) + str(rng.choice(variants))
            out = Path(tmp) / f"v{i}.wav"
            cmd = [
                "espeak-ng",
                "-v",
                voice,
                "-p",
                str(int(rng.integers(10, 90))),
                "-s",
                str(int(rng.integers(90, 200))),
                "-w",
                str(out),
                text,
            ]
            proc = subprocess.run(cmd, capture_output=True, check=False, timeout=30)
            if proc.returncode != 0 or not out.is_file():
                continue
            audio, sr = sf.read(str(out), dtype="float32", always_2d=True)
            mono = soxr.resample(audio.mean(axis=1), sr, SAMPLE_RATE)
            peak = float(np.max(np.abs(mono))) if mono.size else 0.0
            if peak > _SILENT:
                sounds.append((np.asarray(mono / peak, np.float32), "vocal", "espeak-ng"))
    return sounds


def _sweep_noise(rng: np.random.Generator, n: int, lo: float, hi: float) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    noise = rng.standard_normal(n)
    out = np.zeros(n)
    block = 2048
    cutoffs = np.geomspace(lo, hi, math.ceil(n / block))
    for i, cutoff in enumerate(cutoffs):
        sos = butter(
            2,
            [max(cutoff / 2, 30.0), min(cutoff * 1.5, 20000.0)],
            "bandpass",
            fs=SAMPLE_RATE,
            output="sos",
        )
        seg = slice(i * block, min(n, (i + 1) * block))
        out[seg] = sosfilt(sos, noise[seg])
    return out


def synth_fx(rng: np.random.Generator, *, quick: bool) -> list[tuple[np.ndarray, str, str]]:
    """Risers, downlifters, noise sweeps, sine sweeps and impacts (``fx``)."""
    sounds = []
    for i in range(20 if quick else 360):
        kind = i % 5
        dur = float(rng.uniform(1.0, 3.0))
        n = int(dur * SAMPLE_RATE)
        t = np.arange(n) / SAMPLE_RATE
        if kind == 0:  # noise riser
            y = _sweep_noise(rng, n, float(rng.uniform(200, 800)), float(rng.uniform(5000, 16000)))
            y *= np.linspace(0.05, 1.0, n) ** 2
        elif kind == 1:  # downlifter
            y = _sweep_noise(rng, n, float(rng.uniform(6000, 15000)), float(rng.uniform(100, 500)))
            y *= np.exp(-t / rng.uniform(0.3, 1.0))
        elif kind == 2:  # sine or saw sweep up or down
            f0, f1 = sorted(rng.uniform([60, 800], [400, 6000]))
            if rng.random() < 0.5:
                f0, f1 = f1, f0
            phase = 2 * np.pi * np.cumsum(np.geomspace(f0, f1, n)) / SAMPLE_RATE
            y = np.sin(phase) if rng.random() < 0.5 else 2 * ((phase / (2 * np.pi)) % 1.0) - 1
            y *= np.minimum(1.0, np.linspace(0, 4, n)) * np.minimum(1.0, np.linspace(4, 0, n))
        elif kind == 3:  # impact: low boom + noise burst with a long tail
            boom = np.sin(2 * np.pi * np.cumsum(np.geomspace(120, 30, n)) / SAMPLE_RATE)
            y = boom * np.exp(-t / rng.uniform(0.4, 1.2)) + 0.5 * rng.standard_normal(n) * np.exp(
                -t / rng.uniform(0.2, 0.8)
            )
        else:  # modulated noise (wind, texture)
            lfo = 0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.5, 6) * t)
            y = (
                _sweep_noise(rng, n, float(rng.uniform(300, 3000)), float(rng.uniform(300, 3000)))
                * lfo
            )
        peak = float(np.max(np.abs(y)))
        sounds.append((np.asarray(y / peak, np.float32), "fx", "synth-fx"))
    return sounds


def _bandpass(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    sos = butter(2, [lo, min(hi, 20000.0)], "bandpass", fs=SAMPLE_RATE, output="sos")
    return np.asarray(sosfilt(sos, x))


def _synth_percussion(rng: np.random.Generator, t: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """One of a drum machine's percussion voices: cowbell, claves, rim shot, wood block,
    shaker or conga."""
    kind = int(rng.integers(6))
    if kind == 0:  # cowbell: two detuned square waves through a band-pass (the 808's 540/800 Hz)
        f = rng.uniform(450, 650)
        y = np.sign(np.sin(2 * np.pi * f * t)) + np.sign(np.sin(2 * np.pi * f * 1.48 * t))
        return _bandpass(y, 0.8 * f, 4 * f) * np.exp(-t / rng.uniform(0.03, 0.15))
    if kind == 1:  # claves: a short high sine
        f = rng.uniform(1800, 2800)
        return np.sin(2 * np.pi * f * t) * np.exp(-t / rng.uniform(0.01, 0.04))
    if kind == 2:  # rim shot: a click and two short partials
        tone = np.sin(2 * np.pi * rng.uniform(400, 550) * t) + np.sin(
            2 * np.pi * rng.uniform(1500, 1900) * t
        )
        click = _bandpass(noise, 2000, 9000) * np.exp(-t / 0.002)
        return (tone + click) * np.exp(-t / rng.uniform(0.008, 0.025))
    if kind == 3:  # wood block: a hollow mid partial, very short
        f = rng.uniform(600, 1600)
        y = np.sin(2 * np.pi * f * t) + 0.4 * np.sin(2 * np.pi * 2.6 * f * t)
        return y * np.exp(-t / rng.uniform(0.015, 0.05))
    if kind == 4:  # shaker: band-passed noise that swells and dies
        rise = rng.uniform(0.005, 0.04)
        env = np.minimum(t / rise, 1.0) * np.exp(-np.maximum(t - rise, 0) / rng.uniform(0.03, 0.12))
        return _bandpass(noise, rng.uniform(3000, 6000), rng.uniform(10000, 16000)) * env
    # conga / bongo: a pitched membrane, higher and brighter than a tom
    f = rng.uniform(180, 500)
    freq = f * (1 + 0.15 * np.exp(-t / 0.01))
    y = np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE) * np.exp(-t / rng.uniform(0.05, 0.2))
    return y + 0.2 * _bandpass(noise, 2000, 8000) * np.exp(-t / 0.003)


def synth_drums(rng: np.random.Generator, *, quick: bool) -> list[tuple[np.ndarray, str, str]]:
    """Electronic drum hits from oscillators and noise, with random parameters: what drum
    machines and sample packs are made of (the soundfonts hold few of them)."""
    sounds = []
    per_class = 8 if quick else 60
    for label in ("kick", "snare", "clap", "hihat", "tom", "cymbal", "percussion"):
        for _ in range(per_class):
            long = label in ("kick", "tom", "cymbal")
            dur = float(rng.uniform(0.15, 1.2 if long else 0.6))
            if label == "kick" and rng.random() < 0.25:  # an 808 kick: a long sub-bass tail
                dur = float(rng.uniform(0.8, 2.0))
            n = int(dur * SAMPLE_RATE)
            t = np.arange(n) / SAMPLE_RATE
            noise = rng.standard_normal(n)
            if label in ("kick", "tom"):
                f_end = rng.uniform(38, 65) if label == "kick" else rng.uniform(80, 260)
                f_start = f_end * rng.uniform(2.0, 6.0)
                sweep = rng.uniform(0.01, 0.06)
                freq = f_end + (f_start - f_end) * np.exp(-t / sweep)
                body = np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE)
                decay = rng.uniform(0.08, 0.5 if label == "kick" else 0.25)
                if label == "kick" and dur > 0.8:
                    decay = rng.uniform(0.3, 0.8)
                y = body * np.exp(-t / decay)
                click = _bandpass(noise, 1000, 8000) * np.exp(-t / 0.004) * rng.uniform(0, 0.5)
                # hard-style and distorted kicks are driven far harder than a drum machine's
                drive = rng.uniform(4, 12) if label == "kick" and rng.random() < 0.25 else 1.0
                y = np.tanh(drive * rng.uniform(1, 4) * (y + click))
            elif label == "snare":
                f0 = rng.uniform(150, 260)
                if rng.random() < 0.5:  # an electronic snare's tone falls in pitch
                    f = f0 * (1 + rng.uniform(0.3, 1.5) * np.exp(-t / rng.uniform(0.005, 0.03)))
                    phase = 2 * np.pi * np.cumsum(f) / SAMPLE_RATE
                else:
                    phase = 2 * np.pi * f0 * t
                tone = np.sin(phase) * np.exp(-t / rng.uniform(0.02, 0.08))
                band = _bandpass(noise, rng.uniform(800, 2500), rng.uniform(6000, 14000))
                y = rng.uniform(0.2, 0.8) * tone + band * np.exp(-t / rng.uniform(0.05, 0.2))
            elif label == "clap":
                env = np.zeros(n)
                spacing = rng.uniform(0.007, 0.015)
                for k in range(int(rng.integers(3, 6))):
                    start = int(k * spacing * SAMPLE_RATE)
                    env[start:] += np.exp(-(t[: n - start]) / 0.006)
                env += np.exp(-t / rng.uniform(0.05, 0.2)) * 0.6 * (t > 3 * spacing)
                y = _bandpass(noise, rng.uniform(700, 1500), rng.uniform(3000, 8000)) * env
            elif label == "cymbal":  # a drum machine's cymbal: metal partials, a long decay
                partials = rng.uniform(300, 1200, 6)
                metal = sum(np.sign(np.sin(2 * np.pi * f * t)) for f in partials)
                y = _bandpass(metal + rng.uniform(0.3, 1.5) * noise, rng.uniform(3000, 6000), 19000)
                y = y * np.exp(-t / rng.uniform(0.3, 1.0))
            elif label == "percussion":
                y = _synth_percussion(rng, t, noise)
            else:  # hihat: metallic square partials or plain noise, high-passed
                if rng.random() < 0.5:
                    partials = rng.uniform(300, 900, 6)
                    y = sum(np.sign(np.sin(2 * np.pi * f * t)) for f in partials) + 0.5 * noise
                else:
                    y = noise
                y = _bandpass(y, rng.uniform(5000, 8000), 19000)
                y = y * np.exp(-t / rng.uniform(0.015, 0.35))
            peak = float(np.max(np.abs(y)))
            sounds.append((np.asarray(y / peak, np.float32), label, "synth-drums"))
    return sounds


# --------------------------------------------------------------------------- augmentation
def _board(rng: np.random.Generator, drums: bool) -> Any:
    import pedalboard as pb

    plugins: list[Any] = []
    if rng.random() < 0.6:
        plugins.append(pb.HighpassFilter(float(rng.uniform(20, 120 if drums else 200))))
    if rng.random() < 0.5:
        plugins.append(pb.LowpassFilter(float(rng.uniform(4000, 18000))))
    for _ in range(int(rng.integers(0, 3))):
        plugins.append(
            pb.PeakFilter(
                float(np.exp(rng.uniform(np.log(60), np.log(12000)))),
                float(rng.uniform(-9, 9)),
                float(rng.uniform(0.5, 2.5)),
            )
        )
    if rng.random() < 0.3:
        plugins.append(pb.LowShelfFilter(float(rng.uniform(80, 300)), float(rng.uniform(-6, 6))))
    if rng.random() < 0.3:
        plugins.append(
            pb.HighShelfFilter(float(rng.uniform(3000, 10000)), float(rng.uniform(-6, 6)))
        )
    if rng.random() < 0.35:
        plugins.append(pb.Distortion(float(rng.uniform(3, 24))))
    if rng.random() < 0.3:
        plugins.append(
            pb.Compressor(
                float(rng.uniform(-30, -10)),
                float(rng.uniform(2, 8)),
                float(rng.uniform(0.5, 20)),
                float(rng.uniform(30, 300)),
            )
        )
    if rng.random() < 0.1:
        plugins.append(pb.Bitcrush(float(rng.uniform(6, 12))))
    if rng.random() < 0.4:
        plugins.append(
            pb.Reverb(
                room_size=float(rng.uniform(0.05, 0.8)),
                damping=float(rng.uniform(0.2, 0.8)),
                wet_level=float(rng.uniform(0.05, 0.35)),
                dry_level=1.0,
                width=1.0,
            )
        )
    plugins.append(pb.Gain(float(rng.uniform(-12, 6))))
    return pb.Pedalboard(plugins)


def augment(sound: np.ndarray, rng: np.random.Generator, *, drums: bool) -> np.ndarray:
    """One randomly processed copy of ``sound`` (see the module docstring)."""
    y = sound.astype(np.float32)
    if rng.random() < 0.6:  # tape-style pitch change: speed and pitch together
        semitones = float(rng.uniform(-4, 4) if drums else rng.uniform(-2, 2))
        y = soxr.resample(y, SAMPLE_RATE, SAMPLE_RATE / 2 ** (semitones / 12)).astype(np.float32)
    tail = np.zeros(int(0.8 * SAMPLE_RATE), np.float32)  # room for the reverb to ring
    y = np.concatenate([y, tail])
    y = _board(rng, drums)(y[None, :], SAMPLE_RATE)[0]
    y = np.nan_to_num(y)
    if drums and rng.random() < 0.5:  # a hit sliced out of a loop: cut after 40..400 ms
        cut = int(rng.uniform(0.04, 0.4) * SAMPLE_RATE)
        y = y[:cut].copy()
        fade = min(len(y) // 3, 256)
        if fade:
            y[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    elif rng.random() < 0.25:
        cut = int(rng.uniform(0.2, 1.5) * SAMPLE_RATE)
        y = y[:cut].copy()
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak <= 0:
        return sound
    y = y / peak
    if rng.random() < 0.5:  # a late start over a noise floor
        lead = np.zeros(int(rng.uniform(0, 0.08) * SAMPLE_RATE), np.float32)
        y = np.concatenate([lead, y])
    if rng.random() < 0.4:
        y = y + rng.standard_normal(y.size).astype(np.float32) * float(
            10 ** (rng.uniform(-75, -45) / 20)
        )
    return np.asarray(y, np.float32)


def describe(
    sounds: list[tuple[np.ndarray, str, str]], *, copies: int, drum_copies: int, seed: int
) -> Rows:
    rng = np.random.default_rng(seed)
    rows = Rows()
    drum_labels = DRUM_LABELS

    def add(y: np.ndarray, label: str, source: str, kind: str) -> None:
        features, patch = sound_inputs(y)
        rows.features.append(features)
        rows.patches.append(patch.astype(np.float16))  # -3..2: three decimals are plenty
        rows.labels.append(label)
        rows.sources.append(source)
        rows.kinds.append(kind)

    for sound, label, source in sounds:
        drums = label in drum_labels
        add(sound, label, source, "dry")
        for _ in range(drum_copies if drums else copies):
            add(augment(sound, rng, drums=drums), label, source, "augmented")
        if label != "fx" and rng.random() < 0.08:  # reversed sounds are effects
            add(sound[::-1].copy(), "fx", source, "reversed")
    return rows


def _job_rows(job: Job, copies: int, drum_copies: int) -> Rows:
    from threadpoolctl import threadpool_limits

    if job.font.name in KIT_FONTS:  # recorded kits: more copies, as for the sample packs
        drum_copies = max(drum_copies, PACK_COPIES // 2)
    with threadpool_limits(1):
        return describe(render_job(job), copies=copies, drum_copies=drum_copies, seed=job.seed)


def _pack_job(files: list[tuple[Path, str, str]], seed: int) -> Rows:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _pack_rows(files, seed)


def _generated_rows(seed: int, quick: bool, copies: int, drum_copies: int) -> Rows:
    rng = np.random.default_rng(seed)
    sounds = espeak_sounds(rng, quick=quick) + synth_fx(rng, quick=quick)
    sounds += synth_drums(rng, quick=quick)
    return describe(sounds, copies=copies, drum_copies=drum_copies, seed=seed + 1)


def _save(rows: Rows, path: Path) -> None:
    order = np.lexsort((np.array(rows.kinds), np.array(rows.labels), np.array(rows.sources)))
    np.savez_compressed(
        path,
        features=np.stack(rows.features)[order],
        patches=np.stack(rows.patches)[order],
        labels=np.array(rows.labels)[order],
        sources=np.array(rows.sources)[order],
        kinds=np.array(rows.kinds)[order],
        feature_names=np.array(FEATURE_NAMES),
        features_version=np.array(FEATURES_VERSION),
    )


#: The feature caches: soundfont renderings (slow), generated sounds and recorded packs (quick).
PARTS = ("rendered", "generated", "packs")


def build_features(data: Path, *, seed: int, jobs: int, quick: bool, parts: Sequence[str]) -> None:
    copies, drum_copies = (1, 2) if quick else (1, 3)
    started = time.perf_counter()
    if "generated" in parts:
        _save(_generated_rows(seed, quick, copies, drum_copies), data / "generated.npz")
        log.info("generated sounds described in %.0f s", time.perf_counter() - started)
    if "packs" in parts:
        files = pack_files()
        if quick:
            files = files[::6]
        log.info("recorded packs: %s", dict(sorted(Counter(f[2] for f in files).items())))
        rows = Rows()
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            chunks = [files[i::jobs] for i in range(jobs)]
            futures = [pool.submit(_pack_job, c, seed + 2) for c in chunks]
            for future in futures:
                rows.add(future.result())
        _save(rows, data / "packs.npz")
        log.info("recorded packs described in %.0f s", time.perf_counter() - started)
    if "rendered" not in parts:
        return
    fonts = training_fonts(discover_soundfonts(probe=False))
    log.info("sources: %s", ", ".join(f"{f.name} ({f.renderer})" for f in fonts.values()))
    plan = plan_jobs(fonts, seed=seed, quick=quick)
    rows = Rows()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_job_rows, job, copies, drum_copies) for job in plan]
        for i, future in enumerate(as_completed(futures), 1):
            rows.add(future.result())
            if i % 10 == 0 or i == len(futures):
                log.info(
                    "%d/%d render jobs, %d rows, %.0f s",
                    i,
                    len(futures),
                    len(rows.labels),
                    time.perf_counter() - started,
                )
    _save(rows, data / "rendered.npz")


# --------------------------------------------------------------------------- training
def make_model(seed: int) -> Any:
    """Standardised features into a two-layer perceptron (small, fast, exports cleanly)."""
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(),
        MLPClassifier(
            HIDDEN,
            alpha=ALPHA,
            max_iter=MAX_ITER,
            early_stopping=True,
            n_iter_no_change=12,
            random_state=seed,
        ),
    )


def make_boosted(seed: int) -> Any:
    """Gradient-boosted trees on the raw features (they need no scaling)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=BOOSTED_ITER,
        learning_rate=0.1,
        max_leaf_nodes=BOOSTED_LEAVES,
        l2_regularization=1.0,
        random_state=seed,
    )


#: Rows per class in each fit: rarer classes are repeated, commoner ones sampled down.
ROWS_PER_CLASS = 2500


def balanced(
    x: np.ndarray, y: np.ndarray, seed: int, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:data:`ROWS_PER_CLASS` rows of every class, drawn at random (all rows of a rarer class,
    some of them twice or more); a row's chance of being drawn is its weight."""
    rng = np.random.default_rng(seed)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    index = []
    for label in sorted(set(y.tolist())):
        rows = np.flatnonzero(y == label)
        if len(rows) >= ROWS_PER_CLASS:
            p = w[rows] / w[rows].sum()
            index.append(rng.choice(rows, ROWS_PER_CLASS, replace=False, p=p))
        else:
            index.append(rows)
            index.append(rng.choice(rows, ROWS_PER_CLASS - len(rows)))
    chosen = np.concatenate(index)
    rng.shuffle(chosen)
    return x[chosen], y[chosen]


def fit_model(x: np.ndarray, y: np.ndarray, seed: int, weights: np.ndarray | None = None) -> Any:
    """The ensemble: :data:`N_PERCEPTRONS` perceptrons and one boosted-trees model, each fitted
    on its own balanced draw (seeds ``seed``, ``seed + 1``, …), their probabilities averaged
    (the perceptrons together weigh as much as the trees)."""
    from sklearn.ensemble import VotingClassifier
    from sklearn.preprocessing import LabelEncoder
    from threadpoolctl import threadpool_limits

    members: list[tuple[str, Any]] = []
    with threadpool_limits(1):  # two fits on two cores: no thread oversubscription
        for i in range(N_PERCEPTRONS + 1):
            draw = seed + i
            model = make_model(draw) if i < N_PERCEPTRONS else make_boosted(draw)
            model.fit(*balanced(x, y, draw, weights))
            members.append((f"mlp{i}" if i < N_PERCEPTRONS else "trees", model))
    ensemble = VotingClassifier(
        members,
        voting="soft",
        flatten_transform=False,  # skl2onnx converts only this form
        weights=np.array([1.0 / N_PERCEPTRONS] * N_PERCEPTRONS + [1.0]),
    )
    # Fitted member by member above (each on its own draw), so set what fit() would have set.
    ensemble.estimators_ = [model for _, model in members]
    ensemble.named_estimators_ = dict(members)
    ensemble.le_ = LabelEncoder().fit(y)
    ensemble.classes_ = ensemble.le_.classes_
    return ensemble


def row_weights(sources: np.ndarray) -> np.ndarray:
    """:data:`REAL_WEIGHT` for rows of recorded sources, 1 for the rest."""
    return np.where(np.isin(sources, sorted(REAL_SOURCES)), REAL_WEIGHT, 1.0)


#: Generated sounds (espeak-ng, synth fx) have no soundfont: each is held out with one of these,
#: chosen by a hash of its row, so every fold still has vocals and effects to learn from.
_FONT_FOLDS = ("FluidR3_GM", "TimGM6mb", "sf_GMbank", "freepats")


def groups_of(sources: np.ndarray) -> np.ndarray:
    groups = []
    for i, source in enumerate(sources):
        if source in ("espeak-ng", "synth-fx", "synth-drums"):
            groups.append(_FONT_FOLDS[(i * 2654435761) % 2**32 % len(_FONT_FOLDS)])
        else:
            groups.append(SOURCE_GROUPS.get(str(source), str(source)))
    return np.array(groups)


def _fold(
    x: np.ndarray,
    patches: np.ndarray | None,
    y: np.ndarray,
    test: np.ndarray,
    seed: int,
    weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Probabilities of the held-out rows by the ensemble and by the convolutional member (None
    without ``patches``), each fitted on the other rows (MODEL_CLASSES order)."""
    model = fit_model(x[~test], y[~test], seed, weights[~test])
    proba = model.predict_proba(x[test])
    out = np.zeros((int(test.sum()), len(MODEL_CLASSES)))
    for j, label in enumerate(model.classes_):
        out[:, MODEL_CLASSES.index(label)] = proba[:, j]
    if patches is None:
        return out, None
    net = fit_cnn(patches[~test].astype(np.float32), y[~test], MODEL_CLASSES, seed, weights[~test])
    return out, predict_cnn(net, patches[test].astype(np.float32))


def _accuracy(proba: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.array(MODEL_CLASSES)[proba.argmax(axis=1)] == y))


def cross_validate(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    seed: int,
    *,
    patches: np.ndarray | None = None,
    jobs: int = 1,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Out-of-fold probabilities of the ensemble and of the convolutional member (None without
    ``patches``), each group held out in turn (columns: MODEL_CLASSES)."""
    oof = np.zeros((len(y), len(MODEL_CLASSES)))
    oof_cnn = None if patches is None else np.zeros_like(oof)
    names = sorted(set(groups))
    w = np.ones(len(y)) if weights is None else weights
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_fold, x, patches, y, groups == g, seed, w): g for g in names}
        results = {futures[f]: f.result() for f in as_completed(futures)}
    for group in names:
        test = groups == group
        ensemble, cnn = results[group]
        oof[np.flatnonzero(test)] = ensemble
        shown = f"accuracy {_accuracy(ensemble, y[test]):.3f}"
        if oof_cnn is not None and cnn is not None:
            oof_cnn[np.flatnonzero(test)] = cnn
            mixed = (1 - CNN_WEIGHT) * ensemble + CNN_WEIGHT * cnn
            shown += f", cnn {_accuracy(cnn, y[test]):.3f}, mixed {_accuracy(mixed, y[test]):.3f}"
        log.info("held out %-16s n=%5d %s", group, int(test.sum()), shown)
    return oof, oof_cnn


def fit_temperature(proba: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood of the out-of-fold predictions."""
    index = np.array([MODEL_CLASSES.index(label) for label in y])
    best = (math.inf, 1.0)
    for temperature in np.geomspace(0.3, 5.0, 60):
        p = calibrate(proba, float(temperature))
        nll = float(-np.mean(np.log(np.clip(p[np.arange(len(y)), index], 1e-12, 1))))
        best = min(best, (nll, float(temperature)))
    return best[1]


#: Width of the confidence bins :func:`pick_threshold` reads.
THRESHOLD_BIN = 0.05


def pick_threshold(proba: np.ndarray, y: np.ndarray, *, min_count: int = 20) -> float:
    """The confidence below which a label is more likely wrong than right.

    The out-of-fold predictions are put in bins of :data:`THRESHOLD_BIN` by their calibrated
    confidence; the threshold is the lower edge of the lowest bin from which every bin up (of
    at least ``min_count`` predictions) is right at least half the time.
    """
    predicted = np.array(MODEL_CLASSES)[proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    right = predicted == y
    edges = np.round(np.arange(0.0, 1.0, THRESHOLD_BIN), 2)
    threshold = 1.0
    for lo in edges[::-1]:
        inside = (confidence >= lo) & (confidence < lo + THRESHOLD_BIN)
        if inside.sum() >= min_count and right[inside].mean() < 0.5:
            break
        threshold = float(lo)
    return threshold


def confusion(y: np.ndarray, predicted: np.ndarray, labels: Sequence[str]) -> list[list[int]]:
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for truth, guess in zip(y, predicted, strict=True):
        if truth in index and guess in index:
            matrix[index[truth], index[guess]] += 1
    return matrix.tolist()


def _int_missing_tracks(add_node: Any) -> Any:
    """skl2onnx 1.20's HistGradientBoosting converter passes a leaf's missing-value flag as a
    Python ``bool`` among numpy integers, which onnx refuses ("Expected an int, got a
    boolean"): hand it on as an int."""

    def fixed(*args: Any, nodes_missing_value_tracks_true: Any = 0, **kwargs: Any) -> Any:
        return add_node(
            *args, nodes_missing_value_tracks_true=int(nodes_missing_value_tracks_true), **kwargs
        )

    return fixed


def export_onnx(model: Any, n_features: int, path: Path) -> None:
    import skl2onnx.common.tree_ensemble as tree_ensemble
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    add_node = tree_ensemble.add_node
    tree_ensemble.add_node = _int_missing_tracks(add_node)
    try:
        onx = to_onnx(
            model,
            initial_types=[("features", FloatTensorType([None, n_features]))],
            options={id(model): {"zipmap": False}},
            target_opset={"": 17, "ai.onnx.ml": 3},
        )
    finally:
        tree_ensemble.add_node = add_node
    path.write_bytes(onx.SerializeToString())


def _report(name: str, y: np.ndarray, predicted: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
    kept = mask & np.isin(y, MODEL_CLASSES)
    return {
        "subset": name,
        "n": int(kept.sum()),
        "accuracy": round(float(np.mean(predicted[kept] == y[kept])), 4) if kept.any() else None,
    }


def train(data: Path, *, seed: int, out: Path, jobs: int = 1) -> dict[str, Any]:
    loaded = [np.load(data / f"{part}.npz") for part in PARTS]
    if any(
        tuple(part["feature_names"]) != FEATURE_NAMES
        or int(part.get("features_version", 1)) != FEATURES_VERSION
        for part in loaded
    ):
        raise SystemExit("cached features were made by another feature version: make them again")
    x = np.concatenate([part["features"] for part in loaded])
    patches = np.concatenate([part["patches"] for part in loaded])
    if patches.shape[1:] != (PATCH_BANDS, PATCH_FRAMES):
        raise SystemExit(f"cached patches are {patches.shape[1:]}: make the features again")
    y = np.concatenate([part["labels"] for part in loaded])
    sources = np.concatenate([part["sources"] for part in loaded])
    kinds = np.concatenate([part["kinds"] for part in loaded])
    groups = groups_of(sources)
    log.info(
        "%d rows, %d features; classes: %s", len(y), x.shape[1], dict(sorted(Counter(y).items()))
    )
    weights = row_weights(sources)
    oof_ensemble, oof_cnn = cross_validate(
        x, y, groups, seed, patches=patches, jobs=jobs, weights=weights
    )
    assert oof_cnn is not None
    oof = (1 - CNN_WEIGHT) * oof_ensemble + CNN_WEIGHT * oof_cnn
    temperature = fit_temperature(oof, y)
    calibrated = calibrate(oof, temperature)
    threshold = pick_threshold(calibrated, y)
    predicted = np.array(MODEL_CLASSES)[calibrated.argmax(axis=1)]
    drums = np.isin(y, ["kick", "snare", "clap", "hihat", "tom", "cymbal", "percussion"])
    dry = kinds == "dry"
    subsets = [
        _report("all (out of fold)", y, predicted, np.ones_like(drums)),
        _report("dry renderings only", y, predicted, dry),
        _report("drum classes", y, predicted, drums),
        _report("drum classes, dry", y, predicted, drums & dry),
        _report(
            "drum classes, recorded sources (each held out)",
            y,
            predicted,
            drums & np.isin(sources, sorted(REAL_SOURCES)),
        ),
        _report(
            "drum classes, recorded, dry",
            y,
            predicted,
            drums & dry & np.isin(sources, sorted(REAL_SOURCES)),
        ),
        _report("tonal classes", y, predicted, ~drums),
    ]
    per_group = [_report(f"held out: {g}", y, predicted, groups == g) for g in sorted(set(groups))]
    per_group += [
        _report(f"held out: {g}, drum classes", y, predicted, drums & (groups == g))
        for g in sorted(set(groups))
        if (drums & (groups == g)).any()
    ]
    real_drums = drums & np.isin(sources, sorted(REAL_SOURCES))
    members = {
        name: {
            "all": round(_accuracy(proba, y), 4),
            "drum classes, recorded sources": round(_accuracy(proba[real_drums], y[real_drums]), 4),
            "tonal classes": round(_accuracy(proba[~drums], y[~drums]), 4),
        }
        for name, proba in (("ensemble", oof_ensemble), ("cnn", oof_cnn), ("mixed", oof))
    }
    log.info("members out of fold: %s", members)
    confidence = calibrated.max(axis=1)
    kept = confidence >= threshold
    started = time.perf_counter()
    final = fit_model(x, y, seed, weights)
    log.info("final fit in %.0f s", time.perf_counter() - started)
    if tuple(final.classes_) != MODEL_CLASSES:
        classes = tuple(str(c) for c in final.classes_)
    else:
        classes = MODEL_CLASSES
    out.parent.mkdir(parents=True, exist_ok=True)
    export_onnx(final, x.shape[1], out)
    started = time.perf_counter()
    net = fit_cnn(patches.astype(np.float32), y, classes, seed, weights, threads=jobs)
    cnn_path = out.with_name(f"{out.stem}_cnn.onnx")
    export_cnn(net, (PATCH_BANDS, PATCH_FRAMES), cnn_path)
    log.info("final convolutional member in %.0f s", time.perf_counter() - started)
    card = {
        "version": CARD_VERSION,
        "model": (
            f"sklearn soft vote: {N_PERCEPTRONS} x StandardScaler + MLPClassifier {HIDDEN} "
            f"(alpha {ALPHA}, early stopping; together weight 1) and HistGradientBoosting "
            f"({BOOSTED_ITER} iterations, {BOOSTED_LEAVES} leaves; weight 1), each on its own "
            f"draw of {ROWS_PER_CLASS} rows per class, exported with skl2onnx; mixed with a "
            f"CNN over the log-mel patch (weight {CNN_WEIGHT}; benchmarks/fit/sample_type_cnn.py,"
            " PyTorch, exported to ONNX)"
        ),
        "cnn": {
            "file": cnn_path.name,
            "weight": CNN_WEIGHT,
            "patch_shape": [PATCH_BANDS, PATCH_FRAMES],
            "sha256": hashlib.sha256(cnn_path.read_bytes()).hexdigest(),
        },
        "classes": list(classes),
        "feature_names": list(FEATURE_NAMES),
        "features_version": FEATURES_VERSION,
        "temperature": round(temperature, 4),
        "threshold": threshold,
        "threshold_rule": (
            "lowest confidence from which the out-of-fold predictions are right at least half "
            f"the time in every {THRESHOLD_BIN} bin up: below it a label is likelier wrong"
        ),
        "training_data": {
            "recorded_packs": [
                f"{name}: {_shown(root)} ({licence})" for name, root, licence in SAMPLE_PACKS
            ],
            "rows": len(y),
            "by_class": dict(sorted(Counter(y.tolist()).items())),
            "by_source": dict(sorted(Counter(sources.tolist()).items())),
            "by_kind": dict(sorted(Counter(kinds.tolist()).items())),
        },
        "evaluation": {
            "method": (
                "leave-one-source-out: each soundfont, recorded kit and sample package held "
                "out in turn (generated sounds are spread over the soundfont folds)"
            ),
            "subsets": subsets + per_group,
            "members": members,
            "unknown": {
                "threshold": threshold,
                "coverage": round(float(kept.mean()), 4),
                "accuracy_of_kept": round(float(np.mean(predicted[kept] == y[kept])), 4),
                # What `sample_type` says of recorded drums, an `unknown` counted as a miss.
                "recorded_drums_coverage": round(float(kept[real_drums].mean()), 4),
                "recorded_drums_labelled_right": round(
                    float(np.mean(kept[real_drums] & (predicted[real_drums] == y[real_drums]))), 4
                ),
            },
            "confusion_labels": list(MODEL_CLASSES),
            "confusion_matrix_rows_truth": confusion(y, predicted, MODEL_CLASSES),
            "recorded_drums_confusion_matrix_rows_truth": confusion(
                y[real_drums], predicted[real_drums], MODEL_CLASSES
            ),
        },
        "seed": seed,
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
    }
    out.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return card


def print_card(card: dict[str, Any]) -> None:
    print(
        f"\nclasses: {len(card['classes'])}, rows: {card['training_data']['rows']}, "
        f"temperature {card['temperature']}, unknown below {card['threshold']}"
    )
    for subset in card["evaluation"]["subsets"]:
        acc = subset["accuracy"]
        shown = acc if acc is not None else "-"
        print(f"  {subset['subset']:<40} n={subset['n']:>6}  accuracy {shown}")
    unknown = card["evaluation"]["unknown"]
    kept = unknown["accuracy_of_kept"]
    print(f"  kept above threshold: {unknown['coverage']:.1%}, accuracy of kept {kept:.3f}")
    if "recorded_drums_coverage" in unknown:
        print(
            f"  recorded drums: {unknown['recorded_drums_coverage']:.1%} labelled, "
            f"{unknown['recorded_drums_labelled_right']:.3f} labelled right (unknown = a miss)"
        )
    for name, figures in card["evaluation"].get("members", {}).items():
        print(f"  member {name:<10} " + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()))
    labels = card["evaluation"]["confusion_labels"]
    print("\nconfusion (rows: truth, columns: predicted)")
    print(" " * 11 + " ".join(f"{label[:5]:>5}" for label in labels))
    for label, row in zip(labels, card["evaluation"]["confusion_matrix_rows_truth"], strict=True):
        print(f"{label:>10} " + " ".join(f"{v:>5}" for v in row))


def card_markdown(card: dict[str, Any]) -> str:
    """The card's figures as the markdown tables of docs/ml.md."""
    lines = ["| held-out subset | n | accuracy |", "|---|---|---|"]
    for subset in card["evaluation"]["subsets"]:
        acc = subset["accuracy"]
        lines.append(
            f"| {subset['subset']} | {subset['n']} | {'-' if acc is None else f'{acc:.3f}'} |"
        )
    members = card["evaluation"].get("members")
    if members:
        columns = list(next(iter(members.values())))
        lines += [
            "",
            "Each member out of fold, and the two mixed (the model):",
            "",
            "| member | " + " | ".join(columns) + " |",
            "|---" * (len(columns) + 1) + "|",
        ]
        lines += [
            f"| {name} | " + " | ".join(f"{figures[c]:.3f}" for c in columns) + " |"
            for name, figures in members.items()
        ]
    unknown = card["evaluation"]["unknown"]
    lines += [
        "",
        f"Calibration temperature {card['temperature']}; `unknown` below a confidence of "
        f"{card['threshold']}: {unknown['coverage']:.1%} of the held-out predictions are kept, "
        f"and {unknown['accuracy_of_kept']:.1%} of those are right."
        + (
            f" Of the recorded drums, {unknown['recorded_drums_coverage']:.1%} get a label and "
            f"{unknown['recorded_drums_labelled_right']:.1%} the right one (an `unknown` counted "
            "as a miss)."
            if "recorded_drums_coverage" in unknown
            else ""
        ),
        "",
        "Confusion matrix of the pooled held-out predictions (rows: truth, columns: predicted):",
        "",
    ]
    labels = card["evaluation"]["confusion_labels"]
    lines.append("| | " + " | ".join(labels) + " |")
    lines.append("|---" * (len(labels) + 1) + "|")
    for label, row in zip(labels, card["evaluation"]["confusion_matrix_rows_truth"], strict=True):
        lines.append(f"| **{label}** | " + " | ".join(str(v) for v in row) + " |")
    recorded = card["evaluation"].get("recorded_drums_confusion_matrix_rows_truth")
    if recorded:
        drums = [i for i, label in enumerate(labels) if label in DRUM_LABELS]
        lines += [
            "",
            "Recorded drums only (AVL kits and the recorded packs; each held out in turn), "
            "drum columns (a miss into a tonal class is left out of the row):",
            "",
            "| | " + " | ".join(labels[i] for i in drums) + " |",
            "|---" * (len(drums) + 1) + "|",
        ]
        for i in drums:
            cells = " | ".join(str(recorded[i][j]) for j in drums)
            lines.append(f"| **{labels[i]}** | {cells} |")
    data = card["training_data"]
    lines += [
        "",
        f"Training rows: {data['rows']} — by source: "
        + ", ".join(f"{k} {v}" for k, v in data["by_source"].items())
        + "; by kind: "
        + ", ".join(f"{k} {v}" for k, v in data["by_kind"].items())
        + ".",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fit.sample_type", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "samplemind-train"
    )
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument(
        "--features",
        choices=("all", "none", *PARTS),
        default="all",
        help="which feature caches to make again (none: train on DATA/*.npz as they are)",
    )
    parser.add_argument(
        "--card-markdown", action="store_true", help="print OUT's card as markdown and exit"
    )
    args = parser.parse_args(argv)
    if args.card_markdown:
        print(card_markdown(json.loads(args.out.with_suffix(".json").read_text())))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args.data.mkdir(parents=True, exist_ok=True)
    parts = {"all": PARTS, "none": ()}.get(args.features, (args.features,))
    if parts:
        build_features(args.data, seed=args.seed, jobs=args.jobs, quick=args.quick, parts=parts)
    card = train(args.data, seed=args.seed, out=args.out, jobs=args.jobs)
    print_card(card)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
