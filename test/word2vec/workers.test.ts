/**
 * Hogwild training on worker threads. Worker scripts must be JavaScript, so this runs the compiled
 * package in dist/ (`npm run build` first) and is skipped, saying why, when dist/ is missing or
 * older than the word2vec sources.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { toyCorpus, writeCorpus } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const distTrain = join(root, 'dist/word2vec/train.js');
const distWorker = join(root, 'dist/word2vec/worker.js');
const sources = ['src/word2vec/train.ts', 'src/word2vec/worker.ts', 'src/word2vec/trainer.ts', 'src/word2vec/corpus.ts', 'src/kernels/ref/w2v.ts'];

function skipReason(): string | null {
  if (!existsSync(distTrain) || !existsSync(distWorker)) return 'dist/word2vec is missing: run `npm run build`';
  const built = Math.min(statSync(distTrain).mtimeMs, statSync(distWorker).mtimeMs);
  const stale = sources.filter((s) => statSync(join(root, s)).mtimeMs > built);
  return stale.length > 0 ? `dist/ is older than ${stale.join(', ')}: run \`npm run build\`` : null;
}

const reason = skipReason();
const title = (t: string): string => (reason === null ? t : `${t} (skipped: ${reason})`);

type DistModule = typeof import('../../src/word2vec/train.js');

describe('workers > 1 (compiled package)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'w2v-workers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const corpus = toyCorpus(6000, 4);
  const file = writeCorpus(join(dir, 'toy.txt'), corpus);
  const tokens = corpus.flat().length;

  it.skipIf(reason !== null)(title('two threads read disjoint byte ranges covering every word, every epoch, and learn'), async () => {
    const { Word2Vec } = (await import(distTrain)) as DistModule;
    const progress: number[] = [];
    const model = new Word2Vec({ sg: true, vectorSize: 24, minCount: 1, sample: 0, epochs: 3, workers: 2, seed: 3 });
    await model.buildVocab(file);
    const rep = await model.train(file, { onProgress: (p) => progress.push(p.progress), progressInterval: 5 });
    expect(rep.workers).toBe(2);
    expect(rep.epochs.map((e) => e.words)).toEqual([tokens, tokens, tokens]);
    expect(rep.epochs[2]!.loss).toBeLessThan(rep.epochs[0]!.loss);
    expect(progress.length).toBeGreaterThan(0);
    const kv = model.wv;
    // Toy grammar: numbers share contexts with numbers, cities with cities.
    const numbers = ['two', 'three', 'four', 'five', 'six', 'seven'];
    expect(kv.mostSimilar('three', [], 3).every(([w]) => numbers.includes(w))).toBe(true);
  });

  it.skipIf(reason !== null)(title('abort stops every thread'), async () => {
    const { Word2Vec } = (await import(distTrain)) as DistModule;
    const model = new Word2Vec({ sg: true, vectorSize: 24, minCount: 1, epochs: 1000, workers: 2 });
    await model.buildVocab(file);
    const ctl = new AbortController();
    const p = model.train(file, { onEpochEnd: (e) => e.epoch === 2 && ctl.abort(new Error('stop now')), signal: ctl.signal });
    await expect(p).rejects.toThrow('stop now');
  });
});
