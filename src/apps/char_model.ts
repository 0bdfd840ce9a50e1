import { arena, Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { Var } from '../autograd/tape.js';
import { Dense, Embedding } from '../nn/layers.js';
import { GRU, LSTM } from '../nn/recurrent.js';
import type { RecurrentLayer } from '../nn/recurrent.js';
import { Adam } from '../nn/optimizers.js';
import { Sequential } from '../train/model.js';
import type { Callback } from '../train/callbacks.js';
import { loadModel, readModelMetadata, saveModel } from '../train/serialize.js';

/** Options of `CharModel.create`. */
export interface CharModelOptions {
  /** Hidden units per recurrent layer. Default 128. */
  units?: number;
  /** Stacked recurrent layers. Default 2. */
  numLayers?: number;
  /** Character embedding size. Default 32. */
  embeddingDim?: number;
  cell?: 'lstm' | 'gru';
  /** Dropout between stacked layers (on each layer's input). Default 0. */
  dropout?: number;
  seed?: number;
}

/** What `CharTrainOptions.onRound` receives after each round. */
export interface CharRoundReport {
  /** 0-based round index. */
  round: number;
  /** Optimizer steps in this round / since `train` was called. */
  steps: number;
  totalSteps: number;
  /** Training characters (predicted positions) since `train` was called. */
  chars: number;
  /** Mean training loss of this round's steps, nats/char. */
  loss: number;
  /** Validation loss (nats/char) when `validText` is given, else null. */
  valLoss: number | null;
  /** Wall time since `train` was called (training, evaluation and callbacks). */
  seconds: number;
  /** Training throughput of this round (characters per second of optimizer steps). */
  charsPerSecond: number;
}

/** What `CharModel.train` resolves with. */
export interface CharTrainResult {
  rounds: number;
  steps: number;
  chars: number;
  seconds: number;
  /** Mean training loss of the last round. */
  loss: number;
  /** Validation loss after the last round (with `validText`), else null. */
  valLoss: number | null;
  /** Why training ended: the round/step limit, the time budget, or the abort signal. */
  stopReason: 'rounds' | 'steps' | 'time' | 'aborted';
}

/** Options of `CharModel.train`. */
export interface CharTrainOptions {
  /**
   * Optimizer steps per round (a round ends with `onRound`). Default 100. With `roundSeconds`
   * this is only the upper bound of a round.
   */
  stepsPerRound?: number;
  /** Maximum rounds. Default 10, or unlimited when `timeBudgetSeconds` or `maxSteps` is given. */
  rounds?: number;
  /** Stop after this many optimizer steps in total. */
  maxSteps?: number;
  /**
   * Time-based rounds: each round trains for about this many seconds (evaluation and `onRound`
   * included, judged by the previous round), whatever the speed of the machine.
   */
  roundSeconds?: number;
  /** With `roundSeconds`: length of the first round, e.g. shorter so the first report comes soon. */
  firstRoundSeconds?: number;
  /** Characters per training window (truncated BPTT length). Default 64. */
  seqLen?: number;
  /** Windows per optimizer step. Default 32. */
  batchSize?: number;
  /** Adam learning rate. Default 2e-3. */
  lr?: number;
  /** Global gradient-norm clip. Default 5. */
  clipNorm?: number;
  /** Text held out for the validation loss (nats/char), evaluated after each round. */
  validText?: string;
  /** At most this many characters of `validText` are evaluated per round. Default 16384. */
  validChars?: number;
  /** Called after each round. */
  onRound?: (r: CharRoundReport) => void | Promise<void>;
  /**
   * Total wall-time budget in seconds. With `roundSeconds` the last round is shortened so
   * training (with its evaluations) ends close to the budget; otherwise training stops after
   * the round in which the budget is used up.
   */
  timeBudgetSeconds?: number;
  signal?: AbortSignal;
  callbacks?: Callback[];
}

/** Options of `CharModel.evaluate`. */
export interface CharEvalOptions {
  /** Window length; each window is predicted from a fresh state. Default: the training `seqLen` (64). */
  seqLen?: number;
  /** Evaluate at most this many characters, in windows spread evenly over the text. Default all. */
  maxChars?: number;
  batchSize?: number;
}

/** Training statistics kept with the model (and in its file). */
export interface CharModelStats {
  /** Optimizer steps and training characters so far. */
  steps: number;
  chars: number;
  /** Window length of the last training run (the default of `evaluate`). */
  seqLen: number;
}

/** The metadata a char model keeps in its `.safetensors` file (`__metadata__.user.charModel`). */
interface CharModelFileMeta {
  vocab: string[];
  options: Required<CharModelOptions>;
  stats?: CharModelStats;
}

/**
 * A character-level language model: Embedding → stacked LSTM/GRU → Dense over the vocabulary,
 * trained on random windows of a text with next-character cross-entropy, sampled one character
 * at a time with the recurrent state carried along. Characters are Unicode code points.
 *
 * @example
 * const cm = CharModel.create(text, { units: 128, numLayers: 2 });
 * await cm.train(text, { rounds: 5 });
 * console.log(cm.sample('ROMEO:', 200, { temperature: 0.8 }));
 * await cm.save('shakespeare.safetensors');
 * const again = await CharModel.load('shakespeare.safetensors');
 */
export class CharModel {
  readonly model: Sequential;
  /** Steps and characters trained so far; the window length of the last training run. */
  stats: CharModelStats = { steps: 0, chars: 0, seqLen: 64 };
  private readonly index: Map<string, number>;
  private readonly embed: Embedding;
  private readonly rnn: RecurrentLayer;
  private readonly head: Dense;
  private readonly rng: Rng;
  private readonly seedRng: Rng;
  private optimizer: Adam | null = null;

  private constructor(
    readonly vocab: string[],
    readonly options: Required<CharModelOptions>,
  ) {
    this.index = new Map(vocab.map((c, i) => [c, i]));
    const o = options;
    this.embed = new Embedding({ inputDim: vocab.length, outputDim: o.embeddingDim, inputShape: [null], name: 'embed' });
    const rnnOpts = { units: o.units, numLayers: o.numLayers, returnSequences: true, dropout: o.dropout, name: 'rnn' };
    this.rnn = o.cell === 'gru' ? new GRU(rnnOpts) : new LSTM(rnnOpts);
    this.head = new Dense({ units: vocab.length, name: 'fc' });
    this.model = new Sequential([this.embed, this.rnn, this.head], { name: 'char_model', seed: o.seed });
    this.model.build(this.model.inputShapes);
    this.rng = new Rng(o.seed + 1);
    this.seedRng = new Rng(o.seed + 2);
  }

  /** Builds the vocabulary (sorted distinct characters) from `text` and a fresh model. */
  static create(text: string, opts: CharModelOptions = {}): CharModel {
    if (typeof text !== 'string' || [...text.slice(0, 8)].length < 2) throw new Error('CharModel.create: expected a training text of at least 2 characters');
    const vocab = [...new Set(text)].sort();
    return new CharModel(vocab, checkModelOptions(opts, 'CharModel.create'));
  }

  /** Number of trainable values. */
  get parameterCount(): number {
    return this.model.countParams();
  }

  /** Character ids of `text` (one per code point); throws on characters outside the vocabulary. */
  encode(text: string): Int32Array {
    const chars = [...text];
    const ids = new Int32Array(chars.length);
    let unknown: Set<string> | null = null;
    let firstAt = -1;
    for (let i = 0; i < chars.length; i++) {
      const id = this.index.get(chars[i]!);
      if (id === undefined) {
        unknown ??= new Set();
        if (firstAt < 0) firstAt = i;
        unknown.add(chars[i]!);
      } else ids[i] = id;
    }
    if (unknown) {
      const list = [...unknown];
      const shown = list.slice(0, 5).map((c) => JSON.stringify(c)).join(', ');
      throw new Error(
        `CharModel: the text has ${list.length} character${list.length > 1 ? 's' : ''} the model's vocabulary lacks ` +
          `(${shown}${list.length > 5 ? ', ...' : ''}; first at offset ${firstAt}); the vocabulary has ${this.vocab.length} characters`,
      );
    }
    return ids;
  }

  /** Random windows: x = ids[s, s+T), y = ids[s+1, s+T+1). */
  private windows(ids: Int32Array, count: number, T: number, rng: Rng): { x: { data: Float32Array; shape: number[] }; y: { data: Float32Array; shape: number[] } } {
    const x = new Float32Array(count * T);
    const y = new Float32Array(count * T);
    for (let n = 0; n < count; n++) {
      const s = rng.int(ids.length - T - 1);
      for (let t = 0; t < T; t++) {
        x[n * T + t] = ids[s + t]!;
        y[n * T + t] = ids[s + t + 1]!;
      }
    }
    return { x: { data: x, shape: [count, T] }, y: { data: y, shape: [count, T] } };
  }

  /**
   * Mean next-character cross-entropy (nats/char; divide by ln 2 for bits/char) over
   * non-overlapping windows of `text`, each predicted from a fresh state. With `maxChars` the
   * windows are spread evenly over the text, so the same text always gives the same subset.
   */
  evaluate(text: string, opts: CharEvalOptions = {}): number {
    const ids = this.encode(text);
    if (ids.length < 2) throw new Error('CharModel.evaluate: the text needs at least 2 characters');
    const seqLen = opts.seqLen ?? this.stats.seqLen;
    checkInt(seqLen, 'CharModel.evaluate: seqLen');
    const T = Math.min(seqLen, ids.length - 1);
    const all = Math.floor((ids.length - 1) / T);
    const n = opts.maxChars === undefined ? all : Math.max(1, Math.min(all, Math.ceil(opts.maxChars / T)));
    const x = new Float32Array(n * T);
    const y = new Float32Array(n * T);
    for (let k = 0; k < n; k++) {
      const s = Math.floor((k * all) / n) * T;
      for (let t = 0; t < T; t++) {
        x[k * T + t] = ids[s + t]!;
        y[k * T + t] = ids[s + t + 1]!;
      }
    }
    return this.model.evaluate({ data: x, shape: [n, T] }, { data: y, shape: [n, T] }, { loss: 'crossEntropy', batchSize: opts.batchSize ?? 32 }).loss!;
  }

  /**
   * Trains on random windows of `text` with Adam, in rounds; after each round the validation
   * loss is computed (with `validText`) and `onRound` is called. The optimizer state persists
   * across calls. Resolves with what was done and why it stopped.
   */
  async train(text: string, opts: CharTrainOptions = {}): Promise<CharTrainResult> {
    const T = checkInt(opts.seqLen ?? 64, 'CharModel.train: seqLen');
    const B = checkInt(opts.batchSize ?? 32, 'CharModel.train: batchSize');
    const stepsPerRound = checkInt(opts.stepsPerRound ?? 100, 'CharModel.train: stepsPerRound');
    const maxSteps = opts.maxSteps === undefined ? Infinity : checkInt(opts.maxSteps, 'CharModel.train: maxSteps');
    const budget = opts.timeBudgetSeconds;
    if (budget !== undefined && !(budget > 0)) throw new Error(`CharModel.train: timeBudgetSeconds must be positive, got ${budget}`);
    const roundSeconds = opts.roundSeconds;
    if (roundSeconds !== undefined && !(roundSeconds > 0)) throw new Error(`CharModel.train: roundSeconds must be positive, got ${roundSeconds}`);
    const rounds = opts.rounds ?? (budget !== undefined || opts.maxSteps !== undefined ? Infinity : 10);
    const lr = opts.lr ?? 2e-3;
    if (!(lr > 0)) throw new Error(`CharModel.train: lr must be positive, got ${lr}`);
    const ids = this.encode(text);
    if (ids.length < T + 2) {
      throw new Error(`CharModel.train: the text has ${ids.length} characters, fewer than one window of seqLen + 1 = ${T + 1} plus one; use a smaller seqLen`);
    }
    const validIds = opts.validText ? this.encode(opts.validText).length : 0;
    this.optimizer ??= new Adam({ lr });
    this.optimizer.lr = lr;
    this.stats.seqLen = T;

    const now = (): number => performance.now() / 1000;
    const t0 = now();
    let steps = 0;
    let chars = 0;
    let secPerStep = 0; // measured, excluding the first (warm-up) chunk when possible
    let overhead = 0; // seconds of the last round's evaluation + onRound
    let last: CharTrainResult = { rounds: 0, steps: 0, chars: 0, seconds: 0, loss: NaN, valLoss: null, stopReason: 'rounds' };
    let stopReason: CharTrainResult['stopReason'] = 'rounds';

    for (let r = 0; r < rounds; r++) {
      if (opts.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      if (steps >= maxSteps) {
        stopReason = 'steps';
        break;
      }
      const roundStart = now();
      // The time this round may train until.
      let deadline = Infinity;
      if (roundSeconds !== undefined) deadline = roundStart + Math.max(0.05, (r === 0 ? (opts.firstRoundSeconds ?? roundSeconds) : roundSeconds) - overhead);
      if (budget !== undefined && roundSeconds !== undefined) {
        const end = t0 + budget - overhead;
        // Fold a short remainder into this round rather than run a stub round after it.
        if (end - deadline < 0.5 * roundSeconds) deadline = end;
        deadline = Math.min(deadline, end);
        if (deadline <= roundStart && r > 0) {
          stopReason = 'time';
          break;
        }
      }
      const roundSteps = Math.min(stepsPerRound, maxSteps - steps);
      let done = 0;
      let lossSum = 0;
      let trainSeconds = 0;
      let aborted = false;
      while (done < roundSteps) {
        let chunk = roundSteps - done;
        if (deadline !== Infinity) {
          const left = deadline - now();
          if (left <= 0 && done > 0) break;
          // Calibrate with one step, then chunks of about a second (or what is left); a chunk
          // also stops at the deadline, so a wrong estimate costs at most one step.
          chunk = secPerStep > 0 ? Math.max(1, Math.min(chunk, Math.ceil((1.25 * Math.min(left, 1)) / secPerStep))) : 1;
        }
        const { x, y } = this.windows(ids, chunk * B, T, this.rng);
        let chunkSteps = 0;
        let chunkLoss = 0;
        const stop = new AbortController();
        const counter: Callback = {
          onBatchEnd: (s, logs) => {
            chunkSteps = s + 1;
            chunkLoss = logs.loss ?? NaN;
            if (deadline !== Infinity && now() >= deadline) stop.abort();
          },
        };
        const forward = (): void => stop.abort();
        if (opts.signal?.aborted) stop.abort();
        opts.signal?.addEventListener('abort', forward, { once: true });
        const ts = now();
        try {
          await this.model.fit(x, y, {
            loss: 'crossEntropy',
            optimizer: this.optimizer,
            epochs: 1,
            batchSize: B,
            shuffle: false,
            clipNorm: opts.clipNorm ?? 5,
            verbose: 0,
            seed: this.seedRng.nextU32(),
            callbacks: [counter, ...(opts.callbacks ?? [])],
            signal: stop.signal,
          });
        } finally {
          opts.signal?.removeEventListener('abort', forward);
        }
        const dt = now() - ts;
        trainSeconds += dt;
        if (chunkSteps > 0) {
          // The very first step pays for JIT warm-up; later chunks give the steady rate.
          if (secPerStep === 0 || steps > 0) secPerStep = dt / chunkSteps;
          done += chunkSteps;
          steps += chunkSteps;
          chars += chunkSteps * B * T;
          lossSum += chunkLoss * chunkSteps;
        }
        if (opts.signal?.aborted) {
          aborted = true;
          break;
        }
      }
      if (done === 0) {
        stopReason = aborted ? 'aborted' : stopReason;
        break;
      }
      this.stats.steps += done;
      this.stats.chars += done * B * T;
      const te = now();
      const valLoss = validIds >= 2 ? this.evaluate(opts.validText!, { seqLen: T, maxChars: opts.validChars ?? 16384 }) : null;
      const report: CharRoundReport = {
        round: r,
        steps: done,
        totalSteps: steps,
        chars,
        loss: lossSum / done,
        valLoss,
        seconds: now() - t0,
        charsPerSecond: (done * B * T) / trainSeconds,
      };
      await opts.onRound?.(report);
      overhead = now() - te;
      last = { rounds: r + 1, steps, chars, seconds: now() - t0, loss: report.loss, valLoss, stopReason: 'rounds' };
      if (aborted) {
        stopReason = 'aborted';
        break;
      }
      if (budget !== undefined && now() - t0 >= budget - (roundSeconds !== undefined ? 0.25 : 0)) {
        stopReason = 'time';
        break;
      }
      if (steps >= maxSteps) {
        stopReason = 'steps';
        break;
      }
    }
    return { ...last, seconds: now() - t0, stopReason };
  }

  /**
   * Generates `length` characters after `prefix`, sampling from softmax(logits / temperature)
   * (temperature 0 = greedy). The same seed gives the same text.
   */
  sample(prefix: string, length: number, opts: { temperature?: number; seed?: number } = {}): string {
    const temperature = opts.temperature ?? 1;
    if (!(temperature >= 0)) throw new Error(`CharModel.sample: temperature must be ≥ 0, got ${temperature}`);
    if (!(Number.isInteger(length) && length >= 0)) throw new Error(`CharModel.sample: length must be a whole number ≥ 0, got ${length}`);
    const rng = new Rng(opts.seed ?? 0);
    const start = prefix.length ? this.encode(prefix) : Int32Array.of(this.index.get('\n') ?? 0);
    const ctx = { training: false, rng };
    const V = this.vocab.length;
    let out = '';
    const mark = arena.mark();
    try {
      let input = Tensor.from(start, [1, start.length]);
      let states: Var[] = [];
      for (let i = 0; i < length; i++) {
        const e = this.embed.call([new Var(input, false)], ctx)[0]!;
        const [seq, ...st] = this.rnn.callWithStates([e, ...states], ctx);
        states = st;
        const logits = this.head.call([seq!], ctx)[0]!.data;
        const T = seq!.shape[1]!;
        const off = (T - 1) * V;
        let next = 0;
        if (temperature === 0) {
          for (let c = 1; c < V; c++) if (logits[off + c]! > logits[off + next]!) next = c;
        } else {
          let max = -Infinity;
          for (let c = 0; c < V; c++) max = Math.max(max, logits[off + c]! / temperature);
          let sum = 0;
          const p = new Float64Array(V);
          for (let c = 0; c < V; c++) sum += p[c] = Math.exp(logits[off + c]! / temperature - max);
          let u = rng.next() * sum;
          next = V - 1;
          for (let c = 0; c < V; c++) if ((u -= p[c]!) <= 0) {
            next = c;
            break;
          }
        }
        out += this.vocab[next];
        input = Tensor.from([next], [1, 1]);
      }
    } finally {
      arena.release(mark);
    }
    return out;
  }

  /**
   * Saves the model as one `.safetensors` file (atomically): the weights under PyTorch names and,
   * in the metadata, the vocabulary, the options and the training statistics.
   */
  async save(path: string): Promise<void> {
    const meta: CharModelFileMeta = { vocab: this.vocab, options: this.options, stats: { ...this.stats } };
    await saveModel(this.model, path, { metadata: { charModel: meta } });
  }

  /** Loads a model written by {@link CharModel.save}; sampling is identical to the saved model's. */
  static async load(path: string): Promise<CharModel> {
    const { user } = await readModelMetadata(path);
    const meta = user.charModel as Partial<CharModelFileMeta> | undefined;
    if (typeof meta !== 'object' || meta === null) {
      throw new Error(`${path}: a recurrent model, but not a char model (its metadata has no "charModel" entry); it was not written by CharModel.save / 'recurrent char train'`);
    }
    const vocab = meta.vocab;
    if (!Array.isArray(vocab) || vocab.length < 1 || vocab.some((c) => typeof c !== 'string' || [...c].length !== 1) || new Set(vocab).size !== vocab.length) {
      throw new Error(`${path}: the char model's vocabulary is damaged (expected a list of distinct single characters)`);
    }
    let options: Required<CharModelOptions>;
    try {
      options = checkModelOptions((meta.options ?? {}) as CharModelOptions, 'options') as Required<CharModelOptions>;
    } catch (e) {
      throw new Error(`${path}: the char model's options are damaged: ${(e as Error).message}`, { cause: e });
    }
    const cm = new CharModel(vocab, options);
    const loaded = await loadModel(path);
    cm.model.loadStateDict(loaded.stateDict(), true, path);
    const s = meta.stats;
    if (s && typeof s === 'object') {
      cm.stats = {
        steps: Number.isSafeInteger(s.steps) ? s.steps : 0,
        chars: Number.isSafeInteger(s.chars) ? s.chars : 0,
        seqLen: Number.isSafeInteger(s.seqLen) && s.seqLen > 0 ? s.seqLen : 64,
      };
    }
    return cm;
  }
}

function checkInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new Error(`${what} must be a positive whole number, got ${JSON.stringify(v)}`);
  return v;
}

function checkModelOptions(opts: CharModelOptions, where: string): Required<CharModelOptions> {
  const o = {
    units: opts.units ?? 128,
    numLayers: opts.numLayers ?? 2,
    embeddingDim: opts.embeddingDim ?? 32,
    cell: opts.cell ?? 'lstm',
    dropout: opts.dropout ?? 0,
    seed: opts.seed ?? 0,
  };
  checkInt(o.units, `${where}: units`);
  checkInt(o.numLayers, `${where}: numLayers`);
  checkInt(o.embeddingDim, `${where}: embeddingDim`);
  if (o.cell !== 'lstm' && o.cell !== 'gru') throw new Error(`${where}: cell must be 'lstm' or 'gru', got ${JSON.stringify(o.cell)}`);
  if (typeof o.dropout !== 'number' || !(o.dropout >= 0 && o.dropout < 1)) throw new Error(`${where}: dropout must be in [0, 1), got ${JSON.stringify(o.dropout)}`);
  if (typeof o.seed !== 'number' || !Number.isInteger(o.seed)) throw new Error(`${where}: seed must be an integer, got ${JSON.stringify(o.seed)}`);
  return o;
}
