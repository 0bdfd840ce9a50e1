/**
 * The fused recurrent sequence kernels in wasm (csrc/recurrent.c): same arguments and semantics as
 * `ref/rnn.ts`, `ref/lstm.ts`, `ref/gru.ts`, and the same cache and work layouts, so a forward on one
 * backend and the backward on the other agree. Each `tryWasm*` runs the kernel when every float
 * array is a Float32Array view on the heap long enough for its shape, and returns false otherwise
 * (nothing written; the caller runs the reference). A mask that is not on the heap is copied into
 * the workspace. Given `NATIVE_KERNELS` (native/backend.ts) they run the native add-on's build of
 * the same C, on one thread.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { heap } from '../../tensor/tensor.js';
import type { GruBackwardArgs, GruForwardArgs } from '../ref/gru.js';
import type { LstmBackwardArgs, LstmForwardArgs } from '../ref/lstm.js';
import type { RnnBackwardArgs, RnnForwardArgs } from '../ref/rnn.js';
import { type KernelSet, WASM_KERNELS, f32Addr, intAddr } from './backend.js';

const CELL_RNN = 0;
const CELL_LSTM = 1;
const CELL_GRU = 2;

/** True when every address is usable (≥ 0: an array on the heap, or 0 for null). */
function allOk(addrs: readonly number[]): boolean {
  for (const a of addrs) if (a < 0) return false;
  return true;
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
  const [ws, mask] = workspaceWithMask(ks, k.recurrent_work_bytes(CELL_RNN, H), a.mask, B * T);
  k.rnn_forward(B, T, I, H, a.activation === 'relu' ? 1 : 0, p[0], p[1], p[2], p[3], p[4], p[5], mask, a.reverse ? 1 : 0, p[6], p[7], p[8], p[9], ws);
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
  const [ws, mask] = workspaceWithMask(ks, k.recurrent_work_bytes(CELL_RNN, H), a.mask, B * T);
  k.rnn_backward(B, T, I, H, a.activation === 'relu' ? 1 : 0, p[0], p[1], p[2], mask, a.reverse ? 1 : 0, p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], ws);
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
  const [ws, mask] = workspaceWithMask(ks, k.recurrent_work_bytes(CELL_LSTM, H), a.mask, B * T);
  k.lstm_forward(B, T, I, H, p[0], p[1], p[2], p[3], p[4], p[5], p[6], mask, a.reverse ? 1 : 0, p[7], p[8], p[9], p[10], p[11], ws);
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
  const [ws, mask] = workspaceWithMask(ks, k.recurrent_work_bytes(CELL_LSTM, H), a.mask, B * T);
  k.lstm_backward(B, T, I, H, p[0], p[1], p[2], mask, a.reverse ? 1 : 0, p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15], ws);
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
  const [ws, mask] = workspaceWithMask(ks, k.recurrent_work_bytes(CELL_GRU, H), a.mask, B * T);
  k.gru_forward(B, T, I, H, a.resetAfter ? 1 : 0, p[0], p[1], p[2], p[3], p[4], p[5], mask, a.reverse ? 1 : 0, p[6], p[7], p[8], p[9], ws);
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
  const [ws, mask] = workspaceWithMask(ks, k.recurrent_work_bytes(CELL_GRU, H), a.mask, B * T);
  k.gru_backward(B, T, I, H, a.resetAfter ? 1 : 0, p[0], p[1], p[2], mask, a.reverse ? 1 : 0, p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], ws);
  return true;
}
