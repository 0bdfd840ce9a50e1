/**
 * ExponentialLR's decayAfter: the first `decayAfter` epochs at the full rate, then ×gamma per epoch,
 *
 *   lr(i) = baseLr · gamma^max(0, i + 1 − decayAfter)
 *
 * The default (1) is torch's ExponentialLR; `seq2seq train --lr-decay X --decay-after N` is
 * ExponentialLR({ gamma: X, decayAfter: N }). Expected values are written out by hand.
 */
import { describe, expect, it } from 'vitest';
import { ExponentialLR, LinearWarmup, scheduleFromConfig } from '../../src/nn/schedules.js';
import type { LRSchedule } from '../../src/nn/schedules.js';

function values(s: LRSchedule, n: number, base: number): number[] {
  return Array.from({ length: n }, (_, i) => s.lrAt(i, base));
}

describe('ExponentialLR decayAfter', () => {
  it('holds the full rate for decayAfter epochs, then decays by gamma per epoch', () => {
    const s = new ExponentialLR({ gamma: 0.5, decayAfter: 3 });
    // before the delay (0, 1, 2), at it (3: first decayed epoch), after it (4, 5)
    expect(values(s, 6, 1)).toEqual([1, 1, 1, 0.5, 0.25, 0.125]);
    expect(s.lrAt(2, 0.08)).toBe(0.08);
    expect(s.lrAt(3, 0.08)).toBe(0.04);
    expect(s.lrAt(10, 0.08)).toBe(0.08 * 0.5 ** 8);
    // the README's G2P recipe: six full-rate epochs, then ×0.7
    const g2p = new ExponentialLR({ gamma: 0.7, decayAfter: 6 });
    expect(g2p.lrAt(5, 1e-3)).toBe(1e-3);
    expect(g2p.lrAt(6, 1e-3)).toBe(1e-3 * 0.7);
    expect(g2p.lrAt(7, 1e-3)).toBe(1e-3 * 0.7 ** 2);
  });

  it('defaults to torch (decayAfter 1); 0 decays from the first epoch', () => {
    const plain = new ExponentialLR({ gamma: 0.9 });
    expect(plain.decayAfter).toBe(1);
    expect(values(plain, 5, 0.1)).toEqual(values(new ExponentialLR({ gamma: 0.9, decayAfter: 1 }), 5, 0.1));
    expect(values(plain, 4, 2)).toEqual([2, 2 * 0.9, 2 * 0.9 ** 2, 2 * 0.9 ** 3]);
    expect(values(new ExponentialLR({ gamma: 0.5, decayAfter: 0 }), 3, 1)).toEqual([0.5, 0.25, 0.125]);
  });

  it('is the same expression as the classifier (lr0·decay^epoch) and seq2seq CLI (lr·X^max(0, i − N + 1)) used inline', () => {
    for (const [gamma, lr0] of [[0.7, 1e-3], [0.93, 3e-4], [0.5, 0.2]] as const) {
      for (let i = 0; i < 12; i++) expect(new ExponentialLR({ gamma }).lrAt(i, lr0)).toBe(lr0 * gamma ** i);
      for (const n of [0, 1, 2, 6]) {
        const s = new ExponentialLR({ gamma, decayAfter: n });
        for (let i = 0; i < 12; i++) expect(s.lrAt(i, lr0)).toBe(lr0 * gamma ** Math.max(0, i - n + 1));
      }
    }
  });

  it('round-trips through getConfig / scheduleFromConfig (a resumed run follows the same curve)', () => {
    const s = new ExponentialLR({ gamma: 0.7, decayAfter: 6, unit: 'epoch' });
    expect(s.getConfig()).toEqual({ className: 'ExponentialLR', gamma: 0.7, decayAfter: 6, unit: 'epoch' });
    const r = scheduleFromConfig(JSON.parse(JSON.stringify(s.getConfig())) as Record<string, unknown>);
    expect(r).toBeInstanceOf(ExponentialLR);
    expect(r.getConfig()).toEqual(s.getConfig());
    expect(values(r, 12, 1e-3)).toEqual(values(s, 12, 1e-3));
    // a config written before decayAfter existed rebuilds torch's curve
    expect(values(scheduleFromConfig({ className: 'ExponentialLR', gamma: 0.9, unit: 'epoch' }), 5, 0.1)).toEqual(values(new ExponentialLR({ gamma: 0.9 }), 5, 0.1));
    // nested, per step
    const w = new LinearWarmup({ warmupSteps: 2, after: new ExponentialLR({ gamma: 0.5, decayAfter: 2, unit: 'step' }) });
    const rw = scheduleFromConfig(JSON.parse(JSON.stringify(w.getConfig())) as Record<string, unknown>);
    expect(values(rw, 7, 1)).toEqual([0, 0.5, 1, 1, 0.5, 0.25, 0.125]);
  });

  it('rejects a bad decayAfter with an error naming the field', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, '2', null]) {
      expect(() => new ExponentialLR({ gamma: 0.5, decayAfter: bad as number })).toThrow(
        `ExponentialLR: decayAfter must be a non-negative integer, got ${bad === null ? 'null' : typeof bad === 'string' ? `"${bad}"` : String(bad)}`,
      );
    }
    expect(() => scheduleFromConfig({ className: 'ExponentialLR', gamma: 0.5, decayAfter: -2 })).toThrow('ExponentialLR: decayAfter must be a non-negative integer, got -2');
    expect(() => scheduleFromConfig({ className: 'ExponentialLR', gamma: 0.5, delay: 2 })).toThrow(
      'ExponentialLR: unknown option "delay"; expected one of gamma, decayAfter, unit',
    );
    expect(() => new ExponentialLR({ gamma: 0.5, decayAfter: 2 }).lrAt(-1, 0.1)).toThrow('ExponentialLR.lrAt: index must be a non-negative integer, got -1');
  });
});
