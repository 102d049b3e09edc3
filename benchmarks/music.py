"""Music generation for the synthetic corpus: keys, progressions, parts and drum grooves.

Everything is expressed in beats (quarter notes) on a 4/4 grid and is deterministic given
the ``random.Random`` passed in.  MIDI conversion and rendering live in ``corpus.py``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
MODES = ("major", "minor")
SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),  # natural minor; "V" in minor raises the third
}
PROGRESSIONS: dict[str, tuple[str, ...]] = {
    "major": ("I-V-vi-IV", "vi-IV-I-V", "ii-V-I", "I-vi-IV-V", "I-IV-V-IV", "IV-V-iii-vi"),
    "minor": (
        "i-VI-III-VII",
        "i-iv-v-i",
        "i-iv-V-i",
        "i-VII-VI-VII",
        "i-VI-VII-i",
        "i-VII-VI-V",
        "i-iv-VII-III",
    ),
}
_NUMERALS = ("I", "II", "III", "IV", "V", "VI", "VII")

DRUM_CHANNEL = 9
KICK, KICK_ALT, SIDESTICK, SNARE, CLAP, SNARE_ALT = 36, 35, 37, 38, 39, 40
HAT_CLOSED, HAT_PEDAL, HAT_OPEN = 42, 44, 46
TOMS = (50, 48, 47, 45, 43, 41)
CRASH, RIDE, RIDE_BELL, TAMBOURINE, COWBELL, SHAKER, CLAVES = 49, 51, 53, 54, 56, 70, 75
BONGO_HI, BONGO_LO, CONGA_MUTE, CONGA_HI, CONGA_LO = 60, 61, 62, 63, 64
DRUM_KITS = {
    "standard": 0,
    "room": 8,
    "power": 16,
    "electronic": 24,
    "tr808": 25,
    "jazz": 32,
    "brush": 40,
}


@dataclass(frozen=True)
class Note:
    start: float  # beats
    dur: float  # beats
    pitch: int
    velocity: int


@dataclass(frozen=True)
class Part:
    role: str  # chords | bass | lead | arp | drums
    channel: int
    program: int  # GM program (melodic) or drum-kit program (channel 10)
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Chord:
    root: int  # pitch class
    tones: tuple[int, ...]  # pitch classes, root first


def key_name(tonic: int, mode: str) -> str:
    return f"{PITCH_CLASSES[tonic % 12]} {mode}"


def _vel(rng: random.Random, base: int, spread: int = 8) -> int:
    return max(1, min(127, base + rng.randint(-spread, spread)))


# --------------------------------------------------------------------------- harmony


def parse_numeral(numeral: str, tonic: int, mode: str, *, seventh: bool) -> Chord:
    """Build a chord for a roman numeral (uppercase = major, lowercase = minor triad)."""
    degree = _NUMERALS.index(numeral.upper())
    scale = SCALES[mode]
    root = (tonic + scale[degree]) % 12
    major = numeral.isupper()
    tones = [root, (root + (4 if major else 3)) % 12, (root + 7) % 12]
    if seventh:
        if major and degree == 4:  # dominant seventh
            tones.append((root + 10) % 12)
        else:
            tones.append((tonic + scale[(degree + 6) % 7]) % 12)
    return Chord(root=root, tones=tuple(tones))


def progression(name: str, tonic: int, mode: str, *, sevenths: bool) -> list[Chord]:
    """Chords of a progression; three-chord ones hold the last chord (ii-V-I -> ii-V-I-I)."""
    chords = [parse_numeral(n, tonic, mode, seventh=sevenths) for n in name.split("-")]
    if len(chords) == 3:
        chords.append(chords[-1])
    return chords


def harmonic_slots(bars: int, n_chords: int, rng: random.Random) -> list[tuple[int, float, float]]:
    """Return ``(chord_index, start_beat, length_beats)`` covering the whole loop.

    The whole progression is normally heard once (or twice for 8 bars); 30% of one-bar loops
    only get the first two chords, as short real-world loops often do.
    """
    total = bars * 4.0
    per = total / n_chords
    if bars == 1 and rng.random() < 0.3:
        per = 2.0
    elif bars == 8 and rng.random() < 0.5:
        per = total / (2 * n_chords)
    slots = []
    t, i = 0.0, 0
    while t < total - 1e-9:
        slots.append((i % n_chords, t, min(per, total - t)))
        t += per
        i += 1
    return slots


def voice_chord(chord: Chord, previous: Sequence[int] | None, low: int = 50) -> list[int]:
    """Close-position voicing near ``low``..``low+16`` with minimal movement from ``previous``."""
    candidates: list[list[int]] = []
    n = len(chord.tones)
    for inversion in range(n):
        pcs = chord.tones[inversion:] + chord.tones[:inversion]
        for base_oct in range(3, 6):
            notes = []
            last = -1
            for pc in pcs:
                pitch = base_oct * 12 + pc
                while pitch <= last:
                    pitch += 12
                notes.append(pitch)
                last = pitch
            if low <= notes[0] <= low + 12 and notes[-1] <= low + 24:
                candidates.append(notes)
    if not candidates:
        base = low - (low % 12) + chord.root
        return [base + (t - chord.root) % 12 for t in chord.tones]
    if previous is None:
        return min(candidates, key=lambda c: abs(c[0] - (low + 5)))
    prev = sorted(previous)
    return min(
        candidates,
        key=lambda c: sum(abs(a - b) for a, b in zip(sorted(c), prev, strict=False)),
    )


# --------------------------------------------------------------------------- tonal parts


def chord_part(
    chords: list[Chord],
    slots: list[tuple[int, float, float]],
    style: str,
    rng: random.Random,
) -> list[Note]:
    notes: list[Note] = []
    prev: list[int] | None = None
    base_vel = rng.randint(62, 96)
    sync_pattern = rng.choice(((0.0, 1.5, 3.0), (0.0, 0.75, 1.5, 2.5, 3.0), (0.0, 1.0, 2.5)))
    stab_steps = rng.choice(((0.5, 1.5, 2.5, 3.5), (0.5, 1.25, 2.5, 3.25), (0.0, 0.75, 1.5, 3.0)))
    for idx, start, length in slots:
        voicing = voice_chord(chords[idx], prev, low=rng.choice((50, 52, 55)))
        prev = voicing
        onsets: list[tuple[float, float]]
        if style == "sustain":
            onsets = [(0.0, length)]
        elif style == "pulse8":
            onsets = [(k * 0.5, 0.42) for k in range(int(length * 2))]
        elif style == "sync":
            onsets = []
            for bar_off in range(0, int(length), 4):
                onsets += [(bar_off + o, 0.7) for o in sync_pattern if bar_off + o < length]
        elif style == "stabs":
            onsets = []
            for bar_off in range(0, int(length), 4):
                onsets += [(bar_off + o, 0.22) for o in stab_steps if bar_off + o < length]
        elif style == "broken":
            onsets = []
            order = [0, 1, 2, 1] if len(voicing) == 3 else [0, 1, 2, 3]
            for k in range(int(length * 2)):
                pitch = voicing[order[k % len(order)]]
                notes.append(Note(start + k * 0.5, 0.5, pitch, _vel(rng, base_vel - 5)))
            # bass note of the voicing sustained underneath
            notes.append(Note(start, length, voicing[0] - 12, _vel(rng, base_vel - 10)))
            continue
        else:
            raise ValueError(f"unknown chord style {style}")
        for off, dur in onsets:
            vel = _vel(rng, base_vel + (8 if off % 1 == 0 else 0))
            notes.extend(Note(start + off, dur, p, vel) for p in voicing)
    return notes


def bass_part(
    chords: list[Chord],
    slots: list[tuple[int, float, float]],
    style: str,
    rng: random.Random,
) -> list[Note]:
    notes: list[Note] = []
    base_vel = rng.randint(80, 110)
    for idx, start, length in slots:
        root = chords[idx].root
        pitch = 36 + (root - 36) % 12  # C2..B2
        if pitch > 43:
            pitch -= 12  # keep it in E1..G2
        fifth = pitch + 7
        if style == "sustain":
            notes.append(Note(start, length * 0.98, pitch, _vel(rng, base_vel)))
        elif style == "eighths":
            notes += [
                Note(start + k * 0.5, 0.4, pitch, _vel(rng, base_vel - (10 if k % 2 else 0)))
                for k in range(int(length * 2))
            ]
        elif style == "offbeat":
            notes += [
                Note(start + k + 0.5, 0.35, pitch, _vel(rng, base_vel)) for k in range(int(length))
            ]
        elif style == "octave":
            notes += [
                Note(start + k * 0.5, 0.4, pitch + (12 if k % 2 else 0), _vel(rng, base_vel))
                for k in range(int(length * 2))
            ]
        elif style == "syncop":
            for bar_off in range(0, max(1, int(length)), 4):
                for off, p, d in ((0.0, pitch, 0.7), (0.75, pitch, 0.5), (1.5, fifth, 0.4)):
                    if bar_off + off < length:
                        notes.append(Note(start + bar_off + off, d, p, _vel(rng, base_vel)))
                for off in (2.5, 3.0):
                    if bar_off + off < length:
                        notes.append(Note(start + bar_off + off, 0.4, pitch, _vel(rng, base_vel)))
        else:
            raise ValueError(f"unknown bass style {style}")
    return notes


def arp_part(
    chords: list[Chord],
    slots: list[tuple[int, float, float]],
    rng: random.Random,
) -> list[Note]:
    notes: list[Note] = []
    rate = rng.choice((0.25, 0.5, 0.25))
    shape = rng.choice(("up", "updown", "down", "pattern"))
    fixed = [rng.randrange(6) for _ in range(8)]
    base_vel = rng.randint(65, 100)
    prev: list[int] | None = None
    for idx, start, length in slots:
        voicing = voice_chord(chords[idx], prev, low=rng.choice((55, 60)))
        prev = voicing
        pool = voicing + [p + 12 for p in voicing]
        if shape == "down":
            pool = pool[::-1]
        elif shape == "updown":
            pool = pool + pool[-2:0:-1]
        steps = round(length / rate)
        for k in range(steps):
            pitch = (
                pool[fixed[k % len(fixed)] % len(pool)]
                if shape == "pattern"
                else pool[k % len(pool)]
            )
            accent = 12 if (k * rate) % 1 == 0 else 0
            notes.append(Note(start + k * rate, rate * 0.9, pitch, _vel(rng, base_vel + accent)))
    return notes


def melody_part(
    chords: list[Chord],
    slots: list[tuple[int, float, float]],
    tonic: int,
    mode: str,
    rng: random.Random,
) -> list[Note]:
    """A simple motif: chord tones on strong beats, scale steps in between."""
    scale_pcs = {(tonic + s) % 12 for s in SCALES[mode]}
    scale_pitches = [p for p in range(62, 88) if p % 12 in scale_pcs]
    # one-bar rhythm motif on an 8th grid, re-used every bar
    motif = [k * 0.5 for k in range(8) if k == 0 or rng.random() < 0.45]
    base_vel = rng.randint(75, 105)
    notes: list[Note] = []
    current = rng.choice([p for p in scale_pitches if 67 <= p <= 79])
    for idx, start, length in slots:
        chord_pcs = set(chords[idx].tones[:3])
        for bar_off in range(0, max(1, int(length)), 4):
            for j, off in enumerate(motif):
                t = bar_off + off
                if t >= length:
                    break
                nxt = motif[j + 1] if j + 1 < len(motif) else 4.0
                dur = min(nxt - off, length - t) * 0.9
                if off % 1 == 0:
                    targets = [p for p in scale_pitches if p % 12 in chord_pcs]
                else:
                    targets = [p for p in scale_pitches if abs(p - current) <= 4 and p != current]
                current = min(targets, key=lambda p: abs(p - current) + rng.random() * 3)
                notes.append(Note(start + t, dur, current, _vel(rng, base_vel)))
    return notes


# --------------------------------------------------------------------------- drums


@dataclass(frozen=True)
class Groove:
    name: str
    bpm: tuple[int, int]
    kits: tuple[str, ...]
    swing: tuple[float, float]  # delay of off-16ths as a fraction of a 16th
    build: Callable[[random.Random, int], list[tuple[int, int, int]]]  # -> (step, note, vel)


Hit = tuple[int, int, int]


def _steps(steps: Sequence[int], note: int, vel: int, rng: random.Random) -> list[Hit]:
    return [(s, note, _vel(rng, vel, 6)) for s in steps]


def _hats(rng: random.Random, every: int, note: int = HAT_CLOSED, vel: int = 80) -> list[Hit]:
    return [
        (s, note, _vel(rng, vel if (s // every) % 2 == 0 else vel - 22, 6))
        for s in range(0, 16, every)
    ]


def _house(rng: random.Random, bar: int) -> list[Hit]:
    hits = _steps((0, 4, 8, 12), KICK, 115, rng) + _steps((4, 12), CLAP, 100, rng)
    if rng.random() < 0.5:
        hits += _steps((2, 6, 10, 14), HAT_OPEN, 80, rng)
    else:
        hits += _steps((2, 6, 10, 14), HAT_CLOSED, 95, rng) + _hats(rng, 1, SHAKER, 55)
    return hits


def _techno(rng: random.Random, bar: int) -> list[Hit]:
    hits = _steps((0, 4, 8, 12), KICK, 120, rng) + _steps((2, 6, 10, 14), HAT_OPEN, 80, rng)
    hits += _hats(rng, 1, HAT_CLOSED, 70)
    if rng.random() < 0.6:
        hits += _steps((4, 12), CLAP, 95, rng)
    hits += _steps(sorted(rng.sample(range(16), 3)), SIDESTICK, 70, rng)
    return hits


def _boombap(rng: random.Random, bar: int) -> list[Hit]:
    kick = rng.choice(((0, 10), (0, 3, 10), (0, 7, 10, 13), (0, 8, 10)))
    hits = _steps(kick, KICK, 112, rng) + _steps((4, 12), SNARE, 108, rng)
    return hits + _hats(rng, 2, HAT_CLOSED, 85)


def _lofi(rng: random.Random, bar: int) -> list[Hit]:
    kick = rng.choice(((0, 10), (0, 7, 10), (0, 9)))
    snare = SIDESTICK if rng.random() < 0.4 else SNARE
    return (
        _steps(kick, KICK, 100, rng)
        + _steps((4, 12), snare, 95, rng)
        + _hats(rng, 2, HAT_CLOSED, 70)
    )


def _trap(rng: random.Random, bar: int) -> list[Hit]:
    kick = rng.choice(((0, 7, 10), (0, 3, 11), (0, 10, 11), (0, 6, 14)))
    hits = (
        _steps(kick, KICK, 118, rng) + _steps((8,), CLAP, 110, rng) + _steps((8,), SNARE, 90, rng)
    )
    hits += _hats(rng, 1 if rng.random() < 0.7 else 2, HAT_CLOSED, 85)
    if rng.random() < 0.5:
        hits += _steps((rng.choice((6, 14)),), HAT_OPEN, 75, rng)
    return hits


def _breakbeat(rng: random.Random, bar: int) -> list[Hit]:
    kick = rng.choice(((0, 10), (0, 2, 10), (0, 2, 10, 11)))
    hits = _steps(kick, KICK, 115, rng) + _steps((4, 12), SNARE, 110, rng)
    hits += _steps(rng.sample((7, 9, 15), 2), SNARE, 55, rng) + _hats(rng, 2, HAT_CLOSED, 85)
    return hits


def _dnb(rng: random.Random, bar: int) -> list[Hit]:
    hits = _steps((0, 10), KICK, 118, rng) + _steps((4, 12), SNARE, 112, rng)
    hits += _hats(rng, rng.choice((1, 2)), rng.choice((HAT_CLOSED, RIDE)), 80)
    if rng.random() < 0.5:
        hits += _steps((rng.choice((7, 9, 14)),), SNARE, 55, rng)
    return hits


def _pop(rng: random.Random, bar: int) -> list[Hit]:
    kick = rng.choice(((0, 8), (0, 6, 8), (0, 8, 10), (0, 3, 8)))
    hits = _steps(kick, KICK, 112, rng) + _steps((4, 12), SNARE, 108, rng)
    hits += _hats(rng, 2, rng.choice((HAT_CLOSED, HAT_CLOSED, RIDE)), 85)
    if bar == 0 and rng.random() < 0.4:
        hits += _steps((0,), CRASH, 100, rng)
    return hits


def _garage(rng: random.Random, bar: int) -> list[Hit]:
    kick = (0, 10) if bar % 2 == 0 else (0, 7, 9)
    hits = _steps(kick, KICK, 115, rng) + _steps((4, 12), rng.choice((SNARE, CLAP)), 105, rng)
    return hits + _hats(rng, 1, HAT_CLOSED, 70) + _steps((2, 10), HAT_OPEN, 65, rng)


def _reggaeton(rng: random.Random, bar: int) -> list[Hit]:
    hits = _steps((0, 4, 8, 12), KICK, 115, rng) + _steps((3, 6, 11, 14), SNARE, 100, rng)
    return hits + _hats(rng, 2, HAT_CLOSED, 75)


def _afro(rng: random.Random, bar: int) -> list[Hit]:
    hits = _steps((0, 4, 8, 12), KICK, 112, rng) + _hats(rng, 1, SHAKER, 60)
    hits += _steps((0, 3, 6, 10, 12), CLAVES, 80, rng)
    hits += _steps((2, 7, 10), CONGA_HI, 85, rng) + _steps((5, 13, 14), CONGA_LO, 90, rng)
    hits += _steps((4, 12), rng.choice((CLAP, SIDESTICK)), 85, rng)
    return hits


def _funk(rng: random.Random, bar: int) -> list[Hit]:
    kick = rng.choice(((0, 3, 10), (0, 6, 10), (0, 2, 7, 10)))
    hits = _steps(kick, KICK, 110, rng) + _steps((4, 12), SNARE, 108, rng)
    hits += _steps(rng.sample((1, 7, 9, 11, 15), 2), SNARE, 50, rng)
    return hits + _hats(rng, 1, HAT_CLOSED, 80)


GROOVES: dict[str, Groove] = {
    g.name: g
    for g in (
        Groove("house", (118, 128), ("tr808", "electronic", "standard"), (0.0, 0.1), _house),
        Groove("techno", (125, 140), ("electronic", "tr808", "power"), (0.0, 0.0), _techno),
        Groove("boombap", (82, 98), ("standard", "room", "power"), (0.1, 0.3), _boombap),
        Groove("lofi", (70, 90), ("jazz", "brush", "room"), (0.2, 0.35), _lofi),
        Groove("trap", (130, 160), ("tr808",), (0.0, 0.0), _trap),
        Groove("breakbeat", (120, 140), ("standard", "power", "room"), (0.0, 0.15), _breakbeat),
        Groove("dnb", (160, 175), ("electronic", "standard", "power"), (0.0, 0.0), _dnb),
        Groove("pop", (90, 140), ("standard", "power", "room"), (0.0, 0.0), _pop),
        Groove("garage", (128, 136), ("electronic", "tr808"), (0.15, 0.3), _garage),
        Groove("reggaeton", (88, 100), ("tr808", "electronic"), (0.0, 0.0), _reggaeton),
        Groove("afro", (108, 124), ("standard", "room"), (0.0, 0.1), _afro),
        Groove("funk", (95, 115), ("standard", "room"), (0.05, 0.2), _funk),
        Groove("rock", (100, 180), ("power", "standard", "room"), (0.0, 0.0), _pop),
    )
}


def _fill(rng: random.Random) -> list[Hit]:
    toms = list(TOMS) if rng.random() < 0.6 else [SNARE] * 6
    steps = (12, 13, 14, 15) if rng.random() < 0.5 else (8, 10, 12, 13, 14, 15)
    return [(s, toms[min(i, len(toms) - 1)], _vel(rng, 90 + i * 4, 5)) for i, s in enumerate(steps)]


def drum_part(groove: Groove, bars: int, rng: random.Random, *, fills: bool = True) -> list[Note]:
    """Render ``bars`` bars of ``groove`` onto a 16th grid (with swing and tiny humanising)."""
    swing = rng.uniform(*groove.swing)
    human = 0.004 if groove.name in {"boombap", "lofi", "funk", "pop", "rock", "breakbeat"} else 0.0
    notes: list[Note] = []
    for bar in range(bars):
        hits = groove.build(rng, bar)
        if fills and bars >= 2 and bar == bars - 1 and rng.random() < 0.35:
            hits = [h for h in hits if h[0] < 12 or h[1] in (KICK, HAT_CLOSED)] + _fill(rng)
        for step, note, vel in hits:
            t = bar * 4 + step * 0.25 + (swing * 0.25 if step % 2 else 0.0)
            t = max(0.0, t + rng.gauss(0.0, human))
            notes.append(Note(t, 0.2, note, vel))
    if groove.name == "trap" and rng.random() < 0.7:  # hi-hat rolls (16th triplets)
        bar = rng.randrange(bars)
        beat = rng.choice((1, 3))
        notes += [
            Note(bar * 4 + beat + k / 6, 0.1, HAT_CLOSED, _vel(rng, 70 + 5 * k, 4))
            for k in range(6)
        ]
    return notes
