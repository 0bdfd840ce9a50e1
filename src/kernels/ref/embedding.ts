/**
 * Embedding lookup, PyTorch `nn.Embedding`.
 *
 *   forward:   y[n, :] = table[ids[n], :]
 *   backward:  dtable[ids[n], :] += dy[n, :]   for every n with ids[n] ≠ paddingIdx   (+=, scatter-add;
 *              repeated ids accumulate; the padding row gets no gradient, as PyTorch's padding_idx)
 *
 * Shapes: ids Int32Array (N) with values in [0, V); table (V, E); y, dy (N, E); dtable (V, E).
 * `paddingIdx` is already normalized to [0, V) (PyTorch's negative padding_idx is V + idx) or null.
 * There is no input gradient: ids are integers. Nothing is cached.
 */
import type { FloatArray } from '../../tensor/tensor.js';

export interface EmbeddingForwardArgs<A extends FloatArray> {
  N: number;
  V: number;
  E: number;
  /** (N) */
  ids: Int32Array;
  /** (V, E) */
  table: A;
  /** (N, E), overwritten */
  y: A;
}

/** y[n, :] = table[ids[n], :]. */
export function embeddingForward<A extends FloatArray>(args: EmbeddingForwardArgs<A>): void {
  const { N, E, ids, table, y } = args;
  for (let n = 0; n < N; n++) {
    const t0 = ids[n]! * E;
    const y0 = n * E;
    for (let e = 0; e < E; e++) y[y0 + e] = table[t0 + e]!;
  }
}

export interface EmbeddingBackwardArgs<A extends FloatArray> {
  N: number;
  V: number;
  E: number;
  /** (N) */
  ids: Int32Array;
  /** (N, E) */
  dy: A;
  /** (V, E), accumulated */
  dtable: A;
  /** row that receives no gradient, or null */
  paddingIdx: number | null;
}

/** dtable[ids[n], :] += dy[n, :], skipping ids equal to paddingIdx. */
export function embeddingBackward<A extends FloatArray>(args: EmbeddingBackwardArgs<A>): void {
  const { N, E, ids, dy, dtable, paddingIdx } = args;
  for (let n = 0; n < N; n++) {
    const id = ids[n]!;
    if (id === paddingIdx) continue;
    const t0 = id * E;
    const d0 = n * E;
    for (let e = 0; e < E; e++) dtable[t0 + e]! += dy[d0 + e]!;
  }
}
