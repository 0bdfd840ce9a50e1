import { describe, expect, it } from 'vitest';
import { TimeFrame } from '../../src/timeseries/frame.js';
import { makeWindows, recursiveForecast } from '../../src/timeseries/windows.js';

// Row r: a = r, b = 100 + r, c = 1000 + r — every value names its row.
const n = 20;
const frame = TimeFrame.fromColumns(Array.from({ length: n }, (_, r) => r * 1000), {
  a: Array.from({ length: n }, (_, r) => r),
  b: Array.from({ length: n }, (_, r) => 100 + r),
  c: Array.from({ length: n }, (_, r) => 1000 + r),
});
const at = (d: Float32Array, shape: number[], i: number, j: number, k: number) => d[(i * shape[1] + j) * shape[2] + k];

describe('makeWindows', () => {
  it('first and last windows, horizon alignment, shapes', () => {
    const w = makeWindows(frame, { lookback: 4, horizon: 3, targets: ['a'], features: ['a', 'b'] });
    const N = n - 4 - 3 + 1;
    expect(w.x.shape).toEqual([N, 4, 2]);
    expect(w.y.shape).toEqual([N, 3, 1]);
    expect(w.originIndex[0]).toBe(3);
    expect(w.originIndex[N - 1]).toBe(n - 1 - 3);
    expect(w.originTime[0]).toBe(3000);
    // first window: inputs rows 0..3, targets rows 4..6
    expect([0, 1, 2, 3].map((l) => at(w.x.data, w.x.shape, 0, l, 0))).toEqual([0, 1, 2, 3]);
    expect([0, 1, 2, 3].map((l) => at(w.x.data, w.x.shape, 0, l, 1))).toEqual([100, 101, 102, 103]);
    expect([0, 1, 2].map((h) => at(w.y.data, w.y.shape, 0, h, 0))).toEqual([4, 5, 6]);
    // last window ends at the last row
    expect(at(w.x.data, w.x.shape, N - 1, 3, 0)).toBe(16);
    expect(at(w.y.data, w.y.shape, N - 1, 2, 0)).toBe(19);
    // every window: y[i, 0] is the row right after the origin
    for (let i = 0; i < N; i++) expect(at(w.y.data, w.y.shape, i, 0, 0)).toBe(w.originIndex[i] + 1);
    expect(w.targetFeatureIndex).toEqual([0]);
  });

  it('multi-target output in target order, targets need not be inputs, stride', () => {
    const w = makeWindows(frame, { lookback: 2, horizon: 2, targets: ['c', 'a'], features: ['b'], stride: 5 });
    expect(w.y.shape).toEqual([4, 2, 2]); // origins 1, 6, 11, 16
    expect(Array.from(w.originIndex)).toEqual([1, 6, 11, 16]);
    expect(Array.from(w.y.data.subarray(0, 4))).toEqual([1002, 2, 1003, 3]);
    expect(w.targetFeatureIndex).toEqual([-1, -1]);
    // default features: every column
    expect(makeWindows(frame, { lookback: 1, horizon: 1, targets: ['a'] }).features).toEqual(['a', 'b', 'c']);
  });

  it('range: targets inside [start, end), inputs may reach back before start', () => {
    const w = makeWindows(frame, { lookback: 4, horizon: 2, targets: ['a'], features: ['a'], range: { start: 10, end: 16 } });
    expect(Array.from(w.originIndex)).toEqual([9, 10, 11, 12, 13]);
    expect(Array.from(w.x.data.subarray(0, 4))).toEqual([6, 7, 8, 9]);
    expect(at(w.y.data, w.y.shape, 4, 1, 0)).toBe(15);
    // the same windows from the frame slice [start − lookback, end)
    const s = makeWindows(frame.slice(6, 16), { lookback: 4, horizon: 2, targets: ['a'], features: ['a'] });
    expect(Array.from(s.x.data)).toEqual(Array.from(w.x.data));
    expect(Array.from(s.y.data)).toEqual(Array.from(w.y.data));
  });

  it('future covariates and validation', () => {
    const w = makeWindows(frame, { lookback: 2, horizon: 2, targets: ['a'], features: ['a', 'b'], future: true });
    expect(w.xFuture!.shape).toEqual([w.x.shape[0], 2, 2]);
    expect(Array.from(w.xFuture!.data.subarray(0, 4))).toEqual([2, 102, 3, 103]);
    expect(() => makeWindows(frame, { lookback: 15, horizon: 10, targets: ['a'] })).toThrow('no window fits: lookback 15 + horizon 10 need 25 rows, but the frame has 20');
    expect(() => makeWindows(frame, { lookback: 0, horizon: 1, targets: ['a'] })).toThrow('lookback must be an integer ≥ 1, got 0');
    expect(() => makeWindows(frame, { lookback: 1, horizon: 1, targets: ['z'] })).toThrow('unknown column "z"');
    expect(() => makeWindows(frame, { lookback: 1, horizon: 1, targets: ['a'], range: { start: 5, end: 30 } })).toThrow('range must satisfy 0 ≤ start < end ≤ 20');
  });
});

describe('recursiveForecast', () => {
  it('feeds one-step predictions back; with a perfect model it reproduces y', () => {
    // the series a = r is predicted exactly by "last value + 1"
    const w = makeWindows(frame, { lookback: 3, horizon: 4, targets: ['a'], features: ['a'] });
    let calls = 0;
    const yHat = recursiveForecast((x) => {
      calls++;
      const [N, L, F] = x.shape;
      const out = new Float32Array(N);
      for (let i = 0; i < N; i++) out[i] = x.data[(i * L + L - 1) * F] + 1;
      return out;
    }, w);
    expect(calls).toBe(4);
    expect(yHat.shape).toEqual(w.y.shape);
    expect(Array.from(yHat.data)).toEqual(Array.from(w.y.data));
  });

  it('takes non-target features from known future values', () => {
    // predict a from b: a[t+1] = b[t+1] − 100, so the model must see the future b in the last row
    const w = makeWindows(frame, { lookback: 2, horizon: 3, targets: ['a'], features: ['a', 'b'], future: true });
    const step = (x: { data: Float32Array; shape: [number, number, number] }) => {
      const [N, L, F] = x.shape;
      return { data: Float32Array.from({ length: N }, (_, i) => x.data[(i * L + L - 1) * F + 1] - 100 + 1) };
    };
    expect(Array.from(recursiveForecast(step, w).data)).toEqual(Array.from(w.y.data));
    const noFuture = makeWindows(frame, { lookback: 2, horizon: 3, targets: ['a'], features: ['a', 'b'] });
    expect(() => recursiveForecast(step, noFuture)).toThrow('features "b" are not targets, so their future values must be known: make the windows with future: true');
    expect(() => recursiveForecast(() => new Float32Array(1), w)).toThrow('the predictor returned 1 values');
  });
});
