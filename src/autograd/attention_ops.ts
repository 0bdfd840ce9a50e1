import { Tensor } from '../tensor/tensor.js';
import { attentionBackward, attentionForward } from '../kernels/ref/attention.js';
import type { ScoreKind } from '../kernels/ref/attention.js';
import { linear } from './ops.js';
import { Var, accumulateTensor, gradOf, needsGrad, newVar, tape } from './tape.js';

function floatType(v: Var): 'float32' | 'float64' {
  return v.value.dtype === 'float64' ? 'float64' : 'float32';
}

/** The two outputs of an attention op. */
export interface AttentionResult {
  /** (B, Hv) for one query per row, (B, Tq, Hv) for a query sequence: Σ_j α_j · values_j. */
  context: Var;
  /** α: (B, Tk) or (B, Tq, Tk); exactly 0 on padded keys, rows sum to 1 (0 if no key is real). */
  weights: Var;
}

/**
 * Additive (Bahdanau) attention on projected inputs:
 *
 *   α = masked_softmax_j( vᵀ tanh(qp_i + kp_j) ),   context_i = Σ_j α_ij · values_j
 *
 * qp (B, U) or (B, Tq, U) is the projected query W_q q (null: zero, as in attention pooling);
 * kp (B, Tk, U) the projected keys W_k k, computed once per source sequence; v (U) or (1, U);
 * values (B, Tk, Hv); mask (B, Tk), 1 = real key. A query sequence passes its mask to the outputs.
 * Shapes are trusted (validate at the layer).
 *
 * @example
 * const kp = linear(encoderOut, keyProj, null);                    // once: (B, Tk, U)
 * for (let t = 0; t < T; t++) {
 *   const { context, weights } = additiveAttention(linear(h, queryProj, null), kp, v, encoderOut, srcMask);
 *   // ... feed context (B, H) into the decoder step
 * }
 */
export function additiveAttention(qp: Var | null, kp: Var, v: Var, values: Var, mask: Uint8Array | null): AttentionResult {
  return attend('additive', qp, kp, v, values, mask);
}

/**
 * Dot-product (Luong) attention:
 *
 *   α = masked_softmax_j( q_i · k_j ),   context_i = Σ_j α_ij · values_j
 *
 * q (B, D) or (B, Tq, D); k (B, Tk, D) — the keys (Luong dot) or the projected keys k Wᵀ (Luong
 * general, so that the score is qᵀ W k); values (B, Tk, Hv); mask (B, Tk), 1 = real key.
 *
 * @example
 * const kw = linear(encoderOut, W, null);                          // Luong general, once
 * const { context } = dotAttention(h, kw, encoderOut, srcMask);    // each decoder step
 */
export function dotAttention(q: Var, k: Var, values: Var, mask: Uint8Array | null): AttentionResult {
  return attend('dot', q, k, null, values, mask);
}

/**
 * Attention pooling of a sequence (Yang et al. 2016):
 *
 *   u_t = tanh(W x_t + b),   α = masked_softmax_t(contextᵀ u_t),   y = Σ_t α_t x_t
 *
 * x (B, T, F) with `x.mask` (B, T); weight (A, F); bias (A) or null; context (A).
 * Returns y (B, F) as `context` and α (B, T) as `weights`.
 *
 * @example
 * const { context: sentence, weights: alpha } = attentionPooling(words, w, b, u);
 */
export function attentionPooling(x: Var, weight: Var, bias: Var | null, context: Var): AttentionResult {
  return attend('additive', null, linear(x, weight, bias), context, x, x.mask);
}

function attend(score: ScoreKind, q: Var | null, k: Var, v: Var | null, values: Var, mask: Uint8Array | null): AttentionResult {
  const [B, Tk, D] = k.shape as [number, number, number];
  const Hv = values.shape[2]!;
  const seq = q !== null && q.shape.length === 3;
  const Tq = seq ? q.shape[1]! : 1;
  const dt = floatType(k);
  const grad = needsGrad(q, k, v, values);
  const context = newVar(seq ? [B, Tq, Hv] : [B, Hv], grad, dt);
  const weights = newVar(seq ? [B, Tq, Tk] : [B, Tk], grad, dt);
  const eT = score === 'additive' ? Tensor.temp([B, Tq, Tk, D], dt) : null;
  const dims = { score, B, Tq, Tk, D, Hv };
  attentionForward({ ...dims, q: q ? q.data : null, k: k.data, v: v ? v.data : null, values: values.data, mask, weights: weights.data, context: context.data, e: eT ? eT.data : null });
  if (seq) {
    context.mask = q.mask;
    weights.mask = q.mask;
  }
  if (grad)
    tape.push(() => {
      if (!context.grad && !weights.grad) return;
      const work = Tensor.temp([B, Tq, Tk], dt);
      const dq = q && q.requiresGrad ? Tensor.temp(q.shape, dt) : null;
      const dk = k.requiresGrad ? Tensor.temp(k.shape, dt) : null;
      const dvalues = values.requiresGrad ? Tensor.temp(values.shape, dt) : null;
      if (v && v.requiresGrad) gradOf(v);
      attentionBackward({
        ...dims,
        q: q ? q.data : null,
        k: k.data,
        v: v ? v.data : null,
        values: values.data,
        weights: weights.data,
        e: eT ? eT.data : null,
        dcontext: context.grad ? context.grad.data : null,
        dweights: weights.grad ? weights.grad.data : null,
        dq: dq ? dq.data : null,
        dk: dk ? dk.data : null,
        dv: v && v.requiresGrad ? v.grad!.data : null,
        dvalues: dvalues ? dvalues.data : null,
        work: work.data,
      });
      if (dq) accumulateTensor(q!, dq);
      if (dk) accumulateTensor(k, dk);
      if (dvalues) accumulateTensor(values, dvalues);
    });
  return { context, weights };
}
