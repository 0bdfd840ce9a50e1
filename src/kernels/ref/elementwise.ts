/**
 * Elementwise kernels: activations, add / mul / scale, dropout.
 *
 * Activations (PyTorch defaults), y = f(x) over n = N·C elements:
 *   linear     y = x                                      dx = dy
 *   tanh       y = tanh(x)                                dx = dy·(1 − y²)
 *   sigmoid    y = 1 / (1 + e^−x)                         dx = dy·(1 − y)·y
 *   relu       y = max(x, 0)                              dx = y > 0 ? dy : 0
 *   softmax    y[r, c] = e^{x[r,c]} / Σ_k e^{x[r,k]}      dx[r, c] = y[r, c]·(dy[r, c] − Σ_k dy[r, k]·y[r, k])
 *              (over each row r of (N, C), max-subtracted)
 *   gelu       y = x·Φ(x) = ½x(1 + erf(x/√2))             dx = dy·(Φ(x) + x·φ(x)),  φ(x) = e^{−x²/2}/√(2π)
 *   elu        y = x > 0 ? x : α(eˣ − 1), α = 1           dx = dy·(x > 0 ? 1 : α·eˣ)
 *   selu       y = s·(x > 0 ? x : α(eˣ − 1))              dx = dy·s·(x > 0 ? 1 : α·eˣ)
 *              (α = 1.6732632423543772, s = 1.0507009873554805)
 *   softplus   y = x > 20 ? x : log(1 + eˣ)  (β = 1)      dx = x > 20 ? dy : dy·eˣ/(eˣ + 1)
 *   leakyRelu  y = x > 0 ? x : 0.01·x                     dx = x > 0 ? dy : 0.01·dy
 *
 * The backward reads what PyTorch's autograd reads: the output y for tanh, sigmoid, relu and softmax;
 * the input x for gelu, elu, selu, softplus and leakyRelu (linear reads neither).
 *
 * Other kernels, n elements:
 *   add      y = a + b                 da = dy, db = dy
 *   mul      y = a ⊙ b                 da = dy ⊙ b, db = dy ⊙ a
 *   scale    y = α·x
 *   dropout  y = x ⊙ mask              dx = dy ⊙ mask       mask (n) holds 0 or 1/(1 − p)
 *   dropoutTimeFixed  y[b, t, i] = x[b, t, i]·mask[b, i]   x, y (B, T, I), mask (B, I): one mask for
 *            every time step (variational dropout); dx[b, t, i] = dy[b, t, i]·mask[b, i]
 *
 * Outputs and input gradients are overwritten (`=`); nothing here accumulates. Every kernel may run
 * in place (y === x, dx === dy), since each element is read before it is written.
 */
import type { Rng } from '../../tensor/rng.js';
import type { FloatArray } from '../../tensor/tensor.js';

export type Activation =
  | 'linear'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'softmax'
  | 'gelu'
  | 'elu'
  | 'selu'
  | 'softplus'
  | 'leakyRelu';

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const LEAKY_SLOPE = 0.01;
const SOFTPLUS_THRESHOLD = 20;
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;

export interface ActivationForwardArgs<A extends FloatArray> {
  kind: Activation;
  /** rows; softmax normalizes each row */
  N: number;
  /** columns */
  C: number;
  /** (N, C) */
  x: A;
  /** (N, C), overwritten; may be x */
  y: A;
}

/** y = f(x) elementwise, or row-wise softmax. */
export function activationForward<A extends FloatArray>(args: ActivationForwardArgs<A>): void {
  const { kind, N, C, x, y } = args;
  const n = N * C;
  switch (kind) {
    case 'linear':
      if (y !== x) for (let i = 0; i < n; i++) y[i] = x[i]!;
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i]!));
      return;
    case 'relu':
      for (let i = 0; i < n; i++) y[i] = x[i]! <= 0 ? 0 : x[i]!; // NaN propagates, as in PyTorch
      return;
    case 'softmax':
      for (let r = 0; r < N; r++) softmaxRow(x, y, r * C, C);
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        y[i] = 0.5 * v * (1 + erf(v * INV_SQRT_2));
      }
      return;
    case 'elu':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        y[i] = v > 0 ? v : Math.expm1(v);
      }
      return;
    case 'selu':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        y[i] = v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v);
      }
      return;
    case 'softplus':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        y[i] = v > SOFTPLUS_THRESHOLD ? v : Math.log1p(Math.exp(v));
      }
      return;
    case 'leakyRelu':
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        y[i] = v > 0 ? v : LEAKY_SLOPE * v;
      }
      return;
  }
}

export interface ActivationBackwardArgs<A extends FloatArray> {
  kind: Activation;
  N: number;
  C: number;
  /** (N, C), the forward input; required for gelu, elu, selu, softplus, leakyRelu */
  x: A | null;
  /** (N, C), the forward output; required for tanh, sigmoid, relu, softmax */
  y: A | null;
  /** (N, C) */
  dy: A;
  /** (N, C), overwritten; may be dy */
  dx: A;
}

/** dx = f'(x) ⊙ dy (softmax: the row-wise Jacobian-vector product). */
export function activationBackward<A extends FloatArray>(args: ActivationBackwardArgs<A>): void {
  const { kind, N, C, dy, dx } = args;
  const n = N * C;
  switch (kind) {
    case 'linear':
      if (dx !== dy) for (let i = 0; i < n; i++) dx[i] = dy[i]!;
      return;
    case 'tanh': {
      const y = args.y!;
      for (let i = 0; i < n; i++) dx[i] = dy[i]! * (1 - y[i]! * y[i]!);
      return;
    }
    case 'sigmoid': {
      const y = args.y!;
      for (let i = 0; i < n; i++) dx[i] = dy[i]! * (1 - y[i]!) * y[i]!;
      return;
    }
    case 'relu': {
      const y = args.y!;
      for (let i = 0; i < n; i++) dx[i] = y[i]! > 0 ? dy[i]! : 0;
      return;
    }
    case 'softmax': {
      const y = args.y!;
      for (let r = 0; r < N; r++) {
        const r0 = r * C;
        let dot = 0;
        for (let c = 0; c < C; c++) dot += dy[r0 + c]! * y[r0 + c]!;
        for (let c = 0; c < C; c++) dx[r0 + c] = y[r0 + c]! * (dy[r0 + c]! - dot);
      }
      return;
    }
    case 'gelu': {
      const x = args.x!;
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        const cdf = 0.5 * (1 + erf(v * INV_SQRT_2));
        const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
        dx[i] = dy[i]! * (cdf + v * pdf);
      }
      return;
    }
    case 'elu': {
      const x = args.x!;
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        dx[i] = v > 0 ? dy[i]! : dy[i]! * Math.exp(v);
      }
      return;
    }
    case 'selu': {
      const x = args.x!;
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        dx[i] = v > 0 ? dy[i]! * SELU_SCALE : dy[i]! * SELU_SCALE * SELU_ALPHA * Math.exp(v);
      }
      return;
    }
    case 'softplus': {
      const x = args.x!;
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (v > SOFTPLUS_THRESHOLD) {
          dx[i] = dy[i]!;
        } else {
          const z = Math.exp(v);
          dx[i] = (dy[i]! * z) / (z + 1);
        }
      }
      return;
    }
    case 'leakyRelu': {
      const x = args.x!;
      for (let i = 0; i < n; i++) dx[i] = x[i]! > 0 ? dy[i]! : LEAKY_SLOPE * dy[i]!;
      return;
    }
  }
}

/** Softmax of one row of C elements starting at `off`; safe in place. */
function softmaxRow(x: FloatArray, y: FloatArray, off: number, C: number): void {
  let max = -Infinity;
  for (let c = 0; c < C; c++) if (x[off + c]! > max) max = x[off + c]!;
  let sum = 0;
  for (let c = 0; c < C; c++) {
    const e = Math.exp(x[off + c]! - max);
    y[off + c] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let c = 0; c < C; c++) y[off + c]! *= inv;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const SQRT_PI = 1.7724538509055159;

/**
 * The error function, erf(x) = 2/√π ∫₀ˣ e^{−t²} dt, to within ~1e-15 relative (JavaScript has no
 * Math.erf). |x| < 2.5: the series e^{−x²} Σ_k 2^k x^{2k+1} / (2k+1)!!, whose terms are all
 * positive so nothing cancels; 2.5 ≤ |x| < 6: 1 − erfc(x) with erfc from its continued fraction
 * e^{−x²}/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))); |x| ≥ 6: ±1 to double precision.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= (2 * x2) / (2 * k + 1);
      sum += term;
      if (Math.abs(term) <= Math.abs(sum) * 1e-17) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (ax >= 6) return x > 0 ? 1 : -1;
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / (f * SQRT_PI);
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** y = a + b over n elements. */
export function add<A extends FloatArray>(a: A, b: A, y: A, n: number = y.length): void {
  for (let i = 0; i < n; i++) y[i] = a[i]! + b[i]!;
}

/** da = dy, db = dy (either may be null). */
export function addBackward<A extends FloatArray>(dy: A, da: A | null, db: A | null, n: number = dy.length): void {
  if (da !== null && da !== dy) for (let i = 0; i < n; i++) da[i] = dy[i]!;
  if (db !== null && db !== dy) for (let i = 0; i < n; i++) db[i] = dy[i]!;
}

/** y = a ⊙ b over n elements. */
export function mul<A extends FloatArray>(a: A, b: A, y: A, n: number = y.length): void {
  for (let i = 0; i < n; i++) y[i] = a[i]! * b[i]!;
}

/** da = dy ⊙ b, db = dy ⊙ a (either may be null). */
export function mulBackward<A extends FloatArray>(
  a: A,
  b: A,
  dy: A,
  da: A | null,
  db: A | null,
  n: number = dy.length,
): void {
  for (let i = 0; i < n; i++) {
    const g = dy[i]!;
    const ai = a[i]!;
    const bi = b[i]!;
    if (da !== null) da[i] = g * bi;
    if (db !== null) db[i] = g * ai;
  }
}

/** y = alpha · x over n elements (its backward is scale(dy, alpha, dx)). */
export function scale<A extends FloatArray>(x: A, alpha: number, y: A, n: number = y.length): void {
  for (let i = 0; i < n; i++) y[i] = alpha * x[i]!;
}

/** Fills mask (n) with 0 (probability p) or 1/(1 − p), one `rng.next()` per element in order. */
export function dropoutMask<A extends FloatArray>(rng: Rng, p: number, mask: A, n: number = mask.length): void {
  const keep = 1 / (1 - p);
  for (let i = 0; i < n; i++) mask[i] = rng.next() < p ? 0 : keep;
}

/** y = x ⊙ mask over n elements. */
export function dropoutApply<A extends FloatArray>(x: A, mask: A, y: A, n: number = y.length): void {
  for (let i = 0; i < n; i++) y[i] = x[i]! * mask[i]!;
}

/** dx = dy ⊙ mask over n elements. */
export function dropoutBackward<A extends FloatArray>(dy: A, mask: A, dx: A, n: number = dx.length): void {
  for (let i = 0; i < n; i++) dx[i] = dy[i]! * mask[i]!;
}

export interface DropoutTimeFixedArgs<A extends FloatArray> {
  B: number;
  T: number;
  I: number;
  /** (B, T, I) */
  x: A;
  /** (B, I), 0 or 1/(1 − p), shared by all T steps */
  mask: A;
  /** (B, T, I), overwritten; may be x */
  y: A;
}

/** y[b, t, :] = x[b, t, :] ⊙ mask[b, :] for every t. */
export function dropoutTimeFixed<A extends FloatArray>(args: DropoutTimeFixedArgs<A>): void {
  const { B, T, I, x, mask, y } = args;
  for (let b = 0; b < B; b++) {
    const m0 = b * I;
    for (let t = 0; t < T; t++) {
      const x0 = (b * T + t) * I;
      for (let i = 0; i < I; i++) y[x0 + i] = x[x0 + i]! * mask[m0 + i]!;
    }
  }
}

export interface DropoutTimeFixedBackwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  I: number;
  /** (B, T, I) */
  dy: A;
  /** (B, I) */
  mask: A;
  /** (B, T, I), overwritten; may be dy */
  dx: A;
}

/** dx[b, t, :] = dy[b, t, :] ⊙ mask[b, :] for every t. */
export function dropoutTimeFixedBackward<A extends FloatArray>(args: DropoutTimeFixedBackwardArgs<A>): void {
  const { B, T, I, dy, mask, dx } = args;
  for (let b = 0; b < B; b++) {
    const m0 = b * I;
    for (let t = 0; t < T; t++) {
      const d0 = (b * T + t) * I;
      for (let i = 0; i < I; i++) dx[d0 + i] = dy[d0 + i]! * mask[m0 + i]!;
    }
  }
}

/** y = log(max(x, floor)) elementwise (log of probabilities, clamped away from −∞). */
export function logClampForward<A extends FloatArray>(x: A, floor: number, y: A, n: number = y.length): void {
  for (let i = 0; i < n; i++) y[i] = Math.log(Math.max(x[i]!, floor));
}

/** dx = dy / x where x > floor, else 0 (the clamp's flat region). Overwrites dx. */
export function logClampBackward<A extends FloatArray>(x: A, floor: number, dy: A, dx: A, n: number = dx.length): void {
  for (let i = 0; i < n; i++) dx[i] = x[i]! > floor ? dy[i]! / x[i]! : 0;
}
