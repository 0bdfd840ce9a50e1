// The benchmark harness's result rows, PyTorch ratio, table and command line.
import { describe, expect, it } from 'vitest';
import { attachRatios, formatTable, memoryLines, mergeRuns, parseMaxRssMb, ratioVsTorch, threadLines, toRow } from '../../bench/lib/report.mjs';
import type { WorkloadSpec } from '../../bench/lib/data.mjs';
import { parseCli } from '../../bench/run.mjs';

const tiny: WorkloadSpec = { id: 'tiny-lstm', cell: 'lstm', input: 32, hidden: 64, batch: 16, seq: 32, classes: 10, loss: 'last', modes: ['train', 'infer'] };

describe('rows', () => {
  it('an ok record gives ms, sequences/s and GFLOP/s from the spec formula', () => {
    const r = toRow({ w: tiny, mode: 'train', impl: 'torch', threads: 1, rec: { status: 'ok', step_ms: 10, n_timed: 20, threads: 1, unit_p10_ms: 9, unit_p90_ms: 12 } });
    expect(r.status).toBe('ok');
    expect(r.ms).toBe(10);
    expect(r.seq_per_s).toBeCloseTo(1600, 9);
    expect(r.gflops).toBeCloseTo(75_497_472 / 1e9 / 0.01, 9);
    expect(r.ratio_vs_torch).toBeNull();
    expect(r.blas).toBeUndefined();
    expect(toRow({ w: tiny, mode: 'infer', impl: 'torch', threads: 1, rec: { status: 'ok', step_ms: 3, blas: 'reference' } }).blas).toBe('reference');
  });

  it('budget statuses: partial keeps its median, timeout is skipped with no time', () => {
    const p = toRow({ w: tiny, mode: 'train', impl: 'recurrent-ref', threads: 1, rec: { status: 'partial(budget)', step_ms: 5000, n_timed: 2 } });
    expect(p.status).toBe('partial (budget)');
    expect(p.ms).toBe(5000);
    const t = toRow({ w: tiny, mode: 'train', impl: 'recurrent-ref', threads: 1, rec: { status: 'timeout(budget)', warmup_ms: [80_000], times_ms: [] } });
    expect(t.status).toBe('skipped (over budget)');
    expect(t.ms).toBeNull();
    expect(t.gflops).toBeNull();
    expect(t.note).toMatch(/untimed warm-up step: 80000 ms/);
    expect(toRow({ w: tiny, mode: 'infer', impl: 'recurrent-native', threads: 1, rec: { status: 'unavailable', note: 'not built' } })).toMatchObject({ status: 'skipped', note: 'not built', ms: null });
  });

  it('brain.js per-sequence times are scaled to a batch', () => {
    const r = toRow({ w: tiny, mode: 'train', impl: 'brain', threads: 1, rec: { status: 'ok', step_ms: 160, step_ms_is_derived: true, unit_p10_ms: 9, unit_p90_ms: 11 } });
    expect(r.ms).toBe(160);
    expect(r.p10_ms).toBe(9 * 16);
    expect(r.note).toMatch(/per-sequence/);
  });

  it('ratio_vs_torch = PyTorch ms at the same threads ÷ ours, null without PyTorch', () => {
    expect(ratioVsTorch(10, 40)).toBe(0.25);
    expect(ratioVsTorch(null, 40)).toBeNull();
    expect(ratioVsTorch(10, null)).toBeNull();
    const mk = (impl: string, threads: number, ms: number | null, mode: 'train' | 'infer' = 'train') => toRow({ w: tiny, mode, impl, threads, rec: ms == null ? { status: 'timeout(budget)' } : { status: 'ok', step_ms: ms } });
    const rows = attachRatios([mk('torch', 1, 8), mk('recurrent-ref', 1, 32), mk('recurrent-wasm', 1, 4), mk('recurrent-wasm', 2, 3), mk('recurrent-ref', 1, null, 'infer'), mk('torch', 2, 6)]);
    expect(rows.map((r) => r.ratio_vs_torch)).toEqual([1, 0.25, 2, 2, null, 1]);
  });

  it('formats a table with every required column', () => {
    const rows = attachRatios([
      toRow({ w: tiny, mode: 'train', impl: 'torch', threads: 1, rec: { status: 'ok', step_ms: 6.5 } }),
      toRow({ w: tiny, mode: 'train', impl: 'recurrent-ref', threads: 1, rec: { status: 'ok', step_ms: 65 } }),
    ]);
    rows[1]!.peak_rss_mb = 61.25;
    const lines = formatTable(rows).split('\n');
    expect(lines[0]).toMatch(/^workload\s+mode\s+impl\s+threads\s+ms\/step\s+sequences\/s\s+GFLOP\/s\s+torch ms\/ours\s+peak RSS MB\s+status$/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/tiny-lstm\s+train\s+torch\s+1\s+6\.500\s+2462\s+11\.615\s+1\.000\s+–\s+ok/);
    expect(lines[3]).toMatch(/tiny-lstm\s+train\s+recurrent-ref\s+1\s+65\.00\s+246\.2\s+1\.161\s+0\.100\s+61\.3\s+ok/);
  });

  it('peak RSS: parsed from /usr/bin/time -v, null until measured, compared with PyTorch on medium train', () => {
    const report = '\tCommand being timed: "node bench/ours.mjs"\n\tMaximum resident set size (kbytes): 251187\n\tExit status: 0\n';
    expect(parseMaxRssMb(report)).toBe(245.3);
    expect(parseMaxRssMb('Command terminated by signal 9\n')).toBeNull();
    expect(parseMaxRssMb(null)).toBeNull();
    expect(toRow({ w: tiny, mode: 'train', impl: 'torch', threads: 1, rec: { status: 'ok', step_ms: 6.5 } }).peak_rss_mb).toBeNull();
    const medium: WorkloadSpec = { id: 'medium', cell: 'lstm', input: 128, hidden: 256, batch: 64, seq: 64, classes: 10, loss: 'every', modes: ['train', 'infer'] };
    const mk = (impl: string, threads: number, rss: number | null, mode: 'train' | 'infer' = 'train') => ({ ...toRow({ w: medium, mode, impl, threads, rec: { status: 'ok', step_ms: 100 } }), peak_rss_mb: rss });
    const lines = memoryLines([mk('torch', 1, 300), mk('recurrent-wasm', 1, 150), mk('recurrent-native', 1, 600), mk('recurrent-wasm', 1, 900, 'infer'), mk('recurrent-wasm', 2, 160), mk('tfjs-cpu', 1, null)]);
    expect(lines).toEqual([
      "medium train, recurrent-wasm t1: peak RSS 150 MB = 0.50× PyTorch's 300 MB (target ≤ 1.5×: met)",
      "medium train, recurrent-native t1: peak RSS 600 MB = 2.00× PyTorch's 300 MB (target ≤ 1.5×: not met)",
    ]);
  });
});

describe('repeated runs and the thread target', () => {
  const run = (ms: number | null, rss: number, status = 'ok') => ({ ...toRow({ w: tiny, mode: 'train', impl: 'recurrent-native', threads: 1, rec: ms == null ? { status: 'timeout(budget)' } : { status, step_ms: ms, n_timed: 10 } }), peak_rss_mb: rss });

  it('mergeRuns keeps the whole row of the median run, every run ms in order, and the largest RSS', () => {
    const m = mergeRuns([run(12, 80), run(10, 90), run(30, 70)]);
    expect(m.ms).toBe(12);
    expect(m.gflops).toBeCloseTo(75_497_472 / 1e9 / 0.012, 9);
    expect(m.ms_runs).toEqual([12, 10, 30]);
    expect(m.peak_rss_mb).toBe(90);
    // even K: the lower middle run (a real measurement, not an average of two)
    expect(mergeRuns([run(40, 1), run(10, 1), run(20, 1), run(30, 1)]).ms).toBe(20);
    // runs that did not time are left out of the median; a row that never timed stays as it was
    expect(mergeRuns([run(null, 5), run(7, 6)]).ms).toBe(7);
    const none = mergeRuns([run(null, 5)]);
    expect(none.ms).toBeNull();
    expect(none.ms_runs).toBeUndefined();
  });

  it('threadLines: 1-thread ms ÷ 2-thread ms for our impls on medium and large, with each run paired', () => {
    const row = (workload: string, impl: string, threads: number, ms: number, ms_runs?: number[]) => ({ workload, mode: 'train' as const, impl, threads, ms, ms_runs });
    const lines = threadLines([
      row('medium', 'recurrent-native', 1, 90, [90, 100, 80]),
      row('medium', 'recurrent-native', 2, 50, [50, 60, 52]),
      row('medium', 'torch', 1, 300),
      row('medium', 'torch', 2, 200),
      row('large', 'recurrent-wasm', 1, 1000),
      row('large', 'recurrent-wasm', 2, 800),
      row('tiny-lstm', 'recurrent-wasm', 1, 2),
      row('tiny-lstm', 'recurrent-wasm', 2, 1),
    ]);
    expect(lines).toEqual([
      'medium train, recurrent-native: 90.00 → 50.00 ms = ×1.80 the 1-thread speed at 2 threads; runs ×1.80 ×1.67 ×1.54 (target ≥ 1.6×: met)',
      'large train, recurrent-wasm: 1000 → 800.0 ms = ×1.25 the 1-thread speed at 2 threads (target ≥ 1.6×: not met)',
    ]);
  });

  it('the table says when the contention guard kept split jobs on one thread', () => {
    const rec = { status: 'ok', step_ms: 20, n_timed: 10, thread_jobs: { jobs: 30, worker_parts: 28, guarded: 10 } };
    const r = toRow({ w: tiny, mode: 'infer', impl: 'recurrent-native', threads: 2, rec });
    expect(r.thread_jobs).toEqual(rec.thread_jobs);
    expect(formatTable([r])).toMatch(/ok \(contention guard: 10 of 40 jobs on one thread\)/);
    const quiet = toRow({ w: tiny, mode: 'infer', impl: 'recurrent-native', threads: 2, rec: { ...rec, thread_jobs: { jobs: 40, worker_parts: 40, guarded: 0 } } });
    expect(formatTable([quiet])).not.toMatch(/contention guard/);
  });

  it('--repeat takes a positive integer', () => {
    expect(parseCli(['--repeat', '3']).repeat).toBe(3);
    expect(parseCli([]).repeat).toBe(1);
    expect(() => parseCli(['--repeat', '0'])).toThrow(/repeat/);
    expect(() => parseCli(['--repeat', '1.5'])).toThrow(/repeat/);
  });
});

describe('command line', () => {
  it('orders impls PyTorch first and drops peers with --no-peers', () => {
    const o = parseCli(['--quick', '--workloads', 'tiny-lstm', '--impls', 'recurrent-ref,torch']);
    expect(o).toMatchObject({ quick: true, workloads: ['tiny-lstm'], impls: ['torch', 'recurrent-ref'], threads: [1], json: false });
    expect(parseCli(['--no-peers']).impls).toEqual(['recurrent-ref', 'recurrent-wasm', 'recurrent-native']);
    expect(parseCli([]).impls).toContain('tfjs-wasm');
    expect(parseCli(['--threads=1,2', '--json', '--budget', '30'])).toMatchObject({ threads: [1, 2], json: true, budget: 30, modes: ['train', 'infer'] });
    expect(parseCli(['--modes', 'infer']).modes).toEqual(['infer']);
  });

  it('splits word2vec workloads (bench/w2v.mjs) from the RNN ones', () => {
    const w = parseCli(['--workloads', 'w2v-sg', '--impls', 'recurrent-wasm,gensim']);
    expect(w).toMatchObject({ w2v: true, rnn: false, w2vWorkloads: ['w2v-sg'], workloads: [], w2vImpls: ['recurrent-wasm', 'gensim'], implsGiven: true });
    const r = parseCli(['--workloads', 'tiny-lstm']);
    expect(r).toMatchObject({ w2v: false, rnn: true, workloads: ['tiny-lstm'] });
    const all = parseCli([]);
    expect(all).toMatchObject({ w2v: true, rnn: true, w2vWorkloads: [], implsGiven: false });
    expect(all.w2vImpls).toEqual(['recurrent-wasm', 'recurrent-ref', 'gensim', 'word2vec-c']);
  });

  it('rejects unknown options and impls', () => {
    expect(() => parseCli(['--fast'])).toThrow(/unknown option/);
    expect(() => parseCli(['--impls', 'keras'])).toThrow(/unknown impl/);
    expect(() => parseCli(['--threads', '0'])).toThrow(/threads/);
    expect(() => parseCli(['--modes', 'eval'])).toThrow(/modes/);
  });
});
