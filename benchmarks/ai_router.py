"""The AI router's overhead per call, and the cost projection's figures.

Overhead is measured against the protocol-faithful OpenAI server of the tests
(``tests/ai/fakellm.py``), run in its own process and answering at once, so the provider's own
time is what the real ``openai`` SDK needs for one request to it. Per call, same structured
output (a two-field object through the output tool), N calls after a warm-up:

- ``sdk``: ``AsyncOpenAI.chat.completions.create`` (the provider's own time);
- ``pydantic-ai``: ``Agent.run`` on the model, no router;
- ``router``: :meth:`Router.run` as the features call it: chain planning, budget check,
  breaker, a cache lookup that misses, the call, the ledger row in the library's SQLite
  database, the cache write;
- ``router, cache hit``: the same question again.

Wall time (p50, mean, p95) and the client process's CPU time per call (median; less sensitive
to other load on the machine than wall time) are printed.

Run: ``uv run python -m benchmarks.ai_router [--calls 300]`` (a few seconds). Figures depend on
the machine's load: print ``uptime`` beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel

SERVER = """
import sys, time
from tests.ai.fakellm import FakeLLM, structured
with FakeLLM("openai") as fake:
    fake.default = structured({"genre": "house", "bpm": 124}, input_tokens=350, output_tokens=150)
    print(fake.url, flush=True)
    sys.stdin.read()
"""


class Verdict(BaseModel):
    genre: str
    bpm: int


def _stats(samples_s: list[float]) -> tuple[float, float, float]:
    ms = sorted(s * 1000 for s in samples_s)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return statistics.median(ms), statistics.fmean(ms), p95


async def _measure(
    url: str, calls: int, data_dir: Path
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    from openai import AsyncOpenAI
    from pydantic_ai import Agent

    from samplemind.ai.router import Priority, Task
    from samplemind.ai.service import AiService
    from samplemind.config import Settings
    from samplemind.library import open_library

    settings = Settings(
        data_dir=data_dir,
        vector_backend="memory",
        ollama_url=None,
        openai_api_key="sk-bench",
        ai_base_urls={"openai": f"{url}/v1"},
        ai_routes={"classify": ["openai:gpt-4o-mini"]},
    )
    library = open_library(settings)
    ai = AiService(library, settings)
    agent: Agent[None, Verdict] = Agent(output_type=Verdict, instructions="classify the sound")
    client = AsyncOpenAI(api_key="sk-bench", base_url=f"{url}/v1", max_retries=0)
    tool = {
        "type": "function",
        "function": {
            "name": "final_result",
            "parameters": Verdict.model_json_schema(),
        },
    }
    model = ai.catalogue.model(ai.catalogue.available()[0])
    results: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    async def sdk(i: int) -> None:
        response = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": f"kick {i}"}],
            tools=[tool],  # type: ignore[list-item]
            tool_choice="required",
        )
        assert response.choices[0].message.tool_calls

    async def direct(i: int) -> None:
        result = await agent.run(f"kick {i}", model=model, model_settings={"max_retries": 0})
        assert result.output.bpm == 124

    async def routed(i: int) -> None:
        result = await ai.router.run(
            agent, f"kick {i}", task=Task.CLASSIFY, priority=Priority.COST, feature="bench@1"
        )
        assert result.output.bpm == 124

    async def hit(i: int) -> None:
        result = await ai.router.run(
            agent, "kick 0", task=Task.CLASSIFY, priority=Priority.COST, feature="bench@1"
        )
        assert result.cached

    # Interleaved rounds, so drifts in machine load touch every variant alike.
    variants = {"sdk": sdk, "pydantic-ai": direct, "router": routed, "router, cache hit": hit}
    await routed(0)  # the question the cache-hit variant asks again
    for fn in variants.values():
        for i in range(20):
            await fn(10_000_000 + i)
    for i in range(calls):
        for name, fn in variants.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            await fn(i + 1)
            cpu.setdefault(name, []).append(time.process_time() - cpu_started)
            results.setdefault(name, []).append(time.perf_counter() - started)
    await ai.aclose()
    await client.close()
    library.close()
    return results, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args(argv)

    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            results, cpu = asyncio.run(_measure(url, args.calls, Path(tmp)))
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(timeout=10)

    load = os.getloadavg()
    print(f"AI router overhead, {args.calls} calls each, fake OpenAI server in its own process")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores\n")
    print(f"| {'path':<20} | {'p50 ms':>7} | {'mean ms':>7} | {'p95 ms':>7} | {'CPU ms':>7} |")
    print(f"|{'-' * 22}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    stats = {name: _stats(samples) for name, samples in results.items()}
    cpu_ms = {name: statistics.median(v) * 1000 for name, v in cpu.items()}
    for name, (p50, mean, p95) in stats.items():
        print(f"| {name:<20} | {p50:7.2f} | {mean:7.2f} | {p95:7.2f} | {cpu_ms[name]:7.2f} |")
    sdk, direct, routed = stats["sdk"][0], stats["pydantic-ai"][0], stats["router"][0]
    print(
        f"\nrouter over pydantic-ai: {routed - direct:+.2f} ms wall (p50), "
        f"{cpu_ms['router'] - cpu_ms['pydantic-ai']:+.2f} ms CPU (median)  (target < 2 ms)"
    )
    print(
        f"router over the bare SDK: {routed - sdk:+.2f} ms wall (p50), "
        f"{cpu_ms['router'] - cpu_ms['sdk']:+.2f} ms CPU (pydantic-ai included)"
    )

    from samplemind.ai.ledger import Pricing
    from samplemind.ai.projection import project
    from samplemind.config import Settings

    report = project(Pricing(Settings()))
    print(
        f"\ncost projection: {report.requests:,} requests/month × {report.tokens} tokens "
        f"({report.input_tokens} in + {report.output_tokens} out), default task mix\n"
    )
    print(f"| {'scenario':<42} | {'USD/month':>9} | {'saving':>15} |")
    print(f"|{'-' * 44}|{'-' * 11}|{'-' * 17}|")
    print(f"| {report.baseline.name:<42} | {report.baseline.cost_usd:9.2f} | {'-':>15} |")
    for s in report.scenarios:
        saved, percent = s.saving_vs(report.baseline)
        print(f"| {s.name:<42} | {s.cost_usd:9.2f} | {saved:8.2f} ({percent:3.0f} %) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
