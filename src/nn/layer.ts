import type { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/tensor.js';
import type { Var } from '../autograd/tape.js';
import { Parameter } from './parameter.js';

/** A full shape with `null` for sizes only known at run time (batch, time). */
export type Shape = readonly (number | null)[];

/** Passed to every layer call. */
export interface CallContext {
  /** Training mode: dropout active, stateful layers update. */
  training: boolean;
  /** The source of all randomness in the call (dropout masks). */
  rng: Rng;
}

/** Options every layer accepts. */
export interface LayerOptions {
  /** Unique name; the prefix of this layer's parameter names in saved files. */
  name?: string;
  /** Input shape without the batch dimension, e.g. `[null, 32]` for sequences of 32 features. */
  inputShape?: Shape;
  /** Element type of the parameters; `float64` exists for gradient checks. */
  dtype?: 'float32' | 'float64';
  /** False freezes every parameter of the layer. */
  trainable?: boolean;
}

const nameCounters = new Map<string, number>();

function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Returns `lstm`, `lstm_1`, `lstm_2`, … per class, as Keras names layers. */
export function uniqueName(className: string): string {
  const base = snake(className);
  const n = nameCounters.get(base) ?? 0;
  nameCounters.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

export type LayerFactory = (config: Record<string, unknown>) => Layer;
const registry = new Map<string, LayerFactory>();

/** Registers a layer class for `fromConfig` (model loading). */
export function registerLayer(className: string, factory: LayerFactory): void {
  registry.set(className, factory);
}

/** Rebuilds a layer from `{className, config}` as written by `Layer.toJSON`. */
export function layerFromConfig(spec: { className: string; config: Record<string, unknown> }): Layer {
  const f = registry.get(spec.className);
  if (!f) throw new Error(`unknown layer class ${JSON.stringify(spec.className)}; known: ${[...registry.keys()].join(', ')}`);
  return f(spec.config);
}

/**
 * Base class of all layers. A layer owns parameters (PyTorch names), is built once from its input
 * shapes, and maps input Vars to output Vars. Subclasses implement `build`, `call`,
 * `outputShapes` and `getConfig`.
 */
export abstract class Layer {
  abstract readonly className: string;
  name: string;
  readonly dtype: 'float32' | 'float64';
  inputShape: Shape | null;
  built = false;
  protected params: Parameter[] = [];
  private trainable_: boolean;

  constructor(opts: LayerOptions = {}, className?: string) {
    this.name = opts.name ?? uniqueName(className ?? this.constructor.name);
    this.dtype = opts.dtype ?? 'float32';
    this.inputShape = opts.inputShape ? [null, ...opts.inputShape] : null;
    this.trainable_ = opts.trainable ?? true;
  }

  get trainable(): boolean {
    return this.trainable_;
  }
  set trainable(v: boolean) {
    this.trainable_ = v;
    for (const p of this.parameters()) p.trainable = v;
  }

  /** Creates parameters for the given input shapes (batch dim included, may be null). */
  build(inputShapes: Shape[], rng: Rng): void {
    void inputShapes;
    void rng;
    this.built = true;
  }

  /** Computes outputs. Inputs are validated against the built shapes. */
  abstract call(inputs: Var[], ctx: CallContext): Var[];

  /** Output shapes for the given input shapes. */
  abstract outputShapes(inputShapes: Shape[]): Shape[];

  /** Constructor options that rebuild this layer (JSON-serializable). */
  abstract getConfig(): Record<string, unknown>;

  /** `{className, config}` for saving. */
  toJSON(): { className: string; config: Record<string, unknown> } {
    return { className: this.className, config: { name: this.name, dtype: this.dtype, trainable: this.trainable, ...this.getConfig() } };
  }

  /** Parameters in a stable order (PyTorch `state_dict` order). */
  parameters(): Parameter[] {
    return this.params;
  }

  /**
   * Functional API: calls the layer on symbolic inputs (from `Input` or other layers).
   * Extra inputs after the first are initial states for recurrent layers.
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
    return applyLayer(this, inputs);
  }

  /** Resets stateful layers (no-op otherwise). */
  resetStates(): void {}

  /** Number of scalar parameters. */
  countParams(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    return n;
  }

  protected addParam(name: string, shape: readonly number[]): Parameter {
    const p = new Parameter(name, shape, this.dtype, this.trainable_);
    this.params.push(p);
    return p;
  }

  /** Throws `"<Class> '<name>': expected input <want>, got <got>"` unless shapes agree. */
  protected checkShape(x: Var, want: Shape, what = 'input'): void {
    const got = x.shape;
    let ok = got.length === want.length;
    for (let i = 0; ok && i < want.length; i++) if (want[i] !== null && want[i] !== got[i]) ok = false;
    if (!ok) throw new Error(`${this.className} '${this.name}': expected ${what} ${fmtShapeNamed(want)}, got ${fmtShape(got)}`);
  }
}

/** `(batch, time, 32)`: a declared shape with its unknown dimensions named. */
export function fmtShapeNamed(shape: Shape): string {
  const names = shape.length === 3 ? ['batch', 'time'] : ['batch'];
  return `(${shape.map((d, i) => (d === null ? (names[i] ?? '?') : String(d))).join(', ')})`;
}

/**
 * A placeholder for a value in a functional model: a shape, and the layer call that makes it.
 * Created by `Input(...)` and `layer.apply(...)`; no data flows until the model runs.
 */
export class SymbolicTensor {
  constructor(
    readonly shape: Shape,
    /** The layer call that produced it, or null for a model input. */
    readonly node: LayerNode | null,
    /** Which output of that call. */
    readonly index: number,
    readonly name: string,
  ) {}
}

/** One call of a layer in a functional graph. */
export interface LayerNode {
  layer: Layer;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
}

let inputCounter = 0;

/**
 * A model input of the given shape (without the batch dimension).
 *
 * @example
 * const tokens = Input({ shape: [null] });            // (batch, time) token ids
 * const x = new Embedding({ inputDim: 1000, outputDim: 32 }).apply(tokens);
 */
export function Input(opts: { shape: Shape; name?: string }): SymbolicTensor {
  if (!opts || !Array.isArray(opts.shape)) throw new Error('Input: expected { shape: [...] } without the batch dimension');
  const name = opts.name ?? (inputCounter++ === 0 ? 'input' : `input_${inputCounter - 1}`);
  return new SymbolicTensor([null, ...opts.shape], null, 0, name);
}

/**
 * Calls a layer on symbolic inputs (functional API); returns one output, or an array when the
 * layer has several (e.g. `returnState`).
 */
export function applyLayer(layer: Layer, inputs: SymbolicTensor | SymbolicTensor[]): SymbolicTensor | SymbolicTensor[] {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  for (const s of list) if (!(s instanceof SymbolicTensor)) throw new Error(`${layer.className} '${layer.name}'.apply: expected symbolic inputs from Input() or another layer`);
  const shapes = layer.outputShapes(list.map((s) => s.shape));
  const node: LayerNode = { layer, inputs: list, outputs: [] };
  node.outputs = shapes.map((sh, i) => new SymbolicTensor(sh, node, i, `${layer.name}/${i}`));
  return node.outputs.length === 1 ? node.outputs[0]! : node.outputs;
}
