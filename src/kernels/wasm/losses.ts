/**
 * Softmax cross-entropy in wasm (csrc/losses.c): same arguments and results as
 * `softmaxCrossEntropyForward/Backward` of `ref/losses.ts`. The kernel does the O(N·C) work
 * (softmax, per-row max, Σ exp, Σ w·z); the O(N) row losses and the reduction run here in double
 * precision, as in the reference. The backward is bit-identical to the reference; the forward's
 * probabilities and loss agree to float32 rounding. Each `tryWasm*` returns null / false (nothing
 * written) when an array is not a Float32Array view on the heap; targets that are not on the heap
 * are copied into the workspace. Given `NATIVE_KERNELS`, they run the native add-on's build of the C.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { heap } from '../../tensor/tensor.js';
import {
  DEFAULT_IGNORE_INDEX,
  type SoftmaxCrossEntropyBackwardArgs,
  type SoftmaxCrossEntropyForwardArgs,
  type SoftmaxCrossEntropyResult,
} from '../ref/losses.js';
import { type KernelSet, WASM_KERNELS, f32Addr, intAddr } from './backend.js';

export function tryWasmSoftmaxCrossEntropyForward<A extends FloatArray>(
  args: SoftmaxCrossEntropyForwardArgs<A>,
  ks: KernelSet = WASM_KERNELS,
): SoftmaxCrossEntropyResult | null {
  const k = ks.kernels();
  if (k === null) return null;
  const { N, C, targets, classWeights, labelSmoothing: eps } = args;
  const ignoreIndex = args.ignoreIndex ?? DEFAULT_IGNORE_INDEX;
  const reduction = args.reduction ?? 'mean';
  const losses = args.losses ?? null;
  if (targets.length < N || C <= 0) return null;
  const z = f32Addr(args.logits, N * C);
  const probs = f32Addr(args.probs, N * C);
  const w = f32Addr(classWeights, C);
  if (z <= 0 || probs <= 0 || w < 0) return null;
  if (losses !== null && !(losses instanceof Float32Array || losses instanceof Float64Array)) return null;
  let W = C;
  if (classWeights !== null && eps !== 0) {
    W = 0;
    for (let c = 0; c < C; c++) W += classWeights[c]!;
  }
  const lossesAddr = losses instanceof Float32Array ? f32Addr(losses, N) : -1;
  const targetsAddr = intAddr(targets, N);
  const stats = ks.workspace(N * 24);
  k.softmax_xent_rows(N, C, z, probs, w, eps !== 0 ? 1 : 0, stats);
  // Views taken after the workspace: growing a non-shared heap detaches the earlier ones.
  const st = new Float64Array(heap.buffer, stats, 3 * N);
  const logits = new Float32Array(heap.buffer, z, N * C);
  const cw = w > 0 ? new Float32Array(heap.buffer, w, C) : classWeights;
  const out = lossesAddr > 0 ? new Float32Array(heap.buffer, lossesAddr, N) : losses;
  const ys = targetsAddr > 0 ? new Int32Array(heap.buffer, targetsAddr, N) : targets;
  let total = 0;
  let weightSum = 0;
  for (let i = 0; i < N; i++) {
    const y = ys[i]!;
    if (y === ignoreIndex) {
      if (out !== null) out[i] = 0;
      continue;
    }
    const lse = st[3 * i]! + Math.log(st[3 * i + 1]!);
    const wy = cw === null ? 1 : cw[y]!;
    let row = (1 - eps) * wy * (lse - logits[i * C + y]!);
    // Σ_c w[c]·(lse − z[c]) = lse·Σ w − Σ w·z
    if (eps !== 0) row += (eps / C) * (lse * W - st[3 * i + 2]!);
    if (out !== null) out[i] = row;
    total += row;
    weightSum += wy;
  }
  const loss = reduction === 'mean' ? total / weightSum : total;
  return { loss, weightSum };
}

export function tryWasmSoftmaxCrossEntropyBackward<A extends FloatArray>(args: SoftmaxCrossEntropyBackwardArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { N, C, targets, classWeights, labelSmoothing: eps, dloss } = args;
  const ignoreIndex = args.ignoreIndex ?? DEFAULT_IGNORE_INDEX;
  const reduction = args.reduction ?? 'mean';
  if (targets.length < N) return false;
  const probs = f32Addr(args.probs, N * C);
  const dz = f32Addr(args.dlogits, N * C);
  const w = f32Addr(classWeights, C);
  const dl = reduction === 'none' ? f32Addr(args.dlosses, N) : 0;
  if (probs <= 0 || dz <= 0 || w < 0 || dl < 0 || (reduction === 'none' && dl === 0)) return false;
  // As ref/losses.ts computes them.
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
  const g = reduction === 'mean' ? dloss / weightSum : dloss;
  let tg = intAddr(targets, N);
  if (tg < 0) {
    tg = ks.workspace(N * 4);
    new Int32Array(heap.buffer, tg, N).set(targets.subarray(0, N));
  }
  k.softmax_xent_backward(N, C, tg, ignoreIndex, w, eps, W, g, dl, probs, dz);
  return true;
}
