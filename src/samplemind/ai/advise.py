"""``advise``: production advice about a sample or a set (mixing, layering, processing),
streamed as it is written. The model reads the samples' measured analysis and names (framed
data), and the producer's question (framed too)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from samplemind.ai import prompts

if TYPE_CHECKING:
    from pydantic_ai import Agent

__all__ = ["FEATURE", "INSTRUCTIONS", "MAX_SAMPLES", "build_agent", "prompt_for"]

FEATURE = "advise@1"
#: Samples one question may be about (each costs ~150 prompt tokens).
MAX_SAMPLES = 12

INSTRUCTIONS = f"""You are an experienced mixing engineer and sound designer advising a music
producer about samples from their library. You get each sample's measured analysis (you cannot
hear it) and a question. Give practical, specific advice: EQ moves with frequencies, compression
and saturation settings, layering and tuning (use the keys and root notes), gain staging (use
the loudness figures), and which sample goes with which. Be concise: short paragraphs or a
list, under 250 words unless asked for more. {prompts.DATA_RULE}"""

DEFAULT_QUESTION = "How should I process and use these in a mix?"


def build_agent() -> Agent[None, str]:
    from pydantic_ai import Agent

    return Agent(output_type=str, instructions=INSTRUCTIONS, name="advise")


def prompt_for(blocks: list[str], question: str | None) -> str:
    asked = prompts.user_request(question or DEFAULT_QUESTION)
    return "\n".join(["Samples:", *blocks, "Question: " + asked])
