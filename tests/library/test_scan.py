"""Scanning a real folder into a real SQLite library: incremental, moves, missing, failures."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from samplemind.config import Settings
from samplemind.domain.library import AnalysisState, TagSource
from samplemind.library import Library, ScanOptions, ScanProgress, open_library
from tests.signals import chord, click_track, noise, sine, tone, write

FAST = ScanOptions(jobs=1)


def _kick(seed: int = 0) -> np.ndarray:
    t = np.arange(int(0.4 * 44_100)) / 44_100
    freq = 50 + (120 + 10 * seed) * np.exp(-t * 30)
    return (0.9 * np.sin(2 * np.pi * np.cumsum(freq) / 44_100) * np.exp(-t * 8)).astype(np.float32)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "Samples"
    write(root / "Drums" / "Kicks" / "Dark_Kick_01.wav", _kick(0))
    write(root / "Drums" / "Kicks" / "Kick_02.wav", _kick(3))
    write(root / "Drums" / "Hats" / "HH_Closed.wav", noise(0.15, level=0.3))
    write(root / "Bass" / "Sub_A1.wav", tone(33, 1.0))
    write(root / "Loops" / "Beat_120.wav", click_track(120, 2))
    write(root / "Loops" / "Chords_Am.wav", chord([57, 60, 64], 2.0))
    (root / ".hidden").mkdir()
    write(root / ".hidden" / "secret.wav", sine(440, 0.2))
    (root / "__MACOSX").mkdir()
    write(root / "__MACOSX" / "junk.wav", sine(440, 0.2))
    return root


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    settings = Settings(data_dir=tmp_path / "data", vector_backend="memory")
    with open_library(settings) as lib:
        yield lib


def test_first_scan_indexes_analyzes_and_tags(library: Library, folder: Path) -> None:
    events: list[ScanProgress] = []
    summary = library.scan([folder], options=FAST, progress=events.append)

    assert (summary.added, summary.analyzed, summary.failed) == (6, 6, 0)
    paths = {Path(h.sample.path).name for h in library.search("", limit=100)}
    assert paths == {
        "Dark_Kick_01.wav",
        "Kick_02.wav",
        "HH_Closed.wav",
        "Sub_A1.wav",
        "Beat_120.wav",
        "Chords_Am.wav",
    }
    kick = library.get(str(folder / "Drums" / "Kicks" / "Dark_Kick_01.wav"))
    assert kick.analysis_state is AnalysisState.DONE
    assert kick.loudness_lufs is not None and kick.duration_s == pytest.approx(0.4, abs=0.01)
    assert {"dark", "kick", "drums"} <= {
        t.name for t in kick.tags if t.source is TagSource.FILENAME
    }
    loop = library.get(str(folder / "Loops" / "Beat_120.wav"))
    assert loop.is_loop and loop.bpm == pytest.approx(120, abs=1)
    # Index events come first, then analysis with a known total.
    phases = [e.phase for e in events]
    assert phases.index("analyze") > phases.index("index")
    assert events[-1].phase == "analyze" and events[-1].done == events[-1].total == 6
    # Short files were analyzed first.
    analyze_order = [Path(e.path or "").name for e in events if e.phase == "analyze"]
    assert analyze_order.index("HH_Closed.wav") < analyze_order.index("Chords_Am.wav")
    assert library.scans()[0].summary.added == 6


def test_rescan_of_unchanged_library_does_nothing(library: Library, folder: Path) -> None:
    library.scan([folder], options=FAST)
    summary = library.scan([folder], options=FAST)
    assert (summary.added, summary.updated, summary.analyzed, summary.unchanged) == (0, 0, 0, 6)


def test_changed_file_is_reanalyzed_and_keeps_user_tags(library: Library, folder: Path) -> None:
    library.scan([folder], options=FAST)
    path = folder / "Bass" / "Sub_A1.wav"
    library.tag(str(path), ["warm"])
    library.favourite(str(path))
    before = library.get(str(path))
    write(path, tone(45, 1.0))  # A1 becomes A2: new bytes, a new root note
    os.utime(path, ns=(before.mtime_ns + 10**9, before.mtime_ns + 10**9))

    summary = library.scan([folder], options=FAST)

    assert (summary.updated, summary.analyzed) == (1, 1)
    after = library.get(str(path))
    assert after.id == before.id and after.content_hash != before.content_hash
    assert after.root_note != before.root_note
    assert after.favourite and "warm" in after.tag_names


def test_touched_file_with_same_bytes_is_not_reanalyzed(library: Library, folder: Path) -> None:
    library.scan([folder], options=FAST)
    path = folder / "Bass" / "Sub_A1.wav"
    os.utime(path, ns=(1, 1))
    summary = library.scan([folder], options=FAST)
    assert (summary.updated, summary.analyzed, summary.unchanged) == (0, 0, 6)
    assert library.get(str(path)).mtime_ns == 1


def test_moved_and_renamed_files_keep_tags_favourites_collections(
    library: Library, folder: Path
) -> None:
    library.scan([folder], options=FAST)
    old = folder / "Drums" / "Kicks" / "Kick_02.wav"
    sample = library.tag(str(old), ["keeper"])
    library.favourite(sample.id)
    library.collection_add("Kit", [sample.id])
    new = folder / "Sorted" / "My Favourite Kick.wav"
    new.parent.mkdir()
    shutil.move(old, new)

    summary = library.scan([folder], options=FAST)

    assert (summary.moved, summary.added, summary.missing, summary.analyzed) == (1, 0, 0, 0)
    moved = library.get(str(new))
    assert moved.id == sample.id and moved.favourite and "keeper" in moved.tag_names
    assert [s.id for s in library.collection_samples("Kit")] == [sample.id]
    assert library.count("") == 6


def test_deleted_files_and_offline_roots_are_marked_missing_not_deleted(
    library: Library, folder: Path, tmp_path: Path
) -> None:
    library.scan([folder], options=FAST)
    hat = folder / "Drums" / "Hats" / "HH_Closed.wav"
    library.tag(str(hat), ["crisp"])
    hat.unlink()
    assert library.scan([folder], options=FAST).missing == 1
    assert library.count("") == 5
    assert library.count("is:missing") >= 1
    record = library.get(str(hat))
    assert record.missing and "crisp" in record.tag_names

    # The whole drive goes away: everything under the root is missing, nothing is deleted.
    offline = tmp_path / "offline"
    folder.rename(offline)
    assert library.scan([folder], options=FAST).missing == 5
    assert library.count("") == 0
    # It comes back: found again, nothing re-analyzed.
    offline.rename(folder)
    summary = library.scan([folder], options=FAST)
    assert (summary.unchanged, summary.analyzed) == (5, 0)
    assert library.count("") == 5


def test_bad_files_are_recorded_once_and_the_batch_goes_on(library: Library, folder: Path) -> None:
    (folder / "corrupt.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage")
    (folder / "empty.flac").write_bytes(b"")
    summary = library.scan([folder], options=FAST)
    assert summary.added == 8 and summary.analyzed == 6 and summary.failed == 2
    failed = {Path(p).name: code for p, code, _ in summary.failures}
    assert set(failed) == {"corrupt.wav", "empty.flac"}
    record = library.get(str(folder / "corrupt.wav"))
    assert record.analysis_state is AnalysisState.FAILED and record.error_message
    # Not retried while unchanged; retried on request.
    assert library.scan([folder], options=FAST).failed == 0
    retry = library.scan([folder], options=ScanOptions(jobs=1, retry_failed=True))
    assert retry.failed == 2


def test_reanalyze_runs_only_outdated_analyzers(library: Library, folder: Path) -> None:
    library.scan([folder], options=FAST)
    sample = library.get(str(folder / "Loops" / "Beat_120.wav"))
    analysis = library.analysis(sample.id)
    assert analysis is not None
    # Pretend tempo@1 made the stored tempo: an analyzer upgrade since.
    stale = analysis.model_copy(
        update={"analyzers": {"tempo": 0}, "tempo": analysis.tempo.model_copy(update={"bpm": 99.0})}
    )
    library.store.save_analysis(sample.id, stale)
    assert library.get(sample.id).bpm == 99.0

    assert library.scan([folder], options=FAST).analyzed == 0  # plain scans leave it alone
    summary = library.scan([folder], options=ScanOptions(jobs=1, reanalyze=True))

    assert summary.analyzed == 1
    again = library.analysis(sample.id)
    assert again is not None and again.analyzers["tempo"] >= 1
    assert library.get(sample.id).bpm == pytest.approx(120, abs=1)


def test_scanning_a_single_file_and_a_folder_that_does_not_exist(
    library: Library, folder: Path, tmp_path: Path
) -> None:
    single = folder / "Bass" / "Sub_A1.wav"
    assert library.scan([single], options=FAST).added == 1
    assert library.scan([tmp_path / "nope"], options=FAST).added == 0
    assert library.count("") == 1


def test_database_is_sqlite_in_wal_mode_with_integrity(library: Library, folder: Path) -> None:
    library.scan([folder], options=FAST)
    db = Path(library.settings.resolved_database_url().removeprefix("sqlite:///"))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (count,) = conn.execute("select count(*) from samples").fetchone()
    assert count == 6


def test_watch_keeps_the_library_in_sync(library: Library, folder: Path) -> None:
    import threading

    library.scan([folder], options=FAST)
    stop = threading.Event()
    batches: list[tuple[list[str], int, int]] = []

    def on_change(changed: list[str], summary: object) -> None:
        batches.append((changed, summary.added, summary.missing))  # type: ignore[attr-defined]
        if sum(added for _, added, _ in batches) >= 1:  # the folder may come as its own batch
            stop.set()

    watcher = threading.Thread(
        target=library.watch,
        args=([folder],),
        kwargs={"options": FAST, "stop": stop, "on_change": on_change, "debounce_ms": 300},
    )
    watcher.start()
    try:
        import time

        time.sleep(1.0)  # let the watcher start before the change
        write(folder / "New" / "Clap_New.wav", noise(0.2, seed=5))
        watcher.join(timeout=60)
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert sum(added for _, added, _ in batches) == 1
    new = library.get(str(folder / "New" / "Clap_New.wav"))
    assert new.analysis_state is AnalysisState.DONE
