/**
 * The built-in callbacks and metrics as `fit` drives them: ProgressBar (JSON lines, plain lines,
 * TTY bar), CSVLogger, ModelCheckpoint, EarlyStopping's monitor handling, and the accuracy /
 * top-k metrics against a direct computation from `predict`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Dense } from '../../src/nn/layers.js';
import { SGD } from '../../src/nn/optimizers.js';
import { GRU } from '../../src/nn/recurrent.js';
import { Rng } from '../../src/tensor/rng.js';
import { CSVLogger, EarlyStopping, ModelCheckpoint } from '../../src/train/callbacks.js';
import { Sequential } from '../../src/train/model.js';
import { ProgressBar } from '../../src/train/progress.js';
import { loadModel } from '../../src/train/serialize.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recurrent-callbacks-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

type Arr = { data: Float32Array; shape: number[] };

function data(N: number, C: number, seed: number): { x: Arr; y: Arr } {
  const r = new Rng(seed);
  const x = new Float32Array(N * 3).map(() => r.uniform(-1, 1));
  const y = new Float32Array(N).map(() => r.int(C));
  return { x: { data: x, shape: [N, 3, 1] }, y: { data: y, shape: [N] } };
}

function model(C = 2, seed = 1): Sequential {
  const m = new Sequential([new GRU({ units: 4, inputShape: [null, 1] }), new Dense({ units: C })], { seed, name: 'cbmodel' });
  m.build([[null, null, 1]]);
  return m;
}

const base = {
  loss: 'crossEntropy' as const,
  batchSize: 4,
  verbose: 0 as const,
  /** A fresh optimizer per fit (spreading `base` calls the getter). */
  get optimizer(): SGD {
    return new SGD({ lr: 0.1 });
  },
};

describe('ProgressBar', () => {
  const run = async (mode: 'json' | 'text' | 'tty'): Promise<string> => {
    let out = '';
    const stream = { write: (s: string) => void (out += s), isTTY: mode === 'tty' };
    const { x, y } = data(16, 2, 1);
    await model().fit(x, y, { ...base, epochs: 2, metrics: ['accuracy'], validationSplit: 0.25, callbacks: [new ProgressBar({ stream, json: mode === 'json' }), new EarlyStopping({ monitor: 'loss', patience: 5 })] });
    return out;
  };

  it('json: one JSON object per epoch with every logged value', async () => {
    const lines = (await run('json')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    lines.forEach((l, i) => {
      expect(l.event).toBe('epoch');
      expect(l.epoch).toBe(i + 1);
      expect(l.epochs).toBe(2);
      for (const k of ['seconds', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']) expect(typeof l[k], k).toBe('number');
    });
  });

  it('text (not a TTY): one summary line per epoch, no carriage returns', async () => {
    const out = await run('text');
    expect(out).not.toContain('\r');
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^epoch 1\/2 {2}\d+:\d\d {2}loss \d\.\d{4} {2}accuracy \d\.\d{4} {2}val_loss \d\.\d{4} {2}val_accuracy \d\.\d{4}$/);
  });

  it('TTY: a redrawn bar with step counts, then the epoch summary on its own line', async () => {
    const out = await run('tty');
    expect(out).toContain('\r\x1b[Kepoch 1/2 [');
    expect(out).toMatch(/ 3\/3 eta \d+:\d\d {2}loss /); // the last step is always drawn
    expect(out.endsWith('\n')).toBe(true);
    expect(out.split('\n').filter((l) => l.includes('val_loss'))).toHaveLength(2);
  });

  it("verbose 'json' writes JSON lines to stderr; verbose 0 writes nothing", async () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      writes.push(String(s));
      return true;
    });
    const { x, y } = data(8, 2, 2);
    await model().fit(x, y, { ...base, epochs: 2, verbose: 'json' });
    const events = writes.join('').trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(['epoch', 'epoch']);
    writes.length = 0;
    await model().fit(x, y, { ...base, epochs: 1, verbose: 0 });
    expect(writes).toEqual([]);
  });

  it('prints why training stopped', async () => {
    let out = '';
    const { x, y } = data(8, 2, 3);
    const ac = new AbortController();
    await model().fit(x, y, { ...base, epochs: 3, signal: ac.signal, callbacks: [new ProgressBar({ stream: { write: (s: string) => void (out += s) } }), { onBatchEnd: () => ac.abort() }] });
    expect(out).toBe('aborted\n');
  });
});

describe('CSVLogger', () => {
  it('writes a header and one row per epoch (csv), or one JSON object per line (jsonl)', async () => {
    const { x, y } = data(12, 2, 4);
    const csv = join(dir, 'log.csv');
    const jsonl = join(dir, 'log.jsonl');
    const h = await model().fit(x, y, { ...base, epochs: 3, metrics: ['accuracy'], callbacks: [new CSVLogger({ path: csv }), new CSVLogger({ path: jsonl, format: 'jsonl' })] });
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('epoch,loss,accuracy,lr');
    expect(rows.slice(1).map((r) => r.split(',').map(Number))).toEqual([0, 1, 2].map((e) => [e + 1, h.history.loss![e], h.history.accuracy![e], 0.1]));
    const objs = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(objs.map((o) => o.loss)).toEqual(h.history.loss);
    expect(objs.map((o) => o.epoch)).toEqual([1, 2, 3]);
  });

  it('truncates by default and appends with append: true', async () => {
    const { x, y } = data(8, 2, 5);
    const csv = join(dir, 'log.csv');
    const m = model();
    await m.fit(x, y, { ...base, epochs: 2, callbacks: [new CSVLogger({ path: csv })] });
    await m.fit(x, y, { ...base, epochs: 1, callbacks: [new CSVLogger({ path: csv })] });
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(2);
    await m.fit(x, y, { ...base, epochs: 1, callbacks: [new CSVLogger({ path: csv, append: true })] });
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(4);
  });
});

describe('ModelCheckpoint', () => {
  it('expands {epoch} and, with saveBestOnly, writes only on improvement of the monitored value', async () => {
    const { x, y } = data(12, 2, 6);
    const every = new ModelCheckpoint({ path: join(dir, 'every-{epoch}.safetensors') });
    // A scripted score makes "improvement" deterministic: epochs 1, 2 and 4 improve.
    const scores = [5, 4, 4.5, 3];
    const scorer = { onEpochEnd: (e: number, logs: Record<string, number>) => void (logs.score = scores[e]!) };
    const best = new ModelCheckpoint({ path: join(dir, 'best-{epoch}.safetensors'), saveBestOnly: true, monitor: 'score', mode: 'min', saveOptimizer: false });
    const m = model();
    await m.fit(x, y, { ...base, epochs: 4, callbacks: [scorer, every, best] });
    expect(every.written).toEqual([1, 2, 3, 4].map((e) => join(dir, `every-${e}.safetensors`)));
    expect(best.written).toEqual([1, 2, 4].map((e) => join(dir, `best-${e}.safetensors`)));
    expect(existsSync(join(dir, 'every-4.optim.safetensors'))).toBe(true);
    expect(existsSync(join(dir, 'best-4.optim.safetensors'))).toBe(false);
    const last = await loadModel(join(dir, 'best-4.safetensors'));
    expect(last.predict(x)).toEqual(m.predict(x));
  });

  it('needs a path', () => {
    expect(() => new ModelCheckpoint({} as never)).toThrow('ModelCheckpoint: path is required');
  });
});

describe('EarlyStopping monitor', () => {
  it("watches val_loss by default, falling back to loss without validation data; 'auto' maximizes accuracies", async () => {
    const { x, y } = data(12, 2, 7);
    const es = new EarlyStopping({ patience: 100 });
    await model().fit(x, y, { ...base, epochs: 2, callbacks: [es] });
    expect(es.bestEpoch).toBeGreaterThanOrEqual(0);
    // val_accuracy in auto mode is maximized: a scripted accuracy that falls stops training.
    const accs = [0.9, 0.5, 0.4];
    const fake = { onEpochEnd: (e: number, logs: Record<string, number>) => void (logs.val_accuracy = accs[e]!) };
    const es2 = new EarlyStopping({ monitor: 'val_accuracy', patience: 1 });
    const h = await model().fit(x, y, { ...base, epochs: 3, callbacks: [fake, es2] });
    expect(es2.bestEpoch).toBe(0);
    expect(h.epochs).toEqual([0, 1, 2]);
    expect(h.stopReason).toMatch(/^early stopping: val_accuracy did not improve for 2 epoch\(s\)/);
  });

  it('a monitored value that is never logged is an error naming what is available', async () => {
    const { x, y } = data(8, 2, 8);
    await expect(model().fit(x, y, { ...base, epochs: 1, callbacks: [new EarlyStopping({ monitor: 'val_acc' })] })).rejects.toThrow("EarlyStopping: monitored value 'val_acc' is not logged; available: loss, lr");
  });
});

describe('metrics agree with predictions', () => {
  it('accuracy and top-k from evaluate equal argmax / rank counts on predict()', () => {
    const C = 5;
    const { x, y } = data(40, C, 9);
    const m = model(C, 10);
    const ev = m.evaluate(x, y, { loss: 'crossEntropy', metrics: ['accuracy', 'top2'], batchSize: 7 });
    const p = m.predict(x) as number[][];
    let hit1 = 0;
    let hit2 = 0;
    p.forEach((row, n) => {
      const t = y.data[n]!;
      const above = row.filter((v) => v > row[t]!).length;
      if (above === 0) hit1++;
      if (above < 2) hit2++;
    });
    expect(ev.accuracy).toBe(hit1 / 40);
    expect(ev.top2).toBe(hit2 / 40);
    expect(ev.top2!).toBeGreaterThanOrEqual(ev.accuracy!);
  });
});
