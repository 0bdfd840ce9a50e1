/**
 * Parity of the wasm CTC kernels (csrc/ctc.c via src/kernels/wasm/ctc.ts) with the reference
 * (src/kernels/ref/ctc.ts), for both builds of the module: random B, T, C, S, blank, targets with
 * repeated labels, empty targets (blank-only alignments), input lengths shorter than T and zero,
 * and rows whose loss is infinite. logProbs, α (where the reference writes it), nll and dlogits
 * agree to float32 rounding. Wasm outputs arrive NaN-filled, so nothing may be read before it is
 * written. Also: the dispatcher (src/kernels/ctc.ts) and the tape op use wasm or ref as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctcLoss } from '../../src/autograd/ctc_op.js';
import { Var, backward, recording } from '../../src/autograd/tape.js';
import { ctcBackward as dispatchBackward, ctcForward as dispatchForward } from '../../src/kernels/ctc.js';
import { getBackend, setBackend } from '../../src/kernels/gemm.js';
import { type CtcArgs, ctcAlphaSize, ctcBackward, ctcBackwardWorkSize, ctcForward } from '../../src/kernels/ref/ctc.js';
import { type KernelSet, WASM_KERNELS, wasmVariant } from '../../src/kernels/wasm/backend.js';
import { tryWasmCtcBackward, tryWasmCtcForward } from '../../src/kernels/wasm/ctc.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, arena, heap } from '../../src/tensor/tensor.js';
import { enterBuild, kernelBuilds, leaveBuild } from '../util/kernel_builds.js';

const blocks: number[] = [];
afterAll(() => {
  for (const p of blocks) heap.free(p);
});

function heapArr<A extends Float32Array | Float64Array | Int32Array>(Ctor: { new (b: ArrayBufferLike, o: number, n: number): A; BYTES_PER_ELEMENT: number }, n: number, skew = 1): A {
  const e = Ctor.BYTES_PER_ELEMENT;
  const ptr = heap.alloc((n + skew) * e + 8);
  blocks.push(ptr);
  return new Ctor(heap.buffer, ptr + skew * e, n);
}

interface Problem extends CtcArgs {
  dnll: Float64Array;
}

/** A random problem; `kind` forces the edge cases. */
function makeProblem(rng: Rng, kind: 'random' | 'edge'): Problem {
  const B = 1 + rng.int(5);
  const T = 1 + rng.int(12);
  const C = 2 + rng.int(9);
  const S = rng.int(6);
  const blank = rng.int(C);
  const targets = new Int32Array(B * S);
  const inputLengths = new Int32Array(B);
  const targetLengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    targetLengths[b] = S === 0 ? 0 : rng.int(S + 1);
    for (let i = 0; i < S; i++) {
      // Labels ≠ blank, with frequent repeats (few classes are used).
      let l = rng.int(Math.min(C - 1, 3));
      if (l >= blank) l++;
      targets[b * S + i] = i > 0 && rng.next() < 0.3 ? targets[b * S + i - 1]! : l;
    }
    inputLengths[b] = kind === 'random' ? T - rng.int(Math.min(T, 3)) : rng.int(T + 1);
  }
  if (kind === 'edge') {
    targetLengths[0] = 0; // blank-only alignment
    if (B > 1) inputLengths[1] = 0;
    if (B > 2 && S > 0) {
      targetLengths[2] = S; // infinite loss: S labels with repeats need ≥ S + repeats frames
      inputLengths[2] = Math.min(T, Math.max(0, S - 1));
    }
  }
  const logits = new Float32Array(B * T * C);
  for (let i = 0; i < logits.length; i++) logits[i] = rng.normal(0, 2);
  const dnll = new Float64Array(B);
  for (let b = 0; b < B; b++) dnll[b] = b === 3 ? 0 : rng.uniform(0.2, 2);
  return { B, T, C, S, blank, logits, targets, inputLengths, targetLengths, dnll };
}

function close(a: number, b: number, tol: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tol * (1 + Math.abs(b));
}

function expectArrClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string, idx?: (i: number) => boolean): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (idx && !idx(i)) continue;
    if (!close(got[i]!, want[i]!, tol)) throw new Error(`${what}[${i}]: wasm ${got[i]} vs ref ${want[i]}`);
  }
}

function runRef(p: Problem) {
  const { B, T, C, S } = p;
  const logProbs = new Float32Array(B * T * C);
  const alpha = new Float64Array(ctcAlphaSize(B, T, S)).fill(NaN);
  const nll = new Float64Array(B);
  ctcForward({ ...p, logProbs, alpha, nll });
  const dlogits = new Float32Array(B * T * C).fill(NaN);
  const work = new Float64Array(ctcBackwardWorkSize(T, C, S));
  ctcBackward({ ...p, logProbs, alpha, nll, dnll: p.dnll, dlogits, work });
  return { logProbs, alpha, nll, dlogits };
}

function runWasm(p: Problem, heapInts: boolean) {
  const { B, T, C, S } = p;
  const logits = heapArr(Float32Array, B * T * C, 1);
  logits.set(p.logits as Float32Array);
  const toHeap = (a: Int32Array) => {
    if (!heapInts) return a;
    const h = heapArr(Int32Array, a.length, 2);
    h.set(a);
    return h;
  };
  const q = { ...p, logits, targets: toHeap(p.targets), inputLengths: toHeap(p.inputLengths), targetLengths: toHeap(p.targetLengths) };
  const logProbs = heapArr(Float32Array, B * T * C, 3).fill(NaN);
  const alpha = heapArr(Float64Array, ctcAlphaSize(B, T, S), 1).fill(NaN);
  const nll = heapArr(Float64Array, B, 1).fill(NaN);
  expect(tryWasmCtcForward({ ...q, logProbs, alpha, nll }, KS)).toBe(true);
  const dlogits = heapArr(Float32Array, B * T * C, 2).fill(NaN);
  const work = heapArr(Float64Array, ctcBackwardWorkSize(T, C, S), 1).fill(NaN);
  expect(tryWasmCtcBackward({ ...q, logProbs, alpha, nll, dnll: p.dnll, dlogits, work }, KS)).toBe(true);
  return { logProbs, alpha, nll, dlogits };
}

/** The build under test: the wasm module (both variants) and, when it is built here, the native add-on. */
let KS: KernelSet = WASM_KERNELS;
describe.each(kernelBuilds())('$name CTC vs ref', (build) => {
  const { variant } = build;
  beforeAll(() => {
    KS = enterBuild(build);
  });
  afterAll(() => {
    KS = leaveBuild(build);
  });

  it('runs the requested build', () => {
    expect(KS.kernels()).not.toBeNull();
    if (variant !== null) expect(wasmVariant()).toBe(variant);
  });

  for (const kind of ['random', 'edge'] as const) {
    it(`${kind} problems: logProbs, α, nll, dlogits to float32 rounding`, () => {
      const rng = new Rng(kind === 'random' ? 11 : 12);
      let infinite = 0;
      for (let trial = 0; trial < 40; trial++) {
        const p = makeProblem(rng, kind);
        const r = runRef(p);
        const w = runWasm(p, trial % 2 === 0);
        const { T, S } = p;
        const W = 2 * S + 1;
        expectArrClose(w.logProbs, r.logProbs, 2e-6, 'logProbs');
        // α where the reference writes it: rows t < T_b, states s < 2·L_b + 1.
        expectArrClose(w.alpha, r.alpha, 2e-6, 'alpha', (i) => {
          const b = Math.floor(i / (T * W));
          const t = Math.floor(i / W) % T;
          const s = i % W;
          return t < p.inputLengths[b]! && s < 2 * p.targetLengths[b]! + 1;
        });
        expectArrClose(w.nll, r.nll, 2e-6, 'nll');
        expectArrClose(w.dlogits, r.dlogits, 2e-6, 'dlogits');
        for (let b = 0; b < p.B; b++) if (r.nll[b] === Infinity) infinite++;
        for (let i = 0; i < w.dlogits.length; i++) expect(Number.isFinite(w.dlogits[i]!)).toBe(true);
      }
      if (kind === 'edge') expect(infinite).toBeGreaterThan(0);
    });
  }

  it('a larger problem (long sequences, many classes)', () => {
    const rng = new Rng(5);
    const B = 3;
    const T = 150;
    const C = 37;
    const S = 40;
    const targets = new Int32Array(B * S);
    for (let i = 0; i < targets.length; i++) targets[i] = 1 + rng.int(C - 1);
    const logits = new Float32Array(B * T * C);
    for (let i = 0; i < logits.length; i++) logits[i] = rng.normal(0, 3);
    const p: Problem = {
      B, T, C, S, blank: 0, logits, targets,
      inputLengths: Int32Array.from([150, 120, 97]),
      targetLengths: Int32Array.from([40, 33, 0]),
      dnll: Float64Array.from([1, 0.5, 2]),
    };
    const r = runRef(p);
    const w = runWasm(p, false);
    expectArrClose(w.nll, r.nll, 1e-6, 'nll');
    expectArrClose(w.dlogits, r.dlogits, 1e-5, 'dlogits');
  });
});

describe('CTC dispatch', () => {
  it('falls back to ref off the heap and matches ref through the tape op', () => {
    const rng = new Rng(3);
    const p = makeProblem(rng, 'random');
    const { B, T, C, S } = p;
    // Plain arrays: the wasm wrapper declines, the dispatcher runs ref.
    const logProbs = new Float32Array(B * T * C);
    const alpha = new Float64Array(ctcAlphaSize(B, T, S));
    const nll = new Float64Array(B);
    expect(tryWasmCtcForward({ ...p, logProbs, alpha, nll })).toBe(false);
    dispatchForward({ ...p, logProbs, alpha, nll });
    const r = runRef(p);
    expect(Array.from(nll)).toEqual(Array.from(r.nll));
    const dlogits = new Float32Array(B * T * C);
    dispatchBackward({ ...p, logProbs, alpha, nll, dnll: p.dnll, dlogits, work: new Float64Array(ctcBackwardWorkSize(T, C, S)) });
    expect(Array.from(dlogits)).toEqual(Array.from(r.dlogits));

    // Tape op with float32 logits (α, nll float64 on the heap): wasm backend vs ref backend.
    const prev = getBackend();
    const run = (backend: 'ref' | 'wasm') => {
      setBackend(backend);
      const m = arena.mark();
      try {
        const x = new Var(Tensor.from(p.logits, [B, T, C]), true);
        const loss = recording(() => ctcLoss(x, p.targets, S, p.inputLengths, p.targetLengths, { blank: p.blank, reduction: 'sum', zeroInfinity: true }));
        backward(loss);
        return { loss: loss.data[0]!, grad: Array.from(x.grad!.data) };
      } finally {
        arena.release(m);
        setBackend(prev);
      }
    };
    // The op's arrays (arena temps: float32 logits/logProbs, float64 α and nll) qualify for wasm.
    const m = arena.mark();
    try {
      const lp = Tensor.temp([B, T, C]).data;
      const al = Tensor.temp([ctcAlphaSize(B, T, S)], 'float64').data;
      const nl = Tensor.temp([B], 'float64').data;
      expect(tryWasmCtcForward({ ...p, logits: Tensor.from(p.logits, [B, T, C]).data, logProbs: lp, alpha: al, nll: nl })).toBe(true);
      expectArrClose(nl, r.nll, 2e-6, 'nll');
    } finally {
      arena.release(m);
    }
    const a = run('ref');
    const b = run('wasm');
    expect(close(b.loss, a.loss, 2e-6)).toBe(true);
    expectArrClose(b.grad, a.grad, 2e-6, 'grad');
  });
});
