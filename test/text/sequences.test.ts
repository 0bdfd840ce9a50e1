import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/tensor/rng.js';
import { bucketByLength, kFoldIds, padSequences, paddingCost } from '../../src/text/sequences.js';

const seqs = [[1, 2, 3, 4], [5], [6, 7]];

describe('padSequences', () => {
  it('defaults to Keras: pad and truncate at the front, T = longest', () => {
    const p = padSequences(seqs);
    expect(p.shape).toEqual([3, 4]);
    expect(Array.from(p.data)).toEqual([1, 2, 3, 4, 0, 0, 0, 5, 0, 0, 6, 7]);
    expect(Array.from(p.lengths)).toEqual([4, 1, 2]);
  });

  it.each([
    ['pre', 'pre', [3, 4, 0, 5, 6, 7]],
    ['pre', 'post', [1, 2, 0, 5, 6, 7]],
    ['post', 'pre', [3, 4, 5, 0, 6, 7]],
    ['post', 'post', [1, 2, 5, 0, 6, 7]],
  ] as const)('padding %s, truncating %s', (padding, truncating, expected) => {
    const p = padSequences(seqs, { maxLen: 2, padding, truncating });
    expect(p.shape).toEqual([3, 2]);
    expect(Array.from(p.data)).toEqual(expected);
    expect(Array.from(p.lengths)).toEqual([2, 1, 2]);
  });

  it('uses the padding value and handles empty input and maxLen 0', () => {
    expect(Array.from(padSequences([[1], []], { maxLen: 2, padding: 'post', value: 9 }).data)).toEqual([1, 9, 9, 9]);
    expect(padSequences([]).shape).toEqual([0, 0]);
    expect(padSequences([[1, 2]], { maxLen: 0 }).data.length).toBe(0);
    expect(Array.from(padSequences([new Int32Array([3, 4])], { maxLen: 3 }).data)).toEqual([0, 3, 4]);
  });

  it('rejects non-integer ids and bad options', () => {
    expect(() => padSequences([[1, 2.5]])).toThrow(/sequence 0 position 1 holds 2.5; expected an integer id/);
    expect(() => padSequences([[1]], { padding: 'left' as never })).toThrow(/padding must be 'pre' or 'post', got "left"/);
    expect(() => padSequences([[1]], { maxLen: -1 })).toThrow(/maxLen must be a non-negative integer, got -1/);
  });
});

describe('bucketByLength', () => {
  const rng = new Rng(123);
  const lengths = Array.from({ length: 1000 }, () => 1 + Math.floor(rng.next() ** 2 * 300));

  it('covers every index exactly once; only the last batch of the last pool is short', () => {
    for (const poolBatches of [1, 5, 100, Infinity]) {
      const batches = bucketByLength(lengths, 32, new Rng(1), { poolBatches });
      const seen = batches.flat().sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(batches.filter((b) => b.length !== 32).map((b) => b.length)).toEqual([1000 % 32]);
    }
  });

  it('pads far less than random batching', () => {
    const bucketed = paddingCost(bucketByLength(lengths, 32, new Rng(2)), lengths);
    const order = Array.from({ length: 1000 }, (_, i) => i);
    new Rng(2).shuffle(order);
    const random: number[][] = [];
    for (let i = 0; i < order.length; i += 32) random.push(order.slice(i, i + 32));
    const randomCost = paddingCost(random, lengths);
    expect(bucketed).toBeLessThan(randomCost / 10);
  });

  it('is deterministic for a seed, shuffles the batch order, and changes with the seed', () => {
    const a = bucketByLength(lengths, 32, new Rng(5));
    expect(bucketByLength(lengths, 32, new Rng(5))).toEqual(a);
    expect(bucketByLength(lengths, 32, new Rng(6))).not.toEqual(a);
    const maxLens = a.map((b) => Math.max(...b.map((i) => lengths[i]!)));
    const sorted = [...maxLens].sort((x, y) => x - y);
    expect(maxLens).not.toEqual(sorted);
  });

  it('validates its arguments', () => {
    expect(() => bucketByLength([1, 2], 0, new Rng(0))).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => bucketByLength([1, NaN], 2, new Rng(0))).toThrow(/lengths\[1\] is NaN/);
    expect(bucketByLength([], 4, new Rng(0))).toEqual([]);
  });
});

describe('kFoldIds', () => {
  it('assigns balanced folds deterministically', () => {
    const f = kFoldIds(10662, 10, new Rng(1));
    const sizes = new Array(10).fill(0);
    for (const x of f) sizes[x]++;
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(Array.from(kFoldIds(10662, 10, new Rng(1)))).toEqual(Array.from(f));
    expect(() => kFoldIds(5, 1, new Rng(1))).toThrow(/k must be an integer in \[2, n\]/);
  });
});
