/**
 * Labelled text datasets from the formats users have: CSV/TSV with named columns, JSON Lines,
 * one folder per class, and plain `label<TAB>text` lines; plus the standard sentiment corpora
 * (`corpora.ts`). Gzip'ed files (`.gz`, detected by their magic bytes) are read transparently.
 *
 * Every malformed line raises a {@link TextDataError} whose message starts with `file:line:`;
 * with `skipBadLines: true` the line is skipped instead and listed in the result's `skipped`.
 * A file (or folder) with no usable example is always an error that names it.
 *
 * File access goes through dynamic `import('node:fs/promises')`, so this module loads in a
 * browser too; there, use {@link parseTextDataset} on text you already have.
 */
import { CsvParser } from './csv.js';
import { DecodeError, decodeText, type TextEncodingName } from './decode.js';

/** Input formats; `'auto'` picks one from the extension (see {@link loadTextDataset}). */
export type TextFormat = 'csv' | 'tsv' | 'jsonl' | 'folders' | 'label-tab-text' | 'auto';

/** Options of {@link loadTextDataset} and {@link parseTextDataset}. */
export interface LoadTextOptions {
  /** Default 'auto'. */
  format?: TextFormat;
  /** CSV/TSV column or JSONL field holding the text. Default 'text'. */
  textColumn?: string;
  /** CSV/TSV column or JSONL field holding the label; null reads unlabelled data (`labels` is then empty). Default 'label'. */
  labelColumn?: string | null;
  /** Default 'utf8'. */
  encoding?: TextEncodingName;
  /** Skip malformed lines and list them in `skipped` instead of throwing. Default false. */
  skipBadLines?: boolean;
  /** CSV/TSV quote character, or null when fields are never quoted. Default '"'. */
  quote?: string | null;
  /** `'folders'` only: read just these class folders (e.g. ['neg', 'pos'] to leave out aclImdb's `unsup/`). */
  classes?: string[];
}

/** A skipped malformed line. */
export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

/** Texts with their labels (as written in the file; map them to ids with `LabelEncoder`). */
export interface TextDataset {
  texts: string[];
  /** `labels[i]` belongs to `texts[i]`; empty when loaded with `labelColumn: null`. */
  labels: string[];
  /** Lines skipped because of `skipBadLines`, in file order. */
  skipped: SkippedLine[];
}

/**
 * A problem in a data file. The message is `file:line: reason` (or `file: reason` when the
 * problem is not on one line).
 *
 * @example
 * try { await loadTextDataset('train.csv'); } catch (e) { if (e instanceof TextDataError) console.log(e.file, e.line, e.reason); }
 */
export class TextDataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(line === null ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
    this.name = 'TextDataError';
  }
}

const FORMATS: readonly TextFormat[] = ['csv', 'tsv', 'jsonl', 'folders', 'label-tab-text', 'auto'];
const ENCODINGS: readonly TextEncodingName[] = ['utf8', 'windows-1252', 'latin1'];

interface Resolved {
  format: TextFormat;
  textColumn: string;
  labelColumn: string | null;
  encoding: TextEncodingName;
  skipBadLines: boolean;
  quote: string | null;
  classes: string[] | null;
}

function resolveOptions(where: string, o: LoadTextOptions): Resolved {
  const format = o.format ?? 'auto';
  if (!FORMATS.includes(format)) throw new Error(`${where}: format must be one of ${FORMATS.map((f) => `'${f}'`).join(', ')}; got ${JSON.stringify(format)}`);
  const encoding = o.encoding ?? 'utf8';
  if (!ENCODINGS.includes(encoding)) throw new Error(`${where}: encoding must be 'utf8', 'windows-1252' or 'latin1'; got ${JSON.stringify(encoding)}`);
  const textColumn = o.textColumn ?? 'text';
  if (typeof textColumn !== 'string' || textColumn === '') throw new Error(`${where}: textColumn must be a non-empty string, got ${JSON.stringify(textColumn)}`);
  const labelColumn = o.labelColumn === undefined ? 'label' : o.labelColumn;
  if (labelColumn !== null && (typeof labelColumn !== 'string' || labelColumn === '')) {
    throw new Error(`${where}: labelColumn must be a non-empty string or null, got ${JSON.stringify(labelColumn)}`);
  }
  if (labelColumn === textColumn) throw new Error(`${where}: textColumn and labelColumn are both "${textColumn}"`);
  const classes = o.classes ?? null;
  if (classes !== null && (!Array.isArray(classes) || classes.length === 0 || classes.some((c) => typeof c !== 'string' || c === ''))) {
    throw new Error(`${where}: classes must be a non-empty list of folder names`);
  }
  const quote = o.quote === undefined ? '"' : o.quote;
  return { format, textColumn, labelColumn, encoding, skipBadLines: o.skipBadLines ?? false, quote, classes };
}

/** Collects examples; a bad line throws or is recorded, as asked. */
class Sink {
  readonly texts: string[] = [];
  readonly labels: string[] = [];
  readonly skipped: SkippedLine[] = [];
  constructor(private readonly skip: boolean) {}

  bad(file: string, line: number, reason: string): void {
    if (!this.skip) throw new TextDataError(file, line, reason);
    this.skipped.push({ file, line, reason });
  }

  add(text: string, label: string | null): void {
    this.texts.push(text);
    if (label !== null) this.labels.push(label);
  }

  /** The result; an error naming `file` when nothing usable was found. */
  finish(file: string, emptyReason: string): TextDataset {
    if (this.texts.length === 0) {
      if (this.skipped.length > 0) {
        const s = this.skipped[0]!;
        throw new TextDataError(file, null, `no usable examples: all ${this.skipped.length} data lines were malformed (first, line ${s.line}: ${s.reason})`);
      }
      throw new TextDataError(file, null, emptyReason);
    }
    return { texts: this.texts, labels: this.labels, skipped: this.skipped };
  }
}

/** `'auto'` → a concrete format from the file name (without `.gz`). */
function formatFromName(name: string): Exclude<TextFormat, 'auto' | 'folders'> | null {
  const base = name.toLowerCase().replace(/\.gz$/, '');
  if (base.endsWith('.csv')) return 'csv';
  if (base.endsWith('.tsv') || base.endsWith('.tab')) return 'tsv';
  if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) return 'jsonl';
  if (base.endsWith('.txt')) return 'label-tab-text';
  return null;
}

/**
 * Parses the content of one data file already in memory (bytes or decoded text). `name` is used
 * in error messages and for `format: 'auto'`.
 *
 * @example
 * const ds = parseTextDataset('text,label\n"Great, really",pos\nBad,neg\n', { name: 'mini.csv' });
 * // { texts: ['Great, really', 'Bad'], labels: ['pos', 'neg'], skipped: [] }
 */
export function parseTextDataset(content: string | Uint8Array, options: LoadTextOptions & { name: string }): TextDataset {
  const where = 'parseTextDataset';
  const o = resolveOptions(where, options);
  const file = options.name;
  let format = o.format;
  if (format === 'folders') throw new Error(`${where}: format 'folders' needs a directory; use loadTextDataset`);
  const auto = format === 'auto';
  if (auto) {
    const guessed = formatFromName(file);
    if (guessed === null) {
      throw new TextDataError(file, null, "cannot tell the format from the file name; pass format: 'csv', 'tsv', 'jsonl', 'folders' or 'label-tab-text'");
    }
    format = guessed;
  }
  let text: string;
  if (typeof content === 'string') {
    text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  } else {
    try {
      text = decodeText(content, o.encoding);
    } catch (e) {
      if (e instanceof DecodeError) throw new TextDataError(file, e.line, e.reason);
      throw e;
    }
  }
  const sink = new Sink(o.skipBadLines);
  if (format === 'csv' || format === 'tsv') return readDelimited(text, file, format === 'csv' ? ',' : '\t', o, auto, sink);
  if (format === 'jsonl') return readJsonl(text, file, o, sink);
  return readLabelTabText(text, file, sink);
}

function readDelimited(text: string, file: string, delimiter: string, o: Resolved, auto: boolean, sink: Sink): TextDataset {
  const parser = new CsvParser({ delimiter, quote: o.quote });
  const records = parser.push(text);
  records.push(...parser.end());
  const blank = (f: string[]): boolean => f.length === 1 && f[0] === '';
  let r = 0;
  while (r < records.length && !records[r]!.error && blank(records[r]!.fields)) r++;
  const head = records[r];
  if (head === undefined) throw new TextDataError(file, null, 'empty file');
  if (head.error) throw new TextDataError(file, head.line, `malformed header line: ${head.error}`);
  const columns = head.fields.map((c) => c.trim());
  const find = (name: string): number => {
    const at = columns.indexOf(name);
    if (at < 0) {
      const hint =
        auto && columns.length === 2 && delimiter === '\t' ? " (if the file has no header line, use format: 'label-tab-text')" : '';
      throw new TextDataError(file, head.line, `no column named "${name}"; columns are: ${columns.join(', ')}${hint}`);
    }
    if (columns.indexOf(name, at + 1) >= 0) {
      throw new TextDataError(file, head.line, `column "${name}" appears more than once (columns ${at + 1} and ${columns.indexOf(name, at + 1) + 1})`);
    }
    return at;
  };
  const ti = find(o.textColumn);
  const li = o.labelColumn === null ? -1 : find(o.labelColumn);
  const width = columns.length;
  for (r++; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.error) {
      sink.bad(file, rec.line, rec.error);
      continue;
    }
    if (blank(rec.fields) && width > 1) continue;
    if (rec.fields.length !== width) {
      sink.bad(file, rec.line, `expected ${width} fields, got ${rec.fields.length}`);
      continue;
    }
    const label = li < 0 ? null : rec.fields[li]!.trim();
    if (label === '') {
      sink.bad(file, rec.line, `empty label in column "${o.labelColumn}"`);
      continue;
    }
    sink.add(rec.fields[ti]!, label);
  }
  return sink.finish(file, 'no examples after the header line');
}

function readJsonl(text: string, file: string, o: Resolved, sink: Sink): TextDataset {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!.endsWith('\r') ? lines[k]!.slice(0, -1) : lines[k]!;
    if (line.trim() === '') continue;
    const n = k + 1;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      sink.bad(file, n, `invalid JSON: ${(e as Error).message}`);
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      sink.bad(file, n, `expected a JSON object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
      continue;
    }
    const obj = v as Record<string, unknown>;
    const missing = [o.textColumn, o.labelColumn].find((f) => f !== null && !Object.hasOwn(obj, f));
    if (missing !== undefined) {
      sink.bad(file, n, `no field "${missing}"; fields are: ${Object.keys(obj).join(', ')}`);
      continue;
    }
    const t = obj[o.textColumn];
    if (typeof t !== 'string') {
      sink.bad(file, n, `field "${o.textColumn}" must be a string, got ${describe(t)}`);
      continue;
    }
    let label: string | null = null;
    if (o.labelColumn !== null) {
      const l = obj[o.labelColumn];
      if (typeof l === 'string') label = l.trim();
      else if ((typeof l === 'number' && Number.isFinite(l)) || typeof l === 'boolean') label = String(l);
      else {
        sink.bad(file, n, `field "${o.labelColumn}" must be a string or a number, got ${describe(l)}`);
        continue;
      }
      if (label === '') {
        sink.bad(file, n, `empty label in field "${o.labelColumn}"`);
        continue;
      }
    }
    sink.add(t, label);
  }
  return sink.finish(file, 'empty file');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function readLabelTabText(text: string, file: string, sink: Sink): TextDataset {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!.endsWith('\r') ? lines[k]!.slice(0, -1) : lines[k]!;
    if (line.trim() === '') continue;
    const tab = line.indexOf('\t');
    if (tab < 0) {
      sink.bad(file, k + 1, 'expected "label<TAB>text", found no TAB');
      continue;
    }
    const label = line.slice(0, tab).trim();
    if (label === '') {
      sink.bad(file, k + 1, 'empty label before the TAB');
      continue;
    }
    sink.add(line.slice(tab + 1), label);
  }
  return sink.finish(file, 'empty file');
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * @internal Reads a file, gunzipping it when it starts with the gzip magic bytes; a missing file
 * is a {@link TextDataError} naming it.
 *
 * @example
 * const text = decodeText(await readBytes('data/sst/stsa.binary.dev.gz'));
 */
export async function readBytes(path: string): Promise<Uint8Array> {
  const fsp = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? "is a directory (use format: 'folders')" : (e as Error).message;
    throw new TextDataError(path, null, why);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const zlib = await import('node:zlib');
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (e) {
      throw new TextDataError(path, null, `damaged gzip data: ${(e as Error).message}`);
    }
  }
  return bytes;
}

/**
 * @internal `dir/name` with one separator.
 *
 * @example
 * joinPath('data/', 'train.csv'); // 'data/train.csv'
 */
export function joinPath(dir: string, name: string): string {
  return dir.replace(/[\\/]+$/, '') + '/' + name;
}

/**
 * Loads a labelled text dataset from a file or a folder.
 *
 * Formats (`format: 'auto'`, the default, picks one from the name, `.gz` ignored):
 * - `'csv'` (`.csv`) / `'tsv'` (`.tsv`, `.tab`): a header line naming the columns, then one
 *   record per example; `textColumn`/`labelColumn` select the columns (header names are
 *   trimmed). RFC 4180 quoting (quoted commas, `""`, line breaks inside quotes), CRLF, a UTF-8
 *   BOM and a missing final newline are all fine. Blank lines are ignored. `quote: null` for TSV
 *   files that never quote (a field starting with `"` is then plain text).
 * - `'jsonl'` (`.jsonl`, `.ndjson`): one JSON object per line; string, number or boolean labels.
 * - `'label-tab-text'` (`.txt`): `label<TAB>text` per line, no header; the text may hold more TABs.
 * - `'folders'` (a directory): `dir/<class>/<any file>`, one example per file, label = folder
 *   name; hidden entries are ignored, files are read in name order; `classes` restricts the
 *   folders read.
 *
 * Labels are trimmed; an empty label is a malformed line. Texts are returned as written.
 *
 * @example
 * const { texts, labels } = await loadTextDataset('reviews.csv', { textColumn: 'review', labelColumn: 'sentiment' });
 * const enc = LabelEncoder.fit(labels); const y = enc.encode(labels);
 * const lenient = await loadTextDataset('dirty.jsonl', { skipBadLines: true });
 * lenient.skipped; // [{ file: 'dirty.jsonl', line: 5, reason: 'invalid JSON: ...' }]
 */
export async function loadTextDataset(path: string, options: LoadTextOptions = {}): Promise<TextDataset> {
  const o = resolveOptions('loadTextDataset', options);
  if (typeof path !== 'string' || path === '') throw new Error(`loadTextDataset: path must be a non-empty string, got ${JSON.stringify(path)}`);
  const format = o.format;
  if (format === 'auto' || format === 'folders') {
    const fsp = await import('node:fs/promises');
    const st = await fsp.stat(path).catch(() => null);
    if (st === null) throw new TextDataError(path, null, 'no such file or directory');
    if (st.isDirectory()) return loadFolders(path, o);
    if (format === 'folders') throw new TextDataError(path, null, "format 'folders' needs a directory with one sub-folder per class");
  }
  return parseTextDataset(await readBytes(path), { ...options, format, name: path });
}

async function loadFolders(dir: string, o: Resolved): Promise<TextDataset> {
  const fsp = await import('node:fs/promises');
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  let classes = folders;
  if (o.classes !== null) {
    const missing = o.classes.find((c) => !folders.includes(c));
    if (missing !== undefined) throw new TextDataError(dir, null, `no folder "${missing}"; folders are: ${folders.join(', ') || '(none)'}`);
    classes = [...o.classes].sort();
  }
  if (classes.length === 0) throw new TextDataError(dir, null, 'no class folders (expected one sub-folder per class, e.g. neg/ and pos/)');
  const sink = new Sink(o.skipBadLines);
  for (const cls of classes) {
    const sub = joinPath(dir, cls);
    const files = (await fsp.readdir(sub, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    if (files.length === 0) throw new TextDataError(sub, null, `class folder "${cls}" has no files`);
    // Read in small parallel groups: thousands of tiny files, one at a time, would be latency-bound.
    for (let g = 0; g < files.length; g += 64) {
      const group = files.slice(g, g + 64).map((f) => joinPath(sub, f));
      const contents = await Promise.all(group.map((p) => readBytes(p)));
      for (let k = 0; k < group.length; k++) {
        try {
          sink.add(decodeText(contents[k]!, o.encoding).trimEnd(), cls);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          if (e.line === null) throw new TextDataError(group[k]!, null, e.reason);
          sink.bad(group[k]!, e.line, e.reason);
        }
      }
    }
  }
  return sink.finish(dir, 'no examples');
}
