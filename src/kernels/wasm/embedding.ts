/**
 * Embedding gather / scatter-add in wasm (csrc/embedding.c): same arguments as `ref/embedding.ts`,
 * bit-identical results. Each `tryWasm*` returns false (nothing written) when an array is not a
 * Float32Array view on the heap; ids that are not on the heap are copied into the workspace. Given
 * `NATIVE_KERNELS`, they run the native add-on's build of the same C.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { heap } from '../../tensor/tensor.js';
import type { EmbeddingBackwardArgs, EmbeddingForwardArgs } from '../ref/embedding.js';
import { type KernelSet, WASM_KERNELS, f32Addr, intAddr } from './backend.js';

/** ids as a heap address (copied into the workspace when elsewhere); call after taking the other addresses. */
function idsAddr(ks: KernelSet, ids: Int32Array, N: number): number {
  const a = intAddr(ids, N);
  if (a >= 0) return a;
  const ws = ks.workspace(N * 4);
  new Int32Array(heap.buffer, ws, N).set(ids.subarray(0, N));
  return ws;
}

export function tryWasmEmbeddingForward<A extends FloatArray>(a: EmbeddingForwardArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { N, V, E, ids } = a;
  if (ids.length < N) return false;
  const table = f32Addr(a.table, V * E);
  const y = f32Addr(a.y, N * E);
  if (table <= 0 || y <= 0) return false;
  k.embedding_forward(N, E, idsAddr(ks, ids, N), table, y);
  return true;
}

export function tryWasmEmbeddingBackward<A extends FloatArray>(a: EmbeddingBackwardArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { N, V, E, ids, paddingIdx } = a;
  if (ids.length < N) return false;
  const dy = f32Addr(a.dy, N * E);
  const dtable = f32Addr(a.dtable, V * E);
  if (dy <= 0 || dtable <= 0) return false;
  k.embedding_backward(N, E, idsAddr(ks, ids, N), dy, dtable, paddingIdx === null ? -1 : paddingIdx);
  return true;
}
