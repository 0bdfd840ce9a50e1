/**
 * The word2vec vocabulary and the tables derived from its counts.
 *
 * - Counting is one pass with a Map (`VocabCounter`); `maxVocabSize` bounds the Map during the
 *   pass like word2vec.c's ReduceVocab (drop words seen ≤ r times, then r += 1), so counts of
 *   rare words are approximate when it triggers.
 * - `finalizeVocab` keeps words with count ≥ minCount (raised, as gensim, so that at most
 *   `maxFinalVocab` words survive: ties at the cut are all dropped) and orders them by count,
 *   descending, then by first occurrence.
 * - Huffman tree for hierarchical softmax (word2vec.c's two-queue construction, same tie rule).
 * - Negative-sampling distribution P(w) ∝ count^nsExponent as Walker's alias table: O(1) per draw,
 *   8 bytes per word (word2vec.c's 1e8-entry table is 400 MB).
 * - Subsampling keep probabilities, word2vec.c's formula.
 */
import type { W2vTree } from '../kernels/ref/w2v.js';

/** Counts tokens in one pass; `maxVocabSize` prunes like word2vec.c's ReduceVocab. */
export class VocabCounter {
  readonly counts = new Map<string, number>();
  /** Tokens seen, including pruned ones. */
  rawWords = 0;
  /** Sentences seen. */
  sentences = 0;
  private minReduce = 1;

  constructor(readonly maxVocabSize: number | null = null) {}

  add(word: string): void {
    const c = this.counts.get(word);
    if (c === undefined) {
      this.counts.set(word, 1);
      if (this.maxVocabSize !== null && this.counts.size > this.maxVocabSize) this.reduce();
    } else this.counts.set(word, c + 1);
    this.rawWords++;
  }

  /** Adds `n` occurrences of `word` (merging counts from another counter). */
  addCount(word: string, n: number): void {
    const c = this.counts.get(word);
    this.counts.set(word, (c ?? 0) + n);
    if (c === undefined && this.maxVocabSize !== null && this.counts.size > this.maxVocabSize) this.reduce();
  }

  private reduce(): void {
    for (const [w, c] of this.counts) if (c <= this.minReduce) this.counts.delete(w);
    this.minReduce++;
  }
}

export interface FinalizeOptions {
  minCount: number;
  maxFinalVocab: number | null;
}

/** The surviving words, by count descending then first occurrence, and their counts. */
export function finalizeVocab(
  counts: ReadonlyMap<string, number>,
  opts: FinalizeOptions,
): { words: string[]; counts: Float64Array; effectiveMinCount: number } {
  let minCount = opts.minCount;
  if (opts.maxFinalVocab !== null && opts.maxFinalVocab < counts.size) {
    const sorted = [...counts.values()].sort((a, b) => b - a);
    minCount = Math.max(minCount, sorted[opts.maxFinalVocab]! + 1);
  }
  const kept: [string, number][] = [];
  for (const e of counts) if (e[1] >= minCount) kept.push(e);
  kept.sort((a, b) => b[1] - a[1]); // stable: ties keep Map (first-occurrence) order
  return {
    words: kept.map((e) => e[0]),
    counts: Float64Array.from(kept, (e) => e[1]),
    effectiveMinCount: minCount,
  };
}

/**
 * The Huffman tree over `counts` (V ≥ 1). Inner nodes are numbered 0..V−2, the root V−2; word w's
 * path lists (root first) the inner nodes above it and the branch taken at each (1 = the second of
 * the two merged subtrees, word2vec.c's `binary`). Words need not be sorted: they are ranked by
 * count (descending, stable) first, which gives word2vec.c's tree for a sorted vocabulary.
 */
export function buildHuffman(counts: Float64Array): W2vTree {
  const V = counts.length;
  if (V === 0) return { codeStart: new Int32Array(1), codes: new Uint8Array(0), points: new Int32Array(0) };
  // order[r] = word of rank r (descending count). Leaves are nodes 0..V−1 by rank, inner V..2V−2.
  const order = Int32Array.from({ length: V }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const weight = new Float64Array(2 * V - 1);
  for (let r = 0; r < V; r++) weight[r] = counts[order[r]!]!;
  const parent = new Int32Array(2 * V - 1);
  const binary = new Uint8Array(2 * V - 1);
  // Two queues: leaves from the rarest (rank V−1) up, merged nodes in creation order.
  let leaf = V - 1;
  let inner = V;
  const pick = (next: number): number => {
    if (leaf >= 0 && (inner >= next || weight[leaf]! < weight[inner]!)) return leaf--;
    return inner++;
  };
  for (let a = 0; a < V - 1; a++) {
    const node = V + a;
    const m1 = pick(node);
    const m2 = pick(node);
    weight[node] = weight[m1]! + weight[m2]!;
    parent[m1] = node;
    parent[m2] = node;
    binary[m2] = 1;
  }
  const root = 2 * V - 2;
  const depth = new Int32Array(V);
  let total = 0;
  for (let r = 0; r < V; r++) {
    let d = 0;
    for (let n = r; n !== root; n = parent[n]!) d++;
    depth[order[r]!] = d;
    total += d;
  }
  const codeStart = new Int32Array(V + 1);
  for (let w = 0; w < V; w++) codeStart[w + 1] = codeStart[w]! + depth[w]!;
  const codes = new Uint8Array(total);
  const points = new Int32Array(total);
  for (let r = 0; r < V; r++) {
    const w = order[r]!;
    // Walk leaf → root, filling the path from its end.
    let i = codeStart[w + 1]! - 1;
    for (let n = r; n !== root; n = parent[n]!) {
      codes[i] = binary[n]!;
      points[i] = parent[n]! - V;
      i--;
    }
  }
  return { codeStart, codes, points };
}

/**
 * Walker's alias table for P(w) ∝ counts[w]^exponent (Vose's construction, in double precision).
 * A draw picks a column i uniformly, then returns i with probability aliasProb[i], else aliasIdx[i].
 */
export function buildAliasTable(counts: Float64Array, exponent: number): { aliasProb: Float32Array; aliasIdx: Int32Array } {
  const V = counts.length;
  const p = new Float64Array(V);
  let z = 0;
  for (let i = 0; i < V; i++) z += p[i] = Math.pow(counts[i]!, exponent);
  const aliasProb = new Float32Array(V).fill(1);
  const aliasIdx = Int32Array.from({ length: V }, (_, i) => i);
  if (V === 0 || !(z > 0)) return { aliasProb, aliasIdx };
  for (let i = 0; i < V; i++) p[i] = (p[i]! * V) / z;
  const small = new Int32Array(V);
  const large = new Int32Array(V);
  let ns = 0;
  let nl = 0;
  for (let i = 0; i < V; i++) {
    if (p[i]! < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns]!;
    const l = large[nl - 1]!;
    aliasProb[s] = p[s]!;
    aliasIdx[s] = l;
    p[l] = p[l]! + p[s]! - 1;
    if (p[l]! < 1) {
      nl--;
      small[ns++] = l;
    }
  }
  // Leftovers are 1 up to rounding.
  while (nl > 0) aliasProb[large[--nl]!] = 1;
  while (ns > 0) aliasProb[small[--ns]!] = 1;
  return { aliasProb, aliasIdx };
}

/**
 * Subsampling: word w is kept with probability min(1, (√(c/t) + 1)·t/c), c = counts[w],
 * t = sample·totalWords (word2vec.c's formula). sample = 0 keeps everything.
 */
export function keepProbabilities(counts: Float64Array, sample: number, totalWords: number): Float32Array {
  const keep = new Float32Array(counts.length).fill(1);
  if (sample <= 0) return keep;
  const t = sample * totalWords;
  for (let w = 0; w < counts.length; w++) {
    const c = counts[w]!;
    if (c > 0) keep[w] = Math.min(1, (Math.sqrt(c / t) + 1) * (t / c));
  }
  return keep;
}
