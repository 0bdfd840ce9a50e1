/**
 * Reader for the PyTorch golden fixtures in test/fixtures/golden/<case>.json, made by
 * tools/golden/*.py (`npm run golden`; each fixture names its script in `g.script`).
 *
 * Every tensor is stored as {shape, data (flat row-major), dtype?: 'int64'}; float values are
 * float32-exact, so `g.output('y').data` holds exactly PyTorch's float32 results.
 *
 * @example
 * const g = loadGolden<RnnGoldenConfig>('lstm_bidir_packed');
 * const x = g.input('x');                                   // (B, T, I)
 * const y = runMyLstm(g.config, x.data, g.param('weight_ih_l0').data, ...);
 * expectAllClose(y, g.output('y'), { rtol: 1e-5, atol: 1e-6 }, 'y');
 */
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Tolerance } from './gradcheck.js';

const GOLDEN_DIR = new URL('../fixtures/golden/', import.meta.url);

export interface GoldenTensor {
  shape: number[];
  data: Float32Array;
}

export interface GoldenIntTensor {
  shape: number[];
  data: Int32Array;
}

/** tools/golden/rnn_layers.py (RNN/LSTM/GRU cases) and keras_variants.py. */
export interface RnnGoldenConfig {
  mode: 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bias: boolean;
  bidirectional: boolean;
  batch_first: true;
  batch_size: number;
  seq_len: number;
  /** Right-padded lengths per batch row (original order, possibly unsorted), or null. */
  lengths: number[] | null;
  /** rnn_layers.py: false when lengths is given (PyTorch sorts and unsorts internally), else null. */
  enforce_sorted?: boolean | null;
  /** false: inputs hold no h0/c0 and PyTorch used zeros. */
  has_h0: boolean;
  dropout: number;
  nonlinearity?: 'tanh' | 'relu';
  /** keras_variants.py: probability behind inputs.h_mask (0 or 1/(1-p) per unit). */
  recurrent_dropout?: number;
  /** keras_variants.py GRU only; false: n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn). */
  reset_after?: boolean;
  seed: number;
}

/** tools/golden/losses.py */
export interface LossGoldenConfig {
  loss: 'CrossEntropyLoss' | 'MSELoss' | 'L1Loss' | 'HuberLoss' | 'BCELoss' | 'BCEWithLogitsLoss';
  kwargs: {
    reduction: 'mean' | 'sum';
    ignore_index?: number;
    label_smoothing?: number;
    delta?: number;
  };
  has_weight: boolean;
  has_pos_weight: boolean;
  seed: number;
}

/** tools/golden/optim.py */
export interface OptimGoldenConfig {
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
  /** The kwargs passed to torch.optim.<optimizer>. */
  hyper: Record<string, number | boolean>;
  /** optimizer.defaults: every hyper-parameter, defaults included (betas as [b1, b2]). */
  hyper_full: Record<string, number | boolean | number[] | null>;
  shape: number[];
  steps: number;
  seed: number;
}

/** tools/golden/char_lstm.py */
export interface CharLstmGoldenConfig {
  vocab_size: number;
  embed_dim: number;
  hidden_size: number;
  num_layers: number;
  batch_size: number;
  seq_len: number;
  optimizer: 'Adam';
  hyper: { lr: number };
  hyper_full: Record<string, number | boolean | number[] | null>;
  steps: number;
  seed: number;
}

/** One optimizer fixture unpacked: grads[k] is fed before step k, params[k] is the result. */
export interface GoldenOptimSteps {
  optimizer: string;
  hyper: Record<string, number | boolean>;
  shape: number[];
  param0: Float32Array;
  grads: Float32Array[];
  params: Float32Array[];
}

interface RawTensor {
  shape: number[];
  dtype?: 'int64';
  data: number[];
}

type Section = 'inputs' | 'params' | 'outputs' | 'grads' | 'params_final';

interface RawGolden {
  case: string;
  torch: string;
  script: string;
  description: string;
  config: unknown;
  [key: string]: unknown;
}

export class Golden<C = Record<string, unknown>> {
  readonly name: string;
  readonly torch: string;
  readonly script: string;
  readonly description: string;
  readonly config: C;

  constructor(readonly raw: RawGolden) {
    this.name = raw.case;
    this.torch = raw.torch;
    this.script = raw.script;
    this.description = raw.description;
    this.config = raw.config as C;
  }

  input(name: string): GoldenTensor {
    return this.float('inputs', name);
  }

  /** Integer input (token ids, class targets); int64 in PyTorch, all within int32 here. */
  inputInt(name: string): GoldenIntTensor {
    const t = this.rawTensor('inputs', name);
    if (t.dtype !== 'int64') throw new Error(`${this.name}: inputs.${name} is float, use input()`);
    return { shape: [...t.shape], data: Int32Array.from(t.data) };
  }

  /** Parameter by PyTorch state_dict name, e.g. 'weight_hh_l1_reverse' or 'lstm.bias_ih_l0'. */
  param(name: string): GoldenTensor {
    return this.float('params', name);
  }

  output(name: string): GoldenTensor {
    return this.float('outputs', name);
  }

  /** dL/d<name> for an input ('x', 'h0', 'c0', 'input') or a parameter (state_dict name). */
  grad(name: string): GoldenTensor {
    return this.float('grads', name);
  }

  /** char_lstm: parameters after the last optimizer step. */
  paramFinal(name: string): GoldenTensor {
    return this.float('params_final', name);
  }

  has(section: Section, name: string): boolean {
    const s = this.raw[section];
    return isRecord(s) && name in s;
  }

  /** Names in a section, in fixture order (state_dict order for params). */
  names(section: Section): string[] {
    const s = this.raw[section];
    return isRecord(s) ? Object.keys(s) : [];
  }

  paramNames(): string[] {
    return this.names('params');
  }

  /** The scalar L whose gradients are recorded (the reduced loss for loss cases). */
  get loss(): number {
    const v = this.raw['loss'];
    if (typeof v !== 'number') throw new Error(`${this.name}: no scalar "loss"`);
    return v;
  }

  /** char_lstm: the loss before each optimizer step. */
  losses(): number[] {
    const v = this.raw['losses'];
    if (!Array.isArray(v)) throw new Error(`${this.name}: no "losses" list`);
    return v as number[];
  }

  optimSteps(): GoldenOptimSteps {
    const { optimizer, hyper, param0, grads, params } = this.raw;
    if (typeof optimizer !== 'string' || !Array.isArray(grads) || !Array.isArray(params)) {
      throw new Error(`${this.name}: not an optimizer fixture`);
    }
    const cfg = this.config as unknown as OptimGoldenConfig;
    return {
      optimizer,
      hyper: hyper as Record<string, number | boolean>,
      shape: [...cfg.shape],
      param0: Float32Array.from(param0 as number[]),
      grads: (grads as number[][]).map((g) => Float32Array.from(g)),
      params: (params as number[][]).map((p) => Float32Array.from(p)),
    };
  }

  private rawTensor(section: Section, name: string): RawTensor {
    const s = this.raw[section];
    if (!isRecord(s)) throw new Error(`${this.name}: no "${section}" map in this fixture`);
    const t = s[name] as RawTensor | undefined;
    if (t === undefined) {
      throw new Error(`${this.name}: expected ${section}.${name}, got only [${Object.keys(s).join(', ')}]`);
    }
    return t;
  }

  private float(section: Section, name: string): GoldenTensor {
    const t = this.rawTensor(section, name);
    if (t.dtype === 'int64') throw new Error(`${this.name}: ${section}.${name} is int64, use inputInt()`);
    return { shape: [...t.shape], data: Float32Array.from(t.data) };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const cache = new Map<string, RawGolden>();

/** Parses test/fixtures/golden/<name>.json (cached); accessors return fresh arrays each call. */
export function loadGolden<C = Record<string, unknown>>(name: string): Golden<C> {
  let raw = cache.get(name);
  if (raw === undefined) {
    const url = new URL(`${name}.json`, GOLDEN_DIR);
    let text: string;
    try {
      text = readFileSync(url, 'utf8');
    } catch {
      throw new Error(`golden fixture "${name}" not found at ${url.pathname}; run npm run golden`);
    }
    raw = JSON.parse(text) as RawGolden;
    if (raw.case !== name) throw new Error(`${url.pathname}: expected case "${name}", got "${raw.case}"`);
    cache.set(name, raw);
  }
  return new Golden<C>(raw);
}

/** Case names starting with `prefix` (e.g. 'lstm', 'loss_', 'optim_', 'keras_'), sorted. */
export function listGolden(prefix = ''): string[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.json') && f.startsWith(prefix))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| everywhere (torch.allclose), reporting
 * how many elements fail and the worst one (by excess over its bound) with both values. Pass a
 * GoldenTensor as `expected` to get the worst element's multi-index too.
 */
export function expectAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number> | GoldenTensor,
  tol: Tolerance,
  label: string,
): void {
  const shape = 'shape' in expected && 'data' in expected ? expected.shape : null;
  const exp: ArrayLike<number> = shape !== null ? (expected as GoldenTensor).data : (expected as ArrayLike<number>);
  expect(actual.length, `${label}: expected length ${exp.length}, got ${actual.length}`).toBe(exp.length);
  let bad = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  for (let k = 0; k < exp.length; k++) {
    const a = actual[k]!;
    const e = exp[k]!;
    const diff = Math.abs(a - e);
    const excess = Number.isNaN(diff) ? Infinity : diff - (tol.atol + tol.rtol * Math.abs(e));
    if (excess > 0) bad++;
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = k;
    }
  }
  if (bad === 0) return;
  const where = shape !== null ? `[${unravel(worst, shape).join(', ')}]` : `[${worst}]`;
  const a = actual[worst]!;
  const e = exp[worst]!;
  const msg =
    `${label}: ${bad}/${exp.length} elements outside atol=${tol.atol} rtol=${tol.rtol}; ` +
    `worst at ${where} (flat ${worst}): actual ${a}, expected ${e}, |diff| ${Math.abs(a - e)}`;
  expect(bad, msg).toBe(0);
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}
