"""The AI layer over a real scanned library and protocol-faithful LLM servers on 127.0.0.1.

No test reaches the internet: every provider's base URL points at a :class:`FakeLLM`, and the
environment's provider keys are removed so no real key is ever picked up.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from samplemind.ai.service import AiService
from samplemind.config import Settings
from samplemind.demo import create_demo_library
from samplemind.library import Library, ScanOptions, open_library
from tests.ai.fakellm import FakeLLM

T = TypeVar("T")

PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GROQ_API_KEY",
    "DEEPSEEK_API_KEY",
    "OPENAI_BASE_URL",
    "OLLAMA_BASE_URL",
    "GROQ_BASE_URL",
)


@pytest.fixture(autouse=True)
def _no_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("SAMPLEMIND_") and any(
            word in name for word in ("API_KEY", "OLLAMA", "REDIS", "AI_", "COMPATIBLE")
        ):
            monkeypatch.delenv(name)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture(scope="session")
def demo_scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo library (30 files with known answers), scanned once; tests copy its data."""
    root = tmp_path_factory.mktemp("ai-lib")
    demo, data = root / "demo", root / "data"
    create_demo_library(demo)
    with open_library(Settings(data_dir=data, vector_backend="memory", ollama_url=None)) as lib:
        summary = lib.scan([demo], options=ScanOptions(jobs=2))
    assert summary.analyzed == 30
    return demo, data


@dataclass
class Fakes:
    openai: FakeLLM
    anthropic: FakeLLM
    gemini: FakeLLM
    ollama: FakeLLM

    def all(self) -> list[FakeLLM]:
        return [self.openai, self.anthropic, self.gemini, self.ollama]


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    with (
        FakeLLM("openai") as openai,
        FakeLLM("anthropic") as anthropic,
        FakeLLM("gemini") as gemini,
        FakeLLM("openai", ollama_models=["llama3.3:latest"]) as ollama,
    ):
        servers = Fakes(openai, anthropic, gemini, ollama)
        yield servers
        for server in servers.all():
            assert not server.failures, server.failures  # a script the test got wrong


def provider_settings(fakes: Fakes, providers: tuple[str, ...]) -> dict[str, Any]:
    """Keys and base URLs that point ``providers`` at the fake servers."""
    urls = {
        "openai": fakes.openai.url + "/v1",
        "deepseek": fakes.openai.url + "/v1",
        "groq": fakes.openai.url,  # the Groq SDK adds /openai/v1
        "anthropic": fakes.anthropic.url,
        "google": fakes.gemini.url,
    }
    values: dict[str, Any] = {"ai_base_urls": {p: urls[p] for p in providers if p in urls}}
    for provider in providers:
        if provider in urls:
            values[f"{provider}_api_key"] = f"sk-test-{provider}-SECRET"
    values["ollama_url"] = fakes.ollama.url if "ollama" in providers else None
    if "compatible" in providers:
        values["openai_compatible_url"] = fakes.openai.url + "/v1"
        values["ai_models"] = {"compatible": ["local-model"]}
    return values


@pytest.fixture
def data_dir(demo_scanned: tuple[Path, Path], tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(demo_scanned[1], data)
    return data


@pytest.fixture
def make_ai(data_dir: Path, fakes: Fakes) -> Iterator[Any]:
    """``make_ai(providers=("openai",), **settings)`` → an AiService over a copy of the demo
    library whose providers are the fakes."""
    made: list[tuple[AiService, Library]] = []

    def make(providers: tuple[str, ...] = ("openai",), **changes: Any) -> AiService:
        values: dict[str, Any] = {
            "data_dir": data_dir,
            "vector_backend": "memory",
            "ai_timeout_s": 5.0,
            **provider_settings(fakes, providers),
        }
        values.update(changes)
        settings = Settings(**values)
        library = open_library(settings)
        service = AiService(library, settings)
        made.append((service, library))
        return service

    yield make
    for service, library in made:
        service.ledger.close()
        library.close()


DESCRIPTION = {
    "description": "A deep, punchy kick with a short tail.",
    "genres": ["House", "techno"],
    "moods": ["dark"],
    "instrument": "Kick",
    "character": ["punchy", "tight", "deep"],
    "use_cases": ["drop"],
}


@pytest.fixture
def api(data_dir: Path, fakes: Fakes) -> Iterator[Any]:
    """``make(providers, **settings)``: a TestClient over the copied demo library, its providers
    pointed at the fakes; every client made is closed afterwards."""
    from fastapi.testclient import TestClient

    from samplemind.api import create_app

    clients: list[TestClient] = []

    def make(providers: tuple[str, ...] = ("openai",), **changes: Any) -> TestClient:
        settings = Settings(
            data_dir=data_dir,
            vector_backend="memory",
            **provider_settings(fakes, providers),
            **changes,
        )
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
