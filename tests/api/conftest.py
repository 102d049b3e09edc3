"""The API over a real library: SQLite in a temp data dir, files generated once per session,
scanned once and copied per test (tests may change records; they never change files)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samplemind.api import create_app
from samplemind.config import Settings
from samplemind.library import open_library
from tests.signals import chord, click_track, noise, tone, write


@pytest.fixture(scope="session")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(library folder, data dir of the scanned library): the template every test copies."""
    base = tmp_path_factory.mktemp("api-library")
    folder = base / "Samples"
    write(folder / "Bass" / "Sub_A1.wav", tone(33, 1.0))
    write(folder / "Keys" / "Keys_C4.wav", tone(60, 1.0))
    write(folder / "Drums" / "HH_Closed.wav", noise(0.15, level=0.3))
    write(folder / "Loops" / "Beat_120.wav", click_track(120, 2))
    write(folder / "Loops" / "Chords_Am.flac", chord([57, 60, 64], 4.0, decay=0.1))
    shutil.copy(folder / "Drums" / "HH_Closed.wav", folder / "Drums" / "HH_Closed copy.wav")
    data = base / "data"
    with open_library(_settings(folder, data)) as library:
        summary = library.scan([folder])
    assert summary.analyzed == 6 and summary.failed == 0
    return folder, data


def _settings(folder: Path, data: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data,
        "vector_backend": "memory",
        "library_folders": [folder],
        "jobs": 2,
        "api_workers": 1,
    }
    values.update(changes)
    return Settings(**values)


@pytest.fixture
def library_folder(scanned: tuple[Path, Path]) -> Path:
    return scanned[0]


@pytest.fixture
def make_settings(scanned: tuple[Path, Path], tmp_path: Path) -> Callable[..., Settings]:
    """Settings over a fresh copy of the scanned library (``**changes`` override)."""

    def make(**changes: Any) -> Settings:
        data = tmp_path / "data"
        if not data.exists():
            shutil.copytree(scanned[1], data)
        return _settings(scanned[0], data, **changes)

    return make


@pytest.fixture
def make_client(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., TestClient]]:
    """``make_client(**settings_changes)``: a client whose app shuts down after the test."""
    clients: list[TestClient] = []

    def make(*, raise_server_exceptions: bool = True, **changes: Any) -> TestClient:
        client = TestClient(
            create_app(make_settings(**changes)), raise_server_exceptions=raise_server_exceptions
        )
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
