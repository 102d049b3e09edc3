"""One exception tree for SampleMind.

Every error the package raises on purpose is a :class:`SampleMindError`. Third-party exceptions are
wrapped where they enter (``raise DecodeError(...) from exc``) and translated exactly once per
delivery layer (the CLI's ``main()``)::

    SampleMindError                    code="error"
    ├── ConfigError                    code="config"        bad settings or parameters
    ├── AudioError                     code="audio"         anything about one audio file
    │   ├── AudioNotFoundError         code="not_found"     no such file, or not a file
    │   ├── UnsupportedFormatError     code="unsupported_format"
    │   ├── DecodeError                code="decode_error"  unreadable, corrupt or truncated data
    │   ├── EmptyAudioError            code="empty_audio"   zero frames
    │   ├── HeaderLimitError           code="absurd_header" header declares impossible facts
    │   └── TooLongError               code="too_long"      longer than the configured limit
    ├── AnalysisError                  code="analysis_error" an analyzer failed on valid audio
    └── WorkerError                    code="worker"        the isolated worker died or timed out
        ├── WorkerTimeoutError         code="timeout"
        └── WorkerCrashError           code="worker_crash"  killed, e.g. by its memory limit

Each class has a stable machine-readable ``code``; ``str(exc)`` is the human message.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AnalysisError",
    "AudioError",
    "AudioNotFoundError",
    "ConfigError",
    "DecodeError",
    "EmptyAudioError",
    "HeaderLimitError",
    "SampleMindError",
    "TooLongError",
    "UnsupportedFormatError",
    "WorkerCrashError",
    "WorkerError",
    "WorkerTimeoutError",
]


class SampleMindError(Exception):
    """Base of every error SampleMind raises on purpose."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """The problem body used by every delivery layer: ``{"code", "message"}``."""
        return {"code": self.code, "message": self.message}


class ConfigError(SampleMindError):
    """Invalid settings or parameters."""

    code = "config"


class AudioError(SampleMindError):
    """A problem with one audio file."""

    code = "audio"


class AudioNotFoundError(AudioError):
    """No such file, or the path is not a regular file."""

    code = "not_found"


class UnsupportedFormatError(AudioError):
    """The file is not in a format we decode."""

    code = "unsupported_format"


class DecodeError(AudioError):
    """The data is unreadable, corrupt or truncated."""

    code = "decode_error"


class EmptyAudioError(AudioError):
    """The file decodes to zero frames."""

    code = "empty_audio"


class HeaderLimitError(AudioError):
    """The header declares an absurd length, sample rate or channel count."""

    code = "absurd_header"


class TooLongError(AudioError):
    """The audio is longer than the configured limit."""

    code = "too_long"


class AnalysisError(SampleMindError):
    """An analyzer failed on audio that decoded fine."""

    code = "analysis_error"


class WorkerError(SampleMindError):
    """The isolated worker process could not finish the file."""

    code = "worker"


class WorkerTimeoutError(WorkerError):
    """The file took longer than the per-file time limit."""

    code = "timeout"


class WorkerCrashError(WorkerError):
    """The worker process died (for example at its memory limit)."""

    code = "worker_crash"
