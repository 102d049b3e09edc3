"""``samplemind analyze`` end to end, and its JSON lines against docs/analysis-schema.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from samplemind.cli.main import main
from tests.signals import noise, tone, write

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "analysis-schema.json").read_text())


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    (root / "Bass").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "__MACOSX").mkdir()
    write(root / "Bass" / "Bass_A1.wav", tone(33, 1.2), subtype="PCM_24")
    write(root / "Lead_C5.flac", tone(72, 0.8))
    write(root / "hat.ogg", noise(0.3) * 0.5, format="OGG", subtype="VORBIS")
    write(root / ".hidden" / "skip.wav", tone(60, 0.2))
    write(root / "__MACOSX" / "._skip.wav", tone(60, 0.2))
    (root / "readme.txt").write_text("not audio")
    return root


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_lines_match_the_schema(library: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(library), "--json", "--jobs", "2"]) == 0
    records = _lines(capfd.readouterr().out)
    assert sorted(Path(str(r["path"])).name for r in records) == [
        "Bass_A1.wav",
        "Lead_C5.flac",
        "hat.ogg",
    ]
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for record in records:
        validator.validate(record)
    by_name = {Path(str(r["path"])).name: r for r in records}
    assert by_name["Bass_A1.wav"]["root_note"] == "A1"
    assert by_name["Lead_C5.flac"]["root_midi"] == 72
    assert by_name["hat.ogg"]["format"] == "OGG"


def test_detailed_level_adds_rhythm(library: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(library / "Lead_C5.flac"), "--json", "--level", "detailed"]) == 0
    [record] = _lines(capfd.readouterr().out)
    jsonschema.validate(record, SCHEMA)
    assert record["level"] == "detailed"
    assert "rhythm" in record and "rhythm@" in str(record["analysis_version"])


def test_failures_exit_1_and_others_still_reported(
    library: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    bad = library / "corrupt.wav"
    bad.write_bytes(b"RIFF" + os.urandom(300))
    code = main(["analyze", str(library), "--json"])
    records = _lines(capfd.readouterr().out)
    assert code == 1
    assert len(records) == 4
    [failed] = [r for r in records if not r["ok"]]
    jsonschema.validate(failed, SCHEMA)
    assert failed["error"]["code"] == "decode_error"  # type: ignore[index]


def test_human_table(
    library: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["analyze", str(library), "--level", "standard"]) == 0
    captured = capfd.readouterr()
    assert "Bass_A1.wav" in captured.out and "A1" in captured.out
    assert "3 analyzed, 0 failed" in captured.err


def test_explicit_missing_and_unsupported_paths_fail(
    library: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code = main(["analyze", str(library / "readme.txt"), str(library / "nope.wav")])
    captured = capfd.readouterr()
    assert code == 1
    assert "unsupported_format" in captured.err and "not_found" in captured.err


def test_usage_errors_exit_2(library: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(library), "--level", "extreme"]) == 2
    assert main(["analyze", str(library), "--jobs", "0"]) == 2
    assert main(["analyze"]) == 2
    assert "--level" in capfd.readouterr().err


def test_empty_folder_exits_1(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(tmp_path)]) == 1
    assert "no audio files found" in capfd.readouterr().err


def test_version(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capfd.readouterr().out.startswith("samplemind ")


def test_python_m_entry_point_streams_json(library: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "samplemind", "analyze", str(library / "Bass"), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    [record] = _lines(proc.stdout)
    assert record["root_note"] == "A1"


def test_detailed_chord_loop_has_chords_beats_and_key(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from tests.signals import SR, chord

    # I-V-vi-IV in C major, one chord per bar at 120 BPM: 4 bars, cut on the bar line.
    bar = 2.0
    y = np.concatenate(
        [
            chord(c, bar, decay=0.3)
            for c in ([48, 60, 64, 67], [43, 59, 62, 67], [45, 60, 64, 69], [41, 60, 65, 69])
        ]
    )
    path = write(tmp_path / "groove.wav", y[: int(4 * bar * SR)])
    assert main(["analyze", str(path), "--json", "--level", "detailed"]) == 0
    [record] = _lines(capfd.readouterr().out)
    rhythm = record["rhythm"]
    assert isinstance(rhythm, dict)
    assert [c["label"][:2].rstrip("m7") for c in rhythm["chords"]][:4] == ["C", "G", "A", "F"]
    assert record["key"] == "C major"
    assert len(rhythm["key_changes"]) == 1
