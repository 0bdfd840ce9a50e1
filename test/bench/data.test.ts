// The benchmark harness's pure parts: the shared data generator (must be bit-identical to the peer
// harnesses), the FLOP formula, the spec copy.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { checksum, flopsPerStep, genInts, genUniform, hashAt, lowbias32, median, quantile, workloadData } from '../../bench/lib/data.mjs';
import type { WorkloadSpec } from '../../bench/lib/data.mjs';
import { loadSpec, QUICK_TIMING, SPEC_PATH, selectWorkloads, withTiming } from '../../bench/lib/spec.mjs';

const spec = loadSpec(SPEC_PATH);
const SEED = spec.seed;
const wl = (id: string): WorkloadSpec => spec.workloads.find((w) => w.id === id)!;

// Values printed by the Python peer (bench/peers/bench_torch.py: hash_at, gen_uniform, gen_ints,
// numpy uint32 arithmetic) for seed 20240611.
describe('data generator (lowbias32 counter hash) vs the Python peer', () => {
  it('uses the spec seed', () => {
    expect(SEED).toBe(20240611);
  });

  it('hash values of streams 0, 1, 2', () => {
    const h = (stream: number) => [0, 1, 2, 3, 4].map((i) => hashAt(SEED, stream, i));
    expect(h(0)).toEqual([1772991434, 2681693628, 4187925590, 2654227838, 101137265]);
    expect(h(1)).toEqual([1528339712, 1799270181, 362989912, 2394234717, 2988440681]);
    expect(h(2)).toEqual([958473989, 327828907, 2677328082, 1519228890, 1960490541]);
  });

  it('wraps seed + i + 0x9E3779B9·(stream+1) modulo 2^32', () => {
    expect([0, 1, 2].map((i) => hashAt(0xfffffff0, 3, i))).toEqual([3025335676, 457991788, 3885039952]);
  });

  it('lowbias32 is a uint32 function', () => {
    expect(lowbias32(0)).toBe(0);
    for (const x of [1, 0x7fffffff, 0x80000000, 0xffffffff, -1]) {
      const v = lowbias32(x);
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    }
    expect(lowbias32(-1)).toBe(lowbias32(0xffffffff));
  });

  it('inputs (stream 0) are the same float32 values, bit for bit', () => {
    const u = genUniform((1 << 20) + 5, SEED);
    const want: [number, number][] = [
      [0, -0.1743866205215454],
      [1, 0.24876081943511963],
      [2, 0.9501547813415527],
      [3, 0.2359710931777954],
      [1000, -0.6724351644515991],
      [65535, 0.2520594596862793],
      [1 << 20, -0.03616154193878174],
    ];
    for (const [i, v] of want) expect(u[i]).toBe(v);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of u) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThan(1);
  });

  it('labels (stream 1) and tokens (stream 2)', () => {
    expect(Array.from(genInts(16, 10, SEED, 1))).toEqual([2, 1, 2, 7, 1, 9, 6, 5, 6, 2, 4, 1, 0, 3, 5, 9]);
    expect(Array.from(genInts(12, 65, SEED, 2))).toEqual([44, 42, 52, 10, 61, 37, 29, 13, 64, 52, 43, 22]);
  });

  it('whole-workload checksums (data_checksum of the peers)', () => {
    // numpy sums pairwise, we sum in order: equal to ~1e-9 relative
    expect(checksum(workloadData(wl('tiny-lstm'), SEED).x.data)).toBeCloseTo(62.953164935112, 8);
    expect(checksum(workloadData(wl('medium'), SEED).x.data)).toBeCloseTo(-435.4351896047592, 7);
    expect(checksum(workloadData(wl('char-rnn'), SEED).x.data)).toBe(66168);
    expect(checksum(workloadData(wl('medium'), SEED).y.data)).toBe(18686);
  });

  it('matches the JS peer code (bench/peers/common.js) exactly', () => {
    const require = createRequire(import.meta.url);
    const C = require('../../bench/peers/common.js');
    const n = 40_000;
    expect(genUniform(n, SEED)).toEqual(C.genUniform(n, SEED, 0));
    expect(genInts(n, 10, SEED, 1)).toEqual(C.genInts(n, 10, SEED, 1));
    expect(genInts(n, 65, SEED, 2)).toEqual(C.genInts(n, 65, SEED, 2));
    for (const w of spec.workloads) for (const mode of ['train', 'infer'] as const) expect(flopsPerStep(w, mode)).toBe(C.flopsPerBatchStep(w, mode));
  });
});

describe('workloadData', () => {
  it('shapes inputs and labels like the peers', () => {
    const tiny = workloadData(wl('tiny-lstm'), SEED);
    expect(tiny.x.shape).toEqual([16, 32, 32]);
    expect(tiny.x.data.length).toBe(16 * 32 * 32);
    expect(tiny.y.shape).toEqual([16]);
    expect(Array.from(tiny.y.data.subarray(0, 4))).toEqual([2, 1, 2, 7]);
    const med = workloadData(wl('medium'), SEED);
    expect(med.y.shape).toEqual([64, 64]);
    const chr = workloadData(wl('char-rnn'), SEED);
    expect(chr.x.tokens).toBe(true);
    expect(chr.x.shape).toEqual([32, 64]);
    expect(Array.from(chr.x.data.subarray(0, 3))).toEqual([44, 42, 52]);
    expect(chr.y.shape).toEqual([32, 64]);
    expect(Math.max(...chr.y.data)).toBeLessThan(65);
  });
});

describe('FLOP formula', () => {
  it('2·B·G·H·(I+H)·T forward, ×3 for training', () => {
    expect(flopsPerStep(wl('tiny-lstm'), 'infer')).toBe(2 * 16 * 4 * 64 * (32 + 64) * 32);
    expect(flopsPerStep(wl('tiny-lstm'), 'infer')).toBe(25_165_824);
    expect(flopsPerStep(wl('tiny-lstm'), 'train')).toBe(75_497_472);
    expect(flopsPerStep(wl('tiny-rnn'), 'infer')).toBe(25_165_824 / 4);
    expect(flopsPerStep(wl('tiny-gru'), 'train')).toBe((75_497_472 / 4) * 3);
    expect(flopsPerStep(wl('medium'), 'infer')).toBe(3_221_225_472);
    expect(flopsPerStep(wl('large'), 'train')).toBe(3 * 25_769_803_776);
    // char-rnn: the embedding dim is the recurrent input; the embedding itself is not counted
    expect(flopsPerStep(wl('char-rnn'), 'train')).toBe(3 * 2 * 32 * 4 * 256 * (64 + 256) * 64);
  });
});

describe('statistics', () => {
  it('median and quantiles', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.1)).toBeCloseTo(1.4, 12);
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
  });
});

describe('spec', () => {
  it('bench/workloads.json is the shared spec', () => {
    const shared = '/work/shared/bench/workloads.json';
    if (!existsSync(shared)) return;
    expect(JSON.parse(readFileSync(SPEC_PATH, 'utf8'))).toEqual(JSON.parse(readFileSync(shared, 'utf8')));
  });

  it('--quick and --budget override only the timing', () => {
    const q = withTiming(spec, { quick: true });
    expect(q.timing).toMatchObject(QUICK_TIMING);
    expect(q.workloads).toBe(spec.workloads);
    expect(withTiming(spec, { budgetSeconds: 5 }).timing.budget_seconds).toBe(5);
    expect(withTiming(spec).timing).toEqual(spec.timing);
  });

  it('selects workloads in spec order and rejects unknown ids', () => {
    expect(selectWorkloads(spec, ['medium', 'tiny-lstm']).map((w) => w.id)).toEqual(['tiny-lstm', 'medium']);
    expect(selectWorkloads(spec, []).length).toBe(spec.workloads.length);
    expect(() => selectWorkloads(spec, ['nope'])).toThrow(/unknown workload/);
  });
});
