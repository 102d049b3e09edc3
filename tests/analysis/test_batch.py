"""Isolated workers: one hostile file costs one error, never the batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from samplemind.analysis.batch import FileOutcome, analyze_many, default_jobs
from samplemind.config import Settings
from samplemind.domain.analysis import AnalysisLevel
from samplemind.errors import AnalysisError, DecodeError, WorkerCrashError, WorkerTimeoutError
from tests.audio.hostile import flac_declaring
from tests.signals import SR, noise, tone, write


@pytest.fixture
def mixed_batch(tmp_path: Path) -> list[Path]:
    good = [write(tmp_path / f"note_{m}.wav", tone(m, 0.6)) for m in (45, 52, 60)]
    bomb = tmp_path / "bomb.flac"
    bomb.write_bytes(flac_declaring(2**36 - 1))
    junk = tmp_path / "junk.wav"
    junk.write_bytes(bytes(range(256)) * 4)
    return [*good, bomb, junk, tmp_path / "missing.wav"]


def test_batch_reports_every_file_and_goes_on(mixed_batch: list[Path]) -> None:
    outcomes = {Path(o.path).name: o for o in analyze_many(mixed_batch, jobs=2)}
    assert set(outcomes) == {p.name for p in mixed_batch}
    for name in ("note_45.wav", "note_52.wav", "note_60.wav"):
        result = outcomes[name].result
        assert outcomes[name].ok and result is not None
        assert result.pitch is not None and result.pitch.midi == int(name[5:7])
    codes = {name: o.error.code for name, o in outcomes.items() if o.error}
    assert codes == {
        "bomb.flac": "absurd_header",
        "junk.wav": "decode_error",
        "missing.wav": "not_found",
    }
    assert isinstance(outcomes["junk.wav"].error, DecodeError)
    record = outcomes["junk.wav"].to_record()
    assert record["ok"] is False and record["error"]["code"] == "decode_error"


def test_per_file_time_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "long.wav", noise(20.0))
    settings = Settings(worker_timeout_s=0.05)
    [outcome] = list(analyze_many([path], settings=settings, jobs=1))
    assert isinstance(outcome.error, WorkerTimeoutError)
    assert "longer than 0.05 s" in outcome.error.message


def test_per_worker_memory_limit(tmp_path: Path) -> None:
    # 60 s of 8-channel audio needs ~85 MB per float32 copy: far beyond what is left under
    # a 300 MB address-space cap once NumPy and Essentia are loaded.
    path = write(
        tmp_path / "wide.wav", np.tile(noise(60.0, level=0.1)[:, None], (1, 8)), subtype="FLOAT"
    )
    settings = Settings(worker_memory_mb=300)
    outcomes = list(
        analyze_many([path, path], settings=settings, jobs=1, level=AnalysisLevel.BASIC)
    )
    assert len(outcomes) == 2
    for outcome in outcomes:
        assert isinstance(outcome.error, WorkerCrashError), outcome
        assert "300 MB" in outcome.error.message
    # The next batch, with room, succeeds on the same file.
    [ok] = list(analyze_many([path], jobs=1, level=AnalysisLevel.BASIC))
    assert ok.ok and ok.result is not None and ok.result.audio.channels == 8


def test_on_start_sees_every_path(tmp_path: Path) -> None:
    paths = [write(tmp_path / f"{i}.wav", tone(60 + i, 0.3)) for i in range(5)]
    started: list[str] = []
    outcomes = list(analyze_many(paths, jobs=2, on_start=started.append, level=AnalysisLevel.BASIC))
    assert sorted(started) == sorted(map(str, paths))
    assert all(o.ok for o in outcomes)


def test_outcome_records_and_jobs() -> None:
    outcome = FileOutcome("x.wav", error=AnalysisError("x.wav: broke"))
    assert outcome.to_record() == {
        "path": "x.wav",
        "ok": False,
        "error": {"code": "analysis_error", "message": "x.wav: broke"},
    }
    assert default_jobs() >= 1
    assert SR == 44100
