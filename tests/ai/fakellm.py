"""Protocol-faithful LLM servers on 127.0.0.1 for the real SDKs to talk to.

One :class:`FakeLLM` speaks one provider's wire protocol over real HTTP on an ephemeral port:

- ``openai``: ``POST …/chat/completions`` (also Groq's ``/openai/v1/…``, DeepSeek, Ollama's
  ``/v1``, any OpenAI-compatible server), JSON or ``stream: true`` server-sent events of
  ``chat.completion.chunk`` objects ending in ``data: [DONE]``, usage in the last chunk when
  ``stream_options.include_usage`` asks for it; tool calls as ``tool_calls`` (streamed as
  argument fragments); plus Ollama's ``GET /api/tags``.
- ``anthropic``: ``POST /v1/messages``, a ``message`` object or the event stream
  (``message_start``, ``content_block_start``/``_delta``/``_stop`` with ``text_delta`` or
  ``input_json_delta``, ``message_delta`` with the output token count, ``message_stop``);
  tool calls as ``tool_use`` blocks.
- ``gemini``: ``POST /v1beta/models/{model}:generateContent`` and
  ``:streamGenerateContent?alt=sse``, ``candidates[0].content.parts`` with ``text`` or
  ``functionCall``, ``usageMetadata`` token counts.

Errors are the providers' own error bodies with the real status codes (429 with
``retry-after``, 500, 529 …). What the server answers comes from a script: a queue of
:class:`Reply` values or functions of the parsed request, then a default. Every request is
recorded (:class:`Seen`) so tests can look at exactly what the SDK sent.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Protocol = Literal["openai", "anthropic", "gemini"]

__all__ = ["FakeLLM", "Reply", "Seen", "output_tool", "structured"]


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream")) or "streamGenerateContent" in self.path

    @property
    def model(self) -> str:
        if "/models/" in self.path:
            return self.path.split("/models/", 1)[1].split(":", 1)[0]
        return str(self.body.get("model", ""))

    @property
    def text(self) -> str:
        """Every piece of text in the request (system, messages, tool results), in order."""
        out: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, dict):
                for key, item in value.items():
                    if key in ("tools", "functionDeclarations", "parameters", "input_schema"):
                        continue
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        for key in ("system", "systemInstruction", "messages", "contents"):
            walk(self.body.get(key))
        return "\n".join(out)

    @property
    def tool_names(self) -> list[str]:
        tools = self.body.get("tools") or []
        names: list[str] = []
        for tool in tools:
            if "function" in tool:
                names.append(tool["function"]["name"])
            elif "name" in tool:
                names.append(tool["name"])
            for declaration in tool.get("functionDeclarations", []):
                names.append(declaration["name"])
        return names

    @property
    def tool_results(self) -> list[Any]:
        """Results of earlier tool calls sent back to the model, parsed where JSON."""
        found: list[Any] = []
        for message in self.body.get("messages", []):
            if message.get("role") == "tool":
                found.append(_maybe_json(message.get("content")))
            content = message.get("content")
            if isinstance(content, list):
                for block in content:
                    if isinstance(block, dict) and block.get("type") == "tool_result":
                        inner = block.get("content")
                        if isinstance(inner, list):  # one text block per list item
                            parsed = [_maybe_json(b.get("text", "")) for b in inner]
                            found.append(parsed if len(parsed) != 1 else parsed[0])
                        else:
                            found.append(_maybe_json(inner))
        for content in self.body.get("contents", []):
            for part in content.get("parts", []):
                if "functionResponse" in part:
                    found.append(part["functionResponse"].get("response"))
        return found


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass
class Reply:
    """What the server answers to one request."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    delay_s: float = 0.0
    input_tokens: int = 20
    output_tokens: int = 10
    chunk_chars: int = 4  # streamed text comes in pieces of this size
    chunk_delay_s: float = 0.0  # a pause before each streamed event (a model writing)
    error_message: str = "fake server error"


Script = Reply | Callable[[Seen], Reply]


def output_tool(seen: Seen) -> str:
    """The name of the tool pydantic-ai asks the model to answer with (structured output)."""
    for name in seen.tool_names:
        if name.startswith("final_result"):
            return name
    raise AssertionError(f"no output tool in the request; tools: {seen.tool_names}")


def structured(data: dict[str, Any], **reply: Any) -> Callable[[Seen], Reply]:
    """A reply that calls the request's output tool with ``data``."""

    def answer(seen: Seen) -> Reply:
        return Reply(tool_calls=[(output_tool(seen), data)], **reply)

    return answer


class FakeLLM:
    """A real HTTP server speaking ``protocol``; use as a context manager."""

    def __init__(self, protocol: Protocol, *, ollama_models: list[str] | None = None) -> None:
        self.protocol = protocol
        self.script: deque[Script] = deque()
        self.default: Script = Reply(text="ok")
        self.requests: list[Seen] = []
        self.ollama_models = ollama_models or []
        #: Script errors (a test's own mistake): answered as 500s, checked by the fixtures.
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # --- lifecycle ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- scripting ----------------------------------------------------------------------
    def then(self, *replies: Script) -> FakeLLM:
        self.script.extend(replies)
        return self

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            item = self.script.popleft() if self.script else self.default
        try:
            return item(seen) if callable(item) else item
        except Exception as exc:
            self.failures.append(f"{type(exc).__name__}: {exc}")
            return Reply(status=500, error_message=f"fake script failed: {exc}")

    @property
    def calls(self) -> list[Seen]:
        """Model requests (not health probes)."""
        return [s for s in self.requests if s.method == "POST"]

    # --- HTTP ---------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/api/tags"):
                    models = [{"name": n, "model": n} for n in fake.ollama_models]
                    fake.requests.append(Seen("GET", self.path, dict(self.headers), {}))
                    self._json(200, {"models": models})
                    return
                self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                seen = Seen(
                    "POST",
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw or b"{}"),
                )
                reply = fake._next(seen)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status != 200:
                    self._error(reply)
                    return
                render = {
                    "openai": fake._openai,
                    "anthropic": fake._anthropic,
                    "gemini": fake._gemini,
                }[fake.protocol]
                if seen.stream:
                    self._sse(render(seen, reply, stream=True), delay_s=reply.chunk_delay_s)
                else:
                    self._json(200, next(iter(render(seen, reply, stream=False))))

            def _error(self, reply: Reply) -> None:
                kind = {429: "rate_limit_error", 401: "authentication_error"}.get(
                    reply.status, "api_error"
                )
                if fake.protocol == "anthropic":
                    body: dict[str, Any] = {
                        "type": "error",
                        "error": {"type": kind, "message": reply.error_message},
                    }
                elif fake.protocol == "gemini":
                    status = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
                    body = {
                        "error": {
                            "code": reply.status,
                            "message": reply.error_message,
                            "status": status.get(reply.status, "UNKNOWN"),
                        }
                    }
                else:
                    code = "rate_limit_exceeded" if reply.status == 429 else "server_error"
                    body = {"error": {"message": reply.error_message, "type": kind, "code": code}}
                headers = {"retry-after": "1"} if reply.status == 429 else {}
                self._json(reply.status, body, headers)

            def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _sse(self, events: Iterator[Any], *, delay_s: float = 0.0) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()
                for event in events:
                    if delay_s:
                        time.sleep(delay_s)
                    if isinstance(event, tuple):  # (event name, data)
                        name, data = event
                        chunk = f"event: {name}\ndata: {json.dumps(data)}\n\n"
                    elif event == "[DONE]":
                        chunk = "data: [DONE]\n\n"
                    else:
                        chunk = f"data: {json.dumps(event)}\n\n"
                    self.wfile.write(chunk.encode())
                    self.wfile.flush()
                self.close_connection = True

        return Handler

    # --- protocols ----------------------------------------------------------------------
    @staticmethod
    def _pieces(text: str, size: int) -> list[str]:
        return [text[i : i + size] for i in range(0, len(text), max(1, size))] or []

    def _openai(self, seen: Seen, reply: Reply, *, stream: bool) -> Iterator[Any]:
        ident = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        created = int(time.time())
        model = seen.model
        usage = {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        }
        calls = [
            {
                "id": f"call_{uuid.uuid4().hex[:10]}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for name, args in reply.tool_calls
        ]
        finish = "tool_calls" if calls else "stop"
        if not stream:
            message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
            if calls:
                message["tool_calls"] = calls
            yield {
                "id": ident,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            }
            return

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            return {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            }

        yield chunk({"role": "assistant", "content": ""})
        for piece in self._pieces(reply.text, reply.chunk_chars):
            yield chunk({"content": piece})
        for index, call in enumerate(calls):
            arguments = call["function"]["arguments"]
            head = {"index": index, "id": call["id"], "type": "function"}
            yield chunk(
                {
                    "tool_calls": [
                        {**head, "function": {"name": call["function"]["name"], "arguments": ""}}
                    ]
                }
            )
            for piece in self._pieces(arguments, 16):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        if seen.path.startswith("/openai/"):  # Groq: usage rides on the last chunk's x_groq
            yield {**chunk({}, finish), "x_groq": {"id": f"req_{ident}", "usage": usage}}
        else:
            yield chunk({}, finish)
            if (seen.body.get("stream_options") or {}).get("include_usage"):
                yield {**chunk({}), "choices": [], "usage": usage}
        yield "[DONE]"

    def _anthropic(self, seen: Seen, reply: Reply, *, stream: bool) -> Iterator[Any]:
        ident = f"msg_{uuid.uuid4().hex[:16]}"
        blocks: list[dict[str, Any]] = []
        if reply.text:
            blocks.append({"type": "text", "text": reply.text})
        for name, args in reply.tool_calls:
            blocks.append(
                {
                    "type": "tool_use",
                    "id": f"toolu_{uuid.uuid4().hex[:12]}",
                    "name": name,
                    "input": args,
                }
            )
        stop = "tool_use" if reply.tool_calls else "end_turn"
        usage = {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens}
        message = {
            "id": ident,
            "type": "message",
            "role": "assistant",
            "model": seen.model,
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": usage,
        }
        if not stream:
            yield message
            return
        start = {
            **message,
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": reply.input_tokens, "output_tokens": 1},
        }
        yield ("message_start", {"type": "message_start", "message": start})
        for index, block in enumerate(blocks):
            if block["type"] == "text":
                yield (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
                for piece in self._pieces(block["text"], reply.chunk_chars):
                    yield (
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {"type": "text_delta", "text": piece},
                        },
                    )
            else:
                yield (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {
                            "type": "tool_use",
                            "id": block["id"],
                            "name": block["name"],
                            "input": {},
                        },
                    },
                )
                for piece in self._pieces(json.dumps(block["input"]), 16):
                    yield (
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {"type": "input_json_delta", "partial_json": piece},
                        },
                    )
            yield ("content_block_stop", {"type": "content_block_stop", "index": index})
        yield (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": reply.output_tokens},
            },
        )
        yield ("message_stop", {"type": "message_stop"})

    def _gemini(self, seen: Seen, reply: Reply, *, stream: bool) -> Iterator[Any]:
        usage = {
            "promptTokenCount": reply.input_tokens,
            "candidatesTokenCount": reply.output_tokens,
            "totalTokenCount": reply.input_tokens + reply.output_tokens,
        }
        calls = [{"functionCall": {"name": n, "args": a}} for n, a in reply.tool_calls]
        response_id = uuid.uuid4().hex[:16]  # one per response, on every chunk of a stream

        def response(parts: list[dict[str, Any]], *, last: bool) -> dict[str, Any]:
            candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
            if last:
                candidate["finishReason"] = "STOP"
            body: dict[str, Any] = {
                "candidates": [candidate],
                "modelVersion": seen.model,
                "responseId": response_id,
            }
            if last:
                body["usageMetadata"] = usage
            return body

        if not stream:
            parts = ([{"text": reply.text}] if reply.text else []) + calls
            yield response(parts, last=True)
            return
        pieces = self._pieces(reply.text, reply.chunk_chars)
        for piece in pieces[:-1] if not calls else pieces:
            yield response([{"text": piece}], last=False)
        final = calls if calls else ([{"text": pieces[-1]}] if pieces else [])
        yield response(final, last=True)
