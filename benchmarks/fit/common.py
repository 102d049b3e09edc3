"""Shared helpers of the fitting scripts: reading corpora and building analysis contexts."""

from __future__ import annotations

import argparse
import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import numpy as np

from samplemind.analysis.context import AnalysisContext
from samplemind.audio.decode import decode
from samplemind.audio.signal import AudioSignal
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel

SR = 44100
T = TypeVar("T")


def truth_rows(corpus: Path) -> list[dict[str, str]]:
    """The rows of ``corpus/truth.csv``."""
    with (corpus / "truth.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def corpus_contexts(
    corpus: Path, *, loops_only: bool = False
) -> Iterator[tuple[dict[str, str], AnalysisContext]]:
    """``(truth row, STANDARD context)`` for every file of ``corpus`` (only loops if asked)."""
    settings = Settings()
    rows = truth_rows(corpus)
    for i, row in enumerate(rows, 1):
        if i % 100 == 0:
            print(f"  {corpus.name}: {i}/{len(rows)} files", flush=True)
        if loops_only and not row["bpm"]:
            continue
        signal = decode(corpus / row["file"], settings)
        yield row, AnalysisContext(signal, level=AnalysisLevel.STANDARD, settings=settings)


def memory_context(samples: np.ndarray, sr: int = SR) -> AnalysisContext:
    """A DETAILED context of an in-memory mono signal."""
    signal = AudioSignal.from_array(samples, sr, path="mem.wav")
    return AnalysisContext(signal, level=AnalysisLevel.DETAILED, settings=Settings())


def corpus_arguments(doc: str | None) -> argparse.ArgumentParser:
    """The command line every fitting script shares: training corpora and ``--eval`` ones."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("corpora", nargs="+", type=Path, help="training corpora")
    parser.add_argument("--eval", nargs="*", type=Path, default=[], help="check-only corpora")
    return parser


def load_corpora(
    args: argparse.Namespace, examples: Callable[[Path], list[T]]
) -> tuple[dict[str, list[T]], dict[str, list[T]], list[T]]:
    """``(training by corpus, checks by corpus, all training examples)``."""
    train = {c.name: examples(c) for c in args.corpora}
    checks = {c.name: examples(c) for c in args.eval}
    return train, checks, [e for corpus in train.values() for e in corpus]


def fmt(values: np.ndarray, decimals: int) -> str:
    """``"a, b, c"`` rounded, with ``-0.0`` written as ``0.0``."""
    return ", ".join(repr(float(v) + 0.0) for v in np.round(values, decimals))
