/**
 * Speech features against the NumPy/SciPy reference of tools/golden/audio_features.py (same
 * documented definitions, implemented independently; float64 there, float32 outputs here).
 */
import { describe, expect, it } from 'vitest';
import { FeatureExtractor, RealFFT, checkFeatureOptions, melFilterbank } from '../../src/audio/index.js';
import type { FeatureOptions } from '../../src/audio/index.js';
import { expectAllClose, listGolden, loadGolden } from '../util/golden.js';

const F32 = { rtol: 1e-5, atol: 1e-5 };

describe('RealFFT', () => {
  it('matches a direct DFT for sizes 2..512', () => {
    for (const n of [2, 4, 8, 64, 512]) {
      const x = Float64Array.from({ length: n }, (_, i) => Math.sin(0.37 * i * i) + 0.1 * i);
      const re = new Float64Array(n / 2 + 1);
      const im = new Float64Array(n / 2 + 1);
      new RealFFT(n).forward(x, re, im);
      for (let k = 0; k <= n / 2; k++) {
        let r = 0;
        let s = 0;
        for (let j = 0; j < n; j++) {
          r += x[j]! * Math.cos((2 * Math.PI * k * j) / n);
          s -= x[j]! * Math.sin((2 * Math.PI * k * j) / n);
        }
        expect(Math.abs(re[k]! - r)).toBeLessThan(1e-9 * n);
        expect(Math.abs(im[k]! - s)).toBeLessThan(1e-9 * n);
      }
    }
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new RealFFT(400)).toThrow(/power of two/);
  });
});

describe('features vs NumPy/SciPy golden (tools/golden/audio_features.py)', () => {
  const cases = listGolden('audio_');
  it('has the fixtures', () => expect(cases.length).toBeGreaterThanOrEqual(4));
  for (const name of cases) {
    it(name, () => {
      const g = loadGolden<FeatureOptions>(name);
      const cfg = g.config;
      const signal = g.input('signal').data;
      const fx = new FeatureExtractor(cfg);
      // Filterbank weights, densified.
      const o = fx.options;
      const fb = melFilterbank(o.nMels, o.nFft, o.sampleRate, o.fMin, o.fMax);
      const dense = new Float32Array(fb.nMels * fb.nBins);
      fb.weights.forEach((w, m) => w.forEach((v, j) => (dense[m * fb.nBins + fb.start[m]! + j] = v)));
      expectAllClose(dense, g.output('fbank'), { rtol: 1e-6, atol: 1e-7 }, `${name} fbank`);
      // Intermediate stages: log-mel (no deltas, no CMVN) and MFCC.
      const logmel = new FeatureExtractor({ ...cfg, kind: 'logmel', deltas: 0, normalize: false }).compute(signal);
      expectAllClose(logmel.data, g.output('logmel'), { rtol: 1e-5, atol: 1e-4 }, `${name} logmel`);
      if (cfg.kind === 'mfcc') {
        const mfcc = new FeatureExtractor({ ...cfg, deltas: 0, normalize: false }).compute(signal);
        expectAllClose(mfcc.data, g.output('mfcc'), { rtol: 1e-5, atol: 1e-4 }, `${name} mfcc`);
      }
      const f = fx.compute(signal);
      const want = g.output('features');
      expect([f.frames, f.dim]).toEqual(want.shape);
      expectAllClose(f.data, want, F32, `${name} features`);
    });
  }
});

describe('feature options', () => {
  it('fills the documented defaults', () => {
    const o = checkFeatureOptions({ sampleRate: 16000 });
    expect(o).toMatchObject({ kind: 'mfcc', nFft: 512, nMels: 40, nMfcc: 13, deltas: 2, fMax: 8000, window: 'hamming', normalize: true });
    expect(new FeatureExtractor({ sampleRate: 8000 }).dim).toBe(39);
  });

  it('rejects bad options with what was expected and what was given', () => {
    expect(() => checkFeatureOptions({ sampleRate: 8000, nFft: 100 })).toThrow(/nFft must be a power of two ≥ the frame length \(200 samples\), got 100/);
    expect(() => checkFeatureOptions({ sampleRate: 8000, fMax: 6000 })).toThrow(/fMax ≤ sampleRate\/2 = 4000/);
    expect(() => checkFeatureOptions({ sampleRate: 8000, nMels: 128 })).toThrow(/covers no FFT bin/);
    expect(() => checkFeatureOptions({ sampleRate: 0 } as FeatureOptions)).toThrow(/sampleRate must be a positive number/);
  });

  it('frame count: snip edges, one frame for short signals', () => {
    const fx = new FeatureExtractor({ sampleRate: 8000 });
    expect(fx.frames(80)).toBe(1);
    expect(fx.frames(200)).toBe(1);
    expect(fx.frames(279)).toBe(1);
    expect(fx.frames(280)).toBe(2);
    expect(fx.frames(8000)).toBe(98);
  });
});
