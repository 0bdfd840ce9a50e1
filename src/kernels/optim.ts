/**
 * Optimizer updates, dispatched (see gemm.ts): the wasm kernels (csrc/optim.c, bit-identical to
 * the reference for Float32) when the backend is not `ref` and every array is a Float32Array on the
 * heap; otherwise the reference ref/optim.ts (the specification). With the native backend, the native add-on's build of the same C runs
 * (`activeKernels()`), in place on the same heap.
 */

import type { FloatArray } from '../tensor/tensor.js';
import { activeKernels } from './gemm.js';
import * as ref from './ref/optim.js';
import type { AdagradStepArgs, AdamStepArgs, RmspropStepArgs, SgdStepArgs } from './ref/optim.js';
import { tryWasmAdagradStep, tryWasmAdamStep, tryWasmRmspropStep, tryWasmSgdStep } from './wasm/optim.js';

export { clipByValue, sumSquares } from './ref/optim.js';
export type { AdagradStepArgs, AdamStepArgs, RmspropStepArgs, SgdStepArgs } from './ref/optim.js';

/** One SGD step (ref/optim.ts `sgdStep`). */
export function sgdStep<A extends FloatArray>(a: SgdStepArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmSgdStep(a, ks)) return;
  ref.sgdStep(a);
}

/** One Adam or AdamW step (ref/optim.ts `adamStep`). */
export function adamStep<A extends FloatArray>(a: AdamStepArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmAdamStep(a, ks)) return;
  ref.adamStep(a);
}

/** One RMSprop step (ref/optim.ts `rmspropStep`). */
export function rmspropStep<A extends FloatArray>(a: RmspropStepArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmRmspropStep(a, ks)) return;
  ref.rmspropStep(a);
}

/** One Adagrad step (ref/optim.ts `adagradStep`). */
export function adagradStep<A extends FloatArray>(a: AdagradStepArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmAdagradStep(a, ks)) return;
  ref.adagradStep(a);
}
