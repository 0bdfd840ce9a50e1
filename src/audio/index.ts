/** Audio input and speech features: WAV read/write, resampling, FFT, log-mel, MFCC. */
export { decodeWav, encodeWav, readWav, writeWav, resample } from './wav.js';
export type { WavAudio, WavEncodeOptions } from './wav.js';
export { RealFFT, nextPowerOfTwo } from './fft.js';
export {
  FeatureExtractor,
  computeFeatures,
  checkFeatureOptions,
  hzToMel,
  melToHz,
  windowFunction,
  melFilterbank,
  deltas,
  normalizeUtterance,
  frameCount,
} from './features.js';
export type { FeatureOptions, Features, MelFilterbank } from './features.js';
