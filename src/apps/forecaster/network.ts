/**
 * The forecaster's networks.
 *
 * - `dense` head (direct multi-step): a (stacked) LSTM/GRU reads the lookback window (B, L, F);
 *   its last hidden state goes through a Dense layer to all H·C outputs at once, (B, H·C).
 * - `seq2seq` head: the encoder's final states start a decoder LSTM/GRU that runs over the H
 *   target steps; its inputs are what is known in advance about each step (position h/H and the
 *   calendar features of the target time). Optional Luong attention over the encoder outputs
 *   (the "LSTMa" of the Informer paper). A Dense layer maps every decoder step to C values, (B, H, C).
 */
import { concatLast } from '../../autograd/layout_ops.js';
import type { Var } from '../../autograd/tape.js';
import { Attention } from '../../nn/attention.js';
import { Input, Layer, registerLayer } from '../../nn/layer.js';
import type { CallContext, LayerOptions, Shape, SymbolicTensor } from '../../nn/layer.js';
import { Dense, Dropout } from '../../nn/layers.js';
import { GRU, LSTM } from '../../nn/recurrent.js';
import { Model, Sequential } from '../../train/model.js';
import type { BaseModel } from '../../train/model.js';

/**
 * Concatenates its inputs along the last axis (all other dimensions equal). Registered as
 * `ForecastConcat` so saved seq2seq forecasters load.
 */
export class ForecastConcat extends Layer {
  readonly className = 'ForecastConcat';
  constructor(opts: LayerOptions = {}) {
    super(opts, 'ForecastConcat');
  }
  override outputShapes(inputShapes: Shape[]): Shape[] {
    const first = inputShapes[0]!;
    let width: number | null = 0;
    for (const s of inputShapes) {
      const w = s[s.length - 1];
      width = width === null || w === null || w === undefined ? null : width + w;
    }
    return [[...first.slice(0, -1), width]];
  }
  override call(inputs: Var[], _ctx: CallContext): Var[] {
    return [concatLast(inputs)];
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}
registerLayer('ForecastConcat', (c) => new ForecastConcat(c as LayerOptions));

/** What the network builders need to know. */
export interface NetworkSpec {
  lookback: number;
  horizon: number;
  /** Input features per step (data columns + calendar columns). */
  inputSize: number;
  /** Decoder input features per target step (seq2seq only). */
  decoderSize: number;
  targets: number;
  cell: 'lstm' | 'gru';
  units: number;
  numLayers: number;
  dropout: number;
  head: 'dense' | 'seq2seq';
  attention: boolean;
  seed: number;
}

function rnn(spec: NetworkSpec, name: string, opts: { returnSequences?: boolean; returnState?: boolean; inputShape?: Shape }): LSTM | GRU {
  const common = {
    name,
    units: spec.units,
    numLayers: spec.numLayers,
    // Dropout on the inputs of stacked layers only (the first layer sees the raw window).
    dropout: 0,
    ...opts,
  };
  return spec.cell === 'lstm' ? new LSTM(common) : new GRU(common);
}

/**
 * Builds the (untrained) network for a forecaster. Inputs: x (B, L, F) [, decoder input (B, H, Fd)].
 * Output: (B, H·C) for `dense`, (B, H, C) for `seq2seq`.
 */
export function buildNetwork(spec: NetworkSpec): BaseModel {
  const { lookback: L, horizon: H, inputSize: F, targets: C } = spec;
  if (spec.head === 'dense') {
    const layers: Layer[] = [rnn(spec, 'encoder', { inputShape: [L, F] })];
    if (spec.dropout > 0) layers.push(new Dropout({ name: 'head_dropout', rate: spec.dropout }));
    layers.push(new Dense({ name: 'head', units: H * C }));
    const m = new Sequential(layers, { name: 'forecaster', seed: spec.seed });
    m.build([[null, L, F]]);
    return m;
  }
  const x = Input({ shape: [L, F], name: 'window' });
  const dec = Input({ shape: [H, spec.decoderSize], name: 'future' });
  const enc = rnn(spec, 'encoder', { returnSequences: spec.attention, returnState: true }).apply(x) as SymbolicTensor[];
  const [encOut, ...states] = enc;
  let seq = rnn(spec, 'decoder', { returnSequences: true }).apply([dec, ...states]) as SymbolicTensor;
  if (spec.attention) {
    const ctx = new Attention({ name: 'attention', type: 'luong-general' }).apply([seq, encOut!]) as SymbolicTensor;
    const both = new ForecastConcat({ name: 'concat' }).apply([seq, ctx]) as SymbolicTensor;
    seq = new Dense({ name: 'attention_out', units: spec.units, activation: 'tanh' }).apply(both) as SymbolicTensor;
  }
  if (spec.dropout > 0) seq = new Dropout({ name: 'head_dropout', rate: spec.dropout }).apply(seq) as SymbolicTensor;
  const out = new Dense({ name: 'head', units: C }).apply(seq) as SymbolicTensor;
  return new Model({ inputs: [x, dec], outputs: out, name: 'forecaster', seed: spec.seed });
}
