/**
 * Describe: one sample (chosen here, or `?sample=ID` from its page) or every sample a query
 * finds (a batch streamed over server-sent events). The structured answer is shown; its
 * genres, moods, instrument and character words are stored as tags with source `ai`.
 */
import { useState } from "react";
import { useSearch } from "wouter";
import type { Sample } from "../../api/client";
import { ErrorState, Loading } from "../../components/States";
import { plural } from "../../lib/format";
import { useDescribe, useSampleById, useStoredDescription, type Priority } from "./hooks";
import { PrioritySelect, RouteLine, SampleLine, SamplePicker, usd } from "./parts";
import { useAi } from "./store";

type Description = { description: string; genres: string[]; moods: string[]; instrument?: string | null; character: string[]; use_cases: string[] };

export function DescriptionCard({ value, tags }: { value: Description; tags?: string[] }) {
  const groups: Array<[string, string[]]> = [
    ["Genres", value.genres],
    ["Moods", value.moods],
    ["Instrument", value.instrument ? [value.instrument] : []],
    ["Character", value.character],
    ["Use it for", value.use_cases],
  ];
  return (
    <div className="ai-description" data-testid="ai-description">
      <p className="ai-prose">{value.description}</p>
      <dl className="ai-facets">
        {groups.map(([label, words]) =>
          words.length ? (
            <div key={label}>
              <dt>{label}</dt>
              <dd>
                {words.map((w) => (
                  <span key={w} className="chip">
                    {w}
                  </span>
                ))}
              </dd>
            </div>
          ) : null,
        )}
      </dl>
      {tags && tags.length > 0 && (
        <p className="small">
          <span className="muted">Stored as tags with source ai: </span>
          {tags.map((t) => (
            <span key={t} className="chip tag-ai" title="source: ai">
              {t}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}

function One({ sample, priority }: { sample: Sample; priority: Priority }) {
  const stored = useStoredDescription(sample.id);
  const describe = useDescribe();
  const fresh = describe.data && describe.data.sample.id === sample.id ? describe.data : null;
  const aiTags = (fresh?.sample ?? sample).tags.filter((t) => t.source === "ai").map((t) => t.name);
  return (
    <div className="ai-result">
      <div className="ai-query">
        <SampleLine sample={sample} />
        <button type="button" className="primary" onClick={() => describe.mutate({ sample_id: sample.id, priority })} disabled={describe.isPending}>
          {stored.data || fresh ? "Describe again" : "Describe"}
        </button>
      </div>
      {describe.isPending ? (
        <Loading label="The model is reading the analysis…" />
      ) : describe.isError ? (
        <ErrorState error={describe.error} onRetry={() => describe.mutate({ sample_id: sample.id, priority })} />
      ) : fresh ? (
        <>
          <DescriptionCard value={fresh.description} tags={fresh.tags} />
          <RouteLine route={fresh.route} />
        </>
      ) : stored.isPending ? (
        <Loading label="Looking for a description…" />
      ) : stored.isError ? (
        <ErrorState error={stored.error} onRetry={() => void stored.refetch()} />
      ) : stored.data ? (
        <>
          <DescriptionCard value={stored.data.description} tags={aiTags} />
          <p className="muted small">
            Described by {stored.data.model} on {new Date(stored.data.created_at).toLocaleDateString("en")}.
          </p>
        </>
      ) : (
        <p className="muted">Not described yet: the model reads its analysis and name (never the audio).</p>
      )}
    </div>
  );
}

function Batch({ query, priority }: { query: string; priority: Priority }) {
  const batch = useAi((s) => s.batch);
  const describeAll = useAi((s) => s.describeAll);
  const cancel = useAi((s) => s.cancelBatch);
  const [force, setForce] = useState(false);
  const running = batch.status === "running";
  return (
    <div className="ai-batch">
      <div className="ai-query">
        <button type="button" onClick={() => void describeAll({ query, force, priority, limit: 10_000 })} disabled={running || !query}>
          Describe every match of “{query || "…"}”
        </button>
        <label>
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> again when described
        </label>
        {running && (
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        )}
      </div>
      {batch.status !== "idle" && (
        <div data-testid="ai-batch" data-status={batch.status}>
          <progress max={Math.max(1, batch.total)} value={batch.done} aria-label="Descriptions done" />
          <p className="small" aria-live="polite">
            {batch.summary
              ? `${plural(batch.summary.described, "described", "described")}, ${batch.summary.skipped} skipped, ${batch.summary.failed} failed · ${usd(batch.summary.cost_usd)}${batch.summary.stopped ? ` · stopped: ${batch.summary.stopped}` : ""}`
              : batch.status === "cancelled"
                ? `Cancelled after ${batch.done} of ${batch.total}.`
                : `${batch.done} of ${batch.total || "…"}`}
          </p>
          {batch.status === "error" && <ErrorState error={batch.error} />}
          <ul className="ai-batch-items">
            {batch.items.map((item) => (
              <li key={item.sample_id} className={`ai-batch-${item.status}`}>
                <span className="badge">{item.status}</span> {item.name}{" "}
                {item.error ? <span className="error-text">{item.error.message}</span> : <span className="muted small">{item.tags.join(", ")}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

export function Describe() {
  const search = useSearch();
  const fromUrl = Number(new URLSearchParams(search).get("sample")) || null;
  const linked = useSampleById(fromUrl);
  const [query, setQuery] = useState("");
  const [picked, setPicked] = useState<Sample[]>([]);
  const [priority, setPriority] = useState<Priority>("cost");
  const sample = picked[0] ?? (linked.data?.sample as Sample | undefined) ?? null;
  return (
    <section className="panel ai-section" aria-labelledby="describe-title">
      <div className="panel-head">
        <h2 id="describe-title">Describe</h2>
        <PrioritySelect value={priority} onChange={setPriority} />
      </div>
      <SamplePicker query={query} onQuery={setQuery} selected={sample ? [sample] : []} onSelected={setPicked} single label="Samples to describe (query)" />
      {fromUrl && linked.isPending && !picked.length && <Loading />}
      {linked.isError && !picked.length && <ErrorState error={linked.error} />}
      {sample ? <One key={sample.id} sample={sample} priority={priority} /> : <p className="muted">Choose a sample above, or describe every match of a query.</p>}
      {query && <Batch query={query} priority={priority} />}
    </section>
  );
}
