/**
 * Row-sparse ("lazy") Adam for an embedding table: only the rows used by the current batch are
 * updated, as TensorFlow Addons' `LazyAdam` and PyTorch's `SparseAdam` do. A dense Adam step over
 * a 20,000 × 128 table touches 2.5 M values per batch although a batch of sentences uses a few
 * hundred rows; on SST-2 that dense step cost as much as the forward pass.
 *
 * The moments of a row decay only when the row is used; the bias correction uses the global
 * step count (LazyAdam's choice).
 */
import type { Parameter } from '../../nn/parameter.js';

/** The distinct ids of `ids` except `skip` (the padding id), in first-seen order. */
export function touchedRows(ids: ArrayLike<number>, V: number, skip: number, seen: Uint8Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id === skip || id < 0 || id >= V || seen[id]) continue;
    seen[id] = 1;
    out.push(id);
  }
  for (const id of out) seen[id] = 0;
  return Int32Array.from(out);
}

/** Σ g² over the given rows of a (V, E) gradient. */
export function rowSumSquares(grad: ArrayLike<number>, rows: Int32Array, E: number): number {
  let s = 0;
  for (const r of rows) {
    const o = r * E;
    for (let e = 0; e < E; e++) {
      const g = grad[o + e]!;
      s += g * g;
    }
  }
  return s;
}

/** Adam on selected rows of one (V, E) parameter. */
export class LazyRowAdam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly E: number;
  /** Global step count (for the bias correction). */
  step = 0;

  constructor(
    readonly param: Parameter,
    public beta1 = 0.9,
    public beta2 = 0.999,
    public eps = 1e-8,
  ) {
    const [V, E] = param.shape as [number, number];
    this.E = E;
    this.m = new Float32Array(V * E);
    this.v = new Float32Array(V * E);
  }

  /** Updates `rows` from the gradient (scaled by `gradScale`, e.g. a clipping factor), then zeroes those gradient rows. */
  update(rows: Int32Array, lr: number, gradScale = 1): void {
    this.step++;
    const { m, v, E, beta1, beta2, eps } = this;
    const p = this.param.data;
    const g = this.param.grad!.data;
    const stepSize = lr / (1 - beta1 ** this.step);
    const bc2 = Math.sqrt(1 - beta2 ** this.step);
    for (const r of rows) {
      const o = r * E;
      for (let e = o; e < o + E; e++) {
        const gi = g[e]! * gradScale;
        g[e] = 0;
        const mi = (m[e] = beta1 * m[e]! + (1 - beta1) * gi);
        const vi = (v[e] = beta2 * v[e]! + (1 - beta2) * gi * gi);
        p[e]! -= (stepSize * mi) / (Math.sqrt(vi) / bc2 + eps);
      }
    }
  }
}
