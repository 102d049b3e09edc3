"""A protocol-faithful fake OpenAI server for the web app's end-to-end suite (``web/e2e``).

``python -m tests.ai.serve_fake`` starts :class:`~tests.ai.fakellm.FakeLLM` (real HTTP, OpenAI
chat completions, JSON and server-sent-event streams, tool calls) on 127.0.0.1, prints its port
on the first line of stdout, and serves until stdin closes or it is terminated. Its answers are
a small script keyed on what the SDK sent, so the whole panel can be driven with no internet:

- natural-language search → the query ``pad`` (the rules answer the common phrasings first);
- describe → a fixed description;
- advice → a paragraph streamed a few characters at a time, ``SAMPLEMIND_FAKE_DELAY_S`` (0.04 s)
  between chunks, so a client can see it arrive;
- kit → first a ``search`` tool call per slot, then picks from what the tools returned.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any

from tests.ai.fakellm import FakeLLM, Reply, Seen, output_tool

__all__ = ["ADVICE", "answer", "main"]

ADVICE = (
    "Start with the kick: high-pass everything else around 30 Hz so its sub has room. "
    "Tune the 808 to the key of the chords and sidechain it to the kick by 3-4 dB. "
    "Give the hats a gentle shelf above 10 kHz and pan the open hat 20 % right. "
    "Glue the drums on a bus with 2 dB of slow-attack compression."
)

DESCRIPTION = {
    "description": "A punchy, tight kick with a short, deep tail: made for four-on-the-floor.",
    "genres": ["house", "techno"],
    "moods": ["driving"],
    "instrument": "kick",
    "character": ["punchy", "tight", "deep"],
    "use_cases": ["drop", "groove"],
}

#: Slot → the search the fake model makes for it.
KIT_SLOTS = {"kick": "kick", "snare": "snare", "closed hihat": "hat", "bass": "bass"}


def answer(seen: Seen) -> Reply:
    """What a model would say to this request (see the module docstring)."""
    tools = seen.tool_names
    text = seen.text
    if "similar" in tools and "search" in tools:  # the kit agent, with its library tools
        if not seen.tool_results:
            return Reply(
                tool_calls=[("search", {"query": q, "limit": 4}) for q in KIT_SLOTS.values()],
                input_tokens=900,
                output_tokens=60,
            )
        picks: list[dict[str, Any]] = []
        for role, result in zip(KIT_SLOTS, seen.tool_results, strict=False):
            found = [s for s in result if isinstance(s, dict)] if isinstance(result, list) else []
            if found:
                first = found[0]
                reason = f"{first['name']}: {first.get('type') or 'sound'}, dusty enough"
                picks.append({"role": role, "sample_id": first["id"], "reason": reason})
        plan = {"name": "Dusty lo-fi kit", "notes": "Keep it all near 85 BPM.", "picks": picks}
        return Reply(tool_calls=[(output_tool(seen), plan)], input_tokens=2400, output_tokens=180)
    if seen.stream:  # advice is the one streamed feature
        delay = float(os.environ.get("SAMPLEMIND_FAKE_DELAY_S", "0.04"))
        return Reply(
            text=ADVICE, chunk_chars=6, chunk_delay_s=delay, input_tokens=700, output_tokens=90
        )
    if "into one query" in text:  # natural-language search
        query = {"query": "pad", "explanation": "pads are the textures"}
        return Reply(tool_calls=[(output_tool(seen), query)], input_tokens=300, output_tokens=20)
    if "You describe audio samples" in text:
        return Reply(
            tool_calls=[(output_tool(seen), DESCRIPTION)], input_tokens=450, output_tokens=80
        )
    return Reply(text="ok")


def main() -> int:
    with FakeLLM("openai") as fake:
        fake.default = answer
        sys.stdout.write(f"{fake.port}\n")
        sys.stdout.flush()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()  # until the parent closes our stdin (or dies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
