/**
 * Point-forecast metrics over flat arrays of actual values `y` and forecasts `ŷ` (any layout,
 * e.g. (N, H, C) windows flattened), accumulated in float64. With e = y − ŷ over n points:
 *
 *   MSE   = Σ e² / n                     RMSE = √MSE                MAE = Σ |e| / n
 *   MAPE  = 100 · Σ |e / y| / n'         over the n' points with y ≠ 0 (NaN if none)
 *   sMAPE = 200 · Σ |e| / (|y| + |ŷ|) / n   a point with y = ŷ = 0 counts 0  (M4 competition
 *           definition, range [0, 200]; not the older variant without the absolute values)
 *   MASE  = MAE / s,  s = Σ_{t=m}^{T−1} |x_t − x_{t−m}| / (T − m)   (Hyndman & Koehler 2006), the
 *           in-sample MAE of the seasonal-naive forecast with period m (1 = naive) on the training
 *           series x; with C channels each channel is scaled by its own s and the scaled errors pooled.
 *   direction accuracy = share of points with sign(y − r) = sign(ŷ − r), r the last observed value
 *           of that series before the forecast (the persistence forecast), so "up / down / flat"
 *           relative to the origin; a forecast equal to r (persistence) is "flat".
 */

/** Names of the metrics computed by {@link forecastMetrics}. */
export type ForecastMetricName = 'mse' | 'mae' | 'rmse' | 'mape' | 'smape' | 'mase' | 'direction';

type Values = ArrayLike<number>;

function check(fn: string, y: Values, yHat: Values): void {
  if (y.length !== yHat.length) throw new Error(`${fn}: y has ${y.length} values but the forecast has ${yHat.length}`);
  if (y.length === 0) throw new Error(`${fn}: no values`);
}

/**
 * Mean squared error.
 *
 * @example
 * mse([1, 2, 3], [1, 2, 5]); // → 4/3
 */
export function mse(y: Values, yHat: Values): number {
  check('mse', y, yHat);
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const e = y[i] - yHat[i];
    s += e * e;
  }
  return s / y.length;
}

/**
 * Root mean squared error, in the units of y.
 *
 * @example
 * rmse([1, 2, 3], [1, 2, 5]); // → 1.1547
 */
export function rmse(y: Values, yHat: Values): number {
  return Math.sqrt(mse(y, yHat));
}

/**
 * Mean absolute error.
 *
 * @example
 * mae([1, 2, 3], [1, 2, 5]); // → 2/3
 */
export function mae(y: Values, yHat: Values): number {
  check('mae', y, yHat);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i] - yHat[i]);
  return s / y.length;
}

/**
 * Mean absolute percentage error, in percent; points with y = 0 are left out (NaN if all are 0).
 *
 * @example
 * mape([100, 200], [110, 180]); // → 10
 */
export function mape(y: Values, yHat: Values): number {
  check('mape', y, yHat);
  let s = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 0) continue;
    s += Math.abs((y[i] - yHat[i]) / y[i]);
    n++;
  }
  return n === 0 ? NaN : (100 * s) / n;
}

/**
 * Symmetric MAPE as in the M4 competition: 200/n · Σ |y − ŷ| / (|y| + |ŷ|), in [0, 200].
 *
 * @example
 * smape([100, 0], [110, 0]); // → (200 · 10/210 + 0) / 2 ≈ 4.762
 */
export function smape(y: Values, yHat: Values): number {
  check('smape', y, yHat);
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const d = Math.abs(y[i]) + Math.abs(yHat[i]);
    if (d > 0) s += Math.abs(y[i] - yHat[i]) / d;
  }
  return (200 * s) / y.length;
}

/**
 * The MASE scale of a training series: in-sample MAE of the seasonal-naive forecast
 * x̂_t = x_{t−m}. Throws when the series has no more than m values or the scale is 0.
 *
 * @example
 * maseScale([1, 3, 2, 5], 1); // → (2 + 1 + 3) / 3 = 2
 */
export function maseScale(insample: Values, season = 1): number {
  if (!Number.isInteger(season) || season < 1) throw new Error(`maseScale: season must be an integer ≥ 1, got ${season}`);
  const T = insample.length;
  if (T <= season) throw new Error(`maseScale: the in-sample series has ${T} values; a seasonal period of ${season} needs more`);
  let s = 0;
  for (let t = season; t < T; t++) s += Math.abs(insample[t] - insample[t - season]);
  s /= T - season;
  if (!(s > 0)) throw new Error(`maseScale: the in-sample seasonal-naive error is ${s} (constant series?); MASE is undefined`);
  return s;
}

/**
 * Mean absolute scaled error (Hyndman & Koehler 2006) with seasonal period `season`. For one
 * series pass its training values as `insample`; for C channels interleaved on the last axis of
 * `y` (layout (..., C)), pass one training series per channel.
 *
 * @example
 * mase([6, 4], [5, 5], { insample: [1, 3, 2, 5] });               // → MAE 1 / scale 2 = 0.5
 * mase(w.y.data, yHat, { insample: trainCols, season: 24 });      // (N, H, C) with C = trainCols.length
 */
export function mase(y: Values, yHat: Values, opts: { insample: Values | readonly Values[]; season?: number }): number {
  check('mase', y, yHat);
  const m = opts.season ?? 1;
  const ins = opts.insample;
  const series: Values[] = ins.length > 0 && typeof ins[0] !== 'number' ? [...(ins as readonly Values[])] : [ins as Values];
  const C = series.length;
  if (y.length % C !== 0) throw new Error(`mase: ${y.length} values do not split into ${C} channels`);
  const scale = series.map((x) => maseScale(x, m));
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i] - yHat[i]) / scale[i % C];
  return s / y.length;
}

/**
 * Direction accuracy: the share of points where the forecast moves the same way (up, down or
 * flat) from the reference `r` as the actual value; `r` is the last observed value, i.e. the
 * persistence forecast, laid out like `y`.
 *
 * @example
 * directionAccuracy([11, 9, 12], [10.5, 9.5, 9], [10, 10, 10]); // → 2/3
 */
export function directionAccuracy(y: Values, yHat: Values, reference: Values): number {
  check('directionAccuracy', y, yHat);
  if (reference.length !== y.length) throw new Error(`directionAccuracy: reference has ${reference.length} values, expected ${y.length}`);
  let k = 0;
  for (let i = 0; i < y.length; i++) if (Math.sign(y[i] - reference[i]) === Math.sign(yHat[i] - reference[i])) k++;
  return k / y.length;
}

/** Options of {@link forecastMetrics}. */
export interface ForecastMetricOptions {
  /** Which metrics. Default: mse, mae, rmse, plus mape/smape, plus mase when `insample` is given,
   *  plus direction when `reference` is given. */
  metrics?: readonly ForecastMetricName[];
  /** Training series (one per channel) for MASE. */
  insample?: Values | readonly Values[];
  /** Seasonal period for MASE. Default 1. */
  season?: number;
  /** Last observed values laid out like y (the persistence forecast), for direction accuracy. */
  reference?: Values;
}

/**
 * Several metrics at once.
 *
 * @example
 * forecastMetrics(w.y.data, yHat, { insample: train.column('OT'), season: 24 });
 * // → { mse, mae, rmse, mape, smape, mase }
 */
export function forecastMetrics(y: Values, yHat: Values, opts: ForecastMetricOptions = {}): Partial<Record<ForecastMetricName, number>> {
  const names: readonly ForecastMetricName[] = opts.metrics ?? [
    'mse',
    'mae',
    'rmse',
    'mape',
    'smape',
    ...(opts.insample ? (['mase'] as const) : []),
    ...(opts.reference ? (['direction'] as const) : []),
  ];
  const out: Partial<Record<ForecastMetricName, number>> = {};
  for (const name of names) {
    switch (name) {
      case 'mse': out.mse = mse(y, yHat); break;
      case 'mae': out.mae = mae(y, yHat); break;
      case 'rmse': out.rmse = rmse(y, yHat); break;
      case 'mape': out.mape = mape(y, yHat); break;
      case 'smape': out.smape = smape(y, yHat); break;
      case 'mase':
        if (!opts.insample) throw new Error('forecastMetrics: mase needs insample (the training series)');
        out.mase = mase(y, yHat, { insample: opts.insample, season: opts.season });
        break;
      case 'direction':
        if (!opts.reference) throw new Error('forecastMetrics: direction needs reference (the last observed values)');
        out.direction = directionAccuracy(y, yHat, opts.reference);
        break;
      default:
        throw new Error(`forecastMetrics: unknown metric ${JSON.stringify(name)}; expected mse, mae, rmse, mape, smape, mase or direction`);
    }
  }
  return out;
}
