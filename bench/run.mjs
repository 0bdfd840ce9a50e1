#!/usr/bin/env node
// `npm run bench`: the RNN speed workloads of bench/workloads.json (train and inference) for each
// backend of the library and, in the same run, the installed peers (PyTorch, TensorFlow.js cpu and
// wasm, brain.js). See bench/README.md.
//
//   node bench/run.mjs [--quick] [--workloads tiny-lstm,medium] [--modes train,infer] [--impls recurrent-ref,torch]
//                      [--threads 1,2] [--repeat K] [--no-peers] [--json] [--budget SECONDS]
//
// Every measurement runs in its own child process (bench/ours.mjs or bench/peers/*), one at a
// time, holding the machine-wide advisory lock /tmp/bench.lock (the one the shared peer runner
// uses), under `/usr/bin/time -v` (its peak RSS) and killed if it overruns its budget.
// `recurrent bench [options]` (src/cli/bench.ts) runs this file with the same options.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flopsPerStep } from './lib/data.mjs';
import { loadSpec, selectWorkloads, withTiming, SPEC_PATH } from './lib/spec.mjs';
import { toRow, attachRatios, formatTable, fmtMs, memoryLines, mergeRuns, parseMaxRssMb, threadLines } from './lib/report.mjs';
import { W2V_IMPLS, W2V_WORKLOADS, formatW2vTable, runW2vBench } from './w2v.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const PEERS_DIR = join(HERE, 'peers');
const PYTHON = '/usr/bin/python3'; // Debian's python3-torch only works with the system interpreter
const LOCK = process.env.BENCH_LOCK || '/tmp/bench.lock';
const LOCK_WAIT_S = 900;
const TIME = '/usr/bin/time'; // GNU time: -v reports the maximum resident set size

const OUR_BACKENDS = ['ref', 'wasm', 'native'];
const PEER_IMPLS = ['torch', 'tfjs-cpu', 'tfjs-wasm', 'brain'];
const ALL_IMPLS = [...OUR_BACKENDS.map((b) => `recurrent-${b}`), ...PEER_IMPLS, 'gensim', 'word2vec-c'];
/** Run order inside one (workload, mode, threads) group: PyTorch first, so rows stream with their ratio. */
const ORDER = ['torch', ...OUR_BACKENDS.map((b) => `recurrent-${b}`), 'tfjs-wasm', 'tfjs-cpu', 'brain'];
const JS_PEER_PACKAGES = { 'tfjs-cpu': ['@tensorflow/tfjs'], 'tfjs-wasm': ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'], brain: ['brain.js'] };

const USAGE = `usage: recurrent bench [options]
       npm run bench -- [options]         (builds first)
       node bench/run.mjs [options]       (after npm run build)

  --workloads a,b   workload ids of bench/workloads.json, and w2v-sg, w2v-cbow (word2vec,
                    bench/w2v.mjs: 1 epoch of the offline corpus) (default: all)
  --modes a,b       train, infer (default: both; a workload runs only the modes it lists)
  --impls a,b       ${ALL_IMPLS.join(', ')} (default: all; word2vec
                    runs recurrent-wasm, gensim, word2vec-c, and recurrent-ref only when named)
  --threads 1,2     thread counts (default: 1); a workload's thread counts run one after
                    the other, so their ratio compares measurements taken close in time
  --repeat K        measure every RNN row K times, in K passes over the list, and report the
                    run with the median ms (default 1); rows that did not time are not repeated
  --quick           short smoke run: 2 warm-up, 3–10 timed steps, 10 s budget per measurement
  --budget S        time budget per measurement in seconds (default: workloads.json, 75 s)
  --no-peers        only the recurrent backends
  --json            one JSON object per line on stdout (progress and notes go to stderr)
  -h, --help        this text

Environment: BENCH_LOCK (advisory lock file, default /tmp/bench.lock); WORD2VEC_C (a word2vec.c
binary to measure), W2V_CORPUS (another corpus file for the word2vec workloads).
The JS peers are installed into bench/peers/node_modules on first use (npm install --prefix bench/peers).`;

export function parseCli(argv) {
  const o = { workloads: [], implsGiven: false, modes: ['train', 'infer'], impls: null, threads: [1], repeat: 1, quick: false, peers: true, json: false, budget: undefined, help: false };
  const list = (v) => String(v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      v = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const val = () => {
      if (v !== undefined) return v;
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--workloads': case '--workload': o.workloads.push(...list(val())); break;
      case '--modes': case '--mode': o.modes = list(val()); break;
      case '--impls': case '--impl': o.impls = [...(o.impls ?? []), ...list(val())]; break;
      case '--threads': o.threads = list(val()).map(Number); break;
      case '--repeat': o.repeat = Number(val()); break;
      case '--quick': o.quick = true; break;
      case '--no-peers': o.peers = false; break;
      case '--json': o.json = true; break;
      case '--budget': o.budget = Number(val()); break;
      case '-h': case '--help': o.help = true; break;
      default: throw new Error(`unknown option ${a}\n\n${USAGE}`);
    }
  }
  if (o.threads.some((t) => !Number.isInteger(t) || t < 1)) throw new Error('--threads: positive integers, e.g. 1,2');
  if (!Number.isInteger(o.repeat) || o.repeat < 1) throw new Error('--repeat: a positive integer (runs per measurement)');
  if (!o.modes.length || o.modes.some((m) => m !== 'train' && m !== 'infer')) throw new Error('--modes: train, infer or train,infer');
  if (o.budget !== undefined && !(o.budget > 0)) throw new Error('--budget: a positive number of seconds');
  if (o.impls) {
    const bad = o.impls.filter((x) => !ALL_IMPLS.includes(x));
    if (bad.length) throw new Error(`unknown impl(s) ${bad.join(', ')}; known: ${ALL_IMPLS.join(', ')}`);
  }
  o.implsGiven = o.impls !== null;
  let impls = o.impls ?? ALL_IMPLS;
  if (!o.peers) impls = impls.filter((x) => x.startsWith('recurrent-'));
  o.w2vImpls = W2V_IMPLS.filter((x) => impls.includes(x));
  o.impls = ORDER.filter((x) => impls.includes(x));
  const w2vIds = W2V_WORKLOADS.map((w) => w.id);
  o.w2v = o.workloads.length === 0 || o.workloads.some((id) => w2vIds.includes(id));
  o.w2vWorkloads = o.workloads.filter((id) => w2vIds.includes(id));
  o.rnn = o.workloads.length === 0 || o.workloads.some((id) => !w2vIds.includes(id));
  o.workloads = o.workloads.filter((id) => !w2vIds.includes(id));
  return o;
}

const commandExists = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

/** Newest mtime under a directory (to warn when dist/ is older than src/). */
function newestMtime(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

let current = null; // the running child, killed on Ctrl-C

/**
 * Runs a harness; resolves { code, stdout, stderr, killed } (killed: it overran killAfterS).
 * With `timeFile`, the harness runs under `/usr/bin/time -v -o timeFile` (its peak RSS).
 */
export function runChild(cmd, args, { env, killAfterS, useLock, useTimeout, timeFile }) {
  let argv = [cmd, ...args];
  if (timeFile) argv = [TIME, '-v', '-o', timeFile, ...argv];
  // `timeout` inside `flock`: the clock starts once the lock is held.
  if (useTimeout) argv = ['timeout', '-k', '5', String(Math.ceil(killAfterS)), ...argv];
  if (useLock) argv = ['flock', '-w', String(LOCK_WAIT_S), LOCK, ...argv];
  return new Promise((resolveP) => {
    const child = spawn(argv[0], argv.slice(1), { env, cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let stdout = '';
    let stderr = '';
    let killedByUs = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // backstop for when `timeout` is missing (or the lock wait plus the run overruns)
    const backstop = setTimeout(() => {
      killedByUs = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, (killAfterS + (useLock ? LOCK_WAIT_S : 0) + 30) * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(backstop);
      current = null;
      const killed = killedByUs || (useTimeout && (code === 124 || code === 137)) || signal === 'SIGKILL';
      resolveP({ code, stdout, stderr, killed });
    });
  });
}

function lastJsonLine(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]);
    } catch {
      /* not JSON */
    }
  }
  return null;
}

function errorTail(stderr) {
  const lines = stderr.split('\n').filter((l) => l.trim() && !/^\s+at /.test(l) && !/registry|npm (warn|notice)/i.test(l));
  const err = lines.find((l) => /Error/.test(l)) ?? lines[lines.length - 1] ?? '';
  return err.trim().slice(0, 200);
}

/** The command of one measurement. */
function harness(impl, w, mode, threads) {
  const common = ['--workload', w.id, '--mode', mode];
  if (impl.startsWith('recurrent-')) {
    const backend = impl.slice('recurrent-'.length);
    return { cmd: process.execPath, args: [join(HERE, 'ours.mjs'), '--backend', backend, '--threads', String(threads), ...common], env: { RECURRENT_BACKEND: backend, RECURRENT_THREADS: String(threads) } };
  }
  switch (impl) {
    case 'torch':
      return { cmd: PYTHON, args: [join(PEERS_DIR, 'bench_torch.py'), '--threads', String(threads), ...common] };
    case 'tfjs-cpu':
      return { cmd: process.execPath, args: [join(PEERS_DIR, 'bench_tfjs.js'), '--backend', 'cpu', '--threads', '1', ...common], env: { TF_CPP_MIN_LOG_LEVEL: '3' } };
    case 'tfjs-wasm': {
      // tf.layers.embedding cannot be trained on the wasm backend (no UnsortedSegmentSum kernel)
      const emb = w.embedding ? ['--emb', 'onehot'] : [];
      return { cmd: process.execPath, args: [join(PEERS_DIR, 'bench_tfjs.js'), '--backend', 'wasm', '--threads', '1', ...emb, ...common], env: { TF_CPP_MIN_LOG_LEVEL: '3' } };
    }
    case 'brain':
      return { cmd: process.execPath, args: [join(PEERS_DIR, 'bench_brain.js'), '--pkg', 'brain.js', ...common] };
    default:
      throw new Error(`unknown impl ${impl}`);
  }
}

/** Installs bench/peers/node_modules if a wanted JS peer is missing. Returns impl → note for the unusable ones. */
function ensureJsPeers(impls, log) {
  const missing = (impl) => JS_PEER_PACKAGES[impl].filter((p) => !existsSync(join(PEERS_DIR, 'node_modules', p, 'package.json')));
  const wanted = impls.filter((i) => JS_PEER_PACKAGES[i]);
  const out = new Map();
  if (!wanted.some((i) => missing(i).length)) return out;
  log(`installing the JS peers into bench/peers/node_modules (npm install --prefix bench/peers) …`);
  const r = spawnSync('npm', ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: ROOT, stdio: ['ignore', 2, 2], timeout: 900_000 });
  if (r.status !== 0) log(`npm install --prefix bench/peers failed (exit ${r.status ?? r.signal ?? r.error?.message})`);
  for (const i of wanted) {
    const m = missing(i);
    if (m.length) out.set(i, `not installed (${m.join(', ')} missing from bench/peers/node_modules; npm install --prefix bench/peers failed)`);
  }
  return out;
}

async function probeOurs(backend, threads, env) {
  const r = await runChild(process.execPath, [join(HERE, 'ours.mjs'), '--probe', '--backend', backend, '--threads', String(threads)], {
    env: { ...env, RECURRENT_BACKEND: backend, RECURRENT_THREADS: String(threads) },
    killAfterS: 60,
    useLock: false,
    useTimeout: false,
  });
  const rec = lastJsonLine(r.stdout);
  if (!rec) return { ok: false, note: `probe failed: ${errorTail(r.stderr) || `exit ${r.code}`}` };
  return { ok: rec.available, note: rec.note };
}

export async function main(argv = process.argv.slice(2)) {
  const opts = parseCli(argv);
  const out = (s) => process.stdout.write(s + '\n');
  const log = (s) => process.stderr.write(s + '\n');
  if (opts.help) {
    out(USAGE);
    return 0;
  }
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (or use `npm run bench`)');
  if (newestMtime(join(ROOT, 'src')) > statSync(join(ROOT, 'dist', 'index.js')).mtimeMs + 1000)
    log('warning: src/ has changes newer than dist/; `npm run build` (npm run bench does it) to measure them');

  const baseSpec = loadSpec(SPEC_PATH);
  const spec = withTiming(baseSpec, { quick: opts.quick, budgetSeconds: opts.budget });
  const workloads = selectWorkloads(spec, opts.workloads);
  const tmp = mkdtempSync(join(os.tmpdir(), 'recurrent-bench-'));
  const specFile = join(tmp, 'spec.json');
  writeFileSync(specFile, JSON.stringify(spec, null, 1));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  process.on('exit', cleanup);
  process.on('SIGINT', () => {
    if (current) {
      try {
        process.kill(-current.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    cleanup();
    process.exit(130);
  });
  const env = { ...process.env, RNN_SPEC: specFile };
  const t = spec.timing;
  const killAfterS = t.budget_seconds + Math.max(20, t.budget_seconds / 2);
  const useLock = commandExists('flock');
  const useTimeout = commandExists('timeout');
  const timeFile = existsSync(TIME) ? join(tmp, 'time.txt') : null;

  // ---- which implementations can run, at which thread counts
  const notes = [];
  const avail = new Map(); // `${impl}|${threads}` → { ok, note }
  const rnnImpls = opts.rnn ? opts.impls : [];
  const jsPeerProblems = ensureJsPeers(rnnImpls, log);
  let torchOk = null;
  for (const impl of rnnImpls) {
    for (const th of opts.threads) {
      let a;
      if (impl.startsWith('recurrent-')) a = await probeOurs(impl.slice('recurrent-'.length), th, env);
      else if (impl === 'torch') {
        if (torchOk === null) torchOk = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 }).status === 0;
        a = torchOk ? { ok: true } : { ok: false, note: `not installed (${PYTHON} -c 'import torch' fails; Debian: apt-get install python3-torch)` };
      } else if (jsPeerProblems.has(impl)) a = { ok: false, note: jsPeerProblems.get(impl) };
      else if (th !== 1) a = { ok: false, note: impl === 'tfjs-wasm' ? 'multithreaded wasm is disabled under Node (tfjs issue 3830); 1 thread only' : 'single-threaded; 1 thread only' };
      else a = { ok: true };
      avail.set(`${impl}|${th}`, a);
      if (!a.ok) notes.push(`${impl}${opts.threads.length > 1 ? ` at ${th} thread(s)` : ''}: skipped — ${a.note}`);
    }
  }
  // A workload's thread counts run back to back (on a shared machine the speed drifts over
  // minutes, so 1- and 2-thread rows taken far apart would compare the drift, not the threads).
  const tasks = [];
  for (const w of workloads)
    for (const mode of w.modes.filter((m) => opts.modes.includes(m)))
      for (const th of opts.threads) for (const impl of rnnImpls) if (avail.get(`${impl}|${th}`).ok) tasks.push({ impl, w, mode, threads: th });

  const header =
    `recurrent bench — ${opts.quick ? 'QUICK timing (smoke run)' : 'workloads.json timing'}: ${t.warmup_steps} warm-up, ${t.min_timed_steps}–${t.max_timed_steps} timed steps ` +
    `(≥ ${t.target_timed_seconds} s), budget ${t.budget_seconds} s per measurement, median step time` +
    `${opts.repeat > 1 ? `; ${opts.repeat} runs per row, the median run shown` : ''}\n` +
    `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}`;
  log(header);
  for (const n of notes) log(`note: ${n}`);
  if (!useLock) log(`note: flock not found; running without the ${LOCK} benchmark lock`);
  if (!timeFile && tasks.length) notes.push(`${TIME} not found (Debian: apt-get install time): peak RSS is not measured`);

  // ---- measurements, one at a time
  const rows = [];
  const bestRate = new Map(); // `${impl}|${mode}|${threads}` → best GFLOP/s seen
  const overBudget = new Map(); // `${impl}|${mode}|${threads}` → smallest FLOPs/step that did not fit
  const torchMs = new Map();
  const runsOf = tasks.map(() => []); // each task's rows, one per pass
  let k = 0;
  for (let pass = 0; pass < opts.repeat; pass++)
  for (const [ti, task] of tasks.entries()) {
    const { impl, w, mode, threads } = task;
    if (pass > 0 && runsOf[ti][0].ms == null) continue; // skipped, over budget or failed: once is enough
    const key = `${impl}|${mode}|${threads}`;
    const flops = flopsPerStep(w, mode, spec.flops.train_factor);
    const label = `[${++k}/${tasks.length * opts.repeat}] ${w.id} ${mode} ${impl} t${threads}${opts.repeat > 1 ? ` (run ${pass + 1}/${opts.repeat})` : ''}`;
    let row;
    const rate = bestRate.get(key);
    const estMs = rate ? flops / 1e9 / rate * 1000 : null;
    if (overBudget.has(key) && flops >= overBudget.get(key)) {
      row = toRow({ w, mode, impl, threads, rec: { status: 'skipped (over budget)' } });
      row.note = `predicted: a smaller workload (${(overBudget.get(key) / 1e9).toFixed(2)} GFLOP/step) already did not fit the ${t.budget_seconds} s budget`;
    } else if (estMs != null && estMs > t.budget_seconds * 1000) {
      row = toRow({ w, mode, impl, threads, rec: { status: 'skipped (over budget)' } });
      row.note = `predicted: ~${fmtMs(estMs / 1000)} s/step at the best ${rate.toFixed(2)} GFLOP/s seen, over the ${t.budget_seconds} s budget`;
    } else {
      log(`${label} …`);
      const h = harness(impl, w, mode, threads);
      if (timeFile) rmSync(timeFile, { force: true });
      const r = await runChild(h.cmd, h.args, { env: { ...env, ...(h.env ?? {}) }, killAfterS, useLock, useTimeout, timeFile });
      const rec = lastJsonLine(r.stdout);
      const peakRssMb = timeFile && existsSync(timeFile) ? parseMaxRssMb(readFileSync(timeFile, 'utf8')) : null;
      if (r.killed) {
        row = toRow({ w, mode, impl, threads, rec: { status: 'skipped (over budget)' } });
        row.note = `killed after ${Math.ceil(killAfterS)} s (budget ${t.budget_seconds} s)`;
      } else if (!rec || r.code !== 0) {
        row = toRow({ w, mode, impl, threads, rec: { status: 'error', note: errorTail(r.stderr) || `exit ${r.code}` } });
      } else {
        row = toRow({ w, mode, impl, threads, rec, trainFactor: spec.flops.train_factor });
        if (impl === 'torch' && rec.blas === 'reference') {
          // Debian's torch on netlib's reference BLAS: every ratio against it flatters us
          const n = `${rec.note} — ratio_vs_torch compares with this slow PyTorch`;
          if (!notes.includes(n)) {
            notes.push(n);
            log(`note: ${n}`);
          }
          row.note = 'PyTorch on the reference BLAS, not OpenBLAS (see note)';
        }
      }
      row.peak_rss_mb = peakRssMb;
    }
    if (row.gflops != null) bestRate.set(key, Math.max(bestRate.get(key) ?? 0, row.gflops));
    if (row.status === 'skipped (over budget)') overBudget.set(key, Math.min(overBudget.get(key) ?? Infinity, flops));
    if (impl === 'torch' && row.ms != null) torchMs.set(`${w.id}|${mode}|${threads}`, row.ms);
    row.ratio_vs_torch = null;
    if (row.ms != null && torchMs.has(`${w.id}|${mode}|${threads}`)) row.ratio_vs_torch = torchMs.get(`${w.id}|${mode}|${threads}`) / row.ms;
    runsOf[ti].push(row);
    log(`${label}: ${row.ms != null ? `${fmtMs(row.ms)} ms/step, ${row.gflops.toFixed(3)} GFLOP/s, ` : ''}${row.ratio_vs_torch != null ? `${row.ratio_vs_torch.toFixed(2)}× PyTorch, ` : ''}${row.peak_rss_mb != null ? `peak RSS ${row.peak_rss_mb} MB, ` : ''}${row.status}${row.note ? ` — ${row.note}` : ''}`);
    if (opts.json && opts.repeat === 1) out(JSON.stringify(row));
  }
  // The table lists every 1-thread row, then every 2-thread row, … (measured interleaved, above).
  for (const th of opts.threads) for (const [ti, task] of tasks.entries()) if (task.threads === th) rows.push(mergeRuns(runsOf[ti]));
  attachRatios(rows);
  if (opts.json && opts.repeat > 1) for (const row of rows) out(JSON.stringify(row));
  let w2v = { rows: [], notes: [] };
  let w2vFailed = false;
  if (opts.w2v) {
    // e.g. no corpus in an installed package: the RNN table still prints, with a note
    w2v = await runW2vBench({
      ids: opts.w2vWorkloads,
      impls: opts.w2vImpls,
      refAsked: opts.implsGiven,
      threads: opts.threads,
      quick: opts.quick,
      lock: useLock ? LOCK : null,
      log,
      emit: (row) => opts.json && out(JSON.stringify(row)),
    }).catch((e) => {
      const n = `word2vec workloads: skipped — ${e && e.message ? e.message : e}`;
      log(`note: ${n}`);
      notes.push(n);
      w2vFailed = opts.w2vWorkloads.length > 0; // an error only when they were asked for by name
      return { rows: [], notes: [] };
    });
  }
  if (!opts.json && w2v.rows.length) {
    out('');
    out(`word2vec — 1 epoch${opts.quick ? ' of a 1 M-token prefix (QUICK)' : ''} of offline-en-corpus, dim 100, window 5, negative 5, sample 1e-4, min-count 5`);
    out('');
    out(formatW2vTable(w2v.rows));
    out('');
    out('tokens/s: corpus tokens / training wall seconds (gensim: its raw words/s; word2vec.c: between its first and last progress line).');
    out('peak RSS: maximum resident set size of the whole process (all threads), /usr/bin/time -v. × gensim: tokens/s ÷ gensim\'s at the same threads.');
    for (const n of w2v.notes) out(`note: ${n}`);
  }
  if (!opts.json && tasks.length) {
    out('');
    out(header);
    out('');
    out(formatTable(rows));
    out('');
    out('ms/step: median wall time of one batch (train: forward + backward + Adam update; infer: forward).');
    out(`GFLOP/s: recurrent-cell matmuls only (workloads.json "flops"). torch ms/ours: PyTorch's ms/step at the same threads ÷ this row's (> 1 = faster than PyTorch).`);
    out('peak RSS MB: maximum resident set size of the measurement\'s whole process (setup, data, warm-up and timed steps; all threads), /usr/bin/time -v.');
    for (const m of memoryLines(rows)) out(`memory: ${m}`);
    for (const th of opts.threads.filter((n) => n > 1)) for (const m of threadLines(rows, { threads: th })) out(`threads: ${m}`);
    for (const n of notes) out(`note: ${n}`);
  }
  return w2vFailed || [...rows, ...w2v.rows].some((r) => r.status === 'error') ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`bench: ${e && e.message ? e.message : e}\n`);
      process.exit(2);
    },
  );
}
