"""The built web app at ``/``: files as they are, the SPA fallback for the app's routes, and
never in the way of the server's own paths."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A built app as Vite lays it out."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><div id=root></div>")
    (root / "assets" / "index-abc123.js").write_text("console.log('app');" * 100)
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (root / "manifest.webmanifest").write_text('{"name": "SampleMind"}')
    (tmp_path / "secret.txt").write_text("not for the web")
    return root


@pytest.fixture
def web(make_client: Callable[..., TestClient], dist: Path) -> TestClient:
    return make_client(web_dir=dist)


def test_index_and_app_routes_get_the_page(web: TestClient) -> None:
    for path in ("/", "/library", "/search", "/samples/12", "/map", "/scan/folders"):
        response = web.get(path, params={"q": "kick bpm:120..128"})
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert "<div id=root>" in response.text
        assert response.headers["cache-control"] == "no-cache"  # a new build shows at once


def test_files_are_served_with_cache_headers(web: TestClient) -> None:
    asset = web.get("/assets/index-abc123.js")
    assert asset.status_code == 200 and asset.text.startswith("console.log")
    assert "immutable" in asset.headers["cache-control"]  # hashed name: cache forever
    assert asset.headers["content-encoding"] == "gzip"  # through the API's GZip middleware
    worker = web.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["cache-control"] == "no-cache"
    assert web.get("/manifest.webmanifest").json() == {"name": "SampleMind"}


def test_missing_files_and_escapes_are_404_not_the_page(web: TestClient) -> None:
    for path in ("/assets/index-old.js", "/favicon.png", "/assets/deep/x", "/../secret.txt"):
        response = web.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    escaped = web.get("/%2e%2e/secret.txt")
    assert escaped.status_code == 404 and "not for the web" not in escaped.text


@pytest.mark.parametrize(
    "path", ["/api/nothing", "/api/samples/x/y/z", "/health/x", "/ready/x", "/metrics/x", "/docs"]
)
def test_server_paths_are_never_shadowed(web: TestClient, path: str) -> None:
    response = web.get(path)
    assert response.status_code in (404, 422), path
    assert response.headers["content-type"] == "application/json"


def test_the_server_routes_still_answer(web: TestClient) -> None:
    assert web.get("/health").json()["status"] == "ok"
    assert web.get("/ready").status_code == 200
    assert web.get("/api/stats").json()["samples"] == 6
    assert web.get("/api/openapi.json").json()["info"]["title"] == "SampleMind AI"
    assert web.get("/api/docs").headers["content-type"].startswith("text/html")
    assert web.get("/metrics").text.startswith("#")


def test_an_unbuilt_app_says_how_to_build_it(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(web_dir=tmp_path / "not-built")
    response = client.get("/search")
    assert response.status_code == 200 and "make run" in response.text
    assert client.get("/api/stats").status_code == 200
