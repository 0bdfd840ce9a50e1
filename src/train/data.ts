import { fmtShape } from '../tensor/tensor.js';

/**
 * Array data as users pass it: nested number arrays (`number[][][]`), or a flat typed array with
 * its shape. Batch is always the first dimension.
 */
export type TensorLike = number[] | number[][] | number[][][] | number[][][][] | { data: ArrayLike<number>; shape: readonly number[] };

/** Plain host data: a flat Float32Array (row-major) and its shape. */
export interface NDArray {
  data: Float32Array;
  shape: number[];
}

/**
 * Converts user data to an `NDArray`, checking that nested arrays are rectangular and finite.
 * `what` names the argument in error messages (e.g. `x`, `y`, `validationData[0]`).
 */
export function toNDArray(v: TensorLike, what: string): NDArray {
  if (v && typeof v === 'object' && !Array.isArray(v) && 'shape' in v && 'data' in v) {
    const shape = [...v.shape];
    let n = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`${what}: shape ${fmtShape(shape)} has an invalid dimension`);
      n *= d;
    }
    if (v.data.length !== n) throw new Error(`${what}: shape ${fmtShape(shape)} needs ${n} values, got ${v.data.length}`);
    const data = v.data instanceof Float32Array ? v.data : Float32Array.from(v.data);
    checkFinite(data, shape, what);
    return { data, shape };
  }
  if (!Array.isArray(v)) throw new Error(`${what}: expected an array or { data, shape }, got ${v === null ? 'null' : typeof v}`);
  const shape: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  let n = 1;
  for (const d of shape) n *= d;
  const data = new Float32Array(n);
  let k = 0;
  const walk = (a: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof a !== 'number') throw new Error(`${what}${path}: expected a number, got ${Array.isArray(a) ? 'an array' : JSON.stringify(a)}`);
      if (!Number.isFinite(a)) throw new Error(`${what}${path}: value ${a} is not finite`);
      data[k++] = a;
      return;
    }
    if (!Array.isArray(a)) throw new Error(`${what}${path}: expected an array of length ${shape[depth]}, got ${JSON.stringify(a)}`);
    if (a.length !== shape[depth]) throw new Error(`${what}${path}: has length ${a.length}, expected ${shape[depth]} (arrays must be rectangular)`);
    for (let i = 0; i < a.length; i++) walk(a[i], depth + 1, `${path}[${i}]`);
  };
  walk(v, 0, '');
  return { data, shape };
}

function checkFinite(data: ArrayLike<number>, shape: number[], what: string): void {
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i]!)) {
      const pos: number[] = [];
      let r = i;
      for (let k = shape.length - 1; k >= 0; k--) {
        pos.unshift(r % shape[k]!);
        r = Math.floor(r / shape[k]!);
      }
      throw new Error(`${what}[${pos.join('][')}]: value ${data[i]} is not finite`);
    }
}

/** Copies rows `idx` (along the first axis) of `a` into `out` (length idx.length × row size). */
export function gatherRows(a: NDArray, idx: ArrayLike<number>, start: number, end: number, out: Float32Array | Float64Array): void {
  const row = a.data.length / a.shape[0]!;
  for (let i = start; i < end; i++) {
    const src = idx[i]! * row;
    out.set(a.data.subarray(src, src + row), (i - start) * row);
  }
}

/** Nested arrays from flat data (for predictions handed to users). */
export function toNested(a: { data: ArrayLike<number>; shape: readonly number[] }): unknown[] {
  const { data, shape } = a;
  const build = (off: number, depth: number): unknown => {
    if (depth === shape.length) return data[off];
    const stride = shape.slice(depth + 1).reduce((p, d) => p * d, 1);
    const out = new Array(shape[depth]);
    for (let i = 0; i < shape[depth]!; i++) out[i] = build(off + i * stride, depth + 1);
    return out;
  };
  return build(0, 0) as unknown[];
}
