import { fmtShape } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import type { Var } from '../autograd/tape.js';
import { linear } from '../autograd/ops.js';
import { additiveAttention, dotAttention } from '../autograd/attention_ops.js';
import type { AttentionResult } from '../autograd/attention_ops.js';
import { Layer, fmtShapeNamed, registerLayer } from './layer.js';
import type { CallContext, LayerOptions, Shape } from './layer.js';
import type { Parameter } from './parameter.js';
import { checkInitializer, initialize } from './initializers.js';
import type { InitializerName } from './initializers.js';

export type { AttentionResult };

/** Score functions of `Attention`. */
export type AttentionType = 'bahdanau' | 'luong-dot' | 'luong-general';
const TYPES: readonly AttentionType[] = ['bahdanau', 'luong-dot', 'luong-general'];

/** Options of `Attention`. */
export interface AttentionOptions extends LayerOptions {
  /** `bahdanau` (additive), `luong-dot` or `luong-general` (bilinear). */
  type: AttentionType;
  /** Attention size U of `bahdanau` (required there; not accepted by the Luong types). */
  units?: number;
  /** Also return the attention weights. Default false. */
  returnAttention?: boolean;
  /** Default `glorotUniform`; `pytorch` reproduces `nn.Linear` (U(±1/√fan_in)). */
  kernelInitializer?: InitializerName;
}

/**
 * Attention of a query over a key sequence, for seq2seq decoders (Bahdanau et al. 2015; Luong et
 * al. 2015). Inputs `[query, keys]` or `[query, keys, values]` (values default to the keys):
 * query (B, Hq) or (B, Tq, Hq), keys (B, Tk, Hk), values (B, Tk, Hv); the keys' mask (source
 * padding, e.g. from `Embedding({ maskZero: true })`) excludes padded keys.
 *
 *   bahdanau:       score_ij = vᵀ tanh(W_q q_i + W_k k_j)      `query_proj.weight` (U, Hq),
 *                                                             `key_proj.weight` (U, Hk), `v.weight` (1, U)
 *   luong-dot:      score_ij = q_i · k_j                       (Hq = Hk, no parameters)
 *   luong-general:  score_ij = q_iᵀ W k_j                      `weight` (Hq, Hk)
 *   α_ij = exp(score_ij) / Σ_{j' real} exp(score_ij'), exactly 0 on padded keys (0 for a row
 *          with no real key);   context_i = Σ_j α_ij values_j
 *
 * Output: context (B, Hv) or (B, Tq, Hv) [, weights (B, Tk) or (B, Tq, Tk) with
 * `returnAttention`]. No biases: PyTorch `nn.Linear(..., bias=False)` modules named `query_proj`,
 * `key_proj`, `v` hold the same weights (a bias on v would cancel in the softmax).
 *
 * A decoder loop projects the keys once with `projectKeys` and calls `attend` at each step.
 *
 * @example
 * const attn = new Attention({ type: 'bahdanau', units: 64, returnAttention: true });
 * const [ctx, alpha] = attn.apply([decoderSeq, encoderSeq]) as SymbolicTensor[];   // functional model
 *
 * // step-by-step decoding (after build): W_k k computed once per source batch
 * const keys = attn.projectKeys(encoderOut);
 * for (let t = 0; t < maxLen; t++) {
 *   const { context, weights } = attn.attend(h, keys, encoderOut);               // (B, H), (B, Tk)
 *   // ... next decoder step from [y_t, context]
 * }
 */
export class Attention extends Layer {
  readonly className = 'Attention';
  readonly type: AttentionType;
  readonly units: number | null;
  readonly returnAttention: boolean;
  readonly kernelInitializer: InitializerName;
  private queryFeatures = 0;
  private keyFeatures = 0;
  private queryProj: Parameter | null = null;
  private keyProj: Parameter | null = null;
  private v: Parameter | null = null;
  private weight: Parameter | null = null;

  constructor(opts: AttentionOptions) {
    super(opts, 'Attention');
    const where = `Attention '${this.name}'`;
    if (!opts || !TYPES.includes(opts.type)) throw new Error(`${where}: unknown type ${JSON.stringify(opts?.type)}; expected one of ${TYPES.join(', ')}`);
    this.type = opts.type;
    if (this.type === 'bahdanau') {
      if (!Number.isInteger(opts.units) || opts.units! < 1) throw new Error(`${where}: units must be a positive integer for type 'bahdanau', got ${JSON.stringify(opts.units)}`);
      this.units = opts.units!;
    } else {
      if (opts.units !== undefined && opts.units !== null) throw new Error(`${where}: units applies only to type 'bahdanau', got units ${JSON.stringify(opts.units)} with type '${this.type}'`);
      this.units = null;
    }
    this.returnAttention = opts.returnAttention ?? false;
    this.kernelInitializer = checkInitializer(opts.kernelInitializer ?? 'glorotUniform', where);
  }

  private get where(): string {
    return `Attention '${this.name}'`;
  }

  override build(inputShapes: Shape[], rng: Rng): void {
    const where = this.where;
    if (inputShapes.length !== 2 && inputShapes.length !== 3) throw new Error(`${where}: expected inputs [query, keys] or [query, keys, values], got ${inputShapes.length} input(s)`);
    const [q, k] = inputShapes as [Shape, Shape];
    const Hq = q[q.length - 1];
    if ((q.length !== 2 && q.length !== 3) || Hq === null || Hq === undefined)
      throw new Error(`${where}: expected query (batch, features) or (batch, time, features) with known features, got ${fmtShape(q)}`);
    const Hk = k[2];
    if (k.length !== 3 || Hk === null || Hk === undefined) throw new Error(`${where}: expected keys (batch, time, features) with known features, got ${fmtShape(k)}`);
    const val = inputShapes[2];
    if (val !== undefined && (val.length !== 3 || val[2] === null)) throw new Error(`${where}: expected values (batch, time, features) with known features, got ${fmtShape(val)}`);
    if (this.type === 'luong-dot' && Hq !== Hk) throw new Error(`${where}: luong-dot needs query and key features to agree, got query ${fmtShape(q)} and keys ${fmtShape(k)}`);
    this.queryFeatures = Hq;
    this.keyFeatures = Hk;
    this.params = [];
    const init = (p: Parameter, fanIn: number, fanOut: number): void =>
      initialize(this.kernelInitializer, p.data, { rng, fanIn, fanOut, pytorchScale: fanIn, rows: fanOut, cols: fanIn });
    if (this.type === 'bahdanau') {
      const U = this.units!;
      this.queryProj = this.addParam('query_proj.weight', [U, Hq]);
      this.keyProj = this.addParam('key_proj.weight', [U, Hk]);
      this.v = this.addParam('v.weight', [1, U]);
      init(this.queryProj, Hq, U);
      init(this.keyProj, Hk, U);
      init(this.v, U, 1);
    } else if (this.type === 'luong-general') {
      this.weight = this.addParam('weight', [Hq, Hk]);
      init(this.weight, Hk, Hq);
    }
    this.built = true;
  }

  override outputShapes(inputShapes: Shape[]): Shape[] {
    const [q, k] = inputShapes as [Shape, Shape];
    const val = inputShapes[2] ?? k;
    const Hv = val[2] ?? null;
    const Tk = k[1] ?? null;
    const B = q[0] ?? null;
    if (q.length === 3) {
      const Tq = q[1] ?? null;
      return this.returnAttention ? [[B, Tq, Hv], [B, Tq, Tk]] : [[B, Tq, Hv]];
    }
    return this.returnAttention ? [[B, Hv], [B, Tk]] : [[B, Hv]];
  }

  override call(inputs: Var[], _ctx?: CallContext): Var[] {
    if (inputs.length !== 2 && inputs.length !== 3) throw new Error(`${this.where}: expected inputs [query, keys] or [query, keys, values], got ${inputs.length} input(s)`);
    const [query, keys] = inputs as [Var, Var];
    const values = inputs[2] ?? keys;
    const B = this.checkQuery(query);
    this.checkShape(keys, [null, null, this.keyFeatures], 'keys');
    if (keys.shape[0] !== B) throw new Error(`${this.where}: expected keys with batch ${B} like the query, got ${fmtShape(keys.shape)}`);
    const r = this.attend(query, this.projectKeys(keys), values, keys.mask ?? values.mask);
    return this.returnAttention ? [r.context, r.weights] : [r.context];
  }

  /**
   * The query-independent half of the score, computed once per key sequence:
   * `bahdanau` W_k k (B, Tk, U); `luong-general` k Wᵀ (B, Tk, Hq); `luong-dot` the keys themselves.
   * Keeps the keys' mask.
   */
  projectKeys(keys: Var): Var {
    this.checkShape(keys, [null, null, this.keyFeatures], 'keys');
    if (this.type === 'bahdanau') return linear(keys, this.keyProj!, null);
    if (this.type === 'luong-general') return linear(keys, this.weight!, null);
    return keys;
  }

  /**
   * Attention of `query` (B, Hq) or (B, Tq, Hq) over keys already passed through `projectKeys`,
   * returning context (B, [Tq,] Hv) and weights (B, [Tq,] Tk). `mask` (B, Tk), 1 = real key,
   * defaults to the projected keys' mask (that of the keys).
   */
  attend(query: Var, projectedKeys: Var, values: Var, mask: Uint8Array | null = projectedKeys.mask): AttentionResult {
    const where = this.where;
    const Hq = this.queryFeatures;
    const B = this.checkQuery(query);
    const Dk = this.type === 'bahdanau' ? this.units! : this.type === 'luong-general' ? Hq : this.keyFeatures;
    this.checkShape(projectedKeys, [B, null, Dk], this.type === 'luong-dot' ? 'keys' : 'projected keys');
    const Tk = projectedKeys.shape[1]!;
    if (values.shape.length !== 3 || values.shape[0] !== B || values.shape[1] !== Tk)
      throw new Error(`${where}: expected values (${B}, ${Tk}, features) like the keys, got ${fmtShape(values.shape)}`);
    if (mask && mask.length !== B * Tk) throw new Error(`${where}: expected a key mask of (${B}, ${Tk}) = ${B * Tk} entries, got ${mask.length}`);
    if (this.type === 'bahdanau') return additiveAttention(linear(query, this.queryProj!, null), projectedKeys, this.v!, values, mask);
    return dotAttention(query, projectedKeys, values, mask);
  }

  /** Checks a query (B, Hq) or (B, Tq, Hq); returns B. */
  private checkQuery(query: Var): number {
    const Hq = this.queryFeatures;
    const q = query.shape;
    if (!((q.length === 2 || q.length === 3) && q[q.length - 1] === Hq))
      throw new Error(`${this.where}: expected query ${fmtShapeNamed([null, Hq])} or ${fmtShapeNamed([null, null, Hq])}, got ${fmtShape(q)}`);
    return q[0]!;
  }

  override getConfig(): Record<string, unknown> {
    return { type: this.type, ...(this.units !== null ? { units: this.units } : {}), returnAttention: this.returnAttention, kernelInitializer: this.kernelInitializer };
  }
}

registerLayer('Attention', (c) => new Attention(c as unknown as AttentionOptions));
