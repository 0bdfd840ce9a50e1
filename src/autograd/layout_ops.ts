import { Tensor } from '../tensor/tensor.js';
import { concatLastBackward, concatLastForward, mergeBackward, mergeForward, reverseMask, reverseTime } from '../kernels/ref/layout.js';
import type { MergeOp } from '../kernels/ref/layout.js';
import { Var, accumulateTensor, needsGrad, newVar, tape } from './tape.js';

function floatType(v: Var): 'float32' | 'float64' {
  return v.value.dtype === 'float64' ? 'float64' : 'float32';
}

/** Concatenates along the last axis; all other dimensions must agree. Keeps the first input's mask. */
export function concatLast(xs: readonly Var[]): Var {
  const lead = xs[0]!.shape.slice(0, -1);
  const widths = xs.map((x) => x.shape[x.shape.length - 1]!);
  const N = xs[0]!.value.size / widths[0]!;
  const total = widths.reduce((a, b) => a + b, 0);
  const y = newVar([...lead, total], needsGrad(...xs), floatType(xs[0]!));
  concatLastForward(N, xs.map((x) => x.data), widths, y.data);
  y.mask = xs[0]!.mask;
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const dxs = xs.map((x) => (x.requiresGrad ? Tensor.temp(x.shape, floatType(x)) : null));
      concatLastBackward(N, widths, y.grad.data, dxs.map((d) => (d ? d.data : null)));
      xs.forEach((x, k) => {
        if (dxs[k]) accumulateTensor(x, dxs[k]!);
      });
    });
  return y;
}

/** Flips a (B, T, F) sequence in time (and its mask). */
export function flipTime(x: Var): Var {
  const [B, T, F] = x.shape as [number, number, number];
  const y = newVar(x.shape, needsGrad(x), floatType(x));
  reverseTime(B, T, F, x.data, y.data);
  if (x.mask) y.mask = reverseMask(B, T, x.mask);
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const dx = Tensor.temp(x.shape, floatType(x));
      reverseTime(B, T, F, y.grad.data, dx.data);
      accumulateTensor(x, dx);
    });
  return y;
}

/** sum / mul / ave of two same-shaped values. */
export function merge(op: MergeOp, a: Var, b: Var): Var {
  const n = a.value.size;
  const y = newVar(a.shape, needsGrad(a, b), floatType(a));
  mergeForward(op, n, a.data, b.data, y.data);
  y.mask = a.mask;
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const da = a.requiresGrad ? Tensor.temp(a.shape, floatType(a)) : null;
      const db = b.requiresGrad ? Tensor.temp(b.shape, floatType(b)) : null;
      mergeBackward(op, n, a.data, b.data, y.grad.data, da ? da.data : null, db ? db.data : null);
      if (da) accumulateTensor(a, da);
      if (db) accumulateTensor(b, db);
    });
  return y;
}

/** Stacks k values of shape (B, H) along a new second axis: → (B, k, H) (batch stays first). */
export function stack(xs: readonly Var[]): Var {
  const [B, H] = xs[0]!.shape as [number, number];
  const K = xs.length;
  const y = newVar([B, K, H], needsGrad(...xs), floatType(xs[0]!));
  const yd = y.data;
  xs.forEach((x, k) => {
    const xd = x.data;
    for (let b = 0; b < B; b++) yd.set(xd.subarray(b * H, (b + 1) * H), (b * K + k) * H);
  });
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const g = y.grad.data;
      xs.forEach((x, k) => {
        if (!x.requiresGrad) return;
        const dx = Tensor.temp([B, H], floatType(x));
        const d = dx.data;
        for (let b = 0; b < B; b++) d.set(g.subarray((b * K + k) * H, (b * K + k + 1) * H), b * H);
        accumulateTensor(x, dx);
      });
    });
  return y;
}

/** Entry k along the second axis of a (B, K, H) value, as a (B, H) value. */
export function unstackAt(x: Var, k: number): Var {
  const [B, K, H] = x.shape as [number, number, number];
  const y = newVar([B, H], needsGrad(x), floatType(x));
  const yd = y.data;
  const xd = x.data;
  for (let b = 0; b < B; b++) yd.set(xd.subarray((b * K + k) * H, (b * K + k + 1) * H), b * H);
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      const dx = Tensor.zeros(x.shape, floatType(x));
      const d = dx.data;
      const g = y.grad.data;
      for (let b = 0; b < B; b++) d.set(g.subarray(b * H, (b + 1) * H), (b * K + k) * H);
      accumulateTensor(x, dx);
    });
  return y;
}

/** Same data, new shape (element count unchanged); gradients flow through. */
export function reshape(x: Var, shape: readonly number[]): Var {
  const y = new Var(x.value.reshape(shape), needsGrad(x));
  if (y.requiresGrad)
    tape.push(() => {
      if (!y.grad) return;
      accumulateTensor(x, y.grad.reshape(x.shape));
    });
  return y;
}
