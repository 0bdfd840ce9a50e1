/*
 * Fused whole-sequence recurrent kernels (DESIGN.md §3): Elman RNN, LSTM and GRU forward over all
 * T steps and their BPTT backward, float32, batch-first, with masks, reverse direction, initial
 * states and the recurrent-dropout mask hMask.
 *
 * The equations, argument shapes, `=` / `+=` rules, cache layouts and backward work layouts are
 * those of the reference kernels src/kernels/ref/{rnn,lstm,gru}.ts (the specification): a cache
 * written here can be read by the reference backward and the other way round. Null arrays are
 * passed as address 0; `mask` is bytes (B, T), 1 = real step.
 *
 * Structure (as the reference):
 *   forward:  input projection X · W_ihᵀ for all B·T rows as one GEMM, plus the biases; then per
 *             step one GEMM (m ⊙ h_{t−1}) · W_hhᵀ into the step's rows, with W_hh packed once per
 *             sequence (gemm_packed), followed by the fused gate math (vmath.h).
 *   backward: per step the fused gate derivatives, then one GEMM dA_t · W_hh with W_hh packed once
 *             per sequence; after the loop dX, dW_ih, dW_hh as GEMMs over all B·T rows and the
 *             bias gradients as column sums.
 * Sigmoid and tanh are vmath.h's approximations (≈ 2.5 ulp, see there), so results agree with the
 * reference to float32 rounding, not bit for bit. Every batch row is computed by the same
 * operations whatever B is, so a sample's result does not depend on the batch it is in.
 *
 * `ws` is working space of recurrent_work_bytes(cell, H) bytes (16-byte aligned), not overlapping
 * any argument; it holds the GEMM scratch and the packed weights.
 */
#include "gemm.h"
#include "vmath.h"

enum { CELL_RNN = 0, CELL_LSTM = 1, CELL_GRU = 2 };

INLINE u32 umax(u32 a, u32 b) { return a > b ? a : b; }

/* Floats of packed weights a cell needs (the forward's W_hhᵀ and the backward's W_hh). */
static u32 panel_floats(int cell, int H) {
  if (cell == CELL_LSTM) return umax(packed_b_floats(H, 4 * H), packed_b_floats(4 * H, H));
  if (cell == CELL_GRU)
    return umax(packed_b_floats(H, 2 * H), packed_b_floats(2 * H, H)) + packed_b_floats(H, H);
  return packed_b_floats(H, H);
}

/* Floats of the summed biases b_ih + b_hh (G·H, rounded up to a vector). */
INLINE u32 bias_floats(int cell, int H) { return (u32)((cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1) * H + 3) / 4 * 4; }

/*
 * Bytes of `ws` the kernels of `cell` (0 rnn, 1 lstm, 2 gru) need for hidden size H: the GEMM's
 * working space, then the packed weights, then (forward) the summed biases.
 */
EXPORT("recurrent_work_bytes") u32 recurrent_work_bytes(int cell, int H) {
  return umax(sgemm_scratch_bytes(), (u32)(GEMM_PACKED_WORK_FLOATS + panel_floats(cell, H) + bias_floats(cell, H)) * 4u);
}

/* ---- helpers over rows of n floats ---------------------------------------------------------- */

INLINE int real_step(const u8 *mask, int T, int b, int t) { return mask == 0 || mask[b * T + t] != 0; }

static void fill_zero(float *p, int n) {
  int j = 0;
  for (; j + 4 <= n; j += 4) store4(p + j, splat4(0.0f));
  for (; j < n; j++) p[j] = 0.0f;
}

/* d = s, or 0 when s is null. */
static void copy_or_zero(float *d, const float *s, int n) {
  if (s == 0) {
    fill_zero(d, n);
    return;
  }
  int j = 0;
  for (; j + 4 <= n; j += 4) store4(d + j, load4(s + j));
  for (; j < n; j++) d[j] = s[j];
}

/* d = m ⊙ s (m null: d = s). */
static void mul_or_copy(float *d, const float *m, const float *s, int n) {
  if (m == 0) {
    copy_or_zero(d, s, n);
    return;
  }
  FOR4(j, k, n, {
    storen(d + j, loadn(m + j, k) * loadn(s + j, k), k);
  });
}

/* d = m ⊙ s (m null: d = s), or d += m ⊙ s when acc. */
static void mul_acc(float *d, const float *m, const float *s, int n, int acc) {
  FOR4(j, k, n, {
    v4f v = m == 0 ? loadn(s + j, k) : loadn(m + j, k) * loadn(s + j, k);
    if (acc) v = loadn(d + j, k) + v;
    storen(d + j, v, k);
  });
}

/* bsum[j] = b1[j] + b2[j] for j < n, b1[j] for n ≤ j < n1 (null = 0): the biases the forward adds. */
static void bias_sum(int n, int n1, const float *b1, const float *b2, float *bsum) {
  for (int j = 0; j < n1; j++) bsum[j] = (b1 == 0 ? 0.0f : b1[j]) + (b2 == 0 || j >= n ? 0.0f : b2[j]);
}

/*
 * d1[j] += a[0][j], += a[1][j], … over R rows (row stride lda), one float32 addition after
 * another in row order (as the reference's `+=`, so the bits match), and the same for d2; each
 * destination may be null.
 */
static void colsum_acc(int R, int n, const float *a, int lda, float *d1, float *d2) {
  for (int q = 0; q < 2; q++) {
    float *d = q == 0 ? d1 : d2;
    if (d == 0) continue;
    int j = 0;
    for (; j + 16 <= n; j += 16) {
      v4f s0 = load4(d + j), s1 = load4(d + j + 4), s2 = load4(d + j + 8), s3 = load4(d + j + 12);
      const float *p = a + j;
      for (int r = 0; r < R; r++, p += lda) {
        s0 = s0 + load4(p);
        s1 = s1 + load4(p + 4);
        s2 = s2 + load4(p + 8);
        s3 = s3 + load4(p + 12);
      }
      store4(d + j, s0);
      store4(d + j + 4, s1);
      store4(d + j + 8, s2);
      store4(d + j + 12, s3);
    }
    for (; j < n; j += 4) {
      const int k = imin(4, n - j);
      v4f s = loadn(d + j, k);
      const float *p = a + j;
      for (int r = 0; r < R; r++, p += lda) s = s + loadn(p, k);
      storen(d + j, s, k);
    }
  }
}

/* ---- Elman RNN ------------------------------------------------------------------------------ */

/*
 * Batch rows [b0, b1) of rnn_forward (of a batch of B): rows are independent, so threads run
 * disjoint row ranges concurrently, and each row is computed by the same operations whatever the
 * range (gemm_packed, sgemm), so the result does not depend on how the batch is split.
 */
static void rnn_forward_rows(int B, int b0, int b1, int T, int I, int H, int relu, const float *x, const float *wih,
                             const float *whh, const float *bih, const float *bhh, const float *h0, const u8 *mask,
                             int reverse, const float *hmask, float *y, float *hT, float *cache, float *ws) {
  const int BTH = B * T * H;
  float *hc = cache + b0 * T * H, *hm = cache + BTH + b0 * T * H;
  x += b0 * T * I;
  y += b0 * T * H;
  hT += b0 * H;
  if (h0 != 0) h0 += b0 * H;
  if (mask != 0) mask += b0 * T;
  if (hmask != 0) hmask += b0 * H;
  B = b1 - b0;
  if (B <= 0) return;
  sgemm(0, 1, B * T, H, I, 1.0f, x, I, wih, I, 0.0f, hc, H, ws);
  copy_or_zero(hT, h0, B * H);
  float *bp = ws + GEMM_PACKED_WORK_FLOATS;
  float *bsum = bp + panel_floats(CELL_RNN, H);
  pack_b_all(1, H, H, whh, H, bp);
  bias_sum(H, H, bih, bhh, bsum);
  for (int s = 0; s < T; s++) {
    const int t = reverse ? T - 1 - s : s;
    for (int b = 0; b < B; b++) mul_or_copy(hm + (b * T + t) * H, hmask == 0 ? 0 : hmask + b * H, hT + b * H, H);
    gemm_packed(B, H, H, hm + t * H, T * H, bp, 1.0f, hc + t * H, T * H, ws);
    for (int b = 0; b < B; b++) {
      float *a = hc + (b * T + t) * H, *yr = y + (b * T + t) * H, *hs = hT + b * H;
      if (!real_step(mask, T, b, t)) {
        fill_zero(a, H);
        fill_zero(yr, H);
        continue;
      }
      FOR4(j, k, H, {
        const v4f v = loadn(a + j, k) + loadn(bsum + j, k);
        const v4f h = relu ? pmax4(v, splat4(0.0f)) : vtanh(v);
        storen(a + j, h, k);
        storen(yr + j, h, k);
        storen(hs + j, h, k);
      });
    }
  }
}

EXPORT("rnn_forward")
void rnn_forward(int B, int T, int I, int H, int relu, const float *x, const float *wih, const float *whh,
                 const float *bih, const float *bhh, const float *h0, const u8 *mask, int reverse,
                 const float *hmask, float *y, float *hT, float *cache, float *ws) {
  rnn_forward_rows(B, 0, B, T, I, H, relu, x, wih, whh, bih, bhh, h0, mask, reverse, hmask, y, hT, cache, ws);
}

/* Part `part` of `nparts` of rnn_forward (a range of batch rows), with this thread's `ws`. */
EXPORT("rnn_forward_part")
void rnn_forward_part(int part, int nparts, float *ws, int B, int T, int I, int H, int relu, const float *x,
                      const float *wih, const float *whh, const float *bih, const float *bhh, const float *h0,
                      const u8 *mask, int reverse, const float *hmask, float *y, float *hT, float *cache) {
  rnn_forward_rows(B, split_at(B, part, nparts, MR), split_at(B, part + 1, nparts, MR), T, I, H, relu, x, wih, whh,
                   bih, bhh, h0, mask, reverse, hmask, y, hT, cache, ws);
}

/*
 * rnn_backward in two phases, so threads can share it: `rows` runs the recurrence for batch rows
 * [b0, b1) (dA, the carried dh, dh0 and dx of those rows); `grads` adds the weight and bias
 * gradients of output rows [g0, g1) of the gate dimension (here G = H), as GEMMs over all B·T
 * rows of dA, once every row's dA exists. Each element is computed by the same operations
 * whatever the ranges.
 */
static void rnn_backward_rows(int B, int b0, int b1, int T, int I, int H, int relu, const float *wih,
                              const float *whh, const u8 *mask, int reverse, const float *hmask, const float *cache,
                              const float *dy, const float *dhT, float *dx, float *dh0, float *work, float *ws) {
  const int BTH = B * T * H;
  const float *hc = cache + b0 * T * H;
  float *da = work + b0 * T * H, *dhNext = work + BTH + b0 * H, *dhm = work + BTH + B * H + b0 * H;
  if (mask != 0) mask += b0 * T;
  if (hmask != 0) hmask += b0 * H;
  if (dy != 0) dy += b0 * T * H;
  if (dhT != 0) dhT += b0 * H;
  if (dx != 0) dx += b0 * T * I;
  if (dh0 != 0) dh0 += b0 * H;
  B = b1 - b0;
  if (B <= 0) return;
  copy_or_zero(dhNext, dhT, B * H);
  float *bp = ws + GEMM_PACKED_WORK_FLOATS;
  pack_b_all(0, H, H, whh, H, bp);
  for (int s = T - 1; s >= 0; s--) {
    const int t = reverse ? T - 1 - s : s;
    for (int b = 0; b < B; b++) {
      const int row = (b * T + t) * H;
      if (!real_step(mask, T, b, t)) {
        fill_zero(da + row, H);
        continue;
      }
      FOR4(j, k, H, {
        v4f dh = loadn(dhNext + b * H + j, k);
        if (dy != 0) dh = loadn(dy + row + j, k) + dh;
        const v4f h = loadn(hc + row + j, k);
        const v4f d = relu ? select4(h > splat4(0.0f), dh, splat4(0.0f)) : dh * (splat4(1.0f) - h * h);
        storen(da + row + j, d, k);
      });
    }
    gemm_packed(B, H, H, da + t * H, T * H, bp, 0.0f, dhm, H, ws);
    for (int b = 0; b < B; b++) {
      if (!real_step(mask, T, b, t)) continue;
      mul_or_copy(dhNext + b * H, hmask == 0 ? 0 : hmask + b * H, dhm + b * H, H);
    }
  }
  if (dh0 != 0) copy_or_zero(dh0, dhNext, B * H);
  if (dx != 0) sgemm(0, 0, B * T, I, H, 1.0f, da, H, wih, I, 0.0f, dx, I, ws);
}

static void rnn_backward_grads(int B, int T, int I, int H, int g0, int g1, const float *x, const float *cache,
                               float *dwih, float *dwhh, float *dbih, float *dbhh, const float *work, float *ws) {
  const int BTH = B * T * H, n = g1 - g0;
  const float *hm = cache + BTH, *da = work;
  if (n <= 0) return;
  sgemm(1, 0, n, I, B * T, 1.0f, da + g0, H, x, I, 1.0f, dwih + g0 * I, I, ws);
  sgemm(1, 0, n, H, B * T, 1.0f, da + g0, H, hm, H, 1.0f, dwhh + g0 * H, H, ws);
  colsum_acc(B * T, n, da + g0, H, dbih == 0 ? 0 : dbih + g0, dbhh == 0 ? 0 : dbhh + g0);
}

EXPORT("rnn_backward")
void rnn_backward(int B, int T, int I, int H, int relu, const float *x, const float *wih, const float *whh,
                  const u8 *mask, int reverse, const float *hmask, const float *cache, const float *dy,
                  const float *dhT, float *dx, float *dh0, float *dwih, float *dwhh, float *dbih, float *dbhh,
                  float *work, float *ws) {
  rnn_backward_rows(B, 0, B, T, I, H, relu, wih, whh, mask, reverse, hmask, cache, dy, dhT, dx, dh0, work, ws);
  rnn_backward_grads(B, T, I, H, 0, H, x, cache, dwih, dwhh, dbih, dbhh, work, ws);
}

/* Part `part` of `nparts` of rnn_backward's recurrence (batch rows); run every part before the grads. */
EXPORT("rnn_backward_rows_part")
void rnn_backward_rows_part(int part, int nparts, float *ws, int B, int T, int I, int H, int relu, const float *x,
                            const float *wih, const float *whh, const u8 *mask, int reverse, const float *hmask,
                            const float *cache, const float *dy, const float *dhT, float *dx, float *dh0, float *dwih,
                            float *dwhh, float *dbih, float *dbhh, float *work) {
  (void)x, (void)dwih, (void)dwhh, (void)dbih, (void)dbhh;
  rnn_backward_rows(B, split_at(B, part, nparts, MR), split_at(B, part + 1, nparts, MR), T, I, H, relu, wih, whh,
                    mask, reverse, hmask, cache, dy, dhT, dx, dh0, work, ws);
}

/* Part `part` of `nparts` of rnn_backward's weight and bias gradients (rows of the gate dimension). */
EXPORT("rnn_backward_grads_part")
void rnn_backward_grads_part(int part, int nparts, float *ws, int B, int T, int I, int H, int relu, const float *x,
                             const float *wih, const float *whh, const u8 *mask, int reverse, const float *hmask,
                             const float *cache, const float *dy, const float *dhT, float *dx, float *dh0, float *dwih,
                             float *dwhh, float *dbih, float *dbhh, float *work) {
  (void)relu, (void)wih, (void)whh, (void)mask, (void)reverse, (void)hmask, (void)dy, (void)dhT, (void)dx, (void)dh0;
  rnn_backward_grads(B, T, I, H, split_at(H, part, nparts, NR), split_at(H, part + 1, nparts, NR), x, cache, dwih,
                     dwhh, dbih, dbhh, work, ws);
}

/* ---- LSTM ----------------------------------------------------------------------------------- */

/*
 * The LSTM cell on n hidden units of one row (n = H, or a thread's range of them): `g` points at
 * the row's first unit in the input gate's block, the other gates H floats apart. Forward: g holds
 * the pre-activations without biases (`bs`, same layout) and gets i, f, g, o; c (`cs`) and h
 * (`hs`, `yr`) are updated. The fused kernels and the split by hidden units both run this, so they
 * compute each element with the same operations.
 */
INLINE void lstm_cell_forward(int H, int n, float *g, const float *bs, float *cs, float *hs, float *yr) {
  FOR4(j, k, n, {
    const v4f i = vsigmoid(loadn(g + j, k) + loadn(bs + j, k));
    const v4f f = vsigmoid(loadn(g + H + j, k) + loadn(bs + H + j, k));
    const v4f gg = vtanh(loadn(g + 2 * H + j, k) + loadn(bs + 2 * H + j, k));
    const v4f o = vsigmoid(loadn(g + 3 * H + j, k) + loadn(bs + 3 * H + j, k));
    storen(g + j, i, k);
    storen(g + H + j, f, k);
    storen(g + 2 * H + j, gg, k);
    storen(g + 3 * H + j, o, k);
    const v4f c = f * loadn(cs + j, k) + i * gg;
    const v4f h = o * vtanh(c);
    storen(cs + j, c, k);
    storen(hs + j, h, k);
    storen(yr + j, h, k);
  });
}

/*
 * Backward of lstm_cell_forward on the same n units: gate activations `g`, the previous cell
 * state `cPrev`, dy of the row (null: none) and the carried dh (`dhn`) and dc (`dcn`, updated to
 * dc·f) give the gate derivatives `d` (same layout as g).
 */
INLINE void lstm_cell_backward(int H, int n, const float *g, const float *cPrev, const float *dy, const float *dhn,
                               float *dcn, float *d) {
  FOR4(j, k, n, {
    const v4f one = splat4(1.0f);
    const v4f i = loadn(g + j, k), f = loadn(g + H + j, k), gg = loadn(g + 2 * H + j, k);
    const v4f o = loadn(g + 3 * H + j, k);
    const v4f cp = loadn(cPrev + j, k);
    const v4f tc = vtanh(f * cp + i * gg);
    v4f dh = loadn(dhn + j, k);
    if (dy != 0) dh = loadn(dy + j, k) + dh;
    const v4f dc = loadn(dcn + j, k) + dh * o * (one - tc * tc);
    storen(d + j, dc * gg * i * (one - i), k);
    storen(d + H + j, dc * cp * f * (one - f), k);
    storen(d + 2 * H + j, dc * i * (one - gg * gg), k);
    storen(d + 3 * H + j, dh * tc * o * (one - o), k);
    storen(dcn + j, dc * f, k);
  });
}

/* Batch rows [b0, b1) of lstm_forward (see rnn_forward_rows). */
static void lstm_forward_rows(int B, int b0, int b1, int T, int I, int H, const float *x, const float *wih,
                              const float *whh, const float *bih, const float *bhh, const float *h0, const float *c0,
                              const u8 *mask, int reverse, const float *hmask, float *y, float *hT, float *cT,
                              float *cache, float *ws) {
  const int G = 4 * H;
  const int BTH = B * T * H;
  float *gates = cache + b0 * T * G, *hm = cache + 4 * BTH + b0 * T * H, *cp = cache + 5 * BTH + b0 * T * H;
  x += b0 * T * I;
  y += b0 * T * H;
  hT += b0 * H;
  cT += b0 * H;
  if (h0 != 0) h0 += b0 * H;
  if (c0 != 0) c0 += b0 * H;
  if (mask != 0) mask += b0 * T;
  if (hmask != 0) hmask += b0 * H;
  B = b1 - b0;
  if (B <= 0) return;
  sgemm(0, 1, B * T, G, I, 1.0f, x, I, wih, I, 0.0f, gates, G, ws);
  copy_or_zero(hT, h0, B * H);
  copy_or_zero(cT, c0, B * H);
  float *bp = ws + GEMM_PACKED_WORK_FLOATS;
  float *bsum = bp + panel_floats(CELL_LSTM, H);
  pack_b_all(1, H, G, whh, H, bp);
  bias_sum(G, G, bih, bhh, bsum);
  for (int s = 0; s < T; s++) {
    const int t = reverse ? T - 1 - s : s;
    for (int b = 0; b < B; b++) {
      const int row = (b * T + t) * H;
      mul_or_copy(hm + row, hmask == 0 ? 0 : hmask + b * H, hT + b * H, H);
      copy_or_zero(cp + row, cT + b * H, H);
    }
    gemm_packed(B, G, H, hm + t * H, T * H, bp, 1.0f, gates + t * G, T * G, ws);
    for (int b = 0; b < B; b++) {
      float *g = gates + (b * T + t) * G, *yr = y + (b * T + t) * H;
      if (!real_step(mask, T, b, t)) {
        fill_zero(g, G);
        fill_zero(yr, H);
        continue;
      }
      lstm_cell_forward(H, H, g, bsum, cT + b * H, hT + b * H, yr);
    }
  }
}

EXPORT("lstm_forward")
void lstm_forward(int B, int T, int I, int H, const float *x, const float *wih, const float *whh, const float *bih,
                  const float *bhh, const float *h0, const float *c0, const u8 *mask, int reverse,
                  const float *hmask, float *y, float *hT, float *cT, float *cache, float *ws) {
  lstm_forward_rows(B, 0, B, T, I, H, x, wih, whh, bih, bhh, h0, c0, mask, reverse, hmask, y, hT, cT, cache, ws);
}

/* Part `part` of `nparts` of lstm_forward (a range of batch rows), with this thread's `ws`. */
EXPORT("lstm_forward_part")
void lstm_forward_part(int part, int nparts, float *ws, int B, int T, int I, int H, const float *x, const float *wih,
                       const float *whh, const float *bih, const float *bhh, const float *h0, const float *c0,
                       const u8 *mask, int reverse, const float *hmask, float *y, float *hT, float *cT,
                       float *cache) {
  lstm_forward_rows(B, split_at(B, part, nparts, MR), split_at(B, part + 1, nparts, MR), T, I, H, x, wih, whh, bih,
                    bhh, h0, c0, mask, reverse, hmask, y, hT, cT, cache, ws);
}

/* The two phases of lstm_backward (see rnn_backward_rows / rnn_backward_grads). */
static void lstm_backward_rows(int B, int b0, int b1, int T, int I, int H, const float *wih, const float *whh,
                               const u8 *mask, int reverse, const float *hmask, const float *cache, const float *dy,
                               const float *dhT, const float *dcT, float *dx, float *dh0, float *dc0, float *work,
                               float *ws) {
  const int G = 4 * H;
  const int BTH = B * T * H;
  const float *gates = cache + b0 * T * G, *cp = cache + 5 * BTH + b0 * T * H;
  float *dA = work + b0 * T * G, *dhNext = work + 4 * BTH + b0 * H, *dcNext = work + 4 * BTH + B * H + b0 * H;
  float *dhm = work + 4 * BTH + 2 * B * H + b0 * H;
  if (mask != 0) mask += b0 * T;
  if (hmask != 0) hmask += b0 * H;
  if (dy != 0) dy += b0 * T * H;
  if (dhT != 0) dhT += b0 * H;
  if (dcT != 0) dcT += b0 * H;
  if (dx != 0) dx += b0 * T * I;
  if (dh0 != 0) dh0 += b0 * H;
  if (dc0 != 0) dc0 += b0 * H;
  B = b1 - b0;
  if (B <= 0) return;
  copy_or_zero(dhNext, dhT, B * H);
  copy_or_zero(dcNext, dcT, B * H);
  float *bp = ws + GEMM_PACKED_WORK_FLOATS;
  pack_b_all(0, G, H, whh, H, bp);
  for (int s = T - 1; s >= 0; s--) {
    const int t = reverse ? T - 1 - s : s;
    for (int b = 0; b < B; b++) {
      const int row = (b * T + t) * H;
      float *d = dA + (b * T + t) * G;
      if (!real_step(mask, T, b, t)) {
        fill_zero(d, G);
        continue;
      }
      lstm_cell_backward(H, H, gates + (b * T + t) * G, cp + row, dy == 0 ? 0 : dy + row, dhNext + b * H,
                         dcNext + b * H, d);
    }
    gemm_packed(B, H, G, dA + t * G, T * G, bp, 0.0f, dhm, H, ws);
    for (int b = 0; b < B; b++) {
      if (!real_step(mask, T, b, t)) continue;
      mul_or_copy(dhNext + b * H, hmask == 0 ? 0 : hmask + b * H, dhm + b * H, H);
    }
  }
  if (dh0 != 0) copy_or_zero(dh0, dhNext, B * H);
  if (dc0 != 0) copy_or_zero(dc0, dcNext, B * H);
  if (dx != 0) sgemm(0, 0, B * T, I, G, 1.0f, dA, G, wih, I, 0.0f, dx, I, ws);
}

static void lstm_backward_grads(int B, int T, int I, int H, int g0, int g1, const float *x, const float *cache,
                                float *dwih, float *dwhh, float *dbih, float *dbhh, const float *work, float *ws) {
  const int G = 4 * H, n = g1 - g0;
  const float *hm = cache + 4 * B * T * H, *dA = work;
  if (n <= 0) return;
  sgemm(1, 0, n, I, B * T, 1.0f, dA + g0, G, x, I, 1.0f, dwih + g0 * I, I, ws);
  sgemm(1, 0, n, H, B * T, 1.0f, dA + g0, G, hm, H, 1.0f, dwhh + g0 * H, H, ws);
  colsum_acc(B * T, n, dA + g0, G, dbih == 0 ? 0 : dbih + g0, dbhh == 0 ? 0 : dbhh + g0);
}

EXPORT("lstm_backward")
void lstm_backward(int B, int T, int I, int H, const float *x, const float *wih, const float *whh, const u8 *mask,
                   int reverse, const float *hmask, const float *cache, const float *dy, const float *dhT,
                   const float *dcT, float *dx, float *dh0, float *dc0, float *dwih, float *dwhh, float *dbih,
                   float *dbhh, float *work, float *ws) {
  lstm_backward_rows(B, 0, B, T, I, H, wih, whh, mask, reverse, hmask, cache, dy, dhT, dcT, dx, dh0, dc0, work, ws);
  lstm_backward_grads(B, T, I, H, 0, 4 * H, x, cache, dwih, dwhh, dbih, dbhh, work, ws);
}

/* Part `part` of `nparts` of lstm_backward's recurrence (batch rows); run every part before the grads. */
EXPORT("lstm_backward_rows_part")
void lstm_backward_rows_part(int part, int nparts, float *ws, int B, int T, int I, int H, const float *x,
                             const float *wih, const float *whh, const u8 *mask, int reverse, const float *hmask,
                             const float *cache, const float *dy, const float *dhT, const float *dcT, float *dx,
                             float *dh0, float *dc0, float *dwih, float *dwhh, float *dbih, float *dbhh,
                             float *work) {
  (void)x, (void)dwih, (void)dwhh, (void)dbih, (void)dbhh;
  lstm_backward_rows(B, split_at(B, part, nparts, MR), split_at(B, part + 1, nparts, MR), T, I, H, wih, whh, mask,
                     reverse, hmask, cache, dy, dhT, dcT, dx, dh0, dc0, work, ws);
}

/* Part `part` of `nparts` of lstm_backward's weight and bias gradients (rows of the gate dimension). */
EXPORT("lstm_backward_grads_part")
void lstm_backward_grads_part(int part, int nparts, float *ws, int B, int T, int I, int H, const float *x,
                              const float *wih, const float *whh, const u8 *mask, int reverse, const float *hmask,
                              const float *cache, const float *dy, const float *dhT, const float *dcT, float *dx,
                              float *dh0, float *dc0, float *dwih, float *dwhh, float *dbih, float *dbhh,
                              float *work) {
  (void)wih, (void)whh, (void)mask, (void)reverse, (void)hmask, (void)dy, (void)dhT, (void)dcT, (void)dx, (void)dh0,
      (void)dc0;
  lstm_backward_grads(B, T, I, H, split_at(4 * H, part, nparts, NR), split_at(4 * H, part + 1, nparts, NR), x, cache,
                      dwih, dwhh, dbih, dbhh, work, ws);
}

/*
 * The LSTM split by hidden units, one job per time step (for large H and small batches; the
 * drivers, which choose it, are src/kernels/wasm/recurrent.ts and native/recurrent.c). The batch
 * split above cannot split fewer than 8 rows, and gives each thread few rows of the step's GEMM
 * while each still streams all of the packed W_hh every step (16 MB at H = 1024), so that stream,
 * not the arithmetic, sets the time. Here every thread multiplies all B rows by its own columns of
 * W_hh, so each streams only its share. A sequence is:
 *   forward:  gates = X · W_ihᵀ for all B·T rows (the driver's GEMM, before the prep: the GEMM's
 *             scratch overlaps the packed weights), lstm_forward_prep on the caller's `ws`, then
 *             for s = 0 … T−1 every part of lstm_forward_step_part(s) (parts of one step run
 *             concurrently; a step starts when the previous one is done).
 *   backward: lstm_backward_prep, then for s = T−1 … 0 and once more for s = −1 every part of
 *             lstm_backward_step_part(s), then lstm_backward_finish, dX = dA · W_ih (the driver's
 *             GEMM), then the gradients as lstm_backward_grads_part.
 * `shared` is the caller's `ws` (the packed weights and summed biases the prep wrote); each part
 * uses its own `ws` for the GEMM. Part p covers hidden units [u0, u1) = split_at(H, p, np, NR) (all
 * four gate blocks of them), so H must be a multiple of NR (lstm_step_split_ok). Each element is
 * computed by the operations of lstm_forward_rows / lstm_backward_rows, so the results are theirs,
 * bit for bit, whatever the number of parts.
 */
/*
 * Whether an LSTM of hidden size H may run split by hidden units on threads (the drivers also
 * require a small batch): H a multiple of NR and the packed W_hh at least 4 MB (H ≥ 512), past the
 * 2 MB L2 of one core. Smaller ones keep the batch split (one fork per sequence).
 */
EXPORT("lstm_step_split_ok") int lstm_step_split_ok(int H) { return H > 0 && H % NR == 0 && 4.0 * H * H >= 1048576.0; }

EXPORT("lstm_forward_prep")
void lstm_forward_prep(int B, int T, int H, const float *whh, const float *bih, const float *bhh, const float *h0,
                       const float *c0, const float *hmask, float *hT, float *cT, float *cache, int reverse,
                       float *ws) {
  const int G = 4 * H, BTH = B * T * H, t = reverse ? T - 1 : 0;
  float *hm = cache + 4 * BTH, *cp = cache + 5 * BTH;
  copy_or_zero(hT, h0, B * H);
  copy_or_zero(cT, c0, B * H);
  float *bp = ws + GEMM_PACKED_WORK_FLOATS;
  pack_b_all(1, H, G, whh, H, bp);
  bias_sum(G, G, bih, bhh, bp + panel_floats(CELL_LSTM, H));
  /* The first step's rows of m ⊙ h and c; none when T = 0 (the cache is empty: row t would be 0 or −1). */
  if (T <= 0) return;
  for (int b = 0; b < B; b++) {
    const int row = (b * T + t) * H;
    mul_or_copy(hm + row, hmask == 0 ? 0 : hmask + b * H, hT + b * H, H);
    copy_or_zero(cp + row, cT + b * H, H);
  }
}

/* Step s of the sequence for hidden units [u0, u1); then the next step's hm and cp of those units. */
EXPORT("lstm_forward_step_part")
void lstm_forward_step_part(int part, int nparts, float *ws, int s, int B, int T, int H, const u8 *mask, int reverse,
                            const float *hmask, float *y, float *hT, float *cT, float *cache, const float *shared) {
  const int G = 4 * H, BTH = B * T * H, t = reverse ? T - 1 - s : s;
  const int u0 = split_at(H, part, nparts, NR), u1 = split_at(H, part + 1, nparts, NR), n = u1 - u0;
  if (n <= 0) return;
  float *gates = cache, *hm = cache + 4 * BTH, *cp = cache + 5 * BTH;
  const float *bp = shared + GEMM_PACKED_WORK_FLOATS, *bsum = bp + panel_floats(CELL_LSTM, H);
  for (int q = 0; q < 4; q++)
    gemm_packed_cols(B, G, q * H + u0, q * H + u1, H, hm + t * H, T * H, bp, 1.0f, gates + t * G, T * G, ws);
  for (int b = 0; b < B; b++) {
    float *g = gates + (b * T + t) * G + u0, *yr = y + (b * T + t) * H + u0;
    if (!real_step(mask, T, b, t)) {
      for (int q = 0; q < 4; q++) fill_zero(g + q * H, n);
      fill_zero(yr, n);
      continue;
    }
    lstm_cell_forward(H, n, g, bsum + u0, cT + b * H + u0, hT + b * H + u0, yr);
  }
  if (s + 1 < T) {
    const int tn = reverse ? T - 2 - s : s + 1;
    for (int b = 0; b < B; b++) {
      const int row = (b * T + tn) * H + u0;
      mul_or_copy(hm + row, hmask == 0 ? 0 : hmask + b * H + u0, hT + b * H + u0, n);
      copy_or_zero(cp + row, cT + b * H + u0, n);
    }
  }
}

EXPORT("lstm_backward_prep")
void lstm_backward_prep(int B, int T, int H, const float *whh, const float *dhT, const float *dcT, float *work,
                        float *ws) {
  const int G = 4 * H, BTH = B * T * H;
  copy_or_zero(work + 4 * BTH, dhT, B * H);
  copy_or_zero(work + 4 * BTH + B * H, dcT, B * H);
  pack_b_all(0, G, H, whh, H, ws + GEMM_PACKED_WORK_FLOATS);
}

/*
 * For hidden units [u0, u1): the carried dh from step s + 1 (dhm = dA_{t'} · W_hh over those
 * columns, masked by hmask, for the rows real at t'; none when s = T − 1), then step s's gate
 * derivatives dA_t (s ≥ 0). s = −1 only finishes step 0's carried dh.
 */
EXPORT("lstm_backward_step_part")
void lstm_backward_step_part(int part, int nparts, float *ws, int s, int B, int T, int H, const u8 *mask, int reverse,
                             const float *hmask, const float *cache, const float *dy, float *work,
                             const float *shared) {
  const int G = 4 * H, BTH = B * T * H;
  const int u0 = split_at(H, part, nparts, NR), u1 = split_at(H, part + 1, nparts, NR), n = u1 - u0;
  if (n <= 0) return;
  const float *gates = cache, *cp = cache + 5 * BTH, *bp = shared + GEMM_PACKED_WORK_FLOATS;
  float *dA = work, *dhNext = work + 4 * BTH, *dcNext = work + 4 * BTH + B * H, *dhm = work + 4 * BTH + 2 * B * H;
  if (s + 1 < T) {
    const int tp = reverse ? T - 2 - s : s + 1;
    gemm_packed_cols(B, H, u0, u1, G, dA + tp * G, T * G, bp, 0.0f, dhm, H, ws);
    for (int b = 0; b < B; b++) {
      if (!real_step(mask, T, b, tp)) continue;
      mul_or_copy(dhNext + b * H + u0, hmask == 0 ? 0 : hmask + b * H + u0, dhm + b * H + u0, n);
    }
  }
  if (s < 0) return;
  const int t = reverse ? T - 1 - s : s;
  for (int b = 0; b < B; b++) {
    const int row = (b * T + t) * H + u0;
    float *d = dA + (b * T + t) * G + u0;
    if (!real_step(mask, T, b, t)) {
      for (int q = 0; q < 4; q++) fill_zero(d + q * H, n);
      continue;
    }
    lstm_cell_backward(H, n, gates + (b * T + t) * G + u0, cp + row, dy == 0 ? 0 : dy + row, dhNext + b * H + u0,
                       dcNext + b * H + u0, d);
  }
}

/* After the steps: dh0, dc0 (each skipped when null). */
EXPORT("lstm_backward_finish")
void lstm_backward_finish(int B, int T, int H, float *dh0, float *dc0, const float *work) {
  const int BTH = B * T * H;
  if (dh0 != 0) copy_or_zero(dh0, work + 4 * BTH, B * H);
  if (dc0 != 0) copy_or_zero(dc0, work + 4 * BTH + B * H, B * H);
}

/* ---- GRU ------------------------------------------------------------------------------------ */

/* Batch rows [b0, b1) of gru_forward (see rnn_forward_rows). */
static void gru_forward_rows(int B, int b0, int b1, int T, int I, int H, int resetAfter, const float *x,
                             const float *wih, const float *whh, const float *bih, const float *bhh, const float *h0,
                             const u8 *mask, int reverse, const float *hmask, float *y, float *hT, float *cache,
                             float *ws) {
  const int G = 3 * H;
  const int BTH = B * T * H;
  float *gates = cache + b0 * T * G, *hm = cache + 3 * BTH + b0 * T * H, *hp = cache + 4 * BTH + b0 * T * H;
  float *hn = cache + 5 * BTH + b0 * T * H;
  x += b0 * T * I;
  y += b0 * T * H;
  hT += b0 * H;
  if (h0 != 0) h0 += b0 * H;
  if (mask != 0) mask += b0 * T;
  if (hmask != 0) hmask += b0 * H;
  B = b1 - b0;
  if (B <= 0) return;
  sgemm(0, 1, B * T, G, I, 1.0f, x, I, wih, I, 0.0f, gates, G, ws);
  copy_or_zero(hT, h0, B * H);
  float *bpRZ = ws + GEMM_PACKED_WORK_FLOATS;
  float *bpN = bpRZ + packed_b_floats(H, 2 * H);
  float *bsum = bpRZ + panel_floats(CELL_GRU, H);
  pack_b_all(1, H, 2 * H, whh, H, bpRZ);
  pack_b_all(1, H, H, whh + 2 * H * H, H, bpN);
  /* b_hr, b_hz always join the input side; b_hn too unless it sits inside r (resetAfter). */
  bias_sum(resetAfter ? 2 * H : G, G, bih, bhh, bsum);
  const float *bhn = bhh == 0 ? 0 : bhh + 2 * H;
  for (int s = 0; s < T; s++) {
    const int t = reverse ? T - 1 - s : s;
    for (int b = 0; b < B; b++) {
      const int row = (b * T + t) * H;
      mul_or_copy(hm + row, hmask == 0 ? 0 : hmask + b * H, hT + b * H, H);
      copy_or_zero(hp + row, hT + b * H, H);
    }
    gemm_packed(B, 2 * H, H, hm + t * H, T * H, bpRZ, 1.0f, gates + t * G, T * G, ws);
    if (resetAfter) {
      gemm_packed(B, H, H, hm + t * H, T * H, bpN, 0.0f, hn + t * H, T * H, ws);
    } else {
      /* r first: the candidate's recurrent operand is r ⊙ hm. */
      for (int b = 0; b < B; b++) {
        const int row = (b * T + t) * H;
        float *g = gates + (b * T + t) * G;
        FOR4(j, k, H, {
          const v4f r = vsigmoid(loadn(g + j, k) + loadn(bsum + j, k));
          storen(g + j, r, k);
          storen(g + H + j, vsigmoid(loadn(g + H + j, k) + loadn(bsum + H + j, k)), k);
          storen(hn + row + j, r * loadn(hm + row + j, k), k);
        });
      }
      gemm_packed(B, H, H, hn + t * H, T * H, bpN, 1.0f, gates + t * G + 2 * H, T * G, ws);
    }
    for (int b = 0; b < B; b++) {
      const int row = (b * T + t) * H;
      float *g = gates + (b * T + t) * G, *yr = y + row;
      if (!real_step(mask, T, b, t)) {
        fill_zero(g, G);
        fill_zero(hn + row, H);
        fill_zero(yr, H);
        continue;
      }
      float *hs = hT + b * H;
      FOR4(j, k, H, {
        v4f r, z, an = loadn(g + 2 * H + j, k) + loadn(bsum + 2 * H + j, k);
        if (resetAfter) {
          r = vsigmoid(loadn(g + j, k) + loadn(bsum + j, k));
          z = vsigmoid(loadn(g + H + j, k) + loadn(bsum + H + j, k));
          storen(g + j, r, k);
          storen(g + H + j, z, k);
          v4f hnv = loadn(hn + row + j, k);
          if (bhn != 0) hnv = hnv + loadn(bhn + j, k);
          storen(hn + row + j, hnv, k);
          an = an + r * hnv;
        } else {
          z = loadn(g + H + j, k);
        }
        const v4f n = vtanh(an);
        storen(g + 2 * H + j, n, k);
        const v4f h = (splat4(1.0f) - z) * n + z * loadn(hs + j, k);
        storen(hs + j, h, k);
        storen(yr + j, h, k);
      });
    }
  }
}

EXPORT("gru_forward")
void gru_forward(int B, int T, int I, int H, int resetAfter, const float *x, const float *wih, const float *whh,
                 const float *bih, const float *bhh, const float *h0, const u8 *mask, int reverse,
                 const float *hmask, float *y, float *hT, float *cache, float *ws) {
  gru_forward_rows(B, 0, B, T, I, H, resetAfter, x, wih, whh, bih, bhh, h0, mask, reverse, hmask, y, hT, cache, ws);
}

/* Part `part` of `nparts` of gru_forward (a range of batch rows), with this thread's `ws`. */
EXPORT("gru_forward_part")
void gru_forward_part(int part, int nparts, float *ws, int B, int T, int I, int H, int resetAfter, const float *x,
                      const float *wih, const float *whh, const float *bih, const float *bhh, const float *h0,
                      const u8 *mask, int reverse, const float *hmask, float *y, float *hT, float *cache) {
  gru_forward_rows(B, split_at(B, part, nparts, MR), split_at(B, part + 1, nparts, MR), T, I, H, resetAfter, x, wih,
                   whh, bih, bhh, h0, mask, reverse, hmask, y, hT, cache, ws);
}

/* The two phases of gru_backward (see rnn_backward_rows / rnn_backward_grads). */
static void gru_backward_rows(int B, int b0, int b1, int T, int I, int H, int resetAfter, const float *wih,
                              const float *whh, const u8 *mask, int reverse, const float *hmask, const float *cache,
                              const float *dy, const float *dhT, float *dx, float *dh0, float *work, float *ws) {
  const int G = 3 * H;
  const int BTH = B * T * H;
  const float *gates = cache + b0 * T * G, *hm = cache + 3 * BTH + b0 * T * H, *hp = cache + 4 * BTH + b0 * T * H;
  const float *hn = cache + 5 * BTH + b0 * T * H;
  float *dA = work + b0 * T * G, *dAh = work + 3 * BTH + b0 * T * H, *dhNext = work + 4 * BTH + b0 * H;
  float *dhm = work + 4 * BTH + B * H + b0 * H;
  if (mask != 0) mask += b0 * T;
  if (hmask != 0) hmask += b0 * H;
  if (dy != 0) dy += b0 * T * H;
  if (dhT != 0) dhT += b0 * H;
  if (dx != 0) dx += b0 * T * I;
  if (dh0 != 0) dh0 += b0 * H;
  B = b1 - b0;
  if (B <= 0) return;
  copy_or_zero(dhNext, dhT, B * H);
  float *bpRZ = ws + GEMM_PACKED_WORK_FLOATS;
  float *bpN = bpRZ + packed_b_floats(2 * H, H);
  pack_b_all(0, 2 * H, H, whh, H, bpRZ);
  pack_b_all(0, H, H, whh + 2 * H * H, H, bpN);
  for (int s = T - 1; s >= 0; s--) {
    const int t = reverse ? T - 1 - s : s;
    for (int b = 0; b < B; b++) {
      const int row = (b * T + t) * H;
      float *d = dA + (b * T + t) * G;
      if (!real_step(mask, T, b, t)) {
        fill_zero(d, G);
        fill_zero(dAh + row, H);
        continue;
      }
      const float *g = gates + (b * T + t) * G;
      float *dhn = dhNext + b * H;
      FOR4(j, k, H, {
        const v4f one = splat4(1.0f);
        const v4f r = loadn(g + j, k), z = loadn(g + H + j, k), n = loadn(g + 2 * H + j, k);
        v4f dh = loadn(dhn + j, k);
        if (dy != 0) dh = loadn(dy + row + j, k) + dh;
        const v4f dAn = dh * (one - z) * (one - n * n);
        storen(d + H + j, dh * (loadn(hp + row + j, k) - n) * z * (one - z), k);
        storen(d + 2 * H + j, dAn, k);
        if (resetAfter) {
          storen(dAh + row + j, dAn * r, k);
          storen(d + j, dAn * loadn(hn + row + j, k) * r * (one - r), k);
        } else {
          storen(dAh + row + j, dAn, k);
        }
        storen(dhn + j, dh * z, k);
      });
    }
    gemm_packed(B, H, H, dAh + t * H, T * H, bpN, 0.0f, dhm, H, ws);
    if (!resetAfter) {
      for (int b = 0; b < B; b++) {
        if (!real_step(mask, T, b, t)) continue;
        const int row = (b * T + t) * H;
        const float *g = gates + (b * T + t) * G;
        float *d = dA + (b * T + t) * G;
        FOR4(j, k, H, {
          const v4f r = loadn(g + j, k);
          const v4f drh = loadn(dhm + b * H + j, k);
          storen(d + j, drh * loadn(hm + row + j, k) * r * (splat4(1.0f) - r), k);
          storen(dhm + b * H + j, drh * r, k);
        });
      }
    }
    gemm_packed(B, H, 2 * H, dA + t * G, T * G, bpRZ, 1.0f, dhm, H, ws);
    for (int b = 0; b < B; b++) {
      if (!real_step(mask, T, b, t)) continue;
      mul_acc(dhNext + b * H, hmask == 0 ? 0 : hmask + b * H, dhm + b * H, H, 1);
    }
  }
  if (dh0 != 0) copy_or_zero(dh0, dhNext, B * H);
  if (dx != 0) sgemm(0, 0, B * T, I, G, 1.0f, dA, G, wih, I, 0.0f, dx, I, ws);
}

/*
 * Gate rows [g0, g1) of gru_backward's parameter gradients: dW_ih rows from dA; dW_hh rows < 2H
 * from dA · hm, rows ≥ 2H from dAh · (hm or hn); biases as column sums.
 */
static void gru_backward_grads(int B, int T, int I, int H, int resetAfter, int g0, int g1, const float *x,
                               const float *cache, float *dwih, float *dwhh, float *dbih, float *dbhh,
                               const float *work, float *ws) {
  const int G = 3 * H, BT = B * T, BTH = B * T * H;
  const float *hm = cache + 3 * BTH, *hn = cache + 5 * BTH, *dA = work, *dAh = work + 3 * BTH;
  if (g1 <= g0) return;
  sgemm(1, 0, g1 - g0, I, BT, 1.0f, dA + g0, G, x, I, 1.0f, dwih + g0 * I, I, ws);
  /* [g0, g1) ∩ [0, 2H): the r and z rows. */
  const int a1 = imin(g1, 2 * H);
  if (g0 < a1) {
    sgemm(1, 0, a1 - g0, H, BT, 1.0f, dA + g0, G, hm, H, 1.0f, dwhh + g0 * H, H, ws);
    colsum_acc(BT, a1 - g0, dA + g0, G, dbih == 0 ? 0 : dbih + g0, dbhh == 0 ? 0 : dbhh + g0);
  }
  /* [g0, g1) ∩ [2H, 3H): the n rows, u = index within them. */
  const int u0 = imax(g0, 2 * H) - 2 * H, u1 = g1 - 2 * H;
  if (u0 < u1) {
    sgemm(1, 0, u1 - u0, H, BT, 1.0f, dAh + u0, H, resetAfter ? hm : hn, H, 1.0f, dwhh + (2 * H + u0) * H, H, ws);
    colsum_acc(BT, u1 - u0, dA + 2 * H + u0, G, dbih == 0 ? 0 : dbih + 2 * H + u0, 0);
    colsum_acc(BT, u1 - u0, dAh + u0, H, dbhh == 0 ? 0 : dbhh + 2 * H + u0, 0);
  }
}

EXPORT("gru_backward")
void gru_backward(int B, int T, int I, int H, int resetAfter, const float *x, const float *wih, const float *whh,
                  const u8 *mask, int reverse, const float *hmask, const float *cache, const float *dy,
                  const float *dhT, float *dx, float *dh0, float *dwih, float *dwhh, float *dbih, float *dbhh,
                  float *work, float *ws) {
  gru_backward_rows(B, 0, B, T, I, H, resetAfter, wih, whh, mask, reverse, hmask, cache, dy, dhT, dx, dh0, work, ws);
  gru_backward_grads(B, T, I, H, resetAfter, 0, 3 * H, x, cache, dwih, dwhh, dbih, dbhh, work, ws);
}

/* Part `part` of `nparts` of gru_backward's recurrence (batch rows); run every part before the grads. */
EXPORT("gru_backward_rows_part")
void gru_backward_rows_part(int part, int nparts, float *ws, int B, int T, int I, int H, int resetAfter,
                            const float *x, const float *wih, const float *whh, const u8 *mask, int reverse,
                            const float *hmask, const float *cache, const float *dy, const float *dhT, float *dx,
                            float *dh0, float *dwih, float *dwhh, float *dbih, float *dbhh, float *work) {
  (void)x, (void)dwih, (void)dwhh, (void)dbih, (void)dbhh;
  gru_backward_rows(B, split_at(B, part, nparts, MR), split_at(B, part + 1, nparts, MR), T, I, H, resetAfter, wih,
                    whh, mask, reverse, hmask, cache, dy, dhT, dx, dh0, work, ws);
}

/* Part `part` of `nparts` of gru_backward's weight and bias gradients (rows of the gate dimension). */
EXPORT("gru_backward_grads_part")
void gru_backward_grads_part(int part, int nparts, float *ws, int B, int T, int I, int H, int resetAfter,
                             const float *x, const float *wih, const float *whh, const u8 *mask, int reverse,
                             const float *hmask, const float *cache, const float *dy, const float *dhT, float *dx,
                             float *dh0, float *dwih, float *dwhh, float *dbih, float *dbhh, float *work) {
  (void)wih, (void)whh, (void)mask, (void)reverse, (void)hmask, (void)dy, (void)dhT, (void)dx, (void)dh0;
  gru_backward_grads(B, T, I, H, resetAfter, split_at(3 * H, part, nparts, NR), split_at(3 * H, part + 1, nparts, NR),
                     x, cache, dwih, dwhh, dbih, dbhh, work, ws);
}
