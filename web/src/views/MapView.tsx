/**
 * The sound map: every analyzed sample at its place in the server's 2D projection of timbre
 * vectors, on one canvas (20,000 points redraw in a few milliseconds; no DOM node per point).
 * Wheel zooms, drag pans, hover plays, click opens, Shift+drag lassos a collection.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { useLocation } from "wouter";
import { api, unwrap, type SoundMap } from "../api/client";
import { useCreateCollection, useSoundMap } from "../api/hooks";
import { Empty, ErrorState, Loading } from "../components/States";
import { usePlayer } from "../store/player";
import { useUi } from "../store/ui";

const PALETTE = ["#5ec8ff", "#ff9f5e", "#7dd3a8", "#f36fa8", "#c9a6ff", "#ffd95e", "#5ef0e0", "#ff6b6b", "#a3c95e", "#8fa3ff"];

interface View {
  scale: number; // CSS pixels per map unit
  x: number; // map coordinate at the left edge
  y: number; // map coordinate at the top edge
}

/** Uniform grid over [0,1]² for nearest-point lookups under the pointer. */
class Grid {
  private cells = new Map<number, number[]>();
  constructor(private map: SoundMap, private size = 64) {
    map.x.forEach((x, i) => {
      const key = this.key(x, map.y[i]);
      let cell = this.cells.get(key);
      if (!cell) this.cells.set(key, (cell = []));
      cell.push(i);
    });
  }
  private key(x: number, y: number): number {
    const cx = Math.min(this.size - 1, Math.max(0, Math.floor(x * this.size)));
    const cy = Math.min(this.size - 1, Math.max(0, Math.floor(y * this.size)));
    return cy * this.size + cx;
  }
  nearest(x: number, y: number, radius: number): number | null {
    let best: number | null = null;
    let bestD = radius * radius;
    const r = Math.ceil(radius * this.size) + 1;
    const cx = Math.floor(x * this.size);
    const cy = Math.floor(y * this.size);
    for (let gy = cy - r; gy <= cy + r; gy++) {
      for (let gx = cx - r; gx <= cx + r; gx++) {
        if (gx < 0 || gy < 0 || gx >= this.size || gy >= this.size) continue;
        for (const i of this.cells.get(gy * this.size + gx) ?? []) {
          const d = (this.map.x[i] - x) ** 2 + (this.map.y[i] - y) ** 2;
          if (d < bestD) {
            bestD = d;
            best = i;
          }
        }
      }
    }
    return best;
  }
}

function inside(polygon: Array<[number, number]>, x: number, y: number): boolean {
  let hit = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

export default function MapView() {
  const map = useSoundMap();
  return (
    <section className="view view-map" aria-labelledby="map-title">
      <header className="view-head">
        <h1 id="map-title">Sound map</h1>
        <p className="muted small">
          Similar timbres sit together. Hover to hear, click to open, wheel to zoom, drag to pan, Shift+drag to lasso a collection, 0 to reset.
        </p>
      </header>
      {map.isPending ? (
        <Loading label="Projecting the library (the first map of a new library state takes a moment)…" />
      ) : map.isError ? (
        <ErrorState error={map.error} onRetry={() => void map.refetch()} />
      ) : map.data.ids.length === 0 ? (
        <Empty title="No analyzed samples to map">Scan a folder: analyzed samples appear here.</Empty>
      ) : (
        <MapCanvas map={map.data} />
      )}
    </section>
  );
}

function MapCanvas({ map }: { map: SoundMap }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View>({ scale: 1, x: 0, y: 0 });
  const [size, setSize] = useState({ w: 800, h: 560 });
  const [hover, setHover] = useState<number | null>(null);
  const [lasso, setLasso] = useState<Array<[number, number]> | null>(null);
  const [selection, setSelection] = useState<number[]>([]);
  const [name, setName] = useState("");
  const [, navigate] = useLocation();
  const create = useCreateCollection();
  const toast = useUi((s) => s.toast);
  const grid = useMemo(() => new Grid(map), [map]);
  const types = useMemo(() => [...new Set(map.types)].sort(), [map]);
  const colour = useMemo(() => new Map(types.map((t, i) => [t, PALETTE[i % PALETTE.length]])), [types]);
  const drag = useRef<{ x: number; y: number; view: View; moved: boolean; lasso: boolean } | null>(null);
  const hoverTimer = useRef<number | undefined>(undefined);

  const fit = (w: number, h: number): View => {
    const scale = Math.min(w, h) * 0.92;
    return { scale, x: -(w / scale - 1) / 2, y: -(h / scale - 1) / 2 };
  };

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      const w = el.clientWidth;
      const h = Math.max(320, el.clientHeight);
      setSize({ w, h });
      setView(fit(w, h));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Draw.
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext("2d");
    if (!c || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = size.w * dpr;
    c.height = size.h * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#0c0f12";
    ctx.fillRect(0, 0, size.w, size.h);
    // Dots shrink as the library grows and grow as you zoom in.
    const base = map.ids.length < 500 ? 4 : map.ids.length < 5000 ? 2.5 : 1.6;
    const zoom = view.scale / (Math.min(size.w, size.h) * 0.92);
    const r = Math.max(1.2, Math.min(7, base * Math.sqrt(Math.max(1, zoom))));
    const selected = new Set(selection);
    const byColour = new Map<string, number[]>();
    for (let i = 0; i < map.ids.length; i++) {
      const key = colour.get(map.types[i]) ?? "#888";
      let list = byColour.get(key);
      if (!list) byColour.set(key, (list = []));
      list.push(i);
    }
    for (const [fill, list] of byColour) {
      ctx.fillStyle = fill;
      ctx.globalAlpha = selected.size ? 0.35 : 0.85;
      for (const i of list) {
        const px = (map.x[i] - view.x) * view.scale;
        const py = (map.y[i] - view.y) * view.scale;
        if (px < -r || py < -r || px > size.w + r || py > size.h + r) continue;
        ctx.fillRect(px - r, py - r, r * 2, r * 2);
      }
    }
    ctx.globalAlpha = 1;
    if (selected.size) {
      ctx.fillStyle = "#ffffff";
      for (const i of selected) {
        ctx.fillRect((map.x[i] - view.x) * view.scale - r, (map.y[i] - view.y) * view.scale - r, r * 2, r * 2);
      }
    }
    if (hover !== null) {
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc((map.x[hover] - view.x) * view.scale, (map.y[hover] - view.y) * view.scale, r + 4, 0, Math.PI * 2);
      ctx.stroke();
    }
    if (lasso && lasso.length > 1) {
      ctx.strokeStyle = "#ffd95e";
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      lasso.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.closePath();
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }, [map, view, size, hover, lasso, selection, colour]);

  const toMap = (px: number, py: number) => [px / view.scale + view.x, py / view.scale + view.y] as const;
  const local = (e: React.PointerEvent | React.WheelEvent) => {
    const rect = (e.currentTarget as HTMLElement).getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top] as const;
  };

  const hearAt = (i: number | null) => {
    window.clearTimeout(hoverTimer.current);
    if (i === null) return;
    hoverTimer.current = window.setTimeout(async () => {
      try {
        const detail = await unwrap(api.GET("/api/samples/{sample_id}", { params: { path: { sample_id: map.ids[i] } } }));
        usePlayer.getState().play(detail.sample);
      } catch {
        /* a sample forgotten since the map was made: nothing to hear */
      }
    }, 140);
  };

  return (
    <div className="map-layout">
      <div ref={wrap} className="map-wrap">
        <canvas
          ref={canvas}
          style={{ width: size.w, height: size.h }}
          className="map-canvas"
          role="img"
          aria-label={`Sound map of ${map.ids.length} samples (${map.method})`}
          tabIndex={0}
          data-testid="sound-map"
          data-points={map.ids.length}
          onKeyDown={(e) => {
            if (e.key === "0") setView(fit(size.w, size.h));
            if (e.key === "Escape") setSelection([]);
          }}
          onWheel={(e) => {
            const [px, py] = local(e);
            const [mx, my] = toMap(px, py);
            const factor = Math.exp(-e.deltaY * 0.0015);
            const scale = Math.max(50, Math.min(200_000, view.scale * factor));
            setView({ scale, x: mx - px / scale, y: my - py / scale });
          }}
          onPointerDown={(e) => {
            (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
            const [px, py] = local(e);
            drag.current = { x: px, y: py, view, moved: false, lasso: e.shiftKey };
            if (e.shiftKey) setLasso([[px, py]]);
          }}
          onPointerMove={(e) => {
            const [px, py] = local(e);
            const d = drag.current;
            if (d) {
              if (Math.abs(px - d.x) + Math.abs(py - d.y) > 3) d.moved = true;
              if (d.lasso) setLasso((l) => (l ? [...l, [px, py]] : l));
              else if (d.moved) setView({ ...d.view, x: d.view.x - (px - d.x) / d.view.scale, y: d.view.y - (py - d.y) / d.view.scale });
              return;
            }
            const [mx, my] = toMap(px, py);
            const i = grid.nearest(mx, my, 8 / view.scale);
            if (i !== hover) {
              setHover(i);
              hearAt(i);
            }
          }}
          onPointerLeave={() => {
            setHover(null);
            hearAt(null);
          }}
          onPointerUp={(e) => {
            const d = drag.current;
            drag.current = null;
            if (d?.lasso && lasso && lasso.length > 2) {
              const polygon = lasso.map(([x, y]) => toMap(x, y) as [number, number]);
              const chosen: number[] = [];
              for (let i = 0; i < map.ids.length; i++) if (inside(polygon, map.x[i], map.y[i])) chosen.push(i);
              setSelection(chosen);
              setLasso(null);
              return;
            }
            setLasso(null);
            if (d && !d.moved) {
              const [px, py] = local(e);
              const [mx, my] = toMap(px, py);
              const i = grid.nearest(mx, my, 8 / view.scale);
              if (i !== null) navigate(`/samples/${map.ids[i]}`);
            }
          }}
        />
        {hover !== null && (
          <div
            className="map-tip"
            style={{ left: (map.x[hover] - view.x) * view.scale + 12, top: (map.y[hover] - view.y) * view.scale + 12 }}
            role="status"
          >
            {map.names[hover]} <span className="muted">{map.types[hover]}</span>
          </div>
        )}
      </div>
      <aside className="map-side">
        <h2>Types</h2>
        <ul className="legend">
          {types.map((t) => (
            <li key={t}>
              <span className="swatch" style={{ background: colour.get(t) }} /> {t}{" "}
              <span className="muted small">{map.types.filter((x) => x === t).length}</span>
            </li>
          ))}
        </ul>
        <p className="muted small">{map.ids.length.toLocaleString("en")} samples · {map.method.toUpperCase()}</p>
        <h2>Lasso</h2>
        {selection.length === 0 ? (
          <p className="muted small">Shift+drag around points to select them.</p>
        ) : (
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              const n = name.trim();
              if (!n) return;
              create.mutate(
                { name: n, sample_ids: selection.map((i) => map.ids[i]) },
                {
                  onSuccess: (c) => {
                    toast(`Collection “${c.name}” made with ${c.size} samples`);
                    setSelection([]);
                    setName("");
                  },
                  onError: (err) => toast(err.message, "error"),
                },
              );
            }}
          >
            <p>{selection.length} selected</p>
            <input aria-label="New collection name" placeholder="collection name" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
            <button type="submit" className="primary" disabled={!name.trim() || create.isPending}>Make collection</button>
            <button type="button" onClick={() => setSelection([])}>Clear</button>
          </form>
        )}
      </aside>
    </div>
  );
}
