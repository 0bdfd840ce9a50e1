/**
 * Optimizers with PyTorch 1.13 defaults and semantics (torch/optim/*.py, `_single_tensor_*`): the
 * update equations are in each class's JSDoc and, with torch's arithmetic order, in
 * src/kernels/ref/optim.ts; src/kernels/optim.ts runs the per-element work on the active backend.
 *
 * Per-parameter state (moment buffers, step counts) is created lazily on a parameter's first step
 * as persistent tensors of the parameter's dtype, so later steps allocate nothing. State slots use
 * PyTorch's names (`exp_avg`, `momentum_buffer`, …) and a checkpoint keys them `${param}.${slot}`.
 */
import { Tensor, fmtShape, shapeSize } from '../tensor/tensor.js';
import { adagradStep, adamStep, rmspropStep, sgdStep } from '../kernels/optim.js';
import type { Parameter } from './parameter.js';

/** What `stateDict` returns and `loadStateDict` reads: a snapshot, not a view of live state. */
export interface OptimizerStateDict {
  /** `getConfig()` of the optimizer that wrote it (`className` plus constructor options). */
  config: Record<string, unknown>;
  /** Number of `step()` calls. */
  iterations: number;
  /** Current learning rate (after any schedule). */
  lr: number;
  /** PyTorch `state['step']` per parameter name; a parameter without state is absent. */
  steps: Record<string, number>;
  /** Every state slot by `${param}.${slot}`, e.g. `lstm.weight_ih_l0.exp_avg`. */
  tensors: Record<string, { shape: number[]; data: Float32Array | Float64Array }>;
}

interface ParamState {
  /** Steps taken with this parameter (torch's `state['step']`, incremented before the update). */
  step: number;
  slots: Map<string, Tensor>;
}

/**
 * Base class of the optimizers. `step(params)` updates every trainable parameter from its `grad`;
 * frozen parameters are skipped and get no state.
 *
 * @example
 * const opt = new Adam({ lr: 1e-3 });
 * opt.zeroGrad(params);
 * // ... forward, backward: fills p.grad ...
 * opt.step(params);
 */
export abstract class Optimizer {
  abstract readonly className: string;
  /** Current learning rate; schedules change it between steps. */
  lr: number;
  /** The learning rate given to the constructor: the base of closed-form schedules. */
  readonly initialLr: number;
  /** Number of `step()` calls so far. */
  iterations = 0;
  private state = new WeakMap<Parameter, ParamState>();

  protected constructor(lr: number) {
    this.lr = lr;
    this.initialLr = lr;
  }

  /** Updates every trainable parameter from its gradient, then counts one iteration. */
  step(params: readonly Parameter[]): void {
    for (const p of params) {
      if (!p.trainable || p.grad === null) continue;
      let st = this.state.get(p);
      if (st === undefined) {
        st = { step: 0, slots: new Map() };
        this.state.set(p, st);
      }
      st.step++;
      this.update(p, st);
    }
    this.iterations++;
  }

  /** Sets every gradient to zero (PyTorch `zero_grad(set_to_none=False)`). */
  zeroGrad(params: readonly Parameter[]): void {
    for (const p of params) p.zeroGrad();
  }

  /** `className` plus the constructor options that rebuild this optimizer (JSON-serializable). */
  abstract getConfig(): Record<string, unknown>;

  /**
   * A copy of all state for a checkpoint: every slot of every named parameter that has state, the
   * per-parameter step counts, `iterations` and the current `lr`.
   */
  stateDict(named: readonly (readonly [string, Parameter])[]): OptimizerStateDict {
    const steps: Record<string, number> = {};
    const tensors: OptimizerStateDict['tensors'] = {};
    for (const [name, p] of named) {
      const st = this.state.get(p);
      if (st === undefined) continue;
      steps[name] = st.step;
      for (const [slot, t] of st.slots) tensors[`${name}.${slot}`] = { shape: [...t.shape], data: t.data.slice() };
    }
    return { config: this.getConfig(), iterations: this.iterations, lr: this.lr, steps, tensors };
  }

  /**
   * Restores what `stateDict` wrote (hyper-parameters stay those of this optimizer). Everything is
   * checked before anything changes: the optimizer class, and for each parameter with a step count
   * every slot this configuration needs, with the parameter's shape; entries naming no parameter
   * or slot are errors too. `source` (a file name) prefixes the messages.
   */
  loadStateDict(named: readonly (readonly [string, Parameter])[], sd: OptimizerStateDict, source: string): void {
    const where = `${source}: optimizer state`;
    if (typeof sd !== 'object' || sd === null) throw new Error(`${where}: expected an object, got ${show(sd)}`);
    const cls = sd.config?.['className'];
    if (cls !== this.className) throw new Error(`${where}: expected ${this.className} state, got ${show(cls)}`);
    if (!(Number.isInteger(sd.iterations) && sd.iterations >= 0)) throw new Error(`${where}: iterations must be a non-negative integer, got ${show(sd.iterations)}`);
    if (!(typeof sd.lr === 'number' && sd.lr >= 0)) throw new Error(`${where}: lr must be a non-negative number, got ${show(sd.lr)}`);
    const steps = sd.steps ?? {};
    const tensors = sd.tensors ?? {};
    const slotNames = this.slotNames();
    const known = new Set<string>();
    const loaded: [Parameter, ParamState, [string, FloatData][]][] = [];
    for (const [name, p] of named) {
      known.add(name);
      if (!(name in steps)) continue;
      const step = steps[name];
      if (!(Number.isInteger(step) && step! >= 1)) throw new Error(`${where}: steps["${name}"] must be a positive integer, got ${show(step)}`);
      const slots: [string, FloatData][] = [];
      for (const slot of slotNames) {
        const key = `${name}.${slot}`;
        const t = tensors[key];
        if (t === undefined) throw new Error(`${where}: missing slot "${key}" (${this.className} keeps ${slotNames.join(', ')})`);
        const shapeOk = Array.isArray(t.shape) && t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i]);
        if (!shapeOk) throw new Error(`${where}: slot "${key}" expected shape ${fmtShape(p.shape)}, got ${Array.isArray(t.shape) ? fmtShape(t.shape) : show(t.shape)}`);
        if (!(t.data instanceof Float32Array || t.data instanceof Float64Array) || t.data.length !== shapeSize(p.shape)) {
          throw new Error(`${where}: slot "${key}" expected ${shapeSize(p.shape)} float values, got ${t.data?.length ?? show(t.data)}`);
        }
        slots.push([slot, t.data]);
      }
      loaded.push([p, { step: step!, slots: new Map() }, slots]);
    }
    for (const name of Object.keys(steps)) {
      if (!known.has(name)) throw new Error(`${where}: steps["${name}"] names no parameter of this model`);
    }
    for (const key of Object.keys(tensors)) {
      const dot = key.lastIndexOf('.');
      const name = key.slice(0, dot);
      const slot = key.slice(dot + 1);
      if (!known.has(name) || !(name in steps) || !slotNames.includes(slot)) {
        throw new Error(`${where}: unexpected slot "${key}" (${this.className} with this configuration keeps ${slotNames.join(', ') || 'no slots'} per parameter)`);
      }
    }
    this.state = new WeakMap();
    for (const [p, st, slots] of loaded) {
      for (const [slot, data] of slots) {
        const t = Tensor.persistent(p.shape, p.value.dtype);
        t.data.set(data);
        st.slots.set(slot, t);
      }
      this.state.set(p, st);
    }
    this.iterations = sd.iterations;
    this.lr = sd.lr;
  }

  /** The slots a parameter holds after its first step, in PyTorch's order. */
  protected abstract slotNames(): readonly string[];

  /** One update of `p` (its step count already incremented). */
  protected abstract update(p: Parameter, st: ParamState): void;

  /** The state tensor `name` of `p`, created filled with `init` on first use. */
  protected slot(p: Parameter, st: ParamState, name: string, init = 0): Tensor {
    let t = st.slots.get(name);
    if (t === undefined) {
      t = Tensor.persistent(p.shape, p.value.dtype);
      if (init !== 0) t.data.fill(init);
      st.slots.set(name, t);
    }
    return t;
  }
}

type FloatData = Float32Array | Float64Array;

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Learning rate (required, as in PyTorch). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening of the momentum (default 0). */
  dampening?: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0 (default false). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent, optionally with momentum (torch.optim.SGD):
 *
 *   d = g + weightDecay·p
 *   momentum ≠ 0:  buf = (first step) ? d : momentum·buf + (1 − dampening)·d
 *                  d = nesterov ? d + momentum·buf : buf
 *   p = p − lr·d
 *
 * State slot: `momentum_buffer` (only with momentum).
 *
 * @example
 * const opt = new SGD({ lr: 0.1, momentum: 0.9, nesterov: true });
 * opt.step(model.parameters());
 */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(opts: SGDOptions) {
    const where = 'SGD';
    checkKeys(where, opts, ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay']);
    super(positiveLr(where, opts?.lr));
    this.momentum = num(where, 'momentum', opts.momentum, 0, nonNegative);
    this.dampening = num(where, 'dampening', opts.dampening, 0, finite);
    this.nesterov = bool(where, 'nesterov', opts.nesterov, false);
    this.weightDecay = num(where, 'weightDecay', opts.weightDecay, 0, nonNegative);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new Error(`${where}: nesterov needs momentum > 0 and dampening 0, got momentum ${this.momentum}, dampening ${this.dampening}`);
    }
  }

  getConfig(): Record<string, unknown> {
    const { className, initialLr: lr, momentum, dampening, nesterov, weightDecay } = this;
    return { className, lr, momentum, dampening, nesterov, weightDecay };
  }

  protected slotNames(): readonly string[] {
    return this.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update(p: Parameter, st: ParamState): void {
    // torch's buffer is None before the first momentum step: then buf = d, undampened.
    const firstStep = !st.slots.has('momentum_buffer');
    const buf = this.momentum !== 0 ? this.slot(p, st, 'momentum_buffer') : null;
    sgdStep({
      n: p.size,
      p: p.data,
      g: p.grad!.data,
      buf: buf === null ? null : buf.data,
      lr: this.lr,
      momentum: this.momentum,
      dampening: this.dampening,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
      maximize: false,
      firstStep,
    });
  }
}

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay of the first-moment average (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment average (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0); AdamW: decoupled decay (default 0.01). */
  weightDecay?: number;
  /** AMSGrad: divide by the running maximum of the second moment (default false). */
  amsgrad?: boolean;
}

/**
 * Adam (torch.optim.Adam), with the per-parameter step count k ≥ 1:
 *
 *   g = g + weightDecay·p
 *   m = β1·m + (1 − β1)·g
 *   v = β2·v + (1 − β2)·g²
 *   amsgrad: vmax = max(vmax, v), used in place of v below
 *   p = p − lr/(1 − β1^k) · m / (√v / √(1 − β2^k) + eps)
 *
 * State slots: `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq` (amsgrad).
 *
 * @example
 * const opt = new Adam({ lr: 2e-3 });
 * opt.step(model.parameters());
 */
export class Adam extends Optimizer {
  get className(): string {
    return 'Adam';
  }
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;

  constructor(opts: AdamOptions = {}) {
    const where = (new.target.prototype as Adam).className;
    checkKeys(where, opts, ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'amsgrad']);
    super(positiveLr(where, opts.lr ?? 1e-3));
    this.beta1 = num(where, 'beta1', opts.beta1, 0.9, unitInterval);
    this.beta2 = num(where, 'beta2', opts.beta2, 0.999, unitInterval);
    this.eps = num(where, 'eps', opts.eps, 1e-8, nonNegative);
    this.weightDecay = num(where, 'weightDecay', opts.weightDecay, (new.target.prototype as Adam).decoupled ? 0.01 : 0, nonNegative);
    this.amsgrad = bool(where, 'amsgrad', opts.amsgrad, false);
  }

  /** true: AdamW's decoupled weight decay instead of an L2 term in the gradient. */
  protected get decoupled(): boolean {
    return false;
  }

  getConfig(): Record<string, unknown> {
    const { className, initialLr: lr, beta1, beta2, eps, weightDecay, amsgrad } = this;
    return { className, lr, beta1, beta2, eps, weightDecay, amsgrad };
  }

  protected slotNames(): readonly string[] {
    return this.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
  }

  protected update(p: Parameter, st: ParamState): void {
    const m = this.slot(p, st, 'exp_avg');
    const v = this.slot(p, st, 'exp_avg_sq');
    const vmax = this.amsgrad ? this.slot(p, st, 'max_exp_avg_sq') : null;
    adamStep({
      n: p.size,
      p: p.data,
      g: p.grad!.data,
      m: m.data,
      v: v.data,
      vmax: vmax === null ? null : vmax.data,
      step: st.step,
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      amsgrad: this.amsgrad,
      decoupled: this.decoupled,
    });
  }
}

/**
 * AdamW (torch.optim.AdamW): Adam with decoupled weight decay, applied before the Adam update:
 *
 *   p = p·(1 − lr·weightDecay)
 *   then Adam's update with weightDecay 0 (see {@link Adam})
 *
 * Defaults as Adam except weightDecay 0.01. State slots as Adam.
 *
 * @example
 * const opt = new AdamW({ lr: 1e-3, weightDecay: 0.05 });
 * opt.step(model.parameters());
 */
export class AdamW extends Adam {
  override get className(): string {
    return 'AdamW';
  }
  protected override get decoupled(): boolean {
    return true;
  }
}

/** Options of {@link RMSprop}. */
export interface RMSpropOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Decay of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalize by the estimated variance instead of the raw second moment (default false). */
  centered?: boolean;
}

/**
 * RMSprop (torch.optim.RMSprop):
 *
 *   g = g + weightDecay·p
 *   sq = α·sq + (1 − α)·g²
 *   centered: gAvg = α·gAvg + (1 − α)·g;  avg = √(sq − gAvg²) + eps;  else avg = √sq + eps
 *   momentum > 0: buf = momentum·buf + g/avg;  p = p − lr·buf;  else p = p − lr·g/avg
 *
 * State slots: `square_avg`, `momentum_buffer` (momentum > 0), `grad_avg` (centered).
 *
 * @example
 * const opt = new RMSprop({ lr: 1e-3, centered: true });
 * opt.step(model.parameters());
 */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;

  constructor(opts: RMSpropOptions = {}) {
    const where = 'RMSprop';
    checkKeys(where, opts, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered']);
    super(positiveLr(where, opts.lr ?? 0.01));
    this.alpha = num(where, 'alpha', opts.alpha, 0.99, nonNegative);
    this.eps = num(where, 'eps', opts.eps, 1e-8, nonNegative);
    this.weightDecay = num(where, 'weightDecay', opts.weightDecay, 0, nonNegative);
    this.momentum = num(where, 'momentum', opts.momentum, 0, nonNegative);
    this.centered = bool(where, 'centered', opts.centered, false);
  }

  getConfig(): Record<string, unknown> {
    const { className, initialLr: lr, alpha, eps, weightDecay, momentum, centered } = this;
    return { className, lr, alpha, eps, weightDecay, momentum, centered };
  }

  protected slotNames(): readonly string[] {
    const s = ['square_avg'];
    if (this.momentum > 0) s.push('momentum_buffer');
    if (this.centered) s.push('grad_avg');
    return s;
  }

  protected update(p: Parameter, st: ParamState): void {
    const sq = this.slot(p, st, 'square_avg');
    const buf = this.momentum > 0 ? this.slot(p, st, 'momentum_buffer') : null;
    const gradAvg = this.centered ? this.slot(p, st, 'grad_avg') : null;
    rmspropStep({
      n: p.size,
      p: p.data,
      g: p.grad!.data,
      sq: sq.data,
      gradAvg: gradAvg === null ? null : gradAvg.data,
      buf: buf === null ? null : buf.data,
      lr: this.lr,
      alpha: this.alpha,
      eps: this.eps,
      weightDecay: this.weightDecay,
      momentum: this.momentum,
      centered: this.centered,
    });
  }
}

/** Options of {@link Adagrad}. */
export interface AdagradOptions {
  /** Learning rate (default 0.01). */
  lr?: number;
  /** Learning-rate decay per step (default 0). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Added to the denominator (default 1e-10). */
  eps?: number;
  /** Starting value of the squared-gradient sum (default 0). */
  initialAccumulatorValue?: number;
}

/**
 * Adagrad (torch.optim.Adagrad), with the per-parameter step count k ≥ 1:
 *
 *   g = g + weightDecay·p
 *   clr = lr / (1 + (k − 1)·lrDecay)
 *   sum = sum + g²                       (sum starts at initialAccumulatorValue)
 *   p = p − clr·g / (√sum + eps)
 *
 * State slot: `sum`.
 *
 * @example
 * const opt = new Adagrad({ lr: 0.05 });
 * opt.step(model.parameters());
 */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly eps: number;
  readonly initialAccumulatorValue: number;

  constructor(opts: AdagradOptions = {}) {
    const where = 'Adagrad';
    checkKeys(where, opts, ['lr', 'lrDecay', 'weightDecay', 'eps', 'initialAccumulatorValue']);
    super(positiveLr(where, opts.lr ?? 0.01));
    this.lrDecay = num(where, 'lrDecay', opts.lrDecay, 0, nonNegative);
    this.weightDecay = num(where, 'weightDecay', opts.weightDecay, 0, nonNegative);
    this.eps = num(where, 'eps', opts.eps, 1e-10, nonNegative);
    this.initialAccumulatorValue = num(where, 'initialAccumulatorValue', opts.initialAccumulatorValue, 0, nonNegative);
  }

  getConfig(): Record<string, unknown> {
    const { className, initialLr: lr, lrDecay, weightDecay, eps, initialAccumulatorValue } = this;
    return { className, lr, lrDecay, weightDecay, eps, initialAccumulatorValue };
  }

  protected slotNames(): readonly string[] {
    return ['sum'];
  }

  protected update(p: Parameter, st: ParamState): void {
    const sum = this.slot(p, st, 'sum', this.initialAccumulatorValue);
    adagradStep({
      n: p.size,
      p: p.data,
      g: p.grad!.data,
      sum: sum.data,
      step: st.step,
      lr: this.lr,
      lrDecay: this.lrDecay,
      weightDecay: this.weightDecay,
      eps: this.eps,
    });
  }
}

const FACTORIES: Record<string, (opts: Record<string, unknown>) => Optimizer> = {
  SGD: (o) => new SGD(o as unknown as SGDOptions),
  Adam: (o) => new Adam(o),
  AdamW: (o) => new AdamW(o),
  RMSprop: (o) => new RMSprop(o),
  Adagrad: (o) => new Adagrad(o),
};

/**
 * Rebuilds an optimizer from `getConfig()` output: `{className, ...options}`.
 *
 * @example
 * const opt = optimizerFromConfig({ className: 'Adam', lr: 1e-3, amsgrad: true });
 */
export function optimizerFromConfig(cfg: Record<string, unknown>): Optimizer {
  if (typeof cfg !== 'object' || cfg === null) throw new Error(`optimizerFromConfig: expected {className, ...options}, got ${show(cfg)}`);
  const { className, ...opts } = cfg;
  const f = typeof className === 'string' ? FACTORIES[className] : undefined;
  if (f === undefined) throw new Error(`optimizerFromConfig: unknown optimizer class ${show(className)}; known: ${Object.keys(FACTORIES).join(', ')}`);
  return f(opts);
}

const BY_NAME = {
  sgd: () => new SGD({ lr: 0.01 }),
  adam: () => new Adam(),
  adamw: () => new AdamW(),
  rmsprop: () => new RMSprop(),
  adagrad: () => new Adagrad(),
} as const;

/**
 * An optimizer instance as given, or a new one with default options from its name. PyTorch's SGD
 * has no default learning rate; `'sgd'` uses 0.01 (Keras's default).
 *
 * @example
 * const opt = getOptimizer('adam');   // new Adam({ lr: 1e-3 })
 */
export function getOptimizer(spec: Optimizer | 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad'): Optimizer {
  if (spec instanceof Optimizer) return spec;
  const f = typeof spec === 'string' ? BY_NAME[spec as keyof typeof BY_NAME] : undefined;
  if (f === undefined) throw new Error(`getOptimizer: unknown optimizer ${show(spec)}; expected an Optimizer or one of ${Object.keys(BY_NAME).join(', ')}`);
  return f();
}

// Validation helpers (show and checkKeys are shared with schedules.ts and clip.ts).

/** @internal A value as error messages print it: numbers plainly (NaN, -1), everything else as JSON. */
export function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v) ?? String(v);
}

interface Check {
  ok: (x: number) => boolean;
  what: string;
}
const nonNegative: Check = { ok: (x) => x >= 0, what: 'a non-negative number' };
const finite: Check = { ok: (x) => Number.isFinite(x), what: 'a finite number' };
const unitInterval: Check = { ok: (x) => x >= 0 && x < 1, what: 'a number in [0, 1)' };

function num(where: string, name: string, v: unknown, dflt: number, check: Check): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !check.ok(v)) throw new Error(`${where}: ${name} must be ${check.what}, got ${show(v)}`);
  return v;
}

function positiveLr(where: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0 && v < Infinity)) throw new Error(`${where}: lr must be a positive number, got ${show(v)}`);
  return v;
}

function bool(where: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new Error(`${where}: ${name} must be a boolean, got ${show(v)}`);
  return v;
}

/** @internal Rejects misspelled or PyTorch-style option names (`betas`, `weight_decay`) that would be ignored. */
export function checkKeys(where: string, opts: unknown, known: readonly string[]): void {
  if (typeof opts !== 'object' || opts === null) throw new Error(`${where}: expected an options object, got ${show(opts)}`);
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new Error(`${where}: unknown option ${JSON.stringify(k)}; expected one of ${known.join(', ')}`);
  }
}
