"""The sample-type analyzer: its descriptors, its place in the pipeline, loops, and what it says
about sounds whose nature is not in doubt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import samplemind
from samplemind.analysis.classify import (
    _MAX_PIECE_S,
    _MAX_PIECES,
    FEATURE_NAMES,
    FEATURES_VERSION,
    PATCH_BANDS,
    PATCH_FRAMES,
    SampleTypeAnalyzer,
    Spectrogram,
    _pieces,
    classify_loop,
    classify_sound,
    features_at,
    inputs_at,
    sound_features,
    sound_inputs,
)
from samplemind.analysis.context import FRAME, AnalysisContext
from samplemind.analysis.registry import default_registry
from samplemind.config import Settings
from samplemind.domain.analysis import SAMPLE_TYPES, AnalysisLevel
from samplemind.errors import ModelError
from samplemind.ml.sample_type import (
    DRUM_TYPES,
    SampleTypeModel,
    default_model_path,
    load_sample_type_model,
)
from tests.analysis.helpers import context, make_signal
from tests.signals import SR, click_track, noise, tone, write


def _kick(seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    freq = 50 + 150 * np.exp(-t / 0.03)
    return (0.9 * np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.15)).astype(np.float32)


def test_features_have_the_documented_length_and_are_finite_for_anything() -> None:
    rng = np.random.default_rng(0)
    for y in (
        np.zeros(SR, np.float32),
        np.zeros(0, np.float32),
        np.ones(3, np.float32),
        np.array([np.nan, np.inf, -np.inf, 0.5] * 1000, np.float32),
        rng.uniform(-1, 1, 10 * SR).astype(np.float32),
        _kick(),
    ):
        features = sound_features(y)
        assert features.shape == (len(FEATURE_NAMES),) and features.dtype == np.float32
        assert np.isfinite(features).all()
        same, patch = sound_inputs(y)
        assert np.array_equal(same, features)
        assert patch.shape == (PATCH_BANDS, PATCH_FRAMES) and patch.dtype == np.float32
        assert np.isfinite(patch).all() and patch.min() >= -3.0 and patch.max() <= 2.0


def test_the_patch_is_the_sounds_start_re_its_loudest_cell() -> None:
    kick = _kick(0.3)
    _, patch = sound_inputs(kick)
    _, quiet = sound_inputs(0.01 * kick)
    np.testing.assert_allclose(quiet, patch, atol=1e-4)  # gain does not matter
    assert patch.max() == pytest.approx(2.0)  # the loudest cell is 0 dB
    # A kick's energy is low: the top of the patch is the lowest bands.
    assert patch[:4, :20].mean() > patch[-8:, :20].mean() + 2.0
    # 0.3 s is 26 frames: the rest of the 64 are the floor, as after any sound's end.
    assert (patch[:, 30:] == -3.0).all() and (patch[:, :20] > -3.0).any()
    # Silence in front is skipped like the descriptors' (here whole frames more of it: at
    # another phase of the frame grid the cells would fall up to a hop apart).
    early, late = (
        sound_inputs(np.concatenate([np.zeros(1024 + 512 * n, np.float32), kick]))[1]
        for n in (0, 40)
    )
    np.testing.assert_allclose(late, early, atol=1e-4)


def test_features_ignore_gain_and_the_model_ignores_a_late_start() -> None:
    y = tone(57, 1.0)
    assert np.allclose(sound_features(0.05 * y), sound_features(y), atol=5e-3)
    model = load_sample_type_model()

    def odds(y: np.ndarray) -> np.ndarray:
        features, patch = sound_inputs(y)
        return model.probabilities(features[None, :], patch[None])[0]

    for sound in (_kick(), tone(45, 2.0, decay=0.5)):
        reference = odds(sound)
        # Silence before the sound, ending at 8 phases of the 11.6 ms frame grid: the frames
        # fall up to a hop apart, nothing more: the same verdict, nearly the same odds (the
        # kick's move by < 0.02; the synthetic bass tone, at 0.72 bass, by up to 0.19).
        for offset in range(0, 512, 64):
            lead = np.zeros(int(0.3 * SR) + offset, np.float32)
            late = odds(np.concatenate([lead, sound]))
            assert late.argmax() == reference.argmax()
            assert np.abs(late - reference).max() < 0.2


def test_only_the_first_seconds_count() -> None:
    y = tone(45, 3.5, decay=0.2)
    assert np.allclose(sound_features(y), sound_features(np.concatenate([y, noise(20.0)])))


def test_the_analyzer_runs_at_standard_after_loop_and_silence() -> None:
    registry = default_registry()
    names = [a.name for a in registry.for_level(AnalysisLevel.STANDARD)]
    assert "sample_type" in names
    assert names.index("loop") < names.index("sample_type")
    assert "sample_type" not in [a.name for a in registry.for_level(AnalysisLevel.BASIC)]
    assert SampleTypeAnalyzer().ident == "sample_type@2"


def test_every_estimate_is_a_known_type_with_its_top_three(tmp_path: Path) -> None:
    for name, y in {"kick.wav": _kick(), "pad.wav": tone(57, 2.0, decay=0.3)}.items():
        result = samplemind.analyze(write(tmp_path / name, y))
        estimate = result.sample_type
        assert estimate is not None and estimate.label in SAMPLE_TYPES
        assert 0 <= estimate.confidence <= 1 and 1 <= len(estimate.top) <= 3
        probabilities = [p for _, p in estimate.top]
        assert probabilities == sorted(probabilities, reverse=True)
        if estimate.label != "unknown":
            assert estimate.top[0] == (estimate.label, estimate.confidence)
        record = result.to_record()
        assert record["sample_type"] == estimate.label
        assert record["sample_type_confidence"] == estimate.confidence
        assert record["sample_type_top"] == [list(pair) for pair in estimate.top]


def test_silence_has_no_type() -> None:
    ctx = context(np.zeros(SR, np.float32))
    for analyzer in default_registry().for_level(AnalysisLevel.STANDARD, only=["sample_type"]):
        ctx.outputs[analyzer.name] = analyzer.analyze(ctx)
    assert ctx.outputs["sample_type"] is None


def test_a_loop_of_drum_hits_is_drums_and_a_held_chord_loop_is_not() -> None:
    beat = click_track(120, 2)
    hits = [i * 0.5 for i in range(8)]
    drums = np.zeros_like(beat)
    for t in hits:
        start = int(t * SR)
        piece = _kick(0.4)[: drums.size - start]
        drums[start : start + piece.size] += piece
    assert classify_loop(drums, hits).label == "drums"
    chords = np.concatenate([tone(m, 1.0, decay=0.5) for m in (57, 60, 64, 67)])
    estimate = classify_loop(chords, [0.0, 1.0, 2.0, 3.0])
    assert estimate.label not in (*DRUM_TYPES, "drums")


@pytest.mark.parametrize("seconds", [0.3, 0.6])
def test_a_pitch_dropping_sine_thump_is_a_kick_or_at_least_a_drum(seconds: float) -> None:
    estimate = classify_sound(_kick(seconds))
    assert estimate.top[0][0] in DRUM_TYPES
    assert "kick" in [name for name, _ in estimate.top]


def _sound_in_a_file() -> np.ndarray:
    """A kick 0.1 s in, then a noisy tail: a file whose sound does not start at 0."""
    lead = np.zeros(int(0.1 * SR), np.float32)
    return np.concatenate([lead, _kick(0.6), 0.05 * noise(5.0)]).astype(np.float32)


def test_the_analyzer_reads_the_analysis_spectrogram_and_agrees_with_the_sound_alone() -> None:
    y = _sound_in_a_file()
    ctx = context(y)
    spec = Spectrogram.of_context(ctx)
    # The context's own arrays, not copies: nothing is computed again for the classifier.
    assert spec.power is ctx.power and spec.mel is ctx.mel and spec.frames is ctx.frames
    # Training describes sounds alone (sound_features); the analysis reads its spectrogram:
    # the same numbers, so the model sees in use what it saw in training (to float32 rounding:
    # SIMD reductions may round the last bit differently on another CPU).
    np.testing.assert_allclose(features_at(spec), sound_features(y), rtol=1e-5, atol=1e-6)
    for read, alone in zip(inputs_at(spec), sound_inputs(y), strict=True):
        np.testing.assert_allclose(read, alone, rtol=1e-5, atol=1e-5)


def test_at_another_analysis_rate_the_features_are_still_those_at_44_1_khz() -> None:
    y = _sound_in_a_file()
    ctx = AnalysisContext(
        make_signal(y),
        level=AnalysisLevel.STANDARD,
        settings=Settings(analysis_sample_rate_hz=22050),
    )
    spec = Spectrogram.of_context(ctx)
    assert spec.power is not ctx.power and Spectrogram.of_context(ctx) is spec  # once per file
    np.testing.assert_allclose(
        features_at(spec), sound_features(ctx.signal.mono_at(44100)), rtol=1e-5, atol=1e-6
    )


def test_a_loop_is_read_in_a_few_bounded_pieces_that_ignore_what_follows() -> None:
    beat = 0.25
    hits = [i * beat for i in range(64)]
    y = np.zeros(int(16.5 * SR), np.float32)
    for t in hits:
        start = int(t * SR)
        y[start : start + int(0.2 * SR)] += _kick(0.2)
    pieces = _pieces(y, hits)
    assert len(pieces) == _MAX_PIECES
    assert all(0 < end - start <= _MAX_PIECE_S * SR for start, end, _ in pieces)
    # A piece's features do not change when what comes half a frame after its end does.
    start, end, _ = pieces[0]
    changed = y.copy()
    changed[end + FRAME // 2 :] = noise((changed.size - end - FRAME // 2) / SR)[
        : changed.size - end - FRAME // 2
    ]
    assert np.array_equal(
        features_at(Spectrogram.of_samples(y), start, end),
        features_at(Spectrogram.of_samples(changed), start, end),
    )
    # Nor its patch: the frames past the piece are the floor.
    piece, other = (inputs_at(Spectrogram.of_samples(a), start, end)[1] for a in (y, changed))
    assert np.array_equal(piece, other) and (piece[:, (end - start) // 512 + 2 :] == -3.0).all()


def test_a_model_trained_on_other_features_is_refused(tmp_path: Path) -> None:
    onnx = tmp_path / "old.onnx"
    onnx.write_bytes(default_model_path().read_bytes())
    card = json.loads(default_model_path().with_suffix(".json").read_text())
    assert card["features_version"] == FEATURES_VERSION
    card["features_version"] = FEATURES_VERSION - 1
    onnx.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="features version"):
        classify_sound(_kick(), SampleTypeModel(onnx))


def test_one_model_session_serves_every_analysis(tmp_path: Path) -> None:
    model = load_sample_type_model()
    samplemind.analyze(write(tmp_path / "a.wav", _kick()))
    session = model._session
    samplemind.analyze(write(tmp_path / "b.wav", _kick(0.3)))
    assert load_sample_type_model() is model and model._session is session
