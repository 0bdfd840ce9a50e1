/**
 * Hogwild training (Recht et al. 2011; word2vec.c's threads): n worker threads, thread i on bytes
 * [i·size/n, (i+1)·size/n) of the corpus file, all reading and writing the same parameters in the
 * shared linear memory without locks. The main thread only aggregates: per-epoch reports once
 * every thread has finished that epoch, progress from the threads' shared word counters, and the
 * abort flag.
 */
import { type TrainRun, abortError, finishEpoch, progressAt } from './options.js';
import { abortFlagOffset, learningRate } from './trainer.js';
import type { WorkerInit, WorkerMessage } from './worker.js';

/** Everything in a WorkerInit that is the same for all threads. */
export type SharedInit = Omit<WorkerInit, 'start' | 'end' | 'rng' | 'wasm' | 'id' | 'control' | 'nWorkers'>;

/**
 * Runs `n` threads of `script` over `init.path`; resolves when all finish, rejects on abort or
 * failure. `thread(id)` gives thread id's random state and, for the wasm kernel, its heap block.
 */
export async function trainHogwild(script: URL, n: number, init: SharedInit, thread: (id: number) => Pick<WorkerInit, 'rng' | 'wasm'>, run: TrainRun): Promise<void> {
  if (run.signal?.aborted) throw abortError(run.signal);
  const { Worker } = await import('node:worker_threads');
  const { statSync } = await import('node:fs');
  const size = statSync(init.path).size;
  const control = new SharedArrayBuffer(abortFlagOffset(n) + 8);
  const done = new Float64Array(control, 0, n);
  const abortFlag = new Int32Array(control, abortFlagOffset(n), 1);
  const sumDone = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += done[i]!;
    return s;
  };

  const t0 = performance.now();
  let tEpoch = t0;
  let nextEpoch = 0;
  const perEpoch = new Map<number, { n: number; loss: number; examples: number; words: number; kept: number }>();
  const onEpoch = (m: Extract<WorkerMessage, { type: 'epoch' }>): void => {
    const e = perEpoch.get(m.epoch) ?? { n: 0, loss: 0, examples: 0, words: 0, kept: 0 };
    e.n++;
    e.loss += m.loss;
    e.examples += m.examples;
    e.words += m.words;
    e.kept += m.kept;
    perEpoch.set(m.epoch, e);
    while (perEpoch.get(nextEpoch)?.n === n) {
      const r = perEpoch.get(nextEpoch)!;
      const t = performance.now();
      finishEpoch(run, nextEpoch, r.loss, r.examples, r.words, r.kept, (t - tEpoch) / 1000);
      tEpoch = t;
      perEpoch.delete(nextEpoch);
      nextEpoch++;
    }
  };

  const onAbort = (): void => {
    Atomics.store(abortFlag, 0, 1);
  };
  run.signal?.addEventListener('abort', onAbort);
  const timer = run.onProgress
    ? setInterval(() => {
        const w = sumDone();
        run.onProgress!(progressAt(run, nextEpoch, w, (performance.now() - t0) / 1000, learningRate(run.alpha, run.minAlpha, w, run.totalWords)));
      }, run.interval)
    : null;
  const workers: import('node:worker_threads').Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      let aborted = false;
      let failed = false;
      const failAll = (err: Error): void => {
        if (failed) return;
        failed = true;
        Atomics.store(abortFlag, 0, 1);
        for (const w of workers) void w.terminate();
        reject(err);
      };
      for (let id = 0; id < n; id++) {
        const workerData: WorkerInit = {
          ...init,
          start: Math.floor((size * id) / n),
          end: id === n - 1 ? Infinity : Math.floor((size * (id + 1)) / n),
          ...thread(id),
          id,
          control,
          nWorkers: n,
        };
        // The loop allocates almost nothing on the JS heap: a small young generation keeps each
        // thread's resident memory low (the default semi-spaces add ~16 MB per thread).
        const w = new Worker(script, { workerData, resourceLimits: { maxYoungGenerationSizeMb: 2 } });
        workers.push(w);
        w.on('message', (m: WorkerMessage) => {
          if (m.type === 'epoch') return onEpoch(m);
          if (m.type === 'aborted') aborted = true;
          if (++finished < n) return;
          if (aborted) reject(run.signal ? abortError(run.signal) : new Error('Word2Vec: training aborted'));
          else resolve();
        });
        w.on('error', (err) => failAll(new Error(`Word2Vec: worker ${id} failed: ${err.message}`, { cause: err })));
        w.on('exit', (code) => {
          if (code !== 0) failAll(new Error(`Word2Vec: worker ${id} exited with code ${code}`));
        });
      }
    });
  } finally {
    if (timer !== null) clearInterval(timer);
    run.signal?.removeEventListener('abort', onAbort);
  }
  if (run.onProgress) {
    const w = sumDone();
    run.onProgress(progressAt(run, run.epochs - 1, w, (performance.now() - t0) / 1000, run.minAlpha));
  }
}
