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
export { getBackend, setBackend } from './kernels/gemm.js';
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
