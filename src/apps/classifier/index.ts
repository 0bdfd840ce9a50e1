/** Text classification: the recipe, metrics, cross-validation and data loading. */
export { TextClassifier } from './classifier.js';
export type {
  TextClassifierOptions,
  PretrainedEmbeddings,
  ClassifierFitOptions,
  EarlyStoppingOptions,
  LabeledTexts,
  BatchReport,
  EpochReport,
  FitResult,
  Prediction,
} from './classifier.js';
export { classificationReport, formatClassificationReport } from './metrics.js';
export type { ClassificationReport, ClassMetrics } from './metrics.js';
export { crossValidate } from './crossval.js';
export type { CrossValidationOptions, CrossValidationResult, FoldReport } from './crossval.js';
export { loadBuiltinDataset, loadSSTPhraseTraining, loadLabeledData, datasetSplits, BUILTIN_DATASETS, DATASET_CLASSES } from './data.js';
export type { BuiltinDataset, DatasetSplit, LabeledData } from './data.js';
