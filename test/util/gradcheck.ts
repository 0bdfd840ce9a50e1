/**
 * Central-difference gradient checks in Float64, with torch.autograd.gradcheck's defaults.
 *
 * @example
 * const dW = numericGrad(() => loss(), params.w);          // perturbs params.w in place, restores it
 * expectClose(analyticDW, dW, GRADCHECK_TOL, 'dW');        // throws with the first bad index
 */

/** Absolute and relative tolerance: |actual − expected| ≤ atol + rtol·|expected|. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

/** torch.autograd.gradcheck's step and tolerances. */
export const GRADCHECK_EPS = 1e-6;
export const GRADCHECK_TOL: Tolerance = { atol: 1e-5, rtol: 1e-3 };

/**
 * dL/dparam by central differences: (f(p + eps) − f(p − eps)) / 2eps for each element.
 * `f` must read `param` (it is perturbed in place and restored exactly afterwards).
 */
export function numericGrad(f: () => number, param: Float64Array, eps = GRADCHECK_EPS): Float64Array {
  const grad = new Float64Array(param.length);
  for (let k = 0; k < param.length; k++) {
    const p = param[k]!;
    param[k] = p + eps;
    const plus = f();
    param[k] = p - eps;
    const minus = f();
    param[k] = p;
    grad[k] = (plus - minus) / (2 * eps);
  }
  return grad;
}

/** Throws naming the first index where |actual − expected| > atol + rtol·|expected| (or a length mismatch). */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label: string,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: expected length ${expected.length}, got ${actual.length}`);
  }
  for (let k = 0; k < actual.length; k++) {
    const a = actual[k]!;
    const e = expected[k]!;
    const bound = tol.atol + tol.rtol * Math.abs(e);
    if (!(Math.abs(a - e) <= bound)) {
      throw new Error(`${label}[${k}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${bound})`);
    }
  }
}
