// Types of spec.mjs (for test/bench/*.test.ts).
import type { WorkloadSpec } from './data.mjs';
export interface Timing {
  warmup_steps: number;
  min_timed_steps: number;
  max_timed_steps: number;
  target_timed_seconds: number;
  budget_seconds: number;
  statistic?: string;
}
export interface Spec {
  seed: number;
  data: Record<string, string>;
  optimizer: { name: string; lr: number; beta1: number; beta2: number };
  timing: Timing;
  flops: { train_factor: number };
  workloads: WorkloadSpec[];
  [k: string]: unknown;
}
export const SPEC_PATH: string;
export function loadSpec(path?: string): Spec;
export const QUICK_TIMING: Timing;
export function withTiming(spec: Spec, o?: { quick?: boolean; budgetSeconds?: number }): Spec;
export function selectWorkloads(spec: Spec, ids?: string[]): WorkloadSpec[];
