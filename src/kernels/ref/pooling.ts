/**
 * Masked global pooling over time: a sequence (B, T, F) → one vector per row (B, F).
 *
 *   max:      y[b, f] = max_{t real} x[b, t, f]                 (0 when row b has no real step)
 *             dx[b, t, f] = dy[b, f] if t = argmax[b, f] else 0  (=)
 *   average:  y[b, f] = Σ_{t real} x[b, t, f] / n_b,  n_b = number of real steps of row b
 *                                                              (0 when n_b = 0)
 *             dx[b, t, f] = dy[b, f] / n_b if t is real else 0   (=)
 *
 * Shapes (row-major, flat):
 *   x, dx (B, T, F)    y, dy (B, F)    mask (B, T) | null, 1 = real step (null: all real)
 *   argmax (B, F) Int32Array: the step each maximum came from, −1 for a row with no real step
 *
 * The max forward caches `argmax` for its backward; the ties go to the first maximal step.
 * The average backward reads only the mask. Both backwards overwrite dx.
 */
import type { FloatArray } from '../../tensor/tensor.js';

export interface MaxPoolForwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  F: number;
  /** (B, T, F) */
  x: A;
  /** (B, T) or null */
  mask: Uint8Array | null;
  /** (B, F), overwritten */
  y: A;
  /** (B, F), overwritten: the step of each maximum, −1 where the row has no real step */
  argmax: Int32Array;
}

/** y[b, f] = max over real steps of x[b, :, f]; 0 for a row with no real step. */
export function maxPoolForward<A extends FloatArray>(args: MaxPoolForwardArgs<A>): void {
  const { B, T, F, x, mask, y, argmax } = args;
  for (let b = 0; b < B; b++) {
    const y0 = b * F;
    argmax.fill(-1, y0, y0 + F);
    for (let t = 0; t < T; t++) {
      if (mask && mask[b * T + t] === 0) continue;
      const x0 = (b * T + t) * F;
      for (let f = 0; f < F; f++) {
        const v = x[x0 + f]!;
        if (argmax[y0 + f] === -1 || v > y[y0 + f]!) {
          y[y0 + f] = v;
          argmax[y0 + f] = t;
        }
      }
    }
    for (let f = 0; f < F; f++) if (argmax[y0 + f] === -1) y[y0 + f] = 0;
  }
}

export interface MaxPoolBackwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  F: number;
  /** (B, F), from the forward */
  argmax: Int32Array;
  /** (B, F) */
  dy: A;
  /** (B, T, F), overwritten */
  dx: A;
}

/** dx = dy routed to the argmax step of each (b, f); zero elsewhere. */
export function maxPoolBackward<A extends FloatArray>(args: MaxPoolBackwardArgs<A>): void {
  const { B, T, F, argmax, dy, dx } = args;
  dx.fill(0, 0, B * T * F);
  for (let b = 0; b < B; b++)
    for (let f = 0; f < F; f++) {
      const t = argmax[b * F + f]!;
      if (t >= 0) dx[(b * T + t) * F + f] = dy[b * F + f]!;
    }
}

export interface AvgPoolForwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  F: number;
  /** (B, T, F) */
  x: A;
  /** (B, T) or null */
  mask: Uint8Array | null;
  /** (B, F), overwritten */
  y: A;
}

/** y[b, f] = mean over real steps of x[b, :, f]; 0 for a row with no real step. */
export function avgPoolForward<A extends FloatArray>(args: AvgPoolForwardArgs<A>): void {
  const { B, T, F, x, mask, y } = args;
  for (let b = 0; b < B; b++) {
    const y0 = b * F;
    y.fill(0, y0, y0 + F);
    let n = 0;
    for (let t = 0; t < T; t++) {
      if (mask && mask[b * T + t] === 0) continue;
      n++;
      const x0 = (b * T + t) * F;
      for (let f = 0; f < F; f++) y[y0 + f]! += x[x0 + f]!;
    }
    if (n > 0) for (let f = 0; f < F; f++) y[y0 + f] = y[y0 + f]! / n;
  }
}

export interface AvgPoolBackwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  F: number;
  /** (B, T) or null */
  mask: Uint8Array | null;
  /** (B, F) */
  dy: A;
  /** (B, T, F), overwritten */
  dx: A;
}

/** dx[b, t, :] = dy[b, :] / n_b on real steps, 0 on padding. */
export function avgPoolBackward<A extends FloatArray>(args: AvgPoolBackwardArgs<A>): void {
  const { B, T, F, mask, dy, dx } = args;
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let t = 0; t < T; t++) if (!mask || mask[b * T + t] !== 0) n++;
    const inv = n > 0 ? 1 / n : 0;
    for (let t = 0; t < T; t++) {
      const x0 = (b * T + t) * F;
      const real = !mask || mask[b * T + t] !== 0;
      for (let f = 0; f < F; f++) dx[x0 + f] = real ? dy[b * F + f]! * inv : 0;
    }
  }
}
