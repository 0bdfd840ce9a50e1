import type { FloatArray } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';

/**
 * Weight initializers. Names follow Keras; `pytorch` is PyTorch's default for recurrent and
 * linear layers: U(−1/√fanScale, 1/√fanScale) where fanScale is the hidden size (RNNs) or fan-in
 * (Linear).
 */
export type InitializerName =
  | 'zeros'
  | 'ones'
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heUniform'
  | 'heNormal'
  | 'lecunUniform'
  | 'orthogonal'
  | 'pytorch'
  | 'uniform'
  | 'normal';

export interface InitContext {
  rng: Rng;
  fanIn: number;
  fanOut: number;
  /** For `pytorch`: the bound is 1/√pytorchScale. */
  pytorchScale: number;
  /** Matrix view for `orthogonal`: rows × cols (flattened row-major). */
  rows: number;
  cols: number;
}

export const INITIALIZERS: readonly InitializerName[] = [
  'zeros',
  'ones',
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'lecunUniform',
  'orthogonal',
  'pytorch',
  'uniform',
  'normal',
];

/** Fills `out` in place. Each call draws from `ctx.rng` in a fixed order (deterministic). */
export function initialize(name: InitializerName, out: FloatArray, ctx: InitContext): void {
  const { rng } = ctx;
  const n = out.length;
  const uni = (lim: number): void => {
    for (let i = 0; i < n; i++) out[i] = rng.uniform(-lim, lim);
  };
  const nor = (std: number): void => {
    for (let i = 0; i < n; i++) out[i] = rng.normal(0, std);
  };
  switch (name) {
    case 'zeros':
      out.fill(0);
      return;
    case 'ones':
      out.fill(1);
      return;
    case 'glorotUniform':
      return uni(Math.sqrt(6 / (ctx.fanIn + ctx.fanOut)));
    case 'glorotNormal':
      return nor(Math.sqrt(2 / (ctx.fanIn + ctx.fanOut)));
    case 'heUniform':
      return uni(Math.sqrt(6 / ctx.fanIn));
    case 'heNormal':
      return nor(Math.sqrt(2 / ctx.fanIn));
    case 'lecunUniform':
      return uni(Math.sqrt(3 / ctx.fanIn));
    case 'uniform':
      return uni(0.05);
    case 'normal':
      return nor(0.05);
    case 'pytorch':
      return uni(1 / Math.sqrt(ctx.pytorchScale));
    case 'orthogonal':
      return orthogonal(out, ctx.rows, ctx.cols, rng);
  }
}

/**
 * Orthogonal matrix (rows × cols) as Saxe et al.: QR of a standard normal matrix with the signs of
 * R's diagonal folded into Q. Rows are orthonormal if rows ≤ cols, columns otherwise.
 */
function orthogonal(out: FloatArray, rows: number, cols: number, rng: Rng): void {
  const tall = rows >= cols;
  const m = tall ? rows : cols; // long side
  const k = tall ? cols : rows; // short side
  // q holds k vectors of length m (the columns of the tall matrix).
  const q = new Float64Array(k * m);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let j = 0; j < k; j++) {
    const vj = j * m;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        const vp = p * m;
        let d = 0;
        for (let i = 0; i < m; i++) d += q[vp + i]! * q[vj + i]!;
        for (let i = 0; i < m; i++) q[vj + i]! -= d * q[vp + i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[vj + i]! * q[vj + i]!;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < m; i++) q[vj + i]! /= norm;
  }
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[r * cols + c] = tall ? q[c * m + r]! : q[r * m + c]!;
}

export function checkInitializer(name: unknown, where: string): InitializerName {
  if (typeof name !== 'string' || !INITIALIZERS.includes(name as InitializerName))
    throw new Error(`${where}: unknown initializer ${JSON.stringify(name)}; expected one of ${INITIALIZERS.join(', ')}`);
  return name as InitializerName;
}
