/**
 * The training loop of a {@link Seq2SeqModel}. `fit` covers teacher forcing with a functional
 * model; step-by-step decoding with input feeding and scheduled sampling needs its own step, so
 * this loop does what `fit` does around it, with the same parts: one arena mark/release per
 * batch, the tape (`recording` → `backward`), non-finite checks (loss, gradients, and an update
 * that overflows a parameter is undone), gradient clipping, optimizer step, LR schedules, and the
 * `Callback` protocol of `src/train` (`EarlyStopping`, `ModelCheckpoint`, `CSVLogger`, progress)
 * with checkpoints written and resumed by `saveCheckpoint` / `loadCheckpoint`.
 *
 * Batches group sentences of similar length (`bucketByLength`); the logged `loss` is the mean
 * cross-entropy per target token (`<eos>` included, padding excluded), as is `val_loss`.
 */
import { arena } from '../../tensor/tensor.js';
import { Rng } from '../../tensor/rng.js';
import { backward, recording, tape } from '../../autograd/tape.js';
import { sumSquares } from '../../kernels/ref/optim.js';
import { clipGradNorm, clipGradValue } from '../../nn/clip.js';
import { getOptimizer, optimizerFromConfig } from '../../nn/optimizers.js';
import type { Optimizer } from '../../nn/optimizers.js';
import { ReduceLROnPlateau } from '../../nn/schedules.js';
import type { LRSchedule } from '../../nn/schedules.js';
import { bucketByLength } from '../../text/sequences.js';
import type { Callback, Logs, TrainingContext } from '../../train/callbacks.js';
import { NonFiniteError } from '../../train/fit.js';
import type { History } from '../../train/fit.js';
import { loadCheckpoint } from '../../train/serialize.js';
import { beamSearch, greedyDecode } from './decode.js';
import type { BeamSearchOptions } from './decode.js';
import type { Seq2SeqModel } from './model.js';

/** Parallel id sequences (no `<sos>`/`<eos>`, no padding). */
export interface Seq2SeqExamples {
  sources: readonly ArrayLike<number>[];
  targets: readonly ArrayLike<number>[];
}

/** Options of {@link trainSeq2Seq}. */
export interface Seq2SeqTrainOptions {
  /** Total epochs (counting those before a resume). Default 10. */
  epochs?: number;
  /** Sentence pairs per step. Default 32. */
  batchSize?: number;
  /** Optimizer instance (keeps its state across calls) or name. Default Adam. */
  optimizer?: Optimizer | 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
  /**
   * Learning rate of a named optimizer. Default 1e-3. With `resume` it replaces the rate saved in
   * the checkpoint (left out, the checkpoint's rate goes on).
   */
  lr?: number;
  /** Global gradient-norm clip. Default 1; 0 disables. */
  clipNorm?: number;
  /** Clip every gradient value to [−v, v]. */
  clipValue?: number;
  /** Scheduled sampling rate, constant or per epoch (0-based). Default 0 (teacher forcing). */
  samplingRate?: number | ((epoch: number) => number);
  /** Label smoothing ε of the cross-entropy. Default 0. */
  labelSmoothing?: number;
  schedule?: LRSchedule | ReduceLROnPlateau;
  /** Validation pairs: `val_loss` every epoch, and the metric below. */
  validation?: Seq2SeqExamples;
  /**
   * Scores decoded validation sentences (ids without `<eos>`), e.g. BLEU or WER; each entry
   * `k` is logged as `val_k`. `indices` are the positions in `validation` that were decoded.
   */
  validationMetric?: (hypotheses: number[][], indices: number[]) => Record<string, number>;
  /** Decoding for the metric: greedy (default) or beam search with `beamSize` > 1. */
  validationDecode?: BeamSearchOptions;
  /** Decode at most this many validation sentences for the metric (spread evenly). Default all. */
  validationLimit?: number;
  callbacks?: Callback[];
  /** A checkpoint from `ModelCheckpoint` to continue from (weights, optimizer, RNG, history). */
  resume?: string;
  /** Seed of batching, dropout and sampling. Default the model's seed. */
  seed?: number;
  /** Stops after the current batch (`stopReason: 'aborted'`). */
  signal?: AbortSignal;
  /** Stop after this many optimizer steps in total (`stopReason: 'maxSteps'`). */
  maxSteps?: number;
  /** Stop after the batch that uses up this many seconds (`stopReason: 'time'`). */
  timeBudgetSeconds?: number;
}

function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  return new Promise((r) => setTimeout(r, 0));
}

function firstNonFinite(d: ArrayLike<number>): number {
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return i;
  return -1;
}

function checkExamples(ex: Seq2SeqExamples, what: string): void {
  if (!ex || !Array.isArray(ex.sources) || !Array.isArray(ex.targets)) throw new Error(`trainSeq2Seq: ${what} must be { sources, targets } (arrays of id sequences)`);
  if (ex.sources.length !== ex.targets.length) throw new Error(`trainSeq2Seq: ${what} has ${ex.sources.length} sources but ${ex.targets.length} targets`);
}

function countTokens(out: Int32Array, padId: number): number {
  let n = 0;
  for (let i = 0; i < out.length; i++) if (out[i] !== padId) n++;
  return n;
}

/**
 * Mean cross-entropy per target token of `data` (teacher forcing, inference mode, no sampling).
 *
 * @example
 * const nats = seq2seqLoss(model, { sources, targets });   // perplexity = Math.exp(nats)
 */
export function seq2seqLoss(model: Seq2SeqModel, data: Seq2SeqExamples, batchSize = 64): number {
  checkExamples(data, 'data');
  const N = data.sources.length;
  const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => data.sources[a]!.length - data.sources[b]!.length);
  const ctx = { training: false, rng: new Rng(0) };
  let sum = 0;
  let tokens = 0;
  for (let start = 0; start < N; start += batchSize) {
    const idx = order.slice(start, start + batchSize);
    const m = arena.mark();
    try {
      const src = model.sourceBatch(idx.map((i) => data.sources[i]!));
      const tgt = model.targetBatch(idx.map((i) => data.targets[i]!));
      const l = model.loss(src, tgt, ctx);
      if (!l) continue;
      const n = countTokens(tgt.output, model.config.padId);
      sum += l.data[0]! * n;
      tokens += n;
    } finally {
      arena.release(m);
    }
  }
  return tokens ? sum / tokens : NaN;
}

/**
 * Trains `model` on parallel id sequences; resolves with the per-epoch logs (`loss`,
 * `val_loss`, `val_<metric>`, `lr`) and why training stopped.
 *
 * @example
 * const h = await trainSeq2Seq(model, train, {
 *   epochs: 20, batchSize: 64, lr: 1e-3, validation: valid,
 *   validationMetric: (hyps, idx) => ({ bleu: corpusBleu(hyps.map(detok), [idx.map((i) => refs[i])]).score }),
 *   callbacks: [new EarlyStopping({ monitor: 'val_bleu', mode: 'max', patience: 3, restoreBestWeights: true })],
 * });
 */
export async function trainSeq2Seq(model: Seq2SeqModel, data: Seq2SeqExamples, opts: Seq2SeqTrainOptions = {}): Promise<History> {
  const where = 'trainSeq2Seq';
  checkExamples(data, 'data');
  if (opts.validation) checkExamples(opts.validation, 'validation');
  const N = data.sources.length;
  if (N === 0) throw new Error(`${where}: no training pairs`);
  const posInt = (v: unknown, what: string): number => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new Error(`${where}: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const epochs = posInt(opts.epochs ?? 10, 'epochs');
  const batchSize = posInt(opts.batchSize ?? 32, 'batchSize');
  const clipNorm = opts.clipNorm ?? 1;
  if (!(clipNorm >= 0)) throw new Error(`${where}: clipNorm must be ≥ 0, got ${clipNorm}`);
  if (opts.clipValue !== undefined && !(opts.clipValue > 0)) throw new Error(`${where}: clipValue must be positive, got ${opts.clipValue}`);
  const maxSteps = opts.maxSteps === undefined ? Infinity : posInt(opts.maxSteps, 'maxSteps');
  const rateAt = (epoch: number): number => {
    const r = typeof opts.samplingRate === 'function' ? opts.samplingRate(epoch) : (opts.samplingRate ?? 0);
    if (!(r >= 0 && r <= 1)) throw new Error(`${where}: samplingRate must be in [0, 1], got ${r} at epoch ${epoch + 1}`);
    return r;
  };
  const labelSmoothing = opts.labelSmoothing ?? 0;
  // Check every id now rather than failing in the middle of an epoch.
  model.sourceBatch(data.sources);
  model.targetBatch(data.targets);

  const rng = new Rng(opts.seed ?? model.seed);
  let optimizer: Optimizer;
  if (opts.optimizer === undefined || typeof opts.optimizer === 'string') {
    const named = getOptimizer(opts.optimizer ?? 'adam');
    if (opts.lr !== undefined && !(opts.lr > 0)) throw new Error(`${where}: lr must be positive, got ${opts.lr}`);
    optimizer = opts.lr === undefined ? named : optimizerFromConfig({ ...named.getConfig(), lr: opts.lr });
  } else optimizer = opts.optimizer;
  const named = model.namedParameters();
  const params = named.map(([, p]) => p);
  const history: Record<string, number[]> = {};
  const epochsRun: number[] = [];
  let initialEpoch = 0;
  if (opts.resume) {
    const ck = await loadCheckpoint(opts.resume);
    model.loadStateDict(ck.model.stateDict(), true, opts.resume);
    if (!ck.optimizerState) throw new Error(`${where}: ${opts.resume} has no optimizer state (.optim.safetensors sidecar); it cannot be resumed`);
    if (opts.optimizer === undefined) optimizer = optimizerFromConfig(ck.optimizerState.config);
    optimizer.loadStateDict(named, ck.optimizerState, opts.resume);
    // A learning rate given with `resume` replaces the checkpoint's: continue at a lower rate.
    if (opts.lr !== undefined && (opts.optimizer === undefined || typeof opts.optimizer === 'string')) optimizer.lr = opts.lr;
    rng.setState(ck.rngState);
    initialEpoch = ck.epoch + 1;
    for (const [k, v] of Object.entries(ck.history ?? {})) history[k] = [...v];
    for (let e = 0; e < initialEpoch; e++) epochsRun.push(e);
  }

  const lengths = data.sources.map((s, i) => Math.max(s.length, data.targets[i]!.length));
  const stepsPerEpoch = Math.ceil(N / batchSize);
  const callbacks = [...(opts.callbacks ?? [])];
  const ctx: TrainingContext = { model, optimizer, epochs, stepsPerEpoch, stopTraining: false, stopReason: null, rngState: () => rng.getState(), history };
  const emit = async (fn: (c: Callback) => void | Promise<void> | undefined): Promise<void> => {
    for (const c of callbacks) await fn(c);
  };
  const schedule = opts.schedule;
  const t0 = performance.now();
  const before = params.map((p) => p.data.slice());
  let lastLogs: Logs = {};

  await emit((c) => c.onTrainBegin?.(ctx));
  for (let epoch = initialEpoch; epoch < epochs && !ctx.stopTraining; epoch++) {
    if (opts.signal?.aborted) {
      ctx.stopTraining = true;
      ctx.stopReason = 'aborted';
      break;
    }
    await emit((c) => c.onEpochBegin?.(epoch, ctx));
    if (schedule && !(schedule instanceof ReduceLROnPlateau) && schedule.unit === 'epoch') optimizer.lr = schedule.lrAt(epoch, optimizer.initialLr);
    const samplingRate = rateAt(epoch);
    const batches = bucketByLength(lengths, batchSize, rng);
    let lossSum = 0;
    let tokens = 0;
    for (let s = 0; s < batches.length; s++) {
      if (opts.signal?.aborted) {
        ctx.stopTraining = true;
        ctx.stopReason = 'aborted';
        break;
      }
      if (optimizer.iterations >= maxSteps) {
        ctx.stopTraining = true;
        ctx.stopReason = 'maxSteps';
        break;
      }
      if (opts.timeBudgetSeconds !== undefined && (performance.now() - t0) / 1000 >= opts.timeBudgetSeconds) {
        ctx.stopTraining = true;
        ctx.stopReason = 'time';
        break;
      }
      if (schedule && !(schedule instanceof ReduceLROnPlateau) && schedule.unit === 'step') optimizer.lr = schedule.lrAt(optimizer.iterations, optimizer.initialLr);
      const idx = batches[s]!;
      const mark = arena.mark();
      try {
        const src = model.sourceBatch(idx.map((i) => data.sources[i]!));
        const tgt = model.targetBatch(idx.map((i) => data.targets[i]!));
        const loss = recording(() => model.loss(src, tgt, { training: true, rng }, { samplingRate, labelSmoothing }));
        if (!loss) {
          tape.clear();
          continue;
        }
        const value = loss.data[0]!;
        const at = `epoch ${epoch + 1}, step ${s + 1} (iteration ${optimizer.iterations + 1})`;
        if (!Number.isFinite(value)) throw new NonFiniteError(`${where}: the loss became ${value} at ${at}; try a lower learning rate or clipNorm`);
        backward(loss);
        for (const [name, p] of named) {
          if (p.trainable && !Number.isFinite(sumSquares(p.grad!.data, p.size))) throw new NonFiniteError(`${where}: the gradient of '${name}' became non-finite at ${at}; try a lower learning rate`);
        }
        if (opts.clipValue !== undefined) clipGradValue(params, opts.clipValue);
        if (clipNorm > 0) clipGradNorm(params, clipNorm);
        params.forEach((p, i) => before[i]!.set(p.data));
        optimizer.step(params);
        for (let i = 0; i < params.length; i++) {
          const bad = firstNonFinite(params[i]!.data);
          if (bad < 0) continue;
          params.forEach((p, j) => p.data.set(before[j]!));
          throw new NonFiniteError(`${where}: the update at ${at} made parameter '${named[i]![0]}' non-finite (element ${bad}); the weights were put back; try a lower learning rate`);
        }
        optimizer.zeroGrad(params);
        const n = countTokens(tgt.output, model.config.padId);
        lossSum += value * n;
        tokens += n;
      } catch (e) {
        tape.clear();
        optimizer.zeroGrad(params);
        throw e;
      } finally {
        arena.release(mark);
      }
      await emit((c) => c.onBatchEnd?.(s, { loss: lossSum / tokens }, ctx));
      await yieldToEventLoop();
    }
    if (ctx.stopReason === 'aborted' || (tokens === 0 && ctx.stopTraining)) break;
    const logs: Logs = { loss: tokens ? lossSum / tokens : NaN };
    const val = opts.validation;
    if (val && val.sources.length > 0) {
      logs.val_loss = seq2seqLoss(model, val, batchSize);
      if (opts.validationMetric) Object.assign(logs, prefixed(validationScores(model, val, opts), 'val_'));
    }
    logs.lr = optimizer.lr;
    if (schedule instanceof ReduceLROnPlateau) schedule.update(logs.val_loss ?? logs.loss!, optimizer);
    for (const [k, v] of Object.entries(logs)) (history[k] ??= []).push(v);
    epochsRun.push(epoch);
    lastLogs = logs;
    await emit((c) => c.onEpochEnd?.(epoch, logs, ctx));
  }
  await emit((c) => c.onTrainEnd?.(lastLogs, ctx));
  return { epochs: epochsRun, history, stopReason: ctx.stopReason };
}

function prefixed(o: Record<string, number>, p: string): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [`${p}${k}`, v]));
}

/** Decodes (part of) the validation set and scores it with `validationMetric`. */
function validationScores(model: Seq2SeqModel, val: Seq2SeqExamples, opts: Seq2SeqTrainOptions): Record<string, number> {
  const N = val.sources.length;
  const limit = Math.min(N, opts.validationLimit ?? N);
  const indices = Array.from({ length: limit }, (_, k) => Math.floor((k * N) / limit));
  const sources = indices.map((i) => val.sources[i]!);
  const dec = opts.validationDecode ?? {};
  const hyps = (dec.beamSize ?? 1) > 1 ? beamSearch(model, sources, dec).map((h) => h[0]!.tokens) : greedyDecode(model, sources, dec).map((h) => h.tokens);
  return opts.validationMetric!(hyps, indices);
}
