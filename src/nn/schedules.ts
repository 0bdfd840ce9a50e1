/**
 * Learning-rate schedules with PyTorch 1.13 semantics (torch/optim/lr_scheduler.py).
 *
 * The closed-form schedules are pure functions of an index: `lrAt(i, baseLr)` is the learning rate
 * for epoch (or step) i, counted from 0, i.e. torch's `_get_closed_form_lr()` at `last_epoch = i`.
 * Training sets `optimizer.lr = schedule.lrAt(i, optimizer.initialLr)` before epoch (or step) i,
 * so resuming needs only the index. torch's `scheduler.step()` computes the same values
 * recursively; they agree to rounding (≈1e-15 relative).
 *
 * ReduceLROnPlateau depends on the metric history, so it is a stateful class with
 * `getState()/setState()` for checkpoints.
 */
import type { Optimizer } from './optimizers.js';
import { checkKeys, show } from './optimizers.js';

/** Whether a schedule's index counts epochs or optimizer steps. */
export type ScheduleUnit = 'epoch' | 'step';

/** A closed-form learning-rate schedule: the rate at index i depends only on i and the base rate. */
export interface LRSchedule {
  readonly unit: ScheduleUnit;
  /** Learning rate for epoch/step `index` (from 0) when the optimizer's initial rate is `baseLr`. */
  lrAt(index: number, baseLr: number): number;
  /** `className` plus the options that rebuild this schedule (JSON-serializable). */
  getConfig(): Record<string, unknown>;
}

/** Options of {@link StepLR}. */
export interface StepLROptions {
  /** Decay every `stepSize` epochs (a positive integer). */
  stepSize: number;
  /** Multiplicative decay (default 0.1). */
  gamma?: number;
  /** What the index counts (default 'epoch'). */
  unit?: ScheduleUnit;
}

/**
 * Decays the rate by `gamma` every `stepSize` epochs (torch StepLR):
 *
 *   lr(i) = baseLr · gamma^⌊i / stepSize⌋
 *
 * @example
 * const s = new StepLR({ stepSize: 30, gamma: 0.1 });
 * s.lrAt(45, 0.05);   // 0.005
 */
export class StepLR implements LRSchedule {
  readonly className = 'StepLR';
  readonly unit: ScheduleUnit;
  readonly stepSize: number;
  readonly gamma: number;

  constructor(opts: StepLROptions) {
    const where = 'StepLR';
    checkKeys(where, opts, ['stepSize', 'gamma', 'unit']);
    this.stepSize = positiveInt(where, 'stepSize', opts.stepSize);
    this.gamma = num(where, 'gamma', opts.gamma, 0.1, nonNegative);
    this.unit = unitOpt(where, opts.unit, 'epoch');
  }

  lrAt(index: number, baseLr: number): number {
    checkIndex('StepLR', index);
    return baseLr * this.gamma ** Math.floor(index / this.stepSize);
  }

  getConfig(): Record<string, unknown> {
    return { className: this.className, stepSize: this.stepSize, gamma: this.gamma, unit: this.unit };
  }
}

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions {
  /** Multiplicative decay per epoch (a non-negative number). */
  gamma: number;
  /**
   * Epochs (or steps) at the full rate before the first decayed one (a non-negative integer).
   * Default 1: torch's ExponentialLR, where index 0 runs at baseLr and index 1 at baseLr·gamma.
   * 0 decays from the first index on (baseLr·gamma at index 0).
   */
  decayAfter?: number;
  /** What the index counts (default 'epoch'). */
  unit?: ScheduleUnit;
}

/**
 * Decays the rate by `gamma` every epoch after `decayAfter` epochs at the full rate (torch
 * ExponentialLR when decayAfter is 1, the default):
 *
 *   lr(i) = baseLr · gamma^max(0, i + 1 − decayAfter)
 *
 * A pure function of i, so a run resumed at epoch i (with the optimizer's initial rate as baseLr)
 * continues the same curve.
 *
 * @example
 * const s = new ExponentialLR({ gamma: 0.9 });
 * s.lrAt(2, 0.1);   // 0.081
 * // Six epochs (0–5) at 1e-3, then ×0.7 per epoch: 7e-4 at epoch 6, 4.9e-4 at epoch 7, ...
 * const annealed = new ExponentialLR({ gamma: 0.7, decayAfter: 6 });
 * annealed.lrAt(5, 1e-3);   // 1e-3
 * annealed.lrAt(7, 1e-3);   // 4.9e-4
 */
export class ExponentialLR implements LRSchedule {
  readonly className = 'ExponentialLR';
  readonly unit: ScheduleUnit;
  readonly gamma: number;
  readonly decayAfter: number;

  constructor(opts: ExponentialLROptions) {
    const where = 'ExponentialLR';
    checkKeys(where, opts, ['gamma', 'decayAfter', 'unit']);
    this.gamma = num(where, 'gamma', opts.gamma, undefined, nonNegative);
    this.decayAfter = nonNegativeInt(where, 'decayAfter', opts.decayAfter, 1);
    this.unit = unitOpt(where, opts.unit, 'epoch');
  }

  lrAt(index: number, baseLr: number): number {
    checkIndex('ExponentialLR', index);
    return baseLr * this.gamma ** Math.max(0, index + 1 - this.decayAfter);
  }

  getConfig(): Record<string, unknown> {
    return { className: this.className, gamma: this.gamma, decayAfter: this.decayAfter, unit: this.unit };
  }
}

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Half period: the rate reaches etaMin at index tMax (a positive integer). */
  tMax: number;
  /** Minimum rate (default 0). */
  etaMin?: number;
  /** What the index counts (default 'epoch'). */
  unit?: ScheduleUnit;
}

/**
 * Cosine annealing from baseLr down to etaMin over tMax epochs (torch CosineAnnealingLR, no
 * restarts; past tMax the cosine rises again, as in torch):
 *
 *   lr(i) = etaMin + (baseLr − etaMin) · (1 + cos(π·i / tMax)) / 2
 *
 * @example
 * const s = new CosineAnnealingLR({ tMax: 100, etaMin: 1e-5 });
 * s.lrAt(50, 0.1);   // ≈ 0.05
 */
export class CosineAnnealingLR implements LRSchedule {
  readonly className = 'CosineAnnealingLR';
  readonly unit: ScheduleUnit;
  readonly tMax: number;
  readonly etaMin: number;

  constructor(opts: CosineAnnealingLROptions) {
    const where = 'CosineAnnealingLR';
    checkKeys(where, opts, ['tMax', 'etaMin', 'unit']);
    this.tMax = positiveInt(where, 'tMax', opts.tMax);
    this.etaMin = num(where, 'etaMin', opts.etaMin, 0, nonNegative);
    this.unit = unitOpt(where, opts.unit, 'epoch');
  }

  lrAt(index: number, baseLr: number): number {
    checkIndex('CosineAnnealingLR', index);
    return this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * index) / this.tMax))) / 2;
  }

  getConfig(): Record<string, unknown> {
    return { className: this.className, tMax: this.tMax, etaMin: this.etaMin, unit: this.unit };
  }
}

/** Options of {@link LinearWarmup}. */
export interface LinearWarmupOptions {
  /** Length of the ramp (a non-negative integer; 0 = no warmup). */
  warmupSteps: number;
  /** Schedule after the ramp, indexed from the ramp's end (default: constant baseLr). */
  after?: LRSchedule;
  /** What the index counts (default: after's unit, else 'step'); must equal after's unit. */
  unit?: ScheduleUnit;
}

/**
 * Linear warmup from 0 to baseLr over warmupSteps, then another schedule (as
 * `LambdaLR(lambda i: i / warmupSteps)` during the ramp):
 *
 *   i < W:  lr(i) = baseLr · i / W
 *   i ≥ W:  lr(i) = after ? after.lrAt(i − W, baseLr) : baseLr
 *
 * @example
 * const s = new LinearWarmup({ warmupSteps: 500, after: new CosineAnnealingLR({ tMax: 10_000, unit: 'step' }) });
 * s.lrAt(250, 1e-3);   // 5e-4
 */
export class LinearWarmup implements LRSchedule {
  readonly className = 'LinearWarmup';
  readonly unit: ScheduleUnit;
  readonly warmupSteps: number;
  readonly after: LRSchedule | null;

  constructor(opts: LinearWarmupOptions) {
    const where = 'LinearWarmup';
    checkKeys(where, opts, ['warmupSteps', 'after', 'unit']);
    const w = opts.warmupSteps;
    if (!(Number.isInteger(w) && w >= 0)) throw new Error(`${where}: warmupSteps must be a non-negative integer, got ${show(w)}`);
    this.warmupSteps = w;
    const after = opts.after ?? null;
    if (after !== null && (typeof after !== 'object' || typeof after.lrAt !== 'function')) {
      throw new Error(`${where}: after must be a schedule, got ${show(after)}`);
    }
    this.after = after;
    this.unit = unitOpt(where, opts.unit, after?.unit ?? 'step');
    if (after !== null && after.unit !== this.unit) {
      throw new Error(`${where}: after must count in the same unit as the warmup (${this.unit}), got a per-${after.unit} schedule`);
    }
  }

  lrAt(index: number, baseLr: number): number {
    checkIndex('LinearWarmup', index);
    const w = this.warmupSteps;
    if (index < w) return (baseLr * index) / w;
    return this.after === null ? baseLr : this.after.lrAt(index - w, baseLr);
  }

  getConfig(): Record<string, unknown> {
    return { className: this.className, warmupSteps: this.warmupSteps, after: this.after === null ? null : this.after.getConfig(), unit: this.unit };
  }
}

/**
 * Rebuilds a closed-form schedule from `getConfig()` output.
 *
 * @example
 * const s = scheduleFromConfig({ className: 'StepLR', stepSize: 10, gamma: 0.5 });
 */
export function scheduleFromConfig(cfg: Record<string, unknown>): LRSchedule {
  if (typeof cfg !== 'object' || cfg === null) throw new Error(`scheduleFromConfig: expected {className, ...options}, got ${show(cfg)}`);
  const { className, ...o } = cfg;
  switch (className) {
    case 'StepLR':
      return new StepLR(o as unknown as StepLROptions);
    case 'ExponentialLR':
      return new ExponentialLR(o as unknown as ExponentialLROptions);
    case 'CosineAnnealingLR':
      return new CosineAnnealingLR(o as unknown as CosineAnnealingLROptions);
    case 'LinearWarmup': {
      const after = o['after'];
      const opts = { ...o, after: after === null || after === undefined ? undefined : scheduleFromConfig(after as Record<string, unknown>) };
      return new LinearWarmup(opts as unknown as LinearWarmupOptions);
    }
    default:
      throw new Error(`scheduleFromConfig: unknown schedule class ${show(className)}; known: StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup`);
  }
}

/** Options of {@link ReduceLROnPlateau}; defaults are PyTorch's. */
export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': it should rise (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** new lr = lr · factor, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel': relative to the best value; 'abs': absolute (default 'rel'). */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound of the rate (default 0). */
  minLr?: number;
  /** Reductions smaller than eps are skipped (default 1e-8). */
  eps?: number;
}

/** ReduceLROnPlateau's counters, for checkpoints; `best` is null before the first metric. */
export interface PlateauState {
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
  lastEpoch: number;
}

/**
 * Reduces the learning rate when a metric stops improving (torch ReduceLROnPlateau). Each
 * `update(metric)` (once per epoch):
 *
 *   improved = mode min: metric < best·(1 − threshold)  (rel)  or  metric < best − threshold  (abs)
 *              mode max: metric > best·(1 + threshold)  (rel)  or  metric > best + threshold  (abs)
 *   improved ? (best = metric, bad = 0) : bad += 1
 *   in cooldown: cooldown −= 1, bad = 0
 *   bad > patience: lr = max(lr·factor, minLr) if that lowers it by more than eps; cooldown, bad = 0
 *
 * @example
 * const plateau = new ReduceLROnPlateau({ patience: 2, factor: 0.5 });
 * for (let epoch = 0; epoch < 50; epoch++) {
 *   const valLoss = trainOneEpoch();
 *   if (plateau.update(valLoss, opt)) console.log(`lr now ${opt.lr}`);
 * }
 */
export class ReduceLROnPlateau {
  readonly className = 'ReduceLROnPlateau';
  readonly unit = 'epoch';
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  private best: number;
  private numBadEpochs = 0;
  private cooldownCounter = 0;
  private lastEpoch = 0;

  constructor(opts: ReduceLROnPlateauOptions = {}) {
    const where = 'ReduceLROnPlateau';
    checkKeys(where, opts, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    this.mode = oneOf(where, 'mode', opts.mode, 'min', ['min', 'max'] as const);
    this.factor = num(where, 'factor', opts.factor, 0.1, { ok: (x) => x >= 0 && x < 1, what: 'a number in [0, 1)' });
    this.patience = nonNegativeInt(where, 'patience', opts.patience, 10);
    this.threshold = num(where, 'threshold', opts.threshold, 1e-4, nonNegative);
    this.thresholdMode = oneOf(where, 'thresholdMode', opts.thresholdMode, 'rel', ['rel', 'abs'] as const);
    this.cooldown = nonNegativeInt(where, 'cooldown', opts.cooldown, 0);
    this.minLr = num(where, 'minLr', opts.minLr, 0, nonNegative);
    this.eps = num(where, 'eps', opts.eps, 1e-8, nonNegative);
    this.best = this.worst();
  }

  /** Records one epoch's metric; returns true if it lowered `optimizer.lr`. */
  update(metric: number, optimizer: Optimizer): boolean {
    if (typeof metric !== 'number') throw new Error(`ReduceLROnPlateau.update: metric must be a number, got ${show(metric)}`);
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs <= this.patience) return false;
    this.cooldownCounter = this.cooldown;
    this.numBadEpochs = 0;
    const old = optimizer.lr;
    const next = Math.max(old * this.factor, this.minLr);
    if (old - next <= this.eps) return false;
    optimizer.lr = next;
    return true;
  }

  getState(): PlateauState {
    const best = Number.isFinite(this.best) ? this.best : null;
    return { best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, lastEpoch: this.lastEpoch };
  }

  setState(s: PlateauState): void {
    const where = 'ReduceLROnPlateau.setState';
    if (typeof s !== 'object' || s === null) throw new Error(`${where}: expected {best, numBadEpochs, cooldownCounter, lastEpoch}, got ${show(s)}`);
    if (s.best !== null && typeof s.best !== 'number') throw new Error(`${where}: best must be a number or null, got ${show(s.best)}`);
    const numBadEpochs = nonNegativeInt(where, 'numBadEpochs', s.numBadEpochs, undefined);
    const cooldownCounter = nonNegativeInt(where, 'cooldownCounter', s.cooldownCounter, undefined);
    const lastEpoch = nonNegativeInt(where, 'lastEpoch', s.lastEpoch, undefined);
    this.best = s.best ?? this.worst();
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
    this.lastEpoch = lastEpoch;
  }

  getConfig(): Record<string, unknown> {
    const { className, mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps } = this;
    return { className, mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps };
  }

  private worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const best = this.best;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }
}

interface Check {
  ok: (x: number) => boolean;
  what: string;
}
const nonNegative: Check = { ok: (x) => x >= 0 && x < Infinity, what: 'a non-negative number' };

function num(where: string, name: string, v: unknown, dflt: number | undefined, check: Check): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !check.ok(v)) throw new Error(`${where}: ${name} must be ${check.what}, got ${show(v)}`);
  return v;
}

function positiveInt(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(Number.isInteger(v) && v >= 1)) throw new Error(`${where}: ${name} must be a positive integer, got ${show(v)}`);
  return v;
}

function nonNegativeInt(where: string, name: string, v: unknown, dflt: number | undefined): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !(Number.isInteger(v) && v >= 0)) throw new Error(`${where}: ${name} must be a non-negative integer, got ${show(v)}`);
  return v;
}

function oneOf<T extends string>(where: string, name: string, v: unknown, dflt: T, allowed: readonly T[]): T {
  if (v === undefined) return dflt;
  if (!allowed.includes(v as T)) throw new Error(`${where}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(v)}`);
  return v as T;
}

function unitOpt(where: string, v: unknown, dflt: ScheduleUnit): ScheduleUnit {
  return oneOf(where, 'unit', v, dflt, ['epoch', 'step'] as const);
}

function checkIndex(where: string, i: number): void {
  if (!(Number.isInteger(i) && i >= 0)) throw new Error(`${where}.lrAt: index must be a non-negative integer, got ${show(i)}`);
}
