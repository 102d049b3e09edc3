import { describe, expect, it } from "vitest";
import { composeQuery, EMPTY_FILTERS, filtersFromUrl, filtersToUrl, suggest } from "./query";

describe("filters", () => {
  it("compose into the query language after the text", () => {
    const q = composeQuery({
      ...EMPTY_FILTERS,
      text: "dark kick",
      types: ["kick", "808 bass"],
      bpmMin: 120,
      bpmMax: 128,
      halfDouble: true,
      keys: ["8A", "9A"],
      kind: "loop",
      tags: ["lo fi"],
      fav: true,
    });
    expect(q).toBe(
      'dark kick type:kick|"808 bass" (bpm:120..128 OR bpm:60..64 OR bpm:240..256) key:8A|9A is:loop tag:"lo fi" is:fav',
    );
  });
  it("widen keys to compatible ones and leave open BPM ends open", () => {
    expect(composeQuery({ ...EMPTY_FILTERS, keys: ["8A"], compatible: true, bpmMin: 90 })).toBe("bpm:90.. (key:~8A)");
  });
  it("round-trip through the URL", () => {
    const filters = { ...EMPTY_FILTERS, text: "snare", types: ["snare"], bpmMax: 100, keys: ["1B"], fav: true, sort: "-bpm" };
    const url = filtersToUrl(filters);
    expect(url).toContain("q=snare");
    expect(filtersFromUrl(url)).toEqual({ ...filters, bpmMin: undefined, kind: undefined });
    expect(filtersToUrl(EMPTY_FILTERS)).toBe("");
  });
});

describe("autocomplete", () => {
  it("offers fields for a word being typed", () => {
    const { from, items } = suggest("kick bp", 7);
    expect(from).toBe(5);
    expect(items.map((i) => i.insert)).toEqual(["bpm:"]);
  });
  it("offers values after a field, the library's first", () => {
    const { items } = suggest("is:lo", 5);
    expect(items.map((i) => i.insert)).toEqual(["is:loop"]);
    const typed = suggest("type:k", 6, { type: ["kick", "keys", "snare"] });
    expect(typed.items.map((i) => i.insert)).toEqual(["type:kick", "type:keys"]);
    const alt = suggest("tag:dark|w", 10, { tag: ["warm", "lo fi", "wide"] });
    expect(alt.items.map((i) => i.insert)).toEqual(["tag:dark|warm", "tag:dark|wide"]);
  });
  it("quotes values with spaces", () => {
    expect(suggest("tag:lo", 6, { tag: ["lo fi"] }).items[0].insert).toBe('tag:"lo fi"');
  });
});
