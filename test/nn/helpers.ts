/**
 * Shared helpers for the layer tests: build a recurrent layer matching a PyTorch golden fixture,
 * copy the fixture's parameters in by state_dict name, and run forward + vector-Jacobian backward
 * through the autograd tape.
 */
import { expect } from 'vitest';
import { Var, backwardFrom, recording } from '../../src/autograd/tape.js';
import type { Layer } from '../../src/nn/layer.js';
import type { Parameter } from '../../src/nn/parameter.js';
import { Bidirectional, GRU, LSTM, SimpleRNN } from '../../src/nn/recurrent.js';
import type { RecurrentLayer } from '../../src/nn/recurrent.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { Golden, RnnGoldenConfig } from '../util/golden.js';

/** A plain copy of a Var's value (outlives the arena). */
export function valueOf(v: Var): Float32Array | Float64Array {
  return v.data.slice();
}

/** A plain copy of a Var's gradient, zeros if it never received one. */
export function gradArray(v: Var): Float32Array | Float64Array {
  return v.grad ? v.grad.data.slice() : new Float32Array(v.value.size);
}

/** `(B, T)` mask with 1 for t < lengths[b]. */
export function lengthMask(lengths: readonly number[], T: number): Uint8Array {
  const m = new Uint8Array(lengths.length * T);
  lengths.forEach((n, b) => m.fill(1, b * T, b * T + n));
  return m;
}

/** The layer a recurrent golden fixture describes (returnSequences + returnState, built). */
export function recurrentLayerFor(cfg: RnnGoldenConfig): RecurrentLayer {
  const opts = {
    units: cfg.hidden_size,
    numLayers: cfg.num_layers,
    useBias: cfg.bias,
    returnSequences: true,
    returnState: true,
    inputShape: [null, cfg.input_size],
  };
  let layer: RecurrentLayer;
  if (cfg.mode === 'LSTM') layer = new LSTM(opts);
  else if (cfg.mode === 'GRU') layer = new GRU({ ...opts, resetAfter: cfg.reset_after ?? true });
  else layer = new SimpleRNN({ ...opts, activation: cfg.mode === 'RNN_TANH' ? 'tanh' : 'relu' });
  if (cfg.bidirectional) layer = Bidirectional(layer);
  layer.build([layer.inputShape!], new Rng(0));
  return layer;
}

/** Copies every fixture parameter into `layer` by PyTorch name; the name sets must agree. */
export function loadGoldenParams(layer: Layer, g: Golden<unknown>): void {
  const ours = layer.parameters().map((p) => p.name);
  expect(ours, `${g.name}: parameter names (state_dict order)`).toEqual(g.paramNames());
  for (const p of layer.parameters()) {
    const t = g.param(p.name);
    expect([...p.shape], `${g.name}: shape of ${p.name}`).toEqual(t.shape);
    p.data.set(t.data);
    p.zeroGrad();
  }
}

/** Parameters by name. */
export function paramMap(layer: Layer): Map<string, Parameter> {
  return new Map(layer.parameters().map((p) => [p.name, p]));
}

/** A leaf Var (requires grad) holding a copy of `data`. */
export function leaf(data: ArrayLike<number>, shape: readonly number[]): Var {
  return new Var(Tensor.from(data, shape), true);
}

/**
 * Runs `outputs = f()` on the tape, then backpropagates L = Σ_k sum(outputs[k] ⊙ seeds[k]).
 * `seeds[k]` may be null (that output does not enter L).
 */
export function forwardBackward(f: () => Var[], seeds: (ArrayLike<number> | null)[]): Var[] {
  const outs = recording(f);
  const vs: Var[] = [];
  const gs: Tensor[] = [];
  outs.forEach((o, k) => {
    const s = seeds[k];
    if (s == null) return;
    vs.push(o);
    gs.push(Tensor.from(s, o.shape, o.value.dtype === 'float64' ? 'float64' : 'float32'));
  });
  backwardFrom(vs, gs);
  return outs;
}
