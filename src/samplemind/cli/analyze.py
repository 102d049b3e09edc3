"""``samplemind analyze PATH... [--level] [--json] [--jobs N]``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from samplemind.audio.discover import discover
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, AnalysisResult

if TYPE_CHECKING:
    from samplemind.analysis.batch import FileOutcome

__all__ = ["LevelChoice", "analyze"]

#: Above this many files a progress bar is shown.
PROGRESS_THRESHOLD = 5


class LevelChoice(StrEnum):
    basic = "basic"
    standard = "standard"
    detailed = "detailed"
    professional = "professional"


def analyze(
    paths: Annotated[
        list[Path], typer.Argument(help="Audio files or folders (searched recursively).")
    ],
    level: Annotated[
        LevelChoice, typer.Option("--level", "-l", help="Analysis depth.")
    ] = LevelChoice.standard,
    json_lines: Annotated[
        bool, typer.Option("--json", help="One JSON object per line per file.")
    ] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes [all cores].")
    ] = None,
) -> None:
    """Analyze audio files: loudness, BPM, key, root note, timbre and more."""
    from samplemind.analysis.batch import analyze_many  # the DSP stack loads only when needed

    settings = Settings()
    files = list(discover(paths))
    # Piped output has no width to honour: give the table room instead of folding paths.
    out = Console()
    if not out.is_terminal:
        out = Console(width=160)
    err = Console(stderr=True)
    if not files:
        err.print("[yellow]no audio files found[/]")
        raise typer.Exit(1)
    outcomes: list[FileOutcome] = []
    show_progress = len(files) > PROGRESS_THRESHOLD and (not json_lines or err.is_terminal)
    progress = Progress(
        TextColumn("[bold]analyzing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not show_progress,
        transient=True,
    )
    with progress:
        task = progress.add_task("analyze", total=len(files), rate="")
        for outcome in analyze_many(
            files, level=AnalysisLevel.parse(level.value), settings=settings, jobs=jobs
        ):
            outcomes.append(outcome)
            if json_lines:
                sys.stdout.buffer.write(orjson.dumps(outcome.to_record()) + b"\n")
                sys.stdout.buffer.flush()
            elapsed = progress.tasks[0].elapsed or 0.0
            rate = f"{len(outcomes) / elapsed:.1f} files/s" if elapsed > 0 else ""
            progress.update(task, advance=1, rate=rate)
    failed = [o for o in outcomes if not o.ok]
    if not json_lines:
        results = sorted((o.result for o in outcomes if o.result), key=lambda r: r.path)
        if results:
            out.print(_table(results, level))
        for outcome in sorted(failed, key=lambda o: o.path):
            assert outcome.error is not None
            err.print(
                f"[red]✗[/] {outcome.path}: [bold]{outcome.error.code}[/] {outcome.error.message}"
            )
        err.print(f"{len(outcomes) - len(failed)} analyzed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def _table(results: list[AnalysisResult], level: LevelChoice) -> Table:
    table = Table(title=f"SampleMind analysis ({level.value})", header_style="bold cyan")
    for column, justify in (
        ("File", "left"),
        ("Dur s", "right"),
        ("LUFS", "right"),
        ("Peak", "right"),
        ("Kind", "left"),
        ("BPM", "right"),
        ("Key", "left"),
        ("Root", "left"),
        ("Centroid", "right"),
    ):
        # File names are data: fold long ones rather than cut them; numbers never wrap.
        overflow = "fold" if column == "File" else "ellipsis"
        table.add_column(column, justify=justify, overflow=overflow, no_wrap=column != "File")  # type: ignore[arg-type]
    common = Path(results[0].path).parent if len(results) == 1 else _common_parent(results)
    for r in results:
        loud = r.loudness
        kind = "—" if r.loop is None else ("loop" if r.loop.is_loop else "one-shot")
        bpm = "—" if r.tempo is None else f"{r.tempo.bpm:g} [dim]{r.tempo.source.value}[/]"
        key = "—" if r.key is None else f"{r.key.key.name} [dim]{r.key.key.camelot}[/]"
        root = "—" if r.pitch is None else f"{r.pitch.note} [dim]{r.pitch.cents:+.0f}c[/]"
        table.add_row(
            str(Path(r.path).relative_to(common)) if common else r.path,
            f"{r.audio.duration_s:.2f}",
            _fmt(loud.loudness_lufs if loud else None, ".1f"),
            _fmt(loud.peak_dbfs if loud else None, ".1f"),
            kind,
            bpm,
            key,
            root,
            _fmt(r.spectral.centroid_hz if r.spectral else None, ".0f"),
        )
    return table


def _common_parent(results: list[AnalysisResult]) -> Path | None:
    import os

    try:
        return Path(os.path.commonpath([str(Path(r.path).parent) for r in results]))
    except ValueError:
        return None
