/**
 * Statistical quality on a prefix of the offline English corpus (gensim's style of test: a known
 * neighbour must rank in the top N). The corpus interleaves its sources in 1000-word chunks, so a
 * prefix is representative. Runs are seeded and single-threaded, hence deterministic; thresholds
 * leave room for harmless numeric changes (calibrated on seeds 1, 2, 7: 'four' was first for
 * 'three' every time, and months filled most of the top 8 for 'january').
 * About 10 s of CPU.
 */
import { describe, expect, it } from 'vitest';
import type { KeyedVectors } from '../../src/word2vec/keyed_vectors.js';
import { Word2Vec } from '../../src/word2vec/train.js';
import { offlineCorpusSlice } from './helpers.js';

const MONTHS = ['february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

function rankOf(kv: KeyedVectors, word: string, neighbour: string, topn: number): number {
  return kv.mostSimilar(word, [], topn).findIndex(([w]) => w === neighbour);
}

const cbowSlice = offlineCorpusSlice(5_650_000); // ≈ 1 M tokens
const sgSlice = offlineCorpusSlice(2_900_000); // ≈ 0.5 M tokens

describe('word2vec quality on the offline corpus', () => {
  it.skipIf('skip' in cbowSlice)(`CBOW, 1 M tokens, 3 epochs: related words are neighbours${'skip' in cbowSlice ? ` (skipped: ${cbowSlice.skip})` : ''}`, async () => {
    const losses: number[] = [];
    const kv = await Word2Vec.train((cbowSlice as { path: string }).path, {
      sg: false, vectorSize: 50, window: 5, negative: 5, sample: 1e-3, minCount: 5, epochs: 3, seed: 1, workers: 1,
      onEpochEnd: (e) => losses.push(e.loss),
    });
    expect(kv.size).toBeGreaterThan(10000);
    expect(losses[2]).toBeLessThan(losses[0]!);
    expect(rankOf(kv, 'three', 'four', 3)).toBeGreaterThanOrEqual(0);
    const near = kv.mostSimilar('january', [], 8).filter(([w]) => MONTHS.includes(w));
    expect(near.length).toBeGreaterThanOrEqual(3);
    expect(kv.similarity('father', 'brother')).toBeGreaterThan(kv.similarity('father', 'january'));
  });

  it.skipIf('skip' in sgSlice)(`skip-gram, 0.5 M tokens, 1 epoch: related words are neighbours${'skip' in sgSlice ? ` (skipped: ${sgSlice.skip})` : ''}`, async () => {
    const kv = await Word2Vec.train((sgSlice as { path: string }).path, {
      sg: true, vectorSize: 50, window: 5, negative: 5, sample: 1e-3, minCount: 5, epochs: 1, alpha: 0.05, seed: 1, workers: 1,
    });
    expect(rankOf(kv, 'three', 'four', 3)).toBeGreaterThanOrEqual(0);
    expect(kv.mostSimilar('january', [], 5).some(([w]) => MONTHS.includes(w))).toBe(true);
  });
});
