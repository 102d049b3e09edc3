"""Routing by task and priority, fallback on 500/429/timeout/unreachable, the circuit breaker and
structured-output retries: the real SDKs against the fake servers."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel

from samplemind.ai.catalogue import ModelSpec
from samplemind.ai.ledger import STANDARD_HOURS, Pricing
from samplemind.ai.router import CircuitBreaker, Priority, Task, plan
from samplemind.config import DEFAULT_AI_MODELS, Settings
from samplemind.errors import AiNotConfiguredError, AiProviderError, ConfigError
from tests.ai.conftest import Fakes, run
from tests.ai.fakellm import Reply, structured

EVERY = [ModelSpec.of(f"{p}:{m}") for p, models in DEFAULT_AI_MODELS.items() for m in models]


def refs(chain: list[ModelSpec]) -> list[str]:
    return [m.ref for m in chain]


# --- planning (pure) -----------------------------------------------------------------------
def test_cost_priority_puts_free_local_first_then_the_cheapest() -> None:
    standard = Pricing(Settings()).at(STANDARD_HOURS)
    chain = refs(plan(Task.CLASSIFY, Priority.COST, EVERY, standard))
    assert chain[0] == "ollama:llama3.3"
    assert chain[1] == "openai:gpt-4o-mini"  # $0.15/$0.60 per M tokens: the cheapest hosted
    assert chain.index("openai:gpt-4o-mini") < chain.index("openai:gpt-4o")
    assert chain[-1] in ("anthropic:claude-sonnet-4-5", "gemini-2.5-pro", "google:gemini-2.5-pro")
    assert sorted(chain) == sorted(m.ref for m in EVERY)  # every model stays, as a fallback


def test_prices_follow_the_clock_of_a_long_running_process() -> None:
    # DeepSeek halves its prices 16:30-00:30 UTC: then it is the cheapest hosted model.
    clock = [datetime(2026, 12, 2, 12, 0, tzinfo=UTC)]
    pricing = Pricing(Settings(), now=lambda: clock[0])
    deepseek = ModelSpec.of("deepseek:deepseek-chat")
    day = pricing.cost(deepseek, 1_000_000, 1_000_000)[0]
    assert refs(plan(Task.CLASSIFY, Priority.COST, EVERY, pricing))[1] == "openai:gpt-4o-mini"
    clock[0] = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    assert pricing.cost(deepseek, 1_000_000, 1_000_000)[0] == pytest.approx(day / 2)
    assert refs(plan(Task.CLASSIFY, Priority.COST, EVERY, pricing))[1] == "deepseek:deepseek-chat"


def test_speed_priority_is_local_first_then_the_fastest() -> None:
    chain = refs(plan(Task.QUERY, Priority.SPEED, EVERY, Pricing(Settings())))
    assert chain[:2] == ["ollama:llama3.3", "groq:llama-3.3-70b-versatile"]
    assert chain.index("google:gemini-2.5-flash") < chain.index("google:gemini-2.5-pro")


def test_quality_priority_depends_on_the_task() -> None:
    pricing = Pricing(Settings())
    creative = refs(plan(Task.CREATIVE, Priority.QUALITY, EVERY, pricing))
    factual = refs(plan(Task.FACTUAL, Priority.QUALITY, EVERY, pricing))
    assert creative[0] == "anthropic:claude-sonnet-4-5"
    assert factual[0] == "google:gemini-2.5-pro"
    assert creative.index("ollama:llama3.3") > creative.index("openai:gpt-4o")


def test_models_under_a_tasks_quality_floor_go_last() -> None:
    small = ModelSpec("compatible", "tiny-1b", quality=2.0, speed=5.0)
    models = [small, ModelSpec.of("openai:gpt-4o-mini")]
    advice = refs(plan(Task.ADVICE, Priority.COST, models, Pricing(Settings())))
    assert advice == ["openai:gpt-4o-mini", "compatible:tiny-1b"]  # free, but too weak first


def test_configured_routes_replace_the_order_and_skip_unavailable_models() -> None:
    routes = {
        "advice:quality": ["groq:llama-3.3-70b-versatile", "openai:gpt-4o", "anthropic:nope"],
        "advice": ["openai:gpt-4o-mini"],
    }
    available = [
        ModelSpec.of(r)
        for r in ("openai:gpt-4o", "groq:llama-3.3-70b-versatile", "openai:gpt-4o-mini")
    ]
    pricing = Pricing(Settings())
    assert refs(plan(Task.ADVICE, Priority.QUALITY, available, pricing, routes)) == [
        "groq:llama-3.3-70b-versatile",
        "openai:gpt-4o",
    ]
    assert refs(plan(Task.ADVICE, Priority.COST, available, pricing, routes)) == [
        "openai:gpt-4o-mini"
    ]
    with pytest.raises(ConfigError, match="provider:model"):
        plan(Task.ADVICE, Priority.COST, available, pricing, {"advice": ["gpt-4o"]})


def test_the_breaker_opens_after_n_failures_and_half_opens_after_the_cooldown() -> None:
    now = [100.0]
    breaker = CircuitBreaker(failures=3, cooldown_s=30, clock=lambda: now[0])
    for _ in range(2):
        breaker.failure("groq")
    assert breaker.state("groq") == "closed"
    breaker.success("groq")  # a success resets the count
    for _ in range(2):
        breaker.failure("groq")
    assert breaker.state("groq") == "closed"
    breaker.failure("groq")
    assert breaker.state("groq") == "open"
    assert breaker.retry_in_s("groq") == pytest.approx(30)
    now[0] += 30
    assert breaker.state("groq") == "half_open"
    breaker.failure("groq")  # the trial failed: open again at once
    assert breaker.state("groq") == "open"
    now[0] += 31
    breaker.success("groq")
    assert breaker.state("groq") == "closed"
    assert breaker.state("openai") == "closed"


# --- running against the fake servers ------------------------------------------------------
class Verdict(BaseModel):
    genre: str
    bpm: int


def _agent() -> Any:
    from pydantic_ai import Agent

    return Agent(output_type=Verdict, instructions="classify")


def test_no_provider_means_a_clear_error(make_ai: Any) -> None:
    ai = make_ai(providers=())
    with pytest.raises(AiNotConfiguredError, match="no LLM provider is configured"):
        run(ai.router.run(_agent(), "x", task=Task.CLASSIFY, feature="t@1"))


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (Reply(status=500), "server_error"),
        (Reply(status=503), "server_error"),
        (Reply(status=429), "rate_limited"),
        (Reply(delay_s=1.5), "timeout"),
    ],
    ids=["500", "503", "429", "timeout"],
)
def test_falls_back_down_the_chain(make_ai: Any, fakes: Fakes, failure: Reply, reason: str) -> None:
    ai = make_ai(
        providers=("openai", "anthropic"),
        ai_timeout_s=0.6,
        ai_routes={"classify": ["openai:gpt-4o-mini", "anthropic:claude-sonnet-4-5"]},
    )
    fakes.openai.then(failure)
    fakes.anthropic.then(structured({"genre": "house", "bpm": 124}))
    result = run(ai.router.run(_agent(), "a kick", task=Task.CLASSIFY, feature="t@1"))
    assert result.output == Verdict(genre="house", bpm=124)
    assert result.model == "anthropic:claude-sonnet-4-5"
    assert result.attempts == (("openai:gpt-4o-mini", reason),)
    assert len(fakes.openai.calls) == 1  # the SDK's own retries are off: fall back at once
    lines = {(x.provider, x.failed) for x in ai.costs().lines}
    assert ("openai", 1) in lines and ("anthropic", 0) in lines


def test_an_unreachable_provider_is_skipped(make_ai: Any, fakes: Fakes) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # nothing listens once closed
    ai = make_ai(
        providers=("openai", "anthropic"),
        ai_base_urls={"openai": f"http://127.0.0.1:{dead}/v1", "anthropic": fakes.anthropic.url},
        ai_routes={"classify": ["openai:gpt-4o-mini", "anthropic:claude-sonnet-4-5"]},
    )
    fakes.anthropic.then(structured({"genre": "trap", "bpm": 140}))
    result = run(ai.router.run(_agent(), "808", task=Task.CLASSIFY, feature="t@1"))
    assert result.attempts == (("openai:gpt-4o-mini", "unreachable"),)


def test_every_model_failing_lists_each_reason(make_ai: Any, fakes: Fakes) -> None:
    ai = make_ai(providers=("openai", "anthropic"))
    fakes.openai.default = Reply(status=500)
    fakes.anthropic.default = Reply(status=429)
    with pytest.raises(AiProviderError) as caught:
        run(ai.router.run(_agent(), "x", task=Task.CLASSIFY, feature="t@1"))
    assert dict(caught.value.attempts) == {
        "openai:gpt-4o-mini": "server_error",
        "openai:gpt-4o": "server_error",
        "anthropic:claude-sonnet-4-5": "rate_limited",
    }
    assert "no model could answer t" in caught.value.message


def test_the_circuit_breaker_skips_a_provider_that_keeps_failing(
    make_ai: Any, fakes: Fakes
) -> None:
    ai = make_ai(
        providers=("openai", "anthropic"),
        ai_breaker_failures=2,
        ai_breaker_cooldown_s=3600,
        ai_routes={"classify": ["openai:gpt-4o-mini", "anthropic:claude-sonnet-4-5"]},
    )
    fakes.openai.default = Reply(status=500)
    fakes.anthropic.default = structured({"genre": "dnb", "bpm": 174})
    for _ in range(2):
        run(ai.router.run(_agent(), "x", task=Task.CLASSIFY, feature="t@1", cacheable=False))
    assert len(fakes.openai.calls) == 2
    assert ai.router.breaker.state("openai") == "open"
    for _ in range(3):
        result = run(
            ai.router.run(_agent(), "x", task=Task.CLASSIFY, feature="t@1", cacheable=False)
        )
        assert result.model == "anthropic:claude-sonnet-4-5" and result.attempts == ()
    assert len(fakes.openai.calls) == 2  # not asked again while open
    # When every provider of the chain is open the call fails fast.
    fakes.anthropic.default = Reply(status=500)
    for _ in range(2):
        with pytest.raises(AiProviderError, match="no model could answer"):
            run(ai.router.run(_agent(), "x", task=Task.CLASSIFY, feature="t@1", cacheable=False))
    asked = len(fakes.anthropic.calls)
    with pytest.raises(AiProviderError, match="failed repeatedly"):
        run(ai.router.run(_agent(), "x", task=Task.CLASSIFY, feature="t@1", cacheable=False))
    assert len(fakes.anthropic.calls) == asked


def test_invalid_structured_output_is_retried_then_falls_back(make_ai: Any, fakes: Fakes) -> None:
    ai = make_ai(
        providers=("openai", "anthropic"),
        ai_output_retries=1,
        ai_routes={"classify": ["openai:gpt-4o-mini", "anthropic:claude-sonnet-4-5"]},
    )
    # First model: wrong once, right on the retry (the SDK sends the validation error back).
    fakes.openai.then(structured({"genre": "house"}), structured({"genre": "house", "bpm": 125}))
    result = run(ai.router.run(_agent(), "x", task=Task.CLASSIFY, feature="t@1"))
    assert result.model == "openai:gpt-4o-mini" and result.output.bpm == 125
    retry = fakes.openai.calls[-1]
    assert "bpm" in retry.text and "Field required" in retry.text
    # Wrong beyond the retries: the next model answers, and the failed tokens are counted.
    fakes.openai.then(*[structured({"genre": 1}, input_tokens=7, output_tokens=3)] * 2)
    fakes.anthropic.then(structured({"genre": "trap", "bpm": 140}))
    result = run(ai.router.run(_agent(), "y", task=Task.CLASSIFY, feature="t@1"))
    assert result.model == "anthropic:claude-sonnet-4-5"
    assert result.attempts == (("openai:gpt-4o-mini", "invalid_output"),)
    assert ai.router.breaker.state("openai") == "closed"  # bad output is not an outage
    line = next(x for x in ai.costs().lines if x.provider == "openai")
    # First run: two requests of 20+10 tokens; second: two invalid answers of 7+3, still paid.
    assert (line.calls, line.failed, line.input_tokens, line.output_tokens) == (2, 1, 54, 26)


def test_streams_fall_back_before_the_first_token(make_ai: Any, fakes: Fakes) -> None:
    from pydantic_ai import Agent

    from samplemind.ai.router import Delta, Done

    ai = make_ai(
        providers=("openai", "anthropic"),
        ai_routes={"advice": ["anthropic:claude-sonnet-4-5", "openai:gpt-4o"]},
    )
    fakes.anthropic.then(Reply(status=529))
    fakes.openai.then(Reply(text="Boost 60 Hz, then saturate.", output_tokens=9))

    async def collect() -> list[Any]:
        return [e async for e in ai.router.stream(Agent(), "q", task=Task.ADVICE, feature="a@1")]

    events = run(collect())
    text = "".join(e.text for e in events if isinstance(e, Delta))
    assert text == "Boost 60 Hz, then saturate."
    assert len([e for e in events if isinstance(e, Delta)]) > 3  # it came in pieces
    done = events[-1]
    assert isinstance(done, Done) and done.result.model == "openai:gpt-4o"
    assert done.result.attempts[0][0] == "anthropic:claude-sonnet-4-5"
    assert done.result.output_tokens == 9
    assert fakes.openai.calls[-1].stream


def test_a_stream_the_reader_leaves_is_still_in_the_ledger(make_ai: Any, fakes: Fakes) -> None:
    from pydantic_ai import Agent

    from samplemind.ai.router import Delta

    ai = make_ai(providers=("openai",), ai_routes={"advice": ["openai:gpt-4o"]})
    answer = "Layer the sub under the kick, sidechain it, then glue both with a bus compressor."
    fakes.openai.then(Reply(text=answer, output_tokens=40))
    prompt = "How do I layer these? " * 10

    async def read_two_pieces() -> str:
        stream = ai.router.stream(Agent(), prompt, task=Task.ADVICE, feature="advise@1")
        got = []
        async for event in stream:
            if isinstance(event, Delta):
                got.append(event.text)
                if len(got) == 2:
                    break
        await stream.aclose()  # what a server does when the client disconnects
        return "".join(got)

    received = run(read_two_pieces())
    assert 0 < len(received) < len(answer)
    ai.router.ledger.flush()
    line = next(x for x in ai.costs().lines if x.model == "gpt-4o")
    assert (line.calls, line.failed) == (1, 1)
    # Usage comes with the last chunk, which never arrived: estimated from the text, and priced.
    assert line.input_tokens == -(-len(prompt) // 4) and 0 < line.output_tokens < 40
    assert line.cost_usd > 0


@pytest.mark.parametrize(
    "provider", ["anthropic", "google", "groq", "deepseek", "ollama", "compatible"]
)
def test_every_provider_answers_through_its_own_sdk(
    make_ai: Any, fakes: Fakes, provider: str
) -> None:
    ai = make_ai(providers=(provider,))
    server = {"anthropic": fakes.anthropic, "google": fakes.gemini, "ollama": fakes.ollama}.get(
        provider, fakes.openai
    )
    server.default = structured({"genre": "house", "bpm": 122}, input_tokens=300, output_tokens=40)
    result = run(ai.router.run(_agent(), "x", task=Task.CLASSIFY, feature="t@1"))
    assert result.model.startswith(provider + ":")
    assert result.output.bpm == 122
    assert (result.input_tokens, result.output_tokens) == (300, 40)
    seen = server.calls[-1]
    expected = {
        "anthropic": "/v1/messages",
        "google": "/v1beta/models/gemini-2.5-flash:generateContent",
        "groq": "/openai/v1/chat/completions",
        "ollama": "/v1/chat/completions",
    }.get(provider, "/v1/chat/completions")
    assert seen.path == expected
    header = seen.headers.get("authorization") or seen.headers.get("x-api-key") or ""
    header += seen.headers.get("x-goog-api-key", "")
    if provider not in ("ollama", "compatible"):
        assert f"sk-test-{provider}-SECRET" in header
    if provider in ("ollama", "compatible"):
        assert result.cost_usd == 0.0
    else:
        assert result.cost_usd > 0
