/*
 * Softmax cross-entropy (PyTorch nn.CrossEntropyLoss with class weights, ignore_index and label
 * smoothing) over the rows of float32 logits (N, C); the specification is
 * src/kernels/ref/losses.ts.
 *
 * softmax_xent_rows (forward, the per-element part): for each row i
 *   probs[i, :] = softmax(z[i, :])  (max-subtracted, vmath.h's vexp, sum in double precision)
 *   stats[3i]   = max_c z[i, c]
 *   stats[3i+1] = Σ_c e^{z[i, c] − max}          (double)
 *   stats[3i+2] = Σ_c w[c]·z[i, c]  (w ≡ 1 when null; only when `smoothing`, else 0)
 * The caller forms lse = max + log(sum) and the row losses and their reduction in double
 * precision (as the reference does): that is O(N), the kernel does the O(N·C) work. Probabilities
 * agree with the reference to about 2 ulp (the reference rounds a double-precision exp).
 *
 * softmax_xent_backward: dz[i, c] = g_i·[(1 − ε)·w[y_i]·(p − δ_{c,y_i}) + (ε/C)·(W·p − w[c])] in the
 * reference's double-precision arithmetic order (bit-identical to it); g_i = gConst, or dlosses[i]
 * when dlosses is not null; ignored rows get 0.
 */
#include "common.h"
#include "vmath.h"

EXPORT("softmax_xent_rows")
void softmax_xent_rows(int N, int C, const float *z, float *probs, const float *w, int smoothing, double *stats) {
  for (int i = 0; i < N; i++) {
    const float *zr = z + i * C;
    float *pr = probs + i * C;
    /* max: exact in any order. */
    float mx = -__builtin_inff();
    int c = 0;
    if (C >= 4) {
      v4f m4 = load4(zr);
      for (c = 4; c + 4 <= C; c += 4) {
        const v4f v = load4(zr + c);
        m4 = pmax4(m4, v);
      }
      mx = m4[0];
      mx = m4[1] > mx ? m4[1] : mx;
      mx = m4[2] > mx ? m4[2] : mx;
      mx = m4[3] > mx ? m4[3] : mx;
    }
    for (; c < C; c++) mx = zr[c] > mx ? zr[c] : mx;
    /* e = exp(z − max), summed in double precision (two lanes per accumulator). */
    v2d s0 = {0.0, 0.0}, s1 = s0;
    const v4f vm = splat4(mx);
    for (c = 0; c < C; c += 4) {
      const int k = imin(4, C - c);
      const v4f e = vexp(loadn(zr + c, k) - vm);
      storen(pr + c, e, k);
      const v4f ek = k == 4 ? e : select4((v4i){0, 1, 2, 3} < (v4i){k, k, k, k}, e, splat4(0.0f));
      s0 += __builtin_convertvector(__builtin_shufflevector(ek, ek, 0, 1), v2d);
      s1 += __builtin_convertvector(__builtin_shufflevector(ek, ek, 2, 3), v2d);
    }
    const v2d s = s0 + s1;
    const double sum = s[0] + s[1];
    const v4f vs = splat4((float)sum);
    for (c = 0; c < C; c += 4) {
      const int k = imin(4, C - c);
      storen(pr + c, loadn(pr + c, k) / vs, k);
    }
    double swz = 0;
    if (smoothing) {
      for (c = 0; c < C; c++) swz += (w == 0 ? 1.0 : (double)w[c]) * (double)zr[c];
    }
    stats[3 * i] = mx;
    stats[3 * i + 1] = sum;
    stats[3 * i + 2] = swz;
  }
}

EXPORT("softmax_xent_backward")
void softmax_xent_backward(int N, int C, const int *targets, int ignoreIndex, const float *w, double eps,
                           double W, double gConst, const float *dlosses, const float *probs, float *dz) {
  for (int i = 0; i < N; i++) {
    const int y = targets[i];
    float *dr = dz + i * C;
    const float *pr = probs + i * C;
    if (y == ignoreIndex) {
      for (int c = 0; c < C; c++) dr[c] = 0.0f;
      continue;
    }
    const double g = dlosses == 0 ? gConst : (double)dlosses[i];
    const double wy = w == 0 ? 1.0 : (double)w[y];
    const double a = g * (1 - eps) * wy;
    const double s = (g * eps) / C;
    if (w == 0) {
      for (int c = 0; c < C; c++) {
        const double p = (double)pr[c];
        dr[c] = (float)(a * p + s * (W * p - 1.0));
      }
    } else {
      for (int c = 0; c < C; c++) {
        const double p = (double)pr[c];
        dr[c] = (float)(a * p + s * (W * p - (double)w[c]));
      }
    }
    dr[y] = (float)((double)dr[y] - a);
  }
}
