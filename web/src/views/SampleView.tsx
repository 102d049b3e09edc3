import { useEffect, useState } from "react";
import { Link, useLocation } from "wouter";
import { audioUrl, type AnalysisResult, type Aspect, type Sample } from "../api/client";
import { useCollections, useDuplicates, usePatchSample, useSample, useSimilar, useWaveform } from "../api/hooks";
import { Empty, ErrorState, Loading } from "../components/States";
import { Waveform } from "../components/Waveform";
import { dragSample } from "../lib/drag";
import { formatBpm, formatBytes, formatDuration, formatNumber, percent } from "../lib/format";
import { camelot } from "../lib/music";
import { usePlayer } from "../store/player";
import { useUi } from "../store/ui";
import { useAiStatus } from "./ai/hooks";

/** `centroid_hz` → "centroid (Hz)", `attack_s` → "attack (s)". */
function measureName(key: string): string {
  const units: Record<string, string> = { hz: "Hz", s: "s", ms: "ms", db: "dB", dbfs: "dBFS", lufs: "LUFS", bpm: "BPM" };
  const parts = key.split("_");
  const unit = units[parts[parts.length - 1]];
  return unit ? `${parts.slice(0, -1).join(" ")} (${unit})` : parts.join(" ");
}

const ASPECTS: Aspect[] = ["overall", "timbre", "pitch", "rhythm", "envelope"];

export function SampleView({ id }: { id: number }) {
  const detail = useSample(id);
  if (!Number.isInteger(id) || id < 1) return <section className="view"><Empty title="No such sample" /></section>;
  if (detail.isPending) return <section className="view"><Loading label="Loading the sample…" /></section>;
  if (detail.isError) return <section className="view"><ErrorState error={detail.error} onRetry={() => void detail.refetch()} /></section>;
  const { sample, analysis, collections } = detail.data;
  // openapi-fetch widens the sample type's (class, probability) tuples to arrays
  return <SampleDetail key={sample.id} sample={sample} analysis={(analysis ?? null) as AnalysisResult | null} collections={collections} />;
}

function SampleDetail({ sample, analysis, collections }: { sample: Sample; analysis: AnalysisResult | null; collections: string[] }) {
  const player = usePlayer();
  const patch = usePatchSample(sample.id);
  const toast = useUi((s) => s.toast);
  const waveform = useWaveform(sample.id);
  const isCurrent = player.current?.id === sample.id;

  const change = (body: Parameters<typeof patch.mutate>[0], done?: string) =>
    patch.mutate(body, {
      onSuccess: () => done && toast(done),
      onError: (e) => toast(e.message, "error"),
    });

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const t = event.target as HTMLElement;
      if (["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName) || event.ctrlKey || event.metaKey) return;
      if (event.key === "f" || event.key === "F") {
        change({ favourite: !sample.favourite });
        event.preventDefault();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  return (
    <section className="view view-sample" aria-labelledby="sample-title">
      <header className="view-head sample-head">
        <button
          type="button"
          className="play big"
          aria-label={isCurrent && player.playing ? "Pause" : "Play"}
          onClick={() => (isCurrent ? player.toggle() : player.play(sample))}
        >
          {isCurrent && player.playing ? "❚❚" : "▶"}
        </button>
        <div className="sample-title">
          <h1 id="sample-title">{sample.name}</h1>
          <p className="muted small path" title={sample.path}>{sample.path}{sample.missing ? " (missing)" : ""}</p>
        </div>
        <div className="sample-actions">
          <button
            type="button"
            className={`fav${sample.favourite ? " on" : ""}`}
            aria-pressed={sample.favourite}
            aria-label={sample.favourite ? "Remove from favourites" : "Add to favourites"}
            onClick={() => change({ favourite: !sample.favourite })}
          >
            {sample.favourite ? "♥ Favourite" : "♡ Favourite"}
          </button>
          <a className="button" href={audioUrl(sample.id)} download={sample.name}>
            Export file
          </a>
          <DescribeLink id={sample.id} />
          <span
            className="drag-handle button"
            draggable
            onDragStart={(e) => dragSample(e, sample)}
            title="Drag into your DAW or onto the desktop"
            role="button"
            aria-label="Drag the file to your DAW"
          >
            ⠿ Drag to DAW
          </span>
        </div>
      </header>

      {waveform.isPending ? (
        <Loading label="Drawing the waveform…" />
      ) : waveform.isError ? (
        <ErrorState error={waveform.error} />
      ) : (
        <Waveform sample={sample} peaks={waveform.data} />
      )}

      <div className="sample-grid">
        <AnalysisPanel sample={sample} analysis={analysis} />
        <div className="sample-side">
          <TagEditor sample={sample} onChange={change} busy={patch.isPending} />
          <CollectionsEditor sample={sample} collections={collections} onChange={change} />
          <Duplicates sample={sample} />
        </div>
      </div>
      <SimilarPanel sample={sample} />
    </section>
  );
}

function Row({ label, value, source, confidence }: { label: string; value: React.ReactNode; source?: string | null; confidence?: number | null }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{value}</td>
      <td className="muted">{source ?? ""}</td>
      <td className="num">{confidence !== undefined && confidence !== null ? percent(confidence) : ""}</td>
    </tr>
  );
}

type TypeEstimate = NonNullable<AnalysisResult["sample_type"]>;

/** The sample's type: the user's correction when there is one (it always wins), else the model's
 * label with its confidence; then the model's top three. */
export function TypeRows({ sample, model }: { sample: Sample; model: TypeEstimate | null }) {
  const corrected = sample.user_sample_type != null;
  const value = sample.sample_type ?? model?.label ?? <span className="muted">not classified</span>;
  return (
    <>
      <Row label="Type" value={value} source={corrected ? "user" : model ? "model" : null} confidence={corrected ? null : model?.confidence} />
      {model && model.top.length > 1 && (
        <Row label="Model's top 3" value={model.top.map(([label, p]) => `${label} ${percent(Number(p))}`).join(" · ")} />
      )}
    </>
  );
}

function AnalysisPanel({ sample, analysis }: { sample: Sample; analysis: AnalysisResult | null }) {
  if (!analysis) {
    return (
      <section className="panel" aria-labelledby="analysis-title">
        <h2 id="analysis-title">Analysis</h2>
        <Empty title={sample.analysis_state === "failed" ? "Analysis failed" : "Not analyzed yet"}>
          {sample.error_message ?? "The next scan analyzes it."}
        </Empty>
      </section>
    );
  }
  const a = analysis;
  const extra = (obj: Record<string, unknown> | null | undefined, skip: string[] = []) =>
    Object.entries(obj ?? {}).filter(([k, v]) => !skip.includes(k) && (typeof v === "number" || typeof v === "boolean" || typeof v === "string"));
  return (
    <section className="panel" aria-labelledby="analysis-title">
      <h2 id="analysis-title">Analysis</h2>
      <table className="analysis">
        <thead>
          <tr>
            <th scope="col"><span className="sr-only">Measure</span></th>
            <th scope="col">Value</th>
            <th scope="col">Source</th>
            <th scope="col">Confidence</th>
          </tr>
        </thead>
        <tbody>
          <TypeRows sample={sample} model={a.sample_type ?? null} />
          {a.loop && <Row label="Loop / one-shot" value={a.loop.is_loop ? `loop${a.loop.bars ? `, ${a.loop.bars} bars` : ""}` : "one-shot"} source="audio" confidence={a.loop.confidence} />}
          {a.tempo && <Row label="BPM" value={formatBpm(a.tempo.bpm)} source={a.tempo.source} confidence={a.tempo.confidence} />}
          {a.key && (
            <Row
              label="Key"
              value={`${["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"][a.key.key.tonic]} ${a.key.key.mode} (${camelot(a.key.key)})`}
              source={a.key.source}
              confidence={a.key.confidence}
            />
          )}
          {a.pitch && <Row label="Root note" value={`${a.pitch.note} ${a.pitch.cents >= 0 ? "+" : ""}${a.pitch.cents.toFixed(0)} ct (${a.pitch.frequency_hz.toFixed(1)} Hz)`} source="audio" confidence={a.pitch.confidence} />}
          {a.loudness && (
            <>
              <Row label="Loudness" value={formatNumber(a.loudness.loudness_lufs, 1, "LUFS")} source="BS.1770" />
              <Row label="Peak / true peak" value={`${formatNumber(a.loudness.peak_dbfs, 1, "dBFS")} / ${formatNumber(a.loudness.true_peak_dbtp, 1, "dBTP")}`} />
              <Row label="RMS / crest" value={`${formatNumber(a.loudness.rms_dbfs, 1, "dBFS")} / ${formatNumber(a.loudness.crest_factor_db, 1, "dB")}`} />
            </>
          )}
          {extra(a.spectral as Record<string, unknown>).map(([k, v]) => (
            <Row key={`s-${k}`} label={measureName(k)} value={typeof v === "number" ? formatNumber(v, 2) : String(v)} source="spectral" />
          ))}
          {extra(a.envelope as Record<string, unknown>).map(([k, v]) => (
            <Row key={`e-${k}`} label={measureName(k)} value={typeof v === "number" ? formatNumber(v, 3) : String(v)} source="envelope" />
          ))}
          {extra(a.rhythm as Record<string, unknown>).map(([k, v]) => (
            <Row key={`r-${k}`} label={measureName(k)} value={typeof v === "number" ? formatNumber(v, 3) : String(v)} source="rhythm" />
          ))}
          <Row
            label="Audio"
            value={`${sample.format ?? ""} ${sample.subtype ?? ""} · ${sample.sample_rate_hz ?? "?"} Hz · ${sample.bit_depth ? `${sample.bit_depth}-bit · ` : ""}${sample.channels === 1 ? "mono" : sample.channels === 2 ? "stereo" : `${sample.channels} ch`} · ${formatDuration(sample.duration_s)} · ${formatBytes(sample.size_bytes)}`}
          />
          <Row label="Analyzers" value={Object.entries(a.analyzers ?? {}).map(([n, v]) => `${n}@${v}`).join(", ")} source={["", "basic", "standard", "detailed", "professional"][a.level]} />
        </tbody>
      </table>
    </section>
  );
}

function TagEditor({ sample, onChange, busy }: { sample: Sample; onChange: (b: { tags_add?: string[]; tags_remove?: string[] }, done?: string) => void; busy: boolean }) {
  const [draft, setDraft] = useState("");
  const names = [...new Map(sample.tags.map((t) => [t.name, t])).values()];
  const add = () => {
    const tags = draft.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
    if (tags.length) onChange({ tags_add: tags });
    setDraft("");
  };
  return (
    <section className="panel" aria-labelledby="tags-title">
      <h2 id="tags-title">Tags</h2>
      {names.length === 0 && <p className="muted small">No tags yet.</p>}
      <ul className="chips" aria-label="Tags">
        {names.map((tag) => (
          <li key={tag.name} className={`chip tag-${tag.source}`} title={`from ${tag.source}`}>
            <Link href={`/search?tag=${encodeURIComponent(tag.name)}`}>{tag.name}</Link>
            <button type="button" aria-label={`Remove tag ${tag.name}`} onClick={() => onChange({ tags_remove: [tag.name] })} disabled={busy}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <input aria-label="New tags (comma separated)" placeholder="add tags: dark, punchy" value={draft} onChange={(e) => setDraft(e.target.value)} maxLength={200} />
        <button type="submit" disabled={busy || !draft.trim()}>Add</button>
      </form>
    </section>
  );
}

function CollectionsEditor({ sample, collections, onChange }: { sample: Sample; collections: string[]; onChange: (b: { collections_add?: string[]; collections_remove?: string[] }, done?: string) => void }) {
  const all = useCollections();
  const [name, setName] = useState("");
  const others = (all.data ?? []).map((c) => c.name).filter((n) => !collections.includes(n));
  return (
    <section className="panel" aria-labelledby="collections-title">
      <h2 id="collections-title">Collections</h2>
      {collections.length === 0 && <p className="muted small">In no collection.</p>}
      <ul className="chips" aria-label="Collections of this sample">
        {collections.map((c) => (
          <li key={c} className="chip">
            <Link href={`/search?q=${encodeURIComponent(`collection:"${c}"`)}`}>{c}</Link>
            <button type="button" aria-label={`Remove from ${c}`} onClick={() => onChange({ collections_remove: [c] })}>×</button>
          </li>
        ))}
      </ul>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) onChange({ collections_add: [name.trim()] }, `Added ${sample.name} to ${name.trim()}`);
          setName("");
        }}
      >
        <input list="collection-names" aria-label="Add to collection" placeholder="add to collection…" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
        <datalist id="collection-names">
          {others.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
        <button type="submit" disabled={!name.trim()}>Add</button>
      </form>
    </section>
  );
}

function Duplicates({ sample }: { sample: Sample }) {
  const [asked, setAsked] = useState(false);
  const groups = useDuplicates(asked);
  const mine = (groups.data ?? []).filter((g) => g.samples.some((s) => s.id === sample.id));
  return (
    <section className="panel" aria-labelledby="dupes-title">
      <h2 id="dupes-title">Duplicates</h2>
      {!asked ? (
        <button type="button" onClick={() => setAsked(true)}>Find duplicates</button>
      ) : groups.isPending ? (
        <Loading label="Comparing fingerprints…" />
      ) : groups.isError ? (
        <ErrorState error={groups.error} />
      ) : mine.length === 0 ? (
        <p className="muted small">No duplicates: this sound is only here once.</p>
      ) : (
        mine.map((g) => (
          <ul key={g.samples[0].id} className="list">
            {g.samples
              .filter((s) => s.id !== sample.id)
              .map((s) => (
                <li key={s.id}>
                  <Link href={`/samples/${s.id}`}>{s.name}</Link>{" "}
                  <span className="muted small">{g.kind === "exact" ? "same bytes" : "same audio"}</span>
                </li>
              ))}
          </ul>
        ))
      )}
    </section>
  );
}

function SimilarPanel({ sample }: { sample: Sample }) {
  const [aspect, setAspect] = useState<Aspect>("overall");
  const similar = useSimilar(sample.id, aspect);
  const player = usePlayer();
  const [, navigate] = useLocation();
  return (
    <section className="panel similar" aria-labelledby="similar-title">
      <div className="panel-head">
        <h2 id="similar-title">Similar sounds</h2>
        <div className="segmented" role="radiogroup" aria-label="Similar by">
          {ASPECTS.map((a) => (
            <button key={a} type="button" role="radio" aria-checked={aspect === a} className={aspect === a ? "on" : undefined} onClick={() => setAspect(a)}>
              {a}
            </button>
          ))}
        </div>
      </div>
      {similar.isPending ? (
        <Loading label="Listening for similar sounds…" />
      ) : similar.isError ? (
        <ErrorState error={similar.error} onRetry={() => void similar.refetch()} />
      ) : similar.data.items.length === 0 ? (
        <Empty title="Nothing similar yet">Scan more samples to compare with.</Empty>
      ) : (
        <ol className="similar-list" data-testid="similar-list">
          {similar.data.items.map((hit) => (
            <li key={hit.sample.id} draggable onDragStart={(e) => dragSample(e, hit.sample)}>
              <button type="button" className="play small" aria-label={`Preview ${hit.sample.name}`} onClick={() => player.toggle(hit.sample)}>
                {player.current?.id === hit.sample.id && player.playing ? "❚❚" : "▶"}
              </button>
              <a
                href={`/samples/${hit.sample.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/samples/${hit.sample.id}`);
                }}
              >
                {hit.sample.name}
              </a>
              <span className="score" title="similarity">
                <span className="bar" style={{ width: `${Math.max(0, hit.score) * 100}%` }} />
                {percent(hit.score)}
              </span>
              <span className="muted small">
                {hit.sample.sample_type ?? (hit.sample.is_loop ? "loop" : "one-shot")}
                {hit.sample.key ? ` · ${hit.sample.key}` : ""}
                {hit.sample.is_loop && hit.sample.bpm ? ` · ${formatBpm(hit.sample.bpm)} BPM` : ""}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** To the AI panel's Describe, only when a model can describe now. */
function DescribeLink({ id }: { id: number }) {
  const status = useAiStatus();
  if (!status.data?.features.describe?.available) return null;
  return (
    <Link className="button" href={`/ai/describe?sample=${id}`}>
      Describe with AI
    </Link>
  );
}
