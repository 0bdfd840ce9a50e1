// Beam search with a NARROW beam (beamSize far below the number of sequences), on decoders whose
// step is a score table: the logits of a step are a fixed function of (sentence, tokens so far).
// The model carries the prefix in its recurrent state, so the table sees exactly the tokens of the
// hypothesis a row holds after beamSearch reorders its rows — a wrong parent pointer changes the
// scores. Checked: a hand-worked example (early <eos> kept, the better-but-pruned sequence lost,
// the returned score) and, on many pseudo-random tables, equality with a plain beam search written
// here from the rules in decode.ts's header.
import { describe, expect, it } from 'vitest';
import { Var } from '../../src/autograd/tape.js';
import { beamSearch } from '../../src/apps/seq2seq/decode.js';
import type { Hypothesis, LengthPenalty } from '../../src/apps/seq2seq/decode.js';
import { Seq2SeqModel } from '../../src/apps/seq2seq/model.js';
import type { DecoderState, DecoderStepOutput, EncoderOutput } from '../../src/apps/seq2seq/model.js';
import type { CallContext } from '../../src/nn/layer.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/rng.js';

// Target ids: <pad> 0, <unk> 1, <sos> 2, <eos> 3, A 4, B 5, C 6.
const V = 7;
const [UNK, SOS, EOS, A, B, C] = [1, 2, 3, 4, 5, 6];
const MAXP = 8; // longest prefix the state can hold

/** Logits (V) of the next token after `prefix` for the sentence whose source is [key]. */
type Table = (key: number, prefix: readonly number[]) => number[];

/**
 * A Seq2SeqModel whose decoder step reads `table`: the encoder memory holds the sentence key, the
 * recurrent state (R, 1 + MAXP) holds [length, tokens...] of the row's prefix.
 */
class TableModel extends Seq2SeqModel {
  steps = 0;
  constructor(private readonly table: Table) {
    super({ srcVocabSize: 16, tgtVocabSize: V, embeddingDim: 2, units: 2, attention: 'none', bidirectional: false, dtype: 'float64', seed: 0 });
  }
  override encode(src: Var): EncoderOutput {
    const [Bn, S] = src.shape as [number, number];
    const keys = Array.from({ length: Bn }, (_, b) => src.data[b * S]!);
    return {
      memory: new Var(Tensor.from(keys, [Bn, 1, 1], 'float64'), false),
      keys: null,
      mask: null,
      states: [new Var(Tensor.zeros([Bn, 1 + MAXP], 'float64'), false)],
    };
  }
  override decodeStep(prev: ArrayLike<number>, state: DecoderState, enc: Pick<EncoderOutput, 'memory' | 'keys' | 'mask'>, _ctx: CallContext): DecoderStepOutput {
    this.steps++;
    const R = prev.length;
    const W = 1 + MAXP;
    const st = state.states[0]!.data;
    const next = new Float64Array(R * W);
    const logits = new Float64Array(R * V);
    for (let r = 0; r < R; r++) {
      const len = st[r * W]!;
      const prefix = Array.from(st.subarray(r * W + 1, r * W + 1 + len));
      if (prev[r] === SOS) expect(len).toBe(0);
      else prefix.push(prev[r]!);
      next[r * W] = prefix.length;
      next.set(prefix, r * W + 1);
      logits.set(this.table(enc.memory.data[r]!, prefix), r * V);
    }
    return { output: new Var(Tensor.from(logits, [R, V], 'float64'), false), weights: null, state: { states: [new Var(Tensor.from(next, [R, W], 'float64'), false)], feed: null } };
  }
  override generate(h: Var): Var {
    return h;
  }
}

// ---------------------------------------------------------------------------------------------
// The reference: the rules of decode.ts's header, one sentence at a time, every candidate kept.

interface Opts {
  K: number;
  maxLen: number;
  lp: LengthPenalty;
  alpha: number;
  early: boolean;
  noUnk: boolean;
}

function lengthPenalty(kind: LengthPenalty, alpha: number, n: number): number {
  return kind === 'gnmt' ? ((5 + n) / 6) ** alpha : kind === 'average' ? n ** alpha : 1;
}

/** log p over the tokens a decoder may emit (not <pad>, <sos>; not <unk> with noUnk). */
function logProbs(logits: number[], noUnk: boolean): Map<number, number> {
  const allowed = [UNK, EOS, A, B, C].filter((v) => !(noUnk && v === UNK));
  const max = Math.max(...allowed.map((v) => logits[v]!));
  const lse = max + Math.log(allowed.reduce((s, v) => s + Math.exp(logits[v]! - max), 0));
  return new Map(allowed.map((v) => [v, logits[v]! - lse]));
}

function referenceBeam(table: Table, key: number, o: Opts): Hypothesis[] {
  const finished: Hypothesis[] = [];
  const done = (tokens: number[], logProb: number, fin: boolean): void => {
    const n = tokens.length + (fin ? 1 : 0);
    finished.push({ tokens, logProb, score: logProb / lengthPenalty(o.lp, o.alpha, n), finished: fin });
  };
  let live: { tokens: number[]; logProb: number }[] = [{ tokens: [], logProb: 0 }];
  for (let t = 0; t < o.maxLen && live.length > 0; t++) {
    // Every extension of every live hypothesis, best first (ties: earlier row, then lower id).
    const cands: { row: number; tok: number; logProb: number }[] = [];
    live.forEach((h, row) => {
      for (const [tok, lp] of logProbs(table(key, h.tokens), o.noUnk)) cands.push({ row, tok, logProb: h.logProb + lp });
    });
    cands.sort((a, b) => b.logProb - a.logProb || a.row - b.row || a.tok - b.tok);
    const next: typeof live = [];
    for (let i = 0; i < cands.length && next.length < o.K; i++) {
      const c = cands[i]!;
      // An <eos> among the K best candidates finishes its hypothesis; further down it is dropped.
      if (c.tok === EOS) {
        if (i < o.K) done(live[c.row]!.tokens, c.logProb, true);
      } else next.push({ tokens: [...live[c.row]!.tokens, c.tok], logProb: c.logProb });
    }
    if (t + 1 === o.maxLen) {
      for (const h of next) done(h.tokens, h.logProb, false);
      break;
    }
    live = next;
    if (o.early && finished.length >= o.K) break;
  }
  return finished.sort((a, b) => b.score - a.score);
}

/** Every sequence of at most maxLen tokens, ranked: the exhaustive optimum a beam approximates. */
function exhaustive(table: Table, key: number, o: Opts): Hypothesis[] {
  const all: Hypothesis[] = [];
  const rec = (tokens: number[], logProb: number): void => {
    const lps = logProbs(table(key, tokens), o.noUnk);
    const fin = logProb + lps.get(EOS)!;
    all.push({ tokens, logProb: fin, score: fin / lengthPenalty(o.lp, o.alpha, tokens.length + 1), finished: true });
    for (const [tok, lp] of lps) {
      if (tok === EOS) continue;
      if (tokens.length + 1 === o.maxLen) all.push({ tokens: [...tokens, tok], logProb: logProb + lp, score: (logProb + lp) / lengthPenalty(o.lp, o.alpha, o.maxLen), finished: false });
      else rec([...tokens, tok], logProb + lp);
    }
  };
  rec([], 0);
  return all.sort((a, b) => b.score - a.score);
}

function expectSame(got: Hypothesis[], want: Hypothesis[], what: string): void {
  expect(got.map((h) => h.tokens), what).toEqual(want.map((h) => h.tokens));
  got.forEach((h, k) => {
    expect(h.finished, `${what} rank ${k}`).toBe(want[k]!.finished);
    expect(Math.abs(h.logProb - want[k]!.logProb), `${what} rank ${k} logProb`).toBeLessThan(1e-9);
    expect(Math.abs(h.score - want[k]!.score), `${what} rank ${k} score`).toBeLessThan(1e-9);
  });
}

// ---------------------------------------------------------------------------------------------
// A hand-built table.

/** Logits = log of the given probabilities of [<unk>, <eos>, A, B, C] (−∞ for <pad>, <sos>). */
function probs(p: [number, number, number, number, number]): number[] {
  const l = new Array<number>(V).fill(-Infinity);
  [UNK, EOS, A, B, C].forEach((v, i) => (l[v] = Math.log(p[i]!)));
  return l;
}

// Sentence key 4, beam 2. Step 1 keeps A (.5) and B (.3) and prunes C (.15), although "C <eos>"
// (.15 · .99 = .1485) is the second-best sequence overall. Step 2: "A <eos>" (.5 · .6 = .30) is the
// best candidate and finishes; B C (.27) and A A (.10) stay live. Step 3: "B C <eos>" (.0864)
// finishes — two finished hypotheses, so the search stops (early stopping) with B C A (.0756),
// B C B (.0675) still live. The best answer, "A", was found at step 2, before the longer ones.
// (gnmt α 0.6 scores: A −1.098, C −1.739, B C −2.060.)
const HAND: Record<string, [number, number, number, number, number]> = {
  '': [0.01, 0.04, 0.5, 0.3, 0.15],
  '4': [0.02, 0.6, 0.2, 0.1, 0.08],
  '5': [0.01, 0.02, 0.04, 0.03, 0.9],
  '6': [0.0025, 0.99, 0.0025, 0.0025, 0.0025],
  '5,6': [0.05, 0.32, 0.28, 0.25, 0.1],
  '4,4': [0.05, 0.3, 0.35, 0.2, 0.1],
};

/** Pseudo-random logits for (seed, key, prefix): no ties, <eos> likelier as the prefix grows. */
function randomTable(seed: number, eosBias = 0.4): Table {
  const memo = new Map<string, number[]>();
  return (key, prefix) => {
    const id = `${key}|${prefix.join(',')}`;
    const known = memo.get(id);
    if (known) return known;
    let h = 2166136261;
    for (const ch of `${seed}|${key}|${prefix.join(',')}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    const rng = new Rng(h);
    const l = Array.from({ length: V }, () => 1.5 * rng.normal());
    l[EOS] = l[EOS]! + eosBias * prefix.length - 0.5;
    memo.set(id, l);
    return l;
  };
}

const handTable: Table = (key, prefix) => {
  const p = key === 4 ? HAND[prefix.join(',')] : undefined;
  return p ? probs(p) : randomTable(99)(key, prefix);
};

describe('narrow beam search on a hand-built score table', () => {
  const o: Opts = { K: 2, maxLen: 6, lp: 'gnmt', alpha: 0.6, early: true, noUnk: false };

  it('keeps the early <eos> hypothesis as the answer, loses the pruned one, and stops once K have finished', () => {
    const model = new TableModel(handTable);
    const [got] = beamSearch(model, [[4]], { beamSize: 2, nBest: 2, maxLength: 6, lengthPenalty: 'gnmt', alpha: 0.6 });
    expect(got!.map((h) => h.tokens)).toEqual([[A], [B, C]]);
    expect(got!.map((h) => h.finished)).toEqual([true, true]);
    // logProb Σ log p with the <eos>; score = logProb / ((5 + n) / 6)^0.6, n counting the <eos>.
    expect(got![0]!.logProb).toBeCloseTo(Math.log(0.5 * 0.6), 12);
    expect(got![0]!.score).toBeCloseTo(Math.log(0.3) / (7 / 6) ** 0.6, 12);
    expect(got![1]!.logProb).toBeCloseTo(Math.log(0.3 * 0.9 * 0.32), 12);
    expect(got![1]!.score).toBeCloseTo(Math.log(0.0864) / (8 / 6) ** 0.6, 12);
    // Three decoder steps (one call each), not six: early stopping after step 3.
    expect(model.steps).toBe(3);
    expectSame(got!, referenceBeam(handTable, 4, o).slice(0, 2), 'reference');
    // The exhaustive second best, "C <eos>", was pruned at step 1 by the narrow beam.
    const best = exhaustive(handTable, 4, o);
    expect(best[0]!.tokens).toEqual([A]);
    expect(best[1]!.tokens).toEqual([C]);
    expect(got!.some((h) => h.tokens.length === 1 && h.tokens[0] === C)).toBe(false);
  });

  it('without early stopping the search runs on to maxLength but still returns the step-2 answer first', () => {
    const model = new TableModel(handTable);
    const [got] = beamSearch(model, [[4]], { beamSize: 2, nBest: 2, maxLength: 6, earlyStopping: false });
    const want = referenceBeam(handTable, 4, { ...o, early: false });
    expect(want.length).toBeGreaterThan(2); // more finished hypotheses than the early stop collected
    expect(want.some((h) => h.tokens.length >= 3)).toBe(true);
    expectSame(got!, want.slice(0, 2), 'reference, no early stopping');
    expect(got![0]!.tokens).toEqual([A]);
    expect(model.steps).toBeGreaterThan(3);
  });

  it("an <eos> ranked below the K best candidates does not finish (the empty output at step 1 is dropped)", () => {
    // With beam 3 the step-1 candidates are A, B, C, <eos>: <eos> is 4th, so "" is never a result.
    const [got] = beamSearch(new TableModel(handTable), [[4]], { beamSize: 3, nBest: 3, maxLength: 6, lengthPenalty: 'none' });
    expect(got!.some((h) => h.tokens.length === 0)).toBe(false);
    // With beam 4 it is among the K best and "" (p = .04) is a finished hypothesis.
    const [wide] = beamSearch(new TableModel(handTable), [[4]], { beamSize: 4, nBest: 4, maxLength: 6, lengthPenalty: 'none', earlyStopping: false });
    const want = referenceBeam(handTable, 4, { ...o, K: 4, lp: 'none', early: false });
    expect(want.some((h) => h.tokens.length === 0)).toBe(true);
    expectSame(wide!, want.slice(0, 4), 'beam 4');
  });
});

describe('narrow beam search = the reference beam search on pseudo-random tables', () => {
  const keys = [4, 5, 6, 7, 8, 9, 10];
  const configs: Opts[] = [];
  for (const K of [1, 2, 3])
    for (const [lp, alpha] of [['gnmt', 0.6], ['average', 1], ['none', 1], ['gnmt', 2]] as [LengthPenalty, number][])
      for (const early of [true, false]) configs.push({ K, maxLen: K === 3 ? 6 : 5, lp, alpha, early, noUnk: K === 2 && lp === 'average' });

  for (const seed of [1, 2, 3])
    it(`tables of seed ${seed}: ${configs.length} settings × ${keys.length} sentences, batched 3 at a time`, () => {
      const table = randomTable(seed);
      const model = new TableModel(table);
      const optimum = new Map<string, number>();
      let prunedBest = 0;
      let earlyBest = 0;
      for (const o of configs) {
        const got = beamSearch(model, keys.map((k) => [k]), { beamSize: o.K, nBest: o.K, maxLength: o.maxLen, lengthPenalty: o.lp, alpha: o.alpha, earlyStopping: o.early, noUnk: o.noUnk, batchSize: 3 });
        keys.forEach((key, i) => {
          const want = referenceBeam(table, key, o);
          expect(got[i]!.length).toBe(Math.min(o.K, want.length));
          expectSame(got[i]!, want.slice(0, o.K), `seed ${seed} key ${key} ${JSON.stringify(o)}`);
          if (o.noUnk) for (const h of got[i]!) expect(h.tokens).not.toContain(UNK);
          const exKey = `${key} ${o.maxLen} ${o.lp} ${o.alpha} ${o.noUnk}`;
          if (!optimum.has(exKey)) optimum.set(exKey, exhaustive(table, key, o)[0]!.score);
          if (optimum.get(exKey)! > got[i]![0]!.score + 1e-9) prunedBest++;
          if (got[i]![0]!.finished && want.some((h) => h.tokens.length > got[i]![0]!.tokens.length)) earlyBest++;
        });
      }
      // The beam really is narrow (it misses the exhaustive optimum sometimes), and the best
      // answer is often shorter than hypotheses explored after it.
      expect(prunedBest).toBeGreaterThan(0);
      expect(earlyBest).toBeGreaterThan(0);
    });
});
