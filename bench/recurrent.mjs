#!/usr/bin/env node
// The fused recurrent sequence kernels alone (no model, no tape): forward and backward of one
// layer over a whole sequence at the shapes of bench/workloads.json, wasm (each build the engine
// runs) and, with --ref, the TypeScript reference. Runs against dist/ (npm run build first).
// Times are process CPU time (the machine is shared; this is single-threaded), best of several
// trials; GFLOP/s counts the cell matmuls as workloads.json does (forward 2·B·G·H·(I+H)·T,
// backward twice that).
//
//   node bench/recurrent.mjs [--quick] [--ref] [--json] [--workloads tiny-lstm,medium]
//   flock /tmp/bench.lock node bench/recurrent.mjs
import { readFileSync } from 'node:fs';
import { gruBackwardWorkSize, gruCacheSize } from '../dist/kernels/ref/gru.js';
import { lstmBackwardWorkSize, lstmCacheSize } from '../dist/kernels/ref/lstm.js';
import { rnnBackwardWorkSize, rnnCacheSize } from '../dist/kernels/ref/rnn.js';
import * as ref from '../dist/kernels/ref/lstm.js';
import * as refGru from '../dist/kernels/ref/gru.js';
import * as refRnn from '../dist/kernels/ref/rnn.js';
import { relaxedSimdSupported, setWasmVariant, wasmAvailable, wasmLoadError } from '../dist/kernels/wasm/backend.js';
import * as wasm from '../dist/kernels/wasm/recurrent.js';
import { setBackend } from '../dist/kernels/gemm.js';
import { heap } from '../dist/tensor/tensor.js';

const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => {
  const i = argv.indexOf(f);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('--quick');
const withRef = flag('--ref');
const json = flag('--json');

if (!wasmAvailable()) {
  console.error(`bench/recurrent: the wasm module does not load: ${wasmLoadError()}`);
  process.exit(1);
}
setBackend('wasm');
const spec = JSON.parse(readFileSync(new URL('./workloads.json', import.meta.url), 'utf8'));
const wanted = opt('--workloads')?.split(',');
const workloads = spec.workloads.filter((w) => (wanted ? wanted.includes(w.id) : true));
const variants = relaxedSimdSupported() ? ['simd128', 'relaxed-simd'] : ['simd128'];

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function time(fn, budgetS) {
  // Warm up (V8 tiers wasm up from its baseline compiler in the background).
  const w0 = cpu();
  do fn();
  while (cpu() - w0 < (quick ? 0.1 : 0.3));
  let t0 = cpu();
  fn();
  const once = Math.max(cpu() - t0, 1e-6);
  const reps = Math.max(1, Math.round(0.05 / once));
  const trials = Math.max(2, Math.min(quick ? 3 : 10, Math.floor(budgetS / (once * reps))));
  let best = Infinity;
  for (let t = 0; t < trials; t++) {
    t0 = cpu();
    for (let r = 0; r < reps; r++) fn();
    best = Math.min(best, (cpu() - t0) / reps);
  }
  return best;
}

const blocks = [];
function heapF32(n, fill) {
  const ptr = heap.alloc(Math.max(n, 1) * 4);
  blocks.push(ptr);
  const a = new Float32Array(heap.buffer, ptr, n);
  for (let i = 0; i < n; i++) a[i] = fill === undefined ? Math.random() * 0.2 - 0.1 : fill;
  return a;
}

const rows = [];
for (const w of workloads) {
  const input = w.embedding ? w.embedding.dim : w.input;
  const { batch: B, seq: T, hidden: H } = w;
  const I = input;
  const G = { rnn: 1, lstm: 4, gru: 3 }[w.cell];
  const GH = G * H;
  const cacheN = w.cell === 'lstm' ? lstmCacheSize(B, T, H) : w.cell === 'gru' ? gruCacheSize(B, T, H) : rnnCacheSize(B, T, H);
  const workN = w.cell === 'lstm' ? lstmBackwardWorkSize(B, T, I, H) : w.cell === 'gru' ? gruBackwardWorkSize(B, T, I, H) : rnnBackwardWorkSize(B, T, I, H);
  const p = {
    B, T, I, H, x: heapF32(B * T * I), wih: heapF32(GH * I), whh: heapF32(GH * H), bih: heapF32(GH), bhh: heapF32(GH),
    h0: null, c0: null, mask: null, reverse: false, hMask: null,
  };
  const out = { y: heapF32(B * T * H), hT: heapF32(B * H), cT: heapF32(B * H), cache: heapF32(cacheN) };
  const grads = {
    dy: heapF32(B * T * H), dhT: null, dcT: null, dx: heapF32(B * T * I), dh0: null, dc0: null,
    dwih: heapF32(GH * I, 0), dwhh: heapF32(GH * H, 0), dbih: heapF32(GH, 0), dbhh: heapF32(GH, 0), work: heapF32(workN),
  };
  const extra = w.cell === 'gru' ? { resetAfter: true } : w.cell === 'rnn' ? { activation: 'tanh' } : {};
  const fwdArgs = { ...p, ...extra, ...out };
  const bwdArgs = { ...p, ...extra, cache: out.cache, ...grads };
  const name = w.cell === 'lstm' ? 'Lstm' : w.cell === 'gru' ? 'Gru' : 'Rnn';
  const fwdFlop = 2 * B * GH * (I + H) * T;
  const budget = quick ? 0.5 : 2;
  const row = { workload: w.id, shape: `${w.cell} B${B} T${T} I${I} H${H}` };
  for (const v of variants) {
    setWasmVariant(v);
    const f = time(() => wasm[`tryWasm${name}Forward`](fwdArgs) || (() => { throw new Error('declined'); })(), budget);
    const b = time(() => wasm[`tryWasm${name}Backward`](bwdArgs) || (() => { throw new Error('declined'); })(), budget);
    row[`${v} fwd µs`] = f * 1e6;
    row[`${v} bwd µs`] = b * 1e6;
    row[`${v} fwd GFLOP/s`] = fwdFlop / f / 1e9;
    row[`${v} bwd GFLOP/s`] = (2 * fwdFlop) / b / 1e9;
  }
  if (withRef) {
    setBackend('ref');
    const mod = w.cell === 'lstm' ? ref : w.cell === 'gru' ? refGru : refRnn;
    const f = time(() => mod[`${w.cell}Forward`](fwdArgs), budget);
    const b = time(() => mod[`${w.cell}Backward`](bwdArgs), budget);
    row['ref fwd µs'] = f * 1e6;
    row['ref bwd µs'] = b * 1e6;
    setBackend('wasm');
  }
  rows.push(row);
  for (const ptr of blocks.splice(0)) heap.free(ptr);
}

if (json) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  console.log(`fused recurrent kernels, float32, 1 thread, node ${process.version}, CPU time: µs per call (GFLOP/s)`);
  const cols = [...variants.flatMap((v) => [`${v} fwd`, `${v} bwd`]), ...(withRef ? ['ref fwd', 'ref bwd'] : [])];
  console.log(`${'workload'.padEnd(10)}${'shape'.padEnd(26)}${cols.map((c) => c.padStart(22)).join('')}`);
  for (const r of rows) {
    const cell = (c) => {
      const us = r[`${c} µs`];
      const g = r[`${c} GFLOP/s`];
      return `${us.toFixed(0)}${g === undefined ? '' : ` (${g.toFixed(1)})`}`.padStart(22);
    };
    console.log(`${r.workload.padEnd(10)}${r.shape.padEnd(26)}${cols.map(cell).join('')}`);
  }
}
