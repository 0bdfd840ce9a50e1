/**
 * `recurrent demo char`: a character-level LSTM learns to write like
 * Shakespeare within a time budget, printing losses and a sample after every round.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { CharModel, getBackend } from '../index.js';
import type { CharRoundReport } from '../index.js';
import { HELP_FLAG, getBool, getNumber } from './args.js';
import type { ParsedArgs } from './args.js';
import { CliError, evaluatedChars, fmtDuration, fmtInt, fmtLoss, indent, jsonLine, numberFlag } from './io.js';
import type { CliIO, Command } from './io.js';

/** The shipped text, relative to this file in both src/cli and dist/cli. */
export const SHAKESPEARE_URL = new URL('../../data/tinyshakespeare.txt.gz', import.meta.url);

export const HINT = 'npx recurrent char train --text my.txt --out my-model.safetensors';

/**
 * Training settings tuned for a ~100 s budget on 2 cores. Measured on the wasm backend
 * (≈ 10–18k chars/s, 1×128 LSTM, seq 64): batch 16 / lr 5e-3 reached 1.80 nats/char on the
 * validation text in 100 s, batch 32 / lr 5e-3 1.84; at 45 s, batch 32 / lr 2e-3 (the library
 * defaults) was far behind on the slower ref backend (3.14 vs 2.57 with batch 16 / lr 4e-3).
 * Small batches and a high learning rate win when there is little time: more steps.
 */
export const DEMO_DEFAULTS = { seconds: 100, units: 128, layers: 1, seqLen: 64, batchSize: 16, lr: 5e-3, seed: 0 } as const;

const SAMPLE_TEMPERATURE = 0.8;
const ROUND_SECONDS = 10;
const FIRST_ROUND_SECONDS = 6;

export const demoCharCommand: Command = {
  name: 'demo char',
  summary: 'train a character-level LSTM on Shakespeare for ~100 s, printing samples as it learns',
  usage: 'demo char [--seconds 100] [--units 128] [--layers 1|2] [--json]',
  details:
    'Trains on the shipped tinyshakespeare text (90% train, 10% validation) for a fixed time budget,\n' +
    `in rounds of about ${ROUND_SECONDS} s; after each round it prints the training and validation loss\n` +
    `(nats/char), the speed and a short sample at temperature ${SAMPLE_TEMPERATURE}. Ctrl-C stops early.`,
  flags: [
    { name: 'seconds', type: 'number', valueName: 'S', default: DEMO_DEFAULTS.seconds, description: 'training time budget in seconds' },
    { name: 'units', type: 'integer', default: DEMO_DEFAULTS.units, description: 'LSTM hidden units' },
    { name: 'layers', type: 'integer', valueName: '1|2', default: DEMO_DEFAULTS.layers, description: 'stacked LSTM layers' },
    { name: 'seq-len', type: 'integer', default: DEMO_DEFAULTS.seqLen, description: 'characters per training window' },
    { name: 'batch-size', type: 'integer', default: DEMO_DEFAULTS.batchSize, description: 'windows per step' },
    { name: 'lr', type: 'number', default: DEMO_DEFAULTS.lr, description: 'Adam learning rate' },
    { name: 'seed', type: 'integer', default: DEMO_DEFAULTS.seed, description: 'random seed' },
    { name: 'json', type: 'boolean', description: 'print JSON lines (progress events and the result) instead of text' },
    HELP_FLAG,
  ],
  run: runDemo,
};

async function loadShakespeare(): Promise<string> {
  const path = fileURLToPath(SHAKESPEARE_URL);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new CliError(`cannot read the demo text ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (is the package complete?)' : (e as Error).message}`);
  }
  return gunzipSync(bytes).toString('utf8');
}

/** Validation characters per round: about 0.3–0.5 s of evaluation at the measured speed. */
function roundValidChars(charsPerSecond: number, available: number): number {
  return Math.min(available, Math.max(4096, Math.round((charsPerSecond * 2) / 64) * 64));
}

async function runDemo(args: ParsedArgs, io: CliIO): Promise<number> {
  const t0 = performance.now();
  const cmd = 'demo char';
  const json = getBool(args, 'json');
  const seconds = numberFlag(args, 'seconds', DEMO_DEFAULTS.seconds, { min: 0, minExclusive: true, command: cmd });
  const units = numberFlag(args, 'units', DEMO_DEFAULTS.units, { min: 1, max: 4096, command: cmd });
  const layers = numberFlag(args, 'layers', DEMO_DEFAULTS.layers, { min: 1, max: 8, command: cmd });
  const seqLen = numberFlag(args, 'seq-len', DEMO_DEFAULTS.seqLen, { min: 1, max: 10000, command: cmd });
  const batchSize = numberFlag(args, 'batch-size', DEMO_DEFAULTS.batchSize, { min: 1, max: 100000, command: cmd });
  const lr = numberFlag(args, 'lr', DEMO_DEFAULTS.lr, { min: 0, minExclusive: true, command: cmd });
  const seed = getNumber(args, 'seed') ?? DEMO_DEFAULTS.seed;
  const out = (s = ''): void => {
    if (!json) io.stdout.write(s + '\n');
  };

  const text = await loadShakespeare();
  const split = Math.floor(text.length * 0.9);
  const train = text.slice(0, split);
  const valid = text.slice(split);
  const cm = CharModel.create(text, { units, numLayers: layers, seed });
  const V = cm.vocab.length;
  const backend = getBackend();
  const cores = availableParallelism();

  if (json) {
    jsonLine(io, {
      event: 'start', command: 'demo char', text: 'tinyshakespeare', chars: text.length, trainChars: train.length, validChars: valid.length,
      vocab: V, units, layers, parameters: cm.parameterCount, seconds, seqLen, batchSize, lr, seed, backend, cores,
    });
  } else {
    out('recurrent demo: a character-level LSTM learns to write like Shakespeare');
    out(`  data    tinyshakespeare: ${fmtInt(text.length)} characters, ${V} distinct; first 90% for training, last 10% for validation`);
    out(`  model   Embedding(${V}→32) → LSTM ${layers > 1 ? `${layers}×` : ''}${units} → Dense(${V}): ${fmtInt(cm.parameterCount)} parameters`);
    out(`  run     ${seconds} s budget on the ${backend} backend (${cores} core${cores > 1 ? 's' : ''}); a sample at temperature ${SAMPLE_TEMPERATURE} after every round; Ctrl-C stops early`);
    out();
    out(`round   time   train  valid  chars/s   (loss in nats/char; guessing uniformly scores ${Math.log(V).toFixed(2)})`);
  }

  let validChars = 0;
  let evalCharsPerSecond = 0;
  const onRound = (r: CharRoundReport): void => {
    if (r.round === 0) validChars = roundValidChars(r.charsPerSecond, valid.length);
    const te = performance.now();
    const valLoss = cm.evaluate(valid, { seqLen, maxChars: validChars });
    evalCharsPerSecond = evaluatedChars(validChars, valid.length, seqLen) / Math.max(1e-3, (performance.now() - te) / 1000);
    const sample = cm.sample('\n', 150, { temperature: SAMPLE_TEMPERATURE, seed: seed * 1000 + r.round });
    const elapsed = (performance.now() - t0) / 1000;
    if (json) {
      jsonLine(io, {
        event: 'round', round: r.round + 1, seconds: +elapsed.toFixed(2), steps: r.totalSteps, chars: r.chars,
        loss: r.loss, valLoss, valChars: evaluatedChars(validChars, valid.length, seqLen), charsPerSecond: Math.round(r.charsPerSecond), sample,
      });
      return;
    }
    out(`${String(r.round + 1).padStart(5)}  ${fmtDuration(elapsed).padStart(5)}  ${fmtLoss(r.loss).padStart(6)} ${fmtLoss(valLoss).padStart(6)} ${fmtInt(r.charsPerSecond).padStart(8)}`);
    out(indent(sample.trimEnd(), '       │ '));
  };

  // The final evaluation and sample take about `reserve` seconds, so the whole command ends near
  // the budget.
  const reserve = Math.min(3, Math.max(0.3, 0.03 * seconds));
  const startup = (performance.now() - t0) / 1000;
  const result = await cm.train(train, {
    seqLen,
    batchSize,
    lr,
    stepsPerRound: 1e9,
    roundSeconds: ROUND_SECONDS,
    firstRoundSeconds: Math.min(FIRST_ROUND_SECONDS, seconds),
    timeBudgetSeconds: Math.max(0.05, seconds - startup - reserve),
    onRound,
    ...(io.signal ? { signal: io.signal } : {}),
  });

  // Final numbers: a larger share of the validation text (all of it when the machine is fast),
  // as much as fits in most of the reserve.
  const finalChars = Math.min(valid.length, Math.max(validChars, Math.round(evalCharsPerSecond * (reserve - 0.2))));
  const valLoss = result.steps > 0 ? cm.evaluate(valid, { seqLen, maxChars: finalChars }) : NaN;
  const evaluated = evaluatedChars(finalChars, valid.length, seqLen);
  const sample = cm.sample('\n', 500, { temperature: SAMPLE_TEMPERATURE, seed: seed + 7 });
  const elapsed = (performance.now() - t0) / 1000;
  const epochs = result.chars / train.length;
  if (json) {
    jsonLine(io, {
      event: 'done', seconds: +elapsed.toFixed(2), rounds: result.rounds, steps: result.steps, chars: result.chars, epochs: +epochs.toFixed(3),
      loss: result.loss, valLoss, valBitsPerChar: valLoss / Math.LN2, valChars: evaluated, stopReason: result.stopReason, sample, hint: HINT,
    });
    return 0;
  }
  out();
  if (result.stopReason === 'aborted') out('Stopped early (interrupted).');
  out(`Finished in ${fmtDuration(elapsed)}: ${fmtInt(result.steps)} steps over ${fmtInt(result.chars)} characters (${epochs.toFixed(2)} epochs).`);
  out(
    `Validation loss ${fmtLoss(valLoss)} nats/char (${fmtLoss(valLoss / Math.LN2)} bits/char) on ` +
      `${finalChars >= valid.length ? 'all ' : ''}${fmtInt(evaluated)} held-out characters.`,
  );
  out();
  out(`Sample (500 characters, temperature ${SAMPLE_TEMPERATURE}):`);
  out(indent(sample.trimEnd(), '  │ '));
  out();
  out(`Train on your own text:  ${HINT}`);
  return 0;
}
