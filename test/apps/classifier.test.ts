// TextClassifier on tiny synthetic data: learning, masking invariance, save/load, metrics,
// cross-validation, tokenizers, pretrained vectors and error messages. Models are tiny so the
// whole file runs in seconds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TextClassifier, classificationReport, crossValidate, formatClassificationReport } from '../../src/index.js';
import type { TextClassifierOptions } from '../../src/index.js';
import { Rng } from '../../src/tensor/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-clf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILLER = ['the', 'movie', 'was', 'a', 'plot', 'and', 'actors', 'it', 'really', 'film', 'story', 'quite', 'this', 'of', 'scenes', 'with', 'some', 'ending'];
const POS = ['good', 'great', 'wonderful', 'superb'];
const NEG = ['bad', 'awful', 'boring', 'terrible'];
const MID = ['okay', 'average', 'mediocre'];

/** Sentences of random filler with one cue word; label = the cue's class. */
function synth(n: number, seed: number, classes: string[][] = [NEG, POS], names = ['neg', 'pos']): { texts: string[]; labels: string[] } {
  const rng = new Rng(seed);
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = rng.int(classes.length);
    const len = 3 + rng.int(10);
    const words = Array.from({ length: len }, () => FILLER[rng.int(FILLER.length)]!);
    words.splice(rng.int(len + 1), 0, classes[c]![rng.int(classes[c]!.length)]!);
    texts.push(words.join(' '));
    labels.push(names[c]!);
  }
  return { texts, labels };
}

const SMALL: TextClassifierOptions = { embeddingDim: 16, units: 12, dropout: 0.1, seed: 1 };

describe('TextClassifier learns', () => {
  const train = synth(240, 1);
  const test = synth(80, 2);

  it('a binary task to high accuracy in a few epochs', async () => {
    const clf = TextClassifier.create(SMALL);
    const epochs: number[] = [];
    const fit = await clf.fit(train.texts, train.labels, { epochs: 8, lr: 1e-2, batchSize: 16, valid: test, onEpoch: (e) => void epochs.push(e.valAccuracy!) });
    expect(fit.epochs.length).toBeGreaterThan(0);
    expect(fit.sentencesPerSecond).toBeGreaterThan(0);
    const r = clf.evaluate(test.texts, test.labels);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(r.classes).toEqual(['neg', 'pos']);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(80);
    const [p] = clf.predict(['what a wonderful film']);
    expect(p!.label).toBe('pos');
    expect(p!.probabilities.pos! + p!.probabilities.neg!).toBeCloseTo(1, 6);
    expect(clf.predict('this was awful')[0]!.label).toBe('neg');
  });

  it('a three-class task (multi-class softmax)', async () => {
    const tr = synth(300, 3, [NEG, MID, POS], ['neg', 'neutral', 'pos']);
    const te = synth(90, 4, [NEG, MID, POS], ['neg', 'neutral', 'pos']);
    const clf = TextClassifier.create({ ...SMALL, cell: 'gru', pooling: 'attention', classes: ['neg', 'neutral', 'pos'] });
    await clf.fit(tr.texts, tr.labels, { epochs: 10, lr: 1e-2, batchSize: 16 });
    const r = clf.evaluate(te.texts, te.labels);
    expect(r.classes).toEqual(['neg', 'neutral', 'pos']);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.perClass).toHaveLength(3);
    expect(clf.predictProbabilities(['an okay film'])[0]).toHaveLength(3);
  });
});

describe('masking: padding never changes a result', () => {
  const data = synth(40, 5);
  const configs: [string, TextClassifierOptions][] = [
    ['BiLSTM max', { pooling: 'max' }],
    ['BiLSTM last', { pooling: 'last' }],
    ['BiGRU mean, 2 layers', { cell: 'gru', pooling: 'mean', numLayers: 2 }],
    ['LSTM attention', { bidirectional: false, pooling: 'attention' }],
    ['GRU last', { bidirectional: false, cell: 'gru', pooling: 'last' }],
  ];
  for (const [name, o] of configs) {
    it(`${name}: a sentence alone and inside a padded batch get identical probabilities`, async () => {
      const clf = TextClassifier.create({ ...SMALL, ...o });
      await clf.fit(data.texts, data.labels, { epochs: 1 });
      const s = 'the plot was good';
      const alone = clf.predictProbabilities([s])[0]!;
      const long = 'the movie was a plot and the actors really the film story quite this of scenes with some ending and the movie';
      const batched = clf.predictProbabilities([long, s, `${long} ${long}`, 'bad'])[1]!;
      expect(batched).toEqual(alone);
    });
  }
});

describe('save and load', () => {
  const data = synth(60, 6);
  for (const tokenizer of ['word', 'char', 'bpe'] as const) {
    it(`round-trips a ${tokenizer} model: identical predictions, classes, tokenizer`, async () => {
      const clf = TextClassifier.create({ ...SMALL, tokenizer, vocabSize: tokenizer === 'bpe' ? 60 : 1000, maxLen: 50 });
      await clf.fit(data.texts, data.labels, { epochs: 1 });
      const path = join(dir, `m-${tokenizer}.safetensors`);
      await clf.save(path);
      const back = await TextClassifier.load(path);
      const texts = ['a good film', 'the ending was boring', 'unseen wörds ünïcode'];
      expect(back.predictProbabilities(texts)).toEqual(clf.predictProbabilities(texts));
      expect(back.classes).toEqual(clf.classes);
      expect(back.tokenize('a good film')).toEqual(clf.tokenize('a good film'));
      expect(back.options).toEqual(clf.options);
      expect(back.training.epochs).toBe(1);
    });
  }

  it('rejects a file that is not a text classifier', async () => {
    const { CharModel } = await import('../../src/index.js');
    const cm = CharModel.create('hello world, hello there', { units: 4, numLayers: 1, embeddingDim: 4 });
    const path = join(dir, 'char.safetensors');
    await cm.save(path);
    await expect(TextClassifier.load(path)).rejects.toThrow(/not a text classifier/);
  });
});

describe('training options', () => {
  it('bucketing by length wastes less padding than random batches', async () => {
    const rng = new Rng(9);
    const texts: string[] = [];
    const labels: string[] = [];
    for (let i = 0; i < 200; i++) {
      const n = 1 + rng.int(40);
      texts.push(Array.from({ length: n }, () => FILLER[rng.int(FILLER.length)]).join(' ') + (i % 2 ? ' good' : ' bad'));
      labels.push(i % 2 ? 'pos' : 'neg');
    }
    const pad = async (bucketing: boolean): Promise<number> => {
      const clf = TextClassifier.create({ ...SMALL, embeddingDim: 4, units: 4 });
      const fit = await clf.fit(texts, labels, { epochs: 1, batchSize: 16, bucketing });
      return fit.epochs[0]!.paddingFraction;
    };
    const withBuckets = await pad(true);
    const without = await pad(false);
    expect(withBuckets).toBeLessThan(0.1);
    expect(without).toBeGreaterThan(0.3);
  });

  it("class weights 'balanced' follow n / (C · n_c)", async () => {
    const texts = ['good', 'good film', 'great', 'bad'];
    const labels = ['pos', 'pos', 'pos', 'neg'];
    const clf = TextClassifier.create({ ...SMALL, classWeights: 'balanced' });
    await clf.fit(texts, labels, { epochs: 1 });
    // 4 / (2 · 1) for neg, 4 / (2 · 3) for pos
    expect((clf as unknown as { weights: number[] }).weights).toEqual([2, 4 / 6]);
  });

  it('early stopping keeps the best epoch and reports it', async () => {
    const tr = synth(100, 7);
    const va = synth(40, 8);
    const clf = TextClassifier.create(SMALL);
    const fit = await clf.fit(tr.texts, tr.labels, { epochs: 30, lr: 2e-2, valid: va, earlyStopping: { patience: 2 } });
    const best = fit.epochs.find((e) => e.epoch === fit.bestEpoch)!;
    expect(best.best).toBe(true);
    expect(Math.max(...fit.epochs.map((e) => e.valAccuracy!))).toBe(best.valAccuracy);
    expect(clf.evaluate(va.texts, va.labels).accuracy).toBeCloseTo(best.valAccuracy!, 10);
    if (fit.stopReason === 'earlyStopping') expect(fit.epochs.length).toBe(fit.bestEpoch! + 2);
  });

  it('validFraction holds out part of the training data', async () => {
    const tr = synth(100, 10);
    const fit = await TextClassifier.create(SMALL).fit(tr.texts, tr.labels, { epochs: 1, validFraction: 0.2 });
    expect(fit.trainSize).toBe(80);
    expect(fit.validSize).toBe(20);
    expect(fit.epochs[0]!.valAccuracy).not.toBeNull();
  });

  it('an abort signal stops training after the current batch', async () => {
    const tr = synth(200, 11);
    const ac = new AbortController();
    const fit = await TextClassifier.create(SMALL).fit(tr.texts, tr.labels, {
      epochs: 50,
      batchSize: 8,
      signal: ac.signal,
      onEpoch: (e) => {
        if (e.epoch === 2) ac.abort();
      },
    });
    expect(fit.stopReason).toBe('aborted');
    expect(fit.epochs.length).toBe(2);
  });

  it('long texts are truncated to maxLen, keeping start and end', async () => {
    const clf = TextClassifier.create({ ...SMALL, maxLen: 4 });
    await clf.fit(['a b c d e f g h', 'x y'], ['p', 'q'], { epochs: 1 });
    const v = clf.vocabulary!;
    expect(v.decode(clf.encode(['a b c d e f g h'])[0]!)).toEqual(['a', 'b', 'g', 'h']);
    expect(clf.encode([''])[0]).toEqual(Int32Array.of(v.unkId));
  });
});

describe('pretrained embeddings', () => {
  const words = ['good', 'bad', 'film', 'the'];
  const E = 3;
  const vectors = new Float32Array(words.length * E).map((_, i) => (i % 7) / 10 - 0.3);

  it('copies the vectors of known words; frozen vectors do not change in training', async () => {
    const data = synth(60, 12);
    const clf = TextClassifier.create({ ...SMALL, pretrained: { vectors: { words, vectors }, freeze: true } });
    await clf.fit(data.texts, data.labels, { epochs: 2 });
    const v = clf.vocabulary!;
    const table = clf.model!.namedParameters().find(([n]) => n === 'embedding.weight')![1].data;
    expect(table.length).toBe(v.size * E);
    const g = v.idOf('good');
    expect(Array.from(table.subarray(g * E, (g + 1) * E))).toEqual(Array.from(vectors.subarray(0, E)));
    expect(clf.pretrainedCoverage).toBeGreaterThan(0);
    expect(clf.pretrainedCoverage).toBeLessThan(1);
  });

  it('reads a word2vec text file', async () => {
    const path = join(dir, 'vec.txt');
    writeFileSync(path, `${words.length} ${E}\n` + words.map((w, i) => `${w} ${Array.from(vectors.subarray(i * E, (i + 1) * E)).join(' ')}`).join('\n') + '\n');
    const data = synth(40, 13);
    const clf = TextClassifier.create({ ...SMALL, pretrained: { path } });
    await clf.fit(data.texts, data.labels, { epochs: 1 });
    expect(clf.model!.namedParameters().find(([n]) => n === 'embedding.weight')![1].shape).toEqual([clf.vocabulary!.size, E]);
  });
});

describe('cross-validation', () => {
  it('trains one model per fold and averages the fold accuracies', async () => {
    const data = synth(90, 14);
    const seen: number[] = [];
    const cv = await crossValidate(data.texts, data.labels, 3, 1, {
      model: SMALL,
      fit: { epochs: 10, lr: 1e-2, batchSize: 16 },
      validFraction: 0,
      onFold: (f) => void seen.push(f.testSize),
    });
    expect(cv.folds).toHaveLength(3);
    expect(seen).toEqual([30, 30, 30]);
    expect(cv.meanAccuracy).toBeCloseTo(cv.folds.reduce((s, f) => s + f.accuracy, 0) / 3, 12);
    expect(cv.meanAccuracy).toBeGreaterThan(0.6);
  });
});

describe('metrics', () => {
  it('classificationReport matches hand-computed values', () => {
    // true: a a a b b c ; pred: a a b b c c
    const r = classificationReport([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], ['a', 'b', 'c']);
    expect(r.accuracy).toBeCloseTo(4 / 6, 12);
    expect(r.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(r.perClass[0]).toMatchObject({ label: 'a', precision: 1, recall: 2 / 3, support: 3 });
    expect(r.perClass[1]!.precision).toBeCloseTo(0.5, 12);
    expect(r.perClass[2]!.f1).toBeCloseTo(2 / 3, 12);
    expect(r.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    const text = formatClassificationReport(r);
    expect(text).toContain('accuracy  66.67 %');
    expect(text).toContain('confusion matrix');
  });
});

describe('errors', () => {
  it('explain what is wrong', async () => {
    const clf = TextClassifier.create(SMALL);
    expect(() => clf.predict(['x'])).toThrow(/not trained yet/);
    await expect(clf.fit(['a', 'b'], ['x'])).rejects.toThrow(/2 texts but 1 labels/);
    await expect(clf.fit(['a', 'b'], ['x', 'x'])).rejects.toThrow(/only one class/);
    await expect(clf.fit([], [])).rejects.toThrow(/empty/);
    await expect(clf.fit(['a', 3 as unknown as string], ['x', 'y'])).rejects.toThrow(/texts\[1\] is number/);
    await clf.fit(['good', 'bad'], ['pos', 'neg'], { epochs: 1 });
    expect(() => clf.evaluate(['good'], ['neutral'])).toThrow(/labels\[0\] is "neutral", a class the classifier does not know; its classes are "neg", "pos"/);
    expect(() => TextClassifier.create({ pooling: 'sum' as 'max' })).toThrow(/pooling must be/);
    expect(() => TextClassifier.create({ dropout: 1 })).toThrow(/dropout must be in/);
  });
});
