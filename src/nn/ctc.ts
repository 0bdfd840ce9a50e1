/**
 * CTC: the loss as a `Loss` for training code, and decoders (greedy, prefix beam search).
 */
import { fmtShape } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/tensor.js';
import type { Var } from '../autograd/tape.js';
import { ctcLoss } from '../autograd/ctc_op.js';
import type { CtcReduction } from '../autograd/ctc_op.js';
import type { Loss } from './losses.js';

/** Options of {@link CTCLoss}. */
export interface CTCLossOptions {
  /** Class index of the blank. Default 0 (PyTorch). */
  blank?: number;
  /** `mean` (default): mean over the batch of loss_b / max(target length_b, 1), as PyTorch; or `sum`. */
  reduction?: Exclude<CtcReduction, 'none'>;
  /** Count impossible rows (loss +∞: too few frames for the target) as 0, without gradient. Default false. */
  zeroInfinity?: boolean;
}

/** Value that pads target rows after their labels. */
export const CTC_PAD = -1;

/**
 * Connectionist temporal classification loss (PyTorch `nn.CTCLoss`), on logits:
 *
 *   loss_b = −log Σ_{π : collapse(π) = l_b} Π_t softmax(z_{b,t})_{π_t}
 *
 * where collapse merges repeats then drops blanks. Predictions are logits (B, T, C), batch first
 * (log-softmax is fused; PyTorch takes log-probabilities (T, B, C)). Targets are (B, S) class ids
 * right-padded with −1 ({@link CTC_PAD}); a row's target length is its number of ids before the
 * padding. Input lengths come from the predictions' time mask (number of real steps; padding must
 * be at the end), else T.
 *
 * @example
 * const model = new Sequential([new Bidirectional(new LSTM({ units: 64, returnSequences: true })), new Dense({ units: 1 + nLabels })]);
 * await model.fit(x, y, { loss: new CTCLoss({ blank: 0 }), epochs: 10 });   // y: (B, S) ids ≥ 1, padded with −1
 */
export class CTCLoss implements Loss {
  readonly name = 'ctc';
  readonly targetKind = 'index';
  readonly blank: number;
  readonly reduction: 'mean' | 'sum';
  readonly zeroInfinity: boolean;

  constructor(opts: CTCLossOptions = {}) {
    this.blank = opts.blank ?? 0;
    this.reduction = opts.reduction ?? 'mean';
    this.zeroInfinity = opts.zeroInfinity ?? false;
    if (!Number.isInteger(this.blank) || this.blank < 0) throw new Error(`CTCLoss: blank must be a non-negative integer, got ${JSON.stringify(opts.blank)}`);
    if (this.reduction !== 'mean' && this.reduction !== 'sum') throw new Error(`CTCLoss: reduction must be 'mean' or 'sum', got ${JSON.stringify(opts.reduction)}`);
  }

  validate(predShape: readonly (number | null)[], target: { data: Float32Array; shape: number[] }, what: string): void {
    if (predShape.length !== 3) throw new Error(`${this.name}: expected predictions (batch, time, classes), got ${fmtShape(predShape)}`);
    const C = predShape[2];
    if (C !== null && C !== undefined && this.blank >= C) throw new Error(`${this.name}: blank ${this.blank} is not a class of predictions with ${C} classes`);
    if (target.shape.length !== 2) throw new Error(`${this.name}: expected ${what} of shape (None, S) holding label ids padded with -1, got ${fmtShape(target.shape)}`);
    const S = target.shape[1]!;
    const d = target.data;
    for (let r = 0; r < d.length / Math.max(1, S); r++) {
      let ended = false;
      for (let j = 0; j < S; j++) {
        const v = d[r * S + j]!;
        const at = `${what}[${r}][${j}]`;
        if (v === CTC_PAD) {
          ended = true;
          continue;
        }
        if (ended) throw new Error(`${this.name}: ${at} = ${v} follows padding (-1); padding must come after all labels of a row`);
        if (!Number.isInteger(v) || v < 0 || (C != null && v >= C)) throw new Error(`${this.name}: ${at} = ${v} is not a class id in [0, ${C ?? '?'})`);
        if (v === this.blank) throw new Error(`${this.name}: ${at} is the blank (${this.blank}); targets must not contain the blank`);
      }
    }
  }

  compute(pred: Var, target: FloatArray): Var | null {
    return this.computeWith(pred, target, this.reduction);
  }

  /** Per-row losses (B), e.g. for evaluation. */
  perRow(pred: Var, target: FloatArray): Var | null {
    return this.computeWith(pred, target, 'none');
  }

  private computeWith(pred: Var, target: FloatArray, reduction: CtcReduction): Var | null {
    const [B, T] = pred.shape as [number, number, number];
    if (B === 0) return null;
    const S = target.length / B;
    const { targets, targetLengths } = packTargets(target, B, S);
    const inputLengths = lengthsFromMask(pred.mask, B, T);
    return ctcLoss(pred, targets, S, inputLengths, targetLengths, { blank: this.blank, reduction, zeroInfinity: this.zeroInfinity });
  }

  getConfig(): Record<string, unknown> {
    return { className: 'CTCLoss', blank: this.blank, reduction: this.reduction, zeroInfinity: this.zeroInfinity };
  }
}

/** Padded float targets (B, S) → int ids and lengths (ids before the first −1). */
export function packTargets(target: ArrayLike<number>, B: number, S: number): { targets: Int32Array; targetLengths: Int32Array } {
  const targets = new Int32Array(B * S);
  const targetLengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let L = 0;
    while (L < S && target[b * S + L]! >= 0) {
      targets[b * S + L] = target[b * S + L]!;
      L++;
    }
    targetLengths[b] = L;
  }
  return { targets, targetLengths };
}

/** Real steps per row of a (B, T) mask (T for every row without a mask). */
export function lengthsFromMask(mask: Uint8Array | null, B: number, T: number): Int32Array {
  const out = new Int32Array(B).fill(T);
  if (!mask) return out;
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let t = 0; t < T; t++) n += mask[b * T + t]!;
    out[b] = n;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** One hypothesis of {@link ctcBeamSearch}. */
export interface CtcHypothesis {
  /** Label ids (blanks removed, repeats merged). */
  tokens: number[];
  /** log P(tokens | x), summed over the alignments the beam kept. */
  logProb: number;
}

/** Row-wise log-softmax of (T, C) scores (log-probabilities pass through unchanged). */
function logSoftmaxRows(x: ArrayLike<number>, offset: number, T: number, C: number): Float64Array {
  const out = new Float64Array(T * C);
  for (let t = 0; t < T; t++) {
    const o = offset + t * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x[o + c]!);
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(x[o + c]! - m);
    const lz = m + Math.log(z);
    for (let c = 0; c < C; c++) out[t * C + c] = x[o + c]! - lz;
  }
  return out;
}

/**
 * Best-path decoding: argmax per frame, merge repeats, drop blanks. `scores` (T, C) logits or
 * log-probabilities starting at `offset`; only the first `T` frames are read.
 *
 * @example
 * ctcGreedyDecode(logits, T, C);                // e.g. [3, 1, 1] from frames 3 3 _ 1 _ 1
 */
export function ctcGreedyDecode(scores: ArrayLike<number>, T: number, C: number, blank = 0, offset = 0): number[] {
  const out: number[] = [];
  let prev = -1;
  for (let t = 0; t < T; t++) {
    const o = offset + t * C;
    let best = 0;
    for (let c = 1; c < C; c++) if (scores[o + c]! > scores[o + best]!) best = c;
    if (best !== blank && best !== prev) out.push(best);
    prev = best;
  }
  return out;
}

function lse2(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

interface Beam {
  tokens: number[];
  pBlank: number; // log P(prefix, last frame blank)
  pLabel: number; // log P(prefix, last frame = its last label)
}

/** Options of {@link ctcBeamSearch}. */
export interface CtcBeamOptions {
  /** Prefixes kept after each frame. Default 8. */
  beamWidth?: number;
  blank?: number;
  /** Hypotheses returned, best first. Default 1 (at most beamWidth). */
  topK?: number;
  /** Skip classes whose frame log-probability is below this (speed). Default −∞ (none). */
  pruneLogProb?: number;
}

/**
 * CTC prefix beam search (Hannun et al. 2014, without a language model). Each prefix carries the
 * probability of the frames so far ending in blank and ending in its last label; extending with
 * the last label again needs a blank in between. Keeps the `beamWidth` most probable prefixes
 * after every frame. With a beam at least as wide as the number of distinct prefixes it is exact
 * (the most probable labelling, test/kernels/ctc.test.ts checks it against brute force).
 *
 * `scores` (T, C): logits or log-probabilities (normalised per frame here), from `offset`.
 *
 * @example
 * const [best] = ctcBeamSearch(logits, T, C, { beamWidth: 16 });   // best.tokens, best.logProb
 */
export function ctcBeamSearch(scores: ArrayLike<number>, T: number, C: number, opts: CtcBeamOptions = {}, offset = 0): CtcHypothesis[] {
  const beamWidth = opts.beamWidth ?? 8;
  const blank = opts.blank ?? 0;
  const topK = Math.min(opts.topK ?? 1, beamWidth);
  const prune = opts.pruneLogProb ?? -Infinity;
  if (!Number.isInteger(beamWidth) || beamWidth < 1) throw new Error(`ctcBeamSearch: beamWidth must be a positive integer, got ${opts.beamWidth}`);
  if (!Number.isInteger(blank) || blank < 0 || blank >= C) throw new Error(`ctcBeamSearch: blank must be a class index in [0, ${C}), got ${opts.blank}`);
  const lp = logSoftmaxRows(scores, offset, T, C);
  let beams: Beam[] = [{ tokens: [], pBlank: 0, pLabel: -Infinity }];
  for (let t = 0; t < T; t++) {
    const next = new Map<string, Beam>();
    const get = (tokens: number[]): Beam => {
      const key = tokens.join(',');
      let e = next.get(key);
      if (!e) next.set(key, (e = { tokens, pBlank: -Infinity, pLabel: -Infinity }));
      return e;
    };
    const y = t * C;
    for (const beam of beams) {
      const total = lse2(beam.pBlank, beam.pLabel);
      const last = beam.tokens.length ? beam.tokens[beam.tokens.length - 1]! : -1;
      for (let c = 0; c < C; c++) {
        const p = lp[y + c]!;
        if (p < prune) continue;
        if (c === blank) {
          const e = get(beam.tokens);
          e.pBlank = lse2(e.pBlank, total + p);
        } else if (c === last) {
          const same = get(beam.tokens); // repeat merges into the same label
          same.pLabel = lse2(same.pLabel, beam.pLabel + p);
          const ext = get([...beam.tokens, c]); // a new label needs the blank in between
          ext.pLabel = lse2(ext.pLabel, beam.pBlank + p);
        } else {
          const ext = get([...beam.tokens, c]);
          ext.pLabel = lse2(ext.pLabel, total + p);
        }
      }
    }
    beams = [...next.values()]
      .filter((b) => lse2(b.pBlank, b.pLabel) > -Infinity)
      .sort((a, b) => lse2(b.pBlank, b.pLabel) - lse2(a.pBlank, a.pLabel) || compareTokens(a.tokens, b.tokens))
      .slice(0, beamWidth);
    if (beams.length === 0) beams = [{ tokens: [], pBlank: -Infinity, pLabel: -Infinity }];
  }
  return beams.slice(0, topK).map((b) => ({ tokens: b.tokens, logProb: lse2(b.pBlank, b.pLabel) }));
}

function compareTokens(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
