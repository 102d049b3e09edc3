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
    │   ├── TooLongError               code="too_long"      longer than the configured limit
    │   └── TooShortError              code="too_short"     shorter than an operation needs
    ├── AnalysisError                  code="analysis_error" an analyzer failed on valid audio
    │   └── ModelError                 code="model"         a bundled model is missing or unreadable
    ├── ProcessingError                code="processing_error" a transform failed on valid audio
    ├── MissingDependencyError         code="missing_dependency" an optional part is not installed
    ├── QuerySyntaxError               code="query_syntax"  a search query that does not parse
    ├── NotFoundError                  code="record_not_found" a library record that does not exist
    │   ├── SampleNotFoundError        code="sample_not_found"
    │   └── CollectionNotFoundError    code="collection_not_found"
    ├── ConflictError                  code="conflict"      the record already exists
    │   ├── DuplicatePathError         code="duplicate_path"
    │   ├── DuplicateCollectionError   code="duplicate_collection"
    │   └── OutputExistsError          code="output_exists" a transform's output file exists
    ├── StorageError                   code="storage"       the database failed
    │   └── StorageUnavailableError    code="storage_unavailable" unreachable, locked, or gone
    ├── VectorIndexError               code="vector_index"  the similarity index failed
    ├── NotAnalyzedError               code="not_analyzed"  the sample lacks the analysis asked for
    ├── AccessDeniedError              code="access_denied" a file outside the library's folders
    ├── AuthenticationError            code="unauthorized"  no or a wrong API key
    ├── TooLargeError                  code="too_large"     an upload over the size limit
    ├── RateLimitError                 code="rate_limited"  too many expensive requests; retry later
    ├── AiError                        code="ai"            the AI layer could not answer
    │   ├── AiNotConfiguredError       code="ai_not_configured" no LLM provider configured
    │   ├── AiProviderError            code="ai_provider"   every model in the chain failed
    │   └── AiBudgetError              code="ai_budget"     monthly budget spent, no free model
    └── WorkerError                    code="worker"        the isolated worker died or timed out
        ├── WorkerTimeoutError         code="timeout"
        └── WorkerCrashError           code="worker_crash"  killed, e.g. by its memory limit

Each class has a stable machine-readable ``code``; ``str(exc)`` is the human message.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AccessDeniedError",
    "AiBudgetError",
    "AiError",
    "AiNotConfiguredError",
    "AiProviderError",
    "AnalysisError",
    "AudioError",
    "AudioNotFoundError",
    "AuthenticationError",
    "CollectionNotFoundError",
    "ConfigError",
    "ConflictError",
    "DecodeError",
    "DuplicateCollectionError",
    "DuplicatePathError",
    "EmptyAudioError",
    "HeaderLimitError",
    "MissingDependencyError",
    "ModelError",
    "NotAnalyzedError",
    "NotFoundError",
    "OutputExistsError",
    "ProcessingError",
    "QuerySyntaxError",
    "RateLimitError",
    "SampleMindError",
    "SampleNotFoundError",
    "StorageError",
    "StorageUnavailableError",
    "TooLargeError",
    "TooLongError",
    "TooShortError",
    "UnsupportedFormatError",
    "VectorIndexError",
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


class TooShortError(AudioError):
    """The audio is shorter than the operation needs (a mastering reference, say)."""

    code = "too_short"


class AnalysisError(SampleMindError):
    """An analyzer failed on audio that decoded fine."""

    code = "analysis_error"


class ModelError(AnalysisError):
    """A trained model file is missing, unreadable or does not fit its description."""

    code = "model"


class WorkerError(SampleMindError):
    """The isolated worker process could not finish the file."""

    code = "worker"


class WorkerTimeoutError(WorkerError):
    """The file took longer than the per-file time limit."""

    code = "timeout"


class WorkerCrashError(WorkerError):
    """The worker process died (for example at its memory limit)."""

    code = "worker_crash"


class ProcessingError(SampleMindError):
    """A transform (stretch, normalize, master, separate ...) cannot be done on this audio."""

    code = "processing_error"


class MissingDependencyError(SampleMindError):
    """An optional component (e.g. demucs and its model weights) is not installed; the
    message says how to install it."""

    code = "missing_dependency"


class QuerySyntaxError(SampleMindError):
    """A search query that does not parse; ``position`` points at the bad token."""

    code = "query_syntax"

    def __init__(self, message: str, *, query: str = "", position: int = 0, length: int = 1):
        super().__init__(message)
        self.query = query
        self.position = position
        self.length = max(1, length)

    def pointer(self) -> str:
        """The query and a caret line under the bad token, for terminals."""
        return f"{self.query}\n{' ' * self.position}{'^' * self.length}"

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "position": str(self.position)}


class NotFoundError(SampleMindError):
    """A library record that does not exist."""

    code = "record_not_found"


class SampleNotFoundError(NotFoundError):
    code = "sample_not_found"


class CollectionNotFoundError(NotFoundError):
    code = "collection_not_found"


class ConflictError(SampleMindError):
    """The record already exists."""

    code = "conflict"


class DuplicatePathError(ConflictError):
    code = "duplicate_path"


class DuplicateCollectionError(ConflictError):
    code = "duplicate_collection"


class OutputExistsError(ConflictError):
    """The output file of a transform exists; nothing is replaced unless asked."""

    code = "output_exists"


class StorageError(SampleMindError):
    """The database failed."""

    code = "storage"


class StorageUnavailableError(StorageError):
    """The database is unreachable, locked or gone."""

    code = "storage_unavailable"


class VectorIndexError(SampleMindError):
    """The similarity index failed."""

    code = "vector_index"


class AccessDeniedError(SampleMindError):
    """The file is outside the library's folders (whatever the database says)."""

    code = "access_denied"


class AuthenticationError(SampleMindError):
    """No API key, or not one of the configured keys."""

    code = "unauthorized"


class TooLargeError(SampleMindError):
    """An upload larger than the configured limit."""

    code = "too_large"


class RateLimitError(SampleMindError):
    """Too many expensive requests from one client; ``retry_after_s`` says when to try again."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, retry_after_s)


class NotAnalyzedError(SampleMindError):
    """The sample has not been analyzed (far enough) for what was asked, e.g. similarity after
    a BASIC-level analysis."""

    code = "not_analyzed"


class AiError(SampleMindError):
    """The AI layer could not answer."""

    code = "ai"


class AiNotConfiguredError(AiError):
    """No LLM provider is configured (no API key, no reachable Ollama) for what was asked."""

    code = "ai_not_configured"


class AiProviderError(AiError):
    """Every model in the route's chain failed; ``attempts`` lists ``(model, reason)``."""

    code = "ai_provider"

    def __init__(self, message: str, *, attempts: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.attempts = attempts


class AiBudgetError(AiError):
    """The monthly AI budget is spent and no free (local) model is available."""

    code = "ai_budget"
