/**
 * Vocabulary: one-pass counting with word2vec.c's ReduceVocab pruning, final ordering and
 * gensim's maxFinalVocab rule, the Huffman tree (a hand-worked 4-word example), the alias table's
 * exact distribution, and the subsampling formula.
 */
import { describe, expect, it } from 'vitest';
import { VocabCounter, buildAliasTable, buildHuffman, finalizeVocab, keepProbabilities } from '../../src/word2vec/vocab.js';

function count(tokens: string, maxVocabSize: number | null = null): VocabCounter {
  const c = new VocabCounter(maxVocabSize);
  for (const t of tokens.split(' ')) c.add(t);
  return c;
}

describe('VocabCounter', () => {
  it('counts tokens in one pass', () => {
    const c = count('a b a c a b');
    expect([...c.counts]).toEqual([['a', 3], ['b', 2], ['c', 1]]);
    expect(c.rawWords).toBe(6);
  });

  it('maxVocabSize prunes words seen ≤ r times, then r += 1 (word2vec.c ReduceVocab)', () => {
    // After 'd' there are 4 > 3 words: drop count ≤ 1 (b, c, d), r = 2. After 'g': 4 > 3 again
    // (a:3, e:2, f:1, g:1): drop count ≤ 2 (e, f, g), r = 3.
    const c = count('a a b c d a e e f g', 3);
    expect([...c.counts]).toEqual([['a', 3]]);
    expect(c.rawWords).toBe(10);
  });
});

describe('finalizeVocab', () => {
  const counts = new Map([
    ['x', 2],
    ['b', 4],
    ['a', 5],
    ['c', 4],
    ['d', 1],
  ]);

  it('keeps count ≥ minCount, sorted by count desc then first occurrence', () => {
    const v = finalizeVocab(counts, { minCount: 2, maxFinalVocab: null });
    expect(v.words).toEqual(['a', 'b', 'c', 'x']);
    expect(Array.from(v.counts)).toEqual([5, 4, 4, 2]);
  });

  it('maxFinalVocab raises minCount past the cut; ties at the cut are all dropped (gensim)', () => {
    expect(finalizeVocab(counts, { minCount: 1, maxFinalVocab: 3 }).words).toEqual(['a', 'b', 'c']);
    const two = finalizeVocab(counts, { minCount: 1, maxFinalVocab: 2 });
    expect(two.words).toEqual(['a']);
    expect(two.effectiveMinCount).toBe(5);
    expect(finalizeVocab(counts, { minCount: 1, maxFinalVocab: 10 }).words.length).toBe(5);
  });
});

describe('buildHuffman', () => {
  function path(t: ReturnType<typeof buildHuffman>, w: number): { code: string; points: number[] } {
    const a = t.codeStart[w]!;
    const b = t.codeStart[w + 1]!;
    return { code: Array.from(t.codes.subarray(a, b)).join(''), points: Array.from(t.points.subarray(a, b)) };
  }

  it('reproduces word2vec.c on counts 4, 3, 2, 1 (worked by hand)', () => {
    // Merges: (1, 2) → n0 [count 3], (n0, 3) → n1 [6] (tie: the inner node goes first), (4, n1) → n2 = root.
    // binary = 1 for the second of each pair; paths are listed root first, points as inner-node rows.
    const t = buildHuffman(Float64Array.from([4, 3, 2, 1]));
    expect(path(t, 0)).toEqual({ code: '0', points: [2] });
    expect(path(t, 1)).toEqual({ code: '11', points: [2, 1] });
    expect(path(t, 2)).toEqual({ code: '101', points: [2, 1, 0] });
    expect(path(t, 3)).toEqual({ code: '100', points: [2, 1, 0] });
  });

  it('gives a complete prefix code for any counts, in any word order', () => {
    const counts = Float64Array.from([3, 90, 1, 1, 17, 5, 5, 40, 2, 8]);
    const t = buildHuffman(counts);
    const codes = Array.from(counts, (_, w) => path(t, w).code);
    let kraft = 0;
    for (const c of codes) kraft += 2 ** -c.length;
    expect(kraft).toBeCloseTo(1, 12);
    for (const a of codes) for (const b of codes) if (a !== b) expect(b.startsWith(a)).toBe(false);
    // Optimal code: the expected length equals that of the tree built from sorted counts.
    const sorted = Float64Array.from(counts).sort().reverse();
    const ts = buildHuffman(sorted);
    const cost = (tt: typeof t, c: Float64Array): number => c.reduce((s, n, w) => s + n * (tt.codeStart[w + 1]! - tt.codeStart[w]!), 0);
    expect(cost(t, counts)).toBe(cost(ts, sorted));
    for (const w of [0, 1]) expect(path(t, w).points[0]).toBe(counts.length - 2);
  });

  it('handles one word (no inner node)', () => {
    const t = buildHuffman(Float64Array.of(7));
    expect(Array.from(t.codeStart)).toEqual([0, 0]);
  });
});

describe('buildAliasTable', () => {
  it('encodes exactly P(w) ∝ count^exponent', () => {
    const counts = Float64Array.from([1000, 250, 250, 31, 9, 1, 1]);
    for (const exponent of [0.75, 1, 0]) {
      const { aliasProb, aliasIdx } = buildAliasTable(counts, exponent);
      const V = counts.length;
      const p = new Float64Array(V);
      for (let i = 0; i < V; i++) {
        p[i]! += aliasProb[i]! / V;
        p[aliasIdx[i]!]! += (1 - aliasProb[i]!) / V;
      }
      let z = 0;
      for (const c of counts) z += c ** exponent;
      counts.forEach((c, w) => expect(p[w]).toBeCloseTo(c ** exponent / z, 6));
    }
  });
});

describe('keepProbabilities', () => {
  it("is word2vec.c's (√(c/t) + 1)·t/c, capped at 1; sample 0 keeps all", () => {
    const counts = Float64Array.from([1e6, 1e4, 10]);
    const total = 2e6;
    const keep = keepProbabilities(counts, 1e-4, total);
    const t = 1e-4 * total;
    expect(keep[0]).toBeCloseTo((Math.sqrt(1e6 / t) + 1) * (t / 1e6), 6);
    expect(keep[1]).toBeCloseTo((Math.sqrt(1e4 / t) + 1) * (t / 1e4), 6);
    expect(keep[2]).toBe(1);
    expect(Array.from(keepProbabilities(counts, 0, total))).toEqual([1, 1, 1]);
  });
});
