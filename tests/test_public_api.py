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
