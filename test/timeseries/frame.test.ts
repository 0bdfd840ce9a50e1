import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addCalendarFeatures, calendarFeatures } from '../../src/timeseries/calendar.js';
import { describeLoadReport, loadTimeSeriesCSV, parseTimeSeriesCSV, TimeFrame } from '../../src/timeseries/frame.js';

const U = Date.UTC;
const hours = (k: number) => `2016-07-01 ${String(k).padStart(2, '0')}:00:00`;
const csv = (rows: [string, string, string][]) => ['date,HUFL,OT', ...rows.map((r) => r.join(','))].join('\n') + '\n';

describe('TimeFrame', () => {
  it('slices without copying, selects, finds times', () => {
    const f = TimeFrame.fromColumns([10, 20, 30, 40], { a: [1, 2, 3, 4], b: [5, 6, 7, 8] });
    const s = f.slice(1, 3);
    expect(Array.from(s.times)).toEqual([20, 30]);
    s.column('a')[0] = 99;
    expect(f.column('a')[1]).toBe(99);
    expect(f.select(['b']).names).toEqual(['b']);
    expect(f.indexOf(25)).toBe(2);
    expect(f.indexOf(5)).toBe(0);
    expect(f.indexOf(50)).toBe(4);
    expect(() => f.column('c')).toThrow('unknown column "c"; columns are: a, b');
    expect(() => f.slice(3, 2)).toThrow('expected 0 ≤ start ≤ end ≤ 4');
    expect(() => TimeFrame.fromColumns([1, 2], { a: [1] })).toThrow('column "a" has 1 values, expected 2');
  });
});

describe('parseTimeSeriesCSV', () => {
  it('loads a clean hourly file and reports nothing unusual', () => {
    const { frame, report } = parseTimeSeriesCSV(csv([[hours(0), '5.8', '30.5'], [hours(1), '5.6', '27.7'], [hours(2), '5.1', '27.7']]), { source: 'ETTh1.csv' });
    expect(frame.length).toBe(3);
    expect(frame.names).toEqual(['HUFL', 'OT']);
    expect(Array.from(frame.times)).toEqual([U(2016, 6, 1, 0), U(2016, 6, 1, 1), U(2016, 6, 1, 2)]);
    expect(Array.from(frame.column('OT'))).toEqual([30.5, 27.7, 27.7]);
    expect(report).toMatchObject({ timeColumn: 'date', dateFormat: 'iso', rows: 3, sorted: true, gaps: [], irregular: [], frequencyInferred: true });
    expect(report.frequency?.label).toBe('1h');
    expect(describeLoadReport(report)).toEqual(['ETTh1.csv: 3 rows × 2 columns, 2016-07-01 … 2016-07-01 02:00:00, frequency 1h (inferred)']);
  });

  it('names file and line of a bad date', () => {
    const text = csv([[hours(0), '1', '2'], ['2016-13-01', '1', '2']]);
    expect(() => parseTimeSeriesCSV(text, { source: 'ETTh1.csv', dateFormat: 'iso' })).toThrow('ETTh1.csv:3: cannot parse date "2016-13-01" (format iso: month 13');
    const lines = ['date,OT', ...Array.from({ length: 10 }, (_, k) => `2016-07-${String(k + 1).padStart(2, '0')},1`), '2016-13-01,1'];
    expect(() => parseTimeSeriesCSV(lines.join('\n'), { source: 'ETTh1.csv' })).toThrow('ETTh1.csv:12: cannot parse date "2016-13-01" (format YYYY-MM-DD: month 13 is out of range 1–12)');
    expect(() => parseTimeSeriesCSV('date,OT\nsoon,1\n', { source: 'x.csv' })).toThrow('x.csv:2: cannot parse date "soon": not a supported format');
  });

  it('names file, line and column of a bad number, and malformed CSV lines', () => {
    expect(() => parseTimeSeriesCSV(csv([[hours(0), '1', '2'], [hours(1), '1', 'abc']]), { source: 'x.csv' })).toThrow('x.csv:3: column "OT": expected a number, got "abc"');
    expect(() => parseTimeSeriesCSV(`date,OT\n${hours(0)},1\n${hours(1)}\n`, { source: 'x.csv' })).toThrow('x.csv:3: expected 2 fields as in the header, got 1');
    expect(() => parseTimeSeriesCSV(csv([[hours(0), '1', '2']]), { source: 'x.csv', columns: ['XX'] })).toThrow('x.csv: column "XX" is not in the header; columns are: date, HUFL, OT');
    expect(() => parseTimeSeriesCSV(csv([[hours(0), '1', '2']]), { source: 'x.csv', timeColumn: 'time' })).toThrow('time column "time" is not in the header');
  });

  it('sorts unsorted rows and reports it; duplicates error by default or keep first/last', () => {
    const { frame, report } = parseTimeSeriesCSV(csv([[hours(2), '3', '3'], [hours(0), '1', '1'], [hours(1), '2', '2']]));
    expect(report.sorted).toBe(false);
    expect(Array.from(frame.column('OT'))).toEqual([1, 2, 3]);
    const dup = csv([[hours(0), '1', '1'], [hours(1), '2', '2'], [hours(1), '9', '9'], [hours(2), '3', '3']]);
    expect(() => parseTimeSeriesCSV(dup, { source: 'd.csv' })).toThrow("d.csv:4: duplicate timestamp 2016-07-01 01:00:00 (also at line 3); filter rows (where: {...}) or set duplicates: 'first' | 'last'");
    expect(Array.from(parseTimeSeriesCSV(dup, { duplicates: 'first' }).frame.column('OT'))).toEqual([1, 2, 3]);
    const last = parseTimeSeriesCSV(dup, { duplicates: 'last' });
    expect(Array.from(last.frame.column('OT'))).toEqual([1, 9, 3]);
    expect(last.report.duplicates).toEqual([{ time: '2016-07-01 01:00:00', lines: [3, 4], kept: 4 }]);
  });

  it('detects gaps against the inferred frequency, or a declared one', () => {
    const text = csv([[hours(0), '0', '0'], [hours(1), '1', '1'], [hours(2), '2', '2'], [hours(5), '5', '5'], [hours(6), '6', '6'], [hours(8), '8', '8']]);
    const { report } = parseTimeSeriesCSV(text, { source: 'g.csv' });
    expect(report.frequency?.label).toBe('1h');
    expect(report.gaps).toEqual([
      { after: '2016-07-01 02:00:00', before: '2016-07-01 05:00:00', missing: 2, line: 5 },
      { after: '2016-07-01 06:00:00', before: '2016-07-01 08:00:00', missing: 1, line: 7 },
    ]);
    expect(report.missingSteps).toBe(3);
    expect(describeLoadReport(report)[1]).toBe('  2 gaps, 3 missing steps (first: 2 after 2016-07-01 02:00:00)');
    expect(() => parseTimeSeriesCSV(text, { source: 'g.csv', gaps: 'error' })).toThrow('g.csv:5: gap of 2 missing step(s) of 1h between 2016-07-01 02:00:00 and 2016-07-01 05:00:00 (and 1 more gaps)');
    // declared 30-minute data: every hourly step is a gap of one
    expect(parseTimeSeriesCSV(text, { frequency: '30min' }).report.missingSteps).toBe(5 + 2 * 2 + 1 * 2);
    // declared 2h: odd hours are off the grid
    expect(parseTimeSeriesCSV(text, { frequency: '2h' }).report.irregular.length).toBeGreaterThan(0);
  });

  it('monthly gaps are counted in calendar months', () => {
    const text = 'Month,Passengers\n1949-01,112\n1949-02,118\n1949-05,129\n1949-06,121\n';
    const { report } = parseTimeSeriesCSV(text);
    expect(report.frequency).toEqual({ unit: 'month', step: 1, label: '1M' });
    expect(report.gaps).toEqual([{ after: '1949-02-01', before: '1949-05-01', missing: 2, line: 4 }]);
    const filled = parseTimeSeriesCSV(text, { gaps: 'fill', missing: 'ffill' }).frame;
    expect(Array.from(filled.times)).toEqual([0, 1, 2, 3, 4, 5].map((m) => U(1949, m, 1)));
    expect(Array.from(filled.column('Passengers'))).toEqual([112, 118, 118, 118, 129, 121]);
  });

  describe('missing-value policies', () => {
    const text = csv([[hours(0), '1', ''], [hours(1), '2', '10'], [hours(2), 'NA', ''], [hours(3), '4', ''], [hours(4), '5', '40'], [hours(5), '6', '']]);

    it('error (default) names file, line and column', () => {
      expect(() => parseTimeSeriesCSV(text, { source: 'm.csv' })).toThrow(`m.csv:2: missing value in column "OT" (missing: 'error'); choose missing: 'drop', 'ffill' or 'interpolate' to handle it`);
    });

    it('drop removes whole rows', () => {
      const { frame, report } = parseTimeSeriesCSV(text, { missing: 'drop' });
      expect(Array.from(frame.column('HUFL'))).toEqual([2, 5]);
      expect(Array.from(frame.column('OT'))).toEqual([10, 40]);
      expect(report.missing).toMatchObject({ policy: 'drop', perColumn: { HUFL: 1, OT: 4 }, rowsDropped: 4 });
    });

    it('ffill carries values forward, leading gaps take the first value', () => {
      const { frame, report } = parseTimeSeriesCSV(text, { missing: 'ffill' });
      expect(Array.from(frame.column('OT'))).toEqual([10, 10, 10, 10, 40, 40]);
      expect(Array.from(frame.column('HUFL'))).toEqual([1, 2, 2, 4, 5, 6]);
      expect(report.missing.valuesFilled).toBe(5);
    });

    it('interpolate is linear in time, edges as ffill', () => {
      const { frame } = parseTimeSeriesCSV(text, { missing: 'interpolate' });
      expect(Array.from(frame.column('OT'))).toEqual([10, 10, 20, 30, 40, 40]);
      expect(Array.from(frame.column('HUFL'))).toEqual([1, 2, 3, 4, 5, 6]);
      // uneven spacing: weights follow the timestamps, not the row numbers
      const uneven = csv([[hours(0), '0', '0'], [hours(1), '', '1'], [hours(4), '4', '4']]);
      expect(Array.from(parseTimeSeriesCSV(uneven, { missing: 'interpolate' }).frame.column('HUFL'))).toEqual([0, 1, 4]);
    });

    it('gaps: fill inserts the missing timestamps, which the policy then fills', () => {
      const g = csv([[hours(0), '0', '0'], [hours(3), '3', '30']]);
      // two rows alone would infer a 3 h frequency: declare it
      const { frame, report } = parseTimeSeriesCSV(g, { frequency: '1h', gaps: 'fill', missing: 'interpolate' });
      expect(Array.from(frame.times)).toEqual([0, 1, 2, 3].map((h) => U(2016, 6, 1, h)));
      expect(Array.from(frame.column('OT'))).toEqual([0, 10, 20, 30]);
      expect(report.missing.gapRowsInserted).toBe(2);
      expect(() => parseTimeSeriesCSV(g, { frequency: 'h', gaps: 'fill' })).toThrow("no row for 2016-07-01 01:00:00 (a gap filled by gaps: 'fill') and missing: 'error'");
    });

    it('custom NA markers; a column with no values cannot be filled', () => {
      const t = csv([[hours(0), '-999', '1'], [hours(1), '2', '2']]);
      expect(Array.from(parseTimeSeriesCSV(t, { naValues: ['-999'], missing: 'ffill' }).frame.column('HUFL'))).toEqual([2, 2]);
      const empty = csv([[hours(0), '', '1'], [hours(1), '', '2']]);
      expect(() => parseTimeSeriesCSV(empty, { missing: 'ffill', columns: ['HUFL', 'OT'] })).toThrow('column "HUFL" has no values at all');
      expect(() => parseTimeSeriesCSV(t, { missing: 'zero' as never })).toThrow("missing must be 'error', 'drop', 'ffill' or 'interpolate'");
    });
  });

  it('selects columns, skips non-numeric ones by default, filters rows with where', () => {
    const text = 'symbol,date,price,weather\nMSFT,Jan 1 2000,39.81,sun\nAMZN,Jan 1 2000,64.56,rain\nMSFT,Feb 1 2000,36.35,fog\n';
    const { frame, report } = parseTimeSeriesCSV(text, { where: { symbol: 'MSFT' } });
    expect(report.timeColumn).toBe('date');
    expect(report.dateFormat).toBe('Mon D YYYY');
    expect(report.columns).toEqual(['price']);
    expect(report.skippedColumns).toEqual(['weather']);
    expect(report.recordsRead).toBe(3);
    expect(report.recordsSelected).toBe(2);
    expect(Array.from(frame.column('price'))).toEqual([39.81, 36.35]);
    expect(() => parseTimeSeriesCSV(text, { source: 's.csv' })).toThrow('s.csv:3: duplicate timestamp 2000-01-01 (also at line 2)');
    expect(() => parseTimeSeriesCSV(text, { columns: ['weather'], where: { symbol: 'MSFT' }, source: 's.csv' })).toThrow('s.csv:2: column "weather": expected a number, got "sun"');
    expect(() => parseTimeSeriesCSV(text, { where: { symbol: 'GOOG' }, source: 's.csv' })).toThrow('s.csv: no data rows match where {"symbol":"GOOG"}');
  });

  it('Unix-seconds times', () => {
    const { frame, report } = parseTimeSeriesCSV('t,v\n1467331200,1\n1467334800,2\n', { timeColumn: 't' });
    expect(report.dateFormat).toBe('unix');
    expect(frame.times[1]).toBe(U(2016, 6, 1, 1));
  });

  it('loadTimeSeriesCSV reads a file and names it in messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-'));
    const p = join(dir, 'bad.csv');
    writeFileSync(p, 'date,OT\n2016-07-01,1\n2016-07-02,\n');
    try {
      await expect(loadTimeSeriesCSV(p)).rejects.toThrow('bad.csv:3: missing value in column "OT"');
      const { frame } = await loadTimeSeriesCSV(p, { missing: 'ffill' });
      expect(Array.from(frame.column('OT'))).toEqual([1, 1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('calendar features', () => {
  it('sin/cos of hour, weekday, month', () => {
    // 2016-07-04 was a Monday
    const t = [U(2016, 6, 4, 0), U(2016, 6, 4, 6), U(2016, 11, 31, 18)];
    const c = calendarFeatures(t, ['hour', 'dayOfWeek', 'month']);
    expect([...c.keys()]).toEqual(['hour_sin', 'hour_cos', 'dayOfWeek_sin', 'dayOfWeek_cos', 'month_sin', 'month_cos']);
    expect(c.get('hour_sin')![0]).toBeCloseTo(0, 12);
    expect(c.get('hour_cos')![0]).toBeCloseTo(1, 12);
    expect(c.get('hour_sin')![1]).toBeCloseTo(1, 12);
    expect(c.get('hour_sin')![2]).toBeCloseTo(-1, 12);
    expect(c.get('dayOfWeek_cos')![0]).toBeCloseTo(1, 12); // Monday = phase 0
    expect(c.get('month_sin')![0]).toBeCloseTo(Math.sin((2 * Math.PI * 6) / 12), 12);
    expect(c.get('month_cos')![2]).toBeCloseTo(Math.cos((2 * Math.PI * 11) / 12), 12);
    const f = addCalendarFeatures(TimeFrame.fromColumns(t, { OT: [1, 2, 3] }), ['hour']);
    expect(f.names).toEqual(['OT', 'hour_sin', 'hour_cos']);
    expect(() => calendarFeatures(t, ['week' as never])).toThrow('unknown feature "week"');
  });
});
