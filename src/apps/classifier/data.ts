/**
 * Labelled text for the classifier: the user's files (CSV, TSV, JSON Lines, one folder per class,
 * `label<TAB>text`) and the standard sentiment corpora (SST-2, SST-5, MR, IMDB), with readable
 * class names for the corpora.
 */
import { loadTextDataset } from '../../text/datasets.js';
import type { LoadTextOptions, SkippedLine } from '../../text/datasets.js';
import { loadIMDB, loadMR, loadSST2, loadSST5, loadSSTPhrases } from '../../text/corpora.js';

/** The corpora {@link loadBuiltinDataset} reads. */
export type BuiltinDataset = 'sst2' | 'sst5' | 'mr' | 'imdb';
export const BUILTIN_DATASETS: readonly BuiltinDataset[] = ['sst2', 'sst5', 'mr', 'imdb'];

/** Class names of the corpora, in the papers' label order (label '0' first). */
export const DATASET_CLASSES: Readonly<Record<BuiltinDataset, readonly string[]>> = {
  sst2: ['negative', 'positive'],
  sst5: ['very negative', 'negative', 'neutral', 'positive', 'very positive'],
  mr: ['negative', 'positive'],
  imdb: ['negative', 'positive'],
};

/** Splits of the corpora; MR has no split ('all': use cross-validation), IMDB no 'dev'. */
export type DatasetSplit = 'train' | 'dev' | 'test' | 'all';

/** Labelled texts as read from a file or corpus. */
export interface LabeledData {
  texts: string[];
  labels: string[];
  /** Malformed lines skipped (with `skipBadLines`). */
  skipped: SkippedLine[];
  /** The class order to use (corpora), or null to take the sorted distinct labels. */
  classes: string[] | null;
  /** What was read, for messages. */
  source: string;
}

/** Which splits each corpus has. */
export function datasetSplits(name: BuiltinDataset): DatasetSplit[] {
  return name === 'mr' ? ['all'] : name === 'imdb' ? ['train', 'test'] : ['train', 'dev', 'test'];
}

/**
 * One split of a standard corpus from `dir` (the folder with its files, e.g.
 * `/work/shared/data/sst`), labels mapped to class names (`'negative'`, `'positive'`, ...).
 *
 * @example
 * const dev = await loadBuiltinDataset('sst2', 'data/sst', 'dev'); // 872 sentences
 */
export async function loadBuiltinDataset(name: BuiltinDataset, dir: string, split: DatasetSplit): Promise<LabeledData> {
  if (!BUILTIN_DATASETS.includes(name)) throw new Error(`unknown dataset ${JSON.stringify(name)}; expected one of ${BUILTIN_DATASETS.join(', ')}`);
  const splits = datasetSplits(name);
  if (!splits.includes(split)) {
    const hint = name === 'mr' ? ' (MR has no official split: use 10-fold cross-validation)' : name === 'imdb' && split === 'dev' ? ' (IMDB has no dev split: hold out part of train)' : '';
    throw new Error(`dataset ${name} has no '${split}' split; it has ${splits.map((s) => `'${s}'`).join(', ')}${hint}`);
  }
  const ds =
    name === 'sst2' ? await loadSST2(dir, split as 'train')
    : name === 'sst5' ? await loadSST5(dir, split as 'train')
    : name === 'mr' ? await loadMR(dir)
    : await loadIMDB(dir, split as 'train');
  const classes = DATASET_CLASSES[name];
  const labels = ds.labels.map((l, i) => {
    const c = classes[Number(l)];
    if (c === undefined || !/^\d+$/.test(l)) throw new Error(`${name} ${split}: example ${i + 1} has label ${JSON.stringify(l)}, expected 0..${classes.length - 1}`);
    return c;
  });
  return { texts: ds.texts, labels, skipped: ds.skipped, classes: [...classes], source: `${name} ${split} (${dir})` };
}

/**
 * SST's phrase-level training set (every labelled phrase of the training trees; see
 * `loadSSTPhrases` for the two file layouts, e.g. GLUE's SST-2 `train.tsv`) with the class names
 * of `name`, to train on instead of the sentence-level `train` split. Dev and test stay the
 * official sentences of {@link loadBuiltinDataset}.
 *
 * @example
 * const train = await loadSSTPhraseTraining('sst2', 'SST-2/train.tsv'); // 67,349 phrases, 'negative' / 'positive'
 */
export async function loadSSTPhraseTraining(name: 'sst2' | 'sst5', file: string): Promise<LabeledData> {
  if (name !== 'sst2' && name !== 'sst5') throw new Error(`phrase-level training data exists for sst2 and sst5 only, not ${JSON.stringify(name)}`);
  const ds = await loadSSTPhrases(file, name === 'sst2' ? 'binary' : 'fine');
  const classes = DATASET_CLASSES[name];
  return { texts: ds.texts, labels: ds.labels.map((l) => classes[Number(l)]!), skipped: [], classes: [...classes], source: `${name} phrases (${file})` };
}

/**
 * Labelled texts from a file or a folder (see `loadTextDataset` for the formats).
 *
 * @example
 * const d = await loadLabeledData('reviews.csv', { textColumn: 'review', labelColumn: 'sentiment' });
 */
export async function loadLabeledData(path: string, options: LoadTextOptions = {}): Promise<LabeledData> {
  const ds = await loadTextDataset(path, options);
  if (ds.labels.length !== ds.texts.length) throw new Error(`${path}: no labels were read (labelColumn is null)`);
  return { texts: ds.texts, labels: ds.labels, skipped: ds.skipped, classes: null, source: path };
}
