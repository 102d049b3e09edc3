"""Per-file analysis context: the decoded signal plus intermediates computed once and shared.

One decode per file and one spectrogram for every spectral descriptor: analyzers ask the context
(``ctx.power``, ``ctx.onset_envelope``, ...) instead of recomputing, and read earlier analyzers'
outputs from ``ctx.outputs``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import scipy.fft

from samplemind.analysis.chroma import CHROMA_RATE_HZ, Chromagram, compute_chromagram
from samplemind.analysis.hints import Hints, read_hints
from samplemind.audio.signal import AudioSignal, FloatArray
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel

__all__ = ["AnalysisContext", "frame_signal"]

#: Analysis frame and hop (samples at ``ANALYSIS_RATE_HZ``): 46 ms / 11.6 ms.
FRAME = 2048
HOP = 512
SILENCE_DBFS = -60.0

_T = TypeVar("_T")


def frame_signal(y: FloatArray, frame: int, hop: int) -> npt.NDArray[np.float32]:
    """Frames of ``y`` as a strided view ``(n_frames, frame)``; ``y`` is zero-padded to fit."""
    if y.shape[0] < frame:
        y = np.pad(y, (0, frame - y.shape[0]))
    n = 1 + (y.shape[0] - frame) // hop
    rem = y.shape[0] - ((n - 1) * hop + frame)
    if rem > 0:
        y = np.pad(y, (0, hop - rem))
        n += 1
    return np.lib.stride_tricks.sliding_window_view(y, frame)[::hop][:n]


class AnalysisContext:
    """Everything one file's analyzers share."""

    def __init__(
        self,
        signal: AudioSignal,
        *,
        level: AnalysisLevel,
        settings: Settings,
    ) -> None:
        self.signal = signal
        self.level = level
        self.settings = settings
        self.sample_rate_hz = settings.analysis_sample_rate_hz
        self.frame = FRAME
        self.hop = HOP
        self.outputs: dict[str, Any] = {}
        self._shared: dict[str, Any] = {}

    @property
    def path(self) -> str:
        return self.signal.path

    def shared(self, key: str, compute: Callable[[AnalysisContext], _T]) -> _T:
        """``compute(self)``, run at most once per file and kept under ``key``.

        For an intermediate that belongs to one analyzer module but that others read too (the
        tempo module's bar-grid fit gives the loop analyzer its ``bars``), without this module
        importing analyzer code. ``key`` should name the owning module (``"tempo.fit"``).
        """
        if key not in self._shared:
            self._shared[key] = compute(self)
        value: _T = self._shared[key]
        return value

    @cached_property
    def y(self) -> FloatArray:
        """Mono at the analysis rate."""
        return self.signal.mono_at(self.sample_rate_hz)

    @cached_property
    def hints(self) -> Hints:
        """BPM/key/loop priors from the file's tags and name."""
        return read_hints(self.signal.path)

    @cached_property
    def chromagram(self) -> Chromagram:
        """Tuned semitone pitchgram and chroma from a 4096-point spectrum at 11025 Hz (93 ms hop).

        Harmony needs 2.7 Hz bins to separate bass notes, which the shared spectrogram's 21.5 Hz
        bins cannot; see :mod:`samplemind.analysis.chroma`.
        """
        return compute_chromagram(self.signal.mono_at(CHROMA_RATE_HZ))

    @property
    def duration_s(self) -> float:
        return self.signal.duration_s

    @cached_property
    def frames(self) -> npt.NDArray[np.float32]:
        """Strided frames of ``y`` (view, no copy)."""
        return frame_signal(self.y, FRAME, HOP)

    @cached_property
    def frame_rms(self) -> npt.NDArray[np.float64]:
        frames = self.frames
        energy: npt.NDArray[np.float64] = np.einsum("ij,ij->i", frames, frames, dtype=np.float64)
        return np.sqrt(energy / FRAME)

    @cached_property
    def active(self) -> npt.NDArray[np.bool_]:
        """Frames louder than -60 dBFS RMS (never empty: all frames when all are quiet)."""
        active = self.frame_rms > 10 ** (SILENCE_DBFS / 20)
        return active if active.any() else np.ones_like(active)

    @cached_property
    def power(self) -> npt.NDArray[np.float32]:
        """Power spectrogram ``(n_frames, FRAME // 2 + 1)``, Hann window."""
        window = np.hanning(FRAME).astype(np.float32)
        frames = self.frames
        power = np.empty((frames.shape[0], FRAME // 2 + 1), dtype=np.float32)
        # In blocks: a full complex spectrogram of a 15-minute file would be ~1 GB at once.
        for start in range(0, frames.shape[0], 4096):
            spectrum = scipy.fft.rfft(frames[start : start + 4096] * window, axis=1)
            power[start : start + 4096] = spectrum.real**2 + spectrum.imag**2
        return power

    @cached_property
    def magnitude(self) -> npt.NDArray[np.float32]:
        return np.sqrt(self.power)

    @cached_property
    def freqs_hz(self) -> npt.NDArray[np.float64]:
        return np.fft.rfftfreq(FRAME, 1.0 / self.sample_rate_hz).astype(np.float64)

    @cached_property
    def times_s(self) -> npt.NDArray[np.float64]:
        """Start time of each frame."""
        return np.arange(self.frames.shape[0], dtype=np.float64) * (HOP / self.sample_rate_hz)

    @cached_property
    def onset_envelope(self) -> npt.NDArray[np.float32]:
        """Spectral flux of the log-magnitude mel-ish spectrum (half-wave rectified)."""
        log_mag = np.log1p(1000.0 * self.mel)
        rising: npt.NDArray[np.float32] = np.maximum(
            np.diff(log_mag, axis=0, prepend=log_mag[:1]), 0.0
        )
        flux: npt.NDArray[np.float32] = rising.sum(axis=1, dtype=np.float32)
        return flux

    @cached_property
    def mel_filterbank(self) -> npt.NDArray[np.float32]:
        return mel_filterbank(self.sample_rate_hz, FRAME, n_mels=64)

    @cached_property
    def mel(self) -> npt.NDArray[np.float32]:
        """Mel magnitude spectrogram ``(n_frames, 64)``."""
        return (self.magnitude @ self.mel_filterbank.T).astype(np.float32)


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def mel_filterbank(
    sample_rate_hz: int,
    n_fft: int,
    *,
    n_mels: int,
    fmin_hz: float = 20.0,
    fmax_hz: float | None = None,
) -> npt.NDArray[np.float32]:
    """Triangular, area-normalised mel filters ``(n_mels, n_fft // 2 + 1)``."""
    fmax = fmax_hz or sample_rate_hz / 2
    edges = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array(fmin_hz)), _hz_to_mel(np.array(fmax)), n_mels + 2)
    )
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate_hz)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None, :] - lower) / np.maximum(centre - lower, 1e-9)
    falling = (upper - freqs[None, :]) / np.maximum(upper - centre, 1e-9)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= 2.0 / np.maximum(upper - lower, 1e-9)
    return weights.astype(np.float32)
