import { Tensor, fmtShape } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import { Var } from '../autograd/tape.js';
import { recurrentSequence, gatesOf } from '../autograd/recurrent_op.js';
import type { CellKind, RecurrentWeights } from '../autograd/recurrent_op.js';
import { concatLast, flipTime, merge, stack, unstackAt } from '../autograd/layout_ops.js';
import { dropoutSequence } from '../autograd/ops.js';
import { dropoutMask } from '../kernels/ref/elementwise.js';
import { Layer, registerLayer } from './layer.js';
import type { CallContext, LayerOptions, Shape } from './layer.js';
import type { Parameter } from './parameter.js';
import { checkInitializer, initialize } from './initializers.js';
import type { InitializerName } from './initializers.js';

/** How `Bidirectional` combines the two directions of its last layer. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

/** Options shared by `SimpleRNN`, `LSTM` and `GRU` (Keras names). */
export interface RecurrentOptions extends LayerOptions {
  /** Hidden size H. */
  units: number;
  /** Return the whole output sequence (B, T, D·H) instead of the last output (B, D·H). Default false. */
  returnSequences?: boolean;
  /** Also return the final states: `[output, hN]` (GRU/RNN) or `[output, hN, cN]` (LSTM). Default false. */
  returnState?: boolean;
  /**
   * Process the sequence backwards. As in Keras, the returned sequence is in processing order
   * (reversed time). Default false.
   */
  goBackwards?: boolean;
  /** Keep the final states of one batch as the initial states of the next; `resetStates()` clears. */
  stateful?: boolean;
  /** Fraction of the inputs of every stacked layer dropped in training; one mask per sequence. */
  dropout?: number;
  /** Fraction of the recurrent state h_{t−1} dropped in W_hh·h_{t−1}; one mask per sequence. */
  recurrentDropout?: number;
  /** Number of stacked layers (PyTorch `num_layers`). Default 1. */
  numLayers?: number;
  /** Use the biases b_ih and b_hh. Default true. */
  useBias?: boolean;
  /** Initializer of W_ih. Default `glorotUniform` (Keras); `pytorch` gives U(±1/√H). */
  kernelInitializer?: InitializerName;
  /** Initializer of W_hh. Default `orthogonal`. */
  recurrentInitializer?: InitializerName;
  /** Initializer of the biases. Default `zeros`. */
  biasInitializer?: InitializerName;
  /** Sets all three initializers at once, e.g. `'pytorch'` to reproduce `torch.nn.LSTM`. */
  initializer?: InitializerName;
}

/** Bidirectional settings (set through the `Bidirectional` wrapper). */
interface DirectionOptions {
  bidirectional: boolean;
  mergeMode: MergeMode;
}

function checkFraction(v: unknown, what: string, where: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new Error(`${where}: ${what} must be a number in [0, 1), got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The common machinery of the recurrent layers: PyTorch semantics and parameter names
 * (`weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`, suffix `_reverse`),
 * Keras-style options. Each direction of each stacked layer is one fused sequence op.
 *
 * Input (B, T, I), optionally followed by initial states (`initialState`): h0 and, for LSTM, c0,
 * each (B, H) for one layer and one direction, or (B, L·D, H) — batch first, entries ordered as
 * PyTorch's h_n: [layer 0 fwd, layer 0 bwd, layer 1 fwd, …] — so states flow between models.
 * Masked steps (from `Embedding({maskZero})` or `Masking`) leave the state unchanged, output 0,
 * and get no gradient.
 */
export abstract class RecurrentLayer extends Layer {
  readonly units: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly stateful: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly numLayers: number;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly recurrentInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  protected dir: DirectionOptions = { bidirectional: false, mergeMode: 'concat' };
  protected inputSize = 0;
  private weights: RecurrentWeights[][] = []; // [layer][direction]
  private states: Tensor[] | null = null; // stateful: persistent (B, L·D, H) per state

  constructor(opts: RecurrentOptions, className: string) {
    super(opts, className);
    const where = `${className} '${this.name}'`;
    if (!opts || !Number.isInteger(opts.units) || opts.units < 1) throw new Error(`${where}: units must be a positive integer, got ${JSON.stringify(opts?.units)}`);
    this.units = opts.units;
    this.returnSequences = opts.returnSequences ?? false;
    this.returnState = opts.returnState ?? false;
    this.goBackwards = opts.goBackwards ?? false;
    this.stateful = opts.stateful ?? false;
    this.dropout = checkFraction(opts.dropout, 'dropout', where);
    this.recurrentDropout = checkFraction(opts.recurrentDropout, 'recurrentDropout', where);
    this.numLayers = opts.numLayers ?? 1;
    if (!Number.isInteger(this.numLayers) || this.numLayers < 1) throw new Error(`${where}: numLayers must be a positive integer, got ${JSON.stringify(opts.numLayers)}`);
    this.useBias = opts.useBias ?? true;
    this.kernelInitializer = checkInitializer(opts.kernelInitializer ?? opts.initializer ?? 'glorotUniform', where);
    this.recurrentInitializer = checkInitializer(opts.recurrentInitializer ?? opts.initializer ?? 'orthogonal', where);
    this.biasInitializer = checkInitializer(opts.biasInitializer ?? opts.initializer ?? 'zeros', where);
  }

  /** The fused cell kind. */
  protected abstract get cell(): CellKind;

  /** Hook for LSTM's unit forget bias. */
  protected afterInit(_bih: Parameter | null): void {}

  /** Number of state tensors (2 for LSTM). */
  protected get stateCount(): number {
    return this.cell === 'lstm' ? 2 : 1;
  }

  private get D(): number {
    return this.dir.bidirectional ? 2 : 1;
  }

  /** @internal used by `Bidirectional`. */
  setDirections(d: DirectionOptions): void {
    if (this.built) throw new Error(`${this.className} '${this.name}': cannot make a built layer bidirectional`);
    if (d.bidirectional && this.goBackwards) throw new Error(`Bidirectional: the wrapped ${this.className} must not set goBackwards`);
    this.dir = d;
  }

  override build(inputShapes: Shape[], rng: Rng): void {
    const s = inputShapes[0]!;
    const where = `${this.className} '${this.name}'`;
    if (s.length !== 3 || s[2] === null) throw new Error(`${where}: expected input (batch, time, features), got ${fmtShape(s)}`);
    this.inputSize = s[2];
    const H = this.units;
    const G = gatesOf(this.cell);
    this.params = [];
    this.weights = [];
    for (let l = 0; l < this.numLayers; l++) {
      const I = l === 0 ? this.inputSize : H * this.D;
      const row: RecurrentWeights[] = [];
      for (let d = 0; d < this.D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const wih = this.addParam(`weight_ih${sfx}`, [G * H, I]);
        const whh = this.addParam(`weight_hh${sfx}`, [G * H, H]);
        const bih = this.useBias ? this.addParam(`bias_ih${sfx}`, [G * H]) : null;
        const bhh = this.useBias ? this.addParam(`bias_hh${sfx}`, [G * H]) : null;
        const ctx = { rng, pytorchScale: H };
        initialize(this.kernelInitializer, wih.data, { ...ctx, fanIn: I, fanOut: G * H, rows: G * H, cols: I });
        initialize(this.recurrentInitializer, whh.data, { ...ctx, fanIn: H, fanOut: G * H, rows: G * H, cols: H });
        for (const b of [bih, bhh]) if (b) initialize(this.biasInitializer, b.data, { ...ctx, fanIn: G * H, fanOut: G * H, rows: 1, cols: G * H });
        this.afterInit(bih);
        row.push({ wih, whh, bih, bhh });
      }
      this.weights.push(row);
    }
    this.built = true;
  }

  override outputShapes(inputShapes: Shape[]): Shape[] {
    const s = inputShapes[0]!;
    const B = s[0] ?? null;
    const T = s[1] ?? null;
    const width = this.D === 2 && this.dir.mergeMode === 'concat' ? 2 * this.units : this.units;
    const out: Shape[] = [this.returnSequences ? [B, T, width] : [B, width]];
    if (this.returnState) {
      const LD = this.numLayers * this.D;
      const st: Shape = LD === 1 ? [B, this.units] : [B, LD, this.units];
      for (let k = 0; k < this.stateCount; k++) out.push(st);
    }
    return out;
  }

  override call(inputs: Var[], ctx: CallContext): Var[] {
    const all = this.callWithStates(inputs, ctx);
    return this.returnState ? all : all.slice(0, 1);
  }

  /**
   * Like `call`, but always returns the final states after the output: `[output, hN]` or
   * `[output, hN, cN]` (shapes as with `returnState`). Used for step-by-step generation.
   */
  callWithStates(inputs: Var[], ctx: CallContext): Var[] {
    const x = inputs[0]!;
    const H = this.units;
    const L = this.numLayers;
    const D = this.D;
    const LD = L * D;
    this.checkShape(x, [null, null, this.inputSize]);
    const [B, T] = x.shape as [number, number];
    const where = `${this.className} '${this.name}'`;
    if (T === 0) throw new Error(`${where}: expected at least one time step, got input ${fmtShape(x.shape)}`);
    const isLstm = this.cell === 'lstm';

    // Initial states: explicit inputs, else stateful memory, else zeros (null).
    let init: (Var | null)[] = new Array(this.stateCount).fill(null);
    if (inputs.length > 1) {
      if (inputs.length - 1 !== this.stateCount)
        throw new Error(`${where}: expected ${this.stateCount} initial state tensor(s) (${isLstm ? 'h0, c0' : 'h0'}), got ${inputs.length - 1}`);
      init = inputs.slice(1).map((s, k) => {
        const want = LD === 1 ? [B, H] : [B, LD, H];
        const ok = s.shape.length === want.length && s.shape.every((d, i) => d === want[i]);
        if (!ok) throw new Error(`${where}: expected initial state ${isLstm ? ['h0', 'c0'][k] : 'h0'} ${fmtShape(want)}, got ${fmtShape(s.shape)}`);
        return s;
      });
    } else if (this.stateful && this.states) {
      if (this.states[0]!.shape[0] !== B)
        throw new Error(`${where}: stateful layer was used with batch size ${this.states[0]!.shape[0]}, got ${B}; call resetStates() first`);
      init = this.states.map((t) => new Var(t.reshape(LD === 1 ? [B, H] : [B, LD, H]), false));
    }
    const initAt = (k: number, idx: number): Var | null => {
      const s = init[k];
      if (!s) return null;
      return LD === 1 ? s : unstackAt(s, idx);
    };

    const mask = x.mask;
    let seq = x;
    const hFinal: Var[] = [];
    const cFinal: Var[] = [];
    let lastYs: Var[] = [];
    for (let l = 0; l < L; l++) {
      if (ctx.training && this.dropout > 0) seq = dropoutSequence(seq, this.dropout, ctx.rng);
      seq.mask = mask;
      const ys: Var[] = [];
      for (let d = 0; d < D; d++) {
        const idx = l * D + d;
        let hMask: Tensor | null = null;
        if (ctx.training && this.recurrentDropout > 0) {
          hMask = Tensor.temp([B, H], x.value.dtype === 'float64' ? 'float64' : 'float32');
          dropoutMask(ctx.rng, this.recurrentDropout, hMask.data);
        }
        const reverse = d === 1 || this.goBackwards;
        const r = recurrentSequence(this.cell, seq, this.weights[l]![d]!, H, initAt(0, idx), isLstm ? initAt(1, idx) : null, mask, reverse, hMask);
        ys.push(r.y);
        hFinal.push(r.hT);
        if (r.cT) cFinal.push(r.cT);
      }
      lastYs = ys;
      if (l < L - 1) seq = D === 2 ? concatLast(ys) : ys[0]!;
    }

    let out: Var;
    if (this.returnSequences) {
      out = this.mergeDirections(lastYs);
      if (this.goBackwards) out = flipTime(out); // Keras: the sequence comes back in processing order
      else out.mask = mask;
    } else {
      out = this.mergeDirections(hFinal.slice(-D));
    }

    const stateOut = (list: Var[]): Var => (LD === 1 ? list[0]! : stack(list));
    if (this.stateful) this.keepStates(isLstm ? [hFinal, cFinal] : [hFinal], B, LD);
    return isLstm ? [out, stateOut(hFinal), stateOut(cFinal)] : [out, stateOut(hFinal)];
  }

  private mergeDirections(ys: Var[]): Var {
    if (ys.length === 1) return ys[0]!;
    const mode = this.dir.mergeMode;
    return mode === 'concat' ? concatLast(ys) : merge(mode, ys[0]!, ys[1]!);
  }

  private keepStates(lists: Var[][], B: number, LD: number): void {
    const H = this.units;
    if (!this.states || this.states[0]!.shape[0] !== B) this.states = lists.map(() => Tensor.persistent([B, LD, H], this.dtype));
    lists.forEach((list, k) => {
      const dst = this.states![k]!.data;
      list.forEach((v, i) => {
        const src = v.data;
        for (let b = 0; b < B; b++) dst.set(src.subarray(b * H, (b + 1) * H), (b * LD + i) * H);
      });
    });
  }

  override resetStates(): void {
    if (this.states) for (const s of this.states) s.data.fill(0);
  }

  override getConfig(): Record<string, unknown> {
    return {
      units: this.units,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: this.stateful,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      numLayers: this.numLayers,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      recurrentInitializer: this.recurrentInitializer,
      biasInitializer: this.biasInitializer,
      ...(this.inputShape ? { inputShape: this.inputShape.slice(1) } : {}),
      ...(this.dir.bidirectional ? { bidirectional: true, mergeMode: this.dir.mergeMode } : {}),
    };
  }
}

/** Options of `SimpleRNN`. */
export interface SimpleRNNOptions extends RecurrentOptions {
  /** Nonlinearity: `tanh` (default) or `relu`. */
  activation?: 'tanh' | 'relu';
}

/**
 * Elman RNN (PyTorch `nn.RNN`): h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh).
 *
 * Input (B, T, I) → output (B, T, H) with `returnSequences`, else (B, H).
 *
 * @example
 * const model = new Sequential([new SimpleRNN({ units: 64, inputShape: [null, 8] }), new Dense({ units: 1 })]);
 */
export class SimpleRNN extends RecurrentLayer {
  readonly className = 'SimpleRNN';
  readonly activation: 'tanh' | 'relu';
  constructor(opts: SimpleRNNOptions) {
    super(opts, 'SimpleRNN');
    const a = opts.activation ?? 'tanh';
    if (a !== 'tanh' && a !== 'relu') throw new Error(`SimpleRNN '${this.name}': activation must be 'tanh' or 'relu', got ${JSON.stringify(a)}`);
    this.activation = a;
  }
  protected get cell(): CellKind {
    return this.activation === 'tanh' ? 'rnn_tanh' : 'rnn_relu';
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

/** Options of `LSTM`. */
export interface LSTMOptions extends RecurrentOptions {
  /** Add 1 to the forget-gate bias at initialization (Keras default true). */
  unitForgetBias?: boolean;
}

/**
 * Long short-term memory (PyTorch `nn.LSTM`, gate order i, f, g, o):
 *
 *   [i, f, g, o] = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh;  i, f, o = σ(·), g = tanh(·)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g;   h_t = o ⊙ tanh(c_t)
 *
 * Input (B, T, I) → output (B, T, H) with `returnSequences`, else (B, H); with `returnState`
 * also hN and cN.
 *
 * @example
 * const model = new Sequential([
 *   new Embedding({ inputDim: 10000, outputDim: 64, maskZero: true }),
 *   new LSTM({ units: 128, numLayers: 2, dropout: 0.2 }),
 *   new Dense({ units: 2 }),
 * ]);
 */
export class LSTM extends RecurrentLayer {
  readonly className = 'LSTM';
  readonly unitForgetBias: boolean;
  constructor(opts: LSTMOptions) {
    super(opts, 'LSTM');
    this.unitForgetBias = opts.unitForgetBias ?? true;
  }
  protected get cell(): CellKind {
    return 'lstm';
  }
  protected override afterInit(bih: Parameter | null): void {
    if (!bih || !this.unitForgetBias) return;
    const H = this.units;
    const b = bih.data;
    for (let j = H; j < 2 * H; j++) b[j]! += 1;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }
}

/** Options of `GRU`. */
export interface GRUOptions extends RecurrentOptions {
  /**
   * true (default): PyTorch / Keras `reset_after=True`, n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)).
   * false: Keras `reset_after=False`, n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn).
   */
  resetAfter?: boolean;
}

/**
 * Gated recurrent unit (PyTorch `nn.GRU`, gate order r, z, n):
 *
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 *
 * @example
 * const layer = new GRU({ units: 32, returnSequences: true, inputShape: [null, 16] });
 */
export class GRU extends RecurrentLayer {
  readonly className = 'GRU';
  readonly resetAfter: boolean;
  constructor(opts: GRUOptions) {
    super(opts, 'GRU');
    this.resetAfter = opts.resetAfter ?? true;
  }
  protected get cell(): CellKind {
    return this.resetAfter ? 'gru' : 'gru_reset_before';
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}

/** Options of `Bidirectional`. */
export interface BidirectionalOptions {
  /** How the two directions' outputs are combined: `concat` (default), `sum`, `mul`, `ave`. */
  mergeMode?: MergeMode;
}

const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

/**
 * Runs a recurrent layer forwards and backwards over the sequence and merges the outputs.
 * Matches PyTorch `bidirectional=True`: parameters `*_reverse`, and stacked layers receive the
 * concatenation of both directions; `mergeMode` applies to the last layer's output. With
 * `returnState`, hN (and cN) are (B, L·2, H), entries in PyTorch's order [l0 fwd, l0 bwd, l1 fwd, …].
 *
 * @example
 * new Bidirectional(new LSTM({ units: 64, returnSequences: true }), { mergeMode: 'concat' })
 */
export function Bidirectional(layer: RecurrentLayer, opts: BidirectionalOptions = {}): RecurrentLayer {
  const mergeMode = opts.mergeMode ?? 'concat';
  if (!MERGE_MODES.includes(mergeMode)) throw new Error(`Bidirectional: mergeMode must be one of ${MERGE_MODES.join(', ')}, got ${JSON.stringify(mergeMode)}`);
  if (!(layer instanceof RecurrentLayer)) throw new Error('Bidirectional: expected a SimpleRNN, LSTM or GRU layer');
  layer.setDirections({ bidirectional: true, mergeMode });
  return layer;
}

function withDir<L extends RecurrentLayer>(layer: L, c: Record<string, unknown>): L {
  if (c.bidirectional) layer.setDirections({ bidirectional: true, mergeMode: (c.mergeMode as MergeMode) ?? 'concat' });
  return layer;
}

// Serialization: the direction settings travel in the config.
for (const [name, ctor] of [
  ['SimpleRNN', SimpleRNN],
  ['LSTM', LSTM],
  ['GRU', GRU],
] as const) {
  registerLayer(name, (c) => withDir(new (ctor as unknown as new (o: RecurrentOptions) => RecurrentLayer)(c as unknown as RecurrentOptions), c));
}
