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

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = ["AnalysisLevelName", "Settings"]

AnalysisLevelName = Literal["basic", "standard", "detailed", "professional"]


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
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))
