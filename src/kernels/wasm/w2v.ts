/**
 * word2vec's per-sentence training loop in wasm (csrc/w2v.c): the heap blocks it reads and the
 * call. The specification is the JS loop (src/word2vec/trainer.ts over src/kernels/ref/w2v.ts);
 * the kernel makes the same random decisions and agrees to float32 rounding.
 *
 * Everything the kernel touches is in the heap, so worker threads that instantiate the module on
 * the same shared memory (`instantiateKernels`) run it on their own blocks over shared parameters:
 *   tables block (one per training call, read-only, shared by all threads):
 *     keep (V) f32, aliasProb (V) f32, aliasIdx (V) i32, codeStart (V + 1) i32, points (L) i32,
 *     codes (L) u8, sigmoid table (1000) f32
 *   thread block (one per thread): the W2vArgs struct (120 bytes, layout in csrc/w2v.c), rng (4)
 *     u32, neu1 (E) f32, neu1e (E) f32, kept words (maxLen) i32, input words (maxLen) i32,
 *     loss buffer (LOSS_CAP) f32, negatives (negative) i32
 *
 * @example
 * const t = placeW2vTables(tables, V);
 * const th = placeW2vThread(layout, cfg, t, rng);
 * new Int32Array(heap.buffer, th.wordsPtr, n).set(sentence);
 * const kept = wasmKernels()!.w2v_train_sentence(th.argsPtr, th.wordsPtr, n, alpha);
 * heap.free(th.block); heap.free(t.block);
 */
import { heap } from '../../tensor/tensor.js';
import { type W2vTree, sigmoidTable } from '../ref/w2v.js';

/** Bytes of csrc/w2v.c's W2vArgs. */
export const W2V_ARGS_BYTES = 120;
/** Loss values buffered before they are summed (a multiple of 4). */
const LOSS_CAP = 1024;

/** The tables of one training call, placed in the heap. */
export interface W2vWasmTables {
  /** the heap block holding them (free with heap.free) */
  block: number;
  keep: number;
  aliasProb: number;
  aliasIdx: number;
  codeStart: number;
  codes: number;
  points: number;
  expTable: number;
}

/** One thread's kernel state in the heap. */
export interface W2vWasmThread {
  /** the heap block (free with heap.free) */
  block: number;
  /** byte address of the W2vArgs struct */
  argsPtr: number;
  /** byte address of the (maxSentenceLength) Int32 input sentence */
  wordsPtr: number;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Copies the vocabulary tables and the sigmoid table into one new heap block. */
export function placeW2vTables(
  tables: { keep: Float32Array; aliasProb: Float32Array; aliasIdx: Int32Array; tree: W2vTree | null },
  V: number,
): W2vWasmTables {
  const tree = tables.tree;
  const L = tree !== null ? tree.points.length : 0;
  const sizes = [V * 4, V * 4, V * 4, (V + 1) * 4, L * 4, L, 1000 * 4].map(align16);
  const block = heap.alloc(sizes.reduce((a, b) => a + b, 0) + 16);
  const at: number[] = [];
  let p = block;
  for (const s of sizes) {
    at.push(p);
    p += s;
  }
  const buf = heap.buffer;
  new Float32Array(buf, at[0]!, V).set(tables.keep.subarray(0, V));
  if (tables.aliasProb.length >= V) {
    new Float32Array(buf, at[1]!, V).set(tables.aliasProb.subarray(0, V));
    new Int32Array(buf, at[2]!, V).set(tables.aliasIdx.subarray(0, V));
  }
  if (tree !== null) {
    new Int32Array(buf, at[3]!, V + 1).set(tree.codeStart.subarray(0, V + 1));
    new Int32Array(buf, at[4]!, L).set(tree.points);
    new Uint8Array(buf, at[5]!, L).set(tree.codes);
  }
  new Float32Array(buf, at[6]!, 1000).set(sigmoidTable());
  return { block, keep: at[0]!, aliasProb: at[1]!, aliasIdx: at[2]!, codeStart: at[3]!, points: at[4]!, codes: at[5]!, expTable: at[6]! };
}

/** One thread's W2vArgs and work buffers in a new heap block, over parameters at `layout`'s addresses. */
export function placeW2vThread(
  layout: { V: number; E: number; syn0Ptr: number; syn1negPtr: number; syn1Ptr: number },
  cfg: { sg: boolean; hs: boolean; negative: number; window: number; cbowMean: boolean; computeLoss: boolean; maxSentenceLength: number },
  t: W2vWasmTables,
  rng: Uint32Array,
): W2vWasmThread {
  const { V, E } = layout;
  const maxLen = Math.max(1, cfg.maxSentenceLength);
  const sizes = [align16(W2V_ARGS_BYTES), 16, align16(E * 4), align16(E * 4), align16(maxLen * 4), align16(maxLen * 4), LOSS_CAP * 4, align16(Math.max(1, cfg.negative) * 4)];
  const block = heap.alloc(sizes.reduce((a, b) => a + b, 0) + 16);
  const at: number[] = [];
  let p = block;
  for (const s of sizes) {
    at.push(p);
    p += s;
  }
  const [args, rngPtr, neu1, neu1e, sen, words, lbuf, negs] = at as [number, number, number, number, number, number, number, number];
  const buf = heap.buffer;
  new Uint32Array(buf, rngPtr, 4).set(rng.subarray(0, 4));
  const f64 = new Float64Array(buf, args, 2);
  f64[0] = 0;
  f64[1] = 0;
  new Int32Array(buf, args + 16, 26).set([
    V,
    E,
    cfg.sg ? 1 : 0,
    cfg.hs ? 1 : 0,
    cfg.negative,
    cfg.window,
    cfg.cbowMean ? 1 : 0,
    cfg.computeLoss ? 1 : 0,
    layout.syn0Ptr,
    cfg.negative > 0 ? layout.syn1negPtr : 0,
    cfg.hs ? layout.syn1Ptr : 0,
    t.keep,
    t.aliasProb,
    t.aliasIdx,
    t.codeStart,
    t.codes,
    t.points,
    t.expTable,
    rngPtr,
    neu1,
    neu1e,
    sen,
    lbuf,
    LOSS_CAP,
    negs,
    0,
  ]);
  return { block, argsPtr: args, wordsPtr: words };
}

