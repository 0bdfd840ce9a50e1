/**
 * Word2Vec: CBOW and skip-gram with negative sampling and/or hierarchical softmax (Mikolov et al.
 * 2013), trained like word2vec.c: frequent-word subsampling, a randomly shrunk window per word,
 * learning rate decaying linearly from `alpha` to `minAlpha` over all epochs, Hogwild threads each
 * on its byte range of the corpus file.
 *
 * Parameters live in the library's linear memory (`heap`), shared with worker threads. With
 * `workers: 1` training runs in-process (no worker script needed) and a seed fixes every bit of
 * the result. The loss reported per epoch is the mean, over that epoch's examples (SG: context →
 * center pairs; CBOW: center words), of the exact objective at the parameters each example saw.
 *
 * @example
 * const kv = await Word2Vec.train('text8', { sg: true, vectorSize: 100, window: 5, negative: 5,
 *   sample: 1e-4, minCount: 5, epochs: 5, onEpochEnd: (e) => console.log(e.epoch, e.loss) });
 * kv.mostSimilar('france', [], 5);
 *
 * // continued training with new words:
 * const model = new Word2Vec({ sg: true });
 * await model.buildVocab(corpusA); await model.train(corpusA);
 * await model.buildVocab(corpusB, { update: true }); await model.train(corpusB);
 */
import { Rng } from '../tensor/rng.js';
import { Tensor, heap } from '../tensor/tensor.js';
import {
  type ByteVocabTable,
  type CorpusSource,
  FileSentenceReader,
  buildByteVocab,
  checkCorpus,
  corpusPath,
  countFile,
  countIterable,
  iterableIndexSentences,
  openReadAt,
} from './corpus.js';
import { trainHogwild } from './hogwild.js';
import { KeyedVectors } from './keyed_vectors.js';
import {
  type BuildVocabOptions,
  type ResolvedOptions,
  type TrainOptions,
  type TrainReport,
  type TrainRun,
  type Word2VecOptions,
  type Word2VecProgress,
  abortError,
  check,
  finishEpoch,
  isInt,
  isNum,
  progressAt,
  resolveOptions,
} from './options.js';
import { type NetLayout, type TrainerConfig, type TrainerTables, SentenceTrainer, learningRate } from './trainer.js';
import { getBackend } from '../kernels/gemm.js';
import { kernelsModule, wasmAvailable, wasmKernels, wasmVariant } from '../kernels/wasm/backend.js';
import { type W2vWasmThread, placeW2vTables, placeW2vThread } from '../kernels/wasm/w2v.js';
import { VocabCounter, buildAliasTable, buildHuffman, finalizeVocab, keepProbabilities } from './vocab.js';

export type { BuildVocabOptions, EpochReport, TrainOptions, TrainReport, Word2VecOptions, Word2VecProgress } from './options.js';

/** Everything needed to resume training: plain data for `saveWord2VecModel` (src/io). */
export interface Word2VecState {
  options: ResolvedOptions;
  words: string[];
  counts: Float64Array;
  /** in-vocabulary words in one pass of the last scanned corpus */
  corpusWords: number;
  trainCalls: number;
  /** (V, E) */
  syn0: Float32Array;
  /** (V, E) or null */
  syn1neg: Float32Array | null;
  /** (V − 1, E) or null */
  syn1: Float32Array | null;
}

/** A one-shot iterator (a generator) cannot be read once per epoch. */
function isOneShot(corpus: CorpusSource): boolean {
  if (typeof corpus === 'string' || corpus instanceof URL) return false;
  const o = corpus as { [Symbol.asyncIterator]?: () => unknown; [Symbol.iterator]?: () => unknown };
  const get = o[Symbol.asyncIterator] ?? o[Symbol.iterator];
  return get !== undefined && get.call(corpus) === corpus;
}

const now = (): number => performance.now();

function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** The compiled worker script next to this module, or null when running from TypeScript sources. */
async function workerScript(): Promise<URL | null> {
  const url = new URL('./worker.js', import.meta.url);
  if (url.protocol !== 'file:') return null;
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  return existsSync(fileURLToPath(url)) ? url : null;
}

export class Word2Vec {
  readonly options: ResolvedOptions;
  private words: string[] = [];
  private counts: Float64Array = new Float64Array(0);
  private index = new Map<string, number>();
  private corpusWords = 0;
  private trainCalls = 0;
  private syn0: Tensor | null = null;
  private syn1neg: Tensor | null = null;
  private syn1: Tensor | null = null;
  private byteVocab: ByteVocabTable | null = null;
  private wvCache: KeyedVectors | null = null;

  constructor(options: Word2VecOptions = {}) {
    this.options = resolveOptions(options);
  }

  /**
   * Builds the vocabulary (one pass over the corpus) and trains: `new Word2Vec(opts)`,
   * `buildVocab`, `train`, then the word vectors.
   */
  static async train(corpus: CorpusSource, options: Word2VecOptions & TrainOptions = {}): Promise<KeyedVectors> {
    const model = new Word2Vec(options);
    await model.buildVocab(corpus, { signal: options.signal });
    await model.train(corpus, options);
    return model.wv;
  }

  /** Rebuilds a model saved with `toState()`. */
  static fromState(state: Omit<Word2VecState, 'options'> & { options: Word2VecOptions | Record<string, unknown> }): Word2Vec {
    const m = new Word2Vec(state.options as Word2VecOptions);
    const V = state.words.length;
    const E = m.options.vectorSize;
    const expect = (a: Float32Array | null, n: number, name: string): void => {
      if (n === 0 && a === null) return;
      if (a === null || a.length !== n) throw new Error(`Word2Vec.fromState: expected ${name} with ${n} values, got ${a === null ? 'none' : a.length}`);
    };
    if (state.counts.length !== V) throw new Error(`Word2Vec.fromState: expected ${V} counts, got ${state.counts.length}`);
    expect(state.syn0, V * E, 'syn0');
    expect(state.syn1neg, m.options.negative > 0 ? V * E : 0, 'syn1neg');
    expect(state.syn1, m.options.hs && V > 1 ? (V - 1) * E : 0, 'syn1');
    m.setVocab(state.words.slice(), Float64Array.from(state.counts));
    m.corpusWords = state.corpusWords;
    m.trainCalls = state.trainCalls;
    m.allocate(0);
    m.syn0!.data.set(state.syn0);
    if (state.syn1neg) m.syn1neg!.data.set(state.syn1neg);
    if (state.syn1) m.syn1!.data.set(state.syn1);
    return m;
  }

  /** A copy of everything needed to continue training. */
  toState(): Word2VecState {
    return {
      options: { ...this.options },
      words: this.words.slice(),
      counts: this.counts.slice(),
      corpusWords: this.corpusWords,
      trainCalls: this.trainCalls,
      syn0: (this.syn0?.data as Float32Array | undefined)?.slice() ?? new Float32Array(0),
      syn1neg: (this.syn1neg?.data as Float32Array | undefined)?.slice() ?? null,
      syn1: (this.syn1?.data as Float32Array | undefined)?.slice() ?? null,
    };
  }

  /** Vocabulary size. */
  get vocabSize(): number {
    return this.words.length;
  }

  /** The vocabulary, most frequent first (then first occurrence); appended words after an update. */
  get vocabulary(): readonly string[] {
    return this.words;
  }

  /** Count of `word` in the scanned corpora (0 if unknown). */
  count(word: string): number {
    const i = this.index.get(word);
    return i === undefined ? 0 : this.counts[i]!;
  }

  /** The current word vectors (a copy, taken once per training call). */
  get wv(): KeyedVectors {
    if (this.syn0 === null) throw new Error('Word2Vec: no vectors yet: call buildVocab and train first');
    if (this.wvCache === null) {
      this.wvCache = new KeyedVectors({ words: this.words.slice(), vectors: (this.syn0.data as Float32Array).slice(), counts: this.counts });
    }
    return this.wvCache;
  }

  /**
   * Counts the corpus in one pass and builds the vocabulary (minCount, maxVocabSize,
   * maxFinalVocab), then initializes the vectors: syn0 uniform in ±0.5/E, output layers zero.
   * With `update: true` the counts are added to the existing vocabulary, new words are appended
   * with fresh vectors, and trained vectors are kept (gensim's build_vocab(update=True)).
   */
  async buildVocab(corpus: CorpusSource, opts: BuildVocabOptions = {}): Promise<void> {
    checkCorpus(corpus);
    if (isOneShot(corpus)) {
      throw new Error('Word2Vec: the corpus is a one-shot iterator (a generator?): pass something that can be iterated once per epoch, e.g. an array or an object with a [Symbol.asyncIterator]() that starts over');
    }
    const { signal } = opts;
    const tick = (): void => {
      if (signal?.aborted) throw abortError(signal);
    };
    const counter = new VocabCounter(this.options.maxVocabSize);
    const path = corpusPath(corpus);
    // Words rarer than minCount never enter the vocabulary (finalizeVocab gives the same result without them).
    if (path !== null) await countFile(path, counter, tick, undefined, this.options.minCount);
    else await countIterable(corpus as Iterable<readonly string[]>, counter, async () => {
      tick();
      await yieldToEventLoop();
    });
    const fin = finalizeVocab(counter.counts, { minCount: this.options.minCount, maxFinalVocab: this.options.maxFinalVocab });
    let corpusWords = 0;
    for (let i = 0; i < fin.counts.length; i++) corpusWords += fin.counts[i]!;
    if (!opts.update || this.syn0 === null) {
      if (fin.words.length === 0) {
        throw new Error(`Word2Vec: no word occurs at least ${fin.effectiveMinCount} times in the corpus (${counter.rawWords} tokens): lower minCount`);
      }
      this.setVocab(fin.words, fin.counts);
      this.corpusWords = corpusWords;
      this.allocate(0);
      return;
    }
    const oldV = this.words.length;
    const words = this.words.slice();
    const counts = Array.from(this.counts);
    for (let i = 0; i < fin.words.length; i++) {
      const w = fin.words[i]!;
      const j = this.index.get(w);
      if (j === undefined) {
        words.push(w);
        counts.push(fin.counts[i]!);
      } else counts[j]! += fin.counts[i]!;
    }
    this.setVocab(words, Float64Array.from(counts));
    this.corpusWords = corpusWords;
    this.allocate(oldV);
  }

  private setVocab(words: string[], counts: Float64Array): void {
    this.words = words;
    this.counts = counts;
    this.index = new Map();
    for (let i = 0; i < words.length; i++) this.index.set(words[i]!, i);
    this.byteVocab = null;
    this.wvCache = null;
  }

  /** (Re)allocates the parameters for the current vocabulary, keeping rows [0, keep). */
  private allocate(keep: number): void {
    const V = this.words.length;
    const E = this.options.vectorSize;
    const grow = (old: Tensor | null, rows: number, keepRows: number): Tensor => {
      const t = Tensor.persistent([rows, E]);
      if (old !== null && keepRows > 0) t.data.set(old.data.subarray(0, Math.min(keepRows, old.shape[0]!) * E));
      return t;
    };
    this.syn0 = grow(this.syn0, V, keep);
    const syn0 = this.syn0.data;
    // New rows: uniform in [−0.5/E, 0.5/E) (word2vec.c), from a stream fixed by (seed, first row).
    const rng = new Rng((this.options.seed + Math.imul(keep, 0x9e3779b1)) >>> 0);
    for (let i = keep * E; i < V * E; i++) syn0[i] = (rng.next() - 0.5) / E;
    this.syn1neg = this.options.negative > 0 ? grow(this.syn1neg, V, keep) : null;
    this.syn1 = this.options.hs && V > 1 ? grow(this.syn1, V - 1, Math.max(0, keep - 1)) : null;
  }

  private layout(): NetLayout {
    return {
      V: this.words.length,
      E: this.options.vectorSize,
      syn0Ptr: this.syn0!.ptr,
      syn1negPtr: this.syn1neg?.ptr ?? 0,
      syn1Ptr: this.syn1?.ptr ?? 0,
    };
  }

  private tables(): TrainerTables {
    let total = 0;
    for (let i = 0; i < this.counts.length; i++) total += this.counts[i]!;
    const { aliasProb, aliasIdx } = this.options.negative > 0 ? buildAliasTable(this.counts, this.options.nsExponent) : { aliasProb: new Float32Array(0), aliasIdx: new Int32Array(0) };
    return {
      keep: keepProbabilities(this.counts, this.options.sample, total),
      aliasProb,
      aliasIdx,
      tree: this.options.hs ? buildHuffman(this.counts) : null,
    };
  }

  private trainerConfig(): TrainerConfig {
    const o = this.options;
    return { sg: o.sg, hs: o.hs, negative: o.negative, window: o.window, cbowMean: o.cbowMean, computeLoss: o.computeLoss, maxSentenceLength: o.maxSentenceLength };
  }

  /** xoshiro state for thread `id` of this training call. */
  private rngState(id: number): Uint32Array {
    const rng = new Rng((this.options.seed ^ Math.imul(this.trainCalls + 1, 0x9e3779b1) ^ Math.imul(id + 1, 0x85ebca6b)) >>> 0);
    return Uint32Array.from([rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32() | 1]);
  }

  /**
   * The wasm kernel's blocks in the heap for `rngs.length` threads, or null for the JS loop (the
   * backend is `ref`, wasm does not load, or the heap is not shared: views into it must not be
   * detached by growth while training). `free()` releases them.
   */
  private placeWasm(tables: TrainerTables, rngs: Uint32Array[]): { module: WebAssembly.Module; threads: W2vWasmThread[]; free(): void } | null {
    if (getBackend() === 'ref' || !heap.shared || !wasmAvailable()) return null;
    const layout = this.layout();
    const t = placeW2vTables(tables, layout.V);
    const threads = rngs.map((rng) => placeW2vThread(layout, this.trainerConfig(), t, rng));
    return {
      module: kernelsModule(wasmVariant()!, true),
      threads,
      free: () => {
        for (const th of threads) heap.free(th.block);
        heap.free(t.block);
      },
    };
  }

  /**
   * Trains on `corpus` (a file path or a re-iterable of token arrays) for `epochs` passes.
   * Resolves with per-epoch reports; rejects with the signal's reason when aborted (the vectors
   * keep what was learnt so far).
   */
  async train(corpus: CorpusSource, opts: TrainOptions = {}): Promise<TrainReport> {
    checkCorpus(corpus);
    if (this.syn0 === null) throw new Error('Word2Vec: no vocabulary: call buildVocab(corpus) before train');
    if (isOneShot(corpus)) throw new Error('Word2Vec: the corpus is a one-shot iterator (a generator?): pass something that can be iterated once per epoch');
    const epochs = opts.epochs ?? this.options.epochs;
    const alpha = opts.alpha ?? this.options.alpha;
    const minAlpha = opts.minAlpha ?? (opts.alpha !== undefined ? alpha * 1e-4 : this.options.minAlpha);
    check(isInt(epochs, 1), 'epochs to be a positive integer', epochs);
    check(isNum(alpha, 0), 'alpha to be a number ≥ 0', alpha);
    check(isNum(minAlpha, 0), 'minAlpha to be a number ≥ 0', minAlpha);
    const perEpoch = opts.totalWords ?? this.corpusWords;
    check(isNum(perEpoch, 0), 'totalWords to be a number ≥ 0', perEpoch);
    const path = corpusPath(corpus);
    const script = await workerScript();
    let workers = opts.workers ?? this.options.workers;
    if (workers !== null) check(isInt(workers, 1), 'workers to be a positive integer', workers);
    if (workers === null) {
      const os = await import('node:os');
      workers = script !== null && path !== null && heap.shared ? os.availableParallelism() : 1;
    }
    if (workers > 1 && path === null) {
      throw new Error(`Word2Vec: workers: ${workers} needs a corpus file (each thread reads its byte range); for token-array corpora use workers: 1`);
    }
    if (workers > 1 && script === null) {
      throw new Error(`Word2Vec: workers: ${workers} needs the compiled worker script ${new URL('./worker.js', import.meta.url).href} (running from TypeScript sources? run 'npm run build' and import the package from dist/), or use workers: 1`);
    }
    if (workers > 1 && !heap.shared) throw new Error('Word2Vec: worker threads need shared memory (SharedArrayBuffer), which this platform does not provide; use workers: 1');
    const run: TrainRun = {
      epochs,
      alpha,
      minAlpha,
      totalWords: perEpoch * epochs,
      computeLoss: this.options.computeLoss,
      onProgress: opts.onProgress,
      onEpochEnd: opts.onEpochEnd,
      interval: opts.progressInterval ?? 1000,
      signal: opts.signal,
      reports: [],
    };
    const t0 = now();
    this.wvCache = null;
    try {
      if (workers > 1) {
        this.byteVocab ??= buildByteVocab(this.words);
        const tables = this.tables();
        const rngs = Array.from({ length: workers }, (_, id) => this.rngState(id));
        const placed = this.placeWasm(tables, rngs);
        // With the wasm kernel the tables are in the heap already: the threads get empty ones.
        const posted = placed ? { keep: new Float32Array(0), aliasProb: new Float32Array(0), aliasIdx: new Int32Array(0), tree: null } : tables;
        const init = { memory: heap.memory, layout: this.layout(), tables: posted, cfg: this.trainerConfig(), vocab: this.byteVocab, path: path! };
        try {
          await trainHogwild(
            script!,
            workers,
            { ...init, epochs, alpha, minAlpha, totalWords: run.totalWords },
            (id) => ({ rng: rngs[id]!, wasm: placed ? { module: placed.module, argsPtr: placed.threads[id]!.argsPtr, wordsPtr: placed.threads[id]!.wordsPtr } : null }),
            run,
          );
        } finally {
          placed?.free();
        }
      }
      else await this.trainInProcess(corpus, path, run);
    } finally {
      this.trainCalls++;
      this.wvCache = null;
    }
    const seconds = (now() - t0) / 1000;
    const words = run.reports.reduce((s, e) => s + e.words, 0);
    return { epochs: run.reports, words, seconds, wordsPerSec: seconds > 0 ? words / seconds : 0, workers };
  }

  /** workers: 1 — the training loop on this thread, yielding to the event loop every 50 ms. */
  private async trainInProcess(corpus: CorpusSource, path: string | null, run: TrainRun): Promise<void> {
    const { epochs, alpha, minAlpha, totalWords, signal } = run;
    const cfg = this.trainerConfig();
    if (signal?.aborted) throw abortError(signal);
    const tables = this.tables();
    const rng = this.rngState(0);
    const placed = this.placeWasm(tables, [rng]);
    const wasm = placed ? { kernels: wasmKernels()!, argsPtr: placed.threads[0]!.argsPtr, wordsPtr: placed.threads[0]!.wordsPtr } : null;
    const trainer = new SentenceTrainer(heap.buffer, this.layout(), tables, cfg, rng, wasm);
    const words = trainer.input;
    let file: Awaited<ReturnType<typeof openReadAt>> | null = null;
    try {
      file = path !== null ? await openReadAt(path) : null;
    } catch (e) {
      placed?.free();
      throw e;
    }
    const t0 = now();
    let lastYield = t0;
    let lastProgress = t0;
    let done = 0;
    let a = alpha;
    let epoch = 0;
    const progress = (): Word2VecProgress => progressAt(run, epoch, done, (now() - t0) / 1000, a);
    const between = async (): Promise<void> => {
      if (signal?.aborted) throw abortError(signal);
      const t = now();
      if (t - lastYield < 50) return;
      if (run.onProgress && t - lastProgress >= run.interval) {
        lastProgress = t;
        run.onProgress(progress());
      }
      await yieldToEventLoop();
      lastYield = now();
      if (signal?.aborted) throw abortError(signal);
    };
    try {
      if (file !== null) this.byteVocab ??= buildByteVocab(this.words);
      const reader = file !== null ? new FileSentenceReader(file.readAt, this.byteVocab!, 0, Infinity, cfg.maxSentenceLength) : null;
      for (epoch = 0; epoch < epochs; epoch++) {
        const te = now();
        let epochWords = 0;
        let kept = 0;
        const step = (n: number): void => {
          a = learningRate(alpha, minAlpha, done, totalWords);
          kept += trainer.train(words, n, a);
          done += n;
          epochWords += n;
        };
        if (reader !== null) {
          reader.rewind();
          for (let n = reader.next(words); n >= 0; n = reader.next(words)) {
            if (n > 0) step(n);
            await between();
          }
        } else {
          for await (const n of iterableIndexSentences(corpus as Iterable<readonly string[]>, this.index, words, cfg.maxSentenceLength)) {
            if (n > 0) step(n);
            await between();
          }
        }
        const [loss, examples] = trainer.takeStats();
        finishEpoch(run, epoch, loss, examples, epochWords, kept, (now() - te) / 1000);
      }
      if (run.onProgress) run.onProgress(progress());
    } finally {
      file?.close();
      placed?.free();
    }
  }
}
