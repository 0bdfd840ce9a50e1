/**
 * The Elman RNN sequence kernels, dispatched (see gemm.ts): the wasm kernels (csrc/recurrent.c)
 * when the backend is not `ref` and every float array is a Float32Array on the heap; otherwise the
 * reference ref/rnn.ts (the specification: equations, shapes, cache layout). Both use the same
 * cache and work layouts, so a forward on one and the backward on the other agree. The native
 * backend has no fused kernels of its own yet, so it runs the wasm ones (in place, on the same heap).
 */

import type { FloatArray } from '../tensor/tensor.js';
import { getBackend } from './gemm.js';
import { type RnnBackwardArgs, type RnnForwardArgs, rnnBackward as refBackward, rnnForward as refForward } from './ref/rnn.js';
import { tryWasmRnnBackward, tryWasmRnnForward } from './wasm/recurrent.js';

export { rnnBackwardWorkSize, rnnCacheSize } from './ref/rnn.js';
export type { RnnActivation, RnnBackwardArgs, RnnForwardArgs } from './ref/rnn.js';

/** Runs the Elman RNN over the whole sequence (ref/rnn.ts `rnnForward`). */
export function rnnForward<A extends FloatArray>(a: RnnForwardArgs<A>): void {
  if (getBackend() !== 'ref' && tryWasmRnnForward(a)) return;
  refForward(a);
}

/** BPTT through rnnForward's sequence (ref/rnn.ts `rnnBackward`). */
export function rnnBackward<A extends FloatArray>(a: RnnBackwardArgs<A>): void {
  if (getBackend() !== 'ref' && tryWasmRnnBackward(a)) return;
  refBackward(a);
}
