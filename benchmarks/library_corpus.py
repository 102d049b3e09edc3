"""A generated sample library for the scan benchmarks: N distinct files in pack-like folders.

Kicks, snares, hats, tonal one-shots and drum/chord loops with random parameters (so every file
has different bytes), mostly 16/24-bit WAV with some FLAC and AIFF, in folders like a producer's
``Packs/<pack>/<Type>/``. Deterministic for a seed.

    uv run python -m benchmarks.library_corpus /tmp/lib10k --files 10000
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 44_100
_KINDS = ("Kicks", "Snares", "Hats", "Bass", "Keys", "Loops")
_WEIGHTS = (0.22, 0.2, 0.2, 0.14, 0.14, 0.1)


def _envelope(n: int, decay: float) -> np.ndarray:
    t = np.arange(n) / SR
    return np.exp(-t * decay) * np.minimum(1.0, t / 0.002)


def _kick(rng: np.random.Generator) -> np.ndarray:
    n = int(SR * rng.uniform(0.25, 0.8))
    t = np.arange(n) / SR
    freq = rng.uniform(40, 60) + rng.uniform(80, 200) * np.exp(-t * rng.uniform(20, 45))
    return np.sin(2 * np.pi * np.cumsum(freq) / SR) * _envelope(n, rng.uniform(5, 12))


def _snare(rng: np.random.Generator) -> np.ndarray:
    n = int(SR * rng.uniform(0.15, 0.5))
    t = np.arange(n) / SR
    body = np.sin(2 * np.pi * rng.uniform(160, 240) * t) * _envelope(n, 25)
    return 0.5 * body + rng.uniform(0.3, 0.7) * rng.standard_normal(n) * _envelope(n, 18)


def _hat(rng: np.random.Generator) -> np.ndarray:
    n = int(SR * rng.uniform(0.05, 0.4))
    noise = np.diff(rng.standard_normal(n + 1))  # brighter than white
    return 0.3 * noise * _envelope(n, rng.uniform(15, 60))


def _tone(rng: np.random.Generator, low: int, high: int) -> np.ndarray:
    n = int(SR * rng.uniform(0.4, 1.6))
    t = np.arange(n) / SR
    f0 = 440 * 2 ** ((rng.integers(low, high) - 69) / 12)
    partials = sum(
        np.sin(2 * np.pi * f0 * k * t) / k ** rng.uniform(1, 2)
        for k in range(1, 7)
        if f0 * k < SR / 2
    )
    return 0.3 * partials * _envelope(n, rng.uniform(1, 6))


def _loop(rng: np.random.Generator) -> np.ndarray:
    bpm = rng.uniform(80, 160)
    beat = int(SR * 60 / bpm)
    bars = 1
    out = np.zeros(beat * 4 * bars)
    kick, hat = _kick(rng), _hat(rng)
    snare = 0.6 * _snare(rng)

    def add(hit: np.ndarray, start: int) -> None:
        part = hit[: len(out) - start]
        out[start : start + len(part)] += part

    for i in range(4 * bars):
        add(kick if i % 2 == 0 else snare, i * beat)
        add(hat, i * beat + beat // 2)
    return out


def _render(kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind == "Kicks":
        return _kick(rng)
    if kind == "Snares":
        return _snare(rng)
    if kind == "Hats":
        return _hat(rng)
    if kind == "Bass":
        return _tone(rng, 28, 52)
    if kind == "Keys":
        return _tone(rng, 48, 84)
    return _loop(rng)


def generate(directory: Path, files: int, *, seed: int = 1) -> list[Path]:
    """Write ``files`` distinct audio files under ``directory``; returns their paths."""
    rng = np.random.default_rng(seed)
    paths: list[Path] = []
    packs = max(1, files // 400)
    for i in range(files):
        kind = str(rng.choice(_KINDS, p=_WEIGHTS))
        audio = _render(kind, rng)
        audio = (audio / max(1e-6, float(np.max(np.abs(audio)))) * rng.uniform(0.3, 0.95)).astype(
            np.float32
        )
        roll = rng.random()
        ext, fmt, subtype = (
            (".wav", "WAV", "PCM_16")
            if roll < 0.7
            else (".wav", "WAV", "PCM_24")
            if roll < 0.85
            else (".flac", "FLAC", "PCM_16")
            if roll < 0.95
            else (".aif", "AIFF", "PCM_16")
        )
        folder = directory / "Packs" / f"Pack {i % packs:03d}" / kind
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{kind[:-1] if kind.endswith('s') else kind}_{i:06d}{ext}"
        sf.write(path, audio, SR, format=fmt, subtype=subtype)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    paths = generate(args.directory, args.files, seed=args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} files, {size / 2**20:.0f} MiB in {args.directory}")


if __name__ == "__main__":
    main()
