import { afterEach, describe, expect, it } from "vitest";
import { takeFirstPage } from "./firstPage";

const page = { items: [{ id: 1 }], total: 1, next_cursor: null };
const answer = (body: unknown, status = 200) =>
  Promise.resolve(new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } }));

afterEach(() => {
  window.__samplemindFirstPage = undefined;
});

describe("takeFirstPage", () => {
  it("hands over the early answer once, for the library's first page with its sort", async () => {
    window.__samplemindFirstPage = { sort: "-bpm", response: answer(page) };
    expect(await takeFirstPage("", "-bpm", 0)).toEqual(page);
    expect(await takeFirstPage("", "-bpm", 0)).toBeNull(); // taken: the next fetch is a real one
  });

  it("leaves it for the request it was made for", async () => {
    window.__samplemindFirstPage = { sort: "", response: answer(page) };
    expect(await takeFirstPage("kick", undefined, 0)).toBeNull();
    expect(await takeFirstPage("", "-bpm", 0)).toBeNull();
    expect(await takeFirstPage("", undefined, 1)).toBeNull();
    expect(await takeFirstPage("", undefined, 0)).toEqual(page);
  });

  it("falls back when the early request failed", async () => {
    window.__samplemindFirstPage = { sort: "", response: answer({ error: { code: "storage" } }, 503) };
    expect(await takeFirstPage("", undefined, 0)).toBeNull();
    window.__samplemindFirstPage = { sort: "", response: Promise.reject(new TypeError("network")) };
    expect(await takeFirstPage("", undefined, 0)).toBeNull();
  });
});
