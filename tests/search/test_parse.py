"""The query language: trees, musical expansions, errors with positions, printing back."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from samplemind.domain.music import MusicalKey
from samplemind.domain.query import (
    And,
    Flag,
    HasTag,
    InCollection,
    Not,
    OneOf,
    Or,
    PathContains,
    Range,
    SearchQuery,
    SortKey,
    TextTerm,
)
from samplemind.errors import QuerySyntaxError
from samplemind.search import format_query, parse_query
from samplemind.search.parse import ASPECTS, FIELDS


def where(text: str) -> object:
    return parse_query(text).where


# --- free text and structure ---------------------------------------------------------------


def test_empty_query_matches_everything() -> None:
    assert parse_query("") == SearchQuery()
    assert parse_query("   \t\n") == SearchQuery()


def test_free_text_is_words_anded() -> None:
    assert where("kick") == TextTerm("kick")
    assert where("Dark KICK") == And((TextTerm("dark"), TextTerm("kick")))
    assert where("DarkKick_01.WAV") == And(
        (TextTerm("dark"), TextTerm("kick"), TextTerm("01"), TextTerm("wav"))
    )
    assert where("lo-fi") == And((TextTerm("lo"), TextTerm("fi")))
    assert where("Café") == TextTerm("cafe")


def test_quotes_make_text_literal() -> None:
    assert where('"lo fi"') == And((TextTerm("lo"), TextTerm("fi")))
    assert where('"OR" "type:kick"') == And((TextTerm("or"), TextTerm("type"), TextTerm("kick")))
    assert where('say "unclosed quote') == And(
        (TextTerm("say"), TextTerm("unclosed"), TextTerm("quote"))
    )


def test_punctuation_only_text_is_ignored() -> None:
    assert where("* ^ --") is None
    assert where("kick OR *") == TextTerm("kick")
    assert where("-*") is None
    assert where("(*) kick") == TextTerm("kick")


def test_or_binds_tighter_than_and() -> None:
    kick, snare, dark = TextTerm("kick"), TextTerm("snare"), TextTerm("dark")
    assert where("kick OR snare") == Or((kick, snare))
    assert where("kick | snare") == Or((kick, snare))
    assert where("kick|snare") == Or((kick, snare))
    assert where("kick OR snare dark") == And((Or((kick, snare)), dark))
    assert where("dark kick OR snare") == And((dark, Or((kick, snare))))
    assert where("kick AND snare OR dark") == And((kick, Or((snare, dark))))
    assert where("kick or snare") == And((kick, TextTerm("or"), snare))  # only upper case


def test_parentheses_group_and_flatten() -> None:
    kick, snare, dark = TextTerm("kick"), TextTerm("snare"), TextTerm("dark")
    assert where("(kick OR snare) dark") == And((Or((kick, snare)), dark))
    assert where("kick (snare dark)") == And((kick, snare, dark))
    assert where("(kick OR snare) OR dark") == Or((kick, snare, dark))
    assert where("((kick))") == kick


def test_negation() -> None:
    assert where("-kick") == Not(TextTerm("kick"))
    assert where("NOT kick") == Not(TextTerm("kick"))
    assert where("--kick") == TextTerm("kick")
    assert where("-(kick OR snare)") == Not(Or((TextTerm("kick"), TextTerm("snare"))))
    assert where("-tag:vocal") == Not(HasTag("vocal"))
    assert where('-"lo fi"') == Not(And((TextTerm("lo"), TextTerm("fi"))))
    assert where("a - b") == And((TextTerm("a"), TextTerm("b")))  # a lone dash is text
    assert where("lo-fi -x") == And((TextTerm("lo"), TextTerm("fi"), Not(TextTerm("x"))))


# --- fields --------------------------------------------------------------------------------


def test_numeric_comparisons() -> None:
    assert where("bpm:120..128") == Range("bpm", 120, 128)
    assert where("bpm:<100") == Range("bpm", high=100, high_open=True)
    assert where("bpm:<=100") == Range("bpm", high=100)
    assert where("bpm:>90") == Range("bpm", low=90, low_open=True)
    assert where("bpm:>=90") == Range("bpm", low=90)
    assert where("bpm:90..") == Range("bpm", low=90)
    assert where("bpm:..100") == Range("bpm", high=100)
    assert where("bpm:..") == Range("bpm")
    assert where("bpm:=120") == Range("bpm", 120, 120)
    assert where("lufs:-14..-8") == Range("loudness_lufs", -14, -8)
    assert where("lufs:<-10") == Range("loudness_lufs", high=-10, high_open=True)
    assert where("BPM:120..128") == where("bpm:120..128")


def test_a_bare_measured_number_means_rounds_to() -> None:
    assert where("bpm:120") == Range("bpm", 119.5, 120.5)
    assert where("bpm:120.5") == Range("bpm", 120.45, 120.55)
    assert where("dur:2") == Range("duration_s", 1.5, 2.5)
    # Counted values are exact.
    assert where("bars:4") == Range("bars", 4, 4)
    assert where("bits:24") == Range("bit_depth", 24, 24)


def test_units() -> None:
    assert where("dur:<2") == Range("duration_s", high=2, high_open=True)
    assert where("dur:<500ms") == Range("duration_s", high=0.5, high_open=True)
    assert where("dur:<2s") == Range("duration_s", high=2, high_open=True)
    assert where("dur:500ms") == Range("duration_s", 0.4995, 0.5005)
    assert where("dur:1..2min") == Range("duration_s", 1, 120)
    assert where("rate:44.1k") == Range("sample_rate_hz", 44100, 44100)
    assert where("rate:>=96kHz") == Range("sample_rate_hz", low=96000)
    assert where("size:<1mb") == Range("size_bytes", high=1_000_000, high_open=True)
    assert where("channels:stereo") == Range("channels", 2, 2)
    assert where("peak:>-1dB") == Range("peak_dbfs", low=-1, low_open=True)


def test_tolerant_bpm_covers_half_and_double_time() -> None:
    assert where("bpm:~128") == Or(
        (
            Range("bpm", 124.16, 131.84),
            Range("bpm", 62.08, 65.92),
            Range("bpm", 248.32, 263.68),
        )
    )
    tree = where("bpm:~100|~90")
    assert isinstance(tree, Or)
    assert len(tree.nodes) == 6


def test_keys_by_name_camelot_and_compatible() -> None:
    a_minor = OneOf("key", frozenset({"A minor"}))
    for text in ("key:Am", "key:8A", 'key:"A minor"', "key:amin", "key:8a"):
        assert where(text) == a_minor, text
    compatible = frozenset(k.name for k in MusicalKey.parse("Am").compatible())
    assert compatible == {"A minor", "D minor", "E minor", "C major"}
    assert where("key:~8A") == OneOf("key", compatible)
    assert where("key:~Am") == OneOf("key", compatible)
    assert where("key:Gbm|C") == OneOf("key", frozenset({"F# minor", "C major"}))
    minor = where("key:minor")
    assert isinstance(minor, OneOf)
    assert len(minor.values) == 12
    assert all(value.endswith(" minor") for value in minor.values)


def test_root_notes() -> None:
    assert where("root:F#2") == OneOf("root_note", frozenset({"F#2"}))
    assert where("root:Gb2") == OneOf("root_note", frozenset({"F#2"}))
    any_octave = where("root:F#")
    assert isinstance(any_octave, OneOf)
    assert {"F#-1", "F#0", "F#2", "F#9"} <= any_octave.values
    assert len(any_octave.values) == 11  # MIDI 6..126
    assert where("root:C2..C3") == Range("root_midi", 36, 48)
    assert where("root:<C2") == Range("root_midi", high=36, high_open=True)
    assert where("root:45") == Range("root_midi", 45, 45)


def test_types_formats_states() -> None:
    assert where("type:kick") == OneOf("sample_type", frozenset({"kick"}))
    assert where("type:Kicks") == OneOf("sample_type", frozenset({"kick", "kicks"}))
    assert where("type:crashes") == OneOf("sample_type", frozenset({"crash", "crashes"}))
    assert where("type:bass") == OneOf("sample_type", frozenset({"bass"}))
    assert where("type:kick|snare") == OneOf("sample_type", frozenset({"kick", "snare"}))
    assert where('type:"drum loop"') == OneOf("sample_type", frozenset({"drum loop"}))
    assert where("format:.WAV|flac") == OneOf("format", frozenset({"wav", "flac"}))
    assert where("state:failed") == OneOf("analysis_state", frozenset({"failed"}))
    assert where("camelot:8a") == OneOf("camelot", frozenset({"8A"}))


def test_flags_tags_paths_collections() -> None:
    assert where("is:loop") == Flag("loop")
    assert where("is:oneshot") == where("is:one-shot") == Flag("oneshot")
    assert where("is:fav") == where("fav:yes") == where("favourite:true") == Flag("favourite")
    assert where("fav:no") == Not(Flag("favourite"))
    assert where("tag:Dark") == HasTag("dark")
    assert where('tag:"lo fi"') == HasTag("lo fi")
    assert where("tag.ai:dark") == HasTag("dark", "ai")
    assert where("tag:dark|punchy") == Or((HasTag("dark"), HasTag("punchy")))
    assert where('tag:"say ""hi"""') == HasTag('say "hi"')
    assert where("path:drums/") == PathContains("drums/")
    assert where('path:"My Drums/"') == PathContains("My Drums/")
    assert where('collection:"My Kit"') == InCollection("My Kit")
    assert where("in:Kit") == InCollection("Kit")


def test_missing() -> None:
    assert parse_query("kick").include_missing is False
    only_missing = parse_query("is:missing")
    assert only_missing.where == Flag("missing")
    assert only_missing.include_missing
    assert parse_query("missing:any") == SearchQuery(include_missing=True)
    assert parse_query("missing:no").where == Not(Flag("missing"))


def test_options() -> None:
    q = parse_query("kick like:42 aspect:Timbre sort:-bpm sort:name")
    assert q.where == TextTerm("kick")
    assert q.like == "42"
    assert q.aspect == "timbre"
    assert q.sort == (SortKey("bpm", descending=True), SortKey("name"))
    assert parse_query('like:"/lib/My Drums/kick.wav"').like == "/lib/My Drums/kick.wav"
    assert parse_query("sort:-dur,type").sort == (
        SortKey("duration_s", descending=True),
        SortKey("sample_type"),
    )
    assert parse_query("sort:relevance").sort == (SortKey("relevance"),)


def test_aspects_are_the_vector_index_aspects() -> None:
    spaces = pytest.importorskip("samplemind.index.spaces")
    assert set(ASPECTS) == set(spaces.ASPECTS)


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "length", "says"),
    [
        ("kick foo:bar", 5, 3, 'unknown field "foo:"'),
        ("bmp:120", 0, 3, 'did you mean "bpm:"'),
        ("bpm:12x", 6, 1, 'unknown unit "x"'),
        ("bpm:fast", 4, 4, '"fast" is not a number'),
        ("bpm:128..120", 4, 8, "empty range"),
        ("bpm:1e999", 4, 5, "out of range"),
        ("dur:2h", 5, 1, "valid units: s, sec, ms, min"),
        ("lufs:~-14", 5, 1, '"~" (near) works only with bpm: and key:'),
        ("key:H", 4, 1, '"H" is not a key'),
        ("key:~minor", 4, 6, "is a mode"),
        ("root:X9", 5, 2, "is not a note"),
        ("root:C12", 5, 3, "MIDI range"),
        ("is:big", 3, 3, "valid: is:loop, is:oneshot, is:fav, is:missing"),
        ("fav:maybe", 4, 5, "fav:yes or fav:no"),
        ("state:busy", 6, 4, "pending, done, failed"),
        ("aspect:smell", 7, 5, "timbre, pitch, rhythm, envelope, overall"),
        ("sort:colour", 5, 6, 'sort: "colour" is not a sort field'),
        ("tag.robot:x", 4, 5, 'unknown tag source "robot"'),
        ("path.x:y", 0, 6, "only tag: takes"),
        ("(kick", 0, 1, '"(" is never closed'),
        ("((kick)", 0, 1, '"(" is never closed'),
        ("kick)", 4, 1, 'unmatched ")"'),
        ("a () b", 2, 2, "empty parentheses"),
        ("kick OR", 5, 2, "OR needs a term on both sides"),
        ("OR kick", 0, 2, "OR needs a term before it"),
        ("kick OR OR snare", 5, 2, "both sides"),
        ("kick | ) ", 5, 1, "both sides"),
        ("(kick OR)", 6, 2, "both sides"),
        ("kick AND", 5, 3, "AND needs a term"),
        ("AND kick", 0, 3, "AND needs a term"),
        ("kick -", 5, 1, ""),  # a lone dash is text, not an error
        ("NOT", 0, 3, "must be followed by a term"),
        ("-OR kick", 0, 1, "must be followed by a term"),
        ("bpm:", 0, 4, "bpm: needs a value"),
        ("tag: dark", 0, 4, "no space after the colon"),
        ("type:kick|", 9, 1, "nothing after |"),
        ('tag:""', 4, 2, "needs a tag name"),
        ("kick OR sort:bpm", 8, 8, "cannot be one side of OR"),
        ("-sort:bpm", 1, 8, "cannot be negated"),
        ("(kick sort:bpm)", 6, 8, "outside parentheses"),
        ("like:1 like:2", 7, 6, "like: given twice"),
        ("like:1|2", 6, 1, "takes one value"),
        ("missing:maybe", 8, 5, "missing:yes|no|any"),
    ],
)
def test_errors_point_at_the_token(text: str, position: int, length: int, says: str) -> None:
    if not says:
        parse_query(text)
        return
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(text)
    error = caught.value
    assert says in error.message
    assert (error.position, error.length) == (position, length), error.pointer()
    assert error.query == text
    assert error.code == "query_syntax"


def test_unknown_field_lists_the_valid_ones() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("colour:red")
    for field in FIELDS:
        assert field in caught.value.message
    assert caught.value.pointer() == "colour:red\n^^^^^^"


def test_nesting_is_bounded() -> None:
    with pytest.raises(QuerySyntaxError, match="nested"):
        parse_query("(" * 200 + "kick" + ")" * 200)
    assert where("-" * 5001 + "kick") == Not(TextTerm("kick"))


# --- printing back -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("kick", "kick"),
        ("kick OR snare dark", "(kick OR snare) dark"),
        ("-(a b)", "-(a b)"),
        ('tag:"lo fi" path:"My Drums/"', 'tag:"lo fi" path:"My Drums/"'),
        ("key:~8A", "key:C|Dm|Em|Am"),
        ("key:minor", "key:minor"),
        ("root:Gb root:F#2", "root:F# root:F#2"),
        ("bpm:120", "bpm:119.5..120.5"),
        ("bpm:=120 bars:4", "bpm:=120 bars:4"),
        ("dur:<500ms", "dur:<0.5"),
        ("is:favourite fav:no", "is:fav -is:fav"),
        ("sort:-bpm like:3 aspect:pitch", "like:3 aspect:pitch sort:-bpm"),
        ("missing:any", "missing:any"),
        ('"OR"', "or"),
    ],
)
def test_format_query(text: str, printed: str) -> None:
    query = parse_query(text)
    assert format_query(query) == printed
    assert parse_query(printed) == query


def test_format_handles_hand_built_ranges() -> None:
    query = SearchQuery(where=Range("bpm", 100, 120, low_open=True, high_open=True))
    printed = format_query(query)
    assert printed == "(bpm:>100 bpm:<120)"
    assert parse_query(printed).where == And(
        (Range("bpm", low=100, low_open=True), Range("bpm", high=120, high_open=True))
    )


# --- properties ----------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "kick", "Dark", "lo-fi", "OR", "AND", "NOT", "|", "-", "(", ")", '"', '""', "*", ":",
        "bpm:", "bpm:120", "bpm:~128", "bpm:<=9.5", "bpm:1..2", "bpm:..", "dur:500ms",
        "lufs:-14..-8", "key:Am", "key:~8A", "key:minor|C", "root:F#", "root:C2..C3", "type:kicks",
        "type:kick|snare", "tag:dark", 'tag:"lo fi"', "tag.ai:x", "fav:yes", "fav:no", "is:loop",
        "is:missing", "missing:any", "path:drums/", 'path:"a b"', "collection:Kit", "in:x",
        "like:12", "aspect:timbre", "sort:-bpm", "sort:name,-dur", "format:wav", "state:done",
        "rate:48k", "size:<1mb", "camelot:8A", "channels:mono", "id:3",
    ]
)  # fmt: skip
_QUERY_LIKE = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=12).flatmap(
    lambda parts: st.sampled_from([" ".join(parts), "".join(parts)])
)


def _check(text: str) -> None:
    failure: QuerySyntaxError | None = None
    try:
        query = parse_query(text)
    except QuerySyntaxError as error:
        failure = error
    if failure is not None:
        assert failure.query == text
        assert 0 <= failure.position <= len(text)
        assert failure.length >= 1
        assert failure.position + failure.length <= len(text) + 1
        return
    printed = format_query(query)
    assert parse_query(printed) == query, printed
    assert format_query(parse_query(printed)) == printed


@given(st.text())
@example("'\"; DROP TABLE samples; --")
@example("NEAR(kick) * ^")
@example('"a""b')
@example("-")
@example("bpm:~1e308")
def test_any_text_parses_or_raises_query_syntax_error(text: str) -> None:
    _check(text)


@given(_QUERY_LIKE)
def test_query_like_text_round_trips(text: str) -> None:
    _check(text)
