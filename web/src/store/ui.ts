/** UI state that is not the server's and not the URL's (zustand). */
import { create } from "zustand";

export interface Toast {
  id: number;
  text: string;
  kind: "info" | "error";
}

interface UiState {
  helpOpen: boolean;
  setHelpOpen: (open: boolean) => void;
  toasts: Toast[];
  toast: (text: string, kind?: Toast["kind"]) => void;
  dismiss: (id: number) => void;
}

let next = 1;

export const useUi = create<UiState>((set) => ({
  helpOpen: false,
  setHelpOpen: (helpOpen) => set({ helpOpen }),
  toasts: [],
  toast: (text, kind = "info") => {
    const id = next++;
    set((s) => ({ toasts: [...s.toasts, { id, text, kind }] }));
    setTimeout(() => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), 4000);
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));
