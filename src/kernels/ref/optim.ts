/**
 * Optimizer updates over flat parameter arrays, PyTorch 1.13 `_single_tensor_*` formulas in torch's
 * arithmetic order. All state arrays have n elements and are updated in place (`=`): parameters p,
 * momentum/moment buffers. Gradients g are read only (weight decay and maximize act on a local copy).
 *
 * SGD (torch/optim/sgd.py):
 *   d = ±g + wd·p                                     (− when maximize)
 *   momentum ≠ 0:  buf = firstStep ? d : momentum·buf + (1 − dampening)·d
 *                  d = nesterov ? d + momentum·buf : buf
 *   p = p − lr·d
 *
 * Adam / AdamW (adam.py, adamw.py), step k ≥ 1 counted after its increment:
 *   AdamW (decoupled): p = p·(1 − lr·wd)              Adam: g = g + wd·p
 *   m = β1·m + (1 − β1)·g
 *   v = β2·v + (1 − β2)·g²
 *   amsgrad: vmax = max(vmax, v), and vmax replaces v below
 *   stepSize = lr / (1 − β1^k);   denom = √v / √(1 − β2^k) + eps
 *   p = p − stepSize·m / denom
 *
 * RMSprop (rmsprop.py):
 *   g = g + wd·p
 *   sq = α·sq + (1 − α)·g²
 *   centered: gradAvg = α·gradAvg + (1 − α)·g;  avg = √(sq − gradAvg²) + eps     else avg = √sq + eps
 *   momentum > 0: buf = momentum·buf + g / avg;  p = p − lr·buf                   else p = p − lr·g / avg
 *
 * Adagrad (adagrad.py), step k ≥ 1 counted after its increment; `sum` starts at initial_accumulator_value:
 *   g = g + wd·p
 *   clr = lr / (1 + (k − 1)·lrDecay)
 *   sum = sum + g²
 *   p = p − clr·g / (√sum + eps)
 *
 * Gradient clipping helpers: clipByValue clamps g to [−v, v] in place (clip_grad_value_);
 * sumSquares returns Σ g² so the caller can form a global norm over all parameters (clip_grad_norm_).
 *
 * Arithmetic runs in double precision and rounds once per stored value; torch rounds after each
 * float32 operation, so Float32 results agree to about one ulp per step.
 */
import type { FloatArray } from '../../tensor/tensor.js';

export interface SgdStepArgs<A extends FloatArray> {
  n: number;
  /** (n) parameters, updated */
  p: A;
  /** (n) gradients */
  g: A;
  /** (n) momentum buffer, updated; null when momentum = 0 */
  buf: A | null;
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  /** true on the first step: the buffer is initialized to d instead of decayed (torch's buf is None) */
  firstStep: boolean;
}

/** One SGD step (with momentum, dampening, Nesterov, weight decay). */
export function sgdStep<A extends FloatArray>(args: SgdStepArgs<A>): void {
  const { n, p, g, buf, lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep } = args;
  for (let i = 0; i < n; i++) {
    let d = maximize ? -g[i]! : g[i]!;
    if (weightDecay !== 0) d += weightDecay * p[i]!;
    if (momentum !== 0) {
      const b = buf!;
      b[i] = firstStep ? d : momentum * b[i]! + (1 - dampening) * d;
      d = nesterov ? d + momentum * b[i]! : b[i]!;
    }
    p[i]! += -lr * d;
  }
}

export interface AdamStepArgs<A extends FloatArray> {
  n: number;
  /** (n) parameters, updated */
  p: A;
  /** (n) gradients */
  g: A;
  /** (n) first moment, updated */
  m: A;
  /** (n) second moment, updated */
  v: A;
  /** (n) running max of v, updated; null unless amsgrad */
  vmax: A | null;
  /** 1 on the first step (torch's state['step'] after its increment) */
  step: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  /** true: AdamW's decoupled weight decay; false: Adam's L2 term in the gradient */
  decoupled: boolean;
  /** ascend instead of descend (default false) */
  maximize?: boolean;
}

/** One Adam or AdamW step. */
export function adamStep<A extends FloatArray>(args: AdamStepArgs<A>): void {
  const { n, p, g, m, v, vmax, step, lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled } = args;
  const maximize = args.maximize ?? false;
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  const stepSize = lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
  const decay = 1 - lr * weightDecay;
  for (let i = 0; i < n; i++) {
    let gi = maximize ? -g[i]! : g[i]!;
    if (decoupled) p[i]! *= decay;
    else if (weightDecay !== 0) gi += weightDecay * p[i]!;
    m[i] = beta1 * m[i]! + (1 - beta1) * gi;
    v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
    let second = v[i]!;
    if (amsgrad) {
      vmax![i] = Math.max(vmax![i]!, second);
      second = vmax![i]!;
    }
    const denom = Math.sqrt(second) / biasCorrection2Sqrt + eps;
    p[i]! += (-stepSize * m[i]!) / denom;
  }
}

export interface RmspropStepArgs<A extends FloatArray> {
  n: number;
  /** (n) parameters, updated */
  p: A;
  /** (n) gradients */
  g: A;
  /** (n) running mean of g², updated */
  sq: A;
  /** (n) running mean of g, updated; null unless centered */
  gradAvg: A | null;
  /** (n) momentum buffer, updated; null unless momentum > 0 */
  buf: A | null;
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  /** ascend instead of descend (default false) */
  maximize?: boolean;
}

/** One RMSprop step. */
export function rmspropStep<A extends FloatArray>(args: RmspropStepArgs<A>): void {
  const { n, p, g, sq, gradAvg, buf, lr, alpha, eps, weightDecay, momentum, centered } = args;
  const maximize = args.maximize ?? false;
  for (let i = 0; i < n; i++) {
    let gi = maximize ? -g[i]! : g[i]!;
    if (weightDecay !== 0) gi += weightDecay * p[i]!;
    sq[i] = alpha * sq[i]! + (1 - alpha) * gi * gi;
    let avg: number;
    if (centered) {
      const ga = gradAvg!;
      ga[i] = alpha * ga[i]! + (1 - alpha) * gi;
      avg = Math.sqrt(sq[i]! - ga[i]! * ga[i]!) + eps;
    } else {
      avg = Math.sqrt(sq[i]!) + eps;
    }
    if (momentum > 0) {
      const b = buf!;
      b[i] = momentum * b[i]! + gi / avg;
      p[i]! += -lr * b[i]!;
    } else {
      p[i]! += (-lr * gi) / avg;
    }
  }
}

export interface AdagradStepArgs<A extends FloatArray> {
  n: number;
  /** (n) parameters, updated */
  p: A;
  /** (n) gradients */
  g: A;
  /** (n) running sum of g², updated */
  sum: A;
  /** 1 on the first step (torch's state['step'] after its increment) */
  step: number;
  lr: number;
  lrDecay: number;
  weightDecay: number;
  eps: number;
  /** ascend instead of descend (default false) */
  maximize?: boolean;
}

/** One Adagrad step. */
export function adagradStep<A extends FloatArray>(args: AdagradStepArgs<A>): void {
  const { n, p, g, sum, step, lr, lrDecay, weightDecay, eps } = args;
  const maximize = args.maximize ?? false;
  const clr = lr / (1 + (step - 1) * lrDecay);
  for (let i = 0; i < n; i++) {
    let gi = maximize ? -g[i]! : g[i]!;
    if (weightDecay !== 0) gi += weightDecay * p[i]!;
    sum[i]! += gi * gi;
    const std = Math.sqrt(sum[i]!) + eps;
    p[i]! += (-clr * gi) / std;
  }
}

/** g = clamp(g, −v, v) over n elements, in place. */
export function clipByValue<A extends FloatArray>(g: A, n: number, v: number): void {
  for (let i = 0; i < n; i++) {
    const x = g[i]!;
    if (x > v) g[i] = v;
    else if (x < -v) g[i] = -v;
  }
}

/** Σ g² over n elements, accumulated in double precision. */
export function sumSquares<A extends FloatArray>(g: A, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += g[i]! * g[i]!;
  return s;
}
