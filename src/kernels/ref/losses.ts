/**
 * Loss functions (PyTorch 1.13 semantics). Each forward returns the loss as a number (accumulated
 * in double precision); each backward overwrites the input gradient (`=`) for a given dloss.
 *
 * Softmax cross-entropy, `nn.CrossEntropyLoss(weight, ignore_index, reduction, label_smoothing)`:
 *   logits z (N, C), targets y Int32Array (N), class weights w (C) (w ≡ 1 when null), ε = labelSmoothing
 *   p = softmax(z) row-wise (cached in `probs` (N, C)),  log p[i, c] = z[i, c] − lse_i   (max-subtracted)
 *   rows with y_i = ignoreIndex contribute nothing (loss 0, gradient 0); over the others:
 *     ℓ_i = (1 − ε)·w[y_i]·(−log p[i, y_i]) + (ε/C)·Σ_c w[c]·(−log p[i, c])
 *     weightSum = Σ_i w[y_i]                       (the count of non-ignored rows when w is null)
 *     mean: L = Σ_i ℓ_i / weightSum     sum: L = Σ_i ℓ_i     none: losses[i] = ℓ_i (L = Σ_i ℓ_i)
 *   (PyTorch divides the smoothing term by the same Σ w[y_i] as the NLL term; a mean over zero
 *   weight is NaN, as in PyTorch, and its gradient is 0 for ignored rows.)
 *   backward: dz[i, c] = g_i·[(1 − ε)·w[y_i]·(p[i, c] − δ_{c, y_i}) + (ε/C)·(W·p[i, c] − w[c])],  W = Σ_c w[c]
 *     g_i = dloss / weightSum (mean), dloss (sum), dlosses[i] (none).
 *
 * Elementwise losses over n elements: x (n) prediction, t (n) target, optional weights m (n):
 *   mse            ℓ = (x − t)²                                  ℓ' = 2(x − t)
 *   mae (L1Loss)   ℓ = |x − t|                                   ℓ' = sign(x − t)   (0 at 0)
 *   huber          ℓ = |d| ≤ δ ? ½d² : δ(|d| − ½δ),  d = x − t    ℓ' = |d| ≤ δ ? d : δ·sign(d)
 *   bce            ℓ = −(t·max(log x, −100) + (1 − t)·max(log(1 − x), −100)),  x a probability
 *                  ℓ' = (x − t) / max((1 − x)·x, 1e-12)          (PyTorch's formula, not the clamped log's)
 *   bceWithLogits  ℓ = (1 − t)·x + λ·(log(e^{−μ} + e^{−x−μ}) + μ),  μ = max(−x, 0),  λ = 1 + (P − 1)·t
 *                  ℓ' = (P·t + 1 − t)·σ(x) − P·t,   P = posWeight[i mod C] (1 when null)
 *   mean: L = Σ m·ℓ / Σ m  (Σ ℓ / n without weights)      sum: L = Σ m·ℓ
 *   backward: dx_i = dloss · m_i · ℓ'_i / (Σ m, n or 1).
 *   With weights ≡ 1 every loss equals PyTorch's; with a 0/1 mask (e.g. padded steps) the mean runs
 *   over the real elements only. (PyTorch's own `weight` argument divides by n instead: use 'sum'.)
 */
import type { FloatArray } from '../../tensor/tensor.js';

/** PyTorch's default `ignore_index`. */
export const DEFAULT_IGNORE_INDEX = -100;

export type CrossEntropyReduction = 'mean' | 'sum' | 'none';

export interface SoftmaxCrossEntropyArgs<A extends FloatArray> {
  N: number;
  C: number;
  /** (N), class indices in [0, C) or ignoreIndex */
  targets: Int32Array;
  /** default -100 */
  ignoreIndex?: number;
  /** (C) or null */
  classWeights: A | null;
  /** ε in [0, 1] */
  labelSmoothing: number;
  /** default 'mean' */
  reduction?: CrossEntropyReduction;
}

export interface SoftmaxCrossEntropyForwardArgs<A extends FloatArray> extends SoftmaxCrossEntropyArgs<A> {
  /** (N, C) */
  logits: A;
  /** (N, C), overwritten with softmax(logits): the cache for the backward */
  probs: A;
  /** (N), overwritten with per-row losses; required for reduction 'none' */
  losses?: A | null;
}

export interface SoftmaxCrossEntropyResult {
  /** the reduced loss ('none': the sum of the per-row losses) */
  loss: number;
  /** Σ w[y_i] over non-ignored rows: the mean's denominator */
  weightSum: number;
}

/** Softmax + cross-entropy over the rows of logits; fills probs (and losses for 'none'). */
export function softmaxCrossEntropyForward<A extends FloatArray>(
  args: SoftmaxCrossEntropyForwardArgs<A>,
): SoftmaxCrossEntropyResult {
  const { N, C, logits, targets, classWeights, labelSmoothing, probs } = args;
  const ignoreIndex = args.ignoreIndex ?? DEFAULT_IGNORE_INDEX;
  const reduction = args.reduction ?? 'mean';
  const losses = args.losses ?? null;
  const eps = labelSmoothing;
  let total = 0;
  let weightSum = 0;
  for (let i = 0; i < N; i++) {
    const r0 = i * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) if (logits[r0 + c]! > max) max = logits[r0 + c]!;
    let sumExp = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(logits[r0 + c]! - max);
      probs[r0 + c] = e;
      sumExp += e;
    }
    for (let c = 0; c < C; c++) probs[r0 + c]! /= sumExp;
    const lse = max + Math.log(sumExp);

    const y = targets[i]!;
    if (y === ignoreIndex) {
      if (losses !== null) losses[i] = 0;
      continue;
    }
    const wy = classWeights === null ? 1 : classWeights[y]!;
    let row = (1 - eps) * wy * (lse - logits[r0 + y]!);
    if (eps !== 0) {
      let smooth = 0;
      for (let c = 0; c < C; c++) {
        const wc = classWeights === null ? 1 : classWeights[c]!;
        smooth += wc * (lse - logits[r0 + c]!);
      }
      row += (eps / C) * smooth;
    }
    if (losses !== null) losses[i] = row;
    total += row;
    weightSum += wy;
  }
  const loss = reduction === 'mean' ? total / weightSum : total;
  return { loss, weightSum };
}

export interface SoftmaxCrossEntropyBackwardArgs<A extends FloatArray> extends SoftmaxCrossEntropyArgs<A> {
  /** (N, C), from the forward */
  probs: A;
  /** gradient of the reduced loss ('mean' and 'sum') */
  dloss: number;
  /** (N), gradient of each row's loss; required for reduction 'none' */
  dlosses?: A | null;
  /** (N, C), overwritten */
  dlogits: A;
}

/** dlogits for the loss computed by softmaxCrossEntropyForward with the same arguments. */
export function softmaxCrossEntropyBackward<A extends FloatArray>(args: SoftmaxCrossEntropyBackwardArgs<A>): void {
  const { N, C, targets, classWeights, labelSmoothing, probs, dloss, dlogits } = args;
  const ignoreIndex = args.ignoreIndex ?? DEFAULT_IGNORE_INDEX;
  const reduction = args.reduction ?? 'mean';
  const eps = labelSmoothing;

  let weightSum = 0;
  if (reduction === 'mean') {
    for (let i = 0; i < N; i++) {
      const y = targets[i]!;
      if (y !== ignoreIndex) weightSum += classWeights === null ? 1 : classWeights[y]!;
    }
  }
  let W = C;
  if (classWeights !== null) {
    W = 0;
    for (let c = 0; c < C; c++) W += classWeights[c]!;
  }

  for (let i = 0; i < N; i++) {
    const r0 = i * C;
    const y = targets[i]!;
    if (y === ignoreIndex) {
      for (let c = 0; c < C; c++) dlogits[r0 + c] = 0;
      continue;
    }
    const g = reduction === 'mean' ? dloss / weightSum : reduction === 'sum' ? dloss : args.dlosses![i]!;
    const wy = classWeights === null ? 1 : classWeights[y]!;
    const a = g * (1 - eps) * wy;
    const s = (g * eps) / C;
    for (let c = 0; c < C; c++) {
      const p = probs[r0 + c]!;
      const wc = classWeights === null ? 1 : classWeights[c]!;
      dlogits[r0 + c] = a * p + s * (W * p - wc);
    }
    dlogits[r0 + y]! -= a;
  }
}

export type Reduction = 'mean' | 'sum';

export interface LossArgs<A extends FloatArray> {
  n: number;
  /** (n) prediction (a probability for bce, a logit for bceWithLogits) */
  x: A;
  /** (n) */
  target: A;
  /** (n) per-element weights or 0/1 mask; null or absent = all 1 */
  weights?: A | null;
  /** default 'mean' */
  reduction?: Reduction;
}

export interface LossGradArgs<A extends FloatArray> {
  /** gradient of the reduced loss */
  dloss: number;
  /** (n), overwritten */
  dx: A;
}

export interface LossBackwardArgs<A extends FloatArray> extends LossArgs<A>, LossGradArgs<A> {}

export interface HuberArgs<A extends FloatArray> extends LossArgs<A> {
  /** threshold between the quadratic and linear parts (PyTorch default 1) */
  delta: number;
}

export interface HuberBackwardArgs<A extends FloatArray> extends HuberArgs<A>, LossGradArgs<A> {}

export interface BceWithLogitsArgs<A extends FloatArray> extends LossArgs<A> {
  /** size of the last dimension: posWeight[c] applies to elements i with i mod C = c */
  C: number;
  /** (C) weight of the positive term, or null */
  posWeight: A | null;
}

export interface BceWithLogitsBackwardArgs<A extends FloatArray> extends BceWithLogitsArgs<A>, LossGradArgs<A> {}

/** The mean's denominator: Σ weights, or n; 1 for 'sum'. */
function lossDenominator(n: number, weights: FloatArray | null, reduction: Reduction): number {
  if (reduction === 'sum') return 1;
  if (weights === null) return n;
  let s = 0;
  for (let i = 0; i < n; i++) s += weights[i]!;
  return s;
}

/** Mean squared error: ℓ = (x − t)². */
export function mseForward<A extends FloatArray>(args: LossArgs<A>): number {
  const { n, x, target } = args;
  const weights = args.weights ?? null;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - target[i]!;
    total += (weights === null ? 1 : weights[i]!) * d * d;
  }
  return total / lossDenominator(n, weights, args.reduction ?? 'mean');
}

/** dx = dloss · m · 2(x − t) / denominator. */
export function mseBackward<A extends FloatArray>(args: LossBackwardArgs<A>): void {
  const { n, x, target, dx } = args;
  const weights = args.weights ?? null;
  const g = args.dloss / lossDenominator(n, weights, args.reduction ?? 'mean');
  for (let i = 0; i < n; i++) {
    const w = weights === null ? 1 : weights[i]!;
    dx[i] = g * w * 2 * (x[i]! - target[i]!);
  }
}

/** Mean absolute error (L1Loss): ℓ = |x − t|. */
export function maeForward<A extends FloatArray>(args: LossArgs<A>): number {
  const { n, x, target } = args;
  const weights = args.weights ?? null;
  let total = 0;
  for (let i = 0; i < n; i++) total += (weights === null ? 1 : weights[i]!) * Math.abs(x[i]! - target[i]!);
  return total / lossDenominator(n, weights, args.reduction ?? 'mean');
}

/** dx = dloss · m · sign(x − t) / denominator (sign(0) = 0). */
export function maeBackward<A extends FloatArray>(args: LossBackwardArgs<A>): void {
  const { n, x, target, dx } = args;
  const weights = args.weights ?? null;
  const g = args.dloss / lossDenominator(n, weights, args.reduction ?? 'mean');
  for (let i = 0; i < n; i++) {
    const w = weights === null ? 1 : weights[i]!;
    dx[i] = g * w * Math.sign(x[i]! - target[i]!);
  }
}

/** Huber loss: ℓ = ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond. */
export function huberForward<A extends FloatArray>(args: HuberArgs<A>): number {
  const { n, x, target, delta } = args;
  const weights = args.weights ?? null;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - target[i]!;
    const ad = Math.abs(d);
    const l = ad <= delta ? 0.5 * d * d : delta * (ad - 0.5 * delta);
    total += (weights === null ? 1 : weights[i]!) * l;
  }
  return total / lossDenominator(n, weights, args.reduction ?? 'mean');
}

/** dx = dloss · m · clamp(x − t, −δ, δ) / denominator. */
export function huberBackward<A extends FloatArray>(args: HuberBackwardArgs<A>): void {
  const { n, x, target, delta, dx } = args;
  const weights = args.weights ?? null;
  const g = args.dloss / lossDenominator(n, weights, args.reduction ?? 'mean');
  for (let i = 0; i < n; i++) {
    const w = weights === null ? 1 : weights[i]!;
    const d = x[i]! - target[i]!;
    const dl = d <= -delta ? -delta : d >= delta ? delta : d;
    dx[i] = g * w * dl;
  }
}

/** Binary cross-entropy on probabilities x, logs clamped to ≥ −100. */
export function bceForward<A extends FloatArray>(args: LossArgs<A>): number {
  const { n, x, target } = args;
  const weights = args.weights ?? null;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = x[i]!;
    const t = target[i]!;
    const l = (t - 1) * Math.max(Math.log(1 - p), -100) - t * Math.max(Math.log(p), -100);
    total += (weights === null ? 1 : weights[i]!) * l;
  }
  return total / lossDenominator(n, weights, args.reduction ?? 'mean');
}

/** dx = dloss · m · (x − t) / max((1 − x)·x, 1e-12) / denominator. */
export function bceBackward<A extends FloatArray>(args: LossBackwardArgs<A>): void {
  const { n, x, target, dx } = args;
  const weights = args.weights ?? null;
  const g = args.dloss / lossDenominator(n, weights, args.reduction ?? 'mean');
  for (let i = 0; i < n; i++) {
    const w = weights === null ? 1 : weights[i]!;
    const p = x[i]!;
    dx[i] = (g * w * (p - target[i]!)) / Math.max((1 - p) * p, 1e-12);
  }
}

/** Binary cross-entropy on logits, in PyTorch's overflow-free form, with optional pos_weight. */
export function bceWithLogitsForward<A extends FloatArray>(args: BceWithLogitsArgs<A>): number {
  const { n, x, target, C, posWeight } = args;
  const weights = args.weights ?? null;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const t = target[i]!;
    const mu = Math.max(-v, 0);
    const softplusNeg = Math.log(Math.exp(-mu) + Math.exp(-v - mu)) + mu; // log(1 + e^{−x})
    const lambda = posWeight === null ? 1 : 1 + (posWeight[i % C]! - 1) * t;
    const l = (1 - t) * v + lambda * softplusNeg;
    total += (weights === null ? 1 : weights[i]!) * l;
  }
  return total / lossDenominator(n, weights, args.reduction ?? 'mean');
}

/** dx = dloss · m · ((P·t + 1 − t)·σ(x) − P·t) / denominator. */
export function bceWithLogitsBackward<A extends FloatArray>(args: BceWithLogitsBackwardArgs<A>): void {
  const { n, x, target, C, posWeight, dx } = args;
  const weights = args.weights ?? null;
  const g = args.dloss / lossDenominator(n, weights, args.reduction ?? 'mean');
  for (let i = 0; i < n; i++) {
    const w = weights === null ? 1 : weights[i]!;
    const t = target[i]!;
    const sig = 1 / (1 + Math.exp(-x[i]!));
    const pt = posWeight === null ? t : posWeight[i % C]! * t;
    dx[i] = g * w * ((pt + 1 - t) * sig - pt);
  }
}
