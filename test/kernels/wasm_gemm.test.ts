/**
 * The wasm GEMM (csrc/gemm.c → src/kernels/wasm/kernels.wasm) against the reference GEMM on random
 * shapes: sizes that are not multiples of the vector width or of the micro-kernel / cache tiles,
 * all four transpose combinations, leading dimensions larger than the rows, element offsets and
 * views that do not start at the beginning of the heap, alpha/beta variants. Also: the fallbacks,
 * backend selection, and that the embedded base64 modules are the committed .wasm files. The
 * parity tests run for both builds (SIMD128, and relaxed-SIMD FMA when the engine has it).
 *
 * Float32 summation order differs between the two, so results are compared against the standard
 * error bound of a K-term dot product: |ref − wasm| ≤ 2·(K + 4)·u·(|α|·|A|·|B| + |β|·|C|),
 * u = 2⁻²⁴, computed per element in Float64. Elements of C outside the (M, N) block must be
 * untouched (bit-exact).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getBackend, setBackend } from '../../src/kernels/gemm.js';
import { nativeAvailable } from '../../src/kernels/native/backend.js';
import { gemm as refGemm } from '../../src/kernels/ref/gemm.js';
import {
  type WasmVariant,
  instantiateKernels,
  kernelsWasmBytes,
  relaxedSimdSupported,
  setWasmVariant,
  tryWasmGemm,
  wasmAvailable,
  wasmGemm,
  wasmLoadError,
  wasmVariant,
} from '../../src/kernels/wasm/backend.js';
import { Rng } from '../../src/tensor/rng.js';
import { heap } from '../../src/tensor/tensor.js';
import { type GemmShape, gemmParity, plain, randomCase } from '../util/gemm_parity.js';

const { heapF32, check, checkFallbacks, checkEdgeShapes, checkShapes, checkGemv, checkRowsIndependentOfM, free } = gemmParity('wasm', tryWasmGemm);
afterAll(free);

describe('wasm GEMM module', () => {
  it('loads, with relaxed SIMD when the engine runs it', () => {
    expect(wasmLoadError()).toBe('');
    expect(wasmAvailable()).toBe(true);
    expect(wasmLoadError()).toBe('');
    expect(wasmVariant()).toBe(relaxedSimdSupported() ? 'relaxed-simd' : 'simd128');
  });
});

const variants: WasmVariant[] = relaxedSimdSupported() ? ['simd128', 'relaxed-simd'] : ['simd128'];

describe.each(variants)('wasm GEMM (%s)', (variant) => {
  beforeAll(() => setWasmVariant(variant));
  afterAll(() => setWasmVariant(relaxedSimdSupported() ? 'relaxed-simd' : 'simd128'));

  it('is the active build', () => {
    expect(wasmVariant()).toBe(variant);
  });

  it('matches ref on random shapes 1..70, all transposes, strides, offsets, alpha/beta', () => {
    const rng = new Rng(1234);
    for (let i = 0; i < 400; i++) check(randomCase(rng, 70), rng);
  });

  it('matches ref on every transpose combination of the small edge shapes', () => {
    checkEdgeShapes(new Rng(7), [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17]);
  });

  it('matches ref on shapes that cross the cache blocks (MC 64, KC 256, NC 1024)', () => {
    // [M, N, K, which transposes]: the big ones only in the layouts the recurrent kernels use.
    const all = [0, 1, 2, 3];
    const shapes: GemmShape[] = [
      [64, 1024, 256, [1, 0]], // NT, NN
      [66, 1030, 258, [1, 2]], // NT, TN
      [130, 20, 600, all],
      [5, 2050, 3, all],
      [70, 9, 300, all],
    ];
    checkShapes(new Rng(99), shapes, false);
  });

  it('matches ref for one and two rows (the GEMV path), including long K', () => {
    checkGemv(new Rng(31));
  });

  it('a row of C does not depend on M: the GEMV path (M ≤ 2) equals the packed path bit for bit', () => {
    checkRowsIndependentOfM(new Rng(77), [7, 256, 300, 700], [
      [0, 1],
      [4, 2],
      [7, 2],
      [8, 1],
    ]);
  });

  it('beta = 0 ignores NaN in C; K = 0 and alpha = 0 only scale C (A, B not read)', () => {
    const rng = new Rng(5);
    check({ tA: false, tB: true, M: 9, N: 13, K: 21, alpha: 1, beta: 0, ...plain, padC: 2, nanC: true }, rng);
    check({ tA: true, tB: false, M: 64, N: 64, K: 64, alpha: 0.5, beta: 0, ...plain, nanC: true }, rng);
    for (const beta of [0, 1, 0.5]) {
      check({ tA: false, tB: false, M: 6, N: 11, K: 0, alpha: 1, beta, ...plain, padC: 1 }, rng);
      const C = heapF32(12);
      C.fill(3);
      const A = heapF32(12).fill(NaN);
      const B = heapF32(12).fill(NaN);
      expect(tryWasmGemm(false, false, 3, 4, 3, 0, A, 0, 3, B, 0, 4, beta, C, 0, 4)).toBe(true);
      expect([...C]).toEqual(new Array(12).fill(3 * beta));
    }
  });

  it('M = 0 or N = 0 writes nothing', () => {
    const C = heapF32(8).fill(7);
    const A = heapF32(8);
    expect(tryWasmGemm(false, false, 0, 4, 2, 1, A, 0, 2, A, 0, 4, 0, C, 0, 4)).toBe(true);
    expect(tryWasmGemm(false, false, 2, 0, 2, 1, A, 0, 2, A, 0, 4, 0, C, 0, 4)).toBe(true);
    expect([...C]).toEqual(new Array(8).fill(7));
  });

});

describe('wasm GEMM fallbacks and loading', () => {
  it('declines Float64, arrays not on the heap and out-of-range extents; wasmGemm then runs ref', () => {
    checkFallbacks(wasmGemm, new Rng(3));
  });

  it('runs views taken before the heap grew', () => {
    const rng = new Rng(11);
    const a = heapF32(40 * 30);
    const b = heapF32(30 * 20);
    const c = heapF32(40 * 20);
    for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
    for (let i = 0; i < b.length; i++) b[i] = rng.uniform(-1, 1);
    const before = heap.byteLength;
    const big = heap.alloc(before + (1 << 20)); // forces the memory to grow
    expect(heap.byteLength).toBeGreaterThan(before);
    if (heap.shared) {
      expect(a.buffer).not.toBe(heap.buffer);
      expect(tryWasmGemm(false, false, 40, 20, 30, 1, a, 0, 30, b, 0, 20, 0, c, 0, 20)).toBe(true);
      const ref = new Float32Array(40 * 20);
      refGemm(false, false, 40, 20, 30, 1, a.slice(), 0, 30, b.slice(), 0, 20, 0, ref, 0, 20);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(c[i]! - ref[i]!)).toBeLessThan(1e-5);
    }
    heap.free(big);
  });

  it.each(variants)('instantiates over a non-shared memory (non-isolated browsers) (%s)', (variant) => {
    const memory = new WebAssembly.Memory({ initial: 40, maximum: 65536 });
    const k = instantiateKernels(memory, false, variant);
    const f = new Float32Array(memory.buffer);
    const rng = new Rng(8);
    const [M, N, K] = [13, 17, 19];
    const a = 64;
    const b = a + M * K * 4;
    const c = b + K * N * 4;
    const scratch = 1 << 16;
    for (let i = 0; i < M * K; i++) f[a / 4 + i] = rng.uniform(-1, 1);
    for (let i = 0; i < K * N; i++) f[b / 4 + i] = rng.uniform(-1, 1);
    expect(k.sgemm_scratch_bytes()).toBeLessThan(40 * 65536 - scratch);
    k.sgemm(1, 0, M, N, K, 1, a, M, b, N, 0, c, N, scratch);
    const ref = new Float32Array(M * N);
    refGemm(true, false, M, N, K, 1, f.slice(a / 4, a / 4 + M * K), 0, M, f.slice(b / 4, b / 4 + K * N), 0, N, 0, ref, 0, N);
    for (let i = 0; i < M * N; i++) expect(Math.abs(f[c / 4 + i]! - ref[i]!)).toBeLessThan(1e-5);
  });

  it('the embedded modules are the committed .wasm files', () => {
    const src = readFileSync(new URL('../../src/kernels/wasm/kernels_wasm.ts', import.meta.url), 'utf8');
    for (const [variant, name] of [
      ['simd128', 'kernels.wasm'],
      ['relaxed-simd', 'kernels_relaxed.wasm'],
    ] as const) {
      const file = readFileSync(new URL(`../../src/kernels/wasm/${name}`, import.meta.url));
      expect(Buffer.from(kernelsWasmBytes(variant)).equals(file), name).toBe(true);
      expect(src, name).toContain(`${name}: `);
      expect(src, name).toContain(`(${file.length} bytes, sha256 ${createHash('sha256').update(file).digest('hex')})`);
    }
  });

  it('the relaxed build uses the standard relaxed_madd opcode, not clang 14\'s f32x4.fma', () => {
    const bytes = Buffer.from(kernelsWasmBytes('relaxed-simd'));
    expect(bytes.includes(Buffer.from([0xfd, 0x85, 0x02]))).toBe(true);
    expect(WebAssembly.validate(bytes)).toBe(relaxedSimdSupported());
  });
});

describe('GEMM backend selection', () => {
  it('auto picks native when the add-on is built, else wasm; setBackend switches; bad names are rejected', () => {
    const auto = nativeAvailable() ? 'native' : 'wasm';
    expect(getBackend()).toBe(auto);
    expect(setBackend('ref')).toBe('ref');
    expect(getBackend()).toBe('ref');
    expect(setBackend('wasm')).toBe('wasm');
    expect(setBackend('auto')).toBe(auto);
    expect(() => setBackend('gpu' as never)).toThrow(/ref, wasm, native, auto/);
    expect(getBackend()).toBe(auto);
  });

  it('reads RECURRENT_BACKEND on first use', async () => {
    const saved = process.env.RECURRENT_BACKEND;
    try {
      for (const [value, want] of [
        ['ref', 'ref'],
        ['WASM', 'wasm'],
        ['auto', nativeAvailable() ? 'native' : 'wasm'],
        ['', nativeAvailable() ? 'native' : 'wasm'],
      ] as const) {
        process.env.RECURRENT_BACKEND = value;
        vi.resetModules();
        const mod = await import('../../src/kernels/gemm.js');
        expect(mod.getBackend(), value).toBe(want);
      }
      process.env.RECURRENT_BACKEND = 'fast';
      vi.resetModules();
      const mod = await import('../../src/kernels/gemm.js');
      expect(() => mod.getBackend()).toThrow(/RECURRENT_BACKEND must be one of ref, wasm, native, auto, not 'fast'/);
    } finally {
      if (saved === undefined) delete process.env.RECURRENT_BACKEND;
      else process.env.RECURRENT_BACKEND = saved;
      vi.resetModules();
    }
  });

  it('the ref kernels call the dispatcher; a dense layer agrees under both backends', async () => {
    for (const f of ['lstm', 'gru', 'rnn', 'dense']) {
      const src = readFileSync(new URL(`../../src/kernels/ref/${f}.ts`, import.meta.url), 'utf8');
      expect(src, f).toContain("import { gemm } from '../gemm.js';");
    }
    const { denseForward } = await import('../../src/kernels/ref/dense.js');
    const { setBackend: set } = await import('../../src/kernels/gemm.js');
    const rng = new Rng(21);
    const [N, I, O] = [37, 45, 29];
    const x = heapF32(N * I);
    const w = heapF32(O * I);
    const b = heapF32(O);
    for (const t of [x, w, b]) for (let i = 0; i < t.length; i++) t[i] = rng.uniform(-1, 1);
    const yWasm = heapF32(N * O);
    const yRef = heapF32(N * O);
    expect(set('wasm')).toBe('wasm');
    denseForward({ N, I, O, x, w, b, y: yWasm });
    expect(set('ref')).toBe('ref');
    denseForward({ N, I, O, x, w, b, y: yRef });
    set('auto');
    for (let i = 0; i < N * O; i++) expect(Math.abs(yWasm[i]! - yRef[i]!)).toBeLessThan(1e-5);
  });
});
