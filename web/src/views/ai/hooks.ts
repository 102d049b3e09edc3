/** TanStack Query hooks over the generated client for /api/ai/... (the panel's server state). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, unwrap, type Schemas } from "../../api/client";

export type AiStatus = Schemas["StatusOut"];
export type Feature = Schemas["FeatureOut"];
export type SearchOut = Schemas["SearchOut"];
export type DescribeOut = Schemas["DescribeOut"];
export type StoredDescription = Schemas["StoredDescriptionOut"];
export type CostsOut = Schemas["CostsOut"];
export type ProjectionOut = Schemas["ProjectionOut"];
export type Priority = Schemas["SearchIn"]["priority"];

export function useAiStatus() {
  return useQuery({
    queryKey: ["ai", "status"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/ai/status", { signal })),
    staleTime: 15_000,
  });
}

/** A natural-language search (the text lives in the URL, so it is bookmarkable). */
export function useNlSearch(text: string) {
  return useQuery({
    queryKey: ["ai", "search", text],
    queryFn: ({ signal }) => unwrap(api.POST("/api/ai/search", { body: { text, limit: 50, run: true, priority: "cost" }, signal })),
    enabled: text.trim().length > 0,
    staleTime: Infinity, // a model call costs: the same words are not asked twice
    retry: false,
  });
}

/** A few samples of a query, for choosing what to describe or ask about. */
export function usePickerSearch(q: string) {
  return useQuery({
    queryKey: ["samples", q, "", "picker"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/samples", { params: { query: { q, limit: 24, offset: 0 } }, signal })),
    enabled: q.trim().length > 0,
    staleTime: 30_000,
    retry: false,
  });
}

export function useSampleById(id: number | null) {
  return useQuery({
    queryKey: ["sample", id],
    queryFn: ({ signal }) => unwrap(api.GET("/api/samples/{sample_id}", { params: { path: { sample_id: id as number } }, signal })),
    enabled: id !== null,
  });
}

/** The stored description of a sample; null when it has none yet (a 404 is an answer here). */
export function useStoredDescription(id: number | null) {
  return useQuery({
    queryKey: ["ai", "description", id],
    queryFn: async ({ signal }) => {
      try {
        return await unwrap(api.GET("/api/ai/descriptions/{sample_id}", { params: { path: { sample_id: id as number } }, signal }));
      } catch (exc) {
        if (exc instanceof ApiError && exc.status === 404) return null;
        throw exc;
      }
    },
    enabled: id !== null,
    retry: false,
  });
}

export function useDescribe() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { sample_id: number; priority: Priority }) => unwrap(api.POST("/api/ai/describe", { body })),
    onSuccess: (out) => {
      for (const key of [["ai", "description", out.sample.id], ["sample", out.sample.id], ["samples"], ["stats"], ["ai", "status"], ["ai", "costs"]]) {
        void client.invalidateQueries({ queryKey: key });
      }
    },
  });
}

export function useCosts(month: string) {
  return useQuery({
    queryKey: ["ai", "costs", month],
    queryFn: ({ signal }) => unwrap(api.GET("/api/ai/costs", { params: { query: { month: month || undefined } }, signal })),
  });
}

export interface ProjectionParams {
  requests: number;
  tokens: number;
}

export function useProjection(params: ProjectionParams, enabled: boolean) {
  return useQuery({
    queryKey: ["ai", "projection", params.requests, params.tokens],
    queryFn: ({ signal }) => unwrap(api.GET("/api/ai/projection", { params: { query: { requests: params.requests, tokens: params.tokens } }, signal })),
    enabled,
    staleTime: 60_000,
  });
}
