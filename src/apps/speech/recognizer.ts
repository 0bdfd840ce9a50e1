/**
 * Speech recogniser recipe: features → frame stacking → (Bi)LSTM/GRU stack → Dense → CTC, or a
 * whole-utterance classifier head (masked pooling → Dense) for isolated words.
 *
 *   signal (N) → FeatureExtractor → (T, F) → stack k frames → (⌈T/k⌉, k·F)
 *   CTC:        → RNN (B, T', D·H) → Dense (B, T', 1 + V) → CTC loss / greedy or beam decoding
 *   classifier: → RNN (B, T', D·H) → mean/max/attention pooling over real steps → Dense (B, labels)
 *
 * Frame stacking (k = 3: 30 ms steps) shortens the sequences the recurrent layers run over 3× at
 * the same input context; CTC needs only one step per label (plus one between repeats).
 * Batches group utterances of similar length (padding to each batch's own longest, masked).
 */
import { arena, Tensor } from '../../tensor/tensor.js';
import { Rng } from '../../tensor/rng.js';
import { FeatureExtractor, checkFeatureOptions } from '../../audio/features.js';
import type { FeatureOptions } from '../../audio/features.js';
import { Var, backward, recording, tape } from '../../autograd/tape.js';
import { Dense } from '../../nn/layers.js';
import { Bidirectional, GRU, LSTM } from '../../nn/recurrent.js';
import { AttentionPooling, GlobalAveragePooling1D, GlobalMaxPooling1D } from '../../nn/pooling.js';
import { CTCLoss, CTC_PAD, ctcBeamSearch, ctcGreedyDecode } from '../../nn/ctc.js';
import { CrossEntropy } from '../../nn/losses.js';
import { Adam } from '../../nn/optimizers.js';
import { clipGradNorm } from '../../nn/clip.js';
import type { Layer } from '../../nn/layer.js';
import { Sequential } from '../../train/model.js';
import { loadModel, readModelMetadata, saveModel } from '../../train/serialize.js';
import { normalizeTranscript } from './data.js';
import type { Utterance } from './data.js';
import { scoreTranscripts } from './metrics.js';
import type { SpeechScores } from './metrics.js';
import { specAugment, specAugmentDefaults } from './augment.js';
import type { SpecAugmentOptions } from './augment.js';

/** Architecture and front end of a {@link SpeechRecognizer}. */
export interface SpeechRecognizerOptions {
  /** `ctc` (default): sequence recogniser; `classifier`: one label per utterance. */
  head?: 'ctc' | 'classifier';
  /** Sample rate audio is resampled to. Default 8000. */
  sampleRate?: number;
  /** Feature settings (sample rate excluded). Default 13 MFCC + Δ + Δ², 25/10 ms, CMVN. */
  features?: Omit<FeatureOptions, 'sampleRate'>;
  /** Feature frames concatenated into one recurrent step. Default 3. */
  frameStack?: number;
  /** Recurrent cell. Default `gru`. */
  cell?: 'lstm' | 'gru';
  /** Hidden units per direction. Default 128. */
  units?: number;
  /** Stacked recurrent layers. Default 2. */
  numLayers?: number;
  /** Default true. */
  bidirectional?: boolean;
  /** Dropout on every recurrent layer's input in training. Default 0.1. */
  dropout?: number;
  /** Classifier pooling over time: `mean` (default), `max` or `attention`. */
  pooling?: 'mean' | 'max' | 'attention';
  /** CTC output units: `chars` (default; a space is a character) or whitespace-separated `words`. */
  tokens?: 'chars' | 'words';
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/** Options of {@link SpeechRecognizer.train}. */
export interface SpeechTrainOptions {
  /** Passes over the training set. Default 20. */
  epochs?: number;
  /** Utterances per step. Default 32. */
  batchSize?: number;
  /** Adam learning rate at the peak (linear warm-up, then cosine decay to 5 %). Default 2e-3. */
  lr?: number;
  /** Global gradient-norm clip. Default 5. */
  clipNorm?: number;
  /** SpecAugment masking of training features; true = defaults. Default false. */
  specAugment?: boolean | SpecAugmentOptions;
  /** Scored after every epoch (greedy decoding). */
  valid?: Utterance[];
  /** Called after every epoch. */
  onEpoch?: (r: SpeechEpochReport) => void | Promise<void>;
  /** Stops after the current step. */
  signal?: AbortSignal;
  /** Seed of shuffling, dropout and masking. Default 0. */
  seed?: number;
}

/** What `onEpoch` receives. */
export interface SpeechEpochReport {
  epoch: number;
  epochs: number;
  steps: number;
  /** Mean training loss of the epoch. */
  loss: number;
  /** Wall time since `train` started (feature extraction included). */
  seconds: number;
  /** Validation scores when `valid` was given. */
  valid: SpeechScores | null;
}

/** What `train` resolves with. */
export interface SpeechTrainResult {
  epochs: number;
  steps: number;
  loss: number;
  seconds: number;
  /** Seconds spent computing features (before the first step). */
  featureSeconds: number;
  /** Seconds of audio in the training set. */
  audioSeconds: number;
  stopReason: 'epochs' | 'aborted';
}

/** Options of decoding (`transcribe`, `evaluate`). */
export interface DecodeOptions {
  /** CTC prefix beam search with this width; 0 or 1 = greedy (default). */
  beamWidth?: number;
  /** Utterances per forward pass. Default 32. */
  batchSize?: number;
}

interface FileMeta {
  options: Required<SpeechRecognizerOptions>;
  vocab: string[];
  stats: { epochs: number; steps: number; trainSeconds: number };
}

const DEFAULT_FEATURES: Omit<FeatureOptions, 'sampleRate'> = { kind: 'mfcc', nMfcc: 13, nMels: 40, deltas: 2, normalize: true };

function checkOptions(o: SpeechRecognizerOptions): Required<SpeechRecognizerOptions> {
  const r: Required<SpeechRecognizerOptions> = {
    head: o.head ?? 'ctc',
    sampleRate: o.sampleRate ?? 8000,
    features: { ...DEFAULT_FEATURES, ...(o.features ?? {}) },
    frameStack: o.frameStack ?? 3,
    cell: o.cell ?? 'gru',
    units: o.units ?? 128,
    numLayers: o.numLayers ?? 2,
    bidirectional: o.bidirectional ?? true,
    dropout: o.dropout ?? 0.1,
    pooling: o.pooling ?? 'mean',
    tokens: o.tokens ?? 'chars',
    seed: o.seed ?? 0,
  };
  const where = 'SpeechRecognizer';
  if (r.head !== 'ctc' && r.head !== 'classifier') throw new Error(`${where}: head must be 'ctc' or 'classifier', got ${JSON.stringify(r.head)}`);
  if (r.cell !== 'lstm' && r.cell !== 'gru') throw new Error(`${where}: cell must be 'lstm' or 'gru', got ${JSON.stringify(r.cell)}`);
  if (!['mean', 'max', 'attention'].includes(r.pooling)) throw new Error(`${where}: pooling must be 'mean', 'max' or 'attention', got ${JSON.stringify(r.pooling)}`);
  if (r.tokens !== 'chars' && r.tokens !== 'words') throw new Error(`${where}: tokens must be 'chars' or 'words', got ${JSON.stringify(r.tokens)}`);
  for (const [k, v, max] of [
    ['frameStack', r.frameStack, 16],
    ['units', r.units, 4096],
    ['numLayers', r.numLayers, 16],
  ] as const)
    if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`${where}: ${k} must be an integer in [1, ${max}], got ${JSON.stringify(v)}`);
  if (!(r.dropout >= 0 && r.dropout < 1)) throw new Error(`${where}: dropout must be in [0, 1), got ${r.dropout}`);
  checkFeatureOptions({ ...r.features, sampleRate: r.sampleRate });
  return r;
}

/** Splits a transcript into CTC output units. */
function tokenize(transcript: string, unit: 'chars' | 'words'): string[] {
  const t = normalizeTranscript(transcript);
  if (!t) return [];
  return unit === 'chars' ? [...t] : t.split(' ');
}

/**
 * A speech recogniser: CTC sequence model or whole-utterance classifier over MFCC / log-mel
 * features, with training, decoding, scoring and one-file save/load.
 *
 * @example
 * const rec = SpeechRecognizer.create(train.map((u) => u.transcript), { head: 'ctc', cell: 'gru' });
 * await rec.train(train, { epochs: 20, specAugment: true });
 * rec.transcribe(signal);                          // "7 3 9"
 * rec.evaluate(test);                              // { accuracy, cer, wer, ... }
 * await rec.save('digits.safetensors');
 */
export class SpeechRecognizer {
  readonly options: Required<SpeechRecognizerOptions>;
  /** CTC: output units (class k + 1; class 0 is the blank). Classifier: labels (class k). */
  readonly vocab: string[];
  readonly model: Sequential;
  readonly extractor: FeatureExtractor;
  stats = { epochs: 0, steps: 0, trainSeconds: 0 };
  private readonly index: Map<string, number>;

  private constructor(options: Required<SpeechRecognizerOptions>, vocab: string[]) {
    this.options = options;
    this.vocab = vocab;
    this.index = new Map(vocab.map((v, i) => [v, i]));
    this.extractor = new FeatureExtractor({ ...options.features, sampleRate: options.sampleRate });
    this.model = this.buildModel();
  }

  /** A new, untrained recogniser whose vocabulary (CTC units or labels) comes from `transcripts`. */
  static create(transcripts: readonly string[], options: SpeechRecognizerOptions = {}): SpeechRecognizer {
    const o = checkOptions(options);
    const set = new Set<string>();
    for (const t of transcripts) {
      if (o.head === 'ctc') for (const u of tokenize(t, o.tokens)) set.add(u);
      else set.add(normalizeTranscript(t));
    }
    set.delete('');
    if (set.size < (o.head === 'ctc' ? 1 : 2)) throw new Error(`SpeechRecognizer.create: the transcripts hold ${set.size} distinct ${o.head === 'ctc' ? 'units' : 'labels'}; need at least ${o.head === 'ctc' ? 1 : 2}`);
    const vocab = [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return new SpeechRecognizer(o, vocab);
  }

  /** Values per recurrent step (frameStack × feature dimension). */
  get inputDim(): number {
    return this.extractor.dim * this.options.frameStack;
  }

  /** Output classes: 1 + units for CTC, labels for the classifier. */
  get numClasses(): number {
    return this.options.head === 'ctc' ? this.vocab.length + 1 : this.vocab.length;
  }

  private buildModel(): Sequential {
    const o = this.options;
    // Fixed layer names: parameter names in saved files must not depend on how many models exist.
    const rnnOpts = { name: 'rnn', units: o.units, numLayers: o.numLayers, returnSequences: true, dropout: o.dropout, inputShape: [null, this.inputDim] as (number | null)[] };
    const rnn = o.cell === 'lstm' ? new LSTM(rnnOpts) : new GRU(rnnOpts);
    const layers: Layer[] = [o.bidirectional ? Bidirectional(rnn) : rnn];
    if (o.head === 'classifier') {
      const width = o.units * (o.bidirectional ? 2 : 1);
      const name = 'pool';
      layers.push(o.pooling === 'mean' ? new GlobalAveragePooling1D({ name }) : o.pooling === 'max' ? new GlobalMaxPooling1D({ name }) : new AttentionPooling({ name, units: width }));
    }
    layers.push(new Dense({ name: 'output', units: this.numClasses }));
    const m = new Sequential(layers, { seed: o.seed, name: 'speech' });
    m.build([[null, null, this.inputDim]]);
    return m;
  }

  /** Features of a signal at `options.sampleRate`, stacked: (⌈T/k⌉, k·F) row-major. */
  featurize(signal: ArrayLike<number>): { data: Float32Array; steps: number } {
    const f = this.extractor.compute(signal);
    return { data: this.stackFrames(f.data, f.frames, f.dim), steps: Math.ceil(f.frames / this.options.frameStack) };
  }

  private stackFrames(data: Float32Array, T: number, F: number): Float32Array {
    const k = this.options.frameStack;
    if (k === 1) return data;
    const steps = Math.ceil(T / k);
    const out = new Float32Array(steps * k * F); // frames past T stay 0 (the normalised mean)
    out.set(data);
    return out;
  }

  /** CTC target ids (1-based) or the classifier label index of a transcript; unknown units are an error. */
  encode(transcript: string, where = 'transcript'): number[] {
    if (this.options.head === 'classifier') {
      const t = normalizeTranscript(transcript);
      const i = this.index.get(t);
      if (i === undefined) throw new Error(`${where}: label ${JSON.stringify(t)} is not one of the model's ${this.vocab.length} labels`);
      return [i];
    }
    return tokenize(transcript, this.options.tokens).map((u) => {
      const i = this.index.get(u);
      if (i === undefined) throw new Error(`${where}: ${this.options.tokens === 'chars' ? 'character' : 'word'} ${JSON.stringify(u)} is not in the model's vocabulary (${this.vocab.length} units)`);
      return i + 1;
    });
  }

  private decodeIds(ids: number[]): string {
    const units = ids.map((i) => this.vocab[i - 1]!);
    // A chars model may emit stray or doubled spaces: compare and print the normalised form.
    return normalizeTranscript(this.options.tokens === 'chars' ? units.join('') : units.join(' '));
  }

  /** Utterances `order` of `feats`, right-padded to the longest: (B, T, F) with a (B, T) mask. */
  private makeBatch(feats: readonly Float32Array[], order: readonly number[]): Var {
    const F = this.inputDim;
    const lengths = order.map((i) => feats[i]!.length / F);
    const T = Math.max(...lengths);
    const B = order.length;
    const t = Tensor.zeros([B, T, F]);
    const m = new Uint8Array(B * T);
    order.forEach((i, b) => {
      t.data.set(feats[i]!, b * T * F);
      m.fill(1, b * T, b * T + lengths[b]!);
    });
    const x = new Var(t, false);
    x.mask = m;
    return x;
  }

  /** Batches of indices, similar lengths together, in random order. */
  private batches(lengths: readonly number[], batchSize: number, rng: Rng): number[][] {
    const idx = Array.from(lengths.keys());
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    const chunk = batchSize * 50;
    const out: number[][] = [];
    for (let c = 0; c < idx.length; c += chunk) {
      const part = idx.slice(c, c + chunk).sort((a, b) => lengths[a]! - lengths[b]!);
      for (let s = 0; s < part.length; s += batchSize) out.push(part.slice(s, s + batchSize));
    }
    for (let i = out.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /**
   * Trains on `data` (signals at `options.sampleRate`) with Adam, gradient clipping and a
   * warm-up + cosine learning-rate schedule; batches group similar lengths.
   */
  async train(data: readonly Utterance[], opts: SpeechTrainOptions = {}): Promise<SpeechTrainResult> {
    const t0 = performance.now();
    const epochs = opts.epochs ?? 20;
    const batchSize = opts.batchSize ?? 32;
    const lr = opts.lr ?? 2e-3;
    const clip = opts.clipNorm ?? 5;
    if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`train: epochs must be a positive integer, got ${opts.epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`train: batchSize must be a positive integer, got ${opts.batchSize}`);
    if (!(lr > 0)) throw new Error(`train: lr must be positive, got ${opts.lr}`);
    if (data.length === 0) throw new Error('train: no training utterances');
    const aug = opts.specAugment ? specAugmentDefaults(opts.specAugment === true ? {} : opts.specAugment) : null;
    const rng = new Rng(opts.seed ?? 0);
    const isCtc = this.options.head === 'ctc';

    // Features once (they are deterministic); masking works on copies.
    const feats: Float32Array[] = [];
    const raw: { data: Float32Array; frames: number }[] = [];
    const targets: number[][] = [];
    let audioSeconds = 0;
    for (const [i, u] of data.entries()) {
      targets.push(this.encode(u.transcript, u.path || `utterance ${i}`));
      const f = this.extractor.compute(u.signal);
      audioSeconds += u.signal.length / this.options.sampleRate;
      if (aug) raw.push({ data: f.data, frames: f.frames });
      feats.push(this.stackFrames(f.data, f.frames, f.dim));
    }
    const featureSeconds = (performance.now() - t0) / 1000;
    const F = this.inputDim;
    const lengths = feats.map((f) => f.length / F);
    if (isCtc) {
      const bad = targets.findIndex((t, i) => ctcMinSteps(t) > lengths[i]!);
      if (bad >= 0)
        throw new Error(`train: ${data[bad]!.path || `utterance ${bad}`} has ${lengths[bad]} steps for ${targets[bad]!.length} CTC units (needs ${ctcMinSteps(targets[bad]!)}); use a smaller frameStack`);
    }

    const loss = isCtc ? new CTCLoss({ blank: 0, zeroInfinity: true }) : new CrossEntropy();
    const optimizer = new Adam({ lr });
    const params = this.model.parameters();
    const stepsPerEpoch = Math.ceil(data.length / batchSize);
    const totalSteps = epochs * stepsPerEpoch;
    const warmup = Math.min(200, Math.floor(totalSteps * 0.05));
    const lrAt = (s: number): number => (s < warmup ? (lr * (s + 1)) / warmup : lr * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * (s - warmup)) / Math.max(1, totalSteps - warmup)))));
    // Bands per feature block (c, Δc, Δ²c): frequency masks hit the same bands in each block.
    const bands = this.extractor.dim / (1 + this.extractor.options.deltas);
    let step = 0;
    let lastLoss = NaN;
    let stopReason: SpeechTrainResult['stopReason'] = 'epochs';
    let epoch = 0;
    for (; epoch < epochs; epoch++) {
      let lossSum = 0;
      let lossN = 0;
      for (const order of this.batches(lengths, batchSize, rng)) {
        if (opts.signal?.aborted) {
          stopReason = 'aborted';
          break;
        }
        const mark = arena.mark();
        try {
          let src: readonly Float32Array[] = feats;
          if (aug) {
            const copies: Float32Array[] = []; // sparse: only this batch's utterance indices
            for (const i of order) {
              const r = raw[i]!;
              const c = r.data.slice();
              specAugment(c, r.frames, this.extractor.dim, bands, aug, rng);
              copies[i] = this.stackFrames(c, r.frames, this.extractor.dim);
            }
            src = copies;
          }
          const x = this.makeBatch(src, order);
          const B = order.length;
          let y: Float32Array;
          if (isCtc) {
            const S = Math.max(1, ...order.map((i) => targets[i]!.length));
            y = new Float32Array(B * S).fill(CTC_PAD);
            order.forEach((i, b) => y.set(targets[i]!, b * S));
          } else y = Float32Array.from(order, (i) => targets[i]![0]!);
          optimizer.lr = lrAt(step);
          const total = recording(() => loss.compute(this.model.call([x], { training: true, rng })[0]!, y));
          if (!total) {
            tape.clear();
            continue;
          }
          const v = total.data[0]!;
          if (!Number.isFinite(v)) throw new Error(`train: the loss became ${v} at epoch ${epoch + 1}, step ${step + 1}; try a lower lr`);
          backward(total);
          clipGradNorm(params, clip);
          optimizer.step(params);
          optimizer.zeroGrad(params);
          lossSum += v * B;
          lossN += B;
          step++;
        } catch (e) {
          tape.clear();
          optimizer.zeroGrad(params);
          throw e;
        } finally {
          arena.release(mark);
        }
        await new Promise<void>((r) => setImmediate(r));
      }
      if (stopReason === 'aborted') break;
      lastLoss = lossSum / Math.max(1, lossN);
      this.stats.epochs++;
      const valid = opts.valid ? this.evaluate(opts.valid) : null;
      await opts.onEpoch?.({ epoch: epoch + 1, epochs, steps: step, loss: lastLoss, seconds: (performance.now() - t0) / 1000, valid });
    }
    this.stats.steps += step;
    const seconds = (performance.now() - t0) / 1000;
    this.stats.trainSeconds += seconds;
    return { epochs: epoch, steps: step, loss: lastLoss, seconds, featureSeconds, audioSeconds, stopReason };
  }

  /** Output scores per utterance: (steps, classes) for CTC, (classes) for the classifier. */
  private forward(feats: readonly Float32Array[], batchSize: number): Float32Array[] {
    const F = this.inputDim;
    const lengths = feats.map((f) => f.length / F);
    const order = Array.from(lengths.keys()).sort((a, b) => lengths[a]! - lengths[b]!);
    const out: Float32Array[] = new Array(feats.length);
    const C = this.numClasses;
    const rng = new Rng(0);
    for (let s = 0; s < order.length; s += batchSize) {
      const idx = order.slice(s, s + batchSize);
      const mark = arena.mark();
      try {
        const x = this.makeBatch(feats, idx);
        const y = this.model.call([x], { training: false, rng })[0]!;
        const T = x.shape[1]!;
        idx.forEach((i, b) => {
          const [from, to] = this.options.head === 'ctc' ? [b * T * C, (b * T + lengths[i]!) * C] : [b * C, (b + 1) * C];
          out[i] = Float32Array.from(y.data.subarray(from, to));
        });
      } finally {
        arena.release(mark);
      }
    }
    return out;
  }

  /** Transcripts of signals at `options.sampleRate`. */
  transcribeMany(signals: readonly ArrayLike<number>[], opts: DecodeOptions = {}): string[] {
    const beam = opts.beamWidth ?? 0;
    const scores = this.forward(
      signals.map((s) => this.featurize(s).data),
      opts.batchSize ?? 32,
    );
    const C = this.numClasses;
    return scores.map((y) => {
      if (this.options.head === 'classifier') {
        let best = 0;
        for (let c = 1; c < C; c++) if (y[c]! > y[best]!) best = c;
        return this.vocab[best]!;
      }
      const T = y.length / C;
      const ids = beam > 1 ? ctcBeamSearch(y, T, C, { beamWidth: beam, blank: 0 })[0]!.tokens : ctcGreedyDecode(y, T, C, 0);
      return this.decodeIds(ids);
    });
  }

  /** Transcript of one signal at `options.sampleRate`. */
  transcribe(signal: ArrayLike<number>, opts: DecodeOptions = {}): string {
    return this.transcribeMany([signal], opts)[0]!;
  }

  /** Accuracy, CER and WER on utterances (signals at `options.sampleRate`), plus the hypotheses. */
  evaluate(data: readonly Utterance[], opts: DecodeOptions = {}): SpeechScores & { hypotheses: string[]; seconds: number } {
    const t0 = performance.now();
    const hyps = this.transcribeMany(
      data.map((u) => u.signal),
      opts,
    );
    const s = scoreTranscripts(
      hyps,
      data.map((u) => u.transcript),
    );
    return { ...s, hypotheses: hyps, seconds: (performance.now() - t0) / 1000 };
  }

  /** Saves weights, options and vocabulary in one `.safetensors` file. */
  async save(path: string): Promise<void> {
    const meta: FileMeta = { options: this.options, vocab: this.vocab, stats: { ...this.stats } };
    await saveModel(this.model, path, { metadata: { speechRecognizer: meta } });
  }

  /** Loads a recogniser written by {@link SpeechRecognizer.save}. */
  static async load(path: string): Promise<SpeechRecognizer> {
    const { user } = await readModelMetadata(path);
    const meta = user.speechRecognizer as Partial<FileMeta> | undefined;
    if (typeof meta !== 'object' || meta === null)
      throw new Error(`${path}: a recurrent model, but not a speech recogniser (no "speechRecognizer" metadata); it was not written by SpeechRecognizer.save / 'recurrent speech train'`);
    if (!Array.isArray(meta.vocab) || meta.vocab.some((v) => typeof v !== 'string')) throw new Error(`${path}: the speech recogniser's vocabulary is damaged`);
    let options: Required<SpeechRecognizerOptions>;
    try {
      options = checkOptions(meta.options ?? {});
    } catch (e) {
      throw new Error(`${path}: the speech recogniser's options are damaged: ${(e as Error).message}`, { cause: e });
    }
    const r = new SpeechRecognizer(options, meta.vocab);
    const loaded = await loadModel(path);
    r.model.loadStateDict(loaded.stateDict(), true, path);
    if (meta.stats) r.stats = { ...r.stats, ...meta.stats };
    return r;
  }
}

/** Fewest CTC steps a target needs: one per unit plus one blank between equal neighbours. */
export function ctcMinSteps(ids: readonly number[]): number {
  let n = ids.length;
  for (let i = 1; i < ids.length; i++) if (ids[i] === ids[i - 1]) n++;
  return n;
}
