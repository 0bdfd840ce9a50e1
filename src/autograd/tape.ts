import { Tensor, fmtShape } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/tensor.js';

/**
 * Define-by-run reverse-mode autodiff over coarse ops (DESIGN.md §6).
 *
 * A `Var` is a value tensor plus an optional gradient. Ops run their forward kernel at once and,
 * when any input needs a gradient and recording is on, push a closure that runs the backward
 * kernel. `backward(loss)` replays the closures in reverse. A whole recurrent sequence is one op,
 * so a training step records a handful of closures, not one per time step.
 *
 * Gradient buffers of intermediate values live in the per-step arena; parameters own persistent
 * gradient tensors that accumulate until the optimizer zeroes them.
 */
export class Var {
  /** Gradient, same shape as `value`; null until some op contributes to it. */
  grad: Tensor | null = null;
  /**
   * Optional time-step mask (B, T), 1 = real step, carried along a sequence so recurrent layers,
   * pooling and losses skip padding (Keras-style mask propagation).
   */
  mask: Uint8Array | null = null;

  constructor(
    public value: Tensor,
    public requiresGrad: boolean,
  ) {}

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get data(): FloatArray {
    return this.value.data;
  }
}

type Backward = () => void;

class Tape {
  private entries: Backward[] = [];
  /** Recording is on only inside `recording()` (training steps). */
  enabled = false;

  push(fn: Backward): void {
    if (this.enabled) this.entries.push(fn);
  }

  clear(): void {
    this.entries.length = 0;
  }

  run(): void {
    for (let i = this.entries.length - 1; i >= 0; i--) this.entries[i]!();
    this.entries.length = 0;
  }
}

export const tape = new Tape();

/** True if the op's output must record a backward closure. */
export function needsGrad(...inputs: (Var | null | undefined)[]): boolean {
  if (!tape.enabled) return false;
  for (const v of inputs) if (v && v.requiresGrad) return true;
  return false;
}

/** Runs `fn` with recording on; the tape is cleared if `fn` throws. */
export function recording<R>(fn: () => R): R {
  const prev = tape.enabled;
  tape.enabled = true;
  try {
    return fn();
  } catch (e) {
    tape.clear();
    throw e;
  } finally {
    tape.enabled = prev;
  }
}

/**
 * Backpropagates from a scalar `loss` (seeded with `dloss`, default 1) through every op recorded
 * since the last `backward`, leaving gradients in each `Var.grad` (parameters accumulate).
 */
export function backward(loss: Var, dloss = 1): void {
  if (loss.value.size !== 1) throw new Error(`backward: expected a scalar loss, got shape ${fmtShape(loss.shape)}`);
  if (!loss.grad) loss.grad = Tensor.zeros(loss.shape, loss.value.dtype);
  loss.grad.data[0]! += dloss;
  tape.run();
}

/**
 * Backpropagates from several outputs at once, seeding dL/d`outputs[k]` = `grads[k]` (added to
 * any gradient already there), then replays the tape like `backward`. Equivalent to
 * `backward(Σ_k sum(outputs[k] ⊙ grads[k]))` without building that sum; used for vector-Jacobian
 * products (e.g. checking a layer against PyTorch's `torch.autograd.backward(outputs, grads)`).
 */
export function backwardFrom(outputs: readonly Var[], grads: readonly Tensor[]): void {
  if (outputs.length !== grads.length) throw new Error(`backwardFrom: ${outputs.length} outputs but ${grads.length} gradients`);
  outputs.forEach((v, k) => {
    const g = grads[k]!;
    if (g.size !== v.value.size) throw new Error(`backwardFrom: gradient ${k} has shape ${fmtShape(g.shape)}, output has ${fmtShape(v.shape)}`);
  });
  outputs.forEach((v, k) => {
    const d = gradOf(v);
    const s = grads[k]!.data;
    for (let i = 0; i < d.length; i++) d[i]! += s[i]!;
  });
  tape.run();
}

/** The gradient of `v`, zero-filled on first use (parameters already own one). */
export function gradOf(v: Var): FloatArray {
  if (!v.grad) v.grad = Tensor.zeros(v.shape, v.value.dtype);
  return v.grad.data;
}

/**
 * Adds an input gradient that a kernel writes with `=` semantics: the first contribution is written
 * straight into a fresh buffer; later ones go to a temporary and are summed in.
 */
export function accumulate(v: Var, write: (dst: FloatArray) => void): void {
  if (!v.requiresGrad) return;
  if (!v.grad) {
    v.grad = Tensor.temp(v.shape, v.value.dtype);
    write(v.grad.data);
    return;
  }
  const tmp = Tensor.temp(v.shape, v.value.dtype);
  const t = tmp.data;
  write(t);
  const g = v.grad.data;
  for (let i = 0; i < g.length; i++) g[i]! += t[i]!;
}

/** Adds a whole gradient tensor into `v.grad` (taking ownership of `t` when `v` has none yet). */
export function accumulateTensor(v: Var, t: Tensor): void {
  if (!v.requiresGrad) return;
  if (!v.grad) {
    v.grad = t;
    return;
  }
  const g = v.grad.data;
  const s = t.data;
  for (let i = 0; i < g.length; i++) g[i]! += s[i]!;
}

/** A new intermediate value of the given shape in the arena. */
export function newVar(shape: readonly number[], requiresGrad: boolean, dtype: 'float32' | 'float64' = 'float32'): Var {
  return new Var(Tensor.temp(shape, dtype), requiresGrad);
}

/** A constant (no gradient) holding a copy of `values`. */
export function constant(values: ArrayLike<number>, shape: readonly number[], dtype: 'float32' | 'float64' = 'float32'): Var {
  return new Var(Tensor.from(values, shape, dtype), false);
}
