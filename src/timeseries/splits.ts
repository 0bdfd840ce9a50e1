/**
 * Chronological splits and walk-forward (rolling-origin) folds. Everything is in row indices of
 * one frame; nothing is shuffled.
 *
 * A part's *targets* are rows [start, end); its windows may read inputs from [contextStart, start)
 * too, where contextStart = max(0, start − lookback) — Informer's convention for val/test
 * (`border1 = border2_prev − seq_len`). With lookback L, `makeWindows(frame, { range: part })` and
 * `makeWindows(sliceSplit(frame, part), ...)` give the same windows.
 */
import { TimeFrame } from './frame.js';

/** One part of a split: target rows [start, end), input context from contextStart. */
export interface SplitPart {
  start: number;
  end: number;
  contextStart: number;
}

/** A chronological train / validation / test split; `unused` rows follow the test part. */
export interface Split {
  train: SplitPart;
  val: SplitPart;
  test: SplitPart;
  unused: { start: number; end: number };
}

/** How to split: fractions, boundary dates, or a named preset. */
export type SplitSpec =
  | { fractions: [number, number, number] }
  | { dates: { valStart: string | number; testStart: string | number; end?: string | number } }
  | { preset: SplitPreset };

/**
 * Named protocols:
 * - `informer-etth`: ETTh1/ETTh2 (hourly) as in Informer and its follow-ups: train rows
 *   [0, 8640) = 12·30·24 (twelve 30-day "months"), val [8640, 11520), test [11520, 14400); later
 *   rows unused.
 * - `informer-ettm`: the same for the 15-minute ETTm files (×4: 34560 / 11520 / 11520 rows).
 */
export type SplitPreset = 'informer-etth' | 'informer-ettm';

const PRESETS: Record<SplitPreset, number> = { 'informer-etth': 24, 'informer-ettm': 96 };

/**
 * Splits a series chronologically.
 * - `{ fractions: [a, b, c] }` (sum 1): as Informer's custom datasets, train = ⌊n·a⌋ rows,
 *   test = ⌊n·c⌋ rows at the end, validation the rest in between;
 * - `{ dates: { valStart, testStart, end? } }`: validation starts at the first row at/after
 *   `valStart`, test at `testStart`, and rows at/after `end` are unused;
 * - `{ preset: 'informer-etth' }`: see {@link SplitPreset}.
 * `lookback` sets each part's input context (see the module header).
 *
 * @example
 * const s = chronologicalSplit(frame, { preset: 'informer-etth' }, { lookback: 96 });
 * // s.train → { start: 0, end: 8640, contextStart: 0 }
 * // s.val   → { start: 8640, end: 11520, contextStart: 8544 }
 * // s.test  → { start: 11520, end: 14400, contextStart: 11424 }
 */
export function chronologicalSplit(frame: TimeFrame | number, spec: SplitSpec, opts: { lookback?: number } = {}): Split {
  const n = typeof frame === 'number' ? frame : frame.length;
  const L = opts.lookback ?? 0;
  if (!Number.isInteger(L) || L < 0) throw new Error(`chronologicalSplit: lookback must be an integer ≥ 0, got ${L}`);
  let a: number;
  let b: number;
  let c: number;
  if ('preset' in spec) {
    const perDay = PRESETS[spec.preset];
    if (perDay === undefined) throw new Error(`chronologicalSplit: unknown preset ${JSON.stringify(spec.preset)}; expected ${Object.keys(PRESETS).join(' or ')}`);
    const month = 30 * perDay;
    [a, b, c] = [12 * month, 16 * month, 20 * month];
    if (n < c) throw new Error(`chronologicalSplit: preset ${spec.preset} needs ${c} rows (12 + 4 + 4 months of 30 days), the series has ${n}`);
  } else if ('fractions' in spec) {
    const f = spec.fractions;
    if (!Array.isArray(f) || f.length !== 3 || !f.every((x) => Number.isFinite(x) && x >= 0) || Math.abs(f[0] + f[1] + f[2] - 1) > 1e-9) {
      throw new Error(`chronologicalSplit: fractions must be three numbers ≥ 0 summing to 1, got ${JSON.stringify(f)}`);
    }
    const nTrain = Math.floor(n * f[0]);
    const nTest = Math.floor(n * f[2]);
    [a, b, c] = [nTrain, n - nTest, n];
  } else if ('dates' in spec) {
    if (typeof frame === 'number') throw new Error('chronologicalSplit: a split by dates needs the frame, not a row count');
    const at = (d: string | number): number => frame.indexOf(d);
    a = at(spec.dates.valStart);
    b = at(spec.dates.testStart);
    c = spec.dates.end === undefined ? n : at(spec.dates.end);
    if (!(a <= b && b <= c)) throw new Error(`chronologicalSplit: expected valStart ≤ testStart ≤ end, got rows ${a}, ${b}, ${c}`);
  } else {
    throw new Error(`chronologicalSplit: expected { fractions }, { dates } or { preset }, got ${JSON.stringify(spec)}`);
  }
  for (const [name, lo, hi] of [['train', 0, a], ['validation', a, b], ['test', b, c]] as const) {
    if (hi <= lo) throw new Error(`chronologicalSplit: the ${name} part is empty (rows [${lo}, ${hi}) of ${n})`);
  }
  const part = (start: number, end: number): SplitPart => ({ start, end, contextStart: Math.max(0, start - L) });
  return { train: part(0, a), val: part(a, b), test: part(b, c), unused: { start: c, end: n } };
}

/**
 * The rows of a split part including its input context: `frame.slice(contextStart, end)`.
 *
 * @example
 * const test = sliceSplit(scaled, split.test); // 2880 + 96 rows for ETTh1 with lookback 96
 */
export function sliceSplit(frame: TimeFrame, part: SplitPart): TimeFrame {
  return frame.slice(part.contextStart, part.end);
}

/** One walk-forward fold: train on rows [train.start, train.end), forecast rows [test.start, test.end). */
export interface Fold {
  /** Forecast origin: the last training row (train.end − 1). */
  origin: number;
  train: { start: number; end: number };
  test: { start: number; end: number };
}

/** Options of {@link walkForward}. */
export interface WalkForwardOptions {
  /** Steps forecast from each origin. */
  horizon: number;
  /** Origins advance by this many rows. Default `horizon` (test parts tile without overlap). */
  step?: number;
  /** Rows in the first training part. Give this or `folds`. */
  initialTrain?: number;
  /** Number of folds, the last one ending at the last row. Give this or `initialTrain`. */
  folds?: number;
  /** `expanding` (default): training always starts at row 0; `sliding`: a fixed-size window of
   *  the first fold's training size. */
  window?: 'expanding' | 'sliding';
}

/**
 * Rolling-origin evaluation folds (Tashman 2000; Hyndman's `tsCV`): refit or update on the
 * history up to each origin, forecast the next `horizon` rows, move the origin by `step`.
 *
 * @example
 * walkForward(144, { horizon: 12, folds: 4 });
 * // origins 95, 107, 119, 131: test rows [96,108), [108,120), [120,132), [132,144)
 */
export function walkForward(frame: TimeFrame | number, opts: WalkForwardOptions): Fold[] {
  const n = typeof frame === 'number' ? frame : frame.length;
  const H = opts.horizon;
  const step = opts.step ?? H;
  if (!Number.isInteger(H) || H < 1) throw new Error(`walkForward: horizon must be an integer ≥ 1, got ${H}`);
  if (!Number.isInteger(step) || step < 1) throw new Error(`walkForward: step must be an integer ≥ 1, got ${step}`);
  if ((opts.initialTrain === undefined) === (opts.folds === undefined)) throw new Error('walkForward: give exactly one of initialTrain and folds');
  let firstOrigin: number;
  let count: number;
  if (opts.folds !== undefined) {
    if (!Number.isInteger(opts.folds) || opts.folds < 1) throw new Error(`walkForward: folds must be an integer ≥ 1, got ${opts.folds}`);
    count = opts.folds;
    firstOrigin = n - 1 - H - (count - 1) * step;
    if (firstOrigin < 0) throw new Error(`walkForward: ${count} folds of horizon ${H}, step ${step} need more than ${n} rows`);
  } else {
    const t = opts.initialTrain!;
    if (!Number.isInteger(t) || t < 1) throw new Error(`walkForward: initialTrain must be an integer ≥ 1, got ${t}`);
    firstOrigin = t - 1;
    if (firstOrigin + H > n - 1) throw new Error(`walkForward: initialTrain ${t} + horizon ${H} exceed the ${n} rows`);
    count = Math.floor((n - 1 - H - firstOrigin) / step) + 1;
  }
  const size = firstOrigin + 1;
  const sliding = (opts.window ?? 'expanding') === 'sliding';
  if (opts.window !== undefined && opts.window !== 'expanding' && opts.window !== 'sliding') {
    throw new Error(`walkForward: window must be 'expanding' or 'sliding', got ${JSON.stringify(opts.window)}`);
  }
  const folds: Fold[] = [];
  for (let k = 0; k < count; k++) {
    const o = firstOrigin + k * step;
    folds.push({ origin: o, train: { start: sliding ? o + 1 - size : 0, end: o + 1 }, test: { start: o + 1, end: o + 1 + H } });
  }
  return folds;
}

