/**
 * Loss kernels on the active backend (see gemm.ts). Softmax cross-entropy runs in wasm
 * (csrc/losses.c) when it is active and the float arrays are Float32Arrays on the heap, else in
 * the reference ref/losses.ts (the specification); the elementwise losses are the reference's.
 */

import type { FloatArray } from '../tensor/tensor.js';
import { getBackend } from './gemm.js';
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
  if (getBackend() === 'wasm') {
    const r = tryWasmSoftmaxCrossEntropyForward(args);
    if (r !== null) return r;
  }
  return refForward(args);
}

/** dlogits for softmaxCrossEntropyForward's loss (ref/losses.ts `softmaxCrossEntropyBackward`). */
export function softmaxCrossEntropyBackward<A extends FloatArray>(args: SoftmaxCrossEntropyBackwardArgs<A>): void {
  if (getBackend() === 'wasm' && tryWasmSoftmaxCrossEntropyBackward(args)) return;
  refBackward(args);
}
