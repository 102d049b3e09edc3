/**
 * The library's first page of rows, asked for by index.html before the app's JavaScript ran.
 *
 * Taken once, and only for the query it was made for (the library: no query, the URL's sort);
 * anything else, or a failed answer, falls back to an ordinary request.
 */
import type { SamplePage } from "./client";

interface Early {
  sort: string;
  response: Promise<Response>;
}

declare global {
  interface Window {
    __samplemindFirstPage?: Early;
  }
}

export async function takeFirstPage(q: string, sort: string | undefined, page: number): Promise<SamplePage | null> {
  const early = window.__samplemindFirstPage;
  if (!early || page !== 0 || q !== "" || early.sort !== (sort ?? "")) return null;
  window.__samplemindFirstPage = undefined;
  try {
    const response = await early.response;
    return response.ok ? ((await response.json()) as SamplePage) : null;
  } catch {
    return null;
  }
}
