/**
 * Optimizer updates on the active backend (see gemm.ts): wasm (csrc/optim.c, bit-identical to the
 * reference for Float32) when it is active and every array is a Float32Array on the heap, else
 * the reference ref/optim.ts (the specification).
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
  if (getBackend() === 'wasm' && tryWasmSgdStep(a)) return;
  ref.sgdStep(a);
}

/** One Adam or AdamW step (ref/optim.ts `adamStep`). */
export function adamStep<A extends FloatArray>(a: AdamStepArgs<A>): void {
  if (getBackend() === 'wasm' && tryWasmAdamStep(a)) return;
  ref.adamStep(a);
}

/** One RMSprop step (ref/optim.ts `rmspropStep`). */
export function rmspropStep<A extends FloatArray>(a: RmspropStepArgs<A>): void {
  if (getBackend() === 'wasm' && tryWasmRmspropStep(a)) return;
  ref.rmspropStep(a);
}

/** One Adagrad step (ref/optim.ts `adagradStep`). */
export function adagradStep<A extends FloatArray>(a: AdagradStepArgs<A>): void {
  if (getBackend() === 'wasm' && tryWasmAdagradStep(a)) return;
  ref.adagradStep(a);
}
