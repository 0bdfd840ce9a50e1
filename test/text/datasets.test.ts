import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeText } from '../../src/text/decode.js';
import { loadTextDataset, parseTextDataset, TextDataError } from '../../src/text/datasets.js';

let dir: string;
const put = (name: string, data: string | Uint8Array): string => {
  const p = `${dir}/${name}`;
  fs.mkdirSync(join(p, '..'), { recursive: true });
  fs.writeFileSync(p, data);
  return p;
};

beforeAll(() => {
  dir = fs.mkdtempSync(join(tmpdir(), 'recurrent-text-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The error `fn` rejects with (failing the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<TextDataError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TextDataError);
  return e as TextDataError;
}

describe('loadTextDataset: CSV/TSV', () => {
  it('reads named columns with BOM, CRLF, quotes, embedded newlines and no final newline', async () => {
    const p = put('reviews.csv', '\uFEFFid,review,sentiment\r\n1,"Great, really ""great""",pos\r\n2,"two\r\nlines",neg\r\n\r\n3,,neg');
    const ds = await loadTextDataset(p, { textColumn: 'review', labelColumn: 'sentiment' });
    expect(ds).toEqual({ texts: ['Great, really "great"', 'two\r\nlines', ''], labels: ['pos', 'neg', 'neg'], skipped: [] });
  });

  it('names the file and line of a record with the wrong field count, after embedded newlines', async () => {
    const p = put('train.csv', 'id,text,label\n1,"a\nmulti\nline text",pos\n2,ok,neg\n3,missing label\n4,fine,pos\n');
    const e = await failure(loadTextDataset(p));
    expect(e.message).toBe(`${p}:6: expected 3 fields, got 2`);
    expect([e.file, e.line, e.reason]).toEqual([p, 6, 'expected 3 fields, got 2']);
  });

  it('lists the columns when the text or label column is missing', async () => {
    const p = put('named.csv', 'review,sentiment\ngood,pos\n');
    expect((await failure(loadTextDataset(p))).message).toBe(`${p}:1: no column named "text"; columns are: review, sentiment`);
    expect((await failure(loadTextDataset(p, { textColumn: 'review' }))).message).toBe(`${p}:1: no column named "label"; columns are: review, sentiment`);
  });

  it('hints at label-tab-text for a header-less two-column TSV', async () => {
    const p = put('plain.tsv', 'pos\tgood film\nneg\tbad film\n');
    expect((await failure(loadTextDataset(p))).message).toMatch(/plain\.tsv:1: no column named "text"; columns are: pos, good film \(if the file has no header line, use format: 'label-tab-text'\)/);
  });

  it('reports quote errors, empty labels; skipBadLines skips and counts them', async () => {
    const p = put('dirty.csv', 'text,label\n"ok",pos\n"bad"x,neg\nno label,\nthree,fields,here\n"fine",neg\n');
    expect((await failure(loadTextDataset(p))).message).toMatch(new RegExp(`^${p}:3: unexpected "x" after the closing quote of field 1`));
    const ds = await loadTextDataset(p, { skipBadLines: true });
    expect(ds.texts).toEqual(['ok', 'fine']);
    expect(ds.skipped.map((s) => [s.file, s.line, s.reason.slice(0, 26)])).toEqual([
      [p, 3, 'unexpected "x" after the c'],
      [p, 4, 'empty label in column "lab'],
      [p, 5, 'expected 2 fields, got 3'],
    ]);
  });

  it('reads TSV with quote: null where fields start with a quote', async () => {
    const p = put('imdb_like.tsv', 'label\tid\ttext\n1\t0\t"Teachers" was great\n0\t1\tmeh "ok"\n');
    expect((await failure(loadTextDataset(p))).message).toMatch(/imdb_like\.tsv:2: unexpected " " after the closing quote/);
    const ds = await loadTextDataset(p, { quote: null });
    expect(ds.texts).toEqual(['"Teachers" was great', 'meh "ok"']);
  });

  it('reads unlabelled data with labelColumn: null', async () => {
    const p = put('unlabelled.csv', 'text\nhello\n\nworld\n');
    expect(await loadTextDataset(p, { labelColumn: null })).toEqual({ texts: ['hello', '', 'world'], labels: [], skipped: [] });
  });

  it('an empty file, a header-only file, or all-bad lines are errors naming the file', async () => {
    const empty = put('empty.csv', '');
    expect((await failure(loadTextDataset(empty))).message).toBe(`${empty}: empty file`);
    const header = put('header.csv', 'text,label\r\n');
    expect((await failure(loadTextDataset(header))).message).toBe(`${header}: no examples after the header line`);
    const bad = put('allbad.csv', 'text,label\na\nb\n');
    expect((await failure(loadTextDataset(bad, { skipBadLines: true }))).message).toBe(
      `${bad}: no usable examples: all 2 data lines were malformed (first, line 2: expected 2 fields, got 1)`,
    );
  });
});

describe('loadTextDataset: JSON Lines', () => {
  const body = [
    '{"text": "good", "label": "pos"}',
    '{"text": "bad", "label": 0}',
    '',
    '{"text": "x", "label": true}\r',
    '{"text": "oops", "label": "neg"',
    '["not", "an", "object"]',
    '{"review": "r", "label": "pos"}',
    '{"text": 5, "label": "pos"}',
    '{"text": "t", "label": null}',
  ].join('\n');

  it('gives file:line for invalid JSON', async () => {
    const p = put('reviews.jsonl', body);
    const e = await failure(loadTextDataset(p));
    expect(e.message).toMatch(new RegExp(`^${p}:5: invalid JSON: .+`));
  });

  it('skipBadLines lists every malformed line with its reason', async () => {
    const p = put('reviews2.jsonl', body);
    const ds = await loadTextDataset(p, { skipBadLines: true });
    expect(ds.texts).toEqual(['good', 'bad', 'x']);
    expect(ds.labels).toEqual(['pos', '0', 'true']);
    expect(ds.skipped.map((s) => s.line)).toEqual([5, 6, 7, 8, 9]);
    expect(ds.skipped.slice(1).map((s) => s.reason)).toEqual([
      'expected a JSON object, got an array',
      'no field "text"; fields are: review, label',
      'field "text" must be a string, got number 5',
      'field "label" must be a string or a number, got null',
    ]);
  });
});

describe('loadTextDataset: label<TAB>text and folders', () => {
  it('reads label<TAB>text (auto from .txt), keeping further TABs in the text', async () => {
    const p = put('data.txt', 'pos\tgreat\tfilm\r\nneg\tbad\n\n');
    expect(await loadTextDataset(p)).toEqual({ texts: ['great\tfilm', 'bad'], labels: ['pos', 'neg'], skipped: [] });
    const bad = put('bad.txt', 'pos\tok\nno tab here\n');
    expect((await failure(loadTextDataset(bad))).message).toBe(`${bad}:2: expected "label<TAB>text", found no TAB`);
  });

  it('reads one folder per class, sorted, ignoring hidden entries; classes restricts', async () => {
    put('corpus/pos/b.txt', 'nice\n');
    put('corpus/pos/a.txt', 'great');
    put('corpus/pos/.DS_Store', 'junk');
    put('corpus/neg/1.txt', 'awful');
    put('corpus/unsup/9.txt', 'whatever');
    put('corpus/README', 'not a class');
    const all = await loadTextDataset(`${dir}/corpus`);
    expect(all.labels).toEqual(['neg', 'pos', 'pos', 'unsup']);
    const two = await loadTextDataset(`${dir}/corpus`, { format: 'folders', classes: ['pos', 'neg'] });
    expect(two).toEqual({ texts: ['awful', 'great', 'nice'], labels: ['neg', 'pos', 'pos'], skipped: [] });
    expect((await failure(loadTextDataset(`${dir}/corpus`, { classes: ['neutral'] }))).message).toBe(
      `${dir}/corpus: no folder "neutral"; folders are: neg, pos, unsup`,
    );
    fs.mkdirSync(`${dir}/nofolders`);
    expect((await failure(loadTextDataset(`${dir}/nofolders`))).message).toMatch(/nofolders: no class folders/);
  });

  it('a badly encoded file in a class folder is reported with its line, or skipped', async () => {
    put('enc/pos/ok.txt', 'fine');
    put('enc/neg/bad.txt', Uint8Array.from([0x6f, 0x6b, 0x0a, 0x61, 0x97, 0x62]));
    const e = await failure(loadTextDataset(`${dir}/enc`));
    expect(e.message).toMatch(new RegExp(`^${dir}/enc/neg/bad.txt:2: invalid UTF-8: byte 0x97`));
    const ds = await loadTextDataset(`${dir}/enc`, { skipBadLines: true });
    expect([ds.texts, ds.skipped.length]).toEqual([['fine'], 1]);
  });
});

describe('encodings, gzip and format detection', () => {
  it('decodes Windows-1252 by the full table (0x80–0x9F too), Latin-1 as identity', () => {
    const bytes = Uint8Array.from([0x93, 0x61, 0x94, 0x20, 0x97, 0x20, 0x85, 0x20, 0xe9, 0x80]);
    expect(decodeText(bytes, 'windows-1252')).toBe('“a” — … é€');
    expect(decodeText(bytes, 'latin1')).toBe('\u0093a\u0094 \u0097 \u0085 é\u0080');
  });

  it('points at the bad byte of a non-UTF-8 file and suggests the encoding', async () => {
    const p = put('cp1252.txt', Uint8Array.from([...Buffer.from('pos\tfine\nneg\tso-so '), 0x97, ...Buffer.from(' bad\n')]));
    expect((await failure(loadTextDataset(p))).message).toBe(
      `${p}:2: invalid UTF-8: byte 0x97 at byte 11 of the line; the file is probably Windows-1252: pass encoding: 'windows-1252'`,
    );
    expect((await loadTextDataset(p, { encoding: 'windows-1252' })).texts).toEqual(['fine', 'so-so — bad']);
  });

  it('rejects UTF-16 files and UTF-8 BOMs under a single-byte encoding', async () => {
    const p = put('utf16.csv', Uint8Array.from([0xff, 0xfe, 0x61, 0x00]));
    expect((await failure(loadTextDataset(p))).message).toMatch(/utf16\.csv: the file is UTF-16/);
    const q = put('bom.txt', Uint8Array.from([0xef, 0xbb, 0xbf, 0x61, 0x09, 0x62]));
    expect((await failure(loadTextDataset(q, { encoding: 'latin1' }))).message).toMatch(/starts with a UTF-8 byte-order mark but encoding 'latin1'/);
  });

  it('reads gzip files transparently, choosing the format from the name without .gz', async () => {
    const p = put('small.csv.gz', gzipSync(Buffer.from('text,label\nhi,1\n')));
    expect((await loadTextDataset(p)).texts).toEqual(['hi']);
  });

  it('asks for a format when the extension says nothing; missing paths name the file', async () => {
    const p = put('data.dat', 'x');
    expect((await failure(loadTextDataset(p))).message).toMatch(/data\.dat: cannot tell the format from the file name; pass format:/);
    expect((await failure(loadTextDataset(`${dir}/nope.csv`))).message).toBe(`${dir}/nope.csv: no such file or directory`);
    expect((await failure(loadTextDataset(`${dir}/nope.csv`, { format: 'csv' }))).message).toBe(`${dir}/nope.csv: no such file`);
  });

  it('parseTextDataset works on in-memory text', () => {
    expect(parseTextDataset('text,label\n"Great, really",pos\nBad,neg\n', { name: 'mini.csv' }).labels).toEqual(['pos', 'neg']);
    expect(() => parseTextDataset('{"text": 1}', { name: 'x.jsonl', labelColumn: null })).toThrow('x.jsonl:1: field "text" must be a string, got number 1');
  });
});
