"""Export names and file placement: safe names everywhere, nothing replaced or escaped unasked."""

from __future__ import annotations

import errno
import os
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samplemind.audio import export as export_module
from samplemind.audio.export import MAX_NAME_BYTES, NAME_FIELDS, export_files, render_name
from samplemind.domain.music import MusicalKey
from samplemind.errors import AudioError, AudioNotFoundError, ConfigError

FULL = {
    "name": "dusty keys",
    "ext": "wav",
    "type": "loop",
    "bpm": 127.6,
    "key": "A minor",
    "camelot": MusicalKey.parse("Am"),
    "root": "A2",
    "dur": 7.5,
    "id": 42,
    "index": 3,
}

# --------------------------------------------------------------------------- render_name


@pytest.mark.parametrize(
    ("pattern", "fields", "expected"),
    [
        ("{type}_{bpm}_{key}_{name}", FULL, "loop_128_Am_dusty keys.wav"),
        ("{camelot} - {name} ({dur})", FULL, "8A - dusty keys (7.5s).wav"),
        ("{index:03d}_{id}_{root}", FULL, "003_42_A2.wav"),
        ("{name}.{ext}", FULL, "dusty keys.wav"),
        ("{name}", {"name": "kick", "ext": ".aif"}, "kick.aif"),
        ("{name}", {"name": "kick"}, "kick"),
        # Missing values vanish with one neighbouring separator.
        (
            "{type}_{bpm}_{key}_{name}",
            {"type": "kick", "name": "808", "ext": "wav"},
            "kick_808.wav",
        ),
        ("{type}_{bpm}_{key}_{name}", {"name": "808", "bpm": None, "key": ""}, "808"),
        ("{type}_{bpm}_{key}_{name}", {"type": "kick", "bpm": 90}, "kick_90"),
        ("{type} - {bpm} - {name}", {"type": "pad", "name": "air"}, "pad - air"),
        ("{bpm}bpm_{name}", {"name": "x", "bpm": float("nan")}, "bpm_x"),
        # A key that does not parse is shown as given.
        ("{key}", {"key": "atonal"}, "atonal"),
        ("{key}_{camelot}", {"key": MusicalKey.parse("F#m"), "camelot": "F#m"}, "F#m_11A"),
        ("{dur}", {"dur": 2}, "2s"),
    ],
)
def test_render_name(pattern: str, fields: dict[str, object], expected: str) -> None:
    assert render_name(pattern, fields) == expected


def test_unknown_fields_and_bad_patterns_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="valid: name, ext, type, bpm") as caught:
        render_name("{tempo}_{name}", FULL)
    assert "'tempo'" in caught.value.message
    for pattern in ("{name", "{name!r}", "{bpm:q}", "{0}"):
        with pytest.raises(ConfigError):
            render_name(pattern, FULL)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("snare/rim\\hit", "snare_rim_hit.wav"),
        ('a<b>c:d"e|f?g*h', "a_b_c_d_e_f_g_h.wav"),
        ("tab\there\x00nul\x1fend", "tab_here_nul_end.wav"),
        ("CON", "_CON.wav"),
        ("com1", "_com1.wav"),
        ("Lpt9.backup", "_Lpt9.backup.wav"),
        ("console", "console.wav"),
        (".hidden", "_hidden.wav"),
        ("..", "_.wav"),
        ("trailing dots...  ", "trailing dots.wav"),
        ("", "untitled.wav"),
        ("   ", "untitled.wav"),
    ],
)
def test_names_are_safe_on_every_platform(name: str, expected: str) -> None:
    assert render_name("{name}", {"name": name, "ext": "wav"}) == expected


def test_long_names_are_cut_on_a_character_boundary_keeping_the_extension() -> None:
    name = render_name("{name}", {"name": "é" * 300, "ext": "flac"})
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name.endswith(".flac") and name.startswith("éé")
    emoji = render_name("{type}_{name}", {"type": "fx", "name": "💥" * 100, "ext": "wav"})
    assert len(emoji.encode()) <= MAX_NAME_BYTES and emoji.endswith("💥.wav")


def test_names_are_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "café")
    assert render_name("{name}", {"name": decomposed}) == "café"


@given(
    st.dictionaries(
        st.sampled_from(NAME_FIELDS),
        st.one_of(st.none(), st.text(max_size=80), st.floats(allow_nan=True), st.integers()),
    ),
    st.sampled_from(["{type}_{bpm}_{key}_{name}", "{name}", "{index} {name}.{ext}", "{camelot}"]),
)
def test_any_fields_give_a_safe_non_empty_name(fields: dict[str, object], pattern: str) -> None:
    name = render_name(pattern, fields)
    assert name
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert not any(char in name for char in '/\\<>:"|?*') and name.isprintable()
    assert name not in {".", ".."} and not name.startswith(".")
    assert not name.endswith((" ", "."))
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}


# --------------------------------------------------------------------------- export_files


@pytest.fixture
def sources(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "library"
    folder.mkdir()
    paths = []
    for i in range(3):
        path = folder / f"s{i}.wav"
        path.write_bytes(f"audio {i}".encode())
        os.utime(path, (1_000_000_000, 1_000_000_000 + i))
        paths.append(path)
    return paths


def _no_temp_files(dest: Path) -> bool:
    return not [p for p in dest.iterdir() if p.name.endswith(".samplemind-export")]


def test_copy_keeps_data_and_times_and_deduplicates(tmp_path: Path, sources: list[Path]) -> None:
    dest = tmp_path / "out" / "nested"
    (tmp_path / "out").mkdir()
    outcomes = export_files(
        [(sources[0], "kick.wav"), (sources[1], "kick.wav"), (sources[2], "KICK.wav")], dest
    )
    assert all(o.ok and o.mode == "copy" and not o.fell_back for o in outcomes)
    names = [o.target.name for o in outcomes if o.target]
    assert names == ["kick.wav", "kick (2).wav", "KICK (3).wav"]
    for source, outcome in zip(sources, outcomes, strict=True):
        assert outcome.target is not None and outcome.target.read_bytes() == source.read_bytes()
        assert outcome.target.stat().st_mtime == source.stat().st_mtime
        assert not outcome.target.is_symlink()
    assert "copied" in outcomes[0].message
    assert _no_temp_files(dest)


def test_existing_files_are_never_replaced_unless_asked(
    tmp_path: Path, sources: list[Path]
) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "kick.wav").write_bytes(b"precious")
    (dest / "kick (2).wav").write_bytes(b"also precious")
    (dest / "snare").mkdir()  # a folder with the name, even when overwriting
    [first] = export_files([(sources[0], "kick.wav")], dest)
    assert first.target == dest.resolve() / "kick (3).wav" and not first.replaced
    assert (dest / "kick.wav").read_bytes() == b"precious"

    replaced, folder = export_files(
        [(sources[1], "kick.wav"), (sources[2], "snare")], dest, overwrite=True
    )
    assert replaced.ok and replaced.replaced and "replaced" in replaced.message
    assert (dest / "kick.wav").read_bytes() == b"audio 1"
    assert (dest / "kick (2).wav").read_bytes() == b"also precious"
    assert folder.target == dest.resolve() / "snare (2)" and (dest / "snare").is_dir()
    assert _no_temp_files(dest)


def test_symlinks_in_the_destination_are_replaced_never_followed(
    tmp_path: Path, sources: list[Path]
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"do not touch")
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "a.wav").symlink_to(outside)
    (dest / "b.wav").symlink_to(outside)
    kept, replaced = export_files([(sources[0], "a.wav")], dest) + export_files(
        [(sources[1], "b.wav")], dest, overwrite=True
    )
    assert kept.target is not None and kept.target.name == "a (2).wav"
    assert (dest / "a.wav").is_symlink()
    assert replaced.replaced and not (dest / "b.wav").is_symlink()
    assert (dest / "b.wav").read_bytes() == b"audio 1"
    assert outside.read_bytes() == b"do not touch"


@pytest.mark.parametrize(
    "name", ["../escape.wav", "a/b.wav", "a\\b.wav", "..", ".", "", "/tmp/abs.wav", "nul\x00.wav"]
)
def test_names_that_could_escape_are_refused(
    tmp_path: Path, sources: list[Path], name: str
) -> None:
    dest = tmp_path / "out"
    bad, good = export_files([(sources[0], name), (sources[1], "fine.wav")], dest)
    assert isinstance(bad.error, ConfigError) and bad.target is None and not bad.ok
    assert good.ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library", "out"]
    assert [p.name for p in dest.iterdir()] == ["fine.wav"]


def test_failures_are_recorded_and_the_batch_goes_on(
    tmp_path: Path, sources: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "out"
    missing = tmp_path / "gone.wav"
    outcomes = export_files(
        [(missing, "a.wav"), (tmp_path / "library", "b.wav"), (sources[0], "c.wav")], dest
    )
    assert isinstance(outcomes[0].error, AudioNotFoundError)
    assert isinstance(outcomes[1].error, AudioNotFoundError)
    assert "gone.wav" in outcomes[0].message
    assert outcomes[2].ok

    real_copy2 = shutil.copy2

    def denied(src: Path, dst: Path) -> object:
        if Path(src).name == "s1.wav":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_copy2(src, dst)

    monkeypatch.setattr(shutil, "copy2", denied)
    failed, fine = export_files([(sources[1], "d.wav"), (sources[2], "e.wav")], dest)
    assert isinstance(failed.error, AudioError) and "Permission denied" in failed.error.message
    assert fine.ok
    # Neither the claimed name nor a temporary file is left behind.
    assert sorted(p.name for p in dest.iterdir()) == ["c.wav", "e.wav"]


def test_hard_links_share_the_file(tmp_path: Path, sources: list[Path]) -> None:
    [outcome] = export_files([(sources[0], "kick.wav")], tmp_path / "out", mode="link")
    assert outcome.ok and outcome.mode == "link" and not outcome.fell_back
    assert outcome.target is not None
    assert os.path.samefile(outcome.target, sources[0])
    assert "hard-linked" in outcome.message


def test_hard_link_across_devices_falls_back_to_a_copy(
    tmp_path: Path, sources: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def cross_device(src: object, dst: object, **kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    dest = tmp_path / "out"
    (dest).mkdir()
    (dest / "kick.wav").write_bytes(b"old")
    fresh, _, replacing = export_files(
        [(sources[0], "kick.wav"), (sources[1], "snare.wav")], dest, mode="link"
    ) + export_files([(sources[2], "kick.wav")], dest, mode="link", overwrite=True)
    assert fresh.ok and fresh.mode == "copy" and fresh.fell_back
    assert fresh.target is not None and fresh.target.name == "kick (2).wav"
    assert not os.path.samefile(fresh.target, sources[0])
    assert fresh.target.read_bytes() == b"audio 0"
    assert "hard link impossible" in fresh.message
    assert replacing.fell_back and replacing.replaced
    assert (dest / "kick.wav").read_bytes() == b"audio 2"
    assert _no_temp_files(dest)


def test_other_link_errors_are_failures(
    tmp_path: Path, sources: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(src: object, dst: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "link", no_space)
    [outcome] = export_files([(sources[0], "kick.wav")], tmp_path / "out", mode="link")
    assert isinstance(outcome.error, AudioError) and "No space" in outcome.error.message


def test_symlinks_point_at_the_absolute_source(
    tmp_path: Path, sources: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sources[0].parent)
    dest = tmp_path / "out"
    [outcome] = export_files([(Path(sources[0].name), "kick.wav")], dest, mode="symlink")
    assert outcome.ok and outcome.mode == "symlink" and outcome.target is not None
    assert outcome.target.is_symlink()
    assert Path(os.readlink(outcome.target)) == sources[0]
    assert outcome.target.read_bytes() == b"audio 0"


def test_the_source_itself_is_never_replaced(tmp_path: Path, sources: list[Path]) -> None:
    folder = sources[0].parent
    for mode in ("copy", "link", "symlink"):
        [outcome] = export_files([(sources[0], "s0.wav")], folder, mode=mode, overwrite=True)  # type: ignore[arg-type]
        assert isinstance(outcome.error, ConfigError)
        assert not sources[0].is_symlink() and sources[0].read_bytes() == b"audio 0"
    [renamed] = export_files([(sources[0], "s0.wav")], folder)
    assert renamed.target is not None and renamed.target.name == "s0 (2).wav"


def test_bad_mode_and_bad_destination(tmp_path: Path, sources: list[Path]) -> None:
    with pytest.raises(ConfigError, match="valid: copy, link, symlink"):
        export_files([(sources[0], "a.wav")], tmp_path / "out", mode="move")  # type: ignore[arg-type]
    not_a_folder = tmp_path / "file"
    not_a_folder.write_bytes(b"")
    with pytest.raises(ConfigError, match="export folder"):
        export_files([(sources[0], "a.wav")], not_a_folder)


def test_rendered_names_export_cleanly(tmp_path: Path, sources: list[Path]) -> None:
    names = [
        render_name("{type}_{bpm}_{key}_{name}", {"type": "kick", "name": "a/b", "ext": "wav"}),
        render_name("{type}_{bpm}_{key}_{name}", {"type": "kick", "name": "a\\b", "ext": "wav"}),
    ]
    outcomes = export_files(list(zip(sources, names, strict=False)), tmp_path / "out")
    assert [o.target.name for o in outcomes if o.target] == ["kick_a_b.wav", "kick_a_b (2).wav"]


def test_module_exports() -> None:
    assert set(export_module.__all__) >= {"render_name", "export_files", "ExportOutcome"}
