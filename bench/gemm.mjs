#!/usr/bin/env node
// GEMM throughput, ref (TypeScript) vs wasm (csrc/gemm.c: SIMD128 build, and the relaxed-SIMD FMA
// build when the engine runs it) vs native (the same C compiled for this machine, the N-API add-on
// native/build/recurrent.node, when built), single thread, at the shapes the recurrent kernels use.
// Runs against dist/ (npm run build first; npm run build:native for the native column); takes
// < 1 min.
//
//   node bench/gemm.mjs [--quick] [--json] [--cpu-time]
//   flock /tmp/bench.lock node bench/gemm.mjs     (to stay clear of other benchmarks)
//
// Each row: best of several timed trials (each ≥ ~20 ms) after a warm-up; GFLOP/s = 2·M·N·K / t.
// --cpu-time: t is the process's CPU time instead of wall time (for a machine shared with other
// work: time the process waits for a core is not counted).
import { gemm as refGemm } from '../dist/kernels/ref/gemm.js';
import {
  relaxedSimdSupported,
  setWasmVariant,
  tryWasmGemm,
  wasmAvailable,
  wasmLoadError,
} from '../dist/kernels/wasm/backend.js';
import { nativeAvailable, nativeInfo, nativeLoadError, tryNativeGemm } from '../dist/kernels/native/backend.js';
import { heap } from '../dist/tensor/tensor.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const json = args.has('--json');
const cpuTime = args.has('--cpu-time');

// [label, transA, transB, M, N, K]
const SHAPES = [
  ['inference step, batch 1 (H 256)', false, true, 1, 1024, 256],
  ['LSTM step h·W_hhᵀ (B 32, H 128)', false, true, 32, 512, 128],
  ['LSTM step h·W_hhᵀ (B 32, H 512)', false, true, 32, 2048, 512],
  ['x·W_ihᵀ all steps (B·T 2048, 4H 512, I 64)', false, true, 2048, 512, 64],
  ['dX = dA·W_ih (B·T 2048, I 512, 4H 64)', false, false, 2048, 512, 64],
  ['dW = dAᵀ·X (4H 512, I 128, B·T 2048)', true, false, 512, 128, 2048],
  ['LSTM step h·W_hhᵀ (B 128, H 512)', false, true, 128, 2048, 512],
  ['square 512', false, false, 512, 512, 512],
];

if (!wasmAvailable()) {
  console.error(`bench/gemm: the wasm module does not load: ${wasmLoadError()}`);
  process.exit(1);
}
const variants = relaxedSimdSupported() ? ['simd128', 'relaxed-simd'] : ['simd128'];
const native = nativeAvailable();
if (!native) console.error(`bench/gemm: no native column: ${nativeLoadError()}`);

function heapF32(n) {
  const ptr = heap.alloc(n * 4);
  const a = new Float32Array(heap.buffer, ptr, n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return { ptr, a };
}

/** Seconds since an arbitrary origin: wall clock, or this process's CPU time with --cpu-time. */
function now() {
  if (!cpuTime) return performance.now() / 1000;
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Best seconds per call of fn over `trials` trials of `reps` calls each. */
function time(fn, flop, budgetS) {
  fn();
  let t0 = now();
  fn();
  const once = Math.max(now() - t0, 1e-7);
  const reps = Math.max(1, Math.round(0.02 / once));
  const trials = Math.max(2, Math.min(quick ? 3 : 15, Math.floor(budgetS / (once * reps))));
  let best = Infinity;
  for (let t = 0; t < trials; t++) {
    t0 = now();
    for (let r = 0; r < reps; r++) fn();
    best = Math.min(best, (now() - t0) / reps);
  }
  return { s: best, gflops: flop / best / 1e9 };
}

const rows = [];
for (const [label, tA, tB, M, N, K] of SHAPES) {
  const A = heapF32(M * K);
  const B = heapF32(K * N);
  const C = heapF32(M * N);
  const lda = tA ? M : K;
  const ldb = tB ? K : N;
  const flop = 2 * M * N * K;
  const ref = time(() => refGemm(tA, tB, M, N, K, 1, A.a, 0, lda, B.a, 0, ldb, 0, C.a, 0, N), flop, quick ? 0.5 : 2);
  const row = { label, shape: `${M}×${N}×${K} ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`, ref: ref.gflops };
  for (const v of variants) {
    setWasmVariant(v);
    const w = time(() => {
      if (!tryWasmGemm(tA, tB, M, N, K, 1, A.a, 0, lda, B.a, 0, ldb, 0, C.a, 0, N)) throw new Error('wasm declined');
    }, flop, quick ? 0.3 : 1);
    row[v] = w.gflops;
    row[`${v} µs`] = w.s * 1e6;
  }
  if (native) {
    const n = time(() => {
      if (!tryNativeGemm(tA, tB, M, N, K, 1, A.a, 0, lda, B.a, 0, ldb, 0, C.a, 0, N)) throw new Error('native declined');
    }, flop, quick ? 0.3 : 1);
    row.native = n.gflops;
    row['native µs'] = n.s * 1e6;
  }
  for (const x of [A, B, C]) heap.free(x.ptr);
  rows.push(row);
}

if (json) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const wasmBest = variants[variants.length - 1];
  const best = native ? 'native' : wasmBest;
  const cols = native ? [...variants, 'native'] : variants;
  console.log(`GEMM, float32, 1 thread, node ${process.version}, ${cpuTime ? 'CPU' : 'wall'} time — GFLOP/s (higher is better)`);
  if (native) console.log(`native: ${nativeInfo().buildInfo}`);
  console.log(
    `${'shape (M×N×K op)'.padEnd(18)}${'ref'.padStart(7)}${cols.map((v) => v.padStart(14)).join('')}${`×ref`.padStart(7)}${native ? `×${wasmBest}`.padStart(15) : ''}${`µs`.padStart(8)}  use`,
  );
  for (const r of rows) {
    console.log(
      `${r.shape.padEnd(18)}${r.ref.toFixed(2).padStart(7)}${cols.map((v) => r[v].toFixed(1).padStart(14)).join('')}${(r[best] / r.ref).toFixed(0).padStart(6)}×${native ? `${(r.native / r[wasmBest]).toFixed(2)}×`.padStart(15) : ''}${r[`${best} µs`].toFixed(0).padStart(8)}  ${r.label}`,
    );
  }
}
