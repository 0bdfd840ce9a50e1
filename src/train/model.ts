import { Tensor, arena, fmtShape } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { Var } from '../autograd/tape.js';
import { Layer, SymbolicTensor, layerFromConfig } from '../nn/layer.js';
import type { CallContext, LayerNode, Shape } from '../nn/layer.js';
import type { Parameter } from '../nn/parameter.js';
import { gatherRows, toNDArray, toNested } from './data.js';
import { evaluate, fit } from './fit.js';
import type { EvaluateOptions, FitOptions, History } from './fit.js';
import type { NDArray, TensorLike } from './data.js';

/** Options shared by `Sequential` and `Model`. */
export interface ModelOptions {
  name?: string;
  /** Seed of the parameter initialization (and the default seed of `fit`). Default 0. */
  seed?: number;
}

/** Options of `predict`. */
export interface PredictOptions {
  /** Rows per forward pass. Default 32. */
  batchSize?: number;
}

/**
 * Common base of `Sequential` and functional `Model`: parameters, forward pass, predict,
 * state dict. Training lives in `fit.ts` (`model.fit`), saving in `serialize.ts`.
 */
export abstract class BaseModel {
  readonly name: string;
  readonly seed: number;
  protected rng: Rng;

  constructor(opts: ModelOptions = {}) {
    this.name = opts.name ?? 'model';
    this.seed = opts.seed ?? 0;
    this.rng = new Rng(this.seed);
  }

  /** Every layer, in call order. */
  abstract get layers(): Layer[];
  /** Declared input shapes (batch = null), known once built. */
  abstract get inputShapes(): Shape[];
  abstract get built(): boolean;
  /** Builds parameters for the given input shapes (batch dim included). */
  abstract build(inputShapes: Shape[]): void;
  /** Runs the model on Vars (one per input), returning one Var per output. */
  abstract call(inputs: Var[], ctx: CallContext): Var[];
  /** Config JSON that rebuilds the architecture. */
  abstract toJSON(): Record<string, unknown>;
  /** Output shapes (batch null) for the given input shapes. */
  abstract outputShapes(inputShapes: Shape[]): Shape[];

  /** Unique parameters with their full names (`<layer>.<param>`, PyTorch `state_dict` style). */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const l of this.layers)
      for (const p of l.parameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([`${l.name}.${p.name}`, p]);
      }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  countParams(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Copies of every parameter, by full name. */
  stateDict(): Record<string, { shape: number[]; data: Float32Array | Float64Array }> {
    const out: Record<string, { shape: number[]; data: Float32Array | Float64Array }> = {};
    for (const [n, p] of this.namedParameters()) out[n] = { shape: [...p.shape], data: p.data.slice() };
    return out;
  }

  /**
   * Sets parameters by full name. With `strict` (default) every parameter must be given and no
   * unknown name may appear.
   */
  loadStateDict(sd: Record<string, { shape?: readonly number[]; data: ArrayLike<number> }>, strict = true, source = 'state dict'): void {
    this.ensureBuilt();
    const named = new Map(this.namedParameters());
    for (const [n, v] of Object.entries(sd)) {
      const p = named.get(n);
      if (!p) {
        if (strict) throw new Error(`${source}: unexpected parameter '${n}'; the model has ${[...named.keys()].join(', ')}`);
        continue;
      }
      if (v.shape && (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i])))
        throw new Error(`${source}: parameter '${n}' has shape ${fmtShape(v.shape)}, expected ${fmtShape(p.shape)}`);
      if (v.data.length !== p.size) throw new Error(`${source}: parameter '${n}' has ${v.data.length} values, expected ${p.size}`);
      p.data.set(v.data);
    }
    if (strict) for (const n of named.keys()) if (!(n in sd)) throw new Error(`${source}: missing parameter '${n}'`);
  }

  protected ensureBuilt(): void {
    if (!this.built) {
      const shapes = this.inputShapes;
      if (shapes.length === 0 || shapes.some((s) => s.slice(1).some((d, i) => d === null && i === s.length - 2 && s.length > 2)))
        throw new Error(`${this.name}: the model is not built yet; give the first layer an inputShape or call fit/predict first`);
      this.build(shapes);
    }
  }

  /** Builds from the shapes of actual data (first call of fit/predict). */
  buildFromData(xs: NDArray[]): void {
    if (this.built) return;
    const declared = this.inputShapes;
    if (declared.length) {
      this.build(declared);
      return;
    }
    // No declared shape: keep the batch and (for sequences) the time axis variable, so later
    // calls may use other lengths. Token ids (B, T) for an Embedding are sequences too.
    const firstIsEmbedding = this.layers[0]?.className === 'Embedding';
    this.build(xs.map((x) => (x.shape.length >= 3 || (x.shape.length === 2 && firstIsEmbedding) ? [null, null, ...x.shape.slice(2)] : [null, ...x.shape.slice(1)])));
  }

  /**
   * Trains the model (async; yields to the event loop between batches). Loss and optimizer are
   * options, so there is no compile step.
   *
   * @example
   * const h = await model.fit(x, y, { loss: 'crossEntropy', optimizer: new Adam({ lr: 1e-3 }), epochs: 10,
   *   batchSize: 32, validationSplit: 0.1, metrics: ['accuracy'], callbacks: [new EarlyStopping({ patience: 2 })] });
   */
  fit(x: TensorLike | TensorLike[], y: TensorLike | TensorLike[], opts: FitOptions): Promise<History> {
    return fit(this, x, y, opts);
  }

  /**
   * Mean loss and metrics on a data set, in inference mode.
   *
   * @example
   * const { loss, accuracy } = model.evaluate(xTest, yTest, { loss: 'crossEntropy', metrics: ['accuracy'] });
   */
  evaluate(x: TensorLike | TensorLike[], y: TensorLike | TensorLike[], opts: EvaluateOptions): Record<string, number> {
    return evaluate(this, x, y, opts);
  }

  /** Resets the states of every stateful recurrent layer. */
  resetStates(): void {
    for (const l of this.layers) l.resetStates();
  }

  /**
   * Runs the model in inference mode and returns the outputs as nested arrays (one per model
   * output if there are several).
   *
   * @example
   * const probs = model.predict([[1, 5, 9, 0]]); // → [[p0, p1]]
   */
  predict(x: TensorLike | TensorLike[], opts: PredictOptions = {}): unknown[] | unknown[][] {
    const outs = this.predictArrays(x, opts);
    return outs.length === 1 ? toNested(outs[0]!) : outs.map((o) => toNested(o));
  }

  /** Like `predict`, returning flat `{ data: Float32Array, shape }` per output. */
  predictArrays(x: TensorLike | TensorLike[], opts: PredictOptions = {}): NDArray[] {
    const xs = this.inputsToArrays(x, 'x');
    this.buildFromData(xs);
    const N = xs[0]!.shape[0]!;
    const bs = opts.batchSize ?? 32;
    if (!Number.isInteger(bs) || bs < 1) throw new Error(`predict: batchSize must be a positive integer, got ${bs}`);
    const idx = new Int32Array(N).map((_, i) => i);
    let results: NDArray[] | null = null;
    for (let start = 0; start < N; start += bs) {
      const end = Math.min(N, start + bs);
      const m = arena.mark();
      try {
        const vars = this.batchVars(xs, idx, start, end);
        const ys = this.call(vars, { training: false, rng: this.rng });
        if (!results) results = ys.map((y) => ({ data: new Float32Array((y.value.size / y.shape[0]!) * N), shape: [N, ...y.shape.slice(1)] }));
        ys.forEach((y, k) => {
          const r = results![k]!;
          const row = y.value.size / y.shape[0]!;
          if (row !== r.data.length / N)
            throw new Error(`predict: output ${k} has ${fmtShape(y.shape)} per batch; sequences of different lengths in one predict call are not supported`);
          r.data.set(y.data, start * row);
        });
      } finally {
        arena.release(m);
      }
    }
    return results ?? [];
  }

  /** @internal validates and converts user inputs (one per model input). */
  inputsToArrays(x: TensorLike | TensorLike[], what: string): NDArray[] {
    const nIn = Math.max(1, this.inputShapes.length);
    const list: TensorLike[] = nIn > 1 ? (x as TensorLike[]) : [x as TensorLike];
    if (nIn > 1 && (!Array.isArray(x) || x.length !== nIn)) throw new Error(`${what}: the model has ${nIn} inputs; pass an array of ${nIn} arrays`);
    const arrs = list.map((v, i) => toNDArray(v, nIn > 1 ? `${what}[${i}]` : what));
    const N = arrs[0]!.shape[0];
    arrs.forEach((a, i) => {
      if (a.shape[0] !== N) throw new Error(`${what}[${i}]: has ${a.shape[0]} samples, expected ${N} like ${what}[0]`);
      const want = this.inputShapes[i];
      if (want) {
        const ok = want.length === a.shape.length && want.every((d, j) => d === null || d === a.shape[j]);
        if (!ok) throw new Error(`${this.name}: expected ${what}${nIn > 1 ? `[${i}]` : ''} of shape ${fmtShape(want.map((d, j) => (j === 0 ? null : d)))}, got ${fmtShape(a.shape)}`);
      }
    });
    return arrs;
  }

  /** @internal gathers rows [start, end) of `order` into constant Vars. */
  batchVars(xs: NDArray[], order: ArrayLike<number>, start: number, end: number): Var[] {
    return xs.map((a) => {
      const t = Tensor.temp([end - start, ...a.shape.slice(1)], this.layers[0]?.dtype ?? 'float32');
      gatherRows(a, order, start, end, t.data);
      return new Var(t, false);
    });
  }

  /** A one-line-per-layer description with output shapes and parameter counts. */
  summary(): string {
    this.ensureBuilt();
    const lines = [`Model: ${this.name}`, 'Layer (type)'.padEnd(34) + 'Params'.padStart(12)];
    for (const l of this.layers) lines.push(`${l.name} (${l.className})`.padEnd(34) + String(l.countParams()).padStart(12));
    lines.push(`Total params: ${this.countParams()}`);
    return lines.join('\n');
  }
}

/**
 * A linear stack of layers.
 *
 * @example
 * const model = new Sequential([
 *   new LSTM({ units: 64, inputShape: [null, 8] }),
 *   new Dense({ units: 3 }),
 * ], { seed: 1 });
 * await model.fit(x, y, { loss: 'crossEntropy', optimizer: new Adam({ lr: 1e-3 }), epochs: 10 });
 */
export class Sequential extends BaseModel {
  private readonly stack: Layer[] = [];
  private shapes: Shape[] = [];
  private isBuilt = false;

  constructor(layers: Layer[] = [], opts: ModelOptions = {}) {
    super({ name: opts.name ?? 'sequential', ...opts });
    for (const l of layers) this.add(l);
  }

  /** Appends a layer (before the model is built). */
  add(layer: Layer): this {
    if (!(layer instanceof Layer)) throw new Error(`Sequential.add: expected a layer, got ${typeof layer}`);
    if (this.isBuilt) throw new Error('Sequential.add: the model is already built');
    if (this.stack.some((l) => l.name === layer.name)) throw new Error(`Sequential.add: a layer named '${layer.name}' is already in the model`);
    this.stack.push(layer);
    return this;
  }

  get layers(): Layer[] {
    return this.stack;
  }
  get built(): boolean {
    return this.isBuilt;
  }
  get inputShapes(): Shape[] {
    if (this.shapes.length) return this.shapes;
    const first = this.stack[0];
    return first?.inputShape ? [first.inputShape] : [];
  }

  build(inputShapes: Shape[]): void {
    if (this.stack.length === 0) throw new Error(`${this.name}: the model has no layers`);
    this.shapes = inputShapes;
    let s = inputShapes;
    const rng = new Rng(this.seed);
    for (const l of this.stack) {
      if (!l.built) l.build(s, rng);
      s = l.outputShapes(s).slice(0, 1);
    }
    this.isBuilt = true;
  }

  outputShapes(inputShapes: Shape[]): Shape[] {
    let s = inputShapes;
    for (const l of this.stack) s = l.outputShapes(s).slice(0, 1);
    return s;
  }

  call(inputs: Var[], ctx: CallContext): Var[] {
    let xs = inputs;
    for (const l of this.stack) xs = l.call(xs, ctx).slice(0, 1);
    return xs;
  }

  toJSON(): Record<string, unknown> {
    return { className: 'Sequential', name: this.name, seed: this.seed, inputShapes: this.inputShapes, layers: this.stack.map((l) => l.toJSON()) };
  }
}

/**
 * A model defined by connecting layers (functional API): several inputs, several outputs,
 * shared layers, initial states.
 *
 * @example
 * const src = Input({ shape: [null, 16] });
 * const [seq, h, c] = new LSTM({ units: 32, returnSequences: true, returnState: true }).apply(src) as SymbolicTensor[];
 * const out = new Dense({ units: 4 }).apply(seq);
 * const model = new Model({ inputs: src, outputs: [out, h] });
 */
export class Model extends BaseModel {
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  private readonly order: LayerNode[];
  private isBuilt = false;

  constructor(opts: ModelOptions & { inputs: SymbolicTensor | SymbolicTensor[]; outputs: SymbolicTensor | SymbolicTensor[] }) {
    super(opts);
    this.inputs = Array.isArray(opts.inputs) ? opts.inputs : [opts.inputs];
    this.outputs = Array.isArray(opts.outputs) ? opts.outputs : [opts.outputs];
    for (const s of [...this.inputs, ...this.outputs]) if (!(s instanceof SymbolicTensor)) throw new Error('Model: inputs and outputs must be symbolic tensors from Input() and layer.apply()');
    for (const s of this.inputs) if (s.node) throw new Error(`Model: input '${s.name}' must come from Input(), not from a layer`);
    this.order = topoSort(this.outputs, this.inputs);
    const names = new Set<string>();
    for (const l of this.layers) {
      if (names.has(l.name)) throw new Error(`Model: two different layers are named '${l.name}'`);
      names.add(l.name);
    }
    this.build(this.inputShapes);
  }

  get layers(): Layer[] {
    const seen = new Set<Layer>();
    for (const n of this.order) seen.add(n.layer);
    return [...seen];
  }
  get built(): boolean {
    return this.isBuilt;
  }
  get inputShapes(): Shape[] {
    return this.inputs.map((s) => s.shape);
  }

  build(_inputShapes: Shape[]): void {
    const rng = new Rng(this.seed);
    for (const n of this.order) if (!n.layer.built) n.layer.build(n.inputs.map((s) => s.shape), rng);
    this.isBuilt = true;
  }

  outputShapes(inputShapes: Shape[]): Shape[] {
    const known = new Map<SymbolicTensor, Shape>();
    this.inputs.forEach((s, i) => known.set(s, inputShapes[i] ?? s.shape));
    for (const n of this.order) {
      const outs = n.layer.outputShapes(n.inputs.map((s) => known.get(s)!));
      n.outputs.forEach((s, i) => known.set(s, outs[i]!));
    }
    return this.outputs.map((s) => known.get(s)!);
  }

  call(inputs: Var[], ctx: CallContext): Var[] {
    const values = new Map<SymbolicTensor, Var>();
    this.inputs.forEach((s, i) => values.set(s, inputs[i]!));
    for (const n of this.order) {
      const ins = n.inputs.map((s) => values.get(s)!);
      const outs = n.layer.call(ins, ctx);
      n.outputs.forEach((s, i) => values.set(s, outs[i]!));
    }
    return this.outputs.map((s) => values.get(s)!);
  }

  toJSON(): Record<string, unknown> {
    const id = new Map<SymbolicTensor, string>();
    this.inputs.forEach((s) => id.set(s, s.name));
    const nodes = this.order.map((n, k) => {
      n.outputs.forEach((s, i) => id.set(s, `${k}:${i}`));
      return { layer: n.layer.name, inputs: n.inputs.map((s) => id.get(s)!) };
    });
    return {
      className: 'Model',
      name: this.name,
      seed: this.seed,
      inputs: this.inputs.map((s) => ({ name: s.name, shape: s.shape.slice(1) })),
      layers: this.layers.map((l) => l.toJSON()),
      nodes,
      outputs: this.outputs.map((s) => id.get(s)!),
    };
  }
}

function topoSort(outputs: SymbolicTensor[], inputs: SymbolicTensor[]): LayerNode[] {
  const order: LayerNode[] = [];
  const done = new Set<LayerNode>();
  const active = new Set<LayerNode>();
  const visit = (s: SymbolicTensor): void => {
    if (!s.node) {
      if (!inputs.includes(s)) throw new Error(`Model: the graph uses input '${s.name}' that is not among the model's inputs`);
      return;
    }
    const n = s.node;
    if (done.has(n)) return;
    if (active.has(n)) throw new Error('Model: the graph has a cycle');
    active.add(n);
    for (const i of n.inputs) visit(i);
    active.delete(n);
    done.add(n);
    order.push(n);
  };
  for (const o of outputs) visit(o);
  return order;
}

/** Rebuilds a model of a registered class from its `toJSON()` output. */
export type ModelFactory = (config: Record<string, unknown>, source: string) => BaseModel;
const modelClasses = new Map<string, ModelFactory>();

/**
 * Registers a model class besides `Sequential` and `Model` (e.g. an app's encoder–decoder) so that
 * `modelFromJSON`, and through it `loadModel` and `loadCheckpoint`, can rebuild it.
 */
export function registerModelClass(className: string, factory: ModelFactory): void {
  modelClasses.set(className, factory);
}

/** Rebuilds a model's architecture from `toJSON()` output (parameters freshly initialized). */
export function modelFromJSON(cfg: Record<string, unknown>, source = 'model config'): BaseModel {
  const bad = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (cfg.className === 'Sequential') {
    const layers = (cfg.layers as { className: string; config: Record<string, unknown> }[] | undefined) ?? bad('Sequential config has no layers');
    const m = new Sequential(layers.map((l) => layerFromConfig(l)), { name: cfg.name as string, seed: cfg.seed as number });
    const shapes = cfg.inputShapes as Shape[] | undefined;
    if (shapes && shapes.length) m.build(shapes);
    return m;
  }
  if (cfg.className === 'Model') {
    const layerList = (cfg.layers as { className: string; config: Record<string, unknown> }[] | undefined) ?? bad('Model config has no layers');
    const byName = new Map<string, Layer>();
    for (const spec of layerList) {
      const l = layerFromConfig(spec);
      byName.set(l.name, l);
    }
    const syms = new Map<string, SymbolicTensor>();
    const inputs = ((cfg.inputs as { name: string; shape: Shape }[]) ?? bad('Model config has no inputs')).map((i) => {
      const s = new SymbolicTensor([null, ...i.shape], null, 0, i.name);
      syms.set(i.name, s);
      return s;
    });
    ((cfg.nodes as { layer: string; inputs: string[] }[]) ?? bad('Model config has no nodes')).forEach((n, k) => {
      const layer = byName.get(n.layer) ?? bad(`node ${k} uses unknown layer '${n.layer}'`);
      const ins = n.inputs.map((i) => syms.get(i) ?? bad(`node ${k} uses unknown tensor '${i}'`));
      const out = layer.apply(ins);
      (Array.isArray(out) ? out : [out]).forEach((s, i) => syms.set(`${k}:${i}`, s));
    });
    const outputs = (cfg.outputs as string[]).map((o) => syms.get(o) ?? bad(`unknown output tensor '${o}'`));
    return new Model({ inputs, outputs, name: cfg.name as string, seed: cfg.seed as number });
  }
  const factory = typeof cfg.className === 'string' ? modelClasses.get(cfg.className) : undefined;
  if (factory) return factory(cfg, source);
  return bad(`unknown model class ${JSON.stringify(cfg.className)}`);
}

/** @internal */
export function isModel(m: unknown): m is BaseModel {
  return m instanceof BaseModel;
}
