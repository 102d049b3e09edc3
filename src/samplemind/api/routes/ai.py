"""``/api/ai/…``: the AI features over HTTP, thin over :class:`~samplemind.ai.service.AiService`.

Routes that call a model count against the caller's rate limit (they are the expensive ones).
Streams (advice, batch descriptions) are server-sent events; everything that can fail before a
stream starts (no provider, unknown samples, the budget) fails as a normal problem response,
and a failure inside a stream is an ``error`` event with the same problem body. API keys are
never part of a body: ``status`` says whether a provider is configured, not with what.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from fastapi.sse import EventSourceResponse, format_sse_event
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from samplemind.api.deps import Client, Expensive, State
from samplemind.api.schemas import ErrorBody
from samplemind.domain.ai import AiCostLine
from samplemind.domain.library import Sample, SearchHit
from samplemind.errors import NotFoundError, SampleMindError

__all__ = ["router"]

router = APIRouter(prefix="/api/ai", tags=["ai"])

PriorityName = Literal["cost", "speed", "quality"]

_AI_ERRORS: dict[int | str, dict[str, Any]] = {
    402: {"model": ErrorBody, "description": "The monthly AI budget is spent (no free model)."},
    502: {"model": ErrorBody, "description": "Every model of the route failed."},
    503: {"model": ErrorBody, "description": "No LLM provider is configured or reachable."},
}

# Streams are returned as responses (not generators), so a failure before the first event is
# an ordinary problem response with its status.
_STREAM: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."},
    **_AI_ERRORS,
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RouteOut(BaseModel):
    model: str = Field(description='"provider:model" that answered.')
    cached: bool
    input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    fallbacks: list[dict[str, str]] = Field(description="Models tried before, with the reason.")
    notices: list[str]


class ProviderOut(BaseModel):
    provider: str
    configured: bool
    available: bool
    models: list[str]
    detail: str


class FeatureOut(BaseModel):
    available: bool = Field(description="The feature can answer now.")
    models: list[str] = Field(
        description="Its chain at its default priority, after the budget and the circuit "
        "breaker (empty for search without a model: the rules answer)."
    )
    reason: str | None = Field(description="Why no model can answer, when none can.")
    notices: list[str]


class StatusOut(BaseModel):
    configured: bool = Field(description="Whether any model can be called now.")
    providers: list[ProviderOut]
    routes: dict[str, dict[str, list[str]]] = Field(description="task → priority → chain.")
    features: dict[str, FeatureOut] = Field(
        description="search, describe, advise, kit, costs: what each can do now."
    )
    budget_usd: float | None
    month_spend_usd: float
    budget_reached: bool
    cache: str


class DescribeIn(_Body):
    sample_id: int
    priority: PriorityName = "cost"


class DescriptionOut(BaseModel):
    description: str
    genres: list[str]
    moods: list[str]
    instrument: str | None
    character: list[str]
    use_cases: list[str]


class DescribeOut(BaseModel):
    sample: Sample
    description: DescriptionOut
    tags: list[str] = Field(description="Tags stored with source `ai`.")
    route: RouteOut


class StoredDescriptionOut(BaseModel):
    sample_id: int
    description: DescriptionOut
    model: str = Field(description='"provider:model" that wrote it.')
    created_at: datetime


class DescribeBatchIn(_Body):
    query: str = Field(max_length=2_000, description="Which samples, in the query language.")
    priority: PriorityName = "cost"
    concurrency: int | None = Field(None, ge=1, le=32)
    force: bool = Field(False, description="Describe again samples that have a description.")
    limit: int = Field(10_000, ge=1, le=100_000)


class SearchIn(_Body):
    text: str = Field(min_length=1, max_length=600, description="What you are looking for.")
    limit: int = Field(50, ge=1, le=500)
    run: bool = Field(True, description="False: only turn the text into a query.")
    priority: PriorityName = "cost"


class SearchOut(BaseModel):
    text: str
    query: str = Field(description="The request in the query language (what ran).")
    source: Literal["rules", "model"]
    unknown: list[str] = Field(description="Words the rules did not understand.")
    notices: list[str]
    route: RouteOut | None
    items: list[SearchHit]


class AdviseIn(_Body):
    sample_ids: list[int] = Field(default_factory=list, max_length=12)
    query: str | None = Field(None, max_length=2_000, description="And/or the samples it finds.")
    question: str | None = Field(None, max_length=600)
    priority: PriorityName = "quality"


class KitIn(_Body):
    brief: str = Field(min_length=1, max_length=600, description='e.g. "lo-fi hip hop kit, dusty"')
    size: int | None = Field(None, ge=1, le=32)
    priority: PriorityName = "quality"
    save_as: str | None = Field(
        None, min_length=1, max_length=200, description="Keep the kit as a collection."
    )


class KitItemOut(BaseModel):
    role: str
    reason: str
    sample: Sample


class KitOut(BaseModel):
    name: str
    notes: str
    items: list[KitItemOut]
    collection: str | None = Field(description="The collection it was saved as, if asked.")
    route: RouteOut


class CostsOut(BaseModel):
    month: str
    total_usd: float
    budget_usd: float | None
    month_spend_usd: float
    budget_reached: bool = Field(description="This month's spend reached the budget.")
    lines: list[AiCostLine]
    unpriced: list[str] = Field(description="Models used that have no known price.")


class ProjectionLineOut(BaseModel):
    task: str
    priority: str
    share: float
    requests: int
    model: str
    cost_usd: float


class ScenarioOut(BaseModel):
    name: str
    cost_usd: float
    saving_usd: float
    saving_percent: float
    lines: list[ProjectionLineOut]


class ProjectionOut(BaseModel):
    requests: int
    tokens: int
    input_tokens: int
    output_tokens: int
    baseline: ScenarioOut
    scenarios: list[ScenarioOut]


def _priority(name: str) -> Any:
    from samplemind.ai.router import Priority

    return Priority(name)


def _route(info: Any) -> RouteOut:
    return RouteOut.model_validate(info.to_record())


def _event(event: str, data: Any) -> bytes:
    return format_sse_event(data_str=orjson.dumps(data).decode(), event=event)


@router.get("/status")
def status(state: State, _client: Client) -> StatusOut:
    """Providers (configured, reachable, their models; never keys), each task's chain of models
    at each priority, the monthly budget and this month's spend."""
    ai = state.ai
    result = ai.status()
    features = {
        name: FeatureOut(
            available=f.available, models=list(f.models), reason=f.reason, notices=list(f.notices)
        )
        for name, f in ai.features().items()
    }
    budget = result.budget_usd
    return StatusOut(
        configured=result.configured,
        providers=[ProviderOut.model_validate(p, from_attributes=True) for p in result.providers],
        routes=result.routes,
        features=features,
        budget_usd=budget,
        month_spend_usd=result.month_spend_usd,
        budget_reached=budget is not None and result.month_spend_usd >= budget,
        cache=result.cache,
    )


@router.post("/describe", dependencies=[Expensive], responses=_AI_ERRORS)
async def describe(state: State, body: DescribeIn) -> DescribeOut:
    """Describe one sample from its analysis; its genres, moods, instrument and character
    words are stored as tags with source `ai` (replacing earlier `ai` tags)."""
    outcome = await state.ai.describe(body.sample_id, priority=_priority(body.priority))
    return DescribeOut(
        sample=outcome.sample,
        description=DescriptionOut.model_validate(outcome.description.model_dump()),
        tags=list(outcome.tags),
        route=_route(outcome.route),
    )


@router.get(
    "/descriptions/{sample_id}",
    responses={404: {"model": ErrorBody, "description": "No such sample, or not described."}},
)
def stored_description(
    state: State, _client: Client, sample_id: Annotated[int, PathParam(ge=1)]
) -> StoredDescriptionOut:
    """A sample's stored AI description (no model is called)."""
    stored = state.ai.description(sample_id)
    if stored is None:
        raise NotFoundError(f"sample {sample_id} has no AI description yet")
    fields = DescriptionOut.model_fields
    data = {k: v for k, v in stored.data.items() if k in fields}
    data.setdefault("description", stored.description)
    for name in ("genres", "moods", "character", "use_cases"):
        data.setdefault(name, [])
    data.setdefault("instrument", None)
    return StoredDescriptionOut(
        sample_id=stored.sample_id,
        description=DescriptionOut.model_validate(data),
        model=stored.model,
        created_at=stored.created_at,
    )


@router.post("/describe/batch", dependencies=[Expensive], responses=_STREAM)
async def describe_batch(state: State, body: DescribeBatchIn) -> EventSourceResponse:
    """Describe every sample a query finds, a few at a time. Server-sent events: `progress`
    per sample (`{done, total, item}`), then `end` with the summary."""
    import asyncio

    from samplemind.ai.router import Task

    ai = state.ai
    priority = _priority(body.priority)
    ai.router.chain(Task.AUDIO, priority)  # no provider, budget spent: a problem, not a stream
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    def progress(item: Any, done: int, total: int) -> None:
        record = {
            "sample_id": item.sample_id,
            "name": item.name,
            "status": item.status,
            "tags": list(item.tags),
            "error": {"code": item.error_code, "message": item.error} if item.error else None,
        }
        queue.put_nowait(_event("progress", {"done": done, "total": total, "item": record}))

    async def work() -> None:
        try:
            summary = await ai.describe_many(
                body.query,
                priority=priority,
                concurrency=body.concurrency,
                force=body.force,
                limit=body.limit,
                progress=progress,
            )
            queue.put_nowait(
                _event(
                    "end",
                    {
                        "total": summary.total,
                        "described": summary.described,
                        "skipped": summary.skipped,
                        "failed": summary.failed,
                        "cost_usd": round(summary.cost_usd, 8),
                        "stopped": summary.stopped,
                    },
                )
            )
        except SampleMindError as exc:
            queue.put_nowait(_event("error", {"error": exc.to_dict()}))
        finally:
            queue.put_nowait(None)

    async def events() -> AsyncIterator[bytes]:
        task = asyncio.create_task(work())
        try:
            while (chunk := await queue.get()) is not None:
                yield chunk
        finally:
            if not task.done():
                task.cancel()

    return EventSourceResponse(events())


@router.post("/search", dependencies=[Expensive], responses=_AI_ERRORS)
async def search(state: State, body: SearchIn) -> SearchOut:
    """Search in plain words. Common phrasings ("dark 808 in F minor around 140") become a
    query without a model; the rest goes to one when configured. The query is returned with
    the results, so a client can show (and edit) it."""
    result = await state.ai.nl_search(
        body.text, run=body.run, limit=body.limit, priority=_priority(body.priority)
    )
    return SearchOut(
        text=result.text,
        query=result.query,
        source=result.source,
        unknown=list(result.unknown),
        notices=list(result.notices),
        route=_route(result.route) if result.route else None,
        items=list(result.hits),
    )


@router.post("/advise", dependencies=[Expensive], responses=_STREAM)
async def advise(state: State, body: AdviseIn) -> EventSourceResponse:
    """Production advice about samples, streamed: server-sent `token` events (`{"text"}`) as
    the model writes, then `end` (`{"text", "route"}`); `error` if the model fails mid-way."""
    from samplemind.ai.router import Delta
    from samplemind.ai.service import RouteInfo

    stream = await state.ai.advise(
        list(body.sample_ids),
        query=body.query,
        question=body.question,
        priority=_priority(body.priority),
    )

    async def events() -> AsyncIterator[bytes]:
        try:
            async for event in stream:
                if isinstance(event, Delta):
                    yield _event("token", {"text": event.text})
                else:
                    route = RouteInfo.of(event.result).to_record()
                    yield _event("end", {"text": event.result.output, "route": route})
        except SampleMindError as exc:
            yield _event("error", {"error": exc.to_dict()})

    return EventSourceResponse(events())


@router.post("/kit", dependencies=[Expensive], responses=_AI_ERRORS)
async def kit(state: State, body: KitIn) -> KitOut:
    """Build a kit from the library: the model searches it with read-only tools and picks one
    sample per role with a reason; `save_as` keeps it as a collection (export it with
    `samplemind export 'collection:"NAME"' --to DIR`)."""
    import anyio

    ai = state.ai
    built = await ai.build_kit(body.brief, size=body.size, priority=_priority(body.priority))
    collection = None
    if body.save_as:
        collection, _ = await anyio.to_thread.run_sync(
            lambda: ai.save_kit(built, collection=body.save_as)
        )
    return KitOut(
        name=built.name,
        notes=built.notes,
        items=[KitItemOut(role=i.role, reason=i.reason, sample=i.sample) for i in built.items],
        collection=collection,
        route=_route(built.route),
    )


@router.get(
    "/kit/export",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The kit's files, zipped."},
        404: {"model": ErrorBody, "description": "An unknown sample id (nothing exported)."},
    },
)
def export_kit(
    state: State,
    _client: Client,
    sample_id: Annotated[list[int], Query(min_length=1, max_length=32)],
    name: Annotated[str, Query(min_length=1, max_length=80)] = "kit",
    pattern: Annotated[
        str | None, Query(max_length=200, description="e.g. {type}_{bpm}_{key}_{name}")
    ] = None,
) -> FileResponse:
    """A kit's samples as a zip, exported with the library's export (`samplemind export`'s
    naming pattern and safety); a file that could not be exported is listed in
    `NOT EXPORTED.txt` inside the zip. No collection is made (`POST /api/collections` does)."""
    ai = state.ai
    with tempfile.TemporaryDirectory(prefix="samplemind-kit-") as tmp:
        folder = Path(tmp) / "kit"
        outcomes = ai.export_kit(sample_id, folder, pattern=pattern)
        handle, archive = tempfile.mkstemp(prefix="samplemind-kit-", suffix=".zip")
        os.close(handle)
        try:
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:
                for outcome in outcomes:
                    if outcome.ok and outcome.target is not None:
                        bundle.write(outcome.target, outcome.target.name)
                failed = [o.message for o in outcomes if not o.ok]
                if failed:
                    bundle.writestr("NOT EXPORTED.txt", "\n".join(failed) + "\n")
        except BaseException:
            os.unlink(archive)
            raise
    stem = "".join(c if c.isascii() and (c.isalnum() or c in "-_ .") else "_" for c in name)
    filename = (stem.strip(" .") or "kit") + ".zip"
    return FileResponse(
        archive,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"; '
            f"filename*=UTF-8''{quote(name.strip() or 'kit')}.zip"
        },
        background=BackgroundTask(os.unlink, archive),
    )


@router.get("/costs")
def costs(
    state: State,
    _client: Client,
    month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM."),
) -> CostsOut:
    """Spend by provider, model and task over a month (default: this one)."""
    report = state.ai.costs(month)
    return CostsOut(
        month=report.month,
        total_usd=report.total_usd,
        budget_usd=report.budget_usd,
        month_spend_usd=report.month_spend_usd,
        budget_reached=report.budget_reached,
        lines=list(report.lines),
        unpriced=list(report.unpriced),
    )


@router.get("/projection")
def projection(
    state: State,
    _client: Client,
    requests: int = Query(100_000, ge=0, le=10**9),
    tokens: int = Query(500, ge=1, le=1_000_000),
    input_share: float = Query(0.7, ge=0, le=1),
    mix: str | None = Query(
        None, max_length=500, description="e.g. classify:cost=35,advice:quality=10"
    ),
    baseline: str = Query("openai:gpt-4o", max_length=160),
) -> ProjectionOut:
    """A month's projected AI cost: everything on one model versus the router."""
    from samplemind.ai.projection import parse_mix, project

    ai = state.ai
    report = project(
        ai.pricing,
        requests=requests,
        tokens=tokens,
        input_share=input_share,
        mix=parse_mix(mix) if mix else None,
        baseline=baseline,
        configured=ai.catalogue.available() or None,
        routes=ai.settings.ai_routes,
    )

    def scenario(s: Any) -> ScenarioOut:
        saved, percent = s.saving_vs(report.baseline)
        return ScenarioOut(
            name=s.name,
            cost_usd=round(s.cost_usd, 4),
            saving_usd=round(saved, 4),
            saving_percent=round(percent, 2),
            lines=[
                ProjectionLineOut(
                    task=x.task.value,
                    priority=x.priority.value,
                    share=x.share,
                    requests=x.requests,
                    model=x.model,
                    cost_usd=round(x.cost_usd, 4),
                )
                for x in s.lines
            ],
        )

    return ProjectionOut(
        requests=report.requests,
        tokens=report.tokens,
        input_tokens=report.input_tokens,
        output_tokens=report.output_tokens,
        baseline=scenario(report.baseline),
        scenarios=[scenario(s) for s in report.scenarios],
    )
