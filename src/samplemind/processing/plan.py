"""Turn a :class:`~samplemind.processing.options.ProcessSpec` and what is known about the
source (its BPM, key, root note) into the numbers the chain applies: a speed factor and a
pitch shift in semitones.

Rules (docs/processing.md):

- **Tempo:** the speed factor is ``target / source`` BPM, allowed between ×0.5 and ×2
  (:data:`MAX_SPEED_FACTOR`); past that, Rubber Band smears transients and formants, and the
  loop almost always wants half or double time instead, which the error suggests.
- **Key:** a loop moves to the target key by the smallest shift (-6..+5 semitones). Across
  modes it moves to the target's relative key, which has the same notes: an E minor loop
  asked for C major lands in A minor.
- **Note:** a one-shot's root note (with its detuning in cents) moves to the target note
  exactly, or, given a key, to the nearest note of the key's tonic, so a kit tunes to a song.
- Shifts are limited to ±24 semitones (:data:`MAX_SEMITONES`).

Example:
    >>> from samplemind.domain.music import MusicalKey
    >>> plan = resolve(
    ...     ProcessSpec(stretch_to_bpm=128, shift_to="Cm"),
    ...     SourceFacts(bpm=120.0, key=MusicalKey.parse("Am"), is_loop=True),
    ... )
    >>> round(plan.speed, 4), plan.semitones, plan.to_key.short_name
    (1.0667, 3.0, 'Cm')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from samplemind.domain.music import MusicalKey, midi_to_note_name
from samplemind.errors import ConfigError, ProcessingError
from samplemind.processing.options import ProcessSpec, parse_pitch_target

__all__ = ["MAX_SEMITONES", "MAX_SPEED_FACTOR", "Plan", "SourceFacts", "key_shift", "resolve"]

#: The largest tempo change either way (×2 faster, ×0.5 slower).
MAX_SPEED_FACTOR = 2.0
#: The largest pitch shift either way, in semitones.
MAX_SEMITONES = 24.0


@dataclass(frozen=True)
class SourceFacts:
    """What the source's analysis (or the user) says: the values a stretch or shift starts from.

    ``root_midi`` is fractional: the root note plus its detuning (``A2`` 30 cents sharp is
    45.3), so a shift to a note also tunes the sample.
    """

    bpm: float | None = None
    key: MusicalKey | None = None
    root_midi: float | None = None
    is_loop: bool | None = None

    def overridden(self, spec: ProcessSpec) -> SourceFacts:
        """These facts with the spec's ``source_bpm`` / ``source_key`` / ``source_note``."""
        key = self.key
        root = self.root_midi
        if spec.source_key is not None:
            parsed = parse_pitch_target(spec.source_key)
            key = parsed if isinstance(parsed, MusicalKey) else key
        if spec.source_note is not None:
            parsed = parse_pitch_target(spec.source_note)
            root = float(parsed) if isinstance(parsed, int) else root
        return SourceFacts(
            bpm=spec.source_bpm or self.bpm, key=key, root_midi=root, is_loop=self.is_loop
        )


@dataclass(frozen=True)
class Plan:
    """The resolved numbers: ``speed`` > 1 is faster (shorter); ``semitones`` > 0 is higher."""

    speed: float = 1.0
    semitones: float = 0.0
    from_bpm: float | None = None
    to_bpm: float | None = None
    from_key: MusicalKey | None = None
    to_key: MusicalKey | None = None
    from_note: float | None = None
    to_note: float | None = None
    keep_timing: bool = True  # a loop (or unknown): hits stay on the grid
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def changes_time(self) -> bool:
        return abs(self.speed - 1.0) > 1e-9

    @property
    def changes_pitch(self) -> bool:
        return abs(self.semitones) > 1e-9


def key_shift(source: MusicalKey, target: MusicalKey) -> tuple[int, MusicalKey]:
    """The smallest shift (-6..+5) taking ``source`` to ``target`` (or to ``target``'s
    relative key when the modes differ), and the key the source lands in.

    Example:
        >>> key_shift(MusicalKey.parse("Em"), MusicalKey.parse("C"))
        (5, MusicalKey(tonic=9, mode=<Mode.MINOR: 'minor'>))
    """
    landing = target if target.mode is source.mode else target.relative
    shift = _nearest(landing.tonic - source.tonic)
    return shift, landing


def _nearest(semitones: float) -> int:
    """The octave-equivalent of a pitch-class distance in -6..+5."""
    return int(((round(semitones) + 6) % 12) - 6)


def _note(value: float) -> str:
    return midi_to_note_name(round(value))


def resolve(spec: ProcessSpec, facts: SourceFacts) -> Plan:
    """The plan for ``spec`` applied to a source with these ``facts``.

    Raises:
        ConfigError: an impossible request (a speed beyond ×0.5..×2, a shift beyond ±24).
        ProcessingError: the request needs a fact the source lacks (no BPM to stretch from,
            no key or root note to shift from), naming the option that supplies it.
    """
    facts = facts.overridden(spec)
    speed, from_bpm, to_bpm = 1.0, None, None
    params: dict[str, Any] = {}
    if spec.stretch_to_bpm is not None:
        if facts.bpm is None:
            raise ProcessingError(
                "no tempo is known for this sample (a one-shot, or not analyzed at the "
                "standard level): give its tempo with --source-bpm"
            )
        from_bpm, to_bpm = facts.bpm, spec.stretch_to_bpm
        speed = to_bpm / from_bpm
        if not 1 / MAX_SPEED_FACTOR - 1e-9 <= speed <= MAX_SPEED_FACTOR + 1e-9:
            hint = from_bpm * (2.0 if speed > 1 else 0.5)
            raise ConfigError(
                f"stretching {from_bpm:g} → {to_bpm:g} BPM is a ×{speed:.2f} change; at most "
                f"×{MAX_SPEED_FACTOR:g} either way keeps it clean. In half or double time "
                f"the loop is {hint:g} BPM: stretch from there with --source-bpm {hint:g}"
            )
        params.update(from_bpm=from_bpm, to_bpm=to_bpm, speed=round(speed, 6))

    semitones = 0.0
    from_key = to_key = None
    from_note = to_note = None
    if spec.semitones is not None:
        semitones = float(spec.semitones)
        from_key = facts.key
        if facts.key is not None:
            to_key = _transposed(facts.key, semitones)
        if facts.root_midi is not None:
            from_note, to_note = facts.root_midi, facts.root_midi + semitones
    elif spec.shift_to is not None:
        target = parse_pitch_target(spec.shift_to)
        prefer_root = facts.root_midi is not None and (facts.is_loop is False or facts.key is None)
        if isinstance(target, int):  # a note: a one-shot's root goes there exactly
            if facts.root_midi is None:
                raise ProcessingError(
                    f"shifting to the note {spec.shift_to} needs the sample's root note, and "
                    "none is known (a loop, or an unpitched sound): give a key for a loop, "
                    "--source-note, or --semitones"
                )
            from_note, to_note = facts.root_midi, float(target)
            semitones = to_note - from_note
        elif prefer_root:
            assert facts.root_midi is not None
            from_note = facts.root_midi
            semitones = _nearest(target.tonic - from_note) + (round(from_note) - from_note)
            to_note = from_note + semitones
        elif facts.key is not None:
            shift, to_key = key_shift(facts.key, target)
            from_key, semitones = facts.key, float(shift)
        else:
            raise ProcessingError(
                "no key or root note is known for this sample: give --source-key (loops), "
                "--source-note (one-shots) or a number of --semitones"
            )
    semitones = round(semitones, 4)
    if abs(semitones) > MAX_SEMITONES:
        raise ConfigError(
            f"a shift of {semitones:+g} semitones is beyond ±{MAX_SEMITONES:g}; "
            "pick a target in a nearer octave"
        )
    if semitones:
        params["semitones"] = semitones
    if from_key is not None and semitones:
        params.update(from_key=from_key.name, to_key=(to_key or from_key).name)
    if from_note is not None and to_note is not None and semitones:
        params.update(from_note=_note(from_note), to_note=_note(to_note))
    return Plan(
        speed=speed,
        semitones=semitones,
        from_bpm=from_bpm,
        to_bpm=to_bpm,
        from_key=from_key,
        to_key=to_key,
        from_note=from_note,
        to_note=to_note,
        keep_timing=facts.is_loop is not False or abs(speed - 1.0) > 1e-9,
        params=params,
    )


def _transposed(key: MusicalKey, semitones: float) -> MusicalKey | None:
    if abs(semitones - round(semitones)) > 1e-6:
        return None  # between keys
    return MusicalKey(tonic=(key.tonic + round(semitones)) % 12, mode=key.mode)
