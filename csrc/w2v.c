/*
 * word2vec training, one sentence per call: the whole loop body of src/word2vec/trainer.ts
 * (SentenceTrainer.train) with the inner loops of src/kernels/ref/w2v.ts, the specification.
 *
 *   1. subsampling: word w is kept when keep[w] ≥ 1, or else when u ≤ keep[w], u = r / 2^32
 *   2. per kept position: half-window win = window − (r mod window)
 *   3. skip-gram: each context word c (|c − pos| ≤ win, c ≠ pos) predicts the center word w with
 *      h = v_c; CBOW: h = Σ v_c over the window (÷ count when cbow_mean) predicts w
 *   4. per example: neu1e = 0; hierarchical softmax over w's path in the flattened Huffman tree
 *      (when hs); negative sampling with w (label 1) then `negative` draws from Walker's alias table
 *      (label 0, draws equal to w skipped); then every input row gets v_c += neu1e
 *   per output row u (label y, f = u·h, σ from the table, g = α (y − σ(f))):
 *      neu1e += g·u (u before its update);  u += g·h
 *
 * r is the next output of xoshiro128** (state `rng`, 4 words, advanced in place). The draws happen
 * in the reference's order (subsampling draws for the whole sentence, then per position the window
 * draw and, per example, two draws per negative: column ⌊r·V / 2^32⌋, accepted when
 * r / 2^32 < alias_prob), and no draw depends on a float value, so every random decision equals
 * the reference's. The arithmetic is float32 with SIMD dot products and updates (the reference runs
 * in double), so vectors agree to float rounding, not bit for bit.
 *
 * The sigmoid table has EXP_TABLE_SIZE = 1000 points over [−6, 6) (word2vec.c); negative sampling
 * clamps σ to 0 / 1 outside, hierarchical softmax skips such nodes. Loss (compute_loss): the exact
 * −log σ(±f) of every output row, including skipped nodes, collected in `lbuf` and summed in
 * vector form (log σ(x) = min(x, 0) − log1p(e^−|x|), log1p(e) = 2 atanh(e / (2 + e)), series to
 * s^11: relative error < 2e-7) whenever it fills and at the end of the call.
 *
 * All state lives in a W2vArgs block in the heap (layout below, mirrored by
 * src/kernels/wasm/w2v.ts); several threads may run this on one shared memory with their own
 * blocks over the same parameters (Hogwild): the module has no state of its own.
 */
#include "common.h"
#include "vmath.h"

typedef struct {
  double loss;             /*   0: += Σ −log σ over the call's output rows (when compute_loss) */
  double examples;         /*   8: += examples (SG: pairs; CBOW: center words with a context) */
  int V;                   /*  16 */
  int E;                   /*  20 */
  int sg;                  /*  24 */
  int hs;                  /*  28 */
  int negative;            /*  32 */
  int window;              /*  36 */
  int cbow_mean;           /*  40 */
  int compute_loss;        /*  44 */
  float *syn0;             /*  48: (V, E) */
  float *syn1neg;          /*  52: (V, E) when negative > 0 */
  float *syn1;             /*  56: (V − 1, E) when hs */
  const float *keep;       /*  60: (V) */
  const float *alias_prob; /*  64: (V) */
  const int *alias_idx;    /*  68: (V) */
  const int *code_start;   /*  72: (V + 1) */
  const u8 *codes;         /*  76 */
  const int *points;       /*  80 */
  const float *exp_table;  /*  84: (1000) */
  u32 *rng;                /*  88: (4) */
  float *neu1;             /*  92: (E) */
  float *neu1e;            /*  96: (E) */
  int *sen;                /* 100: (sentence length) the kept words */
  float *lbuf;             /* 104: (lcap) */
  int lcap;                /* 108: a positive multiple of 4 */
  int *negs;               /* 112: (negative) the current example's negatives */
  int pad_;                /* 116 */
} W2vArgs;

_Static_assert(sizeof(W2vArgs) == 120, "W2vArgs layout (mirrored in src/kernels/wasm/w2v.ts)");
_Static_assert(__builtin_offsetof(W2vArgs, syn0) == 48, "W2vArgs layout");
_Static_assert(__builtin_offsetof(W2vArgs, lcap) == 108, "W2vArgs layout");

#define EXP_TABLE_SIZE 1000
#define MAX_EXP 6

INLINE u32 rotl(u32 x, int k) { return (x << k) | (x >> (32 - k)); }

/* xoshiro128** on the four state words s0..s3 (locals of the caller, so they stay in registers). */
#define RNG_NEXT(out)            \
  do {                           \
    const u32 t_ = s1 << 9;      \
    out = rotl(s1 * 5, 7) * 9;   \
    s2 ^= s0;                    \
    s3 ^= s1;                    \
    s1 ^= s2;                    \
    s0 ^= s3;                    \
    s2 ^= t_;                    \
    s3 = rotl(s3, 11);           \
  } while (0)

/* Σ a[c]·b[c], c < E. */
INLINE float dot(const float *a, const float *b, int E) {
  v4f s0 = splat4(0.0f), s1 = splat4(0.0f), s2 = splat4(0.0f), s3 = splat4(0.0f);
  int c = 0;
  for (; c + 16 <= E; c += 16) {
    s0 = MADD(load4(a + c), load4(b + c), s0);
    s1 = MADD(load4(a + c + 4), load4(b + c + 4), s1);
    s2 = MADD(load4(a + c + 8), load4(b + c + 8), s2);
    s3 = MADD(load4(a + c + 12), load4(b + c + 12), s3);
  }
  for (; c + 4 <= E; c += 4) s0 = MADD(load4(a + c), load4(b + c), s0);
  if (c < E) s1 = MADD(loadn(a + c, E - c), loadn(b + c, E - c), s1);
  const v4f s = (s0 + s1) + (s2 + s3);
  return (s[0] + s[1]) + (s[2] + s[3]);
}

/* neu1e += g·u (u before the update), u += g·h. */
INLINE void backprop(float *neu1e, float *u, const float *h, float g, int E) {
  const v4f gv = splat4(g);
  int c = 0;
  for (; c + 4 <= E; c += 4) {
    const v4f x = load4(u + c);
    store4(neu1e + c, MADD(gv, x, load4(neu1e + c)));
    store4(u + c, MADD(gv, load4(h + c), x));
  }
  for (; c < E; c++) {
    const float x = u[c];
    neu1e[c] += g * x;
    u[c] = x + g * h[c];
  }
}

/*
 * backprop(neu1e, u, h, g) and, in the same pass, returns h·un (the next row's dot product). Each
 * element of u is stored before the same element of un is read, so un == u gives the reference's
 * sequential result.
 */
INLINE float backprop_dot(float *neu1e, float *u, const float *h, float g, const float *un, int E) {
  const v4f gv = splat4(g);
  v4f s0 = splat4(0.0f), s1 = splat4(0.0f);
  int c = 0;
  for (; c + 8 <= E; c += 8) {
    const v4f x0 = load4(u + c), h0 = load4(h + c);
    store4(neu1e + c, MADD(gv, x0, load4(neu1e + c)));
    store4(u + c, MADD(gv, h0, x0));
    s0 = MADD(h0, load4(un + c), s0);
    const v4f x1 = load4(u + c + 4), h1 = load4(h + c + 4);
    store4(neu1e + c + 4, MADD(gv, x1, load4(neu1e + c + 4)));
    store4(u + c + 4, MADD(gv, h1, x1));
    s1 = MADD(h1, load4(un + c + 4), s1);
  }
  for (; c + 4 <= E; c += 4) {
    const v4f x0 = load4(u + c), h0 = load4(h + c);
    store4(neu1e + c, MADD(gv, x0, load4(neu1e + c)));
    store4(u + c, MADD(gv, h0, x0));
    s0 = MADD(h0, load4(un + c), s0);
  }
  float t = 0.0f;
  for (; c < E; c++) {
    const float x = u[c];
    neu1e[c] += g * x;
    u[c] = x + g * h[c];
    t += h[c] * un[c];
  }
  const v4f sv = s0 + s1;
  return ((sv[0] + sv[1]) + (sv[2] + sv[3])) + t;
}

/* y += x (y = x when `assign`). */
INLINE void addto(float *y, const float *x, int E, int assign) {
  int c = 0;
  if (assign) {
    for (; c + 4 <= E; c += 4) store4(y + c, load4(x + c));
    for (; c < E; c++) y[c] = x[c];
  } else {
    for (; c + 4 <= E; c += 4) store4(y + c, load4(y + c) + load4(x + c));
    for (; c < E; c++) y[c] += x[c];
  }
}

INLINE void zero(float *y, int E) {
  int c = 0;
  for (; c + 4 <= E; c += 4) store4(y + c, splat4(0.0f));
  for (; c < E; c++) y[c] = 0.0f;
}

INLINE void scale(float *y, float s, int E) {
  const v4f sv = splat4(s);
  int c = 0;
  for (; c + 4 <= E; c += 4) store4(y + c, load4(y + c) * sv);
  for (; c < E; c++) y[c] *= s;
}

/* log σ(x) on 4 lanes (see the header). */
INLINE v4f vlogsigmoid(v4f x) {
  const v4f e = vexp(-vabs(x));
  const v4f s = e / (splat4(2.0f) + e);
  const v4f s2 = s * s;
  v4f p = splat4(1.0f / 11.0f);
  p = MADD(p, s2, splat4(1.0f / 9.0f));
  p = MADD(p, s2, splat4(1.0f / 7.0f));
  p = MADD(p, s2, splat4(1.0f / 5.0f));
  p = MADD(p, s2, splat4(1.0f / 3.0f));
  p = MADD(p, s2, splat4(1.0f));
  return pmin4(x, splat4(0.0f)) - splat4(2.0f) * s * p;
}

/* Σ −log σ(buf[i]), i < n, in double. */
INLINE double loss_sum(const float *buf, int n) {
  double acc = 0.0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v4f l = vlogsigmoid(load4(buf + i));
    acc -= ((double)l[0] + (double)l[1]) + ((double)l[2] + (double)l[3]);
  }
  if (i < n) {
    const int k = n - i;
    const v4f l = vlogsigmoid(loadn(buf + i, k));
    acc -= (double)l[0];
    if (k > 1) acc -= (double)l[1];
    if (k > 2) acc -= (double)l[2];
  }
  return acc;
}

/* σ(f) from the table for −6 < f < 6, indexed as the reference does (in double). */
INLINE float table_sigmoid(const float *t, float f) {
  return t[(int)(((double)f + MAX_EXP) * ((double)EXP_TABLE_SIZE / MAX_EXP / 2))];
}

/* Appends x to the loss buffer, summing it out when full. */
#define RECORD(x)                                  \
  do {                                             \
    if (lfill == lcap) {                           \
      loss += loss_sum(lbuf, lfill);               \
      lfill = 0;                                   \
    }                                              \
    lbuf[lfill++] = (x);                           \
  } while (0)

/*
 * One example: h predicts `word`; accumulates neu1e and updates the output rows. Expanded inside
 * the training loop (it draws from the caller's random state and loss buffer).
 */
#define EXAMPLE(h, word)                                                               \
  do {                                                                                 \
    zero(neu1e, E);                                                                    \
    if (hs) {                                                                          \
      const int end_ = code_start[(word) + 1];                                         \
      for (int d_ = code_start[word]; d_ < end_; d_++) {                               \
        float *u_ = syn1 + points[d_] * E;                                             \
        const int code_ = codes[d_];                                                   \
        const float f_ = dot(h, u_, E);                                                \
        if (compute_loss) RECORD(code_ == 0 ? f_ : -f_);                               \
        if (f_ <= -MAX_EXP || f_ >= MAX_EXP) continue;                                 \
        backprop(neu1e, u_, h, ((float)(1 - code_) - table_sigmoid(exp_table, f_)) * alpha, E); \
      }                                                                                \
    }                                                                                  \
    if (negative > 0) {                                                                \
      /* Draw the negatives first (the reference's order), then one pass per output row that \
         also computes the next row's dot product. */                                  \
      for (int j_ = 0; j_ < negative; j_++) {                                          \
        u32 r1_, r2_;                                                                  \
        RNG_NEXT(r1_);                                                                 \
        RNG_NEXT(r2_);                                                                 \
        const int col_ = (int)(((unsigned long long)r1_ * (u32)V) >> 32);              \
        negs[j_] = (double)r2_ * 0x1p-32 < (double)alias_prob[col_] ? col_ : alias_idx[col_]; \
      }                                                                                \
      float *u_ = syn1neg + (word) * E;                                                \
      float f_ = dot(h, u_, E);                                                        \
      int next_ = 0;                                                                   \
      for (int d_ = -1; d_ < negative;) {                                              \
        while (next_ < negative && negs[next_] == (word)) next_++;                     \
        const float s_ = f_ >= MAX_EXP ? 1.0f : f_ <= -MAX_EXP ? 0.0f : table_sigmoid(exp_table, f_); \
        if (compute_loss) RECORD(d_ < 0 ? f_ : -f_);                                   \
        const float g_ = ((d_ < 0 ? 1.0f : 0.0f) - s_) * alpha;                         \
        if (next_ >= negative) {                                                       \
          backprop(neu1e, u_, h, g_, E);                                               \
          break;                                                                       \
        }                                                                              \
        float *un_ = syn1neg + negs[next_] * E;                                        \
        f_ = backprop_dot(neu1e, u_, h, g_, un_, E);                                   \
        u_ = un_;                                                                      \
        d_ = next_++;                                                                  \
      }                                                                                \
    }                                                                                  \
  } while (0)

EXPORT("w2v_train_sentence")
int w2v_train_sentence(W2vArgs *a, const int *words, int n, float alpha) {
  const int V = a->V, E = a->E, hs = a->hs, window = a->window, compute_loss = a->compute_loss;
  const int negative = a->negative;
  float *const syn0 = a->syn0, *const syn1neg = a->syn1neg, *const syn1 = a->syn1;
  const float *const keep = a->keep, *const alias_prob = a->alias_prob, *const exp_table = a->exp_table;
  const int *const alias_idx = a->alias_idx, *const code_start = a->code_start, *const points = a->points;
  const u8 *const codes = a->codes;
  float *const neu1 = a->neu1, *const neu1e = a->neu1e, *const lbuf = a->lbuf;
  int *const sen = a->sen, *const negs = a->negs;
  const int lcap = a->lcap;
  u32 s0 = a->rng[0], s1 = a->rng[1], s2 = a->rng[2], s3 = a->rng[3];
  double loss = 0.0;
  int lfill = 0;
  int examples = 0;

  int len = 0;
  for (int i = 0; i < n; i++) {
    const int w = words[i];
    const float p = keep[w];
    if (p < 1.0f) {
      u32 r;
      RNG_NEXT(r);
      if ((double)r * 0x1p-32 > (double)p) continue;
    }
    sen[len++] = w;
  }

  for (int pos = 0; pos < len; pos++) {
    u32 r;
    RNG_NEXT(r);
    const int win = window - (int)(r % (u32)window);
    const int word = sen[pos];
    const int lo = imax(0, pos - win), hi = imin(len - 1, pos + win);
    if (a->sg) {
      for (int c = lo; c <= hi; c++) {
        if (c == pos) continue;
        float *const h = syn0 + sen[c] * E;
        EXAMPLE(h, word);
        addto(h, neu1e, E, 0);
        examples++;
      }
    } else {
      int cw = 0;
      for (int c = lo; c <= hi; c++) {
        if (c == pos) continue;
        addto(neu1, syn0 + sen[c] * E, E, cw == 0);
        cw++;
      }
      if (cw == 0) continue;
      if (a->cbow_mean) scale(neu1, 1.0f / (float)cw, E);
      EXAMPLE(neu1, word);
      for (int c = lo; c <= hi; c++) {
        if (c == pos) continue;
        addto(syn0 + sen[c] * E, neu1e, E, 0);
      }
      examples++;
    }
  }

  if (lfill > 0) loss += loss_sum(lbuf, lfill);
  a->rng[0] = s0;
  a->rng[1] = s1;
  a->rng[2] = s2;
  a->rng[3] = s3;
  a->loss += loss;
  a->examples += (double)examples;
  return len;
}
