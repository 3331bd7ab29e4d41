// Two small SVG charts drawn without a charting library: horizontal bars and lines with interval whiskers.

export interface Bar {
  label: string;
  value: number;
  highlight?: boolean;
}

/** Horizontal bars; negative values extend left of the zero line. */
export function BarChart({ bars, testId }: { bars: Bar[]; testId?: string }) {
  const width = 420;
  const labelWidth = 130;
  const rowHeight = 22;
  const low = Math.min(0, ...bars.map((b) => b.value));
  const high = Math.max(0, ...bars.map((b) => b.value));
  const span = high - low || 1;
  const x = (v: number) => labelWidth + ((v - low) / span) * (width - labelWidth - 50);
  return (
    <svg className="chart" width={width} height={bars.length * rowHeight + 4} data-testid={testId} role="img" aria-label="class scores">
      {bars.map((bar, i) => {
        const y = i * rowHeight + 2;
        const from = x(Math.min(0, bar.value));
        const to = x(Math.max(0, bar.value));
        return (
          <g key={bar.label} data-label={bar.label} data-value={bar.value}>
            <text x={labelWidth - 6} y={y + 15} textAnchor="end">
              {bar.label}
            </text>
            <rect x={from} y={y + 3} width={Math.max(1, to - from)} height={rowHeight - 6} className={bar.highlight ? "bar highlight" : "bar"} />
            <text x={to + 4} y={y + 15}>
              {bar.value.toFixed(2)}
            </text>
          </g>
        );
      })}
      <line x1={x(0)} x2={x(0)} y1={0} y2={bars.length * rowHeight + 4} className="axis" />
    </svg>
  );
}

export interface Series {
  name: string;
  points: Array<{ x: number; y: number; ci?: readonly [number, number] | null }>;
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

/** Lines over a log-scaled x axis (K = 5, 10, 100) with 95% interval whiskers; y in [0, 1]. */
export function LineChart({ series, xLabel, yLabel, testId }: { series: Series[]; xLabel: string; yLabel: string; testId?: string }) {
  const width = 640;
  const height = 280;
  const pad = { left: 44, right: 210, top: 10, bottom: 34 };
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const lx = (v: number) => Math.log10(v);
  const [x0, x1] = [lx(xs[0]), lx(xs[xs.length - 1])];
  const px = (v: number) => pad.left + (x1 === x0 ? 0.5 : (lx(v) - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const py = (v: number) => pad.top + (1 - v) * (height - pad.top - pad.bottom);
  return (
    <svg className="chart" width={width} height={height} data-testid={testId} role="img" aria-label={`${yLabel} by ${xLabel}`}>
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={pad.left} x2={width - pad.right} y1={py(t)} y2={py(t)} className="gridline" />
          <text x={pad.left - 6} y={py(t) + 4} textAnchor="end">
            {t}
          </text>
        </g>
      ))}
      {xs.map((v) => (
        <text key={v} x={px(v)} y={height - pad.bottom + 16} textAnchor="middle">
          {v}
        </text>
      ))}
      <text x={(pad.left + width - pad.right) / 2} y={height - 4} textAnchor="middle">
        {xLabel}
      </text>
      {series.map((s, i) => {
        const colour = COLOURS[i % COLOURS.length];
        const points = [...s.points].sort((a, b) => a.x - b.x);
        return (
          <g key={s.name} data-series={s.name}>
            <polyline fill="none" stroke={colour} strokeWidth={2} points={points.map((p) => `${px(p.x)},${py(p.y)}`).join(" ")} />
            {points.map((p) => (
              <g key={p.x}>
                <circle cx={px(p.x)} cy={py(p.y)} r={3} fill={colour} />
                {p.ci && <line x1={px(p.x)} x2={px(p.x)} y1={py(p.ci[0])} y2={py(p.ci[1])} stroke={colour} />}
              </g>
            ))}
            <text x={width - pad.right + 8} y={pad.top + 14 + i * 16} fill={colour}>
              {s.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
