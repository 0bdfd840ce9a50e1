/**
 * Dense (fully connected) layer, PyTorch `nn.Linear` layout.
 *
 *   forward:   y = x · wᵀ + b
 *   backward:  dx  = dy · w          (=, input gradient; skipped when dx is null)
 *              dw += dyᵀ · x         (+=, parameter gradient)
 *              db += Σ_n dy[n, :]    (+=, parameter gradient; skipped when db is null)
 *
 * Shapes (row-major, flat):
 *   x  (N, I)    w  (O, I)    b  (O) | null    y  (N, O)
 *   dy (N, O)    dx (N, I)    dw (O, I)        db (O) | null
 *
 * Nothing is cached: the backward reads the forward's input `x` and the weights `w`.
 * A sequence (B, T, I) is passed with N = B·T.
 */
import type { FloatArray } from '../../tensor/tensor.js';
import { gemm } from '../gemm.js';

export interface DenseForwardArgs<A extends FloatArray> {
  N: number;
  I: number;
  O: number;
  /** (N, I) */
  x: A;
  /** (O, I) */
  w: A;
  /** (O) or null for no bias */
  b: A | null;
  /** (N, O), overwritten */
  y: A;
}

/** y = x · wᵀ + b. */
export function denseForward<A extends FloatArray>(args: DenseForwardArgs<A>): void {
  const { N, I, O, x, w, b, y } = args;
  gemm(false, true, N, O, I, 1, x, 0, I, w, 0, I, 0, y, 0, O);
  if (b === null) return;
  for (let n = 0; n < N; n++) {
    const y0 = n * O;
    for (let o = 0; o < O; o++) y[y0 + o]! += b[o]!;
  }
}

export interface DenseBackwardArgs<A extends FloatArray> {
  N: number;
  I: number;
  O: number;
  /** (N, I), the forward input */
  x: A;
  /** (O, I) */
  w: A;
  /** (N, O) */
  dy: A;
  /** (N, I), overwritten; null when the input needs no gradient */
  dx: A | null;
  /** (O, I), accumulated */
  dw: A;
  /** (O), accumulated; null when the layer has no bias */
  db: A | null;
}

/** dx = dy · w; dw += dyᵀ · x; db += column sums of dy. */
export function denseBackward<A extends FloatArray>(args: DenseBackwardArgs<A>): void {
  const { N, I, O, x, w, dy, dx, dw, db } = args;
  if (dx !== null) gemm(false, false, N, I, O, 1, dy, 0, O, w, 0, I, 0, dx, 0, I);
  gemm(true, false, O, I, N, 1, dy, 0, O, x, 0, I, 1, dw, 0, I);
  if (db === null) return;
  for (let n = 0; n < N; n++) {
    const d0 = n * O;
    for (let o = 0; o < O; o++) db[o]! += dy[d0 + o]!;
  }
}
