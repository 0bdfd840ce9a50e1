import { Tensor, arena } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { backward, recording, tape } from '../autograd/tape.js';
import type { Var } from '../autograd/tape.js';
import { weightedSum } from '../autograd/loss_ops.js';
import { getLoss } from '../nn/losses.js';
import type { Loss, LossName } from '../nn/losses.js';
import { getOptimizer, optimizerFromConfig } from '../nn/optimizers.js';
import type { Optimizer } from '../nn/optimizers.js';
import { clipGradNorm, clipGradValue } from '../nn/clip.js';
import { ReduceLROnPlateau } from '../nn/schedules.js';
import type { LRSchedule } from '../nn/schedules.js';
import { sumSquares } from '../kernels/ref/optim.js';
import { gatherRows, toNDArray } from './data.js';
import type { NDArray, TensorLike } from './data.js';
import { getMetric } from './metrics.js';
import type { Metric, MetricName } from './metrics.js';
import type { Callback, Logs, TrainingContext } from './callbacks.js';
import { ProgressBar } from './progress.js';
import type { BaseModel } from './model.js';

/** Options of `model.fit`. Nothing needs compiling first: loss and optimizer are given here. */
export interface FitOptions {
  /** Loss per model output (one for single-output models). */
  loss: Loss | LossName | (Loss | LossName)[];
  /** Weights of the per-output losses in the total. Default all 1. */
  lossWeights?: number[];
  /** Optimizer instance (keeps its state across fit calls) or name. Default `adam`. */
  optimizer?: Optimizer | 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
  /** Metrics reported per epoch (first output). */
  metrics?: (Metric | MetricName)[];
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training rows every epoch. Default true. */
  shuffle?: boolean;
  /** Fraction of rows, taken from the end before shuffling, used for validation. */
  validationSplit?: number;
  /** Explicit validation data `[x, y]`. */
  validationData?: [TensorLike | TensorLike[], TensorLike | TensorLike[]];
  callbacks?: Callback[];
  /** Stops training after the current batch; `fit` then resolves with `stopReason: 'aborted'`. */
  signal?: AbortSignal;
  /** Seed of shuffling and dropout. Default: the model's seed. */
  seed?: number;
  /** Clip the global gradient norm (PyTorch `clip_grad_norm_`). */
  clipNorm?: number;
  /** Clip every gradient value to [−v, v]. */
  clipValue?: number;
  /** Learning-rate schedule, or `ReduceLROnPlateau` (watches `val_loss`, else `loss`). */
  schedule?: LRSchedule | ReduceLROnPlateau;
  /** 0 silent, 1 progress bar on a TTY / a line per epoch (default), 'json' JSON lines. */
  verbose?: 0 | 1 | 'json';
  /** Epoch to start from (epochs counts the total). Default 0. */
  initialEpoch?: number;
  /** Path of a checkpoint from `ModelCheckpoint`: loads weights, optimizer and random state and continues. */
  resume?: string;
}

/** What `fit` returns: loss and metrics per epoch. */
export interface History {
  epochs: number[];
  history: Record<string, number[]>;
  /** `aborted`, an early-stopping message, or null when all epochs ran. */
  stopReason: string | null;
}

/**
 * Raised when the loss or a gradient stops being finite, or an optimizer update overflows a
 * parameter. The parameters are never left non-finite: an overflowing update is undone (the
 * optimizer's own state, e.g. Adam's moments, has still taken that step).
 */
export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

interface Prepared {
  xs: NDArray[];
  ys: NDArray[];
}

function asList(v: TensorLike | TensorLike[], n: number, what: string): TensorLike[] {
  if (n === 1) return [v as TensorLike];
  if (!Array.isArray(v) || v.length !== n) throw new Error(`${what}: the model has ${n} outputs; pass an array of ${n} target arrays`);
  return v as TensorLike[];
}

function sliceRows(a: NDArray, start: number, end: number): NDArray {
  const row = a.data.length / a.shape[0]!;
  return { data: a.data.subarray(start * row, end * row), shape: [end - start, ...a.shape.slice(1)] };
}

/** One finite weight per output (default all 1). */
function checkLossWeights(w: unknown, nOut: number, where: string): number[] {
  if (w === undefined) return new Array<number>(nOut).fill(1);
  if (!Array.isArray(w) || w.length !== nOut)
    throw new Error(`${where}: lossWeights has ${Array.isArray(w) ? w.length : JSON.stringify(w)} value(s) but the model has ${nOut} output(s); give one weight per output`);
  w.forEach((v, k) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: lossWeights[${k}] must be a finite number, got ${String(v)}`);
  });
  return w as number[];
}

/**
 * Lets timers, I/O and UI work run between batches. setImmediate where it exists (Node); a
 * MessageChannel task in browsers (setTimeout(0) is clamped to ≥ 4 ms when nested).
 */
function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  if (typeof MessageChannel === 'function')
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(null);
    });
  return new Promise((r) => setTimeout(r, 0));
}

/** Index of the first non-finite value, or −1 (x·0 is 0 for finite x and NaN otherwise). */
function firstNonFinite(d: ArrayLike<number>): number {
  let acc = 0;
  for (let i = 0; i < d.length; i++) acc += d[i]! * 0;
  if (acc === 0) return -1;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return i;
  return -1;
}

function checkPositiveInt(v: unknown, what: string, where = 'fit'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${where}: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Gathers rows of every target into arena tensors. */
function batchTargets(ys: NDArray[], order: ArrayLike<number>, start: number, end: number): Float32Array[] {
  return ys.map((a) => {
    const t = Tensor.temp([end - start, ...a.shape.slice(1)]);
    gatherRows(a, order, start, end, t.data);
    return t.data as Float32Array;
  });
}

/** The trainer behind `model.fit`. */
export async function fit(model: BaseModel, x: TensorLike | TensorLike[], y: TensorLike | TensorLike[], opts: FitOptions): Promise<History> {
  if (!opts || opts.loss === undefined) throw new Error("fit: options.loss is required, e.g. { loss: 'crossEntropy' }");
  const epochs = checkPositiveInt(opts.epochs ?? 1, 'epochs');
  const batchSize = checkPositiveInt(opts.batchSize ?? 32, 'batchSize');
  if (opts.validationSplit !== undefined && !(opts.validationSplit > 0 && opts.validationSplit < 1)) throw new Error(`fit: validationSplit must be in (0, 1), got ${opts.validationSplit}`);
  if (opts.clipNorm !== undefined && !(opts.clipNorm > 0)) throw new Error(`fit: clipNorm must be positive, got ${opts.clipNorm}`);
  if (opts.clipValue !== undefined && !(opts.clipValue > 0)) throw new Error(`fit: clipValue must be positive, got ${opts.clipValue}`);

  let xs = model.inputsToArrays(x, 'x');
  model.buildFromData(xs);
  const nOut = outputCount(model);
  let ys = asList(y, nOut, 'y').map((v, i) => toNDArray(v, nOut > 1 ? `y[${i}]` : 'y'));
  const N = xs[0]!.shape[0]!;
  ys.forEach((a, i) => {
    if (a.shape[0] !== N) throw new Error(`fit: x has ${N} samples but y${nOut > 1 ? `[${i}]` : ''} has ${a.shape[0]}`);
  });
  if (N === 0) throw new Error('fit: no training samples (x is empty)');
  const lossList = (Array.isArray(opts.loss) ? opts.loss : [opts.loss]).map(getLoss);
  if (lossList.length !== nOut) throw new Error(`fit: the model has ${nOut} output(s) but ${lossList.length} loss(es) were given`);
  const lossWeights = checkLossWeights(opts.lossWeights, nOut, 'fit');
  const outShapes = predictShapes(model, xs);
  lossList.forEach((l, k) => l.validate(outShapes[k]!, ys[k]!, nOut > 1 ? `y[${k}]` : 'y'));

  let val: Prepared | null = null;
  if (opts.validationData) {
    const [vx, vy] = opts.validationData;
    const vxs = model.inputsToArrays(vx, 'validationData[0]');
    const vys = asList(vy, nOut, 'validationData[1]').map((v, i) => toNDArray(v, `validationData[1]${nOut > 1 ? `[${i}]` : ''}`));
    const nv = vxs[0]!.shape[0]!;
    vys.forEach((a, i) => {
      if (a.shape[0] !== nv) throw new Error(`fit: validationData[0] has ${nv} samples but validationData[1]${nOut > 1 ? `[${i}]` : ''} has ${a.shape[0]}`);
    });
    lossList.forEach((l, k) => l.validate(outShapes[k]!, vys[k]!, 'validationData[1]'));
    val = { xs: vxs, ys: vys };
  } else if (opts.validationSplit) {
    const nVal = Math.floor(N * opts.validationSplit);
    if (nVal < 1 || nVal >= N) throw new Error(`fit: validationSplit ${opts.validationSplit} of ${N} samples leaves no ${nVal < 1 ? 'validation' : 'training'} data`);
    val = { xs: xs.map((a) => sliceRows(a, N - nVal, N)), ys: ys.map((a) => sliceRows(a, N - nVal, N)) };
    xs = xs.map((a) => sliceRows(a, 0, N - nVal));
    ys = ys.map((a) => sliceRows(a, 0, N - nVal));
  }
  const nTrain = xs[0]!.shape[0]!;

  const lossObj = lossList[0]!;
  const metricOpts = { logits: 'fromLogits' in lossObj ? (lossObj as { fromLogits: boolean }).fromLogits : false, ignoreIndex: (lossObj as { ignoreIndex?: number }).ignoreIndex };
  const metricNames = opts.metrics ?? [];
  const makeMetrics = (): Metric[] => metricNames.map((m) => getMetric(m, metricOpts));
  const trainMetrics = makeMetrics();
  const valMetrics = makeMetrics();

  const rng = new Rng(opts.seed ?? model.seed);
  let optimizer = getOptimizer(opts.optimizer ?? 'adam');
  const named = model.namedParameters();
  const params = named.map(([, p]) => p);
  let initialEpoch = opts.initialEpoch ?? 0;
  const history: Record<string, number[]> = {};
  const epochsRun: number[] = [];

  if (opts.resume) {
    const { loadCheckpoint } = await import('./serialize.js');
    const ck = await loadCheckpoint(opts.resume);
    model.loadStateDict(ck.model.stateDict(), true, opts.resume);
    if (!ck.optimizerState) throw new Error(`fit: ${opts.resume} has no optimizer state (.optim.safetensors sidecar); it cannot be resumed`);
    if (!opts.optimizer) optimizer = optimizerFromConfig(ck.optimizerState.config);
    optimizer.loadStateDict(named, ck.optimizerState, opts.resume);
    rng.setState(ck.rngState);
    initialEpoch = ck.epoch + 1;
    for (const [k, v] of Object.entries(ck.history ?? {})) history[k] = [...v];
    for (let e = 0; e < initialEpoch; e++) epochsRun.push(e);
  }

  const steps = Math.ceil(nTrain / batchSize);
  const callbacks: Callback[] = [...(opts.callbacks ?? [])];
  const verbose = opts.verbose ?? 1;
  if (verbose !== 0) callbacks.push(new ProgressBar({ json: verbose === 'json' }));
  const ctx: TrainingContext = {
    model,
    optimizer,
    epochs,
    stepsPerEpoch: steps,
    stopTraining: false,
    stopReason: null,
    rngState: () => rng.getState(),
    history,
  };
  const schedule = opts.schedule;
  const emit = async (fn: (c: Callback) => void | Promise<void> | undefined): Promise<void> => {
    for (const c of callbacks) await fn(c);
  };

  await emit((c) => c.onTrainBegin?.(ctx));
  const order = new Int32Array(nTrain);
  // The weights before each optimizer step, to undo an update that overflows them.
  const before = params.map((p) => p.data.slice());
  let lastLogs: Logs = {};
  for (let epoch = initialEpoch; epoch < epochs && !ctx.stopTraining; epoch++) {
    // An abort during the previous epoch's last batch (or before fit) starts no new epoch.
    if (opts.signal?.aborted) {
      ctx.stopTraining = true;
      ctx.stopReason = 'aborted';
      break;
    }
    await emit((c) => c.onEpochBegin?.(epoch, ctx));
    for (let i = 0; i < nTrain; i++) order[i] = i;
    if (opts.shuffle ?? true) rng.shuffle(order);
    if (schedule && !(schedule instanceof ReduceLROnPlateau) && schedule.unit === 'epoch') optimizer.lr = schedule.lrAt(epoch, optimizer.initialLr);
    for (const m of trainMetrics) m.reset();
    let lossSum = 0;
    let lossRows = 0;
    for (let s = 0; s < steps; s++) {
      if (opts.signal?.aborted) {
        ctx.stopTraining = true;
        ctx.stopReason = 'aborted';
        break;
      }
      if (schedule && !(schedule instanceof ReduceLROnPlateau) && schedule.unit === 'step') optimizer.lr = schedule.lrAt(optimizer.iterations, optimizer.initialLr);
      const start = s * batchSize;
      const end = Math.min(nTrain, start + batchSize);
      const mark = arena.mark();
      try {
        const xb = model.batchVars(xs, order, start, end);
        const yb = batchTargets(ys, order, start, end);
        const total = recording(() => {
          const outs = model.call(xb, { training: true, rng });
          updateMetrics(trainMetrics, outs[0]!, yb[0]!);
          const terms: Var[] = [];
          const w: number[] = [];
          lossList.forEach((l, k) => {
            const t = l.compute(outs[k]!, yb[k]!);
            if (t) {
              terms.push(t);
              w.push(lossWeights[k] ?? 1);
            }
          });
          return terms.length ? weightedSum(terms, w) : null;
        });
        if (!total) {
          tape.clear();
          continue;
        }
        const lossValue = total.data[0]!;
        if (!Number.isFinite(lossValue))
          throw new NonFiniteError(`fit: the loss became ${lossValue} at epoch ${epoch + 1}, step ${s + 1} (iteration ${optimizer.iterations + 1}); try a lower learning rate or clipNorm`);
        backward(total);
        for (const [name, p] of named) {
          if (!p.trainable) continue;
          const ss = sumSquares(p.grad!.data, p.size);
          if (!Number.isFinite(ss)) throw new NonFiniteError(`fit: the gradient of '${name}' became non-finite at epoch ${epoch + 1}, step ${s + 1}; try a lower learning rate or clipNorm`);
        }
        if (opts.clipValue !== undefined) clipGradValue(params, opts.clipValue);
        if (opts.clipNorm !== undefined) clipGradNorm(params, opts.clipNorm);
        params.forEach((p, i) => before[i]!.set(p.data));
        optimizer.step(params);
        for (let i = 0; i < params.length; i++) {
          const at = firstNonFinite(params[i]!.data);
          if (at < 0) continue;
          params.forEach((p, j) => p.data.set(before[j]!));
          throw new NonFiniteError(
            `fit: the update at epoch ${epoch + 1}, step ${s + 1} made parameter '${named[i]![0]}' non-finite (element ${at} became ${params[i]!.data[at]}) although its gradient was finite; ` +
              'the weights were put back as they were before this step; try a lower learning rate or clipNorm',
          );
        }
        optimizer.zeroGrad(params);
        lossSum += lossValue * (end - start);
        lossRows += end - start;
      } catch (e) {
        tape.clear();
        optimizer.zeroGrad(params);
        throw e;
      } finally {
        arena.release(mark);
      }
      const logs: Logs = { loss: lossSum / lossRows };
      for (const m of trainMetrics) logs[m.name] = m.result();
      await emit((c) => c.onBatchEnd?.(s, logs, ctx));
      await yieldToEventLoop();
    }
    if (ctx.stopReason === 'aborted') break;
    const logs: Logs = { loss: lossRows ? lossSum / lossRows : NaN };
    for (const m of trainMetrics) logs[m.name] = m.result();
    if (val) {
      const v = evaluateArrays(model, val.xs, val.ys, lossList, lossWeights, valMetrics, batchSize);
      logs.val_loss = v.loss;
      for (const m of valMetrics) logs[`val_${m.name}`] = m.result();
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

function updateMetrics(metrics: Metric[], out: Var, target: Float32Array): void {
  if (!metrics.length) return;
  for (const m of metrics) m.update(out.data, out.shape, target, out.mask);
}

function outputCount(model: BaseModel): number {
  const o = (model as unknown as { outputs?: unknown[] }).outputs;
  return Array.isArray(o) ? o.length : 1;
}

/** Output shapes for the data's input shapes, derived symbolically (no forward pass, so stateful layers keep their state). */
function predictShapes(model: BaseModel, xs: NDArray[]): (number | null)[][] {
  return model.outputShapes(xs.map((x) => [null, ...x.shape.slice(1)])).map((s) => [...s]);
}

/** Mean loss (weighted by rows) and metrics over a data set, in inference mode. */
export function evaluateArrays(model: BaseModel, xs: NDArray[], ys: NDArray[], losses: Loss[], lossWeights: number[], metrics: Metric[], batchSize: number): { loss: number } {
  for (const m of metrics) m.reset();
  const N = xs[0]!.shape[0]!;
  const order = new Int32Array(N).map((_, i) => i);
  let sum = 0;
  let rows = 0;
  const rng = new Rng(0);
  for (let start = 0; start < N; start += batchSize) {
    const end = Math.min(N, start + batchSize);
    const mark = arena.mark();
    try {
      const outs = model.call(model.batchVars(xs, order, start, end), { training: false, rng });
      const yb = batchTargets(ys, order, start, end);
      updateMetrics(metrics, outs[0]!, yb[0]!);
      let l = 0;
      let any = false;
      losses.forEach((loss, k) => {
        const t = loss.compute(outs[k]!, yb[k]!);
        if (t) {
          l += (lossWeights[k] ?? 1) * t.data[0]!;
          any = true;
        }
      });
      if (any) {
        sum += l * (end - start);
        rows += end - start;
      }
    } finally {
      arena.release(mark);
    }
  }
  return { loss: rows ? sum / rows : NaN };
}

/** Options of `model.evaluate`. */
export interface EvaluateOptions {
  loss: Loss | LossName | (Loss | LossName)[];
  lossWeights?: number[];
  metrics?: (Metric | MetricName)[];
  batchSize?: number;
}

/** The evaluator behind `model.evaluate`: `{ loss, <metric>: value }`. */
export function evaluate(model: BaseModel, x: TensorLike | TensorLike[], y: TensorLike | TensorLike[], opts: EvaluateOptions): Logs {
  if (!opts || opts.loss === undefined) throw new Error("evaluate: options.loss is required, e.g. { loss: 'crossEntropy' }");
  const batchSize = checkPositiveInt(opts.batchSize ?? 32, 'batchSize', 'evaluate');
  const xs = model.inputsToArrays(x, 'x');
  model.buildFromData(xs);
  const nOut = outputCount(model);
  const ys = asList(y, nOut, 'y').map((v, i) => toNDArray(v, nOut > 1 ? `y[${i}]` : 'y'));
  const N = xs[0]!.shape[0]!;
  ys.forEach((a, i) => {
    if (a.shape[0] !== N) throw new Error(`evaluate: x has ${N} samples but y${nOut > 1 ? `[${i}]` : ''} has ${a.shape[0]}`);
  });
  const losses = (Array.isArray(opts.loss) ? opts.loss : [opts.loss]).map(getLoss);
  if (losses.length !== nOut) throw new Error(`evaluate: the model has ${nOut} output(s) but ${losses.length} loss(es) were given`);
  const lossWeights = checkLossWeights(opts.lossWeights, nOut, 'evaluate');
  const shapes = predictShapes(model, xs);
  losses.forEach((l, k) => l.validate(shapes[k]!, ys[k]!, nOut > 1 ? `y[${k}]` : 'y'));
  const l0 = losses[0]!;
  const metrics = (opts.metrics ?? []).map((m) =>
    getMetric(m, { logits: 'fromLogits' in l0 ? (l0 as { fromLogits: boolean }).fromLogits : false, ignoreIndex: (l0 as { ignoreIndex?: number }).ignoreIndex }),
  );
  const r = evaluateArrays(model, xs, ys, losses, lossWeights, metrics, batchSize);
  const out: Logs = { loss: r.loss };
  for (const m of metrics) out[m.name] = m.result();
  return out;
}
