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
  MAX_SENTENCE_LENGTH,
  buildByteVocab,
  checkCorpus,
  corpusPath,
  countFile,
  countIterable,
  iterableIndexSentences,
  openReadAt,
} from './corpus.js';
import { KeyedVectors } from './keyed_vectors.js';
import { type NetLayout, type TrainerConfig, type TrainerTables, SentenceTrainer, learningRate } from './trainer.js';
import { VocabCounter, buildAliasTable, buildHuffman, finalizeVocab, keepProbabilities } from './vocab.js';
import type { WorkerInit, WorkerMessage } from './worker.js';

/** Model and vocabulary options (gensim's names in camelCase; defaults are word2vec.c's). */
export interface Word2VecOptions {
  /** E, default 100 */
  vectorSize?: number;
  /** maximum distance between center and context word, default 5 */
  window?: number;
  /** skip-gram (true) or CBOW (false, default) */
  sg?: boolean;
  /** hierarchical softmax, default false */
  hs?: boolean;
  /** negatives per example, 0 = none; default 5 */
  negative?: number;
  /** exponent of the negative-sampling distribution count^x, default 0.75 */
  nsExponent?: number;
  /** CBOW hidden layer = mean (default) or sum of the window's vectors */
  cbowMean?: boolean;
  /** subsampling threshold, 0 = off; default 1e-3 */
  sample?: number;
  /** ignore words seen fewer times, default 5 */
  minCount?: number;
  /** bound on the distinct words held while counting (word2vec.c's ReduceVocab); default none */
  maxVocabSize?: number | null;
  /** keep at most this many words (raising minCount as gensim does); default none */
  maxFinalVocab?: number | null;
  /** initial learning rate, default 0.025 (SG) or 0.05 (CBOW) */
  alpha?: number;
  /** final learning rate, default alpha · 1e-4 */
  minAlpha?: number;
  /** passes over the corpus, default 5 */
  epochs?: number;
  /** random seed (initial vectors, subsampling, windows, negatives), default 1 */
  seed?: number;
  /** training threads; default all cores when running compiled, else 1. 1 is deterministic. */
  workers?: number | null;
  /** compute the per-epoch loss (costs a few percent), default true */
  computeLoss?: boolean;
  /** sentences are cut every this many tokens, default 10000 */
  maxSentenceLength?: number;
}

/** Progress, reported every `progressInterval` ms while training. */
export interface Word2VecProgress {
  /** current epoch, 1-based */
  epoch: number;
  epochs: number;
  /** in-vocabulary words processed (before subsampling), all epochs */
  words: number;
  totalWords: number;
  /** words / totalWords */
  progress: number;
  wordsPerSec: number;
  etaSeconds: number;
  elapsedSeconds: number;
  alpha: number;
}

export interface EpochReport {
  /** 1-based */
  epoch: number;
  /** mean loss per example (NaN when computeLoss is false) */
  loss: number;
  examples: number;
  /** in-vocabulary words read (before subsampling) */
  words: number;
  /** words left after subsampling */
  keptWords: number;
  seconds: number;
  wordsPerSec: number;
}

export interface TrainReport {
  epochs: EpochReport[];
  words: number;
  seconds: number;
  wordsPerSec: number;
  workers: number;
}

/** Options of one `train` call (override the model's epochs / alpha / minAlpha / workers). */
export interface TrainOptions {
  epochs?: number;
  alpha?: number;
  minAlpha?: number;
  workers?: number;
  /** in-vocabulary words per epoch, for the schedule and ETA; default: from the last vocabulary scan */
  totalWords?: number;
  onProgress?: (p: Word2VecProgress) => void;
  onEpochEnd?: (e: EpochReport) => void;
  /** ms between onProgress calls, default 1000 */
  progressInterval?: number;
  signal?: AbortSignal;
}

export interface BuildVocabOptions {
  /** add the corpus's words to an existing vocabulary (online training), default false */
  update?: boolean;
  signal?: AbortSignal;
}

/** Everything needed to resume training: plain data for `saveWord2VecModel` (src/io). */
export interface Word2VecState {
  options: Required<Omit<Word2VecOptions, 'maxVocabSize' | 'maxFinalVocab' | 'workers'>> & {
    maxVocabSize: number | null;
    maxFinalVocab: number | null;
    workers: number | null;
  };
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

type Resolved = Word2VecState['options'];

function check(cond: boolean, what: string, got: unknown): void {
  if (!cond) throw new Error(`Word2Vec: expected ${what}, got ${JSON.stringify(got) ?? String(got)}`);
}

const isInt = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;
const isNum = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min;

function resolveOptions(o: Word2VecOptions): Resolved {
  const sg = o.sg ?? false;
  const alpha = o.alpha ?? (sg ? 0.025 : 0.05);
  const r: Resolved = {
    vectorSize: o.vectorSize ?? 100,
    window: o.window ?? 5,
    sg,
    hs: o.hs ?? false,
    negative: o.negative ?? 5,
    nsExponent: o.nsExponent ?? 0.75,
    cbowMean: o.cbowMean ?? true,
    sample: o.sample ?? 1e-3,
    minCount: o.minCount ?? 5,
    maxVocabSize: o.maxVocabSize ?? null,
    maxFinalVocab: o.maxFinalVocab ?? null,
    alpha,
    minAlpha: o.minAlpha ?? alpha * 1e-4,
    epochs: o.epochs ?? 5,
    seed: o.seed ?? 1,
    workers: o.workers ?? null,
    computeLoss: o.computeLoss ?? true,
    maxSentenceLength: o.maxSentenceLength ?? MAX_SENTENCE_LENGTH,
  };
  check(isInt(r.vectorSize, 1), 'vectorSize to be a positive integer', r.vectorSize);
  check(isInt(r.window, 1), 'window to be a positive integer', r.window);
  check(isInt(r.negative, 0), 'negative to be an integer ≥ 0', r.negative);
  check(r.hs || r.negative > 0, 'hs: true or negative > 0 (no output layer otherwise)', { hs: r.hs, negative: r.negative });
  check(isNum(r.nsExponent, -Infinity), 'nsExponent to be a finite number', r.nsExponent);
  check(isNum(r.sample, 0), 'sample to be a number ≥ 0', r.sample);
  check(isInt(r.minCount, 1), 'minCount to be a positive integer', r.minCount);
  check(r.maxVocabSize === null || isInt(r.maxVocabSize, 1), 'maxVocabSize to be a positive integer or null', r.maxVocabSize);
  check(r.maxFinalVocab === null || isInt(r.maxFinalVocab, 1), 'maxFinalVocab to be a positive integer or null', r.maxFinalVocab);
  check(isNum(r.alpha, 0), 'alpha to be a number ≥ 0', r.alpha);
  check(isNum(r.minAlpha, 0), 'minAlpha to be a number ≥ 0', r.minAlpha);
  check(isInt(r.epochs, 1), 'epochs to be a positive integer', r.epochs);
  check(Number.isInteger(r.seed), 'seed to be an integer', r.seed);
  check(r.workers === null || isInt(r.workers, 1), 'workers to be a positive integer', r.workers);
  check(isInt(r.maxSentenceLength, 1), 'maxSentenceLength to be a positive integer', r.maxSentenceLength);
  return r;
}

/** An AbortError carrying the signal's reason. */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('Word2Vec: training aborted');
  e.name = 'AbortError';
  return e;
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
  readonly options: Resolved;
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
    if (path !== null) await countFile(path, counter, tick);
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
    const run: Run = {
      epochs,
      alpha,
      minAlpha,
      totalWords: perEpoch * epochs,
      onProgress: opts.onProgress,
      onEpochEnd: opts.onEpochEnd,
      interval: opts.progressInterval ?? 1000,
      signal: opts.signal,
      reports: [],
    };
    const t0 = now();
    this.wvCache = null;
    try {
      if (workers > 1) await this.trainThreads(path!, script!, workers, run);
      else await this.trainInProcess(corpus, path, run);
    } finally {
      this.trainCalls++;
      this.wvCache = null;
    }
    const seconds = (now() - t0) / 1000;
    const words = run.reports.reduce((s, e) => s + e.words, 0);
    return { epochs: run.reports, words, seconds, wordsPerSec: seconds > 0 ? words / seconds : 0, workers };
  }

  private async trainInProcess(corpus: CorpusSource, path: string | null, run: Run): Promise<void> {
    const { epochs, alpha, minAlpha, totalWords, signal } = run;
    const cfg = this.trainerConfig();
    const trainer = new SentenceTrainer(heap.buffer, this.layout(), this.tables(), cfg, this.rngState(0));
    const words = new Int32Array(cfg.maxSentenceLength);
    if (signal?.aborted) throw abortError(signal);
    const file = path !== null ? await openReadAt(path) : null;
    const t0 = now();
    let lastYield = t0;
    let lastProgress = t0;
    let done = 0;
    let a = alpha;
    let epoch = 0;
    const progress = (): Word2VecProgress => {
      const elapsed = (now() - t0) / 1000;
      const wps = elapsed > 0 ? done / elapsed : 0;
      return {
        epoch: epoch + 1,
        epochs,
        words: done,
        totalWords,
        progress: totalWords > 0 ? Math.min(1, done / totalWords) : 0,
        wordsPerSec: wps,
        etaSeconds: wps > 0 ? Math.max(0, totalWords - done) / wps : Infinity,
        elapsedSeconds: elapsed,
        alpha: a,
      };
    };
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
        this.finishEpoch(run, epoch, loss, examples, epochWords, kept, (now() - te) / 1000);
      }
      if (run.onProgress) run.onProgress(progress());
    } finally {
      file?.close();
    }
  }

  private finishEpoch(run: Run, epoch: number, loss: number, examples: number, words: number, kept: number, seconds: number): void {
    const e: EpochReport = {
      epoch: epoch + 1,
      loss: this.options.computeLoss && examples > 0 ? loss / examples : NaN,
      examples,
      words,
      keptWords: kept,
      seconds,
      wordsPerSec: seconds > 0 ? words / seconds : 0,
    };
    run.reports.push(e);
    run.onEpochEnd?.(e);
  }

  /** Hogwild: `n` worker threads, thread i on bytes [i·size/n, (i+1)·size/n) of the file. */
  private async trainThreads(path: string, script: URL, n: number, run: Run): Promise<void> {
    if (run.signal?.aborted) throw abortError(run.signal);
    const { Worker } = await import('node:worker_threads');
    const fs = await import('node:fs');
    const size = fs.statSync(path).size;
    this.byteVocab ??= buildByteVocab(this.words);
    const control = new SharedArrayBuffer(n * 8 + 8);
    const done = new Float64Array(control, 0, n);
    const abortFlag = new Int32Array(control, n * 8, 1);
    const tables = this.tables();
    const base = {
      memory: heap.memory,
      layout: this.layout(),
      tables,
      cfg: this.trainerConfig(),
      vocab: this.byteVocab,
      path,
      epochs: run.epochs,
      alpha: run.alpha,
      minAlpha: run.minAlpha,
      totalWords: run.totalWords,
      control,
      nWorkers: n,
    };
    const t0 = now();
    let tEpoch = t0;
    const perEpoch = new Map<number, { n: number; loss: number; examples: number; words: number; kept: number }>();
    let nextEpoch = 0;
    const workers: import('node:worker_threads').Worker[] = [];
    const onAbort = (): void => {
      Atomics.store(abortFlag, 0, 1);
    };
    run.signal?.addEventListener('abort', onAbort);
    const sumDone = (): number => {
      let s = 0;
      for (let i = 0; i < n; i++) s += done[i]!;
      return s;
    };
    const timer = run.onProgress
      ? setInterval(() => {
          const w = sumDone();
          const elapsed = (now() - t0) / 1000;
          const wps = elapsed > 0 ? w / elapsed : 0;
          run.onProgress!({
            epoch: Math.min(run.epochs, nextEpoch + 1),
            epochs: run.epochs,
            words: w,
            totalWords: run.totalWords,
            progress: run.totalWords > 0 ? Math.min(1, w / run.totalWords) : 0,
            wordsPerSec: wps,
            etaSeconds: wps > 0 ? Math.max(0, run.totalWords - w) / wps : Infinity,
            elapsedSeconds: elapsed,
            alpha: learningRate(run.alpha, run.minAlpha, w, run.totalWords),
          });
        }, run.interval)
      : null;
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
          const init: WorkerInit = {
            ...base,
            start: Math.floor((size * id) / n),
            end: id === n - 1 ? Infinity : Math.floor((size * (id + 1)) / n),
            rng: this.rngState(id),
            id,
          };
          const w = new Worker(script, { workerData: init });
          workers.push(w);
          w.on('message', (m: WorkerMessage) => {
            if (m.type === 'epoch') {
              const e = perEpoch.get(m.epoch) ?? { n: 0, loss: 0, examples: 0, words: 0, kept: 0 };
              e.n++;
              e.loss += m.loss;
              e.examples += m.examples;
              e.words += m.words;
              e.kept += m.kept;
              perEpoch.set(m.epoch, e);
              while (perEpoch.get(nextEpoch)?.n === n) {
                const r = perEpoch.get(nextEpoch)!;
                const t = now();
                this.finishEpoch(run, nextEpoch, r.loss, r.examples, r.words, r.kept, (t - tEpoch) / 1000);
                tEpoch = t;
                perEpoch.delete(nextEpoch);
                nextEpoch++;
              }
            } else {
              if (m.type === 'aborted') aborted = true;
              if (++finished === n) {
                if (aborted) reject(run.signal ? abortError(run.signal) : new Error('Word2Vec: training aborted'));
                else resolve();
              }
            }
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
  }
}

interface Run {
  epochs: number;
  alpha: number;
  minAlpha: number;
  totalWords: number;
  onProgress: ((p: Word2VecProgress) => void) | undefined;
  onEpochEnd: ((e: EpochReport) => void) | undefined;
  interval: number;
  signal: AbortSignal | undefined;
  reports: EpochReport[];
}
