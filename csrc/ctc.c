/*
 * CTC loss (Graves et al. 2006), forward–backward in log space with log-softmax fused in, over
 * batch-first float32 logits (B, T, C); the specification is src/kernels/ref/ctc.ts (same
 * arguments, same layouts of logProbs, α and the backward's work).
 *
 * ctc_forward:  logProbs = log_softmax(logits) (float32; Σ e^{z − max} from vmath.h's vexp summed in
 *               double), α (double, B·T·(2S+1)), nll[b] = −log p(l_b | x_b) (double).
 * ctc_backward: dlogits[b] = dnll[b]·(softmax − exp(lse_{s: l'_s = c}(α + β) + nll)) (float32); rows
 *               t ≥ T_b and rows with nll = +∞, T_b = 0 or dnll = 0 get 0. `work` (double) holds a
 *               per-class accumulator (C) then β (T·(2S+1)).
 * The recursions run in double precision with a stable log-add-exp:
 *   lse2(a, b) = max + log1p(exp(min − max)), −∞ absorbing.
 * There is no libm here (freestanding, no data segments): dexp and dlog below are scalar
 * double-precision versions (Cody–Waite reduction plus Taylor / atanh series, relative error
 * ≈ 1e-16), well below the float32 rounding of the outputs.
 */
#include "common.h"
#include "vmath.h"

typedef unsigned long long u64;

#define NEG_INF (-__builtin_inf())
#define POS_INF (__builtin_inf())

INLINE double from_bits(u64 u) {
  union {
    u64 u;
    double d;
  } x = {.u = u};
  return x.d;
}

INLINE u64 to_bits(double d) {
  union {
    double d;
    u64 u;
  } x = {.d = d};
  return x.u;
}

/* 2^n for −1074 ≤ n ≤ 1023 (two factors below the normal range). */
INLINE double pow2i(int n) {
  if (n < -1022) return from_bits((u64)(n + 1022 + 1023) << 52) * from_bits((u64)1 << 52); /* · 2^−1022 */
  return from_bits((u64)(n + 1023) << 52);
}

/* e^x in double precision: x = n·ln 2 + r, |r| ≤ ln 2 / 2, e^r by its Taylor series to r^13. */
static double dexp(double x) {
  if (x != x) return x;
  if (x < -745.2) return 0.0;
  if (x > 709.7) return POS_INF;
  const double ln2hi = 6.93147180369123816490e-01, ln2lo = 1.90821492927058770002e-10;
  const double t = x * 1.44269504088896338700e+00;
  const int n = (int)(t < 0 ? t - 0.5 : t + 0.5);
  const double r = (x - n * ln2hi) - n * ln2lo;
  double p = 1.0 / 6227020800.0; /* 1/13! */
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  if (n > 1023) return p * pow2i(1023) * pow2i(n - 1023);
  return p * pow2i(n);
}

/* log x in double precision for x > 0 finite (0 → −∞, +∞ → +∞, < 0 or NaN → NaN):
 * x = 2^k·m, m in [√½, √2), log m = 2·atanh(f), f = (m − 1)/(m + 1), |f| ≤ 0.172, series to f^23. */
static double dlog(double x) {
  if (x != x || x < 0) return __builtin_nan("");
  if (x == 0) return NEG_INF;
  if (x == POS_INF) return x;
  int k = 0;
  if (x < 2.2250738585072014e-308) { /* subnormal: scale into the normal range */
    x *= 18014398509481984.0; /* 2^54 */
    k = -54;
  }
  const u64 u = to_bits(x);
  k += (int)((u >> 52) & 0x7ff) - 1023;
  double m = from_bits((u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    k += 1;
  }
  const double f = (m - 1.0) / (m + 1.0);
  const double f2 = f * f;
  double s = 1.0 / 23;
  s = s * f2 + 1.0 / 21;
  s = s * f2 + 1.0 / 19;
  s = s * f2 + 1.0 / 17;
  s = s * f2 + 1.0 / 15;
  s = s * f2 + 1.0 / 13;
  s = s * f2 + 1.0 / 11;
  s = s * f2 + 1.0 / 9;
  s = s * f2 + 1.0 / 7;
  s = s * f2 + 1.0 / 5;
  s = s * f2 + 1.0 / 3;
  s = s * f2 + 1.0;
  return k * 6.93147180559945309417e-01 + 2.0 * f * s;
}

/* log(e^a + e^b), −∞ absorbing (as ref/ctc.ts lse2). */
INLINE double lse2(double a, double b) {
  if (a == NEG_INF) return b;
  if (b == NEG_INF) return a;
  return a > b ? a + dlog(1.0 + dexp(b - a)) : b + dlog(1.0 + dexp(a - b));
}

/* l'_s of row `tg` (the row's targets): blank at even s, tg[(s − 1)/2] at odd s. */
INLINE int ext(const int *tg, int blank, int s) { return (s & 1) ? tg[s >> 1] : blank; }

/* The skip transition s − 2 → s is allowed. */
INLINE int can_skip(const int *tg, int blank, int s) { return s >= 2 && (s & 1) && ext(tg, blank, s) != ext(tg, blank, s - 2); }

EXPORT("ctc_forward")
void ctc_forward(int B, int T, int C, int S, int blank, const float *logits, const int *targets, const int *inputLengths,
                 const int *targetLengths, float *logProbs, double *alpha, double *nll) {
  const int W = 2 * S + 1;
  for (int r = 0; r < B * T; r++) {
    const float *zr = logits + r * C;
    float *lr = logProbs + r * C;
    float mx = NEG_INF;
    for (int c = 0; c < C; c++) mx = zr[c] > mx ? zr[c] : mx;
    v2d s0 = {0.0, 0.0}, s1 = s0;
    const v4f vm = splat4(mx);
    for (int c = 0; c < C; c += 4) {
      const int k = imin(4, C - c);
      const v4f e = vexp(loadn(zr + c, k) - vm);
      const v4f ek = k == 4 ? e : select4((v4i){0, 1, 2, 3} < (v4i){k, k, k, k}, e, splat4(0.0f));
      s0 += __builtin_convertvector(__builtin_shufflevector(ek, ek, 0, 1), v2d);
      s1 += __builtin_convertvector(__builtin_shufflevector(ek, ek, 2, 3), v2d);
    }
    const v2d sv = s0 + s1;
    const double lz = (double)mx + dlog(sv[0] + sv[1]);
    for (int c = 0; c < C; c++) lr[c] = (float)((double)zr[c] - lz);
  }
  for (int b = 0; b < B; b++) {
    const int Tb = inputLengths[b];
    const int L = targetLengths[b];
    const int Sp = 2 * L + 1;
    const int *tg = targets + b * S;
    if (Tb == 0) {
      nll[b] = L == 0 ? 0.0 : POS_INF;
      continue;
    }
    const float *lp = logProbs + b * T * C;
    double *al = alpha + b * T * W;
    for (int s = 0; s < Sp; s++) al[s] = s < 2 ? (double)lp[ext(tg, blank, s)] : NEG_INF;
    for (int t = 1; t < Tb; t++) {
      const double *prev = al + (t - 1) * W;
      double *cur = al + t * W;
      const float *y = lp + t * C;
      for (int s = 0; s < Sp; s++) {
        double v = prev[s];
        if (s >= 1) v = lse2(v, prev[s - 1]);
        if (can_skip(tg, blank, s)) v = lse2(v, prev[s - 2]);
        cur[s] = v == NEG_INF ? NEG_INF : v + (double)y[ext(tg, blank, s)];
      }
    }
    const double *last = al + (Tb - 1) * W;
    const double ll = Sp >= 2 ? lse2(last[Sp - 1], last[Sp - 2]) : last[Sp - 1];
    nll[b] = -ll;
  }
}

EXPORT("ctc_backward")
void ctc_backward(int B, int T, int C, int S, int blank, const int *targets, const int *inputLengths,
                  const int *targetLengths, const float *logProbs, const double *alpha, const double *nll,
                  const double *dnll, float *dlogits, double *work) {
  const int W = 2 * S + 1;
  double *accum = work;     /* work[0..C): per-class lse */
  double *beta = work + C;  /* β, row t at beta + t·W */
  for (int b = 0; b < B; b++) {
    const int Tb = inputLengths[b];
    const int L = targetLengths[b];
    const int Sp = 2 * L + 1;
    const int *tg = targets + b * S;
    const double g = dnll[b];
    const float *lp = logProbs + b * T * C;
    float *dl = dlogits + b * T * C;
    for (int i = 0; i < T * C; i++) dl[i] = 0.0f;
    const double n = nll[b];
    if (Tb == 0 || n == POS_INF || g == 0) continue;
    const double *al = alpha + b * T * W;
    double *lastRow = beta + (Tb - 1) * W;
    for (int s = 0; s < Sp; s++) lastRow[s] = s >= Sp - 2 ? 0.0 : NEG_INF;
    for (int t = Tb - 2; t >= 0; t--) {
      double *cur = beta + t * W;
      const double *next = cur + W;
      const float *y = lp + (t + 1) * C;
      for (int s = 0; s < Sp; s++) {
        double v = next[s] + (double)y[ext(tg, blank, s)];
        if (s + 1 < Sp) v = lse2(v, next[s + 1] + (double)y[ext(tg, blank, s + 1)]);
        if (s + 2 < Sp && can_skip(tg, blank, s + 2)) v = lse2(v, next[s + 2] + (double)y[ext(tg, blank, s + 2)]);
        cur[s] = v;
      }
    }
    for (int t = 0; t < Tb; t++) {
      for (int c = 0; c < C; c++) accum[c] = NEG_INF;
      const double *ar = al + t * W;
      const double *br = beta + t * W;
      for (int s = 0; s < Sp; s++) {
        const int l = ext(tg, blank, s);
        accum[l] = lse2(accum[l], ar[s] + br[s]);
      }
      const float *o = lp + t * C;
      float *d = dl + t * C;
      for (int c = 0; c < C; c++) d[c] = (float)(g * (dexp((double)o[c]) - dexp(accum[c] + n)));
    }
  }
}
