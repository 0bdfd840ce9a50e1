/**
 * Resuming training from a `ModelCheckpoint` file continues exactly where the run stopped:
 * weights, optimizer slots and step counts, and the random stream (shuffling and dropout masks),
 * so the resumed epochs reproduce an uninterrupted run bit for bit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dense, Dropout } from '../../src/nn/layers.js';
import { Adam } from '../../src/nn/optimizers.js';
import { GRU } from '../../src/nn/recurrent.js';
import { Rng } from '../../src/tensor/rng.js';
import { ModelCheckpoint } from '../../src/train/callbacks.js';
import type { BaseModel } from '../../src/train/model.js';
import { Sequential } from '../../src/train/model.js';
import { loadCheckpoint, loadModel, saveModel } from '../../src/train/serialize.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recurrent-resume-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Arr = { data: Float32Array; shape: number[] };

/** x (N, T, 2) uniform; y = 1 if the first feature sums to > 0. */
function data(N: number, T: number, seed: number): { x: Arr; y: Arr } {
  const r = new Rng(seed);
  const x = new Float32Array(N * T * 2).map(() => r.uniform(-1, 1));
  const y = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += x[(n * T + t) * 2]!;
    y[n] = s > 0 ? 1 : 0;
  }
  return { x: { data: x, shape: [N, T, 2] }, y: { data: y, shape: [N] } };
}

/** Fixed layer names: a checkpoint is loaded by parameter name into a fresh instance. */
function make(seed: number): Sequential {
  const m = new Sequential(
    [
      new GRU({ units: 6, dropout: 0.2, recurrentDropout: 0.2, name: 'gru', inputShape: [null, 2] }),
      new Dropout({ rate: 0.3, name: 'drop' }),
      new Dense({ units: 2, name: 'out' }),
    ],
    { seed, name: 'resumable' },
  );
  m.build([[null, null, 2]]);
  return m;
}

function bits(a: Float32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function expectSameWeights(a: BaseModel, b: BaseModel): void {
  const sa = a.stateDict();
  const sb = b.stateDict();
  expect(Object.keys(sb)).toEqual(Object.keys(sa));
  for (const k of Object.keys(sa)) expect(bits(sb[k]!.data).equals(bits(sa[k]!.data)), k).toBe(true);
}

const { x, y } = data(40, 5, 1);
const val = data(12, 5, 2);
const base = { loss: 'crossEntropy' as const, batchSize: 8, shuffle: true, seed: 17, metrics: ['accuracy' as const], validationData: [val.x, val.y] as [Arr, Arr], verbose: 0 as const };

describe('fit resume from a ModelCheckpoint', () => {
  it('epochs 3–4 after resuming equal the uninterrupted run bit for bit, and so do the final weights', async () => {
    const full = make(5);
    const fullCkpt = join(dir, 'full.safetensors');
    const hFull = await full.fit(x, y, { ...base, optimizer: new Adam({ lr: 0.01 }), epochs: 4, callbacks: [new ModelCheckpoint({ path: fullCkpt })] });
    expect(hFull.history.loss).toHaveLength(4);
    // Dropout and shuffling are on: the losses would differ if the random stream did.
    expect(new Set(hFull.history.loss).size).toBe(4);

    const ckpt = join(dir, 'ckpt.safetensors');
    const first = make(5);
    const hFirst = await first.fit(x, y, { ...base, optimizer: new Adam({ lr: 0.01 }), epochs: 2, callbacks: [new ModelCheckpoint({ path: ckpt })] });
    expect(hFirst.history.loss).toEqual(hFull.history.loss!.slice(0, 2));
    const ck = await loadCheckpoint(ckpt);
    expect(ck.epoch).toBe(1);
    expect(ck.step).toBe(10); // 2 epochs × 5 batches

    // A fresh instance with another init seed: everything must come from the checkpoint.
    const resumed = make(99);
    const seen: number[] = [];
    const hRes = await resumed.fit(x, y, { ...base, epochs: 4, resume: ckpt, callbacks: [{ onEpochBegin: (e) => void seen.push(e) }] });
    expect(seen).toEqual([2, 3]);
    expect(hRes.epochs).toEqual([0, 1, 2, 3]);
    expect(hRes.stopReason).toBeNull();
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']) expect(hRes.history[k], k).toEqual(hFull.history[k]);
    // toEqual on numbers is exact (Object.is per element), i.e. bit for bit.
    expect(hRes.history.loss!.slice(2)).toEqual(hFull.history.loss!.slice(2));
    expectSameWeights(full, resumed);

    // Re-saving after the resumed run gives the uninterrupted run's optimizer state, bit for bit.
    const resCkpt = join(dir, 'res.safetensors');
    await resumed.fit(x, y, { ...base, epochs: 4, resume: ckpt, callbacks: [new ModelCheckpoint({ path: resCkpt })] });
    const [a, b] = [await loadCheckpoint(fullCkpt), await loadCheckpoint(resCkpt)];
    expect(b.step).toBe(a.step);
    expect(b.rngState).toEqual(a.rngState);
    expect(Object.keys(b.optimizerState!.tensors)).toEqual(Object.keys(a.optimizerState!.tensors));
    for (const [k, t] of Object.entries(a.optimizerState!.tensors)) expect(bits(b.optimizerState!.tensors[k]!.data).equals(bits(t.data)), k).toBe(true);
    expect(b.optimizerState!.steps).toEqual(a.optimizerState!.steps);

    // Sensitivity: continuing the first run's model and optimizer without the checkpoint's random
    // state (fit restarts the stream from the seed) does not reproduce epochs 3–4.
    const opt = new Adam({ lr: 0.01 });
    const again = make(5);
    await again.fit(x, y, { ...base, optimizer: opt, epochs: 2 });
    const hAgain = await again.fit(x, y, { ...base, optimizer: opt, epochs: 4, initialEpoch: 2 });
    expect(hAgain.history.loss).not.toEqual(hFull.history.loss!.slice(2));
  });

  it('resuming into an explicitly given optimizer loads its state as well', async () => {
    const full = make(6);
    const hFull = await full.fit(x, y, { ...base, optimizer: new Adam({ lr: 0.02 }), epochs: 3 });
    const ckpt = join(dir, 'c.safetensors');
    await make(6).fit(x, y, { ...base, optimizer: new Adam({ lr: 0.02 }), epochs: 1, callbacks: [new ModelCheckpoint({ path: ckpt })] });
    const opt = new Adam({ lr: 0.02 });
    const resumed = make(7);
    const hRes = await resumed.fit(x, y, { ...base, optimizer: opt, epochs: 3, resume: ckpt });
    expect(opt.iterations).toBe(15);
    expect(hRes.history.loss).toEqual(hFull.history.loss);
    expectSameWeights(full, resumed);
  });

  it('loadModel on a checkpoint or a saved model gives bit-identical predictions', async () => {
    const model = make(8);
    const ckpt = join(dir, 'm.safetensors');
    await model.fit(x, y, { ...base, optimizer: new Adam({ lr: 0.01 }), epochs: 2, callbacks: [new ModelCheckpoint({ path: ckpt })] });
    const plain = join(dir, 'plain.safetensors');
    await saveModel(model, plain);
    const want = model.predictArrays(val.x)[0]!;
    for (const path of [ckpt, plain]) {
      const loaded = await loadModel(path);
      expectSameWeights(model, loaded);
      const got = loaded.predictArrays(val.x)[0]!;
      expect(got.shape).toEqual(want.shape);
      expect(bits(got.data).equals(bits(want.data)), path).toBe(true);
      expect(loaded.predict(val.x)).toEqual(model.predict(val.x));
    }
  });

  it('a checkpoint without optimizer state cannot be resumed, with a clear message', async () => {
    const ckpt = join(dir, 'w.safetensors');
    await make(9).fit(x, y, { ...base, epochs: 1, callbacks: [new ModelCheckpoint({ path: ckpt, saveOptimizer: false })] });
    await expect(make(9).fit(x, y, { ...base, epochs: 2, resume: ckpt })).rejects.toThrow(`${ckpt}: not a checkpoint (no checkpoint_id in __metadata__) but a plain model file; load it with loadModel('${ckpt}')`);
  });
});
