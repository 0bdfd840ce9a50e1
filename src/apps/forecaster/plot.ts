/**
 * A dependency-free SVG line chart for forecasts: time on x (calendar-aligned ticks), values on
 * y (1-2-5 ticks), one polyline per series (NaN breaks a line), a legend, optional vertical
 * markers (e.g. the forecast origin). Pure string building: works in Node and the browser.
 */

/** One line of the chart. */
export interface PlotSeries {
  name: string;
  /** Times in ms since the epoch (or plain numbers with `timeAxis: false`). */
  times: ArrayLike<number>;
  values: ArrayLike<number>;
  color?: string;
  /** SVG `stroke-dasharray`, e.g. `'6 4'`. */
  dash?: string;
  width?: number;
}

/** Options of {@link lineChartSVG}. */
export interface PlotOptions {
  title?: string;
  /** Label of the y axis (units). */
  yLabel?: string;
  /** Pixels. Default 960 × 440. */
  width?: number;
  height?: number;
  /** x values are times (ms) with calendar tick labels (default true), or plain numbers. */
  timeAxis?: boolean;
  /** Vertical dashed lines with a label at the top, e.g. `{ at: originTime, label: 'forecast origin' }`. */
  markers?: { at: number; label: string }[];
}

/** Default colours: actual values dark, model red, baselines blue / green / purple. */
export const PLOT_COLORS = { history: '#7f7f7f', actual: '#222222', model: '#d62728', persistence: '#1f77b4', seasonal: '#2ca02c', other: '#9467bd' } as const;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** "Nice" ticks (1, 2, 2.5, 5 × 10^k) from at or below `lo` to at or above `hi`, about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  // From the nice value at or below lo to the one at or above hi, so the axis ends on ticks.
  const k0 = Math.floor(lo / step + 1e-9);
  const k1 = Math.ceil(hi / step - 1e-9);
  for (let k = k0; k <= k1; k++) out.push(k === 0 ? 0 : +(k * step).toPrecision(12));
  return out;
}

function fmtNum(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(decimals + (step / 10 ** Math.floor(Math.log10(step)) === 2.5 ? 1 : 0), 10));
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
type TimeStep = { unit: 'ms'; step: number } | { unit: 'month'; step: number };
const TIME_STEPS: TimeStep[] = [
  ...[1, 2, 3, 6, 12].map((h) => ({ unit: 'ms' as const, step: h * HOUR })),
  ...[1, 2, 7, 14].map((d) => ({ unit: 'ms' as const, step: d * DAY })),
  ...[1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200].map((m) => ({ unit: 'month' as const, step: m })),
];

/** Calendar-aligned time ticks over [lo, hi] (ms) and a label formatter. */
export function timeTicks(lo: number, hi: number, target = 10): { ticks: number[]; label: (t: number) => string } {
  const span = Math.max(hi - lo, 1);
  const approx = (s: TimeStep): number => (s.unit === 'ms' ? s.step : s.step * 30.44 * DAY);
  const s = TIME_STEPS.find((c) => span / approx(c) <= target) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  const ticks: number[] = [];
  if (s.unit === 'ms') {
    // Align to the step (UTC midnight for days; Mondays are not special).
    for (let t = Math.ceil(lo / s.step) * s.step; t <= hi; t += s.step) ticks.push(t);
  } else {
    const d = new Date(lo);
    let m = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (Date.UTC(Math.floor(m / 12), m % 12, 1) < lo) m++;
    m = Math.ceil(m / s.step) * s.step;
    for (;;) {
      const t = Date.UTC(Math.floor(m / 12), m % 12, 1);
      if (t > hi) break;
      ticks.push(t);
      m += s.step;
    }
  }
  const iso = (t: number): string => new Date(t).toISOString();
  const label =
    s.unit === 'ms'
      ? s.step < DAY
        ? (t: number) => `${iso(t).slice(5, 10)} ${iso(t).slice(11, 16)}`
        : (t: number) => iso(t).slice(0, 10)
      : s.step < 12
        ? (t: number) => iso(t).slice(0, 7)
        : (t: number) => iso(t).slice(0, 4);
  return { ticks, label };
}

/**
 * An SVG line chart (a complete `<svg>` document as a string).
 *
 * @example
 * const svg = lineChartSVG([
 *   { name: 'actual', times, values: actual, color: PLOT_COLORS.actual },
 *   { name: 'model', times, values: forecast, color: PLOT_COLORS.model },
 * ], { title: 'OT, next 24 h', yLabel: '°C', markers: [{ at: origin, label: 'origin' }] });
 * await writeFile('forecast.svg', svg);
 */
export function lineChartSVG(series: readonly PlotSeries[], opts: PlotOptions = {}): string {
  const W = opts.width ?? 960;
  const Hh = opts.height ?? 440;
  const timeAxis = opts.timeAxis ?? true;
  const m = { left: 72, right: 20, top: opts.title ? 40 : 16, bottom: 64 };
  const pw = W - m.left - m.right;
  const ph = Hh - m.top - m.bottom;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.values.length; i++) {
      const t = s.times[i]!;
      const v = s.values[i]!;
      if (!Number.isFinite(t) || !Number.isFinite(v)) continue;
      x0 = Math.min(x0, t);
      x1 = Math.max(x1, t);
      y0 = Math.min(y0, v);
      y1 = Math.max(y1, v);
    }
  }
  if (!Number.isFinite(x0)) {
    x0 = 0;
    x1 = 1;
    y0 = 0;
    y1 = 1;
  }
  if (x1 === x0) x1 = x0 + 1;
  const yt = niceTicks(y0, y1, 6);
  const ylo = Math.min(y0, yt[0]!);
  const yhi = Math.max(y1, yt[yt.length - 1]!);
  const sx = (t: number): number => m.left + ((t - x0) / (x1 - x0)) * pw;
  const sy = (v: number): number => m.top + ph - ((v - ylo) / (yhi - ylo || 1)) * ph;
  const r = (v: number): string => v.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" viewBox="0 0 ${W} ${Hh}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${Hh}" fill="#ffffff"/>`);
  if (opts.title) out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>`);

  // Grid and y ticks.
  const ystep = yt.length > 1 ? yt[1]! - yt[0]! : 1;
  for (const v of yt) {
    const y = sy(v);
    out.push(`<line x1="${m.left}" y1="${r(y)}" x2="${m.left + pw}" y2="${r(y)}" stroke="#e5e5e5"/>`);
    out.push(`<line x1="${m.left - 5}" y1="${r(y)}" x2="${m.left}" y2="${r(y)}" stroke="#333"/>`);
    out.push(`<text x="${m.left - 8}" y="${r(y + 4)}" text-anchor="end">${esc(fmtNum(v, ystep))}</text>`);
  }
  // x ticks.
  let xt: number[];
  let xl: (t: number) => string;
  if (timeAxis) ({ ticks: xt, label: xl } = timeTicks(x0, x1));
  else {
    xt = niceTicks(x0, x1, 8).filter((t) => t >= x0 && t <= x1);
    const st = xt.length > 1 ? xt[1]! - xt[0]! : 1;
    xl = (t) => fmtNum(t, st);
  }
  for (const t of xt) {
    const x = sx(t);
    out.push(`<line x1="${r(x)}" y1="${m.top}" x2="${r(x)}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    out.push(`<line x1="${r(x)}" y1="${m.top + ph}" x2="${r(x)}" y2="${m.top + ph + 5}" stroke="#333"/>`);
    out.push(`<text x="${r(x)}" y="${m.top + ph + 19}" text-anchor="middle">${esc(xl(t))}</text>`);
  }
  // Axes.
  out.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${Hh - 30}" text-anchor="middle" fill="#333">${timeAxis ? 'time (UTC)' : 'step'}</text>`);
  if (opts.yLabel) out.push(`<text x="16" y="${m.top + ph / 2}" text-anchor="middle" fill="#333" transform="rotate(-90 16 ${m.top + ph / 2})">${esc(opts.yLabel)}</text>`);

  // Markers.
  for (const mk of opts.markers ?? []) {
    if (!(mk.at >= x0 && mk.at <= x1)) continue;
    const x = sx(mk.at);
    out.push(`<line x1="${r(x)}" y1="${m.top}" x2="${r(x)}" y2="${m.top + ph}" stroke="#888" stroke-dasharray="3 3"/>`);
    // Label right of the line, or left of it when it would run past the plot's right edge.
    const left = x + 4 + 6.5 * mk.label.length > m.left + pw;
    out.push(`<text x="${r(left ? x - 4 : x + 4)}" y="${m.top + 12}" fill="#555" font-size="11"${left ? ' text-anchor="end"' : ''}>${esc(mk.label)}</text>`);
  }

  // Lines (the axes span every finite point, so nothing needs clipping).
  out.push('<g fill="none" stroke-linejoin="round" stroke-linecap="round">');
  series.forEach((s, k) => {
    const color = s.color ?? Object.values(PLOT_COLORS)[k % 6]!;
    let d = '';
    let pen = false;
    let points = 0;
    for (let i = 0; i < s.values.length; i++) {
      const t = s.times[i]!;
      const v = s.values[i]!;
      if (!Number.isFinite(t) || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${r(sx(t))},${r(sy(v))}`;
      pen = true;
      points++;
    }
    if (!d) return;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<path d="${d}" stroke="${color}" stroke-width="${s.width ?? 1.6}"${dash}/>`);
    if (points === 1) {
      const [mx, my] = d.slice(1).split(',');
      out.push(`<circle cx="${mx}" cy="${my}" r="2.5" fill="${color}"/>`);
    }
  });
  out.push('</g>');

  // Legend, in one row below the x axis labels.
  let lx = m.left;
  const ly = Hh - 10;
  for (const [k, s] of series.entries()) {
    const color = s.color ?? Object.values(PLOT_COLORS)[k % 6]!;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="${color}" stroke-width="${Math.max(2, s.width ?? 1.6)}"${dash}/>`);
    out.push(`<text x="${lx + 30}" y="${ly}">${esc(s.name)}</text>`);
    lx += 30 + 7 * s.name.length + 22;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
