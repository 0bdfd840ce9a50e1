/**
 * Speech features: pre-emphasis → framing → window → power spectrum → log-mel filterbank →
 * MFCC (DCT-II, orthonormal) → deltas → per-utterance mean/variance normalisation.
 *
 * Definitions (the independent NumPy/SciPy reference in tools/golden/audio_features.py follows
 * the same text; test/audio/features.test.ts compares at float32 tolerance):
 *
 * - Pre-emphasis over the whole signal: y[0] = x[0], y[n] = x[n] − a·x[n−1] (a = 0.97).
 * - Frames of L = round(frameLength·sr) samples every S = round(frameShift·sr) samples, starting at
 *   sample 0 ("snip edges", as Kaldi's default): T = 1 + ⌊(N − L)/S⌋ frames (one zero-padded
 *   frame when N < L).
 * - Window: symmetric Hamming 0.54 − 0.46·cos(2πn/(L−1)) or Hann 0.5 − 0.5·cos(2πn/(L−1))
 *   (NumPy's `hamming`/`hanning`, HTK's choice), n = 0..L−1.
 * - Each windowed frame is zero-padded to nFft (default: the next power of two ≥ L) and
 *   transformed with a real FFT; power P_k = |X_k|², k = 0..nFft/2 (no 1/nFft scaling).
 * - Mel scale HTK: mel(f) = 2595·log10(1 + f/700). nMels triangular filters with edges at
 *   nMels + 2 points equally spaced in mel between fMin and fMax; filter m has weight
 *   max(0, min((f_k − f_m)/(f_{m+1} − f_m), (f_{m+2} − f_k)/(f_{m+2} − f_{m+1}))) on bin
 *   frequency f_k = k·sr/nFft (librosa `mel(htk=True, norm=None)`), peak 1, no area normalisation.
 * - Log-mel: ln(max(E_m, 1e-10)).
 * - MFCC: c_j = s_j·Σ_m logE_m·cos(πj(m + ½)/nMels), s_0 = √(1/nMels), s_j = √(2/nMels)
 *   (SciPy `dct(type=2, norm='ortho')`), j = 0..nMfcc−1 (c_0 kept, no liftering).
 * - Deltas (HTK regression, window ±N, N = 2): d_t = Σ_{n=1..N} n·(c_{t+n} − c_{t−n}) / (2·Σ n²),
 *   frame indices clamped to [0, T−1]; Δ² = deltas of the deltas. Output rows [c, Δc, Δ²c].
 * - Normalisation per utterance and dimension: (x − μ)/√(σ² + 1e-10), σ² the population variance
 *   over the T frames.
 *
 * Arithmetic is Float64; outputs are Float32 (T, F) row-major.
 */
import { RealFFT, nextPowerOfTwo } from './fft.js';

/** Feature settings (all optional except the sample rate). */
export interface FeatureOptions {
  /** Sample rate of the signals (Hz). */
  sampleRate: number;
  /** `mfcc` (default) or `logmel` filterbank energies. */
  kind?: 'mfcc' | 'logmel';
  /** Pre-emphasis coefficient a (0 disables). Default 0.97. */
  preEmphasis?: number;
  /** Frame length in seconds. Default 0.025. */
  frameLength?: number;
  /** Frame shift in seconds. Default 0.010. */
  frameShift?: number;
  /** `hamming` (default) or `hann`, both symmetric. */
  window?: 'hamming' | 'hann';
  /** FFT size (a power of two ≥ the frame length). Default the next power of two. */
  nFft?: number;
  /** Mel filters. Default 40. */
  nMels?: number;
  /** Lowest filter edge (Hz). Default 0. */
  fMin?: number;
  /** Highest filter edge (Hz). Default sampleRate/2. */
  fMax?: number;
  /** Cepstral coefficients kept (`mfcc`). Default 13. */
  nMfcc?: number;
  /** Delta order appended: 0, 1 (Δ) or 2 (Δ and Δ²). Default 2. */
  deltas?: 0 | 1 | 2;
  /** Delta regression half-window N. Default 2. */
  deltaWindow?: number;
  /** Per-utterance mean/variance normalisation. Default true. */
  normalize?: boolean;
}

/** A feature matrix: `frames` rows of `dim` values. */
export interface Features {
  data: Float32Array; // (T, F)
  frames: number;
  dim: number;
}

const LOG_FLOOR = 1e-10;
const VAR_EPS = 1e-10;

/** HTK mel scale: 2595·log10(1 + f/700). */
export function hzToMel(f: number): number {
  return 2595 * Math.log10(1 + f / 700);
}

/** Inverse of {@link hzToMel}. */
export function melToHz(m: number): number {
  return 700 * (10 ** (m / 2595) - 1);
}

/** Symmetric window of length L (NumPy `hamming` / `hanning`). */
export function windowFunction(kind: 'hamming' | 'hann', L: number): Float64Array {
  const w = new Float64Array(L);
  const a = kind === 'hamming' ? 0.54 : 0.5;
  if (L === 1) {
    w[0] = 1;
    return w;
  }
  for (let n = 0; n < L; n++) w[n] = a - (1 - a) * Math.cos((2 * Math.PI * n) / (L - 1));
  return w;
}

/** Sparse triangular mel filterbank: filter m covers bins [start[m], start[m] + weights[m].length). */
export interface MelFilterbank {
  nMels: number;
  nBins: number;
  start: Int32Array;
  weights: Float64Array[];
}

/** The HTK-scale triangular filters for `nFft`-point spectra (see the module header). */
export function melFilterbank(nMels: number, nFft: number, sampleRate: number, fMin: number, fMax: number): MelFilterbank {
  const nBins = nFft / 2 + 1;
  const mMin = hzToMel(fMin);
  const mMax = hzToMel(fMax);
  const edges = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) edges[i] = melToHz(mMin + ((mMax - mMin) * i) / (nMels + 1));
  const start = new Int32Array(nMels);
  const weights: Float64Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const lo = edges[m]!;
    const mid = edges[m + 1]!;
    const hi = edges[m + 2]!;
    const row: number[] = [];
    let first = -1;
    for (let k = 0; k < nBins; k++) {
      const f = (k * sampleRate) / nFft;
      const w = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
      if (w > 0) {
        if (first < 0) first = k;
        // Bins between the first and last positive weight are contiguous for a triangle.
        while (first + row.length < k) row.push(0);
        row.push(w);
      }
    }
    start[m] = Math.max(0, first);
    weights.push(Float64Array.from(row));
  }
  return { nMels, nBins, start, weights };
}

/**
 * Appends regression deltas: `src` (T, F) → `dst` (T, F) with
 * d_t = Σ_{n=1..N} n·(c_{t+n} − c_{t−n}) / (2·Σ n²), indices clamped to [0, T−1].
 * `src` and `dst` are read/written with row strides `srcStride`, `dstStride` and offsets.
 */
export function deltas(src: Float64Array, srcOff: number, srcStride: number, dst: Float64Array, dstOff: number, dstStride: number, T: number, F: number, N: number): void {
  let denom = 0;
  for (let n = 1; n <= N; n++) denom += n * n;
  denom *= 2;
  for (let t = 0; t < T; t++)
    for (let f = 0; f < F; f++) {
      let acc = 0;
      for (let n = 1; n <= N; n++) {
        const tp = Math.min(T - 1, t + n);
        const tm = Math.max(0, t - n);
        acc += n * (src[srcOff + tp * srcStride + f]! - src[srcOff + tm * srcStride + f]!);
      }
      dst[dstOff + t * dstStride + f] = acc / denom;
    }
}

/** In place: each column of x (T, F) → (x − μ)/√(σ² + 1e-10). */
export function normalizeUtterance(x: Float64Array, T: number, F: number): void {
  for (let f = 0; f < F; f++) {
    let mean = 0;
    for (let t = 0; t < T; t++) mean += x[t * F + f]!;
    mean /= T;
    let v = 0;
    for (let t = 0; t < T; t++) {
      const d = x[t * F + f]! - mean;
      v += d * d;
    }
    const inv = 1 / Math.sqrt(v / T + VAR_EPS);
    for (let t = 0; t < T; t++) x[t * F + f] = (x[t * F + f]! - mean) * inv;
  }
}

/** Number of frames for N samples (snip edges; one frame when N < L). */
export function frameCount(N: number, L: number, S: number): number {
  return N < L ? 1 : 1 + Math.floor((N - L) / S);
}

/**
 * Computes features for a fixed configuration; tables (window, FFT, filterbank, DCT) are built
 * once. `compute` may be called for any number of signals.
 *
 * @example
 * const fx = new FeatureExtractor({ sampleRate: 16000 });          // 13 MFCC + Δ + Δ², CMVN
 * const { data, frames, dim } = fx.compute(signal);                 // (frames, 39)
 */
export class FeatureExtractor {
  readonly options: Readonly<Required<FeatureOptions>>;
  /** Samples per frame (L) and per shift (S). */
  readonly frameSamples: number;
  readonly shiftSamples: number;
  /** Values per frame. */
  readonly dim: number;
  private readonly window: Float64Array;
  private readonly fft: RealFFT;
  private readonly fbank: MelFilterbank;
  private readonly dct: Float64Array | null; // (nMfcc, nMels)
  private readonly frame: Float64Array; // (nFft)
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly power: Float64Array;

  constructor(opts: FeatureOptions) {
    this.options = checkFeatureOptions(opts);
    const o = this.options;
    this.frameSamples = Math.round(o.frameLength * o.sampleRate);
    this.shiftSamples = Math.round(o.frameShift * o.sampleRate);
    this.window = windowFunction(o.window, this.frameSamples);
    this.fft = new RealFFT(o.nFft);
    this.fbank = melFilterbank(o.nMels, o.nFft, o.sampleRate, o.fMin, o.fMax);
    const base = o.kind === 'mfcc' ? o.nMfcc : o.nMels;
    this.dim = base * (1 + o.deltas);
    if (o.kind === 'mfcc') {
      const M = o.nMels;
      this.dct = new Float64Array(o.nMfcc * M);
      for (let j = 0; j < o.nMfcc; j++) {
        const s = Math.sqrt((j === 0 ? 1 : 2) / M);
        for (let m = 0; m < M; m++) this.dct[j * M + m] = s * Math.cos((Math.PI * j * (m + 0.5)) / M);
      }
    } else this.dct = null;
    this.frame = new Float64Array(o.nFft);
    this.re = new Float64Array(o.nFft / 2 + 1);
    this.im = new Float64Array(o.nFft / 2 + 1);
    this.power = new Float64Array(o.nFft / 2 + 1);
  }

  /** Frames a signal of `n` samples gives. */
  frames(n: number): number {
    return frameCount(n, this.frameSamples, this.shiftSamples);
  }

  /** Features of a mono signal at `options.sampleRate`. */
  compute(signal: ArrayLike<number>): Features {
    const o = this.options;
    const N = signal.length;
    const L = this.frameSamples;
    const S = this.shiftSamples;
    const T = this.frames(N);
    const base = o.kind === 'mfcc' ? o.nMfcc : o.nMels;
    const F = this.dim;
    const M = o.nMels;
    const out = new Float64Array(T * F);
    const logmel = new Float64Array(M);
    const a = o.preEmphasis;
    const frame = this.frame;
    for (let t = 0; t < T; t++) {
      const at = t * S;
      frame.fill(0);
      for (let n = 0; n < L; n++) {
        const i = at + n;
        if (i >= N) break;
        const x = signal[i]! - (i > 0 ? a * signal[i - 1]! : 0);
        frame[n] = x * this.window[n]!;
      }
      this.fft.forward(frame, this.re, this.im);
      for (let k = 0; k < this.power.length; k++) this.power[k] = this.re[k]! * this.re[k]! + this.im[k]! * this.im[k]!;
      const fb = this.fbank;
      for (let m = 0; m < M; m++) {
        const w = fb.weights[m]!;
        const s0 = fb.start[m]!;
        let e = 0;
        for (let j = 0; j < w.length; j++) e += w[j]! * this.power[s0 + j]!;
        logmel[m] = Math.log(Math.max(e, LOG_FLOOR));
      }
      const row = t * F;
      if (this.dct) {
        for (let j = 0; j < base; j++) {
          let c = 0;
          for (let m = 0; m < M; m++) c += this.dct[j * M + m]! * logmel[m]!;
          out[row + j] = c;
        }
      } else out.set(logmel, row);
    }
    if (o.deltas >= 1) deltas(out, 0, F, out, base, F, T, base, o.deltaWindow);
    if (o.deltas >= 2) deltas(out, base, F, out, 2 * base, F, T, base, o.deltaWindow);
    if (o.normalize) normalizeUtterance(out, T, F);
    return { data: Float32Array.from(out), frames: T, dim: F };
  }
}

/** Fills defaults and validates feature options ("expected X, got Y" messages). */
export function checkFeatureOptions(opts: FeatureOptions): Required<FeatureOptions> {
  if (!opts || typeof opts !== 'object') throw new Error('features: expected an options object with at least { sampleRate }');
  const sr = opts.sampleRate;
  if (typeof sr !== 'number' || !(sr > 0) || !Number.isFinite(sr)) throw new Error(`features: sampleRate must be a positive number, got ${JSON.stringify(sr)}`);
  const o: Required<FeatureOptions> = {
    sampleRate: sr,
    kind: opts.kind ?? 'mfcc',
    preEmphasis: opts.preEmphasis ?? 0.97,
    frameLength: opts.frameLength ?? 0.025,
    frameShift: opts.frameShift ?? 0.01,
    window: opts.window ?? 'hamming',
    nFft: 0,
    nMels: opts.nMels ?? 40,
    fMin: opts.fMin ?? 0,
    fMax: opts.fMax ?? sr / 2,
    nMfcc: opts.nMfcc ?? 13,
    deltas: opts.deltas ?? 2,
    deltaWindow: opts.deltaWindow ?? 2,
    normalize: opts.normalize ?? true,
  };
  if (o.kind !== 'mfcc' && o.kind !== 'logmel') throw new Error(`features: kind must be 'mfcc' or 'logmel', got ${JSON.stringify(o.kind)}`);
  if (o.window !== 'hamming' && o.window !== 'hann') throw new Error(`features: window must be 'hamming' or 'hann', got ${JSON.stringify(o.window)}`);
  if (!(o.preEmphasis >= 0 && o.preEmphasis < 1)) throw new Error(`features: preEmphasis must be in [0, 1), got ${o.preEmphasis}`);
  const L = Math.round(o.frameLength * sr);
  const S = Math.round(o.frameShift * sr);
  if (!(L >= 2)) throw new Error(`features: frameLength ${o.frameLength} s is under 2 samples at ${sr} Hz`);
  if (!(S >= 1)) throw new Error(`features: frameShift ${o.frameShift} s is under 1 sample at ${sr} Hz`);
  o.nFft = opts.nFft ?? nextPowerOfTwo(L);
  if (!Number.isInteger(o.nFft) || o.nFft < L || (o.nFft & (o.nFft - 1)) !== 0) throw new Error(`features: nFft must be a power of two ≥ the frame length (${L} samples), got ${opts.nFft}`);
  if (!Number.isInteger(o.nMels) || o.nMels < 1) throw new Error(`features: nMels must be a positive integer, got ${JSON.stringify(o.nMels)}`);
  if (!(o.fMin >= 0 && o.fMax > o.fMin && o.fMax <= sr / 2)) throw new Error(`features: expected 0 ≤ fMin < fMax ≤ sampleRate/2 = ${sr / 2}, got fMin ${o.fMin}, fMax ${o.fMax}`);
  if (o.kind === 'mfcc' && (!Number.isInteger(o.nMfcc) || o.nMfcc < 1 || o.nMfcc > o.nMels)) throw new Error(`features: nMfcc must be an integer in [1, nMels = ${o.nMels}], got ${JSON.stringify(o.nMfcc)}`);
  if (o.deltas !== 0 && o.deltas !== 1 && o.deltas !== 2) throw new Error(`features: deltas must be 0, 1 or 2, got ${JSON.stringify(o.deltas)}`);
  if (!Number.isInteger(o.deltaWindow) || o.deltaWindow < 1) throw new Error(`features: deltaWindow must be a positive integer, got ${JSON.stringify(o.deltaWindow)}`);
  // A filter narrower than the bin spacing can get no bin at all: its energy would be 0 always.
  const fb = melFilterbank(o.nMels, o.nFft, sr, o.fMin, o.fMax);
  const empty = fb.weights.findIndex((w) => w.length === 0);
  if (empty >= 0) throw new Error(`features: mel filter ${empty} of ${o.nMels} covers no FFT bin (nFft ${o.nFft} at ${sr} Hz); use fewer mels, a larger nFft or a higher fMin`);
  return o;
}

/**
 * Features of one signal (builds a {@link FeatureExtractor}; reuse one for many signals).
 *
 * @example
 * const { data, frames, dim } = computeFeatures(signal, { sampleRate: 8000, kind: 'logmel', deltas: 0 });
 */
export function computeFeatures(signal: ArrayLike<number>, opts: FeatureOptions): Features {
  return new FeatureExtractor(opts).compute(signal);
}
