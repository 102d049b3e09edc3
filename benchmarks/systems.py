"""Analysis systems compared by the harness: samplemind and two baseline peers.

Every system exposes ``analyze(path, kind) -> dict`` returning at least ``bpm`` (float|None),
``key`` (sharp-spelled like ``"F# minor"`` or None) and ``root_midi`` (float|None), plus any
raw fields worth keeping for inspection.  Each system does its own decoding.

The peers are told the file kind (oracle routing): loops/drum loops get tempo + key,
one-shots/drum hits get pitch.  samplemind gets no hint and decides for itself.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from benchmarks.metrics import PITCH_CLASSES, hz_to_midi, normalize_key

LOOP_KINDS = frozenset({"loop", "drumloop"})

# Krumhansl-Kessler key profiles (Krumhansl 1990), tonic first.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


class UnavailableError(RuntimeError):
    """The system cannot be used in this environment."""


class System(Protocol):
    name: str

    def analyze(self, path: Path, kind: str) -> dict[str, Any]: ...


def krumhansl_key(chroma_mean: np.ndarray) -> str | None:
    """Krumhansl-Schmuckler: best Pearson correlation over the 24 rotated profiles."""
    chroma = np.asarray(chroma_mean, dtype=float)
    if chroma.shape != (12,) or not np.any(chroma > 0) or np.allclose(chroma, chroma[0]):
        return None
    best: tuple[float, str] | None = None
    for tonic in range(12):
        for mode, profile in (("major", KK_MAJOR), ("minor", KK_MINOR)):
            r = float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1])
            if best is None or r > best[0]:
                best = (r, f"{PITCH_CLASSES[tonic]} {mode}")
    return None if best is None else best[1]


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


class LibrosaSystem:
    name = "librosa"

    def __init__(self) -> None:
        try:
            import librosa
        except ImportError as exc:  # pragma: no cover - depends on environment
            raise UnavailableError(str(exc)) from exc
        self._librosa = librosa
        # librosa >= 0.10 has feature.tempo (alias of feature.rhythm.tempo); older: beat.tempo
        self._tempo = getattr(librosa.feature, "tempo", None) or librosa.beat.tempo
        self.version = str(getattr(librosa, "__version__", "?"))

    def analyze(self, path: Path, kind: str) -> dict[str, Any]:
        lr = self._librosa
        y, sr = lr.load(str(path), sr=22050, mono=True)
        out: dict[str, Any] = {"bpm": None, "key": None, "root_midi": None}
        if kind in LOOP_KINDS:
            onset_env = lr.onset.onset_strength(y=y, sr=sr)
            out["bpm"] = _finite(float(self._tempo(onset_envelope=onset_env, sr=sr)[0]))
            chroma = lr.feature.chroma_cqt(y=y, sr=sr)
            out["key"] = krumhansl_key(chroma.mean(axis=1))
        else:
            f0, voiced, _ = lr.pyin(
                y, fmin=float(lr.note_to_hz("C1")), fmax=float(lr.note_to_hz("C7")), sr=sr
            )
            good = f0[voiced & np.isfinite(f0)] if f0 is not None else np.array([])
            if good.size:
                hz = float(np.median(good))
                out["f0_hz"] = hz
                out["root_midi"] = hz_to_midi(hz)
        return out


class EssentiaSystem:
    name = "essentia"

    def __init__(self) -> None:
        try:
            import essentia
            import essentia.standard as es
        except ImportError as exc:  # pragma: no cover - depends on environment
            raise UnavailableError(str(exc)) from exc
        essentia.log.infoActive = False
        essentia.log.warningActive = False
        self._es = es
        self._rhythm = es.RhythmExtractor2013(method="multifeature")
        self._key = es.KeyExtractor(profileType="edma")
        self._eqloud = es.EqualLoudness()
        # same C1..C7 search range as the librosa pYIN baseline (defaults are 80..20000 Hz,
        # which cannot see most bass notes)
        self._melodia = es.PredominantPitchMelodia(minFrequency=32.7, maxFrequency=2093.0)
        self.version = str(getattr(essentia, "__version__", "?"))

    def analyze(self, path: Path, kind: str) -> dict[str, Any]:
        audio = self._es.MonoLoader(filename=str(path), sampleRate=44100)()
        out: dict[str, Any] = {"bpm": None, "key": None, "root_midi": None}
        if kind in LOOP_KINDS:
            bpm, _beats, confidence, _estimates, _intervals = self._rhythm(audio)
            out["bpm"] = _finite(float(bpm)) or None
            out["bpm_confidence"] = float(confidence)
            key, scale, strength = self._key(audio)
            out["key_raw"] = f"{key} {scale}"
            out["key"] = normalize_key(key, scale)
            out["key_strength"] = float(strength)
        else:
            pitch, _confidence = self._melodia(self._eqloud(audio))
            voiced = np.asarray(pitch)[np.asarray(pitch) > 0]
            if voiced.size:
                hz = float(np.median(voiced))
                out["f0_hz"] = hz
                out["root_midi"] = hz_to_midi(hz)
        return out


class SampleMindSystem:
    name = "samplemind"

    def __init__(self) -> None:
        try:
            import samplemind
        except ImportError as exc:
            raise UnavailableError(str(exc)) from exc
        analyze = getattr(samplemind, "analyze", None)
        if not callable(analyze):
            raise UnavailableError("samplemind.analyze() does not exist yet")
        self._analyze = analyze
        self.version = str(getattr(samplemind, "__version__", "?"))

    def analyze(self, path: Path, kind: str) -> dict[str, Any]:
        rec = self._analyze(path).to_record()
        bpm = rec.get("bpm")
        root = rec.get("root_midi")
        out: dict[str, Any] = {
            "bpm": _finite(float(bpm)) if bpm is not None else None,
            "key": normalize_key(rec.get("key")),
            "root_midi": float(root) if root is not None else None,
        }
        for extra in ("key", "root_note", "is_loop", "bpm_confidence", "key_confidence"):
            if extra in rec:
                out[f"{extra}_raw" if extra == "key" else extra] = rec[extra]
        return out


SYSTEMS: dict[str, type[LibrosaSystem] | type[EssentiaSystem] | type[SampleMindSystem]] = {
    "samplemind": SampleMindSystem,
    "librosa": LibrosaSystem,
    "essentia": EssentiaSystem,
}
