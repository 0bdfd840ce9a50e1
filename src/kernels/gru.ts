/**
 * The GRU sequence kernels, dispatched (see gemm.ts): the wasm kernels (csrc/recurrent.c) when
 * the backend is not `ref` and every float array is a Float32Array on the heap; otherwise the
 * reference ref/gru.ts (the specification: equations, shapes, cache layout). Both use the same
 * cache and work layouts, so a forward on one and the backward on the other agree. With the native backend, the native add-on's build of the same C runs
 * (`activeKernels()`), in place on the same heap.
 */

import type { FloatArray } from '../tensor/tensor.js';
import { activeKernels } from './gemm.js';
import { type GruBackwardArgs, type GruForwardArgs, gruBackward as refBackward, gruForward as refForward } from './ref/gru.js';
import { tryWasmGruBackward, tryWasmGruForward } from './wasm/recurrent.js';

export { gruBackwardWorkSize, gruCacheSize } from './ref/gru.js';
export type { GruBackwardArgs, GruForwardArgs } from './ref/gru.js';

/** Runs the GRU over the whole sequence (ref/gru.ts `gruForward`). */
export function gruForward<A extends FloatArray>(a: GruForwardArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmGruForward(a, ks)) return;
  refForward(a);
}

/** BPTT through gruForward's sequence (ref/gru.ts `gruBackward`). */
export function gruBackward<A extends FloatArray>(a: GruBackwardArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmGruBackward(a, ks)) return;
  refBackward(a);
}
