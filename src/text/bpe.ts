/**
 * Byte-pair encoding (Sennrich, Haddow & Birch 2016, "Neural Machine Translation of Rare Words
 * with Subword Units"), over characters (code points), with the paper's end-of-word marker.
 *
 * Training: split each text on whitespace into words; a word is its characters followed by the
 * symbol `</w>` ("low" → l o w </w>). Repeatedly merge the most frequent adjacent symbol pair,
 * counting each pair once per occurrence weighted by word frequency, until the vocabulary reaches
 * `vocabSize` or the best pair is rarer than `minFrequency`. Ties between equally frequent pairs
 * go to the pair whose left symbol, then right symbol, sorts first (JavaScript string order), so
 * the merges do not depend on the order of the texts.
 *
 * Pair counts are updated incrementally (only the words containing the merged pair are
 * re-counted) and the best pair comes from a max-heap with lazy deletion, so training costs
 * O(Σ affected word lengths · log P) per merge instead of a full recount.
 *
 * Encoding applies the learnt merges to each word in merge order (lowest rank first), exactly
 * as training did; characters never seen in training become `<unk>`.
 */
import { checkNormalization, type Normalization, normalizeText } from './normalize.js';

/** The end-of-word marker appended to every word (Sennrich et al.). */
const EOW = '</w>';
const SPLIT_RE = /\s+/u;
// Pair key = a · 2^26 + b: exact in a double for symbol ids below 2^26.
const KEY_BASE = 2 ** 26;

/** Options of {@link BPETokenizer.train}. */
export interface BPETrainOptions {
  /** Target vocabulary size: specials + characters + `</w>` + merged symbols. Required. */
  vocabSize: number;
  /** Stop merging when the best pair occurs fewer times than this. Default 2. */
  minFrequency?: number;
  /** Lower-case texts first. Default false. */
  lower?: boolean;
  /** Unicode normalization. Default 'NFC'. */
  normalize?: Normalization;
  /** Special symbols at the start of the vocabulary; the first is padding, the second unknown. Default ['<pad>', '<unk>']. */
  specials?: string[];
}

/** Serialized {@link BPETokenizer}. */
export interface BPETokenizerJSON {
  type: 'bpe';
  lower: boolean;
  normalize: Normalization;
  /** All symbols, index = id: specials, `</w>`, characters, merged symbols in merge order. */
  vocab: string[];
  /** Number of leading special symbols in `vocab`. */
  numSpecials: number;
  /** Merges in rank order, each `[left, right]`. */
  merges: [string, string][];
}

/**
 * A byte-pair-encoding subword tokenizer trained from a corpus. It owns its vocabulary, so
 * `encode` returns ids directly; id 0 is padding and id 1 is `<unk>` by default.
 *
 * @example
 * const bpe = BPETokenizer.train(['low low low lower newest newest widest'], { vocabSize: 30, minFrequency: 1 });
 * bpe.tokenize('lowest');              // e.g. ['low', 'est</w>']
 * bpe.decode(bpe.encode('newest low')); // 'newest low'
 */
export class BPETokenizer {
  readonly lower: boolean;
  readonly normalize: Normalization;
  /** Symbols, index = id. */
  readonly vocab: readonly string[];
  /** Merges in rank order. */
  readonly merges: readonly (readonly [string, string])[];
  readonly numSpecials: number;
  private readonly ids: Map<string, number>;
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, string[]>();

  private constructor(json: BPETokenizerJSON) {
    this.lower = json.lower;
    this.normalize = json.normalize;
    this.vocab = json.vocab;
    this.merges = json.merges;
    this.numSpecials = json.numSpecials;
    this.ids = new Map(json.vocab.map((s, i) => [s, i]));
    this.ranks = new Map(json.merges.map(([a, b], i) => [pairString(a, b), i]));
  }

  /** Id of padding (the first special). */
  get padId(): number {
    return 0;
  }

  /** Id of unknown characters (the second special). */
  get unkId(): number {
    return 1;
  }

  /** Number of symbols. */
  get size(): number {
    return this.vocab.length;
  }

  /**
   * Learns merges from `texts` (see the file header for the algorithm and tie-breaking).
   *
   * @example
   * const bpe = BPETokenizer.train(corpus, { vocabSize: 8000 });
   */
  static train(texts: Iterable<string>, options: BPETrainOptions): BPETokenizer {
    const where = 'BPETokenizer.train';
    const { vocabSize } = options;
    if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new Error(`${where}: vocabSize must be a positive integer, got ${vocabSize}`);
    const minFrequency = options.minFrequency ?? 2;
    if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new Error(`${where}: minFrequency must be a positive integer, got ${minFrequency}`);
    const lower = options.lower ?? false;
    const normalize = checkNormalization(where, options.normalize ?? 'NFC');
    const specials = options.specials ?? ['<pad>', '<unk>'];
    if (specials.length < 2 || new Set(specials).size !== specials.length || specials.some((s) => typeof s !== 'string' || s === '')) {
      throw new Error(`${where}: specials must be at least 2 distinct non-empty strings (padding, unknown, ...), got ${JSON.stringify(specials)}`);
    }

    const wordFreq = new Map<string, number>();
    for (const text of texts) {
      if (typeof text !== 'string') throw new Error(`${where}: expected texts to be strings, got ${typeof text}`);
      for (const w of splitWords(text, lower, normalize)) wordFreq.set(w, (wordFreq.get(w) ?? 0) + 1);
    }
    if (wordFreq.size === 0) throw new Error(`${where}: the corpus has no words`);

    const chars = new Set<string>();
    for (const w of wordFreq.keys()) for (const c of w) chars.add(c);
    for (const s of specials) chars.delete(s);
    chars.delete(EOW);
    const vocab = [...specials, EOW, ...[...chars].sort(compareCodePoints)];
    if (vocabSize < vocab.length) {
      throw new Error(
        `${where}: vocabSize ${vocabSize} is smaller than the ${specials.length} specials + end-of-word marker + ` +
          `${chars.size} distinct characters of the corpus (${vocab.length}); raise vocabSize to at least ${vocab.length}`,
      );
    }
    const merges = learnMerges(wordFreq, vocab, vocabSize, minFrequency);
    return new BPETokenizer({ type: 'bpe', lower, normalize, vocab, numSpecials: specials.length, merges });
  }

  /** Subword symbols of `text`; the last symbol of each word ends in `</w>`. */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new Error(`BPETokenizer.tokenize: expected a string, got ${text === null ? 'null' : typeof text}`);
    const out: string[] = [];
    for (const w of splitWords(text, this.lower, this.normalize)) out.push(...this.segment(w));
    return out;
  }

  /** Symbol ids of `text`; symbols not in the vocabulary (unseen characters) map to `unkId`. */
  encode(text: string): number[] {
    return this.tokenize(text).map((s) => this.ids.get(s) ?? this.unkId);
  }

  /**
   * Text of `ids`: symbols concatenated, `</w>` read as a space, padding dropped, `<unk>` kept
   * as its symbol. For text made of known characters and single spaces, `decode(encode(t)) === t`
   * (after normalization and lower-casing).
   */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const sym = this.vocab[id];
      if (!Number.isInteger(id) || sym === undefined) {
        throw new Error(`BPETokenizer.decode: id ${id} at position ${i} is outside the vocabulary (size ${this.vocab.length})`);
      }
      if (id === this.padId) continue;
      s += id < this.numSpecials ? sym : sym.endsWith(EOW) ? sym.slice(0, -EOW.length) + ' ' : sym;
    }
    return s.trimEnd();
  }

  toJSON(): BPETokenizerJSON {
    return {
      type: 'bpe',
      lower: this.lower,
      normalize: this.normalize,
      vocab: [...this.vocab],
      numSpecials: this.numSpecials,
      merges: this.merges.map(([a, b]) => [a, b]),
    };
  }

  /** Rebuilds a tokenizer from {@link BPETokenizer.toJSON}'s output. */
  static fromJSON(json: unknown): BPETokenizer {
    const where = 'BPETokenizer.fromJSON';
    const o = json as Partial<BPETokenizerJSON> | null;
    if (typeof o !== 'object' || o === null || o.type !== 'bpe') throw new Error(`${where}: expected an object with type "bpe"`);
    const isStrings = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string');
    if (!isStrings(o.vocab) || new Set(o.vocab).size !== o.vocab.length) throw new Error(`${where}: vocab must be a list of distinct strings`);
    if (!Number.isInteger(o.numSpecials) || o.numSpecials! < 2 || o.numSpecials! > o.vocab.length) {
      throw new Error(`${where}: numSpecials must be an integer in [2, ${o.vocab.length}], got ${o.numSpecials}`);
    }
    if (!Array.isArray(o.merges) || !o.merges.every((m) => isStrings(m) && m.length === 2)) {
      throw new Error(`${where}: merges must be a list of [left, right] string pairs`);
    }
    const known = new Set(o.vocab);
    for (const [a, b] of o.merges) {
      if (!known.has(a + b)) throw new Error(`${where}: merge ["${a}", "${b}"] makes "${a + b}", which is not in vocab`);
    }
    return new BPETokenizer({
      type: 'bpe',
      lower: o.lower === true,
      normalize: checkNormalization(where, o.normalize),
      vocab: [...o.vocab],
      numSpecials: o.numSpecials!,
      merges: o.merges.map(([a, b]) => [a!, b!]),
    });
  }

  /** Applies the merges to one word, lowest rank first. Cached: corpora repeat words. */
  private segment(word: string): string[] {
    const hit = this.cache.get(word);
    if (hit !== undefined) return hit;
    let syms = [...word, EOW];
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = this.ranks.get(pairString(syms[i]!, syms[i + 1]!));
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const [a, b] = this.merges[bestRank]!;
      syms = mergeSymbols(syms, a, b, a + b);
    }
    if (this.cache.size >= 100_000) this.cache.clear();
    this.cache.set(word, syms);
    return syms;
  }
}

function splitWords(text: string, lower: boolean, normalize: Normalization): string[] {
  let s = normalizeText(text, normalize);
  if (lower) s = s.toLowerCase();
  return s.split(SPLIT_RE).filter((w) => w.length > 0);
}

function pairString(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

function compareCodePoints(a: string, b: string): number {
  return a.codePointAt(0)! - b.codePointAt(0)!;
}

/** Replaces every non-overlapping occurrence of (a, b), left to right, by c. */
function mergeSymbols<T>(syms: T[], a: T, b: T, c: T): T[] {
  const out: T[] = [];
  for (let i = 0; i < syms.length; i++) {
    if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
      out.push(c);
      i++;
    } else out.push(syms[i]!);
  }
  return out;
}

/** The training loop over interned symbol ids; appends new symbols to `vocab`, returns merges. */
function learnMerges(wordFreq: Map<string, number>, vocab: string[], vocabSize: number, minFrequency: number): [string, string][] {
  const symId = new Map(vocab.map((s, i) => [s, i]));
  const sym = vocab; // id → string, grows with merges
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [w, f] of wordFreq) {
    words.push([...w].map((c) => symId.get(c)!).concat(symId.get(EOW)!));
    freqs.push(f);
  }

  const count = new Map<number, number>(); // pair key → weighted count
  const where = new Map<number, Set<number>>(); // pair key → words containing it
  const touched = new Set<number>();
  const addPairs = (w: number, sign: 1 | -1): void => {
    const s = words[w]!;
    const f = freqs[w]! * sign;
    for (let i = 0; i + 1 < s.length; i++) {
      const k = s[i]! * KEY_BASE + s[i + 1]!;
      const c = (count.get(k) ?? 0) + f;
      if (c === 0) count.delete(k);
      else count.set(k, c);
      touched.add(k);
      if (sign > 0) {
        let set = where.get(k);
        if (set === undefined) where.set(k, (set = new Set()));
        set.add(w);
      } else where.get(k)?.delete(w);
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);

  // Max-heap of [count, key]: higher count first, then left symbol, then right symbol, by string order.
  const before = (x: [number, number], y: [number, number]): boolean => {
    if (x[0] !== y[0]) return x[0] > y[0];
    const xa = sym[Math.floor(x[1] / KEY_BASE)]!;
    const ya = sym[Math.floor(y[1] / KEY_BASE)]!;
    if (xa !== ya) return xa < ya;
    return sym[x[1] % KEY_BASE]! < sym[y[1] % KEY_BASE]!;
  };
  const heap = new Heap(before);
  // Count of each pair's newest heap entry: a pair re-counted to the same value needs no new entry.
  const inHeap = new Map<number, number>();
  const flush = (): void => {
    for (const k of touched) {
      const c = count.get(k);
      if (c !== undefined && inHeap.get(k) !== c) {
        heap.push([c, k]);
        inHeap.set(k, c);
      }
    }
    touched.clear();
  };
  flush();

  const merges: [string, string][] = [];
  while (vocab.length < vocabSize) {
    let top: [number, number] | undefined;
    for (;;) {
      top = heap.pop();
      if (top === undefined) break;
      if (inHeap.get(top[1]) === top[0]) inHeap.delete(top[1]);
      if (count.get(top[1]) === top[0]) break; // else a stale entry: skip it
    }
    if (top === undefined || top[0] < minFrequency) break;
    const key = top[1];
    const a = Math.floor(key / KEY_BASE);
    const b = key % KEY_BASE;
    const merged = sym[a]! + sym[b]!;
    let c = symId.get(merged);
    if (c === undefined) {
      c = sym.length;
      if (c >= KEY_BASE) throw new Error(`BPETokenizer.train: more than ${KEY_BASE} symbols`);
      sym.push(merged);
      symId.set(merged, c);
    }
    merges.push([sym[a]!, sym[b]!]);
    for (const w of [...where.get(key)!]) {
      addPairs(w, -1);
      words[w] = mergeSymbols(words[w]!, a, b, c);
      addPairs(w, 1);
    }
    flush();
  }
  return merges;
}

/** Binary heap ordered by `before` (the root is the element no other comes before). */
class Heap<T> {
  private a: T[] = [];
  constructor(private readonly before: (x: T, y: T) => boolean) {}

  push(x: T): void {
    const a = this.a;
    let i = a.push(x) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
