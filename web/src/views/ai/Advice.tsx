/**
 * Production advice, streamed: the answer is drawn token by token as the server-sent events
 * arrive, and Cancel aborts the request (the server stops the model).
 */
import { useId, useState } from "react";
import type { Sample } from "../../api/client";
import { ErrorState } from "../../components/States";
import type { Priority } from "./hooks";
import { PrioritySelect, RouteLine, SamplePicker } from "./parts";
import { useAi } from "./store";

export function Advice() {
  const advice = useAi((s) => s.advice);
  const ask = useAi((s) => s.ask);
  const cancel = useAi((s) => s.cancelAdvice);
  const [query, setQuery] = useState("");
  const [picked, setPicked] = useState<Sample[]>([]);
  const [withQuery, setWithQuery] = useState(false);
  const [question, setQuestion] = useState("");
  const [priority, setPriority] = useState<Priority>("quality");
  const questionId = useId();
  const running = advice.status === "running";
  const ready = picked.length > 0 || (withQuery && query.length > 0);

  const submit = () => {
    if (!ready || running) return;
    void ask({
      sample_ids: picked.slice(0, 12).map((s) => s.id),
      query: withQuery && query ? query : null,
      question: question.trim() || null,
      priority,
    });
  };

  return (
    <section className="panel ai-section" aria-labelledby="advice-title">
      <div className="panel-head">
        <h2 id="advice-title">Production advice</h2>
        <PrioritySelect value={priority} onChange={setPriority} />
      </div>
      <SamplePicker query={query} onQuery={setQuery} selected={picked} onSelected={setPicked} label="Samples to ask about (query)" />
      <p className="small">
        {picked.length ? `${picked.length} chosen${picked.length > 12 ? " (the first 12 are sent)" : ""}: ${picked.map((s) => s.name).join(", ")}` : "No sample chosen."}{" "}
        {query && (
          <label>
            <input type="checkbox" checked={withQuery} onChange={(e) => setWithQuery(e.target.checked)} /> and what “{query}” finds (up to 12)
          </label>
        )}
      </p>
      <form
        className="ai-ask"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label htmlFor={questionId}>Question</label>
        <textarea
          id={questionId}
          value={question}
          onChange={(e) => setQuestion(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              submit();
            }
          }}
          rows={2}
          maxLength={600}
          placeholder="How do I layer these? (empty: how to process and use them in a mix)"
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={!ready || running}>
            Ask
          </button>
          {running && (
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          )}
          <span className="muted small">Ctrl+Enter asks</span>
        </div>
      </form>
      {advice.status !== "idle" && (
        <div className="ai-result">
          <div className="ai-stream" role="log" aria-live="polite" aria-busy={running} aria-label="Advice" data-testid="advice-text" data-status={advice.status} data-tokens={advice.tokens}>
            {advice.text}
            {running && <span className="ai-caret" aria-hidden="true" />}
            {running && !advice.text && <span className="muted">Waiting for the first words…</span>}
          </div>
          {advice.status === "cancelled" && <p className="muted small">Cancelled.</p>}
          {advice.status === "error" && <ErrorState error={advice.error} onRetry={submit} />}
          {advice.status === "done" && <RouteLine route={advice.route} />}
        </div>
      )}
    </section>
  );
}
