/*
 * The GEMM of csrc/gemm.c as the other kernels use it (see gemm.c for the semantics).
 */
#ifndef RECURRENT_GEMM_H
#define RECURRENT_GEMM_H

#include "common.h"

#ifdef GEMM_WIDE
/*
 * Native builds only (tools/build/native.mjs defines GEMM_WIDE; the wasm build never does):
 * 16-float vectors (AVX-512 zmm, two ymm on AVX2), a 4×64 micro-kernel, KC 256, MC 64, NC 2048.
 */
#define MR 4
#define NR 64
#define KC 256
#define MC 64
#define NC 2048
#else
/* Tile sizes (DESIGN.md §3): 4×8 micro-kernel, KC 256, MC 64, NC 1024. */
#define MR 4
#define NR 8
#define KC 256
#define MC 64
#define NC 1024
#endif

/* Bytes of scratch sgemm needs. */
u32 sgemm_scratch_bytes(void);

/* C = alpha · op(A) · op(B) + beta · C (row-major, BLAS semantics; see gemm.c). */
void sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
           int ldb, float beta, float *C, int ldc, float *scratch);

/* Floats of op(B) (K, N) packed by pack_b_all: K · N rounded up to NR. */
INLINE u32 packed_b_floats(int K, int N) { return (u32)K * (u32)((N + NR - 1) / NR * NR); }

/* Floats of working space gemm_packed needs: one packed (MC, KC) block of A and an MR×NR tile. */
#define GEMM_PACKED_WORK_FLOATS (MC * KC + MR * NR)

/*
 * Packs all of op(B) (K, N) (B stored (K, N) with row stride ldb, or (N, K) when transB) into
 * bp[packed_b_floats(K, N)], for any number of gemm_packed calls.
 */
void pack_b_all(int transB, int K, int N, const float *B, int ldb, float *bp);

/*
 * C = A · op(B) + beta · C with op(B) (K, N) packed by pack_b_all; A is (M, K) with row stride lda
 * (not transposed). beta = 0 overwrites C. `work` holds GEMM_PACKED_WORK_FLOATS floats and must
 * not overlap A, bp or C. Each row of C is computed by the same operations whatever M is (so
 * results do not depend on the batch size).
 */
void gemm_packed(int M, int N, int K, const float *A, int lda, const float *bp, float beta, float *C, int ldc,
                 float *work);

/*
 * Columns [j0, j1) of gemm_packed's C (C points at column 0, as for gemm_packed): the same
 * operations for each of those elements as gemm_packed over all N columns, so threads can share
 * one product by columns and get its bits. j0 must be a multiple of NR (a sliver boundary of the
 * packing); j1 a multiple of NR or N.
 */
void gemm_packed_cols(int M, int N, int j0, int j1, int K, const float *A, int lda, const float *bp, float beta,
                      float *C, int ldc, float *work);

/*
 * Boundary `p` of `np` parts of [0, n): about p·n/np rounded to a multiple of `align` (0 for p = 0,
 * n for p = np). Threads (src/kernels/threads/) run part p of a kernel on [split_at(p), split_at(p+1)).
 */
INLINE int split_at(int n, int p, int np, int align) {
  if (p <= 0) return 0;
  if (p >= np) return n;
  const int v = (int)(((long long)n * p / np + align / 2) / align * align);
  return imin(n, v);
}

#endif
