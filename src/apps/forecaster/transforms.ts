/**
 * Invertible target transforms applied before scaling: an optional natural log, then zero or more
 * differences (lag 1 = first difference, lag m = seasonal difference). They read only past values
 * and have no fitted parameters, so computing them on a whole frame leaks nothing.
 *
 *   stage 0:  z₀[t] = log(y[t])            (or y[t] without `log`)
 *   stage s:  z_s[t] = z_{s−1}[t] − z_{s−1}[t − k_s]      k_s = difference[s − 1]
 *
 * The model learns the last stage. A forecast of z_S at rows o+1 … o+H is turned back into values
 * of y by undoing the stages in reverse order: z_{s−1}[o+h] = z_s[o+h] + z_{s−1}[o+h−k_s], where
 * z_{s−1}[o+h−k_s] is observed when o+h−k_s ≤ o and was reconstructed otherwise; then exp.
 * The first Σ k_s rows have no value of z_S and are dropped from the model's view.
 */

/** Which transforms to apply to the target columns. */
export interface TargetTransformSpec {
  /** Natural log of the values first (all values must be > 0). Default false. */
  log?: boolean;
  /** Lags of successive differences, e.g. `[12]` (seasonal), `[1]`, `[12, 1]`. Default none. */
  difference?: number[];
}

/**
 * Applies and inverts log / differencing for one or more target series.
 *
 * @example
 * const t = new TargetTransform({ log: true, difference: [12] });
 * const stages = t.forward(passengers, 'Passengers');   // stages[1][t] = log y[t] − log y[t−12]
 * const yHat = t.inverse(predictedStage1, stages, origin); // back in passengers
 */
export class TargetTransform {
  readonly log: boolean;
  readonly difference: number[];

  constructor(spec: TargetTransformSpec = {}) {
    this.log = spec.log ?? false;
    const d = spec.difference ?? [];
    if (!Array.isArray(d) || !d.every((k) => Number.isInteger(k) && k >= 1)) {
      throw new Error(`difference must be a list of integer lags ≥ 1 (e.g. [12] or [12, 1]), got ${JSON.stringify(spec.difference)}`);
    }
    this.difference = [...d];
  }

  /** True when the transform changes nothing. */
  get identity(): boolean {
    return !this.log && this.difference.length === 0;
  }

  /** Rows lost at the start: Σ lags. */
  get lag(): number {
    return this.difference.reduce((a, b) => a + b, 0);
  }

  /** A short description such as `log, seasonal difference (lag 12)`, or `none`. */
  describe(): string {
    const parts: string[] = [];
    if (this.log) parts.push('log');
    for (const k of this.difference) parts.push(k === 1 ? 'first difference' : `seasonal difference (lag ${k})`);
    return parts.length ? parts.join(', ') : 'none';
  }

  /**
   * All stages of one series, each as long as `values` (NaN where undefined); the last stage is
   * what the model sees. `name` and `timeLabel` only serve error messages.
   */
  forward(values: ArrayLike<number>, name: string, timeLabel: (row: number) => string = (r) => `row ${r}`): Float64Array[] {
    const n = values.length;
    const z0 = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      const v = values[t]!;
      if (this.log) {
        if (!(v > 0)) throw new Error(`the log transform needs values > 0, but column "${name}" is ${v} at ${timeLabel(t)}; drop --log or shift the series`);
        z0[t] = Math.log(v);
      } else z0[t] = v;
    }
    const stages = [z0];
    for (const k of this.difference) {
      const prev = stages[stages.length - 1]!;
      const z = new Float64Array(n).fill(NaN);
      for (let t = k; t < n; t++) z[t] = prev[t]! - prev[t - k]!;
      stages.push(z);
    }
    return stages;
  }

  /**
   * Undoes the stages for one forecast: `pred` holds the last stage at rows origin+1 … origin+H
   * (stride `stride` in `pred`, starting at `offset`), `stages` come from {@link forward} on a
   * series observed at least up to `origin`. Returns H values of the original series.
   */
  inverse(pred: ArrayLike<number>, stages: readonly Float64Array[], origin: number, H: number, offset = 0, stride = 1): Float64Array {
    let cur = new Float64Array(H);
    for (let h = 0; h < H; h++) cur[h] = pred[offset + h * stride]!;
    for (let s = this.difference.length; s >= 1; s--) {
      const k = this.difference[s - 1]!;
      const prev = stages[s - 1]!;
      const out = new Float64Array(H);
      for (let h = 1; h <= H; h++) {
        const back = h - k;
        const base = back <= 0 ? prev[origin + back]! : out[back - 1]!;
        out[h - 1] = cur[h - 1]! + base;
      }
      cur = out;
    }
    if (this.log) for (let h = 0; h < H; h++) cur[h] = Math.exp(cur[h]!);
    return cur;
  }

  toJSON(): Required<TargetTransformSpec> {
    return { log: this.log, difference: [...this.difference] };
  }
}
