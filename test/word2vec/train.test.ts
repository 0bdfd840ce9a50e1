/**
 * Word2Vec training (workers: 1, in-process): the reported loss equals an independent computation
 * on a hand-checkable corpus, decreases over epochs, and a seed fixes every bit; file and
 * token-array corpora train identically; progress, abort, online vocabulary update, state round
 * trip and option errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWord2VecModel, saveWord2VecModel } from '../../src/io/word2vec_format.js';
import { logSigmoid } from '../../src/kernels/ref/w2v.js';
import { Rng } from '../../src/tensor/rng.js';
import { type EpochReport, Word2Vec, type Word2VecProgress } from '../../src/word2vec/train.js';
import { toyCorpus, writeCorpus } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'w2v-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bytesOf = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('reported loss', () => {
  // Counts a:4, b:3, c:2, d:1 give the Huffman tree worked by hand in vocab.test.ts:
  // paths (root first) a: 0 @ [2]; b: 11 @ [2, 1]; c: 101 @ [2, 1, 0]; d: 100 @ [2, 1, 0].
  const corpus = [['a', 'b', 'c', 'a'], ['b', 'a', 'd'], ['c', 'b', 'a']];
  const paths: Record<string, [number[], number[]]> = {
    a: [[0], [2]],
    b: [[1, 1], [2, 1]],
    c: [[1, 0, 1], [2, 1, 0]],
    d: [[1, 0, 0], [2, 1, 0]],
  };
  const E = 3;

  async function frozenModel(sg: boolean): Promise<{ model: Word2Vec; syn0: Float32Array; syn1: Float32Array; index: Map<string, number> }> {
    // alpha = 0: no update, so every example sees the same parameters; window 1 is never shrunk.
    const model = new Word2Vec({ sg, hs: true, negative: 0, window: 1, sample: 0, minCount: 1, vectorSize: E, alpha: 0, minAlpha: 0, epochs: 2, workers: 1 });
    await model.buildVocab(corpus);
    const st = model.toState();
    expect(st.words).toEqual(['a', 'b', 'c', 'd']);
    const rng = new Rng(3);
    st.syn0 = Float32Array.from(st.syn0, () => rng.uniform(-1, 1));
    st.syn1 = Float32Array.from(st.syn1!, () => rng.uniform(-1, 1));
    return { model: Word2Vec.fromState(st), syn0: st.syn0, syn1: st.syn1, index: new Map(st.words.map((w, i) => [w, i])) };
  }

  const hsLoss = (h: number[], word: string, syn1: Float32Array): number => {
    const [codes, points] = paths[word]!;
    let l = 0;
    codes.forEach((b, d) => {
      let f = 0;
      for (let e = 0; e < E; e++) f += h[e]! * syn1[points[d]! * E + e]!;
      l -= logSigmoid(b === 0 ? f : -f);
    });
    return l;
  };

  it('skip-gram: mean over (context → center) pairs of −Σ log σ(±s_p·v_c)', async () => {
    const { model, syn0, syn1, index } = await frozenModel(true);
    let sum = 0;
    let pairs = 0;
    for (const s of corpus) {
      for (let i = 0; i < s.length; i++) {
        for (const j of [i - 1, i + 1]) {
          if (j < 0 || j >= s.length) continue;
          const c = index.get(s[j]!)!;
          sum += hsLoss(Array.from(syn0.subarray(c * E, c * E + E)), s[i]!, syn1);
          pairs++;
        }
      }
    }
    const epochs: EpochReport[] = [];
    await model.train(corpus, { onEpochEnd: (e) => epochs.push(e) });
    expect(epochs.map((e) => e.examples)).toEqual([pairs, pairs]);
    for (const e of epochs) expect(e.loss).toBeCloseTo(sum / pairs, 6);
  });

  it('CBOW: mean over center words, h = mean of the window vectors', async () => {
    const { model, syn0, syn1, index } = await frozenModel(false);
    let sum = 0;
    let n = 0;
    for (const s of corpus) {
      for (let i = 0; i < s.length; i++) {
        const ctx = [i - 1, i + 1].filter((j) => j >= 0 && j < s.length).map((j) => index.get(s[j]!)!);
        const h = [0, 0, 0];
        for (const c of ctx) for (let e = 0; e < E; e++) h[e]! += syn0[c * E + e]! / ctx.length;
        sum += hsLoss(h, s[i]!, syn1);
        n++;
      }
    }
    const rep = await model.train(corpus);
    expect(rep.epochs[0]!.examples).toBe(n);
    expect(rep.epochs[0]!.loss).toBeCloseTo(sum / n, 6);
  });

  it('decreases over epochs (toy corpus, SG and CBOW, NS and HS)', async () => {
    const corpus = toyCorpus(1500);
    for (const opts of [{ sg: true }, { sg: false }, { sg: true, hs: true, negative: 0 }, { sg: false, hs: true, negative: 3 }]) {
      const losses: number[] = [];
      await Word2Vec.train(corpus, { ...opts, vectorSize: 16, minCount: 1, sample: 0, epochs: 5, workers: 1, onEpochEnd: (e) => losses.push(e.loss) });
      for (let i = 1; i < losses.length; i++) expect(losses[i], `${JSON.stringify(opts)}: ${losses.join(', ')}`).toBeLessThan(losses[i - 1]!);
    }
  });
});

describe('determinism and corpus sources', () => {
  const corpus = toyCorpus(800, 5);
  const file = writeCorpus(join(dir, 'toy.txt'), corpus);
  const opts = { sg: true, vectorSize: 12, minCount: 2, sample: 1e-2, window: 3, negative: 4, epochs: 2, workers: 1 } as const;

  it('workers: 1 with a seed gives identical bytes; another seed does not', async () => {
    const a = await Word2Vec.train(file, { ...opts, seed: 7 });
    const b = await Word2Vec.train(file, { ...opts, seed: 7 });
    const c = await Word2Vec.train(file, { ...opts, seed: 8 });
    expect(bytesOf(a.vectors).equals(bytesOf(b.vectors))).toBe(true);
    expect(bytesOf(a.vectors).equals(bytesOf(c.vectors))).toBe(false);
  });

  it('a file and the same sentences as token arrays train identically', async () => {
    const losses: number[][] = [[], []];
    const a = await Word2Vec.train(file, { ...opts, hs: true, onEpochEnd: (e) => losses[0]!.push(e.loss) });
    const b = await Word2Vec.train(corpus, { ...opts, hs: true, onEpochEnd: (e) => losses[1]!.push(e.loss) });
    expect(a.words).toEqual(b.words);
    expect(bytesOf(a.vectors).equals(bytesOf(b.vectors))).toBe(true);
    expect(losses[0]).toEqual(losses[1]);
  });

  it('accepts async iterables that restart, rejects one-shot generators', async () => {
    const restartable = {
      async *[Symbol.asyncIterator](): AsyncGenerator<string[]> {
        for (const s of corpus) yield s;
      },
    };
    const kv = await Word2Vec.train(restartable, { ...opts });
    expect(kv.size).toBeGreaterThan(20);
    async function* once(): AsyncGenerator<string[]> {
      yield* corpus;
    }
    await expect(Word2Vec.train(once(), opts)).rejects.toThrow(/one-shot iterator/);
  });
});

describe('progress, abort, errors', () => {
  const corpus = toyCorpus(3000, 9);

  it('reports progress with words/s and ETA, and per-epoch reports', async () => {
    const prog: Word2VecProgress[] = [];
    const model = new Word2Vec({ sg: true, vectorSize: 32, minCount: 1, epochs: 3, workers: 1 });
    await model.buildVocab(corpus);
    const rep = await model.train(corpus, { onProgress: (p) => prog.push(p), progressInterval: 0 });
    expect(prog.length).toBeGreaterThan(0);
    const last = prog[prog.length - 1]!;
    expect(last.progress).toBe(1);
    expect(last.words).toBe(last.totalWords);
    expect(last.totalWords).toBe(3 * corpus.flat().length);
    expect(last.wordsPerSec).toBeGreaterThan(0);
    expect(last.etaSeconds).toBe(0);
    expect(rep.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(rep.words).toBe(last.totalWords);
  });

  it('AbortSignal stops training with its reason', async () => {
    const ctl = new AbortController();
    const model = new Word2Vec({ sg: true, vectorSize: 32, minCount: 1, epochs: 50, workers: 1 });
    await model.buildVocab(corpus);
    const p = model.train(corpus, { onEpochEnd: (e) => e.epoch === 1 && ctl.abort(new Error('enough')) , signal: ctl.signal });
    await expect(p).rejects.toThrow('enough');
    await expect(model.train(corpus, { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(model.wv.size).toBe(model.vocabSize);
  });

  it('fails clearly on bad options and inputs', async () => {
    expect(() => new Word2Vec({ vectorSize: 0 })).toThrow('Word2Vec: expected vectorSize to be a positive integer, got 0');
    expect(() => new Word2Vec({ negative: 0 })).toThrow(/hs: true or negative > 0/);
    await expect(Word2Vec.train([['a', 'b']], { minCount: 5 })).rejects.toThrow(/no word occurs at least 5 times/);
    await expect(new Word2Vec().train(corpus)).rejects.toThrow(/call buildVocab/);
    await expect(Word2Vec.train(join(dir, 'missing.txt'))).rejects.toThrow(/cannot open corpus/);
    await expect(Word2Vec.train(corpus, { workers: 2, minCount: 1 })).rejects.toThrow(/needs a corpus file/);
    const file = writeCorpus(join(dir, 'w.txt'), corpus);
    await expect(Word2Vec.train(file, { workers: 2, minCount: 1 })).rejects.toThrow(/compiled worker script/);
    await expect(Word2Vec.train(42 as unknown as string)).rejects.toThrow(/expected a corpus file path or an iterable/);
  });
});

describe('continued training', () => {
  it('buildVocab({ update: true }) appends new words and keeps trained vectors', async () => {
    const a = toyCorpus(600, 1);
    const b = [...toyCorpus(300, 2), ...Array.from({ length: 20 }, () => ['the', 'zebra', 'eats', 'the', 'grass'])];
    const model = new Word2Vec({ sg: true, vectorSize: 10, minCount: 5, epochs: 1, workers: 1 });
    await model.buildVocab(a);
    await model.train(a);
    const before = model.wv;
    expect(before.has('zebra')).toBe(false);
    const catCount = model.count('cat');
    await model.buildVocab(b, { update: true });
    expect(model.vocabulary.slice(0, before.size)).toEqual(before.words);
    expect(model.vocabulary[model.vocabSize - 1]).toBe('zebra');
    expect(model.count('cat')).toBeGreaterThan(catCount);
    const mid = model.wv;
    expect(bytesOf(mid.vectors.subarray(0, before.vectors.length)).equals(bytesOf(before.vectors))).toBe(true);
    const z0 = mid.getVector('zebra');
    await model.train(b);
    expect(bytesOf(model.wv.getVector('zebra')).equals(bytesOf(z0))).toBe(false);
  });

  it('toState / fromState and saveWord2VecModel round trip resume identically', async () => {
    const corpus = toyCorpus(400, 3);
    const opts = { sg: false, hs: true, negative: 2, vectorSize: 8, minCount: 1, epochs: 1, workers: 1 };
    const m1 = new Word2Vec(opts);
    await m1.buildVocab(corpus);
    await m1.train(corpus);
    const path = join(dir, 'model.safetensors');
    await saveWord2VecModel(path, m1.toState());
    const m2 = Word2Vec.fromState(await loadWord2VecModel(path));
    await m1.train(corpus);
    await m2.train(corpus);
    expect(bytesOf(m2.wv.vectors).equals(bytesOf(m1.wv.vectors))).toBe(true);
  });
});
