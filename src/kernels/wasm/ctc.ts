/**
 * CTC loss in wasm (csrc/ctc.c): same arguments and results as `ctcForward` / `ctcBackward` of
 * `ref/ctc.ts` (log-softmax fused, log-space forward–backward in double precision). logits,
 * logProbs and dlogits must be Float32Array views on the heap, α and nll Float64Array views on
 * the heap (as autograd/ctc_op.ts allocates them); otherwise `tryWasm*` returns false and writes
 * nothing. Integer arrays and dnll that are not on the heap, and the backward's β, live in the
 * kernels' workspace (the caller's `work` is not used). Results agree with the reference to float32
 * rounding (logProbs from vmath.h's vexp; α, nll and β to ≈ 1e-15 relative). Given
 * `NATIVE_KERNELS`, they run the native add-on's build of the same C.
 */

import type { FloatArray } from '../../tensor/tensor.js';
import { heap } from '../../tensor/tensor.js';
import type { CtcArgs } from '../ref/ctc.js';
import { type KernelSet, WASM_KERNELS, f32Addr, intAddr } from './backend.js';

/** Byte address of a Float64Array view on the heap holding ≥ n elements, else -1. */
function f64Addr(arr: FloatArray, n: number): number {
  if (!(arr instanceof Float64Array) || n > arr.length || !heap.owns(arr.buffer) || arr.byteOffset % 8 !== 0) return -1;
  return arr.byteOffset;
}

const align16 = (n: number): number => (n + 15) & ~15;

interface IntSlot {
  src: Int32Array;
  n: number;
  addr: number;
}

/**
 * Reserves the workspace for `doubles` float64 elements followed by the int arrays not on the heap,
 * copies those in, and returns the workspace address (float64 area first) and the int addresses.
 */
function workspaceWithInts(ks: KernelSet, doubles: number, ints: IntSlot[]): number {
  let bytes = align16(doubles * 8);
  const offs: number[] = [];
  for (const s of ints) {
    offs.push(s.addr < 0 ? bytes : -1);
    if (s.addr < 0) bytes += align16(s.n * 4);
  }
  const ws = ks.workspace(Math.max(bytes, 16));
  ints.forEach((s, i) => {
    if (s.addr < 0) {
      s.addr = ws + offs[i]!;
      if (s.n > 0) new Int32Array(heap.buffer, s.addr, s.n).set(s.src.subarray(0, s.n));
    }
  });
  return ws;
}

function intSlots(a: CtcArgs): IntSlot[] | null {
  const { B, S } = a;
  if (a.targets.length < B * S || a.inputLengths.length < B || a.targetLengths.length < B) return null;
  return [
    { src: a.targets, n: B * S, addr: B * S > 0 ? intAddr(a.targets, B * S) : -1 },
    { src: a.inputLengths, n: B, addr: intAddr(a.inputLengths, B) },
    { src: a.targetLengths, n: B, addr: intAddr(a.targetLengths, B) },
  ];
}

/** ref/ctc.ts `ctcForward` in wasm; false (nothing written) when the arrays do not qualify. */
export function tryWasmCtcForward(a: CtcArgs & { logProbs: FloatArray; alpha: FloatArray; nll: FloatArray }, ks: KernelSet = WASM_KERNELS): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { B, T, C, S, blank } = a;
  if (B <= 0 || T <= 0 || C <= 0) return false;
  const W = 2 * S + 1;
  const z = f32Addr(a.logits, B * T * C);
  const lp = f32Addr(a.logProbs, B * T * C);
  const al = f64Addr(a.alpha, B * T * W);
  const nll = f64Addr(a.nll, B);
  if (z <= 0 || lp <= 0 || al <= 0 || nll <= 0) return false;
  const ints = intSlots(a);
  if (ints === null) return false;
  workspaceWithInts(ks, 0, ints);
  k.ctc_forward(B, T, C, S, blank, z, ints[0]!.addr, ints[1]!.addr, ints[2]!.addr, lp, al, nll);
  return true;
}

/** ref/ctc.ts `ctcBackward` in wasm; false (nothing written) when the arrays do not qualify. */
export function tryWasmCtcBackward(
  a: CtcArgs & { logProbs: FloatArray; alpha: FloatArray; nll: FloatArray; dnll: ArrayLike<number>; dlogits: FloatArray; work: FloatArray },
  ks: KernelSet = WASM_KERNELS,
): boolean {
  const k = ks.kernels();
  if (k === null) return false;
  const { B, T, C, S, blank, dnll } = a;
  if (B <= 0 || T <= 0 || C <= 0 || dnll.length < B) return false;
  const W = 2 * S + 1;
  const lp = f32Addr(a.logProbs, B * T * C);
  const dz = f32Addr(a.dlogits, B * T * C);
  const al = f64Addr(a.alpha, B * T * W);
  const nll = f64Addr(a.nll, B);
  if (lp <= 0 || dz <= 0 || al <= 0 || nll <= 0) return false;
  const ints = intSlots(a);
  if (ints === null) return false;
  const g = Float64Array.from({ length: B }, (_, i) => dnll[i]!); // read before the heap may grow
  // Workspace: dnll (B doubles), then the backward's work (C + T·W doubles), then int copies.
  const ws = workspaceWithInts(ks, B + C + T * W, ints);
  new Float64Array(heap.buffer, ws, B).set(g);
  k.ctc_backward(B, T, C, S, blank, ints[0]!.addr, ints[1]!.addr, ints[2]!.addr, lp, al, nll, ws, dz, ws + B * 8);
  return true;
}
