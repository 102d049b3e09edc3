import { useEffect, useRef } from "react";
import { useUi } from "../store/ui";

export const SHORTCUTS: Array<[string, string, string]> = [
  ["Anywhere", "?", "Show or hide this help"],
  ["Anywhere", "/", "Search (focus the query box)"],
  ["Anywhere", "Space", "Play / pause the preview"],
  ["Anywhere", "L", "Loop the preview on / off"],
  ["Anywhere", "Alt+1 … Alt+7", "Library, Search, Sound map, Stats, Scan, Upload, AI"],
  ["Anywhere", "Esc", "Close this help / clear the query box"],
  ["Sample list", "↑ ↓", "Move (previews follow while playing)"],
  ["Sample list", "Space", "Preview the selected sample"],
  ["Sample list", "Enter", "Open the selected sample"],
  ["Sample list", "F", "Favourite on / off"],
  ["Sample list", "Home End PgUp PgDn", "Jump"],
  ["Query box", "Tab / Enter", "Accept a suggestion"],
  ["Query box", "↑ ↓", "Choose a suggestion"],
  ["Sample page", "F", "Favourite on / off"],
  ["Sample page", "Drag on the waveform", "Make a loop region"],
  ["Sound map", "Wheel / drag", "Zoom / pan"],
  ["Sound map", "Shift+drag", "Lasso: select samples to make a collection"],
  ["Sound map", "0", "Reset the view"],
  ["AI advice", "Ctrl+Enter", "Ask the question"],
];

export function HelpOverlay() {
  const open = useUi((s) => s.helpOpen);
  const setOpen = useUi((s) => s.setHelpOpen);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) close.current?.focus();
  }, [open]);
  if (!open) return null;
  const groups = [...new Set(SHORTCUTS.map(([g]) => g))];
  return (
    <div className="overlay" role="presentation" onClick={() => setOpen(false)}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="help-title"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === "Escape" && setOpen(false)}
      >
        <div className="dialog-head">
          <h2 id="help-title">Keyboard shortcuts</h2>
          <button ref={close} type="button" onClick={() => setOpen(false)} aria-label="Close">×</button>
        </div>
        <div className="shortcut-groups">
          {groups.map((group) => (
            <section key={group}>
              <h3>{group}</h3>
              <dl>
                {SHORTCUTS.filter(([g]) => g === group).map(([, keys, what]) => (
                  <div key={keys + what} className="shortcut">
                    <dt><kbd>{keys}</kbd></dt>
                    <dd>{what}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
