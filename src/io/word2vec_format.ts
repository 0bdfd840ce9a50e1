/**
 * Word vectors on disk: the word2vec C tool's text and binary formats (read and written the way
 * gensim's load/save_word2vec_format do), and `.safetensors`.
 *
 *   text     "<V> <E>\n" then V lines "<word> <x_1> ... <x_E>\n"   (decimal floats)
 *   binary   "<V> <E>\n" then V records "<word> " + E float32 little-endian + "\n"
 *
 * Readers stream the file in chunks (never the whole file in memory besides the vectors), stop
 * after `limit` words, accept a record's leading newline (C writes one after every vector,
 * gensim none) and a text line's trailing space (C writes one), and fail with a `FormatError`
 * naming the file and the line (text) or byte offset (binary). Writers are streaming and atomic
 * (temp file + rename). Numbers are written in the shortest decimal form that reads back to the
 * same float32.
 *
 * These functions take plain data, `{ words, vectors }` (a `KeyedVectors` is one), so that io
 * stays independent of the word2vec module (DESIGN.md §2).
 *
 * @example
 * await saveWord2VecFormat('vectors.bin', kv, { binary: true });
 * const kv2 = new KeyedVectors(await loadWord2VecFormat('vectors.bin', { limit: 30000 }));
 */
import { FormatError, decodeSafetensors, encodeSafetensors, type NamedTensor } from './safetensors.js';

/** Words and their vectors, row w = words[w]; what every writer here takes. */
export interface WordVectorsLike {
  readonly words: readonly string[];
  /** (V, E) */
  readonly vectors: Float32Array;
  /** E; needed only when there are no words */
  readonly dim?: number;
  /** (V), when known */
  readonly counts?: ArrayLike<number> | null;
}

/** What the readers return. */
export interface LoadedWordVectors {
  words: string[];
  /** (V, E) */
  vectors: Float32Array;
  dim: number;
  counts: Float64Array | null;
}

export interface LoadWord2VecOptions {
  /** binary (true) or text (false); default: detected from the first record */
  binary?: boolean;
  /** read at most this many words (the first ones, i.e. the most frequent) */
  limit?: number;
  /** invalid UTF-8 in a word: 'strict' (default) fails, 'replace' decodes it with U+FFFD */
  unicodeErrors?: 'strict' | 'replace';
}

export interface SaveWord2VecOptions {
  /** binary (true) or text (false, default, as gensim) */
  binary?: boolean;
}

const SPACE = 0x20;
const NL = 0x0a;
const CHUNK = 1 << 20;

function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('word2vec format: big-endian hosts are not supported (the binary format is LE)');
  }
}

function dims(data: WordVectorsLike, what: string): { V: number; E: number } {
  const V = data.words.length;
  if (!(data.vectors instanceof Float32Array)) throw new Error(`${what}: expected vectors as a Float32Array`);
  const E = data.dim ?? (V > 0 ? data.vectors.length / V : NaN);
  if (!Number.isInteger(E) || E < 1) throw new Error(`${what}: cannot infer the vector size from ${data.vectors.length} values for ${V} words`);
  if (data.vectors.length !== V * E) throw new Error(`${what}: expected ${V} × ${E} = ${V * E} values, got ${data.vectors.length}`);
  return { V, E };
}

/** Shortest decimal string that reads back (via float64, rounded to float32) as the float32 `v`. */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  for (let p = 6; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return trimZeros(s);
  }
  return String(v);
}

function trimZeros(s: string): string {
  const e = s.indexOf('e');
  const mant = e < 0 ? s : s.slice(0, e);
  const exp = e < 0 ? '' : s.slice(e);
  if (!mant.includes('.')) return s;
  let m = mant.replace(/0+$/, '');
  if (m.endsWith('.')) m += '0';
  return m + exp;
}

function parseNumber(tok: string): number {
  const v = Number(tok);
  if (!Number.isNaN(v) || tok.length === 0) return tok.length === 0 ? NaN : v;
  const t = tok.toLowerCase();
  if (t === 'nan' || t === '+nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return NaN;
}

function isNumberToken(tok: string): boolean {
  return !Number.isNaN(parseNumber(tok)) || /^[+-]?nan$/i.test(tok);
}

function checkWord(word: string, i: number, what: string): void {
  if (word.length === 0 || /[\s]/.test(word)) {
    throw new Error(`${what}: word ${i} ${JSON.stringify(word)} is empty or contains whitespace, which the word2vec format cannot store`);
  }
}

/** Streams a file through a growable buffer. */
class ChunkReader {
  buf = new Uint8Array(CHUNK);
  /** next unread byte in buf */
  pos = 0;
  /** valid bytes in buf */
  len = 0;
  /** file offset of buf[0] */
  base = 0;
  eof = false;

  constructor(private readonly fh: import('node:fs/promises').FileHandle) {}

  /** File offset of buf[i]. */
  offset(i: number): number {
    return this.base + i;
  }

  /** Makes at least n unread bytes available; false if the file ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.len - this.pos < n) {
      if (this.eof) return false;
      await this.more();
    }
    return true;
  }

  /** Index in buf of the next `byte` at or after pos, reading on; −1 at end of file. */
  async find(byte: number, maxScan = Infinity): Promise<number> {
    let scanned = 0; // bytes after pos already searched
    for (;;) {
      const i = this.buf.subarray(0, this.len).indexOf(byte, this.pos + scanned);
      if (i >= 0) return i;
      scanned = this.len - this.pos;
      if (this.eof || scanned > maxScan) return -1;
      await this.more();
    }
  }

  /** Compacts unread bytes to the front, grows if full, reads one chunk. */
  private async more(): Promise<void> {
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.len);
      this.base += this.pos;
      this.len -= this.pos;
      this.pos = 0;
    }
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    const { bytesRead } = await this.fh.read(this.buf, this.len, this.buf.length - this.len, this.base + this.len);
    if (bytesRead === 0) this.eof = true;
    this.len += bytesRead;
  }
}

/**
 * Reads word vectors in the word2vec C format (text or binary; see the header).
 * @throws FormatError `"<path>: line N: ..."` or `"<path>: byte N: ..."` on malformed input.
 */
export async function loadWord2VecFormat(path: string, opts: LoadWord2VecOptions = {}): Promise<LoadedWordVectors> {
  assertLittleEndian();
  const limit = opts.limit ?? Infinity;
  if (!(limit >= 0)) throw new Error(`loadWord2VecFormat: expected limit ≥ 0, got ${String(opts.limit)}`);
  const strict = (opts.unicodeErrors ?? 'strict') === 'strict';
  if (opts.unicodeErrors !== undefined && opts.unicodeErrors !== 'strict' && opts.unicodeErrors !== 'replace') {
    throw new Error(`loadWord2VecFormat: expected unicodeErrors 'strict' or 'replace', got ${JSON.stringify(opts.unicodeErrors)}`);
  }
  const dec = new TextDecoder('utf-8', { fatal: strict });
  const fsp = await import('node:fs/promises');
  const fh = await fsp.open(path, 'r');
  try {
    const r = new ChunkReader(fh);
    const fail = (where: string, what: string): never => {
      throw new FormatError(path, `${where}: ${what}`);
    };
    const nl = await r.find(NL, 4096);
    const headerEnd = nl >= 0 ? nl : r.len;
    const header = new TextDecoder().decode(r.buf.subarray(r.pos, headerEnd)).trim();
    const m = /^(\d+)\s+(\d+)$/.exec(header);
    if (m === null) fail('line 1', `expected a header '<count> <dim>' of two non-negative integers, got ${JSON.stringify(header.slice(0, 80))}`);
    const total = Number(m![1]);
    const E = Number(m![2]);
    if (E < 1) fail('line 1', `expected a vector size ≥ 1, got ${E}`);
    r.pos = nl >= 0 ? nl + 1 : r.len;
    const V = Math.min(total, limit);
    const binary = opts.binary ?? (await sniffBinary(r, E));
    const words: string[] = [];
    const vectors = new Float32Array(V * E);
    if (binary) {
      const out = new Uint8Array(vectors.buffer);
      for (let i = 0; i < V; i++) {
        // Records may start with the previous record's newline (C) or not (gensim).
        for (;;) {
          if (!(await r.ensure(1))) fail(`byte ${r.offset(r.pos)}`, `file ends after ${i} of ${total} vectors (the header says ${total})`);
          if (r.buf[r.pos] === NL) r.pos++;
          else break;
        }
        const start = r.offset(r.pos);
        const sp = await r.find(SPACE, 1 << 16);
        if (sp < 0) fail(`byte ${start}`, r.eof ? `file ends inside word ${i} (of ${total})` : `no space after word ${i} within 64 KiB (is this really the binary format?)`);
        if (sp === r.pos) fail(`byte ${start}`, `word ${i} is empty`);
        let word = '';
        try {
          word = dec.decode(r.buf.subarray(r.pos, sp));
        } catch {
          fail(`byte ${start}`, `word ${i} is not valid UTF-8 (pass unicodeErrors: 'replace' to read it anyway)`);
        }
        r.pos = sp + 1;
        if (!(await r.ensure(4 * E))) {
          fail(`byte ${r.offset(r.pos)}`, `file ends inside the vector of word ${i} ${JSON.stringify(word)}: expected ${4 * E} bytes, got ${r.len - r.pos}`);
        }
        out.set(r.buf.subarray(r.pos, r.pos + 4 * E), 4 * E * i);
        r.pos += 4 * E;
        words.push(word);
      }
    } else {
      let line = 1;
      for (let i = 0; i < V; ) {
        line++;
        let end = await r.find(NL);
        if (end < 0) end = r.len;
        if (end === r.pos && r.eof) fail(`line ${line}`, `file ends after ${i} of ${total} vectors (the header says ${total})`);
        let text = '';
        try {
          text = dec.decode(r.buf.subarray(r.pos, end));
        } catch {
          fail(`line ${line}`, `not valid UTF-8 (pass unicodeErrors: 'replace' to read it anyway)`);
        }
        r.pos = Math.min(end + 1, r.len);
        text = text.trim();
        if (text.length === 0) continue;
        const parts = text.split(/[ \t]+/);
        if (parts.length !== E + 1) {
          fail(`line ${line}`, `expected a word and ${E} numbers, got ${parts.length - 1} numbers after ${JSON.stringify(parts[0]!.slice(0, 40))} (is this really the text format?)`);
        }
        for (let e = 0; e < E; e++) {
          const tok = parts[e + 1]!;
          const v = parseNumber(tok);
          if (Number.isNaN(v) && !/^[+-]?nan$/i.test(tok)) {
            fail(`line ${line}`, `number ${e + 1} of word ${JSON.stringify(parts[0])} is ${JSON.stringify(tok.slice(0, 40))}, not a number`);
          }
          vectors[i * E + e] = v;
        }
        words.push(parts[0]!);
        i++;
      }
    }
    return { words, vectors, dim: E, counts: null };
  } finally {
    await fh.close();
  }
}

/** True unless the rest of the first record's line is E numbers (then it is the text format). */
async function sniffBinary(r: ChunkReader, E: number): Promise<boolean> {
  await r.ensure(Math.min(1 << 16, 64 + 32 * E));
  const end = r.buf.subarray(0, r.len).indexOf(NL, r.pos);
  const line = new TextDecoder('latin1').decode(r.buf.subarray(r.pos, end < 0 ? r.len : end)).trim();
  const parts = line.split(/[ \t]+/);
  if (parts.length !== E + 1) return true;
  return !parts.slice(1).every(isNumberToken);
}

/** Writes chunks produced by `produce` to `path` atomically: temp file, fsync, rename, fsync dir. */
async function writeStreamAtomic(path: string, produce: (write: (b: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  const fsp = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  const { randomBytes } = await import('node:crypto');
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let fh: import('node:fs/promises').FileHandle | undefined;
  try {
    fh = await fsp.open(tmp, 'wx');
    const out = new Uint8Array(CHUNK);
    let n = 0;
    const flush = async (): Promise<void> => {
      for (let off = 0; off < n; ) off += (await fh!.write(out, off, n - off)).bytesWritten;
      n = 0;
    };
    await produce(async (b) => {
      if (n + b.length > out.length) await flush();
      if (b.length > out.length) {
        for (let off = 0; off < b.length; ) off += (await fh!.write(b, off, b.length - off)).bytesWritten;
        return;
      }
      out.set(b, n);
      n += b.length;
    });
    await flush();
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fsp.rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => {});
    await fsp.rm(tmp, { force: true }).catch(() => {});
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `directory '${dirname(path)}' does not exist` : (err as Error).message;
    throw new Error(`cannot write '${path}': ${why}`, { cause: err });
  }
  try {
    const d = await fsp.open(dirname(path), 'r');
    await d.sync().catch(() => {});
    await d.close();
  } catch {
    // Directory fsync is not supported everywhere; the data itself is synced.
  }
}

/**
 * Writes word vectors in the word2vec C format: text (default) or binary, as gensim's
 * save_word2vec_format. Words must be non-empty and free of whitespace.
 */
export async function saveWord2VecFormat(path: string, data: WordVectorsLike, opts: SaveWord2VecOptions = {}): Promise<void> {
  assertLittleEndian();
  const { V, E } = dims(data, 'saveWord2VecFormat');
  for (let i = 0; i < V; i++) checkWord(data.words[i]!, i, 'saveWord2VecFormat');
  const enc = new TextEncoder();
  const vecBytes = new Uint8Array(data.vectors.buffer, data.vectors.byteOffset, data.vectors.byteLength);
  await writeStreamAtomic(path, async (write) => {
    await write(enc.encode(`${V} ${E}\n`));
    const nl = Uint8Array.of(NL);
    for (let i = 0; i < V; i++) {
      if (opts.binary) {
        await write(enc.encode(`${data.words[i]!} `));
        await write(vecBytes.subarray(4 * E * i, 4 * E * (i + 1)));
        await write(nl);
      } else {
        const parts = [data.words[i]!];
        for (let e = 0; e < E; e++) parts.push(formatFloat32(data.vectors[i * E + e]!));
        await write(enc.encode(parts.join(' ') + '\n'));
      }
    }
  });
}

const KV_FORMAT = 'recurrent.word2vec.keyed_vectors';
const MODEL_FORMAT = 'recurrent.word2vec.model';

/**
 * Word vectors as `.safetensors`: tensor `vectors` F32 (V, E), optional `counts` F64 (V); the
 * words as a JSON array in `__metadata__.words`.
 */
export async function saveWordVectorsSafetensors(path: string, data: WordVectorsLike): Promise<void> {
  const { V, E } = dims(data, 'saveWordVectorsSafetensors');
  const tensors: Record<string, NamedTensor> = { vectors: { dtype: 'F32', shape: [V, E], data: data.vectors } };
  if (data.counts != null) tensors['counts'] = { dtype: 'F64', shape: [V], data: Float64Array.from(data.counts) };
  const { writeFileAtomic } = await import('./atomic.js');
  await writeFileAtomic(path, encodeSafetensors(tensors, { format: KV_FORMAT, words: JSON.stringify(data.words) }));
}

function metaJson(path: string, meta: Record<string, string>, key: string): unknown {
  const s = meta[key];
  if (s === undefined) throw new FormatError(path, `__metadata__ has no '${key}'`);
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new FormatError(path, `__metadata__.${key} is not valid JSON: ${(e as Error).message}`);
  }
}

function wordList(path: string, meta: Record<string, string>, V: number): string[] {
  const words = metaJson(path, meta, 'words');
  if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) {
    throw new FormatError(path, `__metadata__.words: expected a JSON array of strings`);
  }
  if (words.length !== V) throw new FormatError(path, `__metadata__.words has ${words.length} words but the vectors have ${V} rows`);
  return words as string[];
}

function tensorOf(path: string, tensors: Record<string, NamedTensor>, name: string, dtype: string, shape: number[] | null): NamedTensor {
  const t = tensors[name];
  if (t === undefined) throw new FormatError(path, `no tensor '${name}'`);
  if (t.dtype !== dtype) throw new FormatError(path, `tensor '${name}': expected dtype ${dtype}, got ${t.dtype}`);
  if (shape !== null && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw new FormatError(path, `tensor '${name}': expected shape [${shape.join(', ')}], got [${t.shape.join(', ')}]`);
  }
  return t;
}

/** Reads word vectors written by `saveWordVectorsSafetensors`. */
export async function loadWordVectorsSafetensors(path: string): Promise<LoadedWordVectors> {
  const { readFile } = await import('node:fs/promises');
  const { tensors, metadata } = decodeSafetensors(await readFile(path), path);
  if (metadata['format'] !== KV_FORMAT) {
    throw new FormatError(path, `expected __metadata__.format '${KV_FORMAT}', got ${JSON.stringify(metadata['format'] ?? null)}`);
  }
  const v = tensorOf(path, tensors, 'vectors', 'F32', null);
  if (v.shape.length !== 2) throw new FormatError(path, `tensor 'vectors': expected 2 dimensions (V, E), got [${v.shape.join(', ')}]`);
  const [V, E] = v.shape as [number, number];
  const words = wordList(path, metadata, V);
  const counts = tensors['counts'] ? (tensorOf(path, tensors, 'counts', 'F64', [V]).data as Float64Array) : null;
  return { words, vectors: v.data as Float32Array, dim: E, counts };
}

/** A whole word2vec model (structurally `Word2VecState` of src/word2vec). */
export interface Word2VecModelData {
  options: object;
  words: string[];
  counts: Float64Array;
  corpusWords: number;
  trainCalls: number;
  /** (V, E) */
  syn0: Float32Array;
  /** (V, E) or null */
  syn1neg: Float32Array | null;
  /** (V − 1, E) or null */
  syn1: Float32Array | null;
}

/**
 * A model for continued training as `.safetensors`: syn0, syn1neg, syn1 (F32), counts (F64);
 * options, words and counters as JSON metadata.
 *
 * @example
 * await saveWord2VecModel('w2v.safetensors', model.toState());
 * const model2 = Word2Vec.fromState(await loadWord2VecModel('w2v.safetensors'));
 */
export async function saveWord2VecModel(path: string, state: Word2VecModelData): Promise<void> {
  const V = state.words.length;
  const E = V > 0 ? state.syn0.length / V : 0;
  const tensors: Record<string, NamedTensor> = {
    syn0: { dtype: 'F32', shape: [V, E], data: state.syn0 },
    counts: { dtype: 'F64', shape: [V], data: state.counts },
  };
  if (state.syn1neg) tensors['syn1neg'] = { dtype: 'F32', shape: [V, E], data: state.syn1neg };
  if (state.syn1) tensors['syn1'] = { dtype: 'F32', shape: [Math.max(V - 1, 0), E], data: state.syn1 };
  const metadata = {
    format: MODEL_FORMAT,
    options: JSON.stringify(state.options),
    words: JSON.stringify(state.words),
    corpusWords: String(state.corpusWords),
    trainCalls: String(state.trainCalls),
  };
  const { writeFileAtomic } = await import('./atomic.js');
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a model written by `saveWord2VecModel`. */
export async function loadWord2VecModel(path: string): Promise<Word2VecModelData & { options: Record<string, unknown> }> {
  const { readFile } = await import('node:fs/promises');
  const { tensors, metadata } = decodeSafetensors(await readFile(path), path);
  if (metadata['format'] !== MODEL_FORMAT) {
    throw new FormatError(path, `expected __metadata__.format '${MODEL_FORMAT}', got ${JSON.stringify(metadata['format'] ?? null)}`);
  }
  const syn0 = tensorOf(path, tensors, 'syn0', 'F32', null);
  const [V, E] = syn0.shape as [number, number];
  const options = metaJson(path, metadata, 'options');
  if (typeof options !== 'object' || options === null) throw new FormatError(path, '__metadata__.options: expected a JSON object');
  return {
    options: options as Record<string, unknown>,
    words: wordList(path, metadata, V),
    counts: tensorOf(path, tensors, 'counts', 'F64', [V]).data as Float64Array,
    corpusWords: Number(metadata['corpusWords'] ?? 0),
    trainCalls: Number(metadata['trainCalls'] ?? 0),
    syn0: syn0.data as Float32Array,
    syn1neg: tensors['syn1neg'] ? (tensorOf(path, tensors, 'syn1neg', 'F32', [V, E]).data as Float32Array) : null,
    syn1: tensors['syn1'] ? (tensorOf(path, tensors, 'syn1', 'F32', [Math.max(V - 1, 0), E]).data as Float32Array) : null,
  };
}

/** 'bin' / 'text' = the word2vec C formats, 'safetensors'; 'auto' picks by file extension. */
export type WordVectorsFormat = 'auto' | 'bin' | 'text' | 'safetensors';

function pickFormat(path: string, format: WordVectorsFormat): Exclude<WordVectorsFormat, 'auto'> {
  if (format !== 'auto') {
    if (!['bin', 'text', 'safetensors'].includes(format)) throw new Error(`word vectors: expected format 'auto', 'bin', 'text' or 'safetensors', got ${JSON.stringify(format)}`);
    return format;
  }
  if (/\.safetensors$/i.test(path)) return 'safetensors';
  return /\.bin$/i.test(path) ? 'bin' : 'text';
}

/**
 * Saves word vectors in the format named by `format`, by default from the extension:
 * `.safetensors`, `.bin` (word2vec binary), anything else word2vec text. For CLIs.
 *
 * @example
 * await saveWordVectors('vectors.bin', kv);
 */
export async function saveWordVectors(path: string, data: WordVectorsLike, opts: { format?: WordVectorsFormat } = {}): Promise<void> {
  const f = pickFormat(path, opts.format ?? 'auto');
  if (f === 'safetensors') await saveWordVectorsSafetensors(path, data);
  else await saveWord2VecFormat(path, data, { binary: f === 'bin' });
}

/**
 * Loads word vectors: `.safetensors` by extension (or `format`), otherwise the word2vec C format
 * with text/binary detected from the content. `limit` keeps the first n words.
 *
 * @example
 * const kv = new KeyedVectors(await loadWordVectors('vectors.bin', { limit: 30000 }));
 */
export async function loadWordVectors(
  path: string,
  opts: { format?: WordVectorsFormat; limit?: number; unicodeErrors?: 'strict' | 'replace' } = {},
): Promise<LoadedWordVectors> {
  const format = opts.format ?? 'auto';
  const f = format === 'auto' ? (/\.safetensors$/i.test(path) ? 'safetensors' : 'auto') : pickFormat(path, format);
  if (f === 'safetensors') {
    const r = await loadWordVectorsSafetensors(path);
    const n = Math.min(r.words.length, opts.limit ?? Infinity);
    return { words: r.words.slice(0, n), vectors: r.vectors.slice(0, n * r.dim), dim: r.dim, counts: r.counts ? r.counts.slice(0, n) : null };
  }
  return loadWord2VecFormat(path, { binary: f === 'auto' ? undefined : f === 'bin', limit: opts.limit, unicodeErrors: opts.unicodeErrors });
}
