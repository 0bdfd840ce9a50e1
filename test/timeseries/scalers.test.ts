import { describe, expect, it } from 'vitest';
import { TimeFrame } from '../../src/timeseries/frame.js';
import { createScaler, MinMaxScaler, scalerFromJSON, StandardScaler } from '../../src/timeseries/scalers.js';

// train rows 0..3, then a test part with a very different level
const frame = TimeFrame.fromColumns([0, 1, 2, 3, 4, 5], { a: [1, 2, 3, 4, 100, 200], b: [10, 10, 10, 10, 50, 60], c: [0, 1, 0, 1, 0, 1] });
const train = frame.slice(0, 4);

describe('StandardScaler', () => {
  it('fits on the training rows only: test statistics do not leak', () => {
    const s = new StandardScaler().fit(train, ['a', 'b']);
    expect(s.mean).toEqual([2.5, 10]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(1.25), 15); // population std (ddof 0), as sklearn / Informer
    expect(s.std[1]).toBe(0);
    const scaled = s.transform(frame);
    // train part standardised exactly; test values far outside, as they must be
    expect(Array.from(scaled.column('a').subarray(0, 4)).map((v) => +v.toFixed(6))).toEqual([-1.341641, -0.447214, 0.447214, 1.341641]);
    expect(scaled.column('a')[5]).toBeCloseTo((200 - 2.5) / Math.sqrt(1.25), 10);
    // constant training column: centred only (std taken as 1)
    expect(Array.from(scaled.column('b'))).toEqual([0, 0, 0, 0, 40, 50]);
    // unfitted columns pass through untouched
    expect(scaled.column('c')).toBe(frame.column('c'));
    const full = new StandardScaler().fit(frame, ['a']);
    expect(full.mean[0]).not.toBe(s.mean[0]);
  });

  it('inverts, on frames and on (N, H, C) arrays', () => {
    const s = new StandardScaler().fit(train, ['a', 'b']);
    const back = s.inverseTransform(s.transform(frame));
    for (let i = 0; i < frame.length; i++) expect(back.column('a')[i]).toBeCloseTo(frame.column('a')[i], 12);
    const y = Float32Array.of(1, 10, 4, 50); // (2, 1, C=2) in column order [a, b]
    const z = s.transformArray(y, ['a', 'b']);
    expect(z).toBeInstanceOf(Float32Array);
    expect(z[0]).toBeCloseTo(-1.341641, 5);
    expect(z[3]).toBe(40);
    s.inverseTransformArray(z, ['a', 'b']).forEach((v, i) => expect(v).toBeCloseTo(y[i], 5));
    // a different column order on the last axis
    expect(s.transformArray(Float64Array.of(10, 1), ['b', 'a'])[1]).toBeCloseTo(-1.341641, 5);
    expect(() => s.transformArray(y, ['a', 'zz'])).toThrow('column "zz" was not fitted; fitted columns are: a, b');
    expect(() => s.transformArray(Float32Array.of(1, 2, 3), ['a', 'b'])).toThrow('multiple of 2');
  });

  it('round-trips through JSON exactly', () => {
    const s = new StandardScaler().fit(TimeFrame.fromColumns([0, 1, 2], { x: [0.1, 0.7, 1 / 3] }));
    const json = JSON.parse(JSON.stringify(s));
    expect(json.type).toBe('standard');
    const r = scalerFromJSON(json) as StandardScaler;
    expect(r).toBeInstanceOf(StandardScaler);
    expect(r.mean).toEqual(s.mean);
    expect(r.std).toEqual(s.std);
    const f = TimeFrame.fromColumns([0], { x: [0.42] });
    expect(r.transform(f).column('x')[0]).toBe(s.transform(f).column('x')[0]);
  });

  it('validates', () => {
    expect(() => new StandardScaler().transform(frame)).toThrow('not fitted; call fit(trainFrame) first');
    expect(() => new StandardScaler().fit(TimeFrame.fromColumns([0, 1], { x: [1, NaN] }))).toThrow('column "x" has a non-finite value at row 1');
    expect(() => scalerFromJSON({ type: 'standard', columns: ['a'], mean: [1, 2], std: [1] } as never)).toThrow('expected "mean" to be 1 finite numbers');
    expect(() => scalerFromJSON({ type: 'robust' } as never)).toThrow("expected type 'standard' or 'minmax', got \"robust\"");
    const s = new StandardScaler().fit(train, ['a']);
    expect(() => s.transform(frame.select(['b']))).toThrow('the frame lacks fitted column "a"');
  });
});

describe('MinMaxScaler', () => {
  it('maps the training min/max onto the feature range, per column, and round-trips', () => {
    const s = new MinMaxScaler({ featureRange: [-1, 1] }).fit(train, ['a', 'b']);
    expect(s.min).toEqual([1, 10]);
    expect(s.max).toEqual([4, 10]);
    const scaled = s.transform(frame);
    [-1, -1 / 3, 1 / 3, 1].forEach((v, i) => expect(scaled.column('a')[i]).toBeCloseTo(v, 14));
    expect(scaled.column('a')[4]).toBeCloseTo(-1 + (2 * 99) / 3, 12); // test data beyond the range
    expect(Array.from(scaled.column('b').subarray(0, 4))).toEqual([-1, -1, -1, -1]); // constant → lo
    const r = scalerFromJSON(JSON.parse(JSON.stringify(s))) as MinMaxScaler;
    expect(r.featureRange).toEqual([-1, 1]);
    expect(Array.from(r.transform(frame).column('a'))).toEqual(Array.from(scaled.column('a')));
    expect(createScaler('minmax')).toBeInstanceOf(MinMaxScaler);
    expect(() => new MinMaxScaler({ featureRange: [1, 0] })).toThrow('lo < hi');
  });
});
