/**
 * word2vec C text/binary formats and the safetensors word-vector file: exact float32 round trips,
 * `limit`, format detection, files as the C tool (trailing spaces, newline after each binary
 * vector) and gensim (no newline) write them, files larger than one read chunk, and errors that
 * name the file and the line or byte offset.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatFloat32,
  loadWord2VecFormat,
  loadWordVectors,
  loadWordVectorsSafetensors,
  saveWord2VecFormat,
  saveWordVectors,
  saveWordVectorsSafetensors,
} from '../../src/io/word2vec_format.js';
import { FormatError } from '../../src/io/safetensors.js';
import { Rng } from '../../src/tensor/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'w2v-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (name: string): string => join(dir, name);

const words = ['the', 'naïve', '日本', '</s>', 'x'];
const E = 4;
const vectors = Float32Array.from([
  0.1, -0.2, 1 / 3, 0,
  -0, 1e-45, 3.4028234663852886e38, -1.5e-7,
  1, 2, 3, 4,
  0.5, 0.25, -0.125, 100,
  Math.PI, Math.E, -Math.SQRT2, 1e-10,
]);
const data = { words, vectors };
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('formatFloat32', () => {
  it('gives the shortest decimal that reads back as the same float32', () => {
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(1 / 3))).toBe('0.33333334');
    expect(formatFloat32(1)).toBe('1.0');
    expect(formatFloat32(-0)).toBe('-0.0');
    expect(formatFloat32(100)).toBe('100.0');
    const rng = new Rng(1);
    for (let i = 0; i < 2000; i++) {
      const v = Math.fround(rng.normal() * 10 ** rng.int(20) * 10 ** -rng.int(30));
      expect(Math.fround(Number(formatFloat32(v)))).toBe(v);
    }
  });
});

describe('word2vec format round trips', () => {
  for (const binary of [false, true]) {
    it(`${binary ? 'binary' : 'text'}: exact float32 round trip, detected without a hint, limit`, async () => {
      const f = p(`rt.${binary ? 'bin' : 'txt'}`);
      await saveWord2VecFormat(f, data, { binary });
      for (const hint of [binary, undefined]) {
        const r = await loadWord2VecFormat(f, { binary: hint });
        expect(r.words).toEqual(words);
        expect(r.dim).toBe(E);
        expect(bits(r.vectors)).toEqual(bits(vectors));
      }
      const lim = await loadWord2VecFormat(f, { limit: 2 });
      expect(lim.words).toEqual(['the', 'naïve']);
      expect(bits(lim.vectors)).toEqual(bits(vectors.subarray(0, 2 * E)));
      expect((await loadWord2VecFormat(f, { limit: 0 })).words).toEqual([]);
    });
  }

  it('writes the C tool layout: header, then "word v1 … vE" lines / "word " + float32 LE + newline', async () => {
    await saveWord2VecFormat(p('l.txt'), { words: ['a'], vectors: Float32Array.of(0.5, -2) });
    expect(readFileSync(p('l.txt'), 'utf8')).toBe('1 2\na 0.5 -2.0\n');
    await saveWord2VecFormat(p('l.bin'), { words: ['a'], vectors: Float32Array.of(0.5, -2) }, { binary: true });
    const b = readFileSync(p('l.bin'));
    expect(b.subarray(0, 6).toString()).toBe('1 2\na ');
    expect(Array.from(new Float32Array(b.buffer.slice(b.byteOffset + 6, b.byteOffset + 14)))).toEqual([0.5, -2]);
    expect(b[14]).toBe(0x0a);
    expect(b.length).toBe(15);
  });

  it('reads C-style text (trailing spaces, CRLF) and gensim-style binary (no newlines)', async () => {
    writeFileSync(p('c.txt'), '2 3\r\nfoo 0.1 0.2 0.3 \r\nbar -1 nan inf \n');
    const t = await loadWord2VecFormat(p('c.txt'));
    expect(t.words).toEqual(['foo', 'bar']);
    expect(Array.from(t.vectors.subarray(0, 3))).toEqual([0.1, 0.2, 0.3].map(Math.fround));
    expect(t.vectors[3]).toBe(-1);
    expect(t.vectors[4]).toBeNaN();
    expect(t.vectors[5]).toBe(Infinity);
    const rec = (w: string, v: number[]): Buffer => Buffer.concat([Buffer.from(`${w} `), Buffer.from(Float32Array.from(v).buffer)]);
    writeFileSync(p('g.bin'), Buffer.concat([Buffer.from('2 2\n'), rec('foo', [1, 2]), rec('bar', [3, 4])]));
    const g = await loadWord2VecFormat(p('g.bin'));
    expect(g.words).toEqual(['foo', 'bar']);
    expect(Array.from(g.vectors)).toEqual([1, 2, 3, 4]);
  });

  it('streams files larger than one read chunk', async () => {
    const V = 3000;
    const D = 100;
    const rng = new Rng(2);
    const big = { words: Array.from({ length: V }, (_, i) => `w${i}`), vectors: Float32Array.from({ length: V * D }, () => rng.normal()) };
    for (const binary of [true, false]) {
      await saveWord2VecFormat(p('big'), big, { binary });
      const r = await loadWord2VecFormat(p('big'), { binary });
      expect(r.words).toEqual(big.words);
      expect(bits(r.vectors)).toEqual(bits(big.vectors));
    }
  });
});

describe('word2vec format errors name the file and the line or byte', () => {
  async function failsWith(name: string, content: string | Buffer, message: string | RegExp, opts = {}): Promise<void> {
    writeFileSync(p(name), content);
    const err = await loadWord2VecFormat(p(name), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(p(name));
    expect((err as Error).message).toMatch(message);
  }

  it('text', async () => {
    await failsWith('h.txt', 'hello world\n', `${p('h.txt')}: line 1: expected a header '<count> <dim>' of two non-negative integers, got "hello world"`);
    await failsWith('n.txt', '2 3\na 1 2 3\nb 1 2\n', `${p('n.txt')}: line 3: expected a word and 3 numbers, got 2 numbers after "b" (is this really the text format?)`);
    await failsWith('v.txt', '1 2\na 1 x2\n', 'line 2: number 2 of word "a" is "x2", not a number', { binary: false });
    await failsWith('t.txt', '3 2\na 1 2\nb 3 4\n', 'line 4: file ends after 2 of 3 vectors (the header says 3)');
    await failsWith('u.txt', Buffer.concat([Buffer.from('1 1\n'), Buffer.from([0xff, 0x20, 0x31, 0x0a])]), /line 2: not valid UTF-8/, { binary: false });
    writeFileSync(p('r.txt'), Buffer.concat([Buffer.from('1 1\n'), Buffer.from([0x61, 0xff, 0x20, 0x31, 0x0a])]));
    expect((await loadWord2VecFormat(p('r.txt'), { binary: false, unicodeErrors: 'replace' })).words).toEqual(['a\ufffd']);
  });

  it('binary', async () => {
    const head = Buffer.from('2 2\n');
    const rec = Buffer.concat([Buffer.from('ab '), Buffer.from(Float32Array.of(1, 2).buffer)]);
    await failsWith('t.bin', Buffer.concat([head, rec, Buffer.from('cd '), Buffer.from([0, 0, 0])]), `${p('t.bin')}: byte 18: file ends inside the vector of word 1 "cd": expected 8 bytes, got 3`, { binary: true });
    await failsWith('e.bin', Buffer.concat([head, rec]), 'byte 15: file ends after 1 of 2 vectors (the header says 2)', { binary: true });
    await failsWith('w.bin', Buffer.concat([head, rec, Buffer.from([0xc3, 0x28, 0x20, 0, 0, 0, 0, 0, 0, 0, 0])]), "byte 15: word 1 is not valid UTF-8 (pass unicodeErrors: 'replace' to read it anyway)", { binary: true });
  });

  it('saving rejects words the format cannot hold and missing directories', async () => {
    await expect(saveWord2VecFormat(p('x.txt'), { words: ['a b'], vectors: Float32Array.of(1) })).rejects.toThrow(/word 0 "a b" is empty or contains whitespace/);
    await expect(saveWord2VecFormat(join(dir, 'nope', 'x.txt'), data)).rejects.toThrow(/cannot write .*nope.*does not exist/);
    await expect(saveWord2VecFormat(p('y.txt'), { words: ['a'], vectors: Float32Array.of(1, 2, 3) }, {})).resolves.toBeUndefined();
    await expect(saveWord2VecFormat(p('z.txt'), { words: ['a', 'b'], vectors: Float32Array.of(1, 2, 3) })).rejects.toThrow(/cannot infer the vector size/);
  });
});

describe('word vectors as safetensors', () => {
  it('round trips words, vectors and counts; rejects other safetensors files', async () => {
    const counts = [50, 40, 30, 20, 10];
    await saveWordVectorsSafetensors(p('kv.safetensors'), { ...data, counts });
    const r = await loadWordVectorsSafetensors(p('kv.safetensors'));
    expect(r.words).toEqual(words);
    expect(bits(r.vectors)).toEqual(bits(vectors));
    expect(Array.from(r.counts!)).toEqual(counts);
    const { saveSafetensors } = await import('../../src/io/safetensors.js');
    await saveSafetensors(p('other.safetensors'), { w: { dtype: 'F32', shape: [1], data: Float32Array.of(1) } });
    await expect(loadWordVectorsSafetensors(p('other.safetensors'))).rejects.toThrow(`${p('other.safetensors')}: expected __metadata__.format 'recurrent.word2vec.keyed_vectors', got null`);
  });
});

describe('saveWordVectors / loadWordVectors pick the format by extension', () => {
  it('.bin is binary, .safetensors is safetensors, anything else text; limit applies to all', async () => {
    for (const name of ['v.bin', 'v.vec', 'v.safetensors']) {
      await saveWordVectors(p(name), data);
      const r = await loadWordVectors(p(name), { limit: 3 });
      expect(r.words).toEqual(words.slice(0, 3));
      expect(bits(r.vectors)).toEqual(bits(vectors.subarray(0, 3 * E)));
    }
    expect(readFileSync(p('v.vec'), 'utf8').startsWith('5 4\nthe 0.1 -0.2 0.33333334 0.0\n')).toBe(true);
    expect(readFileSync(p('v.bin')).subarray(0, 8).toString('latin1')).toBe('5 4\nthe ');
    await saveWordVectors(p('forced.txt'), data, { format: 'bin' });
    expect((await loadWordVectors(p('forced.txt'))).words).toEqual(words);
  });
});
