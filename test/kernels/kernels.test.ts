/**
 * Reference kernels outside the recurrences: dense, elementwise (activations, dropout), embedding,
 * losses, optimizers.
 *
 * Every backward is checked against central differences in Float64 (torch.autograd.gradcheck's eps
 * and tolerances). Input gradients are pre-filled with NaN to prove they are overwritten (`=`);
 * parameter gradients are pre-filled with values to prove they accumulate (`+=`). Forward values and
 * optimizer trajectories are also compared with PyTorch 1.13 (the Python is pasted above each test).
 */
import { describe, expect, it } from 'vitest';
import { denseBackward, denseForward } from '../../src/kernels/ref/dense.js';
import {
  type Activation,
  activationBackward,
  activationForward,
  add,
  addBackward,
  dropoutApply,
  dropoutBackward,
  dropoutMask,
  dropoutTimeFixed,
  dropoutTimeFixedBackward,
  erf,
  mul,
  mulBackward,
  scale,
} from '../../src/kernels/ref/elementwise.js';
import { embeddingBackward, embeddingForward } from '../../src/kernels/ref/embedding.js';
import {
  type CrossEntropyReduction,
  type Reduction,
  bceBackward,
  bceForward,
  bceWithLogitsBackward,
  bceWithLogitsForward,
  huberBackward,
  huberForward,
  maeBackward,
  maeForward,
  mseBackward,
  mseForward,
  softmaxCrossEntropyBackward,
  softmaxCrossEntropyForward,
} from '../../src/kernels/ref/losses.js';
import {
  adagradStep,
  adamStep,
  clipByValue,
  rmspropStep,
  sgdStep,
  sumSquares,
} from '../../src/kernels/ref/optim.js';
import { Rng } from '../../src/tensor/rng.js';
import { GRADCHECK_TOL, expectClose, numericGrad } from '../util/gradcheck.js';

const EXACT = { atol: 1e-12, rtol: 1e-12 };
const GOLDEN = { atol: 1e-12, rtol: 1e-10 };

function uniform(rng: Rng, n: number, lo = -1, hi = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

/** Uniform in ±[gap, hi]: keeps finite differences away from kinks at 0. */
function awayFromZero(rng: Rng, n: number, gap: number, hi: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(gap, hi);
  return a;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function nans(n: number): Float64Array {
  return new Float64Array(n).fill(NaN);
}

function minus(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v - b[i]!);
}

describe('dense', () => {
  const N = 3;
  const I = 4;
  const O = 5;

  it('forward is x·wᵀ + b', () => {
    const rng = new Rng(1);
    const x = uniform(rng, N * I);
    const w = uniform(rng, O * I);
    const b = uniform(rng, O);
    const y = nans(N * O);
    denseForward({ N, I, O, x, w, b, y });
    const expected = new Float64Array(N * O);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < O; o++) {
        let s = b[o]!;
        for (let i = 0; i < I; i++) s += x[n * I + i]! * w[o * I + i]!;
        expected[n * O + o] = s;
      }
    expectClose(y, expected, EXACT, 'y');
  });

  it('dx (=), dw and db (+=) match finite differences', () => {
    const rng = new Rng(2);
    const x = uniform(rng, N * I);
    const w = uniform(rng, O * I);
    const b = uniform(rng, O);
    const r = uniform(rng, N * O);
    const y = new Float64Array(N * O);
    const f = (): number => {
      denseForward({ N, I, O, x, w, b, y });
      return dot(r, y);
    };
    const dx = nans(N * I);
    const dw0 = uniform(rng, O * I);
    const db0 = uniform(rng, O);
    const dw = dw0.slice();
    const db = db0.slice();
    denseBackward({ N, I, O, x, w, dy: r, dx, dw, db });
    expectClose(dx, numericGrad(f, x), GRADCHECK_TOL, 'dx');
    expectClose(minus(dw, dw0), numericGrad(f, w), GRADCHECK_TOL, 'dw');
    expectClose(minus(db, db0), numericGrad(f, b), GRADCHECK_TOL, 'db');
  });

  it('works without bias and without dx', () => {
    const rng = new Rng(3);
    const x = uniform(rng, N * I);
    const w = uniform(rng, O * I);
    const r = uniform(rng, N * O);
    const y = new Float64Array(N * O);
    const f = (): number => {
      denseForward({ N, I, O, x, w, b: null, y });
      return dot(r, y);
    };
    const dw = new Float64Array(O * I);
    denseBackward({ N, I, O, x, w, dy: r, dx: null, dw, db: null });
    expectClose(dw, numericGrad(f, w), GRADCHECK_TOL, 'dw');
  });
});

describe('activations', () => {
  const kinds: Activation[] = [
    'linear',
    'tanh',
    'sigmoid',
    'relu',
    'softmax',
    'gelu',
    'elu',
    'selu',
    'softplus',
    'leakyRelu',
  ];
  const N = 3;
  const C = 5;

  for (const kind of kinds) {
    it(`${kind}: backward matches finite differences`, () => {
      const rng = new Rng(10);
      const x = awayFromZero(rng, N * C, 0.05, 3);
      x[7] = 25; // softplus's linear branch (x > 20)
      const r = uniform(rng, N * C);
      const y = new Float64Array(N * C);
      const f = (): number => {
        activationForward({ kind, N, C, x, y });
        return dot(r, y);
      };
      f();
      const dx = nans(N * C);
      activationBackward({ kind, N, C, x, y, dy: r, dx });
      expectClose(dx, numericGrad(f, x), GRADCHECK_TOL, `${kind} dx`);
    });
  }

  it('backward runs in place (dx === dy)', () => {
    const rng = new Rng(11);
    for (const kind of kinds) {
      const x = uniform(rng, N * C, -2, 2);
      const y = new Float64Array(N * C);
      activationForward({ kind, N, C, x, y });
      const dy = uniform(rng, N * C);
      const dx = new Float64Array(N * C);
      activationBackward({ kind, N, C, x, y, dy, dx });
      activationBackward({ kind, N, C, x, y, dy, dx: dy });
      expectClose(dy, dx, EXACT, `${kind} in place`);
    }
  });

  it('softmax rows sum to 1 and survive huge logits', () => {
    const x = Float64Array.from([1000, 1001, 999, -5, 0, 5]);
    const y = new Float64Array(6);
    activationForward({ kind: 'softmax', N: 2, C: 3, x, y });
    expect(y[0]! + y[1]! + y[2]!).toBeCloseTo(1, 14);
    expect(y[3]! + y[4]! + y[5]!).toBeCloseTo(1, 14);
    expect(y[1]).toBeCloseTo(Math.E / (1 + Math.E + 1 / Math.E), 14);
  });

  it('relu propagates NaN and maps 0 to 0', () => {
    const x = Float64Array.from([NaN, 0, -1, 2]);
    const y = new Float64Array(4);
    activationForward({ kind: 'relu', N: 1, C: 4, x, y });
    expect(Number.isNaN(y[0]!)).toBe(true);
    expect(Array.from(y.subarray(1))).toEqual([0, 0, 2]);
  });

  // import torch.nn.functional as F; torch.set_default_dtype(torch.float64)
  // x = torch.tensor([-3.0, -1.0, -0.25, 0.0, 0.4, 1.5, 25.0], requires_grad=True)
  // F.gelu(x), F.elu(x), F.selu(x), F.softplus(x), F.leaky_relu(x); f(x).sum().backward() -> x.grad
  const X = [-3.0, -1.0, -0.25, 0.0, 0.4, 1.5, 25.0];
  const TORCH: Partial<Record<Activation, { y: number[]; dx: number[] }>> = {
    gelu: {
      y: [-0.00404969409489031, -0.15865525393145702, -0.10032341857926907, 0.0, 0.2621686966441297, 1.399789198096713, 25.0],
      dx: [-0.01194564720418392, -0.08331547058768635, 0.304626645116364, 0.5, 0.8027297977316535, 1.1274691922299795, 1.0],
    },
    elu: {
      y: [-0.950212931632136, -0.6321205588285577, -0.22119921692859512, 0.0, 0.4, 1.5, 25.0],
      dx: [0.049787068367863944, 0.36787944117144233, 0.7788007830714049, 1.0, 1.0, 1.0, 1.0],
    },
    selu: {
      y: [-1.6705687287671118, -1.1113307378125625, -0.388890197478119, 0.0, 0.4202803949421922, 1.5760514810332207, 26.26752468388701],
      dx: [0.08753061208026487, 0.646768603034814, 1.3692091433692577, 1.7580993408473766, 1.0507009873554805, 1.0507009873554805, 1.0507009873554805],
    },
    softplus: {
      y: [0.04858735157374206, 0.31326168751822286, 0.5759394198788436, 0.6931471805599453, 0.9130152523999526, 1.7014132779827524, 25.0],
      dx: [0.04742587317756679, 0.2689414213699951, 0.4378234991142019, 0.5, 0.598687660112452, 0.8175744761936437, 1.0],
    },
    leakyRelu: {
      y: [-0.03, -0.01, -0.0025, 0.0, 0.4, 1.5, 25.0],
      dx: [0.01, 0.01, 0.01, 0.01, 1, 1, 1],
    },
  };
  for (const [kind, expected] of Object.entries(TORCH) as [Activation, { y: number[]; dx: number[] }][]) {
    it(`${kind}: values and gradients (incl. at 0) match PyTorch`, () => {
      const x = Float64Array.from(X);
      const y = new Float64Array(X.length);
      activationForward({ kind, N: 1, C: X.length, x, y });
      expectClose(y, expected.y, GOLDEN, `${kind} y`);
      const dx = new Float64Array(X.length);
      activationBackward({ kind, N: 1, C: X.length, x, y, dy: new Float64Array(X.length).fill(1), dx });
      expectClose(dx, expected.dx, GOLDEN, `${kind} dx`);
    });
  }

  it('erf matches Python math.erf', () => {
    // [math.erf(v) for v in [0.1, 0.5, 1, 2, 2.5, 3, -0.7, 4.2]]
    const xs = [0.1, 0.5, 1, 2, 2.5, 3, -0.7, 4.2];
    const expected = [
      0.1124629160182849, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.999593047982555,
      0.9999779095030014, -0.6778011938374184, 0.9999999971445058,
    ];
    expectClose(
      xs.map((v) => erf(v)),
      expected,
      { atol: 1e-15, rtol: 2e-15 },
      'erf',
    );
    expect(erf(0)).toBe(0);
    expect(erf(10)).toBe(1);
    expect(erf(-10)).toBe(-1);
  });
});

describe('add, mul, scale', () => {
  const n = 6;

  it('add: da = db = dy', () => {
    const rng = new Rng(20);
    const a = uniform(rng, n);
    const b = uniform(rng, n);
    const r = uniform(rng, n);
    const y = new Float64Array(n);
    const f = (): number => {
      add(a, b, y, n);
      return dot(r, y);
    };
    const da = nans(n);
    const db = nans(n);
    addBackward(r, da, db, n);
    expectClose(da, numericGrad(f, a), GRADCHECK_TOL, 'da');
    expectClose(db, numericGrad(f, b), GRADCHECK_TOL, 'db');
  });

  it('mul: da = dy·b, db = dy·a', () => {
    const rng = new Rng(21);
    const a = uniform(rng, n);
    const b = uniform(rng, n);
    const r = uniform(rng, n);
    const y = new Float64Array(n);
    const f = (): number => {
      mul(a, b, y, n);
      return dot(r, y);
    };
    const da = nans(n);
    const db = nans(n);
    mulBackward(a, b, r, da, db, n);
    expectClose(da, numericGrad(f, a), GRADCHECK_TOL, 'da');
    expectClose(db, numericGrad(f, b), GRADCHECK_TOL, 'db');
  });

  it('scale: y = αx', () => {
    const x = Float64Array.from([1, -2, 3]);
    const y = new Float64Array(3);
    scale(x, -0.5, y);
    expect(Array.from(y)).toEqual([-0.5, 1, -1.5]);
  });
});

describe('dropout', () => {
  it('dropoutMask draws rng.next() < p ? 0 : 1/(1 − p) in order', () => {
    const p = 0.3;
    const mask = new Float64Array(50);
    dropoutMask(new Rng(30), p, mask);
    const replay = new Rng(30);
    for (let i = 0; i < mask.length; i++) expect(mask[i]).toBe(replay.next() < p ? 0 : 1 / (1 - p));
    expect(mask.some((m) => m === 0)).toBe(true);
    expect(mask.some((m) => m !== 0)).toBe(true);
  });

  it('dropoutApply / dropoutBackward match finite differences', () => {
    const rng = new Rng(31);
    const n = 12;
    const mask = new Float64Array(n);
    dropoutMask(rng, 0.5, mask);
    const x = uniform(rng, n);
    const r = uniform(rng, n);
    const y = new Float64Array(n);
    const f = (): number => {
      dropoutApply(x, mask, y);
      return dot(r, y);
    };
    const dx = nans(n);
    dropoutBackward(r, mask, dx);
    expectClose(dx, numericGrad(f, x), GRADCHECK_TOL, 'dx');
  });

  it('dropoutTimeFixed applies one (B, I) mask at every step', () => {
    const rng = new Rng(32);
    const B = 2;
    const T = 3;
    const I = 4;
    const mask = new Float64Array(B * I);
    dropoutMask(rng, 0.4, mask);
    const x = uniform(rng, B * T * I);
    const y = new Float64Array(B * T * I);
    dropoutTimeFixed({ B, T, I, x, mask, y });
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let i = 0; i < I; i++) {
          const k = (b * T + t) * I + i;
          expect(y[k]).toBe(x[k]! * mask[b * I + i]!);
        }
    const r = uniform(rng, B * T * I);
    const f = (): number => {
      dropoutTimeFixed({ B, T, I, x, mask, y });
      return dot(r, y);
    };
    const dx = nans(B * T * I);
    dropoutTimeFixedBackward({ B, T, I, dy: r, mask, dx });
    expectClose(dx, numericGrad(f, x), GRADCHECK_TOL, 'dx');
  });
});

describe('embedding', () => {
  const N = 7;
  const V = 5;
  const E = 3;
  const ids = Int32Array.from([2, 0, 2, 4, 1, 2, 4]); // repeats; 4 is the padding row below

  it('forward gathers rows', () => {
    const table = uniform(new Rng(40), V * E);
    const y = nans(N * E);
    embeddingForward({ N, V, E, ids, table, y });
    for (let n = 0; n < N; n++)
      for (let e = 0; e < E; e++) expect(y[n * E + e]).toBe(table[ids[n]! * E + e]);
  });

  for (const paddingIdx of [null, 4]) {
    it(`backward scatter-adds repeated ids (+=), paddingIdx ${paddingIdx}`, () => {
      const rng = new Rng(41);
      const table = uniform(rng, V * E);
      const r = uniform(rng, N * E);
      const y = new Float64Array(N * E);
      const f = (): number => {
        embeddingForward({ N, V, E, ids, table, y });
        return dot(r, y);
      };
      const expected = numericGrad(f, table);
      if (paddingIdx !== null) expected.fill(0, paddingIdx * E, (paddingIdx + 1) * E);
      const d0 = uniform(rng, V * E);
      const dtable = d0.slice();
      embeddingBackward({ N, V, E, ids, dy: r, dtable, paddingIdx });
      expectClose(minus(dtable, d0), expected, GRADCHECK_TOL, 'dtable');
      if (paddingIdx !== null) {
        const row = [paddingIdx * E, (paddingIdx + 1) * E] as const;
        expect(dtable.subarray(...row)).toEqual(d0.subarray(...row)); // untouched, not just zero-sum
      }
    });
  }
});

describe('softmax cross-entropy', () => {
  const N = 5;
  const C = 4;
  const targets = Int32Array.from([1, 3, -100, 0, 3]);
  const classWeights = Float64Array.from([0.5, 2.0, 1.5, 0.7]);
  const configs: {
    name: string;
    classWeights: Float64Array | null;
    labelSmoothing: number;
    reduction: CrossEntropyReduction;
    ignoreIndex?: number;
  }[] = [
    { name: 'mean', classWeights: null, labelSmoothing: 0, reduction: 'mean' },
    { name: 'class weights', classWeights, labelSmoothing: 0, reduction: 'mean' },
    { name: 'label smoothing', classWeights: null, labelSmoothing: 0.2, reduction: 'mean' },
    { name: 'weights + smoothing', classWeights, labelSmoothing: 0.3, reduction: 'mean' },
    { name: 'weights + smoothing, sum', classWeights, labelSmoothing: 0.3, reduction: 'sum' },
    { name: 'weights + smoothing, none', classWeights, labelSmoothing: 0.3, reduction: 'none' },
    { name: 'ignoreIndex 3', classWeights, labelSmoothing: 0.1, reduction: 'mean', ignoreIndex: 3 },
  ];

  for (const cfg of configs) {
    it(`${cfg.name}: dlogits (=) match finite differences`, () => {
      const rng = new Rng(50);
      const logits = uniform(rng, N * C, -2, 2);
      const probs = new Float64Array(N * C);
      const losses = new Float64Array(N);
      const r = uniform(rng, N);
      const dloss = 1.7;
      const common = {
        N,
        C,
        targets: cfg.ignoreIndex === undefined ? targets : targets.map((y) => (y === -100 ? 2 : y)),
        classWeights: cfg.classWeights,
        labelSmoothing: cfg.labelSmoothing,
        reduction: cfg.reduction,
        ...(cfg.ignoreIndex === undefined ? {} : { ignoreIndex: cfg.ignoreIndex }),
      };
      const f = (): number => {
        const { loss } = softmaxCrossEntropyForward({ ...common, logits, probs, losses });
        return cfg.reduction === 'none' ? dot(r, losses) : dloss * loss;
      };
      f();
      const dlogits = nans(N * C);
      softmaxCrossEntropyBackward({ ...common, probs, dloss, dlosses: r, dlogits });
      expectClose(dlogits, numericGrad(f, logits), GRADCHECK_TOL, 'dlogits');
      const ignored = cfg.ignoreIndex ?? -100;
      for (let i = 0; i < N; i++) {
        if (common.targets[i] !== ignored) continue;
        expect(Array.from(dlogits.subarray(i * C, (i + 1) * C))).toEqual([0, 0, 0, 0]);
        expect(losses[i]).toBe(0);
      }
    });
  }

  // import torch.nn.functional as F; torch.set_default_dtype(torch.float64)
  // logits = torch.tensor([[1.0, 2.0, 0.5], [0.3, -1.2, 2.2], [-0.5, 0.1, 0.0], [2.0, 2.0, -3.0]], requires_grad=True)
  // targets = torch.tensor([1, 2, -100, 0]); w = torch.tensor([0.5, 2.0, 1.5])
  // l = F.cross_entropy(logits, targets, **kw); l.sum().backward() -> l, logits.grad
  const L = Float64Array.from([1.0, 2.0, 0.5, 0.3, -1.2, 2.2, -0.5, 0.1, 0.0, 2.0, 2.0, -3.0]);
  const T = Int32Array.from([1, 2, -100, 0]);
  const W = Float64Array.from([0.5, 2.0, 1.5]);
  const golden: {
    kw: string;
    classWeights: Float64Array | null;
    labelSmoothing: number;
    reduction: CrossEntropyReduction;
    loss: number | number[];
    grad: number[];
  }[] = [
    {
      kw: '{}',
      classWeights: null,
      labelSmoothing: 0,
      reduction: 'mean',
      loss: 0.44296124603666626,
      grad: [
        0.07707463254071634, -0.12382276026274586, 0.04674812772202949,
        0.04214594720454094, 0.00940403194935649, -0.05154997915389743,
        0, 0, 0,
        -0.16722627693775044, 0.16610705639558287, 0.0011192205421675378,
      ],
    },
    {
      kw: 'label_smoothing=0.3',
      classWeights: null,
      labelSmoothing: 0.3,
      reduction: 'mean',
      loss: 0.869627912703333,
      grad: [
        0.04374129920738301, -0.0571560935960792, 0.013414794388696158,
        0.008812613871207612, -0.023929301383976843, 0.015116687512769218,
        0, 0, 0,
        -0.10055961027108377, 0.13277372306224955, -0.032214112791165796,
      ],
    },
    {
      kw: 'weight=w, label_smoothing=0.2',
      classWeights: W,
      labelSmoothing: 0.2,
      reduction: 'mean',
      loss: 0.6943921506947117,
      grad: [
        0.09957115222366957, -0.14001853103451084, 0.040447378810841296,
        0.03802720859166172, -0.022988898189041193, -0.015038310402620509,
        0, 0, 0,
        -0.025279805135541896, 0.04972019486445811, -0.024440389728916233,
      ],
    },
    {
      kw: "weight=w, label_smoothing=0.2, reduction='sum'",
      classWeights: W,
      labelSmoothing: 0.2,
      reduction: 'sum',
      loss: 2.777568602778847,
      grad: [
        0.39828460889467826, -0.5600741241380434, 0.16178951524336518,
        0.15210883436664688, -0.09195559275616477, -0.060153241610482036,
        0, 0, 0,
        -0.10111922054216758, 0.19888077945783245, -0.09776155891566493,
      ],
    },
    {
      kw: "weight=w, label_smoothing=0.2, reduction='none'",
      classWeights: W,
      labelSmoothing: 0.2,
      reduction: 'none',
      loss: [1.0501550636681638, 0.7630732112559633, 0.0, 0.9643403278547192],
      grad: [
        0.39828460889467826, -0.5600741241380434, 0.16178951524336518,
        0.15210883436664688, -0.09195559275616477, -0.060153241610482036,
        0, 0, 0,
        -0.10111922054216758, 0.19888077945783245, -0.09776155891566493,
      ],
    },
  ];
  for (const g of golden) {
    it(`matches PyTorch: ${g.kw}`, () => {
      const common = { N: 4, C: 3, targets: T, classWeights: g.classWeights, labelSmoothing: g.labelSmoothing, reduction: g.reduction };
      const probs = new Float64Array(12);
      const losses = new Float64Array(4);
      const { loss, weightSum } = softmaxCrossEntropyForward({ ...common, logits: L, probs, losses });
      if (Array.isArray(g.loss)) expectClose(losses, g.loss, GOLDEN, 'losses');
      else expectClose([loss], [g.loss], GOLDEN, 'loss');
      expect(weightSum).toBeCloseTo(g.classWeights === null ? 3 : 2.0 + 1.5 + 0.5, 14);
      const dlogits = nans(12);
      softmaxCrossEntropyBackward({ ...common, probs, dloss: 1, dlosses: new Float64Array(4).fill(1), dlogits });
      expectClose(dlogits, g.grad, GOLDEN, 'dlogits');
    });
  }

  it('is stable for huge logits and NaN for an all-ignored mean (as PyTorch)', () => {
    const logits = Float64Array.from([1000, -1000, 0, 800]);
    const probs = new Float64Array(4);
    const common = { N: 2, C: 2, classWeights: null, labelSmoothing: 0.1 };
    const { loss } = softmaxCrossEntropyForward({ ...common, targets: Int32Array.from([0, 1]), logits, probs });
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo((0.9 * 0 + 0.05 * 2000 + (0.9 * 0 + 0.05 * 800)) / 2, 9);
    const all = softmaxCrossEntropyForward({ ...common, targets: Int32Array.from([-100, -100]), logits, probs });
    expect(all.loss).toBeNaN();
    expect(all.weightSum).toBe(0);
    const dlogits = nans(4);
    softmaxCrossEntropyBackward({ ...common, targets: Int32Array.from([-100, -100]), probs, dloss: 1, dlogits });
    expect(Array.from(dlogits)).toEqual([0, 0, 0, 0]);
  });
});

describe('elementwise losses', () => {
  const n = 8;
  type Case = {
    name: string;
    x: (rng: Rng) => Float64Array;
    target: (rng: Rng) => Float64Array;
    forward: (a: { n: number; x: Float64Array; target: Float64Array; weights: Float64Array | null; reduction: Reduction }) => number;
    backward: (a: {
      n: number;
      x: Float64Array;
      target: Float64Array;
      weights: Float64Array | null;
      reduction: Reduction;
      dloss: number;
      dx: Float64Array;
    }) => void;
  };
  const posWeight = Float64Array.from([2.0, 0.5, 3.0, 1.0]);
  const cases: Case[] = [
    { name: 'mse', x: (r) => uniform(r, n, -2, 2), target: (r) => uniform(r, n, -2, 2), forward: mseForward, backward: mseBackward },
    {
      name: 'mae',
      x: (r) => awayFromZero(r, n, 0.1, 2),
      target: () => new Float64Array(n),
      forward: maeForward,
      backward: maeBackward,
    },
    {
      name: 'huber',
      x: () => Float64Array.from([-2, -0.9, -0.3, 0.1, 0.45, 0.55, 1.2, 3]),
      target: () => new Float64Array(n),
      forward: (a) => huberForward({ ...a, delta: 0.5 }),
      backward: (a) => huberBackward({ ...a, delta: 0.5 }),
    },
    {
      name: 'bce',
      x: (r) => uniform(r, n, 0.05, 0.95),
      target: (r) => uniform(r, n, 0, 1),
      forward: bceForward,
      backward: bceBackward,
    },
    {
      name: 'bceWithLogits',
      x: (r) => uniform(r, n, -4, 4),
      target: (r) => uniform(r, n, 0, 1),
      forward: (a) => bceWithLogitsForward({ ...a, C: 4, posWeight: null }),
      backward: (a) => bceWithLogitsBackward({ ...a, C: 4, posWeight: null }),
    },
    {
      name: 'bceWithLogits posWeight',
      x: (r) => uniform(r, n, -4, 4),
      target: (r) => uniform(r, n, 0, 1),
      forward: (a) => bceWithLogitsForward({ ...a, C: 4, posWeight }),
      backward: (a) => bceWithLogitsBackward({ ...a, C: 4, posWeight }),
    },
  ];
  for (const c of cases) {
    for (const reduction of ['mean', 'sum'] as const) {
      for (const weighted of [false, true]) {
        it(`${c.name}, ${reduction}${weighted ? ', element weights' : ''}: dx (=) matches finite differences`, () => {
          const rng = new Rng(60);
          const x = c.x(rng);
          const target = c.target(rng);
          const weights = weighted ? Float64Array.from([1, 0, 1, 0.5, 1, 1, 0, 2]) : null;
          const dloss = 0.8;
          const f = (): number => dloss * c.forward({ n, x, target, weights, reduction });
          const dx = nans(n);
          c.backward({ n, x, target, weights, reduction, dloss, dx });
          expectClose(dx, numericGrad(f, x), GRADCHECK_TOL, 'dx');
          if (weights !== null) {
            // The mean is Σ w·ℓ / Σ w: masked elements do not count.
            const sum = c.forward({ n, x, target, weights, reduction: 'sum' });
            const mean = c.forward({ n, x, target, weights, reduction: 'mean' });
            expect(mean).toBeCloseTo(sum / 6.5, 12);
            for (const k of [1, 6]) expect(Math.abs(dx[k]!)).toBe(0);
          }
        });
      }
    }
  }

  // import torch.nn.functional as F; torch.set_default_dtype(torch.float64)
  // xp = torch.tensor([0.2, 0.9, 0.5, 0.01, 3.0, -2.0]); tg = torch.tensor([0.0, 1.0, 0.7, 0.5, 1.0, 0.0])
  // pr = torch.tensor([0.2, 0.9, 0.5, 0.01, 0.0, 1.0]); tb = torch.tensor([0.0, 1.0, 0.7, 0.5, 1.0, 1.0])
  // F.mse_loss(xp, tg), F.l1_loss(xp, tg), F.huber_loss(xp, tg, delta=0.5), (..., reduction='sum'),
  // F.binary_cross_entropy(pr, tb), F.binary_cross_entropy_with_logits(xp, tg),
  // F.binary_cross_entropy_with_logits(xp.view(2, 3), tg.view(2, 3), pos_weight=torch.tensor([2.0, 0.5, 3.0])),
  // F.binary_cross_entropy_with_logits(torch.tensor([100., -100., 800.]), torch.tensor([0., 1., 1.]), reduction='sum')
  it('values match PyTorch (incl. the log clamp at −100 and huge logits)', () => {
    const xp = Float64Array.from([0.2, 0.9, 0.5, 0.01, 3.0, -2.0]);
    const tg = Float64Array.from([0.0, 1.0, 0.7, 0.5, 1.0, 0.0]);
    const pr = Float64Array.from([0.2, 0.9, 0.5, 0.01, 0.0, 1.0]);
    const tb = Float64Array.from([0.0, 1.0, 0.7, 0.5, 1.0, 1.0]);
    const a = { n: 6, x: xp, target: tg };
    expectClose([mseForward(a)], [1.3883499999999998], GOLDEN, 'mse');
    expectClose([maeForward(a)], [0.8316666666666667], GOLDEN, 'mae');
    expectClose([huberForward({ ...a, delta: 0.5 })], [0.319175], GOLDEN, 'huber');
    expectClose([huberForward({ ...a, delta: 0.5, reduction: 'sum' })], [1.91505], GOLDEN, 'huber sum');
    expectClose([bceForward({ n: 6, x: pr, target: tb })], [17.22154358474213], GOLDEN, 'bce');
    expectClose([bceWithLogitsForward({ ...a, C: 6, posWeight: null })], [0.43867412856972726], GOLDEN, 'bceWithLogits');
    const pw = Float64Array.from([2.0, 0.5, 3.0]);
    expectClose([bceWithLogitsForward({ ...a, C: 3, posWeight: pw })], [0.5741602960619215], GOLDEN, 'posWeight');
    const big = { n: 3, x: Float64Array.from([100, -100, 800]), target: Float64Array.from([0, 1, 1]), C: 3, posWeight: null };
    expectClose([bceWithLogitsForward({ ...big, reduction: 'sum' })], [200], GOLDEN, 'huge logits');
    const dx = nans(3);
    bceWithLogitsBackward({ ...big, reduction: 'sum', dloss: 1, dx });
    expectClose(dx, [1, -1, 0], EXACT, 'huge logits dx');
  });

  it('mae subgradient is 0 where x = t', () => {
    const dx = nans(2);
    maeBackward({ n: 2, x: Float64Array.from([1, 2]), target: Float64Array.from([1, 3]), dloss: 1, dx });
    expect(Array.from(dx)).toEqual([0, -0.5]);
  });
});

describe('optimizers', () => {
  // Trajectories of p = [0.5, −1.5, 2.0] under three fixed gradients. The scalar loops in each test
  // restate the update from the formulas; the arrays are PyTorch 1.13's, made by
  //   torch.set_default_dtype(torch.float64); p = torch.tensor(P0, requires_grad=True); opt = <optimizer>([p], ...)
  //   for g in GRADS: p.grad = torch.tensor(g); opt.step(); traj.append(p.tolist())
  const P0 = [0.5, -1.5, 2.0];
  const GRADS = [
    [0.1, -0.2, 0.3],
    [-0.4, 0.5, 0.05],
    [0.2, 0.2, -0.6],
  ];
  const n = 3;

  /** Runs `step(k, g)` for k = 1, 2, 3 and compares p after each step with both references. */
  function check(p: Float64Array, step: (k: number, g: Float64Array) => void, byHand: number[][], torch: number[][]): void {
    for (let k = 1; k <= 3; k++) {
      step(k, Float64Array.from(GRADS[k - 1]!));
      expectClose(p, byHand[k - 1]!, { atol: 1e-14, rtol: 1e-13 }, `step ${k} (formula)`);
      expectClose(p, torch[k - 1]!, { atol: 1e-14, rtol: 1e-12 }, `step ${k} (PyTorch)`);
    }
  }

  /** Applies a per-element scalar update to every element, three steps, collecting p. */
  function scalarTrajectory<S>(init: () => S, update: (p: number, g: number, k: number, s: S) => number): number[][] {
    const out: number[][] = [[], [], []];
    for (let i = 0; i < n; i++) {
      let p = P0[i]!;
      const s = init();
      for (let k = 1; k <= 3; k++) {
        p = update(p, GRADS[k - 1]![i]!, k, s);
        out[k - 1]!.push(p);
      }
    }
    return out;
  }

  it('SGD, plain', () => {
    const p = Float64Array.from(P0);
    const byHand = scalarTrajectory(
      () => null,
      (q, g) => q - 0.1 * g,
    );
    const base = { n, p, buf: null, lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
    check(p, (k, g) => sgdStep({ ...base, g, firstStep: k === 1 }), byHand, [
      [0.49, -1.48, 1.97],
      [0.53, -1.53, 1.965],
      [0.51, -1.55, 2.025],
    ]);
  });

  it('SGD, momentum 0.9, dampening 0.1, weight decay 0.01', () => {
    const p = Float64Array.from(P0);
    const buf = new Float64Array(n);
    const byHand = scalarTrajectory(
      () => ({ b: 0 }),
      (q, g, k, s) => {
        const d = g + 0.01 * q;
        s.b = k === 1 ? d : 0.9 * s.b + 0.9 * d;
        return q - 0.1 * s.b;
      },
    );
    const base = { n, p, buf, lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false, maximize: false };
    check(p, (k, g) => sgdStep({ ...base, g, firstStep: k === 1 }), byHand, [
      [0.4895, -1.4785, 1.968],
      [0.51560945, -1.50281935, 1.9329288],
      [0.520643906495, -1.541354227585, 1.95362508408],
    ]);
  });

  it('SGD, Nesterov 0.8, weight decay 0.05, maximize', () => {
    const p = Float64Array.from(P0);
    const buf = new Float64Array(n);
    const byHand = scalarTrajectory(
      () => ({ b: 0 }),
      (q, g, k, s) => {
        const d = -g + 0.05 * q;
        s.b = k === 1 ? d : 0.8 * s.b + d;
        return q - 0.1 * (d + 0.8 * s.b);
      },
    );
    const base = { n, p, buf, lr: 0.1, momentum: 0.8, dampening: 0, weightDecay: 0.05, nesterov: true, maximize: true };
    check(p, (k, g) => sgdStep({ ...base, g, firstStep: k === 1 }), byHand, [
      [0.5135, -1.5225, 2.036],
      [0.4416785, -1.4267975, 2.039476],
      [0.4503001935, -1.3474843225, 1.920045516],
    ]);
  });

  /** Adam by hand: L2 (decoupled = false) or AdamW decay, optional amsgrad. */
  function adamByHand(lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean, amsgrad: boolean): number[][] {
    return scalarTrajectory(
      () => ({ m: 0, v: 0, vmax: 0 }),
      (q, g, k, s) => {
        if (decoupled) q = q * (1 - lr * wd);
        else g = g + wd * q;
        s.m = b1 * s.m + (1 - b1) * g;
        s.v = b2 * s.v + (1 - b2) * g * g;
        s.vmax = Math.max(s.vmax, s.v);
        const mHat = s.m / (1 - b1 ** k);
        const vHat = (amsgrad ? s.vmax : s.v) / (1 - b2 ** k);
        return q - (lr * mHat) / (Math.sqrt(vHat) + eps);
      },
    );
  }

  const adamCases = [
    {
      name: 'Adam',
      cfg: { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false, decoupled: false },
      torch: [
        [0.4900000009999999, -1.4900000005, 1.9900000003333334],
        [0.4955950357485128, -1.4944221530217234, 1.9821667272150607],
        [0.49669677234642673, -1.4998515828128194, 1.9851302413110195],
      ],
    },
    {
      name: 'Adam, L2 weight decay 0.1, amsgrad',
      cfg: { lr: 0.05, beta1: 0.8, beta2: 0.9, eps: 1e-6, weightDecay: 0.1, amsgrad: true, decoupled: false },
      torch: [
        [0.4500003333311111, -1.4500001428567346, 1.9500000999998],
        [0.473526735508992, -1.4559079372488573, 1.903741613542584],
        [0.468967254105299, -1.4638478440608338, 1.8982328353077913],
      ],
    },
    {
      name: 'AdamW, weight decay 0.1',
      cfg: { lr: 0.05, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, amsgrad: false, decoupled: true },
      torch: [
        [0.4475000049999995, -1.4425000024999999, 1.9400000016666665],
        [0.47318202392187225, -1.4573621424906116, 1.8910495044264406],
        [0.4763212988123866, -1.477222768678989, 1.896371886004675],
      ],
    },
    {
      name: 'AdamW, amsgrad',
      cfg: { lr: 0.05, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, amsgrad: true, decoupled: true },
      torch: [
        [0.4475000049999995, -1.4425000024999999, 1.9400000016666665],
        [0.47318202392187225, -1.4573621424906116, 1.8910495044264406],
        [0.4763212988123866, -1.477222768678989, 1.896371886004675],
      ],
    },
  ];
  for (const { name, cfg, torch } of adamCases) {
    it(name, () => {
      const p = Float64Array.from(P0);
      const m = new Float64Array(n);
      const v = new Float64Array(n);
      const vmax = cfg.amsgrad ? new Float64Array(n) : null;
      const byHand = adamByHand(cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, cfg.weightDecay, cfg.decoupled, cfg.amsgrad);
      check(p, (k, g) => adamStep({ n, p, g, m, v, vmax, step: k, ...cfg }), byHand, torch);
    });
  }

  it('RMSprop', () => {
    const p = Float64Array.from(P0);
    const sq = new Float64Array(n);
    const byHand = scalarTrajectory(
      () => ({ sq: 0 }),
      (q, g, _k, s) => {
        s.sq = 0.99 * s.sq + 0.01 * g * g;
        return q - (0.01 * g) / (Math.sqrt(s.sq) + 1e-8);
      },
    );
    const base = { n, p, sq, gradAvg: null, buf: null, lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false };
    check(p, (_k, g) => rmspropStep({ ...base, g }), byHand, [
      [0.40000009999990005, -1.400000049999975, 1.9000000333333222],
      [0.49704287266865177, -1.4929118010156806, 1.8834795737804584],
      [0.4532111545062486, -1.5279025060930336, 1.9728543804959826],
    ]);
  });

  it('RMSprop, centered, momentum 0.5, weight decay 0.1', () => {
    const p = Float64Array.from(P0);
    const sq = new Float64Array(n);
    const gradAvg = new Float64Array(n);
    const buf = new Float64Array(n);
    const byHand = scalarTrajectory(
      () => ({ sq: 0, ga: 0, b: 0 }),
      (q, g, _k, s) => {
        g = g + 0.1 * q;
        s.sq = 0.9 * s.sq + 0.1 * g * g;
        s.ga = 0.9 * s.ga + 0.1 * g;
        s.b = 0.5 * s.b + g / (Math.sqrt(s.sq - s.ga * s.ga) + 1e-6);
        return q - 0.01 * s.b;
      },
    );
    const base = { n, p, sq, gradAvg, buf, lr: 0.01, alpha: 0.9, eps: 1e-6, weightDecay: 0.1, momentum: 0.5, centered: true };
    check(p, (_k, g) => rmspropStep({ ...base, g }), byHand, [
      [0.46666740739094686, -1.4666669841239608, 1.9666668888874075],
      [0.47982810841219004, -1.473051825109545, 1.9339881830284842],
      [0.4685033597503151, -1.4798497236421326, 1.9375427449948126],
    ]);
  });

  it('Adagrad, lr decay 0.5, weight decay 0.1, initial accumulator 0.2', () => {
    const p = Float64Array.from(P0);
    const sum = new Float64Array(n).fill(0.2);
    const byHand = scalarTrajectory(
      () => ({ sum: 0.2 }),
      (q, g, k, s) => {
        g = g + 0.1 * q;
        s.sum += g * g;
        return q - ((0.1 / (1 + (k - 1) * 0.5)) * g) / (Math.sqrt(s.sum) + 1e-10);
      },
    );
    const base = { n, p, sum, lr: 0.1, lrDecay: 0.5, weightDecay: 0.1, eps: 1e-10 };
    check(p, (k, g) => adagradStep({ ...base, g, step: k }), byHand, [
      [0.46820006360655075, -1.4383684365680591, 1.9254644007611181],
      [0.5081570196100789, -1.47378972048851, 1.902796160154058],
      [0.488575057141827, -1.477702648989406, 1.9276996164192983],
    ]);
  });

  it('clipByValue and sumSquares', () => {
    const g = Float64Array.from([0.5, -3, 2, -0.1, NaN]);
    clipByValue(g, 4, 1);
    expect(Array.from(g.subarray(0, 4))).toEqual([0.5, -1, 1, -0.1]);
    expect(g[4]).toBeNaN(); // only the first n elements are touched
    expect(sumSquares(Float64Array.from([3, 4, 12]), 3)).toBe(169);
    expect(sumSquares(Float64Array.from([3, 4, 12]), 2)).toBe(25);
  });

  it('Float32 Adam stays within float32 rounding of the Float64 trajectory', () => {
    const cfg = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, amsgrad: false, decoupled: true };
    const p32 = Float32Array.from(P0);
    const p64 = Float64Array.from(P0);
    const s32 = { m: new Float32Array(n), v: new Float32Array(n) };
    const s64 = { m: new Float64Array(n), v: new Float64Array(n) };
    for (let k = 1; k <= 3; k++) {
      adamStep({ n, p: p32, g: Float32Array.from(GRADS[k - 1]!), ...s32, vmax: null, step: k, ...cfg });
      adamStep({ n, p: p64, g: Float64Array.from(GRADS[k - 1]!), ...s64, vmax: null, step: k, ...cfg });
    }
    expectClose(p32, p64, { atol: 1e-6, rtol: 1e-6 }, 'p32');
  });
});
