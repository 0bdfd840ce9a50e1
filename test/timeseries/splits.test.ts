import { describe, expect, it } from 'vitest';
import { TimeFrame } from '../../src/timeseries/frame.js';
import { chronologicalSplit, sliceSplit, walkForward } from '../../src/timeseries/splits.js';
import { makeWindows } from '../../src/timeseries/windows.js';

describe('chronologicalSplit', () => {
  it('informer-etth preset: 8640 / 2880 / 2880 rows, val/test start lookback rows early', () => {
    const s = chronologicalSplit(17420, { preset: 'informer-etth' }, { lookback: 96 });
    expect(s.train).toEqual({ start: 0, end: 8640, contextStart: 0 });
    expect(s.val).toEqual({ start: 8640, end: 11520, contextStart: 8544 });
    expect(s.test).toEqual({ start: 11520, end: 14400, contextStart: 11424 });
    expect(s.unused).toEqual({ start: 14400, end: 17420 });
    const m = chronologicalSplit(69680, { preset: 'informer-ettm' }, { lookback: 96 });
    expect([m.train.end, m.val.end - m.val.start, m.test.end - m.test.start]).toEqual([34560, 11520, 11520]);
    expect(() => chronologicalSplit(10000, { preset: 'informer-etth' })).toThrow('needs 14400 rows');
  });

  it('informer window counts: len − L − H + 1 per part (Dataset_ETT_hour.__len__)', () => {
    const n = 14400;
    const frame = TimeFrame.fromColumns(Array.from({ length: n }, (_, i) => i), { v: Array.from({ length: n }, (_, i) => i) });
    const s = chronologicalSplit(frame, { preset: 'informer-etth' }, { lookback: 96 });
    const count = (p: typeof s.test) => makeWindows(frame, { lookback: 96, horizon: 24, targets: ['v'], range: p }).originIndex.length;
    expect([count(s.train), count(s.val), count(s.test)]).toEqual([8640 - 96 - 24 + 1, 2880 - 24 + 1, 2880 - 24 + 1]);
    const t = sliceSplit(frame, s.test);
    expect(t.length).toBe(2880 + 96);
    expect(makeWindows(t, { lookback: 96, horizon: 24, targets: ['v'] }).originIndex.length).toBe(2857);
  });

  it('fractions as Informer custom data: ⌊0.7n⌋ train, ⌊0.2n⌋ test, the rest validation', () => {
    const s = chronologicalSplit(1001, { fractions: [0.7, 0.1, 0.2] }, { lookback: 10 });
    expect([s.train.end, s.val.start, s.val.end, s.test.start, s.test.end]).toEqual([700, 700, 801, 801, 1001]);
    expect(s.val.contextStart).toBe(690);
    expect(() => chronologicalSplit(10, { fractions: [0.5, 0.5, 0.5] })).toThrow('summing to 1');
    expect(() => chronologicalSplit(10, { fractions: [0.6, 0, 0.4] })).toThrow('the validation part is empty');
  });

  it('dates', () => {
    const months = Array.from({ length: 36 }, (_, k) => Date.UTC(2000, k, 1));
    const frame = TimeFrame.fromColumns(months, { p: months.map((_, k) => k) });
    const s = chronologicalSplit(frame, { dates: { valStart: '2001-06', testStart: 'Jan 1 2002', end: '2002-12-01' } }, { lookback: 3 });
    expect([s.train.end, s.val.end, s.test.end]).toEqual([17, 24, 35]);
    expect(s.test.contextStart).toBe(21);
    expect(() => chronologicalSplit(frame, { dates: { valStart: '2002-01', testStart: '2001-01' } })).toThrow('expected valStart ≤ testStart ≤ end');
  });
});

describe('walkForward', () => {
  it('expanding folds ending at the last row', () => {
    const f = walkForward(144, { horizon: 12, folds: 4 });
    expect(f.map((x) => x.origin)).toEqual([95, 107, 119, 131]);
    expect(f[0]).toEqual({ origin: 95, train: { start: 0, end: 96 }, test: { start: 96, end: 108 } });
    expect(f[3].test.end).toBe(144);
  });

  it('initialTrain, step 1, sliding window', () => {
    const f = walkForward(10, { horizon: 2, initialTrain: 5, step: 1, window: 'sliding' });
    expect(f.map((x) => [x.train.start, x.train.end, x.test.start, x.test.end])).toEqual([
      [0, 5, 5, 7],
      [1, 6, 6, 8],
      [2, 7, 7, 9],
      [3, 8, 8, 10],
    ]);
    expect(() => walkForward(10, { horizon: 2 })).toThrow('exactly one of initialTrain and folds');
    expect(() => walkForward(10, { horizon: 5, folds: 5 })).toThrow('need more than 10 rows');
  });
});
