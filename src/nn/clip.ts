/**
 * Gradient clipping with PyTorch 1.13 semantics (torch/nn/utils/clip_grad.py), applied to the
 * gradients of trainable parameters between backward and the optimizer step. Frozen parameters
 * have no gradient (PyTorch's `grad is None`) and are ignored.
 */
import { clipByValue, sumSquares } from '../kernels/ref/optim.js';
import type { FloatArray } from '../tensor/tensor.js';
import type { Parameter } from './parameter.js';
import { show } from './optimizers.js';

/**
 * Rescales all gradients together so their global norm is at most maxNorm (`clip_grad_norm_`):
 *
 *   total = ‖concat(g₁, g₂, …)‖_normType          (normType = Infinity: max |g|)
 *   coef  = maxNorm / (total + 1e-6)
 *   coef < 1:  g = g · coef   for every gradient
 *
 * Returns the total norm before clipping. As in PyTorch, a NaN total makes every gradient NaN and
 * an infinite one zeroes them (infinite entries become NaN); check the returned norm to skip such
 * steps. Norms accumulate in double precision.
 *
 * @example
 * backward(loss);
 * const norm = clipGradNorm(model.parameters(), 5);   // min-char-rnn style clipping
 * opt.step(model.parameters());
 */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number, normType = 2): number {
  const where = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new Error(`${where}: maxNorm must be a non-negative number, got ${show(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new Error(`${where}: normType must be a positive number or Infinity, got ${show(normType)}`);
  const grads: FloatArray[] = [];
  for (const p of params) if (p.trainable && p.grad !== null) grads.push(p.grad.data);
  if (grads.length === 0) return 0;
  let total: number;
  if (normType === Infinity) {
    total = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) total = Math.max(total, Math.abs(g[i]!));
  } else if (normType === 2) {
    let s = 0;
    for (const g of grads) s += sumSquares(g, g.length);
    total = Math.sqrt(s);
  } else {
    let s = 0;
    for (const g of grads) for (let i = 0; i < g.length; i++) s += Math.abs(g[i]!) ** normType;
    total = s ** (1 / normType);
  }
  const coef = maxNorm / (total + 1e-6);
  // `!(coef >= 1)` rather than `coef < 1`: a NaN coefficient is applied, as torch's clamp keeps NaN.
  if (!(coef >= 1)) {
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i]! *= coef;
  }
  return total;
}

/**
 * Clamps every gradient element to [−clipValue, clipValue] (`clip_grad_value_`):
 *
 *   g = min(max(g, −clipValue), clipValue)
 *
 * @example
 * backward(loss);
 * clipGradValue(model.parameters(), 1);
 * opt.step(model.parameters());
 */
export function clipGradValue(params: readonly Parameter[], clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new Error(`clipGradValue: clipValue must be a non-negative number, got ${show(clipValue)}`);
  for (const p of params) {
    if (!p.trainable || p.grad === null) continue;
    const g = p.grad.data;
    clipByValue(g, g.length, clipValue);
  }
}
