import { describe, expect, it } from 'vitest';
import { beamSearch, greedyDecode, lengthPenaltyOf, sampleDecode, sequenceLogProb } from '../../src/apps/seq2seq/decode.js';
import type { LengthPenalty } from '../../src/apps/seq2seq/decode.js';
import { Seq2SeqModel } from '../../src/apps/seq2seq/model.js';
import type { Seq2SeqOptions } from '../../src/apps/seq2seq/model.js';

// Decoding with randomly initialised models: beam search against brute-force enumeration of every
// target sequence, greedy = beam 1, batching invariance, sampling determinism and top-k.

// Target vocabulary: <pad> 0, <unk> 1, <sos> 2, <eos> 3, and two tokens 4, 5. The decoder may
// emit 4 of the 6 ids (<unk>, <eos>, 4, 5), so with maxLength 4 there are 1 + 3 + 9 + 27 finished
// and 81 unfinished sequences; beamSize 4^4 = 256 keeps every prefix alive.
const OPTS: Seq2SeqOptions = { srcVocabSize: 8, tgtVocabSize: 6, embeddingDim: 6, units: 5, decoderUnits: 7, attentionUnits: 4, initializer: 'pytorch' };
const EMIT = [1, 4, 5];
const SOURCES = [[4, 5, 6], [7], [6, 6, 5, 4, 7], []];

interface Scored {
  tokens: number[];
  finished: boolean;
  logProb: number;
}

/** Every sequence of at most `maxLen` tokens: w <eos> with |w| < maxLen, and w with |w| = maxLen. */
function allSequences(model: Seq2SeqModel, source: number[], maxLen: number): Scored[] {
  const out: Scored[] = [];
  const rec = (w: number[]): void => {
    if (w.length === maxLen) {
      out.push({ tokens: w, finished: false, logProb: sequenceLogProb(model, source, w) });
      return;
    }
    out.push({ tokens: w, finished: true, logProb: sequenceLogProb(model, source, w, { finished: true }) });
    for (const t of EMIT) rec([...w, t]);
  };
  rec([]);
  return out;
}

function rank(all: Scored[], kind: LengthPenalty, alpha: number): (Scored & { score: number })[] {
  return all
    .map((s) => ({ ...s, score: s.logProb / lengthPenaltyOf(kind, alpha, s.tokens.length + (s.finished ? 1 : 0)) }))
    .sort((a, b) => b.score - a.score);
}

describe('beam search = brute force on a tiny vocabulary', () => {
  const cases: [string, Partial<Seq2SeqOptions>, LengthPenalty, number][] = [
    ['bi-LSTM, bahdanau, input feeding; gnmt α 0.6', { seed: 1 }, 'gnmt', 0.6],
    ['bi-GRU → GRU, luong-general; average α 1', { seed: 2, cell: 'gru', attention: 'luong-general' }, 'average', 1],
    ['LSTM, no attention, 2 layers; no normalisation', { seed: 3, bidirectional: false, attention: 'none', decoderLayers: 2, encoderLayers: 2 }, 'none', 1],
  ];
  for (const [name, o, lp, alpha] of cases)
    it(name, () => {
      const model = new Seq2SeqModel({ ...OPTS, ...o });
      const maxLength = 4;
      const beams = beamSearch(model, SOURCES, { beamSize: 256, maxLength, lengthPenalty: lp, alpha, nBest: 5, batchSize: 3 });
      SOURCES.forEach((src, i) => {
        const all = allSequences(model, src, maxLength);
        expect(all.length).toBe(1 + 3 + 9 + 27 + 81);
        const want = rank(all, lp, alpha);
        const got = beams[i]!;
        expect(got.length).toBe(5);
        for (let k = 0; k < 5; k++) {
          expect(got[k]!.tokens, `source ${i}, rank ${k}`).toEqual(want[k]!.tokens);
          expect(got[k]!.finished).toBe(want[k]!.finished);
          expect(Math.abs(got[k]!.logProb - want[k]!.logProb)).toBeLessThan(1e-4);
          expect(Math.abs(got[k]!.score - want[k]!.score)).toBeLessThan(1e-4);
        }
      });
    });

  it('a narrow beam finds a sequence at least as likely as greedy, and only legal tokens', () => {
    const model = new Seq2SeqModel({ ...OPTS, seed: 4 });
    const g = greedyDecode(model, SOURCES, { maxLength: 6 });
    const b = beamSearch(model, SOURCES, { beamSize: 3, maxLength: 6, lengthPenalty: 'none' });
    SOURCES.forEach((_, i) => {
      expect(b[i]![0]!.logProb).toBeGreaterThanOrEqual(g[i]!.logProb - 1e-6);
      for (const t of b[i]![0]!.tokens) expect(EMIT).toContain(t);
    });
  });
});

describe('greedy decoding', () => {
  for (const [name, o] of [
    ['bahdanau + input feeding', { seed: 5 }],
    ['luong-dot, GRU', { seed: 6, cell: 'gru', bidirectional: false, units: 7, attention: 'luong-dot' }],
  ] as [string, Partial<Seq2SeqOptions>][])
    it(`${name}: greedy = beam 1 (tokens and log-probabilities), for any batch size`, () => {
      const model = new Seq2SeqModel({ ...OPTS, ...o });
      const g = greedyDecode(model, SOURCES, { maxLength: 8 });
      const g1 = greedyDecode(model, SOURCES, { maxLength: 8, batchSize: 1 });
      const b = beamSearch(model, SOURCES, { beamSize: 1, maxLength: 8, batchSize: 2 });
      SOURCES.forEach((src, i) => {
        expect(g1[i]!.tokens).toEqual(g[i]!.tokens);
        expect(b[i]![0]!.tokens).toEqual(g[i]!.tokens);
        expect(b[i]![0]!.finished).toBe(g[i]!.finished);
        expect(Math.abs(b[i]![0]!.logProb - g[i]!.logProb)).toBeLessThan(1e-9);
        expect(Math.abs(sequenceLogProb(model, src, g[i]!.tokens, { finished: g[i]!.finished }) - g[i]!.logProb)).toBeLessThan(1e-4);
        expect(g[i]!.tokens.length).toBeLessThanOrEqual(8);
      });
    });

  it('returns the attention of every step over the source and its <eos>', () => {
    const model = new Seq2SeqModel({ ...OPTS, seed: 7 });
    const [h] = greedyDecode(model, [[4, 5, 6]], { maxLength: 5, returnAttention: true });
    expect(h!.attention!.length).toBe(h!.tokens.length + (h!.finished ? 1 : 0));
    for (const a of h!.attention!) {
      expect(a.length).toBe(4);
      expect(Math.abs(a.reduce((x, y) => x + y, 0) - 1)).toBeLessThan(1e-5);
    }
    const [beam] = beamSearch(model, [[4, 5, 6]], { beamSize: 2, maxLength: 5, returnAttention: true });
    expect(beam![0]!.attention!.length).toBe(beam![0]!.tokens.length + (beam![0]!.finished ? 1 : 0));
  });

  it('respects maxLength as a function of the source length, and noUnk', () => {
    const model = new Seq2SeqModel({ ...OPTS, seed: 8 });
    const hs = greedyDecode(model, SOURCES, { maxLength: (n) => n + 1, noUnk: true });
    hs.forEach((h, i) => {
      expect(h.tokens.length + (h.finished ? 1 : 0)).toBeLessThanOrEqual(SOURCES[i]!.length + 1);
      expect(h.tokens).not.toContain(1);
    });
    expect(() => greedyDecode(model, SOURCES, { maxLength: 0 })).toThrow(/maxLength must be a positive integer/);
    expect(() => beamSearch(model, SOURCES, { beamSize: 2, nBest: 3 })).toThrow(/nBest must be an integer in \[1, beamSize 2\]/);
  });
});

describe('sampling', () => {
  it('is deterministic per seed, honours topK, and temperature → 0 approaches greedy', () => {
    const model = new Seq2SeqModel({ ...OPTS, seed: 9 });
    const src = Array.from({ length: 12 }, () => [4, 5, 6]);
    const a = sampleDecode(model, src, { seed: 1, maxLength: 6 });
    const b = sampleDecode(model, src, { seed: 1, maxLength: 6 });
    const c = sampleDecode(model, src, { seed: 2, maxLength: 6 });
    expect(a.map((h) => h.tokens)).toEqual(b.map((h) => h.tokens));
    expect(a.map((h) => h.tokens)).not.toEqual(c.map((h) => h.tokens));
    const top1 = sampleDecode(model, src, { seed: 3, topK: 1, maxLength: 6 });
    const greedy = greedyDecode(model, [[4, 5, 6]], { maxLength: 6 })[0]!;
    for (const h of top1) expect(h.tokens).toEqual(greedy.tokens);
    const cold = sampleDecode(model, src.slice(0, 3), { seed: 4, temperature: 1e-4, maxLength: 6 });
    for (const h of cold) expect(h.tokens).toEqual(greedy.tokens);
    expect(() => sampleDecode(model, src, { temperature: 0 })).toThrow(/temperature must be > 0/);
  });
});
