// `recurrent seq2seq train|eval|translate`, run in-process through seq2seqCommand (no build).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seq2seqCommand } from '../../src/cli/seq2seq.js';
import { Rng } from '../../src/tensor/rng.js';
import { type CliRun, captureIO, jsonLines, stdinOf, tempDir } from '../util/cli.js';

const dir = tempDir('recurrent-s2s-cli-');

interface Run extends CliRun {
  error: Error | null;
}

async function run(argv: string[], stdin?: string): Promise<Run> {
  const c = captureIO(stdin === undefined ? {} : { stdin: stdinOf(stdin) });
  try {
    return { code: await seq2seqCommand(argv, c.io), out: c.out(), err: c.err(), error: null };
  } catch (e) {
    return { code: 1, out: c.out(), err: c.err(), error: e as Error };
  }
}

// A tiny "G2P" lexicon: letters → phones, words with E also pronounced with EH.
const PHONES: Record<string, string> = { A: 'AE', B: 'B', C: 'K', D: 'D', E: 'IY', F: 'F' };
function lexicon(n: number, seed: number): string {
  const rng = new Rng(seed);
  const letters = Object.keys(PHONES);
  const seen = new Set<string>();
  const lines: string[] = [];
  while (seen.size < n) {
    const w = Array.from({ length: 2 + rng.int(3) }, () => letters[rng.int(letters.length)]!).join('');
    if (seen.has(w)) continue;
    seen.add(w);
    lines.push(`${w}\t${[...w].map((c) => PHONES[c]).join(' ')}`);
    if (w.includes('E')) lines.push(`${w}\t${[...w].map((c) => (c === 'E' ? 'EH' : PHONES[c])).join(' ')}`);
  }
  return lines.join('\n') + '\n';
}

const trainPath = join(dir, 'train.tsv');
const testPath = join(dir, 'test.tsv');
writeFileSync(trainPath, lexicon(120, 1));
writeFileSync(testPath, lexicon(20, 2));
const modelPath = join(dir, 'g2p.safetensors');
const ckptPath = join(dir, 'ckpt.safetensors');
const SMALL = ['--units', '16', '--embedding', '12', '--cell', 'gru', '--dropout', '0', '--batch-size', '16', '--lr', '0.02'];

describe('recurrent seq2seq', () => {
  it('prints group and command help', async () => {
    const g = await run(['--help']);
    expect(g.code).toBe(0);
    for (const c of ['seq2seq train', 'seq2seq eval', 'seq2seq translate']) expect(g.out).toContain(c);
    const t = await run(['translate', '--help']);
    expect(t.out).toContain('--attention-map FILE');
    expect(t.out).toContain('--beam N');
  });

  it('train --task g2p: JSON progress, validation WER, checkpoint, best model saved', async () => {
    const validPath = join(dir, 'valid.tsv');
    const r = await run(['train', '--task', 'g2p', '--pairs', trainPath, '--out', modelPath, '--epochs', '3', '--checkpoint', ckptPath, '--save-valid', validPath, '--json', ...SMALL]);
    expect(r.error).toBeNull();
    const events = jsonLines(r.out);
    expect(events[0]!.event).toBe('start');
    expect(events[0]!.monitor).toBe('val_wer');
    const epochs = events.filter((e) => e.event === 'epoch');
    expect(epochs.length).toBe(3);
    for (const e of epochs) for (const k of ['loss', 'val_loss', 'val_wer', 'val_per']) expect(typeof e[k]).toBe('number');
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.best).toBe(Math.min(...epochs.map((e) => e.val_wer)));
    expect(existsSync(modelPath)).toBe(true);
    expect(existsSync(ckptPath)).toBe(true);
    expect(existsSync(join(dir, 'ckpt.optim.safetensors'))).toBe(true);
    // The held-out share (whole words) was written for later evaluation.
    const held = readFileSync(validPath, 'utf8').trim().split('\n');
    expect(held.length).toBe(events[0]!.validPairs);
    const trainWords = new Set(readFileSync(trainPath, 'utf8').trim().split('\n').map((l) => l.split('\t')[0]));
    for (const l of held) expect(trainWords.has(l.split('\t')[0])).toBe(true);
  });

  it('train --resume continues from the checkpoint', async () => {
    const out2 = join(dir, 'g2p2.safetensors');
    const r = await run(['train', '--task', 'g2p', '--pairs', trainPath, '--out', out2, '--epochs', '4', '--resume', ckptPath, '--json', ...SMALL]);
    expect(r.error).toBeNull();
    const epochs = jsonLines(r.out).filter((e) => e.event === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([4]);
  });

  it('train --resume keeps the checkpoint learning rate unless --lr is given', async () => {
    const out4 = join(dir, 'g2p4.safetensors');
    const noLr = SMALL.filter((a, i) => a !== '--lr' && SMALL[i - 1] !== '--lr');
    const kept = await run(['train', '--task', 'g2p', '--pairs', trainPath, '--out', out4, '--epochs', '4', '--resume', ckptPath, '--json', ...noLr]);
    expect(kept.error).toBeNull();
    expect(jsonLines(kept.out).filter((e) => e.event === 'epoch').map((e) => e.lr)).toEqual([0.02]);
    const lower = await run(['train', '--task', 'g2p', '--pairs', trainPath, '--out', out4, '--epochs', '4', '--resume', ckptPath, '--json', ...noLr, '--lr', '0.005']);
    expect(lower.error).toBeNull();
    expect(jsonLines(lower.out).filter((e) => e.event === 'epoch').map((e) => e.lr)).toEqual([0.005]);
  });

  it('train --max-steps stops after that many optimizer steps and reports the step count', async () => {
    const out3 = join(dir, 'g2p3.safetensors');
    const r = await run(['train', '--task', 'g2p', '--pairs', trainPath, '--out', out3, '--epochs', '5', '--max-steps', '3', '--json', ...SMALL]);
    expect(r.error).toBeNull();
    const events = jsonLines(r.out);
    const epochs = events.filter((e) => e.event === 'epoch');
    // 120+ pairs in batches of 16 is more than 3 steps: the first epoch is cut short and still scored.
    expect(epochs.map((e) => e.steps)).toEqual([3]);
    expect(typeof epochs[0]!.val_wer).toBe('number');
    expect(events.at(-1)!.stopReason).toBe('maxSteps');
    const t = await run(['train', '--task', 'g2p', '--pairs', trainPath, '--out', out3, '--epochs', '1', '--max-steps', '2', ...SMALL]);
    expect(t.error).toBeNull();
    expect(t.out).toMatch(/epoch +1\/1 .* step 2 /);
    const bad = await run(['train', '--task', 'g2p', '--pairs', trainPath, '--out', out3, '--max-steps', '0', ...SMALL]);
    expect(bad.error?.message).toMatch(/max-steps/);
  });

  it('train --lr-decay: ×X per epoch after --decay-after, or on a val_loss plateau; resume continues the curve', async () => {
    const out5 = join(dir, 'g2p5.safetensors');
    const ck5 = join(dir, 'ck5.safetensors');
    const base = ['train', '--task', 'g2p', '--pairs', trainPath, '--out', out5, '--json', ...SMALL];
    const r = await run([...base, '--epochs', '4', '--lr-decay', '0.5', '--decay-after', '2', '--checkpoint', ck5]);
    expect(r.error).toBeNull();
    const lrs = jsonLines(r.out).filter((e) => e.event === 'epoch').map((e) => e.lr);
    expect(lrs).toEqual([0.02, 0.02, 0.01, 0.005]);
    const resumed = await run([...base, '--epochs', '5', '--lr-decay', '0.5', '--decay-after', '2', '--resume', ck5]);
    expect(resumed.error).toBeNull();
    expect(jsonLines(resumed.out).filter((e) => e.event === 'epoch').map((e) => e.lr)).toEqual([0.0025]);
    // Plateau mode: the logged rate is the one the epoch trained at; it only ever falls, by ×0.5 per fall,
    // and it falls exactly after the epochs whose val_loss was not a new best.
    const p = await run([...base, '--epochs', '6', '--lr', '0.2', '--lr-decay', '0.5']);
    expect(p.error).toBeNull();
    const ep = jsonLines(p.out).filter((e) => e.event === 'epoch');
    let best = Infinity;
    for (let i = 0; i < ep.length - 1; i++) {
      const improved = ep[i]!.val_loss < best * (1 - 1e-4);
      if (improved) best = ep[i]!.val_loss;
      expect(ep[i + 1]!.lr).toBeCloseTo(improved ? ep[i]!.lr : ep[i]!.lr * 0.5, 12);
    }
    expect(ep.at(-1)!.lr).toBeLessThan(0.2);
    for (const bad of [['--lr-decay', '1'], ['--lr-decay', '0'], ['--decay-after', '2']]) {
      const b = await run([...base, '--epochs', '1', ...bad]);
      expect(b.error?.message).toMatch(/lr-decay/);
    }
  });

  it('--no-unk keeps <unk> out of translations and evaluation hypotheses', async () => {
    // 15 words: phones seen fewer than 8 times become <unk> in the target vocabulary, so the model emits it.
    const words = ['BAD', 'FACE', 'CAFE', 'DEAF', 'FED', 'BED', 'DAB', 'CAB', 'FAB', 'ACE', 'BEE', 'FEE', 'DEED', 'FADE', 'BEAD'];
    const small = join(dir, 'unk.tsv');
    writeFileSync(small, words.map((w) => `${w}\t${[...w].map((c) => PHONES[c]).join(' ')}`).join('\n') + '\n');
    const unkModel = join(dir, 'g2p-unk.safetensors');
    const t = await run(['train', '--task', 'g2p', '--pairs', small, '--out', unkModel, '--epochs', '3', '--min-freq', '8', '--valid-fraction', '0', ...SMALL]);
    expect(t.error).toBeNull();
    const some = words.slice(0, 5);
    const plain = jsonLines((await run(['translate', '--model', unkModel, '--beam', '1', '--json', ...some])).out);
    expect(plain.some((l) => l.tokens.includes('<unk>'))).toBe(true);
    for (const beam of ['1', '3']) {
      const r = await run(['translate', '--model', unkModel, '--beam', beam, '--no-unk', '--json', ...some]);
      expect(r.error).toBeNull();
      const lines = jsonLines(r.out);
      expect(lines.length).toBe(some.length);
      for (const l of lines) expect(l.tokens).not.toContain('<unk>');
      // Greedy takes the best real phone where it would have said <unk>; a beam may prefer stopping.
      if (beam === '1') expect(lines.every((l) => l.tokens.length > 0)).toBe(true);
    }
    const e = await run(['eval', '--model', unkModel, '--pairs', small, '--no-unk', '--json']);
    expect(e.error).toBeNull();
    expect(jsonLines(e.out)[0]!.metric).toBe('wer');
  });

  it('eval prints WER and PER (JSON and text)', async () => {
    const j = await run(['eval', '--model', modelPath, '--pairs', testPath, '--beam', '3', '--json']);
    expect(j.error).toBeNull();
    const e = jsonLines(j.out)[0]!;
    expect(e.metric).toBe('wer');
    expect(e.sentences).toBe(20);
    expect(e.wer).toBeGreaterThanOrEqual(0);
    expect(e.per).toBeLessThanOrEqual(100);
    const t = await run(['eval', '--model', modelPath, '--pairs', testPath, '--metric', 'bleu', '--beam', '1']);
    expect(t.out).toMatch(/^BLEU = \d+\.\d\d /);
    // BLEU scores every line (27: words with E have two); WER groups them by word (20).
    const lines = readFileSync(testPath, 'utf8').trim().split('\n').length;
    expect(t.out).toContain(`${lines} sentences in`);
  });

  it('translate: arguments or stdin, n-best, JSON, and an attention map', async () => {
    const a = await run(['translate', '--model', modelPath, '--beam', '3', 'BAD', 'FACE']);
    expect(a.error).toBeNull();
    expect(a.out.trim().split('\n').length).toBe(2);
    const s = await run(['translate', '--model', modelPath, '--json'], 'CAB\n\nDEAF\n');
    const lines = jsonLines(s.out);
    expect(lines.map((l) => l.source)).toEqual(['CAB', 'DEAF']);
    expect(typeof lines[0]!.translation).toBe('string');
    const n = await run(['translate', '--model', modelPath, '--beam', '3', '--n-best', '2', '--json', 'BED']);
    expect(jsonLines(n.out)[0]!.alternatives.length).toBe(1);
    const svgPath = join(dir, 'att.svg');
    const m = await run(['translate', '--model', modelPath, '--attention-map', svgPath, 'DECADE']);
    expect(m.error).toBeNull();
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg).toContain('<svg');
    for (const ch of ['D', 'E', 'C', 'A', '&lt;eos&gt;']) expect(svg).toContain(`>${ch}</text>`);
    expect(m.err).toContain('attention map');
    const smp = await run(['translate', '--model', modelPath, '--sample', '--temperature', '0.5', '--seed', '3', 'BEAD']);
    expect(smp.out.trim().length).toBeGreaterThan(0);
  });

  it('fails with one clear message', async () => {
    const cases: [string[], RegExp][] = [
      [['nope'], /unknown subcommand 'seq2seq nope'/],
      [['trian'], /did you mean 'seq2seq train'/],
      [['train', '--out', modelPath], /missing training data/],
      [['train', '--pairs', trainPath], /missing --out/],
      [['train', '--pairs', join(dir, 'missing.tsv'), '--out', modelPath], /missing.tsv: no such file/],
      [['eval', '--model', modelPath], /missing data/],
      [['eval', '--model', join(dir, 'none.safetensors'), '--pairs', testPath], /--model .*none.safetensors: no such file/],
      [['translate', '--model', modelPath], /give the sentences as arguments/],
      [['translate', '--model', modelPath, '--beam', '2', '--n-best', '3', 'AB'], /--n-best 3 exceeds --beam 2/],
      [['train', '--pairs', trainPath, '--source', trainPath, '--out', modelPath], /give one of --pairs, --source\/--target, --multi30k/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(argv);
      expect(r.error, argv.join(' ')).not.toBeNull();
      expect(r.error!.message).toMatch(re);
    }
  });
});
