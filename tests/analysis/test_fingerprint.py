"""Fingerprints and near-duplicate groups: the same sound in another file groups, others do not.

Every sound below is synthesised, turned into variants a library really holds (resampled, louder,
quieter, folded to mono, shifted by leading silence, MP3/Vorbis re-encoded, decoder-padded) and
analysed through the engine; the thresholds in :mod:`samplemind.analysis.duplicates` are
calibrated on exactly these figures.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf
import soxr

from samplemind.analysis.base import AnalyzerRegistry
from samplemind.analysis.duplicates import STRICTNESS, criteria_for, near_duplicate_groups
from samplemind.analysis.engine import analyze_file, analyze_signal
from samplemind.analysis.fingerprint import FINGERPRINT_DIMENSIONS, FingerprintAnalyzer
from samplemind.audio.signal import AudioSignal
from samplemind.domain.analysis import AnalysisLevel
from samplemind.errors import ConfigError

SR = 44100
F64 = npt.NDArray[np.float64]
ONLY_FINGERPRINT = AnalyzerRegistry([FingerprintAnalyzer()])


# --------------------------------------------------------------------------- sounds


def _t(duration_s: float) -> F64:
    return np.arange(round(duration_s * SR)) / SR


def _normalised(y: F64, peak: float = 0.8) -> F64:
    return peak * y / np.abs(y).max()


def _band_noise(n: int, low_hz: float, high_hz: float, seed: int) -> F64:
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / SR)
    spectrum[(freqs < low_hz) | (freqs > high_hz)] = 0
    return np.fft.irfft(spectrum, n)


def kick(*, semitones: float = 0.0, decay_s: float = 0.25, sweep_s: float = 0.04) -> F64:
    """A synth kick: a sine swept from 160 Hz down to 50 Hz, with a click."""
    t = _t(0.5)
    ratio = 2 ** (semitones / 12)
    freq = ratio * (50 + 110 * np.exp(-t / sweep_s))
    y = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / decay_s)
    y += 0.3 * np.random.default_rng(1).standard_normal(t.size) * np.exp(-t / 0.003)
    return _normalised(y)


def snare(*, tone_hz: float = 200.0, decay_s: float = 0.12) -> F64:
    t = _t(0.3)
    body = 0.6 * np.sin(2 * np.pi * tone_hz * t) * np.exp(-t / 0.05)
    noise = _band_noise(t.size, 1500, 9000, 2)
    return _normalised(body + noise / np.abs(noise).max() * np.exp(-t / decay_s), 0.7)


def hat(*, low_hz: float = 6000.0, decay_s: float = 0.012) -> F64:
    """A 50 ms closed hat."""
    t = _t(0.05)
    return _normalised(_band_noise(t.size, low_hz, 16000, 3) * np.exp(-t / decay_s), 0.6)


def bass(*, f0_hz: float = 55.0) -> F64:
    t = _t(1.0)
    y = sum(np.sin(2 * np.pi * f0_hz * k * t) / k * np.exp(-0.15 * k) for k in range(1, 12))
    return _normalised(y * np.minimum(1, t / 0.005) * np.exp(-t / 0.6), 0.7)


def chord_loop() -> F64:
    """Two bars at 120 BPM: Am, F, C, G, a chord every half bar."""
    n = round(4.0 * SR)
    y = np.zeros(n)
    for i, chord in enumerate([[57, 60, 64], [53, 57, 60], [48, 52, 55], [55, 59, 62]]):
        start = round(i * SR)
        t = np.arange(round(0.9 * SR)) / SR
        x = sum(
            np.sin(2 * np.pi * 440 * 2 ** ((m - 69) / 12) * k * t + k) / k
            for m in chord
            for k in range(1, 6)
        )
        y[start : start + t.size] += x * np.minimum(1, t / 0.01) * np.exp(-t / 0.5)
    return _normalised(y, 0.7)


def drum_loop(bpm: float) -> F64:
    """Two bars: kick and snare on the beats, a hat on every off-beat."""
    beat = 60 / bpm
    n = round(8 * beat * SR)
    y = np.zeros(n)
    hits = {"k": kick(), "s": snare(), "h": 0.5 * hat()}
    for b in range(8):
        for name, at in (("k" if b % 2 == 0 else "s", b * beat), ("h", (b + 0.5) * beat)):
            start = round(at * SR)
            x = hits[name][: n - start]
            y[start : start + x.size] += x
    return _normalised(y)


SOUNDS: dict[str, F64] = {
    "kick": kick(),
    "kick_up_a_semitone": kick(semitones=1),
    "kick_longer": kick(decay_s=0.4),
    "kick_slow_sweep": kick(sweep_s=0.08),
    "snare": snare(),
    "snare_tight": snare(tone_hz=180, decay_s=0.08),
    "hat": hat(),
    "hat_thin": hat(low_hz=8000, decay_s=0.008),
    "bass_a1": bass(),
    "bass_b1": bass(f0_hz=61.74),
    "chords": chord_loop(),
    "drums_120": drum_loop(120),
    "drums_122": drum_loop(122.4),
    "drums_126": drum_loop(126),
}

#: Variants by what they are: lossless edits, 128 kbps copies, lower quality, decoder padding.
LOSSLESS = ("mono", "48k", "22k", "+12dB", "-12dB", "silence_5ms", "silence_13ms")
LOSSY_128 = ("mp3_128",)
LOW_QUALITY = ("mp3_96", "ogg_default")
PADDED = ("padded",)
VARIANTS = ("orig", *LOSSLESS, *LOSSY_128, *LOW_QUALITY, *PADDED)


def _stereo(y: F64) -> F64:
    """Channels that differ (a delayed, quieter right), so the mono fold is a real change."""
    right = 0.6 * np.concatenate([np.zeros(5), y[:-5]])
    return np.stack([y, right], axis=1)


def _fingerprint(signal: AudioSignal) -> tuple[float, F64]:
    result = analyze_signal(signal, registry=ONLY_FINGERPRINT)
    assert result.fingerprint is not None
    return result.audio.duration_s, np.asarray(result.fingerprint)


def _encoded(y: F64, path: Path, fmt: str, **options: object) -> tuple[float, F64]:
    sf.write(path, y.astype(np.float32), SR, format=fmt, **options)
    result = analyze_file(path, registry=ONLY_FINGERPRINT)
    assert result.fingerprint is not None
    return result.audio.duration_s, np.asarray(result.fingerprint)


def _variants(y: F64, folder: Path) -> dict[str, tuple[float, F64]]:
    stereo = _stereo(y)
    mono = stereo.mean(axis=1)

    def signal(samples: F64, rate: int = SR) -> AudioSignal:
        return AudioSignal.from_array(samples.astype(np.float32), rate)

    def silence(ms: float) -> F64:
        return np.zeros((round(ms / 1000 * SR), 2))

    return {
        "orig": _fingerprint(signal(stereo)),
        "mono": _fingerprint(signal(mono)),
        "48k": _fingerprint(signal(soxr.resample(stereo, SR, 48000), 48000)),
        "22k": _fingerprint(signal(soxr.resample(stereo, SR, 22050), 22050)),
        "+12dB": _fingerprint(signal(stereo * 10 ** (12 / 20))),
        "-12dB": _fingerprint(signal(stereo * 10 ** (-12 / 20))),
        "silence_5ms": _fingerprint(signal(np.concatenate([silence(5), stereo]))),
        "silence_13ms": _fingerprint(signal(np.concatenate([silence(13), stereo]))),
        # libsndfile's MP3 compression level 0.66 is 128 kbps CBR; 0.75 is 96 kbps.
        "mp3_128": _encoded(
            stereo, folder / "a.mp3", "MP3", bitrate_mode="CONSTANT", compression_level=0.66
        ),
        "mp3_96": _encoded(
            stereo, folder / "b.mp3", "MP3", bitrate_mode="CONSTANT", compression_level=0.75
        ),
        "ogg_default": _encoded(stereo, folder / "c.ogg", "OGG"),
        # What a decoder without gapless information adds: encoder delay and frame padding.
        "padded": _fingerprint(signal(np.concatenate([silence(25), stereo, silence(23)]))),
    }


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, tuple[float, F64]]]:
    folder = tmp_path_factory.mktemp("fingerprints")
    return {name: _variants(y, folder) for name, y in SOUNDS.items()}


def _items(
    library: dict[str, dict[str, tuple[float, F64]]], variants: tuple[str, ...]
) -> tuple[list[tuple[int, float, F64]], dict[int, tuple[str, str]]]:
    items: list[tuple[int, float, F64]] = []
    labels: dict[int, tuple[str, str]] = {}
    for name, found in library.items():
        for variant in variants:
            duration_s, vector = found[variant]
            labels[len(items)] = (name, variant)
            items.append((len(items), duration_s, vector))
    return items, labels


def _cosine(a: F64, b: F64) -> float:
    return float(a @ b)


# --------------------------------------------------------------------------- the vector


def test_every_fingerprint_is_a_unit_vector(library: dict[str, dict[str, tuple[float, F64]]]):
    for found in library.values():
        for _, vector in found.values():
            assert vector.shape == (FINGERPRINT_DIMENSIONS,)
            assert np.isfinite(vector).all()
            assert abs(float(np.linalg.norm(vector)) - 1) < 1e-4


@pytest.mark.parametrize(
    ("variants", "at_least"),
    [(LOSSLESS, 0.995), (LOSSY_128, 0.998), (LOW_QUALITY, 0.99), (PADDED, 0.99)],
)
def test_the_same_sound_scores_near_one(
    library: dict[str, dict[str, tuple[float, F64]]], variants: tuple[str, ...], at_least: float
) -> None:
    worst = min(
        (_cosine(found["orig"][1], found[v][1]), name, v)
        for name, found in library.items()
        for v in variants
    )
    assert worst[0] >= at_least, worst


def test_different_sounds_score_clearly_lower(
    library: dict[str, dict[str, tuple[float, F64]]],
) -> None:
    scores = {
        (a, b): _cosine(library[a]["orig"][1], library[b]["orig"][1])
        for a, b in itertools.combinations(SOUNDS, 2)
    }
    # Even the nearest pairs (one semitone, a longer decay, 2 % faster) stay below "loose".
    assert max(scores.values()) < STRICTNESS["loose"].min_similarity - 0.005, max(
        scores.items(), key=lambda kv: kv[1]
    )
    for pair in [
        ("kick", "kick_up_a_semitone"),
        ("kick", "kick_longer"),
        ("kick", "kick_slow_sweep"),
        ("bass_a1", "bass_b1"),
        ("hat", "hat_thin"),
        ("drums_120", "drums_122"),
    ]:
        assert scores[pair] < 0.97, (pair, scores[pair])
    assert scores[("drums_120", "drums_126")] < 0.9


def test_normal_groups_each_sound_with_its_variants(
    library: dict[str, dict[str, tuple[float, F64]]],
) -> None:
    variants = ("orig", *LOSSLESS, *LOSSY_128, *LOW_QUALITY)
    items, labels = _items(library, variants)
    groups = near_duplicate_groups(items, strictness="normal")
    assert len(groups) == len(SOUNDS)
    for group in groups:
        names = {labels[sample_id][0] for sample_id, _ in group}
        assert len(names) == 1, names
        assert len(group) == len(variants)
        assert group[0][1] == 1.0
        assert all(similarity >= 0.98 for _, similarity in group)


def test_strict_takes_lossless_and_128_kbps_copies(
    library: dict[str, dict[str, tuple[float, F64]]],
) -> None:
    variants = ("orig", *LOSSLESS, *LOSSY_128)
    items, labels = _items(library, variants)
    groups = near_duplicate_groups(items, strictness="strict")
    assert sorted(len(g) for g in groups) == [len(variants)] * len(SOUNDS)
    assert all(len({labels[i][0] for i, _ in g}) == 1 for g in groups)


def test_exact_audio_leaves_out_shifted_copies(
    library: dict[str, dict[str, tuple[float, F64]]],
) -> None:
    items, labels = _items(library, ("orig", "mono", "48k", "+12dB", "-12dB", "silence_13ms"))
    groups = near_duplicate_groups(items, strictness="exact-audio")
    assert len(groups) == len(SOUNDS)
    for group in groups:
        assert {labels[i][1] for i, _ in group} == {"orig", "mono", "48k", "+12dB", "-12dB"}


def test_loose_also_takes_decoder_padding_that_normal_leaves_out(
    library: dict[str, dict[str, tuple[float, F64]]],
) -> None:
    items, labels = _items(library, ("orig", "padded"))
    loose = near_duplicate_groups(items, strictness="loose")
    assert sorted({labels[i][0] for i, _ in g}.pop() for g in loose) == sorted(SOUNDS)
    assert all(len(g) == 2 for g in loose)
    # 48 ms longer: too much for "normal" on a one-shot, within 2 % for the 4 s loops.
    normal = near_duplicate_groups(items, strictness="normal")
    assert sorted(labels[g[0][0]][0] for g in normal) == [
        "chords",
        "drums_120",
        "drums_122",
        "drums_126",
    ]


def test_a_loop_at_another_tempo_is_not_a_duplicate(
    library: dict[str, dict[str, tuple[float, F64]]],
) -> None:
    names = ["drums_120", "drums_122", "drums_126"]
    items = [(i, *library[name]["orig"]) for i, name in enumerate(names)]
    for strictness in STRICTNESS:
        assert near_duplicate_groups(items, strictness=strictness) == []
    # Even if the durations were the same, the rhythm tells them apart.
    same_length = [(i, 4.0, vector) for i, _, vector in items]
    assert near_duplicate_groups(same_length, strictness="loose") == []


def test_silence_has_no_fingerprint() -> None:
    result = analyze_signal(AudioSignal.from_array(np.zeros(SR // 2), SR))
    assert result.fingerprint is None
    quiet = analyze_signal(AudioSignal.from_array(np.full(SR // 2, 1e-7), SR))
    assert quiet.fingerprint is None


def test_the_full_pipeline_stores_it_but_the_flat_record_leaves_it_out() -> None:
    signal = AudioSignal.from_array(SOUNDS["snare"].astype(np.float32), SR)
    result = analyze_signal(signal, level=AnalysisLevel.STANDARD)
    assert result.analyzers["fingerprint"] == 1
    assert result.fingerprint is not None and len(result.fingerprint) == FINGERPRINT_DIMENSIONS
    assert "fingerprint" not in result.to_record()
    assert len(result.model_dump()["fingerprint"]) == FINGERPRINT_DIMENSIONS
    basic = analyze_signal(signal, level=AnalysisLevel.BASIC)
    assert basic.fingerprint is None and "fingerprint" not in basic.analyzers


def test_tiny_and_odd_signals_still_work() -> None:
    for samples in (
        np.array([0.5]),
        np.r_[np.zeros(100), 0.3, np.zeros(100)],  # one click
        SOUNDS["hat"][: SR // 100],  # 10 ms
        np.sin(np.arange(SR * 3) * 2 * np.pi * 440 / SR),  # a steady tone, no onset
    ):
        _, vector = _fingerprint(AudioSignal.from_array(samples.astype(np.float32), SR))
        assert np.isfinite(vector).all() and abs(float(np.linalg.norm(vector)) - 1) < 1e-4


# --------------------------------------------------------------------------- grouping logic


def _unit(rng: np.random.Generator, n: int = 32) -> F64:
    v = rng.standard_normal(n)
    return v / np.linalg.norm(v)


def test_unknown_strictness_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="valid: exact-audio, strict, normal, loose"):
        near_duplicate_groups([(1, 1.0, np.ones(4)), (2, 1.0, np.ones(4))], strictness="fuzzy")
    assert criteria_for("normal") is STRICTNESS["normal"]


def test_fingerprints_of_different_lengths_are_refused() -> None:
    with pytest.raises(ConfigError, match="different lengths"):
        near_duplicate_groups([(1, 1.0, np.ones(4)), (2, 1.0, np.ones(5))])


def test_groups_gather_around_the_best_connected_sample() -> None:
    rng = np.random.default_rng(3)
    a, b = _unit(rng), _unit(rng)
    # a ~ a1 ~ a2: a and a2 alone would miss the threshold; a1 near both leads the group.
    drift = _unit(rng)
    a1 = a + 0.13 * drift
    a2 = a + 0.26 * drift
    items = [
        (10, 1.0, a),
        (11, 1.0, a1),
        (12, 1.0, a2),
        (20, 2.0, b),
        (21, 2.0, 3 * b),  # scale does not matter
        (30, 1.0, np.zeros(32)),  # no fingerprint: never matches
        (31, 1.0, np.zeros(32)),
        (40, 1.0, np.full(32, np.nan)),
    ]
    assert float(a @ (a2 / np.linalg.norm(a2))) < 0.985
    groups = near_duplicate_groups(items)
    assert [[i for i, _ in g] for g in groups] == [[11, 10, 12], [20, 21]]
    assert groups[1] == [(20, 1.0), (21, 1.0)]
    assert near_duplicate_groups(items[:1]) == []
    assert near_duplicate_groups([]) == []


def test_durations_gate_before_similarity() -> None:
    v = _unit(np.random.default_rng(4))
    # 1.0 s against 1.04 s: 4 %, beyond normal's 2 %, within loose's 5 %. 50 ms against 79 ms:
    # within 30 ms; 120 ms is 41 ms from 79 ms: only loose's 60 ms reach it (3 and 5 join 4,
    # the group's leader, though 3 and 5 are 70 ms apart).
    items = [(1, 1.0, v), (2, 1.04, v), (3, 0.05, v), (4, 0.079, v), (5, 0.12, v)]
    normal = near_duplicate_groups(items, strictness="normal")
    assert [sorted(i for i, _ in g) for g in normal] == [[3, 4]]
    loose = near_duplicate_groups(items, strictness="loose")
    assert sorted(sorted(i for i, _ in g) for g in loose) == [[1, 2], [3, 4, 5]]


def test_twenty_thousand_items_find_exactly_the_planted_pairs() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    vectors = rng.standard_normal((n, FINGERPRINT_DIMENSIONS)).astype(np.float32)
    durations = rng.uniform(0.2, 0.6, n)  # one-shots of similar length: the hard case
    for k in range(100):  # planted duplicates
        vectors[n - 1 - k] = vectors[k] + 0.01 * rng.standard_normal(FINGERPRINT_DIMENSIONS)
        durations[n - 1 - k] = durations[k] + 0.001
    items = [(i, float(durations[i]), vectors[i]) for i in range(n)]
    groups = near_duplicate_groups(items)
    assert sorted(sorted(i for i, _ in g) for g in groups) == [[k, n - 1 - k] for k in range(100)]


def test_no_chains_every_member_is_near_its_leader() -> None:
    # A drifting series a0 ~ a1 ~ ... ~ a9, each a near twin of the next but the ends far
    # apart: components would make one group of ten; stars keep each group within threshold.
    rng = np.random.default_rng(6)
    base, drift = _unit(rng), _unit(rng)
    series = [base + 0.1 * k * drift for k in range(10)]
    items = [(k, 1.0, v) for k, v in enumerate(series)]
    groups = near_duplicate_groups(items, strictness="normal")
    assert len(groups) >= 2  # connected components would give one group of ten
    unit = {k: v / np.linalg.norm(v) for k, v in enumerate(series)}
    for group in groups:
        ids = [k for k, _ in group]
        # Some member (the leader) is within the threshold of every other member.
        assert any(all(float(unit[lead] @ unit[k]) >= 0.985 - 1e-6 for k in ids) for lead in ids)
