import { describe, expect, it } from 'vitest';
import { unstackAt } from '../../src/autograd/layout_ops.js';
import { Var, backwardFrom, recording } from '../../src/autograd/tape.js';
import { Attention } from '../../src/nn/attention.js';
import type { AttentionType } from '../../src/nn/attention.js';
import { Input, layerFromConfig } from '../../src/nn/layer.js';
import type { Layer, Shape, SymbolicTensor } from '../../src/nn/layer.js';
import { Dense, Embedding } from '../../src/nn/layers.js';
import { AttentionPooling, GlobalAveragePooling1D, GlobalMaxPooling1D } from '../../src/nn/pooling.js';
import { GRU, LSTM } from '../../src/nn/recurrent.js';
import { Model, Sequential, modelFromJSON } from '../../src/train/model.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, withArena } from '../../src/tensor/tensor.js';
import { expectClose, GRADCHECK_TOL, numericGrad } from '../util/gradcheck.js';
import type { Tolerance } from '../util/gradcheck.js';
import { expectAllClose, loadGolden } from '../util/golden.js';
import type { Golden } from '../util/golden.js';
import { forwardBackward, gradArray, leaf, lengthMask, loadGoldenParams, paramMap, valueOf } from './helpers.js';

// Masked pooling (GlobalMaxPooling1D, GlobalAveragePooling1D, AttentionPooling) and seq2seq
// Attention: PyTorch 1.13 golden fixtures made by tools/golden/attention.py (outputs, attention
// weights, all gradients), Float64 central-difference checks through the layers (op wiring,
// values = keys accumulation), and the layer harness (shapes, config round trip, masking,
// error messages, use in models).

const TOL: Tolerance = { rtol: 1e-5, atol: 1e-6 };
const CTX = { training: false, rng: new Rng(0) };

/** tools/golden/attention.py, pooling cases. */
interface PoolGoldenConfig {
  pool: 'max' | 'avg' | 'attention';
  batch_size: number;
  seq_len: number;
  features: number;
  units?: number;
  lengths: number[] | null;
  seed: number;
}

/** tools/golden/attention.py, attention cases. */
interface AttentionGoldenConfig {
  type: AttentionType;
  batch_size: number;
  query_is_sequence: boolean;
  query_len: number | null;
  key_len: number;
  query_features: number;
  key_features: number;
  separate_values: boolean;
  value_features: number;
  units: number | null;
  lengths: number[];
  seed: number;
}

function goldenMask(g: Golden<unknown>): Uint8Array | null {
  return g.has('inputs', 'mask') ? Uint8Array.from(g.inputInt('mask').data) : null;
}

describe('golden: masked pooling vs PyTorch (tools/golden/attention.py)', () => {
  for (const name of ['pool_max_masked', 'pool_avg_masked', 'attention_pooling', 'attention_pooling_masked'])
    it(name, () => {
      const g = loadGolden<PoolGoldenConfig>(name);
      const { pool, features: F, units } = g.config;
      const layer: Layer =
        pool === 'max' ? new GlobalMaxPooling1D() : pool === 'avg' ? new GlobalAveragePooling1D() : new AttentionPooling({ units: units!, returnAttention: true });
      layer.build([[null, null, F]], new Rng(0));
      loadGoldenParams(layer, g);
      withArena(() => {
        const xg = g.input('x');
        const x = leaf(xg.data, xg.shape);
        x.mask = goldenMask(g);
        const seeds = [g.input('r_y').data, ...(pool === 'attention' ? [g.input('r_w').data] : [])];
        const outs = forwardBackward(() => layer.call([x], CTX), seeds);
        expectAllClose(valueOf(outs[0]!), g.output('y'), TOL, `${name} y`);
        if (pool === 'attention') expectAllClose(valueOf(outs[1]!), g.output('weights'), TOL, `${name} weights`);
        expectAllClose(gradArray(x), g.grad('x'), TOL, `${name} dL/dx`);
        const params = paramMap(layer);
        for (const p of g.paramNames()) expectAllClose(gradArray(params.get(p)!), g.grad(p), TOL, `${name} dL/d${p}`);
      });
    });
});

const ATTENTION_CASES = [
  'attention_bahdanau_query',
  'attention_bahdanau_seq',
  'attention_luong_dot_query',
  'attention_luong_dot_seq',
  'attention_luong_general_query',
  'attention_luong_general_seq_values',
];

function goldenAttentionLayer(g: Golden<AttentionGoldenConfig>): Attention {
  const c = g.config;
  const layer = new Attention({ type: c.type, ...(c.units !== null ? { units: c.units } : {}), returnAttention: true });
  const q: Shape = c.query_is_sequence ? [null, null, c.query_features] : [null, c.query_features];
  layer.build([q, [null, null, c.key_features], ...(c.separate_values ? [[null, null, c.value_features]] : [])], new Rng(0));
  loadGoldenParams(layer, g);
  return layer;
}

/** The fixture's query, keys (with its mask) and, when separate, values as leaves (inside an arena). */
function goldenAttentionInputs(g: Golden<AttentionGoldenConfig>): { query: Var; keys: Var; values: Var | null } {
  const qg = g.input('query');
  const kg = g.input('keys');
  const query = leaf(qg.data, qg.shape);
  const keys = leaf(kg.data, kg.shape);
  keys.mask = goldenMask(g);
  const values = g.config.separate_values ? leaf(g.input('values').data, g.input('values').shape) : null;
  return { query, keys, values };
}

/** Compares gradients of query, keys, [values] and every parameter with the fixture. */
function compareAttentionGrads(g: Golden<AttentionGoldenConfig>, layer: Layer, query: Var, keys: Var, values: Var | null, label: string): void {
  expectAllClose(gradArray(query), g.grad('query'), TOL, `${label} dL/dquery`);
  expectAllClose(gradArray(keys), g.grad('keys'), TOL, `${label} dL/dkeys`);
  if (values) expectAllClose(gradArray(values), g.grad('values'), TOL, `${label} dL/dvalues`);
  const params = paramMap(layer);
  for (const p of g.paramNames()) expectAllClose(gradArray(params.get(p)!), g.grad(p), TOL, `${label} dL/d${p}`);
}

/** Rows i of a (B, Tq, W) array → (B, W). */
function sliceStep(a: Float32Array, B: number, Tq: number, W: number, i: number): Float32Array {
  const out = new Float32Array(B * W);
  for (let b = 0; b < B; b++) out.set(a.subarray((b * Tq + i) * W, (b * Tq + i + 1) * W), b * W);
  return out;
}

describe('golden: Attention vs PyTorch (tools/golden/attention.py)', () => {
  for (const name of ATTENTION_CASES) {
    it(`${name}: layer call`, () => {
      const g = loadGolden<AttentionGoldenConfig>(name);
      const layer = goldenAttentionLayer(g);
      withArena(() => {
        const { query, keys, values } = goldenAttentionInputs(g);
        const inputs = values ? [query, keys, values] : [query, keys];
        const [context, weights] = forwardBackward(() => layer.call(inputs, CTX), [g.input('r_context').data, g.input('r_weights').data]) as [Var, Var];
        expect([...context.shape]).toEqual(g.output('context').shape);
        expectAllClose(valueOf(context), g.output('context'), TOL, `${name} context`);
        expectAllClose(valueOf(weights), g.output('weights'), TOL, `${name} weights`);
        compareAttentionGrads(g, layer, query, keys, values, name);
      });
    });

    if (name.endsWith('_seq') || name.endsWith('_seq_values'))
      it(`${name}: decoder loop (keys projected once, one attend per query step)`, () => {
        const g = loadGolden<AttentionGoldenConfig>(name);
        const { batch_size: B, query_len, key_len: Tk, value_features: Hv } = g.config;
        const Tq = query_len!;
        const layer = goldenAttentionLayer(g);
        const rc = g.input('r_context').data;
        const rw = g.input('r_weights').data;
        withArena(() => {
          const { query, keys, values } = goldenAttentionInputs(g);
          const outs = recording(() => {
            const projected = layer.projectKeys(keys);
            const steps: Var[] = [];
            for (let i = 0; i < Tq; i++) {
              const r = layer.attend(unstackAt(query, i), projected, values ?? keys);
              steps.push(r.context, r.weights);
            }
            return steps;
          });
          const seeds: Tensor[] = [];
          for (let i = 0; i < Tq; i++) seeds.push(Tensor.from(sliceStep(rc, B, Tq, Hv, i), [B, Hv]), Tensor.from(sliceStep(rw, B, Tq, Tk, i), [B, Tk]));
          backwardFrom(outs, seeds);
          for (let i = 0; i < Tq; i++) {
            expectAllClose(valueOf(outs[2 * i]!), sliceStep(g.output('context').data, B, Tq, Hv, i), TOL, `${name} context step ${i}`);
            expectAllClose(valueOf(outs[2 * i + 1]!), sliceStep(g.output('weights').data, B, Tq, Tk, i), TOL, `${name} weights step ${i}`);
          }
          compareAttentionGrads(g, layer, query, keys, values, `${name} (loop)`);
        });
      });
  }
});

// ---------------------------------------------------------------------------------------------
// Float64 central differences through the layers (ops + kernels + wiring).

interface In64 {
  data: Float64Array;
  shape: number[];
  mask?: Uint8Array;
}

function uniform64(shape: number[], seed: number): In64 {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float64Array.from({ length: n }, () => rng.uniform(-1, 1)), shape };
}

/**
 * Checks every input and parameter gradient of L = Σ_k outputs[k] ⊙ R_k against central
 * differences. `inputs[k]` are fresh Float64 leaves per evaluation (masks attached).
 */
function layerGradcheck(layer: Layer, inputs: In64[], seed: number): void {
  const vars = (): Var[] =>
    inputs.map((a) => {
      const v = new Var(Tensor.from(a.data, a.shape, 'float64'), true);
      if (a.mask) v.mask = a.mask;
      return v;
    });
  const R = withArena(() => {
    const outs = layer.call(vars(), CTX);
    return outs.map((o, k) => uniform64([...o.shape], seed + k).data);
  });
  const loss = (): number =>
    withArena(() => {
      let s = 0;
      layer.call(vars(), CTX).forEach((o, k) => {
        const d = o.data;
        for (let i = 0; i < d.length; i++) s += d[i]! * R[k]![i]!;
      });
      return s;
    });
  for (const p of layer.parameters()) p.zeroGrad();
  const analytic = withArena(() => {
    const vs = vars();
    const outs = recording(() => layer.call(vs, CTX));
    backwardFrom(
      outs,
      outs.map((o, k) => Tensor.from(R[k]!, o.shape, 'float64')),
    );
    return vs.map((v) => (v.grad ? v.grad.data.slice() : new Float64Array(v.value.size)));
  });
  inputs.forEach((a, k) => expectClose(analytic[k]!, numericGrad(loss, a.data), GRADCHECK_TOL, `${layer.name} d/dinput${k}`));
  for (const p of layer.parameters()) {
    const g = p.grad!.data.slice();
    expectClose(g, numericGrad(loss, p.data as Float64Array), GRADCHECK_TOL, `${layer.name} d/d${p.name}`);
  }
}

const B = 3;
const T = 5;
// Row 2 has no real step.
const PAD = lengthMask([5, 2, 0], T);
const HOLE = Uint8Array.from([0, 1, 0, 1, 1, /**/ 1, 0, 0, 0, 1, /**/ 0, 1, 1, 0, 0]);

describe('gradient checks (Float64, central differences) through the layers', () => {
  it('GlobalMaxPooling1D and GlobalAveragePooling1D with masks (incl. a row with no real step)', () => {
    for (const mask of [PAD, HOLE, undefined]) {
      for (const make of [() => new GlobalMaxPooling1D({ dtype: 'float64' }), () => new GlobalAveragePooling1D({ dtype: 'float64' })]) {
        const layer = make();
        layer.build([[null, null, 4]], new Rng(0));
        layerGradcheck(layer, [{ ...uniform64([B, T, 4], 1), ...(mask ? { mask } : {}) }], 50);
      }
    }
  });

  it('AttentionPooling with masks, with and without bias, returning α', () => {
    for (const [mask, useBias] of [[PAD, true], [HOLE, false], [undefined, true]] as const) {
      const layer = new AttentionPooling({ units: 6, returnAttention: true, useBias, dtype: 'float64' });
      layer.build([[null, null, 4]], new Rng(2));
      layerGradcheck(layer, [{ ...uniform64([B, T, 4], 3), ...(mask ? { mask } : {}) }], 60);
    }
  });

  const TYPES: AttentionType[] = ['bahdanau', 'luong-dot', 'luong-general'];
  for (const type of TYPES)
    for (const seqQuery of [false, true])
      it(`Attention ${type}, query ${seqQuery ? '(B, Tq, Hq)' : '(B, Hq)'}, masked keys; values = keys and separate values`, () => {
        const Hq = type === 'luong-dot' ? 6 : 5;
        const qShape = seqQuery ? [B, 3, Hq] : [B, Hq];
        for (const separate of [false, true]) {
          const layer = new Attention({ type, ...(type === 'bahdanau' ? { units: 4 } : {}), returnAttention: true, dtype: 'float64' });
          const shapes: Shape[] = [[null, ...qShape.slice(1)], [null, null, 6], ...(separate ? [[null, null, 2]] : [])];
          layer.build(shapes, new Rng(4));
          const inputs: In64[] = [uniform64(qShape, 5), { ...uniform64([B, T, 6], 6), mask: separate ? HOLE : PAD }];
          if (separate) inputs.push(uniform64([B, T, 2], 7));
          layerGradcheck(layer, inputs, 70);
        }
      });
});

// ---------------------------------------------------------------------------------------------
// Layer harness.

interface Arr {
  data: Float32Array;
  shape: number[];
  mask?: Uint8Array;
}

function randn(shape: number[], seed: number, mask?: Uint8Array): Arr {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => rng.uniform(-1, 1)), shape, ...(mask ? { mask } : {}) };
}

function run(layer: Layer, inputs: Arr[]): Arr[] {
  return withArena(() => {
    const vars = inputs.map((a) => {
      const v = new Var(Tensor.from(a.data, a.shape), false);
      if (a.mask) v.mask = a.mask;
      return v;
    });
    return layer.call(vars, CTX).map((v) => ({ data: Float32Array.from(v.data), shape: [...v.shape] }));
  });
}

interface Spec {
  label: string;
  make: () => Layer;
  /** Build shapes (batch null). */
  shapes: Shape[];
  inputs: () => Arr[];
  params: number;
}

const SPECS: Spec[] = [
  { label: 'GlobalMaxPooling1D', make: () => new GlobalMaxPooling1D(), shapes: [[null, null, 4]], inputs: () => [randn([B, T, 4], 1, PAD)], params: 0 },
  { label: 'GlobalAveragePooling1D', make: () => new GlobalAveragePooling1D({ inputShape: [null, 4] }), shapes: [[null, null, 4]], inputs: () => [randn([B, T, 4], 1, PAD)], params: 0 },
  { label: 'AttentionPooling', make: () => new AttentionPooling({ units: 6 }), shapes: [[null, null, 4]], inputs: () => [randn([B, T, 4], 1, PAD)], params: 6 * 4 + 6 + 6 },
  {
    label: 'AttentionPooling (returnAttention, no bias, pytorch init)',
    make: () => new AttentionPooling({ units: 6, returnAttention: true, useBias: false, kernelInitializer: 'pytorch' }),
    shapes: [[null, null, 4]],
    inputs: () => [randn([B, T, 4], 1, HOLE)],
    params: 6 * 4 + 6,
  },
  {
    label: 'Attention bahdanau, query (B, Hq)',
    make: () => new Attention({ type: 'bahdanau', units: 7, returnAttention: true }),
    shapes: [[null, 5], [null, null, 16]],
    inputs: () => [randn([B, 5], 2), randn([B, T, 16], 3, PAD)],
    params: 7 * 5 + 7 * 16 + 7,
  },
  {
    label: 'Attention bahdanau, query (B, Tq, Hq), separate values',
    make: () => new Attention({ type: 'bahdanau', units: 7, returnAttention: true }),
    shapes: [[null, null, 5], [null, null, 16], [null, null, 3]],
    inputs: () => [randn([B, 4, 5], 2), randn([B, T, 16], 3, PAD), randn([B, T, 3], 4)],
    params: 7 * 5 + 7 * 16 + 7,
  },
  {
    label: 'Attention luong-dot, query (B, Tq, Hq)',
    make: () => new Attention({ type: 'luong-dot' }),
    shapes: [[null, null, 16], [null, null, 16]],
    inputs: () => [randn([B, 2, 16], 2), randn([B, T, 16], 3, HOLE)],
    params: 0,
  },
  {
    label: 'Attention luong-general, query (B, Hq)',
    make: () => new Attention({ type: 'luong-general', returnAttention: true, kernelInitializer: 'pytorch' }),
    shapes: [[null, 8], [null, null, 16]],
    inputs: () => [randn([B, 8], 2), randn([B, T, 16], 3, PAD)],
    params: 8 * 16,
  },
];

function built(spec: Spec, seed = 0): Layer {
  const l = spec.make();
  l.build(spec.shapes, new Rng(seed));
  return l;
}

describe('layer harness: pooling and attention', () => {
  for (const spec of SPECS)
    describe(spec.label, () => {
      it('output shapes match outputShapes(), symbolic and concrete', () => {
        const layer = built(spec);
        const inputs = spec.inputs();
        const outs = run(layer, inputs);
        expect(outs.map((o) => o.shape)).toEqual(layer.outputShapes(inputs.map((a) => a.shape)));
        const sym = layer.outputShapes(spec.shapes);
        expect(sym.length).toBe(outs.length);
        sym.forEach((s, k) => s.forEach((d, j) => expect(d === null || d === outs[k]!.shape[j], `output ${k} dim ${j}`).toBe(true)));
      });

      it(`has ${spec.params} parameters`, () => {
        expect(built(spec).countParams()).toBe(spec.params);
      });

      it('toJSON → layerFromConfig gives the same config, parameters and outputs', () => {
        const layer = built(spec, 1);
        const json = layer.toJSON();
        const copy = layerFromConfig(JSON.parse(JSON.stringify(json)) as typeof json);
        expect(copy.className).toBe(layer.className);
        expect(copy.toJSON()).toEqual(json);
        copy.build(spec.shapes, new Rng(2));
        expect(copy.parameters().map((p) => [p.name, [...p.shape]])).toEqual(layer.parameters().map((p) => [p.name, [...p.shape]]));
        const src = paramMap(layer);
        for (const p of copy.parameters()) p.data.set(src.get(p.name)!.data);
        const inputs = spec.inputs();
        const a = run(layer, inputs);
        run(copy, inputs).forEach((o, k) => expect(o.data).toEqual(a[k]!.data));
      });

      it('padded steps / keys do not matter: changing them leaves every output unchanged', () => {
        const layer = built(spec);
        const inputs = spec.inputs();
        const masked = inputs.findIndex((a) => a.mask);
        const m = inputs[masked]!.mask!;
        const noisy = inputs.map((a) => ({ ...a, data: a.data.slice() }));
        // Values (3rd attention input) follow the keys' mask as well.
        for (const k of [masked, ...(inputs.length === 3 ? [2] : [])]) {
          const a = noisy[k]!;
          const W = a.data.length / m.length;
          m.forEach((real, s) => {
            if (!real) for (let f = 0; f < W; f++) a.data[s * W + f] = 100 + f;
          });
        }
        const before = run(layer, inputs);
        run(layer, noisy).forEach((o, k) => expect(o.data).toEqual(before[k]!.data));
      });
    });

  it('Attention: padded keys get weight exactly 0, real keys sum to 1, a row with no real key gives zeros', () => {
    for (const type of ['bahdanau', 'luong-dot', 'luong-general'] as const) {
      const layer = new Attention({ type, ...(type === 'bahdanau' ? { units: 4 } : {}), returnAttention: true });
      layer.build([[null, null, 6], [null, null, 6]], new Rng(0));
      const Tq = 2;
      const [context, weights] = run(layer, [randn([B, Tq, 6], 1), randn([B, T, 6], 2, PAD)]) as [Arr, Arr];
      for (let b = 0; b < B; b++)
        for (let i = 0; i < Tq; i++) {
          const row = weights.data.subarray((b * Tq + i) * T, (b * Tq + i + 1) * T);
          let sum = 0;
          row.forEach((w, j) => {
            if (PAD[b * T + j] === 0) expect(w, `${type} weight [${b}, ${i}, ${j}]`).toBe(0);
            sum += w;
          });
          expect(sum).toBeCloseTo(b === 2 ? 0 : 1, 6);
        }
      expect([...context.data.subarray(2 * Tq * 6)].every((v) => v === 0)).toBe(true);
    }
  });

  it('AttentionPooling and GlobalMaxPooling1D: a row with no real step outputs 0', () => {
    for (const layer of [new AttentionPooling({ units: 3, returnAttention: true }), new GlobalMaxPooling1D(), new GlobalAveragePooling1D()]) {
      layer.build([[null, null, 4]], new Rng(0));
      const outs = run(layer, [randn([B, T, 4], 1, PAD)]);
      for (const o of outs) expect([...o.data.subarray((2 * o.data.length) / B)].every((v) => v === 0), layer.className).toBe(true);
    }
  });

  it('error messages: shapes and options, in the project format', () => {
    const att = new Attention({ name: 'att', type: 'bahdanau', units: 4 });
    att.build([[null, 12], [null, null, 16]], new Rng(0));
    const call = (...shapes: number[][]): unknown => withArena(() => att.call(shapes.map((s) => new Var(Tensor.zeros(s), false)), CTX));
    expect(() => call([2, 12], [2, 5, 8])).toThrow("Attention 'att': expected keys (batch, time, 16), got (2, 5, 8)");
    expect(() => call([2, 12], [2, 16])).toThrow("Attention 'att': expected keys (batch, time, 16), got (2, 16)");
    expect(() => call([2, 12], [3, 5, 16])).toThrow("Attention 'att': expected keys with batch 2 like the query, got (3, 5, 16)");
    expect(() => call([2, 10], [2, 5, 16])).toThrow("Attention 'att': expected query (batch, 12) or (batch, time, 12), got (2, 10)");
    expect(() => call([2, 12], [2, 5, 16], [2, 4, 3])).toThrow("Attention 'att': expected values (2, 5, features) like the keys, got (2, 4, 3)");
    expect(() => call([2, 12])).toThrow("Attention 'att': expected inputs [query, keys] or [query, keys, values], got 1 input(s)");
    expect(() =>
      withArena(() => {
        const keys = new Var(Tensor.zeros([2, 5, 16]), false);
        att.attend(new Var(Tensor.zeros([2, 12]), false), att.projectKeys(keys), keys, new Uint8Array(9));
      }),
    ).toThrow("Attention 'att': expected a key mask of (2, 5) = 10 entries, got 9");
    expect(() => withArena(() => att.attend(new Var(Tensor.zeros([2, 12]), false), new Var(Tensor.zeros([2, 5, 16]), false), new Var(Tensor.zeros([2, 5, 16]), false)))).toThrow(
      "Attention 'att': expected projected keys (2, time, 4), got (2, 5, 16)",
    );

    expect(() => new Attention({ name: 'a', type: 'bahdanau' })).toThrow("Attention 'a': units must be a positive integer for type 'bahdanau', got undefined");
    expect(() => new Attention({ name: 'a', type: 'luong-dot', units: 4 })).toThrow("Attention 'a': units applies only to type 'bahdanau', got units 4 with type 'luong-dot'");
    expect(() => new Attention({ name: 'a', type: 'concat' as AttentionType })).toThrow(`Attention 'a': unknown type "concat"; expected one of bahdanau, luong-dot, luong-general`);
    expect(() => new Attention({ name: 'a', type: 'luong-dot' }).build([[null, 8], [null, null, 16]], new Rng(0))).toThrow(
      "Attention 'a': luong-dot needs query and key features to agree, got query (None, 8) and keys (None, None, 16)",
    );
    expect(() => new Attention({ name: 'a', type: 'luong-dot' }).build([[null, 8]], new Rng(0))).toThrow("Attention 'a': expected inputs [query, keys] or [query, keys, values], got 1 input(s)");

    const gmp = new GlobalMaxPooling1D({ name: 'gmp' });
    gmp.build([[null, null, 4]], new Rng(0));
    expect(() => withArena(() => gmp.call([new Var(Tensor.zeros([2, 4]), false)], CTX))).toThrow("GlobalMaxPooling1D 'gmp': expected input (batch, time, features), got (2, 4)");
    expect(() => withArena(() => gmp.call([new Var(Tensor.zeros([2, 5, 3]), false)], CTX))).toThrow("GlobalMaxPooling1D 'gmp': expected input (batch, time, 4), got (2, 5, 3)");
    expect(() => new AttentionPooling({ name: 'ap', units: 0 })).toThrow("AttentionPooling 'ap': units must be a positive integer, got 0");
    expect(() => new AttentionPooling({ name: 'ap', units: 3 }).build([[null, 4]], new Rng(0))).toThrow("AttentionPooling 'ap': expected input (batch, time, features) with known features, got (None, 4)");
  });
});

describe('pooling and attention in models', () => {
  it('Sequential classifier: Embedding(maskZero) → GRU → AttentionPooling → Dense ignores padding and trains', async () => {
    const make = (): Sequential =>
      new Sequential([new Embedding({ inputDim: 20, outputDim: 8, maskZero: true }), new GRU({ units: 8, returnSequences: true }), new AttentionPooling({ units: 6 }), new Dense({ units: 2 })], { seed: 3 });
    const model = make();
    const short = model.predictArrays([[3, 4, 5]])[0]!;
    const padded = model.predictArrays([[3, 4, 5, 0, 0]])[0]!;
    expectClose(padded.data, short.data, { atol: 1e-6, rtol: 1e-5 }, 'padded vs unpadded');

    const x = [
      [1, 2, 3, 0],
      [4, 5, 0, 0],
      [6, 7, 8, 9],
      [2, 0, 0, 0],
    ];
    const y = [0, 1, 0, 1];
    const pool = model.layers[2]!;
    const before = pool.parameters().map((p) => p.data.slice());
    const h = await model.fit(x, y, { loss: 'crossEntropy', optimizer: 'adam', epochs: 3, batchSize: 4, verbose: 0 });
    expect(h.history['loss']!.every((v) => Number.isFinite(v))).toBe(true);
    pool.parameters().forEach((p, k) => expect(p.data).not.toEqual(before[k]));
  });

  it('functional seq2seq: encoder/decoder LSTMs + Bahdanau attention; JSON round trip gives the same outputs', () => {
    const src = Input({ shape: [null], name: 'src' });
    const tgt = Input({ shape: [null, 4], name: 'tgt' });
    const enc = new LSTM({ units: 16, returnSequences: true }).apply(new Embedding({ inputDim: 12, outputDim: 6, maskZero: true }).apply(src) as SymbolicTensor) as SymbolicTensor;
    const dec = new LSTM({ units: 10, returnSequences: true }).apply(tgt) as SymbolicTensor;
    const [ctx, alpha] = new Attention({ name: 'attn', type: 'bahdanau', units: 8, returnAttention: true }).apply([dec, enc]) as SymbolicTensor[];
    const model = new Model({ inputs: [src, tgt], outputs: [ctx!, alpha!], seed: 5 });
    expect(model.outputShapes(model.inputShapes)).toEqual([
      [null, null, 16],
      [null, null, null],
    ]);
    const srcIds = [
      [3, 4, 5, 0],
      [7, 0, 0, 0],
    ];
    const tgtSeq = randn([2, 3, 4], 9);
    const tgtNested = [0, 1].map((b) => [0, 1, 2].map((t) => Array.from(tgtSeq.data.subarray((b * 3 + t) * 4, (b * 3 + t + 1) * 4))));
    const [c, a] = model.predictArrays([srcIds, tgtNested]) as [{ data: Float32Array; shape: number[] }, { data: Float32Array; shape: number[] }];
    expect(c.shape).toEqual([2, 3, 16]);
    expect(a.shape).toEqual([2, 3, 4]);
    for (let t = 0; t < 3; t++) {
      expect([...a.data.subarray((0 * 3 + t) * 4 + 3, (0 * 3 + t) * 4 + 4)]).toEqual([0]);
      expect([...a.data.subarray((1 * 3 + t) * 4 + 1, (1 * 3 + t + 1) * 4)]).toEqual([0, 0, 0]);
    }
    const copy = modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())) as Record<string, unknown>);
    copy.loadStateDict(model.stateDict());
    expect(copy.namedParameters().map(([n]) => n)).toContain('attn.query_proj.weight');
    const [c2] = copy.predictArrays([srcIds, tgtNested]);
    expect(c2!.data).toEqual(c.data);
  });
});
