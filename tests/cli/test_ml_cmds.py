"""``samplemind tag set-type`` and ``samplemind midi`` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import mido
import pytest

from samplemind.cli.main import main
from tests.signals import click_track, tone, write


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("SAMPLEMIND_DATA_DIR", str(data))
    monkeypatch.setenv("SAMPLEMIND_JOBS", "1")
    monkeypatch.setenv("SAMPLEMIND_VECTOR_BACKEND", "memory")
    return data


def _run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capfd.readouterr()
    return code, out, err


def test_set_type_wins_over_the_model_after_a_reanalysis(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "Samples" / "thing.wav", tone(45, 1.0))
    assert _run(capfd, "scan", str(path.parent))[0] == 0
    code, out, _ = _run(capfd, "tag", "set-type", str(path), "Strings")
    assert code == 0 and "strings (yours)" in out
    assert _run(capfd, "scan", str(path.parent), "--reanalyze")[0] == 0
    code, out, _ = _run(capfd, "search", "type:strings", "--json")
    assert [json.loads(line)["name"] for line in out.splitlines()] == ["thing.wav"]
    code, _, err = _run(capfd, "tag", "set-type", str(path), "banjo-ukulele")
    assert code == 2 and "valid:" in err
    code, out, _ = _run(capfd, "tag", "set-type", str(path), "auto")
    assert code == 0 and "(model)" in out


def test_midi_writes_a_file_and_never_replaces_one_unasked(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    loop = write(tmp_path / "beat.wav", click_track(120, 2))
    code, out, _ = _run(capfd, "midi", str(loop), "--mode", "drums", "--quantize", "1/16")
    target = tmp_path / "beat.mid"
    assert code == 0 and "8 drum hits at 120 BPM" in out and target.is_file()
    assert len(mido.MidiFile(str(target)).tracks) >= 2

    code, _, err = _run(capfd, "midi", str(loop))
    assert code == 2 and "--force" in err
    out_path = tmp_path / "notes.mid"
    keys = write(tmp_path / "keys.wav", tone(60, 1.0))
    code, out, _ = _run(capfd, "midi", str(keys), "-o", str(out_path), "--json", "--mode", "tonal")
    record = json.loads(out.splitlines()[-1])
    assert code == 0 and record["mode"] == "tonal" and record["output"] == str(out_path)
    assert 60 in [note["pitch"] for note in record["notes"]]

    code, _, err = _run(capfd, "midi", str(keys), "-o", str(keys))
    assert code == 2 and "audio file itself" in err
    code, _, err = _run(capfd, "midi", str(tmp_path / "missing.wav"), "-o", str(tmp_path / "m.mid"))
    assert code == 1
    (tmp_path / "junk.wav").write_bytes(b"RIFF0000WAVEjunk")
    code, _, err = _run(capfd, "midi", str(tmp_path / "junk.wav"))
    assert code == 1 and not (tmp_path / "junk.mid").exists()
