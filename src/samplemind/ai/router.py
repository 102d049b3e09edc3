"""The router: task × priority → an ordered chain of available models, with fallback.

**Planning** (:func:`plan`, pure). Every available model is in the chain; the order is the
route's. Each task (:class:`Task`) sets a floor of quality (models under it go last) and a small
bonus for the providers known to do it well; the priority (:class:`Priority`) sorts:

- ``cost``: cheapest typical call first (free local models first), then quality;
- ``speed``: local models first (no network, no queue), then the fastest;
- ``quality``: best first (task bonus included), then cheapest.

``ai_routes`` in settings replaces the order for a task (``"advice"``) or a task and priority
(``"advice:quality"``); unavailable models in it are skipped.

**Running** (:meth:`Router.run`, :meth:`Router.stream`). The response cache is asked first, for
every model of the chain in one round trip. Then each model in turn: a timeout, a 429, a 5xx,
an unreachable server, a refused key or structured output that stays invalid after
``ai_output_retries`` retries moves on to the next model. Failures that say the *provider* is
unwell (all but invalid output and a rejected request) feed a circuit breaker per provider:
after ``ai_breaker_failures`` in a row the provider is skipped for ``ai_breaker_cooldown_s``,
then tried again (a failure there trips it at once). The provider SDKs' own retries are off
(``max_retries=0``): falling back is faster than waiting on a struggling provider.

**Budget.** When this month's spend reaches ``ai_monthly_budget_usd`` only free models stay in
the chain, and the result says so; with no free model the call fails with AiBudgetError.

Every call, hit or miss, success or failure, is recorded in the cost ledger.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import TypeAdapter

from samplemind.ai.cache import ResponseCache, cache_key
from samplemind.ai.catalogue import Catalogue, ModelSpec
from samplemind.ai.ledger import CostLedger, Pricing
from samplemind.config import Settings
from samplemind.domain.ai import AiCall
from samplemind.errors import AiBudgetError, AiNotConfiguredError, AiProviderError, ConfigError

if TYPE_CHECKING:
    from pydantic_ai import Agent
    from pydantic_ai.settings import ModelSettings
    from pydantic_ai.usage import UsageLimits

__all__ = [
    "NO_PROVIDER",
    "TASKS",
    "CircuitBreaker",
    "Delta",
    "Done",
    "Priority",
    "RouteResult",
    "Router",
    "Task",
    "TaskProfile",
    "failure_reason",
    "plan",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

NO_PROVIDER = (
    "no LLM provider is configured: set an API key (SAMPLEMIND_OPENAI_API_KEY, "
    "SAMPLEMIND_ANTHROPIC_API_KEY, SAMPLEMIND_GOOGLE_API_KEY, SAMPLEMIND_GROQ_API_KEY, "
    "SAMPLEMIND_DEEPSEEK_API_KEY), start Ollama (ollama serve; ollama pull llama3.3) or set "
    "SAMPLEMIND_OPENAI_COMPATIBLE_URL; `samplemind ai status` shows what is found"
)


class Task(StrEnum):
    """What a call is for; each has its own routing profile (:data:`TASKS`)."""

    CLASSIFY = "classify"  # genre and tag classification
    FACTUAL = "factual"
    CREATIVE = "creative"
    AUDIO = "audio"  # describing a sound from its measured analysis
    QUERY = "query"  # natural language → the query language
    ADVICE = "advice"  # production advice: mixing, layering, processing


class Priority(StrEnum):
    COST = "cost"
    SPEED = "speed"
    QUALITY = "quality"


@dataclass(frozen=True)
class TaskProfile:
    """A task's floor of model quality (1–5) and per-provider quality bonuses."""

    min_quality: float
    bonus: dict[str, float] = field(default_factory=dict)


#: Classification and query parsing are short structured answers that smaller models do well;
#: descriptions, advice and creative work need better ones. Bonuses are small nudges from
#: published comparisons: Claude for creative writing and advice, Gemini for factual recall and
#: descriptive audio vocabulary, OpenAI for strict structured output.
TASKS: dict[Task, TaskProfile] = {
    Task.CLASSIFY: TaskProfile(3.0),
    Task.QUERY: TaskProfile(3.0, {"openai": 0.3}),
    Task.FACTUAL: TaskProfile(3.5, {"google": 0.3}),
    Task.AUDIO: TaskProfile(3.5, {"google": 0.2}),
    Task.CREATIVE: TaskProfile(3.5, {"anthropic": 0.5}),
    Task.ADVICE: TaskProfile(3.5, {"anthropic": 0.3}),
}


def plan(
    task: Task,
    priority: Priority,
    available: Sequence[ModelSpec],
    pricing: Pricing,
    routes: dict[str, list[str]] | None = None,
) -> list[ModelSpec]:
    """The chain for ``task`` at ``priority`` over the ``available`` models (see the module
    docstring for the rules).

    Raises:
        ConfigError: an ``ai_routes`` entry names a model badly.
    """
    routes = routes or {}
    override = routes.get(f"{task.value}:{priority.value}") or routes.get(task.value)
    if override:
        by_ref = {m.ref: m for m in available}
        wanted = [ModelSpec.of(ref).ref for ref in override]  # a badly written one fails here
        return [by_ref[ref] for ref in dict.fromkeys(wanted) if ref in by_ref]
    profile = TASKS[task]

    def quality(m: ModelSpec) -> float:
        return m.quality + profile.bonus.get(m.provider, 0.0)

    def key(m: ModelSpec) -> tuple[Any, ...]:
        cost = pricing.estimate(m)
        below = m.quality < profile.min_quality
        if priority is Priority.COST:
            return (below, cost, -quality(m), -m.speed, m.ref)
        if priority is Priority.SPEED:
            return (below, not m.local, -m.speed, cost, m.ref)
        return (below, -quality(m), cost, -m.speed, m.ref)

    return sorted(available, key=key)


BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Per provider: ``failures`` in a row open it for ``cooldown_s``; then one success closes
    it and one failure opens it again."""

    def __init__(
        self, *, failures: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failures = failures
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._count: dict[str, int] = {}
        self._opened: dict[str, float] = {}

    def state(self, provider: str) -> BreakerState:
        with self._lock:
            opened = self._opened.get(provider)
            if opened is None:
                return "closed"
            return "half_open" if self._clock() - opened >= self.cooldown_s else "open"

    def retry_in_s(self, provider: str) -> float:
        with self._lock:
            opened = self._opened.get(provider)
            return 0.0 if opened is None else max(0.0, opened + self.cooldown_s - self._clock())

    def success(self, provider: str) -> None:
        with self._lock:
            self._count.pop(provider, None)
            self._opened.pop(provider, None)

    def failure(self, provider: str) -> None:
        with self._lock:
            count = self._count.get(provider, 0) + 1
            self._count[provider] = count
            if provider in self._opened or count >= self.failures:
                if provider not in self._opened:
                    log.warning(
                        "AI provider %s failed %d times in a row: skipped for %.0f s",
                        provider,
                        count,
                        self.cooldown_s,
                    )
                self._opened[provider] = self._clock()


def failure_reason(exc: BaseException) -> tuple[str, bool] | None:
    """Why a model call failed, as ``(reason, the provider is unwell)``, when the chain should
    fall back; None when it should not (our own bug or a library error: raise it)."""
    from pydantic_ai import exceptions as e

    if isinstance(exc, (e.ModelRequestTimeout, e.ModelTimeoutError, TimeoutError)):
        return "timeout", True
    if isinstance(exc, e.ModelRateLimitError):
        return "rate_limited", True
    if isinstance(exc, e.ModelQuotaExceededError):
        return "quota_exceeded", True
    if isinstance(exc, e.ModelAuthenticationError):
        return "auth_failed", True
    if isinstance(exc, e.ModelNotFoundError):
        return "model_not_found", False
    if isinstance(exc, e.ModelContextWindowExceededError):
        return "context_too_long", False
    if isinstance(exc, e.ModelRequestRejectedError):
        return "rejected", False
    if isinstance(exc, (e.ModelServerError, e.ModelUnavailableError)):
        return "server_error", True
    if isinstance(exc, e.ModelConnectionError):
        return "unreachable", True
    if isinstance(exc, e.ModelHTTPError):
        return (
            ("server_error", True) if exc.status_code >= 500 else (f"http_{exc.status_code}", False)
        )
    if isinstance(exc, e.ModelAPIError):
        return "provider_error", True
    if isinstance(exc, e.UnexpectedModelBehavior):
        return "invalid_output", False
    if isinstance(exc, e.UsageLimitExceeded):
        return "usage_limit", False
    return None


@dataclass(frozen=True)
class RouteResult(Generic[T]):
    """An answer and how it was obtained."""

    output: T
    model: str  # "provider:model" that answered
    task: Task
    priority: Priority
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cached: bool = False
    latency_ms: float = 0.0
    #: Models tried before, with why each failed (``("groq:…", "rate_limited")``).
    attempts: tuple[tuple[str, str], ...] = ()
    #: Things the user should know (the budget switched to free models …).
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delta:
    """A piece of a streamed answer."""

    text: str


@dataclass(frozen=True)
class Done:
    """The end of a streamed answer (``result.output`` is the whole text)."""

    result: RouteResult[str]


class Router:
    """Runs pydantic-ai agents over the route's chain of models (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        catalogue: Catalogue,
        ledger: CostLedger,
        cache: ResponseCache,
        *,
        breaker: CircuitBreaker | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.ledger = ledger
        self.cache = cache
        self.breaker = breaker or CircuitBreaker(
            failures=settings.ai_breaker_failures, cooldown_s=settings.ai_breaker_cooldown_s
        )
        self._clock = clock
        self._adapters: dict[Any, TypeAdapter[Any]] = {}

    # --- planning -----------------------------------------------------------------------
    def chain(self, task: Task, priority: Priority) -> tuple[list[ModelSpec], list[str]]:
        """The models to try, in order, and notices for the user.

        Raises:
            AiNotConfiguredError: no provider is configured or reachable.
            AiBudgetError: the budget is spent and no free model is available.
            AiProviderError: every provider of the chain is tripped (cooling down).
        """
        available = self.catalogue.available()
        if not available:
            raise AiNotConfiguredError(NO_PROVIDER)
        notices: list[str] = []
        budget = self.ledger.budget_usd
        if budget is not None:
            spent = self.ledger.month_spend()
            if spent >= budget:
                free = [m for m in available if self.ledger.pricing.is_free(m)]
                if not free:
                    raise AiBudgetError(
                        f"the monthly AI budget of ${budget:.2f} is spent (${spent:.2f} this "
                        "month) and no free local model is available: start Ollama or raise "
                        "SAMPLEMIND_AI_MONTHLY_BUDGET_USD"
                    )
                notices.append(
                    f"monthly AI budget of ${budget:.2f} reached (${spent:.2f} spent): "
                    f"using free local models only ({', '.join(m.ref for m in free)})"
                )
                available = free
        chain = plan(task, priority, available, self.ledger.pricing, self.settings.ai_routes)
        if not chain:
            raise ConfigError(
                f"ai_routes for {task.value}:{priority.value} names no available model; "
                f"available: {', '.join(m.ref for m in available)}"
            )
        usable = [m for m in chain if self.breaker.state(m.provider) != "open"]
        if not usable:
            wait = min(self.breaker.retry_in_s(m.provider) for m in chain)
            raise AiProviderError(
                f"every provider for {task.value} failed repeatedly; trying again in {wait:.0f} s",
                attempts=tuple((m.ref, "circuit_open") for m in chain),
            )
        return usable, notices

    def _adapter(self, output_type: Any) -> TypeAdapter[Any]:
        adapter = self._adapters.get(output_type)
        if adapter is None:
            adapter = self._adapters[output_type] = TypeAdapter(output_type)
        return adapter

    def _keys(self, feature: str, chain: Sequence[ModelSpec], prompt: str) -> list[str]:
        return [cache_key(feature, spec.ref, prompt) for spec in chain]

    def _settings(self, max_tokens: int) -> ModelSettings:
        return {
            "max_retries": 0,  # the chain falls back instead
            # pydantic-ai's own deadline for the whole request (every attempt, the stream).
            "request_timeout": self.settings.ai_timeout_s,
            "max_tokens": max_tokens,
        }

    async def _record(self, call: AiCall) -> None:
        self.ledger.record(call)  # queued: the database write happens off the call path

    def _call(
        self,
        spec: ModelSpec,
        *,
        task: Task,
        feature: str,
        usage: Any,
        started: float,
        error: str | None = None,
        cached: bool = False,
    ) -> AiCall:
        inp = int(getattr(usage, "input_tokens", 0) or 0)
        out = int(getattr(usage, "output_tokens", 0) or 0)
        cost, priced_by = self.ledger.pricing.cost(spec, inp, out)
        return AiCall(
            at=self.ledger.now(),
            task=feature.split("@", 1)[0][:32],
            provider=spec.provider,
            model=spec.name[:128],
            input_tokens=inp,
            output_tokens=out,
            cost_usd=cost,
            priced_by=priced_by,
            cached=cached,
            ok=error is None,
            error_code=error,
            latency_ms=(self._clock() - started) * 1000,
        )

    # --- running ------------------------------------------------------------------------
    async def run(
        self,
        agent: Agent[Any, T],
        prompt: str,
        *,
        task: Task,
        priority: Priority = Priority.COST,
        feature: str,
        deps: Any = None,
        cacheable: bool = True,
        max_tokens: int = 1024,
        usage_limits: UsageLimits | None = None,
    ) -> RouteResult[T]:
        """Answer ``prompt`` with ``agent`` on the first model of the chain that succeeds.

        Args:
            agent: A pydantic-ai agent without a model (its output type, instructions and
                tools are the feature's).
            prompt: The user prompt (already framed, see :mod:`samplemind.ai.prompts`).
            task: Routing profile.
            priority: cost, speed or quality.
            feature: The ledger's task name and the cache namespace, with a prompt version
                (``"describe@1"``): a new version never reads old answers.
            deps: The agent's dependencies (tools' context).
            cacheable: False for answers that depend on more than the prompt (tools).
            max_tokens: Output cap per request.
            usage_limits: pydantic-ai ``UsageLimits`` per model tried (tool loops).

        Raises:
            AiNotConfiguredError, AiBudgetError, AiProviderError (every model failed, each
            with its reason in ``attempts``).
        """
        from pydantic_ai.usage import RunUsage

        chain, notices = self.chain(task, priority)
        started = self._clock()
        adapter = self._adapter(agent.output_type)
        keys = self._keys(feature, chain, prompt) if cacheable else []
        if keys:
            for spec, hit in zip(chain, await self.cache.get_many(keys), strict=True):
                if hit is not None:
                    await self._record(
                        self._call(
                            spec,
                            task=task,
                            feature=feature,
                            usage=None,
                            started=started,
                            cached=True,
                        )
                    )
                    return RouteResult(
                        output=adapter.validate_json(hit),
                        model=spec.ref,
                        task=task,
                        priority=priority,
                        cached=True,
                        latency_ms=(self._clock() - started) * 1000,
                        notices=tuple(notices),
                    )
        attempts: list[tuple[str, str]] = []
        for index, spec in enumerate(chain):
            usage = RunUsage()
            began = self._clock()
            try:
                result = await agent.run(
                    prompt,
                    model=self.catalogue.model(spec),
                    deps=deps,
                    model_settings=self._settings(max_tokens),
                    retries=self.settings.ai_output_retries,
                    usage=usage,
                    usage_limits=usage_limits,
                    infer_name=False,
                )
            except Exception as exc:
                reason = failure_reason(exc)
                if reason is None:
                    raise
                attempts.append((spec.ref, reason[0]))
                log.info("AI %s: %s failed (%s: %s)", feature, spec.ref, reason[0], exc)
                if reason[1]:
                    self.breaker.failure(spec.provider)
                await self._record(
                    self._call(
                        spec,
                        task=task,
                        feature=feature,
                        usage=usage,
                        started=began,
                        error=reason[0],
                    )
                )
                continue
            self.breaker.success(spec.provider)
            call = self._call(spec, task=task, feature=feature, usage=usage, started=began)
            await self._record(call)
            if keys:
                await self.cache.set(keys[index], adapter.dump_json(result.output).decode())
            return RouteResult(
                output=result.output,
                model=spec.ref,
                task=task,
                priority=priority,
                input_tokens=call.input_tokens,
                output_tokens=call.output_tokens,
                cost_usd=call.cost_usd,
                latency_ms=(self._clock() - started) * 1000,
                attempts=tuple(attempts),
                notices=tuple(notices),
            )
        raise AiProviderError(_all_failed(feature, attempts), attempts=tuple(attempts))

    async def stream(
        self,
        agent: Agent[Any, str],
        prompt: str,
        *,
        task: Task,
        priority: Priority = Priority.QUALITY,
        feature: str,
        deps: Any = None,
        max_tokens: int = 1500,
    ) -> AsyncIterator[Delta | Done]:
        """Stream a text answer: :class:`Delta` pieces, then :class:`Done`.

        The chain falls back as in :meth:`run` until the first piece arrives; a model that
        fails after that ends the stream with AiProviderError (what was sent stays sent).
        """
        from pydantic_ai.usage import RunUsage

        chain, notices = self.chain(task, priority)
        started = self._clock()
        keys = self._keys(feature, chain, prompt)
        for spec, hit in zip(chain, await self.cache.get_many(keys), strict=True):
            if hit is not None:
                await self._record(
                    self._call(
                        spec, task=task, feature=feature, usage=None, started=started, cached=True
                    )
                )
                text = str(self._adapter(str).validate_json(hit))
                yield Delta(text)
                yield Done(
                    RouteResult(
                        output=text,
                        model=spec.ref,
                        task=task,
                        priority=priority,
                        cached=True,
                        notices=tuple(notices),
                        latency_ms=(self._clock() - started) * 1000,
                    )
                )
                return
        attempts: list[tuple[str, str]] = []
        for index, spec in enumerate(chain):
            usage = RunUsage()
            began = self._clock()
            pieces: list[str] = []
            try:
                async with agent.run_stream(
                    prompt,
                    model=self.catalogue.model(spec),
                    deps=deps,
                    model_settings=self._settings(max_tokens),
                    usage=usage,
                    infer_name=False,
                ) as response:
                    async for piece in response.stream_text(delta=True, debounce_by=None):
                        if piece:
                            pieces.append(piece)
                            yield Delta(piece)
            except (GeneratorExit, asyncio.CancelledError):
                # The reader went away mid-answer (a closed browser tab, Ctrl-C): the provider
                # still bills what it generated, so the ledger keeps the call. Usage arrives
                # with the last chunk, so a cut stream is estimated from its text.
                self.ledger.record(
                    self._call(
                        spec,
                        task=task,
                        feature=feature,
                        usage=_cut_usage(usage, prompt, pieces),
                        started=began,
                        error="cancelled",
                    )
                )
                raise
            except Exception as exc:
                reason = failure_reason(exc)
                if reason is None:
                    raise
                if reason[1]:
                    self.breaker.failure(spec.provider)
                await self._record(
                    self._call(
                        spec,
                        task=task,
                        feature=feature,
                        usage=usage,
                        started=began,
                        error=reason[0],
                    )
                )
                attempts.append((spec.ref, reason[0]))
                if pieces:
                    raise AiProviderError(
                        f"{spec.ref} failed in the middle of its answer ({reason[0]})",
                        attempts=tuple(attempts),
                    ) from exc
                log.info("AI %s: %s failed (%s: %s)", feature, spec.ref, reason[0], exc)
                continue
            self.breaker.success(spec.provider)
            call = self._call(spec, task=task, feature=feature, usage=usage, started=began)
            await self._record(call)
            text = "".join(pieces)
            await self.cache.set(keys[index], self._adapter(str).dump_json(text).decode())
            yield Done(
                RouteResult(
                    output=text,
                    model=spec.ref,
                    task=task,
                    priority=priority,
                    input_tokens=call.input_tokens,
                    output_tokens=call.output_tokens,
                    cost_usd=call.cost_usd,
                    latency_ms=(self._clock() - started) * 1000,
                    attempts=tuple(attempts),
                    notices=tuple(notices),
                )
            )
            return
        raise AiProviderError(_all_failed(feature, attempts), attempts=tuple(attempts))


#: Characters per token, for estimating the usage of a stream cut before its usage arrived.
_CHARS_PER_TOKEN = 4


def _cut_usage(usage: Any, prompt: str, pieces: list[str]) -> Any:
    """``usage`` if the provider reported any, else an estimate from the text sent and received."""
    if getattr(usage, "input_tokens", 0) or getattr(usage, "output_tokens", 0):
        return usage
    from pydantic_ai.usage import RunUsage

    received = sum(len(piece) for piece in pieces)
    return RunUsage(
        input_tokens=-(-len(prompt) // _CHARS_PER_TOKEN),
        output_tokens=-(-received // _CHARS_PER_TOKEN),
    )


def _all_failed(feature: str, attempts: list[tuple[str, str]]) -> str:
    tried = ", ".join(f"{ref} ({why})" for ref, why in attempts)
    return f"no model could answer {feature.split('@', 1)[0]}: {tried}"
