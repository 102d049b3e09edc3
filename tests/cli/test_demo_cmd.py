"""`samplemind demo` then `samplemind analyze` (the `make run` path) against the truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from samplemind.cli.main import main
from samplemind.demo import DemoSample, read_manifest

Records = dict[Path, dict[str, object]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[DemoSample], Records]:
    root = tmp_path_factory.mktemp("demo") / "library"
    assert main(["demo", str(root)]) == 0
    proc = subprocess.run(
        [sys.executable, "-m", "samplemind", "analyze", str(root), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    return read_manifest(root), {Path(str(r["path"])): r for r in records}


def test_every_demo_file_is_analyzed(demo: tuple[list[DemoSample], Records]) -> None:
    manifest, records = demo
    assert {s.path for s in manifest} == set(records)
    assert all(r["ok"] for r in records.values())


def test_root_notes_of_tonal_one_shots(demo: tuple[list[DemoSample], Records]) -> None:
    manifest, records = demo
    tonal = [s for s in manifest if s.category in {"bass", "lead", "kick"} and s.root_midi]
    assert len(tonal) >= 5
    for sample in tonal:
        assert records[sample.path]["root_midi"] == sample.root_midi, sample.path.name


def test_demo_refuses_a_foreign_folder(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "my-song.wav").write_bytes(b"precious")
    assert main(["demo", str(tmp_path)]) == 2
    assert "error:" in capfd.readouterr().err
    assert (tmp_path / "my-song.wav").read_bytes() == b"precious"


def test_loops_get_their_bpm_and_key(demo: tuple[list[DemoSample], Records]) -> None:
    manifest, records = demo
    loops = [s for s in manifest if s.kind == "loop"]
    assert any(s.path.stem in {"Groove_Dusty", "Chords_Mellow"} for s in loops)  # unnamed ones
    for sample in loops:
        record = records[sample.path]
        assert record["is_loop"] is True, sample.path.name
        assert record["bpm"] == sample.bpm, sample.path.name
        assert record["bars"] == sample.bars, sample.path.name
        expected_key = None
        if sample.key is not None:
            from samplemind.domain.music import MusicalKey

            expected_key = MusicalKey.parse(sample.key).name
        assert record["key"] == expected_key, sample.path.name
    unnamed = {
        s.path.stem: records[s.path]
        for s in loops
        if s.path.stem in {"Groove_Dusty", "Chords_Mellow"}
    }
    assert all(r["bpm_source"] in {"duration", "audio"} for r in unnamed.values())


def test_one_shots_are_not_loops(demo: tuple[list[DemoSample], Records]) -> None:
    manifest, records = demo
    for sample in (s for s in manifest if s.kind == "oneshot"):
        assert records[sample.path]["is_loop"] is False, sample.path.name
        assert records[sample.path]["bpm"] is None, sample.path.name
