"""The sound map's projection: neighbours stay neighbours, and a map is computed once per
library state."""

from __future__ import annotations

import numpy as np
import pytest

from samplemind.errors import ConfigError
from samplemind.library.soundmap import (
    TSNE_MAX_POINTS,
    map_key,
    project,
    resolve_method,
    timbre_matrix,
)


def _clusters(per: int, *, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around 4 well-separated centres in 64-d, and each one's cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (4, 64))
    labels = np.repeat(np.arange(4), per)
    points = centres[labels] + rng.normal(0, 0.15, (len(labels), 64))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32), labels


def _neighbour_purity(xy: np.ndarray, labels: np.ndarray) -> float:
    """How often a point's nearest neighbour on the map is from its own cluster."""
    d = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    np.fill_diagonal(d, np.inf)
    return float(np.mean(labels[d.argmin(axis=1)] == labels))


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_similar_sounds_land_together(method: str) -> None:
    vectors, labels = _clusters(40)
    used, xy = project(vectors, method)
    assert used == method and xy.shape == (160, 2)
    assert xy.min() >= 0 and xy.max() <= 1 and np.isclose(xy.max(axis=0).max(), 1.0)
    assert _neighbour_purity(xy, labels) > 0.95
    again = project(vectors, method)[1]
    assert np.allclose(xy, again)  # seeded: the same library gives the same map


def test_auto_picks_tsne_for_small_libraries_and_pca_beyond() -> None:
    assert resolve_method("auto", TSNE_MAX_POINTS) == "tsne"
    assert resolve_method("auto", TSNE_MAX_POINTS + 1) == "pca"
    assert resolve_method("tsne", 10**6) == "tsne"
    with pytest.raises(ConfigError, match="valid: auto, pca, tsne"):
        resolve_method("umap", 10)


def test_tiny_libraries() -> None:
    assert project(np.zeros((0, 64), dtype=np.float32))[1].shape == (0, 2)
    used, xy = project(np.eye(2, 64, dtype=np.float32))
    assert used == "none" and xy.tolist() == [[0.0, 0.5], [1.0, 0.5]]


def test_timbre_matrix_skips_samples_without_a_usable_vector() -> None:
    good = [0.1] * 64
    ids, matrix = timbre_matrix(
        [
            (7, {"timbre": good}),
            (3, {"timbre": good}),
            (5, {"timbre": [1.0] * 3}),  # the wrong length
            (9, {}),
            (11, {"timbre": [0.0] * 64}),  # no direction
            (12, {"timbre": [float("nan")] * 64}),
        ]
    )
    assert ids == [3, 7] and matrix.shape == (2, 64)
    odd = timbre_matrix([(1, {"timbre": good}), (2, {"timbre": ["x"] * 64})])
    assert odd[0] == [1]
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0)


def test_the_key_follows_ids_vectors_and_method() -> None:
    vectors, _ = _clusters(2)
    key = map_key([1, 2, 3, 4, 5, 6, 7, 8], vectors, "tsne")
    assert key == map_key(list(range(1, 9)), vectors.copy(), "tsne")
    assert key != map_key(list(range(2, 10)), vectors, "tsne")
    assert key != map_key(list(range(1, 9)), vectors, "pca")
    moved = vectors.copy()
    moved[0, 0] += 0.01
    assert key != map_key(list(range(1, 9)), moved, "tsne")


def test_the_library_computes_a_map_once_per_state(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    from samplemind.config import Settings
    from samplemind.library import open_library, soundmap
    from tests.signals import noise, tone, write

    base = Path(str(tmp_path))
    for i, midi in enumerate((40, 52, 64)):
        write(base / "lib" / f"tone_{i}.wav", tone(midi, 0.5))
    write(base / "lib" / "noise.wav", noise(0.3, level=0.3))
    settings = Settings(data_dir=base / "data", vector_backend="memory", jobs=1)
    calls: list[int] = []
    real = soundmap.project

    def counting(matrix: np.ndarray, method: str = "auto", **kw: int) -> object:
        calls.append(len(matrix))
        return real(matrix, method, **kw)

    monkeypatch.setattr(soundmap, "project", counting)
    with open_library(settings) as library:
        library.scan([base / "lib"])
        first = library.sound_map()
        assert library.sound_map() is first and calls == [4]  # in memory
    with open_library(settings) as library:
        assert library.sound_map() == first and calls == [4]  # from the disk cache
        library.forget(first.ids[0])
        assert library.sound_map().ids == first.ids[1:] and calls == [4, 3]
