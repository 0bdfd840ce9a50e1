/** k-fold cross-validation of a {@link TextClassifier} (the MR protocol: 10 folds, seeded). */
import { Rng } from '../../tensor/rng.js';
import { kFoldIds } from '../../text/sequences.js';
import { LabelEncoder } from '../../text/labels.js';
import { TextClassifier } from './classifier.js';
import type { ClassifierFitOptions, TextClassifierOptions } from './classifier.js';
import type { ClassificationReport } from './metrics.js';

/** Options of {@link crossValidate}. */
export interface CrossValidationOptions {
  /** The classifier built for every fold. */
  model?: TextClassifierOptions;
  /** Training options of every fold (`valid` is not allowed: each fold holds out its own). */
  fit?: Omit<ClassifierFitOptions, 'valid' | 'validFraction'>;
  /** Share of each fold's training part held out for early stopping. Default 0.1; 0 trains for `fit.epochs` without validation. */
  validFraction?: number;
  /** Called after each fold. */
  onFold?: (r: FoldReport) => void | Promise<void>;
  /** Called when a fold starts (its classifier is about to be trained). */
  onFoldStart?: (fold: number, folds: number) => void;
}

/** One fold's result. */
export interface FoldReport {
  /** 1-based. */
  fold: number;
  folds: number;
  trainSize: number;
  validSize: number;
  testSize: number;
  accuracy: number;
  macroF1: number;
  /** Epochs trained and the epoch kept. */
  epochs: number;
  bestEpoch: number | null;
  /** Seconds of this fold (training, validation and test). */
  seconds: number;
  sentencesPerSecond: number;
  report: ClassificationReport;
}

/** What {@link crossValidate} resolves with. */
export interface CrossValidationResult {
  folds: FoldReport[];
  meanAccuracy: number;
  /** Sample standard deviation of the fold accuracies. */
  stdAccuracy: number;
  meanMacroF1: number;
  seed: number;
  seconds: number;
  sentencesPerSecond: number;
  /** True when `fit.signal` stopped it before all folds ran. */
  aborted: boolean;
}

/**
 * k-fold cross-validation: a seeded shuffle assigns every example to one of `folds` folds
 * (`kFoldIds`); for each fold a fresh classifier (vocabulary included) is trained on the other
 * folds, holding out `validFraction` of them for early stopping, and scored on the fold.
 *
 * @example
 * const mr = await loadMR('data/mr-polarity');
 * const cv = await crossValidate(mr.texts, mr.labels, 10, 1, { fit: { epochs: 8 } });
 * cv.meanAccuracy; // e.g. 0.78
 */
export async function crossValidate(
  texts: readonly string[],
  labels: readonly (string | number)[],
  folds = 10,
  seed = 1,
  options: CrossValidationOptions = {},
): Promise<CrossValidationResult> {
  const where = 'crossValidate';
  if (!Array.isArray(texts) || !Array.isArray(labels) || texts.length !== labels.length) throw new Error(`${where}: expected as many labels as texts`);
  if (!Number.isInteger(folds) || folds < 2 || folds > texts.length) throw new Error(`${where}: folds must be a whole number in [2, ${texts.length}], got ${folds}`);
  const validFraction = options.validFraction ?? 0.1;
  const t0 = performance.now();
  const fold = kFoldIds(texts.length, folds, new Rng(seed));
  const classes = options.model?.classes?.length ? options.model.classes : [...LabelEncoder.fit(labels).classes];
  const reports: FoldReport[] = [];
  let sentences = 0;
  let trainSeconds = 0;
  let aborted = false;
  for (let k = 0; k < folds; k++) {
    if (options.fit?.signal?.aborted) {
      aborted = true;
      break;
    }
    const tf = performance.now();
    options.onFoldStart?.(k + 1, folds);
    const trainT: string[] = [];
    const trainL: (string | number)[] = [];
    const testT: string[] = [];
    const testL: (string | number)[] = [];
    for (let i = 0; i < texts.length; i++) {
      if (fold[i] === k) {
        testT.push(texts[i]!);
        testL.push(labels[i]!);
      } else {
        trainT.push(texts[i]!);
        trainL.push(labels[i]!);
      }
    }
    const clf = TextClassifier.create({ ...options.model, classes });
    const fit = await clf.fit(trainT, trainL, { ...options.fit, ...(validFraction > 0 ? { validFraction } : {}) });
    if (fit.stopReason === 'aborted' && fit.epochs.length === 0) {
      aborted = true;
      break;
    }
    const report = clf.evaluate(testT, testL);
    for (const e of fit.epochs) {
      sentences += e.sentencesPerSecond * e.trainSeconds;
      trainSeconds += e.trainSeconds;
    }
    const r: FoldReport = {
      fold: k + 1,
      folds,
      trainSize: fit.trainSize,
      validSize: fit.validSize,
      testSize: testT.length,
      accuracy: report.accuracy,
      macroF1: report.macroF1,
      epochs: fit.epochs.length,
      bestEpoch: fit.bestEpoch,
      seconds: (performance.now() - tf) / 1000,
      sentencesPerSecond: fit.sentencesPerSecond,
      report,
    };
    reports.push(r);
    await options.onFold?.(r);
    if (fit.stopReason === 'aborted') {
      aborted = true;
      break;
    }
  }
  const accs = reports.map((r) => r.accuracy);
  const mean = accs.length ? accs.reduce((s, a) => s + a, 0) / accs.length : NaN;
  const std = accs.length > 1 ? Math.sqrt(accs.reduce((s, a) => s + (a - mean) ** 2, 0) / (accs.length - 1)) : 0;
  return {
    folds: reports,
    meanAccuracy: mean,
    stdAccuracy: std,
    meanMacroF1: reports.length ? reports.reduce((s, r) => s + r.macroF1, 0) / reports.length : NaN,
    seed,
    seconds: (performance.now() - t0) / 1000,
    sentencesPerSecond: trainSeconds > 0 ? sentences / trainSeconds : 0,
    aborted,
  };
}
