/*
 * Vectorised exp, sigmoid and tanh on 4 float lanes, for the recurrent gate math.
 *
 * vexp:     Cephes expf: n = round(x·log2 e), r = x − n·ln 2 (two-constant Cody–Waite), e^r by a
 *           degree-7 polynomial (minimax, Cephes coefficients), times 2^n built in the exponent
 *           bits. x is clamped to [−104, 88.376]: results from 0 (denormals below −87.3) to 2.4e38.
 * vsigmoid: with e = vexp(−|x|): 1 / (1 + e) for x ≥ 0, e / (1 + e) for x < 0.
 * vtanh:    sign(x) · min(1, a·P(a²) / Q(a²)), a = min(|x|, 8.5), and ±1 beyond |x| = 9; P and Q
 *           of degree 4 in a² with positive coefficients: a rational approximation fitted for this
 *           file (iteratively reweighted least squares on the relative error; approximation error
 *           1.2e-8, the rest is float32 rounding in the Horner sums). No exp: 2.5× faster than
 *           (1 − e)/(1 + e) with e = vexp(−2|x|).
 *
 * Measured over every float32 input with 1e-8 ≤ |x| (below, tanh x = x and σ(x) = 1/2 exactly)
 * by tools/build/vmath-check.c, for both builds (separate multiply and add; fused multiply-add as
 * the relaxed-SIMD module runs it on an FMA CPU), against double-precision libm:
 *   vtanh     max relative error 3.6e-7 (6.1 ulp; 5.6 fused), at |x| ≈ 5–8 where the Horner sums
 *             are large; ±1 exactly beyond |x| = 9 (where tanh rounds to ±1)
 *   vsigmoid  max relative error 1.8e-7 (3.0 ulp) wherever σ(x) ≥ FLT_MIN (x ≥ −87.3); below,
 *             denormal results within 0.75 of their last place; 0 below x ≈ −103.3
 *   vexp      max relative error 8.5e-8 (1.4 ulp)
 * NaN in gives NaN out; ±Inf give the limits. The code has no data-dependent branches and treats
 * every lane alike, so results do not depend on a value's position in a vector.
 */
#ifndef RECURRENT_VMATH_H
#define RECURRENT_VMATH_H

#include "common.h"

/* x clamped to [lo, hi]; NaN stays NaN. */
INLINE v4f vclamp(v4f x, float lo, float hi) { return pmin4(pmax4(x, splat4(lo)), splat4(hi)); }

INLINE v4f vabs(v4f x) { return (v4f)((v4i)x & (v4i){0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff}); }

/* e^x as 2^n · e^r (see the header) for x in [lo, 88.376]; `denormals`: 2^n as 2^n1 · 2^n2 so that
 * n < −126 gives denormals, rounded once (else lo must be ≥ −87.33). */
INLINE v4f vexp_(v4f x, float lo, int denormals) {
  x = vclamp(x, lo, 88.37626f);
  const v4f magic = splat4(12582912.0f); /* 1.5·2^23: adding it rounds to an integer */
  const v4f t = x * splat4(1.44269504088896341f) + magic;
  const v4i n = (v4i)t - (v4i)magic;
  const v4f fn = t - magic;
  v4f r = x - fn * splat4(0.693359375f);
  r = r - fn * splat4(-2.12194440e-4f);
  const v4f z = r * r;
  v4f y = splat4(1.9875691500e-4f);
  y = MADD(y, r, splat4(1.3981999507e-3f));
  y = MADD(y, r, splat4(8.3334519073e-3f));
  y = MADD(y, r, splat4(4.1665795894e-2f));
  y = MADD(y, r, splat4(1.6666665459e-1f));
  y = MADD(y, r, splat4(5.0000001201e-1f));
  y = MADD(y, z, r) + splat4(1.0f);
  const v4i bias = {127, 127, 127, 127};
  if (!denormals) return y * (v4f)((n + bias) << 23);
  const v4i n1 = n >> 1;
  return y * (v4f)((n1 + bias) << 23) * (v4f)((n - n1 + bias) << 23);
}

/* e^x; see the header. */
INLINE v4f vexp(v4f x) { return vexp_(x, -104.0f, 1); }

/* 1 / (1 + e^−x) for x ≥ 0, e^x / (1 + e^x) for x < 0 (so tiny results keep their precision). */
INLINE v4f vsigmoid(v4f x) {
  const v4f e = vexp(-vabs(x));
  const v4f num = select4(x < splat4(0.0f), e, splat4(1.0f));
  return num / (splat4(1.0f) + e);
}

/* tanh x; see the header. Computed on |x|, then given the sign of x (so tanh(−0) = −0). */
INLINE v4f vtanh(v4f x) {
  const v4f xa = vabs(x);
  const v4f ax = pmin4(xa, splat4(8.5f));
  const v4f u = ax * ax;
  v4f p = splat4(1.4268635e-08f);
  p = MADD(p, u, splat4(2.1250611e-05f));
  p = MADD(p, u, splat4(3.5339997e-03f));
  p = MADD(p, u, splat4(1.3413224e-01f));
  p = MADD(p, u, splat4(1.0f));
  v4f q = splat4(8.1448803e-07f);
  q = MADD(q, u, splat4(3.3488212e-04f));
  q = MADD(q, u, splat4(2.6022647e-02f));
  q = MADD(q, u, splat4(4.6746546e-01f));
  q = MADD(q, u, splat4(1.0f));
  /* Beyond 9.01 tanh rounds to 1 (the clamped rational stays 1–2 ulp below). */
  const v4f t = select4(xa > splat4(9.0f), splat4(1.0f), pmin4(ax * p / q, splat4(1.0f)));
  return (v4f)((v4i)t | ((v4i)x & (v4i){(int)0x80000000, (int)0x80000000, (int)0x80000000, (int)0x80000000}));
}

#endif
