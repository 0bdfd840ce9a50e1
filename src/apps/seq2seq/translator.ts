/**
 * The seq2seq app: text in, text out. Tokenizers and vocabularies on both sides, the model, the
 * training recipe, translation (greedy, beam search, sampling), evaluation (sacreBLEU-style BLEU,
 * or WER/PER against every reference of a source, as CMUdict G2P scoring) and one-file save/load
 * (the vocabularies and tokenizers travel in the model file's config).
 */
import { CharTokenizer, WordTokenizer, tokenizerFromJSON } from '../../text/tokenizers.js';
import type { Tokenizer } from '../../text/tokenizers.js';
import { Vocabulary } from '../../text/vocab.js';
import type { History } from '../../train/fit.js';
import { loadModel, saveModel } from '../../train/serialize.js';
import { corpusBleu, formatBleu } from '../metrics/bleu.js';
import { g2pScores } from '../metrics/edit_distance.js';
import { groupReferences } from './data.js';
import type { ParallelText } from './data.js';
import { beamSearch, greedyDecode, sampleDecode } from './decode.js';
import type { BeamSearchOptions, Hypothesis } from './decode.js';
import { Seq2SeqModel } from './model.js';
import type { Seq2SeqOptions } from './model.js';
import { seq2seqLoss, trainSeq2Seq } from './trainer.js';
import type { Seq2SeqExamples, Seq2SeqTrainOptions } from './trainer.js';

/** How text becomes tokens: characters, whitespace-separated tokens, or words with punctuation split. */
export type TokenKind = 'char' | 'space' | 'word';

/** Options of {@link Seq2SeqTranslator.create}: the model's options plus tokenisation. */
export interface TranslatorOptions extends Omit<Seq2SeqOptions, 'srcVocabSize' | 'tgtVocabSize' | 'padId' | 'unkId' | 'sosId' | 'eosId' | 'metadata'> {
  /** Source tokens. Default 'word'. */
  sourceTokens?: TokenKind;
  /** Target tokens. Default: as the source. */
  targetTokens?: TokenKind;
  /** Lower-case both sides. Default: true for 'word' tokens, false otherwise. */
  lower?: boolean;
  /** Drop tokens seen fewer times in training (they become `<unk>`). Default 1. */
  minFreq?: number;
  /** At most this many vocabulary entries per side, specials included. */
  maxVocab?: number;
}

/** Which score `train` tracks on validation data and `evaluate` reports. */
export type Seq2SeqMetric = 'bleu' | 'wer' | 'loss';

/** Options of {@link Seq2SeqTranslator.train}. */
export interface TranslatorTrainOptions extends Omit<Seq2SeqTrainOptions, 'validation' | 'validationMetric'> {
  /** Held-out pairs: `val_loss` every epoch, and `val_<metric>`. */
  valid?: ParallelText;
  /** `bleu`, `wer` (logs val_wer and val_per) or `loss` (val_loss only). Default: `metric` of the translator. */
  metric?: Seq2SeqMetric;
}

/** Options of {@link Seq2SeqTranslator.translate}. */
export interface TranslateOptions extends BeamSearchOptions {
  /** Sample instead of searching: temperature, top-k, seed. */
  sample?: { temperature?: number; topK?: number; seed?: number };
}

/** One translated sentence. */
export interface Translation {
  source: string;
  text: string;
  /** Target tokens (without `<eos>`). */
  tokens: string[];
  /** Source tokens as the model saw them (with `<eos>` when the model appends it). */
  sourceTokens: string[];
  /** Length-normalised score (beam search) or log-probability. */
  score: number;
  logProb: number;
  finished: boolean;
  /** With `returnAttention`: α[i][j], target step i (tokens, then `<eos>` if finished) × source token j. */
  attention?: number[][];
  /** With `nBest` > 1: the other hypotheses, best first. */
  alternatives?: { text: string; score: number }[];
}

/** What {@link Seq2SeqTranslator.evaluate} reports. */
export interface Seq2SeqEvaluation {
  metric: 'bleu' | 'wer';
  /** Corpus BLEU (sacreBLEU default settings, `lowercase` as the tokenizer). */
  bleu?: number;
  /** sacreBLEU's verbose line, e.g. `BLEU = 27.10 60.1/33.0/20.2/12.6 (BP = 1.000 ...)`. */
  bleuDetail?: string;
  /** % of sources whose output matches none of their references. */
  wer?: number;
  /** % token edits to the closest reference over its length. */
  per?: number;
  /** Sentences (distinct sources for `wer`) decoded. */
  sentences: number;
  seconds: number;
  sentencesPerSecond: number;
}

/** Options of {@link Seq2SeqTranslator.evaluate}. */
export interface EvaluateOptions extends BeamSearchOptions {
  /** Default: the translator's metric (`wer` for character sources, else `bleu`). */
  metric?: 'bleu' | 'wer';
  /** Evaluate only the first N sentences (distinct sources for `wer`). */
  limit?: number;
  /** Lower-case BLEU. Default: whether the target tokenizer lower-cases. */
  lowercase?: boolean;
}

/** The metadata a translator keeps in its model's config. */
interface TranslatorMeta {
  sourceTokens: TokenKind;
  targetTokens: TokenKind;
  srcTokenizer: unknown;
  tgtTokenizer: unknown;
  srcVocab: unknown;
  tgtVocab: unknown;
}

const SPECIALS = ['<pad>', '<unk>', '<sos>', '<eos>'];
const KINDS: readonly TokenKind[] = ['char', 'space', 'word'];

function makeTokenizer(kind: TokenKind, lower: boolean): Tokenizer {
  if (kind === 'char') return new CharTokenizer({ lower });
  if (kind === 'space') return new WordTokenizer({ lower, splitPunctuation: false, splitContractions: false });
  // NFKC folds the narrow no-break spaces of French punctuation (Tatoeba) into plain spaces.
  return new WordTokenizer({ lower, splitContractions: false, normalize: 'NFKC' });
}

/**
 * A sequence-to-sequence translator: machine translation with word tokens, grapheme-to-phoneme
 * with character sources and space-separated phone targets, or any string→string task.
 *
 * @example
 * const data = await loadPairs('g014b2b.train.gz');                        // WORD<TAB>PH PH …
 * const g2p = Seq2SeqTranslator.create(data, { sourceTokens: 'char', targetTokens: 'space', units: 256 });
 * await g2p.train(data, { epochs: 10, valid });
 * g2p.translate(['RECURRENT'], { beamSize: 5 })[0].text;                    // 'R IH K ER AH N T'
 * g2p.evaluate(test);                                                       // { wer, per, ... }
 * await g2p.save('g2p.safetensors');
 */
export class Seq2SeqTranslator {
  private constructor(
    readonly model: Seq2SeqModel,
    readonly sourceTokenizer: Tokenizer,
    readonly targetTokenizer: Tokenizer,
    readonly sourceVocab: Vocabulary,
    readonly targetVocab: Vocabulary,
    readonly sourceTokens: TokenKind,
    readonly targetTokens: TokenKind,
  ) {}

  /** Builds tokenizers and vocabularies from the training pairs, and a fresh model. */
  static create(data: ParallelText, opts: TranslatorOptions = {}): Seq2SeqTranslator {
    const where = 'Seq2SeqTranslator.create';
    checkData(data, where);
    const { sourceTokens: sk = 'word', targetTokens: tkOpt, lower: lowerOpt, minFreq, maxVocab, ...modelOpts } = opts;
    const tk = tkOpt ?? sk;
    for (const [name, k] of [['sourceTokens', sk], ['targetTokens', tk]] as const)
      if (!KINDS.includes(k)) throw new Error(`${where}: ${name} must be one of ${KINDS.join(', ')}, got ${JSON.stringify(k)}`);
    const srcTok = makeTokenizer(sk, lowerOpt ?? sk === 'word');
    const tgtTok = makeTokenizer(tk, lowerOpt ?? tk === 'word');
    const vopts = { minFreq: minFreq ?? 1, ...(maxVocab !== undefined ? { maxSize: maxVocab } : {}), specials: SPECIALS };
    const srcVocab = Vocabulary.build(
      data.sources.map((s) => srcTok.tokenize(s)),
      vopts,
    );
    const tgtVocab = Vocabulary.build(
      data.targets.map((s) => tgtTok.tokenize(s)),
      vopts,
    );
    const meta: TranslatorMeta = { sourceTokens: sk, targetTokens: tk, srcTokenizer: srcTok.toJSON(), tgtTokenizer: tgtTok.toJSON(), srcVocab: srcVocab.toJSON(), tgtVocab: tgtVocab.toJSON() };
    const model = new Seq2SeqModel({ ...modelOpts, srcVocabSize: srcVocab.size, tgtVocabSize: tgtVocab.size, padId: 0, unkId: 1, sosId: 2, eosId: 3, metadata: { seq2seq: meta } });
    return new Seq2SeqTranslator(model, srcTok, tgtTok, srcVocab, tgtVocab, sk, tk);
  }

  /** Wraps a model made by {@link Seq2SeqTranslator.create} (e.g. loaded from a checkpoint). */
  static fromModel(model: Seq2SeqModel, source = 'model'): Seq2SeqTranslator {
    const meta = model.config.metadata.seq2seq as Partial<TranslatorMeta> | undefined;
    if (!(model instanceof Seq2SeqModel) || typeof meta !== 'object' || meta === null)
      throw new Error(`${source}: not a seq2seq translator (the model config has no seq2seq vocabularies); it was not written by Seq2SeqTranslator.save / 'recurrent seq2seq train'`);
    try {
      const srcVocab = Vocabulary.fromJSON(meta.srcVocab);
      const tgtVocab = Vocabulary.fromJSON(meta.tgtVocab);
      if (srcVocab.size !== model.config.srcVocabSize || tgtVocab.size !== model.config.tgtVocabSize) throw new Error('vocabulary sizes differ from the model');
      return new Seq2SeqTranslator(model, tokenizerFromJSON(meta.srcTokenizer), tokenizerFromJSON(meta.tgtTokenizer), srcVocab, tgtVocab, meta.sourceTokens!, meta.targetTokens!);
    } catch (e) {
      throw new Error(`${source}: the translator's vocabularies or tokenizers are damaged: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Loads a translator saved by {@link Seq2SeqTranslator.save} (or a checkpoint of one). */
  static async load(path: string): Promise<Seq2SeqTranslator> {
    const model = await loadModel(path);
    if (!(model instanceof Seq2SeqModel)) throw new Error(`${path}: a recurrent model, but not a seq2seq model`);
    return Seq2SeqTranslator.fromModel(model, path);
  }

  /** Saves the model with its vocabularies and tokenizers as one `.safetensors` file (atomically). */
  async save(path: string): Promise<void> {
    await saveModel(this.model, path);
  }

  /** `wer` for character-level sources (G2P-like tasks), else `bleu`. */
  get metric(): 'bleu' | 'wer' {
    return this.sourceTokens === 'char' ? 'wer' : 'bleu';
  }

  /** Source token ids of `text` (unknown tokens → `<unk>`). */
  sourceIds(text: string): number[] {
    return this.sourceVocab.encode(this.sourceTokenizer.tokenize(text));
  }

  /** Target token ids of `text`. */
  targetIds(text: string): number[] {
    return this.targetVocab.encode(this.targetTokenizer.tokenize(text));
  }

  /** Text of target ids: characters joined, other tokens joined by spaces. */
  targetText(ids: readonly number[]): string {
    const toks = this.targetVocab.decode(ids);
    return this.targetTokens === 'char' ? toks.join('') : toks.join(' ');
  }

  /** Id sequences of parallel text. */
  examples(data: ParallelText): Seq2SeqExamples {
    checkData(data, 'Seq2SeqTranslator.examples');
    return { sources: data.sources.map((s) => this.sourceIds(s)), targets: data.targets.map((t) => this.targetIds(t)) };
  }

  /**
   * Trains on `data` (see {@link trainSeq2Seq}); with `valid`, logs `val_loss` and the metric
   * (`val_bleu`, or `val_wer` and `val_per`) every epoch for early stopping and checkpoints.
   */
  async train(data: ParallelText, opts: TranslatorTrainOptions = {}): Promise<History> {
    const { valid, metric: metricOpt, ...rest } = opts;
    const metric = metricOpt ?? this.metric;
    const train = this.examples(data);
    if (!valid) return trainSeq2Seq(this.model, train, rest);
    const validation = this.examples(valid);
    let validationMetric: Seq2SeqTrainOptions['validationMetric'];
    if (metric === 'bleu') {
      const lowercase = tokenizerLowercases(this.targetTokenizer);
      validationMetric = (hyps, idx) => ({ bleu: corpusBleu(hyps.map((h) => this.targetText(h)), [idx.map((i) => valid.targets[i]!)], { lowercase }).score });
    } else if (metric === 'wer') {
      const refsOf = new Map<string, string[][]>();
      valid.sources.forEach((s, i) => {
        const list = refsOf.get(s) ?? [];
        list.push(this.targetTokenizer.tokenize(valid.targets[i]!));
        refsOf.set(s, list);
      });
      validationMetric = (hyps, idx) => {
        const g = g2pScores(
          hyps.map((h) => this.targetVocab.decode(h)),
          idx.map((i) => refsOf.get(valid.sources[i]!)!),
        );
        return { wer: g.wer, per: g.per };
      };
    }
    return trainSeq2Seq(this.model, train, { ...rest, validation, ...(validationMetric ? { validationMetric } : {}) });
  }

  /** Mean cross-entropy per target token (nats) of parallel text, teacher forced. */
  loss(data: ParallelText): number {
    return seq2seqLoss(this.model, this.examples(data));
  }

  /**
   * Translates sentences: beam search (default `beamSize` 5), greedy with `beamSize: 1`, or
   * sampling with `sample`.
   */
  translate(texts: readonly string[], opts: TranslateOptions = {}): Translation[] {
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) throw new Error('Seq2SeqTranslator.translate: expected an array of strings');
    const ids = texts.map((t) => this.sourceIds(t));
    const beamSize = opts.beamSize ?? 5;
    let results: Hypothesis[][];
    if (opts.sample) results = sampleDecode(this.model, ids, { ...opts, ...opts.sample }).map((h) => [h]);
    else if (beamSize === 1 && (opts.nBest ?? 1) === 1) results = greedyDecode(this.model, ids, opts).map((h) => [h]);
    else results = beamSearch(this.model, ids, { ...opts, beamSize });
    const eos = this.model.config.sourceEos ? ['<eos>'] : [];
    return results.map((hs, i) => {
      const h = hs[0]!;
      const t: Translation = {
        source: texts[i]!,
        text: this.targetText(h.tokens),
        tokens: this.targetVocab.decode(h.tokens),
        sourceTokens: [...this.sourceVocab.decode(ids[i]!), ...eos],
        score: h.score,
        logProb: h.logProb,
        finished: h.finished,
      };
      if (h.attention) t.attention = h.attention.map((a) => Array.from(a));
      if (hs.length > 1) t.alternatives = hs.slice(1).map((x) => ({ text: this.targetText(x.tokens), score: x.score }));
      return t;
    });
  }

  /**
   * Scores translations of `data.sources` against `data.targets`: corpus BLEU (sacreBLEU's 13a,
   * exp smoothing), or WER/PER with every target of a repeated source as a reference (G2P).
   */
  evaluate(data: ParallelText, opts: EvaluateOptions = {}): Seq2SeqEvaluation {
    checkData(data, 'Seq2SeqTranslator.evaluate');
    const metric = opts.metric ?? this.metric;
    const t0 = performance.now();
    if (metric === 'bleu') {
      const n = Math.min(data.sources.length, opts.limit ?? Infinity);
      const hyps = this.translate(data.sources.slice(0, n), opts).map((t) => t.text);
      const s = corpusBleu(hyps, [data.targets.slice(0, n)], { lowercase: opts.lowercase ?? tokenizerLowercases(this.targetTokenizer) });
      const seconds = (performance.now() - t0) / 1000;
      return { metric, bleu: s.score, bleuDetail: formatBleu(s), sentences: n, seconds, sentencesPerSecond: n / seconds };
    }
    if (metric !== 'wer') throw new Error(`Seq2SeqTranslator.evaluate: metric must be 'bleu' or 'wer', got ${JSON.stringify(metric)}`);
    const g = groupReferences(data);
    const n = Math.min(g.sources.length, opts.limit ?? Infinity);
    const hyps = this.translate(g.sources.slice(0, n), opts).map((t) => t.tokens);
    const refs = g.references.slice(0, n).map((rs) => rs.map((r) => this.targetTokenizer.tokenize(r)));
    const s = g2pScores(hyps, refs);
    const seconds = (performance.now() - t0) / 1000;
    return { metric, wer: s.wer, per: s.per, sentences: n, seconds, sentencesPerSecond: n / seconds };
  }
}

function tokenizerLowercases(t: Tokenizer): boolean {
  return (t as { lower?: boolean }).lower === true;
}

function checkData(data: ParallelText, where: string): void {
  if (!data || !Array.isArray(data.sources) || !Array.isArray(data.targets)) throw new Error(`${where}: expected { sources: string[], targets: string[] }`);
  if (data.sources.length !== data.targets.length) throw new Error(`${where}: ${data.sources.length} sources but ${data.targets.length} targets`);
  if (data.sources.length === 0) throw new Error(`${where}: no pairs`);
}
