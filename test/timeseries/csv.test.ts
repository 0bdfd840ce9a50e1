import { describe, expect, it } from 'vitest';
import { parseCSV } from '../../src/timeseries/csv.js';

describe('parseCSV (RFC 4180)', () => {
  it('reads a header, records and their line numbers', () => {
    const t = parseCSV('date,OT\n2016-07-01 00:00:00,30.5\n2016-07-01 01:00:00,27.8\n', { source: 'a.csv' });
    expect(t.header).toEqual(['date', 'OT']);
    expect(t.rows).toEqual([
      ['2016-07-01 00:00:00', '30.5'],
      ['2016-07-01 01:00:00', '27.8'],
    ]);
    expect(t.lines).toEqual([2, 3]);
  });

  it('handles CRLF, quotes, doubled quotes, embedded newlines, BOM, no final newline, blank lines', () => {
    const text = '\ufeff"Month","Note"\r\n"1949-01","say ""hi"""\r\n\r\n"1949-02","two\r\nlines"\r\n1949-03,'; // last field empty
    const t = parseCSV(text);
    expect(t.header).toEqual(['Month', 'Note']);
    expect(t.rows).toEqual([
      ['1949-01', 'say "hi"'],
      ['1949-02', 'two\r\nlines'],
      ['1949-03', ''],
    ]);
    expect(t.lines).toEqual([2, 4, 6]);
  });

  it('other delimiters and header: false', () => {
    expect(parseCSV('a;b\n1;2', { delimiter: ';', header: false }).rows).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('reports malformed lines with file:line', () => {
    expect(() => parseCSV('a,b\n1,2\n3\n', { source: 'x.csv' })).toThrow('x.csv:3: expected 2 fields as in the header, got 1');
    expect(() => parseCSV('a,b\n1,2,3\n', { source: 'x.csv' })).toThrow('x.csv:2: expected 2 fields as in the header, got 3');
    expect(() => parseCSV('a,b\n1,"2\n3,4\n', { source: 'x.csv' })).toThrow('x.csv:2: unterminated quoted field');
    expect(() => parseCSV('a,b\n1,2\n1,"2"x\n', { source: 'x.csv' })).toThrow('x.csv:3: unexpected text after a closing quote');
    expect(() => parseCSV('a,b\n1,2"\n', { source: 'x.csv' })).toThrow('x.csv:2: quote inside an unquoted field');
    expect(() => parseCSV('', { source: 'x.csv' })).toThrow('x.csv: empty CSV');
    // line numbers count the line breaks inside quoted fields
    expect(() => parseCSV('a,b\n"x\ny",1\n2\n', { source: 'x.csv' })).toThrow('x.csv:4:');
  });
});
