import { describe, expect, it } from 'vitest';
import { addFrequency, DateParseError, detectDateFormat, formatDate, inferFrequency, parseDate, parseFrequency, stepsBetween } from '../../src/timeseries/dates.js';

const U = Date.UTC;

describe('parseDate', () => {
  it('reads every supported format as UTC wall-clock time', () => {
    expect(parseDate('2016-07-01 00:00:00', 'iso')).toBe(U(2016, 6, 1));
    expect(parseDate('2016-07-01T13:45', 'iso')).toBe(U(2016, 6, 1, 13, 45));
    expect(parseDate('2016-07-01 13:45:30.25', 'iso')).toBe(U(2016, 6, 1, 13, 45, 30, 250));
    expect(parseDate('2016-07-01T12:00:00Z', 'iso')).toBe(U(2016, 6, 1, 12));
    expect(parseDate('2016-07-01T12:00:00+02:00', 'iso')).toBe(U(2016, 6, 1, 10));
    expect(parseDate('2016-07-01', 'iso')).toBe(U(2016, 6, 1));
    expect(parseDate('1981-01-01', 'YYYY-MM-DD')).toBe(U(1981, 0, 1));
    expect(parseDate('1949-01', 'YYYY-MM')).toBe(U(1949, 0, 1));
    expect(parseDate('7/1/2016', 'M/D/YYYY')).toBe(U(2016, 6, 1));
    expect(parseDate('7/1/2016 13:05', 'M/D/YYYY')).toBe(U(2016, 6, 1, 13, 5));
    expect(parseDate('1/7/2016', 'D/M/YYYY')).toBe(U(2016, 6, 1));
    expect(parseDate('Jan 1 2000', 'Mon D YYYY')).toBe(U(2000, 0, 1));
    expect(parseDate('September 30, 2008', 'Mon D YYYY')).toBe(U(2008, 8, 30));
    expect(parseDate('1467331200', 'unix')).toBe(U(2016, 6, 1));
    expect(parseDate('1467331200.5', 'unix')).toBe(U(2016, 6, 1) + 500);
    expect(parseDate('1467331200000', 'unix-ms')).toBe(U(2016, 6, 1));
    expect(parseDate('0049-03-01', 'YYYY-MM-DD')).toBe(new Date('0049-03-01T00:00:00Z').getTime());
  });

  it('does not depend on the machine time zone (no DST jumps)', () => {
    const a = parseDate('2016-03-27 01:00:00', 'iso');
    const b = parseDate('2016-03-27 02:00:00', 'iso');
    expect(b - a).toBe(3_600_000);
  });

  it('rejects impossible dates with the value and the reason', () => {
    expect(() => parseDate('2016-13-01', 'YYYY-MM-DD')).toThrow('cannot parse date "2016-13-01" (format YYYY-MM-DD: month 13 is out of range 1–12)');
    expect(() => parseDate('2015-02-29', 'YYYY-MM-DD')).toThrow('day 29 is out of range 1–28');
    expect(parseDate('2016-02-29', 'YYYY-MM-DD')).toBe(U(2016, 1, 29));
    expect(() => parseDate('2016-07-01 24:00:00', 'iso')).toThrow('hour 24');
    expect(() => parseDate('2016-07-01 10:61', 'iso')).toThrow('minute 61');
    expect(() => parseDate('Foo 1 2000', 'Mon D YYYY')).toThrow('unknown month name "Foo"');
    expect(() => parseDate('2016-07-01 00:00', 'YYYY-MM-DD')).toThrow(DateParseError);
    expect(() => parseDate('1 Jan 2000', 'Mon D YYYY')).toThrow('cannot parse date "1 Jan 2000" (format Mon D YYYY)');
    expect(() => parseDate('abc', 'unix')).toThrow('expected a number');
    expect(() => parseDate('x', 'nope' as never)).toThrow('unknown date format');
  });
});

describe('detectDateFormat', () => {
  it('recognises each family', () => {
    expect(detectDateFormat(['2016-07-01 00:00:00'])).toBe('iso');
    expect(detectDateFormat(['1981-01-01'])).toBe('YYYY-MM-DD');
    expect(detectDateFormat(['1949-01'])).toBe('YYYY-MM');
    expect(detectDateFormat(['', '7/1/2016', '12/31/2016'])).toBe('M/D/YYYY');
    expect(detectDateFormat(['1/7/2016', '31/12/2016'])).toBe('D/M/YYYY');
    expect(detectDateFormat(['Jan 1 2000'])).toBe('Mon D YYYY');
    expect(detectDateFormat(['1467331200'])).toBe('unix');
    expect(detectDateFormat(['1467331200000'])).toBe('unix-ms');
    expect(detectDateFormat(['yesterday'])).toBeNull();
    expect(detectDateFormat([])).toBeNull();
  });
});

describe('formatDate', () => {
  it('drops a midnight time', () => {
    expect(formatDate(U(2016, 6, 1, 5))).toBe('2016-07-01 05:00:00');
    expect(formatDate(U(1949, 0, 1))).toBe('1949-01-01');
  });
});

describe('frequencies', () => {
  it('parses aliases', () => {
    expect(parseFrequency('h')).toEqual({ unit: 'ms', step: 3_600_000, label: '1h' });
    expect(parseFrequency('1H')).toEqual({ unit: 'ms', step: 3_600_000, label: '1h' });
    expect(parseFrequency('15min')).toEqual({ unit: 'ms', step: 900_000, label: '15min' });
    expect(parseFrequency('daily').step).toBe(86_400_000);
    expect(parseFrequency('W').label).toBe('1w');
    expect(parseFrequency('M')).toEqual({ unit: 'month', step: 1, label: '1M' });
    expect(parseFrequency('monthly')).toEqual({ unit: 'month', step: 1, label: '1M' });
    expect(parseFrequency('Q')).toEqual({ unit: 'month', step: 3, label: '1Q' });
    expect(parseFrequency('Y')).toEqual({ unit: 'month', step: 12, label: '1Y' });
    expect(parseFrequency(1000).label).toBe('1s');
    expect(parseFrequency('ms').step).toBe(1);
    expect(() => parseFrequency('m')).toThrow("cannot read \"m\"");
    expect(() => parseFrequency(-5)).toThrow('positive');
  });

  it('infers fixed and calendar steps from the most common difference', () => {
    const hourly = Float64Array.from([0, 1, 2, 3, 5, 6], (k) => U(2016, 6, 1, k));
    expect(inferFrequency(hourly)).toEqual({ unit: 'ms', step: 3_600_000, label: '1h' });
    const monthly = Float64Array.from({ length: 14 }, (_, k) => U(1949, k, 1));
    expect(inferFrequency(monthly)).toEqual({ unit: 'month', step: 1, label: '1M' });
    const monthEnd = Float64Array.from({ length: 14 }, (_, k) => U(1949, k + 1, 0));
    expect(inferFrequency(monthEnd)?.label).toBe('1M');
    const yearly = Float64Array.from({ length: 6 }, (_, k) => U(2000 + k, 0, 1));
    expect(inferFrequency(yearly)?.label).toBe('1Y');
    expect(inferFrequency(Float64Array.of(5))).toBeNull();
  });

  it('steps and month arithmetic', () => {
    const M = parseFrequency('M');
    expect(addFrequency(U(2000, 0, 31), M, 1)).toBe(U(2000, 1, 29));
    expect(addFrequency(U(1999, 11, 1), M, 2)).toBe(U(2000, 1, 1));
    expect(stepsBetween(U(1949, 0, 1), U(1949, 3, 1), M)).toBe(3);
    expect(stepsBetween(U(2000, 0, 31), U(2000, 1, 29), M)).toBe(1);
    expect(stepsBetween(U(2016, 6, 1, 0), U(2016, 6, 1, 3), parseFrequency('h'))).toBe(3);
    expect(stepsBetween(U(2016, 6, 1, 0), U(2016, 6, 1, 0, 30), parseFrequency('h'))).toBe(0.5);
  });
});
