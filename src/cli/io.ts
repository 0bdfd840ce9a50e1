/** What every command shares: output streams, errors, file reading, number formatting. */
import { readFile, stat, access } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FlagSpec, ParsedArgs } from './args.js';
import { UsageError, getNumber } from './args.js';

/** Where a command writes. `process.stdout` / `process.stderr` satisfy it. */
export interface Writer {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** The outside world of a command run: streams, environment, an interrupt signal. */
export interface CliIO {
  stdout: Writer;
  stderr: Writer;
  /** Environment variables (`RECURRENT_DEBUG`). Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Aborted on Ctrl-C: training stops after the current step and the command wraps up. */
  signal?: AbortSignal;
  /** Standard input (`classify predict` reads texts from it). Default: none. */
  stdin?: AsyncIterable<string | Uint8Array> & { isTTY?: boolean };
}

/** A problem with the user's input (file, flag value): printed as one line, exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** One subcommand. */
export interface Command {
  /** `demo`, `char train`, ... */
  name: string;
  summary: string;
  /** Usage line after `recurrent `. */
  usage: string;
  /** Extra paragraphs for `--help`. */
  details?: string;
  flags: FlagSpec[];
  /** Name of the positional arguments the command takes (shown in help), e.g. `TEXT...`; none when absent. */
  positionals?: string;
  /**
   * The command parses its own options: everything after its name, `--help` included, reaches
   * `run` unparsed as `{ flags: {}, positionals: argv }` (`flags` is then unused). Default false.
   */
  passthrough?: boolean;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

/** Prints one JSON line. */
export function jsonLine(io: CliIO, obj: Record<string, unknown>): void {
  io.stdout.write(JSON.stringify(obj, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
}

/** `1234567` → `1,234,567`. */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Seconds → `0:07`, `1:40`, `1:02:03`. */
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Bytes → `512 B`, `1.2 MB`. */
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Loss to 3 decimals, or `-` when unknown. */
export function fmtLoss(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(3);
}

/** How many characters `CharModel.evaluate(text, { seqLen, maxChars })` scores. */
export function evaluatedChars(maxChars: number, textChars: number, seqLen: number): number {
  const T = Math.min(seqLen, textChars - 1);
  const all = Math.floor((textChars - 1) / T);
  return Math.min(all, Math.ceil(maxChars / T)) * T;
}

/** Indents every line of `text` with `prefix` (for samples). */
export function indent(text: string, prefix: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => prefix + l.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?'))
    .join('\n');
}

/**
 * Reads a UTF-8 text file (gzip-compressed when it starts with the gzip magic bytes), failing
 * with one clear message when it is missing, a directory, unreadable or empty.
 */
export async function readTextFile(path: string, flag: string): Promise<string> {
  let bytes: Buffer;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new CliError(`${flag} ${path}: is a directory, expected a text file`);
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${flag} ${path}: ${fsReason(e)}`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new CliError(`${flag} ${path}: looks gzip-compressed but cannot be decompressed (${(e as Error).message})`);
    }
  }
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim().length === 0) throw new CliError(`${flag} ${path}: the file is empty${text.length ? ' (only whitespace)' : ''}`);
  return text;
}

/** Checks that a model file exists and is a file (before a slow load), with a clear message. */
export async function checkModelFile(path: string, flag: string): Promise<void> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new CliError(`${flag} ${path}: is a directory, expected a .safetensors model file`);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${flag} ${path}: ${fsReason(e)}`);
  }
}

/** Loads the model file `path` given by `flag` with `load` after {@link checkModelFile}, turning a
 *  load error into a one-line CLI error that names the file. */
export async function loadModelFile<T>(path: string, load: (path: string) => Promise<T>, flag = '--model'): Promise<T> {
  await checkModelFile(path, flag);
  try {
    return await load(path);
  } catch (e) {
    const msg = (e as Error).message;
    throw new CliError(msg.startsWith(path) ? msg : `${flag} ${path}: ${msg}`);
  }
}

/** `s` as one POSIX shell word, for commands printed for the user to paste. */
export function shellQuote(s: string): string {
  return /^[\w./@:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Fails early when `path` cannot be written (its folder is missing or read-only). */
export async function checkWritable(path: string, flag: string): Promise<void> {
  const dir = dirname(resolve(path));
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new CliError(`${flag} ${path}: ${dir} is not a folder`);
    await access(dir, fsConstants.W_OK);
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`${flag} ${path}: cannot write there (${code === 'ENOENT' ? `the folder ${dir} does not exist` : fsReason(e)})`);
  }
  try {
    if ((await stat(path)).isDirectory()) throw new CliError(`${flag} ${path}: is a directory; give a file name such as model.safetensors`);
  } catch (e) {
    if (e instanceof CliError) throw e; // a missing file is fine: it will be created
  }
}

function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return (e as Error).message;
}

/** A required flag's value. */
export function required(args: ParsedArgs, name: string, command: string, valueName = 'FILE'): string {
  const v = args.flags[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  if (s === undefined || s === '') throw new UsageError(`missing --${name} ${valueName}`, command);
  return String(s);
}

/** A numeric flag with a default and a range check. */
export function numberFlag(
  args: ParsedArgs,
  name: string,
  def: number,
  check: { min?: number; max?: number; minExclusive?: boolean; command: string },
): number {
  const v = getNumber(args, name) ?? def;
  const { min, max, minExclusive } = check;
  if (min !== undefined && (minExclusive ? !(v > min) : !(v >= min))) {
    throw new UsageError(`--${name} must be ${minExclusive ? '>' : '≥'} ${min}, got ${v}`, check.command);
  }
  if (max !== undefined && !(v <= max)) throw new UsageError(`--${name} must be ≤ ${max}, got ${v}`, check.command);
  return v;
}
