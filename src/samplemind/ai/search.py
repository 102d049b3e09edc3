"""Natural-language search with a model, for what the rules of :mod:`samplemind.ai.nlquery`
do not understand. The answer is checked with the query language's own parser; a query that
does not parse goes back to the model with the parser's message (pydantic-ai output retries)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from samplemind.ai import prompts
from samplemind.errors import QuerySyntaxError
from samplemind.search.parse import parse_query

if TYPE_CHECKING:
    from pydantic_ai import Agent

__all__ = ["FEATURE", "INSTRUCTIONS", "NlQuery", "build_agent", "prompt_for"]

FEATURE = "nl_search@1"

INSTRUCTIONS = f"""You turn a music producer's request into one query of a sample library's query
language. Free words must all match a word of the file name, folder or tags (prefix match), so
use only words likely to be in names or tags (kick, snare, 808, pad, dark, warm, lo-fi …) and
leave out words that describe the request rather than the sound. Fields:
bpm:120..128  bpm:~140 (±3 %, half/double time)  bpm:>140  key:Am  key:"F# minor"  key:~8A
(compatible keys)  key:minor  dur:<2 (seconds; dur:<500ms)  lufs:>-10  bars:4  is:loop  is:oneshot
fav:yes  tag:dark  channels:mono  format:wav  like:42 (similar to sample 42)  sort:-bpm
-word or -tag:vocal negates; (a OR b) for alternatives.
Answer with the query and a one-line explanation. {prompts.DATA_RULE}"""


class NlQuery(BaseModel):
    query: str = Field(max_length=400, description="A query in the query language.")
    explanation: str = Field("", max_length=300)


def build_agent() -> Agent[None, NlQuery]:
    from pydantic_ai import Agent, ModelRetry

    agent: Agent[None, NlQuery] = Agent(
        output_type=NlQuery, instructions=INSTRUCTIONS, name="nl_search"
    )

    @agent.output_validator
    def _parses(output: NlQuery) -> NlQuery:
        try:
            parse_query(output.query)
        except QuerySyntaxError as exc:
            raise ModelRetry(
                f"that query does not parse: {exc.message}\n{exc.pointer()}\n"
                "Answer with a fixed one."
            ) from exc
        return output

    return agent


def prompt_for(text: str, hint: str) -> str:
    lines = ["Request: " + prompts.user_request(text)]
    if hint:
        lines.append(f"The rules understood part of it as: {hint}")
    return "\n".join(lines)
