#!/usr/bin/env node
// Worker threads (src/kernels/threads/): the wasm GEMM and the fused LSTM forward/backward with 1
// thread and with N, wall time (threads run concurrently, so CPU time would not show a speed-up),
// median of several trials. Prints the speed-up and which jobs were split. Small shapes show the
// split threshold at work: they must not get slower. On a busy machine the contention guard
// (src/kernels/threads/pool.ts) runs calls on one thread; --no-guard turns it off. Runs against dist/ (npm run build first).
//
//   flock /tmp/bench.lock node bench/threads.mjs [--backend wasm|native] [--threads 2] [--quick] [--no-guard] [--only gemm|lstm]
import { gemm, setBackend, setThreads, stopThreads } from '../dist/kernels/gemm.js';
import { lstmBackward, lstmBackwardWorkSize, lstmCacheSize, lstmForward } from '../dist/kernels/lstm.js';
import { setContentionGuard, threadStats, threadsUnavailableReason } from '../dist/kernels/threads/pool.js';
import { wasmVariant } from '../dist/kernels/wasm/backend.js';
import { nativeThreadStats, setNativeContentionGuard } from '../dist/kernels/native/backend.js';
import { heap } from '../dist/tensor/tensor.js';
import { loadavg } from 'node:os';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const ti = argv.indexOf('--threads');
const N = ti >= 0 ? Number(argv[ti + 1]) : 2;
const bi = argv.indexOf('--backend');
const backend = bi >= 0 ? argv[bi + 1] : 'wasm';
const oi = argv.indexOf('--only');
const only = oi >= 0 ? argv[oi + 1] : '';
if (argv.includes('--no-guard')) {
  setContentionGuard(false);
  if (backend === 'native') setNativeContentionGuard(false);
}
setBackend(backend);
/** Split jobs and jobs the contention guard kept on one thread, of the backend's own pool. */
const stats = () => (backend === 'native' ? nativeThreadStats() : threadStats());
if (backend === 'wasm' && threadsUnavailableReason() !== '') {
  console.error(`bench/threads: no worker threads here: ${threadsUnavailableReason()}`);
  process.exit(1);
}

function f32(n) {
  const p = heap.alloc(n * 4);
  const a = new Float32Array(heap.buffer, p, n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.7) * 0.5;
  return a;
}

/** Median wall ms of `fn` over trials of ≥ 30 ms (≥ 100 ms unless --quick), after a warm-up. */
function time(fn) {
  const t0 = performance.now();
  do fn();
  while (performance.now() - t0 < (quick ? 50 : 200));
  let s = performance.now();
  fn();
  const once = Math.max(performance.now() - s, 1e-3);
  const reps = Math.max(1, Math.round((quick ? 30 : 100) / once));
  const out = [];
  for (let t = 0; t < (quick ? 5 : 9); t++) {
    s = performance.now();
    for (let r = 0; r < reps; r++) fn();
    out.push((performance.now() - s) / reps);
  }
  out.sort((a, b) => a - b);
  return out[out.length >> 1];
}

function compare(label, flops, fn) {
  setThreads(1);
  const t1 = time(fn);
  setThreads(N);
  const { jobs: j0, guarded: g0 } = stats();
  const tn = time(fn);
  const split = stats().jobs > j0;
  const guarded = stats().guarded - g0;
  const gf = (t) => (flops / t / 1e6).toFixed(1);
  console.log(
    `${label.padEnd(34)} ${t1.toFixed(3).padStart(9)} ms ${gf(t1).padStart(6)} GF/s | ${tn.toFixed(3).padStart(9)} ms ${gf(tn).padStart(6)} GF/s | ×${(t1 / tn).toFixed(2)}${split ? '' : '  (not split)'}${guarded > 0 ? `  (${guarded} calls on 1 thread: contention guard)` : ''}`,
  );
}

console.log(`${backend === 'native' ? 'native' : `wasm ${wasmVariant()}`}, 1 vs ${N} threads, wall time (median), node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`${'shape'.padEnd(34)} ${'1 thread'.padStart(26)} | ${`${N} threads`.padStart(26)} | speed-up`);
if (only !== 'lstm') for (const [M, Nn, K] of [[16, 64, 64], [32, 128, 64], [64, 128, 128], [64, 256, 128], [64, 512, 256], [128, 1024, 256], [4096, 1024, 128], [2048, 4096, 512], [1, 512, 128], [64, 4096, 1024]]) {
  const A = f32(M * K), B = f32(K * Nn), C = f32(M * Nn);
  compare(`gemm ${M}×${Nn}×${K}`, 2 * M * Nn * K, () => gemm(false, true, M, Nn, K, 1, A, 0, K, B, 0, K, 0, C, 0, Nn));
}
if (only !== 'gemm') for (const [B, T, I, H] of [[16, 32, 32, 64], [64, 64, 128, 256], [64, 32, 512, 1024], [1, 100, 64, 128], [32, 64, 64, 256]]) {
  const G = 4 * H;
  const a = {
    B, T, I, H, x: f32(B * T * I), wih: f32(G * I), whh: f32(G * H), bih: f32(G), bhh: f32(G), h0: null, c0: null, mask: null, reverse: false, hMask: null,
    y: f32(B * T * H), hT: f32(B * H), cT: f32(B * H), cache: f32(lstmCacheSize(B, T, H)),
  };
  const b = { ...a, dy: f32(B * T * H), dhT: null, dcT: null, dx: f32(B * T * I), dh0: null, dc0: null, dwih: f32(G * I), dwhh: f32(G * H), dbih: f32(G), dbhh: f32(G), work: f32(lstmBackwardWorkSize(B, T, I, H)) };
  const flops = 2 * B * T * G * (I + H);
  compare(`lstm fwd B${B} T${T} I${I} H${H}`, flops, () => lstmForward(a));
  compare(`lstm bwd B${B} T${T} I${I} H${H}`, 2 * flops, () => lstmBackward(b));
}
await stopThreads();
