/**
 * Masked attention over a key sequence: scores, masked softmax, weighted sum of values.
 *
 *   additive (Bahdanau):  s[b,i,j] = Σ_u v[u] · e[b,i,j,u],  e = tanh(qp[b,i,u] + kp[b,j,u])
 *                         (qp = W_q q and kp = W_k k are projected by the caller; qp null = 0,
 *                          which makes attention pooling: kp = W x + b, v = the context vector)
 *   dot (Luong):          s[b,i,j] = q[b,i,:] · k[b,j,:]
 *                         (Luong general passes k' = k Wᵀ, so s = qᵀ W k)
 *   masked softmax:       α[b,i,j] = exp(s[b,i,j]) / Σ_{j' real} exp(s[b,i,j']) for real j, 0 for
 *                         padded j (exactly); a row with no real key gets α = 0
 *   weighted sum:         c[b,i,:] = Σ_j α[b,i,j] · val[b,j,:]
 *
 * Backward (from dc and/or dα):
 *   dα[b,i,j]  = dc[b,i,:] · val[b,j,:] (+ dα from outside)
 *   dval[b,j]  = Σ_i α[b,i,j] · dc[b,i,:]                              (=)
 *   ds         = α ⊙ (dα − Σ_j α dα)                                  (0 on padded keys)
 *   additive:  de = ds · v ⊙ (1 − e²);  dqp = Σ_j de (=),  dkp = Σ_i de (=),  dv += Σ ds · e
 *   dot:       dq = ds · k (=),  dk = dsᵀ · q (=)
 *
 * Shapes (row-major, flat; i indexes Tq queries, j indexes Tk keys):
 *   q/qp (B, Tq, D)    k/kp (B, Tk, D)    v (D)    val (B, Tk, Hv)    mask (B, Tk) | null, 1 = real
 *   α (B, Tq, Tk)      c (B, Tq, Hv)      e (B, Tq, Tk, D), the additive forward's cache
 * A single query per row is Tq = 1. D is the attention size U for additive scores, the feature
 * size for dot scores. The key side (kp, or k Wᵀ) does not depend on the query, so a decoder
 * computes it once per source sequence and calls the step kernels with Tq = 1 at every step.
 *
 * Caches: the additive forward writes e; every backward also reads α (the forward's output).
 * Input gradients are overwritten (=); the parameter gradient dv accumulates (+=).
 */
import type { FloatArray } from '../../tensor/tensor.js';
import { tanhArray } from '../activations.js';
import { gemm } from '../gemm.js';

/** The two score functions; Luong general is `dot` on pre-projected keys. */
export type ScoreKind = 'additive' | 'dot';

export interface AdditiveScoreForwardArgs<A extends FloatArray> {
  B: number;
  Tq: number;
  Tk: number;
  U: number;
  /** (B, Tq, U), or null for a zero query (attention pooling) */
  qp: A | null;
  /** (B, Tk, U) */
  kp: A;
  /** (U) */
  v: A;
  /** (B, Tq, Tk), overwritten */
  scores: A;
  /** (B, Tq, Tk, U), overwritten: tanh(qp + kp), cached for the backward */
  e: A;
}

/**
 * s[b,i,j] = vᵀ tanh(qp[b,i] + kp[b,j]). The sums qp + kp are staged in e and go through one
 * `tanhArray` call (vectorised in wasm when the arrays are on the heap), then s = e · v.
 */
export function additiveScoreForward<A extends FloatArray>(args: AdditiveScoreForwardArgs<A>): void {
  const { B, Tq, Tk, U, qp, kp, v, scores, e } = args;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < Tq; i++) {
      const q0 = (b * Tq + i) * U;
      for (let j = 0; j < Tk; j++) {
        const k0 = (b * Tk + j) * U;
        const e0 = ((b * Tq + i) * Tk + j) * U;
        if (qp) for (let u = 0; u < U; u++) e[e0 + u] = qp[q0 + u]! + kp[k0 + u]!;
        else for (let u = 0; u < U; u++) e[e0 + u] = kp[k0 + u]!;
      }
    }
  const rows = B * Tq * Tk;
  tanhArray(e, e, rows * U);
  for (let r = 0; r < rows; r++) {
    const e0 = r * U;
    let s = 0;
    for (let u = 0; u < U; u++) s += v[u]! * e[e0 + u]!;
    scores[r] = s;
  }
}

export interface AdditiveScoreBackwardArgs<A extends FloatArray> {
  B: number;
  Tq: number;
  Tk: number;
  U: number;
  /** (U) */
  v: A;
  /** (B, Tq, Tk, U), from the forward */
  e: A;
  /** (B, Tq, Tk) */
  dscores: A;
  /** (B, Tq, U), overwritten; null when not needed */
  dqp: A | null;
  /** (B, Tk, U), overwritten; null when not needed */
  dkp: A | null;
  /** (U), accumulated; null when not needed */
  dv: A | null;
}

/** de = ds·v ⊙ (1 − e²); dqp = Σ_j de; dkp = Σ_i de; dv += Σ ds·e. */
export function additiveScoreBackward<A extends FloatArray>(args: AdditiveScoreBackwardArgs<A>): void {
  const { B, Tq, Tk, U, v, e, dscores, dqp, dkp, dv } = args;
  if (dqp) dqp.fill(0, 0, B * Tq * U);
  if (dkp) dkp.fill(0, 0, B * Tk * U);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < Tq; i++) {
      const q0 = (b * Tq + i) * U;
      for (let j = 0; j < Tk; j++) {
        const ds = dscores[(b * Tq + i) * Tk + j]!;
        if (ds === 0) continue;
        const k0 = (b * Tk + j) * U;
        const e0 = ((b * Tq + i) * Tk + j) * U;
        for (let u = 0; u < U; u++) {
          const t = e[e0 + u]!;
          if (dv) dv[u]! += ds * t;
          const de = ds * v[u]! * (1 - t * t);
          if (dqp) dqp[q0 + u]! += de;
          if (dkp) dkp[k0 + u]! += de;
        }
      }
    }
}

export interface DotScoreForwardArgs<A extends FloatArray> {
  B: number;
  Tq: number;
  Tk: number;
  D: number;
  /** (B, Tq, D) */
  q: A;
  /** (B, Tk, D) */
  k: A;
  /** (B, Tq, Tk), overwritten */
  scores: A;
}

/** s[b] = q[b] · k[b]ᵀ, one (Tq, D)·(D, Tk) product per row. */
export function dotScoreForward<A extends FloatArray>(args: DotScoreForwardArgs<A>): void {
  const { B, Tq, Tk, D, q, k, scores } = args;
  for (let b = 0; b < B; b++) gemm(false, true, Tq, Tk, D, 1, q, b * Tq * D, D, k, b * Tk * D, D, 0, scores, b * Tq * Tk, Tk);
}

export interface DotScoreBackwardArgs<A extends FloatArray> {
  B: number;
  Tq: number;
  Tk: number;
  D: number;
  /** (B, Tq, D) */
  q: A;
  /** (B, Tk, D) */
  k: A;
  /** (B, Tq, Tk) */
  dscores: A;
  /** (B, Tq, D), overwritten; null when not needed */
  dq: A | null;
  /** (B, Tk, D), overwritten; null when not needed */
  dk: A | null;
}

/** dq[b] = ds[b] · k[b]; dk[b] = ds[b]ᵀ · q[b]. */
export function dotScoreBackward<A extends FloatArray>(args: DotScoreBackwardArgs<A>): void {
  const { B, Tq, Tk, D, q, k, dscores, dq, dk } = args;
  for (let b = 0; b < B; b++) {
    const s0 = b * Tq * Tk;
    if (dq) gemm(false, false, Tq, D, Tk, 1, dscores, s0, Tk, k, b * Tk * D, D, 0, dq, b * Tq * D, D);
    if (dk) gemm(true, false, Tk, D, Tq, 1, dscores, s0, Tk, q, b * Tq * D, D, 0, dk, b * Tk * D, D);
  }
}

export interface MaskedSoftmaxForwardArgs<A extends FloatArray> {
  B: number;
  Tq: number;
  Tk: number;
  /** (B, Tq, Tk); may be the same array as `weights` (softmax in place) */
  scores: A;
  /** (B, Tk) or null (every key real) */
  mask: Uint8Array | null;
  /** (B, Tq, Tk), overwritten; exactly 0 on padded keys and on rows with no real key */
  weights: A;
}

/** α = softmax of the scores over the real keys of each row; padded keys get 0. */
export function maskedSoftmaxForward<A extends FloatArray>(args: MaskedSoftmaxForwardArgs<A>): void {
  const { B, Tq, Tk, scores, mask, weights } = args;
  for (let b = 0; b < B; b++) {
    const m0 = b * Tk;
    for (let i = 0; i < Tq; i++) {
      const r0 = (b * Tq + i) * Tk;
      let max = -Infinity;
      for (let j = 0; j < Tk; j++) if (!mask || mask[m0 + j] !== 0) max = Math.max(max, scores[r0 + j]!);
      if (max === -Infinity) {
        weights.fill(0, r0, r0 + Tk);
        continue;
      }
      let sum = 0;
      for (let j = 0; j < Tk; j++) {
        const p = !mask || mask[m0 + j] !== 0 ? Math.exp(scores[r0 + j]! - max) : 0;
        weights[r0 + j] = p;
        sum += p;
      }
      for (let j = 0; j < Tk; j++) weights[r0 + j] = weights[r0 + j]! / sum;
    }
  }
}

export interface MaskedSoftmaxBackwardArgs<A extends FloatArray> {
  /** Rows B·Tq. */
  R: number;
  Tk: number;
  /** (R, Tk), the forward's output */
  weights: A;
  /** (R, Tk) */
  dweights: A;
  /** (R, Tk), overwritten; may be the same array as `dweights` */
  dscores: A;
}

/** ds = α ⊙ (dα − Σ_j α dα); zero wherever α is (padded keys, empty rows). */
export function maskedSoftmaxBackward<A extends FloatArray>(args: MaskedSoftmaxBackwardArgs<A>): void {
  const { R, Tk, weights, dweights, dscores } = args;
  for (let r = 0; r < R; r++) {
    const r0 = r * Tk;
    let dot = 0;
    for (let j = 0; j < Tk; j++) dot += weights[r0 + j]! * dweights[r0 + j]!;
    for (let j = 0; j < Tk; j++) dscores[r0 + j] = weights[r0 + j]! * (dweights[r0 + j]! - dot);
  }
}

export interface WeightedSumForwardArgs<A extends FloatArray> {
  B: number;
  Tq: number;
  Tk: number;
  Hv: number;
  /** (B, Tq, Tk) */
  weights: A;
  /** (B, Tk, Hv) */
  values: A;
  /** (B, Tq, Hv), overwritten */
  context: A;
}

/** c[b] = α[b] · val[b], one (Tq, Tk)·(Tk, Hv) product per row. */
export function weightedSumForward<A extends FloatArray>(args: WeightedSumForwardArgs<A>): void {
  const { B, Tq, Tk, Hv, weights, values, context } = args;
  for (let b = 0; b < B; b++) gemm(false, false, Tq, Hv, Tk, 1, weights, b * Tq * Tk, Tk, values, b * Tk * Hv, Hv, 0, context, b * Tq * Hv, Hv);
}

export interface WeightedSumBackwardArgs<A extends FloatArray> {
  B: number;
  Tq: number;
  Tk: number;
  Hv: number;
  /** (B, Tq, Tk) */
  weights: A;
  /** (B, Tk, Hv) */
  values: A;
  /** (B, Tq, Hv) */
  dcontext: A;
  /** (B, Tq, Tk), overwritten; null when not needed */
  dweights: A | null;
  /** (B, Tk, Hv), overwritten; null when not needed */
  dvalues: A | null;
}

/** dα[b] = dc[b] · val[b]ᵀ; dval[b] = α[b]ᵀ · dc[b]. */
export function weightedSumBackward<A extends FloatArray>(args: WeightedSumBackwardArgs<A>): void {
  const { B, Tq, Tk, Hv, weights, values, dcontext, dweights, dvalues } = args;
  for (let b = 0; b < B; b++) {
    const c0 = b * Tq * Hv;
    const v0 = b * Tk * Hv;
    const w0 = b * Tq * Tk;
    if (dweights) gemm(false, true, Tq, Tk, Hv, 1, dcontext, c0, Hv, values, v0, Hv, 0, dweights, w0, Tk);
    if (dvalues) gemm(true, false, Tk, Hv, Tq, 1, weights, w0, Tk, dcontext, c0, Hv, 0, dvalues, v0, Hv);
  }
}

export interface AttentionForwardArgs<A extends FloatArray> {
  score: ScoreKind;
  B: number;
  Tq: number;
  Tk: number;
  /** Width of q and k: the attention size U (additive) or the feature size (dot). */
  D: number;
  Hv: number;
  /** (B, Tq, D): the projected query (additive; null = 0) or the query (dot; required) */
  q: A | null;
  /** (B, Tk, D): the projected keys (additive, Luong general) or the keys (dot) */
  k: A;
  /** (D) for additive scores; null for dot */
  v: A | null;
  /** (B, Tk, Hv) */
  values: A;
  /** (B, Tk) or null */
  mask: Uint8Array | null;
  /** (B, Tq, Tk), overwritten */
  weights: A;
  /** (B, Tq, Hv), overwritten */
  context: A;
  /** (B, Tq, Tk, D), overwritten cache for additive scores; null for dot */
  e: A | null;
}

/** Scores, masked softmax and weighted sum in one call (the scores are staged in `weights`). */
export function attentionForward<A extends FloatArray>(args: AttentionForwardArgs<A>): void {
  const { score, B, Tq, Tk, D, Hv, q, k, v, values, mask, weights, context, e } = args;
  if (score === 'additive') additiveScoreForward({ B, Tq, Tk, U: D, qp: q, kp: k, v: v!, scores: weights, e: e! });
  else dotScoreForward({ B, Tq, Tk, D, q: q!, k, scores: weights });
  maskedSoftmaxForward({ B, Tq, Tk, scores: weights, mask, weights });
  weightedSumForward({ B, Tq, Tk, Hv, weights, values, context });
}

export interface AttentionBackwardArgs<A extends FloatArray> {
  score: ScoreKind;
  B: number;
  Tq: number;
  Tk: number;
  D: number;
  Hv: number;
  /** As in the forward. */
  q: A | null;
  k: A;
  v: A | null;
  values: A;
  /** (B, Tq, Tk), the forward's output */
  weights: A;
  /** (B, Tq, Tk, D), the additive forward's cache; null for dot */
  e: A | null;
  /** (B, Tq, Hv), or null when the context gets no gradient */
  dcontext: A | null;
  /** (B, Tq, Tk), or null when the weights get no gradient */
  dweights: A | null;
  /** (B, Tq, D), overwritten; null when not needed (always null for a null q) */
  dq: A | null;
  /** (B, Tk, D), overwritten; null when not needed */
  dk: A | null;
  /** (D), accumulated; null when not needed or for dot scores */
  dv: A | null;
  /** (B, Tk, Hv), overwritten; null when not needed */
  dvalues: A | null;
  /** (B, Tq, Tk) workspace (dα, then ds) */
  work: A;
}

/** Backward of `attentionForward` (see the header for the equations). */
export function attentionBackward<A extends FloatArray>(args: AttentionBackwardArgs<A>): void {
  const { score, B, Tq, Tk, D, Hv, q, k, v, values, weights, e, dcontext, dweights, dq, dk, dv, dvalues, work } = args;
  const n = B * Tq * Tk;
  if (dcontext) {
    weightedSumBackward({ B, Tq, Tk, Hv, weights, values, dcontext, dweights: work, dvalues });
    if (dweights) for (let r = 0; r < n; r++) work[r]! += dweights[r]!;
  } else {
    if (dvalues) dvalues.fill(0, 0, B * Tk * Hv);
    if (dweights) work.set(dweights.subarray(0, n));
    else work.fill(0, 0, n);
  }
  maskedSoftmaxBackward({ R: B * Tq, Tk, weights, dweights: work, dscores: work });
  if (score === 'additive') additiveScoreBackward({ B, Tq, Tk, U: D, v: v!, e: e!, dscores: work, dqp: dq, dkp: dk, dv });
  else dotScoreBackward({ B, Tq, Tk, D, q: q!, k, dscores: work, dq, dk });
}
