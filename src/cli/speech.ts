/** `recurrent speech prepare|train|eval|transcribe`: speech recognition on WAV files. */
import { SpeechRecognizer, listSpeechData, loadUtterances, prepareFsdd, readWav } from '../index.js';
import type { SpeechItem, SpeechRecognizerOptions, Utterance } from '../index.js';
import { HELP_FLAG, getBool, getString } from './args.js';
import type { FlagSpec, FlagValue, ParsedArgs } from './args.js';
import { CliError, checkWritable, fmtDuration, jsonLine, loadModelFile, numberFlag, required } from './io.js';
import type { CliIO, Command } from './io.js';

/** Every value of a repeatable flag. */
function allStrings(args: ParsedArgs, name: string): string[] {
  const v = args.flags[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x: FlagValue) => String(x));
}

async function loadData(sources: string[], sampleRate: number, flag: string): Promise<Utterance[]> {
  const out: Utterance[] = [];
  for (const s of sources) {
    let items: SpeechItem[];
    try {
      items = await listSpeechData(s);
      out.push(...(await loadUtterances(items, sampleRate)));
    } catch (e) {
      const msg = (e as Error).message;
      throw new CliError(msg.startsWith(s) ? `${flag} ${msg}` : `${flag} ${s}: ${msg}`);
    }
  }
  return out;
}

function loadRecognizer(path: string): Promise<SpeechRecognizer> {
  return loadModelFile(path, (p) => SpeechRecognizer.load(p));
}

function pct(v: number): string {
  return `${(100 * v).toFixed(2)} %`;
}

// ---------------------------------------------------------------------------------------------
// speech prepare

export const speechPrepareCommand: Command = {
  name: 'speech prepare',
  summary: 'unpack the Free Spoken Digit Dataset into WAV files, manifests and connected-digit sets',
  usage: 'speech prepare --fsdd recordings.tar.gz --out DIR [flags]',
  details:
    'Writes DIR/train.csv and DIR/test.csv (official split: recordings 0-4 of each speaker and digit are test),\n' +
    'and DIR/connected_train.csv / DIR/connected_test.csv: 2-5 recordings of one speaker, each drawn from its own\n' +
    'split only, joined by 0.05-0.3 s of faint noise (transcripts like "7 3 9"). Manifests are CSV path,transcript.',
  flags: [
    { name: 'fsdd', type: 'string', valueName: 'FILE', description: "FSDD's recordings.tar.gz (or .tar)" },
    { name: 'out', type: 'string', valueName: 'DIR', description: 'output folder (created)' },
    { name: 'connected-train', type: 'integer', default: 3000, description: 'connected-digit utterances from training recordings' },
    { name: 'connected-test', type: 'integer', default: 500, description: 'connected-digit utterances from test recordings' },
    { name: 'seed', type: 'integer', default: 0, description: 'random seed of the connected sets' },
    { name: 'json', type: 'boolean', description: 'print the result as one JSON line' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'speech prepare';
    const tar = required(args, 'fsdd', cmd);
    const out = required(args, 'out', cmd, 'DIR');
    const connectedTrain = numberFlag(args, 'connected-train', 3000, { min: 0, max: 1e6, command: cmd });
    const connectedTest = numberFlag(args, 'connected-test', 500, { min: 0, max: 1e6, command: cmd });
    const seed = numberFlag(args, 'seed', 0, { min: 0, command: cmd });
    let r;
    try {
      r = await prepareFsdd(tar, out, { connectedTrain, connectedTest, seed });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    if (getBool(args, 'json')) jsonLine(io, { event: 'prepared', ...r.manifests });
    else for (const [k, v] of Object.entries(r.manifests)) io.stdout.write(`${k.padEnd(16)} ${String(v.utterances).padStart(5)} utterances  ${fmtDuration(v.seconds)} of audio  ${v.path}\n`);
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// speech train

export const speechTrainCommand: Command = {
  name: 'speech train',
  summary: 'train a speech recogniser (CTC) or a spoken-word classifier on WAV files',
  usage: 'speech train --data DIR-OR-MANIFEST --out MODEL.safetensors [flags]',
  details:
    'DATA is a CSV manifest (path,transcript) or a folder of .wav files (transcript from <name>.txt, the\n' +
    "sub-folder's name, or the file name up to its first '_'); --data may be repeated. Audio is resampled to\n" +
    '--sample-rate. The CTC head recognises sequences (e.g. "7 3 9"); the classifier head gives one label\n' +
    'per utterance. Ctrl-C stops after the current step and still saves the model.',
  flags: [
    { name: 'data', type: 'string', valueName: 'PATH', multiple: true, description: 'training data: manifest .csv or folder of .wav' },
    { name: 'out', type: 'string', valueName: 'MODEL', description: 'where to save the model (.safetensors)' },
    { name: 'valid', type: 'string', valueName: 'PATH', multiple: true, description: 'validation data scored after every epoch' },
    { name: 'head', type: 'string', choices: ['ctc', 'classifier'], default: 'ctc', description: 'sequence recogniser or whole-utterance classifier' },
    { name: 'cell', type: 'string', choices: ['gru', 'lstm'], default: 'gru', description: 'recurrent cell' },
    { name: 'units', type: 'integer', default: 128, description: 'hidden units per direction' },
    { name: 'layers', type: 'integer', default: 2, description: 'stacked recurrent layers' },
    { name: 'unidirectional', type: 'boolean', description: 'forward-only recurrent layers (default bidirectional)' },
    { name: 'dropout', type: 'number', default: 0.1, description: 'dropout on recurrent inputs' },
    { name: 'features', type: 'string', choices: ['mfcc', 'logmel'], default: 'mfcc', description: '13 MFCC + deltas, or 40 log-mel bands' },
    { name: 'sample-rate', type: 'integer', default: 8000, description: 'audio is resampled to this rate (Hz)' },
    { name: 'frame-stack', type: 'integer', default: 3, description: '10 ms feature frames per recurrent step' },
    { name: 'tokens', type: 'string', choices: ['chars', 'words'], default: 'chars', description: 'CTC output units' },
    { name: 'pooling', type: 'string', choices: ['mean', 'max', 'attention'], default: 'mean', description: 'classifier pooling over time' },
    { name: 'epochs', type: 'integer', default: 20, description: 'passes over the training data' },
    { name: 'batch-size', type: 'integer', default: 32, description: 'utterances per step' },
    { name: 'lr', type: 'number', default: 2e-3, description: 'peak Adam learning rate (warm-up, cosine decay)' },
    { name: 'spec-augment', type: 'boolean', description: 'SpecAugment time and frequency masking' },
    { name: 'seed', type: 'integer', default: 0, description: 'random seed' },
    { name: 'json', type: 'boolean', description: 'print JSON lines (one per epoch, then the result)' },
    HELP_FLAG,
  ],
  run: runTrain,
};

async function runTrain(args: ParsedArgs, io: CliIO): Promise<number> {
  const cmd = 'speech train';
  const json = getBool(args, 'json');
  const data = allStrings(args, 'data');
  if (data.length === 0) required(args, 'data', cmd, 'DIR-OR-MANIFEST');
  const outPath = required(args, 'out', cmd, 'MODEL.safetensors');
  const sampleRate = numberFlag(args, 'sample-rate', 8000, { min: 1000, max: 192000, command: cmd });
  const features = getString(args, 'features') === 'logmel' ? ({ kind: 'logmel', nMels: 40, deltas: 0 } as const) : undefined;
  const opts: SpeechRecognizerOptions = {
    head: (getString(args, 'head') ?? 'ctc') as 'ctc' | 'classifier',
    cell: (getString(args, 'cell') ?? 'gru') as 'gru' | 'lstm',
    units: numberFlag(args, 'units', 128, { min: 1, max: 4096, command: cmd }),
    numLayers: numberFlag(args, 'layers', 2, { min: 1, max: 16, command: cmd }),
    bidirectional: !getBool(args, 'unidirectional'),
    dropout: numberFlag(args, 'dropout', 0.1, { min: 0, max: 0.9, command: cmd }),
    sampleRate,
    features,
    frameStack: numberFlag(args, 'frame-stack', 3, { min: 1, max: 16, command: cmd }),
    tokens: (getString(args, 'tokens') ?? 'chars') as 'chars' | 'words',
    pooling: (getString(args, 'pooling') ?? 'mean') as 'mean',
    seed: numberFlag(args, 'seed', 0, { min: 0, command: cmd }),
  };
  const epochs = numberFlag(args, 'epochs', 20, { min: 1, max: 100000, command: cmd });
  const batchSize = numberFlag(args, 'batch-size', 32, { min: 1, max: 100000, command: cmd });
  const lr = numberFlag(args, 'lr', 2e-3, { min: 0, minExclusive: true, command: cmd });
  await checkWritable(outPath, '--out');
  const t0 = performance.now();
  const train = await loadData(data, sampleRate, '--data');
  const valid = allStrings(args, 'valid').length ? await loadData(allStrings(args, 'valid'), sampleRate, '--valid') : undefined;
  let rec: SpeechRecognizer;
  try {
    rec = SpeechRecognizer.create(
      train.map((u) => u.transcript),
      opts,
    );
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const say = (s: string): void => {
    if (!json) io.stdout.write(s + '\n');
  };
  const audio = train.reduce((s, u) => s + u.signal.length, 0) / sampleRate;
  say(`${train.length} utterances (${fmtDuration(audio)} of audio), ${rec.vocab.length} ${opts.head === 'ctc' ? 'output units' : 'labels'}, ${rec.model.countParams().toLocaleString('en-US')} parameters`);
  const r = await rec.train(train, {
    epochs,
    batchSize,
    lr,
    specAugment: getBool(args, 'spec-augment'),
    valid,
    seed: opts.seed,
    signal: io.signal,
    onEpoch: (e) => {
      if (json) jsonLine(io, { event: 'epoch', epoch: e.epoch, epochs: e.epochs, steps: e.steps, loss: e.loss, seconds: e.seconds, valid: e.valid ? { accuracy: e.valid.accuracy, cer: e.valid.cer, wer: e.valid.wer } : null });
      else say(`epoch ${e.epoch}/${e.epochs}  loss ${e.loss.toFixed(4)}  ${fmtDuration(e.seconds)}` + (e.valid ? `  valid accuracy ${pct(e.valid.accuracy)}  CER ${pct(e.valid.cer)}  WER ${pct(e.valid.wer)}` : ''));
    },
  });
  await rec.save(outPath);
  const total = (performance.now() - t0) / 1000;
  if (json) jsonLine(io, { event: 'done', model: outPath, ...r, totalSeconds: total, audioSecondsPerFeatureSecond: r.audioSeconds / r.featureSeconds });
  else {
    say(`${r.stopReason === 'aborted' ? 'stopped' : 'done'} after ${r.epochs} epochs (${r.steps} steps) in ${fmtDuration(r.seconds)}; features ${r.featureSeconds.toFixed(1)} s (${Math.round(r.audioSeconds / r.featureSeconds)}x real time)`);
    say(`saved ${outPath}`);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// speech eval

const MODEL_FLAG: FlagSpec = { name: 'model', type: 'string', valueName: 'FILE', description: 'model from speech train' };
const BEAM_FLAG: FlagSpec = { name: 'beam', type: 'integer', default: 0, description: 'CTC prefix beam width (0 = greedy decoding)' };

export const speechEvalCommand: Command = {
  name: 'speech eval',
  summary: 'score a speech model on WAV files: accuracy, character and word error rate',
  usage: 'speech eval --model MODEL.safetensors --data DIR-OR-MANIFEST [flags]',
  details: 'Accuracy is the share of utterances recognised exactly; CER and WER are edit distances over characters\n(spaces included) and words, divided by the reference length. For digit strings WER is the digit error rate.',
  flags: [
    MODEL_FLAG,
    { name: 'data', type: 'string', valueName: 'PATH', multiple: true, description: 'manifest .csv or folder of .wav' },
    BEAM_FLAG,
    { name: 'errors', type: 'integer', default: 0, description: 'print up to N misrecognised utterances' },
    { name: 'json', type: 'boolean', description: 'print one JSON object' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'speech eval';
    const modelPath = required(args, 'model', cmd);
    const data = allStrings(args, 'data');
    if (data.length === 0) required(args, 'data', cmd, 'DIR-OR-MANIFEST');
    const beam = numberFlag(args, 'beam', 0, { min: 0, max: 10000, command: cmd });
    const nErr = numberFlag(args, 'errors', 0, { min: 0, command: cmd });
    const rec = await loadRecognizer(modelPath);
    const utts = await loadData(data, rec.options.sampleRate, '--data');
    let s;
    try {
      s = rec.evaluate(utts, { beamWidth: beam });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const errors = utts
      .map((u, i) => ({ path: u.path, reference: u.transcript, hypothesis: s.hypotheses[i]! }))
      .filter((e) => e.reference !== e.hypothesis)
      .slice(0, nErr);
    const audio = utts.reduce((a, u) => a + u.signal.length, 0) / rec.options.sampleRate;
    const { hypotheses: _h, ...scores } = s;
    if (getBool(args, 'json')) jsonLine(io, { model: modelPath, head: rec.options.head, decoding: beam > 1 ? `beam ${beam}` : 'greedy', ...scores, audioSeconds: audio, ...(nErr ? { errors } : {}) });
    else {
      io.stdout.write(`${s.utterances} utterances (${fmtDuration(audio)} of audio), ${beam > 1 ? `beam ${beam}` : 'greedy'} decoding, ${s.seconds.toFixed(1)} s\n`);
      io.stdout.write(`accuracy ${pct(s.accuracy)}  CER ${pct(s.cer)} (${s.charErrors}/${s.refChars})  WER ${pct(s.wer)} (${s.wordErrors}/${s.refWords})\n`);
      for (const e of errors) io.stdout.write(`  ${e.path}: ${JSON.stringify(e.reference)} → ${JSON.stringify(e.hypothesis)}\n`);
    }
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// speech transcribe

export const speechTranscribeCommand: Command = {
  name: 'speech transcribe',
  summary: 'transcribe WAV files with a speech model',
  usage: 'speech transcribe --model MODEL.safetensors FILE.wav... [flags]',
  positionals: 'FILE.wav...',
  flags: [
    MODEL_FLAG,
    BEAM_FLAG,
    { name: 'json', type: 'boolean', description: 'one JSON line per file' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'speech transcribe';
    const modelPath = required(args, 'model', cmd);
    if (args.positionals.length === 0) throw new CliError(`missing FILE.wav: give one or more WAV files to transcribe`);
    const beam = numberFlag(args, 'beam', 0, { min: 0, max: 10000, command: cmd });
    const rec = await loadRecognizer(modelPath);
    const signals: Float32Array[] = [];
    for (const f of args.positionals) {
      try {
        signals.push((await readWav(f, { sampleRate: rec.options.sampleRate })).signal);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
    }
    const texts = rec.transcribeMany(signals, { beamWidth: beam });
    args.positionals.forEach((f, i) => {
      if (getBool(args, 'json')) jsonLine(io, { file: f, transcript: texts[i]! });
      else io.stdout.write(args.positionals.length > 1 ? `${f}\t${texts[i]}\n` : `${texts[i]}\n`);
    });
    return 0;
  },
};

export const SPEECH_COMMANDS: Command[] = [speechPrepareCommand, speechTrainCommand, speechEvalCommand, speechTranscribeCommand];

export const SPEECH_GROUP_HELP = {
  what: 'Speech recognition on WAV files: CTC recogniser (BiGRU/BiLSTM over MFCC) or spoken-word classifier.',
  examples: [
    '  recurrent speech prepare --fsdd recordings.tar.gz --out fsdd',
    '  recurrent speech train --data fsdd/train.csv --data fsdd/connected_train.csv --out digits.safetensors',
    '  recurrent speech eval --model digits.safetensors --data fsdd/connected_test.csv --json',
    '  recurrent speech transcribe --model digits.safetensors my_recording.wav',
  ],
};
