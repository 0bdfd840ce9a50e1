// The Forecaster recipe on tiny synthetic series: it must beat persistence where there is a
// pattern to learn, save/load exactly, transform and invert targets exactly, report baselines on
// the same windows, and fail with one clear message on bad input.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Forecaster,
  Rng,
  TargetTransform,
  TimeFrame,
  judge,
  lineChartSVG,
  makeWindows,
  mse,
  niceTicks,
  persistenceForecast,
  saveModel,
  Sequential,
  Dense,
  timeTicks,
  verdictLines,
} from '../../src/index.js';
import type { BaselineComparison } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-forecaster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;

/** Hourly sine with a 24-step period plus uniform noise in ±noise. */
function sineFrame(n = 360, noise = 0.3, seed = 1): TimeFrame {
  const rng = new Rng(seed);
  const t0 = Date.UTC(2021, 0, 1);
  const y: number[] = [];
  const x: number[] = [];
  for (let i = 0; i < n; i++) {
    y.push(10 + 3 * Math.sin((2 * Math.PI * i) / 24) + noise * (2 * rng.uniform() - 1));
    x.push(Math.cos((2 * Math.PI * i) / 24));
  }
  return TimeFrame.fromColumns(
    Array.from({ length: n }, (_, i) => t0 + i * HOUR),
    { y, x },
  );
}

/** Monthly series with trend and multiplicative yearly season (airline-like). */
function monthlyFrame(n = 120): TimeFrame {
  const times: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    times.push(Date.UTC(1950 + Math.floor(i / 12), i % 12, 1));
    v.push((100 + 2 * i) * (1 + 0.2 * Math.sin((2 * Math.PI * i) / 12)));
  }
  return TimeFrame.fromColumns(times, { passengers: v });
}

describe('Forecaster on a noisy sine', () => {
  const frame = sineFrame();
  let f: Forecaster;

  it('trains with early stopping and beats persistence on the test part', async () => {
    f = Forecaster.create({ lookback: 24, horizon: 6, targets: ['y'], units: 16, seed: 3 });
    const r = await f.fit(frame, { fractions: [0.6, 0.2, 0.2] }, { epochs: 30, patience: 5, lr: 5e-3 });
    expect(r.trainWindows).toBe(216 - 24 - 6 + 1);
    expect(r.bestEpoch).toBeGreaterThan(0);
    expect(r.history.val_loss[r.bestEpoch - 1]).toBe(r.bestValLoss);
    const ev = f.evaluate(frame, 'test');
    expect(ev.comparison.windows).toBe(72 - 6 + 1);
    expect(ev.comparison.season).toBe(24); // hourly → daily season
    expect(ev.comparison.model!.mse!).toBeLessThan(0.5 * ev.comparison.persistence.mse!);
    expect(ev.verdicts[0]).toMatchObject({ baseline: 'persistence', outcome: 'beats' });
    expect(ev.verdict[0]).toMatch(/^The model beats persistence: MSE /);
  });

  it('fits the scaler on the training rows only', () => {
    const train = frame.column('y').subarray(0, 216);
    const mean = train.reduce((a, b) => a + b, 0) / train.length;
    expect(f.state.scaler).toMatchObject({ type: 'standard', columns: ['y'] });
    expect((f.state.scaler as { mean: number[] }).mean[0]).toBeCloseTo(mean, 12);
  });

  it('predicts the next horizon after the last row, with times one step apart', () => {
    const p = f.predict(frame);
    expect(p.targets).toEqual(['y']);
    expect(p.values.y).toHaveLength(6);
    expect(p.originTime).toBe(frame.times[frame.length - 1]);
    expect(p.times).toEqual(Array.from({ length: 6 }, (_, h) => p.originTime + (h + 1) * HOUR));
    // The next steps of the sine (noise-free values), roughly.
    const truth = Array.from({ length: 6 }, (_, h) => 10 + 3 * Math.sin((2 * Math.PI * (frame.length + h)) / 24));
    expect(mse(truth, p.values.y!)).toBeLessThan(1);
  });

  it('saves and loads with identical predictions and evaluations', async () => {
    const path = join(dir, 'sine.safetensors');
    f.meta.note = 'kept';
    await f.save(path);
    const g = await Forecaster.load(path);
    expect(g.config).toEqual(f.config);
    expect(g.meta.note).toBe('kept');
    expect(g.predict(frame)).toEqual(f.predict(frame));
    const a = f.evaluate(frame, 'test');
    const b = g.evaluate(frame, 'test');
    expect(Array.from(b.forecast)).toEqual(Array.from(a.forecast));
    expect(b.comparison).toEqual(a.comparison);
  });

  it('walk-forward without refit equals the windows every horizon steps', async () => {
    const wf = await f.walkForward(frame, {});
    const ev = f.evaluate(frame, 'test', { stride: 6 });
    expect(wf.comparison.windows).toBe(ev.comparison.windows);
    expect(wf.comparison.model!.mse).toBeCloseTo(ev.comparison.model!.mse!, 5);
    expect(wf.comparison.persistence.mse).toBeCloseTo(ev.comparison.persistence.mse!, 5); // float32 vs float64 actual values
    expect(wf.part).toMatch(/walk-forward, \d+ folds, step 6/);
  });

  it('walk-forward with refit trains a fresh model per fold', async () => {
    const folds: number[] = [];
    const wf = await f.walkForward(frame, { folds: 2, refit: { epochs: 2 }, onFold: (k) => folds.push(k) });
    expect(folds).toEqual([1, 2]);
    expect(wf.comparison.windows).toBe(2);
    expect(Number.isFinite(wf.comparison.model!.mse!)).toBe(true);
  });
});

describe('Forecaster variants', () => {
  it('seq2seq with attention, covariates and calendar features trains, saves and loads exactly', async () => {
    const frame = sineFrame(240);
    const f = Forecaster.create({ lookback: 12, horizon: 4, targets: ['y'], features: ['x'], units: 8, head: 'seq2seq', attention: true, calendar: true, cell: 'gru', seed: 1 });
    const r = await f.fit(frame, { fractions: [0.6, 0.2, 0.2] }, { epochs: 2 });
    expect(r.epochs).toBe(2);
    expect(f.state.calendarFeatures).toEqual(['hour', 'dayOfWeek']);
    expect(f.dataColumns).toEqual(['y', 'x']);
    const path = join(dir, 's2s.safetensors');
    await f.save(path);
    const g = await Forecaster.load(path);
    expect(g.predict(frame)).toEqual(f.predict(frame));
  });

  it('relative windows and stacked layers work, and metrics can be on the scaled values', async () => {
    const frame = sineFrame(240);
    const f = Forecaster.create({ lookback: 12, horizon: 3, targets: ['y', 'x'], units: 8, numLayers: 2, dropout: 0.1, relative: true, metricsScale: 'scaled', seed: 1 });
    await f.fit(frame, { fractions: [0.6, 0.2, 0.2] }, { epochs: 2 });
    const ev = f.evaluate(frame, 'test');
    expect(ev.scale).toBe('scaled');
    // Persistence on the scaled frame, computed independently.
    const scaled = f.scaler.transform(frame);
    const split = f.resolveSplit(frame);
    const w = makeWindows(scaled, { lookback: 12, horizon: 3, targets: ['y', 'x'], features: ['y', 'x'], range: split.test });
    expect(ev.comparison.persistence.mse).toBeCloseTo(mse(w.y.data, persistenceForecast(scaled, w)), 6);
    expect(ev.comparison.windows).toBe(w.originIndex.length);
  });

  it('log + seasonal differencing: baselines on the same windows as without, forecasts in original units', async () => {
    const frame = monthlyFrame();
    const f = Forecaster.create({ lookback: 12, horizon: 2, targets: ['passengers'], units: 8, log: true, difference: [12], seed: 1 });
    await f.fit(frame, { dates: { valStart: '1956-01', testStart: '1957-01' } }, { epochs: 3 });
    expect(f.describeTransform()).toBe('log, seasonal difference (lag 12)');
    const ev = f.evaluate(frame, 'test');
    const split = f.resolveSplit(frame);
    const w = makeWindows(frame, { lookback: 12, horizon: 2, targets: ['passengers'], range: split.test });
    expect(ev.comparison.windows).toBe(w.originIndex.length);
    expect(Array.from(ev.origins)).toEqual(Array.from(w.originIndex));
    expect(ev.comparison.persistence.mse).toBeCloseTo(mse(w.y.data, persistenceForecast(frame, w)), 6);
    // Seasonal differencing makes a near-perfect yearly pattern easy: the forecast is in passengers.
    const p = f.predict(frame);
    expect(p.values.passengers!.every((v) => v > 100 && v < 700)).toBe(true);
  });
});

describe('TargetTransform', () => {
  it('inverts log and differences exactly given the true last stage', () => {
    const y = Array.from({ length: 60 }, (_, i) => 50 + i + 10 * Math.sin(i / 2));
    const t = new TargetTransform({ log: true, difference: [12, 1] });
    expect(t.lag).toBe(13);
    const stages = t.forward(y, 'y');
    expect(stages).toHaveLength(3);
    expect(Number.isNaN(stages[2]![12]!)).toBe(true);
    const origin = 40;
    const H = 15; // longer than the season: later steps build on reconstructed ones
    const last = stages[2]!.subarray(origin + 1, origin + 1 + H);
    const back = t.inverse(last, stages, origin, H);
    for (let h = 0; h < H; h++) expect(back[h]).toBeCloseTo(y[origin + 1 + h]!, 9);
  });

  it('rejects non-positive values under log, naming the column and time', () => {
    const t = new TargetTransform({ log: true });
    expect(() => t.forward([1, 0, 2], 'price', (r) => `2020-0${r + 1}`)).toThrow('the log transform needs values > 0, but column "price" is 0 at 2020-02');
  });
});

describe('errors are one clear message', () => {
  const frame = sineFrame(120);

  it('names a missing column and lists the available ones', async () => {
    const f = Forecaster.create({ lookback: 12, horizon: 3, targets: ['load'] });
    await expect(f.fit(frame, { fractions: [0.6, 0.2, 0.2] })).rejects.toThrow('column "load" not found; the series has: y, x');
  });

  it('says when a part is too short for lookback + horizon', async () => {
    const f = Forecaster.create({ lookback: 48, horizon: 24, targets: ['y'] });
    await expect(f.fit(frame, { fractions: [0.7, 0.1, 0.2] })).rejects.toThrow(
      'the validation part (rows 84–95) has 12 rows, fewer than the horizon 24, so no window has all its targets there; use a smaller lookback/horizon, another split, or a longer series',
    );
    const g = Forecaster.create({ lookback: 100, horizon: 24, targets: ['y'] });
    await expect(g.fit(frame, { fractions: [0.6, 0.2, 0.2] })).rejects.toThrow('the training part (rows 0–71) is too short for lookback 100 + horizon 24: 72 rows of history up to its end, a window needs 124;');
    expect(g.isFitted).toBe(false);
  });

  it('says when the series is too short to predict from', async () => {
    const f = Forecaster.create({ lookback: 12, horizon: 3, targets: ['y'], units: 4 });
    await f.fit(frame, { fractions: [0.6, 0.2, 0.2] }, { epochs: 1 });
    expect(() => f.predict(frame.slice(0, 5))).toThrow('the series is too short to forecast from: it has 5 rows; lookback 12 are needed');
  });

  it('rejects bad options', () => {
    expect(() => Forecaster.create({ lookback: 0, horizon: 3, targets: ['y'] })).toThrow('lookback must be an integer ≥ 1, got 0');
    expect(() => Forecaster.create({ lookback: 5, horizon: 3, targets: [] })).toThrow('targets must be a non-empty list');
    expect(() => Forecaster.create({ lookback: 5, horizon: 3, targets: ['y'], attention: true })).toThrow("attention needs head 'seq2seq'");
    expect(() => Forecaster.create({ lookback: 5, horizon: 3, targets: ['y'], log: true, metricsScale: 'scaled' })).toThrow("metricsScale 'scaled' is only defined without log/difference");
    expect(() => Forecaster.create({ lookback: 5, horizon: 3, targets: ['y'], difference: [0] })).toThrow('difference must be a list of integer lags ≥ 1');
  });

  it('refuses to load a model file that is not a forecaster', async () => {
    const m = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
    const path = join(dir, 'plain.safetensors');
    await saveModel(m, path);
    await expect(Forecaster.load(path)).rejects.toThrow('not a forecaster model');
  });

  it('needs fit before predict', () => {
    const f = Forecaster.create({ lookback: 5, horizon: 3, targets: ['y'] });
    expect(() => f.predict(frame)).toThrow('not fitted yet');
  });
});

describe('verdicts', () => {
  const cmp = (model: number, pers: number, seas: number): BaselineComparison => ({
    windows: 10,
    horizon: 1,
    targets: ['y'],
    season: 12,
    model: { mse: model, mae: Math.sqrt(model) },
    persistence: { mse: pers, mae: Math.sqrt(pers) },
    seasonalNaive: { mse: seas, mae: Math.sqrt(seas) },
  });

  it('says plainly when the model does not beat a baseline', () => {
    const lines = verdictLines(judge(cmp(2, 3, 1)));
    expect(lines[0]).toMatch(/^The model beats persistence: MSE 2\.0000 vs 3\.0000 \(−33\.3%\)/);
    expect(lines[1]).toMatch(/^The model does NOT beat seasonal naive \(m=12\): MSE 2\.0000 vs 1\.0000 \(\+100\.0%\)/);
    expect(lines[2]).toBe('Verdict: the model does NOT beat seasonal naive (m=12); on this data and horizon a naive forecast is as good or better, so prefer it.');
    expect(verdictLines(judge(cmp(0.5, 3, 1))).at(-1)).toBe('Verdict: the model beats every naive baseline here.');
  });

  it('adds the direction call against the majority direction', () => {
    const lines = verdictLines([], { model: 0.48, majority: 'up', majorityAccuracy: 0.6 });
    expect(lines).toEqual(['Direction: the model calls up/down right 48.0% of the time; always saying "up" (the training majority) gets 60.0%, so the model does NOT beat it.']);
  });
});

describe('SVG line chart', () => {
  it('draws axes with ticks and labels, a legend and one path per series; NaN breaks a line', () => {
    const t0 = Date.UTC(2021, 0, 1);
    const times = Array.from({ length: 48 }, (_, i) => t0 + i * HOUR);
    const svg = lineChartSVG(
      [
        { name: 'actual <y>', times, values: times.map((_, i) => Math.sin(i / 4)) },
        { name: 'model', times, values: times.map((_, i) => (i === 10 ? NaN : Math.cos(i / 4))), dash: '4 2' },
      ],
      { title: 'Test', yLabel: 'units', markers: [{ at: times[24]!, label: 'origin' }] },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('actual &lt;y&gt;');
    expect(svg).toContain('>origin</text>');
    expect(svg).toContain('>01-02 00:00</text>'); // a time tick label
    expect(svg).toContain('>0.5</text>'); // a value tick label
    const paths = svg.match(/<path d="[^"]+"/g)!;
    expect(paths).toHaveLength(2);
    expect(paths[1]!.match(/M/g)).toHaveLength(2); // broken at the NaN
  });

  it('picks 1-2-5 value ticks and calendar-aligned time ticks', () => {
    expect(niceTicks(0.3, 9.7, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-1, 1, 4)).toEqual([-1, -0.5, 0, 0.5, 1]);
    const { ticks, label } = timeTicks(Date.UTC(1949, 0, 1), Date.UTC(1960, 11, 1));
    expect(ticks.map(label)).toEqual(['1950', '1952', '1954', '1956', '1958', '1960']);
  });
});
