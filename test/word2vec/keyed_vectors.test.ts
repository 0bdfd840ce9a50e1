/**
 * KeyedVectors on hand-made 2-D vectors (direction = angle, arbitrary lengths), where every cosine,
 * ranking, analogy answer and rank correlation can be worked out on paper.
 */
import { describe, expect, it } from 'vitest';
import { KeyedVectors, averageRanks, pearson, spearman } from '../../src/word2vec/keyed_vectors.js';

const rad = (deg: number): number => (deg * Math.PI) / 180;
const C = Math.fround(Math.cos(rad(20)));
const S = Math.fround(Math.sin(rad(20)));
// a 0°, b 90°, c 20°, d 110° (built as (−S, C) so that a·c and b·d are bit-identical), e 200°, f 260°.
const rows: [string, number, number][] = [
  ['a', 2, 0],
  ['b', 0, 0.5],
  ['c', C, S],
  ['d', -4 * S, 4 * C],
  ['e', Math.cos(rad(200)), Math.sin(rad(200))],
  ['f', 3 * Math.cos(rad(260)), 3 * Math.sin(rad(260))],
];
const kv = new KeyedVectors({ words: rows.map((r) => r[0]), vectors: Float32Array.from(rows.flatMap((r) => [r[1], r[2]])) });
const names = (s: [string, number][]): string[] => s.map((x) => x[0]);

describe('similarity queries', () => {
  it('similarity is the cosine', () => {
    expect(kv.similarity('a', 'c')).toBeCloseTo(Math.cos(rad(20)), 6);
    expect(kv.similarity('a', 'b')).toBeCloseTo(0, 6);
    expect(kv.similarity('c', 'e')).toBeCloseTo(-1, 6);
  });

  it('mostSimilar ranks by cosine to the query, excluding it; restrictVocab limits candidates', () => {
    // Angles from a: c 20°, b 90°, f 100°, d 110°, e 160°.
    expect(names(kv.mostSimilar('a', [], 3))).toEqual(['c', 'b', 'f']);
    expect(kv.mostSimilar('a', [], 1)[0]![1]).toBeCloseTo(Math.cos(rad(20)), 6);
    expect(names(kv.mostSimilar('a', [], 10, 3))).toEqual(['c', 'b']);
    expect(names(kv.similarByWord('a', 2))).toEqual(['c', 'b']);
    expect(kv.mostSimilar('a', [], 0)).toEqual([]);
  });

  it('mostSimilar with positive and negative words is 3CosAdd; raw vectors are accepted', () => {
    // b − a + c points at ≈ 92.6°: d (110°) is the closest word other than a, b, c.
    expect(names(kv.mostSimilar(['b', 'c'], ['a'], 1))).toEqual(['d']);
    expect(names(kv.mostSimilarCosmul(['b', 'c'], ['a'], 1))).toEqual(['d']);
    expect(names(kv.similarByVector([0, 1], 2))).toEqual(['b', 'd']);
    expect(names(kv.mostSimilar([[0, 1]], [], 2))).toEqual(['b', 'd']);
  });

  it('doesntMatch picks the word farthest from the mean direction', () => {
    // Mean of unit a, c, b, e = (1, 1): e (200°) is 155° away.
    expect(kv.doesntMatch(['a', 'c', 'b', 'e', 'unknown'])).toBe('e');
  });

  it('fails clearly on unknown words and bad vectors', () => {
    expect(() => kv.similarity('a', 'zzz')).toThrow("KeyedVectors: word 'zzz' is not in the vocabulary");
    expect(() => kv.similarByVector([1, 2, 3])).toThrow('expected a vector of length 2, got 3');
    expect(() => kv.doesntMatch(['x'])).toThrow(/none of/);
    expect(() => new KeyedVectors({ words: ['a', 'b'], vectors: new Float32Array(3) })).toThrow(/cannot infer the vector size/);
  });
});

describe('evaluateAnalogies (compute-accuracy counting)', () => {
  // Worked by hand (answer = best word other than the three question words with a positive score):
  //   a b c d → b − a + c ≈ 92.6°: d                      correct
  //   a b e f → b − a + e ≈ 161°: d (51° away; f 99°)     wrong
  //   a b c zzz                                            not seen (OOV)
  //   A C B D → c − a + b ≈ 92.6°: d                      correct (case-insensitive)
  //   b a d c → a − b + d ≈ −5°: c                        correct
  const text = [
    ': capital-common-countries',
    'a b c d',
    'a b e f',
    'a b c zzz',
    ': s2',
    ': s3',
    ': s4',
    ': s5',
    ': gram1-adjective-to-adverb',
    'A C B D',
    'b a d c',
    '',
  ].join('\n');

  it('counts per section, semantic (sections 1–5) and syntactic, seen/total coverage', () => {
    const r = kv.evaluateAnalogiesText(text);
    expect(r.sections.map((s) => [s.section, s.correct, s.seen, s.total])).toEqual([
      ['capital-common-countries', 1, 2, 3],
      ['s2', 0, 0, 0],
      ['s3', 0, 0, 0],
      ['s4', 0, 0, 0],
      ['s5', 0, 0, 0],
      ['gram1-adjective-to-adverb', 2, 2, 2],
    ]);
    expect(r.semantic).toEqual({ correct: 1, seen: 2, total: 3, accuracy: 0.5 });
    expect(r.syntactic).toEqual({ correct: 2, seen: 2, total: 2, accuracy: 1 });
    expect(r.all).toEqual({ correct: 3, seen: 4, total: 5, accuracy: 0.75 });
    expect(r.coverage).toBe(0.8);
  });

  it('restrictVocab hides later words; caseInsensitive: false keeps case; 3CosMul', () => {
    const r5 = kv.evaluateAnalogiesText(text, 'q', { restrictVocab: 5 }); // f is row 5
    expect(r5.sections[0]).toMatchObject({ correct: 1, seen: 1, total: 3 });
    const cs = kv.evaluateAnalogiesText(text, 'q', { caseInsensitive: false });
    expect(cs.sections[5]).toMatchObject({ correct: 1, seen: 1, total: 2 });
    // 3CosMul on "b a d c": f scores (1 + cos 100°)(1 + cos 150°) / 4 / ((1 + cos 170°)/2 + 1e-6) ≈ 3.6,
    // far above c's 0.72, because f is nearly opposite b (the denominator); the other three agree.
    expect(kv.evaluateAnalogiesText(text, 'q', { method: '3cosmul' }).all).toMatchObject({ correct: 2, seen: 4 });
  });

  it('names the file and line of a malformed question', () => {
    expect(() => kv.evaluateAnalogiesText(': s\na b c\n', 'questions.txt')).toThrow("questions.txt: line 2: expected 4 words 'a b c d', got 3: 'a b c'");
  });
});

describe('evaluateWordPairs and rank correlation', () => {
  it('averageRanks gives ties their mean rank (scipy rankdata)', () => {
    expect(Array.from(averageRanks([10, 20, 20, 5, 20]))).toEqual([2, 4, 4, 1, 4]);
  });

  it('Spearman ρ with ties, against a hand computation', () => {
    // Pairs (a,b) 2, (a,c) 8, (a,d) 5, (b,d) 8, (c,e) 1, (a,zzz) 3 [OOV].
    // Model cosines 0, cos20°, −sin20°, cos20° (tie, bit-identical), −1.
    // Gold ranks [2, 4.5, 3, 4.5, 1], model ranks [3, 4.5, 2, 4.5, 1]:
    // ρ = Σ dx·dy / Σ dx² = 8.5 / 9.5.
    const file = 'word1\tword2\tscore\n# comment\na\tb\t2\na\tc\t8\na\td\t5\nb\td\t8\nc\te\t1\na\tzzz\t3\n';
    const r = kv.evaluateWordPairsText(file, 'pairs.txt');
    expect(r.spearman).toBeCloseTo(8.5 / 9.5, 12);
    expect(r.pairs).toBe(6);
    expect(r.used).toBe(5);
    expect(r.oovRatio).toBeCloseTo(1 / 6, 12);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('reads comma and space separated files and names bad lines', () => {
    expect(kv.evaluateWordPairsText('Word 1,Word 2,Human (mean)\nA,C,8\na,b,2\nc,e,1\n').used).toBe(3);
    expect(kv.evaluateWordPairsText('a c 8\na b 2\nc e 1\n').used).toBe(3);
    expect(() => kv.evaluateWordPairsText('a c 8\na b x\n', 'ws.txt')).toThrow("ws.txt: line 2: expected 'word1 word2 score' with a numeric score in column 3, got 'a b x'");
  });
});
