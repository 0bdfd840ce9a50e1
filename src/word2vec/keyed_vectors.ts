/**
 * Trained word vectors and the queries people run on them (gensim's KeyedVectors API, camelCase).
 *
 * Similarities are cosines: every query works on unit-normalized rows (a zero row stays zero).
 * Words are kept in the order given (frequency order after training), so `restrictVocab: n`
 * means "the n most frequent words", as in gensim and word2vec.c's compute-accuracy.
 *
 * @example
 * const kv = await Word2Vec.train('corpus.txt', { vectorSize: 100 });
 * kv.mostSimilar('king');                                   // [['queen', 0.71], ...]
 * kv.mostSimilar(['woman', 'king'], ['man'], 1);            // 3CosAdd analogy
 * kv.similarity('cat', 'dog');
 */

import {
  type AnalogyOptions,
  type AnalogyResult,
  type WordPairsOptions,
  type WordPairsResult,
  dot,
  evaluateAnalogiesText,
  evaluateWordPairsText,
  limit,
} from './evaluate.js';

export type { AnalogyCounts, AnalogyOptions, AnalogyResult, AnalogySection, WordPairsOptions, WordPairsResult } from './evaluate.js';
export { averageRanks, pearson, spearman } from './evaluate.js';

/** Words, their vectors (row w = words[w]) and optional counts: what the file formats carry. */
export interface WordVectorsData {
  readonly words: readonly string[];
  /** (V, E) row-major */
  readonly vectors: Float32Array;
  /** E; required only when there are no words */
  readonly dim?: number;
  /** (V) occurrence counts, when known */
  readonly counts?: ArrayLike<number> | null;
}

/** A query term: a word, or a raw vector of length E. */
export type Term = string | ArrayLike<number>;

/** [word, similarity], best first. */
export type Scored = [string, number];

function fail(msg: string): never {
  throw new Error(`KeyedVectors: ${msg}`);
}

export class KeyedVectors implements WordVectorsData {
  readonly words: readonly string[];
  readonly vectors: Float32Array;
  readonly dim: number;
  readonly counts: Float64Array | null;
  private readonly index = new Map<string, number>();
  private normedCache: Float32Array | null = null;

  /** Wraps `data` (not copied: do not modify the arrays afterwards). Duplicate words keep their first row. */
  constructor(data: WordVectorsData) {
    const V = data.words.length;
    if (!(data.vectors instanceof Float32Array)) fail(`expected vectors as a Float32Array, got ${typeof data.vectors}`);
    const dim = data.dim ?? (V > 0 ? data.vectors.length / V : NaN);
    if (!Number.isInteger(dim) || dim < 1) fail(`cannot infer the vector size from ${data.vectors.length} values for ${V} words`);
    if (data.vectors.length !== V * dim) fail(`expected ${V} × ${dim} = ${V * dim} values, got ${data.vectors.length}`);
    if (data.counts != null && data.counts.length !== V) fail(`expected ${V} counts, got ${data.counts.length}`);
    this.words = data.words;
    this.vectors = data.vectors;
    this.dim = dim;
    this.counts = data.counts != null ? Float64Array.from(data.counts) : null;
    for (let w = 0; w < V; w++) if (!this.index.has(data.words[w]!)) this.index.set(data.words[w]!, w);
  }

  /** Number of words. */
  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  /** Row of `word`, or −1. */
  indexOf(word: string): number {
    return this.index.get(word) ?? -1;
  }

  private need(word: string): number {
    const i = this.index.get(word);
    if (i === undefined) fail(`word '${word}' is not in the vocabulary`);
    return i;
  }

  /** A copy of the vector of `word` (unit-length when `norm`). */
  getVector(word: string, norm = false): Float32Array {
    const i = this.need(word);
    const src = norm ? this.normed() : this.vectors;
    return src.slice(i * this.dim, (i + 1) * this.dim);
  }

  /** Unit-normalized rows (computed once). */
  normed(): Float32Array {
    if (this.normedCache === null) {
      const E = this.dim;
      const out = new Float32Array(this.vectors.length);
      for (let w = 0; w < this.size; w++) {
        let s = 0;
        for (let e = 0; e < E; e++) s += this.vectors[w * E + e]! ** 2;
        const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
        for (let e = 0; e < E; e++) out[w * E + e] = this.vectors[w * E + e]! * inv;
      }
      this.normedCache = out;
    }
    return this.normedCache;
  }

  /** cos(v_a, v_b). */
  similarity(a: string, b: string): number {
    const n = this.normed();
    return dot(n, this.need(a) * this.dim, n, this.need(b) * this.dim, this.dim);
  }

  /**
   * The `topn` words closest to the mean of the unit vectors of `positive` minus those of
   * `negative` (3CosAdd for analogies: mostSimilar([b, c], [a]) answers a : b :: c : ?). Raw vectors
   * may stand for words. Query words are excluded; `restrictVocab` limits the candidates to the
   * first n words.
   */
  mostSimilar(positive: Term | readonly Term[], negative: readonly Term[] = [], topn = 10, restrictVocab?: number): Scored[] {
    const pos = asTerms(positive);
    if (pos.length + negative.length === 0) fail('mostSimilar: expected at least one positive or negative word');
    const E = this.dim;
    const mean = new Float64Array(E);
    const exclude = new Set<number>();
    const add = (t: Term, weight: number): void => {
      if (typeof t === 'string') {
        const i = this.need(t);
        exclude.add(i);
        const n = this.normed();
        for (let e = 0; e < E; e++) mean[e]! += weight * n[i * E + e]!;
      } else {
        this.checkVector(t);
        for (let e = 0; e < E; e++) mean[e]! += weight * t[e]!;
      }
    };
    for (const t of pos) add(t, 1);
    for (const t of negative) add(t, -1);
    normalize(mean);
    return this.rankBy(mean, topn, restrictVocab, exclude);
  }

  /** The `topn` words closest to `vector` by cosine (nothing excluded). */
  similarByVector(vector: ArrayLike<number>, topn = 10, restrictVocab?: number): Scored[] {
    this.checkVector(vector);
    const q = Float64Array.from(vector);
    normalize(q);
    return this.rankBy(q, topn, restrictVocab, new Set());
  }

  /** The `topn` words closest to `word` (itself excluded). */
  similarByWord(word: string, topn = 10, restrictVocab?: number): Scored[] {
    return this.mostSimilar([word], [], topn, restrictVocab);
  }

  /**
   * 3CosMul (Levy & Goldberg 2014): argmax Π_pos (1 + cos)/2 / (Π_neg (1 + cos)/2 + 1e-6), as
   * gensim's most_similar_cosmul. Query words are excluded.
   */
  mostSimilarCosmul(positive: Term | readonly Term[], negative: readonly Term[] = [], topn = 10, restrictVocab?: number): Scored[] {
    const pos = asTerms(positive);
    if (pos.length + negative.length === 0) fail('mostSimilarCosmul: expected at least one positive or negative word');
    const exclude = new Set<number>();
    const unit = (t: Term): Float64Array => {
      if (typeof t === 'string') {
        const i = this.need(t);
        exclude.add(i);
        return Float64Array.from(this.normed().subarray(i * this.dim, (i + 1) * this.dim));
      }
      this.checkVector(t);
      const v = Float64Array.from(t);
      normalize(v);
      return v;
    };
    const P = pos.map(unit);
    const N = negative.map(unit);
    const n = this.normed();
    const E = this.dim;
    const R = this.limit(restrictVocab);
    const scores = new Float64Array(R);
    for (let w = 0; w < R; w++) {
      let num = 1;
      for (const p of P) num *= (1 + dot(n, w * E, p, 0, E)) / 2;
      let den = 1;
      for (const q of N) den *= (1 + dot(n, w * E, q, 0, E)) / 2;
      scores[w] = num / (den + 1e-6);
    }
    return this.top(scores, topn, exclude);
  }

  /** The word of `words` farthest from the mean of their unit vectors (unknown words are ignored). */
  doesntMatch(words: readonly string[]): string {
    const known = words.filter((w) => this.index.has(w));
    if (known.length === 0) fail(`doesntMatch: none of ${JSON.stringify(words)} is in the vocabulary`);
    const E = this.dim;
    const n = this.normed();
    const mean = new Float64Array(E);
    for (const w of known) {
      const i = this.index.get(w)!;
      for (let e = 0; e < E; e++) mean[e]! += n[i * E + e]!;
    }
    normalize(mean);
    let worst = known[0]!;
    let worstSim = Infinity;
    for (const w of known) {
      const s = dot(n, this.index.get(w)! * E, mean, 0, E);
      if (s < worstSim) {
        worstSim = s;
        worst = w;
      }
    }
    return worst;
  }

  /**
   * Accuracy on an analogy file (`questions-words.txt`: `: section` lines, then `a b c d` lines),
   * counted as word2vec.c's compute-accuracy: a question is seen when all four words are among
   * the first `restrictVocab` words; the answer is the best candidate other than a, b, c with a
   * positive score; it is correct when it equals d. With `caseInsensitive` both sides are
   * upper-cased. Sections 1–5 are semantic, the rest syntactic. (compute-accuracy prints an
   * empty section as "0 / 1"; here it is 0 / 0.)
   */
  async evaluateAnalogies(questionsFile: string, opts: AnalogyOptions = {}): Promise<AnalogyResult> {
    const { readFile } = await import('node:fs/promises');
    return this.evaluateAnalogiesText(await readFile(questionsFile, 'utf8'), questionsFile, opts);
  }

  /** `evaluateAnalogies` on the file's text; `source` names it in errors. */
  evaluateAnalogiesText(text: string, source = '<text>', opts: AnalogyOptions = {}): AnalogyResult {
    return evaluateAnalogiesText(this, text, source, opts);
  }

  /**
   * Correlation with human similarity judgements (WordSim-353, SimLex-999, ...): one pair per line
   * `w1 w2 score`; blank lines and `#` comments are skipped, as is a first line whose score is not
   * a number (a header). Pairs with an unknown word are left out and counted in `oovRatio`.
   */
  async evaluateWordPairs(file: string, opts: WordPairsOptions = {}): Promise<WordPairsResult> {
    const { readFile } = await import('node:fs/promises');
    return this.evaluateWordPairsText(await readFile(file, 'utf8'), file, opts);
  }

  /** `evaluateWordPairs` on the file's text; `source` names it in errors. */
  evaluateWordPairsText(text: string, source = '<text>', opts: WordPairsOptions = {}): WordPairsResult {
    return evaluateWordPairsText(this, text, source, opts);
  }

  private limit(restrictVocab: number | undefined): number {
    return limit(this, restrictVocab);
  }

  private checkVector(v: ArrayLike<number>): void {
    if (v.length !== this.dim) fail(`expected a vector of length ${this.dim}, got ${v.length}`);
  }

  private rankBy(q: Float64Array, topn: number, restrictVocab: number | undefined, exclude: Set<number>): Scored[] {
    const R = this.limit(restrictVocab);
    const n = this.normed();
    const E = this.dim;
    const scores = new Float64Array(R);
    for (let w = 0; w < R; w++) scores[w] = dot(n, w * E, q, 0, E);
    return this.top(scores, topn, exclude);
  }

  /** The topn best scores not in `exclude`, best first (ties: lower row first). */
  private top(scores: Float64Array, topn: number, exclude: Set<number>): Scored[] {
    if (!(topn >= 0)) fail(`expected topn ≥ 0, got ${topn}`);
    const k = Math.min(Math.floor(topn), scores.length);
    // Min-heap of the k best so far, keyed by (score, −row).
    const hs = new Float64Array(k);
    const hi = new Int32Array(k);
    let size = 0;
    const worse = (i: number, j: number): boolean => hs[i]! < hs[j]! || (hs[i] === hs[j] && hi[i]! > hi[j]!);
    const swap = (i: number, j: number): void => {
      const s = hs[i]!;
      hs[i] = hs[j]!;
      hs[j] = s;
      const t = hi[i]!;
      hi[i] = hi[j]!;
      hi[j] = t;
    };
    const down = (i: number): void => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < size && worse(l, m)) m = l;
        if (r < size && worse(r, m)) m = r;
        if (m === i) return;
        swap(i, m);
        i = m;
      }
    };
    for (let w = 0; w < scores.length && k > 0; w++) {
      if (exclude.has(w)) continue;
      const s = scores[w]!;
      if (Number.isNaN(s)) continue;
      if (size < k) {
        hs[size] = s;
        hi[size] = w;
        for (let i = size++; i > 0; ) {
          const p = (i - 1) >> 1;
          if (!worse(i, p)) break;
          swap(i, p);
          i = p;
        }
      } else if (s > hs[0]!) {
        hs[0] = s;
        hi[0] = w;
        down(0);
      }
    }
    const out: Scored[] = [];
    for (let i = 0; i < size; i++) out.push([this.words[hi[i]!]!, hs[i]!]);
    const order = new Map(out.map((o, i) => [o, hi[i]!]));
    out.sort((a, b) => b[1] - a[1] || order.get(a)! - order.get(b)!);
    return out;
  }
}

function asTerms(t: Term | readonly Term[]): readonly Term[] {
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t as readonly Term[];
  return [t as ArrayLike<number>];
}

function normalize(v: Float64Array): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
  }
}
