/** The seq2seq app's public surface (re-exported by src/index.ts). */
export { Seq2SeqModel, resolveSeq2SeqOptions } from './model.js';
export type { Seq2SeqOptions, Seq2SeqConfig, Seq2SeqCell, Seq2SeqAttention, Seq2SeqBridge, EncoderOutput, DecoderState, DecoderStepOutput, ForwardOptions, SourceBatch, TargetBatch } from './model.js';
export { greedyDecode, sampleDecode, beamSearch, sequenceLogProb, lengthPenaltyOf } from './decode.js';
export type { DecodeOptions, BeamSearchOptions, SampleOptions, Hypothesis, LengthPenalty } from './decode.js';
export { trainSeq2Seq, seq2seqLoss } from './trainer.js';
export type { Seq2SeqExamples, Seq2SeqTrainOptions } from './trainer.js';
export { parsePairs, parseParallel, loadPairs, loadParallel, loadMulti30k, groupReferences, holdOut } from './data.js';
export type { ParallelText, GroupedReferences, Multi30kSplit } from './data.js';
export { Seq2SeqTranslator } from './translator.js';
export type { TokenKind, TranslatorOptions, TranslatorTrainOptions, TranslateOptions, Translation, Seq2SeqEvaluation, EvaluateOptions, Seq2SeqMetric } from './translator.js';
export { attentionSvg } from './svg.js';
export type { AttentionSvgOptions } from './svg.js';
