"""HTTP API load benchmark: search and sample-detail throughput and latency under concurrency.

    uv run python -m benchmarks.api_load
    uv run python -m benchmarks.api_load --rows 10000 --clients 50 --duration 20 --warmup 3
    uv run python -m benchmarks.api_load --clients 1          # unloaded latency, for comparison

What it measures: requests/s and p50/p95/p99 latency of ``GET /api/samples?q=...&limit=50``
(search with the query language) and ``GET /api/samples/{id}`` (sample detail) with N
concurrent clients, against the target "p95 < 100 ms at 50 clients on a 10,000-sample library".

How: a fresh data directory gets a SQLite library of ``--rows`` synthetic samples (the same
rows as ``library_bench query``), then the real server starts in a subprocess
(``python -m samplemind serve`` on a free loopback port; uvicorn, uvloop, httptools) with the
in-memory vector backend. Each scenario runs ``--clients`` asyncio tasks that share one
``httpx.AsyncClient``, each sending request after request (a closed loop): ``--warmup``
seconds that are not recorded, then ``--duration`` seconds that are. ``search`` cycles through
``library_bench``'s query mix, ``detail`` asks for random ids, ``mixed`` is 80 % search and
20 % detail. Non-2xx answers and transport failures count as errors. The client runs on the
same machine as the server, so both share its cores: the CPU table says how much each used
and how much other processes took (run it on an otherwise idle machine; it warns when the
machine was busy before the start). Nothing leaves loopback; the server is stopped and the
data directory removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import numpy as np

from benchmarks.library_bench import _QUERIES, _env, _fill

#: The issue's target for p95 latency at 50 clients.
TARGET_P95_MS = 100.0
_HEALTH_TIMEOUT_S = 60.0
_REQUEST_TIMEOUT_S = 30.0
_MAX_ERROR_BODIES = 3
_SEARCH_SHARE = 0.8  # of the mixed scenario

#: One request's path and query parameters, chosen by a client's own random generator.
Picker = Callable[[random.Random, int], tuple[str, dict[str, str | int]]]


@dataclass
class Result:
    """One scenario's recorded requests."""

    scenario: str
    clients: int
    latencies_s: list[float] = field(default_factory=list)
    errors: int = 0
    error_bodies: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    machine_cpu_s: float = 0.0  # every process on the machine, for what else was running

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        return float(np.percentile(self.latencies_s, q)) * 1000

    @property
    def requests(self) -> int:
        return len(self.latencies_s)

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0


# --- what each scenario asks for ---------------------------------------------------------------


def _search(_rng: random.Random, n: int) -> tuple[str, dict[str, str | int]]:
    return "/api/samples", {"q": _QUERIES[n % len(_QUERIES)], "limit": 50}


def _detail_picker(rows: int) -> Picker:
    def detail(rng: random.Random, _n: int) -> tuple[str, dict[str, str | int]]:
        return f"/api/samples/{rng.randint(1, rows)}", {}

    return detail


def _mixed_picker(rows: int) -> Picker:
    detail = _detail_picker(rows)

    def mixed(rng: random.Random, n: int) -> tuple[str, dict[str, str | int]]:
        return _search(rng, n) if rng.random() < _SEARCH_SHARE else detail(rng, n)

    return mixed


# --- the server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _build_library(data_dir: Path, rows: int, seed: int) -> float:
    """A migrated SQLite library of ``rows`` synthetic samples where the app looks for it."""
    from samplemind.storage.sql import SqlStore

    started = time.perf_counter()
    url = f"sqlite:///{data_dir}/library.db"
    store = SqlStore.open(url)  # creates and migrates the schema
    _fill(url, rows, seed)
    store.optimize()  # planner statistics, as after every scan
    store.close()
    return time.perf_counter() - started


def _start_server(data_dir: Path, port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    env = _env(data_dir)
    env["SAMPLEMIND_VECTOR_BACKEND"] = "memory"
    cmd = [sys.executable, "-m", "samplemind", "serve", "--host", "127.0.0.1", "--port", str(port)]
    # uvicorn's access log goes to stdout: into the file too, never an unread pipe.
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_healthy(proc: subprocess.Popen[bytes], base: str) -> float:
    started = time.perf_counter()
    deadline = started + _HEALTH_TIMEOUT_S
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode}")
        try:
            answer = httpx.get(f"{base}/health", timeout=2.0)
            if answer.status_code == 200 and answer.json().get("status") == "ok":
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no healthy answer from {base}/health in {_HEALTH_TIMEOUT_S:.0f} s")


def _stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (``/proc/<pid>/stat``; 0 where unavailable)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_cpu_s() -> float:
    """Busy CPU seconds of the whole machine, all cores (``/proc/stat``; 0 where unavailable)."""
    try:
        with open("/proc/stat") as fh:
            ticks = [int(v) for v in fh.readline().split()[1:9]]
    except (OSError, ValueError):
        return 0.0
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- the clients -------------------------------------------------------------------------------


async def _client_loop(
    client: httpx.AsyncClient,
    pick: Picker,
    rng: random.Random,
    first: int,
    measure_from: float,
    deadline: float,
    result: Result,
) -> float:
    """Request after request until ``deadline``; records those started after ``measure_from``.
    Returns when the last recorded request finished."""
    n, last_end = first, measure_from
    while (started := time.perf_counter()) < deadline:
        path, params = pick(rng, n)
        n += 1
        try:
            answer = await client.get(path, params=params)
            ok, body = answer.is_success, answer.text if not answer.is_success else ""
        except httpx.HTTPError as exc:
            ok, body = False, f"{type(exc).__name__}: {exc}"
        ended = time.perf_counter()
        if started < measure_from:
            continue
        last_end = ended
        result.latencies_s.append(ended - started)
        if not ok:
            result.errors += 1
            if len(result.error_bodies) < _MAX_ERROR_BODIES:
                result.error_bodies.append(f"{path} {params}: {body[:300]}")
    return last_end


async def _scenario(
    base: str,
    name: str,
    pick: Picker,
    *,
    clients: int,
    duration: float,
    warmup: float,
    seed: int,
    server_pid: int,
) -> Result:
    result = Result(scenario=name, clients=clients)
    # Idle connections expire before uvicorn's 5 s keep-alive timeout closes them, so no
    # request races the server's close (a spurious ReadError).
    limits = httpx.Limits(
        max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=_REQUEST_TIMEOUT_S
    ) as client:
        start = time.perf_counter()
        measure_from = start + warmup
        deadline = measure_from + duration
        tasks = [
            _client_loop(
                client, pick, random.Random(seed * 1000 + i), i, measure_from, deadline, result
            )
            for i in range(clients)
        ]
        # CPU is counted from the end of the warm-up (approximately: a sleep on the same loop).
        cpu_probe = asyncio.create_task(_cpu_at(measure_from, server_pid))
        ends = await asyncio.gather(*tasks)
        server_0, client_0, machine_0 = await cpu_probe
        server_1, client_1, machine_1 = _cpu_now(server_pid)
    result.elapsed_s = max(ends) - measure_from
    result.server_cpu_s = server_1 - server_0
    result.client_cpu_s = client_1 - client_0
    result.machine_cpu_s = machine_1 - machine_0
    return result


def _cpu_now(pid: int) -> tuple[float, float, float]:
    return _cpu_s(pid), _own_cpu_s(), _machine_cpu_s()


async def _cpu_at(when: float, pid: int) -> tuple[float, float, float]:
    await asyncio.sleep(max(0.0, when - time.perf_counter()))
    return _cpu_now(pid)


async def _run_all(
    base: str, scenarios: list[tuple[str, Picker]], args: argparse.Namespace, pid: int
) -> list[Result]:
    results = []
    for name, pick in scenarios:
        print(f"  {name}: {args.warmup:g} s warm-up + {args.duration:g} s ...", flush=True)
        results.append(
            await _scenario(
                base,
                name,
                pick,
                clients=args.clients,
                duration=args.duration,
                warmup=args.warmup,
                seed=args.seed,
                server_pid=pid,
            )
        )
    return results


def _run_loop(main: Coroutine[Any, Any, list[Result]]) -> list[Result]:
    """Run the clients on uvloop (as the server does) where it is installed."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with the server's dependencies
        return asyncio.run(main)
    return uvloop.run(main)


# --- report ------------------------------------------------------------------------------------


def _report(results: list[Result], args: argparse.Namespace) -> None:
    print(
        f"\n| {'scenario':<8} | {'clients':>7} | {'requests':>8} | {'req/s':>7} | "
        f"{'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'errors':>6} |"
    )
    print("|----------|--------:|---------:|--------:|--------:|--------:|--------:|-------:|")
    for r in results:
        print(
            f"| {r.scenario:<8} | {r.clients:>7} | {r.requests:>8} | {r.rate:>7.0f} | "
            f"{r.percentile_ms(50):>7.1f} | {r.percentile_ms(95):>7.1f} | "
            f"{r.percentile_ms(99):>7.1f} | {r.errors:>6} |"
        )
    verdicts = ", ".join(
        f"{r.scenario} {'met' if r.percentile_ms(95) < TARGET_P95_MS else 'MISSED'} "
        f"({r.percentile_ms(95):.1f} ms)"
        for r in results
    )
    print(
        f"\nTarget: p95 < {TARGET_P95_MS:.0f} ms at 50 clients on a 10,000-sample library "
        f"(this run: {args.clients} clients, {args.rows} rows): {verdicts}."
    )
    print(
        f"Closed loop (Little's law): mean latency = clients / throughput, so a mean under "
        f"{TARGET_P95_MS:.0f} ms at {args.clients} clients takes more than "
        f"{args.clients / (TARGET_P95_MS / 1000):.0f} req/s."
    )
    cores = os.cpu_count() or 1
    print(f"\nCPU over each measured window ({cores} cores, {cores * 100} % in all):\n")
    print("| scenario | server CPU s | server % | client CPU s | client % | other processes % |")
    print("|----------|-------------:|---------:|-------------:|---------:|------------------:|")
    for r in results:
        window = r.elapsed_s or 1.0
        other = max(0.0, r.machine_cpu_s - r.server_cpu_s - r.client_cpu_s)
        print(
            f"| {r.scenario} | {r.server_cpu_s:.1f} | {100 * r.server_cpu_s / window:.0f} | "
            f"{r.client_cpu_s:.1f} | {100 * r.client_cpu_s / window:.0f} | "
            f"{100 * other / window:.0f} |"
        )
    print(
        "\n(server: the uvicorn process, all its threads; client: this process; other: the "
        "rest of the machine, which competes for the same cores.)"
    )
    for r in results:
        for body in r.error_bodies:
            print(f"\nerror ({r.scenario}): {body}")


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000, help="samples in the library")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds each")
    parser.add_argument("--warmup", type=float, default=3.0, help="unrecorded seconds each")
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--scenarios",
        default="search,detail,mixed",
        help="comma-separated subset of search, detail, mixed",
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.rows < 1 or args.duration <= 0 or args.warmup < 0:
        parser.error("--clients and --rows must be >= 1, --duration > 0, --warmup >= 0")
    available: dict[str, Picker] = {
        "search": _search,
        "detail": _detail_picker(args.rows),
        "mixed": _mixed_picker(args.rows),
    }
    wanted = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in available]
    if unknown or not wanted:
        parser.error(f"unknown scenarios {unknown}: choose from {', '.join(available)}")
    scenarios = [(name, available[name]) for name in wanted]

    data_dir = Path(tempfile.mkdtemp(prefix="samplemind-api-load-"))
    log_path = data_dir / "server.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        built_s = _build_library(data_dir, args.rows, args.seed)
        port = args.port or _free_port()
        base = f"http://127.0.0.1:{port}"
        with open(log_path, "wb") as log:
            proc = _start_server(data_dir, port, log)
        try:
            up_s = _wait_healthy(proc, base)
        except RuntimeError as exc:
            print(f"server did not come up: {exc}\n--- server log ---\n{_tail(log_path)}")
            sys.exit(1)
        before = _machine_cpu_s()
        time.sleep(1.0)
        busy = 100 * (_machine_cpu_s() - before) / (os.cpu_count() or 1)
        print(
            f"\nAPI load benchmark: {args.rows} samples (built in {built_s:.1f} s), server up "
            f"in {up_s:.1f} s at {base}, {args.clients} clients, {os.cpu_count()} CPUs, "
            f"Python {sys.version.split()[0]}; machine {busy:.0f} % busy before the run"
        )
        if busy > 20:
            print("warning: other processes are using the CPU; the figures will suffer")
        results = _run_loop(_run_all(base, scenarios, args, proc.pid))
        _report(results, args)
        if proc.poll() is not None:
            print(f"\nthe server exited early ({proc.returncode}):\n{_tail(log_path)}")
    finally:
        if proc is not None:
            _stop_server(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
