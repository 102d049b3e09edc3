"""What a transform is asked to do, as data: parsed from the CLI's and the API's strings.

Every parser raises :class:`~samplemind.errors.ConfigError` with the accepted forms, so a typo
costs one clear message (exit code 2 in the CLI, 400 from the API).

Example:
    >>> OutputFormat.parse("wav24").subtype
    'PCM_24'
    >>> LoudnessTarget.parse("-14LUFS").true_peak_dbtp  # a LUFS target keeps a -1 dBTP ceiling
    -1.0
    >>> parse_duration_ms("0.5s")
    500.0
    >>> parse_pitch_target("Am"), parse_pitch_target("C#3")
    (MusicalKey(tonic=9, mode=<Mode.MINOR: 'minor'>), 49)
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from samplemind.domain.music import MusicalKey, note_name_to_midi
from samplemind.errors import ConfigError

__all__ = [
    "CONTAINERS",
    "DEFAULT_CEILING_DBTP",
    "Container",
    "LoudnessTarget",
    "OutputFormat",
    "ProcessSpec",
    "parse_duration_ms",
    "parse_pitch_target",
]

Container = Literal["wav", "aiff", "flac", "mp3", "ogg"]
CONTAINERS: tuple[str, ...] = ("wav", "aiff", "flac", "mp3", "ogg")

#: The true-peak ceiling a LUFS target keeps when none is given (EBU R128 / streaming: -1 dBTP).
DEFAULT_CEILING_DBTP = -1.0

_EXTENSIONS: dict[str, Container] = {
    ".wav": "wav",
    ".wave": "wav",
    ".aif": "aiff",
    ".aiff": "aiff",
    ".aifc": "aiff",
    ".flac": "flac",
    ".mp3": "mp3",
    ".ogg": "ogg",
    ".oga": "ogg",
}
_SOUNDFILE_FORMAT = {"wav": "WAV", "aiff": "AIFF", "flac": "FLAC", "mp3": "MP3", "ogg": "OGG"}
_PCM_DEPTHS = {"wav": (8, 16, 24, 32), "aiff": (8, 16, 24, 32), "flac": (8, 16, 24)}
_FORMAT_RE = re.compile(
    r"^\s*(wav|wave|aiff?|flac|mp3|ogg)\s*[-_ ]?\s*(8|16|24|32)?\s*(f|float)?\s*$"
)
_LEVEL_RE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(lufs|lkfs|dbtp|dbfs)\s*$", re.IGNORECASE)
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$", re.IGNORECASE)

_FORMS = "wav, wav16, wav24, wav32, wav32f, aiff[16|24|32], flac[16|24], mp3, ogg"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OutputFormat(_Frozen):
    """A container and, for PCM, its sample format: ``wav24``, ``flac16``, ``wav32f``, ``mp3``.

    ``bit_depth`` None for a lossless container means "as the source was" (16 or 24 bit),
    resolved by :meth:`resolved`.
    """

    container: Container
    bit_depth: Literal[8, 16, 24, 32] | None = None
    floating: bool = Field(False, description="32-bit float samples (WAV and AIFF only).")

    @classmethod
    def parse(cls, text: str) -> OutputFormat:
        """``"wav24"``, ``"WAV 16"``, ``"wav32f"``, ``"flac"``, ``"aiff"``, ``"mp3"``, ``"ogg"``.

        Raises:
            ConfigError: not one of those forms.
        """
        match = _FORMAT_RE.match(text.lower())
        if not match:
            raise ConfigError(f"unknown output format {text!r}; valid: {_FORMS}")
        name, depth, floating = match.groups()
        container: Container = {"wave": "wav", "aif": "aiff"}.get(name, name)  # type: ignore[assignment]
        bits = int(depth) if depth else None
        if floating and bits not in (None, 32):
            raise ConfigError(f"{text!r}: float samples are 32-bit (wav32f)")
        return cls.checked(container, 32 if floating else bits, floating=bool(floating))

    @classmethod
    def checked(
        cls, container: Container, bit_depth: int | None, *, floating: bool
    ) -> OutputFormat:
        """Validate a combination (FLAC has no 32-bit, MP3 and Ogg no bit depth)."""
        if container in ("mp3", "ogg"):
            if bit_depth is not None or floating:
                raise ConfigError(f"{container} is compressed: it has no bit depth")
        elif floating:
            if container == "flac":
                raise ConfigError("FLAC has no float samples; use wav32f or aiff32f")
        elif bit_depth is not None and bit_depth not in _PCM_DEPTHS[container]:
            valid = ", ".join(str(d) for d in _PCM_DEPTHS[container])
            raise ConfigError(f"{container} takes {valid}-bit samples, not {bit_depth}")
        return cls(container=container, bit_depth=bit_depth, floating=floating)

    @classmethod
    def from_path(cls, path: str | Path) -> OutputFormat:
        """The container an output path's extension names.

        Raises:
            ConfigError: an extension we do not write.
        """
        suffix = Path(path).suffix.lower()
        if suffix not in _EXTENSIONS:
            valid = " ".join(sorted(_EXTENSIONS))
            raise ConfigError(f"{Path(path).name}: cannot write {suffix or 'that'}; valid: {valid}")
        return cls(container=_EXTENSIONS[suffix])

    @classmethod
    def like_source(
        cls, source_format: str | None, bit_depth: int | None, *, floating: bool
    ) -> OutputFormat:
        """The source's own format when we write it losslessly; 24-bit WAV for lossy or
        unknown sources (a transform re-encoded to MP3 again would lose twice)."""
        container = {
            "WAV": "wav",
            "WAVEX": "wav",
            "AIFF": "aiff",
            "AIFC": "aiff",
            "FLAC": "flac",
        }.get((source_format or "").upper())
        if container is None:
            return cls(container="wav", bit_depth=24)
        if floating and container != "flac":
            return cls(container=container, bit_depth=32, floating=True)
        depth = bit_depth if bit_depth in _PCM_DEPTHS[container] else 24
        return cls(container=container, bit_depth=depth)

    @property
    def lossy(self) -> bool:
        return self.container in ("mp3", "ogg")

    @property
    def extension(self) -> str:
        return f".{self.container}"

    @property
    def soundfile_format(self) -> str:
        return _SOUNDFILE_FORMAT[self.container]

    @property
    def subtype(self) -> str:
        """libsndfile's subtype: ``PCM_24``, ``FLOAT``, ``VORBIS``, ``MPEG_LAYER_III``."""
        if self.container == "mp3":
            return "MPEG_LAYER_III"
        if self.container == "ogg":
            return "VORBIS"
        if self.floating:
            return "FLOAT"
        depth = self.bit_depth or 24
        if depth == 8:
            return "PCM_U8" if self.container == "wav" else "PCM_S8"
        return f"PCM_{depth}"

    @property
    def label(self) -> str:
        """``"wav24"``, ``"wav32f"``, ``"mp3"``: the form :meth:`parse` reads."""
        if self.lossy:
            return self.container
        return f"{self.container}{self.bit_depth or 24}{'f' if self.floating else ''}"


class LoudnessTarget(_Frozen):
    """Normalize to an integrated loudness (BS.1770 LUFS), a true-peak level, or both.

    With ``lufs`` the gain reaches that loudness unless the true peak would pass
    ``true_peak_dbtp`` (the ceiling; -1 dBTP by default): then the gain stops at the ceiling
    (the result is quieter than asked, and says so), or, with ``limiter``, a brick-wall limiter
    holds the peaks so the loudness is met. Without ``lufs`` the true peak is brought to
    ``true_peak_dbtp`` (peak normalization).
    """

    lufs: float | None = Field(None, ge=-70.0, le=0.0)
    true_peak_dbtp: float | None = Field(None, ge=-60.0, le=0.0)
    limiter: bool = False

    @classmethod
    def parse(cls, text: str, *, limiter: bool = False) -> LoudnessTarget:
        """``"-14LUFS"``, ``"-1dBTP"``, ``"-14LUFS,-1dBTP"`` (or ``/`` between them).

        Raises:
            ConfigError: anything else, or values out of range.
        """
        lufs: float | None = None
        ceiling: float | None = None
        parts = [p for p in re.split(r"[,/;]|\s+(?=[+-]?\d)", text) if p.strip()]
        if not parts:
            raise ConfigError("empty loudness target; e.g. -14LUFS, -1dBTP or -14LUFS,-1dBTP")
        for part in parts:
            match = _LEVEL_RE.match(part)
            if not match:
                raise ConfigError(
                    f"loudness target {part.strip()!r} is not one of "
                    "-14LUFS, -1dBTP, -14LUFS,-1dBTP"
                )
            value, unit = float(match.group(1)), match.group(2).lower()
            if unit in ("lufs", "lkfs"):
                if lufs is not None:
                    raise ConfigError(f"{text!r}: two loudness targets")
                lufs = value
            else:
                if ceiling is not None:
                    raise ConfigError(f"{text!r}: two peak levels")
                ceiling = value
        return cls.of(lufs, ceiling, limiter=limiter)

    @classmethod
    def of(
        cls, lufs: float | None, true_peak_dbtp: float | None, *, limiter: bool = False
    ) -> LoudnessTarget:
        """Checked construction (ConfigError, not a validation error, for bad values)."""
        if lufs is None and true_peak_dbtp is None:
            raise ConfigError("a loudness target needs LUFS, dBTP or both")
        if lufs is not None and not -70.0 <= lufs <= 0.0:
            raise ConfigError(f"{lufs:g} LUFS is out of range (-70..0)")
        if true_peak_dbtp is not None and not -60.0 <= true_peak_dbtp <= 0.0:
            raise ConfigError(
                f"a true-peak level of {true_peak_dbtp:g} dBTP is out of range (-60..0)"
            )
        if lufs is not None and true_peak_dbtp is None:
            true_peak_dbtp = DEFAULT_CEILING_DBTP
        return cls(lufs=lufs, true_peak_dbtp=true_peak_dbtp, limiter=limiter)

    @property
    def label(self) -> str:
        parts = []
        if self.lufs is not None:
            parts.append(f"{self.lufs:g} LUFS")
        if self.true_peak_dbtp is not None:
            parts.append(f"{self.true_peak_dbtp:g} dBTP")
        return ", ".join(parts)


def parse_duration_ms(text: str | float) -> float:
    """``"10ms"``, ``"0.5s"``, ``"10"`` (milliseconds) → milliseconds, 0..60,000.

    Raises:
        ConfigError: not a duration.
    """
    if isinstance(text, int | float):
        value = float(text)
    else:
        match = _DURATION_RE.match(text)
        if not match:
            raise ConfigError(f"{text!r} is not a duration; e.g. 10ms or 0.5s")
        value = float(match.group(1)) * (1000.0 if (match.group(2) or "").lower() == "s" else 1.0)
    if not (math.isfinite(value) and 0.0 <= value <= 60_000.0):
        raise ConfigError(f"a fade of {value:g} ms is out of range (0..60 s)")
    return value


def parse_pitch_target(text: str) -> MusicalKey | int:
    """A key (``"Am"``, ``"F# minor"``, ``"8A"``, ``"C"``) or a note with an octave
    (``"C3"``, ``"F#2"``: a MIDI number; MIDI 60 = C4).

    Raises:
        ConfigError: neither.
    """
    try:
        midi = note_name_to_midi(text.strip())
    except ValueError:
        pass
    else:
        if not 0 <= midi <= 127:
            raise ConfigError(f"note {text!r} is outside MIDI 0..127")
        return midi
    try:
        return MusicalKey.parse(text)
    except ValueError:
        raise ConfigError(
            f"{text!r} is neither a key (Am, F# minor, 8A, C) nor a note with an octave (C3, F#2)"
        ) from None


class ProcessSpec(_Frozen):
    """The transforms of ``samplemind process``, applied in this fixed order:

    1. ``trim_silence``: cut leading and trailing audio below ``trim_threshold_dbfs``;
    2. ``stretch_to_bpm`` / ``shift_to`` / ``semitones``: one Rubber Band pass (pedalboard)
       that changes tempo and pitch independently;
    3. ``mono`` and ``sample_rate_hz``: channel mix-down and resampling (soxr, very high
       quality);
    4. ``fade_in_ms`` / ``fade_out_ms``: equal-power (sine) fades;
    5. ``normalize``: gain (and optional limiter) to a loudness target, measured by the same
       BS.1770 meter and 4x-oversampled true peak as the analysis;
    6. ``format``: written with TPDF dither when reduced to 16 bits or fewer.

    ``source_bpm`` / ``source_key`` / ``source_note`` override what the analysis says about the
    source (when it is wrong, or missing).
    """

    trim_silence: bool = False
    trim_threshold_dbfs: float = Field(-60.0, ge=-120.0, le=-20.0)
    stretch_to_bpm: float | None = Field(None, gt=0)
    shift_to: str | None = Field(None, description="A key (Am, 8A) or a note (C3).")
    semitones: float | None = Field(None, ge=-24.0, le=24.0, description="An explicit shift.")
    source_bpm: float | None = Field(None, gt=0)
    source_key: str | None = None
    source_note: str | None = None
    mono: bool = False
    sample_rate_hz: int | None = Field(None, ge=8_000, le=384_000)
    fade_in_ms: float = Field(0.0, ge=0.0, le=60_000.0)
    fade_out_ms: float = Field(0.0, ge=0.0, le=60_000.0)
    normalize: LoudnessTarget | None = None
    format: OutputFormat | None = None

    @classmethod
    def of(cls, **values: Any) -> ProcessSpec:
        """A checked spec from keyword values; every problem is a ConfigError naming the field.

        Raises:
            ConfigError: a value out of range, or a rule of :meth:`check` broken.
        """
        try:
            spec = cls(**values)
        except ValidationError as exc:
            parts = []
            for error in exc.errors()[:3]:
                where = ".".join(str(p) for p in error.get("loc", ())) or "value"
                cause = error.get("ctx", {}).get("error")
                message = cause.message if isinstance(cause, ConfigError) else error.get("msg")
                parts.append(f"{where}: {message}")
            raise ConfigError("; ".join(parts)) from None
        return spec.check()

    @field_validator("shift_to", "source_key", "source_note")
    @classmethod
    def _pitch(cls, value: str | None) -> str | None:
        if value is not None:
            parse_pitch_target(value)  # ConfigError early, not at render time
        return value

    def check(self) -> ProcessSpec:
        """Cross-field rules. Raises: ConfigError."""
        if self.shift_to is not None and self.semitones is not None:
            raise ConfigError("give either a target key/note or a number of semitones, not both")
        if self.source_key is not None and not isinstance(
            parse_pitch_target(self.source_key), MusicalKey
        ):
            raise ConfigError(f"source key {self.source_key!r} is a note; use source_note")
        if self.source_note is not None and isinstance(
            parse_pitch_target(self.source_note), MusicalKey
        ):
            raise ConfigError(f"source note {self.source_note!r} needs an octave, e.g. C3")
        if self.is_empty:
            raise ConfigError(
                "nothing to do: give --normalize, --trim-silence, --fade, --stretch-to, "
                "--shift-to/--semitones, --mono, --sample-rate or --format"
            )
        return self

    @property
    def is_empty(self) -> bool:
        return not (
            self.trim_silence
            or self.stretch_to_bpm is not None
            or self.shift_to is not None
            or self.semitones is not None
            or self.mono
            or self.sample_rate_hz is not None
            or self.fade_in_ms > 0
            or self.fade_out_ms > 0
            or self.normalize is not None
            or self.format is not None
        )

    @property
    def needs_tempo(self) -> bool:
        return self.stretch_to_bpm is not None and self.source_bpm is None

    @property
    def needs_pitch(self) -> bool:
        return self.shift_to is not None and self.source_key is None and self.source_note is None
