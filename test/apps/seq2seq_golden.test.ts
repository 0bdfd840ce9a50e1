import { describe, expect, it } from 'vitest';
import { Var, backward, recording } from '../../src/autograd/tape.js';
import { softmaxCrossEntropy } from '../../src/autograd/loss_ops.js';
import { Seq2SeqModel } from '../../src/apps/seq2seq/model.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, withArena } from '../../src/tensor/tensor.js';
import { expectAllClose, loadGolden } from '../util/golden.js';

// One teacher-forced training step of a tiny attentional encoder–decoder against PyTorch 1.13:
// loss, logits, the attention weights of every decoder step, and the gradient of every parameter.
// Fixtures made by tools/golden/seq2seq.py (packed bidirectional encoder on a right-padded batch,
// dense bridge, LSTM decoder with input feeding, Bahdanau / Luong-general score, tied output).

interface Seq2SeqGoldenConfig {
  src_vocab: number;
  tgt_vocab: number;
  embedding_dim: number;
  units: number;
  decoder_units: number;
  encoder_cell: 'gru' | 'lstm';
  attention: 'bahdanau' | 'luong-general';
  attention_units: number | null;
  tie_embeddings: boolean;
  seed: number;
}

const TOL = { rtol: 1e-5, atol: 1e-6 };

describe('golden: seq2seq training step vs PyTorch (tools/golden/seq2seq.py)', () => {
  for (const name of ['seq2seq_bigru_bahdanau_feed', 'seq2seq_bilstm_luong_general_tied'])
    it(name, () => {
      const g = loadGolden<Seq2SeqGoldenConfig>(name);
      const c = g.config;
      const model = new Seq2SeqModel({
        srcVocabSize: c.src_vocab,
        tgtVocabSize: c.tgt_vocab,
        embeddingDim: c.embedding_dim,
        units: c.units,
        decoderUnits: c.decoder_units,
        encoderCell: c.encoder_cell,
        decoderCell: 'lstm',
        bidirectional: true,
        attention: c.attention,
        ...(c.attention_units ? { attentionUnits: c.attention_units } : {}),
        inputFeeding: true,
        tieEmbeddings: c.tie_embeddings,
        bridge: 'dense',
      });
      const named = new Map(model.namedParameters());
      expect([...named.keys()].sort()).toEqual(g.paramNames().sort());
      for (const [n, p] of named) {
        const t = g.param(n);
        expect([...p.shape], n).toEqual(t.shape);
        p.data.set(t.data);
        p.zeroGrad();
      }
      const src = g.inputInt('src');
      const tin = g.inputInt('tgt_in');
      const tout = g.inputInt('tgt_out');
      withArena(() => {
        const ctx = { training: true, rng: new Rng(0) };
        const { logits, loss, attention } = recording(() => {
          const r = model.forward(new Var(Tensor.from(src.data, src.shape), false), new Var(Tensor.from(tin.data, tin.shape), false), ctx, { returnAttention: true });
          return { ...r, loss: softmaxCrossEntropy(r.logits, tout.data, { ignoreIndex: 0, classWeights: null, labelSmoothing: 0 })! };
        });
        expect(Math.abs(loss.data[0]! - g.loss)).toBeLessThan(1e-5);
        expectAllClose(logits.data, g.output('logits'), TOL, `${name} logits`);
        // PyTorch stacks α as (B, T, S); ours is one (B, S) per step.
        const [B, T, S] = g.output('attention').shape as [number, number, number];
        const alpha = new Float32Array(B * T * S);
        attention!.forEach((a, t) => {
          for (let b = 0; b < B; b++) alpha.set(a.data.subarray(b * S, (b + 1) * S), (b * T + t) * S);
        });
        expectAllClose(alpha, g.output('attention'), TOL, `${name} attention`);
        backward(loss);
      });
      for (const [n, p] of named) expectAllClose(p.grad!.data, g.grad(n), TOL, `${name} dL/d${n}`);
      // The same step through model.loss (the trainer's entry) gives the same loss.
      withArena(() => {
        const l = model.loss({ data: Float32Array.from(src.data), shape: src.shape as [number, number] }, { input: Float32Array.from(tin.data), output: tout.data, shape: tin.shape as [number, number] }, { training: false, rng: new Rng(0) });
        expect(Math.abs(l!.data[0]! - g.loss)).toBeLessThan(1e-5);
      });
    });
});
