"""The sample-type model's runtime: card, calibration, the unknown threshold, broken files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from samplemind.analysis.classify import FEATURE_NAMES
from samplemind.domain.analysis import SAMPLE_TYPES
from samplemind.errors import ModelError
from samplemind.ml.sample_type import (
    MODEL_CLASSES,
    SampleTypeModel,
    calibrate,
    default_model_path,
    load_sample_type_model,
)


def _copy(tmp_path: Path, **card_changes: object) -> Path:
    onnx = tmp_path / "model.onnx"
    shutil.copy(default_model_path(), onnx)
    card = json.loads(default_model_path().with_suffix(".json").read_text())
    card.update(card_changes)
    onnx.with_suffix(".json").write_text(json.dumps(card))
    return onnx


def test_the_bundled_model_and_its_card_agree_with_the_library() -> None:
    model = load_sample_type_model()
    assert set(model.classes) == set(MODEL_CLASSES)
    assert set(MODEL_CLASSES) | {"drums", "unknown"} == set(SAMPLE_TYPES)
    assert model.feature_names == FEATURE_NAMES
    assert default_model_path().stat().st_size < 10 * 1024 * 1024
    assert 0 < model.threshold < 1 and model.temperature > 0
    assert load_sample_type_model() is model  # one per process


def test_probabilities_are_calibrated_rows() -> None:
    model = load_sample_type_model()
    rows = np.random.default_rng(0).normal(size=(4, len(FEATURE_NAMES)))
    p = model.probabilities(rows)
    assert p.shape == (4, len(model.classes))
    assert np.allclose(p.sum(axis=1), 1.0) and (p >= 0).all()


def test_calibration_keeps_the_order_and_softens_or_sharpens() -> None:
    p = np.array([[0.7, 0.2, 0.1]])
    soft, sharp = calibrate(p, 2.0), calibrate(p, 0.5)
    assert np.argsort(soft[0]).tolist() == np.argsort(sharp[0]).tolist() == [2, 1, 0]
    assert soft[0, 0] < 0.7 < sharp[0, 0]


def test_below_the_threshold_the_label_is_unknown_but_the_top_three_remain(tmp_path: Path) -> None:
    model = SampleTypeModel(_copy(tmp_path, threshold=0.6))
    sure = np.zeros(len(model.classes))
    sure[model.classes.index("kick")] = 0.9
    sure[model.classes.index("tom")] = 0.1
    estimate = model.estimate(sure)
    assert estimate.label == "kick" and estimate.confidence == 0.9
    assert [name for name, _ in estimate.top] == ["kick", "tom", model.classes[0]][:3]
    unsure = np.full(len(model.classes), 1 / len(model.classes))
    unsure[model.classes.index("pad")] += 0.1
    unsure /= unsure.sum()
    estimate = model.estimate(unsure)
    assert estimate.label == "unknown" and estimate.top[0][0] == "pad"
    assert len(estimate.top) == 3


def test_a_missing_or_broken_model_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="model card"):
        SampleTypeModel(tmp_path / "absent.onnx")
    broken = _copy(tmp_path)
    broken.write_bytes(b"not an onnx file")
    with pytest.raises(ModelError, match="cannot load"):
        SampleTypeModel(broken).probabilities(np.zeros((1, len(FEATURE_NAMES))))
    with pytest.raises(ModelError, match="does not know"):
        SampleTypeModel(_copy(tmp_path, classes=["kick", "didgeridoo"]))
    with pytest.raises(ModelError, match="threshold"):
        SampleTypeModel(_copy(tmp_path, threshold=1.5))
    with pytest.raises(ModelError, match="expected"):
        load_sample_type_model().probabilities(np.zeros((1, 3)))
    gone = _copy(tmp_path)
    gone.unlink()
    with pytest.raises(ModelError, match="missing"):
        SampleTypeModel(gone).probabilities(np.zeros((1, len(FEATURE_NAMES))))
