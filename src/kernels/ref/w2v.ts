/**
 * word2vec inner loops (Mikolov et al. 2013; structured as word2vec.c's TrainModelThread).
 *
 * Parameters, row-major, E = vector size, V = vocabulary size:
 *   syn0     (V, E)      input vectors  v_w (the word vectors users get)
 *   syn1neg  (V, E)      output vectors u_w of negative sampling
 *   syn1     (V − 1, E)  vectors of the Huffman tree's inner nodes (hierarchical softmax)
 *   neu1     (E)         work: the CBOW hidden layer h
 *   neu1e    (E)         work: the input-side update, accumulated (+=) over one example
 *
 * One example predicts an output word w from a hidden vector h (SG: h = v_c of one context word c;
 * CBOW: h = mean or sum of the window's v_c). With σ(x) = 1 / (1 + e^−x):
 *
 *   negative sampling, negatives n_1..n_k drawn from the unigram^0.75 table (n_j ≠ w):
 *     L = −log σ(u_w·h) − Σ_j log σ(−u_{n_j}·h)
 *   hierarchical softmax, path of w = inner nodes p_d with branch bits b_d ∈ {0, 1}:
 *     L = −Σ_d log σ((1 − 2 b_d) · s_{p_d}·h)
 *
 * SGD step with learning rate α, written per output row t with label y (1 for w, 0 for negatives;
 * 1 − b_d on the tree), f = u_t·h, g = α (y − σ(f)) = −α ∂L/∂f:
 *     neu1e += g · u_t        (using u_t before its update: −α ∂L/∂h summed over rows)
 *     u_t   += g · h          (= −α ∂L/∂u_t, in place)
 * and afterwards every input row of the example gets v_c += neu1e (SG: the one context word;
 * CBOW: each window word, with neu1e not divided by the window count, as word2vec.c).
 *
 * σ in the update comes from a table (EXP_TABLE_SIZE points over [−MAX_EXP, MAX_EXP), word2vec.c's
 * speed trick): outside the range negative sampling clamps σ to 0 or 1 and hierarchical softmax
 * skips the node, as word2vec.c. Pass `expTable: null` for the exact σ everywhere (gradient checks).
 * The loss is always computed with the exact, overflow-free log σ, so the reported loss is the true
 * objective at the parameters each example saw.
 *
 * Arithmetic runs in double precision and rounds once per stored value. Randomness (negatives) is
 * xoshiro128** on a (4) Uint32 state advanced in place, so a seed fixes a whole run.
 */
import type { FloatArray } from '../../tensor/tensor.js';

/** Points of the sigmoid table (word2vec.c's EXP_TABLE_SIZE). */
export const EXP_TABLE_SIZE = 1000;
/** The table covers f in [−MAX_EXP, MAX_EXP) (word2vec.c's MAX_EXP). */
export const MAX_EXP = 6;
const TABLE_SCALE = EXP_TABLE_SIZE / MAX_EXP / 2;

/** σ(x) at x_i = (2i / EXP_TABLE_SIZE − 1)·MAX_EXP, i = 0..EXP_TABLE_SIZE − 1, as word2vec.c. */
export function sigmoidTable(): Float32Array {
  const t = new Float32Array(EXP_TABLE_SIZE);
  for (let i = 0; i < EXP_TABLE_SIZE; i++) {
    const e = Math.exp(((i / EXP_TABLE_SIZE) * 2 - 1) * MAX_EXP);
    t[i] = e / (e + 1);
  }
  return t;
}

/** log σ(x), exact and without overflow for any finite x. */
export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

/** The parameters and work buffers one training thread uses (see the header for shapes). */
export interface W2vNet<A extends FloatArray> {
  E: number;
  /** (V, E) */
  syn0: A;
  /** (V, E); empty when negative sampling is off */
  syn1neg: A;
  /** (V − 1, E); empty when hierarchical softmax is off */
  syn1: A;
  /** (E) work */
  neu1: A;
  /** (E) work */
  neu1e: A;
  /** `sigmoidTable()`, or null for the exact σ */
  expTable: Float32Array | null;
  /** false skips the log σ evaluations (the kernels then return 0) */
  computeLoss: boolean;
}

/** Negative-sampling state: Walker's alias table over the V words, and the random stream. */
export interface W2vSampler {
  /** negatives per example (k) */
  negative: number;
  V: number;
  /** (V) acceptance probability of column i */
  aliasProb: Float32Array;
  /** (V) the word column i falls back to */
  aliasIdx: Int32Array;
  /** (4) xoshiro128** state, advanced in place; also drives subsampling and window draws */
  rng: Uint32Array;
  /** (negative) work: the negatives of the current example */
  negs: Int32Array;
}

/** The Huffman tree, flattened: word w's path is entries [codeStart[w], codeStart[w + 1]). */
export interface W2vTree {
  /** (V + 1) */
  codeStart: Int32Array;
  /** branch bits b_d, root first */
  codes: Uint8Array;
  /** inner-node rows p_d of syn1, root (V − 2) first */
  points: Int32Array;
}

/** Next 32-bit output of xoshiro128** (the same generator as `Rng`), advancing `s` (4). */
export function rngNext(s: Uint32Array): number {
  const s0 = s[0]!;
  const s1 = s[1]!;
  const x = Math.imul(s1, 5);
  const r = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
  const t = s1 << 9;
  let s2 = s[2]! ^ s0;
  let s3 = s[3]! ^ s1;
  s[1] = s1 ^ s2;
  s[0] = s0 ^ s3;
  s2 ^= t;
  s[2] = s2;
  s3 = (s3 << 11) | (s3 >>> 21);
  s[3] = s3;
  return r;
}

const U32 = 4294967296;

/** One draw from the alias table: P(w) ∝ count(w)^nsExponent. */
export function sampleAlias(aliasProb: Float32Array, aliasIdx: Int32Array, V: number, rng: Uint32Array): number {
  const i = Math.floor((rngNext(rng) * V) / U32);
  return rngNext(rng) / U32 < aliasProb[i]! ? i : aliasIdx[i]!;
}

/** Σ_c a[aOff + c]·b[bOff + c], four partial sums (V8 keeps them in registers). */
function dot<A extends FloatArray>(a: A, aOff: number, b: A, bOff: number, E: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 3 < E; c += 4) {
    s0 += a[aOff + c]! * b[bOff + c]!;
    s1 += a[aOff + c + 1]! * b[bOff + c + 1]!;
    s2 += a[aOff + c + 2]! * b[bOff + c + 2]!;
    s3 += a[aOff + c + 3]! * b[bOff + c + 3]!;
  }
  for (; c < E; c++) s0 += a[aOff + c]! * b[bOff + c]!;
  return s0 + s1 + s2 + s3;
}

/** neu1e += g·u_t (with u_t before its update), then u_t += g·h; one pass over the row. */
function backprop<A extends FloatArray>(neu1e: A, u: A, l2: number, h: A, hOff: number, g: number, E: number): void {
  for (let c = 0; c < E; c++) {
    const x = u[l2 + c]!;
    neu1e[c]! += g * x;
    u[l2 + c] = x + g * h[hOff + c]!;
  }
}

/**
 * Negative sampling for one example: output word `word` (label 1) and the k words in
 * `negs[0..k)` (label 0; entries equal to `word` are skipped, as word2vec.c), hidden vector
 * h = `h[hOff..hOff+E)`. Accumulates `neu1e += g·u_t` (+=) and updates `syn1neg` rows in place.
 * Returns L (0 when `computeLoss` is false).
 */
export function sgnsUpdate<A extends FloatArray>(
  net: W2vNet<A>,
  h: A,
  hOff: number,
  word: number,
  negs: Int32Array,
  k: number,
  alpha: number,
): number {
  const { E, syn1neg, neu1e, expTable, computeLoss } = net;
  let loss = 0;
  for (let d = -1; d < k; d++) {
    let target = word;
    let label = 1;
    if (d >= 0) {
      target = negs[d]!;
      if (target === word) continue;
      label = 0;
    }
    const l2 = target * E;
    const f = dot(h, hOff, syn1neg, l2, E);
    let s: number;
    if (expTable === null) s = 1 / (1 + Math.exp(-f));
    else if (f >= MAX_EXP) s = 1;
    else if (f <= -MAX_EXP) s = 0;
    else s = expTable[((f + MAX_EXP) * TABLE_SCALE) | 0]!;
    if (computeLoss) loss -= logSigmoid(label === 1 ? f : -f);
    backprop(neu1e, syn1neg, l2, h, hOff, (label - s) * alpha, E);
  }
  return loss;
}

/**
 * Hierarchical softmax for one example: the path entries [start, end) of the output word in
 * `tree`, hidden vector `h[hOff..hOff+E)`. Accumulates `neu1e` (+=) and updates `syn1` rows in
 * place; with the table, nodes with |f| ≥ MAX_EXP get no update (word2vec.c) but count in the loss.
 * Returns L (0 when `computeLoss` is false).
 */
export function hsUpdate<A extends FloatArray>(
  net: W2vNet<A>,
  h: A,
  hOff: number,
  tree: W2vTree,
  start: number,
  end: number,
  alpha: number,
): number {
  const { E, syn1, neu1e, expTable, computeLoss } = net;
  const { codes, points } = tree;
  let loss = 0;
  for (let d = start; d < end; d++) {
    const l2 = points[d]! * E;
    const code = codes[d]!;
    const f = dot(h, hOff, syn1, l2, E);
    if (computeLoss) loss -= logSigmoid(code === 0 ? f : -f);
    let s: number;
    if (expTable === null) s = 1 / (1 + Math.exp(-f));
    else if (f <= -MAX_EXP || f >= MAX_EXP) continue;
    else s = expTable[((f + MAX_EXP) * TABLE_SCALE) | 0]!;
    backprop(neu1e, syn1, l2, h, hOff, (1 - code - s) * alpha, E);
  }
  return loss;
}

/** Fills `samp.negs` with k fresh negatives. */
function drawNegatives(samp: W2vSampler): void {
  const { negative, V, aliasProb, aliasIdx, rng, negs } = samp;
  for (let j = 0; j < negative; j++) negs[j] = sampleAlias(aliasProb, aliasIdx, V, rng);
}

/**
 * Skip-gram around position `pos` of `sent[0..len)` with half-window `win` (already shrunk by the
 * caller's random draw): each context word c at |c − pos| ≤ win predicts the center word w. Per
 * pair: neu1e = 0, hierarchical softmax (when `tree`), negative sampling (when k > 0), then
 * v_c += neu1e. `stats[0] += Σ L`, `stats[1] += number of pairs`.
 */
export function skipgramUpdate<A extends FloatArray>(
  net: W2vNet<A>,
  samp: W2vSampler,
  tree: W2vTree | null,
  sent: Int32Array,
  len: number,
  pos: number,
  win: number,
  alpha: number,
  stats: Float64Array,
): void {
  const { E, syn0, neu1e } = net;
  const word = sent[pos]!;
  const k = samp.negative;
  const lo = Math.max(0, pos - win);
  const hi = Math.min(len - 1, pos + win);
  let loss = 0;
  let pairs = 0;
  for (let c = lo; c <= hi; c++) {
    if (c === pos) continue;
    const l1 = sent[c]! * E;
    neu1e.fill(0);
    if (tree !== null) loss += hsUpdate(net, syn0, l1, tree, tree.codeStart[word]!, tree.codeStart[word + 1]!, alpha);
    if (k > 0) {
      drawNegatives(samp);
      loss += sgnsUpdate(net, syn0, l1, word, samp.negs, k, alpha);
    }
    for (let e = 0; e < E; e++) syn0[l1 + e]! += neu1e[e]!;
    pairs++;
  }
  stats[0]! += loss;
  stats[1]! += pairs;
}

/**
 * CBOW around position `pos` of `sent[0..len)` with half-window `win`: h = Σ v_c over the window
 * (divided by the count when `mean`), one example predicting the center word, then every window
 * word gets v_c += neu1e. No window words: no example. `stats` as in `skipgramUpdate`.
 */
export function cbowUpdate<A extends FloatArray>(
  net: W2vNet<A>,
  samp: W2vSampler,
  tree: W2vTree | null,
  sent: Int32Array,
  len: number,
  pos: number,
  win: number,
  alpha: number,
  mean: boolean,
  stats: Float64Array,
): void {
  const { E, syn0, neu1, neu1e } = net;
  const word = sent[pos]!;
  const lo = Math.max(0, pos - win);
  const hi = Math.min(len - 1, pos + win);
  neu1.fill(0);
  let cw = 0;
  for (let c = lo; c <= hi; c++) {
    if (c === pos) continue;
    const l1 = sent[c]! * E;
    for (let e = 0; e < E; e++) neu1[e]! += syn0[l1 + e]!;
    cw++;
  }
  if (cw === 0) return;
  if (mean) {
    const inv = 1 / cw;
    for (let e = 0; e < E; e++) neu1[e]! *= inv;
  }
  neu1e.fill(0);
  let loss = 0;
  if (tree !== null) loss += hsUpdate(net, neu1, 0, tree, tree.codeStart[word]!, tree.codeStart[word + 1]!, alpha);
  if (samp.negative > 0) {
    drawNegatives(samp);
    loss += sgnsUpdate(net, neu1, 0, word, samp.negs, samp.negative, alpha);
  }
  for (let c = lo; c <= hi; c++) {
    if (c === pos) continue;
    const l1 = sent[c]! * E;
    for (let e = 0; e < E; e++) syn0[l1 + e]! += neu1e[e]!;
  }
  stats[0]! += loss;
  stats[1]! += 1;
}
