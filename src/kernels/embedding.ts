/**
 * Embedding gather / scatter-add on the active backend (see gemm.ts): wasm (csrc/embedding.c,
 * bit-identical) when it is active and the float arrays are Float32Arrays on the heap, else the
 * reference ref/embedding.ts (the specification).
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
  if (getBackend() === 'wasm' && tryWasmEmbeddingForward(args)) return;
  refForward(args);
}

/** dtable[ids[n], :] += dy[n, :] except the padding row (ref/embedding.ts `embeddingBackward`). */
export function embeddingBackward<A extends FloatArray>(args: EmbeddingBackwardArgs<A>): void {
  if (getBackend() === 'wasm' && tryWasmEmbeddingBackward(args)) return;
  refBackward(args);
}
