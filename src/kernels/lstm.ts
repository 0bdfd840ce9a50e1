/**
 * The LSTM sequence kernels, dispatched (see gemm.ts): the wasm kernels (csrc/recurrent.c) when
 * the backend is not `ref` and every float array is a Float32Array on the heap; otherwise the
 * reference ref/lstm.ts (the specification: equations, shapes, cache layout). Both use the same
 * cache and work layouts, so a forward on one and the backward on the other agree. With the native backend, the native add-on's build of the same C runs
 * (`activeKernels()`), in place on the same heap.
 */

import type { FloatArray } from '../tensor/tensor.js';
import { activeKernels } from './gemm.js';
import { type LstmBackwardArgs, type LstmForwardArgs, lstmBackward as refBackward, lstmForward as refForward } from './ref/lstm.js';
import { tryWasmLstmBackward, tryWasmLstmForward } from './wasm/recurrent.js';

export { lstmBackwardWorkSize, lstmCacheSize } from './ref/lstm.js';
export type { LstmBackwardArgs, LstmForwardArgs } from './ref/lstm.js';

/** Runs the LSTM over the whole sequence (ref/lstm.ts `lstmForward`). */
export function lstmForward<A extends FloatArray>(a: LstmForwardArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmLstmForward(a, ks)) return;
  refForward(a);
}

/** BPTT through lstmForward's sequence (ref/lstm.ts `lstmBackward`). */
export function lstmBackward<A extends FloatArray>(a: LstmBackwardArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmLstmBackward(a, ks)) return;
  refBackward(a);
}
