/**
 * CTC: PyTorch golden fixtures (tools/golden/ctc.py, nn.CTCLoss of torch 1.13), Float64 gradient
 * checks of the kernel, the Loss object (validation, masks, fit), and the decoders against brute force.
 */
import { describe, expect, it } from 'vitest';
import { arena, Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/rng.js';
import { Var, backward, backwardFrom, recording } from '../../src/autograd/tape.js';
import { ctcLoss } from '../../src/autograd/ctc_op.js';
import type { CtcReduction } from '../../src/autograd/ctc_op.js';
import { ctcAlphaSize, ctcBackward, ctcBackwardWorkSize, ctcForward } from '../../src/kernels/ref/ctc.js';
import { CTCLoss, ctcBeamSearch, ctcGreedyDecode } from '../../src/nn/ctc.js';
import { Dense } from '../../src/nn/layers.js';
import { GRU } from '../../src/nn/recurrent.js';
import { Sequential } from '../../src/train/model.js';
import { Adam } from '../../src/nn/optimizers.js';
import { GRADCHECK_TOL, expectClose, numericGrad } from '../util/gradcheck.js';
import { expectAllClose, listGolden, loadGolden } from '../util/golden.js';

interface CtcGoldenConfig {
  B: number;
  T: number;
  C: number;
  S: number;
  blank: number;
  reduction: CtcReduction;
  zero_infinity: boolean;
}

describe('CTC vs PyTorch nn.CTCLoss (tools/golden/ctc.py)', () => {
  const cases = listGolden('ctc_');
  it('has the fixtures', () => expect(cases.length).toBeGreaterThanOrEqual(7));
  for (const name of cases) {
    it(name, () => {
      const g = loadGolden<CtcGoldenConfig>(name);
      const { B, T, C, S, blank, reduction, zero_infinity } = g.config;
      const m = arena.mark();
      try {
        const x = new Var(Tensor.from(g.input('logits').data, [B, T, C]), true);
        const targets = g.inputInt('targets').data.map((v) => Math.max(v, 0));
        const il = g.inputInt('input_lengths').data;
        const tl = g.inputInt('target_lengths').data;
        const loss = recording(() => ctcLoss(x, targets, S, il, tl, { blank, reduction, zeroInfinity: zero_infinity }));
        expectAllClose(loss.data, g.output('loss'), { rtol: 1e-5, atol: 1e-5 }, `${name} loss`);
        if (reduction === 'none') backwardFrom([loss], [Tensor.from(g.input('r').data, [B])]);
        else backward(loss);
        expectAllClose(x.grad!.data, g.grad('logits'), { rtol: 1e-4, atol: 1e-6 }, `${name} dlogits`);
      } finally {
        arena.release(m);
      }
    });
  }
});

/** Float64 kernel run: Σ_b w_b·nll_b and its gradient. */
function kernelLoss(logits: Float64Array, a: { B: number; T: number; C: number; S: number; blank: number; targets: Int32Array; inputLengths: Int32Array; targetLengths: Int32Array }, w: number[]) {
  const { B, T, C, S } = a;
  const logProbs = new Float64Array(B * T * C);
  const alpha = new Float64Array(ctcAlphaSize(B, T, S));
  const nll = new Float64Array(B);
  ctcForward({ ...a, logits, logProbs, alpha, nll });
  const value = nll.reduce((s, v, b) => s + w[b]! * v, 0);
  const grad = (): Float64Array => {
    const d = new Float64Array(B * T * C).fill(7); // overwritten (=)
    ctcBackward({ ...a, logits, logProbs, alpha, nll, dnll: w, dlogits: d, work: new Float64Array(ctcBackwardWorkSize(T, C, S)) });
    return d;
  };
  return { value, nll, grad };
}

describe('CTC kernel gradient check (Float64, central differences)', () => {
  const rng = new Rng(3);
  const setups = [
    { name: 'repeats and lengths', B: 3, T: 7, C: 4, S: 3, blank: 0, targets: [1, 1, 2, 3, -1, -1, 2, 2, 2], inputLengths: [7, 4, 7] },
    { name: 'empty target, blank in the middle', B: 2, T: 5, C: 3, S: 2, blank: 1, targets: [-1, -1, 0, 2], inputLengths: [5, 3] },
    { name: 'single frame', B: 1, T: 1, C: 3, S: 1, blank: 0, targets: [2], inputLengths: [1] },
  ];
  for (const s of setups) {
    it(s.name, () => {
      const { B, T, C, S, blank } = s;
      const targets = Int32Array.from(s.targets, (v) => Math.max(v, 0));
      const targetLengths = Int32Array.from({ length: B }, (_, b) => s.targets.slice(b * S, (b + 1) * S).filter((v) => v >= 0).length);
      const a = { B, T, C, S, blank, targets, inputLengths: Int32Array.from(s.inputLengths), targetLengths };
      const logits = Float64Array.from({ length: B * T * C }, () => 2 * rng.normal());
      const w = Array.from({ length: B }, (_, b) => 0.5 + b);
      const analytic = kernelLoss(logits, a, w).grad();
      const numeric = numericGrad(() => kernelLoss(logits, a, w).value, logits);
      expectClose(analytic, numeric, GRADCHECK_TOL, `${s.name} dlogits`);
    });
  }

  it('nll equals −log of the brute-force sum over alignments', () => {
    const B = 1;
    const T = 5;
    const C = 3;
    const logits = Float64Array.from({ length: T * C }, () => rng.normal());
    const target = [1, 1];
    const { nll } = kernelLoss(logits, { B, T, C, S: 2, blank: 0, targets: Int32Array.from(target), inputLengths: Int32Array.of(T), targetLengths: Int32Array.of(2) }, [1]);
    const probs = brute(logSoftmax(logits, T, C), T, C, 0);
    expect(nll[0]).toBeCloseTo(-Math.log(probs.get(target.join(',')) ?? 0), 12);
  });

  it('impossible rows: +∞ loss and zero gradient (zeroInfinity: 0 loss)', () => {
    const m = arena.mark();
    try {
      const mk = () => new Var(Tensor.from(Float64Array.from({ length: 2 * 3 * 3 }, (_, i) => Math.sin(i)), [2, 3, 3], 'float64'), true);
      const targets = Int32Array.of(1, 1, 1, 2, 0, 0);
      const il = Int32Array.of(3, 3);
      const tl = Int32Array.of(3, 1); // "1 1 1" needs 5 frames
      const x = mk();
      const l = recording(() => ctcLoss(x, targets, 3, il, tl, { blank: 0, reduction: 'none', zeroInfinity: false }));
      expect(l.data[0]).toBe(Infinity);
      expect(Number.isFinite(l.data[1]!)).toBe(true);
      const x2 = mk();
      const l2 = recording(() => ctcLoss(x2, targets, 3, il, tl, { blank: 0, reduction: 'mean', zeroInfinity: true }));
      expect(l2.data[0]).toBeCloseTo(l.data[1]! / 2, 12);
      backward(l2);
      expect(Array.from(x2.grad!.data.subarray(0, 9)).every((v) => v === 0)).toBe(true);
      expect(Array.from(x2.grad!.data.subarray(9)).some((v) => v !== 0)).toBe(true);
    } finally {
      arena.release(m);
    }
  });
});

describe('CTCLoss (Loss object)', () => {
  it('validates targets with the position and the rule broken', () => {
    const loss = new CTCLoss();
    const t = (rows: number[][]) => ({ data: Float32Array.from(rows.flat()), shape: [rows.length, rows[0]!.length] });
    expect(() => loss.validate([null, null, 5], t([[1, 2, -1]]), 'y')).not.toThrow();
    expect(() => loss.validate([null, null, 5], t([[1, 0, -1]]), 'y')).toThrow('ctc: y[0][1] is the blank (0); targets must not contain the blank');
    expect(() => loss.validate([null, null, 5], t([[1, -1, 2]]), 'y')).toThrow('ctc: y[0][2] = 2 follows padding (-1)');
    expect(() => loss.validate([null, null, 5], t([[7, -1, -1]]), 'y')).toThrow('ctc: y[0][0] = 7 is not a class id in [0, 5)');
    expect(() => loss.validate([null, 5], t([[1]]), 'y')).toThrow(/expected predictions \(batch, time, classes\)/);
    expect(() => new CTCLoss({ blank: -1 })).toThrow(/blank must be a non-negative integer/);
  });

  it('takes input lengths from the time mask', () => {
    const m = arena.mark();
    try {
      const B = 2;
      const T = 6;
      const C = 4;
      const data = Float32Array.from({ length: B * T * C }, (_, i) => Math.cos(i * 0.7));
      const y = Float32Array.of(1, 2, 3, -1);
      const masked = new Var(Tensor.from(data, [B, T, C]), false);
      masked.mask = Uint8Array.of(1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1);
      const viaMask = new CTCLoss({ reduction: 'sum' }).compute(masked, y)!.data[0]!;
      const direct = ctcLoss(new Var(Tensor.from(data, [B, T, C]), false), Int32Array.of(1, 2, 3, 0), 2, Int32Array.of(4, 6), Int32Array.of(2, 1), { blank: 0, reduction: 'sum', zeroInfinity: false }).data[0]!;
      expect(viaMask).toBeCloseTo(direct, 5);
    } finally {
      arena.release(m);
    }
  });

  it('trains a tiny GRU with model.fit to emit a label sequence', async () => {
    // Inputs: one-hot pulses of the label at frames 1 and 4 in 6 frames; targets the two labels.
    const N = 24;
    const T = 6;
    const x: number[][][] = [];
    const y: number[][] = [];
    const rng = new Rng(5);
    for (let n = 0; n < N; n++) {
      const a = 1 + Math.floor(rng.uniform() * 3);
      const b = 1 + Math.floor(rng.uniform() * 3);
      const seq = Array.from({ length: T }, () => [0, 0, 0, 0]);
      seq[1]![a] = 1;
      seq[4]![b] = 1;
      x.push(seq);
      y.push([a, b]);
    }
    const model = new Sequential([new GRU({ units: 16, returnSequences: true, inputShape: [null, 4] }), new Dense({ units: 4 })], { seed: 1 });
    const h = await model.fit(x, y, { loss: new CTCLoss(), optimizer: new Adam({ lr: 0.03 }), epochs: 40, batchSize: 8, verbose: 0 });
    const losses = h.history.loss!;
    expect(losses[losses.length - 1]!).toBeLessThan(0.25 * losses[0]!);
    const out = model.predictArrays(x).at(0)!;
    let right = 0;
    for (let n = 0; n < N; n++) if (ctcGreedyDecode(out.data, T, 4, 0, n * T * 4).join(',') === y[n]!.join(',')) right++;
    expect(right).toBeGreaterThanOrEqual(N - 2);
  });
});

function logSoftmax(x: ArrayLike<number>, T: number, C: number): Float64Array {
  const out = new Float64Array(T * C);
  for (let t = 0; t < T; t++) {
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(x[t * C + c]!);
    for (let c = 0; c < C; c++) out[t * C + c] = x[t * C + c]! - Math.log(z);
  }
  return out;
}

/** P(labelling) for every labelling, by enumerating all C^T paths. */
function brute(lp: Float64Array, T: number, C: number, blank: number): Map<string, number> {
  const probs = new Map<string, number>();
  const path = new Array<number>(T).fill(0);
  for (let k = 0; k < C ** T; k++) {
    let r = k;
    let logp = 0;
    for (let t = 0; t < T; t++) {
      path[t] = r % C;
      r = Math.floor(r / C);
      logp += lp[t * C + path[t]!]!;
    }
    const lab: number[] = [];
    path.forEach((c, t) => {
      if (c !== blank && (t === 0 || path[t - 1] !== c)) lab.push(c);
    });
    const key = lab.join(',');
    probs.set(key, (probs.get(key) ?? 0) + Math.exp(logp));
  }
  return probs;
}

describe('CTC decoding', () => {
  it('greedy: merge repeats, drop blanks', () => {
    const C = 4;
    const frames = [3, 3, 0, 1, 0, 1, 1, 2, 0, 0]; // argmax per frame
    const scores = new Float32Array(frames.length * C);
    frames.forEach((c, t) => (scores[t * C + c] = 5));
    expect(ctcGreedyDecode(scores, frames.length, C)).toEqual([3, 1, 1, 2]);
    expect(ctcGreedyDecode(scores, 3, C)).toEqual([3]);
  });

  it('prefix beam search is exact against brute force with a wide beam, and close with a narrow one', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 30; trial++) {
      const T = 2 + (trial % 4);
      const C = 2 + (trial % 3);
      const blank = trial % C;
      const x = Float64Array.from({ length: T * C }, () => 1.5 * rng.normal());
      const probs = brute(logSoftmax(x, T, C), T, C, blank);
      const ranked = [...probs.entries()].sort((a, b) => b[1] - a[1]);
      const hyps = ctcBeamSearch(x, T, C, { beamWidth: 10_000, blank, topK: 3 });
      for (let k = 0; k < Math.min(3, ranked.length); k++) {
        expect(Math.exp(hyps[k]!.logProb)).toBeCloseTo(ranked[k]![1], 10);
        expect(probs.get(hyps[k]!.tokens.join(','))).toBeCloseTo(ranked[k]![1], 10);
      }
      // A narrow beam returns a real labelling with its probability no larger than the exact one.
      const [narrow] = ctcBeamSearch(x, T, C, { beamWidth: 2, blank });
      expect(Math.exp(narrow!.logProb)).toBeLessThanOrEqual((probs.get(narrow!.tokens.join(',')) ?? 0) + 1e-12);
    }
  });

  it('beam search finds the labelling greedy misses', () => {
    // Two frames, classes {blank, a}: P(_ _) = 0.36 is the best path, but P("a") = 0.64.
    const p = [
      [0.6, 0.4],
      [0.6, 0.4],
    ];
    const lp = Float64Array.from(p.flat(), Math.log);
    expect(ctcGreedyDecode(lp, 2, 2)).toEqual([]);
    const [best] = ctcBeamSearch(lp, 2, 2, { beamWidth: 4 });
    expect(best!.tokens).toEqual([1]);
    expect(Math.exp(best!.logProb)).toBeCloseTo(0.64, 12);
  });
});
