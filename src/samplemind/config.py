"""One typed Settings object.

Values come, in increasing priority, from defaults, an optional ``samplemind.toml`` in the working
directory, and ``SAMPLEMIND_*`` environment variables. Settings are created by the caller and passed
in; nothing reads the environment at import time.

Example:
    >>> s = Settings(max_duration_s=60)
    >>> s.max_duration_s
    60.0
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = ["AnalysisLevelName", "Settings"]

AnalysisLevelName = Literal["basic", "standard", "detailed", "professional"]


def _key(name: str, *conventional: str) -> AliasChoices:
    """Read a provider key from ``SAMPLEMIND_<NAME>`` or the provider's own variable names."""
    return AliasChoices(f"SAMPLEMIND_{name.upper()}", *conventional, name)


#: Default models per provider (overridable with ``ai_models``), cheapest/fastest first.
DEFAULT_AI_MODELS: dict[str, list[str]] = {
    "ollama": ["llama3.3"],
    "openai": ["gpt-4o-mini", "gpt-4o"],
    "anthropic": ["claude-sonnet-4-5"],
    "google": ["gemini-2.5-flash", "gemini-2.5-pro"],
    "groq": ["llama-3.3-70b-versatile"],
    "deepseek": ["deepseek-chat"],
}


class Settings(BaseSettings):
    """Every tunable of SampleMind, with units in the names."""

    model_config = SettingsConfigDict(
        env_prefix="SAMPLEMIND_",
        toml_file="samplemind.toml",
        extra="forbid",
        validate_default=True,
    )

    # Decoding limits: never trust a header.
    max_duration_s: float = Field(900.0, gt=0, description="Refuse audio longer than this.")
    min_sample_rate_hz: int = Field(4_000, gt=0, description="Refuse lower sample rates.")
    max_sample_rate_hz: int = Field(768_000, gt=0, description="Refuse higher sample rates.")
    max_channels: int = Field(32, gt=0, description="Refuse more channels than this.")
    max_decoded_mb: int = Field(
        2_048, gt=0, description="Cap on decoded float32 samples in memory."
    )
    decode_block_frames: int = Field(65_536, gt=0, description="Frames decoded per block.")

    # Analysis.
    analysis_level: AnalysisLevelName = "standard"
    analysis_sample_rate_hz: int = Field(44_100, description="Rate analyzers work at.")

    # Worker isolation for batches.
    jobs: int | None = Field(None, ge=1, description="Worker processes; None means all cores.")
    worker_timeout_s: float = Field(120.0, gt=0, description="Per-file time limit.")
    worker_memory_mb: int = Field(3_072, ge=256, description="Per-worker address-space limit.")

    # Library storage. None means files under ``data_dir``.
    data_dir: Path | None = Field(
        None, description="Where the library lives; None: the user data dir (platformdirs)."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; "
        "None: SQLite file library.db in data_dir.",
    )
    chroma_url: str | None = Field(
        None, description="ChromaDB server (http://host:8000); None: embedded, in data_dir/chroma."
    )
    vector_backend: Literal["chroma", "memory"] = Field(
        "chroma", description="Similarity index backend."
    )
    scan_ignore: list[str] = Field(
        default_factory=lambda: ["__MACOSX", "$RECYCLE.BIN", "System Volume Information"],
        description="Folder names never scanned (hidden folders are always skipped).",
    )

    library_folders: list[Path] = Field(
        default_factory=list,
        description="Folders the library holds: what `POST /api/library/scans` scans and the "
        "API may serve audio from (besides the roots of recorded scans).",
    )

    # HTTP API (`samplemind serve`).
    api_host: str = Field("127.0.0.1", description="Address to bind; not loopback needs api_keys.")
    api_port: int = Field(8000, ge=0, le=65_535, description="Port to bind (0: any free one).")
    api_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Bearer keys; required (and checked) whenever the API listens beyond "
        "loopback, checked on loopback too when any is set.",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed to call the API."
    )
    upload_max_mb: float = Field(200.0, gt=0, description="Largest accepted upload (413 above).")
    rate_limit: str = Field(
        "60/minute",
        description="Per-client limit on expensive routes (uploads, analysis, similarity), "
        "in the `limits` notation: `N/second|minute|hour`, `;`-separated for several.",
    )
    api_workers: int | None = Field(
        None, ge=1, description="Processes analyzing uploads; None: half the cores, at least 1."
    )
    api_access_log: bool = Field(
        True, description="`samplemind serve` logs a line per request (uvicorn's access log)."
    )
    api_cache_mb: float = Field(
        64.0,
        ge=0,
        description="Memory for cached search pages and sample details (dropped on any write "
        "to the library, from any process); 0: off. SQLite only.",
    )
    web_dir: Path | None = Field(
        None, description="The built web app served at `/`; None: web/dist of the checkout."
    )
    allow_new_folders: bool = Field(
        True,
        description="Whether `POST /api/library/scans` may scan folders that are not yet "
        "library folders (the web app's 'Add folder'); off: only `library_folders` and the "
        "roots of earlier scans.",
    )
    map_method: Literal["auto", "pca", "tsne", "umap"] = Field(
        "auto", description="Sound map projection (`GET /api/map`); auto: see library/soundmap.py."
    )

    # Transforms (`samplemind process|master|stems`, docs/processing.md).
    process_timeout_s: float = Field(
        600.0, gt=0, description="Time limit of one transform in an isolated worker (API)."
    )
    demucs_model: str = Field("htdemucs", description="Demucs model for `stems --method demucs`.")
    demucs_repo: Path | None = Field(
        None,
        description="Folder holding demucs model files (offline use); None: demucs's own "
        "download cache.",
    )

    # AI layer (samplemind.ai). A provider is available when its key is set (Ollama and an
    # OpenAI-compatible endpoint: when their URL answers). Keys are secrets: never logged or shown.
    ollama_url: str | None = Field(
        "http://localhost:11434", description="Ollama server (OpenAI-compatible API); None: off."
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=_key("openai_api_key", "OPENAI_API_KEY")
    )
    anthropic_api_key: SecretStr | None = Field(
        None, validation_alias=_key("anthropic_api_key", "ANTHROPIC_API_KEY")
    )
    google_api_key: SecretStr | None = Field(
        None, validation_alias=_key("google_api_key", "GEMINI_API_KEY", "GOOGLE_API_KEY")
    )
    groq_api_key: SecretStr | None = Field(
        None, validation_alias=_key("groq_api_key", "GROQ_API_KEY")
    )
    deepseek_api_key: SecretStr | None = Field(
        None, validation_alias=_key("deepseek_api_key", "DEEPSEEK_API_KEY")
    )
    ai_base_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Per-provider API base URL overrides (a proxy, a gateway, a test server), "
        'e.g. {"openai": "http://127.0.0.1:9000/v1"}.',
    )
    openai_compatible_url: str | None = Field(
        None,
        description="Any OpenAI-compatible endpoint (vLLM, LM Studio, llama.cpp), e.g. "
        "http://gpu-box:8000/v1; its models are listed in ai_models['compatible'].",
    )
    openai_compatible_api_key: SecretStr | None = None
    ai_models: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_AI_MODELS.items()},
        description="Models per provider, cheapest/fastest first; a provider left out keeps "
        "its defaults.",
    )
    ai_routes: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Explicit chains, e.g. {"advice:quality": ["anthropic:claude-sonnet-4-5"]} or '
        '{"advice": [...]} for every priority; unavailable models are skipped.',
    )
    ai_prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict,
        description="USD per million (input, output) tokens for models genai-prices does not "
        'know, by "provider:model" (local Ollama and compatible models are free unless listed).',
    )
    ai_monthly_budget_usd: float | None = Field(
        None, ge=0, description="Once this month's spend reaches it, only free/local models run."
    )
    ai_timeout_s: float = Field(30.0, gt=0, description="Deadline for one model request.")
    ai_output_retries: int = Field(
        2, ge=0, description="Retries of one model when its structured output is invalid."
    )
    ai_breaker_failures: int = Field(
        3, ge=1, description="Consecutive failures after which a provider is skipped."
    )
    ai_breaker_cooldown_s: float = Field(
        60.0, gt=0, description="How long a tripped provider is skipped before one trial call."
    )
    ai_cache_ttl_s: float = Field(7 * 86_400, ge=0, description="Response cache lifetime; 0: off.")
    ai_cache_size: int = Field(2_048, ge=1, description="Entries in the in-process LRU cache.")
    ai_concurrency: int = Field(4, ge=1, description="Concurrent model calls in batches.")
    redis_url: str | None = Field(
        None, description="Redis for the shared AI response cache (redis://host:6379/0)."
    )

    def resolved_data_dir(self) -> Path:
        """``data_dir``, or the platform's user data directory for samplemind."""
        if self.data_dir is not None:
            return self.data_dir.expanduser()
        from platformdirs import user_data_path

        return user_data_path("samplemind", appauthor=False)

    def resolved_database_url(self) -> str:
        """``database_url``, or ``sqlite:///<data dir>/library.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir() / 'library.db'}"

    @classmethod
    def current(cls) -> Settings:
        """``Settings()`` as the environment and ``samplemind.toml`` say now, built once per change.

        Building settings reads and validates every source (~3 ms); a library call that is given
        none (``samplemind.analyze(path)`` in a loop) would pay that per file. The cached object
        is reused while the environment, the working directory and the config file's size and
        modification time are unchanged; each caller gets its own shallow copy.
        """
        toml = Path("samplemind.toml")
        try:
            stat = toml.stat()
            file_key: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            file_key = None
        key = (os.getcwd(), tuple(os.environ.items()), file_key)
        with _CURRENT_LOCK:
            cached = _CURRENT.get(cls)
            if cached is None or cached[0] != key:
                cached = (key, cls())
                _CURRENT[cls] = cached
        return cached[1].model_copy()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


_CURRENT: dict[type[Settings], tuple[object, Settings]] = {}
_CURRENT_LOCK = threading.Lock()
