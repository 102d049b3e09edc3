/**
 * The Camelot wheel: minor keys (A) inside, major keys (B) outside, 12 at the top. Selected
 * keys are filled; their compatible keys (±1, relative) are outlined. With `counts` it is a
 * chart: each key shaded by how many samples are in it.
 */
import { compatibleCodes, fromCamelot, shortKeyName } from "../lib/music";

export interface CamelotWheelProps {
  selected?: string[];
  onToggle?: (code: string) => void;
  counts?: Record<string, number>;
  size?: number;
  label?: string;
}

const TAU = Math.PI * 2;

function arc(cx: number, cy: number, r0: number, r1: number, a0: number, a1: number): string {
  const p = (r: number, a: number) => `${cx + r * Math.sin(a)},${cy - r * Math.cos(a)}`;
  return `M${p(r1, a0)} A${r1},${r1} 0 0 1 ${p(r1, a1)} L${p(r0, a1)} A${r0},${r0} 0 0 0 ${p(r0, a0)} Z`;
}

export function CamelotWheel({ selected = [], onToggle, counts, size = 260, label = "Camelot wheel" }: CamelotWheelProps) {
  const c = size / 2;
  const compatible = new Set(selected.flatMap(compatibleCodes));
  const max = counts ? Math.max(1, ...Object.values(counts)) : 1;
  const rings: Array<{ letter: "A" | "B"; r0: number; r1: number }> = [
    { letter: "A", r0: c * 0.34, r1: c * 0.64 },
    { letter: "B", r0: c * 0.66, r1: c * 0.98 },
  ];
  return (
    <svg viewBox={`0 0 ${size} ${size}`} width={size} height={size} role="group" aria-label={label} className="camelot">
      {rings.flatMap(({ letter, r0, r1 }) =>
        Array.from({ length: 12 }, (_, i) => {
          const n = i + 1;
          const code = `${n}${letter}`;
          const key = fromCamelot(code);
          const a0 = ((n - 0.5) / 12) * TAU;
          const a1 = ((n + 0.5) / 12) * TAU;
          const mid = (a0 + a1) / 2;
          const rm = (r0 + r1) / 2;
          const isSelected = selected.includes(code);
          const isCompatible = !isSelected && compatible.has(code);
          const count = counts?.[code] ?? 0;
          const hue = ((n - 1) * 30 + 90) % 360;
          const fill = counts
            ? `hsla(${hue}, 70%, 50%, ${0.08 + 0.92 * (count / max)})`
            : isSelected
              ? `hsl(${hue}, 70%, 48%)`
              : isCompatible
                ? `hsla(${hue}, 70%, 48%, 0.35)`
                : `hsla(${hue}, 40%, 30%, 0.35)`;
          const name = key ? shortKeyName(key) : code;
          const title = counts ? `${code} ${name}: ${count} samples` : `${code} ${name}${isCompatible ? " (compatible)" : ""}`;
          const interactive = Boolean(onToggle);
          return (
            <g
              key={code}
              role={interactive ? "checkbox" : "img"}
              aria-checked={interactive ? isSelected : undefined}
              aria-label={title}
              tabIndex={interactive ? 0 : undefined}
              className={`wheel-key${isSelected ? " selected" : ""}${isCompatible ? " compatible" : ""}`}
              onClick={() => onToggle?.(code)}
              onKeyDown={(e) => {
                if (onToggle && (e.key === " " || e.key === "Enter")) {
                  e.preventDefault();
                  onToggle(code);
                }
              }}
              style={{ cursor: interactive ? "pointer" : "default" }}
            >
              <title>{title}</title>
              <path
                d={arc(c, c, r0, r1, a0, a1)}
                fill={fill}
                stroke={isCompatible ? "#e6e8eb" : "#111418"}
                strokeWidth={isCompatible ? 2 : 1}
              />
              <text x={c + rm * Math.sin(mid)} y={c - rm * Math.cos(mid) - 2} textAnchor="middle" className="wheel-code">
                {code}
              </text>
              <text x={c + rm * Math.sin(mid)} y={c - rm * Math.cos(mid) + 10} textAnchor="middle" className="wheel-name">
                {counts ? count : name}
              </text>
            </g>
          );
        }),
      )}
    </svg>
  );
}
