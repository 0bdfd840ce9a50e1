/**
 * The native GEMM (csrc/gemm.c compiled for this machine into native/build/recurrent.node by
 * tools/build/native.mjs) against the reference GEMM on random shapes: sizes that are not multiples
 * of the vector width or of the micro-kernel / cache tiles, all four transpose combinations, leading
 * dimensions larger than the rows, element offsets, alpha/beta variants, beta = 0 over NaN. Also:
 * the fallbacks, the add-on's own bounds checks, that the memory does not move when it grows,
 * backend selection, and that the build is current (built from the sources in the tree).
 *
 * Skipped, with the reason in the test name, when the add-on is not built (no compiler at install,
 * RECURRENT_SKIP_NATIVE, ...): then only the "cannot load" behaviour is checked.
 *
 * Float32 summation order differs from ref, so results are compared against the standard error
 * bound of a K-term dot product: |ref − native| ≤ 2·(K + 4)·u·(|α|·|A|·|B| + |β|·|C|), u = 2⁻²⁴,
 * computed per element in Float64. Elements of C outside the (M, N) block must be untouched.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { activeKernels, getBackend, setBackend } from '../../src/kernels/gemm.js';
import { lstmForward } from '../../src/kernels/lstm.js';
import { NATIVE_KERNELS, nativeAvailable, nativeBaseMoves, nativeGemm, nativeInfo, nativeLoadError, tryNativeGemm } from '../../src/kernels/native/backend.js';
import { adamStep } from '../../src/kernels/optim.js';
import { lstmCacheSize } from '../../src/kernels/ref/lstm.js';
import { WASM_KERNELS } from '../../src/kernels/wasm/backend.js';
import { tryWasmAdamStep } from '../../src/kernels/wasm/optim.js';
import { tryWasmLstmForward } from '../../src/kernels/wasm/recurrent.js';
import { gemm as refGemm } from '../../src/kernels/ref/gemm.js';
import { Rng } from '../../src/tensor/rng.js';
import { heap } from '../../src/tensor/tensor.js';
import { type GemmShape, gemmParity, plain, randomCase, sameBits } from '../util/gemm_parity.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const available = nativeAvailable();

const { heapF32, check, checkFallbacks, checkEdgeShapes, checkShapes, checkGemv, checkRowsIndependentOfM, free } = gemmParity('native', tryNativeGemm);
const blocks: number[] = [];
afterAll(() => {
  for (const p of blocks) heap.free(p);
  free();
});

/** Runs a CommonJS script in a child Node with the add-on's path as argv[1]; returns its stdout. */
function child(script: string): string {
  const r = spawnSync(process.execPath, ['-e', script, nativeInfo()!.file], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(available)(`native add-on not loaded (${nativeLoadError() || 'loaded'})`, () => {
  it('auto falls back past native; asking for native fails with the reason', () => {
    expect(nativeGemm).toBeTypeOf('function');
    expect(tryNativeGemm(false, false, 1, 1, 1, 1, heapF32(1), 0, 1, heapF32(1), 0, 1, 0, heapF32(1), 0, 1)).toBe(false);
    expect(nativeInfo()).toBe(null);
    expect(nativeBaseMoves()).toBe(-1);
    expect(() => setBackend('native')).toThrow(/setBackend asks for the native backend, which cannot load here: ./);
    expect(setBackend('auto')).not.toBe('native');
  });
});

describe.skipIf(!available)('native GEMM add-on', () => {
  it('is built from the sources in this tree (else: npm run build:native)', () => {
    const r = spawnSync(process.execPath, ['tools/build/native.mjs', '--hash'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(nativeInfo()!.sourceHash, `${nativeInfo()!.file} is stale: run 'npm run build:native'`).toBe(r.stdout.trim());
    expect(nativeInfo()!.buildInfo).toMatch(/native/);
  });

  it('matches ref on random shapes 1..70, all transposes, strides, offsets, alpha/beta, NaN in C with beta 0', () => {
    const rng = new Rng(4321);
    for (let i = 0; i < 500; i++) check(randomCase(rng, 70), rng);
  });

  it('matches ref on every transpose combination of the small edge shapes', () => {
    checkEdgeShapes(new Rng(17), [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33]);
  });

  it('matches ref on shapes that cross the cache blocks and on RNN shapes', () => {
    const all = [0, 1, 2, 3];
    // [M, N, K, layouts (0 NN, 1 NT, 2 TN, 3 TT)]; C starts as NaN in the beta = 0 runs.
    const shapes: GemmShape[] = [
      [64, 1024, 256, [1, 0]],
      [66, 1030, 258, [1, 2]],
      [130, 20, 600, all],
      [5, 2050, 3, all],
      [67, 2113, 270, all], // N > NC of the wide native build (2048), K > KC, edge slivers
      [70, 9, 300, all],
      [97, 131, 513, all],
      [32, 512, 128, [1]], // LSTM step h·W_hhᵀ
      [300, 256, 64, [1, 0, 2]], // x·W_ihᵀ over all steps, dX, dW
    ];
    checkShapes(new Rng(199), shapes, true);
  });

  it('matches ref for one and two rows (the GEMV path), including long K', () => {
    checkGemv(new Rng(313));
  });

  it('a row of C does not depend on M: the GEMV path (M ≤ 2) equals the packed path bit for bit', () => {
    checkRowsIndependentOfM(new Rng(707), [7, 256, 300], [
      [0, 1],
      [4, 2],
      [8, 1],
    ]);
  });

  it('K = 0 and alpha = 0 only scale C (A, B not read); M = 0 or N = 0 writes nothing', () => {
    const rng = new Rng(55);
    for (const beta of [0, 1, 0.5]) {
      check({ tA: false, tB: false, M: 6, N: 11, K: 0, alpha: 1, beta, ...plain, padC: 1 }, rng);
      const C = heapF32(12).fill(3);
      const A = heapF32(12).fill(NaN);
      const B = heapF32(12).fill(NaN);
      expect(tryNativeGemm(false, false, 3, 4, 3, 0, A, 0, 3, B, 0, 4, beta, C, 0, 4)).toBe(true);
      expect([...C]).toEqual(new Array(12).fill(3 * beta));
    }
    const C = heapF32(8).fill(7);
    const A = heapF32(8);
    expect(tryNativeGemm(false, false, 0, 4, 2, 1, A, 0, 2, A, 0, 4, 0, C, 0, 4)).toBe(true);
    expect(tryNativeGemm(false, false, 2, 0, 2, 1, A, 0, 2, A, 0, 4, 0, C, 0, 4)).toBe(true);
    expect([...C]).toEqual(new Array(8).fill(7));
  });

  it('declines Float64, arrays not on the heap and out-of-range extents; nativeGemm then runs ref', () => {
    checkFallbacks(nativeGemm, new Rng(3));
  });

  it('keeps working as the heap grows: the memory does not move, new bytes are reachable, old views still run', () => {
    expect(heap.shared).toBe(true);
    const rng = new Rng(11);
    const a = heapF32(40 * 30);
    const b = heapF32(30 * 20);
    const c = heapF32(40 * 20);
    for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
    for (let i = 0; i < b.length; i++) b[i] = rng.uniform(-1, 1);
    const ref = new Float32Array(40 * 20);
    refGemm(false, false, 40, 20, 30, 1, a.slice(), 0, 30, b.slice(), 0, 20, 0, ref, 0, 20);
    for (let round = 0; round < 3; round++) {
      const before = heap.byteLength;
      const big = heap.alloc(before + (1 << 20)); // forces the memory to grow
      blocks.push(big);
      expect(heap.byteLength).toBeGreaterThan(before);
      expect(a.buffer).not.toBe(heap.buffer);
      // Old views (taken before growth) still run, and write what ref computes.
      c.fill(NaN);
      expect(tryNativeGemm(false, false, 40, 20, 30, 1, a, 0, 30, b, 0, 20, 0, c, 0, 20)).toBe(true);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(c[i]! - ref[i]!)).toBeLessThan(1e-5);
      // Blocks in the new region (past the old end of the memory) are reachable.
      const tail = new Float32Array(heap.buffer, big + before, 40 * 20);
      expect(tryNativeGemm(false, false, 40, 20, 30, 1, a, 0, 30, b, 0, 20, 0, tail, 0, 20)).toBe(true);
      expect(sameBits(tail, c)).toBe(true);
      expect(nativeBaseMoves()).toBe(0);
    }
  });

  it('the add-on checks bounds and arguments itself, and its memory stays put when grown (child process)', () => {
    const out = child(`
      const m = require(process.argv[1]);
      const mem = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
      const log = [];
      const t = (what, f) => { try { const r = f(); log.push(what + ': ' + (r === undefined ? 'ok' : r)); } catch (e) { log.push(what + ': ' + e.constructor.name + ': ' + e.message); } };
      t('attach a Float32Array', () => m.attach(new Float32Array(mem.buffer), 0));
      t('attach a view not at byte 0', () => m.attach(new Uint8Array(mem.buffer, 64), 0));
      t('attach args past the end', () => m.attach(new Uint8Array(mem.buffer), mem.buffer.byteLength - 8));
      t('attach misaligned args', () => m.attach(new Uint8Array(mem.buffer), 4));
      const k = m.attach(new Uint8Array(mem.buffer), 0);
      const args = new Float64Array(mem.buffer, 0, m.argsMax);
      const f = new Float32Array(mem.buffer);
      const len = () => mem.buffer.byteLength;
      const call = (what, a, kk = k) => t(what, () => { args.fill(0); args.set(a); kk.sgemm(); });
      call('in range', [0, 0, 2, 2, 2, 1, 1024, 2, 2048, 2, 0, 4096, 2]);
      call('C past the end', [0, 0, 2, 2, 2, 1, 1024, 2, 2048, 2, 0, len() - 8, 2]);
      call('A past the end', [0, 0, 2, 2, 2, 1, len() - 12, 2, 2048, 2, 0, 4096, 2]);
      call('B past the end (transposed)', [0, 1, 2, 2, 2, 1, 1024, 2, len() - 12, 2, 0, 4096, 2]);
      call('C misaligned', [0, 0, 2, 2, 2, 1, 1024, 2, 2048, 2, 0, 4098, 2]);
      call('fractional M', [0, 0, 2.5, 2, 2, 1, 1024, 2, 2048, 2, 0, 4096, 2]);
      call('NaN offset', [0, 0, 2, 2, 2, 1, NaN, 2, 2048, 2, 0, 4096, 2]);
      call('negative offset', [0, 0, 2, 2, 2, 1, -1024, 2, 2048, 2, 0, 4096, 2]);
      call('huge M', [0, 0, 2 ** 40, 2, 2, 1, 1024, 2, 2048, 2, 0, 4096, 2]);
      call('alpha 0: A and B are not read', [0, 0, 2, 2, 2, 0, len() + 1e9, 2, len() + 1e9, 2, 0, 4096, 2]);
      // Growth: the same address, and bytes past the old end are usable once refreshed.
      const old = len();
      mem.grow(300);
      call('C in the new region before refresh', [0, 0, 2, 2, 2, 1, 1024, 2, 2048, 2, 0, old + 64, 2]);
      t('refresh with a Float32Array', () => k.refresh(new Float32Array(mem.buffer)));
      t('moved after growth', () => k.refresh(new Uint8Array(mem.buffer)));
      f.fill(1, 256, 256 + 4); f.fill(2, 512, 512 + 4);
      call('C in the new region after refresh', [0, 0, 2, 2, 2, 1, 1024, 2, 2048, 2, 0, old + 64, 2]);
      t('product in the new region', () => Array.from(new Float32Array(mem.buffer, old + 64, 4)).join(','));
      // A second memory gets its own binding; the first one is unaffected.
      const mem2 = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
      const k2 = m.attach(new Uint8Array(mem2.buffer), 128);
      new Float32Array(mem2.buffer).fill(3, 256, 260);
      new Float32Array(mem2.buffer).fill(1, 512, 516);
      new Float64Array(mem2.buffer, 128, m.argsMax).set([0, 0, 2, 2, 2, 1, 1024, 2, 2048, 2, 0, 4096, 2]);
      t('second memory', () => { k2.sgemm(); return Array.from(new Float32Array(mem2.buffer, 4096, 4)).join(','); });
      call('first memory again', [0, 0, 2, 2, 2, 1, 1024, 2, 2048, 2, 0, 8192, 2]);
      t('first memory product', () => Array.from(f.subarray(2048, 2052)).join(','));
      // A worker thread loads its own instance, uses the same shared memory, and exits cleanly.
      const { Worker } = require('node:worker_threads');
      const w = new Worker(\`
        const { workerData: { file, mem } } = require('node:worker_threads');
        const k = require(file).attach(new Uint8Array(mem.buffer), 512);
        new Float64Array(mem.buffer, 512, 32).set([0, 0, 2, 2, 2, 1, 1024, 2, 2048, 2, 0, 12288, 2]);
        k.sgemm();
      \`, { eval: true, workerData: { file: process.argv[1], mem } });
      w.on('exit', (code) => {
        log.push('worker exit ' + code + ': ' + Array.from(f.subarray(3072, 3076)).join(','));
        k.refresh(new Uint8Array(mem.buffer)); // still fine after the worker's instance is gone
        console.log(log.join('\\n'));
      });
    `);
    expect(out.trim().split('\n')).toEqual([
      'attach a Float32Array: Error: recurrent native: needs a Uint8Array over the whole memory (from byte 0)',
      'attach a view not at byte 0: Error: recurrent native: needs a Uint8Array over the whole memory (from byte 0)',
      'attach args past the end: RangeError: recurrent native: attach(): the argument block lies outside the memory or is not 8-byte aligned',
      'attach misaligned args: RangeError: recurrent native: attach(): the argument block lies outside the memory or is not 8-byte aligned',
      'in range: ok',
      'C past the end: RangeError: recurrent native: sgemm: C lies outside the memory',
      'A past the end: RangeError: recurrent native: sgemm: A lies outside the memory',
      'B past the end (transposed): RangeError: recurrent native: sgemm: B lies outside the memory',
      'C misaligned: RangeError: recurrent native: sgemm: C lies outside the memory',
      'fractional M: Error: recurrent native: sgemm: a size, stride or offset is not an integer in range',
      'NaN offset: Error: recurrent native: sgemm: a size, stride or offset is not an integer in range',
      'negative offset: Error: recurrent native: sgemm: a size, stride or offset is not an integer in range',
      'huge M: Error: recurrent native: sgemm: a size, stride or offset is not an integer in range',
      'alpha 0: A and B are not read: ok',
      'C in the new region before refresh: RangeError: recurrent native: sgemm: C lies outside the memory',
      'refresh with a Float32Array: Error: recurrent native: needs a Uint8Array over the whole memory (from byte 0)',
      'moved after growth: false',
      'C in the new region after refresh: ok',
      'product in the new region: 4,4,4,4',
      'second memory: 6,6,6,6',
      'first memory again: ok',
      'first memory product: 4,4,4,4',
      'worker exit 0: 4,4,4,4',
    ]);
  });

  it('the other kernels check their spans, ids, targets and lengths too (child process)', () => {
    const out = child(`
      const m = require(process.argv[1]);
      const mem = new WebAssembly.Memory({ initial: 48, maximum: 64, shared: true }); // the workspace needs ≈ 2.2 MB
      const k = m.attach(new Uint8Array(mem.buffer), 0);
      const args = new Float64Array(mem.buffer, 0, m.argsMax);
      const i32 = new Int32Array(mem.buffer);
      const len = mem.buffer.byteLength;
      const log = [];
      const call = (what, fn, a) => {
        args.fill(0);
        args.set(a);
        try { const r = k[fn](); log.push(what + ': ' + (r === undefined ? 'ok' : r)); } catch (e) { log.push(what + ': ' + e.constructor.name + ': ' + e.message); }
      };
      const ws = 65536;
      const wsBytes = (() => { args.set([1, 4]); return k.recurrent_work_bytes(); })();
      log.push('work bytes > 0: ' + (wsBytes > 0));
      // lstm_forward B=1 T=2 I=3 H=4: x, wih, whh, -, -, -, -, mask, reverse, hMask, y, hT, cT, cache, ws
      const lstm = (cache, x = 1024) => [1, 2, 3, 4, x, 2048, 4096, 0, 0, 0, 0, 0, 0, 0, 8192, 8448, 8704, cache, ws];
      call('lstm_forward in range', 'lstm_forward', lstm(12288));
      call('lstm_forward cache past the end', 'lstm_forward', lstm(len - 64));
      call('lstm_forward without x', 'lstm_forward', lstm(12288, 0));
      call('lstm_forward negative size', 'lstm_forward', [1, -2, 3, 4, ...lstm(12288).slice(4)]);
      // embedding_forward N=2 E=4: ids at 1024, table at 2048, y at 4096
      i32.set([1, 0], 256);
      call('embedding_forward in range', 'embedding_forward', [2, 4, 1024, 2048, 4096]);
      i32.set([1, 1 << 24], 256);
      call('embedding_forward id past the memory', 'embedding_forward', [2, 4, 1024, 2048, 4096]);
      i32.set([1, -1], 256);
      call('embedding_forward negative id', 'embedding_forward', [2, 4, 1024, 2048, 4096]);
      // softmax_xent_backward N=2 C=3: targets at 1024, probs at 2048, dz at 4096
      i32.set([2, -100], 256);
      call('softmax_xent_backward in range', 'softmax_xent_backward', [2, 3, 1024, -100, 0, 0, 3, 1, 0, 2048, 4096]);
      i32.set([3, -100], 256);
      call('softmax_xent_backward class out of range', 'softmax_xent_backward', [2, 3, 1024, -100, 0, 0, 3, 1, 0, 2048, 4096]);
      // ctc_forward B=1 T=2 C=3 S=1: logits 2048, targets 1024, lengths 1028/1032, logProbs 4096, alpha 8192, nll 12288
      i32.set([1, 2, 1], 256);
      call('ctc_forward in range', 'ctc_forward', [1, 2, 3, 1, 0, 2048, 1024, 1028, 1032, 4096, 8192, 12288]);
      i32.set([1, 3, 1], 256);
      call('ctc_forward input length > T', 'ctc_forward', [1, 2, 3, 1, 0, 2048, 1024, 1028, 1032, 4096, 8192, 12288]);
      i32.set([5, 2, 1], 256);
      call('ctc_forward target class out of range', 'ctc_forward', [1, 2, 3, 1, 0, 2048, 1024, 1028, 1032, 4096, 8192, 12288]);
      // adam_step with amsgrad on and no vmax
      call('adam_step amsgrad without vmax', 'adam_step', [4, 1024, 2048, 4096, 8192, 0, 1, 1, 0.9, 0.999, 1e-8, 0, 1, 1, 0, 0]);
      call('adam_step misaligned p', 'adam_step', [4, 1026, 2048, 4096, 8192, 0, 1, 1, 0.9, 0.999, 1e-8, 0, 1, 0, 0, 0]);
      console.log(log.join('\\n'));
    `);
    expect(out.trim().split('\n')).toEqual([
      'work bytes > 0: true',
      'lstm_forward in range: ok',
      'lstm_forward cache past the end: RangeError: recurrent native: lstm_forward: argument 17 (an array) lies outside the memory or is misaligned',
      'lstm_forward without x: RangeError: recurrent native: lstm_forward: argument 4 (an array) is missing',
      'lstm_forward negative size: RangeError: recurrent native: lstm_forward: argument 1 (a size) is negative',
      'embedding_forward in range: ok',
      'embedding_forward id past the memory: RangeError: recurrent native: embedding_forward: argument 3 (a table): an id selects a row outside the memory',
      'embedding_forward negative id: RangeError: recurrent native: embedding_forward: argument 3 (a table): an id selects a row outside the memory',
      'softmax_xent_backward in range: ok',
      'softmax_xent_backward class out of range: RangeError: recurrent native: softmax_xent_backward: argument 2 (targets) holds a class out of range',
      'ctc_forward in range: ok',
      'ctc_forward input length > T: RangeError: recurrent native: ctc_forward: argument 7 (input lengths) holds a length outside [0, T]',
      'ctc_forward target class out of range: RangeError: recurrent native: ctc_forward: argument 6 (targets) holds a class out of range',
      'adam_step amsgrad without vmax: RangeError: recurrent native: adam_step: argument 5 (an array) is missing',
      'adam_step misaligned p: RangeError: recurrent native: adam_step: argument 1 (an array) lies outside the memory or is misaligned',
    ]);
  });
});

describe.skipIf(!available)('GEMM backend selection with the native add-on', () => {
  it('auto picks native (DESIGN.md §3: native → wasm → ref, docs/decisions.md (i)); setBackend switches; getBackend reports it', () => {
    expect(setBackend('auto')).toBe('native');
    expect(getBackend()).toBe('native');
    expect(setBackend('wasm')).toBe('wasm');
    expect(setBackend('native')).toBe('native');
    expect(getBackend()).toBe('native');
    expect(() => setBackend('gpu' as never)).toThrow(/ref, wasm, native, auto/);
    expect(setBackend('ref')).toBe('ref');
    setBackend('auto');
  });

  it('reads RECURRENT_BACKEND=native on first use', async () => {
    const saved = process.env.RECURRENT_BACKEND;
    try {
      for (const [value, want] of [
        ['native', 'native'],
        ['NATIVE', 'native'],
        ['auto', 'native'],
        ['', 'native'],
        ['wasm', 'wasm'],
      ] as const) {
        process.env.RECURRENT_BACKEND = value;
        vi.resetModules();
        const mod = await import('../../src/kernels/gemm.js');
        expect(mod.getBackend(), value).toBe(want);
      }
    } finally {
      if (saved === undefined) delete process.env.RECURRENT_BACKEND;
      else process.env.RECURRENT_BACKEND = saved;
      vi.resetModules();
    }
  });

  it('the fused-kernel dispatchers run the native build when native is active (bit for bit), wasm when wasm is', () => {
    const saved = getBackend();
    try {
      const rng = new Rng(31);
      const [B, T, I, H] = [5, 4, 6, 7];
      const fill = (n: number) => {
        const a = heapF32(n, 1);
        for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
        return a;
      };
      const p = { B, T, I, H, x: fill(B * T * I), wih: fill(4 * H * I), whh: fill(4 * H * H), bih: fill(4 * H), bhh: null, h0: fill(B * H), c0: null, mask: null, reverse: true, hMask: null };
      const out = () => ({ y: heapF32(B * T * H).fill(NaN), hT: heapF32(B * H).fill(NaN), cT: heapF32(B * H).fill(NaN), cache: heapF32(lstmCacheSize(B, T, H)).fill(NaN) });
      const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
      const viaNative = out();
      expect(tryWasmLstmForward({ ...p, ...viaNative }, NATIVE_KERNELS)).toBe(true);
      const viaWasm = out();
      expect(tryWasmLstmForward({ ...p, ...viaWasm }, WASM_KERNELS)).toBe(true);
      expect(setBackend('native')).toBe('native');
      expect(activeKernels()).toBe(NATIVE_KERNELS);
      const d = out();
      lstmForward({ ...p, ...d });
      expect(same(d.cache, viaNative.cache)).toBe(true);
      expect(same(d.y, viaNative.y)).toBe(true);
      // Optimizers: bit-identical to ref on every build, so compare native with wasm directly.
      const n = 37;
      const state = () => ({ p: fill(n), m: heapF32(n).fill(0), v: heapF32(n).fill(0) });
      const g = fill(n);
      const s1 = state();
      const s2 = { p: heapF32(n), m: heapF32(n).fill(0), v: heapF32(n).fill(0) };
      s2.p.set(s1.p);
      const o = { n, g, step: 1, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, amsgrad: false, decoupled: true, vmax: null };
      adamStep({ ...o, ...s1 });
      expect(tryWasmAdamStep({ ...o, ...s2 }, WASM_KERNELS)).toBe(true);
      expect(same(s1.p, s2.p) && same(s1.m, s2.m) && same(s1.v, s2.v)).toBe(true);
      expect(setBackend('wasm')).toBe('wasm');
      expect(activeKernels()).toBe(WASM_KERNELS);
      const e = out();
      lstmForward({ ...p, ...e });
      expect(same(e.cache, viaWasm.cache)).toBe(true);
      expect(setBackend('ref')).toBe('ref');
      expect(activeKernels()).toBe(null);
    } finally {
      setBackend(saved);
    }
  });

  it('a dense layer agrees under native and ref', async () => {
    const { denseForward } = await import('../../src/kernels/ref/dense.js');
    const rng = new Rng(21);
    const [N, I, O] = [37, 45, 29];
    const x = heapF32(N * I);
    const w = heapF32(O * I);
    const b = heapF32(O);
    for (const t of [x, w, b]) for (let i = 0; i < t.length; i++) t[i] = rng.uniform(-1, 1);
    const yNative = heapF32(N * O);
    const yRef = heapF32(N * O);
    expect(setBackend('native')).toBe('native');
    denseForward({ N, I, O, x, w, b, y: yNative });
    expect(setBackend('ref')).toBe('ref');
    denseForward({ N, I, O, x, w, b, y: yRef });
    setBackend('auto');
    for (let i = 0; i < N * O; i++) expect(Math.abs(yNative[i]! - yRef[i]!)).toBeLessThan(1e-5);
  });
});
