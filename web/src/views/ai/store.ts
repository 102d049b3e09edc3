/**
 * UI state of the AI panel (zustand) that must outlive a tab switch: the advice being
 * streamed, a batch of descriptions in progress, the last kit. Each has a cancel: the fetch is
 * aborted, so the server sees the disconnect and stops the model.
 */
import { create } from "zustand";
import { ApiError, api, unwrap, type Schemas } from "../../api/client";
import { postEvents } from "./sse";

export type Route = Schemas["RouteOut"];
export type AdviseIn = Schemas["AdviseIn"];
export type KitIn = Schemas["KitIn"];
export type KitOut = Schemas["KitOut"];
export type DescribeBatchIn = Schemas["DescribeBatchIn"];
export type RunStatus = "idle" | "running" | "done" | "error" | "cancelled";

export interface BatchItem {
  sample_id: number;
  name: string;
  status: "described" | "skipped" | "failed";
  tags: string[];
  error: { code: string; message: string } | null;
}
export interface BatchSummary {
  total: number;
  described: number;
  skipped: number;
  failed: number;
  cost_usd: number;
  stopped: string | null;
}

export interface AiState {
  advice: { status: RunStatus; text: string; tokens: number; route: Route | null; error: unknown };
  batch: { status: RunStatus; done: number; total: number; items: BatchItem[]; summary: BatchSummary | null; error: unknown };
  kit: { status: RunStatus; brief: string; result: KitOut | null; error: unknown };
  ask: (body: AdviseIn) => Promise<void>;
  cancelAdvice: () => void;
  describeAll: (body: DescribeBatchIn) => Promise<void>;
  cancelBatch: () => void;
  buildKit: (body: KitIn) => Promise<void>;
  cancelKit: () => void;
}

const isAbort = (exc: unknown) => exc instanceof DOMException && exc.name === "AbortError";

export const useAi = create<AiState>((set, get) => {
  const controllers: Record<"advice" | "batch" | "kit", AbortController | null> = { advice: null, batch: null, kit: null };
  const begin = (which: keyof typeof controllers) => {
    controllers[which]?.abort();
    const controller = new AbortController();
    controllers[which] = controller;
    return controller;
  };
  const current = (which: keyof typeof controllers, controller: AbortController) => controllers[which] === controller;

  return {
    advice: { status: "idle", text: "", tokens: 0, route: null, error: null },
    batch: { status: "idle", done: 0, total: 0, items: [], summary: null, error: null },
    kit: { status: "idle", brief: "", result: null, error: null },

    async ask(body) {
      const controller = begin("advice");
      set({ advice: { status: "running", text: "", tokens: 0, route: null, error: null } });
      try {
        await postEvents(
          "/api/ai/advise",
          body,
          (event, data) => {
            if (!current("advice", controller)) return;
            const advice = get().advice;
            if (event === "token") {
              set({ advice: { ...advice, text: advice.text + (data as { text: string }).text, tokens: advice.tokens + 1 } });
            } else if (event === "end") {
              const end = data as { text: string; route: Route };
              set({ advice: { ...advice, status: "done", text: end.text, route: end.route } });
            }
          },
          controller.signal,
        );
        if (current("advice", controller) && get().advice.status === "running") {
          set({ advice: { ...get().advice, status: "error", error: new ApiError(200, "stream_ended", "the stream ended before the answer was complete") } });
        }
      } catch (exc) {
        if (!current("advice", controller)) return;
        set({ advice: { ...get().advice, status: isAbort(exc) ? "cancelled" : "error", error: isAbort(exc) ? null : exc } });
      }
    },
    cancelAdvice() {
      controllers.advice?.abort();
    },

    async describeAll(body) {
      const controller = begin("batch");
      set({ batch: { status: "running", done: 0, total: 0, items: [], summary: null, error: null } });
      try {
        await postEvents(
          "/api/ai/describe/batch",
          body,
          (event, data) => {
            if (!current("batch", controller)) return;
            const batch = get().batch;
            if (event === "progress") {
              const p = data as { done: number; total: number; item: BatchItem };
              set({ batch: { ...batch, done: p.done, total: p.total, items: [...batch.items, p.item] } });
            } else if (event === "end") {
              const summary = data as BatchSummary;
              set({ batch: { ...batch, status: "done", total: summary.total, summary } });
            }
          },
          controller.signal,
        );
      } catch (exc) {
        if (!current("batch", controller)) return;
        set({ batch: { ...get().batch, status: isAbort(exc) ? "cancelled" : "error", error: isAbort(exc) ? null : exc } });
      }
    },
    cancelBatch() {
      controllers.batch?.abort();
    },

    async buildKit(body) {
      const controller = begin("kit");
      set({ kit: { status: "running", brief: body.brief, result: null, error: null } });
      try {
        const result = await unwrap(api.POST("/api/ai/kit", { body, signal: controller.signal }));
        if (current("kit", controller)) set({ kit: { ...get().kit, status: "done", result } });
      } catch (exc) {
        if (!current("kit", controller)) return;
        set({ kit: { ...get().kit, status: isAbort(exc) || controller.signal.aborted ? "cancelled" : "error", error: isAbort(exc) ? null : exc } });
      }
    },
    cancelKit() {
      controllers.kit?.abort();
    },
  };
});
