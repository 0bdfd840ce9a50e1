import { afterAll, describe, expect, it } from 'vitest';
import { tanhArray } from '../../src/kernels/activations.js';
import { getBackend, setBackend, wasmVariant } from '../../src/kernels/gemm.js';
import { attentionForward } from '../../src/kernels/ref/attention.js';
import { Rng } from '../../src/tensor/rng.js';
import { heap } from '../../src/tensor/tensor.js';

// tanhArray runs Math.tanh off the heap and csrc's vectorised tanh_f32 on it; both must agree to
// the documented 3.6e-7 relative error, and the additive attention score that stages its tanh
// through it must give the same weights either way.

const blocks: number[] = [];
const backend = getBackend();
afterAll(() => {
  for (const p of blocks) heap.free(p);
  setBackend(backend);
});

function heapF32(n: number): Float32Array {
  const ptr = heap.alloc(n * 4 + 8);
  blocks.push(ptr);
  return new Float32Array(heap.buffer, ptr + 4, n); // 4 bytes in: not 16-byte aligned
}

function randomF32(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

describe('tanhArray', () => {
  it('matches Math.tanh off the heap exactly and on the heap to 4e-7 relative, in place or not', () => {
    const rng = new Rng(1);
    const n = 1027; // not a multiple of 4: the vector tail
    const x = randomF32(rng, n, -10, 10);
    x[0] = 0;
    x[1] = 20;
    x[2] = -20;
    const off = new Float32Array(n);
    tanhArray(x, off, n);
    for (let i = 0; i < n; i++) expect(off[i]).toBe(Math.fround(Math.tanh(x[i]!)));
    const h = heapF32(n);
    h.set(x);
    const hy = heapF32(n);
    tanhArray(h, hy, n);
    tanhArray(h, h, n); // in place
    // With wasm loaded the heap path is the vector kernel: it rounds differently somewhere.
    if (wasmVariant() !== null) expect(hy.some((v, i) => v !== off[i])).toBe(true);
    for (let i = 0; i < n; i++) {
      const want = Math.tanh(x[i]!);
      expect(Math.abs(hy[i]! - want)).toBeLessThanOrEqual(4e-7 * Math.abs(want) + 1e-30);
      expect(h[i]).toBe(hy[i]);
    }
    // Only the first n elements are written.
    const part = new Float64Array([1, 2, 3, 4]);
    tanhArray(part, part, 2);
    expect([...part]).toEqual([Math.tanh(1), Math.tanh(2), 3, 4]);
  });

  it('rejects n outside the arrays', () => {
    expect(() => tanhArray(new Float32Array(3), new Float32Array(2), 3)).toThrow(/tanhArray: n = 3 is outside/);
    expect(() => tanhArray(new Float32Array(3), new Float32Array(3), -1)).toThrow(/outside/);
  });

  it('the ref backend runs Math.tanh on the heap too', () => {
    const h = heapF32(5);
    h.set([0.1, -0.7, 2, 5, -3]);
    const want = [...h].map((v) => Math.fround(Math.tanh(v)));
    setBackend('ref');
    try {
      tanhArray(h, h, 5);
    } finally {
      setBackend(backend);
    }
    expect([...h]).toEqual(want);
  });
});

describe('additive attention score through tanhArray', () => {
  it('weights and context agree on and off the heap (Float32)', () => {
    if (wasmVariant() === null) return expect(backend).toBe('ref');
    const rng = new Rng(2);
    const [B, Tq, Tk, D, Hv] = [3, 2, 7, 33, 10];
    const mask = Uint8Array.from({ length: B * Tk }, (_, i) => (i % Tk < Tk - (i / Tk | 0) * 2 ? 1 : 0));
    const inputs = { q: randomF32(rng, B * Tq * D, -2, 2), k: randomF32(rng, B * Tk * D, -2, 2), v: randomF32(rng, D, -1, 1), values: randomF32(rng, B * Tk * Hv, -1, 1) };
    const run = (place: (a: Float32Array) => Float32Array): { weights: Float32Array; context: Float32Array; e: Float32Array } => {
      const weights = place(new Float32Array(B * Tq * Tk));
      const context = place(new Float32Array(B * Tq * Hv));
      const e = place(new Float32Array(B * Tq * Tk * D));
      attentionForward({ score: 'additive', B, Tq, Tk, D, Hv, q: place(inputs.q), k: place(inputs.k), v: place(inputs.v), values: place(inputs.values), mask, weights, context, e });
      return { weights, context, e };
    };
    const plain = run((a) => a.slice());
    const onHeap = run((a) => {
      const h = heapF32(a.length);
      h.set(a);
      return h;
    });
    for (let i = 0; i < plain.e.length; i++) expect(Math.abs(onHeap.e[i]! - plain.e[i]!)).toBeLessThanOrEqual(4e-7 * Math.abs(plain.e[i]!) + 1e-30);
    for (let i = 0; i < plain.weights.length; i++) expect(Math.abs(onHeap.weights[i]! - plain.weights[i]!)).toBeLessThan(2e-6);
    for (let i = 0; i < plain.context.length; i++) expect(Math.abs(onHeap.context[i]! - plain.context[i]!)).toBeLessThan(2e-6);
    // Padded keys get exactly zero weight on both paths.
    for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) if (!mask[b * Tk + j]) expect(onHeap.weights[(b * Tq + i) * Tk + j]).toBe(0);
  });
});
