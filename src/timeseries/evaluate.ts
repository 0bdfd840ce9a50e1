/**
 * Forecast evaluation with the naive baselines beside the model: on fixed windows
 * (`compareWithBaselines`) or by walk-forward / rolling origin (`evaluateWalkForward`).
 */
import { persistenceForecast, seasonalNaiveForecast, type ForecastOrigins } from './baselines.js';
import { TimeFrame } from './frame.js';
import { forecastMetrics, type ForecastMetricName } from './metrics.js';
import type { Fold } from './splits.js';
import type { Windows } from './windows.js';

/** Metric values by name. */
export type MetricValues = Partial<Record<ForecastMetricName, number>>;

/** Rows of a comparison: the model (when given), persistence, seasonal naive (when `season` is given). */
export interface BaselineComparison {
  windows: number;
  horizon: number;
  targets: string[];
  season?: number;
  model?: MetricValues;
  persistence: MetricValues;
  seasonalNaive?: MetricValues;
}

/** Options of {@link compareWithBaselines} and {@link evaluateWalkForward}. */
export interface CompareOptions {
  /** Default: mse, mae, rmse, mape, smape, mase, direction. */
  metrics?: readonly ForecastMetricName[];
  /** Seasonal period m: adds the seasonal-naive row and sets MASE's period. Without it MASE uses m = 1. */
  season?: number;
  /** MASE's in-sample series are the target rows [0, insampleEnd). Default: the rows up to the
   *  first forecast origin (pass `split.train.end` to scale by the training part only). */
  insampleEnd?: number;
}

const DEFAULT_METRICS: ForecastMetricName[] = ['mse', 'mae', 'rmse', 'mape', 'smape', 'mase', 'direction'];

function insampleOf(frame: TimeFrame, targets: readonly string[], end: number): Float64Array[] {
  if (!Number.isInteger(end) || end < 2 || end > frame.length) throw new Error(`insampleEnd must be an integer in [2, ${frame.length}], got ${end}`);
  return targets.map((t) => frame.column(t).subarray(0, end));
}

/**
 * Scores a model's forecast and the baselines on the same windows (and scale).
 *
 * @example
 * const w = makeWindows(scaled, { lookback: 96, horizon: 24, targets: cols, features: cols, range: split.test });
 * const yHat = model.predictArrays(w.x)[0].data;
 * const cmp = compareWithBaselines(scaled, w, yHat, { season: 24, insampleEnd: split.train.end });
 * console.log(formatComparison(cmp).join('\n'));
 */
export function compareWithBaselines(frame: TimeFrame, windows: Windows, prediction: ArrayLike<number> | null, opts: CompareOptions = {}): BaselineComparison {
  const y = windows.y.data;
  if (prediction && prediction.length !== y.length) {
    throw new Error(`compareWithBaselines: the prediction has ${prediction.length} values, expected ${windows.y.shape.join('×')} = ${y.length} like windows.y`);
  }
  return compare(frame, windows, y, prediction, opts);
}

function compare(frame: TimeFrame, w: ForecastOrigins, y: ArrayLike<number>, prediction: ArrayLike<number> | null, opts: CompareOptions): BaselineComparison {
  const metrics = opts.metrics ?? DEFAULT_METRICS;
  const reference = persistenceForecast(frame, w);
  const insample = metrics.includes('mase') ? insampleOf(frame, w.targets, opts.insampleEnd ?? w.originIndex[0] + 1) : undefined;
  const score = (yHat: ArrayLike<number>): MetricValues => forecastMetrics(y, yHat, { metrics, insample, season: opts.season, reference });
  const out: BaselineComparison = {
    windows: w.originIndex.length,
    horizon: w.horizon,
    targets: [...w.targets],
    persistence: score(reference),
  };
  if (opts.season !== undefined) {
    out.season = opts.season;
    out.seasonalNaive = score(seasonalNaiveForecast(frame, w, opts.season));
  }
  if (prediction) out.model = score(prediction);
  return out;
}

/** Forecaster for walk-forward evaluation: history rows → (horizon, C) forecast of the targets. */
export type FoldForecaster = (history: TimeFrame, fold: Fold) => ArrayLike<number>;

/**
 * Walk-forward (rolling-origin) evaluation: for each fold, `forecast` sees only the rows
 * [train.start, train.end) and returns the next `horizon` steps of the targets, (H, C) flat; the
 * metrics pool all folds. The baselines are scored on the same folds.
 *
 * @example
 * const folds = walkForward(frame, { horizon: 12, folds: 4 });
 * const r = evaluateWalkForward(frame, folds, (hist) => fitAndForecast(hist, 12), { targets: ['Passengers'], season: 12 });
 */
export function evaluateWalkForward(frame: TimeFrame, folds: readonly Fold[], forecast: FoldForecaster | null, opts: CompareOptions & { targets: readonly string[] }): BaselineComparison {
  if (folds.length === 0) throw new Error('evaluateWalkForward: no folds');
  const H = folds[0].test.end - folds[0].test.start;
  const targets = [...opts.targets];
  const C = targets.length;
  const cols = targets.map((t) => frame.column(t));
  const N = folds.length;
  const y = new Float64Array(N * H * C); // (N, H, C)
  const yHat = forecast ? new Float64Array(N * H * C) : null;
  const originIndex = new Int32Array(N);
  folds.forEach((f, i) => {
    if (f.test.end - f.test.start !== H || f.test.start !== f.origin + 1 || f.test.end > frame.length) {
      throw new Error(`evaluateWalkForward: fold ${i} must forecast rows [origin+1, origin+1+${H}) inside the ${frame.length}-row frame`);
    }
    originIndex[i] = f.origin;
    for (let h = 0; h < H; h++) for (let c = 0; c < C; c++) y[(i * H + h) * C + c] = cols[c][f.test.start + h];
    if (forecast && yHat) {
      const p = forecast(frame.slice(f.train.start, f.train.end), f);
      if (p.length !== H * C) throw new Error(`evaluateWalkForward: fold ${i}: the forecaster returned ${p.length} values, expected ${H}×${C}`);
      for (let k = 0; k < H * C; k++) yHat[i * H * C + k] = p[k];
    }
  });
  return compare(frame, { originIndex, horizon: H, targets }, y, yHat, opts);
}

/**
 * A plain-text table of a comparison, one line per forecaster.
 *
 * @example
 * formatComparison(cmp);
 * // [ '2857 windows × H 24 × 7 targets', 'forecaster       mse     mae ...', 'model          0.650   0.624 ...', 'persistence    1.222   0.671 ...' ]
 */
export function formatComparison(cmp: BaselineComparison, digits = 4): string[] {
  const rows: [string, MetricValues][] = [];
  if (cmp.model) rows.push(['model', cmp.model]);
  rows.push(['persistence', cmp.persistence]);
  if (cmp.seasonalNaive) rows.push([`seasonal naive (m=${cmp.season})`, cmp.seasonalNaive]);
  const names = Object.keys(cmp.persistence) as ForecastMetricName[];
  const w0 = Math.max(...rows.map(([n]) => n.length), 'forecaster'.length);
  const fmt = (v: number | undefined): string => (v === undefined ? '-' : Number.isNaN(v) ? 'nan' : v.toFixed(digits)).padStart(10);
  const lines = [`${cmp.windows} windows × H ${cmp.horizon} × ${cmp.targets.length} target${cmp.targets.length === 1 ? '' : 's'}`];
  lines.push(`${'forecaster'.padEnd(w0)}${names.map((n) => n.padStart(10)).join('')}`);
  for (const [name, v] of rows) lines.push(`${name.padEnd(w0)}${names.map((n) => fmt(v[n])).join('')}`);
  return lines;
}
