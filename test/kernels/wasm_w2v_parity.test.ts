/**
 * Parity of the wasm word2vec sentence kernel (csrc/w2v.c via src/kernels/wasm/w2v.ts) with the JS
 * reference loop (SentenceTrainer over src/kernels/ref/w2v.ts), for both builds of the module:
 * random vocabularies, counts and sentences; skip-gram and CBOW (mean and sum) × negative
 * sampling, hierarchical softmax and both; E in {1, 3, 17, 100} (E not a multiple of 4 takes the
 * scalar tails). The random decisions must be identical (kept-word counts, example counts, final
 * random state); parameters and the loss agree to float32 rounding (the reference runs in double).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WasmVariant, relaxedSimdSupported, setWasmVariant, wasmKernels, wasmVariant } from '../../src/kernels/wasm/backend.js';
import { placeW2vTables, placeW2vThread } from '../../src/kernels/wasm/w2v.js';
import { Rng } from '../../src/tensor/rng.js';
import { heap } from '../../src/tensor/tensor.js';
import { type NetLayout, type TrainerConfig, type TrainerTables, SentenceTrainer } from '../../src/word2vec/trainer.js';
import { buildAliasTable, buildHuffman, keepProbabilities } from '../../src/word2vec/vocab.js';

const blocks: number[] = [];
afterAll(() => {
  for (const p of blocks) heap.free(p);
});

interface Case {
  cfg: TrainerConfig;
  V: number;
  E: number;
  tables: TrainerTables;
  syn0: Float32Array;
  syn1neg: Float32Array;
  syn1: Float32Array;
  sentences: Int32Array[];
  rng: Uint32Array;
}

function makeCase(seed: number, E: number, sg: boolean, mode: 'ns' | 'hs' | 'both', cbowMean: boolean): Case {
  const rng = new Rng(seed);
  const V = 5 + rng.int(40);
  const counts = Float64Array.from({ length: V }, (_, i) => Math.floor(2000 / (i + 1)) + 1 + rng.int(5));
  const negative = mode === 'hs' ? 0 : 1 + rng.int(6);
  const hs = mode !== 'ns';
  let total = 0;
  for (const c of counts) total += c;
  const { aliasProb, aliasIdx } = negative > 0 ? buildAliasTable(counts, 0.75) : { aliasProb: new Float32Array(0), aliasIdx: new Int32Array(0) };
  const tables: TrainerTables = { keep: keepProbabilities(counts, 1e-2, total), aliasProb, aliasIdx, tree: hs ? buildHuffman(counts) : null };
  const cfg: TrainerConfig = { sg, hs, negative, window: 1 + rng.int(5), cbowMean, computeLoss: true, maxSentenceLength: 64 };
  // Large enough values that some dot products leave [−6, 6) (table clamping / HS skipping).
  const rand = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-scale, scale));
  const scale = 3 / Math.sqrt(E);
  const sentences = Array.from({ length: 6 }, () => Int32Array.from({ length: 1 + rng.int(40) }, () => (rng.next() < 0.5 ? rng.int(4) : rng.int(V))));
  return {
    cfg,
    V,
    E,
    tables,
    syn0: rand(V * E, scale),
    syn1neg: negative > 0 ? rand(V * E, scale) : new Float32Array(0),
    syn1: hs ? rand((V - 1) * E, scale) : new Float32Array(0),
    sentences,
    rng: Uint32Array.from([rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32() | 1]),
  };
}

/** Runs the case through the reference (plain ArrayBuffer) and through wasm (heap); returns both. */
function runBoth(c: Case) {
  const { V, E } = c;
  // Reference: the parameters in a private buffer.
  const n0 = V * E * 4;
  const refBuf = new ArrayBuffer(n0 * 3 + 64);
  const refLayout: NetLayout = { V, E, syn0Ptr: 0, syn1negPtr: n0, syn1Ptr: 2 * n0 };
  new Float32Array(refBuf, 0, V * E).set(c.syn0);
  new Float32Array(refBuf, n0, c.syn1neg.length).set(c.syn1neg);
  new Float32Array(refBuf, 2 * n0, c.syn1.length).set(c.syn1);
  const ref = new SentenceTrainer(refBuf, refLayout, c.tables, c.cfg, c.rng);
  // Wasm: the parameters in the heap.
  const p = heap.alloc(n0 * 3 + 64);
  blocks.push(p);
  const layout: NetLayout = { V, E, syn0Ptr: p, syn1negPtr: p + n0, syn1Ptr: p + 2 * n0 };
  const t = placeW2vTables(c.tables, V);
  const th = placeW2vThread(layout, c.cfg, t, c.rng);
  blocks.push(t.block, th.block);
  const buf = heap.buffer;
  new Float32Array(buf, p, V * E).set(c.syn0);
  new Float32Array(buf, p + n0, c.syn1neg.length).set(c.syn1neg);
  new Float32Array(buf, p + 2 * n0, c.syn1.length).set(c.syn1);
  const wasm = new SentenceTrainer(heap.buffer, layout, c.tables, c.cfg, c.rng, { kernels: wasmKernels()!, argsPtr: th.argsPtr, wordsPtr: th.wordsPtr });
  expect(wasm.usesWasm).toBe(true);
  const keptRef: number[] = [];
  const keptWasm: number[] = [];
  c.sentences.forEach((s, i) => {
    const alpha = 0.05 * (1 - i / 10);
    keptRef.push(ref.train(s, s.length, alpha));
    keptWasm.push(wasm.train(s, s.length, alpha));
  });
  const view = (b: ArrayBufferLike, l: NetLayout) => ({
    syn0: new Float32Array(b, l.syn0Ptr, V * E).slice(),
    syn1neg: new Float32Array(b, l.syn1negPtr, c.syn1neg.length).slice(),
    syn1: new Float32Array(b, l.syn1Ptr, c.syn1.length).slice(),
  });
  return {
    ref: { ...view(refBuf, refLayout), kept: keptRef, stats: ref.takeStats(), rng: ref.rngState() },
    wasm: { ...view(heap.buffer, layout), kept: keptWasm, stats: wasm.takeStats(), rng: wasm.rngState() },
  };
}

function expectNear(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / (1e-3 + Math.abs(b[i]!));
    if (d > worst) worst = d;
  }
  expect(worst, `${what}: worst relative difference`).toBeLessThan(2e-3);
}

const variants: WasmVariant[] = relaxedSimdSupported() ? ['simd128', 'relaxed-simd'] : ['simd128'];

describe.each(variants)('wasm word2vec kernel vs ref (%s)', (variant) => {
  beforeAll(() => setWasmVariant(variant));

  it('runs the requested build', () => {
    expect(wasmVariant()).toBe(variant);
  });

  let seed = 100;
  for (const E of [1, 3, 17, 100]) {
    for (const sg of [true, false]) {
      for (const mode of ['ns', 'hs', 'both'] as const) {
        for (const mean of sg ? [true] : [true, false]) {
          const name = `${sg ? 'SG' : `CBOW-${mean ? 'mean' : 'sum'}`} ${mode} E=${E}`;
          const s = seed++;
          it(name, () => {
            const c = makeCase(s, E, sg, mode, mean);
            const { ref, wasm } = runBoth(c);
            // Identical random decisions.
            expect(wasm.kept).toEqual(ref.kept);
            expect(wasm.stats[1]).toBe(ref.stats[1]);
            expect(Array.from(wasm.rng)).toEqual(Array.from(ref.rng));
            // Float32 rounding.
            expectNear(wasm.syn0, ref.syn0, 'syn0');
            expectNear(wasm.syn1neg, ref.syn1neg, 'syn1neg');
            expectNear(wasm.syn1, ref.syn1, 'syn1');
            expect(ref.stats[0]).toBeGreaterThan(0);
            expect(Math.abs(wasm.stats[0] - ref.stats[0]) / ref.stats[0]).toBeLessThan(1e-4);
            // Something was trained.
            expect(ref.stats[1]).toBeGreaterThan(0);
            let moved = 0;
            for (let i = 0; i < c.syn0.length; i++) if (wasm.syn0[i] !== c.syn0[i]) moved++;
            expect(moved).toBeGreaterThan(0);
          });
        }
      }
    }
  }
});
