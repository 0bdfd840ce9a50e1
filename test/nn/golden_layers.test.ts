import { describe, expect, it } from 'vitest';
import { recurrentSequence } from '../../src/autograd/recurrent_op.js';
import type { CellKind, RecurrentWeights } from '../../src/autograd/recurrent_op.js';
import { dropoutSequenceWithMask } from '../../src/autograd/ops.js';
import { Var } from '../../src/autograd/tape.js';
import { Dense, Embedding } from '../../src/nn/layers.js';
import { GRU, LSTM } from '../../src/nn/recurrent.js';
import { dropoutMask } from '../../src/kernels/ref/elementwise.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, withArena } from '../../src/tensor/tensor.js';
import type { Tolerance } from '../util/gradcheck.js';
import { expectAllClose, listGolden, loadGolden } from '../util/golden.js';
import type { Golden, RnnGoldenConfig } from '../util/golden.js';
import { forwardBackward, gradArray, leaf, lengthMask, loadGoldenParams, paramMap, recurrentLayerFor, valueOf } from './helpers.js';

// Layer-level checks against PyTorch 1.13 (test/fixtures/golden, tools/golden/rnn_layers.py and
// keras_variants.py): our layer is built with the fixture's configuration, gets the fixture's
// parameters by state_dict name, runs forward on the tape, and backpropagates
// L = Σ y⊙r_y + Σ h_n⊙r_h (+ Σ c_n⊙r_c) by seeding the output gradients with r_* (backwardFrom).
// Outputs, final states and every gradient must match PyTorch's float32 results.

/** float32 tolerance (torch.allclose-style). Every case below passes at this level. */
const TOL: Tolerance = { rtol: 1e-5, atol: 1e-6 };

const RNN_CASES = [
  'rnn_tanh',
  'rnn_relu',
  'lstm',
  'gru',
  'lstm_nobias_noh0',
  'rnn_tanh_2layer',
  'lstm_2layer',
  'gru_2layer',
  'lstm_bidir',
  'gru_bidir',
  'rnn_tanh_bidir',
  'lstm_bidir_2layer',
  'lstm_packed',
  'gru_packed',
  'lstm_bidir_packed',
  'gru_bidir_packed',
  'lstm_bidir_2layer_packed',
];

const KERAS_CASES = [
  'keras_gru_reset_before',
  'keras_lstm_recurrent_dropout',
  'keras_lstm_input_dropout',
  'keras_lstm_both_dropout',
  'keras_gru_recurrent_dropout',
  'keras_gru_reset_before_recurrent_dropout',
];

interface RecurrentRun {
  /** Our states are (B, L·D, H) when L·D > 1; PyTorch's are (L·D, B, H). */
  LD?: number;
  y: Var;
  hN: Var;
  cN: Var | null;
  x: Var;
  h0: Var | null;
  c0: Var | null;
}

/** Swaps the first two axes of a (P, Q, H) array: (P, Q, H) → (Q, P, H). */
function swap01<A extends Float32Array | Float64Array>(a: A, P: number, Q: number, H: number): A {
  const out = new (a.constructor as new (n: number) => A)(a.length);
  for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) out.set(a.subarray((p * Q + q) * H, (p * Q + q + 1) * H), (q * P + p) * H);
  return out;
}

/** Our (B, L·D, H) state in PyTorch's (L·D, B, H) layout, for comparison with fixtures. */
function torchLayout(a: Float32Array | Float64Array, LD: number, H: number): Float32Array | Float64Array {
  return LD === 1 ? a : swap01(a, a.length / (LD * H), LD, H);
}

/** Compares a run against the fixture: outputs, final states, input and parameter gradients. */
function compareRecurrent(g: Golden<RnnGoldenConfig>, run: RecurrentRun, params: Map<string, Var>, tol: Tolerance = TOL): void {
  const n = g.name;
  const LD = run.LD ?? 1;
  const H = g.config.hidden_size;
  expectAllClose(valueOf(run.y), g.output('y'), tol, `${n} y`);
  expectAllClose(torchLayout(valueOf(run.hN), LD, H), g.output('h_n'), tol, `${n} h_n`);
  if (g.has('outputs', 'c_n')) {
    expect(run.cN, `${n}: c_n`).not.toBeNull();
    expectAllClose(torchLayout(valueOf(run.cN!), LD, H), g.output('c_n'), tol, `${n} c_n`);
  } else expect(run.cN, `${n}: no c_n expected`).toBeNull();

  expectAllClose(gradArray(run.x), g.grad('x'), tol, `${n} dL/dx`);
  if (g.has('grads', 'h0')) expectAllClose(torchLayout(gradArray(run.h0!), LD, H), g.grad('h0'), tol, `${n} dL/dh0`);
  if (g.has('grads', 'c0')) expectAllClose(torchLayout(gradArray(run.c0!), LD, H), g.grad('c0'), tol, `${n} dL/dc0`);
  for (const name of g.paramNames()) {
    const p = params.get(name);
    expect(p, `${n}: parameter ${name}`).toBeDefined();
    expectAllClose(gradArray(p!), g.grad(name), tol, `${n} dL/d${name}`);
  }
}

/** Runs the fixture's configuration through our layer (SimpleRNN / LSTM / GRU, maybe Bidirectional). */
function runLayerGolden(name: string): void {
  const g = loadGolden<RnnGoldenConfig>(name);
  const cfg = g.config;
  const layer = recurrentLayerFor(cfg);
  loadGoldenParams(layer, g);
  const isLstm = cfg.mode === 'LSTM';
  const D = cfg.bidirectional ? 2 : 1;
  const LD = cfg.num_layers * D;
  const B = cfg.batch_size;
  const T = cfg.seq_len;
  const H = cfg.hidden_size;
  // Our layer takes one initial state per kind: (B, L·D, H) batch first, or (B, H) when L·D = 1;
  // PyTorch's h0/h_n are (L·D, B, H), so fixture states are transposed on the way in and out.
  const stateShape = LD === 1 ? [B, H] : [B, LD, H];
  const ours = (a: Float32Array): Float32Array => (LD === 1 ? a : swap01(a, LD, B, H));

  withArena(() => {
    const xg = g.input('x');
    const x = leaf(xg.data, xg.shape);
    if (cfg.lengths) x.mask = lengthMask(cfg.lengths, T);
    const h0 = cfg.has_h0 ? leaf(ours(g.input('h0').data), stateShape) : null;
    const c0 = cfg.has_h0 && isLstm ? leaf(ours(g.input('c0').data), stateShape) : null;
    const states = [h0, c0].filter((v): v is Var => v !== null);
    const seeds = [g.input('r_y').data, ours(g.input('r_h').data), ...(isLstm ? [ours(g.input('r_c').data)] : [])];

    const outs = forwardBackward(() => layer.call([x, ...states], { training: false, rng: new Rng(1) }), seeds);
    expect(outs.length, `${name}: [y, h_n${isLstm ? ', c_n' : ''}]`).toBe(isLstm ? 3 : 2);
    const [y, hN, cN] = outs as [Var, Var, Var | undefined];
    expect([...y.shape]).toEqual([B, T, D * H]);
    expect([...hN.shape]).toEqual(stateShape);

    if (cfg.lengths) {
      // PyTorch's packed-sequence semantics, spelled out (the fixture asserts the same).
      const yd = y.data;
      cfg.lengths.forEach((len, b) => {
        for (let k = b * T * D * H + len * D * H; k < (b + 1) * T * D * H; k++) expect(yd[k], `${name}: y padded`).toBe(0);
      });
    }
    compareRecurrent(g, { LD, y, hN, cN: cN ?? null, x, h0, c0 }, paramMap(layer));
  });
}

/**
 * Keras variants with fixed dropout masks: our layers draw their masks from the Rng inside `call`,
 * so here the fused sequence op is called directly with the fixture's masks — x_mask through
 * `dropoutSequenceWithMask` (the op behind the layer's `dropout`), h_mask as `recurrentSequence`'s
 * hMask (the layer's `recurrentDropout`). The layer's mask plumbing (which mask goes where, drawn
 * in which order) is tested separately below ("layer dropout plumbing").
 */
function runKernelGolden(name: string): void {
  const g = loadGolden<RnnGoldenConfig>(name);
  const cfg = g.config;
  const layer = recurrentLayerFor(cfg); // only to own Parameters with the right names and shapes
  loadGoldenParams(layer, g);
  const p = paramMap(layer);
  const isLstm = cfg.mode === 'LSTM';
  const cell: CellKind = isLstm ? 'lstm' : cfg.reset_after === false ? 'gru_reset_before' : 'gru';
  const B = cfg.batch_size;
  const H = cfg.hidden_size;
  const w: RecurrentWeights = {
    wih: p.get('weight_ih_l0')!,
    whh: p.get('weight_hh_l0')!,
    bih: p.get('bias_ih_l0') ?? null,
    bhh: p.get('bias_hh_l0') ?? null,
  };

  withArena(() => {
    const xg = g.input('x');
    const x = leaf(xg.data, xg.shape);
    const h0 = leaf(g.input('h0').data, [B, H]);
    const c0 = isLstm ? leaf(g.input('c0').data, [B, H]) : null;
    const xMask = g.has('inputs', 'x_mask') ? Tensor.from(g.input('x_mask').data, [B, cfg.input_size]) : null;
    const hMask = g.has('inputs', 'h_mask') ? Tensor.from(g.input('h_mask').data, [B, H]) : null;
    const seeds = [g.input('r_y').data, g.input('r_h').data, ...(isLstm ? [g.input('r_c').data] : [])];

    const outs = forwardBackward(() => {
      const xin = xMask ? dropoutSequenceWithMask(x, xMask) : x;
      const r = recurrentSequence(cell, xin, w, H, h0, c0, null, false, hMask);
      return r.cT ? [r.y, r.hT, r.cT] : [r.y, r.hT];
    }, seeds);
    const [y, hN, cN] = outs as [Var, Var, Var | undefined];
    compareRecurrent(g, { y, hN, cN: cN ?? null, x, h0, c0 }, p);
  });
}

describe('golden: recurrent layers vs torch.nn.RNN/LSTM/GRU (rnn_layers.py)', () => {
  it('covers every recurrent fixture of rnn_layers.py and keras_variants.py', () => {
    const all = listGolden().filter((n) => {
      const g = loadGolden(n);
      return /(^|\/)(rnn_layers|keras_variants)\.py$/.test(g.script) && 'mode' in (g.config as object);
    });
    expect([...RNN_CASES, ...KERAS_CASES].sort()).toEqual(all);
  });

  for (const name of RNN_CASES) it(name, () => runLayerGolden(name));
});

describe('golden: Keras variants (keras_variants.py)', () => {
  // No dropout masks: the layer itself (GRU resetAfter: false).
  it('keras_gru_reset_before (layer)', () => runLayerGolden('keras_gru_reset_before'));
  it('keras_gru_reset_before (sequence op)', () => runKernelGolden('keras_gru_reset_before'));
  for (const name of KERAS_CASES.filter((n) => n !== 'keras_gru_reset_before')) it(`${name} (sequence op, fixed masks)`, () => runKernelGolden(name));
});

describe('layer dropout plumbing', () => {
  const B = 3;
  const T = 5;
  const I = 4;
  const H = 6;

  function makeLstm(dropout: number, recurrentDropout: number): LSTM {
    const l = new LSTM({ units: H, returnSequences: true, returnState: true, dropout, recurrentDropout, inputShape: [null, I] });
    l.build([l.inputShape!], new Rng(0));
    return l;
  }

  function copyParams(from: LSTM, to: LSTM): void {
    const src = paramMap(from);
    for (const p of to.parameters()) p.data.set(src.get(p.name)!.data);
  }

  const xData = Float32Array.from({ length: B * T * I }, (_, k) => Math.sin(0.7 * k + 0.3));

  function run(layer: LSTM, training: boolean, seed: number): Float32Array[] {
    return withArena(() => {
      const x = new Var(Tensor.from(xData, [B, T, I]), false);
      return layer.call([x], { training, rng: new Rng(seed) }).map((v) => Float32Array.from(v.data));
    });
  }

  it('training with dropout + recurrentDropout is deterministic for a fixed Rng seed', () => {
    const l = makeLstm(0.5, 0.25);
    const a = run(l, true, 7);
    const b = run(l, true, 7);
    a.forEach((v, k) => expect(b[k]).toEqual(v));
    const c = run(l, true, 8);
    expect(c[0]).not.toEqual(a[0]);
  });

  it('training: false equals the same layer without dropout', () => {
    const l = makeLstm(0.5, 0.25);
    const plain = makeLstm(0, 0);
    copyParams(l, plain);
    const a = run(l, false, 7);
    const b = run(plain, true, 7);
    a.forEach((v, k) => expect(v).toEqual(b[k]));
    expect(run(l, true, 7)[0]).not.toEqual(a[0]);
  });

  it('layer masks go to x (dropout, one (B, I) mask per sequence) and to W_hh·h (recurrentDropout)', () => {
    // Relies on the draw order inside RecurrentLayer.call for one layer, one direction:
    // first the (B, I) input mask, then the (B, H) recurrent mask.
    const l = makeLstm(0.5, 0.25);
    const got = run(l, true, 11);
    const want = withArena(() => {
      const rng = new Rng(11);
      const xMask = Tensor.temp([B, I]);
      dropoutMask(rng, 0.5, xMask.data);
      const hMask = Tensor.temp([B, H]);
      dropoutMask(rng, 0.25, hMask.data);
      const p = paramMap(l);
      const w = { wih: p.get('weight_ih_l0')!, whh: p.get('weight_hh_l0')!, bih: p.get('bias_ih_l0')!, bhh: p.get('bias_hh_l0')! };
      const x = new Var(Tensor.from(xData, [B, T, I]), false);
      const r = recurrentSequence('lstm', dropoutSequenceWithMask(x, xMask), w, H, null, null, null, false, hMask);
      return [r.y, r.hT, r.cT!].map((v) => Float32Array.from(v.data));
    });
    got.forEach((v, k) => expect(v).toEqual(want[k]));
  });

  it('GRU recurrentDropout in training mode is deterministic and off in inference', () => {
    const mk = (rd: number): GRU => {
      const g = new GRU({ units: H, returnSequences: true, recurrentDropout: rd, resetAfter: false, inputShape: [null, I] });
      g.build([g.inputShape!], new Rng(3));
      return g;
    };
    const a = mk(0.3);
    const b = mk(0);
    const go = (l: GRU, training: boolean, seed: number): Float32Array =>
      withArena(() => Float32Array.from(l.call([new Var(Tensor.from(xData, [B, T, I]), false)], { training, rng: new Rng(seed) })[0]!.data));
    expect(go(a, true, 5)).toEqual(go(a, true, 5));
    expect(go(a, false, 5)).toEqual(go(b, false, 9));
    expect(go(a, true, 5)).not.toEqual(go(a, false, 5));
  });
});

describe('golden: Linear and Embedding (rnn_layers.py)', () => {
  for (const name of ['linear', 'linear_3d']) {
    it(`${name}: Dense = nn.Linear (weight (O, I), bias (O))`, () => {
      const g = loadGolden<{ in_features: number; out_features: number }>(name);
      const { in_features: I, out_features: O } = g.config;
      const dense = new Dense({ units: O, inputShape: [I] });
      dense.build([[null, I]], new Rng(0));
      loadGoldenParams(dense, g);
      withArena(() => {
        const xg = g.input('x');
        const x = leaf(xg.data, xg.shape);
        const [y] = forwardBackward(() => dense.call([x], { training: false, rng: new Rng(0) }), [g.input('r').data]) as [Var];
        expect([...y.shape]).toEqual(g.output('y').shape);
        expectAllClose(valueOf(y), g.output('y'), TOL, `${name} y`);
        expectAllClose(gradArray(x), g.grad('x'), TOL, `${name} dL/dx`);
        const p = paramMap(dense);
        expectAllClose(gradArray(p.get('weight')!), g.grad('weight'), TOL, `${name} dL/dweight`);
        expectAllClose(gradArray(p.get('bias')!), g.grad('bias'), TOL, `${name} dL/dbias`);
      });
    });
  }

  it('embedding_padding_idx: Embedding(paddingIdx: 0) = nn.Embedding(padding_idx=0)', () => {
    const g = loadGolden<{ num_embeddings: number; embedding_dim: number; padding_idx: number }>('embedding_padding_idx');
    const { num_embeddings: V, embedding_dim: E, padding_idx: pad } = g.config;
    const emb = new Embedding({ inputDim: V, outputDim: E, paddingIdx: pad });
    emb.build([[null, null]], new Rng(0));
    const w = paramMap(emb).get('weight')!;
    // Like PyTorch, the padding row starts at zero.
    expect(Array.from(w.data.subarray(pad * E, (pad + 1) * E))).toEqual(new Array(E).fill(0));
    loadGoldenParams(emb, g);
    withArena(() => {
      const ids = g.inputInt('ids');
      const x = new Var(Tensor.from(ids.data, ids.shape), false);
      const [y] = forwardBackward(() => emb.call([x], { training: false, rng: new Rng(0) }), [g.input('r').data]) as [Var];
      expect([...y.shape]).toEqual(g.output('y').shape);
      expectAllClose(valueOf(y), g.output('y'), TOL, 'embedding y');
      const dw = gradArray(w);
      expectAllClose(dw, g.grad('weight'), TOL, 'embedding dL/dweight');
      expect(Array.from(dw.subarray(pad * E, (pad + 1) * E))).toEqual(new Array(E).fill(0));
    });
  });
});
