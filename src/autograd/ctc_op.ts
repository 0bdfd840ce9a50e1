import { Tensor } from '../tensor/tensor.js';
import { ctcAlphaSize, ctcBackward, ctcBackwardWorkSize, ctcForward } from '../kernels/ctc.js';
import { Var, accumulateTensor, needsGrad, newVar, tape } from './tape.js';

/** How per-row CTC losses are reduced (PyTorch `reduction`). */
export type CtcReduction = 'mean' | 'sum' | 'none';

export interface CtcOpOptions {
  blank: number;
  /** `mean`: mean over rows of nll_b / max(L_b, 1) (PyTorch); `sum`: Σ nll_b; `none`: (B) losses. */
  reduction: CtcReduction;
  /** Rows whose loss is +∞ (no alignment fits) count 0 and get no gradient. */
  zeroInfinity: boolean;
}

/**
 * CTC loss of logits (B, T, C) (log-softmax fused; see kernels/ref/ctc.ts) against padded targets
 * (B, S) with per-row lengths, as one tape op. Returns a scalar Var, or (B) with `none`.
 * Inputs must be validated by the caller (labels in range and ≠ blank, lengths within T and S).
 */
export function ctcLoss(logits: Var, targets: Int32Array, S: number, inputLengths: Int32Array, targetLengths: Int32Array, o: CtcOpOptions): Var {
  const [B, T, C] = logits.shape as [number, number, number];
  const dt = logits.value.dtype === 'float64' ? 'float64' : 'float32';
  const logProbs = Tensor.temp([B, T, C], dt);
  // α in Float64 whatever the logits: log-probabilities of long sequences reach −10³ and the
  // gradient exponentiates α + β + nll, so float32 rounding there would cost ~1e-4.
  const alpha = Tensor.temp([ctcAlphaSize(B, T, S)], 'float64');
  const nll = Tensor.temp([B], 'float64');
  const args = { B, T, C, S, blank: o.blank, logits: logits.data, targets, inputLengths, targetLengths };
  ctcForward({ ...args, logProbs: logProbs.data, alpha: alpha.data, nll: nll.data });
  const per = nll.data;
  const rowScale = new Float64Array(B); // d reduced / d nll_b
  for (let b = 0; b < B; b++) {
    if (o.zeroInfinity && per[b] === Infinity) per[b] = 0;
    else rowScale[b] = o.reduction === 'mean' ? 1 / (B * Math.max(1, targetLengths[b]!)) : 1;
  }
  const out = newVar(o.reduction === 'none' ? [B] : [], needsGrad(logits), dt);
  if (o.reduction === 'none') for (let b = 0; b < B; b++) out.data[b] = per[b]!;
  else {
    let s = 0;
    for (let b = 0; b < B; b++) s += per[b]! * rowScale[b]!;
    out.data[0] = B === 0 ? 0 : s;
  }
  if (out.requiresGrad)
    tape.push(() => {
      if (!out.grad) return;
      const g = out.grad.data;
      const dnll = new Float64Array(B);
      for (let b = 0; b < B; b++) dnll[b] = rowScale[b]! * (o.reduction === 'none' ? g[b]! : g[0]!);
      const d = Tensor.temp(logits.shape, dt);
      const work = Tensor.temp([ctcBackwardWorkSize(T, C, S)], 'float64');
      ctcBackward({ ...args, logProbs: logProbs.data, alpha: alpha.data, nll: nll.data, dnll, dlogits: d.data, work: work.data });
      accumulateTensor(logits, d);
    });
  return out;
}
