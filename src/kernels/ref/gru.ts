/**
 * GRU over a whole sequence: reference forward and BPTT backward (gate order r, z, n).
 *
 *   hm = m ⊙ h_{t-1}
 *   r = σ(W_ir x_t + b_ir + W_hr hm + b_hr)
 *   z = σ(W_iz x_t + b_iz + W_hz hm + b_hz)
 *   resetAfter (PyTorch):            n = tanh(W_in x_t + b_in + r ⊙ (W_hn hm + b_hn))
 *   !resetAfter (Keras reset_after=False): n = tanh(W_in x_t + b_in + W_hn (r ⊙ hm) + b_hn)
 *   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1},  y_t = h_t
 *
 * m = hMask (recurrent dropout, already scaled; 1 when null), the same for every step; it touches
 * only the W_hh operands, never the carried z ⊙ h_{t-1} term.
 * Masked step (mask[b, t] = 0): h_t = h_{t-1}, y[b, t] = 0, nothing flows through the gates.
 * `reverse` processes t = T-1 … 0; y stays aligned with input time.
 *
 * Shapes (batch-first, row-major; G·H = 3H):
 *   x (B, T, I)   wih (3H, I)   whh (3H, H)   bih, bhh (3H) | null   h0 (B, H) | null (zeros)
 *   mask (B, T) | null (all real)   hMask (B, H) | null
 *   forward writes  (=)  y (B, T, H), hT (B, H), cache (gruCacheSize)
 *   backward reads  dy (B, T, H), dhT (B, H), each | null (= zero); dy at masked steps is ignored
 *   backward writes (=)  dx (B, T, I), dh0 (B, H) (each skipped when null)
 *   backward adds   (+=) dwih, dwhh, dbih, dbhh (biases skipped when null)
 *
 * Cache layout (6·B·T·H):
 *   [0,     3BTH)  gates  (B, T, 3H)  r, z, n after their activations; 0 at masked steps
 *   [3BTH,  4BTH)  hm     (B, T, H)   m ⊙ h_{t-1}
 *   [4BTH,  5BTH)  hPrev  (B, T, H)   h_{t-1}
 *   [5BTH,  6BTH)  hn     (B, T, H)   resetAfter: W_hn hm + b_hn;  !resetAfter: r ⊙ hm; 0 at masked steps
 * hm and hPrev hold the state entering step t, carried over masked steps.
 * Backward work (4·B·T·H + 2·B·H):
 *   dA (B, T, 3H) dL/d of the input-side sums (W_i· x_t + b_i·), 0 at masked steps
 *   | dAh (B, T, H) dL/d(W_hn · + b_hn): dA_n ⊙ r (resetAfter) or dA_n, 0 at masked steps
 *   | dhNext (B, H) | dhm (B, H) dL/d hm
 * For r and z the hidden-side sums have the same gradient as the input-side ones (dA).
 * The state is carried in hT during the forward and dL/dh_{t-1} in dhNext during the backward;
 * the weight gradients are GEMMs over all B·T rows after the loop.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { gemm } from '../gemm.js';

export interface GruForwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  I: number;
  H: number;
  resetAfter: boolean;
  x: A; // (B, T, I)
  wih: A; // (3H, I)
  whh: A; // (3H, H)
  bih: A | null; // (3H)
  bhh: A | null; // (3H)
  h0: A | null; // (B, H)
  mask: Uint8Array | null; // (B, T)
  reverse: boolean;
  hMask: A | null; // (B, H)
  y: A; // (B, T, H)  =
  hT: A; // (B, H)  =
  cache: A; // gruCacheSize(B, T, H)  =
}

export function gruCacheSize(B: number, T: number, H: number): number {
  return 6 * B * T * H;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** Runs the GRU over the whole sequence; see the file header. */
export function gruForward<A extends FloatArray>(a: GruForwardArgs<A>): void {
  const { B, T, I, H, resetAfter, x, wih, whh, bih, bhh, h0, mask, reverse, hMask, y, hT, cache } = a;
  const G = 3 * H;
  const BTH = B * T * H;
  const gOff = 0;
  const hmOff = 3 * BTH;
  const hpOff = 4 * BTH;
  const hnOff = 5 * BTH;

  // Input-side sums for all B·T rows at once: X · W_ihᵀ + b_ih, plus b_hr, b_hz, and b_hn too
  // when it sits outside r (!resetAfter).
  gemm(false, true, B * T, G, I, 1, x, 0, I, wih, 0, I, 0, cache, gOff, G);
  const bhhCols = resetAfter ? 2 * H : G;
  for (let r = 0; r < B * T; r++) {
    const o = gOff + r * G;
    for (let j = 0; j < G; j++) {
      cache[o + j]! += (bih ? bih[j]! : 0) + (bhh && j < bhhCols ? bhh[j]! : 0);
    }
  }
  for (let k = 0; k < B * H; k++) hT[k] = h0 ? h0[k]! : 0;

  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * H;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        cache[hmOff + row + j] = hMask ? hMask[k]! * hT[k]! : hT[k]!;
        cache[hpOff + row + j] = hT[k]!;
      }
    }
    // gates[:, t, r|z] += hm · W_h{r,z}ᵀ   (B, 2H) strided rows of (B, T, 3H)
    gemm(false, true, B, 2 * H, H, 1, cache, hmOff + t * H, T * H, whh, 0, H, 1, cache, gOff + t * G, T * G);
    // resetAfter: hn[:, t] = hm · W_hnᵀ (+ b_hn below)
    if (resetAfter) {
      gemm(false, true, B, H, H, 1, cache, hmOff + t * H, T * H, whh, 2 * H * H, H, 0, cache, hnOff + t * H, T * H);
    }
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * H;
      const g0 = gOff + (b * T + t) * G;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(cache[g0 + j]!);
        cache[g0 + j] = r;
        cache[g0 + H + j] = sigmoid(cache[g0 + H + j]!);
        if (resetAfter) cache[hnOff + row + j]! += bhh ? bhh[2 * H + j]! : 0;
        else cache[hnOff + row + j] = r * cache[hmOff + row + j]!;
      }
    }
    // !resetAfter: gates[:, t, n] += (r ⊙ hm) · W_hnᵀ
    if (!resetAfter) {
      const nOff = gOff + t * G + 2 * H;
      gemm(false, true, B, H, H, 1, cache, hnOff + t * H, T * H, whh, 2 * H * H, H, 1, cache, nOff, T * G);
    }
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * H;
      const g0 = gOff + (b * T + t) * G;
      if (mask !== null && mask[b * T + t] === 0) {
        for (let j = 0; j < G; j++) cache[g0 + j] = 0;
        for (let j = 0; j < H; j++) {
          cache[hnOff + row + j] = 0;
          y[row + j] = 0;
        }
        continue;
      }
      for (let j = 0; j < H; j++) {
        const r = cache[g0 + j]!;
        const z = cache[g0 + H + j]!;
        const an = cache[g0 + 2 * H + j]! + (resetAfter ? r * cache[hnOff + row + j]! : 0);
        const n = Math.tanh(an);
        cache[g0 + 2 * H + j] = n;
        const h = (1 - z) * n + z * hT[b * H + j]!;
        hT[b * H + j] = h;
        y[row + j] = h;
      }
    }
  }
}

export interface GruBackwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  I: number;
  H: number;
  resetAfter: boolean;
  x: A; // (B, T, I)
  wih: A; // (3H, I)
  whh: A; // (3H, H)
  bih: A | null; // (3H), unread: the bias gradients follow dbih/dbhh
  bhh: A | null; // (3H), unread
  h0: A | null; // (B, H), unread: the cache holds the state entering each step
  mask: Uint8Array | null; // (B, T)
  reverse: boolean;
  hMask: A | null; // (B, H)
  cache: A; // as written by gruForward
  dy: A | null; // (B, T, H)
  dhT: A | null; // (B, H)
  dx: A | null; // (B, T, I)  =
  dh0: A | null; // (B, H)  =
  dwih: A; // (3H, I)  +=
  dwhh: A; // (3H, H)  +=
  dbih: A | null; // (3H)  +=
  dbhh: A | null; // (3H)  +=
  work: A; // gruBackwardWorkSize(B, T, I, H)
}

export function gruBackwardWorkSize(B: number, T: number, _I: number, H: number): number {
  return 4 * B * T * H + 2 * B * H;
}

/** BPTT through gruForward's sequence, from the cache it wrote. */
export function gruBackward<A extends FloatArray>(a: GruBackwardArgs<A>): void {
  const { B, T, I, H, resetAfter, x, wih, whh, mask, reverse, hMask, cache, dy, dhT, dx, dh0 } = a;
  const { dwih, dwhh, dbih, dbhh, work } = a;
  const G = 3 * H;
  const BTH = B * T * H;
  const gOff = 0;
  const hmOff = 3 * BTH;
  const hpOff = 4 * BTH;
  const hnOff = 5 * BTH;
  const dAOff = 0;
  const dAhOff = 3 * BTH;
  const dhNextOff = 4 * BTH;
  const dhmOff = dhNextOff + B * H;
  const whnOff = 2 * H * H;

  for (let k = 0; k < B * H; k++) work[dhNextOff + k] = dhT ? dhT[k]! : 0;

  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    // dA_z, dA_n, dAh, and dA_r when resetAfter; dhNext ← the direct term dh ⊙ z.
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * H;
      const g0 = gOff + (b * T + t) * G;
      const d0 = dAOff + (b * T + t) * G;
      if (mask !== null && mask[b * T + t] === 0) {
        for (let j = 0; j < G; j++) work[d0 + j] = 0;
        for (let j = 0; j < H; j++) work[dAhOff + row + j] = 0;
        continue;
      }
      for (let j = 0; j < H; j++) {
        const r = cache[g0 + j]!;
        const z = cache[g0 + H + j]!;
        const n = cache[g0 + 2 * H + j]!;
        const dh = (dy ? dy[row + j]! : 0) + work[dhNextOff + b * H + j]!;
        const dAn = dh * (1 - z) * (1 - n * n);
        work[d0 + H + j] = dh * (cache[hpOff + row + j]! - n) * z * (1 - z);
        work[d0 + 2 * H + j] = dAn;
        if (resetAfter) {
          work[dAhOff + row + j] = dAn * r;
          work[d0 + j] = dAn * cache[hnOff + row + j]! * r * (1 - r);
        } else {
          work[dAhOff + row + j] = dAn;
        }
        work[dhNextOff + b * H + j] = dh * z;
      }
    }
    // dhm = dAh[:, t] · W_hn   (resetAfter: the hm term of W_hn hm; else dL/d(r ⊙ hm))
    gemm(false, false, B, H, H, 1, work, dAhOff + t * H, T * H, whh, whnOff, H, 0, work, dhmOff, H);
    if (!resetAfter) {
      for (let b = 0; b < B; b++) {
        if (mask !== null && mask[b * T + t] === 0) continue;
        const row = (b * T + t) * H;
        const g0 = gOff + (b * T + t) * G;
        const d0 = dAOff + (b * T + t) * G;
        for (let j = 0; j < H; j++) {
          const r = cache[g0 + j]!;
          const drh = work[dhmOff + b * H + j]!;
          work[d0 + j] = drh * cache[hmOff + row + j]! * r * (1 - r);
          work[dhmOff + b * H + j] = drh * r;
        }
      }
    }
    // dhm += dA[:, t, r|z] · W_h{r,z}   (B, 2H) · (2H, H)
    gemm(false, false, B, H, 2 * H, 1, work, dAOff + t * G, T * G, whh, 0, H, 1, work, dhmOff, H);
    for (let b = 0; b < B; b++) {
      if (mask !== null && mask[b * T + t] === 0) continue;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        work[dhNextOff + k]! += hMask ? hMask[k]! * work[dhmOff + k]! : work[dhmOff + k]!;
      }
    }
  }
  if (dh0) for (let k = 0; k < B * H; k++) dh0[k] = work[dhNextOff + k]!;

  // Over all B·T rows: dX = dA · W_ih, dW_ih += dAᵀ · X,
  // dW_h{r,z} += dA_{r,z}ᵀ · Hm, dW_hn += dAhᵀ · (resetAfter ? Hm : R ⊙ Hm).
  if (dx) gemm(false, false, B * T, I, G, 1, work, dAOff, G, wih, 0, I, 0, dx, 0, I);
  gemm(true, false, G, I, B * T, 1, work, dAOff, G, x, 0, I, 1, dwih, 0, I);
  gemm(true, false, 2 * H, H, B * T, 1, work, dAOff, G, cache, hmOff, H, 1, dwhh, 0, H);
  gemm(true, false, H, H, B * T, 1, work, dAhOff, H, cache, resetAfter ? hmOff : hnOff, H, 1, dwhh, whnOff, H);
  for (let r = 0; r < B * T; r++) {
    for (let j = 0; j < G; j++) {
      const d = work[dAOff + r * G + j]!;
      if (dbih) dbih[j]! += d;
      if (dbhh && j < 2 * H) dbhh[j]! += d;
    }
    if (dbhh) for (let j = 0; j < H; j++) dbhh[2 * H + j]! += work[dAhOff + r * H + j]!;
  }
}
