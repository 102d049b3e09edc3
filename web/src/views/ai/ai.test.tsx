import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Sample } from "../../api/client";
import { usePlayer } from "../../store/player";
import { fakeFetch, renderApp } from "../../test/render";
import AiPanel, { visibleTabs } from "../AiPanel";
import { Advice } from "./Advice";
import { Costs, spendBy } from "./Costs";
import { Describe } from "./Describe";
import type { AiStatus, CostsOut } from "./hooks";
import { KitBuilder } from "./KitBuilder";
import { postEvents, sseParser } from "./sse";
import { useAi } from "./store";

function sample(id: number, extra: Partial<Sample> = {}): Sample {
  return {
    id,
    name: `Sample_${id}.wav`,
    path: `/lib/Sample_${id}.wav`,
    content_hash: "0".repeat(32),
    size_bytes: 1000,
    mtime_ns: 0,
    missing: false,
    analysis_state: "done",
    is_loop: false,
    bpm: null,
    key: "F minor",
    camelot: "4A",
    duration_s: 0.5,
    loudness_lufs: -10,
    favourite: false,
    tags: [],
    added_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...extra,
  } as Sample;
}

const route = { model: "openai:gpt-4o", cached: false, input_tokens: 120, output_tokens: 40, cost_usd: 0.0007, latency_ms: 321, fallbacks: [], notices: [] };

function status(configured: boolean, extra: Partial<AiStatus> = {}): AiStatus {
  const reason = configured ? null : "no LLM provider is configured or reachable: set SAMPLEMIND_OPENAI_API_KEY …";
  const feature = (available: boolean, models: string[] = []) => ({ available, models, reason: available && models.length ? null : reason, notices: [] });
  return {
    configured,
    providers: [{ provider: "openai", configured, available: configured, models: ["gpt-4o-mini", "gpt-4o"], detail: "" }],
    routes: {},
    features: {
      search: feature(true, configured ? ["openai:gpt-4o-mini"] : []),
      describe: feature(configured, configured ? ["openai:gpt-4o-mini"] : []),
      advise: feature(configured, configured ? ["openai:gpt-4o"] : []),
      kit: feature(configured, configured ? ["openai:gpt-4o"] : []),
      costs: { available: true, models: [], reason: null, notices: [] },
    },
    budget_usd: null,
    month_spend_usd: 0,
    budget_reached: false,
    cache: "memory",
    ...extra,
  };
}

/** A response body the test writes to piece by piece; aborting the request errors it. */
function stream(signal?: AbortSignal | null) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  signal?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
  const encode = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } }),
    push: (text: string) => controller.enqueue(encode.encode(text)),
    close: () => controller.close(),
  };
}

const token = (text: string) => `event: token\ndata: ${JSON.stringify({ text })}\n\n`;

beforeEach(() => {
  useAi.setState({
    advice: { status: "idle", text: "", tokens: 0, route: null, error: null },
    batch: { status: "idle", done: 0, total: 0, items: [], summary: null, error: null },
    kit: { status: "idle", brief: "", result: null, error: null },
  });
});
afterEach(() => vi.unstubAllGlobals());

describe("server-sent events over POST", () => {
  it("parses events split anywhere across chunks, CRLF, comments and multi-line data", () => {
    const parse = sseParser();
    expect(parse("event: tok")).toEqual([]);
    expect(parse('en\ndata: {"text":"a"}\n')).toEqual([]);
    expect(parse("\n: keep-alive\n\nevent: end\r\ndata: 1\r\ndata: 2\r\n\r\n")).toEqual([
      { event: "token", data: '{"text":"a"}' },
      { event: "end", data: "1\n2" },
    ]);
    expect(parse("data: x\n\n")).toEqual([{ event: "message", data: "x" }]);
  });

  it("delivers events as they arrive and turns problems and error events into ApiErrors", async () => {
    let body!: ReturnType<typeof stream>;
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      body = stream(init.signal);
      return body.response;
    });
    const seen: string[] = [];
    const done = postEvents("/api/ai/advise", { sample_ids: [1] }, (event, data) => seen.push(`${event}:${(data as { text: string }).text}`));
    await waitFor(() => expect(body).toBeDefined());
    body.push(token("Hi"));
    await waitFor(() => expect(seen).toEqual(["token:Hi"]));
    body.push(token(" there") + 'event: error\ndata: {"error": {"code": "ai_provider", "message": "the model stopped"}}\n\n');
    await expect(done).rejects.toMatchObject({ code: "ai_provider", message: "the model stopped" });
    expect(seen).toEqual(["token:Hi", "token: there"]);

    vi.stubGlobal("fetch", async () => new Response(JSON.stringify({ error: { code: "ai_not_configured", message: "no LLM" } }), { status: 503 }));
    await expect(postEvents("/api/ai/advise", {}, () => {})).rejects.toMatchObject({ status: 503, code: "ai_not_configured" });
  });
});

describe("the AI store", () => {
  it("streams advice token by token, then keeps the route; cancel aborts the request", async () => {
    let body!: ReturnType<typeof stream>;
    let signal: AbortSignal | null | undefined;
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      signal = init.signal;
      body = stream(init.signal);
      return body.response;
    });
    const asked = useAi.getState().ask({ sample_ids: [3], question: "layer?", priority: "quality" });
    await waitFor(() => expect(body).toBeDefined());
    body.push(token("Cut "));
    await waitFor(() => expect(useAi.getState().advice.text).toBe("Cut "));
    expect(useAi.getState().advice.status).toBe("running");
    body.push(token("at 300 Hz."));
    await waitFor(() => expect(useAi.getState().advice.tokens).toBe(2));
    body.push(`event: end\ndata: ${JSON.stringify({ text: "Cut at 300 Hz.", route })}\n\n`);
    body.close();
    await asked;
    expect(useAi.getState().advice).toMatchObject({ status: "done", text: "Cut at 300 Hz.", route: { model: "openai:gpt-4o" } });

    const again = useAi.getState().ask({ sample_ids: [3], priority: "quality" });
    await waitFor(() => expect(useAi.getState().advice.status).toBe("running"));
    await waitFor(() => expect(signal?.aborted).toBe(false));
    body.push(token("Half"));
    await waitFor(() => expect(useAi.getState().advice.text).toBe("Half"));
    useAi.getState().cancelAdvice();
    await again;
    expect(signal?.aborted).toBe(true);
    expect(useAi.getState().advice).toMatchObject({ status: "cancelled", text: "Half" });
  });
});

describe("AI panel", () => {
  it("shows only search without an LLM, says why the rest is hidden, and keeps the words in the URL", async () => {
    const { fetch } = fakeFetch({
      "/api/ai/status": () => status(false),
      "/api/ai/search": () => ({
        text: "dark 808 in F minor around 140",
        query: "dark 808 key:Fm bpm:~140",
        source: "rules",
        unknown: [],
        notices: [],
        route: null,
        items: [{ sample: sample(7, { name: "808_Dark_F.wav" }), score: 1 }],
      }),
    });
    vi.stubGlobal("fetch", fetch);
    const user = userEvent.setup();
    const { location } = renderApp(<AiPanel tab="search" />, "/ai/search");
    const tabs = await screen.findByRole("navigation", { name: "AI features" });
    await screen.findByText(/Hidden: Describe, Advice, Kit builder/);
    expect(within(tabs).getAllByRole("link").map((a) => a.textContent)).toEqual(["Search"]);
    expect(screen.getByText(/No LLM is available/)).toBeInTheDocument();
    await user.type(screen.getByLabelText("What are you looking for?"), "dark 808 in F minor around 140{Enter}");
    await waitFor(() => expect(location.history?.at(-1)).toBe("/ai/search?text=dark%20808%20in%20F%20minor%20around%20140"));
  });

  it("runs the words from the URL: the query, who made it, its results, and a link to Search", async () => {
    const { fetch, calls } = fakeFetch({
      "/api/ai/status": () => status(true),
      "/api/ai/search": () => ({
        text: "ethereal textures",
        query: "pad tag:airy",
        source: "model",
        unknown: ["ethereal", "textures"],
        notices: [],
        route: { ...route, model: "openai:gpt-4o-mini" },
        items: [{ sample: sample(9, { name: "Pad_Air.wav" }), score: 1 }],
      }),
    });
    vi.stubGlobal("fetch", fetch);
    renderApp(<AiPanel tab="search" />, "/ai/search?text=ethereal%20textures");
    expect(await screen.findByTestId("nl-query")).toHaveTextContent("pad tag:airy");
    expect(screen.getByTestId("nl-source")).toHaveTextContent("made by a model");
    expect(screen.getByText("openai:gpt-4o-mini")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Open in Search" })).toHaveAttribute("href", "/search?q=pad%20tag%3Aairy");
    expect(screen.getByRole("link", { name: "Pad_Air.wav" })).toHaveAttribute("href", "/samples/9");
    const post = calls.find((u) => u.pathname === "/api/ai/search");
    expect(post).toBeDefined();
    const tabs = screen.getByRole("navigation", { name: "AI features" });
    expect(within(tabs).getAllByRole("link").map((a) => a.textContent)).toEqual(["Search", "Describe", "Advice", "Kit builder", "Costs"]);
  });

  it("says a hidden feature is unavailable when its URL is opened", async () => {
    vi.stubGlobal("fetch", fakeFetch({ "/api/ai/status": () => status(false) }).fetch);
    renderApp(<AiPanel tab="kit" />, "/ai/kit");
    expect(await screen.findByText(/Kit builder is not available: no LLM provider/)).toBeInTheDocument();
    expect(screen.queryByTestId("kit-brief")).not.toBeInTheDocument();
  });

  it("decides the tabs from the features, the providers and the budget", () => {
    expect(visibleTabs(undefined).shown).toEqual(["search"]);
    const spent = status(true, { budget_usd: 1, month_spend_usd: 1.2, budget_reached: true });
    spent.features.describe = { available: false, models: [], reason: "the monthly AI budget of $1.00 is spent", notices: [] };
    const { shown, hidden } = visibleTabs(spent);
    expect(shown).toEqual(["search", "advice", "kit", "costs"]);
    expect(hidden).toEqual([{ label: "Describe", reason: "the monthly AI budget of $1.00 is spent" }]);
  });
});

describe("advice view", () => {
  it("renders the answer as it streams and offers Cancel while it runs", async () => {
    let body!: ReturnType<typeof stream>;
    let sent: unknown;
    const { fetch: json } = fakeFetch({ "/api/samples": () => ({ total: 1, next_cursor: null, items: [{ sample: sample(3, { name: "Kick_Dark.wav" }), score: 1 }] }) });
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).includes("/api/ai/advise")) {
        sent = JSON.parse(String(init?.body));
        body = stream(init?.signal);
        return body.response;
      }
      return json(input, init);
    });
    const user = userEvent.setup();
    renderApp(<Advice />);
    await user.type(screen.getByLabelText("Samples to ask about (query)"), "kick{Enter}");
    await user.click(await screen.findByRole("checkbox", { name: "Choose Kick_Dark.wav" }));
    await user.type(screen.getByLabelText("Question"), "How to layer it?");
    await user.click(screen.getByRole("button", { name: "Ask" }));
    await waitFor(() => expect(body).toBeDefined());
    expect(sent).toEqual({ sample_ids: [3], query: null, question: "How to layer it?", priority: "quality" });
    const log = screen.getByRole("log", { name: "Advice" });
    expect(screen.getByRole("button", { name: "Cancel" })).toBeInTheDocument();
    act(() => body.push(token("High-pass ")));
    await waitFor(() => expect(log).toHaveTextContent("High-pass"));
    expect(log).toHaveAttribute("aria-busy", "true");
    act(() => body.push(token("at 40 Hz.")));
    await waitFor(() => expect(log).toHaveTextContent("High-pass at 40 Hz."));
    act(() => {
      body.push(`event: end\ndata: ${JSON.stringify({ text: "High-pass at 40 Hz.", route })}\n\n`);
      body.close();
    });
    await waitFor(() => expect(log).toHaveAttribute("data-status", "done"));
    expect(screen.queryByRole("button", { name: "Cancel" })).not.toBeInTheDocument();
    expect(screen.getByTestId("ai-route")).toHaveTextContent("openai:gpt-4o");
  });
});

describe("kit builder", () => {
  it("shows each slot with its reason, plays it, saves it as a collection and links its zip", async () => {
    const kick = sample(11, { name: "Kick_Dusty.wav", sample_type: "kick" });
    const hat = sample(12, { name: "Hat_Lofi.wav", sample_type: "hihat" });
    const posted: Request[] = [];
    const { fetch } = fakeFetch({
      "/api/ai/kit": () => ({ name: "Dusty lo-fi", notes: "All around 85 BPM.", items: [{ role: "kick", reason: "soft and round", sample: kick }, { role: "closed hihat", reason: "tape hiss", sample: hat }], collection: null, route }),
      "/api/collections": (_url: URL, request: Request) => {
        posted.push(request);
        return new Response(JSON.stringify({ name: "Dusty lo-fi", size: 2 }), { status: 201, headers: { "content-type": "application/json" } });
      },
    });
    vi.stubGlobal("fetch", fetch);
    const toggle = vi.fn();
    usePlayer.setState({ toggle });
    const user = userEvent.setup();
    renderApp(<KitBuilder />);
    await user.type(screen.getByLabelText("Kit brief"), "lo-fi hip hop kit, dusty{Enter}");
    const table = await screen.findByRole("table", { name: "Kit Dusty lo-fi" });
    const slots = within(table).getAllByTestId("kit-slot");
    expect(slots.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["kick", "closed hihat"]);
    expect(slots[0]).toHaveTextContent("soft and round");
    await user.click(within(slots[1]).getByRole("button", { name: "Play Hat_Lofi.wav" }));
    expect(toggle).toHaveBeenCalledWith(hat);
    const zip = screen.getByRole("link", { name: "Download kit (.zip)" });
    expect(zip.getAttribute("href")).toBe("/api/ai/kit/export?sample_id=11&sample_id=12&name=Dusty+lo-fi");
    await user.selectOptions(screen.getByLabelText("File names"), "{index:02}_{type}_{name}");
    expect(zip.getAttribute("href")).toContain("&pattern=%7Bindex%3A02%7D_%7Btype%7D_%7Bname%7D");
    await user.click(screen.getByRole("button", { name: "Save as collection" }));
    expect(await screen.findByRole("link", { name: "Dusty lo-fi" })).toHaveAttribute("href", "/search?q=collection%3A%22Dusty%20lo-fi%22");
    expect(posted).toHaveLength(1);
    expect(await posted[0].json()).toEqual({ name: "Dusty lo-fi", sample_ids: [11, 12] });
  });
});

describe("describe", () => {
  it("shows a stored description, describes again and shows the tags stored with source ai", async () => {
    const kick = sample(5, { name: "Kick_Punchy.wav" });
    const { fetch } = fakeFetch({
      "/api/samples/5": () => ({ sample: kick, analysis: null, collections: [] }),
      "/api/ai/descriptions/5": () => ({ sample_id: 5, model: "openai:gpt-4o-mini", created_at: "2026-11-30T10:00:00Z", description: { description: "An old take.", genres: [], moods: [], instrument: null, character: [], use_cases: [] } }),
      "/api/ai/describe": () => ({
        sample: { ...kick, tags: [{ name: "punchy", source: "ai" }] },
        description: { description: "A tight, punchy kick.", genres: ["house"], moods: ["dark"], instrument: "kick", character: ["punchy", "tight"], use_cases: ["drop"] },
        tags: ["house", "dark", "punchy", "tight", "kick"],
        route,
      }),
    });
    vi.stubGlobal("fetch", fetch);
    const user = userEvent.setup();
    renderApp(<Describe />, "/ai/describe?sample=5");
    expect(await screen.findByText("An old take.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Describe again" }));
    const card = await screen.findByTestId("ai-description");
    expect(card).toHaveTextContent("A tight, punchy kick.");
    expect(within(card).getByText("Character").nextSibling).toHaveTextContent("punchytight");
    expect(within(card).getAllByTitle("source: ai").map((c) => c.textContent)).toEqual(["house", "dark", "punchy", "tight", "kick"]);
  });
});

describe("costs", () => {
  const line = (provider: string, model: string, task: string, cost: number, calls = 1) => ({ provider, model, task, calls, cached: 0, failed: 0, input_tokens: 100, output_tokens: 10, cost_usd: cost });

  it("sums spend by provider, model and task", () => {
    const lines = [line("openai", "gpt-4o", "advise", 0.5, 2), line("openai", "gpt-4o-mini", "describe", 0.1, 5), line("ollama", "llama3.3", "describe", 0, 9)];
    expect(spendBy(lines, (l) => l.provider)).toEqual([
      { name: "openai", cost: 0.6, calls: 7, tokens: 220 },
      { name: "ollama", cost: 0, calls: 9, tokens: 110 },
    ]);
    expect(spendBy(lines, (l) => l.task).map((r) => r.name)).toEqual(["advise", "describe"]);
  });

  it("shows the budget reached, the lines and an empty month", async () => {
    const costs: CostsOut = { month: "2026-12", total_usd: 1.25, budget_usd: 1, month_spend_usd: 1.25, budget_reached: true, lines: [line("openai", "gpt-4o", "advise", 1.25, 3)], unpriced: [] };
    const { fetch } = fakeFetch({ "/api/ai/costs": (url) => (url.searchParams.get("month") === "2026-11" ? { ...costs, month: "2026-11", total_usd: 0, lines: [] } : costs) });
    vi.stubGlobal("fetch", fetch);
    renderApp(<Costs />);
    expect(await screen.findByTestId("ai-budget")).toHaveAttribute("data-reached", "true");
    expect(screen.getByText(/budget reached/)).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Spend by provider" })).toHaveTextContent("openai$1.253 calls");
    expect(screen.getByTestId("ai-total")).toHaveTextContent("$1.25");
    const month = screen.getByLabelText("Month");
    await userEvent.setup().clear(month);
    // a cleared month input falls back to this month; pick one with no calls
    act(() => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")?.set?.call(month, "2026-11");
      month.dispatchEvent(new Event("input", { bubbles: true }));
    });
    expect(await screen.findByText("No AI calls this month")).toBeInTheDocument();
  });
});
