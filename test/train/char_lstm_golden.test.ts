/**
 * End-to-end check of `fit` against PyTorch: the 2-layer char-LSTM of tools/golden/char_lstm.py
 * (Embedding(20, 8) → LSTM(8, 16, num_layers=2) → Linear(16, 20), CrossEntropyLoss, Adam lr 0.01)
 * trained 10 full-batch steps from PyTorch's initial parameters.
 */
import { describe, expect, it } from 'vitest';
import { Dense, Embedding } from '../../src/nn/layers.js';
import { Adam } from '../../src/nn/optimizers.js';
import { LSTM } from '../../src/nn/recurrent.js';
import { Sequential } from '../../src/train/model.js';
import { expectAllClose, loadGolden } from '../util/golden.js';
import type { CharLstmGoldenConfig } from '../util/golden.js';

describe('char-LSTM trained with fit matches PyTorch (char_lstm_adam)', () => {
  it('reproduces the 10 Adam losses to 1e-4 and the final parameters', async () => {
    const g = loadGolden<CharLstmGoldenConfig>('char_lstm_adam');
    const { vocab_size: V, embed_dim: E, hidden_size: H, num_layers: L, batch_size: B, seq_len: T, steps } = g.config;
    const model = new Sequential([
      new Embedding({ inputDim: V, outputDim: E, name: 'embed' }),
      new LSTM({ units: H, numLayers: L, returnSequences: true, name: 'lstm' }),
      new Dense({ units: V, name: 'fc' }),
    ]);
    model.build([[null, T]]);
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toEqual(g.paramNames());
    const sd: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const n of g.paramNames()) sd[n] = g.param(n);
    model.loadStateDict(sd);

    const ids = g.inputInt('ids');
    const targets = g.inputInt('targets');
    expect(ids.shape).toEqual([B, T]);
    const h = await model.fit({ data: ids.data, shape: ids.shape }, { data: targets.data, shape: targets.shape }, {
      loss: 'crossEntropy',
      optimizer: new Adam({ lr: g.config.hyper.lr }),
      epochs: steps,
      batchSize: B,
      shuffle: false,
      verbose: 0,
    });
    expect(h.stopReason).toBeNull();
    expect(h.epochs).toEqual([...Array(steps).keys()]);
    const ours = h.history.loss!;
    expect(ours).toHaveLength(steps);
    // The requirement: every per-epoch loss within 1e-4 of PyTorch's (absolute).
    expectAllClose(ours, g.losses(), { atol: 1e-4, rtol: 0 }, 'history.loss vs torch');
    expect(ours[0]).toBeCloseTo(g.loss, 5);

    // Final parameters, atol 1e-5 + rtol 1e-5. Both sides compute in float32 and differ only in
    // summation order (GEMMs, BPTT reductions over T and B): a few ulp per op. Ten Adam steps
    // compound that; measured worst |diff| is ~1.5e-6 (on |w| ≤ 3.2, lstm.weight_ih_l1), i.e.
    // ~1e-5 relative ≈ 100 ulp. Adam moves each element by up to ~lr = 1e-2 per step, so any
    // real error (a skipped or doubled step, a wrong bias-correction, a wrong gradient) shows up
    // as ≥ 1e-3 and is caught with two orders of magnitude to spare.
    const final = model.stateDict();
    for (const n of g.paramNames()) expectAllClose(final[n]!.data, g.paramFinal(n), { atol: 1e-5, rtol: 1e-5 }, `final ${n}`);
  });
});
