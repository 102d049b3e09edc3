"""The query language: text in, :class:`~samplemind.domain.query.SearchQuery` out, and back.

A query is free text and ``field:value`` terms, combined with juxtaposition (AND), ``OR`` and
``-`` (NOT), grouped with parentheses. docs/query-language.md lists every field with examples.

Grammar (EBNF; ``space`` is any run of white space)::

    query       = [ space ], [ conjunction ], [ space ] ;
    conjunction = disjunction, { [ space ], [ "AND", space ], disjunction } ;
    disjunction = unary, { [ space ], ( "OR" | "|" ), [ space ], unary } ;
    unary       = ( "-" | "NOT", space ), unary | primary ;
    primary     = "(", [ space ], conjunction, [ space ], ")" | field | text ;
    field       = name, ":", value, { "|", value } ;
    name        = letter, { letter | "_" }, [ ".", letter, { letter } ] ;
    value       = quoted | bare ;
    text        = quoted | word ;
    quoted      = '"', { char - '"' | '""' }, [ '"' ] ;
    bare        = char - ( space | "(" | ")" | "|" ), { char - ( space | "(" | ")" | "|" ) } ;
    word        = bare - '"' ;

* ``OR`` binds tighter than AND, as in web search: ``kick OR snare dark`` is
  ``(kick OR snare) AND dark``. ``OR``, ``AND`` and ``NOT`` are operators only in upper case and
  ``OR`` needs space around it (``|`` does not); quote them (``"OR"``) to search for the word.
* ``-`` negates when it starts a term and something follows it (``-tag:vocal``, ``-(a OR b)``);
  ``lo-fi`` and a lone ``-`` are text.
* ``""`` inside quotes is one quote character; a quote left open runs to the end of the query.
* Free text becomes the words of :func:`~samplemind.domain.text.words`: each must prefix-match a
  word of the sample's name, tags or folder. Text without letters or digits (``*``, ``^``, ``--``)
  is ignored, and so is an operand of ``OR``, ``-`` or parentheses left empty by that.
* ``sort:``, ``like:``, ``aspect:`` and ``missing:any`` set options of the whole query, so they
  must stand at the top level: not inside parentheses, not negated, not an operand of ``OR``.

The parser does the musical thinking so stores see plain comparisons: ``bpm:~128`` is the range
±3% around 128, 64 and 256; ``key:~8A`` the keys compatible with A minor; ``bpm:120`` the BPMs that
round to 120 (119.5..120.5, the precision written; ``bpm:=120`` is exact).

:func:`format_query` prints a query back; parsing what it prints gives the same query.

Example:
    >>> q = parse_query("kick type:kicks bpm:120..128 -tag:vocal sort:-bpm")
    >>> format_query(q)
    'kick type:kick|kicks bpm:120..128 -tag:vocal sort:-bpm'
    >>> parse_query(format_query(q)) == q
    True
    >>> sorted(parse_query("key:~8A").where.values)
    ['A minor', 'C major', 'D minor', 'E minor']
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from samplemind.domain.library import TagSource
from samplemind.domain.music import (
    PITCH_CLASSES,
    Mode,
    MusicalKey,
    midi_to_note_name,
    note_name_to_midi,
    parse_pitch_class,
)
from samplemind.domain.query import (
    And,
    Flag,
    FlagName,
    HasTag,
    InCollection,
    Node,
    Not,
    NumericField,
    OneOf,
    Or,
    PathContains,
    Range,
    SearchQuery,
    SortField,
    SortKey,
    TextField,
    TextTerm,
    walk,
)
from samplemind.domain.text import words
from samplemind.errors import QuerySyntaxError

__all__ = ["ASPECTS", "BPM_TOLERANCE", "FIELDS", "SORT_FIELDS", "format_query", "parse_query"]

#: Relative tolerance of ``bpm:~N`` (applied to N, N/2 and 2N).
BPM_TOLERANCE = Decimal("0.03")

#: Similarity aspects ``aspect:`` accepts (the vector index's aspects).
ASPECTS: tuple[str, ...] = ("timbre", "pitch", "rhythm", "envelope", "overall")

#: ``sort:`` names and the sort field each means.
SORT_FIELDS: Mapping[str, SortField] = {
    "relevance": "relevance",
    "similarity": "similarity",
    "name": "name",
    "path": "path",
    "bpm": "bpm",
    "key": "key",
    "camelot": "camelot",
    "dur": "duration_s",
    "duration": "duration_s",
    "lufs": "loudness_lufs",
    "loudness": "loudness_lufs",
    "peak": "peak_dbfs",
    "type": "sample_type",
    "added": "added_at",
    "size": "size_bytes",
    "id": "id",
    "bars": "bars",
    "root": "root_midi",
    "rate": "sample_rate_hz",
    "bits": "bit_depth",
    "channels": "channels",
}
_SORT_NAMES: Mapping[SortField, str] = {
    "relevance": "relevance",
    "similarity": "similarity",
    "name": "name",
    "path": "path",
    "bpm": "bpm",
    "key": "key",
    "camelot": "camelot",
    "duration_s": "dur",
    "loudness_lufs": "lufs",
    "peak_dbfs": "peak",
    "sample_type": "type",
    "added_at": "added",
    "size_bytes": "size",
    "id": "id",
    "bars": "bars",
    "root_midi": "root",
    "sample_rate_hz": "rate",
    "bit_depth": "bits",
    "channels": "channels",
}

_MAX_DEPTH = 32
_FIELD_RE = re.compile(r"([A-Za-z][A-Za-z_]*(?:\.[A-Za-z]+)?):")
_NUMBER_RE = re.compile(r"([+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)([A-Za-z]*)")
_PLAIN_WORD = re.compile(r"[0-9a-z]+")
_KEYWORDS = {"OR": "or", "AND": "and", "NOT": "not"}
_TRUE = frozenset({"yes", "y", "true", "1", "on"})
_FALSE = frozenset({"no", "n", "false", "0", "off"})
_ONE = Decimal(1)


# --- fields ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Numeric:
    """A numeric field: its column, accepted units (lower case -> factor to the column's unit),
    named values, and whether a bare number means "rounds to" (measured floats) or "equals"."""

    column: NumericField
    units: Mapping[str, Decimal]
    example: str
    rounded: bool = False
    tolerant: bool = False
    named: Mapping[str, Decimal] | None = None
    notes: bool = False


_NUMERIC: Mapping[str, _Numeric] = {
    "bpm": _Numeric("bpm", {"bpm": _ONE}, "bpm:120, bpm:<100, bpm:120..128, bpm:~128", True, True),
    "dur": _Numeric(
        "duration_s",
        {"s": _ONE, "sec": _ONE, "ms": Decimal("0.001"), "min": Decimal(60)},
        "dur:<2, dur:500ms, dur:1..4s",
        rounded=True,
    ),
    "lufs": _Numeric("loudness_lufs", {"lufs": _ONE}, "lufs:>-10, lufs:-14..-8", rounded=True),
    "peak": _Numeric("peak_dbfs", {"db": _ONE, "dbfs": _ONE}, "peak:<-1, peak:>=-0.1", True),
    "bars": _Numeric("bars", {}, "bars:4, bars:2..8"),
    "rate": _Numeric(
        "sample_rate_hz",
        {"hz": _ONE, "k": Decimal(1000), "khz": Decimal(1000)},
        "rate:44100, rate:48k, rate:>=96khz",
    ),
    "bits": _Numeric("bit_depth", {}, "bits:24, bits:>=24"),
    "channels": _Numeric(
        "channels", {}, "channels:1, channels:stereo", named={"mono": _ONE, "stereo": Decimal(2)}
    ),
    "size": _Numeric(
        "size_bytes",
        {
            "b": _ONE,
            "k": Decimal(1000),
            "kb": Decimal(1000),
            "m": Decimal(10**6),
            "mb": Decimal(10**6),
            "g": Decimal(10**9),
            "gb": Decimal(10**9),
        },
        "size:<1mb, size:>500kb",
    ),
    "id": _Numeric("id", {}, "id:42, id:100..200"),
}
#: ``root:`` ranges compare ``root_midi``; note names (``C2``) count as their MIDI numbers.
_ROOT = _Numeric("root_midi", {}, "root:F#2, root:F#, root:C2..C3, root:<48", notes=True)

_ALIASES: Mapping[str, str] = {
    "duration": "dur",
    "length": "dur",
    "len": "dur",
    "loudness": "lufs",
    "samplerate": "rate",
    "sr": "rate",
    "bitdepth": "bits",
    "depth": "bits",
    "ch": "channels",
    "tags": "tag",
    "favourite": "fav",
    "favorite": "fav",
    "in": "collection",
    "col": "collection",
    "note": "root",
    "order": "sort",
    "sample_type": "type",
    "fmt": "format",
}

#: Every field name (canonical names; docs/query-language.md lists the aliases too).
FIELDS: tuple[str, ...] = tuple(
    sorted(
        [
            *_NUMERIC,
            "key",
            "camelot",
            "root",
            "type",
            "format",
            "state",
            "tag",
            "path",
            "collection",
            "is",
            "fav",
            "missing",
            "like",
            "aspect",
            "sort",
        ]
    )
)
_OPTIONS = frozenset({"like", "aspect", "sort"})

_FLAGS: Mapping[str, FlagName] = {
    "loop": "loop",
    "loops": "loop",
    "oneshot": "oneshot",
    "oneshots": "oneshot",
    "one-shot": "oneshot",
    "one-shots": "oneshot",
    "one_shot": "oneshot",
    "fav": "favourite",
    "favs": "favourite",
    "favourite": "favourite",
    "favourites": "favourite",
    "favorite": "favourite",
    "favorites": "favourite",
    "missing": "missing",
}
_FLAG_NAMES: Mapping[FlagName, str] = {
    "loop": "loop",
    "oneshot": "oneshot",
    "favourite": "fav",
    "missing": "missing",
}
_STATES = ("pending", "done", "failed")


# --- tokens ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Value:
    """One alternative of a field's value; ``pos``/``end`` span it in the query (quotes too)."""

    text: str
    pos: int
    end: int
    quoted: bool

    @property
    def inner(self) -> int:
        """Offset of the text itself (after an opening quote)."""
        return self.pos + 1 if self.quoted else self.pos


@dataclass(frozen=True)
class _Token:
    kind: Literal["lparen", "rparen", "or", "and", "not", "neg", "field", "text"]
    pos: int
    end: int
    text: str = ""
    values: tuple[_Value, ...] = ()


def _stops_word(char: str) -> bool:
    return char.isspace() or char in "()|"


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The content of the quoted string opening at ``start`` and the offset after it."""
    parts: list[str] = []
    i = start + 1
    while True:
        close = text.find('"', i)
        if close < 0:
            parts.append(text[i:])
            return "".join(parts), len(text)
        parts.append(text[i:close])
        if text.startswith('"', close + 1):
            parts.append('"')
            i = close + 2
        else:
            return "".join(parts), close + 1


def _read_values(text: str, start: int) -> tuple[tuple[_Value, ...], int]:
    values: list[_Value] = []
    i = start
    while True:
        if text.startswith('"', i):
            content, end = _read_quoted(text, i)
            values.append(_Value(content, i, end, quoted=True))
        else:
            end = i
            while end < len(text) and not _stops_word(text[end]):
                end += 1
            values.append(_Value(text[i:end], i, end, quoted=False))
        i = end
        if not text.startswith("|", i):
            return tuple(values), i
        i += 1


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()|":
            kind: Literal["lparen", "rparen", "or"] = (
                "lparen" if char == "(" else "rparen" if char == ")" else "or"
            )
            tokens.append(_Token(kind, i, i + 1, char))
            i += 1
        elif char == '"':
            content, end = _read_quoted(text, i)
            tokens.append(_Token("text", i, end, content))
            i = end
        elif char == "-" and i + 1 < n and not (text[i + 1].isspace() or text[i + 1] in ")|"):
            tokens.append(_Token("neg", i, i + 1, "-"))
            i += 1
        elif match := _FIELD_RE.match(text, i):
            values, end = _read_values(text, match.end())
            tokens.append(_Token("field", i, end, match.group(1), values))
            i = end
        else:
            end = i
            while end < n and not _stops_word(text[end]) and text[end] != '"':
                end += 1
            word = text[i:end]
            keyword = _KEYWORDS.get(word)
            if keyword == "or":
                tokens.append(_Token("or", i, end, word))
            elif keyword == "and":
                tokens.append(_Token("and", i, end, word))
            elif keyword == "not":
                tokens.append(_Token("not", i, end, word))
            else:
                tokens.append(_Token("text", i, end, word))
            i = end
    return tokens


# --- tree helpers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Option:
    """A term that set a query option (``sort:`` …): it filters nothing and may not be nested."""

    name: str
    pos: int
    end: int


_Part = Node | _Option | None


def _and(parts: Iterable[_Part]) -> Node | None:
    nodes: list[Node] = []
    for part in parts:
        if isinstance(part, And):
            nodes.extend(part.nodes)
        elif part is not None and not isinstance(part, _Option):
            nodes.append(part)
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def _or(parts: Iterable[Node | None]) -> Node | None:
    nodes: list[Node] = []
    for part in parts:
        if isinstance(part, Or):
            nodes.extend(part.nodes)
        elif part is not None:
            nodes.append(part)
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))


def _not(node: Node | None) -> Node | None:
    if node is None:
        return None
    return node.node if isinstance(node, Not) else Not(node)


def _text(text: str) -> Node | None:
    return _and(TextTerm(word) for word in words(text))


def _float(value: Decimal) -> float:
    return float(value)


def _singular_forms(value: str) -> set[str]:
    """``kicks`` also means ``kick``; ``crashes`` ``crash`` (``bass`` stays itself)."""
    forms = {value}
    if value.endswith(("ches", "shes", "xes", "sses")):
        forms.add(value[:-2])
    elif value.endswith("s") and not value.endswith("ss") and len(value) > 1:
        forms.add(value[:-1])
    return forms


def _octaves(pitch_class: int) -> frozenset[str]:
    """Every MIDI note (0..127) of a pitch class, by name."""
    return frozenset(midi_to_note_name(m) for m in range(pitch_class, 128, 12))


def _mode_keys(mode: Mode) -> frozenset[str]:
    return frozenset(MusicalKey(tonic=tonic, mode=mode).name for tonic in range(12))


def _or_name(token: _Token) -> str:
    return "OR" if token.text == "OR" else f'"{token.text}" (OR)'


# --- the parser -----------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _lex(text)
        self.i = 0
        self.depth = 0
        self.sort: list[SortKey] = []
        self.like: str | None = None
        self.aspect: str | None = None
        self.include_missing = False

    # errors ----------------------------------------------------------------------------------
    def error(self, message: str, pos: int, end: int | None = None) -> QuerySyntaxError:
        length = (end if end is not None else pos + 1) - pos
        return QuerySyntaxError(message, query=self.text, position=pos, length=length)

    def value_error(self, field: str, value: _Value, problem: str, hint: str) -> QuerySyntaxError:
        shown = value.text if len(value.text) <= 40 else value.text[:37] + "..."
        return self.error(f'{field}: "{shown}" {problem}; {hint}', value.pos, value.end)

    # structure -------------------------------------------------------------------------------
    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> SearchQuery:
        parts = self.conjunction()
        stray = self.peek()
        if stray is not None:
            raise self.error('unmatched ")": no "(" opens it', stray.pos)
        where = _and(parts)
        include_missing = self.include_missing or (
            where is not None and any(node == Flag("missing") for node in walk(where))
        )
        return SearchQuery(
            where=where,
            like=self.like,
            aspect=self.aspect or "overall",
            sort=tuple(self.sort),
            include_missing=include_missing,
        )

    def conjunction(self) -> list[_Part]:
        parts: list[_Part] = []
        while (token := self.peek()) is not None and token.kind != "rparen":
            if token.kind == "and":
                self.i += 1
                following = self.peek()
                if not parts or following is None or following.kind in ("rparen", "or", "and"):
                    raise self.error("AND needs a term on both sides", token.pos, token.end)
                continue
            if token.kind == "or":
                raise self.error(f"{_or_name(token)} needs a term before it", token.pos, token.end)
            parts.append(self.disjunction())
        return parts

    def disjunction(self) -> _Part:
        operands = [self.unary()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.i += 1
            following = self.peek()
            if following is None or following.kind in ("rparen", "or", "and"):
                raise self.error(
                    f"{_or_name(token)} needs a term on both sides", token.pos, token.end
                )
            operands.append(self.unary())
        if len(operands) == 1:
            return operands[0]
        nodes: list[Node | None] = []
        for operand in operands:
            if isinstance(operand, _Option):
                raise self.error(
                    f"{operand.name}: sets an option of the whole query; it cannot be one side "
                    "of OR",
                    operand.pos,
                    operand.end,
                )
            nodes.append(operand)
        return _or(nodes)

    def unary(self) -> _Part:
        negations = 0
        while (token := self.peek()) is not None and token.kind in ("neg", "not"):
            self.i += 1
            negations += 1
            following = self.peek()
            if following is None or following.kind in ("rparen", "or", "and"):
                raise self.error(f'"{token.text}" must be followed by a term', token.pos, token.end)
        part = self.primary()
        if not negations:
            return part
        if isinstance(part, _Option):
            raise self.error(f"{part.name}: cannot be negated", part.pos, part.end)
        return _not(part) if negations % 2 else part

    def primary(self) -> _Part:
        token = self.tokens[self.i]
        self.i += 1
        if token.kind == "lparen":
            return self.group(token)
        if token.kind == "field":
            return self.field(token)
        return _text(token.text)

    def group(self, opening: _Token) -> Node | None:
        following = self.peek()
        if following is None:
            raise self.error('"(" is never closed', opening.pos)
        if following.kind == "rparen":
            raise self.error("empty parentheses", opening.pos, following.end)
        if self.depth >= _MAX_DEPTH:
            raise self.error(f"parentheses nested more than {_MAX_DEPTH} deep", opening.pos)
        self.depth += 1
        parts = self.conjunction()
        self.depth -= 1
        if self.peek() is None:
            raise self.error('"(" is never closed', opening.pos)
        self.i += 1
        for part in parts:
            if isinstance(part, _Option):
                raise self.error(
                    f"{part.name}: sets an option of the whole query; put it outside parentheses",
                    part.pos,
                    part.end,
                )
        return _and(parts)

    # fields ----------------------------------------------------------------------------------
    def field(self, token: _Token) -> _Part:
        written = token.text
        name, _, sub = written.lower().partition(".")
        name = _ALIASES.get(name, name)
        name_end = token.pos + len(written)
        if name not in FIELDS:
            close = difflib.get_close_matches(name, [*FIELDS, *_ALIASES], n=1)
            hint = f' (did you mean "{_ALIASES.get(close[0], close[0])}:"?)' if close else ""
            raise self.error(
                f'unknown field "{written}:"{hint}; valid fields: {", ".join(FIELDS)} '
                '(quote text that contains a colon: "a:b")',
                token.pos,
                name_end,
            )
        if sub and name != "tag":
            raise self.error(
                f'"{written}:": only tag: takes a ".source" (tag.user:, tag.ai:, ...)',
                token.pos,
                name_end,
            )
        values = token.values
        for index, value in enumerate(values):
            if not value.quoted and not value.text:
                if index == 0:
                    raise self.error(
                        f"{name}: needs a value (write {name}:value, no space after the colon)",
                        token.pos,
                        name_end + 1,
                    )
                raise self.error(f"{name}: nothing after |", value.pos - 1)
        if name in _OPTIONS:
            return self.option(name, token)
        if name == "missing":
            return self.missing(token)
        nodes = [self.alternative(name, sub, value) for value in values]
        if all(isinstance(node, OneOf) for node in nodes):
            one_ofs = [node for node in nodes if isinstance(node, OneOf)]
            return OneOf(one_ofs[0].field, frozenset().union(*(node.values for node in one_ofs)))
        return _or(nodes)

    def alternative(self, name: str, sub: str, value: _Value) -> Node:
        if name in _NUMERIC:
            return self.numeric(name, _NUMERIC[name], value)
        handlers: dict[str, Callable[[_Value], Node]] = {
            "key": self.key,
            "camelot": self.camelot,
            "root": self.root,
            "type": self.sample_type,
            "format": self.format,
            "state": self.state,
            "path": self.path,
            "collection": self.collection,
            "is": self.flag,
            "fav": self.favourite,
        }
        if name == "tag":
            return self.tag(sub, value)
        return handlers[name](value)

    def numeric(self, name: str, spec: _Numeric, value: _Value) -> Node:
        text, pos = value.text.strip(), value.inner + len(value.text) - len(value.text.lstrip())
        column = spec.column
        if spec.named and text.lower() in spec.named:
            number = spec.named[text.lower()]
            return Range(column, _float(number), _float(number))
        if text.startswith("~"):
            if not spec.tolerant:
                raise self.error(f'{name}: "~" (near) works only with bpm: and key:', pos, pos + 1)
            tempo, _ = self.number(name, spec, text[1:], pos + 1)
            if tempo <= 0:
                raise self.value_error(name, value, "is not a tempo", "write e.g. bpm:~128")
            return Or(
                tuple(
                    Range(
                        column,
                        self.finite(base * (1 - BPM_TOLERANCE), value),
                        self.finite(base * (1 + BPM_TOLERANCE), value),
                    )
                    for base in (tempo, tempo / 2, tempo * 2)
                )
            )
        for op in ("<=", ">=", "<", ">", "="):
            if text.startswith(op):
                number, _ = self.number(name, spec, text[len(op) :], pos + len(op))
                bound = self.finite(number, value)
                if op == "=":
                    return Range(column, bound, bound)
                if op[0] == "<":
                    return Range(column, high=bound, high_open=op == "<")
                return Range(column, low=bound, low_open=op == ">")
        if ".." in text:
            low_text, _, high_text = text.partition("..")
            if not low_text and not high_text:
                return Range(column)
            low: float | None = None
            high: float | None = None
            if low_text:
                low = self.finite(self.number(name, spec, low_text, pos)[0], value)
            if high_text:
                high_pos = pos + len(low_text) + 2
                high = self.finite(self.number(name, spec, high_text, high_pos)[0], value)
            if low is not None and high is not None and low > high:
                raise self.value_error(
                    name, value, "is an empty range", "put the low end first, e.g. bpm:120..128"
                )
            return Range(column, low, high)
        number, half = self.number(name, spec, text, pos)
        if spec.rounded:
            return Range(
                column, self.finite(number - half, value), self.finite(number + half, value)
            )
        bound = self.finite(number, value)
        return Range(column, bound, bound)

    def number(self, name: str, spec: _Numeric, text: str, pos: int) -> tuple[Decimal, Decimal]:
        """``text`` in the column's unit, and half the precision it was written with."""
        if spec.notes:
            try:
                return Decimal(note_name_to_midi(text)), Decimal(0)
            except ValueError:
                pass
        match = _NUMBER_RE.fullmatch(text)
        if match is None:
            shown = text if len(text) <= 40 else text[:37] + "..."
            named = f", {', '.join(spec.named)}" if spec.named else ""
            raise self.error(
                f'{name}: "{shown}" is not a number; write e.g. {spec.example}{named}',
                pos,
                pos + max(len(text), 1),
            )
        digits, unit = match.groups()
        factor = spec.units.get(unit.lower()) if unit else _ONE
        if factor is None:
            valid = ", ".join(spec.units) or "none (a plain number)"
            raise self.error(
                f'{name}: unknown unit "{unit}"; valid units: {valid}',
                pos + match.start(2),
                pos + match.end(2),
            )
        try:
            number = Decimal(digits)
            written = number.as_tuple().exponent
            exponent = min(written, 0) if isinstance(written, int) else 0
            scaled = number * factor
            if math.isfinite(float(scaled)):
                return scaled, Decimal(5).scaleb(exponent - 1) * factor
        except ArithmeticError:
            pass
        raise self.error(f'{name}: "{text}" is out of range', pos, pos + len(text))

    def finite(self, number: Decimal, value: _Value) -> float:
        result = float(number)
        if not math.isfinite(result):
            raise self.error(f'"{value.text}" is out of range', value.pos, value.end)
        return result

    def key(self, value: _Value) -> Node:
        text = value.text.strip()
        compatible = text.startswith("~")
        if compatible:
            text = text[1:].strip()
        hint = (
            'write e.g. key:Am, key:"A minor", key:F#min, key:8A, key:~8A (compatible keys), '
            "key:minor"
        )
        for mode in Mode:
            if text.lower() == mode.value:
                if compatible:
                    raise self.value_error("key", value, "is a mode, not a key", hint)
                return OneOf("key", _mode_keys(mode))
        try:
            key = MusicalKey.parse(text)
        except ValueError:
            raise self.value_error("key", value, "is not a key", hint) from None
        keys = key.compatible() if compatible else (key,)
        return OneOf("key", frozenset(k.name for k in keys))

    def camelot(self, value: _Value) -> Node:
        try:
            key = MusicalKey.from_camelot(value.text)
        except ValueError:
            raise self.value_error(
                "camelot", value, "is not a Camelot code", "write 1A..12A or 1B..12B"
            ) from None
        return OneOf("camelot", frozenset({key.camelot}))

    def root(self, value: _Value) -> Node:
        text = value.text.strip()
        hint = "write a note (root:F#2), a pitch class in any octave (root:F#), or root:C2..C3"
        ranged = text.startswith(("<", ">", "=")) or ".." in text
        if ranged or _NUMBER_RE.fullmatch(text):
            return self.numeric("root", _ROOT, value)
        try:
            midi = note_name_to_midi(text)
        except ValueError:
            try:
                return OneOf("root_note", _octaves(parse_pitch_class(text)))
            except ValueError:
                raise self.value_error("root", value, "is not a note", hint) from None
        if not 0 <= midi <= 127:
            raise self.value_error("root", value, "is outside the MIDI range", hint)
        return OneOf("root_note", frozenset({midi_to_note_name(midi)}))

    def sample_type(self, value: _Value) -> Node:
        text = value.text.strip().lower()
        if not text:
            raise self.error("type: needs a value, e.g. type:kick", value.pos, value.end)
        return OneOf("sample_type", frozenset(_singular_forms(text)))

    def format(self, value: _Value) -> Node:
        text = value.text.strip().lower().lstrip(".")
        if not text:
            raise self.error("format: needs a value, e.g. format:wav", value.pos, value.end)
        return OneOf("format", frozenset({text}))

    def state(self, value: _Value) -> Node:
        text = value.text.strip().lower()
        if text not in _STATES:
            raise self.value_error(
                "state", value, "is not an analysis state", f"valid: {', '.join(_STATES)}"
            )
        return OneOf("analysis_state", frozenset({text}))

    def tag(self, sub: str, value: _Value) -> Node:
        name = value.text.strip().lower()
        if not name:
            raise self.error("tag: needs a tag name", value.pos, value.end)
        if not sub:
            return HasTag(name)
        sources = [source.value for source in TagSource]
        if sub not in sources:
            raise self.error(
                f'unknown tag source "{sub}"; valid: {", ".join(sources)}',
                value.pos - len(sub) - 1,
                value.pos - 1,
            )
        return HasTag(name, sub)

    def path(self, value: _Value) -> Node:
        if not value.text:
            raise self.error("path: needs some text", value.pos, value.end)
        return PathContains(value.text)

    def collection(self, value: _Value) -> Node:
        name = value.text.strip()
        if not name:
            raise self.error("collection: needs a collection name", value.pos, value.end)
        return InCollection(name)

    def flag(self, value: _Value) -> Node:
        flag = _FLAGS.get(value.text.strip().lower())
        if flag is None:
            raise self.value_error(
                "is", value, "is not a flag", "valid: is:loop, is:oneshot, is:fav, is:missing"
            )
        return Flag(flag)

    def favourite(self, value: _Value) -> Node:
        text = value.text.strip().lower()
        if text in _TRUE:
            return Flag("favourite")
        if text in _FALSE:
            return Not(Flag("favourite"))
        raise self.value_error("fav", value, "is not yes or no", "write fav:yes or fav:no")

    def missing(self, token: _Token) -> _Part:
        nodes: list[Node] = []
        for value in token.values:
            text = value.text.strip().lower()
            if text == "any":
                if len(token.values) > 1:
                    raise self.value_error(
                        "missing", value, "cannot be an alternative", "write missing:any alone"
                    )
                self.include_missing = True
                return _Option("missing", token.pos, token.end)
            if text in _TRUE:
                nodes.append(Flag("missing"))
            elif text in _FALSE:
                nodes.append(Not(Flag("missing")))
            else:
                raise self.value_error(
                    "missing", value, "is not yes, no or any", "write missing:yes|no|any"
                )
        return _or(nodes)

    def option(self, name: str, token: _Token) -> _Option:
        if len(token.values) > 1:
            second = token.values[1]
            raise self.error(f"{name}: takes one value, not alternatives", second.pos - 1)
        value = token.values[0]
        text = value.text.strip()
        if name == "like":
            if self.like is not None:
                raise self.error("like: given twice", token.pos, token.end)
            if not text:
                raise self.error("like: needs a sample id or path", value.pos, value.end)
            self.like = text
        elif name == "aspect":
            if self.aspect is not None:
                raise self.error("aspect: given twice", token.pos, token.end)
            if text.lower() not in ASPECTS:
                raise self.value_error(
                    "aspect", value, "is not an aspect", f"valid: {', '.join(ASPECTS)}"
                )
            self.aspect = text.lower()
        else:
            offset = value.inner
            for item in value.text.split(","):
                self.sort.append(self.sort_key(item, offset))
                offset += len(item) + 1
        return _Option(name, token.pos, token.end)

    def sort_key(self, item: str, pos: int) -> SortKey:
        text = item.strip()
        descending = text.startswith("-")
        name = text.lstrip("+-").lower()
        field = SORT_FIELDS.get(name)
        if field is None:
            shown = item if len(item) <= 40 else item[:37] + "..."
            raise self.error(
                f'sort: "{shown}" is not a sort field; valid: {", ".join(SORT_FIELDS)} '
                "(prefix - for descending)",
                pos,
                pos + max(len(item), 1),
            )
        return SortKey(field, descending)


def parse_query(text: str) -> SearchQuery:
    """Parse a query (grammar in the module docstring).

    Raises:
        QuerySyntaxError: with ``position``/``length`` marking the offending token.
    """
    return _Parser(text).parse()


# --- printing -------------------------------------------------------------------------------
_NUMERIC_NAMES: Mapping[str, str] = {spec.column: name for name, spec in _NUMERIC.items()}
_ROUNDED = frozenset(spec.column for spec in _NUMERIC.values() if spec.rounded)
_ONE_OF_NAMES: Mapping[TextField, str] = {
    "key": "key",
    "camelot": "camelot",
    "sample_type": "type",
    "format": "format",
    "root_note": "root",
    "analysis_state": "state",
}


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _value(text: str) -> str:
    """A value as it must be written after ``field:``: bare when that reads back the same."""
    if text and not any(c.isspace() or c in '()|"' for c in text):
        return text
    return _quote(text)


def _number(value: float) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _range(node: Range) -> str:
    name = _NUMERIC_NAMES.get(node.field, "root" if node.field == "root_midi" else node.field)
    low, high = node.low, node.high
    if low is not None and high is not None:
        if node.low_open or node.high_open:
            low_op = ">" if node.low_open else ">="
            high_op = "<" if node.high_open else "<="
            return f"({name}:{low_op}{_number(low)} {name}:{high_op}{_number(high)})"
        if low == high:
            exact = "=" if node.field in _ROUNDED else ""
            return f"{name}:{exact}{_number(low)}"
        return f"{name}:{_number(low)}..{_number(high)}"
    if low is not None:
        return f"{name}:{'>' if node.low_open else '>='}{_number(low)}"
    if high is not None:
        return f"{name}:{'<' if node.high_open else '<='}{_number(high)}"
    return f"{name}:.."


def _key_values(values: frozenset[str]) -> list[str]:
    remaining = set(values)
    shown: list[str] = []
    for mode in Mode:
        every = _mode_keys(mode)
        if every <= remaining:
            shown.append(mode.value)
            remaining -= every
    keys: list[tuple[int, int, str]] = []
    for value in remaining:
        try:
            key = MusicalKey.parse(value)
        except ValueError:
            keys.append((99, 0, _value(value)))
            continue
        text = key.short_name if key.name == value else _value(value)
        keys.append((key.tonic, key.mode is Mode.MINOR, text))
    return shown + [text for *_, text in sorted(keys)]


def _root_values(values: frozenset[str]) -> list[str]:
    remaining = set(values)
    shown: list[str] = []
    for pitch_class, name in enumerate(PITCH_CLASSES):
        every = _octaves(pitch_class)
        if every <= remaining:
            shown.append(name)
            remaining -= every
    notes: list[tuple[int, str]] = []
    for value in remaining:
        try:
            notes.append((note_name_to_midi(value), value))
        except ValueError:
            notes.append((999, _value(value)))
    return shown + [text for _, text in sorted(notes)]


def _one_of(node: OneOf) -> str:
    name = _ONE_OF_NAMES[node.field]
    if node.field == "key":
        shown = _key_values(node.values)
    elif node.field == "root_note":
        shown = _root_values(node.values)
    else:
        shown = [_value(value) for value in sorted(node.values)]
    return f"{name}:{'|'.join(shown)}"


def _leaf(node: Node) -> str:
    if isinstance(node, TextTerm):
        return node.word if _PLAIN_WORD.fullmatch(node.word) else _quote(node.word)
    if isinstance(node, Range):
        return _range(node)
    if isinstance(node, OneOf):
        return _one_of(node)
    if isinstance(node, Flag):
        return f"is:{_FLAG_NAMES[node.name]}"
    if isinstance(node, HasTag):
        source = f".{node.source}" if node.source else ""
        return f"tag{source}:{_value(node.name)}"
    if isinstance(node, PathContains):
        return f"path:{_value(node.text)}"
    if isinstance(node, InCollection):
        return f"collection:{_value(node.name)}"
    raise TypeError(f"not a leaf node: {node!r}")  # pragma: no cover


def _format(node: Node) -> str:
    if isinstance(node, And):
        return " ".join(
            _grouped(child) if isinstance(child, And | Or) else _format(child)
            for child in node.nodes
        )
    if isinstance(node, Or):
        return " OR ".join(
            _grouped(child) if isinstance(child, And | Or) else _format(child)
            for child in node.nodes
        )
    if isinstance(node, Not):
        inner = node.node
        return "-" + (_grouped(inner) if isinstance(inner, And | Or) else _format(inner))
    return _leaf(node)


def _grouped(node: Node) -> str:
    return f"({_format(node)})"


def format_query(query: SearchQuery) -> str:
    """The query as text that :func:`parse_query` reads back as the same query.

    Example:
        >>> format_query(parse_query('tag:"lo fi" (kick OR snare) bpm:~128'))
        'tag:"lo fi" (kick OR snare) (bpm:124.16..131.84 OR bpm:62.08..65.92 OR bpm:248.32..263.68)'
    """
    parts: list[str] = []
    where = query.where
    if where is not None:
        parts.append(_format(where))
    mentions_missing = where is not None and any(node == Flag("missing") for node in walk(where))
    if query.include_missing and not mentions_missing:
        parts.append("missing:any")
    if query.like is not None:
        parts.append(f"like:{_value(query.like)}")
    if query.aspect != "overall":
        parts.append(f"aspect:{_value(query.aspect)}")
    for key in query.sort:
        name = _SORT_NAMES.get(key.field, key.field)
        parts.append(f"sort:{'-' if key.descending else ''}{name}")
    return " ".join(parts)
