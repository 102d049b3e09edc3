"""Hand-made hostile files: headers that lie."""

from __future__ import annotations

import struct


def flac_declaring(total_samples: int, *, sample_rate_hz: int = 44100, size: int = 97) -> bytes:
    """A tiny FLAC whose STREAMINFO declares ``total_samples`` frames (36-bit field)."""
    channels, bits = 2, 16
    packed = (sample_rate_hz << 44) | ((channels - 1) << 41) | ((bits - 1) << 36) | total_samples
    streaminfo = struct.pack(">HH", 4096, 4096) + b"\x00\x00\x10" + b"\x00\x00\x10"
    streaminfo += packed.to_bytes(8, "big") + b"\x00" * 16
    block_header = bytes([0x80]) + len(streaminfo).to_bytes(3, "big")  # last block, STREAMINFO
    data = b"fLaC" + block_header + streaminfo
    return data + b"\xff\xf8" + b"\x5a" * (size - len(data) - 2)


def wav_header(
    *,
    sample_rate_hz: int = 44100,
    channels: int = 1,
    bits: int = 16,
    data_bytes: int = 0xFFFFFFF0,
    payload: bytes = b"\x00\x01" * 64,
) -> bytes:
    """A PCM WAV whose header declares ``data_bytes`` of data but carries ``payload``."""
    block_align = channels * bits // 8
    fmt = struct.pack(
        "<HHIIHH", 1, channels, sample_rate_hz, sample_rate_hz * block_align, block_align, bits
    )
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", data_bytes) + payload
    return b"RIFF" + struct.pack("<I", 0xFFFFFFFF if data_bytes > 2**31 else len(body)) + body
