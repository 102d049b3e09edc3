"""The ``VectorIndex`` contract: every test runs against every adapter.

* ``memory``: the exact numpy reference;
* ``chroma-persistent``: embedded ChromaDB in ``tmp_path``;
* ``chroma-http``: a real ChromaDB server (``chroma run``, from the installed package) on a free
  port of 127.0.0.1, started once per session; each test uses its own collection prefix. If the
  server cannot start, its tests fail with the server's output: they are never skipped.

Approximate (HNSW) adapters must reach recall@10 >= 0.9 against numpy brute force; the reference
must be exact.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import pytest

from samplemind.errors import VectorIndexError
from samplemind.index import (
    SPACES,
    MemoryVectorIndex,
    Space,
    VectorIndex,
    spaces_fingerprint,
    vectors_from_outputs,
    weighted_query,
)

RAND = Space("rand", 32, 1, "random test vectors")
DOT = Space("dot", 4, 1, "inner-product test vectors", metric="ip")
TEST_SPACES = (RAND, DOT)

KINDS = ["memory", "chroma-persistent", "chroma-http"]


class Opener(Protocol):
    def __call__(self, spaces: tuple[Space, ...] = TEST_SPACES) -> VectorIndex: ...


# --- the ChromaDB server ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ChromaDB server of the installed chromadb, on 127.0.0.1, for the whole session."""
    root = tmp_path_factory.mktemp("chroma-server")
    log_path = root / "server.log"
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        pytest.fail(f"the chroma CLI is not installed next to {sys.executable}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [chroma, "run", "--path", root / "data", "--port", str(port), "--host", "127.0.0.1"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"chroma run exited with {process.returncode}:\n{log_path.read_text('utf-8')}"
                )
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"chroma run did not answer in 60 s:\n{log_path.read_text('utf-8')}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- one opener per adapter ------------------------------------------------------------------


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_index(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens the adapter under test; a second call reopens the same storage."""
    opened: list[VectorIndex] = []
    prefix = f"t{uuid.uuid4().hex[:12]}"
    url = request.getfixturevalue("chroma_url") if kind == "chroma-http" else ""
    memory: list[VectorIndex] = []

    def open_index(spaces: tuple[Space, ...] = TEST_SPACES) -> VectorIndex:
        from samplemind.index import ChromaVectorIndex

        index: VectorIndex
        if kind == "memory":
            if not memory:  # "reopening" a memory index gives the same object
                memory.append(MemoryVectorIndex(spaces=spaces))
            return memory[0]
        if kind == "chroma-persistent":
            index = ChromaVectorIndex.persistent(tmp_path / "chroma", spaces=spaces, prefix=prefix)
        else:
            index = ChromaVectorIndex.http(url, spaces=spaces, prefix=prefix)
        opened.append(index)
        return index

    yield open_index
    for index in opened + memory:
        index.close()


@pytest.fixture
def index(make_index: Opener) -> VectorIndex:
    return make_index()


# --- helpers ---------------------------------------------------------------------------------


def random_vectors(n: int, dim: int, *, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def cosine_truth(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    rows = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    scores: np.ndarray = rows @ (query / np.linalg.norm(query))
    return scores


def top_ids(scores: np.ndarray, ids: np.ndarray, n: int) -> list[int]:
    order = np.lexsort((ids, -scores))[:n]
    return [int(ids[i]) for i in order]


# --- the contract ----------------------------------------------------------------------------


def test_an_empty_index_answers_empty(index: VectorIndex) -> None:
    assert index.count("rand") == 0
    assert index.ids("rand") == set()
    assert index.query("rand", np.ones(32), n=5) == []
    assert index.get("rand", [1, 2]) == {}
    assert index.meta() == {}
    assert not index.is_stale()
    index.delete([1, 2, 3])  # unknown ids are ignored


def test_query_ranks_like_brute_force(index: VectorIndex, kind: str) -> None:
    vectors = random_vectors(300, 32)
    ids = np.arange(1000, 1300)
    index.upsert("rand", ids.tolist(), vectors)
    query = random_vectors(1, 32, seed=1)[0]
    truth = cosine_truth(vectors, query)
    hits = index.query("rand", query, n=10)
    assert len(hits) == 10
    sims = [s for _, s in hits]
    assert sims == sorted(sims, reverse=True)
    expected = top_ids(truth, ids, 10)
    got = [i for i, _ in hits]
    if kind == "memory":
        assert got == expected
    else:
        assert len(set(got) & set(expected)) >= 9
    for sample_id, similarity in hits:
        assert similarity == pytest.approx(truth[sample_id - 1000], abs=1e-4)
        assert -1.0 <= similarity <= 1.0
    assert len(index.query("rand", query, n=1000)) == 300


def test_recall_on_a_few_thousand_vectors(index: VectorIndex, kind: str) -> None:
    vectors = random_vectors(3000, 32, seed=2)
    ids = np.arange(3000)
    index.upsert("rand", ids.tolist(), vectors)
    assert index.count("rand") == 3000
    queries = random_vectors(15, 32, seed=3)
    allowed = ids[ids % 6 != 0]  # 2,500 ids: Chroma's pre-filtered search, not the exact path
    recalls, restricted = [], []
    for query in queries:
        truth = cosine_truth(vectors, query)
        got = {i for i, _ in index.query("rand", query, n=10)}
        recalls.append(len(got & set(top_ids(truth, ids, 10))) / 10)
        hits = index.query("rand", query, n=10, restrict_to=allowed.tolist())
        assert {i for i, _ in hits} <= set(allowed.tolist())
        wanted = top_ids(truth[allowed], allowed, 10)
        restricted.append(len({i for i, _ in hits} & set(wanted)) / 10)
    floor = 1.0 if kind == "memory" else 0.9
    assert np.mean(recalls) >= floor
    assert np.mean(restricted) >= floor


def test_upsert_replaces(index: VectorIndex) -> None:
    index.upsert("rand", [1, 2], random_vectors(2, 32))
    replacement = random_vectors(1, 32, seed=9)
    index.upsert("rand", [2], replacement)
    assert index.count("rand") == 2
    np.testing.assert_allclose(index.get("rand", [2])[2], replacement[0], rtol=1e-6)
    assert index.query("rand", replacement[0], n=1)[0][0] == 2


def test_exclude(index: VectorIndex) -> None:
    vectors = random_vectors(50, 32, seed=4)
    index.upsert("rand", list(range(50)), vectors)
    full = index.query("rand", vectors[7], n=5)
    assert full[0][0] == 7
    assert full[0][1] == pytest.approx(1.0, abs=1e-5)
    without = index.query("rand", vectors[7], n=5, exclude={7, 999})
    assert [i for i, _ in without] == [i for i, _ in index.query("rand", vectors[7], n=6)][1:]
    assert 7 not in {i for i, _ in without}
    everything = index.query("rand", vectors[7], n=100, exclude=range(45))
    assert sorted(i for i, _ in everything) == [45, 46, 47, 48, 49]


def test_restrict_to(index: VectorIndex) -> None:
    vectors = random_vectors(100, 32, seed=5)
    index.upsert("rand", list(range(100)), vectors)
    query = vectors[0]
    allowed = [3, 10, 42, 77, 5000]  # 5000 is not in the index
    hits = index.query("rand", query, n=10, restrict_to=allowed)
    truth = cosine_truth(vectors, query)
    assert [i for i, _ in hits] == sorted(allowed[:4], key=lambda i: -truth[i])
    for sample_id, similarity in hits:
        assert similarity == pytest.approx(truth[sample_id], abs=1e-4)
    assert [i for i, _ in index.query("rand", query, n=2, restrict_to=allowed)] == [
        i for i, _ in hits[:2]
    ]
    assert index.query("rand", query, n=5, restrict_to=[]) == []
    assert index.query("rand", query, n=5, restrict_to=[5000, 6000]) == []
    excluded = index.query("rand", query, n=10, restrict_to=allowed, exclude=[hits[0][0]])
    assert [i for i, _ in excluded] == [i for i, _ in hits[1:]]
    assert index.query("rand", query, n=0) == []


def test_delete_removes_from_every_space(index: VectorIndex) -> None:
    index.upsert("rand", [1, 2, 3], random_vectors(3, 32))
    index.upsert("dot", [2, 3, 4], random_vectors(3, 4))
    index.delete([2, 3, 99])
    assert index.ids("rand") == {1}
    assert index.ids("dot") == {4}
    assert index.get("rand", [1, 2, 3]).keys() == {1}
    assert [i for i, _ in index.query("dot", np.ones(4), n=10)] == [4]


def test_get_ids_and_count(index: VectorIndex) -> None:
    vectors = random_vectors(20, 32, seed=6)
    index.upsert("rand", list(range(100, 120)), vectors)
    got = index.get("rand", [100, 119, 5])
    assert got.keys() == {100, 119}
    for sample_id, vector in got.items():
        assert vector.dtype == np.float32
        np.testing.assert_allclose(vector, vectors[sample_id - 100], rtol=1e-6)
    assert index.ids("rand") == set(range(100, 120))
    assert index.count("rand") == 20
    assert index.count("dot") == 0
    index.upsert("rand", [], np.zeros((0, 32), dtype=np.float32))
    assert index.count("rand") == 20


def test_inner_product_space(index: VectorIndex) -> None:
    vectors = np.array([[1, 0, 0, 0], [0, 0.5, 0, 0], [-1, 0, 0, 0]], dtype=np.float32)
    index.upsert("dot", [1, 2, 3], vectors)
    hits = index.query("dot", np.array([0.6, 0.8, 0, 0]), n=3)
    assert [i for i, _ in hits] == [1, 2, 3]
    assert [s for _, s in hits] == pytest.approx([0.6, 0.4, -0.6], abs=1e-5)


def test_bad_arguments_are_vector_index_errors(index: VectorIndex) -> None:
    with pytest.raises(VectorIndexError, match=r"'rand' holds 32-dimensional vectors, got 16"):
        index.upsert("rand", [1], random_vectors(1, 16))
    with pytest.raises(VectorIndexError, match=r"'rand' holds 32-dimensional vectors, got 31"):
        index.query("rand", np.ones(31), n=3)
    with pytest.raises(VectorIndexError, match="expected 2 vectors"):
        index.upsert("rand", [1, 2], random_vectors(3, 32))
    with pytest.raises(VectorIndexError, match="unknown vector space 'nope'; valid: rand, dot"):
        index.count("nope")
    with pytest.raises(VectorIndexError, match="finite"):
        index.upsert("rand", [1], np.full((1, 32), np.nan))
    with pytest.raises(VectorIndexError, match="zero vector"):
        index.upsert("rand", [1], np.zeros((1, 32)))
    with pytest.raises(VectorIndexError, match="duplicate"):
        index.upsert("rand", [1, 1], random_vectors(2, 32))
    with pytest.raises(VectorIndexError, match="integers"):
        index.upsert("rand", ["1"], random_vectors(1, 32))  # type: ignore[list-item]
    with pytest.raises(VectorIndexError, match="zero or positive"):
        index.query("rand", np.ones(32), n=-1)
    with pytest.raises(VectorIndexError, match="one vector"):
        index.query("rand", np.ones((2, 32)), n=1)
    with pytest.raises(VectorIndexError, match="strings"):
        index.set_meta("k", 1)  # type: ignore[arg-type]
    assert index.count("rand") == 0


def test_vectors_survive_reopening(make_index: Opener, kind: str) -> None:
    if kind == "memory":
        pytest.skip("the memory index is not persistent")
    first = make_index()
    vectors = random_vectors(30, 32, seed=7)
    first.upsert("rand", list(range(30)), vectors)
    first.upsert("dot", [5], random_vectors(1, 4))
    first.mark_current()
    first.close()
    second = make_index()
    assert second.count("rand") == 30
    assert second.ids("dot") == {5}
    assert second.query("rand", vectors[3], n=1)[0][0] == 3
    assert not second.is_stale()


def test_meta_round_trip_and_staleness(index: VectorIndex) -> None:
    index.set_meta("built_by", "test")
    index.set_meta("note", "a")
    index.set_meta("note", "b")
    assert index.meta() == {"built_by": "test", "note": "b"}
    assert index.get_meta("note") == "b"
    assert index.get_meta("missing") is None
    assert index.fingerprint == spaces_fingerprint(TEST_SPACES)
    index.upsert("dot", [1], np.ones((1, 4)))
    assert index.is_stale()  # vectors, but no fingerprint
    index.mark_current()
    assert not index.is_stale()
    index.set_meta("spaces", "rand:cosine:32@0")
    assert index.is_stale()


def test_clear_empties_everything(index: VectorIndex) -> None:
    index.upsert("rand", [1, 2], random_vectors(2, 32))
    index.upsert("dot", [1], np.ones((1, 4)))
    index.mark_current()
    index.clear()
    assert index.count("rand") == index.count("dot") == 0
    assert index.meta() == {}
    index.upsert("rand", [3], random_vectors(1, 32))  # usable afterwards
    assert index.ids("rand") == {3}


def test_closed_index_refuses_work(make_index: Opener) -> None:
    index = make_index()
    index.close()
    index.close()
    with pytest.raises(VectorIndexError, match="closed"):
        index.count("rand")


def test_default_spaces_with_weighted_overall(make_index: Opener) -> None:
    index = make_index(SPACES)
    rng = np.random.default_rng(8)
    samples = {}
    for sample_id in range(1, 13):
        timbre = rng.standard_normal(64)
        outputs = {
            "timbre": (timbre / np.linalg.norm(timbre)).tolist(),
            "envelope": {"attack_s": float(rng.uniform(0.001, 0.2)), "decay_s": 0.3},
            "audio": {"duration_s": float(rng.uniform(0.2, 4))},
            "loop": {"is_loop": bool(sample_id % 2), "confidence": 1.0, "bars": 2},
            "tempo": {"bpm": float(rng.uniform(80, 160))} if sample_id % 2 else None,
        }
        samples[sample_id] = vectors_from_outputs(outputs)
    for space in ("timbre", "rhythm", "envelope", "overall"):
        ids = [i for i in samples if space in samples[i]]
        index.upsert(space, ids, np.stack([samples[i][space] for i in ids]))
    assert index.count("pitch") == 0
    hits = index.query("overall", weighted_query(samples[3]["overall"]), n=3)
    assert hits[0][0] == 3
    assert hits[0][1] == pytest.approx(1.0, abs=1e-4)
    rhythm_only = weighted_query(samples[3]["overall"], {"rhythm": 1.0})
    by_rhythm = index.query("overall", rhythm_only, n=12)
    truth = {i: float(samples[i]["rhythm"] @ samples[3]["rhythm"]) for i in samples}
    for sample_id, similarity in by_rhythm:
        assert similarity == pytest.approx(truth[sample_id], abs=1e-4)
