"""The sample-type model's runtime: card, calibration, the unknown threshold, broken files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from samplemind.analysis.classify import FEATURE_NAMES, PATCH_BANDS, PATCH_FRAMES
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
    if card.get("cnn"):
        shutil.copy(default_model_path().with_name(card["cnn"]["file"]), tmp_path)
    card.update(card_changes)
    onnx.with_suffix(".json").write_text(json.dumps(card))
    return onnx


def test_the_bundled_model_and_its_card_agree_with_the_library() -> None:
    model = load_sample_type_model()
    assert set(model.classes) == set(MODEL_CLASSES)
    assert set(MODEL_CLASSES) | {"drums", "unknown"} == set(SAMPLE_TYPES)
    assert model.feature_names == FEATURE_NAMES
    assert model.patch_shape == (PATCH_BANDS, PATCH_FRAMES) and model.cnn_path is not None
    assert 0 < model.cnn_weight < 1
    size = default_model_path().stat().st_size + model.cnn_path.stat().st_size
    assert size < 10 * 1024 * 1024
    assert 0 < model.threshold < 1 and model.temperature > 0
    assert load_sample_type_model() is model  # one per process


def test_probabilities_are_calibrated_rows() -> None:
    model = load_sample_type_model()
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(4, len(FEATURE_NAMES)))
    p = model.probabilities(rows, rng.uniform(-3, 2, size=(4, PATCH_BANDS, PATCH_FRAMES)))
    assert p.shape == (4, len(model.classes))
    assert np.allclose(p.sum(axis=1), 1.0) and (p >= 0).all()


def test_the_convolutional_member_reads_the_patches_and_weighs_as_its_card_says(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(3, len(FEATURE_NAMES)))
    patches = rng.uniform(-3, 2, size=(3, PATCH_BANDS, PATCH_FRAMES))
    model = load_sample_type_model()
    with pytest.raises(ModelError, match="needs the patches"):
        model.probabilities(rows)
    with pytest.raises(ModelError, match="patches of"):
        model.probabilities(rows, patches[:, :, :10])
    with pytest.raises(ModelError, match="patches of"):
        model.probabilities(rows, patches[:2])
    card = json.loads(default_model_path().with_suffix(".json").read_text())
    member = card["cnn"]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    descriptors = SampleTypeModel(_copy(tmp_path / "a", cnn=None))
    only_cnn = SampleTypeModel(_copy(tmp_path / "b", cnn={**member, "weight": 1.0}))
    mixed = model.probabilities(rows, patches)
    a, b = descriptors.probabilities(rows), only_cnn.probabilities(rows, patches)
    assert not np.allclose(a, b, atol=1e-3)  # two members that disagree somewhere
    # The card's weight mixes the raw probabilities, then one temperature calibrates them.
    raw = [np.exp(np.log(np.clip(p, 1e-12, 1)) * model.temperature) for p in (a, b)]
    raw = [r / r.sum(axis=1, keepdims=True) for r in raw]
    expected = calibrate(
        (1 - model.cnn_weight) * raw[0] + model.cnn_weight * raw[1], model.temperature
    )
    np.testing.assert_allclose(mixed, expected, atol=1e-4)
    with pytest.raises(ModelError, match="weight"):
        SampleTypeModel(_copy(tmp_path / "c", cnn={**member, "weight": 2.0}))
    broken = _copy(tmp_path / "c")
    (tmp_path / "c" / member["file"]).write_bytes(b"not onnx")
    with pytest.raises(ModelError, match="cannot load"):
        SampleTypeModel(broken).probabilities(rows, patches)


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
        SampleTypeModel(broken).probabilities(
            np.zeros((1, len(FEATURE_NAMES))), np.zeros((1, PATCH_BANDS, PATCH_FRAMES))
        )
    with pytest.raises(ModelError, match="does not know"):
        SampleTypeModel(_copy(tmp_path, classes=["kick", "didgeridoo"]))
    with pytest.raises(ModelError, match="threshold"):
        SampleTypeModel(_copy(tmp_path, threshold=1.5))
    with pytest.raises(ModelError, match="expected"):
        load_sample_type_model().probabilities(np.zeros((1, 3)))
    gone = _copy(tmp_path)
    gone.unlink()
    with pytest.raises(ModelError, match="missing"):
        SampleTypeModel(gone).probabilities(
            np.zeros((1, len(FEATURE_NAMES))), np.zeros((1, PATCH_BANDS, PATCH_FRAMES))
        )
