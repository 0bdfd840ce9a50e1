/**
 * CTC kernels, dispatched (see gemm.ts, losses.ts): in wasm (csrc/ctc.c) when the backend is not
 * `ref` and logits / logProbs / dlogits are Float32Arrays and α / nll Float64Arrays on the heap
 * (as autograd/ctc_op.ts allocates them for float32 logits), otherwise in the reference
 * ref/ctc.ts (the specification). With the native backend, the native add-on's build of the same C runs
 * (`activeKernels()`), in place on the same heap.
 */

import type { FloatArray } from '../tensor/tensor.js';
import { activeKernels } from './gemm.js';
import { type CtcArgs, ctcBackward as refBackward, ctcForward as refForward } from './ref/ctc.js';
import { tryWasmCtcBackward, tryWasmCtcForward } from './wasm/ctc.js';

export { ctcAlphaSize, ctcBackwardWorkSize } from './ref/ctc.js';
export type { CtcArgs } from './ref/ctc.js';

/** ref/ctc.ts `ctcForward`: logProbs, α and nll. */
export function ctcForward(a: CtcArgs & { logProbs: FloatArray; alpha: FloatArray; nll: FloatArray }): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmCtcForward(a, ks)) return;
  refForward(a);
}

/** ref/ctc.ts `ctcBackward`: dlogits. */
export function ctcBackward(
  a: CtcArgs & { logProbs: FloatArray; alpha: FloatArray; nll: FloatArray; dnll: ArrayLike<number>; dlogits: FloatArray; work: FloatArray },
): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmCtcBackward(a, ks)) return;
  refBackward(a);
}
