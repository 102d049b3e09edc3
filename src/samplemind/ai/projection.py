"""What a month of AI calls would cost: everything on one model versus the router.

The workload is a number of requests of a size (default 100,000 a month of 500 tokens, 70 %
prompt and 30 % answer) spread over a task mix (:data:`DEFAULT_MIX`, the mix a library
that describes and tags itself in batches would see). Each (task, priority) share goes to the
first model of the router's chain for it, over a set of available models; prices come from
:class:`~samplemind.ai.ledger.Pricing` (genai-prices, then settings; local models free).

Example:
    >>> from samplemind.config import Settings
    >>> from samplemind.ai.ledger import STANDARD_HOURS, Pricing
    >>> report = project(Pricing(Settings()), requests=100_000, tokens=500)
    >>> report.baseline.model
    'openai:gpt-4o'
    >>> round(report.baseline.cost_usd, 2)  # 100k × (350 × $2.50 + 150 × $10) / 1M
    237.5
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from samplemind.ai.catalogue import PROVIDERS, ModelSpec
from samplemind.ai.ledger import STANDARD_HOURS, Pricing
from samplemind.ai.router import Priority, Task, plan
from samplemind.config import DEFAULT_AI_MODELS
from samplemind.errors import ConfigError

__all__ = ["DEFAULT_MIX", "Projection", "ProjectionLine", "Scenario", "parse_mix", "project"]

#: Share of requests per (task, priority): batch tagging and descriptions at cost, search
#: parsing at speed, advice and kits at quality.
DEFAULT_MIX: dict[tuple[Task, Priority], float] = {
    (Task.CLASSIFY, Priority.COST): 0.35,
    (Task.AUDIO, Priority.COST): 0.25,
    (Task.QUERY, Priority.SPEED): 0.20,
    (Task.ADVICE, Priority.QUALITY): 0.10,
    (Task.CREATIVE, Priority.QUALITY): 0.05,
    (Task.FACTUAL, Priority.SPEED): 0.05,
}


@dataclass(frozen=True)
class ProjectionLine:
    task: Task
    priority: Priority
    share: float
    requests: int
    model: str
    cost_usd: float


@dataclass(frozen=True)
class Scenario:
    name: str
    cost_usd: float
    lines: tuple[ProjectionLine, ...]
    model: str | None = None  # the one model, for a single-model scenario

    def saving_vs(self, baseline: Scenario) -> tuple[float, float]:
        """(USD saved, percent saved) against ``baseline``."""
        saved = baseline.cost_usd - self.cost_usd
        return saved, (100.0 * saved / baseline.cost_usd) if baseline.cost_usd else 0.0


@dataclass(frozen=True)
class Projection:
    requests: int
    tokens: int
    input_tokens: int
    output_tokens: int
    baseline: Scenario
    scenarios: tuple[Scenario, ...]


def parse_mix(text: str) -> dict[tuple[Task, Priority], float]:
    """``"classify:cost=35,advice:quality=10"`` → a mix (weights are normalised).

    Raises:
        ConfigError: an unknown task or priority, or a bad weight.
    """
    mix: dict[tuple[Task, Priority], float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = part.partition("=")
        task_name, _, priority_name = name.partition(":")
        try:
            task = Task(task_name.strip())
            priority = Priority((priority_name or "cost").strip())
            value = float(weight)
        except ValueError as exc:
            raise ConfigError(
                f"mix entry {part!r}: write task:priority=weight with tasks "
                f"{', '.join(t.value for t in Task)} and priorities "
                f"{', '.join(p.value for p in Priority)}"
            ) from exc
        if value < 0:
            raise ConfigError(f"mix entry {part!r}: the weight must be ≥ 0")
        mix[(task, priority)] = mix.get((task, priority), 0.0) + value
    total = sum(mix.values())
    if total <= 0:
        raise ConfigError("the mix needs at least one positive weight")
    return {key: value / total for key, value in mix.items()}


def _default_models(providers: Sequence[str]) -> list[ModelSpec]:
    return [ModelSpec.of(f"{p}:{m}") for p in providers for m in DEFAULT_AI_MODELS.get(p, [])]


def _scenario(
    name: str,
    models: Sequence[ModelSpec],
    pricing: Pricing,
    mix: Mapping[tuple[Task, Priority], float],
    requests: int,
    input_tokens: int,
    output_tokens: int,
    routes: dict[str, list[str]] | None,
) -> Scenario:
    lines = []
    for (task, priority), share in mix.items():
        chain = plan(task, priority, models, pricing, routes)
        if not chain:
            continue
        spec = chain[0]
        count = round(requests * share)
        per_call, _ = pricing.cost(spec, input_tokens, output_tokens)
        lines.append(ProjectionLine(task, priority, share, count, spec.ref, per_call * count))
    return Scenario(name, sum(line.cost_usd for line in lines), tuple(lines))


def project(
    pricing: Pricing,
    *,
    requests: int = 100_000,
    tokens: int = 500,
    input_share: float = 0.7,
    mix: Mapping[tuple[Task, Priority], float] | None = None,
    baseline: str = "openai:gpt-4o",
    configured: Sequence[ModelSpec] | None = None,
    routes: dict[str, list[str]] | None = None,
) -> Projection:
    """The month's cost on ``baseline`` for everything, and with the router over: the models
    configured here (if given), every hosted provider's defaults, and those plus local Ollama.

    Priced at standard hours (:data:`~samplemind.ai.ledger.STANDARD_HOURS`), so a projection
    does not change with the time of day it is made at (off-peak discounts are left out).
    """
    pricing = pricing.at(STANDARD_HOURS)
    if requests < 0 or tokens <= 0 or not 0 <= input_share <= 1:
        raise ConfigError("requests must be ≥ 0, tokens > 0 and input_share within 0..1")
    mix = dict(mix or DEFAULT_MIX)
    input_tokens = round(tokens * input_share)
    output_tokens = tokens - input_tokens
    base_spec = ModelSpec.of(baseline)
    per_call, _ = pricing.cost(base_spec, input_tokens, output_tokens)
    base_lines = tuple(
        ProjectionLine(
            t, p, share, round(requests * share), base_spec.ref, per_call * round(requests * share)
        )
        for (t, p), share in mix.items()
    )
    base = Scenario(
        f"everything on {base_spec.ref}",
        sum(line.cost_usd for line in base_lines),
        base_lines,
        model=base_spec.ref,
    )
    hosted = [p for p in PROVIDERS if p not in ("ollama", "compatible")]
    scenarios = []
    if configured:
        scenarios.append(
            _scenario(
                "router, providers configured here",
                configured,
                pricing,
                mix,
                requests,
                input_tokens,
                output_tokens,
                routes,
            )
        )
    scenarios.append(
        _scenario(
            "router, hosted providers (all keys)",
            _default_models(hosted),
            pricing,
            mix,
            requests,
            input_tokens,
            output_tokens,
            routes,
        )
    )
    scenarios.append(
        _scenario(
            "router, hosted providers + local Ollama",
            _default_models(["ollama", *hosted]),
            pricing,
            mix,
            requests,
            input_tokens,
            output_tokens,
            routes,
        )
    )
    return Projection(requests, tokens, input_tokens, output_tokens, base, tuple(scenarios))
