"""PATCH a sample's type (yours wins over the model's), POST it to MIDI."""

from __future__ import annotations

import io

import mido
from fastapi.testclient import TestClient

from tests.api.test_routes import error_of, ids_by_name


def test_your_sample_type_wins_and_can_be_forgotten(client: TestClient) -> None:
    sid = ids_by_name(client)["Keys_C4.wav"]
    before = client.get(f"/api/samples/{sid}").json()
    model_type = before["analysis"]["sample_type"]
    assert model_type is not None and model_type["label"] == before["sample"]["sample_type"]
    assert len(model_type["top"]) <= 3

    patched = client.patch(f"/api/samples/{sid}", json={"sample_type": "Plucks"})
    assert patched.status_code == 200
    assert patched.json()["sample_type"] == patched.json()["user_sample_type"] == "pluck"
    found = client.get("/api/samples", params={"q": "type:pluck"}).json()["items"]
    assert [item["sample"]["id"] for item in found] == [sid]
    assert client.patch(f"/api/samples/{sid}", json={"favourite": True}).json()["sample_type"] == (
        "pluck"
    )  # a PATCH without sample_type leaves it

    bad = client.patch(f"/api/samples/{sid}", json={"sample_type": "didgeridoo"})
    assert bad.status_code == 400 and "valid:" in error_of(bad)["message"]
    forgotten = client.patch(f"/api/samples/{sid}", json={"sample_type": None}).json()
    assert forgotten["user_sample_type"] is None
    assert forgotten["sample_type"] == before["sample"]["sample_type"]


def test_a_sample_as_midi(client: TestClient) -> None:
    ids = ids_by_name(client)
    response = client.post(f"/api/samples/{ids['Keys_C4.wav']}/midi", params={"mode": "tonal"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/midi"
    assert 'filename="Keys_C4.mid"' in response.headers["content-disposition"]
    midi = mido.MidiFile(file=io.BytesIO(response.content))
    notes = [m.note for t in midi.tracks for m in t if m.type == "note_on" and m.velocity > 0]
    assert 60 in notes

    beat = client.post(
        f"/api/samples/{ids['Beat_120.wav']}/midi", params={"mode": "drums", "quantize": "1/16"}
    )
    assert beat.status_code == 200 and beat.headers["x-transcription-mode"] == "drums"
    assert float(beat.headers["x-transcription-bpm"]) == 120.0  # the stored analysis's tempo
    midi = mido.MidiFile(file=io.BytesIO(beat.content))
    drums = [m for t in midi.tracks for m in t if m.type == "note_on" and m.velocity > 0]
    assert len(drums) == 8 and all(m.channel == 9 for m in drums)  # a click on every beat

    assert client.post("/api/samples/999999/midi").status_code == 404
    bad = client.post(f"/api/samples/{ids['Beat_120.wav']}/midi", params={"quantize": "1/5"})
    assert bad.status_code == 400
    assert (
        client.post(f"/api/samples/{ids['Beat_120.wav']}/midi", params={"mode": "x"}).status_code
        == 422
    )
