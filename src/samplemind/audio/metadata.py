"""Write BPM and key into a file's own tags, never touching its audio data.

Where each value goes (what DJ software and taggers read, and what
:func:`samplemind.analysis.hints.read_tags` reads back):

==============  =================================================================================
format          tags
==============  =================================================================================
MP3             ID3v2.3 ``TBPM`` (a whole number, as the ID3 standard says) and ``TKEY``
WAV, AIFF       the same ID3v2.3 frames in an ``id3 `` / ``ID3 `` chunk (read by Rekordbox,
                Serato, Traktor, Mixxx, foobar2000). RIFF ``INFO`` has no BPM or key field, and
                the ACID chunk's tempo would mean rewriting the RIFF structure, so neither is
                written.
FLAC, Ogg       Vorbis comments ``BPM`` (up to two decimals) and ``INITIALKEY`` (the name Mixxx,
                Traktor and Rekordbox use); a ``KEY`` comment already present (MusicBrainz
                Picard's name) is updated too, so the file never carries two different keys.
==============  =================================================================================

Keys are written in the short form ID3 prescribes for ``TKEY`` (at most three characters:
``Am``, ``F#``, ``C#m``; sharps). Tags are changed in place by mutagen, which rewrites only
metadata blocks, chunks or Ogg header pages: the encoded audio bytes stay exactly as they were.
Other tags are kept; a value given as None is left alone.

Example:
    >>> import tempfile, numpy as np, soundfile as sf
    >>> from samplemind.analysis.hints import read_tags
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp, "loop.flac")
    ...     sf.write(path, np.zeros(4410, dtype=np.float32), 44100)
    ...     write_tags(path, bpm=126, key="A minor")
    ...     hints = read_tags(path)
    >>> (hints.bpm, hints.key.short_name)
    (126.0, 'Am')
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from samplemind.domain.music import MusicalKey
from samplemind.errors import (
    AudioError,
    AudioNotFoundError,
    ConfigError,
    DecodeError,
    UnsupportedFormatError,
)

__all__ = ["TAGGABLE_EXTENSIONS", "write_tags"]

log = logging.getLogger(__name__)

_ID3_CONTAINERS = {
    ".mp3": "mp3",
    ".wav": "wave",
    ".wave": "wave",
    ".aif": "aiff",
    ".aiff": "aiff",
    ".aifc": "aiff",
}
_VORBIS_CONTAINERS = {".flac": "flac", ".ogg": "ogg", ".oga": "ogg"}
#: Extensions :func:`write_tags` handles.
TAGGABLE_EXTENSIONS: frozenset[str] = frozenset(_ID3_CONTAINERS) | frozenset(_VORBIS_CONTAINERS)
_MAX_BPM = 999.0


def write_tags(path: Path, *, bpm: float | None = None, key: str | None = None) -> None:
    """Set the BPM and/or initial key in ``path``'s metadata.

    Args:
        path: An MP3, WAV, AIFF, FLAC or Ogg (Vorbis, FLAC or Opus) file.
        bpm: Tempo in beats per minute, 0 < bpm <= 999; None leaves the tag alone.
        key: Any key :meth:`MusicalKey.parse <samplemind.domain.MusicalKey.parse>` reads
            (``"Am"``, ``"A minor"``, ``"8A"``); None leaves the tag alone.

    Raises:
        ConfigError: ``bpm`` out of range or not a number, or ``key`` not a key.
        AudioNotFoundError: no such file.
        UnsupportedFormatError: a format whose tags are not written here.
        DecodeError: the file is not valid audio of the format its extension says.
        AudioError: the file could not be written (permissions, disk full).
    """
    bpm_text = _bpm_texts(bpm)
    key_text = _key_text(key)
    path = Path(path)
    if not path.exists():
        raise AudioNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise AudioNotFoundError(f"{path}: not a regular file")
    suffix = path.suffix.lower()
    if suffix not in TAGGABLE_EXTENSIONS:
        valid = " ".join(sorted(TAGGABLE_EXTENSIONS))
        raise UnsupportedFormatError(
            f"{path.name}: cannot write tags to this type; supported: {valid}"
        )
    if bpm_text is None and key_text is None:
        return
    import mutagen

    try:
        if suffix in _ID3_CONTAINERS:
            _write_id3(path, _ID3_CONTAINERS[suffix], bpm_text, key_text)
        else:
            _write_vorbis(path, _VORBIS_CONTAINERS[suffix], bpm_text, key_text)
    except mutagen.MutagenError as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else None
        if cause is None and exc.args and isinstance(exc.args[0], OSError):
            cause = exc.args[0]
        if cause is not None:
            raise AudioError(f"{path.name}: cannot write tags ({_os_reason(cause)})") from exc
        raise DecodeError(f"{path.name}: cannot read its tags ({_reason(exc)})") from exc
    except OSError as exc:
        raise AudioError(f"{path.name}: cannot write tags ({_os_reason(exc)})") from exc
    log.debug("%s: wrote bpm=%s key=%s", path.name, bpm_text, key_text)


def _bpm_texts(bpm: float | None) -> tuple[str, str] | None:
    """``(whole number for ID3, up to two decimals for Vorbis)``."""
    if bpm is None:
        return None
    try:
        value = float(bpm)
    except (TypeError, ValueError):
        raise ConfigError(f"bpm must be a number, not {bpm!r}") from None
    if not math.isfinite(value) or not 0 < value <= _MAX_BPM:
        raise ConfigError(f"bpm must be above 0 and at most {_MAX_BPM:g}, not {bpm!r}")
    whole = str(max(1, round(value)))
    decimals = f"{value:.2f}".rstrip("0").rstrip(".")
    return whole, decimals


def _key_text(key: str | None) -> str | None:
    if key is None:
        return None
    try:
        return MusicalKey.parse(str(key)).short_name
    except ValueError:
        raise ConfigError(f"not a musical key: {key!r}") from None


def _write_id3(path: Path, container: str, bpm: tuple[str, str] | None, key: str | None) -> None:
    import mutagen.id3
    from mutagen.aiff import AIFF
    from mutagen.mp3 import MP3
    from mutagen.wave import WAVE

    id3: Any = mutagen.id3  # partly annotated; untyped calls would fail strict mypy

    kind: Any = {"mp3": MP3, "wave": WAVE, "aiff": AIFF}[container]
    audio = kind(path)
    if audio.tags is None:
        audio.add_tags()
    if bpm is not None:
        audio.tags.setall("TBPM", [id3.TBPM(encoding=id3.Encoding.LATIN1, text=[bpm[0]])])
    if key is not None:
        audio.tags.setall("TKEY", [id3.TKEY(encoding=id3.Encoding.LATIN1, text=[key])])
    # v2.3: what Windows, Serato and older players read; mutagen converts other frames as needed.
    audio.save(v2_version=3)


def _write_vorbis(path: Path, container: str, bpm: tuple[str, str] | None, key: str | None) -> None:
    import mutagen.flac
    from mutagen.oggflac import OggFLAC
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    audio: Any
    if container == "flac":
        flac: Any = mutagen.flac.FLAC
        audio = flac(path)
    else:
        import mutagen

        audio = mutagen.File(path, options=[OggVorbis, OggFLAC, OggOpus])
        if audio is None:
            raise DecodeError(f"{path.name}: not an Ogg Vorbis, FLAC or Opus stream")
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    if bpm is not None:
        tags["BPM"] = [bpm[1]]
    if key is not None:
        tags["INITIALKEY"] = [key]
        if "KEY" in tags:
            tags["KEY"] = [key]
    audio.save()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _os_reason(exc: OSError) -> str:
    return exc.strerror or _reason(exc)
