/*
 * Entry points for the worker-thread pool (src/kernels/threads/pool.ts, DESIGN.md §5): part `part`
 * of `nparts` of a kernel, with the calling thread's own working space `ws`. Every thread runs the
 * same module on the same shared memory; parts write disjoint outputs, and each output element is
 * computed by the same operations as in the one-thread call, so results do not depend on the
 * number of threads (nor on which thread runs which part).
 *
 * The fused recurrent kernels' parts sit beside them in recurrent.c.
 */
#include "gemm.h"

/*
 * Part `part` of `nparts` of sgemm: a range of the columns of C (aligned to NR) when N ≥ M, else a
 * range of its rows (aligned to MR). Each thread then packs only its slice of op(B) (columns) or of
 * op(A) (rows) and repeats the packing of the other, smaller operand. `ws` holds
 * sgemm_scratch_bytes() bytes.
 */
EXPORT("sgemm_part")
void sgemm_part(int part, int nparts, float *ws, int transA, int transB, int M, int N, int K, float alpha,
                const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
  if (N >= M) {
    const int j0 = split_at(N, part, nparts, NR), j1 = split_at(N, part + 1, nparts, NR);
    if (j1 <= j0) return;
    sgemm(transA, transB, M, j1 - j0, K, alpha, A, lda, transB ? B + j0 * ldb : B + j0, ldb, beta, C + j0, ldc, ws);
  } else {
    const int i0 = split_at(M, part, nparts, MR), i1 = split_at(M, part + 1, nparts, MR);
    if (i1 <= i0) return;
    sgemm(transA, transB, i1 - i0, N, K, alpha, transA ? A + i0 : A + i0 * lda, lda, B, ldb, beta, C + i0 * ldc, ldc,
          ws);
  }
}
