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
