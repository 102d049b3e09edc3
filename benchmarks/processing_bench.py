"""Transform speed: seconds per operation on a 4-bar loop (8 s, stereo, 44.1 kHz), with peers.

    uv run python -m benchmarks.processing_bench            # ~1 minute
    uv run python -m benchmarks.processing_bench --repeat 5

Every operation runs in this process on the same generated loop (the demo's chords over its
house groove), after one warm-up call, so imports are timed apart (a fresh interpreter per
import, as a CLI call pays them). Peers: librosa's phase-vocoder time-stretch and pitch-shift
(the common Python baseline; smearier transients than Rubber Band) and pyloudnorm's own
normalize (gain only, no true-peak ceiling). RTF = audio seconds per second of work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 44_100


def _loop() -> np.ndarray:
    from samplemind.demo import _chord_loop, _house

    rng = np.random.default_rng(3)
    chords = _chord_loop(
        rng, 120, 4, ("Am", "F", "C", "G"), voice="piano", rhythm="x..x ..x. ..x. x...",
        bass="x... ..x. x... x.x.",
    )  # fmt: skip
    drums = _house(rng, 120, 4)
    mix = 0.55 * chords / np.abs(chords).max() + 0.45 * drums / np.abs(drums).max()
    return (0.9 * mix / np.abs(mix).max()).astype(np.float32)


def _time(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: imports, caches
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def _import_s(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import librosa
    import pyloudnorm

    from samplemind.processing import (
        LoudnessTarget,
        OutputFormat,
        ProcessSpec,
        SourceFacts,
        master_file,
        process_file,
        separate_file,
    )
    from samplemind.processing.chain import run_chain
    from samplemind.processing.plan import resolve

    loop = _loop()
    duration_s = loop.shape[0] / SR
    facts = SourceFacts(bpm=120.0, key=None, is_loop=True)
    tmp = Path(tempfile.mkdtemp(prefix="samplemind-bench-"))
    source = tmp / "loop.wav"
    sf.write(source, loop, SR, subtype="PCM_24")
    reference = tmp / "reference.wav"
    sf.write(reference, np.tanh(2.5 * loop).astype(np.float32), SR, subtype="PCM_24")

    def chain(**spec: object) -> Callable[[], object]:
        built = ProcessSpec(**spec)  # type: ignore[arg-type]
        plan = resolve(built, facts)
        return lambda: run_chain(loop, SR, built, plan)

    def to_file(name: str, **spec: object) -> Callable[[], object]:
        built = ProcessSpec(**spec)  # type: ignore[arg-type]
        return lambda: process_file(source, built, output=tmp / name, overwrite=True, facts=facts)

    rows: list[tuple[str, str, Callable[[], object]]] = [
        ("trim silence", "samplemind", chain(trim_silence=True)),
        ("stretch 120 → 128 BPM", "samplemind (Rubber Band R3)", chain(stretch_to_bpm=128)),
        ("", "librosa phase vocoder", lambda: librosa.effects.time_stretch(loop.T, rate=128 / 120)),
        ("shift +3 semitones", "samplemind (Rubber Band R3)", chain(semitones=3)),
        (
            "",
            "librosa (vocoder + resample)",
            lambda: librosa.effects.pitch_shift(loop.T, sr=SR, n_steps=3),
        ),
        ("stretch + shift, one pass", "samplemind", chain(stretch_to_bpm=128, semitones=3)),
        (
            "normalize -14 LUFS, -1 dBTP",
            "samplemind",
            chain(normalize=LoudnessTarget.parse("-14LUFS")),
        ),
        (
            "",
            "pyloudnorm (gain only)",
            lambda: pyloudnorm.normalize.loudness(
                loop, pyloudnorm.Meter(SR).integrated_loudness(loop), -14.0
            ),
        ),
        (
            "normalize -10 LUFS + limiter",
            "samplemind (matchering limiter, 4x)",
            chain(normalize=LoudnessTarget.parse("-10LUFS", limiter=True)),
        ),
        ("fades 10 ms", "samplemind", chain(fade_in_ms=10, fade_out_ms=10)),
        ("resample to 48 kHz", "samplemind (soxr VHQ)", chain(sample_rate_hz=48_000)),
        (
            "file → flac16 (decode, dither, write)",
            "samplemind",
            to_file("o.flac", format=OutputFormat.parse("flac16")),
        ),
        ("file → mp3", "samplemind (LAME)", to_file("o.mp3", format=OutputFormat.parse("mp3"))),
        (
            "the issue's example, file → file",
            "samplemind",
            to_file(
                "ex.wav",
                normalize=LoudnessTarget.parse("-14LUFS"),
                trim_silence=True,
                fade_in_ms=10,
                fade_out_ms=10,
                stretch_to_bpm=128,
                semitones=3,
                format=OutputFormat.parse("wav24"),
            ),
        ),
        (
            "stems: HPSS",
            "samplemind (librosa)",
            lambda: separate_file(source, output_dir=tmp / "stems", overwrite=True),
        ),
        (
            "master after a reference",
            "samplemind (matchering)",
            lambda: master_file(source, reference, output=tmp / "m.wav", overwrite=True),
        ),
    ]
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover
        load = float("nan")
    print(f"{duration_s:.1f} s stereo loop at {SR} Hz; median of {args.repeat}; load {load:.2f}")
    print()
    print("| operation | implementation | seconds | RTF |")
    print("|---|---|---|---|")
    for operation, implementation, fn in rows:
        seconds = _time(fn, args.repeat)
        print(f"| {operation} | {implementation} | {seconds:.3f} | {duration_s / seconds:.0f}× |")
    print()
    print("| import (fresh interpreter) | seconds |")
    print("|---|---|")
    for module in ("pedalboard", "librosa.decompose", "matchering", "samplemind.processing"):
        print(f"| `{module}` | {_import_s(module):.2f} |")


if __name__ == "__main__":
    main()
