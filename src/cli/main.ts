#!/usr/bin/env node
/**
 * The `recurrent` command line. `main(argv, io)` runs one command and resolves with its exit
 * code (tests call it directly); the runner at the bottom wires it to the process when this file
 * is executed. Commands use only the public API (`src/index.ts`, DESIGN.md §2).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { VERSION } from '../index.js';
import { UsageError, closest, formatFlags, parseArgs } from './args.js';
import { benchCommand } from './bench.js';
import { charEvalCommand, charSampleCommand, charTrainCommand } from './char.js';
import { classifyEvalCommand, classifyPredictCommand, classifyTrainCommand } from './classify.js';
import { demoCharCommand } from './demo.js';
import { demoCommand } from './demo_sentiment.js';
import { FORECAST_COMMANDS, FORECAST_GROUP_HELP } from './forecast.js';
import { infoCommand } from './info.js';
import { SEQ2SEQ_COMMANDS, SEQ2SEQ_GROUP_HELP } from './seq2seq.js';
import { SPEECH_COMMANDS, SPEECH_GROUP_HELP } from './speech.js';
import { W2V_COMMANDS, W2V_GROUP_HELP, w2vArgv } from './w2v.js';
import { CliError, jsonLine } from './io.js';
import type { CliIO, Command } from './io.js';

export type { CliIO, Writer } from './io.js';

const COMMANDS: Command[] = [
  demoCommand,
  demoCharCommand,
  charTrainCommand,
  charSampleCommand,
  charEvalCommand,
  classifyTrainCommand,
  classifyEvalCommand,
  classifyPredictCommand,
  ...FORECAST_COMMANDS,
  ...SEQ2SEQ_COMMANDS,
  ...SPEECH_COMMANDS,
  ...W2V_COMMANDS,
  infoCommand,
  benchCommand,
];
/** Top-level names: `demo`, `char`, `classify`, `forecast`, `seq2seq`, `speech`, `w2v`, `info`, `bench`. */
const TOP = [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]!))];
/** Commands with subcommands, and their subcommands. */
const GROUPS = new Map<string, string[]>();
for (const c of COMMANDS) {
  const [g, sub] = c.name.split(' ');
  if (sub) GROUPS.set(g!, [...(GROUPS.get(g!) ?? []), sub]);
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `recurrent ${VERSION}: recurrent neural networks (RNN, LSTM, GRU) for Node.js`,
    '',
    'Usage: recurrent <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'recurrent <command> --help' for a command's flags.",
    'Flags: --help, --version. RECURRENT_DEBUG=1 shows stack traces; RECURRENT_BACKEND=ref|wasm|auto picks the kernels.',
    '',
  ].join('\n');
}

const GROUP_HELP: Record<string, { what: string; examples: string[] }> = {
  char: {
    what: 'Character-level language models on your own text.',
    examples: [
      '  recurrent char train --text my.txt --out my-model.safetensors --seconds 600',
      "  recurrent char sample --model my-model.safetensors --prefix 'The ' --length 300",
      '  recurrent char eval --model my-model.safetensors --text other.txt',
    ],
  },
  classify: {
    what: 'Text classification (e.g. sentiment analysis) on labelled texts: CSV/TSV, JSON Lines, one folder per class,\nlabel<TAB>text, or the SST-2/SST-5/MR/IMDB corpora.',
    examples: [
      '  recurrent classify train --data train.csv --text-column text --label-column label --out model.safetensors',
      '  recurrent classify eval --model model.safetensors --data test.csv',
      "  recurrent classify predict --model model.safetensors 'a gorgeous, witty film'",
    ],
  },
  forecast: FORECAST_GROUP_HELP,
  seq2seq: SEQ2SEQ_GROUP_HELP,
  speech: SPEECH_GROUP_HELP,
  w2v: W2V_GROUP_HELP,
};

function groupHelp(group: string): string {
  const subs = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...subs.map((c) => c.name.length));
  const h = GROUP_HELP[group];
  return [
    `Usage: recurrent ${group} <${GROUPS.get(group)!.join('|')}> [flags]`,
    '',
    ...(h ? [h.what, ''] : []),
    ...subs.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    ...(h ? ['Example:', ...h.examples, ''] : []),
  ].join('\n');
}

function commandHelp(c: Command): string {
  return [`Usage: recurrent ${c.usage}`, '', `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`, ...(c.details ? ['', c.details] : []), '', 'Flags:', formatFlags(c.flags), ''].join('\n');
}

/**
 * Runs the command line `argv` (without `node` and the script path), writing to `io`.
 * Resolves with the exit code: 0 on success, 1 on any error (printed as one line on stderr).
 *
 * @example
 * const code = await main(['char', 'eval', '--model', 'm.safetensors', '--text', 't.txt'], { stdout: process.stdout, stderr: process.stderr });
 */
export async function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const env = io.env ?? process.env;
  try {
    return await dispatch([...argv], io);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (argv.includes('--json')) jsonLine(io, { event: 'error', message: err.message });
    io.stderr.write(`recurrent: ${err.message}\n`);
    if (err instanceof UsageError) {
      io.stderr.write(`Run 'recurrent ${err.command ? `${err.command} ` : ''}--help' for usage.\n`);
    } else if (env.RECURRENT_DEBUG && env.RECURRENT_DEBUG !== '0') {
      io.stderr.write(`${err.stack ?? ''}\n`);
      if (err.cause instanceof Error) io.stderr.write(`caused by: ${err.cause.stack ?? err.cause.message}\n`);
    } else if (!(err instanceof CliError) && (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError)) {
      io.stderr.write('(this looks like a bug in recurrent; RECURRENT_DEBUG=1 shows the stack trace)\n');
    }
    return 1;
  }
}

async function dispatch(argv: string[], io: CliIO): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || (first === 'help' && argv.length === 1)) {
    io.stdout.write(topHelp());
    return 0;
  }
  if (first === '--version' || first === '-v' || first === '-V') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (first === 'help') return dispatch([...argv.slice(1), '--help'], io);
  if (first.startsWith('-')) {
    parseArgs([first], [
      { name: 'help', short: 'h', type: 'boolean', description: '' },
      { name: 'version', short: 'v', type: 'boolean', description: '' },
    ]);
    throw new UsageError(`expected a command before ${first}; commands: ${TOP.join(', ')}`);
  }
  let name = first;
  let rest = argv.slice(1);
  const subs = GROUPS.get(first);
  // A command that is also a group (`demo`, `demo char`) runs itself unless a subcommand follows.
  const standalone = subs && COMMANDS.some((c) => c.name === first) && (argv[1] === undefined || argv[1].startsWith('-'));
  if (subs && !standalone) {
    const sub = argv[1];
    if (sub === undefined) throw new UsageError(`'${first}' needs a subcommand: ${subs.join(', ')}`, first);
    if (sub === '--help' || sub === '-h') {
      io.stdout.write(groupHelp(first));
      return 0;
    }
    if (!subs.includes(sub)) {
      const guess = closest(sub, subs);
      throw new UsageError(`unknown subcommand '${first} ${sub}'${guess ? ` (did you mean '${first} ${guess}'?)` : ''}; subcommands: ${subs.join(', ')}`, first);
    }
    name = `${first} ${sub}`;
    rest = argv.slice(2);
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const guess = closest(first, TOP);
    throw new UsageError(`unknown command '${first}'${guess ? ` (did you mean '${guess}'?)` : ''}; commands: ${TOP.join(', ')}`);
  }
  return runCommand(command, rest, io);
}

/**
 * Runs one resolved command on the arguments after its name: a `passthrough` command gets them
 * unparsed (`{ flags: {}, positionals: argv }`, its own --help included); any other command gets
 * them parsed against its flags (an unknown option is a UsageError), or prints its help for --help.
 *
 * @example
 * const code = await runCommand(infoCommand, ['--json'], { stdout: process.stdout, stderr: process.stderr });
 */
export async function runCommand(command: Command, argv: readonly string[], io: CliIO): Promise<number> {
  if (command.passthrough) return command.run({ flags: {}, positionals: [...argv] }, io);
  // w2v also takes word2vec.c's spellings (-size 100, -cbow 0).
  const args = parseArgs(command.name.split(' ')[0] === 'w2v' ? w2vArgv(argv, command.flags) : argv, command.flags, command.name);
  if (args.flags.help === true) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  if (args.positionals.length > 0 && !command.positionals) {
    const p = args.positionals[0]!;
    const fileFlag = command.flags.find((f) => f.valueName === 'FILE');
    const hint = fileFlag && !(fileFlag.name in args.flags) ? ` (did you mean --${fileFlag.name} ${p}?)` : '';
    throw new UsageError(`unexpected argument '${p}' for 'recurrent ${command.name}'${hint}; it takes only flags`, command.name);
  }
  return command.run(args, io);
}

// ---------------------------------------------------------------------------------------------
// Runner: only when this file is the program (`recurrent ...`, `node dist/cli/main.js ...`).

function isProgram(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isProgram()) {
  const argv = process.argv.slice(2);
  const io: CliIO = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    // A getter: touching process.stdin opens it, which only `classify predict` needs.
    get stdin() {
      return process.stdin;
    },
  };
  // Long-running commands stop cleanly on the first Ctrl-C (the second one quits at once).
  if (argv[0] === 'demo' || ((argv[0] === 'char' || argv[0] === 'classify' || argv[0] === 'forecast' || argv[0] === 'speech' || argv[0] === 'w2v') && argv[1] === 'train')) {
    const ac = new AbortController();
    io.signal = ac.signal;
    process.on('SIGINT', () => {
      if (ac.signal.aborted) process.exit(130);
      ac.abort();
      process.stderr.write('\nInterrupted: finishing the current step (Ctrl-C again to quit at once)\n');
    });
  }
  // `recurrent ... | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`recurrent: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
