/**
 * Parallel text for sequence-to-sequence tasks: tab-separated pairs, parallel files, Multi30k,
 * CMUdict G2P (its `WORD<TAB>PH PH …` lines are tab-separated pairs), Tatoeba (`en<TAB>fr`);
 * grouping the several targets of one source into references; a held-out split.
 * Files may be gzip-compressed (detected by their magic bytes). Node only (reads files lazily).
 */
import { Rng } from '../../tensor/rng.js';
import { joinPath, readBytes } from '../../text/datasets.js';

/** Source and target sentences, line by line. */
export interface ParallelText {
  sources: string[];
  targets: string[];
}

/** Distinct sources (first-appearance order) with every target given for each. */
export interface GroupedReferences {
  sources: string[];
  references: string[][];
}

/** The Multi30k Task 1 splits shipped in ../shared/data/multi30k (see its SOURCE.md). */
export type Multi30kSplit = 'train' | 'val' | 'test_2016_flickr';

function decodeUtf8(bytes: Uint8Array, name: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${name}: not valid UTF-8 text`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function lines(text: string): string[] {
  const ls = text.split(/\r?\n/);
  if (ls.length && ls[ls.length - 1] === '') ls.pop();
  return ls;
}

/**
 * Parses `source<TAB>target` lines (a third column and beyond, e.g. Tatoeba's attribution, is
 * ignored); blank lines are skipped.
 *
 * @example
 * parsePairs('ABLE\tEY B AH L\nACHE\tEY K\n'); // { sources: ['ABLE', 'ACHE'], targets: ['EY B AH L', 'EY K'] }
 */
export function parsePairs(text: string, name = '<pairs>'): ParallelText {
  const sources: string[] = [];
  const targets: string[] = [];
  lines(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const tab = line.indexOf('\t');
    if (tab < 0) throw new Error(`${name}:${i + 1}: expected source<TAB>target, found no tab in ${JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line)}`);
    const end = line.indexOf('\t', tab + 1);
    sources.push(line.slice(0, tab));
    targets.push(end < 0 ? line.slice(tab + 1) : line.slice(tab + 1, end));
  });
  if (sources.length === 0) throw new Error(`${name}: no pairs found`);
  return { sources, targets };
}

/**
 * Zips two line-aligned texts (line i of one translates line i of the other).
 *
 * @example
 * parseParallel('Ein Hund.\n', 'A dog.\n'); // { sources: ['Ein Hund.'], targets: ['A dog.'] }
 */
export function parseParallel(sourceText: string, targetText: string, sourceName = '<source>', targetName = '<target>'): ParallelText {
  const s = lines(sourceText);
  const t = lines(targetText);
  if (s.length !== t.length) throw new Error(`${sourceName} has ${s.length} lines but ${targetName} has ${t.length}; parallel files must be line-aligned`);
  if (s.length === 0) throw new Error(`${sourceName}: no lines`);
  return { sources: s, targets: t };
}

/** Reads a (possibly gzipped) `source<TAB>target` file. */
export async function loadPairs(path: string): Promise<ParallelText> {
  return parsePairs(decodeUtf8(await readBytes(path), path), path);
}

/** Reads two (possibly gzipped) line-aligned files. */
export async function loadParallel(sourcePath: string, targetPath: string): Promise<ParallelText> {
  const [s, t] = await Promise.all([readBytes(sourcePath), readBytes(targetPath)]);
  return parseParallel(decodeUtf8(s, sourcePath), decodeUtf8(t, targetPath), sourcePath, targetPath);
}

/**
 * One Multi30k split from a folder holding `<split>.<lang>.gz` (e.g. `train.de.gz`, `train.en.gz`).
 *
 * @example
 * const test = await loadMulti30k('../shared/data/multi30k', 'test_2016_flickr', 'de', 'en'); // 1,000 pairs
 */
export async function loadMulti30k(dir: string, split: Multi30kSplit, sourceLang = 'de', targetLang = 'en'): Promise<ParallelText> {
  const file = (lang: string): string => joinPath(dir, `${split}.${lang}.gz`);
  return loadParallel(file(sourceLang), file(targetLang));
}

/**
 * Groups the targets of equal sources: CMUdict lists words with several pronunciations on
 * several lines, and G2P scoring compares a hypothesis with all of them.
 *
 * @example
 * groupReferences({ sources: ['READ', 'READ'], targets: ['R IY D', 'R EH D'] });
 * // { sources: ['READ'], references: [['R IY D', 'R EH D']] }
 */
export function groupReferences(data: ParallelText): GroupedReferences {
  const index = new Map<string, number>();
  const sources: string[] = [];
  const references: string[][] = [];
  data.sources.forEach((s, i) => {
    let k = index.get(s);
    if (k === undefined) {
      k = sources.length;
      index.set(s, k);
      sources.push(s);
      references.push([]);
    }
    references[k]!.push(data.targets[i]!);
  });
  return { sources, references };
}

/**
 * Holds out a share of the distinct sources (all their pairs together, so no source is in both
 * parts), chosen by a seeded shuffle.
 *
 * @example
 * const { train, valid } = holdOut(pairs, 0.05, 1);
 */
export function holdOut(data: ParallelText, fraction: number, seed = 0): { train: ParallelText; valid: ParallelText } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`holdOut: fraction must be in (0, 1), got ${fraction}`);
  const distinct = [...new Set(data.sources)];
  new Rng(seed).shuffle(distinct);
  const nValid = Math.max(1, Math.round(distinct.length * fraction));
  if (nValid >= distinct.length) throw new Error(`holdOut: ${distinct.length} distinct sources are too few to hold out ${fraction}`);
  const valid = new Set(distinct.slice(0, nValid));
  const train: ParallelText = { sources: [], targets: [] };
  const held: ParallelText = { sources: [], targets: [] };
  data.sources.forEach((s, i) => {
    const to = valid.has(s) ? held : train;
    to.sources.push(s);
    to.targets.push(data.targets[i]!);
  });
  return { train, valid: held };
}
