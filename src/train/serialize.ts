/**
 * Model files and checkpoints (DESIGN.md §7).
 *
 * A model is one `.safetensors` file: every parameter under its PyTorch `state_dict` name
 * (`<layer>.<param>`, F32 or F64 as the parameter), and in `__metadata__`
 *
 *   format: "recurrent"   format_version: "1"   library_version: VERSION
 *   config: JSON of model.toJSON()            user: JSON of the caller's metadata (optional)
 *   checkpoint_id: (checkpoints only) pairs the file with its optimizer sidecar
 *
 * so Python's `safetensors.torch.load_file` reads the weights as they are. A checkpoint adds a
 * sidecar `<name>.optim.safetensors` holding the optimizer's slot tensors (`<param>.<slot>`) and
 * the training position (epoch, step, RNG state, history) as JSON metadata.
 *
 * Every write is atomic (temp + rename). `encodeModel`/`decodeModel` are pure and work in the
 * browser; the `save*`/`load*` functions reach `node:fs` lazily through `io/safetensors`.
 */
import {
  FormatError,
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
} from '../io/safetensors.js';
import type { NamedTensor } from '../io/safetensors.js';
import { fmtShape } from '../tensor/tensor.js';
import type { Parameter } from '../nn/parameter.js';
// Imported for their side effect: they register the built-in layer classes, which loading needs.
import '../nn/layers.js';
import '../nn/recurrent.js';
import { BaseModel, modelFromJSON } from './model.js';

/** Version of this library, written into every model file as `library_version`. */
export const VERSION = '0.1.0';

/** `__metadata__.format` of a model file. */
export const MODEL_FORMAT = 'recurrent';
/** `__metadata__.format` of a checkpoint's optimizer sidecar. */
export const CHECKPOINT_FORMAT = 'recurrent-checkpoint';
/** The file layout version this library writes and reads. */
export const FORMAT_VERSION = '1';

/** A float tensor as state dicts hold it. */
export interface FloatTensor {
  shape: number[];
  data: Float32Array | Float64Array;
}

/** Options of {@link saveModel} / {@link encodeModel}. */
export interface SaveModelOptions {
  /**
   * Anything JSON-serializable to keep with the model (vocabulary, scalers, notes); stored as
   * JSON under `__metadata__.user` and returned by {@link readModelMetadata}.
   */
  metadata?: Record<string, unknown>;
}

/** What a model file says about itself, besides the weights. */
export interface ModelFileMetadata {
  formatVersion: string;
  /** Version of recurrent that wrote the file. */
  libraryVersion: string | null;
  /** The architecture (`model.toJSON()`). */
  config: Record<string, unknown>;
  /** The caller's `metadata` given to `saveModel`, or `{}`. */
  user: Record<string, unknown>;
  /** Set when the file is the model half of a checkpoint. */
  checkpointId: string | null;
}

// ---------------------------------------------------------------------------------------------
// Model files

/**
 * Serializes a model to safetensors bytes (what {@link saveModel} writes). Pure: works in the
 * browser. The model must be built (have its parameters).
 *
 * @example
 * const bytes = encodeModel(model, { metadata: { vocab } });
 */
export function encodeModel(model: BaseModel, extra: SaveModelOptions = {}): Uint8Array {
  return encodeSafetensors(...modelPayload(model, extra, 'encodeModel'));
}

/**
 * Rebuilds a model from safetensors bytes written by {@link encodeModel}/{@link saveModel}.
 * `source` names the data in error messages. Pure: works in the browser.
 *
 * @example
 * const model = decodeModel(new Uint8Array(await (await fetch(url)).arrayBuffer()), url);
 */
export function decodeModel(bytes: Uint8Array, source = '<buffer>'): BaseModel {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  return modelFromFile(tensors, metadata, source);
}

/**
 * Saves a model as one `.safetensors` file, atomically: the weights under their PyTorch names
 * and the architecture (`model.toJSON()`) in the metadata, so {@link loadModel} rebuilds it and
 * Python's `safetensors.torch.load_file(path)` gives a `state_dict` for the equivalent torch
 * modules. The model must be built (give the first layer an `inputShape`, or run predict/fit).
 *
 * @param extra.metadata JSON-serializable data kept with the model (see {@link readModelMetadata}).
 * @example
 * await saveModel(model, 'sentiment.safetensors', { metadata: { vocab: tokenizer.vocab } });
 */
export async function saveModel(model: BaseModel, path: string, extra: SaveModelOptions = {}): Promise<void> {
  await saveSafetensors(path, ...modelPayload(model, extra, `saveModel('${path}')`));
}

/**
 * Loads a model saved by {@link saveModel}: rebuilds the architecture from the file's config and
 * loads every parameter, strictly (a missing, unexpected or mis-shaped parameter is an error
 * naming the file). Predictions are bit-identical to the saved model's.
 *
 * For a plain safetensors file without a `config` (e.g. PyTorch's `save_file(m.state_dict())`),
 * build the model in code and use {@link loadWeights}.
 *
 * @example
 * const model = await loadModel('sentiment.safetensors');
 * const probs = model.predict([[12, 5, 873, 0]]);
 */
export async function loadModel(path: string): Promise<BaseModel> {
  const { tensors, metadata } = await loadSafetensors(path);
  return modelFromFile(tensors, metadata, path);
}

/**
 * Reads a model file's metadata: format and library versions, the architecture config, and the
 * caller's `metadata` from {@link saveModel} (as `user`). Node only.
 *
 * @example
 * const { user } = await readModelMetadata('sentiment.safetensors');
 * const vocab = user.vocab as string[];
 */
export async function readModelMetadata(path: string): Promise<ModelFileMetadata> {
  const { metadata } = await loadSafetensors(path);
  return parseModelMetadata(metadata, path);
}

function modelPayload(
  model: BaseModel,
  extra: SaveModelOptions,
  where: string,
  checkpointId?: string,
): [Record<string, NamedTensor>, Record<string, string>] {
  if (!(model instanceof BaseModel)) throw new Error(`${where}: expected a Sequential or Model, got ${describe(model)}`);
  ensureBuilt(model, where);
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, p] of model.namedParameters()) tensors[name] = floatTensor(p.data, [...p.shape]);
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    format_version: FORMAT_VERSION,
    library_version: VERSION,
    config: toJSONString(model.toJSON(), `${where}: model config`),
  };
  if (extra.metadata !== undefined) {
    const m = extra.metadata;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      throw new Error(`${where}: extra.metadata must be a plain object, got ${describe(m)}`);
    }
    metadata.user = toJSONString(m, `${where}: extra.metadata`);
  }
  if (checkpointId !== undefined) metadata.checkpoint_id = checkpointId;
  return [tensors, metadata];
}

function parseModelMetadata(metadata: Record<string, string>, source: string): ModelFileMetadata {
  const format = metadata.format;
  if (format === CHECKPOINT_FORMAT) {
    throw new Error(
      `${source}: this is the optimizer half of a checkpoint, not a model; ` +
        `load the model file beside it with loadCheckpoint or loadModel`,
    );
  }
  if (format !== MODEL_FORMAT || metadata.config === undefined) {
    const what = format === undefined ? 'no "format"' : `format ${JSON.stringify(format)}`;
    throw new Error(
      `${source}: not a recurrent model file (${what}, ${metadata.config === undefined ? 'no' : 'a'} "config" in ` +
        `__metadata__); to load plain weights (e.g. PyTorch's save_file(model.state_dict())), ` +
        `build the model in code and call loadWeights(model, '${source}')`,
    );
  }
  const version = metadata.format_version ?? '';
  const libraryVersion = metadata.library_version ?? null;
  if (version !== FORMAT_VERSION) {
    throw new Error(
      `${source}: format_version ${JSON.stringify(version)} is not supported (this is recurrent ` +
        `${VERSION}, which reads version ${FORMAT_VERSION}` +
        `${libraryVersion ? `; the file was written by recurrent ${libraryVersion}` : ''})`,
    );
  }
  const config = parseJSONObject(metadata.config, `${source}: __metadata__ "config"`);
  const user = metadata.user === undefined ? {} : parseJSONObject(metadata.user, `${source}: __metadata__ "user"`);
  return { formatVersion: version, libraryVersion, config, user, checkpointId: metadata.checkpoint_id ?? null };
}

function modelFromFile(tensors: Record<string, NamedTensor>, metadata: Record<string, string>, source: string): BaseModel {
  const meta = parseModelMetadata(metadata, source);
  let model: BaseModel;
  try {
    model = modelFromJSON(meta.config, source);
  } catch (e) {
    const msg = (e as Error).message;
    const written = meta.libraryVersion && meta.libraryVersion !== VERSION ? ` (the file was written by recurrent ${meta.libraryVersion}, this is ${VERSION})` : '';
    throw new Error(`${msg.startsWith(`${source}: `) ? msg : `${source}: ${msg}`}${written}`, { cause: e });
  }
  if (!model.built) throw new Error(`${source}: the model config has no input shapes, so the model cannot be built`);
  applyTensors(model, tensors, source, true, {});
  return model;
}

// ---------------------------------------------------------------------------------------------
// Weights into an existing model

/** Options of {@link loadWeights}. */
export interface LoadWeightsOptions {
  /**
   * true (default): every model parameter must be in the file and every file tensor must be a
   * model parameter. false: load the parameters found, skip unknown tensors.
   */
  strict?: boolean;
  /**
   * Renames file tensors before matching: the longest key that prefixes a tensor's name is
   * replaced by its value, e.g. `{ 'rnn.': 'lstm.', 'fc.': 'dense.' }`.
   */
  prefixMap?: Record<string, string>;
}

/** What {@link loadWeights} did, by model parameter name (`unexpected`: by file tensor name). */
export interface LoadWeightsResult {
  loaded: string[];
  /** Model parameters the file lacked (left as they were; only with `strict: false`). */
  missing: string[];
  /** File tensors that match no parameter (skipped; only with `strict: false`). */
  unexpected: string[];
}

/**
 * Loads parameters into a model from any safetensors file, e.g. one written by PyTorch's
 * `safetensors.torch.save_file(module.state_dict(), path)`: tensors are matched to parameters
 * by name (after `prefixMap`), shapes must agree, F64/F16/BF16 data is converted to the
 * parameter's dtype. All checks run before any parameter changes: on error the model is
 * untouched. The model is built first if it can be (first layer with an `inputShape`).
 *
 * @example
 * // torch: nn.LSTM saved as 'rnn.weight_ih_l0', ...; ours is named 'lstm'
 * await loadWeights(model, 'torch_lstm.safetensors', { prefixMap: { 'rnn.': 'lstm.' } });
 */
export async function loadWeights(model: BaseModel, path: string, opts: LoadWeightsOptions = {}): Promise<LoadWeightsResult> {
  if (!(model instanceof BaseModel)) throw new Error(`loadWeights: expected a Sequential or Model, got ${describe(model)}`);
  const prefixMap = checkPrefixMap(opts.prefixMap);
  ensureBuilt(model, 'loadWeights');
  const { tensors } = await loadSafetensors(path);
  return applyTensors(model, tensors, path, opts.strict ?? true, prefixMap);
}

function checkPrefixMap(m: unknown): Record<string, string> {
  if (m === undefined) return {};
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new Error(`loadWeights: prefixMap must be an object of strings, got ${describe(m)}`);
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') throw new Error(`loadWeights: prefixMap['${k}'] must be a string, got ${describe(v)}`);
  }
  return m as Record<string, string>;
}

function rename(name: string, prefixMap: Record<string, string>): string {
  let best = '';
  let found = false;
  for (const k of Object.keys(prefixMap)) {
    if (name.startsWith(k) && (!found || k.length > best.length)) {
      best = k;
      found = true;
    }
  }
  return found ? prefixMap[best] + name.slice(best.length) : name;
}

/** Validates every tensor against the model, then (only if all is well) copies them in. */
function applyTensors(
  model: BaseModel,
  tensors: Record<string, NamedTensor>,
  source: string,
  strict: boolean,
  prefixMap: Record<string, string>,
): LoadWeightsResult {
  const named = new Map(model.namedParameters());
  const plan: [Parameter, NamedTensor][] = [];
  const fromFile = new Map<string, string>(); // parameter name → file tensor name
  const unexpected: string[] = [];
  const label = (param: string, file: string): string => (param === file ? `parameter '${param}'` : `parameter '${param}' (file tensor '${file}')`);

  for (const fileName of Object.keys(tensors)) {
    const t = tensors[fileName]!;
    const name = rename(fileName, prefixMap);
    const p = named.get(name);
    if (!p) {
      unexpected.push(fileName);
      continue;
    }
    const prev = fromFile.get(name);
    if (prev !== undefined) throw new Error(`${source}: file tensors '${prev}' and '${fileName}' both map to parameter '${name}'; check prefixMap`);
    fromFile.set(name, fileName);
    if (t.dtype !== 'F32' && t.dtype !== 'F64') {
      throw new Error(`${source}: ${label(name, fileName)} has dtype ${t.dtype}, expected a float tensor (F32, F64, F16 or BF16)`);
    }
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new Error(`${source}: ${label(name, fileName)} has shape ${fmtShape(t.shape)}, expected ${fmtShape(p.shape)}`);
    }
    plan.push([p, t]);
  }
  const missing = [...named.keys()].filter((n) => !fromFile.has(n));

  if (strict && unexpected.length > 0) {
    const first = unexpected[0]!;
    const mapped = rename(first, prefixMap);
    throw new Error(
      `${source}: unexpected parameter '${first}'${mapped !== first ? ` (renamed '${mapped}')` : ''}` +
        `${more(unexpected)}: the model has no such parameter` +
        `${suggestPrefix(unexpected.map((u) => rename(u, prefixMap)), missing)}` +
        `; the model's parameters are ${listNames([...named.keys()])}`,
    );
  }
  if (strict && missing.length > 0) {
    throw new Error(
      `${source}: missing parameter '${missing[0]}'${more(missing)}: the file has no tensor for it` +
        `${suggestPrefix(unexpected.map((u) => rename(u, prefixMap)), missing)}`,
    );
  }

  for (const [p, t] of plan) p.data.set(t.data as Float32Array | Float64Array);
  return { loaded: [...fromFile.keys()], missing, unexpected };
}

function more(list: string[]): string {
  if (list.length <= 1) return '';
  const rest = list.slice(1, 6).map((n) => `'${n}'`).join(', ');
  return ` (and ${list.length - 1} more: ${rest}${list.length > 6 ? ', ...' : ''})`;
}

function listNames(names: string[]): string {
  if (names.length === 0) return '(none)';
  const shown = names.slice(0, 8).map((n) => `'${n}'`).join(', ');
  return names.length > 8 ? `${shown}, ... (${names.length} in all)` : shown;
}

/** When an unexpected and a missing name differ only in their first component, say so. */
function suggestPrefix(unexpected: string[], missing: string[]): string {
  for (const u of unexpected) {
    const i = u.indexOf('.');
    if (i < 0) continue;
    const rest = u.slice(i);
    const m = missing.find((n) => n.endsWith(rest) && n !== u && !n.slice(0, n.length - rest.length).includes('.'));
    if (m) {
      const to = m.slice(0, m.length - rest.length + 1);
      return ` (to load '${u.slice(0, i + 1)}*' into '${to}*', pass prefixMap: { '${u.slice(0, i + 1)}': '${to}' } to loadWeights)`;
    }
  }
  return '';
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

/** An optimizer's serializable state (see `Optimizer.stateDict` in `nn/optimizers.ts`). */
export interface OptimizerState {
  /** `getConfig()`: rebuilds the optimizer with `optimizerFromConfig`. */
  config: Record<string, unknown>;
  iterations: number;
  lr: number;
  /** Per-parameter step counts, by parameter name. */
  steps: Record<string, number>;
  /** Slot tensors, named `${paramName}.${slot}` (e.g. `lstm.weight_ih_l0.exp_avg`). */
  tensors: Record<string, FloatTensor>;
}

/** What checkpoints need of an optimizer (structurally, `Optimizer` from `nn/optimizers.ts`). */
export interface OptimizerLike {
  getConfig(): Record<string, unknown>;
  stateDict(named: readonly (readonly [string, Parameter])[]): OptimizerState;
  loadStateDict(named: readonly (readonly [string, Parameter])[], sd: OptimizerState, source: string): void;
}

/** Training position plus model and optimizer, as {@link saveCheckpoint} takes it. */
export interface CheckpointInput {
  model: BaseModel;
  /** Omitted or null: the checkpoint has no optimizer state (`optimizerState` loads as null). */
  optimizer?: OptimizerLike | null;
  /** The training loop's epoch counter (stored as given). */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** `Rng.getState()` of the training loop (NaN entries survive). */
  rngState: number[];
  /** Metric name → value per epoch (NaN and ±Infinity survive). */
  history?: Record<string, number[]>;
  /** Anything else JSON-serializable the training loop needs to resume. */
  extra?: Record<string, unknown>;
}

/** A checkpoint as {@link loadCheckpoint} returns it. */
export interface LoadedCheckpoint {
  model: BaseModel;
  /**
   * The optimizer's state, or null if none was saved. Resume with
   * `const opt = optimizerFromConfig(s.config); opt.loadStateDict(model.namedParameters(), s, path)`.
   */
  optimizerState: OptimizerState | null;
  epoch: number;
  step: number;
  rngState: number[];
  history: Record<string, number[]>;
  extra: Record<string, unknown>;
}

/**
 * The optimizer sidecar of a checkpoint: `run/ckpt.safetensors` → `run/ckpt.optim.safetensors`
 * (a path without the `.safetensors` suffix just gets `.optim.safetensors` appended).
 */
export function checkpointSidecarPath(path: string): string {
  return `${path.endsWith('.safetensors') ? path.slice(0, -'.safetensors'.length) : path}.optim.safetensors`;
}

/**
 * Saves everything needed to resume training: the model file at `path` (a normal model file,
 * {@link loadModel} reads it) and the optimizer state and training position in the sidecar
 * {@link checkpointSidecarPath}(path). Both writes are atomic; the sidecar is written first, and
 * both files carry the same random `checkpoint_id`, so a save interrupted between the two is
 * detected by {@link loadCheckpoint} rather than resuming with mismatched state.
 *
 * @example
 * await saveCheckpoint('run/ckpt.safetensors', { model, optimizer, epoch, step, rngState: rng.getState(), history });
 */
export async function saveCheckpoint(path: string, state: CheckpointInput): Promise<void> {
  const where = `saveCheckpoint('${path}')`;
  if (typeof state !== 'object' || state === null) throw new Error(`${where}: expected { model, optimizer, epoch, step, rngState, ... }, got ${describe(state)}`);
  const { model, optimizer, epoch, step, rngState } = state;
  const history = state.history ?? {};
  const extra = state.extra ?? {};
  if (!isCount(epoch)) throw new Error(`${where}: epoch must be a non-negative integer, got ${describe(epoch)}`);
  if (!isCount(step)) throw new Error(`${where}: step must be a non-negative integer, got ${describe(step)}`);
  if (!Array.isArray(rngState) || !rngState.every((v) => typeof v === 'number')) {
    throw new Error(`${where}: rngState must be an array of numbers (Rng.getState()), got ${describe(rngState)}`);
  }
  const id = randomId();
  const sidecar = checkpointSidecarPath(path);

  // Everything is serialized before anything is written, so a bad value cannot leave one file new.
  const model_ = modelPayload(model, {}, where, id);
  const tensors: Record<string, NamedTensor> = {};
  const meta: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    format_version: FORMAT_VERSION,
    library_version: VERSION,
    checkpoint_id: id,
    epoch: String(epoch),
    step: String(step),
    rng_state: encodeJSON(rngState, `${where}: rngState`),
    history: encodeJSON(history, `${where}: history`),
    extra: encodeJSON(extra, `${where}: extra`),
  };
  if (optimizer !== undefined && optimizer !== null) {
    const sd = optimizer.stateDict(model.namedParameters());
    for (const [name, t] of Object.entries(sd.tensors)) {
      if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) {
        throw new Error(`${where}: optimizer tensor '${name}' must hold a Float32Array or Float64Array`);
      }
      tensors[name] = floatTensor(t.data, [...t.shape]);
    }
    meta.optimizer = encodeJSON(sd.config, `${where}: optimizer config`);
    meta.iterations = String(sd.iterations);
    meta.lr = encodeJSON(sd.lr, `${where}: optimizer lr`);
    meta.steps = encodeJSON(sd.steps, `${where}: optimizer steps`);
  }
  const sidecarBytes = encodeSafetensors(tensors, meta);
  const modelBytes = encodeSafetensors(...model_);

  const { writeFileAtomic } = await import('../io/atomic.js');
  await writeFileAtomic(sidecar, sidecarBytes);
  await writeFileAtomic(path, modelBytes);
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}: the model (rebuilt and loaded as by
 * {@link loadModel}), the optimizer state as a plain object, and the training position. Errors
 * name the file: a missing sidecar, a pair from different saves ("... come from different
 * checkpoints"), a plain model file that is no checkpoint.
 *
 * @example
 * const ck = await loadCheckpoint('run/ckpt.safetensors');
 * const optimizer = optimizerFromConfig(ck.optimizerState!.config);
 * optimizer.loadStateDict(ck.model.namedParameters(), ck.optimizerState!, 'run/ckpt.optim.safetensors');
 */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const sidecar = checkpointSidecarPath(path);
  const modelFile = await loadSafetensors(path);
  const modelId = parseModelMetadata(modelFile.metadata, path).checkpointId;
  if (modelId === null) {
    throw new Error(`${path}: not a checkpoint (no checkpoint_id in __metadata__) but a plain model file; load it with loadModel('${path}')`);
  }
  let side: Awaited<ReturnType<typeof loadSafetensors>>;
  try {
    side = await loadSafetensors(sidecar);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new Error(
      `${sidecar}: not found; a checkpoint is two files, ${path} and ${sidecar} (optimizer state). ` +
        `To use the weights alone, call loadModel('${path}')`,
      { cause: e },
    );
  }
  const sm = side.metadata;
  if (sm.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${sidecar}: not a checkpoint optimizer file (format ${JSON.stringify(sm.format ?? null)}, expected "${CHECKPOINT_FORMAT}")`);
  }
  if (sm.format_version !== FORMAT_VERSION) {
    throw new Error(`${sidecar}: format_version ${JSON.stringify(sm.format_version ?? null)} is not supported (this is recurrent ${VERSION}, which reads version ${FORMAT_VERSION})`);
  }
  if (modelId !== sm.checkpoint_id) {
    throw new Error(
      `${path} and ${sidecar} come from different checkpoints (checkpoint_id ${JSON.stringify(modelId)} vs ` +
        `${JSON.stringify(sm.checkpoint_id ?? null)}); the last save was probably interrupted between the two files. ` +
        `To use the weights alone, call loadModel('${path}')`,
    );
  }

  const model = modelFromFile(modelFile.tensors, modelFile.metadata, path);
  const field = (key: string): string => {
    const v = sm[key];
    if (v === undefined) throw new FormatError(sidecar, `__metadata__ has no "${key}"`);
    return v;
  };
  const epoch = Number(field('epoch'));
  const step = Number(field('step'));
  if (!isCount(epoch)) throw new FormatError(sidecar, `__metadata__ "epoch": expected a non-negative integer, got ${JSON.stringify(sm.epoch)}`);
  if (!isCount(step)) throw new FormatError(sidecar, `__metadata__ "step": expected a non-negative integer, got ${JSON.stringify(sm.step)}`);
  const rngState = decodeJSON(field('rng_state'), sidecar, 'rng_state');
  if (!Array.isArray(rngState) || !rngState.every((v) => typeof v === 'number')) {
    throw new FormatError(sidecar, `__metadata__ "rng_state": expected an array of numbers, got ${describe(rngState)}`);
  }
  const history = decodeJSONObject(field('history'), sidecar, 'history') as Record<string, number[]>;
  const extra = decodeJSONObject(field('extra'), sidecar, 'extra');

  let optimizerState: OptimizerState | null = null;
  if (sm.optimizer !== undefined) {
    const config = decodeJSONObject(sm.optimizer, sidecar, 'optimizer');
    const iterations = Number(field('iterations'));
    if (!isCount(iterations)) throw new FormatError(sidecar, `__metadata__ "iterations": expected a non-negative integer, got ${JSON.stringify(sm.iterations)}`);
    const lr = decodeJSON(field('lr'), sidecar, 'lr');
    if (typeof lr !== 'number') throw new FormatError(sidecar, `__metadata__ "lr": expected a number, got ${describe(lr)}`);
    const steps = decodeJSONObject(field('steps'), sidecar, 'steps');
    for (const [k, v] of Object.entries(steps)) {
      if (!isCount(v)) throw new FormatError(sidecar, `__metadata__ "steps": step count of '${k}' must be a non-negative integer, got ${describe(v)}`);
    }
    const tensors: Record<string, FloatTensor> = {};
    for (const [name, t] of Object.entries(side.tensors)) {
      if (t.dtype !== 'F32' && t.dtype !== 'F64') throw new FormatError(sidecar, `tensor '${name}' has dtype ${t.dtype}, expected F32 or F64`);
      tensors[name] = { shape: t.shape, data: t.data as Float32Array | Float64Array };
    }
    optimizerState = { config, iterations, lr, steps: steps as Record<string, number>, tensors };
  } else if (Object.keys(side.tensors).length > 0) {
    throw new FormatError(sidecar, `has ${Object.keys(side.tensors).length} tensors but no "optimizer" config in __metadata__`);
  }
  return { model, optimizerState, epoch, step, rngState: rngState as number[], history, extra };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function ensureBuilt(model: BaseModel, where: string): void {
  // `ensureBuilt` is protected (for subclasses); serialization is part of the model's own module
  // family, so it calls it directly: it builds a model whose input shapes are declared and
  // explains how to fix one whose are not.
  try {
    (model as unknown as { ensureBuilt(): void }).ensureBuilt();
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
  }
}

function floatTensor(data: Float32Array | Float64Array, shape: number[]): NamedTensor {
  return data instanceof Float64Array ? { dtype: 'F64', shape, data } : { dtype: 'F32', shape, data };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function randomId(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Plain JSON (what Python's `json.loads` reads); fails on values JSON cannot hold. */
function toJSONString(v: unknown, what: string): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch (e) {
    throw new Error(`${what} is not JSON-serializable: ${(e as Error).message}`, { cause: e });
  }
  if (s === undefined) throw new Error(`${what} is not JSON-serializable (got ${describe(v)})`);
  return s;
}

function parseJSONObject(s: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${what}: expected a JSON object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}

// Checkpoint JSON keeps NaN and ±Infinity (an Rng's state, a diverged loss) as {"$float": "NaN"}.
function encodeJSON(v: unknown, what: string): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? { $float: String(x) } : x));
  } catch (e) {
    throw new Error(`${what} is not JSON-serializable: ${(e as Error).message}`, { cause: e });
  }
  if (s === undefined) throw new Error(`${what} is not JSON-serializable (got ${describe(v)})`);
  return s;
}

function decodeJSON(s: string, source: string, key: string): unknown {
  try {
    return JSON.parse(s, (_k, x: unknown) => {
      if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
        const keys = Object.keys(x);
        const f = (x as { $float?: unknown }).$float;
        if (keys.length === 1 && typeof f === 'string') return Number(f);
      }
      return x;
    });
  } catch (e) {
    throw new FormatError(source, `__metadata__ "${key}" is not valid JSON: ${(e as Error).message}`);
  }
}

function decodeJSONObject(s: string, source: string, key: string): Record<string, unknown> {
  const v = decodeJSON(s, source, key);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FormatError(source, `__metadata__ "${key}": expected a JSON object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}
