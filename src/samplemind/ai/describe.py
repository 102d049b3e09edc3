"""``describe``: a sample's description and character tags, from its stored analysis.

The model never hears the audio: it reads the measured facts (duration, loop or one-shot, BPM,
key, loudness, spectrum, envelope) and the file's name, folder and tags as framed, capped data
(:mod:`samplemind.ai.prompts`), and answers with :class:`SampleDescription`. Its genres, moods,
instrument and character words become tags with source ``ai`` (replacing earlier ``ai`` tags;
user and filename tags stay); the whole answer is kept as the sample's AI description.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from samplemind.ai import prompts

if TYPE_CHECKING:
    from pydantic_ai import Agent

__all__ = ["FEATURE", "INSTRUCTIONS", "SampleDescription", "build_agent", "tag_names"]

#: Ledger task name and cache namespace; bump the version when the prompt changes.
FEATURE = "describe@1"

_WORD = re.compile(r"[^a-z0-9&+ -]")

INSTRUCTIONS = f"""You describe audio samples for a music producer's sample library.
You get one sample's measured analysis (you cannot hear it) and its file name, folder and tags.
Answer with a short, concrete description (one or two sentences, what it sounds like and what it
is good for), up to 3 genres, up to 3 moods, the instrument or sound type, up to 6 character
words a producer would search for (punchy, warm, gritty, airy, tight, dusty, bright …) and up to
3 use cases (intro, drop, layering under a kick …). Use lower case single words or short phrases.
Base every claim on the measurements or the names; do not invent facts. {prompts.DATA_RULE}"""


def _words(values: list[str], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        word = " ".join(_WORD.sub(" ", value.strip().lower()).split())[:32].strip()
        if word:
            seen[word] = None
    return list(seen)[:limit]


class SampleDescription(BaseModel):
    """What the model says about one sample."""

    description: str = Field(min_length=1, max_length=500)
    genres: list[str] = Field(default_factory=list, max_length=8)
    moods: list[str] = Field(default_factory=list, max_length=8)
    instrument: str | None = Field(None, max_length=48)
    character: list[str] = Field(default_factory=list, max_length=12)
    use_cases: list[str] = Field(default_factory=list, max_length=8)

    @field_validator("genres", "moods")
    @classmethod
    def _three(cls, value: list[str]) -> list[str]:
        return _words(value, 3)

    @field_validator("character")
    @classmethod
    def _six(cls, value: list[str]) -> list[str]:
        return _words(value, 6)

    @field_validator("use_cases")
    @classmethod
    def _uses(cls, value: list[str]) -> list[str]:
        return _words(value, 3)

    @field_validator("instrument")
    @classmethod
    def _instrument(cls, value: str | None) -> str | None:
        words = _words([value], 1) if value else []
        return words[0] if words else None


def tag_names(description: SampleDescription) -> list[str]:
    """The tags a description gives its sample (source ``ai``)."""
    names = [*description.genres, *description.moods, *description.character]
    if description.instrument:
        names.append(description.instrument)
    return list(dict.fromkeys(n for n in names if 0 < len(n) <= 64))


def build_agent() -> Agent[None, SampleDescription]:
    from pydantic_ai import Agent

    return Agent(output_type=SampleDescription, instructions=INSTRUCTIONS, name="describe")


def prompt_for(facts: str) -> str:
    return f"Describe this sample.\n{facts}"


def as_data(description: SampleDescription) -> dict[str, Any]:
    return description.model_dump(mode="json")
