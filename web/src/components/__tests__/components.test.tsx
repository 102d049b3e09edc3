import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Sample } from "../../api/client";
import { usePlayer } from "../../store/player";
import { useUi } from "../../store/ui";
import { fakeFetch, renderApp } from "../../test/render";
import { CamelotWheel } from "../CamelotWheel";
import { HelpOverlay } from "../HelpOverlay";
import { assignSlots, FILL_PER_FRAME, inSlotOrder, planRows, SampleTable } from "../SampleTable";
import { SearchBox } from "../SearchBox";
import { TypeRows } from "../../views/SampleView";

function sample(id: number, extra: Partial<Sample> = {}): Sample {
  return {
    id,
    name: `Sample_${String(id).padStart(6, "0")}.wav`,
    path: `/lib/Sample_${id}.wav`,
    content_hash: "0".repeat(32),
    size_bytes: 1000,
    mtime_ns: 0,
    missing: false,
    analysis_state: "done",
    is_loop: id % 2 === 0,
    bpm: 120,
    key: "A minor",
    camelot: "8A",
    duration_s: 1.5,
    loudness_lufs: -14,
    favourite: false,
    tags: [{ name: "dark", source: "user" }],
    added_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...extra,
  } as Sample;
}

/** `/api/samples` over a library of `total` samples: the page the offset and limit ask for. */
function libraryPage(total: number) {
  return (url: URL) => {
    const offset = Number(url.searchParams.get("offset"));
    const limit = Number(url.searchParams.get("limit"));
    return { total, next_cursor: null, items: Array.from({ length: limit }, (_, i) => ({ sample: sample(offset + i + 1), score: 0 })) };
  };
}

afterEach(() => vi.unstubAllGlobals());

describe("SampleTable", () => {
  it("renders a window of a 100,000-row result, asking only for the pages it shows", async () => {
    const { fetch, calls } = fakeFetch({ "/api/samples": libraryPage(100_000) });
    vi.stubGlobal("fetch", fetch);
    renderApp(<SampleTable query="kick" onSortChange={() => {}} />);
    expect(await screen.findByText("Sample_000001.wav")).toBeInTheDocument();
    expect(screen.getByText("100,000 samples")).toBeInTheDocument();
    const rows = screen.getAllByRole("row");
    expect(rows.length).toBeLessThan(60); // a window, not 100,000 nodes
    expect(calls.map((u) => u.searchParams.get("offset"))).toEqual(["0"]);
    expect(calls[0].searchParams.get("q")).toBe("kick");
    expect(screen.getByRole("grid")).toHaveAttribute("aria-rowcount", "100001");
  });

  it("scrolling reuses the row elements and asks for the next page before it is reached", async () => {
    const { fetch, calls } = fakeFetch({ "/api/samples": libraryPage(100_000) });
    vi.stubGlobal("fetch", fetch);
    renderApp(<SampleTable query="" onSortChange={() => {}} />);
    await screen.findByText("Sample_000001.wav");
    const body = screen.getByTestId("sample-table");
    // jsdom has no scrolling: give the element a scroll offset and tell the list it moved.
    let top = 0;
    Object.defineProperty(body, "scrollTop", { configurable: true, get: () => top, set: (v: number) => (top = v) });
    const scrollTo = async (px: number) => {
      top = px;
      await act(async () => {
        body.dispatchEvent(new Event("scroll"));
        await new Promise((r) => setTimeout(r, 20));
      });
    };
    await scrollTo(32 * 30);
    expect(await screen.findByText("Sample_000061.wav")).toBeInTheDocument();
    const before = new Set(body.querySelectorAll(".table-row"));
    await scrollTo(32 * 40); // ten rows down: the top ten leave, ten come in
    expect(await screen.findByText("Sample_000071.wav")).toBeInTheDocument();
    expect(screen.queryByText("Sample_000021.wav")).toBeNull();
    const after = new Set(body.querySelectorAll(".table-row"));
    expect(after.size).toBe(before.size);
    expect([...after].every((row) => before.has(row))).toBe(true); // the same elements, new text
    expect(calls.map((u) => u.searchParams.get("offset"))).toEqual(["0"]);
    await scrollTo(32 * 120); // rows 120-151 are on page 0; page 1 is within reach: fetched now
    await waitFor(() => expect(calls.map((u) => u.searchParams.get("offset"))).toEqual(["0", "200"]));
    expect(screen.getByText("Sample_000121.wav")).toBeInTheDocument();
  });

  it("moves with the keyboard, previews with space, opens with enter", async () => {
    const { fetch } = fakeFetch({
      "/api/samples": () => ({ total: 3, next_cursor: null, items: [1, 2, 3].map((id) => ({ sample: sample(id), score: 0 })) }),
    });
    vi.stubGlobal("fetch", fetch);
    const toggle = vi.fn();
    usePlayer.setState({ toggle });
    const { location } = renderApp(<SampleTable query="" onSortChange={() => {}} />);
    await screen.findByText("Sample_000001.wav");
    const body = screen.getByTestId("sample-table");
    body.focus();
    fireEvent.keyDown(body, { key: "ArrowDown" });
    expect(screen.getAllByRole("row")[2]).toHaveAttribute("aria-selected", "true");
    fireEvent.keyDown(body, { key: " " });
    expect(toggle).toHaveBeenCalledWith(expect.objectContaining({ id: 2 }));
    fireEvent.keyDown(body, { key: "End" });
    fireEvent.keyDown(body, { key: "Enter" });
    expect(location.history?.at(-1)).toBe("/samples/3");
  });

  it("cycles sorting on a header: ascending, descending, off", async () => {
    const { fetch } = fakeFetch({ "/api/samples": () => ({ total: 0, next_cursor: null, items: [] }) });
    vi.stubGlobal("fetch", fetch);
    const seen: Array<string | undefined> = [];
    function Sorting() {
      const [sort, setSort] = useState<string | undefined>();
      return <SampleTable query="" sort={sort} onSortChange={(s) => { seen.push(s); setSort(s); }} emptyTitle="Nothing here" />;
    }
    renderApp(<Sorting />);
    expect(await screen.findByText("Nothing here")).toBeInTheDocument();
    const bpm = screen.getByRole("button", { name: /BPM/ });
    await userEvent.click(bpm);
    await userEvent.click(bpm);
    await userEvent.click(bpm);
    expect(seen).toEqual(["bpm", "-bpm", undefined]);
  });

  it("shows the API's error with a way to retry", async () => {
    const { fetch } = fakeFetch({
      "/api/samples": () => new Response(JSON.stringify({ error: { code: "query_syntax", message: "bpm: not a number" } }), { status: 400 }),
    });
    vi.stubGlobal("fetch", fetch);
    renderApp(<SampleTable query="" onSortChange={() => {}} />);
    const alert = await screen.findByRole("alert", {}, { timeout: 3000 });
    expect(alert).toHaveTextContent("bpm: not a number");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});

describe("assignSlots", () => {
  const slotsOf = (map: Map<number, number>, indexes: number[]) => indexes.map((i) => map.get(i));

  it("keeps the slots of rows still in view and gives the freed ones to rows coming in", () => {
    const first = assignSlots(new Map(), [0, 1, 2, 3]);
    expect(slotsOf(first, [0, 1, 2, 3])).toEqual([0, 1, 2, 3]);
    const next = assignSlots(first, [2, 3, 4, 5]);
    expect(slotsOf(next, [2, 3])).toEqual([2, 3]);
    expect(new Set(slotsOf(next, [4, 5]))).toEqual(new Set([0, 1]));
    const back = assignSlots(next, [1, 2, 3, 4]);
    expect(slotsOf(back, [2, 3, 4])).toEqual(slotsOf(next, [2, 3, 4]));
    expect(back.get(1)).toBe(next.get(5));
  });

  it("never gives two rows one slot, also when the window grows, shrinks or jumps", () => {
    let slots = new Map<number, number>();
    for (const window of [[0, 1, 2], [1, 2, 3, 4, 5], [4, 5], [900, 901, 902, 903], [902, 903, 904]]) {
      slots = assignSlots(slots, window);
      const given = window.map((i) => slots.get(i));
      expect(new Set(given).size).toBe(window.length);
      expect(Math.max(...(given as number[]))).toBeLessThan(Math.max(window.length, 5));
      expect(slots.size).toBe(window.length);
    }
  });
});

describe("planRows", () => {
  const ROW = 32;
  const items = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, k) => ({ index: from + k, start: (from + k) * ROW, end: (from + k + 1) * ROW }));
  const loaded = new Map<number, Sample>();
  const rowAt = (index: number) => {
    if (!loaded.has(index)) loaded.set(index, sample(index + 1));
    return loaded.get(index);
  };
  // 18 rows in view (rows 100-117), 12 of overscan each side, as the library shows
  const view = { top: 100 * ROW, bottom: 118 * ROW };
  const window = items(88, 129);
  const filled = (plan: ReturnType<typeof planRows>["plan"], slots: Map<number, number>) =>
    window.filter((item) => !plan.get(slots.get(item.index) as number)?.pending).map((item) => item.index);

  it("fills a jump's rows a budget a frame, the rows in view from the top first, then the nearest", () => {
    const before = assignSlots(new Map(), items(0, 41).map((i) => i.index));
    const shownBefore = new Map([...before].map(([index, slot]) => [slot, { index, sample: rowAt(index), pending: false }]));
    const slots = assignSlots(before, window.map((i) => i.index)); // every row new: a jump
    const first = planRows(window, slots, shownBefore, rowAt, view, 12);
    expect(filled(first.plan, slots)).toEqual(Array.from({ length: 12 }, (_, k) => 100 + k));
    expect(first.deferred).toBe(30);
    // a row held back keeps what its element showed (hidden), so holding it changes no text
    const held = first.plan.get(slots.get(88) as number);
    expect(held?.pending).toBe(true);
    expect(held?.sample).toBe(shownBefore.get(slots.get(88) as number)?.sample);

    const second = planRows(window, slots, first.plan, rowAt, view, 12);
    // the rest of the view, then the overscan by distance: 99 and 118, 98 and 119, 97 and 120
    expect(filled(second.plan, slots)).toEqual(Array.from({ length: 24 }, (_, k) => 97 + k));
    expect(second.deferred).toBe(18);
    let plan = second.plan;
    let frames = 2;
    for (let deferred = second.deferred; deferred > 0; frames++) ({ plan, deferred } = planRows(window, slots, plan, rowAt, view, 12));
    expect(frames).toBe(4);
    expect(filled(plan, slots)).toEqual(window.map((i) => i.index));
    expect(window.every((item) => plan.get(slots.get(item.index) as number)?.sample === rowAt(item.index))).toBe(true);
  });

  it("never holds back a flick: the few rows coming in fill in the frame they arrive", () => {
    const slots = assignSlots(new Map(), window.map((i) => i.index));
    const shown = new Map([...slots].map(([index, slot]) => [slot, { index, sample: rowAt(index), pending: false }]));
    const moved = items(91, 132); // three rows further
    const next = assignSlots(slots, moved.map((i) => i.index));
    // with the table's own budget: a 6,000 px/s flick moves ~3 rows a frame
    const { plan, deferred } = planRows(moved, next, shown, rowAt, { top: view.top + 3 * ROW, bottom: view.bottom + 3 * ROW }, FILL_PER_FRAME);
    expect(deferred).toBe(0);
    expect(moved.every((item) => plan.get(next.get(item.index) as number)?.sample === rowAt(item.index))).toBe(true);
  });

  it("keeps rows whose page has not come in pending, with their element's old content", () => {
    const slots = assignSlots(new Map(), window.map((i) => i.index));
    const old = sample(999_999);
    const shown = new Map([...slots].map(([index, slot]) => [slot, { index: index + 5000, sample: old, pending: false }]));
    const { plan, deferred } = planRows(window, slots, shown, () => undefined, view, 12);
    expect(deferred).toBe(0);
    expect([...plan.values()].every((row) => row.pending && row.sample === old)).toBe(true);
  });
});

describe("inSlotOrder", () => {
  it("lists rows by slot, so an element recycled for another row keeps its place among its siblings", () => {
    const slots = assignSlots(assignSlots(new Map(), [0, 1, 2, 3]), [2, 3, 4, 5]);
    const rows = inSlotOrder([2, 3, 4, 5].map((index) => ({ index })), slots);
    expect(rows.map((r) => slots.get(r.index))).toEqual([0, 1, 2, 3]);
    expect(rows.map((r) => r.index)).toEqual([slots.get(4) === 0 ? 4 : 5, slots.get(4) === 0 ? 5 : 4, 2, 3]);
  });
});

describe("SearchBox", () => {
  function Box({ values }: { values?: Record<string, string[]> }) {
    const [value, setValue] = useState("");
    return <SearchBox value={value} onChange={setValue} values={values} />;
  }

  it("completes fields and values from the keyboard", async () => {
    const user = userEvent.setup();
    renderApp(<Box values={{ type: ["kick", "snare"] }} />);
    const input = screen.getByRole("combobox", { name: "Search query" });
    await user.type(input, "ty");
    expect(screen.getByRole("option", { name: /type:/ })).toBeInTheDocument();
    await user.keyboard("{Tab}");
    await waitFor(() => expect(input).toHaveValue("type:"));
    await user.type(input, "sn");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(input).toHaveValue("type:snare "));
  });

  it("keeps keys typed right after a completion where they were typed", async () => {
    const user = userEvent.setup();
    renderApp(<Box values={{ type: ["kick", "snare"] }} />);
    const input = screen.getByRole("combobox", { name: "Search query" });
    await user.type(input, "ty");
    await user.keyboard("{Tab}s"); // a fast typist: "s" lands before the next frame
    await new Promise((done) => setTimeout(done, 50)); // frames go by
    await user.keyboard("n{Enter}");
    expect(input).toHaveValue("type:snare ");
  });

  it("points at the bad token of a query error", () => {
    renderApp(<SearchBox value="bpm:fast" onChange={() => {}} error={{ message: 'bpm: "fast" is not a number', position: 4 }} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent('bpm: "fast" is not a number');
    expect(alert.querySelector("pre")?.textContent).toBe("bpm:fast\n    ^");
    expect(screen.getByRole("combobox")).toHaveAttribute("aria-invalid", "true");
  });
});

describe("CamelotWheel", () => {
  it("toggles keys and outlines their compatible keys", async () => {
    const onToggle = vi.fn();
    renderApp(<CamelotWheel selected={["8A"]} onToggle={onToggle} />);
    const keys = screen.getAllByRole("checkbox");
    expect(keys).toHaveLength(24);
    expect(screen.getByRole("checkbox", { name: "8A Am" })).toHaveAttribute("aria-checked", "true");
    for (const name of ["7A Dm (compatible)", "9A Em (compatible)", "8B C (compatible)"]) {
      expect(screen.getByRole("checkbox", { name })).toHaveAttribute("aria-checked", "false");
    }
    await userEvent.click(screen.getByRole("checkbox", { name: /^9A/ }));
    expect(onToggle).toHaveBeenCalledWith("9A");
  });

  it("charts counts when given them", () => {
    renderApp(<CamelotWheel counts={{ "8A": 12, "1B": 3 }} />);
    expect(screen.getByRole("img", { name: "8A Am: 12 samples" })).toBeInTheDocument();
    expect(screen.queryAllByRole("checkbox")).toHaveLength(0);
  });
});

describe("HelpOverlay", () => {
  it("lists the shortcuts and closes on Escape", async () => {
    renderApp(<HelpOverlay />);
    expect(screen.queryByRole("dialog")).toBeNull();
    act(() => useUi.getState().setHelpOpen(true));
    const dialog = screen.getByRole("dialog", { name: "Keyboard shortcuts" });
    expect(dialog).toHaveTextContent("Preview the selected sample");
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});

describe("TypeRows", () => {
  const model = { label: "kick", confidence: 0.91, top: [["kick", 0.91], ["tom", 0.06], ["snare", 0.02]] as [string, number][] };
  const table = (ui: React.ReactNode) => render(<table><tbody>{ui}</tbody></table>);

  it("shows the model's label, confidence and top three", () => {
    table(<TypeRows sample={sample(1, { sample_type: "kick" })} model={model} />);
    const row = screen.getByRole("row", { name: /^Type/ });
    expect(within(row).getByText("kick")).toBeTruthy();
    expect(within(row).getByText("model")).toBeTruthy();
    expect(within(row).getByText("91 %")).toBeTruthy();
    expect(screen.getByText("kick 91 % · tom 6 % · snare 2 %")).toBeTruthy();
  });

  it("lets the user's correction win, without the model's confidence", () => {
    table(<TypeRows sample={sample(1, { sample_type: "tom", user_sample_type: "tom" })} model={model} />);
    const row = screen.getByRole("row", { name: /^Type/ });
    expect(within(row).getByText("tom")).toBeTruthy();
    expect(within(row).getByText("user")).toBeTruthy();
    expect(within(row).queryByText("91 %")).toBeNull();
  });

  it("says when nothing classified the sound", () => {
    table(<TypeRows sample={sample(1, { sample_type: null })} model={null} />);
    expect(screen.getByText("not classified")).toBeTruthy();
    expect(screen.queryByText(/top 3/)).toBeNull();
  });
});
