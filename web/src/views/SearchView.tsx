import { useEffect, useMemo, useState } from "react";
import { ApiError } from "../api/client";
import { useSearchPage, useStats } from "../api/hooks";
import { CamelotWheel } from "../components/CamelotWheel";
import { SampleTable } from "../components/SampleTable";
import { SearchBox } from "../components/SearchBox";
import { CAMELOT_CODES, fromCamelot, keyName, shortKeyName } from "../lib/music";
import { composeQuery, hasFilters, type Filters } from "../lib/query";
import { useUrlFilters } from "../lib/useUrlFilters";

function toggle(list: string[], value: string): string[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
}

export function SearchView() {
  const [filters, update] = useUrlFilters();
  const [text, setText] = useState(filters.text);
  const stats = useStats();

  // The box is live: the URL (and the search) follow 250 ms after typing stops.
  useEffect(() => setText(filters.text), [filters.text]);
  useEffect(() => {
    if (text === filters.text) return;
    const timer = setTimeout(() => update({ text }, true), 250);
    return () => clearTimeout(timer);
  }, [text, filters.text, update]);

  const query = composeQuery(filters);
  const first = useSearchPage({ q: query, sort: filters.sort }, 0);
  const error = first.error instanceof ApiError && first.error.status === 400 ? first.error : null;

  const values = useMemo(() => {
    const s = stats.data;
    return {
      type: Object.keys(s?.by_type ?? {}),
      tag: Object.keys(s?.by_tag ?? {}),
      key: [
        ...Object.keys(s?.by_key ?? {}).map((k) => k),
        ...CAMELOT_CODES.map((c) => `~${c}`),
        ...CAMELOT_CODES,
      ],
      camelot: CAMELOT_CODES,
    };
  }, [stats.data]);

  const types = Object.keys(stats.data?.by_type ?? {});
  const tags = Object.entries(stats.data?.by_tag ?? {}).slice(0, 24);
  const set = (change: Partial<Filters>) => update(change);

  return (
    <section className="view view-search" aria-labelledby="search-title">
      <header className="view-head">
        <h1 id="search-title">Search</h1>
        <SearchBox
          value={text}
          onChange={setText}
          onSubmit={(value) => update({ text: value })}
          values={values}
          error={error ? { message: error.message, position: error.position } : null}
        />
      </header>
      <div className="search-body">
        <aside className="filters" aria-label="Filters">
          <fieldset>
            <legend>Kind</legend>
            <div className="segmented" role="radiogroup" aria-label="One-shot or loop">
              {([
                [undefined, "Any"],
                ["oneshot", "One-shots"],
                ["loop", "Loops"],
              ] as const).map(([value, label]) => (
                <button
                  key={label}
                  type="button"
                  role="radio"
                  aria-checked={filters.kind === value}
                  className={filters.kind === value ? "on" : undefined}
                  onClick={() => set({ kind: value })}
                >
                  {label}
                </button>
              ))}
            </div>
            <label className="toggle">
              <input type="checkbox" checked={filters.fav} onChange={(e) => set({ fav: e.target.checked })} /> Favourites only
            </label>
          </fieldset>
          {types.length > 0 && (
            <fieldset>
              <legend>Type</legend>
              <div className="chips">
                {types.map((type) => (
                  <button
                    key={type}
                    type="button"
                    className={`chip${filters.types.includes(type) ? " on" : ""}`}
                    aria-pressed={filters.types.includes(type)}
                    onClick={() => set({ types: toggle(filters.types, type) })}
                  >
                    {type} <span className="count">{stats.data?.by_type[type]}</span>
                  </button>
                ))}
              </div>
            </fieldset>
          )}
          <fieldset>
            <legend>BPM</legend>
            <div className="range">
              <input
                type="number"
                aria-label="BPM from"
                placeholder="from"
                min={20}
                max={400}
                value={filters.bpmMin ?? ""}
                onChange={(e) => set({ bpmMin: e.target.value === "" ? undefined : Number(e.target.value) })}
              />
              <span>–</span>
              <input
                type="number"
                aria-label="BPM to"
                placeholder="to"
                min={20}
                max={400}
                value={filters.bpmMax ?? ""}
                onChange={(e) => set({ bpmMax: e.target.value === "" ? undefined : Number(e.target.value) })}
              />
            </div>
            <label className="toggle" title="Also match loops detected at half or double the tempo">
              <input type="checkbox" checked={filters.halfDouble} onChange={(e) => set({ halfDouble: e.target.checked })} />{" "}
              Half / double time
            </label>
          </fieldset>
          <fieldset>
            <legend>Key</legend>
            <CamelotWheel
              size={220}
              selected={filters.keys}
              onToggle={(code) => set({ keys: toggle(filters.keys, code) })}
              label="Key filter: Camelot wheel"
            />
            <label className="toggle" title="Widen to harmonically compatible keys (±1, relative)">
              <input type="checkbox" checked={filters.compatible} onChange={(e) => set({ compatible: e.target.checked })} />{" "}
              Include compatible keys
            </label>
            {filters.keys.length > 0 && (
              <div className="chips">
                {filters.keys.map((code) => {
                  const key = fromCamelot(code);
                  return (
                    <button key={code} type="button" className="chip on" onClick={() => set({ keys: toggle(filters.keys, code) })} aria-label={`Remove key ${code}`} title={key ? keyName(key) : code}>
                      {code} {key ? shortKeyName(key) : ""} ×
                    </button>
                  );
                })}
              </div>
            )}
          </fieldset>
          {tags.length > 0 && (
            <fieldset>
              <legend>Tags</legend>
              <div className="chips">
                {tags.map(([tag, count]) => (
                  <button
                    key={tag}
                    type="button"
                    className={`chip${filters.tags.includes(tag) ? " on" : ""}`}
                    aria-pressed={filters.tags.includes(tag)}
                    onClick={() => set({ tags: toggle(filters.tags, tag) })}
                  >
                    {tag} <span className="count">{count}</span>
                  </button>
                ))}
              </div>
            </fieldset>
          )}
          {hasFilters(filters) && (
            <button type="button" className="link" onClick={() => update({ text: "", types: [], keys: [], tags: [], bpmMin: undefined, bpmMax: undefined, halfDouble: false, compatible: false, kind: undefined, fav: false })}>
              Clear everything
            </button>
          )}
          <p className="muted small">
            Query: <code data-testid="composed-query">{query || "(everything)"}</code>
          </p>
        </aside>
        {error ? (
          <div className="table-placeholder" />
        ) : (
          <SampleTable
            query={query}
            sort={filters.sort}
            onSortChange={(sort) => update({ sort })}
            label="Search results"
            emptyTitle="Nothing matches"
            emptyHint="Loosen a filter, or try free text: words match names, tags and folders by prefix."
          />
        )}
      </div>
    </section>
  );
}
