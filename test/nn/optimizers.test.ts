/**
 * Optimizers, gradient clipping and learning-rate schedules against PyTorch 1.13.
 *
 * Optimizer trajectories come from the golden fixtures test/fixtures/golden/optim_*.json
 * (tools/golden/optim.py: one (3, 4) float32 parameter, 5 given gradients, the parameter after each
 * step). Clipping and schedule numbers were printed by the Python pasted above their tests
 * (/usr/bin/python3, torch 1.13).
 */
import { describe, expect, it } from 'vitest';
import { Parameter } from '../../src/nn/parameter.js';
import {
  Adagrad,
  Adam,
  AdamW,
  Optimizer,
  RMSprop,
  SGD,
  getOptimizer,
  optimizerFromConfig,
  type OptimizerStateDict,
} from '../../src/nn/optimizers.js';
import { clipGradNorm, clipGradValue } from '../../src/nn/clip.js';
import {
  CosineAnnealingLR,
  ExponentialLR,
  LinearWarmup,
  ReduceLROnPlateau,
  StepLR,
  scheduleFromConfig,
  type LRSchedule,
} from '../../src/nn/schedules.js';
import { expectAllClose, listGolden, loadGolden, type OptimGoldenConfig } from '../util/golden.js';

/** torch kwarg names → ours (`betas` only appears in hyper_full). */
function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function fromTorch(hyper: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hyper)) {
    if (k === 'betas') {
      const [b1, b2] = v as number[];
      out['beta1'] = b1;
      out['beta2'] = b2;
    } else {
      out[camel(k)] = v;
    }
  }
  return out;
}

/** torch options we do not implement (all at their defaults in the fixtures). */
const TORCH_ONLY = new Set(['foreach', 'maximize', 'capturable', 'differentiable', 'fused']);

function param(name: string, shape: number[], values?: ArrayLike<number>, dtype: 'float32' | 'float64' = 'float32'): Parameter {
  const p = new Parameter(name, shape, dtype);
  if (values) p.data.set(values);
  return p;
}

describe('optimizers vs PyTorch golden trajectories', () => {
  const cases = listGolden('optim_');
  it('finds the fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of cases) {
    it(name, () => {
      const g = loadGolden<OptimGoldenConfig>(name);
      const o = g.optimSteps();
      const opt = optimizerFromConfig({ className: o.optimizer, ...fromTorch(o.hyper) });

      // Our defaults are torch's: every hyper-parameter of optimizer.defaults matches getConfig().
      const full = fromTorch(Object.fromEntries(Object.entries(g.config.hyper_full).filter(([k]) => !TORCH_ONLY.has(k))));
      expect(opt.getConfig()).toEqual({ className: o.optimizer, ...full });

      const p = param('w', o.shape, o.param0);
      for (let k = 0; k < o.grads.length; k++) {
        p.grad!.data.set(o.grads[k]!);
        opt.step([p]);
        // rtol 1e-6 / atol 1e-7 as briefed: the kernels round once per stored value, torch after each
        // float32 op, so the two drift apart by a few ulp (≈1e-7 relative) per step.
        expectAllClose(p.data, o.params[k]!, { rtol: 1e-6, atol: 1e-7 }, `${name} step ${k + 1}`);
      }
      expect(opt.iterations).toBe(o.grads.length);
    });
  }
});

/** Deterministic gradient for step k of a parameter with `salt`. */
function fillGrad(p: Parameter, k: number, salt: number): void {
  const g = p.grad!.data;
  for (let i = 0; i < g.length; i++) g[i] = Math.sin(1 + i * 0.7 + k * 1.3 + salt) * (k % 3 === 2 ? 0.1 : 1);
}

function fillValue(p: Parameter, salt: number): void {
  const v = p.data;
  for (let i = 0; i < v.length; i++) v[i] = Math.cos(i * 0.37 + salt);
}

/** w (3, 4) and b (4) trainable, frozen (2, 2) frozen; `named` in state_dict form. */
function model(dtype: 'float32' | 'float64' = 'float32'): { params: Parameter[]; named: [string, Parameter][] } {
  const w = param('weight', [3, 4], undefined, dtype);
  const b = param('bias', [4], undefined, dtype);
  const f = param('frozen', [2, 2], undefined, dtype);
  f.trainable = false;
  fillValue(w, 0);
  fillValue(b, 1);
  fillValue(f, 2);
  const params = [w, b, f];
  return { params, named: [['dense.weight', w], ['dense.bias', b], ['dense.frozen', f]] };
}

function train(opt: Optimizer, params: Parameter[], from: number, to: number): void {
  for (let k = from; k < to; k++) {
    opt.zeroGrad(params);
    params.forEach((p, j) => fillGrad(p, k, j));
    opt.step(params);
  }
}

const CONFIGS: Record<string, unknown>[] = [
  { className: 'SGD', lr: 0.1 },
  { className: 'SGD', lr: 0.1, momentum: 0.9, dampening: 0.2, weightDecay: 0.01 },
  { className: 'SGD', lr: 0.1, momentum: 0.9, nesterov: true },
  { className: 'Adam', lr: 0.01 },
  { className: 'Adam', lr: 0.05, amsgrad: true, weightDecay: 0.01 },
  { className: 'AdamW', lr: 0.01 },
  { className: 'RMSprop', lr: 0.01 },
  { className: 'RMSprop', lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.1 },
  { className: 'Adagrad', lr: 0.1, lrDecay: 0.05, initialAccumulatorValue: 0.1 },
];

describe('optimizer state', () => {
  for (const cfg of CONFIGS) {
    it(`${JSON.stringify(cfg)}: stateDict → loadStateDict resumes bit-identically`, () => {
      const a = model();
      const optA = optimizerFromConfig(cfg);
      train(optA, a.params, 0, 3);
      optA.lr *= 0.5; // as a schedule would
      const sd = optA.stateDict(a.named);

      // The restored run: fresh optimizer and parameter copies, state from the snapshot.
      const b = model();
      b.params.forEach((p, j) => p.data.set(a.params[j]!.data));
      const optB = optimizerFromConfig(optA.getConfig());
      optB.loadStateDict(b.named, sd, 'ckpt.json');
      expect(optB.iterations).toBe(3);
      expect(optB.lr).toBe(optA.lr);

      train(optA, a.params, 3, 7);
      train(optB, b.params, 3, 7);
      a.params.forEach((p, j) => expect(Array.from(b.params[j]!.data), p.name).toEqual(Array.from(p.data)));
      expect(optB.stateDict(b.named)).toEqual(optA.stateDict(a.named));
    });
  }

  it('stateDict is a snapshot with PyTorch slot names and per-parameter steps', () => {
    const m = model();
    const opt = new Adam({ lr: 0.01, amsgrad: true });
    train(opt, m.params, 0, 2);
    const sd = opt.stateDict(m.named);
    expect(Object.keys(sd.tensors).sort()).toEqual(
      ['dense.bias', 'dense.weight'].flatMap((n) => ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'].map((s) => `${n}.${s}`)).sort(),
    );
    expect(sd.steps).toEqual({ 'dense.weight': 2, 'dense.bias': 2 });
    expect(sd.tensors['dense.weight.exp_avg']!.shape).toEqual([3, 4]);
    expect(sd.config).toEqual({ className: 'Adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: true });
    const before = Array.from(sd.tensors['dense.weight.exp_avg']!.data);
    train(opt, m.params, 2, 3);
    expect(Array.from(sd.tensors['dense.weight.exp_avg']!.data)).toEqual(before);

    const sgd = new SGD({ lr: 0.1, momentum: 0.9 });
    train(sgd, m.params, 0, 1);
    expect(Object.keys(sgd.stateDict(m.named).tensors)).toEqual(['dense.weight.momentum_buffer', 'dense.bias.momentum_buffer']);
    const rms = new RMSprop({ momentum: 0.9, centered: true });
    train(rms, m.params, 0, 1);
    expect(Object.keys(rms.stateDict(m.named).tensors).filter((k) => k.startsWith('dense.bias'))).toEqual([
      'dense.bias.square_avg',
      'dense.bias.momentum_buffer',
      'dense.bias.grad_avg',
    ]);
  });

  it('float64 parameters get float64 state', () => {
    const m = model('float64');
    const opt = new Adagrad();
    train(opt, m.params, 0, 1);
    expect(opt.stateDict(m.named).tensors['dense.weight.sum']!.data).toBeInstanceOf(Float64Array);
  });

  it('frozen parameters are untouched and get no state', () => {
    for (const cfg of CONFIGS) {
      const m = model();
      const frozen = m.params[2]!;
      const before = Array.from(frozen.data);
      const opt = optimizerFromConfig(cfg);
      train(opt, m.params, 0, 3);
      expect(Array.from(frozen.data)).toEqual(before);
      expect(opt.stateDict(m.named).steps).not.toHaveProperty('dense.frozen');
    }
  });

  it('Adam and Adagrad count steps per parameter, as torch state["step"]', () => {
    // b is frozen for the first 3 steps, then trained: its bias correction starts at step 1,
    // exactly as a fresh optimizer that sees it only from then on.
    for (const make of [() => new Adam({ lr: 0.05 }), () => new Adagrad({ lr: 0.1, lrDecay: 0.5 })]) {
      const m = model();
      const b = m.params[1]!;
      b.trainable = false;
      const opt = make();
      train(opt, m.params, 0, 3);
      b.trainable = true;
      const alone = param('bias', [4], b.data);
      const optAlone = make();
      for (let k = 3; k < 6; k++) {
        fillGrad(b, k, 1);
        alone.grad!.data.set(b.grad!.data);
        opt.step([b]);
        optAlone.step([alone]);
      }
      expect(Array.from(b.data)).toEqual(Array.from(alone.data));
      expect(opt.stateDict(m.named).steps).toEqual({ 'dense.weight': 3, 'dense.bias': 3 });
      expect(opt.iterations).toBe(6);
    }
  });

  describe('loadStateDict errors name the slot and the source, and change nothing', () => {
    function saved(cfg: Record<string, unknown>): { sd: OptimizerStateDict; named: [string, Parameter][] } {
      const m = model();
      const opt = optimizerFromConfig(cfg);
      train(opt, m.params, 0, 2);
      return { sd: opt.stateDict(m.named), named: m.named };
    }
    const adam = { className: 'Adam', lr: 0.01 };

    it('missing slot', () => {
      const { sd, named } = saved(adam);
      delete sd.tensors['dense.bias.exp_avg_sq'];
      expect(() => new Adam().loadStateDict(named, sd, 'run/ckpt.json')).toThrow(
        'run/ckpt.json: optimizer state: missing slot "dense.bias.exp_avg_sq" (Adam keeps exp_avg, exp_avg_sq)',
      );
    });

    it('mismatched shape', () => {
      const { sd, named } = saved(adam);
      sd.tensors['dense.weight.exp_avg'] = { shape: [4, 3], data: new Float32Array(12) };
      expect(() => new Adam().loadStateDict(named, sd, 'ckpt.json')).toThrow(
        'ckpt.json: optimizer state: slot "dense.weight.exp_avg" expected shape (3, 4), got (4, 3)',
      );
      sd.tensors['dense.weight.exp_avg'] = { shape: [3, 4], data: new Float32Array(11) };
      expect(() => new Adam().loadStateDict(named, sd, 'ckpt.json')).toThrow(/"dense\.weight\.exp_avg" expected 12 float values, got 11/);
    });

    it('slot of another configuration (amsgrad state into plain Adam)', () => {
      const { sd, named } = saved({ ...adam, amsgrad: true });
      expect(() => new Adam().loadStateDict(named, sd, 'ckpt.json')).toThrow(/ckpt\.json: .*unexpected slot "dense\.(weight|bias)\.max_exp_avg_sq"/);
      const plain = saved(adam);
      expect(() => new Adam({ amsgrad: true }).loadStateDict(plain.named, plain.sd, 'ckpt.json')).toThrow(/missing slot "dense\.weight\.max_exp_avg_sq"/);
    });

    it('another optimizer class, unknown parameter', () => {
      const { sd, named } = saved(adam);
      expect(() => new AdamW().loadStateDict(named, sd, 'ckpt.json')).toThrow('ckpt.json: optimizer state: expected AdamW state, got "Adam"');
      expect(() => new Adam().loadStateDict(named.slice(1), sd, 'ckpt.json')).toThrow(/steps\["dense\.weight"\] names no parameter/);
    });

    it('a failed load leaves the optimizer as it was', () => {
      const m = model();
      const opt = new Adam({ lr: 0.01 });
      train(opt, m.params, 0, 2);
      const good = opt.stateDict(m.named);
      const bad = opt.stateDict(m.named);
      bad.iterations = 99;
      delete bad.tensors['dense.bias.exp_avg'];
      expect(() => opt.loadStateDict(m.named, bad, 'bad.json')).toThrow(/bad\.json/);
      expect(opt.stateDict(m.named)).toEqual(good);
    });
  });
});

describe('optimizer options', () => {
  it('defaults are PyTorch’s', () => {
    expect(new SGD({ lr: 0.1 }).getConfig()).toEqual({ className: 'SGD', lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
    expect(new Adam().getConfig()).toEqual({ className: 'Adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false });
    expect(new AdamW().getConfig()).toEqual({ className: 'AdamW', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, amsgrad: false });
    expect(new RMSprop().getConfig()).toEqual({ className: 'RMSprop', lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
    expect(new Adagrad().getConfig()).toEqual({ className: 'Adagrad', lr: 0.01, lrDecay: 0, weightDecay: 0, eps: 1e-10, initialAccumulatorValue: 0 });
  });

  it('getOptimizer and optimizerFromConfig', () => {
    const adam = new Adam();
    expect(getOptimizer(adam)).toBe(adam);
    expect(getOptimizer('adamw')).toBeInstanceOf(AdamW);
    expect(getOptimizer('sgd').lr).toBe(0.01);
    expect(getOptimizer('rmsprop').className).toBe('RMSprop');
    expect(getOptimizer('adagrad').className).toBe('Adagrad');
    expect(() => getOptimizer('nadam' as 'adam')).toThrow('getOptimizer: unknown optimizer "nadam"; expected an Optimizer or one of sgd, adam, adamw, rmsprop, adagrad');
    for (const cfg of CONFIGS) expect(optimizerFromConfig(optimizerFromConfig(cfg).getConfig()).getConfig()).toEqual(optimizerFromConfig(cfg).getConfig());
    expect(() => optimizerFromConfig({ className: 'Nadam' })).toThrow(/unknown optimizer class "Nadam"; known: SGD, Adam, AdamW, RMSprop, Adagrad/);
  });

  it('validation errors', () => {
    expect(() => new Adam({ lr: -1 })).toThrow('Adam: lr must be a positive number, got -1');
    expect(() => new SGD({} as { lr: number })).toThrow('SGD: lr must be a positive number, got undefined');
    expect(() => new SGD({ lr: 0.1, nesterov: true })).toThrow('SGD: nesterov needs momentum > 0 and dampening 0, got momentum 0, dampening 0');
    expect(() => new SGD({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/nesterov needs/);
    expect(() => new SGD({ lr: 0.1, momentum: -0.5 })).toThrow('SGD: momentum must be a non-negative number, got -0.5');
    expect(() => new AdamW({ beta1: 1 })).toThrow('AdamW: beta1 must be a number in [0, 1), got 1');
    expect(() => new Adam({ beta2: NaN })).toThrow('Adam: beta2 must be a number in [0, 1), got NaN');
    expect(() => new Adam({ amsgrad: 1 as unknown as boolean })).toThrow('Adam: amsgrad must be a boolean, got 1');
    expect(() => new Adam({ betas: [0.9, 0.99] } as AdamOptionsLoose)).toThrow('Adam: unknown option "betas"; expected one of lr, beta1, beta2, eps, weightDecay, amsgrad');
    expect(() => new RMSprop({ alpha: -0.1 })).toThrow('RMSprop: alpha must be a non-negative number, got -0.1');
    expect(() => new Adagrad({ lrDecay: -1 })).toThrow('Adagrad: lrDecay must be a non-negative number, got -1');
    expect(() => new Adagrad({ eps: -1e-10 })).toThrow('Adagrad: eps must be a non-negative number, got -1e-10');
  });
});

type AdamOptionsLoose = ConstructorParameters<typeof Adam>[0] & Record<string, unknown>;

describe('gradient clipping', () => {
  // Expected values from:
  //   a = nn.Parameter(torch.zeros(3, 4)); b = nn.Parameter(torch.zeros(5))
  //   a.grad = (torch.arange(12.) - 5).mul(0.25).reshape(3, 4); b.grad = torch.arange(5.).mul(0.5).sub(1)
  //   total = torch.nn.utils.clip_grad_norm_([a, b], max_norm, norm_type)
  //   print(total.item(), a.grad.flatten().tolist(), b.grad.tolist())
  const TORCH: { normType: number; maxNorm: number; total: number; a11: number; b4: number }[] = [
    { normType: 2, maxNorm: 1.0, total: 3.409545421600342, a11: 0.4399412274360657, b4: 0.29329416155815125 },
    { normType: 1, maxNorm: 2.0, total: 12.0, a11: 0.2499999850988388, b4: 0.1666666567325592 },
    { normType: 3, maxNorm: 0.5, total: 2.3304245471954346, a11: 0.321829617023468, b4: 0.2145530879497528 },
    { normType: Infinity, maxNorm: 0.3, total: 1.5, a11: 0.29999983310699463, b4: 0.1999998837709427 },
    { normType: 2, maxNorm: 100.0, total: 3.409545421600342, a11: 1.5, b4: 1.0 },
  ];
  const A = Array.from({ length: 12 }, (_, i) => (i - 5) * 0.25);
  const B = Array.from({ length: 5 }, (_, i) => i * 0.5 - 1);

  function setup(): Parameter[] {
    const a = param('a', [3, 4]);
    const b = param('b', [5]);
    const frozen = param('frozen', [2]);
    frozen.trainable = false;
    a.grad!.data.set(A);
    b.grad!.data.set(B);
    frozen.grad!.data.set([1e6, -1e6]); // must neither count nor be scaled
    return [a, frozen, b];
  }

  for (const t of TORCH) {
    it(`clipGradNorm normType ${t.normType}, maxNorm ${t.maxNorm}`, () => {
      const [a, frozen, b] = setup();
      const total = clipGradNorm([a!, frozen!, b!], t.maxNorm, t.normType);
      // By hand: Σ a² = 146/16, Σ b² = 2.5 → √11.625; Σ|a| = 9, Σ|b| = 3; max |g| = 1.5.
      const all = [...A, ...B].map(Math.abs);
      const byHand = t.normType === Infinity ? Math.max(...all) : all.reduce((s, x) => s + x ** t.normType, 0) ** (1 / t.normType);
      expect(total).toBeCloseTo(byHand, 14);
      expect(Math.abs(total - t.total)).toBeLessThanOrEqual(1e-6 * t.total);
      const coef = Math.min(1, t.maxNorm / (byHand + 1e-6));
      expectAllClose(a!.grad!.data, A.map((x) => Math.fround(x * coef)), { rtol: 0, atol: 0 }, 'a (by hand)');
      expectAllClose(b!.grad!.data, B.map((x) => Math.fround(x * coef)), { rtol: 0, atol: 0 }, 'b (by hand)');
      expectAllClose([a!.grad!.data[11]!, b!.grad!.data[4]!], [t.a11, t.b4], { rtol: 1e-6, atol: 1e-7 }, 'vs torch');
      expect(Array.from(frozen!.grad!.data)).toEqual([1e6, -1e6]);
    });
  }

  it('clipGradNorm: no parameters, NaN and infinite gradients as torch', () => {
    expect(clipGradNorm([], 1)).toBe(0);
    const [a, , b] = setup();
    a!.grad!.data[0] = NaN;
    expect(clipGradNorm([a!, b!], 1)).toBeNaN();
    expect(Array.from(b!.grad!.data).every(Number.isNaN)).toBe(true);
    const [c, , d] = setup();
    c!.grad!.data[0] = Infinity;
    expect(clipGradNorm([c!, d!], 1)).toBe(Infinity);
    expect(Array.from(d!.grad!.data).every((x) => x === 0)).toBe(true); // g·0 = ±0
    expect(c!.grad!.data[0]).toBeNaN();
  });

  it('clipGradValue clamps trainable gradients only', () => {
    const [a, frozen, b] = setup();
    clipGradValue([a!, frozen!, b!], 0.6);
    expect(Array.from(a!.grad!.data)).toEqual(A.map((x) => Math.min(0.6, Math.max(-0.6, x))).map(Math.fround));
    expect(Array.from(b!.grad!.data)).toEqual([-0.6, -0.5, 0, 0.5, 0.6].map(Math.fround));
    expect(Array.from(frozen!.grad!.data)).toEqual([1e6, -1e6]);
  });

  it('validation errors', () => {
    expect(() => clipGradNorm([], -1)).toThrow('clipGradNorm: maxNorm must be a non-negative number, got -1');
    expect(() => clipGradNorm([], 1, 0)).toThrow('clipGradNorm: normType must be a positive number or Infinity, got 0');
    expect(() => clipGradValue([], NaN)).toThrow('clipGradValue: clipValue must be a non-negative number, got NaN');
  });
});

describe('learning-rate schedules', () => {
  // torch's values, lr during epoch i (read before scheduler.step()), from:
  //   p = torch.nn.Parameter(torch.zeros(1)); opt = torch.optim.SGD([p], lr=0.1); s = <Scheduler>(opt, ...)
  //   for _ in range(n): out.append(opt.param_groups[0]['lr']); opt.step(); s.step()
  // torch's step() is recursive (lr·gamma each time); lrAt is the closed form, equal to rounding.
  const TORCH_STEP = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]; // StepLR(step_size=3, gamma=0.5)
  const TORCH_EXP = [0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002, 0.05904900000000002]; // ExponentialLR(gamma=0.9)
  const TORCH_COS = [
    0.1, 0.08681980515339464, 0.05500000000000001, 0.023180194846605363, 0.01, 0.023180194846605363, 0.05500000000000002, 0.08681980515339469,
    0.10000000000000006, 0.0868198051533947, 0.05500000000000005, 0.023180194846605412,
  ]; // CosineAnnealingLR(T_max=4, eta_min=0.01), past T_max too

  function values(s: LRSchedule, n: number, base = 0.1): number[] {
    return Array.from({ length: n }, (_, i) => s.lrAt(i, base));
  }

  it('StepLR, ExponentialLR, CosineAnnealingLR match torch', () => {
    expectAllClose(values(new StepLR({ stepSize: 3, gamma: 0.5 }), 10), TORCH_STEP, { rtol: 1e-14, atol: 0 }, 'StepLR');
    expectAllClose(values(new ExponentialLR({ gamma: 0.9 }), 6), TORCH_EXP, { rtol: 1e-14, atol: 0 }, 'ExponentialLR');
    expectAllClose(values(new CosineAnnealingLR({ tMax: 4, etaMin: 0.01 }), 12), TORCH_COS, { rtol: 1e-13, atol: 0 }, 'CosineAnnealingLR');
    expect(new StepLR({ stepSize: 30 }).lrAt(45, 0.05)).toBeCloseTo(0.005, 15);
  });

  it('LinearWarmup ramps from 0 then delegates', () => {
    expect(values(new LinearWarmup({ warmupSteps: 4 }), 6, 1)).toEqual([0, 0.25, 0.5, 0.75, 1, 1]);
    const cos = new CosineAnnealingLR({ tMax: 4, etaMin: 0.01, unit: 'step' });
    const s = new LinearWarmup({ warmupSteps: 2, after: cos });
    expect(s.unit).toBe('step');
    expect(values(s, 6)).toEqual([0, 0.05, ...values(cos, 4)]);
    expect(values(new LinearWarmup({ warmupSteps: 0, after: cos }), 3)).toEqual(values(cos, 3));
    expect(() => new LinearWarmup({ warmupSteps: 2, after: new StepLR({ stepSize: 1 }), unit: 'step' })).toThrow(
      'LinearWarmup: after must count in the same unit as the warmup (step), got a per-epoch schedule',
    );
  });

  it('scheduleFromConfig rebuilds every closed-form schedule', () => {
    const all: LRSchedule[] = [
      new StepLR({ stepSize: 3, gamma: 0.5, unit: 'step' }),
      new ExponentialLR({ gamma: 0.9 }),
      new CosineAnnealingLR({ tMax: 4 }),
      new LinearWarmup({ warmupSteps: 3, after: new ExponentialLR({ gamma: 0.5, unit: 'step' }) }),
      new LinearWarmup({ warmupSteps: 3 }),
    ];
    for (const s of all) {
      const r = scheduleFromConfig(JSON.parse(JSON.stringify(s.getConfig())) as Record<string, unknown>);
      expect(r.getConfig()).toEqual(s.getConfig());
      expect(values(r, 8)).toEqual(values(s, 8));
    }
    expect(() => scheduleFromConfig({ className: 'OneCycleLR' })).toThrow(/unknown schedule class "OneCycleLR"/);
  });

  it('validation errors', () => {
    expect(() => new StepLR({ stepSize: 0 })).toThrow('StepLR: stepSize must be a positive integer, got 0');
    expect(() => new ExponentialLR({} as { gamma: number })).toThrow('ExponentialLR: gamma must be a non-negative number, got undefined');
    expect(() => new CosineAnnealingLR({ tMax: 2.5 })).toThrow('CosineAnnealingLR: tMax must be a positive integer, got 2.5');
    expect(() => new StepLR({ stepSize: 2, unit: 'batch' as 'step' })).toThrow(`StepLR: unit must be one of 'epoch', 'step', got "batch"`);
    expect(() => new StepLR({ stepSize: 2 }).lrAt(-1, 0.1)).toThrow('StepLR.lrAt: index must be a non-negative integer, got -1');
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow('ReduceLROnPlateau: factor must be a number in [0, 1), got 1');
    expect(() => new ReduceLROnPlateau({ mode: 'up' as 'max' })).toThrow(`ReduceLROnPlateau: mode must be one of 'min', 'max', got "up"`);
    expect(() => new ReduceLROnPlateau({ patience: -1 })).toThrow('ReduceLROnPlateau: patience must be a non-negative integer, got -1');
  });

  describe('ReduceLROnPlateau', () => {
    // torch's lr after each scheduler.step(metric), from:
    //   opt = torch.optim.SGD([p], lr=1.0); s = ReduceLROnPlateau(opt, **kw)
    //   for m in M: s.step(m); out.append(opt.param_groups[0]['lr'])
    const M = [1.0, 0.9, 0.95, 0.92, 0.91, 0.9, 0.89999, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91];
    const CASES: [string, ConstructorParameters<typeof ReduceLROnPlateau>[0], number[]][] = [
      // patience=2
      ['min, patience 2', { patience: 2 }, [1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002]],
      // patience=1, cooldown=2, factor=0.5, min_lr=0.2
      ['min, cooldown, minLr', { patience: 1, cooldown: 2, factor: 0.5, minLr: 0.2 }, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2]],
      // mode='max', patience=1, threshold=0.05, threshold_mode='abs', factor=0.5
      ['max, abs threshold', { mode: 'max', patience: 1, threshold: 0.05, thresholdMode: 'abs', factor: 0.5 }, [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625, 0.0625, 0.03125, 0.03125, 0.015625, 0.015625]],
    ];

    for (const [label, opts, expected] of CASES) {
      it(`${label}: matches torch, and resumes from getState()`, () => {
        const opt = new SGD({ lr: 1 });
        const s = new ReduceLROnPlateau(opts);
        const lrs: number[] = [];
        const reduced: boolean[] = [];
        for (const m of M) {
          reduced.push(s.update(m, opt));
          lrs.push(opt.lr);
        }
        expect(lrs).toEqual(expected);
        expect(reduced).toEqual(expected.map((lr, i) => lr < (i === 0 ? 1 : expected[i - 1]!)));

        // Resume after 6 epochs through JSON (best may be ±Infinity internally).
        const opt2 = new SGD({ lr: 1 });
        const first = new ReduceLROnPlateau(opts);
        for (const m of M.slice(0, 6)) first.update(m, opt2);
        const { className, ...cfg } = JSON.parse(JSON.stringify(first.getConfig())) as Record<string, unknown>;
        expect(className).toBe('ReduceLROnPlateau');
        const second = new ReduceLROnPlateau(cfg as ReduceLROnPlateauConfig);
        second.setState(JSON.parse(JSON.stringify(first.getState())) as ReturnType<ReduceLROnPlateau['getState']>);
        const rest: number[] = [];
        for (const m of M.slice(6)) {
          second.update(m, opt2);
          rest.push(opt2.lr);
        }
        expect(rest).toEqual(expected.slice(6));
      });
    }

    it('state before any metric has best null', () => {
      expect(new ReduceLROnPlateau().getState()).toEqual({ best: null, numBadEpochs: 0, cooldownCounter: 0, lastEpoch: 0 });
      expect(() => new ReduceLROnPlateau().setState({ best: 1, numBadEpochs: -1, cooldownCounter: 0, lastEpoch: 0 })).toThrow(
        'ReduceLROnPlateau.setState: numBadEpochs must be a non-negative integer, got -1',
      );
    });
  });
});

type ReduceLROnPlateauConfig = ConstructorParameters<typeof ReduceLROnPlateau>[0];
