/*
 * Embedding lookup (PyTorch nn.Embedding) over float32 tables; the specification is
 * src/kernels/ref/embedding.ts:
 *   embedding_forward:   y[n, :] = table[ids[n], :]                                       (=)
 *   embedding_backward:  dtable[ids[n], :] += dy[n, :] for ids[n] ≠ paddingIdx, in n order  (+=)
 * paddingIdx < 0: none. ids are trusted to lie in [0, V). Both are bit-identical to the reference.
 */
#include "common.h"

EXPORT("embedding_forward")
void embedding_forward(int N, int E, const int *ids, const float *table, float *y) {
  for (int n = 0; n < N; n++) {
    const float *src = table + ids[n] * E;
    float *dst = y + n * E;
    int e = 0;
    for (; e + 4 <= E; e += 4) store4(dst + e, load4(src + e));
    for (; e < E; e++) dst[e] = src[e];
  }
}

EXPORT("embedding_backward")
void embedding_backward(int N, int E, const int *ids, const float *dy, float *dtable, int paddingIdx) {
  for (int n = 0; n < N; n++) {
    const int id = ids[n];
    if (id == paddingIdx) continue;
    float *dst = dtable + id * E;
    const float *src = dy + n * E;
    int e = 0;
    for (; e + 4 <= E; e += 4) store4(dst + e, load4(dst + e) + load4(src + e));
    for (; e < E; e++) dst[e] += src[e];
  }
}
