"""``samplemind ai …``: the AI features (describe, search, advise, kit) and their costs.

Every command works through :class:`~samplemind.ai.service.AiService`; with no LLM configured
each says so (exit 1) and everything outside ``ai`` keeps working. ``status``, ``costs`` and
``projection`` need no provider at all.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from samplemind.cli.common import (
    emit_json,
    err_console,
    library_session,
    out_console,
    sample_record,
    samples_table,
)

if TYPE_CHECKING:
    from samplemind.ai.service import AiService, BatchItem, RouteInfo
    from samplemind.library import Library

__all__ = ["ai_app"]

T = TypeVar("T")

ai_app = typer.Typer(
    help="AI features: describe and tag samples, natural-language search, production advice, "
    "kits; costs. Works with Ollama, OpenAI, Anthropic, Gemini, Groq, DeepSeek or any "
    "OpenAI-compatible server (see `samplemind ai status`).",
    no_args_is_help=True,
)


class PriorityChoice(StrEnum):
    cost = "cost"
    speed = "speed"
    quality = "quality"


class ExportMode(StrEnum):
    copy = "copy"
    link = "link"
    symlink = "symlink"


PriorityOpt = Annotated[
    PriorityChoice | None,
    typer.Option(
        "--priority", "-p", help="Route for cost, speed or quality (default per feature)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]


def _run(body: Callable[[AiService], Coroutine[Any, Any, T]]) -> T:
    """Open the library and the AI service, run ``body`` in one event loop, close both."""
    from samplemind.ai.service import AiService

    with library_session() as library:

        async def main(lib: Library) -> T:
            service = AiService(lib)
            try:
                return await body(service)
            finally:
                await service.aclose()

        return asyncio.run(main(library))


def _priority(choice: PriorityChoice | None, default: str) -> Any:
    from samplemind.ai.router import Priority

    return Priority(choice.value if choice else default)


def _footer(route: RouteInfo | None) -> None:
    if route is None:
        return
    err = err_console()
    for notice in route.notices:
        err.print(f"[yellow]note:[/] {escape(notice)}")
    for model, reason in route.attempts:
        err.print(f"[dim]fell back from {model} ({escape(reason)})[/]")
    cost = "cached, $0" if route.cached else f"${route.cost_usd:.6f}"
    err.print(
        f"[dim]{route.model} · {route.input_tokens}+{route.output_tokens} tokens · {cost} · "
        f"{route.latency_ms:.0f} ms[/]"
    )


@ai_app.command("status")
def status(json_out: JsonOpt = False) -> None:
    """Providers (configured, reachable, models), each task's route, budget and spend."""

    async def body(ai: AiService) -> Any:
        return ai.status()

    result = _run(body)
    if json_out:
        emit_json(
            [
                {
                    "configured": result.configured,
                    "providers": [
                        {
                            "provider": p.provider,
                            "configured": p.configured,
                            "available": p.available,
                            "models": list(p.models),
                            "detail": p.detail,
                        }
                        for p in result.providers
                    ],
                    "routes": result.routes,
                    "budget_usd": result.budget_usd,
                    "month_spend_usd": round(result.month_spend_usd, 6),
                    "cache": result.cache,
                }
            ]
        )
        return
    out = out_console()
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for column in ("provider", "available", "models", "detail"):
        table.add_column(column, overflow="fold")
    for p in result.providers:
        mark = "[green]yes[/]" if p.available else ("[yellow]no[/]" if p.configured else "no")
        table.add_row(p.provider, mark, ", ".join(p.models), p.detail)
    out.print(table)
    if not result.configured:
        out.print("[yellow]No LLM provider is available: the ai commands need one.[/]")
    else:
        routes = Table(show_edge=False, pad_edge=False, header_style="bold", title="routes")
        routes.add_column("task")
        for priority in ("cost", "speed", "quality"):
            routes.add_column(priority, overflow="fold")
        for task, chains in result.routes.items():
            routes.add_row(task, *(" → ".join(chains[p][:3]) for p in ("cost", "speed", "quality")))
        out.print(routes)
    budget = f"${result.budget_usd:.2f}" if result.budget_usd is not None else "none"
    out.print(
        f"spent this month ${result.month_spend_usd:.4f} · budget {budget} · cache {result.cache}"
    )


def _is_one_sample(target: str) -> bool:
    return target.strip().isdigit() or Path(target).expanduser().is_file()


@ai_app.command("describe")
def describe(
    target: Annotated[str, typer.Argument(help="A sample id or path, or a query (a batch).")],
    priority: PriorityOpt = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", "-c", min=1, max=64, help="Calls at once.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Describe again samples that have a description.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many.")] = 10_000,
    json_out: JsonOpt = False,
) -> None:
    """Describe samples from their analysis: a description and tags (source `ai`).

    `samplemind ai describe 42` describes one; `samplemind ai describe 'type:kick'` every
    sample the query finds, with a progress bar (one failure does not stop the batch).
    """
    level = _priority(priority, "cost")
    if _is_one_sample(target):

        async def one(ai: AiService) -> Any:
            return await ai.describe(target, priority=level)

        outcome = _run(one)
        if json_out:
            emit_json(
                [
                    {
                        **sample_record(outcome.sample),
                        "description": outcome.description.model_dump(mode="json"),
                        "route": outcome.route.to_record(),
                    }
                ]
            )
            return
        out = out_console()
        out.print(f"[bold]{escape(outcome.sample.name)}[/] (id {outcome.sample.id})")
        out.print(escape(outcome.description.description))
        d = outcome.description
        for label, values in (
            ("genres", d.genres),
            ("moods", d.moods),
            ("instrument", [d.instrument] if d.instrument else []),
            ("character", d.character),
            ("use cases", d.use_cases),
        ):
            if values:
                out.print(f"[dim]{label}:[/] {escape(', '.join(values))}")
        _footer(outcome.route)
        return

    err = err_console()

    async def batch(ai: AiService) -> Any:
        progress = Progress(
            TextColumn("describing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            disable=json_out or not err.is_terminal,
        )
        task = progress.add_task("describe", total=None)

        def tick(item: BatchItem, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)
            if json_out:
                emit_json(
                    [
                        {
                            "id": item.sample_id,
                            "name": item.name,
                            "status": item.status,
                            "tags": list(item.tags),
                            "error": {"code": item.error_code, "message": item.error}
                            if item.error
                            else None,
                        }
                    ]
                )

        with progress:
            return await ai.describe_many(
                target,
                priority=level,
                concurrency=concurrency,
                force=force,
                limit=limit,
                progress=tick,
            )

    summary = _run(batch)
    if not json_out:
        for item in summary.failures:
            err.print(
                f"[red]failed[/] {escape(item.name)} (id {item.sample_id}): {escape(item.error)}"
            )
        err.print(
            f"described {summary.described}, skipped {summary.skipped} (already described; "
            f"--force to redo), failed {summary.failed} of {summary.total} · "
            f"${summary.cost_usd:.4f}"
        )
    if summary.stopped:
        err.print(f"[red]stopped:[/] {escape(summary.stopped)}")
    if summary.failed:
        raise typer.Exit(1)


@ai_app.command("search")
def search(
    text: Annotated[
        list[str], typer.Argument(help='What you want: "dark 808 in F minor around 140".')
    ],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many.")] = 50,
    show_only: Annotated[
        bool, typer.Option("--show-query", help="Only print the query; do not run it.")
    ] = False,
    priority: PriorityOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Search in plain words: the request becomes a query (shown), then runs."""
    phrase = " ".join(text)

    async def body(ai: AiService) -> Any:
        return await ai.nl_search(
            phrase, run=not show_only, limit=limit, priority=_priority(priority, "cost")
        )

    result = _run(body)
    if json_out:
        emit_json(
            [
                {
                    "query": result.query,
                    "source": result.source,
                    "notices": list(result.notices),
                    "route": result.route.to_record() if result.route else None,
                }
            ]
        )
        emit_json(sample_record(h.sample, h.score) for h in result.hits)
        return
    err = err_console()
    err.print(f"[bold]query:[/] {escape(result.query)}  [dim]({result.source})[/]")
    for notice in result.notices:
        err.print(f"[yellow]note:[/] {escape(notice)}")
    if result.route is not None:
        _footer(result.route)
    if not show_only:
        out_console().print(samples_table(result.hits))
        err.print(f"[dim]{len(result.hits)} result(s)[/]")


@ai_app.command("advise")
def advise(
    refs: Annotated[list[str] | None, typer.Argument(help="Sample ids or paths.")] = None,
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Samples a query finds (up to 12).")
    ] = None,
    question: Annotated[
        str | None, typer.Option("--ask", "-a", help="Your question (default: how to use them).")
    ] = None,
    priority: PriorityOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Production advice (mixing, layering, processing) about samples, streamed as written."""
    from samplemind.ai.router import Delta

    async def body(ai: AiService) -> Any:
        stream = await ai.advise(
            refs or [], query=query, question=question, priority=_priority(priority, "quality")
        )
        out = sys.stdout
        done = None
        async for event in stream:
            if isinstance(event, Delta):
                if json_out:
                    emit_json([{"event": "token", "text": event.text}])
                else:
                    out.write(event.text)
                    out.flush()
            else:
                done = event.result
        return done

    from samplemind.ai.service import RouteInfo

    result = _run(body)
    if result is None:
        return
    if json_out:
        emit_json([{"event": "end", "route": RouteInfo.of(result).to_record()}])
    else:
        sys.stdout.write("\n")
        _footer(RouteInfo.of(result))


@ai_app.command("kit")
def kit(
    brief: Annotated[list[str], typer.Argument(help='The kit: "lo-fi hip hop kit, dusty".')],
    size: Annotated[
        int | None, typer.Option("--size", min=1, max=32, help="About this many.")
    ] = None,
    save: Annotated[
        str | None, typer.Option("--save", help="Keep it as a collection with this name.")
    ] = None,
    export_to: Annotated[
        Path | None, typer.Option("--export", help="Export it to this folder (implies --save).")
    ] = None,
    pattern: Annotated[
        str | None, typer.Option("--pattern", help="Export names, e.g. '{type}_{bpm}_{name}'.")
    ] = None,
    mode: Annotated[
        ExportMode, typer.Option("--mode", help="Export by copy or link.")
    ] = ExportMode.copy,
    priority: PriorityOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Build a kit from your library: the model searches it (read-only) and picks, with reasons."""
    phrase = " ".join(brief)

    async def body(ai: AiService) -> Any:
        built = await ai.build_kit(phrase, size=size, priority=_priority(priority, "quality"))
        saved = None
        if save or export_to:
            saved = await asyncio.to_thread(
                ai.save_kit,
                built,
                collection=save,
                export_to=export_to,
                pattern=pattern,
                mode=mode.value,
            )
        return built, saved

    built, saved = _run(body)
    if json_out:
        emit_json(
            [
                {
                    "name": built.name,
                    "notes": built.notes,
                    "items": [
                        {"role": i.role, "reason": i.reason, "sample": sample_record(i.sample)}
                        for i in built.items
                    ],
                    "collection": saved[0] if saved else None,
                    "exported": [str(o.target) for o in saved[1] if o.ok] if saved else [],
                    "route": built.route.to_record(),
                }
            ]
        )
        return
    out = out_console()
    table = Table(show_edge=False, pad_edge=False, header_style="bold", title=escape(built.name))
    for column in ("role", "id", "name", "bpm", "key", "why"):
        table.add_column(column, overflow="fold")
    for item in built.items:
        s = item.sample
        bpm = f"{s.bpm:.0f}" if s.bpm and s.is_loop else ""
        table.add_row(
            escape(item.role), str(s.id), escape(s.name), bpm, s.key or "", escape(item.reason)
        )
    out.print(table)
    if built.notes:
        out.print(escape(built.notes))
    if saved:
        name, outcomes = saved
        err = err_console()
        err.print(f"saved as collection [bold]{escape(name)}[/]")
        if export_to is not None:
            ok = sum(1 for o in outcomes if o.ok)
            err.print(f"exported {ok} of {len(outcomes)} to {export_to}")
            for o in outcomes:
                if not o.ok:
                    err.print(
                        f"[red]not exported[/] {escape(str(o.source))}: {escape(str(o.error))}"
                    )
    _footer(built.route)


@ai_app.command("costs")
def costs(
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: this month).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """AI spend by provider, model and task, from the library's cost ledger."""

    async def body(ai: AiService) -> Any:
        return ai.costs(month)

    report = _run(body)
    if json_out:
        emit_json(
            [
                {
                    "month": report.month,
                    "total_usd": round(report.total_usd, 6),
                    "budget_usd": report.budget_usd,
                    "lines": [line.model_dump() for line in report.lines],
                    "unpriced": list(report.unpriced),
                }
            ]
        )
        return
    out = out_console()
    table = Table(
        show_edge=False, pad_edge=False, header_style="bold", title=f"AI costs {report.month}"
    )
    for column in (
        "provider",
        "model",
        "task",
        "calls",
        "cached",
        "failed",
        "tokens in",
        "tokens out",
        "USD",
    ):
        table.add_column(
            column, justify="right" if column not in ("provider", "model", "task") else "left"
        )
    for line in report.lines:
        table.add_row(
            line.provider,
            line.model,
            line.task,
            str(line.calls),
            str(line.cached),
            str(line.failed),
            f"{line.input_tokens:,}",
            f"{line.output_tokens:,}",
            f"{line.cost_usd:.4f}",
        )
    out.print(table)
    budget = f" of ${report.budget_usd:.2f}" if report.budget_usd is not None else ""
    out.print(f"total ${report.total_usd:.4f}{budget}")
    for ref in report.unpriced:
        out.print(f"[yellow]note:[/] {ref} has no known price; set it in ai_prices")


@ai_app.command("projection")
def projection(
    requests: Annotated[int, typer.Option("--requests", min=0, help="Requests a month.")] = 100_000,
    tokens: Annotated[int, typer.Option("--tokens", min=1, help="Tokens per request.")] = 500,
    input_share: Annotated[
        float, typer.Option("--input-share", min=0, max=1, help="Share of tokens that are prompt.")
    ] = 0.7,
    mix: Annotated[
        str | None,
        typer.Option("--mix", help="Task mix, e.g. 'classify:cost=35,advice:quality=10'."),
    ] = None,
    baseline: Annotated[
        str, typer.Option("--baseline", help="The one-model comparison.")
    ] = "openai:gpt-4o",
    json_out: JsonOpt = False,
) -> None:
    """Project a month's AI cost: everything on one model (GPT-4o) versus the router."""
    from samplemind.ai.projection import parse_mix, project

    async def body(ai: AiService) -> Any:
        configured = ai.catalogue.available()
        return project(
            ai.pricing,
            requests=requests,
            tokens=tokens,
            input_share=input_share,
            mix=parse_mix(mix) if mix else None,
            baseline=baseline,
            configured=configured or None,
            routes=ai.settings.ai_routes,
        )

    report = _run(body)
    if json_out:
        emit_json(
            [
                {
                    "requests": report.requests,
                    "tokens": report.tokens,
                    "scenario": s.name,
                    "cost_usd": round(s.cost_usd, 2),
                    "saving_usd": round(s.saving_vs(report.baseline)[0], 2),
                    "saving_percent": round(s.saving_vs(report.baseline)[1], 1),
                    "lines": [
                        {
                            "task": line.task.value,
                            "priority": line.priority.value,
                            "requests": line.requests,
                            "model": line.model,
                            "cost_usd": round(line.cost_usd, 2),
                        }
                        for line in s.lines
                    ],
                }
                for s in (report.baseline, *report.scenarios)
            ]
        )
        return
    out = out_console()
    out.print(
        f"{report.requests:,} requests/month × {report.tokens} tokens "
        f"({report.input_tokens} in + {report.output_tokens} out)"
    )
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for column, justify in (("scenario", "left"), ("USD/month", "right"), ("saving", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_row(report.baseline.name, f"{report.baseline.cost_usd:,.2f}", "-")
    for s in report.scenarios:
        saved, percent = s.saving_vs(report.baseline)
        table.add_row(s.name, f"{s.cost_usd:,.2f}", f"{saved:,.2f} ({percent:.0f} %)")
    out.print(table)
    for s in report.scenarios:
        detail = Table(show_edge=False, pad_edge=False, header_style="bold", title=s.name)
        for column in ("task", "priority", "share", "requests", "model", "USD"):
            detail.add_column(column)
        for line in s.lines:
            detail.add_row(
                line.task.value,
                line.priority.value,
                f"{line.share:.0%}",
                f"{line.requests:,}",
                line.model,
                f"{line.cost_usd:,.2f}",
            )
        out.print(detail)
