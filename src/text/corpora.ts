/**
 * Loaders for the standard sentiment corpora in the layouts the shared data folder holds (see
 * each corpus's SOURCE.md). All return a {@link TextDataset} whose labels are class-id strings
 * ('0' = negative, '1' = positive for the binary sets; '0'..'4' for SST-5), so
 * `LabelEncoder.fit(labels)` maps them to the ids the papers use. Files may be gzip'ed or not.
 */
import { DecodeError, decodeText, type TextEncodingName } from './decode.js';
import { joinPath, loadTextDataset, readBytes, TextDataError, type TextDataset } from './datasets.js';

/** SST splits (Socher et al.'s official train/dev/test). */
export type SSTSplit = 'train' | 'dev' | 'test';
/** IMDB splits (Maas et al.'s official 25k/25k). */
export type IMDBSplit = 'train' | 'test';

async function exists(path: string): Promise<boolean> {
  const fsp = await import('node:fs/promises');
  return fsp.stat(path).then(
    () => true,
    () => false,
  );
}

/** `dir/name.gz` or `dir/name`, whichever exists. */
async function findFile(dir: string, name: string): Promise<string> {
  for (const candidate of [`${name}.gz`, name]) {
    const p = joinPath(dir, candidate);
    if (await exists(p)) return p;
  }
  throw new TextDataError(dir, null, `no ${name}.gz or ${name} in this folder`);
}

async function readLines(file: string, encoding: TextEncodingName): Promise<string[]> {
  let text: string;
  try {
    text = decodeText(await readBytes(file), encoding);
  } catch (e) {
    if (e instanceof DecodeError) throw new TextDataError(file, e.line, e.reason);
    throw e;
  }
  return text.split(/\r?\n/);
}

function checkSplit<T extends string>(where: string, split: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(split as T)) throw new Error(`${where}: split must be ${allowed.map((s) => `'${s}'`).join(', ')}; got ${JSON.stringify(split)}`);
  return split as T;
}

async function loadSST(where: string, dir: string, split: unknown, kind: 'binary' | 'fine'): Promise<TextDataset> {
  const s = checkSplit(where, split, ['train', 'dev', 'test'] as const);
  const file = await findFile(dir, `stsa.${kind}.${s}`);
  const allowed = kind === 'binary' ? ['0', '1'] : ['0', '1', '2', '3', '4'];
  const texts: string[] = [];
  const labels: string[] = [];
  const lines = await readLines(file, 'utf8');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    if (line.trim() === '') continue;
    const sp = line.indexOf(' ');
    const label = sp < 0 ? line : line.slice(0, sp);
    if (sp < 0 || !allowed.includes(label)) {
      throw new TextDataError(file, k + 1, `expected "<label> <sentence>" with a label in ${allowed.join(', ')}; got ${JSON.stringify(line.slice(0, 40))}`);
    }
    texts.push(line.slice(sp + 1).trim());
    labels.push(label);
  }
  if (texts.length === 0) throw new TextDataError(file, null, 'empty file');
  return { texts, labels, skipped: [] };
}

/**
 * SST-2 (binary sentence-level Stanford Sentiment Treebank, neutral sentences removed) from
 * `dir/stsa.binary.{train,dev,test}[.gz]`: 6,920 / 872 / 1,821 sentences; labels '0' (negative)
 * and '1' (positive). Sentences are lower-cased and already tokenized (PTB style: "n't",
 * "-lrb-"), so split them on spaces or use `new WordTokenizer({ splitPunctuation: false })`.
 *
 * @example
 * const train = await loadSST2('data/sst', 'train'); // train.texts.length === 6920
 */
export function loadSST2(dir: string, split: SSTSplit): Promise<TextDataset> {
  return loadSST('loadSST2', dir, split, 'binary');
}

/**
 * SST-5 (fine-grained, labels '0' very negative … '4' very positive) from
 * `dir/stsa.fine.{train,dev,test}[.gz]`: 8,544 / 1,101 / 2,210 sentences. Tokenized like
 * {@link loadSST2}.
 *
 * @example
 * const test = await loadSST5('data/sst', 'test'); // test.texts.length === 2210
 */
export function loadSST5(dir: string, split: SSTSplit): Promise<TextDataset> {
  return loadSST('loadSST5', dir, split, 'fine');
}

/**
 * SST's phrase-level training labels: every labelled phrase of the *training* trees, which is
 * what the published SST LSTM results train on (the dev and test sets stay whole sentences). Two
 * layouts are read, told apart by the first line:
 * - GLUE's SST-2 `train.tsv`: a `sentence<TAB>label` header, then 67,349 phrases labelled 0/1
 *   (binary only);
 * - `stsa.binary.phrases.train` / `stsa.fine.phrases.train` (Kim 2014's files): `<label> <phrase>`
 *   lines, like {@link loadSST2}.
 * Phrases are trimmed; repeated phrases are kept, as the files have them. Labels are '0'/'1'
 * (binary) or '0'..'4' (fine); a line with another label, no text or a missing separator is an
 * error naming file and line.
 *
 * @example
 * const phrases = await loadSSTPhrases('glue/SST-2/train.tsv', 'binary'); // 67,349 phrases
 */
export async function loadSSTPhrases(file: string, kind: 'binary' | 'fine'): Promise<TextDataset> {
  if (kind !== 'binary' && kind !== 'fine') throw new Error(`loadSSTPhrases: kind must be 'binary' or 'fine'; got ${JSON.stringify(kind)}`);
  const lines = await readLines(file, 'utf8');
  const allowed = kind === 'binary' ? ['0', '1'] : ['0', '1', '2', '3', '4'];
  let first = 0;
  while (first < lines.length && lines[first]!.trim() === '') first++;
  if (first === lines.length) throw new TextDataError(file, null, 'empty file');
  const header = lines[first]!.replace(/^\uFEFF/, '').trim().split('\t');
  const glue = header.length === 2 && header[0] === 'sentence' && header[1] === 'label';
  if (glue && kind !== 'binary') throw new TextDataError(file, first + 1, "a GLUE SST-2 file (header 'sentence<TAB>label') holds binary labels only; use it for SST-2");
  const texts: string[] = [];
  const labels: string[] = [];
  for (let k = glue ? first + 1 : first; k < lines.length; k++) {
    const line = lines[k]!.replace(/^\uFEFF/, '');
    if (line.trim() === '') continue;
    const at = glue ? line.lastIndexOf('\t') : line.indexOf(' ');
    const label = at < 0 ? '' : glue ? line.slice(at + 1).trim() : line.slice(0, at);
    const text = at < 0 ? '' : glue ? line.slice(0, at).trim() : line.slice(at + 1).trim();
    if (!allowed.includes(label) || text === '') {
      const want = glue ? '"<phrase><TAB><label>"' : '"<label> <phrase>"';
      throw new TextDataError(file, k + 1, `expected ${want} with a label in ${allowed.join(', ')}; got ${JSON.stringify(line.slice(0, 60))}`);
    }
    texts.push(text);
    labels.push(label);
  }
  if (texts.length === 0) throw new TextDataError(file, null, 'no phrases after the header');
  return { texts, labels, skipped: [] };
}

/**
 * MR, Pang & Lee's sentence polarity v1.0, from `dir/rt-polarity.{neg,pos}[.gz]`: 10,662
 * sentences (5,331 negative, label '0', listed first; then 5,331 positive, label '1'). The files
 * are Windows-1252 (0x97 is an em dash, 0x85 an ellipsis) and are decoded by the full table;
 * trailing spaces are trimmed. There is no official split: use 10-fold cross-validation
 * (`kFoldIds(n, 10, new Rng(seed))`).
 *
 * @example
 * const mr = await loadMR('data/mr-polarity'); // mr.texts.length === 10662
 */
export async function loadMR(dir: string): Promise<TextDataset> {
  const texts: string[] = [];
  const labels: string[] = [];
  for (const [name, label] of [['rt-polarity.neg', '0'], ['rt-polarity.pos', '1']] as const) {
    const file = await findFile(dir, name);
    const before = texts.length;
    for (const line of await readLines(file, 'windows-1252')) {
      const t = line.trim();
      if (t === '') continue;
      texts.push(t);
      labels.push(label);
    }
    if (texts.length === before) throw new TextDataError(file, null, 'empty file');
  }
  return { texts, labels, skipped: [] };
}

/**
 * IMDB movie reviews (Maas et al. 2011), 25,000 per split, 12,500 per class; labels '0'
 * (negative, rating ≤ 4) and '1' (positive, rating ≥ 7). Reads either the shared data's packing
 * `dir/imdb_{train,test}.tsv[.gz]` (header `label id rating text`, unquoted) or the original
 * `aclImdb_v1` layout `dir/{train,test}/{neg,pos}/*.txt`. Texts keep the reviews' `<br />` tags
 * (`new WordTokenizer({ stripHtml: true })` removes them).
 *
 * @example
 * const { texts, labels } = await loadIMDB('data/imdb', 'test'); // 25,000 reviews
 */
export async function loadIMDB(dir: string, split: IMDBSplit): Promise<TextDataset> {
  const s = checkSplit('loadIMDB', split, ['train', 'test'] as const);
  for (const name of [`imdb_${s}.tsv.gz`, `imdb_${s}.tsv`]) {
    const file = joinPath(dir, name);
    if (!(await exists(file))) continue;
    const ds = await loadTextDataset(file, { format: 'tsv', quote: null, textColumn: 'text', labelColumn: 'label' });
    const bad = ds.labels.findIndex((l) => l !== '0' && l !== '1');
    if (bad >= 0) throw new TextDataError(file, null, `label ${JSON.stringify(ds.labels[bad])} of example ${bad + 1} is not 0 or 1`);
    return ds;
  }
  const folder = joinPath(dir, s);
  if ((await exists(joinPath(folder, 'neg'))) && (await exists(joinPath(folder, 'pos')))) {
    const ds = await loadTextDataset(folder, { format: 'folders', classes: ['neg', 'pos'] });
    return { ...ds, labels: ds.labels.map((l) => (l === 'pos' ? '1' : '0')) };
  }
  throw new TextDataError(dir, null, `expected imdb_${s}.tsv.gz (the shared data's packing) or ${s}/neg/ and ${s}/pos/ (the aclImdb_v1 layout)`);
}
