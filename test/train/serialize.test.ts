import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeSafetensors, encodeSafetensors, FormatError, type NamedTensor } from '../../src/io/safetensors.js';
import { Input, type SymbolicTensor } from '../../src/nn/layer.js';
import { Dense, Dropout, Embedding } from '../../src/nn/layers.js';
import type { Parameter } from '../../src/nn/parameter.js';
import { Adam, optimizerFromConfig } from '../../src/nn/optimizers.js';
import { Bidirectional, GRU, LSTM } from '../../src/nn/recurrent.js';
import { BaseModel, Model, Sequential } from '../../src/train/model.js';
import {
  checkpointSidecarPath,
  decodeModel,
  encodeModel,
  loadCheckpoint,
  loadModel,
  loadWeights,
  type OptimizerLike,
  type OptimizerState,
  readModelMetadata,
  saveCheckpoint,
  saveModel,
  VERSION,
} from '../../src/train/serialize.js';

// Lets a test make the atomic writer's final rename fail, as a full disk or a crash would.
const io = vi.hoisted(() => ({ failRename: false, renamesLeft: null as number | null }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      const fail = io.failRename || (io.renamesLeft !== null && io.renamesLeft-- <= 0);
      if (fail) throw Object.assign(new Error('ENOSPC: no space left on device, rename'), { code: 'ENOSPC' });
      return real.rename(from, to);
    },
  };
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'recurrent-serialize-'));
  io.failRename = false;
  io.renamesLeft = null;
});
afterEach(() => {
  io.failRename = false;
  io.renamesLeft = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Exact comparison of float arrays, bit for bit (NaN payloads and -0 included). */
function bits(a: Float32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function tokens(n: number, t: number, vocab: number, seed: number): number[][] {
  let s = seed;
  const next = (): number => ((s = (s * 1103515245 + 12345) % 2147483648), s);
  return Array.from({ length: n }, () => Array.from({ length: t }, () => 1 + (next() % (vocab - 1))));
}

function floats(shape: number[], seed: number): { data: Float32Array; shape: number[] } {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.sin(seed * 7.1 + i * 1.37);
  return { data, shape };
}

function seqModel(): Sequential {
  return new Sequential(
    [
      new Embedding({ inputDim: 20, outputDim: 8, inputShape: [null] }),
      Bidirectional(new LSTM({ units: 6, numLayers: 2 })),
      new Dropout({ rate: 0.3 }),
      new Dense({ units: 3 }),
    ],
    { seed: 1 },
  );
}

/** Two inputs: a sequence, and a vector that sets the LSTM's initial state; two outputs. */
function twoInputModel(): Model {
  const seq = Input({ shape: [null, 4], name: 'sequence' });
  const ctx = Input({ shape: [5], name: 'context' });
  const h0 = new Dense({ units: 6, activation: 'tanh' }).apply(ctx) as SymbolicTensor;
  const c0 = new Dense({ units: 6 }).apply(ctx) as SymbolicTensor;
  const [out, hN] = new LSTM({ units: 6, returnState: true }).apply([seq, h0, c0]) as SymbolicTensor[];
  const gru = new GRU({ units: 5 }).apply(seq) as SymbolicTensor;
  void gru;
  const head = new Dense({ units: 2, activation: 'softmax' }).apply(out!) as SymbolicTensor;
  return new Model({ inputs: [seq, ctx], outputs: [head, hN!], seed: 3 });
}

/** Re-encodes a saved file after `edit` changes its tensors or metadata. */
function rewrite(path: string, edit: (t: Record<string, NamedTensor>, m: Record<string, string>) => void): void {
  const { tensors, metadata } = decodeSafetensors(fs.readFileSync(path), path);
  edit(tensors, metadata);
  fs.writeFileSync(path, encodeSafetensors(tensors, metadata));
}

function paramsByName(m: BaseModel): Map<string, Parameter> {
  return new Map(m.namedParameters());
}

describe('saveModel / loadModel', () => {
  it('round-trips a Sequential (Embedding → bidirectional 2-layer LSTM → Dense) bit-identically', async () => {
    const model = seqModel();
    const x = tokens(7, 9, 20, 5);
    const before = model.predictArrays(x)[0]!;
    const path = join(dir, 'model.safetensors');
    await saveModel(model, path);

    // The file is plain safetensors with PyTorch names, dtype F32, and the documented metadata.
    const { tensors, metadata } = decodeSafetensors(fs.readFileSync(path), path);
    const lstmName = model.layers[1]!.name;
    expect(Object.keys(tensors).sort()).toEqual(model.namedParameters().map(([n]) => n).sort());
    expect(tensors[`${lstmName}.weight_ih_l1_reverse`]!.shape).toEqual([24, 12]);
    expect(Object.values(tensors).every((t) => t.dtype === 'F32')).toBe(true);
    expect(metadata.format).toBe('recurrent');
    expect(metadata.format_version).toBe('1');
    expect(metadata.library_version).toBe(VERSION);
    expect(JSON.parse(metadata.config!)).toEqual(model.toJSON());
    expect(metadata.user).toBeUndefined();

    const loaded = await loadModel(path);
    expect(loaded).toBeInstanceOf(Sequential);
    expect(loaded.toJSON()).toEqual(model.toJSON());
    const p0 = paramsByName(model);
    for (const [n, p] of loaded.namedParameters()) expect(bits(p.data).equals(bits(p0.get(n)!.data))).toBe(true);
    const after = loaded.predictArrays(x)[0]!;
    expect(after.shape).toEqual(before.shape);
    expect(bits(after.data).equals(bits(before.data))).toBe(true);

    // And the reloaded model saves to the same bytes.
    expect(Buffer.from(encodeModel(loaded)).equals(fs.readFileSync(path))).toBe(true);
  });

  it('round-trips a functional Model with two inputs and two outputs bit-identically', async () => {
    const model = twoInputModel();
    const xs = [floats([4, 6, 4], 1), floats([4, 5], 2)];
    const before = model.predictArrays(xs);
    const path = join(dir, 'two.safetensors');
    await saveModel(model, path);
    const loaded = await loadModel(path);
    expect(loaded).toBeInstanceOf(Model);
    expect(loaded.toJSON()).toEqual(model.toJSON());
    expect(loaded.namedParameters().map(([n]) => n)).toEqual(model.namedParameters().map(([n]) => n));
    const after = loaded.predictArrays(xs);
    expect(after).toHaveLength(2);
    for (let k = 0; k < 2; k++) {
      expect(after[k]!.shape).toEqual(before[k]!.shape);
      expect(bits(after[k]!.data).equals(bits(before[k]!.data))).toBe(true);
    }
  });

  it('builds from data: a model built by predict saves and reloads with its input shapes', async () => {
    const model = new Sequential([new GRU({ units: 4 }), new Dense({ units: 2 })], { seed: 9 });
    await expect(saveModel(model, join(dir, 'unbuilt.safetensors'))).rejects.toThrow(/not built yet/);
    expect(fs.existsSync(join(dir, 'unbuilt.safetensors'))).toBe(false);
    const x = floats([3, 5, 2], 4);
    const before = model.predictArrays(x)[0]!;
    const path = join(dir, 'built.safetensors');
    await saveModel(model, path);
    const loaded = await loadModel(path);
    expect(loaded.inputShapes).toEqual(model.inputShapes);
    expect(bits(loaded.predictArrays(x)[0]!.data).equals(bits(before.data))).toBe(true);
  });

  it('stores float64 parameters as F64', async () => {
    const model = new Sequential([new LSTM({ units: 3, inputShape: [null, 2], dtype: 'float64' }), new Dense({ units: 1, dtype: 'float64' })], { seed: 2 });
    const path = join(dir, 'f64.safetensors');
    await saveModel(model, path);
    const { tensors } = decodeSafetensors(fs.readFileSync(path), path);
    expect(Object.values(tensors).every((t) => t.dtype === 'F64')).toBe(true);
    const loaded = await loadModel(path);
    const p0 = paramsByName(model);
    for (const [n, p] of loaded.namedParameters()) {
      expect(p.data).toBeInstanceOf(Float64Array);
      expect(bits(p.data).equals(bits(p0.get(n)!.data))).toBe(true);
    }
  });

  it('keeps user metadata as JSON under "user"', async () => {
    const model = seqModel();
    const path = join(dir, 'meta.safetensors');
    const user = { vocab: ['<pad>', 'a', 'b'], scaler: { mean: 0.5, std: 2 }, note: 'ünïcødé' };
    await saveModel(model, path, { metadata: user });
    const meta = await readModelMetadata(path);
    expect(meta.user).toEqual(user);
    expect(meta.libraryVersion).toBe(VERSION);
    expect(meta.formatVersion).toBe('1');
    expect(meta.config).toEqual(model.toJSON());
    expect(meta.checkpointId).toBeNull();
    await expect(saveModel(model, path, { metadata: { n: 1n } as unknown as Record<string, unknown> })).rejects.toThrow(/extra\.metadata is not JSON-serializable/);
  });

  it('encodeModel / decodeModel work on bytes (browser path)', () => {
    const model = seqModel();
    const x = tokens(3, 4, 20, 1);
    const loaded = decodeModel(encodeModel(model), 'https://example.test/m.safetensors');
    expect(bits(loaded.predictArrays(x)[0]!.data).equals(bits(model.predictArrays(x)[0]!.data))).toBe(true);
  });
});

describe('loadModel errors name the file', () => {
  async function saved(): Promise<{ path: string; model: Sequential; lstm: string }> {
    const model = seqModel();
    const path = join(dir, 'model.safetensors');
    await saveModel(model, path);
    return { path, model, lstm: model.layers[1]!.name };
  }

  it('a plain safetensors file (no config) is not a recurrent model file; suggests loadWeights', async () => {
    const path = join(dir, 'torch.safetensors');
    fs.writeFileSync(path, encodeSafetensors({ 'rnn.weight_ih_l0': { dtype: 'F32', shape: [4, 2], data: new Float32Array(8) } }, { format: 'pt' }));
    await expect(loadModel(path)).rejects.toThrow(`${path}: not a recurrent model file`);
    await expect(loadModel(path)).rejects.toThrow(/loadWeights\(model, /);
  });

  it('unknown layer class', async () => {
    const { path } = await saved();
    rewrite(path, (_t, m) => {
      m.config = m.config!.replace('"className":"LSTM"', '"className":"FancyLSTM"');
    });
    await expect(loadModel(path)).rejects.toThrow(`${path}: unknown layer class "FancyLSTM"`);
  });

  it('missing parameter', async () => {
    const { path, lstm } = await saved();
    rewrite(path, (t) => {
      delete t[`${lstm}.bias_hh_l1`];
    });
    await expect(loadModel(path)).rejects.toThrow(`${path}: missing parameter '${lstm}.bias_hh_l1'`);
  });

  it('unexpected parameter', async () => {
    const { path, lstm } = await saved();
    rewrite(path, (t) => {
      t[`${lstm}.weight_ih_l2`] = { dtype: 'F32', shape: [24, 12], data: new Float32Array(288) };
    });
    await expect(loadModel(path)).rejects.toThrow(`${path}: unexpected parameter '${lstm}.weight_ih_l2'`);
  });

  it('mis-shaped parameter', async () => {
    const { path, lstm } = await saved();
    rewrite(path, (t) => {
      t[`${lstm}.weight_ih_l0`] = { dtype: 'F32', shape: [24, 16], data: new Float32Array(24 * 16) };
    });
    await expect(loadModel(path)).rejects.toThrow(`${path}: parameter '${lstm}.weight_ih_l0' has shape (24, 16), expected (24, 8)`);
  });

  it('non-float tensor for a parameter', async () => {
    const { path, lstm } = await saved();
    rewrite(path, (t) => {
      t[`${lstm}.bias_ih_l0`] = { dtype: 'I32', shape: [24], data: new Int32Array(24) };
    });
    await expect(loadModel(path)).rejects.toThrow(`${path}: parameter '${lstm}.bias_ih_l0' has dtype I32`);
  });

  it('a newer format_version', async () => {
    const { path } = await saved();
    rewrite(path, (_t, m) => {
      m.format_version = '2';
    });
    await expect(loadModel(path)).rejects.toThrow(`${path}: format_version "2" is not supported`);
  });

  it('truncated file: FormatError naming the file', async () => {
    const { path } = await saved();
    const bytes = fs.readFileSync(path);
    fs.writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    const err = await loadModel(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).message).toContain(`${path}: truncated`);
    fs.writeFileSync(path, bytes.subarray(0, 20));
    await expect(loadModel(path)).rejects.toThrow(`${path}: truncated: header says`);
  });
});

describe('atomic saves', () => {
  it('a failed save leaves the previous file intact and no temp files behind', async () => {
    const path = join(dir, 'model.safetensors');
    const a = seqModel();
    await saveModel(a, path);
    const original = fs.readFileSync(path);

    const b = new Sequential([new Embedding({ inputDim: 20, outputDim: 8, inputShape: [null] }), new LSTM({ units: 2 }), new Dense({ units: 3 })], { seed: 7 });
    io.failRename = true;
    await expect(saveModel(b, path)).rejects.toThrow(`cannot write '${path}'`);
    io.failRename = false;
    expect(fs.readFileSync(path).equals(original)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
    const x = tokens(2, 3, 20, 3);
    expect(bits((await loadModel(path)).predictArrays(x)[0]!.data).equals(bits(a.predictArrays(x)[0]!.data))).toBe(true);

    // A value that cannot be serialized fails before anything is written.
    await expect(saveModel(b, path, { metadata: { f: 1n } as unknown as Record<string, unknown> })).rejects.toThrow();
    expect(fs.readFileSync(path).equals(original)).toBe(true);
  });
});

describe('loadWeights', () => {
  function target(): Sequential {
    const m = new Sequential([new LSTM({ units: 4, name: 'encoder', inputShape: [null, 3] }), new Dense({ units: 2, name: 'head' })], { seed: 4 });
    m.build(m.inputShapes);
    return m;
  }

  /** A file as PyTorch's save_file(state_dict) would write for nn.LSTM(3, 4) + nn.Linear(4, 2), in F64. */
  function torchFile(): { path: string; tensors: Record<string, NamedTensor> } {
    const shapes: Record<string, number[]> = {
      'rnn.weight_ih_l0': [16, 3],
      'rnn.weight_hh_l0': [16, 4],
      'rnn.bias_ih_l0': [16],
      'rnn.bias_hh_l0': [16],
      'fc.weight': [2, 4],
      'fc.bias': [2],
    };
    const tensors: Record<string, NamedTensor> = {};
    let k = 0;
    for (const [n, shape] of Object.entries(shapes)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float64Array(size);
      for (let i = 0; i < size; i++) data[i] = Math.cos(++k * 0.731) / 3;
      tensors[n] = { dtype: 'F64', shape, data };
    }
    const path = join(dir, 'torch.safetensors');
    fs.writeFileSync(path, encodeSafetensors(tensors, { format: 'pt' }));
    return { path, tensors };
  }

  it('loads PyTorch-named F64 tensors through a prefixMap, converting to F32', async () => {
    const { path, tensors } = torchFile();
    const model = target();
    const res = await loadWeights(model, path, { prefixMap: { 'rnn.': 'encoder.', 'fc.': 'head.' } });
    expect(res.missing).toEqual([]);
    expect(res.unexpected).toEqual([]);
    expect(res.loaded.sort()).toEqual(model.namedParameters().map(([n]) => n).sort());
    const p = paramsByName(model);
    for (const [n, t] of Object.entries(tensors)) {
      const name = n.replace('rnn.', 'encoder.').replace('fc.', 'head.');
      expect(Array.from(p.get(name)!.data)).toEqual(Array.from(t.data as Float64Array, Math.fround));
    }
    // Now a normal model: it saves and reloads like any other.
    const out = join(dir, 'converted.safetensors');
    await saveModel(model, out);
    const x = floats([2, 5, 3], 8);
    expect(bits((await loadModel(out)).predictArrays(x)[0]!.data).equals(bits(model.predictArrays(x)[0]!.data))).toBe(true);
  });

  it('strict: unmatched names fail with the file name, a prefixMap hint, and the model untouched', async () => {
    const { path } = torchFile();
    const model = target();
    const before = model.namedParameters().map(([, p]) => bits(p.data.slice()));
    const err = (await loadWeights(model, path).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(`${path}: unexpected parameter`);
    expect(err.message).toMatch(/prefixMap: \{ '(rnn|fc)\.': '(encoder|head)\.' \}/);
    // Half-mapped: still fails, still untouched.
    await expect(loadWeights(model, path, { prefixMap: { 'rnn.': 'encoder.' } })).rejects.toThrow(`${path}: unexpected parameter 'fc.bias'`);
    model.namedParameters().forEach(([, p], i) => expect(bits(p.data).equals(before[i]!)).toBe(true));
  });

  it('non-strict: loads what matches and reports the rest', async () => {
    const { path } = torchFile();
    const model = target();
    const head = paramsByName(model).get('head.weight')!.data.slice();
    const res = await loadWeights(model, path, { strict: false, prefixMap: { 'rnn.': 'encoder.' } });
    expect(res.loaded.sort()).toEqual(['encoder.bias_hh_l0', 'encoder.bias_ih_l0', 'encoder.weight_hh_l0', 'encoder.weight_ih_l0']);
    expect(res.missing.sort()).toEqual(['head.bias', 'head.weight']);
    expect(res.unexpected.sort()).toEqual(['fc.bias', 'fc.weight']);
    expect(bits(paramsByName(model).get('head.weight')!.data).equals(bits(head))).toBe(true);
  });

  it('mis-shaped tensors fail even when not strict, naming both names', async () => {
    const { path } = torchFile();
    const model = new Sequential([new LSTM({ units: 5, name: 'encoder', inputShape: [null, 3] })]);
    await expect(loadWeights(model, path, { strict: false, prefixMap: { 'rnn.': 'encoder.' } })).rejects.toThrow(
      `${path}: parameter 'encoder.bias_hh_l0' (file tensor 'rnn.bias_hh_l0') has shape (16), expected (20)`,
    );
  });
});

describe('checkpoints', () => {
  /** A stand-in for an optimizer: one slot per parameter and per-parameter step counts. */
  class FakeOptimizer implements OptimizerLike {
    lr = 0.125;
    iterations = 17;
    getConfig(): Record<string, unknown> {
      return { className: 'Fake', lr: this.lr, beta: 0.9 };
    }
    stateDict(named: readonly [string, Parameter][]): OptimizerState {
      const tensors: OptimizerState['tensors'] = {};
      const steps: Record<string, number> = {};
      named.forEach(([n, p], i) => {
        const m = new Float32Array(p.size).map((_, j) => (i + 1) * 0.01 * j);
        tensors[`${n}.momentum`] = { shape: [...p.shape], data: m };
        steps[n] = 17 - (i % 2);
      });
      return { config: this.getConfig(), iterations: this.iterations, lr: this.lr, steps, tensors };
    }
    loadStateDict(): void {}
  }

  it('round-trips model, optimizer state and training position', async () => {
    const model = seqModel();
    const opt = new FakeOptimizer();
    const path = join(dir, 'ckpt.safetensors');
    const rngState = [1, 2, 3, 4294967295, NaN];
    const history = { loss: [1.5, 0.75, NaN], val_loss: [Infinity, 2, -Infinity] };
    await saveCheckpoint(path, { model, optimizer: opt, epoch: 3, step: 120, rngState, history, extra: { best: 0.5, patience: 2 } });
    expect(checkpointSidecarPath(path)).toBe(join(dir, 'ckpt.optim.safetensors'));
    expect(checkpointSidecarPath('run/ckpt')).toBe('run/ckpt.optim.safetensors');
    expect(fs.readdirSync(dir).sort()).toEqual(['ckpt.optim.safetensors', 'ckpt.safetensors']);

    const ck = await loadCheckpoint(path);
    expect(ck.epoch).toBe(3);
    expect(ck.step).toBe(120);
    expect(ck.rngState).toEqual(rngState);
    expect(Number.isNaN(ck.rngState[4])).toBe(true);
    expect(ck.history).toEqual(history);
    expect(ck.extra).toEqual({ best: 0.5, patience: 2 });
    const x = tokens(4, 6, 20, 2);
    expect(bits(ck.model.predictArrays(x)[0]!.data).equals(bits(model.predictArrays(x)[0]!.data))).toBe(true);

    const want = opt.stateDict(model.namedParameters());
    const got = ck.optimizerState!;
    expect(got.config).toEqual(want.config);
    expect(got.iterations).toBe(17);
    expect(got.lr).toBe(0.125);
    expect(got.steps).toEqual(want.steps);
    expect(Object.keys(got.tensors).sort()).toEqual(Object.keys(want.tensors).sort());
    for (const [n, t] of Object.entries(want.tensors)) {
      expect(got.tensors[n]!.shape).toEqual(t.shape);
      expect(bits(got.tensors[n]!.data).equals(bits(t.data))).toBe(true);
    }

    // The model half is an ordinary model file.
    const plain = await loadModel(path);
    expect(bits(plain.predictArrays(x)[0]!.data).equals(bits(model.predictArrays(x)[0]!.data))).toBe(true);
    expect((await readModelMetadata(path)).checkpointId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('resumes a real Adam exactly: same next step as the uninterrupted optimizer', async () => {
    const model = seqModel();
    model.build(model.inputShapes);
    const params = model.parameters();
    const setGrads = (k: number): void => params.forEach((p, i) => p.grad!.data.forEach((_, j, g) => (g[j] = Math.sin(k + i * 0.3 + j * 0.01))));
    const adam = new Adam({ lr: 0.01 });
    for (let k = 0; k < 2; k++) {
      setGrads(k);
      adam.step(params);
    }
    const path = join(dir, 'adam.safetensors');
    await saveCheckpoint(path, { model, optimizer: adam, epoch: 0, step: adam.iterations, rngState: [1, 2, 3, 4, NaN] });
    const ck = await loadCheckpoint(path);
    const resumed = optimizerFromConfig(ck.optimizerState!.config);
    resumed.loadStateDict(ck.model.namedParameters(), ck.optimizerState!, checkpointSidecarPath(path));
    expect(resumed.iterations).toBe(2);
    setGrads(2);
    adam.step(params);
    const p2 = ck.model.parameters();
    p2.forEach((p, i) => p.grad!.data.set(params[i]!.grad!.data));
    resumed.step(p2);
    params.forEach((p, i) => expect(bits(p2[i]!.data).equals(bits(p.data))).toBe(true));
  });

  it('without an optimizer, optimizerState is null', async () => {
    const path = join(dir, 'noopt.safetensors');
    await saveCheckpoint(path, { model: seqModel(), epoch: 0, step: 0, rngState: [0, 0, 0, 1, NaN] });
    const ck = await loadCheckpoint(path);
    expect(ck.optimizerState).toBeNull();
    expect(ck.history).toEqual({});
    expect(ck.extra).toEqual({});
  });

  it('detects a model file and sidecar from different saves', async () => {
    const model = seqModel();
    const opt = new FakeOptimizer();
    const path = join(dir, 'model.safetensors');
    const side = checkpointSidecarPath(path);
    await saveCheckpoint(path, { model, optimizer: opt, epoch: 1, step: 10, rngState: [1, 2, 3, 4, NaN] });
    const oldSide = fs.readFileSync(side);
    await saveCheckpoint(path, { model, optimizer: opt, epoch: 2, step: 20, rngState: [1, 2, 3, 4, NaN] });
    await expect(loadCheckpoint(path)).resolves.toMatchObject({ epoch: 2, step: 20 });
    fs.writeFileSync(side, oldSide);
    await expect(loadCheckpoint(path)).rejects.toThrow(`${path} and ${side} come from different checkpoints`);
    expect(side.endsWith('model.optim.safetensors')).toBe(true);
  });

  it('an interrupted save (sidecar written, model not) is detected', async () => {
    const model = seqModel();
    const path = join(dir, 'run.safetensors');
    await saveCheckpoint(path, { model, optimizer: new FakeOptimizer(), epoch: 1, step: 10, rngState: [1, 2, 3, 4, NaN] });
    const oldModel = fs.readFileSync(path);
    io.renamesLeft = 1; // the sidecar's rename succeeds, the model file's fails
    await expect(saveCheckpoint(path, { model, optimizer: new FakeOptimizer(), epoch: 2, step: 20, rngState: [1, 2, 3, 4, NaN] })).rejects.toThrow(`cannot write '${path}'`);
    io.renamesLeft = null;
    expect(fs.readFileSync(path).equals(oldModel)).toBe(true);
    await expect(loadCheckpoint(path)).rejects.toThrow(/come from different checkpoints.*interrupted.*loadModel/);
    // The old model half still loads on its own.
    await expect(loadModel(path)).resolves.toBeInstanceOf(Sequential);
  });

  it('a missing sidecar, and a plain model file, are reported', async () => {
    const model = seqModel();
    const path = join(dir, 'c.safetensors');
    await saveCheckpoint(path, { model, epoch: 1, step: 1, rngState: [1, 2, 3, 4, NaN] });
    fs.rmSync(checkpointSidecarPath(path));
    await expect(loadCheckpoint(path)).rejects.toThrow(`${checkpointSidecarPath(path)}: not found`);
    const plain = join(dir, 'plain.safetensors');
    await saveModel(model, plain);
    await expect(loadCheckpoint(plain)).rejects.toThrow(`${plain}: not a checkpoint`);
    await expect(loadModel(checkpointSidecarPath(join(dir, 'x.safetensors')))).rejects.toThrow(/no such file/);
    await saveCheckpoint(path, { model, epoch: 1, step: 1, rngState: [1, 2, 3, 4, NaN] });
    await expect(loadModel(checkpointSidecarPath(path))).rejects.toThrow(`${checkpointSidecarPath(path)}: this is the optimizer half of a checkpoint`);
  });

  it('rejects bad training positions before writing anything', async () => {
    const path = join(dir, 'bad.safetensors');
    await expect(saveCheckpoint(path, { model: seqModel(), epoch: -1, step: 0, rngState: [] })).rejects.toThrow(/epoch must be a non-negative integer/);
    await expect(saveCheckpoint(path, { model: seqModel(), epoch: 0, step: 0, rngState: ['x' as unknown as number] })).rejects.toThrow(/rngState must be an array of numbers/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
