// The CLI is tested in-process through `main(argv, io)`, so no build is needed.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HINT } from '../../src/cli/demo.js';
import { DEMO_SENTENCES, SENTIMENT_HINT, SENTIMENT_PREDICT_HINT } from '../../src/cli/demo_sentiment.js';
import { Dense, LSTM, Sequential, VERSION, saveModel } from '../../src/index.js';
import { expectCleanError, jsonLines, runCli, tempDir } from '../util/cli.js';

const dir = tempDir('recurrent-cli-');

const TEXT = 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(12);
const textPath = join(dir, 'tiny.txt');
writeFileSync(textPath, TEXT);
const modelPath = join(dir, 'tiny.safetensors');

describe('help and version', () => {
  it('prints the top-level help (also with no arguments)', async () => {
    for (const argv of [['--help'], ['-h'], [], ['help']]) {
      const r = await runCli(argv);
      expect(r.code).toBe(0);
      expect(r.out).toContain('Usage: recurrent <command>');
      for (const c of ['demo', 'char train', 'char sample', 'char eval', 'info']) expect(r.out).toContain(c);
    }
  });

  it('prints per-command help', async () => {
    const d = await runCli(['demo', '--help']);
    expect(d.code).toBe(0);
    expect(d.out).toContain('Usage: recurrent demo');
    expect(d.out).toContain('--seconds S');
    const t = await runCli(['char', 'train', '-h']);
    expect(t.out).toContain('--text FILE');
    expect(t.out).toContain('--cell lstm|gru');
    expect((await runCli(['help', 'char', 'eval'])).out).toContain('Usage: recurrent char eval');
    const c = await runCli(['char', '--help']);
    expect(c.code).toBe(0);
    expect(c.out).toContain('recurrent char <train|sample|eval>');
  });

  it('prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r).toEqual({ code: 0, out: `${VERSION}\n`, err: '' });
  });
});

describe('usage errors', () => {
  it('rejects an unknown command, suggesting the near one', async () => {
    const r = await runCli(['dmeo']);
    expectCleanError(r, /unknown command 'dmeo' \(did you mean 'demo'\?\); commands: demo, char, classify, .*info/);
    expect(r.err).toContain("Run 'recurrent --help'");
    expectCleanError(await runCli(['char', 'fit']), /unknown subcommand 'char fit'/);
    expectCleanError(await runCli(['char']), /'char' needs a subcommand: train, sample, eval/);
    expectCleanError(await runCli(['--frobnicate']), /unknown flag --frobnicate for 'recurrent'; valid flags: --help, --version/);
  });

  it('rejects an unknown flag, naming it and listing the valid ones', async () => {
    const r = await runCli(['demo', 'char', '--second', '5']);
    expectCleanError(r, /unknown flag --second for 'recurrent demo char' \(did you mean --seconds\?\); valid flags: --seconds, --units, --layers/);
    expect(r.err).toContain("Run 'recurrent demo char --help'");
    expectCleanError(await runCli(['char', 'train', '--text', textPath, '--out', modelPath, '--bogus']), /unknown flag --bogus for 'recurrent char train'.*--valid-fraction/);
  });

  it('rejects bad values, missing required flags and stray arguments', async () => {
    expectCleanError(await runCli(['demo', '--units', 'lots']), /--units expects a number, got 'lots'/);
    expectCleanError(await runCli(['demo', '--seconds', '0']), /--seconds must be > 0, got 0/);
    expectCleanError(await runCli(['char', 'train', '--out', modelPath]), /missing --text FILE/);
    expectCleanError(await runCli(['char', 'train', '--text', textPath]), /missing --out MODEL.safetensors/);
    expectCleanError(await runCli(['char', 'train', textPath]), /unexpected argument '.*tiny.txt'.*did you mean --text/);
    expectCleanError(await runCli(['char', 'train', '--text', textPath, '--out', modelPath, '--cell', 'rnn']), /--cell must be one of lstm, gru/);
    expectCleanError(await runCli(['char', 'sample', '--model', modelPath, '--temperature', '-1']), /--temperature must be ≥ 0/);
  });
});

describe('char train / sample / eval', () => {
  const trainArgs = ['char', 'train', '--text', textPath, '--out', modelPath, '--seconds', '2', '--units', '16', '--layers', '1', '--seq-len', '16', '--batch-size', '8', '--lr', '0.01'];

  it('trains a tiny model within the time budget and saves it', async () => {
    const t0 = performance.now();
    const r = await runCli(trainArgs);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((performance.now() - t0) / 1000).toBeLessThan(10);
    expect(r.out).toContain('LSTM 16');
    expect(r.out).toMatch(/Validation loss \d+\.\d{3} nats\/char \(\d+\.\d{3} bits\/char\)/);
    expect(r.out).toContain(`Saved ${modelPath}`);
    expect(r.out).toContain('npx recurrent char sample --model');
    expect(existsSync(modelPath)).toBe(true);
  });

  it('prints JSON lines with --json', async () => {
    const out = join(dir, 'json.safetensors');
    const r = await runCli(['char', 'train', '--text', textPath, '--out', out, '--epochs', '0.5', '--units', '8', '--layers', '1', '--seq-len', '16', '--batch-size', '4', '--cell', 'gru', '--json']);
    expect(r.code).toBe(0);
    const events = jsonLines(r.out);
    expect(events[0]).toMatchObject({ event: 'start', cell: 'gru', units: 8, seqLen: 16 });
    expect(events.filter((e) => e.event === 'round').length).toBeGreaterThanOrEqual(1);
    const done = events.at(-1)!;
    expect(done).toMatchObject({ event: 'done', out, stopReason: 'steps' });
    expect(done.steps).toBe(events[0]!.maxSteps);
    expect(done.valBitsPerChar).toBeCloseTo(done.valLoss / Math.LN2, 10);
  });

  it('samples from the saved model: prefix + length characters, reproducible with --seed', async () => {
    const a = await runCli(['char', 'sample', '--model', modelPath, '--prefix', 'To be', '--length', '80', '--seed', '7']);
    expect(a.code).toBe(0);
    expect(a.out.startsWith('To be')).toBe(true);
    expect([...a.out.replace(/\n$/, '')].length).toBeGreaterThanOrEqual(80);
    const b = await runCli(['char', 'sample', '--model', modelPath, '--prefix', 'To be', '--length', '80', '--seed', '7']);
    expect(b.out).toBe(a.out);
    const g = jsonLines((await runCli(['char', 'sample', '--model', modelPath, '--length', '30', '--temperature', '0', '--json'])).out)[0]!;
    expect(g).toMatchObject({ event: 'sample', prefix: '', length: 30, temperature: 0 });
    expect([...g.text]).toHaveLength(30);
  });

  it('evaluates the saved model in nats/char and bits/char', async () => {
    const r = await runCli(['char', 'eval', '--model', modelPath, '--text', textPath]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\d+\.\d{3} nats\/char, \d+\.\d{3} bits\/char/);
    const j = jsonLines((await runCli(['char', 'eval', '--model', modelPath, '--text', textPath, '--json'])).out)[0]!;
    expect(j.event).toBe('eval');
    expect(j.bitsPerChar).toBeCloseTo(j.natsPerChar / Math.LN2, 10);
    expect(j.seqLen).toBe(16); // the training window, kept in the model file
    expect(j.natsPerChar).toBeLessThan(Math.log(30));
  });

  it('reads gzip-compressed text', async () => {
    const gz = join(dir, 'tiny.txt.gz');
    writeFileSync(gz, gzipSync(TEXT));
    const r = await runCli(['char', 'eval', '--model', modelPath, '--text', gz, '--json']);
    expect(r.code).toBe(0);
    expect(jsonLines(r.out)[0]!.chars).toBeGreaterThan(900);
  });
});

describe('bad input: one clear message, exit code 1, no stack trace', () => {
  it('missing files', async () => {
    const nope = join(dir, 'nope.txt');
    expectCleanError(await runCli(['char', 'train', '--text', nope, '--out', modelPath]), /--text .*nope.txt: no such file/);
    expectCleanError(await runCli(['char', 'sample', '--model', join(dir, 'nope.safetensors')]), /--model .*nope.safetensors: no such file/);
    expectCleanError(await runCli(['char', 'eval', '--model', modelPath, '--text', nope]), /--text .*nope.txt: no such file/);
    expectCleanError(await runCli(['char', 'train', '--text', dir, '--out', modelPath]), /is a directory/);
    expectCleanError(await runCli(['char', 'train', '--text', textPath, '--out', join(dir, 'no-such-dir', 'm.safetensors')]), /cannot write there \(the folder .* does not exist\)/);
  });

  it('empty and too-short text', async () => {
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    expectCleanError(await runCli(['char', 'train', '--text', empty, '--out', modelPath]), /empty.txt: the file is empty/);
    const blank = join(dir, 'blank.txt');
    writeFileSync(blank, '  \n\n ');
    expectCleanError(await runCli(['char', 'eval', '--model', modelPath, '--text', blank]), /the file is empty \(only whitespace\)/);
    const short = join(dir, 'short.txt');
    writeFileSync(short, 'hello there');
    expectCleanError(await runCli(['char', 'train', '--text', short, '--out', join(dir, 's.safetensors')]), /only 9 characters to train on.*--seq-len \+ 1 = 65/);
  });

  it('a model file that is not a char model', async () => {
    const plain = join(dir, 'plain.safetensors');
    await saveModel(new Sequential([new LSTM({ units: 4, inputShape: [null, 3] }), new Dense({ units: 2 })]), plain);
    expectCleanError(await runCli(['char', 'sample', '--model', plain]), /plain.safetensors: a recurrent model, but not a char model/);
    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'this is not a safetensors file at all');
    expectCleanError(await runCli(['char', 'eval', '--model', junk, '--text', textPath]), /junk.safetensors: /);
  });

  it('characters the model never saw', async () => {
    const other = join(dir, 'other.txt');
    writeFileSync(other, 'Zebras quietly jump! 🦓');
    expectCleanError(await runCli(['char', 'eval', '--model', modelPath, '--text', other]), /has \d+ characters the model never saw in training \(.*"🦓"/);
    expectCleanError(await runCli(['char', 'sample', '--model', modelPath, '--prefix', 'Zo']), /--prefix has 1 character the model never saw/);
  });

  it('prints the stack trace only with RECURRENT_DEBUG=1', async () => {
    const argv = ['char', 'sample', '--model', join(dir, 'plain.safetensors')];
    const r = await runCli(argv, { env: { RECURRENT_DEBUG: '1' } });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\n\s+at /);
  });

  it('reports errors as a JSON line too with --json', async () => {
    const r = await runCli(['char', 'eval', '--model', join(dir, 'nope.safetensors'), '--text', textPath, '--json']);
    expect(r.code).toBe(1);
    expect(jsonLines(r.out)[0]).toMatchObject({ event: 'error' });
  });
});

describe('info', () => {
  it('prints version, node, backend, memory and cores', async () => {
    const r = await runCli(['info']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(VERSION);
    expect(r.out).toMatch(/backend\s+(ref|wasm|native)/);
    // The native add-on: its build when it loads (then auto picks it), else why not.
    expect(r.out).toMatch(/native\s+(add-on built \(.+\)|not available: .+)/);
    if (/native\s+add-on built/.test(r.out)) expect(r.out).toMatch(/backend\s+native/);
    expect(r.out).toMatch(/memory\s+(shared|not shared)/);
    expect(r.out).toMatch(/cores\s+\d+/);
    const j = jsonLines((await runCli(['info', '--json'])).out)[0]!;
    expect(j).toMatchObject({ event: 'info', version: VERSION, node: process.versions.node });
    expect(typeof j.sharedMemory).toBe('boolean');
  });
});

describe('demo (sentiment, what npm start runs)', () => {
  it('trains on the shipped SST-2 within the budget, reports test accuracy, classifies the examples and prints the hint', async () => {
    const t0 = performance.now();
    const r = await runCli(['demo', '--seconds', '2', '--units', '8', '--epochs', '1']);
    const took = (performance.now() - t0) / 1000;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(took).toBeLessThan(20);
    expect(r.out).toContain('SST-2 (Stanford Sentiment Treebank): 6,920 training, 872 dev and 1,821 test sentences');
    expect(r.out).toMatch(/\n\s+1\s+0:0\d\s+\d\.\d{4}\s+\d+\.\d\d%\s+\d+\.\d\d%/); // an epoch line
    const acc = /Test accuracy: (\d+\.\d\d)% on 1,821 held-out sentences/.exec(r.out);
    expect(acc).not.toBeNull();
    expect(+acc![1]!).toBeGreaterThan(0);
    expect(+acc![1]!).toBeLessThanOrEqual(100);
    for (const s of DEMO_SENTENCES) expect(r.out).toMatch(new RegExp(`\\n  (negative|positive) +[01]\\.\\d{3}  ${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    expect(r.out).toContain(`  ${SENTIMENT_HINT}\n`);
    expect(r.out.trimEnd().endsWith(SENTIMENT_PREDICT_HINT)).toBe(true);
  });

  it('prints JSON lines with --json, and help that points to demo char', async () => {
    const r = await runCli(['demo', '--seconds', '1', '--units', '4', '--epochs', '1', '--json']);
    expect(r.code).toBe(0);
    const events = jsonLines(r.out);
    expect(events[0]).toMatchObject({ event: 'start', command: 'demo', data: 'sst2', train: 6920, dev: 872, test: 1821, units: 4 });
    expect(events.some((e) => e.event === 'epoch' && e.epoch === 1 && e.devAccuracy > 0)).toBe(true);
    const done = events.at(-1)!;
    expect(done).toMatchObject({ event: 'done', testSize: 1821, hint: SENTIMENT_HINT });
    expect(done.testAccuracy).toBeGreaterThan(0);
    expect(done.examples.map((e: { text: string }) => e.text)).toEqual(DEMO_SENTENCES);
    expect(done.examples.every((e: { label: string; probability: number }) => ['negative', 'positive'].includes(e.label) && e.probability >= 0.5)).toBe(true);
    const h = await runCli(['demo', '--help']);
    expect(h.out).toContain('recurrent demo char');
    expect((await runCli(['demo', 'char', '--help'])).out).toContain('Usage: recurrent demo char');
  });
});

describe('demo char', () => {
  it('trains on the shipped Shakespeare within the budget and prints rounds, a sample and the hint', async () => {
    const t0 = performance.now();
    const r = await runCli(['demo', 'char', '--seconds', '3', '--units', '16']);
    const took = (performance.now() - t0) / 1000;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(took).toBeLessThan(15);
    expect(r.out).toContain('tinyshakespeare: 1,115,394 characters, 65 distinct');
    expect(r.out).toMatch(/\n\s+1\s+0:0\d\s+\d\.\d{3}\s+\d\.\d{3}\s+[\d,]+\n/); // a round line
    expect(r.out).toContain('       │ '); // its sample
    expect(r.out).toMatch(/Validation loss \d\.\d{3} nats\/char/);
    expect(r.out).toContain('Sample (500 characters, temperature 0.8):');
    expect(r.out.trimEnd().endsWith(HINT)).toBe(true);
  });

  it('prints JSON lines with --json', async () => {
    const r = await runCli(['demo', 'char', '--seconds', '2', '--units', '8', '--json']);
    expect(r.code).toBe(0);
    const events = jsonLines(r.out);
    expect(events[0]).toMatchObject({ event: 'start', command: 'demo char', vocab: 65, units: 8, layers: 1 });
    expect(events.some((e) => e.event === 'round' && typeof e.sample === 'string' && e.valLoss > 0)).toBe(true);
    const done = events.at(-1)!;
    expect(done).toMatchObject({ event: 'done', hint: HINT });
    expect(done.valLoss).toBeGreaterThan(0);
    expect(done.sample.length).toBe(500);
  });
});
