/**
 * Word2Vec options, their validation, and the reports training hands back (progress, epochs).
 */
import { MAX_SENTENCE_LENGTH } from './corpus.js';

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

/** Options with every default filled in. */
export type ResolvedOptions = Required<Omit<Word2VecOptions, 'maxVocabSize' | 'maxFinalVocab' | 'workers'>> & {
  maxVocabSize: number | null;
  maxFinalVocab: number | null;
  workers: number | null;
};

export function check(cond: boolean, what: string, got: unknown): void {
  if (!cond) throw new Error(`Word2Vec: expected ${what}, got ${JSON.stringify(got) ?? String(got)}`);
}

export const isInt = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;
export const isNum = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= min;

export function resolveOptions(o: Word2VecOptions): ResolvedOptions {
  const sg = o.sg ?? false;
  const alpha = o.alpha ?? (sg ? 0.025 : 0.05);
  const r: ResolvedOptions = {
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

/** The signal's reason if it is an Error, else an AbortError. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('Word2Vec: training aborted');
  e.name = 'AbortError';
  return e;
}

/** One training call's settings and its collected reports. */
export interface TrainRun {
  epochs: number;
  alpha: number;
  minAlpha: number;
  /** in-vocabulary words over all epochs */
  totalWords: number;
  computeLoss: boolean;
  onProgress: ((p: Word2VecProgress) => void) | undefined;
  onEpochEnd: ((e: EpochReport) => void) | undefined;
  /** ms between onProgress calls */
  interval: number;
  signal: AbortSignal | undefined;
  reports: EpochReport[];
}

/** Records epoch `epoch` (0-based) and calls onEpochEnd. */
export function finishEpoch(run: TrainRun, epoch: number, loss: number, examples: number, words: number, kept: number, seconds: number): void {
  const e: EpochReport = {
    epoch: epoch + 1,
    loss: run.computeLoss && examples > 0 ? loss / examples : NaN,
    examples,
    words,
    keptWords: kept,
    seconds,
    wordsPerSec: seconds > 0 ? words / seconds : 0,
  };
  run.reports.push(e);
  run.onEpochEnd?.(e);
}

/** Progress after `words` words in `elapsed` seconds, during epoch `epoch` (0-based). */
export function progressAt(run: TrainRun, epoch: number, words: number, elapsed: number, alpha: number): Word2VecProgress {
  const wps = elapsed > 0 ? words / elapsed : 0;
  return {
    epoch: Math.min(epoch, run.epochs - 1) + 1,
    epochs: run.epochs,
    words,
    totalWords: run.totalWords,
    progress: run.totalWords > 0 ? Math.min(1, words / run.totalWords) : 0,
    wordsPerSec: wps,
    etaSeconds: wps > 0 ? Math.max(0, run.totalWords - words) / wps : Infinity,
    elapsedSeconds: elapsed,
    alpha,
  };
}
