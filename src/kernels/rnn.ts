/**
 * The Elman RNN sequence kernels, dispatched (see gemm.ts): the wasm kernels (csrc/recurrent.c)
 * when the backend is not `ref` and every float array is a Float32Array on the heap; otherwise the
 * reference ref/rnn.ts (the specification: equations, shapes, cache layout). Both use the same
 * cache and work layouts, so a forward on one and the backward on the other agree. With the native backend, the native add-on's build of the same C runs
 * (`activeKernels()`), in place on the same heap.
 */

import type { FloatArray } from '../tensor/tensor.js';
import { activeKernels } from './gemm.js';
import { type RnnBackwardArgs, type RnnForwardArgs, rnnBackward as refBackward, rnnForward as refForward } from './ref/rnn.js';
import { tryWasmRnnBackward, tryWasmRnnForward } from './wasm/recurrent.js';

export { rnnBackwardWorkSize, rnnCacheSize } from './ref/rnn.js';
export type { RnnActivation, RnnBackwardArgs, RnnForwardArgs } from './ref/rnn.js';

/** Runs the Elman RNN over the whole sequence (ref/rnn.ts `rnnForward`). */
export function rnnForward<A extends FloatArray>(a: RnnForwardArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmRnnForward(a, ks)) return;
  refForward(a);
}

/** BPTT through rnnForward's sequence (ref/rnn.ts `rnnBackward`). */
export function rnnBackward<A extends FloatArray>(a: RnnBackwardArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmRnnBackward(a, ks)) return;
  refBackward(a);
}
