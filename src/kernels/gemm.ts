/**
 * The GEMM every kernel calls: dispatches to the active backend (DESIGN.md §3, "Selection").
 *
 * - `ref`  — `ref/gemm.ts`, plain TypeScript, the specification (and the only one for Float64).
 * - `wasm` — `wasm/backend.ts`, csrc/gemm.c compiled to WebAssembly SIMD (with relaxed-SIMD FMA
 *   when the engine has it, see `wasmVariant()`), running in place on the tensor heap; a call it
 *   cannot take (Float64, arrays not on the heap) falls back to ref.
 * - `native` — `native/backend.ts`, the same C compiled for this machine (-O3 -march=native) as an
 *   N-API add-on built at install time when a compiler is present (`npm run build:native`), also in
 *   place on the heap, with the same fallback to ref.
 * - `auto` — native when the add-on loads, else wasm when the module loads, else ref (DESIGN.md §3
 *   order). The default. Native has every kernel wasm has and a wide GEMM micro-kernel, and was
 *   faster than wasm on every benchmark workload (docs/decisions.md (i)). `setThreads` splits it
 *   too: the add-on has its own pthread pool running the same parts as the wasm workers.
 *
 * The choice comes from `setBackend()`, else from the environment variable
 * `RECURRENT_BACKEND=ref|wasm|native|auto` (read on first use).
 */

import type { FloatArray } from '../tensor/tensor.js';
import { NATIVE_KERNELS, nativeAvailable, nativeGemm, nativeLoadError, stopNativeThreads, syncNativeThreads } from './native/backend.js';
import { gemm as refGemm } from './ref/gemm.js';
import { tryThreadedGemm } from './threads/gemm.js';
import { type KernelSet, WASM_KERNELS, wasmAvailable, wasmGemm, wasmLoadError } from './wasm/backend.js';

import { setThreads as setPoolThreads, startThreads as startPoolThreads, stopThreads as stopPoolThreads } from './threads/pool.js';

/** The number of threads the kernels use (DESIGN.md §5): see threads/pool.ts. */
export { getThreads } from './threads/pool.js';

/**
 * Sets how many threads the kernels use, wasm and native: the wasm kernels get `threads − 1`
 * worker threads (threads/pool.ts), the native add-on a pool of as many pthreads beside the calling
 * thread. The default is the number of cores (`RECURRENT_THREADS` overrides it). Results are the
 * same bits for every thread count: the GEMM is split by columns (or rows) of C, the fused
 * recurrent kernels by batch rows and their weight gradients by gate rows, and each output element
 * is computed exactly as with one thread. Returns the number of threads now in effect (1 where
 * threads cannot run).
 *
 * @example
 * import { setThreads } from 'recurrent';
 * setThreads(1); // no threads besides the calling one
 */
export function setThreads(n: number): number {
  const t = setPoolThreads(n);
  syncNativeThreads();
  // With wasm, start the workers now: they take ≈ 50 ms to boot, and until they have, a split job
  // runs all its parts on the calling thread (measured: tiny-rnn inference at 2 threads 0.60 ms per
  // batch against 0.25 at 1 when its whole ~15 ms measurement fell inside the boot).
  if (t > 1 && active === 'wasm') startPoolThreads();
  return t;
}

/**
 * Stops the kernels' threads (wasm workers and native pthreads; they restart on the next large
 * kernel call); resolves when they have exited. Never needed before exit: they do not keep the
 * process alive.
 */
export async function stopThreads(): Promise<void> {
  stopNativeThreads();
  await stopPoolThreads();
}

/** Which build of the wasm kernels runs ('simd128' | 'relaxed-simd'), null when wasm cannot load. */
export { wasmVariant } from './wasm/backend.js';

/**
 * The native add-on's file, build description and source hash (null when it does not load), why
 * it did not load, and the threads its kernels use.
 */
export { nativeInfo, nativeLoadError, nativeThreads } from './native/backend.js';

/** A backend that runs kernels. */
export type BackendName = 'ref' | 'wasm' | 'native';
/** What can be asked for: a backend, or `auto` (the fastest that works here). */
export type BackendChoice = BackendName | 'auto';

const CHOICES: readonly BackendChoice[] = ['ref', 'wasm', 'native', 'auto'];

let active: BackendName | undefined;

function resolve(choice: BackendChoice, source: string): BackendName {
  if (choice === 'ref') return 'ref';
  if (choice === 'native') {
    if (nativeAvailable()) return 'native';
    throw new Error(`recurrent: ${source} asks for the native backend, which cannot load here: ${nativeLoadError()}`);
  }
  if (choice === 'auto' && nativeAvailable()) return 'native';
  if (wasmAvailable()) return 'wasm';
  if (choice === 'wasm') throw new Error(`recurrent: ${source} asks for the wasm backend, which cannot load here: ${wasmLoadError()}`);
  return 'ref';
}

function fromEnv(): BackendName {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const raw = env?.RECURRENT_BACKEND;
  const v = (raw ?? '').trim().toLowerCase() || 'auto';
  if (!(CHOICES as readonly string[]).includes(v)) {
    throw new Error(`recurrent: RECURRENT_BACKEND must be one of ${CHOICES.join(', ')}, not '${raw}'`);
  }
  return resolve(v as BackendChoice, 'RECURRENT_BACKEND');
}

/** Selects the backend; returns the one now active. `wasm`/`native` throw when they cannot load. */
export function setBackend(choice: BackendChoice): BackendName {
  if (!CHOICES.includes(choice)) throw new Error(`setBackend: backend must be one of ${CHOICES.join(', ')}, not '${String(choice)}'`);
  active = resolve(choice, 'setBackend');
  return active;
}

/** The active backend (resolving `RECURRENT_BACKEND` / auto on first call). */
export function getBackend(): BackendName {
  if (active === undefined) active = fromEnv();
  return active;
}

/**
 * The build of the csrc/ kernels the active backend runs (null for `ref`): the dispatchers of the
 * fused kernels (lstm.ts, optim.ts, …) pass it to the wrappers in wasm/.
 */
export function activeKernels(): KernelSet | null {
  const b = active ?? getBackend();
  return b === 'native' ? NATIVE_KERNELS : b === 'wasm' ? WASM_KERNELS : null;
}

/**
 * C = alpha · op(A) · op(B) + beta · C on the active backend; the contract is `ref/gemm.ts`.
 */
export function gemm(
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
  const b = active ?? getBackend();
  if (b === 'native') nativeGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
  else if (b === 'wasm') {
    if (!tryThreadedGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc)) {
      wasmGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    }
  } else refGemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
}
