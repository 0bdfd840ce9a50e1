import { arena, Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { Var } from '../autograd/tape.js';
import { Dense, Embedding } from '../nn/layers.js';
import { GRU, LSTM } from '../nn/recurrent.js';
import type { RecurrentLayer } from '../nn/recurrent.js';
import { Adam } from '../nn/optimizers.js';
import { Sequential } from '../train/model.js';
import type { Callback } from '../train/callbacks.js';

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

/** Options of `CharModel.train`. */
export interface CharTrainOptions {
  /** Optimizer steps per round; a sample is printed after each round. Default 100. */
  stepsPerRound?: number;
  rounds?: number;
  /** Characters per training window (truncated BPTT length). Default 64. */
  seqLen?: number;
  batchSize?: number;
  lr?: number;
  clipNorm?: number;
  /** Text held out for the validation loss (nats/char). */
  validText?: string;
  /** Called after each round with the mean training loss, validation loss and elapsed seconds. */
  onRound?: (r: { round: number; loss: number; valLoss: number | null; seconds: number; charsPerSecond: number }) => void | Promise<void>;
  /** Stop after the round in which this many seconds have passed. */
  timeBudgetSeconds?: number;
  signal?: AbortSignal;
  callbacks?: Callback[];
}

/**
 * A character-level language model: Embedding → stacked LSTM/GRU → Dense over the vocabulary,
 * trained on random windows of a text with next-character cross-entropy, sampled one character
 * at a time with the recurrent state carried along.
 *
 * @example
 * const cm = CharModel.create(text, { units: 128, numLayers: 2 });
 * await cm.train(text, { rounds: 5 });
 * console.log(cm.sample('ROMEO:', 200, { temperature: 0.8 }));
 */
export class CharModel {
  readonly model: Sequential;
  private readonly index: Map<string, number>;
  private readonly embed: Embedding;
  private readonly rnn: RecurrentLayer;
  private readonly head: Dense;
  private readonly rng: Rng;
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
    this.rng = new Rng(o.seed + 1);
  }

  /** Builds the vocabulary (sorted distinct characters) from `text` and a fresh model. */
  static create(text: string, opts: CharModelOptions = {}): CharModel {
    if (typeof text !== 'string' || text.length < 2) throw new Error('CharModel.create: expected a training text of at least 2 characters');
    const vocab = [...new Set(text)].sort();
    return new CharModel(vocab, {
      units: opts.units ?? 128,
      numLayers: opts.numLayers ?? 2,
      embeddingDim: opts.embeddingDim ?? 32,
      cell: opts.cell ?? 'lstm',
      dropout: opts.dropout ?? 0,
      seed: opts.seed ?? 0,
    });
  }

  /** Character ids of `text`; throws on characters outside the vocabulary. */
  encode(text: string): Int32Array {
    const ids = new Int32Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const id = this.index.get(text[i]!);
      if (id === undefined) throw new Error(`CharModel: character ${JSON.stringify(text[i])} at offset ${i} is not in the vocabulary`);
      ids[i] = id;
    }
    return ids;
  }

  /** Random windows: x = ids[s, s+T), y = ids[s+1, s+T+1). */
  private windows(ids: Int32Array, count: number, T: number, rng: Rng): { x: { data: Float32Array; shape: number[] }; y: { data: Float32Array; shape: number[] } } {
    if (ids.length < T + 2) throw new Error(`CharModel: the text has ${ids.length} characters, fewer than a window of ${T + 1}`);
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

  /** Mean next-character cross-entropy (nats/char) on contiguous windows of `text`. */
  evaluate(text: string, seqLen = 64, maxWindows = 256): number {
    const ids = this.encode(text);
    const T = Math.min(seqLen, ids.length - 1);
    const n = Math.min(maxWindows, Math.floor((ids.length - 1) / T));
    if (n < 1) throw new Error('CharModel.evaluate: text too short');
    const x = new Float32Array(n * T);
    const y = new Float32Array(n * T);
    for (let k = 0; k < n; k++)
      for (let t = 0; t < T; t++) {
        x[k * T + t] = ids[k * T + t]!;
        y[k * T + t] = ids[k * T + t + 1]!;
      }
    return this.model.evaluate({ data: x, shape: [n, T] }, { data: y, shape: [n, T] }, { loss: 'crossEntropy', batchSize: 32 }).loss!;
  }

  /** Trains on random windows of `text`, in rounds of `stepsPerRound` Adam steps. */
  async train(text: string, opts: CharTrainOptions = {}): Promise<void> {
    const ids = this.encode(text);
    const T = opts.seqLen ?? 64;
    const B = opts.batchSize ?? 32;
    const steps = opts.stepsPerRound ?? 100;
    const rounds = opts.rounds ?? 10;
    this.optimizer ??= new Adam({ lr: opts.lr ?? 2e-3 });
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      if (opts.signal?.aborted) return;
      const { x, y } = this.windows(ids, steps * B, T, this.rng);
      const h = await this.model.fit(x, y, {
        loss: 'crossEntropy',
        optimizer: this.optimizer,
        epochs: 1,
        batchSize: B,
        shuffle: false,
        clipNorm: opts.clipNorm ?? 5,
        verbose: 0,
        seed: this.rng.nextU32(),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.callbacks ? { callbacks: opts.callbacks } : {}),
      });
      const seconds = (performance.now() - t0) / 1000;
      const valLoss = opts.validText ? this.evaluate(opts.validText, T) : null;
      await opts.onRound?.({ round: r, loss: h.history.loss?.[0] ?? NaN, valLoss, seconds, charsPerSecond: ((r + 1) * steps * B * T) / seconds });
      if (opts.timeBudgetSeconds !== undefined && seconds >= opts.timeBudgetSeconds) return;
    }
  }

  /**
   * Generates `length` characters after `prefix`, sampling from softmax(logits / temperature)
   * (temperature 0 = greedy).
   */
  sample(prefix: string, length: number, opts: { temperature?: number; seed?: number } = {}): string {
    const temperature = opts.temperature ?? 1;
    if (!(temperature >= 0)) throw new Error(`CharModel.sample: temperature must be ≥ 0, got ${temperature}`);
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
}
