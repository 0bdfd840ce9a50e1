/**
 * Simple (Elman) RNN over a whole sequence: reference forward and BPTT backward.
 *
 *   a_t = W_ih x_t + b_ih + W_hh (m ⊙ h_{t-1}) + b_hh
 *   h_t = act(a_t),  act = tanh | relu,  y_t = h_t
 *
 * m = hMask (recurrent dropout, already scaled; 1 when null), the same for every step.
 * Masked step (mask[b, t] = 0): h_t = h_{t-1}, y[b, t] = 0, and nothing flows through a_t.
 * `reverse` processes t = T-1 … 0; y stays aligned with input time.
 *
 * Shapes (batch-first, row-major):
 *   x (B, T, I)   wih (H, I)   whh (H, H)   bih, bhh (H) | null   h0 (B, H) | null (zeros)
 *   mask (B, T) | null (all real)   hMask (B, H) | null
 *   forward writes  (=)  y (B, T, H), hT (B, H), cache (rnnCacheSize)
 *   backward reads  dy (B, T, H) | null, dhT (B, H) | null (null = zero); dy at masked steps is ignored
 *   backward writes (=)  dx (B, T, I), dh0 (B, H) (each skipped when null)
 *   backward adds   (+=) dwih, dwhh, dbih, dbhh (biases skipped when null)
 *
 * Cache layout (2·B·T·H):
 *   [0,      BTH)   h   (B, T, H)  act(a_t); 0 at masked steps
 *   [BTH,   2BTH)   hm  (B, T, H)  m ⊙ h_{t-1}, the operand of W_hh (state carried over masked steps)
 * Backward work (B·T·H + 2·B·H):
 *   da (B, T, H) dL/da_t, 0 at masked steps | dhNext (B, H) | dhm (B, H) dL/d(m ⊙ h_{t-1})
 * The state h_{t-1} is carried in hT during the forward and dL/dh_{t-1} in dhNext during the
 * backward; the weight gradients are three GEMMs over all B·T rows after the time loop.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { gemm } from '../gemm.js';

export type RnnActivation = 'tanh' | 'relu';

export interface RnnForwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  I: number;
  H: number;
  activation: RnnActivation;
  x: A; // (B, T, I)
  wih: A; // (H, I)
  whh: A; // (H, H)
  bih: A | null; // (H)
  bhh: A | null; // (H)
  h0: A | null; // (B, H)
  mask: Uint8Array | null; // (B, T)
  reverse: boolean;
  hMask: A | null; // (B, H)
  y: A; // (B, T, H)  =
  hT: A; // (B, H)  =
  cache: A; // rnnCacheSize(B, T, H)  =
}

export function rnnCacheSize(B: number, T: number, H: number): number {
  return 2 * B * T * H;
}

/** Runs the RNN over the whole sequence; see the file header. */
export function rnnForward<A extends FloatArray>(a: RnnForwardArgs<A>): void {
  const { B, T, I, H, x, wih, whh, bih, bhh, h0, mask, reverse, hMask, y, hT, cache } = a;
  const relu = a.activation === 'relu';
  const BTH = B * T * H;
  const hOff = 0;
  const hmOff = BTH;

  // a_t for all B·T rows at once: X · W_ihᵀ + b_ih + b_hh; the recurrent term is added per step.
  gemm(false, true, B * T, H, I, 1, x, 0, I, wih, 0, I, 0, cache, hOff, H);
  for (let r = 0; r < B * T; r++) {
    const o = hOff + r * H;
    for (let j = 0; j < H; j++) cache[o + j]! += (bih ? bih[j]! : 0) + (bhh ? bhh[j]! : 0);
  }
  for (let k = 0; k < B * H; k++) hT[k] = h0 ? h0[k]! : 0;

  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const hm = hmOff + (b * T + t) * H;
      for (let j = 0; j < H; j++) cache[hm + j] = hMask ? hMask[b * H + j]! * hT[b * H + j]! : hT[b * H + j]!;
    }
    // a[:, t] += (m ⊙ h_{t-1}) · W_hhᵀ   (B, H) strided rows of (B, T, H)
    gemm(false, true, B, H, H, 1, cache, hmOff + t * H, T * H, whh, 0, H, 1, cache, hOff + t * H, T * H);
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * H;
      const real = mask === null || mask[b * T + t] !== 0;
      for (let j = 0; j < H; j++) {
        if (!real) {
          cache[hOff + row + j] = 0;
          y[row + j] = 0;
          continue;
        }
        const v = cache[hOff + row + j]!;
        const h = relu ? (v < 0 ? 0 : v) : Math.tanh(v);
        cache[hOff + row + j] = h;
        y[row + j] = h;
        hT[b * H + j] = h;
      }
    }
  }
}

export interface RnnBackwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  I: number;
  H: number;
  activation: RnnActivation;
  x: A; // (B, T, I)
  wih: A; // (H, I)
  whh: A; // (H, H)
  bih: A | null; // (H), unread: the bias gradients follow dbih/dbhh
  bhh: A | null; // (H), unread
  h0: A | null; // (B, H), unread: the cache holds m ⊙ h_{t-1}
  mask: Uint8Array | null; // (B, T)
  reverse: boolean;
  hMask: A | null; // (B, H)
  cache: A; // as written by rnnForward
  dy: A | null; // (B, T, H)
  dhT: A | null; // (B, H)
  dx: A | null; // (B, T, I)  =
  dh0: A | null; // (B, H)  =
  dwih: A; // (H, I)  +=
  dwhh: A; // (H, H)  +=
  dbih: A | null; // (H)  +=
  dbhh: A | null; // (H)  +=
  work: A; // rnnBackwardWorkSize(B, T, I, H)
}

export function rnnBackwardWorkSize(B: number, T: number, _I: number, H: number): number {
  return B * T * H + 2 * B * H;
}

/** BPTT through rnnForward's sequence, from the cache it wrote. */
export function rnnBackward<A extends FloatArray>(a: RnnBackwardArgs<A>): void {
  const { B, T, I, H, x, wih, whh, mask, reverse, hMask, cache, dy, dhT, dx, dh0, dwih, dwhh, dbih, dbhh, work } =
    a;
  const relu = a.activation === 'relu';
  const BTH = B * T * H;
  const hOff = 0;
  const hmOff = BTH;
  const daOff = 0;
  const dhNextOff = BTH;
  const dhmOff = BTH + B * H;

  for (let k = 0; k < B * H; k++) work[dhNextOff + k] = dhT ? dhT[k]! : 0;

  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * H;
      const real = mask === null || mask[b * T + t] !== 0;
      for (let j = 0; j < H; j++) {
        if (!real) {
          work[daOff + row + j] = 0;
          continue;
        }
        const dh = (dy ? dy[row + j]! : 0) + work[dhNextOff + b * H + j]!;
        const h = cache[hOff + row + j]!;
        work[daOff + row + j] = relu ? (h > 0 ? dh : 0) : dh * (1 - h * h);
      }
    }
    // dL/d(m ⊙ h_{t-1}) = da[:, t] · W_hh   (B, H)
    gemm(false, false, B, H, H, 1, work, daOff + t * H, T * H, whh, 0, H, 0, work, dhmOff, H);
    for (let b = 0; b < B; b++) {
      if (mask !== null && mask[b * T + t] === 0) continue;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        work[dhNextOff + k] = hMask ? hMask[k]! * work[dhmOff + k]! : work[dhmOff + k]!;
      }
    }
  }
  if (dh0) for (let k = 0; k < B * H; k++) dh0[k] = work[dhNextOff + k]!;

  // Over all B·T rows: dX = dA · W_ih, dW_ih += dAᵀ · X, dW_hh += dAᵀ · (m ⊙ H_prev).
  if (dx) gemm(false, false, B * T, I, H, 1, work, daOff, H, wih, 0, I, 0, dx, 0, I);
  gemm(true, false, H, I, B * T, 1, work, daOff, H, x, 0, I, 1, dwih, 0, I);
  gemm(true, false, H, H, B * T, 1, work, daOff, H, cache, hmOff, H, 1, dwhh, 0, H);
  for (let r = 0; r < B * T; r++) {
    for (let j = 0; j < H; j++) {
      const d = work[daOff + r * H + j]!;
      if (dbih) dbih[j]! += d;
      if (dbhh) dbhh[j]! += d;
    }
  }
}
