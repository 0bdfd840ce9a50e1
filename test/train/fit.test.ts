/**
 * `fit` / `evaluate` / `predict` behaviour: learning, validation, determinism, shuffling,
 * multi-output models, callbacks, schedules, clipping, abort, event-loop yielding, non-finite
 * detection, masking and the error messages of the public entries. Models are tiny (a GRU or
 * LSTM with ≤ 8 units on ≤ 128 rows), so the whole file runs in a few seconds.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Input } from '../../src/nn/layer.js';
import type { SymbolicTensor } from '../../src/nn/layer.js';
import { Dense, Dropout, Embedding } from '../../src/nn/layers.js';
import { Adam, SGD } from '../../src/nn/optimizers.js';
import { GRU, LSTM } from '../../src/nn/recurrent.js';
import { ExponentialLR, ReduceLROnPlateau, StepLR } from '../../src/nn/schedules.js';
import { Rng } from '../../src/tensor/rng.js';
import { EarlyStopping } from '../../src/train/callbacks.js';
import type { Callback } from '../../src/train/callbacks.js';
import { NonFiniteError } from '../../src/train/fit.js';
import type { Metric } from '../../src/train/metrics.js';
import { BaseModel, Model, Sequential } from '../../src/train/model.js';

type Arr = { data: Float32Array; shape: number[] };

/** x (N, T, 1) uniform in [−1, 1); y = 1 if the sequence sums to > 0 else 0. */
function sumSign(N: number, T: number, seed: number): { x: Arr; y: Arr } {
  const r = new Rng(seed);
  const x = new Float32Array(N * T);
  const y = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += x[n * T + t] = r.uniform(-1, 1);
    y[n] = s > 0 ? 1 : 0;
  }
  return { x: { data: x, shape: [N, T, 1] }, y: { data: y, shape: [N] } };
}

function rows(a: Arr, start: number, end: number): Arr {
  const row = a.data.length / a.shape[0]!;
  return { data: a.data.slice(start * row, end * row), shape: [end - start, ...a.shape.slice(1)] };
}

/** GRU(8) → [Dropout] → Dense(2) over (N, T, 1), built (so its parameters exist). */
function gruClassifier(seed = 1, opts: { dropout?: number } = {}): Sequential {
  const layers = [new GRU({ units: 8, inputShape: [null, 1] }), ...(opts.dropout ? [new Dropout({ rate: opts.dropout })] : []), new Dense({ units: 2 })];
  const m = new Sequential(layers, { seed });
  m.build([[null, null, 1]]);
  return m;
}

/** Parameter values in model order (layer names differ between instances). */
function weights(m: BaseModel): Float32Array[] {
  return m.parameters().map((p) => Float32Array.from(p.data));
}

function bitsEqual(a: Float32Array[], b: Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => x.length === b[i]!.length && Buffer.from(x.buffer).equals(Buffer.from(b[i]!.buffer)));
}

function allFinite(m: BaseModel): boolean {
  return m.parameters().every((p) => p.data.every((v) => Number.isFinite(v)));
}

const quiet = { verbose: 0 as const };

describe('fit learns', () => {
  it('loss falls and accuracy rises on the sequence-sum-sign task (GRU)', async () => {
    const { x, y } = sumSign(96, 8, 1);
    const model = gruClassifier(3);
    const h = await model.fit(x, y, { loss: 'crossEntropy', optimizer: new Adam({ lr: 0.03 }), epochs: 8, batchSize: 16, metrics: ['accuracy'], ...quiet });
    const loss = h.history.loss!;
    const acc = h.history.accuracy!;
    expect(h.epochs).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(h.stopReason).toBeNull();
    expect(loss).toHaveLength(8);
    expect(acc).toHaveLength(8);
    expect(loss[7]!).toBeLessThan(0.6 * loss[0]!);
    expect(acc[7]!).toBeGreaterThan(acc[0]!);
    expect(acc[7]!).toBeGreaterThan(0.85);
    expect(h.history.lr).toEqual(Array(8).fill(0.03));
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'lr']);
  });
});

describe('validation', () => {
  it('validationSplit holds out the last rows and logs val_loss / val_accuracy; evaluate() on them agrees', async () => {
    const { x, y } = sumSign(80, 6, 2);
    const model = gruClassifier(4);
    // A metric that records how many rows it sees per training batch (shared by train and val).
    let trainRows = 0;
    let counting = true;
    const rowCounter: Metric = {
      name: 'rows',
      reset() {},
      update(_p, shape) {
        if (counting) trainRows += shape[0]!;
      },
      result: () => 0,
    };
    // Validation runs after the last batch of an epoch: stop counting there, resume next epoch.
    const cb: Callback = {
      onEpochBegin: () => void (counting = true),
      onBatchEnd: (s, _l, ctx) => void (s === ctx.stepsPerEpoch - 1 && (counting = false)),
    };
    const h = await model.fit(x, y, { loss: 'crossEntropy', optimizer: new Adam({ lr: 0.02 }), epochs: 3, batchSize: 16, validationSplit: 0.25, metrics: ['accuracy', rowCounter], callbacks: [cb], ...quiet });
    expect(trainRows).toBe(3 * 60); // 80 − floor(80·0.25) rows per epoch
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
      expect(h.history[k], k).toHaveLength(3);
      expect(h.history[k]!.every(Number.isFinite), k).toBe(true);
    }
    const ev = model.evaluate(rows(x, 60, 80), rows(y, 60, 80), { loss: 'crossEntropy', metrics: ['accuracy'], batchSize: 16 });
    // Same weights, same rows, same batches: bit-identical.
    expect(ev.loss).toBe(h.history.val_loss![2]);
    expect(ev.accuracy).toBe(h.history.val_accuracy![2]);
  });

  it('validationData logs val_* and evaluate() agrees (exactly with the same batch size, to rounding otherwise)', async () => {
    const train = sumSign(64, 6, 3);
    const val = sumSign(24, 6, 4);
    const model = gruClassifier(5);
    const h = await model.fit(train.x, train.y, { loss: 'crossEntropy', optimizer: new Adam({ lr: 0.02 }), epochs: 3, batchSize: 16, validationData: [val.x, val.y], metrics: ['accuracy'], ...quiet });
    expect(h.history.val_loss).toHaveLength(3);
    expect(h.history.val_accuracy).toHaveLength(3);
    const same = model.evaluate(val.x, val.y, { loss: 'crossEntropy', metrics: ['accuracy'], batchSize: 16 });
    expect(same.loss).toBe(h.history.val_loss![2]);
    expect(same.accuracy).toBe(h.history.val_accuracy![2]);
    const whole = model.evaluate(val.x, val.y, { loss: 'crossEntropy', metrics: ['accuracy'], batchSize: 24 });
    expect(whole.loss).toBeCloseTo(h.history.val_loss![2]!, 6);
    expect(whole.accuracy).toBe(h.history.val_accuracy![2]);
  });
});

describe('predict', () => {
  it('returns nested arrays shaped (N, C) or (N, T, V), equal to predictArrays and independent of batch size', () => {
    const { x } = sumSign(5, 4, 5);
    const clf = gruClassifier(6);
    const p = clf.predict(x) as number[][];
    expect(p).toHaveLength(5);
    for (const r of p) {
      expect(r).toHaveLength(2);
      for (const v of r) expect(typeof v).toBe('number');
    }
    const flat = clf.predictArrays(x)[0]!;
    expect(flat.shape).toEqual([5, 2]);
    expect(Float32Array.from(p.flat())).toEqual(flat.data);
    expect(clf.predict(x, { batchSize: 2 })).toEqual(p);

    const lm = new Sequential([new Embedding({ inputDim: 7, outputDim: 4 }), new LSTM({ units: 5, returnSequences: true }), new Dense({ units: 7 })], { seed: 2 });
    const ids = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const q = lm.predict(ids) as number[][][];
    expect(q).toHaveLength(2);
    for (const r of q) {
      expect(r).toHaveLength(3);
      for (const s of r) expect(s).toHaveLength(7);
    }
  });
});

describe('determinism', () => {
  const train = async (modelSeed: number, fitSeed: number): Promise<{ w: Float32Array[]; loss: number[] }> => {
    const { x, y } = sumSign(48, 5, 6);
    const m = gruClassifier(modelSeed, { dropout: 0.3 });
    const h = await m.fit(x, y, { loss: 'crossEntropy', optimizer: new Adam({ lr: 0.01 }), epochs: 2, batchSize: 8, seed: fitSeed, ...quiet });
    return { w: weights(m), loss: h.history.loss! };
  };

  it('the same seeds give bit-identical weights and losses (dropout and shuffling included)', async () => {
    const a = await train(7, 11);
    const b = await train(7, 11);
    expect(bitsEqual(a.w, b.w)).toBe(true);
    expect(b.loss).toEqual(a.loss);
  });

  it('a different fit seed (shuffle + dropout) or model seed (init) gives different weights', async () => {
    const a = await train(7, 11);
    const c = await train(7, 12);
    const d = await train(8, 11);
    expect(bitsEqual(a.w, c.w)).toBe(false);
    expect(bitsEqual(a.w, d.w)).toBe(false);
    expect(bitsEqual(weights(gruClassifier(7)), weights(gruClassifier(8)))).toBe(false);
  });
});

describe('shuffle', () => {
  /** Trains y = row index regression and records the target rows of every training batch. */
  const batchOrders = async (shuffle: boolean, seed: number, validationSplit?: number): Promise<number[][]> => {
    const N = 20;
    const x = { data: new Float32Array(N * 3).map((_, i) => (i % 7) / 7), shape: [N, 3, 1] };
    const y = { data: Float32Array.from({ length: N }, (_, i) => i), shape: [N, 1] };
    const seen: number[] = [];
    const epochs: number[][] = [];
    const recorder: Metric = {
      name: 'rec',
      reset() {},
      update: (_p, _s, target) => void seen.push(...target),
      result: () => 0,
    };
    const cb: Callback = {
      onEpochBegin: () => void (seen.length = 0),
      onBatchEnd: (s, _l, ctx) => void (s === ctx.stepsPerEpoch - 1 && epochs.push([...seen])),
    };
    const m = new Sequential([new GRU({ units: 3, inputShape: [null, 1] }), new Dense({ units: 1 })], { seed: 1 });
    await m.fit(x, y, { loss: 'mse', optimizer: new SGD({ lr: 1e-3 }), epochs: 3, batchSize: 6, shuffle, seed, metrics: [recorder], callbacks: [cb], validationSplit, ...quiet });
    return epochs;
  };

  it('shuffle: false feeds rows in order every epoch', async () => {
    const orders = await batchOrders(false, 1);
    const identity = Array.from({ length: 20 }, (_, i) => i);
    expect(orders).toEqual([identity, identity, identity]);
  });

  it('shuffle: true feeds a new permutation of all rows each epoch, fixed by the seed', async () => {
    const orders = await batchOrders(true, 1);
    const identity = Array.from({ length: 20 }, (_, i) => i);
    for (const o of orders) expect([...o].sort((a, b) => a - b)).toEqual(identity);
    expect(orders[0]).not.toEqual(identity);
    expect(orders[1]).not.toEqual(orders[0]);
    expect(await batchOrders(true, 1)).toEqual(orders);
    expect(await batchOrders(true, 2)).not.toEqual(orders);
  });

  it('validationSplit takes the held-out rows from the end before shuffling', async () => {
    const orders = await batchOrders(true, 3, 0.3);
    const first14 = Array.from({ length: 14 }, (_, i) => i);
    for (const o of orders) expect([...o].sort((a, b) => a - b)).toEqual(first14);
  });
});

describe('multi-output functional model', () => {
  const build = (): Model => {
    const inp = Input({ shape: [null, 1] });
    const h = new GRU({ units: 6, name: 'trunk' }).apply(inp);
    const cls = new Dense({ units: 2, name: 'cls' }).apply(h) as SymbolicTensor;
    const reg = new Dense({ units: 1, name: 'reg' }).apply(h) as SymbolicTensor;
    return new Model({ inputs: inp, outputs: [cls, reg], seed: 9 });
  };
  const data = (): { x: Arr; y: [Arr, Arr] } => {
    const { x, y } = sumSign(48, 5, 8);
    const sum = new Float32Array(48);
    for (let n = 0; n < 48; n++) for (let t = 0; t < 5; t++) sum[n]! += x.data[n * 5 + t]!;
    return { x, y: [y, { data: sum, shape: [48, 1] }] };
  };

  it('trains two heads with two losses; the logged loss is the lossWeights-weighted sum', async () => {
    const model = build();
    const { x, y } = data();
    const h = await model.fit(x, y, { loss: ['crossEntropy', 'mse'], lossWeights: [1, 0.5], optimizer: new Adam({ lr: 0.02 }), epochs: 4, batchSize: 16, validationData: [x, y], ...quiet });
    expect(h.history.loss![3]!).toBeLessThan(h.history.loss![0]!);
    const opts = { loss: ['crossEntropy' as const, 'mse' as const], batchSize: 16 };
    const both = model.evaluate(x, y, { ...opts, lossWeights: [1, 0.5] }).loss!;
    const ce = model.evaluate(x, y, { ...opts, lossWeights: [1, 0] }).loss!;
    const mse = model.evaluate(x, y, { ...opts, lossWeights: [0, 1] }).loss!;
    expect(both).toBeCloseTo(ce + 0.5 * mse, 6);
    expect(both).toBe(h.history.val_loss![3]);
    expect(model.evaluate(x, y, opts).loss).toBeCloseTo(ce + mse, 6);
  });

  it('a head whose loss weight is 0 gets no gradient (its parameters stay bit-identical)', async () => {
    const model = build();
    const { x, y } = data();
    const before = model.stateDict();
    await model.fit(x, y, { loss: ['crossEntropy', 'mse'], lossWeights: [1, 0], optimizer: new Adam({ lr: 0.02 }), epochs: 2, batchSize: 16, ...quiet });
    const after = model.stateDict();
    expect(after['reg.weight']!.data).toEqual(before['reg.weight']!.data);
    expect(after['reg.bias']!.data).toEqual(before['reg.bias']!.data);
    expect(after['cls.weight']!.data).not.toEqual(before['cls.weight']!.data);
    expect(after['trunk.weight_ih_l0']!.data).not.toEqual(before['trunk.weight_ih_l0']!.data);
  });

  it('rejects a single target array, a wrong number of losses, and lossWeights of the wrong length', async () => {
    const model = build();
    const { x, y } = data();
    await expect(model.fit(x, y[0], { loss: ['crossEntropy', 'mse'], ...quiet })).rejects.toThrow('y: the model has 2 outputs; pass an array of 2 target arrays');
    await expect(model.fit(x, y, { loss: 'crossEntropy', ...quiet })).rejects.toThrow('fit: the model has 2 output(s) but 1 loss(es) were given');
    await expect(model.fit(x, y, { loss: ['crossEntropy', 'mse'], lossWeights: [1], ...quiet })).rejects.toThrow('fit: lossWeights has 1 value(s) but the model has 2 output(s); give one weight per output');
    await expect(model.fit(x, y, { loss: ['crossEntropy', 'mse'], lossWeights: [1, NaN], ...quiet })).rejects.toThrow('fit: lossWeights[1] must be a finite number, got NaN');
    expect(() => model.evaluate(x, y, { loss: ['crossEntropy', 'mse'], lossWeights: [1, 2, 3] })).toThrow('evaluate: lossWeights has 3 value(s) but the model has 2 output(s); give one weight per output');
  });
});

describe('EarlyStopping', () => {
  it('restoreBestWeights puts back the weights of the best epoch', async () => {
    const { x, y } = sumSign(32, 4, 9);
    const model = gruClassifier(10);
    // A callback-computed score, so the best epoch is known in advance: epoch 1 (0-based).
    const scores = [3, 1, 2, 2.5, 2.7, 2.9, 3.1, 3.3];
    const snapshots: ReturnType<BaseModel['stateDict']>[] = [];
    const scorer: Callback = {
      onEpochEnd: (epoch, logs, ctx) => {
        logs.score = scores[epoch]!;
        snapshots.push(ctx.model.stateDict());
      },
    };
    const es = new EarlyStopping({ monitor: 'score', mode: 'min', patience: 2, restoreBestWeights: true });
    const h = await model.fit(x, y, { loss: 'crossEntropy', optimizer: new SGD({ lr: 0.5 }), epochs: 8, batchSize: 8, callbacks: [scorer, es], ...quiet });
    expect(h.epochs).toEqual([0, 1, 2, 3, 4]); // stops after 3 epochs without improvement
    expect(h.stopReason).toMatch(/early stopping: score did not improve for 3 epoch\(s\) \(best 1\.0000 at epoch 2\)/);
    expect(es.bestEpoch).toBe(1);
    expect(es.stoppedEpoch).toBe(4);
    const final = model.stateDict();
    for (const [name, t] of Object.entries(final)) {
      expect(Buffer.from(t.data.buffer).equals(Buffer.from(snapshots[1]![name]!.data.buffer)), name).toBe(true);
    }
    // The restore is visible: the last epoch's weights differed.
    expect(final[model.namedParameters()[0]![0]]!.data).not.toEqual(snapshots[4]![model.namedParameters()[0]![0]]!.data);
  });
});

describe('learning-rate schedules', () => {
  const run = async (schedule: FitOptionsSchedule, epochs: number, N = 32, lr = 0.1): Promise<{ lr: number[]; used: number[] }> => {
    const { x, y } = sumSign(N, 4, 10);
    const used: number[] = [];
    const model = gruClassifier(11);
    const h = await model.fit(x, y, { loss: 'crossEntropy', optimizer: new SGD({ lr }), epochs, batchSize: 16, schedule, callbacks: [{ onBatchEnd: (_s, _l, ctx) => void used.push(ctx.optimizer.lr) }], ...quiet });
    return { lr: h.history.lr!, used };
  };

  it('StepLR decays history.lr by gamma every stepSize epochs (and the optimizer uses it)', async () => {
    const r = await run(new StepLR({ stepSize: 2, gamma: 0.5 }), 5);
    expect(r.lr).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    expect(r.used).toEqual([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025]);
  });

  it('a per-step schedule changes the rate every batch', async () => {
    const r = await run(new ExponentialLR({ gamma: 0.5, unit: 'step' }), 2);
    expect(r.used).toEqual([0.1, 0.05, 0.025, 0.0125]);
    expect(r.lr).toEqual([0.05, 0.0125]);
  });

  it('ReduceLROnPlateau lowers the rate after `patience` epochs without improvement', async () => {
    // thresholdMode abs with a huge threshold: only the first epoch counts as an improvement.
    const plateau = new ReduceLROnPlateau({ patience: 1, factor: 0.5, thresholdMode: 'abs', threshold: 1e9 });
    const r = await run(plateau, 6);
    expect(r.lr).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025]);
  });
});
type FitOptionsSchedule = NonNullable<Parameters<BaseModel['fit']>[2]['schedule']>;

describe('gradient clipping', () => {
  /** Parameter values before training and after every batch. */
  const trace = async (opts: { lr: number; clipValue?: number; clipNorm?: number }): Promise<Float32Array[][]> => {
    const { x, y } = sumSign(32, 4, 12);
    const model = gruClassifier(12);
    const snaps: Float32Array[][] = [weights(model)];
    await model.fit(x, y, { loss: 'crossEntropy', optimizer: new SGD({ lr: opts.lr }), epochs: 1, batchSize: 8, clipValue: opts.clipValue, clipNorm: opts.clipNorm, callbacks: [{ onBatchEnd: (_s, _l, ctx) => void snaps.push(weights(ctx.model)) }], ...quiet });
    return snaps;
  };

  it('clipValue: with lr 1000 and clipValue 1e-4 no parameter moves more than lr·clip = 0.1 per step', async () => {
    const snaps = await trace({ lr: 1000, clipValue: 1e-4 });
    expect(snaps).toHaveLength(5);
    let maxMove = 0;
    for (let s = 1; s < snaps.length; s++)
      snaps[s]!.forEach((w, k) => {
        const prev = snaps[s - 1]![k]!;
        for (let i = 0; i < w.length; i++) maxMove = Math.max(maxMove, Math.abs(w[i]! - prev[i]!));
      });
    // The bound holds up to float32 rounding of p − 0.1 (|p| < 2 here: ulp ≤ 2.4e-7).
    expect(maxMove).toBeLessThanOrEqual(0.1 + 3e-7);
    expect(maxMove).toBeGreaterThan(0.09); // clipping is what limits the move, not a small gradient
  });

  it('clipNorm: the global update norm is at most lr·clipNorm', async () => {
    const snaps = await trace({ lr: 1, clipNorm: 1e-3 });
    for (let s = 1; s < snaps.length; s++) {
      let sq = 0;
      snaps[s]!.forEach((w, k) => {
        const prev = snaps[s - 1]![k]!;
        for (let i = 0; i < w.length; i++) sq += (w[i]! - prev[i]!) ** 2;
      });
      const norm = Math.sqrt(sq);
      expect(norm).toBeLessThanOrEqual(1e-3 * 1.001);
      expect(norm).toBeGreaterThan(1e-3 * 0.99);
    }
  });
});

describe('AbortSignal', () => {
  it('aborting from onBatchEnd stops before the next batch and resolves with stopReason "aborted"', async () => {
    const { x, y } = sumSign(64, 4, 13);
    const model = gruClassifier(13);
    const ac = new AbortController();
    const events: string[] = [];
    const cb: Callback = {
      onEpochBegin: (e) => void events.push(`begin ${e}`),
      onBatchEnd: (s) => {
        events.push(`batch ${s}`);
        if (events.filter((e) => e.startsWith('batch')).length === 6) ac.abort();
      },
      onEpochEnd: (e) => void events.push(`end ${e}`),
      onTrainEnd: () => void events.push('train end'),
    };
    const h = await model.fit(x, y, { loss: 'crossEntropy', epochs: 5, batchSize: 16, signal: ac.signal, callbacks: [cb], ...quiet });
    expect(h.stopReason).toBe('aborted');
    expect(events).toEqual(['begin 0', 'batch 0', 'batch 1', 'batch 2', 'batch 3', 'end 0', 'begin 1', 'batch 0', 'batch 1', 'train end']);
    expect(h.epochs).toEqual([0]);
    expect(h.history.loss).toHaveLength(1);
  });

  it('an abort on the last batch of an epoch stops before the next epoch begins', async () => {
    const { x, y } = sumSign(32, 4, 14);
    const model = gruClassifier(14);
    const ac = new AbortController();
    const events: string[] = [];
    const cb: Callback = {
      onEpochBegin: (e) => void events.push(`begin ${e}`),
      onBatchEnd: (s, _l, ctx) => {
        events.push(`batch ${s}`);
        if (s === ctx.stepsPerEpoch - 1) ac.abort();
      },
      onEpochEnd: (e) => void events.push(`end ${e}`),
    };
    const h = await model.fit(x, y, { loss: 'crossEntropy', epochs: 3, batchSize: 16, signal: ac.signal, callbacks: [cb], ...quiet });
    expect(h.stopReason).toBe('aborted');
    expect(events).toEqual(['begin 0', 'batch 0', 'batch 1', 'end 0']);
  });

  it('an already aborted signal runs no batch', async () => {
    const { x, y } = sumSign(16, 4, 15);
    const model = gruClassifier(15);
    const before = weights(model);
    let batches = 0;
    const h = await model.fit(x, y, { loss: 'crossEntropy', epochs: 2, signal: AbortSignal.abort(), callbacks: [{ onBatchEnd: () => void batches++ }], ...quiet });
    expect(h.stopReason).toBe('aborted');
    expect(batches).toBe(0);
    expect(h.epochs).toEqual([]);
    expect(bitsEqual(weights(model), before)).toBe(true);
  });

  it('an abort from a timer (outside any callback) stops training', async () => {
    const { x, y } = sumSign(64, 4, 16);
    const model = gruClassifier(16);
    const ac = new AbortController();
    let batches = 0;
    setTimeout(() => ac.abort(), 0);
    const h = await model.fit(x, y, { loss: 'crossEntropy', epochs: 1000, batchSize: 4, signal: ac.signal, callbacks: [{ onBatchEnd: () => void batches++ }], ...quiet });
    expect(h.stopReason).toBe('aborted');
    expect(batches).toBeLessThan(16 * 1000);
  });
});

describe('event loop', () => {
  afterEach(() => void vi.unstubAllGlobals());

  it('fit yields between batches: setImmediate and timer callbacks scheduled before fit run during training', async () => {
    const { x, y } = sumSign(64, 4, 17);
    const model = gruClassifier(17);
    let batches = 0;
    let immediateAt = -1;
    let timerAt = -1;
    setImmediate(() => void (immediateAt = batches));
    setTimeout(() => void (timerAt = batches), 0);
    await model.fit(x, y, { loss: 'crossEntropy', epochs: 4, batchSize: 4, callbacks: [{ onBatchEnd: () => void batches++ }], ...quiet });
    expect(batches).toBe(64);
    expect(immediateAt).toBeGreaterThanOrEqual(0);
    expect(immediateAt).toBeLessThan(3);
    expect(timerAt).toBeGreaterThanOrEqual(0);
    expect(timerAt).toBeLessThan(64);
  });

  it('works and yields where setImmediate does not exist (browsers)', async () => {
    vi.stubGlobal('setImmediate', undefined);
    const { x, y } = sumSign(32, 4, 18);
    const model = gruClassifier(18);
    let batches = 0;
    let timerAt = -1;
    setTimeout(() => void (timerAt = batches), 0);
    const h = await model.fit(x, y, { loss: 'crossEntropy', epochs: 4, batchSize: 4, callbacks: [{ onBatchEnd: () => void batches++ }], ...quiet });
    expect(h.history.loss).toHaveLength(4);
    expect(timerAt).toBeGreaterThanOrEqual(0);
    expect(timerAt).toBeLessThan(32);
  });
});

describe('non-finite detection', () => {
  it('SGD lr 1e30 overflows the loss: NonFiniteError names epoch and step; the weights stay finite', async () => {
    const r = new Rng(19);
    const x = { data: new Float32Array(64 * 6).map(() => r.uniform(-1, 1)), shape: [64, 6, 1] };
    const y = { data: new Float32Array(64).map(() => r.uniform(-1, 1)), shape: [64, 1] };
    const model = new Sequential([new GRU({ units: 8, inputShape: [null, 1] }), new Dense({ units: 1 })], { seed: 19 });
    const err = await model.fit(x, y, { loss: 'mse', optimizer: new SGD({ lr: 1e30 }), epochs: 3, batchSize: 16, ...quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as Error).name).toBe('NonFiniteError');
    expect((err as Error).message).toMatch(/at epoch 1, step 2\b/);
    expect(allFinite(model)).toBe(true);
  });

  it('an update that overflows the weights is undone: they keep the values before that step', async () => {
    // Features of 1e10 make the first gradient ~1e9; lr 1e30 turns the update into ±Infinity.
    const N = 16;
    const x = { data: new Float32Array(N * 4).map((_, i) => (i % 3) * 1e10), shape: [N, 4] };
    const y = { data: new Float32Array(N).fill(1), shape: [N, 1] };
    const model = new Sequential([new Dense({ units: 1, inputShape: [4] })], { seed: 20 });
    model.build([[null, 4]]);
    const before = weights(model);
    const err = await model.fit(x, y, { loss: 'mae', optimizer: new SGD({ lr: 1e30 }), epochs: 2, batchSize: 8, ...quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as Error).message).toMatch(/epoch 1, step 1\b/);
    expect((err as Error).message).toMatch(/'dense(_\d+)?\.weight'/);
    expect(allFinite(model)).toBe(true);
    expect(bitsEqual(weights(model), before)).toBe(true);
  });
});

describe('masking', () => {
  const V = 9;
  /** Built for ids (batch, time) with a variable time axis. */
  const built = (m: Sequential): Sequential => {
    m.build([[null, null]]);
    return m;
  };
  const pad = (seqs: number[][], T: number): number[][] => seqs.map((s) => [...s, ...Array(T - s.length).fill(0)]);
  const seqs = (n: number, len: number, seed: number): number[][] => {
    const r = new Rng(seed);
    return Array.from({ length: n }, () => Array.from({ length: len }, () => 1 + r.int(V - 1)));
  };

  it('a sequence classifier gives the same loss and the same training for padded and unpadded batches', async () => {
    const make = (): Sequential => built(new Sequential([new Embedding({ inputDim: V, outputDim: 4, maskZero: true }), new LSTM({ units: 5 }), new Dense({ units: 2 })], { seed: 21 }));
    const x = seqs(12, 5, 22);
    const y = x.map((s) => (s[0]! > 4 ? 1 : 0));
    const a = make();
    const b = make();
    const opts = { loss: 'crossEntropy' as const, batchSize: 4 };
    expect(b.evaluate(pad(x, 9), y, opts).loss).toBe(a.evaluate(x, y, opts).loss);
    const fitOpts = { ...opts, optimizer: 'sgd' as const, epochs: 2, shuffle: false, ...quiet };
    const ha = await a.fit(x, y, fitOpts);
    const hb = await b.fit(pad(x, 9), y, fitOpts);
    expect(hb.history.loss).toEqual(ha.history.loss);
    expect(bitsEqual(weights(b), weights(a))).toBe(true);
  });

  it('rows of different lengths padded into one batch score as each row alone', () => {
    const model = built(new Sequential([new Embedding({ inputDim: V, outputDim: 4, maskZero: true }), new GRU({ units: 5 }), new Dense({ units: 2 })], { seed: 23 }));
    const x = [...seqs(2, 3, 24), ...seqs(2, 6, 25), ...seqs(1, 1, 26)];
    const y = [0, 1, 1, 0, 1];
    const batch = model.evaluate(pad(x, 6), y, { loss: 'crossEntropy', batchSize: 8 }).loss!;
    let sum = 0;
    x.forEach((s, i) => (sum += model.evaluate([s], [y[i]!], { loss: 'crossEntropy' }).loss!));
    expect(batch).toBeCloseTo(sum / x.length, 6);
  });

  it('a per-step (sequence-to-sequence) loss ignores padded steps whatever their targets', () => {
    const model = built(new Sequential([new Embedding({ inputDim: V, outputDim: 4, maskZero: true }), new LSTM({ units: 5, returnSequences: true }), new Dense({ units: V })], { seed: 27 }));
    const x = seqs(3, 4, 28);
    const y = x.map((s) => s.map((v) => (v + 1) % V));
    const plain = model.evaluate(x, y, { loss: 'crossEntropy' }).loss!;
    const padded = model.evaluate(pad(x, 7), y.map((s) => [...s, 3, 5, 7]), { loss: 'crossEntropy' }).loss!;
    expect(padded).toBeCloseTo(plain, 6);
  });
});

describe('error messages at the public entries', () => {
  const built = (): Sequential => {
    const m = new Sequential([new GRU({ units: 4, inputShape: [null, 3] }), new Dense({ units: 2 })], { name: 'clf' });
    m.build([[null, null, 3]]);
    return m;
  };
  const x3 = (N: number, T = 5, F = 3): Arr => ({ data: new Float32Array(N * T * F), shape: [N, T, F] });
  const opts = { loss: 'crossEntropy' as const, ...quiet };

  it('wrong x shape', async () => {
    const m = built();
    await expect(m.fit(x3(4, 5, 2), [0, 1, 0, 1], opts)).rejects.toThrow('clf: expected x of shape (None, None, 3), got (4, 5, 2)');
    await expect(m.fit({ data: new Float32Array(20), shape: [4, 5] }, [0, 1, 0, 1], opts)).rejects.toThrow('clf: expected x of shape (None, None, 3), got (4, 5)');
    expect(() => m.predict(x3(2, 5, 4))).toThrow('clf: expected x of shape (None, None, 3), got (2, 5, 4)');
    expect(() => m.evaluate(x3(2, 5, 4), [0, 1], opts)).toThrow('clf: expected x of shape (None, None, 3), got (2, 5, 4)');
    await expect(m.fit(x3(4), [0, 1, 0, 1], { ...opts, validationData: [x3(2, 5, 1), [0, 1]] })).rejects.toThrow('clf: expected validationData[0] of shape (None, None, 3), got (2, 5, 1)');
  });

  // An unbuilt model builds from the first layer's declared inputShape, checks data against it,
  // and keeps the time axis variable.
  it('wrong x shape on a model not built yet (declared inputShape)', async () => {
    const m = new Sequential([new GRU({ units: 4, inputShape: [null, 3] }), new Dense({ units: 2 })], { name: 'clf2' });
    await expect(m.fit(x3(4, 5, 2), [0, 1, 0, 1], opts)).rejects.toThrow('clf2: expected x of shape (None, None, 3), got (4, 5, 2)');
  });

  it('a declared variable time axis stays variable after building from data', async () => {
    const m = new Sequential([new Embedding({ inputDim: 5, outputDim: 2, inputShape: [null] }), new GRU({ units: 3 }), new Dense({ units: 2 })]);
    await m.fit([[1, 2, 3, 4, 1, 2]], [1], opts);
    expect((m.predict([[1, 2]]) as number[][])[0]).toHaveLength(2);
  });

  it('y length mismatch (fit, validationData, evaluate)', async () => {
    const m = built();
    await expect(m.fit(x3(4), [0, 1, 0], opts)).rejects.toThrow('fit: x has 4 samples but y has 3');
    await expect(m.fit(x3(4), [0, 1, 0, 1], { ...opts, validationData: [x3(3), [0, 1]] })).rejects.toThrow('fit: validationData[0] has 3 samples but validationData[1] has 2');
    expect(() => m.evaluate(x3(4), [0, 1, 0], opts)).toThrow('evaluate: x has 4 samples but y has 3');
  });

  it('cross-entropy label out of range or not an integer, naming the value', async () => {
    const m = built();
    await expect(m.fit(x3(4), [0, 1, 5, 1], opts)).rejects.toThrow('crossEntropy: y value 5 at flat index 2 is not a class id in [0, 2)');
    await expect(m.fit(x3(4), [0, 1, -1, 1], opts)).rejects.toThrow('crossEntropy: y value -1 at flat index 2 is not a class id in [0, 2)');
    await expect(m.fit(x3(4), [0, 0.5, 1, 1], opts)).rejects.toThrow('crossEntropy: y value 0.5 at flat index 1 is not a class id in [0, 2)');
    await expect(m.fit(x3(4), [0, 1, 0, 1], { ...opts, validationData: [x3(2), [0, 2]] })).rejects.toThrow('crossEntropy: validationData[1] value 2 at flat index 1 is not a class id in [0, 2)');
    expect(() => m.evaluate(x3(2), [0, 3], opts)).toThrow('crossEntropy: y value 3 at flat index 1 is not a class id in [0, 2)');
  });

  it('NaN or Infinity in x, naming the index', async () => {
    const m = built();
    const nested = Array.from({ length: 2 }, () => Array.from({ length: 2 }, () => [0, 0, 0]));
    nested[1]![0]![2] = NaN;
    await expect(m.fit(nested, [0, 1], opts)).rejects.toThrow('x[1][0][2]: value NaN is not finite');
    const flat = x3(2, 2);
    flat.data[7] = Infinity; // [1][0][1]
    await expect(m.fit(flat, [0, 1], opts)).rejects.toThrow('x[1][0][1]: value Infinity is not finite');
    expect(() => m.predict(flat)).toThrow('x[1][0][1]: value Infinity is not finite');
    await expect(m.fit(x3(2, 2), [0, NaN], opts)).rejects.toThrow('y[1]: value NaN is not finite');
  });

  it('unknown loss, optimizer and metric names; a missing loss option', async () => {
    const m = built();
    const x = x3(2);
    const y = [0, 1];
    await expect(m.fit(x, y, { loss: 'crossentropy' as never, ...quiet })).rejects.toThrow(/^unknown loss "crossentropy"; expected one of crossEntropy, /);
    await expect(m.fit(x, y, { ...opts, optimizer: 'adamax' as never })).rejects.toThrow(/^getOptimizer: unknown optimizer "adamax"; expected an Optimizer or one of sgd, adam, adamw, rmsprop, adagrad$/);
    await expect(m.fit(x, y, { ...opts, metrics: ['precision' as never] })).rejects.toThrow(/^unknown metric "precision"; expected accuracy, /);
    await expect(m.fit(x, y, { ...quiet } as never)).rejects.toThrow("fit: options.loss is required, e.g. { loss: 'crossEntropy' }");
    await expect(m.fit(x, y, undefined as never)).rejects.toThrow('fit: options.loss is required');
    expect(() => m.evaluate(x, y, { metrics: ['accuracy'] } as never)).toThrow('evaluate: options.loss is required');
  });

  it('bad numeric options', async () => {
    const m = built();
    const x = x3(4);
    const y = [0, 1, 0, 1];
    await expect(m.fit(x, y, { ...opts, epochs: 0 })).rejects.toThrow('fit: epochs must be a positive integer, got 0');
    await expect(m.fit(x, y, { ...opts, batchSize: 2.5 })).rejects.toThrow('fit: batchSize must be a positive integer, got 2.5');
    await expect(m.fit(x, y, { ...opts, validationSplit: 1 })).rejects.toThrow('fit: validationSplit must be in (0, 1), got 1');
    await expect(m.fit(x, y, { ...opts, validationSplit: 0.1 })).rejects.toThrow('fit: validationSplit 0.1 of 4 samples leaves no validation data');
    await expect(m.fit(x, y, { ...opts, clipNorm: -1 })).rejects.toThrow('fit: clipNorm must be positive, got -1');
    await expect(m.fit(x, y, { ...opts, clipValue: 0 })).rejects.toThrow('fit: clipValue must be positive, got 0');
  });
});
