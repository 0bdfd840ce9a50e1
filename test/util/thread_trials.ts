/**
 * The random trials of the thread tests, shared by the wasm worker pool's
 * (test/kernels/threads.test.ts) and the native add-on's pthread pool's
 * (test/kernels/native_threads.test.ts): both pools split the same parts (DESIGN.md §5) and must
 * give the bits of 1 thread with 2. Each test file selects its backend, then calls `gemmTrials`
 * and `recurrentTrials` with its own seed and shape ranges and asserts how many jobs were split.
 *
 * Arrays live on the heap (the kernels and the threads read them there), 1 float off their
 * block's alignment; `heapArrays().free()` in the file's afterAll releases them.
 */
import { expect } from 'vitest';
import { gemm, setThreads } from '../../src/kernels/gemm.js';
import { gruBackward, gruBackwardWorkSize, gruCacheSize, gruForward } from '../../src/kernels/gru.js';
import { lstmBackward, lstmBackwardWorkSize, lstmCacheSize, lstmForward } from '../../src/kernels/lstm.js';
import { adamStep } from '../../src/kernels/optim.js';
import { rnnBackward, rnnBackwardWorkSize, rnnCacheSize, rnnForward } from '../../src/kernels/rnn.js';
import type { Rng } from '../../src/tensor/rng.js';
import { heap } from '../../src/tensor/tensor.js';

/** The heap blocks of one test file. */
export interface HeapArrays {
  /** A Float32Array of n random values in [-1, 1) on the heap, 1 float off its block's alignment. */
  rand(rng: Rng, n: number): Float32Array;
  /** Same as rand, filled with NaN (outputs: nothing may be read before it is written). */
  nans(n: number): Float32Array;
  /** A raw block of `bytes` on the heap (its pointer), freed with the others. */
  alloc(bytes: number): number;
  /** Frees every block handed out. */
  free(): void;
}

/** A fresh set of heap blocks (see HeapArrays). */
export function heapArrays(): HeapArrays {
  const blocks: number[] = [];
  const alloc = (bytes: number): number => {
    const ptr = heap.alloc(bytes);
    blocks.push(ptr);
    return ptr;
  };
  // Allocate before reading heap.buffer: an allocation may grow the heap and replace the buffer.
  const floats = (n: number): Float32Array => {
    const ptr = alloc(n * 4 + 8);
    return new Float32Array(heap.buffer, ptr + 4, n);
  };
  return {
    rand(rng, n) {
      const a = floats(n);
      for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
      return a;
    },
    nans: (n) => floats(n).fill(NaN),
    alloc,
    free() {
      for (const p of blocks.splice(0)) heap.free(p);
    },
  };
}

/** A uniform random integer in [lo, hi]. */
export const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng.uniform(0, 1) * (hi - lo + 1));

/**
 * Where two lists of arrays first differ in their bits (so −0 ≠ 0 and NaN payloads count):
 * "array i, element j: bits x vs y", or null when every bit matches. A plain loop, so millions of
 * floats compare in milliseconds (toEqual on arrays that size takes seconds).
 */
export function firstBitDifference(a: (Float32Array | null)[], b: (Float32Array | null)[]): string | null {
  if (a.length !== b.length) return `${a.length} arrays vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x === null || y === null) {
      if (x !== y) return `array ${i}: null vs not null`;
      continue;
    }
    if (x.length !== y.length) return `array ${i}: length ${x.length} vs ${y.length}`;
    const u = new Uint32Array(x.buffer, x.byteOffset, x.length), v = new Uint32Array(y.buffer, y.byteOffset, y.length);
    for (let j = 0; j < u.length; j++) if (u[j] !== v[j]) return `array ${i}, element ${j}: bits ${u[j]!.toString(16)} (${x[j]}) vs ${v[j]!.toString(16)} (${y[j]})`;
  }
  return null;
}

/** The pool under test, as the trials see it. */
export interface ThreadTrials {
  mem: HeapArrays;
  /** Jobs the pool has split so far. */
  jobs(): number;
  /** The thread count the pool itself reports, checked after each setThreads when given. */
  threads?(): number;
}

/**
 * Runs `run(outputs)` with 1 thread and with 2 on fresh copies of `init` (the outputs' starting
 * contents) and expects the same bits; returns how many jobs the 2-thread run split.
 */
export function sameBits(t: ThreadTrials, init: (Float32Array | null)[], run: (out: (Float32Array | null)[]) => void): number {
  const copy = (): (Float32Array | null)[] =>
    init.map((a) => {
      if (a === null) return null;
      const c = t.mem.nans(a.length);
      c.set(a);
      return c;
    });
  setThreads(1);
  if (t.threads) expect(t.threads()).toBe(1);
  const one = copy();
  run(one);
  setThreads(2);
  if (t.threads) expect(t.threads()).toBe(2);
  const before = t.jobs();
  const two = copy();
  run(two);
  const split = t.jobs() - before;
  expect(firstBitDifference(two, one)).toBeNull();
  return split;
}

/** An inclusive range of sizes. */
export type Range = readonly [lo: number, hi: number];

/** The GEMM trials' sizes: `narrow` is N of tall trials and M of wide ones. */
export interface GemmShapes {
  narrow: Range;
  /** M of the tall trials (row split). */
  tallM: Range;
  /** N of the wide trials (column split). */
  wideN: Range;
}

/**
 * 16 random GEMMs C = alpha·op(A)·op(B) + beta·C, each run by `sameBits`: all four transposes,
 * wide (column split) and tall (row split) shapes, alpha 1 or random, beta 0 or random, leading
 * dimensions 0-3 past the rows, K from 100 to 300. Returns the jobs the 2-thread runs split.
 */
export function gemmTrials(t: ThreadTrials, rng: Rng, shapes: GemmShapes): number {
  const { rand } = t.mem;
  let split = 0;
  for (let trial = 0; trial < 16; trial++) {
    const transA = (trial & 1) !== 0;
    const transB = (trial & 2) !== 0;
    const tall = (trial & 4) !== 0;
    const M = tall ? int(rng, ...shapes.tallM) : int(rng, ...shapes.narrow);
    const N = tall ? int(rng, ...shapes.narrow) : int(rng, ...shapes.wideN);
    const K = int(rng, 100, 300);
    const alpha = trial % 3 === 0 ? 1 : rng.uniform(-2, 2);
    const beta = trial % 4 === 0 ? 0 : rng.uniform(-1, 1);
    const lda = (transA ? M : K) + int(rng, 0, 3);
    const ldb = (transB ? K : N) + int(rng, 0, 3);
    const ldc = N + int(rng, 0, 3);
    const A = rand(rng, (transA ? K : M) * lda);
    const B = rand(rng, (transB ? N : K) * ldb);
    const C = rand(rng, M * ldc);
    split += sameBits(t, [C], ([c]) => gemm(transA, transB, M, N, K, alpha, A, 0, lda, B, 0, ldb, beta, c!, 0, ldc));
  }
  return split;
}

/**
 * 6 random trials of a fused cell's forward then backward, each run by `sameBits`: B from
 * `batch` (default 16-27 rows, so every job is large enough to split), T from `steps` (default 5-9), I 37-80, H from `rnnH` for the RNN
 * and from `cellH` (default 40-90) for LSTM/GRU, rounded to a multiple of `hStep`; masks on odd trials and trial 4, reverse on even ones, null b_ih (trial 2), b_hh
 * and dh_T (trial 3), h0 or c0 (trial % 3), a recurrent-dropout mask (trial 4: with a mask and
 * reversed), null dy, dc_T, dx, dh0 and dc0 and GRU reset-before (trial 5), RNN relu (trial 1). The checked outputs: y, h_T, c_T, cache, dx, dh0, dc0, work and
 * the accumulated dW_ih, dW_hh, db_ih, db_hh. Returns the jobs the 2-thread runs split.
 */
export function recurrentTrials(t: ThreadTrials, cell: 'rnn' | 'lstm' | 'gru', rng: Rng, rnnH: Range, cellH: Range = [40, 90], hStep = 1, batch: Range = [16, 27], steps: Range = [5, 9]): number {
  const { rand, nans } = t.mem;
  let split = 0;
  for (let trial = 0; trial < 6; trial++) {
    const B = int(rng, ...batch);
    const T = int(rng, ...steps);
    const I = int(rng, 37, 80);
    const H = cell === 'rnn' ? int(rng, ...rnnH) : hStep * Math.round(int(rng, ...cellH) / hStep);
    const G = cell === 'lstm' ? 4 * H : cell === 'gru' ? 3 * H : H;
    const withMask = trial % 2 === 1 || trial === 4;
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
    // Trial 5: no dy, dc_T, dx, dh0 or dc0 (drawn all the same, so the other trials keep their data).
    const noGrads = trial === 5;
    const dyDrawn = rand(rng, B * T * H);
    const dy = noGrads ? null : dyDrawn;
    const dhT = trial === 3 ? null : rand(rng, B * H);
    const dcTDrawn = rand(rng, B * H);
    const dcT = noGrads ? null : dcTDrawn;
    // Outputs: y, hT, cT, cache (forward); dx, dh0, dc0, work, then the accumulated dW_ih,
    // dW_hh, db_ih, db_hh starting from random values (they are `+=`).
    const init = [
      nans(B * T * H), nans(B * H), nans(B * H), nans(cacheSize), noGrads ? null : nans(B * T * I), noGrads ? null : nans(B * H), noGrads ? null : nans(B * H), nans(workSize),
      rand(rng, G * I), rand(rng, G * H), bih === null ? null : rand(rng, G), bhh === null ? null : rand(rng, G),
    ];
    split += sameBits(t, init, ([y, hT, cT, cache, dx, dh0, dc0, work, dwih, dwhh, dbih, dbhh]) => {
      const common = { B, T, I, H, x, wih, whh, mask, reverse, hMask };
      if (cell === 'lstm') {
        lstmForward({ ...common, bih, bhh, h0, c0, y: y!, hT: hT!, cT: cT!, cache: cache! });
        lstmBackward({ ...common, bih, bhh, h0, c0, cache: cache!, dy, dhT, dcT, dx, dh0, dc0, dwih: dwih!, dwhh: dwhh!, dbih, dbhh, work: work! });
      } else if (cell === 'gru') {
        gruForward({ ...common, resetAfter, bih, bhh, h0, y: y!, hT: hT!, cache: cache! });
        gruBackward({ ...common, resetAfter, bih, bhh, h0, cache: cache!, dy, dhT, dx, dh0, dwih: dwih!, dwhh: dwhh!, dbih, dbhh, work: work! });
      } else {
        const activation = relu ? 'relu' : 'tanh';
        rnnForward({ ...common, activation, bih, bhh, h0, y: y!, hT: hT!, cache: cache! });
        rnnBackward({ ...common, activation, bih, bhh, h0, cache: cache!, dy, dhT, dx, dh0, dwih: dwih!, dwhh: dwhh!, dbih, dbhh, work: work! });
      }
    });
  }
  return split;
}

/**
 * 4 Adam / AdamW updates of n = 100,003 elements (not a multiple of the 16-element part
 * boundaries), each run by `sameBits`: plain; AdamW with weight decay and amsgrad; L2 weight decay
 * and maximize; amsgrad at step 7. The checked outputs: p, m, v, vmax. Returns the jobs split.
 */
export function adamTrials(t: ThreadTrials, rng: Rng): number {
  const { rand } = t.mem;
  const n = 100_003;
  const g = rand(rng, n);
  let split = 0;
  const configs = [
    { amsgrad: false, decoupled: false, weightDecay: 0, maximize: false, step: 1 },
    { amsgrad: true, decoupled: true, weightDecay: 0.01, maximize: false, step: 3 },
    { amsgrad: false, decoupled: false, weightDecay: 0.05, maximize: true, step: 2 },
    { amsgrad: true, decoupled: false, weightDecay: 0, maximize: false, step: 7 },
  ];
  for (const c of configs) {
    const v0 = rand(rng, n).map(Math.abs);
    const init = [rand(rng, n), rand(rng, n), v0, c.amsgrad ? v0.map((x, i) => (i % 3 === 0 ? x * 2 : x)) : null];
    split += sameBits(t, init, ([p, m, v, vmax]) => {
      adamStep({ n, p: p!, g, m: m!, v: v!, vmax, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, ...c });
    });
  }
  return split;
}

/**
 * An LSTM forward then backward over an empty sequence (T = 0) at sizes the split by hidden
 * units takes (H = 512, B = 2), forward and reverse, each run by `sameBits`. The cache and y are
 * 0-length views in the middle of NaN-filled guard blocks, which are checked outputs: nothing may
 * be written around them (the unit split's prep used to write a step's h and c rows into an empty
 * cache, at cache[0 … H) or, reversed, at cache[−H … 0)). Also checked: h_T = h0, c_T = c0,
 * dh0 = dh_T, dc0 = dc_T. Returns the jobs the 2-thread runs split.
 */
export function emptySequenceTrials(t: ThreadTrials, rng: Rng): number {
  const { rand, nans } = t.mem;
  const B = 2, T = 0, I = 3, H = 512, G = 4 * H, GUARD = 2 * H;
  let split = 0;
  for (const reverse of [false, true]) {
    const x = rand(rng, 1).subarray(0, 0), wih = rand(rng, G * I), whh = rand(rng, G * H);
    const bih = rand(rng, G), bhh = rand(rng, G), h0 = rand(rng, B * H), c0 = rand(rng, B * H);
    const dhT = rand(rng, B * H), dcT = rand(rng, B * H);
    const init = [
      nans(2 * GUARD), nans(2 * GUARD), nans(B * H), nans(B * H), nans(B * H), nans(B * H), nans(lstmBackwardWorkSize(B, T, I, H)),
      rand(rng, G * I), rand(rng, G * H), rand(rng, G), rand(rng, G),
    ];
    split += sameBits(t, init, ([cacheGuard, yGuard, hT, cT, dh0, dc0, work, dwih, dwhh, dbih, dbhh]) => {
      const cache = cacheGuard!.subarray(GUARD, GUARD), y = yGuard!.subarray(GUARD, GUARD);
      const common = { B, T, I, H, x, wih, whh, mask: null, reverse, hMask: null, bih, bhh, h0, c0 };
      lstmForward({ ...common, y, hT: hT!, cT: cT!, cache });
      lstmBackward({ ...common, cache, dy: null, dhT, dcT, dx: nans(1).subarray(0, 0), dh0: dh0!, dc0: dc0!, dwih: dwih!, dwhh: dwhh!, dbih, dbhh, work: work! });
      expect(firstBitDifference([cacheGuard!, yGuard!], [nans(2 * GUARD), nans(2 * GUARD)])).toBeNull();
      expect(firstBitDifference([hT!, cT!, dh0!, dc0!], [h0, c0, dhT, dcT])).toBeNull();
    });
  }
  return split;
}
