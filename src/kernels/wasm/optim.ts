/**
 * Optimizer updates in wasm (csrc/optim.c): same arguments as `ref/optim.ts` and bit-identical
 * results for Float32 arrays (double-precision arithmetic, one rounding per stored value, the
 * step-dependent scalars computed here exactly as the reference computes them). Each `tryWasm*`
 * returns false (nothing written) when an array is not a Float32Array view on the heap. They run the
 * wasm module, or the native add-on's build of the same C when given `NATIVE_KERNELS`.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import type { AdagradStepArgs, AdamStepArgs, RmspropStepArgs, SgdStepArgs } from '../ref/optim.js';
import { partsFor, runParts } from '../threads/pool.js';
import { type KernelSet, WASM_KERNELS, f32Addr } from './backend.js';

export function tryWasmSgdStep<A extends FloatArray>(a: SgdStepArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { n } = a;
  const p = f32Addr(a.p, n);
  const g = f32Addr(a.g, n);
  const buf = a.momentum !== 0 ? f32Addr(a.buf, n) : 0;
  if (p <= 0 || g <= 0 || buf < 0 || (a.momentum !== 0 && buf === 0)) return false;
  k.sgd_step(n, p, g, buf, a.lr, a.momentum, a.dampening, a.weightDecay, a.nesterov ? 1 : 0, a.maximize ? 1 : 0, a.firstStep ? 1 : 0);
  return true;
}

export function tryWasmAdamStep<A extends FloatArray>(a: AdamStepArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { n } = a;
  const p = f32Addr(a.p, n);
  const g = f32Addr(a.g, n);
  const m = f32Addr(a.m, n);
  const v = f32Addr(a.v, n);
  const vmax = a.amsgrad ? f32Addr(a.vmax, n) : 0;
  if (p <= 0 || g <= 0 || m <= 0 || v <= 0 || vmax < 0 || (a.amsgrad && vmax === 0)) return false;
  // As ref/optim.ts computes them.
  const biasCorrection1 = 1 - a.beta1 ** a.step;
  const biasCorrection2 = 1 - a.beta2 ** a.step;
  const stepSize = a.lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
  const decay = 1 - a.lr * a.weightDecay;
  const args = [n, p, g, m, v, vmax, stepSize, biasCorrection2Sqrt, a.beta1, a.beta2, a.eps, a.weightDecay, decay, a.amsgrad ? 1 : 0, a.decoupled ? 1 : 0, a.maximize ? 1 : 0] as const;
  // Large tensors split across the worker threads (csrc/optim.c adam_step_part: ranges of ≥ 16K
  // elements, ≈ 30 flops each in double precision; the same bits). The native add-on splits inside.
  const np = ks === WASM_KERNELS ? partsFor(Math.min(n / 16384, (32 * n) / (1 << 20))) : 1;
  if (!runParts('adam_step_part', np, 0, 0, args)) k.adam_step(...args);
  return true;
}

export function tryWasmRmspropStep<A extends FloatArray>(a: RmspropStepArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { n } = a;
  const p = f32Addr(a.p, n);
  const g = f32Addr(a.g, n);
  const sq = f32Addr(a.sq, n);
  const ga = a.centered ? f32Addr(a.gradAvg, n) : 0;
  const buf = a.momentum > 0 ? f32Addr(a.buf, n) : 0;
  if (p <= 0 || g <= 0 || sq <= 0 || ga < 0 || buf < 0 || (a.centered && ga === 0) || (a.momentum > 0 && buf === 0)) return false;
  k.rmsprop_step(n, p, g, sq, ga, buf, a.lr, a.alpha, a.eps, a.weightDecay, a.momentum, a.centered ? 1 : 0, a.maximize ? 1 : 0);
  return true;
}

export function tryWasmAdagradStep<A extends FloatArray>(a: AdagradStepArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { n } = a;
  const p = f32Addr(a.p, n);
  const g = f32Addr(a.g, n);
  const sum = f32Addr(a.sum, n);
  if (p <= 0 || g <= 0 || sum <= 0) return false;
  const clr = a.lr / (1 + (a.step - 1) * a.lrDecay);
  k.adagrad_step(n, p, g, sum, clr, a.weightDecay, a.eps, a.maximize ? 1 : 0);
  return true;
}
