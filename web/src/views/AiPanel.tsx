/**
 * The AI panel: shown only when GET /health lists the `ai` capability (the AI layer,
 * /api/ai/..., is built on another branch). What it still needs is in docs/web.md.
 */
import { useHealth } from "../api/hooks";

const FEATURES: Array<[string, string, string]> = [
  ["ai.search", "Natural-language search", "“dark punchy kicks around 128” → a query"],
  ["ai.describe", "Describe", "a sentence about the selected sound"],
  ["ai.advise", "Advice", "streamed mixing and layering advice"],
  ["ai.kit", "Kit builder", "a kit from a prompt, as a collection"],
  ["ai.costs", "Costs", "spend per model against the budget"],
];

export default function AiPanel() {
  const health = useHealth();
  const caps = new Set(health.data?.capabilities ?? []);
  return (
    <section className="view" aria-labelledby="ai-title">
      <h1 id="ai-title">AI</h1>
      <p className="muted">The server has the AI layer configured. Its panels appear here as their routes land.</p>
      <ul className="list">
        {FEATURES.map(([cap, title, what]) => (
          <li key={cap}>
            <strong>{title}</strong> <span className="muted">{what}</span>{" "}
            <span className="badge">{caps.has(cap) ? "available" : "not configured"}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
