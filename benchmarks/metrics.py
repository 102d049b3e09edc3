"""Small pure metric functions: key-name normalisation, MIREX key score, tempo and pitch accuracy.

Run ``uv run python -m benchmarks.metrics`` to execute the built-in self checks.
"""

from __future__ import annotations

import math
import re

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_NATURALS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_KEY_RE = re.compile(
    r"^\s*([A-Ga-g])\s*([#♯b♭]*)\s*[-_ ]?\s*"
    r"((?i:major|minor|maj|min|ionian|aeolian)|m|M)?\s*$"
)

TEMPO_TOLERANCE = 0.04
TEMPO_FACTORS_ACC2 = (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0)


def parse_key(key: str | None, scale: str | None = None) -> tuple[int, str] | None:
    """Parse a key name into ``(tonic pitch class, "major"|"minor")``.

    Accepts ``"F# minor"``, ``"Gb min"``, ``"Bbm"``, ``"a#"`` (no mode: major), ``"C"``,
    ``"E♭ major"`` and essentia's split form (``key="Bb", scale="minor"``).  Returns ``None``
    for missing/unparseable keys (``None``, ``""``, ``"N"``, ``"none"``...).
    """
    if key is None:
        return None
    text = f"{key} {scale}" if scale else str(key)
    match = _KEY_RE.match(text)
    if not match:
        return None
    letter, accidentals, mode_word = match.groups()
    pc = _NATURALS[letter.upper()]
    for acc in accidentals:
        pc += 1 if acc in "#♯" else -1
    if mode_word is not None and len(mode_word) > 1:
        mode_word = mode_word.lower()
    mode = "minor" if mode_word in {"m", "min", "minor", "aeolian"} else "major"
    return pc % 12, mode


def normalize_key(key: str | None, scale: str | None = None) -> str | None:
    """Canonical sharp-spelled key name, e.g. ``"Bb minor"`` -> ``"A# minor"``."""
    parsed = parse_key(key, scale)
    if parsed is None:
        return None
    return f"{PITCH_CLASSES[parsed[0]]} {parsed[1]}"


def mirex_key_score(reference: str | None, estimate: str | None) -> float:
    """MIREX weighted key score.

    1.0 same key; 0.5 same mode with the tonic a perfect fifth above *or below* the
    reference (mir_eval only credits "above"); 0.3 relative major/minor; 0.2 parallel
    major/minor; 0.0 otherwise, including a missing estimate.
    """
    ref = parse_key(reference)
    est = parse_key(estimate)
    if ref is None or est is None:
        return 0.0
    (rt, rm), (et, em) = ref, est
    if ref == est:
        return 1.0
    if rm == em and (et - rt) % 12 in (7, 5):
        return 0.5
    if rm == "major" and em == "minor" and (rt - et) % 12 == 3:
        return 0.3
    if rm == "minor" and em == "major" and (et - rt) % 12 == 3:
        return 0.3
    if rt == et and rm != em:
        return 0.2
    return 0.0


def key_exact(reference: str | None, estimate: str | None) -> bool:
    ref = parse_key(reference)
    return ref is not None and ref == parse_key(estimate)


def tempo_accuracy1(estimate: float | None, reference: float, tol: float = TEMPO_TOLERANCE) -> bool:
    """MIREX "Accuracy 1": estimate within ``tol`` (relative) of the reference tempo."""
    if estimate is None or not math.isfinite(estimate) or estimate <= 0:
        return False
    return abs(estimate - reference) <= tol * reference


def tempo_accuracy2(estimate: float | None, reference: float, tol: float = TEMPO_TOLERANCE) -> bool:
    """MIREX "Accuracy 2": like Accuracy 1 but ×2, ×½, ×3 and ×⅓ errors also count as correct."""
    return any(tempo_accuracy1(estimate, reference * f, tol) for f in TEMPO_FACTORS_ACC2)


def hz_to_midi(hz: float | None) -> float | None:
    if hz is None or not math.isfinite(hz) or hz <= 0:
        return None
    return 69.0 + 12.0 * math.log2(hz / 440.0)


def pitch_class_correct(estimate_midi: float | None, reference_midi: int) -> bool:
    if estimate_midi is None:
        return False
    return round(estimate_midi) % 12 == reference_midi % 12


def octave_exact(estimate_midi: float | None, reference_midi: int) -> bool:
    if estimate_midi is None:
        return False
    return round(estimate_midi) == reference_midi


def _self_test() -> None:
    assert normalize_key("Bb minor") == "A# minor"
    assert normalize_key("Bb", "minor") == "A# minor"
    assert normalize_key("Gbm") == "F# minor"
    assert normalize_key("F# Minor") == "F# minor"
    assert normalize_key("Cb major") == "B major"
    assert normalize_key("E#") == "F major"
    assert normalize_key("E♭ maj") == "D# major"
    assert normalize_key("c# min") == "C# minor"
    assert normalize_key("A") == "A major"
    assert normalize_key("Am") == "A minor"
    assert normalize_key("Db major") == "C# major"
    assert normalize_key("C#") == "C# major"
    for bad in (None, "", "N", "none", "H minor", "C lydian"):
        assert normalize_key(bad) is None, bad

    assert mirex_key_score("C major", "C major") == 1.0
    assert mirex_key_score("C major", "G major") == 0.5  # fifth above
    assert mirex_key_score("C major", "F major") == 0.5  # fifth below
    assert mirex_key_score("A minor", "E minor") == 0.5
    assert mirex_key_score("A minor", "E major") == 0.0
    assert mirex_key_score("C major", "A minor") == 0.3  # relative minor
    assert mirex_key_score("A minor", "C major") == 0.3  # relative major
    assert mirex_key_score("F# minor", "A major") == 0.3
    assert mirex_key_score("C major", "C minor") == 0.2  # parallel
    assert mirex_key_score("C minor", "C major") == 0.2
    assert mirex_key_score("C major", "D major") == 0.0
    assert mirex_key_score("C major", None) == 0.0
    assert mirex_key_score("A# minor", "Bb minor") == 1.0

    assert tempo_accuracy1(124.0, 120.0)
    assert not tempo_accuracy1(125.0, 120.0)
    assert not tempo_accuracy1(None, 120.0)
    assert not tempo_accuracy1(float("nan"), 120.0)
    assert tempo_accuracy2(240.0, 120.0)
    assert tempo_accuracy2(60.0, 120.0)
    assert tempo_accuracy2(180.0, 60.0)
    assert tempo_accuracy2(47.0, 140.0)  # 1/3
    assert not tempo_accuracy2(90.0, 120.0)  # 3/4 is not credited
    assert not tempo_accuracy1(240.0, 120.0)

    midi = hz_to_midi(440.0)
    assert midi is not None
    assert abs(midi - 69.0) < 1e-9
    assert hz_to_midi(0.0) is None
    assert pitch_class_correct(hz_to_midi(220.0), 69)  # A3 vs A4: class right
    assert not octave_exact(hz_to_midi(220.0), 69)
    assert octave_exact(69.4, 69)
    assert not pitch_class_correct(None, 60)


if __name__ == "__main__":
    _self_test()
    print("metrics self-test passed")
