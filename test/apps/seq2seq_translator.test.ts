import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { groupReferences, holdOut, loadMulti30k, loadPairs, parsePairs, parseParallel } from '../../src/apps/seq2seq/data.js';
import type { ParallelText } from '../../src/apps/seq2seq/data.js';
import { attentionSvg } from '../../src/apps/seq2seq/svg.js';
import { Seq2SeqTranslator } from '../../src/apps/seq2seq/translator.js';
import { EarlyStopping, ModelCheckpoint } from '../../src/train/callbacks.js';
import { Rng } from '../../src/tensor/rng.js';

// The translator app on a tiny synthetic G2P task (letters → "phones", some words with two
// pronunciations): data loading, tokenisation and vocabularies, save/load, checkpoints and
// resume, early stopping on validation WER, scheduled sampling, evaluation, attention maps.

const dir = mkdtempSync(join(tmpdir(), 'recurrent-s2s-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PHONES: Record<string, string> = { A: 'AE', B: 'B', C: 'K', D: 'D', E: 'IY', F: 'F', G: 'G', H: 'HH' };

/** Words of 2–5 letters A–H; words with an E get a second pronunciation (EH) on its own line. */
function lexicon(n: number, seed: number): ParallelText {
  const rng = new Rng(seed);
  const letters = Object.keys(PHONES);
  const sources: string[] = [];
  const targets: string[] = [];
  const seen = new Set<string>();
  while (seen.size < n) {
    const w = Array.from({ length: 2 + rng.int(4) }, () => letters[rng.int(letters.length)]!).join('');
    if (seen.has(w)) continue;
    seen.add(w);
    sources.push(w);
    targets.push([...w].map((c) => PHONES[c]).join(' '));
    if (w.includes('E')) {
      sources.push(w);
      targets.push([...w].map((c) => (c === 'E' ? 'EH' : PHONES[c])).join(' '));
    }
  }
  return { sources, targets };
}

const G2P = { sourceTokens: 'char', targetTokens: 'space', units: 24, decoderUnits: 24, embeddingDim: 16, attentionUnits: 16, cell: 'gru', seed: 2 } as const;

describe('parallel data', () => {
  it('parses TSV pairs (third column ignored, blank lines skipped) with line numbers in errors', () => {
    expect(parsePairs('ABLE\tEY B AH L\n\nGo.\tVa !\tCC-BY 2.0 (France) Attribution\n')).toEqual({ sources: ['ABLE', 'Go.'], targets: ['EY B AH L', 'Va !'] });
    expect(() => parsePairs('a\tb\nno tab here\n', 'x.tsv')).toThrow(/x.tsv:2: expected source<TAB>target, found no tab in "no tab here"/);
    expect(() => parsePairs('\n\n', 'e.tsv')).toThrow(/e.tsv: no pairs found/);
  });

  it('zips parallel files and checks they are line-aligned', () => {
    expect(parseParallel('Ein Hund.\nZwei.\n', 'A dog.\nTwo.\n')).toEqual({ sources: ['Ein Hund.', 'Zwei.'], targets: ['A dog.', 'Two.'] });
    expect(() => parseParallel('a\nb\n', 'x\n', 'de.txt', 'en.txt')).toThrow(/de.txt has 2 lines but en.txt has 1/);
  });

  it('reads gzip-compressed pair files', async () => {
    const p = join(dir, 'pairs.tsv.gz');
    writeFileSync(p, gzipSync('READ\tR IY D\nREAD\tR EH D\nRED\tR EH D\n'));
    const d = await loadPairs(p);
    expect(d.sources).toEqual(['READ', 'READ', 'RED']);
    expect(groupReferences(d)).toEqual({ sources: ['READ', 'RED'], references: [['R IY D', 'R EH D'], ['R EH D']] });
  });

  it('holds out whole sources (all their pronunciations together)', () => {
    const d = lexicon(60, 1);
    const { train, valid } = holdOut(d, 0.2, 3);
    expect(train.sources.length + valid.sources.length).toBe(d.sources.length);
    const t = new Set(train.sources);
    for (const s of valid.sources) expect(t.has(s)).toBe(false);
    expect(new Set(valid.sources).size).toBe(12);
  });

  const m30k = '/work/shared/data/multi30k';
  it.skipIf(!existsSync(m30k))('loads Multi30k test_2016_flickr (1,000 German–English pairs)', async () => {
    const d = await loadMulti30k(m30k, 'test_2016_flickr', 'de', 'en');
    expect(d.sources.length).toBe(1000);
    expect(d.targets.length).toBe(1000);
    expect(d.sources[0]!.length).toBeGreaterThan(5);
  });
});

describe('Seq2SeqTranslator', () => {
  const data = lexicon(150, 5);
  const { train, valid } = holdOut(data, 0.15, 1);

  it('builds tokenizers and vocabularies (specials first) for each side', () => {
    const tr = Seq2SeqTranslator.create(train, G2P);
    expect(tr.sourceVocab.tokens.slice(0, 4)).toEqual(['<pad>', '<unk>', '<sos>', '<eos>']);
    expect(tr.sourceVocab.size).toBe(4 + 8);
    expect(tr.targetVocab.tokens).toContain('EH');
    expect(tr.targetText(tr.targetIds('B AE D'))).toBe('B AE D');
    expect(tr.sourceIds('BAD').length).toBe(3);
    expect(tr.metric).toBe('wer');
    const mt = Seq2SeqTranslator.create({ sources: ['Ein Hund läuft.'], targets: ["A dog's running."] }, { units: 8, embeddingDim: 4 });
    // Word tokens split punctuation but keep contractions whole, as 13a BLEU tokenisation does.
    expect(mt.targetVocab.tokens.slice(4)).toEqual(['.', 'a', "dog's", 'running']);
    expect(mt.metric).toBe('bleu');
  });

  it('saves and loads: identical translations, scores and attention', async () => {
    const tr = Seq2SeqTranslator.create(train, G2P);
    await tr.train(train, { epochs: 2, batchSize: 16, lr: 0.01 });
    const path = join(dir, 'g2p.safetensors');
    await tr.save(path);
    const back = await Seq2SeqTranslator.load(path);
    const words = valid.sources.slice(0, 6);
    for (const opts of [{ beamSize: 1 }, { beamSize: 4, nBest: 2 }, { beamSize: 3, returnAttention: true }]) {
      expect(back.translate(words, opts)).toEqual(tr.translate(words, opts));
    }
    expect(back.sourceTokens).toBe('char');
    expect(back.model.config).toEqual(tr.model.config);
  });

  it('resuming from a checkpoint continues exactly where uninterrupted training goes', async () => {
    const opts = { epochs: 3, batchSize: 16, lr: 0.01, samplingRate: 0.2, seed: 4 };
    const a = Seq2SeqTranslator.create(train, { ...G2P, dropout: 0.1 });
    await a.train(train, opts);
    const b = Seq2SeqTranslator.create(train, { ...G2P, dropout: 0.1 });
    const ck = join(dir, 'ckpt.safetensors');
    await b.train(train, { ...opts, epochs: 2, callbacks: [new ModelCheckpoint({ path: ck })] });
    const c = await Seq2SeqTranslator.load(ck);
    const h = await c.train(train, { ...opts, resume: ck });
    expect(h.epochs).toEqual([0, 1, 2]);
    const wa = a.model.stateDict();
    const wc = c.model.stateDict();
    for (const k of Object.keys(wa)) expect(Array.from(wc[k]!.data), k).toEqual(Array.from(wa[k]!.data));
  });

  it('logs validation WER/PER and stops early on val_wer, restoring the best weights', async () => {
    const tr = Seq2SeqTranslator.create(train, G2P);
    const stop = new EarlyStopping({ monitor: 'val_wer', mode: 'min', patience: 0, restoreBestWeights: true });
    const h = await tr.train(train, { valid, epochs: 12, batchSize: 16, lr: 0.02, callbacks: [stop] });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'lr', 'val_loss', 'val_per', 'val_wer']);
    const wers = h.history.val_wer!;
    const best = Math.min(...wers);
    expect(wers[stop.bestEpoch]).toBe(best);
    const e = tr.evaluate(valid, { beamSize: 1 });
    expect(e.metric).toBe('wer');
    expect(e.wer).toBeCloseTo(best, 6);
    expect(e.sentences).toBe(new Set(valid.sources).size);
    expect(e.per!).toBeLessThanOrEqual(e.wer!);
    // BLEU of the same output is available too.
    const b = tr.evaluate(valid, { metric: 'bleu', beamSize: 1 });
    expect(b.bleu!).toBeGreaterThanOrEqual(0);
    expect(b.bleuDetail).toMatch(/^BLEU = /);
  });

  it('trains with input feeding and scheduled sampling (the step-by-step decoder loop)', async () => {
    const tr = Seq2SeqTranslator.create(train, { ...G2P, inputFeeding: true });
    const h = await tr.train(train, { epochs: 3, batchSize: 16, lr: 0.02, samplingRate: (e) => 0.1 * e });
    expect(h.history.loss!.at(-1)!).toBeLessThan(h.history.loss![0]!);
  });
});

describe('attention map SVG', () => {
  it('draws one cell per weight with escaped token labels', () => {
    const svg = attentionSvg(
      [
        [0.9, 0.1],
        [0.2, 0.8],
        [0.5, 0.5],
      ],
      ['<b>', '<eos>'],
      ['x', 'y&z', '<eos>'],
      { title: 'a "test"' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect((svg.match(/<rect x=/g) ?? []).length).toBe(6);
    expect(svg).toContain('&lt;b&gt;');
    expect(svg).toContain('y&amp;z');
    expect(svg).toContain('a &quot;test&quot;');
    expect(svg).not.toContain('<b>');
    expect(() => attentionSvg([[1]], ['a', 'b'], ['x'])).toThrow(/row 0 has 1 weights, expected one per source token \(2\)/);
    writeFileSync(join(dir, 'a.svg'), svg);
    expect(readFileSync(join(dir, 'a.svg'), 'utf8')).toBe(svg);
  });
});
