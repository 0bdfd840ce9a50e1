// Types of data.mjs (for test/bench/*.test.ts).
export interface WorkloadSpec {
  id: string;
  cell: 'rnn' | 'lstm' | 'gru';
  input: number;
  hidden: number;
  batch: number;
  seq: number;
  classes: number;
  loss: 'last' | 'every';
  modes: ('train' | 'infer')[];
  embedding?: { vocab: number; dim: number };
}
export function lowbias32(x: number): number;
export function hashAt(seed: number, stream: number, i: number): number;
export function genUniform(n: number, seed: number, stream?: number): Float32Array;
export function genInts(n: number, mod: number, seed: number, stream: number): Int32Array;
export function workloadData(
  w: WorkloadSpec,
  seed: number,
): { x: { data: Float32Array; shape: number[]; tokens: boolean }; y: { data: Float32Array; shape: number[] } };
export function checksum(arr: ArrayLike<number>): number;
export const GATES: { rnn: 1; gru: 3; lstm: 4 };
export function flopsPerStep(w: Pick<WorkloadSpec, 'cell' | 'batch' | 'hidden' | 'input' | 'seq'>, mode: 'train' | 'infer', trainFactor?: number): number;
export function median(xs: readonly number[]): number | null;
export function quantile(xs: readonly number[], q: number): number | null;
