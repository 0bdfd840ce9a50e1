/*
 * Optimizer updates over flat float32 arrays: SGD (momentum, dampening, Nesterov, weight decay),
 * Adam / AdamW (amsgrad), RMSprop (centered, momentum), Adagrad.
 *
 * The formulas, their arithmetic order and the `=` rules are those of src/kernels/ref/optim.ts (the
 * specification, PyTorch 1.13's `_single_tensor_*`): arithmetic runs in double precision and each
 * stored value is rounded to float32 once, exactly where the reference's Float32Array stores
 * round. The step-dependent scalars (bias corrections, step size, decayed learning rate) are
 * computed by the caller in double precision as the reference computes them. So the results are
 * bit-identical to the reference's for float32 arrays. clang vectorises the loops (f64x2).
 *
 * Null arrays are address 0; flags are 0 or 1.
 */
#include "common.h"
#include "gemm.h" /* split_at */

INLINE double fmaxnan(double a, double b) { return (a != a || a < b || b != b) ? (a != a ? a : b) : a; }

EXPORT("sgd_step")
void sgd_step(int n, float *restrict p, const float *restrict g, float *restrict buf, double lr, double momentum,
              double dampening, double weightDecay, int nesterov, int maximize, int firstStep) {
  for (int i = 0; i < n; i++) {
    double d = maximize ? -(double)g[i] : (double)g[i];
    if (weightDecay != 0) d += weightDecay * (double)p[i];
    if (momentum != 0) {
      buf[i] = (float)(firstStep ? d : momentum * (double)buf[i] + (1 - dampening) * d);
      d = nesterov ? d + momentum * (double)buf[i] : (double)buf[i];
    }
    p[i] = (float)((double)p[i] + -lr * d);
  }
}

/* Two floats widened to double, and back (rounded as the reference's Float32Array stores round). */
#ifdef __wasm__
#include <wasm_simd128.h>
/* clang 14 lowers a plain v2d → v2f conversion lane by lane; the intrinsics give
 * f32x4.demote_f64x2_zero, f64x2.promote_low_f32x4, v128.load64_zero and v128.store64_lane. */
INLINE v2d ld2(const float *p) { return (v2d)wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p)); }
INLINE void st2(float *p, v2d v) { wasm_v128_store64_lane(p, wasm_f32x4_demote_f64x2_zero((v128_t)v), 0); }
INLINE v2d rnd2(v2d v) { return (v2d)wasm_f64x2_promote_low_f32x4(wasm_f32x4_demote_f64x2_zero((v128_t)v)); }
#else
INLINE v2d ld2(const float *p) { return __builtin_convertvector(*(const v2fu *)p, v2d); }
INLINE void st2(float *p, v2d v) { *(v2fu *)p = __builtin_convertvector(v, v2f); }
INLINE v2d rnd2(v2d v) { return __builtin_convertvector(__builtin_convertvector(v, v2f), v2d); }
#endif
INLINE v2d splat2(double x) { return (v2d){x, x}; }

/* One element of adam_step (the scalar tail and the specification of the vector loop). */
INLINE void adam1(float *p, const float *g, float *m, float *v, float *vmax, double stepSize, double bc2Sqrt,
                  double beta1, double beta2, double eps, double weightDecay, double decay, int amsgrad,
                  int decoupled, int maximize) {
  double gi = maximize ? -(double)*g : (double)*g;
  if (decoupled)
    *p = (float)((double)*p * decay);
  else if (weightDecay != 0)
    gi += weightDecay * (double)*p;
  *m = (float)(beta1 * (double)*m + (1 - beta1) * gi);
  *v = (float)(beta2 * (double)*v + (1 - beta2) * gi * gi);
  double second = (double)*v;
  if (amsgrad) {
    *vmax = (float)fmaxnan((double)*vmax, second);
    second = (double)*vmax;
  }
  const double denom = __builtin_sqrt(second) / bc2Sqrt + eps;
  *p = (float)((double)*p + (-stepSize * (double)*m) / denom);
}

/*
 * stepSize = lr / (1 − β1^k), bc2Sqrt = √(1 − β2^k), decay = 1 − lr·wd (used when decoupled).
 * Two elements at a time in f64x2, the same operations as adam1.
 */
EXPORT("adam_step")
void adam_step(int n, float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
               float *restrict vmax, double stepSize, double bc2Sqrt, double beta1, double beta2, double eps,
               double weightDecay, double decay, int amsgrad, int decoupled, int maximize) {
  const v2d b1 = splat2(beta1), c1 = splat2(1 - beta1), b2 = splat2(beta2), c2 = splat2(1 - beta2);
  const v2d wd = splat2(weightDecay), dec = splat2(decay), e = splat2(eps), bc = splat2(bc2Sqrt);
  const v2d nstep = splat2(-stepSize);
  const int l2 = !decoupled && weightDecay != 0;
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    v2d gi = ld2(g + i);
    if (maximize) gi = -gi;
    v2d pi = ld2(p + i);
    if (decoupled) pi = rnd2(pi * dec);
    else if (l2) gi = gi + wd * pi;
    const v2d mi = rnd2(b1 * ld2(m + i) + c1 * gi);
    const v2d vi = rnd2(b2 * ld2(v + i) + c2 * gi * gi);
    st2(m + i, mi);
    st2(v + i, vi);
    v2d second = vi;
    if (amsgrad) {
      const v2d vm = ld2(vmax + i);
      second = (v2d){fmaxnan(vm[0], vi[0]), fmaxnan(vm[1], vi[1])};
      st2(vmax + i, second);
      second = rnd2(second);
    }
    const v2d denom = (v2d){__builtin_sqrt(second[0]), __builtin_sqrt(second[1])} / bc + e;
    st2(p + i, pi + (nstep * mi) / denom);
  }
  for (; i < n; i++)
    adam1(p + i, g + i, m + i, v + i, vmax == 0 ? 0 : vmax + i, stepSize, bc2Sqrt, beta1, beta2, eps, weightDecay,
          decay, amsgrad, decoupled, maximize);
}

/*
 * Part `part` of `nparts` of adam_step (src/kernels/threads/pool.ts, native/recurrent.c): a range
 * of the elements, boundaries multiples of 16, so every element sees adam_step's operations (pairs
 * stay pairs) and the result is the same bits whatever the split. `ws` is unused.
 */
EXPORT("adam_step_part")
void adam_step_part(int part, int nparts, float *ws, int n, float *p, const float *g, float *m, float *v,
                    float *vmax, double stepSize, double bc2Sqrt, double beta1, double beta2, double eps,
                    double weightDecay, double decay, int amsgrad, int decoupled, int maximize) {
  (void)ws;
  const int i0 = split_at(n, part, nparts, 16), i1 = split_at(n, part + 1, nparts, 16);
  if (i1 <= i0) return;
  adam_step(i1 - i0, p + i0, g + i0, m + i0, v + i0, vmax == 0 ? 0 : vmax + i0, stepSize, bc2Sqrt, beta1, beta2,
            eps, weightDecay, decay, amsgrad, decoupled, maximize);
}

EXPORT("rmsprop_step")
void rmsprop_step(int n, float *restrict p, const float *restrict g, float *restrict sq, float *restrict gradAvg,
                  float *restrict buf, double lr, double alpha, double eps, double weightDecay, double momentum,
                  int centered, int maximize) {
  for (int i = 0; i < n; i++) {
    double gi = maximize ? -(double)g[i] : (double)g[i];
    if (weightDecay != 0) gi += weightDecay * (double)p[i];
    sq[i] = (float)(alpha * (double)sq[i] + (1 - alpha) * gi * gi);
    double avg;
    if (centered) {
      gradAvg[i] = (float)(alpha * (double)gradAvg[i] + (1 - alpha) * gi);
      avg = __builtin_sqrt((double)sq[i] - (double)gradAvg[i] * (double)gradAvg[i]) + eps;
    } else {
      avg = __builtin_sqrt((double)sq[i]) + eps;
    }
    if (momentum > 0) {
      buf[i] = (float)(momentum * (double)buf[i] + gi / avg);
      p[i] = (float)((double)p[i] + -lr * (double)buf[i]);
    } else {
      p[i] = (float)((double)p[i] + (-lr * gi) / avg);
    }
  }
}

/* clr = lr / (1 + (k − 1)·lrDecay). */
EXPORT("adagrad_step")
void adagrad_step(int n, float *restrict p, const float *restrict g, float *restrict sum, double clr,
                  double weightDecay, double eps, int maximize) {
  for (int i = 0; i < n; i++) {
    double gi = maximize ? -(double)g[i] : (double)g[i];
    if (weightDecay != 0) gi += weightDecay * (double)p[i];
    sum[i] = (float)((double)sum[i] + gi * gi);
    const double std = __builtin_sqrt((double)sum[i]) + eps;
    p[i] = (float)((double)p[i] + (-clr * gi) / std);
  }
}
