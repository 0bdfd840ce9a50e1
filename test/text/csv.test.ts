import { describe, expect, it } from 'vitest';
import { CsvParser, type CsvRecord, parseCsv } from '../../src/text/csv.js';

const rows = (text: string, opts = {}): string[][] => parseCsv(text, opts).map((r) => r.fields);
const lines = (text: string, opts = {}): number[] => parseCsv(text, opts).map((r) => r.line);

/** Feeds `text` in pieces of `size` characters: every split point must give the same records. */
function chunked(text: string, size: number): CsvRecord[] {
  const p = new CsvParser();
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
  out.push(...p.end());
  return out;
}

describe('parseCsv', () => {
  it('reads quoted commas, doubled quotes and empty fields', () => {
    expect(rows('a,b,c\n"x, y","say ""hi""",\n,,\n')).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', ''],
      ['', '', ''],
    ]);
    expect(rows('"",""\n')).toEqual([['', '']]);
  });

  it('keeps embedded newlines and numbers later records by physical line', () => {
    const text = 'text,label\n"line one\nline two\r\nline three",pos\nplain,neg\n"a\n\nb",pos\nlast,neg';
    expect(rows(text)).toEqual([
      ['text', 'label'],
      ['line one\nline two\r\nline three', 'pos'],
      ['plain', 'neg'],
      ['a\n\nb', 'pos'],
      ['last', 'neg'],
    ]);
    expect(lines(text)).toEqual([1, 2, 5, 6, 9]);
  });

  it('accepts CRLF, lone CR, and a missing or present trailing newline', () => {
    expect(rows('a,b\r\n1,2\r\n')).toEqual([['a', 'b'], ['1', '2']]);
    expect(rows('a,b\r1,2')).toEqual([['a', 'b'], ['1', '2']]);
    expect(lines('a\r\nb\r\n\r\nc')).toEqual([1, 2, 3, 4]);
    expect(rows('a,b\n1,2')).toEqual(rows('a,b\n1,2\n'));
    expect(rows('a,\n')).toEqual([['a', '']]);
  });

  it('reports blank lines as one empty field', () => {
    expect(rows('a\n\nb\n')).toEqual([['a'], [''], ['b']]);
  });

  it('treats a quote inside an unquoted field as data', () => {
    expect(rows('a 5" screen,x\n')).toEqual([['a 5" screen', 'x']]);
  });

  it('TSV, and quote: null for files that never quote', () => {
    expect(rows('l\tt\npos\t"quoted\tcell"\n', { delimiter: '\t' })).toEqual([['l', 't'], ['pos', 'quoted\tcell']]);
    expect(rows('pos\t"Teachers" is fine\n', { delimiter: '\t', quote: null })).toEqual([['pos', '"Teachers" is fine']]);
  });

  it('flags text after a closing quote and resumes on the next line', () => {
    const recs = parseCsv('a,b\n"x"y,1\n"ok",2\n');
    expect(recs[1]).toEqual({ fields: [], line: 2, error: expect.stringMatching(/^unexpected "y" after the closing quote of field 1/) });
    expect(recs[2]).toEqual({ fields: ['ok', '2'], line: 3 });
    // The problem is reported on its own physical line inside a multi-line record.
    expect(parseCsv('"a\nb"c,1\nz,2\n').map((r) => [r.line, r.error !== undefined])).toEqual([
      [2, true],
      [3, false],
    ]);
  });

  it('flags an unterminated quote at the line where it opened', () => {
    const recs = parseCsv('a,b\n1,2\n"never closed,3\n4,5\n');
    expect(recs.at(-1)).toEqual({ fields: [], line: 3, error: 'unterminated quoted field: the quote opened on line 3 is never closed' });
  });

  it('gives the same records whatever the chunk boundaries (CRLF, "" and quotes split)', () => {
    const text = 'text,label\r\n"a ""b""\r\nc",1\r\nd,2\r\n"e,f",\r\n\r\n"x"y,3\r\nlast,4';
    const whole = parseCsv(text);
    for (const size of [1, 2, 3, 5, 7]) expect(chunked(text, size)).toEqual(whole);
    expect(whole.map((r) => r.line)).toEqual([1, 2, 4, 5, 6, 7, 8]);
  });

  it('validates delimiter and quote', () => {
    expect(() => new CsvParser({ delimiter: ';;' })).toThrow(/delimiter must be one character/);
    expect(() => new CsvParser({ delimiter: ',', quote: ',' })).toThrow(/quote must be null or one character other than the delimiter/);
  });
});
