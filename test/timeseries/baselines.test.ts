import { describe, expect, it } from 'vitest';
import { persistenceForecast, seasonalNaiveForecast } from '../../src/timeseries/baselines.js';
import { compareWithBaselines, evaluateWalkForward, formatComparison } from '../../src/timeseries/evaluate.js';
import { TimeFrame } from '../../src/timeseries/frame.js';
import { walkForward } from '../../src/timeseries/splits.js';
import { makeWindows } from '../../src/timeseries/windows.js';

const n = 30;
const frame = TimeFrame.fromColumns(Array.from({ length: n }, (_, r) => r), {
  a: Array.from({ length: n }, (_, r) => r),
  s: Array.from({ length: n }, (_, r) => [5, 1, 3][r % 3] + r * 0.5),
});

describe('baselines on the model windows', () => {
  it('persistence repeats the origin value of every target', () => {
    const w = makeWindows(frame, { lookback: 2, horizon: 3, targets: ['a', 's'], features: ['a'] });
    const p = persistenceForecast(frame, w);
    expect(p.length).toBe(w.y.data.length);
    expect(Array.from(p.subarray(0, 6))).toEqual([1, 1, 1, 1, 1, 1].map((v, k) => (k % 2 === 0 ? v : frame.column('s')[1])));
  });

  it('seasonal naive uses the last observed season, for horizons beyond the period too', () => {
    const w = makeWindows(frame, { lookback: 1, horizon: 7, targets: ['a'], range: { start: 10, end: 30 } });
    const p = seasonalNaiveForecast(frame, w, 3);
    // origin 9: h = 1..7 → rows 7, 8, 9, 7, 8, 9, 7
    expect(Array.from(p.subarray(0, 7))).toEqual([7, 8, 9, 7, 8, 9, 7]);
    expect(Array.from(seasonalNaiveForecast(frame, w, 1).subarray(0, 7))).toEqual(Array.from(persistenceForecast(frame, w).subarray(0, 7)));
    const early = makeWindows(frame, { lookback: 1, horizon: 1, targets: ['a'] });
    expect(() => seasonalNaiveForecast(frame, early, 3)).toThrow('needs origins ≥ row 2');
    expect(() => persistenceForecast(frame.slice(0, 10), w)).toThrow('pass the frame the windows were cut from');
  });

  it('compareWithBaselines scores the model and the baselines on the same windows', () => {
    const w = makeWindows(frame, { lookback: 3, horizon: 3, targets: ['s'], features: ['s'], range: { start: 15, end: 30 } });
    const perfect = w.y.data;
    const cmp = compareWithBaselines(frame, w, perfect, { season: 3, insampleEnd: 15 });
    expect(cmp.model!.mse).toBe(0);
    expect(cmp.model!.direction).toBe(1);
    // s has period 3 plus a trend of 0.5 per row: seasonal naive misses by 0.5·3·⌈h/3⌉ = 1.5
    expect(cmp.seasonalNaive!.mae).toBeCloseTo(1.5, 6);
    expect(cmp.seasonalNaive!.mase).toBeCloseTo(1.5 / 1.5, 6);
    expect(cmp.persistence.mse).toBeGreaterThan(cmp.seasonalNaive!.mse!);
    const lines = formatComparison(cmp, 3);
    expect(lines[0]).toBe(`${w.originIndex.length} windows × H 3 × 1 target`);
    expect(lines[2]).toMatch(/^model\s+0\.000/);
    expect(() => compareWithBaselines(frame, w, new Float32Array(2))).toThrow('the prediction has 2 values, expected');
  });

  it('walk-forward evaluation pools the folds; baselines on the same folds', () => {
    const folds = walkForward(frame, { horizon: 3, folds: 4 });
    const r = evaluateWalkForward(frame, folds, (hist, fold) => {
      expect(hist.length).toBe(fold.origin + 1); // sees only the past
      const last = hist.column('a')[hist.length - 1];
      return [last + 1, last + 2, last + 3];
    }, { targets: ['a'], season: 3, metrics: ['mae', 'rmse'] });
    expect(r.windows).toBe(4);
    expect(r.model).toEqual({ mae: 0, rmse: 0 });
    expect(r.persistence.mae).toBeCloseTo(2, 12); // errors 1, 2, 3
    expect(r.seasonalNaive!.mae).toBeCloseTo(3, 12);
  });
});
