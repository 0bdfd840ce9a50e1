/**
 * Loss kernels, dispatched (see gemm.ts). Softmax cross-entropy runs in wasm (csrc/losses.c) when
 * the backend is not `ref` and the float arrays are Float32Arrays on the heap, otherwise in the
 * reference ref/losses.ts (the specification); the elementwise losses are the reference's. With the native backend, the native add-on's build of the same C runs
 * (`activeKernels()`), in place on the same heap.
 */

import type { FloatArray } from '../tensor/tensor.js';
import { activeKernels } from './gemm.js';
import {
  type SoftmaxCrossEntropyBackwardArgs,
  type SoftmaxCrossEntropyForwardArgs,
  type SoftmaxCrossEntropyResult,
  softmaxCrossEntropyBackward as refBackward,
  softmaxCrossEntropyForward as refForward,
} from './ref/losses.js';
import { tryWasmSoftmaxCrossEntropyBackward, tryWasmSoftmaxCrossEntropyForward } from './wasm/losses.js';

export {
  DEFAULT_IGNORE_INDEX,
  bceBackward,
  bceForward,
  bceWithLogitsBackward,
  bceWithLogitsForward,
  huberBackward,
  huberForward,
  maeBackward,
  maeForward,
  mseBackward,
  mseForward,
} from './ref/losses.js';
export type * from './ref/losses.js';

/** Softmax + cross-entropy over the rows of logits (ref/losses.ts `softmaxCrossEntropyForward`). */
export function softmaxCrossEntropyForward<A extends FloatArray>(args: SoftmaxCrossEntropyForwardArgs<A>): SoftmaxCrossEntropyResult {
  const ks = activeKernels();
  if (ks !== null) {
    const r = tryWasmSoftmaxCrossEntropyForward(args, ks);
    if (r !== null) return r;
  }
  return refForward(args);
}

/** dlogits for softmaxCrossEntropyForward's loss (ref/losses.ts `softmaxCrossEntropyBackward`). */
export function softmaxCrossEntropyBackward<A extends FloatArray>(args: SoftmaxCrossEntropyBackwardArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmSoftmaxCrossEntropyBackward(args, ks)) return;
  refBackward(args);
}
