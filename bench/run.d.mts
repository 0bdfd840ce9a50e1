// Types of run.mjs (for test/bench/*.test.ts and a future `recurrent bench`).
export interface CliOptions {
  workloads: string[];
  modes: ('train' | 'infer')[];
  impls: string[];
  threads: number[];
  quick: boolean;
  peers: boolean;
  json: boolean;
  budget: number | undefined;
  help: boolean;
}
export function parseCli(argv: string[]): CliOptions;
export function main(argv?: string[]): Promise<number>;
