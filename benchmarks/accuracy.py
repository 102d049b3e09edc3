"""Accuracy/speed benchmark: samplemind vs. librosa and essentia baselines on a rendered corpus.

Usage::

    uv run python -m benchmarks.accuracy CORPUS_DIR [--systems samplemind,librosa,essentia]
        [--limit N] [--out results.json]

All systems run one after another in this process over the same files; per-file wall time
includes decoding.  See ``benchmarks/README.md`` for the metric definitions.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress
from rich.table import Table

from benchmarks.metrics import (
    key_exact,
    mirex_key_score,
    octave_exact,
    pitch_class_correct,
    tempo_accuracy1,
    tempo_accuracy2,
)
from benchmarks.systems import LOOP_KINDS, SYSTEMS, System, UnavailableError

log = logging.getLogger("benchmarks.accuracy")


@dataclass
class Truth:
    file: str
    kind: str
    bpm: float | None
    key: str | None
    root_midi: int | None
    sample_type: str
    octave_ambiguous: bool
    row: dict[str, str]


@dataclass
class SystemRun:
    name: str
    version: str
    predictions: dict[str, dict[str, Any]] = field(default_factory=dict)
    warmup_s: float = 0.0


def load_truth(corpus: Path) -> list[Truth]:
    with (corpus / "truth.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        Truth(
            file=r["file"],
            kind=r["kind"],
            bpm=float(r["bpm"]) if r["bpm"] else None,
            key=r["key"] or None,
            root_midi=int(r["root_midi"]) if r["root_midi"] else None,
            sample_type=r["sample_type"],
            octave_ambiguous=bool(r.get("octave_ambiguous")),
            row=r,
        )
        for r in rows
    ]


def select(truths: list[Truth], limit: int | None) -> list[Truth]:
    """First ``limit`` files, taken round-robin over kinds so every kind is represented."""
    if limit is None or limit >= len(truths):
        return truths
    by_kind: dict[str, list[Truth]] = {}
    for t in truths:
        by_kind.setdefault(t.kind, []).append(t)
    picked: list[Truth] = []
    while len(picked) < limit:
        for items in by_kind.values():
            if items and len(picked) < limit:
                picked.append(items.pop(0))
    return sorted(picked, key=lambda t: t.file)


def _warm_up(system: System, truths: list[Truth], corpus: Path, run: SystemRun) -> None:
    """One untimed call per code path (loop / one-shot) so JIT/lazy imports don't skew timing."""
    t0 = time.perf_counter()
    for want_loop in (True, False):
        sample = next((t for t in truths if (t.kind in LOOP_KINDS) == want_loop), None)
        if sample is not None:
            try:
                system.analyze(corpus / sample.file, sample.kind)
            except Exception as exc:
                log.debug("%s warm-up on %s failed: %s", system.name, sample.file, exc)
    run.warmup_s = time.perf_counter() - t0


def _timed(system: System, truth: Truth, corpus: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        pred = system.analyze(corpus / truth.file, truth.kind)
    except Exception as exc:  # a crash on one file must not stop the benchmark
        pred = {
            "bpm": None,
            "key": None,
            "root_midi": None,
            "error": f"{type(exc).__name__}: {exc}",
        }
    pred["seconds"] = time.perf_counter() - t0
    return pred


def run_interleaved(
    systems: list[System], truths: list[Truth], corpus: Path, *, warmup: bool, progress: Progress
) -> list[SystemRun]:
    """Each file through every system before the next file: on a shared machine whose load
    drifts, every system meets the same load, so their time ratio holds."""
    runs = [SystemRun(name=s.name, version=str(getattr(s, "version", "?"))) for s in systems]
    if warmup:
        for system, run in zip(systems, runs, strict=True):
            _warm_up(system, truths, corpus, run)
    task = progress.add_task("interleaved", total=len(truths))
    for t in truths:
        for system, run in zip(systems, runs, strict=True):
            run.predictions[t.file] = _timed(system, t, corpus)
        progress.advance(task)
    return runs


def run_system(
    system: System, truths: list[Truth], corpus: Path, *, warmup: bool, progress: Progress
) -> SystemRun:
    run = SystemRun(name=system.name, version=str(getattr(system, "version", "?")))
    if warmup:
        _warm_up(system, truths, corpus, run)
    task = progress.add_task(system.name, total=len(truths))
    for t in truths:
        run.predictions[t.file] = _timed(system, t, corpus)
        progress.advance(task)
    return run


def _score(truth: Truth, pred: dict[str, Any]) -> dict[str, Any]:
    scores: dict[str, Any] = {}
    if truth.kind in LOOP_KINDS and truth.bpm is not None:
        scores["tempo_acc1"] = tempo_accuracy1(pred.get("bpm"), truth.bpm)
        scores["tempo_acc2"] = tempo_accuracy2(pred.get("bpm"), truth.bpm)
    if truth.key is not None:
        scores["key_exact"] = key_exact(truth.key, pred.get("key"))
        scores["key_mirex"] = mirex_key_score(truth.key, pred.get("key"))
    if truth.kind == "oneshot" and truth.root_midi is not None:
        scores["pitch_class"] = pitch_class_correct(pred.get("root_midi"), truth.root_midi)
        if not truth.octave_ambiguous:
            scores["pitch_octave"] = octave_exact(pred.get("root_midi"), truth.root_midi)
    if isinstance(pred.get("is_loop"), bool):
        scores["is_loop_ok"] = pred["is_loop"] == (truth.kind in LOOP_KINDS)
    return scores


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def summarize(run: SystemRun, truths: list[Truth]) -> dict[str, Any]:
    per: dict[str, list[float]] = {}

    def add(metric: str, value: float) -> None:
        per.setdefault(metric, []).append(float(value))

    for t in truths:
        pred = run.predictions[t.file]
        for metric, value in _score(t, pred).items():
            add(metric, value)
            if metric.startswith("tempo"):
                add(f"{metric}[{t.kind}]", value)
            if metric == "key_exact" and t.key:
                add(f"key_exact[{t.key.split()[1]}]", value)
                add(
                    f"key_relative[{t.key.split()[1]}]",
                    mirex_key_score(t.key, pred.get("key")) == 0.3,
                )
        if t.kind == "drumloop":
            add("drum_key_none", pred.get("key") is None)
    seconds = [run.predictions[t.file]["seconds"] for t in truths]
    summary: dict[str, Any] = {m: _mean(v) for m, v in per.items()}
    summary.update({f"n[{m}]": len(v) for m, v in per.items()})
    summary["seconds_mean"] = _mean(seconds)
    summary["seconds_median"] = statistics.median(seconds) if seconds else None
    summary["seconds_total"] = sum(seconds)
    summary["warmup_s"] = run.warmup_s
    summary["errors"] = sum("error" in run.predictions[t.file] for t in truths)
    return summary


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def render_tables(console: Console, summaries: dict[str, dict[str, Any]], n_files: int) -> None:
    if not summaries:
        return
    first = next(iter(summaries.values()))

    def n(metric: str) -> int:
        return int(
            max(s.get(f"n[{metric}]", 0) for s in summaries.values())
            or first.get(f"n[{metric}]", 0)
        )

    main = Table(title=f"Accuracy and speed ({n_files} files)")
    columns: list[tuple[str, str, Callable[[Any], str]]] = [
        (f"Tempo Acc1\n(n={n('tempo_acc1')})", "tempo_acc1", _pct),
        ("Tempo Acc2", "tempo_acc2", _pct),
        (f"Key exact\n(n={n('key_exact')})", "key_exact", _pct),
        ("Key MIREX", "key_mirex", _pct),
        (f"Root PC\n(n={n('pitch_class')})", "pitch_class", _pct),
        (f"Root octave\n(n={n('pitch_octave')})", "pitch_octave", _pct),
        ("s/file mean", "seconds_mean", lambda v: "—" if v is None else f"{v:.3f}"),
        ("s total", "seconds_total", lambda v: f"{v:.1f}"),
        ("errors", "errors", str),
    ]
    main.add_column("System", style="bold")
    for header, _, _ in columns:
        main.add_column(header, justify="right")
    for name, s in summaries.items():
        main.add_row(name, *(fmt(s.get(key)) for _, key, fmt in columns))
    console.print(main)

    detail = Table(title="Breakdown")
    detail_cols = [
        ("Acc1 loop", "tempo_acc1[loop]"),
        ("Acc1 drumloop", "tempo_acc1[drumloop]"),
        ("Acc2 loop", "tempo_acc2[loop]"),
        ("Acc2 drumloop", "tempo_acc2[drumloop]"),
        ("Key exact major", "key_exact[major]"),
        ("Key exact minor", "key_exact[minor]"),
        ("Relative err maj", "key_relative[major]"),
        ("Relative err min", "key_relative[minor]"),
        ("No key on drumloops", "drum_key_none"),
        ("is_loop acc", "is_loop_ok"),
    ]
    detail.add_column("System", style="bold")
    for header, _ in detail_cols:
        detail.add_column(header, justify="right")
    for name, s in summaries.items():
        detail.add_row(name, *(_pct(s.get(key)) for _, key in detail_cols))
    console.print(detail)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return str(value)


def write_results(
    path: Path,
    corpus: Path,
    truths: list[Truth],
    runs: list[SystemRun],
    summaries: dict[str, dict[str, Any]],
) -> None:
    files = []
    for t in truths:
        entry: dict[str, Any] = {
            "file": t.file,
            "kind": t.kind,
            "truth": {
                k: t.row[k]
                for k in ("bpm", "bars", "key", "root_midi", "sample_type", "detail")
                if k in t.row
            },
            "predictions": {},
        }
        for run in runs:
            pred = dict(run.predictions[t.file])
            pred["scores"] = _score(t, pred)
            entry["predictions"][run.name] = pred
        files.append(entry)
    payload = {
        "corpus": str(corpus),
        "systems": {run.name: run.version for run in runs},
        "summary": summaries,
        "files": files,
    }
    path.write_text(json.dumps(_jsonable(payload), indent=1) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.accuracy", description=__doc__.split("\n")[0]
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--systems", default="samplemind,librosa,essentia")
    parser.add_argument("--limit", type=int, default=None, help="only N files (spread over kinds)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="per-file predictions JSON (default: benchmarks/results/<corpus dir name>.json)",
    )
    parser.add_argument("--no-warmup", action="store_true", help="time the very first call too")
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="each file through every system in turn (fair time ratios on a loaded machine)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(show_path=False)],
    )
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    console = Console()
    if not console.is_terminal:  # e.g. piped to a file: don't squeeze the tables into 80 columns
        console = Console(width=170)
    truths = select(load_truth(args.corpus), args.limit)
    t_start = time.perf_counter()
    runs: list[SystemRun] = []
    ready: list[System] = []
    with Progress(console=console, transient=True) as progress:
        for name in [s.strip() for s in args.systems.split(",") if s.strip()]:
            factory = SYSTEMS.get(name)
            if factory is None:
                console.print(f"{name}: unknown system (choose from {', '.join(SYSTEMS)})")
                continue
            try:
                system = factory()
            except UnavailableError as exc:
                console.print(f"{name}: not available ({exc})")
                continue
            if args.interleave:
                ready.append(system)
                continue
            runs.append(
                run_system(
                    system, truths, args.corpus, warmup=not args.no_warmup, progress=progress
                )
            )
        if ready:
            runs = run_interleaved(
                ready, truths, args.corpus, warmup=not args.no_warmup, progress=progress
            )
    summaries = {run.name: summarize(run, truths) for run in runs}
    render_tables(console, summaries, len(truths))
    out: Path = args.out or Path("benchmarks/results") / f"{args.corpus.resolve().name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_results(out, args.corpus, truths, runs, summaries)
    console.print(
        f"per-file predictions written to {out}; total {time.perf_counter() - t_start:.1f}s"
    )
    return 0 if runs else 1


if __name__ == "__main__":
    raise SystemExit(main())
