/**
 * recurrent — recurrent neural networks (RNN, LSTM, GRU), training and inference for Node.js and
 * the browser, numerically matching PyTorch.
 *
 * @example
 * import { Sequential, Embedding, LSTM, Dense, Adam } from 'recurrent';
 * const model = new Sequential([
 *   new Embedding({ inputDim: 65, outputDim: 32 }),
 *   new LSTM({ units: 128, returnSequences: true }),
 *   new Dense({ units: 65 }),
 * ]);
 * await model.fit(x, y, { loss: 'crossEntropy', optimizer: new Adam({ lr: 2e-3 }), epochs: 5 });
 */
export { Rng } from './tensor/rng.js';
export { Layer, Input, SymbolicTensor } from './nn/layer.js';
export type { Shape, LayerOptions, CallContext } from './nn/layer.js';
export { Parameter } from './nn/parameter.js';
export type { InitializerName } from './nn/initializers.js';
export { SimpleRNN, LSTM, GRU, Bidirectional, RecurrentLayer } from './nn/recurrent.js';
export type { RecurrentOptions, SimpleRNNOptions, LSTMOptions, GRUOptions, BidirectionalOptions, MergeMode } from './nn/recurrent.js';
export { Dense, Embedding, Dropout, Masking, TimeDistributed, ActivationLayer } from './nn/layers.js';
export type { DenseOptions, EmbeddingOptions, DropoutOptions, MaskingOptions, Activation } from './nn/layers.js';
export { BaseModel, Sequential, Model, modelFromJSON } from './train/model.js';
export type { ModelOptions, PredictOptions } from './train/model.js';
export { toNested } from './train/data.js';
export type { TensorLike, NDArray } from './train/data.js';
export { CrossEntropy, MeanSquaredError, MeanAbsoluteError, Huber, BinaryCrossentropy, getLoss } from './nn/losses.js';
export type { Loss, LossName, CrossEntropyOptions } from './nn/losses.js';
export { Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, optimizerFromConfig, getOptimizer } from './nn/optimizers.js';
export type { OptimizerStateDict } from './nn/optimizers.js';
export { clipGradNorm, clipGradValue } from './nn/clip.js';
export { StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup, ReduceLROnPlateau, scheduleFromConfig } from './nn/schedules.js';
export type { LRSchedule } from './nn/schedules.js';
export { NonFiniteError } from './train/fit.js';
export type { FitOptions, EvaluateOptions, History } from './train/fit.js';
export { EarlyStopping, ModelCheckpoint, CSVLogger } from './train/callbacks.js';
export type { Callback, Logs, TrainingContext, EarlyStoppingOptions, ModelCheckpointOptions } from './train/callbacks.js';
export { ProgressBar } from './train/progress.js';
export type { ProgressOptions } from './train/progress.js';
export { Accuracy, TopKAccuracy, ErrorMetric, getMetric } from './train/metrics.js';
export type { Metric, MetricName } from './train/metrics.js';
export { VERSION, saveModel, loadModel, loadWeights, readModelMetadata, encodeModel, decodeModel, saveCheckpoint, loadCheckpoint, checkpointSidecarPath } from './train/serialize.js';
export type { SaveModelOptions, ModelFileMetadata, LoadWeightsOptions, LoadWeightsResult, OptimizerState, OptimizerLike, CheckpointInput, LoadedCheckpoint, FloatTensor } from './train/serialize.js';
export { CharModel } from './apps/char_model.js';
export type { CharModelOptions, CharTrainOptions, CharTrainResult, CharRoundReport, CharEvalOptions, CharModelStats } from './apps/char_model.js';
import { heap as _heap } from './tensor/tensor.js';
/** Diagnostics: whether tensors live in a shared `WebAssembly.Memory` (needed for worker threads) and its size. */
export function memoryInfo(): { shared: boolean; bytes: number } {
  return { shared: _heap.shared, bytes: _heap.memory.buffer.byteLength };
}
export { getBackend, setBackend, getThreads, setThreads, stopThreads, nativeInfo, nativeLoadError, nativeThreads } from './kernels/gemm.js';
export { threadsUnavailableReason } from './kernels/threads/pool.js';
export type { BackendName, BackendChoice } from './kernels/gemm.js';
export { GlobalMaxPooling1D, GlobalAveragePooling1D, AttentionPooling } from './nn/pooling.js';
export type { AttentionPoolingOptions } from './nn/pooling.js';
export { Attention } from './nn/attention.js';
export type { AttentionOptions, AttentionType, AttentionResult } from './nn/attention.js';
// Time series: CSV with dates → TimeFrame, scalers, windows, splits, metrics, baselines.
export { parseCSV } from './timeseries/csv.js';
export type { CSVOptions, CSVTable } from './timeseries/csv.js';
export { parseDate, detectDateFormat, formatDate, parseFrequency, inferFrequency, addFrequency, stepsBetween, DateParseError } from './timeseries/dates.js';
export type { DateFormat, Frequency } from './timeseries/dates.js';
export { TimeFrame, loadTimeSeriesCSV, parseTimeSeriesCSV, describeLoadReport, parseAnyDate } from './timeseries/frame.js';
export type { MissingPolicy, TimeSeriesCSVOptions, LoadReport, Gap } from './timeseries/frame.js';
export { calendarFeatures, addCalendarFeatures } from './timeseries/calendar.js';
export type { CalendarFeature } from './timeseries/calendar.js';
export { Scaler, StandardScaler, MinMaxScaler, createScaler, scalerFromJSON } from './timeseries/scalers.js';
export type { ScalerJSON, ScalerName } from './timeseries/scalers.js';
export { makeWindows, recursiveForecast } from './timeseries/windows.js';
export type { WindowOptions, Windows, FloatArray3, StepPredictor } from './timeseries/windows.js';
export { chronologicalSplit, sliceSplit, walkForward } from './timeseries/splits.js';
export type { Split, SplitPart, SplitSpec, SplitPreset, Fold, WalkForwardOptions } from './timeseries/splits.js';
export { mse, mae, rmse, mape, smape, mase, maseScale, directionAccuracy, forecastMetrics } from './timeseries/metrics.js';
export type { ForecastMetricName, ForecastMetricOptions } from './timeseries/metrics.js';
export { persistenceForecast, seasonalNaiveForecast } from './timeseries/baselines.js';
export type { ForecastOrigins } from './timeseries/baselines.js';
export { compareWithBaselines, evaluateWalkForward, formatComparison } from './timeseries/evaluate.js';
export type { BaselineComparison, CompareOptions, FoldForecaster, MetricValues } from './timeseries/evaluate.js';
// Text preparation: tokenizers, vocabulary, labels, padding/bucketing, CSV and dataset loaders.
export { CharTokenizer, WordTokenizer, BPETokenizer, tokenizerFromJSON } from './text/tokenizers.js';
export type { Tokenizer, TokenizerJSON, CharTokenizerOptions, CharTokenizerJSON, WordTokenizerOptions, WordTokenizerJSON, BPETrainOptions, BPETokenizerJSON, Normalization } from './text/tokenizers.js';
export { Vocabulary } from './text/vocab.js';
export type { VocabularyOptions, VocabularyJSON } from './text/vocab.js';
export { LabelEncoder } from './text/labels.js';
export type { LabelEncoderJSON } from './text/labels.js';
export { padSequences, bucketByLength, paddingCost, kFoldIds } from './text/sequences.js';
export type { PadOptions, PaddedSequences, BucketOptions } from './text/sequences.js';
export { CsvParser, parseCsv } from './text/csv.js';
export type { CsvOptions, CsvRecord } from './text/csv.js';
export { decodeText, DecodeError } from './text/decode.js';
export type { TextEncodingName } from './text/decode.js';
export { loadTextDataset, parseTextDataset, TextDataError } from './text/datasets.js';
export type { LoadTextOptions, TextDataset, TextFormat, SkippedLine } from './text/datasets.js';
export { loadSST2, loadSST5, loadSSTPhrases, loadMR, loadIMDB } from './text/corpora.js';
export type { SSTSplit, IMDBSplit } from './text/corpora.js';
// Text classification (sentiment analysis): recipe, metrics, cross-validation, labelled-data loading.
export {
  TextClassifier,
  classificationReport,
  formatClassificationReport,
  crossValidate,
  loadBuiltinDataset,
  loadSSTPhraseTraining,
  loadLabeledData,
  datasetSplits,
  BUILTIN_DATASETS,
  DATASET_CLASSES,
} from './apps/classifier/index.js';
export type {
  TextClassifierOptions,
  PretrainedEmbeddings,
  ClassifierFitOptions,
  EarlyStoppingOptions as ClassifierEarlyStoppingOptions,
  LabeledTexts,
  BatchReport,
  EpochReport,
  FitResult,
  Prediction,
  ClassificationReport,
  ClassMetrics,
  CrossValidationOptions,
  CrossValidationResult,
  FoldReport,
  BuiltinDataset,
  DatasetSplit,
  LabeledData,
} from './apps/classifier/index.js';
export { Word2Vec } from './word2vec/train.js';
export type {
  Word2VecOptions,
  TrainOptions as Word2VecTrainOptions,
  BuildVocabOptions,
  Word2VecProgress,
  EpochReport as Word2VecEpochReport,
  TrainReport as Word2VecTrainReport,
  Word2VecState,
} from './word2vec/train.js';
export { KeyedVectors } from './word2vec/keyed_vectors.js';
export type {
  WordVectorsData,
  Term,
  Scored,
  AnalogyOptions,
  AnalogyResult,
  AnalogySection,
  AnalogyCounts,
  WordPairsOptions,
  WordPairsResult,
} from './word2vec/keyed_vectors.js';
export { fileSentences } from './word2vec/corpus.js';
export type { CorpusSource } from './word2vec/corpus.js';
export {
  loadWordVectors,
  saveWordVectors,
  loadWord2VecFormat,
  saveWord2VecFormat,
  loadWordVectorsSafetensors,
  saveWordVectorsSafetensors,
  loadWord2VecModel,
  saveWord2VecModel,
} from './io/word2vec_format.js';
export type {
  WordVectorsFormat,
  WordVectorsLike,
  LoadedWordVectors,
  LoadWord2VecOptions,
  SaveWord2VecOptions,
  Word2VecModelData,
} from './io/word2vec_format.js';
export { FormatError } from './io/safetensors.js';
// Forecasting: the LSTM/GRU forecaster recipe, target transforms, baseline verdicts, SVG line charts.
export { Forecaster, defaultSeason, defaultCalendar, TargetTransform, judge, verdictLines, formatReport, ForecastConcat, lineChartSVG, niceTicks, timeTicks, PLOT_COLORS } from './apps/forecaster/index.js';
export type {
  ForecasterOptions,
  ForecasterConfig,
  ForecasterState,
  ForecasterFitOptions,
  ForecasterFitReport,
  Forecast,
  ForecastEvalOptions,
  ForecastEvaluation,
  WalkForwardEvalOptions,
  StoredSplit,
  TargetTransformSpec,
  BaselineVerdict,
  DirectionReport,
  PlotSeries,
  PlotOptions,
} from './apps/forecaster/index.js';
// Speech: WAV I/O and resampling, features (log-mel, MFCC), CTC loss and decoding, recogniser recipe.
export { decodeWav, encodeWav, readWav, writeWav, resample, RealFFT, FeatureExtractor, computeFeatures, hzToMel, melToHz } from './audio/index.js';
export type { WavAudio, WavEncodeOptions, FeatureOptions, Features } from './audio/index.js';
export { CTCLoss, CTC_PAD, ctcGreedyDecode, ctcBeamSearch } from './nn/ctc.js';
export type { CTCLossOptions, CtcHypothesis, CtcBeamOptions } from './nn/ctc.js';
export { SpeechRecognizer, listSpeechData, loadUtterances, parseManifest, readFsddTar, makeConnectedDigits, prepareFsdd, scoreTranscripts, specAugment } from './apps/speech/index.js';
export type { SpeechRecognizerOptions, SpeechTrainOptions, SpeechTrainResult, SpeechEpochReport, DecodeOptions, SpeechItem, Utterance, FsddRecording, ConnectedDigitOptions, PrepareFsddOptions, PrepareFsddResult, SpecAugmentOptions, SpeechScores } from './apps/speech/index.js';
// Sequence metrics: sacreBLEU-compatible corpus BLEU, edit-distance WER/PER with several references.
export { corpusBleu, computeBleu, tokenize13a, formatBleu, editDistance, tokenErrorRate, sequenceErrorRate, g2pScores } from './apps/metrics/index.js';
export type { BleuOptions, BleuScore, TokenErrorRate, SequenceErrorRate, G2PScores } from './apps/metrics/index.js';
// Encoder–decoder with attention: model, decoding (greedy, sampling, beam search), training, data, translator app.
export {
  Seq2SeqModel,
  resolveSeq2SeqOptions,
  greedyDecode,
  sampleDecode,
  beamSearch,
  sequenceLogProb,
  lengthPenaltyOf,
  trainSeq2Seq,
  seq2seqLoss,
  parsePairs,
  parseParallel,
  loadPairs,
  loadParallel,
  loadMulti30k,
  groupReferences,
  holdOut,
  Seq2SeqTranslator,
  attentionSvg,
} from './apps/seq2seq/index.js';
export type {
  Seq2SeqOptions,
  Seq2SeqConfig,
  Seq2SeqCell,
  Seq2SeqAttention,
  Seq2SeqBridge,
  EncoderOutput,
  DecoderState,
  DecoderStepOutput,
  ForwardOptions,
  SourceBatch,
  TargetBatch,
  DecodeOptions as Seq2SeqDecodeOptions,
  BeamSearchOptions,
  SampleOptions,
  Hypothesis,
  LengthPenalty,
  Seq2SeqExamples,
  Seq2SeqTrainOptions,
  ParallelText,
  GroupedReferences,
  Multi30kSplit,
  TokenKind,
  TranslatorOptions,
  TranslatorTrainOptions,
  TranslateOptions,
  Translation,
  Seq2SeqEvaluation,
  EvaluateOptions as Seq2SeqEvaluateOptions,
  Seq2SeqMetric,
  AttentionSvgOptions,
} from './apps/seq2seq/index.js';
