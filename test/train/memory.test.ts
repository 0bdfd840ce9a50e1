/**
 * Steady-state training allocates nothing: after the first steps (optimizer slots, arena chunks
 * sized to the high-water mark), the heap and the arena stay exactly the same size for hundreds
 * of steps, across epochs with shuffling, dropout, clipping, metrics and validation.
 */
import { describe, expect, it } from 'vitest';
import { Dense, Dropout, Embedding } from '../../src/nn/layers.js';
import { Adam, SGD } from '../../src/nn/optimizers.js';
import { LSTM } from '../../src/nn/recurrent.js';
import { Rng } from '../../src/tensor/rng.js';
import { arena, heap } from '../../src/tensor/tensor.js';
import { NonFiniteError } from '../../src/train/fit.js';
import { Sequential } from '../../src/train/model.js';

interface Sample {
  step: number;
  byteLength: number;
  bytesInUse: number;
  liveBlocks: number;
  reservedBytes: number;
}

function sample(step: number): Sample {
  return { step, byteLength: heap.byteLength, bytesInUse: heap.bytesInUse, liveBlocks: heap.liveBlocks, reservedBytes: arena.reservedBytes };
}

describe('memory during fit', () => {
  it('is flat from step 50 to step 300 (heap size, bytes in use, live blocks, arena reservation)', async () => {
    const V = 20;
    const T = 10;
    const B = 8;
    const stepsPerEpoch = 100;
    const N = B * stepsPerEpoch;
    const r = new Rng(1);
    const ids = (n: number): { data: Float32Array; shape: number[] } => ({ data: new Float32Array(n * T).map(() => 1 + r.int(V - 1)), shape: [n, T] });
    const x = ids(N);
    const y = { data: x.data.map((v) => (v * 7) % V), shape: [N, T] };
    const vx = ids(24);
    const vy = { data: vx.data.map((v) => (v * 7) % V), shape: [24, T] };

    const model = new Sequential(
      [new Embedding({ inputDim: V, outputDim: 8 }), new LSTM({ units: 16, returnSequences: true, dropout: 0.1, recurrentDropout: 0.1 }), new Dropout({ rate: 0.1 }), new Dense({ units: V })],
      { seed: 3 },
    );
    const samples: Sample[] = [];
    let step = 0;
    const h = await model.fit(x, y, {
      loss: 'crossEntropy',
      optimizer: new Adam({ lr: 0.01 }),
      epochs: 3,
      batchSize: B,
      metrics: ['accuracy'],
      validationData: [vx, vy],
      clipNorm: 1,
      verbose: 0,
      callbacks: [{ onBatchEnd: () => void samples.push(sample(++step)) }],
    });
    expect(step).toBe(300);
    expect(h.history.loss![2]!).toBeLessThan(h.history.loss![0]!);
    const ref = samples[49]!;
    expect(ref.step).toBe(50);
    // Report the first step that differs, if any, with both samples.
    const drift = samples.slice(49).find((s) => s.byteLength !== ref.byteLength || s.bytesInUse !== ref.bytesInUse || s.liveBlocks !== ref.liveBlocks || s.reservedBytes !== ref.reservedBytes);
    expect(drift, `memory changed after step 50: ${JSON.stringify(ref)} → ${JSON.stringify(drift)}`).toBeUndefined();
    // Every step's arena allocations are released: the arena is back at its start.
    expect(arena.mark()).toEqual({ chunk: 0, offset: 0 });
  });

  it('a NonFiniteError leaves the arena released and memory usable', async () => {
    const r = new Rng(2);
    const x = { data: new Float32Array(32 * 6).map(() => 1 + r.int(9)), shape: [32, 6] };
    const y = { data: new Float32Array(32).map(() => r.uniform(-1, 1)), shape: [32, 1] };
    const model = new Sequential([new Embedding({ inputDim: 10, outputDim: 4 }), new LSTM({ units: 8 }), new Dense({ units: 1 })], { seed: 4 });
    model.build([[null, null]]);
    const initial = model.stateDict();
    const err = await model.fit(x, y, { loss: 'mse', optimizer: new SGD({ lr: 1e30 }), epochs: 2, batchSize: 8, verbose: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect(arena.mark()).toEqual({ chunk: 0, offset: 0 });
    // The gradients were zeroed (no stale accumulation) and, from sane weights, training again works.
    for (const p of model.parameters()) expect(p.grad!.data.every((g) => g === 0)).toBe(true);
    model.loadStateDict(initial);
    const h = await model.fit(x, y, { loss: 'mse', optimizer: new SGD({ lr: 1e-3 }), epochs: 1, batchSize: 8, verbose: 0 });
    expect(Number.isFinite(h.history.loss![0])).toBe(true);
    expect(arena.mark()).toEqual({ chunk: 0, offset: 0 });
  });
});
