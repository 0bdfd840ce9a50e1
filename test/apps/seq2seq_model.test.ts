import { describe, expect, it } from 'vitest';
import { Var, backward, recording } from '../../src/autograd/tape.js';
import { Seq2SeqModel } from '../../src/apps/seq2seq/model.js';
import type { Seq2SeqOptions } from '../../src/apps/seq2seq/model.js';
import { CrossEntropy } from '../../src/nn/losses.js';
import { Adam } from '../../src/nn/optimizers.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, withArena } from '../../src/tensor/tensor.js';
import { GRADCHECK_TOL, expectClose, numericGrad } from '../util/gradcheck.js';

// The seq2seq model on tiny configurations: shapes, masking (padding never changes a result),
// the fused teacher-forcing path vs the step loop, and a Float64 central-difference check of every
// parameter gradient through the whole model (encoder, bridge, attention, input feeding).
// PyTorch golden tests are in seq2seq_golden.test.ts.

const EVAL = { training: false, rng: new Rng(0) };
const TINY: Seq2SeqOptions = { srcVocabSize: 9, tgtVocabSize: 8, embeddingDim: 5, units: 4, decoderUnits: 6, attentionUnits: 3, seed: 3 };

function ids(model: Seq2SeqModel, data: Float32Array, shape: [number, number]): Var {
  return new Var(Tensor.from(data, shape, model.config.dtype), false);
}

/** Teacher-forced logits (B, T, V) as a plain array. */
function logitsOf(model: Seq2SeqModel, src: number[][], tgt: number[][], extraSrcPad = 0): { data: Float64Array; T: number } {
  return withArena(() => {
    const s = model.sourceBatch(src);
    let sd = s.data;
    let S = s.shape[1];
    if (extraSrcPad) {
      // The same batch with more padding columns.
      const S2 = S + extraSrcPad;
      const d2 = new Float32Array(src.length * S2);
      for (let b = 0; b < src.length; b++) d2.set(sd.subarray(b * S, (b + 1) * S), b * S2);
      sd = d2;
      S = S2;
    }
    const t = model.targetBatch(tgt);
    const { logits } = model.forward(ids(model, sd, [src.length, S]), ids(model, t.input, t.shape), EVAL);
    return { data: Float64Array.from(logits.data), T: t.shape[1] };
  });
}

const SRC = [
  [4, 5, 6, 7, 8],
  [6, 4],
  [8, 8, 5],
];
const TGT = [[5, 6, 7], [4], [7, 6, 5, 4, 5]];

const CONFIGS: [string, Partial<Seq2SeqOptions>][] = [
  ['bi-LSTM → LSTM, bahdanau, input feeding', {}],
  ['bi-GRU → LSTM, luong-general, no feeding', { encoderCell: 'gru', decoderCell: 'lstm', attention: 'luong-general', inputFeeding: false }],
  ['LSTM → LSTM copy bridge, luong-dot', { bidirectional: false, units: 6, attention: 'luong-dot', bridge: 'copy' }],
  ['2-layer bi-GRU → 2-layer GRU, none', { cell: 'gru', encoderLayers: 2, decoderLayers: 2, attention: 'none' }],
  ['tied embeddings', { tgtEmbeddingDim: 6, tieEmbeddings: true, encoderLayers: 2, decoderLayers: 1 }],
];

describe('Seq2SeqModel: shapes and parameters', () => {
  it('names parameters like PyTorch state_dict entries', () => {
    const m = new Seq2SeqModel(TINY);
    expect(m.namedParameters().map(([n, p]) => `${n} ${p.shape.join('x')}`)).toEqual([
      'src_embed.weight 9x5',
      'encoder.weight_ih_l0 16x5',
      'encoder.weight_hh_l0 16x4',
      'encoder.bias_ih_l0 16',
      'encoder.bias_hh_l0 16',
      'encoder.weight_ih_l0_reverse 16x5',
      'encoder.weight_hh_l0_reverse 16x4',
      'encoder.bias_ih_l0_reverse 16',
      'encoder.bias_hh_l0_reverse 16',
      'bridge_h.weight 6x8',
      'bridge_h.bias 6',
      'bridge_c.weight 6x8',
      'bridge_c.bias 6',
      'tgt_embed.weight 8x5',
      'decoder.weight_ih_l0 24x11',
      'decoder.weight_hh_l0 24x6',
      'decoder.bias_ih_l0 24',
      'decoder.bias_hh_l0 24',
      'attention.query_proj.weight 3x6',
      'attention.key_proj.weight 3x8',
      'attention.v.weight 1x3',
      'attn_out.weight 6x14',
      'generator.weight 8x6',
      'generator.bias 8',
    ]);
    const tied = new Seq2SeqModel({ ...TINY, tgtEmbeddingDim: 6, tieEmbeddings: true });
    const names = tied.namedParameters().map(([n]) => n);
    expect(names).toContain('tgt_embed.weight');
    expect(names).not.toContain('generator.weight');
    expect(names).toContain('generator.bias');
  });

  for (const [name, o] of CONFIGS)
    it(`${name}: logits (B, T, V), finite`, () => {
      const m = new Seq2SeqModel({ ...TINY, ...o });
      const { data, T } = logitsOf(m, SRC, TGT);
      expect(T).toBe(6);
      expect(data.length).toBe(3 * 6 * 8);
      expect(data.every(Number.isFinite)).toBe(true);
    });

  it('validates options and ids with clear messages', () => {
    expect(() => new Seq2SeqModel({ ...TINY, attention: 'luong-dot' })).toThrow(/luong-dot attention needs decoderUnits = encoder output size 8/);
    expect(() => new Seq2SeqModel({ ...TINY, tieEmbeddings: true })).toThrow(/tieEmbeddings needs tgtEmbeddingDim = decoderUnits/);
    expect(() => new Seq2SeqModel({ ...TINY, bridge: 'copy' })).toThrow(/bridge 'copy' needs a unidirectional encoder/);
    expect(() => new Seq2SeqModel({ ...TINY, cell: 'rnn' as never })).toThrow(/encoderCell must be one of lstm, gru/);
    const m = new Seq2SeqModel(TINY);
    expect(() => m.sourceBatch([[4, 9]])).toThrow(/source 0 position 1 holds 9; expected an id in \[0, 9\)/);
    expect(() => m.targetBatch([[0]])).toThrow(/holds the padding id 0/);
  });
});

describe('Seq2SeqModel: masking', () => {
  for (const [name, o] of CONFIGS)
    it(`${name}: padding changes nothing (each sentence alone = in a padded batch = with extra padding)`, () => {
      const m = new Seq2SeqModel({ ...TINY, ...o });
      const V = 8;
      const batch = logitsOf(m, SRC, TGT);
      const padded = logitsOf(m, SRC, TGT, 3);
      expect(Array.from(padded.data)).toEqual(Array.from(batch.data));
      SRC.forEach((s, b) => {
        const alone = logitsOf(m, [s], [TGT[b]!]);
        const n = TGT[b]!.length + 1;
        for (let t = 0; t < n; t++)
          for (let v = 0; v < V; v++) {
            const a = alone.data[t * V + v]!;
            const x = batch.data[(b * batch.T + t) * V + v]!;
            expect(Math.abs(a - x), `row ${b} step ${t} class ${v}`).toBeLessThan(1e-5);
          }
      });
    });

  it('the loss ignores target padding: a padded batch gives the token-weighted mean of the sentences', () => {
    const m = new Seq2SeqModel(TINY);
    const lossOf = (src: number[][], tgt: number[][]): number => withArena(() => m.loss(m.sourceBatch(src), m.targetBatch(tgt), EVAL)!.data[0]!);
    const whole = lossOf(SRC, TGT);
    let sum = 0;
    let n = 0;
    SRC.forEach((s, b) => {
      const k = TGT[b]!.length + 1;
      sum += lossOf([s], [TGT[b]!]) * k;
      n += k;
    });
    expect(Math.abs(whole - sum / n)).toBeLessThan(1e-6);
  });
});

describe('Seq2SeqModel: the fused teacher-forcing path equals the step loop', () => {
  it('no input feeding: one recurrent op over T = T decoder steps', () => {
    for (const attention of ['bahdanau', 'luong-general', 'none'] as const) {
      const m = new Seq2SeqModel({ ...TINY, attention, inputFeeding: false, decoderLayers: 2 });
      const fused = logitsOf(m, SRC, TGT);
      const stepwise = withArena(() => {
        const s = m.sourceBatch(SRC);
        const t = m.targetBatch(TGT);
        // returnAttention forces the step loop.
        const r = m.forward(ids(m, s.data, s.shape), ids(m, t.input, t.shape), EVAL, { returnAttention: true });
        return Float64Array.from(r.logits.data);
      });
      for (let i = 0; i < fused.data.length; i++) expect(Math.abs(fused.data[i]! - stepwise[i]!), `${attention} ${i}`).toBeLessThan(1e-5);
    }
  });
});

describe('Seq2SeqModel: Float64 gradient check through the whole model', () => {
  const configs: [string, Partial<Seq2SeqOptions>][] = [
    ['bi-LSTM → LSTM, bahdanau, input feeding, dense bridge', {}],
    ['bi-GRU → LSTM (c0 = 0), luong-general, tied, 2 decoder layers', { encoderCell: 'gru', attention: 'luong-general', tgtEmbeddingDim: 6, tieEmbeddings: true, decoderLayers: 2 }],
    ['GRU → GRU, copy bridge, luong-dot, 2 encoder layers, no feeding', { cell: 'gru', bidirectional: false, units: 6, attention: 'luong-dot', inputFeeding: false, encoderLayers: 2 }],
  ];
  for (const [name, o] of configs)
    it(name, () => {
      const m = new Seq2SeqModel({ ...TINY, ...o, dtype: 'float64', srcVocabSize: 7, tgtVocabSize: 6, embeddingDim: 3, units: o.units ?? 3, attentionUnits: 2, initializer: 'pytorch' });
      const src = [
        [4, 5, 6],
        [6, 4],
      ];
      const tgt = [[5, 4], [4]];
      const sb = m.sourceBatch(src);
      const tb = m.targetBatch(tgt);
      const f = (): number => withArena(() => m.loss(sb, tb, EVAL)!.data[0]!);
      for (const p of m.parameters()) p.zeroGrad();
      withArena(() => backward(recording(() => m.loss(sb, tb, EVAL)!)));
      for (const [pname, p] of m.namedParameters()) {
        const num = numericGrad(f, p.data as Float64Array);
        expectClose(p.grad!.data, num, GRADCHECK_TOL, pname);
      }
    });
});

describe('Seq2SeqModel: as a BaseModel', () => {
  it('trains with the generic fit on [source, decoder input] → target (teacher forcing)', async () => {
    const m = new Seq2SeqModel({ ...TINY, inputFeeding: false });
    const s = m.sourceBatch(SRC);
    const t = m.targetBatch(TGT);
    const x = [
      { data: s.data, shape: s.shape },
      { data: t.input, shape: t.shape },
    ];
    const y = { data: Float32Array.from(t.output), shape: t.shape };
    const h = await m.fit(x, y, { loss: new CrossEntropy({ ignoreIndex: 0 }), epochs: 30, batchSize: 3, verbose: 0, optimizer: new Adam({ lr: 0.02 }) });
    expect(h.history.loss!.at(-1)!).toBeLessThan(h.history.loss![0]! * 0.5);
  });
});
