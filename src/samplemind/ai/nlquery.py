"""Natural language → the query language, without a model for the common phrasings.

:func:`parse_natural` reads what producers type ("dark 808 in F minor around 140", "punchy kicks
under 200 ms", "lo-fi loops between 80 and 90 bpm without vocals") with fixed rules and returns a
query in the query language (docs/query-language.md) plus the words it did not understand. When
every word is understood no model is asked; otherwise the service asks one (the ``query`` task)
and checks its answer with the real parser, asking again when it does not parse.

The rules, in the order they consume text:

================================  ============================================
phrase                            query
================================  ============================================
like 42 / similar to #42          ``like:42``
between 120 and 128 (bpm)         ``bpm:120..128``
around / about / ~ 140            ``bpm:~140`` (±3 %, half and double time too)
faster than / over / above 140    ``bpm:>140`` (``at least``: ``>=``)
slower than / under / below 90    ``bpm:<90`` (a number 40–300 with no unit is a tempo)
140 bpm / at 140                  ``bpm:140``
under 2 s / shorter than 500 ms   ``dur:<2s`` / ``dur:<500ms`` (longer than: ``>``)
4 bars / 4-bar                    ``bars:4``
in F minor / F#m / Bb major       ``key:Fm`` / ``key:F#m`` / ``key:A#`` (``in A``: major)
8A (Camelot)                      ``key:8A``
compatible with / mixes with Am   ``key:~Am``
minor key / major                 ``key:minor`` / ``key:major``
loop(s) / one-shot(s), hits       ``is:loop`` / ``is:oneshot``
favourites, favs, starred         ``fav:yes``
without / no / not vocals         ``-vocal``
mono / stereo, 24 bit, 48k, wav   ``channels:``, ``bits:``, ``rate:``, ``format:``
kick, snare, 808, dark, dusty …   free text (synonyms folded: kicks → kick, hats → hihat)
kicks or snares                   ``(kick OR snare)``
================================  ============================================

Sound words are free text rather than ``type:`` so they match file names, folders and tags
(filename tags, AI tags) whether or not the type classifier has run.

Example:
    >>> parse_natural("dark 808 in F minor around 140").query
    'dark 808 key:Fm bpm:~140'
    >>> parse_natural("warm pads for my intro").unknown
    ('intro',)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from samplemind.library.tagging import VOCABULARY

__all__ = ["SOUND_WORDS", "NlParse", "parse_natural"]

#: Synonyms folded before matching (plural and shorthand → the tag name the library uses).
_FOLD: dict[str, str] = {
    "kicks": "kick",
    "snares": "snare",
    "claps": "clap",
    "hat": "hihat",
    "hats": "hihat",
    "hihats": "hihat",
    "hi-hat": "hihat",
    "hi-hats": "hihat",
    "toms": "tom",
    "cymbals": "cymbal",
    "crashes": "crash",
    "rides": "ride",
    "percs": "perc",
    "percussions": "percussion",
    "808s": "808",
    "basses": "bass",
    "basslines": "bassline",
    "pads": "pad",
    "leads": "lead",
    "plucks": "pluck",
    "synths": "synth",
    "chords": "chord",
    "stabs": "stab",
    "arps": "arp",
    "bells": "bell",
    "guitars": "guitar",
    "chops": "chop",
    "vox": "vocal",
    "vocals": "vocal",
    "voices": "vocal",
    "voice": "vocal",
    "risers": "riser",
    "impacts": "impact",
    "sweeps": "sweep",
    "textures": "texture",
    "breaks": "break",
    "fills": "fill",
    "grooves": "groove",
    "lofi": "lo-fi",
    "hiphop": "hip-hop",
    "analogue": "analog",
    "drum": "drums",
}

#: Words understood as free text: sound types and instruments, genres, moods, character.
SOUND_WORDS: frozenset[str] = VOCABULARY | frozenset(
    """
    crash ride perc shaker conga bongo rim rimshot cowbell triangle tambourine snap
    bassline sub reese piano rhodes organ wurlitzer bell bells mallet marimba kalimba
    stab chop chant choir violin cello horn sax trumpet flute riser impact sweep noise texture
    drone atmosphere foley
    hip-hop boom-bap drill grime garage jungle dubstep edm pop rnb soul funk jazz disco
    afrobeat amapiano reggaeton phonk trance synthwave cinematic orchestral
    chill happy sad aggressive mellow dreamy eerie epic uplifting moody melancholic
    gritty dusty crunchy boomy snappy crispy metallic glassy lush thin wide huge
    saturated tape vinyl reversed filtered muted plucked
    """.split()  # noqa: SIM905
)
_INSTRUMENTS = frozenset(
    """
    kick snare clap hihat tom cymbal crash ride perc percussion shaker 808 bass bassline sub
    keys piano rhodes organ pad lead pluck synth strings brass-wind guitar vocal fx riser
    impact chord stab arp bell drums break fill groove top
    """.split()  # noqa: SIM905
)
_FILLER = frozenset(
    """
    a an the some any me find show give get search searching looking look for i i'm im need
    want with in at of that which is are please something sample samples sound sounds file
    files and to on from by kind sort good nice cool really very bit little key keys bpm tempo
    like can you could would got have has just also one ones only all my our your am
    mood vibe vibes feel feeling style
    """.split()  # noqa: SIM905
)

_CONNECTORS = frozenset({"or", "and", ",", "/", "&", "+"})
_NUMBER = r"(\d{2,3}(?:\.\d+)?)"
_DUR_UNITS = {
    "ms": "ms",
    "millisecond": "ms",
    "milliseconds": "ms",
    "s": "s",
    "sec": "s",
    "secs": "s",
    "second": "s",
    "seconds": "s",
    "min": "min",
    "mins": "min",
    "minute": "min",
    "minutes": "min",
}
_DUR = r"(\d+(?:\.\d+)?)\s*(ms|milliseconds?|secs?|seconds?|s|mins?|minutes?)\b"
_LESS = r"(?:shorter than|less than|under|below|within|<)"
_MORE = r"(?:longer than|more than|over|above|>)"
_ACC = {"#": "#", "♯": "#", "sharp": "#", "b": "b", "♭": "b", "flat": "b"}
_MODE = r"(major|minor|maj|min|m)"


@dataclass(frozen=True)
class NlParse:
    """What the rules made of a phrase: the query, and the words left over."""

    text: str
    query: str
    unknown: tuple[str, ...]

    @property
    def understood(self) -> bool:
        return not self.unknown


def _key(letter: str, accidental: str | None, mode: str | None) -> str:
    note = letter.upper() + _ACC.get((accidental or "").strip().lower(), "")
    minor = (mode or "").lower() in ("m", "min", "minor")
    return note + ("m" if minor else "")


def _tempo(value: str) -> bool:
    return 40 <= float(value) <= 300


class _Reader:
    """Consumes spans of the phrase by rule, collecting query terms in order."""

    def __init__(self, text: str) -> None:
        self.original = " " + re.sub(r"\s+", " ", text.strip()) + " "
        self.text = self.original.lower()
        self.fields: list[tuple[int, str]] = []  # (where in the text, term)

    def take(
        self, pattern: str, make: Callable[[re.Match[str]], str | None], *, case: bool = False
    ) -> None:
        source = self.original if case else self.text
        for match in list(re.finditer(pattern, source, 0 if case else re.IGNORECASE)):
            span = self.text[match.start() : match.end()]
            if "\0" in span:
                continue  # part of it was consumed by an earlier rule
            term = make(match)
            if term is None:
                continue
            self.fields.append((match.start(), term))
            blank = "\0" * (match.end() - match.start())
            self.text = self.text[: match.start()] + blank + self.text[match.end() :]
            self.original = self.original[: match.start()] + blank + self.original[match.end() :]


def parse_natural(text: str) -> NlParse:
    """Read a natural-language request with fixed rules (see the module docstring)."""
    r = _Reader(text)
    # Similarity.
    r.take(
        r"\b(?:similar to|sounds? like|like)\s+(?:sample\s+)?#?(\d+)\b", lambda m: f"like:{m[1]}"
    )
    # Durations (units first, so "under 2 s" is never a tempo).
    r.take(rf"\b{_LESS}\s*{_DUR}", lambda m: f"dur:<{m[1]}{_DUR_UNITS[m[2].lower()]}")
    r.take(rf"\b{_MORE}\s*{_DUR}", lambda m: f"dur:>{m[1]}{_DUR_UNITS[m[2].lower()]}")
    r.take(rf"\b{_DUR}\s*long\b", lambda m: f"dur:{m[1]}{_DUR_UNITS[m[2].lower()]}")
    # Tempo.
    r.take(
        rf"\b(?:between|from)\s+{_NUMBER}\s*(?:and|to|-)\s*{_NUMBER}\s*(?:bpm)?",
        lambda m: f"bpm:{m[1]}..{m[2]}" if float(m[1]) <= float(m[2]) else f"bpm:{m[2]}..{m[1]}",
    )
    r.take(rf"\b{_NUMBER}\s*(?:-|to)\s*{_NUMBER}\s*bpm\b", lambda m: f"bpm:{m[1]}..{m[2]}")
    r.take(
        rf"(?:\b(?:around|about|approx(?:imately)?|roughly|near|circa)\s*|~\s*){_NUMBER}"
        r"(?:\s*bpm)?\b",
        lambda m: f"bpm:~{m[1]}" if _tempo(m[1]) else None,
    )
    r.take(
        rf"\b(?:at least)\s*{_NUMBER}(?:\s*bpm)?\b",
        lambda m: f"bpm:>={m[1]}" if _tempo(m[1]) else None,
    )
    r.take(
        rf"\b(?:at most)\s*{_NUMBER}(?:\s*bpm)?\b",
        lambda m: f"bpm:<={m[1]}" if _tempo(m[1]) else None,
    )
    r.take(
        rf"\b(?:faster than|quicker than|above|over|more than|>)\s*{_NUMBER}(?:\s*bpm)?\b",
        lambda m: f"bpm:>{m[1]}" if _tempo(m[1]) else None,
    )
    r.take(
        rf"\b(?:slower than|below|under|less than|<)\s*{_NUMBER}(?:\s*bpm)?\b",
        lambda m: f"bpm:<{m[1]}" if _tempo(m[1]) else None,
    )
    r.take(rf"\b(?:at\s+)?{_NUMBER}\s*bpm\b", lambda m: f"bpm:{m[1]}")
    r.take(rf"\bat\s+{_NUMBER}\b", lambda m: f"bpm:{m[1]}" if _tempo(m[1]) else None)
    # Bars.
    r.take(r"\b(\d{1,2})[\s-]*bars?\b", lambda m: f"bars:{m[1]}")
    # Keys: compatible first, then spelled out, then compact (Fm, F#m: a capital or "in").
    note = r"([a-g])(?:\s*(#|♯|sharp|♭|flat)|(b)(?=\s*(?:maj|min|m\b|major|minor)))?"
    r.take(
        rf"\b(?:compatible with|mixes? with|harmoni[sz]es? with|goes with)\s+(?:the\s+)?"
        rf"(?:key\s+of\s+)?{note}\s*{_MODE}?\b",
        lambda m: f"key:~{_key(m[1], m[2] or m[3], m[4])}",
    )
    r.take(
        r"\b(?:compatible with|mixes? with)\s+(1[0-2]|[1-9])([ab])\b",
        lambda m: f"key:~{m[1]}{m[2].upper()}",
    )
    r.take(
        rf"\b(?:in\s+(?:the\s+key\s+of\s+)?)?{note}\s+(major|minor)\b",
        lambda m: f"key:{_key(m[1], m[2] or m[3], m[4])}",
    )
    # "in A" needs a capital (or a mode, or "key of"): "loops in a dark mood" is no key.
    r.take(
        r"\b(?i:in\s+)(?i:the\s+key\s+of\s+)?([A-Ga-g])(#|♯|b|♭)?(?i:(m|maj|min))?(?![\w#])",
        lambda m: (
            f"key:{_key(m[1], m[2], m[3])}"
            if m[1].isupper() or m[3] or "key of" in m[0].lower()
            else None
        ),
        case=True,
    )
    r.take(
        r"\b([A-G])(#|♯|b|♭)?(m|min|maj)(?![\w#])",
        lambda m: f"key:{_key(m[1], m[2], m[3])}",
        case=True,
    )
    r.take(r"\b(1[0-2]|[1-9])([ab])\b", lambda m: f"key:{m[1]}{m[2].upper()}")
    r.take(r"\b(?:in\s+(?:a\s+)?)?(minor|major)(?:\s+keys?)?\b", lambda m: f"key:{m[1].lower()}")
    # Shape, favourites, format.
    r.take(r"\bone[\s-]?shots?\b|\bsingle hits?\b|\bhits\b|\bshots\b", lambda m: "is:oneshot")
    r.take(r"\bloops?\b|\blooped\b", lambda m: "is:loop")
    r.take(r"\b(?:my\s+)?(?:favou?rites?|favs?|starred|faves?)\b", lambda m: "fav:yes")
    r.take(r"\b(mono|stereo)\b", lambda m: f"channels:{m[1].lower()}")
    r.take(r"\b(16|24|32)[\s-]?bits?\b", lambda m: f"bits:{m[1]}")
    r.take(r"\b(44\.1|48|88\.2|96|192)\s*k(?:hz)?\b", lambda m: f"rate:{m[1]}k")
    r.take(r"\b(wav|aiff?|flac|mp3|ogg)\b(?:\s+files?)?", lambda m: f"format:{m[1].lower()}")

    words: list[str] = []
    unknown: list[str] = []
    pending: list[str] = []  # sound words joined by or/and/","
    connect = negate = False

    def flush() -> None:
        if len(pending) > 1:
            words.append("(" + " OR ".join(dict.fromkeys(pending)) + ")")
        elif pending:
            words.append(pending[0])
        pending.clear()

    tokens = [
        t.strip("'").lower() for t in re.findall(r"[\w#'-]+|[,/&+]", r.text.replace("\0", " "))
    ]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if i < len(tokens) and (token, tokens[i]) in (
            ("lo", "fi"),
            ("hip", "hop"),
            ("boom", "bap"),
        ):
            token, i = f"{token}-{tokens[i]}", i + 1
        if token in ("no", "without", "not", "minus", "except", "excluding"):
            negate = True
            continue
        if token in _CONNECTORS:
            connect = bool(pending)
            continue
        word = _FOLD.get(token, token)
        if word in SOUND_WORDS:
            if negate:
                words.append(f"-{word}")
            elif word in _INSTRUMENTS:
                if not connect:
                    flush()
                pending.append(word)
            else:
                flush()
                words.append(word)
            connect = negate = False
            continue
        if token in _FILLER:
            continue
        flush()
        connect = negate = False
        unknown.append(token)
    flush()
    query = " ".join([*words, *(term for _, term in sorted(r.fields))])
    return NlParse(text=text, query=query, unknown=tuple(dict.fromkeys(unknown)))
