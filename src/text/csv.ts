/**
 * RFC 4180 CSV/TSV parsing, incremental (feed chunks as they arrive) and line-aware.
 *
 * - Fields are separated by `delimiter` (`,` or TAB, any single character) and records by CRLF,
 *   LF or a lone CR.
 * - A field that starts with the quote character runs to the matching quote; inside it, a doubled
 *   quote is one quote, and delimiters and line breaks are data (kept verbatim). After the
 *   closing quote only a delimiter, a line break or the end of input may follow.
 * - A quote inside an unquoted field is an ordinary character (`5" screen`), as Python's `csv`
 *   reads it. `quote: null` turns quoting off (plain TSV, where fields never start a quoted run).
 * - Every record carries the physical line number on which it starts, counting the line breaks
 *   inside quoted fields, so errors about later records point at the right line.
 * - Malformed input does not throw: the record comes back with `error` set (and the physical line
 *   of the problem) and parsing resumes on the next line, so a caller can skip and count it.
 * - A UTF-8 byte-order mark is not handled here: decode with {@link decodeText}, which drops it.
 */

/** Options of {@link CsvParser} and {@link parseCsv}. */
export interface CsvOptions {
  /** Field separator, one character. Default ','. */
  delimiter?: string;
  /** Quote character, or null for no quoting. Default '"'. */
  quote?: string | null;
}

/** One parsed record. */
export interface CsvRecord {
  /** The fields; `['']` for a blank line. Empty when `error` is set. */
  fields: string[];
  /** 1-based physical line on which the record starts (or, with `error`, where the problem is). */
  line: number;
  /** Set when the record is malformed: what is wrong, without the line number. */
  error?: string;
}

const enum S {
  Start, // at the start of a field
  Unquoted,
  Quoted,
  QuotedQuote, // saw a quote inside a quoted field: a closing quote or the first of a doubled one
  Skip, // error recovery: drop everything up to the next line break
}

const CR = 13;
const LF = 10;

/**
 * Incremental CSV/TSV parser: `push` chunks of text, then `end()`. Each call returns the records
 * completed so far. Chunks may split a record, a quoted field or a CRLF anywhere.
 *
 * @example
 * const p = new CsvParser({ delimiter: ',' });
 * p.push('text,label\n"Hello, ');  // [{ fields: ['text', 'label'], line: 1 }]
 * p.push('world",1\r\n');          // [{ fields: ['Hello, world', '1'], line: 2 }]
 * p.end();                         // []
 */
export class CsvParser {
  private readonly d: number;
  private readonly q: number;
  private state = S.Start;
  private fields: string[] = [];
  private field = '';
  private line = 1; // physical line of the next character
  private recordLine = 1;
  private quoteLine = 1;
  private afterCR = false; // last character was a CR: a following LF belongs to it
  private ended = false;

  constructor(options: CsvOptions = {}) {
    const delimiter = options.delimiter ?? ',';
    const quote = options.quote === undefined ? '"' : options.quote;
    if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '\r' || delimiter === '\n') {
      throw new Error(`CsvParser: delimiter must be one character other than CR/LF, got ${JSON.stringify(delimiter)}`);
    }
    if (quote !== null && (typeof quote !== 'string' || quote.length !== 1 || quote === delimiter || quote === '\r' || quote === '\n')) {
      throw new Error(`CsvParser: quote must be null or one character other than the delimiter and CR/LF, got ${JSON.stringify(quote)}`);
    }
    this.d = delimiter.charCodeAt(0);
    this.q = quote === null ? -1 : quote.charCodeAt(0);
  }

  /** Parses `chunk`; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    if (this.ended) throw new Error('CsvParser: push after end');
    const out: CsvRecord[] = [];
    const n = chunk.length;
    const { d, q } = this;
    let i = 0;
    while (i < n) {
      const c = chunk.charCodeAt(i);
      if (this.afterCR) {
        this.afterCR = false;
        if (c === LF) {
          // Second half of a CRLF: the line was already counted (and the record ended) at the CR.
          if (this.state === S.Quoted) this.field += '\n';
          i++;
          continue;
        }
      }
      switch (this.state) {
        case S.Start:
          if (c === q) {
            this.state = S.Quoted;
            this.quoteLine = this.line;
            i++;
          } else if (c === d) {
            this.fields.push('');
            i++;
          } else if (c === CR || c === LF) {
            this.fields.push('');
            this.endRecord(out, c);
            i++;
          } else {
            this.state = S.Unquoted;
          }
          break;
        case S.Unquoted: {
          let j = i;
          while (j < n) {
            const e = chunk.charCodeAt(j);
            if (e === d || e === CR || e === LF) break;
            j++;
          }
          this.field += chunk.slice(i, j);
          i = j;
          if (j < n) {
            this.fields.push(this.field);
            this.field = '';
            if (chunk.charCodeAt(j) === d) this.state = S.Start;
            else this.endRecord(out, chunk.charCodeAt(j));
            i++;
          }
          break;
        }
        case S.Quoted: {
          let j = i;
          while (j < n) {
            const e = chunk.charCodeAt(j);
            if (e === q || e === CR || e === LF) break;
            j++;
          }
          this.field += chunk.slice(i, j);
          i = j;
          if (j < n) {
            const e = chunk.charCodeAt(j);
            if (e === q) this.state = S.QuotedQuote;
            else {
              this.field += e === CR ? '\r' : '\n';
              this.line++;
              this.afterCR = e === CR;
            }
            i++;
          }
          break;
        }
        case S.QuotedQuote:
          if (c === q) {
            this.field += chunk[i];
            this.state = S.Quoted;
            i++;
          } else if (c === d) {
            this.fields.push(this.field);
            this.field = '';
            this.state = S.Start;
            i++;
          } else if (c === CR || c === LF) {
            this.fields.push(this.field);
            this.field = '';
            this.endRecord(out, c);
            i++;
          } else {
            const ch = String.fromCodePoint(chunk.codePointAt(i)!);
            const quote = String.fromCharCode(q);
            out.push({
              fields: [],
              line: this.line,
              error: `unexpected ${JSON.stringify(ch)} after the closing quote of field ${this.fields.length + 1} (inside a quoted field a quote is written twice: ${quote}${quote})`,
            });
            this.state = S.Skip;
          }
          break;
        case S.Skip: {
          let j = i;
          while (j < n) {
            const e = chunk.charCodeAt(j);
            if (e === CR || e === LF) break;
            j++;
          }
          i = j;
          if (j < n) {
            this.fields = [];
            this.field = '';
            this.endRecord(null, chunk.charCodeAt(j));
            i++;
          }
          break;
        }
      }
    }
    return out;
  }

  /** Ends the input; returns the last record (if the text did not end with a line break) or an error for an open quote. */
  end(): CsvRecord[] {
    if (this.ended) return [];
    this.ended = true;
    const out: CsvRecord[] = [];
    switch (this.state) {
      case S.Quoted:
        out.push({ fields: [], line: this.quoteLine, error: `unterminated quoted field: the quote opened on line ${this.quoteLine} is never closed` });
        break;
      case S.Unquoted:
      case S.QuotedQuote:
        this.fields.push(this.field);
        out.push({ fields: this.fields, line: this.recordLine });
        break;
      case S.Start:
        if (this.fields.length > 0) {
          this.fields.push('');
          out.push({ fields: this.fields, line: this.recordLine });
        }
        break;
      case S.Skip:
        break;
    }
    this.fields = [];
    return out;
  }

  private endRecord(out: CsvRecord[] | null, newline: number): void {
    out?.push({ fields: this.fields, line: this.recordLine });
    this.fields = [];
    this.state = S.Start;
    this.line++;
    this.recordLine = this.line;
    this.afterCR = newline === CR;
  }
}

/**
 * Parses a whole CSV/TSV text (see {@link CsvParser} for the rules).
 *
 * @example
 * parseCsv('a,b\n1,"x\ny"\n2,z\n');
 * // [{ fields: ['a', 'b'], line: 1 }, { fields: ['1', 'x\ny'], line: 2 }, { fields: ['2', 'z'], line: 4 }]
 * parseCsv('label\ttext\npos\tgood', { delimiter: '\t', quote: null });
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvRecord[] {
  const p = new CsvParser(options);
  const out = p.push(text);
  for (const r of p.end()) out.push(r);
  return out;
}
