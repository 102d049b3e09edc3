"""The library commands end to end: scan, search, similar, show, tag, fav, collection,
duplicates, export, write-tags, reindex (real SQLite and embedded ChromaDB in a temp data dir)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import mutagen
import pytest

from samplemind.cli.main import main
from tests.signals import chord, click_track, noise, tone, write


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "Samples"
    write(root / "Bass" / "Sub_A1.wav", tone(33, 1.0))
    write(root / "Keys" / "Keys_C4.wav", tone(60, 1.0))
    write(root / "Drums" / "Hats" / "HH_Closed.wav", noise(0.15, level=0.3))
    write(root / "Loops" / "Beat_120.wav", click_track(120, 2))
    write(root / "Loops" / "Chords_Am.flac", chord([57, 60, 64], 4.0, decay=0.1))
    (root / "broken.wav").write_bytes(b"RIFF1234WAVEjunk")
    return root


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("SAMPLEMIND_DATA_DIR", str(data))
    monkeypatch.setenv("SAMPLEMIND_JOBS", "2")
    return data


def _run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capfd.readouterr()
    return code, out, err


def _json(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_scan_then_find_organise_and_export(
    folder: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capfd, "scan", str(folder), "--json")
    summary = _json(out)[0]["summary"]
    assert code == 1  # one file failed; the others are in
    assert (summary["added"], summary["analyzed"], summary["failed"]) == (6, 5, 1)
    assert summary["failures"][0][0].endswith("broken.wav")

    code, out, err = _run(capfd, "scan", str(folder))
    assert code == 0 and "5 unchanged" not in err and "6 unchanged" in err

    code, out, _ = _run(capfd, "search", "is:loop", "--json")
    loops = {Path(r["path"]).name: r for r in _json(out)}
    assert code == 0 and set(loops) == {"Beat_120.wav", "Chords_Am.flac"}
    assert loops["Beat_120.wav"]["bpm"] == pytest.approx(120, abs=1)

    code, out, _ = _run(capfd, "search", "sub")
    assert code == 0 and "Sub_A1.wav" in out and "HH_Closed" not in out

    beat_id = str(loops["Beat_120.wav"]["id"])
    code, out, _ = _run(capfd, "similar", beat_id, "--aspect", "rhythm", "-n", "2", "--json")
    similar = _json(out)
    assert code == 0 and len(similar) == 2 and all("score" in r for r in similar)
    assert beat_id not in [str(r["id"]) for r in similar]

    sub = str(folder / "Bass" / "Sub_A1.wav")
    assert _run(capfd, "tag", "add", sub, "Warm", "deep")[0] == 0
    assert _run(capfd, "tag", "rm", sub, "deep")[0] == 0
    assert _run(capfd, "fav", sub)[0] == 0
    assert _run(capfd, "collection", "add", "Low end", sub, beat_id)[0] == 0
    code, out, _ = _run(capfd, "show", sub, "--json")
    shown = _json(out)[0]
    assert shown["favourite"] and shown["collections"] == ["Low end"]
    assert {t["name"] for t in shown["tags"] if t["source"] == "user"} == {"warm"}
    assert shown["analysis"]["root_note"] == "A1"

    code, out, _ = _run(capfd, "collection", "ls", "--json")
    assert [(c["name"], c["size"]) for c in _json(out)] == [("Low end", 2)]

    kit = tmp_path / "kit"
    code, out, err = _run(
        capfd,
        "export",
        'collection:"Low end"',
        "--to",
        str(kit),
        "--pattern",
        "{type}_{bpm}_{key}_{name}",
        "--write-tags",
    )
    assert code == 0, err
    exported = sorted(p.name for p in kit.iterdir())
    # {type} is the sample type: the model calls the low A a bass; the click loop gets a type too.
    assert exported[0] == "bass_Sub_A1.wav" and exported[1].endswith("_120_Beat_120.wav")
    assert len(exported) == 2
    tags = mutagen.File(kit / exported[1])
    assert tags is not None and "120" in str(tags.tags.get("TBPM"))
    original = mutagen.File(folder / "Loops" / "Beat_120.wav")
    assert original is None or not original.tags  # the library's own file is untouched


def test_duplicates_and_reindex(folder: Path, capfd: pytest.CaptureFixture[str]) -> None:
    shutil.copy(folder / "Keys" / "Keys_C4.wav", folder / "Keys" / "Keys_C4 copy.wav")
    _run(capfd, "scan", str(folder))
    code, out, _ = _run(capfd, "duplicates", "--json")
    groups = _json(out)
    exact = [g for g in groups if g["kind"] == "exact"]
    assert code == 0 and len(exact) == 1
    assert sorted(Path(s["path"]).name for s in exact[0]["samples"]) == [
        "Keys_C4 copy.wav",
        "Keys_C4.wav",
    ]
    code, out, _ = _run(capfd, "reindex")
    assert code == 0 and "6 sample(s) indexed" in out


def test_write_tags_into_the_library_files(folder: Path, capfd: pytest.CaptureFixture[str]) -> None:
    _run(capfd, "scan", str(folder))
    code, _, err = _run(capfd, "write-tags", "is:loop")
    assert code == 0 and "2 file(s) tagged" in err
    tags = mutagen.File(folder / "Loops" / "Chords_Am.flac")
    assert tags is not None and tags.get("INITIALKEY")
    assert tags.get("BPM")


def test_usage_and_lookup_errors(folder: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capfd, "search", "bpm:fast", "kick")
    assert code == 2 and "^" in err
    code, _, err = _run(capfd, "show", "424242")
    assert code == 1 and "424242" in err
    code, _, err = _run(capfd, "similar", "1", "--aspect", "colour")
    assert code == 2


def test_a_dead_database_is_one_clear_error(
    folder: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAMPLEMIND_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    code, _, err = _run(capfd, "search", "kick")
    assert code == 1 and "is unavailable" in err and "Connection refused" in err
    assert "Traceback" not in err


def test_markup_in_names_and_tags_is_printed_as_text(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # Sample packs name files with brackets and tags are free text; rich would read "[red]" or
    # "[/]" as markup and swallow the text or crash ("closing tag has nothing to close").
    root = tmp_path / "Pack [bold]"
    write(root / "Kick [red]Heavy.wav", tone(40, 0.5))
    (root / "Bad [bold].wav").write_bytes(b"RIFF1234WAVEjunk")
    code, _, err = _run(capfd, "scan", str(root))
    assert code == 1 and "Bad [bold].wav" in err
    kick = str(root / "Kick [red]Heavy.wav")
    assert _run(capfd, "tag", "add", kick, "[/]dusty")[0] == 0
    for argv in (("search", ""), ("show", kick), ("fav", kick)):
        code, out, _ = _run(capfd, *argv)
        assert code == 0, argv
        assert "Kick[red]Heavy.wav" in "".join(out.split()), argv  # tables fold long paths
    code, out, _ = _run(capfd, "show", kick)
    assert "[/]dusty" in out and "Pack[bold]" in "".join(out.split())
