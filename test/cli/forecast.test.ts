// `recurrent forecast train|eval|predict`, in-process through `main(argv, io)` on a temp CSV.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dense, Sequential, saveModel } from '../../src/index.js';
import { expectCleanError, jsonLines, runCli, tempDir } from '../util/cli.js';

const dir = tempDir('recurrent-forecast-cli-');

// Hourly: load = 10 + 3 sin(2πt/24) + noise, temp = a covariate; written with a fixed generator.
function makeCSV(n: number): string {
  let s = 12345;
  const rand = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const rows = ['date,load,temp,site'];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2021, 0, 1) + i * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
    rows.push(`${t},${(10 + 3 * Math.sin((2 * Math.PI * i) / 24) + 0.3 * rand()).toFixed(4)},${(5 + Math.cos((2 * Math.PI * i) / 24)).toFixed(3)},A`);
  }
  return rows.join('\n') + '\n';
}

const csv = join(dir, 'load.csv');
writeFileSync(csv, makeCSV(360));
const shortCsv = join(dir, 'short.csv');
writeFileSync(shortCsv, makeCSV(30));
const model = join(dir, 'load.safetensors');
const trainArgs = ['forecast', 'train', '--csv', csv, '--time-column', 'date', '--target', 'load', '--features', 'temp', '--lookback', '24', '--horizon', '6', '--units', '16', '--epochs', '25', '--lr', '0.005', '--split', '0.6,0.2,0.2'];

describe('recurrent forecast', () => {
  it('lists the subcommands in help', async () => {
    const top = await runCli(['--help']);
    for (const c of ['forecast train', 'forecast eval', 'forecast predict']) expect(top.out).toContain(c);
    const g = await runCli(['forecast', '--help']);
    expect(g.code).toBe(0);
    expect(g.out).toContain('Usage: recurrent forecast <train|eval|predict>');
    expect(g.out).toContain('--split informer-etth');
    const t = await runCli(['forecast', 'train', '--help']);
    expect(t.out).toContain('--lookback N');
    expect(t.out).toContain('--difference LAGS');
  });

  it('trains, reports the baselines and the verdict, and saves the model and a plot', async () => {
    const plot = join(dir, 'train.svg');
    const r = await runCli([...trainArgs, '--out', model, '--plot', plot]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('data    load.csv: 360 rows × 2 columns');
    expect(r.out).toMatch(/split   train rows 0–215 .*, val rows 216–287 .*, test rows 288–359/);
    expect(r.out).toContain('LSTM 16, dense head (direct multi-step): 24 steps × 2 inputs → 6 steps × 1 target');
    expect(r.out).toMatch(/Trained \d+ epochs on 187 windows/);
    expect(r.out).toMatch(/^model\s+\d/m);
    expect(r.out).toMatch(/^persistence\s+\d/m);
    expect(r.out).toMatch(/^seasonal naive \(m=24\)\s+\d/m);
    expect(r.out).toContain('The model beats persistence');
    expect(r.out).toMatch(/^Verdict: /m);
    expect(existsSync(model)).toBe(true);
    const svg = readFileSync(plot, 'utf8');
    expect(svg).toMatch(/^<svg /);
    for (const name of ['actual', 'persistence', 'seasonal naive (m=24)', 'model forecast']) expect(svg).toContain(`>${name}</text>`);
  });

  it('evaluates the saved model: the same numbers as training reported, in JSON too', async () => {
    const r = await runCli(['forecast', 'eval', '--model', model, '--csv', csv, '--json']);
    expect(r.code).toBe(0);
    const [e] = jsonLines(r.out);
    expect(e).toMatchObject({ event: 'eval', modelFile: model, part: 'test', scale: 'original', windows: 67, horizon: 6, targets: ['load'], season: 24 });
    expect(e!.model.mse).toBeLessThan(e!.persistence.mse);
    expect(e!.verdict.at(-1)).toMatch(/^Verdict: /);
    const j = await runCli([...trainArgs, '--out', join(dir, 'again.safetensors'), '--json']);
    const done = jsonLines(j.out).at(-1)!;
    expect(done.event).toBe('done');
    expect(done.evaluation.model.mse).toBeCloseTo(e!.model.mse, 10); // same seed, same data
    const text = await runCli(['forecast', 'eval', '--model', model, '--csv', csv, '--walk-forward']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/Test part \(walk-forward, 12 folds, step 6\), rows 288–359/);
    expect(text.out).toContain('persistence');
  });

  it('predicts the next horizon beside the baselines, and plots it', async () => {
    const plot = join(dir, 'next.svg');
    const r = await runCli(['forecast', 'predict', '--model', model, '--csv', csv, '--json', '--plot', plot]);
    expect(r.code).toBe(0);
    const [p] = jsonLines(r.out);
    expect(p).toMatchObject({ event: 'forecast', modelFile: model, origin: '2021-01-15 23:00:00', targets: ['load'], season: 24 });
    expect(p!.times).toEqual(['2021-01-16', '2021-01-16 01:00:00', '2021-01-16 02:00:00', '2021-01-16 03:00:00', '2021-01-16 04:00:00', '2021-01-16 05:00:00']);
    expect(p!.values.load).toHaveLength(6);
    expect(p!.baselines.load.persistence).toHaveLength(6);
    expect(p!.testVerdict.at(-1)).toMatch(/^Verdict: /);
    expect(readFileSync(plot, 'utf8')).toContain('forecast origin');
    const text = await runCli(['forecast', 'predict', '--model', model, '--csv', csv]);
    expect(text.out).toContain('Forecast from 2021-01-15 23:00:00');
    expect(text.out).toMatch(/2021-01-16 05:00:00\s+[\d.]+\s+[\d.]+\s+[\d.]+/);
    expect(text.out).toContain('On its test part when trained:');
  });

  it('supports log/differencing, seq2seq, calendar features and dates as the split', async () => {
    const r = await runCli([
      'forecast', 'train', '--csv', csv, '--target', 'load', '--lookback', '12', '--horizon', '3', '--units', '8', '--epochs', '2',
      '--head', 'seq2seq', '--attention', '--calendar', '--log', '--difference', '24', '--split', '2021-01-10,2021-01-13', '--out', join(dir, 's2s.safetensors'),
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('seq2seq decoder with attention');
    expect(r.out).toContain('transform log, seasonal difference (lag 24)');
    expect(r.out).toContain('calendar hour, dayOfWeek');
    expect(r.out).toMatch(/test rows 288–359/);
  });

  it('fails with one clear line on bad input', async () => {
    expectCleanError(await runCli(['forecast', 'train', '--csv', csv, '--target', 'power', '--out', join(dir, 'x.safetensors')]), /--csv .*load\.csv: column "power" is not in the header; columns are: date, load, temp, site/);
    expectCleanError(
      await runCli(['forecast', 'train', '--csv', shortCsv, '--target', 'load', '--lookback', '24', '--horizon', '6', '--out', join(dir, 'x.safetensors')]),
      /forecast train: the training part \(rows 0–20\) is too short for lookback 24 \+ horizon 6: 21 rows of history up to its end, a window needs 30; use a smaller/,
    );
    expectCleanError(await runCli(['forecast', 'train', '--csv', join(dir, 'nope.csv'), '--target', 'load', '--out', join(dir, 'x.safetensors')]), /--csv .*nope\.csv: no such file/);
    expectCleanError(await runCli(['forecast', 'train', '--csv', csv, '--out', join(dir, 'x.safetensors')]), /missing --target COL \(or --multivariate/);
    expectCleanError(await runCli(['forecast', 'train', '--csv', csv, '--target', 'load', '--split', '0.5,0.2,0.2', '--out', join(dir, 'x.safetensors')]), /--split fractions must sum to 1/);
    expectCleanError(await runCli(['forecast', 'train', '--csv', csv, '--target', 'load', '--difference', '0', '--out', join(dir, 'x.safetensors')]), /--difference expects lags ≥ 1/);
    expectCleanError(await runCli(['forecast', 'predict', '--model', model, '--csv', shortCsv.replace('short', 'none')]), /--csv .*none\.csv: no such file/);
    expectCleanError(await runCli(['forecast', 'predict', '--model', model, '--csv', csv, '--plot-target', 'temp', '--plot', join(dir, 'p.svg')]), /--plot-target temp: not a target of this model; targets are: load/);
    const plain = join(dir, 'plain.safetensors');
    await saveModel(new Sequential([new Dense({ units: 1, inputShape: [2] })]), plain);
    expectCleanError(await runCli(['forecast', 'eval', '--model', plain, '--csv', csv]), /not a forecaster model/);
    const tiny = join(dir, 'tiny.csv');
    writeFileSync(tiny, makeCSV(20));
    expectCleanError(await runCli(['forecast', 'predict', '--model', model, '--csv', tiny]), /forecast predict: the series is too short to forecast from: it has 20 rows; lookback 24 are needed/);
  });
});
