/**
 * Encoder–decoder with attention (Sutskever et al. 2014; Bahdanau et al. 2015; Luong et al. 2015).
 *
 *   encoder   e = Embedding(x) (padding id masked) → stacked (Bi)LSTM/GRU → memory M (B, S, Hv),
 *             Hv = D·He (D = 2 when bidirectional); final states h_N, c_N
 *   bridge    decoder layer l starts from encoder layer l + Le − Ld (clamped to [0, Le)):
 *             `dense`: h0_l = tanh(W_h [h_N fwd; h_N bwd] + b_h) (and c0_l with W_c when both are
 *             LSTMs, else c0 = 0); `copy`: h0_l = h_N (unidirectional, He = Hd); `zero`: zeros
 *   decoder   at step t, from the previous target token y_{t−1} (y_0 = <sos>):
 *             x_t = [E(y_{t−1}); h̃_{t−1}]   (input feeding, Luong §3.3; h̃_0 = 0) or E(y_{t−1})
 *             h_t = stacked LSTM/GRU(x_t, state_{t−1});  top-layer output q_t (B, Hd)
 *             α_t = masked_softmax_j score(q_t, M_j)   (padded source positions get α = 0)
 *             c_t = Σ_j α_tj M_j;   h̃_t = tanh(W_a [c_t; q_t])   (no attention: h̃_t = q_t)
 *             logits_t = W_o dropout(h̃_t) + b_o   (tied: W_o = the target embedding table)
 *   score     bahdanau (additive) vᵀ tanh(W_q q + W_k M_j) · luong-general qᵀ W M_j · luong-dot q · M_j
 *   loss      mean cross-entropy over target tokens; padding targets are ignored (ignoreIndex)
 *
 * This is Luong's global attention with input feeding; `attention: 'bahdanau'` picks Bahdanau's
 * additive score inside it (OpenNMT's `mlp` attention). Dropout (`dropout`) is applied to the
 * inputs of every recurrent layer (one mask per sequence and step) and to h̃ before the output.
 *
 * Training with teacher forcing feeds the reference y_{t−1}; with a scheduled-sampling rate p
 * (Bengio et al. 2015) each row feeds instead, with probability p, the model's own most likely
 * token of step t−1. Without input feeding and sampling, the decoder runs over the whole target
 * sequence as one fused recurrent op (the same numbers, much faster).
 *
 * Parameters keep PyTorch `state_dict` names: `src_embed.weight`, `encoder.weight_ih_l0[_reverse]`,
 * `bridge_h.{weight,bias}`, `bridge_c.*`, `tgt_embed.weight`, `decoder.weight_ih_l0`, ...,
 * `attention.{query_proj,key_proj,v}.weight` or `attention.weight`, `attn_out.weight`,
 * `generator.{weight,bias}` (tied: only `generator.bias`).
 */
import { Tensor, fmtShape } from '../../tensor/tensor.js';
import { Rng } from '../../tensor/rng.js';
import { Var } from '../../autograd/tape.js';
import { dropout, linear } from '../../autograd/ops.js';
import { concatLast, reshape, stack, unstackAt } from '../../autograd/layout_ops.js';
import { softmaxCrossEntropy } from '../../autograd/loss_ops.js';
import { Attention } from '../../nn/attention.js';
import { Layer } from '../../nn/layer.js';
import type { CallContext, LayerOptions, Shape } from '../../nn/layer.js';
import { Dense, Embedding } from '../../nn/layers.js';
import type { Parameter } from '../../nn/parameter.js';
import { Bidirectional, GRU, LSTM } from '../../nn/recurrent.js';
import type { RecurrentLayer } from '../../nn/recurrent.js';
import type { InitializerName } from '../../nn/initializers.js';
import { BaseModel, registerModelClass } from '../../train/model.js';
import { resolveSeq2SeqOptions } from './config.js';
import type { Seq2SeqCell, Seq2SeqConfig, Seq2SeqOptions } from './config.js';

export { resolveSeq2SeqOptions } from './config.js';
export type { Seq2SeqAttention, Seq2SeqBridge, Seq2SeqCell, Seq2SeqConfig, Seq2SeqOptions } from './config.js';

/** What the encoder hands the decoder. */
export interface EncoderOutput {
  /** Encoder outputs M (B, S, Hv), zeros at padding; the attention values. */
  memory: Var;
  /** The query-independent half of the score (see `Attention.projectKeys`), or null without attention. */
  keys: Var | null;
  /** (B, S), 1 = real source position; null when nothing is padded. */
  mask: Uint8Array | null;
  /** Initial decoder states: [h0] or [h0, c0], each (B, Hd), or (B, Ld, Hd) for Ld > 1. */
  states: Var[];
}

/** The decoder's recurrent state between steps. */
export interface DecoderState {
  /** [h] or [h, c], as `EncoderOutput.states`. */
  states: Var[];
  /** h̃_{t−1} (R, Hd) with input feeding, else null. */
  feed: Var | null;
}

/** One decoder step's results. */
export interface DecoderStepOutput {
  /** h̃_t (R, Hd), after dropout in training: the input of `generate`. */
  output: Var;
  /** α_t (R, S), or null without attention. */
  weights: Var | null;
  state: DecoderState;
}

/** Options of the teacher-forced forward pass. */
export interface ForwardOptions {
  /** Scheduled sampling: probability of feeding the model's own previous prediction. Default 0. */
  samplingRate?: number;
  /** Also return the attention weights of every step. */
  returnAttention?: boolean;
}

/** Padded id batches in the layout the model takes. */
export interface SourceBatch {
  /** (B, S) ids, padded with padId after the tokens (and `<eos>` when `sourceEos`). */
  data: Float32Array;
  shape: [number, number];
}

export interface TargetBatch {
  /** Decoder inputs (B, T): `<sos>` y_1 … y_n, padded. */
  input: Float32Array;
  /** Targets (B, T): y_1 … y_n `<eos>`, padded with padId (ignored by the loss). */
  output: Int32Array;
  shape: [number, number];
}

/** Output projection sharing the target embedding table: logits = x · Eᵀ + b. */
class TiedGenerator extends Layer {
  readonly className = 'TiedGenerator';
  private bias: Parameter | null = null;
  constructor(
    private readonly embedding: Embedding,
    opts: LayerOptions,
  ) {
    super(opts, 'TiedGenerator');
  }
  override build(): void {
    this.params = [];
    this.bias = this.addParam('bias', [this.embedding.inputDim]);
    this.built = true;
  }
  override outputShapes(s: Shape[]): Shape[] {
    return [[...s[0]!.slice(0, -1), this.embedding.inputDim]];
  }
  override call(inputs: Var[]): Var[] {
    return [linear(inputs[0]!, this.embedding.parameters()[0]!, this.bias)];
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}

/**
 * An attentional encoder–decoder over token ids (see the file header for the equations).
 * A `BaseModel`: `call([src, tgtIn])` gives teacher-forced logits (B, T, V), so `fit`,
 * `saveModel`, `loadModel`, `saveCheckpoint` and `loadCheckpoint` work on it; step-by-step
 * decoding goes through `encode` / `decodeStep` / `generate` (see `decode.ts`).
 *
 * @example
 * const m = new Seq2SeqModel({ srcVocabSize: 30, tgtVocabSize: 45, units: 64, attention: 'bahdanau' });
 * const src = m.sourceBatch([[5, 6, 7]]);
 * const tgt = m.targetBatch([[8, 9]]);
 * const loss = m.loss(src, tgt, { training: true, rng: new Rng(0) });   // a scalar Var
 */
export class Seq2SeqModel extends BaseModel {
  readonly config: Seq2SeqConfig;
  readonly srcEmbed: Embedding;
  readonly encoder: RecurrentLayer;
  readonly bridgeH: Dense | null;
  readonly bridgeC: Dense | null;
  readonly tgtEmbed: Embedding;
  readonly decoder: RecurrentLayer;
  readonly attention: Attention | null;
  readonly attnOut: Dense | null;
  readonly generator: Layer;
  private readonly layerList: Layer[];

  constructor(opts: Seq2SeqOptions) {
    const c = resolveSeq2SeqOptions(opts);
    super({ name: c.name, seed: c.seed });
    this.config = c;
    const dtype = c.dtype;
    const init = c.initializer;
    const dense: { kernelInitializer?: InitializerName; biasInitializer?: InitializerName } = init ? { kernelInitializer: init, biasInitializer: init === 'pytorch' ? init : 'zeros' } : {};
    const rnnInit = init ? { initializer: init } : {};
    const D = c.bidirectional ? 2 : 1;
    const Hv = D * c.units;
    const Hd = c.decoderUnits;

    const embInit = init ?? 'uniform';
    this.srcEmbed = new Embedding({ name: 'src_embed', inputDim: c.srcVocabSize, outputDim: c.srcEmbeddingDim, paddingIdx: c.padId, embeddingsInitializer: embInit, dtype });
    const rnn = (cell: Seq2SeqCell, name: string, units: number, numLayers: number): RecurrentLayer => {
      const o = { name, units, numLayers, returnSequences: true, dropout: c.dropout, dtype, ...rnnInit };
      return cell === 'lstm' ? new LSTM(o) : new GRU(o);
    };
    const enc = rnn(c.encoderCell, 'encoder', c.units, c.encoderLayers);
    this.encoder = c.bidirectional ? Bidirectional(enc) : enc;
    const bothLstm = c.encoderCell === 'lstm' && c.decoderCell === 'lstm';
    this.bridgeH = c.bridge === 'dense' ? new Dense({ name: 'bridge_h', units: Hd, activation: 'tanh', dtype, ...dense }) : null;
    this.bridgeC = c.bridge === 'dense' && bothLstm ? new Dense({ name: 'bridge_c', units: Hd, activation: 'tanh', dtype, ...dense }) : null;
    this.tgtEmbed = new Embedding({ name: 'tgt_embed', inputDim: c.tgtVocabSize, outputDim: c.tgtEmbeddingDim, paddingIdx: c.padId, embeddingsInitializer: embInit, dtype });
    this.decoder = rnn(c.decoderCell, 'decoder', Hd, c.decoderLayers);
    this.attention =
      c.attention === 'none'
        ? null
        : new Attention({ name: 'attention', type: c.attention, ...(c.attention === 'bahdanau' ? { units: c.attentionUnits } : {}), dtype, ...(init ? { kernelInitializer: init } : {}) });
    this.attnOut = this.attention ? new Dense({ name: 'attn_out', units: Hd, activation: 'tanh', useBias: false, dtype, ...dense }) : null;
    this.generator = c.tieEmbeddings ? new TiedGenerator(this.tgtEmbed, { name: 'generator', dtype }) : new Dense({ name: 'generator', units: c.tgtVocabSize, dtype, ...dense });

    // Build in a fixed order from one seeded stream: the same seed gives the same weights.
    const rng = new Rng(c.seed);
    this.srcEmbed.build([[null, null]], rng);
    this.encoder.build([[null, null, c.srcEmbeddingDim]], rng);
    this.bridgeH?.build([[null, D * c.units]], rng);
    this.bridgeC?.build([[null, D * c.units]], rng);
    this.tgtEmbed.build([[null, null]], rng);
    this.decoder.build([[null, null, c.tgtEmbeddingDim + (c.inputFeeding ? Hd : 0)]], rng);
    this.attention?.build([[null, Hd], [null, null, Hv]], rng);
    this.attnOut?.build([[null, Hv + Hd]], rng);
    this.generator.build([[null, Hd]], rng);
    this.layerList = [this.srcEmbed, this.encoder, this.bridgeH, this.bridgeC, this.tgtEmbed, this.decoder, this.attention, this.attnOut, this.generator].filter((l): l is Layer => l !== null);
  }

  get layers(): Layer[] {
    return this.layerList;
  }
  get inputShapes(): Shape[] {
    return [
      [null, null],
      [null, null],
    ];
  }
  get built(): boolean {
    return true;
  }
  build(): void {}
  outputShapes(inputShapes: Shape[]): Shape[] {
    const t = inputShapes[1] ?? [null, null];
    return [[t[0] ?? null, t[1] ?? null, this.config.tgtVocabSize]];
  }

  /** Teacher-forced logits (B, T, V) for inputs [src (B, S), tgtIn (B, T)] (`BaseModel` contract). */
  call(inputs: Var[], ctx: CallContext): Var[] {
    if (inputs.length !== 2) throw new Error(`${this.name}: expected inputs [source ids (batch, S), decoder input ids (batch, T)], got ${inputs.length} input(s)`);
    return [this.forward(inputs[0]!, inputs[1]!, ctx).logits];
  }

  toJSON(): Record<string, unknown> {
    return { className: 'Seq2Seq', name: this.name, seed: this.seed, config: { ...this.config } };
  }

  /** Rebuilds a model (fresh weights) from `toJSON()` output. */
  static fromJSON(json: Record<string, unknown>, source = 'model config'): Seq2SeqModel {
    const cfg = json.config;
    if (typeof cfg !== 'object' || cfg === null) throw new Error(`${source}: Seq2Seq config has no "config" object`);
    const c = cfg as Seq2SeqConfig;
    try {
      return new Seq2SeqModel({ ...c, initializer: c.initializer ?? undefined });
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`, { cause: e });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Batches

  /**
   * Pads source id sequences into (B, S) (appending `<eos>` when `sourceEos`), after checking
   * every id. S is at least 1.
   */
  sourceBatch(seqs: readonly ArrayLike<number>[]): SourceBatch {
    const c = this.config;
    const extra = c.sourceEos ? 1 : 0;
    const B = seqs.length;
    let S = 1;
    for (const s of seqs) S = Math.max(S, s.length + extra);
    const data = new Float32Array(B * S).fill(c.padId);
    seqs.forEach((s, b) => {
      for (let i = 0; i < s.length; i++) data[b * S + i] = checkId(s[i]!, c.srcVocabSize, c.padId, `source ${b}`, i);
      if (extra) data[b * S + s.length] = c.eosId;
    });
    return { data, shape: [B, S] };
  }

  /** Decoder inputs `<sos> y` and targets `y <eos>` (B, T = longest + 1), padded. */
  targetBatch(seqs: readonly ArrayLike<number>[]): TargetBatch {
    const c = this.config;
    const B = seqs.length;
    let T = 1;
    for (const s of seqs) T = Math.max(T, s.length + 1);
    const input = new Float32Array(B * T).fill(c.padId);
    const output = new Int32Array(B * T).fill(c.padId);
    seqs.forEach((s, b) => {
      input[b * T] = c.sosId;
      for (let i = 0; i < s.length; i++) {
        const id = checkId(s[i]!, c.tgtVocabSize, c.padId, `target ${b}`, i);
        input[b * T + i + 1] = id;
        output[b * T + i] = id;
      }
      output[b * T + s.length] = c.eosId;
    });
    return { input, output, shape: [B, T] };
  }

  // -------------------------------------------------------------------------------------------
  // Encoder

  /** Runs the encoder over source ids (B, S) (a Var of float ids; padding = padId). */
  encode(src: Var, ctx: CallContext): EncoderOutput {
    const c = this.config;
    if (src.shape.length !== 2) throw new Error(`${this.name}: expected source ids (batch, S), got ${fmtShape(src.shape)}`);
    const emb = this.srcEmbed.call([src], ctx)[0]!;
    emb.mask = paddingMask(src.data, c.padId);
    const [memory, hN, cN] = this.encoder.callWithStates([emb], ctx) as [Var, Var, Var | undefined];
    const keys = this.attention ? this.attention.projectKeys(memory) : null;
    return { memory, keys, mask: emb.mask, states: this.bridge(hN, cN ?? null, src.shape[0]!, ctx) };
  }

  /** Initial decoder states from the encoder's final states (see the file header). */
  private bridge(hN: Var, cN: Var | null, B: number, ctx: CallContext): Var[] {
    const c = this.config;
    const D = c.bidirectional ? 2 : 1;
    const Le = c.encoderLayers;
    const Ld = c.decoderLayers;
    const dt = c.dtype;
    const decLstm = c.decoderCell === 'lstm';
    const zeros = (): Var => new Var(Tensor.zeros(Ld === 1 ? [B, c.decoderUnits] : [B, Ld, c.decoderUnits], dt), false);
    if (c.bridge === 'zero') return decLstm ? [zeros(), zeros()] : [zeros()];
    const LDe = Le * D;
    const layerState = (s: Var, le: number): Var => {
      const part = (d: number): Var => (LDe === 1 ? s : unstackAt(s, le * D + d));
      return D === 2 ? concatLast([part(0), part(1)]) : part(0);
    };
    const map = (s: Var, dense: Dense | null): Var => {
      const per: Var[] = [];
      for (let l = 0; l < Ld; l++) {
        const le = Math.min(Le - 1, Math.max(0, l + Le - Ld));
        const x = layerState(s, le);
        per.push(dense ? dense.call([x], ctx)[0]! : x);
      }
      return Ld === 1 ? per[0]! : stack(per);
    };
    const h0 = map(hN, this.bridgeH);
    if (!decLstm) return [h0];
    if (cN && c.encoderCell === 'lstm') return [h0, map(cN, this.bridgeC)];
    return [h0, zeros()];
  }

  // -------------------------------------------------------------------------------------------
  // Decoder

  /** The state before the first decoder step: the bridged states and h̃_0 = 0. */
  initialState(enc: EncoderOutput): DecoderState {
    const c = this.config;
    const B = enc.memory.shape[0]!;
    return { states: enc.states, feed: c.inputFeeding ? new Var(Tensor.zeros([B, c.decoderUnits], c.dtype), false) : null };
  }

  /**
   * One decoder step for R rows: previous tokens (R) → h̃_t (R, Hd), α_t (R, S) and the next
   * state. `memory`, `keys` and `mask` must have R rows too (beam search repeats them per beam).
   */
  decodeStep(prev: ArrayLike<number>, state: DecoderState, enc: Pick<EncoderOutput, 'memory' | 'keys' | 'mask'>, ctx: CallContext): DecoderStepOutput {
    const c = this.config;
    const R = prev.length;
    const Hd = c.decoderUnits;
    const ids = new Var(Tensor.from(prev, [R, 1]), false);
    let x = this.tgtEmbed.call([ids], ctx)[0]!; // (R, 1, E)
    if (state.feed) x = concatLast([x, reshape(state.feed, [R, 1, Hd])]);
    const [out, ...states] = this.decoder.callWithStates([x, ...state.states], ctx);
    const q = reshape(out!, [R, Hd]);
    let weights: Var | null = null;
    let h = q;
    if (this.attention) {
      const r = this.attention.attend(q, enc.keys!, enc.memory, enc.mask);
      weights = r.weights;
      h = this.attnOut!.call([concatLast([r.context, q])], ctx)[0]!;
    }
    if (ctx.training && c.dropout > 0) h = dropout(h, c.dropout, ctx.rng);
    return { output: h, weights, state: { states, feed: c.inputFeeding ? h : null } };
  }

  /** Output logits (…, V) from h̃ (…, Hd). */
  generate(h: Var, ctx: CallContext): Var {
    return this.generator.call([h], ctx)[0]!;
  }

  /**
   * Teacher-forced decoder pass: source ids (B, S) and decoder inputs (B, T) (`<sos>` y, padded)
   * → logits (B, T, V) [and α (B, S) per step].
   */
  forward(src: Var, tgtIn: Var, ctx: CallContext, opts: ForwardOptions = {}): { logits: Var; attention: Var[] | null } {
    const c = this.config;
    const rate = opts.samplingRate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new Error(`${this.name}: samplingRate must be in [0, 1], got ${rate}`);
    if (tgtIn.shape.length !== 2 || tgtIn.shape[0] !== src.shape[0])
      throw new Error(`${this.name}: expected decoder inputs (${src.shape[0]}, T) for source ${fmtShape(src.shape)}, got ${fmtShape(tgtIn.shape)}`);
    const [B, T] = tgtIn.shape as [number, number];
    const enc = this.encode(src, ctx);
    const sampling = ctx.training && rate > 0;

    if (!c.inputFeeding && !sampling && !opts.returnAttention) {
      // All steps at once: one fused recurrent op, attention over the query sequence.
      const emb = this.tgtEmbed.call([tgtIn], ctx)[0]!;
      const [out] = this.decoder.callWithStates([emb, ...enc.states], ctx);
      let h = out!;
      if (this.attention) {
        const r = this.attention.attend(h, enc.keys!, enc.memory, enc.mask);
        h = this.attnOut!.call([concatLast([r.context, h])], ctx)[0]!;
      }
      if (ctx.training && c.dropout > 0) h = dropout(h, c.dropout, ctx.rng);
      return { logits: this.generate(h, ctx), attention: null };
    }

    const tin = tgtIn.data;
    const prev = new Float32Array(B);
    let state = this.initialState(enc);
    const hs: Var[] = [];
    const logitsPerStep: Var[] = [];
    const attention: Var[] = [];
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const own = sampling && t > 0 && ctx.rng.next() < rate;
        prev[b] = own ? argmaxRow(logitsPerStep[t - 1]!.data, b, c.tgtVocabSize) : tin[b * T + t]!;
      }
      const r = this.decodeStep(prev, state, enc, ctx);
      state = r.state;
      if (opts.returnAttention && r.weights) attention.push(r.weights);
      if (sampling) logitsPerStep.push(this.generate(r.output, ctx));
      else hs.push(r.output);
    }
    const logits = sampling ? stack(logitsPerStep) : this.generate(stack(hs), ctx);
    return { logits, attention: opts.returnAttention ? attention : null };
  }

  /**
   * Mean cross-entropy (nats per target token) of a batch, padding ignored; null if the batch
   * has no target token. Record it with `recording` to train.
   */
  loss(src: SourceBatch, tgt: TargetBatch, ctx: CallContext, opts: ForwardOptions & { labelSmoothing?: number } = {}): Var | null {
    const dt = this.config.dtype;
    const s = new Var(Tensor.from(src.data, src.shape, dt), false);
    const ti = new Var(Tensor.from(tgt.input, tgt.shape, dt), false);
    const { logits } = this.forward(s, ti, ctx, opts);
    return softmaxCrossEntropy(logits, tgt.output, { ignoreIndex: this.config.padId, classWeights: null, labelSmoothing: opts.labelSmoothing ?? 0 });
  }
}

/** (B, S) mask of the non-padding positions of `ids`, or null when nothing is padding. */
function paddingMask(ids: ArrayLike<number>, padId: number): Uint8Array | null {
  let m: Uint8Array | null = null;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== padId) continue;
    if (!m) m = new Uint8Array(ids.length).fill(1);
    m[i] = 0;
  }
  return m;
}

function argmaxRow(d: ArrayLike<number>, row: number, V: number): number {
  const off = row * V;
  let best = 0;
  for (let v = 1; v < V; v++) if (d[off + v]! > d[off + best]!) best = v;
  return best;
}

function checkId(v: number, V: number, padId: number, what: string, i: number): number {
  if (!Number.isInteger(v) || v < 0 || v >= V) throw new Error(`Seq2SeqModel: ${what} position ${i} holds ${v}; expected an id in [0, ${V})`);
  if (v === padId) throw new Error(`Seq2SeqModel: ${what} position ${i} holds the padding id ${padId}; sequences must not contain padding`);
  return v;
}

registerModelClass('Seq2Seq', (cfg, source) => Seq2SeqModel.fromJSON(cfg, source));
