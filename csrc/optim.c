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

/*
 * stepSize = lr / (1 − β1^k), bc2Sqrt = √(1 − β2^k), decay = 1 − lr·wd (used when decoupled).
 */
EXPORT("adam_step")
void adam_step(int n, float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
               float *restrict vmax, double stepSize, double bc2Sqrt, double beta1, double beta2, double eps,
               double weightDecay, double decay, int amsgrad, int decoupled, int maximize) {
  for (int i = 0; i < n; i++) {
    double gi = maximize ? -(double)g[i] : (double)g[i];
    if (decoupled)
      p[i] = (float)((double)p[i] * decay);
    else if (weightDecay != 0)
      gi += weightDecay * (double)p[i];
    m[i] = (float)(beta1 * (double)m[i] + (1 - beta1) * gi);
    v[i] = (float)(beta2 * (double)v[i] + (1 - beta2) * gi * gi);
    double second = (double)v[i];
    if (amsgrad) {
      vmax[i] = (float)fmaxnan((double)vmax[i], second);
      second = (double)vmax[i];
    }
    const double denom = __builtin_sqrt(second) / bc2Sqrt + eps;
    p[i] = (float)((double)p[i] + (-stepSize * (double)m[i]) / denom);
  }
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
