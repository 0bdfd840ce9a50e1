/**
 * `recurrent bench [options]`: the speed benchmark of `npm run bench` (issue #8). It runs
 * `bench/run.mjs` of the package root in a child Node.js process with the options as given, so
 * the benchmark (its options, help text, workloads and peer harnesses) is defined once, in
 * `bench/`. See bench/README.md.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError } from './io.js';
import type { CliIO, Command } from './io.js';

/** bench/run.mjs of the package root: `src/cli/` and `dist/cli/` are both two levels below it. */
export const BENCH_SCRIPT = fileURLToPath(new URL('../../bench/run.mjs', import.meta.url));

/**
 * Runs `node bench/run.mjs ...argv` and resolves with its exit code (0: every measurement ran or
 * was skipped with a note; 1: a measurement failed; 2: bad options). Its stdout (the table, or one
 * JSON object per line with `--json`) and stderr (progress and notes) are forwarded to `io`.
 * `io.env` is added to this process's environment (the benchmark needs PATH for flock, timeout
 * and npm). A Ctrl-C reaches the benchmark, which stops its running measurement and exits.
 *
 * @param script the benchmark driver (tests point it elsewhere); default {@link BENCH_SCRIPT}.
 * @example
 * const code = await runBench(['--quick', '--workloads', 'tiny-lstm', '--impls', 'recurrent-wasm', '--json'], { stdout: process.stdout, stderr: process.stderr });
 */
export async function runBench(argv: readonly string[], io: CliIO, script = BENCH_SCRIPT): Promise<number> {
  if (!existsSync(script)) {
    throw new CliError(
      `the benchmark is not part of this installation (${script} is missing); run it from a checkout of the source repository: npm run bench`,
    );
  }
  return await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...argv], { env: { ...process.env, ...(io.env ?? {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (s: string) => io.stdout.write(s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => io.stderr.write(s));
    // The terminal sends Ctrl-C to the benchmark too: wait for it to clean up and exit.
    const onSigint = (): void => {};
    process.on('SIGINT', onSigint);
    child.on('error', (e) => {
      process.off('SIGINT', onSigint);
      reject(new CliError(`could not start the benchmark: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', onSigint);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}

/**
 * The `bench` command. Its options are bench/run.mjs's, passed through unparsed (`passthrough`:
 * main.ts hands them over as positionals); `recurrent bench --help` prints run.mjs's help.
 */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'speed benchmark: the RNN workloads on each backend and the installed peers (PyTorch, TensorFlow.js, brain.js)',
  usage: 'bench [--workloads a,b] [--modes train,infer] [--impls a,b] [--threads 1,2] [--quick] [--budget S] [--no-peers] [--json]',
  details: "The same benchmark as 'npm run bench' (bench/run.mjs of the source repository); 'recurrent bench --help' lists its options.",
  flags: [],
  positionals: 'OPTIONS...',
  passthrough: true,
  run: (args, io) => runBench(args.positionals, io),
};
