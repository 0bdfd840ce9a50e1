/**
 * Worker threads for the wasm kernels (src/kernels/threads/, DESIGN.md §5).
 *
 * The split is deterministic by construction: every part writes its own range of outputs (columns
 * or rows of C; batch rows of a recurrence; gate rows of the weight gradients) and each output
 * element is computed by the same operations as with one thread. So the results with 2 threads are
 * the same bits as with 1, whichever thread runs which part — checked here for the GEMM (all four
 * transposes, alpha/beta, row and column splits) and the fused RNN/LSTM/GRU forward and backward
 * (masks, reverse, recurrent-dropout masks, null biases and states), on random shapes, on both wasm
 * builds. Also: the pool starts, runs parts on its worker and stops; a process that used threads
 * exits on its own (workers never keep it alive).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gemm, getBackend, getThreads, setBackend, setThreads, stopThreads } from '../../src/kernels/gemm.js';
import { setContentionGuard, threadStats, threadsUnavailableReason } from '../../src/kernels/threads/pool.js';
import { type WasmVariant, relaxedSimdSupported, setWasmVariant, wasmVariant } from '../../src/kernels/wasm/backend.js';
import { Rng } from '../../src/tensor/rng.js';
import { heap } from '../../src/tensor/tensor.js';
import { type ThreadTrials, adamTrials, emptySequenceTrials, gemmTrials, heapArrays, recurrentTrials } from '../util/thread_trials.js';

const unavailable = threadsUnavailableReason();
const mem = heapArrays();
const { rand, nans } = mem;
let savedBackend: ReturnType<typeof getBackend>;
let savedThreads = 1;
let savedVariant: WasmVariant | null = null;
let savedGuard = true;
beforeAll(() => {
  // Every large job must be split here, even on a machine too busy for threads to pay off.
  savedGuard = setContentionGuard(false);
  savedBackend = getBackend();
  savedThreads = getThreads();
  savedVariant = wasmVariant();
  setBackend('wasm');
});
afterAll(async () => {
  mem.free();
  setBackend(savedBackend);
  if (savedVariant !== null) setWasmVariant(savedVariant);
  setThreads(savedThreads);
  setContentionGuard(savedGuard);
  await stopThreads();
});

/** The wasm worker pool. */
const pool: ThreadTrials = { mem, jobs: () => threadStats().jobs };

const variants: WasmVariant[] = relaxedSimdSupported() ? ['simd128', 'relaxed-simd'] : ['simd128'];

describe.skipIf(unavailable !== '')(`2 threads give the bits of 1 thread${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  for (const variant of variants) {
    it(`GEMM, all transposes, column and row splits (${variant})`, () => {
      setWasmVariant(variant);
      // Wide (column split) and tall (row split) shapes, none a multiple of the tiles.
      expect(gemmTrials(pool, new Rng(11), { narrow: [40, 90], tallM: [300, 700], wideN: [300, 700] })).toBe(16);
    });

    for (const cell of ['rnn', 'lstm', 'gru'] as const) {
      it(`${cell.toUpperCase()} forward and backward (${variant})`, () => {
        setWasmVariant(variant);
        // The trials are big enough to be split (up to 3 jobs each: forward, recurrence, gradients).
        expect(recurrentTrials(pool, cell, new Rng(cell.length * 7 + variant.length), [100, 160])).toBeGreaterThanOrEqual(6 * 2);
      });
    }

    it(`LSTM with H ≥ 512 and a small batch (B < 16) split by hidden units, one job per time step (${variant})`, () => {
      setWasmVariant(variant);
      // H a multiple of 8 (the wasm NR): every step of the forward (T ≥ 5) and of the backward
      // (T + 1) is a split job, far more than the batch split's 3.
      expect(recurrentTrials(pool, 'lstm', new Rng(31 + variant.length), [0, 0], [512, 560], 8, [1, 15])).toBeGreaterThanOrEqual(6 * (2 * 5 + 1));
    });

    it(`LSTM over an empty sequence (T = 0) at the unit split's sizes writes nothing around its cache (${variant})`, () => {
      setWasmVariant(variant);
      // 2 jobs: the backward's one step job (s = −1) per direction, so the unit split ran.
      expect(emptySequenceTrials(pool, new Rng(47 + variant.length))).toBeGreaterThanOrEqual(2);
    });

    it(`LSTM unit split at B = 1 and T = 1-2 (${variant})`, () => {
      setWasmVariant(variant);
      expect(recurrentTrials(pool, 'lstm', new Rng(53 + variant.length), [0, 0], [512, 560], 8, [1, 1], [1, 2])).toBeGreaterThanOrEqual(6 * 3);
    });

    it(`Adam / AdamW updates of large tensors split into element ranges (${variant})`, () => {
      setWasmVariant(variant);
      expect(adamTrials(pool, new Rng(41 + variant.length))).toBe(4);
    });
  }

  it('small work stays on the calling thread', () => {
    setThreads(2);
    const rng = new Rng(5);
    const before = threadStats().jobs;
    const A = rand(rng, 16 * 16);
    const C = nans(16 * 16);
    gemm(false, false, 16, 16, 16, 1, A, 0, 16, A, 0, 16, 0, C, 0, 16);
    expect(threadStats().jobs).toBe(before);
    expect(Number.isFinite(C[0])).toBe(true);
  });
});

describe.skipIf(unavailable !== '')('the pool', () => {
  it('starts on the first split job, runs parts on its worker, stops, and restarts', async () => {
    await stopThreads();
    expect(threadStats()).toEqual({ workers: 0, jobs: 0, workerParts: 0, guarded: 0 });
    setThreads(2);
    expect(getThreads()).toBe(2);
    const rng = new Rng(3);
    const M = 64, N = 512, K = 256;
    const A = rand(rng, M * K), B = rand(rng, K * N), C = nans(M * N);
    // The worker takes parts once it has started and while it spins between jobs.
    const t0 = performance.now();
    while (threadStats().workerParts === 0 && performance.now() - t0 < 20_000) {
      gemm(false, false, M, N, K, 1, A, 0, K, B, 0, N, 0, C, 0, N);
      await new Promise((r) => setTimeout(r, 1));
      for (let i = 0; i < 20; i++) gemm(false, false, M, N, K, 1, A, 0, K, B, 0, N, 0, C, 0, N);
    }
    const s = threadStats();
    expect(s.workers).toBe(1);
    expect(s.jobs).toBeGreaterThan(0);
    expect(s.workerParts).toBeGreaterThan(0);
    // Memory grown after the workers started is visible to them.
    const big = mem.alloc(heap.byteLength);
    const C2 = new Float32Array(heap.buffer, big, M * N).fill(NaN);
    for (let i = 0; i < 50; i++) gemm(false, false, M, N, K, 1, A, 0, K, B, 0, N, 0, C2, 0, N);
    expect(Array.from(C2)).toEqual(Array.from(C));
    await stopThreads();
    expect(threadStats().workers).toBe(0);
    gemm(false, false, M, N, K, 1, A, 0, K, B, 0, N, 0, C2, 0, N);
    expect(threadStats().workers).toBe(1);
    setThreads(1);
    expect(threadStats().workers).toBe(0);
  });

  it('stopThreads resolves when the pool stops before its worker has started', async () => {
    await stopThreads();
    setThreads(2);
    const rng = new Rng(4);
    const M = 64, N = 512, K = 256;
    const A = rand(rng, M * K), B = rand(rng, K * N), C = nans(M * N);
    gemm(false, false, M, N, K, 1, A, 0, K, B, 0, N, 0, C, 0, N); // starts the pool; its worker is still booting
    expect(threadStats().workers).toBe(1);
    // The worker starts after the stop: it must see the stop and exit (it used to wait for ever).
    const stopped = await Promise.race([stopThreads().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
    expect(stopped).toBe('stopped');
  });

  it('rejects a bad thread count with one clear error', () => {
    expect(() => setThreads(0)).toThrow('setThreads: threads must be an integer from 1 to 64, not 0');
    expect(() => setThreads(2.5)).toThrow('not 2.5');
  });

});

// A process that used worker threads must exit by itself: run the compiled package (dist/).
const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist/index.js');
const sources = ['src/kernels/threads/pool.ts', 'src/kernels/threads/gemm.ts', 'src/kernels/gemm.ts', 'src/index.ts'];
function distReason(): string {
  if (unavailable !== '') return unavailable;
  if (!existsSync(dist)) return 'dist/ is missing: run `npm run build`';
  const stale = sources.filter((s) => {
    const out = join(root, 'dist', s.replace(/^src\//, '').replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(join(root, s)).mtimeMs > statSync(out).mtimeMs;
  });
  return stale.length > 0 ? `dist/ is older than ${stale.join(', ')}: run \`npm run build\`` : '';
}
const exitReason = distReason();

describe('process exit', () => {
  it.skipIf(exitReason !== '')(`RECURRENT_THREADS is read, and a bad value named${exitReason ? ` (skipped: ${exitReason})` : ''}`, () => {
    const env = { ...process.env, RECURRENT_BACKEND: 'wasm' };
    const code = (): string =>
      `import('${join(root, 'dist/kernels/gemm.js')}').then((g) => { try { console.log(g.getThreads()); } catch (e) { console.log(e.message); } });`;
    const run = (v: string): string => spawnSync(process.execPath, ['-e', code()], { encoding: 'utf8', timeout: 60_000, env: { ...env, RECURRENT_THREADS: v } }).stdout.trim();
    expect(run('1')).toBe('1');
    expect(run('2')).toBe('2');
    expect(run('two')).toBe("recurrent: RECURRENT_THREADS must be an integer from 1 to 64, not 'two'");
    expect(run('0')).toBe("recurrent: RECURRENT_THREADS must be an integer from 1 to 64, not '0'");
  });
  it.skipIf(exitReason !== '')(`a process that ran kernels on 2 threads exits without stopping them${exitReason ? ` (skipped: ${exitReason})` : ''}`, () => {
    const code = `
      import { pathToFileURL } from 'node:url';
      const lib = await import(pathToFileURL(${JSON.stringify(dist)}).href);
      const { gemm } = await import(pathToFileURL(${JSON.stringify(join(root, 'dist/kernels/gemm.js'))}).href);
      const { setContentionGuard, threadStats } = await import(pathToFileURL(${JSON.stringify(join(root, 'dist/kernels/threads/pool.js'))}).href);
      setContentionGuard(false);
      const { heap } = await import(pathToFileURL(${JSON.stringify(join(root, 'dist/tensor/tensor.js'))}).href);
      lib.setThreads(2);
      const n = 256;
      const pa = heap.alloc(n * n * 4), pc = heap.alloc(n * n * 4);
      const a = new Float32Array(heap.buffer, pa, n * n).fill(0.5);
      const c = new Float32Array(heap.buffer, pc, n * n);
      for (let i = 0; i < 20; i++) gemm(false, false, n, n, n, 1, a, 0, n, a, 0, n, 0, c, 0, n);
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 20; i++) gemm(false, false, n, n, n, 1, a, 0, n, a, 0, n, 0, c, 0, n);
      console.log(JSON.stringify({ threads: lib.getThreads(), c: c[0], ...threadStats() }));
    `;
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, RECURRENT_BACKEND: 'wasm' } });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { threads: number; c: number; workers: number; jobs: number };
    expect(out).toMatchObject({ threads: 2, c: 64, workers: 1, jobs: 40 });
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});
