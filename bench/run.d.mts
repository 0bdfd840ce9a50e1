// Types of run.mjs (for test/bench/*.test.ts; `recurrent bench`, src/cli/bench.ts, runs it as a child process).
export interface CliOptions {
  workloads: string[];
  modes: ('train' | 'infer')[];
  impls: string[];
  threads: number[];
  repeat: number;
  quick: boolean;
  peers: boolean;
  json: boolean;
  budget: number | undefined;
  help: boolean;
  /** --impls was given (recurrent-ref then runs the word2vec workloads too) */
  implsGiven: boolean;
  /** word2vec impls among `--impls` (bench/w2v.mjs) */
  w2vImpls: string[];
  /** run the word2vec workloads / the RNN workloads */
  w2v: boolean;
  rnn: boolean;
  /** the w2v-* ids of --workloads (empty: both) */
  w2vWorkloads: string[];
}
export function parseCli(argv: string[]): CliOptions;
export function main(argv?: string[]): Promise<number>;
