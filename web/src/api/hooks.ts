/** TanStack Query hooks over the generated client: server state lives here only. */
import {
  keepPreviousData,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { api, unwrap, type Aspect, type Sample, type SamplePatch } from "./client";
import { takeFirstPage } from "./firstPage";

export const PAGE_SIZE = 200;

export interface SearchParams {
  q: string;
  sort?: string;
}

export function useHealth() {
  return useQuery({
    queryKey: ["health"],
    queryFn: ({ signal }) => unwrap(api.GET("/health", { signal })),
    staleTime: 60_000,
  });
}

/** One page (by offset) of a search: a virtual list asks for the pages it shows. */
export function useSearchPage(params: SearchParams, page: number, enabled = true) {
  return useQuery({
    queryKey: ["samples", params.q, params.sort ?? "", page],
    queryFn: async ({ signal }) =>
      (await takeFirstPage(params.q, params.sort, page)) ??
      unwrap(
        api.GET("/api/samples", {
          params: {
            query: {
              q: params.q,
              sort: params.sort || undefined,
              limit: PAGE_SIZE,
              offset: page * PAGE_SIZE,
            },
          },
          signal,
        }),
      ),
    enabled,
    placeholderData: page === 0 ? keepPreviousData : undefined,
    staleTime: 30_000,
    retry: (count, error) => !("status" in error && (error as { status: number }).status === 400) && count < 2,
  });
}

export function useSample(id: number) {
  return useQuery({
    queryKey: ["sample", id],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/samples/{sample_id}", { params: { path: { sample_id: id } }, signal })),
  });
}

export function useWaveform(id: number) {
  return useQuery({
    queryKey: ["waveform", id],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/samples/{sample_id}/waveform", {
          params: { path: { sample_id: id }, query: { points: 1200 } },
          signal,
        }),
      ),
    staleTime: Infinity,
  });
}

export function useSimilar(id: number, aspect: Aspect) {
  return useQuery({
    queryKey: ["similar", id, aspect],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/samples/{sample_id}/similar", {
          params: { path: { sample_id: id }, query: { aspect, n: 20 } },
          signal,
        }),
      ),
    retry: false,
  });
}

export function useStats(enabled = true) {
  return useQuery({
    queryKey: ["stats"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/stats", { signal })),
    enabled,
    staleTime: 30_000,
  });
}

export function useDuplicates(enabled: boolean) {
  return useQuery({
    queryKey: ["duplicates"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/duplicates", { signal })),
    enabled,
    staleTime: 60_000,
  });
}

export function useCollections() {
  return useQuery({
    queryKey: ["collections"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/collections", { signal })),
  });
}

export function useFolders() {
  return useQuery({
    queryKey: ["folders"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/library/folders", { signal })),
  });
}

export function useJobs() {
  return useQuery({
    queryKey: ["jobs"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/jobs", { signal })),
  });
}

export function useSoundMap() {
  return useQuery({
    queryKey: ["map"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/map", { signal })),
    staleTime: 60_000,
  });
}

/** Library state changed (scan, upload, delete): everything derived from it is stale. */
export function invalidateLibrary(client: ReturnType<typeof useQueryClient>) {
  for (const key of ["samples", "stats", "map", "folders", "duplicates", "collections", "jobs"]) {
    void client.invalidateQueries({ queryKey: [key] });
  }
}

export function usePatchSample(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: SamplePatch) =>
      unwrap(
        api.PATCH("/api/samples/{sample_id}", {
          params: { path: { sample_id: id } },
          body: {
            tags_add: [],
            tags_remove: [],
            collections_add: [],
            collections_remove: [],
            ...patch,
          },
        }),
      ),
    onSuccess: (sample: Sample) => {
      client.setQueryData(["sample", id], (old: unknown) =>
        old && typeof old === "object" ? { ...old, sample } : old,
      );
      void client.invalidateQueries({ queryKey: ["sample", id] });
      void client.invalidateQueries({ queryKey: ["samples"] });
      void client.invalidateQueries({ queryKey: ["collections"] });
      void client.invalidateQueries({ queryKey: ["stats"] });
    },
  });
}

export function useCreateCollection() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; sample_ids: number[] }) =>
      unwrap(api.POST("/api/collections", { body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["collections"] }),
  });
}

export function useStartScan() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (folders: string[] | null) =>
      unwrap(
        api.POST("/api/library/scans", {
          body: { folders, level: "standard", reanalyze: false, retry_failed: false },
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["jobs"] }),
  });
}
