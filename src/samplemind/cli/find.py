"""``samplemind search QUERY``, ``samplemind similar REF``, ``samplemind show REF``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from samplemind.cli.common import (
    emit_json,
    err_console,
    library_session,
    out_console,
    sample_record,
    samples_table,
)
from samplemind.domain.library import SearchHit
from samplemind.errors import QuerySyntaxError

__all__ = ["search", "show", "similar"]


class AspectChoice(StrEnum):
    overall = "overall"
    timbre = "timbre"
    pitch = "pitch"
    rhythm = "rhythm"
    envelope = "envelope"


def _render(hits: list[SearchHit], json_out: bool, score_label: str | None) -> None:
    if json_out:
        emit_json(sample_record(h.sample, h.score) for h in hits)
        return
    if not hits:
        err_console().print("[yellow]no samples match[/]")
        return
    out_console().print(samples_table(hits, score_label=score_label))


def search(
    query: Annotated[
        list[str] | None,
        typer.Argument(help="Query, e.g. 'kick type:kick bpm:120..128 key:~8A -tag:vocal'."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Results to show.")] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many.")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Search the library with the query language (docs/query-language.md)."""
    text = " ".join(query or [])
    with library_session() as library:
        try:
            hits = library.search(text, limit=limit, offset=offset)
            total = library.count(text)
        except QuerySyntaxError as exc:
            err = err_console()
            err.print(f"[red]error:[/] {escape(exc.message)}")
            err.print(exc.pointer(), markup=False, highlight=False)
            raise typer.Exit(2) from None
    _render(hits, json_out, "score" if "like:" in text else None)
    if not json_out and hits:
        err_console().print(f"[dim]{len(hits)} of {total} shown[/]")


def similar(
    ref: Annotated[str, typer.Argument(help="Sample id, library path, or any audio file.")],
    aspect: Annotated[
        AspectChoice, typer.Option("--aspect", "-a", help="What 'similar' means.")
    ] = AspectChoice.overall,
    n: Annotated[int, typer.Option("-n", min=1, help="How many.")] = 20,
    where: Annotated[
        str | None, typer.Option("--where", "-w", help="Filter query, e.g. 'type:kick'.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Find the samples that sound most like REF."""
    with library_session() as library:
        reference, hits = library.similar(ref, aspect=aspect.value, n=n, query=where)
    if not json_out:
        err_console().print(f"[dim]like {escape(reference.label)} ({aspect.value})[/]")
    _render(hits, json_out, "similarity")


def show(
    ref: Annotated[str, typer.Argument(help="Sample id or path.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Everything the library knows about one sample."""
    with library_session() as library:
        sample = library.get(ref)
        analysis = library.analysis(sample.id)
        collections = library.collections_of(sample.id)
        lineage = library.lineage(sample.id)
        described = library.ai_description(sample.id)
    record = sample_record(sample)
    record["collections"] = collections
    record["derived_from"] = (
        lineage.derivation.model_dump(mode="json") if lineage.derivation is not None else None
    )
    record["derivatives"] = [
        {"id": s.id, "path": s.path, "kind": link.kind.value} for s, link in lineage.derivatives
    ]
    record["analysis"] = analysis.to_record() if analysis else None
    record["ai_description"] = described.model_dump(mode="json") if described else None
    if json_out:
        emit_json([record])
        return
    table = Table(show_header=False, show_edge=False, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in (
        "id",
        "path",
        "format",
        "subtype",
        "sample_rate_hz",
        "channels",
        "duration_s",
        "analysis_state",
        "error_message",
        "sample_type",
        "is_loop",
        "bars",
        "bpm",
        "key",
        "camelot",
        "root_note",
        "loudness_lufs",
        "peak_dbfs",
        "true_peak_dbtp",
        "favourite",
        "missing",
        "content_hash",
    ):
        value = record.get(key)
        if value is not None:
            table.add_row(key, escape(str(value)))
    tags = ", ".join(f"{t.name} ({t.source.value})" for t in sample.tags)
    table.add_row("tags", escape(tags) or "-")
    table.add_row("collections", escape(", ".join(collections)) or "-")
    if described is not None:
        table.add_row("description", f"{escape(described.description)} [dim]({described.model})[/]")
    if lineage.derivation is not None:
        link = lineage.derivation
        origin = (
            f"sample {lineage.source.id} ({lineage.source.name})"
            if lineage.source is not None
            else str(link.params.get("source_path", "a file outside the library"))
        )
        table.add_row("derived from", escape(f"{origin} by {link.kind.value}"))
    if lineage.derivatives:
        made = [f"{s.id} {s.name} ({link.kind.value})" for s, link in lineage.derivatives]
        table.add_row("derivatives", escape("\n".join(made)))
    if analysis is not None:
        table.add_row("analyzers", analysis.analysis_version)
    out_console().print(table)
