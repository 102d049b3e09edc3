"""``AiService``: the AI layer's façade over a :class:`~samplemind.library.Library`.

Every CLI command (``samplemind ai …``) and API route (``/api/ai/…``) calls one of its
methods. It owns the catalogue of providers, the router (with its circuit breaker), the cost
ledger (in the library's database) and the response cache. Methods are ``async``; library
calls run in worker threads so an event loop (the API's) is never blocked on the database.
Use one service from one event loop (its HTTP clients belong to it).

Example:
    >>> import asyncio, tempfile
    >>> from samplemind.config import Settings
    >>> from samplemind.library import open_library
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     settings = Settings(data_dir=tmp, vector_backend="memory", ollama_url=None)
    ...     with open_library(settings) as library:
    ...         ai = AiService(library)
    ...         ai.configured
    False
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from samplemind.ai import advise as advise_feature
from samplemind.ai import describe as describe_feature
from samplemind.ai import kit as kit_feature
from samplemind.ai import prompts
from samplemind.ai import search as search_feature
from samplemind.ai.cache import ResponseCache, create_cache
from samplemind.ai.catalogue import Catalogue, ModelSpec, ProviderStatus
from samplemind.ai.describe import SampleDescription
from samplemind.ai.ledger import CostLedger, Pricing, month_bounds
from samplemind.ai.nlquery import parse_natural
from samplemind.ai.router import NO_PROVIDER, Delta, Done, Priority, Router, RouteResult, Task
from samplemind.config import Settings
from samplemind.domain.ai import AiCostLine, AiDescription
from samplemind.domain.library import AnalysisState, Sample, SearchHit, TagSource
from samplemind.errors import (
    AiBudgetError,
    AiError,
    AiNotConfiguredError,
    ConfigError,
    NotAnalyzedError,
    SampleMindError,
)

if TYPE_CHECKING:
    from pydantic_ai import Agent

    from samplemind.audio.export import ExportOutcome
    from samplemind.library import Library

__all__ = [
    "AiService",
    "AiStatus",
    "BatchItem",
    "BatchSummary",
    "CostReport",
    "DescribeOutcome",
    "FeatureState",
    "Kit",
    "KitItem",
    "NlSearchResult",
    "RouteInfo",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RouteInfo:
    """How an answer was obtained (no output): for CLI footers and API bodies."""

    model: str
    cached: bool
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    attempts: tuple[tuple[str, str], ...]
    notices: tuple[str, ...]

    @classmethod
    def of(cls, result: RouteResult[Any]) -> RouteInfo:
        return cls(
            model=result.model,
            cached=result.cached,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            cost_usd=result.cost_usd,
            latency_ms=round(result.latency_ms, 1),
            attempts=result.attempts,
            notices=result.notices,
        )

    def to_record(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "cached": self.cached,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 8),
            "latency_ms": self.latency_ms,
            "fallbacks": [{"model": m, "reason": r} for m, r in self.attempts],
            "notices": list(self.notices),
        }


@dataclass(frozen=True)
class DescribeOutcome:
    sample: Sample
    description: SampleDescription
    tags: tuple[str, ...]
    route: RouteInfo


@dataclass(frozen=True)
class BatchItem:
    """One sample of a batch: described, skipped (already had a description) or failed."""

    sample_id: int
    name: str
    status: Literal["described", "skipped", "failed"]
    tags: tuple[str, ...] = ()
    error_code: str | None = None
    error: str | None = None
    cost_usd: float = 0.0


@dataclass
class BatchSummary:
    total: int = 0
    described: int = 0
    skipped: int = 0
    failed: int = 0
    cost_usd: float = 0.0
    stopped: str | None = None  # why the batch ended early (no provider left, budget …)
    failures: list[BatchItem] = field(default_factory=list)


@dataclass(frozen=True)
class NlSearchResult:
    text: str
    query: str
    source: Literal["rules", "model"]
    unknown: tuple[str, ...]
    notices: tuple[str, ...]
    hits: tuple[SearchHit, ...]
    route: RouteInfo | None = None


@dataclass(frozen=True)
class KitItem:
    role: str
    sample: Sample
    reason: str


@dataclass(frozen=True)
class Kit:
    name: str
    items: tuple[KitItem, ...]
    notes: str
    route: RouteInfo


@dataclass(frozen=True)
class CostReport:
    month: str
    lines: tuple[AiCostLine, ...]
    total_usd: float
    budget_usd: float | None
    month_spend_usd: float
    unpriced: tuple[str, ...]

    @property
    def budget_reached(self) -> bool:
        """This month's spend (UTC) has reached the budget: only free models are used."""
        return self.budget_usd is not None and self.month_spend_usd >= self.budget_usd


@dataclass(frozen=True)
class FeatureState:
    """Whether a feature can answer now, with which models (its default priority's chain,
    after the budget and the circuit breaker), and why not."""

    available: bool
    models: tuple[str, ...] = ()
    reason: str | None = None
    notices: tuple[str, ...] = ()


#: Each feature's task and default priority (docs/ai.md, "Routing").
FEATURE_TASKS: dict[str, tuple[Task, Priority]] = {
    "search": (Task.QUERY, Priority.COST),
    "describe": (Task.AUDIO, Priority.COST),
    "advise": (Task.ADVICE, Priority.QUALITY),
    "kit": (Task.CREATIVE, Priority.QUALITY),
}


@dataclass(frozen=True)
class AiStatus:
    providers: tuple[ProviderStatus, ...]
    routes: dict[str, dict[str, list[str]]]
    budget_usd: float | None
    month_spend_usd: float
    cache: str

    @property
    def configured(self) -> bool:
        return any(p.available for p in self.providers)


class AiService:
    """The AI features over one library (see the module docstring).

    Args:
        library: The library the features read and tag.
        settings: Defaults to the library's.
        cache: Defaults to :func:`~samplemind.ai.cache.create_cache` of the settings.
        catalogue: Defaults to one over the settings (tests inject probes).
        now: The wall clock for the ledger (tests inject one).
    """

    def __init__(
        self,
        library: Library,
        settings: Settings | None = None,
        *,
        cache: ResponseCache | None = None,
        catalogue: Catalogue | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.library = library
        self.settings = settings or library.settings
        self.catalogue = catalogue or Catalogue(self.settings)
        self.pricing = Pricing(self.settings)
        ledger_args: dict[str, Any] = {"now": now} if now is not None else {}
        self.ledger = CostLedger(
            library.store,
            self.pricing,
            budget_usd=self.settings.ai_monthly_budget_usd,
            **ledger_args,
        )
        self.cache = cache or create_cache(self.settings)
        self.router = Router(self.settings, self.catalogue, self.ledger, self.cache)
        self._agents: dict[str, Agent[Any, Any]] = {}

    async def aclose(self) -> None:
        """Write out the cost ledger and close the cache's connections."""
        await asyncio.to_thread(self.ledger.close)
        await self.cache.aclose()

    def _agent(self, name: str, build: Callable[[], Agent[Any, Any]]) -> Agent[Any, Any]:
        agent = self._agents.get(name)
        if agent is None:
            agent = self._agents[name] = build()
        return agent

    # --- status -------------------------------------------------------------------------
    @property
    def configured(self) -> bool:
        """Whether any model can be called now."""
        return bool(self.catalogue.available())

    def require(self) -> None:
        """Raises: AiNotConfiguredError when no provider is configured or reachable."""
        if not self.configured:
            raise AiNotConfiguredError(NO_PROVIDER)

    def status(self) -> AiStatus:
        """Providers (configured, available, models; never keys), each task's chain at each
        priority, the budget and this month's spend."""
        from samplemind.ai.router import plan

        available = self.catalogue.available()
        routes = {
            task.value: {
                priority.value: [
                    m.ref
                    for m in plan(task, priority, available, self.pricing, self.settings.ai_routes)
                ]
                for priority in Priority
            }
            for task in Task
        }
        return AiStatus(
            providers=tuple(self.catalogue.status()),
            routes=routes,
            budget_usd=self.settings.ai_monthly_budget_usd,
            month_spend_usd=self.ledger.month_spend(),
            cache=self.cache.name,
        )

    def features(self) -> dict[str, FeatureState]:
        """What each feature can do now: ``search``, ``describe``, ``advise``, ``kit`` (a
        model chain at the feature's default priority, or why there is none) and ``costs``
        (always: the ledger needs no model). Search is always available: without a model the
        rules of :mod:`samplemind.ai.nlquery` answer (``models`` is then empty)."""
        out: dict[str, FeatureState] = {}
        for name, (task, priority) in FEATURE_TASKS.items():
            try:
                chain, notices = self.router.chain(task, priority)
            except SampleMindError as exc:
                out[name] = FeatureState(name == "search", reason=exc.message)
                continue
            out[name] = FeatureState(True, tuple(m.ref for m in chain), notices=tuple(notices))
        out["costs"] = FeatureState(True)
        return out

    def costs(self, month: str | None = None) -> CostReport:
        """Spend by provider, model and task over ``month`` (``YYYY-MM``; None: this one)."""
        start, _ = month_bounds(month, now=self.ledger.now())
        lines = self.ledger.lines(month)
        unpriced = []
        for line in lines:
            try:
                spec = ModelSpec.of(f"{line.provider}:{line.model}")
            except ConfigError:
                continue
            if self.pricing.unit_prices(spec)[2] == "unpriced" and line.input_tokens:
                unpriced.append(spec.ref)
        return CostReport(
            month=start.strftime("%Y-%m"),
            lines=tuple(lines),
            total_usd=sum(line.cost_usd for line in lines),
            budget_usd=self.settings.ai_monthly_budget_usd,
            month_spend_usd=self.ledger.month_spend(),
            unpriced=tuple(dict.fromkeys(unpriced)),
        )

    # --- describe -----------------------------------------------------------------------
    def _describable(self, ref: int | str) -> tuple[Sample, str]:
        sample = self.library.get(ref)
        analysis = self.library.store.analysis(sample.id)
        if analysis is None or sample.analysis_state is not AnalysisState.DONE:
            raise NotAnalyzedError(
                f"sample {sample.id} ({sample.name}) is not analyzed yet: scan it first "
                "(descriptions come from the analysis, never from the audio)"
            )
        # Earlier AI tags stay out of the prompt: the answer must not feed on itself.
        facts_of = sample.model_copy(
            update={"tags": tuple(t for t in sample.tags if t.source is not TagSource.AI)}
        )
        return sample, describe_feature.prompt_for(prompts.sample_facts(facts_of, analysis))

    def _store_description(
        self, sample: Sample, description: SampleDescription, model: str
    ) -> Sample:
        store = self.library.store
        old = [t.name for t in sample.tags if t.source is TagSource.AI]
        if old:
            store.remove_tags(sample.id, old, source=TagSource.AI)
        names = describe_feature.tag_names(description)
        self.library.tag(sample.id, names, source=TagSource.AI)
        store.save_ai_description(
            AiDescription(
                sample_id=sample.id,
                description=description.description,
                data=describe_feature.as_data(description),
                model=model,
                created_at=datetime.now(UTC),
            )
        )
        return store.get(sample.id)

    async def describe(
        self, ref: int | str, *, priority: Priority = Priority.COST
    ) -> DescribeOutcome:
        """Describe one sample from its stored analysis and store the result (tags with
        source ``ai``, replacing earlier ones; the description).

        Raises:
            SampleNotFoundError, NotAnalyzedError, AiNotConfiguredError, AiBudgetError,
            AiProviderError.
        """
        self.router.chain(Task.AUDIO, priority)  # "no provider" before anything about samples
        sample, prompt = await asyncio.to_thread(self._describable, ref)
        agent = self._agent("describe", describe_feature.build_agent)
        result = await self.router.run(
            agent,
            prompt,
            task=Task.AUDIO,
            priority=priority,
            feature=describe_feature.FEATURE,
            max_tokens=700,
        )
        stored = await asyncio.to_thread(
            self._store_description, sample, result.output, result.model
        )
        return DescribeOutcome(
            sample=stored,
            description=result.output,
            tags=tuple(describe_feature.tag_names(result.output)),
            route=RouteInfo.of(result),
        )

    def description(self, ref: int | str) -> AiDescription | None:
        """The stored AI description of a sample."""
        return self.library.ai_description(ref)

    async def describe_many(
        self,
        query: str,
        *,
        priority: Priority = Priority.COST,
        concurrency: int | None = None,
        force: bool = False,
        limit: int = 10_000,
        progress: Callable[[BatchItem, int, int], None] | None = None,
    ) -> BatchSummary:
        """Describe every sample a query finds, ``concurrency`` at a time (default
        ``ai_concurrency``). Samples with a description are skipped unless ``force``; one
        sample's failure is recorded and the batch goes on; a missing provider or a spent
        budget (with no free model) stops it (``stopped`` says why).

        Args:
            progress: Called with each item as it finishes, the count done and the total.

        Raises:
            QuerySyntaxError, AiNotConfiguredError, AiBudgetError (before anything ran).
        """
        self.router.chain(Task.AUDIO, priority)  # fail fast: no provider, budget spent
        hits = await asyncio.to_thread(self.library.search, query, limit=limit)
        samples = [h.sample for h in hits]
        summary = BatchSummary(total=len(samples))
        semaphore = asyncio.Semaphore(concurrency or self.settings.ai_concurrency)
        done = 0

        def finish(item: BatchItem) -> None:
            nonlocal done
            done += 1
            if item.status == "described":
                summary.described += 1
            elif item.status == "skipped":
                summary.skipped += 1
            else:
                summary.failed += 1
                summary.failures.append(item)
            summary.cost_usd += item.cost_usd
            if progress is not None:
                progress(item, done, summary.total)

        async def one(sample: Sample) -> None:
            async with semaphore:
                if summary.stopped is not None:
                    finish(
                        BatchItem(
                            sample.id,
                            sample.name,
                            "failed",
                            error_code="stopped",
                            error=summary.stopped,
                        )
                    )
                    return
                if not force:
                    existing = await asyncio.to_thread(self.library.store.ai_description, sample.id)
                    if existing is not None:
                        finish(BatchItem(sample.id, sample.name, "skipped"))
                        return
                try:
                    outcome = await self.describe(sample.id, priority=priority)
                except (AiNotConfiguredError, AiBudgetError) as exc:
                    summary.stopped = exc.message
                    finish(
                        BatchItem(
                            sample.id, sample.name, "failed", error_code=exc.code, error=exc.message
                        )
                    )
                    return
                except SampleMindError as exc:
                    finish(
                        BatchItem(
                            sample.id, sample.name, "failed", error_code=exc.code, error=exc.message
                        )
                    )
                    return
                finish(
                    BatchItem(
                        sample.id,
                        sample.name,
                        "described",
                        tags=outcome.tags,
                        cost_usd=outcome.route.cost_usd,
                    )
                )

        await asyncio.gather(*(one(s) for s in samples))
        return summary

    # --- natural-language search --------------------------------------------------------
    async def nl_search(
        self,
        text: str,
        *,
        run: bool = True,
        limit: int = 50,
        priority: Priority = Priority.COST,
    ) -> NlSearchResult:
        """A natural-language request as a query (shown to the user), then its results.

        The rules of :mod:`samplemind.ai.nlquery` answer the common phrasings without a model;
        the rest goes to a model when one is configured. Without one (or when every model
        fails) the rules' partial reading is used, and the notices say what was left out.

        Raises:
            ConfigError: empty text.
        """
        text = text.strip()
        if not text:
            raise ConfigError("say what you are looking for, e.g. 'dark 808 in F minor around 140'")
        parsed = parse_natural(text)
        notices: list[str] = []
        query, source, route = parsed.query, "rules", None
        if not parsed.understood:
            if self.configured:
                agent = self._agent("nl_search", search_feature.build_agent)
                try:
                    result = await self.router.run(
                        agent,
                        search_feature.prompt_for(text, parsed.query),
                        task=Task.QUERY,
                        priority=priority,
                        feature=search_feature.FEATURE,
                        max_tokens=300,
                    )
                    query, source, route = (
                        result.output.query.strip(),
                        "model",
                        RouteInfo.of(result),
                    )
                except AiError as exc:
                    notices.append(f"the model could not help ({exc.message}); using the rules")
            else:
                notices.append("no LLM provider is configured: free-form words are not understood")
            if source == "rules":
                left = ", ".join(parsed.unknown)
                if query:
                    notices.append(f"left out: {left}")
                else:
                    query = " ".join(w for w in parsed.unknown if any(c.isalnum() for c in w))
                    notices.append(f"searching the words as text: {left}")
        hits: list[SearchHit] = []
        if run:
            hits = await asyncio.to_thread(self.library.search, query, limit=limit)
        return NlSearchResult(
            text=text,
            query=query,
            source=source,  # type: ignore[arg-type]
            unknown=parsed.unknown,
            notices=tuple(notices),
            hits=tuple(hits),
            route=route,
        )

    # --- advice -------------------------------------------------------------------------
    def _advice_prompt(
        self, refs: Sequence[int | str], query: str | None, question: str | None
    ) -> str:
        samples = [self.library.get(r) for r in refs]
        if query:
            samples += [
                h.sample for h in self.library.search(query, limit=advise_feature.MAX_SAMPLES)
            ]
        unique = list({s.id: s for s in samples}.values())[: advise_feature.MAX_SAMPLES]
        if not unique:
            raise ConfigError(
                "name at least one sample (an id or a path) or a query that finds some"
            )
        blocks = [prompts.sample_facts(s, self.library.store.analysis(s.id)) for s in unique]
        return advise_feature.prompt_for(blocks, question)

    async def advise(
        self,
        refs: Sequence[int | str] = (),
        *,
        query: str | None = None,
        question: str | None = None,
        priority: Priority = Priority.QUALITY,
    ) -> AsyncIterator[Delta | Done]:
        """Production advice about samples (ids/paths and/or what a query finds), streamed.

        Everything that can fail before the answer starts (unknown samples, no provider, the
        budget) raises here; the returned iterator yields :class:`Delta` pieces, then
        :class:`Done`.
        """
        self.router.chain(Task.ADVICE, priority)
        prompt = await asyncio.to_thread(self._advice_prompt, refs, query, question)
        agent = self._agent("advise", advise_feature.build_agent)
        return self.router.stream(
            agent, prompt, task=Task.ADVICE, priority=priority, feature=advise_feature.FEATURE
        )

    # --- kits ---------------------------------------------------------------------------
    async def build_kit(
        self, brief: str, *, size: int | None = None, priority: Priority = Priority.QUALITY
    ) -> Kit:
        """A kit of the library's samples for a brief ("lo-fi hip hop kit, dusty"): the model
        searches with read-only tools and picks, with a reason per pick.

        Raises:
            ConfigError (empty brief), AiNotConfiguredError, AiBudgetError, AiProviderError.
        """
        self.router.chain(Task.CREATIVE, priority)
        if not brief.strip():
            raise ConfigError("describe the kit, e.g. 'lo-fi hip hop kit, dusty'")
        from pydantic_ai.usage import UsageLimits

        agent = self._agent("kit", kit_feature.build_agent)
        deps = kit_feature.KitDeps(self.library)
        result = await self.router.run(
            agent,
            kit_feature.prompt_for(brief, size),
            task=Task.CREATIVE,
            priority=priority,
            feature=kit_feature.FEATURE,
            deps=deps,
            cacheable=False,
            max_tokens=1500,
            usage_limits=UsageLimits(
                request_limit=kit_feature.MAX_REQUESTS, tool_calls_limit=kit_feature.MAX_TOOL_CALLS
            ),
        )
        plan = result.output
        samples = {
            s.id: s
            for s in await asyncio.to_thread(
                self.library.store.get_many, [p.sample_id for p in plan.picks]
            )
        }
        items = tuple(
            KitItem(role=p.role, sample=samples[p.sample_id], reason=p.reason)
            for p in plan.picks
            if p.sample_id in samples
        )
        return Kit(name=plan.name, items=items, notes=plan.notes, route=RouteInfo.of(result))

    def export_kit(
        self, sample_ids: Sequence[int], dest: str | Path, *, pattern: str | None = None
    ) -> list[ExportOutcome]:
        """Export a kit's samples into ``dest`` with the library's export (its naming
        ``pattern`` and safety), without making a collection.

        Raises:
            SampleNotFoundError: an id that is not in the library (nothing is exported).
        """
        ids = list(dict.fromkeys(sample_ids))
        for sample_id in ids:
            self.library.get(sample_id)
        query = "(" + " OR ".join(f"id:{i}" for i in ids) + ")"
        return self.library.export(query, dest, pattern=pattern, limit=len(ids))

    def save_kit(
        self,
        kit: Kit,
        *,
        collection: str | None = None,
        export_to: str | Path | None = None,
        pattern: str | None = None,
        mode: Literal["copy", "link", "symlink"] = "copy",
    ) -> tuple[str, list[ExportOutcome]]:
        """Keep a kit as a collection (named ``collection`` or after the kit) and, with
        ``export_to``, export it with the library's export (the same naming and safety).

        Returns:
            The collection's name and the export's outcomes (empty without ``export_to``).

        Raises:
            DuplicateCollectionError: a collection has that name already.
        """
        name = (collection or kit.name).strip()
        self.library.create_collection(name, [item.sample.id for item in kit.items])
        outcomes: list[ExportOutcome] = []
        if export_to is not None:
            quoted = name.replace('"', '""')
            outcomes = self.library.export(
                f'collection:"{quoted}"', export_to, pattern=pattern, mode=mode
            )
        return name, outcomes
