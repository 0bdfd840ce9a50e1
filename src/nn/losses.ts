import { fmtShape } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/tensor.js';
import type { Var } from '../autograd/tape.js';
import { elementwiseLoss, logClamp, softmaxCrossEntropy } from '../autograd/loss_ops.js';
import type { ElementwiseLoss } from '../autograd/loss_ops.js';

/**
 * A training objective: maps a prediction Var and a batch of targets to a scalar Var.
 * Sequence predictions (B, T, ·) carrying a time mask exclude padded steps from the loss.
 */
export interface Loss {
  readonly name: string;
  /** `index` targets are class ids with the prediction's shape minus the class axis. */
  readonly targetKind: 'index' | 'dense';
  /**
   * Checks that targets of shape `targetShape` fit predictions of shape `predShape` (batch
   * dims included) and that their values are valid; `what` names the data in messages.
   */
  validate(predShape: readonly (number | null)[], target: { data: Float32Array; shape: number[] }, what: string): void;
  /** The mean loss over the batch, or null when no element counts (all masked / ignored). */
  compute(pred: Var, target: FloatArray): Var | null;
  getConfig(): Record<string, unknown>;
}

/** Options of `CrossEntropy`. */
export interface CrossEntropyOptions {
  /** Predictions are logits (default, as PyTorch) or probabilities (false, e.g. after softmax). */
  fromLogits?: boolean;
  /** Target value that contributes nothing (PyTorch default −100). */
  ignoreIndex?: number;
  /** Per-class weights w_c; the mean is Σ w_y ℓ / Σ w_y as PyTorch. */
  classWeights?: number[];
  /** ε: targets become (1 − ε)·onehot + ε/C. */
  labelSmoothing?: number;
}

/**
 * Softmax cross-entropy with integer class targets (PyTorch `nn.CrossEntropyLoss`, Keras
 * `sparse_categorical_crossentropy`):
 *
 *   ℓ = −log softmax(z)_y,  mean over non-ignored (and non-masked) positions
 *
 * Predictions (B, C) with targets (B), or (B, T, C) with targets (B, T).
 *
 * @example
 * await model.fit(x, y, { loss: new CrossEntropy({ labelSmoothing: 0.1 }), epochs: 3 });
 */
export class CrossEntropy implements Loss {
  readonly name = 'crossEntropy';
  readonly targetKind = 'index';
  readonly fromLogits: boolean;
  readonly ignoreIndex: number;
  readonly classWeights: number[] | null;
  readonly labelSmoothing: number;

  constructor(opts: CrossEntropyOptions = {}) {
    this.fromLogits = opts.fromLogits ?? true;
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.classWeights = opts.classWeights ?? null;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) throw new Error(`CrossEntropy: labelSmoothing must be in [0, 1], got ${opts.labelSmoothing}`);
    if (!Number.isInteger(this.ignoreIndex)) throw new Error(`CrossEntropy: ignoreIndex must be an integer, got ${opts.ignoreIndex}`);
  }

  validate(predShape: readonly (number | null)[], target: { data: Float32Array; shape: number[] }, what: string): void {
    const C = predShape[predShape.length - 1]!;
    const want = predShape.slice(0, -1);
    let shape = target.shape;
    if (shape.length === want.length + 1 && shape[shape.length - 1] === 1) shape = shape.slice(0, -1);
    const ok = shape.length === want.length && want.every((d, i) => i === 0 || d === null || d === shape[i]);
    if (!ok) throw new Error(`${this.name}: expected ${what} of shape ${fmtShape(want.map((d, i) => (i === 0 ? null : d)))} holding class ids for predictions ${fmtShape(predShape)}, got ${fmtShape(target.shape)}`);
    if (this.classWeights && this.classWeights.length !== C) throw new Error(`${this.name}: classWeights has ${this.classWeights.length} values, expected ${C} (one per class)`);
    const d = target.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      if (v === this.ignoreIndex) continue;
      if (!Number.isInteger(v) || v < 0 || v >= C) throw new Error(`${this.name}: ${what} value ${v} at flat index ${i} is not a class id in [0, ${C})`);
    }
  }

  compute(pred: Var, target: FloatArray): Var | null {
    const C = pred.shape[pred.shape.length - 1]!;
    const N = pred.value.size / C;
    const ids = new Int32Array(N);
    const mask = pred.mask;
    for (let i = 0; i < N; i++) ids[i] = mask && pred.shape.length === 3 && !mask[i] ? this.ignoreIndex : target[i]!;
    const logits = this.fromLogits ? pred : logClamp(pred, 1e-7);
    const weights = this.classWeights ? Float64Array.from(this.classWeights) : null;
    return softmaxCrossEntropy(logits, ids, { ignoreIndex: this.ignoreIndex, classWeights: weights, labelSmoothing: this.labelSmoothing });
  }

  getConfig(): Record<string, unknown> {
    return { className: 'CrossEntropy', fromLogits: this.fromLogits, ignoreIndex: this.ignoreIndex, classWeights: this.classWeights, labelSmoothing: this.labelSmoothing };
  }
}

/** Base of the elementwise losses (targets have the prediction's shape). */
abstract class DenseLoss implements Loss {
  abstract readonly name: string;
  readonly targetKind = 'dense';
  protected abstract get spec(): ElementwiseLoss;

  validate(predShape: readonly (number | null)[], target: { data: Float32Array; shape: number[] }, what: string): void {
    const ok = target.shape.length === predShape.length && predShape.every((d, i) => i === 0 || d === null || d === target.shape[i]);
    if (!ok) throw new Error(`${this.name}: expected ${what} of shape ${fmtShape(predShape.map((d, i) => (i === 0 ? null : d)))} like the predictions, got ${fmtShape(target.shape)}`);
  }

  compute(pred: Var, target: FloatArray): Var | null {
    let weights: Float32Array | null = null;
    const mask = pred.mask;
    if (mask && pred.shape.length === 3) {
      const F = pred.shape[2]!;
      weights = new Float32Array(pred.value.size);
      let any = false;
      for (let s = 0; s < mask.length; s++)
        if (mask[s]) {
          weights.fill(1, s * F, (s + 1) * F);
          any = true;
        }
      if (!any) return null;
    }
    return elementwiseLoss(this.spec, pred, target, weights);
  }

  getConfig(): Record<string, unknown> {
    return { className: this.constructor.name };
  }
}

/** Mean squared error ℓ = (ŷ − y)² (PyTorch `MSELoss`). */
export class MeanSquaredError extends DenseLoss {
  readonly name = 'mse';
  protected get spec(): ElementwiseLoss {
    return { kind: 'mse' };
  }
}

/** Mean absolute error ℓ = |ŷ − y| (PyTorch `L1Loss`). */
export class MeanAbsoluteError extends DenseLoss {
  readonly name = 'mae';
  protected get spec(): ElementwiseLoss {
    return { kind: 'mae' };
  }
}

/** Huber loss: ½d² if |d| < δ else δ(|d| − ½δ), d = ŷ − y (PyTorch `HuberLoss`). */
export class Huber extends DenseLoss {
  readonly name = 'huber';
  constructor(readonly delta = 1) {
    super();
    if (!(delta > 0)) throw new Error(`Huber: delta must be positive, got ${delta}`);
  }
  protected get spec(): ElementwiseLoss {
    return { kind: 'huber', delta: this.delta };
  }
  override getConfig(): Record<string, unknown> {
    return { className: 'Huber', delta: this.delta };
  }
}

/**
 * Binary cross-entropy ℓ = −[y log p + (1 − y) log(1 − p)] on probabilities (default, Keras) or
 * on logits (`fromLogits: true`, PyTorch `BCEWithLogitsLoss`, optional `posWeight` per output).
 */
export class BinaryCrossentropy extends DenseLoss {
  readonly name = 'binaryCrossentropy';
  readonly fromLogits: boolean;
  readonly posWeight: number[] | null;
  constructor(opts: { fromLogits?: boolean; posWeight?: number[] } = {}) {
    super();
    this.fromLogits = opts.fromLogits ?? false;
    this.posWeight = opts.posWeight ?? null;
    if (this.posWeight && !this.fromLogits) throw new Error('BinaryCrossentropy: posWeight needs fromLogits: true');
  }
  protected get spec(): ElementwiseLoss {
    return this.fromLogits ? { kind: 'bceWithLogits', posWeight: this.posWeight ? Float64Array.from(this.posWeight) : null } : { kind: 'bce' };
  }
  override validate(predShape: readonly (number | null)[], target: { data: Float32Array; shape: number[] }, what: string): void {
    super.validate(predShape, target, what);
    const d = target.data;
    for (let i = 0; i < d.length; i++) if (!(d[i]! >= 0 && d[i]! <= 1)) throw new Error(`${this.name}: ${what} value ${d[i]} at flat index ${i} is not in [0, 1]`);
  }
  override getConfig(): Record<string, unknown> {
    return { className: 'BinaryCrossentropy', fromLogits: this.fromLogits, posWeight: this.posWeight };
  }
}

/** Loss names accepted wherever a loss is expected. */
export type LossName = 'crossEntropy' | 'sparseCategoricalCrossentropy' | 'mse' | 'meanSquaredError' | 'mae' | 'meanAbsoluteError' | 'huber' | 'binaryCrossentropy' | 'bceWithLogits';

/**
 * Resolves a loss name or object. `crossEntropy` takes logits (PyTorch); Keras's
 * `sparseCategoricalCrossentropy` and `binaryCrossentropy` take probabilities.
 */
export function getLoss(spec: Loss | LossName): Loss {
  if (typeof spec === 'object' && spec !== null && typeof spec.compute === 'function') return spec;
  switch (spec) {
    case 'crossEntropy':
      return new CrossEntropy();
    case 'sparseCategoricalCrossentropy':
      return new CrossEntropy({ fromLogits: false });
    case 'mse':
    case 'meanSquaredError':
      return new MeanSquaredError();
    case 'mae':
    case 'meanAbsoluteError':
      return new MeanAbsoluteError();
    case 'huber':
      return new Huber();
    case 'binaryCrossentropy':
      return new BinaryCrossentropy();
    case 'bceWithLogits':
      return new BinaryCrossentropy({ fromLogits: true });
    default:
      throw new Error(`unknown loss ${JSON.stringify(spec)}; expected one of crossEntropy, sparseCategoricalCrossentropy, mse, mae, huber, binaryCrossentropy, bceWithLogits, or a Loss object`);
  }
}
