// `recurrent seq2seq` on bad input, through the whole CLI (`main`, as a user runs it): a pair line
// without a tab, an empty pairs file and a truncated model file each give exit code 1 and one line
// on stderr that names the file (and the line) — no stack trace, no "looks like a bug" hint, and
// nothing written to --out.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Seq2SeqTranslator } from '../../src/apps/seq2seq/translator.js';
import { type CliRun, expectCleanError, jsonLines, runCli, tempDir } from '../util/cli.js';

const dir = tempDir('recurrent-s2s-cli-errors-');
const p = (name: string): string => join(dir, name);
const GOOD = 'AB\tAE B\nBA\tB AE\nCAB\tK AE B\nDAB\tD AE B\n';
const out = p('out.safetensors');
const TRAIN = ['--task', 'g2p', '--out', out, '--epochs', '1', '--units', '4', '--embedding', '3', '--valid-fraction', '0'];

/** One line on stderr (`recurrent: …`), matching `re`, naming `file` exactly once; no bug hint. */
function expectOneLine(r: CliRun, re: RegExp, file: string): void {
  expectCleanError(r, re);
  const lines = r.err.trimEnd().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]!.startsWith('recurrent: ')).toBe(true);
  expect(r.err.split(file).length - 1, `names ${file} once: ${r.err}`).toBe(1);
  expect(r.err).not.toMatch(/bug in recurrent|TypeError|RangeError|undefined/);
  expect(existsSync(out)).toBe(false);
}

const modelPath = p('m.safetensors');
beforeAll(async () => {
  writeFileSync(p('good.tsv'), GOOD);
  // Line 4 has a space where the tab belongs; a blank line 2 makes the file line differ from the pair index.
  writeFileSync(p('bad.tsv'), 'AB\tAE B\n\nBA\tB AE\nCAB K AE B\nDAB\tD AE B\n');
  writeFileSync(p('bad.tsv.gz'), gzipSync(readFileSync(p('bad.tsv'))));
  writeFileSync(p('empty.tsv'), '');
  writeFileSync(p('blank.tsv'), '\n  \n\r\n');
  writeFileSync(p('empty.tsv.gz'), gzipSync(Buffer.alloc(0)));
  const tr = Seq2SeqTranslator.create({ sources: ['AB', 'BA', 'CAB'], targets: ['AE B', 'B AE', 'K AE B'] }, { sourceTokens: 'char', targetTokens: 'space', units: 4, embeddingDim: 3 });
  await tr.save(modelPath);
  const bytes = readFileSync(modelPath);
  // Cut in half (inside the JSON header for a model this small), and cut in the tensor data.
  writeFileSync(p('half.safetensors'), bytes.subarray(0, bytes.length >> 1));
  writeFileSync(p('late.safetensors'), bytes.subarray(0, bytes.length - 40));
  expect(bytes.length >> 1).toBeLessThan(bytes.length - 40);
});

describe('seq2seq CLI: a pair line without a tab', () => {
  for (const file of ['bad.tsv', 'bad.tsv.gz'])
    it(`${file}: train, eval and --valid-pairs name the file and line 4`, async () => {
      const f = p(file);
      const re = new RegExp(`${f.replace(/\./g, '\\.')}:4: expected source<TAB>target, found no tab in "CAB K AE B"`);
      expectOneLine(await runCli(['seq2seq', 'train', '--pairs', f, ...TRAIN]), re, f);
      expectOneLine(await runCli(['seq2seq', 'eval', '--model', modelPath, '--pairs', f]), re, f);
      expectOneLine(await runCli(['seq2seq', 'train', '--pairs', p('good.tsv'), '--valid-pairs', f, ...TRAIN]), re, f);
    });

  it('with --json: one error event on stdout, the same single line on stderr', async () => {
    const f = p('bad.tsv');
    const r = await runCli(['seq2seq', 'train', '--pairs', f, ...TRAIN, '--json']);
    expectOneLine(r, /bad\.tsv:4: expected source<TAB>target/, f);
    const events = jsonLines(r.out);
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual({ event: 'error', message: r.err.trim().slice('recurrent: '.length) });
  });
});

describe('seq2seq CLI: an empty pairs file', () => {
  for (const file of ['empty.tsv', 'blank.tsv', 'empty.tsv.gz'])
    it(`${file}: "no pairs found" naming the file, for train and eval`, async () => {
      const f = p(file);
      const re = new RegExp(`${f.replace(/\./g, '\\.')}: no pairs found`);
      expectOneLine(await runCli(['seq2seq', 'train', '--pairs', f, ...TRAIN]), re, f);
      expectOneLine(await runCli(['seq2seq', 'eval', '--model', modelPath, '--pairs', f]), re, f);
    });
});

describe('seq2seq CLI: a truncated model file', () => {
  it('the intact model works (so the failures below are the cut)', async () => {
    const r = await runCli(['seq2seq', 'translate', '--model', modelPath, '--beam', '1', 'AB']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n').length).toBe(2);
  });

  for (const [file, re] of [
    ['half.safetensors', /truncated: header says \d+ bytes, file has \d+/],
    ['late.safetensors', /truncated: tensor '[\w.]+' needs bytes \[\d+, \d+\) but the data section has \d+ bytes/],
  ] as const)
    it(`${file}: translate, eval and train --resume name the file once`, async () => {
      const f = p(file);
      expectOneLine(await runCli(['seq2seq', 'translate', '--model', f, 'AB']), re, f);
      expectOneLine(await runCli(['seq2seq', 'eval', '--model', f, '--pairs', p('good.tsv')]), re, f);
      // --resume used to print the path twice ("--resume F: F: truncated ...").
      expectOneLine(await runCli(['seq2seq', 'train', '--pairs', p('good.tsv'), '--resume', f, ...TRAIN]), re, f);
    });
});
