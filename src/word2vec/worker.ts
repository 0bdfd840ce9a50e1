/**
 * A Hogwild training thread (word2vec.c's TrainModelThread): trains on its byte range of the
 * corpus file for all epochs, reading and writing the parameters in the shared memory it was
 * given, with no locks. Runs only compiled (dist/word2vec/worker.js).
 *
 * Protocol: `workerData` is a `WorkerInit`. The thread publishes its running word count in
 * `control` (Float64 slot `id`; the learning rate follows the sum over all threads, as
 * word2vec.c's word_count_actual), polls the abort flag (Int32 after the Float64 slots) once per
 * sentence, and posts `WorkerMessage`s: one 'epoch' per finished epoch, then 'done' or 'aborted'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FileSentenceReader, openReadAt, type ByteVocabTable } from './corpus.js';
import { type NetLayout, type TrainerConfig, type TrainerTables, SentenceTrainer, abortFlagOffset, learningRate } from './trainer.js';
import type { KernelExports } from '../kernels/wasm/backend.js';

export interface WorkerInit {
  memory: WebAssembly.Memory;
  layout: NetLayout;
  tables: TrainerTables;
  cfg: TrainerConfig;
  vocab: ByteVocabTable;
  path: string;
  start: number;
  end: number;
  rng: Uint32Array;
  /**
   * the compiled kernels (`kernelsModule`, posted: no decoding or compiling here) and this
   * thread's block (src/kernels/wasm/w2v.ts), or null for the JS loop
   */
  wasm: { module: WebAssembly.Module; argsPtr: number; wordsPtr: number } | null;
  epochs: number;
  alpha: number;
  minAlpha: number;
  /** in-vocabulary words over all epochs and threads */
  totalWords: number;
  /** Float64 (nWorkers) words done per thread, then Int32 abort flag */
  control: SharedArrayBuffer;
  id: number;
  nWorkers: number;
}

export type WorkerMessage =
  | { type: 'epoch'; id: number; epoch: number; loss: number; examples: number; words: number; kept: number }
  | { type: 'done'; id: number }
  | { type: 'aborted'; id: number };

async function run(init: WorkerInit): Promise<void> {
  const port = parentPort!;
  // The module has no state of its own: this thread's instance works on the same shared memory.
  let wasm = null;
  if (init.wasm !== null) {
    const kernels = new WebAssembly.Instance(init.wasm.module, { env: { memory: init.memory } }).exports as unknown as KernelExports;
    wasm = { kernels, argsPtr: init.wasm.argsPtr, wordsPtr: init.wasm.wordsPtr };
  }
  const trainer = new SentenceTrainer(init.memory.buffer, init.layout, init.tables, init.cfg, init.rng, wasm);
  const done = new Float64Array(init.control, 0, init.nWorkers);
  const abort = new Int32Array(init.control, abortFlagOffset(init.nWorkers), 1);
  const file = await openReadAt(init.path);
  const reader = new FileSentenceReader(file.readAt, init.vocab, init.start, init.end, init.cfg.maxSentenceLength);
  const words = trainer.input;
  let mine = 0;
  try {
    for (let epoch = 0; epoch < init.epochs; epoch++) {
      reader.rewind();
      let epochWords = 0;
      let kept = 0;
      for (;;) {
        if (Atomics.load(abort, 0) !== 0) {
          port.postMessage({ type: 'aborted', id: init.id } satisfies WorkerMessage);
          return;
        }
        const n = reader.next(words);
        if (n < 0) break;
        if (n === 0) continue;
        let all = 0;
        for (let i = 0; i < init.nWorkers; i++) all += done[i]!;
        kept += trainer.train(words, n, learningRate(init.alpha, init.minAlpha, all, init.totalWords));
        mine += n;
        epochWords += n;
        done[init.id] = mine;
      }
      const [loss, examples] = trainer.takeStats();
      port.postMessage({ type: 'epoch', id: init.id, epoch, loss, examples, words: epochWords, kept } satisfies WorkerMessage);
    }
    port.postMessage({ type: 'done', id: init.id } satisfies WorkerMessage);
  } finally {
    file.close();
  }
}

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'layout' in workerData) {
  await run(workerData as WorkerInit);
}
