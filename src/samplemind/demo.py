"""A small synthetic sample library whose truth is known, for first runs, docs and tests.

:func:`create_demo_library` synthesises, in numpy alone, thirty drum hits, basses, leads, pads and
loops that a producer would recognise, and writes them in sample-pack folders and names
(``Drums/Kicks/808_F#1.wav``, ``Loops/Chords/Loop_Chords_120_Am.wav``). Every file's truth
(tempo, key, MIDI root, bars) is returned and written to ``demo-manifest.json``, so the analyzers
can be checked against it; some loops carry nothing in their names (``Groove_Dusty.wav``), so only
the audio can tell. Most files are 44.1 kHz 24-bit WAV; one each of FLAC, AIFF, Ogg Vorbis and MP3
exercises every decoder. The output is the same for the same seed.

Loops last exactly ``bars * 4 * 60 / bpm`` seconds (to the nearest frame where that is not a whole
number of frames, as at 174 and 85 BPM) and repeat seamlessly: what rings past the last bar line is
wrapped onto the start, which is what rendering two cycles and keeping the second gives.

Example:
    >>> import tempfile
    >>> samples = create_demo_library(Path(tempfile.mkdtemp()) / "demo")
    >>> loop = next(s for s in samples if s.path.name == "Loop_Chords_120_Am.wav")
    >>> (loop.kind, loop.bpm, loop.key, loop.bars)
    ('loop', 120.0, 'A minor', 4)
"""

from __future__ import annotations

import json
import logging
import math
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
import soundfile as sf

from samplemind.domain.music import Mode, MusicalKey, midi_to_hz
from samplemind.errors import ConfigError

__all__ = ["MANIFEST_NAME", "DemoCategory", "DemoSample", "create_demo_library", "read_manifest"]

log = logging.getLogger(__name__)

MANIFEST_NAME = "demo-manifest.json"
SAMPLE_RATE_HZ = 44_100

DemoCategory = Literal[
    "kick", "snare", "hihat", "clap", "tom", "bass", "lead", "pad", "drum-loop", "chord-loop"
]
Audio = npt.NDArray[np.float64]  # (frames,) mono or (frames, 2) stereo
Rng = np.random.Generator
_T = TypeVar("_T")


@dataclass(frozen=True)
class DemoSample:
    """One file of the demo library and what is true about it.

    Attributes:
        path: The file (inside the library directory).
        kind: ``"oneshot"`` or ``"loop"``.
        category: What the sound is, e.g. ``"kick"`` or ``"chord-loop"``.
        bpm: Tempo of a loop in beats per minute; None for one-shots.
        key: ``"A minor"``-style key (sharps) of chord loops and pads; None otherwise.
        root_midi: MIDI note of a pitched one-shot (60 = C4); None when unpitched.
        bars: Length of a loop in 4/4 bars; None for one-shots.
    """

    path: Path
    kind: Literal["oneshot", "loop"]
    category: DemoCategory
    bpm: float | None = None
    key: str | None = None
    root_midi: int | None = None
    bars: int | None = None

    def to_json(self, root: Path) -> dict[str, Any]:
        """Manifest entry with ``path`` relative to ``root`` (POSIX separators)."""
        return {
            "path": self.path.relative_to(root).as_posix(),
            "kind": self.kind,
            "category": self.category,
            "bpm": self.bpm,
            "key": self.key,
            "root_midi": self.root_midi,
            "bars": self.bars,
        }


# --- building blocks --------------------------------------------------------------------------


def _frames(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE_HZ)


def _time(n: int) -> Audio:
    return np.arange(n) / SAMPLE_RATE_HZ


def _need(value: _T | None) -> _T:
    assert value is not None, "the library table gives every sound what it needs"
    return value


def _cents(cents: float) -> float:
    return float(2.0 ** (cents / 1200.0))


def _decay(n: int, tau_s: float, *, hold_s: float = 0.0) -> Audio:
    """Exponential decay with time constant ``tau_s`` after holding full level for ``hold_s``."""
    return np.exp(-np.maximum(_time(n) - hold_s, 0.0) / tau_s)


def _adsr(
    n: int,
    *,
    attack_s: float,
    decay_s: float,
    sustain: float,
    release_s: float,
    gate_s: float | None = None,
) -> Audio:
    """Linear attack, exponential decay to ``sustain``, exponential release from ``gate_s``.

    ``gate_s`` (note-off) defaults to ``release_s`` before the end.
    """
    t = _time(n)
    gate = max(t[-1] - release_s, 0.0) if gate_s is None else gate_s
    rise = np.minimum(t / attack_s, 1.0)
    fall = sustain + (1.0 - sustain) * np.exp(-np.maximum(t - attack_s, 0.0) / decay_s)
    release = np.exp(-np.maximum(t - gate, 0.0) / (release_s / 5.0))
    return rise * fall * release


def _phase(freq_hz: float | Audio, n: int, start: float = 0.0) -> Audio:
    """Phase in cycles (0..1) of an oscillator whose frequency may change every frame."""
    step = np.broadcast_to(np.asarray(freq_hz, dtype=np.float64) / SAMPLE_RATE_HZ, (n,))
    cycles: Audio = start + np.cumsum(step) - step[0]
    return cycles - np.floor(cycles)


def _sin_cycles(cycles: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """``sin(2 pi cycles)``, wrapped in float64, the sine taken in (ten times faster) float32."""
    wrapped = cycles - np.floor(cycles)
    wrapped *= 2.0 * np.pi
    return np.sin(wrapped.astype(np.float32))


def _sine(freq_hz: float | Audio, n: int, start: float = 0.0) -> Audio:
    return _sin_cycles(_phase(freq_hz, n, start)).astype(np.float64)


def _saw(freq_hz: float | Audio, n: int, start: float = 0.0) -> Audio:
    """Sawtooth with PolyBLEP edges, so high notes do not alias audibly."""
    step = np.broadcast_to(np.asarray(freq_hz, dtype=np.float64) / SAMPLE_RATE_HZ, (n,))
    phase = _phase(freq_hz, n, start)
    blep = np.zeros(n)
    lo, hi = phase < step, phase > 1.0 - step
    x = phase[lo] / step[lo]
    blep[lo] = 2.0 * x - x * x - 1.0
    x = (phase[hi] - 1.0) / step[hi]
    blep[hi] = x * x + 2.0 * x + 1.0
    return 2.0 * phase - 1.0 - blep


def _square(freq_hz: float | Audio, n: int, start: float = 0.0) -> Audio:
    return _saw(freq_hz, n, start) - _saw(freq_hz, n, start + 0.5)


def _noise(rng: Rng, n: int) -> Audio:
    return rng.standard_normal(n)


def _filter(
    x: Audio,
    btype: Literal["lowpass", "highpass", "bandpass"],
    cutoff_hz: float | tuple[float, float],
    *,
    order: int = 2,
) -> Audio:
    """Butterworth filter along time (works on mono and stereo)."""
    from scipy.signal import butter, sosfilt  # lazily: scipy.signal takes a second to import

    sos = butter(order, cutoff_hz, btype=btype, fs=SAMPLE_RATE_HZ, output="sos")
    return np.asarray(sosfilt(sos, x, axis=0), dtype=np.float64)


def _swept_lowpass(x: Audio, start_hz: float, end_hz: float, tau_s: float) -> Audio:
    """Two-pole low-pass whose cutoff falls exponentially from ``start_hz`` to ``end_hz``.

    The classic filter envelope of a pluck or a bass: coefficients change every 256 frames with the
    filter state carried over, until the sweep has settled and the rest is filtered in one go.
    """
    from scipy.signal import butter, sosfilt

    out, state, block = np.empty_like(x), np.zeros((1, 2)), 256
    settled = min(len(x), _frames(5.0 * tau_s))
    for i in range(0, len(x), block):
        cutoff = end_hz + (start_hz - end_hz) * math.exp(-i / SAMPLE_RATE_HZ / tau_s)
        sos = butter(2, min(cutoff, 0.45 * SAMPLE_RATE_HZ), fs=SAMPLE_RATE_HZ, output="sos")
        stop = len(x) if i >= settled else i + block
        out[i:stop], state = sosfilt(sos, x[i:stop], zi=state)
        if stop == len(x):
            break
    return out


def _convolve(x: Audio, y: Audio) -> Audio:
    """Linear convolution through a power-of-two FFT."""
    size = len(x) + len(y) - 1
    fft_size = 1 << (size - 1).bit_length()
    return np.fft.irfft(np.fft.rfft(x, fft_size) * np.fft.rfft(y, fft_size), fft_size)[:size]


def _mix(parts: Sequence[Audio]) -> Audio:
    """Sum of equally shaped signals."""
    total = parts[0].copy()
    for part in parts[1:]:
        total += part
    return total


def _unit(x: Audio) -> Audio:
    peak = float(np.max(np.abs(x)))
    return x / peak if peak > 0 else x


def _pan(x: Audio, position: float) -> Audio:
    """Equal-power pan of mono ``x``: -1 is left, +1 right."""
    angle = (position + 1.0) * math.pi / 4.0
    return np.stack([x * math.cos(angle), x * math.sin(angle)], axis=1) * math.sqrt(2.0)


def _stereo(x: Audio) -> Audio:
    return x if x.ndim == 2 else np.stack([x, x], axis=1)


def _fade(x: Audio, *, in_s: float = 0.001, out_s: float = 0.01) -> Audio:
    """Short linear fades so one-shots start and end without a click."""
    x = x.copy()
    fade_in, fade_out = min(_frames(in_s), len(x)), min(_frames(out_s), len(x))
    shape = (-1, 1) if x.ndim == 2 else (-1,)
    x[:fade_in] *= np.linspace(0.0, 1.0, fade_in).reshape(shape)
    x[len(x) - fade_out :] *= np.linspace(1.0, 0.0, fade_out).reshape(shape)
    return x


def _mix_in(loop: Audio, sound: Audio, start: int) -> None:
    """Add ``sound`` into ``loop`` from frame ``start``, wrapping what runs past the end.

    Wrapping gives what rendering two cycles and keeping the second would: the tails of the last
    bar ring on into the first, so the loop repeats without a seam.
    """
    done, start = 0, start % len(loop)
    while done < len(sound):
        take = min(len(loop) - start, len(sound) - done)
        loop[start : start + take] += sound[done : done + take]
        done, start = done + take, 0


# --- drums ------------------------------------------------------------------------------------

#: The six square-wave oscillators of a TR-808's cymbal and hi-hat, in Hz.
_METAL_HZ = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)


def _kick(
    rng: Rng,
    *,
    start_hz: float,
    end_hz: float,
    sweep_s: float,
    decay_s: float,
    click: float = 0.3,
    drive: float = 1.5,
) -> Audio:
    """Sine swept down from ``start_hz`` to ``end_hz``, a noise click, and tanh saturation.

    Like every hit here it lasts until it has decayed by about 50 dB (six time constants).
    """
    n = _frames(0.02 + 6.0 * decay_s)
    body = _sine(end_hz + (start_hz - end_hz) * _decay(n, sweep_s), n)
    body *= _decay(n, decay_s, hold_s=0.02)
    m = _frames(0.004)
    body[:m] += click * _unit(_filter(_noise(rng, m), "highpass", 2000.0)) * np.linspace(1, 0, m)
    return np.tanh(drive * body) / math.tanh(drive)


def _snare(
    rng: Rng,
    *,
    tone_hz: float,
    band_hz: tuple[float, float],
    noise_s: float,
    tone: float = 0.5,
) -> Audio:
    """Two damped sines (the drum head) under band-passed noise (the wires)."""
    n = _frames(6.0 * noise_s)
    drop = 1.0 + 0.3 * _decay(n, 0.008)
    head = (_sine(tone_hz * drop, n) + 0.5 * _sine(tone_hz * 1.6 * drop, n)) * _decay(n, 0.05)
    wires = _filter(_noise(rng, n), "bandpass", band_hz) * _decay(n, noise_s)
    return tone * _unit(head) + (1.0 - tone) * _unit(wires)


def _hat(rng: Rng, *, decay_s: float, metallic: bool) -> Audio:
    """High-passed noise, or the 808's six detuned squares, with a short decay."""
    n = _frames(0.002 + 6.0 * decay_s)
    if metallic:
        source = _mix([_square(f * 1.5, n, rng.random()) for f in _METAL_HZ])
    else:
        source = _noise(rng, n)
    return _unit(_filter(source, "highpass", 7000.0, order=4)) * _decay(n, decay_s, hold_s=0.002)


def _clap(rng: Rng, *, bursts: int = 4, spacing_s: float = 0.011, wide: bool = False) -> Audio:
    """A few quick noise bursts, the last one longer, and a short noise-reverb tail."""
    n = _frames(0.55)
    envelope = np.zeros(n)
    for i in range(bursts):
        start = _frames(i * spacing_s)
        envelope[start:] += _decay(n - start, 0.05 if i == bursts - 1 else 0.004)
    dry = _unit(_filter(_noise(rng, n), "bandpass", (900.0, 5000.0)) * envelope)
    m = _frames(0.4)
    tails = []
    for _ in range(2 if wide else 1):
        room = _noise(rng, m) * _decay(m, 0.07)
        tails.append(0.4 * _unit(_convolve(dry, _filter(room, "highpass", 500.0))[:n]))
    return np.stack([dry + t for t in tails], axis=1) if wide else dry + tails[0]


def _tom(rng: Rng, *, freq_hz: float, decay_s: float) -> Audio:
    """A damped sine that drops a little in pitch, with some stick noise."""
    n = _frames(0.005 + 6.0 * decay_s)
    body = _sine(freq_hz * (1.0 + 0.4 * _decay(n, 0.04)), n) * _decay(n, decay_s, hold_s=0.005)
    stick = _filter(_noise(rng, n), "bandpass", (freq_hz * 2, freq_hz * 12)) * _decay(n, 0.015)
    return _unit(body) + 0.25 * _unit(stick)


# --- tonal voices -----------------------------------------------------------------------------


def _detuned_saws(
    rng: Rng, freq_hz: float, n: int, cents: Sequence[float], *, spread: float = 0.0
) -> Audio:
    """Saws detuned by ``cents``; panned across ``spread`` (stereo) when it is not 0."""
    voices = [_saw(freq_hz * _cents(c), n, rng.random()) for c in cents]
    if not spread:
        return _mix(voices)
    positions = np.linspace(-spread, spread, len(voices))
    return _mix([_pan(v, float(p)) for v, p in zip(voices, positions, strict=True)])


def _eight_o_eight(rng: Rng, midi: int) -> Audio:
    """A long 808 bass drum that settles on ``midi``."""
    f = midi_to_hz(midi)
    return _kick(rng, start_hz=3 * f, end_hz=f, sweep_s=0.03, decay_s=0.45, click=0.1, drive=1.8)


def _reese(rng: Rng, midi: int) -> Audio:
    """Two saws detuned against each other over a sine, low-passed: the DnB reese."""
    f, n = midi_to_hz(midi), _frames(2.0)
    x = _detuned_saws(rng, f, n, (-9.0, 9.0)) + 1.5 * _sine(f, n)
    return _filter(x, "lowpass", 700.0) * _adsr(
        n, attack_s=0.005, decay_s=0.4, sustain=0.8, release_s=0.3
    )


def _pluck_bass(rng: Rng, midi: int) -> Audio:
    """Square and saw through a closing filter envelope."""
    f, n = midi_to_hz(midi), _frames(1.0)
    x = _square(f, n) + 0.5 * _saw(f * _cents(5.0), n, rng.random())
    return _swept_lowpass(x, 3000.0, 250.0, 0.08) * _decay(n, 0.17, hold_s=0.01)


def _sub(rng: Rng, midi: int) -> Audio:
    """A sine with a touch of second harmonic, gently saturated (``rng`` unused)."""
    f, n = midi_to_hz(midi), _frames(1.5)
    x = np.tanh(1.5 * (_sine(f, n) + 0.2 * _sine(2.0 * f, n)))
    return x * _adsr(n, attack_s=0.005, decay_s=0.5, sustain=0.7, release_s=0.3)


def _supersaw(rng: Rng, midi: int) -> Audio:
    """Eight detuned saws spread across the stereo field (stereo)."""
    f, n = midi_to_hz(midi), _frames(1.6)
    x = _detuned_saws(rng, f, n, (-21.0, -10.0, -4.0, 0.0, 0.0, 4.0, 10.0, 21.0), spread=0.8)
    x = _filter(x, "lowpass", 5000.0)
    return x * _adsr(n, attack_s=0.01, decay_s=0.3, sustain=0.7, release_s=0.35)[:, None]


def _pluck(rng: Rng, midi: int) -> Audio:
    """Three detuned saws, each through a fast closing filter, short decay (stereo)."""
    f, n = midi_to_hz(midi), _frames(1.0)
    voices = [_saw(f * _cents(c), n, rng.random()) for c in (-7.0, 0.0, 7.0)]
    voices = [_swept_lowpass(v, 9000.0, 700.0, 0.06) * _decay(n, 0.25) for v in voices]
    return _pan(voices[0], -0.5) + _pan(voices[1], 0.0) + _pan(voices[2], 0.5)


def _square_lead(rng: Rng, midi: int) -> Audio:
    """A square with delayed vibrato (±10 cents), low-passed (``rng`` unused)."""
    f, n = midi_to_hz(midi), _frames(1.5)
    vibrato = 1.0 + (_cents(10.0) - 1.0) * np.sin(2 * np.pi * 5.5 * _time(n)) * (_time(n) > 0.3)
    x = _filter(_square(f * vibrato, n), "lowpass", 4000.0)
    return x * _adsr(n, attack_s=0.008, decay_s=0.2, sustain=0.8, release_s=0.25)


def _additive(
    freq_hz: float, n: int, *, partials: int, tilt: float, decay_s: float, stretch: float = 0.0
) -> Audio:
    """Sum of ``partials`` harmonics falling by ``k ** -tilt``, higher ones dying sooner.

    ``stretch`` is the inharmonicity of a stiff string (a piano's partials run slightly sharp).
    """
    k = np.arange(1, partials + 1, dtype=np.float64)[:, None]
    freqs = k * freq_hz * np.sqrt(1.0 + stretch * k * k)
    freqs[freqs > 0.45 * SAMPLE_RATE_HZ] = 0.0
    t = _time(n)[None, :]
    rates = ((1.0 + 0.5 * (k - 1.0)) / decay_s).astype(np.float32)
    amplitudes = np.exp(-t.astype(np.float32) * rates) * (k**-tilt).astype(np.float32)
    total: Audio = (amplitudes * _sin_cycles(freqs * t)).sum(axis=0, dtype=np.float64)
    return total


def _piano_note(midi: int, gate_s: float) -> Audio:
    """A felt piano: hammered additive partials, damped at note-off (mono)."""
    n = _frames(gate_s + 0.25)
    decay_s = 1.8 * 2.0 ** ((60 - midi) / 24.0)  # low strings ring longer
    x = _additive(midi_to_hz(midi), n, partials=10, tilt=1.3, decay_s=decay_s, stretch=0.0004)
    return x * _adsr(n, attack_s=0.003, decay_s=10.0, sustain=1.0, release_s=0.25, gate_s=gate_s)


def _pad_note(midi: int, gate_s: float) -> Audio:
    """A warm pad: two slightly detuned additive layers, panned apart, slow in and out (stereo)."""
    release_s = 0.8
    n = _frames(gate_s + release_s)
    f = midi_to_hz(midi)
    layers = [_additive(f * _cents(c), n, partials=8, tilt=1.6, decay_s=30.0) for c in (-6.0, 6.0)]
    env = _adsr(n, attack_s=0.4, decay_s=1.0, sustain=0.8, release_s=release_s, gate_s=gate_s)
    return (_pan(layers[0], -0.6) + _pan(layers[1], 0.6)) * env[:, None]


def _bass_note(midi: int, gate_s: float) -> Audio:
    """A round electric-style bass for the chord loops (mono)."""
    n = _frames(gate_s + 0.1)
    f = midi_to_hz(midi)
    x = _filter(_saw(f, n), "lowpass", 450.0) + 0.8 * _sine(f, n)
    return x * _adsr(n, attack_s=0.004, decay_s=0.4, sustain=0.6, release_s=0.1, gate_s=gate_s)


def _pad_chord(midis: Sequence[int]) -> Audio:
    """The pad voice holding ``midis`` together (stereo)."""
    return _mix([_pad_note(m, 2.6) for m in midis])


# --- loops ------------------------------------------------------------------------------------


class _Lane(NamedTuple):
    """One instrument of a drum loop: its hit and a 16th-note pattern (spaces ignored).

    Pattern steps: ``x`` hit, ``o`` ghost (softer), ``r`` 32nd-note roll, ``3`` triplet roll,
    ``.`` rest. A pattern shorter than the loop repeats. A choked lane cuts its previous hit.
    """

    hit: Audio
    pattern: str
    gain: float = 1.0
    pan: float = 0.0
    choke: bool = False


def _loop_frames(bpm: float, bars: int) -> int:
    return _frames(bars * 4 * 60.0 / bpm)


def _drum_loop(
    rng: Rng, bpm: float, bars: int, lanes: Sequence[_Lane], *, swing: float = 0.0
) -> Audio:
    """Sequence ``lanes`` on a 16th-note grid, humanised a little in velocity.

    ``swing`` delays every off-beat 16th by that fraction of a step.
    """
    loop = np.zeros((_loop_frames(bpm, bars), 2))
    step_s = 60.0 / bpm / 4.0
    for lane in lanes:
        steps = lane.pattern.replace(" ", "")
        steps *= 16 * bars // len(steps)
        onsets: list[tuple[int, float]] = []
        for i, mark in enumerate(steps):
            count = {"x": 1, "o": 1, "r": 2, "3": 3}.get(mark, 0)
            for j in range(count):
                at_s = (i + j / count + (swing if i % 2 else 0.0)) * step_s
                velocity = (0.45 if mark == "o" else 1.0) * (1.0 - 0.12 * rng.random())
                onsets.append((_frames(at_s), velocity))
        hit = _pan(lane.hit, lane.pan) if lane.hit.ndim == 1 else lane.hit
        ends = [start for start, _ in onsets[1:]] + [onsets[0][0] + len(loop)]
        for (start, velocity), end in zip(onsets, ends, strict=True):
            sound = _fade(hit[: end - start], in_s=0.0, out_s=0.005) if lane.choke else hit
            _mix_in(loop, lane.gain * velocity * sound, start)
    return loop


def _house(rng: Rng, bpm: float, bars: int) -> Audio:
    kick = _kick(rng, start_hz=200.0, end_hz=55.0, sweep_s=0.02, decay_s=0.06)
    closed = _hat(rng, decay_s=0.025, metallic=False)
    open_hat = _hat(rng, decay_s=0.15, metallic=False)
    lanes = [
        _Lane(kick, "x... x... x... x..."),
        _Lane(_clap(rng), ".... x... .... x...", gain=0.6),
        _Lane(closed, "xo.o xo.o xo.o xo.o", gain=0.3, pan=0.3),
        _Lane(open_hat, "..x. ..x. ..x. ..x.", gain=0.35, pan=-0.3, choke=True),
    ]
    return _drum_loop(rng, bpm, bars, lanes)


def _boom_bap(rng: Rng, bpm: float, bars: int) -> Audio:
    """Swung, low-passed drums with vinyl crackle and a little tape saturation."""

    def dusty(x: Audio) -> Audio:
        return _filter(x, "lowpass", 4500.0)

    kick = _kick(rng, start_hz=140.0, end_hz=50.0, sweep_s=0.035, decay_s=0.1)
    snare = _snare(rng, tone_hz=190.0, band_hz=(1200.0, 7000.0), noise_s=0.1)
    hat = _hat(rng, decay_s=0.03, metallic=False)
    lanes = [
        _Lane(dusty(kick), "x... ...x ..x. .... x... .... ..x. ..x."),
        _Lane(dusty(snare), ".... x... ...o x... .... x... .... x..o", gain=0.8),
        _Lane(dusty(hat), "x.x. x.x. x.xo x.x.", gain=0.3, pan=0.25),
    ]
    loop = _drum_loop(rng, bpm, bars, lanes, swing=0.18)
    crackle = (rng.random(len(loop)) < 0.0006) * rng.uniform(-1.0, 1.0, len(loop))
    hiss = 0.02 * _noise(rng, len(loop))
    loop += 0.08 * _stereo(_filter(crackle + hiss, "bandpass", (1500.0, 9000.0)))
    return np.tanh(1.3 * _unit(loop))


def _trap(rng: Rng, bpm: float, bars: int) -> Audio:
    """Half-time: an 808 on F#1 (each note cuts the last), snare and clap on beat 3, hat rolls."""
    bass_drum = _eight_o_eight(rng, 30)
    snare = _snare(rng, tone_hz=220.0, band_hz=(1500.0, 9000.0), noise_s=0.08)
    backbeat = ".... .... x... .... .... .... x... ...."
    lanes = [
        _Lane(bass_drum, "x... .... ..x. .... x... ...x .... .x..", choke=True),
        _Lane(_clap(rng), backbeat, gain=0.6),
        _Lane(snare, backbeat, gain=0.5),
        _Lane(
            _hat(rng, decay_s=0.02, metallic=True),
            "x.x. x.x. x.x. xrx. x.x. x.x. x.33 x.r.",
            gain=0.25,
            pan=0.2,
        ),
    ]
    return _drum_loop(rng, bpm, bars, lanes)


def _dnb(rng: Rng, bpm: float, bars: int) -> Audio:
    """Two-step: kick on 1 and the and of 3, snare on 2 and 4 with ghost notes, a ride on top."""
    kick = _kick(rng, start_hz=180.0, end_hz=60.0, sweep_s=0.02, decay_s=0.05)
    snare = _snare(rng, tone_hz=240.0, band_hz=(1800.0, 1e4), noise_s=0.07, tone=0.4)
    lanes = [
        _Lane(kick, "x... .... ..x. .... x... .... ..x. ..x."),
        _Lane(snare, ".... x..o .... x... .... x..o .o.. x..."),
        _Lane(_hat(rng, decay_s=0.03, metallic=False), "x.x. x.xx", gain=0.3, pan=0.3),
        _Lane(_hat(rng, decay_s=0.25, metallic=True), "x...", gain=0.2, pan=-0.4),
    ]
    return _drum_loop(rng, bpm, bars, lanes)


def _triad(symbol: str) -> tuple[int, int, int]:
    """Pitch classes of a triad named like a key: ``"F#m"`` -> (6, 9, 1)."""
    chord = MusicalKey.parse(symbol)
    third = 3 if chord.mode is Mode.MINOR else 4
    return chord.tonic, (chord.tonic + third) % 12, (chord.tonic + 7) % 12


def _onsets(pattern: str) -> list[tuple[int, int]]:
    """``(step, steps until the next onset or the bar's end)`` for each ``x`` of a 16-step bar."""
    steps = [i for i, mark in enumerate(pattern.replace(" ", "")) if mark == "x"]
    return [(s, e - s) for s, e in zip(steps, [*steps[1:], 16], strict=True)]


def _chord_loop(
    rng: Rng,
    bpm: float,
    bars: int,
    chords: Sequence[str],
    *,
    voice: Literal["piano", "pad"],
    rhythm: str,
    bass: str,
) -> Audio:
    """One chord a bar, close-voiced from G3 up, played in ``rhythm`` over a root bass line.

    A note holds until the next onset of its pattern (or the bar line); each (pitch, length) is
    synthesised once.
    """
    loop = np.zeros((_loop_frames(bpm, bars), 2))
    step_s = 60.0 / bpm / 4.0
    cache: dict[tuple[str, int, int], Audio] = {}

    def note(part: str, midi: int, steps: int) -> Audio:
        if (part, midi, steps) not in cache:
            gate_s = steps * step_s * (0.85 if part == "bass" else 0.95)
            if part == "bass":
                sound = _pan(_bass_note(midi, gate_s), 0.0)
            else:
                sound = _stereo((_piano_note if voice == "piano" else _pad_note)(midi, gate_s))
            cache[part, midi, steps] = sound
        return cache[part, midi, steps]

    for bar in range(bars):
        tones = _triad(chords[bar % len(chords)])
        for step, length in _onsets(rhythm):
            velocity = 1.0 - 0.1 * rng.random()
            for pitch_class in tones:
                midi = 55 + (pitch_class - 55) % 12
                at = _frames((bar * 16 + step) * step_s)
                _mix_in(loop, velocity * note(voice, midi, length), at)
        for step, length in _onsets(bass):
            root = 33 + (tones[0] - 33) % 12  # A1..G#2
            _mix_in(loop, 2.2 * note("bass", root, length), _frames((bar * 16 + step) * step_s))
    return loop


# --- the library ------------------------------------------------------------------------------

Render = Callable[[Rng, "_Spec"], Audio]


class _Spec(NamedTuple):
    """One file to make: where, what it is, how to synthesise it, its peak level in dBFS."""

    path: str
    category: DemoCategory
    render: Render
    peak_db: float = -1.0
    bpm: float | None = None
    key: str | None = None
    root_midi: int | None = None
    bars: int | None = None


def _hit(make: Callable[[Rng], Audio]) -> Render:
    return lambda rng, spec: make(rng)


def _pitched(make: Callable[[Rng, int], Audio]) -> Render:
    return lambda rng, spec: make(rng, _need(spec.root_midi))


def _chord_pad(intervals: Sequence[int]) -> Render:
    return lambda rng, spec: _pad_chord([_need(spec.root_midi) + i for i in intervals])


def _groove(make: Callable[[Rng, float, int], Audio]) -> Render:
    return lambda rng, spec: make(rng, _need(spec.bpm), _need(spec.bars))


def _chords(
    chords: Sequence[str], voice: Literal["piano", "pad"], rhythm: str, bass: str
) -> Render:
    return lambda rng, spec: _chord_loop(
        rng, _need(spec.bpm), _need(spec.bars), chords, voice=voice, rhythm=rhythm, bass=bass
    )


_LIBRARY: tuple[_Spec, ...] = (
    _Spec(
        "Drums/Kicks/Kick_Punchy_01.wav",
        "kick",
        _hit(partial(_kick, start_hz=160, end_hz=52, sweep_s=0.03, decay_s=0.09, drive=2)),
    ),
    _Spec(
        "Drums/Kicks/Kick_Deep_02.wav",
        "kick",
        _hit(partial(_kick, start_hz=110, end_hz=43, sweep_s=0.05, decay_s=0.16, click=0.15)),
    ),
    _Spec(
        "Drums/Kicks/Kick_Tight_03.wav",
        "kick",
        _hit(partial(_kick, start_hz=200, end_hz=55, sweep_s=0.02, decay_s=0.06, click=0.5)),
    ),
    _Spec("Drums/Kicks/808_F#1.wav", "kick", _pitched(_eight_o_eight), root_midi=30),
    _Spec(
        "Drums/Snares/Snare_Crisp_01.wav",
        "snare",
        _hit(partial(_snare, tone_hz=200, band_hz=(2e3, 1e4), noise_s=0.09, tone=0.35)),
        peak_db=-2.0,
    ),
    _Spec(
        "Drums/Snares/Snare_Fat_02.aiff",
        "snare",
        _hit(partial(_snare, tone_hz=160, band_hz=(900, 6e3), noise_s=0.13, tone=0.55)),
        peak_db=-2.0,
    ),
    _Spec(
        "Drums/Hats/Hat_Closed_01.wav",
        "hihat",
        _hit(partial(_hat, decay_s=0.03, metallic=False)),
        peak_db=-6.0,
    ),
    _Spec(
        "Drums/Hats/Hat_Closed_Metal_02.wav",
        "hihat",
        _hit(partial(_hat, decay_s=0.025, metallic=True)),
        peak_db=-6.0,
    ),
    _Spec(
        "Drums/Hats/Hat_Open_01.wav",
        "hihat",
        _hit(partial(_hat, decay_s=0.15, metallic=False)),
        peak_db=-6.0,
    ),
    _Spec(
        "Drums/Hats/Hat_Open_Metal_02.ogg",
        "hihat",
        _hit(partial(_hat, decay_s=0.18, metallic=True)),
        peak_db=-5.0,  # Vorbis lowers this peak by about a dB
    ),
    _Spec("Drums/Claps/Clap_Classic_01.wav", "clap", _hit(_clap), peak_db=-2.0),
    _Spec(
        "Drums/Claps/Clap_Wide_02.flac",
        "clap",
        _hit(partial(_clap, bursts=5, spacing_s=0.009, wide=True)),
        peak_db=-2.0,
    ),
    _Spec(
        "Drums/Toms/Tom_Low_01.wav",
        "tom",
        _hit(partial(_tom, freq_hz=98, decay_s=0.15)),
        peak_db=-2.0,
    ),
    _Spec(
        "Drums/Toms/Tom_High_02.wav",
        "tom",
        _hit(partial(_tom, freq_hz=165, decay_s=0.1)),
        peak_db=-2.0,
    ),
    _Spec("Bass/Bass_Reese_A1.wav", "bass", _pitched(_reese), peak_db=-2.0, root_midi=33),
    _Spec("Bass/Bass_Pluck_F#2.wav", "bass", _pitched(_pluck_bass), peak_db=-2.0, root_midi=42),
    _Spec("Bass/Bass_Sub_E1.wav", "bass", _pitched(_sub), peak_db=-1.5, root_midi=28),
    _Spec("Leads/Lead_Supersaw_C4.wav", "lead", _pitched(_supersaw), peak_db=-3.0, root_midi=60),
    _Spec("Leads/Pluck_Bright_E4.wav", "lead", _pitched(_pluck), peak_db=-3.0, root_midi=64),
    _Spec("Leads/Lead_Square_A3.mp3", "lead", _pitched(_square_lead), peak_db=-4.0, root_midi=57),
    _Spec("Pads/Pad_Warm_Am.wav", "pad", _chord_pad((0, 3, 7)), -3.0, key="Am", root_midi=57),
    _Spec("Pads/Pad_Glass_Cmaj.wav", "pad", _chord_pad((0, 4, 7, 11)), -3.0, key="C", root_midi=60),
    _Spec("Loops/Drums/Drum_Loop_128bpm.wav", "drum-loop", _groove(_house), bpm=128, bars=4),
    _Spec("Loops/Drums/Groove_Dusty.wav", "drum-loop", _groove(_boom_bap), -1.5, bpm=90, bars=2),
    _Spec("Loops/Drums/Trap_Loop_140bpm.flac", "drum-loop", _groove(_trap), bpm=140, bars=4),
    _Spec("Loops/Drums/DnB_Loop_174bpm.wav", "drum-loop", _groove(_dnb), bpm=174, bars=4),
    _Spec(
        "Loops/Chords/Loop_Chords_120_Am.wav",
        "chord-loop",
        _chords(("Am", "F", "C", "G"), "piano", "x..x ..x. ..x. x...", "x... ..x. x... x.x."),
        peak_db=-1.5,
        bpm=120,
        key="Am",
        bars=4,
    ),
    _Spec(
        "Loops/Chords/Pad_Loop_140bpm_F#min.wav",
        "chord-loop",
        _chords(("F#m", "D", "Bm", "E"), "pad", "x...", "x... .... x... ..x."),
        peak_db=-1.5,
        bpm=140,
        key="F#m",
        bars=4,
    ),
    _Spec(
        "Loops/Chords/Piano_Loop_100_Cmaj.wav",
        "chord-loop",
        _chords(("C", "G", "Am", "F"), "piano", "x... x... x... x...", "x... .... x..x ...."),
        peak_db=-1.5,
        bpm=100,
        key="C",
        bars=4,
    ),
    _Spec(
        "Loops/Chords/Chords_Mellow.wav",
        "chord-loop",
        _chords(("Dm", "Bb", "Gm", "A"), "piano", "x... ..x. .... x...", "x... .... ..x. ...."),
        peak_db=-1.5,
        bpm=85,
        key="Dm",
        bars=4,
    ),
)

#: soundfile ``(format, subtype)`` by extension: 24-bit PCM where the format has it.
_FORMATS = {
    ".wav": ("WAV", "PCM_24"),
    ".flac": ("FLAC", "PCM_24"),
    ".aiff": ("AIFF", "PCM_24"),
    ".ogg": ("OGG", "VORBIS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
}


def _sample(directory: Path, spec: _Spec) -> DemoSample:
    return DemoSample(
        path=directory / spec.path,
        kind="loop" if spec.category.endswith("-loop") else "oneshot",
        category=spec.category,
        bpm=None if spec.bpm is None else float(spec.bpm),
        key=None if spec.key is None else MusicalKey.parse(spec.key).name,
        root_midi=spec.root_midi,
        bars=spec.bars,
    )


def _render(spec: _Spec, seed: int) -> Audio:
    rng = np.random.default_rng([seed, zlib.crc32(spec.path.encode())])
    audio = spec.render(rng, spec)
    if spec.bars is None:
        audio = _fade(audio)  # loops are not faded: their ends must meet
    gain = math.pow(10.0, spec.peak_db / 20.0) / float(np.max(np.abs(audio)))
    return audio * gain


def _prepare(directory: Path, overwrite: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory} exists and is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the demo library directory {directory}: {exc}") from exc
    manifest = directory / MANIFEST_NAME
    if not overwrite and not manifest.is_file() and any(directory.iterdir()):
        raise ConfigError(
            f"{directory} is not empty and is not a demo library (it has no {MANIFEST_NAME}); "
            "choose a new or empty directory, or pass overwrite=True to write into it anyway"
        )
    if manifest.is_file():
        _drop_stale(directory)


def _drop_stale(directory: Path) -> None:
    """Delete files of a previous demo library that this version no longer makes."""
    try:
        previous = read_manifest(directory)
    except ConfigError as exc:
        log.warning("%s; not looking for stale demo files", exc)
        return
    keep = {directory / spec.path for spec in _LIBRARY}
    root = directory.resolve()
    for sample in previous:
        if sample.path not in keep and sample.path.resolve().is_relative_to(root):
            sample.path.unlink(missing_ok=True)


def read_manifest(directory: Path) -> list[DemoSample]:
    """The samples listed in ``directory / MANIFEST_NAME``, with paths inside ``directory``.

    Raises:
        ConfigError: if the manifest is missing or malformed.
    """
    try:
        entries = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
        return [DemoSample(**{**entry, "path": directory / entry["path"]}) for entry in entries]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ConfigError(
            f"{directory / MANIFEST_NAME}: not a readable demo manifest ({exc})"
        ) from exc


def create_demo_library(
    directory: Path, *, seed: int = 7, overwrite: bool = False
) -> list[DemoSample]:
    """Synthesise the demo library into ``directory`` and return what is true about each file.

    Takes a few seconds. Writes about thirty files under ``Drums/``, ``Bass/``, ``Leads/``,
    ``Pads/`` and ``Loops/`` plus ``demo-manifest.json``. Writing again into a demo library
    replaces it. The same seed gives the same bytes, except in the Ogg file, whose container
    carries a random stream serial number (its decoded audio is the same).

    Args:
        directory: Where to write; created if missing. It must be empty or hold a previous demo
            library, unless ``overwrite`` is True.
        seed: Non-negative seed for the noise and oscillator phases.
        overwrite: Write even into a non-empty directory that is not a demo library (files of the
            same names are replaced; nothing else is touched).

    Returns:
        One :class:`DemoSample` per file, in a stable order.

    Raises:
        ConfigError: ``seed`` is negative, ``directory`` is not a directory or cannot be created,
            or it holds other files and ``overwrite`` is False.
    """
    if seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed}")
    directory = Path(directory)
    _prepare(directory, overwrite)
    started = time.perf_counter()
    samples = []
    for spec in _LIBRARY:
        sample = _sample(directory, spec)
        file_format, subtype = _FORMATS[sample.path.suffix]
        audio = _render(spec, seed)
        try:
            sample.path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(sample.path, audio, SAMPLE_RATE_HZ, subtype, format=file_format)
        except (OSError, RuntimeError) as exc:  # soundfile's errors are RuntimeErrors
            raise ConfigError(f"cannot write the demo sample {sample.path}: {exc}") from exc
        samples.append(sample)
    manifest = [sample.to_json(directory) for sample in samples]
    (directory / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    log.info(
        "wrote %d demo samples to %s in %.1f s",
        len(samples),
        directory,
        time.perf_counter() - started,
    )
    return samples
