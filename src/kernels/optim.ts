/**
 * Optimizer updates, dispatched (see gemm.ts): the wasm kernels (csrc/optim.c, bit-identical to
 * the reference for Float32) when the backend is not `ref` and every array is a Float32Array on the
 * heap; otherwise the reference ref/optim.ts (the specification). The native backend has no
 * kernels of its own for these yet, so it runs the wasm ones (in place, on the same heap).
 */

import type { FloatArray } from '../tensor/tensor.js';
import { getBackend } from './gemm.js';
import * as ref from './ref/optim.js';
import type { AdagradStepArgs, AdamStepArgs, RmspropStepArgs, SgdStepArgs } from './ref/optim.js';
import { tryWasmAdagradStep, tryWasmAdamStep, tryWasmRmspropStep, tryWasmSgdStep } from './wasm/optim.js';

export { clipByValue, sumSquares } from './ref/optim.js';
export type { AdagradStepArgs, AdamStepArgs, RmspropStepArgs, SgdStepArgs } from './ref/optim.js';

/** One SGD step (ref/optim.ts `sgdStep`). */
export function sgdStep<A extends FloatArray>(a: SgdStepArgs<A>): void {
  if (getBackend() !== 'ref' && tryWasmSgdStep(a)) return;
  ref.sgdStep(a);
}

/** One Adam or AdamW step (ref/optim.ts `adamStep`). */
export function adamStep<A extends FloatArray>(a: AdamStepArgs<A>): void {
  if (getBackend() !== 'ref' && tryWasmAdamStep(a)) return;
  ref.adamStep(a);
}

/** One RMSprop step (ref/optim.ts `rmspropStep`). */
export function rmspropStep<A extends FloatArray>(a: RmspropStepArgs<A>): void {
  if (getBackend() !== 'ref' && tryWasmRmspropStep(a)) return;
  ref.rmspropStep(a);
}

/** One Adagrad step (ref/optim.ts `adagradStep`). */
export function adagradStep<A extends FloatArray>(a: AdagradStepArgs<A>): void {
  if (getBackend() !== 'ref' && tryWasmAdagradStep(a)) return;
  ref.adagradStep(a);
}
