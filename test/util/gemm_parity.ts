/**
 * GEMM parity against the reference GEMM, shared by the wasm build's (test/kernels/wasm_gemm.test.ts)
 * and the native add-on's (test/kernels/native_gemm.test.ts) tests: the same case format, random
 * cases, checks and fallback checks, run through the build's `try*Gemm` (which returns false when it
 * declines the arguments).
 *
 * Float32 summation order differs from ref, so C is compared against the standard error bound of a
 * K-term dot product: |ref − build| ≤ 2·(K + 4)·u·(|α|·|A|·|B| + |β|·|C|), u = 2⁻²⁴, computed per
 * element in Float64. Elements of C outside the (M, N) block must be untouched (bit-exact), and
 * A and B must not be modified.
 */
import { expect } from 'vitest';
import { gemm as refGemm } from '../../src/kernels/ref/gemm.js';
import type { Rng } from '../../src/tensor/rng.js';
import { heap } from '../../src/tensor/tensor.js';

const U = 2 ** -24;

/** A build's GEMM that falls back to ref when its build declines: wasmGemm, nativeGemm. */
export type Gemm = typeof refGemm;
/** A build's GEMM that may decline (returns false, C untouched): tryWasmGemm, tryNativeGemm. */
export type TryGemm = (...args: Parameters<Gemm>) => boolean;

/** One GEMM case: C = alpha·op(A)·op(B) + beta·C with padded strides and element offsets. */
export interface GemmCase {
  tA: boolean;
  tB: boolean;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  /** Extra columns past the rows of A, B, C (the leading dimensions minus the row lengths). */
  padA: number;
  padB: number;
  padC: number;
  /** Element offsets of A, B, C in their arrays. */
  aOff: number;
  bOff: number;
  cOff: number;
  /** Fill C with NaN (with beta 0 it must not be read). */
  nanC?: boolean;
}

/** [M, N, K, layouts (0 NN, 1 NT, 2 TN, 3 TT)] for GemmParity.checkShapes. */
export type GemmShape = readonly [M: number, N: number, K: number, layouts: readonly number[]];

/** No padding, no offsets: spread into a case. */
export const plain = { padA: 0, padB: 0, padC: 0, aOff: 0, bOff: 0, cOff: 0 };

/** The case in one line, for assertion messages. */
export function label(c: GemmCase): string {
  return `${c.tA ? 'T' : 'N'}${c.tB ? 'T' : 'N'} M=${c.M} N=${c.N} K=${c.K} α=${c.alpha} β=${c.beta} pad=${c.padA},${c.padB},${c.padC} off=${c.aOff},${c.bOff},${c.cOff}`;
}

/** A random case with M, N, K in 1..maxDim, random transposes, pads, offsets, alpha, beta. */
export function randomCase(rng: Rng, maxDim: number): GemmCase {
  const dim = () => 1 + rng.int(maxDim);
  const pad = () => (rng.uniform(0, 1) < 0.5 ? 0 : 1 + rng.int(9));
  const off = () => (rng.uniform(0, 1) < 0.5 ? 0 : rng.int(13));
  const alphas = [1, 1, 1, -0.5, 2.25];
  const betas = [0, 0, 1, 1, 0.5, -1.5];
  const beta = betas[rng.int(betas.length)]!;
  return {
    tA: rng.int(2) === 1,
    tB: rng.int(2) === 1,
    M: dim(),
    N: dim(),
    K: dim(),
    alpha: alphas[rng.int(alphas.length)]!,
    beta,
    padA: pad(),
    padB: pad(),
    padC: pad(),
    aOff: off(),
    bOff: off(),
    cOff: off(),
    nanC: beta === 0 && rng.int(2) === 1,
  };
}

/** Bitwise equality (expect().toEqual is slow on long typed arrays). */
export function sameBits(x: Float32Array, y: Float32Array): boolean {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** The parity checks of one build (see gemmParity). */
export interface GemmParity {
  /** A Float32Array of n elements on the heap, starting `skew` floats into its block. */
  heapF32(n: number, skew?: number): Float32Array;
  /** Runs one case with the build (on the heap) and with ref (on plain arrays) and compares. */
  check(c: GemmCase, rng: Rng): void;
  /**
   * The build declines Float64, arrays not on the heap and out-of-range extents (returns false);
   * its falling-back GEMM `gemm` then gives the bits of ref.
   */
  checkFallbacks(gemm: Gemm, rng: Rng): void;
  /**
   * Every transpose combination of M, N in `dims` (K drawn from `dims`), alpha 1, beta 0 or 1,
   * 0-2 columns of padding in C.
   */
  checkEdgeShapes(rng: Rng, dims: readonly number[]): void;
  /**
   * Each shape [M, N, K, layouts] (layout 0 NN, 1 NT, 2 TN, 3 TT) twice: plain with alpha 1 and
   * beta 0 (over NaN in C when `nanC`), and padded with offsets, alpha −0.75 and beta 1.
   */
  checkShapes(rng: Rng, shapes: readonly GemmShape[], nanC: boolean): void;
  /**
   * The GEMV path: M = 1, 2, 3 over (N, K) pairs up to K = 1030, every layout, plain, padded with
   * offsets and beta 1, and over NaN in C with beta 0; then a transposed A with K = 300 000
   * (beyond the scratch space: the packed path).
   */
  checkGemv(rng: Rng): void;
  /**
   * A row of C does not depend on M (predict() promises results independent of the batch size):
   * with M = 9, every layout, each K of `Ks`, N in {1, 5, 37, 100} and beta 0 or 0.5, the rows
   * [i, i + m) of each `[i, m]` of `rows` computed alone (the GEMV path for m ≤ 2) are the bits
   * of the same rows of the full product (the packed path).
   */
  checkRowsIndependentOfM(rng: Rng, Ks: readonly number[], rows: readonly (readonly [i: number, m: number])[]): void;
  /** Frees every heap block handed out (call in afterAll). */
  free(): void;
}

/**
 * The parity checks of the build whose GEMM is `tryGemm`, named `name` in messages.
 *
 * @example
 *   const { heapF32, check, free } = gemmParity('wasm', tryWasmGemm);
 *   afterAll(free);
 *   check({ tA: false, tB: true, M: 9, N: 13, K: 21, alpha: 1, beta: 0, ...plain }, new Rng(5));
 */
export function gemmParity(name: string, tryGemm: TryGemm): GemmParity {
  const blocks: number[] = [];
  const heapF32 = (n: number, skew = 0): Float32Array => {
    const ptr = heap.alloc((n + skew) * 4);
    blocks.push(ptr);
    return new Float32Array(heap.buffer, ptr + skew * 4, n);
  };

  const check = (c: GemmCase, rng: Rng): void => {
    const { tA, tB, M, N, K, alpha, beta } = c;
    const lda = Math.max((tA ? M : K) + c.padA, 1);
    const ldb = Math.max((tB ? K : N) + c.padB, 1);
    const ldc = N + c.padC;
    const aLen = c.aOff + (tA ? K : M) * lda + 3;
    const bLen = c.bOff + (tB ? N : K) * ldb + 3;
    const cLen = c.cOff + M * ldc + 3;
    const A = heapF32(aLen, rng.int(4));
    const B = heapF32(bLen, rng.int(4));
    const C = heapF32(cLen, rng.int(4));
    for (let i = 0; i < aLen; i++) A[i] = rng.uniform(-1, 1);
    for (let i = 0; i < bLen; i++) B[i] = rng.uniform(-1, 1);
    for (let i = 0; i < cLen; i++) C[i] = c.nanC ? NaN : rng.uniform(-1, 1);
    const A0 = A.slice();
    const B0 = B.slice();
    const C0 = C.slice();
    const cRef = C.slice();

    expect(tryGemm(tA, tB, M, N, K, alpha, A, c.aOff, lda, B, c.bOff, ldb, beta, C, c.cOff, ldc), label(c)).toBe(true);
    refGemm(tA, tB, M, N, K, alpha, A0, c.aOff, lda, B0, c.bOff, ldb, beta, cRef, c.cOff, ldc);

    // Error bound per element: (|α|·|A|·|B| + |β|·|C|) in Float64.
    const bound = new Float64Array(cLen);
    const absA = Float64Array.from(A0, Math.abs);
    const absB = Float64Array.from(B0, Math.abs);
    for (let i = 0; i < cLen; i++) bound[i] = beta === 0 ? 0 : Math.abs(C0[i]!);
    refGemm(tA, tB, M, N, K, Math.abs(alpha), absA, c.aOff, lda, absB, c.bOff, ldb, Math.abs(beta), bound, c.cOff, ldc);

    expect(sameBits(A, A0), 'A is not modified').toBe(true);
    expect(sameBits(B, B0), 'B is not modified').toBe(true);
    let bad = '';
    for (let i = 0; i < cLen && !bad; i++) {
      const r = i - c.cOff;
      const inside = r >= 0 && Math.floor(r / ldc) < M && r % ldc < N;
      if (!inside) {
        if (!Object.is(C[i], C0[i])) bad = `element ${i} outside the block changed: ${C0[i]} → ${C[i]}`;
      } else {
        const tol = 2 * (K + 4) * U * bound[i]! + 1e-30;
        if (!(Math.abs(C[i]! - cRef[i]!) <= tol)) bad = `C(${Math.floor(r / ldc)}, ${r % ldc}) ${name} ${C[i]} ref ${cRef[i]} tol ${tol}`;
      }
    }
    expect(bad, label(c)).toBe('');
  };

  const checkFallbacks = (gemm: Gemm, rng: Rng): void => {
    const [M, N, K] = [5, 6, 7];
    // A, B: plain arrays; Ah, Bh, C: on the heap.
    const A = Float32Array.from({ length: M * K }, () => rng.uniform(-1, 1));
    const B = Float32Array.from({ length: K * N }, () => rng.uniform(-1, 1));
    const C = heapF32(M * N);
    const Ah = heapF32(M * K);
    Ah.set(A);
    const Bh = heapF32(K * N);
    Bh.set(B);
    expect(tryGemm(false, false, M, N, K, 1, A, 0, K, Bh, 0, N, 0, C, 0, N)).toBe(false);
    expect(tryGemm(false, false, M, N, K, 1, Ah, 0, K, B, 0, N, 0, C, 0, N)).toBe(false);
    expect(tryGemm(false, false, M, N, K, 1, Ah, 0, K, Bh, 0, N, 0, new Float32Array(M * N), 0, N)).toBe(false);
    expect(tryGemm(false, false, M, N, K, 1, Ah, 1, K, Bh, 0, N, 0, C, 0, N)).toBe(false);
    expect(tryGemm(false, false, M, N, K, 1, Ah, 0, K, Bh, 0, N + 1, 0, C, 0, N)).toBe(false);
    expect(tryGemm(false, false, M, N, K, 1, Ah, 0, K, Bh, 0, N, 0, C, 1, N)).toBe(false);
    const d = (n: number) => Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
    const A64 = d(M * K);
    const B64 = d(K * N);
    const C64 = new Float64Array(M * N);
    expect(tryGemm(false, false, M, N, K, 1, A64, 0, K, B64, 0, N, 0, C64, 0, N)).toBe(false);
    // The fallback is the reference itself, bit for bit.
    const cBuild = new Float32Array(M * N);
    const cRef = new Float32Array(M * N);
    gemm(false, true, M, N, K, 1, A, 0, K, B, 0, K, 0, cBuild, 0, N);
    refGemm(false, true, M, N, K, 1, A, 0, K, B, 0, K, 0, cRef, 0, N);
    expect(cBuild).toEqual(cRef);
    const c64 = new Float64Array(M * N);
    gemm(false, false, M, N, K, 1, A64, 0, K, B64, 0, N, 0, c64, 0, N);
    refGemm(false, false, M, N, K, 1, A64, 0, K, B64, 0, N, 0, C64, 0, N);
    expect(c64).toEqual(C64);
  };

  const checkEdgeShapes = (rng: Rng, dims: readonly number[]): void => {
    for (const tA of [false, true])
      for (const tB of [false, true])
        for (const M of dims)
          for (const N of dims) {
            const K = dims[rng.int(dims.length)]!;
            check({ tA, tB, M, N, K, alpha: 1, beta: rng.int(2), ...plain, padC: rng.int(3) }, rng);
          }
  };

  const checkShapes = (rng: Rng, shapes: readonly GemmShape[], nanC: boolean): void => {
    for (const [M, N, K, layouts] of shapes)
      for (const l of layouts) {
        const tA = l >= 2;
        const tB = l % 2 === 1;
        check({ tA, tB, M, N, K, alpha: 1, beta: 0, ...plain, nanC }, rng);
        check({ tA, tB, M, N, K, alpha: -0.75, beta: 1, padA: 3, padB: 5, padC: 7, aOff: 11, bOff: 2, cOff: 5 }, rng);
      }
  };

  const checkGemv = (rng: Rng): void => {
    for (const M of [1, 2, 3])
      for (const [N, K] of [
        [1, 1],
        [3, 300],
        [17, 1030],
        [100, 37],
        [20, 4],
      ] as const)
        for (let l = 0; l < 4; l++) {
          const base = { tA: l >= 2, tB: l % 2 === 1, M, N, K };
          check({ ...base, alpha: 1, beta: 0, ...plain }, rng);
          check({ ...base, alpha: 0.5, beta: 1, padA: 2, padB: 3, padC: 1, aOff: 5, bOff: 1, cOff: 3 }, rng);
          check({ ...base, alpha: -1, beta: 0, padA: 1, padB: 0, padC: 0, aOff: 0, bOff: 7, cOff: 0, nanC: true }, rng);
        }
    // Transposed A with K beyond the scratch space takes the packed path.
    check({ tA: true, tB: false, M: 1, N: 2, K: 300_000, alpha: 1, beta: 0.5, ...plain, padA: 1 }, rng);
  };

  const checkRowsIndependentOfM = (rng: Rng, Ks: readonly number[], rows: readonly (readonly [i: number, m: number])[]): void => {
    const M = 9;
    for (let l = 0; l < 4; l++)
      for (const K of Ks)
        for (const N of [1, 5, 37, 100])
          for (const beta of [0, 0.5]) {
            const tA = l >= 2;
            const tB = l % 2 === 1;
            const lda = tA ? M : K;
            const ldb = tB ? K : N;
            const A = heapF32(M * K);
            const B = heapF32(K * N);
            const C0 = heapF32(M * N);
            for (const t of [A, B, C0]) for (let i = 0; i < t.length; i++) t[i] = rng.uniform(-1, 1);
            const full = heapF32(M * N);
            full.set(C0);
            expect(tryGemm(tA, tB, M, N, K, 0.75, A, 0, lda, B, 0, ldb, beta, full, 0, N)).toBe(true);
            for (const [i, m] of rows) {
              const part = heapF32(M * N);
              part.set(C0);
              expect(tryGemm(tA, tB, m, N, K, 0.75, A, tA ? i : i * lda, lda, B, 0, ldb, beta, part, i * N, N)).toBe(true);
              const got = part.subarray(i * N, (i + m) * N);
              const want = full.subarray(i * N, (i + m) * N);
              expect(sameBits(got, want), `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} K=${K} N=${N} β=${beta} rows ${i}..${i + m - 1}`).toBe(true);
            }
          }
  };

  return {
    heapF32,
    check,
    checkFallbacks,
    checkEdgeShapes,
    checkShapes,
    checkGemv,
    checkRowsIndependentOfM,
    free() {
      for (const p of blocks.splice(0)) heap.free(p);
    },
  };
}
