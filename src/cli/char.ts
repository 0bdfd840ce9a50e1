/** `recurrent char train|sample|eval`: character-level language models on the user's text. */
import { stat } from 'node:fs/promises';
import { CharModel, getBackend } from '../index.js';
import type { CharRoundReport } from '../index.js';
import { HELP_FLAG, getBool, getNumber, getString } from './args.js';
import type { ParsedArgs } from './args.js';
import {
  CliError,
  checkWritable,
  evaluatedChars,
  fmtBytes,
  fmtDuration,
  fmtInt,
  fmtLoss,
  jsonLine,
  loadModelFile,
  numberFlag,
  readTextFile,
  required,
  shellQuote,
} from './io.js';
import type { CliIO, Command } from './io.js';

const ROUND_SECONDS = 10;

/** Number of Unicode code points (the model's characters) in `s`. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff) n--;
  }
  return n;
}

/** Fails with one message naming the characters of `text` that `cm` has never seen. */
function checkVocabulary(cm: CharModel, text: string, what: string): void {
  const known = new Set(cm.vocab);
  const unknown = new Set<string>();
  for (const ch of text) if (!known.has(ch)) unknown.add(ch);
  if (unknown.size === 0) return;
  const list = [...unknown];
  const shown = list.slice(0, 8).map((c) => JSON.stringify(c)).join(', ');
  throw new CliError(
    `${what} has ${list.length} character${list.length > 1 ? 's' : ''} the model never saw in training ` +
      `(${shown}${list.length > 8 ? ', ...' : ''}); its vocabulary has ${cm.vocab.length} characters`,
  );
}

function loadCharModel(path: string): Promise<CharModel> {
  return loadModelFile(path, (p) => CharModel.load(p));
}

// ---------------------------------------------------------------------------------------------
// char train

export const charTrainCommand: Command = {
  name: 'char train',
  summary: 'train a character-level language model on your text',
  usage: 'char train --text FILE --out MODEL.safetensors [flags]',
  details:
    'Builds the vocabulary from the distinct characters of FILE (UTF-8, or gzip-compressed UTF-8), holds\n' +
    'out its last --valid-fraction for validation, and trains on random windows of the rest until\n' +
    '--epochs passes over the training text or --seconds have gone by (whichever comes first; default\n' +
    '1 epoch). Reports every ~10 s. Ctrl-C stops early and still saves the model.',
  flags: [
    { name: 'text', type: 'string', valueName: 'FILE', description: 'training text (UTF-8)' },
    { name: 'out', type: 'string', valueName: 'MODEL', description: 'where to save the model (.safetensors)' },
    { name: 'units', type: 'integer', default: 128, description: 'hidden units per recurrent layer' },
    { name: 'layers', type: 'integer', default: 2, description: 'stacked recurrent layers' },
    { name: 'cell', type: 'string', choices: ['lstm', 'gru'], default: 'lstm', description: 'recurrent cell' },
    { name: 'seq-len', type: 'integer', default: 64, description: 'characters per training window (BPTT length)' },
    { name: 'batch-size', type: 'integer', default: 32, description: 'windows per optimizer step' },
    { name: 'lr', type: 'number', default: 2e-3, description: 'Adam learning rate' },
    { name: 'epochs', type: 'number', description: 'passes over the training text (default 1 unless --seconds is given)' },
    { name: 'seconds', type: 'number', valueName: 'S', description: 'training time budget in seconds' },
    { name: 'valid-fraction', type: 'number', default: 0.1, description: 'share of the text (its end) held out for validation; 0 for none' },
    { name: 'seed', type: 'integer', default: 0, description: 'random seed' },
    { name: 'json', type: 'boolean', description: 'print JSON lines (progress events and the result) instead of text' },
    HELP_FLAG,
  ],
  run: runTrain,
};

async function runTrain(args: ParsedArgs, io: CliIO): Promise<number> {
  const t0 = performance.now();
  const cmd = 'char train';
  const json = getBool(args, 'json');
  const textPath = required(args, 'text', cmd);
  const outPath = required(args, 'out', cmd, 'MODEL.safetensors');
  const units = numberFlag(args, 'units', 128, { min: 1, max: 8192, command: cmd });
  const layers = numberFlag(args, 'layers', 2, { min: 1, max: 16, command: cmd });
  const cell = (getString(args, 'cell') ?? 'lstm') as 'lstm' | 'gru';
  const seqLen = numberFlag(args, 'seq-len', 64, { min: 1, max: 100000, command: cmd });
  const batchSize = numberFlag(args, 'batch-size', 32, { min: 1, max: 1000000, command: cmd });
  const lr = numberFlag(args, 'lr', 2e-3, { min: 0, minExclusive: true, command: cmd });
  const seconds = getNumber(args, 'seconds');
  if (seconds !== undefined && !(seconds > 0)) throw new CliError(`--seconds must be > 0, got ${seconds}`);
  const epochsFlag = getNumber(args, 'epochs');
  if (epochsFlag !== undefined && !(epochsFlag > 0)) throw new CliError(`--epochs must be > 0, got ${epochsFlag}`);
  const epochs = epochsFlag ?? (seconds === undefined ? 1 : undefined);
  const validFraction = numberFlag(args, 'valid-fraction', 0.1, { min: 0, max: 0.5, command: cmd });
  const seed = getNumber(args, 'seed') ?? 0;
  const out = (s = ''): void => {
    if (!json) io.stdout.write(s + '\n');
  };

  const text = await readTextFile(textPath, '--text');
  await checkWritable(outPath, '--out');

  let split = Math.floor(text.length * (1 - validFraction));
  const code = text.charCodeAt(split - 1);
  if (code >= 0xd800 && code <= 0xdbff) split++; // keep a surrogate pair together
  const train = text.slice(0, split);
  const valid = text.slice(split);
  const trainChars = codePoints(train);
  const validChars = codePoints(valid);
  if (trainChars < seqLen + 2) {
    throw new CliError(
      `--text ${textPath}: only ${fmtInt(trainChars)} characters to train on; a training window needs --seq-len + 1 = ${seqLen + 1} ` +
        `and the text must be longer than that (use a smaller --seq-len${validFraction > 0 ? ' or --valid-fraction' : ''})`,
    );
  }
  const cm = CharModel.create(text, { units, numLayers: layers, cell, seed });
  const maxSteps = epochs === undefined ? undefined : Math.max(1, Math.ceil((epochs * trainChars) / (batchSize * seqLen)));
  const backend = getBackend();

  if (json) {
    jsonLine(io, {
      event: 'start', command: 'char train', text: textPath, chars: codePoints(text), trainChars, validChars, vocab: cm.vocab.length,
      cell, units, layers, parameters: cm.parameterCount, seqLen, batchSize, lr, epochs: epochs ?? null, seconds: seconds ?? null,
      maxSteps: maxSteps ?? null, seed, backend,
    });
  } else {
    out(`text    ${textPath}: ${fmtInt(trainChars + validChars)} characters, ${cm.vocab.length} distinct; ${fmtInt(trainChars)} for training, ${fmtInt(validChars)} for validation`);
    out(`model   ${cell.toUpperCase()} ${layers > 1 ? `${layers}×` : ''}${units}: ${fmtInt(cm.parameterCount)} parameters (backend ${backend})`);
    const plan = [
      maxSteps !== undefined ? `${epochs} epoch${epochs === 1 ? '' : 's'} = ${fmtInt(maxSteps)} steps of ${batchSize}×${seqLen} characters` : null,
      seconds !== undefined ? `at most ${seconds} s` : null,
    ].filter(Boolean);
    out(`plan    ${plan.join(', ')}; Ctrl-C stops early and saves`);
    out();
    out(`  step  epoch   time   train  valid  chars/s     eta   (loss in nats/char)`);
  }

  let roundValid = 0;
  const onRound = (r: CharRoundReport): void => {
    if (r.round === 0) roundValid = Math.min(validChars, Math.max(4096, Math.round(r.charsPerSecond * 2)));
    const valLoss = validChars >= 2 ? cm.evaluate(valid, { seqLen, maxChars: roundValid }) : null;
    const elapsed = (performance.now() - t0) / 1000;
    const epoch = r.chars / trainChars;
    let eta = Infinity;
    if (maxSteps !== undefined) eta = ((maxSteps - r.totalSteps) * batchSize * seqLen) / r.charsPerSecond;
    if (seconds !== undefined) eta = Math.min(eta, Math.max(0, seconds - elapsed));
    if (json) {
      jsonLine(io, {
        event: 'round', round: r.round + 1, seconds: +elapsed.toFixed(2), steps: r.totalSteps, chars: r.chars, epoch: +epoch.toFixed(4),
        loss: r.loss, valLoss, charsPerSecond: Math.round(r.charsPerSecond), etaSeconds: Number.isFinite(eta) ? Math.round(eta) : null,
      });
      return;
    }
    out(
      `${fmtInt(r.totalSteps).padStart(6)}  ${epoch.toFixed(2).padStart(5)}  ${fmtDuration(elapsed).padStart(5)}  ${fmtLoss(r.loss).padStart(6)} ` +
        `${fmtLoss(valLoss).padStart(6)} ${fmtInt(r.charsPerSecond).padStart(8)} ${fmtDuration(eta).padStart(7)}`,
    );
  };

  const result = await cm.train(train, {
    seqLen,
    batchSize,
    lr,
    stepsPerRound: 1e9,
    roundSeconds: ROUND_SECONDS,
    firstRoundSeconds: 5,
    ...(maxSteps !== undefined ? { maxSteps } : {}),
    ...(seconds !== undefined ? { timeBudgetSeconds: seconds } : {}),
    onRound,
    ...(io.signal ? { signal: io.signal } : {}),
  });

  const cps = result.seconds > 0 ? result.chars / result.seconds : 0;
  const finalMax = Math.min(validChars, Math.max(65536, Math.round(cps * 20)));
  const valLoss = validChars >= 2 && result.steps > 0 ? cm.evaluate(valid, { seqLen, maxChars: finalMax }) : null;
  const evaluated = validChars >= 2 ? evaluatedChars(finalMax, validChars, seqLen) : 0;
  await cm.save(outPath);
  const size = (await stat(outPath)).size;
  const elapsed = (performance.now() - t0) / 1000;
  if (json) {
    jsonLine(io, {
      event: 'done', out: outPath, bytes: size, seconds: +elapsed.toFixed(2), steps: result.steps, chars: result.chars,
      epochs: +(result.chars / trainChars).toFixed(4), loss: result.loss, valLoss, valBitsPerChar: valLoss === null ? null : valLoss / Math.LN2,
      valChars: evaluated, stopReason: result.stopReason,
    });
    return 0;
  }
  out();
  if (result.stopReason === 'aborted') out('Stopped early (interrupted).');
  out(`Trained ${fmtInt(result.steps)} steps over ${fmtInt(result.chars)} characters in ${fmtDuration(elapsed)}.`);
  if (valLoss !== null) out(`Validation loss ${fmtLoss(valLoss)} nats/char (${fmtLoss(valLoss / Math.LN2)} bits/char) on ${fmtInt(evaluated)} held-out characters.`);
  out(`Saved ${outPath} (${fmtBytes(size)}).`);
  out(`Sample from it:  npx recurrent char sample --model ${shellQuote(outPath)} --length 500`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// char sample

export const charSampleCommand: Command = {
  name: 'char sample',
  summary: 'generate text from a trained char model',
  usage: 'char sample --model MODEL [--prefix TEXT] [--length N] [--temperature T] [--seed N]',
  details:
    'Prints --prefix followed by --length generated characters. Lower temperatures give safer, more\n' +
    'repetitive text; 0 always picks the most likely character. Without --seed every run differs.',
  flags: [
    { name: 'model', type: 'string', valueName: 'MODEL', description: 'a model saved by `char train`' },
    { name: 'prefix', type: 'string', description: 'text to start from (default: a new line)' },
    { name: 'length', type: 'integer', default: 500, description: 'characters to generate' },
    { name: 'temperature', type: 'number', valueName: 'T', default: 0.8, description: 'sampling temperature (0 = greedy)' },
    { name: 'seed', type: 'integer', description: 'random seed (default: random)' },
    { name: 'json', type: 'boolean', description: 'print one JSON line instead of text' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'char sample';
    const modelPath = required(args, 'model', cmd, 'MODEL');
    const prefix = getString(args, 'prefix') ?? '';
    const length = numberFlag(args, 'length', 500, { min: 0, max: 10_000_000, command: cmd });
    const temperature = numberFlag(args, 'temperature', 0.8, { min: 0, command: cmd });
    const seed = getNumber(args, 'seed') ?? Math.floor(Math.random() * 2 ** 31);
    const cm = await loadCharModel(modelPath);
    checkVocabulary(cm, prefix, '--prefix');
    const text = cm.sample(prefix, length, { temperature, seed });
    if (getBool(args, 'json')) jsonLine(io, { event: 'sample', model: modelPath, prefix, text, length, temperature, seed });
    else io.stdout.write(prefix + text + (text.endsWith('\n') ? '' : '\n'));
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// char eval

export const charEvalCommand: Command = {
  name: 'char eval',
  summary: 'loss of a char model on a text, in nats/char and bits/char',
  usage: 'char eval --model MODEL --text FILE [--seq-len N] [--max-chars N] [--json]',
  details:
    'Scores next-character prediction over non-overlapping windows of --seq-len characters (default:\n' +
    'the training window), each predicted from a fresh state. Lower is better; bits/char = nats/char / ln 2.',
  flags: [
    { name: 'model', type: 'string', valueName: 'MODEL', description: 'a model saved by `char train`' },
    { name: 'text', type: 'string', valueName: 'FILE', description: 'text to score (UTF-8)' },
    { name: 'seq-len', type: 'integer', description: "window length (default: the model's training window)" },
    { name: 'max-chars', type: 'integer', description: 'score at most this many characters, spread over the text (default all)' },
    { name: 'json', type: 'boolean', description: 'print one JSON line instead of text' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'char eval';
    const modelPath = required(args, 'model', cmd, 'MODEL');
    const textPath = required(args, 'text', cmd);
    const cm = await loadCharModel(modelPath);
    const text = await readTextFile(textPath, '--text');
    checkVocabulary(cm, text, `--text ${textPath}`);
    const n = codePoints(text);
    if (n < 2) throw new CliError(`--text ${textPath}: needs at least 2 characters to score`);
    const seqLen = numberFlag(args, 'seq-len', cm.stats.seqLen, { min: 1, command: cmd });
    const maxChars = getNumber(args, 'max-chars');
    if (maxChars !== undefined && !(maxChars >= 1)) throw new CliError(`--max-chars must be ≥ 1, got ${maxChars}`);
    const t0 = performance.now();
    const nats = cm.evaluate(text, { seqLen, ...(maxChars !== undefined ? { maxChars } : {}) });
    const seconds = (performance.now() - t0) / 1000;
    const chars = evaluatedChars(maxChars ?? n, n, seqLen);
    const bits = nats / Math.LN2;
    if (getBool(args, 'json')) {
      jsonLine(io, { event: 'eval', model: modelPath, text: textPath, natsPerChar: nats, bitsPerChar: bits, perplexity: Math.exp(nats), chars, seqLen: Math.min(seqLen, n - 1), seconds: +seconds.toFixed(3) });
    } else {
      io.stdout.write(`${textPath}: ${fmtLoss(nats)} nats/char, ${fmtLoss(bits)} bits/char (perplexity ${Math.exp(nats).toFixed(2)}) over ${fmtInt(chars)} characters in windows of ${Math.min(seqLen, n - 1)}\n`);
    }
    return 0;
  },
};
