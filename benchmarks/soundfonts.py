"""Soundfont discovery, preset inspection and MIDI rendering (fluidsynth / timidity).

Two kinds of instrument banks are supported:

* SoundFont 2/3 files rendered with the ``fluidsynth`` CLI (FluidR3_GM, TimGM6mb, ...).
* The Debian ``freepats`` GUS patch set.  fluidsynth cannot load ``.pat`` files, so it is
  rendered with ``timidity`` when that binary is installed.  Debian's default
  ``/etc/timidity/timidity.cfg`` maps every program to FluidR3 and ``-c freepats.cfg`` only
  overrides what freepats defines, so callers must restrict themselves to
  :attr:`SoundFont.melodic_programs` / :attr:`SoundFont.drum_notes` to stay pure freepats.

Some Debian sound banks are reserved for held-out evaluation and are never used here.
"""

from __future__ import annotations

import logging
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import mido
import numpy as np
import soundfile as sf

log = logging.getLogger(__name__)

SAMPLE_RATE = 44100
SF_DIRS = (Path("/usr/share/sounds/sf2"), Path("/usr/share/sounds/sf3"))
FREEPATS_CFG = Path("/etc/timidity/freepats.cfg")
# Reserved for held-out evaluation: never discovered, loaded or read.
_FORBIDDEN = re.compile(r"hydrogen|musescore", re.IGNORECASE)

SPLITS: dict[str, tuple[str, ...]] = {
    "dev": ("FluidR3_GM",),
    "val": ("TimGM6mb", "freepats"),
}

Renderer = Literal["fluidsynth", "timidity"]


@dataclass(frozen=True)
class SoundFont:
    """A loadable instrument bank and what it contains."""

    name: str
    path: Path
    renderer: Renderer
    melodic_programs: frozenset[int]
    drum_kits: frozenset[int]
    # GM percussion keys present in the (first) drum kit; ``None`` means "all of them".
    drum_notes: frozenset[int] | None = None


def is_reserved(path: Path) -> bool:
    """True for a file of a bank reserved for held-out evaluation (symlinks followed)."""
    return bool(_FORBIDDEN.search(str(path)) or _FORBIDDEN.search(str(path.resolve())))


_is_forbidden = is_reserved


def sf2_presets(path: Path) -> list[tuple[int, int, str]]:
    """Return ``(bank, program, name)`` for every preset of a SoundFont 2 file.

    Only the RIFF chunk headers and the small ``phdr`` chunk are read.  SF3 files share the
    same container so this works for them too.
    """
    with path.open("rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
            raise ValueError(f"{path} is not a SoundFont file")
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                break
            cid, size = struct.unpack("<4sI", chunk)
            if cid != b"LIST":
                f.seek(size + (size & 1), 1)
                continue
            list_type = f.read(4)
            if list_type != b"pdta":
                f.seek(size - 4 + (size & 1), 1)
                continue
            end = f.tell() + size - 4
            while f.tell() < end:
                sid, ssize = struct.unpack("<4sI", f.read(8))
                if sid != b"phdr":
                    f.seek(ssize + (ssize & 1), 1)
                    continue
                raw = f.read(ssize)
                presets = []
                # The last 38-byte record is the terminal "EOP" sentinel.
                for off in range(0, ssize - 38, 38):
                    name, program, bank = struct.unpack("<20sHH", raw[off : off + 24])
                    presets.append((bank, program, name.split(b"\0")[0].decode("latin-1")))
                return presets
    raise ValueError(f"{path}: no preset headers found")


def _freepats_contents(cfg: Path) -> tuple[frozenset[int], frozenset[int]]:
    """Parse a timidity cfg: programs of ``bank 0`` and keys of ``drumset 0``."""
    section: tuple[str, int] | None = None
    tones: set[int] = set()
    drums: set[int] = set()
    for raw_line in cfg.read_text(encoding="latin-1").splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if parts[0] in {"bank", "drumset"} and len(parts) > 1:
            section = (parts[0], int(parts[1]))
        elif parts[0].isdigit() and section is not None and section[1] == 0:
            (tones if section[0] == "bank" else drums).add(int(parts[0]))
    return frozenset(tones), frozenset(drums)


def _probe_midi(path: Path, *, channel: int, program: int, note: int) -> None:
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.Message("program_change", channel=channel, program=program, time=0))
    track.append(mido.Message("note_on", channel=channel, note=note, velocity=110, time=0))
    track.append(mido.Message("note_off", channel=channel, note=note, velocity=0, time=240))
    mid.save(str(path))


def _loads(font: SoundFont) -> bool:
    """Render one piano note and one kick and check that both are audible."""
    program = 0 if 0 in font.melodic_programs else min(font.melodic_programs)
    with tempfile.TemporaryDirectory() as tmp:
        for channel, prog, note in ((0, program, 60), (9, 0, 36)):
            mid = Path(tmp) / "probe.mid"
            wav = Path(tmp) / "probe.wav"
            _probe_midi(mid, channel=channel, program=prog, note=note)
            try:
                audio = render_midi(font, mid, wav)
            except (RuntimeError, OSError) as exc:
                log.warning("soundfont %s failed to render: %s", font.name, exc)
                return False
            if audio.size == 0 or float(np.max(np.abs(audio))) < 1e-4:
                log.warning("soundfont %s rendered silence (channel %d)", font.name, channel + 1)
                return False
    return True


def discover_soundfonts(*, probe: bool = True) -> dict[str, SoundFont]:
    """Find every usable instrument bank on this machine, keyed by name (file stem)."""
    fonts: dict[str, SoundFont] = {}
    seen: set[Path] = set()
    if shutil.which("fluidsynth"):
        for directory in SF_DIRS:
            if not directory.is_dir():
                continue
            for path in sorted([*directory.glob("*.sf2"), *directory.glob("*.sf3")]):
                if _is_forbidden(path):
                    continue
                real = path.resolve()
                if real in seen or not real.is_file():
                    continue
                seen.add(real)
                try:
                    presets = sf2_presets(real)
                except (OSError, ValueError, struct.error) as exc:
                    log.warning("cannot read presets of %s: %s", real, exc)
                    continue
                fonts[real.stem] = SoundFont(
                    name=real.stem,
                    path=real,
                    renderer="fluidsynth",
                    melodic_programs=frozenset(p for b, p, _ in presets if b == 0),
                    drum_kits=frozenset(p for b, p, _ in presets if b == 128),
                )
    else:
        log.warning("fluidsynth not found on PATH: no .sf2/.sf3 soundfonts available")
    if FREEPATS_CFG.is_file():
        if shutil.which("timidity"):
            tones, drums = _freepats_contents(FREEPATS_CFG)
            fonts["freepats"] = SoundFont(
                name="freepats",
                path=FREEPATS_CFG,
                renderer="timidity",
                melodic_programs=tones,
                drum_kits=frozenset({0}),
                drum_notes=drums,
            )
        else:
            log.warning(
                "freepats is installed but is a GUS-patch set that fluidsynth cannot load; "
                "install timidity to use it"
            )
    if probe:
        fonts = {name: font for name, font in fonts.items() if _loads(font)}
    return fonts


def fonts_for_split(
    split: str, available: dict[str, SoundFont], *, allow_partial: bool = False
) -> list[SoundFont]:
    """The banks of ``split``. A missing one changes the corpus (val without freepats is
    TimGM6mb alone, and every figure moves), so it is an error unless ``allow_partial``."""
    wanted = SPLITS[split]
    chosen = [available[name] for name in wanted if name in available]
    missing = [name for name in wanted if name not in available]
    if missing and not allow_partial:
        raise RuntimeError(
            f"split {split!r}: soundfont(s) not available: {', '.join(missing)} (freepats "
            "needs timidity: apt-get install freepats timidity); --allow-partial renders "
            "without them, but the corpus, and every figure on it, is then a different one"
        )
    if missing:
        log.warning("split %r: soundfont(s) not available, skipped: %s", split, ", ".join(missing))
    if not chosen:
        raise RuntimeError(f"split {split!r}: none of {wanted} could be loaded")
    return chosen


def render_midi(font: SoundFont, midi_path: Path, wav_path: Path) -> np.ndarray:
    """Render ``midi_path`` with ``font``; return float32 audio of shape (frames, 2)."""
    if font.renderer == "fluidsynth":
        cmd = [
            "fluidsynth",
            "-ni",
            "-q",
            "-g",
            "0.6",
            "-r",
            str(SAMPLE_RATE),
            "-O",
            "float",
            "-F",
            str(wav_path),
            str(font.path),
            str(midi_path),
        ]
    else:
        cmd = [
            "timidity",
            "-c",
            str(font.path),
            "-Ow",
            "--output-stereo",
            "--output-24bit",
            "-s",
            str(SAMPLE_RATE),
            "-o",
            str(wav_path),
            str(midi_path),
        ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
    if proc.returncode != 0 or not wav_path.is_file():
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    audio, sr = sf.read(str(wav_path), dtype="float32", always_2d=True)
    if sr != SAMPLE_RATE:
        raise RuntimeError(f"{cmd[0]} rendered at {sr} Hz instead of {SAMPLE_RATE}")
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    return np.asarray(audio, dtype=np.float32)
