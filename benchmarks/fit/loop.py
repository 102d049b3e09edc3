"""Refit the loop/one-shot logistic regression (``_W_ATTACKS``, ``_W_END_DB``,
``_W_LOG_DURATION``, ``_BIAS`` in ``samplemind/analysis/loop.py``).

Features come from :func:`samplemind.analysis.loop.loop_features`: re-attacks capped at 8, end
level (dB) floored at -60, log2 of the duration, and a constant. The target is "is a loop"
(``kind`` ``loop`` or ``drumloop``; one-shots and drum hits are 0). The fit minimises the mean
logistic loss plus ``1e-3 * |w|^2`` over the three slopes (not the bias), with scipy's default
BFGS from zeros. All files are used, including the very short ones that ``loop_log_odds``
decides by its hard rules.

Rendered loops always ring on across the loop point (the corpus keeps the second pass), so on
their own they teach that a silent end means a one-shot. Dry programmed drum loops fall silent
between hits and at the end, so 200 synthetic dry files (seed 0: half dry drum loops of 1-4 bars
on a 16th grid, half dry one-shots: single hits, flams and cut notes) join the training set and
150 more (seed 1) are a check.

Usage::

    uv run python -m benchmarks.fit.loop CORPUS [CORPUS ...] [--eval CORPUS ...]

It prints the leave-one-corpus-out errors, the weights as Python literals and, per corpus, the
accuracy of the regression's sign and of ``loop_log_odds`` (hard rules included) with the new
weights (no file-name hints: ``benchmarks.corpus`` names are neutral).
"""

from __future__ import annotations

import math
from pathlib import Path
from unittest import mock

import numpy as np
from scipy.optimize import minimize

from benchmarks.fit.common import (
    SR,
    corpus_arguments,
    corpus_contexts,
    load_corpora,
    memory_context,
)
from samplemind.analysis import loop
from samplemind.analysis.loop import LoopFeatures, loop_features, loop_log_odds

L2 = 1e-3
NAMES = ("_W_ATTACKS", "_W_END_DB", "_W_LOG_DURATION", "_BIAS")

Example = tuple[str, LoopFeatures, bool]  # (corpus name, features, is a loop)


def corpus_examples(corpus: Path) -> list[Example]:
    return [
        (corpus.name, loop_features(ctx), row["kind"] in ("loop", "drumloop"))
        for row, ctx in corpus_contexts(corpus)
    ]


def _hit(rng: np.random.Generator, kind: str) -> np.ndarray:
    """A dry synthetic drum hit that decays to silence within its own length."""
    n = int(SR * rng.uniform(0.06, 0.35))
    t = np.arange(n) / SR
    if kind == "kick":
        f = rng.uniform(40, 70) + rng.uniform(60, 180) * np.exp(-t * rng.uniform(15, 50))
        body = np.sin(2 * np.pi * np.cumsum(f) / SR)
    elif kind == "snare":
        body = 0.5 * np.sin(2 * np.pi * rng.uniform(150, 260) * t) + rng.standard_normal(n)
    else:
        body = np.diff(rng.standard_normal(n + 1)) * rng.uniform(0.2, 0.6)
    env = np.exp(-t * rng.uniform(15, 60)) * np.minimum(1.0, t / 0.001) * np.linspace(1, 0, n)
    return body * env


def dry_examples(n: int, seed: int) -> list[Example]:
    """``n`` dry files: drum loops that are silent between hits, and dry one-shots."""
    rng = np.random.default_rng(seed)
    out: list[Example] = []
    for i in range(n):
        if i % 2 == 0:
            bpm, bars = rng.uniform(70, 180), int(rng.choice((1, 1, 2, 4)))
            step = 15 / bpm  # a 16th, s
            y = np.zeros(round(bars * 240 / bpm * SR))
            density = rng.uniform(0.15, 0.6)
            for k in range(bars * 16):
                kind = "kick" if k % 8 == 0 else "snare" if k % 8 == 4 else "hat"
                if kind == "hat" and rng.random() > density:
                    continue
                hit = _hit(rng, kind) * rng.uniform(0.3, 1.0)
                start = round(k * step * SR)
                end = min(y.size, start + hit.size)
                y[start:end] += hit[: end - start]
            is_loop = True
        else:
            shape = rng.choice(("hit", "flam", "cut note"))
            if shape == "cut note":
                t = np.arange(int(SR * rng.uniform(0.5, 2.5))) / SR
                y = np.sin(2 * np.pi * rng.uniform(40, 600) * t) * np.exp(-t * rng.uniform(0.5, 6))
            else:
                y = _hit(rng, str(rng.choice(("kick", "snare", "hat"))))
                if shape == "flam":
                    lag = int(SR * rng.uniform(0.02, 0.08))
                    y = np.concatenate([y, np.zeros(lag)])
                    y[lag:] += 0.8 * y[: y.size - lag]
                y = np.concatenate([y, np.zeros(int(SR * rng.uniform(0.0, 0.5)))])
            is_loop = False
        y = (0.9 * y / max(float(np.abs(y).max()), 1e-9)).astype(np.float32)
        out.append((f"dry{seed}", loop_features(memory_context(y)), is_loop))
    return out


def design(examples: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array(
        [
            [min(f.attacks, 8), max(f.end_db, -60.0), math.log2(max(f.duration_s, 0.01)), 1.0]
            for _, f, _ in examples
        ]
    )
    return x, np.array([is_loop for _, _, is_loop in examples], float)


def fit(examples: list[Example]) -> np.ndarray:
    x, y = design(examples)

    def nll(w: np.ndarray) -> float:
        z = x @ w
        return float(np.mean(np.logaddexp(0, z) - y * z) + L2 * (w[:-1] @ w[:-1]))

    return np.asarray(minimize(nll, np.zeros(x.shape[1])).x)


def errors(w: np.ndarray, examples: list[Example]) -> int:
    x, y = design(examples)
    return int(((x @ w > 0) != y.astype(bool)).sum())


def analyzer_accuracy(w: np.ndarray, examples: list[Example]) -> float:
    """Accuracy of the production ``loop_log_odds`` with ``w`` patched in."""
    with mock.patch.multiple(loop, **dict(zip(NAMES, map(float, w), strict=True))):
        return float(np.mean([(loop_log_odds(f) > 0) == is_loop for _, f, is_loop in examples]))


def main() -> None:
    parser = corpus_arguments(__doc__)
    args = parser.parse_args()

    train, checks, everything = load_corpora(args, corpus_examples)
    augment, held_out_dry = dry_examples(200, 0), dry_examples(150, 1)
    print(f"training: {len(everything)} files from {len(train)} corpora + {len(augment)} dry files")

    if len(train) > 1:
        wrong = 0
        for name, examples in train.items():
            w = fit([e for e in everything if e[0] != name] + augment)
            wrong += errors(w, examples)
        print(f"leave-one-corpus-out errors: {wrong} of {len(everything)}")

    w = fit(everything + augment)
    print("\n# --- paste into src/samplemind/analysis/loop.py ---")
    for name, value in zip(NAMES, np.round(w, 2), strict=True):
        print(f"{name} = {float(value) + 0.0!r}")
    print("\n# accuracy with these weights (training corpora are in-sample)")
    for name, examples in {
        **train,
        **checks,
        "dry (seed 0)": augment,
        "dry (seed 1)": held_out_dry,
    }.items():
        print(
            f"{name}: regression {1 - errors(w, examples) / len(examples):.4f}"
            f"  analyzer {analyzer_accuracy(w, examples):.4f} (n={len(examples)})"
        )


if __name__ == "__main__":
    main()
