"""ChromaDB adapter specifics the contract suite does not reach (batching, URLs, staleness)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from samplemind.errors import ConfigError, VectorIndexError
from samplemind.index import ChromaVectorIndex, Space

RAND = Space("rand", 8, 1, "random test vectors")


@pytest.fixture
def index(tmp_path: Path) -> Iterator[ChromaVectorIndex]:
    opened = ChromaVectorIndex.persistent(tmp_path / "chroma", spaces=[RAND])
    yield opened
    opened.close()


def random_vectors(n: int, dim: int = 8, *, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def test_batches_under_the_client_limit(tmp_path: Path) -> None:
    index = ChromaVectorIndex.persistent(tmp_path, spaces=[RAND], exact_restrict_limit=0)
    index._batch = 7  # every write, read and id filter now spans several batches
    vectors = random_vectors(50)
    index.upsert("rand", list(range(50)), vectors)
    assert index.ids("rand") == set(range(50))
    assert index.get("rand", range(50)).keys() == set(range(50))
    index.delete(range(0, 50, 2))
    assert index.count("rand") == 25
    allowed = [*range(1, 50, 3), 500]  # odd ids survive; 500 never existed
    rows = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = rows @ (vectors[1] / np.linalg.norm(vectors[1]))
    present = [i for i in allowed if i % 2 == 1]
    expected = sorted(present, key=lambda i: -scores[i])[:4]
    hits = index.query("rand", vectors[1], n=4, restrict_to=allowed)
    assert [i for i, _ in hits] == expected
    index.close()


def test_a_collection_of_another_recipe_is_reported_stale(tmp_path: Path) -> None:
    with ChromaVectorIndex.persistent(tmp_path, spaces=[RAND]) as first:
        first.upsert("rand", [1], random_vectors(1))
    changed = Space("rand", 16, 2, "a new recipe")
    with ChromaVectorIndex.persistent(tmp_path, spaces=[changed]) as second:
        assert second.is_stale()
        with pytest.raises(VectorIndexError, match=r"stale: clear\(\) it and rebuild"):
            second.count("rand")
        second.clear()
        second.upsert("rand", [1], random_vectors(1, 16))
        second.mark_current()
        assert not second.is_stale()


def test_another_object_clearing_the_collection_is_survived(tmp_path: Path) -> None:
    with (
        ChromaVectorIndex.persistent(tmp_path, spaces=[RAND]) as a,
        ChromaVectorIndex.persistent(tmp_path, spaces=[RAND]) as b,
    ):
        a.upsert("rand", [1, 2], random_vectors(2))
        assert b.count("rand") == 2  # b now holds the collection object
        a.clear()
        a.upsert("rand", [3], random_vectors(1))
        assert b.count("rand") == 1
        assert b.ids("rand") == {3}


def test_no_embedding_model_is_ever_loaded(
    index: ChromaVectorIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromadb.utils.embedding_functions import onnx_mini_lm_l6_v2

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("ChromaDB tried to load its default embedding model")

    monkeypatch.setattr(onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2, "__init__", refuse)
    monkeypatch.setattr(onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2, "__call__", refuse)
    index.upsert("rand", [1, 2], random_vectors(2))
    assert index.query("rand", np.ones(8), n=1)[0][0] in {1, 2}
    assert index.get("rand", [1]).keys() == {1}


def test_an_unreachable_server_names_its_url() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed
    with pytest.raises(VectorIndexError, match=f"cannot reach the ChromaDB server at {url}"):
        ChromaVectorIndex.http(url)


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1:8000", "127.0.0.1:8000", "http://h:8000/api", "http://h:port"]
)
def test_bad_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError, match="URL"):
        ChromaVectorIndex.http(url)


def test_prefix_must_be_collection_safe(tmp_path: Path) -> None:
    for bad in ("no spaces", "under_score", "9lives", ""):
        with pytest.raises(ConfigError, match="prefix"):
            ChromaVectorIndex.persistent(tmp_path, prefix=bad)


def test_an_unwritable_path_is_a_vector_index_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(VectorIndexError, match="cannot open ChromaDB"):
        ChromaVectorIndex.persistent(blocker / "chroma")
