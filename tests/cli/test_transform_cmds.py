"""``samplemind process | master | stems`` end to end, and ``show`` with the links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from samplemind.audio.decode import probe
from samplemind.cli.main import main
from tests.processing.audio import chord_loop, drum_loop, measure, mixed_loop, write


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


def _json(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_process_the_issue_example_then_show_the_link(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "Samples"
    source = write(folder / "Keys.wav", chord_loop(120, 4))
    assert _run(capfd, "scan", str(folder))[0] == 0

    out_path = tmp_path / "out" / "keys128.wav"
    code, out, err = _run(
        capfd,
        "process", str(source),
        "--normalize", "-14LUFS", "--trim-silence", "--fade", "10ms",
        "--stretch-to", "128", "--shift-to", "Cm", "--format", "wav24",
        "-o", str(out_path), "--json",
    )  # fmt: skip
    assert code == 0, err
    (record,) = _json(out)
    assert record["ok"] and record["kind"] == "process" and record["source_id"] == 1
    (output,) = record["outputs"]
    assert output["path"] == str(out_path) and output["format"] == "wav24"
    assert [s["step"] for s in record["steps"]] == ["trim", "stretch+shift", "fade", "normalize"]
    assert probe(out_path).subtype == "PCM_24"
    audio = measure(out_path)
    assert audio.tempo is not None and audio.tempo.bpm == pytest.approx(128, abs=0.5)
    assert audio.key is not None and audio.key.key.name == "C minor"
    assert audio.loudness is not None and audio.loudness.loudness_lufs == pytest.approx(
        -14, abs=0.1
    )

    code, out, _ = _run(capfd, "show", str(output["sample_id"]), "--json")
    shown = _json(out)[0]
    assert shown["derived_from"]["source_id"] == 1 and shown["derived_from"]["kind"] == "process"
    code, out, _ = _run(capfd, "show", "1", "--json")
    assert [d["id"] for d in _json(out)[0]["derivatives"]] == [output["sample_id"]]
    code, out, _ = _run(capfd, "show", "1")
    assert code == 0 and "derivatives" in out and "keys128.wav (process)" in out

    # Human output: each file, where it went, and its steps with numbers.
    code, out, err = _run(capfd, "process", "1", "--mono", "--format", "flac16")
    assert code == 0, err
    assert "Keys (mono).flac" in out and "from sample 1" in out and "dither" in out


def test_process_errors_and_batches(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    loop = write(tmp_path / "loop.wav", drum_loop(120, 1))
    code, _, err = _run(capfd, "process", str(loop), "--shift-to", "H minor")
    assert code == 2 and "neither a key" in err
    code, _, err = _run(capfd, "process", str(loop))
    assert code == 2 and "nothing to do" in err
    code, _, err = _run(capfd, "process", str(loop), "--stretch-to", "480", "--source-bpm", "120")
    assert code == 2 and "×4.00" in err
    code, _, err = _run(capfd, "process", str(loop), "--normalize", "-14LUFS", "-o", str(loop))
    assert code == 2 and "--in-place" in err

    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40)
    other = write(tmp_path / "other.wav", drum_loop(120, 1, seed=9))
    code, out, err = _run(
        capfd, "process", str(loop), str(corrupt), str(other),
        "--normalize", "-1dBTP", "-o", str(tmp_path / "batch"), "--json",
    )  # fmt: skip
    assert code == 1  # one failed, the others were done
    records = _json(out)
    assert [r["ok"] for r in records] == [True, False, True]
    assert records[1]["error"]["code"] == "decode_error"
    assert sorted(p.name for p in (tmp_path / "batch").iterdir()) == [
        "loop (-1 dBTP).wav",
        "other (-1 dBTP).wav",
    ]
    code, _, err = _run(
        capfd, "process", str(loop), "--normalize", "-1dBTP", "-o", str(tmp_path / "batch")
    )
    assert code == 1 and "exists" in err and "--overwrite" in err


def test_master_and_stems(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    track = write(tmp_path / "track.wav", (0.1 * mixed_loop(120, 4)))
    reference = write(tmp_path / "ref.wav", mixed_loop(124, 4))
    code, out, err = _run(capfd, "master", str(track), "--reference", str(reference), "--json")
    assert code == 0, err
    (record,) = _json(out)
    assert record["kind"] == "master"
    assert Path(record["outputs"][0]["path"]).name == "track (mastered).wav"

    blip = write(tmp_path / "blip.wav", mixed_loop(120, 1)[:1000])
    code, _, err = _run(capfd, "master", str(track), "-r", str(blip), "-o", str(tmp_path / "m.wav"))
    assert code == 1 and "matchering needs at least" in err.replace("\n", " ")

    code, out, err = _run(capfd, "stems", str(track), "-o", str(tmp_path / "stems"), "--json")
    assert code == 0, err
    assert sorted(o["stem"] for o in _json(out)[0]["outputs"]) == ["harmonic", "percussive"]
    code, _, err = _run(capfd, "stems", str(track), "--method", "demucs")
    assert code == 1 and "pip install demucs" in err.replace("\n", " ")
