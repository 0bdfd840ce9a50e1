/*
 * Vectorised exp, sigmoid and tanh on 4 float lanes, for the recurrent gate math.
 *
 * vexp:     Cephes expf: n = round(x·log2 e), r = x − n·ln 2 (two-constant Cody–Waite), e^r by a
 *           degree-7 polynomial (minimax, Cephes coefficients), times 2^n built in the exponent
 *           bits. x is clamped to [−104, 88.376]: results from 0 (denormals below −87.3) to 2.4e38.
 * vsigmoid: with e = vexp(−|x|): 1 / (1 + e) for x ≥ 0, e / (1 + e) for x < 0.
 * vtanh:    |x| < 0.625: x + x³·P(x²), P of degree 4 (minimax for the relative error on that
 *           interval, fitted for this file: approximation error 4.5e-9); else
 *           sign(x)·(1 − e)/(1 + e), e = vexp(−2|x|).
 *
 * Measured over every float32 input (tools/build/vmath-check.c, both builds: separate multiply
 * and add, and fused multiply-add as the relaxed-SIMD module runs it), against double-precision
 * libm rounded to float:
 *   vtanh     max relative error 2.5e-7 (≈ 2 ulp) for all x; ±1 beyond |x| ≈ 9.0
 *   vsigmoid  max relative error 3.6e-7 (≈ 3 ulp) for x ≥ −87.3; below, where σ(x) < 1.2e-38,
 *             the result is σ(−87.3…−88.4) or a denormal, absolute error < 1.2e-38
 * NaN in gives NaN out; ±Inf give the limits. The code has no data-dependent branches and treats
 * every lane alike, so results do not depend on a value's position in a vector.
 */
#ifndef RECURRENT_VMATH_H
#define RECURRENT_VMATH_H

#include "common.h"

/* Lane-wise min / max that keep NaN from x (not from the bound). */
INLINE v4f vclamp(v4f x, float lo, float hi) {
  const v4f vlo = splat4(lo), vhi = splat4(hi);
  x = select4(x < vlo, vlo, x);
  return select4(x > vhi, vhi, x);
}

INLINE v4f vabs(v4f x) { return (v4f)((v4i)x & (v4i){0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff}); }

/* e^x; see the header. */
INLINE v4f vexp(v4f x) {
  x = vclamp(x, -104.0f, 88.37626f);
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
  /* 2^n as 2^n1 · 2^n2 (n1 = ⌊n/2⌋), so that n < −126 gives denormals, rounded once. */
  const v4i bias = {127, 127, 127, 127};
  const v4i n1 = n >> 1;
  return y * (v4f)((n1 + bias) << 23) * (v4f)((n - n1 + bias) << 23);
}

/* 1 / (1 + e^−x) for x ≥ 0, e^x / (1 + e^x) for x < 0 (so tiny results keep their precision). */
INLINE v4f vsigmoid(v4f x) {
  const v4f e = vexp(-vabs(x));
  const v4f num = select4(x < splat4(0.0f), e, splat4(1.0f));
  return num / (splat4(1.0f) + e);
}

/* tanh x; see the header. Computed on |x|, then given the sign of x (so tanh(−0) = −0). */
INLINE v4f vtanh(v4f x) {
  const v4f ax = vabs(x);
  /* |x| ≥ 0.625: (1 − e)/(1 + e). */
  const v4f e = vexp(splat4(-2.0f) * ax);
  const v4f big = (splat4(1.0f) - e) / (splat4(1.0f) + e);
  /* |x| < 0.625: |x| + |x|³·P(x²). */
  const v4f x2 = ax * ax;
  v4f p = splat4(-5.7123206e-3f);
  p = MADD(p, x2, splat4(2.0646278e-2f));
  p = MADD(p, x2, splat4(-5.3742174e-2f));
  p = MADD(p, x2, splat4(1.3331476e-1f));
  p = MADD(p, x2, splat4(-3.3333284e-1f));
  const v4f small = MADD(ax * x2, p, ax);
  const v4f t = select4(ax < splat4(0.625f), small, big);
  return (v4f)((v4i)t | ((v4i)x & (v4i){(int)0x80000000, (int)0x80000000, (int)0x80000000, (int)0x80000000}));
}

#endif
