/**
 * Threads of the native add-on (native/recurrent.c's pthread pool, DESIGN.md §5).
 *
 * The add-on runs the same parts the wasm worker threads run (csrc/threads.c's sgemm_part,
 * csrc/recurrent.c's *_part functions): every part writes its own outputs and each output element
 * is computed by the same operations as with one thread, so 2 threads give the bits of 1. Checked
 * here through the library (`setThreads`, backend `native`) for the GEMM (all four transposes,
 * alpha/beta, row and column splits, sizes that are not multiples of the tiles) and the fused
 * RNN/LSTM/GRU forward and backward (masks, reverse, recurrent-dropout masks, null biases and
 * states). Also: `setThreads` reaches the add-on, small work is not split, and processes whose
 * add-on ran split jobs exit promptly on their own — the main thread, `process.exit` while the
 * threads spin, and a worker_threads Worker whose environment ends (the cleanup hook joins them).
 *
 * Skipped, with the reason in the test name, when the add-on is not built or has no pthreads.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gemm, getBackend, getThreads, setBackend, setThreads, stopThreads } from '../../src/kernels/gemm.js';
import { gruBackward, gruBackwardWorkSize, gruCacheSize, gruForward } from '../../src/kernels/gru.js';
import { lstmBackward, lstmBackwardWorkSize, lstmCacheSize, lstmForward } from '../../src/kernels/lstm.js';
import { nativeAvailable, nativeInfo, nativeLoadError, nativeThreadStats, nativeThreads, setNativeContentionGuard } from '../../src/kernels/native/backend.js';
import { rnnBackward, rnnBackwardWorkSize, rnnCacheSize, rnnForward } from '../../src/kernels/rnn.js';
import { threadsUnavailableReason } from '../../src/kernels/threads/pool.js';
import { Rng } from '../../src/tensor/rng.js';
import { heap } from '../../src/tensor/tensor.js';

function skipReason(): string {
  if (!nativeAvailable()) return `native add-on not available: ${nativeLoadError()}`;
  if (threadsUnavailableReason() !== '') return threadsUnavailableReason();
  const addon = createRequire(import.meta.url)(nativeInfo()!.file) as { threadsSupported: boolean };
  return addon.threadsSupported ? '' : 'the add-on was built without pthreads';
}
const unavailable = skipReason();
const skipped = unavailable ? ` (skipped: ${unavailable})` : '';

const blocks: number[] = [];
let savedBackend: ReturnType<typeof getBackend>;
let savedThreads = 1;
let savedGuard = true;
beforeAll(() => {
  savedBackend = getBackend();
  savedThreads = getThreads();
  if (unavailable !== '') return;
  // Every large job must be split here, even on a machine too busy for threads to pay off.
  savedGuard = setNativeContentionGuard(false);
  setBackend('native');
});
afterAll(async () => {
  for (const p of blocks) heap.free(p);
  setBackend(savedBackend);
  setThreads(savedThreads);
  if (unavailable === '') setNativeContentionGuard(savedGuard);
  await stopThreads();
});

/** A Float32Array of n random values in [-1, 1) on the heap, 1 float off its block's alignment. */
function rand(rng: Rng, n: number): Float32Array {
  const ptr = heap.alloc(n * 4 + 8);
  blocks.push(ptr);
  const a = new Float32Array(heap.buffer, ptr + 4, n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** Same as rand, filled with NaN (outputs: nothing may be read before it is written). */
function nans(n: number): Float32Array {
  const ptr = heap.alloc(n * 4 + 8);
  blocks.push(ptr);
  return new Float32Array(heap.buffer, ptr + 4, n).fill(NaN);
}

const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng.uniform(0, 1) * (hi - lo + 1));

/** The bits of each array (so −0 ≠ 0 and NaN payloads count). */
const bits = (arrays: (Float32Array | null)[]): number[][] => arrays.map((a) => (a === null ? [] : Array.from(new Uint32Array(a.slice().buffer))));

/** Jobs the add-on has split since its pool started. */
const jobs = (): number => nativeThreadStats()?.jobs ?? 0;

/**
 * Runs `run(outputs)` with 1 thread and with 2 on fresh copies of `init` (the outputs' starting
 * contents) and expects the same bits; returns how many jobs the 2-thread run split.
 */
function sameBits(init: (Float32Array | null)[], run: (out: (Float32Array | null)[]) => void): number {
  const copy = (): (Float32Array | null)[] =>
    init.map((a) => {
      if (a === null) return null;
      const c = nans(a.length);
      c.set(a);
      return c;
    });
  setThreads(1);
  expect(nativeThreads()).toBe(1);
  const one = copy();
  run(one);
  setThreads(2);
  expect(nativeThreads()).toBe(2);
  const before = jobs();
  const two = copy();
  run(two);
  const split = jobs() - before;
  expect(bits(two)).toEqual(bits(one));
  return split;
}

describe.skipIf(unavailable !== '')(`native: 2 threads give the bits of 1 thread${skipped}`, () => {
  it('GEMM, all transposes, column and row splits, odd sizes', () => {
    const rng = new Rng(17);
    let split = 0;
    for (let trial = 0; trial < 16; trial++) {
      const transA = (trial & 1) !== 0;
      const transB = (trial & 2) !== 0;
      // Wide (column split) and tall (row split) shapes, none a multiple of the tiles (4×64).
      const tall = (trial & 4) !== 0;
      const M = tall ? int(rng, 300, 700) : int(rng, 5, 90);
      const N = tall ? int(rng, 5, 90) : int(rng, 300, 900);
      const K = int(rng, 100, 300);
      const alpha = trial % 3 === 0 ? 1 : rng.uniform(-2, 2);
      const beta = trial % 4 === 0 ? 0 : rng.uniform(-1, 1);
      const lda = (transA ? M : K) + int(rng, 0, 3);
      const ldb = (transB ? K : N) + int(rng, 0, 3);
      const ldc = N + int(rng, 0, 3);
      const A = rand(rng, (transA ? K : M) * lda);
      const B = rand(rng, (transB ? N : K) * ldb);
      const C = rand(rng, M * ldc);
      split += sameBits([C], ([c]) => gemm(transA, transB, M, N, K, alpha, A, 0, lda, B, 0, ldb, beta, c!, 0, ldc));
    }
    expect(split).toBe(16);
  });

  for (const cell of ['rnn', 'lstm', 'gru'] as const) {
    it(`${cell.toUpperCase()} forward and backward, masks, reverse, dropout masks, null biases and states`, () => {
      const rng = new Rng(cell.length * 13 + 1);
      let split = 0;
      for (let trial = 0; trial < 6; trial++) {
        const B = int(rng, 16, 27);
        const T = int(rng, 5, 9);
        const I = int(rng, 37, 80);
        const H = cell === 'rnn' ? int(rng, 130, 200) : int(rng, 40, 90);
        const G = cell === 'lstm' ? 4 * H : cell === 'gru' ? 3 * H : H;
        const withMask = trial % 2 === 1;
        const mask = withMask ? new Uint8Array(B * T).map((_, i) => (i % T < 1 + ((i * 7) % T) ? 1 : 0)) : null;
        const x = rand(rng, B * T * I);
        const wih = rand(rng, G * I);
        const whh = rand(rng, G * H);
        const bih = trial === 2 ? null : rand(rng, G);
        const bhh = trial === 3 ? null : rand(rng, G);
        const h0 = trial % 3 === 0 ? null : rand(rng, B * H);
        const c0 = trial % 3 === 1 ? null : rand(rng, B * H);
        const hMask = trial === 4 ? rand(rng, B * H) : null;
        if (hMask !== null) for (let i = 0; i < hMask.length; i++) hMask[i] = hMask[i]! > 0 ? 1.25 : 0;
        const reverse = trial % 2 === 0;
        const resetAfter = trial !== 5;
        const relu = trial === 1;
        const cacheSize = cell === 'lstm' ? lstmCacheSize(B, T, H) : cell === 'gru' ? gruCacheSize(B, T, H) : rnnCacheSize(B, T, H);
        const workSize = cell === 'lstm' ? lstmBackwardWorkSize(B, T, I, H) : cell === 'gru' ? gruBackwardWorkSize(B, T, I, H) : rnnBackwardWorkSize(B, T, I, H);
        const dy = rand(rng, B * T * H);
        const dhT = trial === 3 ? null : rand(rng, B * H);
        const dcT = rand(rng, B * H);
        // Outputs: y, hT, cT, cache (forward); dx, dh0, dc0, work, then the accumulated dW_ih,
        // dW_hh, db_ih, db_hh starting from random values (they are `+=`).
        const init = [
          nans(B * T * H), nans(B * H), nans(B * H), nans(cacheSize), nans(B * T * I), nans(B * H), nans(B * H), nans(workSize),
          rand(rng, G * I), rand(rng, G * H), bih === null ? null : rand(rng, G), bhh === null ? null : rand(rng, G),
        ];
        split += sameBits(init, ([y, hT, cT, cache, dx, dh0, dc0, work, dwih, dwhh, dbih, dbhh]) => {
          const common = { B, T, I, H, x, wih, whh, mask, reverse, hMask };
          if (cell === 'lstm') {
            lstmForward({ ...common, bih, bhh, h0, c0, y: y!, hT: hT!, cT: cT!, cache: cache! });
            lstmBackward({ ...common, bih, bhh, h0, c0, cache: cache!, dy, dhT, dcT, dx: dx!, dh0: dh0!, dc0: dc0!, dwih: dwih!, dwhh: dwhh!, dbih, dbhh, work: work! });
          } else if (cell === 'gru') {
            gruForward({ ...common, resetAfter, bih, bhh, h0, y: y!, hT: hT!, cache: cache! });
            gruBackward({ ...common, resetAfter, bih, bhh, h0, cache: cache!, dy, dhT, dx: dx!, dh0: dh0!, dwih: dwih!, dwhh: dwhh!, dbih, dbhh, work: work! });
          } else {
            const activation = relu ? 'relu' : 'tanh';
            rnnForward({ ...common, activation, bih, bhh, h0, y: y!, hT: hT!, cache: cache! });
            rnnBackward({ ...common, activation, bih, bhh, h0, cache: cache!, dy, dhT, dx: dx!, dh0: dh0!, dwih: dwih!, dwhh: dwhh!, dbih, dbhh, work: work! });
          }
        });
      }
      // Forward and the backward's recurrence are split in every trial (B ≥ 16 rows).
      expect(split).toBeGreaterThanOrEqual(6 * 2);
    });
  }

  it('small work stays on the calling thread', () => {
    setThreads(2);
    const rng = new Rng(5);
    const before = jobs();
    const A = rand(rng, 16 * 16);
    const C = nans(16 * 16);
    gemm(false, false, 16, 16, 16, 1, A, 0, 16, A, 0, 16, 0, C, 0, 16);
    expect(jobs()).toBe(before);
    expect(Number.isFinite(C[0])).toBe(true);
  });

  it('setThreads sizes the pool: it starts on the first split job, stops, and restarts', async () => {
    const rng = new Rng(3);
    const M = 64, N = 512, K = 256;
    const A = rand(rng, M * K), B = rand(rng, K * N), C = nans(M * N);
    setThreads(2);
    await stopThreads();
    expect(nativeThreadStats()).toMatchObject({ threads: 2, workers: 0, jobs: 0 });
    // The worker takes parts once it has started and while it spins between jobs.
    const t0 = performance.now();
    while (nativeThreadStats()!.workerParts === 0 && performance.now() - t0 < 20_000) {
      for (let i = 0; i < 20; i++) gemm(false, false, M, N, K, 1, A, 0, K, B, 0, N, 0, C, 0, N);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(nativeThreadStats()).toMatchObject({ threads: 2, workers: 1 });
    expect(nativeThreadStats()!.workerParts).toBeGreaterThan(0);
    await stopThreads();
    expect(nativeThreadStats()!.workers).toBe(0);
    gemm(false, false, M, N, K, 1, A, 0, K, B, 0, N, 0, C, 0, N);
    expect(nativeThreadStats()!.workers).toBe(1);
    setThreads(1);
    expect(nativeThreadStats()).toMatchObject({ threads: 1, workers: 0 });
  });
});

/**
 * A script that loads the add-on directly, splits GEMMs across 2 threads (the pool's threads then
 * spin, waiting for the next job) and ends as `ending` says, printing the jobs split first.
 */
function script(ending: string): string {
  return `
const { Worker, isMainThread } = require('node:worker_threads');
const work = () => {
  const m = require(${JSON.stringify(nativeInfo()?.file ?? '')});
  const mem = new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true });
  const k = m.attach(new Uint8Array(mem.buffer), 0);
  const args = new Float64Array(mem.buffer, 0, m.argsMax);
  new Float32Array(mem.buffer).fill(0.5, 64);
  m.contentionGuard(false);
  m.setThreads(2);
  const n = 256, a = 1024, c = a + n * n * 4;
  for (let i = 0; i < 50; i++) {
    args.set([0, 0, n, n, n, 1, a, n, a, n, 0, c, n]);
    k.sgemm();
  }
  return m.threadStats().jobs;
};
${ending}
`;
}

describe.skipIf(unavailable !== '')(`native threads never keep a process alive${skipped}`, () => {
  const cases: [string, string][] = [
    ['the main thread ends', 'console.log(work());'],
    ['process.exit() while the threads spin', 'console.log(work()); process.exit(0);'],
    [
      'a worker_threads Worker ends (its cleanup hook joins the threads) and then the process',
      `if (isMainThread) new Worker(process.argv[1], { eval: true }).on('message', (j) => console.log(j)); else require('node:worker_threads').parentPort.postMessage(work());`,
    ],
  ];
  for (const [name, ending] of cases) {
    it(name, () => {
      const code = script(ending);
      const t0 = performance.now();
      // The Worker case re-runs the same source (passed as argv[1]) in the Worker.
      const r = spawnSync(process.execPath, ['-e', code, code], { encoding: 'utf8', timeout: 30_000 });
      const ms = performance.now() - t0;
      expect(r.error).toBeUndefined();
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe('50');
      // Node itself starts in ≈ 50 ms; 10 s means something waited (a thread kept the process).
      expect(ms).toBeLessThan(10_000);
    });
  }
});
