// Copied from the workplace's shared peer bench (/work/shared/bench/rnn/common.js) for `npm run bench`;
// driven by bench/run.mjs. Spec: bench/workloads.json (or $RNN_SPEC, which --quick uses for shorter timing).
'use strict';
// Shared helpers for the JS anchor harnesses (tfjs, brain.js).
// Data generator, FLOP formula and timing loop must match bench_torch.py.
const fs = require('fs');
const path = require('path');
const os = require('os');

const SPEC_PATH = process.env.RNN_SPEC || path.join(__dirname, '..', 'workloads.json');
const spec = JSON.parse(fs.readFileSync(SPEC_PATH, 'utf8'));

function parseArgs(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const k = a.slice(2);
      const v = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
      out[k] = v;
    }
  }
  return out;
}

function workload(id) {
  const w = spec.workloads.find((x) => x.id === id);
  if (!w) throw new Error(`unknown workload ${id}`);
  return w;
}

// lowbias32 counter hash (see workloads.json "data").
function lowbias32(x) {
  x = x >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}
function hashAt(seed, stream, i) {
  const base = (seed + Math.imul(0x9e3779b9, stream + 1)) >>> 0;
  return lowbias32((base + i) >>> 0);
}
function genUniform(n, seed = spec.seed, stream = 0) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((hashAt(seed, stream, i) >>> 8) / 16777216) * 2 - 1;
  return a;
}
function genInts(n, mod, seed = spec.seed, stream = 1) {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = hashAt(seed, stream, i) % mod;
  return a;
}
function checksum(arr) {
  let s = 0;
  for (let i = 0; i < arr.length; i++) s += arr[i];
  return s;
}

const GATES = { rnn: 1, gru: 3, lstm: 4 };
function flopsPerBatchStep(w, mode) {
  const fwd = 2 * w.batch * GATES[w.cell] * w.hidden * (w.input + w.hidden) * w.seq;
  return mode === 'train' ? spec.flops.train_factor * fwd : fwd;
}

function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (!n) return null;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return null;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

// CPU used by OTHER processes during the timed loop, in cores (machine is shared; the
// benchmark lock is advisory). busy = all /proc/stat jiffies minus idle+iowait.
function procStatBusy() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return (total - f[3] - (f[4] || 0)) / 100; // seconds (USER_HZ = 100)
  } catch (e) { return null; }
}
function ownCpuS() { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }

// Generic timing loop. step() may be sync or async; it must finish the work
// (read back a value) before returning.
async function timeSteps(step, opts = {}) {
  const t = { ...spec.timing, ...opts };
  const budgetMs = t.budget_seconds * 1000;
  const t0 = nowMs();
  const warm = [];
  for (let i = 0; i < t.warmup_steps; i++) {
    const s = nowMs();
    await step();
    warm.push(nowMs() - s);
    if (warm[i] > 5000) break; // very slow config: one warm-up step is enough
  }
  const times = [];
  const busy0 = procStatBusy(), own0 = ownCpuS(), wall0 = nowMs();
  for (;;) {
    if (times.length >= t.max_timed_steps) break;
    const sum = times.reduce((a, b) => a + b, 0);
    if (times.length >= t.min_timed_steps && sum >= t.target_timed_seconds * 1000) break;
    const est = times.length ? median(times) : warm[warm.length - 1];
    if (nowMs() - t0 + est > budgetMs) break;
    const s = nowMs();
    await step();
    times.push(nowMs() - s);
  }
  const wallS = (nowMs() - wall0) / 1000;
  const busy1 = procStatBusy(), own1 = ownCpuS();
  const ownCores = wallS > 0 ? (own1 - own0) / wallS : null;
  const foreign = busy0 != null && wallS > 0.05 ? Math.max(0, (busy1 - busy0) / wallS - ownCores) : null;
  const status = times.length >= t.min_timed_steps ? 'ok' : times.length > 0 ? 'partial(budget)' : 'timeout(budget)';
  return { warmup_ms: warm, times_ms: times, status, total_s: (nowMs() - t0) / 1000,
    own_cpu_cores: ownCores, foreign_cpu_cores: foreign };
}

// unitsPerBatch: how many timed units make one batch of the workload
// (1 for batched peers; `batch` for brain.js which trains one sequence at a time).
function summarize(base, w, mode, timing, unitsPerBatch = 1) {
  const med = median(timing.times_ms);
  const stepMs = med == null ? null : med * unitsPerBatch;
  const flops = flopsPerBatchStep(w, mode);
  const r = {
    ...base,
    workload: w.id,
    mode,
    cell: w.cell,
    input: w.input,
    hidden: w.hidden,
    batch: w.batch,
    seq: w.seq,
    status: timing.status,
    timed_unit: unitsPerBatch === 1 ? 'batch' : 'sequence',
    n_timed: timing.times_ms.length,
    unit_median_ms: med,
    unit_p10_ms: quantile(timing.times_ms, 0.1),
    unit_p90_ms: quantile(timing.times_ms, 0.9),
    unit_min_ms: timing.times_ms.length ? Math.min(...timing.times_ms) : null,
    step_ms: stepMs,
    step_ms_is_derived: unitsPerBatch !== 1,
    seq_per_s: stepMs ? (w.batch / stepMs) * 1000 : null,
    timesteps_per_s: stepMs ? ((w.batch * w.seq) / stepMs) * 1000 : null,
    gflop_per_step: flops / 1e9,
    gflops_per_s: stepMs ? flops / 1e9 / (stepMs / 1000) : null,
    warmup_ms: timing.warmup_ms,
    times_ms: timing.times_ms,
    run_total_s: timing.total_s,
    own_cpu_cores: timing.own_cpu_cores,
    foreign_cpu_cores: timing.foreign_cpu_cores,
    node: process.version,
    cpu: os.cpus()[0] && os.cpus()[0].model,
    timestamp: new Date().toISOString(),
  };
  return r;
}

function emit(result, outDir, tag) {
  const line = JSON.stringify(result);
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    const name = (tag || [result.peer, result.peer_version, result.backend, `t${result.threads}`, result.workload, result.mode]
      .filter(Boolean).join('__')).replace(/[^A-Za-z0-9_.-]/g, '_');
    fs.writeFileSync(path.join(outDir, name + '.json'), JSON.stringify(result, null, 1) + '\n');
  }
  console.log(line);
}

module.exports = {
  spec, parseArgs, workload, lowbias32, hashAt, genUniform, genInts, checksum,
  flopsPerBatchStep, timeSteps, summarize, emit, median, nowMs, GATES,
};
