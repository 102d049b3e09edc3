"""Every route through the real app: SQLite library, worker-process analysis, real files."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import samplemind
from samplemind.api import create_app
from samplemind.config import Settings
from samplemind.errors import ConfigError
from samplemind.library import open_library
from tests.signals import tone, write


def ids_by_name(client: TestClient) -> dict[str, int]:
    page = client.get("/api/samples", params={"limit": 500}).json()
    return {hit["sample"]["name"]: hit["sample"]["id"] for hit in page["items"]}


def error_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


# --- search ---------------------------------------------------------------------------------------
def test_search_with_the_query_language_and_filters(client: TestClient) -> None:
    page = client.get("/api/samples", params={"q": "is:loop sort:bpm"}).json()
    assert page["total"] == 2 and page["next_cursor"] is None
    assert {h["sample"]["name"] for h in page["items"]} == {"Beat_120.wav", "Chords_Am.flac"}

    text = client.get("/api/samples", params={"q": "sub"}).json()
    assert [h["sample"]["name"] for h in text["items"]] == ["Sub_A1.wav"]

    filtered = client.get("/api/samples", params={"loop": "false", "key": "Am"}).json()
    assert filtered["total"] == 0  # the A minor sample is a loop
    minor = client.get("/api/samples", params={"loop": "true", "key": ["Am", "8A"]}).json()
    assert [h["sample"]["name"] for h in minor["items"]] == ["Chords_Am.flac"]
    tempo = client.get("/api/samples", params={"bpm_min": 119, "bpm_max": 121}).json()
    assert {h["sample"]["name"] for h in tempo["items"]} <= {"Beat_120.wav", "Chords_Am.flac"}
    assert "Beat_120.wav" in {h["sample"]["name"] for h in tempo["items"]}


def test_cursor_pages_through_every_result_once(client: TestClient) -> None:
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"q": "sort:name", "limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/samples", params=params).json()
        assert page["total"] == 6
        seen += [hit["sample"]["id"] for hit in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 2 and len(seen) == 6 and len(set(seen)) == 6

    other = client.get("/api/samples", params={"q": "is:loop", "cursor": "x" * 20})
    assert other.status_code == 400 and error_of(other)["code"] == "config"
    first = client.get("/api/samples", params={"q": "sort:name", "limit": 1}).json()
    foreign = client.get("/api/samples", params={"q": "kick", "cursor": first["next_cursor"]})
    assert foreign.status_code == 400 and "another query" in error_of(foreign)["message"]


def test_offset_gives_random_access_to_the_same_order(client: TestClient) -> None:
    whole = client.get("/api/samples", params={"q": "sort:name", "limit": 6}).json()
    names = [hit["sample"]["name"] for hit in whole["items"]]
    page = client.get("/api/samples", params={"q": "sort:name", "limit": 2, "offset": 3}).json()
    assert [hit["sample"]["name"] for hit in page["items"]] == names[3:5]
    assert page["total"] == 6 and page["next_cursor"] is not None
    past = client.get("/api/samples", params={"q": "sort:name", "offset": 6}).json()
    assert past["items"] == [] and past["next_cursor"] is None
    both = client.get(
        "/api/samples",
        params={"q": "sort:name", "offset": 1, "cursor": whole["next_cursor"] or "x"},
    )
    assert both.status_code == 400 and "not both" in error_of(both)["message"]


def test_a_bad_query_points_at_its_token(client: TestClient) -> None:
    response = client.get("/api/samples", params={"q": "bpm:fast"})
    error = error_of(response)
    assert response.status_code == 400 and error["code"] == "query_syntax"
    assert error["position"] == 4
    bad_sort = client.get("/api/samples", params={"sort": "loudness!"})
    assert bad_sort.status_code == 400 and "sort=" in error_of(bad_sort)["message"]
    assert client.get("/api/samples", params={"limit": 0}).status_code == 422


# --- one sample -----------------------------------------------------------------------------------
def test_detail_patch_and_delete(client: TestClient, library_folder: Path) -> None:
    sid = ids_by_name(client)["Sub_A1.wav"]
    detail = client.get(f"/api/samples/{sid}").json()
    assert detail["sample"]["root_note"] == "A1" and detail["collections"] == []
    assert detail["analysis"]["pitch"]["note"] == "A1"

    patched = client.patch(
        f"/api/samples/{sid}",
        json={"tags_add": ["Warm", "deep"], "favourite": True, "collections_add": ["Low end"]},
    )
    assert patched.status_code == 200
    assert {"warm", "deep"} <= {t["name"] for t in patched.json()["tags"]}
    assert patched.json()["favourite"] is True
    client.patch(f"/api/samples/{sid}", json={"tags_remove": ["deep"], "favourite": False})
    detail = client.get(f"/api/samples/{sid}").json()
    tags = {t["name"] for t in detail["sample"]["tags"]}
    assert "warm" in tags and "deep" not in tags and detail["sample"]["favourite"] is False
    assert detail["collections"] == ["Low end"]

    unknown = client.patch(f"/api/samples/{sid}", json={"colour": "red"})
    assert unknown.status_code == 422 and error_of(unknown)["code"] == "invalid_request"
    blank = client.patch(f"/api/samples/{sid}", json={"tags_add": ["  "]})
    assert blank.status_code == 400

    assert client.delete(f"/api/samples/{sid}").status_code == 204
    gone = client.get(f"/api/samples/{sid}")
    assert gone.status_code == 404 and error_of(gone)["code"] == "sample_not_found"
    assert (library_folder / "Bass" / "Sub_A1.wav").is_file()  # the file is never touched
    assert client.delete(f"/api/samples/{sid}").status_code == 404


@pytest.mark.parametrize("bad", ["0", "-3", "abc", str(2**70)])
def test_ids_out_of_range_are_invalid_requests(client: TestClient, bad: str) -> None:
    response = client.get(f"/api/samples/{bad}")
    assert response.status_code == 422 and error_of(response)["code"] == "invalid_request"


def test_unknown_routes_and_methods_get_problem_bodies(client: TestClient) -> None:
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong = client.put("/api/stats")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"


# --- audio and waveform ---------------------------------------------------------------------------
def test_audio_with_ranges_and_etags(client: TestClient, library_folder: Path) -> None:
    sid = ids_by_name(client)["Beat_120.wav"]
    data = (library_folder / "Loops" / "Beat_120.wav").read_bytes()
    full = client.get(f"/api/samples/{sid}/audio")
    assert full.status_code == 200 and full.content == data
    assert full.headers["content-type"] == "audio/wav"
    assert full.headers["accept-ranges"] == "bytes"
    assert "content-encoding" not in full.headers  # audio is never gzipped

    part = client.get(f"/api/samples/{sid}/audio", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = client.get(f"/api/samples/{sid}/audio", headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    beyond = client.get(f"/api/samples/{sid}/audio", headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416

    etag = full.headers["etag"]
    same = client.get(f"/api/samples/{sid}/audio", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    other = client.get(f"/api/samples/{sid}/audio", headers={"If-None-Match": '"nope"'})
    assert other.status_code == 200

    flac = client.get(f"/api/samples/{ids_by_name(client)['Chords_Am.flac']}/audio")
    assert flac.headers["content-type"] == "audio/flac"


def test_audio_is_never_served_from_outside_the_library(
    make_client: Callable[..., TestClient], library_folder: Path, tmp_path: Path
) -> None:
    client = make_client()
    outside = tmp_path / "private" / "secret.wav"
    write(outside, tone(60, 0.3))
    library = client.app.state.samplemind.library  # type: ignore[attr-defined]
    from samplemind.domain.library import FileFacts

    def record(path: Path) -> int:
        facts = FileFacts(
            path=str(path), content_hash="f" * 32, size_bytes=1, mtime_ns=1, format="WAV"
        )
        return library.store.add_samples([facts])[0]

    planted = record(outside)  # a database that says so is not enough
    denied = client.get(f"/api/samples/{planted}/audio")
    assert denied.status_code == 403 and error_of(denied)["code"] == "access_denied"

    link = library_folder / "Keys" / "escape.wav"
    try:
        link.symlink_to(outside)
        linked = client.get(f"/api/samples/{record(link)}/audio")
        assert linked.status_code == 403
    finally:
        link.unlink()

    fake = library_folder / "Keys" / "notes.wav"
    try:
        fake.write_text("root:x:0:0:root:/root:/bin/bash\n")
        response = client.get(f"/api/samples/{record(fake)}/audio")
        assert response.status_code == 403 and "text" in error_of(response)["message"]
    finally:
        fake.unlink()

    gone = record(library_folder / "Keys" / "deleted.wav")
    assert client.get(f"/api/samples/{gone}/audio").status_code == 404


def test_waveform_peaks_are_cached(
    client: TestClient, make_settings: Callable[..., Settings]
) -> None:
    sid = ids_by_name(client)["Beat_120.wav"]
    response = client.get(f"/api/samples/{sid}/waveform", params={"points": 200})
    wave = response.json()
    assert response.status_code == 200 and wave["points"] == 200
    assert len(wave["peaks"]) == wave["channels"] == 1 and len(wave["peaks"][0]) == 200
    assert wave["duration_s"] == pytest.approx(4.0, abs=0.01)
    assert max(abs(p) for p in wave["peaks"][0]) > 0.3  # the clicks
    cache = make_settings().resolved_data_dir() / "cache" / "waveforms"
    assert len(list(cache.glob("*-200.json"))) == 1
    again = client.get(
        f"/api/samples/{sid}/waveform",
        params={"points": 200},
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304
    assert client.get(f"/api/samples/{sid}/waveform", params={"points": 5}).status_code == 422


# --- similar --------------------------------------------------------------------------------------
def test_similar_by_id(client: TestClient) -> None:
    ids = ids_by_name(client)
    sid = ids["HH_Closed.wav"]
    page = client.get(f"/api/samples/{sid}/similar", params={"aspect": "timbre", "n": 3}).json()
    names = [hit["sample"]["name"] for hit in page["items"]]
    assert page["reference"]["sample_id"] == sid and page["aspect"] == "timbre"
    assert len(names) == 3 and "HH_Closed.wav" not in names
    assert names[0] == "HH_Closed copy.wav"  # the same sound ranks first
    loops = client.get(f"/api/samples/{sid}/similar", params={"q": "is:loop"}).json()
    assert {h["sample"]["name"] for h in loops["items"]} <= {"Beat_120.wav", "Chords_Am.flac"}
    assert client.get(f"/api/samples/{sid}/similar", params={"aspect": "vibe"}).status_code == 422


# --- library-wide ---------------------------------------------------------------------------------
def test_stats_and_duplicates(client: TestClient) -> None:
    stats = client.get("/api/stats").json()
    assert (stats["samples"], stats["analyzed"], stats["loops"], stats["oneshots"]) == (6, 6, 2, 4)
    assert stats["by_key"] == {"A minor": 1} and sum(stats["bpm_histogram"].values()) == 2
    assert sum(stats["loudness_histogram"].values()) == 6  # every sample's level has a bin
    assert all(-70 <= int(edge) <= 0 for edge in stats["loudness_histogram"])
    groups = client.get("/api/duplicates").json()
    exact = [g for g in groups if g["kind"] == "exact"]
    assert len(exact) == 1
    assert {s["name"] for s in exact[0]["samples"]} == {"HH_Closed.wav", "HH_Closed copy.wav"}
    only = client.get("/api/duplicates", params={"exact_only": True}).json()
    assert [g["kind"] for g in only] == ["exact"]


def test_collections(client: TestClient) -> None:
    ids = ids_by_name(client)
    kit = [ids["Beat_120.wav"], ids["Sub_A1.wav"]]
    created = client.post("/api/collections", json={"name": "Kit 1", "sample_ids": kit})
    assert created.status_code == 201 and created.json()["size"] == 2
    assert created.headers["location"] == "/api/collections/Kit%201"
    assert [c["name"] for c in client.get("/api/collections").json()] == ["Kit 1"]
    members = client.get("/api/collections/Kit 1").json()
    assert [s["id"] for s in members] == kit
    again = client.post("/api/collections", json={"name": "Kit 1"})
    assert again.status_code == 409 and error_of(again)["code"] == "duplicate_collection"
    unknown = client.post("/api/collections", json={"name": "Kit 2", "sample_ids": [999]})
    assert unknown.status_code == 404
    assert [c["name"] for c in client.get("/api/collections").json()] == ["Kit 1"]
    assert client.post("/api/collections", json={"name": " "}).status_code == 422
    assert client.delete("/api/collections/Kit 1").status_code == 204
    assert client.get("/api/collections/Kit 1").status_code == 404


def test_scan_job_with_live_progress(
    make_client: Callable[..., TestClient], library_folder: Path, tmp_path: Path
) -> None:
    client = make_client()
    write(library_folder.parent / "extra" / "Lead_E4.wav", tone(64, 0.5))
    try:
        refused = make_client(allow_new_folders=False).post(
            "/api/library/scans", json={"folders": [str(tmp_path)]}
        )
        assert refused.status_code == 400 and "library folders" in error_of(refused)["message"]
        started = client.post("/api/library/scans", json={"reanalyze": False})
        assert started.status_code == 202
        job = started.json()
        assert started.headers["location"] == f"/api/jobs/{job['id']}"
        events = []
        with client.stream("GET", f"/api/jobs/{job['id']}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            kind = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    events.append((kind, json.loads(line.removeprefix("data: "))))
        assert events[-1][0] == "end" and events[-1][1]["status"] == "done"
        assert all(kind == "progress" for kind, _ in events[:-1])
        final = client.get(f"/api/jobs/{job['id']}").json()
        assert final["status"] == "done" and final["summary"]["unchanged"] == 6
        assert [j["id"] for j in client.get("/api/jobs").json()] == [job["id"]]
        assert client.get("/api/jobs/nope").status_code == 404
        assert client.get("/api/jobs/nope/events").status_code == 404
    finally:
        shutil.rmtree(library_folder.parent / "extra")


def test_scan_needs_folders(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(library_folders=[], data_dir=tmp_path / "empty-library")
    assert client.get("/api/library/folders").json() == []
    response = client.post("/api/library/scans")
    assert (
        response.status_code == 400
        and "SAMPLEMIND_LIBRARY_FOLDERS" in error_of(response)["message"]
    )


# --- operations -----------------------------------------------------------------------------------
def test_health_ready_and_metrics(client: TestClient) -> None:
    assert client.get("/health").json() == {
        "status": "ok",
        "version": samplemind.__version__,
        "capabilities": ["ai"],  # the AI panel (its features: GET /api/ai/status)
    }
    assert client.get("/ready").json() == {
        "status": "ready",
        "checks": {"database": "ok", "index": "ok"},
    }
    sid = ids_by_name(client)["Sub_A1.wav"]
    client.get(f"/api/samples/{sid}")
    client.get("/api/samples/999999")
    text = client.get("/metrics").text
    route = 'method="GET",route="/api/samples/{sample_id}"'
    assert f'samplemind_http_requests_total{{{route},status="200"}} 1.0' in text
    assert 'route="/api/samples/{sample_id}",status="404"} 1.0' in text
    assert "samplemind_http_request_duration_seconds_bucket" in text
    assert "/api/samples/999999" not in text  # routes are templates, never raw paths


def test_a_dead_database_is_unready_and_503(make_client: Callable[..., TestClient]) -> None:
    client = make_client(database_url="postgresql+psycopg://nobody:pw@127.0.0.1:1/none")
    ready = client.get("/ready")
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
    assert "storage_unavailable" in ready.json()["checks"]["database"]
    response = client.get("/api/samples")
    assert response.status_code == 503 and error_of(response)["code"] == "storage_unavailable"
    assert "pw" not in response.text
    assert client.get("/health").status_code == 200


def test_unexpected_errors_are_500_without_details(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(raise_server_exceptions=False)
    library = client.app.state.samplemind.library  # type: ignore[attr-defined]

    def boom() -> None:
        raise RuntimeError("secret internals at /etc/x")

    monkeypatch.setattr(library, "stats", boom)
    response = client.get("/api/stats")
    assert response.status_code == 500 and error_of(response)["code"] == "internal_error"
    assert "secret" not in response.text and "Traceback" not in response.text


def test_gzip_for_large_json_only(client: TestClient) -> None:
    big = client.get("/api/samples", params={"limit": 50}, headers={"Accept-Encoding": "gzip"})
    assert big.headers.get("content-encoding") == "gzip"
    small = client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


# --- security -------------------------------------------------------------------------------------
def test_api_keys(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_keys=["k-one", "k-two"])
    bare = client.get("/api/stats")
    assert bare.status_code == 401 and bare.headers["www-authenticate"] == "Bearer"
    assert error_of(bare)["code"] == "unauthorized"
    wrong = client.get("/api/stats", headers={"Authorization": "Bearer k-three"})
    assert wrong.status_code == 401
    assert client.get("/api/stats", headers={"Authorization": "Bearer k-two"}).status_code == 200
    assert client.get("/metrics").status_code == 401
    assert client.get("/health").status_code == 200  # probes stay open


def test_refuses_to_listen_beyond_loopback_without_a_key(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(ConfigError, match="API key"):
        create_app(make_settings(api_host="0.0.0.0"))
    create_app(make_settings(api_host="0.0.0.0", api_keys=["long-random-key"]))
    create_app(make_settings(api_host="::1"))
    with pytest.raises(ConfigError, match="rate_limit"):
        create_app(make_settings(rate_limit="lots"))


def test_rate_limit_on_expensive_routes(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="2/minute")
    sid = ids_by_name(client)["Sub_A1.wav"]
    for _ in range(2):
        assert client.get(f"/api/samples/{sid}/similar").status_code == 200
    limited = client.get(f"/api/samples/{sid}/similar")
    assert limited.status_code == 429 and error_of(limited)["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert client.get(f"/api/samples/{sid}").status_code == 200  # cheap routes are not limited


def test_cors(make_client: Callable[..., TestClient]) -> None:
    client = make_client(cors_origins=["http://localhost:5173"])
    preflight = client.options(
        "/api/samples",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    other = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    anyone = make_client(cors_origins=["*"])
    response = anyone.get("/health", headers={"Origin": "https://a.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_the_caller_keeps_a_library_it_passes_in(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    with open_library(settings) as library:
        with TestClient(create_app(settings, library=library)) as client:
            assert client.get("/api/stats").json()["samples"] == 6
        assert library.stats()["samples"] == 6  # still open after the app shut down
    assert not os.environ.get("SAMPLEMIND_API_HOST")
