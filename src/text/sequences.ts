/**
 * Id sequences → model inputs: padding/truncation to a fixed length, and batching by length.
 *
 * The library's models take float tensors, so `padSequences` returns the integer ids in a
 * `Float32Array` of shape (N, T) (exact for ids below 2^24). `bucketByLength` groups sequences of
 * similar length so a batch padded to its own longest member wastes little padding.
 */
import type { Rng } from '../tensor/rng.js';

/** Options of {@link padSequences}. */
export interface PadOptions {
  /** Length T of every row. Default: the longest sequence. */
  maxLen?: number;
  /** Where padding goes: `'pre'` (before the ids, Keras's default) or `'post'` (after). Default 'pre'. */
  padding?: 'pre' | 'post';
  /** Which end of a too-long sequence is cut: `'pre'` drops its first ids (Keras's default), `'post'` its last. Default 'pre'. */
  truncating?: 'pre' | 'post';
  /** Padding id. Default 0 (the vocabulary's padding id). */
  value?: number;
}

/** Result of {@link padSequences}. */
export interface PaddedSequences {
  /** Row-major (N, T) ids. */
  data: Float32Array;
  shape: [number, number];
  /** Number of real (non-padding) ids in each row, after truncation. */
  lengths: Int32Array;
}

const MAX_EXACT_ID = 2 ** 24;

/**
 * Pads (or truncates) every sequence to the same length, as Keras's `pad_sequences`.
 * Defaults follow Keras (`'pre'` padding and truncating: the end of each text is kept and sits
 * at the last time steps, where a recurrent layer's final state reads it). With masking,
 * `padding: 'post'` gives PyTorch's packed-sequence layout instead.
 *
 * @example
 * padSequences([[5, 6, 7], [8]], { maxLen: 2 });
 * // { data: Float32Array [6, 7, 0, 8], shape: [2, 2], lengths: Int32Array [2, 1] }
 * padSequences([[5, 6, 7], [8]], { padding: 'post', truncating: 'post' }).data;
 * // Float32Array [5, 6, 7, 8, 0, 0]
 */
export function padSequences(sequences: readonly ArrayLike<number>[], options: PadOptions = {}): PaddedSequences {
  const where = 'padSequences';
  if (!Array.isArray(sequences)) throw new Error(`${where}: expected an array of id sequences, got ${typeof sequences}`);
  const N = sequences.length;
  let longest = 0;
  for (let n = 0; n < N; n++) {
    const s = sequences[n];
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number') throw new Error(`${where}: sequence ${n} is not an array of ids`);
    longest = Math.max(longest, s.length);
  }
  const T = options.maxLen ?? longest;
  if (!Number.isInteger(T) || T < 0) throw new Error(`${where}: maxLen must be a non-negative integer, got ${T}`);
  const padding = options.padding ?? 'pre';
  const truncating = options.truncating ?? 'pre';
  if (padding !== 'pre' && padding !== 'post') throw new Error(`${where}: padding must be 'pre' or 'post', got ${JSON.stringify(padding)}`);
  if (truncating !== 'pre' && truncating !== 'post') throw new Error(`${where}: truncating must be 'pre' or 'post', got ${JSON.stringify(truncating)}`);
  const value = options.value ?? 0;
  if (!Number.isFinite(value)) throw new Error(`${where}: value must be a finite number, got ${value}`);

  const data = new Float32Array(N * T); // (N, T)
  if (value !== 0) data.fill(value);
  const lengths = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    const s = sequences[n]!;
    const L = Math.min(s.length, T);
    const from = truncating === 'pre' ? s.length - L : 0; // first kept id
    const to = n * T + (padding === 'pre' ? T - L : 0); // where it goes
    for (let j = 0; j < L; j++) {
      const id = s[from + j]!;
      if (!Number.isInteger(id) || id < 0 || id >= MAX_EXACT_ID) {
        throw new Error(`${where}: sequence ${n} position ${from + j} holds ${id}; expected an integer id in [0, 2^24)`);
      }
      data[to + j] = id;
    }
    lengths[n] = L;
  }
  return { data, shape: [N, T], lengths };
}

/** Options of {@link bucketByLength}. */
export interface BucketOptions {
  /**
   * Sort within pools of this many batches (torchtext's BucketIterator idea): smaller pools mix
   * lengths more between epochs, larger pools pad less. Default 100; `Infinity` sorts the whole
   * dataset.
   */
  poolBatches?: number;
}

/**
 * Batches of indices whose sequences have similar lengths. Each epoch: shuffle the indices,
 * cut them into pools of `poolBatches · batchSize`, sort each pool by length (stable, so equal
 * lengths keep their shuffled order), cut pools into batches, shuffle the order of all batches.
 * Every index appears exactly once; only the last batch can be smaller than `batchSize`.
 *
 * @example
 * const lengths = ids.map((s) => s.length);
 * for (const batch of bucketByLength(lengths, 32, new Rng(epoch))) {
 *   const x = padSequences(batch.map((i) => ids[i]!), { padding: 'post' });
 * }
 */
export function bucketByLength(lengths: ArrayLike<number>, batchSize: number, rng: Rng, options: BucketOptions = {}): number[][] {
  const where = 'bucketByLength';
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${where}: batchSize must be a positive integer, got ${batchSize}`);
  const poolBatches = options.poolBatches ?? 100;
  if (poolBatches !== Infinity && (!Number.isInteger(poolBatches) || poolBatches < 1)) {
    throw new Error(`${where}: poolBatches must be a positive integer or Infinity, got ${poolBatches}`);
  }
  const N = lengths.length;
  for (let i = 0; i < N; i++) {
    if (!(lengths[i]! >= 0)) throw new Error(`${where}: lengths[${i}] is ${lengths[i]}; expected a non-negative number`);
  }
  const order = Array.from({ length: N }, (_, i) => i);
  rng.shuffle(order);
  const pool = poolBatches === Infinity ? Math.max(N, 1) : poolBatches * batchSize;
  const batches: number[][] = [];
  for (let p = 0; p < N; p += pool) {
    const chunk = order.slice(p, p + pool).sort((a, b) => lengths[a]! - lengths[b]!);
    for (let b = 0; b < chunk.length; b += batchSize) batches.push(chunk.slice(b, b + batchSize));
  }
  rng.shuffle(batches);
  return batches;
}

/**
 * Padding a set of batches costs: Σ over batches of (batch size × longest length − Σ lengths),
 * i.e. the number of padding positions when each batch is padded to its own longest sequence.
 *
 * @example
 * paddingCost([[0, 1]], [3, 5]); // 2
 */
export function paddingCost(batches: readonly (readonly number[])[], lengths: ArrayLike<number>): number {
  let waste = 0;
  for (const b of batches) {
    let max = 0;
    let sum = 0;
    for (const i of b) {
      max = Math.max(max, lengths[i]!);
      sum += lengths[i]!;
    }
    waste += max * b.length - sum;
  }
  return waste;
}

/**
 * Fold id (0..k−1) of each of `n` examples for k-fold cross-validation: a seeded shuffle, then
 * fold = position mod k (the protocol of MR's SOURCE.md). Fold sizes differ by at most one.
 *
 * @example
 * const fold = kFoldIds(10662, 10, new Rng(1));
 * const testIdx = [...fold.keys()].filter((i) => fold[i] === 0);
 */
export function kFoldIds(n: number, k: number, rng: Rng): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`kFoldIds: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(k) || k < 2 || k > Math.max(n, 2)) throw new Error(`kFoldIds: k must be an integer in [2, n], got ${k}`);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  rng.shuffle(order);
  const fold = new Int32Array(n);
  for (let p = 0; p < n; p++) fold[order[p]!] = p % k;
  return fold;
}
