import { describe, expect, it } from 'vitest';
import { gruBackward, gruBackwardWorkSize, gruCacheSize, gruForward } from '../../src/kernels/ref/gru.js';
import { lstmBackward, lstmBackwardWorkSize, lstmCacheSize, lstmForward } from '../../src/kernels/ref/lstm.js';
import { rnnBackward, rnnBackwardWorkSize, rnnCacheSize, rnnForward } from '../../src/kernels/ref/rnn.js';
import type { FloatArray } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/rng.js';
import { expectClose, GRADCHECK_TOL, numericGrad } from '../util/gradcheck.js';

// Reference recurrent kernels: forward against a scalar transcription of the equations, backward
// against central differences (Float64), plus masking, reverse, accumulation and Float32 checks.

type Kind = 'rnn-tanh' | 'rnn-relu' | 'lstm' | 'gru' | 'gru-keras';
const KINDS: Kind[] = ['rnn-tanh', 'rnn-relu', 'lstm', 'gru', 'gru-keras'];

interface Problem<A extends FloatArray> {
  B: number;
  T: number;
  I: number;
  H: number;
  x: A; // (B, T, I)
  wih: A; // (G·H, I)
  whh: A; // (G·H, H)
  bih: A | null;
  bhh: A | null;
  h0: A | null; // (B, H)
  c0: A | null; // (B, H), LSTM only
  mask: Uint8Array | null; // (B, T)
  reverse: boolean;
  hMask: A | null; // (B, H)
}

interface Outputs<A extends FloatArray> {
  y: A;
  hT: A;
  cT: A | null;
  cache: A;
}

interface OutputGrads<A extends FloatArray> {
  dy: A | null;
  dhT: A | null;
  dcT: A | null;
}

interface Grads<A extends FloatArray> {
  dx: A | null;
  dh0: A | null;
  dc0: A | null;
  dwih: A;
  dwhh: A;
  dbih: A | null;
  dbhh: A | null;
}

/** The five kernels behind one interface; caches and work arrive NaN-filled (they must not be read before written). */
interface Cell {
  G: number;
  hasC: boolean;
  forward<A extends FloatArray>(p: Problem<A>): Outputs<A>;
  backward<A extends FloatArray>(p: Problem<A>, cache: A, d: OutputGrads<A>, g: Grads<A>): void;
}

function alloc<A extends FloatArray>(like: A, n: number, fill = 0): A {
  const a = like instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  a.fill(fill);
  return a as A;
}

/** y (B, T, H) and hT (B, H), NaN-filled. */
function outputs<A extends FloatArray>(p: Problem<A>): { y: A; hT: A } {
  return { y: alloc(p.x, p.B * p.T * p.H, NaN), hT: alloc(p.x, p.B * p.H, NaN) };
}

function cellOf(kind: Kind): Cell {
  if (kind === 'rnn-tanh' || kind === 'rnn-relu') {
    const activation = kind === 'rnn-tanh' ? 'tanh' : 'relu';
    return {
      G: 1,
      hasC: false,
      forward(p) {
        const { B, T, H } = p;
        const o = { ...outputs(p), cT: null, cache: alloc(p.x, rnnCacheSize(B, T, H), NaN) };
        rnnForward({ ...p, activation, ...o });
        return o;
      },
      backward(p, cache, d, g) {
        const work = alloc(p.x, rnnBackwardWorkSize(p.B, p.T, p.I, p.H), NaN);
        rnnBackward({ ...p, activation, cache, dy: d.dy, dhT: d.dhT, ...g, work });
      },
    };
  }
  if (kind === 'lstm') {
    return {
      G: 4,
      hasC: true,
      forward(p) {
        const { B, T, H } = p;
        const o = { ...outputs(p), cT: alloc(p.x, B * H, NaN), cache: alloc(p.x, lstmCacheSize(B, T, H), NaN) };
        lstmForward({ ...p, ...o });
        return o;
      },
      backward(p, cache, d, g) {
        const work = alloc(p.x, lstmBackwardWorkSize(p.B, p.T, p.I, p.H), NaN);
        lstmBackward({ ...p, cache, ...d, ...g, work });
      },
    };
  }
  const resetAfter = kind === 'gru';
  return {
    G: 3,
    hasC: false,
    forward(p) {
      const { B, T, H } = p;
      const o = { ...outputs(p), cT: null, cache: alloc(p.x, gruCacheSize(B, T, H), NaN) };
      gruForward({ ...p, resetAfter, ...o });
      return o;
    },
    backward(p, cache, d, g) {
      const work = alloc(p.x, gruBackwardWorkSize(p.B, p.T, p.I, p.H), NaN);
      gruBackward({ ...p, resetAfter, cache, dy: d.dy, dhT: d.dhT, ...g, work });
    },
  };
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * The equations transcribed one scalar at a time, one sequence at a time, skipping masked steps.
 * `pre` collects every RNN pre-activation (to keep ReLU away from its kink).
 */
function naiveForward(
  kind: Kind,
  p: Problem<Float64Array>,
): { y: Float64Array; hT: Float64Array; cT: Float64Array; pre: number[] } {
  const { B, T, I, H, x, wih, whh, bih, bhh } = p;
  const y = new Float64Array(B * T * H);
  const hT = new Float64Array(B * H);
  const cT = new Float64Array(B * H);
  const pre: number[] = [];
  for (let b = 0; b < B; b++) {
    let h = Array.from({ length: H }, (_, j) => (p.h0 ? p.h0[b * H + j]! : 0));
    let c = Array.from({ length: H }, (_, j) => (p.c0 ? p.c0[b * H + j]! : 0));
    for (let s = 0; s < T; s++) {
      const t = p.reverse ? T - 1 - s : s;
      if (p.mask && p.mask[b * T + t] === 0) continue;
      const hm = h.map((v, j) => v * (p.hMask ? p.hMask[b * H + j]! : 1));
      const inp = (row: number): number => {
        let acc = bih ? bih[row]! : 0;
        for (let k = 0; k < I; k++) acc += wih[row * I + k]! * x[(b * T + t) * I + k]!;
        return acc;
      };
      const rec = (row: number, v: number[]): number => {
        let acc = bhh ? bhh[row]! : 0;
        for (let k = 0; k < H; k++) acc += whh[row * H + k]! * v[k]!;
        return acc;
      };
      if (kind === 'rnn-tanh' || kind === 'rnn-relu') {
        const a = h.map((_, j) => inp(j) + rec(j, hm));
        pre.push(...a);
        h = a.map((v) => (kind === 'rnn-tanh' ? Math.tanh(v) : Math.max(v, 0)));
      } else if (kind === 'lstm') {
        const gate = (q: number, j: number): number => inp(q * H + j) + rec(q * H + j, hm);
        c = c.map((cPrev, j) => sigmoid(gate(1, j)) * cPrev + sigmoid(gate(0, j)) * Math.tanh(gate(2, j)));
        h = c.map((cj, j) => sigmoid(gate(3, j)) * Math.tanh(cj));
      } else {
        const r = h.map((_, j) => sigmoid(inp(j) + rec(j, hm)));
        const z = h.map((_, j) => sigmoid(inp(H + j) + rec(H + j, hm)));
        const rh = hm.map((v, j) => r[j]! * v);
        const n = h.map((_, j) =>
          Math.tanh(kind === 'gru' ? inp(2 * H + j) + r[j]! * rec(2 * H + j, hm) : inp(2 * H + j) + rec(2 * H + j, rh)),
        );
        h = h.map((hPrev, j) => (1 - z[j]!) * n[j]! + z[j]! * hPrev);
      }
      for (let j = 0; j < H; j++) y[(b * T + t) * H + j] = h[j]!;
    }
    for (let j = 0; j < H; j++) {
      hT[b * H + j] = h[j]!;
      cT[b * H + j] = c[j]!;
    }
  }
  return { y, hT, cT, pre };
}

type MaskKind = 'none' | 'pad' | 'hole';
const B = 3;
const T = 5;
const I = 3;
const H = 4;
// Row 2 of 'hole' is fully masked: T_eff = 0, the final state is h0 and dh0 = dhT.
const MASKS: Record<MaskKind, number[] | null> = {
  none: null,
  pad: [1, 1, 1, 1, 1, /**/ 1, 1, 1, 0, 0, /**/ 1, 0, 0, 0, 0],
  hole: [1, 1, 0, 1, 1, /**/ 0, 1, 0, 1, 0, /**/ 0, 0, 0, 0, 0],
};

interface Options {
  reverse: boolean;
  mask: MaskKind;
  h0: boolean;
  hMask: boolean;
  bias: boolean;
}

function uniform(rng: Rng, n: number, lo = -1, hi = 1): Float64Array {
  const a = new Float64Array(n);
  for (let k = 0; k < n; k++) a[k] = rng.uniform(lo, hi);
  return a;
}

function makeProblem(kind: Kind, o: Options, seed: number): Problem<Float64Array> {
  const G = cellOf(kind).G;
  // ReLU: resample until no pre-activation is within 1e-3 of the kink.
  for (let attempt = 0; ; attempt++) {
    const rng = new Rng(seed * 1000 + attempt);
    const hMask = uniform(rng, B * H).map((u) => (u < -0.5 ? 0 : 4 / 3)); // dropout p = 0.25, scaled
    const p: Problem<Float64Array> = {
      B,
      T,
      I,
      H,
      x: uniform(rng, B * T * I),
      wih: uniform(rng, G * H * I, -0.6, 0.6),
      whh: uniform(rng, G * H * H, -0.6, 0.6),
      bih: o.bias ? uniform(rng, G * H, -0.5, 0.5) : null,
      bhh: o.bias ? uniform(rng, G * H, -0.5, 0.5) : null,
      h0: o.h0 ? uniform(rng, B * H) : null,
      c0: o.h0 && kind === 'lstm' ? uniform(rng, B * H) : null,
      mask: MASKS[o.mask] ? Uint8Array.from(MASKS[o.mask]!) : null,
      reverse: o.reverse,
      hMask: o.hMask ? hMask : null,
    };
    if (kind !== 'rnn-relu' || naiveForward(kind, p).pre.every((v) => Math.abs(v) > 1e-3)) return p;
    if (attempt > 100) throw new Error('could not keep ReLU pre-activations away from 0');
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}

/** L = Σ y ⊙ Ry + Σ hT ⊙ Rh (+ Σ cT ⊙ Rc): its output gradients are the R's. */
function lossWeights(seed: number): OutputGrads<Float64Array> {
  const rng = new Rng(seed);
  return { dy: uniform(rng, B * T * H), dhT: uniform(rng, B * H), dcT: uniform(rng, B * H) };
}

function zeroGrads<A extends FloatArray>(cell: Cell, p: Problem<A>): Grads<A> {
  const GH = cell.G * p.H;
  return {
    dx: alloc(p.x, p.B * p.T * p.I),
    dh0: alloc(p.x, p.B * p.H),
    dc0: cell.hasC ? alloc(p.x, p.B * p.H) : null,
    dwih: alloc(p.x, GH * p.I),
    dwhh: alloc(p.x, GH * p.H),
    dbih: p.bih ? alloc(p.x, GH) : null,
    dbhh: p.bhh ? alloc(p.x, GH) : null,
  };
}

function analyticGrads<A extends FloatArray>(cell: Cell, p: Problem<A>, d: OutputGrads<A>): Grads<A> {
  const out = cell.forward(p);
  const g = zeroGrads(cell, p);
  cell.backward(p, out.cache, { ...d, dcT: cell.hasC ? d.dcT : null }, g);
  return g;
}

function flipTime<A extends FloatArray>(a: A, rows: number, width: number): A {
  const f = alloc(a, a.length);
  for (let b = 0; b < rows; b++) {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < width; j++) f[(b * T + t) * width + j] = a[(b * T + (T - 1 - t)) * width + j]!;
    }
  }
  return f;
}

function toFloat32(p: Problem<Float64Array>): Problem<Float32Array> {
  const f = (a: Float64Array | null): Float32Array | null => (a ? Float32Array.from(a) : null);
  return {
    ...p,
    x: f(p.x)!,
    wih: f(p.wih)!,
    whh: f(p.whh)!,
    bih: f(p.bih),
    bhh: f(p.bhh),
    h0: f(p.h0),
    c0: f(p.c0),
    hMask: f(p.hMask),
  };
}

const EXACT = { atol: 0, rtol: 0 };
const TIGHT = { atol: 1e-12, rtol: 1e-12 };

const CASES: Options[] = [];
for (const reverse of [false, true]) {
  for (const mask of ['none', 'pad', 'hole'] as const) {
    for (const h0 of [true, false]) {
      for (const hMask of [false, true]) {
        for (const bias of [true, false]) CASES.push({ reverse, mask, h0, hMask, bias });
      }
    }
  }
}
const caseName = (o: Options): string =>
  [
    o.reverse ? 'reverse' : 'forward',
    `mask=${o.mask}`,
    o.h0 ? 'h0' : 'zero h0',
    o.hMask ? 'hMask' : '',
    o.bias ? '' : 'no bias',
  ]
    .filter((s) => s)
    .join(', ');

describe.each(KINDS)('%s reference kernel', (kind) => {
  const cell = cellOf(kind);
  const seedBase = KINDS.indexOf(kind) * 1000;

  it.each(CASES.map((o, k) => [caseName(o), o, k] as const))('forward and gradcheck: %s', (_name, o, k) => {
    const p = makeProblem(kind, o, seedBase + k);
    const R = lossWeights(seedBase + k + 500);
    const out = cell.forward(p);
    const ref = naiveForward(kind, p);
    expectClose(out.y, ref.y, TIGHT, 'y');
    expectClose(out.hT, ref.hT, TIGHT, 'hT');
    if (out.cT) expectClose(out.cT, ref.cT, TIGHT, 'cT');

    const loss = (): number => {
      const r = cell.forward(p);
      return dot(r.y, R.dy!) + dot(r.hT, R.dhT!) + (r.cT ? dot(r.cT, R.dcT!) : 0);
    };
    const g = analyticGrads(cell, p, R);
    expectClose(g.dx!, numericGrad(loss, p.x), GRADCHECK_TOL, 'dx');
    expectClose(g.dwih, numericGrad(loss, p.wih), GRADCHECK_TOL, 'dwih');
    expectClose(g.dwhh, numericGrad(loss, p.whh), GRADCHECK_TOL, 'dwhh');
    if (p.bih) expectClose(g.dbih!, numericGrad(loss, p.bih), GRADCHECK_TOL, 'dbih');
    if (p.bhh) expectClose(g.dbhh!, numericGrad(loss, p.bhh), GRADCHECK_TOL, 'dbhh');
    if (p.h0) expectClose(g.dh0!, numericGrad(loss, p.h0), GRADCHECK_TOL, 'dh0');
    if (p.c0) expectClose(g.dc0!, numericGrad(loss, p.c0), GRADCHECK_TOL, 'dc0');
  });

  it.each([false, true])('masked steps: y = 0, states as on the compacted sequence (reverse=%s)', (reverse) => {
    const p = makeProblem(kind, { reverse, mask: 'hole', h0: true, hMask: true, bias: true }, seedBase + 900);
    const mask = p.mask!;
    const out = cell.forward(p);
    for (let b = 0; b < B; b++) {
      const real: number[] = [];
      for (let t = 0; t < T; t++) {
        if (mask[b * T + t]) real.push(t);
        else for (let j = 0; j < H; j++) expect(out.y[(b * T + t) * H + j]).toBe(0);
      }
      // The same sequence with the masked steps removed, run alone and unmasked.
      const L = real.length;
      const x = new Float64Array(L * I);
      real.forEach((t, u) => x.set(p.x.subarray((b * T + t) * I, (b * T + t + 1) * I), u * I));
      const row = (a: Float64Array | null): Float64Array | null => (a ? a.slice(b * H, (b + 1) * H) : null);
      const q: Problem<Float64Array> = {
        ...p,
        B: 1,
        T: L,
        x,
        h0: row(p.h0),
        c0: row(p.c0),
        hMask: row(p.hMask),
        mask: null,
      };
      const solo = cell.forward(q);
      expectClose(out.hT.subarray(b * H, (b + 1) * H), solo.hT, EXACT, `hT[${b}]`);
      if (out.cT) expectClose(out.cT.subarray(b * H, (b + 1) * H), solo.cT!, EXACT, `cT[${b}]`);
      real.forEach((t, u) =>
        expectClose(
          out.y.subarray((b * T + t) * H, (b * T + t + 1) * H),
          solo.y.subarray(u * H, (u + 1) * H),
          EXACT,
          `y[${b}, ${t}]`,
        ),
      );
      // The final state is the output at the last processed real step (h0 when there is none).
      const last = reverse ? real[0] : real[L - 1];
      const expected = last === undefined ? row(p.h0)! : out.y.subarray((b * T + last) * H, (b * T + last + 1) * H);
      expectClose(out.hT.subarray(b * H, (b + 1) * H), expected, EXACT, `hT[${b}] vs last real step`);
    }
  });

  it('reverse equals forward on the time-flipped sequence', () => {
    const p = makeProblem(kind, { reverse: true, mask: 'hole', h0: true, hMask: true, bias: true }, seedBase + 901);
    const R = lossWeights(seedBase + 902);
    const flipped: Problem<Float64Array> = {
      ...p,
      reverse: false,
      x: flipTime(p.x, B, I),
      mask: Uint8Array.from(flipTime(Float64Array.from(p.mask!), B, 1)),
    };
    const rev = cell.forward(p);
    const fwd = cell.forward(flipped);
    expectClose(rev.y, flipTime(fwd.y, B, H), EXACT, 'y');
    expectClose(rev.hT, fwd.hT, EXACT, 'hT');
    if (rev.cT) expectClose(rev.cT, fwd.cT!, EXACT, 'cT');

    const gRev = analyticGrads(cell, p, R);
    const gFwd = analyticGrads(cell, flipped, { ...R, dy: flipTime(R.dy!, B, H) });
    expectClose(gRev.dx!, flipTime(gFwd.dx!, B, I), TIGHT, 'dx');
    expectClose(gRev.dh0!, gFwd.dh0!, TIGHT, 'dh0');
    if (cell.hasC) expectClose(gRev.dc0!, gFwd.dc0!, TIGHT, 'dc0');
    expectClose(gRev.dwih, gFwd.dwih, TIGHT, 'dwih');
    expectClose(gRev.dwhh, gFwd.dwhh, TIGHT, 'dwhh');
    expectClose(gRev.dbih!, gFwd.dbih!, TIGHT, 'dbih');
    expectClose(gRev.dbhh!, gFwd.dbhh!, TIGHT, 'dbhh');
  });

  it('parameter gradients accumulate (+=), input gradients are overwritten (=)', () => {
    const p = makeProblem(kind, { reverse: false, mask: 'pad', h0: true, hMask: false, bias: true }, seedBase + 903);
    const R = lossWeights(seedBase + 904);
    const once = analyticGrads(cell, p, R);
    const out = cell.forward(p);
    const twice = zeroGrads(cell, p);
    const d = { ...R, dcT: cell.hasC ? R.dcT : null };
    cell.backward(p, out.cache, d, twice);
    for (const a of [twice.dx, twice.dh0, twice.dc0]) a?.fill(NaN);
    cell.backward(p, out.cache, d, twice);
    expectClose(twice.dx!, once.dx!, EXACT, 'dx');
    expectClose(twice.dh0!, once.dh0!, EXACT, 'dh0');
    if (cell.hasC) expectClose(twice.dc0!, once.dc0!, EXACT, 'dc0');
    const doubled = (a: Float64Array): Float64Array => a.map((v) => 2 * v);
    expectClose(twice.dwih, doubled(once.dwih), TIGHT, 'dwih');
    expectClose(twice.dwhh, doubled(once.dwhh), TIGHT, 'dwhh');
    expectClose(twice.dbih!, doubled(once.dbih!), TIGHT, 'dbih');
    expectClose(twice.dbhh!, doubled(once.dbhh!), TIGHT, 'dbhh');
  });

  it('ignores dy at masked steps; null output gradients mean zero', () => {
    const p = makeProblem(kind, { reverse: true, mask: 'hole', h0: true, hMask: true, bias: true }, seedBase + 905);
    const R = lossWeights(seedBase + 906);
    const dyReal = R.dy!.map((v, k) => (p.mask![Math.floor(k / H)] ? v : 0));
    const gAll = analyticGrads(cell, p, R);
    const gReal = analyticGrads(cell, p, { ...R, dy: dyReal });
    for (const key of ['dx', 'dh0', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const) {
      expectClose(gAll[key]!, gReal[key]!, EXACT, key);
    }
    const zero = (a: Float64Array): Float64Array => new Float64Array(a.length);
    const gNull = analyticGrads(cell, p, { dy: null, dhT: null, dcT: null });
    const gZero = analyticGrads(cell, p, { dy: zero(R.dy!), dhT: zero(R.dhT!), dcT: zero(R.dcT!) });
    for (const key of ['dx', 'dh0', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const) {
      expectClose(gNull[key]!, gZero[key]!, EXACT, key);
    }
  });

  it('Float32 matches Float64', () => {
    const p = makeProblem(kind, { reverse: true, mask: 'hole', h0: true, hMask: true, bias: true }, seedBase + 907);
    const R = lossWeights(seedBase + 908);
    const p32 = toFloat32(p);
    const R32 = { dy: Float32Array.from(R.dy!), dhT: Float32Array.from(R.dhT!), dcT: Float32Array.from(R.dcT!) };
    const tol = { atol: 1e-5, rtol: 1e-4 };
    const out64 = cell.forward(p);
    const out32 = cell.forward(p32);
    expect(out32.y).toBeInstanceOf(Float32Array);
    expectClose(out32.y, out64.y, tol, 'y');
    expectClose(out32.hT, out64.hT, tol, 'hT');
    if (cell.hasC) expectClose(out32.cT!, out64.cT!, tol, 'cT');
    const g64 = analyticGrads(cell, p, R);
    const g32 = analyticGrads(cell, p32, R32);
    for (const key of ['dx', 'dh0', 'dc0', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const) {
      if (g64[key]) expectClose(g32[key]!, g64[key], tol, key);
    }
  });
});
