/**
 * The Elman RNN sequence kernels on the active backend (see gemm.ts): wasm (csrc/recurrent.c) when it
 * is active and every float array is a Float32Array on the heap, else the reference
 * (ref/rnn.ts, the specification: equations, shapes, cache layout). Both backends use the same
 * cache and work layouts, so a forward on one and the backward on the other agree.
 */

import type { FloatArray } from '../tensor/tensor.js';
import { getBackend } from './gemm.js';
import { type RnnBackwardArgs, type RnnForwardArgs, rnnBackward as refBackward, rnnForward as refForward } from './ref/rnn.js';
import { tryWasmRnnBackward, tryWasmRnnForward } from './wasm/recurrent.js';

export { rnnBackwardWorkSize, rnnCacheSize } from './ref/rnn.js';
export type { RnnActivation, RnnBackwardArgs, RnnForwardArgs } from './ref/rnn.js';

/** Runs the Elman RNN over the whole sequence (ref/rnn.ts `rnnForward`). */
export function rnnForward<A extends FloatArray>(a: RnnForwardArgs<A>): void {
  if (getBackend() === 'wasm' && tryWasmRnnForward(a)) return;
  refForward(a);
}

/** BPTT through rnnForward's sequence (ref/rnn.ts `rnnBackward`). */
export function rnnBackward<A extends FloatArray>(a: RnnBackwardArgs<A>): void {
  if (getBackend() === 'wasm' && tryWasmRnnBackward(a)) return;
  refBackward(a);
}
