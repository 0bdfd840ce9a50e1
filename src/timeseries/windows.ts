/**
 * Sliding windows for supervised forecasting, and recursive (iterated one-step) forecasting.
 *
 * A window has a forecast origin `o` (a row index of the frame): the input is rows
 * [o − lookback + 1, o] of the feature columns, the target rows [o + 1, o + horizon] of the target
 * columns. Direct multi-step models predict all `horizon` steps at once from `x`; recursive
 * forecasting predicts one step, appends it to the input and repeats (`recursiveForecast`).
 *
 *   x: (N, lookback, F)   y: (N, horizon, C)   originIndex: (N)   — F features, C targets
 */
import { TimeFrame } from './frame.js';

/** A flat float32 tensor handed to models: `data` in row-major order of `shape`. */
export interface FloatArray3 {
  data: Float32Array;
  shape: [number, number, number];
}

/** Options of {@link makeWindows}. */
export interface WindowOptions {
  /** Input steps per window (L ≥ 1). */
  lookback: number;
  /** Target steps per window (H ≥ 1): 1 for one-step or recursive training, H for direct multi-step. */
  horizon: number;
  /** Target columns (C ≥ 1), in output order. */
  targets: readonly string[];
  /** Input columns (F ≥ 1), in order. Default: every column of the frame. Targets may be features. */
  features?: readonly string[];
  /** Distance between consecutive origins. Default 1. */
  stride?: number;
  /** Only windows whose target rows all lie in [start, end); the inputs may reach before `start`
   *  (Informer's val/test context). Default: the whole frame. */
  range?: { start: number; end: number };
  /** Also return `xFuture` (N, horizon, F): the feature values at the target times, for
   *  known-ahead covariates (calendar features) in recursive forecasting. Default false. */
  future?: boolean;
}

/** Windows cut from a frame; indices refer to rows of that frame. */
export interface Windows {
  x: FloatArray3;
  y: FloatArray3;
  /** Forecast origin of each window: its last input row; targets are rows origin+1 … origin+horizon. */
  originIndex: Int32Array;
  /** Time of each origin row (ms), to tie windows to their frame and label reports. */
  originTime: Float64Array;
  features: string[];
  targets: string[];
  lookback: number;
  horizon: number;
  /** For each target, its position among `features`, or −1 when it is not an input. */
  targetFeatureIndex: number[];
  xFuture?: FloatArray3;
}

function checkCount(name: string, v: unknown, min: number): number {
  if (!Number.isInteger(v) || (v as number) < min) throw new Error(`makeWindows: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return v as number;
}

/**
 * Cuts (lookback → horizon) windows from a frame, origins every `stride` rows, earliest first.
 * Window i has origin o = originIndex[i]: `x[i, l, f] = features[f][o − L + 1 + l]` and
 * `y[i, h, c] = targets[c][o + 1 + h]`.
 *
 * @example
 * // Informer multivariate ETTh1 test windows: 7 → 7, L 96, H 24, targets in rows [11520, 14400)
 * const cols = ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT'];
 * const w = makeWindows(scaled, { lookback: 96, horizon: 24, targets: cols, features: cols, range: { start: 11520, end: 14400 } });
 * w.x.shape; // → [2857, 96, 7]
 * w.y.shape; // → [2857, 24, 7]
 */
export function makeWindows(frame: TimeFrame, opts: WindowOptions): Windows {
  const L = checkCount('lookback', opts.lookback, 1);
  const H = checkCount('horizon', opts.horizon, 1);
  const stride = checkCount('stride', opts.stride ?? 1, 1);
  if (!Array.isArray(opts.targets) || opts.targets.length === 0) throw new Error(`makeWindows: targets must be a non-empty array of column names, got ${JSON.stringify(opts.targets)}`);
  const targets = [...opts.targets];
  const features = [...(opts.features ?? frame.names)];
  if (features.length === 0) throw new Error('makeWindows: features is empty; list at least one input column');
  const fCols = features.map((n) => frame.column(n));
  const tCols = targets.map((n) => frame.column(n));
  const F = features.length;
  const C = targets.length;
  const n = frame.length;

  let start = 0;
  let end = n;
  if (opts.range) {
    ({ start, end } = opts.range);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start >= end) {
      throw new Error(`makeWindows: range must satisfy 0 ≤ start < end ≤ ${n} (frame rows), got [${start}, ${end})`);
    }
  }
  // Origins o with o − L + 1 ≥ 0, o + 1 ≥ start, o + H ≤ end − 1.
  const first = Math.max(L - 1, start - 1);
  const last = end - 1 - H;
  if (last < first) {
    throw new Error(`makeWindows: no window fits: lookback ${L} + horizon ${H} need ${L + H} rows, but the frame has ${n}${opts.range ? ` and targets must lie in rows [${start}, ${end})` : ''}`);
  }
  const N = Math.floor((last - first) / stride) + 1;

  const x = new Float32Array(N * L * F); // (N, L, F)
  const y = new Float32Array(N * H * C); // (N, H, C)
  const xf = opts.future ? new Float32Array(N * H * F) : null; // (N, H, F)
  const originIndex = new Int32Array(N);
  const originTime = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const o = first + i * stride;
    originIndex[i] = o;
    originTime[i] = frame.times[o];
    const r0 = o - L + 1;
    for (let l = 0; l < L; l++) {
      const base = (i * L + l) * F;
      for (let f = 0; f < F; f++) x[base + f] = fCols[f][r0 + l];
    }
    for (let h = 0; h < H; h++) {
      const base = (i * H + h) * C;
      for (let c = 0; c < C; c++) y[base + c] = tCols[c][o + 1 + h];
      if (xf) {
        const fb = (i * H + h) * F;
        for (let f = 0; f < F; f++) xf[fb + f] = fCols[f][o + 1 + h];
      }
    }
  }
  const w: Windows = {
    x: { data: x, shape: [N, L, F] },
    y: { data: y, shape: [N, H, C] },
    originIndex,
    originTime,
    features,
    targets,
    lookback: L,
    horizon: H,
    targetFeatureIndex: targets.map((t) => features.indexOf(t)),
  };
  if (xf) w.xFuture = { data: xf, shape: [N, H, F] };
  return w;
}

/**
 * One-step predictor used by {@link recursiveForecast}: given inputs (B, L, F), returns the next
 * step of every target, (B, C) or (B, 1, C), flat or as `{ data }` (e.g. `model.predictArrays(x)[0]`).
 */
export type StepPredictor = (x: FloatArray3) => ArrayLike<number> | { data: ArrayLike<number> };

/**
 * Recursive (iterated) multi-step forecasting with a one-step model: predict step 1, shift the
 * input window by one, write the prediction into the target features of the new last row, and
 * repeat `horizon` times. Features that are not targets need known future values: pass windows
 * made with `future: true` (e.g. calendar features), otherwise it throws.
 *
 * @example
 * const w = makeWindows(scaled, { lookback: 24, horizon: 12, targets: ['OT'], features: ['OT'], range: test });
 * const yHat = recursiveForecast((x) => model.predictArrays(x)[0], w); // (N, 12, 1), compare with w.y
 */
export function recursiveForecast(predict: StepPredictor, windows: Windows, opts: { horizon?: number } = {}): FloatArray3 {
  const [N, L, F] = windows.x.shape;
  const C = windows.targets.length;
  const H = checkCount('horizon', opts.horizon ?? windows.horizon, 1);
  const tfi = windows.targetFeatureIndex;
  const exo: number[] = [];
  for (let f = 0; f < F; f++) if (!tfi.includes(f)) exo.push(f);
  const fut = windows.xFuture;
  if (H > 1 && exo.length > 0) {
    if (!fut) throw new Error(`recursiveForecast: features ${exo.map((f) => `"${windows.features[f]}"`).join(', ')} are not targets, so their future values must be known: make the windows with future: true`);
    if (fut.shape[1] < H - 1) throw new Error(`recursiveForecast: xFuture covers ${fut.shape[1]} steps, need ${H - 1} for horizon ${H}`);
  }
  const buf = new Float32Array(windows.x.data); // (N, L, F), shifted in place
  const input: FloatArray3 = { data: buf, shape: [N, L, F] };
  const out = new Float32Array(N * H * C); // (N, H, C)
  for (let h = 0; h < H; h++) {
    const res = predict(input);
    const p = 'data' in res ? res.data : res;
    if (p.length !== N * C) throw new Error(`recursiveForecast: the predictor returned ${p.length} values, expected ${N}×${C} (one step of every target)`);
    for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) out[(i * H + h) * C + c] = p[i * C + c];
    if (h === H - 1) break;
    for (let i = 0; i < N; i++) {
      const base = i * L * F;
      buf.copyWithin(base, base + F, base + L * F);
      const row = base + (L - 1) * F;
      for (let c = 0; c < C; c++) if (tfi[c] >= 0) buf[row + tfi[c]] = p[i * C + c];
      for (const f of exo) buf[row + f] = fut!.data[(i * fut!.shape[1] + h) * F + f];
    }
  }
  return { data: out, shape: [N, H, C] };
}
