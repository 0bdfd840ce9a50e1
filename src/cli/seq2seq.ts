/**
 * `recurrent seq2seq train|eval|translate`: encoder–decoder models with attention for
 * translation and grapheme-to-phoneme conversion.
 *
 * Registration: `SEQ2SEQ_COMMANDS` (+ `SEQ2SEQ_GROUP_HELP`) follow the group pattern of
 * `main.ts`; `seq2seqCommand(argv, io)` runs `recurrent seq2seq ...` on its own (argv without
 * the leading `seq2seq`), throwing `UsageError` / `CliError` like every command.
 */
import { writeFile } from 'node:fs/promises';
import { EarlyStopping, ExponentialLR, ModelCheckpoint, ReduceLROnPlateau, Seq2SeqTranslator, attentionSvg, holdOut, loadMulti30k, loadPairs, loadParallel } from '../index.js';
import type { Callback, LRSchedule, LengthPenalty, Logs, Multi30kSplit, ParallelText, TokenKind, TranslateOptions, TrainingContext, TranslatorOptions } from '../index.js';
import { HELP_FLAG, UsageError, closest, formatFlags, getBool, getNumber, getString, parseArgs } from './args.js';
import type { FlagSpec, ParsedArgs } from './args.js';
import { CliError, checkWritable, fmtDuration, fmtInt, jsonLine, loadModelFile, numberFlag, required } from './io.js';
import type { CliIO, Command } from './io.js';

// ---------------------------------------------------------------------------------------------
// Data flags shared by train and eval

const DATA_FLAGS: FlagSpec[] = [
  { name: 'pairs', type: 'string', valueName: 'FILE', description: 'source<TAB>target lines (.gz ok), e.g. CMUdict g014b2b.train.gz or Tatoeba fra.txt.gz' },
  { name: 'source', type: 'string', valueName: 'FILE', description: 'source sentences, one per line (with --target)' },
  { name: 'target', type: 'string', valueName: 'FILE', description: 'target sentences, line-aligned with --source' },
  { name: 'multi30k', type: 'string', valueName: 'DIR', description: 'a Multi30k folder (<split>.<lang>.gz files)' },
  { name: 'src-lang', type: 'string', default: 'de', description: 'Multi30k source language' },
  { name: 'tgt-lang', type: 'string', default: 'en', description: 'Multi30k target language' },
];

async function loadData(args: ParsedArgs, cmd: string, split: Multi30kSplit, prefix = ''): Promise<ParallelText | null> {
  const pairs = getString(args, `${prefix}pairs`);
  const src = getString(args, `${prefix}source`);
  const tgt = getString(args, `${prefix}target`);
  const m30k = prefix ? undefined : getString(args, 'multi30k');
  const given = [pairs, src ?? tgt, m30k].filter((v) => v !== undefined).length;
  if (given === 0) return null;
  if (given > 1) throw new UsageError(`give one of --${prefix}pairs, --${prefix}source/--${prefix}target${prefix ? '' : ', --multi30k'}`, cmd);
  try {
    if (pairs) return await loadPairs(pairs);
    if (m30k) return await loadMulti30k(m30k, split, getString(args, 'src-lang') ?? 'de', getString(args, 'tgt-lang') ?? 'en');
    if (!src || !tgt) throw new UsageError(`--${prefix}source and --${prefix}target go together`, cmd);
    return await loadParallel(src, tgt);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new CliError((e as Error).message);
  }
}

function loadTranslator(path: string): Promise<Seq2SeqTranslator> {
  return loadModelFile(path, (p) => Seq2SeqTranslator.load(p));
}

function fmtMetric(k: string, v: number): string {
  if (k === 'lr') return `lr ${v.toExponential(1)}`;
  return `${k} ${Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3)}`;
}

function limitPairs(d: ParallelText, n: number | undefined): ParallelText {
  return n === undefined ? d : { sources: d.sources.slice(0, n), targets: d.targets.slice(0, n) };
}

// ---------------------------------------------------------------------------------------------
// seq2seq train

const TASKS = ['translate', 'g2p'] as const;
const KINDS = ['char', 'space', 'word'] as const;
const MONITORS = ['loss', 'bleu', 'wer'] as const;

export const seq2seqTrainCommand: Command = {
  name: 'seq2seq train',
  summary: 'train an encoder–decoder with attention on parallel text',
  usage: 'seq2seq train (--pairs FILE | --source FILE --target FILE | --multi30k DIR) --out MODEL [flags]',
  details:
    '--task translate (default): word tokens, lower-cased, validation BLEU. --task g2p: character sources and\n' +
    'space-separated targets (CMUdict phones), validation WER/PER against every pronunciation of a word.\n' +
    'Validation data: --valid-pairs / --valid-source+--valid-target, the Multi30k val split, or else\n' +
    '--valid-fraction of the distinct training sources. MODEL receives the weights of the best epoch by\n' +
    '--monitor; --patience stops early; --checkpoint writes a resumable checkpoint every epoch (--resume).',
  flags: [
    ...DATA_FLAGS,
    { name: 'valid-pairs', type: 'string', valueName: 'FILE', description: 'validation pairs (source<TAB>target)' },
    { name: 'valid-source', type: 'string', valueName: 'FILE', description: 'validation sources (with --valid-target)' },
    { name: 'valid-target', type: 'string', valueName: 'FILE', description: 'validation targets' },
    { name: 'valid-fraction', type: 'number', default: 0.05, description: 'share of distinct training sources held out when no validation data is given; 0 for none' },
    { name: 'save-valid', type: 'string', valueName: 'FILE', description: 'write the validation pairs (e.g. the held-out share) as source<TAB>target lines' },
    { name: 'out', type: 'string', valueName: 'MODEL', description: 'where to save the model (.safetensors)' },
    { name: 'task', type: 'string', choices: TASKS, default: 'translate', description: 'preset for tokens and metric' },
    { name: 'source-tokens', type: 'string', choices: KINDS, description: 'source tokens (default: by task)' },
    { name: 'target-tokens', type: 'string', choices: KINDS, description: 'target tokens (default: by task)' },
    { name: 'lower', type: 'boolean', description: 'lower-case the text (default: on for word tokens)' },
    { name: 'min-freq', type: 'integer', default: 1, description: 'rarer tokens become <unk>' },
    { name: 'max-vocab', type: 'integer', description: 'largest vocabulary per side' },
    { name: 'cell', type: 'string', choices: ['lstm', 'gru'], default: 'lstm', description: 'recurrent cell' },
    { name: 'units', type: 'integer', default: 128, description: 'encoder units per direction' },
    { name: 'decoder-units', type: 'integer', description: 'decoder units (default: --units)' },
    { name: 'layers', type: 'integer', default: 1, description: 'stacked layers of encoder and decoder' },
    { name: 'embedding', type: 'integer', default: 64, description: 'embedding size' },
    { name: 'attention', type: 'string', choices: ['bahdanau', 'luong-dot', 'luong-general', 'none'], default: 'bahdanau', description: 'attention score' },
    { name: 'bidirectional', type: 'boolean', description: 'bidirectional encoder (default on; --bidirectional=false)' },
    { name: 'input-feeding', type: 'boolean', description: 'feed h̃ to the next decoder step (default on with attention)' },
    { name: 'tie-embeddings', type: 'boolean', description: 'output projection = target embedding (needs --embedding = decoder units)' },
    { name: 'dropout', type: 'number', default: 0.2, description: 'dropout rate' },
    { name: 'epochs', type: 'integer', default: 10, description: 'passes over the training pairs' },
    { name: 'batch-size', type: 'integer', default: 64, description: 'pairs per step' },
    { name: 'lr', type: 'number', default: 1e-3, description: 'Adam learning rate (with --resume: replaces the checkpoint\'s rate)' },
    { name: 'lr-decay', type: 'number', valueName: 'X', description: 'multiply the learning rate by X (0 < X < 1): every epoch after --decay-after, or else when val_loss stops improving' },
    { name: 'decay-after', type: 'integer', valueName: 'N', description: 'with --lr-decay: epochs at the full rate before the decay starts (give it again with --resume)' },
    { name: 'clip', type: 'number', default: 1, description: 'gradient-norm clip (0: none)' },
    { name: 'sampling-rate', type: 'number', default: 0, description: 'scheduled sampling: share of steps fed the model\'s own prediction' },
    { name: 'label-smoothing', type: 'number', default: 0, description: 'label smoothing of the loss' },
    { name: 'monitor', type: 'string', choices: MONITORS, description: 'validation value for the best model and early stopping (default: by task)' },
    { name: 'patience', type: 'integer', description: 'stop after this many epochs without improvement' },
    { name: 'valid-limit', type: 'integer', default: 500, description: 'validation sentences decoded per epoch for BLEU/WER' },
    { name: 'checkpoint', type: 'string', valueName: 'FILE', description: 'write a resumable checkpoint here every epoch' },
    { name: 'resume', type: 'string', valueName: 'FILE', description: 'continue from a --checkpoint file' },
    { name: 'max-train', type: 'integer', description: 'use only the first N training pairs' },
    { name: 'seconds', type: 'number', valueName: 'S', description: 'training time budget' },
    { name: 'max-steps', type: 'integer', valueName: 'N', description: 'stop after N optimizer steps in all (e.g. to time a few steps)' },
    { name: 'seed', type: 'integer', default: 0, description: 'random seed' },
    { name: 'json', type: 'boolean', description: 'print JSON lines instead of text' },
    HELP_FLAG,
  ],
  run: runTrain,
};

async function runTrain(args: ParsedArgs, io: CliIO): Promise<number> {
  const cmd = 'seq2seq train';
  const t0 = performance.now();
  const json = getBool(args, 'json');
  const out = (s = ''): void => {
    if (!json) io.stdout.write(s + '\n');
  };
  const outPath = required(args, 'out', cmd, 'MODEL');
  const task = (getString(args, 'task') ?? 'translate') as (typeof TASKS)[number];
  const g2p = task === 'g2p';
  let data = await loadData(args, cmd, 'train');
  if (!data) throw new UsageError('missing training data: --pairs FILE, --source FILE --target FILE, or --multi30k DIR', cmd);
  data = limitPairs(data, getNumber(args, 'max-train'));
  let valid = await loadData(args, cmd, 'val', 'valid-');
  if (!valid && getString(args, 'multi30k')) valid = await loadData(args, cmd, 'val');
  const vf = numberFlag(args, 'valid-fraction', 0.05, { min: 0, max: 0.5, command: cmd });
  if (!valid && vf > 0) {
    const split = holdOut(data, vf, getNumber(args, 'seed') ?? 0);
    data = split.train;
    valid = split.valid;
  }
  await checkWritable(outPath, '--out');
  const saveValid = getString(args, 'save-valid');
  if (saveValid) {
    if (!valid) throw new UsageError('--save-valid needs validation data (--valid-fraction > 0 or explicit validation files)', cmd);
    await checkWritable(saveValid, '--save-valid');
    const clean = (t: string): string => t.replace(/[\t\r\n]+/g, ' ');
    await writeFile(saveValid, valid.sources.map((v, i) => `${clean(v)}\t${clean(valid!.targets[i]!)}\n`).join(''));
  }
  const checkpoint = getString(args, 'checkpoint');
  if (checkpoint) await checkWritable(checkpoint, '--checkpoint');
  const resume = getString(args, 'resume');

  let tr: Seq2SeqTranslator;
  if (resume) {
    // One message naming the file once (the loader's messages already start with the path).
    tr = await loadModelFile(resume, (p) => Seq2SeqTranslator.load(p), '--resume');
  } else {
    const flagBool = (name: string): boolean | undefined => (name in args.flags ? getBool(args, name) : undefined);
    const layers = numberFlag(args, 'layers', 1, { min: 1, max: 16, command: cmd });
    const units = numberFlag(args, 'units', 128, { min: 1, max: 8192, command: cmd });
    const opts: TranslatorOptions = {
      sourceTokens: (getString(args, 'source-tokens') ?? (g2p ? 'char' : 'word')) as TokenKind,
      targetTokens: (getString(args, 'target-tokens') ?? (g2p ? 'space' : 'word')) as TokenKind,
      ...(flagBool('lower') !== undefined ? { lower: flagBool('lower')! } : {}),
      minFreq: numberFlag(args, 'min-freq', 1, { min: 1, command: cmd }),
      ...(getNumber(args, 'max-vocab') !== undefined ? { maxVocab: numberFlag(args, 'max-vocab', 0, { min: 5, command: cmd }) } : {}),
      cell: (getString(args, 'cell') ?? 'lstm') as 'lstm' | 'gru',
      units,
      decoderUnits: numberFlag(args, 'decoder-units', units, { min: 1, max: 8192, command: cmd }),
      encoderLayers: layers,
      decoderLayers: layers,
      embeddingDim: numberFlag(args, 'embedding', 64, { min: 1, max: 8192, command: cmd }),
      attention: (getString(args, 'attention') ?? 'bahdanau') as TranslatorOptions['attention'],
      ...(flagBool('bidirectional') !== undefined ? { bidirectional: flagBool('bidirectional')! } : {}),
      ...(flagBool('input-feeding') !== undefined ? { inputFeeding: flagBool('input-feeding')! } : {}),
      tieEmbeddings: getBool(args, 'tie-embeddings'),
      dropout: numberFlag(args, 'dropout', 0.2, { min: 0, max: 0.95, command: cmd }),
      seed: getNumber(args, 'seed') ?? 0,
    };
    try {
      tr = Seq2SeqTranslator.create(data, opts);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  const metricDefault = tr.metric;
  const monitor = (getString(args, 'monitor') ?? (valid ? metricDefault : 'loss')) as (typeof MONITORS)[number];
  if (monitor !== 'loss' && !valid) throw new UsageError(`--monitor ${monitor} needs validation data`, cmd);
  const monitorKey = monitor === 'loss' ? (valid ? 'val_loss' : 'loss') : `val_${monitor}`;
  const mode = monitor === 'bleu' ? 'max' : 'min';
  const patience = getNumber(args, 'patience');
  const epochs = numberFlag(args, 'epochs', 10, { min: 1, command: cmd });
  const c = tr.model.config;

  if (json) {
    jsonLine(io, {
      event: 'start', command: cmd, task, pairs: data.sources.length, validPairs: valid?.sources.length ?? 0, sourceVocab: tr.sourceVocab.size,
      targetVocab: tr.targetVocab.size, parameters: tr.model.countParams(), cell: c.encoderCell, units: c.units, decoderUnits: c.decoderUnits,
      layers: c.encoderLayers, attention: c.attention, bidirectional: c.bidirectional, inputFeeding: c.inputFeeding, monitor: monitorKey, resume: resume ?? null,
    });
  } else {
    out(`data    ${fmtInt(data.sources.length)} training pairs, ${fmtInt(valid?.sources.length ?? 0)} validation pairs; vocabularies ${fmtInt(tr.sourceVocab.size)} → ${fmtInt(tr.targetVocab.size)} (${tr.sourceTokens} → ${tr.targetTokens})`);
    out(
      `model   ${c.bidirectional ? 'bi-' : ''}${c.encoderCell.toUpperCase()} ${c.encoderLayers}×${c.units} → ${c.decoderCell.toUpperCase()} ${c.decoderLayers}×${c.decoderUnits}, ` +
        `attention ${c.attention}${c.inputFeeding ? ' + input feeding' : ''}: ${fmtInt(tr.model.countParams())} parameters`,
    );
    out(`plan    ${epochs} epoch${epochs === 1 ? '' : 's'}; best epoch by ${monitorKey} goes to ${outPath}${resume ? `; resuming ${resume}` : ''}`);
    out();
  }

  const best = new EarlyStopping({ monitor: monitorKey, mode, patience: patience ?? Number.MAX_SAFE_INTEGER, restoreBestWeights: true });
  const callbacks: Callback[] = [best];
  if (checkpoint) callbacks.push(new ModelCheckpoint({ path: checkpoint }));
  callbacks.push({
    onEpochEnd: (epoch: number, logs: Logs, ctx: TrainingContext) => {
      const seconds = (performance.now() - t0) / 1000;
      const steps = ctx.optimizer.iterations;
      if (json) jsonLine(io, { event: 'epoch', epoch: epoch + 1, epochs: ctx.epochs, steps, seconds: +seconds.toFixed(2), ...logs });
      else out(`epoch ${String(epoch + 1).padStart(3)}/${ctx.epochs}  ${fmtDuration(seconds).padStart(6)}  step ${fmtInt(steps)}  ${Object.entries(logs).map(([k, v]) => fmtMetric(k, v)).join('  ')}`);
    },
  });
  const seconds = getNumber(args, 'seconds');
  const maxSteps = getNumber(args, 'max-steps');
  const schedule = lrSchedule(args, cmd);
  let history;
  try {
    history = await tr.train(data, {
      ...(valid ? { valid } : {}),
      metric: monitor,
      epochs,
      batchSize: numberFlag(args, 'batch-size', 64, { min: 1, command: cmd }),
      // Resuming keeps the checkpoint's learning rate unless --lr is given.
      ...(!resume || 'lr' in args.flags ? { lr: numberFlag(args, 'lr', 1e-3, { min: 0, minExclusive: true, command: cmd }) } : {}),
      ...(schedule ? { schedule } : {}),
      clipNorm: numberFlag(args, 'clip', 1, { min: 0, command: cmd }),
      samplingRate: numberFlag(args, 'sampling-rate', 0, { min: 0, max: 1, command: cmd }),
      labelSmoothing: numberFlag(args, 'label-smoothing', 0, { min: 0, max: 1, command: cmd }),
      validationLimit: numberFlag(args, 'valid-limit', 500, { min: 1, command: cmd }),
      seed: getNumber(args, 'seed') ?? 0,
      callbacks,
      ...(resume ? { resume } : {}),
      ...(seconds !== undefined ? { timeBudgetSeconds: seconds } : {}),
      ...(maxSteps !== undefined ? { maxSteps: numberFlag(args, 'max-steps', 1, { min: 1, command: cmd }) } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  await tr.save(outPath);
  const total = (performance.now() - t0) / 1000;
  const bestValue = best.bestEpoch >= 0 ? history.history[monitorKey]?.[history.epochs.indexOf(best.bestEpoch)] : undefined;
  if (json) {
    jsonLine(io, { event: 'done', out: outPath, seconds: +total.toFixed(2), epochs: history.epochs.length, bestEpoch: best.bestEpoch + 1, monitor: monitorKey, best: bestValue ?? null, stopReason: history.stopReason });
    return 0;
  }
  out();
  if (history.stopReason) out(`Stopped: ${history.stopReason}.`);
  out(`Trained ${history.epochs.length} epoch(s) in ${fmtDuration(total)}; best ${monitorKey} ${bestValue === undefined ? '-' : bestValue.toFixed(3)} at epoch ${best.bestEpoch + 1}.`);
  out(`Saved ${outPath}.`);
  return 0;
}

/**
 * `--lr-decay X [--decay-after N]`: with N, the rate of epoch i (from 0) is lr · X^max(0, i − N + 1)
 * (N epochs at the full rate, then ×X per epoch: `ExponentialLR({ gamma: X, decayAfter: N })`; a
 * function of the epoch, so a resumed run continues the same curve from the optimizer's initial
 * rate); without N, ×X whenever val_loss (or loss without validation) does not improve on its best
 * (ReduceLROnPlateau, patience 0).
 */
function lrSchedule(args: ParsedArgs, cmd: string): LRSchedule | ReduceLROnPlateau | undefined {
  const after = getNumber(args, 'decay-after');
  if (!('lr-decay' in args.flags)) {
    if (after !== undefined) throw new UsageError('--decay-after needs --lr-decay', cmd);
    return undefined;
  }
  const factor = numberFlag(args, 'lr-decay', 0.5, { min: 0, max: 1, minExclusive: true, command: cmd });
  if (factor >= 1) throw new UsageError(`--lr-decay must be below 1, got ${factor}`, cmd);
  if (after === undefined) return new ReduceLROnPlateau({ factor, patience: 0 });
  return new ExponentialLR({ gamma: factor, decayAfter: numberFlag(args, 'decay-after', 0, { min: 0, command: cmd }) });
}

// ---------------------------------------------------------------------------------------------
// seq2seq eval

const DECODE_FLAGS: FlagSpec[] = [
  { name: 'beam', type: 'integer', default: 5, description: 'beam size (1 = greedy)' },
  { name: 'length-penalty', type: 'string', choices: ['gnmt', 'average', 'none'], default: 'gnmt', description: 'length normalisation of beam hypotheses' },
  { name: 'alpha', type: 'number', description: 'α of the length penalty (default 0.6 gnmt, 1 average)' },
  { name: 'max-length', type: 'integer', description: 'most target tokens per sentence (default 2·source + 10)' },
  { name: 'batch-size', type: 'integer', default: 32, description: 'sentences decoded together' },
  { name: 'no-unk', type: 'boolean', description: 'never output <unk> (the next most likely token instead)' },
];

function decodeOptions(args: ParsedArgs, cmd: string): TranslateOptions {
  const alpha = getNumber(args, 'alpha');
  const maxLength = getNumber(args, 'max-length');
  return {
    beamSize: numberFlag(args, 'beam', 5, { min: 1, max: 1000, command: cmd }),
    lengthPenalty: (getString(args, 'length-penalty') ?? 'gnmt') as LengthPenalty,
    ...(alpha !== undefined ? { alpha } : {}),
    ...(maxLength !== undefined ? { maxLength: numberFlag(args, 'max-length', 1, { min: 1, command: cmd }) } : {}),
    batchSize: numberFlag(args, 'batch-size', 32, { min: 1, command: cmd }),
    noUnk: getBool(args, 'no-unk'),
  };
}

export const seq2seqEvalCommand: Command = {
  name: 'seq2seq eval',
  summary: 'score a seq2seq model: corpus BLEU, or WER/PER for G2P',
  usage: 'seq2seq eval --model MODEL (--pairs FILE | --source FILE --target FILE | --multi30k DIR [--split S]) [flags]',
  details:
    'BLEU is sacreBLEU\'s default corpus BLEU (13a tokenisation, exp smoothing; lower-cased when the model\n' +
    'lower-cases). WER is the share of distinct sources whose output matches none of their targets, PER the\n' +
    'token edit distance to the closest target over its length (CMUdict G2P scoring). The default metric is\n' +
    'WER/PER for character-level sources, else BLEU.',
  flags: [
    { name: 'model', type: 'string', valueName: 'MODEL', description: 'a model saved by `seq2seq train`' },
    ...DATA_FLAGS,
    { name: 'split', type: 'string', choices: ['train', 'val', 'test_2016_flickr'], default: 'test_2016_flickr', description: 'Multi30k split' },
    { name: 'metric', type: 'string', choices: ['bleu', 'wer'], description: 'metric (default: by the model)' },
    { name: 'limit', type: 'integer', description: 'score only the first N sentences (distinct sources for WER)' },
    ...DECODE_FLAGS,
    { name: 'json', type: 'boolean', description: 'print one JSON line' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'seq2seq eval';
    const modelPath = required(args, 'model', cmd, 'MODEL');
    const data = await loadData(args, cmd, (getString(args, 'split') ?? 'test_2016_flickr') as Multi30kSplit);
    if (!data) throw new UsageError('missing data: --pairs FILE, --source FILE --target FILE, or --multi30k DIR', cmd);
    const tr = await loadTranslator(modelPath);
    const limit = getNumber(args, 'limit');
    const metric = getString(args, 'metric') as 'bleu' | 'wer' | undefined;
    const r = tr.evaluate(data, { ...decodeOptions(args, cmd), ...(metric ? { metric } : {}), ...(limit !== undefined ? { limit: numberFlag(args, 'limit', 1, { min: 1, command: cmd }) } : {}) });
    if (getBool(args, 'json')) {
      jsonLine(io, { event: 'eval', model: modelPath, ...r, seconds: +r.seconds.toFixed(3), sentencesPerSecond: +r.sentencesPerSecond.toFixed(2) });
      return 0;
    }
    const speed = `${fmtInt(r.sentences)} sentences in ${r.seconds.toFixed(1)} s (${r.sentencesPerSecond.toFixed(1)}/s)`;
    if (r.metric === 'bleu') io.stdout.write(`${r.bleuDetail}\n${speed}\n`);
    else io.stdout.write(`WER ${r.wer!.toFixed(2)} %  PER ${r.per!.toFixed(2)} %  over ${speed}\n`);
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// seq2seq translate

export const seq2seqTranslateCommand: Command = {
  name: 'seq2seq translate',
  summary: 'translate sentences given as arguments or on stdin (one per line)',
  usage: "seq2seq translate --model MODEL [--beam 5] [TEXT ...]   (or: ... | recurrent seq2seq translate --model MODEL)",
  details:
    'Prints one translation per line. --attention-map FILE.svg draws the attention of the first sentence\n' +
    '(rows: output tokens, columns: input tokens). --sample draws from the model instead of searching.',
  positionals: 'TEXT...',
  flags: [
    { name: 'model', type: 'string', valueName: 'MODEL', description: 'a model saved by `seq2seq train`' },
    ...DECODE_FLAGS,
    { name: 'n-best', type: 'integer', default: 1, description: 'hypotheses printed per sentence (≤ --beam)' },
    { name: 'sample', type: 'boolean', description: 'sample instead of beam search' },
    { name: 'temperature', type: 'number', default: 1, description: 'sampling temperature (with --sample)' },
    { name: 'top-k', type: 'integer', default: 0, description: 'sample among the k most likely tokens (0: all; with --sample)' },
    { name: 'seed', type: 'integer', default: 0, description: 'sampling seed' },
    { name: 'attention-map', type: 'string', valueName: 'FILE', description: 'write the first sentence\'s attention as an SVG heat map' },
    { name: 'json', type: 'boolean', description: 'print one JSON line per sentence' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'seq2seq translate';
    const modelPath = required(args, 'model', cmd, 'MODEL');
    const json = getBool(args, 'json');
    let texts = args.positionals;
    if (texts.length === 0) {
      if (!io.stdin || io.stdin.isTTY) throw new UsageError('give the sentences as arguments (quoted), or pipe them in, one per line', cmd);
      texts = await readLines(io.stdin);
    }
    texts = texts.filter((t) => t.trim() !== '');
    if (texts.length === 0) throw new CliError('no sentence to translate (only blank input)');
    // Without --sample they would be ignored silently (beam search does not sample).
    if (!getBool(args, 'sample') && ('top-k' in args.flags || 'temperature' in args.flags)) throw new UsageError('--top-k and --temperature apply only with --sample', cmd);
    const mapPath = getString(args, 'attention-map');
    if (mapPath) await checkWritable(mapPath, '--attention-map');
    const tr = await loadTranslator(modelPath);
    const opts: TranslateOptions = { ...decodeOptions(args, cmd), nBest: numberFlag(args, 'n-best', 1, { min: 1, command: cmd }) };
    if ((opts.nBest ?? 1) > (opts.beamSize ?? 5)) throw new UsageError(`--n-best ${opts.nBest} exceeds --beam ${opts.beamSize}`, cmd);
    if (getBool(args, 'sample'))
      opts.sample = {
        temperature: numberFlag(args, 'temperature', 1, { min: 0, minExclusive: true, command: cmd }),
        topK: numberFlag(args, 'top-k', 0, { min: 0, command: cmd }),
        seed: getNumber(args, 'seed') ?? 0,
      };
    const results = tr.translate(texts, { ...opts, returnAttention: !!mapPath });
    for (const r of results) {
      if (json) jsonLine(io, { source: r.source, translation: r.text, tokens: r.tokens, score: r.score, logProb: r.logProb, finished: r.finished, ...(r.alternatives ? { alternatives: r.alternatives } : {}) });
      else {
        io.stdout.write(`${r.text}\n`);
        for (const a of r.alternatives ?? []) io.stdout.write(`  ${a.score.toFixed(3)}  ${a.text}\n`);
      }
    }
    if (mapPath) {
      const r = results[0]!;
      if (!r.attention) throw new CliError(`--attention-map: the model has no attention (it was trained with --attention none)`);
      const rows = r.finished ? [...r.tokens, '<eos>'] : r.tokens;
      await writeFile(mapPath, attentionSvg(r.attention, r.sourceTokens, rows, { title: r.source.length > 80 ? `${r.source.slice(0, 77)}...` : r.source }));
      if (!json) io.stderr.write(`attention map of "${r.source}" written to ${mapPath}\n`);
    }
    return 0;
  },
};

async function readLines(stdin: NonNullable<CliIO['stdin']>): Promise<string[]> {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  text += decoder.decode();
  return text.split('\n').map((l) => l.replace(/\r$/, ''));
}

// ---------------------------------------------------------------------------------------------
// Registration

/** The `seq2seq` subcommands, for `main.ts`'s command list. */
export const SEQ2SEQ_COMMANDS: Command[] = [seq2seqTrainCommand, seq2seqEvalCommand, seq2seqTranslateCommand];

/** `recurrent seq2seq --help` text parts, for `main.ts`'s GROUP_HELP. */
export const SEQ2SEQ_GROUP_HELP = {
  what: 'Encoder–decoder models with attention: translation (Multi30k, Tatoeba, your own parallel text) and\ngrapheme-to-phoneme conversion (CMUdict).',
  examples: [
    '  recurrent seq2seq train --multi30k data/multi30k --min-freq 2 --units 256 --out de-en.safetensors',
    '  recurrent seq2seq eval --model de-en.safetensors --multi30k data/multi30k --split test_2016_flickr --beam 5',
    "  recurrent seq2seq translate --model de-en.safetensors --attention-map att.svg 'Ein Hund rennt.'",
    '  recurrent seq2seq train --task g2p --pairs g014b2b.train.gz --out g2p.safetensors',
  ],
};

function groupHelp(): string {
  const width = Math.max(...SEQ2SEQ_COMMANDS.map((c) => c.name.length));
  return [
    'Usage: recurrent seq2seq <train|eval|translate> [flags]',
    '',
    SEQ2SEQ_GROUP_HELP.what,
    '',
    ...SEQ2SEQ_COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Examples:',
    ...SEQ2SEQ_GROUP_HELP.examples,
    '',
  ].join('\n');
}

/**
 * Runs `recurrent seq2seq <sub> [flags]` (argv after `seq2seq`). Resolves with the exit code;
 * mistakes throw `UsageError`, bad input `CliError` (the main CLI prints them as one line).
 *
 * @example
 * await seq2seqCommand(['translate', '--model', 'g2p.safetensors', 'RECURRENT'], { stdout: process.stdout, stderr: process.stderr });
 */
export async function seq2seqCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const sub = argv[0];
  const names = SEQ2SEQ_COMMANDS.map((c) => c.name.slice('seq2seq '.length));
  if (sub === undefined) throw new UsageError(`'seq2seq' needs a subcommand: ${names.join(', ')}`, 'seq2seq');
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout.write(groupHelp());
    return 0;
  }
  const command = SEQ2SEQ_COMMANDS.find((c) => c.name === `seq2seq ${sub}`);
  if (!command) {
    const guess = closest(sub, names);
    throw new UsageError(`unknown subcommand 'seq2seq ${sub}'${guess ? ` (did you mean 'seq2seq ${guess}'?)` : ''}; subcommands: ${names.join(', ')}`, 'seq2seq');
  }
  const args = parseArgs(argv.slice(1), command.flags, command.name);
  if (args.flags.help === true) {
    io.stdout.write([`Usage: recurrent ${command.usage}`, '', `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`, ...(command.details ? ['', command.details] : []), '', 'Flags:', formatFlags(command.flags), ''].join('\n'));
    return 0;
  }
  if (args.positionals.length > 0 && !command.positionals) throw new UsageError(`unexpected argument '${args.positionals[0]}' for 'recurrent ${command.name}'; it takes only flags`, command.name);
  return command.run(args, io);
}
