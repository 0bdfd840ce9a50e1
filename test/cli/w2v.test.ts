// `recurrent w2v train|similar|analogy|eval`, in-process through `main(argv, io)` on a tiny temp corpus.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { w2vArgv, w2vTrainCommand } from '../../src/cli/w2v.js';
import { expectCleanError, jsonLines, runCli, tempDir } from '../util/cli.js';

const dir = tempDir('recurrent-w2v-cli-');

// "the <noun> <verb> and he|she is happy the crown palace|the house street", from a fixed generator.
function makeCorpus(lines: number): string {
  let s = 7;
  const rand = (n: number): number => Math.floor(((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n);
  const male = ['man', 'king', 'boy', 'father', 'prince'];
  const female = ['woman', 'queen', 'girl', 'mother', 'princess'];
  const verbs = ['walks', 'rules', 'sleeps', 'eats', 'sings'];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const g = rand(2);
    const n = (g ? female : male)[rand(5)]!;
    const royal = /king|queen|prince/.test(n);
    out.push(`the ${n} ${verbs[rand(5)]} and ${g ? 'she' : 'he'} is happy ${royal ? 'the crown palace' : 'the house street'}`);
  }
  return out.join('\n') + '\n';
}

const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, makeCorpus(1500));
const questions = join(dir, 'questions.txt');
writeFileSync(questions, ': family\nman king woman queen\nboy prince girl princess\nfather mother boy girl\nman king zzz queen\n: gram-plural\nking queen prince princess\n');
const pairs = join(dir, 'pairs.tsv');
writeFileSync(pairs, 'Word 1\tWord 2\tHuman (mean)\nking\tqueen\t8.5\nman\twoman\t8.3\nking\tstreet\t1.0\nhouse\tpalace\t5.0\nman\tzzz\t3.0\n');
const txt = join(dir, 'vectors.txt');
const st = join(dir, 'vectors.safetensors');
const small = ['--dim', '12', '--iter', '2', '--min-count', '2', '--threads', '1'];

describe('recurrent w2v', () => {
  it('is listed in the help, with its subcommands', async () => {
    expect((await runCli(['--help'])).out).toMatch(/w2v train/);
    const g = await runCli(['w2v', '--help']);
    expect(g.code).toBe(0);
    expect(g.out).toMatch(/w2v train[\s\S]*w2v similar[\s\S]*w2v analogy[\s\S]*w2v eval/);
    expect((await runCli(['w2v', 'train', '--help'])).out).toMatch(/--min-count/);
  });

  it("rewrites word2vec.c's spellings", () => {
    expect(w2vArgv(['-train', 'c.txt', '-size', '50', '-cbow', '0', '--hs', '1', '-h', 'x', '--', '-size'], w2vTrainCommand.flags)).toEqual([
      '--train', 'c.txt', '--size', '50', '--cbow=0', '--hs=1', '-h', 'x', '--', '-size',
    ]);
  });

  it('trains with C-style flags, then answers similar, analogy and eval', async () => {
    const t = await runCli(['w2v', 'train', '-train', corpus, '-output', txt, '-size', '12', '-cbow', '0', '-iter', '2', '-min-count', '2', '-threads', '1', '-binary', '0', '--seed', '3']);
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/25 words seen at least 2 times/);
    expect(t.out).toMatch(/skip-gram, negative sampling \(5\), dim 12/);
    expect(t.out).toMatch(/epoch 1\/2 {2}loss \d+\.\d{4}/);
    expect(t.out).toMatch(/epoch 2\/2 {2}loss \d+\.\d{4}/);
    expect(t.out).toMatch(/Saved .*vectors\.txt: 25 × 12 vectors, word2vec text/);
    expect(readFileSync(txt, 'utf8').split('\n')[0]).toBe('25 12');

    const s = await runCli(['w2v', 'similar', txt, 'king', '--topn', '3']);
    expect(s.code).toBe(0);
    const rows = s.out.trim().split('\n');
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r).toMatch(/^\S+ +-?\d\.\d{4}$/);
    expect(s.out).not.toMatch(/^king /m);

    const a = await runCli(['w2v', 'analogy', txt, 'man', 'king', 'woman', '--topn', '2']);
    expect(a.code).toBe(0);
    expect(a.out.split('\n')[0]).toBe('man : king :: woman : ?');
    expect(a.out.trim().split('\n')).toHaveLength(3);

    const e = await runCli(['w2v', 'eval', txt, '--analogies', questions, '--pairs', pairs]);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/family +\d+ \/ 3 /);
    expect(e.out).toMatch(/gram-plural +\d+ \/ 1 /);
    expect(e.out).toMatch(/total +\d+ \/ 4 /);
    expect(e.out).toMatch(/Questions seen \/ total: 4 \/ 5 \(80\.00 %\)/);
    expect(e.out).toMatch(/Spearman ρ -?\d\.\d{4}, Pearson r -?\d\.\d{4} over 4 of 5 pairs; OOV 20\.00 %/);
  });

  it('prints JSON lines with --json and saves .safetensors by extension', async () => {
    const t = await runCli(['w2v', 'train', corpus, '--out', st, '--json', '--sg', '--hs', '--negative', '0', ...small]);
    expect(t.code).toBe(0);
    const ev = jsonLines(t.out);
    expect(ev[0]).toMatchObject({ event: 'start', vocab: 25, words: 15000, format: 'safetensors', sg: true, hs: true, negative: 0, dim: 12, iter: 2 });
    const epochs = ev.filter((e) => e.event === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    for (const e of epochs) expect(e.loss).toBeGreaterThan(0);
    const done = ev[ev.length - 1]!;
    expect(done).toMatchObject({ event: 'done', out: st, format: 'safetensors', vocab: 25, dim: 12, words: 30000, threads: 1, stopped: false });
    expect(done.loss).toBe(epochs[1]!.loss);
    expect(existsSync(st)).toBe(true);

    const s = jsonLines((await runCli(['w2v', 'similar', st, 'queen', 'princess', '--topn', '4', '--restrict', '10', '--json'])).out);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ event: 'similar', words: ['queen', 'princess'], restrict: 10 });
    expect(s[0]!.results).toHaveLength(4);
    expect(typeof s[0]!.results[0].similarity).toBe('number');

    const a = jsonLines((await runCli(['w2v', 'analogy', st, 'man', 'king', 'woman', '--cosmul', '--topn', '1', '--json'])).out)[0]!;
    expect(a).toMatchObject({ event: 'analogy', a: 'man', b: 'king', c: 'woman', method: '3cosmul' });
    expect(a.results).toHaveLength(1);

    const e = jsonLines((await runCli(['w2v', 'eval', st, '--analogies', questions, '--pairs', pairs, '--restrict', '30000', '--json'])).out)[0]!;
    expect(e.event).toBe('eval');
    expect(e.analogies.sections.map((x: any) => x.section)).toEqual(['family', 'gram-plural']);
    expect(e.analogies.all).toMatchObject({ seen: 4, total: 5 });
    expect(e.analogies.semantic.seen + e.analogies.syntactic.seen).toBe(4);
    expect(e.pairs).toMatchObject({ pairs: 5, used: 4, oovRatio: 0.2 });
    expect(e.pairs.spearman).toBeGreaterThanOrEqual(-1);
  });

  it('picks the word2vec binary format from .bin or --binary 1', async () => {
    const bin = join(dir, 'v.bin');
    expect((await runCli(['w2v', 'train', corpus, '--out', bin, ...small])).code).toBe(0);
    const forced = join(dir, 'v.vec');
    const r = await runCli(['w2v', 'train', corpus, '--out', forced, '--binary', '1', ...small]);
    expect(r.out).toMatch(/word2vec binary/);
    expect(readFileSync(forced).equals(readFileSync(bin))).toBe(true); // same seed, one thread: same bits
    expect((await runCli(['w2v', 'similar', forced, 'king'])).code).toBe(0);
  });

  describe('errors: one line naming the file or word, exit code 1', () => {
    it('missing, empty or too-rare corpus', async () => {
      expectCleanError(await runCli(['w2v', 'train', join(dir, 'nope.txt'), '--out', join(dir, 'x.bin')]), /^recurrent: corpus .*nope\.txt: no such file$/m);
      const empty = join(dir, 'empty.txt');
      writeFileSync(empty, '');
      expectCleanError(await runCli(['w2v', 'train', empty, '--out', join(dir, 'x.bin')]), /corpus .*empty\.txt: the file is empty/);
      const blank = join(dir, 'blank.txt');
      writeFileSync(blank, '  \n\n\t\n');
      expectCleanError(await runCli(['w2v', 'train', blank, '--out', join(dir, 'x.bin')]), /corpus .*blank\.txt: the corpus is empty \(no words\)/);
      expectCleanError(await runCli(['w2v', 'train', corpus, '--out', join(dir, 'x.bin'), '--min-count', '100000']), /corpus .*corpus\.txt: no word occurs at least 100000 times .*lower --min-count/);
      expect(existsSync(join(dir, 'x.bin'))).toBe(false);
    });

    it('bad flags', async () => {
      expectCleanError(await runCli(['w2v', 'train', corpus]), /missing --out FILE/);
      expectCleanError(await runCli(['w2v', 'train', corpus, '--out', st, '--binary', '1']), /--binary .*\.safetensors/);
      expectCleanError(await runCli(['w2v', 'train', corpus, '--out', txt, '--negative', '0']), /--negative 0 .*--hs/);
      expectCleanError(await runCli(['w2v', 'train', corpus, '--out', txt, '--cbow', '--sg']), /contradict/);
      expectCleanError(await runCli(['w2v', 'train', corpus, '--out', join(dir, 'no', 'dir', 'x.bin')]), /--out .*cannot write there/);
      expectCleanError(await runCli(['w2v', 'analogy', txt, 'man', 'king']), /expected three words A B C/);
      expectCleanError(await runCli(['w2v', 'eval', txt]), /give --analogies FILE and\/or --pairs FILE/);
    });

    it('missing or malformed vectors file', async () => {
      expectCleanError(await runCli(['w2v', 'similar', join(dir, 'nope.bin'), 'king']), /^recurrent: vectors .*nope\.bin: no such file$/m);
      const bad = join(dir, 'bad.txt');
      writeFileSync(bad, 'hello world\nfoo 1 2\n');
      expectCleanError(await runCli(['w2v', 'analogy', bad, 'a', 'b', 'c']), /^recurrent: vectors .*bad\.txt: line 1: expected a header/m);
      const truncated = join(dir, 'trunc.bin');
      writeFileSync(truncated, readFileSync(join(dir, 'v.bin')).subarray(0, 100));
      expectCleanError(await runCli(['w2v', 'eval', truncated, '--pairs', pairs]), /^recurrent: vectors .*trunc\.bin: byte \d+: /m);
    });

    it('unknown word', async () => {
      expectCleanError(await runCli(['w2v', 'similar', txt, 'kingdom']), /^recurrent: unknown word 'kingdom': not among the 25 words of .*vectors\.txt$/m);
      expectCleanError(await runCli(['w2v', 'analogy', txt, 'man', 'King', 'woman']), /unknown word 'King'.*\(did you mean 'king'\?\)/);
    });

    it('missing or malformed evaluation files', async () => {
      expectCleanError(await runCli(['w2v', 'eval', txt, '--analogies', join(dir, 'nope.txt')]), /--analogies .*nope\.txt: no such file/);
      expectCleanError(await runCli(['w2v', 'eval', txt, '--analogies', pairs]), /--analogies .*pairs\.tsv: line 1: expected 4 words/);
      expectCleanError(await runCli(['w2v', 'eval', txt, '--pairs', questions]), /--pairs .*questions\.txt: line 2: expected 'word1 word2 score'/);
    });

    it('adds an error event with --json', async () => {
      const r = await runCli(['w2v', 'similar', txt, 'kingdom', '--json']);
      expect(r.code).toBe(1);
      expect(jsonLines(r.out)[0]).toMatchObject({ event: 'error', message: expect.stringMatching(/unknown word 'kingdom'/) });
    });
  });
});
