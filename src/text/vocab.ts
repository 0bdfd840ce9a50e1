/**
 * Token vocabulary: string tokens ↔ integer ids, with padding and out-of-vocabulary ids.
 *
 * Ordering (deterministic): the special tokens first, in the order given (padding id 0 and
 * unknown id 1 by default); then the corpus tokens by frequency, descending; ties by string
 * order (JavaScript `<`, i.e. UTF-16 code units). Ties are not broken by first occurrence, so
 * the same texts in any order give the same ids (shuffling a corpus does not renumber it).
 */

/** Options of {@link Vocabulary.build}. */
export interface VocabularyOptions {
  /** Drop tokens seen fewer times than this. Default 1. */
  minFreq?: number;
  /** At most this many entries, specials included; the rarest tokens are dropped. Default unlimited. */
  maxSize?: number;
  /** Reserved tokens at the start of the vocabulary. Default ['<pad>', '<unk>']. */
  specials?: string[];
  /** The padding token; must be among `specials`. Default '<pad>' (id 0 with default specials). */
  padToken?: string;
  /** The out-of-vocabulary token; must be among `specials`. Default '<unk>' (id 1). */
  unkToken?: string;
}

/** Serialized {@link Vocabulary}. */
export interface VocabularyJSON {
  type: 'vocabulary';
  /** Tokens, index = id. */
  tokens: string[];
  /** Number of leading special tokens. */
  numSpecials: number;
  padId: number;
  unkId: number;
}

/**
 * A vocabulary built from tokenized texts.
 *
 * @example
 * const tok = new WordTokenizer();
 * const vocab = Vocabulary.build(texts.map((t) => tok.tokenize(t)), { minFreq: 2, maxSize: 20000 });
 * vocab.encode(['the', 'zyzzyva']); // [2, 1]  ('the' is the most frequent token; unknown → 1)
 * vocab.decode([2, 1, 0]);          // ['the', '<unk>', '<pad>']
 * const same = Vocabulary.fromJSON(vocab.toJSON());
 */
export class Vocabulary {
  /** Tokens, index = id. */
  readonly tokens: readonly string[];
  readonly numSpecials: number;
  readonly padId: number;
  readonly unkId: number;
  private readonly index: Map<string, number>;

  private constructor(tokens: string[], numSpecials: number, padId: number, unkId: number) {
    this.tokens = tokens;
    this.numSpecials = numSpecials;
    this.padId = padId;
    this.unkId = unkId;
    this.index = new Map(tokens.map((t, i) => [t, i]));
  }

  /** Number of entries, specials included (the `inputDim` of an `Embedding`). */
  get size(): number {
    return this.tokens.length;
  }

  /**
   * Counts the tokens of every stream and keeps those with count ≥ `minFreq`, most frequent
   * first, up to `maxSize` entries in all. Occurrences of special tokens in the corpus are
   * ignored (they keep their reserved ids).
   *
   * @example
   * Vocabulary.build([['a', 'b', 'a'], ['c', 'a', 'b']]).tokens; // ['<pad>', '<unk>', 'a', 'b', 'c']
   */
  static build(tokenStreams: Iterable<Iterable<string>>, options: VocabularyOptions = {}): Vocabulary {
    const where = 'Vocabulary.build';
    const minFreq = options.minFreq ?? 1;
    if (!Number.isInteger(minFreq) || minFreq < 1) throw new Error(`${where}: minFreq must be a positive integer, got ${minFreq}`);
    const maxSize = options.maxSize ?? Infinity;
    if (maxSize !== Infinity && (!Number.isInteger(maxSize) || maxSize < 1)) {
      throw new Error(`${where}: maxSize must be a positive integer, got ${maxSize}`);
    }
    const specials = options.specials ?? ['<pad>', '<unk>'];
    if (!Array.isArray(specials) || specials.some((s) => typeof s !== 'string') || new Set(specials).size !== specials.length) {
      throw new Error(`${where}: specials must be a list of distinct strings, got ${JSON.stringify(specials)}`);
    }
    const padToken = options.padToken ?? '<pad>';
    const unkToken = options.unkToken ?? '<unk>';
    const padId = specials.indexOf(padToken);
    const unkId = specials.indexOf(unkToken);
    if (padId < 0) throw new Error(`${where}: padToken "${padToken}" is not among specials ${JSON.stringify(specials)}`);
    if (unkId < 0) throw new Error(`${where}: unkToken "${unkToken}" is not among specials ${JSON.stringify(specials)}`);
    if (padToken === unkToken) throw new Error(`${where}: padToken and unkToken must differ, both are "${padToken}"`);
    if (maxSize < specials.length) throw new Error(`${where}: maxSize ${maxSize} cannot hold the ${specials.length} special tokens`);

    const counts = new Map<string, number>();
    const reserved = new Set(specials);
    let s = 0;
    for (const stream of tokenStreams) {
      if (typeof stream === 'string') {
        throw new Error(`${where}: expected token lists (e.g. tokenizer.tokenize(text)), got a string at position ${s}`);
      }
      for (const t of stream) {
        if (typeof t !== 'string') throw new Error(`${where}: stream ${s} holds a ${typeof t}; expected string tokens`);
        if (!reserved.has(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
      }
      s++;
    }
    const kept = [...counts].filter(([, c]) => c >= minFreq);
    kept.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const room = maxSize - specials.length;
    const tokens = [...specials, ...kept.slice(0, room).map(([t]) => t)];
    return new Vocabulary(tokens, specials.length, padId, unkId);
  }

  /**
   * A vocabulary with exactly these tokens, in this order (e.g. from pretrained embeddings).
   * The specials must come first.
   *
   * @example
   * const v = Vocabulary.fromTokens(['<pad>', '<unk>', 'good', 'bad']);
   */
  static fromTokens(tokens: readonly string[], options: { numSpecials?: number; padId?: number; unkId?: number } = {}): Vocabulary {
    return Vocabulary.fromJSON({ type: 'vocabulary', tokens: [...tokens], numSpecials: options.numSpecials ?? 2, padId: options.padId ?? 0, unkId: options.unkId ?? 1 });
  }

  /** Id of `token`, or `unkId` when it is not in the vocabulary. */
  idOf(token: string): number {
    return this.index.get(token) ?? this.unkId;
  }

  /** Whether `token` has its own id. */
  has(token: string): boolean {
    return this.index.has(token);
  }

  /** Token of `id`; throws if `id` is outside the vocabulary. */
  tokenOf(id: number): string {
    const t = this.tokens[id];
    if (t === undefined || !Number.isInteger(id)) throw new Error(`Vocabulary: id ${id} is outside the vocabulary (size ${this.tokens.length})`);
    return t;
  }

  /** Ids of `tokens`; unknown tokens map to `unkId`. */
  encode(tokens: Iterable<string>): number[] {
    const out: number[] = [];
    for (const t of tokens) out.push(this.index.get(t) ?? this.unkId);
    return out;
  }

  /**
   * Tokens of `ids`. With `skipPad` (default false) padding ids are dropped, so a padded row
   * decodes to its real tokens.
   */
  decode(ids: ArrayLike<number>, { skipPad = false }: { skipPad?: boolean } = {}): string[] {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (skipPad && id === this.padId) continue;
      const t = this.tokens[id];
      if (t === undefined || !Number.isInteger(id)) {
        throw new Error(`Vocabulary.decode: id ${id} at position ${i} is outside the vocabulary (size ${this.tokens.length})`);
      }
      out.push(t);
    }
    return out;
  }

  /** Fraction of `tokens` that have their own id (1 − OOV rate). */
  coverage(tokenStreams: Iterable<Iterable<string>>): number {
    let n = 0;
    let known = 0;
    for (const stream of tokenStreams) {
      for (const t of stream) {
        n++;
        const id = this.index.get(t);
        if (id !== undefined && id !== this.unkId) known++;
      }
    }
    return n === 0 ? 1 : known / n;
  }

  toJSON(): VocabularyJSON {
    return { type: 'vocabulary', tokens: [...this.tokens], numSpecials: this.numSpecials, padId: this.padId, unkId: this.unkId };
  }

  /** Rebuilds a vocabulary from {@link Vocabulary.toJSON}'s output, validating it. */
  static fromJSON(json: unknown): Vocabulary {
    const where = 'Vocabulary.fromJSON';
    const o = json as Partial<VocabularyJSON> | null;
    if (typeof o !== 'object' || o === null || o.type !== 'vocabulary') throw new Error(`${where}: expected an object with type "vocabulary"`);
    const { tokens, numSpecials, padId, unkId } = o;
    if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) throw new Error(`${where}: tokens must be a list of strings`);
    if (new Set(tokens).size !== tokens.length) {
      const seen = new Set<string>();
      const dup = tokens.find((t) => (seen.has(t) ? true : (seen.add(t), false)));
      throw new Error(`${where}: token ${JSON.stringify(dup)} appears more than once`);
    }
    const n = tokens.length;
    if (!Number.isInteger(numSpecials) || numSpecials! < 0 || numSpecials! > n) throw new Error(`${where}: numSpecials must be an integer in [0, ${n}], got ${numSpecials}`);
    for (const [name, v] of [['padId', padId], ['unkId', unkId]] as const) {
      if (!Number.isInteger(v) || v! < 0 || v! >= numSpecials!) {
        throw new Error(`${where}: ${name} must be the id of a special token (0..${numSpecials! - 1}), got ${v}`);
      }
    }
    if (padId === unkId) throw new Error(`${where}: padId and unkId must differ, both are ${padId}`);
    return new Vocabulary([...tokens], numSpecials!, padId!, unkId!);
  }
}
