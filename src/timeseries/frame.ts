/**
 * `TimeFrame`, a column store for one regularly sampled multivariate series, and the CSV loader
 * that builds it: date parsing, row filtering, sorting, duplicate and gap detection against an
 * inferred or declared frequency, and an explicit missing-value policy. Everything it changed or
 * noticed is returned in a `LoadReport` beside the frame.
 */
import { readFile } from 'node:fs/promises';
import { parseCSV } from './csv.js';
import { addFrequency, detectDateFormat, formatDate, inferFrequency, parseDate, parseFrequency, stepsBetween, type DateFormat, type Frequency } from './dates.js';

/**
 * A time series as columns: `times[i]` (ms since the epoch, ascending) and one `Float64Array` of
 * the same length per named column. Slices share memory with their parent (`subarray`).
 *
 * @example
 * const f = TimeFrame.fromColumns([0, 3600e3, 7200e3], { OT: [30.5, 27.8, 27.8] });
 * f.length;             // → 3
 * f.column('OT')[1];    // → 27.8
 * f.slice(1).times[0];  // → 3600000
 */
export class TimeFrame {
  readonly times: Float64Array;
  readonly columns: Map<string, Float64Array>;

  constructor(times: Float64Array, columns: Map<string, Float64Array>) {
    for (const [name, col] of columns) {
      if (col.length !== times.length) throw new Error(`TimeFrame: column "${name}" has ${col.length} values, expected ${times.length} (one per time)`);
    }
    this.times = times;
    this.columns = columns;
  }

  /**
   * Builds a frame from plain arrays (copied into Float64Arrays).
   *
   * @example
   * TimeFrame.fromColumns([Date.UTC(2000, 0), Date.UTC(2000, 1)], { price: [1394.46, 1366.42] });
   */
  static fromColumns(times: ArrayLike<number>, columns: Record<string, ArrayLike<number>>): TimeFrame {
    const m = new Map<string, Float64Array>();
    for (const [name, col] of Object.entries(columns)) m.set(name, Float64Array.from(col));
    return new TimeFrame(Float64Array.from(times), m);
  }

  /** Number of rows. */
  get length(): number {
    return this.times.length;
  }

  /** Column names in insertion order. */
  get names(): string[] {
    return [...this.columns.keys()];
  }

  /**
   * One column by name; throws `unknown column "x"; columns are: ...` for a missing name.
   *
   * @example
   * frame.column('OT');
   */
  column(name: string): Float64Array {
    const c = this.columns.get(name);
    if (!c) throw new Error(`TimeFrame: unknown column "${name}"; columns are: ${this.names.join(', ') || '(none)'}`);
    return c;
  }

  /**
   * Rows [start, end) as a new frame sharing memory with this one.
   *
   * @example
   * const train = frame.slice(0, 8640);
   */
  slice(start: number, end: number = this.length): TimeFrame {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > this.length || start > end) {
      throw new Error(`TimeFrame.slice: expected 0 ≤ start ≤ end ≤ ${this.length}, got [${start}, ${end})`);
    }
    const cols = new Map<string, Float64Array>();
    for (const [name, col] of this.columns) cols.set(name, col.subarray(start, end));
    return new TimeFrame(this.times.subarray(start, end), cols);
  }

  /**
   * A frame with only the named columns, in that order (no copy).
   *
   * @example
   * frame.select(['OT', 'HUFL']).names; // → ['OT', 'HUFL']
   */
  select(names: readonly string[]): TimeFrame {
    const cols = new Map<string, Float64Array>();
    for (const n of names) cols.set(n, this.column(n));
    return new TimeFrame(this.times, cols);
  }

  /**
   * A frame with extra (or replaced) columns; each must have one value per row.
   *
   * @example
   * frame.withColumns({ OT_diff: diffed });
   */
  withColumns(extra: Record<string, Float64Array> | Map<string, Float64Array>): TimeFrame {
    const cols = new Map(this.columns);
    for (const [name, col] of extra instanceof Map ? extra : Object.entries(extra)) cols.set(name, col);
    return new TimeFrame(this.times, cols);
  }

  /**
   * Index of the first row at or after `time` (ms, or a date string in any `parseDate` format);
   * `length` when every row is earlier.
   *
   * @example
   * frame.indexOf('2017-07-01'); // first row of July 2017
   */
  indexOf(time: number | string): number {
    const t = typeof time === 'number' ? time : parseAnyDate(time);
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Parses one date string in whichever supported format it is written (see `detectDateFormat`).
 *
 * @example
 * parseAnyDate('Jan 1 2000') === parseAnyDate('2000-01-01'); // → true
 */
export function parseAnyDate(s: string): number {
  const fmt = detectDateFormat([s]);
  if (fmt === null) throw new Error(`cannot parse date ${JSON.stringify(s)}: not in a supported format (iso, YYYY-MM-DD, YYYY-MM, M/D/YYYY, Mon D YYYY, unix)`);
  return parseDate(s, fmt);
}

// ---------------------------------------------------------------------------------------------
// Loading

/**
 * What to do with a missing value (an empty field or one of `naValues`) in a selected column:
 * - `error` (default): stop with `file:line: missing value in column "X"`;
 * - `drop`: drop the whole row;
 * - `ffill`: carry the last observed value forward (leading gaps take the first observed value);
 * - `interpolate`: linear in time between the neighbouring observations (edges as `ffill`).
 */
export type MissingPolicy = 'error' | 'drop' | 'ffill' | 'interpolate';

/** Options of {@link loadTimeSeriesCSV} and {@link parseTimeSeriesCSV}. */
export interface TimeSeriesCSVOptions {
  /** Name of the date/time column. Default: the first column holding calendar dates, else the first column. */
  timeColumn?: string;
  /** Value columns to keep, in this order. Default: every other column whose first value is numeric. */
  columns?: string[];
  /** Format of the time column. Default `'auto'` (see `detectDateFormat`). */
  dateFormat?: DateFormat;
  /** Missing-value policy. Default `'error'`. */
  missing?: MissingPolicy;
  /** Strings read as missing. Default `['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?']`. */
  naValues?: string[];
  /** Sampling frequency (`'1h'`, `'D'`, `'M'`, ms, ...). Default: inferred from the times. */
  frequency?: string | number | Frequency;
  /** Gaps in the time grid: `'report'` (default), `'error'`, or `'fill'` — insert the missing
   *  timestamps as rows of missing values, which the `missing` policy then handles. */
  gaps?: 'report' | 'error' | 'fill';
  /** Rows sharing a timestamp: `'error'` (default), or keep the `'first'` / `'last'` in file order. */
  duplicates?: 'error' | 'first' | 'last';
  /** Keep only rows whose columns equal these values, e.g. `{ symbol: 'MSFT' }` for vega stocks. */
  where?: Record<string, string | readonly string[]>;
  /** Field separator. Default `','`. */
  delimiter?: string;
}

/** A hole in the time grid: `missing` timestamps absent between two consecutive rows. */
export interface Gap {
  after: string;
  before: string;
  missing: number;
  /** File line of the row after the gap (0 for a row the loader inserted). */
  line: number;
}

/** Everything the loader noticed or changed. */
export interface LoadReport {
  source: string;
  timeColumn: string;
  dateFormat: Exclude<DateFormat, 'auto'>;
  columns: string[];
  /** Columns left out by the default selection because their first value is not a number. */
  skippedColumns: string[];
  /** Data records in the file, and those kept by `where`. */
  recordsRead: number;
  recordsSelected: number;
  /** Rows of the returned frame. */
  rows: number;
  start: string;
  end: string;
  frequency: Frequency | null;
  frequencyInferred: boolean;
  /** The file was already in ascending time order (otherwise it was sorted, stably). */
  sorted: boolean;
  duplicates: { time: string; lines: number[]; kept: number }[];
  gaps: Gap[];
  /** Total timestamps missing from the grid. */
  missingSteps: number;
  /** Consecutive rows whose distance is not a whole number of steps. */
  irregular: { after: string; before: string; steps: number; line: number }[];
  missing: {
    policy: MissingPolicy;
    /** Missing values per column, counted before the policy acted (inserted gap rows included). */
    perColumn: Record<string, number>;
    rowsDropped: number;
    valuesFilled: number;
    gapRowsInserted: number;
  };
}

const DEFAULT_NA = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?'];
const NUMBER_RE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * Loads a CSV file with a date/time column into a {@link TimeFrame} and a {@link LoadReport}.
 * Errors name the file and line: `ETTh1.csv:12: cannot parse date "2016-13-01" ...`.
 *
 * @example
 * const { frame, report } = await loadTimeSeriesCSV('data/ETTh1.csv', { timeColumn: 'date', missing: 'error' });
 * // frame.length → 17420, report.frequency.label → '1h', report.gaps → []
 * const msft = await loadTimeSeriesCSV('stocks.csv', { timeColumn: 'date', columns: ['price'], where: { symbol: 'MSFT' } });
 */
export async function loadTimeSeriesCSV(path: string, opts: TimeSeriesCSVOptions = {}): Promise<{ frame: TimeFrame; report: LoadReport }> {
  const text = await readFile(path, 'utf8');
  const source = path.split(/[\\/]/).pop() || path;
  return parseTimeSeriesCSV(text, { ...opts, source });
}

/**
 * Like {@link loadTimeSeriesCSV} for CSV text already in memory; `source` names it in messages.
 *
 * @example
 * const { frame } = parseTimeSeriesCSV('Month,Passengers\n1949-01,112\n1949-02,118\n', { source: 'airline.csv' });
 */
export function parseTimeSeriesCSV(text: string, opts: TimeSeriesCSVOptions & { source?: string } = {}): { frame: TimeFrame; report: LoadReport } {
  const source = opts.source ?? '<csv>';
  const policy = opts.missing ?? 'error';
  if (!['error', 'drop', 'ffill', 'interpolate'].includes(policy)) {
    throw new Error(`${source}: missing must be 'error', 'drop', 'ffill' or 'interpolate', got ${JSON.stringify(policy)}`);
  }
  const gapMode = opts.gaps ?? 'report';
  if (!['report', 'error', 'fill'].includes(gapMode)) throw new Error(`${source}: gaps must be 'report', 'error' or 'fill', got ${JSON.stringify(gapMode)}`);
  const dupMode = opts.duplicates ?? 'error';
  if (!['error', 'first', 'last'].includes(dupMode)) throw new Error(`${source}: duplicates must be 'error', 'first' or 'last', got ${JSON.stringify(dupMode)}`);
  const na = new Set(opts.naValues ?? DEFAULT_NA);

  const table = parseCSV(text, { source, delimiter: opts.delimiter });
  const { header } = table;
  const colIndex = (name: string, role: string): number => {
    const k = header.indexOf(name);
    if (k < 0) throw new Error(`${source}: ${role} "${name}" is not in the header; columns are: ${header.join(', ')}`);
    return k;
  };
  const timeColumn = opts.timeColumn ?? guessTimeColumn(header, table.rows[0]);
  const tIdx = colIndex(timeColumn, 'time column');

  // Row filter.
  let rows = table.rows;
  let lines = table.lines;
  if (opts.where) {
    const conds = Object.entries(opts.where).map(([name, want]) => [colIndex(name, 'where column'), new Set(typeof want === 'string' ? [want] : want)] as const);
    const keepRows: string[][] = [];
    const keepLines: number[] = [];
    for (let r = 0; r < rows.length; r++) {
      if (conds.every(([k, set]) => set.has(rows[r][k]))) {
        keepRows.push(rows[r]);
        keepLines.push(lines[r]);
      }
    }
    rows = keepRows;
    lines = keepLines;
  }
  if (rows.length === 0) throw new Error(`${source}: no data rows${opts.where ? ` match where ${JSON.stringify(opts.where)}` : ''}`);

  // Column selection.
  const skippedColumns: string[] = [];
  let columns: string[];
  if (opts.columns) {
    if (opts.columns.length === 0) throw new Error(`${source}: columns is empty; list at least one value column`);
    for (const c of opts.columns) {
      colIndex(c, 'column');
      if (c === timeColumn) throw new Error(`${source}: column "${c}" is the time column; it cannot also be a value column`);
    }
    columns = [...opts.columns];
  } else {
    columns = [];
    for (let k = 0; k < header.length; k++) {
      if (k === tIdx || (opts.where && header[k] in opts.where)) continue;
      const first = rows.find((r) => !na.has(r[k].trim()));
      if (first === undefined || NUMBER_RE.test(first[k])) columns.push(header[k]);
      else skippedColumns.push(header[k]);
    }
    if (columns.length === 0) throw new Error(`${source}: no numeric value columns besides "${timeColumn}"${skippedColumns.length ? ` (non-numeric: ${skippedColumns.join(', ')})` : ''}`);
  }
  const cIdx = columns.map((c) => colIndex(c, 'column'));

  // Parse times and values.
  let dateFormat: Exclude<DateFormat, 'auto'>;
  if (opts.dateFormat === undefined || opts.dateFormat === 'auto') {
    const sample = rows.slice(0, 1000).map((r) => r[tIdx]);
    const detected = detectDateFormat(sample);
    if (detected === null) {
      const r = rows.findIndex((row) => row[tIdx].trim() !== '');
      throw new Error(`${source}:${lines[Math.max(r, 0)]}: cannot parse date ${JSON.stringify(rows[Math.max(r, 0)][tIdx])}: not a supported format (iso, YYYY-MM-DD, YYYY-MM, M/D/YYYY, D/M/YYYY, Mon D YYYY, unix); declare dateFormat`);
    }
    dateFormat = detected;
  } else dateFormat = opts.dateFormat;

  const n0 = rows.length;
  let times: Float64Array = new Float64Array(n0);
  let lineOf = Int32Array.from(lines);
  let values: Float64Array[] = columns.map(() => new Float64Array(n0));
  for (let r = 0; r < n0; r++) {
    const row = rows[r];
    const tv = row[tIdx];
    if (tv.trim() === '') throw new Error(`${source}:${lines[r]}: empty date in column "${timeColumn}"`);
    try {
      times[r] = parseDate(tv, dateFormat);
    } catch (e) {
      throw new Error(`${source}:${lines[r]}: ${(e as Error).message}`);
    }
    for (let c = 0; c < columns.length; c++) {
      const s = row[cIdx[c]];
      if (na.has(s.trim())) {
        if (policy === 'error') throw missingError(source, lines[r], columns[c]);
        values[c][r] = NaN;
      } else if (NUMBER_RE.test(s)) {
        const v = Number(s);
        if (!Number.isFinite(v)) throw new Error(`${source}:${lines[r]}: column "${columns[c]}": ${JSON.stringify(s)} overflows a double`);
        values[c][r] = v;
      } else {
        throw new Error(`${source}:${lines[r]}: column "${columns[c]}": expected a number, got ${JSON.stringify(s)}`);
      }
    }
  }

  // Sort (stable, so duplicates keep file order).
  let sorted = true;
  for (let r = 1; r < n0; r++) {
    if (times[r] < times[r - 1]) {
      sorted = false;
      break;
    }
  }
  if (!sorted) {
    const order = Array.from({ length: n0 }, (_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
    const perm = Int32Array.from(order);
    times = permute(times, perm);
    lineOf = Int32Array.from(perm, (p) => lineOf[p]);
    values = values.map((v) => permute(v, perm));
  }

  // Duplicates.
  const duplicates: LoadReport['duplicates'] = [];
  {
    const keep = new Uint8Array(n0).fill(1);
    let r = 0;
    while (r < n0) {
      let e = r + 1;
      while (e < n0 && times[e] === times[r]) e++;
      if (e - r > 1) {
        const group = Array.from({ length: e - r }, (_, k) => lineOf[r + k]);
        if (dupMode === 'error') {
          throw new Error(`${source}:${group[1]}: duplicate timestamp ${formatDate(times[r])} (also at line ${group[0]}); filter rows (where: {...}) or set duplicates: 'first' | 'last'`);
        }
        const kept = dupMode === 'first' ? r : e - 1;
        for (let k = r; k < e; k++) if (k !== kept) keep[k] = 0;
        duplicates.push({ time: formatDate(times[r]), lines: group, kept: lineOf[kept] });
      }
      r = e;
    }
    if (duplicates.length > 0) {
      const kept: number[] = [];
      for (let i = 0; i < n0; i++) if (keep[i]) kept.push(i);
      const idx = Int32Array.from(kept);
      times = permute(times, idx);
      lineOf = Int32Array.from(idx, (p) => lineOf[p]);
      values = values.map((v) => permute(v, idx));
    }
  }

  // Frequency, gaps, irregular steps.
  const declared = opts.frequency !== undefined;
  const frequency = declared ? parseFrequency(opts.frequency!) : inferFrequency(times);
  const gaps: Gap[] = [];
  const irregular: LoadReport['irregular'] = [];
  let missingSteps = 0;
  if (frequency) {
    for (let r = 1; r < times.length; r++) {
      const k = stepsBetween(times[r - 1], times[r], frequency);
      if (Number.isInteger(k) && k >= 1) {
        if (k > 1) {
          gaps.push({ after: formatDate(times[r - 1]), before: formatDate(times[r]), missing: k - 1, line: lineOf[r] });
          missingSteps += k - 1;
        }
      } else {
        irregular.push({ after: formatDate(times[r - 1]), before: formatDate(times[r]), steps: k, line: lineOf[r] });
      }
    }
  }
  if (gapMode === 'error' && (gaps.length > 0 || irregular.length > 0)) {
    const g = gaps[0];
    if (g) throw new Error(`${source}:${g.line}: gap of ${g.missing} missing step(s) of ${frequency!.label} between ${g.after} and ${g.before}${gaps.length > 1 ? ` (and ${gaps.length - 1} more gaps)` : ''}`);
    const ir = irregular[0];
    throw new Error(`${source}:${ir.line}: ${ir.after} → ${ir.before} is not a whole number of ${frequency!.label} steps`);
  }
  let gapRowsInserted = 0;
  if (gapMode === 'fill' && missingSteps > 0) {
    const n1 = times.length + missingSteps;
    const t2 = new Float64Array(n1);
    const l2 = new Int32Array(n1);
    const v2 = values.map(() => new Float64Array(n1));
    let w = 0;
    for (let r = 0; r < times.length; r++) {
      if (r > 0) {
        const k = stepsBetween(times[r - 1], times[r], frequency!);
        for (let s = 1; Number.isInteger(k) && s < k; s++) {
          t2[w] = addFrequency(times[r - 1], frequency!, s);
          l2[w] = 0;
          for (const v of v2) v[w] = NaN;
          w++;
        }
      }
      t2[w] = times[r];
      l2[w] = lineOf[r];
      for (let c = 0; c < values.length; c++) v2[c][w] = values[c][r];
      w++;
    }
    times = t2;
    lineOf = l2;
    values = v2;
    gapRowsInserted = missingSteps;
  }

  // Missing values.
  const perColumn: Record<string, number> = {};
  for (let c = 0; c < columns.length; c++) {
    let k = 0;
    for (const x of values[c]) if (Number.isNaN(x)) k++;
    perColumn[columns[c]] = k;
  }
  let rowsDropped = 0;
  let valuesFilled = 0;
  if (policy === 'error') {
    for (let r = 0; r < times.length; r++) {
      for (let c = 0; c < columns.length; c++) {
        if (Number.isNaN(values[c][r])) {
          throw new Error(`${source}: no row for ${formatDate(times[r])} (a gap filled by gaps: 'fill') and missing: 'error'; use missing: 'ffill' or 'interpolate' to fill gaps`);
        }
      }
    }
  } else if (policy === 'drop') {
    const keepIdx: number[] = [];
    for (let r = 0; r < times.length; r++) if (values.every((v) => !Number.isNaN(v[r]))) keepIdx.push(r);
    rowsDropped = times.length - keepIdx.length;
    if (rowsDropped > 0) {
      const idx = Int32Array.from(keepIdx);
      times = permute(times, idx);
      values = values.map((v) => permute(v, idx));
    }
  } else {
    for (let c = 0; c < columns.length; c++) {
      if (perColumn[columns[c]] === times.length) throw new Error(`${source}: column "${columns[c]}" has no values at all; nothing to ${policy === 'ffill' ? 'forward-fill' : 'interpolate'} from`);
      valuesFilled += policy === 'ffill' ? forwardFill(values[c]) : interpolateLinear(values[c], times);
    }
  }
  if (times.length === 0) throw new Error(`${source}: no rows left after dropping rows with missing values`);

  const colMap = new Map<string, Float64Array>();
  columns.forEach((c, k) => colMap.set(c, values[k]));
  const frame = new TimeFrame(times, colMap);
  const report: LoadReport = {
    source,
    timeColumn,
    dateFormat,
    columns,
    skippedColumns,
    recordsRead: table.rows.length,
    recordsSelected: n0,
    rows: frame.length,
    start: formatDate(times[0]),
    end: formatDate(times[times.length - 1]),
    frequency,
    frequencyInferred: !declared && frequency !== null,
    sorted,
    duplicates,
    gaps,
    missingSteps,
    irregular,
    missing: { policy, perColumn, rowsDropped, valuesFilled, gapRowsInserted },
  };
  return { frame, report };
}

/** The first column whose first value reads as a calendar date (numbers do not count), else the first column. */
function guessTimeColumn(header: string[], firstRow: string[] | undefined): string {
  if (firstRow) {
    for (let k = 0; k < header.length; k++) {
      const f = detectDateFormat([firstRow[k]]);
      if (f !== null && f !== 'unix' && f !== 'unix-ms') return header[k];
    }
  }
  return header[0];
}

function missingError(source: string, line: number, column: string): Error {
  return new Error(`${source}:${line}: missing value in column "${column}" (missing: 'error'); choose missing: 'drop', 'ffill' or 'interpolate' to handle it`);
}

function permute(a: Float64Array, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  return out;
}

/** In place; leading NaNs take the first observed value. Returns how many values were filled. */
function forwardFill(v: Float64Array): number {
  let filled = 0;
  let first = 0;
  while (Number.isNaN(v[first])) first++;
  for (let i = 0; i < first; i++) v[i] = v[first];
  filled += first;
  for (let i = first + 1; i < v.length; i++) {
    if (Number.isNaN(v[i])) {
      v[i] = v[i - 1];
      filled++;
    }
  }
  return filled;
}

/** In place, linear in time between observations; edges as forwardFill. Returns the count filled. */
function interpolateLinear(v: Float64Array, t: Float64Array): number {
  let filled = 0;
  let prev = -1;
  for (let i = 0; i <= v.length; i++) {
    if (i < v.length && Number.isNaN(v[i])) continue;
    // v[prev] and v[i] are observed (or prev = -1 / i = length at the edges); fill between.
    for (let j = prev + 1; j < i; j++) {
      if (prev < 0) v[j] = v[i];
      else if (i === v.length) v[j] = v[prev];
      else v[j] = v[prev] + ((v[i] - v[prev]) * (t[j] - t[prev])) / (t[i] - t[prev]);
      filled++;
    }
    prev = i;
  }
  return filled;
}

/**
 * A few human-readable lines summarising a load: size, range, frequency, and anything notable
 * (sorting, duplicates, gaps, missing values and what the policy did).
 *
 * @example
 * console.log(describeLoadReport(report).join('\n'));
 * // ETTh1.csv: 17420 rows × 7 columns, 2016-07-01 … 2018-06-26 19:00:00, frequency 1h (inferred)
 */
export function describeLoadReport(r: LoadReport): string[] {
  const out = [
    `${r.source}: ${r.rows} rows × ${r.columns.length} columns, ${r.start} … ${r.end}, frequency ${r.frequency ? r.frequency.label : 'unknown'}${r.frequencyInferred ? ' (inferred)' : ''}`,
  ];
  if (r.skippedColumns.length) out.push(`  non-numeric columns left out: ${r.skippedColumns.join(', ')}`);
  if (!r.sorted) out.push('  rows were not in time order; sorted');
  if (r.duplicates.length) out.push(`  ${r.duplicates.length} duplicated timestamps; kept the ${r.duplicates[0].kept === r.duplicates[0].lines[0] ? 'first' : 'last'}`);
  if (r.gaps.length) {
    const g = r.gaps[0];
    out.push(`  ${r.gaps.length} gaps, ${r.missingSteps} missing steps (first: ${g.missing} after ${g.after})${r.missing.gapRowsInserted ? `; inserted ${r.missing.gapRowsInserted} rows` : ''}`);
  }
  if (r.irregular.length) out.push(`  ${r.irregular.length} steps off the ${r.frequency?.label} grid (first: ${r.irregular[0].after} → ${r.irregular[0].before})`);
  const miss = Object.entries(r.missing.perColumn).filter(([, k]) => k > 0);
  if (miss.length) {
    const what = r.missing.policy === 'drop' ? `dropped ${r.missing.rowsDropped} rows` : `filled ${r.missing.valuesFilled} values (${r.missing.policy})`;
    out.push(`  missing values: ${miss.map(([c, k]) => `${c} ${k}`).join(', ')}; ${what}`);
  }
  return out;
}
