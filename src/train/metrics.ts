import type { FloatArray } from '../tensor/tensor.js';

/**
 * A running metric over batches, computed on host arrays after each forward pass.
 * Positions masked in the prediction (padded time steps) and ignored targets are skipped.
 */
export interface Metric {
  readonly name: string;
  reset(): void;
  /** pred (..., C) flat with its shape; target flat (class ids or dense values); mask (B, T) or null. */
  update(pred: FloatArray, predShape: readonly number[], target: FloatArray, mask: Uint8Array | null): void;
  result(): number;
}

/** Names accepted by `fit({ metrics })`. `top5` = top-5 accuracy (any `topK`). */
export type MetricName = 'accuracy' | 'acc' | 'mae' | 'rmse' | `top${number}`;

function rowMasked(mask: Uint8Array | null, predShape: readonly number[], row: number): boolean {
  return mask !== null && predShape.length === 3 && !mask[row];
}

/**
 * Classification accuracy. With C > 1 outputs: argmax(pred) = target (class ids). With one
 * output (binary): (pred > threshold) = (target > 0.5); threshold 0.5 for probabilities, 0 for
 * logits.
 */
export class Accuracy implements Metric {
  readonly name: string = 'accuracy';
  private hits = 0;
  private count = 0;
  constructor(
    private readonly threshold = 0.5,
    private readonly ignoreIndex = -100,
  ) {}
  reset(): void {
    this.hits = 0;
    this.count = 0;
  }
  update(pred: FloatArray, predShape: readonly number[], target: FloatArray, mask: Uint8Array | null): void {
    const C = predShape[predShape.length - 1]!;
    const N = pred.length / C;
    if (C === 1 || target.length === pred.length) {
      // Binary (or multi-label) outputs: threshold each value.
      for (let i = 0; i < pred.length; i++) {
        if (rowMasked(mask, predShape, Math.floor(i / C))) continue;
        if (pred[i]! > this.threshold === target[i]! > 0.5) this.hits++;
        this.count++;
      }
      return;
    }
    for (let n = 0; n < N; n++) {
      const y = target[n]!;
      if (y === this.ignoreIndex || rowMasked(mask, predShape, n)) continue;
      let best = 0;
      for (let c = 1; c < C; c++) if (pred[n * C + c]! > pred[n * C + best]!) best = c;
      if (best === y) this.hits++;
      this.count++;
    }
  }
  result(): number {
    return this.count ? this.hits / this.count : NaN;
  }
}

/** Fraction of positions whose target class is among the k highest predictions. */
export class TopKAccuracy implements Metric {
  readonly name: string;
  private hits = 0;
  private count = 0;
  constructor(
    readonly k: number,
    private readonly ignoreIndex = -100,
  ) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`top-k accuracy: k must be a positive integer, got ${k}`);
    this.name = `top${k}`;
  }
  reset(): void {
    this.hits = 0;
    this.count = 0;
  }
  update(pred: FloatArray, predShape: readonly number[], target: FloatArray, mask: Uint8Array | null): void {
    const C = predShape[predShape.length - 1]!;
    const N = pred.length / C;
    for (let n = 0; n < N; n++) {
      const y = target[n]!;
      if (y === this.ignoreIndex || rowMasked(mask, predShape, n)) continue;
      const py = pred[n * C + y]!;
      let above = 0;
      for (let c = 0; c < C; c++) if (pred[n * C + c]! > py) above++;
      if (above < this.k) this.hits++;
      this.count++;
    }
  }
  result(): number {
    return this.count ? this.hits / this.count : NaN;
  }
}

/** Mean absolute error, or root mean squared error with `squared`. */
export class ErrorMetric implements Metric {
  readonly name: string;
  private sum = 0;
  private count = 0;
  constructor(private readonly squared: boolean) {
    this.name = squared ? 'rmse' : 'mae';
  }
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  update(pred: FloatArray, predShape: readonly number[], target: FloatArray, mask: Uint8Array | null): void {
    const F = predShape[predShape.length - 1]!;
    for (let i = 0; i < pred.length; i++) {
      if (rowMasked(mask, predShape, Math.floor(i / F))) continue;
      const d = pred[i]! - target[i]!;
      this.sum += this.squared ? d * d : Math.abs(d);
      this.count++;
    }
  }
  result(): number {
    if (!this.count) return NaN;
    return this.squared ? Math.sqrt(this.sum / this.count) : this.sum / this.count;
  }
}

/** Resolves a metric name; `logits` chooses the binary accuracy threshold (0 instead of 0.5). */
export function getMetric(spec: Metric | MetricName, opts: { logits?: boolean; ignoreIndex?: number } = {}): Metric {
  if (typeof spec === 'object') return spec;
  if (spec === 'accuracy' || spec === 'acc') return new Accuracy(opts.logits ? 0 : 0.5, opts.ignoreIndex ?? -100);
  if (spec === 'mae') return new ErrorMetric(false);
  if (spec === 'rmse') return new ErrorMetric(true);
  const m = /^top(\d+)$/.exec(spec);
  if (m) return new TopKAccuracy(Number(m[1]), opts.ignoreIndex ?? -100);
  throw new Error(`unknown metric ${JSON.stringify(spec)}; expected accuracy, top5 (any topK), mae, rmse, or a Metric object`);
}
