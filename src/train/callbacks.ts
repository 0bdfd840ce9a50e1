import { appendFileSync, writeFileSync } from 'node:fs';
import type { BaseModel } from './model.js';
import type { Optimizer } from '../nn/optimizers.js';

/** Numbers logged at the end of a batch or epoch: `loss`, metrics, `val_loss`, `val_*`, `lr`. */
export type Logs = Record<string, number>;

/** What callbacks see and may change while `fit` runs. */
export interface TrainingContext {
  readonly model: BaseModel;
  readonly optimizer: Optimizer;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  /** Set to true to stop after the current epoch (early stopping). */
  stopTraining: boolean;
  /** Why training stopped, if it did early. */
  stopReason: string | null;
  /** The random state of the fit loop (saved by checkpoints so resume continues the same stream). */
  rngState(): number[];
  /** Loss and metrics per epoch so far. */
  readonly history: Record<string, number[]>;
}

/**
 * Hooks into the training loop. Every method is optional and may be async.
 *
 * @example
 * const logLr: Callback = { onEpochEnd: (epoch, logs) => console.log(epoch, logs.lr) };
 */
export interface Callback {
  onTrainBegin?(ctx: TrainingContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainingContext): void | Promise<void>;
  onBatchEnd?(step: number, logs: Logs, ctx: TrainingContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainingContext): void | Promise<void>;
  onTrainEnd?(logs: Logs, ctx: TrainingContext): void | Promise<void>;
}

/** Options of `EarlyStopping`. */
export interface EarlyStoppingOptions {
  /** Logged value to watch. Default `val_loss` (falls back to `loss` without validation data). */
  monitor?: string;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** `min` (loss-like) or `max` (accuracy-like); `auto` picks max for names containing acc. */
  mode?: 'min' | 'max' | 'auto';
  /** Put back the weights of the best epoch when stopping or at the end. Default false. */
  restoreBestWeights?: boolean;
}

function resolveMode(mode: 'min' | 'max' | 'auto', monitor: string): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return /acc|top\d/.test(monitor) ? 'max' : 'min';
}

function monitored(logs: Logs, monitor: string, who: string): number {
  if (monitor in logs) return logs[monitor]!;
  if (monitor === 'val_loss' && 'loss' in logs) return logs.loss!;
  throw new Error(`${who}: monitored value '${monitor}' is not logged; available: ${Object.keys(logs).join(', ')}`);
}

/**
 * Stops training when a monitored value stops improving (Keras `EarlyStopping`).
 *
 * @example
 * callbacks: [new EarlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true })]
 */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  private readonly minDelta: number;
  private readonly patience: number;
  private readonly mode: 'min' | 'max';
  private readonly restore: boolean;
  private best = NaN;
  private wait = 0;
  private bestWeights: ReturnType<BaseModel['stateDict']> | null = null;
  bestEpoch = -1;
  stoppedEpoch = -1;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.monitor = opts.monitor ?? 'val_loss';
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.patience = opts.patience ?? 0;
    this.mode = resolveMode(opts.mode ?? 'auto', this.monitor);
    this.restore = opts.restoreBestWeights ?? false;
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.wait = 0;
    this.bestWeights = null;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): void {
    const v = monitored(logs, this.monitor, 'EarlyStopping');
    const better = Number.isNaN(this.best) || (this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta);
    if (better) {
      this.best = v;
      this.wait = 0;
      this.bestEpoch = epoch;
      if (this.restore) this.bestWeights = ctx.model.stateDict();
      return;
    }
    this.wait++;
    if (this.wait > this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
      ctx.stopReason = `early stopping: ${this.monitor} did not improve for ${this.wait} epoch(s) (best ${this.best.toPrecision(5)} at epoch ${this.bestEpoch + 1})`;
    }
  }

  onTrainEnd(_logs: Logs, ctx: TrainingContext): void {
    if (this.restore && this.bestWeights) ctx.model.loadStateDict(this.bestWeights);
  }
}

/** Options of `ModelCheckpoint`. */
export interface ModelCheckpointOptions {
  /** File to write; `{epoch}` is replaced by the 1-based epoch number. */
  path: string;
  /** Only write when the monitored value improves. Default false (write every epoch). */
  saveBestOnly?: boolean;
  monitor?: string;
  mode?: 'min' | 'max' | 'auto';
  /** Also write the optimizer state (sidecar `.optim.safetensors`) for resume. Default true. */
  saveOptimizer?: boolean;
}

/**
 * Saves the model (and by default a resumable checkpoint with optimizer and random state) at
 * the end of epochs. Writes are atomic: a crash never leaves a half-written file.
 *
 * @example
 * callbacks: [new ModelCheckpoint({ path: 'ckpt/model-{epoch}.safetensors' })]
 */
export class ModelCheckpoint implements Callback {
  private best = NaN;
  readonly monitor: string;
  private readonly mode: 'min' | 'max';
  /** Paths written so far. */
  readonly written: string[] = [];

  constructor(private readonly opts: ModelCheckpointOptions) {
    if (!opts || typeof opts.path !== 'string' || opts.path === '') throw new Error('ModelCheckpoint: path is required');
    this.monitor = opts.monitor ?? 'val_loss';
    this.mode = resolveMode(opts.mode ?? 'auto', this.monitor);
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): Promise<void> {
    if (this.opts.saveBestOnly) {
      const v = monitored(logs, this.monitor, 'ModelCheckpoint');
      const better = Number.isNaN(this.best) || (this.mode === 'min' ? v < this.best : v > this.best);
      if (!better) return;
      this.best = v;
    }
    const path = this.opts.path.replace('{epoch}', String(epoch + 1));
    const { saveCheckpoint, saveModel } = await import('./serialize.js');
    if (this.opts.saveOptimizer ?? true) {
      await saveCheckpoint(path, { model: ctx.model, optimizer: ctx.optimizer, epoch, step: ctx.optimizer.iterations, rngState: ctx.rngState(), history: ctx.history, extra: {} });
    } else {
      await saveModel(ctx.model, path);
    }
    this.written.push(path);
  }
}

/**
 * Appends one row per epoch to a CSV file (header on the first row), or one JSON object per
 * line with `format: 'jsonl'`.
 *
 * @example
 * callbacks: [new CSVLogger({ path: 'train-log.csv' })]
 */
export class CSVLogger implements Callback {
  private keys: string[] | null = null;
  constructor(private readonly opts: { path: string; format?: 'csv' | 'jsonl'; append?: boolean }) {
    if (!opts || typeof opts.path !== 'string') throw new Error('CSVLogger: path is required');
  }
  onTrainBegin(): void {
    this.keys = null;
    if (!this.opts.append) writeFileSync(this.opts.path, '');
  }
  onEpochEnd(epoch: number, logs: Logs): void {
    if (this.opts.format === 'jsonl') {
      appendFileSync(this.opts.path, JSON.stringify({ epoch: epoch + 1, ...logs }) + '\n');
      return;
    }
    if (!this.keys) {
      this.keys = Object.keys(logs);
      appendFileSync(this.opts.path, ['epoch', ...this.keys].join(',') + '\n');
    }
    appendFileSync(this.opts.path, [epoch + 1, ...this.keys.map((k) => (k in logs ? String(logs[k]) : ''))].join(',') + '\n');
  }
}
