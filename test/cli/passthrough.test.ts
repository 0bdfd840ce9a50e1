// Command.passthrough: a command that parses its own options (bench hands them to bench/run.mjs)
// gets everything after its name unparsed; every other command's options are checked against its
// flags, so an unknown one is still a usage error.
import { describe, expect, it } from 'vitest';
import { HELP_FLAG } from '../../src/cli/args.js';
import type { ParsedArgs } from '../../src/cli/args.js';
import { benchCommand } from '../../src/cli/bench.js';
import type { Command } from '../../src/cli/io.js';
import { runCommand } from '../../src/cli/main.js';
import { captureIO, expectCleanError, runCli } from '../util/cli.js';

/** A command that records the arguments it was run with. */
function recorder(name: string, passthrough: boolean): { command: Command; calls: ParsedArgs[] } {
  const calls: ParsedArgs[] = [];
  const command: Command = {
    name,
    summary: 'records its arguments',
    usage: `${name} [--verbose]`,
    flags: [{ name: 'verbose', type: 'boolean', description: 'say more' }, HELP_FLAG],
    positionals: 'ARGS...',
    ...(passthrough ? { passthrough: true } : {}),
    run: (args) => {
      calls.push(args);
      return Promise.resolve(7);
    },
  };
  return { command, calls };
}

const ARGV = ['--frobnicate', '3', '-x', '--verbose', '--help', 'file.txt', '--', '--after'];

describe('Command.passthrough', () => {
  it('hands an unknown option, --help and everything else to a passthrough command untouched', async () => {
    const { command, calls } = recorder('fake', true);
    const io = captureIO();
    expect(await runCommand(command, ARGV, io.io)).toBe(7);
    expect(calls).toEqual([{ flags: {}, positionals: ARGV }]);
    expect(io.out()).toBe(''); // no help printed by the CLI: --help was the command's to handle
  });

  it('still rejects an unknown option for a normal command, naming it, without running the command', async () => {
    const { command, calls } = recorder('fake', false);
    await expect(runCommand(command, ARGV, captureIO().io)).rejects.toThrow(/^unknown flag --frobnicate for 'recurrent fake'; valid flags: --verbose, --help$/);
    expect(calls).toEqual([]);
    // known flags are parsed as before
    expect(await runCommand(command, ['--verbose', 'file.txt'], captureIO().io)).toBe(7);
    expect(calls).toEqual([{ flags: { verbose: true }, positionals: ['file.txt'] }]);
  });

  it('bench sets it; through main, a normal command still rejects an unknown option', async () => {
    expect(benchCommand.passthrough).toBe(true);
    const r = await runCli(['info', '--frobnicate']);
    expectCleanError(r, /^recurrent: unknown flag --frobnicate for 'recurrent info'/);
  });
});
