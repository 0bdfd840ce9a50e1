/**
 * Tokenizers: text → list of string tokens.
 *
 * - `CharTokenizer`: one token per code point (or per grapheme cluster).
 * - `WordTokenizer`: Unicode-aware words, PTB-style punctuation and contraction splitting.
 * - `BPETokenizer` (in `bpe.ts`, re-exported here): Sennrich byte-pair encoding learnt from a corpus.
 *
 * Every tokenizer serializes to a small JSON object (`toJSON()`, `tokenizerFromJSON()`) that is
 * stored in a model file's metadata, so a loaded model tokenizes exactly as it did in training.
 * Text is Unicode-normalized first (NFC by default) so that "é" typed as one code point and as
 * "e" + U+0301 give the same tokens.
 */
import { BPETokenizer, type BPETokenizerJSON } from './bpe.js';
import { checkNormalization, type Normalization, normalizeText } from './normalize.js';

export { BPETokenizer } from './bpe.js';
export type { BPETokenizerJSON, BPETrainOptions } from './bpe.js';
export type { Normalization } from './normalize.js';

/** What every tokenizer offers. */
export interface Tokenizer {
  /** The tokens of `text`, in order. */
  tokenize(text: string): string[];
  /** A JSON-safe description that {@link tokenizerFromJSON} turns back into the same tokenizer. */
  toJSON(): TokenizerJSON;
}

/** The serialized form of any tokenizer. */
export type TokenizerJSON = CharTokenizerJSON | WordTokenizerJSON | BPETokenizerJSON;

function checkBool(where: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function checkText(where: string, text: unknown): void {
  if (typeof text !== 'string') throw new Error(`${where}: expected a string, got ${text === null ? 'null' : typeof text}`);
}

function checkType(json: unknown, type: string, where: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || (json as { type?: unknown }).type !== type) {
    const got = typeof json === 'object' && json !== null ? JSON.stringify((json as { type?: unknown }).type) : typeof json;
    throw new Error(`${where}: expected an object with type "${type}", got ${got}`);
  }
  return json as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Characters

/** Options of {@link CharTokenizer}. */
export interface CharTokenizerOptions {
  /** Lower-case the text first. Default false. */
  lower?: boolean;
  /** Unicode normalization. Default 'NFC'. */
  normalize?: Normalization;
  /**
   * `'codepoint'` (default): one token per Unicode code point, as `[...text]`.
   * `'grapheme'`: one token per user-perceived character (`Intl.Segmenter`), so "👨‍👩‍👧" or
   * "e" + U+0301 (with `normalize: 'none'`) stay one token.
   */
  unit?: 'codepoint' | 'grapheme';
}

/** Serialized {@link CharTokenizer}. */
export interface CharTokenizerJSON {
  type: 'char';
  lower: boolean;
  normalize: Normalization;
  unit: 'codepoint' | 'grapheme';
}

/**
 * Character tokenizer: every code point (or grapheme cluster) is a token, whitespace included.
 * `detokenize(tokenize(s))` gives back `s` up to normalization and lower-casing.
 *
 * @example
 * const tok = new CharTokenizer();
 * tok.tokenize('né 👍');                     // ['n', 'é', ' ', '👍']
 * new CharTokenizer({ unit: 'grapheme' }).tokenize('👨‍👩‍👧!'); // ['👨‍👩‍👧', '!']
 */
export class CharTokenizer implements Tokenizer {
  readonly lower: boolean;
  readonly normalize: Normalization;
  readonly unit: 'codepoint' | 'grapheme';
  private segmenter: Intl.Segmenter | null = null;

  constructor(options: CharTokenizerOptions = {}) {
    const where = 'CharTokenizer';
    this.lower = checkBool(where, 'lower', options.lower ?? false);
    this.normalize = checkNormalization(where, options.normalize ?? 'NFC');
    const unit = options.unit ?? 'codepoint';
    if (unit !== 'codepoint' && unit !== 'grapheme') {
      throw new Error(`${where}: unit must be 'codepoint' or 'grapheme', got ${JSON.stringify(unit)}`);
    }
    this.unit = unit;
  }

  tokenize(text: string): string[] {
    checkText('CharTokenizer.tokenize', text);
    let s = normalizeText(text, this.normalize);
    if (this.lower) s = s.toLowerCase();
    if (this.unit === 'codepoint') return Array.from(s);
    this.segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    return Array.from(this.segmenter.segment(s), (g) => g.segment);
  }

  /** Joins tokens back into text. */
  detokenize(tokens: readonly string[]): string {
    return tokens.join('');
  }

  toJSON(): CharTokenizerJSON {
    return { type: 'char', lower: this.lower, normalize: this.normalize, unit: this.unit };
  }

  /** Rebuilds a tokenizer from {@link CharTokenizer.toJSON}'s output. */
  static fromJSON(json: unknown): CharTokenizer {
    const o = checkType(json, 'char', 'CharTokenizer.fromJSON');
    return new CharTokenizer(o as CharTokenizerOptions);
  }
}

// ---------------------------------------------------------------------------------------------
// Words

/** Options of {@link WordTokenizer}. */
export interface WordTokenizerOptions {
  /** Lower-case the text (locale-independent `toLowerCase`). Default true. */
  lower?: boolean;
  /**
   * true (default): words, numbers, emoji and punctuation are separate tokens ("film." → "film",
   * "."); a run of one repeated punctuation character is one token ("...", "!!", "--").
   * false: tokens are the whitespace-separated chunks of the text.
   */
  splitPunctuation?: boolean;
  /**
   * Split English clitics as the Penn Treebank does: "don't" → "do", "n't"; "can't" → "ca", "n't";
   * "I'm" → "I", "'m"; "she'll've" → "she", "'ll", "'ve"; possessive "film's" → "film", "'s".
   * Default true.
   */
  splitContractions?: boolean;
  /** `'keep'` (default) keeps numbers as tokens; `'token'` replaces each number by `numberToken`. */
  numbers?: 'keep' | 'token';
  /** Replacement for numbers when `numbers: 'token'`. Default `'<num>'`. */
  numberToken?: string;
  /** Unicode normalization. Default 'NFC'. */
  normalize?: Normalization;
  /** Replace HTML tags such as IMDB's `<br />` by a space first. Default false. */
  stripHtml?: boolean;
}

/** Serialized {@link WordTokenizer}. */
export interface WordTokenizerJSON {
  type: 'word';
  lower: boolean;
  splitPunctuation: boolean;
  splitContractions: boolean;
  numbers: 'keep' | 'token';
  numberToken: string;
  normalize: Normalization;
  stripHtml: boolean;
}

// A word character is a letter, mark or number, except Han ideographs, which are one token each
// (as BERT's basic tokenizer does: Chinese has no spaces between words).
const WCH = String.raw`[[\p{L}\p{M}\p{N}]--\p{sc=Han}]`;
const ALNUM = String.raw`[\p{L}\p{M}\p{N}]`;
const EMOJI =
  String.raw`[0-9#*]\uFE0F?\u20E3|\p{Regional_Indicator}{2}` +
  String.raw`|\p{Extended_Pictographic}[\p{Emoji_Modifier}\uFE0F]*(?:\u200D\p{Extended_Pictographic}[\p{Emoji_Modifier}\uFE0F]*)*`;
// Only numbers with inner separators need their own rule ("3.14", "1,000", "12:30"); plain digit
// runs are words, so "1930s" and "2nd" stay whole.
const NUMBER = String.raw`\p{N}+(?:[.,:\/]\p{N}+)+(?!${ALNUM})`;
// A clitic standing alone, as in already tokenized text ("it 's"), stays one token.
const CLITIC = String.raw`(?<!${ALNUM})['’](?:[sSmMdD]|[lL][lL]|[rR][eE]|[vV][eE])(?!${ALNUM})`;
// Words may hold inner hyphens and apostrophes: "re-imagining", "don't", "o'clock".
const WORD = String.raw`${WCH}+(?:[\-'’]${WCH}+)*`;
const HAN = String.raw`\p{sc=Han}`;
const PUNCT = String.raw`(?<p>[^\s\p{L}\p{M}\p{N}])\k<p>*`;
const TOKEN_RE = new RegExp(`${EMOJI}|${NUMBER}|${CLITIC}|${WORD}|${HAN}|${PUNCT}`, 'gv');
const PURE_NUMBER_RE = /^\p{N}+(?:[.,:/]\p{N}+)*$/u;
const HTML_TAG_RE = /<\/?[A-Za-z][^<>]*>/g;
// Peeled off the end of a word repeatedly: "shouldn't've" → "should" "n't" "'ve".
const NT_RE = /^(.+?)(n't)$/i;
const CLITIC_END_RE = /^(.+?)('(?:s|m|d|ll|re|ve))$/i;

/**
 * Word tokenizer for text classification and language models. Unicode-aware: a word is a run of
 * letters, marks and digits of any script (`\p{L}\p{M}\p{N}`) with optional inner hyphens or
 * apostrophes; emoji (including ZWJ sequences, skin tones and flags) are one token each; Han
 * ideographs are one token each; every other non-space character is punctuation. The curly
 * apostrophe ’ is read as '. Abbreviations are not special-cased ("U.S." → "u", ".", "s", ".").
 *
 * Tokenizing already PTB-tokenized text (SST, MR) again returns the same tokens, except that
 * SST's bracket tokens `-lrb-`/`-rrb-` are split at their hyphens; for those corpora
 * `splitPunctuation: false` keeps them whole.
 *
 * @example
 * const tok = new WordTokenizer();
 * tok.tokenize("Don't panic — it's only 3.5 stars!"); // ['do', "n't", 'panic', '—', 'it', "'s", 'only', '3.5', 'stars', '!']
 * new WordTokenizer({ numbers: 'token', lower: false }).tokenize('Paid 1,000 €'); // ['Paid', '<num>', '€']
 */
export class WordTokenizer implements Tokenizer {
  readonly lower: boolean;
  readonly splitPunctuation: boolean;
  readonly splitContractions: boolean;
  readonly numbers: 'keep' | 'token';
  readonly numberToken: string;
  readonly normalize: Normalization;
  readonly stripHtml: boolean;

  constructor(options: WordTokenizerOptions = {}) {
    const where = 'WordTokenizer';
    this.lower = checkBool(where, 'lower', options.lower ?? true);
    this.splitPunctuation = checkBool(where, 'splitPunctuation', options.splitPunctuation ?? true);
    this.splitContractions = checkBool(where, 'splitContractions', options.splitContractions ?? true);
    const numbers = options.numbers ?? 'keep';
    if (numbers !== 'keep' && numbers !== 'token') {
      throw new Error(`${where}: numbers must be 'keep' or 'token', got ${JSON.stringify(numbers)}`);
    }
    this.numbers = numbers;
    const nt = options.numberToken ?? '<num>';
    if (typeof nt !== 'string' || nt.length === 0) throw new Error(`${where}: numberToken must be a non-empty string, got ${JSON.stringify(nt)}`);
    this.numberToken = nt;
    this.normalize = checkNormalization(where, options.normalize ?? 'NFC');
    this.stripHtml = checkBool(where, 'stripHtml', options.stripHtml ?? false);
  }

  tokenize(text: string): string[] {
    checkText('WordTokenizer.tokenize', text);
    let s = normalizeText(text, this.normalize);
    if (this.stripHtml) s = s.replace(HTML_TAG_RE, ' ');
    if (this.lower) s = s.toLowerCase();
    const raw = this.splitPunctuation ? s.match(TOKEN_RE) ?? [] : s.split(/\s+/u).filter((t) => t.length > 0);
    const out: string[] = [];
    for (let tok of raw) {
      if (this.splitPunctuation && tok.includes('’')) tok = tok.replace(/’/g, "'");
      if (this.numbers === 'token' && PURE_NUMBER_RE.test(tok)) {
        out.push(this.numberToken);
      } else if (this.splitContractions && tok.length > 2 && tok.includes("'")) {
        pushSplitClitics(tok, out);
      } else {
        out.push(tok);
      }
    }
    return out;
  }

  /** Joins tokens with single spaces (the original spacing is not kept). */
  detokenize(tokens: readonly string[]): string {
    return tokens.join(' ');
  }

  toJSON(): WordTokenizerJSON {
    return {
      type: 'word',
      lower: this.lower,
      splitPunctuation: this.splitPunctuation,
      splitContractions: this.splitContractions,
      numbers: this.numbers,
      numberToken: this.numberToken,
      normalize: this.normalize,
      stripHtml: this.stripHtml,
    };
  }

  /** Rebuilds a tokenizer from {@link WordTokenizer.toJSON}'s output. */
  static fromJSON(json: unknown): WordTokenizer {
    const o = checkType(json, 'word', 'WordTokenizer.fromJSON');
    return new WordTokenizer(o as WordTokenizerOptions);
  }
}

function pushSplitClitics(word: string, out: string[]): void {
  const tail: string[] = [];
  let w = word;
  for (;;) {
    const m = NT_RE.exec(w) ?? CLITIC_END_RE.exec(w);
    if (m === null) break;
    tail.push(m[2]!);
    w = m[1]!;
  }
  out.push(w);
  for (let i = tail.length - 1; i >= 0; i--) out.push(tail[i]!);
}

/**
 * Rebuilds any tokenizer from its `toJSON()` output (dispatching on `type`), e.g. when loading
 * a model file whose metadata holds the tokenizer it was trained with.
 *
 * @example
 * const tok = tokenizerFromJSON(JSON.parse(JSON.stringify(new WordTokenizer({ lower: false }))));
 * tok.tokenize('Hi!'); // ['Hi', '!']
 */
export function tokenizerFromJSON(json: unknown): CharTokenizer | WordTokenizer | BPETokenizer {
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  if (type === 'char') return CharTokenizer.fromJSON(json);
  if (type === 'word') return WordTokenizer.fromJSON(json);
  if (type === 'bpe') return BPETokenizer.fromJSON(json);
  throw new Error(`tokenizerFromJSON: expected type "char", "word" or "bpe", got ${JSON.stringify(type)}`);
}
