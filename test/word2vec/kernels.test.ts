/**
 * word2vec kernels (src/kernels/ref/w2v.ts): the SGNS and HS objectives' gradients against central
 * differences in Float64 (exact-sigmoid variant, eps 1e-6, gradcheck tolerances), the loss against
 * a direct formula, the table variant against word2vec.c's rules, the SG/CBOW wrappers against a
 * naive transcription of word2vec.c's loops, and the random stream against `Rng`.
 */
import { describe, expect, it } from 'vitest';
import {
  EXP_TABLE_SIZE,
  MAX_EXP,
  type W2vNet,
  type W2vSampler,
  type W2vTree,
  cbowUpdate,
  hsUpdate,
  logSigmoid,
  rngNext,
  sampleAlias,
  sgnsUpdate,
  sigmoidTable,
  skipgramUpdate,
} from '../../src/kernels/ref/w2v.js';
import { Rng } from '../../src/tensor/rng.js';
import { buildAliasTable, buildHuffman } from '../../src/word2vec/vocab.js';
import { GRADCHECK_TOL, expectClose, numericGrad } from '../util/gradcheck.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function randomArray(n: number, rng: Rng, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-scale, scale));
}

function net64(E: number, V: number, rng: Rng, expTable: Float32Array | null = null): W2vNet<Float64Array> {
  return {
    E,
    syn0: randomArray(V * E, rng),
    syn1neg: randomArray(V * E, rng),
    syn1: randomArray((V - 1) * E, rng),
    neu1: new Float64Array(E),
    neu1e: new Float64Array(E),
    expTable,
    computeLoss: true,
  };
}

describe('sigmoid table and log σ', () => {
  it('matches word2vec.c: σ at the left edge of each bin over [−6, 6)', () => {
    const t = sigmoidTable();
    expect(t.length).toBe(EXP_TABLE_SIZE);
    expect(t[0]).toBeCloseTo(sigmoid(-MAX_EXP), 7);
    expect(t[500]).toBeCloseTo(0.5, 7);
    expect(t[999]).toBeCloseTo(sigmoid(((999 / 1000) * 2 - 1) * 6), 7);
  });

  it('log σ is exact and finite far out', () => {
    for (const x of [-800, -40, -3, -1e-9, 0, 1e-9, 2, 35, 800]) {
      const want = x > 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
      expect(logSigmoid(x)).toBe(want);
      expect(Number.isFinite(logSigmoid(x))).toBe(true);
    }
    expect(logSigmoid(-800)).toBe(-800);
    expect(logSigmoid(2)).toBeCloseTo(Math.log(sigmoid(2)), 15);
  });
});

describe('random stream', () => {
  it('rngNext is Rng.nextU32 (xoshiro128**) on the same state', () => {
    const rng = new Rng(123);
    const st = Uint32Array.from(rng.getState().slice(0, 4));
    for (let i = 0; i < 1000; i++) expect(rngNext(st)).toBe(rng.nextU32());
  });

  it('the alias table draws P(w) ∝ count^0.75', () => {
    const counts = Float64Array.from([1000, 300, 300, 50, 7, 1]);
    const { aliasProb, aliasIdx } = buildAliasTable(counts, 0.75);
    const st = Uint32Array.from([1, 2, 3, 4]);
    const N = 200000;
    const hist = new Float64Array(6);
    for (let i = 0; i < N; i++) hist[sampleAlias(aliasProb, aliasIdx, 6, st)]!++;
    let z = 0;
    for (const c of counts) z += c ** 0.75;
    counts.forEach((c, w) => {
      const p = c ** 0.75 / z;
      // 5 standard deviations of a binomial proportion.
      expect(Math.abs(hist[w]! / N - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N) + 1e-9);
    });
  });
});

describe('sgnsUpdate', () => {
  const E = 7;
  const V = 6;
  const word = 2;
  const negs = Int32Array.from([0, 4, 5]);

  it('loss = −log σ(u_w·h) − Σ log σ(−u_n·h); negatives equal to the word are skipped', () => {
    const n = net64(E, V, new Rng(1));
    const h0 = 3 * E;
    const f = (t: number): number => {
      let s = 0;
      for (let e = 0; e < E; e++) s += n.syn0[h0 + e]! * n.syn1neg[t * E + e]!;
      return s;
    };
    const want = -Math.log(sigmoid(f(word))) - Math.log(sigmoid(-f(0))) - Math.log(sigmoid(-f(4)));
    const withSelf = Int32Array.from([0, word, 4]);
    expect(sgnsUpdate(n, n.syn0, h0, word, withSelf, 3, 0)).toBeCloseTo(want, 12);
  });

  it('gradients match central differences (Float64, exact σ)', () => {
    const n = net64(E, V, new Rng(2));
    const h = randomArray(E, new Rng(3));
    const loss = (): number => {
      const m: W2vNet<Float64Array> = { ...n, syn1neg: n.syn1neg.slice(), neu1e: new Float64Array(E) };
      return sgnsUpdate(m, h, 0, word, negs, negs.length, 0);
    };
    const dh = numericGrad(loss, h);
    const du = numericGrad(loss, n.syn1neg);
    const alpha = 0.5;
    const u0 = n.syn1neg.slice();
    n.neu1e.fill(0.25); // += : the kernel accumulates
    sgnsUpdate(n, h, 0, word, negs, negs.length, alpha);
    // neu1e = −α ∂L/∂h (+ the initial 0.25); Δu = −α ∂L/∂u.
    expectClose(Array.from(n.neu1e, (x) => -(x - 0.25) / alpha), dh, GRADCHECK_TOL, 'dL/dh');
    expectClose(Array.from(n.syn1neg, (x, i) => -(x - u0[i]!) / alpha), du, GRADCHECK_TOL, 'dL/du');
  });

  it('with the table: σ from the table, clamped to 0/1 outside ±MAX_EXP (word2vec.c)', () => {
    const table = sigmoidTable();
    for (const target of [0.3, 7, -7]) {
      const n = net64(1, 3, new Rng(4), table);
      const h = Float64Array.of(1);
      n.syn1neg[1] = target; // u_1 = [target], f = target
      sgnsUpdate(n, h, 0, 1, new Int32Array(0), 0, 1);
      const s = target >= MAX_EXP ? 1 : target <= -MAX_EXP ? 0 : table[Math.floor((target + MAX_EXP) * (EXP_TABLE_SIZE / MAX_EXP / 2))]!;
      expect(n.neu1e[0]).toBeCloseTo((1 - s) * target, 6);
    }
  });
});

describe('hsUpdate', () => {
  it('loss over the Huffman path and gradients match central differences', () => {
    const counts = Float64Array.from([40, 20, 11, 9, 5, 3, 2]);
    const tree = buildHuffman(counts);
    const V = counts.length;
    const E = 5;
    const n = net64(E, V, new Rng(5));
    const h = randomArray(E, new Rng(6));
    for (const word of [0, 3, 6]) {
      const a = tree.codeStart[word]!;
      const b = tree.codeStart[word + 1]!;
      let want = 0;
      for (let d = a; d < b; d++) {
        let f = 0;
        for (let e = 0; e < E; e++) f += h[e]! * n.syn1[tree.points[d]! * E + e]!;
        want -= Math.log(sigmoid(tree.codes[d] === 0 ? f : -f));
      }
      const loss = (): number => hsUpdate({ ...n, syn1: n.syn1.slice(), neu1e: new Float64Array(E) }, h, 0, tree, a, b, 0);
      expect(loss()).toBeCloseTo(want, 12);
      const dh = numericGrad(loss, h);
      const ds = numericGrad(loss, n.syn1);
      const s0 = n.syn1.slice();
      const m = { ...n, neu1e: new Float64Array(E) };
      hsUpdate(m, h, 0, tree, a, b, 1);
      expectClose(Array.from(m.neu1e, (x) => -x), dh, GRADCHECK_TOL, `word ${word} dL/dh`);
      expectClose(Array.from(n.syn1, (x, i) => -(x - s0[i]!)), ds, GRADCHECK_TOL, `word ${word} dL/dsyn1`);
      n.syn1.set(s0);
    }
  });

  it('with the table, nodes with |f| ≥ MAX_EXP are not updated but count in the loss', () => {
    const tree: W2vTree = { codeStart: Int32Array.of(0, 1, 1), codes: Uint8Array.of(1), points: Int32Array.of(0) };
    const n = net64(1, 2, new Rng(7), sigmoidTable());
    n.syn1[0] = 8;
    const h = Float64Array.of(1);
    const loss = hsUpdate(n, h, 0, tree, 0, 1, 1);
    expect(n.syn1[0]).toBe(8);
    expect(n.neu1e[0]).toBe(0);
    expect(loss).toBeCloseTo(-logSigmoid(-8), 12);
  });
});

describe('skipgramUpdate / cbowUpdate follow word2vec.c', () => {
  const V = 9;
  const E = 6;
  const counts = Float64Array.from([50, 30, 20, 15, 10, 8, 6, 4, 2]);

  function setup(seed: number): { net: W2vNet<Float64Array>; samp: W2vSampler; tree: W2vTree } {
    const net = net64(E, V, new Rng(seed), sigmoidTable());
    const { aliasProb, aliasIdx } = buildAliasTable(counts, 0.75);
    const samp: W2vSampler = { negative: 3, V, aliasProb, aliasIdx, rng: Uint32Array.of(9, 8, 7, 6), negs: new Int32Array(3) };
    return { net, samp, tree: buildHuffman(counts) };
  }

  // Naive transcription: per example, HS over the path, then negatives with word2vec.c's rules.
  function naiveExample(n: W2vNet<Float64Array>, rng: Uint32Array, samp: W2vSampler, tree: W2vTree, h: Float64Array, word: number, alpha: number): [Float64Array, number] {
    const neu1e = new Float64Array(E);
    let loss = 0;
    const table = n.expTable!;
    const tab = (f: number): number => table[Math.floor((f + 6) * (1000 / 12))]!;
    for (let d = tree.codeStart[word]!; d < tree.codeStart[word + 1]!; d++) {
      const l2 = tree.points[d]! * E;
      let f = 0;
      for (let e = 0; e < E; e++) f += h[e]! * n.syn1[l2 + e]!;
      loss -= logSigmoid(tree.codes[d] === 0 ? f : -f);
      if (f <= -6 || f >= 6) continue;
      const g = (1 - tree.codes[d]! - tab(f)) * alpha;
      for (let e = 0; e < E; e++) neu1e[e]! += g * n.syn1[l2 + e]!;
      for (let e = 0; e < E; e++) n.syn1[l2 + e]! += g * h[e]!;
    }
    const negs = Array.from({ length: samp.negative }, () => sampleAlias(samp.aliasProb, samp.aliasIdx, V, rng));
    for (let d = -1; d < negs.length; d++) {
      const target = d < 0 ? word : negs[d]!;
      if (d >= 0 && target === word) continue;
      const label = d < 0 ? 1 : 0;
      let f = 0;
      for (let e = 0; e < E; e++) f += h[e]! * n.syn1neg[target * E + e]!;
      loss -= logSigmoid(label ? f : -f);
      const g = (label - (f >= 6 ? 1 : f <= -6 ? 0 : tab(f))) * alpha;
      for (let e = 0; e < E; e++) neu1e[e]! += g * n.syn1neg[target * E + e]!;
      for (let e = 0; e < E; e++) n.syn1neg[target * E + e]! += g * h[e]!;
    }
    return [neu1e, loss];
  }

  const sent = Int32Array.from([3, 0, 7, 1, 1, 5, 8, 2]);

  it('skip-gram: each window word predicts the center, then v_c += neu1e', () => {
    const a = setup(11);
    const b = setup(11);
    const rngB = Uint32Array.from(b.samp.rng);
    const stats = new Float64Array(2);
    skipgramUpdate(a.net, a.samp, a.tree, sent, sent.length, 2, 2, 0.1, stats);
    let want = 0;
    for (const c of [0, 1, 3, 4]) {
      const h = b.net.syn0.slice(sent[c]! * E, sent[c]! * E + E);
      const [neu1e, loss] = naiveExample(b.net, rngB, b.samp, b.tree, h, sent[2]!, 0.1);
      for (let e = 0; e < E; e++) b.net.syn0[sent[c]! * E + e]! += neu1e[e]!;
      want += loss;
    }
    expectClose(a.net.syn0, b.net.syn0, { atol: 1e-12, rtol: 1e-12 }, 'syn0');
    expectClose(a.net.syn1neg, b.net.syn1neg, { atol: 1e-12, rtol: 1e-12 }, 'syn1neg');
    expectClose(a.net.syn1, b.net.syn1, { atol: 1e-12, rtol: 1e-12 }, 'syn1');
    expect(stats[1]).toBe(4);
    expect(stats[0]).toBeCloseTo(want, 10);
  });

  it('CBOW (mean): h = mean of the window, one example, each window word += neu1e', () => {
    for (const mean of [true, false]) {
      const a = setup(12);
      const b = setup(12);
      const rngB = Uint32Array.from(b.samp.rng);
      const stats = new Float64Array(2);
      cbowUpdate(a.net, a.samp, a.tree, sent, sent.length, 6, 3, 0.1, mean, stats);
      const ctx = [3, 4, 5, 7];
      const h = new Float64Array(E);
      for (const c of ctx) for (let e = 0; e < E; e++) h[e]! += b.net.syn0[sent[c]! * E + e]!;
      if (mean) for (let e = 0; e < E; e++) h[e]! /= ctx.length;
      const [neu1e, loss] = naiveExample(b.net, rngB, b.samp, b.tree, h, sent[6]!, 0.1);
      for (const c of ctx) for (let e = 0; e < E; e++) b.net.syn0[sent[c]! * E + e]! += neu1e[e]!;
      expectClose(a.net.syn0, b.net.syn0, { atol: 1e-12, rtol: 1e-12 }, `syn0 mean=${mean}`);
      expectClose(a.net.syn1neg, b.net.syn1neg, { atol: 1e-12, rtol: 1e-12 }, 'syn1neg');
      expect(stats[1]).toBe(1);
      expect(stats[0]).toBeCloseTo(loss, 10);
    }
  });
});
