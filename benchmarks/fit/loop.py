"""Refit the loop/one-shot logistic regression (``_W_ATTACKS``, ``_W_END_DB``,
``_W_LOG_DURATION``, ``_BIAS`` in ``samplemind/analysis/loop.py``).

Features come from :func:`samplemind.analysis.loop.loop_features`: re-attacks capped at 8, end
level (dB) floored at -60, log2 of the duration, and a constant. The target is "is a loop"
(``kind`` ``loop`` or ``drumloop``; one-shots and drum hits are 0). The fit minimises the mean
logistic loss plus ``1e-3 * |w|^2`` over the three slopes (not the bias), with scipy's default
BFGS from zeros. All files are used, including the very short ones that ``loop_log_odds``
decides by its hard rules.

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

from benchmarks.fit.common import corpus_arguments, corpus_contexts, load_corpora
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
    print(f"training: {len(everything)} files from {len(train)} corpora")

    if len(train) > 1:
        wrong = 0
        for name, examples in train.items():
            w = fit([e for e in everything if e[0] != name])
            wrong += errors(w, examples)
        print(f"leave-one-corpus-out errors: {wrong} of {len(everything)}")

    w = fit(everything)
    print("\n# --- paste into src/samplemind/analysis/loop.py ---")
    for name, value in zip(NAMES, np.round(w, 2), strict=True):
        print(f"{name} = {float(value) + 0.0!r}")
    print("\n# accuracy with these weights (training corpora are in-sample)")
    for name, examples in {**train, **checks}.items():
        print(
            f"{name}: regression {1 - errors(w, examples) / len(examples):.4f}"
            f"  analyzer {analyzer_accuracy(w, examples):.4f} (n={len(examples)})"
        )


if __name__ == "__main__":
    main()
