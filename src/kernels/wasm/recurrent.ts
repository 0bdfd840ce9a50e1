/**
 * The fused recurrent sequence kernels in wasm (csrc/recurrent.c): same arguments and semantics as
 * `ref/rnn.ts`, `ref/lstm.ts`, `ref/gru.ts`, and the same cache and work layouts, so a forward on one
 * backend and the backward on the other agree. Each `tryWasm*` runs the kernel when every float
 * array is a Float32Array view on the heap long enough for its shape, and returns false otherwise
 * (nothing written; the caller runs the reference). A mask that is not on the heap is copied into
 * the workspace. Given `NATIVE_KERNELS` (native/backend.ts) they run the native add-on's build of
 * the same C, which splits a large call across its own threads (native/recurrent.c) into the same
 * parts the wasm workers run here.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { heap } from '../../tensor/tensor.js';
import type { GruBackwardArgs, GruForwardArgs } from '../ref/gru.js';
import type { LstmBackwardArgs, LstmForwardArgs } from '../ref/lstm.js';
import type { RnnBackwardArgs, RnnForwardArgs } from '../ref/rnn.js';
import { gemmParts } from '../threads/gemm.js';
import { type PartFunction, partsFor, runParts } from '../threads/pool.js';
import { type CoreKernels, type KernelExports, type KernelSet, WASM_KERNELS, f32Addr, intAddr } from './backend.js';

const CELL_RNN = 0;
const CELL_LSTM = 1;
const CELL_GRU = 2;

/** True when every address is usable (≥ 0: an array on the heap, or 0 for null). */
function allOk(addrs: readonly number[]): boolean {
  for (const a of addrs) if (a < 0) return false;
  return true;
}

/**
 * Work (flops) below which a part of a recurrent kernel is not worth a thread (bench/threads.mjs).
 * Parts are ranges of batch rows, multiples of 4 (the GEMM micro-kernel's rows), so B < 8 runs on
 * one thread.
 */
export const RECURRENT_MIN_FLOPS_PER_PART = 1 << 20;

/** Parts for a batch of B rows and `flops` of work (1 = run the one-thread kernel; always for native, which splits inside the add-on). */
function batchParts(ks: KernelSet, B: number, flops: number): number {
  if (ks !== WASM_KERNELS) return 1;
  return partsFor(Math.min(B / 4, flops / RECURRENT_MIN_FLOPS_PER_PART));
}

/** Parts for the weight gradients over G gate rows (ranges of 8 rows). */
function gateParts(ks: KernelSet, G: number, flops: number): number {
  if (ks !== WASM_KERNELS) return 1;
  return partsFor(Math.min(G / 8, flops / RECURRENT_MIN_FLOPS_PER_PART));
}

type Parts = Record<PartFunction, (part: number, nparts: number, ws: number, ...args: number[]) => void>;

/**
 * Parts of one time step of an LSTM split by hidden units (csrc/recurrent.c lstm_step_split_ok:
 * H ≥ 512, a multiple of the GEMM's 8 columns) for small batches, fewer than 8 rows per thread; 1
 * otherwise: the batch split then runs. Measured (LSTM forward + backward, T 32, I 512, H 1024,
 * 1 → 2 threads, interleaved medians, relaxed-SIMD): B 1 ×1.12 by batch rows, ×1.66 by units;
 * B 8 ×1.55 / ×1.57; B 16 ×2.02 / ×2.00 (native: B 64 ×1.95 / ×1.68). Ranges of 8 hidden units; the
 * step's GEMM is 2·B·4H·H flops.
 */
function stepParts(ks: KernelSet, k: KernelExports, B: number, H: number): number {
  if (ks !== WASM_KERNELS || k.lstm_step_split_ok(H) === 0) return 1;
  const np = partsFor(Math.min(H / 8, (8 * B * H * H) / RECURRENT_MIN_FLOPS_PER_PART));
  return B < 8 * np ? np : 1;
}

/** sgemm on heap byte addresses, split across the pool when worth it (threads/gemm.ts), else on this thread; `ws` ≥ sgemm_scratch_bytes(). */
function poolSgemm(k: KernelExports, ws: number, tA: number, tB: number, M: number, N: number, K: number, alpha: number, a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void {
  const args = [tA, tB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc] as const;
  if (!runParts('sgemm_part', gemmParts(M, N, K), ws, k.sgemm_scratch_bytes(), args)) k.sgemm(...args, ws);
}

/** Runs `fn` in `np` parts on the pool, or as its single part on this thread. */
function runOrCall(k: CoreKernels, fn: PartFunction, np: number, ws: number, bytes: number, args: number[]): void {
  if (!runParts(fn, np, ws, bytes, args)) (k as unknown as Parts)[fn](0, 1, ws, ...args);
}

/**
 * The workspace for `kernelBytes` plus, when the mask is not on the heap, a copy of it behind;
 * returns [ws, maskAddr]. Called after every other address was taken (it may grow the heap).
 */
function workspaceWithMask(ks: KernelSet, kernelBytes: number, mask: Uint8Array | null, n: number): [number, number] {
  if (mask === null) return [ks.workspace(kernelBytes), 0];
  const onHeap = intAddr(mask, n);
  if (onHeap >= 0) return [ks.workspace(kernelBytes), onHeap];
  const ws = ks.workspace(kernelBytes + n);
  heap.u8.set(mask.subarray(0, n), ws + kernelBytes);
  return [ws, ws + kernelBytes];
}

export function tryWasmRnnForward<A extends FloatArray>(a: RnnForwardArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { B, T, I, H } = a;
  if (a.mask !== null && a.mask.length < B * T) return false;
  const p = [
    f32Addr(a.x, B * T * I), f32Addr(a.wih, H * I), f32Addr(a.whh, H * H), f32Addr(a.bih, H), f32Addr(a.bhh, H),
    f32Addr(a.h0, B * H), f32Addr(a.hMask, B * H), f32Addr(a.y, B * T * H), f32Addr(a.hT, B * H),
    f32Addr(a.cache, 2 * B * T * H),
  ] as const;
  if (!allOk(p) || p[0] === 0 || p[7] === 0 || p[9] === 0) return false;
  const bytes = k.recurrent_work_bytes(CELL_RNN, H);
  const [ws, mask] = workspaceWithMask(ks, bytes, a.mask, B * T);
  const args = [B, T, I, H, a.activation === 'relu' ? 1 : 0, p[0], p[1], p[2], p[3], p[4], p[5], mask, a.reverse ? 1 : 0, p[6], p[7], p[8], p[9]] as const;
  if (!runParts('rnn_forward_part', batchParts(ks, B, 2 * B * T * H * (I + H)), ws, bytes, args)) k.rnn_forward(...args, ws);
  return true;
}

export function tryWasmRnnBackward<A extends FloatArray>(a: RnnBackwardArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { B, T, I, H } = a;
  if (a.mask !== null && a.mask.length < B * T) return false;
  const p = [
    f32Addr(a.x, B * T * I), f32Addr(a.wih, H * I), f32Addr(a.whh, H * H), f32Addr(a.hMask, B * H),
    f32Addr(a.cache, 2 * B * T * H), f32Addr(a.dy, B * T * H), f32Addr(a.dhT, B * H), f32Addr(a.dx, B * T * I),
    f32Addr(a.dh0, B * H), f32Addr(a.dwih, H * I), f32Addr(a.dwhh, H * H), f32Addr(a.dbih, H), f32Addr(a.dbhh, H),
    f32Addr(a.work, B * T * H + 2 * B * H),
  ] as const;
  if (!allOk(p) || p[4] === 0 || p[9] === 0 || p[10] === 0 || p[13] === 0) return false;
  const bytes = k.recurrent_work_bytes(CELL_RNN, H);
  const [ws, mask] = workspaceWithMask(ks, bytes, a.mask, B * T);
  const args = [B, T, I, H, a.activation === 'relu' ? 1 : 0, p[0], p[1], p[2], mask, a.reverse ? 1 : 0, p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]] as const;
  const flops = 2 * B * T * H * (I + H);
  const np1 = batchParts(ks, B, 2 * flops);
  const np2 = gateParts(ks, H, flops);
  if (np1 < 2 && np2 < 2) k.rnn_backward(...args, ws);
  else {
    runOrCall(k, 'rnn_backward_rows_part', np1, ws, bytes, [...args]);
    runOrCall(k, 'rnn_backward_grads_part', np2, ws, bytes, [...args]);
  }
  return true;
}

export function tryWasmLstmForward<A extends FloatArray>(a: LstmForwardArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { B, T, I, H } = a;
  const G = 4 * H;
  if (a.mask !== null && a.mask.length < B * T) return false;
  const p = [
    f32Addr(a.x, B * T * I), f32Addr(a.wih, G * I), f32Addr(a.whh, G * H), f32Addr(a.bih, G), f32Addr(a.bhh, G),
    f32Addr(a.h0, B * H), f32Addr(a.c0, B * H), f32Addr(a.hMask, B * H), f32Addr(a.y, B * T * H),
    f32Addr(a.hT, B * H), f32Addr(a.cT, B * H), f32Addr(a.cache, 6 * B * T * H),
  ] as const;
  if (!allOk(p) || p[0] === 0 || p[8] === 0 || p[11] === 0) return false;
  const bytes = k.recurrent_work_bytes(CELL_LSTM, H);
  const [ws, mask] = workspaceWithMask(ks, bytes, a.mask, B * T);
  const args = [B, T, I, H, p[0], p[1], p[2], p[3], p[4], p[5], p[6], mask, a.reverse ? 1 : 0, p[7], p[8], p[9], p[10], p[11]] as const;
  const np = stepParts(ks, k as KernelExports, B, H);
  if (np >= 2) {
    // Split by hidden units, one job per step (csrc/recurrent.c): the projection first (its
    // scratch overlaps the packed weights the prep writes), then the steps in order.
    const kw = k as KernelExports;
    poolSgemm(kw, ws, 0, 1, B * T, G, I, 1, p[0], I, p[1], I, 0, p[11], G);
    kw.lstm_forward_prep(B, T, H, p[2], p[3], p[4], p[5], p[6], p[7], p[9], p[10], p[11], a.reverse ? 1 : 0, ws);
    const step = [0, B, T, H, mask, a.reverse ? 1 : 0, p[7], p[8], p[9], p[10], p[11], ws];
    for (let s = 0; s < T; s++) {
      step[0] = s;
      runOrCall(k, 'lstm_forward_step_part', np, ws, kw.sgemm_scratch_bytes(), step);
    }
  } else if (!runParts('lstm_forward_part', batchParts(ks, B, 2 * B * T * G * (I + H)), ws, bytes, args)) k.lstm_forward(...args, ws);
  return true;
}

export function tryWasmLstmBackward<A extends FloatArray>(a: LstmBackwardArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { B, T, I, H } = a;
  const G = 4 * H;
  if (a.mask !== null && a.mask.length < B * T) return false;
  const p = [
    f32Addr(a.x, B * T * I), f32Addr(a.wih, G * I), f32Addr(a.whh, G * H), f32Addr(a.hMask, B * H),
    f32Addr(a.cache, 6 * B * T * H), f32Addr(a.dy, B * T * H), f32Addr(a.dhT, B * H), f32Addr(a.dcT, B * H),
    f32Addr(a.dx, B * T * I), f32Addr(a.dh0, B * H), f32Addr(a.dc0, B * H), f32Addr(a.dwih, G * I),
    f32Addr(a.dwhh, G * H), f32Addr(a.dbih, G), f32Addr(a.dbhh, G), f32Addr(a.work, 4 * B * T * H + 3 * B * H),
  ] as const;
  if (!allOk(p) || p[4] === 0 || p[11] === 0 || p[12] === 0 || p[15] === 0) return false;
  const bytes = k.recurrent_work_bytes(CELL_LSTM, H);
  const [ws, mask] = workspaceWithMask(ks, bytes, a.mask, B * T);
  const args = [B, T, I, H, p[0], p[1], p[2], mask, a.reverse ? 1 : 0, p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]] as const;
  const flops = 2 * B * T * G * (I + H);
  const np = stepParts(ks, k as KernelExports, B, H);
  if (np >= 2) {
    // Split by hidden units, one job per step, then dX and the gradients as split GEMMs.
    const kw = k as KernelExports;
    kw.lstm_backward_prep(B, T, H, p[2], p[6], p[7], p[15], ws);
    const step = [0, B, T, H, mask, a.reverse ? 1 : 0, p[3], p[4], p[5], p[15], ws];
    for (let s = T - 1; s >= -1; s--) {
      step[0] = s;
      runOrCall(k, 'lstm_backward_step_part', np, ws, kw.sgemm_scratch_bytes(), step);
    }
    kw.lstm_backward_finish(B, T, H, p[9], p[10], p[15]);
    if (p[8] !== 0) poolSgemm(kw, ws, 0, 0, B * T, I, G, 1, p[15], G, p[1], I, 0, p[8], I);
    runOrCall(k, 'lstm_backward_grads_part', gateParts(ks, G, flops), ws, bytes, [...args]);
    return true;
  }
  const np1 = batchParts(ks, B, 2 * flops);
  const np2 = gateParts(ks, G, flops);
  if (np1 < 2 && np2 < 2) k.lstm_backward(...args, ws);
  else {
    runOrCall(k, 'lstm_backward_rows_part', np1, ws, bytes, [...args]);
    runOrCall(k, 'lstm_backward_grads_part', np2, ws, bytes, [...args]);
  }
  return true;
}

export function tryWasmGruForward<A extends FloatArray>(a: GruForwardArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { B, T, I, H } = a;
  const G = 3 * H;
  if (a.mask !== null && a.mask.length < B * T) return false;
  const p = [
    f32Addr(a.x, B * T * I), f32Addr(a.wih, G * I), f32Addr(a.whh, G * H), f32Addr(a.bih, G), f32Addr(a.bhh, G),
    f32Addr(a.h0, B * H), f32Addr(a.hMask, B * H), f32Addr(a.y, B * T * H), f32Addr(a.hT, B * H),
    f32Addr(a.cache, 6 * B * T * H),
  ] as const;
  if (!allOk(p) || p[0] === 0 || p[7] === 0 || p[9] === 0) return false;
  const bytes = k.recurrent_work_bytes(CELL_GRU, H);
  const [ws, mask] = workspaceWithMask(ks, bytes, a.mask, B * T);
  const args = [B, T, I, H, a.resetAfter ? 1 : 0, p[0], p[1], p[2], p[3], p[4], p[5], mask, a.reverse ? 1 : 0, p[6], p[7], p[8], p[9]] as const;
  if (!runParts('gru_forward_part', batchParts(ks, B, 2 * B * T * G * (I + H)), ws, bytes, args)) k.gru_forward(...args, ws);
  return true;
}

export function tryWasmGruBackward<A extends FloatArray>(a: GruBackwardArgs<A>, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { B, T, I, H } = a;
  const G = 3 * H;
  if (a.mask !== null && a.mask.length < B * T) return false;
  const p = [
    f32Addr(a.x, B * T * I), f32Addr(a.wih, G * I), f32Addr(a.whh, G * H), f32Addr(a.hMask, B * H),
    f32Addr(a.cache, 6 * B * T * H), f32Addr(a.dy, B * T * H), f32Addr(a.dhT, B * H), f32Addr(a.dx, B * T * I),
    f32Addr(a.dh0, B * H), f32Addr(a.dwih, G * I), f32Addr(a.dwhh, G * H), f32Addr(a.dbih, G), f32Addr(a.dbhh, G),
    f32Addr(a.work, 4 * B * T * H + 2 * B * H),
  ] as const;
  if (!allOk(p) || p[4] === 0 || p[9] === 0 || p[10] === 0 || p[13] === 0) return false;
  const bytes = k.recurrent_work_bytes(CELL_GRU, H);
  const [ws, mask] = workspaceWithMask(ks, bytes, a.mask, B * T);
  const args = [B, T, I, H, a.resetAfter ? 1 : 0, p[0], p[1], p[2], mask, a.reverse ? 1 : 0, p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]] as const;
  const flops = 2 * B * T * G * (I + H);
  const np1 = batchParts(ks, B, 2 * flops);
  const np2 = gateParts(ks, G, flops);
  if (np1 < 2 && np2 < 2) k.gru_backward(...args, ws);
  else {
    runOrCall(k, 'gru_backward_rows_part', np1, ws, bytes, [...args]);
    runOrCall(k, 'gru_backward_grads_part', np2, ws, bytes, [...args]);
  }
  return true;
}
