"""Key, key changes and chord sequences on synthesized progressions (harmonic tones, bass line)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samplemind.analysis.context import AnalysisContext
from samplemind.analysis.key import (
    KeyAnalyzer,
    chord_sequence,
    chord_track,
    estimate_key,
    key_changes,
    tonality,
)
from samplemind.audio.decode import decode
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel, LoopEstimate, Source
from samplemind.domain.music import MusicalKey
from tests.analysis.helpers import context
from tests.signals import SR, Array, chord, click_track, noise, tone, write

LOOP = LoopEstimate(is_loop=True, confidence=1.0, bars=4)
ONE_SHOT = LoopEstimate(is_loop=False, confidence=1.0)

# Chord tones above the tonic for the roman numerals used below (root first).
NUMERALS = {
    "I": (0, 4, 7),
    "ii": (2, 5, 9),
    "IV": (5, 9, 12),
    "V": (7, 11, 14),
    "V7": (7, 11, 14, 17),
    "vi": (9, 12, 16),
    "i": (0, 3, 7),
    "iv": (5, 8, 12),
    "VI": (8, 12, 15),
    "VII": (10, 14, 17),
    "III": (3, 7, 10),
}


def progression(
    tonic: int, numerals: list[str], *, seconds: float = 1.0, detune_cents: float = 0.0
) -> Array:
    """Block chords around middle C over a bass note on each chord root (two octaves down)."""
    base = 60 + tonic - (12 if tonic > 6 else 0)
    shift = detune_cents / 100
    parts = []
    for numeral in numerals:
        intervals = NUMERALS[numeral]
        notes = [base + i + shift for i in intervals]
        bass = 36 + (tonic + intervals[0]) % 12 + shift
        block = sum(tone(n, seconds, decay=0.8) for n in notes) / len(notes)
        parts.append(block + 0.6 * tone(bass, seconds, decay=0.8))
    return np.concatenate(parts).astype(np.float32)


def drum_loop(bars: int = 2, bpm: float = 120.0) -> Array:
    """Kick (pitch-swept sine), noise snare and hi-hats on a 16th grid."""
    beat = round(60 / bpm * SR)
    y = np.zeros(bars * 4 * beat, dtype=np.float32)
    t = np.arange(int(0.3 * SR)) / SR
    kick = np.sin(2 * np.pi * (50 * t + 60 * (1 - np.exp(-t * 30)) / 30)) * np.exp(-t * 12)
    rng = np.random.default_rng(1)
    snare = rng.standard_normal(int(0.2 * SR)) * np.exp(-np.arange(int(0.2 * SR)) / (0.04 * SR))
    hat = rng.standard_normal(int(0.05 * SR)) * np.exp(-np.arange(int(0.05 * SR)) / (0.01 * SR))
    for b in range(bars * 4):
        start = b * beat
        hit = kick if b % 2 == 0 else snare
        y[start : start + hit.size] += 0.7 * hit[: y.size - start]
        for sixteenth in range(4):
            s = start + sixteenth * beat // 4
            y[s : s + hat.size] += 0.2 * hat[: y.size - s]
    return y


def key_of(samples: Array) -> MusicalKey | None:
    estimate = KeyAnalyzer().analyze(context(samples, loop=LOOP))
    return None if estimate is None else estimate.key


@pytest.mark.parametrize(
    ("tonic", "numerals", "expected", "camelot"),
    [
        (0, ["I", "V", "vi", "IV"], "C major", "8B"),
        (6, ["I", "IV", "V7", "I"], "F# major", "2B"),
        (10, ["I", "vi", "IV", "V"], "A# major", "6B"),
        (9, ["i", "VI", "III", "VII"], "A minor", "8A"),
        (3, ["i", "iv", "V", "i"], "D# minor", "2A"),
        (4, ["i", "VII", "VI", "VII"], "E minor", "9A"),
    ],
)
def test_progressions_give_their_key_and_camelot(
    tonic: int, numerals: list[str], expected: str, camelot: str
) -> None:
    estimate = KeyAnalyzer().analyze(context(progression(tonic, numerals * 2), loop=LOOP))
    assert estimate is not None
    assert estimate.key.name == expected
    assert estimate.key.camelot == camelot
    assert estimate.source is Source.AUDIO
    assert 0.5 < estimate.confidence <= 1.0


def test_detuned_progression_keeps_its_key() -> None:
    # 40 cents sharp is almost half a semitone: without tuning estimation F would read as F#.
    y = progression(5, ["I", "IV", "V", "I"] * 2, detune_cents=40.0)
    ctx = context(y, loop=LOOP)
    estimate = KeyAnalyzer().analyze(ctx)
    assert estimate is not None and estimate.key.name == "F major"
    assert ctx.chromagram.tuning_cents == pytest.approx(40.0, abs=5.0)


@pytest.mark.parametrize(
    "samples",
    [noise(4.0), click_track(120, 2), drum_loop(), np.zeros(SR * 2, dtype=np.float32)],
    ids=["noise", "clicks", "drums", "silence"],
)
def test_no_key_for_drums_noise_and_silence(samples: Array) -> None:
    assert key_of(samples) is None


def test_drums_score_low_tonality_and_chords_high() -> None:
    drums = context(drum_loop(), loop=LOOP)
    chords = context(progression(0, ["I", "IV", "V", "I"]), loop=LOOP)
    assert tonality(drums.chromagram) < 0.2
    assert tonality(chords.chromagram) > 0.8


def test_single_note_one_shot_has_no_key_but_a_chord_one_shot_does() -> None:
    note = context(tone(45, 2.0, decay=0.5), loop=ONE_SHOT)
    assert KeyAnalyzer().analyze(note) is None
    stab = context(chord([57, 60, 64], 2.0) + 0.5 * tone(45, 2.0), loop=ONE_SHOT)  # A minor
    estimate = KeyAnalyzer().analyze(stab)
    assert estimate is not None and estimate.key.name == "A minor"


def _file_context(path: Path) -> AnalysisContext:
    settings = Settings()
    ctx = AnalysisContext(decode(path, settings), level=AnalysisLevel.STANDARD, settings=settings)
    ctx.outputs["loop"] = LOOP
    return ctx


def test_filename_key_is_used_when_the_audio_agrees(tmp_path: Path) -> None:
    path = write(tmp_path / "Loop_128_F#min.wav", progression(6, ["i", "iv", "V", "i"] * 2))
    estimate = estimate_key(_file_context(path))
    assert estimate is not None
    assert (estimate.key.name, estimate.source) == ("F# minor", Source.FILENAME)
    assert estimate.confidence > 0.9


def test_filename_naming_the_relative_key_wins(tmp_path: Path) -> None:
    # Am-F-C-G reads as A minor; a name saying C major (its relative) is a fair human call.
    path = write(tmp_path / "Pad_C_major.wav", progression(9, ["i", "VI", "III", "VII"] * 2))
    estimate = estimate_key(_file_context(path))
    assert estimate is not None
    assert (estimate.key.name, estimate.source) == ("C major", Source.FILENAME)


def test_contradicted_filename_loses_to_unambiguous_audio(tmp_path: Path) -> None:
    # A clear C major cadence (V7 -> I) named F# minor: a tritone away, the name is wrong.
    path = write(tmp_path / "Loop_F#min.wav", progression(0, ["I", "IV", "V7", "I"] * 2))
    estimate = estimate_key(_file_context(path))
    assert estimate is not None
    assert (estimate.key.name, estimate.source) == ("C major", Source.AUDIO)


def test_filename_key_is_kept_for_material_without_a_key_of_its_own(tmp_path: Path) -> None:
    path = write(tmp_path / "808_Loop_Gm.wav", drum_loop())
    estimate = estimate_key(_file_context(path))
    assert estimate is not None
    assert (estimate.key.name, estimate.source) == ("G minor", Source.FILENAME)
    assert estimate.confidence < 0.7


def test_key_changes_find_a_modulation_half_way() -> None:
    first = progression(0, ["I", "IV", "V", "I"] * 2)  # 8 s of C major
    second = progression(4, ["I", "IV", "V", "I"] * 2)  # 8 s of E major
    changes = key_changes(context(np.concatenate([first, second]), loop=LOOP))
    assert [c.label for c in changes] == ["C major", "E major"]
    assert changes[0].start_s == 0.0
    assert changes[1].start_s == pytest.approx(8.0, abs=0.5)


def test_key_changes_of_a_steady_loop_is_its_key() -> None:
    ctx = context(progression(7, ["I", "V", "vi", "IV"] * 4), loop=LOOP)
    estimate = KeyAnalyzer().analyze(ctx)
    assert estimate is not None
    assert [(c.start_s, c.label) for c in key_changes(ctx)] == [(0.0, estimate.key.name)]


def test_chord_sequence_finds_i_v_vi_iv() -> None:
    ctx = context(progression(7, ["I", "V", "vi", "IV"] * 2, seconds=1.0), loop=LOOP)
    chords = chord_sequence(ctx)
    assert [c.label for c in chords] == ["G", "D", "Em", "C"] * 2
    starts = np.array([c.start_s for c in chords])
    np.testing.assert_allclose(starts, np.arange(8.0), atol=0.25)


def test_chord_sequence_names_dominant_sevenths_and_merges_repeats() -> None:
    ctx = context(progression(0, ["I", "I", "V7", "V7"], seconds=1.0), loop=LOOP)
    assert [c.label for c in chord_sequence(ctx)] == ["C", "G7"]


def test_no_chords_or_key_changes_for_drums() -> None:
    ctx = context(drum_loop(), loop=LOOP)
    assert chord_sequence(ctx) == []
    assert key_changes(ctx) == []


def test_chord_track_is_computed_once_per_file() -> None:
    ctx = context(progression(0, ["I", "IV"]), loop=LOOP)
    assert chord_track(ctx) is chord_track(ctx)
