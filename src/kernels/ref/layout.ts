import type { FloatArray } from '../../tensor/tensor.js';

/**
 * Data-movement kernels: concatenation along the last axis, time reversal, and the merge modes of
 * bidirectional layers. Forward writes outputs (`=`); backward writes input gradients (`=`).
 */

/**
 * y (N, ΣW) = concat_k x_k (N, W_k) along the last axis.
 * Backward: dx_k (N, W_k) = the matching column block of dy.
 */
export function concatLastForward(N: number, xs: readonly FloatArray[], widths: readonly number[], y: FloatArray): void {
  let total = 0;
  for (const w of widths) total += w;
  let col = 0;
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k]!;
    const w = widths[k]!;
    for (let n = 0; n < N; n++) {
      const yo = n * total + col;
      const xo = n * w;
      for (let j = 0; j < w; j++) y[yo + j] = x[xo + j]!;
    }
    col += w;
  }
}

export function concatLastBackward(N: number, widths: readonly number[], dy: FloatArray, dxs: readonly (FloatArray | null)[]): void {
  let total = 0;
  for (const w of widths) total += w;
  let col = 0;
  for (let k = 0; k < widths.length; k++) {
    const w = widths[k]!;
    const dx = dxs[k];
    if (dx)
      for (let n = 0; n < N; n++) {
        const yo = n * total + col;
        const xo = n * w;
        for (let j = 0; j < w; j++) dx[xo + j] = dy[yo + j]!;
      }
    col += w;
  }
}

/** y[b, t] = x[b, T−1−t] for x, y (B, T, F). Its own backward. Optionally flips a (B, T) mask too. */
export function reverseTime(B: number, T: number, F: number, x: FloatArray, y: FloatArray): void {
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      const src = (b * T + (T - 1 - t)) * F;
      const dst = (b * T + t) * F;
      for (let f = 0; f < F; f++) y[dst + f] = x[src + f]!;
    }
}

export function reverseMask(B: number, T: number, mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[b * T + t] = mask[b * T + T - 1 - t]!;
  return out;
}

/** How a bidirectional layer combines its two directions (besides `concat`). */
export type MergeOp = 'sum' | 'mul' | 'ave';

/** y = a + b, a ⊙ b, or (a + b) / 2, elementwise over n values. */
export function mergeForward(op: MergeOp, n: number, a: FloatArray, b: FloatArray, y: FloatArray): void {
  if (op === 'sum') for (let i = 0; i < n; i++) y[i] = a[i]! + b[i]!;
  else if (op === 'ave') for (let i = 0; i < n; i++) y[i] = 0.5 * (a[i]! + b[i]!);
  else for (let i = 0; i < n; i++) y[i] = a[i]! * b[i]!;
}

/** da, db (=) from dy; `mul` needs the forward inputs. */
export function mergeBackward(op: MergeOp, n: number, a: FloatArray, b: FloatArray, dy: FloatArray, da: FloatArray | null, db: FloatArray | null): void {
  const s = op === 'ave' ? 0.5 : 1;
  if (op === 'mul') {
    if (da) for (let i = 0; i < n; i++) da[i] = dy[i]! * b[i]!;
    if (db) for (let i = 0; i < n; i++) db[i] = dy[i]! * a[i]!;
  } else {
    if (da) for (let i = 0; i < n; i++) da[i] = s * dy[i]!;
    if (db) for (let i = 0; i < n; i++) db[i] = s * dy[i]!;
  }
}
