// Randomness in seq2seq: scheduled sampling in training (samplingRate of model.loss and
// trainSeq2Seq) and top-k / temperature sampling in decoding (sampleDecode and
// `recurrent seq2seq translate --sample --top-k K --temperature T --seed S`). Float64 models, so
// "the same" can be checked bit for bit and rankings have no rounding ties.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Var, backward, recording } from '../../src/autograd/tape.js';
import { greedyDecode, sampleDecode, sequenceLogProb } from '../../src/apps/seq2seq/decode.js';
import type { Hypothesis } from '../../src/apps/seq2seq/decode.js';
import { Seq2SeqModel } from '../../src/apps/seq2seq/model.js';
import type { Seq2SeqOptions } from '../../src/apps/seq2seq/model.js';
import { trainSeq2Seq } from '../../src/apps/seq2seq/trainer.js';
import { Seq2SeqTranslator } from '../../src/apps/seq2seq/translator.js';
import { seq2seqCommand } from '../../src/cli/seq2seq.js';
import type { CallContext } from '../../src/nn/layer.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, withArena } from '../../src/tensor/tensor.js';
import { captureIO, jsonLines, tempDir } from '../util/cli.js';

// Target ids: <pad> 0, <unk> 1, <sos> 2, <eos> 3, real tokens 4 … V−1.
const PAD = 0;
const SOS = 2;
const EOS = 3;
const BASE: Seq2SeqOptions = { srcVocabSize: 9, tgtVocabSize: 10, embeddingDim: 5, units: 4, decoderUnits: 6, attentionUnits: 3, dtype: 'float64', initializer: 'pytorch', seed: 3 };
const SRC = [[4, 5, 6, 7, 8], [6, 4], [8, 8, 5], [7]];
const TGT = [[5, 6, 7], [4], [7, 6, 5, 4, 5, 9], [8, 8]];

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const x = Float64Array.from(a);
  const y = Float64Array.from(b);
  return Buffer.from(x.buffer).equals(Buffer.from(y.buffer));
}

function argmax(d: ArrayLike<number>, off: number, n: number): number {
  let best = 0;
  for (let v = 1; v < n; v++) if (d[off + v]! > d[off + best]!) best = v;
  return best;
}

/** Training loss and every parameter gradient for one batch (grads zeroed before). */
function lossAndGrads(model: Seq2SeqModel, ctx: CallContext, samplingRate?: number): { loss: number; grads: Float64Array[] } {
  const params = model.namedParameters().map(([, p]) => p);
  for (const p of params) p.zeroGrad();
  return withArena(() => {
    const l = recording(() => model.loss(model.sourceBatch(SRC), model.targetBatch(TGT), ctx, samplingRate === undefined ? {} : { samplingRate }))!;
    backward(l);
    return { loss: l.data[0]!, grads: params.map((p) => Float64Array.from(p.grad!.data)) };
  });
}

/** Records every decoder-step input (`prev`) and every generated logits row block of `model`, until `restore()`. */
function spy(model: Seq2SeqModel): { fed: number[][]; logits: Float64Array[]; restore(): void } {
  const fed: number[][] = [];
  const logits: Float64Array[] = [];
  const step = model.decodeStep.bind(model);
  const gen = model.generate.bind(model);
  model.decodeStep = (prev, state, enc, ctx) => {
    fed.push(Array.from(prev));
    return step(prev, state, enc, ctx);
  };
  model.generate = (h, ctx) => {
    const out = gen(h, ctx);
    logits.push(Float64Array.from(out.data));
    return out;
  };
  return {
    fed,
    logits,
    restore: () => {
      model.decodeStep = step;
      model.generate = gen;
    },
  };
}

/** The teacher input of step t for row b: <sos> y_1 … (padding after the end). */
function teacherInput(model: Seq2SeqModel): { input: Float32Array; T: number } {
  const t = model.targetBatch(TGT);
  return { input: t.input, T: t.shape[1] };
}

/** Seed 6, weights ×6: an untrained model whose argmax differs from row to row and step to step. */
function lively(opts: Seq2SeqOptions): Seq2SeqModel {
  const m = new Seq2SeqModel({ ...opts, seed: 6 });
  for (const [, p] of m.namedParameters()) for (let i = 0; i < p.data.length; i++) p.data[i] = p.data[i]! * 6;
  return m;
}

const FEEDING: [string, Partial<Seq2SeqOptions>][] = [
  ['input feeding (step loop)', {}],
  ['no input feeding (fused teacher forcing)', { inputFeeding: false, cell: 'gru', attention: 'luong-general' }],
];

describe('scheduled sampling: rate 0 is teacher forcing', () => {
  for (const [name, o] of FEEDING)
    it(`${name}: loss and gradients bit for bit as in inference mode (where nothing is sampled), no RNG draw`, () => {
      const model = new Seq2SeqModel({ ...BASE, ...o });
      // Sampling needs training mode, so an inference-mode pass is teacher forcing by construction
      // (the same numbers as training mode when dropout is 0).
      const ref = lossAndGrads(model, { training: false, rng: new Rng(5) });
      for (const rate of [undefined, 0]) {
        const rng = new Rng(5);
        const r = lossAndGrads(model, { training: true, rng }, rate);
        expect(sameBits([r.loss], [ref.loss]), `rate ${rate}`).toBe(true);
        ref.grads.forEach((g, i) => expect(sameBits(g, r.grads[i]!), `rate ${rate}, gradient ${i}`).toBe(true));
        // Rate 0 draws nothing from the RNG (so dropout masks, and everything after, are unchanged).
        expect(rng.getState()).toEqual(new Rng(5).getState());
      }
    });

  it('a rate that never fires feeds the teacher tokens and gives the teacher-forced numbers', () => {
    // 1e-300 takes the sampling code path (per-step logits, a draw per row and step) but no draw is below it.
    for (const [name, o] of FEEDING) {
      const model = new Seq2SeqModel({ ...BASE, ...o });
      const plain = lossAndGrads(model, { training: true, rng: new Rng(1) });
      const s = spy(model);
      const never = lossAndGrads(model, { training: true, rng: new Rng(1) }, 1e-300);
      const { input, T } = teacherInput(model);
      expect(s.fed.length, name).toBe(T);
      s.fed.forEach((prev, t) => prev.forEach((tok, b) => expect(tok).toBe(input[b * T + t])));
      expect(Math.abs(never.loss - plain.loss), name).toBeLessThan(1e-12);
      plain.grads.forEach((g, i) => g.forEach((x, j) => expect(Math.abs(x - never.grads[i]![j]!)).toBeLessThan(1e-12)));
    }
  });

  it('trainSeq2Seq: samplingRate 0 (or a schedule at 0) trains the very same weights as no sampling', async () => {
    const data = { sources: [...SRC, ...SRC.map((s) => [...s].reverse())], targets: [...TGT, ...TGT.map((t) => [...t].reverse())] };
    const weights = async (rate?: number | ((e: number) => number)): Promise<Float64Array[]> => {
      const m = new Seq2SeqModel({ ...BASE, dropout: 0.2 });
      await trainSeq2Seq(m, data, { epochs: 2, batchSize: 3, lr: 0.01, seed: 4, ...(rate === undefined ? {} : { samplingRate: rate }) });
      return m.namedParameters().map(([, p]) => Float64Array.from(p.data));
    };
    const plain = await weights();
    for (const rate of [0, (): number => 0]) {
      const w = await weights(rate);
      w.forEach((x, i) => expect(sameBits(x, plain[i]!), `parameter ${i}`).toBe(true));
    }
    const sampled = await weights(0.5);
    expect(sampled.some((x, i) => !sameBits(x, plain[i]!))).toBe(true);
  });
});

describe('scheduled sampling: rate 1 feeds the model its own predictions', () => {
  for (const [name, o] of FEEDING)
    it(`${name}: step t is fed the argmax of step t−1's logits, and the loss equals a hand-written loop`, () => {
      const model = lively({ ...BASE, ...o });
      const V = model.config.tgtVocabSize;
      const B = SRC.length;
      const teacher = lossAndGrads(model, { training: true, rng: new Rng(0) });
      const s = spy(model);
      const own = lossAndGrads(model, { training: true, rng: new Rng(0) }, 1);
      const { input, T } = teacherInput(model);
      expect(s.fed.length).toBe(T);
      expect(s.logits.length).toBe(T);
      expect(s.fed[0]).toEqual(Array(B).fill(SOS));
      let differs = 0;
      for (let t = 1; t < T; t++)
        for (let b = 0; b < B; b++) {
          expect(s.fed[t]![b], `step ${t} row ${b}`).toBe(argmax(s.logits[t - 1]!, b * V, V));
          if (s.fed[t]![b] !== input[b * T + t]) differs++;
        }
      expect(differs).toBeGreaterThan(0); // the untrained model's guesses are not the references
      // ... and they differ between rows, so feeding one row another row's guess would show.
      expect(s.fed.slice(1).some((prev) => new Set(prev).size > 1)).toBe(true);
      expect(own.loss).not.toBe(teacher.loss);

      // The same thing by hand: greedy feeding, then mean cross-entropy over the real targets.
      const manual = withArena(() => {
        const sb = model.sourceBatch(SRC);
        const tb = model.targetBatch(TGT);
        const ctx = { training: false, rng: new Rng(0) };
        const enc = model.encode(new Var(Tensor.from(sb.data, sb.shape, 'float64'), false), ctx);
        let state = model.initialState(enc);
        let prev: number[] = Array(B).fill(SOS);
        let sum = 0;
        let n = 0;
        for (let t = 0; t < T; t++) {
          const r = model.decodeStep(prev, state, enc, ctx);
          state = r.state;
          const z = model.generate(r.output, ctx).data;
          const next: number[] = [];
          for (let b = 0; b < B; b++) {
            const y = tb.output[b * T + t]!;
            if (y !== PAD) {
              let max = -Infinity;
              for (let v = 0; v < V; v++) max = Math.max(max, z[b * V + v]!);
              let e = 0;
              for (let v = 0; v < V; v++) e += Math.exp(z[b * V + v]! - max);
              sum += max + Math.log(e) - z[b * V + y]!;
              n++;
            }
            next.push(argmax(z, b * V, V));
          }
          prev = next;
        }
        return sum / n;
      });
      expect(Math.abs(own.loss - manual)).toBeLessThan(1e-12);
    });
});

describe('scheduled sampling: the rate, and the seed', () => {
  /** Fed tokens of one rate-`rate` pass with RNG seed `seed`, and the argmax each could have been. */
  function pass(model: Seq2SeqModel, rate: number, seed: number, grads = true): { fed: number[][]; guess: number[][]; loss: number; grads: Float64Array[] } {
    const V = model.config.tgtVocabSize;
    const s = spy(model);
    const ctx = { training: true, rng: new Rng(seed) };
    const r = grads ? lossAndGrads(model, ctx, rate) : { loss: withArena(() => model.loss(model.sourceBatch(SRC), model.targetBatch(TGT), ctx, { samplingRate: rate })!.data[0]!), grads: [] };
    s.restore();
    const guess = s.fed.map((_, t) => (t === 0 ? [] : s.fed[t]!.map((_, b) => argmax(s.logits[t - 1]!, b * V, V))));
    return { fed: s.fed, guess, ...r };
  }

  it('every fed token is the reference or the previous argmax, chosen with probability ≈ rate', () => {
    const model = lively({ ...BASE, decoderUnits: 7 });
    const { input, T } = teacherInput(model);
    for (const rate of [0.2, 0.5, 0.8]) {
      // Positions where the guess differs from the reference show which one was fed.
      let own = 0;
      let known = 0;
      for (let seed = 0; seed < 25; seed++) {
        const p = pass(model, rate, seed, false);
        for (let t = 1; t < T; t++)
          p.fed[t]!.forEach((tok, b) => {
            const ref = input[b * T + t]!;
            const g = p.guess[t]![b]!;
            expect([ref, g]).toContain(tok);
            if (g === ref) return;
            known++;
            if (tok === g) own++;
          });
      }
      expect(known).toBeGreaterThan(150);
      const sd = Math.sqrt((rate * (1 - rate)) / known);
      expect(Math.abs(own / known - rate), `rate ${rate}: ${own}/${known}`).toBeLessThan(4.5 * sd);
    }
  });

  it('the same seed gives the same bits twice; another seed makes other choices', () => {
    const model = new Seq2SeqModel({ ...BASE, dropout: 0.25 });
    const a = pass(model, 0.5, 7);
    const b = pass(model, 0.5, 7);
    expect(b.fed).toEqual(a.fed);
    expect(sameBits([a.loss], [b.loss])).toBe(true);
    a.grads.forEach((g, i) => expect(sameBits(g, b.grads[i]!)).toBe(true));
    const c = pass(model, 0.5, 8);
    expect(c.fed).not.toEqual(a.fed);
    expect(c.loss).not.toBe(a.loss);
  });

  it('trainSeq2Seq with sampling: the same seed trains the same weights, another seed others', async () => {
    const data = { sources: SRC, targets: TGT };
    const run = async (seed: number): Promise<{ w: Float64Array[]; loss: number[] }> => {
      const m = new Seq2SeqModel({ ...BASE });
      const h = await trainSeq2Seq(m, data, { epochs: 3, batchSize: 4, lr: 0.01, samplingRate: (e) => [0.3, 0.6, 0.9][e]!, seed });
      return { w: m.namedParameters().map(([, p]) => Float64Array.from(p.data)), loss: h.history.loss! };
    };
    const a = await run(1);
    const b = await run(1);
    expect(sameBits(a.loss, b.loss)).toBe(true);
    a.w.forEach((x, i) => expect(sameBits(x, b.w[i]!)).toBe(true));
    // One batch of all four pairs: the seed only changes which steps feed their own prediction.
    const c = await run(2);
    expect(sameBits(a.loss, c.loss)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Top-k / temperature sampling.

/** A float64 model with its output layer scaled up, so token probabilities differ clearly. */
function peakedModel(seed: number): Seq2SeqModel {
  const m = new Seq2SeqModel({ ...BASE, seed });
  for (const [name, p] of m.namedParameters()) if (name.startsWith('generator.')) for (let i = 0; i < p.data.length; i++) p.data[i] = p.data[i]! * 4;
  return m;
}

/**
 * Rank (0 = most likely; ties: lower id first) of every generated token (and the final <eos>) of
 * each hypothesis, under the renormalised step distributions of a teacher-forced pass.
 */
function ranks(model: Seq2SeqModel, sources: number[][], hyps: Hypothesis[]): number[][] {
  const V = model.config.tgtVocabSize;
  return withArena(() => {
    const sb = model.sourceBatch(sources);
    const tb = model.targetBatch(hyps.map((h) => h.tokens));
    const T = tb.shape[1];
    const { logits } = model.forward(new Var(Tensor.from(sb.data, sb.shape, 'float64'), false), new Var(Tensor.from(tb.input, tb.shape, 'float64'), false), { training: false, rng: new Rng(0) });
    const z = logits.data;
    return hyps.map((h, b) => {
      const steps = h.finished ? [...h.tokens, EOS] : h.tokens;
      return steps.map((tok, t) => {
        const off = (b * T + t) * V;
        let rank = 0;
        // <pad> and <sos> are never candidates.
        for (let v = 0; v < V; v++) if (v !== PAD && v !== SOS && v !== tok && (z[off + v]! > z[off + tok]! || (z[off + v] === z[off + tok] && v < tok))) rank++;
        return rank;
      });
    });
  });
}

describe('sampleDecode with top-k and temperature', () => {
  const sources = SRC.flatMap((s) => Array.from({ length: 6 }, () => s));

  it('every sampled token is among the k best of its step (k 2 and 3, T 0.5 to 3, 12 seeds)', () => {
    const model = peakedModel(5);
    for (const k of [2, 3]) {
      const seen = new Array<number>(k).fill(0);
      for (const temperature of [0.5, 1, 3])
        for (let seed = 0; seed < 4; seed++) {
          const hs = sampleDecode(model, sources, { topK: k, temperature, seed: seed + 10 * k, maxLength: 7 });
          for (const r of ranks(model, sources, hs))
            for (const x of r) {
              expect(x).toBeLessThan(k);
              seen[x]!++;
            }
        }
      // Not greedy: the k-th best token is drawn too.
      for (const c of seen) expect(c).toBeGreaterThan(0);
    }
  });

  it('first-token frequencies follow softmax(log p / T) over the k best', () => {
    const model = peakedModel(6);
    const src = [4, 5, 6];
    const N = 3000;
    const k = 3;
    const T = 0.7;
    // log p of each first token (<eos> = the empty output), renormalised as the decoders do.
    const cands = [1, EOS, 4, 5, 6, 7, 8, 9];
    const logp = cands.map((v) => (v === EOS ? sequenceLogProb(model, src, [], { finished: true }) : sequenceLogProb(model, src, [v])));
    const order = cands.map((_, i) => i).sort((a, b) => logp[b]! - logp[a]! || cands[a]! - cands[b]!);
    const top = order.slice(0, k);
    const w = top.map((i) => Math.exp(logp[i]! / T));
    const q = w.map((x) => x / w.reduce((s, y) => s + y, 0));
    const hs = sampleDecode(model, Array.from({ length: N }, () => src), { topK: k, temperature: T, seed: 1, maxLength: 1, batchSize: 1000 });
    const first = hs.map((h) => (h.finished ? EOS : h.tokens[0]!));
    top.forEach((i, j) => {
      const freq = first.filter((t) => t === cands[i]).length / N;
      expect(Math.abs(freq - q[j]!), `token ${cands[i]} p ${q[j]}`).toBeLessThan(4.5 * Math.sqrt((q[j]! * (1 - q[j]!)) / N));
    });
    expect(first.every((t) => top.some((i) => cands[i] === t))).toBe(true);
    // The sampled hypothesis keeps the model's own log p (not the tempered one).
    for (const h of hs.slice(0, 20)) expect(h.logProb).toBeCloseTo(logp[cands.indexOf(h.finished ? EOS : h.tokens[0]!)]!, 10);
  });

  it('temperature → 0 and k = 1 are greedy; a seed repeats, another differs', () => {
    const model = peakedModel(7);
    const greedy = greedyDecode(model, sources, { maxLength: 8 });
    const same = (hs: Hypothesis[], what: string): void =>
      hs.forEach((h, i) => {
        expect(h.tokens, `${what} ${i}`).toEqual(greedy[i]!.tokens);
        expect(h.finished).toBe(greedy[i]!.finished);
        expect(h.logProb).toBe(greedy[i]!.logProb);
      });
    for (let seed = 0; seed < 3; seed++) {
      same(sampleDecode(model, sources, { topK: 4, temperature: 1e-6, seed, maxLength: 8 }), `cold seed ${seed}`);
      same(sampleDecode(model, sources, { topK: 0, temperature: 1e-6, seed, maxLength: 8 }), `cold, all tokens, seed ${seed}`);
      same(sampleDecode(model, sources, { topK: 1, temperature: 5, seed, maxLength: 8 }), `k 1 seed ${seed}`);
    }
    const a = sampleDecode(model, sources, { topK: 3, temperature: 1.5, seed: 11, maxLength: 8 });
    const b = sampleDecode(model, sources, { topK: 3, temperature: 1.5, seed: 11, maxLength: 8 });
    const c = sampleDecode(model, sources, { topK: 3, temperature: 1.5, seed: 12, maxLength: 8 });
    expect(b).toEqual(a);
    expect(c.map((h) => h.tokens)).not.toEqual(a.map((h) => h.tokens));
    expect(a.map((h) => h.tokens)).not.toEqual(greedy.map((h) => h.tokens));
    expect(() => sampleDecode(model, sources, { topK: -1 })).toThrow(/topK must be a non-negative integer/);
    expect(() => sampleDecode(model, sources, { topK: 1.5 })).toThrow(/topK must be a non-negative integer/);
  });
});

describe('recurrent seq2seq translate --sample --top-k --temperature --seed', () => {
  const dir = tempDir('recurrent-s2s-sampling-');
  const modelPath = join(dir, 'm.safetensors');
  const WORDS = ['BAD', 'CAB', 'FACE', 'DEAF', 'BEAD', 'ACE', 'FED', 'DAB'];
  const PH: Record<string, string> = { A: 'AE', B: 'B', C: 'K', D: 'D', E: 'IY', F: 'F' };
  const data = { sources: WORDS, targets: WORDS.map((w) => [...w].map((c) => PH[c]).join(' ')) };
  let tr: Seq2SeqTranslator;

  async function run(...argv: string[]): Promise<{ out: string; error: Error | null }> {
    if (!tr) {
      tr = Seq2SeqTranslator.create(data, { sourceTokens: 'char', targetTokens: 'space', units: 6, embeddingDim: 5, seed: 2 });
      // Sharper distributions than a fresh model's, so greedy and sampling differ visibly.
      for (const [name, p] of tr.model.namedParameters()) if (name.startsWith('generator.')) for (let i = 0; i < p.data.length; i++) p.data[i] = p.data[i]! * 6;
      await tr.save(modelPath);
    }
    const c = captureIO();
    try {
      await seq2seqCommand(['translate', '--model', modelPath, ...argv, ...WORDS], c.io);
      return { out: c.out(), error: null };
    } catch (e) {
      return { out: c.out(), error: e as Error };
    }
  }
  const tokensOf = (out: string): string[][] => jsonLines(out).map((l) => l.tokens as string[]);

  it('passes k, T and the seed to sampleDecode: the same tokens as the library, repeatably', async () => {
    const a = await run('--sample', '--top-k', '2', '--temperature', '1.5', '--seed', '3', '--json');
    expect(a.error).toBeNull();
    const b = await run('--sample', '--top-k', '2', '--temperature', '1.5', '--seed', '3', '--json');
    expect(b.out).toBe(a.out);
    const lib = tr.translate(WORDS, { sample: { topK: 2, temperature: 1.5, seed: 3 } });
    expect(tokensOf(a.out)).toEqual(lib.map((t) => t.tokens));
    const other = await run('--sample', '--top-k', '2', '--temperature', '1.5', '--seed', '4', '--json');
    expect(tokensOf(other.out)).not.toEqual(tokensOf(a.out));
    const greedy = await run('--beam', '1', '--json');
    expect(tokensOf(a.out)).not.toEqual(tokensOf(greedy.out));
  });

  it('--top-k 1 and a tiny --temperature print the greedy translations', async () => {
    const greedy = await run('--beam', '1');
    expect(greedy.error).toBeNull();
    expect(greedy.out.trim().split('\n').length).toBe(WORDS.length);
    for (const flags of [['--top-k', '1', '--temperature', '4'], ['--temperature', '1e-6'], ['--top-k', '3', '--temperature', '1e-6']]) {
      const s = await run('--sample', ...flags, '--seed', '9');
      expect(s.error, flags.join(' ')).toBeNull();
      expect(s.out, flags.join(' ')).toBe(greedy.out);
    }
  });

  it('rejects bad values, and --top-k / --temperature without --sample', async () => {
    const cases: [string[], RegExp][] = [
      [['--sample', '--top-k', '-1'], /--top-k must be ≥ 0/],
      [['--sample', '--temperature', '0'], /--temperature must be > 0/],
      [['--sample', '--top-k', '1.5'], /--top-k/],
      [['--top-k', '5'], /--top-k and --temperature apply only with --sample/],
      [['--temperature', '0.5'], /--top-k and --temperature apply only with --sample/],
    ];
    for (const [flags, re] of cases) {
      const r = await run(...flags);
      expect(r.error, flags.join(' ')).not.toBeNull();
      expect(r.error!.message).toMatch(re);
    }
  });
});
