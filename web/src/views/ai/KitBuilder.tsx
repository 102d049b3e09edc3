/**
 * Kit builder: a brief ("lo-fi hip hop kit, dusty") becomes a kit of the library's own samples,
 * one per slot with the model's reason; each plays here, and the kit is kept as a collection or
 * downloaded as a zip made by the library's export (its naming patterns).
 */
import { useEffect, useId, useState } from "react";
import { Link } from "wouter";
import { useCreateCollection } from "../../api/hooks";
import { ErrorState, Loading } from "../../components/States";
import type { Priority } from "./hooks";
import { PrioritySelect, RouteLine, SampleLine } from "./parts";
import { useAi, type KitOut } from "./store";

const PATTERNS: Array<[string, string]> = [
  ["", "file names as they are"],
  ["{index:02}_{type}_{name}", "01_kick_Name.wav"],
  ["{type}_{bpm}_{key}_{name}", "type_bpm_key_name"],
];

export function exportUrl(kit: KitOut, name: string, pattern: string): string {
  const params = new URLSearchParams();
  for (const item of kit.items) params.append("sample_id", String(item.sample.id));
  params.set("name", name || kit.name);
  if (pattern) params.set("pattern", pattern);
  return `/api/ai/kit/export?${params}`;
}

function KitResult({ kit }: { kit: KitOut }) {
  const [name, setName] = useState(kit.name);
  const [pattern, setPattern] = useState("");
  const create = useCreateCollection();
  const nameId = useId();
  const patternId = useId();
  useEffect(() => setName(kit.name), [kit.name]);
  return (
    <div className="ai-result" data-testid="kit-result">
      <h3 className="ai-kit-name">{kit.name}</h3>
      {kit.notes && <p className="ai-prose">{kit.notes}</p>}
      <table className="ai-kit" aria-label={`Kit ${kit.name}`}>
        <thead>
          <tr>
            <th scope="col">Slot</th>
            <th scope="col">Sample</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {kit.items.map((item) => (
            <tr key={`${item.role}-${item.sample.id}`} data-testid="kit-slot">
              <th scope="row">{item.role}</th>
              <td>
                <span className="ai-sample-line">
                  <SampleLine sample={item.sample} />
                </span>
              </td>
              <td>{item.reason || <span className="muted">–</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <RouteLine route={kit.route} />
      <div className="ai-kit-actions">
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name: name.trim(), sample_ids: kit.items.map((i) => i.sample.id) });
          }}
        >
          <label htmlFor={nameId}>Collection name</label>
          <input id={nameId} value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
          <button type="submit" disabled={!name.trim() || create.isPending}>
            Save as collection
          </button>
        </form>
        {create.isSuccess && (
          <p role="status" className="small">
            Saved as <Link href={`/search?q=${encodeURIComponent(`collection:"${create.data.name.replaceAll('"', '""')}"`)}`}>{create.data.name}</Link>.
          </p>
        )}
        {create.isError && <ErrorState error={create.error} />}
        <div className="inline-form">
          <label htmlFor={patternId}>File names</label>
          <select id={patternId} value={pattern} onChange={(e) => setPattern(e.target.value)}>
            {PATTERNS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <a className="button" href={exportUrl(kit, name.trim(), pattern)} download>
            Download kit (.zip)
          </a>
        </div>
      </div>
    </div>
  );
}

export function KitBuilder() {
  const kit = useAi((s) => s.kit);
  const build = useAi((s) => s.buildKit);
  const cancel = useAi((s) => s.cancelKit);
  const [brief, setBrief] = useState(kit.brief);
  const [size, setSize] = useState("");
  const [priority, setPriority] = useState<Priority>("quality");
  const briefId = useId();
  const sizeId = useId();
  const running = kit.status === "running";
  const submit = () => {
    if (!brief.trim() || running) return;
    const n = Number(size);
    void build({ brief: brief.trim(), size: Number.isInteger(n) && n > 0 ? Math.min(n, 32) : null, priority, save_as: null });
  };
  return (
    <section className="panel ai-section" aria-labelledby="kit-title">
      <div className="panel-head">
        <h2 id="kit-title">Kit builder</h2>
        <PrioritySelect value={priority} onChange={setPriority} />
      </div>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <label htmlFor={briefId} className="sr-only">
          Kit brief
        </label>
        <input id={briefId} data-testid="kit-brief" value={brief} onChange={(e) => setBrief(e.target.value)} placeholder="lo-fi hip hop kit, dusty" maxLength={600} />
        <label htmlFor={sizeId} className="sr-only">
          Number of samples (optional)
        </label>
        <input id={sizeId} type="number" min={1} max={32} value={size} onChange={(e) => setSize(e.target.value)} placeholder="size" className="ai-size" />
        <button type="submit" className="primary" disabled={!brief.trim() || running}>
          Build kit
        </button>
        {running && (
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        )}
      </form>
      {kit.status === "running" && <Loading label="The model is searching your library…" />}
      {kit.status === "cancelled" && <p className="muted small">Cancelled.</p>}
      {kit.status === "error" && <ErrorState error={kit.error} onRetry={submit} />}
      {kit.status === "done" && kit.result && <KitResult kit={kit.result} />}
      {kit.status === "idle" && <p className="muted">The model searches your library with read-only tools and picks one sample per slot, with a reason.</p>}
    </section>
  );
}
