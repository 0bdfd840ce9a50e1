/**
 * Element-wise activations over a whole array, dispatched (see gemm.ts): the vectorised wasm
 * kernels of csrc/activations.c (`tanh_f32`, max relative error 3.6e-7 against `Math.tanh`, see
 * csrc/vmath.h) when the backend is not `ref` and both arrays are Float32Arrays on the heap;
 * otherwise `Math.tanh` element by element (the specification, and the only path for Float64).
 *
 * Kernels that apply an activation to many values at once (the additive attention score
 * tanh(qp + kp) over batch × queries × keys × units) stage the arguments in the output array and
 * call this once, instead of calling `Math.tanh` per element in a JavaScript loop.
 */

import type { FloatArray } from '../tensor/tensor.js';
import { activeKernels } from './gemm.js';
import { f32Addr } from './wasm/backend.js';

/**
 * y[i] = tanh(x[i]) for i in [0, n); `y` may be `x` (in place).
 *
 * Shapes: x and y flat, at least n elements each.
 *
 * @example
 * const e = new Float32Array([0, 1, -2]);
 * tanhArray(e, e, 3);   // e ≈ [0, 0.7616, -0.9640]
 */
export function tanhArray<A extends FloatArray>(x: A, y: A, n: number): void {
  if (!(n >= 0 && n <= x.length && n <= y.length)) throw new Error(`tanhArray: n = ${n} is outside the arrays (lengths ${x.length}, ${y.length})`);
  if (n === 0) return;
  const k = activeKernels()?.kernels() ?? null;
  if (k !== null) {
    const xa = f32Addr(x as Float32Array, n);
    const ya = f32Addr(y as Float32Array, n);
    if (xa > 0 && ya > 0) {
      k.tanh_f32(n, xa, ya);
      return;
    }
  }
  for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]!);
}
