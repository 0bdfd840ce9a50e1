import { describe, expect, it } from 'vitest';
import { UsageError, closest, formatFlags, parseArgs } from '../../src/cli/args.js';
import type { FlagSpec } from '../../src/cli/args.js';

const specs: FlagSpec[] = [
  { name: 'text', type: 'string', valueName: 'FILE', description: 'input' },
  { name: 'units', type: 'integer', description: 'units', default: 128 },
  { name: 'lr', type: 'number', description: 'learning rate' },
  { name: 'json', type: 'boolean', description: 'json' },
  { name: 'cell', type: 'string', choices: ['lstm', 'gru'], description: 'cell' },
  { name: 'tag', type: 'string', multiple: true, description: 'tags' },
  { name: 'help', short: 'h', type: 'boolean', description: 'help' },
];

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseArgs', () => {
  it('reads --flag value and --flag=value, converting numbers', () => {
    const a = parseArgs(['--text', 'a.txt', '--units=64', '--lr', '3e-3'], specs);
    expect(a.flags).toEqual({ text: 'a.txt', units: 64, lr: 0.003 });
    expect(a.positionals).toEqual([]);
  });

  it('reads booleans, with optional =true / =false', () => {
    expect(parseArgs(['--json'], specs).flags.json).toBe(true);
    expect(parseArgs(['--json=false'], specs).flags.json).toBe(false);
    expect(parseArgs(['--json=1'], specs).flags.json).toBe(true);
    expect(usageError(() => parseArgs(['--json=maybe'], specs)).message).toMatch(/--json is a switch/);
  });

  it('collects repeated `multiple` flags; otherwise the last one wins', () => {
    const a = parseArgs(['--tag', 'a', '--tag=b', '--units', '1', '--units', '2'], specs);
    expect(a.flags.tag).toEqual(['a', 'b']);
    expect(a.flags.units).toBe(2);
  });

  it('keeps positionals, treats everything after -- as positional, and accepts negative numbers as values', () => {
    const a = parseArgs(['x', '--lr', '-0.5', 'y', '--', '--json', '-3'], specs);
    expect(a.positionals).toEqual(['x', 'y', '--json', '-3']);
    expect(a.flags).toEqual({ lr: -0.5 });
    expect(parseArgs(['-5'], specs).positionals).toEqual(['-5']);
  });

  it('knows short aliases', () => {
    expect(parseArgs(['-h'], specs).flags.help).toBe(true);
  });

  it('rejects an unknown flag, naming it and listing the valid ones', () => {
    const e = usageError(() => parseArgs(['--unit', '3'], specs, 'char train'));
    expect(e.message).toContain('unknown flag --unit');
    expect(e.message).toContain("'recurrent char train'");
    expect(e.message).toContain('did you mean --units?');
    expect(e.message).toContain('valid flags: --text, --units, --lr, --json, --cell, --tag, --help');
    expect(e.command).toBe('char train');
    expect(usageError(() => parseArgs(['-x'], specs)).message).toContain('unknown flag -x');
  });

  it('reports a missing value, a bad number and a bad choice', () => {
    expect(usageError(() => parseArgs(['--text'], specs)).message).toBe('--text needs a value: --text FILE');
    expect(usageError(() => parseArgs(['--text', '--json'], specs)).message).toMatch(/--text needs a value/);
    expect(usageError(() => parseArgs(['--units', 'many'], specs)).message).toBe("--units expects a number, got 'many'");
    expect(usageError(() => parseArgs(['--units', '1.5'], specs)).message).toBe("--units expects a whole number, got '1.5'");
    expect(usageError(() => parseArgs(['--lr='], specs)).message).toMatch(/expects a number/);
    expect(usageError(() => parseArgs(['--cell', 'rnn'], specs)).message).toBe("--cell must be one of lstm, gru; got 'rnn'");
  });
});

describe('closest / formatFlags', () => {
  it('suggests near misses only', () => {
    expect(closest('trian', ['train', 'sample', 'eval'])).toBe('train');
    expect(closest('dem', ['demo', 'char', 'info'])).toBe('demo');
    expect(closest('zzzzzz', ['demo', 'char', 'info'])).toBeNull();
  });

  it('lists every flag with its value name and default', () => {
    const text = formatFlags(specs);
    expect(text).toContain('--text FILE');
    expect(text).toContain('--units N');
    expect(text).toContain('(default 128)');
    expect(text).toContain('--cell lstm|gru');
    expect(text).toContain('-h, --help');
  });
});
