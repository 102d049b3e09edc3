"""``samplemind scan DIR... [--jobs N] [--level L] [--reanalyze] [--retry-failed] [--watch]``."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from samplemind.cli.analyze import LevelChoice
from samplemind.cli.common import emit_json, err_console, library_session, out_console
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel
from samplemind.domain.library import ScanSummary
from samplemind.library import Library, ScanOptions, ScanProgress

__all__ = ["scan"]


class _ProgressView:
    """Two rich tasks: indexing (count and files/s) and analyzing (bar, files/s, ETA)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}

    def __call__(self, event: ScanProgress) -> None:
        task = self._tasks.get(event.phase)
        if task is None:
            for earlier in self._tasks.values():  # the previous phase is over: freeze its clock
                done = next(t.completed for t in self._progress.tasks if t.id == earlier)
                self._progress.update(earlier, total=done)
                self._progress.stop_task(earlier)
            label = "indexing" if event.phase == "index" else "analyzing"
            task = self._progress.add_task(label, total=event.total, rate="")
            self._tasks[event.phase] = task
            self._started[event.phase] = time.perf_counter()
        elapsed = max(time.perf_counter() - self._started[event.phase], 1e-6)
        self._progress.update(
            task, completed=event.done, total=event.total, rate=f"{event.done / elapsed:,.0f}/s"
        )
        if event.total is not None and event.done >= event.total:
            self._progress.stop_task(task)


def _print_summary(summary: ScanSummary, elapsed_s: float) -> None:
    err = err_console()
    parts = [
        f"[green]{summary.added} added[/]",
        f"{summary.updated} updated",
        f"{summary.moved} moved",
        f"{summary.unchanged} unchanged",
        f"[yellow]{summary.missing} missing[/]",
        f"{summary.analyzed} analyzed",
        f"[red]{summary.failed} failed[/]" if summary.failed else "0 failed",
    ]
    err.print(", ".join(parts) + f" in {elapsed_s:.1f} s")
    for path, code, message in summary.failures[:50]:
        err.print(f"  [red]✗[/] {escape(str(path))}: {escape(message)} [dim]({code})[/]")
    if len(summary.failures) > 50:
        err.print(f"  … and {len(summary.failures) - 50} more (see --json)")


def _run_once(
    library: Library, paths: list[Path], options: ScanOptions, json_out: bool
) -> ScanSummary:
    err = err_console()
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    )
    started = time.perf_counter()
    with progress:
        summary = library.scan(paths, options=options, progress=_ProgressView(progress))
    if json_out:
        emit_json([{"summary": summary.model_dump(mode="json")}])
    else:
        _print_summary(summary, time.perf_counter() - started)
    return summary


def scan(
    paths: Annotated[list[Path], typer.Argument(help="Folders (or files) to scan.")],
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes [all cores].")
    ] = None,
    level: Annotated[
        LevelChoice, typer.Option("--level", "-l", help="Analysis depth.")
    ] = LevelChoice.standard,
    reanalyze: Annotated[
        bool,
        typer.Option(
            "--reanalyze", help="Also re-run analyzers that are missing or outdated (upgrades)."
        ),
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Try files that failed before again.")
    ] = False,
    index_only: Annotated[
        bool, typer.Option("--index-only", help="Index files without analyzing them.")
    ] = False,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep watching the folders and stay in sync.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Add folders to the library: index, analyze, and keep in sync (resumable)."""
    settings = Settings()
    options = ScanOptions(
        level=AnalysisLevel.parse(level.value),
        jobs=jobs,
        reanalyze=reanalyze,
        retry_failed=retry_failed,
        analyze=not index_only,
    )
    with library_session(settings) as library:
        summary = _run_once(library, paths, options, json_out)
        if watch:
            _watch(library, paths, options, json_out)
    if summary.failed:
        raise typer.Exit(1)


def _watch(library: Library, paths: list[Path], options: ScanOptions, json_out: bool) -> None:
    """Re-scan what changes until Ctrl-C."""
    err = err_console()
    stop = threading.Event()
    err.print(f"[dim]watching {len(paths)} folder(s); Ctrl-C to stop[/]")

    def report(changed: list[str], summary: ScanSummary) -> None:
        if json_out:
            emit_json([{"summary": summary.model_dump(mode="json"), "changed": changed}])
            return
        out_console().print(
            f"{len(changed)} change(s): {summary.added} added, {summary.updated} updated, "
            f"{summary.moved} moved, {summary.missing} missing, {summary.analyzed} analyzed, "
            f"{summary.failed} failed"
        )

    try:
        library.watch(paths, options=options, stop=stop, on_change=report)
    except KeyboardInterrupt:
        stop.set()
