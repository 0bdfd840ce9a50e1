import { fmtShape } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import { Var } from '../autograd/tape.js';
import { activation, dropout, embedding, linear } from '../autograd/ops.js';
import { reshape } from '../autograd/layout_ops.js';
import type { Activation } from '../kernels/ref/elementwise.js';
import { Layer, layerFromConfig, registerLayer } from './layer.js';
import type { CallContext, LayerOptions, Shape } from './layer.js';
import type { Parameter } from './parameter.js';
import { checkInitializer, initialize } from './initializers.js';
import type { InitializerName } from './initializers.js';

export type { Activation };
const ACTIVATIONS: readonly Activation[] = ['linear', 'tanh', 'sigmoid', 'relu', 'softmax', 'gelu', 'elu', 'selu', 'softplus', 'leakyRelu'];

function checkActivation(a: unknown, where: string): Activation {
  if (a === undefined) return 'linear';
  if (typeof a !== 'string' || !ACTIVATIONS.includes(a as Activation)) throw new Error(`${where}: unknown activation ${JSON.stringify(a)}; expected one of ${ACTIVATIONS.join(', ')}`);
  return a as Activation;
}

/** Options of `Dense`. */
export interface DenseOptions extends LayerOptions {
  /** Output features O. */
  units: number;
  /** Applied after the affine map. Default `linear`. */
  activation?: Activation;
  useBias?: boolean;
  /** Default `glorotUniform`; `pytorch` reproduces `nn.Linear` (U(±1/√I) for weight and bias). */
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

/**
 * Fully connected layer on the last axis (PyTorch `nn.Linear`, names `weight` (O, I), `bias` (O)):
 *
 *   y = act(x · Wᵀ + b),   x (..., I) → y (..., O)
 *
 * Applied to a sequence (B, T, I) it acts on every step and keeps the time mask.
 *
 * @example
 * const head = new Dense({ units: 10, activation: 'softmax' });
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  private inFeatures = 0;
  private weight: Parameter | null = null;
  private bias: Parameter | null = null;

  constructor(opts: DenseOptions) {
    super(opts, 'Dense');
    const where = `Dense '${this.name}'`;
    if (!opts || !Number.isInteger(opts.units) || opts.units < 1) throw new Error(`${where}: units must be a positive integer, got ${JSON.stringify(opts?.units)}`);
    this.units = opts.units;
    this.activation = checkActivation(opts.activation, where);
    this.useBias = opts.useBias ?? true;
    this.kernelInitializer = checkInitializer(opts.kernelInitializer ?? 'glorotUniform', where);
    this.biasInitializer = checkInitializer(opts.biasInitializer ?? (this.kernelInitializer === 'pytorch' ? 'pytorch' : 'zeros'), where);
  }

  override build(inputShapes: Shape[], rng: Rng): void {
    const s = inputShapes[0]!;
    const I = s[s.length - 1];
    if (s.length < 2 || I === null || I === undefined) throw new Error(`Dense '${this.name}': expected input (..., features) with known features, got ${fmtShape(s)}`);
    this.inFeatures = I;
    const O = this.units;
    this.params = [];
    this.weight = this.addParam('weight', [O, I]);
    initialize(this.kernelInitializer, this.weight.data, { rng, fanIn: I, fanOut: O, pytorchScale: I, rows: O, cols: I });
    if (this.useBias) {
      this.bias = this.addParam('bias', [O]);
      initialize(this.biasInitializer, this.bias.data, { rng, fanIn: I, fanOut: O, pytorchScale: I, rows: 1, cols: O });
    }
    this.built = true;
  }

  override outputShapes(inputShapes: Shape[]): Shape[] {
    return [[...inputShapes[0]!.slice(0, -1), this.units]];
  }

  override call(inputs: Var[], _ctx?: CallContext): Var[] {
    const x = inputs[0]!;
    const want: Shape = [...x.shape.slice(0, -1).map(() => null), this.inFeatures];
    this.checkShape(x, want);
    return [activation(this.activation, linear(x, this.weight!, this.bias))];
  }

  override getConfig(): Record<string, unknown> {
    return { units: this.units, activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer, ...(this.inputShape ? { inputShape: this.inputShape.slice(1) } : {}) };
  }
}

/** Options of `Embedding`. */
export interface EmbeddingOptions extends LayerOptions {
  /** Vocabulary size V; ids must lie in [0, V). */
  inputDim: number;
  /** Vector size E. */
  outputDim: number;
  /** Treat id 0 as padding: steps whose id is 0 are masked for the layers downstream. */
  maskZero?: boolean;
  /** Row that receives no gradient (PyTorch `padding_idx`). */
  paddingIdx?: number;
  /** Pretrained vectors, V·E values row-major (or V rows of E); e.g. from word2vec. */
  weights?: ArrayLike<number> | ArrayLike<number>[];
  /** Default `normal` N(0, 1) as PyTorch; Keras uses `uniform`. */
  embeddingsInitializer?: InitializerName | 'normal1';
}

/**
 * Lookup table (PyTorch `nn.Embedding`, parameter `weight` (V, E)): ids (B, T) → (B, T, E).
 * With `maskZero` the output carries a mask (id ≠ 0) that recurrent layers, pooling and losses
 * honour. `trainable: false` freezes the table (e.g. pretrained word2vec vectors).
 *
 * @example
 * new Embedding({ inputDim: vocab.size, outputDim: 100, maskZero: true, weights: w2v.matrix, trainable: false })
 */
export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly paddingIdx: number | null;
  private readonly init: InitializerName | 'normal1';
  private pretrained: ArrayLike<number> | null = null;
  private weight: Parameter | null = null;

  constructor(opts: EmbeddingOptions) {
    super(opts, 'Embedding');
    const where = `Embedding '${this.name}'`;
    if (!opts || !Number.isInteger(opts.inputDim) || opts.inputDim < 1) throw new Error(`${where}: inputDim must be a positive integer, got ${JSON.stringify(opts?.inputDim)}`);
    if (!Number.isInteger(opts.outputDim) || opts.outputDim < 1) throw new Error(`${where}: outputDim must be a positive integer, got ${JSON.stringify(opts.outputDim)}`);
    this.inputDim = opts.inputDim;
    this.outputDim = opts.outputDim;
    this.maskZero = opts.maskZero ?? false;
    this.paddingIdx = opts.paddingIdx ?? null;
    if (this.paddingIdx !== null && !(Number.isInteger(this.paddingIdx) && this.paddingIdx >= 0 && this.paddingIdx < this.inputDim))
      throw new Error(`${where}: paddingIdx must be an id in [0, ${this.inputDim}), got ${JSON.stringify(opts.paddingIdx)}`);
    this.init = opts.embeddingsInitializer === 'normal1' || opts.embeddingsInitializer === undefined ? 'normal1' : checkInitializer(opts.embeddingsInitializer, where);
    if (opts.weights) this.pretrained = flattenMatrix(opts.weights, this.inputDim, this.outputDim, where);
  }

  override build(_inputShapes: Shape[], rng: Rng): void {
    const V = this.inputDim;
    const E = this.outputDim;
    this.params = [];
    this.weight = this.addParam('weight', [V, E]);
    const w = this.weight.data;
    if (this.pretrained) w.set(this.pretrained);
    else if (this.init === 'normal1') for (let i = 0; i < w.length; i++) w[i] = rng.normal();
    else initialize(this.init, w, { rng, fanIn: V, fanOut: E, pytorchScale: E, rows: V, cols: E });
    if (this.paddingIdx !== null && !this.pretrained) w.fill(0, this.paddingIdx * E, (this.paddingIdx + 1) * E);
    this.pretrained = null;
    this.built = true;
  }

  /** Replaces the table with pretrained vectors (V·E values or V rows). */
  setWeights(weights: ArrayLike<number> | ArrayLike<number>[]): void {
    const flat = flattenMatrix(weights, this.inputDim, this.outputDim, `Embedding '${this.name}'`);
    if (this.weight) this.weight.data.set(flat);
    else this.pretrained = flat;
  }

  override outputShapes(inputShapes: Shape[]): Shape[] {
    return [[...inputShapes[0]!, this.outputDim]];
  }

  override call(inputs: Var[], _ctx?: CallContext): Var[] {
    const x = inputs[0]!;
    const V = this.inputDim;
    const src = x.data;
    const ids = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= V) {
        const pos = unflatIndex(i, x.shape);
        throw new Error(`Embedding '${this.name}': token id ${v} at position ${fmtShape(pos)} is not an integer in [0, ${V})`);
      }
      ids[i] = v;
    }
    const y = embedding(ids, x.shape, this.weight!, this.paddingIdx);
    if (this.maskZero && x.shape.length === 2) {
      const m = new Uint8Array(ids.length);
      for (let i = 0; i < ids.length; i++) m[i] = ids[i] !== 0 ? 1 : 0;
      y.mask = m;
    }
    return [y];
  }

  override getConfig(): Record<string, unknown> {
    return { inputDim: this.inputDim, outputDim: this.outputDim, maskZero: this.maskZero, ...(this.paddingIdx !== null ? { paddingIdx: this.paddingIdx } : {}), embeddingsInitializer: this.init, ...(this.inputShape ? { inputShape: this.inputShape.slice(1) } : {}) };
  }
}

function unflatIndex(i: number, shape: readonly number[]): number[] {
  const pos: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    pos.unshift(i % shape[k]!);
    i = Math.floor(i / shape[k]!);
  }
  return pos;
}

function flattenMatrix(w: ArrayLike<number> | ArrayLike<number>[], V: number, E: number, where: string): Float64Array {
  const out = new Float64Array(V * E);
  if (w.length === V && typeof (w as ArrayLike<unknown>)[0] === 'object') {
    const rows = w as ArrayLike<number>[];
    for (let v = 0; v < V; v++) {
      const r = rows[v]!;
      if (r.length !== E) throw new Error(`${where}: weights row ${v} has ${r.length} values, expected ${E}`);
      for (let e = 0; e < E; e++) out[v * E + e] = r[e]!;
    }
    return out;
  }
  if (w.length !== V * E) throw new Error(`${where}: weights must be (${V}, ${E}) = ${V * E} values, got ${w.length}`);
  for (let i = 0; i < out.length; i++) out[i] = (w as ArrayLike<number>)[i]!;
  return out;
}

/** Options of `Dropout`. */
export interface DropoutOptions extends LayerOptions {
  /** Fraction of inputs set to zero in training (others scaled by 1/(1−rate)). */
  rate: number;
}

/**
 * Inverted dropout, active only in training: y = x ⊙ m / (1 − rate), m ~ Bernoulli(1 − rate).
 *
 * @example
 * new Dropout({ rate: 0.5 })
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;
  constructor(opts: DropoutOptions) {
    super(opts, 'Dropout');
    if (!opts || typeof opts.rate !== 'number' || !(opts.rate >= 0 && opts.rate < 1)) throw new Error(`Dropout '${this.name}': rate must be a number in [0, 1), got ${JSON.stringify(opts?.rate)}`);
    this.rate = opts.rate;
  }
  override outputShapes(s: Shape[]): Shape[] {
    return [s[0]!];
  }
  override call(inputs: Var[], ctx: CallContext): Var[] {
    const x = inputs[0]!;
    return [ctx.training ? dropout(x, this.rate, ctx.rng) : x];
  }
  override getConfig(): Record<string, unknown> {
    return { rate: this.rate };
  }
}

/** Options of `Masking`. */
export interface MaskingOptions extends LayerOptions {
  /** A step whose features all equal this value is masked. Default 0. */
  maskValue?: number;
}

/**
 * Masks time steps of a (B, T, F) sequence whose features all equal `maskValue`; recurrent layers
 * downstream skip them (state unchanged, output 0, no gradient).
 *
 * @example
 * new Sequential([new Masking({ maskValue: 0, inputShape: [null, 3] }), new LSTM({ units: 8 })])
 */
export class Masking extends Layer {
  readonly className = 'Masking';
  readonly maskValue: number;
  constructor(opts: MaskingOptions = {}) {
    super(opts, 'Masking');
    this.maskValue = opts.maskValue ?? 0;
  }
  override outputShapes(s: Shape[]): Shape[] {
    return [s[0]!];
  }
  override call(inputs: Var[], _ctx?: CallContext): Var[] {
    const x = inputs[0]!;
    if (x.shape.length !== 3) throw new Error(`Masking '${this.name}': expected input (batch, time, features), got ${fmtShape(x.shape)}`);
    const [B, T, F] = x.shape as [number, number, number];
    const d = x.data;
    const m = new Uint8Array(B * T);
    for (let s = 0; s < B * T; s++) {
      let any = 0;
      for (let f = 0; f < F; f++) if (d[s * F + f] !== this.maskValue) any = 1;
      m[s] = any;
    }
    return [passThroughWithMask(x, m)];
  }
  override getConfig(): Record<string, unknown> {
    return { maskValue: this.maskValue, ...(this.inputShape ? { inputShape: this.inputShape.slice(1) } : {}) };
  }
}

function passThroughWithMask(x: Var, m: Uint8Array): Var {
  const y = reshape(x, x.shape);
  y.mask = m;
  return y;
}

/**
 * Applies a layer to every time step: (B, T, ...) → (B·T, ...) → layer → (B, T, ...).
 * Keeps the time mask.
 *
 * @example
 * new TimeDistributed(new Dense({ units: 5 }))
 */
export class TimeDistributed extends Layer {
  readonly className = 'TimeDistributed';
  constructor(
    readonly layer: Layer,
    opts: LayerOptions = {},
  ) {
    super(opts, 'TimeDistributed');
    if (!(layer instanceof Layer)) throw new Error('TimeDistributed: expected a layer');
    // The wrapper owns no parameters of its own: `trainable: false` must freeze the inner layer.
    if (!this.trainable) layer.trainable = false;
  }
  override get trainable(): boolean {
    return super.trainable;
  }
  override set trainable(v: boolean) {
    super.trainable = v;
    if (this.layer) this.layer.trainable = v;
  }
  override build(inputShapes: Shape[], rng: Rng): void {
    const s = inputShapes[0]!;
    if (s.length < 3) throw new Error(`TimeDistributed '${this.name}': expected input (batch, time, ...), got ${fmtShape(s)}`);
    this.layer.build([[null, ...s.slice(2)]], rng);
    this.built = true;
  }
  override parameters(): Parameter[] {
    return this.layer.parameters();
  }
  override outputShapes(inputShapes: Shape[]): Shape[] {
    const s = inputShapes[0]!;
    const inner = this.layer.outputShapes([[null, ...s.slice(2)]])[0]!;
    return [[s[0]!, s[1]!, ...inner.slice(1)]];
  }
  override call(inputs: Var[], ctx: CallContext): Var[] {
    const x = inputs[0]!;
    if (x.shape.length < 3) throw new Error(`TimeDistributed '${this.name}': expected input (batch, time, ...), got ${fmtShape(x.shape)}`);
    const [B, T] = x.shape as [number, number];
    const flat = reshape(x, [B * T, ...x.shape.slice(2)]);
    const y = this.layer.call([flat], ctx)[0]!;
    const out = reshape(y, [B, T, ...y.shape.slice(1)]);
    out.mask = x.mask;
    return [out];
  }
  override toJSON(): { className: string; config: Record<string, unknown> } {
    const inputShape = this.inputShape ? { inputShape: this.inputShape.slice(1) } : {};
    return { className: this.className, config: { name: this.name, trainable: this.trainable, ...inputShape, layer: this.layer.toJSON() } };
  }
  override getConfig(): Record<string, unknown> {
    return { layer: this.layer.toJSON() };
  }
}

/** Options of `ActivationLayer`. */
export interface ActivationLayerOptions extends LayerOptions {
  activation: Activation;
}

/**
 * An activation as a layer, e.g. `new ActivationLayer({ activation: 'softmax' })`.
 */
export class ActivationLayer extends Layer {
  readonly className = 'Activation';
  readonly activation: Activation;
  constructor(opts: ActivationLayerOptions) {
    super(opts, 'Activation');
    this.activation = checkActivation(opts?.activation, `Activation '${this.name}'`);
  }
  override outputShapes(s: Shape[]): Shape[] {
    return [s[0]!];
  }
  override call(inputs: Var[], _ctx?: CallContext): Var[] {
    return [activation(this.activation, inputs[0]!)];
  }
  override getConfig(): Record<string, unknown> {
    return { activation: this.activation };
  }
}

registerLayer('Dense', (c) => new Dense(c as unknown as DenseOptions));
registerLayer('Embedding', (c) => new Embedding(c as unknown as EmbeddingOptions));
registerLayer('Dropout', (c) => new Dropout(c as unknown as DropoutOptions));
registerLayer('Masking', (c) => new Masking(c as unknown as MaskingOptions));
registerLayer('Activation', (c) => new ActivationLayer(c as unknown as ActivationLayerOptions));
registerLayer(
  'TimeDistributed',
  (c) =>
    new TimeDistributed(layerFromConfig(c.layer as { className: string; config: Record<string, unknown> }), {
      name: c.name as string,
      ...(c.trainable === false ? { trainable: false } : {}),
      ...(c.inputShape ? { inputShape: c.inputShape as Shape } : {}),
    }),
);
