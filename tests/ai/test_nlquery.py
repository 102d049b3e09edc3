"""The deterministic natural-language parser: many phrasings, each a query that parses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samplemind.ai.nlquery import parse_natural
from samplemind.search.parse import parse_query

CASES = [
    ("dark 808 in F minor around 140", "dark 808 key:Fm bpm:~140"),
    ("punchy kicks under 200 ms", "punchy kick dur:<200ms"),
    ("lo-fi loops between 80 and 90 bpm without vocals", "lo-fi -vocal is:loop bpm:80..90"),
    ("lo fi hats", "lo-fi hihat"),
    ("kicks or snares", "(kick OR snare)"),
    ("kick and snare one shots", "(kick OR snare) is:oneshot"),
    ("kick snare hat", "kick snare hihat"),
    ("something like 42", "like:42"),
    ("sounds like #7", "like:7"),
    ("loops in Am at 128", "is:loop key:Am bpm:128"),
    ("F# minor bass loop", "bass key:F#m is:loop"),
    ("bright hats faster than 150", "bright hihat bpm:>150"),
    ("pads slower than 90", "pad bpm:<90"),
    ("at least 170 bpm breaks", "break bpm:>=170"),
    ("vocal chops in the key of Eb", "vocal chop key:Eb"),
    ("samples compatible with 8A", "key:~8A"),
    ("mellow rhodes chords compatible with Am", "mellow rhodes chord key:~Am"),
    ("sub bass that mixes with 8A", "sub bass key:~8A"),
    ("my favourite claps", "clap fav:yes"),
    ("starred percs", "perc fav:yes"),
    ("4 bar drum loops at 174 bpm", "drums bars:4 is:loop bpm:174"),
    ("Bb major chords", "chord key:Bb"),
    ("a minor piano loop", "piano key:Am is:loop"),
    ("stereo 24 bit wav pads", "pad channels:stereo bits:24 format:wav"),
    ("mono 48k fx", "fx channels:mono rate:48k"),
    ("in C", "key:C"),
    ("Am", "key:Am"),
    ("minor key pads", "pad key:minor"),
    ("I am looking for a kick", "kick"),
    ("hip hop drums 90 bpm", "hip-hop drums bpm:90"),
    ("dusty boom bap breaks slower than 95", "dusty boom-bap break bpm:<95"),
    ("shorter than 1.5 seconds", "dur:<1.5s"),
    ("fx longer than 2 s", "fx dur:>2s"),
    ("not distorted 808s", "-distorted 808"),
    ("trap hats 140-150 bpm", "trap hihat bpm:140..150"),
    ("between 128 and 120", "bpm:120..128"),
    ("~ 100 bpm grooves", "groove bpm:~100"),
    ("loops in a dark mood", "dark is:loop"),  # "in a" is not a key
    ("show me some warm pads please", "warm pad"),
]


@pytest.mark.parametrize(("text", "query"), CASES, ids=[c[0] for c in CASES])
def test_common_phrasings(text: str, query: str) -> None:
    result = parse_natural(text)
    assert result.query == query
    assert result.understood, result.unknown
    parse_query(result.query)  # always valid query language


@pytest.mark.parametrize(
    ("text", "query", "unknown"),
    [
        ("warm pads for my intro", "warm pad", ("intro",)),
        ("gm 808", "808", ("gm",)),
        ("in g", "", ("g",)),  # a lower-case bare note is not trusted as a key
        ("something that sounds like a rainy night", "", ("rainy", "night")),
    ],
)
def test_what_the_rules_do_not_understand_is_reported(
    text: str, query: str, unknown: tuple[str, ...]
) -> None:
    result = parse_natural(text)
    assert (result.query, result.unknown) == (query, unknown)
    assert not result.understood


@given(st.text(max_size=80))
def test_any_text_gives_a_query_that_parses(text: str) -> None:
    parse_query(parse_natural(text).query)
