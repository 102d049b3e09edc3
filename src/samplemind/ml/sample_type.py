"""The sample-type model: an ONNX classifier over the descriptors of
:func:`samplemind.analysis.classify.sound_features` and, when its card names one, a
convolutional member (a second ONNX file) over the sound's log-mel patch
(:func:`samplemind.analysis.classify.sound_inputs`); their probabilities are mixed by the
card's weight before calibration.

The model file (``models/sample_type.onnx``) and its card (``models/sample_type.json``: classes,
feature names, the calibration temperature and the ``unknown`` threshold, training data and
measured accuracy) are made by ``make train`` (``benchmarks/fit/sample_type.py``); docs/ml.md
explains them. Probabilities are calibrated by temperature scaling fitted on held-out-soundfont
predictions; below :attr:`SampleTypeModel.threshold` the label is ``unknown`` (the top three
still say what it might be).

One onnxruntime session per process, opened on first use and kept (worker processes each open
their own), single-threaded: a batch of one takes well under a millisecond.
"""

from __future__ import annotations

import json
import logging
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from samplemind.domain.analysis import SAMPLE_TYPES, SampleTypeEstimate
from samplemind.errors import ModelError

if TYPE_CHECKING:
    import onnxruntime

__all__ = [
    "DRUM_TYPES",
    "LOOP_DRUMS",
    "MODEL_CLASSES",
    "UNKNOWN",
    "SampleTypeModel",
    "calibrate",
    "default_model_path",
    "load_sample_type_model",
    "onnx_session",
]

log = logging.getLogger(__name__)

#: One-shot drum classes: a loop mostly made of them is :data:`LOOP_DRUMS`.
DRUM_TYPES: tuple[str, ...] = ("kick", "snare", "clap", "hihat", "tom", "cymbal", "percussion")
LOOP_DRUMS = "drums"
UNKNOWN = "unknown"
#: The classes a model predicts: every sample type but the two the analysis derives.
MODEL_CLASSES: tuple[str, ...] = tuple(t for t in SAMPLE_TYPES if t not in {LOOP_DRUMS, UNKNOWN})
_TOP = 3


def default_model_path() -> Path:
    """The bundled ``sample_type.onnx`` (its card sits beside it, ``.json``)."""
    return Path(str(resources.files("samplemind.ml") / "models" / "sample_type.onnx"))


def onnx_session(path: Path) -> onnxruntime.InferenceSession:
    """A single-threaded CPU onnxruntime session for ``path``.

    Raises:
        ModelError: the file is missing or onnxruntime cannot load it.
    """
    import onnxruntime

    if not path.is_file():
        raise ModelError(f"model file {path} is missing; reinstall samplemind or run make train")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"cannot load the model {path}: {exc}") from exc


class SampleTypeModel:
    """A trained classifier and its card.

    Args:
        path: The ``.onnx`` file; its card is the ``.json`` beside it.

    Raises:
        ModelError: the card is missing, unreadable, or names classes the library does not know.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        card_path = path.with_suffix(".json")
        try:
            card: dict[str, Any] = json.loads(card_path.read_text(encoding="utf-8"))
            self.classes: tuple[str, ...] = tuple(card["classes"])
            self.feature_names: tuple[str, ...] = tuple(card["feature_names"])
            self.temperature = float(card["temperature"])
            self.threshold = float(card["threshold"])
            self.version = int(card["version"])
            #: The definition of the inputs it was trained on (``FEATURES_VERSION`` of
            #: :mod:`samplemind.analysis.classify`; cards before it had none: 1).
            self.features_version = int(card.get("features_version", 1))
            cnn = card.get("cnn")
            #: The convolutional member's file (beside this one), its weight in the mix and the
            #: patch shape it reads; None for a model of the descriptors alone.
            self.cnn_path: Path | None = path.with_name(str(cnn["file"])) if cnn else None
            self.cnn_weight = float(cnn["weight"]) if cnn else 0.0
            self.patch_shape: tuple[int, int] | None = (
                (int(cnn["patch_shape"][0]), int(cnn["patch_shape"][1])) if cnn else None
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"cannot read the model card {card_path}: {exc}") from exc
        unknown = sorted(set(self.classes) - set(MODEL_CLASSES))
        if unknown or not self.classes:
            raise ModelError(f"{card_path}: classes the library does not know: {unknown}")
        if not (self.temperature > 0 and 0 <= self.threshold <= 1):
            raise ModelError(f"{card_path}: temperature must be > 0 and threshold in 0..1")
        if not 0 <= self.cnn_weight <= 1:
            raise ModelError(f"{card_path}: the convolutional member's weight must be in 0..1")
        self.card = card

    @cached_property
    def _session(self) -> onnxruntime.InferenceSession:
        session = onnx_session(self.path)
        inputs = session.get_inputs()
        width = inputs[0].shape[-1]
        if isinstance(width, int) and width != len(self.feature_names):
            raise ModelError(
                f"{self.path} takes {width} features, its card names {len(self.feature_names)}"
            )
        return session

    @cached_property
    def _cnn_session(self) -> onnxruntime.InferenceSession | None:
        return None if self.cnn_path is None else onnx_session(self.cnn_path)

    def _run(
        self, session: onnxruntime.InferenceSession, path: Path, rows: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float64]:
        try:
            outputs = session.run(None, {session.get_inputs()[0].name: rows})
        except Exception as exc:
            raise ModelError(f"sample-type inference failed: {exc}") from exc
        raw = np.asarray(outputs[-1], dtype=np.float64)
        if raw.shape != (rows.shape[0], len(self.classes)):
            raise ModelError(f"{path} returned shape {raw.shape}")
        return raw

    def probabilities(
        self, features: npt.ArrayLike, patches: npt.ArrayLike | None = None
    ) -> npt.NDArray[np.float64]:
        """Calibrated class probabilities ``(n, len(classes))`` for feature rows ``(n, d)`` and,
        when the model has a convolutional member, their log-mel patches ``(n, bands, frames)``.

        Raises:
            ModelError: the rows have the wrong width, patches are missing or of the wrong
                shape, or inference failed.
        """
        rows = np.ascontiguousarray(np.atleast_2d(np.asarray(features, dtype=np.float32)))
        if rows.shape[1] != len(self.feature_names):
            raise ModelError(f"expected {len(self.feature_names)} features, got {rows.shape[1]}")
        raw = self._run(self._session, self.path, rows)
        cnn = self._cnn_session
        if cnn is not None and self.cnn_path is not None:
            if patches is None:
                raise ModelError(f"{self.path} has a convolutional member: it needs the patches")
            grid = np.ascontiguousarray(np.asarray(patches, dtype=np.float32))
            if grid.shape != (rows.shape[0], *(self.patch_shape or ())):
                raise ModelError(
                    f"expected {rows.shape[0]} patches of {self.patch_shape}, got {grid.shape}"
                )
            mixed = self._run(cnn, self.cnn_path, grid)
            raw = (1.0 - self.cnn_weight) * raw + self.cnn_weight * mixed
        return calibrate(raw, self.temperature)

    def estimate(self, probabilities: npt.ArrayLike) -> SampleTypeEstimate:
        """The label (``unknown`` below the threshold), its confidence and the top three."""
        p = np.asarray(probabilities, dtype=np.float64)
        order = np.argsort(-p, kind="stable")[:_TOP]
        top = tuple((self.classes[i], round(float(p[i]), 3)) for i in order)
        confidence = float(p[order[0]])
        label = top[0][0] if confidence >= self.threshold else UNKNOWN
        return SampleTypeEstimate(label=label, confidence=round(confidence, 3), top=top)


def calibrate(probabilities: npt.ArrayLike, temperature: float) -> npt.NDArray[np.float64]:
    """Temperature scaling of probability rows: ``softmax(log p / T)``.

    Example:
        >>> calibrate([[0.8, 0.2]], 1.0).round(3).tolist()
        [[0.8, 0.2]]
        >>> bool(calibrate([[0.8, 0.2]], 2.0)[0, 0] < 0.8)
        True
    """
    logits = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1.0))
    logits = logits / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    calibrated: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return calibrated


@cache
def _cached(path: Path) -> SampleTypeModel:
    return SampleTypeModel(path)


def load_sample_type_model(path: Path | None = None) -> SampleTypeModel:
    """The model at ``path`` (default: the bundled one), loaded once per process."""
    return _cached((path or default_model_path()).resolve())
