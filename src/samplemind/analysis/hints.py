"""Priors written by people: BPM and key in file names and in embedded metadata.

Sample packs name files like ``Loop_128_Am.wav``, ``140bpm``, ``F#min`` and often carry an ACID
chunk (WAV) or ID3/Vorbis ``TBPM``/``TKEY`` tags. These are strong priors that the tempo and key
analyzers weigh against the audio; every value keeps its :class:`~samplemind.domain.Source`.

Example:
    >>> h = parse_filename("Loop_128_Am.wav")
    >>> (h.bpm, h.bpm_explicit, str(h.key))
    (128.0, False, 'A minor')
    >>> parse_filename("dark pad 140bpm F#min.flac").bpm
    140.0
"""

from __future__ import annotations

import logging
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from samplemind.domain.analysis import Source
from samplemind.domain.music import Mode, MusicalKey, parse_pitch_class

__all__ = ["Hints", "parse_filename", "read_acid_chunk", "read_hints", "read_tags"]

log = logging.getLogger(__name__)

MIN_BPM = 40.0
MAX_BPM = 300.0

_BPM_EXPLICIT = re.compile(
    r"(?<![\d.])(\d{2,3}(?:\.\d{1,2})?)\s*[-_ ]?\s*bpm(?![a-z])"  # "128bpm", "87.5 BPM"
    r"|bpm\s*[-_ ]?\s*(\d{2,3}(?:\.\d{1,2})?)(?![\d.])",  # "BPM_95"
    re.IGNORECASE,
)
_SPLIT = re.compile(r"[\s_\-.()\[\]{},;+&]+")
_BARE_NUMBER = re.compile(r"^\d{2,3}$")
_KEY_TOKEN = re.compile(r"^([A-G])(#|b|♯|♭|sharp|flat)?(m|min|minor|maj|major|M)?$")
_MODE_WORD = {"major": Mode.MAJOR, "maj": Mode.MAJOR, "minor": Mode.MINOR, "min": Mode.MINOR}
_ONE_SHOT_WORDS = frozenset({"oneshot", "one", "shot", "hit", "oneshots", "single", "os"})
_LOOP_WORDS = frozenset({"loop", "loops", "lp", "groove", "beat"})


@dataclass(frozen=True)
class Hints:
    """What a name or tag says. ``bpm_explicit`` is True when written with ``bpm``."""

    bpm: float | None = None
    bpm_source: Source | None = None
    bpm_explicit: bool = False
    key: MusicalKey | None = None
    key_source: Source | None = None
    says_loop: bool | None = None

    def merged(self, other: Hints) -> Hints:
        """``self`` wins; ``other`` fills the gaps."""
        take_bpm = self.bpm is None
        take_key = self.key is None
        return Hints(
            bpm=other.bpm if take_bpm else self.bpm,
            bpm_source=other.bpm_source if take_bpm else self.bpm_source,
            bpm_explicit=other.bpm_explicit if take_bpm else self.bpm_explicit,
            key=other.key if take_key else self.key,
            key_source=other.key_source if take_key else self.key_source,
            says_loop=self.says_loop if self.says_loop is not None else other.says_loop,
        )


def _key_from_tokens(tokens: list[str]) -> MusicalKey | None:
    for i, token in enumerate(tokens):
        match = _KEY_TOKEN.match(token)
        if not match:
            continue
        letter, accidental, mode_text = match.groups()
        following = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
        if mode_text is None and following in _MODE_WORD:
            mode = _MODE_WORD[following]
        elif mode_text is not None:
            mode = Mode.MAJOR if mode_text in {"maj", "major", "M"} else Mode.MINOR
        elif accidental:
            mode = Mode.MAJOR  # "Bb", "C#": an accidental makes a lone letter a key
        else:
            continue  # a lone capital letter ("Kick A") is too ambiguous
        accidental = {"sharp": "#", "flat": "b", "♯": "#", "♭": "b"}.get(
            accidental or "", accidental or ""
        )
        try:
            return MusicalKey(tonic=parse_pitch_class(letter + accidental), mode=mode)
        except ValueError:  # pragma: no cover - regex admits only valid letters
            continue
    return None


def parse_filename(name: str) -> Hints:
    """BPM and key written in a file name (the stem; folders are not read)."""
    stem = Path(name).stem
    bpm: float | None = None
    explicit = False
    match = _BPM_EXPLICIT.search(stem)
    if match:
        value = float(match.group(1) or match.group(2))
        if MIN_BPM <= value <= MAX_BPM:
            bpm, explicit = value, True
    tokens = [t for t in _SPLIT.split(stem) if t]
    lowered = {t.lower() for t in tokens}
    if bpm is None:
        for token in tokens:
            if _BARE_NUMBER.match(token) and 60 <= int(token) <= 200:
                bpm = float(token)
                break
    says_loop: bool | None = None
    if lowered & _LOOP_WORDS:
        says_loop = True
    elif lowered & _ONE_SHOT_WORDS or "oneshot" in stem.lower().replace("-", "").replace("_", ""):
        says_loop = False
    key = _key_from_tokens(tokens)
    return Hints(
        bpm=bpm,
        bpm_source=Source.FILENAME if bpm is not None else None,
        bpm_explicit=explicit,
        key=key,
        key_source=Source.FILENAME if key is not None else None,
        says_loop=says_loop,
    )


def read_acid_chunk(path: Path) -> tuple[float | None, bool | None]:
    """``(tempo_bpm, is_one_shot)`` from a WAV file's ACID chunk, reading chunk headers only."""
    try:
        with path.open("rb") as fh:
            header = fh.read(12)
            if len(header) < 12 or header[:4] not in (b"RIFF", b"RF64") or header[8:12] != b"WAVE":
                return None, None
            for _ in range(64):  # bounded: a hostile file cannot loop us
                chunk = fh.read(8)
                if len(chunk) < 8:
                    return None, None
                chunk_id, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if chunk_id == b"acid":
                    body = fh.read(24)
                    if len(body) < 24:
                        return None, None
                    flags = struct.unpack("<I", body[:4])[0]
                    tempo = struct.unpack("<f", body[20:24])[0]
                    bpm = float(tempo) if MIN_BPM <= tempo <= MAX_BPM else None
                    return bpm, bool(flags & 0x01)
                fh.seek(size + (size & 1), 1)
    except OSError:
        return None, None
    return None, None


def read_tags(path: Path) -> Hints:
    """BPM/key from ID3 (``TBPM``/``TKEY``), Vorbis/FLAC comments and the WAV ACID chunk."""
    bpm: float | None = None
    key: MusicalKey | None = None
    says_loop: bool | None = None
    try:
        import mutagen

        tagged = mutagen.File(path)
    except Exception as exc:  # mutagen raises many types on hostile data; tags are optional
        log.debug("%s: no readable tags (%s)", path.name, exc)
        tagged = None
    if tagged is not None and tagged.tags is not None:
        tags = tagged.tags
        bpm = _first_number(_values(tags, ("TBPM", "BPM", "bpm", "TEMPO", "tempo", "tmpo")))
        for text in _values(tags, ("TKEY", "KEY", "key", "INITIALKEY", "initialkey")):
            try:
                key = MusicalKey.parse(text)
                break
            except ValueError:
                continue
    if path.suffix.lower() in {".wav", ".wave"}:
        acid_bpm, one_shot = read_acid_chunk(path)
        bpm = bpm if bpm is not None else acid_bpm
        says_loop = None if one_shot is None else not one_shot
    return Hints(
        bpm=bpm,
        bpm_source=Source.METADATA if bpm is not None else None,
        bpm_explicit=bpm is not None,
        key=key,
        key_source=Source.METADATA if key is not None else None,
        says_loop=says_loop,
    )


def _values(tags: object, names: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    getter = getattr(tags, "get", None)
    if getter is None:
        return found
    for name in names:
        value = getter(name)
        if value is None:
            continue
        items = getattr(value, "text", value)
        if isinstance(items, str | bytes | int | float):
            items = [items]
        found.extend(str(item) for item in items)
    return found


def _first_number(values: list[str]) -> float | None:
    for text in values:
        try:
            value = float(text.strip())
        except ValueError:
            continue
        if MIN_BPM <= value <= MAX_BPM:
            return value
    return None


def read_hints(path: str | Path) -> Hints:
    """Metadata first (a tool or a person set it on purpose), then the file name."""
    path = Path(path)
    return read_tags(path).merged(parse_filename(path.name))
