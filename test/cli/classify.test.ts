// `recurrent classify train|eval|predict`, in-process through `main(argv, io)` on tiny temp files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/main.js';
import { Rng } from '../../src/tensor/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'recurrent-classify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], extra: Partial<CliIO> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    ...extra,
  });
  return { code, out, err };
}

function jsonLines(s: string): Record<string, any>[] {
  return s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

function expectCleanError(r: Run, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.err.trim().split('\n').length).toBeLessThanOrEqual(2);
}

const FILLER = ['the', 'movie', 'was', 'a', 'plot', 'and', 'actors', 'it', 'really', 'film', 'story', 'quite'];
const CUES: Record<string, string[]> = { positive: ['good', 'great', 'wonderful'], negative: ['bad', 'awful', 'boring'] };

function rows(n: number, seed: number): [string, string][] {
  const rng = new Rng(seed);
  const out: [string, string][] = [];
  for (let i = 0; i < n; i++) {
    const label = rng.int(2) ? 'positive' : 'negative';
    const words = Array.from({ length: 3 + rng.int(8) }, () => FILLER[rng.int(FILLER.length)]!);
    words.splice(rng.int(words.length + 1), 0, CUES[label]![rng.int(3)]!);
    out.push([words.join(' '), label]);
  }
  return out;
}

const csv = (r: [string, string][]): string => 'id,review,sentiment\n' + r.map(([t, l], i) => `${i},"${t}, really",${l}`).join('\n') + '\n';
const trainCsv = join(dir, 'train.csv');
const validCsv = join(dir, 'valid.csv');
const testCsv = join(dir, 'test.csv');
writeFileSync(trainCsv, csv(rows(240, 1)));
writeFileSync(validCsv, csv(rows(60, 2)));
writeFileSync(testCsv, csv(rows(80, 3)));
const model = join(dir, 'model.safetensors');
const COLS = ['--text-column', 'review', '--label-column', 'sentiment'];
const TINY = ['--embedding-dim', '16', '--units', '12', '--dropout', '0.1', '--lr', '0.01', '--batch-size', '16', '--seed', '1'];

describe('classify train / eval / predict round trip', () => {
  it('trains on a CSV, printing JSON lines, and saves the model', async () => {
    const r = await run(['classify', 'train', '--data', trainCsv, '--valid', validCsv, ...COLS, '--out', model, '--epochs', '8', ...TINY, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const ev = jsonLines(r.out);
    expect(ev[0]).toMatchObject({ event: 'start', train: 240, valid: 60, classes: ['negative', 'positive'] });
    const epochs = ev.filter((e) => e.event === 'epoch');
    expect(epochs.length).toBeGreaterThan(0);
    expect(epochs[0]).toHaveProperty('valAccuracy');
    expect(epochs[0]).toHaveProperty('sentencesPerSecond');
    const done = ev[ev.length - 1]!;
    expect(done).toMatchObject({ event: 'done', out: model });
    expect(done.valAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(existsSync(model)).toBe(true);
  });

  it('evaluates: accuracy, macro-F1, per-class precision/recall, confusion matrix', async () => {
    const r = await run(['classify', 'eval', '--model', model, '--data', testCsv, ...COLS, '--json']);
    expect(r.code).toBe(0);
    const [e] = jsonLines(r.out);
    expect(e).toMatchObject({ event: 'eval', n: 80, classes: ['negative', 'positive'] });
    expect(e!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(e!.perClass[0]).toHaveProperty('precision');
    expect(e!.perClass[0]).toHaveProperty('recall');
    expect(e!.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(80);

    const t = await run(['classify', 'eval', '--model', model, '--data', testCsv, ...COLS]);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/accuracy\s+\d+\.\d\d %/);
    expect(t.out).toContain('macro-F1');
    expect(t.out).toContain('confusion matrix');
    expect(t.out).toMatch(/negative\s+\d+\.\d\d\s+\d+\.\d\d/);
  });

  it('predicts texts given as arguments', async () => {
    const r = await run(['classify', 'predict', '--model', model, 'a wonderful film', 'the plot was boring']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^positive\s+\d\.\d{3}\s+\(negative \d\.\d{3}, positive \d\.\d{3}\)\s+a wonderful film$/);
    expect(lines[1]).toMatch(/^negative\s/);
  });

  it('predicts lines from stdin, as JSON', async () => {
    const stdin = Readable.from(['a great movie\n', '\n', 'the actors were aw', 'ful\r\nreally good']);
    const r = await run(['classify', 'predict', '--model', model, '--json'], { stdin });
    expect(r.code).toBe(0);
    const p = jsonLines(r.out);
    expect(p.map((x) => x.text)).toEqual(['a great movie', 'the actors were awful', 'really good']);
    expect(p.map((x) => x.label)).toEqual(['positive', 'negative', 'positive']);
    expect(p[0]!.probabilities.positive + p[0]!.probabilities.negative).toBeCloseTo(1, 6);
  });

  it('prints a readable training log in text mode', async () => {
    const r = await run(['classify', 'train', '--data', trainCsv, ...COLS, '--out', join(dir, 'm2.safetensors'), '--epochs', '2', ...TINY]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('data     ');
    expect(r.out).toMatch(/valid\s+10% of the training data/);
    expect(r.out).toMatch(/model\s+BiLSTM 12, max pooling, word tokens/);
    expect(r.out).toMatch(/epoch\s+time\s+loss/);
    expect(r.out).toMatch(/Trained 2 epochs on 216 texts .* sentences\/s/);
    expect(r.out).toContain('classify eval --model');
  });
});

describe('other formats and options', () => {
  it('reads label<TAB>text and JSON Lines, gzip included, and cross-validates with --folds', async () => {
    const tab = join(dir, 'data.txt.gz');
    writeFileSync(tab, gzipSync(rows(90, 4).map(([t, l]) => `${l}\t${t}`).join('\n') + '\n'));
    const r = await run(['classify', 'train', '--data', tab, '--folds', '3', '--epochs', '6', '--valid-fraction', '0', ...TINY, '--json']);
    expect(r.code).toBe(0);
    const ev = jsonLines(r.out);
    expect(ev.filter((e) => e.event === 'fold')).toHaveLength(3);
    const cv = ev.find((e) => e.event === 'crossValidation')!;
    expect(cv.folds).toBe(3);
    expect(cv.meanAccuracy).toBeGreaterThan(0.6);

    const jl = join(dir, 'data.jsonl');
    writeFileSync(jl, rows(60, 5).map(([t, l]) => JSON.stringify({ text: t, label: l === 'positive' ? 1 : 0 })).join('\n'));
    const m = join(dir, 'jl.safetensors');
    const t = await run(['classify', 'train', '--data', jl, '--out', m, '--epochs', '1', ...TINY, '--json']);
    expect(t.code).toBe(0);
    expect(jsonLines(t.out)[0]!.classes).toEqual(['0', '1']);
  });

  it('reads a corpus with --dataset (class names, dev split as validation)', async () => {
    const sst = join(dir, 'sst');
    mkdirSync(sst);
    const lines = (n: number, seed: number): string => rows(n, seed).map(([t, l]) => `${l === 'positive' ? 1 : 0} ${t}`).join('\n') + '\n';
    writeFileSync(join(sst, 'stsa.binary.train'), lines(80, 6));
    writeFileSync(join(sst, 'stsa.binary.dev.gz'), gzipSync(lines(20, 7)));
    writeFileSync(join(sst, 'stsa.binary.test'), lines(20, 8));
    const m = join(dir, 'sst.safetensors');
    const r = await run(['classify', 'train', '--dataset', 'sst2', '--data-dir', sst, '--out', m, '--epochs', '2', ...TINY, '--json']);
    expect(r.code).toBe(0);
    expect(jsonLines(r.out)[0]).toMatchObject({ train: 80, valid: 20, classes: ['negative', 'positive'] });
    const e = await run(['classify', 'eval', '--model', m, '--dataset', 'sst2', '--data-dir', sst, '--json']);
    expect(e.code).toBe(0);
    expect(jsonLines(e.out)[0]).toMatchObject({ n: 20, data: expect.stringContaining('sst2 test') });

    // --phrases: GLUE's SST-2 train.tsv replaces the train sentences; dev and test stay.
    const glue = join(dir, 'glue_train.tsv');
    writeFileSync(glue, 'sentence\tlabel\n' + rows(90, 10).map(([t, l]) => `${t} \t${l === 'positive' ? 1 : 0}`).join('\n') + '\n');
    const p = await run(['classify', 'train', '--dataset', 'sst2', '--data-dir', sst, '--phrases', glue, '--out', join(dir, 'ph.safetensors'), '--epochs', '1', ...TINY, '--json']);
    expect(p.code).toBe(0);
    expect(jsonLines(p.out)[0]).toMatchObject({ train: 90, valid: 20, classes: ['negative', 'positive'], data: expect.stringContaining('sst2 phrases') });
    writeFileSync(glue, 'sentence\tlabel\ngood film\t1\nbad film\t2\n');
    expectCleanError(await run(['classify', 'train', '--dataset', 'sst2', '--data-dir', sst, '--phrases', glue, '--out', join(dir, 'x.safetensors')]), /glue_train\.tsv:3: expected "<phrase><TAB><label>" with a label in 0, 1/);
    expectCleanError(await run(['classify', 'train', '--dataset', 'mr', '--data-dir', sst, '--phrases', glue, '--folds', '2']), /--phrases .* goes with --dataset sst2 or sst5, not mr/);
    expectCleanError(await run(['classify', 'train', '--data', trainCsv, '--phrases', glue, '--out', join(dir, 'x.safetensors')]), /--phrases goes with --dataset sst2 or sst5/);
  });

  it('--skip-bad-lines skips and counts malformed lines', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, csv(rows(40, 9)) + '99,"unterminated\n' + '100,too,many,fields,here\n');
    const strict = await run(['classify', 'train', '--data', bad, ...COLS, '--out', join(dir, 'b.safetensors'), '--epochs', '1', ...TINY]);
    expectCleanError(strict, /bad\.csv:\d+: /);
    const lenient = await run(['classify', 'train', '--data', bad, ...COLS, '--out', join(dir, 'b.safetensors'), '--epochs', '1', ...TINY, '--skip-bad-lines']);
    expect(lenient.code).toBe(0);
    expect(lenient.err).toMatch(/warning: skipped \d malformed lines? of .*bad\.csv \(first: .*bad\.csv:\d+: /);
  });
});

describe('errors are one clear line', () => {
  it('missing column', async () => {
    const r = await run(['classify', 'train', '--data', trainCsv, '--text-column', 'body', '--label-column', 'sentiment', '--out', join(dir, 'x.safetensors')]);
    expectCleanError(r, /train\.csv:1: no column named "body"; columns are: id, review, sentiment/);
  });

  it('empty file', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expectCleanError(await run(['classify', 'train', '--data', empty, '--out', join(dir, 'x.safetensors')]), /empty\.csv: empty file/);
    const header = join(dir, 'header.csv');
    writeFileSync(header, 'text,label\n');
    expectCleanError(await run(['classify', 'train', '--data', header, '--out', join(dir, 'x.safetensors')]), /header\.csv: no examples after the header line/);
  });

  it('bad labels: one class only, an empty label, a label the model does not know', async () => {
    const one = join(dir, 'one.csv');
    writeFileSync(one, 'text,label\ngood,pos\nfine,pos\n');
    expectCleanError(await run(['classify', 'train', '--data', one, '--out', join(dir, 'x.safetensors')]), /every example has the label "pos"; a classifier needs at least two classes/);
    const emptyLabel = join(dir, 'emptylabel.csv');
    writeFileSync(emptyLabel, 'text,label\ngood,pos\nbad,\n');
    expectCleanError(await run(['classify', 'train', '--data', emptyLabel, '--out', join(dir, 'x.safetensors')]), /emptylabel\.csv:3: empty label in column "label"/);
    const other = join(dir, 'other.csv');
    writeFileSync(other, 'review,sentiment\ngood film,positive\nmeh,neutral\n');
    expectCleanError(await run(['classify', 'eval', '--model', model, '--data', other, ...COLS]), /other\.csv: example 2 has the label "neutral", which the model does not know; its classes are "negative", "positive"/);
  });

  it('usage mistakes', async () => {
    expectCleanError(await run(['classify', 'train', '--out', join(dir, 'x.safetensors')]), /missing --data FILE/);
    expectCleanError(await run(['classify', 'train', '--data', trainCsv]), /missing --out/);
    expectCleanError(await run(['classify', 'train', '--dataset', 'sst2', '--out', 'x.safetensors']), /--dataset sst2 needs --data-dir/);
    expectCleanError(await run(['classify', 'eval', '--model', join(dir, 'nope.safetensors'), '--data', testCsv]), /--model .*nope\.safetensors: no such file/);
    expectCleanError(await run(['classify', 'predict', '--model', model]), /give the texts to classify/);
    expectCleanError(await run(['classify', 'tran']), /unknown subcommand 'classify tran' \(did you mean 'classify train'\?\)/);
    expectCleanError(await run(['classify', 'eval', '--model', trainCsv, '--data', testCsv]), /--model .*train\.csv/);
  });

  it('help', async () => {
    const g = await run(['classify', '--help']);
    expect(g.code).toBe(0);
    for (const s of ['classify train', 'classify eval', 'classify predict']) expect(g.out).toContain(s);
    const t = await run(['classify', 'train', '--help']);
    expect(t.out).toContain('--text-column');
    expect(t.out).toContain('--folds');
    const top = await run(['--help']);
    expect(top.out).toContain('classify train');
  });
});
