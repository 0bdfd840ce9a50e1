/**
 * Options of the seq2seq model and their resolution into the config its model file stores.
 * See `model.ts` for the architecture the options describe.
 */
import { checkInitializer } from '../../nn/initializers.js';
import type { InitializerName } from '../../nn/initializers.js';

export type Seq2SeqCell = 'lstm' | 'gru';
export type Seq2SeqAttention = 'bahdanau' | 'luong-dot' | 'luong-general' | 'none';
export type Seq2SeqBridge = 'auto' | 'dense' | 'copy' | 'zero';

/** Options of {@link Seq2SeqModel}. Only the vocabulary sizes are required. */
export interface Seq2SeqOptions {
  /** Source and target vocabulary sizes (special tokens included). */
  srcVocabSize: number;
  tgtVocabSize: number;
  /** Embedding size of both sides. Default 64. */
  embeddingDim?: number;
  srcEmbeddingDim?: number;
  tgtEmbeddingDim?: number;
  /** Encoder units per direction He. Default 128. */
  units?: number;
  /** Decoder units Hd. Default `units`. */
  decoderUnits?: number;
  /** Stacked layers. Default 1 each. */
  encoderLayers?: number;
  decoderLayers?: number;
  /** Recurrent cell of both sides (default 'lstm'), or per side. */
  cell?: Seq2SeqCell;
  encoderCell?: Seq2SeqCell;
  decoderCell?: Seq2SeqCell;
  /** Bidirectional encoder. Default true. */
  bidirectional?: boolean;
  /** Score function, or 'none' for a plain encoder–decoder. Default 'bahdanau'. */
  attention?: Seq2SeqAttention;
  /** Size U of the additive score. Default `decoderUnits`. */
  attentionUnits?: number;
  /** Feed h̃_{t−1} into the decoder (Luong). Default true with attention. */
  inputFeeding?: boolean;
  /** Output projection weights = target embedding table (needs tgtEmbeddingDim = decoderUnits). */
  tieEmbeddings?: boolean;
  /** Dropout rate (recurrent-layer inputs, h̃). Default 0. */
  dropout?: number;
  /** How the decoder state starts. `auto`: `copy` when the sizes allow it, else `dense`. */
  bridge?: Seq2SeqBridge;
  /** Special target ids. Defaults 0, 1, 2, 3 (`<pad>`, `<unk>`, `<sos>`, `<eos>`). */
  padId?: number;
  unkId?: number;
  sosId?: number;
  eosId?: number;
  /** Append `<eos>` to every source sequence. Default true. */
  sourceEos?: boolean;
  /** Initializer of every weight matrix; default: each layer's own (Keras-style). */
  initializer?: InitializerName;
  seed?: number;
  dtype?: 'float32' | 'float64';
  name?: string;
  /** JSON kept with the model's config (apps put the vocabularies and tokenizers here). */
  metadata?: Record<string, unknown>;
}

/** The resolved options, as saved in the model file. */
export interface Seq2SeqConfig {
  srcVocabSize: number;
  tgtVocabSize: number;
  srcEmbeddingDim: number;
  tgtEmbeddingDim: number;
  units: number;
  decoderUnits: number;
  encoderLayers: number;
  decoderLayers: number;
  encoderCell: Seq2SeqCell;
  decoderCell: Seq2SeqCell;
  bidirectional: boolean;
  attention: Seq2SeqAttention;
  attentionUnits: number;
  inputFeeding: boolean;
  tieEmbeddings: boolean;
  dropout: number;
  bridge: Exclude<Seq2SeqBridge, 'auto'>;
  padId: number;
  unkId: number;
  sosId: number;
  eosId: number;
  sourceEos: boolean;
  initializer: InitializerName | null;
  seed: number;
  dtype: 'float32' | 'float64';
  name: string;
  metadata: Record<string, unknown>;
}

const CELLS: readonly Seq2SeqCell[] = ['lstm', 'gru'];
const ATTENTIONS: readonly Seq2SeqAttention[] = ['bahdanau', 'luong-dot', 'luong-general', 'none'];
const BRIDGES: readonly Seq2SeqBridge[] = ['auto', 'dense', 'copy', 'zero'];

function posInt(v: unknown, what: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${where}: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, list: readonly T[], what: string, where: string): T {
  if (typeof v !== 'string' || !list.includes(v as T)) throw new Error(`${where}: ${what} must be one of ${list.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** Fills in defaults and checks every option; the result is what the model file stores. */
export function resolveSeq2SeqOptions(o: Seq2SeqOptions, where = 'Seq2SeqModel'): Seq2SeqConfig {
  if (typeof o !== 'object' || o === null) throw new Error(`${where}: expected options { srcVocabSize, tgtVocabSize, ... }`);
  const srcVocabSize = posInt(o.srcVocabSize, 'srcVocabSize', where);
  const tgtVocabSize = posInt(o.tgtVocabSize, 'tgtVocabSize', where);
  const emb = posInt(o.embeddingDim ?? 64, 'embeddingDim', where);
  const units = posInt(o.units ?? 128, 'units', where);
  const decoderUnits = posInt(o.decoderUnits ?? units, 'decoderUnits', where);
  const bidirectional = o.bidirectional ?? true;
  if (typeof bidirectional !== 'boolean') throw new Error(`${where}: bidirectional must be true or false, got ${JSON.stringify(o.bidirectional)}`);
  const attention = oneOf(o.attention ?? 'bahdanau', ATTENTIONS, 'attention', where);
  const encoderCell = oneOf(o.encoderCell ?? o.cell ?? 'lstm', CELLS, 'encoderCell', where);
  const decoderCell = oneOf(o.decoderCell ?? o.cell ?? 'lstm', CELLS, 'decoderCell', where);
  const D = bidirectional ? 2 : 1;
  const Hv = D * units;
  let bridge = oneOf(o.bridge ?? 'auto', BRIDGES, 'bridge', where);
  if (bridge === 'auto') bridge = D === 1 && units === decoderUnits ? 'copy' : 'dense';
  if (bridge === 'copy' && !(D === 1 && units === decoderUnits))
    throw new Error(`${where}: bridge 'copy' needs a unidirectional encoder with units = decoderUnits, got ${bidirectional ? 'a bidirectional encoder' : `units ${units}`} and decoderUnits ${decoderUnits}; use bridge 'dense'`);
  if (attention === 'luong-dot' && Hv !== decoderUnits)
    throw new Error(`${where}: luong-dot attention needs decoderUnits = encoder output size ${Hv} (${D} × units ${units}), got decoderUnits ${decoderUnits}; use 'luong-general' or 'bahdanau'`);
  const inputFeeding = o.inputFeeding ?? attention !== 'none';
  const dropoutRate = o.dropout ?? 0;
  if (typeof dropoutRate !== 'number' || !(dropoutRate >= 0 && dropoutRate < 1)) throw new Error(`${where}: dropout must be a number in [0, 1), got ${JSON.stringify(o.dropout)}`);
  const tgtEmbeddingDim = posInt(o.tgtEmbeddingDim ?? emb, 'tgtEmbeddingDim', where);
  const tieEmbeddings = o.tieEmbeddings ?? false;
  if (tieEmbeddings && tgtEmbeddingDim !== decoderUnits)
    throw new Error(`${where}: tieEmbeddings needs tgtEmbeddingDim = decoderUnits (the output projection reads h̃ of size ${decoderUnits}), got tgtEmbeddingDim ${tgtEmbeddingDim}`);
  const ids = { padId: o.padId ?? 0, unkId: o.unkId ?? 1, sosId: o.sosId ?? 2, eosId: o.eosId ?? 3 };
  for (const [k, v] of Object.entries(ids))
    if (!Number.isInteger(v) || v < 0 || v >= tgtVocabSize) throw new Error(`${where}: ${k} must be a target id in [0, ${tgtVocabSize}), got ${JSON.stringify(v)}`);
  if (ids.padId >= srcVocabSize || ids.eosId >= srcVocabSize) throw new Error(`${where}: padId and eosId must also be source ids (< srcVocabSize ${srcVocabSize})`);
  if (new Set(Object.values(ids)).size !== 4) throw new Error(`${where}: padId, unkId, sosId and eosId must differ, got ${JSON.stringify(ids)}`);
  const metadata = o.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new Error(`${where}: metadata must be a plain object`);
  return {
    srcVocabSize,
    tgtVocabSize,
    srcEmbeddingDim: posInt(o.srcEmbeddingDim ?? emb, 'srcEmbeddingDim', where),
    tgtEmbeddingDim,
    units,
    decoderUnits,
    encoderLayers: posInt(o.encoderLayers ?? 1, 'encoderLayers', where),
    decoderLayers: posInt(o.decoderLayers ?? 1, 'decoderLayers', where),
    encoderCell,
    decoderCell,
    bidirectional,
    attention,
    attentionUnits: posInt(o.attentionUnits ?? decoderUnits, 'attentionUnits', where),
    inputFeeding,
    tieEmbeddings,
    dropout: dropoutRate,
    bridge,
    ...ids,
    sourceEos: o.sourceEos ?? true,
    initializer: o.initializer === undefined || o.initializer === null ? null : checkInitializer(o.initializer, where),
    seed: o.seed ?? 0,
    dtype: o.dtype ?? 'float32',
    name: o.name ?? 'seq2seq',
    metadata,
  };
}
