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
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { heap } from '../../tensor/tensor.js';
import { gemm as refGemm } from '../ref/gemm.js';

/** The kernels of native/recurrent.c bound to one memory. */
interface Binding {
  /** csrc/gemm.c's sgemm; arguments in the block (see tryNativeGemm). */
  sgemm(): void;
  /** Takes the memory's current buffer after growth; true if byte 0 moved. */
  refresh(view: Uint8Array): boolean;
}

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
    loaded = { addon, k, file, args: new Float64Array(buf, argsPtr, addon.argsMax), buf, moves: 0 };
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
 * How many times the heap's memory was found at a new address when re-attached after growing
 * (tests: must stay 0; the add-on follows a move anyway). -1 when the add-on does not load.
 */
export function nativeBaseMoves(): number {
  return load()?.moves ?? -1;
}

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
  const buf = heap.buffer;
  if (buf !== n.buf) {
    // The memory grew: give the add-on its new length.
    if (n.k.refresh(new Uint8Array(buf))) n.moves++;
    n.buf = buf;
  }
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
