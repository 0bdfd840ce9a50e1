// The workload spec (bench/workloads.json, a copy of the workplace's shared
// /work/shared/bench/workloads.json) and the --quick timing rules.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SPEC_PATH = fileURLToPath(new URL('../workloads.json', import.meta.url));

/** The spec at $RNN_SPEC (how run.mjs hands --quick timing to every harness) or bench/workloads.json. */
export function loadSpec(path = process.env.RNN_SPEC || SPEC_PATH) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** --quick: fewer steps and a smaller budget (a smoke run; the full rules are in workloads.json). */
export const QUICK_TIMING = {
  warmup_steps: 2,
  min_timed_steps: 3,
  max_timed_steps: 10,
  target_timed_seconds: 1.0,
  budget_seconds: 10,
};

/** The spec with `timing` overridden (quick rules and/or an explicit budget). */
export function withTiming(spec, { quick = false, budgetSeconds } = {}) {
  const timing = { ...spec.timing, ...(quick ? QUICK_TIMING : {}) };
  if (budgetSeconds !== undefined) timing.budget_seconds = budgetSeconds;
  return { ...spec, timing };
}

/** Workloads by id, in spec order; throws on unknown ids. */
export function selectWorkloads(spec, ids) {
  if (!ids || !ids.length) return spec.workloads;
  const known = new Set(spec.workloads.map((w) => w.id));
  const bad = ids.filter((id) => !known.has(id));
  if (bad.length) throw new Error(`unknown workload(s) ${bad.join(', ')}; known: ${[...known].join(', ')}`);
  return spec.workloads.filter((w) => ids.includes(w.id));
}
