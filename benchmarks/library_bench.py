"""Library benchmarks: scan throughput and memory, search/similarity latency, kill -9 recovery.

    uv run python -m benchmarks.library_corpus /tmp/lib10k --files 10000
    uv run python -m benchmarks.library_bench scan /tmp/lib10k
    uv run python -m benchmarks.library_bench query --rows 100000
    uv run python -m benchmarks.library_corpus /tmp/lib2k --files 2000 --seed 2
    uv run python -m benchmarks.library_bench kill9 /tmp/lib2k --kills 5

Each prints a table; docs/benchmarks.md keeps the figures. ``scan`` and ``kill9`` drive the real
``samplemind scan`` command in a subprocess against a fresh SQLite library; ``query`` fills a
library with synthetic rows and vectors (realistic value distributions) and times the public
search and similarity paths.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

_ENV_KEEP = ("PATH", "HOME", "LANG", "TMPDIR")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP}
    env["SAMPLEMIND_DATA_DIR"] = str(data_dir)
    return env


def _tree_rss_bytes(root_pid: int) -> int:
    """Resident memory of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        pid = int(entry)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = pages * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class _PeakSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, _tree_rss_bytes(self.pid))
            time.sleep(0.2)


def _scan(
    folder: Path, data_dir: Path, jobs: int | None, extra: list[str]
) -> tuple[float, int, dict]:
    cmd = [sys.executable, "-m", "samplemind", "scan", str(folder), "--json", *extra]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_env(data_dir), stdout=subprocess.PIPE, text=True)
    sampler = _PeakSampler(proc.pid)
    sampler.start()
    out, _ = proc.communicate()
    elapsed = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    summary = json.loads(out.strip().splitlines()[-1])["summary"] if out.strip() else {}
    return elapsed, sampler.peak, summary


def bench_scan(args: argparse.Namespace) -> None:
    files = sum(1 for _ in args.folder.rglob("*") if _.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        cold_s, cold_peak, cold = _scan(args.folder, data, args.jobs, [])
        index_s, index_peak, _ = _scan(args.folder, Path(tmp) / "idx", args.jobs, ["--index-only"])
        re_s, re_peak, again = _scan(args.folder, data, args.jobs, [])
        from samplemind.config import Settings
        from samplemind.library import open_library

        with open_library(Settings(data_dir=data)) as library:
            started = time.perf_counter()
            library.scan([args.folder])
            inproc_s = time.perf_counter() - started
    rows = [
        ("cold scan (index + STANDARD analysis)", files, cold_s, cold_peak, cold),
        ("index only (hash + header, no analysis)", files, index_s, index_peak, {}),
        ("re-scan, unchanged library", files, re_s, re_peak, again),
        ("re-scan, unchanged (Library.scan, no start-up)", files, inproc_s, 0, {}),
    ]
    print(
        f"\nScan benchmark: {files} files in {args.folder}, jobs={args.jobs or 'all cores'}, "
        f"{os.cpu_count()} CPUs\n"
    )
    print(f"| {'run':<48} | {'files':>6} | {'wall s':>8} | {'files/s':>8} | {'peak RSS MiB':>12} |")
    print(f"|{'-' * 50}|{'-' * 8}|{'-' * 10}|{'-' * 10}|{'-' * 14}|")
    for name, n, secs, peak, _ in rows:
        print(f"| {name:<48} | {n:>6} | {secs:>8.1f} | {n / secs:>8.0f} | {peak / 2**20:>12.0f} |")
    print(f"\ncold summary: {cold}\nre-scan summary: {again}")


# --- kill -9 ----------------------------------------------------------------------------------


def bench_kill9(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    files = sorted(str(p) for p in args.folder.rglob("*") if p.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        db = data / "library.db"
        cmd = [sys.executable, "-m", "samplemind", "scan", str(args.folder), "--json"]
        kills = []
        for attempt in range(args.kills):
            proc = subprocess.Popen(
                cmd,
                env=_env(data),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            delay = rng.uniform(1.0, args.max_delay)
            time.sleep(delay)
            alive = proc.poll() is None
            os.killpg(proc.pid, signal.SIGKILL)  # the scan and its workers, no clean-up
            proc.wait()
            done = _count(db, "select count(*) from samples where analysis_state = 'done'")
            kills.append((attempt + 1, delay, alive, done))
        final = subprocess.run(cmd, env=_env(data), capture_output=True, text=True, check=False)
        summary = json.loads(final.stdout.strip().splitlines()[-1])["summary"]
        with sqlite3.connect(db) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            paths = [r[0] for r in conn.execute("select path from samples")]
            states = dict(
                conn.execute(
                    "select analysis_state, count(*) from samples group by analysis_state"
                ).fetchall()
            )
            runs = dict(conn.execute("select status, count(*) from scan_runs group by status"))
            analyses_dupes = conn.execute(
                "select count(*) from (select sample_id, analyzer from analyses "
                "group by 1, 2 having count(*) > 1)"
            ).fetchone()[0]
    lost = len(set(files) - set(paths))
    duplicated = len(paths) - len(set(paths))
    print(f"\nkill -9 benchmark: {len(files)} files, {args.kills} kills at random points\n")
    print("| kill | after s | scan running | analyzed so far |")
    print("|-----:|--------:|:------------:|----------------:|")
    for n, delay, alive, done in kills:
        print(f"| {n} | {delay:.1f} | {'yes' if alive else 'no (finished)'} | {done} |")
    print(
        f"\nfinal run summary: added {summary['added']}, analyzed {summary['analyzed']}, "
        f"failed {summary['failed']}"
    )
    print("| check | result |\n|---|---|")
    print(f"| records | {len(paths)} for {len(files)} files |")
    print(f"| lost (file without record) | {lost} |")
    print(f"| duplicated records | {duplicated} |")
    print(f"| duplicated analysis rows | {analyses_dupes} |")
    print(f"| analysis states | {states} |")
    print(f"| scan runs | {runs} |")
    print(f"| PRAGMA integrity_check | {integrity} |")
    if (
        lost
        or duplicated
        or analyses_dupes
        or integrity != "ok"
        or states.get("done") != len(files)
    ):
        sys.exit(1)


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db, timeout=30) as conn:
        return int(conn.execute(sql).fetchone()[0])


# --- search and similarity latency -------------------------------------------------------------

_TYPES = (
    "kick",
    "snare",
    "clap",
    "hihat",
    "tom",
    "cymbal",
    "percussion",
    "bass",
    "keys",
    "pad",
    "lead",
    "pluck",
    "strings",
    "vocal",
    "fx",
)
_WORDS = (
    "dark",
    "bright",
    "punchy",
    "warm",
    "lofi",
    "analog",
    "deep",
    "hard",
    "soft",
    "vintage",
    "tight",
    "wide",
    "dirty",
    "clean",
    "trap",
    "house",
    "techno",
    "dnb",
    "ambient",
    "808",
)
_QUERIES = (
    "type:kick bpm:120..128",
    "key:~8A is:loop",
    "dur:<2 tag:dark",
    "kick",
    "dark kick type:kick",
    "bpm:~128 sort:-bpm",
    "is:oneshot type:snare -tag:lofi lufs:>-18",
    "path:pack_01 fav:yes",
    "(type:bass key:Fm|Cm) OR (type:pad key:Am)",
)
#: What the library table pages through: everything, a sort, a text search, a filter.
_PAGE_QUERIES = ("", "sort:-bpm", "kick", "type:kick")


def _fill(url: str, rows: int, seed: int) -> None:
    """Synthetic samples + tags straight into the schema (migrations already ran)."""
    import sqlalchemy as sa

    from samplemind.domain.music import Mode, MusicalKey
    from samplemind.domain.text import search_words
    from samplemind.storage import tables as t

    rng = np.random.default_rng(seed)
    engine = sa.create_engine(url)
    now = datetime.now(UTC)
    keys = [MusicalKey(tonic=i, mode=m) for i in range(12) for m in (Mode.MAJOR, Mode.MINOR)]
    batch = 5000
    with engine.begin() as conn:
        for start in range(0, rows, batch):
            samples, tags = [], []
            for i in range(start, min(rows, start + batch)):
                kind = _TYPES[int(rng.integers(len(_TYPES)))]
                loop = bool(rng.random() < 0.3)
                key = keys[int(rng.integers(24))] if rng.random() < 0.6 else None
                words = [_WORDS[int(j)] for j in rng.choice(len(_WORDS), 2, replace=False)]
                name = f"{words[0]}_{kind}_{i:06d}.wav"
                path = f"/music/Packs/pack_{i % 250:03d}/{kind}/{name}"
                samples.append(
                    {
                        "id": i + 1,
                        "path": path,
                        "name": name,
                        "content_hash": f"{i:032x}",
                        "size_bytes": int(rng.integers(10_000, 5_000_000)),
                        "mtime_ns": i,
                        "missing": False,
                        "format": "WAV",
                        "sample_rate_hz": 44_100,
                        "channels": 2,
                        "duration_s": float(rng.uniform(4, 16) if loop else rng.uniform(0.05, 3)),
                        "analysis_state": "done",
                        "loudness_lufs": float(rng.uniform(-30, -6)),
                        "peak_dbfs": float(rng.uniform(-12, 0)),
                        "is_loop": loop,
                        "bpm": float(rng.uniform(70, 175)) if loop else None,
                        "key": key.name if key else None,
                        "camelot": key.camelot if key else None,
                        "sample_type": kind,
                        "fts_name": search_words(name),
                        "fts_tags": " ".join(words[1:]),
                        "fts_path": search_words(path.rsplit("/", 1)[0]),
                        "added_at": now,
                        "updated_at": now,
                    }
                )
                tags.append(
                    {"sample_id": i + 1, "name": words[1], "source": "filename", "created_at": now}
                )
            conn.execute(t.samples.insert(), samples)
            conn.execute(t.tags.insert(), tags)
        conn.execute(
            t.favourites.insert(),
            [
                {"sample_id": int(i), "created_at": now}
                for i in rng.choice(np.arange(1, rows + 1), rows // 50, replace=False)
            ],
        )
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("select setval('samples_id_seq', :n)"), {"n": rows})
            conn.execute(sa.text("analyze"))
    engine.dispose()


def _percentiles(times_s: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times_s)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]


def _time(fn, reps: int) -> list[float]:  # type: ignore[no-untyped-def]
    fn()  # warm
    out = []
    for _ in range(reps):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def bench_query(args: argparse.Namespace) -> None:
    from samplemind.index.chroma import ChromaVectorIndex
    from samplemind.index.memory import MemoryVectorIndex
    from samplemind.index.spaces import SPACES, similarity_query
    from samplemind.search.parse import parse_query
    from samplemind.storage.sql import SqlStore

    rows = args.rows
    results: list[tuple[str, str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        urls = {"SQLite": f"sqlite:///{tmp}/bench.db"}
        if args.postgres:
            urls["PostgreSQL"] = args.postgres
        for label, url in urls.items():
            store = SqlStore.open(url)
            if label == "PostgreSQL":
                store.truncate_all()
            _fill(url, rows, args.seed)
            store.optimize()  # what every scan does when it finishes (planner statistics)
            for q in _QUERIES:
                parsed = parse_query(q)
                times = _time(lambda p=parsed, s=store: s.search(p, limit=50), args.reps)
                p50, p95 = _percentiles(times)
                results.append((f"search {label}", q, p50, p95))
            # The web table's pages: 200 rows and the total, by offset (a scroll, a jump).
            for q in _PAGE_QUERIES:
                parsed = parse_query(q)
                for offset in (0, rows // 2):
                    times = _time(
                        lambda p=parsed, s=store, o=offset: s.search_page(p, limit=201, offset=o),
                        max(5, args.reps // 10),
                    )
                    p50, p95 = _percentiles(times)
                    results.append(
                        (f"page of 200 {label}", f"{q or '(all)'} @ {offset:,}", p50, p95)
                    )
            if label == "PostgreSQL":
                store.truncate_all()  # leave the shared server as we found it
            store.close()

        rng = np.random.default_rng(args.seed)
        dims = {space.name: space.dim for space in SPACES}
        ids = list(range(1, rows + 1))
        vectors = {}
        for name, dim in dims.items():
            v = rng.standard_normal((rows, dim)).astype(np.float32)
            vectors[name] = v / np.linalg.norm(v, axis=1, keepdims=True)
        indexes = {
            "memory (exact numpy)": MemoryVectorIndex(),
            "ChromaDB embedded (HNSW)": ChromaVectorIndex.persistent(Path(tmp) / "chroma"),
        }
        for label, index in indexes.items():
            loaded = time.perf_counter()
            for name in ("timbre", "overall"):
                for start in range(0, rows, 5000):
                    index.upsert(
                        name, ids[start : start + 5000], vectors[name][start : start + 5000]
                    )
            load_s = time.perf_counter() - loaded
            for aspect in ("timbre", "overall"):
                probes = [int(i) for i in rng.integers(0, rows, args.reps + 1)]
                it = iter(probes)

                def one(aspect: str = aspect, it=it, index=index) -> None:  # type: ignore[no-untyped-def]
                    i = next(it)
                    space, vec = similarity_query({aspect: vectors[aspect][i]}, aspect)
                    index.query(space, vec, n=20, exclude={i + 1})

                p50, p95 = _percentiles(_time(one, args.reps))
                results.append(
                    (f"similar {label}", f"top-20 {aspect} (load {load_s:.0f} s)", p50, p95)
                )
            index.close()
    print(f"\nSearch and similarity latency over {rows:,} samples, {args.reps} runs each\n")
    print(f"| {'path':<32} | {'query':<52} | {'p50 ms':>7} | {'p95 ms':>7} |")
    print(f"|{'-' * 34}|{'-' * 54}|{'-' * 9}|{'-' * 9}|")
    for path, query, p50, p95 in results:
        print(f"| {path:<32} | {query:<52} | {p50:>7.2f} | {p95:>7.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    scan = sub.add_parser("scan", help="cold scan, index-only scan and re-scan of a folder")
    scan.add_argument("folder", type=Path)
    scan.add_argument("--jobs", type=int, default=None)
    query = sub.add_parser("query", help="search and similarity latency on synthetic rows")
    query.add_argument("--rows", type=int, default=100_000)
    query.add_argument("--reps", type=int, default=100)
    query.add_argument("--seed", type=int, default=3)
    query.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="PostgreSQL URL ('' to skip); its tables are emptied",
    )
    kill = sub.add_parser("kill9", help="kill -9 a scan at random points, then finish it")
    kill.add_argument("folder", type=Path)
    kill.add_argument("--kills", type=int, default=5)
    kill.add_argument("--max-delay", type=float, default=20.0)
    kill.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    {"scan": bench_scan, "query": bench_query, "kill9": bench_kill9}[args.command](args)


if __name__ == "__main__":
    main()
