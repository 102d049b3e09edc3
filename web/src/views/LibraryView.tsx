import { Link } from "wouter";
import { useSearchPage, useStats } from "../api/hooks";
import { SampleTable } from "../components/SampleTable";
import { plural } from "../lib/format";
import { useUrlFilters } from "../lib/useUrlFilters";

export function LibraryView() {
  const [filters, update] = useUrlFilters();
  // The counts wait for the first rows: the table comes first on a cold load.
  const first = useSearchPage({ q: "", sort: filters.sort }, 0);
  const stats = useStats(first.isSuccess || first.isError);
  const s = stats.data;
  return (
    <section className="view view-table" aria-labelledby="library-title">
      <header className="view-head">
        <h1 id="library-title">Library</h1>
        {s && (
          <p className="muted">
            {plural(s.samples, "sample")} · {plural(s.loops, "loop")} · {plural(s.oneshots, "one-shot")} ·{" "}
            {plural(s.favourites, "favourite")}
            {s.pending ? ` · ${s.pending} waiting for analysis` : ""}
            {s.failed ? ` · ${s.failed} failed` : ""}
          </p>
        )}
      </header>
      <SampleTable
        query=""
        sort={filters.sort}
        onSortChange={(sort) => update({ sort })}
        label="Library"
        emptyTitle="Your library is empty"
        emptyHint={
          <>
            <Link href="/scan">Scan a folder</Link> of samples to fill it, or <Link href="/upload">drop files</Link> to
            analyze them.
          </>
        }
      />
    </section>
  );
}
