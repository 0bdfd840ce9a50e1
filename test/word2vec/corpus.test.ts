/**
 * Streaming corpora: the byte tokenizer (whitespace like word2vec.c, newline = sentence end, cut
 * every maxSentenceLength tokens) across chunk boundaries, byte ranges that partition the file
 * (Hogwild slices), UTF-8 words, and one-pass counting.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FileSentenceReader,
  buildByteVocab,
  countFile,
  countIterable,
  fileSentences,
  lookupBytes,
  openReadAt,
} from '../../src/word2vec/corpus.js';
import { VocabCounter } from '../../src/word2vec/vocab.js';

const dir = mkdtempSync(join(tmpdir(), 'w2v-corpus-'));
const files: { close(): void }[] = [];
afterAll(() => {
  files.forEach((f) => f.close());
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function readAll(path: string, vocab: string[], opts: { start?: number; end?: number; max?: number; chunk?: number } = {}): Promise<string[][]> {
  const f = await openReadAt(path);
  files.push(f);
  const r = new FileSentenceReader(f.readAt, buildByteVocab(vocab), opts.start ?? 0, opts.end ?? Infinity, opts.max ?? 10000, opts.chunk ?? 1 << 20);
  const out = new Int32Array(10000);
  const sents: string[][] = [];
  for (let n = r.next(out); n >= 0; n = r.next(out)) sents.push(Array.from(out.subarray(0, n), (i) => vocab[i]!));
  return sents;
}

const TEXT = '  the cat\tsat  \n\n on the\r\nmat\x0bthe\fcat naïve 日本 end\nlast';
const VOCAB = ['the', 'cat', 'sat', 'on', 'mat', 'naïve', '日本', 'end', 'last'];

describe('FileSentenceReader', () => {
  it('splits on space, tab, CR, VT, FF; newline ends a sentence; empty lines vanish', async () => {
    const p = write('a.txt', TEXT);
    const want = [['the', 'cat', 'sat'], ['on', 'the'], ['mat', 'the', 'cat', 'naïve', '日本', 'end'], ['last']];
    expect(await readAll(p, VOCAB)).toEqual(want);
    // Any chunk size gives the same sentences (tokens straddling chunks, a buffer that must grow).
    for (const chunk of [1, 2, 3, 5, 7]) expect(await readAll(p, VOCAB, { chunk })).toEqual(want);
  });

  it('drops unknown words but counts them toward maxSentenceLength', async () => {
    const p = write('b.txt', 'a x b y c d\ne f');
    expect(await readAll(p, ['a', 'b', 'c', 'd', 'e', 'f'], { max: 3 })).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f']]);
    // A sentence of unknown words is an empty sentence, not the end.
    expect(await readAll(p, ['f'])).toEqual([[], ['f']]);
  });

  it('byte ranges partition the tokens: each token belongs to the range holding its first byte', async () => {
    const p = write('c.txt', TEXT);
    const size = Buffer.byteLength(TEXT);
    const whole = (await readAll(p, VOCAB)).flat();
    for (let cut = 0; cut <= size; cut++) {
      for (const cut2 of [cut, Math.min(size, cut + 5)]) {
        const parts = [...(await readAll(p, VOCAB, { start: 0, end: cut })), ...(await readAll(p, VOCAB, { start: cut, end: cut2 })), ...(await readAll(p, VOCAB, { start: cut2 }))];
        expect(parts.flat(), `cuts at ${cut}, ${cut2}`).toEqual(whole);
      }
    }
  });
});

describe('fileSentences and counting', () => {
  it('fileSentences yields UTF-8 token arrays split like the training reader', async () => {
    const p = write('d.txt', TEXT);
    const got: string[][] = [];
    for await (const s of fileSentences(p)) got.push(s);
    expect(got).toEqual([['the', 'cat', 'sat'], ['on', 'the'], ['mat', 'the', 'cat', 'naïve', '日本', 'end'], ['last']]);
  });

  it('countFile counts like countIterable over the same sentences, across chunk boundaries', async () => {
    const text = Array.from({ length: 300 }, (_, i) => `w${i % 17} naïve x${i % 5}${i % 40 === 0 ? '\n' : ' '}`).join('') + '日本';
    const p = write('e.txt', text);
    const a = new VocabCounter();
    await countFile(p, a, () => {}, 64);
    const sents: string[][] = [];
    for await (const s of fileSentences(p)) sents.push(s);
    const b = new VocabCounter();
    await countIterable(sents, b);
    expect([...a.counts]).toEqual([...b.counts]);
    expect(a.rawWords).toBe(b.rawWords);
    expect(a.counts.get('naïve')).toBe(300);
    expect(a.counts.get('日本')).toBe(1);
  });

  it('lookupBytes finds UTF-8 words and rejects prefixes', () => {
    const t = buildByteVocab(['ab', 'abc', 'naïve', '']);
    const enc = new TextEncoder();
    const look = (w: string): number => {
      const b = enc.encode(`xx${w}yy`);
      return lookupBytes(t, b, 2, b.length - 2);
    };
    expect(look('ab')).toBe(0);
    expect(look('abc')).toBe(1);
    expect(look('naïve')).toBe(2);
    expect(look('a')).toBe(-1);
    expect(look('abcd')).toBe(-1);
  });

  it('rejects a non-array sentence with its index', async () => {
    await expect(countIterable([['a'], 'b c' as unknown as string[]], new VocabCounter())).rejects.toThrow(/sentence 1: expected an array/);
  });
});
