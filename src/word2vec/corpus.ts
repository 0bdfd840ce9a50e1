/**
 * Streaming corpora for word2vec: a text file read in chunks, or an (async) iterable of token
 * arrays. Nothing holds the whole corpus in memory.
 *
 * Files are split like word2vec.c: tokens are runs of bytes other than space, \t, \n, \v, \f, \r;
 * a newline ends a sentence (empty lines are skipped), and a sentence is cut every
 * `maxSentenceLength` (10,000) tokens, so a one-line corpus such as text8 becomes 10,000-token
 * sentences (gensim's Text8Corpus does the same). Tokens are compared as raw UTF-8 bytes, so a
 * token that is not valid UTF-8 decodes to a string with U+FFFD and never matches during training.
 * Long sentences from iterables are cut the same way (gensim instead drops the tail).
 */
import { VocabCounter } from './vocab.js';

/** Where training text comes from: a file path, or sentences as token arrays. */
export type CorpusSource = string | URL | Iterable<readonly string[]> | AsyncIterable<readonly string[]>;

/** word2vec.c cuts at 1,000; gensim at 10,000. */
export const MAX_SENTENCE_LENGTH = 10000;

/** Bytes word2vec.c and gensim treat as token separators (newline also ends a sentence). */
function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d || b === 0x0b || b === 0x0c;
}

/** SPACE[b] = 1 for the separator bytes (see `isSpace`). */
const SPACE = new Uint8Array(256);
for (const b of [0x20, 0x0a, 0x09, 0x0d, 0x0b, 0x0c]) SPACE[b] = 1;

/** The file path of a file corpus, or null for iterables. */
export function corpusPath(corpus: CorpusSource): string | null {
  if (typeof corpus === 'string') return corpus;
  if (corpus instanceof URL) {
    if (corpus.protocol !== 'file:') throw new Error(`word2vec: corpus URL must be file:, got ${corpus.protocol}`);
    const path = decodeURIComponent(corpus.pathname);
    return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path; // file:///C:/x → C:/x
  }
  return null;
}

/** Throws a clear error unless `corpus` is a path or an (async) iterable. */
export function checkCorpus(corpus: unknown): asserts corpus is CorpusSource {
  if (typeof corpus === 'string' || corpus instanceof URL) return;
  const o = corpus as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null;
  if (o !== null && typeof o === 'object' && (typeof o[Symbol.iterator] === 'function' || typeof o[Symbol.asyncIterator] === 'function')) return;
  throw new Error(`word2vec: expected a corpus file path or an iterable of token arrays, got ${corpus === null ? 'null' : typeof corpus}`);
}

/** A read function: fills buf[off, off + len) from file position pos, returns bytes read. */
export type ReadAt = (buf: Uint8Array, off: number, len: number, pos: number) => number;

export const TOKEN = 0;
export const NEWLINE = 1;
export const END = 2;

/**
 * Byte-level tokenizer over a byte range of a file: yields tokens (as `buf[start, end)`),
 * newlines and the end. Owns tokens whose first byte lies in [rangeStart, rangeEnd): a token cut
 * by rangeStart belongs to the previous range, one cut by rangeEnd is read to its end. Together,
 * adjacent ranges see every token exactly once (word2vec.c's threads do not quite).
 */
export class ByteTokenizer {
  buf: Uint8Array;
  /** Bounds of the current token in `buf`. */
  start = 0;
  end = 0;
  /** FNV-1a hash of the current token's bytes (as `lookupBytes` computes it) */
  hash = 0;
  private pos = 0;
  private len = 0;
  /** File position of buf[0]. */
  private base = 0;
  private eof = false;

  constructor(
    private readonly readAt: ReadAt,
    private readonly rangeStart: number,
    private readonly rangeEnd: number,
    chunkBytes = 1 << 20,
  ) {
    this.buf = new Uint8Array(chunkBytes);
    this.rewind();
  }

  /** Back to the start of the range. */
  rewind(): void {
    this.base = this.rangeStart;
    this.pos = 0;
    this.len = 0;
    this.eof = false;
    if (this.rangeStart > 0) {
      // Skip a token that began before the range.
      const one = new Uint8Array(1);
      if (this.readAt(one, 0, 1, this.rangeStart - 1) === 1 && !isSpace(one[0]!)) {
        for (;;) {
          if (this.pos >= this.len && !this.fill(this.pos)) break;
          if (isSpace(this.buf[this.pos]!)) break;
          this.pos++;
        }
      }
    }
  }

  /** Reads more after keeping buf[keep, len); returns false at end of file. */
  private fill(keep: number): boolean {
    if (this.eof) return false;
    const kept = this.len - keep;
    if (keep > 0) this.buf.copyWithin(0, keep, this.len);
    else if (kept === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.base += keep;
    this.pos -= keep;
    this.start -= keep;
    this.len = kept;
    const n = this.readAt(this.buf, kept, this.buf.length - kept, this.base + kept);
    if (n <= 0) {
      this.eof = true;
      return false;
    }
    this.len += n;
    return true;
  }

  /** TOKEN (bounds in start/end), NEWLINE or END. */
  next(): number {
    for (;;) {
      if (this.pos >= this.len && !this.fill(this.pos)) return END;
      const b = this.buf[this.pos]!;
      if (!isSpace(b)) break;
      this.pos++;
      if (b === 0x0a) {
        if (this.base + this.pos - 1 >= this.rangeEnd) return END;
        return NEWLINE;
      }
    }
    if (this.base + this.pos >= this.rangeEnd) return END;
    this.start = this.pos;
    let h = 0x811c9dc5;
    for (;;) {
      const buf = this.buf;
      const len = this.len;
      let pos = this.pos;
      for (; pos < len; pos++) {
        const b = buf[pos]!;
        if (SPACE[b] === 1) break;
        h = Math.imul(h ^ b, 0x01000193);
      }
      this.pos = pos;
      if (pos < len || !this.fill(this.start)) break;
    }
    this.end = this.pos;
    this.hash = h >>> 0;
    return TOKEN;
  }
}

/**
 * The vocabulary as an open-addressing hash table over UTF-8 bytes (FNV-1a), so training looks up
 * tokens straight from the read buffer without making strings. Plain typed arrays: it can be
 * posted to worker threads.
 */
export interface ByteVocabTable {
  /** (power of two) word index + 1, 0 = empty */
  slots: Int32Array;
  /** (V + 1) word w's bytes are pool[offsets[w], offsets[w + 1]) */
  offsets: Int32Array;
  pool: Uint8Array;
}

function fnv1a(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

export function buildByteVocab(words: readonly string[]): ByteVocabTable {
  const enc = new TextEncoder();
  const bytes = words.map((w) => enc.encode(w));
  const offsets = new Int32Array(words.length + 1);
  for (let w = 0; w < words.length; w++) offsets[w + 1] = offsets[w]! + bytes[w]!.length;
  const pool = new Uint8Array(offsets[words.length]!);
  for (let w = 0; w < words.length; w++) pool.set(bytes[w]!, offsets[w]!);
  let size = 16;
  while (size < words.length * 2) size *= 2;
  const slots = new Int32Array(size);
  const mask = size - 1;
  for (let w = 0; w < words.length; w++) {
    let i = fnv1a(pool, offsets[w]!, offsets[w + 1]!) & mask;
    while (slots[i] !== 0) {
      if (sameBytes(pool, offsets[slots[i]! - 1]!, offsets[slots[i]!]!, pool, offsets[w]!, offsets[w + 1]!)) break;
      i = (i + 1) & mask;
    }
    if (slots[i] === 0) slots[i] = w + 1; // a duplicate word keeps its first index
  }
  return { slots, offsets, pool };
}

function sameBytes(a: Uint8Array, a0: number, a1: number, b: Uint8Array, b0: number, b1: number): boolean {
  if (a1 - a0 !== b1 - b0) return false;
  for (let i = 0; i < a1 - a0; i++) if (a[a0 + i] !== b[b0 + i]) return false;
  return true;
}

/** Index of the word with bytes buf[start, end), or −1. */
export function lookupBytes(t: ByteVocabTable, buf: Uint8Array, start: number, end: number): number {
  return lookupHashed(t, buf, start, end, fnv1a(buf, start, end));
}

/** `lookupBytes` with the bytes' FNV-1a hash `h` already computed. */
function lookupHashed(t: ByteVocabTable, buf: Uint8Array, start: number, end: number, h: number): number {
  const { slots, offsets, pool } = t;
  const mask = slots.length - 1;
  const len = end - start;
  let i = h & mask;
  for (;;) {
    const s = slots[i]!;
    if (s === 0) return -1;
    const o = offsets[s - 1]!;
    if (offsets[s]! - o === len) {
      let k = 0;
      while (k < len && pool[o + k] === buf[start + k]) k++;
      if (k === len) return s - 1;
    }
    i = (i + 1) & mask;
  }
}

/**
 * Sentences of vocabulary indices from a byte range of a file (the training reader). `next(out)`
 * writes the in-vocabulary words of the next sentence to `out` and returns their count (0 when
 * all its tokens are unknown), or −1 at the end of the range.
 */
export class FileSentenceReader {
  private tok: ByteTokenizer;
  private done = false;

  constructor(
    readAt: ReadAt,
    private readonly vocab: ByteVocabTable,
    rangeStart: number,
    rangeEnd: number,
    private readonly maxSentenceLength = MAX_SENTENCE_LENGTH,
    chunkBytes = 1 << 20,
  ) {
    this.tok = new ByteTokenizer(readAt, rangeStart, rangeEnd, chunkBytes);
  }

  rewind(): void {
    this.tok.rewind();
    this.done = false;
  }

  next(out: Int32Array): number {
    if (this.done) return -1;
    const tok = this.tok;
    let n = 0;
    let raw = 0;
    for (;;) {
      const kind = tok.next();
      if (kind === TOKEN) {
        const id = lookupHashed(this.vocab, tok.buf, tok.start, tok.end, tok.hash);
        if (id >= 0) out[n++] = id;
        if (++raw >= this.maxSentenceLength) return n;
      } else if (kind === NEWLINE) {
        if (raw > 0) return n;
      } else {
        this.done = true;
        return raw > 0 ? n : -1;
      }
    }
  }
}

/** Node's synchronous positional read on an open file descriptor, as a ReadAt. */
export async function openReadAt(path: string): Promise<{ readAt: ReadAt; size: number; close(): void }> {
  const fs = await import('node:fs');
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw new Error(`word2vec: cannot open corpus '${path}': ${(e as Error).message}`, { cause: e });
  }
  const size = fs.fstatSync(fd).size;
  return {
    readAt: (buf, off, len, pos) => fs.readSync(fd, buf, off, len, pos),
    size,
    close: () => fs.closeSync(fd),
  };
}

/**
 * Sentences of a text file as token arrays (UTF-8), split as the training reader splits them.
 *
 * @example
 * for await (const tokens of fileSentences('corpus.txt')) console.log(tokens.length);
 */
export async function* fileSentences(path: string, maxSentenceLength = MAX_SENTENCE_LENGTH): AsyncGenerator<string[]> {
  const f = await openReadAt(path);
  const dec = new TextDecoder();
  try {
    const tok = new ByteTokenizer(f.readAt, 0, Infinity);
    let sent: string[] = [];
    for (;;) {
      const kind = tok.next();
      if (kind === TOKEN) {
        sent.push(dec.decode(tok.buf.subarray(tok.start, tok.end)));
        if (sent.length >= maxSentenceLength) {
          yield sent;
          sent = [];
        }
      } else if (kind === NEWLINE) {
        if (sent.length > 0) yield sent;
        sent = [];
      } else break;
    }
    if (sent.length > 0) yield sent;
  } finally {
    f.close();
  }
}

/**
 * Distinct byte strings and their counts in open-addressing tables (FNV-1a), in first-occurrence
 * order: counting a file makes no string per token, so memory stays at a few bytes per distinct
 * word (a Map of strings over a 48 MB corpus grew the JS heap by 200 MB). `maxVocabSize` prunes
 * like `VocabCounter` (drop counts ≤ r, then r += 1), keeping the survivors' order.
 */
class ByteCounter {
  private slots = new Int32Array(1 << 16);
  private hashes = new Uint32Array(1 << 12);
  private starts = new Int32Array(1 << 12);
  private lens = new Int32Array(1 << 12);
  counts = new Float64Array(1 << 12);
  size = 0;
  pool = new Uint8Array(1 << 16);
  private poolLen = 0;
  private minReduce = 1;

  constructor(private readonly maxVocabSize: number | null) {}

  /** Adds one occurrence of buf[start, end) whose FNV-1a hash is h. */
  add(buf: Uint8Array, start: number, end: number, h: number): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    const len = end - start;
    let i = h & mask;
    for (;;) {
      const s = slots[i]!;
      if (s === 0) break;
      const e = s - 1;
      if (this.hashes[e] === h && this.lens[e] === len) {
        const p = this.pool;
        const o = this.starts[e]!;
        let k = 0;
        while (k < len && p[o + k] === buf[start + k]) k++;
        if (k === len) {
          this.counts[e]!++;
          return;
        }
      }
      i = (i + 1) & mask;
    }
    const e = this.size++;
    if (e === this.hashes.length) this.growEntries();
    if (this.poolLen + len > this.pool.length) {
      const bigger = new Uint8Array(Math.max(this.pool.length * 2, this.poolLen + len));
      bigger.set(this.pool.subarray(0, this.poolLen));
      this.pool = bigger;
    }
    this.pool.set(buf.subarray(start, end), this.poolLen);
    this.hashes[e] = h;
    this.starts[e] = this.poolLen;
    this.lens[e] = len;
    this.counts[e] = 1;
    this.poolLen += len;
    slots[i] = e + 1;
    if (this.size * 2 > slots.length) this.rehash(slots.length * 2);
    if (this.maxVocabSize !== null && this.size > this.maxVocabSize) this.reduce();
  }

  private growEntries(): void {
    const n = this.hashes.length * 2;
    const grow = <T extends Uint32Array | Int32Array | Float64Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes, new Uint32Array(n));
    this.starts = grow(this.starts, new Int32Array(n));
    this.lens = grow(this.lens, new Int32Array(n));
    this.counts = grow(this.counts, new Float64Array(n));
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let e = 0; e < this.size; e++) {
      let i = this.hashes[e]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = e + 1;
    }
    this.slots = slots;
  }

  private reduce(): void {
    let n = 0;
    let poolLen = 0;
    for (let e = 0; e < this.size; e++) {
      if (this.counts[e]! <= this.minReduce) continue;
      const len = this.lens[e]!;
      this.pool.copyWithin(poolLen, this.starts[e]!, this.starts[e]! + len);
      this.hashes[n] = this.hashes[e]!;
      this.starts[n] = poolLen;
      this.lens[n] = len;
      this.counts[n] = this.counts[e]!;
      poolLen += len;
      n++;
    }
    this.size = n;
    this.poolLen = poolLen;
    this.minReduce++;
    this.rehash(this.slots.length);
  }

  /** Entry e's bytes. */
  bytes(e: number): Uint8Array {
    return this.pool.subarray(this.starts[e]!, this.starts[e]! + this.lens[e]!);
  }
}

/**
 * Counts the tokens of a file into `counter` in one pass, reading `chunkBytes` at a time. Calls
 * `tick(bytesRead, fileSize)` after every chunk, which may throw to abort. Only words counted at
 * least `keepMin` times are added to `counter.counts` (`rawWords` counts every token): with
 * keepMin = minCount, `finalizeVocab` gives the same vocabulary and no string is made for the rare
 * words.
 */
export async function countFile(
  path: string,
  counter: VocabCounter,
  tick: (bytes: number, size: number) => void | Promise<void> = () => {},
  chunkBytes = 4 << 20,
  keepMin = 1,
): Promise<void> {
  const fsp = await import('node:fs/promises');
  let fh;
  try {
    fh = await fsp.open(path, 'r');
  } catch (e) {
    throw new Error(`word2vec: cannot open corpus '${path}': ${(e as Error).message}`, { cause: e });
  }
  const raw = new ByteCounter(counter.maxVocabSize);
  let rawWords = 0;
  let lines = 0;
  try {
    const size = (await fh.stat()).size;
    // buf[0, carry) holds the start of a token cut by the previous chunk's end.
    let buf = new Uint8Array(chunkBytes);
    let carry = 0;
    let read = 0;
    for (;;) {
      if (carry === buf.length) {
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, carry, buf.length - carry, null);
      if (bytesRead === 0) break;
      read += bytesRead;
      const len = carry + bytesRead;
      let i = 0;
      let tokStart = -1;
      let h = 0x811c9dc5;
      for (; i < len; i++) {
        const b = buf[i]!;
        if (SPACE[b] === 1) {
          if (b === 0x0a) lines++;
          if (tokStart >= 0) {
            raw.add(buf, tokStart, i, h >>> 0);
            rawWords++;
            tokStart = -1;
            h = 0x811c9dc5;
          }
        } else {
          if (tokStart < 0) tokStart = i;
          h = Math.imul(h ^ b, 0x01000193);
        }
      }
      carry = 0;
      if (tokStart >= 0) {
        buf.copyWithin(0, tokStart, len);
        carry = len - tokStart;
      }
      await tick(read, size);
    }
    if (carry > 0) {
      let h = 0x811c9dc5;
      for (let i = 0; i < carry; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
      raw.add(buf, 0, carry, h >>> 0);
      rawWords++;
      lines++;
    }
    counter.sentences += lines;
  } finally {
    await fh.close();
  }
  const dec = new TextDecoder();
  for (let e = 0; e < raw.size; e++) if (raw.counts[e]! >= keepMin) counter.addCount(dec.decode(raw.bytes(e)), raw.counts[e]!);
  counter.rawWords += rawWords;
}

/** Counts the tokens of token-array sentences into `counter`; `tick()` every 10,000 sentences. */
export async function countIterable(
  corpus: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
  counter: VocabCounter,
  tick: () => void | Promise<void> = () => {},
): Promise<void> {
  let i = 0;
  for await (const sent of corpus as AsyncIterable<readonly string[]>) {
    if (!Array.isArray(sent)) {
      throw new Error(`word2vec: corpus sentence ${i}: expected an array of strings, got ${typeof sent}`);
    }
    for (const w of sent) counter.add(typeof w === 'string' ? w : String(w));
    counter.sentences++;
    if (++i % 10000 === 0) await tick();
  }
}

/**
 * Sentences of vocabulary indices from token arrays, cut at `maxSentenceLength` tokens. Each
 * yielded array is `out` itself, refilled; `length` is in `lengthOut[0]`.
 */
export async function* iterableIndexSentences(
  corpus: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
  index: ReadonlyMap<string, number>,
  out: Int32Array,
  maxSentenceLength = MAX_SENTENCE_LENGTH,
): AsyncGenerator<number> {
  for await (const sent of corpus as AsyncIterable<readonly string[]>) {
    let n = 0;
    let raw = 0;
    for (const w of sent) {
      const id = index.get(w);
      if (id !== undefined) out[n++] = id;
      if (++raw >= maxSentenceLength) {
        yield n;
        n = 0;
        raw = 0;
      }
    }
    if (raw > 0) yield n;
  }
}
