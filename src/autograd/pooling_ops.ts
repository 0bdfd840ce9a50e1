import { Tensor } from '../tensor/tensor.js';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward } from '../kernels/ref/pooling.js';
import { Var, accumulateTensor, needsGrad, newVar, tape } from './tape.js';

function floatType(v: Var): 'float32' | 'float64' {
  return v.value.dtype === 'float64' ? 'float64' : 'float32';
}

/**
 * Max over the real steps of x (B, T, F) → (B, F), honouring `x.mask` (B, T); a row with no real
 * step gives 0. The gradient goes to the step each maximum came from.
 *
 * @example
 * const pooled = globalMaxPool(seq);   // seq (B, T, F), seq.mask from Embedding({ maskZero: true })
 */
export function globalMaxPool(x: Var): Var {
  const [B, T, F] = x.shape as [number, number, number];
  const argmaxT = Tensor.temp([B, F], 'int32');
  const y = newVar([B, F], needsGrad(x), floatType(x));
  const argmax = argmaxT.ints;
  maxPoolForward({ B, T, F, x: x.data, mask: x.mask, y: y.data, argmax });
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const dx = Tensor.temp(x.shape, floatType(x));
      maxPoolBackward({ B, T, F, argmax: argmaxT.ints, dy: y.grad.data, dx: dx.data });
      accumulateTensor(x, dx);
    });
  return y;
}

/**
 * Mean over the real steps of x (B, T, F) → (B, F), honouring `x.mask` (B, T); a row with no real
 * step gives 0.
 *
 * @example
 * const pooled = globalAvgPool(seq);
 */
export function globalAvgPool(x: Var): Var {
  const [B, T, F] = x.shape as [number, number, number];
  const mask = x.mask;
  const y = newVar([B, F], needsGrad(x), floatType(x));
  avgPoolForward({ B, T, F, x: x.data, mask, y: y.data });
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const dx = Tensor.temp(x.shape, floatType(x));
      avgPoolBackward({ B, T, F, mask, dy: y.grad.data, dx: dx.data });
      accumulateTensor(x, dx);
    });
  return y;
}
