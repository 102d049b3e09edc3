"""Similarity spaces: vectors made from real analysis results of synthesised sounds."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from samplemind.analysis.engine import analyze_signal
from samplemind.audio.signal import AudioSignal
from samplemind.domain.analysis import AnalysisLevel
from samplemind.errors import ConfigError
from samplemind.index import (
    ASPECTS,
    DEFAULT_WEIGHTS,
    PARTS,
    SPACES,
    MemoryVectorIndex,
    Space,
    aspect_weights,
    normalize_weights,
    similarity_query,
    spaces_fingerprint,
    vectors_from_outputs,
    weighted_query,
)
from tests.signals import SR, click_track, tone

DIMS = {space.name: space.dim for space in SPACES}


def kick(start_hz: float, end_hz: float, decay: float, duration_s: float = 0.5) -> np.ndarray:
    """A pitch-swept sine with an exponential decay."""
    t = np.arange(int(duration_s * SR)) / SR
    frequency = end_hz + (start_hz - end_hz) * np.exp(-t * 30)
    phase = 2 * np.pi * np.cumsum(frequency) / SR
    return (0.9 * np.sin(phase) * np.exp(-t * decay)).astype(np.float32)


def hat(seed: int, duration_s: float = 0.15) -> np.ndarray:
    """Differentiated (bright) noise with a fast decay."""
    t = np.arange(int(duration_s * SR)) / SR
    bright = np.diff(np.random.default_rng(seed).standard_normal(t.size), prepend=0.0)
    return (0.3 * bright * np.exp(-t * 40)).astype(np.float32)


def pattern(hit: np.ndarray, bpm: float, bars: int) -> np.ndarray:
    """``hit`` on every beat of ``bars`` 4/4 bars, cut on the bar line."""
    y = np.zeros(round(bars * 4 * 60 / bpm * SR), dtype=np.float32)
    for beat in range(bars * 4):
        start = round(beat * 60 / bpm * SR)
        end = min(y.size, start + hit.size)
        y[start:end] += hit[: end - start]
    return y


def pad(midi: int, duration_s: float = 2.5) -> np.ndarray:
    """A tone with a slow (0.4 s) swell."""
    t = np.arange(int(duration_s * SR)) / SR
    return (tone(midi, duration_s, decay=0.2) * np.minimum(1.0, t / 0.4)).astype(np.float32)


def analyze(samples: np.ndarray, name: str) -> dict[str, Any]:
    # A neutral file name: BPM and key must come from the audio, not from "loop_120".
    signal = AudioSignal.from_array(samples, SR, path="sample.wav")
    return analyze_signal(signal, level=AnalysisLevel.DETAILED).model_dump(mode="json")


SOUNDS: dict[str, Callable[[], np.ndarray]] = {
    "kick_a": lambda: kick(160, 50, 8),
    "kick_b": lambda: kick(140, 45, 7),
    "hat": lambda: hat(1),
    "loop_120": lambda: click_track(120, 2),
    "loop_60": lambda: click_track(60, 2),
    "loop_93": lambda: click_track(93, 2),
    "hats_60": lambda: pattern(hat(2), 60, 2),
    "a2": lambda: tone(45, 1.0),
    "a3": lambda: tone(57, 1.0),
    "d_sharp3": lambda: tone(51, 1.0),
    "pluck": lambda: tone(60, 1.0, decay=6.0),
    "pluck_2": lambda: tone(64, 1.0, decay=5.0),
    "pad": lambda: pad(60),
}


@pytest.fixture(scope="module")
def outputs() -> dict[str, dict[str, Any]]:
    return {name: analyze(make(), name) for name, make in SOUNDS.items()}


@pytest.fixture(scope="module")
def vectors(outputs: dict[str, dict[str, Any]]) -> dict[str, dict[str, np.ndarray]]:
    return {name: vectors_from_outputs(result) for name, result in outputs.items()}


def cos(vectors: dict[str, dict[str, np.ndarray]], a: str, b: str, space: str) -> float:
    return float(vectors[a][space] @ vectors[b][space])


# --- real analyses -------------------------------------------------------------------------


def test_every_vector_is_finite_and_unit_length(vectors: dict[str, dict[str, np.ndarray]]) -> None:
    for name, made in vectors.items():
        assert set(made) == {"timbre", "rhythm", "envelope", "overall"} | (
            {"pitch"} if "pitch" in made else set()
        ), name
        for space, vector in made.items():
            assert vector.dtype == np.float32
            assert vector.shape == (DIMS[space],)
            assert np.isfinite(vector).all()
            if space != "overall":
                assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5), (name, space)
        start = 0
        for part in PARTS:  # overall: the unit aspect vectors, zeros where absent
            block = made["overall"][start : start + DIMS[part]]
            start += DIMS[part]
            if part in made:
                np.testing.assert_allclose(
                    block, made[part] * math.sqrt(DEFAULT_WEIGHTS[part]), rtol=1e-6
                )
            else:
                assert not block.any()


def test_two_kicks_are_nearer_in_timbre_than_a_kick_and_a_hat(
    vectors: dict[str, dict[str, np.ndarray]],
) -> None:
    assert (
        cos(vectors, "kick_a", "kick_b", "timbre") > cos(vectors, "kick_a", "hat", "timbre") + 0.5
    )


def test_half_time_is_nearer_in_rhythm_than_an_unrelated_tempo(
    outputs: dict[str, dict[str, Any]], vectors: dict[str, dict[str, np.ndarray]]
) -> None:
    assert [outputs[n]["tempo"]["bpm"] for n in ("loop_120", "loop_60", "loop_93")] == [120, 60, 93]
    assert cos(vectors, "loop_120", "loop_60", "rhythm") > 0.8
    assert cos(vectors, "loop_120", "loop_93", "rhythm") < 0.5
    # Loops and one-shots are apart.
    assert cos(vectors, "loop_120", "kick_a", "rhythm") < 0
    assert cos(vectors, "kick_a", "hat", "rhythm") > 0.9


def test_octaves_are_nearer_in_pitch_than_a_tritone(
    outputs: dict[str, dict[str, Any]], vectors: dict[str, dict[str, np.ndarray]]
) -> None:
    assert [outputs[n]["pitch"]["midi"] for n in ("a2", "a3", "d_sharp3")] == [45, 57, 51]
    assert cos(vectors, "a2", "a3", "pitch") > 0.9
    assert cos(vectors, "a2", "d_sharp3", "pitch") < 0


def test_plucks_are_nearer_in_envelope_than_a_pluck_and_a_pad(
    vectors: dict[str, dict[str, np.ndarray]],
) -> None:
    assert cos(vectors, "pluck", "pluck_2", "envelope") > cos(vectors, "pluck", "pad", "envelope")


def test_weighted_overall_favours_the_chosen_aspect(
    vectors: dict[str, dict[str, np.ndarray]],
) -> None:
    index = MemoryVectorIndex()
    names = list(vectors)
    index.upsert(
        "overall", list(range(len(names))), np.stack([vectors[n]["overall"] for n in names])
    )

    def rank(weights: dict[str, float]) -> list[str]:
        space, query = similarity_query(vectors["loop_120"], weights=weights)
        hits = index.query(space, query, n=len(names), exclude={names.index("loop_120")})
        return [names[i] for i, _ in hits]

    # Same click sound at an unrelated tempo, versus hats at a compatible (half) tempo.
    by_timbre, by_rhythm = rank({"timbre": 1.0}), rank({"rhythm": 1.0})
    assert by_timbre.index("loop_93") < by_timbre.index("hats_60")
    assert by_rhythm.index("hats_60") < by_rhythm.index("loop_93")
    assert by_rhythm.index("loop_60") < by_rhythm.index("loop_93")
    space, query = similarity_query(vectors["loop_120"])
    [(top, similarity)] = index.query(space, query, n=1)
    assert top == names.index("loop_120")
    assert similarity == pytest.approx(1.0, abs=1e-5)


# --- hand-made outputs ---------------------------------------------------------------------


def key(tonic: int, mode: str) -> dict[str, Any]:
    return {"key": {"key": {"tonic": tonic, "mode": mode}, "confidence": 0.9, "source": "audio"}}


def pitch_of(outputs: dict[str, Any]) -> np.ndarray:
    return vectors_from_outputs(outputs)["pitch"]


def test_keys_on_the_circle_of_fifths() -> None:
    a_minor, e_minor, c_major = (
        pitch_of(key(9, "minor")),
        pitch_of(key(4, "minor")),
        pitch_of(key(0, "major")),
    )
    f_sharp_minor = pitch_of(key(6, "minor"))
    assert float(a_minor @ a_minor) == pytest.approx(1.0)
    # A fifth apart beats relative keys, which beat unrelated keys.
    assert float(a_minor @ e_minor) > float(a_minor @ c_major) > float(a_minor @ f_sharp_minor)
    root_a = pitch_of({"pitch": {"midi": 45, "cents": 0.0}})
    assert float(root_a @ a_minor) > float(root_a @ pitch_of(key(3, "minor")))


def test_missing_inputs_skip_their_spaces() -> None:
    assert vectors_from_outputs({}) == {}
    only_envelope = vectors_from_outputs({"envelope": {"attack_s": 0.01, "decay_s": None}})
    assert set(only_envelope) == {"envelope"}
    no_timbre = vectors_from_outputs({**key(0, "major"), "loop": {"is_loop": False}})
    assert set(no_timbre) == {"pitch", "rhythm"}  # no timbre, so no overall
    assert "timbre" not in vectors_from_outputs({"timbre": [0.5] * 10})  # wrong length
    assert "timbre" not in vectors_from_outputs({"timbre": [0.0] * 64})  # no direction
    assert "rhythm" not in vectors_from_outputs({"tempo": {"bpm": "fast"}})


def test_weighted_query_renormalises_over_present_aspects() -> None:
    timbre = np.zeros(64, dtype=np.float32)
    timbre[0] = 1.0
    made = vectors_from_outputs({"timbre": timbre.tolist(), "loop": {"is_loop": True}})
    assert set(made) == {"timbre", "rhythm", "overall"}
    query = weighted_query(made["overall"])
    # No pitch or envelope: the default weights of timbre and rhythm are scaled up to sum to 1.
    total = DEFAULT_WEIGHTS["timbre"] + DEFAULT_WEIGHTS["rhythm"]
    assert float(query @ made["overall"]) == pytest.approx(1.0, abs=1e-6)
    stored_timbre = made["overall"][:64]
    assert float(query[:64] @ stored_timbre) == pytest.approx(DEFAULT_WEIGHTS["timbre"] / total)
    # The stored vector as a query: the default blend over the aspects both samples have.
    assert float(made["overall"] @ made["overall"]) == pytest.approx(total, abs=1e-6)
    with pytest.raises(ConfigError, match="no pitch vector"):
        weighted_query(made["overall"], {"pitch": 1.0})
    with pytest.raises(ConfigError, match="91 values"):
        weighted_query(np.ones(5))


def test_aspects_and_weights() -> None:
    assert ASPECTS == ("timbre", "pitch", "rhythm", "envelope", "overall")
    assert aspect_weights("overall") == DEFAULT_WEIGHTS
    # Stored overall blocks are scaled by sqrt(d_a): every default weight positive, summing to 1.
    assert math.fsum(DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)
    assert all(DEFAULT_WEIGHTS[part] > 0 for part in PARTS)
    assert aspect_weights("rhythm") == {"timbre": 0, "pitch": 0, "rhythm": 1, "envelope": 0}
    with pytest.raises(ConfigError, match="valid: timbre, pitch, rhythm, envelope, overall"):
        aspect_weights("vibe")
    assert normalize_weights({"timbre": 3, "pitch": 1}) == {
        "timbre": 0.75,
        "pitch": 0.25,
        "rhythm": 0.0,
        "envelope": 0.0,
    }
    for bad in ({"vibe": 1.0}, {"timbre": -1.0}, {"timbre": 0.0}, {"timbre": math.nan}):
        with pytest.raises(ConfigError):
            normalize_weights(bad)


def test_similarity_query_picks_the_space() -> None:
    made = vectors_from_outputs({"timbre": [1.0] + [0.0] * 63})
    space, query = similarity_query(made, "timbre")
    assert space == "timbre"
    np.testing.assert_array_equal(query, made["timbre"])
    assert similarity_query(made)[0] == "overall"
    with pytest.raises(ConfigError, match="no pitch vector"):
        similarity_query(made, "pitch")
    with pytest.raises(ConfigError, match="'overall' only"):
        similarity_query(made, "timbre", weights={"timbre": 1.0})
    with pytest.raises(ConfigError, match="unknown similarity aspect"):
        similarity_query(made, "colour")


def test_fingerprint_follows_every_recipe() -> None:
    fingerprint = spaces_fingerprint()
    assert [space.name for space in SPACES] == list(ASPECTS)
    bumped = [replace(s, version=s.version + 1) if s.name == "pitch" else s for s in SPACES]
    assert spaces_fingerprint(bumped) != fingerprint
    assert MemoryVectorIndex().fingerprint == fingerprint


@pytest.mark.parametrize("name", ["", "1abc", "has space", "dash-ed", "_meta", "ü"])
def test_space_names_are_collection_safe(name: str) -> None:
    with pytest.raises(ConfigError):
        Space(name, 3, 1, "bad")
