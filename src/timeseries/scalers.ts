/**
 * Per-column scalers, fitted on the training rows only and saved as JSON with a model.
 *
 * Both scalers are affine per column c: `x' = x·a[c] + b[c]`, inverted by `x = (x' − b[c]) / a[c]`.
 * - standard: `x' = (x − mean) / std`, population std (ddof 0) as sklearn's `StandardScaler`
 *   and Informer; a constant column (std 0) is only centred (std taken as 1, as sklearn).
 * - min-max: `x' = lo + (x − min)·(hi − lo)/(max − min)` into `featureRange` [lo, hi] (default
 *   [0, 1]); a constant column maps to `lo` (range taken as 1, as sklearn).
 *
 * Fit on `frame.slice(0, trainEnd)` so no statistic of validation or test rows leaks in.
 */
import { TimeFrame } from './frame.js';

/** JSON form of a fitted scaler (numbers survive `JSON.stringify`/`parse` exactly). */
export type ScalerJSON =
  | { type: 'standard'; columns: string[]; mean: number[]; std: number[] }
  | { type: 'minmax'; columns: string[]; min: number[]; max: number[]; featureRange: [number, number] };

type Numeric = Float32Array | Float64Array;

/**
 * Base of the affine per-column scalers: fit, transform / inverse on frames and flat arrays, JSON.
 *
 * @example
 * const s: Scaler = createScaler('standard').fit(train, ['OT']);
 * const yHat = s.inverseTransformArray(pred, ['OT']);
 */
export abstract class Scaler {
  /** Fitted columns, in order. Empty until `fit`. */
  columns: string[] = [];
  protected a = new Float64Array(0);
  protected b = new Float64Array(0);

  /** Computes per-column statistics from `frame` (all its rows) for `columns` (default all). */
  abstract fit(frame: TimeFrame, columns?: readonly string[]): this;
  /** The JSON form, for saving beside a model. */
  abstract toJSON(): ScalerJSON;

  protected checkFitted(what: string): void {
    if (this.columns.length === 0) throw new Error(`${this.constructor.name}.${what}: the scaler is not fitted; call fit(trainFrame) first`);
  }

  protected fitColumns(frame: TimeFrame, columns: readonly string[] | undefined): { names: string[]; data: Float64Array[] } {
    const names = [...(columns ?? frame.names)];
    if (names.length === 0) throw new Error(`${this.constructor.name}.fit: no columns to fit`);
    if (frame.length === 0) throw new Error(`${this.constructor.name}.fit: the frame has no rows`);
    const data = names.map((n) => {
      const col = frame.column(n);
      for (let i = 0; i < col.length; i++) {
        if (!Number.isFinite(col[i])) throw new Error(`${this.constructor.name}.fit: column "${n}" has a non-finite value at row ${i}; handle missing values when loading`);
      }
      return col;
    });
    return { names, data };
  }

  private indexOf(name: string, what: string): number {
    const k = this.columns.indexOf(name);
    if (k < 0) throw new Error(`${this.constructor.name}.${what}: column "${name}" was not fitted; fitted columns are: ${this.columns.join(', ')}`);
    return k;
  }

  /**
   * The frame with every fitted column scaled (new arrays); other columns pass through.
   *
   * @example
   * const scaler = new StandardScaler().fit(frame.slice(0, 8640));
   * const scaled = scaler.transform(frame);
   */
  transform(frame: TimeFrame): TimeFrame {
    return this.mapFrame(frame, false, 'transform');
  }

  /**
   * The frame with every fitted column mapped back to original units.
   *
   * @example
   * scaler.inverseTransform(scaled).column('OT'); // ≈ frame.column('OT')
   */
  inverseTransform(frame: TimeFrame): TimeFrame {
    return this.mapFrame(frame, true, 'inverseTransform');
  }

  private mapFrame(frame: TimeFrame, inverse: boolean, what: string): TimeFrame {
    this.checkFitted(what);
    const cols = new Map<string, Float64Array>();
    for (const [name, col] of frame.columns) {
      const k = this.columns.indexOf(name);
      cols.set(name, k < 0 ? col : this.mapColumn(col, k, inverse));
    }
    for (const name of this.columns) if (!frame.columns.has(name)) throw new Error(`${this.constructor.name}.${what}: the frame lacks fitted column "${name}"`);
    return new TimeFrame(frame.times, cols);
  }

  private mapColumn(col: Float64Array, k: number, inverse: boolean): Float64Array {
    const out = new Float64Array(col.length);
    const a = this.a[k];
    const b = this.b[k];
    if (inverse) for (let i = 0; i < col.length; i++) out[i] = (col[i] - b) / a;
    else for (let i = 0; i < col.length; i++) out[i] = col[i] * a + b;
    return out;
  }

  /**
   * Scales a flat array whose last axis runs over `columns` (e.g. `y.data` of shape
   * (N, H, nTargets) with `columns = targets`); returns a new array of the same type.
   *
   * @example
   * scaler.transformArray(Float32Array.of(30.5, 27.8), ['OT']);
   */
  transformArray<T extends Numeric>(data: T, columns: readonly string[]): T {
    return this.mapArray(data, columns, false, 'transformArray');
  }

  /**
   * Maps model outputs back to original units; the last axis of `data` runs over `columns`.
   *
   * @example
   * const yHat = scaler.inverseTransformArray(pred.data, windows.targets); // (N, H, nTargets) in °C
   */
  inverseTransformArray<T extends Numeric>(data: T, columns: readonly string[]): T {
    return this.mapArray(data, columns, true, 'inverseTransformArray');
  }

  private mapArray<T extends Numeric>(data: T, columns: readonly string[], inverse: boolean, what: string): T {
    this.checkFitted(what);
    const C = columns.length;
    if (C === 0 || data.length % C !== 0) throw new Error(`${this.constructor.name}.${what}: expected data of length a multiple of ${C} (one value per column), got ${data.length}`);
    const ks = columns.map((c) => this.indexOf(c, what));
    const out = new (data.constructor as { new (n: number): T })(data.length);
    for (let i = 0; i < data.length; i += C) {
      for (let c = 0; c < C; c++) {
        const a = this.a[ks[c]];
        const b = this.b[ks[c]];
        out[i + c] = inverse ? (data[i + c] - b) / a : data[i + c] * a + b;
      }
    }
    return out;
  }
}

/**
 * Standardises each column to zero mean and unit (population) variance over the fitted rows.
 *
 * @example
 * const scaler = new StandardScaler().fit(frame.slice(0, 8640));   // train rows only
 * const scaled = scaler.transform(frame);
 * const json = JSON.stringify(scaler);                              // { type: 'standard', columns, mean, std }
 * const again = scalerFromJSON(JSON.parse(json));
 */
export class StandardScaler extends Scaler {
  mean: number[] = [];
  std: number[] = [];

  override fit(frame: TimeFrame, columns?: readonly string[]): this {
    const { names, data } = this.fitColumns(frame, columns);
    const mean: number[] = [];
    const std: number[] = [];
    for (const col of data) {
      let s = 0;
      for (const x of col) s += x;
      const m = s / col.length;
      let ss = 0;
      for (const x of col) ss += (x - m) * (x - m);
      mean.push(m);
      std.push(Math.sqrt(ss / col.length));
    }
    return this.set(names, mean, std);
  }

  private set(columns: string[], mean: number[], std: number[]): this {
    this.columns = columns;
    this.mean = mean;
    this.std = std;
    this.a = Float64Array.from(std, (s) => 1 / (s > 0 ? s : 1));
    this.b = Float64Array.from(mean, (m, k) => -m * this.a[k]);
    return this;
  }

  override toJSON(): ScalerJSON {
    this.checkFitted('toJSON');
    return { type: 'standard', columns: [...this.columns], mean: [...this.mean], std: [...this.std] };
  }

  /** Rebuilds a fitted scaler from its JSON form. */
  static fromJSON(json: Extract<ScalerJSON, { type: 'standard' }>): StandardScaler {
    checkStats(json, ['mean', 'std']);
    return new StandardScaler().set([...json.columns], [...json.mean], [...json.std]);
  }
}

/**
 * Scales each column linearly so its fitted minimum and maximum land on `featureRange`.
 *
 * @example
 * const scaler = new MinMaxScaler({ featureRange: [0, 1] }).fit(frame.slice(0, 96), ['Passengers']);
 */
export class MinMaxScaler extends Scaler {
  min: number[] = [];
  max: number[] = [];
  readonly featureRange: [number, number];

  constructor(opts: { featureRange?: [number, number] } = {}) {
    super();
    const r = opts.featureRange ?? [0, 1];
    if (!(Array.isArray(r) && r.length === 2 && Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] < r[1])) {
      throw new Error(`MinMaxScaler: featureRange must be [lo, hi] with lo < hi, got ${JSON.stringify(r)}`);
    }
    this.featureRange = [r[0], r[1]];
  }

  override fit(frame: TimeFrame, columns?: readonly string[]): this {
    const { names, data } = this.fitColumns(frame, columns);
    const min: number[] = [];
    const max: number[] = [];
    for (const col of data) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const x of col) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      min.push(lo);
      max.push(hi);
    }
    return this.set(names, min, max);
  }

  private set(columns: string[], min: number[], max: number[]): this {
    const [lo, hi] = this.featureRange;
    this.columns = columns;
    this.min = min;
    this.max = max;
    this.a = Float64Array.from(min, (m, k) => (hi - lo) / (max[k] > m ? max[k] - m : 1));
    this.b = Float64Array.from(min, (m, k) => lo - m * this.a[k]);
    return this;
  }

  override toJSON(): ScalerJSON {
    this.checkFitted('toJSON');
    return { type: 'minmax', columns: [...this.columns], min: [...this.min], max: [...this.max], featureRange: [...this.featureRange] };
  }

  /** Rebuilds a fitted scaler from its JSON form. */
  static fromJSON(json: Extract<ScalerJSON, { type: 'minmax' }>): MinMaxScaler {
    checkStats(json, ['min', 'max']);
    return new MinMaxScaler({ featureRange: json.featureRange }).set([...json.columns], [...json.min], [...json.max]);
  }
}

function checkStats(json: Record<string, unknown>, keys: string[]): void {
  const cols = json.columns;
  if (!Array.isArray(cols) || cols.length === 0 || !cols.every((c) => typeof c === 'string')) {
    throw new Error(`scalerFromJSON: expected a non-empty string array "columns", got ${JSON.stringify(cols)}`);
  }
  for (const k of keys) {
    const v = json[k];
    if (!Array.isArray(v) || v.length !== cols.length || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new Error(`scalerFromJSON: expected "${k}" to be ${cols.length} finite numbers, got ${JSON.stringify(v)}`);
    }
  }
}

/** Scaler names accepted by {@link createScaler}. */
export type ScalerName = 'standard' | 'minmax';

/**
 * A new, unfitted scaler by name.
 *
 * @example
 * const s = createScaler('standard').fit(train, ['OT']);
 */
export function createScaler(name: ScalerName, opts: { featureRange?: [number, number] } = {}): Scaler {
  if (name === 'standard') return new StandardScaler();
  if (name === 'minmax') return new MinMaxScaler(opts);
  throw new Error(`createScaler: unknown scaler ${JSON.stringify(name)}; expected 'standard' or 'minmax'`);
}

/**
 * Rebuilds a fitted scaler from `toJSON()` output (e.g. read from a model file's metadata).
 *
 * @example
 * const scaler = scalerFromJSON(JSON.parse(text)); // StandardScaler or MinMaxScaler
 */
export function scalerFromJSON(json: ScalerJSON): Scaler {
  const t = (json as { type?: unknown } | null)?.type;
  if (t === 'standard') return StandardScaler.fromJSON(json as Extract<ScalerJSON, { type: 'standard' }>);
  if (t === 'minmax') return MinMaxScaler.fromJSON(json as Extract<ScalerJSON, { type: 'minmax' }>);
  throw new Error(`scalerFromJSON: expected type 'standard' or 'minmax', got ${JSON.stringify(t)}`);
}
