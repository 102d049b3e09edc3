"""The public surface: explicit, sorted, importable, typed."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import samplemind

PACKAGES = [
    "samplemind",
    "samplemind.domain",
    "samplemind.audio",
    "samplemind.analysis",
    "samplemind.errors",
    "samplemind.config",
    "samplemind.library",
    "samplemind.storage",
    "samplemind.index",
    "samplemind.search",
    "samplemind.processing",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    # isort-style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions.
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    for symbol in exported:
        assert hasattr(module, symbol), f"{name}.{symbol}"


def test_package_is_typed() -> None:
    assert (Path(samplemind.__file__).parent / "py.typed").exists()


def test_every_error_has_a_distinct_code() -> None:
    import samplemind.errors as errors

    classes = [getattr(errors, n) for n in errors.__all__]
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert all(issubclass(cls, errors.SampleMindError) for cls in classes)
    assert errors.TooLongError("x").to_dict() == {"code": "too_long", "message": "x"}


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "samplemind.toml").write_text("max_duration_s = 60\njobs = 3\n")
    monkeypatch.setenv("SAMPLEMIND_JOBS", "2")
    settings = samplemind.Settings()
    assert settings.max_duration_s == 60.0  # from the file
    assert settings.jobs == 2  # the environment wins over the file
    with pytest.raises(ValueError, match="greater than 0"):
        samplemind.Settings(max_duration_s=0)


def test_current_settings_follow_the_environment_and_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAMPLEMIND_JOBS", "2")
    first = samplemind.Settings.current()
    assert first.jobs == 2
    first.jobs = 7  # a caller's copy is its own
    assert samplemind.Settings.current().jobs == 2
    monkeypatch.setenv("SAMPLEMIND_JOBS", "3")
    assert samplemind.Settings.current().jobs == 3
    (tmp_path / "samplemind.toml").write_text("max_duration_s = 60\n")
    assert samplemind.Settings.current().max_duration_s == 60.0
    (tmp_path / "samplemind.toml").write_text("max_duration_s = 120\n")
    assert samplemind.Settings.current().max_duration_s == 120.0
    monkeypatch.chdir(tmp_path.parent)
    assert samplemind.Settings.current().max_duration_s == 900.0


def test_analyze_without_settings_obeys_a_limit_set_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import numpy as np
    import soundfile as sf

    path = tmp_path / "tone.wav"
    sf.write(path, np.zeros(44_100 * 3, dtype=np.float32), 44_100)
    assert samplemind.analyze(path, level="basic").audio.duration_s == 3.0
    monkeypatch.setenv("SAMPLEMIND_MAX_DURATION_S", "2")
    with pytest.raises(samplemind.errors.TooLongError):
        samplemind.analyze(path, level="basic")
