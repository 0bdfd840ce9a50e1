/*
 * Measures the error of csrc/vmath.h (vtanh, vsigmoid, vexp) over every float32 input in the
 * ranges that matter, against double-precision libm. Compiled for the host, where the vector
 * extension code computes exactly what the wasm module computes (IEEE single precision, no
 * flush-to-zero); -DFUSED runs the multiply-adds fused, as the relaxed-SIMD module does on a CPU
 * with FMA. Not part of the build; rerun after changing csrc/vmath.h and update its header.
 *
 *   clang -O2 -ffp-contract=off -o /tmp/vmath-check tools/build/vmath-check.c -lm && /tmp/vmath-check
 *   (a few minutes; add -DSTRIDE=16 for a quick sample)
 *   clang -O2 -ffp-contract=off -mfma -DFUSED -o /tmp/vmath-check-fma tools/build/vmath-check.c -lm && /tmp/vmath-check-fma
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Every STRIDE-th group of 4 consecutive floats (1: all of them; -DSTRIDE=16 for a quick run). */
#ifndef STRIDE
#define STRIDE 1
#endif

#ifdef FUSED
#include <immintrin.h>
#define MADD(a, b, c) ((v4f)_mm_fmadd_ps((__m128)(a), (__m128)(b), (__m128)(c)))
#endif
#include "../../csrc/vmath.h"

typedef struct {
  double maxRel, atRel; /* relative error where the exact result is a normal float */
  double maxSub, atSub; /* absolute error in units of 2^-149 where it is below FLT_MIN */
} Err;

static void note(Err *e, float x, float got, double want) {
  double abs = fabs((double)got - want);
  if (isnan(got) != isnan(want)) abs = INFINITY;
  if (fabs(want) >= 1.1754943508222875e-38) {
    double rel = abs / fabs(want);
    if (rel > e->maxRel) e->maxRel = rel, e->atRel = x;
  } else {
    double sub = abs / 1.401298464324817e-45;
    if (sub > e->maxSub) e->maxSub = sub, e->atSub = x;
  }
}

static float fromBits(unsigned u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

/* Runs f over all floats with |x| in [lo, hi]: positive (signs 0), both signs (1), negative (2). */
#define SWEEP(name, expr, ref, lo, hi, bothSigns)                                        \
  do {                                                                                   \
    Err e = {0, 0, 0, 0};                                                                \
    unsigned ulo, uhi;                                                                   \
    float flo = lo, fhi = hi;                                                            \
    memcpy(&ulo, &flo, 4);                                                               \
    memcpy(&uhi, &fhi, 4);                                                               \
    for (int s = bothSigns == 2 ? 1 : 0; s < (bothSigns ? 2 : 1); s++)                   \
      for (unsigned u = ulo; u <= uhi; u += 4 * STRIDE) {                                         \
        v4f x = {fromBits(u | (s ? 0x80000000u : 0)), fromBits((u + 1) | (s ? 0x80000000u : 0)), \
                 fromBits((u + 2) | (s ? 0x80000000u : 0)), fromBits((u + 3) | (s ? 0x80000000u : 0))}; \
        v4f y = expr(x);                                                                 \
        for (int l = 0; l < 4; l++) note(&e, x[l], y[l], ref((double)x[l]));              \
      }                                                                                  \
    printf("%-9s |x| in [%g, %g]%s: max rel err %.3g (%.2f ulp) at %.9g", name, (double)flo, (double)fhi, \
           bothSigns == 2 ? ", negative" : bothSigns ? ", both signs" : "", e.maxRel, e.maxRel / 5.9604645e-8, e.atRel);  \
    if (e.maxSub > 0) printf("; results below FLT_MIN: max error %.2f x 2^-149 at %.9g", e.maxSub, e.atSub); \
    printf("\n");                                                                      \
  } while (0)

static double sigm(double x) { return 1.0 / (1.0 + exp(-x)); }

int main(void) {
#ifdef FUSED
  printf("fused multiply-add (relaxed-SIMD module)\n");
#else
  printf("separate multiply and add (SIMD128 module)\n");
#endif
  SWEEP("vtanh", vtanh, tanh, 1e-8f, 20.0f, 1);
  SWEEP("vsigmoid", vsigmoid, sigm, 1e-8f, 120.0f, 1);
  SWEEP("vexp", vexp, exp, 1e-8f, 88.37f, 0);
  SWEEP("vexp", vexp, exp, 1e-8f, 110.0f, 2);
  /* Special values. */
  /* Below 1e-8 in magnitude tanh x = x and σ(x) = 1/2 to float precision; the code gives that
   * (the polynomial term vanishes, e^±x rounds to 1). Special values: */
  v4f sp = {NAN, INFINITY, -INFINITY, -0.0f};
  v4f t = vtanh(sp), s = vsigmoid(sp);
  printf("tanh(NaN, Inf, -Inf, -0) = %g %g %g %g; sigmoid = %g %g %g %g\n", t[0], t[1], t[2], t[3], s[0], s[1], s[2], s[3]);
  return 0;
}
