import { SHARED_DATA } from '../util/shared_data.js';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIMDB, loadMR, loadSST2, loadSST5, loadSSTPhrases } from '../../src/text/corpora.js';
import { gzipSync } from 'node:zlib';
import { LabelEncoder } from '../../src/text/labels.js';
import { WordTokenizer } from '../../src/text/tokenizers.js';

// The shared data folder (see its README.md and each SOURCE.md); override with RECURRENT_DATA.
const DATA = SHARED_DATA;
const have = (rel: string): boolean => fs.existsSync(join(DATA, rel));
const HAVE_SST = have('sst/stsa.binary.train.gz') && have('sst/stsa.fine.train.gz');
const HAVE_MR = have('mr-polarity/rt-polarity.pos.gz');
const HAVE_IMDB = have('imdb/imdb_train.tsv.gz');
for (const [ok, what] of [[HAVE_SST, 'sst'], [HAVE_MR, 'mr-polarity'], [HAVE_IMDB, 'imdb']] as const) {
  if (!ok) console.warn(`corpora.test: skipping the ${what} tests: ${join(DATA, what)} is not present (set RECURRENT_DATA to the shared data folder)`);
}

const count = (labels: string[], l: string): number => labels.filter((x) => x === l).length;

describe.skipIf(!HAVE_SST)(`SST from ${DATA}/sst`, () => {
  it('SST-2 has the official 6,920 / 872 / 1,821 split with its class balance', async () => {
    const sizes: Record<string, [number, number]> = { train: [6920, 3610], dev: [872, 444], test: [1821, 909] };
    for (const [split, [n, pos]] of Object.entries(sizes)) {
      const ds = await loadSST2(join(DATA, 'sst'), split as 'train');
      expect([split, ds.texts.length, count(ds.labels, '1')]).toEqual([split, n, pos]);
      expect(LabelEncoder.fit(ds.labels).classes).toEqual(['0', '1']);
    }
    const train = await loadSST2(join(DATA, 'sst'), 'train');
    expect(train.texts[0]).toBe('a stirring , funny and finally transporting re-imagining of beauty and the beast and 1930s horror films');
    expect(train.labels[0]).toBe('1');
  });

  it('SST-5 has 8,544 / 1,101 / 2,210 sentences over labels 0..4', async () => {
    const train = await loadSST5(join(DATA, 'sst'), 'train');
    expect(['0', '1', '2', '3', '4'].map((l) => count(train.labels, l))).toEqual([1092, 2218, 1624, 2322, 1288]);
    expect((await loadSST5(join(DATA, 'sst'), 'dev')).texts).toHaveLength(1101);
    const test = await loadSST5(join(DATA, 'sst'), 'test');
    expect(test.texts).toHaveLength(2210);
    expect(count(test.labels, '1')).toBe(633); // the majority class of SOURCE.md
  });

  it('the PTB tokens of SST survive WordTokenizer unchanged with splitPunctuation: false', async () => {
    const dev = await loadSST2(join(DATA, 'sst'), 'dev');
    const tok = new WordTokenizer({ splitPunctuation: false });
    for (const t of dev.texts.slice(0, 200)) expect(tok.tokenize(t)).toEqual(t.split(' '));
  });
});

describe.skipIf(!HAVE_MR)(`MR from ${DATA}/mr-polarity`, () => {
  it('returns 10,662 sentences, 5,331 per class, with Windows-1252 decoded', async () => {
    const mr = await loadMR(join(DATA, 'mr-polarity'));
    expect(mr.texts).toHaveLength(10662);
    expect([count(mr.labels, '0'), count(mr.labels, '1')]).toEqual([5331, 5331]);
    // rt-polarity.pos line 58 has two 0x97 bytes: em dashes, not U+0097.
    expect(mr.texts[5331 + 57]).toBe(
      'singer/composer bryan adams contributes a slew of songs — a few potential hits , a few more simply intrusive to the story — but the whole package certainly captures the intended , er , spirit of the piece .',
    );
    expect(mr.labels[5331 + 57]).toBe('1');
    const all = mr.texts.join('\n');
    // SOURCE.md: 59 bytes in 0x80–0x9F (23 × 0x85, 6 × 0x91, 17 × 0x96, 13 × 0x97), none left as C1 controls.
    expect(['…', '‘', '–', '—'].map((c) => all.split(c).length - 1)).toEqual([23, 6, 17, 13]);
    expect(/[\u0080-\u009f]/.test(all)).toBe(false);
    expect(all.split('é').length - 1).toBe(99);
    expect(mr.texts.every((t) => t === t.trim() && t.length > 0)).toBe(true);
  });
});

describe.skipIf(!HAVE_IMDB)(`IMDB from ${DATA}/imdb`, () => {
  it('has the official 25,000 / 25,000 split, 12,500 per class', async () => {
    for (const split of ['train', 'test'] as const) {
      const ds = await loadIMDB(join(DATA, 'imdb'), split);
      expect([split, ds.texts.length, count(ds.labels, '1'), count(ds.labels, '0'), ds.skipped.length]).toEqual([split, 25000, 12500, 12500, 0]);
      if (split === 'train') {
        expect(ds.texts[0]!.startsWith('Bromwell High is a cartoon comedy.')).toBe(true);
        // 1,091 reviews of the two files start with a quote: the TSV is read unquoted.
        expect(ds.texts.some((t) => t.startsWith('"'))).toBe(true);
      }
    }
  });
});

describe('corpus loaders without the shared data', () => {
  const dir = fs.mkdtempSync(join(tmpdir(), 'recurrent-corpora-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('read the aclImdb_v1 folder layout, mapping neg/pos to 0/1', async () => {
    for (const [cls, id, text] of [['pos', '0_9', 'Loved it.<br />Really.'], ['neg', '1_2', 'Hated it.'], ['pos', '2_8', 'Fine.']]) {
      fs.mkdirSync(join(dir, 'aclImdb/test', cls!), { recursive: true });
      fs.writeFileSync(join(dir, 'aclImdb/test', cls!, `${id}.txt`), text!);
    }
    fs.mkdirSync(join(dir, 'aclImdb/test/unsup'), { recursive: true });
    fs.writeFileSync(join(dir, 'aclImdb/test/unsup/5_0.txt'), 'not labelled');
    const ds = await loadIMDB(join(dir, 'aclImdb'), 'test');
    expect(ds).toEqual({ texts: ['Hated it.', 'Loved it.<br />Really.', 'Fine.'], labels: ['0', '1', '1'], skipped: [] });
  });

  it('name the missing file, the bad line, and a bad split', async () => {
    await expect(loadSST2(dir, 'train')).rejects.toThrow(`${dir}: no stsa.binary.train.gz or stsa.binary.train in this folder`);
    fs.writeFileSync(join(dir, 'stsa.binary.dev'), '1 good film .\n2 what ?\n');
    await expect(loadSST2(dir, 'dev')).rejects.toThrow(`${dir}/stsa.binary.dev:2: expected "<label> <sentence>" with a label in 0, 1; got "2 what ?"`);
    await expect(loadSST5(dir, 'valid' as never)).rejects.toThrow(`loadSST5: split must be 'train', 'dev', 'test'; got "valid"`);
    await expect(loadMR(dir)).rejects.toThrow(/no rt-polarity\.neg\.gz or rt-polarity\.neg in this folder/);
    await expect(loadIMDB(dir, 'train')).rejects.toThrow(/expected imdb_train\.tsv\.gz .* or train\/neg\/ and train\/pos\//);
  });
  it('read SST phrase-level training labels in the GLUE and the stsa layouts', async () => {
    const glue = join(dir, 'train.tsv.gz');
    fs.writeFileSync(glue, gzipSync('\uFEFFsentence\tlabel\nhide new secretions from the parental units \t0\nthe greatest musicians \t1\n\nthe greatest musicians \t1\n'));
    expect(await loadSSTPhrases(glue, 'binary')).toEqual({
      texts: ['hide new secretions from the parental units', 'the greatest musicians', 'the greatest musicians'],
      labels: ['0', '1', '1'],
      skipped: [],
    });
    const stsa = join(dir, 'stsa.fine.phrases.train');
    fs.writeFileSync(stsa, '4 a stirring , funny and finally transporting re-imagining\n2 splash\n');
    expect(await loadSSTPhrases(stsa, 'fine')).toEqual({ texts: ['a stirring , funny and finally transporting re-imagining', 'splash'], labels: ['4', '2'], skipped: [] });
    await expect(loadSSTPhrases(stsa, 'binary')).rejects.toThrow(`${stsa}:1: expected "<label> <phrase>" with a label in 0, 1; got "4 a stirring`);
    await expect(loadSSTPhrases(glue, 'fine')).rejects.toThrow(`${glue}:1: a GLUE SST-2 file (header 'sentence<TAB>label') holds binary labels only`);
    const noText = join(dir, 'notext.tsv');
    fs.writeFileSync(noText, 'sentence\tlabel\ngood\t1\n \t0\n');
    await expect(loadSSTPhrases(noText, 'binary')).rejects.toThrow(`${noText}:3: expected "<phrase><TAB><label>"`);
    const headerOnly = join(dir, 'header.tsv');
    fs.writeFileSync(headerOnly, 'sentence\tlabel\n');
    await expect(loadSSTPhrases(headerOnly, 'binary')).rejects.toThrow(`${headerOnly}: no phrases after the header`);
  });
});
