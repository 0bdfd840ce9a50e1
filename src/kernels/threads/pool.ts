/**
 * Worker threads for the wasm kernels (DESIGN.md §5).
 *
 * `threads − 1` worker_threads each instantiate the same wasm module (same build: simd128 or
 * relaxed-simd) on the tensor heap's shared `WebAssembly.Memory`. A kernel stays a synchronous
 * call: the calling thread publishes a job (an exported `*_part` function of csrc/ and its
 * arguments) in a shared control block, wakes the workers, and then takes parts itself; every
 * participant claims the next unclaimed part with a compare-and-swap, so a worker that is asleep,
 * still starting or descheduled never delays the call — the caller simply runs the parts nobody
 * took. The caller waits only for parts that others already claimed.
 *
 * Workers spin on the job counter for `SPIN_MS` after each job before `Atomics.wait`: a plain
 * wait/notify round trip costs ≈ 50 µs here, which made small GEMMs 3× slower (DESIGN.md §5). A
 * contention guard (below) stops splitting while the threads do not get their cores.
 *
 * Determinism: parts write disjoint outputs and each output element is computed by the same
 * operations as in the one-thread kernel (csrc/threads.c, csrc/recurrent.c), so results are
 * bit-identical for every thread count (test/kernels/threads.test.ts holds this).
 *
 * Workers are `unref`ed (they never keep the process alive) and stop with `stopThreads()`. There
 * are no workers when threads = 1, when the heap is not shared (a browser page that is not
 * cross-origin isolated), or where `node:worker_threads` is not available (browsers for now):
 * `getThreads()` then reports 1.
 */

import { heap } from '../../tensor/tensor.js';
import { type KernelExports, type WasmVariant, kernelsModule, wasmKernels, wasmVariant } from '../wasm/backend.js';

/** The part entry points of csrc/threads.c and csrc/recurrent.c a job can name. */
export const PART_FUNCTIONS = [
  'sgemm_part',
  'rnn_forward_part',
  'rnn_backward_rows_part',
  'rnn_backward_grads_part',
  'lstm_forward_part',
  'lstm_backward_rows_part',
  'lstm_backward_grads_part',
  'lstm_forward_step_part',
  'lstm_backward_step_part',
  'adam_step_part',
  'gru_forward_part',
  'gru_backward_rows_part',
  'gru_backward_grads_part',
] as const;
/** One of `PART_FUNCTIONS`: called as `fn(part, nparts, ws, ...args)`. */
export type PartFunction = (typeof PART_FUNCTIONS)[number];

type PartFn = (part: number, nparts: number, ws: number, ...args: number[]) => void;

/** Most threads `setThreads` accepts. */
export const MAX_THREADS = 64;
const MAX_ARGS = 32;
/**
 * How long a worker spins on the job counter after a job before it sleeps (ms). Measured
 * (tiny LSTM forward B16 T32 H64 with 0.5 ms of other work between calls): 0.75 ms
 * per call with 0.3 ms of spinning (the worker is often asleep), 0.55 ms with 2 ms; 1 thread 1.2 ms.
 */
const SPIN_MS = 2;
/** How long the caller spins for parts claimed by workers before it sleeps (ms). */
const CALLER_SPIN_MS = 0.5;
/**
 * Contention guard. On a shared machine the threads may not get a core each (Linux gives every
 * session an equal share, whatever its thread count): then splitting only adds spinning and
 * waiting. Split jobs are timed (wall and process CPU time); when over `GUARD_WINDOW_MS` of them
 * the process used fewer than 1 + GUARD_MIN_GAIN·(n − 1) cores, jobs run on the calling thread for
 * a back-off period (doubling up to `GUARD_MAX_BACKOFF_MS`), then splitting is tried again. The
 * results are the same bits either way.
 */
const GUARD_WINDOW_MS = 30;
const GUARD_MIN_GAIN = 0.4;
const GUARD_FIRST_BACKOFF_MS = 250;
const GUARD_MAX_BACKOFF_MS = 4000;

// Control block (Int32 slots), then the job's arguments as Float64.
const GEN = 0; // job generation: workers wait on it
const CLAIM = 1; // (seq & 0x7fff) << 16 | nparts << 8 | next part
const DONE = 2; // parts finished in the current job
const FN = 3; // index into PART_FUNCTIONS
const NARGS = 4;
const STOP = 5;
const SLEEPERS = 6; // workers inside Atomics.wait on GEN
const ERROR = 7; // 1 when a part threw in a worker
const WORKER_PARTS = 8; // parts run by workers since the pool started (statistics)
const WS = 16; // WS + t: byte address of thread t's workspace
const ARGS_BYTE = (WS + MAX_THREADS) * 4;
const CONTROL_BYTES = ARGS_BYTE + MAX_ARGS * 8;

/** The worker's program (CommonJS, run with `eval: true`, so it needs no file next to this one). */
const WORKER_SOURCE = `
'use strict';
const { workerData } = require('node:worker_threads');
const { module, memory, control, id, names } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((n) => ex[n]);
const c = new Int32Array(control);
const a = new Float64Array(control, ${ARGS_BYTE}, ${MAX_ARGS});
let seen = Atomics.load(c, ${GEN});
for (;;) {
  // Checked before waiting: a worker that starts after the pool was stopped would otherwise take
  // the stop's generation as already seen and wait for ever (stopThreads() never resolving).
  if (Atomics.load(c, ${STOP}) !== 0) break;
  let g = Atomics.load(c, ${GEN});
  if (g === seen) {
    const end = performance.now() + ${SPIN_MS};
    let i = 0;
    while ((g = Atomics.load(c, ${GEN})) === seen) {
      if ((++i & 255) === 0 && performance.now() > end) break;
    }
    if (g === seen) {
      Atomics.add(c, ${SLEEPERS}, 1);
      Atomics.wait(c, ${GEN}, seen);
      Atomics.sub(c, ${SLEEPERS}, 1);
      continue;
    }
  }
  seen = g;
  if (Atomics.load(c, ${STOP}) !== 0) break;
  for (;;) {
    const v = Atomics.load(c, ${CLAIM});
    const np = (v >> 8) & 255, p = v & 255;
    if (p >= np) break;
    if (Atomics.compareExchange(c, ${CLAIM}, v, v + 1) !== v) continue;
    const n = c[${NARGS}];
    const args = [p, np, c[${WS} + id]];
    for (let i = 0; i < n; i++) args.push(a[i]);
    try {
      fns[c[${FN}]](...args);
    } catch (e) {
      Atomics.store(c, ${ERROR}, 1);
    }
    Atomics.add(c, ${WORKER_PARTS}, 1);
    if (Atomics.add(c, ${DONE}, 1) + 1 === np) Atomics.notify(c, ${DONE});
  }
}
`;

interface NodeWorker {
  on(event: string, cb: (arg: unknown) => void): unknown;
  unref(): void;
  terminate(): Promise<number>;
}
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown; name?: string }) => NodeWorker;

interface Pool {
  n: number;
  variant: WasmVariant;
  k: KernelExports;
  c: Int32Array;
  args: Float64Array;
  workers: NodeWorker[];
  /** Workspace of thread t ≥ 1 (heap byte address) and its size; thread 0's is the caller's. */
  ws: number[];
  wsBytes: number;
  seq: number;
  jobs: number;
  /** Contention guard: wall ms and CPU µs of split jobs in the current window. */
  winWall: number;
  winCpu: number;
  /** No splitting before this time (performance.now()); the next back-off's length. */
  backoffUntil: number;
  backoffMs: number;
  /** Jobs that ran on the calling thread because of the guard. */
  guarded: number;
  exited: Promise<unknown>[];
}

let requested: number | undefined;
let pool: Pool | null = null;
let poolError = '';

interface NodeProcess {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}
const proc = (globalThis as { process?: NodeProcess }).process;

function builtin<T>(id: string): T | undefined {
  try {
    return proc?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/** The number of cores this process may use (1 when unknown, e.g. in a browser). */
export function availableCores(): number {
  const os = builtin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/** Why worker threads cannot run here, or '' when they can. */
export function threadsUnavailableReason(): string {
  if (!heap.shared) return 'the tensor heap is not a shared WebAssembly.Memory (no SharedArrayBuffer: a browser page must be cross-origin isolated)';
  if (builtin<{ Worker?: unknown }>('node:worker_threads')?.Worker === undefined) return 'node:worker_threads is not available';
  if (wasmKernels() === null) return 'the wasm kernels do not load';
  return poolError;
}

function checkCount(n: number, source: string, raw: unknown = n): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new Error(`recurrent: ${source} must be an integer from 1 to ${MAX_THREADS}, not ${typeof raw === 'string' ? `'${raw}'` : String(raw)}`);
  }
  return n;
}

function fromEnv(): number {
  const raw = proc?.env?.RECURRENT_THREADS;
  const v = (raw ?? '').trim();
  if (v === '') return availableCores();
  return checkCount(/^\d+$/.test(v) ? Number(v) : NaN, 'RECURRENT_THREADS', raw);
}

/**
 * Sets how many threads the wasm kernels use: `threads − 1` workers plus the calling thread.
 * The default is the number of cores (`RECURRENT_THREADS` overrides it). Results are the same bits
 * for every thread count: work is split so that each output element is computed exactly as with
 * one thread. Where workers cannot run (see `getThreads`), any value is accepted and 1 is used.
 * Returns the number of threads now in effect.
 *
 * @example
 * import { setThreads } from 'recurrent';
 * setThreads(1); // no worker threads
 */
export function setThreads(n: number): number {
  const v = checkCount(n, 'setThreads: threads');
  if (v !== requested) {
    requested = v;
    if (pool !== null && pool.n !== v) stopPool();
  }
  return getThreads();
}

/** The number of threads the kernels use: the setting, or 1 where worker threads cannot run. */
export function getThreads(): number {
  if (requested === undefined) requested = fromEnv();
  if (requested === 1) return 1;
  return threadsUnavailableReason() === '' ? requested : 1;
}

function stopPool(): void {
  const p = pool;
  if (p === null) return;
  pool = null;
  Atomics.store(p.c, STOP, 1);
  Atomics.add(p.c, GEN, 1);
  Atomics.notify(p.c, GEN);
  for (const ws of p.ws) if (ws !== 0) heap.free(ws);
}

/**
 * Starts the worker threads now rather than on the first job that is split (`setThreads` does this
 * for the wasm backend), so that they have booted when the first large kernel runs. Nothing
 * happens when threads = 1 or worker threads cannot run here.
 */
export function startThreads(): void {
  getPool();
}

/**
 * Stops the worker threads (they restart on the next large kernel call); resolves when they have
 * exited. Never needed before exit: the workers do not keep the process alive.
 */
export async function stopThreads(): Promise<void> {
  const p = pool;
  stopPool();
  if (p !== null) await Promise.all(p.exited);
}

/** What the pool has done (for tests and diagnostics). */
export interface ThreadStats {
  /** Worker threads started (0 until the first job that is split, or `startThreads`). */
  workers: number;
  /** Jobs split into parts since the pool started. */
  jobs: number;
  /** Parts of those jobs that worker threads ran (the rest ran on the calling thread). */
  workerParts: number;
  /** Jobs run on the calling thread because the threads were not getting their cores. */
  guarded: number;
}

/** Counters of the running pool (zeros when there is none). */
export function threadStats(): ThreadStats {
  if (pool === null) return { workers: 0, jobs: 0, workerParts: 0, guarded: 0 };
  return { workers: pool.workers.length, jobs: pool.jobs, workerParts: Atomics.load(pool.c, WORKER_PARTS), guarded: pool.guarded };
}

/** The running pool for the current setting and wasm build, starting it if needed; null = 1 thread. */
function getPool(): Pool | null {
  const n = getThreads();
  if (n === 1) return null;
  const variant = wasmVariant();
  const k = wasmKernels();
  if (variant === null || k === null) return null;
  if (pool !== null && pool.n === n && pool.variant === variant && pool.k === k) return pool;
  stopPool();
  try {
    const { Worker } = builtin<{ Worker: WorkerCtor }>('node:worker_threads')!;
    // The calling thread's compiled module (already optimized code): the workers instantiate it
    // without compiling again.
    const module = kernelsModule(variant, true);
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const c = new Int32Array(control);
    const p: Pool = { n, variant, k, c, args: new Float64Array(control, ARGS_BYTE, MAX_ARGS), workers: [], ws: new Array<number>(n).fill(0), wsBytes: 0, seq: 0, jobs: 0, winWall: 0, winCpu: 0, backoffUntil: 0, backoffMs: GUARD_FIRST_BACKOFF_MS, guarded: 0, exited: [] };
    for (let id = 1; id < n; id++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, name: `recurrent-kernels-${id}`, workerData: { module, memory: heap.memory, control, id, names: PART_FUNCTIONS } });
      // A worker that fails only stops taking parts: the caller runs whatever nobody claimed.
      w.on('error', () => {});
      p.exited.push(new Promise((resolve) => w.on('exit', resolve)));
      w.unref();
      p.workers.push(w);
    }
    pool = p;
  } catch (e) {
    poolError = `worker threads failed to start: ${e instanceof Error ? e.message : String(e)}`;
    return null;
  }
  return pool;
}

let guardOn = true;

/**
 * Turns the contention guard off (tests that must see every large job split) or on (the default).
 * Returns the previous setting.
 */
export function setContentionGuard(on: boolean): boolean {
  const was = guardOn;
  guardOn = on;
  if (!on && pool !== null) pool.backoffUntil = 0;
  return was;
}

const cpuMicros = (): number => {
  const u = (proc as { cpuUsage?: () => { user: number; system: number } } | undefined)?.cpuUsage?.();
  return u === undefined ? NaN : u.user + u.system;
};

/** The contention guard's bookkeeping after a split job that started at t0 (CPU time cpu0). */
function guard(p: Pool, t0: number, cpu0: number): void {
  if (!guardOn) return;
  const t1 = performance.now();
  p.winWall += t1 - t0;
  p.winCpu += cpuMicros() - cpu0;
  if (p.winWall < GUARD_WINDOW_MS) return;
  const cores = p.winCpu / 1000 / p.winWall;
  p.winWall = 0;
  p.winCpu = 0;
  if (!(cores < 1 + GUARD_MIN_GAIN * (p.n - 1))) {
    p.backoffMs = GUARD_FIRST_BACKOFF_MS;
    return;
  }
  p.backoffUntil = t1 + p.backoffMs;
  p.backoffMs = Math.min(2 * p.backoffMs, GUARD_MAX_BACKOFF_MS);
}

/**
 * The number of parts to split a job into: at most `maxParts`, one per thread, 1 when threads
 * are off or unavailable (the caller then runs the one-thread kernel).
 */
export function partsFor(maxParts: number): number {
  if (maxParts < 2) return 1;
  const n = getThreads();
  return n < 2 ? 1 : Math.min(n, Math.floor(maxParts), 255);
}

/**
 * Runs `fn(part, nparts, ws_t, ...args)` for part = 0 … nparts − 1 across the pool and the calling
 * thread and returns when all parts are done. `ws0` is the caller's workspace (for the parts it
 * runs); each worker gets one of at least `wsBytes` bytes. Returns false, having run nothing,
 * when there is no pool (then call the one-thread kernel).
 */
export function runParts(fn: PartFunction, nparts: number, ws0: number, wsBytes: number, args: readonly number[]): boolean {
  if (nparts < 2) return false;
  const p = getPool();
  if (p === null) return false;
  const t0 = performance.now();
  if (t0 < p.backoffUntil) {
    p.guarded++;
    return false;
  }
  const cpu0 = cpuMicros();
  if (args.length > MAX_ARGS) throw new Error(`recurrent: internal error: ${args.length} arguments for ${fn}`);
  const np = Math.min(nparts, 255);
  const c = p.c;
  if (wsBytes > p.wsBytes) {
    const size = Math.max(wsBytes, Math.ceil(p.wsBytes * 1.5));
    for (let t = 1; t < p.n; t++) {
      if (p.ws[t] !== 0) heap.free(p.ws[t]!);
      p.ws[t] = heap.alloc(size);
      c[WS + t] = p.ws[t]!;
    }
    p.wsBytes = size;
  }
  c[WS] = ws0;
  const fi = PART_FUNCTIONS.indexOf(fn);
  c[FN] = fi;
  c[NARGS] = args.length;
  for (let i = 0; i < args.length; i++) p.args[i] = args[i]!;
  Atomics.store(c, DONE, 0);
  Atomics.store(c, ERROR, 0);
  p.seq = (p.seq + 1) & 0x7fff;
  p.jobs++;
  Atomics.store(c, CLAIM, (p.seq << 16) | (np << 8));
  Atomics.add(c, GEN, 1);
  if (Atomics.load(c, SLEEPERS) > 0) Atomics.notify(c, GEN);

  const call = (p.k as unknown as Record<PartFunction, PartFn>)[fn];
  let failure: unknown = null;
  for (;;) {
    const v = Atomics.load(c, CLAIM);
    const part = v & 255;
    if (part >= np) break;
    if (Atomics.compareExchange(c, CLAIM, v, v + 1) !== v) continue;
    try {
      call(part, np, ws0, ...args);
    } catch (e) {
      failure = e;
    }
    Atomics.add(c, DONE, 1);
  }
  // Wait for the parts the workers took: spin briefly, then sleep until the last one notifies.
  let done = Atomics.load(c, DONE);
  if (done < np) {
    const end = performance.now() + CALLER_SPIN_MS;
    let i = 0;
    while ((done = Atomics.load(c, DONE)) < np) {
      if ((++i & 255) === 0 && performance.now() > end) Atomics.wait(c, DONE, done, 5);
    }
  }
  guard(p, t0, cpu0);
  if (failure !== null) throw failure;
  if (Atomics.load(c, ERROR) !== 0) throw new Error(`recurrent: a worker thread failed in ${fn}`);
  return true;
}
