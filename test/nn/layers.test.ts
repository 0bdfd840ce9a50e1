import { describe, expect, it } from 'vitest';
import { Var } from '../../src/autograd/tape.js';
import { Input, Layer, SymbolicTensor, layerFromConfig } from '../../src/nn/layer.js';
import type { Shape } from '../../src/nn/layer.js';
import { Dense, Dropout, Embedding, Masking, TimeDistributed } from '../../src/nn/layers.js';
import { Bidirectional, GRU, LSTM, SimpleRNN } from '../../src/nn/recurrent.js';
import type { MergeMode, RecurrentLayer, RecurrentOptions } from '../../src/nn/recurrent.js';
import { Model } from '../../src/train/model.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, withArena } from '../../src/tensor/tensor.js';

// Keras-style layer harness: shapes vs outputShapes(), parameter counts vs PyTorch, config round
// trips, and the Keras semantics of returnSequences / returnState / goBackwards / stateful /
// initial states / masking.

const B = 3;
const T = 5;
const I = 8;
const H = 16;

interface Arr {
  data: Float32Array;
  shape: number[];
}

/** Deterministic pseudo-random data in (−1, 1). */
function randn(shape: number[], seed: number): Arr {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => rng.uniform(-1, 1)), shape };
}

/** Builds `layer` for input shape (null, ...inner) unless already built. */
function build<L extends Layer>(layer: L, inner: Shape, seed = 0): L {
  if (!layer.built) layer.build([[null, ...inner]], new Rng(seed));
  return layer;
}

/** Calls `layer` in inference mode (no tape) and copies the outputs out of the arena. */
function run(layer: Layer, inputs: (Arr & { mask?: Uint8Array })[], training = false, seed = 0): Arr[] {
  return withArena(() => {
    const vars = inputs.map((a) => {
      const v = new Var(Tensor.from(a.data, a.shape), false);
      if (a.mask) v.mask = a.mask;
      return v;
    });
    return layer.call(vars, { training, rng: new Rng(seed) }).map((v) => ({ data: Float32Array.from(v.data), shape: [...v.shape] }));
  });
}

/** Copies every parameter of `from` into `to` (same names). */
function copyParams(from: Layer, to: Layer): void {
  const src = new Map(from.parameters().map((p) => [p.name, p]));
  for (const p of to.parameters()) p.data.set(src.get(p.name)!.data);
}

/** Rows [t0, t1) of the time axis of a (B, T, F) array. */
function sliceTime(a: Arr, t0: number, t1: number): Arr {
  const [b, t, f] = a.shape as [number, number, number];
  const out = new Float32Array(b * (t1 - t0) * f);
  for (let i = 0; i < b; i++) out.set(a.data.subarray((i * t + t0) * f, (i * t + t1) * f), i * (t1 - t0) * f);
  return { data: out, shape: [b, t1 - t0, f] };
}

function flipTime(a: Arr): Arr {
  const [b, t, f] = a.shape as [number, number, number];
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < b; i++) for (let s = 0; s < t; s++) out.set(a.data.subarray((i * t + t - 1 - s) * f, (i * t + t - s) * f), (i * t + s) * f);
  return { data: out, shape: [...a.shape] };
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, label: string, tol = 1e-6): void {
  expect(a.length, `${label}: length`).toBe(b.length);
  let worst = 0;
  let at = -1;
  for (let k = 0; k < a.length; k++) {
    const d = Math.abs(a[k]! - b[k]!);
    if (!(d <= worst)) {
      worst = d;
      at = k;
    }
  }
  expect(worst, `${label}: max |diff| at ${at}: ${a[at]} vs ${b[at]}`).toBeLessThanOrEqual(tol);
}

/** Concrete output shapes for a concrete input shape, from outputShapes(). */
function declared(layer: Layer, inShape: number[]): Shape[] {
  return layer.outputShapes([inShape]);
}

// ---------------------------------------------------------------------------------------------

type Spec = {
  label: string;
  make: () => Layer;
  /** Input shape without batch. */
  inner: number[];
  /** PyTorch parameter count (computed with torch 1.13, see comments). */
  params: number;
  ids?: number; // vocabulary for integer inputs
};

const RNN_OPTS: RecurrentOptions = { units: H };
const recurrentSpecs: Spec[] = [];
// torch: RNN(8,16)=416, LSTM(8,16)=1664, GRU(8,16)=1248, LSTM(bias=False)=1536, LSTM(num_layers=2)=3840,
// bidirectional: RNN 832, LSTM 3328, GRU 2496, LSTM(num_layers=2) 9728.
for (const [rs, st] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const) {
  const o = { ...RNN_OPTS, returnSequences: rs, returnState: st };
  const tag = `returnSequences=${rs} returnState=${st}`;
  recurrentSpecs.push(
    { label: `SimpleRNN ${tag}`, make: () => new SimpleRNN(o), inner: [T, I], params: 416 },
    { label: `SimpleRNN relu ${tag}`, make: () => new SimpleRNN({ ...o, activation: 'relu' }), inner: [T, I], params: 416 },
    { label: `LSTM ${tag}`, make: () => new LSTM(o), inner: [T, I], params: 1664 },
    { label: `GRU resetAfter ${tag}`, make: () => new GRU(o), inner: [T, I], params: 1248 },
    { label: `GRU resetBefore ${tag}`, make: () => new GRU({ ...o, resetAfter: false }), inner: [T, I], params: 1248 },
    { label: `LSTM numLayers=2 ${tag}`, make: () => new LSTM({ ...o, numLayers: 2 }), inner: [T, I], params: 3840 },
    { label: `LSTM useBias=false ${tag}`, make: () => new LSTM({ ...o, useBias: false }), inner: [T, I], params: 1536 },
  );
  for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as MergeMode[]) {
    recurrentSpecs.push(
      { label: `Bidirectional(SimpleRNN) ${mergeMode} ${tag}`, make: () => Bidirectional(new SimpleRNN(o), { mergeMode }), inner: [T, I], params: 832 },
      { label: `Bidirectional(LSTM) ${mergeMode} ${tag}`, make: () => Bidirectional(new LSTM(o), { mergeMode }), inner: [T, I], params: 3328 },
      { label: `Bidirectional(GRU) ${mergeMode} ${tag}`, make: () => Bidirectional(new GRU(o), { mergeMode }), inner: [T, I], params: 2496 },
      { label: `Bidirectional(LSTM numLayers=2) ${mergeMode} ${tag}`, make: () => Bidirectional(new LSTM({ ...o, numLayers: 2 }), { mergeMode }), inner: [T, I], params: 9728 },
    );
  }
}

const otherSpecs: Spec[] = [
  // torch: Linear(8, 5) = 45, Embedding(100, 8) = 800.
  { label: 'Dense (B, I)', make: () => new Dense({ units: 5, activation: 'tanh' }), inner: [I], params: 45 },
  { label: 'Dense (B, T, I)', make: () => new Dense({ units: 5 }), inner: [T, I], params: 45 },
  { label: 'Dense useBias=false', make: () => new Dense({ units: 5, useBias: false }), inner: [T, I], params: 40 },
  { label: 'Embedding maskZero', make: () => new Embedding({ inputDim: 100, outputDim: 8, maskZero: true }), inner: [T], params: 800, ids: 100 },
  { label: 'Embedding paddingIdx', make: () => new Embedding({ inputDim: 100, outputDim: 8, paddingIdx: 0 }), inner: [T], params: 800, ids: 100 },
  { label: 'Dropout', make: () => new Dropout({ rate: 0.5 }), inner: [T, I], params: 0 },
  { label: 'Masking', make: () => new Masking({ maskValue: 0 }), inner: [T, I], params: 0 },
  { label: 'TimeDistributed(Dense)', make: () => new TimeDistributed(new Dense({ units: 5 })), inner: [T, I], params: 45 },
];

function inputFor(spec: Spec, seed = 1): Arr {
  const shape = [B, ...spec.inner];
  if (spec.ids === undefined) return randn(shape, seed);
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, (_, k) => (k % 4 === 3 ? 0 : 1 + rng.int(spec.ids! - 1))), shape };
}

describe('layer harness: output shapes, parameter counts, config round trip', () => {
  for (const spec of [...recurrentSpecs, ...otherSpecs]) {
    describe(spec.label, () => {
      it('output shapes match outputShapes(), symbolic and concrete', () => {
        const layer = build(spec.make(), spec.inner.map((d, i) => (i === 0 && spec.inner.length > 1 ? null : d)));
        const x = inputFor(spec);
        for (const training of [false, true]) {
          const outs = run(layer, [x], training);
          expect(outs.map((o) => o.shape)).toEqual(declared(layer, x.shape));
        }
        // With unknown batch and time, the same shapes with null in those places.
        const sym = layer.outputShapes([[null, ...spec.inner.map((d, i) => (i === 0 && spec.inner.length > 1 ? null : d))]]);
        const conc = declared(layer, x.shape);
        expect(sym.length).toBe(conc.length);
        sym.forEach((s, k) =>
          s.forEach((d, j) => {
            if (d !== null) expect(d).toBe(conc[k]![j]);
          }),
        );
        expect(sym.every((s) => s.filter((d) => d === null).length >= 1)).toBe(true);
      });

      it(`has ${spec.params} parameters (PyTorch count)`, () => {
        const layer = build(spec.make(), spec.inner);
        expect(layer.countParams()).toBe(spec.params);
        expect(layer.parameters().reduce((n, p) => n + p.size, 0)).toBe(spec.params);
      });

      it('toJSON → layerFromConfig gives the same config and the same parameters', () => {
        const layer = build(spec.make(), spec.inner);
        const json = layer.toJSON();
        const copy = layerFromConfig(JSON.parse(JSON.stringify(json)) as typeof json);
        expect(copy.className).toBe(layer.className);
        expect(copy.toJSON()).toEqual(json);
        build(copy, spec.inner);
        expect(copy.parameters().map((p) => [p.name, [...p.shape]])).toEqual(layer.parameters().map((p) => [p.name, [...p.shape]]));
        // Same weights → same outputs.
        copyParams(layer, copy);
        const x = inputFor(spec);
        const a = run(layer, [x]);
        const b = run(copy, [x]);
        a.forEach((o, k) => expect(b[k]!.data).toEqual(o.data));
      });
    });
  }

  it('TimeDistributed: trainable: false freezes the wrapped layer, also after a round trip', () => {
    const td = build(new TimeDistributed(new Dense({ units: 2 }), { trainable: false, inputShape: [null, 4] }), [null, 4]);
    expect(td.parameters().map((p) => p.trainable)).toEqual([false, false]);
    const copy = build(layerFromConfig(td.toJSON()), [null, 4]);
    expect(copy.trainable).toBe(false);
    expect(copy.inputShape).toEqual([null, null, 4]);
    expect(copy.parameters().map((p) => p.trainable)).toEqual([false, false]);
    copy.trainable = true;
    expect(copy.parameters().map((p) => p.trainable)).toEqual([true, true]);
    expect((copy as TimeDistributed).layer.trainable).toBe(true);
  });

  it('PyTorch parameter names for a 2-layer bidirectional LSTM (state_dict order)', () => {
    const l = build(Bidirectional(new LSTM({ units: H, numLayers: 2 })), [null, I]);
    const names: string[] = [];
    for (const k of ['l0', 'l0_reverse', 'l1', 'l1_reverse']) names.push(`weight_ih_${k}`, `weight_hh_${k}`, `bias_ih_${k}`, `bias_hh_${k}`);
    expect(l.parameters().map((p) => p.name)).toEqual(names);
    expect(l.parameters().map((p) => [...p.shape])).toEqual([
      [4 * H, I], [4 * H, H], [4 * H], [4 * H],
      [4 * H, I], [4 * H, H], [4 * H], [4 * H],
      [4 * H, 2 * H], [4 * H, H], [4 * H], [4 * H],
      [4 * H, 2 * H], [4 * H, H], [4 * H], [4 * H],
    ]);
  });

  it('round trip keeps every option (recurrent, Dense, Embedding, Masking, Dropout, TimeDistributed)', () => {
    const layers: Layer[] = [
      new LSTM({ units: 7, name: 'enc', returnSequences: true, returnState: true, goBackwards: true, stateful: true, dropout: 0.1, recurrentDropout: 0.2, numLayers: 2, useBias: false, unitForgetBias: false, initializer: 'pytorch', inputShape: [null, 3], dtype: 'float64', trainable: false }),
      Bidirectional(new GRU({ units: 4, resetAfter: false, returnSequences: true }), { mergeMode: 'ave' }),
      new SimpleRNN({ units: 2, activation: 'relu', kernelInitializer: 'heNormal' }),
      new Dense({ units: 3, activation: 'softmax', useBias: false, kernelInitializer: 'pytorch', inputShape: [5] }),
      new Embedding({ inputDim: 11, outputDim: 2, maskZero: true, paddingIdx: 0, embeddingsInitializer: 'uniform', inputShape: [null] }),
      new Masking({ maskValue: -1 }),
      new Dropout({ rate: 0.3 }),
      new TimeDistributed(new Dense({ units: 2, activation: 'relu' })),
      new TimeDistributed(new Dense({ units: 2 }), { inputShape: [null, 4], trainable: false }),
    ];
    for (const l of layers) {
      const json = JSON.parse(JSON.stringify(l.toJSON())) as ReturnType<Layer['toJSON']>;
      const copy = layerFromConfig(json);
      expect(copy.toJSON(), l.name).toEqual(l.toJSON());
      expect(copy.name).toBe(l.name);
      expect(copy.inputShape).toEqual(l.inputShape);
    }
    const lstm = layerFromConfig(layers[0]!.toJSON()) as LSTM;
    expect([lstm.goBackwards, lstm.stateful, lstm.numLayers, lstm.useBias, lstm.unitForgetBias, lstm.dtype, lstm.trainable]).toEqual([true, true, 2, false, false, 'float64', false]);
    const td = layerFromConfig(layers[7]!.toJSON()) as TimeDistributed;
    expect(td.layer.className).toBe('Dense');
    const bi = layerFromConfig(layers[1]!.toJSON()) as GRU;
    expect(bi.outputShapes([[null, null, 3]])).toEqual([[null, null, 4]]); // ave: H, not 2H
    expect(bi.resetAfter).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

describe('recurrent semantics (Keras)', () => {
  const x = randn([B, T, I], 2);
  const kinds: [string, (o: RecurrentOptions) => RecurrentLayer][] = [
    ['SimpleRNN', (o) => new SimpleRNN(o)],
    ['LSTM', (o) => new LSTM(o)],
    ['GRU', (o) => new GRU(o)],
    ['GRU resetBefore', (o) => new GRU({ ...o, resetAfter: false })],
  ];

  for (const [kind, make] of kinds) {
    describe(kind, () => {
      it('returnSequences=false gives the last step of the sequence; returnState gives the final states', () => {
        const seq = build(make({ units: H, returnSequences: true, returnState: true }), [null, I]);
        const last = make({ units: H });
        build(last, [null, I]);
        copyParams(seq, last);
        const [y, h, c] = run(seq, [x]);
        const [yl] = run(last, [x]);
        expect(yl!.shape).toEqual([B, H]);
        const lastStep = sliceTime(y!, T - 1, T);
        expect(yl!.data).toEqual(lastStep.data);
        expect(h!.data).toEqual(lastStep.data);
        if (kind === 'LSTM') expect(c!.shape).toEqual([B, H]);
        else expect(c).toBeUndefined();
      });

      it('goBackwards processes the reversed sequence and returns outputs in processing order', () => {
        const back = build(make({ units: H, returnSequences: true, returnState: true, goBackwards: true }), [null, I]);
        const fwd = make({ units: H, returnSequences: true, returnState: true });
        build(fwd, [null, I]);
        copyParams(back, fwd);
        const a = run(back, [x]);
        const b = run(fwd, [flipTime(x)]);
        // Keras: go_backwards output is NOT flipped back — it equals the forward layer on flip(x).
        a.forEach((o, k) => expectClose(o.data, b[k]!.data, `${kind} goBackwards output ${k}`, 0));
        const lastOnly = make({ units: H, goBackwards: true });
        build(lastOnly, [null, I]);
        copyParams(back, lastOnly);
        expect(run(lastOnly, [x])[0]!.data).toEqual(sliceTime(a[0]!, T - 1, T).data);
      });

      it('stateful: two half-sequences equal one whole sequence; resetStates starts over', () => {
        const T2 = 6;
        const xs = randn([2, T2, I], 9);
        const st = build(make({ units: H, returnSequences: true, returnState: true, stateful: true }), [null, I]);
        const whole = make({ units: H, returnSequences: true, returnState: true });
        build(whole, [null, I]);
        copyParams(st, whole);
        const ref = run(whole, [xs]);
        const p1 = run(st, [sliceTime(xs, 0, 3)]);
        const p2 = run(st, [sliceTime(xs, 3, T2)]);
        expectClose(p1[0]!.data, sliceTime(ref[0]!, 0, 3).data, `${kind} stateful first half`, 0);
        expectClose(p2[0]!.data, sliceTime(ref[0]!, 3, T2).data, `${kind} stateful second half`, 1e-7);
        for (let k = 1; k < ref.length; k++) expectClose(p2[k]!.data, ref[k]!.data, `${kind} stateful state ${k}`, 1e-7);
        st.resetStates();
        expect(run(st, [sliceTime(xs, 0, 3)])[0]!.data).toEqual(p1[0]!.data);
        // Also in training mode (no dropout configured): states carry over the same way.
        st.resetStates();
        run(st, [sliceTime(xs, 0, 3)], true);
        expectClose(run(st, [sliceTime(xs, 3, T2)], true)[0]!.data, sliceTime(ref[0]!, 3, T2).data, `${kind} stateful training`, 1e-7);
      });
    });
  }

  it('stateful 2-layer LSTM carries (L, B, H) states', () => {
    const xs = randn([2, 6, I], 4);
    const st = build(new LSTM({ units: 5, numLayers: 2, returnSequences: true, stateful: true }), [null, I]);
    const whole = build(new LSTM({ units: 5, numLayers: 2, returnSequences: true }), [null, I]);
    copyParams(st, whole);
    const ref = run(whole, [xs]);
    run(st, [sliceTime(xs, 0, 2)]);
    expectClose(run(st, [sliceTime(xs, 2, 6)])[0]!.data, sliceTime(ref[0]!, 2, 6).data, 'stateful 2-layer', 1e-7);
  });

  it('stateful layer used with another batch size asks for resetStates', () => {
    const st = build(new GRU({ units: 4, stateful: true, name: 'st_gru' }), [null, I]);
    run(st, [randn([2, 3, I], 1)]);
    expect(() => run(st, [randn([3, 3, I], 1)])).toThrow(/GRU 'st_gru': stateful layer was used with batch size 2, got 3; call resetStates\(\) first/);
  });

  it('Bidirectional: concat = [fwd H | bwd H]; sum/mul/ave combine the same two halves', () => {
    const bi = build(Bidirectional(new LSTM({ units: H, returnSequences: true, returnState: true })), [null, I]);
    const fwd = build(new LSTM({ units: H, returnSequences: true, returnState: true }), [null, I]);
    const bwd = build(new LSTM({ units: H, returnSequences: true, returnState: true, goBackwards: true }), [null, I]);
    const p = new Map(bi.parameters().map((q) => [q.name, q]));
    for (const q of fwd.parameters()) q.data.set(p.get(q.name)!.data);
    for (const q of bwd.parameters()) q.data.set(p.get(`${q.name}_reverse`)!.data);
    const [y, h, c] = run(bi, [x]);
    const [yf, hf, cf] = run(fwd, [x]);
    const [ybRev, hb, cb] = run(bwd, [x]);
    const yb = flipTime(ybRev!); // back to input time
    expect(y!.shape).toEqual([B, T, 2 * H]);
    for (let s = 0; s < B * T; s++) {
      expectClose(y!.data.subarray(s * 2 * H, s * 2 * H + H), yf!.data.subarray(s * H, (s + 1) * H), 'fwd half', 0);
      expectClose(y!.data.subarray(s * 2 * H + H, (s + 1) * 2 * H), yb.data.subarray(s * H, (s + 1) * H), 'bwd half', 0);
    }
    // h_n, c_n: (B, 2, H), each row [fwd, bwd] in PyTorch's order.
    expect(h!.shape).toEqual([B, 2, H]);
    const interleave = (f: Float32Array | Float64Array, b2: Float32Array | Float64Array): Float32Array =>
      Float32Array.from({ length: 2 * B * H }, (_, i) => {
        const b = Math.floor(i / (2 * H));
        const d = Math.floor(i / H) % 2;
        return (d === 0 ? f : b2)[b * H + (i % H)]!;
      });
    expect(h!.data).toEqual(interleave(hf!.data, hb!.data));
    expect(c!.data).toEqual(interleave(cf!.data, cb!.data));

    const ops: Record<Exclude<MergeMode, 'concat'>, (a: number, b: number) => number> = { sum: (a, b) => a + b, mul: (a, b) => a * b, ave: (a, b) => 0.5 * (a + b) };
    for (const [mode, f] of Object.entries(ops)) {
      const m = build(Bidirectional(new LSTM({ units: H, returnSequences: true }), { mergeMode: mode as MergeMode }), [null, I]);
      copyParams(bi, m);
      const [ym] = run(m, [x]);
      expect(ym!.shape).toEqual([B, T, H]);
      const want = Float32Array.from({ length: B * T * H }, (_, k) => f(yf!.data[k]!, yb.data[k]!));
      expectClose(ym!.data, want, `mergeMode ${mode}`, 0);
    }
  });

  it('Bidirectional returnSequences=false: [fwd last step | bwd after reading step 0]', () => {
    const bi = build(Bidirectional(new GRU({ units: H })), [null, I]);
    const seq = build(Bidirectional(new GRU({ units: H, returnSequences: true })), [null, I]);
    copyParams(bi, seq);
    const [y] = run(bi, [x]);
    const [ys] = run(seq, [x]);
    expect(y!.shape).toEqual([B, 2 * H]);
    for (let b = 0; b < B; b++) {
      expect(y!.data.subarray(b * 2 * H, b * 2 * H + H)).toEqual(ys!.data.subarray((b * T + T - 1) * 2 * H, (b * T + T - 1) * 2 * H + H));
      expect(y!.data.subarray(b * 2 * H + H, (b + 1) * 2 * H)).toEqual(ys!.data.subarray(b * T * 2 * H + H, (b * T + 1) * 2 * H));
    }
  });

  it('initial states through a functional Model (Input + layer.apply([x, h0, c0]))', () => {
    const lstm = new LSTM({ units: H, returnSequences: true, returnState: true, name: 'init_lstm' });
    const xIn = Input({ shape: [null, I] });
    const h0In = Input({ shape: [H] });
    const c0In = Input({ shape: [H] });
    const outs = lstm.apply([xIn, h0In, c0In]) as SymbolicTensor[];
    expect(outs.map((s) => s.shape)).toEqual([
      [null, null, H],
      [null, H],
      [null, H],
    ]);
    const head = new Dense({ units: 3, name: 'init_head' });
    const logits = head.apply(outs[1]!) as SymbolicTensor;
    const model = new Model({ inputs: [xIn, h0In, c0In], outputs: [outs[0]!, outs[1]!, outs[2]!, logits], seed: 5 });
    const h0 = randn([B, H], 11);
    const c0 = randn([B, H], 12);
    const got = model.predictArrays([x, h0, c0]);

    const direct = run(lstm, [x, h0, c0]);
    direct.forEach((o, k) => expectClose(got[k]!.data, o.data, `model output ${k}`, 0));
    expectClose(got[3]!.data, run(head, [direct[1]!])[0]!.data, 'head on h_n', 0);
    // The initial state matters: zero states give something else.
    const zero = run(lstm, [x]);
    expect(zero[0]!.data).not.toEqual(direct[0]!.data);
    // And it is the state entering step 0: one step from (h0, c0) then the rest equals the whole run.
    const first = run(lstm, [sliceTime(x, 0, 1), h0, c0]);
    const rest = run(lstm, [sliceTime(x, 1, T), first[1]!, first[2]!]);
    expectClose(rest[0]!.data, sliceTime(direct[0]!, 1, T).data, 'chained initial state', 1e-7);
  });

  it('initial states are checked: count and shape', () => {
    const lstm = build(new LSTM({ units: 4, name: 'chk' }), [null, I]);
    expect(() => run(lstm, [x, randn([B, 4], 1)])).toThrow("LSTM 'chk': expected 2 initial state tensor(s) (h0, c0), got 1");
    expect(() => run(lstm, [x, randn([B, 5], 1), randn([B, 4], 1)])).toThrow(`LSTM 'chk': expected initial state h0 (${B}, 4), got (${B}, 5)`);
    const bi = build(Bidirectional(new GRU({ units: 4, name: 'chk_bi' })), [null, I]);
    expect(() => run(bi, [x, randn([B, 4], 1)])).toThrow(`GRU 'chk_bi': expected initial state h0 (${B}, 2, 4), got (${B}, 4)`);
  });
});

// ---------------------------------------------------------------------------------------------

describe('masking', () => {
  const V = 20;
  const E = 6;
  const lengths = [5, 3, 1, 4];
  const TT = 5;

  /** Right-padded (default) or left-padded ids (Keras pad_sequences 'pre'), no zeros inside. */
  function ids(pre: boolean): Arr {
    const rng = new Rng(21);
    const d = new Float32Array(lengths.length * TT);
    lengths.forEach((n, b) => {
      for (let k = 0; k < n; k++) d[b * TT + (pre ? TT - n + k : k)] = 1 + rng.int(V - 1);
    });
    return { data: d, shape: [lengths.length, TT] };
  }

  /** Row b without its padding, as a (1, n) batch. */
  function unpadded(a: Arr, b: number, pre: boolean): Arr {
    const n = lengths[b]!;
    const start = b * TT + (pre ? TT - n : 0);
    return { data: a.data.slice(start, start + n), shape: [1, n] };
  }

  const makers: [string, () => RecurrentLayer][] = [
    ['LSTM', () => new LSTM({ units: 7, returnSequences: true, returnState: true })],
    ['GRU', () => new GRU({ units: 7, returnSequences: true, returnState: true })],
    ['SimpleRNN', () => new SimpleRNN({ units: 7, returnSequences: true, returnState: true })],
    ['Bidirectional(LSTM)', () => Bidirectional(new LSTM({ units: 7, returnSequences: true, returnState: true }))],
    ['Bidirectional(GRU) 2 layers', () => Bidirectional(new GRU({ units: 7, numLayers: 2, returnSequences: true, returnState: true }))],
    ['LSTM goBackwards', () => new LSTM({ units: 7, returnSequences: true, returnState: true, goBackwards: true })],
  ];

  for (const pre of [false, true]) {
    for (const [label, make] of makers) {
      it(`Embedding(maskZero) → ${label} equals running on the unpadded sequences (${pre ? 'pre' : 'post'}-padding)`, () => {
        const emb = build(new Embedding({ inputDim: V, outputDim: E, maskZero: true }), [null], 3);
        const rnn = build(make(), [null, E], 4);
        const forward = (a: Arr): Arr[] =>
          withArena(() => {
            const ctx = { training: false, rng: new Rng(0) };
            const [e] = emb.call([new Var(Tensor.from(a.data, a.shape), false)], ctx);
            return rnn.call([e!], ctx).map((v) => ({ data: Float32Array.from(v.data), shape: [...v.shape] }));
          });
        const all = ids(pre);
        const [y, ...states] = forward(all);
        const W = y!.shape[2]!;
        const goBack = label.includes('goBackwards');
        lengths.forEach((n, b) => {
          const [y1, ...s1] = forward(unpadded(all, b, pre));
          // Final states: each sequence's state after its last real step.
          states.forEach((s, k) => {
            // States are (B, L·D, H) when L·D > 1, else (B, H).
            const per = s.shape.length === 3 ? s.shape[1]! : 1;
            const Hs = s.shape[s.shape.length - 1]!;
            for (let q = 0; q < per; q++) {
              const got = s.data.subarray((b * per + q) * Hs, (b * per + q + 1) * Hs);
              expectClose(got, s1[k]!.data.subarray(q * Hs, (q + 1) * Hs), `${label} state ${k}[${q}] row ${b}`, 1e-6);
            }
          });
          // Outputs: real steps equal the unpadded run, padded steps are 0.
          for (let t = 0; t < TT; t++) {
            const inputT = goBack ? TT - 1 - t : t; // goBackwards returns outputs in reversed time
            const real = pre ? inputT >= TT - n : inputT < n;
            const got = y!.data.subarray((b * TT + t) * W, (b * TT + t + 1) * W);
            if (!real) {
              expect(Array.from(got), `${label} row ${b} t ${t} padded`).toEqual(new Array(W).fill(0));
              continue;
            }
            const k1 = pre ? inputT - (TT - n) : inputT; // position in the unpadded input
            const t1 = goBack ? n - 1 - k1 : k1;
            expectClose(got, y1!.data.subarray(t1 * W, (t1 + 1) * W), `${label} row ${b} t ${t}`, 1e-6);
          }
        });
      });
    }
  }

  it('Masking(maskValue) masks the same steps as Embedding(maskZero)', () => {
    const xs = randn([2, 4, 3], 5);
    xs.data.fill(0, 2 * 3, 4 * 3); // row 0: steps 2, 3 padded
    xs.data.fill(0, (4 + 3) * 3, 8 * 3); // row 1: step 3 padded
    const masking = new Masking({ maskValue: 0 });
    const lstm = build(new LSTM({ units: 4 }), [null, 3]);
    const ctx = { training: false, rng: new Rng(0) };
    const y = withArena(() => {
      const [m] = masking.call([new Var(Tensor.from(xs.data, xs.shape), false)], ctx);
      expect(Array.from(m!.mask!)).toEqual([1, 1, 0, 0, 1, 1, 1, 0]);
      return Float32Array.from(lstm.call([m!], ctx)[0]!.data);
    });
    expectClose(y.subarray(0, 4), run(lstm, [{ data: xs.data.slice(0, 6), shape: [1, 2, 3] }])[0]!.data, 'row 0', 1e-6);
    expectClose(y.subarray(4, 8), run(lstm, [{ data: xs.data.slice(12, 21), shape: [1, 3, 3] }])[0]!.data, 'row 1', 1e-6);
  });

  it('Dense and TimeDistributed keep the time mask', () => {
    const e = build(new Embedding({ inputDim: 5, outputDim: 3, maskZero: true }), [null]);
    const d = build(new Dense({ units: 2 }), [null, 3]);
    const td = build(new TimeDistributed(new Dense({ units: 2 })), [null, 3]);
    withArena(() => {
      const ctx = { training: false, rng: new Rng(0) };
      const [x] = e.call([new Var(Tensor.from([1, 2, 0, 3, 0, 0], [2, 3]), false)], ctx);
      expect(Array.from(x!.mask!)).toEqual([1, 1, 0, 1, 0, 0]);
      expect(Array.from(d.call([x!], ctx)[0]!.mask!)).toEqual([1, 1, 0, 1, 0, 0]);
      expect(Array.from(td.call([x!], ctx)[0]!.mask!)).toEqual([1, 1, 0, 1, 0, 0]);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('errors', () => {
  it("shape error: LSTM 'name': expected input (batch, time, 32), got (4, 7, 16)", () => {
    const l = build(new LSTM({ units: 8, name: 'encoder', inputShape: [null, 32] }), [null, 32]);
    expect(() => run(l, [randn([4, 7, 16], 1)])).toThrow("LSTM 'encoder': expected input (batch, time, 32), got (4, 7, 16)");
    expect(() => run(l, [randn([4, 32], 1)])).toThrow("LSTM 'encoder': expected input (batch, time, 32), got (4, 32)");
    const d = build(new Dense({ units: 2, name: 'head' }), [null, 6]);
    expect(() => run(d, [randn([4, 5], 1)])).toThrow("Dense 'head': expected input (batch, 6), got (4, 5)");
    const g = build(Bidirectional(new GRU({ units: 3, name: 'bigru' })), [null, 4]);
    expect(() => run(g, [randn([2, 3, 5], 1)])).toThrow("GRU 'bigru': expected input (batch, time, 4), got (2, 3, 5)");
  });

  it('Embedding rejects ids outside [0, V)', () => {
    const e = build(new Embedding({ inputDim: 5, outputDim: 2, name: 'emb' }), [null]);
    expect(() => run(e, [{ data: Float32Array.from([1, 5]), shape: [1, 2] }])).toThrow("Embedding 'emb': token id 5 at position (0, 1) is not an integer in [0, 5)");
  });

  it('Dropout: identity in inference, inverted dropout in training, deterministic per seed', () => {
    const dr = new Dropout({ rate: 0.5 });
    const xs = randn([4, 50], 3);
    expect(run(dr, [xs], false)[0]!.data).toEqual(xs.data);
    const a = run(dr, [xs], true, 1)[0]!.data;
    expect(run(dr, [xs], true, 1)[0]!.data).toEqual(a);
    let zeros = 0;
    a.forEach((v, k) => {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(2 * xs.data[k]!, 6);
    });
    expect(zeros).toBeGreaterThan(50);
    expect(zeros).toBeLessThan(150);
  });
});
