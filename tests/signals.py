"""Known-answer test signals, synthesized in numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

SR = 44100
Array = npt.NDArray[np.float32]


def midi_hz(midi: float) -> float:
    return float(440.0 * 2 ** ((midi - 69) / 12))


def tone(
    midi: float, duration_s: float, *, sr: int = SR, harmonics: int = 8, decay: float = 2.0
) -> Array:
    """A harmonic tone (1/k partials) with an exponential decay and a 5 ms fade-in."""
    t = np.arange(int(duration_s * sr)) / sr
    f0 = midi_hz(midi)
    x = sum(
        np.sin(2 * np.pi * f0 * k * t + k) / k for k in range(1, harmonics + 1) if f0 * k < sr / 2
    )
    env = np.exp(-t * decay) * np.minimum(1.0, t / 0.005)
    return (0.3 * x * env).astype(np.float32)


def sine(frequency_hz: float, duration_s: float, *, sr: int = SR, dbfs: float = -6.0) -> Array:
    t = np.arange(int(duration_s * sr)) / sr
    return (10 ** (dbfs / 20) * np.sin(2 * np.pi * frequency_hz * t)).astype(np.float32)


def noise(duration_s: float, *, sr: int = SR, seed: int = 0, level: float = 0.3) -> Array:
    return (np.random.default_rng(seed).standard_normal(int(duration_s * sr)) * level).astype(
        np.float32
    )


def click_track(bpm: float, bars: int, *, sr: int = SR, accent: bool = True) -> Array:
    """Clicks on every beat of ``bars`` 4/4 bars, cut exactly on the bar line."""
    n = round(bars * 4 * 60 / bpm * sr)
    y = np.zeros(n, dtype=np.float32)
    click = np.sin(2 * np.pi * 1000 * np.arange(int(0.02 * sr)) / sr) * np.exp(
        -np.arange(int(0.02 * sr)) / (0.003 * sr)
    )
    for beat in range(bars * 4):
        start = round(beat * 60 / bpm * sr)
        gain = 1.0 if (beat % 4 == 0 or not accent) else 0.6
        end = min(n, start + click.size)
        y[start:end] += (gain * 0.8 * click[: end - start]).astype(np.float32)
    return y


def chord(midis: list[int], duration_s: float, *, sr: int = SR, decay: float = 0.5) -> Array:
    return (sum(tone(m, duration_s, sr=sr, decay=decay) for m in midis) / len(midis)).astype(
        np.float32
    )


def write(path: Path, samples: Array, *, sr: int = SR, **kwargs: str) -> Path:
    """Write ``samples`` to ``path`` (parent folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, sr, **kwargs)
    return path
