"""Recognise audio by its content, not by its name.

An upload called ``kick.wav`` may be a ZIP, a PNG or a script; :func:`sniff_audio` looks at the
first bytes and answers with the canonical extension of what they are (``"wav"``, ``"aiff"``,
``"flac"``, ``"ogg"``, ``"mp3"``), or refuses with an :class:`UnsupportedFormatError` saying what
the bytes look like instead. The checks, in order:

========  ===================================================================================
``wav``   ``RIFF``, ``RF64`` or ``BW64`` with the form type ``WAVE`` at offset 8
``aiff``  ``FORM`` with ``AIFF`` or ``AIFC`` at offset 8
``flac``  ``fLaC`` then a STREAMINFO block, at offset 0 or right after an ID3v2 tag
``ogg``   ``OggS`` whose first packet is a Vorbis, Opus or FLAC identification header
``mp3``   an ID3v2 tag then an MPEG audio frame header, or a bare frame header at offset 0
          whose frame is followed by a second one (when the head is long enough to see it)
========  ===================================================================================

An MPEG frame header is valid when it has the 11-bit sync (``0xFFE``) and no reserved version,
layer, bitrate, sample-rate or emphasis field; free-format streams (bitrate index 0, which almost
nothing writes) are not recognised. Anything else is named with the ``filetype`` package
(``"looks like a ZIP archive, not audio"``) or, failing that, as text or unrecognised bytes.

Sniffing is a cheap gate, not a validation: :func:`samplemind.audio.decode.decode` still checks
the header and caps what it reads.
"""

from __future__ import annotations

from pathlib import Path

# No py.typed in filetype; "unused-ignore" keeps this quiet once a mypy override exists.
import filetype  # type: ignore[import-untyped,unused-ignore]

from samplemind.errors import AudioNotFoundError, DecodeError, UnsupportedFormatError

__all__ = ["AUDIO_KINDS", "SNIFF_BYTES", "sniff_audio", "sniff_file"]

#: Bytes of the file's start to pass to :func:`sniff_audio`: enough for any container's magic,
#: the first Ogg page, two MPEG frames, and a typical ID3v2 tag before MP3 or FLAC data (a tag
#: carrying cover art can be larger; :func:`sniff_file` then reads past it).
SNIFF_BYTES = 8192

#: Every answer :func:`sniff_audio` can give.
AUDIO_KINDS: tuple[str, ...] = ("wav", "aiff", "flac", "ogg", "mp3")

_ID3_HEADER = 10
_MPEG_HEADER = 4

#: Bitrates in kbit/s by (MPEG-1?, layer) and 4-bit index; index 0 (free) and 15 are refused.
_BITRATES_KBPS: dict[tuple[bool, int], tuple[int, ...]] = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}

#: Sample rates in Hz by the 2-bit version field (0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1).
_SAMPLE_RATES_HZ: dict[int, tuple[int, int, int]] = {
    0: (11025, 12000, 8000),
    2: (22050, 24000, 16000),
    3: (44100, 48000, 32000),
}

#: Identification packets that open the first page of an Ogg stream.
_OGG_AUDIO = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC")
_OGG_OTHER = {
    b"\x80theora": "Theora video",
    b"\x80daala": "Daala video",
    b"BBCD\x00": "Dirac video",
    b"fishead\x00": "an Ogg Skeleton index",
    b"Speex   ": "Speex speech audio",
    b"\x7fCMML": "CMML text",
}

#: Human names for what ``filetype`` recognises; anything else is named by its extension.
_KIND_NAMES = {
    "7z": "a 7-Zip archive",
    "avi": "an AVI video",
    "bmp": "a BMP image",
    "bz2": "a bzip2 archive",
    "doc": "a Word document",
    "docx": "a Word document",
    "elf": "an ELF executable",
    "exe": "a Windows executable",
    "gif": "a GIF image",
    "gz": "a gzip archive",
    "jpg": "a JPEG image",
    "mid": "a MIDI file (notes, not audio)",
    "mkv": "a Matroska video",
    "mov": "a QuickTime video",
    "mp4": "an MP4 video",
    "pdf": "a PDF document",
    "png": "a PNG image",
    "rar": "a RAR archive",
    "sqlite": "an SQLite database",
    "tar": "a tar archive",
    "webm": "a WebM video",
    "webp": "a WebP image",
    "xlsx": "an Excel workbook",
    "xz": "an xz archive",
    "zip": "a ZIP archive",
    "zst": "a Zstandard archive",
}

# (extension, "") when recognised; (None, reason) when refused; None when the check does not apply.
_Verdict = tuple[str | None, str]


def sniff_audio(head: bytes) -> str:
    """The canonical extension of the audio format ``head`` starts, judged by content alone.

    Args:
        head: The first bytes of a file; pass :data:`SNIFF_BYTES` (or the whole file when it is
            shorter). Fewer may refuse MP3 or FLAC behind an ID3v2 tag.

    Returns:
        One of :data:`AUDIO_KINDS`.

    Raises:
        UnsupportedFormatError: not audio we decode; the message says what it looks like.

    Example:
        >>> sniff_audio(b"RIFF\\x24\\x00\\x00\\x00WAVEfmt ")
        'wav'
    """
    kind, reason = _identify(bytes(head))
    if kind is None:
        raise UnsupportedFormatError(reason)
    return kind


def sniff_file(path: Path) -> str:
    """:func:`sniff_audio` on the first :data:`SNIFF_BYTES` of ``path``.

    An ID3v2 tag larger than that (cover art) is skipped by seeking past it, so the audio after
    it is still checked.

    Args:
        path: A file.

    Returns:
        One of :data:`AUDIO_KINDS`.

    Raises:
        AudioNotFoundError: no such file, or not a regular file.
        DecodeError: the file cannot be read.
        UnsupportedFormatError: not audio we decode; the message names the file and says what it
            looks like.
    """
    path = Path(path)
    if not path.exists():
        raise AudioNotFoundError(f"{path}: no such file")
    if not path.is_file():
        raise AudioNotFoundError(f"{path}: not a regular file")
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
            end = _id3_end(head)
            if end is not None and end + _MPEG_HEADER > len(head):
                handle.seek(end)
                verdict = _after_id3(handle.read(SNIFF_BYTES))
            else:
                verdict = _identify(head)
    except OSError as exc:
        raise DecodeError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc
    kind, reason = verdict
    if kind is None:
        raise UnsupportedFormatError(f"{path.name}: {reason}")
    return kind


def _identify(head: bytes) -> _Verdict:
    if not head:
        return None, "no bytes to recognise: the file is empty"
    for check in (_riff, _iff, _flac, _ogg, _id3, _bare_mpeg):
        verdict = check(head)
        if verdict is not None:
            return verdict
    return None, _describe(head)


def _riff(head: bytes) -> _Verdict | None:
    if head[:4] not in (b"RIFF", b"RF64", b"BW64"):
        return None
    if head[8:12] == b"WAVE":
        return "wav", ""
    if len(head) < 12:
        return None, "looks like a truncated RIFF header, too short to hold its form type"
    name = _filetype_name(head)
    form = _fourcc(head[8:12])
    seen = (
        f"{name} (a RIFF container of type {form})" if name else f"a RIFF container of type {form}"
    )
    return None, f"looks like {seen}, not WAVE audio"


def _iff(head: bytes) -> _Verdict | None:
    if head[:4] != b"FORM":
        return None
    if head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff", ""
    if len(head) < 12:
        return None, "looks like a truncated IFF header, too short to hold its form type"
    return None, f"looks like an IFF container of type {_fourcc(head[8:12])}, not AIFF audio"


def _flac(head: bytes) -> _Verdict | None:
    if head[:4] != b"fLaC":
        return None
    # The first metadata block must be STREAMINFO (type 0), 34 bytes long.
    if len(head) >= 8 and (head[4] & 0x7F != 0 or int.from_bytes(head[5:8], "big") != 34):
        return None, "looks like a FLAC marker without its STREAMINFO block, not playable FLAC"
    return "flac", ""


def _ogg(head: bytes) -> _Verdict | None:
    if head[:4] != b"OggS":
        return None
    # Page header: 27 bytes, then one lacing byte per segment, then the first packet.
    if len(head) < 27 or head[4] != 0:
        return None, "looks like a damaged Ogg page header, not audio"
    packet = head[27 + head[26] :]
    if packet.startswith(_OGG_AUDIO):
        return "ogg", ""
    for magic, name in _OGG_OTHER.items():
        if packet.startswith(magic):
            return None, f"looks like an Ogg stream of {name}, not Vorbis, Opus or FLAC audio"
    if len(packet) < 8:
        return None, "looks like a truncated Ogg page, too short to show its codec"
    return None, (
        f"looks like an Ogg stream of an unknown codec ({packet[:8].hex(' ')}), "
        "not Vorbis, Opus or FLAC audio"
    )


def _id3(head: bytes) -> _Verdict | None:
    if head[:3] != b"ID3":
        return None
    end = _id3_end(head)
    if end is None:
        return None, "looks like a malformed ID3v2 tag, not audio"
    if end + _MPEG_HEADER > len(head):
        # The tag fills the bytes given (cover art, typically); by convention it tags MP3.
        return "mp3", ""
    return _after_id3(head[end:])


def _after_id3(rest: bytes) -> _Verdict:
    # Some writers pad past the declared tag size with zeros.
    data = rest.lstrip(b"\x00")
    flac = _flac(data)
    if flac is not None:
        return flac
    if _mpeg_frame_length(data) is not None:
        return "mp3", ""
    if not data:
        return None, "looks like an ID3v2 tag with no audio after it"
    name = _filetype_name(data)
    if name is None:
        return None, "looks like an ID3v2 tag followed by neither MPEG audio nor FLAC"
    return None, f"looks like an ID3v2 tag followed by {name}, not audio"


def _id3_end(head: bytes) -> int | None:
    """Offset just past an ID3v2 tag at the start of ``head``; None when there is no valid one."""
    if len(head) < _ID3_HEADER or head[:3] != b"ID3":
        return None
    version, revision, flags = head[3], head[4], head[5]
    size = head[6:10]
    if version not in (2, 3, 4) or revision == 0xFF or any(byte & 0x80 for byte in size):
        return None
    # Syncsafe: 7 bits per byte.
    length = (size[0] << 21) | (size[1] << 14) | (size[2] << 7) | size[3]
    footer = _ID3_HEADER if version == 4 and flags & 0x10 else 0
    return _ID3_HEADER + length + footer


def _bare_mpeg(head: bytes) -> _Verdict | None:
    length = _mpeg_frame_length(head)
    if length is None:
        return None
    following = head[length : length + _MPEG_HEADER]
    # One valid header is a 1-in-5000 accident in random bytes; two in a row are not.
    if len(following) == _MPEG_HEADER:
        if _mpeg_frame_length(following) is None:
            return None
        if (following[1] & 0xFE, following[2] & 0x0C) != (head[1] & 0xFE, head[2] & 0x0C):
            return None
    return "mp3", ""


def _mpeg_frame_length(header: bytes) -> int | None:
    """Bytes in the MPEG audio frame whose header starts ``header``; None when it is not one."""
    if len(header) < _MPEG_HEADER or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 0x03  # 0: 2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
    layer_bits = (header[1] >> 1) & 0x03  # 1: III, 2: II, 3: I, 0: reserved
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 0x03
    padding = (header[2] >> 1) & 0x01
    if (
        version == 1
        or layer_bits == 0
        or bitrate_index in (0, 15)
        or rate_index == 3
        or header[3] & 0x03 == 2  # reserved emphasis
    ):
        return None
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate_bps = _BITRATES_KBPS[(mpeg1, layer)][bitrate_index] * 1000
    rate_hz = _SAMPLE_RATES_HZ[version][rate_index]
    if layer == 1:
        return (12 * bitrate_bps // rate_hz + padding) * 4
    per_frame = 144 if layer == 2 or mpeg1 else 72
    return per_frame * bitrate_bps // rate_hz + padding


def _filetype_name(head: bytes) -> str | None:
    kind = filetype.guess(head)
    if kind is None:
        return None
    extension, mime = str(kind.extension), str(kind.mime)
    if extension in AUDIO_KINDS:
        # filetype's checks are looser than ours (any "ID3", any 0xFFFB): the magic is there,
        # the structure behind it is not.
        return f"damaged or fake {extension.upper()} data (the magic bytes without the structure)"
    if extension in _KIND_NAMES:
        return _KIND_NAMES[extension]
    if mime.startswith("audio/"):
        return f"{extension.upper()} audio ({mime}), which is not a format we decode"
    return f"a {extension.upper()} file ({mime})"


def _describe(head: bytes) -> str:
    name = _filetype_name(head)
    if name is not None:
        return f"looks like {name}, not audio"
    if _is_text(head):
        start = head[:24].decode("utf-8", errors="replace")
        return f"looks like text ({start!r}...), not audio"
    return f"not a recognised audio format (starts with bytes {head[:8].hex(' ')})"


def _is_text(head: bytes) -> bool:
    sample = head[:512]
    if b"\x00" in sample:
        return False
    text = sample.decode("utf-8", errors="replace")
    readable = sum((char.isprintable() and char != "\ufffd") or char in "\t\n\r\f" for char in text)
    # A multi-byte character cut at the end of the sample costs one replacement character.
    return readable >= 0.95 * len(text) - 1


def _fourcc(code: bytes) -> str:
    text = code.decode("latin-1")
    return repr(text) if text.isprintable() else code.hex(" ")
