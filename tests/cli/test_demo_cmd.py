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
