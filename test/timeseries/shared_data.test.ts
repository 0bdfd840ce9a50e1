// Reproduces the baseline numbers measured in /work/shared/data/{ett,classic-timeseries}/SOURCE.md
// with this module's loader, split, scaler, windows and baselines. Skipped (with a message) when
// the shared data folder is absent, e.g. on CI; RECURRENT_SHARED_DATA overrides its location.
import { SHARED_DATA } from '../util/shared_data.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { persistenceForecast, seasonalNaiveForecast } from '../../src/timeseries/baselines.js';
import { compareWithBaselines } from '../../src/timeseries/evaluate.js';
import { loadTimeSeriesCSV, type TimeFrame } from '../../src/timeseries/frame.js';
import { mae, mse, rmse } from '../../src/timeseries/metrics.js';
import { StandardScaler } from '../../src/timeseries/scalers.js';
import { chronologicalSplit } from '../../src/timeseries/splits.js';
import { makeWindows } from '../../src/timeseries/windows.js';

const DATA = SHARED_DATA;
const have = (p: string) => existsSync(join(DATA, p));
const ETT = ['HUFL', 'HULL', 'MUFL', 'MULL', 'LUFL', 'LULL', 'OT'];

for (const p of ['ett/ETTh1.csv', 'classic-timeseries/airline-passengers.csv', 'vega-stocks/stocks.csv']) {
  if (!have(p)) console.warn(`[timeseries] skipping shared-data checks for ${p}: not found under ${DATA} (set RECURRENT_DATA)`);
}

/** Informer protocol: train-only standard scaling, targets in the test part, context lookback rows before. */
async function ettPersistence(file: string, targets: string[], H: number, L = 96) {
  const { frame, report } = await loadTimeSeriesCSV(join(DATA, 'ett', file), { timeColumn: 'date' });
  const split = chronologicalSplit(frame, { preset: 'informer-etth' }, { lookback: L });
  const scaler = new StandardScaler().fit(frame.slice(split.train.start, split.train.end), targets);
  const scaled = scaler.transform(frame);
  const w = makeWindows(scaled, { lookback: L, horizon: H, targets, features: targets, range: split.test });
  const p = persistenceForecast(scaled, w);
  return { frame, report, split, scaled, w, mse: mse(w.y.data, p), mae: mae(w.y.data, p) };
}

describe.skipIf(!have('ett/ETTh1.csv'))('ETTh1 / ETTh2 (Informer protocol)', () => {
  it('loads ETTh1: 17,420 hourly rows, no gaps, Informer split 8640 / 2880 / 2880', async () => {
    const { report, split, w } = await ettPersistence('ETTh1.csv', ETT, 24);
    expect(report).toMatchObject({ rows: 17420, columns: ETT, dateFormat: 'iso', sorted: true, gaps: [], irregular: [], start: '2016-07-01', end: '2018-06-26 19:00:00' });
    expect(report.frequency?.label).toBe('1h');
    expect(split.train.end - split.train.start).toBe(8640);
    expect(split.val.end - split.val.contextStart).toBe(2880 + 96);
    expect(split.test.end - split.test.contextStart).toBe(2880 + 96);
    expect(w.x.shape).toEqual([2857, 96, 7]);
    expect(w.y.shape).toEqual([2857, 24, 7]);
  });

  it('multivariate persistence H=24: MSE 1.222 / MAE 0.671; H=48: 1.267 / 0.695', async () => {
    const h24 = await ettPersistence('ETTh1.csv', ETT, 24);
    expect(h24.mse).toBeCloseTo(1.222, 3);
    expect(h24.mae).toBeCloseTo(0.671, 3);
    const h48 = await ettPersistence('ETTh1.csv', ETT, 48);
    expect(h48.mse).toBeCloseTo(1.267, 3);
    expect(h48.mae).toBeCloseTo(0.695, 3);
  });

  it('univariate (OT) persistence H=24: 0.034 / 0.139; H=720: 0.129 / 0.283', async () => {
    const h24 = await ettPersistence('ETTh1.csv', ['OT'], 24);
    expect(h24.mse).toBeCloseTo(0.034, 3);
    expect(h24.mae).toBeCloseTo(0.139, 3);
    const h720 = await ettPersistence('ETTh1.csv', ['OT'], 720);
    expect(h720.mse).toBeCloseTo(0.129, 3);
    expect(h720.mae).toBeCloseTo(0.283, 3);
  });

  it.skipIf(!have('ett/ETTh2.csv'))('ETTh2 multivariate persistence H=24: 0.271 / 0.332', async () => {
    const r = await ettPersistence('ETTh2.csv', ETT, 24);
    expect(r.mse).toBeCloseTo(0.271, 3);
    expect(r.mae).toBeCloseTo(0.332, 3);
  });

  it('compareWithBaselines gives the same persistence row, plus seasonal naive (m = 24)', async () => {
    const { scaled, split, w } = await ettPersistence('ETTh1.csv', ETT, 24);
    const cmp = compareWithBaselines(scaled, w, null, { season: 24, insampleEnd: split.train.end, metrics: ['mse', 'mae', 'mase'] });
    expect(cmp.persistence.mse).toBeCloseTo(1.222, 3);
    expect(cmp.persistence.mae).toBeCloseTo(0.671, 3);
    expect(cmp.seasonalNaive!.mse).toBeGreaterThan(0);
  });
});

describe.skipIf(!have('classic-timeseries/airline-passengers.csv'))('classic series', () => {
  it('airline, last 48 months, one step: persistence RMSE 48.04, seasonal naive 41.85', async () => {
    const { frame, report } = await loadTimeSeriesCSV(join(DATA, 'classic-timeseries/airline-passengers.csv'));
    expect(report).toMatchObject({ timeColumn: 'Month', dateFormat: 'YYYY-MM', rows: 144, gaps: [], start: '1949-01-01', end: '1960-12-01' });
    expect(report.frequency?.label).toBe('1M');
    // tutorial protocol: train 96 months (67 %), test the last 48, look_back 1
    const w = makeWindows(frame, { lookback: 1, horizon: 1, targets: ['Passengers'], range: { start: 96, end: 144 } });
    expect(w.originIndex.length).toBe(48);
    expect(rmse(w.y.data, persistenceForecast(frame, w))).toBeCloseTo(48.04, 2);
    expect(rmse(w.y.data, seasonalNaiveForecast(frame, w, 12))).toBeCloseTo(41.85, 2);
  });

  it('daily minimum temperatures: persistence RMSE 2.582 °C on the last 365 days; the two missing Dec 31 of leap years are reported', async () => {
    const { frame, report } = await loadTimeSeriesCSV(join(DATA, 'classic-timeseries/daily-min-temperatures.csv'));
    expect(report.rows).toBe(3650);
    expect(report.frequency?.label).toBe('1d');
    expect(report.gaps.map((g) => `${g.after}→${g.before}`)).toEqual(['1984-12-30→1985-01-01', '1988-12-30→1989-01-01']);
    const n = frame.length;
    const w = makeWindows(frame, { lookback: 1, horizon: 1, targets: ['Temp'], range: { start: n - 365, end: n } });
    expect(rmse(w.y.data, persistenceForecast(frame, w))).toBeCloseTo(2.582, 3);
  });
});

describe.skipIf(!have('vega-stocks/stocks.csv'))('vega stocks and weather', () => {
  it('"Mon D YYYY" dates, one symbol per series, monthly frequency', async () => {
    const load = (symbol: string) => loadTimeSeriesCSV(join(DATA, 'vega-stocks/stocks.csv'), { timeColumn: 'date', columns: ['price'], where: { symbol } });
    const msft = await load('MSFT');
    expect(msft.report).toMatchObject({ dateFormat: 'Mon D YYYY', rows: 123, recordsRead: 560, gaps: [], start: '2000-01-01', end: '2010-03-01' });
    expect(msft.report.frequency?.label).toBe('1M');
    const goog = await load('GOOG');
    expect(goog.report).toMatchObject({ rows: 68, start: '2004-08-01' });
    const sp = await loadTimeSeriesCSV(join(DATA, 'vega-stocks/sp500.csv'));
    expect(sp.report.rows).toBe(123);
    // direction accuracy is defined relative to the origin; persistence calls every move flat
    const f: TimeFrame = msft.frame;
    const w = makeWindows(f, { lookback: 12, horizon: 1, targets: ['price'], range: { start: 96, end: 123 } });
    const cmp = compareWithBaselines(f, w, null, { metrics: ['rmse', 'direction'] });
    expect(cmp.persistence.direction).toBe(0);
  });

  it('seattle weather: ISO days, the text column is left out and reported', async () => {
    const { report } = await loadTimeSeriesCSV(join(DATA, 'vega-stocks/seattle-weather.csv'));
    expect(report).toMatchObject({ rows: 1461, dateFormat: 'YYYY-MM-DD', columns: ['precipitation', 'temp_max', 'temp_min', 'wind'], skippedColumns: ['weather'], gaps: [] });
  });
});
