/**
 * Naive baselines, computed on exactly the windows a model is evaluated on (same origins, same
 * horizon, same targets, same scale), so every report can put them beside the model.
 *
 *   persistence:     ŷ[o + h] = y[o]                          h = 1 … H
 *   seasonal naive:  ŷ[o + h] = y[o + h − m·⌈h/m⌉]            the value one season (period m) before,
 *                                                             taken from the last observed season
 *
 * Both read the frame the windows were cut from (not `x`), so they work whatever the lookback and
 * whether or not the targets are inputs.
 */
import { TimeFrame } from './frame.js';
import type { Windows } from './windows.js';

/** The part of {@link Windows} the baselines need: origins, horizon, targets. */
export type ForecastOrigins = Pick<Windows, 'originIndex' | 'horizon' | 'targets'> & { originTime?: Float64Array };

function targetColumns(fn: string, frame: TimeFrame, w: ForecastOrigins): Float64Array[] {
  const N = w.originIndex.length;
  if (N === 0) throw new Error(`${fn}: no windows`);
  const last = w.originIndex[N - 1] + w.horizon;
  if (last >= frame.length) throw new Error(`${fn}: the windows reach row ${last} but the frame has ${frame.length} rows; pass the frame the windows were cut from`);
  if (w.originTime) {
    for (const i of [0, N - 1]) {
      if (frame.times[w.originIndex[i]] !== w.originTime[i]) throw new Error(`${fn}: window ${i} has its origin at another time in this frame; pass the frame the windows were cut from`);
    }
  }
  return w.targets.map((t) => frame.column(t));
}

/**
 * Persistence (naive) forecast: the last observed value of each target, repeated over the
 * horizon. Returns (N, H, C) like `windows.y`.
 *
 * @example
 * const yHat = persistenceForecast(scaled, w);
 * mse(w.y.data, yHat); // ETTh1 multivariate, L 96, H 24, test → 1.222
 */
export function persistenceForecast(frame: TimeFrame, windows: ForecastOrigins): Float32Array {
  const cols = targetColumns('persistenceForecast', frame, windows);
  const N = windows.originIndex.length;
  const H = windows.horizon;
  const C = cols.length;
  const out = new Float32Array(N * H * C); // (N, H, C)
  for (let i = 0; i < N; i++) {
    const o = windows.originIndex[i];
    for (let h = 0; h < H; h++) for (let c = 0; c < C; c++) out[(i * H + h) * C + c] = cols[c][o];
  }
  return out;
}

/**
 * Seasonal-naive forecast with period `season` (m): each step takes the value m·⌈h/m⌉ rows
 * earlier, i.e. the same phase of the last fully observed season. m = 1 is persistence.
 * Needs m rows up to each origin. Returns (N, H, C).
 *
 * @example
 * const yHat = seasonalNaiveForecast(airline, w, 12); // monthly data, yearly season
 */
export function seasonalNaiveForecast(frame: TimeFrame, windows: ForecastOrigins, season: number): Float32Array {
  if (!Number.isInteger(season) || season < 1) throw new Error(`seasonalNaiveForecast: season must be an integer ≥ 1, got ${season}`);
  const cols = targetColumns('seasonalNaiveForecast', frame, windows);
  const N = windows.originIndex.length;
  const H = windows.horizon;
  const C = cols.length;
  if (windows.originIndex[0] + 1 < season) {
    throw new Error(`seasonalNaiveForecast: a season of ${season} rows needs origins ≥ row ${season - 1}, but the first window's origin is row ${windows.originIndex[0]}; restrict the windows (range.start ≥ ${season})`);
  }
  const out = new Float32Array(N * H * C); // (N, H, C)
  for (let i = 0; i < N; i++) {
    const o = windows.originIndex[i];
    for (let h = 1; h <= H; h++) {
      const src = o + h - season * Math.ceil(h / season);
      for (let c = 0; c < C; c++) out[((i * H + h - 1) * C) + c] = cols[c][src];
    }
  }
  return out;
}
