"""Receive an uploaded audio file safely.

The body is already capped by the app's body-limit middleware (so a 10 GB upload is cut off
while it streams, not after); here the file is checked for what it is by its first bytes (never
by its name or declared type), copied to a private temporary file named with the extension its
content deserves, and removed on every path out, error or not.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import anyio
from fastapi import UploadFile

from samplemind.audio.sniff import SNIFF_BYTES, sniff_audio
from samplemind.config import Settings
from samplemind.errors import EmptyAudioError, TooLargeError

__all__ = ["Received", "received_audio", "upload_dir"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Received:
    path: Path
    kind: str  # wav, aiff, flac, ogg, mp3: from the content
    name: str  # the client's file name, folders stripped, with the extension of ``kind``
    size_bytes: int


def upload_dir(settings: Settings) -> Path:
    """Where uploads wait while they are analyzed (emptied as each request ends)."""
    return settings.resolved_data_dir() / "tmp" / "uploads"


def _client_name(filename: str | None, kind: str) -> str:
    base = PurePosixPath((filename or "").replace("\\", "/")).name
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    return f"{stem.strip() or 'upload'}.{kind}"


@asynccontextmanager
async def received_audio(upload: UploadFile, settings: Settings) -> AsyncIterator[Received]:
    """The upload as a temporary audio file, deleted when the block exits.

    Raises:
        TooLargeError: over ``settings.upload_max_mb``.
        EmptyAudioError: no bytes.
        UnsupportedFormatError: the content is not WAV, AIFF, FLAC, Ogg or MP3 (it says what it
            looks like instead).
    """
    limit = int(settings.upload_max_mb * 2**20)
    if upload.size is not None and upload.size > limit:
        raise TooLargeError(f"the upload is {upload.size:,} bytes; the limit is {limit:,}")
    head = await upload.read(SNIFF_BYTES)
    if not head:
        raise EmptyAudioError("the upload is empty (0 bytes)")
    kind = sniff_audio(head)
    folder = upload_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="upload-", suffix=f".{kind}", dir=folder)
    path = Path(name)
    try:
        size = len(head)
        with os.fdopen(fd, "wb") as out:
            await anyio.to_thread.run_sync(out.write, head)
            while chunk := await upload.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLargeError(f"the upload is over the limit of {limit:,} bytes")
                await anyio.to_thread.run_sync(out.write, chunk)
        yield Received(path, kind, _client_name(upload.filename, kind), size)
    finally:
        path.unlink(missing_ok=True)
