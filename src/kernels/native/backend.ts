/**
 * The native kernels (DESIGN.md §3): csrc/ compiled for this machine (-O3 -march=native) as an
 * N-API add-on, native/build/recurrent.node, built at install time by tools/build/native.mjs when
 * a C compiler is present. Optional: when the file is missing or does not load (browser, no
 * compiler at install, a CPU other than the one it was built for, Node < 20.16), everything here
 * reports it and `auto` selection moves on to wasm.
 *
 * Loading is lazy (first use) and synchronous, through `createRequire(import.meta.url)` obtained
 * with `process.getBuiltinModule` — no static import of a Node module, so browser bundles are
 * unaffected. The add-on's path is relative to this module, the same from src/kernels/native/ and
 * dist/kernels/native/.
 *
 * Memory: like the wasm module, the add-on works in place on the tensor heap's shared
 * `WebAssembly.Memory` with byte offsets. It is attached once with a view over the whole memory
 * (it records the address of byte 0: a shared memory reserves its maximum up front and never
 * moves) and refreshed whenever the memory has grown, so its bounds checks know the new length.
 * Arguments go through a small block of float64 in the heap (writing 13 numbers there and calling
 * with none costs ≈ 16 ns; passing them through N-API ≈ 170 ns). See native/recurrent.c.
 *
 * Threads: the add-on has its own pool of pthreads (native/recurrent.c) that splits the GEMM and
 * the fused RNN/LSTM/GRU kernels into the parts the wasm worker threads run (csrc/threads.c,
 * csrc/recurrent.c), bit-identical at any thread count. Its size is the library's thread setting
 * (`getThreads()`): given at load and again by `setThreads` (kernels/gemm.ts calls
 * `syncNativeThreads`).
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { heap } from '../../tensor/tensor.js';
import { gemm as refGemm } from '../ref/gemm.js';
import { getThreads } from '../threads/pool.js';
import type { CoreKernels, KernelSet } from '../wasm/backend.js';

/** The kernels the add-on exports besides sgemm: the wasm module's, with the same arguments. */
const CORE: readonly (keyof CoreKernels)[] = [
  'recurrent_work_bytes',
  'rnn_forward',
  'rnn_backward',
  'lstm_forward',
  'lstm_backward',
  'gru_forward',
  'gru_backward',
  'sgd_step',
  'adam_step',
  'rmsprop_step',
  'adagrad_step',
  'softmax_xent_rows',
  'softmax_xent_backward',
  'ctc_forward',
  'ctc_backward',
  'embedding_forward',
  'embedding_backward',
  'sigmoid_f32',
  'tanh_f32',
];

/** The kernels of native/recurrent.c bound to one memory; each takes its arguments from the block. */
type Binding = Record<keyof CoreKernels | 'sgemm' | 'sgemm_scratch_bytes', () => number | undefined> & {
  /** Takes the memory's current buffer after growth; true if byte 0 moved. */
  refresh(view: Uint8Array): boolean;
};

/** What native/recurrent.c exports. */
interface Addon {
  /** Binds the kernels to a memory (a Uint8Array over all of it) and its argument block. */
  attach(view: Uint8Array, argsOffset: number): Binding;
  /** Doubles in the argument block. */
  readonly argsMax: number;
  /** Compiler, flags, Node version and platform of the build. */
  readonly buildInfo: string;
  /** sha256 of the sources it was built from (`node tools/build/native.mjs --hash`). */
  readonly sourceHash: string;
  /** False when built without pthreads (every kernel then runs on the calling thread). */
  readonly threadsSupported: boolean;
  /** Sets the pool's size (1 = no threads); returns the threads now used. */
  setThreads(n: number): number;
  /** Joins the pool's threads (they start again on the next split job). */
  stopThreads(): void;
  /** Turns the contention guard on or off; returns the previous setting. */
  contentionGuard(on: boolean): boolean;
  /** The pool's counters. */
  threadStats(): NativeThreadStats;
}

/** What the add-on's thread pool has done (for tests and diagnostics). */
export interface NativeThreadStats {
  /** The threads the kernels may use (the setting; 1 without pthreads). */
  threads: number;
  /** Threads running beside the calling one (0 until the first job that is split). */
  workers: number;
  /** Jobs split into parts since the pool started. */
  jobs: number;
  /** Parts of those jobs that the pool's threads ran (the rest ran on the calling thread). */
  workerParts: number;
  /** Jobs run on the calling thread because the threads were not getting their cores. */
  guarded: number;
}

interface Loaded {
  addon: Addon;
  k: Binding;
  file: string;
  /** The argument block (float64 view on the heap; stays valid as the shared memory grows). */
  args: Float64Array;
  /** The buffer object of the heap last given to the add-on. */
  buf: ArrayBufferLike;
  /** How many times refresh() found byte 0 at another address (0 for a shared memory). */
  moves: number;
  /** The kernels with the wasm module's signatures (arguments written to the block). */
  core: CoreKernels;
  /** Byte address and size of the kernels' workspace in the heap (it only grows). */
  ws: number;
  wsBytes: number;
  /** The thread count last given to the add-on. */
  threads: number;
}

/** The add-on, relative to this module. */
const ADDON = '../../../native/build/recurrent.node';

type NodeProcess = {
  version?: string;
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
};

let loaded: Loaded | null | undefined;
let loadError = '';

function load(): Loaded | null {
  if (loaded !== undefined) return loaded;
  try {
    const proc = (globalThis as { process?: NodeProcess }).process;
    if (!proc?.versions?.node) throw new Error('not running in Node.js');
    if (typeof proc.getBuiltinModule !== 'function') throw new Error(`Node.js ${proc.version} lacks process.getBuiltinModule (Node.js ≥ 20.16)`);
    if (!heap.shared) throw new Error('the tensor heap is not a shared WebAssembly.Memory');
    const { createRequire } = proc.getBuiltinModule('node:module') as { createRequire(from: string): (id: string) => unknown };
    const { existsSync } = proc.getBuiltinModule('node:fs') as { existsSync(path: string): boolean };
    const { fileURLToPath } = proc.getBuiltinModule('node:url') as { fileURLToPath(url: URL): string };
    const url = new URL(ADDON, import.meta.url);
    if (url.protocol !== 'file:') throw new Error(`the library is not loaded from files (${url.protocol})`);
    const file = fileURLToPath(url);
    if (!existsSync(file)) throw new Error(`not built (no ${file}; 'npm run build:native' builds it)`);
    const addon = createRequire(import.meta.url)(file) as Addon;
    const argsPtr = heap.alloc(addon.argsMax * 8); // for the life of the process, like wasm's scratch
    const buf = heap.buffer;
    const k = addon.attach(new Uint8Array(buf), argsPtr);
    const n: Loaded = { addon, k, file, args: new Float64Array(buf, argsPtr, addon.argsMax), buf, moves: 0, core: {} as CoreKernels, ws: 0, wsBytes: 0, threads: 1 };
    n.core = coreKernels(n);
    n.threads = addon.setThreads(getThreads());
    loaded = n;
  } catch (e) {
    loaded = null;
    loadError = e instanceof Error ? e.message : String(e);
  }
  return loaded;
}

/** True when the add-on loads here (it is then loaded). */
export function nativeAvailable(): boolean {
  return load() !== null;
}

/** Why the add-on did not load ('' when it did or was not tried). */
export function nativeLoadError(): string {
  return loadError;
}

/** The loaded add-on's file, build description and source hash; null when it does not load. */
export function nativeInfo(): { file: string; buildInfo: string; sourceHash: string } | null {
  const n = load();
  return n && { file: n.file, buildInfo: n.addon.buildInfo, sourceHash: n.addon.sourceHash };
}

/**
 * Gives the add-on the library's thread count (`getThreads()`) after `setThreads`; returns the
 * threads its kernels now use (1 when the add-on does not load or has no pthreads).
 */
export function syncNativeThreads(): number {
  const n = loaded;
  if (!n) return 1;
  const t = getThreads();
  if (t !== n.threads) n.threads = n.addon.setThreads(t);
  return n.threads;
}

/** The threads the native kernels use: 1 when the add-on does not load. */
export function nativeThreads(): number {
  return load()?.threads ?? 1;
}

/** Joins the add-on's threads now (they start again on the next large kernel call). */
export function stopNativeThreads(): void {
  loaded?.addon.stopThreads();
}

/** Counters of the add-on's thread pool; null when the add-on does not load. */
export function nativeThreadStats(): NativeThreadStats | null {
  return load()?.addon.threadStats() ?? null;
}

/**
 * Turns the add-on's contention guard off (tests that must see every large job split) or on (the
 * default); returns the previous setting (true when the add-on does not load).
 */
export function setNativeContentionGuard(on: boolean): boolean {
  return load()?.addon.contentionGuard(on) ?? true;
}

/**
 * How many times the heap's memory was found at a new address when re-attached after growing
 * (tests: must stay 0; the add-on follows a move anyway). -1 when the add-on does not load.
 */
export function nativeBaseMoves(): number {
  return load()?.moves ?? -1;
}

/** Gives the add-on the heap's new length when the memory has grown since the last call. */
function sync(n: Loaded): void {
  const buf = heap.buffer;
  if (buf !== n.buf) {
    if (n.k.refresh(new Uint8Array(buf))) n.moves++;
    n.buf = buf;
  }
}

/** The add-on's kernels as functions with the wasm module's arguments: each writes them to the block and calls. */
function coreKernels(n: Loaded): CoreKernels {
  const out: Record<string, (...args: number[]) => number | undefined> = {};
  for (const name of CORE) {
    const fn = n.k[name];
    out[name] = (...args: number[]) => {
      sync(n);
      const a = n.args;
      for (let i = 0; i < args.length; i++) a[i] = args[i]!;
      return fn();
    };
  }
  return out as unknown as CoreKernels;
}

/**
 * The byte address of a workspace of at least `bytes` bytes in the heap for the native kernels,
 * valid until the next call (the rules of `wasmWorkspace`: take every other address first).
 */
function nativeWorkspace(bytes: number): number {
  const n = load();
  if (n === null) throw new Error(`recurrent: internal error: the native kernels are not loaded: ${loadError}`);
  if (bytes > n.wsBytes) {
    const size = Math.max(bytes, Math.ceil(n.wsBytes * 1.5), 1 << 16);
    if (n.ws !== 0) heap.free(n.ws);
    n.ws = heap.alloc(size);
    n.wsBytes = size;
  }
  return n.ws;
}

/**
 * The native add-on as a KernelSet: the wrappers of src/kernels/wasm/ (tryWasmLstmForward, …) run
 * its kernels when given this, with the same arguments, checks and fallbacks as for wasm.
 */
export const NATIVE_KERNELS: KernelSet = { kernels: () => load()?.core ?? null, workspace: nativeWorkspace };

/** `arr` (a Float32Array view on the heap) can hold `n` elements from element `off` on. */
function fits(arr: Float32Array, off: number, n: number): boolean {
  return off >= 0 && off + n <= arr.length && heap.owns(arr.buffer);
}

/**
 * Runs the GEMM natively when it can — all three arrays Float32Array views on the heap, and every
 * element the call touches inside its array — and returns false otherwise (nothing is written).
 * Same arguments and decline rules as `tryWasmGemm`; the contract is `ref/gemm.ts`.
 */
export function tryNativeGemm(
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
  const n = load();
  if (n === null) return false;
  if (M <= 0 || N <= 0) return true;
  if (!fits(C, cOff, (M - 1) * ldc + N)) return false;
  // A and B are read only when K > 0 and alpha ≠ 0 (sgemm only scales C otherwise).
  if (K > 0 && alpha !== 0) {
    if (!fits(A, aOff, transA ? (K - 1) * lda + M : (M - 1) * lda + K)) return false;
    if (!fits(B, bOff, transB ? (N - 1) * ldb + K : (K - 1) * ldb + N)) return false;
  }
  sync(n);
  const a = n.args;
  a[0] = transA ? 1 : 0;
  a[1] = transB ? 1 : 0;
  a[2] = M;
  a[3] = N;
  a[4] = K;
  a[5] = alpha;
  a[6] = A.byteOffset + aOff * 4;
  a[7] = lda;
  a[8] = B.byteOffset + bOff * 4;
  a[9] = ldb;
  a[10] = beta;
  a[11] = C.byteOffset + cOff * 4;
  a[12] = ldc;
  n.k.sgemm();
  return true;
}

/** GEMM with the `ref/gemm.ts` signature: native when `tryNativeGemm` can, else the reference. */
export function nativeGemm(
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
  if (!tryNativeGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc)) {
    refGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  }
}
