import { Tensor } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/tensor.js';
import {
  bceBackward,
  bceForward,
  bceWithLogitsBackward,
  bceWithLogitsForward,
  huberBackward,
  huberForward,
  maeBackward,
  maeForward,
  mseBackward,
  mseForward,
  softmaxCrossEntropyBackward,
  softmaxCrossEntropyForward,
} from '../kernels/losses.js';
import { logClampBackward, logClampForward } from '../kernels/ref/elementwise.js';
import { Var, accumulateTensor, needsGrad, newVar, tape } from './tape.js';

function floatType(v: Var): 'float32' | 'float64' {
  return v.value.dtype === 'float64' ? 'float64' : 'float32';
}

export interface CrossEntropyOpOptions {
  ignoreIndex: number;
  classWeights: FloatArray | null;
  labelSmoothing: number;
}

/**
 * Mean softmax cross-entropy (PyTorch `nn.CrossEntropyLoss`) of logits (N, C) against class
 * indices (N); rows whose target is `ignoreIndex` count for nothing. Returns a scalar Var, or
 * null when every row is ignored (nothing to learn from this batch).
 */
export function softmaxCrossEntropy(logits: Var, targets: Int32Array, o: CrossEntropyOpOptions): Var | null {
  const C = logits.shape[logits.shape.length - 1]!;
  const N = logits.value.size / C;
  const dt = floatType(logits);
  const probs = Tensor.temp([N, C], dt);
  const common = { N, C, targets, ignoreIndex: o.ignoreIndex, classWeights: o.classWeights, labelSmoothing: o.labelSmoothing, reduction: 'mean' as const };
  const { loss, weightSum } = softmaxCrossEntropyForward({ ...common, logits: logits.data, probs: probs.data });
  if (weightSum === 0) return null;
  const out = newVar([], needsGrad(logits), dt);
  out.data[0] = loss;
  if (out.requiresGrad)
    tape.push(() => {
      if (!out.grad) return;
      const d = Tensor.temp(logits.shape, dt);
      softmaxCrossEntropyBackward({ ...common, probs: probs.data, dloss: out.grad.data[0]!, dlogits: d.data });
      accumulateTensor(logits, d);
    });
  return out;
}

/** y = log(max(p, floor)): turns probabilities into log-probabilities for cross-entropy. */
export function logClamp(p: Var, floor: number): Var {
  const y = newVar(p.shape, needsGrad(p), floatType(p));
  logClampForward(p.data, floor, y.data);
  y.mask = p.mask;
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const d = Tensor.temp(p.shape, floatType(p));
      logClampBackward(p.data, floor, y.grad.data, d.data);
      accumulateTensor(p, d);
    });
  return y;
}

/** Elementwise regression / binary losses, reduced by a (weighted) mean. */
export type ElementwiseLoss =
  | { kind: 'mse' }
  | { kind: 'mae' }
  | { kind: 'huber'; delta: number }
  | { kind: 'bce' }
  | { kind: 'bceWithLogits'; posWeight: FloatArray | null };

/**
 * Weighted mean of an elementwise loss: Σ wᵢ ℓ(xᵢ, tᵢ) / Σ wᵢ (weights null = plain mean).
 * `target` and `weights` have the prediction's size.
 */
export function elementwiseLoss(spec: ElementwiseLoss, pred: Var, target: FloatArray, weights: FloatArray | null): Var {
  const n = pred.value.size;
  const dt = floatType(pred);
  const C = pred.shape[pred.shape.length - 1] ?? 1;
  const args = { n, x: pred.data, target, weights, reduction: 'mean' as const };
  let loss: number;
  switch (spec.kind) {
    case 'mse':
      loss = mseForward(args);
      break;
    case 'mae':
      loss = maeForward(args);
      break;
    case 'huber':
      loss = huberForward({ ...args, delta: spec.delta });
      break;
    case 'bce':
      loss = bceForward(args);
      break;
    case 'bceWithLogits':
      loss = bceWithLogitsForward({ ...args, C, posWeight: spec.posWeight });
      break;
  }
  const out = newVar([], needsGrad(pred), dt);
  out.data[0] = loss;
  if (out.requiresGrad)
    tape.push(() => {
      if (!out.grad) return;
      const d = Tensor.temp(pred.shape, dt);
      const b = { n, x: pred.data, target, weights, reduction: 'mean' as const, dloss: out.grad.data[0]!, dx: d.data };
      switch (spec.kind) {
        case 'mse':
          mseBackward(b);
          break;
        case 'mae':
          maeBackward(b);
          break;
        case 'huber':
          huberBackward({ ...b, delta: spec.delta });
          break;
        case 'bce':
          bceBackward(b);
          break;
        case 'bceWithLogits':
          bceWithLogitsBackward({ ...b, C, posWeight: spec.posWeight });
          break;
      }
      accumulateTensor(pred, d);
    });
  return out;
}

/** Σ wₖ·termₖ over scalar Vars (multi-output models add their weighted losses). */
export function weightedSum(terms: readonly Var[], weights: readonly number[]): Var {
  const out = newVar([], needsGrad(...terms), floatType(terms[0]!));
  let s = 0;
  terms.forEach((t, k) => (s += weights[k]! * t.data[0]!));
  out.data[0] = s;
  if (out.requiresGrad)
    tape.push(() => {
      if (!out.grad) return;
      const g = out.grad.data[0]!;
      terms.forEach((t, k) => {
        if (!t.requiresGrad) return;
        const d = Tensor.temp([], floatType(t));
        d.data[0] = g * weights[k]!;
        accumulateTensor(t, d);
      });
    });
  return out;
}
