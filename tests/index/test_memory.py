"""The reference index at library scale."""

from __future__ import annotations

import time

import numpy as np

from samplemind.index import MemoryVectorIndex


def test_exact_and_fast_at_100k_by_64() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((100_000, 64)).astype(np.float32)
    index = MemoryVectorIndex()
    index.upsert("timbre", list(range(100_000)), vectors)
    rows = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = rng.standard_normal((20, 64)).astype(np.float32)
    index.query("timbre", queries[0], n=10)  # builds the stacked matrix once
    started = time.perf_counter()
    results = [index.query("timbre", q, n=10, exclude={1, 2, 3}) for q in queries]
    elapsed = time.perf_counter() - started
    for query, hits in zip(queries, results, strict=True):
        scores = rows @ (query / np.linalg.norm(query))
        scores[[1, 2, 3]] = -np.inf
        assert [i for i, _ in hits] == np.argsort(-scores)[:10].tolist()
    assert elapsed < 1.0  # ~5 ms a query; generous for a loaded 2-core machine
    restricted = index.query("timbre", queries[0], n=5, restrict_to=range(0, 100_000, 2))
    assert all(i % 2 == 0 for i, _ in restricted)


def test_writes_invalidate_the_stacked_matrix() -> None:
    index = MemoryVectorIndex()
    a, b = np.eye(64, dtype=np.float32)[:2]
    index.upsert("timbre", [1], a[None])
    assert index.query("timbre", b, n=1)[0][0] == 1
    index.upsert("timbre", [2], b[None])
    assert index.query("timbre", b, n=1)[0] == (2, 1.0)
    index.delete([2])
    assert [i for i, _ in index.query("timbre", b, n=5)] == [1]
