/**
 * A small, dependency-free command-line parser.
 *
 * Accepts `--flag value`, `--flag=value`, boolean flags (`--json`, `--json=false`), repeated
 * flags (collected into an array when the spec says `multiple`, else the last one wins),
 * positional arguments, `--` (everything after it is positional) and `-h` for `--help`.
 * Anything else that starts with `-` is an unknown flag: a {@link UsageError} names it and lists
 * the valid ones.
 */

/** A mistake in how the command was called: reported with a hint to `--help`, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command whose `--help` to point at, e.g. `char train`; '' for the top level. */
  command: string;

  constructor(message: string, command = '') {
    super(message);
    this.command = command;
  }
}

export type FlagType = 'string' | 'number' | 'integer' | 'boolean';

/** One flag a command accepts. */
export interface FlagSpec {
  /** Long name without dashes, kebab-case: `seq-len`. */
  name: string;
  type: FlagType;
  /** One-line description for `--help`. */
  description: string;
  /** Placeholder shown in `--help`, e.g. `FILE`. Defaults to `N`, `X` or `TEXT` by type. */
  valueName?: string;
  /** Default shown in `--help` (the command applies it). */
  default?: string | number | boolean;
  /** Allowed values (string flags). */
  choices?: readonly string[];
  /** Collect every occurrence into an array. */
  multiple?: boolean;
  /** Single-letter alias, e.g. `o` for `-o`. */
  short?: string;
}

export type FlagValue = string | number | boolean;

export interface ParsedArgs {
  /** Flag values by long name (kebab-case), only for flags that were given. */
  flags: Record<string, FlagValue | FlagValue[]>;
  positionals: string[];
}

/** The help flag every command accepts. */
export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'boolean', description: 'show this help' };

/**
 * Parses `argv` (without the node and script paths) against `specs`.
 *
 * @param command name of the command for messages, e.g. `char train`.
 * @example
 * parseArgs(['--units', '64', 'x.txt'], [{ name: 'units', type: 'integer', description: '' }])
 * // → { flags: { units: 64 }, positionals: ['x.txt'] }
 */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], command = ''): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    if (s.short) byShort.set(s.short, s);
  }
  const flags: Record<string, FlagValue | FlagValue[]> = {};
  const positionals: string[] = [];
  const where = command ? `recurrent ${command}` : 'recurrent';

  const set = (spec: FlagSpec, v: FlagValue): void => {
    if (spec.multiple) {
      const prev = flags[spec.name];
      flags[spec.name] = Array.isArray(prev) ? [...prev, v] : [v];
    } else {
      flags[spec.name] = v;
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-') || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      shown = `--${name}`;
      spec = byName.get(name);
    } else {
      const name = arg.slice(1, 2);
      shown = `-${name}`;
      inline = arg.length > 2 ? arg.slice(2).replace(/^=/, '') : undefined;
      spec = byShort.get(name);
    }
    if (!spec) throw new UsageError(unknownFlagMessage(shown, specs, where), command);

    if (spec.type === 'boolean') {
      if (inline === undefined) set(spec, true);
      else if (/^(true|1|yes)$/i.test(inline)) set(spec, true);
      else if (/^(false|0|no)$/i.test(inline)) set(spec, false);
      else throw new UsageError(`${shown} is a switch; it takes no value (or =true / =false), got '${inline}'`, command);
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`${shown} needs a value: ${shown} ${valueName(spec)}`, command);
      }
      raw = next;
      i++;
    }
    set(spec, convert(raw, spec, shown, command));
  }
  return { flags, positionals };
}

function convert(raw: string, spec: FlagSpec, shown: string, command: string): FlagValue {
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`${shown} must be one of ${spec.choices.join(', ')}; got '${raw}'`, command);
    }
    return raw;
  }
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`${shown} expects a number, got '${raw}'`, command);
  if (spec.type === 'integer' && !Number.isInteger(n)) throw new UsageError(`${shown} expects a whole number, got '${raw}'`, command);
  return n;
}

function valueName(spec: FlagSpec): string {
  if (spec.valueName) return spec.valueName;
  if (spec.choices) return spec.choices.join('|');
  return spec.type === 'string' ? 'TEXT' : spec.type === 'integer' ? 'N' : 'X';
}

function unknownFlagMessage(shown: string, specs: readonly FlagSpec[], where: string): string {
  const valid = specs.map((s) => `--${s.name}`);
  const guess = closest(shown.replace(/^-+/, ''), specs.map((s) => s.name));
  const hint = guess ? ` (did you mean --${guess}?)` : '';
  return `unknown flag ${shown} for '${where}'${hint}; valid flags: ${valid.join(', ')}`;
}

/** The candidate within edit distance 2 (or a prefix match), if any. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 2 ? 1 : editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.min(2, Math.max(1, Math.floor(word.length / 2))) ? best : null;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** `--help` text for a command's flags: one aligned line per flag. */
export function formatFlags(specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.type === 'boolean' ? '' : ` ${valueName(s)}`}`;
    const def = s.default !== undefined ? ` (default ${s.default})` : '';
    return [left, `${s.description}${def}${s.multiple ? ' (repeatable)' : ''}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`).join('\n');
}

/** Typed accessors over {@link ParsedArgs.flags}. */
export function getString(a: ParsedArgs, name: string): string | undefined {
  const v = last(a, name);
  return v === undefined ? undefined : String(v);
}

export function getNumber(a: ParsedArgs, name: string): number | undefined {
  const v = last(a, name);
  return v === undefined ? undefined : Number(v);
}

export function getBool(a: ParsedArgs, name: string): boolean {
  return last(a, name) === true;
}

function last(a: ParsedArgs, name: string): FlagValue | undefined {
  const v = a.flags[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}
