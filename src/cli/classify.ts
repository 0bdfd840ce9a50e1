/** `recurrent classify train|eval|predict`: text classification (sentiment analysis) on the user's data. */
import { stat } from 'node:fs/promises';
import { BUILTIN_DATASETS, TextClassifier, crossValidate, datasetSplits, formatClassificationReport, getBackend, loadBuiltinDataset, loadLabeledData, loadSSTPhraseTraining } from '../index.js';
import type {
  BatchReport,
  BuiltinDataset,
  ClassificationReport,
  DatasetSplit,
  EpochReport,
  FoldReport,
  LabeledData,
  TextClassifierOptions,
} from '../index.js';
import { HELP_FLAG, UsageError, getBool, getNumber, getString } from './args.js';
import type { FlagSpec, ParsedArgs } from './args.js';
import { CliError, checkModelFile, checkWritable, fmtBytes, fmtDuration, fmtInt, jsonLine, numberFlag, required } from './io.js';
import type { CliIO, Command, Writer } from './io.js';

const FORMATS = ['csv', 'tsv', 'jsonl', 'folders', 'label-tab-text'] as const;

/** Flags that say where labelled data comes from (train and eval). */
function dataFlags(what: string): FlagSpec[] {
  return [
    { name: 'data', type: 'string', valueName: 'FILE', description: `${what}: a CSV/TSV/JSONL/label<TAB>text file (optionally .gz) or a folder with one sub-folder per class` },
    { name: 'format', type: 'string', choices: FORMATS, description: 'file format (default: from the extension; a folder is read as folders)' },
    { name: 'text-column', type: 'string', valueName: 'NAME', default: 'text', description: 'CSV/TSV column or JSONL field with the text' },
    { name: 'label-column', type: 'string', valueName: 'NAME', default: 'label', description: 'CSV/TSV column or JSONL field with the label' },
    { name: 'encoding', type: 'string', choices: ['utf8', 'windows-1252', 'latin1'], default: 'utf8', description: 'text encoding of the files' },
    { name: 'skip-bad-lines', type: 'boolean', description: 'skip malformed lines (and count them) instead of stopping at the first' },
    { name: 'dataset', type: 'string', choices: BUILTIN_DATASETS, description: 'a standard corpus instead of --data (needs --data-dir)' },
    { name: 'data-dir', type: 'string', valueName: 'DIR', description: 'folder holding the --dataset files (e.g. the SST stsa.binary.*.gz files)' },
  ];
}

function pct(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(digits)}%`;
}

function fmtRate(v: number): string {
  return v >= 100 ? fmtInt(v) : v.toFixed(1);
}

function quote(s: string): string {
  return /^[\w./@:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Turns a library error about the user's input into a one-line CLI error. */
function asCliError(e: unknown, prefix = ''): never {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err instanceof CliError || err instanceof UsageError) throw err;
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) throw err;
  throw new CliError(prefix + err.message, { cause: err });
}

interface DataSpec {
  dataset: BuiltinDataset | null;
  dataDir: string | null;
}

function datasetSpec(args: ParsedArgs, cmd: string): DataSpec {
  const dataset = (getString(args, 'dataset') ?? null) as BuiltinDataset | null;
  const dataDir = getString(args, 'data-dir') ?? null;
  if (dataset && getString(args, 'data') !== undefined) throw new UsageError('give either --data FILE or --dataset NAME --data-dir DIR, not both', cmd);
  if (dataset && !dataDir) throw new UsageError(`--dataset ${dataset} needs --data-dir DIR, the folder holding its files`, cmd);
  if (!dataset && dataDir) throw new UsageError('--data-dir is only used with --dataset', cmd);
  return { dataset, dataDir };
}

/** Loads the labelled file named by flag `flag` (`data`, `valid`) with the shared format flags. */
async function loadFileFlag(args: ParsedArgs, flag: string, io: CliIO, json: boolean): Promise<LabeledData> {
  const path = getString(args, flag)!;
  const format = getString(args, 'format') as (typeof FORMATS)[number] | undefined;
  const d = await loadLabeledData(path, {
    ...(format ? { format } : {}),
    textColumn: getString(args, 'text-column') ?? 'text',
    labelColumn: getString(args, 'label-column') ?? 'label',
    encoding: (getString(args, 'encoding') ?? 'utf8') as 'utf8',
    skipBadLines: getBool(args, 'skip-bad-lines'),
  }).catch((e) => asCliError(e, (e as Error).message.startsWith(path) ? '' : `--${flag} ${path}: `));
  reportSkipped(d, io, json);
  return d;
}

async function loadSplit(spec: DataSpec, split: DatasetSplit): Promise<LabeledData> {
  return loadBuiltinDataset(spec.dataset!, spec.dataDir!, split).catch((e) => asCliError(e, `--dataset ${spec.dataset}: `));
}

function reportSkipped(d: LabeledData, io: CliIO, json: boolean): void {
  if (d.skipped.length === 0) return;
  const s = d.skipped[0]!;
  if (json) jsonLine(io, { event: 'skipped', source: d.source, count: d.skipped.length, first: s });
  else io.stderr.write(`warning: skipped ${fmtInt(d.skipped.length)} malformed line${d.skipped.length > 1 ? 's' : ''} of ${d.source} (first: ${s.file}:${s.line}: ${s.reason})\n`);
}

/** `negative 3,310, positive 3,610`. */
function classCounts(labels: readonly string[], classes: readonly string[] | null): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const order = classes ?? [...counts.keys()].sort();
  const shown = order.slice(0, 12).map((c) => `${c} ${fmtInt(counts.get(c) ?? 0)}`);
  return shown.join(', ') + (order.length > 12 ? `, ... (${order.length} classes)` : '');
}

/** A progress bar on a TTY: epoch, bar, batches, ETA, loss and accuracy. */
class Bar {
  private shown = false;
  constructor(private readonly out: Writer) {}
  update(b: BatchReport, lastVal: number | null): void {
    const width = 24;
    const fill = Math.round((b.step / b.steps) * width);
    const bar = '='.repeat(Math.max(0, fill - 1)) + (fill ? '>' : '') + ' '.repeat(width - fill);
    const eta = (b.seconds / b.step) * (b.steps - b.step);
    this.out.write(
      `\r\x1b[Kepoch ${b.epoch}/${b.epochs} [${bar}] ${b.step}/${b.steps} eta ${fmtDuration(eta)}  loss ${b.loss.toFixed(4)}  acc ${pct(b.accuracy, 1)}` +
        (lastVal !== null ? `  val acc ${pct(lastVal, 1)}` : ''),
    );
    this.shown = true;
  }
  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}

// ---------------------------------------------------------------------------------------------
// classify train

const MODEL_FLAGS: FlagSpec[] = [
  { name: 'tokenizer', type: 'string', choices: ['word', 'char', 'bpe'], default: 'word', description: 'tokens: words, characters or BPE subwords' },
  { name: 'vocab-size', type: 'integer', description: 'largest vocabulary (default 30000; bpe: 8000 subwords)' },
  { name: 'min-freq', type: 'integer', default: 1, description: 'rarer words become <unk>' },
  { name: 'max-len', type: 'integer', default: 400, description: 'longest text in tokens (longer ones keep their start and end)' },
  { name: 'embedding-dim', type: 'integer', default: 128, description: 'embedding size (with --pretrained: the vectors\' size)' },
  { name: 'pretrained', type: 'string', valueName: 'FILE', description: 'word2vec vectors (text or binary, or .safetensors) to start the embedding from' },
  { name: 'freeze-embeddings', type: 'boolean', description: 'keep the --pretrained vectors fixed' },
  { name: 'cell', type: 'string', choices: ['lstm', 'gru'], default: 'lstm', description: 'recurrent cell' },
  { name: 'bidirectional', type: 'boolean', default: true, description: 'read both directions (--bidirectional=false for one)' },
  { name: 'layers', type: 'integer', default: 1, description: 'stacked recurrent layers' },
  { name: 'units', type: 'integer', default: 128, description: 'hidden units per direction' },
  { name: 'pooling', type: 'string', choices: ['last', 'max', 'mean', 'attention'], default: 'max', description: 'how hidden states become one vector' },
  { name: 'dropout', type: 'number', default: 0.5, description: 'dropout on embeddings and before the output layer' },
  { name: 'class-weights', type: 'string', valueName: 'balanced|W1,W2,...', description: 'loss weight per class (balanced: inverse frequency)' },
];

const FIT_FLAGS: FlagSpec[] = [
  { name: 'epochs', type: 'integer', default: 10, description: 'passes over the training data (at most, with early stopping)' },
  { name: 'batch-size', type: 'integer', default: 32, description: 'texts per step' },
  { name: 'lr', type: 'number', default: 1e-3, description: 'Adam learning rate' },
  { name: 'lr-decay', type: 'number', default: 1, description: 'multiply the learning rate by this after every epoch' },
  { name: 'patience', type: 'integer', default: 3, description: 'stop after this many epochs without a better validation accuracy (0: never stop early)' },
  { name: 'bucketing', type: 'boolean', default: true, description: 'batch texts of similar length together (--bucketing=false to turn off)' },
  { name: 'seed', type: 'integer', default: 0, description: 'random seed' },
];

export const classifyTrainCommand: Command = {
  name: 'classify train',
  summary: 'train a text classifier (e.g. sentiment) on labelled texts',
  usage: 'classify train (--data FILE | --dataset sst2|sst5|mr|imdb --data-dir DIR) [--valid FILE] [--folds K] --out MODEL.safetensors [flags]',
  details:
    'Builds a vocabulary from the training texts and trains Embedding → (Bi)LSTM/GRU → pooling → softmax.\n' +
    'Validation: --valid FILE, else the dev split of --dataset sst2/sst5, else --valid-fraction of the\n' +
    'training data; after each epoch the validation accuracy is printed and the best epoch is kept.\n' +
    'With --folds K it runs K-fold cross-validation instead (MR\'s protocol: --dataset mr --folds 10) and\n' +
    'reports the mean accuracy; --out then also trains and saves a model on all the data.\n' +
    'SST: --phrases FILE trains on every labelled phrase of the training trees (GLUE\'s SST-2 train.tsv,\n' +
    '67,349 phrases), as the published SST LSTMs do; dev and test stay the official sentences.\n' +
    'Ctrl-C stops after the current batch and still saves the best model so far.\n\n' +
    'Examples:\n' +
    '  recurrent classify train --data reviews.csv --text-column review --label-column sentiment --out sentiment.safetensors\n' +
    '  recurrent classify train --dataset sst2 --data-dir data/sst --out sst2.safetensors\n' +
    '  recurrent classify train --dataset sst2 --data-dir data/sst --phrases SST-2/train.tsv --pretrained vectors.bin --out sst2.safetensors\n' +
    '  recurrent classify train --dataset mr --data-dir data/mr-polarity --folds 10',
  flags: [
    ...dataFlags('training data'),
    { name: 'valid', type: 'string', valueName: 'FILE', description: 'validation data (same format as --data)' },
    { name: 'phrases', type: 'string', valueName: 'FILE', description: "with --dataset sst2/sst5: train on SST's phrase-level labels from FILE (GLUE SST-2 train.tsv or stsa.*.phrases.train) instead of the train sentences" },
    { name: 'valid-fraction', type: 'number', default: 0.1, description: 'without --valid or a dev split: share of the training data held out' },
    { name: 'folds', type: 'integer', valueName: 'K', description: 'K-fold cross-validation on the training data' },
    { name: 'out', type: 'string', valueName: 'MODEL', description: 'where to save the model (.safetensors)' },
    ...MODEL_FLAGS,
    ...FIT_FLAGS,
    { name: 'json', type: 'boolean', description: 'print JSON lines (progress events and the result) instead of text' },
    HELP_FLAG,
  ],
  run: runTrain,
};

function modelOptions(args: ParsedArgs, cmd: string, classes: string[] | null): TextClassifierOptions {
  const pretrained = getString(args, 'pretrained');
  if (getBool(args, 'freeze-embeddings') && !pretrained) throw new UsageError('--freeze-embeddings needs --pretrained FILE', cmd);
  const cwRaw = getString(args, 'class-weights');
  let classWeights: 'balanced' | number[] | null = null;
  if (cwRaw !== undefined) {
    if (cwRaw === 'balanced') classWeights = 'balanced';
    else {
      const ws = cwRaw.split(',').map((s) => Number(s.trim()));
      if (ws.length < 2 || ws.some((w) => !Number.isFinite(w) || w < 0)) throw new UsageError(`--class-weights must be 'balanced' or comma-separated non-negative numbers, got '${cwRaw}'`, cmd);
      classWeights = ws;
    }
  }
  const bidi = args.flags['bidirectional'];
  const o: TextClassifierOptions = {
    tokenizer: (getString(args, 'tokenizer') ?? 'word') as 'word',
    minFreq: numberFlag(args, 'min-freq', 1, { min: 1, command: cmd }),
    maxLen: numberFlag(args, 'max-len', 400, { min: 1, command: cmd }),
    embeddingDim: numberFlag(args, 'embedding-dim', 128, { min: 1, max: 4096, command: cmd }),
    cell: (getString(args, 'cell') ?? 'lstm') as 'lstm',
    bidirectional: bidi === undefined ? true : Array.isArray(bidi) ? bidi[bidi.length - 1] === true : bidi === true,
    numLayers: numberFlag(args, 'layers', 1, { min: 1, max: 8, command: cmd }),
    units: numberFlag(args, 'units', 128, { min: 1, max: 4096, command: cmd }),
    pooling: (getString(args, 'pooling') ?? 'max') as 'max',
    dropout: numberFlag(args, 'dropout', 0.5, { min: 0, max: 0.95, command: cmd }),
    classWeights,
    seed: getNumber(args, 'seed') ?? 0,
    ...(classes ? { classes } : {}),
    ...(pretrained ? { pretrained: { path: pretrained, freeze: getBool(args, 'freeze-embeddings') } } : {}),
  };
  const vs = getNumber(args, 'vocab-size');
  if (vs !== undefined) o.vocabSize = numberFlag(args, 'vocab-size', vs, { min: 3, command: cmd });
  return o;
}

/** One line describing a classifier: cell, pooling, tokens, vocabulary, embedding, parameters, backend. */
export function describeModel(clf: TextClassifier): string {
  const o = clf.options;
  const cell = o.cell.toUpperCase();
  const rnn = `${o.bidirectional ? 'Bi' : ''}${cell} ${o.numLayers > 1 ? `${o.numLayers}×` : ''}${o.units}`;
  const emb = o.pretrained ? `pretrained embedding (${o.pretrained.freeze ? 'frozen' : 'fine-tuned'}, ${pct(clf.pretrainedCoverage, 1)} of the vocabulary found)` : `embedding ${o.embeddingDim}`;
  return `${rnn}, ${o.pooling} pooling, ${o.tokenizer} tokens, vocabulary ${fmtInt(clf.vocabulary?.size ?? 0)}, ${emb}: ${fmtInt(clf.parameterCount)} parameters (backend ${getBackend()})`;
}

async function runTrain(args: ParsedArgs, io: CliIO): Promise<number> {
  const t0 = performance.now();
  const cmd = 'classify train';
  const json = getBool(args, 'json');
  const spec = datasetSpec(args, cmd);
  if (!spec.dataset && getString(args, 'data') === undefined) throw new UsageError('missing --data FILE (or --dataset NAME --data-dir DIR)', cmd);
  const folds = getNumber(args, 'folds');
  if (folds !== undefined && !(Number.isInteger(folds) && folds >= 2)) throw new UsageError(`--folds must be a whole number ≥ 2, got ${folds}`, cmd);
  const outPath = getString(args, 'out');
  if (!outPath && folds === undefined) throw new UsageError('missing --out MODEL.safetensors', cmd);
  if (outPath) await checkWritable(outPath, '--out');
  const epochs = numberFlag(args, 'epochs', 10, { min: 1, command: cmd });
  const batchSize = numberFlag(args, 'batch-size', 32, { min: 1, max: 65536, command: cmd });
  const lr = numberFlag(args, 'lr', 1e-3, { min: 0, minExclusive: true, command: cmd });
  const lrDecay = numberFlag(args, 'lr-decay', 1, { min: 0, minExclusive: true, max: 1, command: cmd });
  const patience = numberFlag(args, 'patience', 3, { min: 0, command: cmd });
  const validFractionFlag = getNumber(args, 'valid-fraction');
  const validFraction = numberFlag(args, 'valid-fraction', 0.1, { min: 0, max: 0.9, command: cmd });
  if (getString(args, 'valid') !== undefined && validFractionFlag !== undefined) throw new UsageError('give either --valid FILE or --valid-fraction, not both', cmd);
  const bucketingFlag = args.flags['bucketing'];
  const bucketing = bucketingFlag === undefined ? true : (Array.isArray(bucketingFlag) ? bucketingFlag[bucketingFlag.length - 1] : bucketingFlag) === true;
  const out = (s = ''): void => {
    if (!json) io.stdout.write(s + '\n');
  };

  // Data.
  let train: LabeledData;
  let valid: LabeledData | null = null;
  if (spec.dataset) {
    const splits = datasetSplits(spec.dataset);
    const phrases = getString(args, 'phrases');
    if (phrases !== undefined) {
      if (spec.dataset !== 'sst2' && spec.dataset !== 'sst5') throw new UsageError(`--phrases is SST's phrase-level training set; it goes with --dataset sst2 or sst5, not ${spec.dataset}`, cmd);
      train = await loadSSTPhraseTraining(spec.dataset, phrases).catch((e) => asCliError(e, (e as Error).message.startsWith(phrases) ? '' : `--phrases ${phrases}: `));
    } else train = await loadSplit(spec, splits.includes('train') ? 'train' : 'all');
    if (splits.includes('dev') && getString(args, 'valid') === undefined && validFractionFlag === undefined && folds === undefined) valid = await loadSplit(spec, 'dev');
  } else {
    if (getString(args, 'phrases') !== undefined) throw new UsageError('--phrases goes with --dataset sst2 or sst5 (the dev and test sentences come from there)', cmd);
    train = await loadFileFlag(args, 'data', io, json);
  }
  if (getString(args, 'valid') !== undefined) {
    if (folds !== undefined) throw new UsageError('--valid is not used with --folds (each fold holds out its own validation data)', cmd);
    valid = await loadFileFlag(args, 'valid', io, json);
  }
  const classes = train.classes;
  const options = modelOptions(args, cmd, classes);
  const distinct = new Set(train.labels);
  if (distinct.size < 2) throw new CliError(`${train.source}: every example has the label ${JSON.stringify(train.labels[0])}; a classifier needs at least two classes`);
  if (distinct.size > 1000) throw new CliError(`${train.source}: ${fmtInt(distinct.size)} distinct labels; is --label-column (${getString(args, 'label-column') ?? 'label'}) really the label?`);
  if (valid) {
    const known = new Set(train.labels);
    const i = valid.labels.findIndex((l) => !known.has(l));
    if (i >= 0) throw new CliError(`${valid.source}: example ${i + 1} has the label ${JSON.stringify(valid.labels[i])}, which the training data never uses (its labels: ${[...known].sort().slice(0, 10).map((c) => JSON.stringify(c)).join(', ')})`);
  }
  const fitBase = {
    epochs,
    batchSize,
    lr,
    lrDecay,
    bucketing,
    earlyStopping: patience > 0 ? { patience } : false,
    ...(io.signal ? { signal: io.signal } : {}),
  };
  const tty = !json && !!io.stderr.isTTY;
  const bar = tty ? new Bar(io.stderr) : null;
  let lastVal: number | null = null;
  const onBatch = bar ? (b: BatchReport): void => bar.update(b, lastVal) : undefined;

  if (json) {
    jsonLine(io, {
      event: 'start', command: cmd, data: train.source, train: train.texts.length, valid: valid ? valid.texts.length : null, folds: folds ?? null,
      classes: classes ?? [...distinct].sort(), options, epochs, batchSize, lr, backend: getBackend(),
    });
  } else {
    out(`data     ${train.source}: ${fmtInt(train.texts.length)} texts; ${classCounts(train.labels, classes)}`);
    if (valid) out(`valid    ${valid.source}: ${fmtInt(valid.texts.length)} texts`);
    else if (folds === undefined && validFraction > 0) out(`valid    ${Math.round(validFraction * 100)}% of the training data (${fmtInt(Math.round(train.texts.length * validFraction))} texts), held out`);
  }

  const header = '  epoch   time    loss   acc    val loss  val acc  val F1  sent/s';
  const epochLine = (e: EpochReport, prefix = ''): string =>
    `${prefix}${String(e.epoch).padStart(7)}  ${fmtDuration(e.seconds).padStart(5)}  ${e.loss.toFixed(4)}  ${pct(e.accuracy, 1).padStart(6)}  ${(e.valLoss === null ? '-' : e.valLoss.toFixed(4)).padStart(8)}  ${pct(e.valAccuracy, 2).padStart(7)}  ${pct(e.valMacroF1, 1).padStart(6)}  ${fmtRate(e.sentencesPerSecond).padStart(6)}${e.best ? '  *' : ''}`;

  // Cross-validation.
  if (folds !== undefined) {
    if (folds > train.texts.length) throw new CliError(`--folds ${folds} is more than the ${train.texts.length} examples`);
    if (!json) out(`plan     ${folds}-fold cross-validation (seed ${options.seed ?? 0}); each fold trains up to ${epochs} epochs, ${validFraction > 0 ? `holding out ${Math.round(validFraction * 100)}% of its training part for early stopping` : 'without early stopping'}\n`);
    const cv = await crossValidate(train.texts, train.labels, folds, options.seed ?? 0, {
      model: options,
      validFraction,
      fit: {
        ...fitBase,
        ...(onBatch ? { onBatch } : {}),
        onEpoch: (e) => {
          bar?.clear();
          lastVal = e.valAccuracy;
          if (json) jsonLine(io, { event: 'epoch', ...e });
        },
      },
      onFoldStart: () => {
        lastVal = null;
      },
      onFold: (f: FoldReport) => {
        bar?.clear();
        if (json) jsonLine(io, { event: 'fold', fold: f.fold, folds: f.folds, accuracy: f.accuracy, macroF1: f.macroF1, trainSize: f.trainSize, validSize: f.validSize, testSize: f.testSize, epochs: f.epochs, bestEpoch: f.bestEpoch, seconds: +f.seconds.toFixed(2), sentencesPerSecond: Math.round(f.sentencesPerSecond) });
        else out(`fold ${String(f.fold).padStart(2)}/${f.folds}  accuracy ${pct(f.accuracy)}  macro-F1 ${pct(f.macroF1)}  epochs ${f.epochs} (best ${f.bestEpoch ?? '-'})  ${fmtDuration(f.seconds)}  ${fmtRate(f.sentencesPerSecond)} sent/s`);
      },
    }).catch((e) => asCliError(e));
    bar?.clear();
    const result = {
      folds: cv.folds.length, meanAccuracy: cv.meanAccuracy, stdAccuracy: cv.stdAccuracy, meanMacroF1: cv.meanMacroF1, seed: cv.seed,
      seconds: +cv.seconds.toFixed(2), sentencesPerSecond: Math.round(cv.sentencesPerSecond), aborted: cv.aborted,
    };
    if (json) jsonLine(io, { event: 'crossValidation', ...result, accuracies: cv.folds.map((f) => f.accuracy) });
    else {
      out();
      out(`${cv.aborted ? `Interrupted after ${cv.folds.length} of ${folds} folds. ` : ''}${cv.folds.length}-fold cross-validation (seed ${cv.seed}): mean accuracy ${pct(cv.meanAccuracy)} (sd ${pct(cv.stdAccuracy)}), mean macro-F1 ${pct(cv.meanMacroF1)}`);
      out(`Time ${fmtDuration(cv.seconds)}, ${fmtRate(cv.sentencesPerSecond)} training sentences/s.`);
    }
    if (!outPath || cv.aborted) {
      if (json) jsonLine(io, { event: 'done', out: null, seconds: +((performance.now() - t0) / 1000).toFixed(2) });
      return 0;
    }
    if (!json) out(`\nTraining the final model on all ${fmtInt(train.texts.length)} texts for --out ${outPath} ...`);
  }

  // One training run.
  const clf = TextClassifier.create(options);
  let headerShown = false;
  const fit = await clf
    .fit(train.texts, train.labels, {
      ...fitBase,
      ...(valid ? { valid } : validFraction > 0 ? { validFraction } : {}),
      ...(onBatch ? { onBatch: (b: BatchReport) => {
        if (!headerShown) showHeader();
        onBatch(b);
      } } : {}),
      onEpoch: (e) => {
        bar?.clear();
        lastVal = e.valAccuracy;
        if (json) jsonLine(io, { event: 'epoch', ...e });
        else {
          if (!headerShown) showHeader();
          out(epochLine(e));
        }
      },
    })
    .catch((e) => asCliError(e));
  bar?.clear();
  function showHeader(): void {
    headerShown = true;
    if (json) return;
    out(`model    ${describeModel(clf)}`);
    const steps = Math.ceil((train.texts.length * (valid || validFraction === 0 ? 1 : 1 - validFraction)) / batchSize);
    out(`plan     up to ${epochs} epoch${epochs > 1 ? 's' : ''} of ${fmtInt(steps)} batches (batch ${batchSize}, lr ${lr}${lrDecay !== 1 ? `, ×${lrDecay} per epoch` : ''})${patience > 0 && (valid || validFraction > 0) ? `, stopping after ${patience} epoch${patience > 1 ? 's' : ''} without a better validation accuracy` : ''}; Ctrl-C stops early and saves`);
    out();
    out(header);
  }
  if (fit.epochs.length === 0) throw new CliError('interrupted before the first epoch finished; nothing was saved');
  const best = fit.epochs.find((e) => e.epoch === fit.bestEpoch) ?? fit.epochs[fit.epochs.length - 1]!;
  let size = 0;
  if (outPath) {
    await clf.save(outPath);
    size = (await stat(outPath)).size;
  }
  const elapsed = (performance.now() - t0) / 1000;
  if (json) {
    jsonLine(io, {
      event: 'done', out: outPath ?? null, bytes: size, seconds: +elapsed.toFixed(2), trainSeconds: +fit.epochs.reduce((s, e) => s + e.trainSeconds, 0).toFixed(2),
      epochs: fit.epochs.length, bestEpoch: fit.bestEpoch, stopReason: fit.stopReason, valAccuracy: best.valAccuracy, valMacroF1: best.valMacroF1,
      sentencesPerSecond: Math.round(fit.sentencesPerSecond), trainSize: fit.trainSize, validSize: fit.validSize, vocabulary: clf.vocabulary?.size ?? 0,
      parameters: clf.parameterCount, pretrainedCoverage: clf.pretrainedCoverage,
    });
    return 0;
  }
  out();
  if (fit.stopReason === 'aborted') out('Stopped early (interrupted).');
  else if (fit.stopReason === 'earlyStopping') out(`Stopped early: no better validation accuracy for ${patience} epoch${patience > 1 ? 's' : ''}.`);
  const trainSeconds = fit.epochs.reduce((s, e) => s + e.trainSeconds, 0);
  out(`Trained ${fit.epochs.length} epoch${fit.epochs.length > 1 ? 's' : ''} on ${fmtInt(fit.trainSize)} texts in ${fmtDuration(elapsed)} (training ${fmtDuration(trainSeconds)}, ${fmtRate(fit.sentencesPerSecond)} sentences/s).`);
  if (best.valAccuracy !== null) out(`Kept epoch ${best.epoch}: validation accuracy ${pct(best.valAccuracy)}, macro-F1 ${pct(best.valMacroF1)} on ${fmtInt(fit.validSize)} texts.`);
  if (outPath) {
    out(`Saved ${outPath} (${fmtBytes(size)}).`);
    const evalData = spec.dataset
      ? `--dataset ${spec.dataset} --data-dir ${quote(spec.dataDir!)}${datasetSplits(spec.dataset).includes('test') ? ' --split test' : ''}`
      : '--data TEST_FILE';
    out(`Evaluate it:  npx recurrent classify eval --model ${quote(outPath)} ${evalData}`);
    out(`Classify:     echo 'a gripping, beautifully acted film' | npx recurrent classify predict --model ${quote(outPath)}`);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// classify eval

async function loadClassifier(path: string): Promise<TextClassifier> {
  await checkModelFile(path, '--model');
  try {
    return await TextClassifier.load(path);
  } catch (e) {
    let msg = (e as Error).message;
    if (msg.startsWith(`${path}: `)) msg = msg.slice(path.length + 2);
    throw new CliError(`--model ${path}: ${/text classifier/.test(msg) ? msg : `cannot be read as a model file (${msg})`}`);
  }
}

export const classifyEvalCommand: Command = {
  name: 'classify eval',
  summary: 'accuracy, macro-F1, per-class precision/recall and confusion matrix of a classifier',
  usage: 'classify eval --model MODEL (--data FILE | --dataset NAME --data-dir DIR [--split test]) [--json]',
  details: 'Scores a model saved by `classify train` on labelled texts (same formats and flags as training).',
  flags: [
    { name: 'model', type: 'string', valueName: 'MODEL', description: 'a model saved by `classify train`' },
    ...dataFlags('labelled texts to score'),
    { name: 'split', type: 'string', choices: ['train', 'dev', 'test', 'all'], default: 'test', description: 'which split of --dataset' },
    { name: 'json', type: 'boolean', description: 'print one JSON line instead of text' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'classify eval';
    const json = getBool(args, 'json');
    const modelPath = required(args, 'model', cmd, 'MODEL');
    const spec = datasetSpec(args, cmd);
    if (!spec.dataset && getString(args, 'data') === undefined) throw new UsageError('missing --data FILE (or --dataset NAME --data-dir DIR)', cmd);
    const clf = await loadClassifier(modelPath);
    let data: LabeledData;
    if (spec.dataset) {
      const split = (getString(args, 'split') ?? (spec.dataset === 'mr' ? 'all' : 'test')) as DatasetSplit;
      data = await loadSplit(spec, spec.dataset === 'mr' && split === 'test' ? 'all' : split);
    } else data = await loadFileFlag(args, 'data', io, json);
    const known = new Set(clf.classes);
    const bad = data.labels.findIndex((l) => !known.has(l));
    if (bad >= 0) {
      throw new CliError(`${data.source}: example ${bad + 1} has the label ${JSON.stringify(data.labels[bad])}, which the model does not know; its classes are ${clf.classes.map((c) => JSON.stringify(c)).join(', ')}`);
    }
    const t0 = performance.now();
    let r: ClassificationReport;
    try {
      r = clf.evaluate(data.texts, data.labels);
    } catch (e) {
      asCliError(e);
    }
    const seconds = (performance.now() - t0) / 1000;
    if (json) {
      jsonLine(io, {
        event: 'eval', model: modelPath, data: data.source, n: r.n, accuracy: r.accuracy, macroF1: r.macroF1, macroPrecision: r.macroPrecision, macroRecall: r.macroRecall,
        loss: r.loss, classes: r.classes, perClass: r.perClass, confusion: r.confusion, seconds: +seconds.toFixed(3), textsPerSecond: Math.round(r.n / seconds),
      });
    } else {
      io.stdout.write(`${data.source}: ${fmtInt(r.n)} texts scored in ${seconds.toFixed(1)} s (${fmtInt(r.n / seconds)} texts/s)\n\n`);
      io.stdout.write(formatClassificationReport(r) + '\n');
    }
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// classify predict

export const classifyPredictCommand: Command = {
  name: 'classify predict',
  summary: 'label texts given as arguments or read from stdin, one per line',
  usage: "classify predict --model MODEL [TEXT ...]   (or: ... | recurrent classify predict --model MODEL)",
  details:
    'Prints the most likely class, its probability and every class\'s probability for each text. Without\n' +
    'TEXT arguments it reads standard input, one text per line (blank lines are skipped).',
  positionals: 'TEXT...',
  flags: [
    { name: 'model', type: 'string', valueName: 'MODEL', description: 'a model saved by `classify train`' },
    { name: 'json', type: 'boolean', description: 'print one JSON line per text' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'classify predict';
    const json = getBool(args, 'json');
    const modelPath = required(args, 'model', cmd, 'MODEL');
    const fromArgs = args.positionals;
    if (fromArgs.length === 0 && (!io.stdin || io.stdin.isTTY)) {
      throw new UsageError("give the texts to classify as arguments (quoted), or pipe them in, one per line", cmd);
    }
    const clf = await loadClassifier(modelPath);
    const width = Math.max(...clf.classes.map((c) => c.length));
    const emit = (texts: string[]): void => {
      if (texts.length === 0) return;
      const preds = clf.predict(texts);
      preds.forEach((p, i) => {
        if (json) jsonLine(io, { text: texts[i], label: p.label, probability: p.probability, probabilities: p.probabilities });
        else {
          const all = clf.classes.length <= 6 ? `  (${clf.classes.map((c) => `${c} ${p.probabilities[c]!.toFixed(3)}`).join(', ')})` : '';
          io.stdout.write(`${p.label.padEnd(width)}  ${p.probability.toFixed(3)}${all}  ${texts[i]!.replace(/[\r\n\t]+/g, ' ')}\n`);
        }
      });
    };
    if (fromArgs.length > 0) {
      const texts = fromArgs.filter((t) => t.trim() !== '');
      if (texts.length === 0) throw new UsageError('the texts given are empty', cmd);
      emit(texts);
      return 0;
    }
    // Stream stdin in chunks of lines, so large inputs start printing at once.
    const decoder = new TextDecoder('utf-8');
    let pending = '';
    let batch: string[] = [];
    let count = 0;
    for await (const chunk of io.stdin!) {
      pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) {
        const t = l.replace(/\r$/, '');
        if (t.trim() === '') continue;
        batch.push(t);
        count++;
      }
      if (batch.length >= 256) {
        emit(batch);
        batch = [];
      }
    }
    pending += decoder.decode();
    if (pending.replace(/\r$/, '').trim() !== '') {
      batch.push(pending.replace(/\r$/, ''));
      count++;
    }
    emit(batch);
    if (count === 0) throw new CliError('stdin had no text to classify (only blank lines)');
    return 0;
  },
};
