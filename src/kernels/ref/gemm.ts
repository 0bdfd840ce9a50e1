import type { FloatArray } from '../../tensor/tensor.js';

/**
 * General matrix multiply, row-major, BLAS-style with offsets and leading dimensions:
 *
 *   C = alpha · op(A) · op(B) + beta · C,   op(A): (M, K), op(B): (K, N), C: (M, N)
 *
 * A is stored (M, K) with row stride `lda`, or (K, M) when `transA`; B is stored (K, N) with
 * row stride `ldb`, or (N, K) when `transB`. `beta = 0` overwrites C (NaNs in C are ignored).
 * Strided operands let the recurrent kernels multiply one time step of a (B, T, H) tensor in place.
 */
export function gemm(
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
): void {
  if (M === 0 || N === 0) return;
  for (let i = 0; i < M; i++) {
    const c0 = cOff + i * ldc;
    if (beta === 0) for (let j = 0; j < N; j++) C[c0 + j] = 0;
    else if (beta !== 1) for (let j = 0; j < N; j++) C[c0 + j]! *= beta;
  }
  if (K === 0 || alpha === 0) return;
  if (!transA && !transB) {
    // i-k-j: the innermost loop walks a row of B and a row of C contiguously.
    for (let i = 0; i < M; i++) {
      const a0 = aOff + i * lda;
      const c0 = cOff + i * ldc;
      for (let k = 0; k < K; k++) {
        const a = alpha * A[a0 + k]!;
        if (a === 0) continue;
        const b0 = bOff + k * ldb;
        for (let j = 0; j < N; j++) C[c0 + j]! += a * B[b0 + j]!;
      }
    }
  } else if (!transA && transB) {
    // Dot products of rows of A with rows of B, four columns at a time.
    for (let i = 0; i < M; i++) {
      const a0 = aOff + i * lda;
      const c0 = cOff + i * ldc;
      let j = 0;
      for (; j + 4 <= N; j += 4) {
        const b0 = bOff + j * ldb;
        const b1 = b0 + ldb;
        const b2 = b1 + ldb;
        const b3 = b2 + ldb;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let k = 0; k < K; k++) {
          const a = A[a0 + k]!;
          s0 += a * B[b0 + k]!;
          s1 += a * B[b1 + k]!;
          s2 += a * B[b2 + k]!;
          s3 += a * B[b3 + k]!;
        }
        C[c0 + j]! += alpha * s0;
        C[c0 + j + 1]! += alpha * s1;
        C[c0 + j + 2]! += alpha * s2;
        C[c0 + j + 3]! += alpha * s3;
      }
      for (; j < N; j++) {
        const b0 = bOff + j * ldb;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[a0 + k]! * B[b0 + k]!;
        C[c0 + j]! += alpha * s;
      }
    }
  } else if (transA && !transB) {
    // k-i-j: A is (K, M); each k adds an outer product of A's row k and B's row k.
    for (let k = 0; k < K; k++) {
      const a0 = aOff + k * lda;
      const b0 = bOff + k * ldb;
      for (let i = 0; i < M; i++) {
        const a = alpha * A[a0 + i]!;
        if (a === 0) continue;
        const c0 = cOff + i * ldc;
        for (let j = 0; j < N; j++) C[c0 + j]! += a * B[b0 + j]!;
      }
    }
  } else {
    for (let i = 0; i < M; i++) {
      const c0 = cOff + i * ldc;
      for (let j = 0; j < N; j++) {
        const b0 = bOff + j * ldb;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[aOff + k * lda + i]! * B[b0 + k]!;
        C[c0 + j]! += alpha * s;
      }
    }
  }
}
