/**
 * The GEMM split across threads (pool.ts): `C = alpha · op(A) · op(B) + beta · C` as parts of
 * csrc/threads.c `sgemm_part` — ranges of C's columns when N ≥ M, else of its rows. Each element
 * of C is computed exactly as by the one-thread sgemm, so the result is the same bits.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { f32Addr, wasmKernels, wasmWorkspace } from '../wasm/backend.js';
import { partsFor, runParts } from './pool.js';

/**
 * Work (2·M·N·K flops) below which a part is not worth a thread; measured with bench/threads.mjs
 * (a wake-up of a spinning worker and the repeated packing cost ≈ 2–5 µs).
 */
export const GEMM_MIN_FLOPS_PER_PART = 1 << 20;

/**
 * Parts for an M×N×K GEMM (1: not worth splitting): ranges of 8 columns of C when N ≥ M, else of 4
 * rows, each at least GEMM_MIN_FLOPS_PER_PART of work; at most one per thread.
 */
export function gemmParts(M: number, N: number, K: number): number {
  return partsFor(Math.min(N >= M ? N / 8 : M / 4, (2 * M * N * K) / GEMM_MIN_FLOPS_PER_PART));
}

/**
 * Runs the GEMM on several threads when it is large enough and every array is a Float32Array on
 * the heap; returns false (nothing written) otherwise. Same arguments as `ref/gemm.ts`.
 */
export function tryThreadedGemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: FloatArray,
  aOff: number,
  lda: number,
  B: FloatArray,
  bOff: number,
  ldb: number,
  beta: number,
  C: FloatArray,
  cOff: number,
  ldc: number,
): boolean {
  if (M <= 0 || N <= 0 || K <= 0 || alpha === 0) return false;
  const np = gemmParts(M, N, K);
  if (np < 2) return false;
  const k = wasmKernels();
  if (k === null || aOff < 0 || bOff < 0 || cOff < 0) return false;
  const a = f32Addr(A, aOff + (transA ? (K - 1) * lda + M : (M - 1) * lda + K));
  const b = f32Addr(B, bOff + (transB ? (N - 1) * ldb + K : (K - 1) * ldb + N));
  const c = f32Addr(C, cOff + (M - 1) * ldc + N);
  if (a < 0 || b < 0 || c < 0) return false;
  const bytes = k.sgemm_scratch_bytes();
  const ws = wasmWorkspace(bytes);
  return runParts('sgemm_part', np, ws, bytes, [
    transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha, a + aOff * 4, lda, b + bOff * 4, ldb, beta, c + cOff * 4, ldc,
  ]);
}
