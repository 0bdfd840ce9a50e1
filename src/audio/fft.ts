/**
 * Real FFT of power-of-two size N, as a plan with precomputed tables.
 *
 * Non-power-of-two frame lengths are handled by the caller zero-padding to the next power of two
 * (what HTK, Kaldi and python_speech_features do), so no Bluestein transform is needed.
 *
 * Method: the N real samples are packed as N/2 complex values z[k] = x[2k] + i·x[2k+1], an
 * iterative radix-2 complex FFT of size M = N/2 gives Z, and the spectrum follows from
 *
 *   E_k = (Z_k + conj Z_{M−k})/2,  O_k = (Z_k − conj Z_{M−k})/(2i),  X_k = E_k + e^{−2πik/N}·O_k
 *
 * for k = 0..M (Z_M = Z_0), i.e. the N/2 + 1 non-redundant bins of X_k = Σ_n x[n] e^{−2πikn/N}.
 */
export class RealFFT {
  readonly n: number;
  private readonly m: number;
  private readonly rev: Uint32Array; // (M) bit-reversal permutation
  private readonly cosM: Float64Array; // (M/2) cos(2πj/M)
  private readonly sinM: Float64Array; // (M/2) sin(2πj/M)
  private readonly cosN: Float64Array; // (M + 1) cos(2πk/N)
  private readonly sinN: Float64Array; // (M + 1) sin(2πk/N)
  private readonly zr: Float64Array; // (M) work
  private readonly zi: Float64Array; // (M) work

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0) throw new Error(`RealFFT: size must be a power of two ≥ 2, got ${n}`);
    this.n = n;
    const m = n / 2;
    this.m = m;
    this.rev = new Uint32Array(m);
    const bits = Math.round(Math.log2(m));
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.cosM = new Float64Array(Math.max(1, m / 2));
    this.sinM = new Float64Array(Math.max(1, m / 2));
    for (let j = 0; j < m / 2; j++) {
      this.cosM[j] = Math.cos((2 * Math.PI * j) / m);
      this.sinM[j] = Math.sin((2 * Math.PI * j) / m);
    }
    this.cosN = new Float64Array(m + 1);
    this.sinN = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.cosN[k] = Math.cos((2 * Math.PI * k) / n);
      this.sinN[k] = Math.sin((2 * Math.PI * k) / n);
    }
    this.zr = new Float64Array(m);
    this.zi = new Float64Array(m);
  }

  /**
   * Spectrum of `x` (N real samples): writes re[k], im[k] for k = 0..N/2 (arrays of ≥ N/2 + 1).
   */
  forward(x: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const { m, zr, zi, rev } = this;
    for (let k = 0; k < m; k++) {
      const r = rev[k]!;
      zr[r] = x[2 * k]!;
      zi[r] = x[2 * k + 1]!;
    }
    // Iterative radix-2 decimation-in-time butterflies.
    for (let size = 2; size <= m; size *= 2) {
      const half = size / 2;
      const step = m / size;
      for (let start = 0; start < m; start += size) {
        for (let j = 0; j < half; j++) {
          const wr = this.cosM[j * step]!;
          const wi = -this.sinM[j * step]!;
          const a = start + j;
          const b = a + half;
          const tr = zr[b]! * wr - zi[b]! * wi;
          const ti = zr[b]! * wi + zi[b]! * wr;
          zr[b] = zr[a]! - tr;
          zi[b] = zi[a]! - ti;
          zr[a] = zr[a]! + tr;
          zi[a] = zi[a]! + ti;
        }
      }
    }
    for (let k = 0; k <= m; k++) {
      const k1 = k === m ? 0 : k;
      const k2 = k === 0 ? 0 : m - k;
      const ar = zr[k1]!;
      const ai = zi[k1]!;
      const br = zr[k2]!;
      const bi = zi[k2]!;
      const er = (ar + br) / 2;
      const ei = (ai - bi) / 2;
      const or = (ai + bi) / 2;
      const oi = -(ar - br) / 2;
      const c = this.cosN[k]!;
      const s = this.sinN[k]!;
      re[k] = er + c * or + s * oi;
      im[k] = ei + c * oi - s * or;
    }
  }
}

/** The smallest power of two ≥ n. */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
