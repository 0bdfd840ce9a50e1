/**
 * Text classification with recurrent networks: tokenizer → vocabulary → Embedding (random or
 * pretrained word2vec, frozen or fine-tuned) → (Bi)LSTM / (Bi)GRU, 1–N layers → pooling (last
 * state, max, mean or attention) → Dense → softmax. Binary and multi-class.
 *
 * Padding never changes a result: batches are right-padded with id 0 and the embedding masks it,
 * so recurrent layers skip padded steps (state carried, no output) and pooling ignores them; a
 * sentence scored alone or inside a padded batch gets the same probabilities. Training batches
 * are bucketed by length so little time goes into padding.
 */
import { arena, Tensor } from '../../tensor/tensor.js';
import { Rng } from '../../tensor/rng.js';
import { Var, backward, recording, tape } from '../../autograd/tape.js';
import { Dense, Dropout, Embedding } from '../../nn/layers.js';
import { Bidirectional, GRU, LSTM } from '../../nn/recurrent.js';
import type { RecurrentLayer } from '../../nn/recurrent.js';
import { AttentionPooling, GlobalAveragePooling1D, GlobalMaxPooling1D } from '../../nn/pooling.js';
import type { Layer } from '../../nn/layer.js';
import { CrossEntropy } from '../../nn/losses.js';
import { Adam } from '../../nn/optimizers.js';
import { ExponentialLR } from '../../nn/schedules.js';
import { sumSquares } from '../../kernels/ref/optim.js';
import { Sequential } from '../../train/model.js';
import { loadModel, readModelMetadata, saveModel } from '../../train/serialize.js';
import { CharTokenizer, WordTokenizer, BPETokenizer } from '../../text/tokenizers.js';
import type { CharTokenizerOptions, WordTokenizerOptions, CharTokenizerJSON, WordTokenizerJSON, BPETokenizerJSON } from '../../text/tokenizers.js';
import { Vocabulary } from '../../text/vocab.js';
import type { VocabularyJSON } from '../../text/vocab.js';
import { LabelEncoder } from '../../text/labels.js';
import { bucketByLength } from '../../text/sequences.js';
import { loadWord2VecFormat, loadWordVectorsSafetensors } from '../../io/word2vec_format.js';
import { classificationReport } from './metrics.js';
import type { ClassificationReport } from './metrics.js';
import { LazyRowAdam, rowSumSquares, touchedRows } from './lazy_adam.js';

/** Word vectors to start the embedding from. */
export interface PretrainedEmbeddings {
  /** A word2vec text or binary file (`.bin`, or detected), or a `.safetensors` file of word vectors. */
  path?: string;
  /** Vectors already in memory (e.g. a `KeyedVectors` from `Word2Vec`). */
  vectors?: { words: readonly string[]; vectors: Float32Array; dim?: number };
  /** Keep the vectors fixed during training (Kim's "static"). Default false (fine-tuned). */
  freeze?: boolean;
  /** word2vec files: binary or text; default detected. */
  binary?: boolean;
  /** Read at most this many vectors (the first = most frequent ones). */
  limit?: number;
}

/** Options of {@link TextClassifier.create}. */
export interface TextClassifierOptions {
  /** `'word'` (default), `'char'` or `'bpe'` (subwords learnt from the training texts). */
  tokenizer?: 'word' | 'char' | 'bpe';
  /**
   * Options of the word tokenizer (also the pre-tokenizer of `'bpe'`) or of the char tokenizer.
   * The word tokenizer defaults to lower-casing, punctuation and contraction splitting and
   * `stripHtml: true`.
   */
  tokenizerOptions?: WordTokenizerOptions | CharTokenizerOptions;
  /** Largest vocabulary (special tokens included); for `'bpe'` the number of subword symbols. Default 30000 (bpe 8000). */
  vocabSize?: number;
  /** Words seen fewer times in the training texts become `<unk>`. Default 1 (every word). */
  minFreq?: number;
  /** Longest sequence in tokens; longer texts are cut as `truncation` says. Default 400. */
  maxLen?: number;
  /** Which part of a long text to keep: its start, its end, or both halves (default, Sun et al. 2019). */
  truncation?: 'head' | 'tail' | 'head+tail';
  /** Embedding size. Default 128; with `pretrained`, the vectors' size. */
  embeddingDim?: number;
  /** Start the embedding from word vectors. Words without a vector are drawn at random with the vectors' scale. */
  pretrained?: PretrainedEmbeddings | null;
  /** Default 'lstm'. */
  cell?: 'lstm' | 'gru';
  /** Read the text in both directions. Default true. */
  bidirectional?: boolean;
  /** Stacked recurrent layers. Default 1. */
  numLayers?: number;
  /** Hidden units per direction. Default 128. */
  units?: number;
  /** How the sequence of hidden states becomes one vector: `'last'` state, `'max'` (default), `'mean'`, `'attention'`. */
  pooling?: 'last' | 'max' | 'mean' | 'attention';
  /** Size of the attention pooling's hidden layer. Default 2 × units. */
  attentionUnits?: number;
  /** Dropout on the embeddings (one mask per sentence), between stacked layers and before the output layer. Default 0.5. */
  dropout?: number;
  /** Loss weights per class: `'balanced'` (n / (C · n_c), from the first training set) or one weight per class. Default none. */
  classWeights?: 'balanced' | number[] | null;
  /** The class names in id order. Default: the sorted distinct labels of the first training set. */
  classes?: string[] | null;
  /** Seed of the initialization, shuffling and dropout. Default 0. */
  seed?: number;
}

type ResolvedOptions = Required<Omit<TextClassifierOptions, 'pretrained' | 'tokenizerOptions' | 'classes' | 'classWeights'>> & {
  tokenizerOptions: WordTokenizerOptions | CharTokenizerOptions;
  pretrained: Omit<PretrainedEmbeddings, 'vectors'> | null;
  classWeights: 'balanced' | number[] | null;
  classes: string[] | null;
};

/** Early stopping on the validation set. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. Default 3. */
  patience?: number;
  /** What must improve: validation `'accuracy'` (default) or `'loss'`. */
  monitor?: 'accuracy' | 'loss';
  /** Put back the weights of the best epoch at the end. Default true. */
  restoreBest?: boolean;
}

/** Labelled texts. */
export interface LabeledTexts {
  texts: readonly string[];
  labels: readonly (string | number)[];
}

/** Progress within an epoch (for progress bars). */
export interface BatchReport {
  epoch: number;
  epochs: number;
  /** Batches done in this epoch / in all. */
  step: number;
  steps: number;
  /** Mean training loss and accuracy of the epoch so far. */
  loss: number;
  accuracy: number;
  /** Seconds since this epoch started. */
  seconds: number;
}

/** One epoch's results. */
export interface EpochReport {
  /** 1-based. */
  epoch: number;
  epochs: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  valMacroF1: number | null;
  /** Seconds of training (without validation) in this epoch. */
  trainSeconds: number;
  /** Seconds of the whole epoch, validation included. */
  seconds: number;
  /** Training sentences per second of training time. */
  sentencesPerSecond: number;
  /** Real (non-padding) training tokens per second, and the share of padded positions. */
  tokensPerSecond: number;
  paddingFraction: number;
  lr: number;
  /** Whether this epoch is the best so far on the monitored validation metric. */
  best: boolean;
}

/** Options of {@link TextClassifier.fit}. */
export interface ClassifierFitOptions {
  /** Validation data, scored after every epoch (and used by early stopping). */
  valid?: LabeledTexts | null;
  /** Without `valid`: hold out this fraction of the training data (seeded shuffle) for validation. Default 0. */
  validFraction?: number;
  /** Default 10. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Adam learning rate. Default 1e-3. */
  lr?: number;
  /** Multiply the learning rate by this after every epoch (epoch i runs at lr·lrDecay^i, {@link ExponentialLR}). Default 1. */
  lrDecay?: number;
  /** Global gradient-norm clip. Default 5. */
  clipNorm?: number;
  /** L2 penalty on the non-embedding weights (Adam's weightDecay). Default 0. */
  weightDecay?: number;
  /** Stop when validation stops improving; true = defaults. Default true when there is validation data. */
  earlyStopping?: boolean | EarlyStoppingOptions;
  /** Group texts of similar length into batches (less padding). Default true. */
  bucketing?: boolean;
  /** Replace each training token by `<unk>` with this probability (word dropout). Default 0. */
  wordDropout?: number;
  /**
   * Validate and keep an exponential moving average of the weights (Polyak averaging) with
   * this decay per step, e.g. 0.999; 0 (default) turns it off.
   */
  emaDecay?: number;
  /** Label smoothing ε of the cross-entropy. Default 0. */
  labelSmoothing?: number;
  signal?: AbortSignal;
  onEpoch?: (r: EpochReport) => void | Promise<void>;
  onBatch?: (r: BatchReport) => void;
}

/** What {@link TextClassifier.fit} resolves with. */
export interface FitResult {
  epochs: EpochReport[];
  /** 1-based epoch whose weights the model holds (after restoring the best), or null without validation. */
  bestEpoch: number | null;
  stopReason: 'epochs' | 'earlyStopping' | 'aborted';
  /** Wall time of `fit`, training and validation. */
  seconds: number;
  /** Training sentences per second of training time, over all epochs. */
  sentencesPerSecond: number;
  trainSize: number;
  validSize: number;
}

/** One prediction. */
export interface Prediction {
  label: string;
  /** Probability of `label`. */
  probability: number;
  /** Probability of every class, by class name. */
  probabilities: Record<string, number>;
}

/** What the model file keeps in `__metadata__.user.textClassifier`. */
interface ClassifierFileMeta {
  version: 1;
  options: ResolvedOptions;
  tokenizer: { word?: WordTokenizerJSON; char?: CharTokenizerJSON; bpe?: BPETokenizerJSON };
  /** null for 'bpe' (the BPE tokenizer holds its own vocabulary). */
  vocab: VocabularyJSON | null;
  classes: string[];
  classWeights: number[] | null;
  embeddingDim: number;
  training?: { epochs: number; sentences: number; seconds: number };
  pretrainedCoverage?: number | null;
}

/** The fitted text pipeline: tokenizer(s) and vocabulary. */
interface Pipeline {
  word: WordTokenizer | null;
  char: CharTokenizer | null;
  bpe: BPETokenizer | null;
  vocab: Vocabulary;
}

const DEFAULTS = {
  tokenizer: 'word',
  minFreq: 1,
  maxLen: 400,
  truncation: 'head+tail',
  embeddingDim: 128,
  cell: 'lstm',
  bidirectional: true,
  numLayers: 1,
  units: 128,
  pooling: 'max',
  dropout: 0.5,
  seed: 0,
} as const;

const EVAL_BATCH = 64;

function isInt(v: unknown, min = 1): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
}

function resolveOptions(o: TextClassifierOptions, where: string): ResolvedOptions {
  if (o === null || typeof o !== 'object') throw new Error(`${where}: expected an options object`);
  const tokenizer = o.tokenizer ?? DEFAULTS.tokenizer;
  if (!['word', 'char', 'bpe'].includes(tokenizer)) throw new Error(`${where}: tokenizer must be 'word', 'char' or 'bpe', got ${JSON.stringify(tokenizer)}`);
  const r: ResolvedOptions = {
    tokenizer,
    tokenizerOptions: o.tokenizerOptions ?? {},
    vocabSize: o.vocabSize ?? (tokenizer === 'bpe' ? 8000 : 30000),
    minFreq: o.minFreq ?? DEFAULTS.minFreq,
    maxLen: o.maxLen ?? DEFAULTS.maxLen,
    truncation: o.truncation ?? DEFAULTS.truncation,
    embeddingDim: o.embeddingDim ?? DEFAULTS.embeddingDim,
    pretrained: null,
    cell: o.cell ?? DEFAULTS.cell,
    bidirectional: o.bidirectional ?? DEFAULTS.bidirectional,
    numLayers: o.numLayers ?? DEFAULTS.numLayers,
    units: o.units ?? DEFAULTS.units,
    pooling: o.pooling ?? DEFAULTS.pooling,
    attentionUnits: o.attentionUnits ?? 2 * (o.units ?? DEFAULTS.units),
    dropout: o.dropout ?? DEFAULTS.dropout,
    classWeights: o.classWeights ?? null,
    classes: o.classes ?? null,
    seed: o.seed ?? DEFAULTS.seed,
  };
  for (const k of ['vocabSize', 'minFreq', 'maxLen', 'embeddingDim', 'numLayers', 'units', 'attentionUnits'] as const) {
    if (!isInt(r[k])) throw new Error(`${where}: ${k} must be a positive whole number, got ${JSON.stringify(r[k])}`);
  }
  if (r.vocabSize < 3) throw new Error(`${where}: vocabSize must be at least 3, got ${r.vocabSize}`);
  if (!['head', 'tail', 'head+tail'].includes(r.truncation)) throw new Error(`${where}: truncation must be 'head', 'tail' or 'head+tail', got ${JSON.stringify(r.truncation)}`);
  if (r.cell !== 'lstm' && r.cell !== 'gru') throw new Error(`${where}: cell must be 'lstm' or 'gru', got ${JSON.stringify(r.cell)}`);
  if (typeof r.bidirectional !== 'boolean') throw new Error(`${where}: bidirectional must be true or false`);
  if (!['last', 'max', 'mean', 'attention'].includes(r.pooling)) throw new Error(`${where}: pooling must be 'last', 'max', 'mean' or 'attention', got ${JSON.stringify(r.pooling)}`);
  if (typeof r.dropout !== 'number' || !(r.dropout >= 0 && r.dropout < 1)) throw new Error(`${where}: dropout must be in [0, 1), got ${JSON.stringify(r.dropout)}`);
  if (!Number.isSafeInteger(r.seed)) throw new Error(`${where}: seed must be a whole number, got ${JSON.stringify(r.seed)}`);
  const cw = r.classWeights;
  if (cw !== null && cw !== 'balanced' && !(Array.isArray(cw) && cw.length > 0 && cw.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0))) {
    throw new Error(`${where}: classWeights must be 'balanced' or a list of non-negative numbers, got ${JSON.stringify(cw)}`);
  }
  if (r.classes !== null && (!Array.isArray(r.classes) || r.classes.length < 2 || r.classes.some((c) => typeof c !== 'string') || new Set(r.classes).size !== r.classes.length)) {
    throw new Error(`${where}: classes must be a list of at least two distinct class names, got ${JSON.stringify(r.classes)}`);
  }
  if (o.pretrained) {
    const p = o.pretrained;
    if (typeof p !== 'object') throw new Error(`${where}: pretrained must be an object such as { path: 'vectors.bin' }`);
    if (!p.path && !p.vectors) throw new Error(`${where}: pretrained needs a path to word vectors or the vectors themselves`);
    if (p.limit !== undefined && !isInt(p.limit)) throw new Error(`${where}: pretrained.limit must be a positive whole number`);
    r.pretrained = { ...(p.path ? { path: p.path } : {}), freeze: p.freeze ?? false, ...(p.binary !== undefined ? { binary: p.binary } : {}), ...(p.limit ? { limit: p.limit } : {}) };
  }
  return r;
}

/** Ids of a too-long sequence cut to `maxLen` as `mode` says. */
function truncate(ids: number[], maxLen: number, mode: ResolvedOptions['truncation']): Int32Array {
  if (ids.length <= maxLen) return Int32Array.from(ids);
  if (mode === 'head') return Int32Array.from(ids.slice(0, maxLen));
  if (mode === 'tail') return Int32Array.from(ids.slice(ids.length - maxLen));
  const head = Math.ceil(maxLen / 2);
  return Int32Array.from([...ids.slice(0, head), ...ids.slice(ids.length - (maxLen - head))]);
}

function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  return new Promise((r) => setTimeout(r, 0));
}

/** Softmax of each row of (N, C) logits, in place. */
function softmaxRows(x: Float32Array | Float64Array, C: number): void {
  for (let o = 0; o < x.length; o += C) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, x[o + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += x[o + c] = Math.exp(x[o + c]! - max);
    for (let c = 0; c < C; c++) x[o + c]! /= sum;
  }
}

/**
 * A recurrent text classifier with its tokenizer, vocabulary and label set, saved together in
 * one `.safetensors` file.
 *
 * @example
 * const clf = TextClassifier.create({ cell: 'lstm', bidirectional: true, pooling: 'max' });
 * await clf.fit(trainTexts, trainLabels, { valid: { texts: devTexts, labels: devLabels }, epochs: 10 });
 * clf.evaluate(testTexts, testLabels).accuracy;   // e.g. 0.85
 * clf.predict(['a gorgeous, witty film']);        // [{ label: 'pos', probability: 0.97, probabilities: {...} }]
 * await clf.save('sentiment.safetensors');
 * const again = await TextClassifier.load('sentiment.safetensors');
 */
export class TextClassifier {
  /** The options the classifier was created with (defaults filled in). */
  readonly options: ResolvedOptions;
  private pipeline: Pipeline | null = null;
  private labelEncoder: LabelEncoder | null = null;
  private weights: number[] | null = null;
  private net: Sequential | null = null;
  private embedding: Embedding | null = null;
  private embeddingDim: number;
  private pretrainedVectors: PretrainedEmbeddings['vectors'] | null;
  private optimizer: Adam | null = null;
  private lazy: LazyRowAdam | null = null;
  private readonly rng: Rng;
  /** Fraction of vocabulary words (specials excluded) found in the pretrained vectors; null without them. */
  pretrainedCoverage: number | null = null;
  /** Totals over every `fit` so far. */
  training = { epochs: 0, sentences: 0, seconds: 0 };

  private constructor(options: ResolvedOptions, vectors: PretrainedEmbeddings['vectors'] | null) {
    this.options = options;
    this.embeddingDim = options.embeddingDim;
    this.pretrainedVectors = vectors;
    this.rng = new Rng(options.seed + 7919);
  }

  /** A new, untrained classifier; the vocabulary and labels come from the first {@link fit}. */
  static create(options: TextClassifierOptions = {}): TextClassifier {
    const r = resolveOptions(options, 'TextClassifier.create');
    return new TextClassifier(r, options.pretrained?.vectors ?? null);
  }

  /** Whether the vocabulary, labels and weights exist (after `fit` or `load`). */
  get ready(): boolean {
    return this.net !== null;
  }

  /** Class names, index = class id. */
  get classes(): readonly string[] {
    return this.labelEncoder?.classes ?? [];
  }

  /** The vocabulary (after `fit`/`load`). */
  get vocabulary(): Vocabulary | null {
    return this.pipeline?.vocab ?? null;
  }

  /** Number of weights (after `fit`/`load`). */
  get parameterCount(): number {
    return this.net ? this.net.countParams() : 0;
  }

  /** The underlying network (after `fit`/`load`). */
  get model(): Sequential | null {
    return this.net;
  }

  /** Tokens of `text` as the classifier sees them (before the vocabulary lookup and truncation). */
  tokenize(text: string): string[] {
    const p = this.requirePipeline('tokenize');
    return this.tokensOf(p, text);
  }

  private tokensOf(p: Pipeline, text: string): string[] {
    if (p.char) return p.char.tokenize(text);
    const words = p.word!.tokenize(text);
    return p.bpe ? p.bpe.tokenize(words.join(' ')) : words;
  }

  /** Token ids of every text, truncated to `maxLen`; an empty text becomes one `<unk>`. */
  encode(texts: readonly string[]): Int32Array[] {
    const p = this.requirePipeline('encode');
    return texts.map((t, i) => {
      if (typeof t !== 'string') throw new Error(`TextClassifier: text ${i} is ${t === null ? 'null' : typeof t}, expected a string`);
      const ids = p.vocab.encode(this.tokensOf(p, t));
      if (ids.length === 0) ids.push(p.vocab.unkId);
      return truncate(ids, this.options.maxLen, this.options.truncation);
    });
  }

  private requirePipeline(what: string): Pipeline {
    if (!this.pipeline) throw new Error(`TextClassifier.${what}: the classifier has no vocabulary yet; call fit() first (or load a trained one)`);
    return this.pipeline;
  }

  private requireNet(what: string): Sequential {
    if (!this.net) throw new Error(`TextClassifier.${what}: the classifier is not trained yet; call fit() first (or TextClassifier.load)`);
    return this.net;
  }

  // -------------------------------------------------------------------------------------------
  // Building

  private buildPipeline(texts: readonly string[]): Pipeline {
    const o = this.options;
    if (o.tokenizer === 'char') {
      const char = new CharTokenizer(o.tokenizerOptions as CharTokenizerOptions);
      const vocab = Vocabulary.build(texts.map((t) => char.tokenize(t)), { minFreq: o.minFreq, maxSize: o.vocabSize });
      return { word: null, char, bpe: null, vocab };
    }
    const word = new WordTokenizer({ stripHtml: true, ...(o.tokenizerOptions as WordTokenizerOptions) });
    if (o.tokenizer === 'bpe') {
      const bpe = BPETokenizer.train(
        texts.map((t) => word.tokenize(t).join(' ')),
        { vocabSize: o.vocabSize, minFrequency: Math.max(2, o.minFreq) },
      );
      return { word, char: null, bpe, vocab: vocabOfBpe(bpe) };
    }
    const vocab = Vocabulary.build(texts.map((t) => word.tokenize(t)), { minFreq: o.minFreq, maxSize: o.vocabSize });
    return { word, char: null, bpe: null, vocab };
  }

  private async pretrainedMatrix(vocab: Vocabulary): Promise<Float32Array | null> {
    const p = this.options.pretrained;
    if (!p) return null;
    let src = this.pretrainedVectors;
    if (!src) {
      const path = p.path!;
      src = path.endsWith('.safetensors')
        ? await loadWordVectorsSafetensors(path)
        : await loadWord2VecFormat(path, { ...(p.binary !== undefined ? { binary: p.binary } : {}), ...(p.limit ? { limit: p.limit } : {}), unicodeErrors: 'replace' });
    }
    const words = src.words;
    const V0 = words.length;
    if (V0 === 0) throw new Error(`TextClassifier: the pretrained vectors${p.path ? ` in ${p.path}` : ''} are empty`);
    const E = src.dim ?? src.vectors.length / V0;
    if (!isInt(E) || src.vectors.length !== V0 * E) throw new Error('TextClassifier: pretrained vectors must be (words × dim) values');
    this.embeddingDim = E;
    const index = new Map<string, number>();
    for (let w = 0; w < V0; w++) if (!index.has(words[w]!)) index.set(words[w]!, w);
    // Scale of the random rows: the same standard deviation as the pretrained values.
    let s = 0;
    for (let i = 0; i < src.vectors.length; i++) s += src.vectors[i]! * src.vectors[i]!;
    const bound = Math.sqrt((3 * s) / src.vectors.length) || 0.05;
    const V = vocab.size;
    const m = new Float32Array(V * E);
    const rng = new Rng(this.options.seed + 31);
    let found = 0;
    for (let id = 0; id < V; id++) {
      if (id === vocab.padId) continue;
      const tok = vocab.tokens[id]!;
      const row = id >= vocab.numSpecials ? (index.get(tok) ?? index.get(tok.toLowerCase())) : undefined;
      if (row !== undefined) {
        m.set(src.vectors.subarray(row * E, (row + 1) * E), id * E);
        found++;
      } else {
        for (let e = 0; e < E; e++) m[id * E + e] = rng.uniform(-bound, bound);
      }
    }
    this.pretrainedCoverage = V > vocab.numSpecials ? found / (V - vocab.numSpecials) : 0;
    this.pretrainedVectors = null; // not needed any more
    return m;
  }

  private buildNet(vocabSize: number, numClasses: number, pretrained: Float32Array | null): void {
    const o = this.options;
    const E = this.embeddingDim;
    const freeze = !!o.pretrained?.freeze;
    this.embedding = new Embedding({
      inputDim: vocabSize,
      outputDim: E,
      maskZero: true,
      paddingIdx: 0,
      inputShape: [null],
      name: 'embedding',
      embeddingsInitializer: 'uniform',
      ...(pretrained ? { weights: pretrained } : {}),
      ...(freeze ? { trainable: false } : {}),
    });
    const pooled = o.pooling !== 'last';
    const rnnOpts = { units: o.units, numLayers: o.numLayers, returnSequences: pooled, dropout: o.dropout, name: 'rnn' };
    let rnn: RecurrentLayer = o.cell === 'gru' ? new GRU(rnnOpts) : new LSTM(rnnOpts);
    if (o.bidirectional) rnn = Bidirectional(rnn);
    const layers: Layer[] = [this.embedding, rnn];
    if (o.pooling === 'max') layers.push(new GlobalMaxPooling1D({ name: 'pool' }));
    else if (o.pooling === 'mean') layers.push(new GlobalAveragePooling1D({ name: 'pool' }));
    else if (o.pooling === 'attention') layers.push(new AttentionPooling({ units: o.attentionUnits, name: 'pool' }));
    if (o.dropout > 0) layers.push(new Dropout({ rate: o.dropout, name: 'dropout' }));
    layers.push(new Dense({ units: numClasses, name: 'fc' }));
    this.net = new Sequential(layers, { name: 'text_classifier', seed: o.seed });
    this.net.build(this.net.inputShapes);
  }

  // -------------------------------------------------------------------------------------------
  // Forward passes

  /** Logits (B, C) of the texts `idx` of `ids`, right-padded to their longest. */
  private forward(ids: readonly Int32Array[], idx: ArrayLike<number>, training: boolean, rng: Rng, wordDropout = 0): Var {
    const B = idx.length;
    let T = 1;
    for (let b = 0; b < B; b++) T = Math.max(T, ids[idx[b]!]!.length);
    const x = Tensor.temp([B, T]);
    const d = x.data;
    d.fill(0);
    for (let b = 0; b < B; b++) d.set(ids[idx[b]!]!, b * T);
    if (wordDropout > 0) {
      const unk = this.pipeline!.vocab.unkId;
      for (let i = 0; i < d.length; i++) if (d[i] !== 0 && rng.next() < wordDropout) d[i] = unk;
    }
    return this.net!.call([new Var(x, false)], { training, rng })[0]!;
  }

  /** Batches of indices sorted by length (inference: as little padding as possible). */
  private inferenceBatches(ids: readonly Int32Array[], batchSize: number): number[][] {
    const order = Array.from({ length: ids.length }, (_, i) => i).sort((a, b) => ids[a]!.length - ids[b]!.length);
    const out: number[][] = [];
    for (let s = 0; s < order.length; s += batchSize) out.push(order.slice(s, s + batchSize));
    return out;
  }

  /** Class probabilities (N, C) of encoded texts. */
  private probabilitiesOf(ids: readonly Int32Array[], batchSize = EVAL_BATCH): Float32Array {
    const C = this.classes.length;
    const out = new Float32Array(ids.length * C);
    const rng = new Rng(0);
    for (const batch of this.inferenceBatches(ids, batchSize)) {
      const mark = arena.mark();
      try {
        const logits = this.forward(ids, batch, false, rng).data;
        const p = Float32Array.from(logits);
        softmaxRows(p, C);
        batch.forEach((i, b) => out.set(p.subarray(b * C, (b + 1) * C), i * C));
      } finally {
        arena.release(mark);
      }
    }
    return out;
  }

  private scoreIds(ids: readonly Int32Array[], y: Int32Array): ClassificationReport {
    const C = this.classes.length;
    const probs = this.probabilitiesOf(ids);
    const pred = new Int32Array(ids.length);
    let loss = 0;
    for (let i = 0; i < ids.length; i++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (probs[i * C + c]! > probs[i * C + best]!) best = c;
      pred[i] = best;
      loss -= Math.log(Math.max(probs[i * C + y[i]!]!, 1e-12));
    }
    return { ...classificationReport(y, pred, this.classes), loss: ids.length ? loss / ids.length : NaN };
  }

  // -------------------------------------------------------------------------------------------
  // Public API

  /**
   * Trains on `texts` / `labels`. The first call builds the tokenizer, vocabulary and label set
   * from these texts (and loads `pretrained` vectors); later calls continue training the same
   * model. Validation data (`valid` or `validFraction`) is scored after each epoch; with it,
   * early stopping is on by default and the best epoch's weights are kept.
   */
  async fit(texts: readonly string[], labels: readonly (string | number)[], opts: ClassifierFitOptions = {}): Promise<FitResult> {
    const where = 'TextClassifier.fit';
    const t0 = performance.now();
    checkLabeled(texts, labels, where, 'texts', 'labels');
    const epochs = opts.epochs ?? 10;
    const batchSize = opts.batchSize ?? 32;
    const lr0 = opts.lr ?? 1e-3;
    const lrDecay = opts.lrDecay ?? 1;
    const clipNorm = opts.clipNorm ?? 5;
    const weightDecay = opts.weightDecay ?? 0;
    const wordDropout = opts.wordDropout ?? 0;
    const emaDecay = opts.emaDecay ?? 0;
    const labelSmoothing = opts.labelSmoothing ?? 0;
    if (!(wordDropout >= 0 && wordDropout < 1)) throw new Error(`${where}: wordDropout must be in [0, 1), got ${wordDropout}`);
    if (!(emaDecay >= 0 && emaDecay < 1)) throw new Error(`${where}: emaDecay must be in [0, 1), got ${emaDecay}`);
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new Error(`${where}: labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
    if (!isInt(epochs)) throw new Error(`${where}: epochs must be a positive whole number, got ${JSON.stringify(epochs)}`);
    if (!isInt(batchSize)) throw new Error(`${where}: batchSize must be a positive whole number, got ${JSON.stringify(batchSize)}`);
    if (!(lr0 > 0)) throw new Error(`${where}: lr must be positive, got ${lr0}`);
    if (!(lrDecay > 0 && lrDecay <= 1)) throw new Error(`${where}: lrDecay must be in (0, 1], got ${lrDecay}`);
    if (!(clipNorm > 0)) throw new Error(`${where}: clipNorm must be positive, got ${clipNorm}`);
    if (!(weightDecay >= 0)) throw new Error(`${where}: weightDecay must be ≥ 0, got ${weightDecay}`);
    // lr0·lrDecay^epoch (epoch from 0): torch's ExponentialLR.
    const schedule = new ExponentialLR({ gamma: lrDecay });

    // Training / validation split.
    let trainTexts = texts;
    let trainLabels = labels;
    let valid = opts.valid ?? null;
    if (valid) {
      checkLabeled(valid.texts, valid.labels, where, 'valid.texts', 'valid.labels');
    } else if (opts.validFraction) {
      const f = opts.validFraction;
      if (!(f > 0 && f < 1)) throw new Error(`${where}: validFraction must be in (0, 1), got ${f}`);
      const order = Array.from({ length: texts.length }, (_, i) => i);
      new Rng(this.options.seed + 101).shuffle(order);
      const nv = Math.round(texts.length * f);
      if (nv < 1 || nv >= texts.length) throw new Error(`${where}: validFraction ${f} of ${texts.length} texts leaves no ${nv < 1 ? 'validation' : 'training'} data`);
      const vi = order.slice(0, nv);
      const ti = order.slice(nv).sort((a, b) => a - b);
      valid = { texts: vi.map((i) => texts[i]!), labels: vi.map((i) => labels[i]!) };
      trainTexts = ti.map((i) => texts[i]!);
      trainLabels = ti.map((i) => labels[i]!);
    }

    // First fit: build everything from the training data.
    if (!this.net) {
      this.labelEncoder = this.options.classes?.length ? LabelEncoder.fromClasses(this.options.classes) : LabelEncoder.fit(trainLabels);
      if (this.labelEncoder.size < 2) throw new Error(`${where}: the training labels hold only one class (${JSON.stringify(this.labelEncoder.classes[0])}); a classifier needs at least two`);
      this.pipeline = this.buildPipeline(trainTexts);
      const matrix = await this.pretrainedMatrix(this.pipeline.vocab);
      this.buildNet(this.pipeline.vocab.size, this.labelEncoder.size, matrix);
    }
    const C = this.classes.length;
    const y = this.encodeLabels(trainLabels, 'labels');
    if (!this.weights) this.weights = resolveClassWeights(this.options.classWeights, y, C, where);
    const ids = this.encode(trainTexts);
    const validIds = valid ? this.encode(valid.texts) : null;
    const validY = valid ? this.encodeLabels(valid.labels, 'valid.labels') : null;

    const es = opts.earlyStopping ?? validIds !== null;
    const esOpts: Required<EarlyStoppingOptions> | null =
      es && validIds ? { patience: 3, monitor: 'accuracy', restoreBest: true, ...(typeof es === 'object' ? es : {}) } : null;
    if (esOpts && !(isInt(esOpts.patience))) throw new Error(`${where}: earlyStopping.patience must be a positive whole number`);

    const net = this.net!;
    const embParam = this.embedding!.parameters()[0]!;
    const others = net.parameters().filter((p) => p !== embParam && p.trainable);
    this.optimizer ??= new Adam({ lr: lr0, weightDecay });
    this.optimizer.lr = lr0;
    if (embParam.trainable) this.lazy ??= new LazyRowAdam(embParam);
    const lossFn = new CrossEntropy({ ...(this.weights ? { classWeights: this.weights } : {}), labelSmoothing });
    const V = this.pipeline!.vocab.size;
    const E = this.embeddingDim;
    const seen = new Uint8Array(V);
    const lengths = Int32Array.from(ids, (s) => s.length);
    const realTokens = lengths.reduce((s, l) => s + l, 0);
    const N = ids.length;
    const bucketing = opts.bucketing ?? true;

    const reports: EpochReport[] = [];
    let best = -Infinity;
    let bestEpoch: number | null = null;
    let bestWeights: Float32Array[] | null = null;
    let since = 0;
    let stopReason: FitResult['stopReason'] = 'epochs';
    let trainSecondsAll = 0;
    let sentencesAll = 0;
    const allParams = net.parameters();
    // Polyak averaging: shadow weights, swapped in for validation and kept at the end.
    const ema = emaDecay > 0 ? allParams.map((p) => Float32Array.from(p.data)) : null;
    let inEma = false;
    const swap = (): void => {
      if (!ema) return;
      inEma = !inEma;
      allParams.forEach((p, i) => {
        const tmp = Float32Array.from(p.data);
        p.data.set(ema[i]!);
        ema[i] = tmp;
      });
    };

    for (let ep = 0; ep < epochs; ep++) {
      if (opts.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      const lr = schedule.lrAt(ep, lr0);
      this.optimizer.lr = lr;
      const te = performance.now();
      let batches: number[][];
      if (bucketing) batches = bucketByLength(lengths, batchSize, this.rng);
      else {
        const order = Array.from({ length: N }, (_, i) => i);
        this.rng.shuffle(order);
        batches = [];
        for (let s = 0; s < N; s += batchSize) batches.push(order.slice(s, s + batchSize));
      }
      let lossSum = 0;
      let correct = 0;
      let seenRows = 0;
      let padded = 0;
      let lastYield = performance.now();
      let aborted = false;
      for (let s = 0; s < batches.length; s++) {
        if (opts.signal?.aborted) {
          aborted = true;
          break;
        }
        const batch = batches[s]!;
        const B = batch.length;
        const target = new Float32Array(B);
        batch.forEach((i, b) => (target[b] = y[i]!));
        let maxLen = 1;
        for (const i of batch) maxLen = Math.max(maxLen, lengths[i]!);
        padded += B * maxLen;
        const mark = arena.mark();
        try {
          const { loss, logits } = recording(() => {
            const out = this.forward(ids, batch, true, this.rng, wordDropout);
            return { loss: lossFn.compute(out, target)!, logits: out.data };
          });
          for (let b = 0; b < B; b++) {
            let arg = 0;
            for (let c = 1; c < C; c++) if (logits[b * C + c]! > logits[b * C + arg]!) arg = c;
            if (arg === target[b]) correct++;
          }
          const lv = loss.data[0]!;
          if (!Number.isFinite(lv)) throw new Error(`${where}: the loss became ${lv} at epoch ${ep + 1}, batch ${s + 1}; try a lower lr`);
          backward(loss);
          // Global-norm clipping over the dense weights and the embedding rows this batch used.
          let rows: Int32Array | null = null;
          let ss = 0;
          for (const p of others) ss += sumSquares(p.grad!.data, p.size);
          if (this.lazy) {
            const flat = new Int32Array(B * maxLen);
            let k = 0;
            for (const i of batch) {
              flat.set(ids[i]!, k);
              k += ids[i]!.length;
            }
            rows = touchedRows(flat.subarray(0, k), V, 0, seen);
            ss += rowSumSquares(embParam.grad!.data, rows, E);
          }
          const norm = Math.sqrt(ss);
          if (!Number.isFinite(norm)) throw new Error(`${where}: the gradient became non-finite at epoch ${ep + 1}, batch ${s + 1}; try a lower lr`);
          const scale = norm > clipNorm ? clipNorm / (norm + 1e-6) : 1;
          if (scale !== 1) for (const p of others) {
            const g = p.grad!.data;
            for (let i = 0; i < g.length; i++) g[i]! *= scale;
          }
          this.optimizer.step(others);
          this.optimizer.zeroGrad(others);
          if (this.lazy && rows) this.lazy.update(rows, lr, scale);
          if (ema) {
            const steps = this.optimizer.iterations;
            const dcy = Math.min(emaDecay, (1 + steps) / (10 + steps));
            allParams.forEach((p, i) => {
              const sh = ema[i]!;
              const w = p.data;
              for (let j = 0; j < sh.length; j++) sh[j] = dcy * sh[j]! + (1 - dcy) * w[j]!;
            });
          }
          lossSum += lv * B;
          seenRows += B;
        } catch (e) {
          tape.clear();
          for (const p of allParams) p.zeroGrad();
          throw e;
        } finally {
          arena.release(mark);
        }
        const now = performance.now();
        if (opts.onBatch && (now - lastYield > 100 || s === batches.length - 1)) {
          opts.onBatch({ epoch: ep + 1, epochs, step: s + 1, steps: batches.length, loss: lossSum / seenRows, accuracy: correct / seenRows, seconds: (now - te) / 1000 });
        }
        if (now - lastYield > 100) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const trainSeconds = (performance.now() - te) / 1000;
      trainSecondsAll += trainSeconds;
      sentencesAll += seenRows;
      this.training.sentences += seenRows;
      this.training.seconds += trainSeconds;
      if (aborted && seenRows === 0) {
        stopReason = 'aborted';
        break;
      }
      this.training.epochs++;
      let vr: ClassificationReport | null = null;
      swap(); // the averaged weights are the ones validated (and kept)
      if (validIds && validY) vr = this.scoreIds(validIds, validY);
      let isBest = false;
      if (vr) {
        const score = esOpts?.monitor === 'loss' ? -vr.loss! : vr.accuracy - 1e-6 * vr.loss!;
        if (score > best) {
          best = score;
          bestEpoch = ep + 1;
          isBest = true;
          since = 0;
          if (esOpts?.restoreBest) bestWeights = allParams.map((p) => Float32Array.from(p.data));
        } else since++;
      }
      const lastEpoch = aborted || ep === epochs - 1 || (esOpts !== null && since >= esOpts.patience);
      if (!lastEpoch) swap(); // back to the raw weights to continue training
      const report: EpochReport = {
        epoch: ep + 1,
        epochs,
        loss: seenRows ? lossSum / seenRows : NaN,
        accuracy: seenRows ? correct / seenRows : NaN,
        valLoss: vr ? vr.loss! : null,
        valAccuracy: vr ? vr.accuracy : null,
        valMacroF1: vr ? vr.macroF1 : null,
        trainSeconds,
        seconds: (performance.now() - te) / 1000,
        sentencesPerSecond: seenRows / trainSeconds,
        tokensPerSecond: (realTokens * (seenRows / N)) / trainSeconds,
        paddingFraction: padded ? 1 - (realTokens * (seenRows / N)) / padded : 0,
        lr,
        best: isBest,
      };
      reports.push(report);
      await opts.onEpoch?.(report);
      if (aborted) {
        stopReason = 'aborted';
        break;
      }
      if (esOpts && since >= esOpts.patience) {
        stopReason = 'earlyStopping';
        break;
      }
    }
    if (ema && !inEma) swap();
    if (bestWeights && bestEpoch !== null) allParams.forEach((p, i) => p.data.set(bestWeights![i]!));
    return {
      epochs: reports,
      bestEpoch: bestWeights ? bestEpoch : reports.length ? reports.length : null,
      stopReason,
      seconds: (performance.now() - t0) / 1000,
      sentencesPerSecond: trainSecondsAll > 0 ? sentencesAll / trainSecondsAll : 0,
      trainSize: ids.length,
      validSize: validIds?.length ?? 0,
    };
  }

  private encodeLabels(labels: readonly (string | number)[], what: string): Int32Array {
    const enc = this.labelEncoder!;
    try {
      return enc.encode(labels);
    } catch (e) {
      const m = /unknown label (.*) at position (\d+)/.exec((e as Error).message);
      if (m) {
        throw new Error(`TextClassifier: ${what}[${m[2]}] is ${m[1]}, a class the classifier does not know; its classes are ${enc.classes.map((c) => JSON.stringify(c)).join(', ')}`);
      }
      throw e;
    }
  }

  /**
   * Scores the classifier on labelled texts: accuracy, macro-F1, per-class precision / recall /
   * F1, the confusion matrix and the mean cross-entropy.
   */
  evaluate(texts: readonly string[], labels: readonly (string | number)[]): ClassificationReport {
    this.requireNet('evaluate');
    checkLabeled(texts, labels, 'TextClassifier.evaluate', 'texts', 'labels');
    return this.scoreIds(this.encode(texts), this.encodeLabels(labels, 'labels'));
  }

  /** Class probabilities of each text, rows in class-id order (see {@link classes}). */
  predictProbabilities(texts: readonly string[]): number[][] {
    this.requireNet('predictProbabilities');
    if (!Array.isArray(texts)) throw new Error('TextClassifier.predictProbabilities: expected an array of texts');
    const C = this.classes.length;
    const p = this.probabilitiesOf(this.encode(texts));
    return texts.map((_, i) => Array.from(p.subarray(i * C, (i + 1) * C)));
  }

  /**
   * The most likely class of each text with its probability and the probabilities of all
   * classes.
   *
   * @example
   * clf.predict(['what a waste of time']); // [{ label: 'neg', probability: 0.93, probabilities: { neg: 0.93, pos: 0.07 } }]
   */
  predict(texts: readonly string[] | string): Prediction[] {
    const list = typeof texts === 'string' ? [texts] : texts;
    const classes = this.classes;
    return this.predictProbabilities(list).map((row) => {
      let best = 0;
      for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
      const probabilities: Record<string, number> = {};
      classes.forEach((c, k) => (probabilities[c] = row[k]!));
      return { label: classes[best]!, probability: row[best]!, probabilities };
    });
  }

  /** Saves weights, tokenizer, vocabulary, classes and options as one `.safetensors` file. */
  async save(path: string): Promise<void> {
    const net = this.requireNet('save');
    const p = this.pipeline!;
    const meta: ClassifierFileMeta = {
      version: 1,
      options: this.options,
      tokenizer: {
        ...(p.word ? { word: p.word.toJSON() } : {}),
        ...(p.char ? { char: p.char.toJSON() } : {}),
        ...(p.bpe ? { bpe: p.bpe.toJSON() } : {}),
      },
      vocab: p.bpe ? null : p.vocab.toJSON(),
      classes: [...this.classes],
      classWeights: this.weights,
      embeddingDim: this.embeddingDim,
      training: { ...this.training },
      pretrainedCoverage: this.pretrainedCoverage,
    };
    await saveModel(net, path, { metadata: { textClassifier: meta } });
  }

  /** Loads a classifier written by {@link save}; it predicts exactly as the saved one. */
  static async load(path: string): Promise<TextClassifier> {
    const { user } = await readModelMetadata(path);
    const meta = user.textClassifier as Partial<ClassifierFileMeta> | undefined;
    if (typeof meta !== 'object' || meta === null) {
      throw new Error(`${path}: a recurrent model, but not a text classifier (its metadata has no "textClassifier" entry); it was not written by TextClassifier.save / 'recurrent classify train'`);
    }
    try {
      const options = resolveOptions({ ...(meta.options as TextClassifierOptions), pretrained: null }, 'options');
      options.pretrained = meta.options?.pretrained ?? null;
      const clf = new TextClassifier(options, null);
      const t = meta.tokenizer ?? {};
      const word = t.word ? WordTokenizer.fromJSON(t.word) : null;
      const char = t.char ? CharTokenizer.fromJSON(t.char) : null;
      const bpe = t.bpe ? BPETokenizer.fromJSON(t.bpe) : null;
      if (!char && !word) throw new Error('no tokenizer');
      const vocab = bpe ? vocabOfBpe(bpe) : Vocabulary.fromJSON(meta.vocab);
      clf.pipeline = { word, char, bpe, vocab };
      clf.labelEncoder = LabelEncoder.fromClasses(meta.classes ?? []);
      clf.weights = Array.isArray(meta.classWeights) ? meta.classWeights : null;
      if (!isInt(meta.embeddingDim)) throw new Error('embeddingDim is missing');
      clf.embeddingDim = meta.embeddingDim;
      clf.pretrainedCoverage = typeof meta.pretrainedCoverage === 'number' ? meta.pretrainedCoverage : null;
      if (meta.training && typeof meta.training === 'object') {
        const tr = meta.training;
        clf.training = { epochs: Number(tr.epochs) || 0, sentences: Number(tr.sentences) || 0, seconds: Number(tr.seconds) || 0 };
      }
      clf.buildNet(vocab.size, clf.labelEncoder.size, null);
      const loaded = await loadModel(path);
      clf.net!.loadStateDict(loaded.stateDict(), true, path);
      return clf;
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.startsWith(path) ? msg : `${path}: the text classifier's metadata is damaged or does not match its weights: ${msg}`, { cause: e });
    }
  }
}

function vocabOfBpe(bpe: BPETokenizer): Vocabulary {
  return Vocabulary.fromTokens(bpe.vocab, { numSpecials: bpe.numSpecials, padId: bpe.padId, unkId: bpe.unkId });
}

function checkLabeled(texts: readonly unknown[], labels: readonly unknown[], where: string, tn: string, ln: string): void {
  if (!Array.isArray(texts)) throw new Error(`${where}: ${tn} must be an array of strings`);
  if (!Array.isArray(labels)) throw new Error(`${where}: ${ln} must be an array of labels`);
  if (texts.length !== labels.length) throw new Error(`${where}: ${texts.length} ${tn} but ${labels.length} ${ln}`);
  if (texts.length === 0) throw new Error(`${where}: ${tn} is empty`);
  const bad = texts.findIndex((t) => typeof t !== 'string');
  if (bad >= 0) throw new Error(`${where}: ${tn}[${bad}] is ${texts[bad] === null ? 'null' : typeof texts[bad]}, expected a string`);
}

function resolveClassWeights(spec: ResolvedOptions['classWeights'], y: Int32Array, C: number, where: string): number[] | null {
  if (spec === null) return null;
  if (Array.isArray(spec)) {
    if (spec.length !== C) throw new Error(`${where}: classWeights has ${spec.length} values but there are ${C} classes`);
    return [...spec];
  }
  const counts = new Array<number>(C).fill(0);
  for (const c of y) counts[c]!++;
  return counts.map((n) => (n > 0 ? y.length / (C * n) : 0));
}
