/** Sequence metrics (re-exported by src/index.ts). */
export { corpusBleu, computeBleu, tokenize13a, formatBleu } from './bleu.js';
export type { BleuOptions, BleuScore } from './bleu.js';
export { editDistance, tokenErrorRate, sequenceErrorRate, g2pScores } from './edit_distance.js';
export type { TokenErrorRate, SequenceErrorRate, G2PScores } from './edit_distance.js';
