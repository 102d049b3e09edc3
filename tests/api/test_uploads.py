"""Uploads: analysis in isolated workers, add to the library, and hostile files."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from samplemind.config import Settings
from tests.signals import tone


def wav_bytes(signal: np.ndarray, rate: int = 44_100) -> bytes:
    out = io.BytesIO()
    sf.write(out, signal, rate, format="WAV", subtype="PCM_16")
    return out.getvalue()


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"]["code"])


def leftovers(settings: Settings) -> list[Path]:
    folder = settings.resolved_data_dir() / "tmp" / "uploads"
    return list(folder.iterdir()) if folder.exists() else []


def test_analyze_an_upload_without_adding_it(
    client: TestClient, make_settings: Callable[..., Settings]
) -> None:
    response = client.post(
        "/api/audio/analyze",
        files={"file": ("my take.wav", wav_bytes(tone(57, 1.0)), "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sample"] is None and body["analysis"]["path"] == "my take.wav"
    assert body["analysis"]["pitch"]["note"] == "A3"
    assert client.get("/api/stats").json()["samples"] == 6
    assert leftovers(make_settings()) == []
    metrics = client.get("/metrics").text
    assert 'samplemind_analyses_total{outcome="ok",source="upload"} 1.0' in metrics


def test_add_an_upload_to_the_library(
    client: TestClient, make_settings: Callable[..., Settings]
) -> None:
    data = wav_bytes(tone(64, 0.8))
    response = client.post(
        "/api/audio/analyze",
        params={"add": True},
        files={"file": ("../../../etc/Lead E4.wav", data, "audio/wav")},
    )
    assert response.status_code == 200, response.text
    sample = response.json()["sample"]
    uploads = make_settings().resolved_data_dir() / "uploads"
    assert Path(sample["path"]) == uploads / "Lead E4.wav"  # no folders from the client
    assert sample["analysis_state"] == "done"
    assert client.get(f"/api/samples/{sample['id']}/audio").content == data
    found = client.get("/api/samples", params={"q": "lead"}).json()
    assert [h["sample"]["id"] for h in found["items"]] == [sample["id"]]
    similar = client.get(f"/api/samples/{sample['id']}/similar", params={"n": 2})
    assert similar.status_code == 200 and len(similar.json()["items"]) == 2

    twice = client.post(
        "/api/audio/analyze",
        params={"add": True, "level": "basic"},
        files={"file": ("Lead E4.wav", data)},
    )
    again = twice.json()["sample"]
    assert Path(again["path"]).name == "Lead E4 (2).wav"
    shallow = client.get(f"/api/samples/{again['id']}/similar")  # BASIC: no timbre yet
    assert shallow.status_code == 409 and error_code(shallow) == "not_analyzed"
    assert leftovers(make_settings()) == []


def test_similar_to_an_upload(client: TestClient) -> None:
    hat = client.get("/api/samples", params={"q": "hh_closed"}).json()["items"][0]["sample"]["path"]
    response = client.post(
        "/api/similar",
        params={"aspect": "timbre", "n": 2},
        files={"file": ("query.wav", Path(hat).read_bytes())},
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["reference"] == {"sample_id": None, "label": "query.wav"}
    assert page["items"][0]["sample"]["name"].startswith("HH_Closed")
    assert page["items"][0]["score"] > 0.99


def _hostile() -> dict[str, tuple[bytes, int, str]]:
    good = wav_bytes(tone(60, 0.5))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("kick.wav", good)
    # A canonical 44-byte WAV header whose data chunk declares 2**31 frames of 16-bit mono.
    lying = (
        b"RIFF"
        + struct.pack("<I", 0xFFFFFFFF)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 44_100, 88_200, 2, 16)
        + b"data"
        + struct.pack("<I", 2**32 - 2)
        + good[44:1044]
    )
    rng = np.random.default_rng(5)
    return {
        "truncated": (good[:60], 422, "decode_error"),
        "random": (rng.integers(0, 256, 50_000, dtype=np.uint8).tobytes(), 415, ""),
        "zip": (archive.getvalue(), 415, "unsupported_format"),
        "lying header": (lying, 422, ""),
        "empty": (b"", 422, "empty_audio"),
        "text": (b"hello, I am not a sound\n" * 20, 415, "unsupported_format"),
    }


@pytest.mark.parametrize("case", sorted(_hostile()))
def test_hostile_uploads_get_their_4xx_and_leave_nothing(
    client: TestClient, make_settings: Callable[..., Settings], case: str
) -> None:
    data, status, code = _hostile()[case]
    response = client.post("/api/audio/analyze", files={"file": (f"{case}.wav", data)})
    assert response.status_code == status, response.text
    if code:
        assert error_code(response) == code
    if case == "zip":
        assert "ZIP" in response.json()["error"]["message"]
    assert leftovers(make_settings()) == []
    assert client.get("/health").status_code == 200
    assert client.get("/api/stats").json()["samples"] == 6


def test_oversized_uploads_are_cut_off(
    make_client: Callable[..., TestClient], make_settings: Callable[..., Settings]
) -> None:
    client = make_client(upload_max_mb=0.05)
    small = wav_bytes(tone(60, 0.2))  # 17 kB
    assert client.post("/api/audio/analyze", files={"file": ("a.wav", small)}).status_code == 200
    big = wav_bytes(tone(60, 0.9))  # 79 kB: over the file limit, within the body slack
    response = client.post("/api/audio/analyze", files={"file": ("b.wav", big)})
    assert response.status_code == 413 and error_code(response) == "too_large"
    huge = wav_bytes(tone(60, 20.0))  # 1.7 MB: over the body limit, cut off while streaming
    response = client.post("/api/audio/analyze", files={"file": ("c.wav", huge)})
    assert response.status_code == 413 and error_code(response) == "too_large"
    assert leftovers(make_settings()) == []
    assert client.get("/health").status_code == 200


def test_missing_file_field_is_invalid(client: TestClient) -> None:
    response = client.post("/api/audio/analyze", data={"nope": "1"})
    assert response.status_code == 422 and error_code(response) == "invalid_request"
