/** A small SVG bar chart (no chart library: a few rects are enough and cost nothing). */
export interface BarsProps {
  data: Array<[string, number]>;
  label: string;
  horizontal?: boolean;
  unit?: string;
  color?: string;
}

export function Bars({ data, label, horizontal = false, unit = "", color = "#5ec8ff" }: BarsProps) {
  const max = Math.max(1, ...data.map(([, v]) => v));
  if (horizontal) {
    return (
      <div className="hbars" role="list" aria-label={label}>
        {data.map(([name, value]) => (
          <div key={name} className="hbar" role="listitem" aria-label={`${name}: ${value}`}>
            <span className="hbar-label">{name}</span>
            <span className="hbar-track">
              <span className="hbar-fill" style={{ width: `${(value / max) * 100}%`, background: color }} />
            </span>
            <span className="hbar-value num">{value.toLocaleString("en")}</span>
          </div>
        ))}
      </div>
    );
  }
  const w = 560;
  const h = 160;
  const bw = data.length ? w / data.length : w;
  return (
    <svg viewBox={`0 0 ${w} ${h + 20}`} className="vbars" role="img" aria-label={label} preserveAspectRatio="none">
      {data.map(([name, value], i) => {
        const bh = (value / max) * h;
        return (
          <g key={name}>
            <title>{`${name}${unit}: ${value}`}</title>
            <rect x={i * bw + 1} y={h - bh} width={Math.max(1, bw - 2)} height={bh} fill={color} rx={1} />
            {(data.length <= 16 || i % Math.ceil(data.length / 12) === 0) && (
              <text x={i * bw + bw / 2} y={h + 14} textAnchor="middle" className="axis">
                {name}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
