/**
 * Embedding gather / scatter-add, dispatched (see gemm.ts): the wasm kernels (csrc/embedding.c,
 * bit-identical) when the backend is not `ref` and the float arrays are Float32Arrays on the heap;
 * otherwise the reference ref/embedding.ts (the specification). With the native backend, the native add-on's build of the same C runs
 * (`activeKernels()`), in place on the same heap.
 */

import type { FloatArray } from '../tensor/tensor.js';
import { activeKernels } from './gemm.js';
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
  const ks = activeKernels();
  if (ks !== null && tryWasmEmbeddingForward(args, ks)) return;
  refForward(args);
}

/** dtable[ids[n], :] += dy[n, :] except the padding row (ref/embedding.ts `embeddingBackward`). */
export function embeddingBackward<A extends FloatArray>(args: EmbeddingBackwardArgs<A>): void {
  const ks = activeKernels();
  if (ks !== null && tryWasmEmbeddingBackward(args, ks)) return;
  refBackward(args);
}
