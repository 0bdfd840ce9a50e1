import { describe, expect, it } from 'vitest';
import { directionAccuracy, forecastMetrics, mae, mape, mase, maseScale, mse, rmse, smape } from '../../src/timeseries/metrics.js';

describe('metrics vs hand computations', () => {
  const y = [3, -0.5, 2, 7];
  const p = [2.5, 0, 2, 8];
  it('MSE, RMSE, MAE (sklearn docstring example)', () => {
    expect(mse(y, p)).toBe(0.375);
    expect(rmse(y, p)).toBeCloseTo(Math.sqrt(0.375), 15);
    expect(mae(y, p)).toBe(0.5);
  });

  it('MAPE in percent, skipping zero actuals', () => {
    expect(mape([100, 200], [110, 180])).toBeCloseTo(10, 12);
    expect(mape([0, 100], [5, 90])).toBeCloseTo(10, 12);
    expect(mape([0], [1])).toBeNaN();
  });

  it('sMAPE (M4 definition, 0–200, 0/0 counts 0)', () => {
    // 200/3 · (10/210 + 20/380 + 0)
    expect(smape([100, 200, 0], [110, 180, 0])).toBeCloseTo((200 / 3) * (10 / 210 + 20 / 380), 12);
    expect(smape([1], [-1])).toBe(200);
  });

  it('MASE with a seasonal period', () => {
    // in-sample x, m = 4: |x_t − x_{t−4}| for t = 4..7 = |5−1|, |6−2|, |8−4|, |7−3| → scale 4
    const x = [1, 2, 4, 3, 5, 6, 8, 7];
    expect(maseScale(x, 4)).toBe(4);
    // m = 1: |1|,|2|,|1|,|2|,|1|,|2|,|1| → 10/7
    expect(maseScale(x, 1)).toBeCloseTo(10 / 7, 15);
    // forecast errors 2, 4 → MAE 3 → MASE 3/4
    expect(mase([9, 10], [11, 6], { insample: x, season: 4 })).toBe(0.75);
    // two channels interleaved on the last axis, each with its own scale (4 and 8)
    const x2 = x.map((v) => 2 * v);
    expect(mase([9, 18, 10, 20], [11, 18, 6, 28], { insample: [x, x2], season: 4 })).toBeCloseTo((2 / 4 + 0 + 4 / 4 + 8 / 8) / 4, 15);
    expect(() => maseScale([1, 2, 3], 3)).toThrow('a seasonal period of 3 needs more');
    expect(() => maseScale([5, 5, 5], 1)).toThrow('MASE is undefined');
  });

  it('direction accuracy against the last observed value', () => {
    expect(directionAccuracy([11, 9, 12], [10.5, 9.5, 9], [10, 10, 10])).toBeCloseTo(2 / 3, 15);
    // persistence (forecast = reference) calls every move "flat"
    expect(directionAccuracy([11, 10, 12], [10, 10, 10], [10, 10, 10])).toBeCloseTo(1 / 3, 15);
  });

  it('forecastMetrics and validation', () => {
    const m = forecastMetrics(y, p, { insample: [1, 2, 4, 3], reference: [3, 3, 3, 3] });
    expect(Object.keys(m)).toEqual(['mse', 'mae', 'rmse', 'mape', 'smape', 'mase', 'direction']);
    expect(m.mse).toBe(0.375);
    expect(forecastMetrics(y, p, { metrics: ['mae'] })).toEqual({ mae: 0.5 });
    expect(() => mse([1, 2], [1])).toThrow('mse: y has 2 values but the forecast has 1');
    expect(() => forecastMetrics(y, p, { metrics: ['mase'] })).toThrow('mase needs insample');
  });
});
