import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CharModel } from '../../src/apps/char_model.js';
import { Dense, LSTM, Sequential, saveModel } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-charmodel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TEXT = 'the cat sat on the mat. '.repeat(40);
const tiny = { units: 16, numLayers: 1, embeddingDim: 8, seed: 3 };

describe('CharModel', () => {
  it('builds a sorted vocabulary of code points, and encodes by code point', () => {
    const cm = CharModel.create('héllo 👋 wörld', tiny);
    expect(cm.vocab).toEqual([...new Set('héllo 👋 wörld')].sort());
    expect(cm.vocab).toContain('👋');
    expect(cm.encode('👋h').length).toBe(2);
    expect(() => cm.encode('world!')).toThrow(/1 character the model's vocabulary lacks \("!"; first at offset 5\)/);
  });

  it('validates its options', () => {
    expect(() => CharModel.create('a')).toThrow(/at least 2 characters/);
    expect(() => CharModel.create(TEXT, { units: 0 })).toThrow(/units must be a positive whole number/);
    expect(() => CharModel.create(TEXT, { cell: 'rnn' as 'lstm' })).toThrow(/cell must be 'lstm' or 'gru'/);
  });

  it('lowers the loss on a tiny repetitive text', async () => {
    const cm = CharModel.create(TEXT, tiny);
    const before = cm.evaluate(TEXT, { seqLen: 24 });
    expect(before).toBeGreaterThan(0.8 * Math.log(cm.vocab.length));
    const reports: number[] = [];
    const res = await cm.train(TEXT, { seqLen: 24, batchSize: 8, lr: 1e-2, stepsPerRound: 25, rounds: 4, validText: TEXT.slice(0, 200), onRound: (r) => void reports.push(r.loss) });
    expect(res.stopReason).toBe('rounds');
    expect(res.steps).toBe(100);
    expect(res.valLoss).not.toBeNull();
    expect(reports).toHaveLength(4);
    expect(reports[3]!).toBeLessThan(reports[0]!);
    const after = cm.evaluate(TEXT, { seqLen: 24 });
    expect(after).toBeLessThan(0.5 * before);
    expect(cm.stats).toEqual({ steps: 100, chars: 100 * 8 * 24, seqLen: 24 });
  });

  it('samples deterministically at temperature 0, whatever the seed', () => {
    const cm = CharModel.create(TEXT, tiny);
    const a = cm.sample('the ', 40, { temperature: 0, seed: 1 });
    const b = cm.sample('the ', 40, { temperature: 0, seed: 99 });
    expect(a).toBe(b);
    expect([...a]).toHaveLength(40);
    // At temperature > 0 the seed decides.
    expect(cm.sample('the ', 40, { temperature: 1, seed: 5 })).toBe(cm.sample('the ', 40, { temperature: 1, seed: 5 }));
    expect(() => cm.sample('the ', 5, { temperature: -1 })).toThrow(/temperature must be ≥ 0/);
  });

  it('saves and loads: identical weights, vocabulary, stats and samples for the same seed', async () => {
    const cm = CharModel.create(TEXT + '\n', { ...tiny, cell: 'gru', numLayers: 2 });
    await cm.train(TEXT, { seqLen: 16, batchSize: 4, stepsPerRound: 5, rounds: 1 });
    const path = join(dir, 'cm.safetensors');
    await cm.save(path);
    const back = await CharModel.load(path);
    expect(back.vocab).toEqual(cm.vocab);
    expect(back.options).toEqual(cm.options);
    expect(back.stats).toEqual(cm.stats);
    for (const [name, t] of Object.entries(cm.model.stateDict())) expect(back.model.stateDict()[name]!.data).toEqual(t.data);
    expect(back.sample('the', 60, { temperature: 0.8, seed: 11 })).toBe(cm.sample('the', 60, { temperature: 0.8, seed: 11 }));
    expect(back.evaluate(TEXT)).toBe(cm.evaluate(TEXT));
  });

  it('refuses a model file that is not a char model', async () => {
    const m = new Sequential([new LSTM({ units: 4, inputShape: [null, 3] }), new Dense({ units: 2 })]);
    const path = join(dir, 'plain.safetensors');
    await saveModel(m, path);
    await expect(CharModel.load(path)).rejects.toThrow(/not a char model/);
  });

  it('evaluates a spread subset with maxChars, the same subset every time', () => {
    const cm = CharModel.create(TEXT, tiny);
    const a = cm.evaluate(TEXT, { seqLen: 10, maxChars: 100 });
    expect(cm.evaluate(TEXT, { seqLen: 10, maxChars: 100 })).toBe(a);
    expect(Number.isFinite(a)).toBe(true);
    // Shorter than one window: one window of the whole text.
    expect(Number.isFinite(cm.evaluate('the cat', { seqLen: 64 }))).toBe(true);
    expect(() => cm.evaluate('t')).toThrow(/at least 2 characters/);
  });

  it('stops on maxSteps and on a time budget with time-based rounds', async () => {
    const cm = CharModel.create(TEXT, tiny);
    const r1 = await cm.train(TEXT, { seqLen: 16, batchSize: 4, maxSteps: 7, stepsPerRound: 3 });
    expect(r1).toMatchObject({ steps: 7, rounds: 3, stopReason: 'steps' });
    const t0 = performance.now();
    const rounds: number[] = [];
    const r2 = await cm.train(TEXT, { seqLen: 16, batchSize: 4, timeBudgetSeconds: 1.2, roundSeconds: 0.4, stepsPerRound: 1e9, onRound: (r) => void rounds.push(r.seconds) });
    const took = (performance.now() - t0) / 1000;
    expect(r2.stopReason).toBe('time');
    expect(rounds.length).toBeGreaterThanOrEqual(2);
    expect(took).toBeGreaterThan(1.0);
    expect(took).toBeLessThan(3);
  });

  it('stops when the signal aborts', async () => {
    const cm = CharModel.create(TEXT, tiny);
    const ac = new AbortController();
    const r = await cm.train(TEXT, { seqLen: 16, batchSize: 4, stepsPerRound: 2, rounds: 100, signal: ac.signal, onRound: (x) => void (x.round === 1 && ac.abort()) });
    expect(r.stopReason).toBe('aborted');
    expect(r.rounds).toBe(2);
  });

  it('rejects a training text shorter than one window', async () => {
    const cm = CharModel.create(TEXT, tiny);
    await expect(cm.train('the cat', { seqLen: 64 })).rejects.toThrow(/fewer than one window/);
  });
});
