"""Decode any supported file into one :class:`AudioSignal`, never trusting its header.

The header is checked before a single sample is read (sample rate, channels, declared length),
and the data is then read in blocks under a hard cap on frames and bytes, so a 97-byte FLAC that
declares 2**36 frames, or a WAV that lies about its length, costs one typed error and no memory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import soundfile as sf

from samplemind.audio.formats import SUPPORTED_EXTENSIONS, is_supported
from samplemind.audio.signal import AudioSignal, FloatArray
from samplemind.config import Settings
from samplemind.domain.analysis import AudioInfo
from samplemind.errors import (
    AudioNotFoundError,
    DecodeError,
    EmptyAudioError,
    HeaderLimitError,
    TooLongError,
    UnsupportedFormatError,
)

__all__ = ["decode", "probe"]

log = logging.getLogger(__name__)

#: Formats whose header states the exact length (the compressed ones only estimate it).
_EXACT_LENGTH_FORMATS = frozenset({"WAV", "WAVEX", "AIFF", "AIFC", "FLAC", "CAF", "W64"})

#: A header declaring more than a day of audio is lying, whatever the configured limit.
_ABSURD_DURATION_S = 24 * 3600.0

_BIT_DEPTHS = {
    "PCM_S8": 8,
    "PCM_U8": 8,
    "PCM_16": 16,
    "PCM_24": 24,
    "PCM_32": 32,
    "FLOAT": 32,
    "DOUBLE": 64,
    "ALAC_16": 16,
    "ALAC_20": 20,
    "ALAC_24": 24,
    "ALAC_32": 32,
}


def _open(path: Path) -> sf.SoundFile:
    if not path.exists():
        raise AudioNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise AudioNotFoundError(f"{path}: not a regular file")
    if not is_supported(path):
        valid = " ".join(sorted(SUPPORTED_EXTENSIONS))
        raise UnsupportedFormatError(f"{path.name}: unsupported file type; supported: {valid}")
    if path.stat().st_size == 0:
        raise EmptyAudioError(f"{path.name}: file is empty (0 bytes)")
    try:
        return sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError) as exc:
        raise DecodeError(f"{path.name}: not readable audio ({_reason(exc)})") from exc


def _chunks(f: BinaryIO, byteorder: Literal["little", "big"]) -> Iterator[tuple[bytes, int]]:
    """``(id, length)`` of each RIFF/IFF chunk after the 12-byte container header, the file
    positioned at the chunk's body; bodies the caller does not read are seeked over."""
    for _ in range(10_000):  # a bound, whatever a hostile file chains
        header = f.read(8)
        if len(header) < 8:
            return
        length = int.from_bytes(header[4:], byteorder)
        body = f.tell()
        yield header[:4], length
        f.seek(body + length + (length & 1))


def _check_riff_data(path: Path) -> None:
    """Refuse a WAV whose ``data`` chunk declares more bytes than the file holds.

    libsndfile quietly clamps such a length to the file, so a truncated download, or a header
    forged to declare 2**31 frames, would otherwise pass as a short, valid sound. The chunk
    walk seeks over chunk bodies, so it reads a few bytes per chunk whatever the file size.
    Sizes 0 and 0xFFFFFFFF mean "unknown" (streamed recordings, RF64) and are let through.
    """
    size = path.stat().st_size
    with path.open("rb") as f:
        if f.read(12)[8:12] != b"WAVE":
            return  # RF64/BW64 and friends: libsndfile checks those itself
        for chunk, length in _chunks(f, "little"):
            if chunk == b"data":
                available = size - f.tell()
                if length not in (0, 0xFFFFFFFF) and length > available + 1:
                    raise DecodeError(
                        f"{path.name}: the header declares {length:,} bytes of audio but the "
                        f"file holds {available:,}: truncated, or a lying header"
                    )
                return


def _check_aiff_frames(path: Path, frames: int) -> None:
    """Refuse an AIFF whose ``COMM`` chunk declares more frames than libsndfile found (it
    clamps the count to the file, as for WAV)."""
    with path.open("rb") as f:
        if f.read(12)[:4] != b"FORM":
            return
        for chunk, _length in _chunks(f, "big"):
            if chunk == b"COMM":
                body = f.read(6)
                declared = int.from_bytes(body[2:6], "big") if len(body) == 6 else 0
                if declared > frames:
                    raise DecodeError(
                        f"{path.name}: the header declares {declared:,} frames but the file "
                        f"holds {frames:,}: truncated, or a lying header"
                    )
                return


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _info(path: Path, handle: sf.SoundFile, settings: Settings) -> AudioInfo:
    rate, channels, frames = int(handle.samplerate), int(handle.channels), int(handle.frames)
    name = path.name
    if not settings.min_sample_rate_hz <= rate <= settings.max_sample_rate_hz:
        raise HeaderLimitError(
            f"{name}: header declares a sample rate of {rate} Hz; accepted "
            f"{settings.min_sample_rate_hz}..{settings.max_sample_rate_hz} Hz"
        )
    if not 1 <= channels <= settings.max_channels:
        raise HeaderLimitError(
            f"{name}: header declares {channels} channels; accepted 1..{settings.max_channels}"
        )
    if str(handle.format) in ("WAV", "WAVEX"):
        _check_riff_data(path)
    elif str(handle.format) in ("AIFF", "AIFC"):
        _check_aiff_frames(path, frames)
    declared_s = frames / rate
    if declared_s > _ABSURD_DURATION_S:
        raise HeaderLimitError(
            f"{name}: header declares {frames} frames ({declared_s / 3600:.0f} h), "
            "which is not a plausible sample"
        )
    if declared_s > settings.max_duration_s:
        raise TooLongError(
            f"{name}: {declared_s:.1f} s is longer than the limit of "
            f"{settings.max_duration_s:.0f} s"
        )
    return AudioInfo(
        format=str(handle.format),
        subtype=str(handle.subtype) if handle.subtype else None,
        bit_depth=_BIT_DEPTHS.get(str(handle.subtype)),
        sample_rate_hz=rate,
        channels=channels,
        frames=frames,
        duration_s=declared_s,
        file_size_bytes=path.stat().st_size,
    )


def probe(path: str | Path, settings: Settings | None = None) -> AudioInfo:
    """Read and validate the header only.

    Raises:
        AudioError: a subclass saying exactly what is wrong.
    """
    settings = settings or Settings.current()
    path = Path(path)
    with _open(path) as handle:
        return _info(path, handle, settings)


def decode(path: str | Path, settings: Settings | None = None) -> AudioSignal:
    """Decode ``path`` into float32 samples shaped ``(frames, channels)``.

    Args:
        path: An audio file.
        settings: Limits (duration, rate, channels, memory); defaults when None.

    Raises:
        AudioNotFoundError: no such file.
        UnsupportedFormatError: not an audio type we decode.
        DecodeError: corrupt, truncated or unreadable data.
        EmptyAudioError: no audio frames.
        HeaderLimitError: the header declares an absurd rate, channel count or length.
        TooLongError: longer than ``settings.max_duration_s``.
    """
    settings = settings or Settings.current()
    path = Path(path)
    with _open(path) as handle:
        info = _info(path, handle, settings)
        samples = _read_capped(path, handle, info, settings)
    frames = int(samples.shape[0])
    if frames == 0:
        raise EmptyAudioError(f"{path.name}: no audio frames")
    if frames < info.frames and info.format in _EXACT_LENGTH_FORMATS:
        raise DecodeError(
            f"{path.name}: the header declares {info.frames:,} frames but only {frames:,} "
            "could be read: the file is truncated"
        )
    if frames != info.frames:
        # Compressed formats estimate their length; trust what was decoded.
        log.debug("%s: header said %d frames, decoded %d", path.name, info.frames, frames)
        info = info.model_copy(
            update={"frames": frames, "duration_s": frames / info.sample_rate_hz}
        )
    return AudioSignal(str(path), samples, info.sample_rate_hz, info)


def _read_capped(
    path: Path, handle: sf.SoundFile, info: AudioInfo, settings: Settings
) -> FloatArray:
    channels = info.channels
    max_frames = int(settings.max_duration_s * info.sample_rate_hz)
    max_frames = min(max_frames, settings.max_decoded_mb * 2**20 // (4 * channels))
    block = settings.decode_block_frames
    if info.format == "MP3":
        # libsndfile 1.2's MPEG decoder garbles samples near the boundary of every partial read
        # (up to 0.5 full scale on a VBR file). Read the length the header declares in one call:
        # that length was validated against the limits above, so the allocation stays capped.
        block = max(block, min(info.frames, max_frames) + 1)
    blocks: list[FloatArray] = []
    total = 0
    try:
        while True:
            chunk = handle.read(block, dtype="float32", always_2d=True)
            if chunk.shape[0] == 0:
                break
            total += chunk.shape[0]
            if total > max_frames:
                raise TooLongError(
                    f"{path.name}: decoded more than {max_frames / info.sample_rate_hz:.0f} s "
                    f"(the limit) although the header declared {info.duration_s:.1f} s"
                )
            blocks.append(chunk)
            if chunk.shape[0] < block:
                break
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise DecodeError(f"{path.name}: corrupt or truncated audio ({_reason(exc)})") from exc
    if not blocks:
        return np.zeros((0, channels), dtype=np.float32)
    samples = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=0)
    if not np.isfinite(samples).all():
        # Float files can carry NaN/inf; they would poison every descriptor.
        log.warning("%s: non-finite samples replaced by 0", path.name)
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
    return samples
