"""``kit``: "lo-fi hip hop kit, dusty" → a kit of the library's own samples, with reasons.

The model gets three read-only tools over the library — ``search`` (the query language),
``similar`` (sounds like a sample) and ``show`` (one sample's facts) — and answers with a
:class:`KitPlan`. Every sample id in the answer must have come out of a tool in this run (the
output validator sends the model back otherwise), so a kit never names a sample the model
invented or read in a file name. Tool results carry file names and tags cleaned and capped, as
data; nothing the model calls can change the library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from pydantic_ai import RunContext  # tools' signatures are read at run time

from samplemind.ai import prompts
from samplemind.domain.library import Sample
from samplemind.errors import SampleMindError

if TYPE_CHECKING:
    from pydantic_ai import Agent

    from samplemind.library import Library

__all__ = ["FEATURE", "INSTRUCTIONS", "KitDeps", "KitPick", "KitPlan", "brief", "build_agent"]

FEATURE = "kit@1"
#: Tool calls one kit may make (each is a library query), and model requests.
MAX_TOOL_CALLS = 24
MAX_REQUESTS = 12

INSTRUCTIONS = f"""You build drum and instrument kits from a music producer's own sample library.
Use the tools to look: `search` takes the library's query language (free words match names,
folders and tags by prefix: kick, snare, hihat, 808, pad, dark, dusty …; fields: bpm:80..95,
bpm:~90, key:Am, key:~8A, is:loop, is:oneshot, dur:<1, tag:warm, -tag:vocal), `similar` finds
samples that sound like one, `show` gives one sample's details. Pick one sample per role the
brief needs (a drum kit: kick, snare or clap, closed hihat, open hihat, percussion; add bass,
keys, pads or loops when the brief asks), keys and tempos that fit together, and give each pick
a one-line reason from what the tools returned. Only use sample ids the tools returned. Name the
kit in a few words. {prompts.DATA_RULE}"""


class KitPick(BaseModel):
    role: str = Field(min_length=1, max_length=40, description="kick, snare, closed hihat, …")
    sample_id: int
    reason: str = Field("", max_length=300)


class KitPlan(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    picks: list[KitPick] = Field(min_length=1, max_length=32)
    notes: str = Field("", max_length=600)


@dataclass
class KitDeps:
    """What the tools reach: the library (read only) and the ids they have shown the model."""

    library: Library
    seen: set[int] = field(default_factory=set)


def brief(sample: Sample) -> dict[str, Any]:
    """A sample as a tool shows it: facts, with its name, folder and tags cleaned and capped."""
    folder = "/".join(PurePath(sample.path).parts[-3:-1])
    return {
        "id": sample.id,
        "name": prompts.clean(sample.name, limit=prompts.MAX_NAME),
        "folder": prompts.clean(folder, limit=prompts.MAX_FOLDER),
        "loop": sample.is_loop,
        "bpm": round(sample.bpm, 1) if sample.bpm and sample.is_loop else None,
        "key": sample.key,
        "root_note": sample.root_note,
        "type": sample.sample_type,
        "duration_s": round(sample.duration_s, 2) if sample.duration_s is not None else None,
        "lufs": round(sample.loudness_lufs, 1) if sample.loudness_lufs is not None else None,
        "tags": [prompts.clean(t, limit=prompts.MAX_TAG) for t in sample.tag_names][:12],
    }


def build_agent() -> Agent[KitDeps, KitPlan]:
    from pydantic_ai import Agent, ModelRetry

    agent: Agent[KitDeps, KitPlan] = Agent(
        output_type=KitPlan, deps_type=KitDeps, instructions=INSTRUCTIONS, name="kit"
    )

    def shown(ctx: RunContext[KitDeps], samples: list[Sample]) -> list[dict[str, Any]]:
        ctx.deps.seen.update(s.id for s in samples)
        return [brief(s) for s in samples]

    @agent.tool
    def search(ctx: RunContext[KitDeps], query: str, limit: int = 8) -> list[dict[str, Any]]:
        """Search the sample library.

        Args:
            query: A query in the library's query language, e.g. `kick dusty is:oneshot`.
            limit: At most this many samples (1-20).
        """
        try:
            hits = ctx.deps.library.search(query, limit=max(1, min(limit, 20)))
        except SampleMindError as exc:
            raise ModelRetry(f"search failed: {exc.message}") from exc
        return shown(ctx, [h.sample for h in hits])

    @agent.tool
    def similar(
        ctx: RunContext[KitDeps], sample_id: int, aspect: str = "overall", n: int = 6
    ) -> list[dict[str, Any]]:
        """Samples that sound like one sample of the library.

        Args:
            sample_id: The sample to compare with.
            aspect: overall, timbre, pitch, rhythm or envelope.
            n: At most this many samples (1-20).
        """
        try:
            _, hits = ctx.deps.library.similar(sample_id, aspect=aspect, n=max(1, min(n, 20)))
        except SampleMindError as exc:
            raise ModelRetry(f"similar failed: {exc.message}") from exc
        return shown(ctx, [h.sample for h in hits])

    @agent.tool
    def show(ctx: RunContext[KitDeps], sample_id: int) -> dict[str, Any]:
        """One sample's details.

        Args:
            sample_id: The sample.
        """
        try:
            sample = ctx.deps.library.get(sample_id)
        except SampleMindError as exc:
            raise ModelRetry(f"show failed: {exc.message}") from exc
        return shown(ctx, [sample])[0]

    @agent.output_validator
    def _known(ctx: RunContext[KitDeps], output: KitPlan) -> KitPlan:
        invented = sorted({p.sample_id for p in output.picks} - ctx.deps.seen)
        if invented:
            raise ModelRetry(
                f"sample ids {invented} were not returned by a tool in this conversation; "
                "pick only from the tools' results"
            )
        return output

    return agent


def prompt_for(brief_text: str, size: int | None) -> str:
    ask = f" Pick about {size} samples." if size else ""
    return "Build this kit: " + prompts.user_request(brief_text) + ask
