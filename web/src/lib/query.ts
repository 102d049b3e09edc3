/**
 * The search state: free text in the query language plus filter chips, held in the URL
 * (so a search can be bookmarked), composed into one query for the API.
 */

export interface Filters {
  text: string; // the query box, in the query language
  types: string[];
  bpmMin?: number;
  bpmMax?: number;
  halfDouble: boolean; // also match half and double time
  keys: string[]; // Camelot codes
  compatible: boolean; // widen the keys to compatible ones
  kind?: "loop" | "oneshot";
  tags: string[];
  fav: boolean;
  sort?: string; // e.g. "-bpm"
}

export const EMPTY_FILTERS: Filters = {
  text: "",
  types: [],
  halfDouble: false,
  keys: [],
  compatible: false,
  tags: [],
  fav: false,
};

const list = (value: string | null) => (value ? value.split(",").filter(Boolean) : []);
const num = (value: string | null) => {
  if (value === null || value === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
};

export function filtersFromUrl(search: string): Filters {
  const p = new URLSearchParams(search);
  const kind = p.get("kind");
  return {
    text: p.get("q") ?? "",
    types: list(p.get("type")),
    bpmMin: num(p.get("bpm_min")),
    bpmMax: num(p.get("bpm_max")),
    halfDouble: p.get("half") === "1",
    keys: list(p.get("key")),
    compatible: p.get("compat") === "1",
    kind: kind === "loop" || kind === "oneshot" ? kind : undefined,
    tags: list(p.get("tag")),
    fav: p.get("fav") === "1",
    sort: p.get("sort") ?? undefined,
  };
}

export function filtersToUrl(f: Filters): string {
  const p = new URLSearchParams();
  if (f.text) p.set("q", f.text);
  if (f.types.length) p.set("type", f.types.join(","));
  if (f.bpmMin !== undefined) p.set("bpm_min", String(f.bpmMin));
  if (f.bpmMax !== undefined) p.set("bpm_max", String(f.bpmMax));
  if (f.halfDouble) p.set("half", "1");
  if (f.keys.length) p.set("key", f.keys.join(","));
  if (f.compatible) p.set("compat", "1");
  if (f.kind) p.set("kind", f.kind);
  if (f.tags.length) p.set("tag", f.tags.join(","));
  if (f.fav) p.set("fav", "1");
  if (f.sort) p.set("sort", f.sort);
  const text = p.toString();
  return text ? `?${text}` : "";
}

const quote = (value: string) => (/^[^\s()|"]+$/.test(value) ? value : `"${value.replaceAll('"', '""')}"`);
const round = (n: number) => String(Math.round(n * 100) / 100);

function bpmTerm(lo: number | undefined, hi: number | undefined): string {
  return `bpm:${lo !== undefined ? round(lo) : ""}..${hi !== undefined ? round(hi) : ""}`;
}

/** The chips as query-language terms (ANDed with the text). */
export function filterTerms(f: Filters): string[] {
  const terms: string[] = [];
  if (f.types.length) terms.push(`type:${f.types.map(quote).join("|")}`);
  if (f.bpmMin !== undefined || f.bpmMax !== undefined) {
    const base = bpmTerm(f.bpmMin, f.bpmMax);
    if (f.halfDouble) {
      const half = bpmTerm(f.bpmMin && f.bpmMin / 2, f.bpmMax && f.bpmMax / 2);
      const dbl = bpmTerm(f.bpmMin && f.bpmMin * 2, f.bpmMax && f.bpmMax * 2);
      terms.push(`(${base} OR ${half} OR ${dbl})`);
    } else terms.push(base);
  }
  if (f.keys.length) {
    terms.push(f.compatible ? `(${f.keys.map((k) => `key:~${k}`).join(" OR ")})` : `key:${f.keys.join("|")}`);
  }
  if (f.kind) terms.push(`is:${f.kind}`);
  if (f.tags.length) terms.push(`tag:${f.tags.map(quote).join("|")}`);
  if (f.fav) terms.push("is:fav");
  return terms;
}

/** The one query the API runs. The text comes first, so a syntax error's position in it
 * is the position in the box. */
export function composeQuery(f: Filters): string {
  return [f.text.trim(), ...filterTerms(f)].filter(Boolean).join(" ");
}

export const hasFilters = (f: Filters) => filterTerms(f).length > 0 || f.text.trim() !== "";

// --- autocomplete -----------------------------------------------------------------------------

export interface FieldHelp {
  name: string;
  help: string;
  values?: string[];
}

/** Fields of docs/query-language.md, with the values worth offering. */
export const FIELDS: FieldHelp[] = [
  { name: "type", help: "sample type", values: [] },
  { name: "bpm", help: "tempo: 120, 120..128, ~128 (half/double too)", values: ["~", "<", ">"] },
  { name: "key", help: "key or Camelot: Am, 8A, ~8A compatible", values: [] },
  { name: "camelot", help: "Camelot code", values: [] },
  { name: "dur", help: "duration: <2, 500ms, 1..4s", values: ["<1", "<2", ">4"] },
  { name: "lufs", help: "loudness: -14..-8", values: [">-10", "<-20"] },
  { name: "is", help: "flag", values: ["loop", "oneshot", "fav", "missing"] },
  { name: "tag", help: "whole tag name", values: [] },
  { name: "fav", help: "favourite", values: ["yes", "no"] },
  { name: "root", help: "root note: F#2, C2..C3", values: ["C", "C#", "D", "E", "F", "G", "A", "B"] },
  { name: "bars", help: "loop length in bars", values: ["1", "2", "4", "8"] },
  { name: "path", help: "path contains", values: [] },
  { name: "collection", help: "in a collection", values: [] },
  { name: "format", help: "container", values: ["wav", "aiff", "flac", "ogg", "mp3"] },
  { name: "state", help: "analysis state", values: ["pending", "done", "failed"] },
  { name: "rate", help: "sample rate: 44100, 48k", values: ["44100", "48k", "96k"] },
  { name: "bits", help: "bit depth", values: ["16", "24", "32"] },
  { name: "channels", help: "mono, stereo or a count", values: ["mono", "stereo"] },
  { name: "peak", help: "peak dBFS", values: [">=-0.1"] },
  { name: "like", help: "sounds like sample id", values: [] },
  { name: "aspect", help: "for like:", values: ["overall", "timbre", "pitch", "rhythm", "envelope"] },
  {
    name: "sort",
    help: "order: -bpm, name, key",
    values: ["name", "-bpm", "bpm", "key", "camelot", "dur", "-lufs", "type", "-added", "size"],
  },
];

export interface Suggestion {
  label: string; // what the list shows
  insert: string; // the token that replaces the one being typed
  help?: string;
}

/** Dynamic values per field (types, tags and keys of this library). */
export type ValueSource = Partial<Record<string, string[]>>;

/**
 * Suggestions for the token ending at `caret` in `text`: field names while a word is typed,
 * values after `field:`.
 */
export function suggest(text: string, caret: number, dynamic: ValueSource = {}): { from: number; items: Suggestion[] } {
  const before = text.slice(0, caret);
  const m = /(-?)([^\s()]*)$/.exec(before);
  const token = m ? m[2] : "";
  const from = caret - token.length;
  const colon = token.indexOf(":");
  if (colon < 0) {
    if (!token) return { from, items: [] };
    const lower = token.toLowerCase();
    const items = FIELDS.filter((f) => f.name.startsWith(lower) && f.name !== lower).map((f) => ({
      label: `${f.name}:`,
      insert: `${f.name}:`,
      help: f.help,
    }));
    return { from, items: items.slice(0, 8) };
  }
  const field = token.slice(0, colon).toLowerCase();
  const typed = token.slice(colon + 1);
  const lastAlt = typed.lastIndexOf("|");
  const prefix = typed.slice(0, lastAlt + 1);
  const partial = typed.slice(lastAlt + 1).replace(/^"/, "").toLowerCase();
  const spec = FIELDS.find((f) => f.name === field);
  const values = [...(dynamic[field] ?? []), ...(spec?.values ?? [])];
  const seen = new Set<string>();
  const items: Suggestion[] = [];
  for (const value of values) {
    if (seen.has(value) || !value.toLowerCase().startsWith(partial) || value.toLowerCase() === partial) continue;
    seen.add(value);
    items.push({ label: value, insert: `${field}:${prefix}${quote(value)}` });
    if (items.length >= 10) break;
  }
  return { from, items };
}
