/**
 * Server-sent events over a POST (the API's advice and batch-describe streams): `EventSource`
 * can only GET, so this reads the response body with a ReadableStream and parses the
 * text/event-stream format as it arrives (events split across network chunks included).
 */
import { ApiError } from "../../api/client";

export interface SseEvent {
  event: string;
  data: string;
}

/** An incremental parser: feed it text as it arrives; it returns the events completed so far. */
export function sseParser() {
  let buffer = "";
  let event = "";
  let data: string[] = [];
  return (text: string): SseEvent[] => {
    buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
      if (line === "") {
        if (data.length) out.push({ event: event || "message", data: data.join("\n") });
        event = "";
        data = [];
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
    }
    return out;
  };
}

/** The problem body of a failed response as an ApiError. */
async function problem(response: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string } } = {};
  try {
    body = await response.json();
  } catch {
    /* not JSON */
  }
  return new ApiError(response.status, body.error?.code ?? `http_${response.status}`, body.error?.message ?? response.statusText ?? "request failed");
}

/**
 * POST `body` as JSON and call `onEvent` with each event's name and parsed data as it arrives.
 * A problem before the stream (no provider, unknown samples, the budget) rejects with its
 * ApiError; an `error` event rejects with the ApiError it carries. Aborting `signal` stops
 * reading (the server sees the disconnect) and rejects with an AbortError.
 */
export async function postEvents(url: string, body: unknown, onEvent: (event: string, data: unknown) => void, signal?: AbortSignal): Promise<void> {
  let response: Response;
  try {
    response = await globalThis.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (exc) {
    if (exc instanceof DOMException && exc.name === "AbortError") throw exc;
    throw new ApiError(0, "network", "The server cannot be reached. Is `samplemind serve` running?");
  }
  if (!response.ok) throw await problem(response);
  if (!response.body) throw new ApiError(response.status, "no_stream", "the server sent no event stream");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parse = sseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const item of parse(decoder.decode(value, { stream: true }))) {
        const data = JSON.parse(item.data) as unknown;
        if (item.event === "error") {
          const error = (data as { error?: { code?: string; message?: string } }).error ?? {};
          throw new ApiError(200, error.code ?? "error", error.message ?? "the stream failed");
        }
        onEvent(item.event, data);
      }
    }
  } finally {
    void reader.cancel().catch(() => {});
  }
}
