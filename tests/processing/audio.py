"""Generated test audio with known answers, and a measurement that trusts only the audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from samplemind.analysis.engine import analyze_signal
from samplemind.audio.decode import decode
from samplemind.audio.signal import AudioSignal
from samplemind.demo import _chord_loop, _house
from samplemind.domain.analysis import AnalysisLevel, AnalysisResult
from tests.signals import SR

__all__ = ["SR", "chord_loop", "drum_loop", "measure", "mixed_loop", "write"]

_PIANO = "x..x ..x. ..x. x..."
_BASS = "x... ..x. x... x.x."


def drum_loop(bpm: float = 120.0, bars: int = 4, *, seed: int = 3) -> np.ndarray:
    """A stereo house groove (kick on every beat, claps, hats), cut on the bar line."""
    loop = _house(np.random.default_rng(seed), bpm, bars)
    return (0.9 * loop / np.max(np.abs(loop))).astype(np.float32)


def chord_loop(
    bpm: float = 120.0,
    bars: int = 4,
    chords: tuple[str, ...] = ("Am", "F", "C", "G"),
    *,
    seed: int = 3,
) -> np.ndarray:
    """A stereo piano-and-bass loop in the key of its first chord."""
    loop = _chord_loop(
        np.random.default_rng(seed), bpm, bars, chords, voice="piano", rhythm=_PIANO, bass=_BASS
    )
    return (0.9 * loop / np.max(np.abs(loop))).astype(np.float32)


def mixed_loop(bpm: float = 120.0, bars: int = 4) -> np.ndarray:
    """Chords (A minor) over drums: a typical sample-pack loop."""
    mix = 0.55 * chord_loop(bpm, bars) + 0.45 * drum_loop(bpm, bars)
    return (0.9 * mix / np.max(np.abs(mix))).astype(np.float32)


def write(path: Path, samples: np.ndarray, *, sr: int = SR, subtype: str = "PCM_24") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, sr, subtype=subtype)
    return path


def measure(path: Path | str, level: AnalysisLevel = AnalysisLevel.STANDARD) -> AnalysisResult:
    """The project's analysis of a file's *audio*: decoded, then analyzed under a neutral name
    that has no file of its own, so neither the output's name nor its tags can act as a prior."""
    signal = decode(path)
    neutral = AudioSignal.from_array(signal.samples, signal.sample_rate_hz, path="measured.wav")
    return analyze_signal(neutral, level=level)
