/*
 * Shared definitions of the wasm kernels in csrc/ (DESIGN.md §3): vector types, load/store
 * helpers, MADD, export and inline attributes.
 *
 * Memory rules (the heap owns all of linear memory, see src/tensor/heap.ts and
 * tools/build/wasm.sh): no static data, no global variables, no C stack in linear memory (no
 * address-taken locals, no local arrays that survive optimisation). Pointers are byte addresses in
 * the imported memory; address 0 is never a tensor (the heap reserves it), so 0 means "null".
 * Indexing a vector with a run-time index (v[l] in a loop that is not unrolled) also goes through
 * the stack: write the lanes out.
 *
 * Written with clang/GCC vector extensions rather than wasm intrinsics, so the same source can be
 * compiled for the host; the few wasm builtins (relaxed-SIMD FMA, pmin/pmax, optim.c's float ↔
 * double conversions) sit behind RELAXED_SIMD / __wasm__ with generic fallbacks.
 */
#ifndef RECURRENT_COMMON_H
#define RECURRENT_COMMON_H

#define EXPORT(name) __attribute__((export_name(name), visibility("default")))
#define INLINE static inline __attribute__((always_inline))

typedef unsigned int u32;
typedef unsigned char u8;

/* 4 floats; the `u` types are for loads and stores at any float-aligned address. */
typedef float v4f __attribute__((vector_size(16)));
typedef float v4fu __attribute__((vector_size(16), aligned(4), may_alias));
typedef int v4i __attribute__((vector_size(16)));
typedef double v2d __attribute__((vector_size(16)));
typedef float v2f __attribute__((vector_size(8)));
typedef float v2fu __attribute__((vector_size(8), aligned(4), may_alias));

INLINE v4f load4(const float *p) { return *(const v4fu *)p; }
INLINE void store4(float *p, v4f v) { *(v4fu *)p = v; }
INLINE v4f splat4(float x) { return (v4f){x, x, x, x}; }

/* The first n (1..4) floats at p, zeros in the other lanes. */
INLINE v4f loadn(const float *p, int n) {
  if (n >= 4) return load4(p);
  v4f v = splat4(0.0f);
  v[0] = p[0];
  if (n > 1) v[1] = p[1];
  if (n > 2) v[2] = p[2];
  return v;
}

/* Stores the first n (1..4) lanes of v at p. */
INLINE void storen(float *p, v4f v, int n) {
  if (n >= 4) {
    store4(p, v);
    return;
  }
  p[0] = v[0];
  if (n > 1) p[1] = v[1];
  if (n > 2) p[2] = v[2];
}

/* Lane-wise select: m ? a : b (m from a vector comparison: all ones or all zeros per lane). */
INLINE v4f select4(v4i m, v4f a, v4f b) { return (v4f)((m & (v4i)a) | (~m & (v4i)b)); }

/*
 * pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a, lane-wise (NaN in b is ignored, NaN
 * in a kept). wasm's f32x4.pmin/pmax are one minps/maxps on x86; clang turns the equivalent
 * select into the NaN-propagating f32x4.min/max, which V8 lowers to nine instructions.
 */
#ifdef __wasm__
INLINE v4f pmin4(v4f a, v4f b) { return __builtin_wasm_pmin_f32x4(a, b); }
INLINE v4f pmax4(v4f a, v4f b) { return __builtin_wasm_pmax_f32x4(a, b); }
#else
INLINE v4f pmin4(v4f a, v4f b) { return select4(b < a, b, a); }
INLINE v4f pmax4(v4f a, v4f b) { return select4(a < b, b, a); }
#endif

/*
 * FOR4(j, k, n, { body }): runs body for j = 0, 4, 8, … < n with k = min(4, n − j) lanes: full
 * vectors in a loop where k is the constant 4 (so loadn/storen are plain vector loads and stores),
 * then the tail, if any, once. The body is compiled twice.
 */
#define FOR4(j, k, n, ...)                 \
  do {                                     \
    const int n_ = (n);                    \
    int j = 0;                             \
    for (; j + 4 <= n_; j += 4) {          \
      const int k = 4;                     \
      __VA_ARGS__                          \
    }                                      \
    if (j < n_) {                          \
      const int k = n_ - j;                \
      __VA_ARGS__                          \
    }                                      \
  } while (0)

/*
 * MADD(a, b, c) = a·b + c. The relaxed-SIMD build (second module, chosen at run time) uses
 * f32x4.relaxed_madd, fused where the CPU has FMA. clang 14 only knows its pre-standard form,
 * f32x4.fma (0xfd 0xaf 0x01), with the operands in the same order; tools/build/relax-wasm.mjs
 * rewrites it to the standard opcode (0xfd 0x85 0x02), which V8 accepts.
 */
#ifndef MADD
#ifdef RELAXED_SIMD
#define MADD(a, b, c) __builtin_wasm_fma_f32x4(a, b, c)
#else
#define MADD(a, b, c) ((c) + (a) * (b))
#endif
#endif

INLINE int imin(int a, int b) { return a < b ? a : b; }
INLINE int imax(int a, int b) { return a > b ? a : b; }

#endif
