/**
 * Decoding a {@link Seq2SeqModel}: greedy, sampling and beam search, batched over sentences (and
 * beams): every step makes one decoder call for all live hypotheses of all sentences of a batch.
 *
 * Token probabilities are the model's softmax renormalised over the tokens it may emit (never
 * `<pad>` or `<sos>`; not `<unk>` with `noUnk`). A hypothesis ends when it emits `<eos>` or after
 * `maxLength` tokens (then it is "unfinished"). Its length n counts the generated tokens with the
 * `<eos>`; its log-probability is Σ log p over them.
 *
 * Beam search (as fairseq / Hugging Face): each live hypothesis is extended by every token; the
 * candidates of a sentence are ranked by raw log-probability; an `<eos>` candidate among the best
 * `beamSize` becomes a finished hypothesis, the best `beamSize` other candidates stay live. With
 * `earlyStopping` (default) a sentence stops once it has `beamSize` finished hypotheses; without,
 * it runs until no hypothesis is live or `maxLength` is reached. Finished hypotheses are ranked
 * by the length-normalised score logProb / lp(n):
 *
 *   gnmt      lp(n) = ((5 + n) / 6)^α      (Wu et al. 2016, GNMT; default, α = 0.6)
 *   average   lp(n) = n^α                   (α = 1: mean log-probability per token)
 *   none      lp(n) = 1
 *
 * With `beamSize` ≥ the number of possible sequences the search is exhaustive (a test checks it
 * against brute force); `beamSize` 1 is greedy decoding.
 */
import { Tensor, arena } from '../../tensor/tensor.js';
import type { FloatArray } from '../../tensor/tensor.js';
import { Rng } from '../../tensor/rng.js';
import { Var } from '../../autograd/tape.js';
import type { CallContext } from '../../nn/layer.js';
import type { EncoderOutput, Seq2SeqModel } from './model.js';

/** Options shared by every decoder. */
export interface DecodeOptions {
  /**
   * Most tokens generated per sentence, `<eos>` included: a number, or a function of the source
   * length (tokens, without `<eos>`). Default `2·|x| + 10`.
   */
  maxLength?: number | ((sourceLength: number) => number);
  /** Never emit `<unk>`. Default false. */
  noUnk?: boolean;
  /** Sentences encoded together. Default 32. */
  batchSize?: number;
  /** Keep the attention weights of every step (for attention maps). Default false. */
  returnAttention?: boolean;
}

export type LengthPenalty = 'gnmt' | 'average' | 'none';

/** Options of {@link beamSearch}. */
export interface BeamSearchOptions extends DecodeOptions {
  /** Hypotheses kept per sentence. Default 5. */
  beamSize?: number;
  /** Length normalisation of finished hypotheses. Default 'gnmt'. */
  lengthPenalty?: LengthPenalty;
  /** α of the length penalty. Default 0.6 (gnmt) or 1 (average). */
  alpha?: number;
  /** Stop a sentence once it has `beamSize` finished hypotheses. Default true. */
  earlyStopping?: boolean;
  /** Hypotheses returned per sentence, best first. Default 1. */
  nBest?: number;
}

/** Options of {@link sampleDecode}. */
export interface SampleOptions extends DecodeOptions {
  /** Softmax temperature (> 0). Default 1. */
  temperature?: number;
  /** Sample among the k most likely tokens only (0 = all). Default 0. */
  topK?: number;
  /** Seed of the sampling. Default 0. */
  seed?: number;
}

/** A decoded sequence. */
export interface Hypothesis {
  /** Generated target ids, without `<eos>`. */
  tokens: number[];
  /** Σ log p of the generated tokens (with `<eos>` when finished). */
  logProb: number;
  /** The ranking score logProb / lp(n) (beam search), else logProb. */
  score: number;
  /** Ended with `<eos>` (false: cut at maxLength). */
  finished: boolean;
  /** With `returnAttention`: α per decoder step over the source tokens (and its `<eos>`). */
  attention?: Float32Array[];
}

const INF = Number.POSITIVE_INFINITY;

/** lp(n) of a length penalty. */
export function lengthPenaltyOf(kind: LengthPenalty, alpha: number, n: number): number {
  if (kind === 'gnmt') return ((5 + n) / 6) ** alpha;
  if (kind === 'average') return n ** alpha;
  return 1;
}

function checkCommon(model: Seq2SeqModel, sources: readonly ArrayLike<number>[], o: DecodeOptions, where: string): void {
  if (!model || typeof model.decodeStep !== 'function') throw new Error(`${where}: expected a Seq2SeqModel`);
  if (!Array.isArray(sources)) throw new Error(`${where}: expected an array of source id sequences`);
  const ml = o.maxLength;
  if (ml !== undefined && typeof ml !== 'function' && !(Number.isInteger(ml) && ml >= 1)) throw new Error(`${where}: maxLength must be a positive integer or a function, got ${JSON.stringify(ml)}`);
  const bs = o.batchSize ?? 32;
  if (!(Number.isInteger(bs) && bs >= 1)) throw new Error(`${where}: batchSize must be a positive integer, got ${JSON.stringify(bs)}`);
}

function maxLengthOf(o: DecodeOptions, srcLen: number, where: string): number {
  const ml = o.maxLength;
  const v = ml === undefined ? 2 * srcLen + 10 : typeof ml === 'function' ? ml(srcLen) : ml;
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${where}: maxLength(${srcLen}) must be a positive integer, got ${v}`);
  return v;
}

/** Target ids a decoder may emit: all but `<pad>`, `<sos>` (and `<unk>` with noUnk). */
function forbiddenIds(model: Seq2SeqModel, noUnk: boolean): number[] {
  const c = model.config;
  return noUnk ? [c.padId, c.sosId, c.unkId] : [c.padId, c.sosId];
}

/**
 * Log-softmax of `logits` row `r` (V) over the allowed tokens into `out` (forbidden ids get −∞).
 */
export function logSoftmaxRow(logits: ArrayLike<number>, r: number, V: number, forbidden: readonly number[], out: Float64Array): void {
  const off = r * V;
  let max = -INF;
  for (let v = 0; v < V; v++) out[v] = logits[off + v]!;
  for (const f of forbidden) out[f] = -INF;
  for (let v = 0; v < V; v++) if (out[v]! > max) max = out[v]!;
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(out[v]! - max);
  const lse = max + Math.log(sum);
  for (let v = 0; v < V; v++) out[v] = out[v]! - lse;
}

// ---------------------------------------------------------------------------------------------
// The step machinery shared by the decoders.

type Carry = { arrays: FloatArray[]; shapes: number[][] };

/**
 * Runs decoder steps for one batch of sentences whose rows (hypotheses) change from step to step.
 * Arena discipline: the encoder output stays from construction to `close`; the encoder rows
 * gathered for the current row layout stay until the layout changes; each step's temporaries are
 * released at the end of the step. The recurrent state is carried in plain arrays between steps.
 */
class StepRunner {
  private readonly mark0: ReturnType<typeof arena.mark>;
  private readonly enc: EncoderOutput;
  private layout: Int32Array | null = null;
  private rowsEnc: Pick<EncoderOutput, 'memory' | 'keys' | 'mask'> | null = null;
  private carry: Carry;
  private readonly ctx: CallContext = { training: false, rng: new Rng(0) };
  readonly S: number;
  readonly V: number;
  private readonly dtype: 'float32' | 'float64';
  private readonly logp: Float64Array;

  constructor(
    private readonly model: Seq2SeqModel,
    batch: readonly ArrayLike<number>[],
  ) {
    this.dtype = model.config.dtype;
    this.V = model.config.tgtVocabSize;
    this.logp = new Float64Array(this.V);
    const src = model.sourceBatch(batch);
    this.S = src.shape[1];
    this.enc = model.encode(new Var(Tensor.from(src.data, src.shape, this.dtype), false), this.ctx);
    const init = model.initialState(this.enc);
    const vars = [...init.states, ...(init.feed ? [init.feed] : [])];
    this.carry = { arrays: vars.map((v) => v.data.slice()), shapes: vars.map((v) => [...v.shape]) };
    this.mark0 = arena.mark();
  }

  /** Keeps carry rows `parents[i]` as row i (a new row layout after selection). */
  reorder(parents: ArrayLike<number>): void {
    const c = this.carry;
    c.arrays = c.arrays.map((a, k) => {
      const shape = c.shapes[k]!;
      const row = a.length / shape[0]!;
      const out = new (a.constructor as Float32ArrayConstructor)(parents.length * row);
      for (let i = 0; i < parents.length; i++) out.set(a.subarray(parents[i]! * row, (parents[i]! + 1) * row), i * row);
      c.shapes[k] = [parents.length, ...shape.slice(1)];
      return out;
    });
  }

  /**
   * One decoder step: rows whose sentences are `rowSent` fed `prev` tokens (the carry already in
   * row order). Calls `onRow(r, logp, attention)` with row r's renormalised log-probabilities
   * (valid only during the call) and its attention weights over the source.
   */
  step(prev: ArrayLike<number>, rowSent: Int32Array, forbidden: readonly number[], onRow: (r: number, logp: Float64Array, attn: Float32Array | null) => void): void {
    if (!this.layout || !sameInts(this.layout, rowSent)) {
      arena.release(this.mark0);
      this.rowsEnc = {
        memory: gatherRows(this.enc.memory, rowSent),
        keys: this.enc.keys ? gatherRows(this.enc.keys, rowSent) : null,
        mask: this.enc.mask ? gatherMask(this.enc.mask, rowSent, this.S) : null,
      };
      this.layout = rowSent.slice();
    }
    const m = arena.mark();
    try {
      const c = this.carry;
      const vars = c.arrays.map((a, k) => new Var(Tensor.from(a, c.shapes[k]!, this.dtype), false));
      const hasFeed = this.model.config.inputFeeding;
      const nStates = hasFeed ? vars.length - 1 : vars.length;
      const r = this.model.decodeStep(prev, { states: vars.slice(0, nStates), feed: hasFeed ? vars[nStates]! : null }, this.rowsEnc!, this.ctx);
      const logits = this.model.generate(r.output, this.ctx).data;
      const next = [...r.state.states, ...(r.state.feed ? [r.state.feed] : [])];
      this.carry = { arrays: next.map((v) => v.data.slice()), shapes: next.map((v) => [...v.shape]) };
      const w = r.weights ? r.weights.data : null;
      for (let row = 0; row < prev.length; row++) {
        logSoftmaxRow(logits, row, this.V, forbidden, this.logp);
        onRow(row, this.logp, w ? Float32Array.from(w.subarray(row * this.S, (row + 1) * this.S)) : null);
      }
    } finally {
      arena.release(m);
    }
  }
}

function sameInts(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rows `rows` of a (N, ...) value as a new (R, ...) constant. */
function gatherRows(v: Var, rows: ArrayLike<number>): Var {
  const row = v.value.size / v.shape[0]!;
  const out = Tensor.temp([rows.length, ...v.shape.slice(1)], v.value.dtype === 'float64' ? 'float64' : 'float32');
  const src = v.data;
  const dst = out.data;
  for (let i = 0; i < rows.length; i++) dst.set(src.subarray(rows[i]! * row, (rows[i]! + 1) * row), i * row);
  return new Var(out, false);
}

function gatherMask(m: Uint8Array, rows: ArrayLike<number>, S: number): Uint8Array {
  const out = new Uint8Array(rows.length * S);
  for (let i = 0; i < rows.length; i++) out.set(m.subarray(rows[i]! * S, (rows[i]! + 1) * S), i * S);
  return out;
}

/** Source length as the attention sees it: the tokens plus `<eos>` when the model appends one. */
function attendedLength(model: Seq2SeqModel, src: ArrayLike<number>): number {
  return src.length + (model.config.sourceEos ? 1 : 0);
}

/** Runs `fn` on consecutive batches of sentence indices, each inside its own arena scope. */
function inBatches(n: number, batchSize: number, fn: (start: number, end: number) => void): void {
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const m = arena.mark();
    try {
      fn(start, end);
    } finally {
      arena.release(m);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Greedy and sampling: one row per unfinished sentence.

function decodeRows(
  model: Seq2SeqModel,
  sources: readonly ArrayLike<number>[],
  o: DecodeOptions,
  where: string,
  pick: (logp: Float64Array) => number,
): Hypothesis[] {
  checkCommon(model, sources, o, where);
  const c = model.config;
  const forbidden = forbiddenIds(model, o.noUnk ?? false);
  const out: Hypothesis[] = new Array(sources.length);
  inBatches(sources.length, o.batchSize ?? 32, (start, end) => {
    const batch = sources.slice(start, end);
    const runner = new StepRunner(model, batch);
    const hyps: Hypothesis[] = batch.map(() => ({ tokens: [], logProb: 0, score: 0, finished: false, ...(o.returnAttention ? { attention: [] } : {}) }));
    const maxLen = batch.map((s) => maxLengthOf(o, s.length, where));
    let live = Int32Array.from(batch.keys());
    let prev: number[] = batch.map(() => c.sosId);
    for (let t = 0; live.length > 0; t++) {
      const nextLive: number[] = [];
      const keep: number[] = [];
      runner.step(prev, live, forbidden, (r, logp, attn) => {
        const s = live[r]!;
        const h = hyps[s]!;
        const tok = pick(logp);
        h.logProb += logp[tok]!;
        if (attn && h.attention) h.attention.push(attn.slice(0, attendedLength(model, batch[s]!)));
        if (tok === c.eosId) h.finished = true;
        else {
          h.tokens.push(tok);
          if (t + 1 < maxLen[s]!) {
            nextLive.push(s);
            keep.push(r);
          }
        }
      });
      live = Int32Array.from(nextLive);
      prev = live.length ? Array.from(live, (s) => hyps[s]!.tokens[hyps[s]!.tokens.length - 1]!) : [];
      runner.reorder(keep);
    }
    hyps.forEach((h, i) => {
      h.score = h.logProb;
      out[start + i] = h;
    });
  });
  return out;
}

/**
 * Greedy decoding: the most likely token at every step (lowest id on ties).
 *
 * @example
 * const [h] = greedyDecode(model, [[5, 9, 7]]);   // h.tokens: target ids without <eos>
 */
export function greedyDecode(model: Seq2SeqModel, sources: readonly ArrayLike<number>[], opts: DecodeOptions = {}): Hypothesis[] {
  return decodeRows(model, sources, opts, 'greedyDecode', (logp) => {
    let best = 0;
    for (let v = 1; v < logp.length; v++) if (logp[v]! > logp[best]!) best = v;
    return best;
  });
}

/**
 * Ancestral sampling: each token drawn from softmax(logits / temperature), optionally among the
 * `topK` most likely tokens. The same seed gives the same samples.
 *
 * @example
 * const samples = sampleDecode(model, [src, src, src], { temperature: 0.7, topK: 10, seed: 1 });
 */
export function sampleDecode(model: Seq2SeqModel, sources: readonly ArrayLike<number>[], opts: SampleOptions = {}): Hypothesis[] {
  const T = opts.temperature ?? 1;
  if (!(typeof T === 'number' && T > 0)) throw new Error(`sampleDecode: temperature must be > 0, got ${JSON.stringify(opts.temperature)}`);
  const K = opts.topK ?? 0;
  if (!(Number.isInteger(K) && K >= 0)) throw new Error(`sampleDecode: topK must be a non-negative integer, got ${JSON.stringify(opts.topK)}`);
  const rng = new Rng(opts.seed ?? 0);
  const V = model.config.tgtVocabSize;
  const p = new Float64Array(V);
  const order = new Int32Array(V);
  return decodeRows(model, sources, opts, 'sampleDecode', (logp) => {
    // Candidates: every allowed token, or the K most likely (ties: lower id first).
    let n = 0;
    for (let v = 0; v < V; v++) if (logp[v]! > -INF) order[n++] = v;
    if (K > 0 && K < n) {
      const sorted = Array.from(order.subarray(0, n)).sort((a, b) => logp[b]! - logp[a]! || a - b);
      for (let i = 0; i < K; i++) order[i] = sorted[i]!;
      n = K;
    }
    let max = -INF;
    for (let i = 0; i < n; i++) max = Math.max(max, logp[order[i]!]! / T);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += p[i] = Math.exp(logp[order[i]!]! / T - max);
    let u = rng.next() * sum;
    for (let i = 0; i < n; i++) if ((u -= p[i]!) <= 0) return order[i]!;
    return order[n - 1]!;
  });
}

// ---------------------------------------------------------------------------------------------
// Beam search.

interface LiveHyp {
  tokens: number[];
  logProb: number;
  attention: Float32Array[] | null;
}

/**
 * Beam search (see the file header), batched: all live hypotheses of a batch of sentences go
 * through the decoder together. Returns the `nBest` best hypotheses of each sentence, best first.
 *
 * @example
 * const best = beamSearch(model, sources, { beamSize: 5, lengthPenalty: 'gnmt', alpha: 0.6 }).map((h) => h[0]!.tokens);
 */
export function beamSearch(model: Seq2SeqModel, sources: readonly ArrayLike<number>[], opts: BeamSearchOptions = {}): Hypothesis[][] {
  const where = 'beamSearch';
  checkCommon(model, sources, opts, where);
  const K = opts.beamSize ?? 5;
  if (!(Number.isInteger(K) && K >= 1)) throw new Error(`${where}: beamSize must be a positive integer, got ${JSON.stringify(opts.beamSize)}`);
  const nBest = opts.nBest ?? 1;
  if (!(Number.isInteger(nBest) && nBest >= 1 && nBest <= K)) throw new Error(`${where}: nBest must be an integer in [1, beamSize ${K}], got ${JSON.stringify(opts.nBest)}`);
  const lpKind = opts.lengthPenalty ?? 'gnmt';
  if (!['gnmt', 'average', 'none'].includes(lpKind)) throw new Error(`${where}: lengthPenalty must be 'gnmt', 'average' or 'none', got ${JSON.stringify(lpKind)}`);
  const alpha = opts.alpha ?? (lpKind === 'gnmt' ? 0.6 : 1);
  if (!(typeof alpha === 'number' && Number.isFinite(alpha))) throw new Error(`${where}: alpha must be a finite number, got ${JSON.stringify(opts.alpha)}`);
  const early = opts.earlyStopping ?? true;
  const c = model.config;
  const V = c.tgtVocabSize;
  const forbidden = forbiddenIds(model, opts.noUnk ?? false);
  const withAttn = opts.returnAttention ?? false;
  const out: Hypothesis[][] = new Array(sources.length);
  const finish = (h: LiveHyp, logProb: number, finished: boolean, n: number): Hypothesis => ({
    tokens: h.tokens,
    logProb,
    score: logProb / lengthPenaltyOf(lpKind, alpha, n),
    finished,
    ...(h.attention ? { attention: h.attention } : {}),
  });

  inBatches(sources.length, opts.batchSize ?? 32, (start, end) => {
    const batch = sources.slice(start, end);
    const runner = new StepRunner(model, batch);
    const maxLen = batch.map((s) => maxLengthOf(opts, s.length, where));
    const srcLen = batch.map((s) => attendedLength(model, s));
    const alive: LiveHyp[][] = batch.map(() => [{ tokens: [], logProb: 0, attention: withAttn ? [] : null }]);
    const finished: Hypothesis[][] = batch.map(() => []);
    const done = batch.map(() => false);
    // Per row of the current step: the candidates (logProb, token) worth keeping.
    const topPerRow: { score: number; row: number; tok: number }[][] = [];
    for (let t = 0; ; t++) {
      const rowSent: number[] = [];
      const rowHyp: LiveHyp[] = [];
      const prev: number[] = [];
      batch.forEach((_, s) => {
        if (done[s]) return;
        for (const h of alive[s]!) {
          rowSent.push(s);
          rowHyp.push(h);
          prev.push(h.tokens.length ? h.tokens[h.tokens.length - 1]! : c.sosId);
        }
      });
      if (rowSent.length === 0) break;
      const rowAttn: (Float32Array | null)[] = [];
      topPerRow.length = 0;
      runner.step(prev, Int32Array.from(rowSent), forbidden, (r, logp, attn) => {
        rowAttn.push(attn ? attn.slice(0, srcLen[rowSent[r]!]!) : null);
        topPerRow.push(topCandidates(logp, rowHyp[r]!.logProb, r, Math.min(2 * K, V)));
      });

      // Select per sentence; rows of one sentence are consecutive.
      const parents: number[] = [];
      for (let r0 = 0; r0 < rowSent.length; ) {
        const s = rowSent[r0]!;
        let r1 = r0;
        while (r1 < rowSent.length && rowSent[r1] === s) r1++;
        const cands = topPerRow.slice(r0, r1).flat();
        cands.sort((a, b) => b.score - a.score || a.row - b.row || a.tok - b.tok);
        const next: LiveHyp[] = [];
        for (let i = 0; i < cands.length && next.length < K; i++) {
          const cd = cands[i]!;
          if (cd.score === -INF) break;
          const parent = rowHyp[cd.row]!;
          const attention = parent.attention ? [...parent.attention, rowAttn[cd.row]!] : null;
          if (cd.tok === c.eosId) {
            if (i < K) finished[s]!.push(finish({ tokens: parent.tokens, logProb: 0, attention }, cd.score, true, parent.tokens.length + 1));
            continue;
          }
          next.push({ tokens: [...parent.tokens, cd.tok], logProb: cd.score, attention });
          parents.push(cd.row);
        }
        const last = t + 1 >= maxLen[s]!;
        if (last) {
          for (const h of next) finished[s]!.push(finish(h, h.logProb, false, h.tokens.length));
          parents.length -= next.length;
          next.length = 0;
        }
        if (next.length === 0 || (early && finished[s]!.length >= K)) {
          done[s] = true;
          parents.length -= next.length;
          next.length = 0;
        }
        alive[s] = next;
        r0 = r1;
      }
      runner.reorder(parents);
    }
    finished.forEach((f, i) => {
      f.sort((a, b) => b.score - a.score);
      out[start + i] = f.slice(0, nBest);
    });
  });
  return out;
}

/** The `k` best continuations of one row, by base + logp (ties: lower token id). */
function topCandidates(logp: Float64Array, base: number, row: number, k: number): { score: number; row: number; tok: number }[] {
  // Insertion into a small sorted list: O(V) for the usual k ≪ V.
  const scores: number[] = [];
  const toks: number[] = [];
  for (let v = 0; v < logp.length; v++) {
    const x = logp[v]!;
    if (x === -INF) continue;
    if (scores.length === k && !(x > scores[k - 1]!)) continue;
    let i = scores.length === k ? k - 1 : scores.length;
    while (i > 0 && x > scores[i - 1]!) {
      if (i < k) {
        scores[i] = scores[i - 1]!;
        toks[i] = toks[i - 1]!;
      }
      i--;
    }
    scores[i] = x;
    toks[i] = v;
  }
  return scores.map((x, i) => ({ score: base + x, row, tok: toks[i]! }));
}

/**
 * Σ log p of `target` (ids without `<eos>`) given `source`, under the same renormalised
 * distribution the decoders use; `finished` adds the `<eos>` term. Teacher-forced, one sentence.
 */
export function sequenceLogProb(model: Seq2SeqModel, source: ArrayLike<number>, target: readonly number[], opts: { finished?: boolean; noUnk?: boolean } = {}): number {
  const c = model.config;
  const V = c.tgtVocabSize;
  const forbidden = forbiddenIds(model, opts.noUnk ?? false);
  const m = arena.mark();
  try {
    const src = model.sourceBatch([source]);
    const tgt = model.targetBatch([target]);
    const ctx = { training: false, rng: new Rng(0) };
    const { logits } = model.forward(new Var(Tensor.from(src.data, src.shape, c.dtype), false), new Var(Tensor.from(tgt.input, tgt.shape, c.dtype), false), ctx);
    const lp = new Float64Array(V);
    const steps = target.length + (opts.finished ? 1 : 0);
    let sum = 0;
    for (let t = 0; t < steps; t++) {
      logSoftmaxRow(logits.data, t, V, forbidden, lp);
      sum += lp[t < target.length ? target[t]! : c.eosId]!;
    }
    return sum;
  } finally {
    arena.release(m);
  }
}
