"""Routes the web app added: library folders (and scanning a new one), the sound map."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from tests.signals import noise, tone, write


def _wait_for_end(client: TestClient, job_id: str) -> dict[str, object]:
    with client.stream("GET", f"/api/jobs/{job_id}/events") as stream:
        last: dict[str, object] = {}
        for line in stream.iter_lines():
            if line.startswith("data: "):
                last = json.loads(line.removeprefix("data: "))
    return last


def test_folders_list_configured_then_scanned(
    make_client: Callable[..., TestClient], library_folder: Path, tmp_path: Path
) -> None:
    gone = tmp_path / "unplugged"
    client = make_client(library_folders=[library_folder, gone])
    assert client.get("/api/library/folders").json() == [
        {"path": str(library_folder.resolve()), "configured": True, "exists": True},
        {"path": str(gone.resolve()), "configured": True, "exists": False},
    ]


def test_a_new_folder_is_scanned_and_becomes_a_library_folder(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    new = tmp_path / "New Pack"
    write(new / "Lead_E4.wav", tone(64, 0.5))
    write(new / "Shaker.wav", noise(0.2, level=0.2))
    client = make_client()
    started = client.post("/api/library/scans", json={"folders": [str(new)]})
    assert started.status_code == 202, started.text
    assert started.json()["roots"] == [str(new.resolve())]
    final = _wait_for_end(client, started.json()["id"])
    assert final["status"] == "done"
    assert final["summary"]["added"] == 2  # type: ignore[index]
    folders = client.get("/api/library/folders").json()
    assert {"path": str(new.resolve()), "configured": False, "exists": True} in folders
    found = client.get("/api/samples", params={"q": "lead"}).json()["items"]
    assert [hit["sample"]["name"] for hit in found] == ["Lead_E4.wav"]
    # and its audio may now be served: it is a library folder
    assert client.get(f"/api/samples/{found[0]['sample']['id']}/audio").status_code == 200


def test_folders_that_may_not_be_scanned(
    make_client: Callable[..., TestClient], tmp_path: Path, make_settings: Callable[..., object]
) -> None:
    client = make_client()
    data_dir = Path(make_settings().data_dir)  # type: ignore[attr-defined]
    (tmp_path / "file.wav").write_bytes(b"")
    for folder, why in (
        ("relative/folder", "absolute path"),
        (str(tmp_path / "nope"), "not a folder"),
        (str(tmp_path / "file.wav"), "not a folder"),
        ("/", "filesystem root"),
        (str(data_dir), "library's own data"),
        (str(data_dir.parent), "library's own data"),  # it holds the data dir
    ):
        response = client.post("/api/library/scans", json={"folders": [folder]})
        assert response.status_code == 400, folder
        assert why in response.json()["error"]["message"], folder
    assert client.get("/api/jobs").json() == []  # nothing started


def test_sound_map(client: TestClient) -> None:
    first = client.get("/api/map")
    assert first.status_code == 200
    body = first.json()
    n = len(body["ids"])
    assert n == 6 and body["method"] == "tsne"  # auto: t-SNE for a small library
    assert len(body["x"]) == len(body["y"]) == len(body["names"]) == len(body["types"]) == n
    assert all(0 <= v <= 1 for v in body["x"] + body["y"])
    for sid, shown in zip(body["ids"], body["types"], strict=True):
        sample = client.get(f"/api/samples/{sid}").json()["sample"]
        fallback = "loop" if sample["is_loop"] else "one-shot"
        assert shown == (sample["sample_type"] or fallback)  # the type, else loop / one-shot
    by_name = dict(zip(body["names"], zip(body["x"], body["y"], strict=True), strict=True))
    # the two byte-identical hi-hats share a timbre vector, so they share a spot
    a, b = by_name["HH_Closed.wav"], by_name["HH_Closed copy.wav"]
    assert abs(a[0] - b[0]) < 0.05 and abs(a[1] - b[1]) < 0.05
    assert first.headers["etag"] == f'"m{body["key"]}"'
    again = client.get("/api/map", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    pca = client.get("/api/map", params={"method": "pca"}).json()
    assert pca["method"] == "pca" and pca["key"] != body["key"]
    assert client.get("/api/map", params={"method": "umap"}).status_code == 422


def test_the_map_changes_when_the_library_does(client: TestClient) -> None:
    before = client.get("/api/map").json()
    tagged = before["ids"][0]
    assert client.patch(f"/api/samples/{tagged}", json={"tags_add": ["dark"]}).status_code == 200
    assert client.get("/api/map").json()["key"] == before["key"]  # tags do not move sounds
    assert client.delete(f"/api/samples/{tagged}").status_code == 204
    after = client.get("/api/map").json()
    assert after["key"] != before["key"] and tagged not in after["ids"]
    assert len(after["ids"]) == 5


def test_map_of_an_empty_library(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(data_dir=tmp_path / "empty")
    body = client.get("/api/map").json()
    assert body["ids"] == [] and body["method"] == "none"
    shutil.rmtree(tmp_path / "empty", ignore_errors=True)
