"""Tags read from file and folder names (source ``filename``).

Sample packs name things well: ``Drums/Kicks/Dark_808_Kick_C.wav`` says kick, 808 and dark. Words
of the file name and its two parent folders that are in a small vocabulary of sound types and
character words become tags; synonyms fold to one name (``hh``/``hat``/``hats`` -> ``hihat``).

Example:
    >>> [t.name for t in filename_tags("/packs/Drums/Hats/Dark_HH_Closed_01.wav")]
    ['closed', 'dark', 'drums', 'hihat']
"""

from __future__ import annotations

from pathlib import PurePath

from samplemind.domain.library import Tag, TagSource
from samplemind.domain.text import words

__all__ = ["VOCABULARY", "filename_tags"]

_SYNONYMS: dict[str, str] = {
    "kicks": "kick",
    "bd": "kick",
    "kik": "kick",
    "snares": "snare",
    "sd": "snare",
    "snr": "snare",
    "claps": "clap",
    "clp": "clap",
    "hh": "hihat",
    "hat": "hihat",
    "hats": "hihat",
    "hihats": "hihat",
    "toms": "tom",
    "cymbals": "cymbal",
    "crash": "cymbal",
    "ride": "cymbal",
    "perc": "percussion",
    "percs": "percussion",
    "shaker": "percussion",
    "conga": "percussion",
    "bongo": "percussion",
    "rim": "percussion",
    "rimshot": "percussion",
    "basses": "bass",
    "sub": "bass",
    "808s": "808",
    "key": "keys",
    "piano": "keys",
    "rhodes": "keys",
    "organ": "keys",
    "pads": "pad",
    "leads": "lead",
    "synth": "synth",
    "synths": "synth",
    "plucks": "pluck",
    "string": "strings",
    "brass": "brass-wind",
    "horn": "brass-wind",
    "horns": "brass-wind",
    "flute": "brass-wind",
    "sax": "brass-wind",
    "guitars": "guitar",
    "gtr": "guitar",
    "vox": "vocal",
    "vocals": "vocal",
    "voice": "vocal",
    "sfx": "fx",
    "riser": "fx",
    "impact": "fx",
    "sweep": "fx",
    "noise": "fx",
    "loops": "loop",
    "oneshot": "one-shot",
    "oneshots": "one-shot",
    "shot": "one-shot",
    "drum": "drums",
    "chords": "chord",
    "arps": "arp",
    "lofi": "lo-fi",
    "analogue": "analog",
    "closed": "closed",
    "open": "open",
}
_WORDS = {
    "kick",
    "snare",
    "clap",
    "hihat",
    "tom",
    "cymbal",
    "percussion",
    "bass",
    "808",
    "keys",
    "pad",
    "lead",
    "pluck",
    "strings",
    "brass-wind",
    "guitar",
    "vocal",
    "fx",
    "loop",
    "one-shot",
    "drums",
    "chord",
    "arp",
    "synth",
    "fill",
    "break",
    "top",
    "groove",
    "dark",
    "bright",
    "warm",
    "punchy",
    "lo-fi",
    "vintage",
    "analog",
    "dirty",
    "clean",
    "hard",
    "soft",
    "deep",
    "acoustic",
    "distorted",
    "wet",
    "dry",
    "tight",
    "fat",
    "heavy",
    "airy",
    "closed",
    "open",
    "short",
    "long",
    "reverse",
    "ambient",
    "trap",
    "house",
    "techno",
    "dnb",
}
#: Every tag name this module can produce.
VOCABULARY: frozenset[str] = frozenset(_WORDS)


def filename_tags(path: str) -> list[Tag]:
    """Tags (source ``filename``) from the file name and its two parent folders, sorted."""
    parts = PurePath(path).parts
    text = " ".join(parts[-3:-1]) + " " + PurePath(path).stem
    found = {_SYNONYMS.get(word, word) for word in words(text)}
    return [Tag(name=name, source=TagSource.FILENAME) for name in sorted(found & VOCABULARY)]
