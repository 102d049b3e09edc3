"""The decoded signal every analyzer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import soxr

from samplemind.domain.analysis import AudioInfo

__all__ = ["AudioSignal", "FloatArray"]

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class AudioSignal:
    """Decoded audio: float32 samples shaped ``(frames, channels)`` in [-1, 1] (floats may exceed).

    Derived views (mono, resampled) are computed once and cached, so a file is decoded once and
    every analyzer shares the same arrays.
    """

    path: str
    samples: FloatArray
    sample_rate_hz: int
    info: AudioInfo
    _cache: dict[Any, FloatArray] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_array(
        cls, samples: npt.ArrayLike, sample_rate_hz: int, *, path: str = "memory"
    ) -> AudioSignal:
        """A signal from samples already in memory (mono ``(frames,)`` or ``(frames, channels)``).

        Example:
            >>> AudioSignal.from_array(np.zeros(4410), 44100).info.duration_s
            0.1
        """
        data = np.asarray(samples, dtype=np.float32)
        if data.ndim == 1:
            data = data[:, None]
        info = AudioInfo(
            format="RAW",
            subtype="FLOAT",
            bit_depth=32,
            sample_rate_hz=sample_rate_hz,
            channels=int(data.shape[1]),
            frames=int(data.shape[0]),
            duration_s=data.shape[0] / sample_rate_hz,
            file_size_bytes=data.nbytes,
        )
        return cls(path, np.ascontiguousarray(data), sample_rate_hz, info)

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz

    def mono(self) -> FloatArray:
        """Channel average at the file's own rate."""
        if "mono" not in self._cache:
            if self.channels == 1:
                mono = self.samples[:, 0]
            else:
                # A matrix-vector product: numpy's mean over a short inner axis is ~40x slower.
                weights = np.full(self.channels, 1.0 / self.channels, dtype=np.float32)
                mono = self.samples @ weights
            self._cache["mono"] = np.ascontiguousarray(mono, dtype=np.float32)
        return self._cache["mono"]

    def mono_at(self, sample_rate_hz: int) -> FloatArray:
        """Mono, resampled (soxr, high quality) to ``sample_rate_hz``."""
        if sample_rate_hz == self.sample_rate_hz:
            return self.mono()
        key = ("mono", sample_rate_hz)
        if key not in self._cache:
            resampled = soxr.resample(self.mono(), self.sample_rate_hz, sample_rate_hz, "HQ")
            self._cache[key] = np.ascontiguousarray(resampled, dtype=np.float32)
        return self._cache[key]
