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
import { nativeAvailable, nativeInfo, nativeLoadError, nativeThreadStats, nativeThreads, setNativeContentionGuard } from '../../src/kernels/native/backend.js';
import { threadsUnavailableReason } from '../../src/kernels/threads/pool.js';
import { Rng } from '../../src/tensor/rng.js';
import { type ThreadTrials, adamTrials, emptySequenceTrials, gemmTrials, heapArrays, recurrentTrials } from '../util/thread_trials.js';

function skipReason(): string {
  if (!nativeAvailable()) return `native add-on not available: ${nativeLoadError()}`;
  if (threadsUnavailableReason() !== '') return threadsUnavailableReason();
  const addon = createRequire(import.meta.url)(nativeInfo()!.file) as { threadsSupported: boolean };
  return addon.threadsSupported ? '' : 'the add-on was built without pthreads';
}
const unavailable = skipReason();
const skipped = unavailable ? ` (skipped: ${unavailable})` : '';

const mem = heapArrays();
const { rand, nans } = mem;
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
  mem.free();
  setBackend(savedBackend);
  setThreads(savedThreads);
  if (unavailable === '') setNativeContentionGuard(savedGuard);
  await stopThreads();
});

/** Jobs the add-on has split since its pool started. */
const jobs = (): number => nativeThreadStats()?.jobs ?? 0;

/** The add-on's pool, which must also report the thread count setThreads gave it. */
const pool: ThreadTrials = { mem, jobs, threads: nativeThreads };

describe.skipIf(unavailable !== '')(`native: 2 threads give the bits of 1 thread${skipped}`, () => {
  it('GEMM, all transposes, column and row splits, odd sizes', () => {
    // Wide (column split) and tall (row split) shapes, none a multiple of the tiles (4×64).
    expect(gemmTrials(pool, new Rng(17), { narrow: [5, 90], tallM: [300, 700], wideN: [300, 900] })).toBe(16);
  });

  for (const cell of ['rnn', 'lstm', 'gru'] as const) {
    it(`${cell.toUpperCase()} forward and backward, masks, reverse, dropout masks, null biases and states`, () => {
      // Forward and the backward's recurrence are split in every trial (B ≥ 16 rows).
      expect(recurrentTrials(pool, cell, new Rng(cell.length * 13 + 1), [130, 200])).toBeGreaterThanOrEqual(6 * 2);
    });
  }

  it('LSTM with H ≥ 512 and a small batch split by hidden units, one job per time step (masks, reverse, dropout masks, null biases and states)', () => {
    // H a multiple of 64 (the native NR): every step of the forward (T) and of the backward
    // (T + 1) is a split job, so far more jobs than the 3 of the batch split.
    const split = recurrentTrials(pool, 'lstm', new Rng(29), [0, 0], [512, 576], 64, [1, 15]);
    expect(split).toBeGreaterThanOrEqual(6 * (2 * 5 + 1));
  });

  it('LSTM over an empty sequence (T = 0) at the unit split\'s sizes writes nothing around its cache', () => {
    // 2 jobs: the backward's one step job (s = −1) per direction, so the unit split ran.
    expect(emptySequenceTrials(pool, new Rng(53))).toBeGreaterThanOrEqual(2);
  });

  it('Adam / AdamW updates of large tensors split into element ranges', () => {
    expect(adamTrials(pool, new Rng(43))).toBe(4);
  });

  it('LSTM unit split at B = 1 and T = 1-2 (batch-1 generation)', () => {
    // Per trial: T forward steps, T + 1 backward steps and the gradients, all split.
    expect(recurrentTrials(pool, 'lstm', new Rng(47), [0, 0], [512, 576], 64, [1, 1], [1, 2])).toBeGreaterThanOrEqual(6 * 3);
  });

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
