// Pure helpers of the benchmark harness: the shared data generator, the FLOP formula and the
// statistics. They follow bench/workloads.json ("data", "flops", "timing") and must stay
// bit-identical to the peer harnesses (bench/peers/common.js, bench/peers/bench_torch.py);
// test/bench/data.test.ts checks them against values computed by the Python peer code.

/** lowbias32 integer hash (Chris Wellons), on uint32. */
export function lowbias32(x) {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** h(i) = lowbias32((seed + i + 0x9E3779B9·(stream+1)) mod 2^32). */
export function hashAt(seed, stream, i) {
  const base = (seed + Math.imul(0x9e3779b9, stream + 1)) >>> 0;
  return lowbias32((base + i) >>> 0);
}

/** Stream `stream` (default 0, the inputs): x[i] = (h(i) >>> 8) / 2^24 · 2 − 1, uniform in [−1, 1). */
export function genUniform(n, seed, stream = 0) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((hashAt(seed, stream, i) >>> 8) / 16777216) * 2 - 1;
  return a;
}

/** Integers h(i) mod `mod` of stream `stream` (1 = labels, 2 = tokens). */
export function genInts(n, mod, seed, stream) {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = hashAt(seed, stream, i) % mod;
  return a;
}

/**
 * The inputs and labels of a workload, row-major, as every harness builds them:
 * x (B, T, I) floats from stream 0, or tokens (B, T) from stream 2 for embedding workloads;
 * y (B) for loss "last", (B, T) for loss "every", from stream 1.
 */
export function workloadData(w, seed) {
  const B = w.batch;
  const T = w.seq;
  const x = w.embedding
    ? { data: Float32Array.from(genInts(B * T, w.embedding.vocab, seed, 2)), shape: [B, T], tokens: true }
    : { data: genUniform(B * T * w.input, seed, 0), shape: [B, T, w.input], tokens: false };
  const every = w.loss === 'every';
  const y = { data: Float32Array.from(genInts(every ? B * T : B, w.classes, seed, 1)), shape: every ? [B, T] : [B] };
  return { x, y };
}

/** Sum in float64, in index order (the `data_checksum` of the peer harnesses). */
export function checksum(arr) {
  let s = 0;
  for (let i = 0; i < arr.length; i++) s += arr[i];
  return s;
}

export const GATES = { rnn: 1, gru: 3, lstm: 4 };

/**
 * FLOPs of one step on one batch: only the recurrent cell matmuls,
 * 2·B·G·H·(I+H) per time step forward, × train_factor (3) for a training step.
 */
export function flopsPerStep(w, mode, trainFactor = 3) {
  const g = GATES[w.cell];
  if (!g) throw new Error(`unknown cell ${w.cell}`);
  const fwd = 2 * w.batch * g * w.hidden * (w.input + w.hidden) * w.seq;
  return mode === 'train' ? trainFactor * fwd : fwd;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return null;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
