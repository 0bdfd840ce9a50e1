/** Speech recognition app: data sets, FSDD, SpecAugment, recogniser recipe, scores. */
export { SpeechRecognizer, ctcMinSteps } from './recognizer.js';
export type { SpeechRecognizerOptions, SpeechTrainOptions, SpeechTrainResult, SpeechEpochReport, DecodeOptions } from './recognizer.js';
export { listSpeechData, loadUtterances, parseManifest, normalizeTranscript } from './data.js';
export type { SpeechItem, Utterance } from './data.js';
export { readFsddTar, makeConnectedDigits, prepareFsdd } from './fsdd.js';
export type { FsddRecording, ConnectedDigitOptions, ConnectedUtterance, PrepareFsddOptions, PrepareFsddResult } from './fsdd.js';
export { specAugment, specAugmentDefaults } from './augment.js';
export type { SpecAugmentOptions } from './augment.js';
export { scoreTranscripts, levenshtein } from './metrics.js';
export type { SpeechScores } from './metrics.js';
