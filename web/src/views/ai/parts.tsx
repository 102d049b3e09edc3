/** Small pieces the AI panel's features share: how an answer was obtained, a priority choice,
 *  a sample picker, and a play button. */
import { useId, useState } from "react";
import { Link } from "wouter";
import type { Sample } from "../../api/client";
import { ErrorState, Loading } from "../../components/States";
import { formatBpm } from "../../lib/format";
import { usePlayer } from "../../store/player";
import { usePickerSearch, type Priority } from "./hooks";
import type { Route } from "./store";

export const usd = (value: number) => (value === 0 ? "$0" : value < 0.01 ? `$${value.toFixed(5)}` : `$${value.toFixed(2)}`);

/** Which model answered, what it cost, what was tried before, and notices (the budget …). */
export function RouteLine({ route }: { route: Route | null | undefined }) {
  if (!route) return null;
  return (
    <div className="ai-route" data-testid="ai-route">
      <span className="badge">{route.model}</span>
      {route.cached && <span className="badge new">cached</span>}
      <span className="muted small">
        {route.input_tokens.toLocaleString("en")} in / {route.output_tokens.toLocaleString("en")} out tokens · {usd(route.cost_usd)} · {Math.round(route.latency_ms)} ms
      </span>
      {route.fallbacks.length > 0 && (
        <span className="muted small">
          {" "}
          after {route.fallbacks.map((f) => `${f.model} (${f.reason})`).join(", ")}
        </span>
      )}
      {route.notices.map((n) => (
        <p key={n} className="ai-notice" role="note">
          {n}
        </p>
      ))}
    </div>
  );
}

export function PrioritySelect({ value, onChange }: { value: Priority; onChange: (p: Priority) => void }) {
  const id = useId();
  return (
    <span className="ai-field">
      <label htmlFor={id}>Priority</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as Priority)}>
        <option value="cost">cost</option>
        <option value="speed">speed</option>
        <option value="quality">quality</option>
      </select>
    </span>
  );
}

export function PlayButton({ sample }: { sample: Sample }) {
  const playing = usePlayer((s) => s.playing && s.current?.id === sample.id);
  const toggle = usePlayer((s) => s.toggle);
  return (
    <button type="button" className="play small" onClick={() => toggle(sample)} aria-label={`${playing ? "Pause" : "Play"} ${sample.name}`}>
      {playing ? "❚❚" : "▶"}
    </button>
  );
}

export function sampleFacts(s: Sample): string {
  // "unknown" is the classifier below its threshold: say what is known instead
  const type = s.sample_type && s.sample_type !== "unknown" ? s.sample_type : null;
  const parts = [type ?? (s.is_loop ? "loop" : "one-shot")];
  if (s.is_loop && s.bpm) parts.push(`${formatBpm(s.bpm)} BPM`);
  if (s.key) parts.push(s.camelot ? `${s.key} (${s.camelot})` : s.key);
  return parts.join(" · ");
}

export function SampleLine({ sample }: { sample: Sample }) {
  return (
    <>
      <PlayButton sample={sample} />
      <Link href={`/samples/${sample.id}`}>{sample.name}</Link>
      <span className="muted small">{sampleFacts(sample)}</span>
    </>
  );
}

/**
 * Choose samples with a query: the matches are listed with a checkbox each (or a radio with
 * `single`). `query` is the query-language text, owned by the caller (a batch can use it).
 */
export function SamplePicker({
  query,
  onQuery,
  selected,
  onSelected,
  single = false,
  label,
}: {
  query: string;
  onQuery: (q: string) => void;
  selected: Sample[];
  onSelected: (s: Sample[]) => void;
  single?: boolean;
  label: string;
}) {
  const [draft, setDraft] = useState(query);
  const found = usePickerSearch(query);
  const inputId = useId();
  const chosen = new Set(selected.map((s) => s.id));
  const pick = (sample: Sample, on: boolean) => {
    if (single) onSelected(on ? [sample] : []);
    else onSelected(on ? [...selected.filter((s) => s.id !== sample.id), sample] : selected.filter((s) => s.id !== sample.id));
  };
  return (
    <div className="ai-picker">
      <form
        className="inline-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          onQuery(draft.trim());
        }}
      >
        <label htmlFor={inputId} className="sr-only">
          {label}
        </label>
        <input id={inputId} value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="kick, is:loop bpm:120..128, tag:dark …" />
        <button type="submit">Find</button>
      </form>
      {query && found.isPending && <Loading label="Searching…" />}
      {found.isError && <ErrorState error={found.error} onRetry={() => void found.refetch()} />}
      {found.data && found.data.items.length === 0 && <p className="muted">Nothing matches “{query}”.</p>}
      {found.data && found.data.items.length > 0 && (
        <ul className="ai-samples" aria-label={`Matches of ${query}`}>
          {found.data.items.map(({ sample }) => (
            <li key={sample.id}>
              <input
                type={single ? "radio" : "checkbox"}
                name={single ? `${inputId}-one` : undefined}
                checked={chosen.has(sample.id)}
                onChange={(e) => pick(sample, e.target.checked)}
                aria-label={`Choose ${sample.name}`}
              />
              <SampleLine sample={sample} />
            </li>
          ))}
        </ul>
      )}
      {found.data && found.data.total > found.data.items.length && (
        <p className="muted small">
          {found.data.items.length} of {found.data.total.toLocaleString("en")} shown: narrow the query to see the others.
        </p>
      )}
    </div>
  );
}
