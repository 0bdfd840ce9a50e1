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
import { gruBackward, gruBackwardWorkSize, gruCacheSize, gruForward } from '../../src/kernels/gru.js';
import { lstmBackward, lstmBackwardWorkSize, lstmCacheSize, lstmForward } from '../../src/kernels/lstm.js';
import { rnnBackward, rnnBackwardWorkSize, rnnCacheSize, rnnForward } from '../../src/kernels/rnn.js';
import { setContentionGuard, threadStats, threadsUnavailableReason } from '../../src/kernels/threads/pool.js';
import { type WasmVariant, relaxedSimdSupported, setWasmVariant, wasmVariant } from '../../src/kernels/wasm/backend.js';
import { Rng } from '../../src/tensor/rng.js';
import { heap } from '../../src/tensor/tensor.js';

const unavailable = threadsUnavailableReason();
const blocks: number[] = [];
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
  for (const p of blocks) heap.free(p);
  setBackend(savedBackend);
  if (savedVariant !== null) setWasmVariant(savedVariant);
  setThreads(savedThreads);
  setContentionGuard(savedGuard);
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
  const one = copy();
  run(one);
  setThreads(2);
  const before = threadStats().jobs;
  const two = copy();
  run(two);
  const jobs = threadStats().jobs - before;
  expect(bits(two)).toEqual(bits(one));
  return jobs;
}

const variants: WasmVariant[] = relaxedSimdSupported() ? ['simd128', 'relaxed-simd'] : ['simd128'];

describe.skipIf(unavailable !== '')(`2 threads give the bits of 1 thread${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  for (const variant of variants) {
    it(`GEMM, all transposes, column and row splits (${variant})`, () => {
      setWasmVariant(variant);
      const rng = new Rng(11);
      let split = 0;
      for (let trial = 0; trial < 16; trial++) {
        const transA = (trial & 1) !== 0;
        const transB = (trial & 2) !== 0;
        // Wide (column split) and tall (row split) shapes, none a multiple of the tiles.
        const tall = (trial & 4) !== 0;
        const M = tall ? int(rng, 300, 700) : int(rng, 40, 90);
        const N = tall ? int(rng, 40, 90) : int(rng, 300, 700);
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
      it(`${cell.toUpperCase()} forward and backward (${variant})`, () => {
        setWasmVariant(variant);
        const rng = new Rng(cell.length * 7 + variant.length);
        let split = 0;
        for (let trial = 0; trial < 6; trial++) {
          const B = int(rng, 16, 27);
          const T = int(rng, 5, 9);
          const I = int(rng, 37, 80);
          const H = cell === 'rnn' ? int(rng, 100, 160) : int(rng, 40, 90);
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
        // The trials are big enough to be split (up to 3 jobs each: forward, recurrence, gradients).
        expect(split).toBeGreaterThanOrEqual(6 * 2);
      });
    }
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
    const big = heap.alloc(heap.byteLength);
    blocks.push(big);
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
