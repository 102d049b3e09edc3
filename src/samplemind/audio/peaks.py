"""Waveform peaks for the browser's waveform display.

A :class:`Waveform` is what WaveSurfer.js 8 takes as its ``peaks`` option, in the shape its own
``exportPeaks()`` writes: one list per channel of ``points`` numbers, each the signed sample of
greatest magnitude in its slice of the file, in -1..1 and rounded to 4 decimals. Given peaks and a
duration, WaveSurfer draws the waveform at once without fetching and decoding the whole file in
the browser (which, for a page of samples, would mean decoding every one of them with Web Audio);
the audio itself is then streamed only when played.

The file is decoded by :func:`samplemind.audio.decode.decode`, which enforces the configured
limits (duration, sample rate, channels, memory), so a lying header costs a typed error, not
memory. The bucketing is vectorised (``np.maximum.reduceat``): no Python loop over samples.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

from samplemind.audio.decode import decode
from samplemind.audio.signal import FloatArray
from samplemind.config import Settings
from samplemind.errors import ConfigError

__all__ = ["MAX_POINTS", "PEAK_DECIMALS", "Waveform", "compute_peaks"]

#: The most points a waveform may have (per channel); a wide display needs ~2 per pixel.
MAX_POINTS = 10_000

#: Peaks are rounded to this many decimals, as WaveSurfer's ``exportPeaks()`` does (precision 1e4).
PEAK_DECIMALS = 4


class Waveform(BaseModel):
    """Peaks of one file, ready for WaveSurfer's ``peaks`` and ``duration`` options.

    Attributes:
        duration_s: Length of the decoded audio in seconds (WaveSurfer's ``duration``).
        sample_rate_hz: The file's sample rate in Hz.
        channels: Number of channels in ``peaks`` (a file with more channels than were asked
            for is mixed down to one).
        samples_per_point: Frames (samples per channel) summarised by each point, on average.
        points: Number of values in each channel's list.
        peaks: One list per channel; each value is the signed sample of greatest magnitude in
            its bucket, clipped to -1..1 and rounded to 4 decimals.
        version: Version of this shape.
    """

    model_config = ConfigDict(frozen=True)

    duration_s: float
    sample_rate_hz: int
    channels: int
    samples_per_point: float
    points: int
    peaks: list[list[float]]
    version: Literal[1] = 1

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if len(self.peaks) != self.channels:
            raise ValueError(f"{len(self.peaks)} peak lists for {self.channels} channels")
        if any(len(channel) != self.points for channel in self.peaks):
            raise ValueError(f"every peak list must hold {self.points} points")
        return self


def compute_peaks(
    path: str | Path,
    *,
    settings: Settings | None = None,
    points: int = 800,
    max_channels: int = 2,
) -> Waveform:
    """Decode ``path`` and summarise it as ``points`` signed peaks per channel.

    The frames are split into ``points`` contiguous buckets of ``frames / points`` frames each
    (bucket ``i`` covers frames ``floor(i * frames / points)`` up to, not including,
    ``floor((i + 1) * frames / points)``), and each bucket gives its sample of greatest
    magnitude, keeping its sign (a tie between ``+a`` and ``-a`` gives ``+a``). A file shorter
    than ``points`` frames gives one point per frame.

    Args:
        path: An audio file in any format :func:`~samplemind.audio.decode.decode` reads.
        settings: Decoding limits; defaults when None.
        points: Peaks per channel, 1..:data:`MAX_POINTS`.
        max_channels: Most channels to keep, at least 1. A file with more channels than this is
            mixed down to mono (the channel average), so a 5.1 file draws as one waveform.

    Returns:
        The waveform; ``Waveform.model_dump()`` is the JSON the browser needs.

    Raises:
        ConfigError: ``points`` or ``max_channels`` out of range.
        AudioError: a subclass from decoding (not found, unsupported, corrupt, empty, too long).
    """
    if not 1 <= points <= MAX_POINTS:
        raise ConfigError(f"points must be between 1 and {MAX_POINTS}, got {points}")
    if max_channels < 1:
        raise ConfigError(f"max_channels must be at least 1, got {max_channels}")
    signal = decode(path, settings)
    data: FloatArray = signal.samples if signal.channels <= max_channels else signal.mono()[:, None]
    frames = int(data.shape[0])
    count = min(points, frames)
    peaks = _signed_peaks(data, count)
    return Waveform(
        duration_s=signal.duration_s,
        sample_rate_hz=signal.sample_rate_hz,
        channels=int(data.shape[1]),
        samples_per_point=frames / count,
        points=count,
        peaks=peaks,
    )


def _signed_peaks(data: FloatArray, count: int) -> list[list[float]]:
    """``count`` signed peaks per channel of ``data`` shaped ``(frames, channels)``."""
    frames = int(data.shape[0])
    # int64: frames * count reaches ~1e12 for a long high-rate file.
    starts = (np.arange(count, dtype=np.int64) * frames) // count
    highest = np.maximum.reduceat(data, starts, axis=0)
    lowest = np.minimum.reduceat(data, starts, axis=0)
    signed = np.where(highest >= -lowest, highest, lowest).astype(np.float64)
    # float64 before rounding, so 0.1234 serialises as 0.1234 and not as float32 noise;
    # adding 0.0 turns -0.0 into 0.0.
    rounded = np.round(np.clip(signed, -1.0, 1.0), PEAK_DECIMALS) + 0.0
    result: list[list[float]] = rounded.T.tolist()
    return result
