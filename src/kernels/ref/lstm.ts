/**
 * LSTM over a whole sequence: reference forward and BPTT backward (PyTorch equations, gate
 * order i, f, g, o).
 *
 *   [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh (m ⊙ h_{t-1}) + b_hh
 *   i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
 *   c_t = f ⊙ c_{t-1} + i ⊙ g
 *   h_t = o ⊙ tanh(c_t),  y_t = h_t
 *
 * m = hMask (recurrent dropout, already scaled; 1 when null), the same for every step; it touches
 * only the W_hh operand, never the carried states.
 * Masked step (mask[b, t] = 0): h_t = h_{t-1}, c_t = c_{t-1}, y[b, t] = 0, nothing flows through
 * the gates. `reverse` processes t = T-1 … 0; y stays aligned with input time.
 *
 * Shapes (batch-first, row-major; G·H = 4H):
 *   x (B, T, I)   wih (4H, I)   whh (4H, H)   bih, bhh (4H) | null
 *   h0, c0 (B, H) | null (zeros)   mask (B, T) | null (all real)   hMask (B, H) | null
 *   forward writes  (=)  y (B, T, H), hT (B, H), cT (B, H), cache (lstmCacheSize)
 *   backward reads  dy (B, T, H), dhT (B, H), dcT (B, H), each | null (= zero); dy at masked steps
 *                   is ignored
 *   backward writes (=)  dx (B, T, I), dh0 (B, H), dc0 (B, H) (each skipped when null)
 *   backward adds   (+=) dwih, dwhh, dbih, dbhh (biases skipped when null)
 *
 * Cache layout (6·B·T·H):
 *   [0,     4BTH)  gates  (B, T, 4H)  i, f, g, o after their activations; 0 at masked steps
 *   [4BTH,  5BTH)  hm     (B, T, H)   m ⊙ h_{t-1}, the operand of W_hh
 *   [5BTH,  6BTH)  cPrev  (B, T, H)   c_{t-1}  (c_t = f ⊙ c_{t-1} + i ⊙ g is recomputed)
 * hm and cPrev hold the state entering step t, carried over masked steps.
 * Backward work (4·B·T·H + 3·B·H):
 *   dA (B, T, 4H) dL/d[a_i, a_f, a_g, a_o], 0 at masked steps | dhNext (B, H) | dcNext (B, H)
 *   | dhm (B, H) dL/d(m ⊙ h_{t-1})
 * The states are carried in hT, cT during the forward and their gradients in dhNext, dcNext
 * during the backward; the weight gradients are three GEMMs over all B·T rows after the loop.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { gemm } from '../gemm.js';

export interface LstmForwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  I: number;
  H: number;
  x: A; // (B, T, I)
  wih: A; // (4H, I)
  whh: A; // (4H, H)
  bih: A | null; // (4H)
  bhh: A | null; // (4H)
  h0: A | null; // (B, H)
  c0: A | null; // (B, H)
  mask: Uint8Array | null; // (B, T)
  reverse: boolean;
  hMask: A | null; // (B, H)
  y: A; // (B, T, H)  =
  hT: A; // (B, H)  =
  cT: A; // (B, H)  =
  cache: A; // lstmCacheSize(B, T, H)  =
}

export function lstmCacheSize(B: number, T: number, H: number): number {
  return 6 * B * T * H;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** Runs the LSTM over the whole sequence; see the file header. */
export function lstmForward<A extends FloatArray>(a: LstmForwardArgs<A>): void {
  const { B, T, I, H, x, wih, whh, bih, bhh, h0, c0, mask, reverse, hMask, y, hT, cT, cache } = a;
  const G = 4 * H;
  const BTH = B * T * H;
  const gOff = 0;
  const hmOff = 4 * BTH;
  const cpOff = 5 * BTH;

  // Gate pre-activations for all B·T rows at once: X · W_ihᵀ + b_ih + b_hh.
  gemm(false, true, B * T, G, I, 1, x, 0, I, wih, 0, I, 0, cache, gOff, G);
  for (let r = 0; r < B * T; r++) {
    const o = gOff + r * G;
    for (let j = 0; j < G; j++) cache[o + j]! += (bih ? bih[j]! : 0) + (bhh ? bhh[j]! : 0);
  }
  for (let k = 0; k < B * H; k++) {
    hT[k] = h0 ? h0[k]! : 0;
    cT[k] = c0 ? c0[k]! : 0;
  }

  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * H;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        cache[hmOff + row + j] = hMask ? hMask[k]! * hT[k]! : hT[k]!;
        cache[cpOff + row + j] = cT[k]!;
      }
    }
    // gates[:, t] += (m ⊙ h_{t-1}) · W_hhᵀ   (B, 4H) strided rows of (B, T, 4H)
    gemm(false, true, B, G, H, 1, cache, hmOff + t * H, T * H, whh, 0, H, 1, cache, gOff + t * G, T * G);
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * H;
      const g0 = gOff + (b * T + t) * G;
      if (mask !== null && mask[b * T + t] === 0) {
        for (let j = 0; j < G; j++) cache[g0 + j] = 0;
        for (let j = 0; j < H; j++) y[row + j] = 0;
        continue;
      }
      for (let j = 0; j < H; j++) {
        const i = sigmoid(cache[g0 + j]!);
        const f = sigmoid(cache[g0 + H + j]!);
        const g = Math.tanh(cache[g0 + 2 * H + j]!);
        const o = sigmoid(cache[g0 + 3 * H + j]!);
        cache[g0 + j] = i;
        cache[g0 + H + j] = f;
        cache[g0 + 2 * H + j] = g;
        cache[g0 + 3 * H + j] = o;
        const c = f * cT[b * H + j]! + i * g;
        const h = o * Math.tanh(c);
        cT[b * H + j] = c;
        hT[b * H + j] = h;
        y[row + j] = h;
      }
    }
  }
}

export interface LstmBackwardArgs<A extends FloatArray> {
  B: number;
  T: number;
  I: number;
  H: number;
  x: A; // (B, T, I)
  wih: A; // (4H, I)
  whh: A; // (4H, H)
  bih: A | null; // (4H), unread: the bias gradients follow dbih/dbhh
  bhh: A | null; // (4H), unread
  h0: A | null; // (B, H), unread: the cache holds the states entering each step
  c0: A | null; // (B, H), unread
  mask: Uint8Array | null; // (B, T)
  reverse: boolean;
  hMask: A | null; // (B, H)
  cache: A; // as written by lstmForward
  dy: A | null; // (B, T, H)
  dhT: A | null; // (B, H)
  dcT: A | null; // (B, H)
  dx: A | null; // (B, T, I)  =
  dh0: A | null; // (B, H)  =
  dc0: A | null; // (B, H)  =
  dwih: A; // (4H, I)  +=
  dwhh: A; // (4H, H)  +=
  dbih: A | null; // (4H)  +=
  dbhh: A | null; // (4H)  +=
  work: A; // lstmBackwardWorkSize(B, T, I, H)
}

export function lstmBackwardWorkSize(B: number, T: number, _I: number, H: number): number {
  return 4 * B * T * H + 3 * B * H;
}

/** BPTT through lstmForward's sequence, from the cache it wrote. */
export function lstmBackward<A extends FloatArray>(a: LstmBackwardArgs<A>): void {
  const { B, T, I, H, x, wih, whh, mask, reverse, hMask, cache, dy, dhT, dcT, dx, dh0, dc0 } = a;
  const { dwih, dwhh, dbih, dbhh, work } = a;
  const G = 4 * H;
  const BTH = B * T * H;
  const gOff = 0;
  const hmOff = 4 * BTH;
  const cpOff = 5 * BTH;
  const dAOff = 0;
  const dhNextOff = 4 * BTH;
  const dcNextOff = dhNextOff + B * H;
  const dhmOff = dcNextOff + B * H;

  for (let k = 0; k < B * H; k++) {
    work[dhNextOff + k] = dhT ? dhT[k]! : 0;
    work[dcNextOff + k] = dcT ? dcT[k]! : 0;
  }

  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    for (let b = 0; b < B; b++) {
      const row = (b * T + t) * H;
      const g0 = gOff + (b * T + t) * G;
      const d0 = dAOff + (b * T + t) * G;
      if (mask !== null && mask[b * T + t] === 0) {
        for (let j = 0; j < G; j++) work[d0 + j] = 0;
        continue;
      }
      for (let j = 0; j < H; j++) {
        const i = cache[g0 + j]!;
        const f = cache[g0 + H + j]!;
        const g = cache[g0 + 2 * H + j]!;
        const o = cache[g0 + 3 * H + j]!;
        const cPrev = cache[cpOff + row + j]!;
        const tc = Math.tanh(f * cPrev + i * g);
        const dh = (dy ? dy[row + j]! : 0) + work[dhNextOff + b * H + j]!;
        const dc = work[dcNextOff + b * H + j]! + dh * o * (1 - tc * tc);
        work[d0 + j] = dc * g * i * (1 - i);
        work[d0 + H + j] = dc * cPrev * f * (1 - f);
        work[d0 + 2 * H + j] = dc * i * (1 - g * g);
        work[d0 + 3 * H + j] = dh * tc * o * (1 - o);
        work[dcNextOff + b * H + j] = dc * f;
      }
    }
    // dL/d(m ⊙ h_{t-1}) = dA[:, t] · W_hh   (B, 4H) · (4H, H)
    gemm(false, false, B, H, G, 1, work, dAOff + t * G, T * G, whh, 0, H, 0, work, dhmOff, H);
    for (let b = 0; b < B; b++) {
      if (mask !== null && mask[b * T + t] === 0) continue;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        work[dhNextOff + k] = hMask ? hMask[k]! * work[dhmOff + k]! : work[dhmOff + k]!;
      }
    }
  }
  for (let k = 0; k < B * H; k++) {
    if (dh0) dh0[k] = work[dhNextOff + k]!;
    if (dc0) dc0[k] = work[dcNextOff + k]!;
  }

  // Over all B·T rows: dX = dA · W_ih, dW_ih += dAᵀ · X, dW_hh += dAᵀ · (m ⊙ H_prev).
  if (dx) gemm(false, false, B * T, I, G, 1, work, dAOff, G, wih, 0, I, 0, dx, 0, I);
  gemm(true, false, G, I, B * T, 1, work, dAOff, G, x, 0, I, 1, dwih, 0, I);
  gemm(true, false, G, H, B * T, 1, work, dAOff, G, cache, hmOff, H, 1, dwhh, 0, H);
  for (let r = 0; r < B * T; r++) {
    for (let j = 0; j < G; j++) {
      const d = work[dAOff + r * G + j]!;
      if (dbih) dbih[j]! += d;
      if (dbhh) dbhh[j]! += d;
    }
  }
}
