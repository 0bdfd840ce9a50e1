/**
 * A minimal RFC 4180 CSV reader that remembers where every record starts, so loaders can say
 * `ETTh1.csv:12: ...` about a bad value.
 *
 * Accepted: `,` (or another one-character delimiter) between fields; LF, CRLF or lone CR line
 * ends; fields in double quotes, with `""` for a literal quote and line breaks allowed inside;
 * a UTF-8 byte-order mark; a missing line break after the last record; blank lines (skipped).
 * Rejected with `source:line: ...`: a quote inside an unquoted field, text after a closing quote,
 * an unterminated quoted field, and (when `header` is on) a record whose field count differs from
 * the header's.
 */

/** Options of {@link parseCSV}. */
export interface CSVOptions {
  /** Name used in error messages, usually the file name. Default `'<csv>'`. */
  source?: string;
  /** Field separator, one character other than `"`, CR or LF. Default `','`. */
  delimiter?: string;
  /** The first record is a header and every record must have its field count. Default true. */
  header?: boolean;
}

/** A parsed CSV text: the header (empty when `header: false`), the records and their line numbers. */
export interface CSVTable {
  header: string[];
  rows: string[][];
  /** 1-based line number where each record starts (the header is line 1 of a file with one). */
  lines: number[];
}

/**
 * Parses CSV text (RFC 4180) into string fields, keeping each record's starting line number.
 *
 * @example
 * const t = parseCSV('date,OT\n2016-07-01 00:00:00,30.5\n"2016-07-01 01:00:00","27.8"\n', { source: 'ETTh1.csv' });
 * // t.header → ['date', 'OT']; t.rows[1] → ['2016-07-01 01:00:00', '27.8']; t.lines → [2, 3]
 */
export function parseCSV(text: string, opts: CSVOptions = {}): CSVTable {
  const source = opts.source ?? '<csv>';
  const delim = opts.delimiter ?? ',';
  const wantHeader = opts.header ?? true;
  if (delim.length !== 1 || delim === '"' || delim === '\n' || delim === '\r') {
    throw new Error(`parseCSV: delimiter must be one character other than a quote or line break, got ${JSON.stringify(delim)}`);
  }
  const d = delim.charCodeAt(0);
  const QUOTE = 0x22;
  const LF = 0x0a;
  const CR = 0x0d;
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;

  const records: string[][] = [];
  const lines: number[] = [];
  let fields: string[] = [];
  let recordLine = 1;

  const endRecord = (): void => {
    // A line holding nothing at all is blank: skip it rather than read one empty field.
    if (!(fields.length === 1 && fields[0] === '')) {
      records.push(fields);
      lines.push(recordLine);
    }
    fields = [];
  };

  while (i <= n) {
    if (fields.length === 0) recordLine = line;
    // One field starts at i.
    if (i < n && text.charCodeAt(i) === QUOTE) {
      const openLine = line;
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new Error(`${source}:${openLine}: unterminated quoted field`);
        const chunk = text.slice(j, q);
        line += countLineBreaks(chunk);
        value += chunk;
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      const c = i < n ? text.charCodeAt(i) : -1;
      if (c !== -1 && c !== d && c !== LF && c !== CR) {
        throw new Error(`${source}:${line}: unexpected text after a closing quote (field ${fields.length})`);
      }
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === d || c === LF || c === CR) break;
        if (c === QUOTE) throw new Error(`${source}:${line}: quote inside an unquoted field (field ${fields.length + 1}); quote the whole field and double inner quotes`);
        j++;
      }
      fields.push(text.slice(i, j));
      i = j;
    }
    // i is at a delimiter, a line break or the end.
    if (i >= n) {
      endRecord();
      break;
    }
    const c = text.charCodeAt(i);
    if (c === d) {
      i++;
      if (i === n) {
        fields.push('');
        endRecord();
        break;
      }
      continue;
    }
    i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    line++;
    endRecord();
    if (i === n) break;
  }

  if (!wantHeader) return { header: [], rows: records, lines };
  if (records.length === 0) throw new Error(`${source}: empty CSV, expected a header line`);
  const header = records.shift()!;
  lines.shift();
  for (let r = 0; r < records.length; r++) {
    if (records[r].length !== header.length) {
      throw new Error(`${source}:${lines[r]}: expected ${header.length} fields as in the header, got ${records[r].length}`);
    }
  }
  return { header, rows: records, lines };
}

function countLineBreaks(s: string): number {
  let k = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a) k++;
    else if (c === 0x0d && s.charCodeAt(i + 1) !== 0x0a) k++;
  }
  return k;
}
