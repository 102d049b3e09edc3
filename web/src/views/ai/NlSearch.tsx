/**
 * Natural-language search: the words become a query of the query language (by the rules, or
 * a model for what they do not know), shown with who made it; it runs here and opens in the
 * Search view. The text is in the URL (`/ai/search?text=…`), so it can be bookmarked.
 */
import { useEffect, useId, useState } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { Empty, ErrorState, Loading } from "../../components/States";
import { plural } from "../../lib/format";
import { useNlSearch, type Feature } from "./hooks";
import { RouteLine, SampleLine } from "./parts";

export const searchUrl = (query: string) => `/search?q=${encodeURIComponent(query)}`;

export function NlSearch({ feature }: { feature: Feature | undefined }) {
  const search = useSearch();
  const [, navigate] = useLocation();
  const text = new URLSearchParams(search).get("text") ?? "";
  const [draft, setDraft] = useState(text);
  useEffect(() => setDraft(text), [text]);
  const result = useNlSearch(text);
  const inputId = useId();
  const withModel = (feature?.models.length ?? 0) > 0;

  return (
    <section className="panel ai-section" aria-labelledby="nl-title">
      <h2 id="nl-title">Search in plain words</h2>
      <form
        className="inline-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const words = draft.trim();
          if (words) navigate(`/ai/search?text=${encodeURIComponent(words)}`);
        }}
      >
        <label htmlFor={inputId} className="sr-only">
          What are you looking for?
        </label>
        <input id={inputId} data-testid="nl-input" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="dark 808 in F minor around 140" maxLength={600} />
        <button type="submit" className="primary" disabled={!draft.trim()}>
          Search
        </button>
      </form>
      <p className="muted small">
        {withModel
          ? `Common phrasings become a query by fixed rules; other words go to ${feature?.models[0]}.`
          : "No LLM is available: fixed rules read tempo, keys, lengths, loops, one-shots and sound words; other words are searched as text."}
      </p>
      {!text ? (
        <Empty title="Say what you need">e.g. “punchy kicks”, “warm pads in A minor”, “loops around 90 BPM, not vocal”.</Empty>
      ) : result.isPending ? (
        <Loading label="Reading your words…" />
      ) : result.isError ? (
        <ErrorState error={result.error} onRetry={() => void result.refetch()} />
      ) : (
        <div className="ai-result" data-testid="nl-result">
          <div className="ai-query">
            <span className="muted">Query</span>
            <code data-testid="nl-query">{result.data.query || "(everything)"}</code>
            <span className={`badge ${result.data.source === "model" ? "new" : ""}`} data-testid="nl-source">
              {result.data.source === "model" ? "made by a model" : "made by the rules (no model)"}
            </span>
            <Link href={searchUrl(result.data.query)} className="button">
              Open in Search
            </Link>
          </div>
          {result.data.source === "model" && <RouteLine route={result.data.route} />}
          {result.data.unknown.length > 0 && (
            <p className="muted small">
              Words the rules did not know: {result.data.unknown.map((w) => `“${w}”`).join(", ")}
            </p>
          )}
          {result.data.notices.map((n) => (
            <p key={n} className="ai-notice" role="note">
              {n}
            </p>
          ))}
          {result.data.items.length === 0 ? (
            <Empty title="No samples match">Edit the query in the Search view, or say it another way.</Empty>
          ) : (
            <>
              <p className="muted small">
                {plural(result.data.items.length, "sample")}
                {result.data.items.length === 50 ? " (the first 50)" : ""}
              </p>
              <ul className="ai-samples" aria-label="Results">
                {result.data.items.map(({ sample }) => (
                  <li key={sample.id}>
                    <SampleLine sample={sample} />
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
