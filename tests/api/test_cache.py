"""The response cache: search pages and sample details come back from memory until anything
writes to the library (this process or another), and never to a caller the app would refuse."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from samplemind.api.cache import CacheEntry, ResponseCache
from samplemind.config import Settings
from tests.signals import tone, write

SEARCH = "/api/samples?q=is:oneshot&limit=50"


def _hits(client: TestClient) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith('samplemind_response_cache_lookups_total{result="hit"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _first_id(client: TestClient) -> int:
    return int(client.get("/api/samples?sort=name").json()["items"][0]["sample"]["id"])


def test_a_repeated_search_or_detail_is_a_hit_with_the_same_answer(client: TestClient) -> None:
    first = client.get(SEARCH)
    assert first.status_code == 200 and first.headers["x-cache"] == "miss"
    again = client.get(SEARCH)
    assert again.headers["x-cache"] == "hit"
    assert again.json() == first.json() and again.json()["total"] > 0
    assert again.headers["content-type"] == "application/json"
    assert client.get(SEARCH + "&sort=name").headers["x-cache"] == "miss"  # another query

    sample_id = _first_id(client)
    assert client.get(f"/api/samples/{sample_id}").headers["x-cache"] == "miss"
    detail = client.get(f"/api/samples/{sample_id}")
    assert detail.headers["x-cache"] == "hit" and detail.json()["sample"]["id"] == sample_id
    assert detail.json()["analysis"] is not None
    assert _hits(client) == 2
    metrics = client.get("/metrics").text  # hits are labelled by their route template
    assert 'route="/api/samples/{sample_id}",status="200"' in metrics


def test_gzip_is_kept_and_sent_only_to_clients_that_accept_it(client: TestClient) -> None:
    client.get(SEARCH)  # fill
    raw = client.get(SEARCH, headers={"Accept-Encoding": "identity"})
    stream = client.get(SEARCH, headers={"Accept-Encoding": "gzip"})  # decoded by the client
    assert raw.headers["x-cache"] == stream.headers["x-cache"] == "hit"
    assert "content-encoding" not in raw.headers and raw.headers["vary"] == "Accept-Encoding"
    assert stream.headers["content-encoding"] == "gzip"
    assert stream.content == raw.content
    assert int(stream.headers["content-length"]) < len(raw.content)  # on the wire


def test_patch_and_delete_make_every_cached_answer_stale(client: TestClient) -> None:
    sample_id = _first_id(client)
    detail = f"/api/samples/{sample_id}"
    before_total = client.get("/api/samples").json()["total"]
    for _ in range(2):
        client.get(detail), client.get("/api/samples"), client.get("/api/samples?q=tag:cached")
    assert client.get(detail).headers["x-cache"] == "hit"

    assert client.patch(detail, json={"tags_add": ["cached"]}).status_code == 200
    after = client.get(detail)
    assert after.headers["x-cache"] == "miss"
    assert "cached" in [t["name"] for t in after.json()["sample"]["tags"]]
    tagged = client.get("/api/samples?q=tag:cached")
    assert tagged.headers["x-cache"] == "miss" and tagged.json()["total"] == 1

    client.get(detail)
    assert client.delete(detail).status_code == 204
    gone = client.get(detail)
    assert gone.status_code == 404 and "x-cache" not in gone.headers
    assert client.get(detail).status_code == 404  # an error is never kept
    assert client.get("/api/samples").json()["total"] == before_total - 1


def test_a_scan_makes_cached_searches_stale(client: TestClient, tmp_path: Path) -> None:
    folder = tmp_path / "more"
    write(folder / "Lead_E4.wav", tone(64, 0.5))
    for _ in range(2):
        listed = client.get("/api/samples?q=lead")
    assert listed.headers["x-cache"] == "hit" and listed.json()["total"] == 0

    job = client.post("/api/library/scans", json={"folders": [str(folder)]}).json()
    deadline = time.monotonic() + 120
    while client.get(f"/api/jobs/{job['id']}").json()["status"] == "running":
        assert time.monotonic() < deadline, "the scan did not finish"
        time.sleep(0.1)
    found = client.get("/api/samples?q=lead")
    assert found.headers["x-cache"] == "miss"
    assert [h["sample"]["name"] for h in found.json()["items"]] == ["Lead_E4.wav"]


def test_a_write_from_another_process_makes_cached_answers_stale(
    client: TestClient, make_settings: Callable[..., Settings]
) -> None:
    sample_id = _first_id(client)
    detail = f"/api/samples/{sample_id}"
    for _ in range(2):
        client.get(detail), client.get("/api/samples?q=tag:elsewhere")
    assert client.get(detail).headers["x-cache"] == "hit"

    settings = make_settings()
    env = {**os.environ, "SAMPLEMIND_DATA_DIR": str(settings.data_dir)}
    env["SAMPLEMIND_VECTOR_BACKEND"] = "memory"
    done = subprocess.run(
        [sys.executable, "-m", "samplemind", "tag", "add", str(sample_id), "elsewhere"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    after = client.get(detail)
    assert after.headers["x-cache"] == "miss"
    assert "elsewhere" in [t["name"] for t in after.json()["sample"]["tags"]]
    assert client.get("/api/samples?q=tag:elsewhere").json()["total"] == 1


def test_cached_answers_go_only_to_callers_with_a_valid_key(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(api_keys=["k-one"])
    key = {"Authorization": "Bearer k-one"}
    for _ in range(2):
        ok = client.get(SEARCH, headers=key)
    assert ok.headers["x-cache"] == "hit"
    assert client.get(SEARCH).status_code == 401
    assert client.get(SEARCH, headers={"Authorization": "Bearer k-two"}).status_code == 401
    assert client.get(SEARCH, headers=key).headers["x-cache"] == "hit"


def test_like_queries_and_a_cache_of_zero_keep_nothing(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    sample_id = _first_id(client)
    for _ in range(2):
        like = client.get(f"/api/samples?q=like:{sample_id}")
    assert like.status_code == 200 and like.headers["x-cache"] == "miss"

    off = make_client(api_cache_mb=0)
    for _ in range(3):
        answer = off.get(SEARCH)
    assert answer.status_code == 200 and answer.headers["x-cache"] == "miss"
    assert _hits(off) == 0


def test_invalid_requests_are_never_answered_from_the_cache(client: TestClient) -> None:
    assert client.get("/api/samples?q=bpm:fast").status_code == 400
    assert client.get("/api/samples?q=bpm:fast").status_code == 400
    assert client.get("/api/samples?limit=0").status_code == 422
    assert client.get("/api/samples?limit=0").status_code == 422


def _entry(size: int) -> CacheEntry:
    return ResponseCache.entry(b"x" * size)


def test_the_cache_stays_within_its_budget_dropping_the_least_recently_used() -> None:
    cache = ResponseCache(10_000)
    for key in "abcd":
        assert cache.lookup(1, key) is None
        cache.store(1, key, _entry(1000))  # ~1.3 KB each with its gzip copy and overhead
    assert cache.lookup(1, "a") is not None  # "a" is now the most recently used
    for key in "efghij":
        cache.store(1, key, _entry(1000))
    assert cache.size_bytes <= 10_000
    assert cache.lookup(1, "a") is not None and cache.lookup(1, "b") is None
    cache.store(1, "huge", _entry(5000))  # over a quarter of the budget: not kept
    assert cache.lookup(1, "huge") is None


def test_a_new_version_empties_the_cache_and_none_keeps_nothing() -> None:
    cache = ResponseCache(1 << 20)
    cache.store(("w", 1), "k", _entry(10))
    assert cache.lookup(("w", 1), "k") is not None
    assert cache.lookup(("w", 2), "k") is None and len(cache) == 0
    cache.store(None, "k", _entry(10))
    assert cache.lookup(None, "k") is None and len(cache) == 0
    assert not ResponseCache(0).enabled


@pytest.mark.parametrize("size", [10, 5000])
def test_small_answers_are_not_gzipped(size: int) -> None:
    entry = _entry(size)
    assert (entry.gzipped is None) == (size < 1024)
    if entry.gzipped is not None:
        assert gzip.decompress(entry.gzipped) == entry.body
