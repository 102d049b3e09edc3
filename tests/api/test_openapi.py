"""The web app's client is generated from the committed ``web/openapi.json``: it must be the
document the API serves now, so a route added or changed without ``make client`` fails here."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from samplemind.api.openapi import main, openapi_document, openapi_text

COMMITTED = Path(__file__).resolve().parents[2] / "web" / "openapi.json"


def test_the_committed_spec_is_current() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == openapi_text(), (
        "web/openapi.json is stale: run `make client` (it regenerates web/src/api/schema.d.ts too)"
    )


def test_it_is_what_the_server_serves(client: TestClient) -> None:
    assert client.get("/api/openapi.json").json() == openapi_document()


def test_main_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "spec.json"
    assert main([str(target)]) == 0
    assert json.loads(target.read_text())["info"]["title"] == "SampleMind AI"
    assert "/api/map" in json.loads(target.read_text())["paths"]
