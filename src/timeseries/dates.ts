/**
 * Dates and sampling frequencies of time series.
 *
 * Times are numbers: milliseconds since 1970-01-01T00:00:00Z. A date without a UTC offset
 * ("2016-07-01 00:00:00", "Jan 1 2000") is read as wall-clock time **in UTC**, so a series never
 * shifts with the machine's time zone and has no daylight-saving jumps; calendar features then use
 * the same wall clock. An explicit offset (`Z`, `+02:00`) is honoured.
 *
 * Formats (`DateFormat`):
 * | name          | example                                   | notes |
 * | ---           | ---                                       | --- |
 * | `iso`         | `2016-07-01 00:00:00`, `2016-07-01T00:00Z` | `T` or space; seconds, fraction, offset optional; a bare date is accepted too |
 * | `YYYY-MM-DD`  | `1981-01-01`                              | |
 * | `YYYY-MM`     | `1949-01`                                 | the first of the month |
 * | `M/D/YYYY`    | `7/1/2016`, `7/1/2016 13:00`              | US order; time optional |
 * | `D/M/YYYY`    | `1/7/2016`                                | only when declared, or auto-detected from a first part > 12 |
 * | `Mon D YYYY`  | `Jan 1 2000`, `January 1, 2000`           | English month names, as in vega-datasets stocks |
 * | `unix`        | `1467331200`                              | seconds since the epoch (fraction allowed) |
 * | `unix-ms`     | `1467331200000`                           | milliseconds since the epoch |
 */

/** A named date format, or `'auto'` to detect it from the values. */
export type DateFormat = 'auto' | 'iso' | 'YYYY-MM-DD' | 'YYYY-MM' | 'M/D/YYYY' | 'D/M/YYYY' | 'Mon D YYYY' | 'unix' | 'unix-ms';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const FULL_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

const RE_ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const RE_YM = /^(\d{4})-(\d{1,2})$/;
const RE_SLASH = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const RE_MON = /^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const RE_NUM = /^[+-]?\d+(?:\.\d+)?$/;

/**
 * Thrown for a value that is not a date of the format; the loader adds `file:line:`.
 *
 * @example
 * try { parseDate('2016-13-01', 'YYYY-MM-DD'); } catch (e) { e instanceof DateParseError; } // → true
 */
export class DateParseError extends Error {
  override name = 'DateParseError';
}

function fail(value: string, format: string, why?: string): never {
  throw new DateParseError(`cannot parse date ${JSON.stringify(value)} (format ${format}${why ? `: ${why}` : ''})`);
}

/**
 * Days in month `m` (1–12) of year `y`.
 *
 * @example
 * daysInMonth(2016, 2); // → 29
 */
export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/**
 * Gregorian leap year.
 *
 * @example
 * isLeap(1900); // → false
 */
export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Date.UTC with range checks; years 0–99 are taken literally (Date.UTC would add 1900). */
function utc(value: string, format: string, y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  if (mo < 1 || mo > 12) fail(value, format, `month ${mo} is out of range 1–12`);
  if (d < 1 || d > daysInMonth(y, mo)) fail(value, format, `day ${d} is out of range 1–${daysInMonth(y, mo)} for ${y}-${String(mo).padStart(2, '0')}`);
  if (h > 23) fail(value, format, `hour ${h} is out of range 0–23`);
  if (mi > 59) fail(value, format, `minute ${mi} is out of range 0–59`);
  if (s > 59) fail(value, format, `second ${s} is out of range 0–59`);
  const t = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, ms));
  t.setUTCFullYear(y);
  return t.getTime();
}

function monthNumber(name: string): number {
  const n = name.toLowerCase();
  let k = MONTHS.indexOf(n);
  if (k < 0) k = FULL_MONTHS.indexOf(n);
  if (k < 0 && n === 'sept') k = 8;
  return k + 1;
}

function parseIso(v: string, format: string, dateOnly: boolean): number {
  const m = RE_ISO.exec(v);
  if (!m || (dateOnly && (m[4] !== undefined || m[8] !== undefined))) fail(v, format);
  const frac = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  let t = utc(v, format, +m[1], +m[2], +m[3], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, frac);
  const off = m[8];
  if (off && off.toUpperCase() !== 'Z') {
    const sign = off[0] === '-' ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    const oh = +digits.slice(0, 2);
    const om = +digits.slice(2);
    if (oh > 23 || om > 59) fail(v, format, `offset ${off} is out of range`);
    t -= sign * (oh * 60 + om) * 60_000;
  }
  return t;
}

/**
 * Parses one date string in a given format (see the table in this module's header) into
 * milliseconds since the epoch, reading wall-clock times as UTC. Throws `DateParseError`
 * (`cannot parse date "2016-13-01" (format YYYY-MM-DD: month 13 is out of range 1–12)`).
 *
 * @example
 * parseDate('2016-07-01 01:00:00', 'iso');   // → 1467334800000
 * parseDate('Jan 1 2000', 'Mon D YYYY');     // → Date.UTC(2000, 0, 1)
 * parseDate('1949-01', 'YYYY-MM');           // → Date.UTC(1949, 0, 1)
 */
export function parseDate(value: string, format: Exclude<DateFormat, 'auto'>): number {
  const v = value.trim();
  switch (format) {
    case 'iso':
      return parseIso(v, format, false);
    case 'YYYY-MM-DD':
      return parseIso(v, format, true);
    case 'YYYY-MM': {
      const m = RE_YM.exec(v);
      if (!m) fail(v, format);
      return utc(v, format, +m[1], +m[2], 1);
    }
    case 'M/D/YYYY':
    case 'D/M/YYYY': {
      const m = RE_SLASH.exec(v);
      if (!m) fail(v, format);
      const [mo, d] = format === 'M/D/YYYY' ? [+m[1], +m[2]] : [+m[2], +m[1]];
      return utc(v, format, +m[3], mo, d, m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0);
    }
    case 'Mon D YYYY': {
      const m = RE_MON.exec(v);
      if (!m) fail(v, format);
      const mo = monthNumber(m[1]);
      if (mo === 0) fail(v, format, `unknown month name ${JSON.stringify(m[1])}`);
      return utc(v, format, +m[3], mo, +m[2], m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0);
    }
    case 'unix':
    case 'unix-ms': {
      if (!RE_NUM.test(v)) fail(v, format, 'expected a number');
      const t = format === 'unix' ? Math.round(Number(v) * 1000) : Math.round(Number(v));
      if (!Number.isFinite(t) || Math.abs(t) > 8.64e15) fail(v, format, 'out of the representable range');
      return t;
    }
    default:
      throw new Error(`parseDate: unknown date format ${JSON.stringify(format)}; expected one of iso, YYYY-MM-DD, YYYY-MM, M/D/YYYY, D/M/YYYY, Mon D YYYY, unix, unix-ms`);
  }
}

/**
 * Guesses the date format of a column from its values (empty strings are ignored). The first
 * value decides the family; for `a/b/YYYY` dates the order is `M/D/YYYY` unless some first part
 * exceeds 12. Plain numbers are Unix seconds, or milliseconds when any exceeds 1e11 in magnitude
 * (1e11 s is the year 5138). Returns null when no format fits the first value.
 *
 * @example
 * detectDateFormat(['Jan 1 2000', 'Feb 1 2000']);   // → 'Mon D YYYY'
 * detectDateFormat(['13/1/2020', '14/1/2020']);     // → 'D/M/YYYY'
 */
export function detectDateFormat(values: readonly string[]): Exclude<DateFormat, 'auto'> | null {
  let first: string | undefined;
  for (const v of values) {
    if (v.trim() !== '') {
      first = v.trim();
      break;
    }
  }
  if (first === undefined) return null;
  const iso = RE_ISO.exec(first);
  if (iso) return iso[4] !== undefined || iso[8] !== undefined ? 'iso' : 'YYYY-MM-DD';
  if (RE_YM.test(first)) return 'YYYY-MM';
  if (RE_SLASH.test(first)) {
    for (const v of values) {
      const m = RE_SLASH.exec(v.trim());
      if (m && +m[1] > 12) return 'D/M/YYYY';
    }
    return 'M/D/YYYY';
  }
  if (RE_MON.test(first) && monthNumber(RE_MON.exec(first)![1]) > 0) return 'Mon D YYYY';
  if (RE_NUM.test(first)) {
    for (const v of values) if (RE_NUM.test(v.trim()) && Math.abs(Number(v)) > 1e11) return 'unix-ms';
    return 'unix';
  }
  return null;
}

/**
 * Formats a time as `YYYY-MM-DD HH:MM:SS` (UTC wall clock), or `YYYY-MM-DD` at midnight; for
 * reports and error messages.
 *
 * @example
 * formatDate(Date.UTC(2016, 6, 1, 5)); // → '2016-07-01 05:00:00'
 * formatDate(Date.UTC(1949, 0, 1));    // → '1949-01-01'
 */
export function formatDate(t: number): string {
  if (!Number.isFinite(t)) return String(t);
  const iso = new Date(t).toISOString(); // 2016-07-01T05:00:00.000Z
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  const ms = iso.slice(19, 23);
  if (time === '00:00:00' && ms === '.000') return day;
  return ms === '.000' ? `${day} ${time}` : `${day} ${time}${ms}`;
}

// ---------------------------------------------------------------------------------------------
// Frequencies

/**
 * A sampling frequency: a fixed step in milliseconds (`unit: 'ms'`), or a whole number of
 * calendar months (`unit: 'month'`: monthly = 1, quarterly = 3, yearly = 12), whose length varies.
 */
export interface Frequency {
  unit: 'ms' | 'month';
  step: number;
  /** Human label such as `1h`, `15min`, `1M`. */
  label: string;
}

const MS_UNITS: [RegExp, number, string][] = [
  [/^(?:ms|millis?|milliseconds?|L)$/, 1, 'ms'],
  [/^(?:s|S|sec|secs|seconds?)$/, 1000, 's'],
  [/^(?:min|mins|minutes?|T)$/i, 60_000, 'min'],
  [/^(?:h|H|hr|hrs|hours?|hourly)$/, 3_600_000, 'h'],
  [/^(?:d|D|days?|daily)$/, 86_400_000, 'd'],
  [/^(?:w|W|weeks?|weekly)$/, 604_800_000, 'w'],
];
const MONTH_UNITS: [RegExp, number, string][] = [
  [/^(?:M|MS|mo|mon|months?|monthly)$/, 1, 'M'],
  [/^(?:Q|QS|quarters?|quarterly)$/, 3, 'Q'],
  [/^(?:Y|YS|A|AS|y|years?|yearly|annual)$/, 12, 'Y'],
];

function msLabel(step: number): string {
  const units: [number, string][] = [[604_800_000, 'w'], [86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min'], [1000, 's']];
  for (const [u, name] of units) if (step % u === 0) return `${step / u}${name}`;
  return `${step}ms`;
}

function monthLabel(step: number): string {
  if (step % 12 === 0) return `${step / 12}Y`;
  if (step % 3 === 0) return `${step / 3}Q`;
  return `${step}M`;
}

/**
 * Reads a frequency: a number of milliseconds, a `Frequency`, or text such as `'h'`, `'1h'`,
 * `'hourly'`, `'15min'`, `'D'`, `'W'`, `'M'` / `'monthly'`, `'Q'`, `'Y'`. Pandas-style aliases are
 * accepted; `'ms'` is milliseconds and a lone lowercase `'m'` is rejected as ambiguous.
 *
 * @example
 * parseFrequency('15min'); // → { unit: 'ms', step: 900000, label: '15min' }
 * parseFrequency('monthly'); // → { unit: 'month', step: 1, label: '1M' }
 */
export function parseFrequency(freq: string | number | Frequency): Frequency {
  if (typeof freq === 'number') {
    if (!(freq > 0) || !Number.isFinite(freq)) throw new Error(`frequency: expected a positive number of milliseconds, got ${freq}`);
    return { unit: 'ms', step: freq, label: msLabel(freq) };
  }
  if (typeof freq === 'object' && freq !== null) {
    if ((freq.unit !== 'ms' && freq.unit !== 'month') || !(freq.step > 0)) {
      throw new Error(`frequency: expected { unit: 'ms' | 'month', step > 0 }, got ${JSON.stringify(freq)}`);
    }
    return { unit: freq.unit, step: freq.step, label: freq.label ?? (freq.unit === 'ms' ? msLabel(freq.step) : monthLabel(freq.step)) };
  }
  const m = /^\s*(\d+)?\s*([A-Za-z]+)\s*$/.exec(String(freq));
  if (m) {
    const k = m[1] === undefined ? 1 : Number(m[1]);
    const unit = m[2];
    if (k > 0) {
      for (const [re, ms] of MS_UNITS) if (re.test(unit)) return { unit: 'ms', step: k * ms, label: msLabel(k * ms) };
      for (const [re, months] of MONTH_UNITS) if (re.test(unit)) return { unit: 'month', step: k * months, label: monthLabel(k * months) };
    }
  }
  throw new Error(`frequency: cannot read ${JSON.stringify(freq)}; expected e.g. '1h', '15min', 'D', 'W', 'M' (month), 'Q', 'Y' or a number of milliseconds`);
}

/**
 * Calendar month counter (UTC): months since year 0, for month-unit arithmetic.
 *
 * @example
 * monthIndex(Date.UTC(1949, 1, 1)) - monthIndex(Date.UTC(1948, 11, 31)); // → 2
 */
export function monthIndex(t: number): number {
  const d = new Date(t);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/**
 * The time `k` steps of `freq` after `t`. Month steps keep the day of month and time of day,
 * clamping the day to the month's length (Jan 31 + 1M = Feb 28/29).
 *
 * @example
 * addFrequency(Date.UTC(2000, 0, 31), parseFrequency('M'), 1); // → Date.UTC(2000, 1, 29)
 */
export function addFrequency(t: number, freq: Frequency, k = 1): number {
  if (freq.unit === 'ms') return t + k * freq.step;
  const d = new Date(t);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + k * freq.step;
  const y = Math.floor(total / 12);
  const mo = total - y * 12 + 1;
  const day = Math.min(d.getUTCDate(), daysInMonth(y, mo));
  const out = new Date(t);
  out.setUTCDate(1);
  out.setUTCFullYear(y, mo - 1, day);
  return out.getTime();
}

/**
 * Infers the sampling frequency of sorted times: the most common positive step; a step of
 * 28–31 days is read as monthly, 89–92 days as quarterly, 365–366 days as yearly (calendar units).
 * Returns null with fewer than two distinct times.
 *
 * @example
 * inferFrequency(Float64Array.of(Date.UTC(2000, 0), Date.UTC(2000, 1), Date.UTC(2000, 2))); // → { unit: 'month', step: 1, label: '1M' }
 */
export function inferFrequency(times: ArrayLike<number>): Frequency | null {
  const counts = new Map<number, number>();
  for (let i = 1; i < times.length; i++) {
    const dt = times[i] - times[i - 1];
    if (dt > 0) counts.set(dt, (counts.get(dt) ?? 0) + 1);
  }
  if (counts.size === 0) return null;
  const DAY = 86_400_000;
  // Month lengths vary, so count calendar-unit steps together before taking the mode.
  const bins = new Map<string, { n: number; smallest: number }>();
  for (const [dt, n] of counts) {
    let key = `ms:${dt}`;
    if (dt >= 28 * DAY && dt <= 31 * DAY) key = 'month:1';
    else if (dt >= 89 * DAY && dt <= 92 * DAY) key = 'month:3';
    else if (dt >= 365 * DAY && dt <= 366 * DAY) key = 'month:12';
    const b = bins.get(key);
    if (b) {
      b.n += n;
      b.smallest = Math.min(b.smallest, dt);
    } else bins.set(key, { n, smallest: dt });
  }
  let best = '';
  let bestN = -1;
  let bestDt = Infinity;
  for (const [key, b] of bins) {
    // Ties go to the smaller step: a series with as many 2-step gaps as 1-steps is 1-step.
    if (b.n > bestN || (b.n === bestN && b.smallest < bestDt)) {
      best = key;
      bestN = b.n;
      bestDt = b.smallest;
    }
  }
  const [unit, step] = best.split(':');
  return parseFrequency(unit === 'ms' ? Number(step) : { unit: 'month', step: Number(step), label: monthLabel(Number(step)) });
}

/**
 * How many steps of `freq` lie from `t0` to `t1`: an integer when `t1` is on the grid started
 * at `t0`, otherwise a fraction (an off-grid time). Month steps compare calendar months only, so
 * month-start and month-end series (Jan 31, Feb 29, Mar 31) are both regular.
 *
 * @example
 * stepsBetween(Date.UTC(2016, 6, 1, 0), Date.UTC(2016, 6, 1, 3), parseFrequency('h')); // → 3
 */
export function stepsBetween(t0: number, t1: number, freq: Frequency): number {
  if (freq.unit === 'ms') return (t1 - t0) / freq.step;
  return (monthIndex(t1) - monthIndex(t0)) / freq.step;
}
