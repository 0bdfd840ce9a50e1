// Turning harness records into result rows, the PyTorch ratio, and the text table.
import { flopsPerStep } from './data.mjs';

/**
 * One result row from a harness record (one JSON line of bench/ours.mjs or a peer harness).
 * Statuses: `ok`; `partial (budget)` (fewer than min_timed_steps fit in the budget: the median of
 * those that did); `skipped (over budget)` (no timed step fit, the run was killed, or it was
 * predicted not to fit); `skipped` (not measurable here, see note); `error`.
 */
export function toRow({ w, mode, impl, threads, rec, trainFactor = 3 }) {
  const row = { workload: w.id, mode, impl, threads, ms: null, seq_per_s: null, gflops: null, ratio_vs_torch: null, peak_rss_mb: null, status: 'error', n_timed: 0, note: '' };
  if (!rec) return row;
  if (rec.threads != null) row.threads = rec.threads;
  const notes = [];
  if (rec.note) notes.push(rec.note);
  if (rec.notes) notes.push(rec.notes);
  if (rec.step_ms_is_derived) notes.push('no batching: per-sequence median x batch');
  switch (rec.status) {
    case 'ok':
    case 'partial(budget)':
      row.status = rec.status === 'ok' ? 'ok' : 'partial (budget)';
      row.ms = rec.step_ms;
      break;
    case 'timeout(budget)': {
      row.status = 'skipped (over budget)';
      const wu = rec.warmup_ms && rec.warmup_ms.length ? rec.warmup_ms[rec.warmup_ms.length - 1] : null;
      if (wu != null) notes.push(`untimed warm-up step: ${fmtMs(wu * (rec.step_ms_is_derived ? w.batch : 1))} ms`);
      break;
    }
    case 'unavailable':
      row.status = 'skipped';
      break;
    default:
      row.status = rec.status || 'error';
  }
  if (row.ms != null) {
    row.seq_per_s = (w.batch / row.ms) * 1000;
    row.gflops = flopsPerStep(w, mode, trainFactor) / 1e9 / (row.ms / 1000);
    row.n_timed = rec.n_timed ?? 0;
    row.p10_ms = rec.unit_p10_ms != null ? rec.unit_p10_ms * (rec.step_ms_is_derived ? w.batch : 1) : null;
    row.p90_ms = rec.unit_p90_ms != null ? rec.unit_p90_ms * (rec.step_ms_is_derived ? w.batch : 1) : null;
  }
  if (rec.foreign_cpu_cores != null) row.foreign_cpu_cores = rec.foreign_cpu_cores;
  // Our backends at ≥ 2 threads: split jobs, and those the contention guard ran on one thread.
  if (rec.thread_jobs) row.thread_jobs = rec.thread_jobs;
  if (rec.blas != null) row.blas = rec.blas; // PyTorch: the BLAS it runs on
  if (rec.loss_first != null) row.loss_first = rec.loss_first;
  if (rec.loss_last != null) row.loss_last = rec.loss_last;
  row.note = notes.filter(Boolean).join('; ');
  return row;
}

/** PyTorch's ms (same workload, mode, threads) ÷ ours: > 1 means faster than PyTorch. */
export function ratioVsTorch(torchMs, ms) {
  if (torchMs == null || ms == null || !(torchMs > 0) || !(ms > 0)) return null;
  return torchMs / ms;
}

/** Fills ratio_vs_torch in place from the torch rows among `rows`. */
export function attachRatios(rows) {
  const torch = new Map();
  for (const r of rows) if (r.impl === 'torch' && r.ms != null) torch.set(`${r.workload}|${r.mode}|${r.threads}`, r.ms);
  for (const r of rows) r.ratio_vs_torch = ratioVsTorch(torch.get(`${r.workload}|${r.mode}|${r.threads}`), r.ms);
  return rows;
}

/**
 * Peak RSS in MB (1 MB = 1024² bytes, one decimal) from the report of GNU `/usr/bin/time -v`
 * ("Maximum resident set size (kbytes): N": the whole process, all threads); null when absent.
 */
export function parseMaxRssMb(text) {
  const m = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(text ?? '');
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
}

/**
 * Issue #8's memory target (peak RSS of the medium training benchmark ≤ 1.5× PyTorch's): one line
 * per non-PyTorch `medium` train row with a peak RSS and a PyTorch row at the same threads.
 */
export function memoryLines(rows, workload = 'medium', limit = 1.5) {
  const torch = new Map();
  for (const r of rows) if (r.impl === 'torch' && r.workload === workload && r.mode === 'train' && r.peak_rss_mb != null) torch.set(r.threads, r.peak_rss_mb);
  return rows
    .filter((r) => r.impl !== 'torch' && r.workload === workload && r.mode === 'train' && r.peak_rss_mb != null && torch.has(r.threads))
    .map((r) => {
      const x = r.peak_rss_mb / torch.get(r.threads);
      return `${r.workload} train, ${r.impl} t${r.threads}: peak RSS ${r.peak_rss_mb} MB = ${x.toFixed(2)}× PyTorch's ${torch.get(r.threads)} MB (target ≤ ${limit}×: ${x <= limit ? 'met' : 'not met'})`;
    });
}

/**
 * One row from the K runs of a measurement (`--repeat K`): the run with the median ms (the lower
 * middle one for even K) among those that timed, so every field of the row comes from one run;
 * `ms_runs` lists each run's ms in run order, `peak_rss_mb` is the largest of any run. A
 * measurement that never timed keeps its first run's row.
 */
export function mergeRuns(runs) {
  const timed = runs.filter((r) => r.ms != null);
  if (runs.length < 2 || timed.length === 0) return runs[0];
  const sorted = [...timed].sort((a, b) => a.ms - b.ms);
  const row = { ...sorted[(sorted.length - 1) >> 1] };
  row.ms_runs = timed.map((r) => r.ms);
  const rss = runs.map((r) => r.peak_rss_mb).filter((x) => x != null);
  row.peak_rss_mb = rss.length ? Math.max(...rss) : null;
  return row;
}

/**
 * Issue #8's thread target (2 threads ≥ 1.6× the 1-thread speed on medium and large): one line
 * per implementation of ours, workload and mode with a 1-thread and an n-thread row. With
 * `ms_runs` (--repeat), each run's own ratio too (run i at 1 thread against run i at n: the two
 * were measured one after the other).
 */
export function threadLines(rows, { workloads = ['medium', 'large'], threads = 2, target = 1.6 } = {}) {
  const one = new Map();
  for (const r of rows) if (r.threads === 1 && r.ms != null) one.set(`${r.workload}|${r.mode}|${r.impl}`, r);
  const out = [];
  for (const r of rows) {
    if (!r.impl.startsWith('recurrent-') || r.threads !== threads || r.ms == null || !workloads.includes(r.workload)) continue;
    const base = one.get(`${r.workload}|${r.mode}|${r.impl}`);
    if (!base) continue;
    const x = base.ms / r.ms;
    let runs = '';
    if (base.ms_runs && r.ms_runs && base.ms_runs.length === r.ms_runs.length) {
      runs = `; runs ${base.ms_runs.map((b, i) => `×${(b / r.ms_runs[i]).toFixed(2)}`).join(' ')}`;
    }
    out.push(
      `${r.workload} ${r.mode}, ${r.impl}: ${fmtMs(base.ms)} → ${fmtMs(r.ms)} ms = ×${x.toFixed(2)} the 1-thread speed at ${threads} threads${runs} (target ≥ ${target}×: ${x >= target ? 'met' : 'not met'})`,
    );
  }
  return out;
}

export function fmtMs(x) {
  if (x == null || Number.isNaN(x)) return '–';
  if (x >= 1000) return x.toFixed(0);
  if (x >= 100) return x.toFixed(1);
  if (x >= 10) return x.toFixed(2);
  return x.toFixed(3);
}
function fmtNum(x, d = 2) {
  if (x == null || Number.isNaN(x)) return '–';
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  if (Math.abs(x) >= 100) return x.toFixed(1);
  return x.toFixed(d);
}

/** The result table as text (one line per row; status and notes at the end of the line). */
export function formatTable(rows) {
  const head = ['workload', 'mode', 'impl', 'threads', 'ms/step', 'sequences/s', 'GFLOP/s', 'torch ms/ours', 'peak RSS MB', 'status'];
  const body = rows.map((r) => [
    r.workload,
    r.mode,
    r.impl,
    String(r.threads),
    fmtMs(r.ms),
    fmtNum(r.seq_per_s, 1),
    fmtNum(r.gflops, 3),
    r.ratio_vs_torch == null ? '–' : fmtNum(r.ratio_vs_torch, 3),
    r.peak_rss_mb == null ? '–' : r.peak_rss_mb.toFixed(1),
    r.status +
      (r.n_timed && r.status !== 'ok' ? ` n=${r.n_timed}` : '') +
      (r.foreign_cpu_cores > 0.3 ? ` (busy machine: +${r.foreign_cpu_cores.toFixed(1)} cores)` : '') +
      (r.thread_jobs?.guarded > 0 ? ` (contention guard: ${r.thread_jobs.guarded} of ${r.thread_jobs.guarded + r.thread_jobs.jobs} jobs on one thread)` : '') +
      (r.note ? ` — ${r.note}` : ''),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const right = new Set([3, 4, 5, 6, 7, 8]);
  const line = (cells) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((n, i) => (i === head.length - 1 ? '-'.repeat(head[i].length) : '-'.repeat(n)))), ...body.map(line)].join('\n');
}
