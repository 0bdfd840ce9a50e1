import { describe, expect, it } from 'vitest';
import { attentionBackward, attentionForward } from '../../src/kernels/ref/attention.js';
import type { ScoreKind } from '../../src/kernels/ref/attention.js';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward } from '../../src/kernels/ref/pooling.js';
import type { FloatArray } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/rng.js';
import { expectClose, GRADCHECK_TOL, numericGrad } from '../util/gradcheck.js';

// Reference pooling and attention kernels: forward against a scalar transcription of the
// equations, backward against central differences (Float64), plus exact zeros on padding,
// += / = semantics and a Float32 run.

const B = 3;
const T = 5;

type MaskKind = 'none' | 'pad' | 'hole';
// Row 2 of 'pad' and 'hole' has no real step.
const MASKS: Record<MaskKind, number[] | null> = {
  none: null,
  pad: [1, 1, 1, 1, 1, /**/ 1, 1, 0, 0, 0, /**/ 0, 0, 0, 0, 0],
  hole: [0, 1, 0, 1, 1, /**/ 1, 0, 0, 0, 1, /**/ 0, 0, 0, 0, 0],
};
const MASK_KINDS: MaskKind[] = ['none', 'pad', 'hole'];

function maskOf(kind: MaskKind): Uint8Array | null {
  const m = MASKS[kind];
  return m ? Uint8Array.from(m) : null;
}

function real(mask: Uint8Array | null, b: number, t: number): boolean {
  return !mask || mask[b * T + t] !== 0;
}

function uniform(rng: Rng, n: number, lo = -1, hi = 1): Float64Array {
  const a = new Float64Array(n);
  for (let k = 0; k < n; k++) a[k] = rng.uniform(lo, hi);
  return a;
}

function filled(n: number, v: number): Float64Array {
  return new Float64Array(n).fill(v);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}

describe('masked pooling kernels', () => {
  const F = 4;
  for (const kind of ['max', 'avg'] as const)
    for (const mk of MASK_KINDS) {
      it(`${kind} pooling, mask ${mk}: forward = equations, backward = central differences`, () => {
        const rng = new Rng(kind === 'max' ? 11 : 12);
        const x = uniform(rng, B * T * F);
        const mask = maskOf(mk);
        const R = uniform(rng, B * F);
        const argmax = new Int32Array(B * F);
        const run = (): Float64Array => {
          const y = filled(B * F, NaN);
          if (kind === 'max') maxPoolForward({ B, T, F, x, mask, y, argmax });
          else avgPoolForward({ B, T, F, x, mask, y });
          return y;
        };
        const y = run();
        for (let b = 0; b < B; b++)
          for (let f = 0; f < F; f++) {
            const vals: number[] = [];
            for (let t = 0; t < T; t++) if (real(mask, b, t)) vals.push(x[(b * T + t) * F + f]!);
            const want = vals.length === 0 ? 0 : kind === 'max' ? Math.max(...vals) : vals.reduce((a, c) => a + c, 0) / vals.length;
            expect(y[b * F + f], `y[${b}, ${f}]`).toBeCloseTo(want, 14);
          }
        const dx = filled(B * T * F, NaN);
        if (kind === 'max') maxPoolBackward({ B, T, F, argmax, dy: R, dx });
        else avgPoolBackward({ B, T, F, mask, dy: R, dx });
        expectClose(dx, numericGrad(() => dot(run(), R), x), GRADCHECK_TOL, 'dx');
        for (let b = 0; b < B; b++)
          for (let t = 0; t < T; t++) if (!real(mask, b, t)) for (let f = 0; f < F; f++) expect(dx[(b * T + t) * F + f]).toBe(0);
      });
    }

  it('max pooling: an empty row outputs 0 with argmax −1; ties go to the first step', () => {
    const F = 2;
    const x = Float64Array.from({ length: B * T * F }, (_, k) => (k % 2 === 0 ? 1 : -5));
    const y = filled(B * F, NaN);
    const argmax = new Int32Array(B * F);
    maxPoolForward({ B, T, F, x, mask: maskOf('hole'), y, argmax });
    expect([...argmax]).toEqual([1, 1, 0, 0, -1, -1]);
    expect([...y]).toEqual([1, -5, 1, -5, 0, 0]);
  });
});

interface AttnProblem {
  score: ScoreKind;
  Tq: number;
  Tk: number;
  D: number;
  Hv: number;
  q: Float64Array | null; // (B, Tq, D)
  k: Float64Array; // (B, Tk, D)
  v: Float64Array | null; // (D)
  values: Float64Array; // (B, Tk, Hv)
  mask: Uint8Array | null; // (B, Tk)
}

/** The equations one scalar at a time: scores over real keys, softmax, weighted sum. */
function naiveAttention(p: AttnProblem): { weights: Float64Array; context: Float64Array } {
  const { Tq, Tk, D, Hv } = p;
  const weights = new Float64Array(B * Tq * Tk);
  const context = new Float64Array(B * Tq * Hv);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < Tq; i++) {
      const s: number[] = [];
      for (let j = 0; j < Tk; j++) {
        let acc = 0;
        for (let d = 0; d < D; d++) {
          const qv = p.q ? p.q[(b * Tq + i) * D + d]! : 0;
          const kv = p.k[(b * Tk + j) * D + d]!;
          acc += p.score === 'additive' ? p.v![d]! * Math.tanh(qv + kv) : qv * kv;
        }
        s.push(acc);
      }
      const realJ = s.map((_, j) => !p.mask || p.mask[b * Tk + j] !== 0);
      const exps = s.map((v, j) => (realJ[j] ? Math.exp(v) : 0));
      const z = exps.reduce((a, c) => a + c, 0);
      for (let j = 0; j < Tk; j++) {
        const a = z > 0 ? exps[j]! / z : 0;
        weights[(b * Tq + i) * Tk + j] = a;
        for (let h = 0; h < Hv; h++) context[(b * Tq + i) * Hv + h]! += a * p.values[(b * Tk + j) * Hv + h]!;
      }
    }
  return { weights, context };
}

function makeAttention(score: ScoreKind, Tq: number, withQuery: boolean, mk: MaskKind, seed: number): AttnProblem {
  const rng = new Rng(seed);
  const D = 4;
  const Hv = 3;
  return {
    score,
    Tq,
    Tk: T,
    D,
    Hv,
    q: withQuery ? uniform(rng, B * Tq * D) : null,
    k: uniform(rng, B * T * D),
    v: score === 'additive' ? uniform(rng, D) : null,
    values: uniform(rng, B * T * Hv),
    mask: maskOf(mk),
  };
}

function forward<A extends FloatArray>(p: AttnProblem, cast: (a: Float64Array) => A): { weights: A; context: A; e: A | null } {
  const { score, Tq, Tk, D, Hv } = p;
  const weights = cast(filled(B * Tq * Tk, NaN));
  const context = cast(filled(B * Tq * Hv, NaN));
  const e = score === 'additive' ? cast(filled(B * Tq * Tk * D, NaN)) : null;
  const q = p.q ? cast(p.q) : null;
  const v = p.v ? cast(p.v) : null;
  attentionForward({ score, B, Tq, Tk, D, Hv, q, k: cast(p.k), v, values: cast(p.values), mask: p.mask, weights, context, e });
  return { weights, context, e };
}

const f64 = (a: Float64Array): Float64Array => a;
const f32 = (a: Float64Array): Float32Array => Float32Array.from(a);

describe('attention kernels', () => {
  const CASES: { score: ScoreKind; withQuery: boolean; label: string }[] = [
    { score: 'additive', withQuery: true, label: 'additive' },
    { score: 'additive', withQuery: false, label: 'additive, zero query (attention pooling)' },
    { score: 'dot', withQuery: true, label: 'dot' },
  ];
  let seed = 100;
  for (const c of CASES)
    for (const Tq of [1, 3])
      for (const mk of MASK_KINDS) {
        const s = seed++;
        it(`${c.label}, Tq ${Tq}, mask ${mk}: forward = equations, backward = central differences`, () => {
          const p = makeAttention(c.score, Tq, c.withQuery, mk, s);
          const { Tk, D, Hv } = p;
          const out = forward(p, f64);
          const want = naiveAttention(p);
          expectClose(out.weights, want.weights, { atol: 1e-14, rtol: 1e-12 }, 'weights');
          expectClose(out.context, want.context, { atol: 1e-14, rtol: 1e-12 }, 'context');
          if (p.mask)
            for (let b = 0; b < B; b++)
              for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) if (p.mask[b * Tk + j] === 0) expect(out.weights[(b * Tq + i) * Tk + j]).toBe(0);

          // L = Σ context ⊙ Rc + Σ weights ⊙ Rw
          const rng = new Rng(s + 1000);
          const Rc = uniform(rng, B * Tq * Hv);
          const Rw = uniform(rng, B * Tq * Tk);
          const loss = (): number => {
            const o = forward(p, f64);
            return dot(o.context, Rc) + dot(o.weights, Rw);
          };
          const g = {
            dq: p.q ? filled(p.q.length, NaN) : null,
            dk: filled(p.k.length, NaN),
            dv: p.v ? filled(D, 0) : null,
            dvalues: filled(p.values.length, NaN),
          };
          attentionBackward({ ...p, B, weights: out.weights, e: out.e, dcontext: Rc, dweights: Rw, ...g, work: filled(B * Tq * Tk, NaN) });
          if (p.q) expectClose(g.dq!, numericGrad(loss, p.q), GRADCHECK_TOL, 'dq');
          expectClose(g.dk, numericGrad(loss, p.k), GRADCHECK_TOL, 'dk');
          if (p.v) expectClose(g.dv!, numericGrad(loss, p.v), GRADCHECK_TOL, 'dv');
          expectClose(g.dvalues, numericGrad(loss, p.values), GRADCHECK_TOL, 'dvalues');
          if (p.mask)
            for (let b = 0; b < B; b++)
              for (let j = 0; j < Tk; j++)
                if (p.mask[b * Tk + j] === 0) {
                  for (let d = 0; d < D; d++) expect(g.dk[(b * Tk + j) * D + d]).toBe(0);
                  for (let h = 0; h < Hv; h++) expect(g.dvalues[(b * Tk + j) * Hv + h]).toBe(0);
                }
        });
      }

  for (const which of ['context', 'weights'] as const)
    it(`backward from the ${which} alone (the other output gets no gradient)`, () => {
      const p = makeAttention('additive', 3, true, 'pad', 7);
      const { Tq, Tk, D, Hv } = p;
      const out = forward(p, f64);
      const rng = new Rng(8);
      const R = uniform(rng, which === 'context' ? B * Tq * Hv : B * Tq * Tk);
      const loss = (): number => dot(forward(p, f64)[which], R);
      const g = { dq: filled(p.q!.length, NaN), dk: filled(p.k.length, NaN), dv: filled(D, 0), dvalues: filled(p.values.length, NaN) };
      const d = which === 'context' ? { dcontext: R, dweights: null } : { dcontext: null, dweights: R };
      attentionBackward({ ...p, B, weights: out.weights, e: out.e, ...d, ...g, work: filled(B * Tq * Tk, NaN) });
      expectClose(g.dq, numericGrad(loss, p.q!), GRADCHECK_TOL, 'dq');
      expectClose(g.dk, numericGrad(loss, p.k), GRADCHECK_TOL, 'dk');
      expectClose(g.dv, numericGrad(loss, p.v!), GRADCHECK_TOL, 'dv');
      expectClose(g.dvalues, numericGrad(loss, p.values), GRADCHECK_TOL, 'dvalues');
    });

  it('dv accumulates (+=); dq, dk, dvalues are overwritten (=)', () => {
    const p = makeAttention('additive', 1, true, 'hole', 9);
    const { Tq, Tk, D, Hv } = p;
    const out = forward(p, f64);
    const rng = new Rng(10);
    const Rc = uniform(rng, B * Tq * Hv);
    const g = () => ({ dq: filled(p.q!.length, 7), dk: filled(p.k.length, 7), dv: filled(D, 0), dvalues: filled(p.values.length, 7) });
    const once = g();
    attentionBackward({ ...p, B, weights: out.weights, e: out.e, dcontext: Rc, dweights: null, ...once, work: filled(B * Tq * Tk, NaN) });
    const twice = g();
    for (let r = 0; r < 2; r++) attentionBackward({ ...p, B, weights: out.weights, e: out.e, dcontext: Rc, dweights: null, ...twice, work: filled(B * Tq * Tk, NaN) });
    expect([...twice.dq]).toEqual([...once.dq]);
    expect([...twice.dk]).toEqual([...once.dk]);
    expect([...twice.dvalues]).toEqual([...once.dvalues]);
    expectClose(twice.dv, once.dv.map((x) => 2 * x), { atol: 1e-15, rtol: 1e-14 }, 'dv');
  });

  it('Float32 agrees with Float64', () => {
    for (const score of ['additive', 'dot'] as const) {
      const p = makeAttention(score, 3, true, 'pad', 21);
      const a = forward(p, f64);
      const b = forward(p, f32);
      expectClose(b.weights, a.weights, { atol: 1e-6, rtol: 1e-5 }, `${score} weights`);
      expectClose(b.context, a.context, { atol: 1e-6, rtol: 1e-5 }, `${score} context`);
    }
  });
});
