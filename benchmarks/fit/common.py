"""Shared helpers of the fitting scripts: reading corpora and building analysis contexts."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from samplemind.analysis.context import AnalysisContext
from samplemind.audio.decode import decode
from samplemind.audio.signal import AudioSignal
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, AudioInfo

SR = 44100


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
    """A DETAILED context of an in-memory mono signal (as ``tests.analysis.helpers.context``)."""
    data = samples.astype(np.float32)[:, None]
    info = AudioInfo(
        format="WAV",
        subtype="FLOAT",
        bit_depth=32,
        sample_rate_hz=sr,
        channels=1,
        frames=data.shape[0],
        duration_s=data.shape[0] / sr,
        file_size_bytes=data.nbytes,
    )
    signal = AudioSignal("mem.wav", data, sr, info)
    return AnalysisContext(signal, level=AnalysisLevel.DETAILED, settings=Settings())


def fmt(values: np.ndarray, decimals: int) -> str:
    """``"a, b, c"`` rounded, with ``-0.0`` written as ``0.0``."""
    return ", ".join(repr(float(v) + 0.0) for v in np.round(values, decimals))
