// Types of report.mjs (for test/bench/*.test.ts).
import type { WorkloadSpec } from './data.mjs';
export interface Row {
  workload: string;
  mode: 'train' | 'infer';
  impl: string;
  threads: number;
  ms: number | null;
  seq_per_s: number | null;
  gflops: number | null;
  ratio_vs_torch: number | null;
  /** peak resident set size of the measurement's process in MB (/usr/bin/time -v); null when not measured */
  peak_rss_mb: number | null;
  status: string;
  n_timed: number;
  note: string;
  [extra: string]: unknown;
}
export function toRow(a: { w: WorkloadSpec; mode: 'train' | 'infer'; impl: string; threads: number; rec: Record<string, unknown> | null; trainFactor?: number }): Row;
export function ratioVsTorch(torchMs: number | null | undefined, ms: number | null | undefined): number | null;
export function attachRatios(rows: Row[]): Row[];
export function parseMaxRssMb(text: string | null | undefined): number | null;
export function memoryLines(rows: Row[], workload?: string, limit?: number): string[];
export function mergeRuns(runs: Row[]): Row & { ms_runs?: number[] };
export function threadLines(
  rows: Array<Pick<Row, 'workload' | 'mode' | 'impl' | 'threads' | 'ms'> & { ms_runs?: number[] }>,
  opts?: { workloads?: string[]; threads?: number; target?: number },
): string[];
export function fmtMs(x: number | null): string;
export function formatTable(rows: Row[]): string;
