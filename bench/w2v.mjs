// word2vec workloads of `npm run bench` (issue #3's speed and memory targets): one epoch on the
// offline English corpus (../shared/data/offline-en-corpus, 8.57 M tokens) with dim 100, window 5,
// negative 5, sample 1e-4, min-count 5, skip-gram (`w2v-sg`) and CBOW (`w2v-cbow`), at each
// --threads count, for
//   recurrent-wasm  the library (bench/w2v_ours.mjs; the wasm sentence kernel, csrc/w2v.c)
//   recurrent-ref   the library's JS reference loop (only when asked for with --impls: slow)
//   gensim          gensim 4.2 (bench/peers/gensim_w2v.py, /usr/bin/python3), when `import gensim` works
//   word2vec-c      word2vec.c, when $WORD2VEC_C names a built binary (never part of the repository)
// The peers are measured as the workplace's anchors measured them (/work/shared/bench/word2vec):
// gensim's raw words / training seconds (Text8Corpus streamed from disk, OPENBLAS_NUM_THREADS=1);
// word2vec.c's train words × iter / the time between its first and last progress line. Ours:
// corpus tokens / wall seconds of `train`. Every run is its own process under the benchmark lock
// and `/usr/bin/time -v`, whose maximum resident set size (all threads) is the peak RSS.
// `--quick` trains on a 1 M-token prefix of the corpus instead (the corpus is interleaved, so
// a prefix is representative) — a smoke run, not the target measurement.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMaxRssMb } from './lib/report.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const PYTHON = '/usr/bin/python3';
const DATA = process.env.RECURRENT_DATA ?? resolve(ROOT, '../shared/data');
const CORPUS_XZ = join(DATA, 'offline-en-corpus/corpus.txt.xz');
const FULL_BYTES = 48321497;
const QUICK_BYTES = 5650000;

export const W2V_WORKLOADS = [
  { id: 'w2v-sg', sg: 1 },
  { id: 'w2v-cbow', sg: 0 },
];
export const W2V_IMPLS = ['recurrent-wasm', 'recurrent-ref', 'gensim', 'word2vec-c'];

/** The decompressed corpus (or its quick prefix), cached in the temp directory. */
function corpusFile(quick, log) {
  if (process.env.W2V_CORPUS) return process.env.W2V_CORPUS;
  const bytes = quick ? QUICK_BYTES : FULL_BYTES;
  const dir = join(os.tmpdir(), 'recurrent-bench');
  const path = join(dir, `offline-en-corpus-${bytes}.txt`);
  if (existsSync(path) && statSync(path).size === bytes) return path;
  if (!existsSync(CORPUS_XZ)) throw new Error(`${CORPUS_XZ} not found (set RECURRENT_DATA or W2V_CORPUS)`);
  mkdirSync(dir, { recursive: true });
  log(`decompressing ${CORPUS_XZ} → ${path} …`);
  const tmp = `${path}.${process.pid}.tmp`;
  const r = spawnSync('sh', ['-c', 'xz -dc "$0" | head -c "$1" > "$2"', CORPUS_XZ, String(bytes), tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !existsSync(tmp) || statSync(tmp).size !== bytes) throw new Error(`cannot decompress ${CORPUS_XZ} (is xz installed?)`);
  renameSync(tmp, path);
  return path;
}

/** Whitespace-separated tokens in a file (the corpus size every rate is computed from). */
async function countTokens(path) {
  let n = 0;
  let inTok = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      const sp = b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d || b === 0x0b || b === 0x0c;
      if (!sp && !inTok) n++;
      inTok = !sp;
    }
  }
  return n;
}

function parseTimeV(path) {
  if (!existsSync(path)) return {};
  return { peak_rss_mb: parseMaxRssMb(readFileSync(path, 'utf8')) };
}

/**
 * Runs argv under the lock, `timeout` and `/usr/bin/time -v`; resolves
 * { code, stdout, stderr, progress: [first, last] seconds of stdout chunks containing `mark` }.
 */
function run(argv, { env, lock, killAfterS, mark, timeFile }) {
  let full = argv;
  if (existsSync('/usr/bin/time')) full = ['/usr/bin/time', '-v', '-o', timeFile, ...full];
  full = ['timeout', '-k', '5', String(killAfterS), ...full];
  if (lock) full = ['flock', '-w', '900', lock, ...full];
  return new Promise((resolveP) => {
    const child = spawn(full[0], full.slice(1), { env: { ...process.env, ...env }, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let first = null;
    let last = null;
    child.stdout.on('data', (d) => {
      const s = d.toString();
      stdout += s;
      if (mark && s.includes(mark)) {
        const t = performance.now() / 1000;
        first ??= t;
        last = t;
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolveP({ code, stdout, stderr, progress: first !== null ? [first, last] : null }));
  });
}

function lastJson(text, prefix = '') {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(prefix + '{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i].slice(prefix.length));
    } catch {
      /* not JSON */
    }
  }
  return null;
}

const tail = (s) => (s.split('\n').filter((l) => l.trim() && !/^\s+at /.test(l)).find((l) => /Error/.test(l)) ?? s.trim().split('\n').at(-1) ?? '').slice(0, 200);

/** One measurement → a result row. */
async function measure(impl, w, threads, ctx) {
  const row = { workload: w.id, mode: 'train', impl, threads, tokens_per_s: null, words_per_s: null, train_s: null, peak_rss_mb: null, ratio_vs_gensim: null, ratio_vs_word2vec_c: null, status: 'error', note: '' };
  const tmp = mkdtempSync(join(os.tmpdir(), 'recurrent-bench-w2v-'));
  const timeFile = join(tmp, 'time.txt');
  try {
    const opts = { lock: ctx.lock, killAfterS: ctx.killAfterS, timeFile };
    if (impl.startsWith('recurrent-')) {
      const backend = impl.slice('recurrent-'.length);
      const r = await run([process.execPath, join(HERE, 'w2v_ours.mjs'), '--corpus', ctx.corpus, '--sg', String(w.sg), '--threads', String(threads), '--tokens', String(ctx.tokens)], { ...opts, env: { RECURRENT_BACKEND: backend } });
      const rec = lastJson(r.stdout);
      if (r.code !== 0 || !rec) return { ...row, status: r.code === 124 || r.code === 137 ? 'skipped (over budget)' : 'error', note: tail(r.stderr) || `exit ${r.code}` };
      Object.assign(row, { status: 'ok', tokens_per_s: rec.tokens_per_s, words_per_s: rec.words_per_s, train_s: rec.train_s, note: rec.backend });
    } else if (impl === 'gensim') {
      const r = await run([PYTHON, join(HERE, 'peers/gensim_w2v.py'), '--corpus', ctx.corpus, '--sg', String(w.sg), '--workers', String(threads), '--epochs', '1'], { ...opts, env: { OPENBLAS_NUM_THREADS: '1' } });
      const rec = lastJson(r.stdout, 'RESULT ');
      if (r.code !== 0 || !rec) return { ...row, note: tail(r.stderr) || `exit ${r.code}` };
      Object.assign(row, { status: 'ok', tokens_per_s: rec.raw_words_per_s_wall, train_s: rec.train_s, note: `gensim ${rec.gensim}, FAST_VERSION ${rec.FAST_VERSION}` });
    } else if (impl === 'word2vec-c') {
      const out = join(tmp, 'vectors.bin');
      const a = ['-train', ctx.corpus, '-output', out, '-cbow', String(1 - w.sg), '-size', '100', '-window', '5', '-negative', '5', '-hs', '0', '-sample', '1e-4', '-min-count', '5', '-threads', String(threads), '-iter', '1', '-binary', '1', '-alpha', w.sg ? '0.025' : '0.05'];
      const r = await run([ctx.word2vecC, ...a], { ...opts, mark: 'Alpha:' });
      const m = /Words in train file: (\d+)/.exec(r.stdout);
      if (r.code !== 0 || !m || !r.progress || r.progress[1] <= r.progress[0]) return { ...row, note: tail(r.stderr) || `exit ${r.code}` };
      const trainS = r.progress[1] - r.progress[0];
      Object.assign(row, { status: 'ok', train_s: +trainS.toFixed(3), words_per_s: Math.round(Number(m[1]) / trainS), tokens_per_s: Math.round(ctx.tokens / trainS), note: 'first to last progress line' });
    }
    Object.assign(row, parseTimeV(timeFile));
    return row;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const fmtK = (x) => (x == null ? '—' : `${(x / 1000).toFixed(0)}k`);
const fmtR = (x) => (x == null ? '—' : `${x.toFixed(2)}×`);

/**
 * Runs the word2vec workloads `ids` (default: both) for `impls` (run.mjs names; recurrent-ref only
 * when `refAsked`) at each of `threads`. `log` gets progress, `emit(row)` every row; returns rows.
 */
export async function runW2vBench({ ids = [], impls = W2V_IMPLS, refAsked = false, threads = [1, 2], quick = false, lock = null, log = console.error, emit = () => {} }) {
  const workloads = ids.length ? W2V_WORKLOADS.filter((w) => ids.includes(w.id)) : W2V_WORKLOADS;
  const wanted = W2V_IMPLS.filter((i) => impls.includes(i) && (i !== 'recurrent-ref' || refAsked));
  const notes = [];
  const avail = new Set(wanted);
  if (avail.has('gensim') && spawnSync(PYTHON, ['-c', 'import gensim'], { stdio: 'ignore', timeout: 120_000 }).status !== 0) {
    avail.delete('gensim');
    notes.push(`gensim: skipped — ${PYTHON} -c 'import gensim' fails (Debian: apt-get install python3-gensim)`);
  }
  const word2vecC = process.env.WORD2VEC_C;
  if (avail.has('word2vec-c') && !(word2vecC && existsSync(word2vecC))) {
    avail.delete('word2vec-c');
    notes.push('word2vec-c: skipped — set WORD2VEC_C to a word2vec binary built from word2vec.c (in a scratch folder, never the repository)');
  }
  for (const n of notes) log(`note: ${n}`);
  const corpus = corpusFile(quick, log);
  const tokens = await countTokens(corpus);
  const ctx = { corpus, tokens, word2vecC, lock, killAfterS: quick ? 120 : 900 };
  log(`word2vec: ${corpus} (${tokens.toLocaleString('en')} tokens${quick ? ', QUICK prefix' : ''}), 1 epoch, dim 100, window 5, negative 5, sample 1e-4, min-count 5`);
  const order = ['gensim', 'word2vec-c', 'recurrent-wasm', 'recurrent-ref'].filter((i) => avail.has(i));
  const rows = [];
  for (const th of threads) {
    for (const w of workloads) {
      const peers = {};
      for (const impl of order) {
        log(`${w.id} ${impl} t${th} …`);
        const row = await measure(impl, w, th, ctx);
        if (impl === 'gensim' && row.tokens_per_s) peers.gensim = row.tokens_per_s;
        if (impl === 'word2vec-c' && row.tokens_per_s) peers.c = row.tokens_per_s;
        if (row.tokens_per_s && impl.startsWith('recurrent-')) {
          row.ratio_vs_gensim = peers.gensim ? row.tokens_per_s / peers.gensim : null;
          row.ratio_vs_word2vec_c = peers.c ? row.tokens_per_s / peers.c : null;
        }
        log(`${w.id} ${impl} t${th}: ${row.status} ${fmtK(row.tokens_per_s)} tokens/s, peak RSS ${row.peak_rss_mb ?? '—'} MB${row.ratio_vs_gensim ? `, ${fmtR(row.ratio_vs_gensim)} gensim` : ''}${row.note ? ` — ${row.note}` : ''}`);
        rows.push(row);
        emit(row);
      }
    }
  }
  return { rows, notes };
}

/** The rows as a text table. */
export function formatW2vTable(rows) {
  const head = ['workload', 'impl', 'threads', 'tokens/s', 'train s', 'peak RSS MB', '× gensim', '× word2vec.c', 'status'];
  const body = rows.map((r) => [r.workload, r.impl, String(r.threads), fmtK(r.tokens_per_s), r.train_s == null ? '—' : r.train_s.toFixed(1), r.peak_rss_mb == null ? '—' : String(r.peak_rss_mb), fmtR(r.ratio_vs_gensim), fmtR(r.ratio_vs_word2vec_c), r.status]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}
