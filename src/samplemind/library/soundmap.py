"""The sound map: every analyzed sample's timbre vector projected onto a plane.

Samples that sound alike land close together, so a producer can browse by ear: the web app
draws the points coloured by type and plays what is under the pointer. The projection is
computed here, on the server, from the stored 64-d timbre vectors (the same unit vectors the
``timbre`` similarity space holds) with scikit-learn:

* ``pca``: principal components; linear, instant at any size, keeps the broad axes (bright to
  dark, noisy to tonal) but lets clusters overlap.
* ``tsne``: t-SNE (Barnes-Hut, 500 iterations) on the first 20 principal components; it
  separates families of sounds well but is slow: about 10 s per thousand points on a busy
  two-core machine (docs/benchmarks.md).
* ``auto`` (the default): t-SNE up to :data:`TSNE_MAX_POINTS` points, PCA beyond, so the first
  map of a big library is there in a second, not minutes.

A map is cached per library state: its key hashes the sample ids and their vectors, so it is
recomputed only when analyses change (a scan, a re-analysis, a forgotten sample), not when
tags or favourites do. Coordinates are scaled into [0, 1] with the aspect ratio kept.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from samplemind.errors import ConfigError
from samplemind.index.spaces import TIMBRE_DIM

__all__ = [
    "MAP_VERSION",
    "TSNE_MAX_POINTS",
    "MapMethod",
    "SoundMap",
    "map_key",
    "project",
    "timbre_matrix",
]

log = logging.getLogger(__name__)

MapMethod = Literal["auto", "pca", "tsne"]

#: Part of every cache key: bump it when the projection recipe changes.
MAP_VERSION = 1

#: ``auto`` uses t-SNE up to this many points, PCA beyond.
TSNE_MAX_POINTS = 1_500

_METHODS = ("auto", "pca", "tsne")


@dataclass(frozen=True)
class SoundMap:
    """Points of the map: ``ids[i]`` sits at ``(x[i], y[i])``, both in [0, 1].

    Attributes:
        method: The projection that made it (``pca`` or ``tsne``; ``none`` for fewer than
            three samples, which are placed on a line).
        key: The library state it was computed for (see :func:`map_key`).
    """

    method: str
    key: str
    ids: tuple[int, ...]
    x: tuple[float, ...]
    y: tuple[float, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "key": self.key,
            "ids": list(self.ids),
            "x": list(self.x),
            "y": list(self.y),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SoundMap:
        return cls(
            method=str(data["method"]),
            key=str(data["key"]),
            ids=tuple(int(i) for i in data["ids"]),
            x=tuple(float(v) for v in data["x"]),
            y=tuple(float(v) for v in data["y"]),
        )


def timbre_matrix(
    outputs: Iterable[tuple[int, dict[str, Any]]],
) -> tuple[list[int], npt.NDArray[np.float32]]:
    """Sample ids and their unit timbre vectors (one row each, ids ascending), from stored
    analyzer outputs; samples without a usable timbre vector (missing, the wrong length, not
    finite, zero) are left out. Vectorised: 20,000 rows in milliseconds."""
    ids: list[int] = []
    rows: list[Any] = []
    for sample_id, values in outputs:
        vector = values.get("timbre")
        if isinstance(vector, list) and len(vector) == TIMBRE_DIM:
            ids.append(sample_id)
            rows.append(vector)
    if not rows:
        return [], np.zeros((0, TIMBRE_DIM), dtype=np.float32)
    try:
        matrix = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError):  # a non-number somewhere: check row by row
        good = [i for i, row in enumerate(rows) if _numeric(row)]
        ids, matrix = [ids[i] for i in good], np.asarray([rows[i] for i in good], np.float64)
        if not ids:
            return [], np.zeros((0, TIMBRE_DIM), dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1)
    keep = np.isfinite(norms) & (norms > 0)
    matrix = (matrix[keep] / norms[keep, None]).astype(np.float32)
    kept = np.asarray(ids, dtype=np.int64)[keep]
    order = np.argsort(kept, kind="stable")
    return [int(i) for i in kept[order]], matrix[order]


def _numeric(row: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in row)


def map_key(ids: Sequence[int], matrix: npt.NDArray[np.float32], method: str) -> str:
    """A digest of the inputs and the recipe: equal keys mean an equal map."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(f"{MAP_VERSION}:{method}:".encode())
    digest.update(np.asarray(ids, dtype=np.int64).tobytes())
    # Rounded, so re-serialised floats of the same analysis give the same key.
    digest.update(np.round(matrix.astype(np.float64), 5).tobytes())
    return digest.hexdigest()


def _check(method: str) -> None:
    if method not in _METHODS:
        raise ConfigError(f"unknown map method {method!r}; valid: {', '.join(_METHODS)}")


def resolve_method(method: str, points: int) -> Literal["pca", "tsne"]:
    """The projection ``method`` means for ``points`` points."""
    _check(method)
    if method == "auto":
        return "tsne" if points <= TSNE_MAX_POINTS else "pca"
    return "tsne" if method == "tsne" else "pca"


def project(
    matrix: npt.NDArray[np.float32], method: str = "auto", *, seed: int = 0
) -> tuple[str, npt.NDArray[np.float64]]:
    """Project rows of ``matrix`` onto a plane.

    Args:
        matrix: ``(n, d)`` vectors.
        method: ``auto``, ``pca`` or ``tsne`` (see the module docstring).
        seed: The random state (the same inputs give the same map).

    Returns:
        The method used and ``(n, 2)`` coordinates scaled into [0, 1] (aspect ratio kept,
        centred on the shorter axis).

    Raises:
        ConfigError: an unknown method.
    """
    _check(method)
    n = int(matrix.shape[0])
    if n == 0:
        return "none", np.zeros((0, 2))
    if n < 3:
        return "none", np.column_stack([np.linspace(0.0, 1.0, n), np.full(n, 0.5)])
    from sklearn.decomposition import PCA

    data = np.asarray(matrix, dtype=np.float64)
    chosen = resolve_method(method, n)
    if chosen == "pca":
        points = PCA(n_components=2, random_state=seed).fit_transform(data)
    else:
        from sklearn.manifold import TSNE

        # t-SNE on the leading components: the same neighbourhoods, a fraction of the cost.
        reduced = PCA(n_components=min(20, n, data.shape[1]), random_state=seed).fit_transform(data)
        points = TSNE(
            n_components=2,
            perplexity=float(min(30.0, (n - 1) / 3)),
            init="pca",
            learning_rate="auto",
            max_iter=500,
            random_state=seed,
            n_jobs=1,
        ).fit_transform(reduced)
    return chosen, _normalise(points)


def _normalise(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    low, high = points.min(axis=0), points.max(axis=0)
    span = float(max(high - low)) or 1.0
    scaled = (points - low) / span
    scaled += (1.0 - (high - low) / span) / 2  # centre the shorter axis
    clipped: npt.NDArray[np.float64] = np.clip(scaled, 0.0, 1.0)
    return clipped
