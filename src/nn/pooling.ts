import { fmtShape } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import type { Var } from '../autograd/tape.js';
import { globalAvgPool, globalMaxPool } from '../autograd/pooling_ops.js';
import { attentionPooling } from '../autograd/attention_ops.js';
import { Layer, registerLayer } from './layer.js';
import type { CallContext, LayerOptions, Shape } from './layer.js';
import type { Parameter } from './parameter.js';
import { checkInitializer, initialize } from './initializers.js';
import type { InitializerName } from './initializers.js';

/** Shared input handling of the pooling layers: (batch, time, features) with features fixed at build. */
abstract class TimePooling extends Layer {
  protected features: number | null = null;

  override build(inputShapes: Shape[], _rng: Rng): void {
    const s = inputShapes[0]!;
    if (s.length !== 3) throw new Error(`${this.className} '${this.name}': expected input (batch, time, features), got ${fmtShape(s)}`);
    this.features = s[2] ?? null;
    this.built = true;
  }

  /** Checks x against (batch, time, F) and returns it. */
  protected sequence(inputs: Var[]): Var {
    const x = inputs[0]!;
    if (x.shape.length !== 3) throw new Error(`${this.className} '${this.name}': expected input (batch, time, features), got ${fmtShape(x.shape)}`);
    this.checkShape(x, [null, null, this.features]);
    return x;
  }

  override getConfig(): Record<string, unknown> {
    return this.inputShape ? { inputShape: this.inputShape.slice(1) } : {};
  }
}

/**
 * Max over the real time steps of a sequence (Keras `GlobalMaxPooling1D`, mask-aware):
 *
 *   y[b, f] = max_{t : mask[b, t] = 1} x[b, t, f],   x (B, T, F) → y (B, F)
 *
 * Padded steps (the input's mask, e.g. from `Embedding({ maskZero: true })`) never win; a row
 * with no real step outputs 0. The gradient flows to the step each maximum came from.
 *
 * @example
 * new Sequential([new Embedding({ inputDim: V, outputDim: 64, maskZero: true }),
 *   new LSTM({ units: 64, returnSequences: true }), new GlobalMaxPooling1D(), new Dense({ units: 2 })])
 */
export class GlobalMaxPooling1D extends TimePooling {
  readonly className = 'GlobalMaxPooling1D';
  constructor(opts: LayerOptions = {}) {
    super(opts, 'GlobalMaxPooling1D');
  }
  override outputShapes(inputShapes: Shape[]): Shape[] {
    const s = inputShapes[0]!;
    return [[s[0] ?? null, s[2] ?? null]];
  }
  override call(inputs: Var[], _ctx?: CallContext): Var[] {
    return [globalMaxPool(this.sequence(inputs))];
  }
}

/**
 * Mean over the real time steps of a sequence (Keras `GlobalAveragePooling1D`, mask-aware):
 *
 *   y[b, f] = Σ_{t : mask[b, t] = 1} x[b, t, f] / n_b,   x (B, T, F) → y (B, F)
 *
 * n_b is the number of real steps of row b; a row with none outputs 0.
 *
 * @example
 * const pooled = new GlobalAveragePooling1D().apply(encoderStates);   // (batch, features)
 */
export class GlobalAveragePooling1D extends TimePooling {
  readonly className = 'GlobalAveragePooling1D';
  constructor(opts: LayerOptions = {}) {
    super(opts, 'GlobalAveragePooling1D');
  }
  override outputShapes(inputShapes: Shape[]): Shape[] {
    const s = inputShapes[0]!;
    return [[s[0] ?? null, s[2] ?? null]];
  }
  override call(inputs: Var[], _ctx?: CallContext): Var[] {
    return [globalAvgPool(this.sequence(inputs))];
  }
}

/** Options of `AttentionPooling`. */
export interface AttentionPoolingOptions extends LayerOptions {
  /** Attention size A (rows of `weight`). */
  units: number;
  /** Also return the attention weights α (batch, time). Default false. */
  returnAttention?: boolean;
  /** Default true; false drops `bias`. */
  useBias?: boolean;
  /** For `weight` (A, F) and `context` (A). Default `glorotUniform`. */
  kernelInitializer?: InitializerName;
  /** Default `zeros` (`pytorch` when kernelInitializer is `pytorch`). */
  biasInitializer?: InitializerName;
}

/**
 * Attention pooling over time (Yang et al. 2016, "hierarchical attention"; "self-attentive"
 * pooling), parameters `weight` (A, F), `bias` (A), `context` (A):
 *
 *   u_t = tanh(W x_t + b),   α_t = exp(contextᵀ u_t) / Σ_{t' real} exp(contextᵀ u_t'),
 *   y = Σ_t α_t x_t,          x (B, T, F) → y (B, F)   [, α (B, T)]
 *
 * Padded steps (the input's mask) get α = 0 exactly; a row with no real step gives y = 0, α = 0.
 * With `returnAttention` the layer returns `[y, α]`.
 *
 * @example
 * const words = new GRU({ units: 50, returnSequences: true }).apply(embedded);
 * const [sentence, alpha] = new AttentionPooling({ units: 100, returnAttention: true }).apply(words) as SymbolicTensor[];
 */
export class AttentionPooling extends Layer {
  readonly className = 'AttentionPooling';
  readonly units: number;
  readonly returnAttention: boolean;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  private features = 0;
  private weight: Parameter | null = null;
  private bias: Parameter | null = null;
  private context: Parameter | null = null;

  constructor(opts: AttentionPoolingOptions) {
    super(opts, 'AttentionPooling');
    const where = `AttentionPooling '${this.name}'`;
    if (!opts || !Number.isInteger(opts.units) || opts.units < 1) throw new Error(`${where}: units must be a positive integer, got ${JSON.stringify(opts?.units)}`);
    this.units = opts.units;
    this.returnAttention = opts.returnAttention ?? false;
    this.useBias = opts.useBias ?? true;
    this.kernelInitializer = checkInitializer(opts.kernelInitializer ?? 'glorotUniform', where);
    this.biasInitializer = checkInitializer(opts.biasInitializer ?? (this.kernelInitializer === 'pytorch' ? 'pytorch' : 'zeros'), where);
  }

  override build(inputShapes: Shape[], rng: Rng): void {
    const s = inputShapes[0]!;
    if (s.length !== 3 || s[2] === null || s[2] === undefined) throw new Error(`AttentionPooling '${this.name}': expected input (batch, time, features) with known features, got ${fmtShape(s)}`);
    const F = s[2];
    const A = this.units;
    this.features = F;
    this.params = [];
    this.weight = this.addParam('weight', [A, F]);
    initialize(this.kernelInitializer, this.weight.data, { rng, fanIn: F, fanOut: A, pytorchScale: F, rows: A, cols: F });
    this.bias = null;
    if (this.useBias) {
      this.bias = this.addParam('bias', [A]);
      initialize(this.biasInitializer, this.bias.data, { rng, fanIn: F, fanOut: A, pytorchScale: F, rows: 1, cols: A });
    }
    this.context = this.addParam('context', [A]);
    initialize(this.kernelInitializer, this.context.data, { rng, fanIn: A, fanOut: 1, pytorchScale: A, rows: 1, cols: A });
    this.built = true;
  }

  override outputShapes(inputShapes: Shape[]): Shape[] {
    const s = inputShapes[0]!;
    const B = s[0] ?? null;
    const out: Shape[] = [[B, s[2] ?? null]];
    if (this.returnAttention) out.push([B, s[1] ?? null]);
    return out;
  }

  override call(inputs: Var[], _ctx?: CallContext): Var[] {
    const x = inputs[0]!;
    this.checkShape(x, [null, null, this.features]);
    const r = attentionPooling(x, this.weight!, this.bias, this.context!);
    return this.returnAttention ? [r.context, r.weights] : [r.context];
  }

  override getConfig(): Record<string, unknown> {
    return {
      units: this.units,
      returnAttention: this.returnAttention,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      ...(this.inputShape ? { inputShape: this.inputShape.slice(1) } : {}),
    };
  }
}

registerLayer('GlobalMaxPooling1D', (c) => new GlobalMaxPooling1D(c as LayerOptions));
registerLayer('GlobalAveragePooling1D', (c) => new GlobalAveragePooling1D(c as LayerOptions));
registerLayer('AttentionPooling', (c) => new AttentionPooling(c as unknown as AttentionPoolingOptions));
