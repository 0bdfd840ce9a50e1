/*
 * Single-precision GEMM for wasm32 + SIMD128 (DESIGN.md §3), row-major, BLAS-style:
 *
 *   C = alpha · op(A) · op(B) + beta · C,   op(A): (M, K), op(B): (K, N), C: (M, N)
 *
 * Same semantics as src/kernels/ref/gemm.ts (the specification): A is stored (M, K) with row
 * stride lda, or (K, M) when transA; B is stored (K, N) with row stride ldb, or (N, K) when transB;
 * beta = 0 overwrites C (NaNs in C are ignored); K = 0 or alpha = 0 only scales C.
 * Pointers are byte addresses in the imported linear memory (the tensor heap).
 *
 * Structure (Goto/BLIS): loop over NC-column panels of op(B) and KC-deep slices of K; pack the
 * (KC, NC) block of op(B) into NR-column slivers, then for each MC-row block of op(A) pack it into
 * MR-row slivers and run the MR×NR register-blocked micro-kernel over the block. Packing pads with
 * zeros, so the micro-kernel always computes a full tile; edge tiles go through a small buffer.
 * Tile sizes were measured in DESIGN.md §3: 4×8 micro-kernel, KC 256, MC 64, NC 1024.
 * One or two rows of C (batch-1 inference steps) skip packing: one GEMV per row reads B in place.
 *
 * Memory rules: see common.h (no static data, no globals, no C stack; tools/build/wasm.sh checks
 * the binary). All working space is the caller-provided `scratch` block of sgemm_scratch_bytes()
 * bytes.
 *
 * gemm_packed (for the recurrent kernels, csrc/recurrent.c) multiplies by an op(B) packed once by
 * pack_b_all and reused across calls: the weights of a recurrence are packed once per sequence, not
 * once per time step (DESIGN.md §3: repacking per step costs 8–25 %).
 */

#include "gemm.h"

/* Up to this many rows of C, sgemm runs one GEMV per row instead of packing (measured). */
#ifndef SMALL_M
#define SMALL_M 2
#endif
#ifndef GEMV_T_GROUPS
#ifdef RELAXED_SIMD
#define GEMV_T_GROUPS 4
#else
#define GEMV_T_GROUPS 2
#endif
#endif

#ifdef GEMM_WIDE
/*
 * The wide micro-kernel of native builds (GEMM_WIDE, see gemm.h): 16-float vectors. GCC/clang
 * vector extensions; with -march=native they are AVX-512 registers (or pairs of AVX2 ones).
 * Same structure and the same per-element operations (k-order multiply-adds within KC slices,
 * then alpha/beta) as the 4×8 kernel, so the GEMV and single-row paths stay bit-identical to it.
 */
typedef float v16f __attribute__((vector_size(64)));
typedef float v16fu __attribute__((vector_size(64), aligned(4), may_alias));
INLINE v16f load16(const float *p) { return *(const v16fu *)p; }
INLINE void store16(float *p, v16f v) { *(v16fu *)p = v; }
INLINE v16f splat16(float x) { return (v16f){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }
/* 16-float vectors per NR-column sliver. */
#define NV (NR / 16)
#endif

/* Bytes of scratch sgemm needs: packed A block, packed B panel, one edge tile. */
EXPORT("sgemm_scratch_bytes") u32 sgemm_scratch_bytes(void) {
  return (u32)(MC * KC + KC * NC + MR * NR) * 4u;
}

/* 4×4 transpose: rows r0..r3 in, columns out. */
#define TRANSPOSE4(r0, r1, r2, r3)                                     \
  do {                                                                 \
    v4f t0_ = __builtin_shufflevector(r0, r1, 0, 4, 1, 5);             \
    v4f t1_ = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);             \
    v4f t2_ = __builtin_shufflevector(r2, r3, 0, 4, 1, 5);             \
    v4f t3_ = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);             \
    r0 = __builtin_shufflevector(t0_, t2_, 0, 1, 4, 5);                \
    r1 = __builtin_shufflevector(t0_, t2_, 2, 3, 6, 7);                \
    r2 = __builtin_shufflevector(t1_, t3_, 0, 1, 4, 5);                \
    r3 = __builtin_shufflevector(t1_, t3_, 2, 3, 6, 7);                \
  } while (0)

/*
 * Packs the (mc, kc) block of op(A) whose top-left element is at `a` (already offset) into
 * MR-row slivers: sliver s holds kc groups of MR values, op(A)[s·MR + r][k] at [s·MR·kc + k·MR + r].
 * Rows past mc are zero.
 */
static void pack_a(int transA, int mc, int kc, const float *a, int lda, float *restrict ap) {
  for (int ir = 0; ir < mc; ir += MR) {
    const int mr = imin(MR, mc - ir);
    float *dst = ap + ir * kc;
    if (!transA) {
      /* op(A)[i][k] = a[i·lda + k]: MR rows, each contiguous in k. */
      const float *r0 = a + ir * lda;
      if (mr == MR) {
        const float *r1 = r0 + lda, *r2 = r1 + lda, *r3 = r2 + lda;
        int k = 0;
        for (; k + 4 <= kc; k += 4) {
          v4f x0 = load4(r0 + k), x1 = load4(r1 + k);
          v4f x2 = load4(r2 + k), x3 = load4(r3 + k);
          TRANSPOSE4(x0, x1, x2, x3);
          store4(dst + k * MR, x0);
          store4(dst + k * MR + 4, x1);
          store4(dst + k * MR + 8, x2);
          store4(dst + k * MR + 12, x3);
        }
        for (; k < kc; k++) {
          dst[k * MR + 0] = r0[k];
          dst[k * MR + 1] = r1[k];
          dst[k * MR + 2] = r2[k];
          dst[k * MR + 3] = r3[k];
        }
      } else {
        for (int k = 0; k < kc; k++)
          for (int r = 0; r < MR; r++) dst[k * MR + r] = r < mr ? r0[r * lda + k] : 0.0f;
      }
    } else {
      /* op(A)[i][k] = a[k·lda + i]: each k gives MR contiguous values. */
      const float *c0 = a + ir;
      if (mr == MR) {
        for (int k = 0; k < kc; k++) store4(dst + k * MR, load4(c0 + k * lda));
      } else {
        for (int k = 0; k < kc; k++)
          for (int r = 0; r < MR; r++) dst[k * MR + r] = r < mr ? c0[k * lda + r] : 0.0f;
      }
    }
  }
}

#ifdef GEMM_WIDE
/*
 * Packs the (kc, nc) block of op(B) whose top-left element is at `b` into NR-column slivers:
 * op(B)[k][s·NR + j] at [s·NR·kc + k·NR + j]. Columns past nc are zero. (Wide build: NR = 64.)
 */
static void pack_b(int transB, int kc, int nc, const float *b, int ldb, float *restrict bp) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int nr = imin(NR, nc - jr);
    float *dst = bp + jr * kc;
    if (nr < NR) {
      for (int k = 0; k < kc; k++)
        for (int j = 0; j < NR; j++) dst[k * NR + j] = j >= nr ? 0.0f : transB ? b[(jr + j) * ldb + k] : b[k * ldb + jr + j];
    } else if (!transB) {
      /* op(B)[k][j] = b[k·ldb + j]: each k gives NR contiguous values. */
      for (int k = 0; k < kc; k++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) store16(dst + k * NR + 16 * v, load16(b + k * ldb + jr + 16 * v));
    } else {
      /* op(B)[k][j] = b[j·ldb + k]: four rows of storage at a time, 4×4 transposes. */
      for (int j = 0; j < NR; j += 4) {
        const float *r0 = b + (jr + j) * ldb, *r1 = r0 + ldb, *r2 = r1 + ldb, *r3 = r2 + ldb;
        float *d = dst + j;
        int k = 0;
        for (; k + 4 <= kc; k += 4) {
          v4f x0 = load4(r0 + k), x1 = load4(r1 + k), x2 = load4(r2 + k), x3 = load4(r3 + k);
          TRANSPOSE4(x0, x1, x2, x3);
          store4(d + k * NR, x0);
          store4(d + (k + 1) * NR, x1);
          store4(d + (k + 2) * NR, x2);
          store4(d + (k + 3) * NR, x3);
        }
        for (; k < kc; k++) store4(d + k * NR, ((v4f){r0[k], r1[k], r2[k], r3[k]}));
      }
    }
  }
}
#else
/*
 * Packs the (kc, nc) block of op(B) whose top-left element is at `b` into NR-column slivers:
 * op(B)[k][s·NR + j] at [s·NR·kc + k·NR + j]. Columns past nc are zero.
 */
static void pack_b(int transB, int kc, int nc, const float *b, int ldb, float *restrict bp) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int nr = imin(NR, nc - jr);
    float *dst = bp + jr * kc;
    if (!transB) {
      /* op(B)[k][j] = b[k·ldb + j]: each k gives NR contiguous values. */
      const float *r = b + jr;
      if (nr == NR) {
        for (int k = 0; k < kc; k++) {
          store4(dst + k * NR, load4(r + k * ldb));
          store4(dst + k * NR + 4, load4(r + k * ldb + 4));
        }
      } else {
        for (int k = 0; k < kc; k++)
          for (int j = 0; j < NR; j++) dst[k * NR + j] = j < nr ? r[k * ldb + j] : 0.0f;
      }
    } else {
      /* op(B)[k][j] = b[j·ldb + k]: NR rows of storage, each contiguous in k. */
      const float *r0 = b + jr * ldb;
      if (nr == NR) {
        const float *r1 = r0 + ldb, *r2 = r1 + ldb, *r3 = r2 + ldb;
        const float *r4 = r3 + ldb, *r5 = r4 + ldb, *r6 = r5 + ldb, *r7 = r6 + ldb;
        int k = 0;
        for (; k + 4 <= kc; k += 4) {
          v4f x0 = load4(r0 + k), x1 = load4(r1 + k);
          v4f x2 = load4(r2 + k), x3 = load4(r3 + k);
          v4f y0 = load4(r4 + k), y1 = load4(r5 + k);
          v4f y2 = load4(r6 + k), y3 = load4(r7 + k);
          TRANSPOSE4(x0, x1, x2, x3);
          TRANSPOSE4(y0, y1, y2, y3);
          float *d = dst + k * NR;
          store4(d, x0);
          store4(d + 4, y0);
          store4(d + 8, x1);
          store4(d + 12, y1);
          store4(d + 16, x2);
          store4(d + 20, y2);
          store4(d + 24, x3);
          store4(d + 28, y3);
        }
        for (; k < kc; k++) {
          float *d = dst + k * NR;
          d[0] = r0[k];
          d[1] = r1[k];
          d[2] = r2[k];
          d[3] = r3[k];
          d[4] = r4[k];
          d[5] = r5[k];
          d[6] = r6[k];
          d[7] = r7[k];
        }
      } else {
        for (int k = 0; k < kc; k++)
          for (int j = 0; j < NR; j++) dst[k * NR + j] = j < nr ? r0[j * ldb + k] : 0.0f;
      }
    }
  }
}
#endif

/*
 * The MR×NR micro-kernel: c = alpha · (ap sliver · bp sliver) + beta · c, where beta = 0 means
 * c is only written (never read). c has row stride ldc and is a full MR×NR tile.
 */
INLINE void kernel_4x8(int kc, const float *restrict ap, const float *restrict bp, float *c, int ldc,
                       float alpha, float beta) {
  v4f c00 = splat4(0.0f), c01 = c00, c10 = c00, c11 = c00;
  v4f c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    const v4f b0 = load4(bp);
    const v4f b1 = load4(bp + 4);
    v4f a = splat4(ap[0]);
    c00 = MADD(a, b0, c00);
    c01 = MADD(a, b1, c01);
    a = splat4(ap[1]);
    c10 = MADD(a, b0, c10);
    c11 = MADD(a, b1, c11);
    a = splat4(ap[2]);
    c20 = MADD(a, b0, c20);
    c21 = MADD(a, b1, c21);
    a = splat4(ap[3]);
    c30 = MADD(a, b0, c30);
    c31 = MADD(a, b1, c31);
    ap += MR;
    bp += NR;
  }
  const v4f va = splat4(alpha);
  float *c0 = c, *c1 = c + ldc, *c2 = c1 + ldc, *c3 = c2 + ldc;
  if (beta == 0.0f) {
    store4(c0, va * c00);
    store4(c0 + 4, va * c01);
    store4(c1, va * c10);
    store4(c1 + 4, va * c11);
    store4(c2, va * c20);
    store4(c2 + 4, va * c21);
    store4(c3, va * c30);
    store4(c3 + 4, va * c31);
  } else {
    const v4f vb = splat4(beta);
#define UPD(p, acc) store4(p, vb * load4(p) + va * acc)
    UPD(c0, c00);
    UPD(c0 + 4, c01);
    UPD(c1, c10);
    UPD(c1 + 4, c11);
    UPD(c2, c20);
    UPD(c2 + 4, c21);
    UPD(c3, c30);
    UPD(c3 + 4, c31);
#undef UPD
  }
}

#ifdef GEMM_WIDE
/* The MR×NR = 4×64 micro-kernel of the wide build: kernel_4x8's contract and operations. */
INLINE void kernel_wide(int kc, const float *restrict ap, const float *restrict bp, float *c, int ldc, float alpha,
                        float beta) {
  v16f acc[MR][NV];
#pragma GCC unroll 4
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = splat16(0.0f);
  for (int k = 0; k < kc; k++) {
    v16f bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = load16(bp + 16 * v);
#pragma GCC unroll 4
    for (int i = 0; i < MR; i++) {
      const v16f a = splat16(ap[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] = acc[i][v] + a * bv[v];
    }
    ap += MR;
    bp += NR;
  }
  const v16f va = splat16(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 4
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) store16(c + i * ldc + 16 * v, va * acc[i][v]);
  } else {
    const v16f vb = splat16(beta);
#pragma GCC unroll 4
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) store16(c + i * ldc + 16 * v, vb * load16(c + i * ldc + 16 * v) + va * acc[i][v]);
  }
}
#define MICRO_KERNEL kernel_wide
#else
#define MICRO_KERNEL kernel_4x8
#endif

/* Runs the micro-kernel over a packed (mc, kc) A block and (kc, nc) B panel into c. */
static void macro_kernel(int mc, int nc, int kc, float alpha, float beta, const float *ap,
                         const float *bp, float *c, int ldc, float *tile) {
  for (int jr = 0; jr < nc; jr += NR) {
    const int nr = imin(NR, nc - jr);
    const float *bs = bp + jr * kc;
    for (int ir = 0; ir < mc; ir += MR) {
      const int mr = imin(MR, mc - ir);
      const float *as = ap + ir * kc;
      float *ct = c + ir * ldc + jr;
      if (mr == MR && nr == NR) {
        MICRO_KERNEL(kc, as, bs, ct, ldc, alpha, beta);
      } else {
        MICRO_KERNEL(kc, as, bs, tile, NR, alpha, 0.0f);
        for (int i = 0; i < mr; i++)
          for (int j = 0; j < nr; j++) {
            const float v = tile[i * NR + j];
            ct[i * ldc + j] = beta == 0.0f ? v : beta * ct[i * ldc + j] + v;
          }
      }
    }
  }
}

/*
 * GEMV for one or two rows of C. Bit-identical to the packed path (so results do not depend on
 * the batch size): each element of C is summed in k order with MADD within KC slices, and C is
 * updated after each slice exactly as the micro-kernel does (first slice with beta, later with 1).
 * Column tails use one vector lane, so relaxed-SIMD fusion matches too.
 */

/* c = alpha · v + beta · c for 4 values (beta = 0: c is not read). Same ops as kernel_4x8. */
INLINE void update4(float *c, v4f v, float alpha, float beta) {
  if (beta == 0.0f)
    store4(c, splat4(alpha) * v);
  else
    store4(c, splat4(beta) * load4(c) + splat4(alpha) * v);
}

INLINE float update1(float c, float v, float alpha, float beta) {
  return beta == 0.0f ? alpha * v : beta * c + alpha * v;
}

/*
 * One row of C when B is stored (N, K) (transB): c[j] = alpha · Σ_k a[k]·b_j[k] + beta · c[j].
 * Rows of B are contiguous in k; 4×4 transposes turn four of them into columns (b_j[k] for four
 * j), and GEMV_T_GROUPS such groups give as many independent accumulator chains (measured: 4 with
 * FMA; 2 without, where V8 otherwise runs out of registers).
 */
static void gemv_t(int N, int K, float alpha, const float *a, const float *b, int ldb, float beta, float *c) {
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = imin(KC, K - pc);
    const float be = pc == 0 ? beta : 1.0f;
    const float *ak = a + pc;
    int j = 0;
    for (; j + 4 * GEMV_T_GROUPS <= N; j += 4 * GEMV_T_GROUPS) {
      const float *r[4 * GEMV_T_GROUPS];
      v4f s[GEMV_T_GROUPS];
#pragma unroll
      for (int q = 0; q < 4 * GEMV_T_GROUPS; q++) r[q] = b + (j + q) * ldb + pc;
#pragma unroll
      for (int g = 0; g < GEMV_T_GROUPS; g++) s[g] = splat4(0.0f);
      int k = 0;
      for (; k + 4 <= kc; k += 4) {
        const v4f a0 = splat4(ak[k]), a1 = splat4(ak[k + 1]), a2 = splat4(ak[k + 2]), a3 = splat4(ak[k + 3]);
#pragma unroll
        for (int g = 0; g < GEMV_T_GROUPS; g++) {
          const float *const *rg = r + 4 * g;
          v4f x0 = load4(rg[0] + k), x1 = load4(rg[1] + k), x2 = load4(rg[2] + k), x3 = load4(rg[3] + k);
          TRANSPOSE4(x0, x1, x2, x3);
          s[g] = MADD(a0, x0, s[g]);
          s[g] = MADD(a1, x1, s[g]);
          s[g] = MADD(a2, x2, s[g]);
          s[g] = MADD(a3, x3, s[g]);
        }
      }
      for (; k < kc; k++) {
        const v4f x = splat4(ak[k]);
#pragma unroll
        for (int g = 0; g < GEMV_T_GROUPS; g++) {
          const float *const *rg = r + 4 * g;
          s[g] = MADD(x, ((v4f){rg[0][k], rg[1][k], rg[2][k], rg[3][k]}), s[g]);
        }
      }
#pragma unroll
      for (int g = 0; g < GEMV_T_GROUPS; g++) update4(c + j + 4 * g, s[g], alpha, be);
    }
    for (; j + 4 <= N; j += 4) {
      const float *b0 = b + j * ldb + pc, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
      v4f s = splat4(0.0f);
      int k = 0;
      for (; k + 4 <= kc; k += 4) {
        v4f x0 = load4(b0 + k), x1 = load4(b1 + k), x2 = load4(b2 + k), x3 = load4(b3 + k);
        TRANSPOSE4(x0, x1, x2, x3);
        s = MADD(splat4(ak[k]), x0, s);
        s = MADD(splat4(ak[k + 1]), x1, s);
        s = MADD(splat4(ak[k + 2]), x2, s);
        s = MADD(splat4(ak[k + 3]), x3, s);
      }
      for (; k < kc; k++) s = MADD(splat4(ak[k]), ((v4f){b0[k], b1[k], b2[k], b3[k]}), s);
      update4(c + j, s, alpha, be);
    }
    for (; j < N; j++) {
      const float *bj = b + j * ldb + pc;
      v4f s = splat4(0.0f);
      for (int k = 0; k < kc; k++) s = MADD(splat4(ak[k]), ((v4f){bj[k], 0.0f, 0.0f, 0.0f}), s);
      c[j] = update1(c[j], s[0], alpha, be);
    }
  }
}

/*
 * One row of C when B is stored (K, N): c = alpha · Σ_k a[k] · B[k, :] + beta · c, 32 columns
 * (eight accumulator chains) at a time, then 4, then one lane.
 */
static void gemv_n(int N, int K, float alpha, const float *a, const float *b, int ldb, float beta, float *c) {
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = imin(KC, K - pc);
    const float be = pc == 0 ? beta : 1.0f;
    const float *ak = a + pc;
    const float *bk0 = b + pc * ldb;
    int j = 0;
    for (; j + 32 <= N; j += 32) {
      v4f s0 = splat4(0.0f), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
      const float *bk = bk0 + j;
      for (int k = 0; k < kc; k++, bk += ldb) {
        const v4f x = splat4(ak[k]);
        s0 = MADD(x, load4(bk), s0);
        s1 = MADD(x, load4(bk + 4), s1);
        s2 = MADD(x, load4(bk + 8), s2);
        s3 = MADD(x, load4(bk + 12), s3);
        s4 = MADD(x, load4(bk + 16), s4);
        s5 = MADD(x, load4(bk + 20), s5);
        s6 = MADD(x, load4(bk + 24), s6);
        s7 = MADD(x, load4(bk + 28), s7);
      }
      update4(c + j, s0, alpha, be);
      update4(c + j + 4, s1, alpha, be);
      update4(c + j + 8, s2, alpha, be);
      update4(c + j + 12, s3, alpha, be);
      update4(c + j + 16, s4, alpha, be);
      update4(c + j + 20, s5, alpha, be);
      update4(c + j + 24, s6, alpha, be);
      update4(c + j + 28, s7, alpha, be);
    }
    for (; j + 4 <= N; j += 4) {
      v4f s = splat4(0.0f);
      const float *bk = bk0 + j;
      for (int k = 0; k < kc; k++, bk += ldb) s = MADD(splat4(ak[k]), load4(bk), s);
      update4(c + j, s, alpha, be);
    }
    for (; j < N; j++) {
      v4f s = splat4(0.0f);
      const float *bk = bk0 + j;
      for (int k = 0; k < kc; k++, bk += ldb) s = MADD(splat4(ak[k]), ((v4f){*bk, 0.0f, 0.0f, 0.0f}), s);
      c[j] = update1(c[j], s[0], alpha, be);
    }
  }
}

/* C = beta · C over an (M, N) block (beta = 0 writes zeros). */
static void scale_c(int M, int N, float beta, float *c, int ldc) {
  if (beta == 1.0f) return;
  for (int i = 0; i < M; i++) {
    float *row = c + i * ldc;
    if (beta == 0.0f)
      for (int j = 0; j < N; j++) row[j] = 0.0f;
    else
      for (int j = 0; j < N; j++) row[j] *= beta;
  }
}

/*
 * C = alpha · op(A) · op(B) + beta · C. `scratch` must hold sgemm_scratch_bytes() bytes
 * (16-byte aligned is best) and must not overlap A, B or C; C must not overlap A or B.
 */
EXPORT("sgemm")
void sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
           const float *B, int ldb, float beta, float *C, int ldc, float *scratch) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  /* A row or two of op(A) (batch-1 inference steps): one GEMV per row, B is read in place.
   * Packing B would cost as much as the whole product. A transposed A row is gathered first. */
  if (M <= SMALL_M && (!transA || K <= MC * KC + KC * NC)) {
    for (int i = 0; i < M; i++) {
      const float *a = A + i * lda;
      if (transA) {
        for (int k = 0; k < K; k++) scratch[k] = A[k * lda + i];
        a = scratch;
      }
      if (transB)
        gemv_t(N, K, alpha, a, B, ldb, beta, C + i * ldc);
      else
        gemv_n(N, K, alpha, a, B, ldb, beta, C + i * ldc);
    }
    return;
  }
  float *ap = scratch;
  float *bp = ap + MC * KC;
  float *tile = bp + KC * NC;
  for (int jc = 0; jc < N; jc += NC) {
    const int nc = imin(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = imin(KC, K - pc);
      /* The first K slice applies beta; later slices accumulate onto it. */
      const float b = pc == 0 ? beta : 1.0f;
      pack_b(transB, kc, nc, transB ? B + jc * ldb + pc : B + pc * ldb + jc, ldb, bp);
      for (int ic = 0; ic < M; ic += MC) {
        const int mc = imin(MC, M - ic);
        pack_a(transA, mc, kc, transA ? A + pc * lda + ic : A + ic * lda + pc, lda, ap);
        macro_kernel(mc, nc, kc, alpha, b, ap, bp, C + ic * ldc + jc, ldc, tile);
      }
    }
  }
}

/* ---- GEMM with op(B) packed once (the recurrent kernels' per-step products) ---------------- */

/* Slice pc (KC rows of op(B)) starts at bp + pc · Npad; sliver jr within it at jr · kc. */
void pack_b_all(int transB, int K, int N, const float *B, int ldb, float *bp) {
  const int npad = (N + NR - 1) / NR * NR;
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = imin(KC, K - pc);
    pack_b(transB, kc, N, transB ? B + pc : B + pc * ldb, ldb, bp + pc * npad);
  }
}

#ifdef GEMM_WIDE
/* c = 1 · v + beta · c for 16 values (beta = 0: c is not read); kernel_wide's operations for alpha = 1. */
INLINE void update16(float *c, v16f v, float beta) {
  if (beta == 0.0f)
    store16(c, splat16(1.0f) * v);
  else
    store16(c, splat16(beta) * load16(c) + splat16(1.0f) * v);
}

/*
 * One row of C over one packed K slice (wide build): c[j] = Σ_k a[k]·op(B)[k][j] (+ beta · c[j]),
 * with kernel_wide's operations for alpha = 1, two slivers (eight accumulator chains) at a time.
 */
static void row_packed(int N, int kc, const float *a, const float *bs, float beta, float *c, float *tile) {
  int jr = 0;
  for (; jr + 2 * NR <= N; jr += 2 * NR) {
    const float *b0 = bs + jr * kc, *b1 = b0 + NR * kc;
    v16f s[NV], t[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) s[v] = t[v] = splat16(0.0f);
    for (int k = 0; k < kc; k++) {
      const v16f x = splat16(a[k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        s[v] = s[v] + x * load16(b0 + 16 * v);
        t[v] = t[v] + x * load16(b1 + 16 * v);
      }
      b0 += NR;
      b1 += NR;
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
      update16(c + jr + 16 * v, s[v], beta);
      update16(c + jr + NR + 16 * v, t[v], beta);
    }
  }
  for (; jr < N; jr += NR) {
    const int nr = imin(NR, N - jr);
    const float *b0 = bs + jr * kc;
    v16f s[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) s[v] = splat16(0.0f);
    for (int k = 0; k < kc; k++) {
      const v16f x = splat16(a[k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) s[v] = s[v] + x * load16(b0 + 16 * v);
      b0 += NR;
    }
    if (nr == NR) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) update16(c + jr + 16 * v, s[v], beta);
    } else {
      /* As macro_kernel's edge tiles: v = 1 · acc, then c = beta · c + v. */
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) store16(tile + 16 * v, splat16(1.0f) * s[v]);
      for (int j = 0; j < nr; j++) c[jr + j] = beta == 0.0f ? tile[j] : beta * c[jr + j] + tile[j];
    }
  }
}
#else
/*
 * One row of C over one packed K slice: c[j] = Σ_k a[k]·op(B)[k][j] (+ beta · c[j]), with the
 * operations of kernel_4x8 for alpha = 1 (so a row gives the same bits here as in a 4-row tile),
 * four slivers (32 columns, eight accumulator chains) at a time.
 */
static void row_packed(int N, int kc, const float *a, const float *bs, float beta, float *c, float *tile) {
  int jr = 0;
  for (; jr + 4 * NR <= N; jr += 4 * NR) {
    const float *b0 = bs + jr * kc, *b1 = b0 + NR * kc, *b2 = b1 + NR * kc, *b3 = b2 + NR * kc;
    v4f s0 = splat4(0.0f), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    for (int k = 0; k < kc; k++) {
      const v4f x = splat4(a[k]);
      s0 = MADD(x, load4(b0), s0);
      s1 = MADD(x, load4(b0 + 4), s1);
      s2 = MADD(x, load4(b1), s2);
      s3 = MADD(x, load4(b1 + 4), s3);
      s4 = MADD(x, load4(b2), s4);
      s5 = MADD(x, load4(b2 + 4), s5);
      s6 = MADD(x, load4(b3), s6);
      s7 = MADD(x, load4(b3 + 4), s7);
      b0 += NR;
      b1 += NR;
      b2 += NR;
      b3 += NR;
    }
    update4(c + jr, s0, 1.0f, beta);
    update4(c + jr + 4, s1, 1.0f, beta);
    update4(c + jr + 8, s2, 1.0f, beta);
    update4(c + jr + 12, s3, 1.0f, beta);
    update4(c + jr + 16, s4, 1.0f, beta);
    update4(c + jr + 20, s5, 1.0f, beta);
    update4(c + jr + 24, s6, 1.0f, beta);
    update4(c + jr + 28, s7, 1.0f, beta);
  }
  for (; jr < N; jr += NR) {
    const int nr = imin(NR, N - jr);
    const float *b0 = bs + jr * kc;
    v4f s0 = splat4(0.0f), s1 = s0;
    for (int k = 0; k < kc; k++) {
      const v4f x = splat4(a[k]);
      s0 = MADD(x, load4(b0), s0);
      s1 = MADD(x, load4(b0 + 4), s1);
      b0 += NR;
    }
    if (nr == NR) {
      update4(c + jr, s0, 1.0f, beta);
      update4(c + jr + 4, s1, 1.0f, beta);
    } else {
      /* As macro_kernel's edge tiles: v = 1 · acc, then c = beta · c + v. */
      store4(tile, splat4(1.0f) * s0);
      store4(tile + 4, splat4(1.0f) * s1);
      for (int j = 0; j < nr; j++) c[jr + j] = beta == 0.0f ? tile[j] : beta * c[jr + j] + tile[j];
    }
  }
}
#endif

void gemm_packed(int M, int N, int K, const float *A, int lda, const float *bp, float beta, float *C, int ldc,
                 float *work) {
  gemm_packed_cols(M, N, 0, N, K, A, lda, bp, beta, C, ldc, work);
}

void gemm_packed_cols(int M, int N, int j0, int j1, int K, const float *A, int lda, const float *bp, float beta,
                      float *C, int ldc, float *work) {
  if (M <= 0 || j1 <= j0) return;
  C += j0;
  if (K <= 0) {
    scale_c(M, j1 - j0, beta, C, ldc);
    return;
  }
  float *ap = work;
  float *tile = work + MC * KC;
  const int npad = (N + NR - 1) / NR * NR;
  const int m4 = M / MR * MR;
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = imin(KC, K - pc);
    const float be = pc == 0 ? beta : 1.0f;
    /* Slice pc of the packed op(B) starts at pc·npad; its sliver holding column j0 at j0·kc. */
    const float *bs = bp + pc * npad + j0 * kc;
    for (int ic = 0; ic < m4; ic += MC) {
      const int mc = imin(MC, m4 - ic);
      pack_a(0, mc, kc, A + ic * lda + pc, lda, ap);
      macro_kernel(mc, j1 - j0, kc, 1.0f, be, ap, bs, C + ic * ldc, ldc, tile);
    }
    for (int i = m4; i < M; i++) row_packed(j1 - j0, kc, A + i * lda + pc, bs, be, C + i * ldc, tile);
  }
}
