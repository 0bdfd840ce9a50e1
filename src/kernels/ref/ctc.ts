/**
 * Connectionist temporal classification (Graves et al. 2006), forward–backward in log space,
 * with log-softmax fused in: the kernels take logits (B, T, C), batch first.
 *
 * For row b with input length T_b and target l (length L_b), the extended label sequence is
 * l' = (blank, l_1, blank, l_2, …, l_L, blank) of length S'_b = 2·L_b + 1, and with
 * y_t = log_softmax(logits_t):
 *
 *   α_0(0) = y_0(blank),  α_0(1) = y_0(l_1),  α_0(s) = −∞ otherwise
 *   α_t(s) = y_t(l'_s) + lse(α_{t−1}(s), α_{t−1}(s−1), [α_{t−1}(s−2) if l'_s ≠ blank and l'_s ≠ l'_{s−2}])
 *   nll_b  = −lse(α_{T_b−1}(S'−1), α_{T_b−1}(S'−2))
 *
 * β excludes the emission at t, so α_t(s) + β_t(s) = log P(paths through s at t) and
 * lse_s(α_t(s) + β_t(s)) = −nll_b for every t:
 *
 *   β_{T_b−1}(S'−1) = β_{T_b−1}(S'−2) = 0,  β_t(s) = lse_{s' ∈ {s, s+1, s+2 allowed}} y_{t+1}(l'_{s'}) + β_{t+1}(s')
 *
 * Gradient of nll_b with respect to the logits (t < T_b; 0 for t ≥ T_b):
 *
 *   ∂nll_b/∂logits[b, t, c] = softmax_t(c) − exp(lse_{s : l'_s = c}(α_t(s) + β_t(s)) + nll_b)
 *
 * PyTorch `nn.CTCLoss` takes log-probabilities (T, B, C); fed log_softmax(logits) it gives the same
 * nll_b, and its gradient through log_softmax is the one above. Rows with T_b = 0 have
 * nll_b = 0 if L_b = 0, else +∞. Rows with nll_b = +∞ (no alignment fits: T_b < L_b + repeats)
 * get a zero gradient here (PyTorch gives NaN unless `zero_infinity`).
 */
import type { FloatArray } from '../../tensor/tensor.js';

/** Shapes and labels shared by forward and backward. */
export interface CtcArgs {
  B: number;
  T: number;
  C: number;
  /** Row stride of `targets` (the longest target). */
  S: number;
  /** Index of the blank class in [0, C). */
  blank: number;
  logits: FloatArray; // (B, T, C)
  targets: Int32Array; // (B, S), labels in [0, C) \ {blank}; entries past targetLengths[b] unused
  inputLengths: Int32Array; // (B), 0 ≤ T_b ≤ T
  targetLengths: Int32Array; // (B), 0 ≤ L_b ≤ S
}

/** Floats the forward caches for the backward: log-probs (B·T·C) and α (B·T·(2S+1)). */
export function ctcAlphaSize(B: number, T: number, S: number): number {
  return B * T * (2 * S + 1);
}

/** Workspace of the backward: β (T·(2S+1)) and one per-class accumulator (C). */
export function ctcBackwardWorkSize(T: number, C: number, S: number): number {
  return T * (2 * S + 1) + C;
}

function lse2(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** l'_s: blank at even s, l_{(s−1)/2} at odd s. */
function ext(a: CtcArgs, b: number, s: number): number {
  return s & 1 ? a.targets[b * a.S + (s >> 1)]! : a.blank;
}

/** The skip transition s−2 → s is allowed (l'_s is a label different from l'_{s−2}). */
function canSkip(a: CtcArgs, b: number, s: number): boolean {
  return s >= 2 && (s & 1) === 1 && ext(a, b, s) !== ext(a, b, s - 2);
}

/**
 * Forward: logProbs = log_softmax(logits) (=), α (=), nll[b] = −log p(l_b | x_b) (=).
 * Rows of logProbs past T_b are filled too; α rows past T_b are left as they are.
 */
export function ctcForward(a: CtcArgs & { logProbs: FloatArray; alpha: FloatArray; nll: FloatArray }): void {
  const { B, T, C, S, logits, logProbs, alpha, nll } = a;
  const W = 2 * S + 1; // α row stride
  for (let r = 0; r < B * T; r++) {
    const o = r * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, logits[o + c]!);
    let z = 0;
    for (let c = 0; c < C; c++) z += Math.exp(logits[o + c]! - m);
    const lz = m + Math.log(z);
    for (let c = 0; c < C; c++) logProbs[o + c] = logits[o + c]! - lz;
  }
  for (let b = 0; b < B; b++) {
    const Tb = a.inputLengths[b]!;
    const L = a.targetLengths[b]!;
    const Sp = 2 * L + 1;
    if (Tb === 0) {
      nll[b] = L === 0 ? 0 : Infinity;
      continue;
    }
    const lp = b * T * C;
    const al = b * T * W;
    for (let s = 0; s < Sp; s++) alpha[al + s] = s < 2 ? logProbs[lp + ext(a, b, s)]! : -Infinity;
    for (let t = 1; t < Tb; t++) {
      const prev = al + (t - 1) * W;
      const cur = al + t * W;
      const y = lp + t * C;
      for (let s = 0; s < Sp; s++) {
        let v = alpha[prev + s]!;
        if (s >= 1) v = lse2(v, alpha[prev + s - 1]!);
        if (canSkip(a, b, s)) v = lse2(v, alpha[prev + s - 2]!);
        alpha[cur + s] = v === -Infinity ? -Infinity : v + logProbs[y + ext(a, b, s)]!;
      }
    }
    const last = al + (Tb - 1) * W;
    const ll = Sp >= 2 ? lse2(alpha[last + Sp - 1]!, alpha[last + Sp - 2]!) : alpha[last + Sp - 1]!;
    nll[b] = -ll;
  }
}

/**
 * Backward: dlogits[b] = dnll[b]·∂nll_b/∂logits[b] (=), from the forward's logProbs, α and nll.
 * `work` holds ctcBackwardWorkSize(T, C, S) floats.
 */
export function ctcBackward(a: CtcArgs & { logProbs: FloatArray; alpha: FloatArray; nll: FloatArray; dnll: ArrayLike<number>; dlogits: FloatArray; work: FloatArray }): void {
  const { B, T, C, S, logProbs, alpha, nll, dnll, dlogits, work } = a;
  const W = 2 * S + 1;
  const acc = C; // work[0..C) per-class lse; β follows
  for (let b = 0; b < B; b++) {
    const Tb = a.inputLengths[b]!;
    const L = a.targetLengths[b]!;
    const Sp = 2 * L + 1;
    const g = dnll[b]!;
    const lp = b * T * C;
    dlogits.fill(0, lp, lp + T * C);
    const n = nll[b]!;
    if (Tb === 0 || n === Infinity || g === 0) continue;
    const al = b * T * W;
    // β, row t at work[acc + t·W].
    const lastRow = acc + (Tb - 1) * W;
    for (let s = 0; s < Sp; s++) work[lastRow + s] = s >= Sp - 2 ? 0 : -Infinity;
    for (let t = Tb - 2; t >= 0; t--) {
      const cur = acc + t * W;
      const next = cur + W;
      const y = lp + (t + 1) * C;
      for (let s = 0; s < Sp; s++) {
        let v = work[next + s]! + logProbs[y + ext(a, b, s)]!;
        if (s + 1 < Sp) v = lse2(v, work[next + s + 1]! + logProbs[y + ext(a, b, s + 1)]!);
        if (s + 2 < Sp && canSkip(a, b, s + 2)) v = lse2(v, work[next + s + 2]! + logProbs[y + ext(a, b, s + 2)]!);
        work[cur + s] = v;
      }
    }
    for (let t = 0; t < Tb; t++) {
      for (let c = 0; c < C; c++) work[c] = -Infinity;
      const ar = al + t * W;
      const br = acc + t * W;
      for (let s = 0; s < Sp; s++) {
        const l = ext(a, b, s);
        work[l] = lse2(work[l]!, alpha[ar + s]! + work[br + s]!);
      }
      const o = lp + t * C;
      for (let c = 0; c < C; c++) dlogits[o + c] = g * (Math.exp(logProbs[o + c]!) - Math.exp(work[c]! + n));
    }
  }
}
