/**
 * The library table: a virtual list over the whole result (100,000 rows scroll as smoothly
 * as 100), loading the pages the viewport shows by offset. Keyboard: arrows move, space
 * previews, enter opens, Home/End/PageUp/PageDown jump, F toggles the favourite.
 */
import { useQueries, useQueryClient } from "@tanstack/react-query";
import { useVirtualizer, type Virtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type KeyboardEvent } from "react";
import { useLocation } from "wouter";
import { api, unwrap, type Sample, type SamplePage } from "../api/client";
import { PAGE_SIZE } from "../api/hooks";
import { dragSample } from "../lib/drag";
import { formatBpm, formatDuration, formatNumber } from "../lib/format";
import { usePlayer } from "../store/player";
import { useUi } from "../store/ui";
import { Empty, ErrorState, Loading } from "./States";

export const ROW_HEIGHT = 32;
/** Rows beyond the viewport whose page is fetched ahead (half a page: ~0.5 s of a fast flick). */
export const PREFETCH_ROWS = 100;

/**
 * Which row component (slot) shows which row: rows still in view keep their slot, rows coming
 * into view take the slots of those that left, so scrolling changes a few rows' text instead of
 * making and discarding DOM nodes (and the garbage collector's pauses that come with them).
 */
export function assignSlots(previous: ReadonlyMap<number, number>, indexes: readonly number[]): Map<number, number> {
  const next = new Map<number, number>();
  const taken = new Set<number>();
  for (const index of indexes) {
    const slot = previous.get(index);
    if (slot !== undefined) {
      next.set(index, slot);
      taken.add(slot);
    }
  }
  let free = 0;
  for (const index of indexes) {
    if (next.has(index)) continue;
    while (taken.has(free)) free++;
    next.set(index, free);
    taken.add(free);
  }
  return next;
}

interface Column {
  id: string;
  label: string;
  sort?: string; // the query language's sort field
  width: string;
  render: (s: Sample) => React.ReactNode;
  className?: string;
}

const COLUMNS: Column[] = [
  { id: "fav", label: "♥", width: "2.2rem", render: (s) => (s.favourite ? "♥" : ""), className: "col-fav" },
  { id: "name", label: "Name", sort: "name", width: "minmax(14rem, 4fr)", render: (s) => s.name, className: "col-name" },
  {
    id: "type",
    label: "Type",
    sort: "type",
    width: "7rem",
    render: (s) => s.sample_type ?? (s.is_loop ? "loop" : s.is_loop === false ? "one-shot" : "–"),
    className: "col-type",
  },
  { id: "bpm", label: "BPM", sort: "bpm", width: "4.5rem", render: (s) => (s.is_loop ? formatBpm(s.bpm) : "–"), className: "num" },
  { id: "key", label: "Key", sort: "key", width: "6.5rem", render: (s) => s.key ?? "–" },
  { id: "camelot", label: "Cam.", sort: "camelot", width: "3.5rem", render: (s) => s.camelot ?? "–", className: "num" },
  { id: "dur", label: "Length", sort: "dur", width: "5rem", render: (s) => formatDuration(s.duration_s), className: "num" },
  { id: "lufs", label: "LUFS", sort: "lufs", width: "4.5rem", render: (s) => formatNumber(s.loudness_lufs, 1), className: "num" },
  {
    id: "tags",
    label: "Tags",
    width: "minmax(7rem, 2fr)",
    render: (s) => [...new Set(s.tags.map((t) => t.name))].slice(0, 6).join(", "),
    className: "col-tags",
  },
];

const TEMPLATE = COLUMNS.map((c) => c.width).join(" ");
/** The column template, set once on the table (rows read it from CSS, not each its own style). */
const COLUMN_STYLE = { "--table-columns": TEMPLATE } as React.CSSProperties;

interface RowProps {
  index: number;
  start: number;
  /** What the cells hold: the row's sample, or (pending) whatever the slot showed last. */
  sample: Sample | undefined;
  /** Waiting for its page (or its turn to be filled): its cells covered, "…" shown, aria-hidden. */
  pending: boolean;
  selected: boolean;
  playing: boolean;
  onSelect: (index: number, sample: Sample | undefined) => void;
  onOpen: (id: number) => void;
}

/**
 * A row's cells, memoized on the sample they show: a row that moves, is selected or goes
 * pending re-renders its element, not its nine cells (a jump re-renders 42 rows; their cells
 * were most of that render's time). Pending rows keep their cells under a cover, so their
 * link is not reachable until the row is filled.
 */
const Cells = memo(function Cells({ sample, onOpen }: { sample: Sample | undefined; onOpen: (id: number) => void }) {
  return COLUMNS.map((column) => (
    <div key={column.id} role="gridcell" className={column.className}>
      {column.id === "name" ? (
        <a
          href={sample ? `/samples/${sample.id}` : undefined}
          tabIndex={-1}
          onClick={(e) => {
            e.preventDefault();
            e.stopPropagation();
            if (sample) onOpen(sample.id);
          }}
        >
          {sample?.name ?? ""}
        </a>
      ) : sample ? (
        column.render(sample)
      ) : (
        ""
      )}
    </div>
  ));
});

/**
 * One row; memoized, so rows that stay in view do not re-render while the list scrolls. A
 * pending row keeps the cells (and text) it had under a cover (a class), so a jump to rows
 * not loaded yet changes a class per row, not every cell's text (which would be laid out and
 * painted once blank and again when the page comes in); its cells always have the same
 * elements, so filling it changes text only.
 */
const Row = memo(function Row({ index, start, sample, pending, selected, playing, onSelect, onOpen }: RowProps) {
  const live = pending ? undefined : sample;
  return (
    <div
      id={`row-${index}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      aria-busy={pending || undefined}
      aria-hidden={pending || undefined}
      className={`table-row${pending ? " placeholder" : ""}${selected ? " selected" : ""}${playing ? " playing" : ""}${live?.missing ? " missing" : ""}`}
      style={{ transform: `translateY(${start}px)` }}
      // Always draggable (a pending row cancels the drag): changing the attribute restyles
      // every element of the row, which on a jump is all of them (measured: 11 per row).
      draggable
      onDragStart={(event) => (live ? dragSample(event, live) : event.preventDefault())}
      onClick={() => onSelect(index, live)}
      onDoubleClick={() => live && onOpen(live.id)}
      data-sample-id={live?.id}
    >
      <Cells sample={sample} onOpen={onOpen} />
    </div>
  );
});

/**
 * The rows in the order of their slots, not of their indexes: a slot's element then stays
 * where it is among its siblings as its row changes. (In index order, each recycled row would
 * move in the DOM, and a moved element's layout is built again from scratch; on a jump, all of
 * them.) Positions come from each row's transform and `aria-rowindex` says each row's place,
 * as grids that recycle rows do (AG Grid's default DOM order); keyboard focus moves through
 * `aria-activedescendant`.
 */
export function inSlotOrder<T extends { index: number }>(items: readonly T[], slotOf: ReadonlyMap<number, number>): T[] {
  return [...items].sort((a, b) => (slotOf.get(a.index) as number) - (slotOf.get(b.index) as number));
}

/** What a slot showed in the last committed render. */
interface Shown {
  index: number;
  sample: Sample | undefined;
  pending: boolean;
}

/**
 * Which rows show their sample in this render. A row whose content changes (it came into
 * view, its page came in, the list jumped) costs its text's shaping and layout, ~0.3 ms on a
 * slow laptop core; a jump changes every row at once (40 of them) and the frame is dropped.
 * So at most `budget` rows change a frame, those in view first (top down), then the overscan
 * nearest the viewport; the others stay pending to the next frame (the caller renders again):
 * a jump fills the screen in a few light frames instead of one dropped one, while a flick
 * (~3 rows a frame) is never held back. Returns each slot's `Shown` and how many waited.
 */
export function planRows(
  items: readonly { index: number; start: number; end: number }[],
  slotOf: ReadonlyMap<number, number>,
  shown: ReadonlyMap<number, Shown>,
  rowAt: (index: number) => Sample | undefined,
  view: { top: number; bottom: number },
  budget: number,
): { plan: Map<number, Shown>; deferred: number } {
  const plan = new Map<number, Shown>();
  const candidates: { slot: number; index: number; sample: Sample; distance: number }[] = [];
  for (const item of items) {
    const slot = slotOf.get(item.index) as number;
    const before = shown.get(slot);
    const sample = rowAt(item.index);
    const changes = !before || before.index !== item.index || before.pending || before.sample !== sample;
    if (!sample) plan.set(slot, { index: item.index, sample: before?.sample, pending: true });
    else if (!changes) plan.set(slot, { index: item.index, sample, pending: false });
    else {
      const inView = item.end > view.top && item.start < view.bottom;
      const distance = inView ? 0 : 1 + (item.start >= view.bottom ? item.start - view.bottom : view.top - item.end);
      candidates.push({ slot, index: item.index, sample, distance });
    }
  }
  candidates.sort((a, b) => a.distance - b.distance || a.index - b.index);
  candidates.forEach((c, i) => {
    const fill = i < budget;
    plan.set(c.slot, { index: c.index, sample: fill ? c.sample : shown.get(c.slot)?.sample, pending: !fill });
  });
  return { plan, deferred: Math.max(0, candidates.length - budget) };
}

/**
 * Rows whose content changes in one frame, at most (a flick moves ~3 a frame). A jump fills the
 * 18 rows in view in three frames (~50 ms) and the overscan in four more. 12 (until 2026-12-08)
 * dropped a frame in a third of the benchmark's scroll runs on a two-core machine: the
 * frames filling 12 rows were the ones whose software raster missed the deadline; with 6, 49
 * of 54 runs dropped none (docs/benchmarks.md).
 */
export const FILL_PER_FRAME = 6;

interface VirtualRowsProps {
  total: number;
  rowAt: (index: number) => Sample | undefined;
  scrollRef: React.RefObject<HTMLDivElement | null>;
  virtualizerRef: React.RefObject<Virtualizer<HTMLDivElement, Element> | null>;
  selected: number;
  currentId: number | undefined;
  playing: boolean;
  onSelect: (index: number, sample: Sample | undefined) => void;
  onOpen: (id: number) => void;
  onRange: (firstIndex: number, lastIndex: number) => void;
}

/** The rows in view: the one part of the table that renders as it scrolls. */
function VirtualRows({ total, rowAt, scrollRef, virtualizerRef, selected, currentId, playing, onSelect, onOpen, onRange }: VirtualRowsProps) {
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Until the first measurement (and where there is no layout, as in tests): a screenful.
    initialRect: { width: 1000, height: 640 },
    // Render in the next frame, not synchronously inside every scroll event.
    useFlushSync: false,
  });
  virtualizerRef.current = virtualizer;
  const items = virtualizer.getVirtualItems();
  // Each row's slot, from the last render's (a ref written while rendering: the assignment is
  // idempotent, so a render that React repeats or throws away leaves the same answer).
  const slotsRef = useRef(new Map<number, number>());
  const slotOf = assignSlots(
    slotsRef.current,
    items.map((item) => item.index),
  );
  slotsRef.current = slotOf;
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? 0;
  useEffect(() => onRange(firstIndex, lastIndex), [firstIndex, lastIndex, onRange]);

  // What each slot showed when last committed, and this render's plan (committed below).
  const shownRef = useRef(new Map<number, Shown>());
  const top = virtualizer.scrollOffset ?? 0;
  const { plan, deferred } = planRows(items, slotOf, shownRef.current, rowAt, { top, bottom: top + (virtualizer.scrollRect?.height ?? 640) }, FILL_PER_FRAME);
  const [, nextFrame] = useReducer((n: number) => n + 1, 0);
  useLayoutEffect(() => {
    shownRef.current = plan;
    if (deferred === 0) return;
    const id = requestAnimationFrame(nextFrame);
    return () => cancelAnimationFrame(id);
  }, [plan, deferred]);

  return (
    <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
      {inSlotOrder(items, slotOf).map((item) => {
        const slot = slotOf.get(item.index) as number;
        const row = plan.get(slot) as Shown;
        return (
          <Row
            // Keyed by slot, not by row: the row that scrolls out is reused for the one
            // that scrolls in (its text changes; no DOM nodes are made or thrown away).
            key={slot}
            index={item.index}
            start={item.start}
            sample={row.sample}
            pending={row.pending}
            selected={item.index === selected}
            playing={!row.pending && !!row.sample && currentId === row.sample.id && playing}
            onSelect={onSelect}
            onOpen={onOpen}
          />
        );
      })}
    </div>
  );
}

export interface SampleTableProps {
  query: string;
  sort?: string;
  onSortChange: (sort: string | undefined) => void;
  emptyTitle?: string;
  emptyHint?: React.ReactNode;
  label?: string;
}

function nextSort(current: string | undefined, field: string): string | undefined {
  if (current === field) return `-${field}`;
  if (current === `-${field}`) return undefined;
  return field;
}

export function SampleTable({ query, sort, onSortChange, emptyTitle, emptyHint, label = "Samples" }: SampleTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState(0);
  const [, navigate] = useLocation();
  // Narrow subscriptions: the table must not re-render on every tick of the playhead.
  const currentId = usePlayer((s) => s.current?.id);
  const playing = usePlayer((s) => s.playing);
  const player = usePlayer.getState;
  const toast = useUi((s) => s.toast);
  const client = useQueryClient();

  const fetchPage = useCallback(
    (page: number, signal?: AbortSignal) =>
      unwrap(
        api.GET("/api/samples", {
          params: { query: { q: query, sort: sort || undefined, limit: PAGE_SIZE, offset: page * PAGE_SIZE } },
          signal,
        }),
      ),
    [query, sort],
  );

  // Page 0 always: it says how many rows there are.
  const [visiblePages, setVisiblePages] = useState<number[]>([0]);
  const pages = useQueries({
    queries: visiblePages.map((page) => ({
      queryKey: ["samples", query, sort ?? "", page],
      queryFn: ({ signal }: { signal: AbortSignal }) => fetchPage(page, signal),
      staleTime: 30_000,
      // A page scrolled past is dropped after a minute, not react-query's five: a flick through
      // 100,000 rows would otherwise keep all 500 pages alive (each 0.17 MB of JSON, parsed).
      gcTime: 60_000,
      retry: (count: number, error: Error) => !("status" in error && (error as { status: number }).status === 400) && count < 2,
    })),
  });
  const first = pages[0];
  const total = first?.data?.total ?? 0;

  const rows = useMemo(() => {
    const byPage = new Map<number, SamplePage>();
    visiblePages.forEach((page, i) => {
      const data = pages[i]?.data;
      if (data) byPage.set(page, data);
    });
    return byPage;
  }, [pages, visiblePages]);

  const rowAt = useCallback(
    (index: number): Sample | undefined => {
      const page = rows.get(Math.floor(index / PAGE_SIZE));
      return page?.items[index % PAGE_SIZE]?.sample;
    },
    [rows],
  );

  // The pages on screen and those within PREFETCH_ROWS of them, so a scroll reaches rows that
  // are already loaded (a page arriving under the viewport re-renders every row it fills).
  // Called by the rows below as their range moves; this component re-renders only when the
  // pages change, not each frame (its react-query observers made half the scroll's garbage).
  const onRange = useCallback(
    (firstIndex: number, lastIndex: number) => {
      const wanted = new Set([0]);
      const from = Math.max(0, firstIndex - PREFETCH_ROWS);
      const to = Math.min(Math.max(0, total - 1), lastIndex + PREFETCH_ROWS);
      for (let p = Math.floor(from / PAGE_SIZE); p <= Math.floor(to / PAGE_SIZE); p++) wanted.add(p);
      const list = [...wanted].sort((a, b) => a - b);
      setVisiblePages((old) => (old.join() === list.join() ? old : list));
    },
    [total],
  );
  const virtualizerRef = useRef<Virtualizer<HTMLDivElement, Element> | null>(null);

  // The first rows on screen: a mark the load benchmark (and anyone profiling) reads.
  const hasRows = rows.size > 0;
  useEffect(() => {
    if (hasRows && performance.getEntriesByName("samplemind:first-rows").length === 0) {
      performance.mark("samplemind:first-rows");
    }
  }, [hasRows]);

  // A new query starts at the top.
  useEffect(() => {
    setSelected(0);
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [query, sort]);

  const move = (index: number) => {
    if (total === 0) return;
    const clamped = Math.max(0, Math.min(total - 1, index));
    setSelected(clamped);
    virtualizerRef.current?.scrollToIndex(clamped, { align: "auto" });
  };

  const toggleFavourite = async (sample: Sample) => {
    try {
      await unwrap(
        api.PATCH("/api/samples/{sample_id}", {
          params: { path: { sample_id: sample.id } },
          body: { favourite: !sample.favourite, tags_add: [], tags_remove: [], collections_add: [], collections_remove: [] },
        }),
      );
      void client.invalidateQueries({ queryKey: ["samples"] });
      void client.invalidateQueries({ queryKey: ["sample", sample.id] });
    } catch (exc) {
      toast(exc instanceof Error ? exc.message : "could not change the favourite", "error");
    }
  };

  const openSample = useCallback((id: number) => navigate(`/samples/${id}`), [navigate]);
  const onRowSelect = useCallback(
    (index: number, sample: Sample | undefined) => {
      setSelected(index);
      if (sample) player().play(sample);
    },
    [player],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget) return;
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
    const sample = rowAt(selected);
    switch (event.key) {
      case "ArrowDown":
        move(selected + 1);
        break;
      case "ArrowUp":
        move(selected - 1);
        break;
      case "PageDown":
        move(selected + pageRows);
        break;
      case "PageUp":
        move(selected - pageRows);
        break;
      case "Home":
        move(0);
        break;
      case "End":
        move(total - 1);
        break;
      case " ":
        if (sample) player().toggle(sample);
        break;
      case "Enter":
        if (sample) navigate(`/samples/${sample.id}`);
        break;
      case "f":
      case "F":
        if (sample) void toggleFavourite(sample);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  // Arrowing onto a row previews it when something is already playing (audition by arrow).
  const lastPreview = useRef<number | null>(null);
  useEffect(() => {
    const sample = rowAt(selected);
    if (!sample || !playing || lastPreview.current === sample.id || currentId === sample.id) return;
    lastPreview.current = sample.id;
    player().play(sample);
  }, [selected, rowAt, playing, currentId, player]);

  if (first?.isError && !first.data) return <ErrorState error={first.error} onRetry={() => void first.refetch()} />;

  return (
    <div className="table" role="grid" aria-label={label} aria-rowcount={total + 1} aria-busy={first?.isFetching} style={COLUMN_STYLE}>
      <div className="table-head" role="row">
        {COLUMNS.map((column) => {
          const direction = sort === column.sort ? "ascending" : sort === `-${column.sort}` ? "descending" : "none";
          return (
            <div key={column.id} role="columnheader" aria-sort={column.sort ? direction : undefined} className={column.className}>
              {column.sort ? (
                <button type="button" className="sort" onClick={() => onSortChange(nextSort(sort, column.sort as string))} title={`Sort by ${column.label}`}>
                  {column.label}
                  <span aria-hidden="true">{direction === "ascending" ? " ▲" : direction === "descending" ? " ▼" : ""}</span>
                </button>
              ) : (
                <span aria-label={column.id === "fav" ? "Favourite" : undefined}>{column.label}</span>
              )}
            </div>
          );
        })}
      </div>
      <div
        ref={scrollRef}
        className="table-body"
        tabIndex={0}
        onKeyDown={onKeyDown}
        aria-activedescendant={total ? `row-${selected}` : undefined}
        data-testid="sample-table"
      >
        {first?.isPending ? (
          <Loading label="Loading samples…" />
        ) : total === 0 ? (
          <Empty title={emptyTitle ?? "No samples"}>{emptyHint}</Empty>
        ) : (
          <VirtualRows
            total={total}
            rowAt={rowAt}
            scrollRef={scrollRef}
            virtualizerRef={virtualizerRef}
            selected={selected}
            currentId={currentId}
            playing={playing}
            onSelect={onRowSelect}
            onOpen={openSample}
            onRange={onRange}
          />
        )}
      </div>
      <div className="table-foot" aria-live="polite">
        {total.toLocaleString("en")} {total === 1 ? "sample" : "samples"}
        {first?.isFetching && !first?.isPending ? " · updating…" : ""}
      </div>
    </div>
  );
}
