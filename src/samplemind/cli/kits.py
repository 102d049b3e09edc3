"""``samplemind duplicates``, ``samplemind export QUERY --to DIR``, ``samplemind write-tags``,
``samplemind reindex``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
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
)

__all__ = ["duplicates", "export", "reindex", "write_tags"]


class Strictness(StrEnum):
    exact_audio = "exact-audio"
    strict = "strict"
    normal = "normal"
    loose = "loose"


class ExportMode(StrEnum):
    copy = "copy"
    link = "link"
    symlink = "symlink"


def duplicates(
    strictness: Annotated[
        Strictness, typer.Option("--strictness", "-s", help="How alike sounds must be.")
    ] = Strictness.normal,
    exact_only: Annotated[
        bool, typer.Option("--exact", help="Only byte-identical files (no audio comparison).")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per group.")] = False,
) -> None:
    """Find duplicate samples: identical files and the same sound in another file."""
    with library_session() as library:
        groups = library.duplicates(strictness=strictness.value, exact_only=exact_only)
    if json_out:
        emit_json(
            {
                "kind": g.kind,
                "samples": [
                    {**sample_record(s), "similarity": round(sim, 4)}
                    for s, sim in zip(g.samples, g.similarity, strict=True)
                ],
            }
            for g in groups
        )
        return
    if not groups:
        err_console().print("[green]no duplicates[/]")
        return
    out = out_console()
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("group", justify="right")
    table.add_column("kind")
    table.add_column("id", justify="right", style="dim")
    table.add_column("path", overflow="fold")
    table.add_column("similarity", justify="right")
    for number, group in enumerate(groups, start=1):
        for sample, sim in zip(group.samples, group.similarity, strict=True):
            table.add_row(
                str(number), group.kind, str(sample.id), escape(sample.path), f"{sim:.3f}"
            )
    out.print(table)
    wasted = sum(s.size_bytes for g in groups if g.kind == "exact" for s in g.samples[1:])
    err_console().print(
        f"{len(groups)} group(s); {wasted / 2**20:.1f} MiB in byte-identical copies"
    )


def export(
    query: Annotated[str, typer.Argument(help="What to export, e.g. 'type:kick tag:dark'.")],
    to: Annotated[Path, typer.Option("--to", help="Destination folder (created).")],
    pattern: Annotated[
        str | None,
        typer.Option("--pattern", "-p", help="Name pattern, e.g. '{type}_{bpm}_{key}_{name}'."),
    ] = None,
    mode: Annotated[ExportMode, typer.Option("--mode", help="Copy or link.")] = ExportMode.copy,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing files.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many.")] = 1000,
    write_tags_: Annotated[
        bool,
        typer.Option("--write-tags", help="Write BPM and key into the copies' metadata."),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
) -> None:
    """Export a search's results (or a collection: 'collection:NAME') as a kit folder."""
    with library_session() as library:
        outcomes = library.export(
            query,
            to,
            pattern=pattern,
            mode=mode.value,
            overwrite=overwrite,
            limit=limit,
            write_tags=write_tags_,
        )
    failed = [o for o in outcomes if not o.ok]
    if json_out:
        emit_json(
            {
                "source": str(o.source),
                "target": str(o.target) if o.target else None,
                "ok": o.ok,
                "mode": o.mode,
                "fell_back": o.fell_back,
                "error": o.error.to_dict() if o.error else None,
            }
            for o in outcomes
        )
    else:
        err = err_console()
        err.print(f"{len(outcomes) - len(failed)} file(s) exported to {escape(str(to))}")
        for o in failed:
            err.print(
                f"  [red]✗[/] {escape(str(o.source))}: {escape(o.error.message) if o.error else ''}"
            )
    if failed:
        raise typer.Exit(1)


def write_tags(
    query: Annotated[str, typer.Argument(help="Which samples, e.g. 'is:loop path:drums/'.")],
) -> None:
    """Write analysed BPM and key into the files' own tags (never their audio)."""
    with library_session() as library:
        results = library.write_metadata(query)
    err = err_console()
    failed = [(s, e) for s, e in results if e is not None]
    err.print(f"{len(results) - len(failed)} file(s) tagged")
    for sample, error in failed:
        err.print(f"  [red]✗[/] {escape(sample.path)}: {escape(error.message) if error else ''}")
    if failed:
        raise typer.Exit(1)


def reindex() -> None:
    """Rebuild the similarity index from the database."""
    with library_session() as library:
        count = library.rebuild_index()
    out_console().print(f"{count} sample(s) indexed")
