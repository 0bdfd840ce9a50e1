// Shared harness for the in-process CLI tests: run a command with captured output, temp folders,
// JSON-line parsing and the "clean error" check (exit 1, one short line, no stack trace).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

/** What one run printed and returned. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** IO whose stdout/stderr are kept in memory; `extra` adds to or replaces fields (`env` defaults to
 *  `{}`, so the host's `RECURRENT_DEBUG` does not leak in). */
export function captureIO(extra: Partial<CliIO> = {}): { io: CliIO; out(): string; err(): string } {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {}, ...extra };
  return { io, out: () => out, err: () => err };
}

/** Runs `command` (default: the whole CLI, `main(argv, io)`) on captured IO. */
export async function runCli(argv: string[], extra: Partial<CliIO> = {}, command: (argv: string[], io: CliIO) => Promise<number> = main): Promise<CliRun> {
  const c = captureIO(extra);
  const code = await command(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** A non-TTY stdin that yields `text` once. */
export function stdinOf(text: string): NonNullable<CliIO['stdin']> {
  return Object.assign(
    (async function* () {
      yield text;
    })(),
    { isTTY: false },
  );
}

/** A fresh folder under the OS temp dir, removed after the file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** One parsed object per line of `s`. */
export function jsonLines(s: string): Record<string, any>[] {
  return s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** Exit code 1 with at most two lines on stderr matching `pattern`, and no stack trace. */
export function expectCleanError(r: CliRun, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.err.trim().split('\n').length).toBeLessThanOrEqual(2);
}
