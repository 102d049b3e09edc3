"""Sanity-check a rendered corpus: exact loop lengths, no silence, no clipping.

Usage::

    uv run python -m benchmarks.check CORPUS_DIR
"""

from __future__ import annotations

import argparse
import csv
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
from rich.console import Console
from rich.table import Table

from benchmarks.corpus import loop_frames


def _db(x: float) -> float:
    return 20.0 * math.log10(max(x, 1e-12))


def check_row(corpus: Path, row: dict[str, str]) -> tuple[list[str], dict[str, float]]:
    problems: list[str] = []
    path = corpus / row["file"]
    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    peak = float(np.max(np.abs(audio)))
    stats = {"peak_db": _db(peak), "seconds": len(audio) / sr}
    if sr != 44100:
        problems.append(f"sample rate {sr}")
    if peak >= 0.999:
        problems.append(f"clipping (peak {peak:.4f})")
    if peak < 10 ** (-30 / 20):
        problems.append(f"very quiet (peak {_db(peak):.1f} dBFS)")
    if row["bpm"]:
        expected = loop_frames(float(row["bpm"]), int(row["bars"]), sr)
        if len(audio) != expected:
            problems.append(f"{len(audio)} frames, expected {expected}")
        # fraction of 50 ms windows that are (near) silent
        win = int(0.05 * sr)
        n = len(mono) // win
        rms = np.sqrt(np.mean(mono[: n * win].reshape(n, win) ** 2, axis=1))
        silent = float(np.mean(rms < peak * 10 ** (-50 / 20))) if n else 1.0
        stats["silent_frac"] = silent
        if silent > 0.5:
            problems.append(f"{silent:.0%} silent")
    else:
        head = mono[: int(0.1 * sr)]
        head_rms = float(np.sqrt(np.mean(head**2))) if head.size else 0.0
        stats["head_rms_db"] = _db(head_rms)
        if head_rms < peak * 10 ** (-40 / 20):
            problems.append(f"first 100 ms nearly silent ({_db(head_rms):.1f} dBFS)")
        lead = int(np.argmax(np.abs(mono) > peak * 0.01))
        stats["lead_ms"] = 1000.0 * lead / sr
        if lead > 0.05 * sr:
            problems.append(f"{1000 * lead / sr:.0f} ms leading silence")
    return problems, stats


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.check")
    parser.add_argument("corpus", type=Path)
    args = parser.parse_args(argv)
    console = Console()
    with (args.corpus / "truth.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    bad = 0
    per_kind: dict[str, list[dict[str, float]]] = {}
    for row in rows:
        problems, stats = check_row(args.corpus, row)
        per_kind.setdefault(row["kind"], []).append(stats)
        if problems:
            bad += 1
            console.print(
                f"[red]{row['file']}[/] ({row['kind']}, {row['detail']}): {'; '.join(problems)}"
            )
    table = Table(title=f"{args.corpus} — {len(rows)} files")
    for col in ("kind", "n", "seconds min/med/max", "peak dBFS min/max", "extra"):
        table.add_column(col)
    for kind, kind_stats in sorted(per_kind.items()):
        secs = np.array([s["seconds"] for s in kind_stats])
        peaks = np.array([s["peak_db"] for s in kind_stats])
        if "silent_frac" in kind_stats[0]:
            extra = f"max silent frac {max(s['silent_frac'] for s in kind_stats):.2f}"
        else:
            extra = f"max lead {max(s['lead_ms'] for s in kind_stats):.1f} ms"
        table.add_row(
            kind,
            str(len(kind_stats)),
            f"{secs.min():.2f}/{np.median(secs):.2f}/{secs.max():.2f}",
            f"{peaks.min():.1f}/{peaks.max():.1f}",
            extra,
        )
    console.print(table)
    console.print(dict(Counter(r["soundfont"] for r in rows)))
    console.print(f"{bad} file(s) with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
