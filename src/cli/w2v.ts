/**
 * `recurrent w2v train|similar|analogy|eval`: word2vec on a text corpus, and queries and
 * benchmarks on word vectors in the word2vec C formats (text / binary) or `.safetensors`.
 *
 * Flag names follow word2vec.c where it has one: `-size` is `--dim` (or `--size`), `-iter`,
 * `-threads`, `-min-count`, `-cbow 0|1`, `-hs 0|1`, `-binary 0|1`, `-train`, `-output`. The
 * C spellings with one dash are accepted too ({@link w2vArgv} rewrites them before parsing).
 *
 * Registration: `W2V_COMMANDS` (+ `W2V_GROUP_HELP`) follow the group pattern of `main.ts`.
 */
import { stat, writeFile } from 'node:fs/promises';
import { KeyedVectors, Word2Vec, loadWordVectors, saveWordVectors } from '../index.js';
import type { AnalogyResult, Scored, Word2VecEpochReport, Word2VecProgress, WordPairsResult, WordVectorsFormat } from '../index.js';
import { HELP_FLAG, UsageError, getBool, getNumber, getString } from './args.js';
import type { FlagSpec, ParsedArgs } from './args.js';
import { CliError, checkWritable, fmtBytes, fmtDuration, fmtInt, jsonLine, numberFlag, shellQuote } from './io.js';
import type { CliIO, Command } from './io.js';

// ---------------------------------------------------------------------------------------------
// Shared

/** word2vec.c's 0|1 switches: `-cbow 0` / `--cbow 0` become `--cbow=0` for the parser. */
const C_SWITCHES = new Set(['cbow', 'hs', 'sg']);

/**
 * Rewrites word2vec.c's spellings into ours before parsing: `-size 100` → `--size 100` (any
 * single-dash name that is one of the command's long flags) and `--cbow 0` → `--cbow=0`.
 * Everything after `--` is left alone.
 */
export function w2vArgv(argv: readonly string[], flags: readonly FlagSpec[]): string[] {
  const names = new Set(flags.map((f) => f.name));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const single = /^-([a-z][a-z-]+)$/.exec(a);
    if (single && names.has(single[1]!)) a = `--${single[1]}`;
    const sw = /^--([a-z-]+)$/.exec(a);
    const next = argv[i + 1];
    if (sw && C_SWITCHES.has(sw[1]!) && (next === '0' || next === '1')) {
      out.push(`${a}=${next}`);
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** A file the user named: it must exist and be a non-empty regular file. */
async function checkInputFile(path: string, what: string): Promise<number> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new CliError(`${what} ${path}: is a directory, expected a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  if (size === 0) throw new CliError(`${what} ${path}: the file is empty`);
  return size;
}

/** Loads word vectors (word2vec text/binary by content, `.safetensors` by extension). */
async function loadVectors(path: string, limit?: number): Promise<KeyedVectors> {
  await checkInputFile(path, 'vectors');
  let kv: KeyedVectors;
  try {
    kv = new KeyedVectors(await loadWordVectors(path, limit !== undefined ? { limit } : {}));
  } catch (e) {
    const msg = (e as Error).message;
    throw new CliError(`vectors ${msg.startsWith(path) ? msg : `${path}: ${msg}`}`);
  }
  if (kv.size === 0) throw new CliError(`vectors ${path}: the file holds no words`);
  return kv;
}

/** Fails with one line naming `word` and the file, suggesting another casing when there is one. */
function needWord(kv: KeyedVectors, word: string, path: string): void {
  if (kv.has(word)) return;
  const other = [word.toLowerCase(), word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1).toLowerCase()].find((w) => w !== word && kv.has(w));
  throw new CliError(`unknown word '${word}': not among the ${fmtInt(kv.size)} words of ${path}${other ? ` (did you mean '${other}'?)` : ''}`);
}

function vectorsArgs(args: ParsedArgs, cmd: string, what: string): { path: string; rest: string[] } {
  const [path, ...rest] = args.positionals;
  if (path === undefined) throw new UsageError(`missing the vectors file: recurrent ${cmd} VECTORS ${what}`, cmd);
  return { path, rest };
}

function restrictFlag(args: ParsedArgs, cmd: string): number | undefined {
  const r = getNumber(args, 'restrict');
  if (r !== undefined && !(r >= 1)) throw new UsageError(`--restrict must be ≥ 1, got ${r}`, cmd);
  return r;
}

function printScored(io: CliIO, results: Scored[]): void {
  const width = Math.max(4, ...results.map(([w]) => w.length));
  for (const [w, s] of results) io.stdout.write(`${w.padEnd(width)}  ${s.toFixed(4)}\n`);
}

const scoredJson = (results: Scored[]): { word: string; similarity: number }[] => results.map(([word, similarity]) => ({ word, similarity }));

const pct = (v: number): string => `${(100 * v).toFixed(2)} %`;

/** `--a` or its word2vec.c name `--b` (not both with different values). */
function either(args: ParsedArgs, a: string, b: string, cmd: string): number | undefined {
  const x = getNumber(args, a);
  const y = getNumber(args, b);
  if (x !== undefined && y !== undefined && x !== y) throw new UsageError(`--${a} ${x} and --${b} ${y} disagree (they are the same setting)`, cmd);
  return x ?? y;
}

// ---------------------------------------------------------------------------------------------
// w2v train

export const w2vTrainCommand: Command = {
  name: 'w2v train',
  summary: 'train word2vec vectors (CBOW or skip-gram) on a text corpus',
  usage: 'w2v train CORPUS --out VECTORS [flags]',
  positionals: 'CORPUS',
  details:
    'CORPUS is plain text, words separated by whitespace (tokenize and lower-case it beforehand, as for\n' +
    "word2vec.c). The output format follows VECTORS's extension: .bin = word2vec binary, .safetensors,\n" +
    'anything else word2vec text; --binary 0|1 chooses between the word2vec formats explicitly.\n' +
    "word2vec.c's flags work too, with one dash or two: -train, -output, -size, -cbow 0|1, -hs 0|1,\n" +
    '-min-count, -iter, -threads, -binary. As in word2vec.c, --hs adds hierarchical softmax to negative\n' +
    'sampling; give --negative 0 for hierarchical softmax alone. With --threads 1 a --seed fixes the\n' +
    'result bit for bit. Ctrl-C stops training early and still saves the vectors.',
  flags: [
    { name: 'out', type: 'string', valueName: 'FILE', description: 'where to save the vectors (.bin, .txt, .safetensors)' },
    { name: 'cbow', type: 'boolean', description: 'continuous bag of words (the default; -cbow 0 = skip-gram)' },
    { name: 'sg', type: 'boolean', description: 'skip-gram' },
    { name: 'dim', type: 'integer', default: 100, description: 'vector size (word2vec.c: -size)' },
    { name: 'window', type: 'integer', default: 5, description: 'maximum distance between a word and its context' },
    { name: 'negative', type: 'integer', default: 5, description: 'negative samples per example; 0 = none' },
    { name: 'hs', type: 'boolean', description: 'hierarchical softmax (-hs 1)' },
    { name: 'sample', type: 'number', default: 1e-3, description: 'subsampling threshold for frequent words; 0 = off' },
    { name: 'min-count', type: 'integer', default: 5, description: 'drop words seen fewer times' },
    { name: 'max-vocab', type: 'integer', description: 'keep at most this many words (raising --min-count)' },
    { name: 'alpha', type: 'number', description: 'initial learning rate (default 0.05 CBOW, 0.025 skip-gram)' },
    { name: 'min-alpha', type: 'number', description: 'final learning rate (default alpha · 1e-4)' },
    { name: 'iter', type: 'integer', default: 5, description: 'passes over the corpus (also --epochs)' },
    { name: 'threads', type: 'integer', description: 'training threads (default: all cores; 1 is deterministic)' },
    { name: 'seed', type: 'integer', default: 1, description: 'random seed' },
    { name: 'binary', type: 'integer', valueName: '0|1', description: 'word2vec binary (1) or text (0) format (default: from the extension)' },
    { name: 'save-vocab', type: 'string', valueName: 'FILE', description: "also write the vocabulary, 'word count' per line" },
    { name: 'json', type: 'boolean', description: 'print JSON lines (start, progress, epoch, done) instead of text' },
    { name: 'size', type: 'integer', description: 'same as --dim (word2vec.c)' },
    { name: 'epochs', type: 'integer', description: 'same as --iter' },
    { name: 'train', type: 'string', valueName: 'FILE', description: 'the corpus, instead of the CORPUS argument (word2vec.c)' },
    { name: 'output', type: 'string', valueName: 'FILE', description: 'same as --out (word2vec.c)' },
    HELP_FLAG,
  ],
  run: runTrain,
};

function outputFormat(out: string, binary: number | undefined, cmd: string): Exclude<WordVectorsFormat, 'auto'> {
  const st = /\.safetensors$/i.test(out);
  if (binary !== undefined) {
    if (binary !== 0 && binary !== 1) throw new UsageError(`--binary must be 0 or 1, got ${binary}`, cmd);
    if (st) throw new UsageError(`--binary chooses between the word2vec formats; ${out} is .safetensors (drop --binary or change the extension)`, cmd);
    return binary === 1 ? 'bin' : 'text';
  }
  return st ? 'safetensors' : /\.bin$/i.test(out) ? 'bin' : 'text';
}

const FORMAT_NAME = { bin: 'word2vec binary', text: 'word2vec text', safetensors: 'safetensors' } as const;

async function runTrain(args: ParsedArgs, io: CliIO): Promise<number> {
  const cmd = 'w2v train';
  const json = getBool(args, 'json');
  const t0 = performance.now();

  // Inputs and flags.
  const trainFlag = getString(args, 'train');
  if (args.positionals.length > 1) throw new UsageError(`expected one corpus file, got ${args.positionals.length}: ${args.positionals.join(' ')}`, cmd);
  if (trainFlag !== undefined && args.positionals.length > 0) throw new UsageError(`give the corpus once: as CORPUS or as --train, not both`, cmd);
  const corpus = trainFlag ?? args.positionals[0];
  if (corpus === undefined) throw new UsageError('missing the corpus: recurrent w2v train CORPUS --out VECTORS', cmd);
  const outA = getString(args, 'out');
  const outB = getString(args, 'output');
  if (outA !== undefined && outB !== undefined && outA !== outB) throw new UsageError(`--out ${outA} and --output ${outB} disagree`, cmd);
  const out = outA ?? outB;
  if (!out) throw new UsageError('missing --out FILE (e.g. --out vectors.bin)', cmd);
  const cbow = args.flags.cbow as boolean | undefined;
  const sgFlag = args.flags.sg as boolean | undefined;
  if (cbow !== undefined && sgFlag !== undefined && cbow === sgFlag) throw new UsageError(`--cbow${cbow ? '' : ' 0'} and --sg${sgFlag ? '' : ' 0'} contradict each other`, cmd);
  const sg = sgFlag ?? cbow === false;
  const dim = either(args, 'dim', 'size', cmd) ?? 100;
  if (!(dim >= 1 && dim <= 100_000)) throw new UsageError(`--dim must be between 1 and 100000, got ${dim}`, cmd);
  const epochs = either(args, 'iter', 'epochs', cmd) ?? 5;
  if (!(epochs >= 1)) throw new UsageError(`--iter must be ≥ 1, got ${epochs}`, cmd);
  const window = numberFlag(args, 'window', 5, { min: 1, max: 10_000, command: cmd });
  const negative = numberFlag(args, 'negative', 5, { min: 0, max: 10_000, command: cmd });
  const hs = getBool(args, 'hs');
  if (!hs && negative === 0) throw new UsageError('--negative 0 leaves no output layer: add --hs (hierarchical softmax) or give --negative > 0', cmd);
  const sample = numberFlag(args, 'sample', 1e-3, { min: 0, command: cmd });
  const minCount = numberFlag(args, 'min-count', 5, { min: 1, command: cmd });
  const maxVocab = getNumber(args, 'max-vocab');
  if (maxVocab !== undefined && !(maxVocab >= 1)) throw new UsageError(`--max-vocab must be ≥ 1, got ${maxVocab}`, cmd);
  const alpha = getNumber(args, 'alpha');
  if (alpha !== undefined && !(alpha > 0)) throw new UsageError(`--alpha must be > 0, got ${alpha}`, cmd);
  const minAlpha = getNumber(args, 'min-alpha');
  if (minAlpha !== undefined && !(minAlpha >= 0)) throw new UsageError(`--min-alpha must be ≥ 0, got ${minAlpha}`, cmd);
  const threads = getNumber(args, 'threads');
  if (threads !== undefined && !(threads >= 1 && threads <= 1024)) throw new UsageError(`--threads must be between 1 and 1024, got ${threads}`, cmd);
  const seed = getNumber(args, 'seed') ?? 1;
  const format = outputFormat(out, getNumber(args, 'binary'), cmd);
  const vocabOut = getString(args, 'save-vocab');

  const bytes = await checkInputFile(corpus, 'corpus');
  await checkWritable(out, '--out');
  if (vocabOut !== undefined) await checkWritable(vocabOut, '--save-vocab');

  const model = new Word2Vec({
    vectorSize: dim, window, sg, hs, negative, sample, minCount, seed, epochs,
    ...(maxVocab !== undefined ? { maxFinalVocab: maxVocab } : {}),
    ...(alpha !== undefined ? { alpha } : {}),
    ...(minAlpha !== undefined ? { minAlpha } : {}),
    ...(threads !== undefined ? { workers: threads } : {}),
  });
  const o = model.options;
  const tty = !json && io.stderr.isTTY === true;
  const line = (s = ''): void => {
    if (!json) io.stdout.write(s + '\n');
  };

  // Vocabulary.
  if (tty) io.stderr.write(`reading the vocabulary of ${corpus} (${fmtBytes(bytes)}) ...`);
  try {
    await model.buildVocab(corpus, io.signal ? { signal: io.signal } : {});
  } catch (e) {
    if (tty) io.stderr.write('\r\x1b[K');
    if (io.signal?.aborted) throw new CliError('interrupted while reading the vocabulary; nothing saved');
    const msg = (e as Error).message;
    const m = /no word occurs at least (\d+) times in the corpus \((\d+) tokens\)/.exec(msg);
    if (m && m[2] === '0') throw new CliError(`corpus ${corpus}: the corpus is empty (no words)`);
    if (m) throw new CliError(`corpus ${corpus}: no word occurs at least ${m[1]} times among its ${fmtInt(Number(m[2]))} words: lower --min-count`);
    throw new CliError(`corpus ${corpus}: ${msg.replace(/^(Word2Vec|word2vec): /, '')}`);
  }
  if (tty) io.stderr.write('\r\x1b[K');
  const vocab = model.vocabulary;
  let corpusWords = 0;
  for (const w of vocab) corpusWords += model.count(w);
  const arch = `${o.sg ? 'skip-gram' : 'CBOW'}, ${[o.negative > 0 ? `negative sampling (${o.negative})` : '', o.hs ? 'hierarchical softmax' : ''].filter(Boolean).join(' + ')}`;
  if (json) {
    jsonLine(io, {
      event: 'start', command: cmd, corpus, bytes, vocab: vocab.length, words: corpusWords, out, format,
      sg: o.sg, hs: o.hs, dim: o.vectorSize, window: o.window, negative: o.negative, sample: o.sample, minCount: o.minCount,
      alpha: o.alpha, minAlpha: o.minAlpha, iter: o.epochs, threads: threads ?? null, seed: o.seed,
    });
  } else {
    line(`corpus  ${corpus}: ${fmtInt(vocab.length)} words seen at least ${o.minCount} times, ${fmtInt(corpusWords)} tokens of them`);
    line(`model   ${arch}, dim ${o.vectorSize}, window ${o.window}, sample ${o.sample}, alpha ${o.alpha}`);
    line(`plan    ${o.epochs} epoch${o.epochs === 1 ? '' : 's'} = ${fmtInt(corpusWords * o.epochs)} words${tty ? '; Ctrl-C stops early and saves' : ''}`);
  }

  // Training.
  const onProgress = (p: Word2VecProgress): void => {
    if (json) {
      jsonLine(io, {
        event: 'progress', epoch: p.epoch, epochs: p.epochs, progress: +p.progress.toFixed(4), words: p.words, wordsPerSec: Math.round(p.wordsPerSec),
        etaSeconds: Number.isFinite(p.etaSeconds) ? Math.round(p.etaSeconds) : null, alpha: p.alpha,
      });
    } else if (tty) {
      io.stderr.write(
        `\r\x1b[K  epoch ${p.epoch}/${p.epochs}  ${(100 * p.progress).toFixed(1).padStart(5)} %  alpha ${p.alpha.toFixed(5)}  ` +
          `${fmtInt(p.wordsPerSec)} words/s  ETA ${fmtDuration(p.etaSeconds)}`,
      );
    }
  };
  const onEpochEnd = (e: Word2VecEpochReport): void => {
    if (json) {
      jsonLine(io, { event: 'epoch', epoch: e.epoch, epochs: o.epochs, loss: e.loss, examples: e.examples, words: e.words, keptWords: e.keptWords, seconds: +e.seconds.toFixed(3), wordsPerSec: Math.round(e.wordsPerSec) });
      return;
    }
    if (tty) io.stderr.write('\r\x1b[K');
    line(`epoch ${String(e.epoch).padStart(String(o.epochs).length)}/${o.epochs}  loss ${Number.isFinite(e.loss) ? e.loss.toFixed(4) : '-'}  ${fmtInt(e.wordsPerSec).padStart(9)} words/s  ${e.seconds.toFixed(1)} s`);
  };
  let stopped = false;
  let report;
  try {
    report = await model.train(corpus, { onProgress, onEpochEnd, progressInterval: json ? 1000 : 250, ...(io.signal ? { signal: io.signal } : {}) });
  } catch (e) {
    if (tty) io.stderr.write('\r\x1b[K');
    if (!io.signal?.aborted) throw new CliError(`training on ${corpus} failed: ${(e as Error).message.replace(/^(Word2Vec|word2vec): /, '')}`);
    stopped = true;
  }
  if (tty) io.stderr.write('\r\x1b[K');

  // Saving.
  const kv = model.wv;
  await saveWordVectors(out, kv, { format });
  if (vocabOut !== undefined) await writeFile(vocabOut, vocab.map((w) => `${w} ${model.count(w)}\n`).join(''));
  const size = (await stat(out)).size;
  const seconds = (performance.now() - t0) / 1000;
  const last = report?.epochs[report.epochs.length - 1];
  if (json) {
    jsonLine(io, {
      event: 'done', out, format, bytes: size, vocab: kv.size, dim: kv.dim, seconds: +seconds.toFixed(2), words: report?.words ?? null,
      wordsPerSec: report ? Math.round(report.wordsPerSec) : null, threads: report?.workers ?? null, loss: last?.loss ?? null, stopped,
      ...(vocabOut !== undefined ? { vocabFile: vocabOut } : {}),
    });
    return 0;
  }
  if (stopped) line('Stopped early (interrupted); saving what was learnt so far.');
  if (report) line(`Trained on ${fmtInt(report.words)} words in ${report.seconds < 60 ? `${report.seconds.toFixed(1)} s` : fmtDuration(report.seconds)} (${fmtInt(report.wordsPerSec)} words/s, ${report.workers} thread${report.workers === 1 ? '' : 's'}).`);
  line(`Saved ${out}: ${fmtInt(kv.size)} × ${kv.dim} vectors, ${FORMAT_NAME[format]} (${fmtBytes(size)}).${vocabOut !== undefined ? ` Vocabulary in ${vocabOut}.` : ''}`);
  const probe = vocab.find((w) => /^\p{L}{4,}$/u.test(w)) ?? vocab[0]!;
  line(`Try:  npx recurrent w2v similar ${shellQuote(out)} ${shellQuote(probe)}`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// w2v similar

export const w2vSimilarCommand: Command = {
  name: 'w2v similar',
  summary: 'the words closest to a word (or to the sum of several) by cosine similarity',
  usage: 'w2v similar VECTORS WORD... [--topn 10] [--restrict N] [--json]',
  positionals: 'VECTORS WORD...',
  details: "Like word2vec.c's distance: several words are averaged (as unit vectors); they are left out of the answers.",
  flags: [
    { name: 'topn', type: 'integer', default: 10, description: 'how many words to show' },
    { name: 'restrict', type: 'integer', description: 'answer only with the N most frequent words (default: all)' },
    { name: 'json', type: 'boolean', description: 'print one JSON line' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'w2v similar';
    const { path, rest: words } = vectorsArgs(args, cmd, 'WORD...');
    if (words.length === 0) throw new UsageError(`missing the word: recurrent ${cmd} ${path} WORD`, cmd);
    const topn = numberFlag(args, 'topn', 10, { min: 1, max: 1e6, command: cmd });
    const restrict = restrictFlag(args, cmd);
    const kv = await loadVectors(path);
    for (const w of words) needWord(kv, w, path);
    const results = kv.mostSimilar(words, [], topn, restrict);
    if (getBool(args, 'json')) jsonLine(io, { event: 'similar', vectors: path, words, restrict: restrict ?? null, results: scoredJson(results) });
    else printScored(io, results);
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// w2v analogy

export const w2vAnalogyCommand: Command = {
  name: 'w2v analogy',
  summary: "answers 'A is to B as C is to ?' (nearest words to B − A + C)",
  usage: 'w2v analogy VECTORS A B C [--topn 10] [--restrict N] [--cosmul] [--json]',
  positionals: 'VECTORS A B C',
  details:
    "Example: 'w2v analogy vectors.bin man king woman' asks man : king :: woman : ? (queen, ideally).\n" +
    'Scores are 3CosAdd, cos(x, B − A + C) over unit vectors (word2vec.c); --cosmul uses 3CosMul\n' +
    '(Levy & Goldberg 2014). A, B and C are left out of the answers.',
  flags: [
    { name: 'topn', type: 'integer', default: 10, description: 'how many answers to show' },
    { name: 'restrict', type: 'integer', description: 'answer only with the N most frequent words (default: all)' },
    { name: 'cosmul', type: 'boolean', description: 'score with 3CosMul instead of 3CosAdd' },
    { name: 'json', type: 'boolean', description: 'print one JSON line' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'w2v analogy';
    const { path, rest } = vectorsArgs(args, cmd, 'A B C');
    if (rest.length !== 3) throw new UsageError(`expected three words A B C after ${path} (A is to B as C is to ?), got ${rest.length}`, cmd);
    const [a, b, c] = rest as [string, string, string];
    const topn = numberFlag(args, 'topn', 10, { min: 1, max: 1e6, command: cmd });
    const restrict = restrictFlag(args, cmd);
    const cosmul = getBool(args, 'cosmul');
    const kv = await loadVectors(path);
    for (const w of rest) needWord(kv, w, path);
    const results = cosmul ? kv.mostSimilarCosmul([b, c], [a], topn, restrict) : kv.mostSimilar([b, c], [a], topn, restrict);
    if (getBool(args, 'json')) {
      jsonLine(io, { event: 'analogy', vectors: path, a, b, c, method: cosmul ? '3cosmul' : '3cosadd', restrict: restrict ?? null, results: scoredJson(results) });
    } else {
      io.stdout.write(`${a} : ${b} :: ${c} : ?\n`);
      printScored(io, results);
    }
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// w2v eval

export const w2vEvalCommand: Command = {
  name: 'w2v eval',
  summary: 'analogy accuracy per section and word-similarity correlation (Spearman ρ)',
  usage: 'w2v eval VECTORS [--analogies questions-words.txt] [--pairs wordsim353.tsv] [--restrict 30000] [--json]',
  positionals: 'VECTORS',
  details:
    "--analogies is counted as word2vec.c's compute-accuracy: only questions whose four words are among\n" +
    'the --restrict most frequent words are seen; the answer is the nearest other word to b − a + c.\n' +
    'Sections 1-5 are semantic, the rest syntactic. --pairs takes lines `word1 word2 score` (tab, comma or\n' +
    'space separated; a header line is skipped) and reports the Spearman and Pearson correlations with\n' +
    'the cosine similarities over the pairs whose words are known, and the share of pairs left out (OOV).\n' +
    'Words are compared case-insensitively unless --case-sensitive.',
  flags: [
    { name: 'analogies', type: 'string', valueName: 'FILE', description: 'analogy questions (questions-words.txt format)' },
    { name: 'pairs', type: 'string', valueName: 'FILE', description: 'word pairs with human similarity scores (WordSim-353, SimLex-999, ...)' },
    { name: 'restrict', type: 'integer', description: 'only the N most frequent words count (default 30000 for analogies, 300000 for pairs)' },
    { name: 'cosmul', type: 'boolean', description: 'answer analogies with 3CosMul instead of 3CosAdd' },
    { name: 'case-sensitive', type: 'boolean', description: 'compare words as written' },
    { name: 'json', type: 'boolean', description: 'print one JSON line' },
    HELP_FLAG,
  ],
  run: async (args, io) => {
    const cmd = 'w2v eval';
    const { path, rest } = vectorsArgs(args, cmd, '--analogies FILE');
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}': give the files as --analogies FILE / --pairs FILE`, cmd);
    const analogies = getString(args, 'analogies');
    const pairs = getString(args, 'pairs');
    if (analogies === undefined && pairs === undefined) throw new UsageError('nothing to evaluate: give --analogies FILE and/or --pairs FILE', cmd);
    const restrict = restrictFlag(args, cmd);
    const caseInsensitive = !getBool(args, 'case-sensitive');
    const method = getBool(args, 'cosmul') ? '3cosmul' : '3cosadd';
    if (analogies !== undefined) await checkInputFile(analogies, '--analogies');
    if (pairs !== undefined) await checkInputFile(pairs, '--pairs');
    const rA = restrict ?? 30000;
    const rP = restrict ?? 300000;
    const kv = await loadVectors(path, Math.max(analogies !== undefined ? rA : 0, pairs !== undefined ? rP : 0));
    const wrap = <T>(flag: string, f: () => T): T => {
      try {
        return f();
      } catch (e) {
        throw new CliError(`${flag} ${(e as Error).message}`);
      }
    };
    const { readFile } = await import('node:fs/promises');
    let a: AnalogyResult | null = null;
    let p: WordPairsResult | null = null;
    if (analogies !== undefined) {
      const text = await readFile(analogies, 'utf8');
      a = wrap('--analogies', () => kv.evaluateAnalogiesText(text, analogies, { restrictVocab: rA, caseInsensitive, method }));
      if (a.all.total === 0) throw new CliError(`--analogies ${analogies}: no questions found (expected ': section' lines and 'a b c d' lines)`);
    }
    if (pairs !== undefined) {
      const text = await readFile(pairs, 'utf8');
      p = wrap('--pairs', () => kv.evaluateWordPairsText(text, pairs, { restrictVocab: rP, caseInsensitive }));
      if (p.pairs === 0) throw new CliError(`--pairs ${pairs}: no word pairs found (expected 'word1 word2 score' lines)`);
    }
    if (getBool(args, 'json')) {
      jsonLine(io, {
        event: 'eval', vectors: path, words: kv.size, dim: kv.dim,
        analogies: a && { file: analogies, restrict: rA, method, sections: a.sections, semantic: a.semantic, syntactic: a.syntactic, all: a.all, coverage: a.coverage },
        pairs: p && { file: pairs, restrict: rP, ...p },
      });
      return 0;
    }
    const w = (s: string): void => void io.stdout.write(s + '\n');
    w(`vectors    ${path}: ${fmtInt(kv.size)} words loaded, dim ${kv.dim}`);
    if (a) {
      w(`analogies  ${analogies}: ${method === '3cosadd' ? '3CosAdd' : '3CosMul'}, the ${fmtInt(rA)} most frequent words${caseInsensitive ? ', case-insensitive' : ''}`);
      const width = Math.max(9, ...a.sections.map((s) => s.section.length));
      const row = (name: string, c: { correct: number; seen: number; total: number; accuracy: number }): void =>
        w(`  ${name.padEnd(width)}  ${String(c.correct).padStart(6)} / ${String(c.seen).padEnd(6)}  ${pct(c.accuracy).padStart(8)}   (${c.total} question${c.total === 1 ? '' : 's'})`);
      w(`  ${'section'.padEnd(width)}  correct / seen      accuracy`);
      for (const s of a.sections) row(s.section, s);
      w(`  ${'-'.repeat(width + 40)}`);
      row('semantic', a.semantic);
      row('syntactic', a.syntactic);
      row('total', a.all);
      w(`  Questions seen / total: ${a.all.seen} / ${a.all.total} (${pct(a.coverage)})`);
    }
    if (p) {
      w(`pairs      ${pairs}: Spearman ρ ${fmtCorr(p.spearman)}, Pearson r ${fmtCorr(p.pearson)} over ${p.used} of ${p.pairs} pairs; OOV ${pct(p.oovRatio)}`);
    }
    return 0;
  },
};

function fmtCorr(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : 'n/a';
}

// ---------------------------------------------------------------------------------------------
// Registration

/** The `w2v` subcommands, for `main.ts`'s command list. */
export const W2V_COMMANDS: Command[] = [w2vTrainCommand, w2vSimilarCommand, w2vAnalogyCommand, w2vEvalCommand];

/** `recurrent w2v --help` text parts, for `main.ts`'s GROUP_HELP. */
export const W2V_GROUP_HELP = {
  what:
    "word2vec (CBOW / skip-gram, negative sampling / hierarchical softmax) with word2vec.c's defaults and flag\n" +
    'names, and queries and benchmarks on word vectors in the word2vec text/binary formats or .safetensors.',
  examples: [
    '  recurrent w2v train text8 --out vectors.bin --sg --dim 200 --window 8 --sample 1e-4 --iter 5',
    '  recurrent w2v similar vectors.bin france --topn 10',
    '  recurrent w2v analogy vectors.bin man king woman',
    '  recurrent w2v eval vectors.bin --analogies questions-words.txt --pairs wordsim353.tsv --restrict 30000',
  ],
};
