import { Link } from "wouter";
import { useStats } from "../api/hooks";
import { Bars } from "../components/Bars";
import { CamelotWheel } from "../components/CamelotWheel";
import { Empty, ErrorState, Loading } from "../components/States";
import { camelot, parseKeyName } from "../lib/music";

/** Histogram bins from the lowest to the highest, empty ones included (a true axis). */
export function contiguous(bins: Record<string, number>, width: number): Array<[string, number]> {
  const edges = Object.keys(bins).map(Number).filter(Number.isFinite);
  if (!edges.length) return [];
  const out: Array<[string, number]> = [];
  for (let edge = Math.min(...edges); edge <= Math.max(...edges); edge += width) out.push([String(edge), bins[String(edge)] ?? 0]);
  return out;
}

export function StatsView() {
  const stats = useStats();
  if (stats.isPending) return <section className="view"><Loading label="Counting…" /></section>;
  if (stats.isError) return <section className="view"><ErrorState error={stats.error} onRetry={() => void stats.refetch()} /></section>;
  const s = stats.data;
  if (s.samples === 0) {
    return (
      <section className="view">
        <h1>Stats</h1>
        <Empty title="Nothing to count yet"><Link href="/scan">Scan a folder</Link> first.</Empty>
      </section>
    );
  }
  const byCamelot: Record<string, number> = {};
  for (const [name, n] of Object.entries(s.by_key)) {
    const key = parseKeyName(name);
    if (key) byCamelot[camelot(key)] = (byCamelot[camelot(key)] ?? 0) + n;
  }
  const types: Array<[string, number]> = Object.entries(s.by_type).sort((a, b) => b[1] - a[1]);
  if (types.length === 0) types.push(["loops", s.loops], ["one-shots", s.oneshots]);
  const bpm = contiguous(s.bpm_histogram, 5);
  const lufs = contiguous(s.loudness_histogram ?? {}, 1);
  const cards: Array<[string, number]> = [
    ["samples", s.samples],
    ["analyzed", s.analyzed],
    ["loops", s.loops],
    ["one-shots", s.oneshots],
    ["favourites", s.favourites],
    ["collections", s.collections],
    ["pending", s.pending],
    ["failed", s.failed],
    ["missing", s.missing],
  ];
  return (
    <section className="view view-stats" aria-labelledby="stats-title">
      <h1 id="stats-title">Stats</h1>
      <dl className="cards">
        {cards.map(([label, n]) => (
          <div key={label} className="card">
            <dt>{label}</dt>
            <dd>{n.toLocaleString("en")}</dd>
          </div>
        ))}
      </dl>
      <div className="charts">
        <section className="panel">
          <h2>Types</h2>
          <Bars data={types} horizontal label="Samples by type" />
        </section>
        <section className="panel">
          <h2>Keys</h2>
          {Object.keys(byCamelot).length ? <CamelotWheel counts={byCamelot} size={280} label="Samples per key on the Camelot wheel" /> : <Empty title="No keys detected" />}
        </section>
        <section className="panel">
          <h2>BPM of loops</h2>
          {bpm.length ? <Bars data={bpm} label="Loops per 5-BPM bin" unit=" BPM" /> : <Empty title="No loops with a tempo" />}
        </section>
        <section className="panel">
          <h2>Loudness</h2>
          {lufs.length ? <Bars data={lufs} label="Samples per 1-LU bin of integrated loudness" unit=" LUFS" color="#7dd3a8" /> : <Empty title="No loudness measured" />}
        </section>
      </div>
    </section>
  );
}
