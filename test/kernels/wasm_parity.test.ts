/**
 * Parity of every wasm kernel (csrc/ → src/kernels/wasm/) with the reference kernels (src/kernels/ref/,
 * the specification), for both builds of the module (SIMD128, and relaxed-SIMD FMA when the engine
 * runs it), on random shapes including sizes that are not multiples of the vector width (4) or of
 * the GEMM tiles (4×8, MC 64, KC 256), with masks, reverse direction, recurrent-dropout masks,
 * null biases, null initial states and null output gradients.
 *
 * - Recurrent sequence kernels (RNN tanh/relu, LSTM, GRU with reset after/before): forward outputs,
 *   the whole cache (same layout), and every gradient agree with the reference to float32 rounding
 *   (sigmoid/tanh are approximations of ≈ 2.5 ulp); a cache from one backend gives the same
 *   gradients on the other; a sample's outputs do not depend on the batch it is in (bit for bit).
 * - Optimizers and the softmax cross-entropy backward and embedding kernels: bit-identical.
 * - Softmax cross-entropy forward: probabilities and loss to float32 rounding.
 * The reference runs on plain arrays (so its GEMMs are the TypeScript ones), wasm on heap views;
 * caches, work arrays and outputs arrive NaN-filled, so nothing may be read before it is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, setBackend } from '../../src/kernels/gemm.js';
import { gruForward as dispatchGruForward } from '../../src/kernels/gru.js';
import { lstmBackward as dispatchLstmBackward, lstmForward as dispatchLstmForward } from '../../src/kernels/lstm.js';
import { adamStep as dispatchAdamStep } from '../../src/kernels/optim.js';
import { embeddingBackward as refEmbeddingBackward, embeddingForward as refEmbeddingForward } from '../../src/kernels/ref/embedding.js';
import { gruBackward, gruBackwardWorkSize, gruCacheSize, gruForward } from '../../src/kernels/ref/gru.js';
import { softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from '../../src/kernels/ref/losses.js';
import type { CrossEntropyReduction } from '../../src/kernels/ref/losses.js';
import { lstmBackward, lstmBackwardWorkSize, lstmCacheSize, lstmForward } from '../../src/kernels/ref/lstm.js';
import { adagradStep, adamStep, rmspropStep, sgdStep } from '../../src/kernels/ref/optim.js';
import { rnnBackward, rnnBackwardWorkSize, rnnCacheSize, rnnForward } from '../../src/kernels/ref/rnn.js';
import { type KernelSet, WASM_KERNELS, wasmVariant } from '../../src/kernels/wasm/backend.js';
import { tryWasmEmbeddingBackward, tryWasmEmbeddingForward } from '../../src/kernels/wasm/embedding.js';
import { tryWasmSoftmaxCrossEntropyBackward, tryWasmSoftmaxCrossEntropyForward } from '../../src/kernels/wasm/losses.js';
import { tryWasmAdagradStep, tryWasmAdamStep, tryWasmRmspropStep, tryWasmSgdStep } from '../../src/kernels/wasm/optim.js';
import {
  tryWasmGruBackward,
  tryWasmGruForward,
  tryWasmLstmBackward,
  tryWasmLstmForward,
  tryWasmRnnBackward,
  tryWasmRnnForward,
} from '../../src/kernels/wasm/recurrent.js';
import { Rng } from '../../src/tensor/rng.js';
import type { FloatArray } from '../../src/tensor/tensor.js';
import { heap } from '../../src/tensor/tensor.js';
import { enterBuild, kernelBuilds, leaveBuild } from '../util/kernel_builds.js';

const blocks: number[] = [];
afterAll(() => {
  for (const p of blocks) heap.free(p);
});

/** A Float32Array of n elements on the heap, `skew` floats into its block (so not 64-byte aligned). */
function heapF32(n: number, skew = 0): Float32Array {
  const ptr = heap.alloc((n + skew) * 4 + 4);
  blocks.push(ptr);
  return new Float32Array(heap.buffer, ptr + skew * 4, n);
}

/** A heap copy of `a` (null stays null). */
function onHeap(a: Float32Array | null, skew = 1): Float32Array | null {
  if (a === null) return null;
  const h = heapF32(a.length, skew);
  h.set(a);
  return h;
}

function heapU8(a: Uint8Array): Uint8Array {
  const ptr = heap.alloc(a.length + 1);
  blocks.push(ptr);
  const h = new Uint8Array(heap.buffer, ptr + 1, a.length);
  h.set(a);
  return h;
}

function sameBits(x: FloatArray, y: FloatArray): boolean {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

function rand(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

function nans(n: number): Float32Array {
  return new Float32Array(n).fill(NaN);
}

/**
 * First element where got and want differ by more than float32 rounding allows, '' if none:
 * |got − want| ≤ tol · (scale + |want|), scale = max(1, max |want|) (gradients are sums of many
 * terms, so the absolute part follows the array's magnitude).
 */
function mismatch(name: string, got: FloatArray | null, want: FloatArray | null, tol: number): string {
  if (got === null || want === null) return got === want ? '' : `${name}: one side is null`;
  if (got.length !== want.length) return `${name}: length ${got.length} vs ${want.length}`;
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(g) || Number.isNaN(w) || !(Math.abs(g - w) <= tol * (scale + Math.abs(w)))) {
      return `${name}[${i}]: wasm ${g}, ref ${w} (scale ${scale})`;
    }
  }
  return '';
}

/** Largest |got − want| / (scale + |want|) (for reporting). */
function relErr(got: FloatArray | null, want: FloatArray | null): number {
  if (got === null || want === null) return 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!) / (scale + Math.abs(want[i]!)));
  return e;
}

// ---- recurrent sequence kernels --------------------------------------------------------------

type Kind = 'rnn-tanh' | 'rnn-relu' | 'lstm' | 'gru' | 'gru-keras';
const KINDS: Kind[] = ['rnn-tanh', 'rnn-relu', 'lstm', 'gru', 'gru-keras'];
const gatesOf = (k: Kind): number => (k === 'lstm' ? 4 : k === 'gru' || k === 'gru-keras' ? 3 : 1);

interface RCase {
  B: number;
  T: number;
  I: number;
  H: number;
  reverse: boolean;
  mask: 'none' | 'random' | 'rows';
  h0: boolean;
  hMask: boolean;
  bias: 'both' | 'none' | 'ih' | 'hh';
  dy: boolean;
  dhT: boolean;
  dcT: boolean;
  dx: boolean;
  dh0: boolean;
}

function label(kind: Kind, c: RCase): string {
  return `${kind} B=${c.B} T=${c.T} I=${c.I} H=${c.H} rev=${c.reverse} mask=${c.mask} h0=${c.h0} hMask=${c.hMask} bias=${c.bias} dy=${c.dy} dhT=${c.dhT} dcT=${c.dcT} dx=${c.dx} dh0=${c.dh0}`;
}

/** Problem data as plain Float32Arrays (the reference's inputs). */
interface Problem {
  B: number;
  T: number;
  I: number;
  H: number;
  x: Float32Array;
  wih: Float32Array;
  whh: Float32Array;
  bih: Float32Array | null;
  bhh: Float32Array | null;
  h0: Float32Array | null;
  c0: Float32Array | null;
  mask: Uint8Array | null;
  reverse: boolean;
  hMask: Float32Array | null;
}

function makeProblem(kind: Kind, c: RCase, rng: Rng): Problem {
  const { B, T, I, H } = c;
  const GH = gatesOf(kind) * H;
  const s = 1 / Math.sqrt(Math.max(H, 1));
  let mask: Uint8Array | null = null;
  if (c.mask === 'random') mask = Uint8Array.from({ length: B * T }, () => (rng.uniform(0, 1) < 0.3 ? 0 : 1));
  else if (c.mask === 'rows') {
    // Padded rows of different lengths, one of them empty when B > 1.
    mask = new Uint8Array(B * T);
    for (let b = 0; b < B; b++) {
      const len = b === 1 ? 0 : 1 + rng.int(T);
      for (let t = 0; t < len; t++) mask[b * T + (c.reverse ? T - 1 - t : t)] = 1;
    }
  }
  return {
    B,
    T,
    I,
    H,
    x: rand(rng, B * T * I),
    wih: rand(rng, GH * I, -2 * s, 2 * s),
    whh: rand(rng, GH * H, -2 * s, 2 * s),
    bih: c.bias === 'both' || c.bias === 'ih' ? rand(rng, GH, -0.5, 0.5) : null,
    bhh: c.bias === 'both' || c.bias === 'hh' ? rand(rng, GH, -0.5, 0.5) : null,
    h0: c.h0 ? rand(rng, B * H) : null,
    c0: c.h0 && kind === 'lstm' ? rand(rng, B * H) : null,
    mask,
    reverse: c.reverse,
    hMask: c.hMask ? Float32Array.from({ length: B * H }, () => (rng.uniform(0, 1) < 0.25 ? 0 : 4 / 3)) : null,
  };
}

function heapProblem(p: Problem): Problem {
  return {
    ...p,
    x: onHeap(p.x)!,
    wih: onHeap(p.wih, 2)!,
    whh: onHeap(p.whh, 3)!,
    bih: onHeap(p.bih),
    bhh: onHeap(p.bhh, 2),
    h0: onHeap(p.h0),
    c0: onHeap(p.c0, 3),
    mask: p.mask && p.B > 2 ? heapU8(p.mask) : p.mask, // on the heap, or copied by the wrapper
    hMask: onHeap(p.hMask),
  };
}

interface Fwd {
  y: Float32Array;
  hT: Float32Array;
  cT: Float32Array | null;
  cache: Float32Array;
}

interface Bwd {
  dx: Float32Array | null;
  dh0: Float32Array | null;
  dc0: Float32Array | null;
  dwih: Float32Array;
  dwhh: Float32Array;
  dbih: Float32Array | null;
  dbhh: Float32Array | null;
}

interface OutGrads {
  dy: Float32Array | null;
  dhT: Float32Array | null;
  dcT: Float32Array | null;
}

const cacheSize = (kind: Kind, B: number, T: number, H: number): number =>
  kind === 'lstm' ? lstmCacheSize(B, T, H) : kind === 'gru' || kind === 'gru-keras' ? gruCacheSize(B, T, H) : rnnCacheSize(B, T, H);
const workSize = (kind: Kind, B: number, T: number, I: number, H: number): number =>
  kind === 'lstm' ? lstmBackwardWorkSize(B, T, I, H) : kind === 'gru' || kind === 'gru-keras' ? gruBackwardWorkSize(B, T, I, H) : rnnBackwardWorkSize(B, T, I, H);

/** Runs a forward on `wasm` (heap arrays, must be taken) or ref (plain arrays). */
function forward(kind: Kind, p: Problem, wasm: boolean): Fwd {
  const { B, T, H } = p;
  const mk = wasm ? (n: number) => heapF32(n, 1).fill(NaN) : nans;
  const o: Fwd = { y: mk(B * T * H), hT: mk(B * H), cT: kind === 'lstm' ? mk(B * H) : null, cache: mk(cacheSize(kind, B, T, H)) };
  if (kind === 'lstm') {
    const a = { ...p, y: o.y, hT: o.hT, cT: o.cT!, cache: o.cache };
    if (wasm) expect(tryWasmLstmForward(a, KS)).toBe(true);
    else lstmForward(a);
  } else if (kind === 'gru' || kind === 'gru-keras') {
    const a = { ...p, resetAfter: kind === 'gru', y: o.y, hT: o.hT, cache: o.cache };
    if (wasm) expect(tryWasmGruForward(a, KS)).toBe(true);
    else gruForward(a);
  } else {
    const a = { ...p, activation: kind === 'rnn-tanh' ? ('tanh' as const) : ('relu' as const), y: o.y, hT: o.hT, cache: o.cache };
    if (wasm) expect(tryWasmRnnForward(a, KS)).toBe(true);
    else rnnForward(a);
  }
  return o;
}

/** Runs a backward from `cache`; parameter gradients start from `init` (they accumulate). */
function backward(kind: Kind, c: RCase, p: Problem, cache: Float32Array, d: OutGrads, init: Bwd, wasm: boolean): Bwd {
  const { B, T, I, H } = p;
  const cp = (a: Float32Array | null) => (a === null ? null : wasm ? onHeap(a, 2) : a.slice());
  const mk = (n: number) => (wasm ? heapF32(n, 3).fill(NaN) : nans(n));
  const g: Bwd = {
    dx: c.dx ? mk(B * T * I) : null,
    dh0: c.dh0 ? mk(B * H) : null,
    dc0: c.dh0 && kind === 'lstm' ? mk(B * H) : null,
    dwih: cp(init.dwih)!,
    dwhh: cp(init.dwhh)!,
    dbih: p.bih ? cp(init.dbih) : null,
    dbhh: p.bhh ? cp(init.dbhh) : null,
  };
  const dd = { dy: cp(d.dy), dhT: cp(d.dhT), dcT: kind === 'lstm' ? cp(d.dcT) : null };
  const work = mk(workSize(kind, B, T, I, H));
  const cacheIn = wasm ? onHeap(cache)! : cache.slice();
  const common = { ...p, cache: cacheIn, dy: dd.dy, dhT: dd.dhT, dx: g.dx, dh0: g.dh0, dwih: g.dwih, dwhh: g.dwhh, dbih: g.dbih, dbhh: g.dbhh, work };
  if (kind === 'lstm') {
    const a = { ...common, dcT: dd.dcT, dc0: g.dc0 };
    if (wasm) expect(tryWasmLstmBackward(a, KS)).toBe(true);
    else lstmBackward(a);
  } else if (kind === 'gru' || kind === 'gru-keras') {
    const a = { ...common, resetAfter: kind === 'gru' };
    if (wasm) expect(tryWasmGruBackward(a, KS)).toBe(true);
    else gruBackward(a);
  } else {
    const a = { ...common, activation: kind === 'rnn-tanh' ? ('tanh' as const) : ('relu' as const) };
    if (wasm) expect(tryWasmRnnBackward(a, KS)).toBe(true);
    else rnnBackward(a);
  }
  return g;
}

// Float32 tolerance: a few ulp per operation through the recurrence and the GEMM sums.
const TOL = 1e-5;
let worst = 0;

function checkCase(kind: Kind, c: RCase, seed: number): void {
  const rng = new Rng(seed);
  const p = makeProblem(kind, c, rng);
  const hp = heapProblem(p);
  const name = label(kind, c);
  const ref = forward(kind, p, false);
  const got = forward(kind, hp, true);
  const errs = [
    mismatch('y', got.y, ref.y, TOL),
    mismatch('hT', got.hT, ref.hT, TOL),
    mismatch('cT', got.cT, ref.cT, TOL),
    mismatch('cache', got.cache, ref.cache, TOL),
  ];
  const { B, T, I, H } = p;
  const GH = gatesOf(kind) * H;
  const d: OutGrads = { dy: c.dy ? rand(rng, B * T * H) : null, dhT: c.dhT ? rand(rng, B * H) : null, dcT: c.dcT ? rand(rng, B * H) : null };
  const init: Bwd = { dx: null, dh0: null, dc0: null, dwih: rand(rng, GH * I), dwhh: rand(rng, GH * H), dbih: rand(rng, GH), dbhh: rand(rng, GH) };
  const gRef = backward(kind, c, p, ref.cache, d, init, false);
  const gWasm = backward(kind, c, hp, got.cache, d, init, true);
  // Mixed backends: the other backend's cache (the layouts are the same).
  const gWasmFromRef = backward(kind, c, hp, ref.cache, d, init, true);
  const gRefFromWasm = backward(kind, c, p, got.cache, d, init, false);
  for (const [tag, g] of [
    ['', gWasm],
    ['(wasm backward, ref cache) ', gWasmFromRef],
    ['(ref backward, wasm cache) ', gRefFromWasm],
  ] as const) {
    for (const key of ['dx', 'dh0', 'dc0', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const) {
      errs.push(mismatch(tag + key, g[key], gRef[key], TOL));
      worst = Math.max(worst, relErr(g[key], gRef[key]));
    }
  }
  for (const key of ['y', 'hT', 'cT', 'cache'] as const) worst = Math.max(worst, relErr(got[key], ref[key]));
  expect(errs.filter((e) => e).join('; '), name).toBe('');
}

function randomCase(rng: Rng): RCase {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)]!;
  return {
    B: pick([1, 2, 3, 4, 5, 6, 9]),
    T: pick([1, 2, 3, 5, 7]),
    I: pick([1, 3, 4, 7, 10]),
    H: pick([1, 2, 3, 4, 5, 7, 8, 9, 13, 17, 33]),
    reverse: rng.int(2) === 1,
    mask: pick(['none', 'random', 'rows'] as const),
    h0: rng.int(2) === 1,
    hMask: rng.int(3) === 0,
    bias: pick(['both', 'both', 'none', 'ih', 'hh'] as const),
    dy: rng.int(4) !== 0,
    dhT: rng.int(2) === 1,
    dcT: rng.int(2) === 1,
    dx: rng.int(4) !== 0,
    dh0: rng.int(2) === 1,
  };
}

const ALL_ON: Omit<RCase, 'B' | 'T' | 'I' | 'H'> = {
  reverse: false,
  mask: 'none',
  h0: true,
  hMask: false,
  bias: 'both',
  dy: true,
  dhT: true,
  dcT: true,
  dx: true,
  dh0: true,
};

/** The build of the kernels under test (the wrappers' KernelSet): wasm, or the native add-on. */
let KS: KernelSet = WASM_KERNELS;

describe.each(kernelBuilds())('$name kernels vs ref', (build) => {
  const { name, variant } = build;
  beforeAll(() => {
    KS = enterBuild(build);
  });
  afterAll(() => {
    KS = leaveBuild(build);
  });

  it.runIf(variant !== null)('is the active build', () => {
    expect(wasmVariant()).toBe(variant);
  });

  describe.each(KINDS)('%s sequence forward and backward', (kind) => {
    it('random small shapes with masks, reverse, hMask, null biases / states / gradients', () => {
      const rng = new Rng(2024 + KINDS.indexOf(kind));
      for (let i = 0; i < 40; i++) checkCase(kind, randomCase(rng), 1000 * i + 7);
    });

    it('every option on and off, one at a time', () => {
      const base = { B: 5, T: 4, I: 6, H: 7 };
      let seed = 1;
      checkCase(kind, { ...base, ...ALL_ON }, seed++);
      for (const [k, v] of [
        ['reverse', true],
        ['mask', 'random'],
        ['mask', 'rows'],
        ['h0', false],
        ['hMask', true],
        ['bias', 'none'],
        ['bias', 'ih'],
        ['bias', 'hh'],
        ['dy', false],
        ['dhT', false],
        ['dcT', false],
        ['dx', false],
        ['dh0', false],
      ] as const) {
        checkCase(kind, { ...base, ...ALL_ON, [k]: v }, seed++);
      }
      // No output gradient at all: every gradient is zero (or the accumulated start value).
      checkCase(kind, { ...base, ...ALL_ON, dy: false, dhT: false, dcT: false }, seed++);
    });

    it('edge sizes: T = 0, B = 1, H = 1, I = 1', () => {
      checkCase(kind, { B: 3, T: 0, I: 2, H: 5, ...ALL_ON }, 11);
      checkCase(kind, { B: 1, T: 6, I: 1, H: 1, ...ALL_ON, mask: 'random' }, 12);
      checkCase(kind, { B: 1, T: 9, I: 5, H: 11, ...ALL_ON, reverse: true }, 13);
    });

    it('shapes that cross the GEMM blocks (B > MC = 64 rows, K > KC = 256)', () => {
      checkCase(kind, { B: 67, T: 2, I: 5, H: 6, ...ALL_ON, mask: 'random', hMask: true }, 21);
      checkCase(kind, { B: 3, T: 2, I: 300, H: 10, ...ALL_ON }, 22);
      // The per-step GEMMs: K = H (forward) and K = G·H (backward) beyond KC.
      checkCase(kind, { B: 5, T: 3, I: 4, H: kind.startsWith('rnn') ? 261 : kind === 'lstm' ? 70 : 130, ...ALL_ON, reverse: true, hMask: true }, 23);
    });

    it("a sample's outputs and input gradient do not depend on the batch (bit for bit)", () => {
      const rng = new Rng(55);
      const c: RCase = { B: 7, T: 5, I: 6, H: 13, ...ALL_ON, mask: 'rows', hMask: true };
      const p = heapProblem(makeProblem(kind, c, rng));
      const full = forward(kind, p, true);
      const { T, I, H } = c;
      const d: OutGrads = { dy: rand(rng, 7 * T * H), dhT: rand(rng, 7 * H), dcT: rand(rng, 7 * H) };
      const zeros: Bwd = { dx: null, dh0: null, dc0: null, dwih: new Float32Array(gatesOf(kind) * H * I), dwhh: new Float32Array(gatesOf(kind) * H * H), dbih: new Float32Array(gatesOf(kind) * H), dbhh: new Float32Array(gatesOf(kind) * H) };
      const gFull = backward(kind, c, p, full.cache, d, zeros, true);
      for (const b of [0, 3, 6]) {
        const row = <A extends Float32Array | null>(a: A, n: number): A => (a === null ? a : (a.slice(b * n, (b + 1) * n) as A));
        const one: Problem = {
          ...p,
          B: 1,
          x: row(p.x, T * I),
          h0: row(p.h0, H),
          c0: row(p.c0, H),
          mask: p.mask === null ? null : p.mask.slice(b * T, (b + 1) * T),
          hMask: row(p.hMask, H),
        };
        const hOne = heapProblem(one);
        const f1 = forward(kind, hOne, true);
        expect(sameBits(f1.y, full.y.subarray(b * T * H, (b + 1) * T * H)), `${kind} y row ${b}`).toBe(true);
        expect(sameBits(f1.hT, full.hT.subarray(b * H, (b + 1) * H)), `${kind} hT row ${b}`).toBe(true);
        const d1: OutGrads = { dy: row(d.dy, T * H), dhT: row(d.dhT, H), dcT: row(d.dcT, H) };
        const g1 = backward(kind, { ...c, B: 1 }, hOne, f1.cache, d1, zeros, true);
        expect(sameBits(g1.dx!, gFull.dx!.subarray(b * T * I, (b + 1) * T * I)), `${kind} dx row ${b}`).toBe(true);
        expect(sameBits(g1.dh0!, gFull.dh0!.subarray(b * H, (b + 1) * H)), `${kind} dh0 row ${b}`).toBe(true);
      }
    });
  });

  it('reports the largest recurrent deviation from ref (float32 rounding)', () => {
    // Filled by the tests above; printed for the record.
    console.log(`${name} recurrent kernels: largest |wasm − ref| / (scale + |ref|) = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(TOL);
    worst = 0;
  });

  // ---- optimizers -----------------------------------------------------------------------------

  describe('optimizer updates (bit-identical)', () => {
    const sizes = [1, 3, 4, 5, 17, 1001];

    /** Runs `steps` updates on ref (plain copies) and wasm (heap), comparing every state array bit for bit. */
    function run(
      names: string[],
      init: (rng: Rng, n: number) => (Float32Array | null)[],
      refStep: (arrs: (Float32Array | null)[], n: number, step: number) => void,
      wasmStep: (arrs: (Float32Array | null)[], n: number, step: number) => boolean,
      what: string,
    ): void {
      for (const n of sizes) {
        const rng = new Rng(n);
        const start = init(rng, n);
        const r = start.map((a) => (a === null ? null : a.slice()));
        const w = start.map((a) => onHeap(a, 1 + rng.int(3)));
        for (let step = 1; step <= 3; step++) {
          // A fresh gradient each step (index 1 by convention).
          const g = rand(rng, n, -2, 2);
          if (step === 2) g[0] = 0;
          r[1] = g.slice();
          w[1] = onHeap(g);
          refStep(r, n, step);
          expect(wasmStep(w, n, step), what).toBe(true);
          for (let i = 0; i < r.length; i++) {
            const a = r[i]!;
            const b = w[i]!;
            if (a === null) continue;
            expect(sameBits(b, a), `${what} n=${n} step ${step}: ${names[i]}`).toBe(true);
          }
        }
      }
    }

    it('Adam / AdamW (weight decay, amsgrad, maximize)', () => {
      for (const decoupled of [false, true])
        for (const amsgrad of [false, true])
          for (const weightDecay of [0, 0.01])
            for (const maximize of [false, true]) {
              const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, amsgrad, decoupled, maximize };
              const mk = (a: (Float32Array | null)[], n: number, step: number) => ({ n, p: a[0]!, g: a[1]!, m: a[2]!, v: a[3]!, vmax: a[4] ?? null, step, ...o });
              run(
                ['p', 'g', 'm', 'v', 'vmax'],
                (rng, n) => [rand(rng, n), null, rand(rng, n, -0.1, 0.1), rand(rng, n, 0, 0.01), amsgrad ? rand(rng, n, 0, 0.01) : null],
                (a, n, step) => adamStep(mk(a, n, step)),
                (a, n, step) => tryWasmAdamStep(mk(a, n, step), KS),
                `adam ${JSON.stringify(o)}`,
              );
            }
    });

    it('SGD (momentum, dampening, Nesterov, weight decay, maximize, first step)', () => {
      for (const [momentum, dampening, nesterov] of [
        [0, 0, false],
        [0.9, 0, false],
        [0.9, 0.1, false],
        [0.9, 0, true],
      ] as const)
        for (const weightDecay of [0, 1e-4])
          for (const maximize of [false, true]) {
            const o = { lr: 0.05, momentum, dampening, nesterov, weightDecay, maximize };
            const mk = (a: (Float32Array | null)[], n: number, step: number) => ({ n, p: a[0]!, g: a[1]!, buf: a[2] ?? null, firstStep: step === 1, ...o });
            run(
              ['p', 'g', 'buf'],
              (rng, n) => [rand(rng, n), null, momentum !== 0 ? nans(n) : null],
              (a, n, step) => sgdStep(mk(a, n, step)),
              (a, n, step) => tryWasmSgdStep(mk(a, n, step), KS),
              `sgd ${JSON.stringify(o)}`,
            );
          }
    });

    it('RMSprop (centered, momentum, weight decay, maximize)', () => {
      for (const centered of [false, true])
        for (const momentum of [0, 0.9])
          for (const weightDecay of [0, 0.01])
            for (const maximize of [false, true]) {
              const o = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay, momentum, centered, maximize };
              const mk = (a: (Float32Array | null)[], n: number) => ({ n, p: a[0]!, g: a[1]!, sq: a[2]!, gradAvg: a[3] ?? null, buf: a[4] ?? null, ...o });
              run(
                ['p', 'g', 'sq', 'gradAvg', 'buf'],
                (rng, n) => [rand(rng, n), null, rand(rng, n, 0, 0.1), centered ? rand(rng, n, -0.01, 0.01) : null, momentum > 0 ? rand(rng, n) : null],
                (a, n) => rmspropStep(mk(a, n)),
                (a, n) => tryWasmRmspropStep(mk(a, n), KS),
                `rmsprop ${JSON.stringify(o)}`,
              );
            }
    });

    it('Adagrad (lr decay, weight decay, maximize)', () => {
      for (const lrDecay of [0, 0.01])
        for (const weightDecay of [0, 0.01])
          for (const maximize of [false, true]) {
            const o = { lr: 0.01, lrDecay, weightDecay, eps: 1e-10, maximize };
            const mk = (a: (Float32Array | null)[], n: number, step: number) => ({ n, p: a[0]!, g: a[1]!, sum: a[2]!, step, ...o });
            run(
              ['p', 'g', 'sum'],
              (rng, n) => [rand(rng, n), null, rand(rng, n, 0, 0.1)],
              (a, n, step) => adagradStep(mk(a, n, step)),
              (a, n, step) => tryWasmAdagradStep(mk(a, n, step), KS),
              `adagrad ${JSON.stringify(o)}`,
            );
          }
    });
  });

  // ---- softmax cross-entropy ------------------------------------------------------------------

  it('softmax cross-entropy: forward to float32 rounding, backward bit-identical', () => {
    const rng = new Rng(404);
    for (const C of [1, 2, 3, 4, 5, 13, 65, 1001])
      for (const N of [1, 3, 7])
        for (const weighted of [false, true])
          for (const labelSmoothing of [0, 0.1])
            for (const reduction of ['mean', 'sum', 'none'] as CrossEntropyReduction[]) {
              const ignoreIndex = -100;
              const targets = Int32Array.from({ length: N }, (_, i) => (i === 1 ? ignoreIndex : rng.int(C)));
              const logits = rand(rng, N * C, -4, 4);
              if (C > 3) logits[2] = 30; // a dominant logit
              const classWeights = weighted ? rand(rng, C, 0.2, 2) : null;
              const common = { N, C, targets, ignoreIndex, labelSmoothing, reduction };
              const probsRef = nans(N * C);
              const lossesRef = reduction === 'none' ? nans(N) : null;
              const ref = softmaxCrossEntropyForward({ ...common, classWeights, logits, probs: probsRef, losses: lossesRef });
              const probs = heapF32(N * C, 1).fill(NaN);
              const losses = reduction === 'none' ? heapF32(N, 2).fill(NaN) : null;
              const what = `N=${N} C=${C} weighted=${weighted} ε=${labelSmoothing} ${reduction}`;
              const got = tryWasmSoftmaxCrossEntropyForward({ ...common, classWeights: onHeap(classWeights), logits: onHeap(logits)!, probs, losses }, KS);
              expect(got, what).not.toBeNull();
              expect(got!.weightSum, what).toBe(ref.weightSum);
              expect(Math.abs(got!.loss - ref.loss), what).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(ref.loss)));
              expect(mismatch('probs', probs, probsRef, 3e-7), what).toBe('');
              if (losses) expect(mismatch('losses', losses, lossesRef, 1e-6), what).toBe('');
              // Backward from the same probabilities: bit-identical.
              const dlosses = reduction === 'none' ? rand(rng, N) : null;
              const dRef = nans(N * C);
              softmaxCrossEntropyBackward({ ...common, classWeights, probs: probsRef, dloss: 0.7, dlosses, dlogits: dRef });
              const dW = heapF32(N * C, 3).fill(NaN);
              expect(
                tryWasmSoftmaxCrossEntropyBackward({ ...common, classWeights: onHeap(classWeights), probs: onHeap(probsRef)!, dloss: 0.7, dlosses: onHeap(dlosses), dlogits: dW }, KS),
                what,
              ).toBe(true);
              expect(sameBits(dW, dRef), `backward ${what}`).toBe(true);
            }
  });

  // ---- embedding ------------------------------------------------------------------------------

  it('embedding gather and scatter-add (repeated ids, padding row): bit-identical', () => {
    const rng = new Rng(9);
    for (const E of [1, 3, 4, 5, 17, 64])
      for (const N of [1, 6, 40])
        for (const paddingIdx of [null, 2]) {
          const V = 7;
          const ids = Int32Array.from({ length: N }, () => rng.int(V));
          const table = rand(rng, V * E);
          const yRef = nans(N * E);
          refEmbeddingForward({ N, V, E, ids, table, y: yRef });
          const y = heapF32(N * E, 1).fill(NaN);
          const idsHeap = N > 5 ? (() => { const ptr = heap.alloc(N * 4); blocks.push(ptr); const a = new Int32Array(heap.buffer, ptr, N); a.set(ids); return a; })() : ids;
          expect(tryWasmEmbeddingForward({ N, V, E, ids: idsHeap, table: onHeap(table)!, y }, KS)).toBe(true);
          expect(sameBits(y, yRef)).toBe(true);
          const dy = rand(rng, N * E);
          const dtRef = rand(rng, V * E);
          const dt = onHeap(dtRef)!;
          refEmbeddingBackward({ N, V, E, ids, dy, dtable: dtRef, paddingIdx });
          expect(tryWasmEmbeddingBackward({ N, V, E, ids: idsHeap, dy: onHeap(dy)!, dtable: dt, paddingIdx }, KS)).toBe(true);
          expect(sameBits(dt, dtRef), `E=${E} N=${N} pad=${paddingIdx}`).toBe(true);
        }
  });

  // ---- the sigmoid / tanh approximations -----------------------------------------------------

  it('sigmoid and tanh are within 2e-7 and 4e-7 relative error (3 and 6 ulp, see csrc/vmath.h) of the exact values', () => {
    const k = KS.kernels()!;
    const n = 1 << 18;
    const x = heapF32(n);
    const rng = new Rng(1);
    for (let i = 0; i < n; i++) {
      // log-uniform magnitudes 1e-8 … 100, both signs, plus a dense uniform band around 0.
      const mag = i % 2 === 0 ? 10 ** rng.uniform(-8, 2) : rng.uniform(0, 3);
      x[i] = (rng.int(2) === 0 ? -1 : 1) * mag;
    }
    const y = heapF32(n);
    for (const [name, fn, exact, bound] of [
      ['tanh', k.tanh_f32, Math.tanh, 4e-7],
      ['sigmoid', k.sigmoid_f32, (v: number) => 1 / (1 + Math.exp(-v)), 2e-7],
    ] as const) {
      fn(n, x.byteOffset, y.byteOffset);
      // Relative error, plus half a denormal step for results below FLT_MIN (σ(x) for x < −87.3).
      let worstRel = 0;
      let at = 0;
      for (let i = 0; i < n; i++) {
        const want = exact(x[i]!);
        const rel = Math.max(0, Math.abs(y[i]! - want) - 2 ** -150) / Math.abs(want);
        if (!(rel <= worstRel)) {
          worstRel = rel;
          at = x[i]!;
        }
      }
      expect(worstRel, `${name}: worst at x = ${at}`).toBeLessThan(bound);
    }
    // Special values and limits.
    const s = heapF32(6);
    s.set([NaN, Infinity, -Infinity, -0, 1e30, -1e30]);
    const o = heapF32(6);
    k.tanh_f32(6, s.byteOffset, o.byteOffset);
    expect([...o]).toEqual([NaN, 1, -1, -0, 1, -1]);
    k.sigmoid_f32(6, s.byteOffset, o.byteOffset);
    expect(Number.isNaN(o[0])).toBe(true);
    expect(o[1]).toBe(1);
    expect(o[2]).toBe(0);
    expect(o[3]).toBe(0.5);
    expect(o[4]).toBe(1);
    expect(o[5]).toBe(0);
  });
});

// ---- fallbacks and dispatch -------------------------------------------------------------------

describe('wasm kernel fallbacks and dispatch', () => {
  it('declines Float64 arrays and arrays that are not on the heap (nothing written)', () => {
    const rng = new Rng(3);
    const c: RCase = { B: 2, T: 3, I: 4, H: 5, ...ALL_ON };
    const p = makeProblem('lstm', c, rng);
    const hp = heapProblem(p);
    const out = () => ({ y: heapF32(2 * 3 * 5).fill(7), hT: heapF32(10).fill(7), cT: heapF32(10).fill(7), cache: heapF32(lstmCacheSize(2, 3, 5)).fill(7) });
    // x not on the heap
    const o1 = out();
    expect(tryWasmLstmForward({ ...hp, x: p.x, ...o1 })).toBe(false);
    expect(o1.y.every((v) => v === 7)).toBe(true);
    // an output not on the heap
    expect(tryWasmLstmForward({ ...hp, ...out(), y: new Float32Array(30) })).toBe(false);
    // too short
    expect(tryWasmLstmForward({ ...hp, ...out(), cache: heapF32(10) })).toBe(false);
    // Float64
    const d = (a: Float32Array | null) => (a === null ? null : Float64Array.from(a));
    const p64 = { ...p, x: d(p.x)!, wih: d(p.wih)!, whh: d(p.whh)!, bih: d(p.bih), bhh: d(p.bhh), h0: d(p.h0), c0: d(p.c0), hMask: d(p.hMask) };
    const o64 = { y: new Float64Array(30), hT: new Float64Array(10), cT: new Float64Array(10), cache: new Float64Array(lstmCacheSize(2, 3, 5)) };
    expect(tryWasmLstmForward({ ...p64, ...o64 })).toBe(false);
    const n = 8;
    expect(tryWasmAdamStep({ n, p: new Float32Array(n), g: heapF32(n), m: heapF32(n), v: heapF32(n), vmax: null, step: 1, lr: 1, beta1: 0.9, beta2: 0.9, eps: 1, weightDecay: 0, amsgrad: false, decoupled: false })).toBe(false);
    expect(tryWasmEmbeddingForward({ N: 1, V: 1, E: 2, ids: Int32Array.of(0), table: new Float32Array(2), y: heapF32(2) })).toBe(false);
  });

  it('the dispatchers run wasm when it is active and the reference otherwise, bit for bit', () => {
    const saved = getBackend();
    try {
      const rng = new Rng(8);
      const c: RCase = { B: 3, T: 4, I: 5, H: 6, ...ALL_ON, mask: 'random' };
      const p = makeProblem('lstm', c, rng);
      const hp = heapProblem(p);
      const viaRef = forward('lstm', p, false);
      const viaWasm = forward('lstm', hp, true);
      const run = (q: Problem) => {
        const o: Fwd = { y: heapF32(3 * 4 * 6), hT: heapF32(18), cT: heapF32(18), cache: heapF32(lstmCacheSize(3, 4, 6)) };
        dispatchLstmForward({ ...q, y: o.y, hT: o.hT, cT: o.cT!, cache: o.cache });
        return o;
      };
      setBackend('wasm');
      expect(sameBits(run(hp).cache, viaWasm.cache)).toBe(true);
      // Plain arrays: the wasm backend falls back to the reference.
      const plainOut = { y: nans(72), hT: nans(18), cT: nans(18), cache: nans(lstmCacheSize(3, 4, 6)) };
      dispatchLstmForward({ ...p, ...plainOut });
      expect(sameBits(plainOut.cache, viaRef.cache)).toBe(true);
      setBackend('ref');
      // The ref backend on heap arrays: the reference (whose GEMM is then the TypeScript one).
      expect(sameBits(run(hp).cache, viaRef.cache)).toBe(true);
      // Backward and the other kernels dispatch the same way (spot checks).
      setBackend('wasm');
      const d = { dy: rand(rng, 72), dhT: null, dcT: null };
      const zeros = (n: number) => heapF32(n).fill(0);
      const g = { dx: heapF32(60), dh0: null, dc0: null, dwih: zeros(24 * 5), dwhh: zeros(24 * 6), dbih: zeros(24), dbhh: zeros(24) };
      dispatchLstmBackward({ ...hp, cache: onHeap(viaWasm.cache)!, ...d, dy: onHeap(d.dy), ...g, work: heapF32(lstmBackwardWorkSize(3, 4, 5, 6)) });
      const gw = backward('lstm', c, hp, viaWasm.cache, d, { dx: null, dh0: null, dc0: null, dwih: new Float32Array(120), dwhh: new Float32Array(144), dbih: new Float32Array(24), dbhh: new Float32Array(24) }, true);
      expect(sameBits(g.dwhh, gw.dwhh)).toBe(true);
      const gp = makeProblem('gru', c, rng);
      const ghp = heapProblem(gp);
      const o1 = { y: heapF32(72), hT: heapF32(18), cache: heapF32(gruCacheSize(3, 4, 6)) };
      dispatchGruForward({ ...ghp, resetAfter: true, ...o1 });
      expect(sameBits(o1.cache, forward('gru', ghp, true).cache)).toBe(true);
      const n = 33;
      const pw = heapF32(n).fill(0.5);
      const pr = new Float32Array(n).fill(0.5);
      const gr = rand(rng, n);
      const st = () => ({ step: 1, lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, amsgrad: false, decoupled: false, vmax: null });
      dispatchAdamStep({ n, p: pw, g: onHeap(gr)!, m: heapF32(n).fill(0), v: heapF32(n).fill(0), ...st() });
      adamStep({ n, p: pr, g: gr, m: new Float32Array(n), v: new Float32Array(n), ...st() });
      expect(sameBits(pw, pr)).toBe(true);
    } finally {
      setBackend(saved);
    }
  });
});
