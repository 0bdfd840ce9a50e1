import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import { denseBackward, denseForward } from '../kernels/ref/dense.js';
import {
  activationBackward,
  activationForward,
  dropoutApply,
  dropoutBackward,
  dropoutMask,
  dropoutTimeFixed,
  dropoutTimeFixedBackward,
} from '../kernels/ref/elementwise.js';
import type { Activation } from '../kernels/ref/elementwise.js';
import { embeddingBackward, embeddingForward } from '../kernels/embedding.js';
import { Var, accumulateTensor, gradOf, needsGrad, newVar, tape } from './tape.js';

function floatType(v: Var): 'float32' | 'float64' {
  return v.value.dtype === 'float64' ? 'float64' : 'float32';
}

/**
 * y = x·Wᵀ + b over the last axis: x (..., I), w (O, I), b (O) or null → y (..., O).
 * Keeps x's time mask.
 */
export function linear(x: Var, w: Var, b: Var | null): Var {
  const [O, I] = w.shape as [number, number];
  const N = x.value.size / I;
  const y = newVar([...x.shape.slice(0, -1), O], needsGrad(x, w, b), floatType(x));
  denseForward({ N, I, O, x: x.data, w: w.data, b: b ? b.data : null, y: y.data });
  y.mask = x.mask;
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const dx = x.requiresGrad ? Tensor.temp(x.shape, floatType(x)) : null;
      const dw = w.requiresGrad ? gradOf(w) : Tensor.zeros(w.shape, floatType(w)).data;
      const db = b ? (b.requiresGrad ? gradOf(b) : Tensor.zeros(b.shape, floatType(b)).data) : null;
      denseBackward({ N, I, O, x: x.data, w: w.data, dy: y.grad.data, dx: dx ? dx.data : null, dw, db });
      if (dx) accumulateTensor(x, dx);
    });
  return y;
}

/** y = f(x) elementwise (softmax: over the last axis). */
export function activation(kind: Activation, x: Var): Var {
  if (kind === 'linear') return x;
  const C = x.shape[x.shape.length - 1]!;
  const N = x.value.size / C;
  const y = newVar(x.shape, needsGrad(x), floatType(x));
  activationForward({ kind, N, C, x: x.data, y: y.data });
  y.mask = x.mask;
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const dx = Tensor.temp(x.shape, floatType(x));
      activationBackward({ kind, N, C, x: x.data, y: y.data, dy: y.grad.data, dx: dx.data });
      accumulateTensor(x, dx);
    });
  return y;
}

/**
 * Looks up rows of `table` (V, E) for integer ids (..., ) → (..., E). `paddingIdx` rows get no
 * gradient. The ids must be validated by the caller.
 */
export function embedding(ids: Int32Array, idsShape: readonly number[], table: Var, paddingIdx: number | null): Var {
  const [V, E] = table.shape as [number, number];
  const N = ids.length;
  const y = newVar([...idsShape, E], needsGrad(table), floatType(table));
  embeddingForward({ N, V, E, ids, table: table.data, y: y.data });
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      embeddingBackward({ N, V, E, ids, dy: y.grad.data, dtable: gradOf(table), paddingIdx });
    });
  return y;
}

/** Inverted dropout with an independent mask per element: y = x ⊙ m, m ∈ {0, 1/(1−p)}. */
export function dropout(x: Var, p: number, rng: Rng): Var {
  if (p <= 0) return x;
  const dt = floatType(x);
  const mask = Tensor.temp(x.shape, dt);
  dropoutMask(rng, p, mask.data);
  const y = newVar(x.shape, needsGrad(x), dt);
  dropoutApply(x.data, mask.data, y.data);
  y.mask = x.mask;
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const dx = Tensor.temp(x.shape, dt);
      dropoutBackward(y.grad.data, mask.data, dx.data);
      accumulateTensor(x, dx);
    });
  return y;
}

/** Variational dropout for sequences: one (B, I) mask shared by every step of x (B, T, I). */
export function dropoutSequence(x: Var, p: number, rng: Rng): Var {
  if (p <= 0) return x;
  const [B, , I] = x.shape as [number, number, number];
  const mask = Tensor.temp([B, I], floatType(x));
  dropoutMask(rng, p, mask.data);
  return dropoutSequenceWithMask(x, mask);
}

/**
 * `dropoutSequence` with a given (B, I) mask (already scaled, e.g. 0 or 1/(1−p)):
 * y[b, t, i] = x[b, t, i]·mask[b, i]. Keeps x's time mask. Lets tests fix the mask.
 */
export function dropoutSequenceWithMask(x: Var, mask: Tensor): Var {
  const [B, T, I] = x.shape as [number, number, number];
  const dt = floatType(x);
  const y = newVar(x.shape, needsGrad(x), dt);
  dropoutTimeFixed({ B, T, I, x: x.data, mask: mask.data, y: y.data });
  y.mask = x.mask;
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const dx = Tensor.temp(x.shape, dt);
      dropoutTimeFixedBackward({ B, T, I, dy: y.grad.data, mask: mask.data, dx: dx.data });
      accumulateTensor(x, dx);
    });
  return y;
}
