"""``POST /api/samples/{id}/process | master | stems`` over a real library, the transforms run in
the app's isolated worker pool; results checked by analysis of the files written."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from samplemind.api import create_app
from samplemind.api.deps import ApiState
from samplemind.api.security import KeyChecker, RateLimiter
from samplemind.config import Settings
from samplemind.library import ScanOptions, open_library
from tests.processing.audio import chord_loop, drum_loop, measure, mixed_loop, write


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("api-transforms")
    folder = base / "Samples"
    write(folder / "Keys_Loop.wav", chord_loop(120, 4))
    write(folder / "Groove.wav", drum_loop(120, 2))
    write(folder / "Reference.wav", mixed_loop(124, 4))
    data = base / "data"
    with open_library(_settings(folder, data)) as library:
        assert library.scan([folder], options=ScanOptions(jobs=2)).analyzed == 3
    return folder, data


def _settings(folder: Path, data: Path, **changes: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data,
        "vector_backend": "memory",
        "library_folders": [folder],
        "jobs": 1,
        "api_workers": 1,
        **changes,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def client(scanned: tuple[Path, Path], tmp_path: Path) -> Iterator[TestClient]:
    folder, data = scanned
    shutil.copytree(data, tmp_path / "data")
    with TestClient(create_app(_settings(folder, tmp_path / "data"))) as client:
        yield client


def _ids(client: TestClient) -> dict[str, int]:
    page = client.get("/api/samples", params={"limit": 100}).json()
    return {Path(hit["sample"]["path"]).name: hit["sample"]["id"] for hit in page["items"]}


def test_process_in_the_worker_pool_then_the_detail_links_both_ways(client: TestClient) -> None:
    ids = _ids(client)
    keys = ids["Keys_Loop.wav"]
    body = {
        "stretch_to": 128,
        "shift_to": "Cm",
        "normalize": "-14LUFS",
        "fade": "10ms",
        "format": "flac24",
        "output_name": "Keys 128 Cm.flac",
        "overwrite": True,  # the module's folder is shared by this module's tests
    }
    response = client.post(f"/api/samples/{keys}/process", json=body)
    assert response.status_code == 201, response.text
    out = response.json()
    (output,) = out["outputs"]
    new = output["sample"]
    assert response.headers["location"] == f"/api/samples/{new['id']}"
    assert out["kind"] == "process" and out["source_id"] == keys
    assert Path(output["path"]).name == "Keys 128 Cm.flac" and output["format"] == "flac24"
    assert new["bpm"] == pytest.approx(128, abs=0.5) and new["key"] == "C minor"
    assert new["loudness_lufs"] == pytest.approx(-14, abs=0.1)
    audio = measure(output["path"])
    assert audio.tempo is not None and audio.tempo.bpm == pytest.approx(128, abs=0.5)
    assert audio.key is not None and audio.key.key.name == "C minor"

    detail = client.get(f"/api/samples/{new['id']}").json()
    assert detail["derived_from"]["source_id"] == keys
    assert detail["derived_from"]["params"]["to_key"] == "C minor"
    source = client.get(f"/api/samples/{keys}").json()
    assert [d["sample_id"] for d in source["derivatives"]] == [new["id"]]
    assert source["derived_from"] is None
    # The new sample is served like any other.
    assert client.get(f"/api/samples/{new['id']}/audio").status_code == 200
    metrics = client.get("/metrics").text
    assert 'samplemind_transforms_total{kind="process",outcome="ok"} 1.0' in metrics


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"shift_to": "H minor"}, 400, "config", "neither a key"),
        ({"stretch_to": 480}, 400, "config", "×4.00"),
        ({"normalize": "loud"}, 400, "config", "not one of"),
        ({"format": "m4a"}, 400, "config", "unknown output format"),
        ({}, 400, "config", "nothing to do"),
        ({"sample_rate": 10}, 422, "invalid_request", "sample_rate"),
        ({"mono": True, "extra": 1}, 422, "invalid_request", "extra"),
        ({"shift_to": "C3"}, 422, "processing_error", "root note"),
        ({"mono": True, "output_name": "Groove.wav"}, 400, "config", "--in-place"),
    ],
)
def test_bad_process_requests(
    client: TestClient, body: dict[str, object], status: int, code: str, message: str
) -> None:
    groove = _ids(client)["Groove.wav"]
    response = client.post(f"/api/samples/{groove}/process", json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and message in error["message"]


def test_existing_outputs_conflict_and_names_never_escape(
    client: TestClient, scanned: tuple[Path, Path]
) -> None:
    folder, _ = scanned
    groove = _ids(client)["Groove.wav"]
    body = {"mono": True, "output_name": "../../outside.wav", "overwrite": True}
    first = client.post(f"/api/samples/{groove}/process", json=body)
    assert first.status_code == 201, first.text
    assert Path(first.json()["outputs"][0]["path"]).parent == folder
    again = client.post(f"/api/samples/{groove}/process", json={**body, "overwrite": False})
    assert again.status_code == 409 and again.json()["error"]["code"] == "output_exists"
    missing = client.post("/api/samples/999999/process", json={"mono": True})
    assert missing.status_code == 404


def test_master_and_stems(client: TestClient) -> None:
    ids = _ids(client)
    groove, reference = ids["Groove.wav"], ids["Reference.wav"]
    mastered = client.post(
        f"/api/samples/{groove}/master", json={"reference_id": reference, "overwrite": True}
    )
    assert mastered.status_code == 201, mastered.text
    out = mastered.json()
    assert out["kind"] == "master" and out["params"]["reference_id"] == reference
    ref_lufs = client.get(f"/api/samples/{reference}").json()["sample"]["loudness_lufs"]
    assert out["outputs"][0]["sample"]["loudness_lufs"] == pytest.approx(ref_lufs, abs=1.5)
    same = client.post(f"/api/samples/{groove}/master", json={"reference_id": groove})
    assert same.status_code == 422 and same.json()["error"]["code"] == "processing_error"

    stems = client.post(f"/api/samples/{groove}/stems", json={"overwrite": True})
    assert stems.status_code == 201, stems.text
    assert sorted(o["stem"] for o in stems.json()["outputs"]) == ["harmonic", "percussive"]
    demucs = client.post(f"/api/samples/{groove}/stems", json={"method": "demucs"})
    assert demucs.status_code == 400 and demucs.json()["error"]["code"] == "missing_dependency"
    assert "pip install demucs" in demucs.json()["error"]["message"]


def test_transforms_are_rate_limited(scanned: tuple[Path, Path], tmp_path: Path) -> None:
    folder, data = scanned
    shutil.copytree(data, tmp_path / "data")
    settings = _settings(folder, tmp_path / "data", rate_limit="1/minute")
    with TestClient(create_app(settings)) as client:
        groove = _ids(client)["Groove.wav"]
        body = {"fade_out": "5ms", "output_name": "Groove faded.wav", "overwrite": True}
        assert client.post(f"/api/samples/{groove}/process", json=body).status_code == 201
        limited = client.post(f"/api/samples/{groove}/stems", json={})
        assert limited.status_code == 429


# --- the documented contract, with generated requests (schemathesis) ---------------------------
_app = create_app(Settings(data_dir=tempfile.gettempdir(), vector_backend="memory"))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", _app)


@pytest.fixture
def contract_app(scanned: tuple[Path, Path], tmp_path: Path) -> Iterator[None]:
    folder, data = scanned
    shutil.copytree(data, tmp_path / "data")
    original = _app.state.samplemind
    state = ApiState(
        settings=_settings(folder, tmp_path / "data"),
        metrics=original.metrics,
        limiter=RateLimiter("100000/second"),
        keys=KeyChecker([]),
    )
    _app.state.samplemind = state
    try:
        with TestClient(_app):
            yield
    finally:
        state.close()
        _app.state.samplemind = original


@schema.include(path_regex=r"/api/samples/\{sample_id\}/(process|master|stems)$").parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_transform_routes_keep_their_contract(case: schemathesis.Case, contract_app: None) -> None:
    case.call_and_validate(
        timeout=300,  # the first separation in a fresh worker imports librosa
        checks=[
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
            content_type_conformance,
        ],
    )
