// The timing loop of workloads.json "timing", the same as the peer harnesses'
// (bench/peers/common.js timeSteps, bench_torch.py time_steps): warm-up steps, then timed steps
// until max_timed_steps, or min_timed_steps and target_timed_seconds, or the budget is reached.
import { readFileSync } from 'node:fs';
import { median } from './data.mjs';

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** CPU seconds used by every process on the machine (all /proc/stat jiffies minus idle + iowait). */
function procStatBusy() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return (total - f[3] - (f[4] || 0)) / 100;
  } catch {
    return null;
  }
}
function ownCpuS() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Times `step` (sync or async; it must finish its work before returning).
 * Returns warm-up and timed step times (ms), the status (`ok`, `partial(budget)`: fewer than
 * min_timed_steps fit in the budget, `timeout(budget)`: only warm-up steps fit), and the CPU used
 * by other processes during the timed loop (`foreign_cpu_cores`; the machine is shared).
 */
export async function timeSteps(step, timing) {
  const t = timing;
  const budgetMs = t.budget_seconds * 1000;
  const t0 = nowMs();
  const warm = [];
  for (let i = 0; i < t.warmup_steps; i++) {
    const s = nowMs();
    await step();
    warm.push(nowMs() - s);
    if (warm[i] > 5000) break; // very slow configuration: one warm-up step is enough
    if (nowMs() - t0 > budgetMs) break;
  }
  const times = [];
  const busy0 = procStatBusy();
  const own0 = ownCpuS();
  const wall0 = nowMs();
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
  const busy1 = procStatBusy();
  const ownCores = wallS > 0 ? (ownCpuS() - own0) / wallS : null;
  const foreign = busy0 != null && busy1 != null && wallS > 0.05 ? Math.max(0, (busy1 - busy0) / wallS - ownCores) : null;
  const status = times.length >= t.min_timed_steps ? 'ok' : times.length > 0 ? 'partial(budget)' : 'timeout(budget)';
  return { warmup_ms: warm, times_ms: times, status, total_s: (nowMs() - t0) / 1000, own_cpu_cores: ownCores, foreign_cpu_cores: foreign };
}
