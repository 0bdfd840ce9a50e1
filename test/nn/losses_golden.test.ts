// Loss values and input gradients vs PyTorch 1.13 (fixtures: tools/golden/losses.py).
import { describe, expect, it } from 'vitest';
import { Tensor, withArena } from '../../src/tensor/tensor.js';
import { Var, backward, recording } from '../../src/autograd/tape.js';
import { BinaryCrossentropy, CrossEntropy, Huber, MeanAbsoluteError, MeanSquaredError } from '../../src/nn/losses.js';
import type { Loss } from '../../src/nn/losses.js';
import { softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from '../../src/kernels/ref/losses.js';
import { expectAllClose, listGolden, loadGolden } from '../util/golden.js';
import type { LossGoldenConfig } from '../util/golden.js';

const TOL = { rtol: 1e-5, atol: 1e-6 };

function lossFor(name: string, cfg: LossGoldenConfig, g: ReturnType<typeof loadGolden<LossGoldenConfig>>): Loss {
  const kw = cfg.kwargs as Record<string, number | string>;
  switch (cfg.loss) {
    case 'CrossEntropyLoss':
      return new CrossEntropy({
        ignoreIndex: (kw.ignore_index as number | undefined) ?? -100,
        labelSmoothing: (kw.label_smoothing as number | undefined) ?? 0,
        ...(cfg.has_weight ? { classWeights: Array.from(g.input('weight').data) } : {}),
      });
    case 'MSELoss':
      return new MeanSquaredError();
    case 'L1Loss':
      return new MeanAbsoluteError();
    case 'HuberLoss':
      return new Huber(kw.delta as number);
    case 'BCELoss':
      return new BinaryCrossentropy();
    case 'BCEWithLogitsLoss':
      return new BinaryCrossentropy({ fromLogits: true, ...(cfg.has_pos_weight ? { posWeight: Array.from(g.input('pos_weight').data) } : {}) });
    default:
      throw new Error(`${name}: no mapping for ${cfg.loss}`);
  }
}

describe('golden: losses vs torch.nn (losses.py)', () => {
  const names = listGolden('loss_');
  it('has fixtures', () => expect(names.length).toBeGreaterThanOrEqual(13));
  for (const name of names) {
    it(name, () => {
      const g = loadGolden<LossGoldenConfig>(name);
      const cfg = g.config;
      const x = g.input('input');
      const isCE = cfg.loss === 'CrossEntropyLoss';
      const target = isCE ? Float32Array.from(g.inputInt('target').data, Number) : g.input('target').data;
      withArena(() => {
        if ((cfg.kwargs as { reduction?: string }).reduction === 'sum') {
          // The Loss classes reduce by the mean (as training needs); 'sum' is a kernel option.
          const [N, C] = x.shape as [number, number];
          const probs = new Float32Array(N * C);
          const targets = Int32Array.from(target);
          const common = { N, C, targets, classWeights: null, labelSmoothing: 0, reduction: 'sum' as const };
          const { loss } = softmaxCrossEntropyForward({ ...common, logits: x.data, probs });
          const d = new Float32Array(N * C);
          softmaxCrossEntropyBackward({ ...common, probs, dloss: 1, dlogits: d });
          expectAllClose([loss], [g.loss], TOL, `${name} loss`);
          expectAllClose(d, g.grad('input').data, TOL, `${name} dinput`);
          return;
        }
        const loss = lossFor(name, cfg, g);
        loss.validate([null, ...x.shape.slice(1)], { data: target, shape: isCE ? [x.shape[0]!] : [...x.shape] }, 'target');
        const xv = new Var(Tensor.from(x.data, x.shape), true);
        const out = recording(() => loss.compute(xv, target))!;
        backward(out);
        expectAllClose(out.data, [g.loss], TOL, `${name} loss`);
        expectAllClose(xv.grad!.data, g.grad('input').data, TOL, `${name} dinput`);
      });
    });
  }
});
