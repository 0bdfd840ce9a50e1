/**
 * Embedding gather / scatter-add, dispatched (see gemm.ts): the wasm kernels (csrc/embedding.c,
 * bit-identical) when the backend is not `ref` and the float arrays are Float32Arrays on the heap;
 * otherwise the reference ref/embedding.ts (the specification). The native backend has no kernels
 * of its own for these yet, so it runs the wasm ones (in place, on the same heap).
 */

import type { FloatArray } from '../tensor/tensor.js';
import { getBackend } from './gemm.js';
import {
  type EmbeddingBackwardArgs,
  type EmbeddingForwardArgs,
  embeddingBackward as refBackward,
  embeddingForward as refForward,
} from './ref/embedding.js';
import { tryWasmEmbeddingBackward, tryWasmEmbeddingForward } from './wasm/embedding.js';

export type { EmbeddingBackwardArgs, EmbeddingForwardArgs } from './ref/embedding.js';

/** y[n, :] = table[ids[n], :] (ref/embedding.ts `embeddingForward`). */
export function embeddingForward<A extends FloatArray>(args: EmbeddingForwardArgs<A>): void {
  if (getBackend() !== 'ref' && tryWasmEmbeddingForward(args)) return;
  refForward(args);
}

/** dtable[ids[n], :] += dy[n, :] except the padding row (ref/embedding.ts `embeddingBackward`). */
export function embeddingBackward<A extends FloatArray>(args: EmbeddingBackwardArgs<A>): void {
  if (getBackend() !== 'ref' && tryWasmEmbeddingBackward(args)) return;
  refBackward(args);
}
