"""What the library commands share: opening the library, rendering samples, JSON lines."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from samplemind.config import Settings
from samplemind.domain.library import Sample, SearchHit
from samplemind.library import Library, open_library

__all__ = [
    "emit_json",
    "err_console",
    "library_session",
    "out_console",
    "sample_record",
    "samples_table",
]


def out_console() -> Console:
    """stdout; piped output gets a wide console instead of folded paths."""
    console = Console()
    return console if console.is_terminal else Console(width=200)


def err_console() -> Console:
    return Console(stderr=True)


@contextmanager
def library_session(settings: Settings | None = None) -> Iterator[Library]:
    """The library of the current settings, closed on exit."""
    library = open_library(settings or Settings())
    try:
        yield library
    finally:
        library.close()


def sample_record(sample: Sample, score: float | None = None) -> dict[str, Any]:
    """A sample as one JSON object (``--json``)."""
    record = sample.model_dump(mode="json", exclude={"tags"})
    record["tags"] = [tag.model_dump(mode="json") for tag in sample.tags]
    if score is not None:
        record["score"] = round(score, 6)
    return record


def emit_json(records: Iterable[dict[str, Any]]) -> None:
    """One JSON object per line on stdout."""
    out = sys.stdout.buffer
    for record in records:
        out.write(orjson.dumps(record) + b"\n")
    out.flush()


def _fmt(value: float | None, pattern: str) -> str:
    return "" if value is None else format(value, pattern)


def samples_table(hits: Iterable[SearchHit], *, score_label: str | None = None) -> Table:
    """The results table: id, name, type, BPM, key, duration, loudness, tags."""
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("id", justify="right", style="dim")
    table.add_column("name", overflow="fold")
    table.add_column("type")
    table.add_column("bpm", justify="right")
    table.add_column("key")
    table.add_column("dur s", justify="right")
    table.add_column("LUFS", justify="right")
    table.add_column("tags", overflow="fold")
    if score_label:
        table.add_column(score_label, justify="right")
    for hit in hits:
        s = hit.sample
        key = f"{s.key} ({s.camelot})" if s.key else ""
        kind = s.sample_type or ("loop" if s.is_loop else "one-shot" if s.is_loop is False else "")
        row = [
            str(s.id),
            # Names and tags are the user's (or a download's): text, never markup.
            ("★ " if s.favourite else "") + escape(s.name) + (r" \[missing]" if s.missing else ""),
            kind,
            _fmt(s.bpm, ".1f") if s.is_loop else "",
            key,
            _fmt(s.duration_s, ".2f"),
            _fmt(s.loudness_lufs, ".1f"),
            escape(", ".join(s.tag_names)),
        ]
        if score_label:
            row.append(f"{hit.score:.3f}")
        table.add_row(*row)
    return table
