/**
 * `recurrent forecast train|eval|predict`: LSTM/GRU forecasting of CSV time series, always
 * reported beside the persistence and seasonal-naive baselines, with a plain verdict.
 */
import { stat, writeFile } from 'node:fs/promises';
import {
  Forecaster,
  PLOT_COLORS,
  defaultCalendar,
  describeLoadReport,
  formatDate,
  formatReport,
  getBackend,
  lineChartSVG,
  loadTimeSeriesCSV,
} from '../index.js';
import type { CalendarFeature, ForecastEvaluation, ForecasterOptions, LoadReport, MissingPolicy, PlotSeries, Split, SplitSpec, TimeFrame } from '../index.js';
import { HELP_FLAG, UsageError, getBool, getNumber, getString } from './args.js';
import type { FlagSpec, FlagValue, ParsedArgs } from './args.js';
import { CliError, checkWritable, fmtBytes, fmtDuration, fmtInt, jsonLine, loadModelFile, numberFlag, required } from './io.js';
import type { CliIO, Command } from './io.js';

/** CSV settings kept in the model file so `eval` and `predict` read new files the same way. */
interface DataMeta {
  csv: string;
  timeColumn: string;
  where: Record<string, string> | null;
  missing: MissingPolicy;
  gaps: 'report' | 'error' | 'fill';
  direction: boolean;
}

/** The test-part result kept in the model file, quoted by `predict`. */
interface EvalMeta {
  part: string;
  rows: { start: number; end: number };
  scale: string;
  beatsBaselines: boolean;
  verdict: string[];
}

// ---------------------------------------------------------------------------------------------
// Flags and parsing helpers

const DATA_FLAGS: FlagSpec[] = [
  { name: 'csv', type: 'string', valueName: 'FILE', description: 'CSV file with a date/time column' },
  { name: 'time-column', type: 'string', valueName: 'NAME', description: 'the date/time column (default: the first column holding dates)' },
  { name: 'where', type: 'string', valueName: 'COL=VALUE', multiple: true, description: 'keep only rows where COL equals VALUE, e.g. symbol=MSFT' },
  { name: 'missing', type: 'string', choices: ['error', 'drop', 'ffill', 'interpolate'], description: 'missing values: stop with an error (default), drop rows, forward-fill, interpolate' },
  { name: 'gaps', type: 'string', choices: ['report', 'error', 'fill'], description: 'holes in the time grid: report (default), error, or fill (then --missing handles them)' },
];

const PLOT_FLAGS: FlagSpec[] = [
  { name: 'plot', type: 'string', valueName: 'FILE.svg', description: 'write an SVG line chart of history, forecasts and actual values' },
  { name: 'plot-target', type: 'string', valueName: 'NAME', description: 'target column to plot (default: the first target)' },
  { name: 'plot-points', type: 'integer', valueName: 'N', description: 'rows shown in the plot (default: a sensible window)' },
];

const EVAL_FLAGS: FlagSpec[] = [
  { name: 'part', type: 'string', choices: ['test', 'val', 'train'], default: 'test', description: 'part of the split to score' },
  { name: 'stride', type: 'integer', default: 1, description: 'rows between forecast origins (1 = every window)' },
  { name: 'walk-forward', type: 'boolean', description: 'walk-forward (rolling origin) evaluation: origins every --step rows, forecasts from the history up to each' },
  { name: 'step', type: 'integer', description: 'walk-forward: rows between origins (default: the horizon)' },
  { name: 'folds', type: 'integer', description: 'walk-forward: only the last N folds' },
  { name: 'refit', type: 'boolean', description: 'walk-forward: retrain a fresh model for every fold (slow)' },
  { name: 'scale', type: 'string', choices: ['original', 'scaled'], description: "metric scale (default: the model's --metrics-scale)" },
  { name: 'direction', type: 'boolean', description: 'add the up/down verdict (stock prices; default: as trained)' },
];

/** Values of a repeatable flag, each split on commas. */
function listFlag(args: ParsedArgs, name: string): string[] {
  const v = args.flags[name];
  if (v === undefined) return [];
  const all = (Array.isArray(v) ? v : [v]) as FlagValue[];
  return all.flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

function parseWhere(args: ParsedArgs, command: string): Record<string, string> | null {
  const list = args.flags.where === undefined ? [] : ((Array.isArray(args.flags.where) ? args.flags.where : [args.flags.where]) as FlagValue[]).map(String);
  if (list.length === 0) return null;
  const out: Record<string, string> = {};
  for (const w of list) {
    const k = w.indexOf('=');
    if (k <= 0) throw new UsageError(`--where expects COL=VALUE, e.g. --where symbol=MSFT; got '${w}'`, command);
    out[w.slice(0, k).trim()] = w.slice(k + 1).trim();
  }
  return out;
}

/** `informer-etth`, `0.7,0.1,0.2` (fractions) or `1956-01,1957-01[,END]` (validation and test start dates). */
export function parseSplitFlag(s: string, command: string): SplitSpec {
  if (s === 'informer-etth' || s === 'informer-ettm') return { preset: s };
  const parts = s.split(',').map((p) => p.trim());
  if (parts.length === 3 && parts.every((p) => /^\d*\.?\d+$/.test(p)) && parts.every((p) => Number(p) <= 1)) {
    const f = parts.map(Number) as [number, number, number];
    const sum = f[0] + f[1] + f[2];
    if (Math.abs(sum - 1) > 1e-6) throw new UsageError(`--split fractions must sum to 1, got ${parts.join(' + ')} = ${+sum.toFixed(6)}`, command);
    return { fractions: [f[0], f[1], 1 - f[0] - f[1]] };
  }
  if (parts.length === 2 || parts.length === 3) {
    const [valStart, testStart, end] = parts;
    return { dates: { valStart: valStart!, testStart: testStart!, ...(end ? { end } : {}) } };
  }
  throw new UsageError(`--split must be informer-etth, informer-ettm, three fractions (0.7,0.1,0.2) or dates VAL_START,TEST_START[,END]; got '${s}'`, command);
}

async function loadCSV(
  path: string,
  opts: { timeColumn?: string; columns?: string[]; where: Record<string, string> | null; missing: MissingPolicy; gaps: DataMeta['gaps'] },
): Promise<{ frame: TimeFrame; report: LoadReport }> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new CliError(`--csv ${path}: is a directory, expected a CSV file`);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`--csv ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return await loadTimeSeriesCSV(path, {
      ...(opts.timeColumn ? { timeColumn: opts.timeColumn } : {}),
      ...(opts.columns ? { columns: opts.columns } : {}),
      ...(opts.where ? { where: opts.where } : {}),
      missing: opts.missing,
      gaps: opts.gaps,
    });
  } catch (e) {
    const msg = (e as Error).message;
    const base = path.split(/[\\/]/).pop()!;
    throw new CliError(msg.startsWith(base) ? `--csv ${path.slice(0, path.length - base.length)}${msg}` : `--csv ${path}: ${msg}`);
  }
}

/** Runs a library call, turning its errors into one-line CLI errors. */
async function friendly<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CliError || e instanceof UsageError) throw e;
    const msg = (e as Error).message.replace(/^Forecaster(\.\w+)?: /, '');
    throw new CliError(`${what}: ${msg}`);
  }
}

function loadForecaster(path: string): Promise<Forecaster> {
  return loadModelFile(path, (p) => Forecaster.load(p));
}

function dataMetaOf(f: Forecaster, path: string): DataMeta {
  const d = f.meta.data as DataMeta | undefined;
  if (!d) throw new CliError(`--model ${path}: has no CSV settings; it was not trained by 'recurrent forecast train'`);
  return d;
}

/** Loads the CSV for a trained model: its columns, with the stored settings unless overridden. */
async function loadForModel(f: Forecaster, args: ParsedArgs, command: string, modelPath: string): Promise<{ frame: TimeFrame; report: LoadReport; csv: string }> {
  const d = dataMetaOf(f, modelPath);
  const csv = required(args, 'csv', command);
  const where = parseWhere(args, command) ?? d.where;
  const { frame, report } = await loadCSV(csv, {
    timeColumn: getString(args, 'time-column') ?? d.timeColumn,
    columns: f.dataColumns,
    where,
    missing: (getString(args, 'missing') as MissingPolicy | undefined) ?? d.missing,
    gaps: (getString(args, 'gaps') as DataMeta['gaps'] | undefined) ?? d.gaps,
  });
  return { frame, report, csv };
}

function rowsLabel(frame: TimeFrame, start: number, end: number): string {
  if (end <= start) return 'none';
  return `rows ${start}–${end - 1} (${formatDate(frame.times[start]!)} … ${formatDate(frame.times[end - 1]!)})`;
}

function splitLines(frame: TimeFrame, sp: Split): string {
  const unused = sp.unused.end - sp.unused.start;
  return `train ${rowsLabel(frame, sp.train.start, sp.train.end)}, val ${rowsLabel(frame, sp.val.start, sp.val.end)}, test ${rowsLabel(frame, sp.test.start, sp.test.end)}${unused ? `; ${unused} later rows unused` : ''}`;
}

function calendarOf(f: Forecaster): CalendarFeature[] {
  if (f.isFitted) return f.state.calendarFeatures;
  return Array.isArray(f.config.calendar) ? f.config.calendar : [];
}

function describeModel(f: Forecaster): string {
  const c = f.config;
  const cell = `${c.cell.toUpperCase()} ${c.numLayers > 1 ? `${c.numLayers}×` : ''}${c.units}`;
  const head = c.head === 'dense' ? 'dense head (direct multi-step)' : `seq2seq decoder${c.attention ? ' with attention' : ''}`;
  const inputs = f.dataColumns.length + 2 * calendarOf(f).length;
  const params = f.isFitted ? `; ${fmtInt(f.model.countParams())} parameters` : '';
  return `${cell}, ${head}: ${c.lookback} steps × ${inputs} input${inputs > 1 ? 's' : ''} → ${c.horizon} step${c.horizon > 1 ? 's' : ''} × ${c.targets.length} target${c.targets.length > 1 ? 's' : ''}${params}`;
}

function describePrep(f: Forecaster): string {
  const c = f.config;
  const cal = calendarOf(f);
  return [
    `transform ${f.describeTransform()}`,
    `${c.scaler} scaler fitted on the training rows`,
    c.relative ? 'windows relative to their last value' : null,
    cal.length ? `calendar ${cal.join(', ')}` : null,
    `loss ${c.loss}`,
  ]
    .filter(Boolean)
    .join('; ');
}

function evalJSON(ev: ForecastEvaluation): Record<string, unknown> {
  const c = ev.comparison;
  return {
    part: ev.part,
    rows: ev.rows,
    scale: ev.scale,
    windows: c.windows,
    horizon: c.horizon,
    targets: c.targets,
    season: c.season ?? null,
    model: c.model,
    persistence: c.persistence,
    seasonalNaive: c.seasonalNaive ?? null,
    direction: ev.direction,
    beatsBaselines: ev.beatsBaselines,
    verdict: ev.verdict,
  };
}

function evalTitle(ev: ForecastEvaluation, frame: TimeFrame): string {
  const scale = ev.scale === 'scaled' ? 'metrics on the scaled values (scaler fitted on the training rows)' : 'metrics in the original units';
  const k = ev.part.indexOf(' (');
  const [name, how] = k < 0 ? [ev.part, ''] : [ev.part.slice(0, k), ev.part.slice(k)];
  return `${name[0]!.toUpperCase()}${name.slice(1)} part${how}, ${rowsLabel(frame, ev.rows.start, ev.rows.end)}; ${scale}:`;
}

// ---------------------------------------------------------------------------------------------
// Plots

function plotTarget(f: Forecaster, args: ParsedArgs): { name: string; c: number } {
  const name = getString(args, 'plot-target') ?? f.config.targets[0]!;
  const c = f.config.targets.indexOf(name);
  if (c < 0) throw new CliError(`--plot-target ${name}: not a target of this model; targets are: ${f.config.targets.join(', ')}`);
  return { name, c };
}

/** History, actual values and tiled forecasts (model and baselines) over the end of the scored part. */
function evaluationSVG(f: Forecaster, frame: TimeFrame, ev: ForecastEvaluation, args: ParsedArgs, title: string): string {
  const { name, c } = plotTarget(f, args);
  const H = f.config.horizon;
  const C = f.config.targets.length;
  const mf = ev.scale === 'scaled' ? f.scaler.transform(frame.select(f.dataColumns)) : frame;
  const col = mf.column(name);
  const points = getNumber(args, 'plot-points') ?? Math.max(Math.min(ev.rows.end - ev.rows.start, 336), Math.min(ev.rows.end - ev.rows.start, 4 * H));
  const end = ev.rows.end;
  const start = Math.max(ev.rows.start, end - points, 0);
  const ctx = Math.max(1, Math.min(f.config.lookback, Math.floor(points / 4)));
  const hStart = Math.max(0, start - ctx);
  const slice = (a: number, b: number): { times: number[]; values: number[] } => ({ times: Array.from(frame.times.subarray(a, b)), values: Array.from(col.subarray(a, b)) });
  // Origins whose forecasts tile [start, end) from the last one backwards.
  const N = ev.origins.length;
  const chosen: number[] = [];
  let next = Infinity;
  for (let i = N - 1; i >= 0; i--) {
    const o = ev.origins[i]!;
    if (o + H < start) break;
    if (o <= next - H) {
      chosen.unshift(i);
      next = o;
    }
  }
  const model: PlotSeries = { name: 'model forecast', times: [], values: [], color: PLOT_COLORS.model, width: 1.8 };
  const pers: PlotSeries = { name: 'persistence', times: [], values: [], color: PLOT_COLORS.persistence, dash: '6 4' };
  const season = ev.comparison.season;
  const seas: PlotSeries = { name: `seasonal naive (m=${season})`, times: [], values: [], color: PLOT_COLORS.seasonal, dash: '2 3' };
  const push = (s: PlotSeries, t: number, v: number): void => {
    (s.times as number[]).push(t);
    (s.values as number[]).push(v);
  };
  for (const i of chosen) {
    const o = ev.origins[i]!;
    for (let h = 0; h < H; h++) {
      const r = o + 1 + h;
      if (r < start || r >= end) continue;
      const t = frame.times[r]!;
      push(model, t, ev.forecast[(i * H + h) * C + c]!);
      push(pers, t, col[o]!);
      if (season) push(seas, t, col[o + h + 1 - season * Math.ceil((h + 1) / season)]!);
    }
  }
  const series: PlotSeries[] = [];
  if (hStart < start) series.push({ name: 'history', ...slice(hStart, start + 1), color: PLOT_COLORS.history });
  series.push({ name: 'actual', ...slice(start, end), color: PLOT_COLORS.actual, width: 1.4 });
  series.push(pers);
  if (season) series.push(seas);
  series.push(model);
  const markers = ev.rows.start > hStart ? [{ at: frame.times[ev.rows.start]!, label: `${ev.part.split(' ')[0]} part starts` }] : [];
  return lineChartSVG(series, { title, yLabel: ev.scale === 'scaled' ? `${name} (scaled)` : name, markers });
}

async function writePlot(path: string, svg: string): Promise<void> {
  await checkWritable(path, '--plot');
  await writeFile(path, svg);
}

// ---------------------------------------------------------------------------------------------
// forecast train

const forecastTrainCommand: Command = {
  name: 'forecast train',
  summary: 'train an LSTM/GRU forecaster on a CSV time series and score it against naive baselines',
  usage: 'forecast train --csv FILE --target COL [--features COLS|--multivariate] --lookback N --horizon N --out MODEL.safetensors [flags]',
  details:
    'Splits the series chronologically (--split), fits the scaler on the training rows only, trains with\n' +
    'early stopping on the validation rows (the best epoch is kept), then scores every test window beside\n' +
    'persistence and seasonal naive and says plainly whether the model beats them.\n' +
    '\n' +
    '--split: informer-etth | informer-ettm | fractions 0.7,0.1,0.2 | dates VAL_START,TEST_START[,END].\n' +
    '--log and --difference transform the targets before scaling (e.g. --log --difference 12 for monthly\n' +
    'data with a yearly season: the model learns year-over-year log changes); forecasts are transformed\n' +
    'back and all metrics are in the original units. --relative makes every window relative to its last\n' +
    'value, so the model forecasts changes (robust to a level shift between training and test).',
  flags: [
    ...DATA_FLAGS,
    { name: 'target', type: 'string', valueName: 'COL', multiple: true, description: 'column(s) to forecast (comma-separated or repeated)' },
    { name: 'features', type: 'string', valueName: 'COLS', multiple: true, description: "extra input columns (comma-separated), or 'all' for every numeric column" },
    { name: 'multivariate', type: 'boolean', description: 'forecast every numeric column from all of them' },
    { name: 'lookback', type: 'integer', default: 96, description: 'input steps per window' },
    { name: 'horizon', type: 'integer', default: 24, description: 'steps forecast at once' },
    { name: 'split', type: 'string', valueName: 'SPEC', default: '0.7,0.1,0.2', description: 'train/val/test split (see above)' },
    { name: 'out', type: 'string', valueName: 'MODEL', description: 'where to save the model (.safetensors)' },
    { name: 'cell', type: 'string', choices: ['lstm', 'gru'], default: 'lstm', description: 'recurrent cell' },
    { name: 'units', type: 'integer', default: 64, description: 'hidden units per recurrent layer' },
    { name: 'layers', type: 'integer', default: 1, description: 'stacked recurrent layers' },
    { name: 'dropout', type: 'number', default: 0, description: 'dropout before the output layer' },
    { name: 'head', type: 'string', choices: ['dense', 'seq2seq'], default: 'dense', description: 'dense: all steps at once; seq2seq: a decoder over the horizon' },
    { name: 'attention', type: 'boolean', description: 'seq2seq: attention over the encoder outputs' },
    { name: 'calendar', type: 'boolean', description: 'add calendar sin/cos inputs (hour, weekday, day of year, month as fits the frequency)' },
    { name: 'scaler', type: 'string', choices: ['standard', 'minmax'], default: 'standard', description: 'scaler of the data columns' },
    { name: 'log', type: 'boolean', description: 'log-transform the targets (values must be > 0)' },
    { name: 'difference', type: 'string', valueName: 'LAGS', description: 'difference the targets with these lags in order, e.g. 1 or 12 or 12,1' },
    { name: 'relative', type: 'boolean', description: 'windows relative to their last value (forecast changes)' },
    { name: 'loss', type: 'string', choices: ['mse', 'mae', 'huber'], default: 'mse', description: 'training loss' },
    { name: 'season', type: 'integer', description: 'seasonal period of the seasonal-naive baseline (default: 24 hourly, 7 daily, 12 monthly)' },
    { name: 'metrics-scale', type: 'string', choices: ['original', 'scaled'], default: 'original', description: 'report metrics in original units or on the scaled values (ETT/Informer protocol)' },
    { name: 'direction', type: 'boolean', description: 'also judge up/down calls against always-the-majority-direction (stock prices)' },
    { name: 'epochs', type: 'integer', default: 50, description: 'maximum epochs' },
    { name: 'batch-size', type: 'integer', default: 32, description: 'windows per optimizer step' },
    { name: 'lr', type: 'number', default: 1e-3, description: 'Adam learning rate' },
    { name: 'patience', type: 'integer', default: 5, description: 'early stopping: epochs without a better validation loss' },
    { name: 'lr-patience', type: 'integer', default: 2, description: 'halve the learning rate after this many epochs without improvement (0 = never)' },
    { name: 'max-train-windows', type: 'integer', description: 'train on at most the latest N windows' },
    { name: 'seed', type: 'integer', default: 0, description: 'random seed' },
    ...PLOT_FLAGS,
    { name: 'json', type: 'boolean', description: 'print JSON lines (start, epochs, result) instead of text' },
    HELP_FLAG,
  ],
  run: runTrain,
};

async function runTrain(args: ParsedArgs, io: CliIO): Promise<number> {
  const t0 = performance.now();
  const cmd = 'forecast train';
  const json = getBool(args, 'json');
  const out = (s = ''): void => {
    if (!json) io.stdout.write(s + '\n');
  };
  const csv = required(args, 'csv', cmd);
  const outPath = required(args, 'out', cmd, 'MODEL.safetensors');
  const multivariate = getBool(args, 'multivariate');
  let targets = listFlag(args, 'target');
  let features = listFlag(args, 'features');
  if (!multivariate && targets.length === 0) throw new UsageError('missing --target COL (or --multivariate to forecast every numeric column)', cmd);
  if (multivariate && targets.length > 0) throw new UsageError('give either --target or --multivariate, not both', cmd);
  const lookback = numberFlag(args, 'lookback', 96, { min: 1, max: 100000, command: cmd });
  const horizon = numberFlag(args, 'horizon', 24, { min: 1, max: 100000, command: cmd });
  const split = parseSplitFlag(getString(args, 'split') ?? '0.7,0.1,0.2', cmd);
  const where = parseWhere(args, cmd);
  const missing = (getString(args, 'missing') ?? 'error') as MissingPolicy;
  const gaps = (getString(args, 'gaps') ?? 'report') as DataMeta['gaps'];
  const diffText = getString(args, 'difference');
  let difference: number[] = [];
  if (diffText !== undefined) {
    difference = diffText.split(',').map((s) => Number(s.trim()));
    if (!difference.every((k) => Number.isInteger(k) && k >= 1)) throw new UsageError(`--difference expects lags ≥ 1 such as 1, 12 or 12,1; got '${diffText}'`, cmd);
  }
  const epochs = numberFlag(args, 'epochs', 50, { min: 1, command: cmd });
  const batchSize = numberFlag(args, 'batch-size', 32, { min: 1, command: cmd });
  const lr = numberFlag(args, 'lr', 1e-3, { min: 0, minExclusive: true, command: cmd });
  const patience = numberFlag(args, 'patience', 5, { min: 0, command: cmd });
  const lrPatience = numberFlag(args, 'lr-patience', 2, { min: 0, command: cmd });
  const dropout = numberFlag(args, 'dropout', 0, { min: 0, max: 0.95, command: cmd });
  await checkWritable(outPath, '--out');
  const plotPath = getString(args, 'plot');
  if (plotPath) await checkWritable(plotPath, '--plot');

  // Load: every numeric column when all are needed, else just the named ones.
  const everything = multivariate || features.includes('all');
  const { frame, report } = await loadCSV(csv, {
    timeColumn: getString(args, 'time-column'),
    ...(everything ? {} : { columns: [...new Set([...targets, ...features])] }),
    where,
    missing,
    gaps,
  });
  if (multivariate) targets = [...report.columns];
  if (features.includes('all')) features = report.columns.filter((c) => !targets.includes(c));

  const opts: ForecasterOptions = {
    lookback,
    horizon,
    targets,
    features,
    cell: getString(args, 'cell') as 'lstm' | 'gru' | undefined,
    units: numberFlag(args, 'units', 64, { min: 1, max: 8192, command: cmd }),
    numLayers: numberFlag(args, 'layers', 1, { min: 1, max: 16, command: cmd }),
    dropout,
    head: getString(args, 'head') as 'dense' | 'seq2seq' | undefined,
    attention: getBool(args, 'attention'),
    calendar: getBool(args, 'calendar') ? calendarFor(report) : false,
    scaler: getString(args, 'scaler') as 'standard' | 'minmax' | undefined,
    log: getBool(args, 'log'),
    difference,
    relative: getBool(args, 'relative'),
    loss: getString(args, 'loss') as 'mse' | 'mae' | 'huber' | undefined,
    ...(getNumber(args, 'season') !== undefined ? { season: numberFlag(args, 'season', 1, { min: 1, command: cmd }) } : {}),
    metricsScale: getString(args, 'metrics-scale') as 'original' | 'scaled' | undefined,
    seed: getNumber(args, 'seed') ?? 0,
  };
  const f = await friendly('forecast train', () => Forecaster.create(opts));
  const sp = await friendly(`--split ${getString(args, 'split') ?? '0.7,0.1,0.2'}`, () => f.resolveSplit(frame, split));
  const direction = getBool(args, 'direction');
  f.meta.data = { csv, timeColumn: report.timeColumn, where, missing, gaps, direction } satisfies DataMeta;

  if (json) {
    jsonLine(io, {
      event: 'start', command: cmd, csv, rows: frame.length, columns: report.columns, frequency: report.frequency?.label ?? null, gaps: report.gaps.length,
      targets, features: f.dataColumns.slice(targets.length), lookback, horizon, split: { train: sp.train, val: sp.val, test: sp.test }, config: f.config, epochs, batchSize, lr, patience, backend: getBackend(),
    });
  } else {
    for (const l of describeLoadReport(report)) out(`data    ${l}`);
    out(`split   ${splitLines(frame, sp)}`);
    out(`model   ${describeModel(f)}`);
    out(`prep    ${describePrep(f)}`);
    out(`train   up to ${epochs} epochs, batch ${batchSize}, Adam lr ${lr}, early stopping after ${patience} epochs without a better val loss (backend ${getBackend()})`);
    out();
    out('  epoch      loss  val_loss        lr   time');
  }
  const fit = await friendly('forecast train', () =>
    f.fit(frame, split, {
      epochs,
      batchSize,
      lr,
      patience,
      lrPatience,
      ...(getNumber(args, 'max-train-windows') ? { maxTrainWindows: getNumber(args, 'max-train-windows') } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      onEpoch: (e, logs) => {
        const s = (performance.now() - t0) / 1000;
        if (json) jsonLine(io, { event: 'epoch', epoch: e, loss: logs.loss, valLoss: logs.val_loss, lr: logs.lr, seconds: +s.toFixed(2) });
        else out(`${String(e).padStart(7)}  ${logs.loss!.toFixed(5).padStart(8)}  ${logs.val_loss!.toFixed(5).padStart(8)}  ${logs.lr!.toPrecision(3).padStart(8)}  ${fmtDuration(s).padStart(5)}`);
      },
    }),
  );
  const ev = await friendly('forecast train: evaluating on the test part', () => f.evaluate(frame, 'test', { direction }));
  f.meta.evaluation = { part: ev.part, rows: ev.rows, scale: ev.scale, beatsBaselines: ev.beatsBaselines, verdict: ev.verdict } satisfies EvalMeta;
  await f.save(outPath);
  const size = (await stat(outPath)).size;
  if (plotPath) await writePlot(plotPath, evaluationSVG(f, frame, ev, args, `${plotTarget(f, args).name}: test forecasts (H=${horizon}) vs baselines`));
  const seconds = (performance.now() - t0) / 1000;
  if (json) {
    jsonLine(io, { event: 'done', out: outPath, bytes: size, seconds: +seconds.toFixed(2), trainSeconds: fit.seconds, epochs: fit.epochs, bestEpoch: fit.bestEpoch, bestValLoss: fit.bestValLoss, stopReason: fit.stopReason, trainWindows: fit.trainWindows, valWindows: fit.valWindows, evaluation: evalJSON(ev), plot: plotPath ?? null });
    return 0;
  }
  out();
  const why = fit.stopReason === 'aborted' ? 'interrupted' : fit.stopReason ? fit.stopReason : `all ${fit.epochs} epochs ran`;
  out(`Trained ${fit.epochs} epochs on ${fmtInt(fit.trainWindows)} windows in ${fmtDuration(fit.seconds)} (${why}); kept epoch ${fit.bestEpoch} (val loss ${fit.bestValLoss.toFixed(5)}).`);
  out();
  out(evalTitle(ev, frame));
  for (const l of formatReport(ev.comparison, getBool(args, 'direction') ? ev.direction : undefined)) out(l);
  out();
  out(`Saved ${outPath} (${fmtBytes(size)}).${plotPath ? ` Plot: ${plotPath}.` : ''}`);
  out(`Next: npx recurrent forecast predict --model ${outPath} --csv ${csv}`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// forecast eval

const forecastEvalCommand: Command = {
  name: 'forecast eval',
  summary: 'score a trained forecaster on a CSV beside persistence and seasonal naive',
  usage: 'forecast eval --model MODEL --csv FILE [--part test] [--walk-forward] [--json] [--plot FILE.svg]',
  details:
    "Re-applies the model's split to the CSV and scores every window whose targets lie in --part (stride 1)\n" +
    'or, with --walk-forward, forecasts from rolling origins (optionally retraining per fold with --refit).\n' +
    'The baselines are scored on exactly the same windows, and the verdict says plainly when the model\n' +
    'does not beat them.',
  flags: [
    { name: 'model', type: 'string', valueName: 'MODEL', description: 'a model saved by `forecast train`' },
    ...DATA_FLAGS,
    ...EVAL_FLAGS,
    ...PLOT_FLAGS,
    { name: 'json', type: 'boolean', description: 'print one JSON line instead of text' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'forecast eval';
    const t0 = performance.now();
    const modelPath = required(args, 'model', cmd, 'MODEL');
    const f = await loadForecaster(modelPath);
    const { frame, csv } = await loadForModel(f, args, cmd, modelPath);
    const plotPath = getString(args, 'plot');
    if (plotPath) await checkWritable(plotPath, '--plot');
    const part = (getString(args, 'part') ?? 'test') as 'train' | 'val' | 'test';
    const scale = getString(args, 'scale') as 'original' | 'scaled' | undefined;
    const direction = getBool(args, 'direction') || (f.meta.data as DataMeta).direction;
    let ev: ForecastEvaluation;
    if (getBool(args, 'walk-forward') || getBool(args, 'refit')) {
      const step = getNumber(args, 'step');
      const folds = getNumber(args, 'folds');
      ev = await friendly('forecast eval', () =>
        f.walkForward(frame, {
          part,
          ...(step !== undefined ? { step: numberFlag(args, 'step', 1, { min: 1, command: cmd }) } : {}),
          ...(folds !== undefined ? { folds: numberFlag(args, 'folds', 1, { min: 1, command: cmd }) } : {}),
          refit: getBool(args, 'refit') ? { epochs: f.state.training.epochs > 0 ? Math.max(f.state.training.bestEpoch + 5, 10) : 20, ...(io.signal ? { signal: io.signal } : {}) } : false,
          ...(scale ? { scale } : {}),
          direction,
          onFold: (k, n) => {
            if (getBool(args, 'json')) jsonLine(io, { event: 'fold', fold: k, folds: n });
            else io.stderr.write(`  refit fold ${k}/${n}\n`);
          },
        }),
      );
    } else {
      const stride = numberFlag(args, 'stride', 1, { min: 1, command: cmd });
      ev = await friendly('forecast eval', () => f.evaluate(frame, part, { stride, ...(scale ? { scale } : {}), direction }));
    }
    if (plotPath) await writePlot(plotPath, evaluationSVG(f, frame, ev, args, `${plotTarget(f, args).name}: ${ev.part} forecasts (H=${f.config.horizon}) vs baselines`));
    const seconds = (performance.now() - t0) / 1000;
    const tr = f.state.training;
    if (getBool(args, 'json')) {
      jsonLine(io, { event: 'eval', modelFile: modelPath, csv, ...evalJSON(ev), seconds: +seconds.toFixed(2), training: { seconds: tr.seconds, epochs: tr.epochs, bestEpoch: tr.bestEpoch }, plot: plotPath ?? null });
      return 0;
    }
    const w = (s = ''): unknown => io.stdout.write(s + '\n');
    w(`model   ${modelPath}: ${describeModel(f)}`);
    w(`        ${describePrep(f)}; trained ${tr.epochs} epochs in ${fmtDuration(tr.seconds)} (kept epoch ${tr.bestEpoch})`);
    w(`data    ${csv}: ${frame.length} rows, ${formatDate(frame.times[0]!)} … ${formatDate(frame.times[frame.length - 1]!)}`);
    w();
    w(evalTitle(ev, frame));
    for (const l of formatReport(ev.comparison, direction ? ev.direction : undefined)) w(l);
    if (plotPath) w(`\nPlot: ${plotPath}`);
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// forecast predict

const forecastPredictCommand: Command = {
  name: 'forecast predict',
  summary: 'forecast the next horizon after the last row of a CSV',
  usage: 'forecast predict --model MODEL --csv FILE [--json] [--plot FILE.svg]',
  details:
    'Forecasts the steps after the last row from the latest window, in original units, beside what\n' +
    "persistence and seasonal naive would say, and repeats the model's verdict on its test part.",
  flags: [
    { name: 'model', type: 'string', valueName: 'MODEL', description: 'a model saved by `forecast train`' },
    ...DATA_FLAGS,
    ...PLOT_FLAGS,
    { name: 'json', type: 'boolean', description: 'print one JSON line instead of text' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'forecast predict';
    const modelPath = required(args, 'model', cmd, 'MODEL');
    const f = await loadForecaster(modelPath);
    const { frame, csv } = await loadForModel(f, args, cmd, modelPath);
    const plotPath = getString(args, 'plot');
    if (plotPath) await checkWritable(plotPath, '--plot');
    const fc = await friendly('forecast predict', () => f.predict(frame));
    const H = f.config.horizon;
    const n = frame.length;
    const season = f.state.season;
    const baselines: Record<string, { persistence: number[]; seasonalNaive: number[] | null }> = {};
    for (const t of fc.targets) {
      const col = frame.column(t);
      baselines[t] = {
        persistence: Array.from({ length: H }, () => col[n - 1]!),
        seasonalNaive: season > 1 && n >= season ? Array.from({ length: H }, (_, h) => col[n - 1 + h + 1 - season * Math.ceil((h + 1) / season)]!) : null,
      };
    }
    const evMeta = f.meta.evaluation as EvalMeta | undefined;
    if (plotPath) {
      const { name } = plotTarget(f, args);
      const points = Math.min(n, getNumber(args, 'plot-points') ?? Math.max(4 * H, f.config.lookback, Math.min(n, 120)));
      const hist = { times: Array.from(frame.times.subarray(n - points)), values: Array.from(frame.column(name).subarray(n - points)) };
      const lastT = frame.times[n - 1]!;
      const lastV = frame.column(name)[n - 1]!;
      const b = baselines[name]!;
      const series: PlotSeries[] = [
        { name: 'history', ...hist, color: PLOT_COLORS.actual, width: 1.4 },
        { name: 'persistence', times: [lastT, ...fc.times], values: [lastV, ...b.persistence], color: PLOT_COLORS.persistence, dash: '6 4' },
        ...(b.seasonalNaive ? [{ name: `seasonal naive (m=${season})`, times: [lastT, ...fc.times], values: [lastV, ...b.seasonalNaive], color: PLOT_COLORS.seasonal, dash: '2 3' }] : []),
        { name: 'model forecast', times: [lastT, ...fc.times], values: [lastV, ...fc.values[name]!], color: PLOT_COLORS.model, width: 2 },
      ];
      await writePlot(plotPath, lineChartSVG(series, { title: `${name}: next ${H} step${H > 1 ? 's' : ''} after ${formatDate(lastT)}`, yLabel: name, markers: [{ at: lastT, label: 'forecast origin' }] }));
    }
    if (getBool(args, 'json')) {
      jsonLine(io, {
        event: 'forecast', modelFile: modelPath, csv, origin: formatDate(fc.originTime), times: fc.times.map((t) => (Number.isFinite(t) ? formatDate(t) : null)), targets: fc.targets,
        values: fc.values, baselines, season: season > 1 ? season : null, testVerdict: evMeta?.verdict ?? null, beatsBaselines: evMeta?.beatsBaselines ?? null, plot: plotPath ?? null,
      });
      return 0;
    }
    const w = (s = ''): unknown => io.stdout.write(s + '\n');
    w(`Forecast from ${formatDate(fc.originTime)} (the last row of ${csv}), ${H} step${H > 1 ? 's' : ''} ahead:`);
    for (const t of fc.targets) {
      const b = baselines[t]!;
      w();
      const head = ['time'.padEnd(20), `${t} model`.padStart(14), 'persistence'.padStart(14), ...(b.seasonalNaive ? [`seas. naive m=${season}`.padStart(18)] : [])];
      w(head.join(''));
      for (let h = 0; h < H; h++) {
        const time = Number.isFinite(fc.times[h]!) ? formatDate(fc.times[h]!) : `+${h + 1}`;
        w([time.padEnd(20), fmtValue(fc.values[t]![h]!).padStart(14), fmtValue(b.persistence[h]!).padStart(14), ...(b.seasonalNaive ? [fmtValue(b.seasonalNaive[h]!).padStart(18)] : [])].join(''));
      }
    }
    if (evMeta) {
      w();
      w(`On its ${evMeta.part} part when trained:`);
      for (const l of evMeta.verdict) w(`  ${l}`);
    }
    if (plotPath) w(`\nPlot: ${plotPath}`);
    return 0;
  },
};

/** The calendar cycles for `--calendar`, chosen from the frequency the loader inferred. */
function calendarFor(report: LoadReport): CalendarFeature[] {
  if (!report.frequency) throw new CliError(`--calendar: ${report.source} has no regular time grid (no frequency could be inferred), so calendar features cannot be extended into the future`);
  const cal = defaultCalendar(report.frequency);
  if (cal.length === 0) throw new CliError(`--calendar: no calendar cycle varies at the ${report.frequency.label} frequency of ${report.source}`);
  return cal;
}

function fmtValue(v: number): string {
  const a = Math.abs(v);
  return a >= 1e6 || (a < 1e-3 && a > 0) ? v.toExponential(4) : v.toFixed(a >= 100 ? 2 : 4);
}

/** The `forecast` subcommands, in help order. */
export const FORECAST_COMMANDS: Command[] = [forecastTrainCommand, forecastEvalCommand, forecastPredictCommand];

/** What `recurrent forecast --help` says besides the subcommand list. */
export const FORECAST_GROUP_HELP = {
  what: 'Time-series forecasting with LSTM/GRU, always scored beside the persistence and seasonal-naive baselines.',
  examples: [
    '  recurrent forecast train --csv ETTh1.csv --time-column date --multivariate --lookback 96 --horizon 24 \\',
    '    --split informer-etth --metrics-scale scaled --relative --out etth1.safetensors',
    '  recurrent forecast eval --model etth1.safetensors --csv ETTh1.csv --plot etth1-test.svg',
    '  recurrent forecast predict --model etth1.safetensors --csv ETTh1.csv --plot next.svg',
  ],
};
