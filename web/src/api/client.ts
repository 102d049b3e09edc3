/**
 * The API client: openapi-fetch over the types generated from /api/openapi.json
 * (src/api/schema.d.ts — never edited by hand; `make client` regenerates it).
 */
import createClient from "openapi-fetch";
import type { Readable } from "openapi-typescript-helpers";
import type { components, paths } from "./schema";

/** The schemas as openapi-fetch hands them back: its `Readable<>` turns tuples such as a sample
 * type's `top: [label, probability][]` into plain arrays, so the views use the same view. */
export type Schemas = { [K in keyof components["schemas"]]: Readable<components["schemas"][K]> };
export type Sample = Schemas["Sample"];
export type SearchHit = Schemas["SearchHit"];
export type SamplePage = Schemas["SamplePage"];
export type SampleDetail = Schemas["SampleDetail"];
export type AnalysisResult = Schemas["AnalysisResult"];
export type Stats = Schemas["Stats"];
export type Job = Schemas["JobOut"];
export type Folder = Schemas["FolderOut"];
export type SoundMap = Schemas["SoundMapOut"];
export type Waveform = Schemas["Waveform"];
export type Health = Schemas["Health"];
export type Collection = Schemas["Collection"];
export type DuplicateGroup = Schemas["DuplicateGroupOut"];
export type SimilarPage = Schemas["SimilarPage"];
export type AnalyzeResponse = Schemas["AnalyzeResponse"];
export type Aspect = NonNullable<
  NonNullable<paths["/api/samples/{sample_id}/similar"]["get"]["parameters"]["query"]>["aspect"]
>;
export type SamplePatch = Schemas["SamplePatch"];

/** An error the API answered with (`{"error": {"code", "message"}}`), or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly position?: number | null;
  constructor(status: number, code: string, message: string, position?: number | null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.position = position;
  }
}

// fetch is looked up per call (tests and the service worker may replace it).
export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "", fetch: (request) => globalThis.fetch(request) });

/** The data of an openapi-fetch result, or an ApiError thrown with the problem body. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (exc) {
    if (exc instanceof DOMException && exc.name === "AbortError") throw exc;
    throw new ApiError(0, "network", "The server cannot be reached. Is `samplemind serve` running?");
  }
  const { data, error, response } = result;
  if (!response.ok || error !== undefined) {
    const body = (error ?? {}) as { error?: { code?: string; message?: string; position?: number } };
    throw new ApiError(
      response.status,
      body.error?.code ?? `http_${response.status}`,
      body.error?.message ?? response.statusText ?? "request failed",
      body.error?.position,
    );
  }
  return data as T;
}

/** URLs the browser loads itself (audio elements, drag and drop). */
export const audioUrl = (id: number) => `/api/samples/${id}/audio`;
export const absoluteAudioUrl = (id: number) => new URL(audioUrl(id), window.location.origin).href;
