/*
 * Elementwise sigmoid and tanh over float32 arrays with vmath.h's approximations (the ones the
 * recurrent kernels use), exported so their accuracy can be tested from JavaScript.
 *   y[i] = σ(x[i]) or tanh(x[i]),  i < n;  y may be x.
 */
#include "common.h"
#include "vmath.h"

EXPORT("sigmoid_f32")
void sigmoid_f32(int n, const float *x, float *y) {
  for (int i = 0; i < n; i += 4) {
    const int k = imin(4, n - i);
    storen(y + i, vsigmoid(loadn(x + i, k)), k);
  }
}

EXPORT("tanh_f32")
void tanh_f32(int n, const float *x, float *y) {
  for (int i = 0; i < n; i += 4) {
    const int k = imin(4, n - i);
    storen(y + i, vtanh(loadn(x + i, k)), k);
  }
}
