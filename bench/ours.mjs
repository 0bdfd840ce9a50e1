// One measurement of the recurrent library (child process of bench/run.mjs; one process per
// backend × workload × mode so backends stay independent).
//
//   node bench/ours.mjs --backend ref|wasm|native --threads N --workload ID --mode train|infer
//   node bench/ours.mjs --probe --backend NAME [--threads N]     availability check only
//
// Prints one JSON line (the same fields as the peer harnesses in bench/peers/). Imports the built
// library from dist/ (npm run build). The backend is chosen with the environment variable
// RECURRENT_BACKEND (set by run.mjs) and, when dist/kernels/gemm.js exports it, setBackend(name);
// a backend other than `ref` is only measured when the library confirms it is active.
//
// The training step is the body of fit() (src/train/fit.ts) without its bookkeeping (shuffling,
// metrics, finiteness checks, callbacks, event-loop yield): arena mark/release, model.batchVars,
// recording(model.call + crossEntropy), backward, optimizer.step + zeroGrad.
// The inference step is the body of predictArrays: arena mark/release, batchVars, model.call.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { flopsPerStep, median, quantile, workloadData, checksum } from './lib/data.mjs';
import { loadSpec } from './lib/spec.mjs';
import { timeSteps } from './lib/timing.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url);

function parseArgs(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const k = a.slice(2);
    out[k] = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
  }
  return out;
}

function nameOf(v) {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof v.name === 'string') return v.name;
  return null;
}

/**
 * Selects backend `name` with `threads` threads. Returns { ok, active, threads, note }.
 * Contract looked for in dist/kernels/gemm.js (src/kernels/gemm.ts): setBackend(name) (sync or
 * async), getBackend() → name (or { name }), optionally setThreads(n) / getThreads().
 */
async function selectBackend(name, threads) {
  const gemmUrl = dist('kernels/gemm.js');
  if (!existsSync(fileURLToPath(gemmUrl))) {
    if (name !== 'ref') return { ok: false, note: `backend '${name}' is not in this build (no dist/kernels/gemm.js, only the ref kernels)` };
    if (threads !== 1) return { ok: false, note: 'the ref kernels are single-threaded' };
    return { ok: true, active: 'ref', threads: 1, note: '' };
  }
  const g = await import(gemmUrl);
  const notes = [];
  if (typeof g.setBackend === 'function') {
    try {
      await g.setBackend(name);
    } catch (e) {
      return { ok: false, note: `setBackend('${name}') failed: ${String(e && e.message ? e.message : e).split('\n')[0]}` };
    }
  }
  const getter = g.getBackend ?? g.activeBackend ?? g.currentBackend;
  const active = typeof getter === 'function' ? nameOf(await getter()) : nameOf(g.backend);
  if (active === null) {
    if (name !== 'ref') return { ok: false, note: `cannot confirm that backend '${name}' is active (dist/kernels/gemm.js exports no getBackend)` };
    notes.push('backend not confirmed (no getBackend export)');
  } else if (active !== name) {
    return { ok: false, note: `backend '${name}' is not available (the library runs '${active}')` };
  }
  let actualThreads = 1;
  const setThreads = g.setThreads ?? g.setNumThreads;
  const getThreads = g.getThreads ?? g.getNumThreads;
  if (typeof setThreads === 'function') {
    try {
      await setThreads(threads);
    } catch (e) {
      return { ok: false, note: `setThreads(${threads}) failed: ${String(e && e.message ? e.message : e).split('\n')[0]}` };
    }
    actualThreads = typeof getThreads === 'function' ? Number(await getThreads()) : threads;
  } else if (threads !== 1) {
    return { ok: false, note: `backend '${name}' has no thread setting (kernels/gemm.ts exports no setThreads); 1 thread only` };
  }
  // The native add-on has its own pthread pool, sized by the same setting (it is 1 without pthreads).
  if (name === 'native' && typeof g.nativeThreads === 'function') actualThreads = Math.min(actualThreads, Number(g.nativeThreads()));
  if (actualThreads !== threads) return { ok: false, note: `backend '${name}' runs ${actualThreads} thread(s), ${threads} requested` };
  return { ok: true, active: active ?? name, threads: actualThreads, note: notes.join('; ') };
}

async function main() {
  const args = parseArgs(process.argv);
  const backend = args.backend || process.env.RECURRENT_BACKEND || 'ref';
  const threads = Number(args.threads || 1);
  const sel = await selectBackend(backend, threads);
  if (args.probe) {
    console.log(JSON.stringify({ impl: `recurrent-${backend}`, available: sel.ok, threads, note: sel.note }));
    return;
  }
  const spec = loadSpec();
  const w = spec.workloads.find((x) => x.id === args.workload);
  if (!w) throw new Error(`unknown workload ${args.workload}`);
  const mode = args.mode || 'train';
  const base = { peer: 'recurrent', backend, threads, workload: w.id, mode };
  if (!sel.ok) {
    console.log(JSON.stringify({ ...base, status: 'unavailable', note: sel.note }));
    return;
  }

  const lib = await import(dist('index.js'));
  const { arena } = await import(dist('tensor/tensor.js'));
  const { recording, backward } = await import(dist('autograd/tape.js'));
  const { Sequential, Embedding, SimpleRNN, LSTM, GRU, Dense, Adam, Rng, getLoss, VERSION } = lib;

  const B = w.batch;
  const T = w.seq;
  const { x, y } = workloadData(w, spec.seed);
  const layers = [];
  if (w.embedding) layers.push(new Embedding({ inputDim: w.embedding.vocab, outputDim: w.embedding.dim }));
  const Cell = { rnn: SimpleRNN, lstm: LSTM, gru: GRU }[w.cell];
  // PyTorch's initialisation (U(±1/√H)); the default orthogonal init of W_hh is slow for H = 1024
  // and is not timed anyway.
  layers.push(new Cell({ units: w.hidden, returnSequences: w.loss === 'every', initializer: 'pytorch' }));
  layers.push(new Dense({ units: w.classes, kernelInitializer: 'pytorch' }));
  const model = new Sequential(layers, { seed: spec.seed });
  const xs = [{ data: x.data, shape: x.shape }];
  model.buildFromData(xs);
  const params = model.parameters();
  const opt = new Adam({ lr: spec.optimizer.lr, beta1: spec.optimizer.beta1, beta2: spec.optimizer.beta2 });
  const loss = getLoss('crossEntropy');
  const rng = new Rng(spec.seed);
  const order = Int32Array.from({ length: B }, (_, i) => i);
  const labels = y.data;

  let first = null;
  let last = null;
  let step;
  if (mode === 'train') {
    step = () => {
      const mark = arena.mark();
      try {
        const xb = model.batchVars(xs, order, 0, B);
        const total = recording(() => loss.compute(model.call(xb, { training: true, rng })[0], labels));
        last = total.data[0];
        if (first === null) first = last;
        backward(total);
        opt.step(params);
        opt.zeroGrad(params);
      } finally {
        arena.release(mark);
      }
    };
  } else {
    step = () => {
      const mark = arena.mark();
      try {
        const out = model.call(model.batchVars(xs, order, 0, B), { training: false, rng })[0];
        last = out.data[0];
      } finally {
        arena.release(mark);
      }
    };
  }

  const poolStats = async () => {
    if (backend === 'native') return (await import(dist('kernels/native/backend.js'))).nativeThreadStats();
    if (backend === 'wasm') return (await import(dist('kernels/threads/pool.js'))).threadStats();
    return null;
  };
  const stats0 = threads > 1 ? await poolStats() : null;
  const timing = await timeSteps(step, spec.timing);
  const stats1 = threads > 1 ? await poolStats() : null;
  // Split jobs during warm-up and timed steps, the parts the pool's threads ran, and the jobs the
  // contention guard kept on the calling thread (a machine that did not give both cores).
  const threadJobs = stats0 && stats1 ? { jobs: stats1.jobs - stats0.jobs, worker_parts: stats1.workerParts - stats0.workerParts, guarded: stats1.guarded - stats0.guarded } : null;
  const med = median(timing.times_ms);
  const flops = flopsPerStep(w, mode, spec.flops.train_factor);
  const r = {
    ...base,
    peer_version: VERSION,
    backend_active: sel.active,
    api: mode === 'train' ? 'fit step body: recording(model.call + crossEntropy), backward, Adam step/zeroGrad' : 'predictArrays body: model.call (training: false)',
    cell: w.cell, input: w.input, hidden: w.hidden, batch: B, seq: T,
    status: timing.status,
    timed_unit: 'batch',
    n_timed: timing.times_ms.length,
    unit_median_ms: med,
    unit_p10_ms: quantile(timing.times_ms, 0.1),
    unit_p90_ms: quantile(timing.times_ms, 0.9),
    unit_min_ms: timing.times_ms.length ? Math.min(...timing.times_ms) : null,
    step_ms: med,
    step_ms_is_derived: false,
    seq_per_s: med ? (B / med) * 1000 : null,
    gflop_per_step: flops / 1e9,
    gflops_per_s: med ? flops / 1e9 / (med / 1000) : null,
    warmup_ms: timing.warmup_ms,
    times_ms: timing.times_ms,
    run_total_s: timing.total_s,
    own_cpu_cores: timing.own_cpu_cores,
    thread_jobs: threadJobs,
    foreign_cpu_cores: timing.foreign_cpu_cores,
    loss_first: mode === 'train' ? first : null,
    loss_last: mode === 'train' ? last : null,
    data_checksum: checksum(x.data),
    note: sel.note,
    node: process.version,
    cpu: os.cpus()[0] && os.cpus()[0].model,
    timestamp: new Date().toISOString(),
  };
  console.log(JSON.stringify(r));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
