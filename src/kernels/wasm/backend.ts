/**
 * The wasm kernels (csrc/ compiled to WebAssembly SIMD, DESIGN.md §3), run directly on the tensor
 * heap: the module imports the heap's `WebAssembly.Memory`, so kernels take byte addresses of
 * tensors and nothing is copied.
 *
 * The module is instantiated synchronously on first use. Two builds of the same C exist:
 * `relaxed-simd` (f32x4.relaxed_madd, i.e. FMA where the CPU has it; ≈ 20–30 % faster) is used when
 * the engine validates it — in Node 20 after turning on V8's `--experimental-wasm-relaxed-simd` at
 * run time, as DESIGN.md §3 prescribes — unless `RECURRENT_WASM_RELAXED=0`; else `simd128`.
 * Both are built for a shared memory (Node, cross-origin isolated browsers); for a non-shared heap
 * the memory import is patched to non-shared, which is valid because the code uses no atomics.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { heap } from '../../tensor/tensor.js';
import { gemm as refGemm } from '../ref/gemm.js';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels_wasm.js';

/** Which build of the wasm kernels: plain SIMD128, or with relaxed-SIMD FMA. */
export type WasmVariant = 'simd128' | 'relaxed-simd';

/** The module's exports (csrc/*.c); pointers are byte addresses in the heap, 0 = null. */
export interface KernelExports {
  sgemm(
    transA: number,
    transB: number,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    beta: number,
    C: number,
    ldc: number,
    scratch: number,
  ): void;
  sgemm_scratch_bytes(): number;
  /** Workspace bytes of the recurrent kernels of `cell` (0 rnn, 1 lstm, 2 gru) for hidden size H. */
  recurrent_work_bytes(cell: number, H: number): number;
  rnn_forward(
    B: number, T: number, I: number, H: number, relu: number, x: number, wih: number, whh: number, bih: number,
    bhh: number, h0: number, mask: number, reverse: number, hMask: number, y: number, hT: number, cache: number,
    ws: number,
  ): void;
  rnn_backward(
    B: number, T: number, I: number, H: number, relu: number, x: number, wih: number, whh: number, mask: number,
    reverse: number, hMask: number, cache: number, dy: number, dhT: number, dx: number, dh0: number, dwih: number,
    dwhh: number, dbih: number, dbhh: number, work: number, ws: number,
  ): void;
  lstm_forward(
    B: number, T: number, I: number, H: number, x: number, wih: number, whh: number, bih: number, bhh: number,
    h0: number, c0: number, mask: number, reverse: number, hMask: number, y: number, hT: number, cT: number,
    cache: number, ws: number,
  ): void;
  lstm_backward(
    B: number, T: number, I: number, H: number, x: number, wih: number, whh: number, mask: number, reverse: number,
    hMask: number, cache: number, dy: number, dhT: number, dcT: number, dx: number, dh0: number, dc0: number,
    dwih: number, dwhh: number, dbih: number, dbhh: number, work: number, ws: number,
  ): void;
  /** 1 when an LSTM of hidden size H is split across threads by hidden units, one job per step (csrc/recurrent.c). */
  lstm_step_split_ok(H: number): number;
  lstm_forward_prep(
    B: number, T: number, H: number, whh: number, bih: number, bhh: number, h0: number, c0: number, hMask: number,
    hT: number, cT: number, cache: number, reverse: number, ws: number,
  ): void;
  lstm_backward_prep(B: number, T: number, H: number, whh: number, dhT: number, dcT: number, work: number, ws: number): void;
  lstm_backward_finish(B: number, T: number, H: number, dh0: number, dc0: number, work: number): void;
  gru_forward(
    B: number, T: number, I: number, H: number, resetAfter: number, x: number, wih: number, whh: number, bih: number,
    bhh: number, h0: number, mask: number, reverse: number, hMask: number, y: number, hT: number, cache: number,
    ws: number,
  ): void;
  gru_backward(
    B: number, T: number, I: number, H: number, resetAfter: number, x: number, wih: number, whh: number,
    mask: number, reverse: number, hMask: number, cache: number, dy: number, dhT: number, dx: number, dh0: number,
    dwih: number, dwhh: number, dbih: number, dbhh: number, work: number, ws: number,
  ): void;
  sgd_step(
    n: number, p: number, g: number, buf: number, lr: number, momentum: number, dampening: number,
    weightDecay: number, nesterov: number, maximize: number, firstStep: number,
  ): void;
  adam_step(
    n: number, p: number, g: number, m: number, v: number, vmax: number, stepSize: number, bc2Sqrt: number,
    beta1: number, beta2: number, eps: number, weightDecay: number, decay: number, amsgrad: number,
    decoupled: number, maximize: number,
  ): void;
  rmsprop_step(
    n: number, p: number, g: number, sq: number, gradAvg: number, buf: number, lr: number, alpha: number,
    eps: number, weightDecay: number, momentum: number, centered: number, maximize: number,
  ): void;
  adagrad_step(n: number, p: number, g: number, sum: number, clr: number, weightDecay: number, eps: number, maximize: number): void;
  softmax_xent_rows(N: number, C: number, z: number, probs: number, w: number, smoothing: number, stats: number): void;
  softmax_xent_backward(
    N: number, C: number, targets: number, ignoreIndex: number, w: number, eps: number, W: number, gConst: number,
    dlosses: number, probs: number, dz: number,
  ): void;
  ctc_forward(
    B: number, T: number, C: number, S: number, blank: number, logits: number, targets: number, inputLengths: number,
    targetLengths: number, logProbs: number, alpha: number, nll: number,
  ): void;
  ctc_backward(
    B: number, T: number, C: number, S: number, blank: number, targets: number, inputLengths: number,
    targetLengths: number, logProbs: number, alpha: number, nll: number, dnll: number, dlogits: number, work: number,
  ): void;
  embedding_forward(N: number, E: number, ids: number, table: number, y: number): void;
  /** word2vec: trains on the `n` words at `words` with the W2vArgs at `args` (csrc/w2v.c); returns the kept count. */
  w2v_train_sentence(args: number, words: number, n: number, alpha: number): number;
  embedding_backward(N: number, E: number, ids: number, dy: number, dtable: number, paddingIdx: number): void;
  sigmoid_f32(n: number, x: number, y: number): void;
  tanh_f32(n: number, x: number, y: number): void;
}

/** The module's bytes (decoded from the embedded base64). */
export function kernelsWasmBytes(variant: WasmVariant = 'simd128'): Uint8Array<ArrayBuffer> {
  const bin = atob(variant === 'simd128' ? KERNELS_WASM_BASE64 : KERNELS_RELAXED_WASM_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

function readLeb(bytes: Uint8Array, pos: { p: number }): number {
  let result = 0;
  let mul = 1;
  for (;;) {
    const b = bytes[pos.p++];
    if (b === undefined) throw new Error('truncated module');
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return result;
    mul *= 128;
  }
}

/**
 * A copy of `bytes` whose memory import is declared non-shared (limits flag 0x03 → 0x01), for a
 * heap that could not be shared. Same length, so no section sizes change.
 */
export function withUnsharedMemoryImport(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const out = bytes.slice();
  const pos = { p: 8 };
  while (pos.p < out.length) {
    const id = out[pos.p++]!;
    const size = readLeb(out, pos);
    const end = pos.p + size;
    if (id === 2) {
      const count = readLeb(out, pos);
      for (let i = 0; i < count; i++) {
        for (let s = 0; s < 2; s++) {
          const len = readLeb(out, pos); // module and field names
          pos.p += len;
        }
        const kind = out[pos.p++];
        if (kind === 2) {
          if (out[pos.p] === 0x03) out[pos.p] = 0x01;
          return out;
        }
        throw new Error(`unexpected import kind ${kind}`);
      }
    }
    pos.p = end;
  }
  throw new Error('no memory import');
}

let relaxedOk: boolean | undefined;

/**
 * True when this engine runs relaxed SIMD. Node 20 (V8 11.3) validates it only behind
 * `--experimental-wasm-relaxed-simd`, which is switched on here (it affects only modules compiled
 * afterwards, and only whether they may use relaxed SIMD); Node ≥ 22 and current browsers ship it.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedOk !== undefined) return relaxedOk;
  const bytes = kernelsWasmBytes('relaxed-simd');
  relaxedOk = WebAssembly.validate(bytes);
  if (!relaxedOk) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
    if (v8?.setFlagsFromString) {
      try {
        v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
        relaxedOk = WebAssembly.validate(bytes);
      } catch {
        relaxedOk = false;
      }
    }
  }
  return relaxedOk;
}

const modules = new Map<string, WebAssembly.Module>();

/**
 * Compiles the kernels with V8's optimizing compiler, all at once, before the first call. By
 * default Node compiles wasm lazily with its baseline compiler (Liftoff) and optimizes a function
 * only after it has run for a while, in the background; a kernel call already running keeps the
 * baseline code. Measured (wasm, Node 20): 20 GEMMs of 128³ took 12–17 ms, 8–11, 5–7, then 2.6 per
 * round by default, 2.6 from the first round compiled this way; bench/ours.mjs's tiny-rnn inference
 * (50 timed steps ≈ 50 ms) measured 0.8–1.0 ms per batch when the optimized code came late, 0.25
 * when it was there. The price: one synchronous compile of ≈ 140 ms per process and module build.
 * `--no-liftoff --no-wasm-lazy-compilation` hold only for this constructor and are set back at
 * once (wasm the application compiles later is compiled as before); not done when the process was
 * started with its own liftoff or lazy-compilation flag, nor outside Node.
 */
function compileOptimized(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; execArgv?: string[]; env?: Record<string, string | undefined> } }).process;
  const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
  const own = [...(proc?.execArgv ?? []), proc?.env?.NODE_OPTIONS ?? ''].some((a) => /liftoff|lazy-compilation/.test(a));
  if (!v8?.setFlagsFromString || own) return new WebAssembly.Module(bytes);
  v8.setFlagsFromString('--no-liftoff');
  v8.setFlagsFromString('--no-wasm-lazy-compilation');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    v8.setFlagsFromString('--liftoff');
    v8.setFlagsFromString('--wasm-lazy-compilation');
  }
}

/**
 * The compiled module of a build (compiled once per process). A Module can be posted to worker
 * threads, which then instantiate it on the shared memory without decoding or compiling again
 * (src/word2vec/worker.ts).
 */
export function kernelsModule(variant: WasmVariant = 'simd128', shared = true): WebAssembly.Module {
  const key = `${variant}|${shared}`;
  let m = modules.get(key);
  if (m === undefined) {
    let bytes = kernelsWasmBytes(variant);
    if (!shared) bytes = withUnsharedMemoryImport(bytes);
    m = compileOptimized(bytes);
    modules.set(key, m);
  }
  return m;
}

/** Instantiates the kernels over `memory` (the heap's in the library; any memory in tests). */
export function instantiateKernels(memory: WebAssembly.Memory, shared: boolean, variant: WasmVariant = 'simd128'): KernelExports {
  const instance = new WebAssembly.Instance(kernelsModule(variant, shared), { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

interface Loaded {
  k: KernelExports;
  variant: WasmVariant;
  /** Byte address of the kernels' workspace in the heap (GEMM packing, packed weights, copies). */
  ws: number;
  /** Its size in bytes; it only grows (see `wasmWorkspace`). */
  wsBytes: number;
}

let loaded: Loaded | null | undefined;
let loadError = '';

function load(): Loaded | null {
  if (loaded !== undefined) return loaded;
  try {
    if (typeof WebAssembly === 'undefined') throw new Error('WebAssembly is not available');
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    let variant: WasmVariant = env?.RECURRENT_WASM_RELAXED !== '0' && relaxedSimdSupported() ? 'relaxed-simd' : 'simd128';
    let k: KernelExports;
    try {
      k = instantiateKernels(heap.memory, heap.shared, variant);
    } catch (e) {
      if (variant === 'simd128') throw e;
      variant = 'simd128';
      k = instantiateKernels(heap.memory, heap.shared, variant);
    }
    // One workspace for the life of the process (not an arena block: it must never move during a
    // call). It starts at the GEMM's packing space and grows for the recurrent kernels.
    const wsBytes = k.sgemm_scratch_bytes();
    loaded = { k, variant, ws: heap.alloc(wsBytes), wsBytes };
  } catch (e) {
    loaded = null;
    loadError = e instanceof Error ? e.message : String(e);
  }
  return loaded;
}

/** The loaded kernels, or null when wasm cannot load here (for the wrappers in this directory). */
export function wasmKernels(): KernelExports | null {
  return load()?.k ?? null;
}

/**
 * The byte address of a workspace of at least `bytes` bytes (16-byte aligned), valid until the
 * next call of this function. Growing it may grow the heap: on a non-shared heap that detaches
 * typed-array views, so callers take every byte address they need first (addresses stay valid)
 * and call this last, just before the kernel.
 */
export function wasmWorkspace(bytes: number): number {
  const w = load();
  if (w === null) throw new Error(`recurrent: internal error: the wasm kernels are not loaded: ${loadError}`);
  if (bytes > w.wsBytes) {
    const size = Math.max(bytes, Math.ceil(w.wsBytes * 1.5));
    heap.free(w.ws);
    w.ws = heap.alloc(size);
    w.wsBytes = size;
  }
  return w.ws;
}

/** The csrc/ kernels the native add-on exports too, with the same names and arguments (byte addresses in the heap). */
export type CoreKernels = Pick<
  KernelExports,
  | 'recurrent_work_bytes'
  | 'rnn_forward'
  | 'rnn_backward'
  | 'lstm_forward'
  | 'lstm_backward'
  | 'gru_forward'
  | 'gru_backward'
  | 'sgd_step'
  | 'adam_step'
  | 'rmsprop_step'
  | 'adagrad_step'
  | 'softmax_xent_rows'
  | 'softmax_xent_backward'
  | 'ctc_forward'
  | 'ctc_backward'
  | 'embedding_forward'
  | 'embedding_backward'
  | 'sigmoid_f32'
  | 'tanh_f32'
>;

/**
 * One build of the csrc/ kernels working in place on the heap: the wasm module (`WASM_KERNELS`) or
 * the native add-on (`NATIVE_KERNELS` of native/backend.ts). The wrappers in this directory take
 * one (default: wasm), so both backends share their argument conventions.
 */
export interface KernelSet {
  /** The kernels, or null when this build cannot load here. */
  kernels(): CoreKernels | null;
  /** A workspace of at least `bytes` bytes in the heap for these kernels (see `wasmWorkspace`). */
  workspace(bytes: number): number;
}

/** The wasm module as a KernelSet. */
export const WASM_KERNELS: KernelSet = { kernels: wasmKernels, workspace: wasmWorkspace };

/** True when the wasm module loads here (it is then loaded). */
export function wasmAvailable(): boolean {
  return load() !== null;
}

/** The build of the kernels in use (loading them if needed), or null when wasm does not load. */
export function wasmVariant(): WasmVariant | null {
  return load()?.variant ?? null;
}

/** Switches the kernels to another build (tests, benchmarks); throws when it cannot run here. */
export function setWasmVariant(variant: WasmVariant): void {
  const w = load();
  if (w === null) throw new Error(`recurrent: the wasm kernels cannot load here: ${loadError}`);
  if (variant === w.variant) return;
  if (variant === 'relaxed-simd' && !relaxedSimdSupported()) throw new Error('recurrent: this engine does not run relaxed SIMD');
  const k = instantiateKernels(heap.memory, heap.shared, variant);
  w.k = k;
  wasmWorkspace(k.sgemm_scratch_bytes());
  w.variant = variant;
}

/** Why the wasm module did not load ('' when it did or was not tried). */
export function wasmLoadError(): string {
  return loadError;
}

/** `arr` (a Float32Array view on the heap) can hold `n` elements from element `off` on. */
function fits(arr: Float32Array, off: number, n: number): boolean {
  return off >= 0 && off + n <= arr.length && heap.owns(arr.buffer);
}

/**
 * The byte address of `arr` for a kernel reading or writing its first `n` elements: 0 for null,
 * -1 when the kernel cannot take it (not a Float32Array, not on the heap, too short).
 */
export function f32Addr(arr: Float32Array | Float64Array | null | undefined, n: number): number {
  if (arr === null || arr === undefined) return 0;
  if (!(arr instanceof Float32Array) || n > arr.length || !heap.owns(arr.buffer)) return -1;
  return arr.byteOffset;
}

/** Like f32Addr for integer arrays (Int32Array, Uint8Array): -1 when not on the heap or too short. */
export function intAddr(arr: Int32Array | Uint8Array, n: number): number {
  if (n > arr.length || !heap.owns(arr.buffer)) return -1;
  return arr.byteOffset;
}

/**
 * Runs the GEMM in wasm when it can — all three arrays Float32Array views on the heap, and every
 * element the call touches inside its array — and returns false otherwise (nothing is written).
 * Same arguments as `ref/gemm.ts`.
 */
export function tryWasmGemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: FloatArray,
  aOff: number,
  lda: number,
  B: FloatArray,
  bOff: number,
  ldb: number,
  beta: number,
  C: FloatArray,
  cOff: number,
  ldc: number,
): boolean {
  if (!(A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array)) return false;
  const w = load();
  if (w === null) return false;
  if (M <= 0 || N <= 0) return true;
  if (!fits(C, cOff, (M - 1) * ldc + N)) return false;
  // A and B are read only when K > 0 and alpha ≠ 0 (sgemm only scales C otherwise).
  if (K > 0 && alpha !== 0) {
    if (!fits(A, aOff, transA ? (K - 1) * lda + M : (M - 1) * lda + K)) return false;
    if (!fits(B, bOff, transB ? (N - 1) * ldb + K : (K - 1) * ldb + N)) return false;
  }
  w.k.sgemm(
    transA ? 1 : 0,
    transB ? 1 : 0,
    M,
    N,
    K,
    alpha,
    A.byteOffset + aOff * 4,
    lda,
    B.byteOffset + bOff * 4,
    ldb,
    beta,
    C.byteOffset + cOff * 4,
    ldc,
    w.ws,
  );
  return true;
}

/** GEMM with the `ref/gemm.ts` signature: in wasm when `tryWasmGemm` can, else the reference. */
export function wasmGemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: FloatArray,
  aOff: number,
  lda: number,
  B: FloatArray,
  bOff: number,
  ldb: number,
  beta: number,
  C: FloatArray,
  cOff: number,
  ldc: number,
): void {
  if (!tryWasmGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc)) {
    refGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  }
}
