"""HTTP API load benchmark: search and sample-detail throughput and latency under concurrency.

    uv run python -m benchmarks.api_load
    uv run python -m benchmarks.api_load --rows 10000 --clients 50 --duration 20 --warmup 3
    uv run python -m benchmarks.api_load --cache on       # only the cached server
    uv run python -m benchmarks.api_load --client httpx   # Python clients instead of wrk
    uv run python -m benchmarks.api_load --clients 1      # unloaded latency, for comparison

What it measures: requests/s and p50/p95/p99 latency of ``GET /api/samples?q=...&limit=50``
(search with the query language) and ``GET /api/samples/{id}`` (sample detail) with N
concurrent clients, against the target "p95 < 100 ms at 50 clients on a 10,000-sample library";
and the server's CPU time per request.

How: a fresh data directory gets a SQLite library of ``--rows`` synthetic samples (the rows of
``library_bench query``), then the real server starts in a subprocess (``python -m samplemind
serve`` on a free loopback port; uvicorn, uvloop, httptools) with the in-memory vector backend.
Each scenario runs ``--clients`` closed-loop connections, each sending request after request:
``--warmup`` seconds that are not recorded, then ``--duration`` seconds that are. ``search``
draws from ``--queries`` distinct queries (the query mix of ``library_bench`` and variations
of it: types, words, keys, BPM and loudness ranges, folders, sorts), ``detail`` asks for random
ids, ``mixed`` is 80 % search and 20 % detail. Every request accepts gzip, as browsers do.

The server caches search pages and sample details (``SAMPLEMIND_API_CACHE_MB``); every
scenario runs once against a server with the cache on (its hit rate, from the ``X-Cache``
header, is in the table) and once against a fresh server with the cache off (``--cache``).

Clients: ``wrk`` (C, with a generated Lua script; a few percent of a core) where it is on the
PATH, else ``httpx`` (50 asyncio clients in this process, which take most of a core from the
server: the figures are then pessimistic). Both share the machine's cores with the server: the
CPU table says how much the server, the client and other processes used. Nothing leaves
loopback; the servers are stopped and the data directory removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
from urllib.parse import quote, urlencode

import httpx
import numpy as np

from benchmarks.library_bench import _QUERIES, _TYPES, _WORDS, _env, _fill

#: The issue's target for p95 latency at 50 clients.
TARGET_P95_MS = 100.0
_HEALTH_TIMEOUT_S = 60.0
_REQUEST_TIMEOUT_S = 30.0
_MAX_ERROR_BODIES = 3
_SEARCH_SHARE = 0.8  # of the mixed scenario
_PAGE = 50
_CAMELOT = [f"{n}{m}" for n in range(1, 13) for m in "AB"]
_SORTS = ("-bpm", "bpm", "name", "-lufs")
_KEYS = ["Am", "Cm", "Fm", "Gm", "Dm", "Em", "C", "F", "G", "D", "A", "E"]


# --- what the clients ask for ------------------------------------------------------------------


def _range(rng: random.Random, low: int, high: int, widths: tuple[int, ...]) -> str:
    start = rng.randrange(low, high)
    return f"{start}..{start + rng.choice(widths)}"


def search_queries(n: int, seed: int) -> list[str]:
    """``n`` distinct queries: ``library_bench``'s mix first, then variations of each shape."""
    rng = random.Random(seed)
    shapes: list[Callable[[], str]] = [
        lambda: f"type:{rng.choice(_TYPES)} bpm:{_range(rng, 70, 170, (4, 8, 16))}",
        lambda: f"key:~{rng.choice(_CAMELOT)} is:loop",
        lambda: f"dur:<{rng.choice((0.5, 1, 2, 3))} tag:{rng.choice(_WORDS)}",
        lambda: rng.choice(_WORDS),
        lambda: f"{rng.choice(_WORDS)} {rng.choice(_TYPES)} type:{rng.choice(_TYPES)}",
        lambda: f"bpm:~{rng.randrange(80, 170)} sort:{rng.choice(_SORTS)}",
        lambda: (
            f"is:oneshot type:{rng.choice(_TYPES)} -tag:{rng.choice(_WORDS)} "
            f"lufs:>-{rng.randrange(10, 28)}"
        ),
        lambda: f"path:pack_{rng.randrange(250):03d} fav:{rng.choice(('yes', 'no'))}",
        lambda: (
            f"(type:{rng.choice(_TYPES)} key:{rng.choice(_KEYS)}|{rng.choice(_KEYS)}) OR "
            f"(type:{rng.choice(_TYPES)} key:{rng.choice(_KEYS)})"
        ),
        lambda: f"{rng.choice(_TYPES)} sort:{rng.choice(('-bpm', 'name', 'duration'))}",
    ]
    queries = list(dict.fromkeys(_QUERIES))[:n]
    seen = set(queries)
    attempts = 0
    while len(queries) < n and attempts < 100 * n:
        attempts += 1
        query = rng.choice(shapes)()
        if query not in seen:
            seen.add(query)
            queries.append(query)
    return queries


def search_path(query: str) -> str:
    return "/api/samples?" + urlencode({"q": query, "limit": _PAGE}, quote_via=quote)


@dataclass(frozen=True)
class Scenario:
    """What one scenario asks for: a share of searches (from ``paths``), the rest details."""

    name: str
    search_share: float
    paths: list[str]
    rows: int

    def pick(self, rng: random.Random) -> str:
        if rng.random() < self.search_share:
            return rng.choice(self.paths)
        return f"/api/samples/{rng.randint(1, self.rows)}"


def scenarios(rows: int, queries: list[str]) -> dict[str, Scenario]:
    paths = [search_path(q) for q in queries]
    return {
        "search": Scenario("search", 1.0, paths, rows),
        "detail": Scenario("detail", 0.0, paths, rows),
        "mixed": Scenario("mixed", _SEARCH_SHARE, paths, rows),
    }


# --- results -----------------------------------------------------------------------------------


@dataclass
class Result:
    """One scenario's recorded requests."""

    scenario: str
    cache: str
    clients: int
    client: str
    requests: int = 0
    p50_ms: float = float("nan")
    p95_ms: float = float("nan")
    p99_ms: float = float("nan")
    errors: int = 0
    hits: int = 0
    error_bodies: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    machine_cpu_s: float = 0.0  # every process on the machine, for what else was running
    server_wait_s: float = 0.0  # the server's threads, ready but waiting for a CPU
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0

    @property
    def hit_rate(self) -> float:
        return self.hits / self.requests if self.requests else 0.0

    @property
    def server_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / self.requests if self.requests else float("nan")


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


def _start_server(
    data_dir: Path, port: int, log: IO[bytes], *, cache_mb: float, access_log: bool
) -> subprocess.Popen[bytes]:
    env = _env(data_dir)
    env["SAMPLEMIND_VECTOR_BACKEND"] = "memory"
    env["SAMPLEMIND_API_CACHE_MB"] = str(cache_mb)
    env["SAMPLEMIND_API_ACCESS_LOG"] = "true" if access_log else "false"
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


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (``/proc/<pid>/stat``; 0 where unavailable)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree(root: int) -> list[int]:
    """``root`` and its living descendants (a server's worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def _tree_cpu_s(root: int) -> float:
    """CPU seconds of ``root`` and its living descendants."""
    return sum(_proc_cpu_s(pid) for pid in _tree(root))


def _tree_wait_s(root: int) -> float:
    """Seconds the threads of ``root`` and its descendants were ready to run but waited for a
    CPU (the run-queue wait of ``/proc/<pid>/task/<tid>/schedstat``; 0 where unavailable):
    what other processes on the machine cost the server."""
    total = 0
    for pid in _tree(root):
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as fh:
                    total += int(fh.read().split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return total / 1e9


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
    """This process and its finished children (wrk)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- wrk ---------------------------------------------------------------------------------------

_WRK_LUA = r"""
-- generated by benchmarks/api_load.py
local paths = {%(paths)s}
local rows, search_share = %(rows)d, %(share)r
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", %(seed)d * 1000 + counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed)
  hits, errors, bodies = 0, 0, {}
  wrk.headers["Accept-Encoding"] = "gzip"
end

function request()
  if math.random() < search_share then
    return wrk.format("GET", paths[math.random(#paths)])
  end
  return wrk.format("GET", "/api/samples/" .. math.random(rows))
end

function response(status, headers, body)
  if headers["x-cache"] == "hit" or headers["X-Cache"] == "hit" then hits = hits + 1 end
  if status < 200 or status > 299 then
    errors = errors + 1
    if #bodies < 3 then table.insert(bodies, status .. " " .. string.sub(body, 1, 200)) end
  end
end

function done(summary, latency, requests)
  local h, e, b = 0, 0, {}
  for _, t in ipairs(threads) do
    h = h + t:get("hits")
    e = e + t:get("errors")
    for _, x in ipairs(t:get("bodies")) do table.insert(b, x) end
  end
  local err = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "hits": %%d, "status_errors": %%d, "socket_errors": %%d, "bodies": [',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), h, e, err.connect + err.read + err.write + err.timeout))
  for i, x in ipairs(b) do
    io.write((i > 1 and "," or "") .. '"' .. x:gsub('[%%c"\\]', " ") .. '"')
  end
  io.write("]}\n")
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrk_script(scenario: Scenario, seed: int, folder: Path, *, suffix: str = "") -> Path:
    path = folder / f"{scenario.name}{suffix}.lua"
    path.write_text(
        _WRK_LUA
        % {
            "paths": ",".join(_lua_string(p) for p in scenario.paths),
            "rows": scenario.rows,
            "share": scenario.search_share,
            "seed": seed,
        }
    )
    return path


def _wrk(wrk: str, base: str, script: Path, *, clients: int, seconds: float) -> dict[str, Any]:
    threads = max(1, min(clients, os.cpu_count() or 1))
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={_REQUEST_TIMEOUT_S:.0f}s",
        "-s",
        str(script),
        base,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            parsed: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            return parsed
    raise RuntimeError(
        f"wrk gave no result (status {done.returncode}):\n{done.stdout}{done.stderr}"
    )


def _run_wrk(
    wrk: str, base: str, scenario: Scenario, args: argparse.Namespace, pid: int, folder: Path
) -> Result:
    script = _wrk_script(scenario, args.seed, folder)
    if args.warmup > 0:  # its own random draws: the measured run does not replay them
        warmup = _wrk_script(scenario, args.seed + 1, folder, suffix="-warmup")
        _wrk(wrk, base, warmup, clients=args.clients, seconds=args.warmup)
    before = _tree_cpu_s(pid), _own_cpu_s(), _machine_cpu_s()
    waited = _tree_wait_s(pid)
    out = _wrk(wrk, base, script, clients=args.clients, seconds=args.duration)
    after = _tree_cpu_s(pid), _own_cpu_s(), _machine_cpu_s()
    result_wait = _tree_wait_s(pid) - waited
    result = Result(scenario.name, "", args.clients, "wrk")
    result.requests = int(out["requests"])
    result.elapsed_s = out["duration_us"] / 1e6
    result.p50_ms, result.p95_ms, result.p99_ms = (out[f"p{q}_us"] / 1000 for q in (50, 95, 99))
    result.hits = int(out["hits"])
    result.errors = int(out["status_errors"]) + int(out["socket_errors"])
    result.error_bodies = list(out["bodies"])
    result.server_cpu_s, result.client_cpu_s, result.machine_cpu_s = (
        a - b for a, b in zip(after, before, strict=True)
    )
    result.server_wait_s = result_wait
    return result


# --- httpx (when wrk is missing) ---------------------------------------------------------------


async def _client_loop(
    client: httpx.AsyncClient,
    scenario: Scenario,
    rng: random.Random,
    measure_from: float,
    deadline: float,
    latencies: list[float],
    result: Result,
) -> float:
    """Request after request until ``deadline``; records those started after ``measure_from``.
    Returns when the last recorded request finished."""
    last_end = measure_from
    while (started := time.perf_counter()) < deadline:
        path = scenario.pick(rng)
        try:
            answer = await client.get(path)
            ok, body = answer.is_success, answer.text if not answer.is_success else ""
            hit = answer.headers.get("x-cache") == "hit"
        except httpx.HTTPError as exc:
            ok, body, hit = False, f"{type(exc).__name__}: {exc}", False
        ended = time.perf_counter()
        if started < measure_from:
            continue
        last_end = ended
        latencies.append(ended - started)
        result.hits += hit
        if not ok:
            result.errors += 1
            if len(result.error_bodies) < _MAX_ERROR_BODIES:
                result.error_bodies.append(f"{path}: {body[:300]}")
    return last_end


async def _httpx_scenario(
    base: str, scenario: Scenario, args: argparse.Namespace, pid: int
) -> Result:
    result = Result(scenario.name, "", args.clients, "httpx")
    latencies: list[float] = []
    # Idle connections expire before uvicorn's 5 s keep-alive timeout closes them, so no
    # request races the server's close (a spurious ReadError).
    limits = httpx.Limits(
        max_connections=args.clients, max_keepalive_connections=args.clients, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(
        base_url=base,
        limits=limits,
        timeout=_REQUEST_TIMEOUT_S,
        headers={"Accept-Encoding": "gzip"},
    ) as client:
        start = time.perf_counter()
        measure_from = start + args.warmup
        deadline = measure_from + args.duration
        tasks = [
            _client_loop(
                client,
                scenario,
                random.Random(args.seed * 1000 + i),
                measure_from,
                deadline,
                latencies,
                result,
            )
            for i in range(args.clients)
        ]

        waited: list[float] = []

        async def cpu_at(when: float) -> tuple[float, float, float]:
            await asyncio.sleep(max(0.0, when - time.perf_counter()))
            waited.append(_tree_wait_s(pid))
            return _tree_cpu_s(pid), _own_cpu_s(), _machine_cpu_s()

        # CPU is counted from the end of the warm-up (approximately: a sleep on the same loop).
        probe = asyncio.create_task(cpu_at(measure_from))
        ends = await asyncio.gather(*tasks)
        before = await probe
        after = _tree_cpu_s(pid), _own_cpu_s(), _machine_cpu_s()
        result.server_wait_s = _tree_wait_s(pid) - waited[0]
    result.elapsed_s = max(ends) - measure_from
    result.requests = len(latencies)
    if latencies:
        result.p50_ms, result.p95_ms, result.p99_ms = (
            float(np.percentile(latencies, q)) * 1000 for q in (50, 95, 99)
        )
    result.server_cpu_s, result.client_cpu_s, result.machine_cpu_s = (
        a - b for a, b in zip(after, before, strict=True)
    )
    return result


def _run_httpx(base: str, scenario: Scenario, args: argparse.Namespace, pid: int) -> Result:
    main: Coroutine[Any, Any, Result] = _httpx_scenario(base, scenario, args, pid)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with the server's dependencies
        return asyncio.run(main)
    return uvloop.run(main)


# --- report ------------------------------------------------------------------------------------


def _report(results: list[Result], args: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    print(
        "\n| scenario | cache | clients | requests | req/s | p50 ms | p95 ms | p99 ms | "
        "errors | cache hits | server CPU ms/req | load (1 min) |"
    )
    print(
        "|----------|-------|--------:|---------:|------:|-------:|-------:|-------:|"
        "-------:|-----------:|------------------:|-------------:|"
    )
    for r in results:
        hits = f"{100 * r.hit_rate:.0f} %" if r.cache == "on" else "–"
        print(
            f"| {r.scenario} | {r.cache} | {r.clients} | {r.requests} | {r.rate:.0f} | "
            f"{r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | {hits} | "
            f"{r.server_ms_per_request:.2f} | {r.load[0]:.2f} |"
        )
    verdicts = ", ".join(
        f"{r.scenario}/{r.cache} {'met' if r.p95_ms < TARGET_P95_MS else 'MISSED'} "
        f"({r.p95_ms:.1f} ms)"
        for r in results
    )
    print(
        f"\nTarget: p95 < {TARGET_P95_MS:.0f} ms at 50 clients on a 10,000-sample library "
        f"(this run: {args.clients} clients, {args.rows} rows, {args.queries} distinct "
        f"searches): {verdicts}."
    )
    print(f"\nCPU over each measured window ({cores} cores, {cores * 100} % in all):\n")
    print(
        "| scenario | cache | server CPU s | server % | client CPU s | client % | "
        "other processes % | server waited for a CPU s |"
    )
    print(
        "|----------|-------|-------------:|---------:|-------------:|---------:|"
        "------------------:|-------------------------:|"
    )
    for r in results:
        window = r.elapsed_s or 1.0
        other = max(0.0, r.machine_cpu_s - r.server_cpu_s - r.client_cpu_s)
        print(
            f"| {r.scenario} | {r.cache} | {r.server_cpu_s:.1f} | "
            f"{100 * r.server_cpu_s / window:.0f} | {r.client_cpu_s:.1f} | "
            f"{100 * r.client_cpu_s / window:.0f} | {100 * other / window:.0f} | "
            f"{r.server_wait_s:.1f} |"
        )
    print(
        "\n(server: the uvicorn process and its children; client: "
        f"{results[0].client if results else ''}; other: the rest of the machine, which "
        "competes for the same cores. Load: the 1-minute load average when the scenario ended.)"
    )
    for r in results:
        for body in r.error_bodies:
            print(f"\nerror ({r.scenario}, cache {r.cache}): {body}")


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000, help="samples in the library")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds each")
    parser.add_argument("--warmup", type=float, default=3.0, help="unrecorded seconds each")
    parser.add_argument("--queries", type=int, default=500, help="distinct search queries")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--scenarios",
        default="search,detail,mixed",
        help="comma-separated subset of search, detail, mixed",
    )
    parser.add_argument(
        "--cache", default="on,off", help="server response cache: on, off, or on,off (both)"
    )
    parser.add_argument("--cache-mb", type=float, default=64.0, help="its size when on")
    parser.add_argument(
        "--access-log", choices=("on", "off"), default="on", help="uvicorn's line per request"
    )
    parser.add_argument(
        "--client", choices=("auto", "wrk", "httpx"), default="auto", help="auto: wrk if found"
    )
    args = parser.parse_args(argv)
    if args.clients < 1 or args.rows < 1 or args.duration <= 0 or args.warmup < 0:
        parser.error("--clients and --rows must be >= 1, --duration > 0, --warmup >= 0")
    if args.queries < 1:
        parser.error("--queries must be >= 1")
    available = scenarios(args.rows, search_queries(args.queries, args.seed))
    wanted = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in available]
    if unknown or not wanted:
        parser.error(f"unknown scenarios {unknown}: choose from {', '.join(available)}")
    modes = [m.strip() for m in args.cache.split(",") if m.strip()]
    if not modes or any(m not in ("on", "off") for m in modes):
        parser.error("--cache takes on, off or on,off")
    wrk = shutil.which("wrk") if args.client in ("auto", "wrk") else None
    if args.client == "wrk" and wrk is None:
        parser.error("wrk is not on the PATH (apt-get install wrk), or use --client httpx")

    data_dir = Path(tempfile.mkdtemp(prefix="samplemind-api-load-"))
    results: list[Result] = []
    try:
        built_s = _build_library(data_dir, args.rows, args.seed)
        print(
            f"\nAPI load benchmark: {args.rows} samples (built in {built_s:.1f} s), "
            f"{args.clients} clients ({'wrk' if wrk else 'httpx'}), "
            f"{len(available['search'].paths)} distinct searches, {os.cpu_count()} CPUs, "
            f"Python {sys.version.split()[0]}, access log {args.access_log}; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the start"
        )
        for mode in modes:
            results.extend(_serve_and_run(data_dir, mode, wanted, available, args, wrk))
        _report(results, args)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _serve_and_run(
    data_dir: Path,
    mode: str,
    wanted: list[str],
    available: dict[str, Scenario],
    args: argparse.Namespace,
    wrk: str | None,
) -> list[Result]:
    """A fresh server with the cache ``mode``; each wanted scenario against it."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = data_dir / f"server-{mode}.log"
    results = []
    with open(log_path, "wb") as log:
        proc = _start_server(
            data_dir,
            port,
            log,
            cache_mb=args.cache_mb if mode == "on" else 0,
            access_log=args.access_log == "on",
        )
    try:
        try:
            up_s = _wait_healthy(proc, base)
        except RuntimeError as exc:
            print(f"server did not come up: {exc}\n--- server log ---\n{_tail(log_path)}")
            sys.exit(1)
        print(f"  server (cache {mode}) up in {up_s:.1f} s at {base}")
        for name in wanted:
            print(f"  {name}, cache {mode}: {args.warmup:g} s warm-up + {args.duration:g} s ...")
            scenario = available[name]
            if wrk:
                result = _run_wrk(wrk, base, scenario, args, proc.pid, data_dir)
            else:
                result = _run_httpx(base, scenario, args, proc.pid)
            result.cache = mode
            result.load = os.getloadavg()
            results.append(result)
        if proc.poll() is not None:
            print(f"\nthe server exited early ({proc.returncode}):\n{_tail(log_path)}")
    finally:
        _stop_server(proc)
    return results


if __name__ == "__main__":
    main()
