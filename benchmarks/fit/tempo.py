"""Refit the tempo analyzer's softmax weights (``_W_METRE``, ``_W_BARS`` in
``samplemind/analysis/tempo.py``).

Every loop of a corpus (rows with a ``bpm``) is one training example: its bar-grid candidates
(:func:`samplemind.analysis.tempo._grid_features`, powers-of-two bar counts only) are scored by
``features @ w`` and the true bar count must win the softmax. Each candidate's features are the 22
metre features followed by a one-hot of ``min(bars, 16)`` over (1, 2, 4, 8, 16), whose weights are
the bar-count log-prior. The fit minimises the mean negative log-likelihood plus ``L2 * |w|^2``
(``--l2``, default 0.001)
(L-BFGS-B from zeros). 80 synthetic click tracks (seed 0) are added to the training set so
sparse material (a lone click per beat) gets the right metrical level; 60 more (seed 1) are a
held-out check.

Usage::

    uv run python -m benchmarks.fit.tempo CORPUS [CORPUS ...] [--eval CORPUS ...] [--no-cv]

It prints the leave-one-corpus-out accuracy (each training corpus predicted by weights fitted
on the others plus the clicks), the final weights as Python literals and the accuracy (chosen
bar count correct) on every corpus.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from benchmarks.fit.common import (
    SR,
    corpus_arguments,
    corpus_contexts,
    fmt,
    load_corpora,
    memory_context,
)
from samplemind.analysis import tempo
from samplemind.analysis.context import AnalysisContext

#: Bar counts of the one-hot prior (16 stands for 16 and more), as ``tempo._W_BARS``.
BARS_KEYS = (1, 2, 4, 8, 16)
L2 = 0.001
#: Layout of ``_W_METRE``: all-band grid and tempo prior, then low, mid and high, then sparse.
METRE_GROUPS = (6, 4, 4, 4, 4)

Candidates = list[tuple[int, float, np.ndarray]]
Example = tuple[str, int, Candidates]  # (corpus name, true bars, candidates)


def candidate_features(ctx: AnalysisContext) -> Candidates:
    """``(bars, bpm, features + bar one-hot)`` of the power-of-two bar-grid candidates."""
    out = []
    for bars, bpm, features in tempo._grid_features(ctx):
        if bars & (bars - 1):
            continue  # 3, 6, 12, 24 bars: the hand-set _NOT_POWER_OF_TWO penalty, not fitted
        one_hot = np.array([float(min(bars, 16) == k) for k in BARS_KEYS])
        out.append((bars, bpm, np.concatenate([features, one_hot])))
    return out


def corpus_examples(corpus: Path) -> list[Example]:
    return [
        (corpus.name, int(row["bars"]), candidate_features(ctx))
        for row, ctx in corpus_contexts(corpus, loops_only=True)
    ]


def click_examples(n: int, seed: int) -> list[Example]:
    """``n`` click tracks: 60-190 BPM, 1-8 bars, sine/noise/wood blips, 70% accented downbeats."""
    rng = random.Random(seed)
    out = []
    length = int(0.03 * SR)
    t = np.arange(length) / SR
    for i in range(n):
        bpm = rng.randint(60, 190)
        bars = rng.choice((1, 2, 2, 4, 4, 8))
        accent = rng.random() < 0.7
        frames = round(bars * 240 / bpm * SR)
        y = np.zeros(frames, np.float32)
        kind = rng.choice(("sine", "noise", "wood"))
        noise = np.random.default_rng(i + 1000 * seed).standard_normal(length)
        tone = {
            "sine": np.sin(2 * np.pi * rng.choice((800, 1000, 1500)) * t),
            "noise": noise,
            "wood": np.sin(2 * np.pi * 2500 * t) + 0.3 * noise,
        }[kind]
        blip = tone * np.exp(-t / rng.uniform(0.002, 0.01))
        for beat in range(bars * 4):
            start = round(beat * 60 / bpm * SR)
            gain = 1.0 if (beat % 4 == 0 or not accent) else rng.uniform(0.4, 0.8)
            end = min(frames, start + length)
            y[start:end] += gain * 0.8 * blip[: end - start]
        out.append((f"clicks{seed}", bars, candidate_features(memory_context(y))))
    return out


def design(examples: list[Example]) -> tuple[list[np.ndarray], list[int]]:
    """Per example the ``(candidates, features)`` matrix and the index of the true bar count."""
    xs, ys = [], []
    for _, bars, candidates in examples:
        labels = [i for i, (b, _, _) in enumerate(candidates) if b == bars]
        if not labels:
            continue  # true bar count outside the grid (never happens on benchmarks.corpus)
        xs.append(np.stack([f for _, _, f in candidates]))
        ys.append(labels[0])
    return xs, ys


def nll(w: np.ndarray, xs: list[np.ndarray], ys: list[int], l2: float) -> tuple[float, np.ndarray]:
    """Mean negative log-likelihood plus ``l2 * |w|^2``, and its gradient."""
    total, grad = 0.0, np.zeros_like(w)
    for x, y in zip(xs, ys, strict=True):
        z = x @ w
        z = z - z.max()
        p = np.exp(z)
        p /= p.sum()
        total -= float(np.log(p[y] + 1e-300))
        grad += x.T @ p - x[y]
    return total / len(xs) + l2 * float(w @ w), grad / len(xs) + 2 * l2 * w


def fit(examples: list[Example], l2: float = L2) -> np.ndarray:
    xs, ys = design(examples)
    result = minimize(nll, np.zeros(xs[0].shape[1]), args=(xs, ys, l2), jac=True, method="L-BFGS-B")
    return np.asarray(result.x)


def accuracy(w: np.ndarray, examples: list[Example]) -> float:
    xs, ys = design(examples)
    return float(np.mean([int(np.argmax(x @ w)) == y for x, y in zip(xs, ys, strict=True)]))


def literal(w: np.ndarray) -> str:
    metre, bars = w[: -len(BARS_KEYS)], w[-len(BARS_KEYS) :]
    lines, i = [], 0
    for size in METRE_GROUPS:
        lines.append(f"        *({fmt(metre[i : i + size], 3)}),")
        i += size
    prior = ", ".join(
        f"{k}: {float(v) + 0.0!r}" for k, v in zip(BARS_KEYS, np.round(bars, 3), strict=True)
    )
    return "_W_METRE = np.array(\n    [\n" + "\n".join(lines) + f"\n    ]\n)\n_W_BARS = {{{prior}}}"


def main() -> None:
    parser = corpus_arguments(__doc__)
    parser.add_argument("--no-cv", action="store_true", help="skip leave-one-corpus-out")
    parser.add_argument("--l2", type=float, default=L2, help=f"L2 penalty (default {L2})")
    args = parser.parse_args()

    train, checks, everything = load_corpora(args, corpus_examples)
    augment, held_out_clicks = click_examples(80, 0), click_examples(60, 1)
    print(f"training: {len(everything)} loops from {len(train)} corpora + {len(augment)} clicks")

    if not args.no_cv and len(train) > 1:
        right = total = 0.0
        for name, examples in train.items():
            others = [e for e in everything if e[0] != name]
            acc = accuracy(fit(others + augment, args.l2), examples)
            print(f"  cv {name}: {acc:.4f} (n={len(examples)})")
            right, total = right + acc * len(examples), total + len(examples)
        print(f"leave-one-corpus-out accuracy {right / total:.4f}")

    w = fit(everything + augment, args.l2)
    print("\n# --- paste into src/samplemind/analysis/tempo.py ---")
    print(literal(w))
    print("\n# bar-count accuracy with these weights (training corpora are in-sample)")
    for name, examples in {**train, **checks}.items():
        print(f"{name}: {accuracy(w, examples):.4f} (n={len(examples)})")
    print(f"held-out clicks (seed 1): {accuracy(w, held_out_clicks):.4f}")


if __name__ == "__main__":
    main()
