"""Resolving a spec against the source's BPM, key and root note (pure logic)."""

from __future__ import annotations

import pytest

from samplemind.domain.music import MusicalKey
from samplemind.errors import ConfigError, ProcessingError
from samplemind.processing.options import ProcessSpec
from samplemind.processing.plan import SourceFacts, key_shift, resolve

AM = MusicalKey.parse("Am")
LOOP = SourceFacts(bpm=120.0, key=AM, is_loop=True)


def test_stretch_factor_and_limits() -> None:
    plan = resolve(ProcessSpec(stretch_to_bpm=128), LOOP)
    assert plan.speed == pytest.approx(128 / 120) and plan.changes_time
    assert (plan.from_bpm, plan.to_bpm) == (120.0, 128.0)
    assert resolve(ProcessSpec(stretch_to_bpm=240), LOOP).speed == pytest.approx(2.0)
    assert resolve(ProcessSpec(stretch_to_bpm=60), LOOP).speed == pytest.approx(0.5)
    with pytest.raises(ConfigError, match=r"60 → 240 BPM is a ×4\.00 change.*--source-bpm 120"):
        resolve(ProcessSpec(stretch_to_bpm=240), SourceFacts(bpm=60.0))
    with pytest.raises(ConfigError, match=r"×0\.25"):
        resolve(ProcessSpec(stretch_to_bpm=30), LOOP)


def test_stretch_needs_a_tempo_and_takes_an_override() -> None:
    with pytest.raises(ProcessingError, match="--source-bpm"):
        resolve(ProcessSpec(stretch_to_bpm=128), SourceFacts(is_loop=False))
    plan = resolve(ProcessSpec(stretch_to_bpm=128, source_bpm=64), SourceFacts(bpm=120.0))
    assert plan.speed == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("source", "target", "shift", "landing"),
    [
        ("Am", "Cm", 3, "C minor"),
        ("Am", "Em", -5, "E minor"),  # down a fourth, not up a fifth
        ("Am", "F#m", -3, "F# minor"),
        ("C", "A", -3, "A major"),
        ("Em", "C", 5, "A minor"),  # across modes: to the relative key, the same notes
        ("C", "Am", 0, "C major"),
        ("C", "F#", -6, "F# major"),  # a tritone goes down
    ],
)
def test_key_shifts_are_the_smallest(source: str, target: str, shift: int, landing: str) -> None:
    amount, key = key_shift(MusicalKey.parse(source), MusicalKey.parse(target))
    assert (amount, key.name) == (shift, landing)
    plan = resolve(ProcessSpec(shift_to=target), SourceFacts(key=MusicalKey.parse(source)))
    assert plan.semitones == shift


def test_a_one_shot_is_tuned_to_a_note_or_a_key() -> None:
    detuned_a2 = SourceFacts(root_midi=45.3, is_loop=False)  # A2, 30 cents sharp
    exact = resolve(ProcessSpec(shift_to="C3"), detuned_a2)
    assert exact.semitones == pytest.approx(2.7)
    assert exact.params["from_note"] == "A2" and exact.params["to_note"] == "C3"
    nearest_c = resolve(ProcessSpec(shift_to="Cm"), detuned_a2)
    assert nearest_c.semitones == pytest.approx(2.7)  # C3 is the nearest C
    nearest_e = resolve(ProcessSpec(shift_to="E"), detuned_a2)
    assert nearest_e.semitones == pytest.approx(-5.3)  # E2, a fourth down
    # A one-shot that also carries a key is still tuned by its root note.
    both = SourceFacts(key=MusicalKey.parse("D"), root_midi=45.0, is_loop=False)
    assert resolve(ProcessSpec(shift_to="B"), both).semitones == 2


def test_shift_errors() -> None:
    with pytest.raises(ProcessingError, match="needs the sample's root note"):
        resolve(ProcessSpec(shift_to="C3"), LOOP)
    with pytest.raises(ProcessingError, match="--source-key"):
        resolve(ProcessSpec(shift_to="Am"), SourceFacts(bpm=120.0))
    with pytest.raises(ConfigError, match="beyond ±24"):
        resolve(ProcessSpec(shift_to="C8"), SourceFacts(root_midi=40.0))
    # Overrides supply what the analysis lacks.
    plan = resolve(ProcessSpec(shift_to="Cm", source_key="Bm"), SourceFacts())
    assert plan.semitones == 1 and plan.to_key == MusicalKey.parse("Cm")
    plan = resolve(ProcessSpec(shift_to="G3", source_note="E3"), SourceFacts())
    assert plan.semitones == 3


def test_explicit_semitones_transpose_the_known_facts() -> None:
    plan = resolve(ProcessSpec(semitones=-2), LOOP)
    assert plan.to_key == MusicalKey.parse("Gm") and plan.params["semitones"] == -2
    fractional = resolve(ProcessSpec(semitones=0.5), LOOP)
    assert fractional.to_key is None  # between keys
