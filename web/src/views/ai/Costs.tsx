/** The cost dashboard: a month's spend by provider, model and task from the ledger, the
 *  monthly budget (and whether it is reached), and the projection of a month's workload. */
import { useId, useState } from "react";
import { Empty, ErrorState, Loading } from "../../components/States";
import { plural } from "../../lib/format";
import { useCosts, useProjection, type CostsOut } from "./hooks";
import { usd } from "./parts";

type Line = CostsOut["lines"][number];

export function thisMonth(now = new Date()): string {
  return `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** Lines summed by one of their fields, most expensive first (then most calls). */
export function spendBy(lines: Line[], field: (l: Line) => string): Array<{ name: string; cost: number; calls: number; tokens: number }> {
  const out = new Map<string, { name: string; cost: number; calls: number; tokens: number }>();
  for (const line of lines) {
    const name = field(line);
    const row = out.get(name) ?? { name, cost: 0, calls: 0, tokens: 0 };
    row.cost += line.cost_usd;
    row.calls += line.calls;
    row.tokens += line.input_tokens + line.output_tokens;
    out.set(name, row);
  }
  return [...out.values()].sort((a, b) => b.cost - a.cost || b.calls - a.calls);
}

function SpendBars({ title, rows }: { title: string; rows: ReturnType<typeof spendBy> }) {
  const max = Math.max(...rows.map((r) => r.cost), 0);
  return (
    <div className="ai-spend">
      <h3>{title}</h3>
      <div className="hbars" role="list" aria-label={`Spend by ${title.toLowerCase()}`}>
        {rows.map((r) => (
          <div key={r.name} className="hbar ai-hbar" role="listitem" aria-label={`${r.name}: ${usd(r.cost)}, ${plural(r.calls, "call")}`}>
            <span className="hbar-label" title={r.name}>
              {r.name}
            </span>
            <span className="hbar-track">
              <span className="hbar-fill" style={{ width: `${max > 0 ? (r.cost / max) * 100 : 0}%`, background: "#9d8cff" }} />
            </span>
            <span className="hbar-value num">{usd(r.cost)}</span>
            <span className="muted small num">{plural(r.calls, "call")}</span>
          </div>
        ))}
      </div>
    </div>
  );
}

function Budget({ costs }: { costs: CostsOut }) {
  if (costs.budget_usd === null || costs.budget_usd === undefined) {
    return <p className="muted small">No monthly budget is set (SAMPLEMIND_AI_MONTHLY_BUDGET_USD).</p>;
  }
  const share = costs.budget_usd > 0 ? Math.min(1, costs.month_spend_usd / costs.budget_usd) : 1;
  return (
    <div className="ai-budget" data-testid="ai-budget" data-reached={costs.budget_reached}>
      <span>
        This month: <strong>{usd(costs.month_spend_usd)}</strong> of a {usd(costs.budget_usd)} budget
      </span>
      <meter min={0} max={1} value={share} low={0.75} high={0.9} optimum={0} aria-label="Monthly budget used" />
      {costs.budget_reached ? (
        <span className="badge warn">budget reached: free local models only</span>
      ) : (
        <span className="badge">{share > 0 && share < 0.01 ? "under 1 %" : `${Math.round(share * 100)} %`} used</span>
      )}
    </div>
  );
}

function Projection() {
  const [open, setOpen] = useState(false);
  const [requests, setRequests] = useState(100_000);
  const [tokens, setTokens] = useState(500);
  const projection = useProjection({ requests, tokens }, open);
  const rId = useId();
  const tId = useId();
  return (
    <details className="ai-projection" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Projection: what a month of requests would cost</summary>
      <div className="inline-form">
        <label htmlFor={rId}>Requests a month</label>
        <input id={rId} type="number" min={0} step={1000} value={requests} onChange={(e) => setRequests(Math.max(0, Number(e.target.value) || 0))} />
        <label htmlFor={tId}>Tokens a request</label>
        <input id={tId} type="number" min={1} step={50} value={tokens} onChange={(e) => setTokens(Math.max(1, Number(e.target.value) || 1))} />
      </div>
      {open && projection.isPending && <Loading />}
      {projection.isError && <ErrorState error={projection.error} onRetry={() => void projection.refetch()} />}
      {projection.data && (
        <table className="ai-table" aria-label="Projected monthly cost">
          <thead>
            <tr>
              <th scope="col">Scenario</th>
              <th scope="col">Cost a month</th>
              <th scope="col">Saving</th>
            </tr>
          </thead>
          <tbody>
            {[projection.data.baseline, ...projection.data.scenarios].map((s) => (
              <tr key={s.name}>
                <th scope="row">{s.name}</th>
                <td className="num">{usd(s.cost_usd)}</td>
                <td className="num">{s === projection.data.baseline ? "baseline" : `${usd(s.saving_usd)} (${s.saving_percent.toFixed(1)} %)`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

export function Costs() {
  const [month, setMonth] = useState(thisMonth());
  const costs = useCosts(month);
  const monthId = useId();
  return (
    <section className="panel ai-section" aria-labelledby="costs-title">
      <div className="panel-head">
        <h2 id="costs-title">Costs</h2>
        <span className="ai-field">
          <label htmlFor={monthId}>Month</label>
          <input id={monthId} type="month" value={month} onChange={(e) => setMonth(e.target.value || thisMonth())} />
        </span>
      </div>
      {costs.isPending ? (
        <Loading label="Reading the ledger…" />
      ) : costs.isError ? (
        <ErrorState error={costs.error} onRetry={() => void costs.refetch()} />
      ) : (
        <div data-testid="ai-costs">
          <Budget costs={costs.data} />
          <p>
            Spent in {costs.data.month}: <strong data-testid="ai-total">{usd(costs.data.total_usd)}</strong>
          </p>
          {costs.data.unpriced.length > 0 && (
            <p className="ai-notice" role="note">
              No known price for {costs.data.unpriced.join(", ")}: counted as $0 (set SAMPLEMIND_AI_PRICES).
            </p>
          )}
          {costs.data.lines.length === 0 ? (
            <Empty title="No AI calls this month">Spend appears here as the features are used.</Empty>
          ) : (
            <>
              <div className="ai-spend-grid">
                <SpendBars title="Provider" rows={spendBy(costs.data.lines, (l) => l.provider)} />
                <SpendBars title="Model" rows={spendBy(costs.data.lines, (l) => `${l.provider}:${l.model}`)} />
                <SpendBars title="Task" rows={spendBy(costs.data.lines, (l) => l.task)} />
              </div>
              <table className="ai-table" aria-label="Calls by provider, model and task">
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col">Task</th>
                    <th scope="col">Calls</th>
                    <th scope="col">Cached</th>
                    <th scope="col">Failed</th>
                    <th scope="col">Tokens in / out</th>
                    <th scope="col">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {costs.data.lines.map((l) => (
                    <tr key={`${l.provider}:${l.model}:${l.task}`}>
                      <th scope="row">
                        {l.provider}:{l.model}
                      </th>
                      <td>{l.task}</td>
                      <td className="num">{l.calls}</td>
                      <td className="num">{l.cached}</td>
                      <td className="num">{l.failed}</td>
                      <td className="num">
                        {l.input_tokens.toLocaleString("en")} / {l.output_tokens.toLocaleString("en")}
                      </td>
                      <td className="num">{usd(l.cost_usd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          <Projection />
        </div>
      )}
    </section>
  );
}
