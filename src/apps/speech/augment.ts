/**
 * SpecAugment-style masking (Park et al. 2019, without time warping) of a feature matrix
 * (T, F) in place: `freqMasks` bands of width w ~ U{0..freqWidth} and `timeMasks` spans of width
 * w ~ U{0..min(timeWidth, ⌊maxTimeFraction·T⌋)} are set to 0, the per-utterance mean after
 * normalisation. With delta features (F = base·k), a frequency band masks the same coefficients
 * in every block (c, Δc, Δ²c).
 */
import type { Rng } from '../../tensor/rng.js';

/** SpecAugment settings. */
export interface SpecAugmentOptions {
  /** Frequency masks per utterance. Default 2. */
  freqMasks?: number;
  /** Widest frequency mask (bands). Default 4. */
  freqWidth?: number;
  /** Time masks per utterance. Default 2. */
  timeMasks?: number;
  /** Widest time mask (frames). Default 8. */
  timeWidth?: number;
  /** A time mask covers at most this fraction of the frames. Default 0.15. */
  maxTimeFraction?: number;
}

export function specAugmentDefaults(o: SpecAugmentOptions = {}): Required<SpecAugmentOptions> {
  return { freqMasks: o.freqMasks ?? 2, freqWidth: o.freqWidth ?? 4, timeMasks: o.timeMasks ?? 2, timeWidth: o.timeWidth ?? 8, maxTimeFraction: o.maxTimeFraction ?? 0.15 };
}

/** Masks x (T, F) in place; `base` = bands per block (F / blocks). */
export function specAugment(x: Float32Array, T: number, F: number, base: number, o: Required<SpecAugmentOptions>, rng: Rng): void {
  const blocks = F / base;
  for (let k = 0; k < o.freqMasks; k++) {
    const w = rng.int(o.freqWidth + 1);
    if (w === 0 || w >= base) continue;
    const f0 = rng.int(base - w + 1);
    for (let t = 0; t < T; t++)
      for (let b = 0; b < blocks; b++) x.fill(0, t * F + b * base + f0, t * F + b * base + f0 + w);
  }
  const maxW = Math.min(o.timeWidth, Math.floor(o.maxTimeFraction * T));
  for (let k = 0; k < o.timeMasks; k++) {
    const w = rng.int(maxW + 1);
    if (w === 0) continue;
    const t0 = rng.int(T - w + 1);
    x.fill(0, t0 * F, (t0 + w) * F);
  }
}
