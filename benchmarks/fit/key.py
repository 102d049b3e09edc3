"""Refit the key model's weights (``_WEIGHTS``, ``_TONAL_WEIGHTS``, ``_TONAL_BIAS`` in
``samplemind/analysis/key.py``).

Features come from the production code on ``ctx.chromagram`` and
:func:`samplemind.analysis.key.chord_track`:

* key weights: :func:`~samplemind.analysis.key._features` (profile, chords, first, cadence per
  key) of every tonal ``loop``, except the two progressions whose audio is identical to their
  relative's (``vi-IV-I-V``, ``i-VI-III-VII``). Softmax over the 24 keys, mean negative
  log-likelihood plus ``1e-3 * |w|^2``, L-BFGS-B from 0.1;
* tonality: the four features of :func:`~samplemind.analysis.key._tonality_logit` (read through
  it with unit weights) of every ``loop`` (1) against every ``drumloop`` and ``drumhit`` (0);
  one-shots are left out. Logistic loss plus ``1e-4 * |w|^2`` (not the bias), L-BFGS-B from 0.

Usage::

    uv run python -m benchmarks.fit.key CORPUS [CORPUS ...] [--eval CORPUS ...]

It prints the weights as Python literals, then per corpus the key accuracy on its tonal loops
(exact and MIREX, through the production gate: tonality logit over -1.5 for loops and +1.5 for
the rest, single-harmonic-series share at most 0.75) and how the gate sorted each kind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import numpy as np
from scipy.optimize import minimize

from benchmarks.fit.common import corpus_arguments, corpus_contexts, load_corpora
from benchmarks.metrics import mirex_key_score
from samplemind.analysis import key
from samplemind.analysis.chroma import Chromagram
from samplemind.domain.music import Mode, MusicalKey

#: Progressions whose audio equals their relative key's: left out of the key fit.
AMBIGUOUS = {"vi-IV-I-V", "i-VI-III-VII"}
KEY_L2 = 1e-3
TONAL_L2 = 1e-4


@dataclass(frozen=True)
class Example:
    corpus: str
    row: dict[str, str]
    key_features: np.ndarray  # (24, 4)
    tonal_features: np.ndarray  # (4,)
    single_share: float


def tonal_features(chromagram: Chromagram) -> np.ndarray:
    """The features of ``key._tonality_logit``, read through it with unit weights and no bias."""
    out = []
    with mock.patch.object(key, "_TONAL_BIAS", 0.0):
        for unit in np.eye(4):
            with mock.patch.object(key, "_TONAL_WEIGHTS", unit):
                out.append(key._tonality_logit(chromagram))
    return np.array(out)


def corpus_examples(corpus: Path) -> list[Example]:
    out = []
    for row, ctx in corpus_contexts(corpus):
        chromagram = ctx.chromagram
        mean_chroma = chromagram.chroma[chromagram.active].mean(axis=0)
        out.append(
            Example(
                corpus=corpus.name,
                row=row,
                key_features=key._features(mean_chroma, key.chord_track(ctx)),
                tonal_features=tonal_features(chromagram),
                single_share=key._single_series_share(chromagram),
            )
        )
    return out


def key_index(name: str) -> int:
    parsed = MusicalKey.parse(name)
    return parsed.tonic + 12 * (parsed.mode == Mode.MINOR)


def is_key_example(e: Example) -> bool:
    return e.row["kind"] == "loop" and e.row["detail"].split("/")[0] not in AMBIGUOUS


def fit_key(examples: list[Example]) -> np.ndarray:
    used = [e for e in examples if is_key_example(e)]
    x = np.array([e.key_features for e in used])
    y = np.array([key_index(e.row["key"]) for e in used])

    def nll(w: np.ndarray) -> float:
        s = x @ w
        s = s - s.max(axis=1, keepdims=True)
        log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(y)), y].mean() + KEY_L2 * (w @ w))

    return np.asarray(minimize(nll, np.ones(4) * 0.1, method="L-BFGS-B").x)


def fit_tonal(examples: list[Example]) -> np.ndarray:
    used = [e for e in examples if e.row["kind"] != "oneshot"]
    x = np.array([np.append(e.tonal_features, 1.0) for e in used])
    y = np.array([e.row["kind"] == "loop" for e in used], float)
    if not np.isfinite(x).all():
        raise SystemExit("a file has no chroma energy: tonality features are not finite")

    def nll(v: np.ndarray) -> float:
        z = x @ v
        loss = np.logaddexp(0, -z) * y + np.logaddexp(0, z) * (1 - y)
        return float(np.mean(loss) + TONAL_L2 * v[:-1] @ v[:-1])

    return np.asarray(minimize(nll, np.zeros(5), method="L-BFGS-B").x)


def report(name: str, examples: list[Example], w: np.ndarray, v: np.ndarray) -> None:
    """Key accuracy of the tonal loops through the production gate, as the analyzer decides."""
    gate: Counter[tuple[str, bool]] = Counter()
    scores: dict[str, list[tuple[bool, float]]] = {"all": [], "non-ambiguous": []}
    for e in examples:
        kind = e.row["kind"]
        logit = float(np.append(e.tonal_features, 1.0) @ v)
        threshold = (
            key._TONAL_LOGIT_LOOP if kind in ("loop", "drumloop") else key._TONAL_LOGIT_ONE_SHOT
        )
        has_key = logit > threshold and e.single_share <= key._SINGLE_NOTE_SHARE
        gate[kind, bool(has_key)] += 1
        if kind != "loop":
            continue
        estimate = None
        if has_key:
            estimate = key._KEYS[int(np.argmax(e.key_features @ w))].name
        reference = e.row["key"]
        result = (
            estimate is not None and key_index(estimate) == key_index(reference),
            mirex_key_score(reference, estimate),
        )
        scores["all"].append(result)
        if e.row["detail"].split("/")[0] not in AMBIGUOUS:
            scores["non-ambiguous"].append(result)
    parts = []
    for k, s in scores.items():
        if s:
            exact, mirex = np.mean([a for a, _ in s]), np.mean([b for _, b in s])
            parts.append(f"{k} exact {exact:.3f} mirex {mirex:.3f} n={len(s)}")
    print(f"{name}: " + "; ".join(parts))
    print("   gate (kind, has key): " + ", ".join(f"{k}={n}" for k, n in sorted(gate.items())))


def main() -> None:
    parser = corpus_arguments(__doc__)
    args = parser.parse_args()

    train, checks, everything = load_corpora(args, corpus_examples)
    n_key = sum(is_key_example(e) for e in everything)
    print(f"training: {len(everything)} files from {len(train)} corpora ({n_key} key loops)")

    w, v = fit_key(everything), fit_tonal(everything)
    print("\n# --- paste into src/samplemind/analysis/key.py ---")
    print(f"_WEIGHTS = np.array([{', '.join(repr(float(x)) for x in np.round(w, 2))}])")
    print(f"_TONAL_WEIGHTS = np.array([{', '.join(repr(float(x)) for x in np.round(v[:-1], 2))}])")
    print(f"_TONAL_BIAS = {float(np.round(v[-1], 2))!r}")
    print("\n# key accuracy with these weights (training corpora are in-sample)")
    for name, examples in {**train, **checks}.items():
        report(name, examples, w, v)


if __name__ == "__main__":
    main()
