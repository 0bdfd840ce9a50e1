/**
 * Calendar features as sin/cos pairs, so that the end of a cycle sits next to its start
 * (23:00 beside 00:00, December beside January). Computed from the UTC wall clock of the frame's
 * times (see dates.ts), so they are known in advance for any future timestamp — usable as
 * known-ahead covariates in recursive forecasting.
 */
import { daysInMonth, isLeap } from './dates.js';
import { TimeFrame } from './frame.js';

/** A calendar cycle: `hour` (of day, minutes as fractions), `dayOfWeek` (Monday = 0),
 *  `dayOfMonth` (1st = 0, per month length), `month` (January = 0), `dayOfYear` (per year length). */
export type CalendarFeature = 'hour' | 'dayOfWeek' | 'dayOfMonth' | 'month' | 'dayOfYear';

const ALL: CalendarFeature[] = ['hour', 'dayOfWeek', 'dayOfMonth', 'month', 'dayOfYear'];

/** Position in the cycle, as a fraction in [0, 1). */
function phase(t: number, f: CalendarFeature): number {
  const d = new Date(t);
  switch (f) {
    case 'hour':
      return (d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600) / 24;
    case 'dayOfWeek':
      return ((d.getUTCDay() + 6) % 7) / 7;
    case 'dayOfMonth': {
      return (d.getUTCDate() - 1) / daysInMonth(d.getUTCFullYear(), d.getUTCMonth() + 1);
    }
    case 'month':
      return d.getUTCMonth() / 12;
    case 'dayOfYear': {
      const y = d.getUTCFullYear();
      const start = new Date(t);
      start.setUTCMonth(0, 1);
      start.setUTCHours(0, 0, 0, 0);
      return Math.floor((t - start.getTime()) / 86_400_000) / (isLeap(y) ? 366 : 365);
    }
  }
}

/**
 * Calendar feature columns for the given times: for each feature `f`, `f_sin = sin(2π·phase)` and
 * `f_cos = cos(2π·phase)`, where phase ∈ [0, 1) is the position in the cycle.
 *
 * @example
 * const cal = calendarFeatures(frame.times, ['hour', 'dayOfWeek']);
 * cal.get('hour_sin'); // Float64Array, one value per time
 */
export function calendarFeatures(times: ArrayLike<number>, features: readonly CalendarFeature[] = ['hour', 'dayOfWeek', 'month']): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const f of features) {
    if (!ALL.includes(f)) throw new Error(`calendarFeatures: unknown feature ${JSON.stringify(f)}; expected one of ${ALL.join(', ')}`);
    const s = new Float64Array(times.length);
    const c = new Float64Array(times.length);
    for (let i = 0; i < times.length; i++) {
      const a = 2 * Math.PI * phase(times[i], f);
      s[i] = Math.sin(a);
      c[i] = Math.cos(a);
    }
    out.set(`${f}_sin`, s);
    out.set(`${f}_cos`, c);
  }
  return out;
}

/**
 * The frame with calendar feature columns appended (`hour_sin`, `hour_cos`, ...). Pick features
 * that vary at the series' frequency: `hour` is constant on daily data.
 *
 * @example
 * const withCal = addCalendarFeatures(frame, ['hour', 'dayOfWeek', 'month']);
 * withCal.names; // → [...frame.names, 'hour_sin', 'hour_cos', 'dayOfWeek_sin', ...]
 */
export function addCalendarFeatures(frame: TimeFrame, features: readonly CalendarFeature[] = ['hour', 'dayOfWeek', 'month']): TimeFrame {
  return frame.withColumns(calendarFeatures(frame.times, features));
}
