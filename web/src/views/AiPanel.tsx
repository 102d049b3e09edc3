/**
 * The AI panel (a lazy chunk: none of it is in the main bundle). `/ai/:tab`: natural-language
 * search, describe, advice (streamed), the kit builder and the cost dashboard. What the server
 * can do now comes from GET /api/ai/status: a feature whose model chain is empty (no provider,
 * the budget spent with no free model) is hidden and the reason said once; search is always
 * there (the rules answer without a model).
 */
import { Link } from "wouter";
import { ErrorState, Loading } from "../components/States";
import { Advice } from "./ai/Advice";
import { Costs } from "./ai/Costs";
import { Describe } from "./ai/Describe";
import { useAiStatus, type AiStatus } from "./ai/hooks";
import { KitBuilder } from "./ai/KitBuilder";
import { NlSearch } from "./ai/NlSearch";
import "./ai/ai.css";

export type Tab = "search" | "describe" | "advice" | "kit" | "costs";

export const TABS: Array<{ tab: Tab; label: string; feature: string }> = [
  { tab: "search", label: "Search", feature: "search" },
  { tab: "describe", label: "Describe", feature: "describe" },
  { tab: "advice", label: "Advice", feature: "advise" },
  { tab: "kit", label: "Kit builder", feature: "kit" },
  { tab: "costs", label: "Costs", feature: "costs" },
];

/** Which tabs to show, and why the others are hidden. */
export function visibleTabs(status: AiStatus | undefined): { shown: Tab[]; hidden: Array<{ label: string; reason: string }> } {
  if (!status) return { shown: ["search"], hidden: [] };
  const anyProvider = status.providers.some((p) => p.configured);
  const shown: Tab[] = [];
  const hidden: Array<{ label: string; reason: string }> = [];
  for (const { tab, label, feature } of TABS) {
    const f = status.features[feature];
    if (tab === "search") shown.push(tab);
    else if (tab === "costs") {
      if (anyProvider || status.budget_usd != null || status.month_spend_usd > 0) shown.push(tab);
      else hidden.push({ label, reason: "no LLM provider is configured, so nothing is spent" });
    } else if (f?.available) shown.push(tab);
    else hidden.push({ label, reason: f?.reason ?? "not available on this server" });
  }
  return { shown, hidden };
}

export default function AiPanel({ tab: asked }: { tab?: string }) {
  const status = useAiStatus();
  const { shown, hidden } = visibleTabs(status.data);
  const tab = (asked ?? "search") as Tab;
  const known = TABS.find((t) => t.tab === tab);
  const reasons = new Map<string, string[]>();
  for (const h of hidden) reasons.set(h.reason, [...(reasons.get(h.reason) ?? []), h.label]);

  let body;
  if (!known) body = <p>There is no “{asked}” here.</p>;
  else if (tab !== "search" && status.isPending) body = <Loading label="Asking the server what is configured…" />;
  else if (!shown.includes(tab)) {
    body = (
      <p role="status">
        {known.label} is not available: {hidden.find((h) => h.label === known.label)?.reason ?? "the server did not say why"}. <Link href="/ai/search">Search in plain words</Link> works without a model.
      </p>
    );
  } else if (tab === "search") body = <NlSearch feature={status.data?.features.search} />;
  else if (tab === "describe") body = <Describe />;
  else if (tab === "advice") body = <Advice />;
  else if (tab === "kit") body = <KitBuilder />;
  else body = <Costs />;

  return (
    <section className="view view-ai" aria-labelledby="ai-title">
      <div className="view-head">
        <h1 id="ai-title">AI</h1>
        <nav aria-label="AI features" className="ai-tabs">
          {TABS.filter((t) => shown.includes(t.tab)).map((t) => (
            <Link key={t.tab} href={`/ai/${t.tab}`} className={t.tab === tab ? "on" : undefined} aria-current={t.tab === tab ? "page" : undefined}>
              {t.label}
            </Link>
          ))}
        </nav>
        {status.isError && <ErrorState error={status.error} onRetry={() => void status.refetch()} />}
        {[...reasons].map(([reason, labels]) => (
          <p key={reason} className="muted small" data-testid="ai-hidden">
            Hidden: {labels.join(", ")} ({reason}).
          </p>
        ))}
        {status.data?.budget_reached && (
          <p className="ai-notice" role="note">
            The monthly AI budget is reached: only free local models answer until next month.
          </p>
        )}
      </div>
      {body}
    </section>
  );
}
