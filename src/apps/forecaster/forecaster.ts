/**
 * `Forecaster`: the honest time-series forecasting recipe. A (stacked) LSTM/GRU encoder reads a
 * lookback window and a Dense head (or a seq2seq decoder) forecasts the whole horizon at once;
 * scalers are fitted on the training part only; early stopping watches the validation loss and
 * puts back the best weights; every evaluation scores persistence and seasonal naive on the same
 * windows and says plainly when the model does not beat them. Scalers, transforms and the window
 * configuration are saved in the model file.
 *
 * Data flow for a frame (rows 0 … n−1):
 *   targets → [log] → [differences] → scaler (fitted on train rows) → [relative to window's last value]
 *   inputs: the target columns first, then other feature columns (scaled), then calendar sin/cos.
 * Forecasts go back through the same steps in reverse, to the original units.
 */
import { addFrequency, formatDate, inferFrequency } from '../../timeseries/dates.js';
import type { Frequency } from '../../timeseries/dates.js';
import { calendarFeatures } from '../../timeseries/calendar.js';
import type { CalendarFeature } from '../../timeseries/calendar.js';
import { compareWithBaselines, evaluateWalkForward } from '../../timeseries/evaluate.js';
import type { BaselineComparison, CompareOptions } from '../../timeseries/evaluate.js';
import { TimeFrame } from '../../timeseries/frame.js';
import { createScaler, scalerFromJSON } from '../../timeseries/scalers.js';
import type { Scaler, ScalerJSON } from '../../timeseries/scalers.js';
import { chronologicalSplit } from '../../timeseries/splits.js';
import type { Fold, Split, SplitPart, SplitSpec } from '../../timeseries/splits.js';
import type { Windows } from '../../timeseries/windows.js';
import { EarlyStopping } from '../../train/callbacks.js';
import type { Callback, Logs } from '../../train/callbacks.js';
import type { BaseModel } from '../../train/model.js';
import { Adam } from '../../nn/optimizers.js';
import { ReduceLROnPlateau } from '../../nn/schedules.js';
import { loadModel, readModelMetadata, saveModel } from '../../train/serialize.js';
import { buildNetwork } from './network.js';
import { judge, verdictLines } from './report.js';
import type { BaselineVerdict, DirectionReport } from './report.js';
import { TargetTransform } from './transforms.js';

/** Options of {@link Forecaster.create}. */
export interface ForecasterOptions {
  /** Input steps per window (L). */
  lookback: number;
  /** Steps forecast at once (H). */
  horizon: number;
  /** Columns to forecast (C ≥ 1). They are always inputs too. */
  targets: string[];
  /** Extra input columns (covariates) besides the targets. Default none. */
  features?: string[];
  /** Recurrent cell. Default `lstm`. */
  cell?: 'lstm' | 'gru';
  /** Hidden units per recurrent layer. Default 64. */
  units?: number;
  /** Stacked recurrent layers. Default 1. */
  numLayers?: number;
  /** Dropout before the output layer. Default 0. */
  dropout?: number;
  /** `dense` (direct multi-step, default) or `seq2seq` (decoder over the horizon). */
  head?: 'dense' | 'seq2seq';
  /** Luong attention over the encoder outputs in the seq2seq decoder. Default false. */
  attention?: boolean;
  /** Calendar sin/cos inputs: true picks cycles that vary at the data's frequency. Default false. */
  calendar?: boolean | CalendarFeature[];
  /** Scaler of the data columns, fitted on the training part. Default `standard`. */
  scaler?: 'standard' | 'minmax';
  /** Natural log of the targets before anything else (values must be > 0). Default false. */
  log?: boolean;
  /** Difference the targets with these lags, in order: `[1]`, `[12]` (seasonal), `[12, 1]`. */
  difference?: number[];
  /**
   * Express each window relative to its last observed value (subtracted from the scaled inputs
   * and targets, added back to the forecast). Makes the model forecast changes, which helps
   * when the level drifts between training and test. Default false.
   */
  relative?: boolean;
  /** Training loss. Default `mse`. */
  loss?: 'mse' | 'mae' | 'huber';
  /** Seasonal period of the seasonal-naive baseline and of MASE. Default from the frequency (24 hourly, 7 daily, 12 monthly, …). */
  season?: number;
  /** Scale of reported metrics: `original` units (default), or `scaled` by the fitted scaler (the Informer/ETT protocol; needs no log/difference). */
  metricsScale?: 'original' | 'scaled';
  /** Seed of initialization, shuffling and dropout. Default 0. */
  seed?: number;
}

/** The complete configuration (every default filled in), saved with the model. */
export type ForecasterConfig = Required<Omit<ForecasterOptions, 'season'>> & { season: number | null };

/** A split as stored with the model: a spec re-applied to new frames, or fixed row boundaries. */
export type StoredSplit = { spec: SplitSpec } | { rows: { valStart: number; testStart: number; end: number } };

/** What fitting learned besides the weights. */
export interface ForecasterState {
  scaler: ScalerJSON;
  frequency: Frequency | null;
  calendarFeatures: CalendarFeature[];
  season: number;
  split: StoredSplit;
  training: ForecasterFitReport;
}

/** Options of {@link Forecaster.fit}. */
export interface ForecasterFitOptions {
  /** Maximum epochs. Default 50. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Adam learning rate. Default 1e-3. */
  lr?: number;
  /** Epochs without a better validation loss before stopping (the best weights are restored). Default 5. */
  patience?: number;
  /** Halve the learning rate after this many epochs without improvement (0 = never). Default 2. */
  lrPatience?: number;
  /** Global gradient-norm clip. Default 1. */
  clipNorm?: number;
  /** Use at most this many training windows, the latest ones (0 = all). Default 0. */
  maxTrainWindows?: number;
  /** Called after every epoch with the epoch (1-based) and its logs (`loss`, `val_loss`, `lr`). */
  onEpoch?: (epoch: number, logs: Logs) => void | Promise<void>;
  signal?: AbortSignal;
  /** Extra fit callbacks. */
  callbacks?: Callback[];
}

/** What {@link Forecaster.fit} resolves with (also saved in the model file). */
export interface ForecasterFitReport {
  epochs: number;
  bestEpoch: number;
  bestValLoss: number;
  trainWindows: number;
  valWindows: number;
  seconds: number;
  stopReason: string | null;
  history: { loss: number[]; val_loss: number[] };
}

/** A forecast of the next `horizon` steps. */
export interface Forecast {
  /** Time of the last observed row (the forecast origin). */
  originTime: number;
  /** Times of the forecast steps (NaN when the frequency is unknown). */
  times: number[];
  targets: string[];
  /** Forecast values by target, `horizon` each, in original units. */
  values: Record<string, number[]>;
}

/** Options of {@link Forecaster.evaluate}. */
export interface ForecastEvalOptions {
  /** Distance between forecast origins. Default 1 (every window, as in the ETT protocol). */
  stride?: number;
  /** Metric scale; default the forecaster's `metricsScale`. */
  scale?: 'original' | 'scaled';
  /** Add the up/down verdict line (stock prices). Default false. */
  direction?: boolean;
}

/** Result of {@link Forecaster.evaluate} and {@link Forecaster.walkForward}. */
export interface ForecastEvaluation {
  part: string;
  /** Target rows scored: [start, end) of the frame. */
  rows: { start: number; end: number };
  scale: 'original' | 'scaled';
  comparison: BaselineComparison;
  direction: DirectionReport;
  verdicts: BaselineVerdict[];
  /** Plain sentences: per baseline, an overall verdict, and (with `direction`) the up/down call. */
  verdict: string[];
  /** True when the model beats every baseline on both MSE and MAE. */
  beatsBaselines: boolean;
  /** The forecasts, for plots: origin rows of the frame and (N, H, C) values on the metric scale. */
  origins: Int32Array;
  forecast: Float64Array;
  actual: Float64Array;
}

/** Options of {@link Forecaster.walkForward}. */
export interface WalkForwardEvalOptions {
  /** Part whose rows are forecast. Default `test`. */
  part?: 'train' | 'val' | 'test';
  /** Number of folds (the last ones of the part). Default: as many as fit. */
  folds?: number;
  /** Origins advance by this many rows. Default `horizon`. */
  step?: number;
  /** Retrain a fresh model on the history up to each origin (last 20% for early stopping). Default false: the fitted model forecasts from every origin. */
  refit?: boolean | ForecasterFitOptions;
  scale?: 'original' | 'scaled';
  direction?: boolean;
  /** Called after each refitted fold. */
  onFold?: (fold: number, folds: number) => void;
}

/** Metadata key in the model file. */
const META_KEY = 'forecaster';
const META_VERSION = 1;

/** Default seasonal period for a frequency: 24 hourly, 96 at 15 min, 7 daily, 52 weekly, 12 monthly, 4 quarterly, 1 otherwise. */
export function defaultSeason(freq: Frequency | null): number {
  if (!freq) return 1;
  if (freq.unit === 'month') return freq.step === 1 ? 12 : freq.step === 3 ? 4 : 1;
  const day = 86_400_000;
  if (freq.step < day && day % freq.step === 0) return day / freq.step;
  if (freq.step === day) return 7;
  if (freq.step === 7 * day) return 52;
  return 1;
}

/**
 * Calendar cycles that vary at a frequency: hour and weekday below a day, weekday and day of
 * year for daily data, month for monthly data. (Hourly data gets no day of year: with a year or
 * so of training data it identifies single days and invites overfitting.)
 */
export function defaultCalendar(freq: Frequency | null): CalendarFeature[] {
  if (!freq) return [];
  const day = 86_400_000;
  if (freq.unit === 'month') return freq.step < 12 ? ['month'] : [];
  if (freq.step < day) return ['hour', 'dayOfWeek'];
  if (freq.step === day) return ['dayOfWeek', 'dayOfYear'];
  if (freq.step < 365 * day) return ['dayOfYear'];
  return [];
}

function posInt(v: unknown, what: string, min = 1): number {
  if (!Number.isInteger(v) || (v as number) < min) throw new Error(`Forecaster: ${what} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v as number;
}

function resolveConfig(o: ForecasterOptions): ForecasterConfig {
  if (!o || typeof o !== 'object') throw new Error('Forecaster.create: expected options { lookback, horizon, targets, ... }');
  const targets = o.targets;
  if (!Array.isArray(targets) || targets.length === 0 || !targets.every((t) => typeof t === 'string' && t !== '')) {
    throw new Error(`Forecaster: targets must be a non-empty list of column names, got ${JSON.stringify(targets)}`);
  }
  if (new Set(targets).size !== targets.length) throw new Error(`Forecaster: targets lists a column twice: ${targets.join(', ')}`);
  const extra = o.features ?? [];
  if (!Array.isArray(extra) || !extra.every((t) => typeof t === 'string' && t !== '')) throw new Error(`Forecaster: features must be a list of column names, got ${JSON.stringify(o.features)}`);
  const features = [...targets, ...extra.filter((f, i) => !targets.includes(f) && extra.indexOf(f) === i)];
  const oneOf = <T extends string>(v: T | undefined, def: T, allowed: readonly T[], what: string): T => {
    const x = v ?? def;
    if (!allowed.includes(x)) throw new Error(`Forecaster: ${what} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${JSON.stringify(v)}`);
    return x;
  };
  const dropout = o.dropout ?? 0;
  if (!(typeof dropout === 'number' && dropout >= 0 && dropout < 1)) throw new Error(`Forecaster: dropout must be in [0, 1), got ${JSON.stringify(o.dropout)}`);
  const head = oneOf(o.head, 'dense', ['dense', 'seq2seq'] as const, 'head');
  const attention = o.attention ?? false;
  if (attention && head !== 'seq2seq') throw new Error("Forecaster: attention needs head 'seq2seq'");
  const calendar = o.calendar ?? false;
  if (!(typeof calendar === 'boolean' || Array.isArray(calendar))) throw new Error(`Forecaster: calendar must be true, false or a list of cycles, got ${JSON.stringify(calendar)}`);
  const transform = new TargetTransform({ log: o.log, difference: o.difference });
  const metricsScale = oneOf(o.metricsScale, 'original', ['original', 'scaled'] as const, 'metricsScale');
  if (metricsScale === 'scaled' && !transform.identity) throw new Error("Forecaster: metricsScale 'scaled' is only defined without log/difference transforms");
  const season = o.season === undefined || o.season === null ? null : posInt(o.season, 'season');
  return {
    lookback: posInt(o.lookback, 'lookback'),
    horizon: posInt(o.horizon, 'horizon'),
    targets: [...targets],
    features,
    cell: oneOf(o.cell, 'lstm', ['lstm', 'gru'] as const, 'cell'),
    units: posInt(o.units ?? 64, 'units'),
    numLayers: posInt(o.numLayers ?? 1, 'numLayers'),
    dropout,
    head,
    attention,
    calendar: Array.isArray(calendar) ? [...calendar] : calendar,
    scaler: oneOf(o.scaler, 'standard', ['standard', 'minmax'] as const, 'scaler'),
    log: transform.log,
    difference: transform.difference,
    relative: o.relative ?? false,
    loss: oneOf(o.loss, 'mse', ['mse', 'mae', 'huber'] as const, 'loss'),
    season,
    metricsScale,
    seed: o.seed ?? 0,
  };
}

/** The frame as the model sees it: transformed targets, scaled data columns, calendar columns. */
interface Prepared {
  frame: TimeFrame;
  /** Rows dropped at the start by differencing. Work row r is frame row r + D. */
  D: number;
  /** Transform stages per target (full length of `frame`). */
  stages: Float64Array[][];
  /** Work columns (scaled data columns, then calendar), each of length n − D. */
  cols: Float64Array[];
  /** Number of data (non-calendar) columns at the start of `cols`. */
  nData: number;
  times: Float64Array;
}

interface Batch {
  x: { data: Float32Array; shape: [number, number, number] };
  dec: { data: Float32Array; shape: [number, number, number] } | null;
  /** Last scaled input value of each target per window, (N, C) — 0 unless `relative`. */
  last: Float64Array;
}

/**
 * Forecasts one or more columns of a regularly sampled series with an LSTM/GRU, and measures
 * itself against persistence and seasonal naive.
 *
 * @example
 * const { frame } = await loadTimeSeriesCSV('ETTh1.csv', { timeColumn: 'date' });
 * const cols = ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT'];
 * const f = Forecaster.create({ lookback: 96, horizon: 24, targets: cols, relative: true, metricsScale: 'scaled' });
 * await f.fit(frame, { preset: 'informer-etth' }, { epochs: 20, patience: 3 });
 * const ev = f.evaluate(frame, 'test');
 * console.log(ev.verdict.join('\n'));        // "The model beats persistence: MSE ... "
 * const next = f.predict(frame);             // next 24 hours of every column
 * await f.save('etth1.safetensors');
 */
export class Forecaster {
  readonly config: ForecasterConfig;
  /** Anything JSON-serializable to keep in the model file (the CLI keeps its CSV options here). */
  meta: Record<string, unknown> = {};
  private net: BaseModel | null = null;
  private fitted: ForecasterState | null = null;
  private scalerObj: Scaler | null = null;
  private readonly transform: TargetTransform;

  private constructor(config: ForecasterConfig) {
    this.config = config;
    this.transform = new TargetTransform({ log: config.log, difference: config.difference });
  }

  /** A new, untrained forecaster. Throws one clear message for an invalid option. */
  static create(opts: ForecasterOptions): Forecaster {
    return new Forecaster(resolveConfig(opts));
  }

  /** The fitted state (scaler, frequency, split, training report); throws before `fit`. */
  get state(): ForecasterState {
    if (!this.fitted) throw new Error('Forecaster: not fitted yet; call fit(frame, split) or Forecaster.load(path)');
    return this.fitted;
  }

  get isFitted(): boolean {
    return this.fitted !== null;
  }

  /** The underlying network (after fit or load). */
  get model(): BaseModel {
    if (!this.net) throw new Error('Forecaster: not fitted yet; call fit(frame, split) or Forecaster.load(path)');
    return this.net;
  }

  /** The scaler fitted on the training part (after fit or load). */
  get scaler(): Scaler {
    if (!this.scalerObj) throw new Error('Forecaster: not fitted yet; call fit(frame, split) or Forecaster.load(path)');
    return this.scalerObj;
  }

  /** Columns the model reads, in input order (targets first). */
  get dataColumns(): string[] {
    return [...this.config.features];
  }

  /** Human-readable summary of the preprocessing. */
  describeTransform(): string {
    return this.transform.describe();
  }

  // -------------------------------------------------------------------------------------------
  // Data

  /** The split for `frame`: the stored spec or rows, or a new spec. */
  resolveSplit(frame: TimeFrame, split?: Split | SplitSpec | StoredSplit): Split {
    const L = this.config.lookback;
    const s = split ?? this.state.split;
    if ('train' in s) return s;
    if ('rows' in s) {
      const { valStart, testStart, end } = s.rows;
      if (end > frame.length) throw new Error(`the stored split needs ${end} rows, but the series has ${frame.length}`);
      const part = (a: number, b: number): SplitPart => ({ start: a, end: b, contextStart: Math.max(0, a - L) });
      return { train: part(0, valStart), val: part(valStart, testStart), test: part(testStart, end), unused: { start: end, end: frame.length } };
    }
    const spec = 'spec' in s ? s.spec : s;
    return chronologicalSplit(frame, spec, { lookback: L });
  }

  private checkColumns(frame: TimeFrame): void {
    const missing = this.config.features.filter((c) => !frame.columns.has(c));
    if (missing.length) {
      throw new Error(`column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} not found; the series has: ${frame.names.join(', ') || '(none)'}`);
    }
    for (const c of this.config.features) {
      const col = frame.column(c);
      for (let i = 0; i < col.length; i++) {
        if (!Number.isFinite(col[i]!)) throw new Error(`column "${c}" has a missing or non-finite value at ${formatDate(frame.times[i]!)}; choose a missing-value policy when loading`);
      }
    }
  }

  /** Transforms (and, with a fitted scaler, scales) a frame; `fitScalerRows` fits the scaler first. */
  private prepare(frame: TimeFrame, fitScalerRows?: number): Prepared {
    this.checkColumns(frame);
    const cfg = this.config;
    const D = this.transform.lag;
    const n = frame.length;
    if (n - D < 1) throw new Error(`the series has ${n} rows; differencing by ${cfg.difference.join(' + ')} needs more than ${D}`);
    const label = (r: number): string => formatDate(frame.times[r]!);
    const stages = cfg.targets.map((t) => this.transform.forward(frame.column(t), t, label));
    const raw = cfg.features.map((c, k) => (k < cfg.targets.length ? stages[k]![stages[k]!.length - 1]! : frame.column(c)).subarray(D));
    const times = frame.times.subarray(D);
    if (fitScalerRows !== undefined) {
      if (fitScalerRows < 2) throw new Error(`the training part has ${fitScalerRows + D} rows; too few to fit a scaler${D ? ` after differencing (${D} rows lost)` : ''}`);
      const m = new Map<string, Float64Array>();
      cfg.features.forEach((c, k) => m.set(c, raw[k]!.subarray(0, fitScalerRows)));
      this.scalerObj = createScaler(cfg.scaler).fit(new TimeFrame(times.subarray(0, fitScalerRows), m), cfg.features);
    }
    const scaler = this.scalerObj!;
    const work = new Map<string, Float64Array>();
    cfg.features.forEach((c, k) => work.set(c, raw[k]!));
    const scaled = scaler.transform(new TimeFrame(times, work));
    const cols = cfg.features.map((c) => scaled.column(c));
    const cal = this.fitted?.calendarFeatures ?? [];
    if (cal.length) for (const col of calendarFeatures(times, cal).values()) cols.push(col);
    return { frame, D, stages, cols, nData: cfg.features.length, times };
  }

  /** Work-row origins whose targets lie in frame rows [start, end), every `stride`. */
  private originsFor(p: Prepared, start: number, end: number, stride = 1): Int32Array {
    const { lookback: L, horizon: H } = this.config;
    const first = Math.max(L - 1, start - p.D - 1);
    const last = end - 1 - H - p.D;
    if (last < first) return new Int32Array(0);
    const N = Math.floor((last - first) / stride) + 1;
    return Int32Array.from({ length: N }, (_, i) => first + i * stride);
  }

  /**
   * Why a part has no window: fewer rows than the horizon (every target of a window must lie in
   * the part), or too little history before its end for lookback + horizon (+ differencing).
   */
  private tooShort(what: string, rows: number, p: Prepared, end: number): Error {
    const { lookback: L, horizon: H } = this.config;
    const hint = 'use a smaller lookback/horizon, another split, or a longer series';
    if (rows < H) return new Error(`${what} has ${rows} rows, fewer than the horizon ${H}, so no window has all its targets there; ${hint}`);
    const d = p.D ? ` + ${p.D} rows lost to differencing` : '';
    return new Error(`${what} is too short for lookback ${L} + horizon ${H}: ${end} rows of history up to its end, a window needs ${L + H}${d}; ${hint}`);
  }

  /** Time of work row r, extrapolated past the end with the frequency. */
  private timeAt(p: Prepared, r: number): number {
    const nW = p.times.length;
    if (r < nW) return p.times[r]!;
    const f = this.state.frequency;
    return f ? addFrequency(p.times[nW - 1]!, f, r - (nW - 1)) : NaN;
  }

  private batch(p: Prepared, origins: Int32Array): Batch {
    const { lookback: L, horizon: H, targets } = this.config;
    const C = targets.length;
    const F = p.cols.length;
    const N = origins.length;
    const x = new Float32Array(N * L * F);
    const last = new Float64Array(N * C);
    for (let i = 0; i < N; i++) {
      const o = origins[i]!;
      const r0 = o - L + 1;
      for (let f = 0; f < F; f++) {
        const col = p.cols[f]!;
        const off = this.config.relative && f < p.nData ? col[o]! : 0;
        if (f < C) last[i * C + f] = off;
        for (let l = 0; l < L; l++) x[(i * L + l) * F + f] = col[r0 + l]! - off;
      }
    }
    let dec: Batch['dec'] = null;
    if (this.config.head === 'seq2seq') {
      const cal = this.state.calendarFeatures;
      const Fd = 1 + 2 * cal.length;
      const d = new Float32Array(N * H * Fd);
      for (let i = 0; i < N; i++) {
        const o = origins[i]!;
        const ts = Array.from({ length: H }, (_, h) => this.timeAt(p, o + 1 + h));
        const calCols = cal.length ? [...calendarFeatures(ts, cal).values()] : [];
        for (let h = 0; h < H; h++) {
          const b = (i * H + h) * Fd;
          d[b] = (h + 1) / H;
          calCols.forEach((c, k) => (d[b + 1 + k] = c[h]!));
        }
      }
      dec = { data: d, shape: [N, H, Fd] };
    }
    return { x: { data: x, shape: [N, L, F] }, dec, last };
  }

  /** Model-space targets (N, H, C) of the given origins. */
  private targetsOf(p: Prepared, origins: Int32Array, last: Float64Array): Float32Array {
    const { horizon: H, targets } = this.config;
    const C = targets.length;
    const y = new Float32Array(origins.length * H * C);
    origins.forEach((o, i) => {
      for (let h = 0; h < H; h++) for (let c = 0; c < C; c++) y[(i * H + h) * C + c] = p.cols[c]![o + 1 + h]! - last[i * C + c]!;
    });
    return y;
  }

  private inputsOf(b: Batch): { data: Float32Array; shape: number[] } | { data: Float32Array; shape: number[] }[] {
    return b.dec ? [b.x, b.dec] : b.x;
  }

  /** Forecasts (N, H, C) in original units for work-row origins. */
  private forecastOrigins(p: Prepared, origins: Int32Array): Float64Array {
    const { horizon: H, targets } = this.config;
    const C = targets.length;
    const N = origins.length;
    const b = this.batch(p, origins);
    const out = this.model.predictArrays(this.inputsOf(b), { batchSize: 256 })[0]!.data; // (N, H·C) or (N, H, C): same layout
    const scaledPred = new Float64Array(N * H * C);
    for (let i = 0; i < N; i++) for (let k = 0; k < H * C; k++) scaledPred[i * H * C + k] = out[i * H * C + k]! + b.last[i * C + (k % C)]!;
    const unscaled = this.scalerObj!.inverseTransformArray(scaledPred, targets);
    if (this.transform.identity) return unscaled;
    const res = new Float64Array(N * H * C);
    for (let i = 0; i < N; i++) {
      const O = origins[i]! + p.D;
      for (let c = 0; c < C; c++) {
        const v = this.transform.inverse(unscaled, p.stages[c]!, O, H, i * H * C + c, C);
        for (let h = 0; h < H; h++) res[(i * H + h) * C + c] = v[h]!;
      }
    }
    return res;
  }

  // -------------------------------------------------------------------------------------------
  // Training

  /**
   * Fits scalers on the training part, trains with early stopping on the validation part
   * (restoring the best weights), and keeps everything needed to forecast and to save.
   *
   * @param split a split of `frame` (`chronologicalSplit`), or a spec: `{ preset: 'informer-etth' }`,
   *   `{ fractions: [0.7, 0.1, 0.2] }`, `{ dates: { valStart, testStart } }`.
   */
  async fit(frame: TimeFrame, split: Split | SplitSpec, opts: ForecasterFitOptions = {}): Promise<ForecasterFitReport> {
    const t0 = performance.now();
    const cfg = this.config;
    this.checkColumns(frame);
    const sp = this.resolveSplit(frame, split);
    const frequency = inferFrequency(frame.times);
    let cal: CalendarFeature[] = [];
    if (cfg.calendar === true) cal = defaultCalendar(frequency);
    else if (Array.isArray(cfg.calendar)) cal = [...cfg.calendar];
    if (cal.length && !frequency) throw new Error('calendar features need a regular time grid, but no frequency could be inferred from the times');
    const season = cfg.season ?? defaultSeason(frequency);
    const stored: StoredSplit = 'train' in split ? { rows: { valStart: sp.val.start, testStart: sp.test.start, end: sp.test.end } } : { spec: split };
    // Provisional state so batch() sees the calendar and frequency.
    this.fitted = {
      scaler: { type: 'standard', columns: [], mean: [], std: [] },
      frequency,
      calendarFeatures: cal,
      season,
      split: stored,
      training: { epochs: 0, bestEpoch: 0, bestValLoss: NaN, trainWindows: 0, valWindows: 0, seconds: 0, stopReason: null, history: { loss: [], val_loss: [] } },
    };
    try {
      const p = this.prepare(frame, sp.train.end - this.transform.lag);
      let trainO = this.originsFor(p, sp.train.start, sp.train.end);
      if (trainO.length === 0) throw this.tooShort(`the training part (rows ${sp.train.start}–${sp.train.end - 1})`, sp.train.end - sp.train.start, p, sp.train.end);
      const maxW = opts.maxTrainWindows ?? 0;
      if (maxW > 0 && trainO.length > maxW) trainO = trainO.subarray(trainO.length - maxW);
      const valO = this.originsFor(p, sp.val.start, sp.val.end);
      if (valO.length === 0) throw this.tooShort(`the validation part (rows ${sp.val.start}–${sp.val.end - 1})`, sp.val.end - sp.val.start, p, sp.val.end);
      const tb = this.batch(p, trainO);
      const vb = this.batch(p, valO);
      const C = cfg.targets.length;
      const yShape = (N: number): number[] => (cfg.head === 'dense' ? [N, cfg.horizon * C] : [N, cfg.horizon, C]);
      const yTrain = { data: this.targetsOf(p, trainO, tb.last), shape: yShape(trainO.length) };
      const yVal = { data: this.targetsOf(p, valO, vb.last), shape: yShape(valO.length) };
      this.net = buildNetwork({
        lookback: cfg.lookback,
        horizon: cfg.horizon,
        inputSize: p.cols.length,
        decoderSize: 1 + 2 * cal.length,
        targets: C,
        cell: cfg.cell,
        units: cfg.units,
        numLayers: cfg.numLayers,
        dropout: cfg.dropout,
        head: cfg.head,
        attention: cfg.attention,
        seed: cfg.seed,
      });
      const early = new EarlyStopping({ monitor: 'val_loss', patience: opts.patience ?? 5, restoreBestWeights: true });
      const onEpoch = opts.onEpoch;
      const callbacks: Callback[] = [early, ...(opts.callbacks ?? [])];
      if (onEpoch) callbacks.push({ onEpochEnd: (e, logs) => onEpoch(e + 1, logs) });
      const lrPatience = opts.lrPatience ?? 2;
      const h = await this.net.fit(this.inputsOf(tb), yTrain, {
        loss: cfg.loss,
        optimizer: new Adam({ lr: opts.lr ?? 1e-3 }),
        epochs: opts.epochs ?? 50,
        batchSize: opts.batchSize ?? 32,
        validationData: [this.inputsOf(vb), yVal],
        callbacks,
        clipNorm: opts.clipNorm ?? 1,
        ...(lrPatience > 0 ? { schedule: new ReduceLROnPlateau({ factor: 0.5, patience: lrPatience }) } : {}),
        seed: cfg.seed,
        verbose: 0,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const vl = h.history.val_loss ?? [];
      const best = early.bestEpoch >= 0 ? early.bestEpoch : vl.length - 1;
      const report: ForecasterFitReport = {
        epochs: h.epochs.length,
        bestEpoch: best + 1,
        bestValLoss: vl[best] ?? NaN,
        trainWindows: trainO.length,
        valWindows: valO.length,
        seconds: +((performance.now() - t0) / 1000).toFixed(2),
        stopReason: h.stopReason,
        history: { loss: h.history.loss ?? [], val_loss: vl },
      };
      this.fitted = { ...this.fitted, scaler: this.scalerObj!.toJSON(), training: report };
      return report;
    } catch (e) {
      this.fitted = null;
      this.net = null;
      throw e;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Forecasting and evaluation

  /**
   * The next `horizon` steps after the last row of `frame`, from its latest window, in original
   * units. The frame must have the training columns and at least lookback (+ differencing) rows.
   *
   * @example
   * const next = f.predict(frame); // { originTime, times: [...], values: { OT: [...24 values] } }
   */
  predict(frame: TimeFrame): Forecast {
    void this.state; // throws before fit
    const cfg = this.config;
    const p = this.prepare(frame);
    const nW = p.times.length;
    if (nW < cfg.lookback) {
      throw new Error(`the series is too short to forecast from: it has ${frame.length} rows; lookback ${cfg.lookback}${p.D ? ` + ${p.D} rows lost to differencing` : ''} are needed`);
    }
    const yHat = this.forecastOrigins(p, Int32Array.of(nW - 1));
    const C = cfg.targets.length;
    const values: Record<string, number[]> = {};
    cfg.targets.forEach((t, c) => (values[t] = Array.from({ length: cfg.horizon }, (_, h) => yHat[h * C + c]!)));
    return {
      originTime: frame.times[frame.length - 1]!,
      times: Array.from({ length: cfg.horizon }, (_, h) => this.timeAt(p, nW + h)),
      targets: [...cfg.targets],
      values,
    };
  }

  /** Frame and forecasts on the metric scale. */
  private metricFrame(frame: TimeFrame, scale: 'original' | 'scaled'): TimeFrame {
    const sel = frame.select(this.config.features);
    return scale === 'scaled' ? this.scalerObj!.transform(sel) : sel;
  }

  private checkScale(scale: 'original' | 'scaled'): void {
    if (scale === 'scaled' && !this.transform.identity) throw new Error("metrics on the 'scaled' scale are only defined without log/difference transforms");
  }

  private directionOf(mf: TimeFrame, sp: Split, origins: Int32Array, y: ArrayLike<number>, yHat: ArrayLike<number>): DirectionReport {
    const { horizon: H, targets } = this.config;
    const C = targets.length;
    let up = 0;
    let down = 0;
    for (const t of targets) {
      const col = mf.column(t);
      for (let r = Math.max(1, sp.train.start); r < sp.train.end; r++) {
        if (col[r]! > col[r - 1]!) up++;
        else if (col[r]! < col[r - 1]!) down++;
      }
    }
    const majority = up >= down ? 'up' : 'down';
    const ms = majority === 'up' ? 1 : -1;
    let hit = 0;
    let hitMajority = 0;
    const N = origins.length;
    for (let i = 0; i < N; i++) {
      for (let c = 0; c < C; c++) {
        const ref = mf.column(targets[c]!)[origins[i]!]!;
        for (let h = 0; h < H; h++) {
          const k = (i * H + h) * C + c;
          const s = Math.sign(y[k]! - ref);
          if (s === Math.sign(yHat[k]! - ref)) hit++;
          if (s === ms) hitMajority++;
        }
      }
    }
    const total = N * H * C;
    return { model: hit / total, majority, majorityAccuracy: hitMajority / total };
  }

  private finish(
    part: string,
    rows: { start: number; end: number },
    scale: 'original' | 'scaled',
    mf: TimeFrame,
    sp: Split,
    origins: Int32Array,
    yHat: Float64Array,
    y: Float64Array,
    cmp: BaselineComparison,
    direction: boolean,
  ): ForecastEvaluation {
    const dir = this.directionOf(mf, sp, origins, y, yHat);
    const verdicts = judge(cmp);
    return {
      part,
      rows,
      scale,
      comparison: cmp,
      direction: dir,
      verdicts,
      verdict: verdictLines(verdicts, direction ? dir : undefined),
      beatsBaselines: verdicts.every((v) => v.outcome === 'beats'),
      origins,
      forecast: yHat,
      actual: y,
    };
  }

  private compareOpts(sp: Split, firstOrigin: number): CompareOptions {
    const season = this.state.season;
    const opts: CompareOptions = { insampleEnd: sp.train.end };
    // Seasonal naive needs a full season before the first origin, and MASE more than one season of training rows.
    if (season > 1 && firstOrigin + 1 >= season && sp.train.end > season) opts.season = season;
    else if (season > 1 && sp.train.end <= season) opts.metrics = ['mse', 'mae', 'rmse', 'mape', 'smape', 'direction'];
    return opts;
  }

  /**
   * Scores the model on a part of the split (default `test`), every window (stride 1), beside
   * persistence and seasonal naive on the same windows, with plain verdict sentences.
   *
   * @example
   * const ev = f.evaluate(frame, 'test');
   * console.log(formatReport(ev.comparison).join('\n'));
   * if (!ev.beatsBaselines) console.log('use the naive forecast');
   */
  evaluate(frame: TimeFrame, part: 'train' | 'val' | 'test' = 'test', opts: ForecastEvalOptions = {}): ForecastEvaluation {
    void this.state; // throws before fit
    const cfg = this.config;
    const scale = opts.scale ?? cfg.metricsScale;
    this.checkScale(scale);
    const sp = this.resolveSplit(frame);
    const rows = { start: sp[part].start, end: sp[part].end };
    const p = this.prepare(frame);
    const origins = this.originsFor(p, rows.start, rows.end, opts.stride ?? 1);
    if (origins.length === 0) throw this.tooShort(`the ${part} part (rows ${rows.start}–${rows.end - 1})`, rows.end - rows.start, p, rows.end);
    let yHat = this.forecastOrigins(p, origins);
    if (scale === 'scaled') yHat = this.scalerObj!.transformArray(yHat, cfg.targets);
    const mf = this.metricFrame(frame, scale);
    const raw = Int32Array.from(origins, (o) => o + p.D);
    const w = this.rawWindows(mf, raw);
    const cmp = compareWithBaselines(mf, w, yHat, this.compareOpts(sp, raw[0]!));
    return this.finish(part, rows, scale, mf, sp, raw, yHat, Float64Array.from(w.y.data), cmp, opts.direction ?? false);
  }

  /** Windows-shaped actual values at frame-row origins (x is not needed by the baselines). */
  private rawWindows(mf: TimeFrame, origins: Int32Array): Windows {
    const { horizon: H, targets } = this.config;
    const C = targets.length;
    const N = origins.length;
    const cols = targets.map((t) => mf.column(t));
    const y = new Float32Array(N * H * C);
    for (let i = 0; i < N; i++) for (let h = 0; h < H; h++) for (let c = 0; c < C; c++) y[(i * H + h) * C + c] = cols[c]![origins[i]! + 1 + h]!;
    return {
      x: { data: new Float32Array(0), shape: [N, 0, 0] },
      y: { data: y, shape: [N, H, C] },
      originIndex: origins,
      originTime: Float64Array.from(origins, (o) => mf.times[o]!),
      features: [...targets],
      targets: [...targets],
      lookback: this.config.lookback,
      horizon: H,
      targetFeatureIndex: targets.map((_, c) => c),
    };
  }

  /**
   * Walk-forward (rolling-origin) evaluation over a part: origins every `step` rows (default
   * the horizon, so forecasts tile the part), each forecast from the history up to its origin.
   * With `refit`, a fresh model is trained on that history for every fold (slow; the last 20%
   * of the history is its validation part). Baselines are scored on the same folds.
   */
  async walkForward(frame: TimeFrame, opts: WalkForwardEvalOptions = {}): Promise<ForecastEvaluation> {
    const cfg = this.config;
    const H = cfg.horizon;
    void this.state; // throws before fit
    const scale = opts.scale ?? cfg.metricsScale;
    this.checkScale(scale);
    const sp = this.resolveSplit(frame);
    const part = opts.part ?? 'test';
    const rows = { start: sp[part].start, end: sp[part].end };
    const step = opts.step ?? H;
    if (!Number.isInteger(step) || step < 1) throw new Error(`walkForward: step must be an integer ≥ 1, got ${step}`);
    const p = this.prepare(frame);
    let origins = this.originsFor(p, rows.start, rows.end, step);
    if (opts.folds !== undefined) {
      if (!Number.isInteger(opts.folds) || opts.folds < 1) throw new Error(`walkForward: folds must be an integer ≥ 1, got ${opts.folds}`);
      origins = origins.subarray(Math.max(0, origins.length - opts.folds));
    }
    if (origins.length === 0) throw this.tooShort(`the ${part} part (rows ${rows.start}–${rows.end - 1})`, rows.end - rows.start, p, rows.end);
    const raw = Int32Array.from(origins, (o) => o + p.D);
    const C = cfg.targets.length;
    let yHat: Float64Array;
    if (!opts.refit) {
      yHat = this.forecastOrigins(p, origins);
    } else {
      const fitOpts = typeof opts.refit === 'object' ? opts.refit : {};
      yHat = new Float64Array(raw.length * H * C);
      for (let i = 0; i < raw.length; i++) {
        const O = raw[i]!;
        const hist = frame.slice(0, O + 1);
        const nv = Math.max(cfg.lookback + H + 1, Math.floor(0.2 * hist.length));
        const valStart = hist.length - nv;
        const L = cfg.lookback;
        const split: Split = {
          train: { start: 0, end: valStart, contextStart: 0 },
          val: { start: valStart, end: hist.length, contextStart: Math.max(0, valStart - L) },
          test: { start: hist.length, end: hist.length, contextStart: Math.max(0, hist.length - L) },
          unused: { start: hist.length, end: hist.length },
        };
        const f = Forecaster.create({ ...cfg, features: cfg.features.slice(cfg.targets.length), season: this.state.season });
        await f.fit(hist, split, fitOpts);
        const fc = f.predict(hist);
        cfg.targets.forEach((t, c) => fc.values[t]!.forEach((v, h) => (yHat[(i * H + h) * C + c] = v)));
        opts.onFold?.(i + 1, raw.length);
      }
    }
    if (scale === 'scaled') yHat = this.scalerObj!.transformArray(yHat, cfg.targets);
    const mf = this.metricFrame(frame, scale);
    const folds: Fold[] = Array.from(raw, (o) => ({ origin: o, train: { start: 0, end: o + 1 }, test: { start: o + 1, end: o + 1 + H } }));
    const lookup = new Map<number, Float64Array>();
    raw.forEach((o, i) => lookup.set(o, yHat.subarray(i * H * C, (i + 1) * H * C)));
    const cmp = evaluateWalkForward(mf, folds, (_hist, fold) => lookup.get(fold.origin)!, { ...this.compareOpts(sp, raw[0]!), targets: cfg.targets });
    const w = this.rawWindows(mf, raw);
    const name = `${part} (walk-forward, ${raw.length} folds, step ${step}${opts.refit ? ', refit' : ''})`;
    return this.finish(name, rows, scale, mf, sp, raw, yHat, Float64Array.from(w.y.data), cmp, opts.direction ?? false);
  }

  // -------------------------------------------------------------------------------------------
  // Files

  /**
   * Saves network, configuration, scaler, transforms, split and training report in one
   * `.safetensors` file (with `meta` as extra JSON).
   */
  async save(path: string): Promise<void> {
    await saveModel(this.model, path, { metadata: { [META_KEY]: { version: META_VERSION, config: this.config, state: this.state, meta: this.meta } } });
  }

  /**
   * Loads a forecaster saved by {@link save}; its predictions are identical to the saved one's.
   *
   * @example
   * const f = await Forecaster.load('etth1.safetensors');
   * f.predict(frame);
   */
  static async load(path: string): Promise<Forecaster> {
    const { user } = await readModelMetadata(path);
    const m = user[META_KEY] as { version?: number; config?: ForecasterOptions; state?: ForecasterState; meta?: Record<string, unknown> } | undefined;
    if (!m || typeof m !== 'object' || !m.config || !m.state) throw new Error(`${path}: not a forecaster model (no "${META_KEY}" metadata); train one with Forecaster.fit or 'recurrent forecast train'`);
    if (m.version !== META_VERSION) throw new Error(`${path}: forecaster metadata version ${JSON.stringify(m.version)} is not supported (this library reads ${META_VERSION})`);
    const f = new Forecaster(resolveConfig(m.config));
    f.net = await loadModel(path);
    f.fitted = m.state;
    f.scalerObj = scalerFromJSON(m.state.scaler);
    f.meta = m.meta ?? {};
    return f;
  }
}
