"""``samplemind tag add|rm``, ``fav``, ``collection add|rm|ls|rm-collection``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from samplemind.cli.common import (
    emit_json,
    err_console,
    library_session,
    out_console,
    sample_record,
    samples_table,
)
from samplemind.domain.library import SearchHit

__all__ = ["collection_app", "fav", "tag_app"]

tag_app = typer.Typer(help="Add or remove tags.", no_args_is_help=True)
collection_app = typer.Typer(
    help="Named sets of samples (kits in the making).", no_args_is_help=True
)


@tag_app.command("add")
def tag_add(
    ref: Annotated[str, typer.Argument(help="Sample id or path.")],
    names: Annotated[list[str], typer.Argument(help="Tags to add.")],
) -> None:
    """Add your tags to a sample (yours always win over filename, AI and model tags)."""
    with library_session() as library:
        sample = library.tag(ref, names)
    out_console().print(escape(f"{sample.name}: {', '.join(sample.tag_names)}"))


@tag_app.command("rm")
def tag_rm(
    ref: Annotated[str, typer.Argument(help="Sample id or path.")],
    names: Annotated[list[str], typer.Argument(help="Tags to remove (from every source).")],
) -> None:
    """Remove tags from a sample."""
    with library_session() as library:
        sample = library.untag(ref, names)
    out_console().print(escape(f"{sample.name}: {', '.join(sample.tag_names) or '-'}"))


@tag_app.command("set-type")
def tag_set_type(
    ref: Annotated[str, typer.Argument(help="Sample id or path.")],
    sample_type: Annotated[
        str, typer.Argument(metavar="TYPE", help="kick, snare, … fx, drums; 'auto' forgets yours.")
    ],
) -> None:
    """Say what a sample is; your type wins over the model's, re-analysis included."""
    with library_session() as library:
        sample = library.set_sample_type(
            ref, None if sample_type.lower() == "auto" else sample_type
        )
    source = "yours" if sample.user_sample_type else "model"
    out_console().print(escape(f"{sample.name}: {sample.sample_type or '-'} ({source})"))


def fav(
    ref: Annotated[str, typer.Argument(help="Sample id or path.")],
    remove: Annotated[bool, typer.Option("--remove", "-r", help="Unfavourite.")] = False,
) -> None:
    """Mark a sample as a favourite (or not, with --remove)."""
    with library_session() as library:
        sample = library.favourite(ref, not remove)
    out_console().print(f"{'★' if sample.favourite else '☆'} {escape(sample.name)}")


@collection_app.command("add")
def collection_add(
    name: Annotated[str, typer.Argument(help="Collection name (created if new).")],
    refs: Annotated[list[str], typer.Argument(help="Sample ids or paths.")],
) -> None:
    """Add samples to a collection."""
    with library_session() as library:
        added = library.collection_add(name, refs)
    out_console().print(f"{added} added to {escape(name)}")


@collection_app.command("rm")
def collection_rm(
    name: Annotated[str, typer.Argument(help="Collection name.")],
    refs: Annotated[list[str], typer.Argument(help="Sample ids or paths.")],
) -> None:
    """Remove samples from a collection."""
    with library_session() as library:
        removed = library.collection_remove(name, refs)
    out_console().print(f"{removed} removed from {escape(name)}")


@collection_app.command("delete")
def collection_delete(name: Annotated[str, typer.Argument(help="Collection name.")]) -> None:
    """Delete a collection (its samples stay in the library)."""
    with library_session() as library:
        library.collection_delete(name)
    out_console().print(f"deleted {escape(name)}")


@collection_app.command("ls")
def collection_ls(
    name: Annotated[
        str | None, typer.Argument(help="Show this collection's samples; none: list all.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List collections, or one collection's samples."""
    with library_session() as library:
        if name is None:
            collections = library.collections()
            if json_out:
                emit_json(c.model_dump(mode="json") for c in collections)
            elif not collections:
                err_console().print("[yellow]no collections yet[/]")
            for c in collections if not json_out else []:
                out_console().print(f"{escape(c.name)}  [dim]{c.size} sample(s)[/]")
            return
        samples = library.collection_samples(name)
    if json_out:
        emit_json(sample_record(s) for s in samples)
    else:
        out_console().print(samples_table(SearchHit(sample=s) for s in samples))
