import { Tensor } from '../tensor/tensor.js';
import { lstmBackward, lstmBackwardWorkSize, lstmCacheSize, lstmForward } from '../kernels/lstm.js';
import { gruBackward, gruBackwardWorkSize, gruCacheSize, gruForward } from '../kernels/gru.js';
import { rnnBackward, rnnBackwardWorkSize, rnnCacheSize, rnnForward } from '../kernels/rnn.js';
import { Var, accumulateTensor, gradOf, needsGrad, newVar, tape } from './tape.js';

/** Recurrent cell kinds; G = number of gates (rows of W_ih per hidden unit). */
export type CellKind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru' | 'gru_reset_before';

export function gatesOf(cell: CellKind): number {
  return cell === 'lstm' ? 4 : cell === 'gru' || cell === 'gru_reset_before' ? 3 : 1;
}

export interface RecurrentWeights {
  wih: Var; // (G·H, I)
  whh: Var; // (G·H, H)
  bih: Var | null; // (G·H)
  bhh: Var | null; // (G·H)
}

export interface RecurrentResult {
  y: Var; // (B, T, H), zero at masked steps
  hT: Var; // (B, H)
  cT: Var | null; // (B, H), LSTM only
}

/**
 * One direction of one recurrent layer over a whole sequence, as a single tape op.
 *
 * x (B, T, I); h0, c0 (B, H) or null (zeros); mask (B, T) or null; hMask (B, H) recurrent-dropout
 * mask or null. Output steps stay aligned with input time when `reverse`.
 */
export function recurrentSequence(
  cell: CellKind,
  x: Var,
  w: RecurrentWeights,
  H: number,
  h0: Var | null,
  c0: Var | null,
  mask: Uint8Array | null,
  reverse: boolean,
  hMask: Tensor | null,
): RecurrentResult {
  const [B, T, I] = x.shape as [number, number, number];
  const isLstm = cell === 'lstm';
  const dtype = x.value.dtype === 'float64' ? 'float64' : 'float32';
  const rg = needsGrad(x, w.wih, w.whh, w.bih, w.bhh, h0, c0);
  const y = newVar([B, T, H], rg, dtype);
  const hT = newVar([B, H], rg, dtype);
  const cT = isLstm ? newVar([B, H], rg, dtype) : null;
  const cacheSize = isLstm ? lstmCacheSize(B, T, H) : cell === 'rnn_tanh' || cell === 'rnn_relu' ? rnnCacheSize(B, T, H) : gruCacheSize(B, T, H);
  const cache = Tensor.temp([cacheSize], dtype);
  const common = {
    B,
    T,
    I,
    H,
    x: x.data,
    wih: w.wih.data,
    whh: w.whh.data,
    bih: w.bih ? w.bih.data : null,
    bhh: w.bhh ? w.bhh.data : null,
    h0: h0 ? h0.data : null,
    mask,
    reverse,
    hMask: hMask ? hMask.data : null,
  };
  if (isLstm) {
    lstmForward({ ...common, c0: c0 ? c0.data : null, y: y.data, hT: hT.data, cT: cT!.data, cache: cache.data });
  } else if (cell === 'rnn_tanh' || cell === 'rnn_relu') {
    rnnForward({ ...common, activation: cell === 'rnn_tanh' ? 'tanh' : 'relu', y: y.data, hT: hT.data, cache: cache.data });
  } else {
    gruForward({ ...common, resetAfter: cell === 'gru', y: y.data, hT: hT.data, cache: cache.data });
  }
  if (mask) y.mask = mask;

  if (rg) {
    tape.push(() => {
      if (!y.grad && !hT.grad && !(cT && cT.grad)) return;
      // Allocate everything first, then take views: on a non-shared heap, growth detaches views.
      const dims = [B, T, I, H] as const;
      const workSize = isLstm ? lstmBackwardWorkSize(...dims) : cell === 'rnn_tanh' || cell === 'rnn_relu' ? rnnBackwardWorkSize(...dims) : gruBackwardWorkSize(...dims);
      const work = Tensor.temp([workSize], dtype);
      // Input gradients are written with '=' semantics into temporaries, then accumulated.
      const dx = x.requiresGrad ? Tensor.temp([B, T, I], dtype) : null;
      const dh0 = h0 && h0.requiresGrad ? Tensor.temp([B, H], dtype) : null;
      const dc0 = c0 && c0.requiresGrad ? Tensor.temp([B, H], dtype) : null;
      const pg = (v: Var | null): Tensor | null => (v ? (v.requiresGrad ? (gradOf(v), v.grad!) : Tensor.zeros(v.shape, dtype)) : null);
      const gwih = pg(w.wih)!;
      const gwhh = pg(w.whh)!;
      const gbih = pg(w.bih);
      const gbhh = pg(w.bhh);
      const args = {
        B,
        T,
        I,
        H,
        x: x.data,
        wih: w.wih.data,
        whh: w.whh.data,
        bih: w.bih ? w.bih.data : null,
        bhh: w.bhh ? w.bhh.data : null,
        h0: h0 ? h0.data : null,
        mask,
        reverse,
        hMask: hMask ? hMask.data : null,
        cache: cache.data,
        dy: y.grad ? y.grad.data : null,
        dhT: hT.grad ? hT.grad.data : null,
      };
      const dwih = gwih.data;
      const dwhh = gwhh.data;
      const dbih = gbih ? gbih.data : null;
      const dbhh = gbhh ? gbhh.data : null;
      const outs = { dx: dx ? dx.data : null, dh0: dh0 ? dh0.data : null, dwih, dwhh, dbih, dbhh, work: work.data };
      if (isLstm) {
        lstmBackward({ ...args, c0: c0 ? c0.data : null, dcT: cT!.grad ? cT!.grad.data : null, dc0: dc0 ? dc0.data : null, ...outs });
      } else if (cell === 'rnn_tanh' || cell === 'rnn_relu') {
        rnnBackward({ ...args, activation: cell === 'rnn_tanh' ? 'tanh' : 'relu', ...outs });
      } else {
        gruBackward({ ...args, resetAfter: cell === 'gru', ...outs });
      }
      if (dx) accumulateTensor(x, dx);
      if (dh0) accumulateTensor(h0!, dh0);
      if (dc0) accumulateTensor(c0!, dc0);
    });
  }
  return { y, hT, cT };
}
