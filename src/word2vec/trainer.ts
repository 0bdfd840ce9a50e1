/**
 * One training thread's loop body, shared by in-process training and the worker threads: per
 * sentence, subsampling, then for each position a random window shrink and the SG or CBOW kernel.
 *
 * The parameters are views of one linear memory at byte offsets (`NetLayout`), so the main
 * thread and Hogwild workers over a shared WebAssembly.Memory run the very same code.
 *
 * Two implementations of the loop: the JS reference (src/kernels/ref/w2v.ts, double precision),
 * and the wasm kernel (csrc/w2v.c via src/kernels/wasm/w2v.ts, float32 SIMD, one call per
 * sentence) when the trainer is given a `WasmTrainer` (the backend is not `ref`). Both make the
 * same random decisions from the same seed.
 */
import {
  type W2vNet,
  type W2vSampler,
  type W2vTree,
  cbowUpdate,
  rngNext,
  sigmoidTable,
  skipgramUpdate,
} from '../kernels/ref/w2v.js';
import type { KernelExports } from '../kernels/wasm/backend.js';

/** Byte address of the rng state of the W2vArgs at `argsPtr` (csrc/w2v.c: its field at offset 88). */
function w2vRngPtr(buffer: ArrayBufferLike, argsPtr: number): number {
  return new Int32Array(buffer, argsPtr + 88, 1)[0]!;
}

/** The algorithm switches the loop needs (plain data: posted to workers). */
export interface TrainerConfig {
  sg: boolean;
  hs: boolean;
  negative: number;
  window: number;
  cbowMean: boolean;
  computeLoss: boolean;
  maxSentenceLength: number;
}

/** Where the parameters live in the linear memory: byte offsets and sizes. */
export interface NetLayout {
  V: number;
  E: number;
  /** (V, E) float32 */
  syn0Ptr: number;
  /** (V, E) float32, or 0 without negative sampling */
  syn1negPtr: number;
  /** (V − 1, E) float32, or 0 without hierarchical softmax */
  syn1Ptr: number;
}

/** Tables derived from the vocabulary (plain typed arrays: posted to workers). */
export interface TrainerTables {
  /** (V) subsampling keep probability */
  keep: Float32Array;
  /** (V) */
  aliasProb: Float32Array;
  /** (V) */
  aliasIdx: Int32Array;
  /** null without hierarchical softmax */
  tree: W2vTree | null;
}

const U32 = 4294967296;

/** The wasm kernel and this thread's block for it (src/kernels/wasm/w2v.ts `placeW2vThread`). */
export interface WasmTrainer {
  kernels: KernelExports;
  argsPtr: number;
  wordsPtr: number;
}

/** Runs sentences through the kernels; accumulates the loss and example count in `stats`. */
export class SentenceTrainer {
  readonly net: W2vNet<Float32Array>;
  readonly samp: W2vSampler;
  /** [Σ loss, examples] since the last `takeStats` (in the heap with the wasm kernel) */
  readonly stats: Float64Array;
  /** (maxSentenceLength) where callers put the next sentence: `train(trainer.input, n, α)` copies nothing */
  readonly input: Int32Array;
  private readonly sen: Int32Array;
  private readonly wasmRng: Uint32Array | null = null;

  constructor(
    buffer: ArrayBufferLike,
    layout: NetLayout,
    private readonly tables: TrainerTables,
    private readonly cfg: TrainerConfig,
    /** (4) xoshiro128** state; copied (with `wasm`: the state placed in its block is used) */
    rngState: Uint32Array,
    private readonly wasm: WasmTrainer | null = null,
  ) {
    const { V, E } = layout;
    const ref = wasm === null;
    this.net = {
      E,
      syn0: ref ? new Float32Array(buffer, layout.syn0Ptr, V * E) : new Float32Array(0),
      syn1neg: ref && cfg.negative > 0 ? new Float32Array(buffer, layout.syn1negPtr, V * E) : new Float32Array(0),
      syn1: ref && cfg.hs && V > 1 ? new Float32Array(buffer, layout.syn1Ptr, (V - 1) * E) : new Float32Array(0),
      neu1: new Float32Array(ref ? E : 0),
      neu1e: new Float32Array(ref ? E : 0),
      expTable: sigmoidTable(),
      computeLoss: cfg.computeLoss,
    };
    this.samp = {
      negative: cfg.negative,
      V,
      aliasProb: tables.aliasProb,
      aliasIdx: tables.aliasIdx,
      rng: Uint32Array.from(rngState),
      negs: new Int32Array(Math.max(cfg.negative, 1)),
    };
    if (wasm === null) {
      this.stats = new Float64Array(2);
      this.input = new Int32Array(cfg.maxSentenceLength);
      this.sen = new Int32Array(cfg.maxSentenceLength);
    } else {
      this.stats = new Float64Array(buffer, wasm.argsPtr, 2);
      this.input = new Int32Array(buffer, wasm.wordsPtr, cfg.maxSentenceLength);
      this.sen = new Int32Array(0);
      this.wasmRng = new Uint32Array(buffer, w2vRngPtr(buffer, wasm.argsPtr), 4);
    }
  }

  /** True when sentences run through the wasm kernel. */
  get usesWasm(): boolean {
    return this.wasm !== null;
  }

  /**
   * Trains on `words[0..n)` (vocabulary indices) with learning rate `alpha`. Returns the number of
   * words left after subsampling.
   */
  train(words: Int32Array, n: number, alpha: number): number {
    const wasm = this.wasm;
    if (wasm !== null) {
      if (words !== this.input) this.input.set(words.subarray(0, n));
      return wasm.kernels.w2v_train_sentence(wasm.argsPtr, wasm.wordsPtr, n, alpha);
    }
    const { keep, tree } = this.tables;
    const { net, samp, sen, stats } = this;
    const { sg, window, cbowMean } = this.cfg;
    const hsTree = this.cfg.hs ? tree : null;
    const rng = samp.rng;
    let len = 0;
    for (let i = 0; i < n; i++) {
      const w = words[i]!;
      const p = keep[w]!;
      // word2vec.c keeps w when p ≥ u, u uniform in [0, 1).
      if (p < 1 && rngNext(rng) / U32 > p) continue;
      sen[len++] = w;
    }
    for (let pos = 0; pos < len; pos++) {
      const win = window - (rngNext(rng) % window);
      if (sg) skipgramUpdate(net, samp, hsTree, sen, len, pos, win, alpha, stats);
      else cbowUpdate(net, samp, hsTree, sen, len, pos, win, alpha, cbowMean, stats);
    }
    return len;
  }

  /** Returns [Σ loss, examples] and resets them. */
  takeStats(): [number, number] {
    const r: [number, number] = [this.stats[0]!, this.stats[1]!];
    this.stats[0] = 0;
    this.stats[1] = 0;
    return r;
  }

  /** The random state, to resume a stream. */
  rngState(): Uint32Array {
    return Uint32Array.from(this.wasmRng ?? this.samp.rng);
  }
}

/** Linear decay from alpha to minAlpha as `done` goes from 0 to `total` words. */
export function learningRate(alpha: number, minAlpha: number, done: number, total: number): number {
  const progress = total > 0 ? Math.min(1, done / total) : 1;
  return alpha - (alpha - minAlpha) * progress;
}

/** Byte offset of the abort flag (Int32) in a Hogwild control buffer, after the Float64 word counters. */
export function abortFlagOffset(nWorkers: number): number {
  return nWorkers * 8;
}
